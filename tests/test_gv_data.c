/* test_gv_data.c: dataset allocation, copies, counts and the shared file
 * reader (plain and gzip, bounded growth). */
#include "gv_data.h"
#include "gv_test.h"

#include <stdint.h>
#include <stdlib.h>

static const char *F(const char *name)
{
    static char buf[4][1024];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof buf[i], "%s/%s", GV_TEST_DATA, name);
    return buf[i];
}

static void test_alloc_copy(void)
{
    gv_err e = {0};
    gv_data *x = gv_data_alloc(3, 2, "x", &e);
    CHECK(x && x->P == 3 && x->d == 2 && x->y == NULL && strcmp(x->name, "x") == 0);
    if (!x) return;
    CHECK(x->X[5] == 0 && x->cls[2] == 0); /* zeroed */
    for (int i = 0; i < 6; i++) x->X[i] = (float)i;
    x->cls[0] = 3; x->cls[1] = 1; x->cls[2] = 3;
    x->y = malloc(3);
    x->y[0] = 1; x->y[1] = -1; x->y[2] = 1;

    gv_data *c = gv_data_copy(x, NULL, &e);
    CHECK(c && strcmp(c->name, "x") == 0);
    if (c) {
        CHECK(memcmp(c->X, x->X, 6 * sizeof(float)) == 0 && c->y && c->y[1] == -1);
        c->X[0] = 99; c->y[0] = -1; c->cls[0] = 7; /* deep: x unchanged */
        CHECK(x->X[0] == 0 && x->y[0] == 1 && x->cls[0] == 3);
        gv_data_set_name(c, c->name); /* overlapping source is fine */
        CHECK(strcmp(c->name, "x") == 0);
        gv_data_set_name(c, "renamed");
        CHECK(strcmp(c->name, "renamed") == 0);
    }
    int32_t cl[4] = {0};
    CHECK(gv_data_classes(x, cl, 4) == 2 && cl[0] == 1 && cl[1] == 3);
    CHECK(gv_data_classes(x, NULL, 0) == 2);
    size_t pos, neg;
    gv_data_label_counts(x, &pos, &neg);
    CHECK(pos == 2 && neg == 1);
    gv_data_free(c);
    gv_data_free(x);
    gv_data_free(NULL);

    /* A size whose byte count overflows is refused before any allocation. */
    CHECK(gv_data_alloc(SIZE_MAX / 2, 4, "huge", &e) == NULL);
    CHECK(e.status == GV_ENOMEM && strstr(e.msg, "huge") && strstr(e.msg, "too large"));
}

static void test_many_classes(void)
{
    /* More than the small sorted set holds: counted by sorting. */
    gv_err e = {0};
    gv_data *x = gv_data_alloc(5000, 1, "many", &e);
    for (int i = 0; i < 5000; i++) x->cls[i] = (i * 7919) % 2000 - 1000;
    int32_t cl[3];
    CHECK(gv_data_classes(x, cl, 3) == 2000);
    CHECK(cl[0] == -1000 && cl[1] == -999 && cl[2] == -998);
    gv_data_free(x);
}

static void test_file_reader(void)
{
    gv_err e = {0};
    unsigned char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    gv_file *f = gv_file_open(F("tiny-cifar1.bin"), &e);
    CHECK(f && !gv_file_compressed(f) && gv_file_disk_size(f) == 3 * GV_CIFAR_ROW);
    if (f) CHECK_OK(gv_file_read_all(f, UINT64_MAX, "x", &a, &na, &e), e);
    gv_file_close(f);
    f = gv_file_open(F("tiny-cifar1.bin.gz"), &e);
    CHECK(f && gv_file_compressed(f));
    if (f) CHECK_OK(gv_file_read_all(f, UINT64_MAX, "x", &b, &nb, &e), e);
    gv_file_close(f);
    CHECK(na == 3 * GV_CIFAR_ROW && nb == na && a && b && memcmp(a, b, na) == 0);
    free(a);
    free(b);

    /* The cap: more decompressed bytes than allowed is an error, plain or gzip. */
    const char *names[2] = {"tiny-cifar1.bin", "tiny-cifar1.bin.gz"};
    for (int i = 0; i < 2; i++) {
        f = gv_file_open(F(names[i]), &e);
        CHECK_FAILS(gv_file_read_all(f, 1000, "the test allows", &a, &na, &e), GV_EFORMAT, e,
                    "more data than the test allows (1000 bytes)");
        CHECK(a == NULL);
        gv_file_close(f);
    }
    /* Exactly at the cap is fine. */
    f = gv_file_open(F("tiny-cifar1.bin.gz"), &e);
    CHECK_OK(gv_file_read_all(f, 3 * GV_CIFAR_ROW, "x", &a, &na, &e), e);
    CHECK(na == 3 * GV_CIFAR_ROW);
    free(a);
    gv_file_close(f);
    gv_file_close(NULL);

    CHECK(gv_file_open(F("nope"), &e) == NULL && e.status == GV_EIO && strstr(e.msg, "nope"));
}

int main(void)
{
    GV_RUN(test_alloc_copy);
    GV_RUN(test_many_classes);
    GV_RUN(test_file_reader);
    return GV_TEST_END();
}
