/* gv_theory.h: analytic curves of the null models (docs/analysis.md, "Analytic
 * curves"; the paper arXiv:2405.13098, Eq. 6 and Appendix F), so tests and plots can compare measurements with exact
 * results.  Time t is in steps, μ the learning rate, T the temperature of the
 * summed loss P·L, so one free weight diffuses with D = μT/P per step.
 *
 * The harmonic well L = (k/2)|W|² has two forms of each formula:
 *   continuum (Appendix F):  a(t) = e^{-kμt},  s²(t) = (T/(kP))(1 - e^{-2kμt})
 *   discrete (the Euler update w ← (1-μk)w + √(2μT/P)ξ, exact per step):
 *                            a(t) = (1-μk)^t,  s²(t) = v_d (1 - (1-μk)^{2t}),
 *                            v_d = (T/(kP)) / (1 - μk/2)
 * where a(t) is the decay of the mean and s²(t) the variance of w(t) given a
 * fixed start.  Everything below is built from those two and from the
 * Gaussian overlap P(|X| <= ε), X ~ N(m, v).  docs/analysis.md lists them. */
#ifndef GV_THEORY_H
#define GV_THEORY_H

#include "gv_core.h"

/* P(|X| <= eps) for X ~ N(mean, var); var = 0 is the deterministic limit. */
double gv_theory_overlap_gauss(double mean, double var, double eps);

/* Free weight: D = μT/P; Q(t) = erf(ε/√(4Dt)) (Q(0) = 1); MSD = 2Dt. */
double gv_theory_diffusion(double lr, double T, double P);
double gv_theory_free_q(double D, double eps, double t);
double gv_theory_free_msd(double D, double t);
/* The inverse error function: erf(gv_theory_erfinv(y)) = y for -1 < y < 1
 * (±inf at ±1, NaN outside). */
double gv_theory_erfinv(double y);
/* The chi-square distribution with k > 0 degrees of freedom: its cdf
 * P(χ²_k <= x) (the regularised incomplete gamma P(k/2, x/2)) and its
 * quantile, the x with cdf(x) = p for 0 <= p <= 1 (0 at p = 0, +inf at 1).
 * NaN for arguments outside those ranges.  For the interval of a variance:
 * with n Gaussian values of sample variance s², (n-1) s² / σ² is χ²_{n-1}. */
double gv_theory_chi2_cdf(double x, double k);
double gv_theory_chi2_quantile(double p, double k);
/* The free weight's time to decay to Q = q (0 < q < 1): solving
 * erf(ε/√(4Dt)) = q gives t = ε² / (4 D x²), x = erfinv(q); for τ90 (q = 0.9)
 * x = 1.1630871536766743..., so τ90 = ε²/(5.411 D).  D = 0: +inf. */
double gv_theory_free_tau(double D, double eps, double q);

typedef struct gv_harmonic {
    double lr, T, P, k; /* μ, temperature, data-set size, stiffness */
    double eps;         /* overlap cutoff ε (for the Q functions) */
    int discrete;       /* 1: exact discrete-time forms */
} gv_harmonic;

/* Valid parameters: lr > 0, T >= 0, P > 0, k > 0, eps >= 0, all finite;
 * discrete needs 0 < μk < 2 (a stable update). */
gv_status gv_theory_harmonic_check(const gv_harmonic *h, gv_err *e);

double gv_theory_harmonic_decay(const gv_harmonic *h, double t);    /* a(t) */
double gv_theory_harmonic_variance(const gv_harmonic *h, double t); /* s²(t) */
/* Stationary variance: T/(kP) (continuum, Eq. 26), v_d (discrete). */
double gv_theory_stationary_variance(const gv_harmonic *h);

/* From a fixed start w0: displacement ~ N(-w0(1 - a), s²). */
double gv_theory_harmonic_q(const gv_harmonic *h, double w0, double t);
double gv_theory_harmonic_msd(const gv_harmonic *h, double w0, double t);
/* Start drawn from equilibrium: displacement ~ N(0, 2 v (1 - a)), v the
 * stationary variance; MSD(∞) = 2v, Q_∞ = erf(ε/√(4v)). */
double gv_theory_harmonic_q_eq(const gv_harmonic *h, double t);
double gv_theory_harmonic_msd_eq(const gv_harmonic *h, double t);
/* t → ∞: Eq. 22 for a fixed start, erf(ε√(kP/(4T))) from equilibrium. */
double gv_theory_harmonic_q_inf(const gv_harmonic *h, double w0);
double gv_theory_harmonic_q_inf_eq(const gv_harmonic *h);

#endif
