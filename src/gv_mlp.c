/* gv_mlp.c: the bias-free ReLU network, its quadratic hinge loss and the
 * full-batch gradient, the hot path of every run (6·N·P flops per step).
 *
 * Kernel layout (docs/network.md, "Kernel"):
 *  - rows are cut into nparts(nrows) partitions (a function of nrows only)
 *    and each partition into chunks of m->chunk rows (a function of the
 *    architecture only), small enough that one chunk's activations for all
 *    layers stay in L2;
 *  - per chunk: forward through every layer (float32 GEMMs, ReLU applied in
 *    place), hinge derivative in double, drop satisfied rows (their
 *    derivative is exactly 0), backward, accumulate the weight gradient
 *    into the partition's float accumulator (GEMM beta = 1);
 *  - each partition is converted to double and the partitions are summed in
 *    index order, so the result is bit-identical for any thread count.
 * OpenBLAS runs single-threaded inside our OpenMP threads (gv_threads_set).
 * On AVX-512 builds, products at most 96 wide (a layer's forward product,
 * the deltas into it, its weight gradient) run in glassvm's own kernel
 * (chain, chain_tn) at the row counts where it gives OpenBLAS's bits
 * exactly, which a check on test data establishes (chain_use). */
#include "gv_mlp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#ifdef __AVX512F__
#include <immintrin.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

#include "gv_rng.h"

/* ---- profile (cmake -DGV_PROFILE=ON; docs/performance.md) ----------------
 * PROF(c): add the time since this thread's previous mark to category c
 * (CPU seconds summed over threads); PROF_START: set the mark.  Without
 * GV_PROFILE both are nothing. */
#ifdef GV_PROFILE
#include <time.h>
static double prof_sum[GV_PROF_N];
static _Thread_local double prof_last;
static double prof_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
void gv_profile_mark(int c)
{
    double t = prof_now();
    if (c >= 0) {
        double dt = t - prof_last;
#pragma omp atomic
        prof_sum[c] += dt;
    }
    prof_last = t;
}
int gv_profile_read(double *t, int reset)
{
    for (int c = 0; c < GV_PROF_N; c++) {
        t[c] = prof_sum[c];
        if (reset) prof_sum[c] = 0;
    }
    return 1;
}
#define PROF(c) gv_profile_mark(c)
#else
int gv_profile_read(double *t, int reset)
{
    (void)reset;
    for (int c = 0; c < GV_PROF_N; c++) t[c] = 0;
    return 0;
}
#define PROF(c) ((void)0)
#endif
#define PROF_START PROF(-1)

/* Rows per partition below which a partition is not split further; at most
 * GV_MLP_MAX_PARTS partitions.  Changing either changes results in the last
 * bits (the order of the float sums), so they are fixed constants. */
#define PART_MIN_ROWS 1024
#define GV_MLP_MAX_PARTS 16
/* Bytes of L2 the chunk's activations and float weights may use. */
#define CHUNK_BUDGET (768u * 1024u)
#define CHUNK_MIN 16
#define CHUNK_MAX 512

struct gv_mlp {
    size_t d, nlayers, nw, maxw, sumh, chunk;
    size_t in[GV_MLP_MAX_LAYERS], out[GV_MLP_MAX_LAYERS], off[GV_MLP_MAX_LAYERS];
};

/* Per-thread scratch: one chunk's activations for every layer. */
typedef struct thr_buf {
    float *x;      /* gathered input rows (row subsets only), chunk × d */
    float *h;      /* hidden activations, layer after layer, chunk × h_l each */
    float *g0, *g1; /* back-propagated deltas, chunk × maxw */
    float *f, *df; /* outputs and dL/df (×n) of the chunk */
    float *gw;     /* the partition's gradient accumulator, nw floats */
} thr_buf;

struct gv_mlp_work {
    const gv_mlp *m;
    int nthreads;
    int loss_check;    /* out->loss only needs to be finite iff the exact one is */
    size_t parts_cap;  /* partitions the accumulators below can hold */
    float *wf;         /* the weights in float32 */
    float *wt;         /* weights transposed (in × out at off[l]) for chain() */
    /* Layer l's products that may run in glassvm's kernel (chain_use says at
     * which row counts), NULL where never: the forward product, the deltas
     * through layer l, the weight gradient. */
    struct chain_shape *fw[GV_MLP_MAX_LAYERS], *dl[GV_MLP_MAX_LAYERS], *wg[GV_MLP_MAX_LAYERS];
    double *acc;       /* parts_cap × nw: per-partition gradients */
    double *stats;     /* parts_cap × 4: loss sum, correct, unsat, (unused) */
    thr_buf *thr;
    void *block;       /* one allocation behind all thread buffers */
};

/* ---- shape --------------------------------------------------------------- */

gv_mlp *gv_mlp_alloc(size_t d, size_t nhidden, const size_t *widths, gv_err *e)
{
    if (d == 0) {
        gv_fail(e, GV_EINVAL, "mlp: input dimension d must be at least 1");
        return NULL;
    }
    if (nhidden + 1 > GV_MLP_MAX_LAYERS) {
        gv_fail(e, GV_EINVAL, "mlp: %zu hidden layers, at most %d are supported", nhidden,
                GV_MLP_MAX_LAYERS - 1);
        return NULL;
    }
    for (size_t l = 0; l < nhidden; l++)
        if (widths[l] == 0 || widths[l] > (1u << 20)) {
            gv_fail(e, GV_EINVAL, "mlp: hidden layer %zu has width %zu; widths must be 1 .. 2^20",
                    l + 1, widths[l]);
            return NULL;
        }
    gv_mlp *m = calloc(1, sizeof *m);
    if (!m) {
        gv_fail(e, GV_ENOMEM, "mlp: out of memory");
        return NULL;
    }
    m->d = d;
    m->nlayers = nhidden + 1;
    size_t in = d, off = 0;
    for (size_t l = 0; l < m->nlayers; l++) {
        size_t out = l < nhidden ? widths[l] : 1, n;
        if (gv_mul_size(in, out, &n) || off + n < off) {
            free(m);
            gv_fail(e, GV_EINVAL, "mlp: too many weights");
            return NULL;
        }
        m->in[l] = in;
        m->out[l] = out;
        m->off[l] = off;
        off += n;
        if (l < nhidden) {
            m->sumh += out;
            if (out > m->maxw) m->maxw = out;
        }
        in = out;
    }
    m->nw = off;
    if (m->maxw < d) m->maxw = d; /* g buffers also hold chunk × d in general */
    /* Chunk rows: activations (d + Σh), two delta buffers, f and df per row,
     * plus the float weights and gradient, within CHUNK_BUDGET. */
    size_t per_row = 4 * (d + m->sumh + 2 * m->maxw + 2);
    size_t fixed = 8 * m->nw;
    size_t c = fixed < CHUNK_BUDGET / 2 ? (CHUNK_BUDGET - fixed) / per_row
                                        : (CHUNK_BUDGET / 2) / per_row;
    c = c / CHUNK_MIN * CHUNK_MIN;
    if (c < CHUNK_MIN) c = CHUNK_MIN;
    if (c > CHUNK_MAX) c = CHUNK_MAX;
    m->chunk = c;
    return m;
}

void gv_mlp_free(gv_mlp *m) { free(m); }

size_t gv_mlp_input_dim(const gv_mlp *m) { return m->d; }
size_t gv_mlp_nweights(const gv_mlp *m) { return m->nw; }
size_t gv_mlp_nlayers(const gv_mlp *m) { return m->nlayers; }
size_t gv_mlp_chunk_rows(const gv_mlp *m) { return m->chunk; }

