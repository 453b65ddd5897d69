/* gv_ensemble.c: R replicas of one landscape, the run loop that advances
 * them between hook events, and the ensemble file format. */
#define _POSIX_C_SOURCE 200809L /* fsync, fileno */

#include "gv_ensemble.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "gv_integ.h"
#include "gv_landscape.h"

#define REASON_MAX 112            /* bytes of a lost replica's reason, NUL included */
#define STEP_LIMIT ((uint64_t)1 << 48) /* the RNG's step range (gv_rng.h) */

struct gv_ensemble {
    const gv_landscape *land;
    size_t R, N;
    uint64_t seed, step;
    uint32_t first;
    double *w;                    /* R × N, replica r at w + r·N */
    unsigned char *lost;          /* R flags */
    uint64_t *lost_step;          /* R */
    char (*reason)[REASON_MAX];   /* R */
    size_t nlost;
    gv_landscape_work *evalws;    /* full-batch workspace for gv_ensemble_eval */
    int eval_threads;
};

/* ---- life cycle ---------------------------------------------------------- */

static gv_ensemble *ens_new(const gv_landscape *land, size_t R, uint64_t seed, uint32_t first,
                            gv_err *e)
{
    if (!land) {
        gv_fail(e, GV_EINVAL, "ensemble: a landscape is required");
        return NULL;
    }
    if (R == 0) {
        gv_fail(e, GV_EINVAL, "ensemble: replicas must be at least 1");
        return NULL;
    }
    if ((uint64_t)R - 1 > (uint64_t)UINT32_MAX - first) {
        gv_fail(e, GV_EINVAL, "ensemble: replica ids first_replica + r must fit in 32 bits "
                "(first_replica = %u, replicas = %zu)", first, R);
        return NULL;
    }
    size_t N = gv_landscape_nweights(land), RN, bytes;
    if (gv_mul_size(R, N, &RN) || gv_mul_size(RN, sizeof(double), &bytes)) {
        gv_fail(e, GV_ENOMEM, "ensemble: %zu replicas × %zu weights is too large", R, N);
        return NULL;
    }
    gv_ensemble *ens = calloc(1, sizeof *ens);
    if (!ens) goto oom;
    ens->land = land;
    ens->R = R;
    ens->N = N;
    ens->seed = seed;
    ens->first = first;
    ens->w = malloc(bytes);
    ens->lost = calloc(R, 1);
    ens->lost_step = calloc(R, sizeof *ens->lost_step);
    ens->reason = calloc(R, sizeof *ens->reason);
    if (!ens->w || !ens->lost || !ens->lost_step || !ens->reason) goto oom;
    return ens;
oom:
    gv_ensemble_free(ens);
    gv_fail(e, GV_ENOMEM, "ensemble: cannot allocate %zu replicas × %zu weights", R, N);
    return NULL;
}

gv_ensemble *gv_ensemble_alloc(const gv_landscape *land, size_t R, uint64_t seed,
                               uint32_t first_replica, gv_err *e)
{
    gv_ensemble *ens = ens_new(land, R, seed, first_replica, e);
    if (!ens) return NULL;
    for (size_t r = 0; r < R; r++)
        gv_landscape_init(land, seed, first_replica + (uint32_t)r, ens->w + r * ens->N);
    return ens;
}

void gv_ensemble_free(gv_ensemble *ens)
{
    if (!ens) return;
    free(ens->w);
    free(ens->lost);
    free(ens->lost_step);
    free(ens->reason);
    gv_landscape_work_free(ens->evalws);
    free(ens);
}

gv_ensemble *gv_ensemble_clone(const gv_ensemble *ens, gv_err *e)
{
    gv_ensemble *c = ens_new(ens->land, ens->R, ens->seed, ens->first, e);
    if (!c) return NULL;
    memcpy(c->w, ens->w, ens->R * ens->N * sizeof *c->w);
    memcpy(c->lost, ens->lost, ens->R);
    memcpy(c->lost_step, ens->lost_step, ens->R * sizeof *c->lost_step);
    memcpy(c->reason, ens->reason, ens->R * sizeof *c->reason);
    c->nlost = ens->nlost;
    c->step = ens->step;
    return c;
}

/* ---- accessors (the contract of gv_ensemble.h) --------------------------- */

