/* gv_landscape.h: what integrators move on.
 *
 * A landscape is a loss L(w) over N weights with its gradient, plus an
 * effective number of samples P that sets the Langevin noise (docs/dynamics.md,
 * "Units": T is the temperature of the summed loss P·L).  Three kinds share one small
 * vtable:
 *   network   the quadratic hinge loss of a gv_mlp on a binarised dataset
 *             (P = rows of the dataset; mini-batches are row subsets);
 *   flat      L = 0 (a free weight: MSD = 2·lr·T/P·t);
 *   harmonic  L = (k/2)|w|² (docs/analysis.md, "Analytic curves").
 * Every kind adds (λ/2)|w|² for the λ passed to eval.  The null models ignore
 * row subsets (their loss does not depend on data), so SGD on them is GD.
 *
 * A network landscape borrows its network and dataset: both must outlive it
 * (the Lua binding keeps them as user values). */
#ifndef GV_LANDSCAPE_H
#define GV_LANDSCAPE_H

#include "gv_core.h"
#include "gv_data.h"
#include "gv_mlp.h"

typedef struct gv_landscape gv_landscape;
typedef struct gv_landscape_work gv_landscape_work;

gv_landscape *gv_landscape_network(const gv_mlp *m, const gv_data *data, gv_err *e);
/* N >= 1 weights, P >= 1; every weight starts at w0 (finite). */
gv_landscape *gv_landscape_flat(size_t N, size_t P, double w0, gv_err *e);
/* k > 0 (finite). */
gv_landscape *gv_landscape_harmonic(size_t N, double k, size_t P, double w0, gv_err *e);
void gv_landscape_free(gv_landscape *l);

const char *gv_landscape_kind(const gv_landscape *l); /* "network", "flat", "harmonic" */
size_t gv_landscape_nweights(const gv_landscape *l);
size_t gv_landscape_P(const gv_landscape *l);
double gv_landscape_k(const gv_landscape *l);         /* harmonic: k; others 0 */
const gv_mlp *gv_landscape_mlp(const gv_landscape *l);  /* network: its net; else NULL */
const gv_data *gv_landscape_data(const gv_landscape *l); /* network: its data; else NULL */
/* CRC-32 (zlib) of the dataset's float inputs (P·d, as stored), then its P
 * int8 ±1 labels: which data a network landscape stands on (ensemble files
 * record it).  0 for a landscape without data. */
uint32_t gv_landscape_data_crc(const gv_landscape *l);
/* "network 10-30x6-1 on mnist-train (P=60000, N=4830)". */
void gv_landscape_describe(const gv_landscape *l, char *buf, size_t n);

/* Weight groups for per-layer observables: one per layer for a network
 * (output layer last), a single group of all N weights for null models. */
size_t gv_landscape_ngroups(const gv_landscape *l);
void gv_landscape_group(const gv_landscape *l, size_t g, size_t *offset, size_t *count);

/* Initial weights of replica id `replica`: gv_mlp_init_weights for a network,
 * every weight = w0 for null models. */
void gv_landscape_init(const gv_landscape *l, uint64_t seed, uint32_t replica, double *w);

/* Scratch for evaluations of up to max_rows rows with nthreads threads
 * (1 for callers that are themselves parallel).  Results never depend on
 * nthreads. */
gv_landscape_work *gv_landscape_work_alloc(const gv_landscape *l, size_t max_rows, int nthreads,
                                           gv_err *e);
void gv_landscape_work_free(gv_landscape_work *ws);
int gv_landscape_work_threads(const gv_landscape_work *ws);
/* The caller (an integrator's run) tests the loss only for finiteness:
 * see gv_mlp_work_loss_check_only.  No effect on null models. */
void gv_landscape_work_loss_check_only(gv_landscape_work *ws, int on);
/* How many independent pieces an evaluation of nrows rows splits into (the
 * most threads it can use); 1 for null models. */
size_t gv_landscape_parallelism(const gv_landscape *l, size_t nrows);

/* Loss on rows[0..nrows) (rows == NULL: all P rows) with L2 strength lambda;
 * the gradient (including λw) into grad when grad != NULL.  Null models:
 * data_loss is 0 (flat) or (k/2)|w|² (harmonic), accuracy and unsat are NaN
 * (undefined), n is nrows or P. */
gv_status gv_landscape_eval(const gv_landscape *l, gv_landscape_work *ws, const double *w,
                            const uint32_t *rows, size_t nrows, double lambda, double *grad,
                            gv_eval *out, gv_err *e);

/* gv_landscape_eval with a gradient-descent step of rate lr > 0 folded in
 * where it can be (networks: gv_mlp_eval_step; null models never): *stepped
 * = 1 when w has been replaced by the finite w − lr·grad (grad then
 * unspecified), 0 when it is gv_landscape_eval (grad filled, w unchanged). */
gv_status gv_landscape_eval_step(const gv_landscape *l, gv_landscape_work *ws, double *w,
                                 const uint32_t *rows, size_t nrows, double lambda, double lr,
                                 double *grad, gv_eval *out, int *stepped, gv_err *e);

#endif
