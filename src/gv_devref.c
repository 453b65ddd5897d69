/* gv_devref.c: device "ref", the CUDA backend's algorithm run serially on
 * the CPU (gv_devmath.h gives the order of every operation).  It is the
 * reference a GPU result is compared with bit for bit, and it exercises the
 * ensemble's device path (upload, blocks, lost replicas, downloads) in tests
 * on machines without a GPU.  One thread; slow by design.
 * Compiled with -ffp-contract=off (CMakeLists.txt). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gv_data.h"
#include "gv_device.h"
#include "gv_devmath.h"
#include "gv_integ.h"
#include "gv_landscape.h"
#include "gv_rng.h"

typedef struct ref_ctx {
    gv_device_shape sh;
    double *w, *next;     /* R × N; N */
    float *wf;            /* R × N */
    float *part;          /* GV_DEV_MAX_PARTS × N */
    double *pstat;        /* GV_DEV_MAX_PARTS */
    float *tile;          /* activations, two delta buffers, f, df (one tile) */
    int *keep;
    double *rloss;
    uint32_t *perm;       /* SGD: R × P */
    uint64_t perm_epoch;
} ref_ctx;

static gv_status ref_probe(gv_err *e)
{
    (void)e;
    return GV_OK;
}

static void ref_close(gv_device_ctx *d)
{
    ref_ctx *c = (ref_ctx *)d;
    if (!c) return;
    free(c->w);
    free(c->next);
    free(c->wf);
    free(c->part);
    free(c->pstat);
    free(c->tile);
    free(c->keep);
    free(c->rloss);
    free(c->perm);
    free(c);
}

static gv_device_ctx *ref_open(const gv_landscape *land, size_t R, gv_err *e)
{
    ref_ctx *c = calloc(1, sizeof *c);
    if (!c) goto oom;
    if (gv_device_shape_init(&c->sh, land, R, e) != GV_OK) {
        ref_close((gv_device_ctx *)c);
        return NULL;
    }
    size_t RN = R * c->sh.N;
    c->w = malloc(RN * sizeof *c->w);
    c->next = malloc(c->sh.N * sizeof *c->next);
    c->wf = malloc(RN * sizeof *c->wf);
    if (!c->w || !c->next || !c->wf) goto oom;
    if (c->sh.data) {
        const gv_dev_net *n = &c->sh.net;
        size_t S = (size_t)n->S;
        c->part = malloc((size_t)GV_DEV_MAX_PARTS * c->sh.N * sizeof *c->part);
        c->pstat = malloc(GV_DEV_MAX_PARTS * sizeof *c->pstat);
        c->tile = malloc(((size_t)(n->d + n->sumh) * S + 2 * (size_t)n->maxh * S + 2 * S) *
                         sizeof *c->tile);
        c->keep = malloc((size_t)n->T * sizeof *c->keep);
        c->rloss = malloc((size_t)n->T * sizeof *c->rloss);
        if (!c->part || !c->pstat || !c->tile || !c->keep || !c->rloss) goto oom;
    }
    c->perm_epoch = UINT64_MAX;
    return (gv_device_ctx *)c;
oom:
    ref_close((gv_device_ctx *)c);
    gv_fail(e, GV_ENOMEM, "device ref: out of memory for %zu replicas", R);
    return NULL;
}

static gv_status ref_upload(gv_device_ctx *d, const double *w, gv_err *e)
{
    (void)e;
    ref_ctx *c = (ref_ctx *)d;
    size_t RN = c->sh.R * c->sh.N;
    memcpy(c->w, w, RN * sizeof *w);
    for (size_t k = 0; k < RN; k++) c->wf[k] = (float)w[k];
    return GV_OK;
}

/* Partition sums of one tile into part (acc = tile for the partition's first
 * tile with kept rows); returns the tile's loss. */
