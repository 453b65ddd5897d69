/* gv_sched.h: schedules, the increasing step numbers at which something
 * happens (a measurement, a lag, a checkpoint).
 *
 * A schedule is an immutable, strictly increasing array of steps, built once
 * (log grid, linear grid, explicit list or union of schedules) and then only
 * read.  Materialising the steps keeps every query exact and cheap, and a
 * schedule is small: log grids have tens of points per decade, and building
 * more than GV_SCHED_MAX steps is refused (a linear grid of every step over
 * 10^9 steps is a mistake, not a measurement plan). */
#ifndef GV_SCHED_H
#define GV_SCHED_H

#include "gv_core.h"

#define GV_SCHED_MAX ((size_t)10000000)
#define GV_SCHED_MAX_PER_DECADE 10000 /* densest log grid (points per decade) */

typedef struct gv_sched gv_sched;

/* Log-spaced integers: the rounded values 10^(j/per_decade) (anchored at the
 * decades, so grids with the same density share points) that lie in
 * [first, last], plus first and last themselves, deduplicated.  Needs
 * 1 <= first <= last and per_decade > 0.  with_zero also puts step 0 first. */
gv_sched *gv_sched_log(uint64_t first, uint64_t last, double per_decade, int with_zero,
                       gv_err *e);
/* first, first+every, ... up to and including last (last itself is included
 * only when it is on the grid).  Needs first <= last and every >= 1. */
gv_sched *gv_sched_linear(uint64_t first, uint64_t last, uint64_t every, gv_err *e);
/* Any n >= 1 steps, in any order, duplicates allowed: sorted and deduplicated. */
gv_sched *gv_sched_list(const uint64_t *steps, size_t n, gv_err *e);
/* The sorted, deduplicated union of n >= 1 schedules. */
gv_sched *gv_sched_union(const gv_sched *const *parts, size_t n, gv_err *e);
gv_sched *gv_sched_copy(const gv_sched *s, gv_err *e);
void gv_sched_free(gv_sched *s);

size_t gv_sched_count(const gv_sched *s);
uint64_t gv_sched_at(const gv_sched *s, size_t i); /* i < count */
const uint64_t *gv_sched_steps(const gv_sched *s); /* count values, increasing */
uint64_t gv_sched_first(const gv_sched *s);
uint64_t gv_sched_last(const gv_sched *s);
/* Index of the first step >= step (count if none). */
size_t gv_sched_lower(const gv_sched *s, uint64_t step);
/* The first step > step, or GV_SCHED_NONE. */
#define GV_SCHED_NONE UINT64_MAX
uint64_t gv_sched_next_after(const gv_sched *s, uint64_t step);
/* Nonzero if step is one of the schedule's steps. */
int gv_sched_contains(const gv_sched *s, uint64_t step);
/* A short description for people: "log 1..100000 (10/decade, 51 steps)". */
const char *gv_sched_describe(const gv_sched *s);

#endif
