/* test_gv_cifar.c: the CIFAR-10 binary loader on the fixtures in tests/data
 * (rows of 1 class byte + 3072 pixels; pixel j of row i of a fixture is
 * (offset + 7 i + j) mod 256). */
#include "gv_data.h"
#include "gv_test.h"

static const char *F(const char *name)
{
    static char buf[4][1024];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof buf[i], "%s/%s", GV_TEST_DATA, name);
    return buf[i];
}

/* Rows [r0, r0 + n) of d hold the pattern with offset and row numbers from 0. */
static int pattern(const gv_data *d, size_t r0, size_t n, int offset)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < 3072; j++)
            if (d->X[(r0 + i) * 3072 + j] != (float)((offset + 7 * i + j) % 256)) return 0;
    return 1;
}

static void test_batches(void)
{
    gv_err e = {0};
    gv_data *d = NULL;
    const char *one[] = {F("tiny-cifar1.bin")};
    CHECK_OK(gv_cifar_load(one, 1, &d, &e), e);
    if (d) {
        CHECK(d->P == 3 && d->d == 3072);
        CHECK(d->cls[0] == 0 && d->cls[1] == 3 && d->cls[2] == 9);
        CHECK(pattern(d, 0, 3, 0));
        CHECK(strcmp(d->name, "tiny-cifar1.bin") == 0);
    }
    gv_data_free(d);
    const char *gz[] = {F("tiny-cifar1.bin.gz")};
    CHECK_OK(gv_cifar_load(gz, 1, &d, &e), e);
    if (d) CHECK(d->P == 3 && pattern(d, 0, 3, 0) && d->cls[2] == 9);
    gv_data_free(d);
    /* Two batches are concatenated in order. */
    const char *two[] = {F("tiny-cifar1.bin"), F("tiny-cifar2.bin")};
    CHECK_OK(gv_cifar_load(two, 2, &d, &e), e);
    if (d) {
        CHECK(d->P == 5);
        CHECK(d->cls[3] == 1 && d->cls[4] == 8);
        CHECK(pattern(d, 0, 3, 0) && pattern(d, 3, 2, 100));
    }
    gv_data_free(d);
}

static void bad(const char *file, gv_status want, const char *needle)
{
    gv_err e = {0};
    gv_data *d = (gv_data *)&e;
    const char *paths[] = {F("tiny-cifar1.bin"), F(file)}; /* fails on the second */
    CHECK_FAILS(gv_cifar_load(paths, 2, &d, &e), want, e, needle);
    CHECK(d == NULL);
    CHECK_MSG(strstr(e.msg, file) != NULL, "message lacks the file name: %s", e.msg);
}

static void test_bad_files(void)
{
    bad("bad-cifar-truncated.bin", GV_EFORMAT, "not a whole number of CIFAR-10 rows");
    bad("bad-cifar-label.bin", GV_EFORMAT, "row 2 has class byte 12");
    bad("empty.dat", GV_EFORMAT, "empty file");
    bad("no-such.bin", GV_EIO, "cannot open");
    bad("bad-truncated.idx3.gz", GV_EFORMAT, "ends early");
    /* A gzip file whose content is not whole rows. */
    bad("tiny-images.idx3.gz", GV_EFORMAT, "after decompression is not a whole number");
    gv_err e = {0};
    gv_data *d;
    CHECK_FAILS(gv_cifar_load(NULL, 0, &d, &e), GV_EINVAL, e, "no batch files");
}

int main(void)
{
    GV_RUN(test_batches);
    GV_RUN(test_bad_files);
    return GV_TEST_END();
}
