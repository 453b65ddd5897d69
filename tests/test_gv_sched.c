/* Unit tests for gv_sched: log, linear, list and union schedules, queries,
 * and the refusals of invalid or oversized grids. */
#include "gv_sched.h"
#include "gv_test.h"

#include <stdlib.h>

static int increasing(const gv_sched *s)
{
    for (size_t i = 1; i < gv_sched_count(s); i++)
        if (gv_sched_at(s, i) <= gv_sched_at(s, i - 1)) return 0;
    return 1;
}

static void test_log(void)
{
    gv_err e = {0};
    gv_sched *s = gv_sched_log(1, 100000, 10, 0, &e);
    CHECK(s != NULL);
    if (!s) return;
    CHECK(increasing(s));
    CHECK(gv_sched_first(s) == 1);
    CHECK(gv_sched_last(s) == 100000);
    /* Decades are on the grid (anchored at powers of ten). */
    CHECK(gv_sched_contains(s, 10) && gv_sched_contains(s, 100) && gv_sched_contains(s, 1000));
    /* 10/decade over 5 decades: 51 exponents, of which the first few
     * round to the same integers (1,1,2,2,3,3,...): 48 distinct. */
    CHECK_MSG(gv_sched_count(s) == 48, "count %zu", gv_sched_count(s));
    /* Each value is the rounded 10^(j/10). */
    CHECK(gv_sched_contains(s, 126) && gv_sched_contains(s, 158) && gv_sched_contains(s, 79433));
    gv_sched_free(s);

    /* First and last are included even off the grid; zero on request. */
    s = gv_sched_log(7, 1234, 4, 1, &e);
    CHECK(s && gv_sched_at(s, 0) == 0 && gv_sched_at(s, 1) == 7 && gv_sched_last(s) == 1234);
    CHECK(s && increasing(s));
    /* 10^(j/4) in [7, 1234]: 10, 18, 32, 56, 100, 178, 316, 562, 1000. */
    CHECK(s && gv_sched_count(s) == 12);
    gv_sched_free(s);

    s = gv_sched_log(5, 5, 10, 0, &e);
    CHECK(s && gv_sched_count(s) == 1 && gv_sched_at(s, 0) == 5);
    gv_sched_free(s);

    /* Fractional density: one point per two decades. */
    s = gv_sched_log(1, 10000, 0.5, 0, &e);
    CHECK(s && gv_sched_count(s) == 3 && gv_sched_contains(s, 100));
    gv_sched_free(s);

    /* The grid is compared with first and last as integers: (double)(10^18 - 1)
     * is 10^18, which was kept, past last.  The top of the range likewise. */
    s = gv_sched_log(1, 999999999999999999ULL, 1, 0, &e);
    CHECK(s && gv_sched_last(s) == 999999999999999999ULL && gv_sched_count(s) == 19);
    CHECK(s && !gv_sched_contains(s, 1000000000000000000ULL));
    gv_sched_free(s);
    s = gv_sched_log(1, INT64_MAX, 1 / log10(0x1p63), 0, &e);
    CHECK(s && gv_sched_last(s) == INT64_MAX && gv_sched_count(s) == 2);
    gv_sched_free(s);

    CHECK_FAILS((s = gv_sched_log(0, 10, 10, 0, &e), s ? GV_OK : e.status), GV_EINVAL, e, "'first' must be >= 1");
    CHECK_FAILS((s = gv_sched_log(10, 5, 10, 0, &e), s ? GV_OK : e.status), GV_EINVAL, e, "'last' (5)");
    CHECK_FAILS((s = gv_sched_log(1, 5, 0, 0, &e), s ? GV_OK : e.status), GV_EINVAL, e, "per_decade");
    CHECK_FAILS((s = gv_sched_log(1, 5, NAN, 0, &e), s ? GV_OK : e.status), GV_EINVAL, e, "per_decade");
}

static void test_linear(void)
{
    gv_err e = {0};
    gv_sched *s = gv_sched_linear(0, 10, 3, &e);
    CHECK(s && gv_sched_count(s) == 4 && gv_sched_at(s, 3) == 9);
    gv_sched_free(s);
    s = gv_sched_linear(5, 5, 1, &e);
    CHECK(s && gv_sched_count(s) == 1);
    gv_sched_free(s);
    CHECK_FAILS((s = gv_sched_linear(0, 10, 0, &e), s ? GV_OK : e.status), GV_EINVAL, e, "'every'");
    CHECK_FAILS((s = gv_sched_linear(0, 1000000000, 1, &e), s ? GV_OK : e.status), GV_EINVAL, e,
                "more than the limit");
}

static void test_list_union_queries(void)
{
    gv_err e = {0};
    uint64_t v[] = {50, 3, 20, 3, 0, 50};
    gv_sched *a = gv_sched_list(v, 6, &e);
    CHECK(a && gv_sched_count(a) == 4);
    CHECK(a && gv_sched_at(a, 0) == 0 && gv_sched_at(a, 1) == 3 && gv_sched_at(a, 3) == 50);
    gv_sched *b = gv_sched_linear(10, 40, 10, &e);
    const gv_sched *parts[] = {a, b};
    gv_sched *u = gv_sched_union(parts, 2, &e);
    /* {0,3,20,50} ∪ {10,20,30,40} */
    CHECK(u && gv_sched_count(u) == 7 && increasing(u));
    if (u) {
        CHECK(gv_sched_lower(u, 0) == 0);
        CHECK(gv_sched_lower(u, 4) == 2);    /* first >= 4 is 10 */
        CHECK(gv_sched_lower(u, 51) == 7);   /* none */
        CHECK(gv_sched_next_after(u, 3) == 10);
        CHECK(gv_sched_next_after(u, 2) == 3);
        CHECK(gv_sched_next_after(u, 50) == GV_SCHED_NONE);
        CHECK(gv_sched_contains(u, 30) && !gv_sched_contains(u, 31));
    }
    gv_sched *c = u ? gv_sched_copy(u, &e) : NULL;
    CHECK(c && gv_sched_count(c) == 7 && gv_sched_at(c, 6) == 50);
    gv_sched_free(a);
    gv_sched_free(b);
    gv_sched_free(u);
    gv_sched_free(c);
    gv_sched *s;
    CHECK_FAILS((s = gv_sched_list(v, 0, &e), s ? GV_OK : e.status), GV_EINVAL, e, "empty");
    uint64_t big[] = {1, UINT64_MAX};
    CHECK_FAILS((s = gv_sched_list(big, 2, &e), s ? GV_OK : e.status), GV_EINVAL, e, "entry 2");
    CHECK_FAILS((s = gv_sched_union(NULL, 0, &e), s ? GV_OK : e.status), GV_EINVAL, e, "no schedules");
    gv_sched_free(NULL); /* no-op */
}

int main(void)
{
    GV_RUN(test_log);
    GV_RUN(test_linear);
    GV_RUN(test_list_union_queries);
    return GV_TEST_END();
}
