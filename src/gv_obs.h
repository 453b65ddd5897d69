/* gv_obs.h: observers computed on the fly during an ensemble run.
 *
 * Two observers, each a gv_hook (gv_hook.h) the run loop stops for:
 *
 * two-time: at each waiting time t_w it copies every live replica's weights
 *   w(t_w) and their standard deviation σ(t_w); at each t_w + lag of its lag
 *   schedule it measures, per replica, the displacement Δw = w(t_w+lag) − w(t_w):
 *     Q     = (1/N) Σ 1[|Δw_i| <= ε]   for each cutoff ε (σ(t_w)/χ or fixed),
 *     MSD   = (1/N) Σ Δw_i²,   ⟨Δw⁴⟩ = (1/N) Σ Δw_i⁴,
 *   optionally a histogram of log10|Δw| and the same split by weight group
 *   (layer).  Memory: one reference vector per (replica, t_w), freed after its
 *   last lag, plus a few numbers per (t_w, lag, replica).
 * scalar: at each step of a schedule, loss, data loss, accuracy, unsatisfied
 *   fraction and mean squared weight of every live replica.
 *
 * Per-replica values are kept (not only sums), so that reductions over live
 * replicas are exact: mean, standard error (sample std with n−1, over √n),
 * χ₄ = N·Var(Q) (n−1), and per-replica rows on request.  Results are gv_tables
 * (gv_table.h); docs/observables.md lists every column. */
#ifndef GV_OBS_H
#define GV_OBS_H

#include "gv_ckpt.h"
#include "gv_core.h"
#include "gv_hook.h"
#include "gv_sched.h"
#include "gv_table.h"

struct gv_ensemble;

/* ---- per-replica kernel (exposed for tests) ------------------------------ */

/* Histogram of log10|Δw| over [lo, hi) in `bins` equal bins; counts has
 * bins + 3 entries: bins, then zeros (Δw == 0), under (< lo), over (>= hi). */
typedef struct gv_obs_hist {
    size_t bins;
    double lo, hi;
} gv_obs_hist;
#define GV_HIST_ZEROS(h) ((h)->bins)
#define GV_HIST_UNDER(h) ((h)->bins + 1)
#define GV_HIST_OVER(h) ((h)->bins + 2)

#define GV_OBS_MAX_CUTOFFS 16
#define GV_OBS_MAX_BINS 100000 /* histogram bins of one observer */

/* Displacement statistics of n weights: q[c] = fraction with |w − ref| <= eps[c]
 * (c < nc <= GV_OBS_MAX_CUTOFFS), *msd and *dw4 the mean of Δw² and Δw⁴.  If hist is not NULL,
 * adds the n counts to counts[0 .. bins+3). */
void gv_obs_displacement(const double *w, const double *ref, size_t n, const double *eps,
                         size_t nc, double *q, double *msd, double *dw4,
                         const gv_obs_hist *hist, uint64_t *counts);

/* Population standard deviation of n values: √((1/n) Σ (x − x̄)²). */
double gv_obs_stddev(const double *x, size_t n);

/* Reduction of n values (NaN values skipped): mean, standard error
 * sd/√n with the sample sd (n−1), sample variance; NaN where undefined
 * (no values; sem and var need two). */
typedef struct gv_obs_stats {
    size_t n;
    double mean, sem, var;
} gv_obs_stats;
gv_obs_stats gv_obs_reduce(const double *x, size_t n, size_t stride);

/* ---- the state of an ensemble at one step (what the observers read) ----- */

/* fire() builds a frame from the ensemble; tests build one from arrays. */
typedef struct gv_obs_frame {
    uint64_t step;
    size_t R, N;
    const double *const *w;     /* w[r]: N weights of replica r */
    const unsigned char *lost;  /* lost[r] != 0: excluded; NULL: none lost */
    size_t ngroups;             /* weight groups (layers); 0 is treated as 1 */
    const size_t *group_offset; /* NULL: one group of all N weights */
    const size_t *group_count;
    const uint64_t *basin;      /* R basin labels (same-basin ensembles); NULL: each its own */
    uint64_t source;            /* the ensemble's gv_ensemble_id; 0: not said (no check) */
} gv_obs_frame;

/* ---- two-time observer -------------------------------------------------- */

typedef struct gv_two_time_opts {
    const uint64_t *tw;  /* waiting times (absolute ensemble steps), any order */
    size_t ntw;
    const gv_sched *lags; /* copied */
    const double *chi;    /* ε = σ(t_w)/χ per replica (χ > 0) */
    size_t nchi;
    const double *eps;    /* fixed ε (>= 0) */
    size_t neps;
    int histogram;        /* histogram of log10|Δw| ... */
    gv_obs_hist hist;     /* ... with these bins */
    const gv_sched *hist_lags; /* at these lags only (NULL: every lag); copied */
    int per_layer;        /* also split every quantity by weight group */
    /* Weight groups (layers, from 1) whose weights enter σ(t_w) and Q of the
     * whole-network rows (the authors leave out the output layer); MSD, ⟨Δw⁴⟩
     * and α₂ still use every weight.  NULL/0: all weights. */
    const size_t *overlap_layers;
    size_t noverlap_layers;
} gv_two_time_opts;

