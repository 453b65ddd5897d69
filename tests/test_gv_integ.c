/* test_gv_integ.c: each integrator does exactly the update of docs/dynamics.md
 * (the paper's Eq. 3 for Langevin);
 * invalid parameters are refused naming the field; and the null models
 * reproduce the analytic diffusion and stationary variance. */
#include <stdlib.h>

#include "gv_ensemble.h"
#include "gv_integ.h"
#include "gv_landscape.h"
#include "gv_rng.h"
#include "gv_test.h"

static void test_validation(void)
{
    gv_err e;
    e.msg[0] = '\0';
    CHECK(!gv_integ_gd(0.0, 0, &e) && strstr(e.msg, "gd: lr"));
    CHECK(!gv_integ_gd(-1e-3, 0, &e) && strstr(e.msg, "lr (learning rate)"));
    CHECK(!gv_integ_gd(NAN, 0, &e) && strstr(e.msg, "lr"));
    CHECK(!gv_integ_gd(1e-3, -0.1, &e) && strstr(e.msg, "gd: lambda"));
    CHECK(!gv_integ_langevin(1e-3, -1, 0, &e) && strstr(e.msg, "langevin: T (temperature)"));
    CHECK(!gv_integ_langevin(1e-3, INFINITY, 0, &e) && strstr(e.msg, "T (temperature)"));
    CHECK(!gv_integ_langevin(INFINITY, 1, 0, &e) && strstr(e.msg, "lr"));
    CHECK(!gv_integ_sgd(1e-3, 0, 0, &e) && strstr(e.msg, "sgd: batch"));
    CHECK(!gv_integ_sgd(1e-3, 10, NAN, &e) && strstr(e.msg, "lambda"));
    /* batch > P is known only against a landscape. */
    gv_integ *sgd = gv_integ_sgd(1e-3, 101, 0, &e);
    gv_landscape *flat = gv_landscape_flat(3, 100, 0, &e);
    CHECK_FAILS(gv_integ_check(sgd, flat, &e), GV_EINVAL, e, "batch = 101 is larger than the landscape's P = 100");
    gv_integ *ok = gv_integ_sgd(1e-3, 100, 0, &e);
    CHECK_OK(gv_integ_check(ok, flat, &e), e);
    CHECK(gv_integ_steps_per_epoch(ok, flat) == 1 && gv_integ_rows(ok, flat) == 100);
    char buf[128];
    gv_integ_describe(ok, buf, sizeof buf);
    CHECK(strcmp(buf, "sgd lr=0.001 batch=100 lambda=0") == 0);
    /* Exact numbers: a checkpoint's journal tells two temperatures apart by this text. */
    gv_integ *lang = gv_integ_langevin(0.01, 1.0000001e-4, 0.1, &e);
    gv_integ_describe(lang, buf, sizeof buf);
    CHECK(strcmp(buf, "langevin lr=0.01 T=0.00010000001 lambda=0.1") == 0);
    gv_integ_free(lang);
    gv_integ_free(sgd);
    gv_integ_free(ok);
    gv_integ_free(NULL);
    gv_landscape_free(flat);
}

/* A context for replica `replica` of landscape l at `step`. */
typedef struct ctx_bufs {
    gv_integ_ctx c;
    double *grad, *next;
    uint32_t *perm;
    uint64_t perm_epoch;
} ctx_bufs;

static void ctx_init(ctx_bufs *b, const gv_landscape *l, gv_landscape_work *ws, uint64_t seed,
                     uint32_t replica)
{
    size_t N = gv_landscape_nweights(l), P = gv_landscape_P(l);
    b->grad = malloc(N * sizeof(double));
    b->next = malloc(N * sizeof(double));
    b->perm = malloc(P * sizeof(uint32_t));
    b->perm_epoch = UINT64_MAX;
    b->c = (gv_integ_ctx){.land = l, .work = ws, .grad = b->grad, .next = b->next, .perm = b->perm,
                          .perm_epoch = &b->perm_epoch, .seed = seed, .replica = replica, .step = 0};
}

