/* gv_cuda.cu: device "cuda" (built with -DGV_CUDA=ON): the ensemble's steps
 * on an NVIDIA GPU.  The only engine file that includes CUDA headers.
 *
 * NOT YET RUN ON A GPU: compiled for sm_90 with Debian's nvcc 11.8; the
 * device checks that remain are listed in docs/performance.md ("GPU").
 *
 * Per step, two kernels (gv_devmath.h fixes the order of every operation,
 * and gv_devref.c runs the same algorithm serially on the CPU):
 *  k_grad    grid (nb partitions, R replicas), 256 threads: a replica's
 *            float32 weights in shared memory; each block streams its tiles
 *            of rows through every layer (activations in shared memory,
 *            never in global memory), drops the satisfied rows, back-
 *            propagates, and adds the tile's weight gradient into its
 *            partition's float accumulator in global memory (its own slice:
 *            no atomics) and the tile's loss into its partition's sum;
 *  k_finish  grid R, 256 threads: the partitions summed in double in index
 *            order, |w|² by a fixed tree, the loss checked, the GD or
 *            Langevin update in double with Philox noise keyed as on the CPU
 *            (gv_rng.c), non-finite weights refused (the replica stops at its
 *            last finite weights), the float copy refreshed.
 * Null models (flat, harmonic) need only k_finish.  SGD batches: the epoch's
 * permutations are drawn on the host as on the CPU (gv_device_perms) and
 * uploaded once per epoch. */
extern "C" {
#include "gv_core.h"
#include "gv_data.h"
#include "gv_device.h"
#include "gv_integ.h"
#include "gv_landscape.h"
#include "gv_rng.h"
}
#include "gv_devmath.h"

#include <cuda_runtime.h>
#include <Random123/philox.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 256

/* ---- kernels -------------------------------------------------------------- */

/* Two inner loops in register blocks of B units (B = 1: the plain loops).
 * Each unit's sum runs over the same operands in the same order as
 * gv_dev_dot / gv_dev_back, so the results are the same bits for every B;
 * a block reads each shared activation or delta once for B fused
 * multiply-adds instead of once per one.  Units past the layer's end are
 * computed on a clamped index and not stored. */
template <int B>
__device__ __forceinline__ void fwd_layer(const float *W, int in, int out, const float *ain,
                                          float *aout, int S, int Tc, int tid)
{
    const int groups = (out + B - 1) / B;
    for (int idx = tid; idx < groups * Tc; idx += THREADS) {
        const int o0 = (idx / Tc) * B, c = idx % Tc;
        float s[B];
        const float *w[B];
#pragma unroll
        for (int q = 0; q < B; q++) {
            s[q] = 0.0f;
            w[q] = W + (o0 + q < out ? o0 + q : out - 1) * in;
        }
        for (int i = 0; i < in; i++) {
            const float av = ain[i * S + c];
#pragma unroll
            for (int q = 0; q < B; q++) s[q] = GV_FMA(w[q][i], av, s[q]);
        }
#pragma unroll
        for (int q = 0; q < B; q++)
            if (o0 + q < out) aout[(o0 + q) * S + c] = s[q] > 0.0f ? s[q] : 0.0f;
    }
}

/* gn[i, j] = (Σ_o g[o, j]·W[o, i]) where the unit's activation is > 0. */
template <int B>
__device__ __forceinline__ void back_layer(const float *g, float *gn, const float *W, int in,
                                           int out, const float *ain, const int *keep, int nk,
                                           int S, int tid)
{
    const int groups = (in + B - 1) / B;
    for (int idx = tid; idx < groups * nk; idx += THREADS) {
        const int i0 = (idx / nk) * B, j = idx % nk;
        float s[B];
        int ii[B];
#pragma unroll
        for (int q = 0; q < B; q++) {
            s[q] = 0.0f;
            ii[q] = i0 + q < in ? i0 + q : in - 1;
        }
        for (int o = 0; o < out; o++) {
            const float gv = g[o * S + j];
            const float *Wo = W + o * in;
#pragma unroll
            for (int q = 0; q < B; q++) s[q] = GV_FMA(gv, Wo[ii[q]], s[q]);
        }
#pragma unroll
        for (int q = 0; q < B; q++)
            if (i0 + q < in) gn[(i0 + q) * S + j] = ain[(i0 + q) * S + keep[j]] > 0.0f ? s[q] : 0.0f;
    }
}

