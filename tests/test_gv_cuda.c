/* test_gv_cuda.c: the GPU checks (docs/performance.md, "GPU").
 *
 * Runs on device "cuda" (a -DGV_CUDA=ON build on a machine with an NVIDIA
 * GPU); exits 77 ("Not Run" for ctest) when that device is not available.
 * GV_TEST_DEVICE=ref runs the same checks with the CPU reference in place
 * of the GPU (its comparisons with "ref" are then trivially exact): that is
 * how the checks themselves are tested without a GPU.
 *
 * NOT YET RUN ON A GPU.  The checks and their tolerances:
 *  - GPU vs ref (the same algorithm serially on the CPU, gv_devref.c), GD and
 *    SGD: bit-identical weights (both use the same fused multiply-adds in the
 *    same order, gv_devmath.h).  Langevin: the noise differs only where
 *    CUDA's log/sin/cos differ from glibc's (≤ 2 ulp of a normal deviate), so
 *    max|Δw| ≤ 1e-12 after 20 steps.
 *  - GPU vs CPU, 100 Langevin steps: as ref vs CPU in test_gv_device.c
 *    (float32 sums in another order; measured there 2.8e-9), bound 1e-6.
 *  - run to run: two runs bit-identical.
 *  - null models vs theory, on the GPU: flat MSD = 2·lr·T/P·t; harmonic
 *    stationary variance 2T/(P·c·(2 − lr·c)) (the discrete-time AR(1)
 *    variance, c = k + λ); 40000 samples each: 5σ of a variance estimate is
 *    5·√(2/40000) = 3.5%, the bound 4%.
 *  - checkpoint: bytes saved at step 50 resume on the GPU to the same bits as
 *    an uninterrupted run, and load and run on the CPU (within 1e-6).
 *  - interrupt: a run interrupted by a hook stops at a whole step that the
 *    message names and resumes to the same bits.
 *  - a lost replica: the same step and reason as on the CPU.
 *  - out of device memory: one line naming what did not fit. */
#define _POSIX_C_SOURCE 200809L /* setenv */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gv_ckpt.h"
#include "gv_device.h"
#include "gv_ensemble.h"
#include "gv_integ.h"
#include "gv_landscape.h"
#include "gv_rng.h"
#include "gv_test.h"
#include "gv_testnet.h"

static const char *DEV = "cuda";
/* Sizes of the network checks; smaller with GV_TEST_DEVICE=ref (serial, and
 * run by ctest in every build, sanitizers included). */
static size_t SCALE = 10;           /* vs ref: 2000·SCALE rows */
static size_t ROWS = 10000, DEPTH = 6; /* vs cpu, checkpoint, interrupt */

static gv_ensemble *fresh(const char *device, const gv_landscape *l, size_t R)
{
    gv_err e;
    gv_ensemble *ens = gv_ensemble_alloc(l, R, 2024, 3, &e);
    CHECK_OK(gv_ensemble_set_device(ens, device, &e), e);
    return ens;
}

static gv_ensemble *run_on(const char *device, const gv_landscape *l, const gv_integ *it, size_t R,
                           uint64_t steps)
{
    gv_err e;
    gv_ensemble *ens = fresh(device, l, R);
    CHECK_OK(gv_ensemble_run(ens, it, steps, NULL, 0, &e), e);
    return ens;
}

static double max_diff(const gv_ensemble *a, const gv_ensemble *b)
{
    size_t n = gv_ensemble_size(a) * gv_ensemble_nweights(a);
    const double *x = gv_ensemble_weights(a, 0), *y = gv_ensemble_weights(b, 0);
    double m = 0;
    for (size_t k = 0; k < n; k++)
        if (!(fabs(x[k] - y[k]) <= m)) m = fabs(x[k] - y[k]);
    return m;
}

static int same_weights(const gv_ensemble *a, const gv_ensemble *b)
{
    size_t n = gv_ensemble_size(a) * gv_ensemble_nweights(a) * sizeof(double);
    return memcmp(gv_ensemble_weights(a, 0), gv_ensemble_weights(b, 0), n) == 0;
}

