/* gv_chain_hsw.c: the kernel of gv_chain.c on AVX2 builds (without AVX-512),
 * summing in the orders of OpenBLAS 0.3.21's Haswell and Zen cores.
 *
 * Those cores' sgemm (the 8×4 Haswell micro-kernel, OpenBLAS's
 * kernel/x86_64/sgemm_kernel_8x4_haswell_2.c, under the level-3 driver,
 * driver/level3/level3.c) sums most outputs as one FMA chain over k, but not
 * all of them.  For a row-major
 * product of B rows and n <= 96 columns (OpenBLAS's n and m), found by
 * reading that code and checked bit for bit against it (docs/network.md):
 *   - the inner dimension is cut into blocks (320 while 640 or more remain,
 *     then the rest in two halves rounded up to 8); each block's sum is added
 *     into the output in turn (the first into zero);
 *   - the rows go in groups of 12 while 12 remain, then of 4 while more than
 *     4 remain, then 4, or 2 and 1;
 *   - in a group of 12 with n >= 16, the first 8 columns of its first 6 rows
 *     are two chains (even and odd k in blocks of 8, the k after the last
 *     whole block in the even one, added at the end), and so are the last
 *     whole 8 columns of its first 6 rows (n/8 even) or of its last 6 (n/8
 *     odd): the two ends of the kernel's staircase of 8 × 6 and 16 × 6 tiles;
 *   - in a group of 4, every whole 8 columns are two such chains;
 *   - every other output is one chain.
 * Which row counts run here is still established bit for bit on test data
 * (gv_chain_use), so where OpenBLAS sums otherwise, OpenBLAS runs; widths
 * where this kernel was slower stay with OpenBLAS (gv_chain_shape_of). */
#include "gv_chain.h"

#if defined(__AVX2__) && defined(__FMA__) && !defined(__AVX512F__)
#include <immintrin.h>
#include <stdlib.h>

#define HSW_Q 320 /* GEMM_Q of the Haswell and Zen cores */
#define HSW_UM 8  /* GEMM_UNROLL_M */
#define HSW_KC 128 /* the weight gradient's chunks of the inner dimension (below) */
#define AINLINE static inline __attribute__((always_inline))

/* The epilogues: ReLU, the ReLU's derivative as a mask, adding into the
 * output (the weight gradient), or that in chunks (EPI_ADDC: the chains
 * suspended and resumed, hsw_product). */
enum { EPI_RELU, EPI_MASK, EPI_ADD, EPI_ADDC };
/* The product's operands: x[r·sr + k·sk] (rows × inner), b[k·ldb + j]
 * (inner × n), out[r·ldo + j]; one block of the inner dimension, or one
 * chunk of a block, [k0, k0+L). */
typedef struct hsw_args hsw_args;
typedef void hsw_tile_fn(const hsw_args *p, size_t r0, size_t c, int nv, int split, int nlast);
struct hsw_args {
    const float *x, *b, *sel;
    float *o;
    size_t sr, sk, ldb, ldo, k0, L;
    int first, last;
    hsw_tile_fn *const *tiles; /* the epilogue's, by number of rows */
    int packed; /* the weight gradient: its last columns over rows (hsw_ptile, hsw_ctile) */
    /* The weight gradient's chains, suspended at the end of a chunk of the
     * block (suspend) and resumed at the start of the next (resume) in a
     * scratch of lds floats a row: hsw_tile's row r, vector v at
     * acc_s + (r0 + r)·lds + c + 8v (its odd chains likewise at odd_s),
     * hsw_ptile's and hsw_ctile's i-th vector at acc_s + (r0 + i)·lds + c. */
    float *acc_s, *odd_s;
    size_t lds;
    int resume, suspend;
};

static const int32_t hsw_masks[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

/* The first nl < 8 floats at o into a vector (the rest zero), and back.
 * They replace the masked moves (vmaskmovps) in the epilogue: with those, a
 * 30-wide forward product with 30 inner terms ran at 55 GFLOP/s on Zen 2,
 * with these at 60. */
AINLINE __m256 hsw_load_part(const float *o, int nl)
{
    __m128 lo = _mm_setzero_ps(), r = lo;
    int i = 0;
    if (nl >= 4) lo = _mm_loadu_ps(o), i = 4;
    if (nl - i >= 2) r = _mm_loadl_pi(r, (const __m64 *)(const void *)(o + i));
    if ((nl - i) & 1) {
        __m128 t = _mm_load_ss(o + i + ((nl - i) & 2));
        r = (nl - i) & 2 ? _mm_movelh_ps(r, t) : t;
    }
    return i ? _mm256_set_m128(r, lo) : _mm256_castps128_ps256(r);
}

AINLINE void hsw_store_part(float *o, __m256 v, int nl)
{
    __m128 x = _mm256_castps256_ps128(v);
    if (nl >= 4) _mm_storeu_ps(o, x), x = _mm256_extractf128_ps(v, 1), o += 4, nl -= 4;
    if (nl >= 2) _mm_storel_pi((__m64 *)(void *)o, x), x = _mm_movehl_ps(x, x), o += 2, nl -= 2;
    if (nl) _mm_store_ss(o, x);
}

/* t[i] lane j <- t[j] lane i. */
AINLINE void hsw_transpose8(__m256 t[8])
{
    __m256 a[8], b[8];
#pragma GCC unroll 4
    for (int i = 0; i < 8; i += 2) {
        a[i] = _mm256_unpacklo_ps(t[i], t[i + 1]);
        a[i + 1] = _mm256_unpackhi_ps(t[i], t[i + 1]);
    }
#pragma GCC unroll 2
    for (int i = 0; i < 8; i += 4) {
        b[i] = _mm256_shuffle_ps(a[i], a[i + 2], 0x44);
        b[i + 1] = _mm256_shuffle_ps(a[i], a[i + 2], 0xEE);
        b[i + 2] = _mm256_shuffle_ps(a[i + 1], a[i + 3], 0x44);
        b[i + 3] = _mm256_shuffle_ps(a[i + 1], a[i + 3], 0xEE);
    }
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) {
        t[i] = _mm256_permute2f128_ps(b[i], b[i + 4], 0x20);
        t[i + 4] = _mm256_permute2f128_ps(b[i], b[i + 4], 0x31);
    }
}

