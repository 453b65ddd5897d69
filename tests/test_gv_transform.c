/* test_gv_transform.c: standardisation, PCA, binarisation, subset and
 * split, checked against independent computations in this file and against
 * analytic cases. */
#include "gv_data.h"
#include "gv_rng.h"
#include "gv_test.h"

#include <stdlib.h>

static gv_data *make(size_t P, size_t d)
{
    gv_err e = {0};
    gv_data *x = gv_data_alloc(P, d, "synthetic", &e);
    if (!x) {
        fprintf(stderr, "%s\n", e.msg);
        exit(1);
    }
    return x;
}

/* ---- standardisation ---------------------------------------------------- */

static void test_standardize(void)
{
    const size_t P = 1000, d = 3;
    gv_data *x = make(P, d);
    for (size_t i = 0; i < P; i++) {
        x->X[i * d + 0] = (float)(i % 7);
        x->X[i * d + 1] = 5.0f;                          /* constant */
        x->X[i * d + 2] = 10000.0f + 0.5f * (float)(i % 3); /* large mean */
    }
    /* Independent statistics, in long double. */
    long double m[3] = {0}, v[3] = {0};
    for (size_t i = 0; i < P; i++)
        for (size_t j = 0; j < d; j++) m[j] += x->X[i * d + j];
    for (size_t j = 0; j < d; j++) m[j] /= P;
    for (size_t i = 0; i < P; i++)
        for (size_t j = 0; j < d; j++) v[j] += (x->X[i * d + j] - m[j]) * (x->X[i * d + j] - m[j]);
    for (size_t j = 0; j < d; j++) v[j] /= P; /* population variance, as StandardScaler */

    gv_err e = {0};
    gv_scaler *s = NULL;
    CHECK_OK(gv_scaler_fit(x, &s, &e), e);
    if (!s) return;
    for (size_t j = 0; j < d; j++) CHECK_NEAR(s->mean[j], (double)m[j], 1e-12 * (1 + fabsl(m[j])));
    CHECK_NEAR(s->scale[0], sqrt((double)v[0]), 1e-12);
    CHECK(s->scale[1] == 1.0); /* constant feature: scale 1 */
    CHECK_NEAR(s->scale[2], sqrt((double)v[2]), 1e-9);

    /* Applied to a second dataset, the fitted parameters are used as they are. */
    gv_data *y = make(2, d);
    for (size_t j = 0; j < d; j++) { y->X[j] = 3.0f; y->X[d + j] = 10001.0f; }
    CHECK_OK(gv_scaler_apply(s, y, &e), e);
    for (size_t r = 0; r < 2; r++)
        for (size_t j = 0; j < d; j++) {
            double raw = r == 0 ? 3.0 : 10001.0;
            CHECK_NEAR(y->X[r * d + j], (float)((raw - s->mean[j]) / s->scale[j]), 0);
        }

    /* After standardisation: mean 0 and variance 1 per feature (float32
     * rounding of values of order 1 over 1000 rows: 1e-5 is ample). */
    CHECK_OK(gv_scaler_apply(s, x, &e), e);
    for (size_t j = 0; j < d; j++) {
        double mm = 0, vv = 0;
        for (size_t i = 0; i < P; i++) mm += x->X[i * d + j];
        mm /= P;
        for (size_t i = 0; i < P; i++) vv += (x->X[i * d + j] - mm) * (x->X[i * d + j] - mm);
        vv /= P;
        CHECK_NEAR(mm, 0, 1e-5);
        CHECK_NEAR(vv, j == 1 ? 0 : 1, 1e-5);
    }
    for (size_t i = 0; i < P; i++) CHECK(x->X[i * d + 1] == 0.0f);

    gv_data *z = make(4, 2);
    CHECK_FAILS(gv_scaler_apply(s, z, &e), GV_EDIM, e, "fitted on 3 features");
    gv_data *empty = make(0, 2);
    gv_scaler *s2 = (gv_scaler *)&e;
    CHECK_FAILS(gv_scaler_fit(empty, &s2, &e), GV_EINVAL, e, "no rows");
    CHECK(s2 == NULL);
    gv_scaler_free(s);
    gv_scaler_free(NULL);
    gv_data_free(x);
    gv_data_free(y);
    gv_data_free(z);
    gv_data_free(empty);
}

/* ---- PCA ---------------------------------------------------------------- */

/* Points t·u, t = -2..2, on a line: one component u/|u| with variance
 * |u|^2 · Σt²/(P-1) = |u|^2 · 10/4, the other variance 0.  The sign
 * convention makes the entry of largest magnitude positive. */
