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
    GV_TAU_FIRST,  /* the paper's: first saved lag with Q < threshold (none at the first
                      lag after t = 0, as the authors' code) */
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

/* ---- estimators over replicas and resampling ------------------------------
 * A τ "over replicas" is computed from the R curves q[r*nt + i] (replica r at
 * lag t[i]; a replica whose values are all NaN is absent: lost or excluded).
 * Four estimators (docs/analysis.md gives the rules and the authors' choice):
 *   per_replica  the authors': per replica the first saved lag with Q < thr
 *                (none if that is the first lag after 0; dropped if below
 *                min_t), then the mean over replicas, defined only when
 *                every present replica has one (their code drops the point
 *                otherwise);
 *   per_replica_found  the same, but the mean over the replicas that have one;
 *   of_mean      the first saved lag where the replica-mean Q < thr;
 *   interp       the replica-mean Q interpolated in log t (gv_analysis_tau).
 * Error bars come from a bootstrap over replicas (or over groups of
 * replicas, e.g. the basins of a same-basin ensemble, resampled whole):
 * resample b draws its units with the counter-based generator (seed, stream,
 * purpose GV_RNG_BOOTSTRAP, step b), so intervals are reproducible and do
 * not depend on threads or ranks; the interval is the percentile interval of
 * the resampled estimates at `level` (two-sided). */

typedef enum gv_tau_estimator {
    GV_TAU_PER_REPLICA = 0,
    GV_TAU_OF_MEAN,
    GV_TAU_OF_MEAN_INTERP,
    GV_TAU_PER_REPLICA_FOUND
} gv_tau_estimator;
#define GV_TAU_NESTIMATORS 4
/* "per_replica", "of_mean", "interp", "per_replica_found"; and the status
 * words of gv_tau_outcome: "ok", "not_reached", "before_first_lag",
 * "below_min_t". */
extern const char *const gv_tau_estimator_name[GV_TAU_NESTIMATORS];
extern const char *const gv_tau_status_name[4];

typedef struct gv_boot_opts {
    size_t B;      /* resamples; 0: no interval */
    uint64_t seed; /* of the resampling stream */
    double level;  /* confidence level in (0, 1), e.g. 0.95 */
} gv_boot_opts;

typedef struct gv_interval {
    double lo, hi; /* percentile interval; NaN when no resample gave a value */
    double se;     /* standard deviation of the resampled estimates (n-1) */
    double level;
    size_t B, B_ok; /* resamples drawn; those whose estimate was defined */
} gv_interval;

/* The bootstrap draw b of stream `stream`: idx[0..n) uniform in 0..n-1
 * (with replacement).  A pure function of (seed, stream, b, n). */
void gv_boot_draw(uint64_t seed, uint32_t stream, uint64_t b, size_t n, size_t *idx);

/* A statistic of resampled data: sets k = 0..nsets-1, each a list of n[k]
 * unit indices idx[k][0..n[k]) (units drawn with replacement).  Writes the
 * value (NaN: undefined for this resample); returns nonzero to abort. */
typedef int (*gv_boot_stat)(void *ctx, const size_t *const *idx, const size_t *n, double *value);

/* Bootstrap of `stat` over nsets independent sets of sizes[k] units (set k
 * uses stream k): out gets the percentile interval; values (B doubles, or
 * NULL) the resampled estimates.  GV_EINTR if stat aborted.  A set of a
 * single unit has nothing to resample: then no resample is drawn and the
 * interval is undefined (lo, hi, se and values NaN, B_ok 0). */
gv_status gv_analysis_bootstrap(const size_t *sizes, size_t nsets, const gv_boot_opts *o,
                                gv_boot_stat stat, void *ctx, double *values, gv_interval *out,
                                gv_err *e);

typedef struct gv_tau_est {
    gv_tau_outcome outcome; /* GV_TAU_FOUND = "ok" */
    double tau;             /* NaN unless found */
    size_t n;               /* replicas present */
    size_t n_used;          /* per_replica*: replicas with a τ (the mean's terms) */
    size_t count[4];        /* per_replica*: replicas by outcome */
    gv_interval ci;         /* bootstrap interval (B = 0: NaN) */
    char reason[240];       /* for people: what was found or why not */
} gv_tau_est;

/* τ at `threshold` from R replica curves of nt lags.  group (R labels, or
 * NULL: every replica its own unit) makes the bootstrap resample groups
 * whole.  For a τ read on the lags (every estimator but interp) the
 * interval's lower end is lowered to the lag cell below it and the s.e.
 * includes the cell's width at τ (w/√12 in quadrature): the crossing lies
 * in the cell, not at its end.  Replicas whose curves are all bitwise
 * identical (copies) get no interval (NaN, B_ok 0), and the reason says
 * so.  Errors: bad t (as gv_analysis_tau), R == 0,
 * bad level or B. */
gv_status gv_analysis_tau_replicas(const double *t, size_t nt, const double *q, size_t R,
                                   const uint64_t *group, double threshold,
                                   gv_tau_estimator est, double min_t, const gv_boot_opts *boot,
                                   gv_tau_est *out, gv_err *e);

/* Spread of the power-law exponent over fit windows: the in-range points
 * without the i smallest and j largest x, 0 <= i, j <= trim, keeping at
 * least max(3, half of the points); a window whose points share one x (a
 * repeated t) has no slope and is skipped.  *nwin windows were fitted. */
gv_status gv_analysis_powerlaw_spread(const double *x, const double *y, size_t n, double x_min,
                                      double x_max, size_t trim, double *lo, double *hi,
                                      size_t *nwin, gv_err *e);

#endif