/* The 2 floats at a and the 2 at b in one vector, and back. */
AINLINE __m128 hsw_load_pairs(const float *a, const float *b)
{
    return _mm_loadh_pi(_mm_loadl_pi(_mm_setzero_ps(), (const __m64 *)(const void *)a),
                        (const __m64 *)(const void *)b);
}

AINLINE void hsw_store_pairs(float *a, float *b, __m128 v)
{
    _mm_storel_pi((__m64 *)(void *)a, v);
    _mm_storeh_pi((__m64 *)(void *)b, v);
}

/* One output vector (its first nl columns): add it into what the block
 * before left (zero for the first block, as OpenBLAS adds into its zeroed
 * C), then, after the last block, the ReLU or its derivative's mask. */
AINLINE void hsw_store(float *o, const float *s, __m256 v, const int EPI, int first, int last,
                       int part, int nl)
{
    const __m256 z = _mm256_setzero_ps();
    __m256 old = z;
    if (EPI >= EPI_ADD || !first) old = part ? hsw_load_part(o, nl) : _mm256_loadu_ps(o);
    v = _mm256_add_ps(v, old);
    if (EPI < EPI_ADD && last) {
        __m256 t = v;
        if (EPI == EPI_MASK) t = part ? hsw_load_part(s, nl) : _mm256_loadu_ps(s);
        v = _mm256_and_ps(v, _mm256_cmp_ps(t, z, _CMP_GT_OQ));
    }
    if (part) hsw_store_part(o, v, nl);
    else _mm256_storeu_ps(o, v);
}

/* A tile's NR × NV output vectors (hsw_store), row r's at o + r·ldo. */
AINLINE void hsw_stores(float *o, const float *sel, size_t ldo, __m256 acc[12][4], const int NR,
                        const int NV, const int PART, int nlast, const int EPI, int first,
                        int last)
{
#pragma GCC unroll 12
    for (int r = 0; r < NR; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++)
            hsw_store(o + r * ldo + 8 * v, EPI == EPI_MASK ? sel + r * ldo + 8 * v : NULL,
                      acc[r][v], EPI, first, last, PART && v == NV - 1, nlast);
}

/* NR rows from r0 × NV vectors of 8 columns from c (the last one masked to
 * its first `nlast` columns when PART); SPLIT (NV = 1, NR <= 6): the two
 * chains.  NR · NV <= 12 accumulators: NR = 12 (the last n mod 8 columns of
 * 12 rows, or a group of 12 with n < 16) and NV = 3 or 4 (groups of 1 or 2
 * rows) keep twelve or eight chains under way instead of four or six (the
 * FMA's latency).  Row r's values are read at x + (r/3)·3·sr + (r%3)·sr +
 * k·sk (the addressing modes' scaled index), and the vectors of b are kept
 * in registers (left to itself, gcc folds their loads into every row's
 * FMA). */
AINLINE void hsw_tile(const hsw_args *p, size_t r0, size_t c, const int NR, const int NV,
                      const int SPLIT, const int PART, int nlast, const int EPI)
{
    const __m256 z = _mm256_setzero_ps();
    const __m256i m = _mm256_loadu_si256((const __m256i *)(hsw_masks + 8 - (PART ? nlast : 8)));
    __m256 acc[12][4], odd[6];
#pragma GCC unroll 12
    for (int r = 0; r < 12; r++) acc[r][0] = acc[r][1] = acc[r][2] = acc[r][3] = odd[r % 6] = z;
    /* The forward product and the deltas (EPI_RELU, EPI_MASK) read rows of
     * consecutive terms (gv_chain_hsw); the weight gradient does not. */
    const size_t sr = p->sr, sk = EPI >= EPI_ADD ? p->sk : 1, ldb = p->ldb, L = p->L;
    const float *x = p->x + r0 * sr + p->k0 * sk, *b = p->b + p->k0 * ldb + c;
    float *const as = EPI == EPI_ADDC ? p->acc_s + r0 * p->lds + c : NULL;
    float *const os = EPI == EPI_ADDC ? p->odd_s + r0 * p->lds + c : NULL;
    const size_t lds = p->lds;
    if (EPI == EPI_ADDC && p->resume) {
#pragma GCC unroll 12
        for (int r = 0; r < NR; r++) {
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++) acc[r][v] = _mm256_load_ps(as + r * lds + 8 * v);
            if (SPLIT) odd[r] = _mm256_load_ps(os + r * lds);
        }
    }
#define HSW_X(r, q) (x + (size_t)((r) / 3) * 3 * sr + (q) * sk + (size_t)((r) % 3) * sr)
#define HSW_LD(v, q) (PART && (v) == NV - 1 ? _mm256_maskload_ps(b + (q) * ldb + 8 * (v), m) \
                                           : _mm256_loadu_ps(b + (q) * ldb + 8 * (v)))
    size_t k = 0;
    if (SPLIT && L >= 8) {
        /* One loop over the pairs of the whole blocks of 8 (a loop of 4
         * pairs inside one over blocks ran at 63 GFLOP/s on Zen 2 against
         * 75 for this, on 6 × 8 tiles with 240 inner terms), and the odd
         * term read at the even one's address + 1 (82). */
        const size_t L8 = L / 8 * 8;
#pragma GCC unroll 1
        for (; k < L8; k += 2) {
            __m256 w0 = HSW_LD(0, k), w1 = HSW_LD(0, k + 1);
            __asm__("" : "+x"(w0), "+x"(w1));
#pragma GCC unroll 6
            for (int r = 0; r < NR; r++) {
                const float *xr = HSW_X(r, k);
                acc[r][0] = _mm256_fmadd_ps(_mm256_broadcast_ss(xr), w0, acc[r][0]);
                odd[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(xr + sk), w1, odd[r]);
            }
        }
    }
    for (; k < L; k++) {
        __m256 w[4];
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) {
            w[v] = HSW_LD(v, k);
            __asm__("" : "+x"(w[v]));
        }
