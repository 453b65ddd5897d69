/* test_gv_idx.c: the IDX loader on the fixtures in tests/data (made by
 * tests/data/make_fixtures.py): plain and gzip files, every element type
 * used, and one test per kind of bad file. */
#include "gv_data.h"
#include "gv_test.h"

#include <stdlib.h>

/* Path of a fixture; four rotating buffers so two can be used in one call. */
static const char *F(const char *name)
{
    static char buf[4][1024];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof buf[i], "%s/%s", GV_TEST_DATA, name);
    return buf[i];
}

static const int32_t tiny_classes[6] = {5, 0, 4, 1, 9, 2};

static void check_tiny(const gv_data *d)
{
    CHECK(d->P == 6 && d->d == 6);
    int same = 1;
    for (size_t i = 0; i < 6; i++)
        for (size_t j = 0; j < 6; j++)
            if (d->X[i * 6 + j] != (float)(10 * i + j)) same = 0;
    CHECK(same);
    for (size_t i = 0; i < 6; i++) CHECK(d->cls[i] == tiny_classes[i]);
    CHECK(d->y == NULL);
}

static void test_plain_and_gzip(void)
{
    gv_err e = {0};
    gv_data *d = NULL;
    CHECK_OK(gv_idx_load(F("tiny-images.idx3"), F("tiny-labels.idx1"), &d, &e), e);
    if (d) {
        check_tiny(d);
        CHECK(strcmp(d->name, "tiny-images.idx3") == 0);
    }
    gv_data_free(d);
    CHECK_OK(gv_idx_load(F("tiny-images.idx3.gz"), F("tiny-labels.idx1.gz"), &d, &e), e);
    if (d) check_tiny(d);
    gv_data_free(d);
    CHECK_OK(gv_idx_load(F("tiny-images.idx3.gz"), F("tiny-labels.idx1"), &d, &e), e);
    if (d) check_tiny(d);
    gv_data_free(d);
}

static void test_element_types(void)
{
    gv_err e = {0};
    gv_idx x;
    CHECK_OK(gv_idx_read(F("tiny-f32.idx2"), &x, &e), e);
    const double want[12] = {0.5, -1.25, 3.0, 1e-3, 2.0, -7.5, 100.0, 0.0, 0.25, -0.125, 9.0, 4.5};
    CHECK(x.type == 0x0D && x.ndim == 2 && x.dims[0] == 4 && x.dims[1] == 3 && x.count == 12);
    /* float32 values compared after rounding the expectations to float. */
    for (int i = 0; i < 12 && x.v; i++) CHECK(x.v[i] == (double)(float)want[i]);
    gv_idx_release(&x);
    gv_idx_release(&x); /* idempotent */
    CHECK_OK(gv_idx_read(F("tiny-i16.idx1"), &x, &e), e);
    CHECK(x.type == 0x0B && x.count == 4);
    if (x.v) CHECK(x.v[0] == 7 && x.v[1] == -2 && x.v[2] == 300 && x.v[3] == 0);
    gv_idx_release(&x);

    gv_data *d = NULL;
    CHECK_OK(gv_idx_load(F("tiny-f32.idx2"), F("tiny-i16.idx1"), &d, &e), e);
    if (d) {
        CHECK(d->P == 4 && d->d == 3);
        CHECK(d->X[1] == -1.25f && d->X[5] == -7.5f && d->X[11] == 4.5f);
        CHECK(d->cls[0] == 7 && d->cls[1] == -2 && d->cls[2] == 300);
    }
    gv_data_free(d);
}

/* Each bad file fails with a message that names the file and the problem;
 * out stays NULL.  The huge headers would need terabytes if believed: they
 * fail as EFORMAT (not ENOMEM), so nothing of their claimed size was
 * allocated. */
static void bad(const char *images, const char *labels, gv_status want, const char *needle)
{
    gv_err e = {0};
    gv_data *d = (gv_data *)&e; /* must be reset to NULL */
    const char *pi = F(images), *pl = F(labels);
    CHECK_FAILS(gv_idx_load(pi, pl, &d, &e), want, e, needle);
    CHECK(d == NULL);
    /* The message names the offending file. */
    const char *culprit = strstr(e.msg, labels) && !strstr(e.msg, images) ? labels : images;
    CHECK_MSG(strstr(e.msg, culprit) != NULL, "message lacks the file name: %s", e.msg);
}

static void test_bad_files(void)
{
    bad("bad-magic.idx3", "tiny-labels.idx1", GV_EFORMAT, "not an IDX file");
    bad("bad-truncated.idx3", "tiny-labels.idx1", GV_EFORMAT, "truncated");
    bad("bad-truncated.idx3", "tiny-labels.idx1", GV_EFORMAT, "30 bytes of data");
    bad("bad-extra.idx3", "tiny-labels.idx1", GV_EFORMAT, "extra bytes");
    bad("bad-header.idx3", "tiny-labels.idx1", GV_EFORMAT, "truncated IDX header");
    bad("tiny-images.idx3", "bad-count.idx1", GV_EFORMAT, "5 labels");
    bad("tiny-images.idx3", "bad-float-labels.idx1", GV_EFORMAT, "labels must be integers");
    bad("bad-huge.idx3", "tiny-labels.idx1", GV_EFORMAT, "promises 3136000000000");
    bad("bad-huge.idx3.gz", "tiny-labels.idx1", GV_EFORMAT, "100 bytes of data after decompression");
    bad("bad-overflow.idx3", "tiny-labels.idx1", GV_EFORMAT, "overflow");
    bad("bad-truncated.idx3.gz", "tiny-labels.idx1", GV_EFORMAT, "ends early");
    bad("bad-corrupt.idx3.gz", "tiny-labels.idx1", GV_EFORMAT, "corrupt gzip");
    bad("bad-crc.idx3.gz", "tiny-labels.idx1", GV_EFORMAT, "corrupt gzip");
    bad("empty.dat", "tiny-labels.idx1", GV_EFORMAT, "empty file");
    bad("tiny-images.idx3", "empty.dat", GV_EFORMAT, "empty file");
    bad("no-such-file.idx3", "tiny-labels.idx1", GV_EIO, "cannot open");
    bad("tiny-images.idx3", "no-such-labels.idx1", GV_EIO, "No such file");
    /* a float64 value past float32's range (inf as float32) */
    bad("bad-f32-range.idx2", "tiny-labels.idx1", GV_ENAN,
        "image 4, value 1 is -1e+300, out of float32 range");

    gv_err e = {0};
    gv_idx x;
    CHECK_FAILS(gv_idx_read(GV_TEST_DATA, &x, &e), GV_EIO, e, "not a regular file");
    CHECK(x.v == NULL);
    CHECK_FAILS(gv_idx_read(F("bad-huge.idx3.gz"), &x, &e), GV_EFORMAT, e, "bad-huge.idx3.gz");
}

int main(void)
{
    GV_RUN(test_plain_and_gzip);
    GV_RUN(test_element_types);
    GV_RUN(test_bad_files);
    return GV_TEST_END();
}
