/* gv_chain.c: glassvm's kernel for layers at most 96 wide (gv_chain.h).
 *
 * OpenBLAS's sgemm on a chunk's narrow layers (512 × 30 × 30) runs at about
 * half the machine's peak, and the ReLU (or its derivative's mask) and the
 * zero fill around it are more passes.  The kernel computes, for a tile of
 * R rows and n <= 96 columns in AVX-512 registers (R × ceil(n/16) vectors),
 *   out[r][j] = epi(Σ_k x[r·sx + k·sk] · b[k][j]),
 * every output one FMA chain over k from 0, and epi in the store: the ReLU
 * (forward products, as gv_relu()), the ReLU derivative's mask sel[r][j] > 0
 * (the deltas, as gv_relu_mask()), or an add into out (weight gradients, into
 * the partition's accumulator).  OpenBLAS's AVX-512 kernels sum most of
 * these shapes the same way, so the bits are OpenBLAS's; where they do not
 * (its AVX2 kernels, its small-matrix kernels at some shapes, its level-3
 * driver's blocking of long sums) OpenBLAS runs.  Which row counts of a
 * product run here is established bit for bit on test data, once per shape,
 * row count and process (gv_chain_use): the choice changes speed, never
 * results.  AVX2 builds without AVX-512 use gv_chain_hsw.c's kernel, which
 * sums in the orders of OpenBLAS's AVX2 cores; builds with neither compile
 * the kernel out. */
#include "gv_chain.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __AVX512F__
#include <immintrin.h>
#define CHAIN_KERNEL 1
#elif defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define CHAIN_KERNEL 2 /* gv_chain_hsw.c */
#else
#define CHAIN_KERNEL 0
#endif

/* ---- the OpenBLAS path -------------------------------------------------- */

/* C = A·op(B) into a zeroed C through beta = 1.  Same bits as beta = 0
 * (OpenBLAS then zero-fills C itself and its kernels also add into C: the
 * sum is acc + 0 either way), but OpenBLAS's zero fill (sgemm_beta) is a
 * scalar loop, several times slower than memset; on these narrow layers it
 * cost 12 % of a step.  See docs/performance.md. */
void gv_sgemm0(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, size_t M, size_t N, size_t K,
               const float *A, size_t lda, const float *B, size_t ldb, float *C, size_t ldc)
{
    memset(C, 0, M * ldc * sizeof *C);
    cblas_sgemm(CblasRowMajor, ta, tb, (int)M, (int)N, (int)K, 1.0f, A, (int)lda, B, (int)ldb, 1.0f,
                C, (int)ldc);
}

/* Branch-free, vectorised (a data-dependent branch per element costs more
 * than the GEMMs on these narrow layers). */
void gv_relu(float *restrict h, size_t n)
{
#pragma omp simd
    for (size_t k = 0; k < n; k++) h[k] = h[k] > 0.0f ? h[k] : 0.0f;
}

/* g ⊙ (a > 0): the ReLU derivative, with 0 at 0 as PyTorch. */
void gv_relu_mask(float *restrict g, const float *restrict a, size_t n)
{
#pragma omp simd
    for (size_t k = 0; k < n; k++) g[k] = a[k] > 0.0f ? g[k] : 0.0f;
}

/* ---- the kernel ---------------------------------------------------------- */

#define CHAIN_MAX_N 96
/* OpenBLAS 0.3's level-3 driver cuts a product's inner dimension longer than
 * GEMM_Q (320 for its AVX-512 single-precision kernels) into blocks: Q while
 * 2Q or more remain, then the rest in two halves rounded up to 16; each
 * block is one chain added into C.  The weight gradient's inner dimension is
 * the chunk's rows (up to 512); chain_tn_blocks() sums in the same blocks. */
#define BLAS_GEMM_Q 320
#define BLAS_UNROLL 16
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
/* dst (nc × nr, rows ldd apart) = the transpose of src (nr × nc, rows lds
 * apart), nr, nc <= 16, in registers: pairs of rows interleaved, then pairs
 * of pairs, then 128-bit lanes (rows past nr and columns past nc are read
 * as zeros and not written). */