#pragma GCC unroll 12
        for (int r = 0; r < NR; r++) {
            __m256 xr = _mm256_broadcast_ss(HSW_X(r, k));
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++) acc[r][v] = _mm256_fmadd_ps(xr, w[v], acc[r][v]);
        }
    }
#undef HSW_LD
#undef HSW_X
    if (EPI == EPI_ADDC && p->suspend) {
#pragma GCC unroll 12
        for (int r = 0; r < NR; r++) {
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++) _mm256_store_ps(as + r * lds + 8 * v, acc[r][v]);
            if (SPLIT) _mm256_store_ps(os + r * lds, odd[r]);
        }
        return;
    }
    /* The epilogue's operands in locals: the stores could alias *p. */
    float *o = p->o + r0 * p->ldo + c;
    const float *sel = EPI == EPI_MASK ? p->sel + r0 * p->ldo + c : NULL;
    const size_t ldo = p->ldo;
#pragma GCC unroll 12
    for (int r = 0; r < NR; r++)
        if (SPLIT) acc[r][0] = _mm256_add_ps(odd[r % 6], acc[r][0]);
    /* A product's only block (first and last) in stores that test neither
     * flag: left to itself, gcc tested both at every store of the mask's
     * epilogue, and a tile's epilogue is on the path between two tiles'
     * loops (the deltas on Zen 2, 96 rows × 64 columns with 8 inner terms:
     * 8680 cycles, 7000 with this; 100 rows × 72 with 72: 11.9 -> 11.6 µs). */
    if (EPI < EPI_ADD && p->first && p->last)
        hsw_stores(o, sel, ldo, acc, NR, NV, PART, nlast, EPI, 1, 1);
    else
        hsw_stores(o, sel, ldo, acc, NR, NV, PART, nlast, EPI, p->first, p->last);
}

/* The last n mod 8 columns with their count known at compile time: the
 * epilogue's partial loads and stores without a test of it. */
AINLINE void hsw_tile_part(const hsw_args *p, size_t r0, size_t c, const int NR, int nlast,
                           const int EPI)
{
    switch (nlast) {
    case 1: hsw_tile(p, r0, c, NR, 1, 0, 1, 1, EPI); break;
    case 2: hsw_tile(p, r0, c, NR, 1, 0, 1, 2, EPI); break;
    case 3: hsw_tile(p, r0, c, NR, 1, 0, 1, 3, EPI); break;
    case 4: hsw_tile(p, r0, c, NR, 1, 0, 1, 4, EPI); break;
    case 5: hsw_tile(p, r0, c, NR, 1, 0, 1, 5, EPI); break;
    case 6: hsw_tile(p, r0, c, NR, 1, 0, 1, 6, EPI); break;
    default: hsw_tile(p, r0, c, NR, 1, 0, 1, 7, EPI); break;
    }
}

/* The tiles of NR rows for one epilogue (hsw_tile_fn): nv whole vectors
 * (1-2, groups of 1 or 2 rows 1-4), split (nv = 1) or not, or one vector
 * of nlast < 8 columns.  (The NR bounds keep the compiler from building
 * the cases that never come.) */
#define HSW_TILES(NR, EPI, name)                                                             \
    static void name(const hsw_args *p, size_t r0, size_t c, int nv, int split, int nlast)   \
    {                                                                                        \
        if (NR <= 6 && split) hsw_tile(p, r0, c, NR, 1, NR <= 6, 0, 8, EPI);                 \
        else if (nlast < 8 && NR == 12 && EPI < EPI_ADD) hsw_tile_part(p, r0, c, NR, nlast, EPI); \
        else if (nlast < 8) hsw_tile(p, r0, c, NR, 1, 0, 1, nlast, EPI);                     \
        else if (NR <= 6 && nv == 2) hsw_tile(p, r0, c, NR, NR <= 6 ? 2 : 1, 0, 0, 8, EPI);  \
        else if (NR <= 2 && nv == 3) hsw_tile(p, r0, c, NR, NR <= 2 ? 3 : 1, 0, 0, 8, EPI);  \
        else if (NR <= 2 && nv == 4) hsw_tile(p, r0, c, NR, NR <= 2 ? 4 : 1, 0, 0, 8, EPI);  \
        else hsw_tile(p, r0, c, NR, 1, 0, 0, 8, EPI);                                        \
    }
