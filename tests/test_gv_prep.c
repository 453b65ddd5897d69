/* test_gv_prep.c: the paper's preprocessing in one call (gv_prep_run) gives
 * exactly what the loaders and transforms it composes give, called one by
 * one in the documented order (bit for bit), and refuses bad sizes leaving
 * nothing allocated.  Data: the tiny IDX fixtures (6 images of 2x3) and the
 * tiny CIFAR-10 batches. */
#include "gv_data.h"
#include "gv_test.h"

#include <stdlib.h>

#define F(name) (GV_TEST_DATA "/" name)

static gv_prep_opts tiny_opts(void)
{
    gv_prep_opts o;
    memset(&o, 0, sizeof o);
    o.images[0] = F("tiny-images.idx3");
    o.labels[0] = F("tiny-labels.idx1");
    o.images[1] = F("tiny-images.idx3.gz"); /* the same images, gzipped: a test set */
    o.labels[1] = F("tiny-labels.idx1.gz");
    o.title = "Tiny";
    o.P = 4;
    o.seed = 3;
    o.standardize = 1;
    o.k = 1;
    o.binarize = GV_PREP_PARITY;
    return o;
}

static int same_data(const gv_data *a, const gv_data *b)
{
    return a && b && a->P == b->P && a->d == b->d &&
           memcmp(a->X, b->X, a->P * a->d * sizeof *a->X) == 0 &&
           memcmp(a->cls, b->cls, a->P * sizeof *a->cls) == 0 && a->y && b->y &&
           memcmp(a->y, b->y, a->P) == 0 && strcmp(a->name, b->name) == 0;
}

/* The same steps by hand: load, subset, z-score (test: own statistics or
 * the train ones), PCA fitted on train applied to both, binarise. */
static void by_hand(const gv_prep_opts *o, gv_data **train, gv_data **test)
{
    gv_err e = {0};
    gv_data *full = NULL, *tr = NULL, *te = NULL;
    gv_scaler *s = NULL, *ts = NULL;
    gv_pca *p = NULL;
    CHECK_OK(gv_idx_load(o->images[0], o->labels[0], &full, &e), e);
    CHECK_OK(gv_data_subset(full, o->P, o->seed, &tr, &e), e);
    gv_data_set_name(tr, "Tiny train");
    CHECK_OK(gv_idx_load(o->images[1], o->labels[1], &te, &e), e);
    gv_data_set_name(te, "Tiny test");
    CHECK_OK(gv_scaler_fit(tr, &s, &e), e);
    CHECK_OK(gv_scaler_apply(s, tr, &e), e);
    if (!o->test_train_stats) CHECK_OK(gv_scaler_fit(te, &ts, &e), e);
    CHECK_OK(gv_scaler_apply(ts ? ts : s, te, &e), e);
    CHECK_OK(gv_pca_fit(tr, o->k, &p, &e), e);
    CHECK_OK(gv_pca_apply(p, tr, &e), e);
    CHECK_OK(gv_pca_apply(p, te, &e), e);
    CHECK_OK(gv_data_binarize_parity(tr, &e), e);
    CHECK_OK(gv_data_binarize_parity(te, &e), e);
    gv_data_free(full);
    gv_scaler_free(s);
    gv_scaler_free(ts);
    gv_pca_free(p);
    *train = tr;
    *test = te;
}

static void test_same_as_by_hand(void)
{
    for (int train_stats = 0; train_stats <= 1; train_stats++) {
        gv_prep_opts o = tiny_opts();
        o.test_train_stats = train_stats;
        gv_prep r;
        gv_err e = {0};
        CHECK_OK(gv_prep_run(&o, &r, &e), e);
        gv_data *tr, *te;
        by_hand(&o, &tr, &te);
        CHECK(same_data(r.train, tr));
        CHECK(same_data(r.test, te));
        CHECK(r.train && r.train->P == 4 && r.train->d == 1 && r.d0 == 6);
        CHECK(r.scaler && r.pca && r.pca->k == 1);
        CHECK(train_stats ? r.test_scaler == r.scaler : r.test_scaler && r.test_scaler != r.scaler);
        gv_data_free(tr);
        gv_data_free(te);
        gv_prep_release(&r);
        CHECK(r.train == NULL && r.scaler == NULL && r.pca == NULL);
    }
}

