/* Unit tests for gv_analysis: τ (both methods, every outcome), power-law
 * fits against exact and noisy data, rescaling and the plateau estimate. */
#include <stdlib.h>

#include "gv_analysis.h"
#include "gv_rng.h"
#include "gv_test.h"

/* Q = exp(-t/100) on log-spaced lags: τ90 = 100 ln(10/9), τ_e = 100. */
static void test_tau_exponential(void)
{
    gv_err e = {0};
    double t[61], q[61];
    for (int i = 0; i < 61; i++) {
        t[i] = pow(10, i / 10.0); /* 1 .. 1e6, 10 per decade */
        q[i] = exp(-t[i] / 100);
    }
    gv_tau r;
    gv_tau_opts interp = {GV_TAU_INTERP, 0};
    CHECK_OK(gv_analysis_tau(t, q, 61, GV_TAU90_THRESHOLD, &interp, &r, &e), e);
    CHECK(r.outcome == GV_TAU_FOUND);
    /* Linear interpolation in log t of a smooth curve across a 10^0.1
     * interval: error well under 1% here (curvature is small). */
    CHECK_NEAR(r.tau, 100 * log(10.0 / 9), 0.01 * 100 * log(10.0 / 9));
    CHECK_OK(gv_analysis_tau(t, q, 61, GV_TAUE_THRESHOLD, &interp, &r, &e), e);
    CHECK_NEAR(r.tau, 100, 1.0);
    /* "first": the first saved lag below, exactly a grid point >= the true τ. */
    CHECK_OK(gv_analysis_tau(t, q, 61, GV_TAU90_THRESHOLD, NULL, &r, &e), e);
    CHECK(r.outcome == GV_TAU_FOUND && r.tau == t[r.index] && q[r.index] < 0.9 &&
          q[r.index - 1] >= 0.9);
    CHECK(r.tau >= 100 * log(10.0 / 9) && r.tau < 100 * log(10.0 / 9) * pow(10, 0.1));
}

/* Interpolation is exact on a curve linear in log t. */
static void test_tau_interp_exact(void)
{
    gv_err e = {0};
    double t[] = {1, 10, 100, 1000}, q[] = {1, 0.95, 0.85, 0.75}; /* Q = 1.05 - 0.1·log10 t */
    gv_tau_opts o = {GV_TAU_INTERP, 0};
    gv_tau r;
    CHECK_OK(gv_analysis_tau(t, q, 4, 0.9, &o, &r, &e), e);
    CHECK_NEAR(r.tau, pow(10, 1.5), 1e-9 * pow(10, 1.5));
    /* From t = 0 the interpolation is linear in t. */
    double t0[] = {0, 10}, q0[] = {1, 0.8};
    CHECK_OK(gv_analysis_tau(t0, q0, 2, 0.9, &o, &r, &e), e);
    CHECK_NEAR(r.tau, 5, 1e-12);
}

static void test_tau_outcomes(void)
{
    gv_err e = {0};
    double t[] = {1, 2, 4, 8, 16}, q[] = {0.99, 0.97, 0.95, 0.94, 0.93};
    gv_tau r;
    CHECK_OK(gv_analysis_tau(t, q, 5, 0.9, NULL, &r, &e), e);
    CHECK(r.outcome == GV_TAU_NOT_REACHED && isnan(r.tau) && r.index == 5);
    CHECK_MSG(strstr(r.reason, "not reached: Q(t_max)=0.93 > 0.9") && strstr(r.reason, "16"),
              "%s", r.reason);
    /* Already below at the first lag: no τ with either method (the authors'
     * code returns NaN there, not t_1). */
    double qb[] = {0.5, 0.4, 0.3, 0.2, 0.1};
    CHECK_OK(gv_analysis_tau(t, qb, 5, 0.9, NULL, &r, &e), e);
    CHECK(r.outcome == GV_TAU_BEFORE_FIRST && isnan(r.tau) && strstr(r.reason, "before first"));
    gv_tau_opts o = {GV_TAU_INTERP, 0};
    CHECK_OK(gv_analysis_tau(t, qb, 5, 0.9, &o, &r, &e), e);
    CHECK(r.outcome == GV_TAU_BEFORE_FIRST && isnan(r.tau) && strstr(r.reason, "before first"));
    /* min_t drops early crossings, as the authors' code drops τ90 < 4. */
    double qc[] = {0.95, 0.85, 0.8, 0.7, 0.6};
    gv_tau_opts m4 = {GV_TAU_FIRST, 4};
    CHECK_OK(gv_analysis_tau(t, qc, 5, 0.9, &m4, &r, &e), e);
    CHECK(r.outcome == GV_TAU_BELOW_MIN && isnan(r.tau) && strstr(r.reason, "min_t=4"));
    m4.min_t = 2;
    CHECK_OK(gv_analysis_tau(t, qc, 5, 0.9, &m4, &r, &e), e);
    CHECK(r.outcome == GV_TAU_FOUND && r.tau == 2);
    /* NaN lags are skipped, not crossed. */
    double qn[] = {0.95, NAN, NAN, 0.8, NAN};
    o.method = GV_TAU_INTERP;
    CHECK_OK(gv_analysis_tau(t, qn, 5, 0.9, &o, &r, &e), e);
    CHECK(r.outcome == GV_TAU_FOUND && r.index == 3);
    CHECK_NEAR(r.tau, exp(log(8.0) / 3), 1e-12); /* 1/3 of the way from 1 to 8 in log t */
    double qa[] = {NAN, NAN, NAN, NAN, NAN};
    CHECK_OK(gv_analysis_tau(t, qa, 5, 0.9, NULL, &r, &e), e);
    CHECK(r.outcome == GV_TAU_NOT_REACHED && strstr(r.reason, "NaN"));
    /* Q exactly at the threshold is not below it. */
    double qe[] = {1, 0.9, 0.9, 0.9, 0.9};
    CHECK_OK(gv_analysis_tau(t, qe, 5, 0.9, NULL, &r, &e), e);
    CHECK(r.outcome == GV_TAU_NOT_REACHED && strstr(r.reason, ">= 0.9"));
}