/* Shared memory of k_grad, in this order (doubles first for alignment):
 * row losses (T doubles), weights (N), activations ((d + Σh)·S), deltas g and
 * gn (maxh·S each), outputs f (T), kept dL/df (T), kept rows (T ints). */
template <int B>
__global__ void __launch_bounds__(THREADS)
k_grad(gv_dev_net net, const float *__restrict__ X, const int8_t *__restrict__ Y,
       const float *__restrict__ wf_all, const uint32_t *__restrict__ rows_all, size_t rows_stride,
       size_t rows_off, size_t n, int nb, const unsigned char *__restrict__ run,
       float *__restrict__ part_all, double *__restrict__ pstat)
{
    const int b = blockIdx.x, tid = threadIdx.x;
    const size_t r = blockIdx.y;
    if (!run[r]) return;
    const int T = net.T, S = net.S, L = net.L, d = net.d, N = net.N;
    extern __shared__ double smem_d[];
    double *rloss = smem_d;
    float *wsh = (float *)(rloss + T);
    float *act = wsh + N;
    float *g = act + (size_t)(d + net.sumh) * S;
    float *gn = g + (size_t)net.maxh * S;
    float *f = gn + (size_t)net.maxh * S;
    float *dfk = f + T;
    int *keep = (int *)(dfk + T);
    __shared__ int nk_s;

    const float *wf = wf_all + r * (size_t)N;
    for (int k = tid; k < N; k += THREADS) wsh[k] = wf[k];
    const uint32_t *rows = rows_all ? rows_all + r * rows_stride + rows_off : NULL;
    float *part = part_all + (r * (size_t)nb + (size_t)b) * (size_t)N;
    const size_t tiles = (n + (size_t)T - 1) / (size_t)T;
    int have = 0;
    double bl = 0.0; /* thread 0's partition loss */
    const float *aL = act + (size_t)net.act[L] * S, *wo = wsh + net.off[L];
    const int inL = net.in[L];
    __syncthreads();

    for (size_t t = (size_t)b; t < tiles; t += (size_t)nb) {
        const size_t c0 = t * (size_t)T;
        const int Tc = n - c0 < (size_t)T ? (int)(n - c0) : T;
        /* Input rows, coalesced along each row, stored unit-major. */
        for (int idx = tid; idx < d * Tc; idx += THREADS) {
            int c = idx / d, i = idx % d;
            size_t row = rows ? rows[c0 + c] : c0 + c;
            act[i * S + c] = X[row * (size_t)d + i];
        }
        __syncthreads();
        for (int l = 0; l < L; l++) {
            fwd_layer<B>(wsh + net.off[l], net.in[l], net.out[l], act + (size_t)net.act[l] * S,
                         act + (size_t)net.act[l + 1] * S, S, Tc, tid);
            __syncthreads();
        }
        for (int c = tid; c < Tc; c += THREADS) {
            size_t row = rows ? rows[c0 + c] : c0 + c;
            float df;
            keep[c] = gv_dev_hinge(gv_dev_dot(wo, inL, aL, S, c), Y[row], &rloss[c], &df);
            f[c] = df;
        }
        __syncthreads();
        if (tid == 0) {
            /* In place: keep[nk] is written only after keep[c >= nk] is read. */
            double tl = 0.0;
            int nk = 0;
            for (int c = 0; c < Tc; c++) {
                tl = GV_DADD(tl, rloss[c]);
                if (keep[c]) {
                    dfk[nk] = f[c];
                    keep[nk++] = c;
                }
            }
            bl = GV_DADD(bl, tl);
            nk_s = nk;
        }
        __syncthreads();
        const int nk = nk_s;
        if (nk > 0) {
            for (int i = tid; i < inL; i += THREADS) {
                float v = gv_dev_wgrad(dfk, aL + (size_t)i * S, keep, nk);
                float *p = part + net.off[L] + i;
                *p = have ? GV_FADD(*p, v) : v;
            }
            if (L > 0) {
                for (int idx = tid; idx < inL * nk; idx += THREADS) {
                    int i = idx / nk, j = idx % nk;
                    g[i * S + j] = aL[i * S + keep[j]] > 0.0f ? GV_FMUL(dfk[j], wo[i]) : 0.0f;
                }
                __syncthreads();
                for (int l = L - 1; l >= 0; l--) {
                    const int in = net.in[l], out = net.out[l];
                    const float *ain = act + (size_t)net.act[l] * S, *W = wsh + net.off[l];
                    for (int idx = tid; idx < out * in; idx += THREADS) {
                        int o = idx / in, i = idx % in;
                        float v = gv_dev_wgrad(g + (size_t)o * S, ain + (size_t)i * S, keep, nk);
                        float *p = part + net.off[l] + idx;
                        *p = have ? GV_FADD(*p, v) : v;
                    }
                    if (l == 0) break;
                    back_layer<B>(g, gn, W, in, out, ain, keep, nk, S, tid);
                    __syncthreads();
                    float *tmp = g;
                    g = gn;
                    gn = tmp;
                }
            }
            have = 1;
        }
        __syncthreads(); /* the next tile overwrites act, keep, f */
    }
    if (!have)
        for (int k = tid; k < N; k += THREADS) part[k] = 0.0f;
    if (tid == 0) pstat[r * (size_t)nb + (size_t)b] = bl;
}