/* GD and SGD bit-identical to ref; Langevin within the noise's ulps.  P =
 * 20000 rows: 157 tiles in 128 partitions, the last tile partial.  On the GPU
 * both register blocks of the gradient kernel (GV_CUDA_BLOCK=4, the default,
 * and 1) must give these bits. */
static void test_vs_ref(void)
{
    gv_err e;
    netfix f;
    netfix_init(&f, 2000 * SCALE, 30, 3);
    gv_integ *its[3] = {gv_integ_gd(0.05, 1e-3, &e), gv_integ_sgd(0.05, 300 * SCALE, 1e-3, &e),
                        gv_integ_langevin(0.05, 1e-2, 1e-3, &e)};
    const char *blocks[2] = {"4", "1"};
    int nblocks = strcmp(DEV, "cuda") == 0 ? 2 : 1;
    for (int i = 0; i < 3; i++) {
        uint64_t steps = i == 1 ? 14 : 8; /* sgd: 6 steps an epoch, three epochs */
        gv_ensemble *b = run_on("ref", f.l, its[i], 2, steps);
        for (int k = 0; k < nblocks; k++) {
            setenv("GV_CUDA_BLOCK", blocks[k], 1);
            gv_ensemble *a = run_on(DEV, f.l, its[i], 2, steps);
            double d = max_diff(a, b);
            printf("  %s (block %s) vs ref, %s %llu steps: max|dw| = %.3g%s\n", DEV, blocks[k],
                   gv_integ_name(its[i]), (unsigned long long)steps, d,
                   same_weights(a, b) ? " (bit-identical)" : "");
            if (i < 2)
                CHECK_MSG(same_weights(a, b), "%s (block %s): not bit-identical to ref (max %.3g)",
                          gv_integ_name(its[i]), blocks[k], d);
            else
                CHECK_MSG(d <= 1e-12, "langevin (block %s): max difference %.3g", blocks[k], d);
            gv_ensemble_free(a);
        }
        unsetenv("GV_CUDA_BLOCK");
        gv_ensemble_free(b);
    }
    for (int i = 0; i < 3; i++) gv_integ_free(its[i]);
    netfix_free(&f);
}

/* The project's network (w = 30, depth 6) vs the CPU after 100 Langevin
 * steps, and run-to-run identity. */
static void test_vs_cpu(void)
{
    gv_err e;
    netfix f;
    netfix_init(&f, ROWS, 30, DEPTH);
    gv_integ *it = gv_integ_langevin(0.05, 1e-2, 1e-3, &e);
    gv_ensemble *a = run_on(DEV, f.l, it, 4, 100), *b = run_on("cpu", f.l, it, 4, 100);
    double d = max_diff(a, b);
    printf("  %s vs cpu, langevin 100 steps (w = 30, depth %zu, P = %zu): max|dw| = %.3g\n", DEV,
           DEPTH, ROWS, d);
    CHECK_MSG(d <= 1e-6, "max difference %.3g", d);
    gv_ensemble *c = run_on(DEV, f.l, it, 4, 100);
    CHECK_MSG(same_weights(a, c), "two runs on %s differ", DEV);
    gv_ensemble_free(c);
    gv_ensemble_free(b);
    gv_ensemble_free(a);
    gv_integ_free(it);
    netfix_free(&f);
}