static void check_line(float u0, float u1, double c0, double c1)
{
    gv_data *x = make(5, 2);
    for (int t = -2; t <= 2; t++) {
        x->X[(t + 2) * 2] = (float)t * u0;
        x->X[(t + 2) * 2 + 1] = (float)t * u1;
    }
    gv_err e = {0};
    gv_pca *p = NULL;
    CHECK_OK(gv_pca_fit(x, 1, &p, &e), e);
    if (p) {
        double n = sqrt(c0 * c0 + c1 * c1);
        CHECK_NEAR(p->variance[0], (u0 * u0 + u1 * u1) * 2.5, 1e-12);
        CHECK_NEAR(p->components[0], c0 / n, 1e-12);
        CHECK_NEAR(p->components[1], c1 / n, 1e-12);
        CHECK_NEAR(p->total, p->variance[0], 1e-12);
    }
    gv_pca_free(p);
    gv_data_free(x);
}

static void test_pca_line(void)
{
    check_line(1, 2, 1, 2);
    check_line(-1, -2, 1, 2);  /* same line, same sign */
    check_line(-1, 2, -1, 2);  /* largest entry (2) positive */
    check_line(-2, 1, 2, -1);  /* largest entry (-2) flipped to positive */
}

/* Gaussian data with standard deviations sigma along the axes of a fixed
 * rotation (a Householder reflection), shifted by a mean. */
enum { GP = 3000, GD = 6 };
static const double sigma[GD] = {5, 3, 2, 1, 0.5, 0.1};

static gv_data *gaussian(void)
{
    gv_data *x = make(GP, GD);
    double *z = malloc(GP * GD * sizeof *z), h[GD], hh = 0;
    gv_rng_normal(7, 0, GV_RNG_TEST, 0, 0, GP * GD, z);
    for (int j = 0; j < GD; j++) { h[j] = 1.0 + j; hh += h[j] * h[j]; }
    for (size_t i = 0; i < GP; i++)
        for (int a = 0; a < GD; a++) {
            double s = 0; /* row i of (Z diag(sigma)) (I - 2 h h^T / h^T h) */
            for (int b = 0; b < GD; b++)
                s += z[i * GD + b] * sigma[b] * ((a == b) - 2 * h[a] * h[b] / hh);
            x->X[i * GD + a] = (float)(s + 10.0 * a);
        }
    free(z);
    return x;
}