/* Normal value k of stream (seed, replica, GV_RNG_NOISE, step): the counter
 * mapping of gv_rng_block and the Box–Muller pair of gv_rng_normal (value k
 * uses block k/2; even k the cosine, odd k the sine). */
__device__ double noise_value(uint64_t seed, uint32_t replica, uint64_t step, uint64_t k)
{
    uint64_t blk = k / 2;
    philox4x32_key_t key = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
    philox4x32_ctr_t ctr = {{(uint32_t)blk,
                             (uint32_t)((blk >> 32) & 0xffu) | ((uint32_t)(GV_RNG_NOISE & 0xff) << 8) |
                                 ((uint32_t)(step & 0xffffu) << 16),
                             (uint32_t)(step >> 16), replica}};
    philox4x32_ctr_t x = philox4x32(ctr, key);
    const double two_pi = 6.283185307179586476925286766559, ulp53 = 1.0 / 9007199254740992.0;
    double u1 = 1.0 - (double)((((uint64_t)(x.v[0] >> 5)) << 26) | (x.v[1] >> 6)) * ulp53;
    double u2 = (double)((((uint64_t)(x.v[2] >> 5)) << 26) | (x.v[3] >> 6)) * ulp53;
    double rr = sqrt(-2.0 * log(u1)), th = two_pi * u2;
    return (k & 1) ? rr * sin(th) : rr * cos(th);
}

typedef struct finish_args {
    int network, nb, noisy;
    size_t N;
    double n, inv_n, lambda, cn, lr, amp;
    uint64_t seed, step;
    uint32_t first;
} finish_args;

