/* gv_integ.c: gd, sgd and langevin as a type table of step functions. */
#include "gv_integ.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gv_rng.h"
#include "gv_table.h"
#ifdef _OPENMP
#include <omp.h>
#endif

typedef struct integ_type {
    const char *name;
    /* Gradient (into c->grad) and loss for the step; rows chosen here.
     * With lr > 0 the landscape may take the step itself (*stepped = 1:
     * w is then w - lr·grad, finite). */
    gv_status (*gradient)(const gv_integ *it, gv_integ_ctx *c, double *w, double lr,
                          int *stepped, gv_eval *ev, gv_err *e);
    int noisy; /* adds √(2·lr·T/P)·ξ */
} integ_type;

struct gv_integ {
    const integ_type *type;
    double lr, T, lambda;
    size_t batch; /* sgd only */
};

/* ---- gradients ---------------------------------------------------------- */

/* The evaluation on rows[0..n) (rows NULL: all), with the step if lr > 0. */
static gv_status evaluate(const gv_integ *it, gv_integ_ctx *c, double *w, const uint32_t *rows,
                          size_t n, double lr, int *stepped, gv_eval *ev, gv_err *e)
{
    if (lr > 0)
        return gv_landscape_eval_step(c->land, c->work, w, rows, n, it->lambda, lr, c->grad, ev,
                                      stepped, e);
    *stepped = 0;
    return gv_landscape_eval(c->land, c->work, w, rows, n, it->lambda, c->grad, ev, e);
}

static gv_status full_gradient(const gv_integ *it, gv_integ_ctx *c, double *w, double lr,
                               int *stepped, gv_eval *ev, gv_err *e)
{
    return evaluate(it, c, w, NULL, 0, lr, stepped, ev, e);
}

static gv_status batch_gradient(const gv_integ *it, gv_integ_ctx *c, double *w, double lr,
                                int *stepped, gv_eval *ev, gv_err *e)
{
    /* Null models do not depend on rows: no permutation to draw. */
    if (!gv_landscape_data(c->land)) return full_gradient(it, c, w, lr, stepped, ev, e);
    size_t P = gv_landscape_P(c->land), B = it->batch;
    uint64_t spe = P / B, epoch = c->step / spe, pos = c->step % spe;
    if (!c->perm || !c->perm_epoch)
        return gv_fail(e, GV_EINVAL, "sgd: no permutation buffer (internal error)");
    if (*c->perm_epoch != epoch) {
        gv_rng_permutation(c->seed, c->replica, GV_RNG_SHUFFLE, epoch, P, c->perm);
        *c->perm_epoch = epoch;
    }
    return evaluate(it, c, w, c->perm + pos * B, B, lr, stepped, ev, e);
}

static const integ_type gd_type = {"gd", full_gradient, 0};
static const integ_type sgd_type = {"sgd", batch_gradient, 0};
static const integ_type langevin_type = {"langevin", full_gradient, 1};

/* ---- construction ------------------------------------------------------- */

static gv_integ *make(const integ_type *type, double lr, double T, double lambda, size_t batch,
                      gv_err *e)
{
    const char *what = type->name;
    if (!isfinite(lr) || lr <= 0) {
        gv_fail(e, GV_EINVAL, "%s: lr (learning rate) must be a finite number > 0, got %g", what, lr);
        return NULL;
    }
    if (!isfinite(T) || T < 0) {
        gv_fail(e, GV_EINVAL, "%s: T (temperature) must be a finite number >= 0, got %g", what, T);
        return NULL;
    }
    if (!isfinite(lambda) || lambda < 0) {
        gv_fail(e, GV_EINVAL, "%s: lambda (L2 strength) must be a finite number >= 0, got %g", what,
                lambda);
        return NULL;
    }
    gv_integ *it = calloc(1, sizeof *it);
    if (!it) {
        gv_fail(e, GV_ENOMEM, "%s: out of memory", what);
        return NULL;
    }
    it->type = type;
    it->lr = lr;
    it->T = T;
    it->lambda = lambda;
    it->batch = batch;
    return it;
}