static double ref_tile(ref_ctx *c, const float *wf, const uint32_t *rows, size_t n, size_t t,
                       float *part, int *have)
{
    const gv_dev_net *net = &c->sh.net;
    const gv_data *data = c->sh.data;
    int T = net->T, S = net->S, L = net->L, d = net->d;
    size_t c0 = t * (size_t)T;
    int Tc = n - c0 < (size_t)T ? (int)(n - c0) : T;
    float *act = c->tile;
    float *g = act + (size_t)(d + net->sumh) * S, *gn = g + (size_t)net->maxh * S;
    float *f = gn + (size_t)net->maxh * S, *dfk = f + S;
    for (int cc = 0; cc < Tc; cc++) {
        size_t row = rows ? rows[c0 + cc] : c0 + cc;
        for (int i = 0; i < d; i++) act[i * S + cc] = data->X[row * (size_t)d + i];
    }
    for (int l = 0; l < L; l++) {
        const float *ain = act + (size_t)net->act[l] * S;
        float *aout = act + (size_t)net->act[l + 1] * S;
        for (int o = 0; o < net->out[l]; o++)
            for (int cc = 0; cc < Tc; cc++) {
                float s = gv_dev_dot(wf + net->off[l] + (size_t)o * net->in[l], net->in[l], ain, S, cc);
                aout[o * S + cc] = s > 0.0f ? s : 0.0f;
            }
    }
    const float *aL = act + (size_t)net->act[L] * S, *wo = wf + net->off[L];
    int inL = net->in[L];
    for (int cc = 0; cc < Tc; cc++) f[cc] = gv_dev_dot(wo, inL, aL, S, cc);
    double tl = 0.0;
    int nk = 0;
    for (int cc = 0; cc < Tc; cc++) {
        size_t row = rows ? rows[c0 + cc] : c0 + cc;
        float df;
        if (gv_dev_hinge(f[cc], data->y[row], &c->rloss[cc], &df)) {
            c->keep[nk] = cc;
            dfk[nk++] = df;
        }
        tl = GV_DADD(tl, c->rloss[cc]);
    }
    if (nk == 0) return tl;
#define ACC(k, v) (part[k] = *have ? GV_FADD(part[k], (v)) : (v))
    for (int i = 0; i < inL; i++) ACC(net->off[L] + i, gv_dev_wgrad(dfk, aL + (size_t)i * S, c->keep, nk));
    if (L > 0) {
        for (int i = 0; i < inL; i++)
            for (int j = 0; j < nk; j++)
                g[i * S + j] = aL[i * S + c->keep[j]] > 0.0f ? GV_FMUL(dfk[j], wo[i]) : 0.0f;
        for (int l = L - 1; l >= 0; l--) {
            int in = net->in[l], out = net->out[l];
            const float *ain = act + (size_t)net->act[l] * S, *W = wf + net->off[l];
            for (int o = 0; o < out; o++)
                for (int i = 0; i < in; i++)
                    ACC(net->off[l] + o * in + i,
                        gv_dev_wgrad(g + (size_t)o * S, ain + (size_t)i * S, c->keep, nk));
            if (l == 0) break;
            for (int i = 0; i < in; i++)
                for (int j = 0; j < nk; j++) {
                    float s = gv_dev_back(g, S, j, W, in, out, i);
                    gn[i * S + j] = ain[i * S + c->keep[j]] > 0.0f ? s : 0.0f;
                }
            float *tmp = g;
            g = gn;
            gn = tmp;
        }
    }
#undef ACC
    *have = 1;
    return tl;
}

/* |w|² in the device's order (gv_devmath.h). */
static double ref_w2(const double *w, size_t N)
{
    double v[GV_DEV_TREE];
    for (int t = 0; t < GV_DEV_TREE; t++) {
        double s = 0.0;
        for (size_t k = (size_t)t; k < N; k += GV_DEV_TREE) s = GV_DADD(s, GV_DMUL(w[k], w[k]));
        v[t] = s;
    }
    for (int s = GV_DEV_TREE / 2; s > 0; s /= 2)
        for (int t = 0; t < s; t++) v[t] = GV_DADD(v[t], v[t + s]);
    return v[0];
}