static void ctx_free(ctx_bufs *b)
{
    free(b->grad);
    free(b->next);
    free(b->perm);
}

/* GD on the harmonic well is w ← (1 − lr(k+λ)) w exactly; Langevin adds
 * exactly √(2·lr·T/P) times the (seed, replica, NOISE, step) normals. */
static void test_updates(void)
{
    gv_err e;
    size_t N = 5;
    gv_landscape *h = gv_landscape_harmonic(N, 2.0, 40, 1.0, &e);
    gv_landscape_work *ws = gv_landscape_work_alloc(h, 40, 1, &e);
    ctx_bufs b;
    ctx_init(&b, h, ws, 9, 4);
    double w[5], ref[5], xi[5];
    gv_landscape_init(h, 9, 4, w);
    gv_integ *gd = gv_integ_gd(0.1, 0.5, &e);
    gv_eval ev;
    CHECK_OK(gv_integ_step(gd, &b.c, w, &ev, &e), e);
    for (size_t i = 0; i < N; i++) CHECK(w[i] == 1.0 - 0.1 * (2.5 * 1.0));
    CHECK_NEAR(ev.loss, 0.5 * 2.5 * 5, 1e-14); /* the loss before the step */

    gv_integ *lv = gv_integ_langevin(0.1, 3.0, 0.0, &e);
    memcpy(ref, w, sizeof w);
    b.c.step = 17;
    CHECK_OK(gv_integ_step(lv, &b.c, w, NULL, &e), e);
    gv_rng_normal(9, 4, GV_RNG_NOISE, 17, 0, N, xi);
    double amp = sqrt(2 * 0.1 * 3.0 / 40);
    for (size_t i = 0; i < N; i++) CHECK(w[i] == ref[i] - 0.1 * (2.0 * ref[i]) + amp * xi[i]);

    /* Non-finite: loss (w² overflows) or new weights (huge lr); w unchanged. */
    double big[5] = {1e200, 0, 0, 0, 0};
    CHECK_FAILS(gv_integ_step(gd, &b.c, big, NULL, &e), GV_ENAN, e, "non-finite loss");
    CHECK(big[0] == 1e200);
    gv_integ *wild = gv_integ_gd(1e300, 0, &e);
    double mid[5] = {1e10, 1, 1, 1, 1};
    CHECK_FAILS(gv_integ_step(wild, &b.c, mid, NULL, &e), GV_ENAN, e, "non-finite weights after step 17");
    CHECK(mid[0] == 1e10 && mid[1] == 1);
    gv_integ_free(gd);
    gv_integ_free(lv);
    gv_integ_free(wild);
    ctx_free(&b);
    gv_landscape_work_free(ws);
    gv_landscape_free(h);
}

/* A workspace with several threads splits the noise and the update over
 * them (from 2048 weights): the same bits as one thread, for 2 and 3
 * threads (parts on 8-double lines, the last one short), each coordinate
 * exactly w - lr k w + amp ξ; a non-finite result in the last part still
 * fails the step and leaves w as it was. */
