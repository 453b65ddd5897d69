/* test_gv_chain.c: glassvm's AVX-512 kernel (gv_chain.h) against scalar
 * references written here: each output one fmaf chain over k (with the
 * ReLU or the mask), the weight gradient in OpenBLAS's blocks of rows, the
 * deltas' dot-product tail with its two trees; and the transposes.  Bit
 * for bit, at shape edges (n not a multiple of 16, rows not a multiple of
 * 4) and for -0, NaN and infinities.  Whether these orders are OpenBLAS's is
 * the check's business (gv_chain_use; a whole evaluation with and without
 * the kernel: test_gv_mlp.c). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gv_chain.h"
#include "gv_test.h"

static int compiled(void)
{
    float a = 1, w = 1, h;
    return gv_chain(&a, 1, 1, &w, 1, NULL, &h);
}

/* The next test value from the generator state st: uniform in [-1/2, 1/2)
 * on a grid of 2⁻²⁴; *pick (st's bits 33 and up) chooses special values. */
static float test_value(uint64_t *st, unsigned *pick)
{
    *st = *st * 6364136223846793005ull + 1442695040888963407ull;
    *pick = (unsigned)(*st >> 33);
    return (float)((double)(*st >> 40) / 16777216.0 - 0.5);
}

/* h = act(a · b), one chain per output. */
static void test_chain(void)
{
    if (!compiled()) {
        printf("  (not an AVX-512 build: glassvm's kernel is not compiled in)\n");
        return;
    }
    /* n % 16 in 1..8 from 17 columns: the last vector holds two rows'
     * last columns (odd row counts leave one row alone in the last
     * tile). */
    size_t ns[] = {1, 7, 16, 17, 20, 30, 32, 33, 50, 64, 72, 82, 96}, Ks[] = {1, 10, 30, 33, 50, 96, 97},
           Bs[] = {1, 3, 4, 5, 9, 17, 64, 100};
    uint64_t st = 7;
    int bad = 0, shapes = 0;
    for (size_t in_ = 0; in_ < 13; in_++)
        for (size_t ik = 0; ik < 7; ik++)
            for (size_t ib = 0; ib < 8; ib++)
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
                            float sum = 0.0f;
                            for (size_t k = 0; k < K; k++) sum = fmaf(a[i * K + k], bm[k * n + j], sum);
                            float gate = masked ? sel[i * n + j] : sum;
                            r[i * n + j] = gate > 0.0f ? sum : 0.0f;
                        }
                    CHECK(gv_chain(a, B, K, bm, n, masked ? sel : NULL, h) == 1);
                    bad += memcmp(h, r, B * n * sizeof *h) != 0;
                    shapes++;
                    free(a), free(bm), free(sel), free(h), free(r);
                }
    CHECK_MSG(bad == 0, "%d of %d cases differ from the FMA chain", bad, shapes);
    float x[97] = {0}, y[97 * 97] = {0}, z[97 * 97];
    CHECK(gv_chain(x, 1, 97, y, 97, NULL, z) == 0); /* wider than 96: not handled */
}

/* c += gᵀ a, one chain per output or one per block of rows. */
static void test_chain_tn(void)
{
    if (!compiled()) return;
    /* The weight gradient's product, c += gᵀ a, onto a nonzero c: one
     * chain, or (blocks) a chain per block of k added in turn, blocks as
     * OpenBLAS's level-3 driver cuts them (512 rows: 256 + 256; 400:
     * 208 + 192; 1000: 320 + 320, then 192 + 168).  The last n % 16
     * columns run over c's rows for 1-4 left (n = 17, 50) and for n = 10
     * from m = 30 up: m = 50 and 100 take whole and partial groups of
     * 16-row blocks there; n = 72 takes pairs of rows. */
    size_t ms[] = {1, 3, 4, 9, 30, 50, 100}, nn[] = {1, 10, 17, 32, 50, 72, 96},
           KK[] = {1, 5, 195, 400, 512, 1000};
    uint64_t st = 11;
    int bad = 0, shapes = 0;
    for (size_t im = 0; im < 7; im++)
        for (size_t in_ = 0; in_ < 7; in_++)
            for (size_t ik = 0; ik < 6; ik++)
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
                    for (size_t o = 0; o < mm; o++)
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
    CHECK_MSG(bad == 0, "%d of %d weight-gradient cases differ from the FMA chain", bad, shapes);
}

/* The deltas with the dot-product tail. */
static void test_chain_dot(void)
{
    if (!compiled()) return;
    float x_none[1] = {0};
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
}

int main(void)
{
    GV_RUN(test_chain);
    GV_RUN(test_chain_tn);
    GV_RUN(test_chain_dot);
    GV_RUN(test_transpose);
    GV_RUN(test_refusals);
    return GV_TEST_END();
}
