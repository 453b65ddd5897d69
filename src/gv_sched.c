/* gv_sched.c: schedules as materialised, strictly increasing step arrays. */
#include "gv_sched.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Steps are kept below 2^63 so that they fit a Lua integer and never collide
 * with the "no event" markers (UINT64_MAX). */
#define STEP_LIMIT ((uint64_t)1 << 63)

struct gv_sched {
    size_t n;
    uint64_t *steps;
    char desc[96];
};

static gv_sched *sched_new(size_t n, gv_err *e)
{
    if (n > GV_SCHED_MAX) {
        gv_fail(e, GV_EINVAL, "schedule: %zu steps is more than the limit of %zu; "
                              "use a coarser grid (larger 'every', fewer per decade)",
                n, GV_SCHED_MAX);
        return NULL;
    }
    gv_sched *s = calloc(1, sizeof *s);
    if (s) s->steps = malloc((n ? n : 1) * sizeof *s->steps);
    if (!s || !s->steps) {
        gv_sched_free(s);
        gv_fail(e, GV_ENOMEM, "schedule: cannot allocate %zu steps", n);
        return NULL;
    }
    s->n = n;
    return s;
}

void gv_sched_free(gv_sched *s)
{
    if (!s) return;
    free(s->steps);
    free(s);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Sort and deduplicate s->steps in place. */
static void sort_unique(gv_sched *s)
{
    if (s->n == 0) return;
    qsort(s->steps, s->n, sizeof *s->steps, cmp_u64);
    size_t k = 1;
    for (size_t i = 1; i < s->n; i++)
        if (s->steps[i] != s->steps[k - 1]) s->steps[k++] = s->steps[i];
    s->n = k;
}

static int too_large(uint64_t step) { return step >= STEP_LIMIT; }

gv_sched *gv_sched_log(uint64_t first, uint64_t last, double per_decade, int with_zero,
                       gv_err *e)
{
    if (first < 1)
        return gv_fail(e, GV_EINVAL, "schedule.log: 'first' must be >= 1 (a log grid cannot "
                                     "reach 0; use zero=true to add step 0), got %llu",
                       (unsigned long long)first), NULL;
    if (last < first)
        return gv_fail(e, GV_EINVAL, "schedule.log: 'last' (%llu) must be >= 'first' (%llu)",
                       (unsigned long long)last, (unsigned long long)first), NULL;
    if (too_large(last))
        return gv_fail(e, GV_EINVAL, "schedule.log: 'last' must be below 2^63"), NULL;
    if (!(per_decade > 0) || !isfinite(per_decade) || per_decade > GV_SCHED_MAX_PER_DECADE)
        return gv_fail(e, GV_EINVAL, "schedule.log: 'per_decade' must be in (0, %d], got %g",
                       GV_SCHED_MAX_PER_DECADE, per_decade), NULL;
    /* Exponents j with 10^(j/pd) in [first, last]; the ±1 margins are
     * trimmed by the range test below, so rounding in log10 cannot lose an
     * end point. */
    double jlo = floor(log10((double)first) * per_decade) - 1;
    double jhi = ceil(log10((double)last) * per_decade) + 1;
    double span = jhi - jlo + 1;
    if (span > (double)GV_SCHED_MAX)
        return gv_fail(e, GV_EINVAL, "schedule.log: %.0f points is more than the limit of %zu",
                       span, GV_SCHED_MAX), NULL;
    size_t cap = (size_t)span + 3;
    gv_sched *s = sched_new(cap, e);
    if (!s) return NULL;
    size_t k = 0;
    if (with_zero) s->steps[k++] = 0;
    s->steps[k++] = first;
    s->steps[k++] = last;
    for (double j = jlo; j <= jhi; j++) {
        double v = round(pow(10.0, j / per_decade));
        /* Compared as integers: (double)last rounds (10^18 - 1 to 10^18). */
        if (!(v < 0x1p63)) continue; /* past any step (last < 2^63) */
        uint64_t u = (uint64_t)v;
        if (u >= first && u <= last) s->steps[k++] = u;
    }
    s->n = k;
    sort_unique(s);
    snprintf(s->desc, sizeof s->desc, "log %s%llu..%llu (%g/decade, %zu steps)",
             with_zero ? "0," : "", (unsigned long long)first, (unsigned long long)last,
             per_decade, s->n);
    return s;
}

gv_sched *gv_sched_linear(uint64_t first, uint64_t last, uint64_t every, gv_err *e)
{
    if (every < 1)
        return gv_fail(e, GV_EINVAL, "schedule.linear: 'every' must be >= 1, got %llu",
                       (unsigned long long)every), NULL;
    if (last < first)
        return gv_fail(e, GV_EINVAL, "schedule.linear: 'last' (%llu) must be >= 'first' (%llu)",
                       (unsigned long long)last, (unsigned long long)first), NULL;
    if (too_large(last))
        return gv_fail(e, GV_EINVAL, "schedule.linear: 'last' must be below 2^63"), NULL;
    uint64_t n = (last - first) / every + 1;
    if (n > GV_SCHED_MAX)
        return gv_fail(e, GV_EINVAL, "schedule.linear: %llu steps is more than the limit of %zu; "
                                     "use a larger 'every'",
                       (unsigned long long)n, GV_SCHED_MAX), NULL;
    gv_sched *s = sched_new((size_t)n, e);
    if (!s) return NULL;
    for (uint64_t i = 0; i < n; i++) s->steps[i] = first + i * every;
    snprintf(s->desc, sizeof s->desc, "linear %llu..%llu every %llu (%zu steps)",
             (unsigned long long)first, (unsigned long long)last, (unsigned long long)every,
             s->n);
    return s;
}

gv_sched *gv_sched_list(const uint64_t *steps, size_t n, gv_err *e)
{
    if (n == 0) return gv_fail(e, GV_EINVAL, "schedule.list: the list is empty"), NULL;
    for (size_t i = 0; i < n; i++)
        if (too_large(steps[i]))
            return gv_fail(e, GV_EINVAL, "schedule.list: entry %zu (%llu) must be below 2^63",
                           i + 1, (unsigned long long)steps[i]), NULL;
    gv_sched *s = sched_new(n, e);
    if (!s) return NULL;
    memcpy(s->steps, steps, n * sizeof *steps);
    sort_unique(s);
    snprintf(s->desc, sizeof s->desc, "list %llu..%llu (%zu steps)",
             (unsigned long long)s->steps[0], (unsigned long long)s->steps[s->n - 1], s->n);
    return s;
}

gv_sched *gv_sched_union(const gv_sched *const *parts, size_t n, gv_err *e)
{
    if (n == 0) return gv_fail(e, GV_EINVAL, "schedule.union: no schedules given"), NULL;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (!parts[i]) return gv_fail(e, GV_EINVAL, "schedule.union: part %zu is missing", i + 1), NULL;
        total += parts[i]->n;
    }
    gv_sched *s = sched_new(total, e);
    if (!s) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(s->steps + k, parts[i]->steps, parts[i]->n * sizeof *s->steps);
        k += parts[i]->n;
    }
    sort_unique(s);
    snprintf(s->desc, sizeof s->desc, "union of %zu: %llu..%llu (%zu steps)", n,
             (unsigned long long)s->steps[0], (unsigned long long)s->steps[s->n - 1], s->n);
    return s;
}

