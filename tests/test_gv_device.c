/* test_gv_device.c: the device interface without a GPU: device names and
 * their errors, and device "ref" (the CUDA algorithm run serially on the
 * CPU, gv_devref.c) against the CPU path through gv_ensemble_run: the same
 * trajectories within float32 tolerance on networks, bit for bit on the null
 * models, the same lost replicas, and blocks/segments that never change a
 * result.  tests/test_gv_cuda.c compares the GPU with "ref". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gv_device.h"
#include "gv_devmath.h"
#include "gv_ensemble.h"
#include "gv_integ.h"
#include "gv_landscape.h"
#include "gv_rng.h"
#include "gv_test.h"
#include "gv_testnet.h"

static gv_ensemble *run_on(const char *device, const gv_landscape *l, const gv_integ *it, size_t R,
                           uint64_t steps)
{
    gv_err e;
    gv_ensemble *ens = gv_ensemble_alloc(l, R, 2024, 3, &e);
    CHECK_OK(gv_ensemble_set_device(ens, device, &e), e);
    CHECK_OK(gv_ensemble_run(ens, it, steps, NULL, 0, &e), e);
    return ens;
}

/* max_k |a_k − b_k| over every replica, and max_k |a_k|. */
static double max_diff(const gv_ensemble *a, const gv_ensemble *b, double *scale)
{
    size_t N = gv_ensemble_nweights(a);
    double m = 0, s = 0;
    for (size_t r = 0; r < gv_ensemble_size(a); r++) {
        const double *x = gv_ensemble_weights(a, r), *y = gv_ensemble_weights(b, r);
        for (size_t k = 0; k < N; k++) {
            if (fabs(x[k] - y[k]) > m) m = fabs(x[k] - y[k]);
            if (fabs(x[k]) > s) s = fabs(x[k]);
        }
    }
    if (scale) *scale = s;
    return m;
}

static int same_weights(const gv_ensemble *a, const gv_ensemble *b)
{
    size_t n = gv_ensemble_size(a) * gv_ensemble_nweights(a) * sizeof(double);
    return memcmp(gv_ensemble_weights(a, 0), gv_ensemble_weights(b, 0), n) == 0;
}

static void test_names(void)
{
    gv_err e;
    const gv_device_ops *ops = (const gv_device_ops *)1;
    CHECK(gv_device_lookup("cpu", &ops, &e) == GV_OK && ops == NULL);
    CHECK(gv_device_lookup("ref", &ops, &e) == GV_OK && ops == &gv_device_ref);
    CHECK(gv_device_lookup("gpu", &ops, &e) == GV_EINVAL);
    CHECK_MSG(strstr(e.msg, "device 'gpu' is unknown; devices: cpu") == e.msg, "%s", e.msg);
#ifndef GV_CUDA
    CHECK(gv_device_lookup("cuda", &ops, &e) == GV_EINVAL);
    CHECK_MSG(strcmp(e.msg, "glassvm was built without CUDA (cmake -DGV_CUDA=ON)") == 0, "%s", e.msg);
    CHECK(gv_device_set_default("cuda", &e) == GV_EINVAL);
#endif
    CHECK(strcmp(gv_device_default(), "cpu") == 0);
    /* A refused device leaves the ensemble where it was. */
    gv_landscape *l = gv_landscape_flat(4, 10, 0.5, &e);
    gv_ensemble *ens = gv_ensemble_alloc(l, 1, 1, 0, &e);
    CHECK(strcmp(gv_ensemble_device(ens), "cpu") == 0);
    CHECK(gv_ensemble_set_device(ens, "ref", &e) == GV_OK);
    CHECK(gv_ensemble_set_device(ens, "nope", &e) == GV_EINVAL);
    CHECK(strcmp(gv_ensemble_device(ens), "ref") == 0);
    gv_ensemble *c = gv_ensemble_clone(ens, &e);
    CHECK(strcmp(gv_ensemble_device(c), "ref") == 0);
    /* The default applies to new ensembles. */
    CHECK(gv_device_set_default("ref", &e) == GV_OK);
    gv_ensemble *d = gv_ensemble_alloc(l, 1, 1, 0, &e);
    CHECK(strcmp(gv_ensemble_device(d), "ref") == 0);
    CHECK(gv_device_set_default("cpu", &e) == GV_OK);
    gv_ensemble_free(d);
    gv_ensemble_free(c);
    gv_ensemble_free(ens);
    gv_landscape_free(l);
}

/* Geometry: the network above takes T = 128 rows per tile; a network too
 * wide for a block is refused with one line. */
