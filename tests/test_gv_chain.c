/* test_gv_chain.c: glassvm's kernel (gv_chain.h) against scalar references
 * written here.  AVX-512 builds: each output one fmaf chain over k (with the
 * ReLU or the mask), the weight gradient in OpenBLAS's blocks of rows, the
 * deltas' dot-product tail with its two trees.  AVX2 builds: the orders of
 * OpenBLAS's Haswell and Zen cores (gv_chain_hsw.c), written out here from
 * their description: the blocks of the inner dimension, the groups of rows
 * and the outputs summed in two chains.  And the transposes.  Bit for bit,
 * at shape edges (n not a multiple of 16 or 8, rows not a multiple of 4 or
 * 12, inner dimensions past one block) and for -0, NaN and infinities.
 * Whether these orders are OpenBLAS's is the check's business (gv_chain_use;
 * test_refusals below on OpenBLAS's AVX2 cores; a whole evaluation with and
 * without the kernel: test_gv_mlp.c). */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gv_chain.h"
#include "gv_core.h"
#include "gv_test.h"

extern char *openblas_get_corename(void);

static int compiled(void) { return gv_chain_kernel() != 0; }

/* The next test value from the generator state st: uniform in [-1/2, 1/2)
 * on a grid of 2⁻²⁴; *pick (st's bits 33 and up) chooses special values. */
static float test_value(uint64_t *st, unsigned *pick)
{
    *st = *st * 6364136223846793005ull + 1442695040888963407ull;
    *pick = (unsigned)(*st >> 33);
    return (float)((double)(*st >> 40) / 16777216.0 - 0.5);
}

/* The same floats bit for bit, except that any two NaNs are the same: which
 * of two NaNs an addition returns depends on its operands' order, which the
 * compiler may swap (the two chains of the AVX2 order meet in one). */
static int same_bits(const float *x, const float *y, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (memcmp(x + k, y + k, sizeof *x) && !(isnan(x[k]) && isnan(y[k]))) return 0;
    return 1;
}

/* ---- the AVX2 kernel's orders (OpenBLAS 0.3.21, Haswell and Zen cores) ---- */

/* Ends of the blocks of an inner dimension K: 320 while 640 or more remain,
 * then the rest in two halves rounded up to 8. */
static int hsw_cuts(size_t K, size_t cut[8])
{
    int nc = 0;
    for (size_t ls = 0, L; ls < K; ls += L) {
        L = K - ls;
        if (L >= 640) L = 320;
        else if (L > 320) L = (L / 2 + 7) / 8 * 8;
        cut[nc++] = ls + L;
    }
    return nc;
}

/* Is output (i, j) of a B × n product two chains?  Rows go in groups of 12
 * while 12 remain, then of 4 while more than 4 remain, then 4, or 2 and 1.
 * In a group of 12 (n >= 16): columns 0-7 of its first 6 rows, and the last
 * whole 8 columns of its first 6 rows (n / 8 even) or its last 6 (odd).  In
 * a group of 4: all whole 8 columns. */
static int hsw_split(size_t B, size_t n, size_t i, size_t j)
{
    size_t nv = n / 8, v = j / 8, b12 = B / 12 * 12;
    if (v >= nv) return 0;
    if (i < b12) {
        if (n < 16) return 0;
        int last_first = nv % 2 == 0;
        if (i % 12 < 6) return v == 0 || (last_first && v == nv - 1);
        return !last_first && v == nv - 1;
    }
    size_t rest = B - b12, fours = 0;
    for (; rest > 4; rest -= 4) fours++;
    if (rest == 4) fours++;
    return i - b12 < 4 * fours;
}

/* Σ x[i·sr + k·sk] · b[k·ldb + j] over [k0, k1): one fmaf chain, or two
 * (even and odd k in blocks of 8, the k after the last whole block in the
 * even one; odd + even). */