void gv_mlp_layer(const gv_mlp *m, size_t l, size_t *offset, size_t *out, size_t *in)
{
    if (offset) *offset = m->off[l];
    if (out) *out = m->out[l];
    if (in) *in = m->in[l];
}

void gv_mlp_describe(const gv_mlp *m, char *buf, size_t n)
{
    size_t L = m->nlayers - 1, used = 0;
    int equal = L > 1;
    for (size_t l = 1; l < L; l++) equal = equal && m->out[l] == m->out[0];
    if (n == 0) return;
    buf[0] = '\0';
#define ADD(...)                                                                   \
    do {                                                                           \
        int k_ = snprintf(buf + used, n - used, __VA_ARGS__);                      \
        if (k_ < 0 || (size_t)k_ >= n - used) return;                              \
        used += (size_t)k_;                                                        \
    } while (0)
    ADD("%zu", m->d);
    if (equal)
        ADD("-%zux%zu", m->out[0], L);
    else
        for (size_t l = 0; l < L; l++) ADD("-%zu", m->out[l]);
    ADD("-1");
#undef ADD
}

void gv_mlp_init_weights(const gv_mlp *m, uint64_t seed, uint32_t replica, double *w)
{
    /* One uniform stream for the whole vector: weight k is value k, so the
     * init does not depend on how layers are traversed. */
    gv_rng_uniform(seed, replica, GV_RNG_INIT, 0, 0, m->nw, w);
    for (size_t l = 0; l < m->nlayers; l++) {
        double b = 1.0 / sqrt((double)m->in[l]);
        double *p = w + m->off[l];
        for (size_t k = 0; k < m->in[l] * m->out[l]; k++) p[k] = b * (2.0 * p[k] - 1.0);
    }
}

/* ---- workspace ----------------------------------------------------------- */

/* Partitions of nrows rows: a power of two (so that 2, 4, 8 threads share
 * them evenly), each of at least PART_MIN_ROWS rows, at most
 * GV_MLP_MAX_PARTS.  Depends on nrows only: never on the thread count. */
static size_t nparts(size_t nrows)
{
    size_t p = 1;
    while (p * 2 <= GV_MLP_MAX_PARTS && nrows / (p * 2) >= PART_MIN_ROWS) p *= 2;
    return p;
}

size_t gv_mlp_partitions(size_t nrows) { return nparts(nrows); }

static size_t align16(size_t nfloats) { return (nfloats + 15) & ~(size_t)15; }

static gv_status reserve_parts(gv_mlp_work *ws, size_t parts, gv_err *e)
{
    if (parts <= ws->parts_cap) return GV_OK;
    size_t nw = ws->m->nw;
    double *acc = realloc(ws->acc, parts * nw * sizeof *acc);
    if (!acc) return gv_fail(e, GV_ENOMEM, "mlp: cannot allocate %zu gradient partitions of %zu weights",
                             parts, nw);
    ws->acc = acc;
    double *st = realloc(ws->stats, parts * 4 * sizeof *st);
    if (!st) return gv_fail(e, GV_ENOMEM, "mlp: out of memory for partition sums");
    ws->stats = st;
    ws->parts_cap = parts;
    return GV_OK;
}

/* ---- glassvm's kernel for layers at most 96 wide -------------------------
 * OpenBLAS's sgemm on a chunk's narrow layers (512 × 30 × 30) runs at about
 * half the machine's peak, and the ReLU (or its derivative's mask) and the
 * zero fill around it are more passes.  The kernel computes, for a tile of
 * R rows and n <= 96 columns in AVX-512 registers (R × ceil(n/16) vectors),
 *   out[r][j] = epi(Σ_k x[r·sx + k·sk] · b[k][j]),
 * every output one FMA chain over k from 0, and epi in the store: the ReLU
 * (forward products, as relu()), the ReLU derivative's mask sel[r][j] > 0
 * (the deltas, as relu_mask()), or an add into out (weight gradients, into
 * the partition's accumulator).  OpenBLAS's AVX-512 kernels sum most of
 * these shapes the same way, so the bits are OpenBLAS's; where they do not
 * (its AVX2 kernels, its small-matrix kernels at some shapes, its level-3
 * driver's blocking of long sums) OpenBLAS runs.  Which row counts of a
 * product run here is established bit for bit on test data, once per shape,
 * row count and process (chain_use): the choice changes speed, never
 * results.  Builds without AVX-512 compile the kernel out. */
#define CHAIN_MAX_N 96
/* OpenBLAS 0.3's level-3 driver cuts a product's inner dimension longer than
 * GEMM_Q (320 for its AVX-512 single-precision kernels) into blocks: Q while
 * 2Q or more remain, then the rest in two halves rounded up to 16; each
 * block is one chain added into C.  The weight gradient's inner dimension is
 * the chunk's rows (up to 512); chain_tn_blocks() sums in the same blocks. */
#define BLAS_GEMM_Q 320
#define BLAS_UNROLL 16
enum { CHAIN_UNKNOWN, CHAIN_YES, CHAIN_BLOCKS, CHAIN_DOT, CHAIN_NO };
#ifdef __AVX512F__
enum { EPI_RELU, EPI_MASK, EPI_ADD };
#define AINLINE static inline __attribute__((always_inline))
AINLINE void chain_store(float *o, const float *s, __m512 c, int epi, __mmask16 m)
{
    const __m512 z = _mm512_setzero_ps();
    if (epi == EPI_ADD) {
        c = _mm512_add_ps(c, _mm512_maskz_loadu_ps(m, o));
    } else {
        __m512 t = epi == EPI_MASK ? _mm512_maskz_loadu_ps(m, s) : c;
        c = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(t, z, _CMP_GT_OQ), c);
    }
    _mm512_mask_storeu_ps(o, m, c);
}
/* One tile: R rows (x at sx apart, k at sk apart) × NV vectors of 16
 * columns (the last masked to n); b, sel and out have rows ld apart. */