static void test_geometry(void)
{
    gv_err e;
    netfix f;
    netfix_init(&f, 100, 30, 3);
    gv_dev_net n;
    CHECK_OK(gv_device_net(f.l, &n, &e), e);
    CHECK(n.T == 128 && n.S == 129 && n.N == 2130 && n.L == 3 && n.sumh == 90 && n.maxh == 30);
    CHECK(gv_dev_parts(60000, 128) == GV_DEV_MAX_PARTS && gv_dev_parts(1500, 128) == 12);
    size_t wide[] = {2000};
    gv_mlp *m = gv_mlp_alloc(100, 1, wide, &e);
    gv_landscape *l = gv_landscape_network(m, f.data, &e);
    CHECK(l == NULL); /* d mismatch: build one on matching data instead */
    gv_data *dd = gv_data_alloc(10, 100, "wide", &e);
    dd->y = calloc(10, 1);
    l = gv_landscape_network(m, dd, &e);
    CHECK(l != NULL);
    CHECK(gv_device_net(l, &n, &e) == GV_EINVAL);
    CHECK_MSG(strstr(e.msg, "shared memory") != NULL, "%s", e.msg);
    gv_landscape_free(l);
    gv_data_free(dd);
    gv_mlp_free(m);
    netfix_free(&f);
}

/* One GD step with lr = 1 from the same weights: w0 − w1 is the gradient.
 * The device sums rows in float within tiles (of 128 rows) and the CPU within
 * chunks through OpenBLAS: both are float32 sums of the same terms, so the
 * gradients agree to a few float32 ulps of the summed magnitudes; over
 * n = 1500 or 16640 rows, ‖Δg‖/‖g‖ is ~1e-7 (measured ~3e-8); 2e-6 is the
 * bound (≈ 30 ulps: a bug — a dropped tile, a wrong row — is >1e-3). */
static void check_gradient(size_t P)
{
    gv_err e;
    netfix f;
    netfix_init(&f, P, 30, 3);
    gv_integ *gd = gv_integ_gd(1.0, 1e-3, &e);
    gv_ensemble *a = run_on("cpu", f.l, gd, 2, 1), *b = run_on("ref", f.l, gd, 2, 1);
    gv_ensemble *z = gv_ensemble_alloc(f.l, 2, 2024, 3, &e);
    size_t N = gv_ensemble_nweights(a);
    double num = 0, den = 0;
    for (size_t r = 0; r < 2; r++)
        for (size_t k = 0; k < N; k++) {
            double w0 = gv_ensemble_weights(z, r)[k];
            double ga = w0 - gv_ensemble_weights(a, r)[k], gb = w0 - gv_ensemble_weights(b, r)[k];
            num += (ga - gb) * (ga - gb);
            den += ga * ga;
        }
    double rel = sqrt(num / den);
    printf("  P = %zu: |g_ref - g_cpu| / |g_cpu| = %.3g\n", P, rel);
    CHECK_MSG(rel <= 2e-6 && den > 0, "P = %zu: relative gradient difference %.3g", P, rel);
    gv_ensemble_free(z);
    gv_ensemble_free(b);
    gv_ensemble_free(a);
    gv_integ_free(gd);
    netfix_free(&f);
}

static void test_gradient(void)
{
    check_gradient(1500);  /* 12 tiles, 12 partitions, the last tile partial */
    check_gradient(16640); /* 130 tiles in 128 partitions: two partitions take 2 */
}

/* 100 Langevin steps, ref vs CPU.  The gradients differ by float32
 * rounding (above, ~1e-7 relative) and the noise is the same; over 100 steps
 * of lr = 0.05 the difference grows no faster than linearly here (the
 * dynamics is not yet chaotic on this scale), so max|Δw| stays near
 * 100·lr·|g|·1e-7 ~ 1e-8; the bound 1e-6 of weights of size ~0.5 is tight
 * enough to catch a wrong noise value (2e-3 here) or a wrong step. */
static void test_langevin(void)
{
    gv_err e;
    netfix f;
    netfix_init(&f, 1500, 30, 3);
    gv_integ *it = gv_integ_langevin(0.05, 1e-2, 1e-3, &e);
    gv_ensemble *a = run_on("cpu", f.l, it, 3, 100), *b = run_on("ref", f.l, it, 3, 100);
    double scale, d = max_diff(a, b, &scale);
    printf("  langevin 100 steps: max|w_ref - w_cpu| = %.3g (max|w| = %.3g)\n", d, scale);
    CHECK_MSG(d <= 1e-6, "max difference %.3g", d);
    /* Split into segments (another upload/download pattern): bit-identical. */
    gv_ensemble *c = gv_ensemble_alloc(f.l, 3, 2024, 3, &e);
    CHECK_OK(gv_ensemble_set_device(c, "ref", &e), e);
    CHECK_OK(gv_ensemble_run(c, it, 37, NULL, 0, &e), e);
    CHECK_OK(gv_ensemble_run(c, it, 100, NULL, 0, &e), e);
    CHECK_MSG(same_weights(b, c), "ref: a run split at step 37 differs");
    CHECK(gv_ensemble_step(c) == 100);
    gv_ensemble_free(c);
    gv_ensemble_free(b);
    gv_ensemble_free(a);
    gv_integ_free(it);
    netfix_free(&f);
}

/* SGD: the batch order is the CPU's (same permutations); 40 steps cross two
 * epochs of 15.  Tolerance as for Langevin. */
