/* gv_ensemble.c: R replicas of one landscape and the run loop that advances
 * them between hook events (the file format: gv_ensemble_file.c). */
#define _POSIX_C_SOURCE 200809L /* strnlen */

#include "gv_ensemble_impl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "gv_bytes.h"
#include "gv_device.h"
#include "gv_integ.h"
#include "gv_landscape.h"
#include "gv_rng.h"


/* ---- life cycle ---------------------------------------------------------- */

gv_ensemble *gv_ensemble_new_(const gv_landscape *land, size_t R, uint64_t seed, uint32_t first,
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
    static _Atomic uint64_t next_id = 0;
    ens->id = ++next_id;
    ens->land = land;
    ens->R = R;
    ens->N = N;
    ens->seed = seed;
    ens->first = first;
    if (gv_device_lookup(gv_device_default(), &ens->dev_ops, e) != GV_OK) {
        gv_ensemble_free(ens);
        return NULL;
    }
    ens->w = malloc(bytes);
    ens->lost = calloc(R, 1);
    ens->lost_step = calloc(R, sizeof *ens->lost_step);
    ens->reason = calloc(R, sizeof *ens->reason);
    ens->basin = malloc(R * sizeof *ens->basin);
    if (!ens->w || !ens->lost || !ens->lost_step || !ens->reason || !ens->basin) goto oom;
    for (size_t r = 0; r < R; r++) ens->basin[r] = (uint64_t)first + r;
    return ens;
oom:
    gv_ensemble_free(ens);
    gv_fail(e, GV_ENOMEM, "ensemble: cannot allocate %zu replicas × %zu weights", R, N);
    return NULL;
}

gv_ensemble *gv_ensemble_alloc(const gv_landscape *land, size_t R, uint64_t seed,
                               uint32_t first_replica, gv_err *e)
{
    gv_ensemble *ens = gv_ensemble_new_(land, R, seed, first_replica, e);
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
    free(ens->basin);
    gv_landscape_work_free(ens->evalws);
    if (ens->dev) ens->dev_ops->close(ens->dev);
    free(ens);
}

gv_ensemble *gv_ensemble_clone(const gv_ensemble *ens, gv_err *e)
{
    gv_ensemble *c = gv_ensemble_new_(ens->land, ens->R, ens->seed, ens->first, e);
    if (!c) return NULL;
    memcpy(c->w, ens->w, ens->R * ens->N * sizeof *c->w);
    memcpy(c->lost, ens->lost, ens->R);
    memcpy(c->lost_step, ens->lost_step, ens->R * sizeof *c->lost_step);
    memcpy(c->reason, ens->reason, ens->R * sizeof *c->reason);
    memcpy(c->basin, ens->basin, ens->R * sizeof *c->basin);
    c->nlost = ens->nlost;
    c->step = ens->step;
    c->partial = ens->partial;
    c->dev_ops = ens->dev_ops;
    return c;
}

void gv_ensemble_set_seed(gv_ensemble *ens, uint64_t seed) { ens->seed = seed; }

/* ---- accessors (the contract of gv_ensemble.h) --------------------------- */

size_t gv_ensemble_size(const gv_ensemble *ens) { return ens->R; }
size_t gv_ensemble_nweights(const gv_ensemble *ens) { return ens->N; }
uint64_t gv_ensemble_step(const gv_ensemble *ens) { return ens->step; }
uint64_t gv_ensemble_id(const gv_ensemble *ens) { return ens->id; }
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
void gv_ensemble_set_partial(gv_ensemble *ens, int on) { ens->partial = on != 0; }
uint64_t gv_ensemble_basin(const gv_ensemble *ens, size_t r) { return ens->basin[r]; }
const uint64_t *gv_ensemble_basins(const gv_ensemble *ens) { return ens->basin; }

int gv_ensemble_grouped(const gv_ensemble *ens)
{
    for (size_t r = 0; r < ens->R; r++)
        if (ens->basin[r] != (uint64_t)ens->first + r) return 1;
    return 0;
}

void gv_ensemble_set_basins(gv_ensemble *ens, const uint64_t *labels)
{
    for (size_t r = 0; r < ens->R; r++)
        ens->basin[r] = labels ? labels[r] : (uint64_t)ens->first + r;
}