static void test_options(void)
{
    gv_err e = {0};
    gv_prep r;
    /* No test set, all rows, no z-score, no PCA, classes {0, 2} -> +1. */
    gv_prep_opts o = tiny_opts();
    int32_t pos[] = {0, 2};
    o.images[1] = NULL;
    o.P = 0;
    o.standardize = 0;
    o.k = 0;
    o.binarize = GV_PREP_CLASSES;
    o.positive = pos;
    o.npositive = 2;
    CHECK_OK(gv_prep_run(&o, &r, &e), e);
    CHECK(r.test == NULL && r.scaler == NULL && r.test_scaler == NULL && r.pca == NULL);
    CHECK(r.train && r.train->P == 6 && r.train->d == 6 && r.train->y);
    if (r.train && r.train->y) {
        /* classes 5 0 4 1 9 2 */
        static const int8_t want[] = {-1, 1, -1, -1, -1, 1};
        CHECK(memcmp(r.train->y, want, sizeof want) == 0);
        CHECK(r.train->X[7] == 11.0f); /* row 2, pixel 2: untouched */
    }
    gv_prep_release(&r);
    /* Classes only: no labels. */
    o.binarize = GV_PREP_NONE;
    CHECK_OK(gv_prep_run(&o, &r, &e), e);
    CHECK(r.train && r.train->y == NULL);
    gv_prep_release(&r);
}

static void test_refusals(void)
{
    gv_err e = {0};
    gv_prep r;
    gv_prep_opts o = tiny_opts();
    o.P = 7;
    CHECK_FAILS(gv_prep_run(&o, &r, &e), GV_EINVAL, e, "P = 7 rows requested, the Tiny train set has 6");
    CHECK(r.train == NULL && r.test == NULL);
    o = tiny_opts();
    o.k = 7;
    CHECK_FAILS(gv_prep_run(&o, &r, &e), GV_EINVAL, e,
                "k = 7 components requested, but Tiny images have d = 6 pixels");
    CHECK(r.train == NULL && r.test == NULL && r.scaler == NULL && r.test_scaler == NULL);
    o = tiny_opts();
    o.images[1] = F("no-such-file.idx3");
    CHECK_FAILS(gv_prep_run(&o, &r, &e), GV_EIO, e, "no-such-file.idx3");
    CHECK(r.train == NULL && r.test == NULL);
    int32_t absent[] = {7};
    o = tiny_opts();
    o.binarize = GV_PREP_CLASSES;
    o.positive = absent;
    o.npositive = 1;
    CHECK(gv_prep_run(&o, &r, &e) != GV_OK);
    CHECK(r.train == NULL && r.pca == NULL);
}

/* Labels that a valid IDX header does not make right: a class outside 0-9
 * (train or test file) names the file, the first bad row and its class and
 * says to fetch the file again; a train set whose labels are all +1 or all
 * -1 is refused with the likely cause (a corrupt file, a class list that
 * maps every class to +1, an unlucky small subset).  Nothing is left
 * allocated.  Without binarisation one class is fine. */
static void test_corrupt_labels(void)
{
    gv_err e = {0};
    gv_prep r;
    gv_prep_opts o = tiny_opts();
    o.labels[0] = F("bad-class.idx1");
    CHECK_FAILS(gv_prep_run(&o, &r, &e), GV_EFORMAT, e,
                "bad-class.idx1: row 4 has class 200, but Tiny's classes are 0-9 (rows outside "
                "them: 1 of 6): a corrupt labels file; fetch it again: bash data/fetch.sh");
    CHECK(r.train == NULL && r.test == NULL);
    o = tiny_opts();
    o.labels[1] = F("bad-class.idx1"); /* the test set's */
    CHECK_FAILS(gv_prep_run(&o, &r, &e), GV_EFORMAT, e, "bad-class.idx1: row 4 has class 200");
    CHECK(r.train == NULL && r.test == NULL && r.scaler == NULL);

    o = tiny_opts();
    o.labels[0] = F("bad-one-class.idx1");
    CHECK_FAILS(gv_prep_run(&o, &r, &e), GV_EINVAL, e,
                "Tiny train set: all 4 rows are labelled +1 (every row has class 4), so there is "
                "nothing to learn; a corrupt labels file; fetch it again");
    CHECK(r.train == NULL && r.test == NULL && r.scaler == NULL && r.pca == NULL);
    o.binarize = GV_PREP_NONE; /* classes only: nothing to refuse */
    CHECK_OK(gv_prep_run(&o, &r, &e), e);
    gv_prep_release(&r);

    int32_t all[] = {0, 1, 2, 4, 5, 9};
    o = tiny_opts();
    o.P = 0;
    o.binarize = GV_PREP_CLASSES;
    o.positive = all;
    o.npositive = 6;
    CHECK_FAILS(gv_prep_run(&o, &r, &e), GV_EINVAL, e,
                "Tiny train set: all 6 rows are labelled +1 (6 classes), so there is nothing to "
                "learn; list classes for +1 that leave some for -1");
    CHECK(r.train == NULL);

    o = tiny_opts();
    o.P = 2;
    o.seed = 1; /* rows of classes 5 and 9: both odd */
    CHECK_FAILS(gv_prep_run(&o, &r, &e), GV_EINVAL, e,
                "Tiny train set: all 2 rows are labelled -1 (2 classes), so there is nothing to "
                "learn; draw more rows (a larger P) or another seed");
    CHECK(r.train == NULL);
    o.seed = 0; /* classes 0 and 1 */
    CHECK_OK(gv_prep_run(&o, &r, &e), e);
    gv_prep_release(&r);
}