AINLINE void transpose16(const float *src, size_t lds, size_t nr, size_t nc, float *dst, size_t ldd)
{
    __m512 r[16], t[16];
    const __mmask16 mc = (__mmask16)((1u << nc) - 1), mr = (__mmask16)((1u << nr) - 1);
    /* Whole loops (the arrays stay in registers); a load or store with an
     * empty mask touches no memory. */
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++) r[i] = _mm512_maskz_loadu_ps((size_t)i < nr ? mc : 0, src + i * lds);
#pragma GCC unroll 16
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
#define PD(x) _mm512_castps_pd(x)
#pragma GCC unroll 16
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(PD(t[i]), PD(t[i + 2])));
        r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(PD(t[i]), PD(t[i + 2])));
        r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(PD(t[i + 1]), PD(t[i + 3])));
        r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(PD(t[i + 1]), PD(t[i + 3])));
    }
#undef PD
#pragma GCC unroll 16
    for (int g = 0; g < 16; g += 8)
#pragma GCC unroll 16
        for (int i = 0; i < 4; i++) {
            t[g + i] = _mm512_shuffle_f32x4(r[g + i], r[g + i + 4], _MM_SHUFFLE(2, 0, 2, 0));
            t[g + i + 4] = _mm512_shuffle_f32x4(r[g + i], r[g + i + 4], _MM_SHUFFLE(3, 1, 3, 1));
        }
#pragma GCC unroll 16
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], _MM_SHUFFLE(2, 0, 2, 0));
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], _MM_SHUFFLE(3, 1, 3, 1));
    }
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++) _mm512_mask_storeu_ps(dst + i * ldd, (size_t)i < nc ? mr : 0, r[i]);
}
/* One tile: R rows (x at sx apart, k at sk apart) × NV vectors of 16
 * columns (the last masked to n); b, sel and out have rows ld apart.
 * PAIR (n % 16 in 1..8, NV >= 2): the last vector holds the last columns of
 * two rows side by side, lanes 0-7 for an even row and 8-15 for the odd one
 * after it (its x blended from the two rows' broadcasts, b's last columns
 * in both halves): half the FMAs there, each output the same chain. */
