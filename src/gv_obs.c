/* gv_obs.c: the per-replica kernel shared by the observers (gv_obs.h); the
 * observers themselves: gv_two_time.c, gv_obs_scalar.c, gv_obs_state.c
 * (gv_obs_impl.h says which holds what). */
#include "gv_obs_impl.h"

/* ---- per-replica kernel -------------------------------------------------- */

void gv_obs_displacement(const double *w, const double *ref, size_t n, const double *eps,
                         size_t nc, double *q, double *msd, double *dw4,
                         const gv_obs_hist *hist, uint64_t *counts)
{
    /* Counts per cutoff in size_t (exact), moments in double.  Cutoffs are
     * few (at most GV_OBS_MAX_CUTOFFS), so the inner loop stays in registers. */
    size_t within[GV_OBS_MAX_CUTOFFS] = {0};
    double s2 = 0, s4 = 0;
    double scale = hist ? (double)hist->bins / (hist->hi - hist->lo) : 0;
    for (size_t i = 0; i < n; i++) {
        double d = w[i] - ref[i];
        double d2 = d * d;
        s2 += d2;
        s4 += d2 * d2;
        double a = fabs(d);
        for (size_t c = 0; c < nc; c++) within[c] += a <= eps[c];
        if (hist) {
            size_t b;
            if (a == 0) b = GV_HIST_ZEROS(hist);
            else {
                double x = log10(a);
                if (!(x >= hist->lo)) b = GV_HIST_UNDER(hist); /* NaN lands here too */
                else if (x >= hist->hi) b = GV_HIST_OVER(hist);
                else {
                    b = (size_t)((x - hist->lo) * scale);
                    if (b >= hist->bins) b = hist->bins - 1; /* rounding at the top edge */
                }
            }
            counts[b]++;
        }
    }
    for (size_t c = 0; c < nc; c++) q[c] = n ? (double)within[c] / (double)n : NAN;
    *msd = n ? s2 / (double)n : NAN;
    *dw4 = n ? s4 / (double)n : NAN;
}

double gv_obs_stddev(const double *x, size_t n)
{
    if (n == 0) return NAN;
    double m = 0;
    for (size_t i = 0; i < n; i++) m += x[i];
    m /= (double)n;
    double v = 0;
    for (size_t i = 0; i < n; i++) v += (x[i] - m) * (x[i] - m);
    return sqrt(v / (double)n);
}

gv_obs_stats gv_obs_reduce(const double *x, size_t n, size_t stride)
{
    gv_obs_stats s = {0, NAN, NAN, NAN};
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i * stride];
        if (isnan(v)) continue;
        sum += v;
        s.n++;
    }
    if (s.n == 0) return s;
    s.mean = sum / (double)s.n;
    if (s.n < 2) return s;
    /* Two-pass variance: exact enough for Q values near 1. */
    double ss = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i * stride];
        if (!isnan(v)) ss += (v - s.mean) * (v - s.mean);
    }
    s.var = ss / (double)(s.n - 1);
    s.sem = sqrt(s.var / (double)s.n);
    return s;
}

