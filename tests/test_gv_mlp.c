/* test_gv_mlp.c: the network, its loss and gradient.
 *
 * Three independent references: a hand-computed tiny network, a plain
 * double-precision backprop written here row by row (no BLAS, no chunks),
 * and central finite differences of the loss. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "gv_chain.h"
#include "gv_mlp.h"
#include "gv_rng.h"
#include "gv_test.h"

/* A P×d dataset with N(0, s²) features and random ±1 labels (or none). */
static gv_data *make_data(size_t P, size_t d, double s, uint64_t seed, int labels)
{
    gv_err e;
    gv_data *data = gv_data_alloc(P, d, "testdata", &e);
    double *z = malloc(P * d * sizeof *z);
    gv_rng_normal(seed, 0, GV_RNG_TEST, 0, 0, P * d, z);
    for (size_t k = 0; k < P * d; k++) data->X[k] = (float)(s * z[k]);
    free(z);
    if (labels) {
        double *u = malloc(P * sizeof *u);
        gv_rng_uniform(seed, 0, GV_RNG_TEST, 1, 0, P, u);
        data->y = malloc(P);
        for (size_t i = 0; i < P; i++) data->y[i] = u[i] < 0.5 ? 1 : -1;
        free(u);
    }
    return data;
}

/* Reference: loss and gradient in double, one row at a time, with the data
 * and the weights rounded to float first (as the kernel sees them). */
static double ref_eval(const gv_mlp *m, const double *w, const gv_data *data, double lambda,
                       double *grad)
{
    size_t L = gv_mlp_nlayers(m), nw = gv_mlp_nweights(m), maxw = 1;
    size_t off[GV_MLP_MAX_LAYERS], out[GV_MLP_MAX_LAYERS], in[GV_MLP_MAX_LAYERS];
    for (size_t l = 0; l < L; l++) {
        gv_mlp_layer(m, l, &off[l], &out[l], &in[l]);
        if (in[l] > maxw) maxw = in[l];
    }
    double *a = calloc((L + 1) * maxw, sizeof *a), *g = calloc(maxw, sizeof *g),
           *gn = calloc(maxw, sizeof *gn), *wr = malloc(nw * sizeof *wr);
    for (size_t k = 0; k < nw; k++) wr[k] = (float)w[k];
    double loss = 0;
    if (grad) memset(grad, 0, nw * sizeof *grad);
    for (size_t i = 0; i < data->P; i++) {
        for (size_t j = 0; j < data->d; j++) a[j] = data->X[i * data->d + j];
        for (size_t l = 0; l < L; l++) {
            double *ai = a + l * maxw, *ao = a + (l + 1) * maxw;
            for (size_t o = 0; o < out[l]; o++) {
                double z = 0;
                for (size_t q = 0; q < in[l]; q++) z += wr[off[l] + o * in[l] + q] * ai[q];
                ao[o] = l + 1 < L ? (z > 0 ? z : 0) : z;
            }
        }
        double f = a[L * maxw], y = data->y[i], mg = 1 - y * f;
        if (mg <= 0) continue;
        loss += 0.5 * mg * mg;
        if (!grad) continue;
        g[0] = -y * mg / (double)data->P; /* dL/df */
        for (size_t l = L; l-- > 0;) {
            double *ai = a + l * maxw;
            for (size_t o = 0; o < out[l]; o++)
                for (size_t q = 0; q < in[l]; q++) grad[off[l] + o * in[l] + q] += g[o] * ai[q];
            for (size_t q = 0; q < in[l]; q++) {
                double s = 0;
                for (size_t o = 0; o < out[l]; o++) s += g[o] * wr[off[l] + o * in[l] + q];
                gn[q] = ai[q] > 0 ? s : 0;
            }
            memcpy(g, gn, in[l] * sizeof *g);
        }
    }
    double w2 = 0;
    for (size_t k = 0; k < nw; k++) {
        w2 += w[k] * w[k];
        if (grad) grad[k] += lambda * w[k];
    }
    free(a); free(g); free(gn); free(wr);
    return loss / (double)data->P + 0.5 * lambda * w2;
}

static double loss_at(const gv_mlp *m, gv_mlp_work *ws, const double *w, const gv_data *data,
                      double lambda)
{
    gv_eval ev;
    gv_err e;
    gv_mlp_eval(m, ws, w, data, NULL, 0, lambda, NULL, &ev, &e);
    return ev.loss;
}

static double norm2(const double *v, size_t n)
{
    double s = 0;
    for (size_t k = 0; k < n; k++) s += v[k] * v[k];
    return sqrt(s);
}