#define HSW_EPI(EPI, e)                     \
    HSW_TILES(1, EPI, hsw_tile1_##e)        \
    HSW_TILES(2, EPI, hsw_tile2_##e)        \
    HSW_TILES(4, EPI, hsw_tile4_##e)        \
    HSW_TILES(6, EPI, hsw_tile6_##e)        \
    HSW_TILES(12, EPI, hsw_tile12_##e)      \
    static hsw_tile_fn *const hsw_tiles_##e[13] = {                         \
        [1] = hsw_tile1_##e, [2] = hsw_tile2_##e, [4] = hsw_tile4_##e,      \
        [6] = hsw_tile6_##e, [12] = hsw_tile12_##e};
HSW_EPI(EPI_RELU, relu)
HSW_EPI(EPI_MASK, mask)
HSW_EPI(EPI_ADD, add)
HSW_EPI(EPI_ADDC, addc)

/* Kinds of row group: the first and last 6 of a group of 12, a group of 4,
 * groups of 2 and 1 (one chain everywhere). */
enum { ROWS_L12, ROWS_R12, ROWS_4, ROWS_ONE };

/* nr rows from r0 of a group of the given kind: the whole vectors of 8
 * columns before column upto (of n). */
static void hsw_rows(const hsw_args *p, size_t r0, int nr, int kind, size_t n, size_t upto)
{
    int nv = (int)(n / 8), nu = (int)(upto / 8);
    int sp0 = -1, sp1 = -1; /* the vectors summed in two chains */
    if ((kind == ROWS_L12 || kind == ROWS_R12) && n >= 16) {
        int t_first = nv % 2 == 0; /* the staircase's last 8 × 6 tile in the first 6 rows */
        if (kind == ROWS_L12) sp0 = 0, sp1 = t_first ? nv - 1 : -1;
        else sp0 = t_first ? -1 : nv - 1;
    }
#define HSW_SPLIT(v) (kind == ROWS_4 || (v) == sp0 || (v) == sp1)
    hsw_tile_fn *tile = p->tiles[nr];
    const int most = nr <= 2 ? 4 : 2; /* vectors in one tile */
    for (int v = 0; v < nu;) {
        if (HSW_SPLIT(v)) {
            tile(p, r0, 8 * (size_t)v, 1, 1, 8);
            v++;
            continue;
        }
        int nvt = 1;
        while (nvt < most && v + nvt < nu && !HSW_SPLIT(v + nvt)) nvt++;
        tile(p, r0, 8 * (size_t)v, nvt, 0, 8);
        v += nvt;
    }
#undef HSW_SPLIT
}

/* The weight gradient's last CW = n mod 8 = 1 or 2 columns (one chain each),
 * NV vectors of 8 / CW rows each from r0, packed: lane i of a vector holds
 * row i (CW = 1) or, with CW = 2, the two columns of rows 0, 1, 4, 5 (even
 * vectors) or 2, 3, 6, 7 (odd ones) of its 8 rows, which the unpacking of
 * 8 rows' values side by side (sr = 1) gives.  Unpacked, these columns took
 * a vector of 8 lanes per row for 1 or 2 columns.  Only the lanes are
 * different: each output is still the same chain over k, added into the
 * output (EPI_ADD) in the same order. */
AINLINE void hsw_ptile(const hsw_args *p, size_t r0, size_t c, const int NV, const int CW)
{
    __m256 acc[12];
    float *const as = p->acc_s ? p->acc_s + r0 * p->lds + c : NULL; /* vector v at row r0 + v */
#pragma GCC unroll 12
    for (int v = 0; v < NV; v++)
        acc[v] = p->resume ? _mm256_load_ps(as + v * p->lds) : _mm256_setzero_ps();
    const size_t sk = p->sk, ldb = p->ldb, L = p->L;
    const float *x = p->x + r0 + p->k0 * sk, *b = p->b + p->k0 * ldb + c;
    for (size_t k = 0; k < L; k++, x += sk, b += ldb) {
        __m256 w = CW == 1 ? _mm256_broadcast_ss(b)
                           : _mm256_castpd_ps(_mm256_broadcast_sd((const double *)(const void *)b));
        if (CW == 1) {
#pragma GCC unroll 12
            for (int v = 0; v < NV; v++)
                acc[v] = _mm256_fmadd_ps(_mm256_loadu_ps(x + 8 * v), w, acc[v]);
        } else {
#pragma GCC unroll 6
            for (int v = 0; v < NV; v += 2) {
                __m256 xv = _mm256_loadu_ps(x + 4 * v);
                acc[v] = _mm256_fmadd_ps(_mm256_unpacklo_ps(xv, xv), w, acc[v]);
                acc[v + 1] = _mm256_fmadd_ps(_mm256_unpackhi_ps(xv, xv), w, acc[v + 1]);
            }
        }
    }
    if (p->suspend) {
#pragma GCC unroll 12
        for (int v = 0; v < NV; v++) _mm256_store_ps(as + v * p->lds, acc[v]);
        return;
    }
    /* Each output once: the vector's lanes gathered from the output and
     * scattered back in registers (through the stack, the vector load of 8
     * single-float stores waited for them to reach the cache). */
    const size_t ldo = p->ldo;
#pragma GCC unroll 12
    for (int v = 0; v < NV; v++) {
        float *o = p->o + (r0 + (size_t)(CW == 1 ? 8 * v : 8 * (v / 2))) * ldo + c;
        if (CW == 1) {
            __m256 old = _mm256_set_ps(o[7 * ldo], o[6 * ldo], o[5 * ldo], o[4 * ldo],
                                       o[3 * ldo], o[2 * ldo], o[ldo], o[0]);
            __m256 t = _mm256_add_ps(acc[v], old);
            __m128 lo = _mm256_castps256_ps128(t), hi = _mm256_extractf128_ps(t, 1);
#pragma GCC unroll 4
            for (int i = 0; i < 4; i++) {
                _MM_EXTRACT_FLOAT(o[(size_t)i * ldo], lo, i);
                _MM_EXTRACT_FLOAT(o[(size_t)(i + 4) * ldo], hi, i);
            }
        } else {
            /* rows 0, 1, 4, 5 of the 8 (even v) or 2, 3, 6, 7 (odd v) */
            float *q = o + (size_t)(v % 2 ? 2 : 0) * ldo;
            __m256 t = _mm256_add_ps(acc[v], _mm256_set_m128(hsw_load_pairs(q + 4 * ldo, q + 5 * ldo),
                                                             hsw_load_pairs(q, q + ldo)));
            hsw_store_pairs(q, q + ldo, _mm256_castps256_ps128(t));
            hsw_store_pairs(q + 4 * ldo, q + 5 * ldo, _mm256_extractf128_ps(t, 1));
        }
    }
}

/* Rows [r0, r1)'s last cw = 1 or 2 columns in packed tiles (hsw_ptile) of
 * up to 96 or 48 rows (twelve chains under way); returns the first row left
 * (fewer than 8). */
static size_t hsw_ptail(const hsw_args *p, size_t r0, size_t r1, size_t c, size_t cw)
{
    size_t r = r0;
    for (; r1 - r >= 8; ) {
        size_t nv = (r1 - r) / 8 * cw; /* vectors left */
        if (cw == 1) {
            if (nv >= 12) hsw_ptile(p, r, c, 12, 1), nv = 12;
            else if (nv >= 8) hsw_ptile(p, r, c, 8, 1), nv = 8;
            else if (nv >= 4) hsw_ptile(p, r, c, 4, 1), nv = 4;
            else if (nv >= 2) hsw_ptile(p, r, c, 2, 1), nv = 2;
            else hsw_ptile(p, r, c, 1, 1), nv = 1;
        } else {
            if (nv >= 12) hsw_ptile(p, r, c, 12, 2), nv = 12;
            else if (nv >= 8) hsw_ptile(p, r, c, 8, 2), nv = 8;
            else if (nv >= 4) hsw_ptile(p, r, c, 4, 2), nv = 4;
            else hsw_ptile(p, r, c, 2, 2), nv = 2;
        }
        r += nv * 8 / cw;
    }
    return r;
}

/* The weight gradient's last CW = n mod 8 = 3 to 7 columns (one chain each)
 * with vectors over rows: vector v of column j holds rows r0 + 8v to
 * r0 + 8v + 7 of column c + j (consecutive, sr = 1), the last vector (PART)
 * only its first nl.  Each lane is the same chain over k as in a tile over
 * columns, whose one vector per row carried only CW of its 8 lanes; this
 * tile's are all full but the last's.  The NV row vectors stay in
 * registers, one broadcast per column and k. */
AINLINE void hsw_ctile(const hsw_args *p, size_t r0, size_t c, const int NV, const int CW,
                       const int PART, int nl)
{
    __m256 acc[7][3];
    /* acc[j][v] at row r0 + j·NV + v of the scratch */
    float *const as = p->acc_s ? p->acc_s + r0 * p->lds + c : NULL;
#pragma GCC unroll 7
    for (int j = 0; j < CW; j++)
#pragma GCC unroll 3
        for (int v = 0; v < NV; v++)
            acc[j][v] = p->resume ? _mm256_load_ps(as + (size_t)(j * NV + v) * p->lds)
                                  : _mm256_setzero_ps();
    const __m256i m = _mm256_loadu_si256((const __m256i *)(hsw_masks + 8 - (PART ? nl : 8)));
    const size_t sk = p->sk, ldb = p->ldb, L = p->L;
    const float *x = p->x + r0 + p->k0 * sk, *b = p->b + p->k0 * ldb + c;
    for (size_t k = 0; k < L; k++, x += sk, b += ldb) {
        __m256 xv[3];
#pragma GCC unroll 3
        for (int v = 0; v < NV; v++) {
            xv[v] = PART && v == NV - 1 ? _mm256_maskload_ps(x + 8 * v, m)
                                        : _mm256_loadu_ps(x + 8 * v);
            __asm__("" : "+x"(xv[v]));
        }
#pragma GCC unroll 7
        for (int j = 0; j < CW; j++) {
            __m256 bj = _mm256_broadcast_ss(b + j);
#pragma GCC unroll 3
            for (int v = 0; v < NV; v++) acc[j][v] = _mm256_fmadd_ps(xv[v], bj, acc[j][v]);
        }
    }
    if (p->suspend) {
#pragma GCC unroll 7
        for (int j = 0; j < CW; j++)
#pragma GCC unroll 3
            for (int v = 0; v < NV; v++)
                _mm256_store_ps(as + (size_t)(j * NV + v) * p->lds, acc[j][v]);
        return;
    }
    /* Each output once: its chain's sum + what the output held, the 8 rows
     * of a vector turned into 8 rows of CW columns in registers. */
    const size_t ldo = p->ldo;
#pragma GCC unroll 3
    for (int v = 0; v < NV; v++) {
        __m256 t[8];
#pragma GCC unroll 8
        for (int j = 0; j < 8; j++) t[j] = j < CW ? acc[j][v] : _mm256_setzero_ps();
        hsw_transpose8(t);
        float *o = p->o + (r0 + 8 * (size_t)v) * ldo + c;
        const int rows = PART && v == NV - 1 ? nl : 8;
#pragma GCC unroll 8
        for (int i = 0; i < 8; i++)
            if (i < rows)
                hsw_store_part(o + (size_t)i * ldo,
                               _mm256_add_ps(t[i], hsw_load_part(o + (size_t)i * ldo, CW)), CW);
    }
}

/* Rows [r0, r1)'s last CW = 3 to 7 columns in hsw_ctile's tiles of up to
 * 12 / CW row vectors, and 3 at CW = 3 (at CW = 4, 12 accumulators, 3 row
 * vectors and a broadcast fill the 16 registers). */
AINLINE void hsw_ctiles(const hsw_args *p, size_t r0, size_t r1, size_t c, const int CW)
{
    const size_t most = CW <= 4 ? 3 : CW <= 6 ? 2 : 1;
    for (size_t r = r0, nv; r < r1; r += 8 * nv) {
        size_t left = (r1 - r + 7) / 8;
        nv = left < most ? left : most;
        int part = r + 8 * nv > r1, nl = part ? (int)(r1 - r - 8 * (nv - 1)) : 8;
        if (most >= 3 && nv == 3)
            part ? hsw_ctile(p, r, c, 3, CW, 1, nl) : hsw_ctile(p, r, c, 3, CW, 0, 8);
        else if (most >= 2 && nv == 2)
            part ? hsw_ctile(p, r, c, 2, CW, 1, nl) : hsw_ctile(p, r, c, 2, CW, 0, 8);
        else
            part ? hsw_ctile(p, r, c, 1, CW, 1, nl) : hsw_ctile(p, r, c, 1, CW, 0, 8);
    }
}
static void hsw_ctail(const hsw_args *p, size_t r0, size_t r1, size_t c, size_t cw)
{
    switch (cw) {
    case 3: hsw_ctiles(p, r0, r1, c, 3); break;
    case 4: hsw_ctiles(p, r0, r1, c, 4); break;
    case 5: hsw_ctiles(p, r0, r1, c, 5); break;
    case 6: hsw_ctiles(p, r0, r1, c, 6); break;
    default: hsw_ctiles(p, r0, r1, c, 7);
    }
}

/* The forward product's and the deltas' last CW = 1 or 2 columns (n mod 8)
 * with vectors over rows.  hsw_tile's 12-row tiles carry them in one vector
 * per row, CW of its 8 lanes used, and are bound by their 12 broadcasts per
 * k.  Here a tile's 8 · NV rows are first turned into columns in a buffer in
 * the L1 cache (hsw_tt_fill), then each k is NV loads of 8 rows and CW
 * broadcasts for CW · NV FMAs, all lanes used.  Each output is still the
 * same chain over k (x·b + acc in each FMA), stored as hsw_store does.  Only
 * for a product in one block (K <= 320; blocks are longer than the buffer's
 * 128 terms).  On Zen 2, 512 rows, n = K = 50: these columns took 4.3 µs
 * instead of 6.0 (the buffer about 2.8 of them), the forward product 33.1
 * instead of 34.5 and the deltas 35.5 instead of 37.3; 100 rows: 6.6 and 6.9
 * instead of 6.8 and 7.1; n = K = 49, 512 rows: 32.0 and 33.8 instead of 33.9
 * and 35.5. */
#define HSW_TT_L 128 /* the longest product the buffer takes */
#define HSW_TT_LMIN 16 /* at 10 terms 4 % slower than hsw_tile's (16: 30 % faster) */
#define HSW_TT_NV 6  /* row vectors in a tile (twelve chains) */

/* An 8 × 8 block transposed in registers.  Rows i and i + 4 sit in the two
 * halves of one register (128-bit loads), so that no shuffle crosses lanes:
 * on Zen 2 an SGD step's transposes at w = 72 took 5.9-6.2 µs this way
 * against 7.7 with 256-bit loads and vperm2f128.  r[i] (i < 4) holds columns
 * 0-3 of rows i | i + 4, r[i + 4] columns 4-7; column q of the block goes to
 * dst + q·ldd, for q < nq. */
AINLINE void hsw_tr8_load(const float *src, size_t lds, __m256 r[8])
{
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(src + i * lds)),
                                    _mm_loadu_ps(src + (i + 4) * lds), 1);
        r[i + 4] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(src + i * lds + 4)),
                                        _mm_loadu_ps(src + (i + 4) * lds + 4), 1);
    }
}

