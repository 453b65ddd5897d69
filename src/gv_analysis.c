/* gv_analysis.c: τ at a threshold, power-law fits, rescaling, plateau. */
#include "gv_analysis.h"

#include <math.h>
#include <stdio.h>

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
    if (!isfinite(threshold))
        return gv_fail(e, GV_EINVAL, "tau: threshold %g is not finite", threshold);
    if (!(o.min_t >= 0) || isinf(o.min_t))
        return gv_fail(e, GV_EINVAL, "tau: min_t = %g must be finite and >= 0", o.min_t);
    if (o.method == GV_TAU_INTERP && t[0] < 0)
        return gv_fail(e, GV_EINVAL, "tau: method \"interp\" works in log t and needs t >= 0, "
                                     "but t[1] = %g", t[0]);

    /* First finite point below the threshold; prev = last finite one before. */
    size_t prev = n, hit = n;
    for (size_t i = 0; i < n; i++) {
        if (isnan(q[i])) continue;
        out->t_last = t[i], out->q_last = q[i];
        if (q[i] < threshold) { hit = i; break; }
        prev = i;
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
    if (o.method == GV_TAU_INTERP) {
        if (prev == n) {
            out->outcome = GV_TAU_BEFORE_FIRST;
            snprintf(out->reason, sizeof out->reason,
                     "before first lag: Q(t=%.6g)=%.4g is already below %.4g, so tau < %.6g "
                     "(measure earlier lags)", t[hit], q[hit], threshold, t[hit]);
            return GV_OK;
        }
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
    if (isnan(x_min) || isnan(x_max) || x_min > x_max)
        return gv_fail(e, GV_EINVAL, "powerlaw_fit: empty range [%g, %g]", x_min, x_max);
    /* Pass 1: validate and take means of the logs (two passes keep the sums
     * centred, which matters for x spanning many decades). */
    size_t m = 0;
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
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
    /* Walk back over the finite values (NaN lags carry no information). */
    size_t k = 0;
    double sum = 0;
    for (size_t i = n; i-- > 0 && k < last;)
        if (!isnan(q[i])) sum += q[i], k++;
    if (k == 0) return gv_fail(e, GV_EINVAL, "q_inf: the curve has no finite value");
    double mu = sum / (double)k, ss = 0;
    size_t j = 0;
    for (size_t i = n; i-- > 0 && j < k;)
        if (!isnan(q[i])) ss += (q[i] - mu) * (q[i] - mu), j++;
    *mean = mu;
    *sd = k > 1 ? sqrt(ss / (double)(k - 1)) : 0;
    *used = k;
    return GV_OK;
}