/* Null models against theory. */
static void test_null_theory(void)
{
    gv_err e;
    const size_t N = 10000, R = 4, P = 1000;
    const double lr = 0.01, T = 0.5, k = 2.0;
    /* flat: Δw after t steps has variance 2·lr·T/P·t. */
    gv_landscape *flat = gv_landscape_flat(N, P, 0.0, &e);
    gv_integ *lv = gv_integ_langevin(lr, T, 0, &e);
    gv_ensemble *a = run_on(DEV, flat, lv, R, 400);
    double s = 0;
    for (size_t r = 0; r < R; r++)
        for (size_t i = 0; i < N; i++) s += gv_ensemble_weights(a, r)[i] * gv_ensemble_weights(a, r)[i];
    double msd = s / (double)(N * R), want = 2 * lr * T / (double)P * 400;
    printf("  flat: MSD(400) = %.5g, theory %.5g (ratio %.4f)\n", msd, want, msd / want);
    CHECK_MSG(fabs(msd / want - 1) <= 0.04, "flat MSD %.5g vs %.5g", msd, want);
    /* harmonic: stationary after many relaxation times 1/(lr·c) = 50 steps. */
    gv_landscape *harm = gv_landscape_harmonic(N, k, P, 1.0, &e);
    gv_ensemble *b = run_on(DEV, harm, lv, R, 2000);
    s = 0;
    for (size_t r = 0; r < R; r++)
        for (size_t i = 0; i < N; i++) s += gv_ensemble_weights(b, r)[i] * gv_ensemble_weights(b, r)[i];
    double var = s / (double)(N * R), c = k;
    want = 2 * T / ((double)P * c * (2 - lr * c));
    printf("  harmonic: <w^2> = %.5g, theory %.5g (ratio %.4f)\n", var, want, var / want);
    CHECK_MSG(fabs(var / want - 1) <= 0.04, "harmonic variance %.5g vs %.5g", var, want);
    gv_ensemble_free(a);
    gv_ensemble_free(b);
    gv_integ_free(lv);
    gv_landscape_free(flat);
    gv_landscape_free(harm);
}

/* A hook that requests an interrupt at its one event. */
typedef struct stop_hook {
    uint64_t at;
    int done;
} stop_hook;

static uint64_t stop_next(void *self)
{
    stop_hook *h = self;
    return h->done ? GV_NO_EVENT : h->at;
}

static gv_status stop_fire(void *self, gv_ensemble *ens, gv_err *e)
{
    (void)ens;
    (void)e;
    ((stop_hook *)self)->done = 1;
    gv_interrupt_request();
    return GV_OK;
}

static void test_checkpoint_interrupt(void)
{
    gv_err e;
    netfix f;
    netfix_init(&f, ROWS, 30, DEPTH);
    gv_integ *it = gv_integ_langevin(0.05, 1e-2, 1e-3, &e);
    gv_ensemble *a = run_on(DEV, f.l, it, 3, 100);
    /* Saved at 50, resumed on the device: the same bits. */
    gv_ensemble *b = run_on(DEV, f.l, it, 3, 50);
    gv_wbuf buf = {0};
    CHECK_OK(gv_ensemble_serialize(b, &buf, &e), e);
    gv_ensemble *c = gv_ensemble_deserialize(buf.p, buf.len, "test", f.l, &e);
    CHECK(c != NULL);
    CHECK_OK(gv_ensemble_set_device(c, DEV, &e), e);
    CHECK_OK(gv_ensemble_run(c, it, 100, NULL, 0, &e), e);
    CHECK_MSG(same_weights(a, c), "resumed from step 50 on %s: differs", DEV);
    /* ... and on the CPU. */
    gv_ensemble *g = gv_ensemble_deserialize(buf.p, buf.len, "test", f.l, &e);
    CHECK_OK(gv_ensemble_run(g, it, 100, NULL, 0, &e), e);
    double d = max_diff(a, g);
    printf("  saved at 50 on %s, resumed on cpu: max|dw| at 100 = %.3g\n", DEV, d);
    CHECK(d <= 1e-6);
    /* Interrupted by a hook at step 10: a whole step, named; resumes to the
     * same bits. */
    gv_ensemble *x = fresh(DEV, f.l, 3);
    stop_hook sh = {10, 0};
    gv_hook h = {&sh, "stop", stop_next, stop_fire, NULL};
    CHECK(gv_ensemble_run(x, it, 100, &h, 1, &e) == GV_EINTR);
    uint64_t at = gv_ensemble_step(x);
    char want[64];
    snprintf(want, sizeof want, "interrupted at step %llu ", (unsigned long long)at);
    CHECK_MSG(at >= 10 && at <= 100 && strstr(e.msg, want), "%s", e.msg);
    gv_interrupt_clear();
    CHECK_OK(gv_ensemble_run(x, it, 100, NULL, 0, &e), e);
    CHECK_MSG(same_weights(a, x), "interrupted at %llu and resumed: differs", (unsigned long long)at);
    gv_wbuf_free(&buf);
    gv_ensemble_free(x);
    gv_ensemble_free(g);
    gv_ensemble_free(c);
    gv_ensemble_free(b);
    gv_ensemble_free(a);
    gv_integ_free(it);
    netfix_free(&f);
}

