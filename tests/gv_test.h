/* gv_test.h: a minimal unit-test harness for the engine's C tests.
 * Each test file defines test functions and a main() that runs them with
 * GV_RUN(fn); the exit status is non-zero if any check failed. */
#ifndef GV_TEST_H
#define GV_TEST_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int gv_test_failures = 0, gv_test_checks = 0;

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        gv_test_checks++;                                                                  \
        if (!(cond)) {                                                                     \
            gv_test_failures++;                                                            \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);      \
        }                                                                                  \
    } while (0)

#define CHECK_MSG(cond, ...)                                                               \
    do {                                                                                   \
        gv_test_checks++;                                                                  \
        if (!(cond)) {                                                                     \
            gv_test_failures++;                                                            \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);      \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fputc('\n', stderr);                                                           \
        }                                                                                  \
    } while (0)

/* |a - b| <= tol (absolute). */
#define CHECK_NEAR(a, b, tol)                                                              \
    do {                                                                                   \
        double a_ = (a), b_ = (b), t_ = (tol);                                             \
        gv_test_checks++;                                                                  \
        if (!(fabs(a_ - b_) <= t_)) {                                                      \
            gv_test_failures++;                                                            \
            fprintf(stderr, "%s:%d: %s = %.17g, %s = %.17g, |diff| %.3g > %.3g\n",         \
                    __FILE__, __LINE__, #a, a_, #b, b_, fabs(a_ - b_), t_);                \
        }                                                                                  \
    } while (0)

/* The status is GV_OK, else print the engine's message. */
#define CHECK_OK(expr, err)                                                                \
    do {                                                                                   \
        gv_status s_ = (expr);                                                             \
        gv_test_checks++;                                                                  \
        if (s_ != GV_OK) {                                                                 \
            gv_test_failures++;                                                            \
            fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #expr,           \
                    (err).msg);                                                            \
        }                                                                                  \
    } while (0)

/* The call fails with the given status and its message contains `needle`. */
#define CHECK_FAILS(expr, status, err, needle)                                             \
    do {                                                                                   \
        (err).msg[0] = '\0';                                                               \
        gv_status s_ = (expr);                                                             \
        gv_test_checks++;                                                                  \
        if (s_ != (status) || !strstr((err).msg, (needle))) {                              \
            gv_test_failures++;                                                            \
            fprintf(stderr, "%s:%d: %s: expected %s with \"%s\", got %s: \"%s\"\n",        \
                    __FILE__, __LINE__, #expr, gv_status_name(status), (needle),           \
                    gv_status_name(s_), (err).msg);                                        \
        }                                                                                  \
    } while (0)

#define GV_RUN(fn)                                                                         \
    do {                                                                                   \
        int before_ = gv_test_failures;                                                    \
        fn();                                                                              \
        fprintf(stderr, "%-40s %s\n", #fn, gv_test_failures == before_ ? "ok" : "FAILED"); \
    } while (0)

#define GV_TEST_END()                                                                      \
    (fprintf(stderr, "%d checks, %d failed\n", gv_test_checks, gv_test_failures),          \
     gv_test_failures != 0)

#endif
