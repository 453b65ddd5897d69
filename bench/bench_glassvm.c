/* bench_glassvm.c: the glassvm half of issue 6's benchmark (docs/performance.md).
 *
 *   bench_glassvm [--reps n] [--data dir] [--dump file] [--width w] part...
 *
 * Parts: sgemm (OpenBLAS peak; `all` measures it again between groups of
 * rows), langevin (full-batch Langevin steps through the ensemble API from
 * the initial weights, w = 30, 50, 72, 82), basin (the same at T = 1e-4 in
 * a basin quenched by SGD, w = 30 and 72; the quenched weights are built
 * once and cached in --fixtures dir, default "."), sgd (SGD epochs, w = 30
 * and 72), sgd_ensemble (8 replicas' SGD epochs, replica-epochs/s),
 * profile (where the time goes; needs a build with -DGV_PROFILE=ON),
 * ensemble (8 replicas vs 1 replica on one thread, timed in alternation,
 * with the machine's own 2-thread / 1-thread sgemm ratio), scaling (time vs P),
 * mem (peak resident memory of a 16-replica w = 72 run with a two-time
 * observer: run it in a process of its own, it reads the process's peak),
 * dump (write the dataset for bench/torch_ref.py to --dump).  --width w
 * restricts the Langevin part to one width (for profiling).
 *
 * Every measurement is one CSV line on stdout,
 *   metric,impl,w,P,threads,unit,median,min,max,n
 * (median, min and max over n repetitions); lines starting with '#' are
 * notes.  bench/run.sh collects these lines from both OpenBLAS environments
 * and from bench/torch_ref.py and prints the table. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#include "gv_data.h"
#include "gv_ensemble.h"
#include "gv_integ.h"
#include "gv_landscape.h"
#include "gv_obs.h"
#include "gv_rng.h"
#include "gv_sched.h"

#define MAXREPS 101

enum { D = 10, PFULL = 60000, DEPTH = 6 };
static const size_t WIDTHS[4] = {30, 50, 72, 82};

/* Integrator parameters: the paper's lr and a temperature in its range;
 * over a few steps from initialisation every row stays unsatisfied, so each
 * step costs the full 6·N·P flops. */
#define LR 1e-3
#define TEMP 1e-2

static int reps = 11;
static size_t only_width; /* --width: Langevin rows of this width only (profiling) */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct stats { double med, lo, hi; int n; } stats;

/* Median (mean of the middle two for even n), min and max. */
static stats summarise(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp);
    double med = n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
    return (stats){med, t[0], t[n - 1], n};
}

static void emit(const char *metric, size_t w, size_t P, int threads, const char *unit, stats s)
{
    printf("%s,glassvm,%zu,%zu,%d,%s,%.6g,%.6g,%.6g,%d\n", metric, w, P, threads, unit, s.med,
           s.lo, s.hi, s.n);
    fflush(stdout);
}

static void die(const char *what, const gv_err *e)
{
    fprintf(stderr, "bench_glassvm: %s: %s\n", what, e && e->msg[0] ? e->msg : "failed");
    exit(1);
}

/* ---- data ---------------------------------------------------------------- */

/* MNIST train with the paper's preprocessing (z-score, PCA to 10, parity),
 * as glass.data.mnist{} does; NULL if dir does not hold the IDX files. */
static gv_data *load_mnist(const char *dir)
{
    char img[4096], lab[4096];
    snprintf(img, sizeof img, "%s/train-images-idx3-ubyte", dir);
    snprintf(lab, sizeof lab, "%s/train-labels-idx1-ubyte", dir);
    if (access(img, R_OK) != 0 || access(lab, R_OK) != 0) {
        strncat(img, ".gz", sizeof img - strlen(img) - 1);
        strncat(lab, ".gz", sizeof lab - strlen(lab) - 1);
        if (access(img, R_OK) != 0 || access(lab, R_OK) != 0) return NULL;
    }
    gv_err e = {0};
    gv_data *data = NULL;
    gv_scaler *sc = NULL;
    gv_pca *pca = NULL;
    if (gv_idx_load(img, lab, &data, &e)) die("loading MNIST", &e);
    if (gv_scaler_fit(data, &sc, &e) || gv_scaler_apply(sc, data, &e)) die("standardising", &e);
    if (gv_pca_fit(data, D, &pca, &e) || gv_pca_apply(pca, data, &e)) die("PCA", &e);
    if (gv_data_binarize_parity(data, &e)) die("binarising", &e);
    gv_scaler_free(sc);
    gv_pca_free(pca);
    gv_data_set_name(data, "MNIST train");
    return data;
}