AINLINE void hsw_tr8_store(const __m256 r[8], float *dst, size_t ldd, int nq)
{
#pragma GCC unroll 2
    for (int h = 0; h < 8; h += 4) { /* columns h to h + 3 */
        __m256 u[4] = {_mm256_unpacklo_ps(r[h], r[h + 1]), _mm256_unpackhi_ps(r[h], r[h + 1]),
                       _mm256_unpacklo_ps(r[h + 2], r[h + 3]),
                       _mm256_unpackhi_ps(r[h + 2], r[h + 3])};
        __m256 o[4] = {_mm256_shuffle_ps(u[0], u[2], 0x44), _mm256_shuffle_ps(u[0], u[2], 0xEE),
                       _mm256_shuffle_ps(u[1], u[3], 0x44), _mm256_shuffle_ps(u[1], u[3], 0xEE)};
#pragma GCC unroll 4
        for (int q = 0; q < 4; q++)
            if (h + q < nq) _mm256_storeu_ps(dst + (h + q) * ldd, o[q]);
    }
}

void gv_chain_hsw_transpose(const float *src, size_t lds, size_t nr, size_t nc, float *dst,
                            size_t ldd)
{
    for (size_t j = 0; j < nr; j += 8)
        for (size_t k = 0; k < nc; k += 8) {
            if (nr - j < 8 || nc - k < 8) {
                for (size_t q = k; q < nc && q < k + 8; q++)
                    for (size_t i = j; i < nr && i < j + 8; i++) dst[q * ldd + i] = src[i * lds + q];
                continue;
            }
            __m256 r[8];
            hsw_tr8_load(src + j * lds + k, lds, r);
            hsw_tr8_store(r, dst + k * ldd + j, ldd, 8);
        }
}

