/* gv_analysis.h: numerics on measured curves (τ at a threshold, power-law
 * fits in log-log, master-curve rescaling, late-time plateau).
 *
 * Curves are plain arrays (t[i], y[i]), t strictly increasing.  NaN values of
 * y (a lag where no replica survived) are skipped, never interpolated
 * through.  Invalid input is an error (gv_status); an outcome of the data,
 * such as a τ whose threshold the curve never reached, is not: it is reported
 * in the result, so that it can never be mistaken for a number.
 * docs/analysis.md gives the definitions. */
#ifndef GV_ANALYSIS_H
#define GV_ANALYSIS_H

#include "gv_core.h"

typedef enum gv_tau_method {
    GV_TAU_FIRST,  /* the paper's: first saved lag with Q < threshold */
    GV_TAU_INTERP  /* linear interpolation in log t between the bracketing lags */
} gv_tau_method;

typedef enum gv_tau_outcome {
    GV_TAU_FOUND = 0,
    GV_TAU_NOT_REACHED,  /* Q stayed >= threshold at every lag */
    GV_TAU_BEFORE_FIRST, /* interp: already below at the first usable lag */
    GV_TAU_BELOW_MIN     /* the crossing lies below min_t (lag resolution too coarse) */
} gv_tau_outcome;

typedef struct gv_tau_opts {
    gv_tau_method method;
    /* τ values below min_t are dropped (outcome GV_TAU_BELOW_MIN), as the
     * authors' code drops τ90 < 4 steps.  Default 0: keep all. */
    double min_t;
} gv_tau_opts;

typedef struct gv_tau {
    gv_tau_outcome outcome;
    double tau;        /* NaN unless outcome == GV_TAU_FOUND */
    size_t index;      /* first index with Q < threshold (n if none) */
    double t_last, q_last; /* last lag with a finite Q, for messages */
    char reason[200];  /* for people when not found, e.g.
                          "not reached: Q(t_max)=0.93 > 0.9 (t_max=1e+05)" */
} gv_tau;

/* τ at `threshold` on the curve (t, q) of n points.  opts NULL: method
 * "first", min_t 0.  Errors: n == 0, t not strictly increasing or not finite,
 * threshold not finite, interp with t < 0. */
gv_status gv_analysis_tau(const double *t, const double *q, size_t n, double threshold,
                          const gv_tau_opts *opts, gv_tau *out, gv_err *e);

/* The ready-made thresholds. */
#define GV_TAU90_THRESHOLD 0.9
#define GV_TAUE_THRESHOLD 0.36787944117144233 /* 1/e */

/* Least squares of log y on log x over the points with x_min <= x <= x_max
 * (NaN y skipped): y ≈ prefactor · x^exponent. */
typedef struct gv_powerlaw {
    double exponent, exponent_se; /* slope and its standard error */
    double prefactor;             /* exp(intercept) */
    double log_prefactor_se;      /* standard error of the intercept (natural log) */
    double r2;                    /* coefficient of determination in log-log */
    size_t n;                     /* points used */
} gv_powerlaw;

/* Errors: fewer than 3 points in range, x or y <= 0 in range, all x equal. */
gv_status gv_analysis_powerlaw_fit(const double *x, const double *y, size_t n, double x_min,
                                   double x_max, gv_powerlaw *out, gv_err *e);

/* out[i] = t[i] / tau (tau finite and > 0); out may equal t. */
gv_status gv_analysis_rescale(const double *t, size_t n, double tau, double *out, gv_err *e);

/* Late-time value: mean (and standard deviation) of the last `last` finite
 * values of q (last = 1: the final point, the paper's Q(t_f)). */
gv_status gv_analysis_plateau(const double *q, size_t n, size_t last, double *mean, double *sd,
                              size_t *used, gv_err *e);

#endif