static void test_split_update(void)
{
    gv_err e;
    size_t N = 5003;
    gv_landscape *h = gv_landscape_harmonic(N, 2.0, 40, 1.0, &e);
    gv_integ *lv = gv_integ_langevin(0.1, 3.0, 0.0, &e);
    gv_integ *wild = gv_integ_langevin(1e300, 3.0, 0.0, &e);
    double amp = sqrt(2 * 0.1 * 3.0 / 40);
    double *w0 = malloc(N * sizeof *w0), *w = malloc(N * sizeof *w), *xi = malloc(N * sizeof *xi);
    gv_landscape_init(h, 5, 1, w0);
    gv_rng_normal(5, 1, GV_RNG_NOISE, 33, 0, N, xi);
    for (int threads = 1; threads <= 3; threads++) {
        gv_landscape_work *ws = gv_landscape_work_alloc(h, 40, threads, &e);
        CHECK(gv_landscape_work_threads(ws) == threads);
        ctx_bufs b;
        ctx_init(&b, h, ws, 5, 1);
        b.c.step = 33;
        memcpy(w, w0, N * sizeof *w);
        CHECK_OK(gv_integ_step(lv, &b.c, w, NULL, &e), e);
        size_t bad = 0;
        for (size_t i = 0; i < N; i++) bad += w[i] != w0[i] - 0.1 * (2.0 * w0[i]) + amp * xi[i];
        CHECK_MSG(bad == 0, "%d threads: %zu of %zu coordinates differ from the update", threads,
                  bad, N);
        /* lr = 1e300: w - lr·2w stays finite for |w| ~ 1, not for 1e10. */
        memcpy(w, w0, N * sizeof *w);
        w[N - 1] = 1e10;
        CHECK_FAILS(gv_integ_step(wild, &b.c, w, NULL, &e), GV_ENAN, e,
                    "non-finite weights after step 33");
        CHECK(w[N - 1] == 1e10 && w[0] == w0[0] && w[N - 2] == w0[N - 2]);
        ctx_free(&b);
        gv_landscape_work_free(ws);
    }
    free(w0);
    free(w);
    free(xi);
    gv_integ_free(lv);
    gv_integ_free(wild);
    gv_landscape_free(h);
}

/* P rows of d standard normals (seed), labels -1 on every `every`-th row
 * (from row 0), +1 elsewhere. */
static gv_data *normal_data(size_t P, size_t d, uint64_t seed, size_t every, const char *name)
{
    gv_err e;
    gv_data *data = gv_data_alloc(P, d, name, &e);
    double *v = malloc(P * d * sizeof *v);
    gv_rng_normal(seed, 0, GV_RNG_TEST, 0, 0, P * d, v);
    for (size_t i = 0; i < P * d; i++) data->X[i] = (float)v[i];
    free(v);
    data->y = malloc(P);
    for (size_t i = 0; i < P; i++) data->y[i] = (i % every) ? 1 : -1;
    return data;
}

/* SGD step s uses rows perm_epoch[(s mod spe)·B ...] of the epoch's
 * permutation: compare with a hand-made GD step on those rows. */
static void test_sgd_batches(void)
{
    gv_err e;
    size_t P = 103, d = 4, B = 10, widths[] = {6};
    gv_data *data = normal_data(P, d, 3, 3, "sgd-rows");
    gv_mlp *m = gv_mlp_alloc(d, 1, widths, &e);
    gv_landscape *l = gv_landscape_network(m, data, &e);
    size_t N = gv_landscape_nweights(l);
    gv_landscape_work *ws = gv_landscape_work_alloc(l, B, 1, &e);
    gv_integ *sgd = gv_integ_sgd(0.05, B, 0.01, &e);
    CHECK(gv_integ_steps_per_epoch(sgd, l) == 10); /* 103/10: last 3 rows dropped */
    ctx_bufs b;
    ctx_init(&b, l, ws, 21, 2);
    double *w = malloc(N * sizeof *w), *w2 = malloc(N * sizeof *w2), *g = malloc(N * sizeof *g);
    uint32_t *perm = malloc(P * sizeof *perm);
    gv_landscape_init(l, 21, 2, w);
    memcpy(w2, w, N * sizeof *w);
    int same = 1;
    for (uint64_t s = 0; s < 25; s++) {
        b.c.step = s;
        CHECK_OK(gv_integ_step(sgd, &b.c, w, NULL, &e), e);
        gv_rng_permutation(21, 2, GV_RNG_SHUFFLE, s / 10, P, perm);
        CHECK_OK(gv_landscape_eval(l, ws, w2, perm + (s % 10) * B, B, 0.01, g, NULL, &e), e);
        for (size_t i = 0; i < N; i++) w2[i] -= 0.05 * g[i];
        same &= memcmp(w, w2, N * sizeof *w) == 0;
    }
    CHECK(same);
    CHECK(b.perm_epoch == 2);
    free(w);
    free(w2);
    free(g);
    free(perm);
    ctx_free(&b);
    gv_integ_free(sgd);
    gv_landscape_work_free(ws);
    gv_landscape_free(l);
    gv_mlp_free(m);
    gv_data_free(data);
}