/* t[k·ts + i] = x[i·sr + k] for 8 rows i and k < L: 8 × 8 blocks
 * (hsw_tr8_load), the last L mod 8 with masked loads, which read nothing
 * past the row. */
AINLINE void hsw_tt_fill(const float *x, size_t sr, size_t L, float *t, size_t ts)
{
    for (size_t k = 0; k < L; k += 8) {
        const int nk = L - k < 8 ? (int)(L - k) : 8;
        __m256 r[8];
        if (nk == 8) {
            hsw_tr8_load(x + k, sr, r);
        } else {
            const int32_t *mk = hsw_masks + 8;
            const __m128i m0 = _mm_loadu_si128((const __m128i *)(mk - (nk < 4 ? nk : 4)));
            const __m128i m1 = _mm_loadu_si128((const __m128i *)(mk - (nk > 4 ? nk - 4 : 0)));
#pragma GCC unroll 4
            for (int i = 0; i < 4; i++) {
                r[i] = _mm256_insertf128_ps(
                    _mm256_castps128_ps256(_mm_maskload_ps(x + i * sr + k, m0)),
                    _mm_maskload_ps(x + (i + 4) * sr + k, m0), 1);
                r[i + 4] = _mm256_insertf128_ps(
                    _mm256_castps128_ps256(_mm_maskload_ps(x + i * sr + k + 4, m1)),
                    _mm_maskload_ps(x + (i + 4) * sr + k + 4, m1), 1);
            }
        }
        hsw_tr8_store(r, t + k * ts, ts, nk);
    }
}