size_t gv_ensemble_size(const gv_ensemble *ens) { return ens->R; }
size_t gv_ensemble_nweights(const gv_ensemble *ens) { return ens->N; }
uint64_t gv_ensemble_step(const gv_ensemble *ens) { return ens->step; }
uint64_t gv_ensemble_seed(const gv_ensemble *ens) { return ens->seed; }
const double *gv_ensemble_weights(const gv_ensemble *ens, size_t r) { return ens->w + r * ens->N; }
int gv_ensemble_lost(const gv_ensemble *ens, size_t r) { return ens->lost[r]; }
size_t gv_ensemble_nlost(const gv_ensemble *ens) { return ens->nlost; }
size_t gv_ensemble_ngroups(const gv_ensemble *ens) { return gv_landscape_ngroups(ens->land); }

void gv_ensemble_group(const gv_ensemble *ens, size_t g, size_t *offset, size_t *count)
{
    gv_landscape_group(ens->land, g, offset, count);
}

const gv_landscape *gv_ensemble_landscape(const gv_ensemble *ens) { return ens->land; }
uint32_t gv_ensemble_first_replica(const gv_ensemble *ens) { return ens->first; }
uint64_t gv_ensemble_lost_step(const gv_ensemble *ens, size_t r) { return ens->lost_step[r]; }
const char *gv_ensemble_lost_reason(const gv_ensemble *ens, size_t r)
{
    return ens->lost[r] ? ens->reason[r] : "";
}

gv_status gv_ensemble_eval(gv_ensemble *ens, size_t r, double lambda, gv_eval *out, gv_err *e)
{
    if (r >= ens->R)
        return gv_fail(e, GV_EINVAL, "ensemble eval: replica %zu is out of range (%zu replicas)", r,
                       ens->R);
    /* One full-batch workspace, rebuilt when the thread count changes. */
    int nt = gv_threads();
    if (!ens->evalws || ens->eval_threads != nt) {
        gv_landscape_work_free(ens->evalws);
        ens->evalws = gv_landscape_work_alloc(ens->land, gv_landscape_P(ens->land), nt, e);
        if (!ens->evalws) return e ? e->status : GV_ENOMEM;
        ens->eval_threads = nt;
    }
    return gv_landscape_eval(ens->land, ens->evalws, ens->w + r * ens->N, NULL, 0, lambda, NULL,
                             out, e);
}

gv_status gv_ensemble_set_weights(gv_ensemble *ens, size_t r, const double *w, gv_err *e)
{
    if (r >= ens->R)
        return gv_fail(e, GV_EINVAL, "ensemble: replica %zu is out of range (%zu replicas)", r, ens->R);
    for (size_t i = 0; i < ens->N; i++)
        if (!isfinite(w[i]))
            return gv_fail(e, GV_ENAN, "ensemble: weight %zu of replica %zu is %g; weights must be finite",
                           i, r, w[i]);
    memcpy(ens->w + r * ens->N, w, ens->N * sizeof *w);
    if (ens->lost[r]) {
        ens->lost[r] = 0;
        ens->lost_step[r] = 0;
        ens->reason[r][0] = '\0';
        ens->nlost--;
    }
    return GV_OK;
}

gv_status gv_ensemble_set_step(gv_ensemble *ens, uint64_t step, gv_err *e)
{
    if (step >= STEP_LIMIT)
        return gv_fail(e, GV_EINVAL, "ensemble: step %llu is beyond the supported range (< 2^48)",
                       (unsigned long long)step);
    ens->step = step;
    return GV_OK;
}

static void mark_lost(gv_ensemble *ens, size_t r, uint64_t step, const char *why)
{
    if (ens->lost[r]) return;
    ens->lost[r] = 1;
    ens->lost_step[r] = step;
    size_t n = strlen(why);
    if (n > REASON_MAX - 1) n = REASON_MAX - 1; /* long reasons are cut */
    memcpy(ens->reason[r], why, n);
    ens->reason[r][n] = '\0';
    ens->nlost++;
}

/* ---- the run loop -------------------------------------------------------- */

/* Everything one call of run needs, allocated at its start (a few
 * workspaces and, for SGD, one permutation per replica). */