__global__ void __launch_bounds__(GV_DEV_TREE)
k_finish(finish_args a, double *__restrict__ w_all, float *__restrict__ wf_all,
         double *__restrict__ wnext_all, const float *__restrict__ part_all,
         const double *__restrict__ pstat, unsigned char *__restrict__ run,
         int *__restrict__ outcome, unsigned long long *__restrict__ fail_step,
         double *__restrict__ fail_loss)
{
    const size_t r = blockIdx.x, N = a.N;
    const int t = threadIdx.x;
    if (!run[r]) return;
    __shared__ double v[GV_DEV_TREE];
    __shared__ double loss_s;
    double *w = w_all + r * N, *nx = wnext_all + r * N;
    double s = 0.0;
    for (size_t k = (size_t)t; k < N; k += GV_DEV_TREE) s = GV_DADD(s, GV_DMUL(w[k], w[k]));
    v[t] = s;
    __syncthreads();
    for (int h = GV_DEV_TREE / 2; h > 0; h /= 2) {
        if (t < h) v[t] = GV_DADD(v[t], v[t + h]);
        __syncthreads();
    }
    if (t == 0) {
        double w2 = v[0], loss;
        if (a.network) {
            double ls = 0.0;
            for (int b = 0; b < a.nb; b++) ls = GV_DADD(ls, pstat[r * (size_t)a.nb + (size_t)b]);
            loss = GV_DADD(ls / a.n, GV_DMUL(GV_DMUL(0.5, a.lambda), w2));
        } else {
            loss = GV_DMUL(GV_DMUL(0.5, a.cn), w2);
        }
        loss_s = loss;
    }
    __syncthreads();
    const double loss = loss_s;
    if (!isfinite(loss)) {
        if (t == 0) {
            outcome[r] = GV_DEV_BAD_LOSS;
            fail_step[r] = a.step;
            fail_loss[r] = loss;
            run[r] = 0;
        }
        return;
    }
    const float *part = part_all + r * (size_t)a.nb * N;
    const uint32_t id = a.first + (uint32_t)r;
    int bad = 0;
    for (size_t k = (size_t)t; k < N; k += GV_DEV_TREE) {
        double gk;
        if (a.network) {
            double sum = 0.0;
            for (int b = 0; b < a.nb; b++) sum = GV_DADD(sum, (double)part[(size_t)b * N + k]);
            gk = gv_dev_grad(sum, a.inv_n, a.lambda, w[k]);
        } else {
            gk = GV_DMUL(a.cn, w[k]);
        }
        double z = a.noisy ? noise_value(a.seed, id, a.step, k) : 0.0;
        double x = gv_dev_update(w[k], gk, a.lr, a.amp, z, a.noisy);
        nx[k] = x;
        bad |= !isfinite(x);
    }
    bad = __syncthreads_or(bad);
    if (bad) {
        if (t == 0) {
            outcome[r] = GV_DEV_BAD_WEIGHTS;
            fail_step[r] = a.step;
            fail_loss[r] = loss;
            run[r] = 0;
        }
        return;
    }
    float *wf = wf_all + r * N;
    for (size_t k = (size_t)t; k < N; k += GV_DEV_TREE) {
        w[k] = nx[k];
        wf[k] = (float)nx[k];
    }
}

__global__ void k_to_float(const double *__restrict__ w, float *__restrict__ wf, size_t n)
{
    size_t k = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (k < n) wf[k] = (float)w[k];
}

/* ---- host side ------------------------------------------------------------ */

typedef struct cuda_ctx {
    gv_device_shape sh;
    size_t smem;            /* dynamic shared memory of k_grad */
    int block;              /* k_grad's register block: 4, or 1 (GV_CUDA_BLOCK=1) */
    float *X;               /* device: P × d */
    int8_t *y;              /* device: P */
    double *w, *wnext;      /* device: R × N */
    float *wf, *part;       /* device: R × N; R × GV_DEV_MAX_PARTS × N (networks) */
    double *pstat;          /* device: R × GV_DEV_MAX_PARTS */
    unsigned char *run;     /* device: R */
    int *outcome;           /* device: R */
    unsigned long long *fail_step;
    double *fail_loss;
    uint32_t *perm, *hperm; /* SGD: device and host R × P */
    uint64_t perm_epoch;
    unsigned long long *hstep; /* host staging for fail_step */
} cuda_ctx;