static void test_tau_errors(void)
{
    gv_err e = {0};
    gv_tau r;
    double t[] = {1, 3, 2}, q[] = {1, 0.5, 0.2};
    CHECK_FAILS(gv_analysis_tau(t, q, 3, 0.9, NULL, &r, &e), GV_EINVAL, e, "increase strictly");
    CHECK_FAILS(gv_analysis_tau(t, q, 0, 0.9, NULL, &r, &e), GV_EINVAL, e, "empty");
    double tn[] = {-1, 1};
    gv_tau_opts o = {GV_TAU_INTERP, 0};
    CHECK_FAILS(gv_analysis_tau(tn, q, 2, 0.9, &o, &r, &e), GV_EINVAL, e, "t >= 0");
    CHECK_FAILS(gv_analysis_tau(tn, q, 2, NAN, NULL, &r, &e), GV_EINVAL, e, "threshold");
    /* Q lies in [0, 1]: a threshold outside (0, 1) is a slip (a percentage, say). */
    double tq[] = {1, 2}, qq[] = {1, 0.5};
    CHECK_FAILS(gv_analysis_tau(tq, qq, 2, 90, NULL, &r, &e), GV_EINVAL, e, "for 90 % write 0.9");
    CHECK_FAILS(gv_analysis_tau(tq, qq, 2, 90, NULL, &r, &e), GV_EINVAL, e, "below it at every lag");
    CHECK_FAILS(gv_analysis_tau(tq, qq, 2, 1, NULL, &r, &e), GV_EINVAL, e, "first lag that moved");
    CHECK_FAILS(gv_analysis_tau(tq, qq, 2, 0, NULL, &r, &e), GV_EINVAL, e, "never fall below");
    gv_tau_est te;
    CHECK_FAILS(gv_analysis_tau_replicas(tq, 2, qq, 1, NULL, -0.5, GV_TAU_PER_REPLICA, 0, NULL,
                                         &te, &e),
                GV_EINVAL, e, "outside (0, 1)");
    CHECK_OK(gv_analysis_tau(tq, qq, 2, 0.999, NULL, &r, &e), e);
}

static void test_powerlaw_exact(void)
{
    gv_err e = {0};
    double x[40], y[40];
    for (int i = 0; i < 40; i++) {
        x[i] = pow(10, i / 8.0);
        y[i] = 3.5 * pow(x[i], -0.48);
    }
    gv_powerlaw f;
    CHECK_OK(gv_analysis_powerlaw_fit(x, y, 40, 10, 1e4, &f, &e), e);
    CHECK(f.n == 25); /* 10^(8/8) .. 10^(32/8) inclusive */
    CHECK_NEAR(f.exponent, -0.48, 1e-12);
    CHECK_NEAR(f.prefactor, 3.5, 1e-10);
    CHECK(f.exponent_se < 1e-12 && f.r2 > 1 - 1e-12);
}

/* Noisy data: y = 2 x^-1 · exp(σ z), z from a fixed LCG-driven Box-Muller.
 * The fitted slope must lie within 4 standard errors of -1 (chance of a
 * failure with a correct SE: 6e-5, and the data are fixed, so the test is
 * deterministic), and the SE must match its formula σ/√Sxx within 20%
 * (its relative spread is 1/√(2(n-2)) = 5% for n = 200). */
static void test_powerlaw_noisy(void)
{
    gv_err e = {0};
    enum { N = 200 };
    double x[N], y[N], sigma = 0.1;
    uint64_t s = 12345;
    double sxx = 0, mx = 0;
    for (int i = 0; i < N; i++) {
        double u[2];
        for (int k = 0; k < 2; k++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            u[k] = ((s >> 11) + 0.5) / 9007199254740992.0;
        }
        double z = sqrt(-2 * log(u[0])) * cos(2 * 3.141592653589793 * u[1]);
        x[i] = pow(10, i / 50.0);
        y[i] = 2 / x[i] * exp(sigma * z);
        mx += log(x[i]) / N;
    }
    for (int i = 0; i < N; i++) sxx += (log(x[i]) - mx) * (log(x[i]) - mx);
    gv_powerlaw f;
    CHECK_OK(gv_analysis_powerlaw_fit(x, y, N, 0, INFINITY, &f, &e), e);
    CHECK(f.n == N);
    CHECK_NEAR(f.exponent, -1, 4 * f.exponent_se);
    CHECK_NEAR(f.exponent_se, sigma / sqrt(sxx), 0.2 * sigma / sqrt(sxx));
    CHECK(f.r2 > 0.9 && f.r2 < 1);
}

