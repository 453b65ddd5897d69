/* test_gv_rng.c: the counter-based generator (Philox4x32-10).
 *
 * Statistical tolerances are 5 standard errors of the estimator at the sample
 * size used (the false-alarm probability of one check is ~6e-7), so the
 * tests are deterministic in practice yet would catch a wrong mapping, a bias
 * or a correlation larger than a few 1e-3. */
#include <stdlib.h>
#include <string.h>

#include "gv_rng.h"
#include "gv_test.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#define NS 1000000 /* sample size for moments: SE(mean of N(0,1)) = 1e-3 */

/* Random123's published known-answer vectors (kat_vectors, philox4x32 10),
 * reached through our (seed, replica, purpose, step, block) mapping: this
 * pins both the library and the mapping. */
static void test_known_answers(void)
{
    uint32_t b[4];
    gv_rng_block(0, 0, 0, 0, 0, b);
    CHECK(b[0] == 0x6627e8d5u && b[1] == 0xe169c58du && b[2] == 0xbc57ac4cu && b[3] == 0x9b00dbd8u);
    /* All-ones key and counter: every field at the top of its range. */
    gv_rng_block(UINT64_MAX, 0xffffffffu, 0xff, (UINT64_C(1) << 48) - 1, (UINT64_C(1) << 40) - 1, b);
    CHECK(b[0] == 0x408f276du && b[1] == 0x41c83b0eu && b[2] == 0xa20bc7c6u && b[3] == 0x6d5451fdu);
    /* The pi-digits vector: ctr {243f6a88 85a308d3 13198a2e 03707344},
     * key {a4093822 299f31d0}. */
    gv_rng_block(UINT64_C(0x299f31d0a4093822), 0x03707344u, 0x08, UINT64_C(0x13198a2e85a3),
                 UINT64_C(0xd3243f6a88), b);
    CHECK(b[0] == 0xd16cfe09u && b[1] == 0x94fdccebu && b[2] == 0x5001e420u && b[3] == 0x24126ea1u);
}

/* Our derived outputs, pinned: a change of the uniform or normal construction
 * (bit extraction, Box–Muller order) is caught here. */
static void test_pinned_values(void)
{
    double u[3], z[3];
    gv_rng_uniform(42, 3, GV_RNG_TEST, 7, 0, 3, u);
    gv_rng_normal(42, 3, GV_RNG_TEST, 7, 0, 3, z);
    /* Uniforms are exact bit patterns; normals go through libm's log, cos
     * and sin, which may differ by an ulp between libm versions. */
    static const double u_ref[3] = {0x1.6f3d932e9ae9cp-1, 0x1.d52067612e228p-2,
                                    0x1.f5296ac8e586ap-1};
    static const double z_ref[3] = {-1.5348134918161771, 0.41333966664531469, 1.139380593637481};
    for (int i = 0; i < 3; i++) {
        CHECK_MSG(u[i] == u_ref[i], "u[%d] = %.17g", i, u[i]);
        CHECK_NEAR(z[i], z_ref[i], 1e-14);
    }
}

static void test_uniform_moments(void)
{
    double *u = malloc(NS * sizeof *u);
    gv_rng_uniform(1, 0, GV_RNG_TEST, 0, 0, NS, u);
    double s = 0, s2 = 0, lo = 1, hi = 0;
    for (int i = 0; i < NS; i++) {
        s += u[i];
        s2 += u[i] * u[i];
        if (u[i] < lo) lo = u[i];
        if (u[i] > hi) hi = u[i];
    }
    double mean = s / NS, m2 = s2 / NS;
    CHECK(lo >= 0 && hi < 1);
    /* Var U = 1/12, Var U^2 = 1/5 - 1/9 = 4/45. */
    CHECK_NEAR(mean, 0.5, 5 * sqrt(1.0 / 12 / NS));
    CHECK_NEAR(m2, 1.0 / 3, 5 * sqrt(4.0 / 45 / NS));
    free(u);
}