static gv_status cuda_err(gv_err *e, cudaError_t c, const char *what)
{
    return gv_fail(e, c == cudaErrorMemoryAllocation ? GV_ENOMEM : GV_EIO, "cuda: %s: %s", what,
                   cudaGetErrorString(c));
}

static gv_status cu_probe(gv_err *e)
{
    int n = 0;
    cudaError_t c = cudaGetDeviceCount(&n);
    if (c != cudaSuccess || n == 0)
        return gv_fail(e, GV_EINVAL, "cuda: no usable CUDA device here (%s); use device=\"cpu\"",
                       c != cudaSuccess ? cudaGetErrorString(c) : "none found");
    cudaDeviceProp p;
    if ((c = cudaGetDeviceProperties(&p, 0)) != cudaSuccess)
        return cuda_err(e, c, "reading the device's properties");
    if (p.major < 9)
        return gv_fail(e, GV_EINVAL, "cuda: %s has compute capability %d.%d; this build's kernels "
                       "are for 9.0 (rebuild with -DCMAKE_CUDA_ARCHITECTURES=%d%d)", p.name,
                       p.major, p.minor, p.major, p.minor);
    return GV_OK;
}

static void cu_close(gv_device_ctx *d)
{
    cuda_ctx *c = (cuda_ctx *)d;
    if (!c) return;
    void *dev[] = {c->X, c->y, c->w, c->wnext, c->wf, c->part, c->pstat, c->run, c->outcome,
                   c->fail_step, c->fail_loss, c->perm};
    for (size_t i = 0; i < sizeof dev / sizeof dev[0]; i++)
        if (dev[i]) cudaFree(dev[i]);
    free(c->hperm);
    free(c->hstep);
    free(c);
}

/* cudaMalloc with a message naming the size and what is free. */
static gv_status dalloc(void **p, size_t bytes, const char *what, size_t R, gv_err *e)
{
    cudaError_t c = cudaMalloc(p, bytes ? bytes : 1);
    if (c == cudaSuccess) return GV_OK;
    *p = NULL;
    size_t fr = 0, tot = 0;
    cudaGetLastError();
    cudaMemGetInfo(&fr, &tot);
    return gv_fail(e, GV_ENOMEM, "cuda: out of device memory for %s (%.1f MB for %zu replicas; "
                   "%.1f MB free of %.1f MB): use fewer replicas per ensemble or device=\"cpu\"",
                   what, (double)bytes / 1e6, R, (double)fr / 1e6, (double)tot / 1e6);
}

