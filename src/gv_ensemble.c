/* gv_ensemble.c: R replicas of one landscape, the run loop that advances
 * them between hook events, and the ensemble file format. */
#define _POSIX_C_SOURCE 200809L /* strnlen */

#include "gv_ensemble.h"

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

#define REASON_MAX 112            /* bytes of a lost replica's reason, NUL included */
#define STEP_LIMIT ((uint64_t)1 << GV_RNG_STEP_BITS) /* the RNG's step range */

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
    int partial;                  /* one rank's block: losing every replica is no error */
    const gv_device_ops *dev_ops; /* NULL: the CPU path */
    gv_device_ctx *dev;           /* opened at the first run on the device */
    uint64_t *basin;              /* R group labels (same-basin ensembles); default first + r */
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
    free(ens->basin);
    gv_landscape_work_free(ens->evalws);
    if (ens->dev) ens->dev_ops->close(ens->dev);
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
    gv_ensemble *c = ens_new(src->land, R, src->seed, (uint32_t)first, e);
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

enum { GO_ON = 0, AT_TARGET, INTERRUPTED, ALL_LOST, DEVICE_FAILED };

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
        /* INTERRUPTED is reported at the top of the loop. */
    }
    run_state_free(&st);
    return s;
}

/* ---- files ---------------------------------------------------------------
 * Little-endian throughout:
 *   0  magic "GVENS\0\0\0" (8 bytes)     8  u32 version (1 or 2)
 *   12 u32 first_replica                 16 u64 N
 *   24 u64 R                             32 u64 step
 *   40 u64 seed                          48 char[16] landscape kind
 *   64 R records of 128 bytes: u8 lost, 7 zero bytes, u64 lost step,
 *      char[112] reason (NUL-terminated)
 *   then R·N doubles (IEEE-754 binary64), replica after replica
 *   version 2 only: then R u64 basin labels (replicas with one label are
 *      noise replicas of one basin, gv_ensemble_same_basin); version 1 means
 *      every replica is its own basin (label first_replica + r), and an
 *      ensemble without groups is still written as version 1
 *   then u32 CRC-32 (zlib) of every byte before it.
 * The same bytes are an ensemble's section in a checkpoint (gv_ckpt.h):
 * save and load are serialise/deserialise plus an atomic write/whole read. */

#define FILE_MAGIC "GVENS\0\0\0"
#define FILE_VERSION 2u /* the newest read; 1 is read too and written when ungrouped */
#define HEADER_BYTES 64
#define RECORD_BYTES 128

/* Write the header of an ensemble file (CRC excluded). */
static void write_header(gv_wbuf *out, const gv_ensemble_info *info, uint32_t first, uint64_t R,
                         uint32_t version)
{
    char kind[16] = {0};
    memcpy(kind, info->kind, strnlen(info->kind, sizeof kind));
    gv_wbuf_bytes(out, FILE_MAGIC, 8);
    gv_wbuf_u32(out, version);
    gv_wbuf_u32(out, first);
    gv_wbuf_u64(out, info->N);
    gv_wbuf_u64(out, R);
    gv_wbuf_u64(out, info->step);
    gv_wbuf_u64(out, info->seed);
    gv_wbuf_bytes(out, kind, sizeof kind);
}

static void append_crc(gv_wbuf *out, size_t start)
{
    gv_wbuf_u32(out, gv_crc32(gv_crc32(0, NULL, 0), out->p + start, out->len - start));
}