AINLINE void chain_tile(const float *restrict x, size_t sx, size_t sk, size_t K,
                        const float *restrict b, size_t n, size_t ld, const float *restrict sel,
                        float *restrict out, int epi, const int NV, const int R, const int PAIR)
{
    const __m512 z = _mm512_setzero_ps();
    const int NF = NV - PAIR; /* whole vectors, the last masked unless PAIR */
    const size_t tail = n - 16 * (size_t)(NV - 1);
    const __mmask16 mt = tail >= 16 ? 0xFFFF : (__mmask16)((1u << tail) - 1);
    const size_t jp = 16 * (size_t)(NV - 1); /* the pair vector's first column */
    __m512 p[4] = {z, z, z, z};
#define CT_LD(v) ((v) == NV - 1 ? _mm512_maskz_loadu_ps(mt, bk + 16 * (v)) : _mm512_loadu_ps(bk + 16 * (v)))
#define CT_ROW(r) __m512 c##r##0 = z, c##r##1 = z, c##r##2 = z, c##r##3 = z, c##r##4 = z, c##r##5 = z;
#define CT_FMA(r, v) if (NF > (v)) c##r##v = _mm512_fmadd_ps(x_, w##v, c##r##v);
#define CT_PAIR(r)                                                                  \
    if (PAIR) {                                                                     \
        if ((r) % 2 == 0 && R > (r) + 1) xe = x_;                                   \
        else if ((r) % 2 == 0) p[(r) / 2] = _mm512_fmadd_ps(x_, wp, p[(r) / 2]);    \
        else p[(r) / 2] = _mm512_fmadd_ps(_mm512_mask_mov_ps(xe, 0xFF00, x_), wp, p[(r) / 2]); \
    }
#define CT_FMAROW(r)                                                              \
    if (R > (r)) {                                                                \
        __m512 x_ = _mm512_set1_ps(xk[(r) * sx]);                                 \
        CT_FMA(r, 0) CT_FMA(r, 1) CT_FMA(r, 2) CT_FMA(r, 3) CT_FMA(r, 4) CT_FMA(r, 5) \
        CT_PAIR(r)                                                                \
    }
#define CT_ST(r, v)                                                                         \
    if (NF > (v))                                                                           \
        chain_store(out + (r) * ld + 16 * (v), sel ? sel + (r) * ld + 16 * (v) : NULL, c##r##v, epi, \
                    (v) == NV - 1 ? mt : (__mmask16)0xFFFF);
#define CT_STROW(r) \
    if (R > (r)) { CT_ST(r, 0) CT_ST(r, 1) CT_ST(r, 2) CT_ST(r, 3) CT_ST(r, 4) CT_ST(r, 5) }
/* The odd row's half is stored 8 floats early with the mask's upper half. */
#define CT_STPAIR(q)                                                                            \
    if (PAIR && R > 2 * (q)) {                                                                  \
        size_t r0 = 2 * (q), r1 = r0 + 1;                                                       \
        chain_store(out + r0 * ld + jp, sel ? sel + r0 * ld + jp : NULL, p[q], epi, mt);        \
        if (R > 2 * (q) + 1)                                                                    \
            chain_store(out + r1 * ld + jp - 8, sel ? sel + r1 * ld + jp - 8 : NULL, p[q], epi,   \
                        (__mmask16)(mt << 8));                                                  \
    }
/* Each vector of b loaded once per k and held in a register for the tile's
 * rows: left to itself gcc folds the loads into every row's FMA, R times
 * the loads, and the kernel ran 1.3–1.9× slower at n = 30–82. */
#define CT_KEEP(v) if (NF > (v)) __asm__("" : "+v"(w##v));
    CT_ROW(0) CT_ROW(1) CT_ROW(2) CT_ROW(3) CT_ROW(4) CT_ROW(5) CT_ROW(6) CT_ROW(7)
    for (size_t k = 0; k < K; k++) {
        const float *bk = b + k * ld, *xk = x + k * sk;
        __m512 w0 = z, w1 = z, w2 = z, w3 = z, w4 = z, w5 = z, wp = z, xe = z;
        if (NF > 0) w0 = CT_LD(0);
        if (NF > 1) w1 = CT_LD(1);
        if (NF > 2) w2 = CT_LD(2);
        if (NF > 3) w3 = CT_LD(3);
        if (NF > 4) w4 = CT_LD(4);
        if (NF > 5) w5 = CT_LD(5);
        if (PAIR) {
            wp = _mm512_broadcast_f32x8(_mm256_maskz_loadu_ps((__mmask8)mt, bk + jp));
            __asm__("" : "+v"(wp));
        }
        if (R > 1) { CT_KEEP(0) CT_KEEP(1) CT_KEEP(2) CT_KEEP(3) CT_KEEP(4) CT_KEEP(5) }
        CT_FMAROW(0) CT_FMAROW(1) CT_FMAROW(2) CT_FMAROW(3)
        CT_FMAROW(4) CT_FMAROW(5) CT_FMAROW(6) CT_FMAROW(7)
        (void)xe;
    }
    CT_STROW(0) CT_STROW(1) CT_STROW(2) CT_STROW(3) CT_STROW(4) CT_STROW(5) CT_STROW(6) CT_STROW(7)
    CT_STPAIR(0) CT_STPAIR(1) CT_STPAIR(2) CT_STPAIR(3)
#undef CT_LD
#undef CT_ROW
#undef CT_FMA
#undef CT_PAIR
#undef CT_FMAROW
#undef CT_ST
#undef CT_STROW
#undef CT_STPAIR
#undef CT_KEEP
}
/* All rows: 8 at a time for one to three vectors, 6 for four, 4 for five
 * or six (enough FMA chains in flight, at most 24 accumulators: the more
 * rows per tile, the fewer times b is read: for the weight gradient b is
 * a chunk's activations, which do not fit in L1), then the rest 4, 2, 1. */