static float ref_sum(const float *x, size_t sr, size_t sk, const float *b, size_t ldb, size_t i,
                     size_t j, size_t k0, size_t k1, int split)
{
    float e = 0.0f, o = 0.0f;
    size_t k = k0;
    if (split)
        for (; k1 - k >= 8; k += 8)
            for (size_t q = k; q < k + 8; q++) {
                float *s = (q - k) % 2 ? &o : &e;
                *s = fmaf(x[i * sr + q * sk], b[q * ldb + j], *s);
            }
    for (; k < k1; k++) e = fmaf(x[i * sr + k * sk], b[k * ldb + j], e);
    return split ? o + e : e;
}

/* Output (i, j) of the B-row product as the build's kernel sums it: one
 * chain over [0, K) (AVX-512), or each block's sum added to the blocks
 * before, from zero (AVX2).  c0: the value it is added to (AVX2's first
 * block adds to 0, turning -0 into +0). */
static float ref_out(const float *x, size_t sr, size_t sk, const float *b, size_t ldb, size_t B,
                     size_t n, size_t K, size_t i, size_t j, float c0)
{
    if (gv_chain_kernel() != 2) return ref_sum(x, sr, sk, b, ldb, i, j, 0, K, 0);
    size_t cut[8];
    int nc = hsw_cuts(K, cut), split = hsw_split(B, n, i, j);
    float v = c0;
    for (int q = 0; q < nc; q++)
        v = ref_sum(x, sr, sk, b, ldb, i, j, q ? cut[q - 1] : 0, cut[q], split) + v;
    return v;
}

/* h = act(a · b), in the build's order. */
static void test_chain(void)
{
    if (!compiled()) {
        printf("  (neither an AVX-512 nor an AVX2 build: glassvm's kernel is not compiled in)\n");
        return;
    }
    /* AVX-512: n % 16 in 1..8 from 17 columns: the last vector holds two
     * rows' last columns (odd row counts leave one row alone in the last
     * tile).  AVX2: n from 16 on puts two chains at both ends of the groups
     * of 12 (n / 8 odd and even), rows 12, 13, 16, 24 and 27 end in every
     * kind of group, K = 400 and 784 take two and three blocks; the last
     * vector holds 1-7 columns, read and written without masked moves. */
    size_t ns[] = {1, 7, 8, 15, 16, 17, 19, 20, 24, 30, 32, 33, 45, 50, 64, 72, 82, 96},
           Ks[] = {1, 7, 10, 30, 33, 50, 96, 97, 400, 784},
           Bs[] = {1, 2, 3, 4, 5, 9, 12, 13, 16, 17, 24, 27, 64, 100};
    const size_t nns = sizeof ns / sizeof *ns, nKs = sizeof Ks / sizeof *Ks,
                 nBs = sizeof Bs / sizeof *Bs;
    uint64_t st = 7;
    int bad = 0, shapes = 0;
    for (size_t in_ = 0; in_ < nns; in_++)
        for (size_t ik = 0; ik < nKs; ik++)
            for (size_t ib = 0; ib < nBs; ib++)
                for (int masked = 0; masked < 2; masked++) {
                    size_t n = ns[in_], K = Ks[ik], B = Bs[ib], na = B * K, nb = K * n;
                    float *a = malloc(na * sizeof *a), *bm = malloc(nb * sizeof *bm),
                          *sel = malloc(B * n * sizeof *sel), *h = malloc(B * n * sizeof *h),
                          *r = malloc(B * n * sizeof *r);
                    for (size_t k = 0; k < na + nb + B * n; k++) {
                        unsigned c;
                        float v = test_value(&st, &c);
                        c %= 64;
                        if (c == 0) v = -0.0f;
                        if (c == 1) v = 0.0f;
                        if (c == 2 && B * n > 40) v = NAN; /* a few NaN rows */
                        if (c == 3 && B * n > 40) v = -INFINITY;
                        if (k < na) a[k] = v;
                        else if (k < na + nb) bm[k - na] = v;
                        else sel[k - na - nb] = v;
                    }
                    for (size_t i = 0; i < B; i++)
                        for (size_t j = 0; j < n; j++) {
                            float sum = ref_out(a, K, 1, bm, n, B, n, K, i, j, 0.0f);
                            float gate = masked ? sel[i * n + j] : sum;
                            r[i * n + j] = gate > 0.0f ? sum : 0.0f;
                        }
                    CHECK(gv_chain(a, B, K, bm, n, masked ? sel : NULL, h) == 1);
                    bad += !same_bits(h, r, B * n);
                    shapes++;
                    free(a), free(bm), free(sel), free(h), free(r);
                }
    CHECK_MSG(bad == 0, "%d of %d cases differ from the reference order", bad, shapes);
    float x[97] = {0}, y[97 * 97] = {0}, z[97 * 97];
    CHECK(gv_chain(x, 1, 97, y, 97, NULL, z) == 0); /* wider than 96: not handled */
}