static void test_shape(void)
{
    gv_err e;
    size_t w6[6] = {30, 30, 30, 30, 30, 30}, wu[2] = {5, 4};
    gv_mlp *m = gv_mlp_alloc(10, 6, w6, &e);
    CHECK(gv_mlp_nweights(m) == 10 * 30 + 5 * 900 + 30);
    CHECK(gv_mlp_nlayers(m) == 7);
    size_t off, out, in;
    gv_mlp_layer(m, 6, &off, &out, &in);
    CHECK(off == 4800 && out == 1 && in == 30);
    gv_mlp_layer(m, 1, &off, &out, &in);
    CHECK(off == 300 && out == 30 && in == 30);
    char buf[64];
    gv_mlp_describe(m, buf, sizeof buf);
    CHECK(strcmp(buf, "10-30x6-1") == 0);
    gv_mlp_free(m);
    m = gv_mlp_alloc(3, 2, wu, &e);
    gv_mlp_describe(m, buf, sizeof buf);
    CHECK_MSG(strcmp(buf, "3-5-4-1") == 0, "%s", buf);
    CHECK(gv_mlp_nweights(m) == 15 + 20 + 4);
    gv_mlp_free(m);
    m = gv_mlp_alloc(4, 0, NULL, &e); /* a linear model */
    gv_mlp_describe(m, buf, sizeof buf);
    CHECK(strcmp(buf, "4-1") == 0 && gv_mlp_nweights(m) == 4);
    gv_mlp_free(m);
    CHECK(gv_mlp_partitions(100) == 1 && gv_mlp_partitions(2048) == 2 &&
          gv_mlp_partitions(60000) == 16);
}

/* d = 2, one hidden layer of 2: every number exact in float, computed by hand.
 *   W1 = [[1, -1], [0.5, 2]], w2 = [1, -2]
 *   x1 = (1, 0.5), y = +1: z = (0.5, 1.5), f = -2.5, margin 3.5
 *   x2 = (-1, 1),  y = -1: z = (-2, 1.5), h = (0, 1.5), f = -3, satisfied
 *   x3 = (2, 2),   y = +1: z = (0, 5) (unit 0 exactly at the kink), f = -10, margin 11 */
static void test_hand_computed(void)
{
    gv_err e;
    size_t wd[1] = {2};
    gv_mlp *m = gv_mlp_alloc(2, 1, wd, &e);
    gv_mlp_work *ws = gv_mlp_work_alloc(m, 3, 1, &e);
    gv_data *data = make_data(3, 2, 1, 1, 1);
    const float X[6] = {1, 0.5f, -1, 1, 2, 2};
    const int8_t y[3] = {1, -1, 1};
    memcpy(data->X, X, sizeof X);
    memcpy(data->y, y, sizeof y);
    double w[6] = {1, -1, 0.5, 2, 1, -2}, g[6];
    gv_eval ev;
    double lambda = 0.1;
    CHECK_OK(gv_mlp_eval(m, ws, w, data, NULL, 0, lambda, g, &ev, &e), e);
    CHECK_NEAR(ev.data_loss, (0.5 * 3.5 * 3.5 + 0.5 * 11 * 11) / 3, 1e-12);
    CHECK_NEAR(ev.loss, ev.data_loss + 0.05 * 11.25, 1e-12);
    CHECK_NEAR(ev.accuracy, 1.0 / 3, 1e-15);
    CHECK_NEAR(ev.unsat, 2.0 / 3, 1e-15);
    CHECK(ev.n == 3);
    /* dL/df = -y·margin/n: x1 -3.5/3, x3 -11/3.
     * W1 row 0 (w2 = 1): only x1 active (x3 at the kink counts as off,
     * as in PyTorch): -3.5/3·(1, 0.5).  Row 1 (w2 = -2): x1 and x3 active:
     * 7/3·(1, 0.5) + 22/3·(2, 2).  w2: -3.5/3·(0.5, 1.5) - 11/3·(0, 5). */
    const double gref[6] = {-3.5 / 3, -1.75 / 3, 7.0 / 3 + 44.0 / 3, 3.5 / 3 + 44.0 / 3,
                            -1.75 / 3, (-5.25 - 55) / 3};
    for (int k = 0; k < 6; k++) CHECK_NEAR(g[k], gref[k] + lambda * w[k], 1e-6);
    double f[3];
    CHECK_OK(gv_mlp_forward(m, ws, w, data, f, &e), e);
    CHECK(f[0] == -2.5 && f[1] == -3 && f[2] == -10);
    gv_data_free(data);
    gv_mlp_work_free(ws);
    gv_mlp_free(m);
}