static void test_powerlaw_errors(void)
{
    gv_err e = {0};
    gv_powerlaw f;
    double x[] = {1, 2, 3, 4}, y[] = {1, 0.5, 0.3, -0.1};
    CHECK_FAILS(gv_analysis_powerlaw_fit(x, y, 4, 1, 2, &f, &e), GV_EINVAL, e, "only 2 points");
    CHECK_FAILS(gv_analysis_powerlaw_fit(x, y, 4, 1, 4, &f, &e), GV_EINVAL, e, "point 4");
    CHECK(isnan(f.exponent));
    double x0[] = {0, 1, 2, 3}, y0[] = {1, 1, 1, 1};
    CHECK_FAILS(gv_analysis_powerlaw_fit(x0, y0, 4, 0, 4, &f, &e), GV_EINVAL, e, "x=0");
    CHECK_FAILS(gv_analysis_powerlaw_fit(x, y, 4, 3, 1, &f, &e), GV_EINVAL, e, "empty range");
    double xs[] = {2, 2, 2}, ys[] = {1, 2, 3};
    CHECK_FAILS(gv_analysis_powerlaw_fit(xs, ys, 3, 0, 4, &f, &e), GV_EINVAL, e, "equal");
    /* NaN y values are skipped: 3 finite points remain. */
    double yn[] = {1, NAN, 1.0 / 9, 1.0 / 16};
    CHECK_OK(gv_analysis_powerlaw_fit(x, yn, 4, 1, 4, &f, &e), e);
    CHECK(f.n == 3);
    CHECK_NEAR(f.exponent, -2, 1e-12);
    /* A NaN x is refused (it was skipped as out of range, silently). */
    double xn[] = {NAN, 2, 4, 8}, y4[] = {1, 0.5, 0.25, 0.125};
    CHECK_FAILS(gv_analysis_powerlaw_fit(xn, y4, 4, 0, INFINITY, &f, &e), GV_EINVAL, e,
                "point 1 has x = NaN");
    CHECK_FAILS(gv_analysis_powerlaw_fit(x, y4, 4, NAN, INFINITY, &f, &e), GV_EINVAL, e,
                "must be numbers");
}

static void test_rescale_and_plateau(void)
{
    gv_err e = {0};
    double t[] = {1, 10, 100}, out[3];
    CHECK_OK(gv_analysis_rescale(t, 3, 10, out, &e), e);
    CHECK(out[0] == 0.1 && out[1] == 1 && out[2] == 10);
    CHECK_FAILS(gv_analysis_rescale(t, 3, 0, out, &e), GV_EINVAL, e, "tau");
    CHECK_FAILS(gv_analysis_rescale(t, 3, NAN, out, &e), GV_EINVAL, e, "tau");
    double q[] = {1, 0.5, 0.3, 0.2, NAN, 0.4};
    double m, sd;
    size_t used;
    CHECK_OK(gv_analysis_plateau(q, 6, 1, &m, &sd, &used, &e), e);
    CHECK(m == 0.4 && sd == 0 && used == 1);
    CHECK_OK(gv_analysis_plateau(q, 6, 3, &m, &sd, &used, &e), e);
    CHECK_NEAR(m, 0.3, 1e-15);
    CHECK_NEAR(sd, 0.1, 1e-15);
    CHECK(used == 3);
    CHECK_OK(gv_analysis_plateau(q, 6, 100, &m, &sd, &used, &e), e);
    CHECK(used == 5);
    double qn[] = {NAN, NAN};
    CHECK_FAILS(gv_analysis_plateau(qn, 2, 1, &m, &sd, &used, &e), GV_EINVAL, e, "no finite");
    /* An infinite value is skipped as a NaN is, not averaged into inf. */
    double qi[] = {0.5, INFINITY, 0.3};
    CHECK_OK(gv_analysis_plateau(qi, 3, 2, &m, &sd, &used, &e), e);
    CHECK_MSG(used == 2 && fabs(m - 0.4) < 1e-15, "%g over %zu", m, used);
    double qj[] = {-INFINITY, INFINITY};
    CHECK_FAILS(gv_analysis_plateau(qj, 2, 1, &m, &sd, &used, &e), GV_EINVAL, e, "no finite");
    CHECK_FAILS(gv_analysis_plateau(q, 6, 0, &m, &sd, &used, &e), GV_EINVAL, e, "last");
}