/* c += gᵀ a, one chain per output or one per block of rows (AVX-512), or
 * in OpenBLAS's Haswell order (AVX2, blocks or not). */
static void test_chain_tn(void)
{
    if (!compiled()) return;
    /* The weight gradient's product, c += gᵀ a, onto a nonzero c: one
     * chain, or (blocks) a chain per block of k added in turn, blocks as
     * OpenBLAS's level-3 driver cuts them (512 rows: 256 + 256; 400:
     * 208 + 192; 1000: 320 + 320, then 192 + 168).  The last n % 16
     * columns run over c's rows for 1-4 left (n = 17, 50) and for n = 10
     * from m = 30 up: m = 50 and 100 take whole and partial groups of
     * 16-row blocks there; n = 72 takes pairs of rows.  AVX2: ref_out's
     * order, blocks or not (its halves round up to 8: 400 is 200 + 200;
     * 12, 13 and 24 output rows end in each kind of row group; the last
     * 1 or 2 columns, packed 8 or 4 rows to a vector, take tiles of 12, 8,
     * 4, 2 and 1 vectors at m = 30, 40, 50, 72, 100; the last 3 to 7, in
     * vectors over 8 rows (n = 19, 20, 21, 30, 23), take tiles of 1 to 3
     * row vectors, the last one part-filled where m % 8 != 0; up to 64
     * columns, K > 128 runs in chunks of 128 within each block). */
    size_t ms[] = {1, 3, 4, 9, 12, 13, 24, 30, 40, 50, 72, 100},
           nn[] = {1, 10, 17, 19, 20, 21, 23, 30, 32, 50, 72, 96},
           KK[] = {1, 5, 195, 400, 512, 1000};
    uint64_t st = 11;
    int bad = 0, shapes = 0;
    for (size_t im = 0; im < sizeof ms / sizeof *ms; im++)
        for (size_t in_ = 0; in_ < sizeof nn / sizeof *nn; in_++)
            for (size_t ik = 0; ik < sizeof KK / sizeof *KK; ik++)
                for (int blocks = 0; blocks < 2; blocks++) {
                    size_t mm = ms[im], n = nn[in_], K = KK[ik];
                    size_t cut[4] = {K, K, K, K}; /* block ends */
                    if (blocks && K == 400) cut[0] = 208;
                    if (blocks && K == 512) cut[0] = 256;
                    if (blocks && K == 1000) cut[0] = 320, cut[1] = 640, cut[2] = 832;
                    float *g = malloc(K * mm * sizeof *g), *a = malloc(K * n * sizeof *a),
                          *c = malloc(mm * n * sizeof *c), *r = malloc(mm * n * sizeof *r);
                    for (size_t k = 0; k < K * mm + K * n + mm * n; k++) {
                        unsigned pick;
                        float v = test_value(&st, &pick);
                        if (pick % 16 == 0) v = -0.0f;
                        if (k < K * mm) g[k] = v;
                        else if (k < K * mm + K * n) a[k - K * mm] = v;
                        else c[k - K * mm - K * n] = r[k - K * mm - K * n] = v;
                    }
                    for (size_t o = 0; o < mm && gv_chain_kernel() == 2; o++)
                        for (size_t j = 0; j < n; j++)
                            r[o * n + j] = ref_out(g, 1, mm, a, n, mm, n, K, o, j, r[o * n + j]);
                    for (size_t o = 0; o < mm && gv_chain_kernel() != 2; o++)
                        for (size_t j = 0; j < n; j++)
                            for (size_t b0 = 0, q = 0; b0 < K; b0 = cut[q++]) {
                                float sum = 0.0f;
                                for (size_t k = b0; k < cut[q]; k++)
                                    sum = fmaf(g[k * mm + o], a[k * n + j], sum);
                                r[o * n + j] = sum + r[o * n + j];
                            }
                    CHECK(gv_chain_tn(g, K, mm, a, n, c, blocks) == 1);
                    bad += memcmp(c, r, mm * n * sizeof *c) != 0;
                    shapes++;
                    free(g), free(a), free(c), free(r);
                }
    CHECK_MSG(bad == 0, "%d of %d weight-gradient cases differ from the reference order", bad,
              shapes);
}