gv_status gv_ensemble_serialize(const gv_ensemble *ens, gv_wbuf *out, gv_err *e)
{
    size_t start = out->len, wbytes, total;
    if (gv_mul_size(ens->R * ens->N, 8, &wbytes) ||
        wbytes > SIZE_MAX - HEADER_BYTES - 4 - ens->R * RECORD_BYTES)
        return gv_fail(e, GV_ENOMEM, "ensemble: %zu replicas × %zu weights is too large to save",
                       ens->R, ens->N);
    int v2 = gv_ensemble_grouped(ens);
    total = HEADER_BYTES + ens->R * RECORD_BYTES + wbytes + (v2 ? 8 * ens->R : 0) + 4;
    gv_wbuf_reserve(out, total); /* one allocation, not a doubling series */
    gv_ensemble_info info = {.N = ens->N, .R = ens->R, .step = ens->step, .seed = ens->seed};
    snprintf(info.kind, sizeof info.kind, "%s", gv_landscape_kind(ens->land));
    write_header(out, &info, ens->first, ens->R, v2 ? 2 : 1);
    static const unsigned char zeros[7] = {0};
    for (size_t r = 0; r < ens->R; r++) {
        char reason[REASON_MAX] = {0}; /* the message, then zeros (not stale bytes) */
        memcpy(reason, ens->reason[r], strnlen(ens->reason[r], REASON_MAX - 1));
        gv_wbuf_u8(out, ens->lost[r]);
        gv_wbuf_bytes(out, zeros, sizeof zeros);
        gv_wbuf_u64(out, ens->lost_step[r]);
        gv_wbuf_bytes(out, reason, sizeof reason);
    }
    gv_wbuf_f64s(out, ens->w, ens->R * ens->N);
    if (v2) gv_wbuf_u64s(out, ens->basin, ens->R);
    if (out->oom)
        return gv_fail(e, GV_ENOMEM, "ensemble: cannot allocate %zu bytes to serialise %zu "
                                     "replicas", total, ens->R);
    append_crc(out, start);
    return out->oom ? gv_fail(e, GV_ENOMEM, "ensemble: out of memory") : GV_OK;
}

gv_status gv_ensemble_save(const gv_ensemble *ens, const char *path, gv_err *e)
{
    gv_wbuf b = {0};
    gv_status s = gv_ensemble_serialize(ens, &b, e);
    if (s == GV_OK) {
        const void *parts[1] = {b.p};
        size_t sizes[1] = {b.len};
        s = gv_write_atomic(path, parts, sizes, 1, 0, e);
    } else {
        gv_fail_prefix(e, "%s: ", path);
    }
    gv_wbuf_free(&b);
    return s;
}

/* Validate ensemble bytes (magic, version, N against land unless land is
 * NULL, lengths, CRC, records, finite weights) and read the header. */