/* One step of replica r; returns its outcome (GV_DEV_*), the loss in *loss. */
static int ref_step(ref_ctx *c, const gv_integ *it, uint64_t seed, uint32_t id, size_t r,
                    uint64_t s, const uint32_t *rows, size_t n, double *loss)
{
    size_t N = c->sh.N;
    double *w = c->w + r * N, *nx = c->next;
    float *wf = c->wf + r * N;
    double lambda = gv_integ_lambda(it), lr = gv_integ_lr(it), T = gv_integ_T(it);
    double w2 = ref_w2(w, N), data_loss, cn = GV_DADD(c->sh.k, lambda);
    int nb = 0;
    if (c->sh.data) {
        int Tr = c->sh.net.T;
        size_t tiles = (n + (size_t)Tr - 1) / (size_t)Tr;
        nb = gv_dev_parts(n, Tr);
        for (int b = 0; b < nb; b++) {
            int have = 0;
            double bl = 0.0;
            float *part = c->part + (size_t)b * N;
            for (size_t t = (size_t)b; t < tiles; t += (size_t)nb)
                bl = GV_DADD(bl, ref_tile(c, wf, rows, n, t, part, &have));
            if (!have) memset(part, 0, N * sizeof *part);
            c->pstat[b] = bl;
        }
        double ls = 0.0;
        for (int b = 0; b < nb; b++) ls = GV_DADD(ls, c->pstat[b]);
        data_loss = ls / (double)n;
        *loss = GV_DADD(data_loss, GV_DMUL(GV_DMUL(0.5, lambda), w2));
    } else {
        *loss = GV_DMUL(GV_DMUL(0.5, cn), w2);
    }
    if (!isfinite(*loss)) return GV_DEV_BAD_LOSS;
    int noisy = T > 0 && strcmp(gv_integ_name(it), "langevin") == 0;
    double amp = noisy ? sqrt(2.0 * lr * T / (double)c->sh.P) : 0.0, inv = 1.0 / (double)n;
    if (noisy) gv_rng_normal(seed, id, GV_RNG_NOISE, s, 0, N, nx);
    int finite = 1;
    for (size_t k = 0; k < N; k++) {
        double g;
        if (c->sh.data) {
            double sum = 0.0;
            for (int b = 0; b < nb; b++) sum = GV_DADD(sum, (double)c->part[(size_t)b * N + k]);
            g = gv_dev_grad(sum, inv, lambda, w[k]);
        } else {
            g = GV_DMUL(cn, w[k]);
        }
        nx[k] = gv_dev_update(w[k], g, lr, amp, noisy ? nx[k] : 0.0, noisy);
        finite &= isfinite(nx[k]) != 0;
    }
    if (!finite) return GV_DEV_BAD_WEIGHTS;
    memcpy(w, nx, N * sizeof *w);
    for (size_t k = 0; k < N; k++) wf[k] = (float)w[k];
    return GV_DEV_RAN;
}

static gv_status ref_steps(gv_device_ctx *d, const gv_device_block *b, gv_err *e)
{
    ref_ctx *c = (ref_ctx *)d;
    const gv_integ *it = b->integ;
    int sgd = gv_integ_steps_per_epoch(it, c->sh.land) > 0 && c->sh.data;
    size_t n = gv_integ_rows(it, c->sh.land);
    if (sgd && !c->perm) {
        size_t bytes;
        if (gv_mul_size(c->sh.R, c->sh.P, &bytes) || !(c->perm = malloc(bytes * sizeof *c->perm)))
            return gv_fail(e, GV_ENOMEM, "device ref: out of memory for the SGD permutations");
        c->perm_epoch = UINT64_MAX;
    }
    for (size_t r = 0; r < c->sh.R; r++) b->outcome[r] = GV_DEV_RAN;
    unsigned char *run = malloc(c->sh.R);
    if (!run) return gv_fail(e, GV_ENOMEM, "device ref: out of memory");
    memcpy(run, b->run, c->sh.R);
    for (uint64_t s = b->s0; s < b->s1; s++) {
        size_t off = 0;
        if (sgd) {
            uint64_t epoch;
            gv_device_batch(it, c->sh.land, s, &epoch, &off);
            if (epoch != c->perm_epoch) {
                gv_device_perms(b->seed, b->first, c->sh.R, epoch, c->sh.P, c->perm);
                c->perm_epoch = epoch;
            }
        }
        for (size_t r = 0; r < c->sh.R; r++) {
            if (!run[r]) continue;
            double loss;
            const uint32_t *rows = sgd ? c->perm + r * c->sh.P + off : NULL;
            int out = ref_step(c, it, b->seed, b->first + (uint32_t)r, r, s, rows, n, &loss);
            if (out != GV_DEV_RAN) {
                b->outcome[r] = out;
                b->fail_step[r] = s;
                b->fail_loss[r] = loss;
                run[r] = 0;
            }
        }
    }
    free(run);
    memcpy(b->w, c->w, c->sh.R * c->sh.N * sizeof *c->w);
    return GV_OK;
}

const gv_device_ops gv_device_ref = {"ref", ref_probe, ref_open, ref_close, ref_upload, ref_steps};