AINLINE void chain_nv(const float *x, size_t rows, size_t sx, size_t sk, size_t K, const float *b,
                      size_t n, size_t ld, const float *sel, float *out, int epi, const int NV,
                      const int PAIR)
{
#define CN_TILES(R)                                                                             \
    for (; i + (R) <= rows; i += (R))                                                           \
        chain_tile(x + i * sx, sx, sk, K, b, n, ld, sel ? sel + i * ld : NULL, out + i * ld, epi, \
                   NV, (R), PAIR);
    size_t i = 0;
    if (NV <= 3) CN_TILES(8)
    if (NV == 4) CN_TILES(6)
    CN_TILES(4)
    CN_TILES(2)
    CN_TILES(1)
#undef CN_TILES
}
static void chain_any(const float *x, size_t rows, size_t sx, size_t sk, size_t K, const float *b,
                      size_t n, size_t ld, const float *sel, float *out, int epi)
{
    size_t nv = (n + 15) / 16;
    int pair = nv >= 2 && n % 16 >= 1 && n % 16 <= 8;
#define CA_CASE(v)                                                                        \
    case (v): if (pair) chain_nv(x, rows, sx, sk, K, b, n, ld, sel, out, epi, (v), 1);   \
              else chain_nv(x, rows, sx, sk, K, b, n, ld, sel, out, epi, (v), 0);        \
              break;
    switch (nv) {
    case 1: chain_nv(x, rows, sx, sk, K, b, n, ld, sel, out, epi, 1, 0); break;
    CA_CASE(2) CA_CASE(3) CA_CASE(4) CA_CASE(5) CA_CASE(6)
    }
#undef CA_CASE
}
/* h (B × n) = act(a (B × K) · b (K × n)): the ReLU (sel == NULL) or the
 * mask sel > 0. */
static void chain(const float *a, size_t B, size_t K, const float *b, size_t n, const float *sel,
                  float *h)
{
    chain_any(a, B, K, 1, K, b, n, n, sel, h, sel ? EPI_MASK : EPI_RELU);
}
/* Columns [j0, j0 + J) of c (m × n) += gᵀ a over rows [o0, o0 + 16·OB) of
 * c, vectorised over those rows (g's row k holds them side by side): the
 * same chain over k for each element as chain_tile's, so the same bits.
 * The last block of rows is masked to mo. */
AINLINE void tn_cols_tile(const float *restrict g, size_t K, size_t m, const float *restrict a,
                          size_t n, size_t j0, size_t o0, __mmask16 mo, float *restrict c,
                          const int OB, const int J)
{
    __m512 acc[4][4];
#pragma GCC unroll 4
    for (int u = 0; u < OB; u++)
#pragma GCC unroll 4
        for (int j = 0; j < J; j++) acc[u][j] = _mm512_setzero_ps();
    for (size_t k = 0; k < K; k++) {
        const float *gk = g + k * m + o0, *ak = a + k * n + j0;
        __m512 x[4];
#pragma GCC unroll 4
        for (int u = 0; u < OB; u++)
            x[u] = u == OB - 1 ? _mm512_maskz_loadu_ps(mo, gk + 16 * u) : _mm512_loadu_ps(gk + 16 * u);
#pragma GCC unroll 4
        for (int j = 0; j < J; j++) {
            __m512 w = _mm512_set1_ps(ak[j]);
#pragma GCC unroll 4
            for (int u = 0; u < OB; u++) acc[u][j] = _mm512_fmadd_ps(x[u], w, acc[u][j]);
        }
    }
    size_t rows = 16 * (size_t)(OB - 1) + (size_t)__builtin_popcount(mo);
#pragma GCC unroll 4
    for (int u = 0; u < OB; u++)
#pragma GCC unroll 4
        for (int j = 0; j < J; j++) {
            float t[16];
            _mm512_storeu_ps(t, acc[u][j]);
            for (size_t r = 16 * (size_t)u; r < rows && r < 16 * (size_t)u + 16; r++)
                c[(o0 + r) * n + j0 + j] = t[r - 16 * (size_t)u] + c[(o0 + r) * n + j0 + j];
        }
}
/* Columns [j0, n) of c, in groups of up to 4 columns × 4 blocks of 16 rows. */
static void tn_cols(const float *g, size_t K, size_t m, const float *a, size_t n, size_t j0, float *c)
{
    size_t nb = (m + 15) / 16;
    __mmask16 mlast = (__mmask16)(m % 16 ? (1u << (m % 16)) - 1 : 0xFFFF);
    for (size_t j = j0; j < n; j += 4) {
        size_t J = n - j < 4 ? n - j : 4;
        for (size_t b0 = 0; b0 < nb; b0 += 4) {
            size_t OB = nb - b0 < 4 ? nb - b0 : 4;
            __mmask16 mo = b0 + OB == nb ? mlast : 0xFFFF;
#define TN_CASE(ob, jj) \
    case (ob) * 8 + (jj): tn_cols_tile(g, K, m, a, n, j, 16 * b0, mo, c, (ob), (jj)); break;
#define TN_CASES(ob) TN_CASE(ob, 1) TN_CASE(ob, 2) TN_CASE(ob, 3) TN_CASE(ob, 4)
            switch (OB * 8 + J) { TN_CASES(1) TN_CASES(2) TN_CASES(3) TN_CASES(4) }
#undef TN_CASES
#undef TN_CASE
        }
    }
}
/* c (m × n) += gᵀ a for g (K × m), a (K × n): one chain over k, then added.
 * Columns in whole vectors of 16 as chain_tile's rows; the last n % 16
 * columns over c's rows instead (tn_cols) where that wastes fewer lanes
 * than chain_tile's pairs of rows: measured on one core, 512 rows, for
 * 1-4 columns left (n = 50: 13.0 µs against 13.5) and below 16 columns
 * where it saves a quarter of the FMAs (n = 10, m = 30: 3.6 µs against
 * 3.9; m = 50: 6.1 against 5.8 µs, so not there); at 8 left (n = 72) the
 * pairs are faster (27.0 against 29.4 µs). */