static void test_normal_moments(void)
{
    double *z = malloc(NS * sizeof *z);
    gv_rng_normal(2, 5, GV_RNG_TEST, 11, 0, NS, z);
    double m[5] = {0};
    int finite = 1;
    for (int i = 0; i < NS; i++) {
        double p = 1;
        finite = finite && isfinite(z[i]);
        for (int k = 1; k <= 4; k++) { p *= z[i]; m[k] += p; }
    }
    for (int k = 1; k <= 4; k++) m[k] /= NS;
    CHECK(finite);
    /* Var of z^k for N(0,1): z: 1, z^2: 2, z^3: 15, z^4: 105 - 9 = 96. */
    CHECK_NEAR(m[1], 0, 5 * sqrt(1.0 / NS));
    CHECK_NEAR(m[2], 1, 5 * sqrt(2.0 / NS));
    CHECK_NEAR(m[3], 0, 5 * sqrt(15.0 / NS));
    CHECK_NEAR(m[4], 3, 5 * sqrt(96.0 / NS));
    /* Tail: P(|z| > 3) = 0.0026998; binomial SE. */
    int tail = 0;
    for (int i = 0; i < NS; i++) tail += fabs(z[i]) > 3;
    double pt = 0.0026997960632601866;
    CHECK_NEAR((double)tail / NS, pt, 5 * sqrt(pt * (1 - pt) / NS));
    free(z);
}

/* Sample correlation of two N(0,1) sequences: for independent streams its
 * SE is 1/sqrt(n). */
static double corr(const double *a, const double *b, int n)
{
    double sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0;
    for (int i = 0; i < n; i++) {
        sa += a[i]; sb += b[i];
        sab += a[i] * b[i]; saa += a[i] * a[i]; sbb += b[i] * b[i];
    }
    double ca = saa - sa * sa / n, cb = sbb - sb * sb / n;
    return (sab - sa * sb / n) / sqrt(ca * cb);
}

static void test_independence(void)
{
    enum { N = 200000 };
    double tol = 5 / sqrt((double)N);
    double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    gv_rng_normal(7, 0, GV_RNG_NOISE, 100, 0, N, a);
    /* Neighbouring replicas, purposes, steps, seeds. */
    gv_rng_normal(7, 1, GV_RNG_NOISE, 100, 0, N, b);
    CHECK_MSG(fabs(corr(a, b, N)) < tol, "replica: r = %g", corr(a, b, N));
    gv_rng_normal(7, 0, GV_RNG_SHUFFLE, 100, 0, N, b);
    CHECK_MSG(fabs(corr(a, b, N)) < tol, "purpose: r = %g", corr(a, b, N));
    gv_rng_normal(7, 0, GV_RNG_NOISE, 101, 0, N, b);
    CHECK_MSG(fabs(corr(a, b, N)) < tol, "step: r = %g", corr(a, b, N));
    gv_rng_normal(8, 0, GV_RNG_NOISE, 100, 0, N, b);
    CHECK_MSG(fabs(corr(a, b, N)) < tol, "seed: r = %g", corr(a, b, N));
    /* Lag 1 and lag 2 within a stream (lag 1 pairs the two halves of a
     * Box–Muller pair: uncorrelated though not independent). */
    CHECK_MSG(fabs(corr(a, a + 1, N - 1)) < tol, "lag 1: r = %g", corr(a, a + 1, N - 1));
    CHECK_MSG(fabs(corr(a, a + 2, N - 2)) < tol, "lag 2: r = %g", corr(a, a + 2, N - 2));
    /* Squares of the pair are uncorrelated too (Cov(z0², z1²) = 0). */
    for (int i = 0; i < N; i++) b[i] = a[i] * a[i];
    CHECK_MSG(fabs(corr(b, b + 1, N - 1)) < tol, "lag 1 of z^2: r = %g", corr(b, b + 1, N - 1));
    /* Distinct streams are not identical (guards against a mapping that
     * drops a field). */
    double c[4], d[4];
    gv_rng_uniform(7, 0, GV_RNG_NOISE, UINT64_C(1) << 40, 0, 4, c);
    gv_rng_uniform(7, 0, GV_RNG_NOISE, 0, 0, 4, d);
    CHECK(memcmp(c, d, sizeof c) != 0);
    gv_rng_uniform(7, 0, GV_RNG_NOISE, 0, UINT64_C(1) << 38, 4, c);
    CHECK(memcmp(c, d, sizeof c) != 0);
    free(a);
    free(b);
}