AINLINE void chain_tile(const float *restrict x, size_t sx, size_t sk, size_t K,
                        const float *restrict b, size_t n, size_t ld, const float *restrict sel,
                        float *restrict out, int epi, const int NV, const int R)
{
    const __m512 z = _mm512_setzero_ps();
    const size_t tail = n - 16 * (size_t)(NV - 1);
    const __mmask16 mt = tail >= 16 ? 0xFFFF : (__mmask16)((1u << tail) - 1);
#define CT_LD(v) ((v) == NV - 1 ? _mm512_maskz_loadu_ps(mt, bk + 16 * (v)) : _mm512_loadu_ps(bk + 16 * (v)))
#define CT_ROW(r) __m512 c##r##0 = z, c##r##1 = z, c##r##2 = z, c##r##3 = z, c##r##4 = z, c##r##5 = z;
#define CT_FMA(r, v) if (NV > (v)) c##r##v = _mm512_fmadd_ps(x_, w##v, c##r##v);
#define CT_FMAROW(r)                                                              \
    if (R > (r)) {                                                                \
        __m512 x_ = _mm512_set1_ps(xk[(r) * sx]);                                 \
        CT_FMA(r, 0) CT_FMA(r, 1) CT_FMA(r, 2) CT_FMA(r, 3) CT_FMA(r, 4) CT_FMA(r, 5) \
    }
#define CT_ST(r, v)                                                                         \
    if (NV > (v))                                                                           \
        chain_store(out + (r) * ld + 16 * (v), sel ? sel + (r) * ld + 16 * (v) : NULL, c##r##v, epi, \
                    (v) == NV - 1 ? mt : (__mmask16)0xFFFF);
#define CT_STROW(r) \
    if (R > (r)) { CT_ST(r, 0) CT_ST(r, 1) CT_ST(r, 2) CT_ST(r, 3) CT_ST(r, 4) CT_ST(r, 5) }
/* Each vector of b loaded once per k and held in a register for the tile's
 * rows: left to itself gcc folds the loads into every row's FMA, R times
 * the loads, and the kernel ran 1.2–1.9× slower at n = 30–82. */
#define CT_KEEP(v) if (NV > (v)) __asm__("" : "+v"(w##v));
    CT_ROW(0) CT_ROW(1) CT_ROW(2) CT_ROW(3) CT_ROW(4) CT_ROW(5) CT_ROW(6) CT_ROW(7)
    for (size_t k = 0; k < K; k++) {
        const float *bk = b + k * ld, *xk = x + k * sk;
        __m512 w0 = CT_LD(0), w1 = z, w2 = z, w3 = z, w4 = z, w5 = z;
        if (NV > 1) w1 = CT_LD(1);
        if (NV > 2) w2 = CT_LD(2);
        if (NV > 3) w3 = CT_LD(3);
        if (NV > 4) w4 = CT_LD(4);
        if (NV > 5) w5 = CT_LD(5);
        if (R > 1) { CT_KEEP(0) CT_KEEP(1) CT_KEEP(2) CT_KEEP(3) CT_KEEP(4) CT_KEEP(5) }
        CT_FMAROW(0) CT_FMAROW(1) CT_FMAROW(2) CT_FMAROW(3)
        CT_FMAROW(4) CT_FMAROW(5) CT_FMAROW(6) CT_FMAROW(7)
    }
    CT_STROW(0) CT_STROW(1) CT_STROW(2) CT_STROW(3) CT_STROW(4) CT_STROW(5) CT_STROW(6) CT_STROW(7)
#undef CT_LD
#undef CT_ROW
#undef CT_FMA
#undef CT_FMAROW
#undef CT_ST
#undef CT_STROW
#undef CT_KEEP
}
/* All rows: 8 at a time for one or two vectors (enough FMA chains in
 * flight), 4 otherwise (at most 24 accumulators), then the rest 4, 2, 1. */
AINLINE void chain_nv(const float *x, size_t rows, size_t sx, size_t sk, size_t K, const float *b,
                      size_t n, size_t ld, const float *sel, float *out, int epi, const int NV)
{
#define CN_TILES(R)                                                                             \
    for (; i + (R) <= rows; i += (R))                                                           \
        chain_tile(x + i * sx, sx, sk, K, b, n, ld, sel ? sel + i * ld : NULL, out + i * ld, epi, \
                   NV, (R));
    size_t i = 0;
    if (NV <= 2) CN_TILES(8)
    CN_TILES(4)
    CN_TILES(2)
    CN_TILES(1)
#undef CN_TILES
}
static void chain_any(const float *x, size_t rows, size_t sx, size_t sk, size_t K, const float *b,
                      size_t n, size_t ld, const float *sel, float *out, int epi)
{
    switch ((n + 15) / 16) {
    case 1: chain_nv(x, rows, sx, sk, K, b, n, ld, sel, out, epi, 1); break;
    case 2: chain_nv(x, rows, sx, sk, K, b, n, ld, sel, out, epi, 2); break;
    case 3: chain_nv(x, rows, sx, sk, K, b, n, ld, sel, out, epi, 3); break;
    case 4: chain_nv(x, rows, sx, sk, K, b, n, ld, sel, out, epi, 4); break;
    case 5: chain_nv(x, rows, sx, sk, K, b, n, ld, sel, out, epi, 5); break;
    case 6: chain_nv(x, rows, sx, sk, K, b, n, ld, sel, out, epi, 6); break;
    }
}
/* h (B × n) = act(a (B × K) · b (K × n)): the ReLU (sel == NULL) or the
 * mask sel > 0. */
static void chain(const float *a, size_t B, size_t K, const float *b, size_t n, const float *sel,
                  float *h)
{
    chain_any(a, B, K, 1, K, b, n, n, sel, h, sel ? EPI_MASK : EPI_RELU);
}
/* c (m × n) += gᵀ a for g (K × m), a (K × n): one chain over k, then added. */
static void chain_tn(const float *g, size_t K, size_t m, const float *a, size_t n, float *c)
{
    chain_any(g, m, 1, m, K, a, n, n, NULL, c, EPI_ADD);
}
/* The same in OpenBLAS's level-3 blocks of k. */
static void chain_tn_blocks(const float *g, size_t K, size_t m, const float *a, size_t n, float *c)
{
    for (size_t k0 = 0; k0 < K;) {
        size_t r = K - k0;
        size_t kb = r >= 2 * BLAS_GEMM_Q ? BLAS_GEMM_Q
                    : r > BLAS_GEMM_Q  ? (r / 2 + BLAS_UNROLL - 1) / BLAS_UNROLL * BLAS_UNROLL
                                       : r;
        chain_tn(g + k0 * m, kb, m, a + k0 * n, n, c);
        k0 += kb;
    }
}
/* The deltas' product as OpenBLAS's AVX-512 small-matrix kernel for it
 * computes it (sgemm_small_kernel_nn, used up to B·n·K = 10⁶): the columns
 * in whole vectors of 16 as one chain over k each, but when 1 to 8 columns
 * are left and K >= 32, those as dot products: 16 partial sums, lane t one
 * chain over k = t, t + 16, …, then added in a tree: pairs of neighbours,
 * pairs of pairs, and so on; but for the last one to three columns in the
 * rows after the last whole group of four rows, halves, quarters, then
 * pairs (gcc's _mm512_reduce_add_ps).  This is the order measured for
 * OpenBLAS 0.3.21 (Debian 12's); the check catches any other. */