/* Scale the output layer by s (f is linear in the output weights). */
static void scale_output(const gv_mlp *m, double *w, double s)
{
    size_t off, out, in;
    gv_mlp_layer(m, gv_mlp_nlayers(m) - 1, &off, &out, &in);
    for (size_t k = 0; k < in; k++) w[off + k] *= s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Scale the output layer so that the median |f| is `target`: with random
 * labels about a quarter of the rows are then satisfied (y f >= 1 needs the
 * right sign and |f| >= 1). */
static void scale_to_median(const gv_mlp *m, double *w, const gv_data *data, double target)
{
    gv_err e;
    gv_mlp_work *ws = gv_mlp_work_alloc(m, data->P, 1, &e);
    double *f = malloc(data->P * sizeof *f);
    gv_mlp_forward(m, ws, w, data, f, &e);
    for (size_t i = 0; i < data->P; i++) f[i] = fabs(f[i]);
    qsort(f, data->P, sizeof *f, cmp_double);
    scale_output(m, w, target / f[data->P / 2]);
    free(f);
    gv_mlp_work_free(ws);
}

/* Gradient against the double reference and against finite differences.
 *
 * Tolerances.  The kernel rounds activations to float (relative 6e-8 per
 * operation, a few 1e-7 after the layers), so its gradient agrees with the
 * double reference to ~1e-6 relative: we allow 1e-4·|g|.  Central
 * differences with step h see the loss's float rounding δL ~ 1e-7·L as an
 * error δL/h, and the truncation error is O(h²) (the loss is piecewise
 * polynomial, its curvature grows like |g|²; a kink crossed inside ±h
 * changes one row's term by O(h·|g|²/P)); h = 1e-3/max(1, |g|) keeps both
 * below ~1e-4·max(|g|, L).  We allow 3e-3·max(|g|, L), while a wrong layer
 * or factor gives errors of order |g|. */
static void grad_check(size_t d, size_t nh, const size_t *widths, double lambda, double median_f,
                       const char *label)
{
    gv_err e;
    enum { P = 60 };
    gv_mlp *m = gv_mlp_alloc(d, nh, widths, &e);
    gv_mlp_work *ws = gv_mlp_work_alloc(m, P, 1, &e);
    gv_data *data = make_data(P, d, 1, 5 + d + nh, 1);
    size_t nw = gv_mlp_nweights(m);
    double *w = malloc(nw * sizeof *w), *g = malloc(nw * sizeof *g), *gr = malloc(nw * sizeof *gr),
           *u = malloc(nw * sizeof *u), *wp = malloc(nw * sizeof *wp);
    gv_mlp_init_weights(m, 17, 0, w);
    if (median_f > 0) scale_to_median(m, w, data, median_f);
    gv_eval ev;
    CHECK_OK(gv_mlp_eval(m, ws, w, data, NULL, 0, lambda, g, &ev, &e), e);
    double lref = ref_eval(m, w, data, lambda, gr);
    double gn = norm2(gr, nw), err = 0;
    for (size_t k = 0; k < nw; k++) err = fmax(err, fabs(g[k] - gr[k]));
    CHECK_MSG(fabs(ev.loss - lref) <= 1e-5 * lref, "%s: loss %g vs ref %g", label, ev.loss, lref);
    CHECK_MSG(err <= 1e-4 * gn, "%s: |g - ref|max %g, |g| %g", label, err, gn);
    double scale = fmax(gn, ev.loss), h = 1e-3 / fmax(1, gn);
    double worst = 0;
    /* Directional derivatives along random unit directions. */
    for (int t = 0; t < 4; t++) {
        gv_rng_normal(3, (uint32_t)t, GV_RNG_TEST, 0, 0, nw, u);
        double un = norm2(u, nw), an = 0;
        for (size_t k = 0; k < nw; k++) { u[k] /= un; an += g[k] * u[k]; }
        for (size_t k = 0; k < nw; k++) wp[k] = w[k] + h * u[k];
        double lp = loss_at(m, ws, wp, data, lambda);
        for (size_t k = 0; k < nw; k++) wp[k] = w[k] - h * u[k];
        double lm = loss_at(m, ws, wp, data, lambda);
        worst = fmax(worst, fabs((lp - lm) / (2 * h) - an));
    }
    /* A sample of coordinates. */
    for (size_t t = 0; t < 12; t++) {
        size_t k = (t * 7919) % nw;
        memcpy(wp, w, nw * sizeof *wp);
        wp[k] = w[k] + h;
        double lp = loss_at(m, ws, wp, data, lambda);
        wp[k] = w[k] - h;
        double lm = loss_at(m, ws, wp, data, lambda);
        worst = fmax(worst, fabs((lp - lm) / (2 * h) - g[k]));
    }
    CHECK_MSG(worst <= 3e-3 * scale, "%s: finite differences off by %g (scale %g)", label, worst,
              scale);
    fprintf(stderr, "  %-28s unsat %.2f |g| %.3g  ref err %.2g  fd err %.2g\n", label, ev.unsat,
            gn, err, worst);
    free(w); free(g); free(gr); free(u); free(wp);
    gv_data_free(data);
    gv_mlp_work_free(ws);
    gv_mlp_free(m);
}

static void test_gradient(void)
{
    size_t a1[1] = {4}, a6[6] = {5, 5, 5, 5, 5, 5}, au[3] = {7, 3, 5};
    /* At initialisation |f| << 1: every row unsatisfied. */
    grad_check(3, 1, a1, 0, 0, "3-4-1 lambda 0");
    grad_check(3, 1, a1, 0.01, 0, "3-4-1 lambda 0.01");
    grad_check(10, 6, a6, 0, 0, "10-5x6-1 lambda 0");
    grad_check(10, 6, a6, 0.01, 0, "10-5x6-1 lambda 0.01");
    grad_check(6, 3, au, 0, 0, "6-7-3-5-1 lambda 0");
    grad_check(6, 3, au, 1e-3, 0, "6-7-3-5-1 lambda 1e-3");
    grad_check(4, 0, NULL, 0.01, 0, "4-1 (linear) lambda 0.01");
    /* Median |f| = 1.5: part of the rows satisfied (mixed active and
     * inactive hinge, the compaction path of the kernel). */
    grad_check(3, 1, a1, 0, 1.5, "3-4-1 mixed");
    grad_check(10, 6, a6, 0.01, 1.5, "10-5x6-1 mixed");
    grad_check(6, 3, au, 0, 1.5, "6-7-3-5-1 mixed");
    grad_check(4, 0, NULL, 0, 1.5, "4-1 (linear) mixed");
}

/* All rows satisfied: the data loss and its gradient are exactly zero. */
static void test_inactive_hinge(void)
{
    gv_err e;
    size_t a3[3] = {24, 20, 16}; /* wide enough that no row has all units off */
    enum { P = 300 };
    gv_mlp *m = gv_mlp_alloc(5, 3, a3, &e);
    gv_mlp_work *ws = gv_mlp_work_alloc(m, P, 2, &e);
    gv_data *data = make_data(P, 5, 1, 9, 1);
    size_t nw = gv_mlp_nweights(m);
    double *w = malloc(nw * sizeof *w), *g = malloc(nw * sizeof *g), f[P];
    gv_mlp_init_weights(m, 4, 2, w);
    CHECK_OK(gv_mlp_forward(m, ws, w, data, f, &e), e);
    double fmin = INFINITY;
    for (int i = 0; i < P; i++) {
        data->y[i] = f[i] >= 0 ? 1 : -1;
        if (fabs(f[i]) < fmin) fmin = fabs(f[i]);
    }
    CHECK(fmin > 0);
    scale_output(m, w, 2 / fmin); /* now |f| >= 2 on every row */
    gv_eval ev;
    for (int t = 0; t < 2; t++) {
        double lambda = t ? 0.05 : 0;
        CHECK_OK(gv_mlp_eval(m, ws, w, data, NULL, 0, lambda, g, &ev, &e), e);
        CHECK(ev.data_loss == 0 && ev.unsat == 0 && ev.accuracy == 1);
        int exact = 1;
        for (size_t k = 0; k < nw; k++) exact = exact && g[k] == lambda * w[k];
        CHECK_MSG(exact, "lambda %g: gradient is not exactly lambda*w", lambda);
    }
    free(w);
    free(g);
    gv_data_free(data);
    gv_mlp_work_free(ws);
    gv_mlp_free(m);
}

/* A row whose output is NaN (float overflow in the forward pass: with
 * every first-layer weight 1, inputs of 3e38 make every hidden unit inf,
 * and output weights ±1 add inf and -inf) makes the loss NaN and counts as
 * unsatisfied: it must not drop out of the loss and the gradient as if
 * satisfied.  (Every other row's output is exactly 0.) */
static void test_nan_output(void)
{
    gv_err e;
    size_t a1[1] = {6};
    enum { P = 40 };
    gv_mlp *m = gv_mlp_alloc(3, 1, a1, &e);
    gv_mlp_work *ws = gv_mlp_work_alloc(m, P, 1, &e);
    gv_data *data = make_data(P, 3, 1, 5, 1);
    size_t nw = gv_mlp_nweights(m);
    double *w = malloc(nw * sizeof *w), *g = malloc(nw * sizeof *g);
    size_t off, out, in;
    gv_mlp_layer(m, 0, &off, &out, &in);
    for (size_t k = 0; k < out * in; k++) w[off + k] = 1;
    gv_mlp_layer(m, 1, &off, &out, &in);
    for (size_t k = 0; k < in; k++) w[off + k] = k % 2 ? -1 : 1;
    gv_eval ev;
    CHECK_OK(gv_mlp_eval(m, ws, w, data, NULL, 0, 0.0, g, &ev, &e), e);
    CHECK(ev.loss == 0.5 && ev.unsat == 1);
    for (int k = 0; k < 3; k++) data->X[7 * 3 + k] = 3e38f;
    double f[P];
    CHECK_OK(gv_mlp_forward(m, ws, w, data, f, &e), e);
    CHECK_MSG(isnan(f[7]), "test setup: row 7's output is %g, not NaN", f[7]);
    for (int check = 0; check < 2; check++) {
        gv_mlp_work_loss_check_only(ws, check);
        CHECK_OK(gv_mlp_eval(m, ws, w, data, NULL, 0, 0.0, g, &ev, &e), e);
        CHECK_MSG(isnan(ev.loss) && isnan(ev.data_loss), "loss %g with a NaN output", ev.loss);
        CHECK(ev.unsat == 1);
    }
    free(w);
    free(g);
    gv_data_free(data);
    gv_mlp_work_free(ws);
    gv_mlp_free(m);
}

/* A minibatch's gradient is the mean over the batch's rows, not over the
 * dataset: gv_mlp_eval on a row list (SGD's batches) and the step that
 * gv_mlp_eval_step takes with it, against ref_eval on a dataset made of
 * exactly those rows (its sums divide by that dataset's P, the batch
 * size).  The other SGD tests compare the step with gv_mlp_eval on the same
 * rows (test_gv_integ.c: the integrator's step is w - lr g of
 * gv_landscape_eval on its batch, bit for bit), so a factor wrong in both
 * (1/P of the dataset in place of 1/batch) passes them; here it is 7/50 of
 * the right gradient.  B = 7 rows, unordered, with the first and the last of
 * P = 50; at initialisation (every row unsatisfied) and with part of the
 * rows satisfied (median |f| 1.5), λ = 0 and 0.01.
 *
 * Tolerances: as in grad_check, the float kernel agrees with the double
 * reference to ~1e-6 relative, and we allow 1e-4·|g| (max over
 * coordinates) and 1e-5·L for the loss.  The step's gradient is read back
 * as (w - w')/lr with lr = 0.25: w' = w - lr g is rounded to double, so the
 * read-back adds ~2^-52 |w_k|/lr, under 1e-14 here, nothing at this scale.
 * Measured: 1e-7·|g| at most. */
static void test_batch_gradient(void)
{
    gv_err e;
    enum { P = 50, D = 6, B = 7 };
    size_t widths[2] = {5, 4};
    const uint32_t rows[B] = {17, 3, 49, 0, 28, 11, 41};
    gv_mlp *m = gv_mlp_alloc(D, 2, widths, &e);
    gv_mlp_work *ws = gv_mlp_work_alloc(m, P, 1, &e);
    gv_data *data = make_data(P, D, 1, 31, 1), *sub = gv_data_alloc(B, D, "batch", &e);
    sub->y = malloc(B);
    for (int i = 0; i < B; i++) {
        memcpy(sub->X + (size_t)i * D, data->X + (size_t)rows[i] * D, D * sizeof *sub->X);
        sub->y[i] = data->y[rows[i]];
    }
    CHECK(gv_mlp_partitions(B) == 1); /* the batch is stepped in the gradient's pass */
    size_t nw = gv_mlp_nweights(m);
    double *w = malloc(nw * sizeof *w), *g = malloc(nw * sizeof *g), *gr = malloc(nw * sizeof *gr),
           *ws2 = malloc(nw * sizeof *ws2);
    const double lr = 0.25;
    for (int mixed = 0; mixed < 2; mixed++) {
        gv_mlp_init_weights(m, 23, 0, w);
        if (mixed) scale_to_median(m, w, data, 1.5);
        for (int il = 0; il < 2; il++) {
            double lambda = il ? 0.01 : 0;
            double lref = ref_eval(m, w, sub, lambda, gr), gn = norm2(gr, nw), err = 0;
            gv_eval ev;
            CHECK_OK(gv_mlp_eval(m, ws, w, data, rows, B, lambda, g, &ev, &e), e);
            for (size_t k = 0; k < nw; k++) err = fmax(err, fabs(g[k] - gr[k]));
            CHECK_MSG(ev.n == B && fabs(ev.loss - lref) <= 1e-5 * lref,
                      "mixed %d lambda %g: n %zu, loss %g vs ref %g", mixed, lambda, ev.n, ev.loss,
                      lref);
            CHECK_MSG(err <= 1e-4 * gn, "mixed %d lambda %g: eval |g - ref|max %g, |g| %g", mixed,
                      lambda, err, gn);
            /* The step: (w - w')/lr is the batch's gradient. */
            memcpy(ws2, w, nw * sizeof *w);
            int stepped = -1;
            CHECK_OK(gv_mlp_eval_step(m, ws, ws2, data, rows, B, lambda, lr, g, &ev, &stepped, &e),
                     e);
            CHECK_MSG(stepped == 1, "mixed %d lambda %g: not stepped", mixed, lambda);
            err = 0;
            for (size_t k = 0; k < nw; k++) err = fmax(err, fabs((w[k] - ws2[k]) / lr - gr[k]));
            CHECK_MSG(err <= 1e-4 * gn, "mixed %d lambda %g: step |g - ref|max %g, |g| %g", mixed,
                      lambda, err, gn);
            if (mixed) CHECK_MSG(ev.unsat > 0 && ev.unsat < 1, "unsat %g", ev.unsat);
            fprintf(stderr, "  batch of %d, mixed %d lambda %-4g unsat %.2f |g| %.3g  err %.2g\n", B,
                    mixed, lambda, ev.unsat, gn, err);
        }
    }
    free(w); free(g); free(gr); free(ws2);
    gv_data_free(sub);
    gv_data_free(data);
    gv_mlp_work_free(ws);
    gv_mlp_free(m);
}

/* Bit-identical results for 1, 2, 3 threads over several partitions, with
 * and without a row list, and whatever max_rows the workspace started with. */
static void test_determinism(void)
{
    gv_err e;
    size_t a6[6] = {8, 8, 8, 8, 8, 8};
    enum { P = 5000 };
    gv_mlp *m = gv_mlp_alloc(10, 6, a6, &e);
    gv_data *data = make_data(P, 10, 1, 21, 1);
    size_t nw = gv_mlp_nweights(m);
    CHECK(gv_mlp_partitions(P) == 4);
    double *w = malloc(nw * sizeof *w), *g[4];
    gv_mlp_init_weights(m, 1, 0, w);
    scale_to_median(m, w, data, 1.5); /* a mix of satisfied and unsatisfied rows */
    uint32_t *rows = malloc(P * sizeof *rows), *perm = malloc(P * sizeof *perm);
    for (int i = 0; i < P; i++) rows[i] = (uint32_t)i;
    gv_rng_permutation(2, 0, GV_RNG_TEST, 0, P, perm);
    gv_eval ev[4];
    for (int t = 0; t < 3; t++) {
        g[t] = malloc(nw * sizeof *g[t]);
        gv_mlp_work *ws = gv_mlp_work_alloc(m, t == 2 ? 10 : P, t + 1, &e);
        CHECK_OK(gv_mlp_eval(m, ws, w, data, NULL, 0, 1e-3, g[t], &ev[t], &e), e);
        gv_mlp_work_free(ws);
    }
    CHECK(ev[0].unsat > 0.05 && ev[0].unsat < 0.95);
    CHECK(memcmp(g[0], g[1], nw * sizeof *g[0]) == 0);
    CHECK(memcmp(g[0], g[2], nw * sizeof *g[0]) == 0);
    CHECK(memcmp(&ev[0], &ev[1], sizeof ev[0]) == 0 && memcmp(&ev[0], &ev[2], sizeof ev[0]) == 0);
    /* The identity row list is the same evaluation. */
    g[3] = malloc(nw * sizeof *g[3]);
    gv_mlp_work *ws2 = gv_mlp_work_alloc(m, P, 2, &e), *ws1 = gv_mlp_work_alloc(m, 100, 1, &e);
    CHECK_OK(gv_mlp_eval(m, ws2, w, data, rows, P, 1e-3, g[3], &ev[3], &e), e);
    CHECK(memcmp(g[0], g[3], nw * sizeof *g[0]) == 0);
    /* A shuffled row list: same bits on 1 and 2 threads; same value as the
     * full batch up to float rounding. */
    CHECK_OK(gv_mlp_eval(m, ws2, w, data, perm, P, 1e-3, g[1], &ev[1], &e), e);
    CHECK_OK(gv_mlp_eval(m, ws1, w, data, perm, P, 1e-3, g[2], &ev[2], &e), e);
    CHECK(memcmp(g[1], g[2], nw * sizeof *g[1]) == 0);
    double gn = norm2(g[0], nw), diff = 0;
    for (size_t k = 0; k < nw; k++) diff = fmax(diff, fabs(g[1][k] - g[0][k]));
    CHECK_MSG(diff < 1e-5 * gn, "shuffled rows: %g vs |g| %g", diff, gn);
    CHECK_NEAR(ev[1].loss, ev[0].loss, 1e-6 * ev[0].loss);
    /* A minibatch of 100 rows (one partition). */
    CHECK_OK(gv_mlp_eval(m, ws1, w, data, perm + 100, 100, 0, g[1], &ev[1], &e), e);
    CHECK_OK(gv_mlp_eval(m, ws2, w, data, perm + 100, 100, 0, g[2], &ev[2], &e), e);
    CHECK(memcmp(g[1], g[2], nw * sizeof *g[1]) == 0 && ev[1].n == 100);
    gv_mlp_work_free(ws1);
    gv_mlp_work_free(ws2);
    for (int t = 0; t < 4; t++) free(g[t]);
    free(w); free(rows); free(perm);
    gv_data_free(data);
    gv_mlp_free(m);
}

/* glassvm's own kernel (gv_chain.h; its arithmetic is tested in
 * test_gv_chain.c) in a workspace: the same bits as a workspace that runs
 * OpenBLAS only.  Where OpenBLAS's kernel sums in another order than the
 * build's kernel (the AVX-512 kernel on OpenBLAS's AVX2 cores) the
 * workspace must not use it: then both are OpenBLAS. */
static void test_own_kernel(void)
{
    int kern = gv_chain_kernel();
    if (!kern) printf("  (neither an AVX-512 nor an AVX2 build: glassvm's kernel is not compiled in)\n");

    gv_err e;
    /* Chunks of 512, 240, 352 and 400 rows: OpenBLAS runs the w = 50 deltas
     * in its small-matrix kernel, which glassvm's reproduces (gv_chain_dot). */
    size_t w30[6] = {30, 30, 30, 30, 30, 30}, w72[6] = {72, 72, 72, 72, 72, 72},
           mixed[4] = {50, 82, 100, 16}, w50[6] = {50, 50, 50, 50, 50, 50};
    for (int net = 0; net < 4; net++) {
        gv_mlp *m = net == 2 ? gv_mlp_alloc(10, 4, mixed, &e)
                             : gv_mlp_alloc(10, 6, net == 3 ? w50 : net ? w72 : w30, &e);
        gv_data *data = make_data(5000, 10, 1, 31, 1);
        size_t nw = gv_mlp_nweights(m);
        double *w = malloc(nw * sizeof *w), *g1 = malloc(nw * sizeof *g1), *g2 = malloc(nw * sizeof *g2);
        double *f1 = malloc(5000 * sizeof *f1), *f2 = malloc(5000 * sizeof *f2);
        gv_mlp_init_weights(m, 3, 0, w);
        scale_to_median(m, w, data, 1.5);
        gv_mlp_work *own = gv_mlp_work_alloc(m, 5000, 2, &e), *blas = gv_mlp_work_alloc(m, 5000, 2, &e);
        gv_mlp_work_blas_only(blas);
        uint64_t fw = gv_mlp_work_own_kernel(own, 0), dl = gv_mlp_work_own_kernel(own, 1),
                 wg = gv_mlp_work_own_kernel(own, 2);
        CHECK(gv_mlp_work_own_kernel(blas, 0) == 0 && gv_mlp_work_own_kernel(blas, 1) == 0 &&
              gv_mlp_work_own_kernel(blas, 2) == 0);
        /* Products wider than 96 never run in it: the 100-wide layer's
         * forward product, the deltas and weight gradient of the layer it
         * feeds (layer 3); nor deltas through layer 0 (there are none) or
         * the output layer (a scaled copy of its weights, not a product). */
        if (net == 2) CHECK_MSG(!(fw & 4) && !(dl & 8) && !(wg & 8), "forward %llx, deltas %llx, "
                                "weight gradients %llx", (unsigned long long)fw,
                                (unsigned long long)dl, (unsigned long long)wg);
        CHECK(!(dl & 1) && !(dl >> (net == 2 ? 4 : 6) & 1));
        const char *core = openblas_get_corename();
        printf("  net %d: OpenBLAS core %s, chunk %zu rows; in glassvm's kernel for a chunk: "
               "forward products %llx, deltas %llx, weight gradients %llx\n", net, core,
               gv_mlp_chunk_rows(m), (unsigned long long)fw, (unsigned long long)dl,
               (unsigned long long)wg);
        /* OpenBLAS's AVX-512 kernels sum a chunk's 30-, 50- and 72-wide
         * products in orders the AVX-512 kernel reproduces, its Haswell and
         * Zen cores in the AVX2 kernel's orders: the check must find that
         * (docs/network.md). */
        if (net != 2 && ((kern == 1 && (!strcmp(core, "SkylakeX") || !strcmp(core, "Cooperlake"))) ||
                         (kern == 2 && (!strcmp(core, "Haswell") || !strcmp(core, "Zen"))))) {
            CHECK_MSG(fw == 63, "forward %llx on core %s", (unsigned long long)fw, core);
            CHECK_MSG(dl == 62, "deltas %llx on core %s", (unsigned long long)dl, core);
            CHECK_MSG(wg == 63, "weight gradients %llx on core %s", (unsigned long long)wg, core);
        }
        gv_eval e1, e2;
        CHECK_OK(gv_mlp_eval(m, own, w, data, NULL, 0, 1e-3, g1, &e1, &e), e);
        CHECK_OK(gv_mlp_eval(m, blas, w, data, NULL, 0, 1e-3, g2, &e2, &e), e);
        CHECK(e1.unsat > 0.05 && e1.unsat < 0.95);
        size_t differ = 0;
        for (size_t k = 0; k < nw; k++) differ += memcmp(&g1[k], &g2[k], sizeof *g1) != 0;
        CHECK_MSG(differ == 0 && memcmp(&e1, &e2, sizeof e1) == 0,
                  "net %d: %zu of %zu gradient components differ", net, differ, nw);
        CHECK_OK(gv_mlp_forward(m, own, w, data, f1, &e), e);
        CHECK_OK(gv_mlp_forward(m, blas, w, data, f2, &e), e);
        CHECK_MSG(memcmp(f1, f2, 5000 * sizeof *f1) == 0, "net %d: outputs differ", net);
        gv_mlp_work_free(own);
        gv_mlp_work_free(blas);
        free(w), free(g1), free(g2), free(f1), free(f2);
        gv_data_free(data);
        gv_mlp_free(m);
    }
}

/* PyTorch's Linear default: uniform in ±1/sqrt(fan_in), variance b²/3. */
/* Loss-check mode (the integrators' workspaces): the gradient and the data
 * statistics are the same bits; the loss agrees with the exact one to a
 * relative 1e-12 (|w|² summed in another order: the bound is 2·N·2⁻⁵³ ≈
 * 1e-13 here), and is non-finite exactly when the exact one is. */
static void test_loss_check(void)
{
    gv_err e;
    size_t a3[3] = {20, 20, 20};
    gv_mlp *m = gv_mlp_alloc(10, 3, a3, &e);
    gv_data *data = make_data(3000, 10, 1, 23, 1);
    size_t nw = gv_mlp_nweights(m);
    double *w = malloc(nw * sizeof *w), *g0 = malloc(nw * sizeof *g0), *g1 = malloc(nw * sizeof *g1);
    gv_mlp_init_weights(m, 3, 0, w);
    gv_mlp_work *ex = gv_mlp_work_alloc(m, 3000, 2, &e), *ck = gv_mlp_work_alloc(m, 3000, 1, &e);
    gv_mlp_work_loss_check_only(ck, 1);
    /* All rows (partitions summed through ws->acc) and a batch of 100 (one
     * partition: the gradient's pass sums |w|² too).  λ = 1e299: a loss
     * near 1e300, where the ordered sum is used; 1e308: the loss
     * overflows. */
    uint32_t batch[100];
    for (uint32_t i = 0; i < 100; i++) batch[i] = (37 * i + 11) % 3000;
    static const double lambdas[4] = {0, 1e-2, 1e299, 1e308};
    for (int sub = 0; sub < 2; sub++) {
        const uint32_t *rows = sub ? batch : NULL;
        size_t nrows = sub ? 100 : 0;
        for (int trial = 0; trial < 4; trial++) {
            gv_eval a, b;
            double lambda = lambdas[trial];
            CHECK_OK(gv_mlp_eval(m, ex, w, data, rows, nrows, lambda, g0, &a, &e), e);
            CHECK_OK(gv_mlp_eval(m, ck, w, data, rows, nrows, lambda, g1, &b, &e), e);
            CHECK(memcmp(g0, g1, nw * sizeof *g0) == 0);
            CHECK(a.data_loss == b.data_loss && a.accuracy == b.accuracy && a.unsat == b.unsat);
            CHECK(isfinite(a.loss) == isfinite(b.loss));
            if (isfinite(a.loss)) CHECK_NEAR(b.loss, a.loss, 1e-12 * a.loss);
            CHECK(trial != 2 || (isfinite(a.loss) && a.loss == b.loss));
            CHECK(trial != 3 || !isfinite(a.loss));
        }
    }
    /* |w|² itself overflows (w_0 = 1e160): both infinite, with and without
     * the gradient, at λ > 0 and at λ = 0 (0·inf). */
    w[0] = 1e160;
    for (int sub = 0; sub < 2; sub++)
        for (int trial = 0; trial < 4; trial++) {
            const uint32_t *rows = sub ? batch : NULL;
            size_t nrows = sub ? 100 : 0;
            double lambda = trial % 2 ? 1e-2 : 0, *g = trial < 2 ? g1 : NULL;
            gv_eval a, b;
            CHECK_OK(gv_mlp_eval(m, ex, w, data, rows, nrows, lambda, g, &a, &e), e);
            CHECK_OK(gv_mlp_eval(m, ck, w, data, rows, nrows, lambda, g, &b, &e), e);
            CHECK(!isfinite(a.loss) && !isfinite(b.loss));
        }
    gv_mlp_work_free(ex);
    gv_mlp_work_free(ck);
    free(w); free(g0); free(g1);
    gv_data_free(data);
    gv_mlp_free(m);
}

static void test_init(void)
{
    gv_err e;
    size_t a2[2] = {300, 300};
    gv_mlp *m = gv_mlp_alloc(10, 2, a2, &e);
    size_t nw = gv_mlp_nweights(m);
    double *w = malloc(nw * sizeof *w), *w2 = malloc(nw * sizeof *w2);
    gv_mlp_init_weights(m, 123, 4, w);
    for (size_t l = 0; l < 3; l++) {
        size_t off, out, in;
        gv_mlp_layer(m, l, &off, &out, &in);
        size_t n = out * in;
        double b = 1 / sqrt((double)in), s = 0, s2 = 0, mx = 0;
        for (size_t k = off; k < off + n; k++) {
            s += w[k];
            s2 += w[k] * w[k];
            mx = fmax(mx, fabs(w[k]));
        }
        CHECK(mx < b);
        /* SE of the mean: b/sqrt(3n); of the mean square: b²·sqrt(4/(45n)). */
        CHECK_NEAR(s / n, 0, 5 * b / sqrt(3.0 * n));
        CHECK_NEAR(s2 / n, b * b / 3, 5 * b * b * sqrt(4.0 / 45 / n));
        if (n > 1000) CHECK(mx > 0.99 * b); /* reaches the bound */
    }
    gv_mlp_init_weights(m, 123, 4, w2);
    CHECK(memcmp(w, w2, nw * sizeof *w) == 0);
    gv_mlp_init_weights(m, 123, 5, w2);
    CHECK(memcmp(w, w2, nw * sizeof *w) != 0);
    /* Weight k is uniform value k of stream (seed, replica, INIT, 0). */
    double u;
    gv_rng_uniform(123, 4, GV_RNG_INIT, 0, 3010, 1, &u);
    CHECK(w[3010] == (2 * u - 1) / sqrt(300.0));
    free(w);
    free(w2);
    gv_mlp_free(m);
}

static void test_errors(void)
{
    gv_err e;
    size_t bad[2] = {5, 0}, ok[1] = {4};
    CHECK(gv_mlp_alloc(3, 2, bad, &e) == NULL && e.status == GV_EINVAL && strstr(e.msg, "width"));
    CHECK(gv_mlp_alloc(0, 1, ok, &e) == NULL && strstr(e.msg, "d must be"));
    gv_mlp *m = gv_mlp_alloc(3, 1, ok, &e), *m2 = gv_mlp_alloc(3, 1, ok, &e);
    gv_mlp_work *ws = gv_mlp_work_alloc(m, 10, 1, &e);
    double w[16] = {0}, g[16];
    gv_eval ev;
    gv_data *d4 = make_data(10, 4, 1, 1, 1), *nolab = make_data(10, 3, 1, 1, 0),
            *d3 = make_data(10, 3, 1, 1, 1);
    CHECK_FAILS(gv_mlp_eval(m, ws, w, d4, NULL, 0, 0, g, &ev, &e), GV_EDIM, e, "4 features");
    CHECK_FAILS(gv_mlp_eval(m, ws, w, nolab, NULL, 0, 0, g, &ev, &e), GV_EINVAL, e, "binarise");
    uint32_t rows[2] = {3, 10};
    CHECK_FAILS(gv_mlp_eval(m, ws, w, d3, rows, 2, 0, g, &ev, &e), GV_EINVAL, e, "out of range");
    CHECK_FAILS(gv_mlp_eval(m, ws, w, d3, rows, 0, 0, g, &ev, &e), GV_EINVAL, e, "empty");
    CHECK_FAILS(gv_mlp_eval(m2, ws, w, d3, NULL, 0, 0, g, &ev, &e), GV_EINVAL, e, "another network");
    /* forward needs no labels */
    double f[10];
    CHECK_OK(gv_mlp_forward(m, ws, w, nolab, f, &e), e);
    CHECK(f[0] == 0);
    gv_data_free(d4);
    gv_data_free(nolab);
    gv_data_free(d3);
    gv_mlp_work_free(ws);
    gv_mlp_work_free(NULL);
    gv_mlp_free(m);
    gv_mlp_free(m2);
    gv_mlp_free(NULL);
}

int main(void)
{
    GV_RUN(test_shape);
    GV_RUN(test_hand_computed);
    GV_RUN(test_gradient);
    GV_RUN(test_inactive_hinge);
    GV_RUN(test_nan_output);
    GV_RUN(test_determinism);
    GV_RUN(test_batch_gradient);
    GV_RUN(test_own_kernel);
    GV_RUN(test_loss_check);
    GV_RUN(test_init);
    GV_RUN(test_errors);
    return GV_TEST_END();
}