typedef struct gv_two_time gv_two_time;

gv_two_time *gv_two_time_alloc(const gv_two_time_opts *opts, gv_err *e);
void gv_two_time_free(gv_two_time *o);
/* Fill h so that the run loop drives o (h->self = o). */
void gv_two_time_hook(gv_two_time *o, gv_hook *h);
/* Next pending event: the union of all t_w and t_w + lag not yet handled. */
uint64_t gv_two_time_next(const gv_two_time *o);
/* Handle the pending event at f->step (references and/or measurements).
 * Fails if an event before f->step was missed, or if the frame's R, N or
 * groups differ from the first frame seen. */
gv_status gv_two_time_observe(gv_two_time *o, const gv_obs_frame *f, gv_err *e);
/* The per-replica values of one measured quantity for t_w index tw (from 0,
 * in sorted order) and cutoff c: out[r * nl + l] for replica r and lag l
 * (NaN where the replica was excluded or the lag not measured yet);
 * which = 0: Q, 1: MSD, 2: ⟨Δw⁴⟩, 3: α₂.  *R, *nl and the lags (steps) are
 * reported; basins gets R labels when not NULL.  out must hold R·nl values
 * (call with out NULL first to learn R and nl). */
gv_status gv_two_time_curves(const gv_two_time *o, size_t tw, size_t c, int which, double *out,
                             size_t *R, size_t *nl, const uint64_t **lags, uint64_t *basins,
                             gv_err *e);
size_t gv_two_time_ntw(const gv_two_time *o);
/* Weights entering Q of the whole-network rows (N, or the overlap layers'),
 * once the observer has seen the ensemble; 0 before. */
size_t gv_two_time_nq(const gv_two_time *o);
uint64_t gv_two_time_tw(const gv_two_time *o, size_t i); /* sorted */
size_t gv_two_time_ncutoffs(const gv_two_time *o);
/* Cutoff c: its χ (NaN for a fixed ε) and fixed ε (NaN for a χ cutoff). */
void gv_two_time_cutoff(const gv_two_time *o, size_t c, double *chi, double *eps);

/* Reference memory currently held, in bytes (for tests and reports). */
size_t gv_two_time_ref_bytes(const gv_two_time *o);
const char *gv_two_time_describe(const gv_two_time *o); /* one line */
/* How many (t_w, lag) points are measured, of *total. */
size_t gv_two_time_nmeasured(const gv_two_time *o, size_t *total);

typedef enum gv_two_time_table {
    GV_TT_SUMMARY,     /* one row per (t_w, lag, cutoff) */
    GV_TT_LAYERS,      /* per_layer: one row per (t_w, lag, cutoff, layer) */
    GV_TT_REPLICAS,    /* one row per (t_w, lag, cutoff, contributing replica) */
    GV_TT_HISTOGRAM,   /* histogram: one row per (t_w, lag, group, bin) */
    GV_TT_HIST_TOTALS, /* histogram: zeros, under, over, total per (t_w, lag, group) */
    GV_TT_HIST_BASINS  /* histogram within each basin: one row per (t_w, lag, basin, group, bin) */
} gv_two_time_table;

/* A new table of the measurements so far (rows only for measured lags).
 * *out NULL with GV_EINVAL if that table is not enabled. */
gv_status gv_two_time_table_make(const gv_two_time *o, gv_two_time_table which, gv_table **out,
                                 gv_err *e);

/* ---- scalar observer ---------------------------------------------------- */

typedef struct gv_scalar_opts {
    const gv_sched *at; /* copied */
    double lambda;      /* λ of the reported loss (data loss + (λ/2)|w|²) */
} gv_scalar_opts;

typedef struct gv_scalar gv_scalar;

gv_scalar *gv_scalar_alloc(const gv_scalar_opts *opts, gv_err *e);
void gv_scalar_free(gv_scalar *o);
void gv_scalar_hook(gv_scalar *o, gv_hook *h);
uint64_t gv_scalar_next(const gv_scalar *o);
gv_status gv_scalar_fire(gv_scalar *o, struct gv_ensemble *ens, gv_err *e);
const char *gv_scalar_describe(const gv_scalar *o);

typedef enum gv_scalar_table {
    GV_SC_SUMMARY, /* one row per step */
    GV_SC_REPLICAS /* one row per (step, live replica) */
} gv_scalar_table;
gv_status gv_scalar_table_make(const gv_scalar *o, gv_scalar_table which, gv_table **out,
                               gv_err *e);