/* τ over replicas: the authors' per-replica rules, of_mean, interp, statuses. */
static void test_tau_replicas(void)
{
    gv_err e = {0};
    double t[] = {1, 2, 4, 8, 16};
    /* Replica 0 crosses at 4, replica 1 at 8, replica 2 at its first lag
     * (no τ: before_first_lag), replica 3 at 2 (< min_t = 4: dropped),
     * replica 4 never, replica 5 absent (all NaN). */
    double q[6 * 5] = {
        0.99, 0.95, 0.85, 0.7, 0.5,
        0.99, 0.97, 0.93, 0.88, 0.6,
        0.80, 0.70, 0.60, 0.50, 0.4,
        0.95, 0.85, 0.80, 0.70, 0.6,
        0.99, 0.99, 0.98, 0.97, 0.96,
        NAN, NAN, NAN, NAN, NAN};
    gv_tau_est r;
    /* The authors' per_replica needs every replica's τ (their pandas mean
     * drops a point where any is NaN); per_replica_found averages those found. */
    CHECK_OK(gv_analysis_tau_replicas(t, 5, q, 6, NULL, 0.9, GV_TAU_PER_REPLICA, 4, NULL, &r, &e), e);
    CHECK(r.outcome == GV_TAU_NOT_REACHED && isnan(r.tau) && r.n == 5 && r.n_used == 2);
    CHECK_MSG(strstr(r.reason, "3 of 5 replicas have no tau"), "%s", r.reason);
    CHECK_OK(gv_analysis_tau_replicas(t, 5, q, 2, NULL, 0.9, GV_TAU_PER_REPLICA, 4, NULL, &r, &e), e);
    CHECK(r.outcome == GV_TAU_FOUND && r.tau == 6 && r.n == 2 && r.n_used == 2);
    CHECK_OK(gv_analysis_tau_replicas(t, 5, q, 6, NULL, 0.9, GV_TAU_PER_REPLICA_FOUND, 4, NULL, &r,
                                      &e), e);
    CHECK(r.outcome == GV_TAU_FOUND && r.tau == 6 && r.n == 5 && r.n_used == 2);
    CHECK(r.count[GV_TAU_BEFORE_FIRST] == 1 && r.count[GV_TAU_BELOW_MIN] == 1 &&
          r.count[GV_TAU_NOT_REACHED] == 1);
    CHECK_MSG(strstr(r.reason, "mean over 2 of 5"), "%s", r.reason);
    CHECK(isnan(r.ci.lo) && r.ci.B == 0);
    /* With a t = 0 point (Q = 1), a crossing at the first positive lag is
     * still "before the first lag" for the saved-lag rule (the authors'
     * idx <= 1), while interp interpolates from t = 0. */
    double t0[] = {0, 1, 2, 4}, q0[] = {1, 0.5, 0.4, 0.3};
    gv_tau one;
    CHECK_OK(gv_analysis_tau(t0, q0, 4, 0.9, NULL, &one, &e), e);
    CHECK(one.outcome == GV_TAU_BEFORE_FIRST);
    gv_tau_opts lin = {GV_TAU_INTERP, 0};
    CHECK_OK(gv_analysis_tau(t0, q0, 4, 0.9, &lin, &one, &e), e);
    CHECK(one.outcome == GV_TAU_FOUND && fabs(one.tau - 0.2) < 1e-12);
    /* of_mean: the mean curve over the 5 present replicas. */
    double m[5];
    for (int i = 0; i < 5; i++) {
        m[i] = 0;
        for (int k = 0; k < 5; k++) m[i] += q[k * 5 + i] / 5;
    }
    gv_tau ref;
    CHECK_OK(gv_analysis_tau(t, m, 5, 0.9, NULL, &ref, &e), e);
    CHECK_OK(gv_analysis_tau_replicas(t, 5, q, 6, NULL, 0.9, GV_TAU_OF_MEAN, 0, NULL, &r, &e), e);
    CHECK(r.outcome == ref.outcome && r.tau == ref.tau && r.n == 5);
    gv_tau_opts io = {GV_TAU_INTERP, 0};
    CHECK_OK(gv_analysis_tau(t, m, 5, 0.9, &io, &ref, &e), e);
    CHECK_OK(gv_analysis_tau_replicas(t, 5, q, 6, NULL, 0.9, GV_TAU_OF_MEAN_INTERP, 0, NULL, &r, &e),
             e);
    CHECK(r.outcome == GV_TAU_FOUND && fabs(r.tau - ref.tau) < 1e-12 * ref.tau);
    /* No replica has a τ: the most common reason is the status. */
    double qn[2 * 5] = {0.99, 0.99, 0.98, 0.97, 0.96, 0.80, 0.99, 0.99, 0.99, 0.99};
    double qn3[3 * 5] = {0.99, 0.99, 0.98, 0.97, 0.96, 0.80, 0.99, 0.99, 0.99, 0.99,
                         0.99, 0.99, 0.99, 0.99, 0.99};
    CHECK_OK(gv_analysis_tau_replicas(t, 5, qn3, 3, NULL, 0.9, GV_TAU_PER_REPLICA, 4, NULL, &r, &e), e);
    CHECK(r.outcome == GV_TAU_NOT_REACHED && isnan(r.tau) && r.n_used == 0);
    CHECK_OK(gv_analysis_tau_replicas(t, 5, qn, 2, NULL, 0.9, GV_TAU_PER_REPLICA, 4, NULL, &r, &e), e);
    CHECK(r.outcome == GV_TAU_NOT_REACHED); /* a tie (1 and 1) goes to not_reached */
    /* Bootstrap: reproducible from the seed, over groups when given. */
    gv_boot_opts bo = {500, 7, 0.9};
    gv_tau_est a, b;
    CHECK_OK(gv_analysis_tau_replicas(t, 5, q, 6, NULL, 0.9, GV_TAU_PER_REPLICA_FOUND, 4, &bo, &a,
                                      &e), e);
    CHECK_OK(gv_analysis_tau_replicas(t, 5, q, 6, NULL, 0.9, GV_TAU_PER_REPLICA_FOUND, 4, &bo, &b,
                                      &e), e);
    /* Resamples that drew no replica with a τ are not dropped: they lie
     * beyond the lags (±inf), which leaves the sd undefined. */
    CHECK(a.ci.B == 500 && a.ci.B_ok == 500 && isnan(a.ci.se));
    CHECK(a.ci.lo == b.ci.lo && a.ci.hi == b.ci.hi);
    /* The means lie in [4, 8]; the lower end, read on the lags, goes down its
     * cell (x 1/2 on this grid). */
    CHECK(a.ci.lo >= 2 && a.ci.hi <= 8 && a.ci.lo < a.ci.hi);
    /* 50 replicas crossing in one cell: every resample reads the same lag,
     * 8.  The interval is the cell (4, 8], not [8, 8], and the s.e. the
     * cell's rounding error 4/sqrt(12), not 0; for every estimator read on
     * the lags, not for interp, which is not quantised. */
    double q50[50 * 5];
    for (int k = 0; k < 50; k++)
        for (int i = 0; i < 5; i++) q50[k * 5 + i] = i < 3 ? 0.99 - 0.001 * k : 0.5;
    gv_boot_opts b200 = {200, 5, 0.95};
    const gv_tau_estimator on_lags[] = {GV_TAU_PER_REPLICA, GV_TAU_OF_MEAN, GV_TAU_PER_REPLICA_FOUND};
    for (int k = 0; k < 3; k++) {
        CHECK_OK(gv_analysis_tau_replicas(t, 5, q50, 50, NULL, 0.9, on_lags[k], 0, &b200, &a, &e), e);
        CHECK_MSG(a.tau == 8 && a.ci.lo == 4 && a.ci.hi == 8 && a.ci.B_ok == 200 &&
                  fabs(a.ci.se - 4 / sqrt(12)) < 1e-12, "%s: %g [%g, %g] se %g",
                  gv_tau_estimator_name[on_lags[k]], a.tau, a.ci.lo, a.ci.hi, a.ci.se);
    }
    CHECK_OK(gv_analysis_tau_replicas(t, 5, q50, 50, NULL, 0.9, GV_TAU_OF_MEAN_INTERP, 0, &b200, &a,
                                      &e), e);
    CHECK(a.tau > 4 && a.tau < 8 && a.ci.lo > 4 && a.ci.hi < 8);
    /* Copies: 4 replicas with one curve resample to one value, an interval
     * of width 0 (interp) that measures nothing; they get none, and say why.
     * One value changed by one ulp is no longer a copy. */
    double qc[4 * 5];
    for (int k = 0; k < 4; k++) memcpy(qc + 5 * k, q, 5 * sizeof *q);
    for (int k = 0; k < 4; k++) {
        gv_tau_estimator est = k < 3 ? on_lags[k] : GV_TAU_OF_MEAN_INTERP;
        CHECK_OK(gv_analysis_tau_replicas(t, 5, qc, 4, NULL, 0.9, est, 0, &b200, &a, &e), e);
        CHECK_MSG(a.outcome == GV_TAU_FOUND && isnan(a.ci.lo) && isnan(a.ci.hi) &&
                  isnan(a.ci.se) && a.ci.B_ok == 0 &&
                  strstr(a.reason, "the 4 replicas' curves are identical (copies of one "
                                   "network?): no interval"),
                  "%s: [%g, %g] %s", gv_tau_estimator_name[est], a.ci.lo, a.ci.hi, a.reason);
    }
    qc[3 * 5 + 4] = nextafter(qc[3 * 5 + 4], 1);
    CHECK_OK(gv_analysis_tau_replicas(t, 5, qc, 4, NULL, 0.9, GV_TAU_OF_MEAN_INTERP, 0, &b200, &a,
                                      &e), e);
    CHECK(a.ci.B_ok == 200 && !strstr(a.reason, "identical"));
    /* Curves that never cross (Q = 1: nothing moved) keep the bootstrap's
     * bound of a τ beyond the lags; without resamples no copies are named. */
    double q1[3 * 5] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    CHECK_OK(gv_analysis_tau_replicas(t, 5, q1, 3, NULL, 0.9, GV_TAU_OF_MEAN_INTERP, 0, &b200, &a,
                                      &e), e);
    CHECK(a.outcome == GV_TAU_NOT_REACHED && isinf(a.ci.hi) && !strstr(a.reason, "identical"));
    CHECK_OK(gv_analysis_tau_replicas(t, 5, qc, 3, NULL, 0.9, GV_TAU_OF_MEAN_INTERP, 0, NULL, &a,
                                      &e), e);
    CHECK(a.outcome == GV_TAU_FOUND && !strstr(a.reason, "identical"));
    /* A run that ends near τ: two replicas cross before the last lag, one
     * never does; the mean curve crosses when a resample draws the flat one
     * at most once (20 of 27), so 26 % of the resamples have τ beyond the
     * last lag and the 95 % interval is open above (it was [8, 16] when
     * they were dropped). */
    double tn[5] = {1, 2, 4, 8, 16}, qe[3 * 5] = {1, 1, 1, 1, 0.7, 1, 1, 1, 1, 0.7,
                                                  1, 1, 1, 1, 1};
    gv_boot_opts b95 = {2000, 3, 0.95};
    CHECK_OK(gv_analysis_tau_replicas(tn, 5, qe, 3, NULL, 0.9, GV_TAU_OF_MEAN_INTERP, 0, &b95, &a,
                                      &e), e);
    CHECK(a.outcome == GV_TAU_FOUND && a.tau > 8 && a.tau < 16);
    CHECK_MSG(a.ci.B_ok == 2000 && a.ci.lo > 8 && a.ci.lo <= a.tau && isinf(a.ci.hi) &&
              a.ci.hi > 0 && isnan(a.ci.se), "[%g, %g] se %g", a.ci.lo, a.ci.hi, a.ci.se);
    /* And below: a replica at Q = 0.8 throughout puts the mean below 0.9 at
     * the first lag when drawn twice or more (7 of 27 resamples), so the
     * interval reaches below the first lag: its lower end is 0, a time. */
    double qb[3 * 5] = {0.8, 0.8, 0.8, 0.8, 0.8, 1, 1, 1, 0.5, 0.5, 1, 1, 1, 0.5, 0.5};
    CHECK_OK(gv_analysis_tau_replicas(tn, 5, qb, 3, NULL, 0.9, GV_TAU_OF_MEAN_INTERP, 0, &b95, &a,
                                      &e), e);
    CHECK_MSG(a.outcome == GV_TAU_FOUND && a.tau > 4 && a.tau < 8 && a.ci.lo == 0 &&
              a.ci.hi >= a.tau && a.ci.hi < 8 && isnan(a.ci.se), "%g [%g, %g]", a.tau, a.ci.lo,
              a.ci.hi);
    /* One group holding every replica: one unit, nothing to resample, so no
     * interval (not one of zero width), while the estimate stands. */
    uint64_t g[6] = {3, 3, 3, 3, 3, 3};
    CHECK_OK(gv_analysis_tau_replicas(t, 5, q, 6, g, 0.9, GV_TAU_PER_REPLICA_FOUND, 4, &bo, &a, &e),
             e);
    CHECK(a.tau == 6 && isnan(a.ci.lo) && isnan(a.ci.hi) && isnan(a.ci.se) && a.ci.B_ok == 0 &&
          a.ci.B == 500);
    gv_boot_opts bad = {10, 1, 1.5};
    CHECK_FAILS(gv_analysis_tau_replicas(t, 5, q, 6, NULL, 0.9, GV_TAU_PER_REPLICA, 4, &bad, &a, &e),
                GV_EINVAL, e, "level");
    CHECK_FAILS(gv_analysis_tau_replicas(t, 5, q, 0, NULL, 0.9, GV_TAU_PER_REPLICA, 4, NULL, &a, &e),
                GV_EINVAL, e, "no replica");
    /* The draws: uniform over 0..n-1, a pure function of (seed, stream, b). */
    size_t i1[1000], i2[1000], hits[10] = {0};
    gv_boot_draw(9, 2, 17, 1000, i1);
    gv_boot_draw(9, 2, 17, 1000, i2);
    CHECK(memcmp(i1, i2, sizeof i1) == 0);
    for (int k = 0; k < 1000; k++) hits[i1[k] / 100]++;
    for (int k = 0; k < 10; k++) CHECK_MSG(hits[k] > 60 && hits[k] < 140, "decile %d: %zu", k, hits[k]);
}