static void test_pca_gaussian(void)
{
    gv_data *x = gaussian();
    /* Independent sample covariance (divisor P - 1) by plain loops. */
    double mean[GD] = {0}, cov[GD][GD] = {{0}};
    for (size_t i = 0; i < GP; i++)
        for (int a = 0; a < GD; a++) mean[a] += x->X[i * GD + a];
    for (int a = 0; a < GD; a++) mean[a] /= GP;
    for (size_t i = 0; i < GP; i++)
        for (int a = 0; a < GD; a++)
            for (int b = 0; b < GD; b++)
                cov[a][b] += (x->X[i * GD + a] - mean[a]) * (x->X[i * GD + b] - mean[b]);
    for (int a = 0; a < GD; a++)
        for (int b = 0; b < GD; b++) cov[a][b] /= GP - 1;

    gv_err e = {0};
    gv_pca *p = NULL;
    const size_t k = 4;
    CHECK_OK(gv_pca_fit(x, k, &p, &e), e);
    if (!p) return;
    CHECK(p->k == k && p->d == GD && p->P == GP);
    double trace = 0;
    for (int a = 0; a < GD; a++) trace += cov[a][a];
    CHECK_NEAR(p->total, trace, 1e-10 * trace);
    for (size_t c = 0; c < k; c++) {
        const double *v = p->components + c * GD;
        double lam = p->variance[c];
        /* Eigen-equation residual |C v - λ v| (dsyevr: ~d·eps·|C|). */
        double res = 0;
        for (int a = 0; a < GD; a++) {
            double cv = 0;
            for (int b = 0; b < GD; b++) cv += cov[a][b] * v[b];
            res += (cv - lam * v[a]) * (cv - lam * v[a]);
        }
        CHECK_NEAR(sqrt(res), 0, 1e-9 * p->variance[0]);
        /* Orthonormal rows. */
        for (size_t c2 = 0; c2 < k; c2++) {
            double dot = 0;
            for (int a = 0; a < GD; a++) dot += v[a] * p->components[c2 * GD + a];
            CHECK_NEAR(dot, c == c2, 1e-12);
        }
        if (c > 0) CHECK(lam <= p->variance[c - 1]);
        /* The sample variance along an axis estimates sigma² with relative
         * standard deviation sqrt(2/P) = 2.6%: 15% is about 6 sd. */
        CHECK_NEAR(lam / (sigma[c] * sigma[c]), 1, 0.15);
        /* Sign convention. */
        int jmax = 0;
        for (int a = 1; a < GD; a++)
            if (fabs(v[a]) > fabs(v[jmax])) jmax = a;
        CHECK(v[jmax] > 0);
    }

    /* Projection: variance of each projected column equals its eigenvalue
     * (float32 projections: relative rounding ~1e-7; 1e-6 is safe), mean 0. */
    gv_data *y = gv_data_copy(x, "projected", &e);
    CHECK_OK(gv_pca_apply(p, y, &e), e);
    CHECK(y->P == GP && y->d == k);
    for (size_t c = 0; c < k; c++) {
        double m = 0, v = 0;
        for (size_t i = 0; i < GP; i++) m += y->X[i * k + c];
        m /= GP;
        for (size_t i = 0; i < GP; i++) v += (y->X[i * k + c] - m) * (y->X[i * k + c] - m);
        v /= GP - 1;
        CHECK_NEAR(v / p->variance[c], 1, 1e-6);
        CHECK_NEAR(m, 0, 1e-6 * sqrt(p->variance[0]));
    }
    CHECK_FAILS(gv_pca_apply(p, y, &e), GV_EDIM, e, "fitted on 6 features, projected has 4");
    gv_data_free(y);

    /* All components: the variances sum to the total. */
    gv_pca *all = NULL;
    CHECK_OK(gv_pca_fit(x, GD, &all, &e), e);
    if (all) {
        double sum = 0;
        for (int c = 0; c < GD; c++) sum += all->variance[c];
        CHECK_NEAR(sum, all->total, 1e-10 * all->total);
        CHECK_NEAR(all->variance[0], p->variance[0], 1e-10 * p->variance[0]);
    }
    gv_pca_free(all);

    /* The covariance sum has fixed partitions: bit-identical on 1 or 2 threads. */
    gv_pca *p1 = NULL, *p2 = NULL;
    gv_threads_set(1);
    CHECK_OK(gv_pca_fit(x, k, &p1, &e), e);
    gv_threads_set(2);
    CHECK_OK(gv_pca_fit(x, k, &p2, &e), e);
    gv_threads_set(0);
    if (p1 && p2) {
        CHECK(memcmp(p1->variance, p2->variance, k * sizeof(double)) == 0);
        CHECK(memcmp(p1->components, p2->components, k * GD * sizeof(double)) == 0);
    }
    gv_pca_free(p1);
    gv_pca_free(p2);
    gv_pca_free(p);
    gv_data_free(x);
}

static void test_pca_errors(void)
{
    gv_err e = {0};
    gv_data *x = make(10, 3);
    for (size_t i = 0; i < 30; i++) x->X[i] = (float)(i * i % 11);
    gv_pca *p = (gv_pca *)&e;
    CHECK_FAILS(gv_pca_fit(x, 4, &p, &e), GV_EINVAL, e, "k = 4 components requested, but synthetic has d = 3");
    CHECK(p == NULL);
    CHECK_FAILS(gv_pca_fit(x, 0, &p, &e), GV_EINVAL, e, "k must be 1..3");
    gv_data *one = make(1, 3);
    CHECK_FAILS(gv_pca_fit(one, 2, &p, &e), GV_EINVAL, e, "need at least 2");
    gv_data_free(one);
    gv_data_free(x);
    gv_pca_free(NULL);
}

/* ---- binarisation and row selection ------------------------------------- */

static void test_binarize(void)
{
    gv_err e = {0};
    gv_data *x = make(7, 1);
    const int32_t cls[7] = {5, 0, 4, 1, 9, -3, -4};
    memcpy(x->cls, cls, sizeof cls);
    CHECK_OK(gv_data_binarize_parity(x, &e), e);
    const int8_t parity[7] = {-1, 1, 1, -1, -1, -1, 1};
    CHECK(x->y && memcmp(x->y, parity, 7) == 0);
    size_t pos, neg;
    gv_data_label_counts(x, &pos, &neg);
    CHECK(pos == 3 && neg == 4);
    const int32_t plus[2] = {9, 1};
    CHECK_OK(gv_data_binarize(x, plus, 2, &e), e);
    const int8_t listed[7] = {-1, -1, -1, 1, 1, -1, -1};
    CHECK(memcmp(x->y, listed, 7) == 0);
    const int32_t typo[2] = {1, 7};
    CHECK_FAILS(gv_data_binarize(x, typo, 2, &e), GV_EINVAL, e, "class 7 (listed for +1) does not occur");
    CHECK(memcmp(x->y, listed, 7) == 0); /* unchanged on failure */
    CHECK_FAILS(gv_data_binarize(x, plus, 0, &e), GV_EINVAL, e, "no classes");
    gv_data_free(x);
}