/* n floats that end where a page that cannot be read begins; *base and
 * *len for munmap. */
static float *at_page_end(size_t n, void **base, size_t *len)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE), bytes = n * sizeof(float),
           span = (bytes + pg - 1) / pg * pg;
    *len = span + pg;
    char *m = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED || mprotect(m + span, pg, PROT_NONE) != 0) return NULL;
    *base = m;
    return (float *)(void *)(m + span - bytes);
}

/* No product reads or writes past its operands: each one ends at an
 * unreadable page (a crash fails the test), and the results are those of
 * the same product on copies.  The shapes take every kind of tail: the
 * last 1-7 columns, rows past the last whole 8 or 12, inner dimensions that
 * end inside a vector (the AVX2 kernel's masked loads). */
static void test_no_read_past(void)
{
    if (!compiled()) return;
    size_t ns[] = {2, 7, 10, 30, 33, 50, 82, 96}, Ks[] = {10, 17, 50, 82},
           Bs[] = {1, 8, 13, 48, 100};
    uint64_t st = 13;
    int bad = 0, shapes = 0;
    for (size_t in_ = 0; in_ < sizeof ns / sizeof *ns; in_++)
        for (size_t ik = 0; ik < sizeof Ks / sizeof *Ks; ik++)
            for (size_t ib = 0; ib < sizeof Bs / sizeof *Bs; ib++) {
                size_t n = ns[in_], K = Ks[ik], B = Bs[ib],
                       sz[5] = {B * K, K * n, B * n, B * n, K * n};
                void *base[5];
                size_t len[5];
                float *m[5], *copy[5];
                for (int i = 0; i < 5; i++) {
                    m[i] = at_page_end(sz[i], &base[i], &len[i]);
                    copy[i] = malloc(sz[i] * sizeof(float));
                    CHECK(m[i] && copy[i]);
                    if (!m[i] || !copy[i]) return;
                    for (size_t k = 0; k < sz[i]; k++) {
                        unsigned pick;
                        m[i][k] = copy[i][k] = test_value(&st, &pick);
                    }
                }
                /* h (B × n) = act(a (B × K) · b (K × n)), then the weight
                 * gradient's c (K × n) += aᵀ h: B inner terms. */
                for (int masked = 0; masked < 2; masked++) {
                    CHECK(gv_chain(m[0], B, K, m[1], n, masked ? m[2] : NULL, m[3]) == 1);
                    CHECK(gv_chain(copy[0], B, K, copy[1], n, masked ? copy[2] : NULL,
                                   copy[3]) == 1);
                    bad += !same_bits(m[3], copy[3], B * n);
                    shapes++;
                }
                CHECK(gv_chain_tn(m[0], B, K, m[3], n, m[4], 1) == 1);
                CHECK(gv_chain_tn(copy[0], B, K, copy[3], n, copy[4], 1) == 1);
                bad += memcmp(m[4], copy[4], K * n * sizeof(float)) != 0;
                shapes++;
                for (int i = 0; i < 5; i++) munmap(base[i], len[i]), free(copy[i]);
            }
    CHECK_MSG(bad == 0, "%d of %d products at a page's end differ from the same on copies", bad,
              shapes);
}