#define CHAIN_DOT_MAXK 256
static int chain_dot_fits(size_t K, size_t n)
{
    size_t left = n % 16;
    return left >= 1 && left <= 8 && K >= 32 && K <= CHAIN_DOT_MAXK;
}
static void chain_dot(const float *a, size_t B, size_t K, const float *b, size_t n,
                      const float *sel, float *h)
{
    size_t n16 = n & ~(size_t)15, left = n - n16;
    if (n16) chain_any(a, B, K, 1, K, b, n16, n, sel, h, EPI_MASK);
    /* The left columns of b transposed, in groups of four (zero columns
     * after the last: their sums are computed and dropped). */
    float bt[8 * CHAIN_DOT_MAXK];
    size_t groups = (left + 3) / 4;
    for (size_t c = 0; c < 4 * groups; c++)
        for (size_t k = 0; k < K; k++) bt[c * K + k] = c < left ? b[k * n + n16 + c] : 0.0f;
    const __mmask16 mk = (__mmask16)((1u << (K % 16)) - 1);
    const __m128 z = _mm_setzero_ps();
    for (size_t i = 0; i < B; i++) {
        const float *ai = a + i * K;
        for (size_t gq = 0; gq < groups; gq++) {
            const float *b0 = bt + 4 * gq * K, *b1 = b0 + K, *b2 = b1 + K, *b3 = b2 + K;
            __m512 c0 = _mm512_setzero_ps(), c1 = c0, c2 = c0, c3 = c0;
            size_t k = 0;
            for (; k + 16 <= K; k += 16) {
                __m512 x = _mm512_loadu_ps(ai + k);
                c0 = _mm512_fmadd_ps(_mm512_loadu_ps(b0 + k), x, c0);
                c1 = _mm512_fmadd_ps(_mm512_loadu_ps(b1 + k), x, c1);
                c2 = _mm512_fmadd_ps(_mm512_loadu_ps(b2 + k), x, c2);
                c3 = _mm512_fmadd_ps(_mm512_loadu_ps(b3 + k), x, c3);
            }
            if (k < K) {
                __m512 x = _mm512_maskz_loadu_ps(mk, ai + k);
                c0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, b0 + k), x, c0);
                c1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, b1 + k), x, c1);
                c2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, b2 + k), x, c2);
                c3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, b3 + k), x, c3);
            }
            /* The tree for the four columns at once: in each 128-bit lane
             * (v0 + v1) + (v2 + v3) per column, then (lane 0 + lane 1) +
             * (lane 2 + lane 3). */
            __m512 lo01 = _mm512_unpacklo_ps(c0, c1), hi01 = _mm512_unpackhi_ps(c0, c1);
            __m512 lo23 = _mm512_unpacklo_ps(c2, c3), hi23 = _mm512_unpackhi_ps(c2, c3);
            __m512 e0 = _mm512_shuffle_ps(lo01, lo23, _MM_SHUFFLE(1, 0, 1, 0)); /* v0 of each */
            __m512 e1 = _mm512_shuffle_ps(lo01, lo23, _MM_SHUFFLE(3, 2, 3, 2)); /* v1 */
            __m512 e2 = _mm512_shuffle_ps(hi01, hi23, _MM_SHUFFLE(1, 0, 1, 0)); /* v2 */
            __m512 e3 = _mm512_shuffle_ps(hi01, hi23, _MM_SHUFFLE(3, 2, 3, 2)); /* v3 */
            __m512 t = _mm512_add_ps(_mm512_add_ps(e0, e1), _mm512_add_ps(e2, e3));
            __m128 r = _mm_add_ps(_mm_add_ps(_mm512_extractf32x4_ps(t, 0), _mm512_extractf32x4_ps(t, 1)),
                                  _mm_add_ps(_mm512_extractf32x4_ps(t, 2), _mm512_extractf32x4_ps(t, 3)));
            size_t c = n16 + 4 * gq, nc = left - 4 * gq < 4 ? left - 4 * gq : 4;
            if (nc < 4 && i >= (B & ~(size_t)3)) {
                /* The last one to three columns, in the rows after the
                 * last whole group of four rows: halves, quarters, pairs. */
                __m512 cv[3] = {c0, c1, c2};
                float rr[4] = {0, 0, 0, 0};
                for (size_t q = 0; q < nc; q++) {
                    float v[16], t8[8], u[4];
                    _mm512_storeu_ps(v, cv[q]);
                    for (int e = 0; e < 8; e++) t8[e] = v[e] + v[e + 8];
                    for (int e = 0; e < 4; e++) u[e] = t8[e] + t8[e + 4];
                    rr[q] = (u[0] + u[2]) + (u[1] + u[3]);
                }
                r = _mm_loadu_ps(rr);
            }
            __mmask8 mc = (__mmask8)((1u << nc) - 1);
            __m128 sv = _mm_maskz_loadu_ps(mc, sel + i * n + c);
            r = _mm_maskz_mov_ps(_mm_cmp_ps_mask(sv, z, _CMP_GT_OQ), r);
            _mm_mask_storeu_ps(h + i * n + c, mc, r);
        }
    }
}
#endif

static void sgemm0(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, size_t M, size_t N, size_t K,
                   const float *A, size_t lda, const float *B, size_t ldb, float *C, size_t ldc);
static void relu(float *restrict h, size_t n);
static void relu_mask(float *restrict g, const float *restrict a, size_t n);

/* One product's shape: which (0 the forward product: sgemm0 with B
 * transposed, then relu; 1 the deltas': sgemm0, then relu_mask; 2 the
 * weight gradient's: sgemm Tᵀ·N added into the accumulator, as
 * gv_mlp_work_own_kernel), K, n, and for each row count B <= CHUNK_MAX
 * whether the kernel gives OpenBLAS's bits there: ok[B] is CHAIN_UNKNOWN
 * until chain_use checks it. */
typedef struct chain_shape {
    size_t K, n;
    int which;
    unsigned char ok[CHUNK_MAX + 1];
} chain_shape;

/* The shape's entry in the process's table, or NULL (never the kernel). */
static chain_shape *chain_shape_of(size_t K, size_t n, int which)
{
#ifdef __AVX512F__
    static chain_shape table[256];
    static int ntable;
    chain_shape *s = NULL;
    if (n < 1 || n > CHAIN_MAX_N || K < 1 || K > 4096) return NULL;
#pragma omp critical(gv_mlp_chain)
    {
        for (int i = 0; i < ntable && !s; i++)
            if (table[i].K == K && table[i].n == n && table[i].which == which) s = &table[i];
        if (!s && ntable < 256) {
            s = &table[ntable++];
            s->K = K, s->n = n, s->which = which;
        }
    }
    return s;
#else
    (void)K, (void)n, (void)which;
    return NULL;
#endif
}

static int chain_check(size_t K, size_t n, size_t B, int which);
/* How B rows of the product run: CHAIN_YES (the kernel), CHAIN_BLOCKS (the
 * weight gradient in OpenBLAS's blocks), CHAIN_DOT (the deltas with the
 * dot-product tail) or CHAIN_NO (OpenBLAS).  Checked the first time a row
 * count comes (threads that race check it twice and store the same
 * answer). */
static int chain_use(chain_shape *s, size_t B)
{
    if (!s || B < 1 || B > CHUNK_MAX) return CHAIN_NO;
    int v = __atomic_load_n(&s->ok[B], __ATOMIC_RELAXED);
    if (v == CHAIN_UNKNOWN) {
        v = chain_check(s->K, s->n, B, s->which);
        __atomic_store_n(&s->ok[B], (unsigned char)v, __ATOMIC_RELAXED);
    }
    return v;
}

#ifdef __AVX512F__
/* The ways of computing B rows of the product that give the OpenBLAS path's
 * bits on one set of test data: bits 1 << CHAIN_YES, CHAIN_BLOCKS,
 * CHAIN_DOT.  Trial 0: values of both signs over 8 binades with exact
 * zeros, and the product's own activation.  Later trials: other data over 3
 * binades and no activation (sel all 1: every output compared). */
