/* bench_gpu.c: replica-steps per second of full-batch Langevin steps on a
 * device (docs/performance.md, "GPU"; bench/gpu/device_run.sh runs it).
 *
 *   bench_gpu [--device cuda] [--P 60000] [--widths 30,72]
 *             [--replicas 1,8,64,256] [--seconds 1] [--reps 3]
 *
 * The network is the project's: d = 10 inputs, 6 hidden layers of width w,
 * one output (N = 4830 at w = 30, 26712 at w = 72), on P random rows with a
 * learnable rule; Langevin lr = 1e-3, T = 1e-2, λ = 1e-2 from
 * initialisation, where every row is unsatisfied, so each replica-step costs
 * the nominal 6·N·P flops.  For each (w, R): one untimed step (device set-up,
 * upload), then --reps timed runs of as many steps as fill --seconds; the
 * median, min and max are printed as CSV lines
 *   metric,impl,w,P,R,unit,median,min,max,n
 * with metric replica_steps (unit 1/s) and flops (unit GFLOP/s, 6·N·P per
 * replica-step).  The timed runs end with the weights back on the host (the
 * run loop downloads after every block), as a user's run does. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gv_data.h"
#include "gv_ensemble.h"
#include "gv_integ.h"
#include "gv_landscape.h"
#include "gv_rng.h"

#define MAXLIST 16
#define MAXREPS 51

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static size_t parse_list(const char *s, size_t *out)
{
    size_t n = 0;
    char *end;
    while (*s && n < MAXLIST) {
        unsigned long long v = strtoull(s, &end, 10);
        if (end == s || v == 0) {
            fprintf(stderr, "bench_gpu: '%s' is not a list of positive integers\n", s);
            exit(2);
        }
        out[n++] = (size_t)v;
        s = *end == ',' ? end + 1 : end;
    }
    return n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void die(const gv_err *e)
{
    fprintf(stderr, "bench_gpu: %s\n", e->msg);
    exit(1);
}

int main(int argc, char **argv)
{
    const char *device = "cuda";
    size_t P = 60000, widths[MAXLIST] = {30, 72}, nw = 2, reps_R[MAXLIST] = {1, 8, 64, 256}, nR = 4;
    double seconds = 1.0;
    int reps = 3;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "bench_gpu: %s needs a value (see the comment at the top of bench_gpu.c)\n", a);
            return 2;
        }
        if (!strcmp(a, "--device")) device = v;
        else if (!strcmp(a, "--P")) P = (size_t)strtoull(v, NULL, 10);
        else if (!strcmp(a, "--widths")) nw = parse_list(v, widths);
        else if (!strcmp(a, "--replicas")) nR = parse_list(v, reps_R);
        else if (!strcmp(a, "--seconds")) seconds = atof(v);
        else if (!strcmp(a, "--reps")) reps = atoi(v);
        else {
            fprintf(stderr, "bench_gpu: unknown option %s\n", a);
            return 2;
        }
        i++;
    }
    if (P < 1 || reps < 1 || reps > MAXREPS || !(seconds > 0)) {
        fprintf(stderr, "bench_gpu: need --P >= 1, --reps 1..%d, --seconds > 0\n", MAXREPS);
        return 2;
    }
    gv_err e;
    const size_t d = 10, depth = 6;
    gv_data *data = gv_data_alloc(P, d, "random", &e);
    if (!data) die(&e);
    double *v = malloc(P * d * sizeof *v);
    data->y = malloc(P);
    if (!v || !data->y) {
        fprintf(stderr, "bench_gpu: out of memory\n");
        return 1;
    }
    gv_rng_normal(11, 0, GV_RNG_TEST, 0, 0, P * d, v);
    for (size_t i = 0; i < P * d; i++) data->X[i] = (float)v[i];
    for (size_t i = 0; i < P; i++) {
        const float *x = data->X + i * d;
        data->y[i] = (int8_t)(x[0] * x[1] + 0.5f * x[2] > 0 ? 1 : -1);
    }
    free(v);
    gv_integ *it = gv_integ_langevin(1e-3, 1e-2, 1e-2, &e);
    printf("metric,impl,w,P,R,unit,median,min,max,n\n");
    for (size_t iw = 0; iw < nw; iw++) {
        size_t hw[6];
        for (size_t l = 0; l < depth; l++) hw[l] = widths[iw];
        gv_mlp *m = gv_mlp_alloc(d, depth, hw, &e);
        if (!m) die(&e);
        gv_landscape *land = gv_landscape_network(m, data, &e);
        if (!land) die(&e);
        double N = (double)gv_mlp_nweights(m);
        for (size_t ir = 0; ir < nR; ir++) {
            size_t R = reps_R[ir];
            gv_ensemble *ens = gv_ensemble_alloc(land, R, 1, 0, &e);
            if (!ens || gv_ensemble_set_device(ens, device, &e) != GV_OK) die(&e);
            double t0 = now();
            if (gv_ensemble_run(ens, it, 1, NULL, 0, &e) != GV_OK) die(&e);
            double t1 = now();
            /* One more step to size the timed runs. */
            if (gv_ensemble_run(ens, it, 2, NULL, 0, &e) != GV_OK) die(&e);
            double per = now() - t1;
            uint64_t steps = per > 0 ? (uint64_t)(seconds / per) : 1000;
            if (steps < 2) steps = 2;
            double rate[MAXREPS];
            for (int k = 0; k < reps; k++) {
                uint64_t s0 = gv_ensemble_step(ens);
                double a = now();
                if (gv_ensemble_run(ens, it, s0 + steps, NULL, 0, &e) != GV_OK) die(&e);
                rate[k] = (double)steps * (double)R / (now() - a);
            }
            double sorted[MAXREPS];
            memcpy(sorted, rate, (size_t)reps * sizeof *rate);
            qsort(sorted, (size_t)reps, sizeof *sorted, cmp_double);
            double med = sorted[reps / 2], lo = sorted[0], hi = sorted[reps - 1];
            double f = 6.0 * N * (double)P / 1e9;
            printf("replica_steps,glassvm-%s,%zu,%zu,%zu,1/s,%.6g,%.6g,%.6g,%d\n", device,
                   widths[iw], P, R, med, lo, hi, reps);
            printf("flops,glassvm-%s,%zu,%zu,%zu,GFLOP/s,%.6g,%.6g,%.6g,%d\n", device, widths[iw],
                   P, R, med * f, lo * f, hi * f, reps);
            printf("# w=%zu R=%zu: first step (set-up) %.3f s, %llu steps per timed run, %zu lost\n",
                   widths[iw], R, t1 - t0, (unsigned long long)steps, gv_ensemble_nlost(ens));
            fflush(stdout);
            gv_ensemble_free(ens);
        }
        gv_landscape_free(land);
        gv_mlp_free(m);
    }
    gv_integ_free(it);
    gv_data_free(data);
    return 0;
}
