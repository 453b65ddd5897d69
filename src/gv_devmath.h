/* gv_devmath.h: the arithmetic of the device algorithm, shared by the CUDA
 * kernels (gv_cuda.cu) and their serial CPU reference (gv_devref.c), so both
 * run the same operations in the same order and a GPU result can be checked
 * bit for bit (docs/performance.md, "GPU").
 *
 * Geometry.  An evaluation of n rows (all P rows, or an SGD batch through a
 * row list) is cut into tiles of T rows (gv_dev_tile_rows: a function of the
 * network only); tile t belongs to partition t mod nb (nb = gv_dev_parts(n,
 * T), a function of n and T only, never of the GPU).  In shared memory a
 * tile's activations are stored unit-major with a row stride S = T + 1 (odd:
 * no bank conflicts): unit i of row c at a[i·S + c].
 *
 * Order of operations (fixed; every element is a pure function of its
 * inputs, so the order in which threads compute elements does not matter):
 *  - a unit's pre-activation is Σ_i W[o,i]·a[i] by fused multiply-adds in
 *    increasing i from 0.0f; ReLU keeps s > 0;
 *  - per row, in double: yf = y·f; the row is unsatisfied unless yf >= 1
 *    (a NaN output is unsatisfied, as on the CPU: the loss becomes NaN), its
 *    loss ½·(1−yf)·(1−yf), its dL/df (float)(−y·(1−yf)); satisfied rows are
 *    dropped from the backward pass (keep[] lists the others in order);
 *  - a weight's gradient over a tile is Σ_j δ[o,j]·a[i,keep_j] by fused
 *    multiply-adds over kept rows in order; a partition adds its tiles in
 *    order in float (acc = tile for its first tile with kept rows);
 *  - a back-propagated delta is (Σ_o δ[o,j]·W[o,i]) by fused multiply-adds in
 *    increasing o, kept where the unit's activation is > 0;
 *  - the tile's loss is the sum of its rows' losses in row order (double), a
 *    partition's the sum of its tiles' in order, the step's the sum of the
 *    partitions' in index order, divided by n;
 *  - |w|² is GV_DEV_TREE strided double sums (k ≡ t mod GV_DEV_TREE, in
 *    increasing k) then a pairwise tree (t += t + s for s = TREE/2 .. 1);
 *  - a weight's gradient is (Σ_p acc_p in double, p in order)·(1/n) + λ·w,
 *    the update w − lr·g (+ amp·ξ), with no contraction into FMAs. */
#ifndef GV_DEVMATH_H
#define GV_DEVMATH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __CUDACC__
#define GV_DEV static __device__ __forceinline__ __attribute__((unused))
#define GV_DMUL(a, b) __dmul_rn((a), (b))
#define GV_DADD(a, b) __dadd_rn((a), (b))
#define GV_DSUB(a, b) __dsub_rn((a), (b))
#define GV_FMUL(a, b) __fmul_rn((a), (b))
#define GV_FADD(a, b) __fadd_rn((a), (b))
#define GV_FMA(a, b, c) __fmaf_rn((a), (b), (c))
#else
#include <math.h>
/* gv_devref.c is compiled with -ffp-contract=off: plain operators are
 * single roundings there, as the intrinsics are on the GPU. */
#define GV_DEV static inline
#define GV_DMUL(a, b) ((a) * (b))
#define GV_DADD(a, b) ((a) + (b))
#define GV_DSUB(a, b) ((a) - (b))
#define GV_FMUL(a, b) ((a) * (b))
#define GV_FADD(a, b) ((a) + (b))
#define GV_FMA(a, b, c) fmaf((a), (b), (c))
#endif

/* Threads of the w² tree (and of the finishing kernel's block). */
#define GV_DEV_TREE 256
/* Partitions of one evaluation, at most. */
#define GV_DEV_MAX_PARTS 128
/* Shared memory of one block (bytes): tiles are sized to stay within
 * GV_DEV_SMEM_PREFER (two blocks per multiprocessor) when the network allows,
 * else within GV_DEV_SMEM_BUDGET (one block; under the 227 KB a Hopper block
 * can have).  Fixed numbers, not the GPU's: the geometry, hence the results,
 * do not depend on the GPU model. */
#define GV_DEV_SMEM_PREFER (100u * 1024u)
#define GV_DEV_SMEM_BUDGET (200u * 1024u)