/* The exponent's bootstrap interval covers the true value: MSD of free
 * random walks, MSD(t) = t exactly, so the log-log slope is 1.  Each trial:
 * R = 64 replicas of N = 20 independent unit-variance walks, MSD_r(t) at
 * t = 1, 2, 4, ..., 256; the slope of the replica-mean MSD over all lags,
 * with a 95 % percentile bootstrap over replicas (B = 400).  This is the
 * structure of a measured curve (one set of replicas shared by all lags,
 * so the points are correlated) with a known exponent, cheap enough for
 * 100 seeded trials.  Nominal coverage 95 %: we require >= 90 of 100 (the
 * binomial probability of <= 89 at 95 % is 1.1 %; percentile intervals
 * undercover by a point or two at small R, hence R = 64: at R = 32 we
 * measured 90 of 100). */
typedef struct cov_ctx {
    const double *msd; /* R × L */
    size_t R, L;
    const double *t;
} cov_ctx;

static double cov_slope(const cov_ctx *c, const size_t *idx, size_t n)
{
    double y[16];
    for (size_t l = 0; l < c->L; l++) {
        double s = 0;
        for (size_t k = 0; k < n; k++) s += c->msd[idx[k] * c->L + l];
        y[l] = s / (double)n;
    }
    gv_powerlaw f;
    if (gv_analysis_powerlaw_fit(c->t, y, c->L, 0, HUGE_VAL, &f, NULL) != GV_OK) return NAN;
    return f.exponent;
}