gv_integ *gv_integ_gd(double lr, double lambda, gv_err *e)
{
    return make(&gd_type, lr, 0, lambda, 0, e);
}

gv_integ *gv_integ_sgd(double lr, size_t batch, double lambda, gv_err *e)
{
    if (batch < 1 || batch > UINT32_MAX) {
        gv_fail(e, GV_EINVAL, "sgd: batch must be at least 1 (and at most the dataset's P), got %zu",
                batch);
        return NULL;
    }
    return make(&sgd_type, lr, 0, lambda, batch, e);
}

gv_integ *gv_integ_langevin(double lr, double T, double lambda, gv_err *e)
{
    return make(&langevin_type, lr, T, lambda, 0, e);
}

void gv_integ_free(gv_integ *it) { free(it); }

const char *gv_integ_name(const gv_integ *it) { return it->type->name; }
double gv_integ_lr(const gv_integ *it) { return it->lr; }
double gv_integ_lambda(const gv_integ *it) { return it->lambda; }
double gv_integ_T(const gv_integ *it) { return it->T; }
size_t gv_integ_batch(const gv_integ *it) { return it->batch; }

void gv_integ_describe(const gv_integ *it, char *buf, size_t n)
{
    char lr[32], lambda[32], T[32];   /* exact: the text reads back as the same doubles */
    gv_format_double(lr, sizeof lr, it->lr);
    gv_format_double(lambda, sizeof lambda, it->lambda);
    if (it->type == &sgd_type)
        snprintf(buf, n, "sgd lr=%s batch=%zu lambda=%s", lr, it->batch, lambda);
    else if (it->type == &langevin_type)
        snprintf(buf, n, "langevin lr=%s T=%s lambda=%s", lr,
                 gv_format_double(T, sizeof T, it->T), lambda);
    else
        snprintf(buf, n, "gd lr=%s lambda=%s", lr, lambda);
}

gv_status gv_integ_check(const gv_integ *it, const gv_landscape *l, gv_err *e)
{
    size_t P = gv_landscape_P(l);
    if (it->type == &sgd_type && it->batch > P)
        return gv_fail(e, GV_EINVAL, "sgd: batch = %zu is larger than the landscape's P = %zu "
                       "(use batch <= P, or gd for full-batch steps)", it->batch, P);
    return GV_OK;
}

size_t gv_integ_rows(const gv_integ *it, const gv_landscape *l)
{
    return it->type == &sgd_type ? it->batch : gv_landscape_P(l);
}

uint64_t gv_integ_steps_per_epoch(const gv_integ *it, const gv_landscape *l)
{
    return it->type == &sgd_type ? gv_landscape_P(l) / it->batch : 0;
}

/* ---- the step ----------------------------------------------------------- */

gv_status gv_integ_fail_loss(gv_err *e, double loss, uint64_t step)
{
    return gv_fail(e, GV_ENAN, "non-finite loss (%g) at step %llu", gv_plain_nan(loss),
                   (unsigned long long)step);
}

gv_status gv_integ_fail_weights(gv_err *e, double loss, uint64_t step)
{
    return gv_fail(e, GV_ENAN, "non-finite weights after step %llu (loss before it %g)",
                   (unsigned long long)step, loss);
}

/* Coordinates [k0, k1) of the noisy update into nx: w - lr g + amp ξ with
 * the step's normals.  Returns 0 where a result is not finite.  The one
 * loop both the whole range and the threads' parts run, and normal i does
 * not depend on where its range starts: the same bits for any split. */