static unsigned chain_trial(size_t K, size_t n, size_t B, int which, int trial, float *a, float *w,
                            float *wt, float *sel, float *h1, float *h2)
{
    size_t na = B * K, nw = K * n;
    uint64_t s = 0x9e3779b97f4a7c15ull * (uint64_t)(trial + 1);
    for (size_t k = 0; k < na + nw + B * n; k++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        /* Uniform in [-1/2, 1/2) on a grid of 2⁻²⁴, times a power of two:
         * all exact in float (and cheap: the check runs for every new row
         * count of a run). */
        float v = (float)((int32_t)(s >> 40) - (1 << 23)) * 0x1p-24f;
        if (trial == 0) {
            v *= (float)(1u << ((s >> 20) & 7));
            if (((s >> 30) & 7) == 0) v = 0.0f;
        } else {
            v *= (float)(1u << ((s >> 20) % 3));
        }
        if (k < na) a[k] = v;
        else if (k < na + nw) w[k - na] = v;
        else sel[k - na - nw] = trial && which != 2 ? 1.0f : v;
    }
    unsigned ways = 0;
    if (which == 2) {
        /* c (K × n) += aᵀ sel over B rows (a is B × K, sel B × n); c starts
         * from test data. */
        memcpy(h1, w, nw * sizeof *h1);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)n, (int)B, 1.0f, a, (int)K,
                    sel, (int)n, 1.0f, h1, (int)n);
        memcpy(h2, w, nw * sizeof *h2);
        chain_tn(a, B, K, sel, n, h2);
        if (!memcmp(h1, h2, nw * sizeof *h1)) ways |= 1u << CHAIN_YES;
        memcpy(h2, w, nw * sizeof *h2);
        chain_tn_blocks(a, B, K, sel, n, h2);
        if (!memcmp(h1, h2, nw * sizeof *h1)) ways |= 1u << CHAIN_BLOCKS;
        return ways;
    }
    const float *b = w;
    if (which == 1) {
        sgemm0(CblasNoTrans, CblasNoTrans, B, n, K, a, K, w, n, h1, n);
    } else {
        /* The forward product reads the weights as n × K (Wᵀ); chain()
         * reads K × n. */
        for (size_t j = 0; j < n; j++)
            for (size_t k = 0; k < K; k++) wt[k * n + j] = w[j * K + k];
        sgemm0(CblasNoTrans, CblasTrans, B, n, K, a, K, w, K, h1, n);
        b = wt;
    }
    if (which == 1 || trial) relu_mask(h1, sel, B * n);
    else relu(h1, B * n);
    chain(a, B, K, b, n, which == 1 || trial ? sel : NULL, h2);
    if (!memcmp(h1, h2, B * n * sizeof *h1)) ways |= 1u << CHAIN_YES;
    if (which == 1 && chain_dot_fits(K, n)) {
        chain_dot(a, B, K, w, n, sel, h2);
        if (!memcmp(h1, h2, B * n * sizeof *h1)) ways |= 1u << CHAIN_DOT;
    }
    return ways;
}
#endif

/* How B rows of the product can run: the first way that gives the OpenBLAS
 * path's bits exactly in every trial, else CHAIN_NO. */
#define CHAIN_TRIALS 16
static int chain_check(size_t K, size_t n, size_t B, int which)
{
#ifdef __AVX512F__
    int ok = CHAIN_NO;
    size_t na = B * K, nw = K * n, nh = (B > K ? B : K) * n;
    float *a = aligned_alloc(64, align16(na) * sizeof *a),
          *w = aligned_alloc(64, align16(nw) * sizeof *w),
          *wt = aligned_alloc(64, align16(nw) * sizeof *wt),
          *sel = aligned_alloc(64, align16(B * n) * sizeof *sel),
          *h1 = aligned_alloc(64, align16(nh) * sizeof *h1),
          *h2 = aligned_alloc(64, align16(nh) * sizeof *h2);
    if (a && w && wt && sel && h1 && h2) {
        /* Where two orders of summation differ, random data still gives
         * the same float in about 40 % of the outputs (measured for the
         * trees of chain_dot), and an order may differ in a single output
         * (the last row and column): CHAIN_TRIALS trials make accepting a
         * wrong order there a chance of about 0.4^CHAIN_TRIALS (4e-7). */
        unsigned ways = ~0u;
        for (int trial = 0; trial < CHAIN_TRIALS && ways; trial++)
            ways &= chain_trial(K, n, B, which, trial, a, w, wt, sel, h1, h2);
        for (int way = CHAIN_YES; way < CHAIN_NO && ok == CHAIN_NO; way++)
            if (ways >> way & 1) ok = way;
    }
    free(a), free(w), free(wt), free(sel), free(h1), free(h2);
    return ok;
#else
    (void)K, (void)n, (void)B, (void)which;
    return CHAIN_NO;
#endif
}

gv_mlp_work *gv_mlp_work_alloc(const gv_mlp *m, size_t max_rows, int nthreads, gv_err *e)
{
    if (nthreads < 1) nthreads = 1;
    gv_mlp_work *ws = calloc(1, sizeof *ws);
    if (!ws) goto oom;
    ws->m = m;
    ws->nthreads = nthreads;
    size_t C = m->chunk, nw = m->nw;
    size_t per = align16(C * m->d) + align16(C * m->sumh) + 2 * align16(C * m->maxw) +
                 2 * align16(C) + align16(nw);
    ws->wf = aligned_alloc(64, align16(nw) * sizeof(float));
    ws->thr = calloc((size_t)nthreads, sizeof *ws->thr);
    ws->block = aligned_alloc(64, per * (size_t)nthreads * sizeof(float));
    if (!ws->wf || !ws->thr || !ws->block) goto oom;
    float *p = ws->block;
    for (int t = 0; t < nthreads; t++) {
        thr_buf *b = &ws->thr[t];
        b->x = p;  p += align16(C * m->d);
        b->h = p;  p += align16(C * m->sumh);
        b->g0 = p; p += align16(C * m->maxw);
        b->g1 = p; p += align16(C * m->maxw);
        b->f = p;  p += align16(C);
        b->df = p; p += align16(C);
        b->gw = p; p += align16(nw);
    }
    if (reserve_parts(ws, nparts(max_rows), e) != GV_OK) {
        gv_mlp_work_free(ws);
        return NULL;
    }
    /* The hidden layers' products (the output layer's are matrix–vector
     * products); deltas into layer l - 1's outputs, so none through layer 0. */
    /* A forward product runs in the kernel only if it does for a chunk (or
     * all rows, if fewer): else it would cost a transpose of the layer's
     * weights at every evaluation for nothing (OpenBLAS's AVX2 cores). */
    int any_fw = 0;
    size_t typical = max_rows < C ? max_rows : C;
    for (size_t l = 0; l + 1 < m->nlayers; l++) {
        ws->fw[l] = chain_shape_of(m->in[l], m->out[l], 0);
        if (chain_use(ws->fw[l], typical) != CHAIN_YES) ws->fw[l] = NULL;
        ws->dl[l] = l > 0 ? chain_shape_of(m->out[l], m->in[l], 1) : NULL;
        ws->wg[l] = chain_shape_of(m->out[l], m->in[l], 2);
        any_fw |= ws->fw[l] != NULL;
    }
    if (any_fw) {
        ws->wt = aligned_alloc(64, align16(nw) * sizeof(float));
        if (!ws->wt) goto oom;
    }
    return ws;
oom:
    gv_mlp_work_free(ws);
    gv_fail(e, GV_ENOMEM, "mlp: cannot allocate the workspace for %d threads", nthreads);
    return NULL;
}

void gv_mlp_work_free(gv_mlp_work *ws)
{
    if (!ws) return;
    free(ws->wf);
    free(ws->wt);
    free(ws->acc);
    free(ws->stats);
    free(ws->thr);
    free(ws->block);
    free(ws);
}

/* ---- the kernel ---------------------------------------------------------- */

/* C = A·op(B) into a zeroed C through beta = 1.  Same bits as beta = 0
 * (OpenBLAS then zero-fills C itself and its kernels also add into C: the
 * sum is acc + 0 either way), but OpenBLAS's zero fill (sgemm_beta) is a
 * scalar loop, several times slower than memset; on these narrow layers it
 * cost 12 % of a step.  See docs/performance.md. */