static int cov_stat(void *ctx, const size_t *const *idx, const size_t *n, double *value)
{
    *value = cov_slope(ctx, idx[0], n[0]);
    return 0;
}

/* Counts the calls; the value is the first draw's index. */
static int count_stat(void *ctx, const size_t *const *idx, const size_t *n, double *value)
{
    (void)n;
    ++*(int *)ctx;
    *value = (double)idx[0][0];
    return 0;
}

/* A set of one unit: no resample drawn, no interval, the values NaN; with
 * every set of two or more, the interval is there. */
static void test_bootstrap_one_unit(void)
{
    gv_err e = {0};
    gv_boot_opts bo = {50, 3, 0.9};
    double vals[50];
    gv_interval ci;
    int calls = 0;
    size_t sizes[2] = {3, 1};
    CHECK_OK(gv_analysis_bootstrap(sizes, 2, &bo, count_stat, &calls, vals, &ci, &e), e);
    CHECK(calls == 0 && isnan(ci.lo) && isnan(ci.hi) && isnan(ci.se) && ci.B == 50 && ci.B_ok == 0);
    CHECK(isnan(vals[0]) && isnan(vals[49]));
    sizes[1] = 2;
    CHECK_OK(gv_analysis_bootstrap(sizes, 2, &bo, count_stat, &calls, vals, &ci, &e), e);
    CHECK(calls == 50 && ci.B_ok == 50 && ci.lo <= ci.hi && !isnan(ci.se));
}

/* Set sizes whose sum or buffer size wraps around are refused (the sum of
 * {SIZE_MAX, 3} wrapped to 2: a buffer of 2 indices, written past). */