/* Fallback: Gaussian rows, labels from the sign of the first feature. */
static gv_data *random_data(void)
{
    gv_err e = {0};
    gv_data *data = gv_data_alloc(PFULL, D, "random", &e);
    double *z = malloc(sizeof(double) * PFULL * D);
    if (!data || !z || !(data->y = malloc(PFULL))) die("random data", &e);
    gv_rng_normal(1, 0, GV_RNG_TEST, 0, 0, (size_t)PFULL * D, z);
    for (size_t k = 0; k < (size_t)PFULL * D; k++) data->X[k] = (float)z[k];
    for (size_t i = 0; i < PFULL; i++) data->y[i] = z[i * D] > 0 ? 1 : -1;
    free(z);
    return data;
}

static gv_data *get_data(const char *dir)
{
    gv_data *data = dir ? load_mnist(dir) : NULL;
    if (data) {
        printf("# data: %s from %s (z-score, PCA to 10, parity), P=%zu d=%zu\n", data->name, dir,
               data->P, data->d);
    } else {
        data = random_data();
        printf("# data: RANDOM Gaussian rows (MNIST not found in %s), P=%zu d=%zu\n",
               dir ? dir : "(no --data)", data->P, data->d);
    }
    return data;
}

/* Write P, d (int64 each), X (float32, P×d) and y (int8, P) for torch_ref.py. */
static void dump(const gv_data *data, const char *path)
{
    FILE *f = fopen(path, "wb");
    int64_t hdr[2] = {(int64_t)data->P, (int64_t)data->d};
    if (!f || fwrite(hdr, sizeof hdr, 1, f) != 1 ||
        fwrite(data->X, sizeof(float), data->P * data->d, f) != data->P * data->d ||
        fwrite(data->y, 1, data->P, f) != data->P || fclose(f) != 0) {
        fprintf(stderr, "bench_glassvm: cannot write %s\n", path);
        exit(1);
    }
}

/* ---- sgemm peak ---------------------------------------------------------- */

/* sgemm 2000×2000×2000 GFLOP/s with 1 and 2 OpenBLAS threads (only 2 when
 * seq > 0).  Measured again between the other parts (seq = 1, 2, ...: the
 * P column of its CSV line) so that a peak disturbed by other load shows. */
static int sgemm_seq;
enum { SGEMM_N = 2000 };

typedef struct sgemm_bufs { float *a, *b, *c; } sgemm_bufs;

static sgemm_bufs sgemm_alloc(void)
{
    size_t n = (size_t)SGEMM_N * SGEMM_N;
    sgemm_bufs m = {malloc(sizeof(float) * n), malloc(sizeof(float) * n), malloc(sizeof(float) * n)};
    if (!m.a || !m.b || !m.c) die("sgemm buffers", NULL);
    for (size_t k = 0; k < n; k++) m.a[k] = m.b[k] = (float)((int)(k % 7) - 3) * 0.1f;
    return m;
}

static void sgemm_free(sgemm_bufs m)
{
    free(m.a); free(m.b); free(m.c);
}

/* One sgemm on `threads` OpenBLAS threads: GFLOP/s.  Leaves OpenBLAS on one
 * thread, as the engine runs it (inside its own threads). */
static double sgemm_once(sgemm_bufs m, int threads)
{
    int N = SGEMM_N;
    openblas_set_num_threads(threads);
    double t0 = now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1, m.a, N, m.b, N, 0, m.c, N);
    double r = 2.0 * N * N * N / (now() - t0) * 1e-9;
    openblas_set_num_threads(1);
    return r;
}