static gv_status check_bytes(const unsigned char *b, size_t n, const char *src,
                             const gv_landscape *land, gv_ensemble_info *info, gv_err *e)
{
    if (n < 8 || memcmp(b, FILE_MAGIC, 8) != 0)
        return gv_fail(e, GV_EFORMAT, "%s: not a glassvm ensemble file (it does not start with "
                                      "\"GVENS\")", src);
    if (n < HEADER_BYTES + 4)
        return gv_fail(e, GV_EFORMAT, "%s: truncated: %zu bytes, the header alone needs %d", src,
                       n, HEADER_BYTES + 4);
    gv_rbuf r = gv_rbuf_init(b + 8, HEADER_BYTES - 8);
    uint32_t version = gv_rbuf_u32(&r);
    info->first = gv_rbuf_u32(&r);
    info->N = gv_rbuf_u64(&r);
    info->R = gv_rbuf_u64(&r);
    info->step = gv_rbuf_u64(&r);
    info->seed = gv_rbuf_u64(&r);
    memcpy(info->kind, b + 48, 16);
    info->kind[16] = '\0';
    if (version < 1 || version > FILE_VERSION)
        return gv_fail(e, GV_EFORMAT, "%s: ensemble file format version %u; this glassvm reads "
                                      "versions 1..%u", src, version, FILE_VERSION);
    info->version = version;
    uint64_t N = info->N, R = info->R;
    if (land && N != gv_landscape_nweights(land)) {
        char desc[256];
        gv_landscape_describe(land, desc, sizeof desc);
        return gv_fail(e, GV_EDIM, "%s: the file holds N = %llu weights per replica (a %s "
                                   "landscape) but the landscape %s has N = %zu; load it with the "
                                   "landscape it was saved from", src, (unsigned long long)N,
                       info->kind, desc, gv_landscape_nweights(land));
    }
    /* Believe R and N only once the length agrees with them. */
    size_t wbytes;
    if (R == 0 || R > SIZE_MAX / RECORD_BYTES || gv_mul_size((size_t)R, (size_t)N, &wbytes) ||
        gv_mul_size(wbytes, 8, &wbytes) || wbytes > SIZE_MAX - R * RECORD_BYTES - HEADER_BYTES - 4)
        return gv_fail(e, GV_EFORMAT, "%s: corrupt header: %llu replicas of %llu weights", src,
                       (unsigned long long)R, (unsigned long long)N);
    size_t want = HEADER_BYTES + (size_t)R * RECORD_BYTES + wbytes + 4;
    if (version >= 2) {
        if (R > (SIZE_MAX - want) / 8)
            return gv_fail(e, GV_EFORMAT, "%s: corrupt header: %llu replicas", src,
                           (unsigned long long)R);
        want += 8 * (size_t)R;
    }
    if (n != want)
        return gv_fail(e, GV_EFORMAT, "%s: %s: %zu bytes, but %llu replicas × %llu weights need "
                                      "%zu", src, n < want ? "truncated" : "trailing bytes", n,
                       (unsigned long long)R, (unsigned long long)N, want);
    if (info->step >= STEP_LIMIT)
        return gv_fail(e, GV_EFORMAT, "%s: corrupt header: step %llu", src,
                       (unsigned long long)info->step);
    gv_rbuf tail = gv_rbuf_init(b + n - 4, 4);
    uint32_t stored = gv_rbuf_u32(&tail);
    uint32_t crc = gv_crc32(gv_crc32(0, NULL, 0), b, n - 4);
    if (stored != crc)
        return gv_fail(e, GV_EFORMAT, "%s: CRC mismatch (stored %08x, computed %08x): the file is "
                                      "corrupt", src, stored, crc);
    for (size_t k = 0; k < R; k++) {
        const unsigned char *rec = b + HEADER_BYTES + k * RECORD_BYTES;
        gv_rbuf rr = gv_rbuf_init(rec + 8, 8);
        if (rec[0] > 1 || gv_rbuf_u64(&rr) > info->step)
            return gv_fail(e, GV_EFORMAT, "%s: corrupt status record of replica %zu", src, k + 1);
    }
    gv_rbuf w = gv_rbuf_init(b + HEADER_BYTES + R * RECORD_BYTES, wbytes);
    for (size_t i = 0; i < (size_t)(R * N); i++) {
        double x = gv_rbuf_f64(&w);
        if (!isfinite(x))
            return gv_fail(e, GV_EFORMAT, "%s: weight %zu of replica %zu is not finite", src,
                           (size_t)(i % N), (size_t)(i / N) + 1);
    }
    return GV_OK;
}

/* Labels of replicas [r0, r0 + n) of checked bytes (version 1: first + r). */
static void read_basins(const unsigned char *b, const gv_ensemble_info *info, size_t r0, size_t n,
                        uint64_t *out)
{
    size_t R = (size_t)info->R, N = (size_t)info->N;
    if (info->version < 2) {
        for (size_t r = 0; r < n; r++) out[r] = (uint64_t)info->first + r0 + r;
        return;
    }
    gv_rbuf rb = gv_rbuf_init(b + HEADER_BYTES + R * RECORD_BYTES + R * N * 8 + r0 * 8, n * 8);
    gv_rbuf_u64s(&rb, out, n);
}