static void test_lost_and_memory(void)
{
    gv_err e;
    gv_landscape *l = gv_landscape_harmonic(8, 1.0, 100, 1.0, &e);
    gv_integ *it = gv_integ_gd(300.0, 0, &e);
    double zero[8] = {0};
    gv_ensemble *ens[2];
    const char *dev[2] = {"cpu", DEV};
    for (int i = 0; i < 2; i++) {
        ens[i] = fresh(dev[i], l, 2);
        CHECK_OK(gv_ensemble_set_weights(ens[i], 0, zero, &e), e);
        CHECK_OK(gv_ensemble_run(ens[i], it, 200, NULL, 0, &e), e);
    }
    CHECK(gv_ensemble_lost(ens[1], 1) && !gv_ensemble_lost(ens[1], 0));
    CHECK(gv_ensemble_lost_step(ens[0], 1) == gv_ensemble_lost_step(ens[1], 1));
    CHECK_MSG(strcmp(gv_ensemble_lost_reason(ens[0], 1), gv_ensemble_lost_reason(ens[1], 1)) == 0,
              "cpu: %s / %s: %s", gv_ensemble_lost_reason(ens[0], 1), DEV,
              gv_ensemble_lost_reason(ens[1], 1));
    CHECK(same_weights(ens[0], ens[1]));
    gv_ensemble_free(ens[0]);
    gv_ensemble_free(ens[1]);
    if (strcmp(DEV, "cuda") == 0) {
        /* 12000 replicas of w = 72 (N = 26712): 164 GB of gradient
         * partitions (128 per replica), more than any GPU has; 2.6 GB of
         * weights on the host. */
        netfix f;
        netfix_init(&f, 60000, 72, 6);
        gv_ensemble *big = gv_ensemble_alloc(f.l, 12000, 1, 0, &e);
        CHECK_OK(gv_ensemble_set_device(big, DEV, &e), e);
        CHECK(gv_ensemble_run(big, it, 1, NULL, 0, &e) == GV_ENOMEM);
        printf("  out of memory: %s\n", e.msg);
        CHECK_MSG(strstr(e.msg, "cuda: out of device memory for ") == e.msg && !strchr(e.msg, '\n'),
                  "%s", e.msg);
        CHECK(gv_ensemble_step(big) == 0);
        gv_ensemble_free(big);
        netfix_free(&f);
    }
    gv_integ_free(it);
    gv_landscape_free(l);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* lines survive a timeout on the device */
    const char *d = getenv("GV_TEST_DEVICE");
    if (d && *d) DEV = d;
    if (strcmp(DEV, "cuda") != 0) {
        SCALE = 1;
        ROWS = 500;
        DEPTH = 3;
    }
    gv_err e;
    const gv_device_ops *ops;
    if (gv_device_lookup(DEV, &ops, &e) != GV_OK) {
        printf("device %s not available, GPU checks not run: %s\n", DEV, e.msg);
        return 77;
    }
    GV_RUN(test_vs_ref);
    GV_RUN(test_vs_cpu);
    GV_RUN(test_null_theory);
    GV_RUN(test_checkpoint_interrupt);
    GV_RUN(test_lost_and_memory);
    return GV_TEST_END();
}