/* gv_landscape_eval_step on n rows against gv_landscape_eval then
 * w - lr·g: stepped as expected, the same loss, and either the same new
 * weights bit for bit (stepped) or the same gradient and w unchanged. */
static void check_eval_step(const gv_landscape *l, gv_landscape_work *ws, const double *w0,
                            const uint32_t *rows, size_t n, double lambda, double lr, int expect)
{
    gv_err e;
    size_t N = gv_landscape_nweights(l);
    double *w = malloc(N * sizeof *w), *g = malloc(N * sizeof *g), *g2 = malloc(N * sizeof *g2);
    gv_eval ev, ev2;
    memcpy(w, w0, N * sizeof *w);
    int stepped = -1;
    CHECK_OK(gv_landscape_eval_step(l, ws, w, rows, n, lambda, lr, g2, &ev2, &stepped, &e), e);
    CHECK_OK(gv_landscape_eval(l, ws, w0, rows, n, lambda, g, &ev, &e), e);
    CHECK_MSG(stepped == expect, "lambda %g lr %g: stepped %d, expected %d", lambda, lr, stepped,
              expect);
    CHECK(memcmp(&ev.loss, &ev2.loss, sizeof ev.loss) == 0 && ev.n == ev2.n);
    size_t bad = 0;
    for (size_t i = 0; i < N; i++)
        bad += stepped ? w[i] != w0[i] - lr * g[i] || !isfinite(w[i]) : w[i] != w0[i] || g[i] != g2[i];
    CHECK_MSG(bad == 0, "lambda %g lr %g: %zu weights differ", lambda, lr, bad);
    free(w);
    free(g);
    free(g2);
}

/* A noiseless step on a batch is taken in the landscape's gradient pass
 * (gv_landscape_eval_step) when no new weight can overflow, with the bits
 * of the gradient then w - lr g.  It must decline, and the integrator's
 * check refuse the step with w unchanged, when an update overflows: λ =
 * 1e300 (|g| ~ 1e299; the loss stays finite) with lr = 1e10, and lr =
 * 1e308 with |g| > 2; and decline for null models and for evaluations of
 * several partitions (full batches of 2048 rows or more). */