gv_sched *gv_sched_copy(const gv_sched *src, gv_err *e)
{
    gv_sched *s = sched_new(src->n, e);
    if (!s) return NULL;
    memcpy(s->steps, src->steps, src->n * sizeof *s->steps);
    memcpy(s->desc, src->desc, sizeof s->desc);
    return s;
}

size_t gv_sched_count(const gv_sched *s) { return s->n; }
uint64_t gv_sched_at(const gv_sched *s, size_t i) { return s->steps[i]; }
const uint64_t *gv_sched_steps(const gv_sched *s) { return s->steps; }
uint64_t gv_sched_first(const gv_sched *s) { return s->steps[0]; }
uint64_t gv_sched_last(const gv_sched *s) { return s->steps[s->n - 1]; }
const char *gv_sched_describe(const gv_sched *s) { return s->desc; }

size_t gv_sched_lower(const gv_sched *s, uint64_t step)
{
    size_t lo = 0, hi = s->n; /* answer in [lo, hi] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->steps[mid] < step) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

uint64_t gv_sched_next_after(const gv_sched *s, uint64_t step)
{
    if (step == UINT64_MAX) return GV_SCHED_NONE;
    size_t i = gv_sched_lower(s, step + 1);
    return i < s->n ? s->steps[i] : GV_SCHED_NONE;
}

int gv_sched_contains(const gv_sched *s, uint64_t step)
{
    size_t i = gv_sched_lower(s, step);
    return i < s->n && s->steps[i] == step;
}