static gv_data *numbered(size_t P)
{
    gv_data *x = make(P, 2);
    for (size_t i = 0; i < P; i++) {
        x->X[2 * i] = (float)i;
        x->X[2 * i + 1] = -(float)i;
        x->cls[i] = (int32_t)(i % 10);
    }
    gv_err e = {0};
    gv_data_binarize_parity(x, &e);
    return x;
}

/* Rows of y are rows of x (by their feature 0 = original index), strictly
 * increasing, with class and label carried along. */
static int rows_of(const gv_data *y, const gv_data *x, unsigned char *seen)
{
    for (size_t i = 0; i < y->P; i++) {
        size_t r = (size_t)y->X[2 * i];
        if (r >= x->P || y->X[2 * i + 1] != -(float)r || y->cls[i] != x->cls[r] ||
            y->y[i] != x->y[r])
            return 0;
        if (i > 0 && y->X[2 * i] <= y->X[2 * (i - 1)]) return 0;
        if (seen) seen[r]++;
    }
    return 1;
}

static void test_subset_split(void)
{
    gv_err e = {0};
    gv_data *x = numbered(1000), *a = NULL, *b = NULL, *c = NULL, *tr = NULL, *te = NULL;
    CHECK_OK(gv_data_subset(x, 100, 42, &a, &e), e);
    CHECK_OK(gv_data_subset(x, 100, 42, &b, &e), e);
    CHECK_OK(gv_data_subset(x, 100, 43, &c, &e), e);
    if (a && b && c) {
        CHECK(a->P == 100 && a->d == 2 && rows_of(a, x, NULL));
        CHECK(memcmp(a->X, b->X, 200 * sizeof(float)) == 0); /* same seed, same rows */
        CHECK(memcmp(a->X, c->X, 200 * sizeof(float)) != 0); /* another seed, others */
        /* 100 of 1000 rows without replacement: the mean index is 499.5
         * with sd 288.7/sqrt(100)·sqrt(900/999) = 27.4; 6 sd is about 165. */
        double m = 0;
        for (size_t i = 0; i < 100; i++) m += a->X[2 * i];
        CHECK_NEAR(m / 100, 499.5, 165);
    }
    CHECK_OK(gv_data_split(x, 100, 42, &tr, &te, &e), e);
    if (tr && te) {
        unsigned char seen[1000] = {0};
        CHECK(tr->P == 900 && te->P == 100);
        CHECK(rows_of(tr, x, seen) && rows_of(te, x, seen));
        int once = 1;
        for (int i = 0; i < 1000; i++)
            if (seen[i] != 1) once = 0;
        CHECK(once); /* a partition of the rows */
        CHECK(a && memcmp(te->X, a->X, 200 * sizeof(float)) == 0); /* test = subset(seed) */
    }
    gv_data_free(tr);
    gv_data_free(te);
    gv_data *r = NULL;
    const size_t pick[3] = {5, 5, 999};
    CHECK_OK(gv_data_rows(x, pick, 3, "picked", &r, &e), e);
    if (r) CHECK(r->P == 3 && r->X[0] == 5 && r->X[2] == 5 && r->X[4] == 999 && r->y[2] == -1);
    gv_data_free(r);
    const size_t out[1] = {1000};
    CHECK_FAILS(gv_data_rows(x, out, 1, NULL, &r, &e), GV_EINVAL, e, "row 1001 out of range");
    CHECK_FAILS(gv_data_subset(x, 1001, 1, &r, &e), GV_EINVAL, e, "n = 1001 rows requested");
    CHECK_FAILS(gv_data_subset(x, 0, 1, &r, &e), GV_EINVAL, e, "n = 0");
    CHECK_FAILS(gv_data_split(x, 1000, 1, &tr, &te, &e), GV_EINVAL, e, "need 1..999");
    CHECK(tr == NULL && te == NULL);
    gv_data_free(a);
    gv_data_free(b);
    gv_data_free(c);
    gv_data_free(x);
}

int main(void)
{
    GV_RUN(test_standardize);
    GV_RUN(test_pca_line);
    GV_RUN(test_pca_gaussian);
    GV_RUN(test_pca_errors);
    GV_RUN(test_binarize);
    GV_RUN(test_subset_split);
    return GV_TEST_END();
}