static void test_bootstrap_too_many_units(void)
{
    gv_err e = {0};
    gv_boot_opts bo = {1, 1, 0.95};
    gv_interval ci;
    int calls = 0;
    size_t sizes[2] = {SIZE_MAX, 3};
    CHECK_FAILS(gv_analysis_bootstrap(sizes, 2, &bo, count_stat, &calls, NULL, &ci, &e),
                GV_EINVAL, e, "add up past");
    sizes[0] = SIZE_MAX / 4, sizes[1] = 2;
    CHECK_FAILS(gv_analysis_bootstrap(sizes, 2, &bo, count_stat, &calls, NULL, &ci, &e),
                GV_EINVAL, e, "too many to index");
    CHECK(calls == 0);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Returns the values of `seq` in call order (resample b gets seq[b]). */
typedef struct seq_ctx {
    const double *v;
    size_t next;
} seq_ctx;

static int seq_stat(void *ctx, const size_t *const *idx, const size_t *n, double *value)
{
    (void)idx, (void)n;
    seq_ctx *c = ctx;
    *value = c->v[c->next++];
    return 0;
}

/* The mean of x over the drawn units of set 0. */
static int mean_stat(void *ctx, const size_t *const *idx, const size_t *n, double *value)
{
    const double *x = ctx;
    double s = 0;
    for (size_t i = 0; i < n[0]; i++) s += x[idx[0][i]];
    *value = s / (double)n[0];
    return 0;
}

/* Quantile p of m sorted values by numpy's default rule (R's type 7),
 * written as numpy documents it: the point at (1 - g)·v[j] + g·v[j + 1],
 * j + g = p (m - 1). */
static double numpy_quantile(const double *v, size_t m, double p)
{
    double pos = p * (double)(m - 1), j = floor(pos), g = pos - j;
    size_t k = (size_t)j;
    return k + 1 < m ? (1 - g) * v[k] + g * v[k + 1] : v[m - 1];
}

/* The interval is the documented percentile rule, exactly: quantiles
 * (1 - level)/2 and (1 + level)/2 of the resampled values, linear between
 * order statistics (docs/analysis.md "Error bars").  The coverage test
 * cannot tell a wrong quantile (the (1 - level) quantile is a 90 % interval
 * at level 0.95 and still covers 90 of 100); this can.
 * 1. Five values 5, 1, 4, 2, 3 given in that order: at level 0.8, numpy's
 *    percentile([1..5], [10, 90]) = [1.4, 4.6]; at 0.95 [1.1, 4.9]; se the
 *    sample sd sqrt(2.5).  Tolerance 1e-12: a few roundings of numbers ~1.
 * 2. The mean of 20 normal values, B = 1000 resamples (distinct values, and
 *    p (B - 1) not an integer: 24.975, 974.025 at 0.95, 99.9, 899.1 at
 *    0.8): lo and hi against the returned values, sorted here and
 *    interpolated by numpy_quantile (another form of the same line, hence
 *    1e-12 again, times the range of the values, ~1.4).  At level 0.95 the
 *    (1 - level) quantile is off by 0.07 here, 0.1 in case 1. */
static void test_bootstrap_percentile(void)
{
    gv_err e = {0};
    const double five[5] = {5, 1, 4, 2, 3};
    static const struct { double level, lo, hi; } hand[] = {{0.8, 1.4, 4.6}, {0.95, 1.1, 4.9}};
    size_t n = 4;
    gv_interval ci;
    for (size_t c = 0; c < 2; c++) {
        seq_ctx sc = {five, 0};
        gv_boot_opts bo = {5, 1, hand[c].level};
        CHECK_OK(gv_analysis_bootstrap(&n, 1, &bo, seq_stat, &sc, NULL, &ci, &e), e);
        CHECK_NEAR(ci.lo, hand[c].lo, 1e-12);
        CHECK_NEAR(ci.hi, hand[c].hi, 1e-12);
        CHECK_NEAR(ci.se, sqrt(2.5), 1e-12);
        CHECK(ci.B_ok == 5 && ci.level == hand[c].level);
    }
    enum { NX = 20, B = 1000 };
    double x[NX], *vals = malloc(B * sizeof *vals);
    gv_rng_normal(7, 0, GV_RNG_TEST, 0, 0, NX, x);
    n = NX;
    const double levels[2] = {0.95, 0.8};
    for (int c = 0; c < 2; c++) {
        gv_boot_opts bo = {B, 11, levels[c]};
        CHECK_OK(gv_analysis_bootstrap(&n, 1, &bo, mean_stat, x, vals, &ci, &e), e);
        CHECK(ci.B_ok == B);
        qsort(vals, B, sizeof *vals, cmp_double);
        CHECK(vals[0] < vals[B - 1]);
        double tol = 1e-12 * (vals[B - 1] - vals[0]);
        CHECK_NEAR(ci.lo, numpy_quantile(vals, B, (1 - levels[c]) / 2), tol);
        CHECK_NEAR(ci.hi, numpy_quantile(vals, B, (1 + levels[c]) / 2), tol);
    }
    free(vals);
}

/* Tallies the drawn indices of every set (at most 2 sets of 7 units). */
static int tally_stat(void *ctx, const size_t *const *idx, const size_t *n, double *value)
{
    size_t (*hits)[8] = ctx; /* hits[k][7]: indices out of range */
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < n[k]; i++) hits[k][idx[k][i] < n[k] ? idx[k][i] : 7]++;
    *value = 0;
    return 0;
}

/* Every unit is drawn with probability 1/n, the last one too (the deciles
 * of n = 1000 in test_tau_replicas would not notice one unit never drawn).
 * Sets of n = 3 and n = 7, B = 20000 resamples through gv_analysis_bootstrap:
 * 60000 draws of 3 units, each expected 20000 times, binomial sd
 * sqrt(60000·(1/3)(2/3)) = 115.5; 140000 draws of 7, each expected 20000
 * times, sd sqrt(140000·(1/7)(6/7)) = 130.9.  We allow 5 sd (577, 655): a
 * false alarm has probability ~6e-7 per count, while a unit never drawn is
 * 20000 (150 sd) off and its share goes to the others (n = 3: 10000 more
 * each).  A bias of 1 % (200 draws, 1.7 sd) would pass: this checks the
 * range and gross bias, not fine uniformity. */