static void chain_tn(const float *g, size_t K, size_t m, const float *a, size_t n, float *c)
{
    size_t left = n % 16, n16 = n - left;
    if (left && (n16 ? left <= 4 : 4 * ((m + 15) / 16) * left <= 3 * m)) {
        if (n16) chain_any(g, m, 1, m, K, a, n16, n, NULL, c, EPI_ADD);
        tn_cols(g, K, m, a, n, n16, c);
    } else {
        chain_any(g, m, 1, m, K, a, n, n, NULL, c, EPI_ADD);
    }
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
/* The 16-lane partial sums of R rows' dot products (a's rows K apart) with
 * Q of a group's four columns (bt's rows K apart; the other sums stay zero):
 * c[r][q] lane t = the chain over k = t, t + 16, … for row r and column q.
 * Rows side by side share the loads of bt and keep QR chains in flight;
 * each row's sums are the same. */
AINLINE void dot_sums(const float *a, size_t K, const float *bt, __mmask16 mk, __m512 c[2][4],
                      const int R, const int Q)
{
#pragma GCC unroll 2
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
        for (int q = 0; q < 4; q++) c[r][q] = _mm512_setzero_ps();
    size_t k = 0;
    for (; k + 16 <= K; k += 16) {
        __m512 x[2];
#pragma GCC unroll 2
        for (int r = 0; r < R; r++) x[r] = _mm512_loadu_ps(a + (size_t)r * K + k);
#pragma GCC unroll 4
        for (int q = 0; q < Q; q++) {
            __m512 w = _mm512_loadu_ps(bt + (size_t)q * K + k);
#pragma GCC unroll 2
            for (int r = 0; r < R; r++) c[r][q] = _mm512_fmadd_ps(w, x[r], c[r][q]);
        }
    }
    if (k < K) {
        __m512 x[2];
#pragma GCC unroll 2
        for (int r = 0; r < R; r++) x[r] = _mm512_maskz_loadu_ps(mk, a + (size_t)r * K + k);
#pragma GCC unroll 4
        for (int q = 0; q < Q; q++) {
            __m512 w = _mm512_maskz_loadu_ps(mk, bt + (size_t)q * K + k);
#pragma GCC unroll 2
            for (int r = 0; r < R; r++) c[r][q] = _mm512_fmadd_ps(w, x[r], c[r][q]);
        }
    }
}
/* Row i's outputs in columns [c, c + nc) from its partial sums, added in
 * OpenBLAS's tree, masked by sel > 0 (h and sel have rows n apart). */
AINLINE void dot_store(__m512 c0, __m512 c1, __m512 c2, __m512 c3, size_t i, size_t B, size_t c,
                       size_t nc, size_t n, const float *sel, float *h)
{
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
    if (nc < 4 && i >= (B & ~(size_t)3)) {
        /* The last one to three columns, in the rows after the last whole
         * group of four rows: halves, quarters, pairs. */
        __m512 cq[3] = {c0, c1, c2};
        float rr[4] = {0, 0, 0, 0};
        for (size_t q = 0; q < nc; q++) {
            float v[16], t8[8], u[4];
            _mm512_storeu_ps(v, cq[q]);
            for (int e = 0; e < 8; e++) t8[e] = v[e] + v[e + 8];
            for (int e = 0; e < 4; e++) u[e] = t8[e] + t8[e + 4];
            rr[q] = (u[0] + u[2]) + (u[1] + u[3]);
        }
        r = _mm_loadu_ps(rr);
    }
    __mmask8 mc = (__mmask8)((1u << nc) - 1);
    __m128 sv = _mm_maskz_loadu_ps(mc, sel + i * n + c);
    r = _mm_maskz_mov_ps(_mm_cmp_ps_mask(sv, _mm_setzero_ps(), _CMP_GT_OQ), r);
    _mm_mask_storeu_ps(h + i * n + c, mc, r);
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
    for (size_t gq = 0; gq < groups; gq++) {
        size_t c = n16 + 4 * gq, nc = left - 4 * gq < 4 ? left - 4 * gq : 4;
        const float *bg = bt + 4 * gq * K;
        __m512 cs[2][4];
        size_t i = 0;
        /* One or two columns: the other two sums stay zero (each column's
         * tree reads only its own vector). */
        for (; i + 2 <= B; i += 2) {
            if (nc <= 2) dot_sums(a + i * K, K, bg, mk, cs, 2, 2);
            else dot_sums(a + i * K, K, bg, mk, cs, 2, 4);
            dot_store(cs[0][0], cs[0][1], cs[0][2], cs[0][3], i, B, c, nc, n, sel, h);
            dot_store(cs[1][0], cs[1][1], cs[1][2], cs[1][3], i + 1, B, c, nc, n, sel, h);
        }
        if (i < B) {
            if (nc <= 2) dot_sums(a + i * K, K, bg, mk, cs, 1, 2);
            else dot_sums(a + i * K, K, bg, mk, cs, 1, 4);
            dot_store(cs[0][0], cs[0][1], cs[0][2], cs[0][3], i, B, c, nc, n, sel, h);
        }
    }
}
#elif CHAIN_KERNEL == 2
/* The AVX2 kernel (gv_chain_hsw.c) cuts every sum in OpenBLAS's blocks
 * itself: there are no separate blocked and dot-tail ways. */
static void chain(const float *a, size_t B, size_t K, const float *b, size_t n, const float *sel,
                  float *h)
{
    gv_chain_hsw(a, B, K, b, n, sel, h);
}
static void chain_tn(const float *g, size_t K, size_t m, const float *a, size_t n, float *c)
{
    gv_chain_hsw_tn(g, K, m, a, n, c);
}
#endif

/* One product's shape (which, K, n; gv_chain.h), and for each row count
 * B <= GV_CHAIN_MAX_ROWS how the kernel gives OpenBLAS's bits there: ok[B]
 * is GV_CHAIN_UNKNOWN until gv_chain_use checks it. */
struct gv_chain_shape {
    size_t K, n;
    int which;
    unsigned char ok[GV_CHAIN_MAX_ROWS + 1];
};

/* The shape's entry in the process's table, or NULL (never the kernel). */
gv_chain_shape *gv_chain_shape_of(size_t K, size_t n, int which)
{
#if CHAIN_KERNEL
    static gv_chain_shape table[256];
    static int ntable;
    gv_chain_shape *s = NULL;
    if (n < 1 || n > CHAIN_MAX_N || K < 1 || K > 4096) return NULL;
#if CHAIN_KERNEL == 2
    /* Where the last vector holds 1 or 2 columns (n mod 8 = 1 or 2) and
     * the AVX2 kernel's weight gradient runs its blocks whole (n wider than
     * GV_CHAIN_HSW_CHUNK_MAX_N: w = 82), it made steps slower than
     * OpenBLAS's: that product stays with OpenBLAS.  The deltas at such
     * widths did too until item 23 made them faster (docs/performance-history.md,
     * items 20-23). */
    if (which == GV_CHAIN_WGRAD && n > GV_CHAIN_HSW_CHUNK_MAX_N && (n % 8 == 1 || n % 8 == 2))
        return NULL;
#endif
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
/* How B rows of the product run: GV_CHAIN_YES (the kernel), GV_CHAIN_BLOCKS (the
 * weight gradient in OpenBLAS's blocks), GV_CHAIN_DOT (the deltas with the
 * dot-product tail) or GV_CHAIN_NO (OpenBLAS).  Checked the first time a row
 * count comes (threads that race check it twice and store the same
 * answer). */
int gv_chain_use(gv_chain_shape *s, size_t B)
{
    if (!s || B < 1 || B > GV_CHAIN_MAX_ROWS) return GV_CHAIN_NO;
    int v = __atomic_load_n(&s->ok[B], __ATOMIC_RELAXED);
    if (v == GV_CHAIN_UNKNOWN) {
        v = chain_check(s->K, s->n, B, s->which);
        __atomic_store_n(&s->ok[B], (unsigned char)v, __ATOMIC_RELAXED);
    }
    return v;
}

#if CHAIN_KERNEL
/* The ways of computing B rows of the product that give the OpenBLAS path's
 * bits on one set of test data: bits 1 << GV_CHAIN_YES, GV_CHAIN_BLOCKS,
 * GV_CHAIN_DOT.  Trial 0: values of both signs over 8 binades with exact
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
        else sel[k - na - nw] = trial && which != GV_CHAIN_WGRAD ? 1.0f : v;
    }
    unsigned ways = 0;
    if (which == GV_CHAIN_WGRAD) {
        /* c (K × n) += aᵀ sel over B rows (a is B × K, sel B × n); c starts
         * from test data. */
        memcpy(h1, w, nw * sizeof *h1);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)n, (int)B, 1.0f, a, (int)K,
                    sel, (int)n, 1.0f, h1, (int)n);
        memcpy(h2, w, nw * sizeof *h2);
        chain_tn(a, B, K, sel, n, h2);
        if (!memcmp(h1, h2, nw * sizeof *h1)) ways |= 1u << GV_CHAIN_YES;