static void bench_sgemm(void)
{
    int seq = sgemm_seq++;
    sgemm_bufs m = sgemm_alloc();
    for (int threads = seq ? 2 : 1; threads <= 2; threads++) {
        double t[MAXREPS];
        sgemm_once(m, threads);
        for (int r = 0; r < reps; r++) t[r] = sgemm_once(m, threads);
        emit("sgemm", SGEMM_N, (size_t)seq, threads, "GFLOP/s", summarise(t, reps));
    }
    sgemm_free(m);
}

/* ---- dynamics ------------------------------------------------------------ */

typedef struct net_land { gv_mlp *m; gv_landscape *land; } net_land;

static net_land make_land(const gv_data *data, size_t w)
{
    gv_err e = {0};
    size_t wd[DEPTH];
    for (int l = 0; l < DEPTH; l++) wd[l] = w;
    net_land nl;
    if (!(nl.m = gv_mlp_alloc(D, DEPTH, wd, &e))) die("network", &e);
    if (!(nl.land = gv_landscape_network(nl.m, data, &e))) die("landscape", &e);
    return nl;
}

static void free_land(net_land nl)
{
    gv_landscape_free(nl.land);
    gv_mlp_free(nl.m);
}

/* Seconds per step of an R-replica ensemble advanced by `steps` steps per
 * timing (one gv_ensemble_run call each, as a long run makes them), after
 * `warm` untimed warm-up calls.  Threads: gv_threads_set(threads). */
static stats time_ens(gv_ensemble *ens, const gv_integ *it, int threads, uint64_t steps, int warm,
                      int nrep)
{
    gv_err e = {0};
    gv_threads_set(threads);
    double t[MAXREPS];
    for (int k = 0; k < warm; k++)
        if (gv_ensemble_run(ens, it, gv_ensemble_step(ens) + steps, NULL, 0, &e))
            die("warm-up run", &e);
    for (int r = 0; r < nrep; r++) {
        double t0 = now();
        if (gv_ensemble_run(ens, it, gv_ensemble_step(ens) + steps, NULL, 0, &e)) die("run", &e);
        t[r] = (now() - t0) / (double)steps;
    }
    if (gv_ensemble_nlost(ens)) die("a replica was lost during the benchmark", NULL);
    gv_threads_set(0);
    return summarise(t, nrep);
}

static stats time_run(const gv_landscape *land, const gv_integ *it, size_t R, int threads,
                      uint64_t steps, int nrep)
{
    gv_err e = {0};
    gv_ensemble *ens = gv_ensemble_alloc(land, R, 1, 0, &e);
    if (!ens) die("ensemble", &e);
    stats s = time_ens(ens, it, threads, steps, 1, nrep);
    gv_ensemble_free(ens);
    return s;
}

static stats scale(stats s, double f)
{
    return (stats){s.med * f, s.lo * f, s.hi * f, s.n};
}

/* Inverse of a time: the spread flips (max rate from min time). */
static stats rate(stats s, double per)
{
    return (stats){per / s.med, per / s.hi, per / s.lo, s.n};
}

/* Least-squares slope of log y against log x. */
static double loglog_slope(const double *x, const double *y, int n)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < n; i++) {
        double lx = log(x[i]), ly = log(y[i]);
        sx += lx; sy += ly; sxx += lx * lx; sxy += lx * ly;
    }
    return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

static void bench_langevin(const gv_data *data)
{
    gv_err e = {0};
    gv_integ *it = gv_integ_langevin(LR, TEMP, 0, &e);
    if (!it) die("langevin", &e);
    int nt = gv_threads();
    double N[4], ms[4];
    int nw = 0;
    for (int iw = 0; iw < 4; iw++) {
        if (only_width && WIDTHS[iw] != only_width) continue;
        net_land nl = make_land(data, WIDTHS[iw]);
        stats s = scale(time_run(nl.land, it, 1, nt, 3, reps), 1e3);
        emit("langevin_ms", WIDTHS[iw], data->P, nt, "ms", s);
        N[nw] = (double)gv_landscape_nweights(nl.land);
        ms[nw++] = s.med;
        free_land(nl);
    }
    if (nw == 4) {
        double k = loglog_slope(N, ms, 4);
        printf("langevin_N_exponent,glassvm,0,%zu,%d,exponent,%.4f,%.4f,%.4f,1\n", data->P, nt,
               k, k, k);
    }
    gv_integ_free(it);
}