/* Rows a and b's 2 outputs (CW = 2) of a product's only block, as
 * hsw_store: the ReLU or the mask.  (hsw_store's + 0 for a first block
 * changes no chain here: each starts at +0, so none ends at -0.) */
AINLINE void hsw_tt_store(float *oa, float *ob, const float *sa, const float *sb, __m128 v,
                          const int EPI)
{
    const __m128 z = _mm_setzero_ps();
    __m128 t = EPI == EPI_MASK ? hsw_load_pairs(sa, sb) : v;
    hsw_store_pairs(oa, ob, _mm_and_ps(v, _mm_cmp_ps(t, z, _CMP_GT_OQ)));
}

/* 8 · NV rows from r0, columns c to c + CW - 1 (CW = 1 or 2); t: the buffer. */
AINLINE void hsw_ttile(const hsw_args *p, size_t r0, size_t c, const int NV, const int CW,
                       const int EPI, float *t)
{
    const size_t sr = p->sr, L = p->L, ldb = p->ldb, ts = 8 * NV;
    const float *x = p->x + r0 * sr + p->k0;
#pragma GCC unroll 6
    for (int v = 0; v < NV; v++) hsw_tt_fill(x + (size_t)(8 * v) * sr, sr, L, t + 8 * v, ts);
    __m256 acc[2][HSW_TT_NV];
#pragma GCC unroll 6
    for (int v = 0; v < NV; v++) acc[0][v] = acc[1][v] = _mm256_setzero_ps();
    const float *b = p->b + p->k0 * ldb + c, *tk = t;
    for (size_t k = 0; k < L; k++, b += ldb, tk += ts) {
        __m256 b0 = _mm256_broadcast_ss(b), b1 = CW == 2 ? _mm256_broadcast_ss(b + 1) : b0;
#pragma GCC unroll 6
        for (int v = 0; v < NV; v++) {
            __m256 tv = _mm256_load_ps(tk + 8 * v);
            __asm__("" : "+x"(tv)); /* one load for both FMAs */
            acc[0][v] = _mm256_fmadd_ps(tv, b0, acc[0][v]);
            if (CW == 2) acc[1][v] = _mm256_fmadd_ps(tv, b1, acc[1][v]);
        }
    }
    const size_t ldo = p->ldo;
    float *o = p->o + r0 * ldo + c;
    const float *s = EPI == EPI_MASK ? p->sel + r0 * ldo + c : NULL;
    const __m256 z = _mm256_setzero_ps();
    if (CW == 1) {
#pragma GCC unroll 6
        for (int v = 0; v < NV; v++) { /* lane i: row 8v + i */
            float *ov = o + (size_t)(8 * v) * ldo;
            __m256 a = acc[0][v], g = a;
            if (EPI == EPI_MASK) {
                const float *sv = s + (size_t)(8 * v) * ldo;
                g = _mm256_set_ps(sv[7 * ldo], sv[6 * ldo], sv[5 * ldo], sv[4 * ldo], sv[3 * ldo],
                                  sv[2 * ldo], sv[ldo], sv[0]);
            }
            a = _mm256_and_ps(a, _mm256_cmp_ps(g, z, _CMP_GT_OQ));
            __m128 lo = _mm256_castps256_ps128(a), hi = _mm256_extractf128_ps(a, 1);
#pragma GCC unroll 4
            for (int i = 0; i < 4; i++) {
                _MM_EXTRACT_FLOAT(ov[(size_t)i * ldo], lo, i);
                _MM_EXTRACT_FLOAT(ov[(size_t)(i + 4) * ldo], hi, i);
            }
        }
        return;
    }
#pragma GCC unroll 6
    for (int v = 0; v < NV; v++) {
        /* rows 0, 1 | 4, 5 of the 8 (lo) and 2, 3 | 6, 7 (hi) */
        __m256 lo = _mm256_unpacklo_ps(acc[0][v], acc[1][v]);
        __m256 hi = _mm256_unpackhi_ps(acc[0][v], acc[1][v]);
        __m128 q[4] = {_mm256_castps256_ps128(lo), _mm256_castps256_ps128(hi),
                       _mm256_extractf128_ps(lo, 1), _mm256_extractf128_ps(hi, 1)};
#pragma GCC unroll 4
        for (int h = 0; h < 4; h++) {
            size_t ra = (size_t)(8 * v + 2 * h) * ldo;
            hsw_tt_store(o + ra, o + ra + ldo, s ? s + ra : NULL, s ? s + ra + ldo : NULL, q[h],
                         EPI);
        }
    }
}

/* The whole 8 rows of [r0, r1) in hsw_ttile's tiles, of up to 48 rows and
 * as even as may be, columns c to c + cw - 1; returns the first row left
 * (fewer than 8). */
static size_t hsw_ttail(const hsw_args *p, size_t r0, size_t r1, size_t c, size_t cw)
{
    float t[8 * HSW_TT_NV * HSW_TT_L] __attribute__((aligned(32)));
    const size_t nv = (r1 - r0) / 8, nt = (nv + HSW_TT_NV - 1) / HSW_TT_NV;
    size_t r = r0;
    for (size_t i = 0; i < nt; i++) {
        int v = (int)(nv * (i + 1) / nt - nv * i / nt);
#define HSW_TT_CASE(NV)                                                                  \
    case NV:                                                                             \
        if (cw == 1)                                                                     \
            p->sel ? hsw_ttile(p, r, c, NV, 1, EPI_MASK, t)                              \
                   : hsw_ttile(p, r, c, NV, 1, EPI_RELU, t);                             \
        else                                                                             \
            p->sel ? hsw_ttile(p, r, c, NV, 2, EPI_MASK, t)                              \
                   : hsw_ttile(p, r, c, NV, 2, EPI_RELU, t);                             \
        break;
        switch (v) {
            HSW_TT_CASE(1) HSW_TT_CASE(2) HSW_TT_CASE(3) HSW_TT_CASE(4) HSW_TT_CASE(5)
            default: HSW_TT_CASE(6)
        }
#undef HSW_TT_CASE
        r += 8 * (size_t)v;
    }
    return r;
}