/* Copy checked bytes into ens (same R and N). */
static void fill_from(gv_ensemble *ens, const unsigned char *b, const gv_ensemble_info *info)
{
    ens->step = info->step;
    ens->nlost = 0;
    for (size_t r = 0; r < ens->R; r++) {
        const unsigned char *rec = b + HEADER_BYTES + r * RECORD_BYTES;
        gv_rbuf rr = gv_rbuf_init(rec + 8, 8);
        ens->lost[r] = rec[0];
        ens->lost_step[r] = gv_rbuf_u64(&rr);
        memcpy(ens->reason[r], rec + 16, REASON_MAX);
        ens->reason[r][REASON_MAX - 1] = '\0';
        ens->nlost += rec[0];
    }
    gv_rbuf w = gv_rbuf_init(b + HEADER_BYTES + ens->R * RECORD_BYTES, ens->R * ens->N * 8);
    gv_rbuf_f64s(&w, ens->w, ens->R * ens->N);
    read_basins(b, info, 0, ens->R, ens->basin);
}

gv_status gv_ensemble_peek(const unsigned char *bytes, size_t len, const char *src,
                           gv_ensemble_info *info, gv_err *e)
{
    return check_bytes(bytes, len, src, NULL, info, e);
}

gv_ensemble *gv_ensemble_deserialize(const unsigned char *bytes, size_t len, const char *src,
                                     const gv_landscape *land, gv_err *e)
{
    gv_ensemble_info info;
    if (!land) {
        gv_fail(e, GV_EINVAL, "%s: a landscape is required", src);
        return NULL;
    }
    if (check_bytes(bytes, len, src, land, &info, e) != GV_OK) return NULL;
    gv_ensemble *ens = ens_new(land, (size_t)info.R, info.seed, info.first, e);
    if (!ens) {
        gv_fail_prefix(e, "%s: ", src);
        return NULL;
    }
    fill_from(ens, bytes, &info);
    return ens;
}

gv_status gv_ensemble_restore(gv_ensemble *ens, const unsigned char *bytes, size_t len,
                              const char *src, gv_err *e)
{
    gv_ensemble_info info;
    gv_status s = check_bytes(bytes, len, src, ens->land, &info, e);
    if (s != GV_OK) return s;
    const char *kind = gv_landscape_kind(ens->land);
    if (strncmp(info.kind, kind, 15) != 0)
        return gv_fail(e, GV_EINVAL, "%s: saved from a %s landscape, cannot restore it into an "
                                     "ensemble on a %s landscape", src, info.kind, kind);
    if (info.R != ens->R || info.seed != ens->seed || info.first != ens->first)
        return gv_fail(e, GV_EINVAL, "%s: saved with replicas=%llu, seed=%llu, first_replica=%u; "
                                     "the ensemble to restore into has replicas=%zu, seed=%llu, "
                                     "first_replica=%u", src, (unsigned long long)info.R,
                       (unsigned long long)info.seed, info.first, ens->R,
                       (unsigned long long)ens->seed, ens->first);
    fill_from(ens, bytes, &info);
    return GV_OK;
}

gv_ensemble *gv_ensemble_load(const char *path, const gv_landscape *land, gv_err *e)
{
    unsigned char *b;
    size_t n;
    if (gv_read_whole(path, SIZE_MAX, &b, &n, e) != GV_OK) return NULL;
    gv_ensemble *ens = gv_ensemble_deserialize(b, n, path, land, e);
    free(b);
    return ens;
}

/* ---- blocks of replicas (MPI ranks) ---------------------------------------
 * An ensemble split over ranks is one ensemble file cut along the replica
 * axis: block k holds replicas [first_k, first_k + R_k).  Concatenating the
 * blocks' bytes in order gives exactly the bytes of the whole ensemble, and
 * a slice of them the bytes of a block. */

/* Append replicas [r0, r0 + n) of checked bytes b (R replicas of N): their
 * status records go at rec_out, their weights at w_out (offsets in out). */