static void test_bootstrap_draw_units(void)
{
    gv_err e = {0};
    size_t sizes[2] = {3, 7}, hits[2][8] = {{0}};
    enum { B = 20000 };
    gv_boot_opts bo = {B, 5, 0.95};
    gv_interval ci;
    CHECK_OK(gv_analysis_bootstrap(sizes, 2, &bo, tally_stat, hits, NULL, &ci, &e), e);
    for (size_t k = 0; k < 2; k++) {
        double draws = (double)B * (double)sizes[k], p = 1.0 / (double)sizes[k];
        double sd = sqrt(draws * p * (1 - p));
        CHECK_MSG(hits[k][7] == 0, "set %zu: %zu draws out of range", k, hits[k][7]);
        for (size_t i = 0; i < sizes[k]; i++)
            CHECK_MSG(fabs((double)hits[k][i] - draws * p) <= 5 * sd,
                      "n = %zu: unit %zu drawn %zu times, expected %.0f +- %.0f", sizes[k], i,
                      hits[k][i], draws * p, sd);
    }
}

static void test_bootstrap_coverage(void)
{
    enum { R = 64, NW = 20, L = 9, STEPS = 256, TRIALS = 100 };
    static double msd[R * L], x[NW], z[NW];
    double t[L];
    for (int l = 0; l < L; l++) t[l] = (double)(1 << l);
    int covered = 0;
    double width = 0;
    gv_err e = {0};
    for (int trial = 0; trial < TRIALS; trial++) {
        for (int r = 0; r < R; r++) {
            for (int i = 0; i < NW; i++) x[i] = 0;
            for (int s = 1, l = 0; s <= STEPS; s++) {
                gv_rng_normal(1000 + trial, (uint32_t)r, GV_RNG_TEST, (uint64_t)s, 0, NW, z);
                for (int i = 0; i < NW; i++) x[i] += z[i];
                if (s == 1 << l) {
                    double m = 0;
                    for (int i = 0; i < NW; i++) m += x[i] * x[i];
                    msd[r * L + l++] = m / NW;
                }
            }
        }
        cov_ctx c = {msd, R, L, t};
        size_t n = R;
        gv_boot_opts bo = {400, (uint64_t)trial, 0.95};
        gv_interval ci;
        CHECK_OK(gv_analysis_bootstrap(&n, 1, &bo, cov_stat, &c, NULL, &ci, &e), e);
        covered += ci.lo <= 1 && 1 <= ci.hi;
        width += ci.hi - ci.lo;
    }
    fprintf(stderr, "  coverage: %d of %d 95%% intervals hold the exponent 1 (mean width %.3f)\n",
            covered, TRIALS, width / TRIALS);
    CHECK_MSG(covered >= 90, "%d of %d", covered, TRIALS);
}

/* The spread of the exponent over fit windows. */
static void test_powerlaw_spread(void)
{
    gv_err e = {0};
    double x[8], y[8], lo, hi;
    size_t nw;
    for (int i = 0; i < 8; i++) x[i] = i + 1, y[i] = pow(x[i], -0.5) * (i >= 6 ? 2 : 1);
    CHECK_OK(gv_analysis_powerlaw_spread(x, y, 8, 0, HUGE_VAL, 2, &lo, &hi, &nw, &e), e);
    /* windows: trims (a, b) with 8 - a - b >= 4: all 9 */
    CHECK(nw == 9 && hi > lo && fabs(lo + 0.5) < 1e-12); /* dropping the last two is exact */
    CHECK_OK(gv_analysis_powerlaw_spread(x, y, 8, 0, HUGE_VAL, 0, &lo, &hi, &nw, &e), e);
    CHECK(nw == 1 && lo == hi);
    /* A repeated t: windows that keep only the 5s have no slope; they are
     * skipped (4 of 9), not a failure of the whole spread. */
    const double xr[8] = {1, 5, 5, 5, 5, 5, 5, 9};
    for (int i = 0; i < 8; i++) y[i] = 2 * pow(xr[i], 1.5) * (1 + 0.01 * (i + 1));
    CHECK_OK(gv_analysis_powerlaw_spread(xr, y, 8, 0, HUGE_VAL, 2, &lo, &hi, &nw, &e), e);
    CHECK_MSG(nw == 5 && lo <= hi && fabs(lo - 1.5) < 0.1, "nw %zu lo %g hi %g", nw, lo, hi);
}

int main(void)
{
    GV_RUN(test_tau_replicas);
    GV_RUN(test_bootstrap_one_unit);
    GV_RUN(test_bootstrap_too_many_units);
    GV_RUN(test_bootstrap_coverage);
    GV_RUN(test_bootstrap_percentile);
    GV_RUN(test_bootstrap_draw_units);
    GV_RUN(test_powerlaw_spread);
    GV_RUN(test_tau_exponential);
    GV_RUN(test_tau_interp_exact);
    GV_RUN(test_tau_outcomes);
    GV_RUN(test_tau_errors);
    GV_RUN(test_powerlaw_exact);
    GV_RUN(test_powerlaw_noisy);
    GV_RUN(test_powerlaw_errors);
    GV_RUN(test_rescale_and_plateau);
    return GV_TEST_END();
}