typedef struct run_state {
    gv_ensemble *ens;
    const gv_integ *it;
    int nt;                   /* threads */
    int by_replica;           /* parallel over replicas (else over data) */
    gv_landscape_work **work; /* nt single-threaded ones, or 1 with nt threads */
    int nwork;
    double *scratch;          /* per thread: grad and next, 2N doubles */
    uint32_t *perm;           /* SGD: R × P */
    uint64_t *perm_epoch;     /* SGD: R */
    size_t *live, nlive;      /* running replicas, in index order */
    gv_status *rstat;         /* per replica: the last block's status */
    uint64_t *rfail;          /* per replica: the step that failed */
    uint64_t block;           /* steps per block (adaptive) */
    gv_err *rerr;             /* per replica: its message */
} run_state;

static void run_state_free(run_state *st)
{
    if (st->work)
        for (int t = 0; t < st->nwork; t++) gv_landscape_work_free(st->work[t]);
    free(st->work);
    free(st->scratch);
    free(st->perm);
    free(st->perm_epoch);
    free(st->live);
    free(st->rstat);
    free(st->rfail);
    free(st->rerr);
}

static void collect_live(run_state *st)
{
    st->nlive = 0;
    for (size_t r = 0; r < st->ens->R; r++)
        if (!st->ens->lost[r]) st->live[st->nlive++] = r;
}

static gv_status run_state_init(run_state *st, gv_ensemble *ens, const gv_integ *it, gv_err *e)
{
    memset(st, 0, sizeof *st);
    st->ens = ens;
    st->it = it;
    size_t R = ens->R, N = ens->N, P = gv_landscape_P(ens->land);
    st->live = malloc(R * sizeof *st->live);
    st->rstat = calloc(R, sizeof *st->rstat);
    st->rerr = calloc(R, sizeof *st->rerr);
    st->rfail = calloc(R, sizeof *st->rfail);
    st->block = 1;
    if (!st->live || !st->rstat || !st->rerr || !st->rfail) goto oom;
    collect_live(st);
    /* Replicas in parallel when they keep every thread busy (and evenly
     * enough), or when one evaluation cannot be split over the threads;
     * otherwise one replica at a time with the data split over threads. */
    int nt = gv_threads();
    size_t rows = gv_integ_rows(it, ens->land);
    size_t split = gv_landscape_parallelism(ens->land, rows), n = st->nlive;
    st->by_replica = split < (size_t)nt || n >= 4 * (size_t)nt || (n >= (size_t)nt && n % (size_t)nt == 0);
    if (st->by_replica) {
        st->nt = n < (size_t)nt ? (int)n : nt;
        if (st->nt < 1) st->nt = 1;
        st->nwork = st->nt;
    } else {
        st->nt = nt;
        st->nwork = 1;
    }
    st->work = calloc((size_t)st->nwork, sizeof *st->work);
    if (!st->work) goto oom;
    for (int t = 0; t < st->nwork; t++) {
        st->work[t] = gv_landscape_work_alloc(ens->land, rows, st->by_replica ? 1 : nt, e);
        if (!st->work[t]) return e ? e->status : GV_ENOMEM;
    }
    size_t nscr = (size_t)(st->by_replica ? st->nt : 1) * 2 * N;
    st->scratch = malloc(nscr * sizeof *st->scratch);
    if (!st->scratch) goto oom;
    if (gv_integ_steps_per_epoch(it, ens->land) > 0 && gv_landscape_data(ens->land)) {
        size_t bytes;
        if (gv_mul_size(R, P, &bytes) || gv_mul_size(bytes, sizeof(uint32_t), &bytes)) goto oom;
        st->perm = malloc(bytes);
        st->perm_epoch = malloc(R * sizeof *st->perm_epoch);
        if (!st->perm || !st->perm_epoch) goto oom;
        for (size_t r = 0; r < R; r++) st->perm_epoch[r] = UINT64_MAX;
    }
    return GV_OK;
oom:
    return gv_fail(e, GV_ENOMEM, "ensemble run: out of memory for the run's buffers");
}

/* Replica r from step s0 to s1 on thread slot t, stopping at its first
 * failure (writes only replica r's state). */
