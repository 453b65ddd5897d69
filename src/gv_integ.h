/* gv_integ.h: integrators, the update rules that move one replica by one
 * step on a landscape (GSL's minimiser pattern: a type table plus
 * parameters; the ensemble drives them).  Time unit: one update step.
 *
 *   gd{lr, lambda}           w ← w − lr ∇L(w)                 (full batch)
 *   sgd{lr, batch, lambda}   w ← w − lr ∇L_B(w)               (mini-batch B)
 *   langevin{lr, T, lambda}  w ← w − lr ∇L(w) + √(2·lr·T/P)·ξ (full batch)
 *
 * ∇L includes the weight decay λw.  SGD: the rows are shuffled once per epoch
 * by gv_rng_permutation(seed, replica, GV_RNG_SHUFFLE, epoch, P); an epoch is
 * floor(P/batch) steps (the last partial batch is dropped), and ensemble step
 * s uses batch s mod steps_per_epoch of epoch floor(s / steps_per_epoch), so
 * epochs are counted from ensemble step 0 and a run split into pieces follows
 * the same trajectory as one run.  Langevin: ξ_i is value i of
 * gv_rng_normal(seed, replica, GV_RNG_NOISE, s, ·), s the step being taken
 * (the ensemble's step count before the update). */
#ifndef GV_INTEG_H
#define GV_INTEG_H

#include "gv_core.h"
#include "gv_landscape.h"

typedef struct gv_integ gv_integ;

/* Constructors validate their parameters (finite; lr > 0, T >= 0,
 * lambda >= 0, batch >= 1) and name the field that is wrong. */
gv_integ *gv_integ_gd(double lr, double lambda, gv_err *e);
gv_integ *gv_integ_sgd(double lr, size_t batch, double lambda, gv_err *e);
gv_integ *gv_integ_langevin(double lr, double T, double lambda, gv_err *e);
void gv_integ_free(gv_integ *it);

const char *gv_integ_name(const gv_integ *it); /* "gd", "sgd", "langevin" */
double gv_integ_lr(const gv_integ *it);
double gv_integ_lambda(const gv_integ *it);
double gv_integ_T(const gv_integ *it);         /* 0 for gd and sgd */
size_t gv_integ_batch(const gv_integ *it);     /* 0 (full batch) for gd and langevin */
/* "langevin lr=0.001 T=0.01 lambda=0", each number exact (gv_format_double):
 * the same text is the same dynamics (a run's checkpoint journal compares it). */
void gv_integ_describe(const gv_integ *it, char *buf, size_t n);

/* Can it run on l?  (SGD: batch <= P.) */
gv_status gv_integ_check(const gv_integ *it, const gv_landscape *l, gv_err *e);
/* Rows one evaluation uses on l: batch, or P for full-batch integrators. */
size_t gv_integ_rows(const gv_integ *it, const gv_landscape *l);
/* SGD steps per epoch on l (floor(P/batch)); 0 for full-batch integrators. */
uint64_t gv_integ_steps_per_epoch(const gv_integ *it, const gv_landscape *l);

/* Everything one step of one replica needs besides its weights.  grad and
 * next are N-double scratch (per thread); perm and perm_epoch belong to the
 * replica (SGD caches its epoch's permutation there; perm has P entries and
 * *perm_epoch = UINT64_MAX means empty; both may be NULL for other
 * integrators). */
typedef struct gv_integ_ctx {
    const gv_landscape *land;
    gv_landscape_work *work;
    double *grad, *next;
    uint32_t *perm;
    uint64_t *perm_epoch;
    uint64_t seed;
    uint32_t replica; /* RNG replica id */
    uint64_t step;    /* the step being taken */
} gv_integ_ctx;

/* One step: w is replaced only by finite new weights.  Returns GV_ENAN (with
 * the reason in e, "non-finite loss (nan)") when the loss at w or the new
 * weights are not finite; w is then unchanged.  *ev (may be NULL) receives
 * the loss at w before the update (on the batch for SGD). */
gv_status gv_integ_step(const gv_integ *it, gv_integ_ctx *c, double *w, gv_eval *ev, gv_err *e);

/* gv_integ_step's two failure messages (GV_ENAN), for devices that take the
 * step elsewhere (gv_device.h): a replica lost there reads the same. */
gv_status gv_integ_fail_loss(gv_err *e, double loss, uint64_t step);
gv_status gv_integ_fail_weights(gv_err *e, double loss, uint64_t step);

#endif