/* A network as the kernels see it (hidden widths, offsets): plain numbers. */
#define GV_DEV_MAX_LAYERS 16
typedef struct gv_dev_net {
    int d, L;                            /* input dim, hidden layers */
    int in[GV_DEV_MAX_LAYERS + 1], out[GV_DEV_MAX_LAYERS + 1];
    int off[GV_DEV_MAX_LAYERS + 1];      /* layer l's weights at w + off[l] */
    int act[GV_DEV_MAX_LAYERS + 1];      /* unit offset of layer l's input in the tile */
    int N, sumh, maxh, T, S;             /* weights, Σh, max h, tile rows, stride */
} gv_dev_net;

/* Shared memory of one gradient block for T rows of net (bytes). */
static inline __attribute__((unused)) size_t gv_dev_smem(const gv_dev_net *n, int T)
{
    size_t S = (size_t)T + 1;
    size_t floats = (size_t)n->N + (size_t)(n->d + n->sumh) * S + 2 * (size_t)n->maxh * S +
                    2 * (size_t)T;
    return floats * 4 + (size_t)T * 4 /* keep */ + (size_t)T * 8 /* row losses */ + 64;
}

/* Tile rows: 128 or 64 within GV_DEV_SMEM_PREFER, else the largest of 128,
 * 64, 32, 16 within GV_DEV_SMEM_BUDGET; 0 if none fits.  (w = 30, depth 6:
 * 64 rows, 83 KB; w = 72: 32 rows, 180 KB; w >= 90 does not fit.) */
static inline __attribute__((unused)) int gv_dev_tile_rows(const gv_dev_net *n)
{
    for (int T = 128; T >= 64; T /= 2)
        if (gv_dev_smem(n, T) <= GV_DEV_SMEM_PREFER) return T;
    for (int T = 128; T >= 16; T /= 2)
        if (gv_dev_smem(n, T) <= GV_DEV_SMEM_BUDGET) return T;
    return 0;
}

static inline __attribute__((unused)) int gv_dev_parts(size_t nrows, int T)
{
    size_t tiles = (nrows + (size_t)T - 1) / (size_t)T;
    return tiles < GV_DEV_MAX_PARTS ? (int)tiles : GV_DEV_MAX_PARTS;
}

/* ---- per-element arithmetic -------------------------------------------- */

/* Σ_i W[i]·a[i·S + c], i < in. */
GV_DEV float gv_dev_dot(const float *W, int in, const float *a, int S, int c)
{
    float s = 0.0f;
    for (int i = 0; i < in; i++) s = GV_FMA(W[i], a[i * S + c], s);
    return s;
}

/* Σ_j g[j]·a[keep[j]], j < nk: a weight's gradient over a tile. */
GV_DEV float gv_dev_wgrad(const float *g, const float *a, const int *keep, int nk)
{
    float s = 0.0f;
    for (int j = 0; j < nk; j++) s = GV_FMA(g[j], a[keep[j]], s);
    return s;
}

/* Σ_o g[o·S + j]·W[o·in + i], o < out: back-propagation to unit i. */
GV_DEV float gv_dev_back(const float *g, int S, int j, const float *W, int in, int out, int i)
{
    float s = 0.0f;
    for (int o = 0; o < out; o++) s = GV_FMA(g[o * S + j], W[o * in + i], s);
    return s;
}

/* The hinge of one row: its loss into *loss, dL/df into *df; returns 1 when
 * the row is unsatisfied (y·f < 1, or NaN). */
GV_DEV int gv_dev_hinge(float f, int y, double *loss, float *df)
{
    double yd = (double)y, yf = GV_DMUL(yd, (double)f);
    if (!(yf >= 1.0)) {
        double mg = GV_DSUB(1.0, yf);
        *loss = GV_DMUL(GV_DMUL(0.5, mg), mg);
        *df = (float)GV_DMUL(-yd, mg);
        return 1;
    }
    *loss = 0.0;
    *df = 0.0f;
    return 0;
}

/* The update of one weight: w − lr·g + amp·z (noisy) or w − lr·g. */
GV_DEV double gv_dev_update(double w, double g, double lr, double amp, double z, int noisy)
{
    double v = GV_DSUB(w, GV_DMUL(lr, g));
    return noisy ? GV_DADD(v, GV_DMUL(amp, z)) : v;
}

/* A network weight's gradient from its partition sum. */
GV_DEV double gv_dev_grad(double sum, double inv_n, double lambda, double w)
{
    return GV_DADD(GV_DMUL(sum, inv_n), GV_DMUL(lambda, w));
}

#endif