gv_ensemble *gv_ensemble_same_basin(const gv_ensemble *src, size_t K, gv_err *e)
{
    if (K < 1 || K > 1u << 20) {
        gv_fail(e, GV_EINVAL, "same_basin: K (noise replicas per basin) must be in 1..%u, got %zu",
                1u << 20, K);
        return NULL;
    }
    size_t R;
    uint64_t first = (uint64_t)src->first * K;
    if (gv_mul_size(src->R, K, &R) || first > UINT32_MAX) {
        gv_fail(e, GV_EINVAL, "same_basin: %zu basins x K = %zu from first_replica %u: replica "
                              "ids first_replica*K + r must fit in 32 bits", src->R, K, src->first);
        return NULL;
    }
    gv_ensemble *c = gv_ensemble_new_(src->land, R, src->seed, (uint32_t)first, e);
    if (!c) return NULL;
    for (size_t b = 0; b < src->R; b++)
        for (size_t k = 0; k < K; k++) {
            size_t r = b * K + k;
            memcpy(c->w + r * c->N, src->w + b * src->N, src->N * sizeof *c->w);
            c->lost[r] = src->lost[b];
            c->lost_step[r] = src->lost_step[b];
            memcpy(c->reason[r], src->reason[b], REASON_MAX);
            c->nlost += src->lost[b];
            c->basin[r] = first + b * K; /* the id of the basin's first copy: unique, and a
                                            block of ranks labels its replicas alike */
        }
    c->step = src->step;
    c->partial = src->partial;
    c->dev_ops = src->dev_ops; /* the copies run where the source runs, as clones do */
    return c;
}
int gv_ensemble_partial(const gv_ensemble *ens) { return ens->partial; }
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

gv_status gv_ensemble_set_device(gv_ensemble *ens, const char *name, gv_err *e)
{
    const gv_device_ops *ops;
    gv_status s = gv_device_lookup(name, &ops, e);
    if (s != GV_OK) return s;
    if (ops == ens->dev_ops) return GV_OK;
    if (ens->dev) ens->dev_ops->close(ens->dev);
    ens->dev = NULL;
    ens->dev_ops = ops;
    return GV_OK;
}

const char *gv_ensemble_device(const gv_ensemble *ens)
{
    return ens->dev_ops ? ens->dev_ops->name : "cpu";
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
    double deadline;          /* wall clock (wall_seconds) to stop at; 0: none */
    gv_err *rerr;             /* per replica: its message */
    uint64_t *pos;            /* by replica: step each live replica has reached */
    unsigned char *busy;      /* by replica: live replica i is on a thread now */
    /* A device run (ens->dev): what its blocks report. */
    unsigned char *run;       /* R: replicas to advance */
    int *outcome;             /* R: GV_DEV_* */
    double *floss;            /* R: loss at the failed step */
    gv_status dstat;          /* the device's own failure (kernel, memory) */
    gv_err *e;                /* its message */
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
    free(st->pos);
    free(st->busy);
    free(st->run);
    free(st->outcome);
    free(st->floss);
}

static void collect_live(run_state *st)
{
    st->nlive = 0;
    for (size_t r = 0; r < st->ens->R; r++)
        if (!st->ens->lost[r]) st->live[st->nlive++] = r;
}

/* Rows × weights of a step below which steps count as short (run_state_init):
 * 2^26, about 3 ms a step on one core at 150 GFLOP/s, so that a block of
 * about BLOCK_SECONDS holds at least 4 steps per replica. */
#define SHORT_STEP ((size_t)1 << 26)

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
    st->pos = malloc(R * sizeof *st->pos);
    st->busy = malloc(R);
    st->block = 1;
    if (!st->live || !st->rstat || !st->rerr || !st->rfail || !st->pos || !st->busy) goto oom;
    collect_live(st);
    st->e = e;
    if (ens->dev_ops) {
        /* The device does the work: no CPU workspaces. */
        st->run = calloc(R, 1);
        st->outcome = calloc(R, sizeof *st->outcome);
        st->floss = calloc(R, sizeof *st->floss);
        if (!st->run || !st->outcome || !st->floss) goto oom;
        if (!ens->dev && !(ens->dev = ens->dev_ops->open(ens->land, R, e)))
            return e ? e->status : GV_ENOMEM;
        return GV_OK;
    }
    /* Replicas in parallel when they keep every thread busy (and evenly
     * enough), or when one evaluation cannot be split over the threads;
     * otherwise one replica at a time with the data split over threads.
     * Evenly: a multiple of the threads, or at least 4 replicas a thread;
     * or, for short steps (rows × N <= SHORT_STEP), n >= nt with nt
     * dividing 4n: a block of short steps has 4 slices per replica
     * (advance_by_replica), so they fill whole rounds of slices (3
     * replicas on 2 threads: 6 rounds).  The main job (P = 5000, w = 30,
     * 3 replicas on 2 threads) ran 25.8-27.0 -> 21.5-23.6 s so, against
     * the data split's parallel region and imbalance at every step; steps
     * of P = 60000 rows last so long that a block has too few to slice. */
    int nt = gv_threads();
    size_t rows = gv_integ_rows(it, ens->land);
    size_t split = gv_landscape_parallelism(ens->land, rows), n = st->nlive;
    int short_steps = rows <= SHORT_STEP / (N ? N : 1);
    st->by_replica = split < (size_t)nt || n >= 4 * (size_t)nt ||
                     (n >= (size_t)nt && n % (size_t)nt == 0) ||
                     (short_steps && n >= (size_t)nt && (4 * n) % (size_t)nt == 0);
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
        gv_landscape_work_loss_check_only(st->work[t], 1); /* steps only test it */
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
 * failure (writes only replica r's state; st->rstat[r] is reset at the
 * start of each block). */
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
    for (uint64_t s = s0; s < s1; s++) {
        c.step = s;
        st->rstat[r] = gv_integ_step(st->it, &c, ens->w + r * N, NULL, &st->rerr[r]);
        if (st->rstat[r] != GV_OK) {
            st->rfail[r] = s;
            return;
        }
    }
}