#if CHAIN_KERNEL == 1
        memcpy(h2, w, nw * sizeof *h2);
        chain_tn_blocks(a, B, K, sel, n, h2);
        if (!memcmp(h1, h2, nw * sizeof *h1)) ways |= 1u << GV_CHAIN_BLOCKS;
#endif
        return ways;
    }
    const float *b = w;
    if (which == GV_CHAIN_DELTAS) {
        gv_sgemm0(CblasNoTrans, CblasNoTrans, B, n, K, a, K, w, n, h1, n);
    } else {
        /* The forward product reads the weights as n × K (Wᵀ); chain()
         * reads K × n. */
        gv_chain_transpose(w, n, K, wt);
        gv_sgemm0(CblasNoTrans, CblasTrans, B, n, K, a, K, w, K, h1, n);
        b = wt;
    }
    if (which == GV_CHAIN_DELTAS || trial) gv_relu_mask(h1, sel, B * n);
    else gv_relu(h1, B * n);
    chain(a, B, K, b, n, which == GV_CHAIN_DELTAS || trial ? sel : NULL, h2);
    if (!memcmp(h1, h2, B * n * sizeof *h1)) ways |= 1u << GV_CHAIN_YES;
#if CHAIN_KERNEL == 1
    if (which == GV_CHAIN_DELTAS && chain_dot_fits(K, n)) {
        chain_dot(a, B, K, w, n, sel, h2);
        if (!memcmp(h1, h2, B * n * sizeof *h1)) ways |= 1u << GV_CHAIN_DOT;
    }