/* The value at an index does not depend on how the stream is cut. */
static void test_chunking(void)
{
    enum { N = 1001 };
    double whole[N], part[N], uw[N], up[N];
    gv_rng_normal(3, 2, GV_RNG_NOISE, 9, 5, N, whole);
    gv_rng_uniform(3, 2, GV_RNG_NOISE, 9, 5, N, uw);
    static const size_t cuts[] = {1, 2, 3, 7, 64, 333, 1000};
    int same = 1;
    for (size_t c = 0; c < sizeof cuts / sizeof *cuts; c++) {
        for (size_t s = 0; s < N; s += cuts[c]) {
            size_t n = N - s < cuts[c] ? N - s : cuts[c];
            gv_rng_normal(3, 2, GV_RNG_NOISE, 9, 5 + s, n, part + s);
            gv_rng_uniform(3, 2, GV_RNG_NOISE, 9, 5 + s, n, up + s);
        }
        same = same && memcmp(whole, part, sizeof whole) == 0 && memcmp(uw, up, sizeof uw) == 0;
    }
    CHECK(same);
    /* Single values at odd and even indices. */
    double one;
    gv_rng_normal(3, 2, GV_RNG_NOISE, 9, 5 + 500, 1, &one);
    CHECK(one == whole[500]);
    gv_rng_normal(3, 2, GV_RNG_NOISE, 9, 5 + 501, 1, &one);
    CHECK(one == whole[501]);
}

/* Normals in long runs (blocks computed 16 side by side) are the values one
 * at a time (each block on its own, pinned by the known answers), also
 * where the block index crosses 2^32 (its bits 32-39 go into the second
 * counter word) and at the top of every field's range. */
static void test_normal_runs(void)
{
    enum { N = 300 };
    static const uint64_t starts[] = {0, 1, (UINT64_C(1) << 33) - 101, (UINT64_C(1) << 33) - 100,
                                      (UINT64_C(1) << 41) - N};
    static const uint64_t seeds[] = {7, UINT64_MAX};
    int same = 1;
    for (size_t is = 0; is < sizeof starts / sizeof *starts; is++)
        for (size_t ik = 0; ik < 2; ik++) {
            double whole[N], one;
            uint64_t step = ik ? (UINT64_C(1) << 48) - 1 : 12345;
            uint32_t replica = ik ? 0xffffffffu : 3;
            gv_rng_normal(seeds[ik], replica, GV_RNG_NOISE, step, starts[is], N, whole);
            for (size_t i = 0; i < N; i++) {
                gv_rng_normal(seeds[ik], replica, GV_RNG_NOISE, step, starts[is] + i, 1, &one);
                same = same && memcmp(&one, &whole[i], sizeof one) == 0;
            }
        }
    CHECK(same);
}

/* A replica's stream is the same whichever thread computes it, in any order. */
static void test_thread_order(void)
{
    enum { R = 8, CH = 16, LEN = 257, N = CH * LEN };
    static double serial[R][N], par[R][N];
    for (int r = 0; r < R; r++) gv_rng_normal(99, (uint32_t)r, GV_RNG_NOISE, 3, 0, N, serial[r]);
    /* Tasks (replica, chunk) in a shuffled order, spread over threads. */
    int order[R * CH];
    uint32_t perm[R * CH];
    gv_rng_permutation(5, 0, GV_RNG_TEST, 0, R * CH, perm);
    for (int i = 0; i < R * CH; i++) order[i] = (int)perm[i];
#pragma omp parallel for num_threads(4) schedule(dynamic, 1)
    for (int i = 0; i < R * CH; i++) {
        int r = order[i] / CH, c = order[i] % CH;
        gv_rng_normal(99, (uint32_t)r, GV_RNG_NOISE, 3, (uint64_t)c * LEN, LEN, par[r] + c * LEN);
    }
    CHECK(memcmp(serial, par, sizeof serial) == 0);
}

