/* gv_analysis.c: τ at a threshold, power-law fits, rescaling, plateau. */
#include "gv_analysis.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gv_rng.h"

/* A threshold for Q, the fraction of weights within ε: inside (0, 1).  Above
 * 1 every lag's Q is below it, at 1 the first lag with a weight past ε
 * crosses it, at 0 or below no lag does; a percentage (90 for 0.9) is the
 * likely slip. */
static gv_status check_threshold(const char *what, double thr, gv_err *e)
{
    if (!isfinite(thr)) return gv_fail(e, GV_EINVAL, "%s: threshold %g is not finite", what, thr);
    if (thr > 0 && thr < 1) return GV_OK;
    char hint[64] = "";
    if (thr > 1 && thr < 100) snprintf(hint, sizeof hint, "; for %g %% write %g", thr, thr / 100);
    return gv_fail(e, GV_EINVAL, "%s: threshold %g is outside (0, 1), where Q lies (the fraction "
                                 "of weights within eps): Q would %s%s",
                   what, thr,
                   thr <= 0  ? "never fall below it"
                   : thr > 1 ? "be below it at every lag"
                             : "fall below it at the first lag that moved any weight past eps",
                   hint);
}

/* Shared checks on a curve's time axis. */
static gv_status check_times(const char *what, const double *t, size_t n, gv_err *e)
{
    if (n == 0) return gv_fail(e, GV_EINVAL, "%s: the curve is empty", what);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(t[i]))
            return gv_fail(e, GV_EINVAL, "%s: t[%zu] = %g is not finite", what, i + 1, t[i]);
        if (i > 0 && !(t[i] > t[i - 1]))
            return gv_fail(e, GV_EINVAL,
                           "%s: times must increase strictly, but t[%zu] = %g follows t[%zu] = %g",
                           what, i + 1, t[i], i, t[i - 1]);
    }
    return GV_OK;
}

gv_status gv_analysis_tau(const double *t, const double *q, size_t n, double threshold,
                          const gv_tau_opts *opts, gv_tau *out, gv_err *e)
{
    gv_tau_opts o = opts ? *opts : (gv_tau_opts){GV_TAU_FIRST, 0};
    *out = (gv_tau){.outcome = GV_TAU_NOT_REACHED, .tau = NAN, .index = n, .t_last = NAN,
                    .q_last = NAN};
    gv_status s = check_times("tau", t, n, e);
    if (s != GV_OK) return s;
    s = check_threshold("tau", threshold, e);
    if (s != GV_OK) return s;
    if (!(o.min_t >= 0) || isinf(o.min_t))
        return gv_fail(e, GV_EINVAL, "tau: min_t = %g must be finite and >= 0", o.min_t);
    if (o.method == GV_TAU_INTERP && t[0] < 0)
        return gv_fail(e, GV_EINVAL, "tau: method \"interp\" works in log t and needs t >= 0, "
                                     "but t[1] = %g", t[0]);

    /* First finite point below the threshold; prev = last finite one before
     * (for "first", one at t > 0: a crossing at the first lag after t = 0
     * says only that τ lies in (0, t₁], and the authors' code gives NaN). */
    size_t prev = n, hit = n;
    for (size_t i = 0; i < n; i++) {
        if (isnan(q[i])) continue;
        out->t_last = t[i], out->q_last = q[i];
        if (q[i] < threshold) { hit = i; break; }
        if (o.method == GV_TAU_INTERP || t[i] > 0) prev = i;
    }
    if (hit == n) {
        if (isnan(out->q_last))
            snprintf(out->reason, sizeof out->reason, "not reached: every Q value is NaN");
        else
            snprintf(out->reason, sizeof out->reason,
                     "not reached: Q(t_max)=%.4g %s %.4g (t_max=%.6g)", out->q_last,
                     out->q_last > threshold ? ">" : ">=", threshold, out->t_last);
        return GV_OK;
    }
    out->index = hit;
    double tau = t[hit];
    if (prev == n) { /* both methods: τ lies before the first lag, unknown (the authors: NaN) */
        out->outcome = GV_TAU_BEFORE_FIRST;
        /* Lags are steps: no earlier lag than one step can be measured. */
        snprintf(out->reason, sizeof out->reason,
                 "before first lag: Q(t=%.6g)=%.4g is already below %.4g, so tau < %.6g (%s)",
                 t[hit], q[hit], threshold, t[hit],
                 t[hit] <= 1 ? "within one step: a smaller chi or a lower T resolves it"
                             : "measure earlier lags");
        return GV_OK;
    }
    if (o.method == GV_TAU_INTERP) {
        double q0 = q[prev], q1 = q[hit], f = (q0 - threshold) / (q0 - q1);
        /* q0 >= threshold > q1, so 0 <= f < 1.  From t = 0 (Q(0) = 1 by
         * definition) log t is unusable: interpolate linearly in t there. */
        if (t[prev] <= 0)
            tau = t[prev] + f * (t[hit] - t[prev]);
        else
            tau = exp(log(t[prev]) + f * (log(t[hit]) - log(t[prev])));
    }
    if (tau < o.min_t) {
        out->outcome = GV_TAU_BELOW_MIN;
        snprintf(out->reason, sizeof out->reason,
                 "below min_t: tau=%.6g < min_t=%.6g (the lag resolution is too coarse)", tau,
                 o.min_t);
        return GV_OK;
    }
    out->outcome = GV_TAU_FOUND;
    out->tau = tau;
    return GV_OK;
}