static void test_sgd_step(void)
{
    gv_err e;
    size_t P = 2048, d = 4, B = 20, widths[] = {5};
    gv_data *data = normal_data(P, d, 4, 2, "sgd-step");
    gv_mlp *m = gv_mlp_alloc(d, 1, widths, &e);
    gv_landscape *l = gv_landscape_network(m, data, &e);
    size_t N = gv_landscape_nweights(l);
    gv_landscape_work *ws = gv_landscape_work_alloc(l, P, 1, &e);
    gv_landscape_work_loss_check_only(ws, 1); /* as the ensemble runs them */
    double *w0 = malloc(N * sizeof *w0), *w = malloc(N * sizeof *w), *g = malloc(N * sizeof *g);
    gv_landscape_init(l, 8, 0, w0);
    uint32_t rows[20];
    for (size_t i = 0; i < B; i++) rows[i] = (uint32_t)(3 * i);
    check_eval_step(l, ws, w0, rows, B, 0.01, 0.05, 1);
    check_eval_step(l, ws, w0, rows, B, 0.0, 1e150, 1);
    check_eval_step(l, ws, w0, rows, B, 1e300, 1e10, 0);
    check_eval_step(l, ws, w0, rows, B, 100, 1e308, 0);
    check_eval_step(l, ws, w0, NULL, 0, 0.01, 0.05, gv_landscape_parallelism(l, P) == 1);
    CHECK(gv_landscape_parallelism(l, P) == 2);
    gv_landscape *h = gv_landscape_harmonic(3, 1.0, 10, 1.0, &e);
    gv_landscape_work *hw = gv_landscape_work_alloc(h, 10, 1, &e);
    double hx[3] = {1, 1, 1};
    check_eval_step(h, hw, hx, NULL, 0, 0.0, 0.1, 0);
    int stepped = -1;
    CHECK_FAILS(gv_landscape_eval_step(l, ws, w, rows, B, 0.0, 0.0, g, NULL, &stepped, &e),
                GV_EINVAL, e, "lr > 0");
    CHECK(stepped == 0);
    static const struct { double lr, lambda; int ok; } cases[] = {
        {0.05, 0.01, 1}, {1e10, 1e300, 0}, {1e308, 100, 0}, {1e150, 0.0, 1}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        gv_integ *sgd = gv_integ_sgd(cases[c].lr, B, cases[c].lambda, &e);
        ctx_bufs b;
        ctx_init(&b, l, ws, 8, 0);
        b.c.step = 4;
        memcpy(w, w0, N * sizeof *w);
        gv_eval ev = {.loss = NAN};
        if (cases[c].ok) {
            CHECK_OK(gv_integ_step(sgd, &b.c, w, &ev, &e), e);
            /* The same rows by hand: the plain update. */
            gv_rng_permutation(8, 0, GV_RNG_SHUFFLE, 4 / (P / B), P, b.perm);
            CHECK_OK(gv_landscape_eval(l, ws, w0, b.perm + (4 % (P / B)) * B, B, cases[c].lambda, g,
                                       NULL, &e), e);
            size_t bad = 0;
            for (size_t i = 0; i < N; i++) bad += w[i] != w0[i] - cases[c].lr * g[i] || !isfinite(w[i]);
            CHECK_MSG(bad == 0, "case %zu: %zu weights differ from w - lr g", c, bad);
        } else {
            CHECK_FAILS(gv_integ_step(sgd, &b.c, w, &ev, &e), GV_ENAN, e,
                        "non-finite weights after step 4");
            CHECK_MSG(memcmp(w, w0, N * sizeof *w) == 0, "case %zu: refused step changed w", c);
        }
        CHECK_MSG(isfinite(ev.loss), "case %zu: loss %g (the weights, not the loss, must fail)", c,
                  ev.loss);
        ctx_free(&b);
        gv_integ_free(sgd);
    }
    /* A non-finite loss is never stepped from: a weight of 1e200 (the
     * network's output overflows), and λ = 1e308 with every weight 0.6
     * (|w|² = 0.36 N > 4: (λ/2)|w|² overflows), where the update itself
     * would be finite (|w - lr g| < 1e305 for lr = 1e-3). */
    for (int c = 0; c < 2; c++) {
        gv_integ *sgd = gv_integ_sgd(1e-3, B, c ? 1e308 : 1.0, &e);
        ctx_bufs b;
        ctx_init(&b, l, ws, 8, 0);
        double sq = 0;
        for (size_t i = 0; i < N; i++) {
            w[i] = c ? 0.6 : w0[i];
            sq += w[i] * w[i];
        }
        if (!c) w[N - 1] = 1e200;
        CHECK_MSG(!c || sq > 4, "|w|² = %g", sq);
        memcpy(g, w, N * sizeof *w);
        CHECK_FAILS(gv_integ_step(sgd, &b.c, w, NULL, &e), GV_ENAN, e, "non-finite loss");
        CHECK_MSG(memcmp(w, g, N * sizeof *w) == 0, "case %d: a step from a non-finite loss", c);
        ctx_free(&b);
        gv_integ_free(sgd);
    }
    free(w0);
    free(w);
    free(g);
    gv_landscape_work_free(hw);
    gv_landscape_free(h);
    gv_landscape_work_free(ws);
    gv_landscape_free(l);
    gv_mlp_free(m);
    gv_data_free(data);
}

/* Mean over all weights of all replicas of (w − w0)² (w0 = 0 here). */
static double mean_square(const gv_ensemble *ens)
{
    size_t R = gv_ensemble_size(ens), N = gv_ensemble_nweights(ens);
    double s = 0;
    for (size_t r = 0; r < R; r++) {
        const double *w = gv_ensemble_weights(ens, r);
        for (size_t i = 0; i < N; i++) s += w[i] * w[i];
    }
    return s / (double)(R * N);
}

