/* Unit tests for gv_core: error messages, status names, NaN in messages, size
 * arithmetic. */
#include "gv_core.h"
#include "gv_test.h"

static void test_fail_formats_message(void)
{
    gv_err e = {0};
    gv_status s = gv_fail(&e, GV_EIO, "%s: %d bytes", "f.idx", 12);
    CHECK(s == GV_EIO);
    CHECK(e.status == GV_EIO);
    CHECK(strcmp(e.msg, "f.idx: 12 bytes") == 0);
    gv_fail_prefix(&e, "loading %s: ", "MNIST");
    CHECK(strcmp(e.msg, "loading MNIST: f.idx: 12 bytes") == 0);
    CHECK(gv_fail(NULL, GV_EINVAL, "x") == GV_EINVAL);
}

/* A prefix on a message near the limit keeps the prefix and truncates the tail. */
static void test_prefix_truncates_tail(void)
{
    gv_err e = {0};
    char long_msg[600];
    memset(long_msg, 'x', sizeof long_msg - 1);
    long_msg[sizeof long_msg - 1] = '\0';
    gv_fail(&e, GV_EFORMAT, "%s", long_msg);
    CHECK(strlen(e.msg) == GV_ERR_MAX - 1);
    gv_fail_prefix(&e, "file.idx: ");
    CHECK(strlen(e.msg) == GV_ERR_MAX - 1);
    CHECK(strncmp(e.msg, "file.idx: xxx", 13) == 0);
    CHECK(e.status == GV_EFORMAT);
}

static void test_status_names(void)
{
    CHECK(strcmp(gv_status_name(GV_OK), "OK") == 0);
    CHECK(strcmp(gv_status_name(GV_ENAN), "ENAN") == 0);
}

/* A NaN with its sign bit set prints as "nan" after gv_plain_nan, never as
 * glibc's "-nan"; other values (-0.0 included) are untouched. */
static void test_plain_nan(void)
{
    char buf[64];
    double neg = copysign(NAN, -1.0);
    snprintf(buf, sizeof buf, "%g %.14g", gv_plain_nan(neg), gv_plain_nan(-neg));
    CHECK_MSG(strcmp(buf, "nan nan") == 0, "%s", buf);
    CHECK(!signbit(gv_plain_nan(neg)));
    CHECK(gv_plain_nan(-1.5) == -1.5 && gv_plain_nan(INFINITY) == INFINITY);
    CHECK(signbit(gv_plain_nan(-0.0)));
}

static void test_mul_size(void)
{
    size_t r;
    CHECK(gv_mul_size(3, 4, &r) == 0 && r == 12);
    CHECK(gv_mul_size(SIZE_MAX / 2, 3, &r) == -1);
    CHECK(gv_mul_size(0, SIZE_MAX, &r) == 0 && r == 0);
}

static void test_interrupt_flag(void)
{
    CHECK(!gv_interrupt_pending());
    gv_interrupt_request();
    CHECK(gv_interrupt_pending());
    gv_interrupt_clear();
    CHECK(!gv_interrupt_pending());
}

static void test_threads(void)
{
    gv_threads_set(1);
    CHECK(gv_threads() == 1);
    gv_threads_set(0);
    CHECK(gv_threads() >= 1);
}

int main(void)
{
    GV_RUN(test_fail_formats_message);
    GV_RUN(test_prefix_truncates_tail);
    GV_RUN(test_status_names);
    GV_RUN(test_plain_nan);
    GV_RUN(test_mul_size);
    GV_RUN(test_interrupt_flag);
    GV_RUN(test_threads);
    return GV_TEST_END();
}