gv_status gv_analysis_powerlaw_fit(const double *x, const double *y, size_t n, double x_min,
                                   double x_max, gv_powerlaw *out, gv_err *e)
{
    *out = (gv_powerlaw){.exponent = NAN, .exponent_se = NAN, .prefactor = NAN,
                         .log_prefactor_se = NAN, .r2 = NAN};
    if (isnan(x_min) || isnan(x_max))
        return gv_fail(e, GV_EINVAL, "powerlaw_fit: the range [%g, %g] (t_min, t_max) must be "
                       "numbers, not NaN", x_min, x_max);
    if (x_min > x_max)
        return gv_fail(e, GV_EINVAL, "powerlaw_fit: empty range [%g, %g]", x_min, x_max);
    /* Pass 1: validate and take means of the logs (two passes keep the sums
     * centred, which matters for x spanning many decades). */
    size_t m = 0;
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        /* (A NaN y is a point without a value, left out; a NaN x is no point at all.) */
        if (isnan(x[i]))
            return gv_fail(e, GV_EINVAL, "powerlaw_fit: point %zu has x = NaN", i + 1);
        if (!(x[i] >= x_min && x[i] <= x_max) || isnan(y[i])) continue;
        if (!(x[i] > 0) || !(y[i] > 0) || isinf(x[i]) || isinf(y[i]))
            return gv_fail(e, GV_EINVAL,
                           "powerlaw_fit: point %zu (x=%g, y=%g) is not positive and finite; "
                           "a log-log fit needs x > 0 and y > 0 (narrow t_min/t_max)",
                           i + 1, x[i], y[i]);
        m++;
        mx += log(x[i]);
        my += log(y[i]);
    }
    if (m < 3)
        return gv_fail(e, GV_EINVAL,
                       "powerlaw_fit: only %zu point%s in [%g, %g]; a fit with an error needs "
                       "at least 3", m, m == 1 ? "" : "s", x_min, x_max);
    mx /= (double)m;
    my /= (double)m;
    double sxx = 0, sxy = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(x[i] >= x_min && x[i] <= x_max) || isnan(y[i])) continue;
        double dx = log(x[i]) - mx, dy = log(y[i]) - my;
        sxx += dx * dx, sxy += dx * dy, syy += dy * dy;
    }
    if (!(sxx > 0))
        return gv_fail(e, GV_EINVAL, "powerlaw_fit: all %zu x values in range are equal", m);
    double b = sxy / sxx, a = my - b * mx;
    double ssr = syy - b * sxy; /* residual sum of squares */
    if (ssr < 0) ssr = 0;       /* rounding on a perfect fit */
    double s2 = ssr / (double)(m - 2);
    out->exponent = b;
    out->exponent_se = sqrt(s2 / sxx);
    out->prefactor = exp(a);
    out->log_prefactor_se = sqrt(s2 * (1.0 / (double)m + mx * mx / sxx));
    out->r2 = syy > 0 ? 1 - ssr / syy : 1.0; /* constant y: the flat line fits exactly */
    out->n = m;
    return GV_OK;
}