static void sgemm0(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, size_t M, size_t N, size_t K,
                   const float *A, size_t lda, const float *B, size_t ldb, float *C, size_t ldc)
{
    memset(C, 0, M * ldc * sizeof *C);
    cblas_sgemm(CblasRowMajor, ta, tb, (int)M, (int)N, (int)K, 1.0f, A, (int)lda, B, (int)ldb, 1.0f,
                C, (int)ldc);
}

/* Branch-free, vectorised (a data-dependent branch per element costs more
 * than the GEMMs on these narrow layers). */
static void relu(float *restrict h, size_t n)
{
#pragma omp simd
    for (size_t k = 0; k < n; k++) h[k] = h[k] > 0.0f ? h[k] : 0.0f;
}

/* g ⊙ (a > 0): the ReLU derivative, with 0 at 0 as PyTorch. */
static void relu_mask(float *restrict g, const float *restrict a, size_t n)
{
#pragma omp simd
    for (size_t k = 0; k < n; k++) g[k] = a[k] > 0.0f ? g[k] : 0.0f;
}

/* Forward pass of B rows starting at x (B × d): the hidden activations go to
 * b->h, the outputs to b->f. */
static void forward_chunk(const gv_mlp *m, const gv_mlp_work *ws, const float *x, size_t B,
                          thr_buf *b)
{
    const float *a = x, *wf = ws->wf;
    float *h = b->h;
    size_t L = m->nlayers - 1;
    for (size_t l = 0; l < L; l++) {
        size_t out = m->out[l], in = m->in[l];
#ifdef __AVX512F__
        if (chain_use(ws->fw[l], B) == CHAIN_YES) {
            chain(a, B, in, ws->wt + m->off[l], out, NULL, h); /* ReLU included */
            PROF(GV_PROF_FORWARD);
            a = h;
            h += B * out;
            continue;
        }
#endif
        sgemm0(CblasNoTrans, CblasTrans, B, out, in, a, in, wf + m->off[l], in, h, out);
        PROF(GV_PROF_FORWARD);
        relu(h, B * out);
        PROF(GV_PROF_OWN);
        a = h;
        h += B * out;
    }
    cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)B, (int)m->in[L], 1.0f, a, (int)m->in[L],
                wf + m->off[L], 1, 0.0f, b->f, 1);
    PROF(GV_PROF_FORWARD);
}

/* Move the rows listed in keep[0..nk) (increasing) to the front of a B × n
 * row-major block (in place: keep[j] >= j). */
static void compact_rows(float *a, size_t n, const uint32_t *keep, size_t nk)
{
    for (size_t j = 0; j < nk; j++)
        if (keep[j] != j) memcpy(a + j * n, a + (size_t)keep[j] * n, n * sizeof *a);
}

/* Backward pass of the nk rows left in b after compaction, df in b->df:
 * accumulates into b->gw (beta = 0 for the first chunk of a partition). */
static void backward_chunk(const gv_mlp *m, const gv_mlp_work *ws, const float *x, size_t B,
                           size_t nk, float beta, thr_buf *b)
{
    const float *wf = ws->wf;
    size_t L = m->nlayers - 1;
    /* Start of each hidden layer's activations in b->h (laid out for B rows,
     * the kept rows compacted to the front of each layer). */
    float *hl[GV_MLP_MAX_LAYERS];
    float *h = b->h;
    for (size_t l = 0; l < L; l++) { hl[l] = h; h += B * m->out[l]; }
    const float *aL = L > 0 ? hl[L - 1] : x;
    size_t inL = m->in[L];
    /* Output layer: grad += a^T df; delta_{L-1} = df w ⊙ (a > 0). */
    PROF_START;
    cblas_sgemv(CblasRowMajor, CblasTrans, (int)nk, (int)inL, 1.0f, aL, (int)inL, b->df, 1, beta,
                b->gw + m->off[L], 1);
    PROF(GV_PROF_WGRAD);
    if (L == 0) return;
    const float *wo = wf + m->off[L];
    float *g = b->g0, *gn = b->g1;
    /* df_i w, then the mask in one vectorised pass (a select of df_i w_j
     * inside this loop compiles to a branch per element: 3 % of a step). */
    for (size_t i = 0; i < nk; i++) {
        float di = b->df[i];
        float *restrict gi = g + i * inL;
#pragma omp simd
        for (size_t j = 0; j < inL; j++) gi[j] = di * wo[j];
    }
    relu_mask(g, aL, nk * inL);
    PROF(GV_PROF_DELTA);
    if (beta == 0.0f) memset(b->gw, 0, m->off[L] * sizeof *b->gw); /* as sgemm0 */
    for (size_t l = L; l-- > 0;) {
        size_t out = m->out[l], in = m->in[l];
        const float *a = l > 0 ? hl[l - 1] : x;
#ifdef __AVX512F__
        int use = chain_use(ws->wg[l], nk);
        if (use == CHAIN_YES)
            chain_tn(g, nk, out, a, in, b->gw + m->off[l]);
        else if (use == CHAIN_BLOCKS)
            chain_tn_blocks(g, nk, out, a, in, b->gw + m->off[l]);
        else
#endif
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)out, (int)in, (int)nk, 1.0f, g,
                        (int)out, a, (int)in, 1.0f, b->gw + m->off[l], (int)in);
        PROF(GV_PROF_WGRAD);
        if (l == 0) break;
#ifdef __AVX512F__
        int usd = chain_use(ws->dl[l], nk);
        if (usd == CHAIN_YES) {
            chain(g, nk, out, wf + m->off[l], in, a, gn); /* the mask included */
        } else if (usd == CHAIN_DOT) {
            chain_dot(g, nk, out, wf + m->off[l], in, a, gn);
        } else
#endif
        {
            sgemm0(CblasNoTrans, CblasNoTrans, nk, in, out, g, out, wf + m->off[l], in, gn, in);
            relu_mask(gn, a, nk * in);
        }
        PROF(GV_PROF_DELTA);
        float *t = g; g = gn; gn = t;
    }
}

/* Rows [r0, r1) of the evaluation (through `rows` if given) as one partition:
 * statistics into st[0..3), gradient (if want_grad) into acc[0..nw), outputs
 * (if fout) into fout[r0..r1). */
