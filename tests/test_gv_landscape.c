/* test_gv_landscape.c: the network landscape agrees with gv_mlp, the null
 * models have the exact losses and gradients, bad arguments are refused. */
#include <stdlib.h>

#include "gv_landscape.h"
#include "gv_rng.h"
#include "gv_test.h"

/* P rows of d standard normal features, random ±1 labels. */
static gv_data *random_data(size_t P, size_t d, uint64_t seed, int labels)
{
    gv_err e;
    gv_data *data = gv_data_alloc(P, d, "random", &e);
    double *v = malloc(P * d * sizeof *v);
    gv_rng_normal(seed, 0, GV_RNG_TEST, 0, 0, P * d, v);
    for (size_t i = 0; i < P * d; i++) data->X[i] = (float)v[i];
    if (labels) {
        data->y = malloc(P);
        gv_rng_uniform(seed, 1, GV_RNG_TEST, 0, 0, P, v);
        for (size_t i = 0; i < P; i++) data->y[i] = v[i] < 0.5 ? 1 : -1;
    }
    free(v);
    return data;
}

static void test_null_models(void)
{
    gv_err e;
    size_t N = 7;
    gv_landscape *flat = gv_landscape_flat(N, 100, 0.5, &e);
    gv_landscape *harm = gv_landscape_harmonic(N, 2.0, 50, -1.0, &e);
    CHECK(flat && harm);
    CHECK(strcmp(gv_landscape_kind(flat), "flat") == 0);
    CHECK(strcmp(gv_landscape_kind(harm), "harmonic") == 0);
    CHECK(gv_landscape_nweights(harm) == N && gv_landscape_P(harm) == 50);
    CHECK(gv_landscape_ngroups(flat) == 1);
    size_t off = 9, cnt = 0;
    gv_landscape_group(harm, 0, &off, &cnt);
    CHECK(off == 0 && cnt == N);

    double w[7], g[7];
    gv_landscape_init(flat, 1, 3, w);
    for (size_t i = 0; i < N; i++) CHECK(w[i] == 0.5);
    gv_landscape_init(harm, 1, 3, w);
    for (size_t i = 0; i < N; i++) CHECK(w[i] == -1.0);

    gv_landscape_work *wf = gv_landscape_work_alloc(flat, 100, 1, &e);
    gv_landscape_work *wh = gv_landscape_work_alloc(harm, 50, 1, &e);
    for (size_t i = 0; i < N; i++) w[i] = (double)i - 3.0; /* |w|² = 28 */
    gv_eval ev;
    CHECK_OK(gv_landscape_eval(flat, wf, w, NULL, 0, 0.0, g, &ev, &e), e);
    CHECK(ev.loss == 0 && ev.data_loss == 0 && isnan(ev.accuracy) && isnan(ev.unsat) && ev.n == 100);
    for (size_t i = 0; i < N; i++) CHECK(g[i] == 0);
    CHECK_OK(gv_landscape_eval(flat, wf, w, NULL, 0, 0.1, g, &ev, &e), e);
    CHECK_NEAR(ev.loss, 0.05 * 28, 1e-14);
    for (size_t i = 0; i < N; i++) CHECK_NEAR(g[i], 0.1 * w[i], 1e-15);
    /* Harmonic: L = (k/2)|w|² + (λ/2)|w|², ∇L = (k+λ)w. */
    CHECK_OK(gv_landscape_eval(harm, wh, w, NULL, 0, 0.5, g, &ev, &e), e);
    CHECK_NEAR(ev.data_loss, 28.0, 1e-13);
    CHECK_NEAR(ev.loss, 28.0 + 0.25 * 28, 1e-13);
    for (size_t i = 0; i < N; i++) CHECK_NEAR(g[i], 2.5 * w[i], 1e-14);
    /* A workspace of another landscape is refused. */
    CHECK_FAILS(gv_landscape_eval(harm, wf, w, NULL, 0, 0, g, &ev, &e), GV_EINVAL, e, "another landscape");
    char buf[128];
    gv_landscape_describe(harm, buf, sizeof buf);
    CHECK(strstr(buf, "harmonic k=2") != NULL);
    gv_landscape_work_free(wf);
    gv_landscape_work_free(wh);
    gv_landscape_free(flat);
    gv_landscape_free(harm);
}