gv_status gv_analysis_rescale(const double *t, size_t n, double tau, double *out, gv_err *e)
{
    if (!(tau > 0) || isinf(tau))
        return gv_fail(e, GV_EINVAL, "rescale: tau = %g must be finite and > 0", tau);
    for (size_t i = 0; i < n; i++) out[i] = t[i] / tau;
    return GV_OK;
}

gv_status gv_analysis_plateau(const double *q, size_t n, size_t last, double *mean, double *sd,
                              size_t *used, gv_err *e)
{
    if (last == 0) return gv_fail(e, GV_EINVAL, "q_inf: last must be >= 1");
    /* Walk back over the finite values (NaN lags carry no information, and an
     * infinite one is no overlap: it would make the plateau inf). */
    size_t k = 0;
    double sum = 0;
    for (size_t i = n; i-- > 0 && k < last;)
        if (isfinite(q[i])) sum += q[i], k++;
    if (k == 0) return gv_fail(e, GV_EINVAL, "q_inf: the curve has no finite value");
    double mu = sum / (double)k, ss = 0;
    size_t j = 0;
    for (size_t i = n; i-- > 0 && j < k;)
        if (isfinite(q[i])) ss += (q[i] - mu) * (q[i] - mu), j++;
    *mean = mu;
    *sd = k > 1 ? sqrt(ss / (double)(k - 1)) : 0;
    *used = k;
    return GV_OK;
}

/* ---- estimators over replicas and resampling ------------------------------ */

const char *const gv_tau_estimator_name[GV_TAU_NESTIMATORS] = {"per_replica", "of_mean", "interp",
                                                               "per_replica_found"};
const char *const gv_tau_status_name[4] = {"ok", "not_reached", "before_first_lag",
                                           "below_min_t"};