static void run_partition(const gv_mlp *m, const gv_mlp_work *ws, const gv_data *data,
                          const uint32_t *rows, size_t r0, size_t r1, int want_grad,
                          double *fout, thr_buf *b, double *st, double *acc)
{
    size_t C = m->chunk, d = m->d;
    double loss = 0, correct = 0, unsat = 0;
    int have = 0; /* the float accumulator b->gw holds this partition's sum */
    uint32_t keep[CHUNK_MAX];
    PROF_START;
    for (size_t c0 = r0; c0 < r1; c0 += C) {
        size_t B = r1 - c0 < C ? r1 - c0 : C;
        const float *x;
        if (rows) {
            for (size_t i = 0; i < B; i++)
                memcpy(b->x + i * d, data->X + (size_t)rows[c0 + i] * d, d * sizeof(float));
            x = b->x;
        } else {
            x = data->X + c0 * d;
        }
        PROF(GV_PROF_OWN); /* the gather */
        forward_chunk(m, ws, x, B, b);
        size_t nk = 0;
        for (size_t i = 0; i < B; i++) {
            size_t r = rows ? rows[c0 + i] : c0 + i;
            double y = data->y[r], f = b->f[i];
            if (fout) fout[c0 + i] = f;
            double yf = y * f;
            correct += yf > 0;
            if (yf < 1) {
                double mg = 1 - yf;
                unsat += 1;
                loss += 0.5 * mg * mg;
                b->df[nk] = (float)(-y * mg);
                keep[nk++] = (uint32_t)i;
            }
        }
        if (!want_grad || nk == 0) continue;
        /* Satisfied rows contribute exact zeros: drop them before the
         * backward pass (2/3 of the flops). */
        if (nk < B) {
            if (rows) compact_rows(b->x, d, keep, nk);
            float *h = b->h;
            for (size_t l = 0; l + 1 < m->nlayers; l++) {
                compact_rows(h, m->out[l], keep, nk);
                h += B * m->out[l];
            }
            /* Unsubsetted input rows are not compacted in place (they are
             * the dataset): gather them. */
            if (!rows) {
                for (size_t j = 0; j < nk; j++)
                    memcpy(b->x + j * d, x + (size_t)keep[j] * d, d * sizeof(float));
                x = b->x;
            }
        }
        PROF(GV_PROF_OWN); /* hinge and compaction */
        backward_chunk(m, ws, x, B, nk, have ? 1.0f : 0.0f, b);
        have = 1;
    }
    PROF(GV_PROF_OWN);
    st[0] = loss;
    st[1] = correct;
    st[2] = unsat;
    st[3] = have; /* acc == NULL: the sum stays in b->gw for reduce_grad */
    if (want_grad && acc) {
        if (have)
            for (size_t k = 0; k < m->nw; k++) acc[k] = b->gw[k];
        else
            memset(acc, 0, m->nw * sizeof *acc);
    }
}

static gv_status check_args(const gv_mlp *m, gv_mlp_work *ws, const gv_data *data,
                            const uint32_t *rows, size_t nrows, int need_y, gv_err *e)
{
    if (!m || !ws || !data) return gv_fail(e, GV_EINVAL, "mlp: network, workspace and data are required");
    if (ws->m != m) return gv_fail(e, GV_EINVAL, "mlp: workspace was built for another network");
    if (data->d != m->d)
        return gv_fail(e, GV_EDIM, "mlp: %s has %zu features per row but the network expects d = %zu",
                       data->name, data->d, m->d);
    if (need_y && !data->y)
        return gv_fail(e, GV_EINVAL, "mlp: %s has no ±1 labels; binarise it first "
                       "(dataset:binarize(\"parity\") or a class map)", data->name);
    if (rows) {
        if (nrows == 0) return gv_fail(e, GV_EINVAL, "mlp: empty row list");
        for (size_t i = 0; i < nrows; i++)
            if (rows[i] >= data->P)
                return gv_fail(e, GV_EINVAL, "mlp: row index %u (position %zu) is out of range: %s has %zu rows",
                               rows[i], i, data->name, data->P);
    } else if (data->P == 0) {
        return gv_fail(e, GV_EINVAL, "mlp: %s has no rows", data->name);
    }
    return GV_OK;
}

/* Parallel driver shared by eval and forward. */
static void run_all(const gv_mlp *m, gv_mlp_work *ws, const gv_data *data, const uint32_t *rows,
                    size_t n, size_t np, int want_grad, double *fout)
{
    int nt = ws->nthreads < (int)np ? ws->nthreads : (int)np;
    size_t nw = m->nw;
#ifdef _OPENMP
    if (nt > 1) {
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
        for (size_t p = 0; p < np; p++) {
            thr_buf *b = &ws->thr[omp_get_thread_num()];
            run_partition(m, ws, data, rows, p * n / np, (p + 1) * n / np, want_grad, fout, b,
                          ws->stats + 4 * p, ws->acc + p * nw);
        }
        return;
    }
#endif
    /* One partition (SGD's batches): its float sum stays in the buffer and
     * reduce_grad reads it there, without a pass through ws->acc. */
    for (size_t p = 0; p < np; p++)
        run_partition(m, ws, data, rows, p * n / np, (p + 1) * n / np, want_grad, fout,
                      &ws->thr[0], ws->stats + 4 * p, np > 1 ? ws->acc + p * nw : NULL);
}

void gv_mlp_work_loss_check_only(gv_mlp_work *ws, int on) { ws->loss_check = on != 0; }
uint64_t gv_mlp_work_own_kernel(const gv_mlp_work *ws, int which)
{
    chain_shape *const *s = which == 2 ? ws->wg : which ? ws->dl : ws->fw;
    uint64_t bits = 0;
    for (size_t l = 0; l + 1 < ws->m->nlayers; l++)
        if (chain_use(s[l], ws->m->chunk) != CHAIN_NO) bits |= (uint64_t)1 << l;
    return bits;
}
void gv_mlp_work_blas_only(gv_mlp_work *ws)
{
    for (size_t l = 0; l < GV_MLP_MAX_LAYERS; l++) ws->fw[l] = ws->dl[l] = ws->wg[l] = NULL;
}

int gv_mlp_chain_kernel(const float *a, size_t B, size_t K, const float *b, size_t n,
                        const float *sel, float *h)
{
#ifdef __AVX512F__
    if (n < 1 || n > CHAIN_MAX_N) return 0;
    chain(a, B, K, b, n, sel, h);
    return 1;
#else
    (void)a, (void)B, (void)K, (void)b, (void)n, (void)sel, (void)h;
    return 0;
#endif
}

int gv_mlp_chain_tn_kernel(const float *g, size_t K, size_t m, const float *a, size_t n, float *c,
                           int blocks)
{
#ifdef __AVX512F__
    if (n < 1 || n > CHAIN_MAX_N) return 0;
    if (blocks) chain_tn_blocks(g, K, m, a, n, c);
    else chain_tn(g, K, m, a, n, c);
    return 1;
#else
    (void)g, (void)K, (void)m, (void)a, (void)n, (void)c, (void)blocks;
    return 0;
#endif
}

int gv_mlp_chain_dot_kernel(const float *a, size_t B, size_t K, const float *b, size_t n,
                            const float *sel, float *h)
{
#ifdef __AVX512F__
    if (n > CHAIN_MAX_N || !chain_dot_fits(K, n)) return 0;
    chain_dot(a, B, K, b, n, sel, h);
    return 1;
#else
    (void)a, (void)B, (void)K, (void)b, (void)n, (void)sel, (void)h;
    return 0;
#endif
}

/* |w|² summed in index order (the loss's bits depend on this order). */
static double sumsq_ordered(const double *w, size_t n)
{
    double s = 0;
    for (size_t k = 0; k < n; k++) s += w[k] * w[k];
    return s;
}

/* The loss data_loss + (λ/2)|w|².  In loss-check mode |w|² is first summed
 * in 8 interleaved partial sums (vectorised; the ordered sum is a chain of
 * dependent additions, 7 % of an SGD step at w = 72): every term is >= 0, so
 * the ordered sum differs from it by a relative 2·N·2⁻⁵³ at most, and when
 * the result is far from overflow the exact loss is finite too.  Otherwise,
 * and outside that mode, the ordered sum. */