static gv_device_ctx *cu_open(const gv_landscape *land, size_t R, gv_err *e)
{
    cuda_ctx *c = (cuda_ctx *)calloc(1, sizeof *c);
    if (!c) {
        gv_fail(e, GV_ENOMEM, "cuda: out of host memory");
        return NULL;
    }
    c->perm_epoch = UINT64_MAX;
    /* Both register blocks give the same bits; GV_CUDA_BLOCK=1 selects the
     * plain loops (for comparison and as a fallback). */
    const char *blk = getenv("GV_CUDA_BLOCK");
    c->block = blk && strcmp(blk, "1") == 0 ? 1 : 4;
    if (blk && strcmp(blk, "1") != 0 && strcmp(blk, "4") != 0) {
        gv_fail(e, GV_EINVAL, "cuda: GV_CUDA_BLOCK=%s; it must be 1 or 4 (or unset: 4)", blk);
        free(c);
        return NULL;
    }
    size_t RN = R * gv_landscape_nweights(land);
    cudaError_t ce;
    if (R > 65535) {
        gv_fail(e, GV_EINVAL, "cuda: %zu replicas in one ensemble; the CUDA backend takes at most "
                "65535 (split the ensemble)", R);
        goto fail;
    }
    if (gv_device_shape_init(&c->sh, land, R, e) != GV_OK) goto fail;
    c->hstep = (unsigned long long *)malloc(R * sizeof *c->hstep);
    if (!c->hstep) {
        gv_fail(e, GV_ENOMEM, "cuda: out of host memory");
        goto fail;
    }
    if (dalloc((void **)&c->w, RN * 8, "the weights", R, e) ||
        dalloc((void **)&c->wnext, RN * 8, "the new weights", R, e) ||
        dalloc((void **)&c->wf, RN * 4, "the float32 weights", R, e) ||
        dalloc((void **)&c->run, R, "the replica flags", R, e) ||
        dalloc((void **)&c->outcome, R * sizeof(int), "the replica flags", R, e) ||
        dalloc((void **)&c->fail_step, R * 8, "the replica flags", R, e) ||
        dalloc((void **)&c->fail_loss, R * 8, "the replica flags", R, e))
        goto fail;
    if (c->sh.data) {
        const gv_data *D = c->sh.data;
        size_t d = (size_t)c->sh.net.d;
        if (dalloc((void **)&c->X, c->sh.P * d * 4, "the dataset", R, e) ||
            dalloc((void **)&c->y, c->sh.P, "the labels", R, e) ||
            dalloc((void **)&c->part, RN * GV_DEV_MAX_PARTS * 4, "the gradient partitions", R, e) ||
            dalloc((void **)&c->pstat, R * GV_DEV_MAX_PARTS * 8, "the loss partitions", R, e))
            goto fail;
        if ((ce = cudaMemcpy(c->X, D->X, c->sh.P * d * 4, cudaMemcpyHostToDevice)) != cudaSuccess ||
            (ce = cudaMemcpy(c->y, D->y, c->sh.P, cudaMemcpyHostToDevice)) != cudaSuccess) {
            cuda_err(e, ce, "uploading the dataset");
            goto fail;
        }
        c->smem = gv_dev_smem(&c->sh.net, c->sh.net.T);
        if ((ce = cudaFuncSetAttribute(k_grad<1>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       (int)c->smem)) != cudaSuccess ||
            (ce = cudaFuncSetAttribute(k_grad<4>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       (int)c->smem)) != cudaSuccess) {
            cuda_err(e, ce, "reserving shared memory for the gradient kernel");
            goto fail;
        }
    }
    return (gv_device_ctx *)c;
fail:
    cu_close((gv_device_ctx *)c);
    return NULL;
}

static gv_status cu_upload(gv_device_ctx *d, const double *w, gv_err *e)
{
    cuda_ctx *c = (cuda_ctx *)d;
    size_t RN = c->sh.R * c->sh.N;
    cudaError_t ce = cudaMemcpy(c->w, w, RN * 8, cudaMemcpyHostToDevice);
    if (ce != cudaSuccess) return cuda_err(e, ce, "uploading the weights");
    k_to_float<<<(unsigned)((RN + 255) / 256), 256>>>(c->w, c->wf, RN);
    if ((ce = cudaGetLastError()) != cudaSuccess) return cuda_err(e, ce, "converting the weights");
    return GV_OK;
}