/* ---- checkpoints ----------------------------------------------------------
 * An observer's complete state as bytes: its configuration (waiting times,
 * lags, cutoffs, histogram, per-layer; schedule and λ) and everything it has
 * accumulated (event positions, per-replica values, σ(t_w), histogram
 * counts, the reference weights still needed).  Restoring needs an observer
 * with the same configuration: it refuses, naming the first difference,
 * otherwise, and leaves the observer unchanged on any failure.  The plain
 * restores also need a freshly built one (GV_OBS_FRESH); gv_obs_restore_as
 * with GV_OBS_REPLACE replaces what a used one holds.  After a restore the
 * observer continues exactly as the saved one would. */

/* The observer behind a hook filled by gv_two_time_hook / gv_scalar_hook,
 * or NULL if the hook is something else. */
gv_two_time *gv_two_time_from_hook(const gv_hook *h);
gv_scalar *gv_scalar_from_hook(const gv_hook *h);

gv_status gv_two_time_serialize(const gv_two_time *o, gv_wbuf *out, gv_err *e);
gv_status gv_two_time_restore(gv_two_time *o, const unsigned char *bytes, size_t len,
                              const char *src, gv_err *e);
gv_status gv_scalar_serialize(const gv_scalar *o, gv_wbuf *out, gv_err *e);
gv_status gv_scalar_restore(gv_scalar *o, const unsigned char *bytes, size_t len, const char *src,
                            gv_err *e);
/* Either kind through its hook; *kind tells which (GV_CKPT_TWO_TIME or
 * GV_CKPT_SCALAR).  gv_obs_restore refuses bytes of the other kind. */
gv_status gv_obs_serialize(const gv_hook *h, gv_wbuf *out, gv_ckpt_kind *kind, gv_err *e);
/* The checkpoint section kind of an observer hook (GV_CKPT_TWO_TIME, ...),
 * or GV_CKPT_BLOB when h is no observer (or a closed one). */
gv_ckpt_kind gv_obs_kind(const gv_hook *h);
gv_status gv_obs_restore(gv_hook *h, const unsigned char *bytes, size_t len, const char *src,
                         gv_err *e);
enum { GV_OBS_FRESH = 0, GV_OBS_REPLACE = 1 };
gv_status gv_obs_restore_as(gv_hook *h, const unsigned char *bytes, size_t len, int mode,
                            const char *src, gv_err *e);

/* An observer rebuilt from state bytes: a new observer of their type and
 * configuration (waiting times, lags, cutoffs, histogram, per-layer,
 * overlap layers; schedule and λ) that has measured nothing, as building
 * it with the saved observer's options gives; its hook is filled in *h
 * (h->self is the observer; gv_two_time_from_hook / gv_scalar_from_hook
 * tell its type; free it with gv_two_time_free / gv_scalar_free).  The
 * state after the configuration is not read. */
gv_status gv_obs_new_empty(const unsigned char *bytes, size_t len, const char *src, gv_hook *h,
                           gv_err *e);
/* The same from a live observer's own bytes (obs:empty()); the new one
 * describes itself as the original (a schedule rebuilt from its steps
 * alone would describe itself as a list). */
gv_status gv_obs_empty_like(const gv_hook *src, gv_hook *h, gv_err *e);

/* ---- blocks of replicas (MPI ranks, gv_mpi.h) -----------------------------
 * An observer run on each rank's contiguous block of replicas holds that
 * block's per-replica values.  Since reductions are made from per-replica
 * values, joining the blocks in replica order gives the state, tables and
 * checkpoint bytes of one observer run over all replicas, bit for bit. */

/* Append to out the state (gv_obs_serialize bytes) of one observer over the
 * replicas of all the parts, in order: parts[k] is rank k's state, or empty
 * (lens[k] == 0: a rank without replicas).  The parts must be of one kind
 * and agree on everything but their replicas (configuration, events
 * handled, network shape), else the message names the first rank that
 * differs.  Histogram counts are summed (exact: integers). */
gv_status gv_obs_concat(const unsigned char *const *parts, const size_t *lens, size_t n,
                        const char *src, gv_wbuf *out, gv_err *e);
/* Append to out the state of replicas [first, first + count) (from 0) of an
 * observer state: what the observer would hold had it run on that block.
 * Histogram counts, which are sums and cannot be split, go with the block
 * starting at 0 (the other blocks get zeros), so that gv_obs_concat of the
 * slices of a partition gives back the original bytes.  An observer that
 * has not measured yet has no replicas and slices to itself. */
gv_status gv_obs_slice(const unsigned char *bytes, size_t len, size_t first, size_t count,
                       const char *src, gv_wbuf *out, gv_err *e);

#endif