static void test_permutation(void)
{
    enum { N = 1000 };
    uint32_t p[N], q[N];
    char seen[N] = {0};
    gv_rng_permutation(4, 1, GV_RNG_SHUFFLE, 0, N, p);
    int ok = 1;
    for (int i = 0; i < N; i++) {
        if (p[i] >= N || seen[p[i]]) ok = 0;
        else seen[p[i]] = 1;
    }
    CHECK(ok);
    gv_rng_permutation(4, 1, GV_RNG_SHUFFLE, 1, N, q);
    CHECK(memcmp(p, q, sizeof p) != 0); /* next epoch: another shuffle */
    gv_rng_permutation(4, 1, GV_RNG_SHUFFLE, 0, N, q);
    CHECK(memcmp(p, q, sizeof p) == 0); /* reproducible */
    /* Uniformity: first and last positions over T permutations of 10.
     * Chi-square with 9 dof: P(chi2 > 40) ~ 7e-6. */
    enum { K = 10, T = 20000 };
    int cf[K] = {0}, cl[K] = {0};
    for (int t = 0; t < T; t++) {
        uint32_t s[K];
        gv_rng_permutation(4, 0, GV_RNG_SHUFFLE, (uint64_t)t, K, s);
        cf[s[0]]++;
        cl[s[K - 1]]++;
    }
    double x1 = 0, x2 = 0, ex = (double)T / K;
    for (int k = 0; k < K; k++) {
        x1 += (cf[k] - ex) * (cf[k] - ex) / ex;
        x2 += (cl[k] - ex) * (cl[k] - ex) / ex;
    }
    CHECK_MSG(x1 < 40, "chi2 first position %g", x1);
    CHECK_MSG(x2 < 40, "chi2 last position %g", x2);
    /* The construction itself (docs/network.md): Fisher–Yates from
     * i = n - 1 down, j = floor(u (i + 1) / 2^64) with u words 2(i mod 2)
     * and 2(i mod 2) + 1 of block i / 2, each block on its own; sizes around
     * the 16 blocks the generator computes side by side, and an SGD
     * epoch's. */
    static const size_t ns[] = {2, 3, 31, 32, 33, 34, 1000, 60000};
    int same = 1;
    for (size_t k = 0; k < sizeof ns / sizeof *ns; k++) {
        size_t n = ns[k];
        uint32_t *a = malloc(n * sizeof *a), *r = malloc(n * sizeof *r), bl[4];
        gv_rng_permutation(UINT64_MAX, 9, GV_RNG_SHUFFLE, 77, n, a);
        for (size_t i = 0; i < n; i++) r[i] = (uint32_t)i;
        for (size_t i = n; i-- > 1;) {
            gv_rng_block(UINT64_MAX, 9, GV_RNG_SHUFFLE, 77, i / 2, bl);
            unsigned w = (unsigned)(i & 1) * 2;
            uint64_t u = ((uint64_t)bl[w] << 32) | bl[w + 1];
            size_t j = (size_t)(((unsigned __int128)u * (i + 1)) >> 64);
            uint32_t t = r[i];
            r[i] = r[j];
            r[j] = t;
        }
        same = same && memcmp(a, r, n * sizeof *a) == 0;
        free(a), free(r);
    }
    CHECK(same);
    /* Degenerate sizes. */
    uint32_t one = 7;
    gv_rng_permutation(4, 0, GV_RNG_SHUFFLE, 0, 1, &one);
    CHECK(one == 0);
    gv_rng_permutation(4, 0, GV_RNG_SHUFFLE, 0, 0, NULL);
}

/* Sub-seeds of sweep points: the documented derivation (words 0 and 1 of
 * block 0 of stream (seed, 0, GV_RNG_SUBSEED, index), top bit cleared),
 * pinned, and distinct for the first indices. */
static void test_subseed(void)
{
    CHECK(gv_rng_subseed(1, 0) == UINT64_C(4710120982686840201));
    for (uint64_t k = 0; k < 64; k++) {
        uint32_t b[4];
        gv_rng_block(42, 0, GV_RNG_SUBSEED, k, 0, b);
        uint64_t want = ((uint64_t)b[0] | (uint64_t)b[1] << 32) & (UINT64_MAX >> 1);
        uint64_t s = gv_rng_subseed(42, k);
        CHECK(s == want);
        CHECK(s >> 63 == 0);
        for (uint64_t j = 0; j < k; j++) CHECK(gv_rng_subseed(42, j) != s);
    }
}

int main(void)
{
    GV_RUN(test_known_answers);
    GV_RUN(test_pinned_values);
    GV_RUN(test_uniform_moments);
    GV_RUN(test_normal_moments);
    GV_RUN(test_independence);
    GV_RUN(test_chunking);
    GV_RUN(test_normal_runs);
    GV_RUN(test_thread_order);
    GV_RUN(test_permutation);
    GV_RUN(test_subseed);
    return GV_TEST_END();
}