/* CIFAR-10 batches instead of IDX (cifar[0] set): the train batches concatenated in order
 * (tiny-cifar1: classes 0 3 9, tiny-cifar2: 1 8), the test batch on its own, the same steps
 * by hand; a missing batch is refused naming it. */
static void test_cifar(void)
{
    const char *train[] = {F("tiny-cifar1.bin"), F("tiny-cifar2.bin")};
    const char *test[] = {F("tiny-cifar1.bin.gz")};
    gv_prep_opts o;
    memset(&o, 0, sizeof o);
    o.cifar[0] = train;
    o.ncifar[0] = 2;
    o.cifar[1] = test;
    o.ncifar[1] = 1;
    o.title = "Tiny CIFAR";
    o.standardize = 1;
    o.k = 2;
    o.binarize = GV_PREP_PARITY;
    gv_prep r;
    gv_err e = {0};
    CHECK_OK(gv_prep_run(&o, &r, &e), e);
    CHECK(r.train && r.train->P == 5 && r.train->d == 2 && r.d0 == 3072);
    CHECK(r.test && r.test->P == 3 && strcmp(r.test->name, "Tiny CIFAR test") == 0);
    if (r.train && r.train->y) {
        static const int8_t want[] = {1, -1, -1, -1, 1}; /* classes 0 3 9 1 8 */
        CHECK(memcmp(r.train->y, want, sizeof want) == 0);
    }
    gv_data *tr = NULL;
    gv_scaler *s = NULL;
    gv_pca *p = NULL;
    CHECK_OK(gv_cifar_load(train, 2, &tr, &e), e);
    gv_data_set_name(tr, "Tiny CIFAR train");
    CHECK_OK(gv_scaler_fit(tr, &s, &e), e);
    CHECK_OK(gv_scaler_apply(s, tr, &e), e);
    CHECK_OK(gv_pca_fit(tr, 2, &p, &e), e);
    CHECK_OK(gv_pca_apply(p, tr, &e), e);
    CHECK_OK(gv_data_binarize_parity(tr, &e), e);
    CHECK(same_data(r.train, tr));
    /* Batches of the official set (equal_batches): tiny-cifar2 (2 rows) beside
     * tiny-cifar1 (3) is one cut short, refused naming it. */
    gv_prep r2;
    o.equal_batches = 1;
    CHECK(gv_prep_run(&o, &r2, &e) == GV_EFORMAT && strstr(e.msg, "tiny-cifar2.bin: 2 rows, but ")
          && strstr(e.msg, "tiny-cifar1.bin has 3") && strstr(e.msg, "cut short"));
    const char *same[] = {F("tiny-cifar1.bin"), F("tiny-cifar1.bin")};
    o.cifar[0] = same;
    CHECK_OK(gv_prep_run(&o, &r2, &e), e);
    gv_prep_release(&r2);
    gv_data_free(tr);
    gv_scaler_free(s);
    gv_pca_free(p);
    gv_prep_release(&r);
    const char *missing[] = {F("tiny-cifar1.bin"), F("no-such-batch.bin")};
    o.cifar[0] = missing;
    CHECK_FAILS(gv_prep_run(&o, &r, &e), GV_EIO, e, "no-such-batch.bin");
    CHECK(r.train == NULL && r.test == NULL);
}

int main(void)
{
    GV_RUN(test_same_as_by_hand);
    GV_RUN(test_options);
    GV_RUN(test_refusals);
    GV_RUN(test_corrupt_labels);
    GV_RUN(test_cifar);
    return GV_TEST_END();
}