static void bench_sgd(const gv_data *data)
{
    gv_err e = {0};
    gv_integ *it = gv_integ_sgd(LR, 100, 0, &e);
    if (!it) die("sgd", &e);
    static const size_t ws[2] = {30, 72};
    int nrep = reps < 7 ? reps : 7;
    for (int iw = 0; iw < 2; iw++) {
        net_land nl = make_land(data, ws[iw]);
        uint64_t epoch = gv_integ_steps_per_epoch(it, nl.land);
        /* One run call per epoch, from an epoch boundary: it includes the
         * epoch's shuffle.  The engine runs a 100-row batch on one thread. */
        stats s = scale(time_run(nl.land, it, 1, gv_threads(), epoch, nrep), 1e3 * (double)epoch);
        emit("sgd_epoch_ms", ws[iw], data->P, 1, "ms", s);
        free_land(nl);
    }
    gv_integ_free(it);
}

/* 8 replicas on all threads against 1 replica on one thread, timed in
 * alternation (one call of each per repetition, the order swapped every
 * other time): the machine's speed drifts by 10-20 % over seconds here, and
 * two blocks timed one after the other put that drift into their ratio.
 * Each repetition's ratio comes from its own pair; the ratio row is their
 * median [min-max].  Each repetition also times one sgemm on 1 and on 2
 * threads: what the machine gave two threads at that moment (a shared
 * machine's second core is not always a whole core). */
static void bench_ensemble(const gv_data *data)
{
    gv_err e = {0};
    gv_integ *it = gv_integ_langevin(LR, TEMP, 0, &e);
    if (!it) die("langevin", &e);
    net_land nl = make_land(data, 30);
    int nt = gv_threads();
    gv_ensemble *one = gv_ensemble_alloc(nl.land, 1, 1, 0, &e);
    gv_ensemble *eight = one ? gv_ensemble_alloc(nl.land, 8, 1, 0, &e) : NULL;
    if (!eight) die("ensemble", &e);
    time_ens(one, it, 1, 3, 1, 1); /* warm-up, and the kernel's checks */
    time_ens(eight, it, nt, 2, 1, 1);
    double r1[MAXREPS], r8[MAXREPS], q[MAXREPS], qs[MAXREPS];
    sgemm_bufs m = sgemm_alloc();
    sgemm_once(m, 2);
    for (int r = 0; r < reps; r++) {
        qs[r] = sgemm_once(m, 2) / sgemm_once(m, 1);
        stats a, b;
        if (r % 2 == 0) {
            a = time_ens(one, it, 1, 3, 0, 1);
            b = time_ens(eight, it, nt, 2, 0, 1);
        } else {
            b = time_ens(eight, it, nt, 2, 0, 1);
            a = time_ens(one, it, 1, 3, 0, 1);
        }
        r1[r] = 1.0 / a.med;
        r8[r] = 8.0 / b.med;
        q[r] = r8[r] / r1[r];
    }
    emit("replica_steps_1r", 30, data->P, 1, "replica-steps/s", summarise(r1, reps));
    emit("replica_steps_8r", 30, data->P, nt, "replica-steps/s", summarise(r8, reps));
    emit("replica_steps_ratio", 30, data->P, nt, "ratio", summarise(q, reps));
    emit("sgemm_2t_1t_ratio", SGEMM_N, data->P, 2, "ratio", summarise(qs, reps));
    sgemm_free(m);
    gv_ensemble_free(eight);
    gv_ensemble_free(one);
    free_land(nl);
    gv_integ_free(it);
}