static void copy_replicas(gv_wbuf *out, size_t rec_out, size_t w_out, const unsigned char *b,
                          const gv_ensemble_info *info, size_t r0, size_t n)
{
    size_t R = (size_t)info->R, N = (size_t)info->N;
    memcpy(out->p + rec_out, b + HEADER_BYTES + r0 * RECORD_BYTES, n * RECORD_BYTES);
    memcpy(out->p + w_out, b + HEADER_BYTES + R * RECORD_BYTES + r0 * N * 8, n * N * 8);
}

/* Grow out by the room of R status records and R·N weights (filled by the
 * caller before append_crc), keeping 4 more bytes for the CRC. */
static gv_status reserve_body(gv_wbuf *out, uint64_t R, uint64_t N, gv_err *e)
{
    size_t wbytes, room;
    if (gv_mul_size((size_t)R, (size_t)N, &wbytes) || gv_mul_size(wbytes, 8, &wbytes) ||
        wbytes > SIZE_MAX - (size_t)R * RECORD_BYTES - 4)
        return gv_fail(e, GV_ENOMEM, "ensemble: %llu replicas × %llu weights is too large",
                       (unsigned long long)R, (unsigned long long)N);
    room = (size_t)R * RECORD_BYTES + wbytes;
    if (!gv_wbuf_reserve(out, room + 4))
        return gv_fail(e, GV_ENOMEM, "ensemble: cannot allocate %zu bytes", room);
    out->len += room;
    return GV_OK;
}

/* Do labels[0..R) differ from the default first + r (so version 2 is needed)? */
static int labels_grouped(const uint64_t *labels, size_t R, uint32_t first)
{
    for (size_t r = 0; r < R; r++)
        if (labels[r] != (uint64_t)first + r) return 1;
    return 0;
}

/* The header, then room for R records and weights (and labels when
 * grouped): returns the offset of the records in *rec. */
static gv_status begin_body(gv_wbuf *out, const gv_ensemble_info *info, uint32_t first, uint64_t R,
                            int grouped, size_t *rec, gv_err *e)
{
    write_header(out, info, first, R, grouped ? 2 : 1);
    if (out->oom) return gv_fail(e, GV_ENOMEM, "ensemble: out of memory");
    *rec = out->len;
    gv_status s = reserve_body(out, R, info->N, e);
    if (s == GV_OK && grouped) {
        if (!gv_wbuf_reserve(out, 8 * (size_t)R + 4))
            return gv_fail(e, GV_ENOMEM, "ensemble: out of memory");
    }
    return s;
}