static double loss_of(const gv_mlp_work *ws, const double *w, size_t n, double data_loss,
                      double lambda)
{
    if (ws->loss_check && isfinite(data_loss)) {
        double p[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        size_t k = 0;
        for (; k + 8 <= n; k += 8)
            for (int j = 0; j < 8; j++) p[j] += w[k + j] * w[k + j];
        for (; k < n; k++) p[0] += w[k] * w[k];
        double s = ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
        double loss = data_loss + 0.5 * lambda * s;
        if (loss < 1e300) return loss;
    }
    return data_loss + 0.5 * lambda * sumsq_ordered(w, n);
}

/* grad = (Σ_p acc_p)/n + λw.  Each coordinate sums its partitions in index
 * order, starting from 0 (so -0 sums to +0 as before): any split of the
 * coordinates over threads, and vectorising over them, gives the same bits. */
static void reduce_grad(const gv_mlp_work *ws, const double *restrict w, size_t np, size_t n,
                        double lambda, double *restrict grad)
{
    size_t nw = ws->m->nw;
    const double *restrict acc = ws->acc;
    double inv = 1.0 / (double)n;
    int nt = ws->nthreads;
    (void)nt;
    if (np == 1) { /* the float sum in thread 0's buffer (run_all): as below, in one pass */
        const float *restrict gw = ws->thr[0].gw;
        if (ws->stats[3] != 0) {
#pragma omp simd
            for (size_t k = 0; k < nw; k++) grad[k] = (0.0 + (double)gw[k]) * inv + lambda * w[k];
        } else { /* no unsatisfied row: a zero sum */
#pragma omp simd
            for (size_t k = 0; k < nw; k++) grad[k] = (0.0 + 0.0) * inv + lambda * w[k];
        }
        return;
    }
    size_t nb = (nw + 1023) / 1024; /* blocks of 1024 coordinates */
    /* Threads only for big sums: below 2M additions (0.5 ms) a parallel
     * region costs more than it saves, much more on busy cores. */
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1 && nw * np > (1u << 21))
    for (size_t blk = 0; blk < nb; blk++) {
        size_t k0 = blk * 1024, k1 = k0 + 1024 < nw ? k0 + 1024 : nw;
#pragma omp simd
        for (size_t k = k0; k < k1; k++) grad[k] = 0.0 + acc[k];
        for (size_t p = 1; p < np; p++) {
            const double *restrict a = acc + p * nw;
#pragma omp simd
            for (size_t k = k0; k < k1; k++) grad[k] += a[k];
        }
#pragma omp simd
        for (size_t k = k0; k < k1; k++) grad[k] = grad[k] * inv + lambda * w[k];
    }
}

#ifdef __AVX512F__
/* dst (16 × 16, rows ldd apart) = the transpose of src (rows lds apart):
 * pairs of rows interleaved, then pairs of pairs, then 128-bit lanes. */
static void transpose16(const float *src, size_t lds, float *dst, size_t ldd)
{
    __m512 r[16], t[16];
    for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_ps(src + i * lds);
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
#define PD(x) _mm512_castps_pd(x)
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(PD(t[i]), PD(t[i + 2])));
        r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(PD(t[i]), PD(t[i + 2])));
        r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(PD(t[i + 1]), PD(t[i + 3])));
        r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(PD(t[i + 1]), PD(t[i + 3])));
    }
#undef PD
    for (int g = 0; g < 16; g += 8)
        for (int i = 0; i < 4; i++) {
            t[g + i] = _mm512_shuffle_f32x4(r[g + i], r[g + i + 4], _MM_SHUFFLE(2, 0, 2, 0));
            t[g + i + 4] = _mm512_shuffle_f32x4(r[g + i], r[g + i + 4], _MM_SHUFFLE(3, 1, 3, 1));
        }
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], _MM_SHUFFLE(2, 0, 2, 0));
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], _MM_SHUFFLE(3, 1, 3, 1));
    }
    for (int i = 0; i < 16; i++) _mm512_storeu_ps(dst + i * ldd, r[i]);
}
#endif

/* The weights in float32 for the kernel, and the transposes chain() reads
 * for the forward products. */
static void to_float(gv_mlp_work *ws, const double *restrict w)
{
    const gv_mlp *m = ws->m;
    float *restrict f = ws->wf;
    size_t n = m->nw;
#pragma omp simd
    for (size_t k = 0; k < n; k++) f[k] = (float)w[k];
    for (size_t l = 0; l + 1 < m->nlayers; l++) {
        if (!ws->fw[l]) continue;
        size_t in = m->in[l], out = m->out[l];
        const float *src = f + m->off[l];
        float *dst = ws->wt + m->off[l];
        /* In 16 × 16 tiles, in registers where whole: element by element
         * the transposes took a tenth of an SGD step at w = 72. */
        for (size_t j0 = 0; j0 < out; j0 += 16)
            for (size_t k0 = 0; k0 < in; k0 += 16) {
                size_t j1 = j0 + 16 < out ? j0 + 16 : out, k1 = k0 + 16 < in ? k0 + 16 : in;
#ifdef __AVX512F__
                if (j1 - j0 == 16 && k1 - k0 == 16) {
                    transpose16(src + j0 * in + k0, in, dst + k0 * out + j0, out);
                    continue;
                }
#endif
                for (size_t k = k0; k < k1; k++)
                    for (size_t j = j0; j < j1; j++) dst[k * out + j] = src[j * in + k];
            }
    }
}

gv_status gv_mlp_eval(const gv_mlp *m, gv_mlp_work *ws, const double *w,
                      const gv_data *data, const uint32_t *rows, size_t nrows,
                      double lambda, double *grad, gv_eval *out, gv_err *e)
{
    gv_status s = check_args(m, ws, data, rows, nrows, 1, e);
    if (s != GV_OK) return s;
    size_t n = rows ? nrows : data->P, nw = m->nw, np = nparts(n);
    if ((s = reserve_parts(ws, np, e)) != GV_OK) return s;
    PROF_START;
    to_float(ws, w);
    PROF(GV_PROF_REDUCE);
    run_all(m, ws, data, rows, n, np, grad != NULL, NULL);
    PROF_START;
    /* Fixed-order reductions. */
    double loss = 0, correct = 0, unsat = 0;
    for (size_t p = 0; p < np; p++) {
        loss += ws->stats[4 * p];
        correct += ws->stats[4 * p + 1];
        unsat += ws->stats[4 * p + 2];
    }
    if (grad) reduce_grad(ws, w, np, n, lambda, grad);
    if (out) {
        out->data_loss = loss / (double)n;
        out->loss = loss_of(ws, w, nw, out->data_loss, lambda);
        PROF(GV_PROF_REDUCE);
        out->accuracy = correct / (double)n;
        out->unsat = unsat / (double)n;
        out->n = n;
    }
    return GV_OK;
}

gv_status gv_mlp_forward(const gv_mlp *m, gv_mlp_work *ws, const double *w,
                         const gv_data *data, double *f, gv_err *e)
{
    gv_status s = check_args(m, ws, data, NULL, 0, 0, e);
    if (s != GV_OK) return s;
    size_t n = data->P, np = nparts(n);
    if ((s = reserve_parts(ws, np, e)) != GV_OK) return s;
    to_float(ws, w);
    /* Forward only: the labels are not needed, but run_partition reads y for
     * its statistics, so use a label-free path. */
    if (!data->y) {
        gv_data tmp = *data;
        int8_t *ones = malloc(n);
        if (!ones) return gv_fail(e, GV_ENOMEM, "mlp: out of memory");
        memset(ones, 1, n);
        tmp.y = ones;
        run_all(m, ws, &tmp, NULL, n, np, 0, f);
        free(ones);
        return GV_OK;
    }
    run_all(m, ws, data, NULL, n, np, 0, f);
    return GV_OK;
}