/* The deltas with the dot-product tail. */
static void test_chain_dot(void)
{
    float x_none[1] = {0};
    if (gv_chain_kernel() != 1) { /* AVX-512 only */
        CHECK(gv_chain_dot(x_none, 1, 32, x_none, 20, x_none, x_none) == 0);
        return;
    }
    /* The deltas' product with a dot-product tail: whole vectors of 16
     * columns as the chain; each of the last 1–8 columns as 16 lane
     * chains (lane t: k = t, t + 16, …) added in a tree: pairs of
     * neighbours, pairs of pairs, …; but in the last 1–3 columns (after
     * the last group of four) of the rows after the last group of four
     * rows: halves, quarters, then pairs. */
    size_t dn[] = {17, 20, 50, 53, 55, 72, 82, 88}, dK[] = {32, 50, 72, 100},
           dB[] = {1, 3, 4, 7, 100, 121};
    uint64_t st = 13;
    int bad = 0, shapes = 0;
    for (size_t in_ = 0; in_ < 8; in_++)
        for (size_t ik = 0; ik < 4; ik++)
            for (size_t ib = 0; ib < 6; ib++) {
                size_t n = dn[in_], K = dK[ik], B = dB[ib], n16 = n / 16 * 16, n4 = n / 4 * 4;
                float *a = malloc(B * K * sizeof *a), *bm = malloc(K * n * sizeof *bm),
                      *sel = malloc(B * n * sizeof *sel), *h = malloc(B * n * sizeof *h),
                      *r = malloc(B * n * sizeof *r);
                for (size_t k = 0; k < B * K + K * n + B * n; k++) {
                    unsigned pick;
                    float v = test_value(&st, &pick);
                    if (pick % 16 == 0) v = 0.0f;
                    if (k < B * K) a[k] = v;
                    else if (k < B * K + K * n) bm[k - B * K] = v;
                    else sel[k - B * K - K * n] = v;
                }
                for (size_t i = 0; i < B; i++)
                    for (size_t j = 0; j < n; j++) {
                        float sum = 0.0f;
                        if (j < n16) {
                            for (size_t k = 0; k < K; k++) sum = fmaf(a[i * K + k], bm[k * n + j], sum);
                        } else {
                            float v[16] = {0}, p[4], t8[8], u[4];
                            for (size_t k = 0; k < K; k++)
                                v[k % 16] = fmaf(a[i * K + k], bm[k * n + j], v[k % 16]);
                            if (j >= n4 && i >= B / 4 * 4) {
                                for (int q = 0; q < 8; q++) t8[q] = v[q] + v[q + 8];
                                for (int q = 0; q < 4; q++) u[q] = t8[q] + t8[q + 4];
                                sum = (u[0] + u[2]) + (u[1] + u[3]);
                            } else {
                                for (int q = 0; q < 4; q++)
                                    p[q] = (v[4 * q] + v[4 * q + 1]) + (v[4 * q + 2] + v[4 * q + 3]);
                                sum = (p[0] + p[1]) + (p[2] + p[3]);
                            }
                        }
                        r[i * n + j] = sel[i * n + j] > 0.0f ? sum : 0.0f;
                    }
                CHECK(gv_chain_dot(a, B, K, bm, n, sel, h) == 1);
                bad += memcmp(h, r, B * n * sizeof *h) != 0;
                shapes++;
                free(a), free(bm), free(sel), free(h), free(r);
            }
    CHECK_MSG(bad == 0, "%d of %d dot-tail cases differ from the tree", bad, shapes);
    CHECK(gv_chain_dot(x_none, 1, 31, x_none, 20, x_none, x_none) == 0); /* K < 32 */
    CHECK(gv_chain_dot(x_none, 1, 32, x_none, 41, x_none, x_none) == 0); /* 9 left */
}