#endif
    return ways;
}
#endif

/* How B rows of the product can run: the first way that gives the OpenBLAS
 * path's bits exactly in every trial, else GV_CHAIN_NO. */
#define CHAIN_TRIALS 16
static int chain_check(size_t K, size_t n, size_t B, int which)
{
#if CHAIN_KERNEL
    int ok = GV_CHAIN_NO;
    size_t na = B * K, nw = K * n, nh = (B > K ? B : K) * n;
    float *a = aligned_alloc(64, gv_align16(na) * sizeof *a),
          *w = aligned_alloc(64, gv_align16(nw) * sizeof *w),
          *wt = aligned_alloc(64, gv_align16(nw) * sizeof *wt),
          *sel = aligned_alloc(64, gv_align16(B * n) * sizeof *sel),
          *h1 = aligned_alloc(64, gv_align16(nh) * sizeof *h1),
          *h2 = aligned_alloc(64, gv_align16(nh) * sizeof *h2);
    if (a && w && wt && sel && h1 && h2) {
        /* Where two orders of summation differ, random data still gives
         * the same float in about 40 % of the outputs (measured for the
         * trees of chain_dot), and an order may differ in a single output
         * (the last row and column): CHAIN_TRIALS trials make accepting a
         * wrong order there a chance of about 0.4^CHAIN_TRIALS (4e-7). */
        unsigned ways = ~0u;
        for (int trial = 0; trial < CHAIN_TRIALS && ways; trial++)
            ways &= chain_trial(K, n, B, which, trial, a, w, wt, sel, h1, h2);
        for (int way = GV_CHAIN_YES; way < GV_CHAIN_NO && ok == GV_CHAIN_NO; way++)
            if (ways >> way & 1) ok = way;
    }
    free(a), free(w), free(wt), free(sel), free(h1), free(h2);
    return ok;
#else
    (void)K, (void)n, (void)B, (void)which;
    return GV_CHAIN_NO;
#endif
}