/* The last n % 8 columns (one chain in every kind of group) of rows [r0, r1),
 * in tiles of up to 12 rows. */
static void hsw_tail(const hsw_args *p, size_t r0, size_t r1, size_t n)
{
    size_t c = n / 8 * 8;
    if (p->packed && n - c >= 3) {
        hsw_ctail(p, r0, r1, c, n - c);
        return;
    }
    if (p->packed && n - c >= 1) r0 = hsw_ptail(p, r0, r1, c, n - c);
    if (!p->packed && (n - c == 1 || n - c == 2) && p->first && p->last &&
        p->L >= HSW_TT_LMIN && p->L <= HSW_TT_L)
        r0 = hsw_ttail(p, r0, r1, c, n - c);
    for (size_t r = r0, nr; r < r1 && c < n; r += nr) {
        nr = r1 - r >= 12 ? 12 : r1 - r >= 6 ? 6 : r1 - r >= 4 ? 4 : r1 - r >= 2 ? 2 : 1;
        p->tiles[nr](p, r, c, 1, 0, (int)(n - c));
    }
}

/* A group of 12 rows: each half's whole vectors; where n < 16 (one chain
 * everywhere) the whole vector in one tile of 12 rows. */
static void hsw_rows12(const hsw_args *p, size_t r0, size_t n)
{
    if (n < 16) {
        if (n >= 8) p->tiles[12](p, r0, 0, 1, 0, 8);
        return;
    }
    hsw_rows(p, r0, 6, ROWS_L12, n, n / 8 * 8);
    hsw_rows(p, r0 + 6, 6, ROWS_R12, n, n / 8 * 8);
}

/* All B rows, one block of the inner dimension, in OpenBLAS's groups. */
static void hsw_block(const hsw_args *p, size_t B, size_t n)
{
    size_t r = 0, upto = n / 8 * 8;
    for (; B - r >= 12; r += 12) hsw_rows12(p, r, n);
    for (; B - r > 4; r += 4) hsw_rows(p, r, 4, ROWS_4, n, upto);
    if (B - r == 4) {
        hsw_rows(p, r, 4, ROWS_4, n, upto);
    } else {
        if (B - r >= 2) hsw_rows(p, r, 2, ROWS_ONE, n, upto), r += 2;
        if (B - r == 1) hsw_rows(p, r, 1, ROWS_ONE, n, upto);
    }
    hsw_tail(p, 0, B, n);
}

/* All blocks of the inner dimension; with scratch for the chains (acc_s),
 * each block in chunks of HSW_KC.  A chunk's tiles suspend their chains in
 * the scratch and the next chunk's resume them: each chain's terms are the
 * same, in the same order, so the sums are the same bits, but a chunk's
 * operands stay in the L1 cache for all its tiles.  (Weight gradients with
 * 512 inner terms, 30 × 30 outputs: 58 GFLOP/s whole, 72 in chunks of 128,
 * on Zen 2.)  HSW_KC is a multiple of 8: the two-chain tiles' pairs run
 * through whole blocks of 8, and only the block's last chunk has the k
 * after them. */
static void hsw_product(hsw_args p, size_t B, size_t K, size_t n)
{
    for (size_t ls = 0, L; ls < K; ls += L) {
        L = K - ls;
        if (L >= 2 * HSW_Q) L = HSW_Q;
        else if (L > HSW_Q) L = (L / 2 + HSW_UM - 1) / HSW_UM * HSW_UM;
        p.first = ls == 0, p.last = ls + L == K;
        for (size_t cs = ls, C; cs < ls + L; cs += C) {
            C = p.acc_s && ls + L - cs > HSW_KC ? HSW_KC : ls + L - cs;
            p.k0 = cs, p.L = C, p.resume = cs > ls, p.suspend = cs + C < ls + L;
            hsw_block(&p, B, n);
        }
    }
}

void gv_chain_hsw(const float *a, size_t B, size_t K, const float *b, size_t n, const float *sel,
                  float *h)
{
    hsw_args p = {.x = a, .sr = K, .sk = 1, .b = b, .ldb = n, .o = h, .ldo = n, .sel = sel,
                  .tiles = sel ? hsw_tiles_mask : hsw_tiles_relu};
    hsw_product(p, B, K, n);
}

void gv_chain_hsw_tn(const float *g, size_t K, size_t m, const float *a, size_t n, float *c)
{
    hsw_args p = {.x = g, .sr = 1, .sk = m, .b = a, .ldb = n, .o = c, .ldo = n,
                  .tiles = hsw_tiles_add, .packed = 1};
    /* The scratch: m rows (and 8 more for hsw_ctile's last tile) of n
     * columns rounded up to whole vectors, twice.  Without it the blocks run
     * whole, with the same sums: at most HSW_KC inner terms, no memory, or
     * n outside 17-64.  On Zen 2 (m = n, 512 inner terms) the chunks took
     * n = 50 from 61-73 GFLOP/s (runs vary) to 78 and n = 64 from 76 to 82,
     * but made n = 72 slower (95 -> 92), and n = 10 and 16 at 170 inner
     * terms (46 -> 42 at m = 30, 78 -> 65). */
    p.lds = (n + 7) / 8 * 8;
    size_t bytes = 2 * (m + 8) * p.lds * sizeof(float);
    if (K > HSW_KC && n > 16 && n <= GV_CHAIN_HSW_CHUNK_MAX_N &&
        (p.acc_s = aligned_alloc(32, bytes)))
        p.odd_s = p.acc_s + (m + 8) * p.lds, p.tiles = hsw_tiles_addc;
    hsw_product(p, m, K, n);
    free(p.acc_s);
}
#endif