static gv_status cu_steps(gv_device_ctx *d, const gv_device_block *b, gv_err *e)
{
    cuda_ctx *c = (cuda_ctx *)d;
    const gv_integ *it = b->integ;
    const size_t R = c->sh.R, N = c->sh.N;
    const int network = c->sh.data != NULL;
    const int sgd = network && gv_integ_steps_per_epoch(it, c->sh.land) > 0;
    const size_t n = gv_integ_rows(it, c->sh.land);
    cudaError_t ce;
    if (sgd && !c->perm) {
        c->hperm = (uint32_t *)malloc(R * c->sh.P * sizeof *c->hperm);
        if (!c->hperm) return gv_fail(e, GV_ENOMEM, "cuda: out of host memory for the SGD permutations");
        if (dalloc((void **)&c->perm, R * c->sh.P * 4, "the SGD permutations", R, e)) return GV_ENOMEM;
        c->perm_epoch = UINT64_MAX;
    }
    if ((ce = cudaMemcpy(c->run, b->run, R, cudaMemcpyHostToDevice)) != cudaSuccess ||
        (ce = cudaMemset(c->outcome, 0, R * sizeof(int))) != cudaSuccess)
        return cuda_err(e, ce, "starting a block of steps");
    finish_args a;
    memset(&a, 0, sizeof a);
    a.network = network;
    a.nb = network ? gv_dev_parts(n, c->sh.net.T) : 0;
    a.N = N;
    a.n = (double)n;
    a.inv_n = 1.0 / (double)n;
    a.lambda = gv_integ_lambda(it);
    a.cn = c->sh.k + a.lambda;
    a.lr = gv_integ_lr(it);
    double T = gv_integ_T(it);
    a.noisy = T > 0 && strcmp(gv_integ_name(it), "langevin") == 0;
    a.amp = a.noisy ? sqrt(2.0 * a.lr * T / (double)c->sh.P) : 0.0;
    a.seed = b->seed;
    a.first = b->first;
    for (uint64_t s = b->s0; s < b->s1; s++) {
        size_t off = 0;
        if (sgd) {
            uint64_t epoch;
            gv_device_batch(it, c->sh.land, s, &epoch, &off);
            if (epoch != c->perm_epoch) {
                gv_device_perms(b->seed, b->first, R, epoch, c->sh.P, c->hperm);
                if ((ce = cudaMemcpy(c->perm, c->hperm, R * c->sh.P * 4, cudaMemcpyHostToDevice)) !=
                    cudaSuccess)
                    return cuda_err(e, ce, "uploading the SGD permutations");
                c->perm_epoch = epoch;
            }
        }
        if (network) {
            dim3 grid((unsigned)a.nb, (unsigned)R);
            const uint32_t *rows = sgd ? c->perm : NULL;
            if (c->block == 4)
                k_grad<4><<<grid, THREADS, c->smem>>>(c->sh.net, c->X, c->y, c->wf, rows, c->sh.P,
                                                      off, n, a.nb, c->run, c->part, c->pstat);
            else
                k_grad<1><<<grid, THREADS, c->smem>>>(c->sh.net, c->X, c->y, c->wf, rows, c->sh.P,
                                                      off, n, a.nb, c->run, c->part, c->pstat);
        }
        a.step = s;
        k_finish<<<(unsigned)R, GV_DEV_TREE>>>(a, c->w, c->wf, c->wnext, c->part, c->pstat,
                                               c->run, c->outcome, c->fail_step, c->fail_loss);
        if ((ce = cudaGetLastError()) != cudaSuccess) {
            gv_fail(e, GV_EIO, "cuda: launching step %llu failed: %s", (unsigned long long)s,
                    cudaGetErrorString(ce));
            return GV_EIO;
        }
    }
    if ((ce = cudaDeviceSynchronize()) != cudaSuccess)
        return gv_fail(e, GV_EIO, "cuda: a kernel failed in steps %llu..%llu: %s",
                       (unsigned long long)b->s0, (unsigned long long)b->s1 - 1,
                       cudaGetErrorString(ce));
    if ((ce = cudaMemcpy(b->outcome, c->outcome, R * sizeof(int), cudaMemcpyDeviceToHost)) !=
            cudaSuccess ||
        (ce = cudaMemcpy(c->hstep, c->fail_step, R * 8, cudaMemcpyDeviceToHost)) != cudaSuccess ||
        (ce = cudaMemcpy(b->fail_loss, c->fail_loss, R * 8, cudaMemcpyDeviceToHost)) != cudaSuccess ||
        (ce = cudaMemcpy(b->w, c->w, R * N * 8, cudaMemcpyDeviceToHost)) != cudaSuccess)
        return cuda_err(e, ce, "downloading the weights");
    for (size_t r = 0; r < R; r++) b->fail_step[r] = (uint64_t)c->hstep[r];
    return GV_OK;
}

extern "C" const gv_device_ops gv_device_cuda = {"cuda", cu_probe, cu_open, cu_close, cu_upload,
                                                 cu_steps};