static int update_range(const gv_integ_ctx *c, const double *restrict wr,
                        const double *restrict g, double lr, double amp, size_t k0, size_t k1,
                        double *restrict nx)
{
    /* Vectorised: |x| <= DBL_MAX is false exactly for ±inf and NaN. */
    int finite = 1;
#ifdef GV_PROFILE
    gv_profile_mark(-1);
#endif
    gv_rng_normal(c->seed, c->replica, GV_RNG_NOISE, c->step, k0, k1 - k0, nx + k0);
#ifdef GV_PROFILE
    gv_profile_mark(GV_PROF_NOISE);
#endif
#pragma omp simd reduction(&: finite)
    for (size_t i = k0; i < k1; i++) {
        nx[i] = wr[i] - lr * g[i] + amp * nx[i];
        finite &= fabs(nx[i]) <= DBL_MAX;
    }
    return finite;
}

/* Weights from which the noise and the update are split over the
 * workspace's threads: drawing a normal costs about 20 ns (a log, a sincos),
 * starting an OpenMP parallel region 5-50 µs on the shared 2-core machine
 * (its sleeping threads are woken by a system call). */
#define NOISE_SPLIT_MIN 2048

gv_status gv_integ_step(const gv_integ *it, gv_integ_ctx *c, double *w, gv_eval *ev, gv_err *e)
{
    gv_eval local;
    if (!ev) ev = &local;
    size_t N = gv_landscape_nweights(c->land);
    double *nx = c->next, lr = it->lr;
    int noisy = it->type->noisy && it->T > 0, stepped = 0;
    /* Noiseless: the landscape takes the step in its gradient's pass where it
     * can show every new weight finite (SGD's batches: docs/performance.md,
     * item 18); then there is nothing left to do here. */
    gv_status s = it->type->gradient(it, c, w, noisy ? 0.0 : lr, &stepped, ev, e);
    if (s != GV_OK) return s;
    if (!isfinite(ev->loss)) return gv_integ_fail_loss(e, ev->loss, c->step);
    if (stepped) {
#ifdef GV_PROFILE
        gv_profile_mark(GV_PROF_UPDATE);
#endif
        return GV_OK;
    }
    const double *g = c->grad;
    double amp = noisy ? sqrt(2.0 * lr * it->T / (double)gv_landscape_P(c->land)) : 0.0;
    if (!noisy) {
        /* Nothing to draw: check, then update in place (the same expression
         * twice, so the same bits as through nx, with one array less in
         * cache; docs/performance-history.md, item 12). */
        int finite = 1;
#pragma omp simd reduction(&: finite)
        for (size_t i = 0; i < N; i++) finite &= fabs(w[i] - lr * g[i]) <= DBL_MAX;
        if (!finite) return gv_integ_fail_weights(e, ev->loss, c->step);
#pragma omp simd
        for (size_t i = 0; i < N; i++) w[i] = w[i] - lr * g[i];
    } else {
        int finite = 1;
#ifdef _OPENMP
        /* A workspace with several threads serves one replica at a time
         * (the ensemble's replicas in turn): its threads would idle here. */
        int nt = c->work ? gv_landscape_work_threads(c->work) : 1;
        if (nt > 1 && N >= NOISE_SPLIT_MIN) {
#pragma omp parallel num_threads(nt) reduction(&: finite)
            {
                gv_worker_enter();
                /* Parts of whole groups of 8 doubles. */
                size_t q = omp_get_num_threads(), t = omp_get_thread_num(), lines = (N + 7) / 8;
                size_t k0 = lines * t / q * 8, k1 = lines * (t + 1) / q * 8;
                if (k1 > N) k1 = N;
                if (k0 < k1) finite &= update_range(c, w, g, lr, amp, k0, k1, nx);
            }
        } else
#endif
            finite = update_range(c, w, g, lr, amp, 0, N, nx);
        /* Commit only finite weights: a lost replica keeps its last finite
         * state. */
        if (!finite) return gv_integ_fail_weights(e, ev->loss, c->step);
        memcpy(w, nx, N * sizeof *w);
    }
#ifdef GV_PROFILE
    gv_profile_mark(GV_PROF_UPDATE);
#endif
    return GV_OK;
}
