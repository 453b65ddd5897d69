/* gv_obs_impl.h: what the observer files share (private to src/gv_obs*.c):
 * the observers' structures, small helpers, and the state format (its
 * description, magic numbers and obs_part, a block of replicas to write).
 *   gv_obs.c          the per-replica kernel (gv_obs.h's displacement, stats)
 *   gv_two_time.c     the two-time observer and its tables
 *   gv_obs_scalar.c   the scalar observer and its tables
 *   gv_obs_state.c    state bytes: save, restore, the table of observer types,
 *                     join and split of blocks of replicas (MPI) */
#ifndef GV_OBS_IMPL_H
#define GV_OBS_IMPL_H

#include "gv_obs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gv_ensemble.h"

/* ---- small helpers ------------------------------------------------------- */

/* Observer state format: 2 adds the overlap layers and basin labels (1 is
 * still read: all weights, every replica its own basin). */
#define OBS_FORMAT 2u

static inline int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static inline int cmp_u64_pair(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b; /* (label, index) */
    if (x[0] != y[0]) return (x[0] > y[0]) - (x[0] < y[0]);
    return (x[1] > y[1]) - (x[1] < y[1]);
}

static inline int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

#define GV_OBS_MAX_LAYERS 4096 /* overlap layers (a sanity bound for saved states) */

/* Label of a replica that is its own basin (no label from the ensemble). */
#define OWN_BASIN ((uint64_t)1 << 63)

/* calloc of n*size bytes with overflow check. */
static inline void *alloc_array(size_t n, size_t size)
{
    size_t bytes;
    if (gv_mul_size(n ? n : 1, size, &bytes)) return NULL;
    return calloc(1, bytes);
}

static inline gv_table *new_table(const char *const *names, size_t ncols, const char *comment,
                           gv_err *e)
{
    gv_table *t = gv_table_alloc(ncols, names, e);
    if (t && comment && gv_table_add_comment(t, comment, e) != GV_OK) {
        gv_table_free(t);
        return NULL;
    }
    return t;
}

struct gv_two_time {
    size_t ntw;
    uint64_t *tw;             /* sorted, unique */
    gv_sched *lags;
    size_t nl;
    const uint64_t *lag;      /* gv_sched_steps(lags) */
    size_t nc;                /* cutoffs: the χ ones, then the fixed-ε ones */
    double *chi, *eps;        /* chi[c] NaN for fixed ε; eps[c] NaN for χ */
    int histogram, per_layer;
    gv_obs_hist hist;
    long *hslot;              /* per lag: histogram slot or -1 */
    size_t nhl;               /* lags with a histogram */
    unsigned char *ref_taken; /* per t_w */
    size_t *cursor;           /* per t_w: next lag index */
    unsigned char *measured;  /* per (t_w, lag) */
    size_t *ovl;              /* overlap layers (from 1), sorted; NULL: all weights */
    size_t novl;
    uint32_t version;         /* state format this observer was restored from */

    /* Bound at the first frame: the ensemble's shape, and which ensemble
     * (gv_ensemble_id; 0 until a frame names one, and after a restore). */
    int bound;
    uint64_t source;
    size_t R, N, ngroups, G;  /* G = 1 + (per_layer ? ngroups : 0); group 0 = all */
    size_t *goff, *gcnt;      /* G entries */
    size_t S;                 /* values per replica per lag: G × (nc + 2) */
    double **ref;             /* per t_w: R×N reference weights, NULL once done */
    double *sigma;            /* per (t_w, replica); NaN if not referenced */
    uint64_t *basin;          /* R basin labels; OWN_BASIN | r: replica r alone */
    size_t *qoff, *qcnt;      /* novl: the overlap layers' weight ranges */
    size_t nq;                /* weights entering σ and Q of group 0 (N or the overlap layers') */
    double *vals;             /* (t_w, lag, replica, S); NaN where excluded */
    uint64_t *hcounts;        /* (t_w, hist slot, replica, group, bins+3): per replica, so
                                 that basins can be told apart and blocks concatenate */
    int hist_pooled;          /* restored from format 1: counts summed into replica 0 */
    uint64_t *hscratch;       /* G × (bins+3), one replica's counts */
    double *epsr;             /* nc: one replica's cutoffs */
    const double **wp;        /* R pointers (fire's frame) */
    unsigned char *lostp;     /* R flags (fire's frame) */
    size_t *fgoff, *fgcnt;    /* ngroups (fire's frame) */
    size_t fR, fng;           /* sizes of the fire buffers */
    char desc[200];
};


#define SC_K 5 /* loss, data_loss, accuracy, unsat, w2 */

struct gv_scalar {
    gv_sched *at;
    double lambda;
    size_t cursor;     /* next schedule index */
    size_t R;          /* bound at the first event */
    double *vals;      /* (step index, replica, SC_K); NaN where lost */
    unsigned char *measured;
    char desc[160];
};

/* ---- checkpoints ----------------------------------------------------------
 * Two-time bytes (little-endian, gv_ckpt.h's buffers):
 *   "GVTT" u32 version(1) | config: u64 ntw, tw[], u64 nl, lag[], u64 nc,
 *   chi[], eps[] (f64 bits; NaN marks the other kind), u8 histogram,
 *   u8 per_layer, u64 bins, f64 lo, f64 hi, u8 per lag (histogram at it) |
 *   state: u8 ref_taken[ntw], u64 cursor[ntw], u8 measured[ntw·nl], u8 bound;
 *   if bound: u64 R, N, ngroups, goff[G], gcnt[G], f64 sigma[ntw·R],
 *   f64 vals[ntw·nl·R·S], u64 hcounts[...] (histogram only), then per t_w
 *   u8 has_ref and, if set, R·N f64 reference weights (zeros for replicas
 *   that were never referenced, whose memory is undefined).
 * Scalar bytes: "GVSC" u32 version(1) | u64 count, steps[], f64 lambda |
 *   u64 cursor, u8 measured[count], u64 R (0: nothing measured yet),
 *   f64 vals[count·R·SC_K]. */

#define TT_MAGIC "GVTT"
#define SC_MAGIC "GVSC"

static inline gv_status out_status(const gv_wbuf *out, const char *what, gv_err *e)
{
    return out->oom ? gv_fail(e, GV_ENOMEM, "%s: out of memory while serialising", what) : GV_OK;
}

/* A block of an observer's replicas for the writers below: replicas
 * [first, first + count) of o. */
typedef struct obs_part {
    const void *o; /* gv_two_time or gv_scalar */
    size_t first, count;
} obs_part;


#endif