static void advance_replica(run_state *st, size_t r, int t, uint64_t s0, uint64_t s1)
{
    gv_ensemble *ens = st->ens;
    size_t N = ens->N, P = gv_landscape_P(ens->land);
    int slot = st->by_replica ? t : 0;
    gv_integ_ctx c = {
        .land = ens->land,
        .work = st->work[slot],
        .grad = st->scratch + (size_t)slot * 2 * N,
        .next = st->scratch + (size_t)slot * 2 * N + N,
        .perm = st->perm ? st->perm + r * P : NULL,
        .perm_epoch = st->perm_epoch ? st->perm_epoch + r : NULL,
        .seed = ens->seed,
        .replica = ens->first + (uint32_t)r,
    };
    st->rstat[r] = GV_OK;
    for (uint64_t s = s0; s < s1; s++) {
        c.step = s;
        st->rstat[r] = gv_integ_step(st->it, &c, ens->w + r * N, NULL, &st->rerr[r]);
        if (st->rstat[r] != GV_OK) {
            st->rfail[r] = s;
            return;
        }
    }
}

enum { GO_ON = 0, AT_TARGET, INTERRUPTED, ALL_LOST };

/* After a block [ens->step, end): retire failed replicas, move the step
 * counter, decide whether to stop.  Runs on one thread. */
static int after_block(run_state *st, uint64_t end, uint64_t target)
{
    gv_ensemble *ens = st->ens;
    uint64_t last_fail = 0;
    int dropped = 0;
    for (size_t i = 0; i < st->nlive; i++) {
        size_t r = st->live[i];
        if (st->rstat[r] != GV_OK) {
            mark_lost(ens, r, st->rfail[r], st->rerr[r].msg);
            if (st->rfail[r] >= last_fail) last_fail = st->rfail[r];
            dropped = 1;
        }
    }
    if (dropped) collect_live(st);
    if (st->nlive == 0) {
        /* Stop where a step-by-step loop would have: after the last failure
         * (independent of the block length, hence of timing). */
        ens->step = last_fail + 1;
        return ALL_LOST;
    }
    ens->step = end;
    if (ens->step >= target) return AT_TARGET;
    if (gv_interrupt_pending()) return INTERRUPTED;
    return GO_ON;
}

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Seconds of work per block: short enough that an interrupt is answered
 * promptly, long enough that the barrier between blocks costs nothing even
 * when the threads share busy cores. */
#define BLOCK_SECONDS 0.05

/* Next block length from the last one's (k steps in dt seconds). */
static uint64_t next_block(uint64_t k, double dt)
{
    double want = dt > 0 ? (double)k * BLOCK_SECONDS / dt : 4.0 * (double)k;
    if (want > 4.0 * (double)k) want = 4.0 * (double)k; /* grow gently */
    if (want > 1e6) want = 1e6;
    return want < 1 ? 1 : (uint64_t)want;
}

/* Advance the running replicas from ens->step to target (> ens->step) in
 * blocks: within a block each replica runs its steps without waiting for the
 * others (replicas are independent), so there is one barrier per block, not
 * per step.  Block lengths adapt to the speed; results never depend on them.
 * The interrupt flag is polled after every block (every ~BLOCK_SECONDS). */
static int advance(run_state *st, uint64_t target)
{
    int stop = GO_ON;
    while (stop == GO_ON) {
        uint64_t s0 = st->ens->step, k = st->block;
        uint64_t s1 = target - s0 < k ? target : s0 + k;
        double t0 = wall_seconds();
#ifdef _OPENMP
        if (st->by_replica && st->nt > 1) {
#pragma omp parallel for num_threads(st->nt) schedule(dynamic, 1)
            for (size_t i = 0; i < st->nlive; i++)
                advance_replica(st, st->live[i], omp_get_thread_num(), s0, s1);
        } else
#endif
        {
            for (size_t i = 0; i < st->nlive; i++) advance_replica(st, st->live[i], 0, s0, s1);
        }
        st->block = next_block(s1 - s0, wall_seconds() - t0);
        stop = after_block(st, s1, target);
    }
    return stop;
}

static gv_status all_lost(const gv_ensemble *ens, gv_err *e)
{
    size_t first = 0;
    while (first < ens->R && !ens->lost[first]) first++;
    return gv_fail(e, GV_ENAN, "ensemble run: all %zu replicas are lost (replica %zu at step %llu: %s); "
                   "lower lr or T, or start from other weights", ens->R, first + 1,
                   (unsigned long long)ens->lost_step[first], ens->reason[first]);
}

