/* bench_mlp.c: ms per full-batch loss + gradient of the paper's network
 * (d = 10, 6 hidden layers of width w, P = 60000, random data) on 1 and 2
 * threads, against the OpenBLAS sgemm 2000×2000 peak measured in the same
 * run; plus ms per SGD epoch of gradients (600 batches of 100 rows).
 *
 *   cmake --build build --target bench_mlp && build/bench/bench_mlp [reps]
 *
 * Medians over `reps` timings (default 11), with min and max. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "gv_mlp.h"
#include "gv_rng.h"

extern void openblas_set_num_threads(int);

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct stats { double med, lo, hi; } stats;

static stats summarise(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp);
    return (stats){t[n / 2], t[0], t[n - 1]};
}

/* sgemm n×n×n GFLOP/s with OpenBLAS's own threads. */
static stats sgemm_peak(int threads, int reps)
{
    enum { N = 2000 };
    float *a = malloc(sizeof(float) * N * N), *b = malloc(sizeof(float) * N * N),
          *c = malloc(sizeof(float) * N * N);
    for (size_t k = 0; k < (size_t)N * N; k++) a[k] = b[k] = (float)((k % 7) - 3) * 0.1f;
    openblas_set_num_threads(threads);
    double t[64];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1, a, N, b, N, 0, c, N);
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1, a, N, b, N, 0, c, N);
        t[r] = 2.0 * N * N * N / (now() - t0) * 1e-9;
    }
    openblas_set_num_threads(1);
    free(a); free(b); free(c);
    return summarise(t, reps);
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 11;
    if (reps < 1 || reps > 64) reps = 11;
    const char *ct = getenv("OPENBLAS_CORETYPE"), *l2 = getenv("OPENBLAS_L2_SIZE");
    printf("# bench_mlp: OPENBLAS_CORETYPE=%s OPENBLAS_L2_SIZE=%s, %d reps, medians [min, max]\n",
           ct ? ct : "(unset)", l2 ? l2 : "(unset)", reps);
    gv_threads_set(0);
    stats p1 = sgemm_peak(1, reps), p2 = sgemm_peak(2, reps);
    printf("sgemm 2000x2000: 1 thread %.1f GFLOP/s [%.1f, %.1f], 2 threads %.1f [%.1f, %.1f]\n",
           p1.med, p1.lo, p1.hi, p2.med, p2.lo, p2.hi);
    enum { P = 60000, D = 10 };
    gv_err e;
    gv_data *data = gv_data_alloc(P, D, "bench", &e);
    double *z = malloc(sizeof(double) * P * D);
    gv_rng_normal(1, 0, GV_RNG_TEST, 0, 0, (size_t)P * D, z);
    for (size_t k = 0; k < (size_t)P * D; k++) data->X[k] = (float)z[k];
    data->y = malloc(P);
    for (int i = 0; i < P; i++) data->y[i] = z[i] > 0 ? 1 : -1;
    free(z);
    uint32_t *perm = malloc(sizeof(uint32_t) * P);
    gv_rng_permutation(1, 0, GV_RNG_SHUFFLE, 0, P, perm);
    printf("%4s %6s %6s %3s %22s %8s %9s %18s\n", "w", "N", "chunk", "thr", "ms/grad [min,max]",
           "GFLOP/s", "%peak(2)", "ms/SGD epoch");
    const size_t widths[] = {30, 50, 72, 82};
    for (size_t iw = 0; iw < 4; iw++) {
        size_t wd[6];
        for (int l = 0; l < 6; l++) wd[l] = widths[iw];
        gv_mlp *m = gv_mlp_alloc(D, 6, wd, &e);
        size_t nw = gv_mlp_nweights(m);
        double *w = malloc(nw * sizeof *w), *g = malloc(nw * sizeof *g);
        gv_mlp_init_weights(m, 1, 0, w);
        double flop = 6.0 * (double)nw * P;
        for (int th = 1; th <= 2; th++) {
            gv_mlp_work *ws = gv_mlp_work_alloc(m, P, th, &e);
            gv_eval ev;
            double t[64];
            gv_mlp_eval(m, ws, w, data, NULL, 0, 0, g, &ev, &e);
            for (int r = 0; r < reps; r++) {
                double t0 = now();
                gv_mlp_eval(m, ws, w, data, NULL, 0, 0, g, &ev, &e);
                t[r] = (now() - t0) * 1e3;
            }
            stats s = summarise(t, reps);
            /* SGD epoch: 600 gradients of 100 rows, single-threaded. */
            char sgd[32] = "";
            if (th == 1) {
                gv_mlp_work *w1 = gv_mlp_work_alloc(m, 100, 1, &e);
                double te[5];
                for (int r = 0; r < 5; r++) {
                    double t0 = now();
                    for (int b = 0; b < 600; b++)
                        gv_mlp_eval(m, w1, w, data, perm + 100 * b, 100, 0, g, &ev, &e);
                    te[r] = (now() - t0) * 1e3;
                }
                stats se = summarise(te, 5);
                snprintf(sgd, sizeof sgd, "%.1f [%.1f,%.1f]", se.med, se.lo, se.hi);
                gv_mlp_work_free(w1);
            }
            printf("%4zu %6zu %6zu %3d %8.2f [%5.2f,%6.2f] %8.1f %8.0f%% %18s\n", widths[iw], nw,
                   gv_mlp_chunk_rows(m), th, s.med, s.lo, s.hi, flop / s.med * 1e-6,
                   100 * flop / s.med * 1e-6 / p2.med, sgd);
            fflush(stdout);
            gv_mlp_work_free(ws);
        }
        free(w); free(g);
        gv_mlp_free(m);
    }
    free(perm);
    gv_data_free(data);
    return 0;
}
