/* gv_mlp.h: the bias-free fully connected ReLU network and its loss.
 *
 * f(x, w): input d, hidden widths h_1..h_L (ReLU after each), output 1, no
 * output nonlinearity, no biases.  Weights are one flat vector of doubles;
 * layer l (0-based, the output layer last) is a row-major out×in block at an
 * offset, exactly like PyTorch's Linear(in, out, bias=False).weight.
 *
 * Loss on a set of rows S of a dataset with ±1 labels:
 *   L(w) = (1/|S|) Σ_{i∈S} ½ max(0, 1 − y_i f(x_i, w))² + (λ/2)|w|².
 * Precision: weights double; data, activations and GEMMs float32 (OpenBLAS);
 * sums of the loss and the reduction of gradient partitions in double. */
#ifndef GV_MLP_H
#define GV_MLP_H

#include "gv_core.h"
#include "gv_data.h"

#define GV_MLP_MAX_LAYERS 64        /* hidden layers + the output layer */
#define GV_MLP_MAX_WIDTH (1 << 20)  /* the widest hidden layer the bindings accept */

typedef struct gv_mlp gv_mlp;           /* shape: immutable once built */
typedef struct gv_mlp_work gv_mlp_work; /* scratch for one evaluation at a time */

gv_mlp *gv_mlp_alloc(size_t d, size_t nhidden, const size_t *widths, gv_err *e);
void gv_mlp_free(gv_mlp *m);

size_t gv_mlp_input_dim(const gv_mlp *m);
size_t gv_mlp_nweights(const gv_mlp *m);
size_t gv_mlp_nlayers(const gv_mlp *m); /* nhidden + 1 */
/* Layer l: its weights are w[offset .. offset + out*in), row-major out×in. */
void gv_mlp_layer(const gv_mlp *m, size_t l, size_t *offset, size_t *out, size_t *in);
/* "10-30x6-1" (equal widths) or "10-30-20-1". */
void gv_mlp_describe(const gv_mlp *m, char *buf, size_t n);

/* PyTorch's default for Linear(bias=False): each weight uniform in
 * (−1/√fan_in, +1/√fan_in), from stream (seed, replica, GV_RNG_INIT, 0). */
void gv_mlp_init_weights(const gv_mlp *m, uint64_t seed, uint32_t replica, double *w);

/* A workspace evaluates on up to max_rows rows per call with `nthreads`
 * OpenMP threads (1: serial, for callers that are themselves parallel).
 * Results never depend on nthreads. */
gv_mlp_work *gv_mlp_work_alloc(const gv_mlp *m, size_t max_rows, int nthreads, gv_err *e);
void gv_mlp_work_free(gv_mlp_work *ws);
/* For callers that only test the loss for finiteness (the integrators):
 * gv_mlp_eval's out->loss may then differ from the exact value in its last
 * bits, but is finite exactly when the exact one is; everything else
 * (data_loss, accuracy, unsat, the gradient) is unchanged. */
void gv_mlp_work_loss_check_only(gv_mlp_work *ws, int on);

typedef struct gv_eval {
    double loss;      /* data_loss + (λ/2)|w|² */
    double data_loss; /* (1/n) Σ ½ max(0, 1 − y f)² */
    double accuracy;  /* fraction with y f > 0 */
    double unsat;     /* fraction with y f < 1 */
    size_t n;         /* rows evaluated */
} gv_eval;

/* Loss (and, if grad != NULL, its gradient including λw) on the rows
 * `rows[0..nrows)` of data (rows == NULL: all data->P rows, nrows ignored).
 * data must be binarised (data->y != NULL) and have d == input dim. */
gv_status gv_mlp_eval(const gv_mlp *m, gv_mlp_work *ws, const double *w,
                      const gv_data *data, const uint32_t *rows, size_t nrows,
                      double lambda, double *grad, gv_eval *out, gv_err *e);

/* gv_mlp_eval and a gradient-descent step of rate lr > 0 in one pass, when
 * it can: if the evaluation is a single partition (gv_mlp_partitions(n) ==
 * 1: SGD's batches), out->loss at w is finite, and no new weight can
 * overflow (shown from |w| and the largest float gradient sum), w is
 * replaced by w − lr·grad (the same bits as gv_mlp_eval, then
 * w[k] - lr*grad[k]), grad is left unspecified and *stepped = 1.  Otherwise
 * it is gv_mlp_eval: grad holds the gradient, w is unchanged, *stepped = 0.
 * Either way *out (may be NULL) describes w before the step.  Saves the
 * N doubles of grad written and read back, and the caller's check. */
gv_status gv_mlp_eval_step(const gv_mlp *m, gv_mlp_work *ws, double *w, const gv_data *data,
                           const uint32_t *rows, size_t nrows, double lambda, double lr,
                           double *grad, gv_eval *out, int *stepped, gv_err *e);

/* Network outputs f(x_i, w) for all rows of data into f[0..P) (labels are
 * not needed). */
gv_status gv_mlp_forward(const gv_mlp *m, gv_mlp_work *ws, const double *w,
                         const gv_data *data, double *f, gv_err *e);

/* Kernel geometry, exposed for tests, benchmarks and docs.  Rows of an
 * evaluation are cut into gv_mlp_partitions(nrows) partitions (a function of
 * nrows only, never of the thread count) and each partition into chunks of
 * gv_mlp_chunk_rows(m) rows (a function of the architecture only). */
size_t gv_mlp_partitions(size_t nrows);
size_t gv_mlp_chunk_rows(const gv_mlp *m);

/* glassvm's own kernel (gv_chain.h) on this workspace's products: which
 * (GV_CHAIN_FORWARD, _DELTAS, _WGRAD: 0, 1, 2); bit l: layer l's product
 * runs in the kernel for a whole chunk (gv_mlp_chunk_rows rows; the weight
 * gradient possibly in OpenBLAS's blocks of rows).  gv_mlp_work_blas_only
 * makes a workspace use OpenBLAS everywhere (docs/network.md). */
uint64_t gv_mlp_work_own_kernel(const gv_mlp_work *ws, int which);
void gv_mlp_work_blas_only(gv_mlp_work *ws);

/* Where an evaluation's time goes, for docs/performance.md: with the
 * engine built with -DGV_PROFILE=ON, CPU seconds (summed over threads) per
 * category since the last reset; otherwise zeros and a return of 0. */
enum {
    GV_PROF_FORWARD,  /* forward GEMMs (and their zeroed outputs) */
    GV_PROF_OWN,      /* ReLU, gather, hinge, compaction of satisfied rows */
    GV_PROF_WGRAD,    /* weight-gradient GEMMs */
    GV_PROF_DELTA,    /* back-propagated deltas: GEMMs and ReLU masks */
    GV_PROF_REDUCE,   /* weights to float, partition sums, loss */
    GV_PROF_NOISE,    /* Langevin noise (gv_integ) */
    GV_PROF_UPDATE,   /* the update and its finiteness check (gv_integ) */
    GV_PROF_N
};
int gv_profile_read(double *t, int reset);
#ifdef GV_PROFILE
void gv_profile_mark(int category); /* < 0: set the mark only */
#endif

#endif