gv_status gv_ensemble_run(gv_ensemble *ens, const gv_integ *integ, uint64_t to_step,
                          const gv_hook *hooks, size_t nhooks, gv_err *e)
{
    if (!ens || !integ) return gv_fail(e, GV_EINVAL, "ensemble run: an ensemble and an integrator are required");
    if (to_step < ens->step)
        return gv_fail(e, GV_EINVAL, "ensemble run: target step %llu is before the current step %llu",
                       (unsigned long long)to_step, (unsigned long long)ens->step);
    if (to_step >= STEP_LIMIT)
        return gv_fail(e, GV_EINVAL, "ensemble run: target step %llu is beyond the supported range (< 2^48)",
                       (unsigned long long)to_step);
    gv_status s = gv_integ_check(integ, ens->land, e);
    if (s != GV_OK) return s;
    for (size_t h = 0; h < nhooks; h++) {
        uint64_t next = hooks[h].next(hooks[h].self);
        if (next != GV_NO_EVENT && next < ens->step)
            return gv_fail(e, GV_EINVAL, "ensemble run: %s (observer %zu) is due at step %llu but the "
                           "ensemble is already at step %llu; attach it before its first event "
                           "(or use a new observer)", hooks[h].name ? hooks[h].name : "hook", h + 1,
                           (unsigned long long)next, (unsigned long long)ens->step);
    }
    run_state st;
    if ((s = run_state_init(&st, ens, integ, e)) != GV_OK) {
        run_state_free(&st);
        return s;
    }
    for (;;) {
        if (gv_interrupt_pending()) {
            s = gv_fail(e, GV_EINTR, "interrupted at step %llu (run to step %llu with %s)",
                        (unsigned long long)ens->step, (unsigned long long)to_step,
                        gv_integ_name(integ));
            break;
        }
        /* Fire every hook due now; find the next event. */
        uint64_t next_event = GV_NO_EVENT;
        for (size_t h = 0; h < nhooks && s == GV_OK; h++) {
            const gv_hook *hk = &hooks[h];
            const char *name = hk->name ? hk->name : "hook";
            uint64_t next = hk->next(hk->self);
            if (next == ens->step) {
                if ((s = hk->fire(hk->self, ens, e)) != GV_OK) {
                    gv_fail_prefix(e, "%s at step %llu: ", name, (unsigned long long)ens->step);
                    break;
                }
                next = hk->next(hk->self);
                if (next <= ens->step) {
                    s = gv_fail(e, GV_EINVAL, "%s did not move past its event at step %llu "
                                "(internal error in the observer)", name, (unsigned long long)ens->step);
                    break;
                }
            }
            if (next < next_event) next_event = next;
        }
        if (s != GV_OK || ens->step == to_step) break;
        if (ens->nlost == ens->R) {
            s = all_lost(ens, e);
            break;
        }
        uint64_t target = next_event < to_step ? next_event : to_step;
        int why = advance(&st, target);
        if (why == ALL_LOST) {
            s = all_lost(ens, e);
            break;
        }
        /* INTERRUPTED is reported at the top of the loop. */
    }
    run_state_free(&st);
    return s;
}

/* ---- files ---------------------------------------------------------------
 * Little-endian throughout:
 *   0  magic "GVENS\0\0\0" (8 bytes)     8  u32 version (1)
 *   12 u32 first_replica                 16 u64 N
 *   24 u64 R                             32 u64 step
 *   40 u64 seed                          48 char[16] landscape kind
 *   64 R records of 128 bytes: u8 lost, 7 zero bytes, u64 lost step,
 *      char[112] reason (NUL-terminated)
 *   then R·N doubles (IEEE-754 binary64), replica after replica
 *   then u32 CRC-32 (zlib) of every byte before it. */

#define FILE_MAGIC "GVENS\0\0\0"
#define FILE_VERSION 1u
#define HEADER_BYTES 64
#define RECORD_BYTES 128

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static uint32_t get32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v |= (uint32_t)p[i] << (8 * i);
    return v;
}
static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Write n bytes and fold them into the CRC. */
static int put_bytes(FILE *f, const unsigned char *b, size_t n, uLong *crc)
{
    *crc = crc32(*crc, b, (uInt)n);
    return fwrite(b, 1, n, f) == n;
}

#define IO_CHUNK 4096 /* doubles converted per write/read */