/* dst = srcᵀ at every edge of the 16 × 16 tiles, on any build. */
static void test_transpose(void)
{
    size_t dims[] = {1, 10, 15, 16, 17, 30, 32, 50, 72, 82};
    int bad = 0;
    for (size_t io = 0; io < 10; io++)
        for (size_t ii = 0; ii < 10; ii++) {
            size_t out = dims[io], in = dims[ii];
            /* 64 floats past the end that must stay untouched (the edge
             * blocks are written with masks). */
            float *src = malloc(out * in * sizeof *src), *dst = malloc((out * in + 64) * sizeof *dst);
            for (size_t k = 0; k < out * in; k++) src[k] = (float)k;
            for (size_t k = 0; k < out * in + 64; k++) dst[k] = -1.0f;
            gv_chain_transpose(src, out, in, dst);
            for (size_t j = 0; j < out; j++)
                for (size_t k = 0; k < in; k++) bad += dst[k * out + j] != src[j * in + k];
            for (size_t k = out * in; k < out * in + 64; k++) bad += dst[k] != -1.0f;
            free(src), free(dst);
        }
    CHECK_MSG(bad == 0, "%d elements misplaced", bad);
}

/* What the kernel does not take runs in OpenBLAS; a row count is decided
 * once. */
static void test_refusals(void)
{
    CHECK(gv_chain_use(NULL, 100) == GV_CHAIN_NO);
    CHECK(gv_chain_shape_of(10, 97, GV_CHAIN_FORWARD) == NULL);
    gv_chain_shape *s = gv_chain_shape_of(30, 30, GV_CHAIN_FORWARD);
    if (!compiled()) {
        CHECK(s == NULL);
        return;
    }
    CHECK(s != NULL && s == gv_chain_shape_of(30, 30, GV_CHAIN_FORWARD)); /* one entry per shape */
    CHECK(gv_chain_use(s, 0) == GV_CHAIN_NO && gv_chain_use(s, GV_CHAIN_MAX_ROWS + 1) == GV_CHAIN_NO);
    int v = gv_chain_use(s, 100);
    CHECK(v == GV_CHAIN_YES || v == GV_CHAIN_NO); /* a forward product: a chain or OpenBLAS */
    CHECK(gv_chain_use(s, 100) == v);
    /* On OpenBLAS's AVX2 cores the AVX2 kernel's orders are OpenBLAS's: the
     * check admits every product at every row count tried (groups of 12
     * and 4, 2 and 1 rows; the weight gradient's sums over 512 rows in two
     * blocks; the first layer of unreduced MNIST, 784 inputs in three; the
     * products at n = 50 and 82 but the weight gradient at 82). */
    const char *core = openblas_get_corename();
    if (gv_chain_kernel() != 2 || !core || (strcmp(core, "Haswell") && strcmp(core, "Zen"))) return;
    size_t rows[] = {1, 2, 3, 4, 5, 12, 13, 27, 100, 512},
           widths[][2] = {{10, 30}, {30, 30}, {56, 56}, {72, 72}, {88, 88}, {784, 30},
                          {50, 50}, {82, 82}};
    int refused = 0, products = 0;
    for (size_t iw = 0; iw < 8; iw++)
        for (int which = GV_CHAIN_FORWARD; which <= GV_CHAIN_WGRAD; which++) {
            if (iw == 7 && which == GV_CHAIN_WGRAD) continue; /* gated, below */
            for (size_t ir = 0; ir < 10; ir++, products++) {
                gv_chain_shape *sh = gv_chain_shape_of(widths[iw][0], widths[iw][1], which);
                refused += gv_chain_use(sh, rows[ir]) != GV_CHAIN_YES;
            }
        }
    CHECK_MSG(refused == 0, "OpenBLAS core %s: %d of %d products refused", core, refused,
              products);
    /* The weight gradients wider than 64 columns whose last vector holds 1
     * or 2 of them stay with OpenBLAS (their forward products and deltas,
     * above, do not). */
    CHECK(gv_chain_shape_of(82, 82, GV_CHAIN_WGRAD) == NULL &&
          gv_chain_shape_of(50, 50, GV_CHAIN_WGRAD) != NULL &&
          gv_chain_shape_of(30, 10, GV_CHAIN_WGRAD) != NULL);
}

int main(void)
{
    gv_threads_set(0); /* OpenBLAS on one thread, as glassvm runs it */
    GV_RUN(test_chain);
    GV_RUN(test_chain_tn);
    GV_RUN(test_chain_dot);
    GV_RUN(test_transpose);
    GV_RUN(test_no_read_past);
    GV_RUN(test_refusals);
    return GV_TEST_END();
}
