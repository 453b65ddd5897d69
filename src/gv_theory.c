/* gv_theory.c: analytic curves of the free and harmonic null models.
 * Formulas in gv_theory.h and docs/analysis.md; numerics notes inline. */
#include "gv_theory.h"

#include <math.h>

double gv_theory_overlap_gauss(double mean, double var, double eps)
{
    double m = fabs(mean); /* Q is even in the mean */
    if (!(var > 0)) return var == 0 ? (m <= eps ? 1.0 : 0.0) : NAN;
    double r = sqrt(2 * var), lo = (m - eps) / r, hi = (m + eps) / r;
    /* P(lo < Z/√2 < hi) = ½[erf(hi) - erf(lo)].  When the window lies in the
     * tail (lo > 0) the erf difference cancels badly; erfc does not. */
    if (lo > 0) return 0.5 * (erfc(lo) - erfc(hi));
    return 0.5 * (erf(hi) - erf(lo));
}

double gv_theory_diffusion(double lr, double T, double P) { return lr * T / P; }

double gv_theory_free_q(double D, double eps, double t)
{
    if (t <= 0 || D == 0) return 1.0; /* no displacement yet */
    return erf(eps / sqrt(4 * D * t));
}

double gv_theory_free_msd(double D, double t) { return 2 * D * t; }

double gv_theory_erfinv(double y)
{
    if (!(y > -1 && y < 1)) return y == 1 ? INFINITY : y == -1 ? -INFINITY : NAN;
    if (y == 0) return y;
    /* Newton's method on erf in long double (64-bit mantissa on x86), from
     * the first terms of the series erfinv(y) = (√π/2)(y + πy³/12 + ...) and,
     * in the tails, from the asymptote erfc(x) ≈ e^{-x²}/(x√π); the last
     * step's error is far below half an ulp of the double it is rounded to. */
    long double a = fabsl((long double)y), x;
    const long double sqrtpi = 1.7724538509055160272981674833411452L;
    if (a < 0.9L) x = sqrtpi / 2 * a * (1 + 3.14159265358979323846L * a * a / 12);
    else x = sqrtl(-logl((1 - a) * sqrtpi));
    for (int k = 0; k < 100; k++) {
        long double f = a < 0.5L ? erfl(x) - a : (1 - a) - erfcl(x);
        long double dx = f / (2 / sqrtpi * expl(-x * x));
        x -= dx;
        if (fabsl(dx) <= 1e-19L * x) break;
    }
    return y < 0 ? -(double)x : (double)x;
}

/* The regularised incomplete gammas P(a, x) and Q(a, x) = 1 - P, a > 0,
 * x >= 0, each without cancellation: the series of P below x = a + 1 (Q =
 * 1 - P there), Q's continued fraction (modified Lentz) above it (P = 1 -
 * Q), each to a relative 1e-17 (the classic pair: Press et al., Numerical
 * Recipes, 6.2).  Returns P; *q gets Q. */
static double gamma_pq(double a, double x, double *q)
{
    if (x <= 0) return *q = 1, 0;
    if (isinf(x)) return *q = 0, 1;
    double lead = exp(-x + a * log(x) - lgamma(a));
    if (x < a + 1) {
        double term = 1 / a, sum = term;
        for (int n = 1; n < 100000; n++) {
            term *= x / (a + n);
            sum += term;
            if (fabs(term) < fabs(sum) * 1e-17) break;
        }
        double p = fmin(1, sum * lead);
        return *q = 1 - p, p;
    }
    const double tiny = 1e-300;
    double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
    for (int i = 1; i < 100000; i++) {
        double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (fabs(d) < tiny) d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-17) break;
    }
    *q = fmin(1, lead * h);
    return 1 - *q;
}

double gv_theory_chi2_cdf(double x, double k)
{
    if (isnan(x) || !(k > 0) || isinf(k)) return NAN;
    double q;
    return gamma_pq(k / 2, x / 2, &q);
}

/* Whether x lies below the chi-square quantile sought: its cdf below p, or
 * (upper) its upper tail above 1 - p = want. */
static int chi2_below(double x, double k, int upper, double want)
{
    double q, p = gamma_pq(k / 2, x / 2, &q);
    return upper ? q > want : p < want;
}

double gv_theory_chi2_quantile(double p, double k)
{
    if (!(p >= 0 && p <= 1) || !(k > 0) || isinf(k)) return NAN;
    if (p == 0) return 0;
    if (p == 1) return INFINITY;
    /* Bisection on the monotone cdf (on its upper tail 1 - p above the
     * median, where the cdf itself is too close to 1 to resolve x): a
     * bracket [0, hi] doubled until it holds p, then halved until the
     * midpoint no longer moves. */
    int upper = p > 0.5;
    double want = upper ? 1 - p : p, lo = 0, hi = k > 1 ? k : 1;
    while (chi2_below(hi, k, upper, want)) {
        lo = hi;
        hi *= 2;
        if (isinf(hi)) return INFINITY;
    }
    for (int i = 0; i < 2000; i++) {
        double mid = lo + (hi - lo) / 2;
        if (mid <= lo || mid >= hi) break;
        if (chi2_below(mid, k, upper, want)) lo = mid;
        else hi = mid;
    }
    return lo + (hi - lo) / 2;
}