gv_status gv_ensemble_save(const gv_ensemble *ens, const char *path, gv_err *e)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 5);
    if (!tmp) return gv_fail(e, GV_ENOMEM, "%s: out of memory", path);
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        gv_status s = gv_fail(e, GV_EIO, "%s: cannot create (%s)", tmp, strerror(errno));
        free(tmp);
        return s;
    }
    uLong crc = crc32(0L, Z_NULL, 0);
    int ok = 1;
    unsigned char h[HEADER_BYTES] = {0};
    memcpy(h, FILE_MAGIC, 8);
    put32(h + 8, FILE_VERSION);
    put32(h + 12, ens->first);
    put64(h + 16, ens->N);
    put64(h + 24, ens->R);
    put64(h + 32, ens->step);
    put64(h + 40, ens->seed);
    snprintf((char *)h + 48, 16, "%s", gv_landscape_kind(ens->land));
    ok = ok && put_bytes(f, h, sizeof h, &crc);
    for (size_t r = 0; r < ens->R && ok; r++) {
        unsigned char rec[RECORD_BYTES] = {0};
        rec[0] = ens->lost[r];
        put64(rec + 8, ens->lost_step[r]);
        memcpy(rec + 16, ens->reason[r], REASON_MAX);
        rec[RECORD_BYTES - 1] = '\0';
        ok = put_bytes(f, rec, sizeof rec, &crc);
    }
    unsigned char buf[IO_CHUNK * 8];
    size_t total = ens->R * ens->N;
    for (size_t i0 = 0; i0 < total && ok; i0 += IO_CHUNK) {
        size_t n = total - i0 < IO_CHUNK ? total - i0 : IO_CHUNK;
        for (size_t i = 0; i < n; i++) {
            uint64_t bits;
            memcpy(&bits, &ens->w[i0 + i], 8);
            put64(buf + 8 * i, bits);
        }
        ok = put_bytes(f, buf, 8 * n, &crc);
    }
    unsigned char c4[4];
    put32(c4, (uint32_t)crc);
    ok = ok && fwrite(c4, 1, 4, f) == 4;
    ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
    int err = errno;
    ok = (fclose(f) == 0) && ok;
    if (!ok) {
        remove(tmp);
        free(tmp);
        return gv_fail(e, GV_EIO, "%s: cannot write the ensemble (%s); nothing was replaced", path,
                       strerror(err ? err : errno));
    }
    if (rename(tmp, path) != 0) {
        gv_status s = gv_fail(e, GV_EIO, "%s: cannot rename %s into place (%s)", path, tmp,
                              strerror(errno));
        remove(tmp);
        free(tmp);
        return s;
    }
    free(tmp);
    return GV_OK;
}

/* Read exactly n bytes, folding them into the CRC. */
static int get_bytes(FILE *f, unsigned char *b, size_t n, uLong *crc)
{
    if (fread(b, 1, n, f) != n) return 0;
    *crc = crc32(*crc, b, (uInt)n);
    return 1;
}