/* ---- the kernels' entry points ------------------------------------------- */

int gv_chain_kernel(void) { return CHAIN_KERNEL; }

int gv_chain(const float *a, size_t B, size_t K, const float *b, size_t n, const float *sel,
             float *h)
{
#if CHAIN_KERNEL
    if (n < 1 || n > CHAIN_MAX_N) return 0;
    chain(a, B, K, b, n, sel, h);
    return 1;
#else
    (void)a, (void)B, (void)K, (void)b, (void)n, (void)sel, (void)h;
    return 0;
#endif
}

int gv_chain_tn(const float *g, size_t K, size_t m, const float *a, size_t n, float *c, int blocks)
{
#if CHAIN_KERNEL
    if (n < 1 || n > CHAIN_MAX_N) return 0;
#if CHAIN_KERNEL == 1
    if (blocks) {
        chain_tn_blocks(g, K, m, a, n, c);
        return 1;
    }
#endif
    (void)blocks; /* AVX2: gv_chain_hsw_tn cuts OpenBLAS's blocks itself */
    chain_tn(g, K, m, a, n, c);
    return 1;
#else
    (void)g, (void)K, (void)m, (void)a, (void)n, (void)c, (void)blocks;
    return 0;
#endif
}

int gv_chain_dot(const float *a, size_t B, size_t K, const float *b, size_t n, const float *sel,
                 float *h)
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

/* ---- transposes ---------------------------------------------------------- */


void gv_chain_transpose(const float *src, size_t out, size_t in, float *dst)
{
    /* Element by element the transposes took a tenth of an SGD step at
     * w = 72; in registers, edge blocks (72 = 4 · 16 + 8) included, they
     * are bound by memory. */
#if CHAIN_KERNEL == 2
    gv_chain_hsw_transpose(src, in, out, in, dst, out);
    return;
#endif
    for (size_t j0 = 0; j0 < out; j0 += 16)
        for (size_t k0 = 0; k0 < in; k0 += 16) {
            size_t j1 = j0 + 16 < out ? j0 + 16 : out, k1 = k0 + 16 < in ? k0 + 16 : in;
#if CHAIN_KERNEL == 1
            transpose16(src + j0 * in + k0, in, j1 - j0, k1 - k0, dst + k0 * out + j0, out);
#else
            for (size_t k = k0; k < k1; k++)
                for (size_t j = j0; j < j1; j++) dst[k * out + j] = src[j * in + k];
#endif
        }
}