/* Flat landscape: MSD(t) = 2 D t, D = lr·T/P.  The displacements are exactly
 * Gaussian, so the estimate over M = N·R weights has relative standard error
 * √(2/M).  N·R = 1000·128 = 128000 gives 0.395%: the 2% tolerance is 5σ
 * (false-failure probability < 1e-6 per check). */
static void test_flat_msd(void)
{
    gv_err e;
    size_t N = 1000, R = 128, P = 500;
    double lr = 0.01, T = 2.0, D = lr * T / (double)P;
    gv_landscape *flat = gv_landscape_flat(N, P, 0.0, &e);
    gv_ensemble *ens = gv_ensemble_alloc(flat, R, 12345, 0, &e);
    gv_integ *lv = gv_integ_langevin(lr, T, 0.0, &e);
    uint64_t ts[] = {1, 10, 100};
    for (size_t k = 0; k < 3; k++) {
        CHECK_OK(gv_ensemble_run(ens, lv, ts[k], NULL, 0, &e), e);
        double msd = mean_square(ens), want = 2 * D * (double)ts[k];
        CHECK_MSG(fabs(msd / want - 1) < 0.02, "t = %llu: MSD %.6g vs 2Dt %.6g",
                  (unsigned long long)ts[k], msd, want);
    }
    gv_integ_free(lv);
    gv_ensemble_free(ens);
    gv_landscape_free(flat);
}

/* Harmonic well, Euler–Maruyama: w ← (1 − lr·k) w + √(2·lr·T/P) ξ has the
 * stationary variance (T/(kP)) / (1 − lr·k/2).  lr·k = 0.1 makes the
 * discrete correction 5%, so the 2% tolerance tells it from T/(kP).
 * Start at 0; after 150 steps the variance deficit 0.9^300 ≈ 2e-14 is gone.
 * Then 40 samples 10 steps apart: correlation of w² between samples
 * 0.9^20 = 0.12, inflating the variance of the mean by (1+0.12)/(1−0.12) =
 * 1.28.  Relative standard error √(2·1.28/(N·R·40)) with N·R = 16000:
 * 0.20%, so 2% is 10σ. */
static void test_harmonic_variance(void)
{
    gv_err e;
    size_t N = 1000, R = 16, P = 4;
    double k = 0.5, lr = 0.2, T = 3.0;
    double want = (T / (k * (double)P)) / (1 - lr * k / 2), continuum = T / (k * (double)P);
    gv_landscape *h = gv_landscape_harmonic(N, k, P, 0.0, &e);
    gv_ensemble *ens = gv_ensemble_alloc(h, R, 777, 3, &e);
    gv_integ *lv = gv_integ_langevin(lr, T, 0.0, &e);
    CHECK_OK(gv_ensemble_run(ens, lv, 150, NULL, 0, &e), e);
    double sum = 0;
    for (int j = 1; j <= 40; j++) {
        CHECK_OK(gv_ensemble_run(ens, lv, 150 + 10 * (uint64_t)j, NULL, 0, &e), e);
        sum += mean_square(ens);
    }
    double var = sum / 40;
    CHECK_MSG(fabs(var / want - 1) < 0.02, "variance %.6g vs (T/kP)/(1-lr k/2) = %.6g", var, want);
    /* ... and is clearly not the continuum value (5% away). */
    CHECK_MSG(fabs(var / continuum - 1) > 0.03, "variance %.6g vs T/kP %.6g", var, continuum);
    gv_integ_free(lv);
    gv_ensemble_free(ens);
    gv_landscape_free(h);
}

int main(void)
{
    GV_RUN(test_validation);
    GV_RUN(test_updates);
    GV_RUN(test_split_update);
    GV_RUN(test_sgd_batches);
    GV_RUN(test_sgd_step);
    GV_RUN(test_flat_msd);
    GV_RUN(test_harmonic_variance);
    return GV_TEST_END();
}