static void bench_scaling(const gv_data *data)
{
    gv_err e = {0};
    gv_integ *it = gv_integ_langevin(LR, TEMP, 0, &e);
    if (!it) die("langevin", &e);
    static const size_t Ps[4] = {6000, 15000, 30000, 60000};
    static const size_t ws[2] = {30, 72};
    int nt = gv_threads();
    for (int iw = 0; iw < 2; iw++) {
        double x[4], y[4];
        for (int ip = 0; ip < 4; ip++) {
            gv_data *sub = NULL;
            if (Ps[ip] < data->P) {
                if (gv_data_subset(data, Ps[ip], 1, &sub, &e)) die("subset", &e);
            }
            net_land nl = make_land(sub ? sub : data, ws[iw]);
            /* More steps per timing on small P, so each timing is >= ~10 ms. */
            uint64_t steps = 3 * (PFULL / Ps[ip]);
            stats s = scale(time_run(nl.land, it, 1, nt, steps, reps), 1e3);
            emit("scaling_P_ms", ws[iw], Ps[ip], nt, "ms", s);
            x[ip] = (double)Ps[ip];
            y[ip] = s.med;
            free_land(nl);
            gv_data_free(sub);
        }
        double k = loglog_slope(x, y, 4);
        printf("langevin_P_exponent,glassvm,%zu,0,%d,exponent,%.4f,%.4f,%.4f,1\n", ws[iw], nt, k,
               k, k);
    }
    gv_integ_free(it);
}

/* ---- the real work (issue 16) -------------------------------------------- */

/* The trained basin: one replica (seed 1, replica 0) quenched by SGD for
 * BASIN_EPOCHS epochs of batch 100 at lr = BASIN_LR on the full dataset, as
 * the ageing protocol's quench (there: P = 5000, 1000 epochs, lr = 1e-2).
 * Built once and cached in --fixtures (an ensemble file plus the weights as
 * raw doubles for torch_ref.py); the Langevin steps then run at T = BASIN_T. */
#define BASIN_EPOCHS 20
#define BASIN_LR 1e-2
#define BASIN_T 1e-4

static const char *fixtures = "."; /* --fixtures DIR */

static void basin_paths(const gv_data *data, size_t w, char *ens_path, char *raw_path, size_t n)
{
    const char *tag = strncmp(data->name, "MNIST", 5) == 0 ? "mnist" : "random";
    snprintf(ens_path, n, "%s/basin_%s_w%zu_e%d.gvens", fixtures, tag, w, BASIN_EPOCHS);
    snprintf(raw_path, n, "%s/basin_%s_w%zu_e%d.f64", fixtures, tag, w, BASIN_EPOCHS);
}

/* Weights as the network's layers in order, row-major out×in (PyTorch's
 * Linear.weight), float64 little-endian; torch_ref.py --basin reads them. */
static void write_raw(const double *w, size_t N, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(w, sizeof *w, N, f) != N || fclose(f) != 0) {
        fprintf(stderr, "bench_glassvm: cannot write %s\n", path);
        exit(1);
    }
}

/* The quenched ensemble of width w: loaded from the cache, or built (and
 * cached) when missing. */
static gv_ensemble *basin(const gv_data *data, const net_land *nl, size_t w)
{
    char ens_path[4096], raw_path[4096];
    basin_paths(data, w, ens_path, raw_path, sizeof ens_path);
    gv_err e = {0};
    gv_ensemble *ens = access(ens_path, R_OK) == 0 ? gv_ensemble_load(ens_path, nl->land, &e) : NULL;
    if (ens && access(raw_path, R_OK) == 0) {
        printf("# basin w=%zu: cached %s\n", w, ens_path);
        return ens;
    }
    gv_ensemble_free(ens);
    gv_integ *sgd = gv_integ_sgd(BASIN_LR, 100, 0, &e);
    if (!sgd || !(ens = gv_ensemble_alloc(nl->land, 1, 1, 0, &e))) die("basin", &e);
    double t0 = now();
    gv_threads_set(0);
    uint64_t steps = BASIN_EPOCHS * gv_integ_steps_per_epoch(sgd, nl->land);
    if (gv_ensemble_run(ens, sgd, steps, NULL, 0, &e)) die("basin quench", &e);
    gv_eval ev;
    if (gv_ensemble_eval(ens, 0, 0, &ev, &e)) die("basin eval", &e);
    printf("# basin w=%zu: SGD %d epochs (lr %g, batch 100) in %.1f s: loss %.4g, accuracy %.4f, "
           "unsatisfied %.4f; saved %s\n", w, BASIN_EPOCHS, BASIN_LR, now() - t0, ev.data_loss,
           ev.accuracy, ev.unsat, ens_path);
    gv_integ_free(sgd);
    if (gv_ensemble_save(ens, ens_path, &e)) die("saving the basin", &e);
    write_raw(gv_ensemble_weights(ens, 0), gv_ensemble_nweights(ens), raw_path);
    return ens;
}