double gv_theory_free_tau(double D, double eps, double q)
{
    double x = gv_theory_erfinv(q);
    return eps * eps / (4 * D * x * x);
}

gv_status gv_theory_harmonic_check(const gv_harmonic *h, gv_err *e)
{
    /* lr may be NaN ("not given") for the forms that do not use it. */
    if (!isnan(h->lr) && !(h->lr > 0 && isfinite(h->lr)))
        return gv_fail(e, GV_EINVAL, "harmonic: lr = %g must be > 0", h->lr);
    if (!(h->T >= 0 && isfinite(h->T)))
        return gv_fail(e, GV_EINVAL, "harmonic: T = %g must be >= 0 and finite", h->T);
    if (!(h->P > 0 && isfinite(h->P)))
        return gv_fail(e, GV_EINVAL, "harmonic: P = %g must be > 0", h->P);
    if (!(h->k > 0 && isfinite(h->k)))
        return gv_fail(e, GV_EINVAL, "harmonic: k = %g must be > 0 (k = 0 is the free model)",
                       h->k);
    if (!(h->eps >= 0) || isinf(h->eps))
        return gv_fail(e, GV_EINVAL, "harmonic: eps = %g must be >= 0 and finite", h->eps);
    if (h->discrete) {
        if (isnan(h->lr))
            return gv_fail(e, GV_EINVAL, "harmonic: the discrete form needs lr");
        if (!(h->lr * h->k < 2))
            return gv_fail(e, GV_EINVAL,
                           "harmonic: lr*k = %g >= 2: the discrete update diverges", h->lr * h->k);
    }
    return GV_OK;
}

/* 1 - a(t), computed without cancellation at small t. */
static double one_minus_decay(const gv_harmonic *h, double t)
{
    if (t <= 0) return 0;
    if (!h->discrete) return -expm1(-h->k * h->lr * t);
    double b = 1 - h->lr * h->k;
    if (b > 0) return -expm1(t * log(b));
    return 1 - pow(b, t); /* b <= 0: defined for whole t only */
}

double gv_theory_harmonic_decay(const gv_harmonic *h, double t)
{
    return 1 - one_minus_decay(h, t);
}

double gv_theory_stationary_variance(const gv_harmonic *h)
{
    double v = h->T / (h->k * h->P);
    return h->discrete ? v / (1 - h->lr * h->k / 2) : v;
}

double gv_theory_harmonic_variance(const gv_harmonic *h, double t)
{
    if (t <= 0) return 0;
    double v = gv_theory_stationary_variance(h), f;
    if (!h->discrete) {
        f = -expm1(-2 * h->k * h->lr * t);
    } else {
        /* 1 - (1-μk)^{2t} = 1 - ((1-μk)²)^t, valid for either sign of 1-μk. */
        double bb = (1 - h->lr * h->k) * (1 - h->lr * h->k);
        f = bb > 0 ? -expm1(t * log(bb)) : 1.0;
    }
    return v * f;
}

double gv_theory_harmonic_q(const gv_harmonic *h, double w0, double t)
{
    return gv_theory_overlap_gauss(w0 * one_minus_decay(h, t), gv_theory_harmonic_variance(h, t),
                                   h->eps);
}

double gv_theory_harmonic_msd(const gv_harmonic *h, double w0, double t)
{
    double m = w0 * one_minus_decay(h, t);
    return m * m + gv_theory_harmonic_variance(h, t);
}

/* From equilibrium, w(t) - w(0) has variance 2v(1 - a(t)): the stationary
 * autocovariance is v·a(t). */
double gv_theory_harmonic_q_eq(const gv_harmonic *h, double t)
{
    return gv_theory_overlap_gauss(0, 2 * gv_theory_stationary_variance(h) * one_minus_decay(h, t),
                                   h->eps);
}

double gv_theory_harmonic_msd_eq(const gv_harmonic *h, double t)
{
    return 2 * gv_theory_stationary_variance(h) * one_minus_decay(h, t);
}

double gv_theory_harmonic_q_inf(const gv_harmonic *h, double w0)
{
    return gv_theory_overlap_gauss(w0, gv_theory_stationary_variance(h), h->eps);
}

double gv_theory_harmonic_q_inf_eq(const gv_harmonic *h)
{
    return gv_theory_overlap_gauss(0, 2 * gv_theory_stationary_variance(h), h->eps);
}
