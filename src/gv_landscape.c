/* gv_landscape.c: the network loss and the two analytic null models behind
 * one vtable (GSL's pattern: a type table of function pointers, one state). */
#include "gv_landscape.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "gv_bytes.h"

typedef struct landscape_type {
    const char *kind;
    gv_status (*eval)(const gv_landscape *l, gv_landscape_work *ws, const double *w,
                      const uint32_t *rows, size_t nrows, double lambda, double *grad,
                      gv_eval *out, gv_err *e);
    void (*init)(const gv_landscape *l, uint64_t seed, uint32_t replica, double *w);
} landscape_type;

struct gv_landscape {
    const landscape_type *type;
    size_t N, P;
    double k;            /* harmonic stiffness (0 for flat) */
    double w0;           /* null models: every initial weight */
    const gv_mlp *m;     /* network only (borrowed) */
    const gv_data *data; /* network only (borrowed) */
};

struct gv_landscape_work {
    const gv_landscape *l;
    int nthreads;
    gv_mlp_work *mlp; /* network only */
};

/* ---- network ------------------------------------------------------------ */

static gv_status net_eval(const gv_landscape *l, gv_landscape_work *ws, const double *w,
                          const uint32_t *rows, size_t nrows, double lambda, double *grad,
                          gv_eval *out, gv_err *e)
{
    return gv_mlp_eval(l->m, ws->mlp, w, l->data, rows, nrows, lambda, grad, out, e);
}

static void net_init(const gv_landscape *l, uint64_t seed, uint32_t replica, double *w)
{
    gv_mlp_init_weights(l->m, seed, replica, w);
}

static const landscape_type network_type = {"network", net_eval, net_init};

gv_landscape *gv_landscape_network(const gv_mlp *m, const gv_data *data, gv_err *e)
{
    if (!m || !data) {
        gv_fail(e, GV_EINVAL, "landscape.network: a network and a dataset are required");
        return NULL;
    }
    char desc[128];
    gv_mlp_describe(m, desc, sizeof desc);
    if (data->d != gv_mlp_input_dim(m)) {
        gv_fail(e, GV_EDIM, "landscape.network: %s has d = %zu features per row but the network "
                "%s expects %zu (reduce the data, e.g. with :pca(%zu), or build the network with d = %zu)",
                data->name, data->d, desc, gv_mlp_input_dim(m), gv_mlp_input_dim(m), data->d);
        return NULL;
    }
    if (!data->y) {
        gv_fail(e, GV_EINVAL, "landscape.network: %s has no ±1 labels; binarise it first "
                "(dataset:binarize(\"parity\") or a class list)", data->name);
        return NULL;
    }
    /* SGD permutations index rows with 32 bits. */
    if (data->P == 0 || data->P > UINT32_MAX) {
        gv_fail(e, GV_EINVAL, "landscape.network: %s has %zu rows; 1 .. 2^32-1 are supported",
                data->name, data->P);
        return NULL;
    }
    gv_landscape *l = calloc(1, sizeof *l);
    if (!l) {
        gv_fail(e, GV_ENOMEM, "landscape.network: out of memory");
        return NULL;
    }
    l->type = &network_type;
    l->N = gv_mlp_nweights(m);
    l->P = data->P;
    l->m = m;
    l->data = data;
    return l;
}

/* ---- null models -------------------------------------------------------- */

/* L = (k/2)|w|² + (λ/2)|w|²: flat is k = 0.  The sum runs in index order so
 * the value never depends on threads. */
static gv_status null_eval(const gv_landscape *l, gv_landscape_work *ws, const double *w,
                           const uint32_t *rows, size_t nrows, double lambda, double *grad,
                           gv_eval *out, gv_err *e)
{
    (void)ws;
    (void)e;
    size_t N = l->N;
    double w2 = 0, c = l->k + lambda;
    for (size_t i = 0; i < N; i++) w2 += w[i] * w[i];
    if (grad)
        for (size_t i = 0; i < N; i++) grad[i] = c * w[i];
    if (out) {
        out->data_loss = 0.5 * l->k * w2;
        out->loss = 0.5 * c * w2;
        out->accuracy = NAN;
        out->unsat = NAN;
        out->n = rows ? nrows : l->P;
    }
    return GV_OK;
}

static void null_init(const gv_landscape *l, uint64_t seed, uint32_t replica, double *w)
{
    (void)seed;
    (void)replica;
    for (size_t i = 0; i < l->N; i++) w[i] = l->w0;
}

static const landscape_type flat_type = {"flat", null_eval, null_init};
static const landscape_type harmonic_type = {"harmonic", null_eval, null_init};

static gv_landscape *null_alloc(const landscape_type *type, size_t N, double k, size_t P,
                                double w0, gv_err *e)
{
    const char *what = type->kind;
    if (N == 0) {
        gv_fail(e, GV_EINVAL, "landscape.%s: N (number of weights) must be at least 1", what);
        return NULL;
    }
    if (N > ((size_t)1 << 40)) {
        gv_fail(e, GV_EINVAL, "landscape.%s: N = %zu weights is more than supported (2^40)", what, N);
        return NULL;
    }
    if (P == 0 || P > UINT32_MAX) {
        gv_fail(e, GV_EINVAL, "landscape.%s: P (effective number of samples) must be 1 .. 2^32-1, got %zu",
                what, P);
        return NULL;
    }
    if (!isfinite(w0)) {
        gv_fail(e, GV_ENAN, "landscape.%s: w0 must be finite, got %g", what, w0);
        return NULL;
    }
    gv_landscape *l = calloc(1, sizeof *l);
    if (!l) {
        gv_fail(e, GV_ENOMEM, "landscape.%s: out of memory", what);
        return NULL;
    }
    l->type = type;
    l->N = N;
    l->P = P;
    l->k = k;
    l->w0 = w0;
    return l;
}