gv_ensemble *gv_ensemble_load(const char *path, const gv_landscape *land, gv_err *e)
{
    gv_ensemble *ens = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        gv_fail(e, GV_EIO, "%s: cannot open (%s)", path, strerror(errno));
        return NULL;
    }
    long flen = -1;
    if (fseek(f, 0, SEEK_END) == 0) flen = ftell(f);
    if (flen < 0 || fseek(f, 0, SEEK_SET) != 0) {
        gv_fail(e, GV_EIO, "%s: cannot determine the file size", path);
        goto fail;
    }
    uLong crc = crc32(0L, Z_NULL, 0);
    unsigned char h[HEADER_BYTES];
    if ((size_t)flen < 8 || !get_bytes(f, h, 8, &crc) || memcmp(h, FILE_MAGIC, 8) != 0) {
        gv_fail(e, GV_EFORMAT, "%s: not a glassvm ensemble file (it does not start with \"GVENS\")", path);
        goto fail;
    }
    if ((size_t)flen < HEADER_BYTES + 4 || !get_bytes(f, h + 8, HEADER_BYTES - 8, &crc)) {
        gv_fail(e, GV_EFORMAT, "%s: truncated: %ld bytes, the header alone needs %d", path, flen,
                HEADER_BYTES + 4);
        goto fail;
    }
    uint32_t version = get32(h + 8), first = get32(h + 12);
    uint64_t N = get64(h + 16), R = get64(h + 24), step = get64(h + 32), seed = get64(h + 40);
    char kind[17];
    memcpy(kind, h + 48, 16);
    kind[16] = '\0';
    if (version != FILE_VERSION) {
        gv_fail(e, GV_EFORMAT, "%s: ensemble file format version %u; this glassvm reads version %u",
                path, version, FILE_VERSION);
        goto fail;
    }
    size_t LN = gv_landscape_nweights(land);
    if (N != LN) {
        char desc[256];
        gv_landscape_describe(land, desc, sizeof desc);
        gv_fail(e, GV_EDIM, "%s: the file holds N = %llu weights per replica (a %s landscape) but the "
                "landscape %s has N = %zu; load it with the landscape it was saved from", path,
                (unsigned long long)N, kind, desc, LN);
        goto fail;
    }
    /* Believe R only once the file length agrees with it. */
    size_t want, wbytes;
    if (R == 0 || R > SIZE_MAX / RECORD_BYTES || gv_mul_size((size_t)R, N, &wbytes) ||
        gv_mul_size(wbytes, 8, &wbytes) || wbytes > SIZE_MAX - R * RECORD_BYTES - HEADER_BYTES - 4) {
        gv_fail(e, GV_EFORMAT, "%s: corrupt header: %llu replicas of %llu weights", path,
                (unsigned long long)R, (unsigned long long)N);
        goto fail;
    }
    want = HEADER_BYTES + (size_t)R * RECORD_BYTES + wbytes + 4;
    if ((size_t)flen != want) {
        gv_fail(e, GV_EFORMAT, "%s: %s: %ld bytes, but %llu replicas × %llu weights need %zu",
                path, (size_t)flen < want ? "truncated" : "trailing bytes", flen,
                (unsigned long long)R, (unsigned long long)N, want);
        goto fail;
    }
    if (step >= STEP_LIMIT) {
        gv_fail(e, GV_EFORMAT, "%s: corrupt header: step %llu", path, (unsigned long long)step);
        goto fail;
    }
    ens = ens_new(land, (size_t)R, seed, first, e);
    if (!ens) {
        gv_fail_prefix(e, "%s: ", path);
        goto fail;
    }
    ens->step = step;
    for (size_t r = 0; r < R; r++) {
        unsigned char rec[RECORD_BYTES];
        if (!get_bytes(f, rec, sizeof rec, &crc)) goto short_read;
        if (rec[0] > 1 || get64(rec + 8) > step) {
            gv_fail(e, GV_EFORMAT, "%s: corrupt status record of replica %zu", path, r + 1);
            goto fail;
        }
        ens->lost[r] = rec[0];
        ens->lost_step[r] = get64(rec + 8);
        memcpy(ens->reason[r], rec + 16, REASON_MAX);
        ens->reason[r][REASON_MAX - 1] = '\0';
        ens->nlost += rec[0];
    }
    unsigned char buf[IO_CHUNK * 8];
    size_t total = (size_t)R * N;
    for (size_t i0 = 0; i0 < total; i0 += IO_CHUNK) {
        size_t n = total - i0 < IO_CHUNK ? total - i0 : IO_CHUNK;
        if (!get_bytes(f, buf, 8 * n, &crc)) goto short_read;
        for (size_t i = 0; i < n; i++) {
            uint64_t bits = get64(buf + 8 * i);
            memcpy(&ens->w[i0 + i], &bits, 8);
        }
    }
    unsigned char c4[4];
    if (fread(c4, 1, 4, f) != 4) goto short_read;
    if (get32(c4) != (uint32_t)crc) {
        gv_fail(e, GV_EFORMAT, "%s: CRC mismatch (stored %08x, computed %08x): the file is corrupt",
                path, get32(c4), (uint32_t)crc);
        goto fail;
    }
    for (size_t i = 0; i < total; i++)
        if (!isfinite(ens->w[i])) {
            gv_fail(e, GV_EFORMAT, "%s: weight %zu of replica %zu is not finite", path, i % N,
                    i / N + 1);
            goto fail;
        }
    fclose(f);
    return ens;
short_read:
    gv_fail(e, GV_EIO, "%s: read error", path);
fail:
    gv_ensemble_free(ens);
    fclose(f);
    return NULL;
}