void gv_boot_draw(uint64_t seed, uint32_t stream, uint64_t b, size_t n, size_t *idx)
{
    /* Uniforms in [0, 1) with 53 bits, scaled: the bias of floor(u n) is
     * below n / 2^53, far under any resampling error. */
    double u[64];
    for (size_t i0 = 0; i0 < n; i0 += 64) {
        size_t m = n - i0 < 64 ? n - i0 : 64;
        gv_rng_uniform(seed, stream, GV_RNG_BOOTSTRAP, b, i0, m, u);
        for (size_t i = 0; i < m; i++) {
            size_t k = (size_t)(u[i] * (double)n);
            idx[i0 + i] = k < n ? k : n - 1;
        }
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Quantile p of m sorted values, linear between order statistics (the
 * "type 7" rule of R and numpy's default). */
static double quantile_sorted(const double *v, size_t m, double p)
{
    double h = p * (double)(m - 1);
    size_t i = (size_t)floor(h);
    if (i + 1 >= m) return v[m - 1];
    double f = h - (double)i;
    /* Next to an infinite value the line is that value (and 0 · inf is NaN). */
    if (f == 0 || isinf(v[i])) return v[i];
    if (isinf(v[i + 1])) return v[i + 1];
    return v[i] + f * (v[i + 1] - v[i]);
}

/* Percentile interval and spread of the defined values among vals[0..B):
 * NaN is undefined and left out; ±inf is a value beyond every finite one (a
 * τ that the run's lags put above the last or below the first), so it takes
 * its place in the order and an end of the interval can be infinite.  The
 * spread is then undefined (se NaN). */
static void interval_of(double *vals, size_t B, double level, gv_interval *out)
{
    size_t m = 0, inf = 0;
    for (size_t b = 0; b < B; b++)
        if (!isnan(vals[b])) inf += isinf(vals[b]), vals[m++] = vals[b];
    out->B_ok = m;
    if (m == 0) return;
    double mean = 0, ss = 0;
    for (size_t i = 0; i < m; i++) mean += vals[i];
    mean /= (double)m;
    for (size_t i = 0; i < m; i++) ss += (vals[i] - mean) * (vals[i] - mean);
    out->se = m > 1 && !inf ? sqrt(ss / (double)(m - 1)) : NAN;
    qsort(vals, m, sizeof *vals, cmp_double);
    out->lo = quantile_sorted(vals, m, (1 - level) / 2);
    out->hi = quantile_sorted(vals, m, (1 + level) / 2);
}

static gv_status check_boot(const gv_boot_opts *o, gv_err *e)
{
    if (o->B > 10000000)
        return gv_fail(e, GV_EINVAL, "bootstrap: B = %zu resamples is more than 10^7", o->B);
    if (!(o->level > 0 && o->level < 1))
        return gv_fail(e, GV_EINVAL, "bootstrap: level = %g must lie in (0, 1), e.g. 0.95",
                       o->level);
    return GV_OK;
}

gv_status gv_analysis_bootstrap(const size_t *sizes, size_t nsets, const gv_boot_opts *o,
                                gv_boot_stat stat, void *ctx, double *values, gv_interval *out,
                                gv_err *e)
{
    *out = (gv_interval){NAN, NAN, NAN, o->level, o->B, 0};
    gv_status s = check_boot(o, e);
    if (s != GV_OK) return s;
    if (nsets == 0 || nsets > UINT32_MAX)
        return gv_fail(e, GV_EINVAL, "bootstrap: %zu sets of units", nsets);
    size_t total = 0, fewest = SIZE_MAX;
    for (size_t k = 0; k < nsets; k++) {
        if (sizes[k] == 0)
            return gv_fail(e, GV_EINVAL, "bootstrap: set %zu has no units to resample", k + 1);
        if (sizes[k] > SIZE_MAX - total)
            return gv_fail(e, GV_EINVAL, "bootstrap: the set sizes add up past %zu units (at "
                                         "set %zu, of %zu units); resample fewer units",
                           (size_t)SIZE_MAX, k + 1, sizes[k]);
        total += sizes[k];
        if (sizes[k] < fewest) fewest = sizes[k];
    }
    size_t buf_bytes, idx_bytes;
    if (gv_mul_size(total, sizeof(size_t), &buf_bytes) ||
        gv_mul_size(nsets, sizeof(size_t *), &idx_bytes))
        return gv_fail(e, GV_EINVAL, "bootstrap: %zu units in all are too many to index; "
                                     "resample fewer units", total);
    /* A set of one unit resamples to itself: its variability is unknown, so
     * every resample would repeat it and the interval would have no width
     * for no reason.  No interval then (lo, hi, se NaN; B_ok 0). */
    if (fewest < 2) {
        for (size_t b = 0; values && b < o->B; b++) values[b] = NAN;
        return GV_OK;
    }
    size_t *buf = malloc(buf_bytes);
    size_t **idx = malloc(idx_bytes);
    double *vals = malloc((o->B ? o->B : 1) * sizeof *vals);
    if (!buf || !idx || !vals) {
        free(buf), free(idx), free(vals);
        return gv_fail(e, GV_ENOMEM, "bootstrap: out of memory");
    }
    for (size_t k = 0, off = 0; k < nsets; off += sizes[k++]) idx[k] = buf + off;
    for (size_t b = 0; b < o->B && s == GV_OK; b++) {
        for (size_t k = 0; k < nsets; k++) gv_boot_draw(o->seed, (uint32_t)k, b, sizes[k], idx[k]);
        if (stat(ctx, (const size_t *const *)idx, sizes, &vals[b]))
            s = gv_fail(e, GV_EINTR, "bootstrap: the statistic failed at resample %zu", b + 1);
    }
    if (s == GV_OK) {
        if (values) memcpy(values, vals, o->B * sizeof *vals);
        interval_of(vals, o->B, o->level, out);
    }
    free(buf), free(idx), free(vals);
    return s;
}

/* The data of a τ over replicas: the curves, the units (groups) and the
 * scratch of one evaluation. */
typedef struct tau_ctx {
    const double *t, *q;
    size_t nt, R;
    double thr, min_t;
    gv_tau_estimator est;
    size_t nu;             /* units (groups of present replicas) */
    size_t *ustart, *umem; /* unit u's replicas: umem[ustart[u] .. ustart[u+1]) */
    double *mean;          /* nt */
    size_t *cnt;           /* nt */
    double *rtau;          /* per replica: its τ (per_replica), NaN if none */
    int *rout;             /* per replica: its outcome */
} tau_ctx;

/* The estimate from the replicas of units units[0..m) (with repeats). */
static void tau_eval(tau_ctx *c, const size_t *units, size_t m, gv_tau_est *out)
{
    size_t nrep = 0;
    memset(out->count, 0, sizeof out->count);
    if (c->est == GV_TAU_PER_REPLICA || c->est == GV_TAU_PER_REPLICA_FOUND) {
        double sum = 0;
        size_t used = 0;
        for (size_t k = 0; k < m; k++) {
            size_t u = units[k];
            for (size_t j = c->ustart[u]; j < c->ustart[u + 1]; j++) {
                size_t r = c->umem[j];
                nrep++;
                out->count[c->rout[r]]++;
                if (c->rout[r] == GV_TAU_FOUND) sum += c->rtau[r], used++;
            }
        }
        out->n = nrep;
        out->n_used = used;
        if (used && (used == nrep || c->est == GV_TAU_PER_REPLICA_FOUND)) {
            out->outcome = GV_TAU_FOUND;
            out->tau = sum / (double)used;
        } else { /* the most common failure speaks for the point */
            int best = GV_TAU_NOT_REACHED;
            for (int k = GV_TAU_NOT_REACHED; k <= GV_TAU_BELOW_MIN; k++)
                if (out->count[k] > out->count[best]) best = k;
            out->outcome = (gv_tau_outcome)best;
            out->tau = NAN;
        }
        return;
    }
    for (size_t i = 0; i < c->nt; i++) c->mean[i] = 0, c->cnt[i] = 0;
    for (size_t k = 0; k < m; k++) {
        size_t u = units[k];
        for (size_t j = c->ustart[u]; j < c->ustart[u + 1]; j++) {
            const double *qr = c->q + c->umem[j] * c->nt;
            nrep++;
            for (size_t i = 0; i < c->nt; i++)
                if (!isnan(qr[i])) c->mean[i] += qr[i], c->cnt[i]++;
        }
    }
    for (size_t i = 0; i < c->nt; i++) c->mean[i] = c->cnt[i] ? c->mean[i] / (double)c->cnt[i] : NAN;
    gv_tau_opts o = {c->est == GV_TAU_OF_MEAN ? GV_TAU_FIRST : GV_TAU_INTERP, c->min_t};
    gv_tau r;
    gv_analysis_tau(c->t, c->mean, c->nt, c->thr, &o, &r, NULL); /* inputs checked already */
    out->n = nrep;
    out->n_used = nrep;
    out->outcome = r.outcome;
    out->tau = r.tau;
    snprintf(out->reason, sizeof out->reason, "%s", r.reason);
}

/* A resample without a τ still says where its τ lies: beyond the last lag
 * (not reached: +inf) or before the first lag or min_t (-inf, an end of the
 * interval then 0).  Dropping it instead would make the interval conditional
 * on decaying within the run, and too short where the run ends near τ. */
static int tau_boot_stat(void *ctx, const size_t *const *idx, const size_t *n, double *value)
{
    gv_tau_est est;
    tau_eval(ctx, idx[0], n[0], &est);
    *value = est.outcome == GV_TAU_FOUND         ? est.tau
           : est.outcome == GV_TAU_NOT_REACHED ? INFINITY
                                                 : -INFINITY;
    return 0;
}

static int cmp_u64_pair(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b; /* (label, replica) */
    if (x[0] != y[0]) return (x[0] > y[0]) - (x[0] < y[0]);
    return (x[1] > y[1]) - (x[1] < y[1]);
}

/* The lag cell of x: the first j >= 1 with t[j] >= x (the cell (t[j-1], t[j]]
 * for x > t[0]; 1 for x <= t[0]), or 0 beyond the last lag. */
static size_t lag_cell(const double *t, size_t nt, double x)
{
    for (size_t j = 1; j < nt; j++)
        if (t[j] >= x) return j;
    return 0;
}

/* A τ read on the lags (every estimator but interp) knows the crossing to
 * a lag cell only: it lies after the lag before.  With 50 replicas crossing
 * in one cell every resample gives the same lag and the percentile interval
 * has width 0.  So the lower end goes down its cell: to the lag before, and
 * a mean of lags (per_replica) by the ratio of the cell it falls in; and
 * the cell's width w at τ is added to the s.e. in quadrature as a rounding
 * error (w/√12, a uniform error over the cell).  The upper end stays: the
 * crossing is at or before the lag read. */
static void widen_to_grid(const double *t, size_t nt, gv_tau_est *out)
{
    gv_interval *ci = &out->ci;
    if (isnan(ci->lo)) return;
    size_t j = lag_cell(t, nt, ci->lo);
    if (j > 0) ci->lo *= t[j - 1] > 0 ? t[j - 1] / t[j] : 0;
    j = isnan(out->tau) ? 0 : lag_cell(t, nt, out->tau);
    double w = j > 0 ? t[j] - t[j - 1] : 0;
    if (!isnan(ci->se)) ci->se = sqrt(ci->se * ci->se + w * w / 12);
}

gv_status gv_analysis_tau_replicas(const double *t, size_t nt, const double *q, size_t R,
                                   const uint64_t *group, double threshold,
                                   gv_tau_estimator est, double min_t, const gv_boot_opts *boot,
                                   gv_tau_est *out, gv_err *e)
{
    memset(out, 0, sizeof *out);
    out->outcome = GV_TAU_NOT_REACHED;
    out->tau = NAN;
    gv_boot_opts bo = boot ? *boot : (gv_boot_opts){0, 0, 0.95};
    out->ci = (gv_interval){NAN, NAN, NAN, bo.level, bo.B, 0};
    gv_status s = check_times("tau_replicas", t, nt, e);
    if (s != GV_OK) return s;
    if (R == 0) return gv_fail(e, GV_EINVAL, "tau_replicas: no replica curves");
    if ((unsigned)est >= GV_TAU_NESTIMATORS)
        return gv_fail(e, GV_EINVAL, "tau_replicas: unknown estimator %d", (int)est);
    s = check_threshold("tau_replicas", threshold, e);
    if (s != GV_OK) return s;
    if (!(min_t >= 0) || isinf(min_t))
        return gv_fail(e, GV_EINVAL, "tau_replicas: min_t = %g must be finite and >= 0", min_t);
    if (est == GV_TAU_OF_MEAN_INTERP && t[0] < 0)
        return gv_fail(e, GV_EINVAL, "tau_replicas: \"interp\" needs t >= 0, but t[1] = %g", t[0]);
    if ((s = check_boot(&bo, e)) != GV_OK) return s;

    tau_ctx c = {t, q, nt, R, threshold, min_t, est, 0, NULL, NULL, NULL, NULL, NULL, NULL};
    uint64_t *pairs = malloc(2 * R * sizeof *pairs);
    size_t *units = malloc((R + 1) * sizeof *units);
    c.ustart = malloc((R + 1) * sizeof *c.ustart);
    c.umem = malloc(R * sizeof *c.umem);
    c.mean = malloc(nt * sizeof *c.mean);
    c.cnt = malloc(nt * sizeof *c.cnt);
    c.rtau = malloc(R * sizeof *c.rtau);
    c.rout = malloc(R * sizeof *c.rout);
    if (!pairs || !units || !c.ustart || !c.umem || !c.mean || !c.cnt || !c.rtau || !c.rout) {
        s = gv_fail(e, GV_ENOMEM, "tau_replicas: out of memory");
        goto done;
    }
    /* Present replicas, sorted by (group, replica): units are runs of one label. */
    size_t np = 0;
    for (size_t r = 0; r < R; r++) {
        int any = 0;
        for (size_t i = 0; i < nt && !any; i++) any = !isnan(q[r * nt + i]);
        if (!any) continue;
        pairs[2 * np] = group ? group[r] : r;
        pairs[2 * np + 1] = r;
        np++;
        gv_tau_opts o = {GV_TAU_FIRST, min_t};
        gv_tau tr;
        gv_analysis_tau(t, q + r * nt, nt, threshold, &o, &tr, NULL);
        c.rtau[r] = tr.tau;
        c.rout[r] = (int)tr.outcome;
    }
    if (np == 0) {
        out->outcome = GV_TAU_NOT_REACHED;
        snprintf(out->reason, sizeof out->reason, "not reached: no replica has a finite Q");
        goto done;
    }
    qsort(pairs, np, 2 * sizeof *pairs, cmp_u64_pair);
    for (size_t j = 0; j < np; j++) {
        if (j == 0 || pairs[2 * j] != pairs[2 * (j - 1)]) c.ustart[c.nu++] = j;
        c.umem[j] = (size_t)pairs[2 * j + 1];
    }
    c.ustart[c.nu] = np;
    for (size_t u = 0; u < c.nu; u++) units[u] = u;
    tau_eval(&c, units, c.nu, out);
    if (est == GV_TAU_PER_REPLICA || est == GV_TAU_PER_REPLICA_FOUND) {
        const char *what = out->outcome == GV_TAU_NOT_REACHED ? "not reached"
                         : out->outcome == GV_TAU_BEFORE_FIRST ? "before the first lag"
                         : "below min_t";
        if (out->outcome == GV_TAU_FOUND)
            snprintf(out->reason, sizeof out->reason,
                     "mean over %zu of %zu replicas (%zu not reached, %zu before the first lag, "
                     "%zu below min_t=%g)", out->n_used, out->n, out->count[GV_TAU_NOT_REACHED],
                     out->count[GV_TAU_BEFORE_FIRST], out->count[GV_TAU_BELOW_MIN], min_t);
        else if (out->n_used)
            snprintf(out->reason, sizeof out->reason,
                     "%zu of %zu replicas have no tau (%zu not reached, %zu before the first lag, "
                     "%zu below min_t=%g); per_replica needs every replica's, as the authors' "
                     "code (method per_replica_found averages the %zu found)", out->n - out->n_used,
                     out->n, out->count[GV_TAU_NOT_REACHED], out->count[GV_TAU_BEFORE_FIRST],
                     out->count[GV_TAU_BELOW_MIN], min_t, out->n_used);
        else
            snprintf(out->reason, sizeof out->reason,
                     "%s: no replica has a tau (%zu not reached, %zu before the first lag, %zu "
                     "below min_t=%g, of %zu)", what, out->count[GV_TAU_NOT_REACHED],
                     out->count[GV_TAU_BEFORE_FIRST], out->count[GV_TAU_BELOW_MIN], min_t,
                     out->n);
    } else if (out->outcome == GV_TAU_FOUND) {
        snprintf(out->reason, sizeof out->reason, "%s of the mean of %zu replicas",
                 gv_tau_estimator_name[est], out->n);
    }
    /* Copies (an ensemble of one network under a deterministic dynamics) give
     * bitwise-identical curves: resampling them gives an interval of width 0
     * that says nothing about the spread.  No interval for a τ found, as for
     * one replica.  (Curves that never cross, Q = 1 throughout where nothing
     * moved, keep their interval: [inf, inf] says "not reached" truly.) */
    int copies = np > 1 && bo.B > 0 && out->outcome == GV_TAU_FOUND;
    for (size_t j = 1; j < np && copies; j++)
        copies = memcmp(q + c.umem[j] * nt, q + c.umem[0] * nt, nt * sizeof *q) == 0;
    if (copies) {
        size_t len = strlen(out->reason);
        snprintf(out->reason + len, sizeof out->reason - len,
                 "%sthe %zu replicas' curves are identical (copies of one network?): no interval",
                 len ? "; " : "", np);
    }
    if (bo.B > 0 && !copies) {
        size_t nu = c.nu;
        s = gv_analysis_bootstrap(&nu, 1, &bo, tau_boot_stat, &c, NULL, &out->ci, e);
        /* Resamples before the first lag (or min_t) ranked lowest; a time is
         * not negative, so such a lower end is 0. */
        if (isinf(out->ci.lo) && out->ci.lo < 0) out->ci.lo = 0;
        if (isinf(out->ci.hi) && out->ci.hi < 0) out->ci.hi = 0;
        if (est != GV_TAU_OF_MEAN_INTERP) widen_to_grid(t, nt, out);
    }
done:
    free(pairs), free(units), free(c.ustart), free(c.umem), free(c.mean), free(c.cnt);
    free(c.rtau), free(c.rout);
    return s;
}

gv_status gv_analysis_powerlaw_spread(const double *x, const double *y, size_t n, double x_min,
                                      double x_max, size_t trim, double *lo, double *hi,
                                      size_t *nwin, gv_err *e)
{
    *lo = *hi = NAN;
    *nwin = 0;
    /* The in-range x, sorted: a window drops the a smallest and b largest. */
    double *xs = malloc((n ? n : 1) * sizeof *xs);
    if (!xs) return gv_fail(e, GV_ENOMEM, "powerlaw_fit: out of memory");
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (x[i] >= x_min && x[i] <= x_max && !isnan(y[i])) xs[m++] = x[i];
    qsort(xs, m, sizeof *xs, cmp_double);
    size_t keep = m / 2 > 3 ? m / 2 : 3;
    double wlo = 0, whi = 0;
    size_t nw = 0;
    gv_status s = GV_OK;
    for (size_t a = 0; a <= trim && s == GV_OK; a++)
        for (size_t b = 0; b <= trim && s == GV_OK; b++) {
            if (a + b > m || m - a - b < keep) continue;
            if (xs[a] == xs[m - b - 1]) continue; /* one x (repeated): no slope to fit */
            gv_powerlaw f;
            s = gv_analysis_powerlaw_fit(x, y, n, xs[a], xs[m - b - 1], &f, e);
            if (s != GV_OK) break;
            if (nw == 0 || f.exponent < wlo) wlo = f.exponent;
            if (nw == 0 || f.exponent > whi) whi = f.exponent;
            nw++;
        }
    free(xs);
    if (s != GV_OK) return s;
    if (nw == 0)
        return gv_fail(e, GV_EINVAL, "powerlaw_fit: no window of >= 3 points in [%g, %g]", x_min,
                       x_max);
    *lo = wlo, *hi = whi, *nwin = nw;
    return GV_OK;
}