gv_landscape *gv_landscape_flat(size_t N, size_t P, double w0, gv_err *e)
{
    return null_alloc(&flat_type, N, 0.0, P, w0, e);
}

gv_landscape *gv_landscape_harmonic(size_t N, double k, size_t P, double w0, gv_err *e)
{
    if (!(isfinite(k) && k > 0)) {
        gv_fail(e, GV_EINVAL, "landscape.harmonic: k must be a finite number > 0, got %g", k);
        return NULL;
    }
    return null_alloc(&harmonic_type, N, k, P, w0, e);
}

void gv_landscape_free(gv_landscape *l) { free(l); }

/* ---- accessors ---------------------------------------------------------- */

const char *gv_landscape_kind(const gv_landscape *l) { return l->type->kind; }
size_t gv_landscape_nweights(const gv_landscape *l) { return l->N; }
size_t gv_landscape_P(const gv_landscape *l) { return l->P; }
double gv_landscape_k(const gv_landscape *l) { return l->k; }
const gv_mlp *gv_landscape_mlp(const gv_landscape *l) { return l->m; }
const gv_data *gv_landscape_data(const gv_landscape *l) { return l->data; }

uint32_t gv_landscape_data_crc(const gv_landscape *l)
{
    const gv_data *d = l->data;
    if (!d) return 0;
    uint32_t c = gv_crc32(gv_crc32(0, NULL, 0), d->X, d->P * d->d * sizeof *d->X);
    return d->y ? gv_crc32(c, d->y, d->P) : c;
}

void gv_landscape_describe(const gv_landscape *l, char *buf, size_t n)
{
    if (l->m) {
        char net[128];
        gv_mlp_describe(l->m, net, sizeof net);
        snprintf(buf, n, "network %s on %s (P=%zu, N=%zu)", net, l->data->name, l->P, l->N);
    } else if (l->type == &harmonic_type) {
        snprintf(buf, n, "harmonic k=%g (N=%zu, P=%zu, w0=%g)", l->k, l->N, l->P, l->w0);
    } else {
        snprintf(buf, n, "flat (N=%zu, P=%zu, w0=%g)", l->N, l->P, l->w0);
    }
}

size_t gv_landscape_ngroups(const gv_landscape *l) { return l->m ? gv_mlp_nlayers(l->m) : 1; }

void gv_landscape_group(const gv_landscape *l, size_t g, size_t *offset, size_t *count)
{
    if (l->m) {
        size_t out, in;
        gv_mlp_layer(l->m, g, offset, &out, &in);
        *count = out * in;
    } else {
        *offset = 0;
        *count = l->N;
    }
}

void gv_landscape_init(const gv_landscape *l, uint64_t seed, uint32_t replica, double *w)
{
    l->type->init(l, seed, replica, w);
}

/* ---- evaluation --------------------------------------------------------- */

gv_landscape_work *gv_landscape_work_alloc(const gv_landscape *l, size_t max_rows, int nthreads,
                                           gv_err *e)
{
    gv_landscape_work *ws = calloc(1, sizeof *ws);
    if (!ws) {
        gv_fail(e, GV_ENOMEM, "landscape: out of memory for a workspace");
        return NULL;
    }
    ws->l = l;
    ws->nthreads = nthreads < 1 ? 1 : nthreads;
    if (l->m) {
        ws->mlp = gv_mlp_work_alloc(l->m, max_rows, ws->nthreads, e);
        if (!ws->mlp) {
            free(ws);
            return NULL;
        }
    }
    return ws;
}

void gv_landscape_work_free(gv_landscape_work *ws)
{
    if (!ws) return;
    gv_mlp_work_free(ws->mlp);
    free(ws);
}

int gv_landscape_work_threads(const gv_landscape_work *ws) { return ws->nthreads; }

void gv_landscape_work_loss_check_only(gv_landscape_work *ws, int on)
{
    if (ws->mlp) gv_mlp_work_loss_check_only(ws->mlp, on);
}

size_t gv_landscape_parallelism(const gv_landscape *l, size_t nrows)
{
    return l->m ? gv_mlp_partitions(nrows) : 1;
}

gv_status gv_landscape_eval(const gv_landscape *l, gv_landscape_work *ws, const double *w,
                            const uint32_t *rows, size_t nrows, double lambda, double *grad,
                            gv_eval *out, gv_err *e)
{
    if (!ws || ws->l != l)
        return gv_fail(e, GV_EINVAL, "landscape: workspace missing or built for another landscape");
    return l->type->eval(l, ws, w, rows, nrows, lambda, grad, out, e);
}

gv_status gv_landscape_eval_step(const gv_landscape *l, gv_landscape_work *ws, double *w,
                                 const uint32_t *rows, size_t nrows, double lambda, double lr,
                                 double *grad, gv_eval *out, int *stepped, gv_err *e)
{
    *stepped = 0;
    if (!ws || ws->l != l)
        return gv_fail(e, GV_EINVAL, "landscape: workspace missing or built for another landscape");
    if (!l->m) return l->type->eval(l, ws, w, rows, nrows, lambda, grad, out, e);
    return gv_mlp_eval_step(l->m, ws->mlp, w, l->data, rows, nrows, lambda, lr, grad, out, stepped,
                            e);
}