gv_status gv_ensemble_concat(const unsigned char *const *parts, const size_t *lens, size_t n,
                             const char *src, gv_wbuf *out, gv_err *e)
{
    gv_ensemble_info *info = calloc(n ? n : 1, sizeof *info);
    if (!info) return gv_fail(e, GV_ENOMEM, "%s: out of memory", src);
    uint64_t R = 0;
    size_t k0 = n; /* the first rank holding replicas */
    gv_status s = GV_OK;
    char name[GV_ERR_MAX / 2];
    for (size_t k = 0; k < n && s == GV_OK; k++) {
        if (lens[k] == 0) continue;
        snprintf(name, sizeof name, "%s (rank %zu)", src, k);
        if ((s = check_bytes(parts[k], lens[k], name, NULL, &info[k], e)) != GV_OK) break;
        const gv_ensemble_info *a = &info[k], *z = &info[k0 == n ? k : k0];
        if (k0 == n) k0 = k;
        if (a->N != z->N || a->step != z->step || a->seed != z->seed || strcmp(a->kind, z->kind))
            s = gv_fail(e, GV_EINVAL, "%s: rank %zu's ensemble (N = %llu, step %llu, seed %llu, %s "
                                      "landscape) differs from rank %zu's (N = %llu, step %llu, "
                                      "seed %llu, %s); every rank must run the same ensemble and "
                                      "steps on its own replicas", src, k,
                        (unsigned long long)a->N, (unsigned long long)a->step,
                        (unsigned long long)a->seed, a->kind, k0, (unsigned long long)z->N,
                        (unsigned long long)z->step, (unsigned long long)z->seed, z->kind);
        else if ((uint64_t)a->first != (uint64_t)z->first + R)
            s = gv_fail(e, GV_EINVAL, "%s: rank %zu's replicas start at first_replica = %u, but "
                                      "the ranks before it end at %llu; give each rank the next "
                                      "contiguous block (glass.mpi.block)", src, k, a->first,
                        (unsigned long long)z->first + R);
        R += a->R;
    }
    if (s == GV_OK && k0 == n) s = gv_fail(e, GV_EINVAL, "%s: no rank holds any replica", src);
    if (s == GV_OK && R - 1 > (uint64_t)UINT32_MAX - info[k0].first)
        s = gv_fail(e, GV_EINVAL, "%s: %llu replicas from first_replica %u overflow 32 bits", src,
                    (unsigned long long)R, info[k0].first);
    size_t start = out->len, rec = 0;
    uint64_t *labels = s == GV_OK ? malloc((size_t)R * sizeof *labels) : NULL;
    if (s == GV_OK && !labels) s = gv_fail(e, GV_ENOMEM, "%s: out of memory", src);
    int grouped = 0;
    if (s == GV_OK) {
        for (size_t k = k0, done = 0; k < n; k++) {
            if (lens[k] == 0) continue;
            read_basins(parts[k], &info[k], 0, (size_t)info[k].R, labels + done);
            done += (size_t)info[k].R;
        }
        grouped = labels_grouped(labels, (size_t)R, info[k0].first);
        if ((s = begin_body(out, &info[k0], info[k0].first, R, grouped, &rec, e)) != GV_OK)
            gv_fail_prefix(e, "%s: ", src);
    }
    if (s == GV_OK) {
        size_t w = rec + (size_t)R * RECORD_BYTES, done = 0, N = (size_t)info[k0].N;
        for (size_t k = k0; k < n; k++) {
            if (lens[k] == 0) continue;
            copy_replicas(out, rec + done * RECORD_BYTES, w + done * N * 8, parts[k], &info[k], 0,
                          (size_t)info[k].R);
            done += (size_t)info[k].R;
        }
        if (grouped) gv_wbuf_u64s(out, labels, (size_t)R);
        append_crc(out, start);
        if (out->oom) s = gv_fail(e, GV_ENOMEM, "%s: out of memory", src);
    }
    free(labels);
    free(info);
    return s;
}

gv_status gv_ensemble_slice(const unsigned char *bytes, size_t len, const char *src, size_t first,
                            size_t count, gv_wbuf *out, gv_err *e)
{
    gv_ensemble_info info;
    gv_status s = check_bytes(bytes, len, src, NULL, &info, e);
    if (s != GV_OK) return s;
    if (count == 0 || first > info.R || count > info.R - first)
        return gv_fail(e, GV_EINVAL, "%s: replicas %zu..%zu asked for, the ensemble holds %llu "
                                     "(from 0)", src, first, first + count - 1,
                       (unsigned long long)info.R);
    size_t start = out->len, rec;
    uint64_t *labels = malloc(count * sizeof *labels);
    if (!labels) return gv_fail(e, GV_ENOMEM, "%s: out of memory", src);
    read_basins(bytes, &info, first, count, labels);
    uint32_t f = info.first + (uint32_t)first;
    int grouped = labels_grouped(labels, count, f);
    if ((s = begin_body(out, &info, f, count, grouped, &rec, e)) != GV_OK) {
        free(labels);
        return gv_fail_prefix(e, "%s: ", src);
    }
    copy_replicas(out, rec, rec + count * RECORD_BYTES, bytes, &info, first, count);
    if (grouped) gv_wbuf_u64s(out, labels, count);
    free(labels);
    append_crc(out, start);
    return out->oom ? gv_fail(e, GV_ENOMEM, "%s: out of memory", src) : GV_OK;
}