static void test_sgd(void)
{
    gv_err e;
    netfix f;
    netfix_init(&f, 1500, 30, 3);
    gv_integ *it = gv_integ_sgd(0.05, 100, 1e-3, &e);
    gv_ensemble *a = run_on("cpu", f.l, it, 2, 40), *b = run_on("ref", f.l, it, 2, 40);
    double scale, d = max_diff(a, b, &scale);
    printf("  sgd 40 steps: max|w_ref - w_cpu| = %.3g (max|w| = %.3g)\n", d, scale);
    CHECK_MSG(d <= 1e-6, "max difference %.3g", d);
    /* A wrong batch order would show: batch 100 of another epoch differs. */
    gv_integ *gd = gv_integ_gd(0.05, 1e-3, &e);
    gv_ensemble *g = run_on("cpu", f.l, gd, 2, 40);
    CHECK(max_diff(a, g, NULL) > 1e-4);
    gv_ensemble *c = gv_ensemble_alloc(f.l, 2, 2024, 3, &e);
    CHECK_OK(gv_ensemble_set_device(c, "ref", &e), e);
    CHECK_OK(gv_ensemble_run(c, it, 16, NULL, 0, &e), e);
    CHECK_OK(gv_ensemble_run(c, it, 40, NULL, 0, &e), e);
    CHECK_MSG(same_weights(b, c), "ref sgd: a run split at step 16 differs");
    gv_ensemble_free(c);
    gv_ensemble_free(g);
    gv_ensemble_free(b);
    gv_ensemble_free(a);
    gv_integ_free(gd);
    gv_integ_free(it);
    netfix_free(&f);
}

/* Null models: the gradient c·w and the update are the CPU's operations in
 * double, the noise the same stream: bit-identical trajectories. */
static void test_null_models(void)
{
    gv_err e;
    gv_landscape *ls[2] = {gv_landscape_flat(301, 1000, 0.25, &e),
                           gv_landscape_harmonic(301, 2.0, 1000, 0.25, &e)};
    gv_integ *it = gv_integ_langevin(0.01, 0.5, 1e-2, &e);
    for (int i = 0; i < 2; i++) {
        gv_ensemble *a = run_on("cpu", ls[i], it, 3, 500), *b = run_on("ref", ls[i], it, 3, 500);
        CHECK_MSG(same_weights(a, b), "%s: ref differs from cpu", gv_landscape_kind(ls[i]));
        gv_ensemble_free(a);
        gv_ensemble_free(b);
        gv_landscape_free(ls[i]);
    }
    gv_integ_free(it);
}

/* A replica whose weights overflow is lost at the same step with the same
 * reason on both; the other runs on. */
static void test_lost(void)
{
    gv_err e;
    gv_landscape *l = gv_landscape_harmonic(8, 1.0, 100, 1.0, &e);
    gv_integ *it = gv_integ_gd(300.0, 0, &e); /* w ← −299·w: overflow near step 124 */
    gv_ensemble *ens[2];
    const char *dev[2] = {"cpu", "ref"};
    double zero[8] = {0};
    for (int i = 0; i < 2; i++) {
        ens[i] = gv_ensemble_alloc(l, 2, 1, 0, &e);
        CHECK_OK(gv_ensemble_set_device(ens[i], dev[i], &e), e);
        CHECK_OK(gv_ensemble_set_weights(ens[i], 0, zero, &e), e);
        CHECK_OK(gv_ensemble_run(ens[i], it, 200, NULL, 0, &e), e);
        CHECK(gv_ensemble_lost(ens[i], 1) && !gv_ensemble_lost(ens[i], 0));
    }
    CHECK(gv_ensemble_lost_step(ens[0], 1) == gv_ensemble_lost_step(ens[1], 1));
    CHECK_MSG(strcmp(gv_ensemble_lost_reason(ens[0], 1), gv_ensemble_lost_reason(ens[1], 1)) == 0,
              "cpu: %s / ref: %s", gv_ensemble_lost_reason(ens[0], 1), gv_ensemble_lost_reason(ens[1], 1));
    CHECK(same_weights(ens[0], ens[1]));
    /* Every replica lost: the same error. */
    gv_err e0, e1;
    for (int i = 0; i < 2; i++) {
        gv_ensemble *x = gv_ensemble_alloc(l, 1, 1, 0, &e);
        CHECK_OK(gv_ensemble_set_device(x, dev[i], &e), e);
        CHECK(gv_ensemble_run(x, it, 300, NULL, 0, i ? &e1 : &e0) == GV_ENAN);
        gv_ensemble_free(x);
    }
    CHECK_MSG(strcmp(e0.msg, e1.msg) == 0, "cpu: %s / ref: %s", e0.msg, e1.msg);
    gv_ensemble_free(ens[0]);
    gv_ensemble_free(ens[1]);
    gv_integ_free(it);
    gv_landscape_free(l);
}

int main(void)
{
    GV_RUN(test_names);
    GV_RUN(test_geometry);
    GV_RUN(test_gradient);
    GV_RUN(test_langevin);
    GV_RUN(test_sgd);
    GV_RUN(test_null_models);
    GV_RUN(test_lost);
    return GV_TEST_END();
}