/* Full-batch Langevin steps at T = BASIN_T from the quenched weights, and
 * the unsatisfied fraction there (rows whose backward pass is skipped). */
static void bench_basin(const gv_data *data)
{
    gv_err e = {0};
    gv_integ *it = gv_integ_langevin(LR, BASIN_T, 0, &e);
    if (!it) die("langevin", &e);
    static const size_t ws[2] = {30, 72};
    int nt = gv_threads();
    for (int iw = 0; iw < 2; iw++) {
        if (only_width && ws[iw] != only_width) continue;
        net_land nl = make_land(data, ws[iw]);
        gv_ensemble *ens = basin(data, &nl, ws[iw]);
        gv_eval ev;
        if (gv_ensemble_eval(ens, 0, 0, &ev, &e)) die("basin eval", &e);
        stats u = {ev.unsat, ev.unsat, ev.unsat, 1};
        emit("basin_unsat", ws[iw], data->P, nt, "fraction", u);
        /* 30 warm-up steps: in the basin each chunk keeps a different number
         * of rows, and the first time a number comes, the kernel checks
         * which way of computing it gives OpenBLAS's bits (docs/network.md:
         * about 300 checks, 0.1 s once per process at w = 30). */
        emit("basin_langevin_ms", ws[iw], data->P, nt, "ms",
             scale(time_ens(ens, it, nt, 3, 10, reps), 1e3));
        gv_ensemble_free(ens);
        free_land(nl);
    }
    gv_integ_free(it);
}

/* SGD quench of an 8-replica ensemble from the initial weights: SGD_ENS_EPOCHS
 * epochs (the 100 scaled down; each timed alone), replica-epochs/s. */
#define SGD_ENS_R 8
#define SGD_ENS_EPOCHS 5

static void bench_sgd_ensemble(const gv_data *data)
{
    gv_err e = {0};
    gv_integ *it = gv_integ_sgd(LR, 100, 0, &e);
    if (!it) die("sgd", &e);
    static const size_t ws[2] = {30, 72};
    int nt = gv_threads();
    for (int iw = 0; iw < 2; iw++) {
        net_land nl = make_land(data, ws[iw]);
        gv_ensemble *ens = gv_ensemble_alloc(nl.land, SGD_ENS_R, 1, 0, &e);
        if (!ens) die("ensemble", &e);
        uint64_t epoch = gv_integ_steps_per_epoch(it, nl.land);
        stats s = time_ens(ens, it, nt, epoch, 0, SGD_ENS_EPOCHS);
        emit("sgd_ens_rate", ws[iw], data->P, nt, "replica-epochs/s", rate(s, SGD_ENS_R / (double)epoch));
        gv_ensemble_free(ens);
        free_land(nl);
    }
    gv_integ_free(it);
}

/* ---- profile ------------------------------------------------------------- */

/* Where the time goes (build with -DGV_PROFILE=ON, else it says so): CPU
 * time per part of the step as % of the run's CPU time (wall × threads),
 * for Langevin from the initial weights, in the basin, and SGD, at w = 30
 * and 72 on all threads.  The rest ("overhead") is the run loop, OpenBLAS's
 * calls outside its kernels' timed spans, waiting at barriers. */
static void profile_one(const char *what, size_t w, gv_ensemble *ens, const gv_integ *it,
                        uint64_t steps, int nt)
{
    static const char *names[GV_PROF_N] = {"forward", "own passes", "weight gradients", "deltas",
                                           "reduce+convert", "noise", "update"};
    gv_err e = {0};
    double t[GV_PROF_N];
    gv_threads_set(nt);
    if (gv_ensemble_run(ens, it, gv_ensemble_step(ens) + steps, NULL, 0, &e)) die("warm-up", &e);
    gv_profile_read(t, 1);
    double t0 = now();
    if (gv_ensemble_run(ens, it, gv_ensemble_step(ens) + steps, NULL, 0, &e)) die("run", &e);
    double cpu = (now() - t0) * nt, sum = 0;
    gv_profile_read(t, 1);
    printf("# profile %s w=%zu, %d threads, %.3g ms/step:", what, w, nt,
           1e3 * cpu / nt / (double)steps);
    for (int c = 0; c < GV_PROF_N; c++) {
        printf(" %s %.1f%%,", names[c], 100 * t[c] / cpu);
        sum += t[c];
    }
    printf(" overhead %.1f%%\n", 100 * (cpu - sum) / cpu);
    gv_threads_set(0);
}