/* Steps s0 .. s1-1 of the running replicas on the device; the weights come
 * back into ens->w (a replica that failed keeps its last finite weights, as
 * on the CPU).  A failure of the device itself is kept in st->dstat. */
static void device_block(run_state *st, uint64_t s0, uint64_t s1)
{
    gv_ensemble *ens = st->ens;
    memset(st->run, 0, ens->R);
    for (size_t i = 0; i < st->nlive; i++) st->run[st->live[i]] = 1;
    gv_device_block b = {.integ = st->it, .seed = ens->seed, .first = ens->first, .s0 = s0,
                         .s1 = s1, .run = st->run, .w = ens->w, .outcome = st->outcome,
                         .fail_step = st->rfail, .fail_loss = st->floss};
    st->dstat = ens->dev_ops->steps(ens->dev, &b, st->e);
    if (st->dstat != GV_OK) return;
    for (size_t i = 0; i < st->nlive; i++) {
        size_t r = st->live[i];
        st->rstat[r] = GV_OK;
        if (st->outcome[r] == GV_DEV_BAD_LOSS)
            st->rstat[r] = gv_integ_fail_loss(&st->rerr[r], st->floss[r], st->rfail[r]);
        else if (st->outcome[r] == GV_DEV_BAD_WEIGHTS)
            st->rstat[r] = gv_integ_fail_weights(&st->rerr[r], st->floss[r], st->rfail[r]);
    }
}

enum { GO_ON = 0, AT_TARGET, INTERRUPTED, ALL_LOST, DEVICE_FAILED, TIME_UP };

static double wall_seconds(void);

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
    if (st->nlive == 0 && ens->partial) {
        /* The other ranks' replicas go on: so does the step counter. */
        ens->step = target;
        return AT_TARGET;
    }
    if (st->nlive == 0) {
        /* Stop where a step-by-step loop would have: after the last failure
         * (independent of the block length, hence of timing). */
        ens->step = last_fail + 1;
        return ALL_LOST;
    }
    ens->step = end;
    if (ens->step >= target) return AT_TARGET;
    if (gv_interrupt_pending()) return INTERRUPTED;
    if (st->deadline > 0 && wall_seconds() >= st->deadline) return TIME_UP;
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

#ifdef _OPENMP
/* Block [s0, s1) of every live replica on st->nt threads, parallel over
 * replicas: a thread takes the least advanced replica no other thread holds
 * and runs a slice of its steps (a quarter of the block), until every
 * replica is at s1 or failed.  So 3 replicas on 2 threads keep both busy
 * (a whole block per replica would leave one idle for a third of the time),
 * and a thread that the OS deschedules holds up one slice, not a block.
 * Which thread runs which slice never changes a replica's steps. */
static void advance_by_replica(run_state *st, uint64_t s0, uint64_t s1)
{
    size_t n = st->nlive;
    uint64_t slice = (s1 - s0 + 3) / 4;
    for (size_t i = 0; i < n; i++) {
        st->pos[i] = s0;
        st->busy[i] = 0;
    }
#pragma omp parallel num_threads(st->nt)
    {
        gv_worker_enter();
        int t = omp_get_thread_num();
        size_t pick = SIZE_MAX;
        uint64_t a = 0, b = 0;
        for (;;) {
#pragma omp critical(gv_ensemble_slices)
            {
                if (pick != SIZE_MAX) {
                    st->pos[pick] = b;
                    st->busy[pick] = 0;
                    pick = SIZE_MAX;
                }
                for (size_t i = 0; i < n; i++) {
                    if (st->busy[i] || st->pos[i] >= s1 || st->rstat[st->live[i]] != GV_OK) continue;
                    if (pick == SIZE_MAX || st->pos[i] < st->pos[pick]) pick = i;
                }
                if (pick != SIZE_MAX) {
                    st->busy[pick] = 1;
                    a = st->pos[pick];
                    b = s1 - a < slice ? s1 : a + slice;
                }
            }
            /* Nothing free: every unfinished replica is held by a thread
             * that will finish it. */
            if (pick == SIZE_MAX) break;
            advance_replica(st, st->live[pick], t, a, b);
        }
    }
}
#endif

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
        for (size_t i = 0; i < st->nlive; i++) st->rstat[st->live[i]] = GV_OK;
        if (st->ens->dev) {
            device_block(st, s0, s1);
            if (st->dstat != GV_OK) return DEVICE_FAILED;
        } else