static void test_null_errors(void)
{
    gv_err e;
    e.msg[0] = '\0';
    CHECK(!gv_landscape_flat(0, 10, 0, &e) && strstr(e.msg, "N (number of weights)"));
    CHECK(!gv_landscape_flat(10, 0, 0, &e) && strstr(e.msg, "P (effective"));
    CHECK(!gv_landscape_harmonic(10, 0.0, 10, 0, &e) && strstr(e.msg, "k must be"));
    CHECK(!gv_landscape_harmonic(10, -1.0, 10, 0, &e) && strstr(e.msg, "k must be"));
    CHECK(!gv_landscape_harmonic(10, NAN, 10, 0, &e) && strstr(e.msg, "k must be"));
    CHECK(!gv_landscape_flat(10, 10, INFINITY, &e) && strstr(e.msg, "w0 must be finite"));
    gv_landscape_free(NULL);
    gv_landscape_work_free(NULL);
}

static void test_network(void)
{
    gv_err e;
    size_t widths[] = {12, 9};
    gv_mlp *m = gv_mlp_alloc(5, 2, widths, &e);
    gv_data *data = random_data(300, 5, 11, 1);
    gv_landscape *l = gv_landscape_network(m, data, &e);
    CHECK(l != NULL);
    size_t N = gv_mlp_nweights(m);
    CHECK(gv_landscape_nweights(l) == N && gv_landscape_P(l) == 300);
    CHECK(gv_landscape_mlp(l) == m && gv_landscape_data(l) == data);
    /* Groups are the layers and tile the weight vector. */
    CHECK(gv_landscape_ngroups(l) == 3);
    size_t next = 0;
    for (size_t g = 0; g < 3; g++) {
        size_t off, cnt;
        gv_landscape_group(l, g, &off, &cnt);
        CHECK(off == next);
        next = off + cnt;
    }
    CHECK(next == N);
    /* Init and eval are gv_mlp's, on all rows and on a row subset. */
    double *w = malloc(N * sizeof *w), *w2 = malloc(N * sizeof *w2);
    double *g1 = malloc(N * sizeof *g1), *g2 = malloc(N * sizeof *g2);
    gv_landscape_init(l, 5, 2, w);
    gv_mlp_init_weights(m, 5, 2, w2);
    CHECK(memcmp(w, w2, N * sizeof *w) == 0);
    gv_landscape_work *lw = gv_landscape_work_alloc(l, 300, 1, &e);
    gv_mlp_work *mw = gv_mlp_work_alloc(m, 300, 1, &e);
    gv_eval a, b;
    uint32_t rows[] = {3, 99, 7, 250, 11};
    CHECK_OK(gv_landscape_eval(l, lw, w, NULL, 0, 0.01, g1, &a, &e), e);
    CHECK_OK(gv_mlp_eval(m, mw, w, data, NULL, 0, 0.01, g2, &b, &e), e);
    CHECK(a.loss == b.loss && a.accuracy == b.accuracy && a.n == 300);
    CHECK(memcmp(g1, g2, N * sizeof *g1) == 0);
    CHECK_OK(gv_landscape_eval(l, lw, w, rows, 5, 0.0, g1, &a, &e), e);
    CHECK_OK(gv_mlp_eval(m, mw, w, data, rows, 5, 0.0, g2, &b, &e), e);
    CHECK(a.loss == b.loss && a.n == 5);
    CHECK(memcmp(g1, g2, N * sizeof *g1) == 0);
    CHECK(gv_landscape_parallelism(l, 300) == gv_mlp_partitions(300));
    char buf[256];
    gv_landscape_describe(l, buf, sizeof buf);
    CHECK_MSG(strstr(buf, "network 5-12-9-1 on random") != NULL, "%s", buf);
    free(w);
    free(w2);
    free(g1);
    free(g2);
    gv_landscape_work_free(lw);
    gv_mlp_work_free(mw);
    gv_landscape_free(l);

    /* Unlabelled data and a dimension mismatch are refused with advice. */
    gv_data *nolab = random_data(10, 5, 1, 0), *wide = random_data(10, 6, 1, 1);
    e.msg[0] = '\0';
    CHECK(!gv_landscape_network(m, nolab, &e) && strstr(e.msg, "binarise"));
    CHECK(!gv_landscape_network(m, wide, &e) && strstr(e.msg, "d = 6"));
    gv_data_free(nolab);
    gv_data_free(wide);
    gv_data_free(data);
    gv_mlp_free(m);
}

int main(void)
{
    GV_RUN(test_null_models);
    GV_RUN(test_null_errors);
    GV_RUN(test_network);
    return GV_TEST_END();
}