static void bench_profile(const gv_data *data)
{
    double t[GV_PROF_N];
    if (!gv_profile_read(t, 1)) {
        printf("# profile: this build has no timers; configure with -DGV_PROFILE=ON\n");
        return;
    }
    gv_err e = {0};
    gv_integ *lan = gv_integ_langevin(LR, TEMP, 0, &e), *basin_it = gv_integ_langevin(LR, BASIN_T, 0, &e),
             *sgd = gv_integ_sgd(LR, 100, 0, &e);
    static const size_t ws[2] = {30, 72};
    int nt = gv_threads();
    for (int iw = 0; iw < 2; iw++) {
        if (only_width && ws[iw] != only_width) continue;
        net_land nl = make_land(data, ws[iw]);
        gv_ensemble *ens = gv_ensemble_alloc(nl.land, 1, 1, 0, &e);
        profile_one("Langevin from the initial weights", ws[iw], ens, lan, 3 * (uint64_t)reps, nt);
        gv_ensemble_free(ens);
        ens = basin(data, &nl, ws[iw]);
        profile_one("Langevin in the basin", ws[iw], ens, basin_it, 3 * (uint64_t)reps, nt);
        gv_ensemble_free(ens);
        ens = gv_ensemble_alloc(nl.land, 1, 1, 0, &e);
        profile_one("SGD (1 replica, batch 100)", ws[iw], ens, sgd, 600, 1);
        gv_ensemble_free(ens);
        ens = gv_ensemble_alloc(nl.land, 8, 1, 0, &e);
        profile_one("SGD (8 replicas, batch 100)", ws[iw], ens, sgd, 600, nt);
        gv_ensemble_free(ens);
        free_land(nl);
    }
    gv_integ_free(lan);
    gv_integ_free(basin_it);
    gv_integ_free(sgd);
}

/* ---- memory -------------------------------------------------------------- */

static long status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') v = atol(line + n + 1);
    if (f) fclose(f);
    return v;
}

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Peak RSS of a 16-replica w = 72 Langevin run on the full dataset with a
 * two-time observer at two waiting times.  ru_maxrss covers the whole
 * process, data loading included; resetting the high-water mark
 * (/proc/self/clear_refs, "5") after loading isolates the run itself. */
static void bench_mem(const char *dir)
{
    gv_data *data = get_data(dir);
    long load_kb = maxrss_kb();
    printf("# mem: after loading and preprocessing: peak %ld kB, resident now %ld kB\n", load_kb,
           status_kb("VmRSS"));
    FILE *cr = fopen("/proc/self/clear_refs", "w");
    int reset = cr && fputs("5", cr) >= 0;
    if (cr && fclose(cr) != 0) reset = 0;
    gv_err e = {0};
    net_land nl = make_land(data, 72);
    gv_integ *it = gv_integ_langevin(LR, TEMP, 0, &e);
    gv_ensemble *ens = gv_ensemble_alloc(nl.land, 16, 1, 0, &e);
    if (!it || !ens) die("mem run", &e);
    uint64_t tw[2] = {2, 4}, lagv[2] = {1, 2};
    gv_sched *lags = gv_sched_list(lagv, 2, &e);
    double chi[1] = {300};
    gv_two_time_opts o = {.tw = tw, .ntw = 2, .lags = lags, .chi = chi, .nchi = 1};
    gv_two_time *tt = lags ? gv_two_time_alloc(&o, &e) : NULL;
    if (!tt) die("two-time observer", &e);
    gv_hook h;
    gv_two_time_hook(tt, &h);
    double t0 = now();
    if (gv_ensemble_run(ens, it, 6, &h, 1, &e)) die("mem run", &e);
    double secs = now() - t0;
    long run_kb = reset ? status_kb("VmHWM") : -1, whole_kb = maxrss_kb();
    if (reset && load_kb > whole_kb) whole_kb = load_kb;
    printf("# mem: 16 replicas, w=72 (N=%zu), P=%zu, two-time t_w={2,4} lags={1,2}: 6 steps in "
           "%.1f s; high-water mark reset after loading: %s\n",
           gv_landscape_nweights(nl.land), data->P, secs, reset ? "yes" : "no (not permitted)");
    stats w = {whole_kb / 1024.0, whole_kb / 1024.0, whole_kb / 1024.0, 1};
    emit("mem_peak_mb", 72, data->P, gv_threads(), "MB", w);
    stats l = {load_kb / 1024.0, load_kb / 1024.0, load_kb / 1024.0, 1};
    emit("mem_load_mb", 72, data->P, gv_threads(), "MB", l);
    if (run_kb > 0) {
        stats r = {run_kb / 1024.0, run_kb / 1024.0, run_kb / 1024.0, 1};
        emit("mem_run_mb", 72, data->P, gv_threads(), "MB", r);
    }
    gv_two_time_free(tt);
    gv_sched_free(lags);
    gv_ensemble_free(ens);
    gv_integ_free(it);
    free_land(nl);
    gv_data_free(data);
}