#ifdef _OPENMP
        if (st->by_replica && st->nt > 1) {
            advance_by_replica(st, s0, s1);
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
    return gv_ensemble_run_for(ens, integ, to_step, hooks, nhooks, 0, e);
}

gv_status gv_ensemble_run_for(gv_ensemble *ens, const gv_integ *integ, uint64_t to_step,
                              const gv_hook *hooks, size_t nhooks, double seconds, gv_err *e)
{
    if (!ens || !integ) return gv_fail(e, GV_EINVAL, "ensemble run: an ensemble and an integrator are required");
    if (to_step < ens->step)
        return gv_fail(e, GV_EINVAL, "ensemble run: target step %llu is before the current step %llu",
                       (unsigned long long)to_step, (unsigned long long)ens->step);
    if (to_step >= STEP_LIMIT)
        return gv_fail(e, GV_EINVAL, "ensemble run: target step %llu is beyond the supported range (< 2^48)",
                       (unsigned long long)to_step);
    if (!(seconds >= 0))
        return gv_fail(e, GV_EINVAL, "ensemble run: seconds = %g must be >= 0 (0: no time limit)",
                       seconds);
    gv_status s = gv_integ_check(integ, ens->land, e);
    if (s != GV_OK) return s;
    for (size_t h = 0; h < nhooks; h++) {
        if (hooks[h].check && (s = hooks[h].check(hooks[h].self, ens, e)) != GV_OK) return s;
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
    /* seconds = inf (or too large to add) is no limit. */
    if (seconds > 0 && seconds < 1e9) st.deadline = wall_seconds() + seconds;
    int time_up = 0;
    for (;;) {
        /* Fire every hook due now; find the next event. */
        uint64_t next_event = GV_NO_EVENT;
        for (size_t h = 0; h < nhooks && s == GV_OK; h++) {
            const gv_hook *hk = &hooks[h];
            const char *name = hk->name ? hk->name : "hook";
            uint64_t next = hk->next(hk->self);
            if (next == ens->step) {
                if ((s = hk->fire(hk->self, ens, e)) != GV_OK) {
                    /* "two-time observer: x" becomes "two-time observer at step 10: x". */
                    size_t nn = strlen(name);
                    if (e && strncmp(e->msg, name, nn) == 0 && strncmp(e->msg + nn, ": ", 2) == 0)
                        memmove(e->msg, e->msg + nn + 2, strlen(e->msg + nn + 2) + 1);
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
        if (s != GV_OK || ens->step == to_step || time_up) break;
        /* Interrupted: stop here, after the hooks due at this step, as a run to this
         * step or one out of time does, so that every way of ending at a step leaves
         * the observers in the same state (MPI ranks that stop at one step, some by
         * the signal, some by a run to it, must agree). */
        if (gv_interrupt_pending()) {
            s = gv_fail(e, GV_EINTR, "interrupted at step %llu (run to step %llu with %s)",
                        (unsigned long long)ens->step, (unsigned long long)to_step,
                        gv_integ_name(integ));
            break;
        }
        uint64_t target = next_event < to_step ? next_event : to_step;
        if (ens->nlost == ens->R && ens->partial) {
            ens->step = target; /* nothing to compute; hooks still fire */
            continue;
        }
        if (ens->nlost == ens->R) {
            s = all_lost(ens, e);
            break;
        }
        if (ens->dev && (s = ens->dev_ops->upload(ens->dev, ens->w, e)) != GV_OK) break;
        int why = advance(&st, target);
        if (why == DEVICE_FAILED) {
            s = st.dstat;
            break;
        }
        if (why == ALL_LOST) {
            s = all_lost(ens, e);
            break;
        }
        /* Out of time: stop at this step, after firing the hooks due at it
         * (as a run to this step would). */
        if (why == TIME_UP || (st.deadline > 0 && wall_seconds() >= st.deadline)) time_up = 1;
        /* INTERRUPTED is reported after the hooks due at this step. */
    }
    run_state_free(&st);
    return s;
}
