/* test_gv_trajectory.c: pinned trajectory hashes.  Kernel work (issue 16)
 * must not change a single bit of any trajectory: this test runs an SGD
 * quench of 3 replicas, then full-batch Langevin in the basin it reached
 * (satisfied rows dropped, several partitions and chunks) and GD with L2,
 * on 1 and 2 threads, and compares a hash of every weight with the value
 * recorded from the engine before that work.
 *
 * The bits depend on the BLAS kernel OpenBLAS selects (its core name, from
 * OPENBLAS_CORETYPE or the CPU), so the pinned values are per core; on a
 * core with no pinned value the test still checks 1 vs 2 threads and says
 * which hash to pin. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gv_ensemble.h"
#include "gv_integ.h"
#include "gv_landscape.h"
#include "gv_rng.h"
#include "gv_test.h"

/* Recorded with main at 2f29946 (before issue 16's kernel changes). */
static const struct { const char *core; uint64_t quench, basin, gd; } PINNED[] = {
    {"Haswell", 0x84925589d8ee5f52ull, 0x17cf12f0e7f8f034ull, 0x479eb4eb43cba7a0ull},
    {"Zen", 0x84925589d8ee5f52ull, 0x17cf12f0e7f8f034ull, 0x479eb4eb43cba7a0ull},
    {"Sandybridge", 0x4f88f86e36a4e452ull, 0x367e171342bd6a43ull, 0xaeab846440ddee4cull},
    /* OpenBLAS's AVX-512 cores (the same sgemm kernels, the same bits):
     * recorded on 2026-12-04 from 2f29946's engine built on an AVX-512 (Zen 5)
     * machine, with this file compiled against it; that build also gave the
     * three values above for Haswell, Zen and Sandybridge. */
    {"SkylakeX", 0x9876a9c910c06120ull, 0xa6c8ba542a17d248ull, 0x1db7e38a7f315770ull},
    {"Cooperlake", 0x9876a9c910c06120ull, 0xa6c8ba542a17d248ull, 0x1db7e38a7f315770ull},
};

static uint64_t fnv(const gv_ensemble *ens)
{
    uint64_t h = 1469598103934665603ull;
    size_t N = gv_ensemble_nweights(ens);
    for (size_t r = 0; r < gv_ensemble_size(ens); r++) {
        const unsigned char *p = (const unsigned char *)gv_ensemble_weights(ens, r);
        for (size_t k = 0; k < N * sizeof(double); k++) h = (h ^ p[k]) * 1099511628211ull;
    }
    return h;
}

typedef struct fix { gv_mlp *m; gv_data *data; gv_landscape *l; } fix;

/* P = 4096 random rows (4 partitions of 2 chunks at this width), a rule
 * plus 5% label noise, network 10-24-24-24-1. */
static void fix_init(fix *f)
{
    gv_err e;
    size_t P = 4096, d = 10, widths[] = {24, 24, 24};
    f->data = gv_data_alloc(P, d, "random-4096", &e);
    double *v = malloc(P * d * sizeof *v);
    gv_rng_normal(7, 0, GV_RNG_TEST, 0, 0, P * d, v);
    for (size_t i = 0; i < P * d; i++) f->data->X[i] = (float)v[i];
    f->data->y = malloc(P);
    for (size_t i = 0; i < P; i++) {
        const float *x = f->data->X + i * d;
        int y = x[0] - x[1] + 0.5f * x[2] > 0 ? 1 : -1;
        f->data->y[i] = (int8_t)((i % 20 == 0) ? -y : y);
    }
    free(v);
    f->m = gv_mlp_alloc(d, 3, widths, &e);
    f->l = gv_landscape_network(f->m, f->data, &e);
}

/* The three stages on `threads` threads; their hashes into h[0..3). */
static void stages(const fix *f, int threads, uint64_t h[3], double *unsat)
{
    gv_err e;
    gv_threads_set(threads);
    gv_ensemble *ens = gv_ensemble_alloc(f->l, 3, 16, 0, &e);
    gv_integ *sgd = gv_integ_sgd(2e-1, 100, 1e-4, &e);
    gv_integ *lan = gv_integ_langevin(5e-2, 1e-4, 1e-4, &e);
    gv_integ *gd = gv_integ_gd(1e-2, 1e-2, &e);
    CHECK_OK(gv_ensemble_run(ens, sgd, 100 * 40, NULL, 0, &e), e); /* 100 epochs */
    h[0] = fnv(ens);
    CHECK_OK(gv_ensemble_run(ens, lan, 100 * 40 + 30, NULL, 0, &e), e);
    h[1] = fnv(ens);
    gv_eval ev;
    CHECK_OK(gv_ensemble_eval(ens, 0, 0, &ev, &e), e);
    *unsat = ev.unsat;
    CHECK_OK(gv_ensemble_run(ens, gd, 100 * 40 + 40, NULL, 0, &e), e);
    h[2] = fnv(ens);
    CHECK(gv_ensemble_nlost(ens) == 0);
    gv_integ_free(sgd);
    gv_integ_free(lan);
    gv_integ_free(gd);
    gv_ensemble_free(ens);
    gv_threads_set(0);
}

static void test_pinned(void)
{
    fix f;
    fix_init(&f);
    uint64_t h1[3], h2[3];
    double u1, u2;
    stages(&f, 1, h1, &u1);
    stages(&f, 2, h2, &u2);
    /* A basin, not the initial state: most rows satisfied, some not. */
    CHECK_MSG(u1 > 0.01 && u1 < 0.6, "unsatisfied fraction after the Langevin stage %g", u1);
    for (int k = 0; k < 3; k++) CHECK_MSG(h1[k] == h2[k], "stage %d: 1 vs 2 threads differ", k);
    const char *core = openblas_get_corename();
    int found = 0;
    for (size_t i = 0; i < sizeof PINNED / sizeof PINNED[0]; i++) {
        if (strcmp(PINNED[i].core, core) != 0) continue;
        found = 1;
        CHECK_MSG(h1[0] == PINNED[i].quench, "SGD quench hash %016llx, pinned %016llx (core %s)",
                  (unsigned long long)h1[0], (unsigned long long)PINNED[i].quench, core);
        CHECK_MSG(h1[1] == PINNED[i].basin, "Langevin hash %016llx, pinned %016llx (core %s)",
                  (unsigned long long)h1[1], (unsigned long long)PINNED[i].basin, core);
        CHECK_MSG(h1[2] == PINNED[i].gd, "GD hash %016llx, pinned %016llx (core %s)",
                  (unsigned long long)h1[2], (unsigned long long)PINNED[i].gd, core);
    }
    if (!found)
        printf("no pinned hashes for OpenBLAS core %s: {\"%s\", 0x%016llxull, 0x%016llxull, "
               "0x%016llxull} (1 vs 2 threads checked)\n", core, core, (unsigned long long)h1[0],
               (unsigned long long)h1[1], (unsigned long long)h1[2]);
    printf("core %s: unsat %.4f, hashes %016llx %016llx %016llx\n", core, u1,
           (unsigned long long)h1[0], (unsigned long long)h1[1], (unsigned long long)h1[2]);
    gv_landscape_free(f.l);
    gv_mlp_free(f.m);
    gv_data_free(f.data);
}

int main(void)
{
    GV_RUN(test_pinned);
    return GV_TEST_END();
}