/* ---- main ---------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr, "usage: bench_glassvm [--reps n] [--data dir] [--dump file] [--width w] "
                    "[--fixtures dir] "
                    "{sgemm|langevin|basin|sgd|sgd_ensemble|ensemble|scaling|mem|dump|profile|all}...\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *dumpfile = NULL;
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
            reps = atoi(argv[++i]);
            if (reps < 3 || reps > MAXREPS) usage();
        } else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (strcmp(argv[i], "--width") == 0 && i + 1 < argc) {
            only_width = (size_t)atoi(argv[++i]);
        } else if (strcmp(argv[i], "--fixtures") == 0 && i + 1 < argc) {
            fixtures = argv[++i];
        } else if (strcmp(argv[i], "--dump") == 0 && i + 1 < argc) {
            dumpfile = argv[++i];
        } else {
            usage();
        }
    }
    if (i == argc) usage();
    const char *ct = getenv("OPENBLAS_CORETYPE"), *l2 = getenv("OPENBLAS_L2_SIZE");
    printf("# OPENBLAS_CORETYPE=%s OPENBLAS_L2_SIZE=%s; OpenBLAS core %s; %s\n",
           ct ? ct : "(unset)", l2 ? l2 : "(unset)", openblas_get_corename(),
           openblas_get_config());
    printf("# threads %d, %d repetitions\n", gv_threads(), reps);
    gv_data *data = NULL;
    for (; i < argc; i++) {
        const char *p = argv[i];
        int all = strcmp(p, "all") == 0;
        if (strcmp(p, "mem") == 0) {
            bench_mem(dir);
            continue;
        }
        if (all || strcmp(p, "sgemm") == 0) bench_sgemm();
        if (strcmp(p, "sgemm") == 0) continue;
        if (!data) data = get_data(dir);
        if (strcmp(p, "dump") == 0) {
            if (!dumpfile) usage();
            dump(data, dumpfile);
        } else if (all || strcmp(p, "langevin") == 0 || strcmp(p, "sgd") == 0 ||
                   strcmp(p, "ensemble") == 0 || strcmp(p, "scaling") == 0 ||
                   strcmp(p, "basin") == 0 || strcmp(p, "sgd_ensemble") == 0 ||
                   strcmp(p, "profile") == 0) {
            if (strcmp(p, "profile") == 0) {
                bench_profile(data);
                continue;
            }
            /* The sgemm peak again between groups of rows (all only). */
            if (all || strcmp(p, "langevin") == 0) bench_langevin(data);
            if (all) bench_sgemm();
            if (all || strcmp(p, "basin") == 0) bench_basin(data);
            if (all || strcmp(p, "sgd") == 0) bench_sgd(data);
            if (all || strcmp(p, "sgd_ensemble") == 0) bench_sgd_ensemble(data);
            if (all) bench_sgemm();
            if (all || strcmp(p, "ensemble") == 0) bench_ensemble(data);
            if (all || strcmp(p, "scaling") == 0) bench_scaling(data);
            if (all) bench_sgemm();
        } else {
            usage();
        }
    }
    gv_data_free(data);
    return 0;
}
