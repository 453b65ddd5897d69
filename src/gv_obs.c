/* gv_obs.c: the two-time and scalar observers (gv_obs.h). */
#include "gv_obs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gv_ensemble.h"

/* ---- per-replica kernel -------------------------------------------------- */

void gv_obs_displacement(const double *w, const double *ref, size_t n, const double *eps,
                         size_t nc, double *q, double *msd, double *dw4,
                         const gv_obs_hist *hist, uint64_t *counts)
{
    /* Counts per cutoff in size_t (exact), moments in double.  Cutoffs are
     * few (at most GV_OBS_MAX_CUTOFFS), so the inner loop stays in registers. */
    size_t within[GV_OBS_MAX_CUTOFFS] = {0};
    double s2 = 0, s4 = 0;
    double scale = hist ? (double)hist->bins / (hist->hi - hist->lo) : 0;
    for (size_t i = 0; i < n; i++) {
        double d = w[i] - ref[i];
        double d2 = d * d;
        s2 += d2;
        s4 += d2 * d2;
        double a = fabs(d);
        for (size_t c = 0; c < nc; c++) within[c] += a <= eps[c];
        if (hist) {
            size_t b;
            if (a == 0) b = GV_HIST_ZEROS(hist);
            else {
                double x = log10(a);
                if (!(x >= hist->lo)) b = GV_HIST_UNDER(hist); /* NaN lands here too */
                else if (x >= hist->hi) b = GV_HIST_OVER(hist);
                else {
                    b = (size_t)((x - hist->lo) * scale);
                    if (b >= hist->bins) b = hist->bins - 1; /* rounding at the top edge */
                }
            }
            counts[b]++;
        }
    }
    for (size_t c = 0; c < nc; c++) q[c] = n ? (double)within[c] / (double)n : NAN;
    *msd = n ? s2 / (double)n : NAN;
    *dw4 = n ? s4 / (double)n : NAN;
}

double gv_obs_stddev(const double *x, size_t n)
{
    if (n == 0) return NAN;
    double m = 0;
    for (size_t i = 0; i < n; i++) m += x[i];
    m /= (double)n;
    double v = 0;
    for (size_t i = 0; i < n; i++) v += (x[i] - m) * (x[i] - m);
    return sqrt(v / (double)n);
}

gv_obs_stats gv_obs_reduce(const double *x, size_t n, size_t stride)
{
    gv_obs_stats s = {0, NAN, NAN, NAN};
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i * stride];
        if (isnan(v)) continue;
        sum += v;
        s.n++;
    }
    if (s.n == 0) return s;
    s.mean = sum / (double)s.n;
    if (s.n < 2) return s;
    /* Two-pass variance: exact enough for Q values near 1. */
    double ss = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i * stride];
        if (!isnan(v)) ss += (v - s.mean) * (v - s.mean);
    }
    s.var = ss / (double)(s.n - 1);
    s.sem = sqrt(s.var / (double)s.n);
    return s;
}

/* ---- small helpers ------------------------------------------------------- */

/* Observer state format: 2 adds the overlap layers and basin labels (1 is
 * still read: all weights, every replica its own basin). */
#define OBS_FORMAT 2u

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_u64_pair(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b; /* (label, index) */
    if (x[0] != y[0]) return (x[0] > y[0]) - (x[0] < y[0]);
    return (x[1] > y[1]) - (x[1] < y[1]);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

#define GV_OBS_MAX_LAYERS 4096 /* overlap layers (a sanity bound for saved states) */

/* Label of a replica that is its own basin (no label from the ensemble). */
#define OWN_BASIN ((uint64_t)1 << 63)

/* calloc of n*size bytes with overflow check. */
static void *alloc_array(size_t n, size_t size)
{
    size_t bytes;
    if (gv_mul_size(n ? n : 1, size, &bytes)) return NULL;
    return calloc(1, bytes);
}

static gv_table *new_table(const char *const *names, size_t ncols, const char *comment,
                           gv_err *e)
{
    gv_table *t = gv_table_alloc(ncols, names, e);
    if (t && comment && gv_table_add_comment(t, comment, e) != GV_OK) {
        gv_table_free(t);
        return NULL;
    }
    return t;
}

/* ---- two-time observer --------------------------------------------------- */

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

    /* Bound at the first frame: the ensemble's shape. */
    int bound;
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

void gv_two_time_free(gv_two_time *o)
{
    if (!o) return;
    if (o->ref)
        for (size_t t = 0; t < o->ntw; t++) free(o->ref[t]);
    free(o->ref);
    free(o->tw);
    gv_sched_free(o->lags);
    free(o->chi);
    free(o->eps);
    free(o->hslot);
    free(o->ref_taken);
    free(o->cursor);
    free(o->measured);
    free(o->goff);
    free(o->gcnt);
    free(o->sigma);
    free(o->basin);
    free(o->ovl);
    free(o->qoff);
    free(o->qcnt);
    free(o->vals);
    free(o->hcounts);
    free(o->hscratch);
    free(o->epsr);
    free(o->wp);
    free(o->lostp);
    free(o->fgoff);
    free(o->fgcnt);
    free(o);
}

gv_two_time *gv_two_time_alloc(const gv_two_time_opts *opts, gv_err *e)
{
    const char *W = "two-time observer";
    if (!opts->tw || opts->ntw == 0)
        return gv_fail(e, GV_EINVAL, "%s: 'tw' needs at least one waiting time", W), NULL;
    if (!opts->lags) return gv_fail(e, GV_EINVAL, "%s: 'lags' (a schedule) is required", W), NULL;
    if (opts->nchi + opts->neps == 0)
        return gv_fail(e, GV_EINVAL, "%s: give chi={...} (ε = σ(t_w)/χ) or eps={...} (fixed ε)",
                       W), NULL;
    if (opts->nchi + opts->neps > GV_OBS_MAX_CUTOFFS)
        return gv_fail(e, GV_EINVAL, "%s: at most %d cutoffs (chi and eps together), got %zu; "
                                     "use several observers", W, GV_OBS_MAX_CUTOFFS,
                       opts->nchi + opts->neps), NULL;
    for (size_t i = 0; i < opts->nchi; i++)
        if (!(opts->chi[i] > 0) || !isfinite(opts->chi[i]))
            return gv_fail(e, GV_EINVAL, "%s: chi[%zu] must be a finite number > 0, got %g", W,
                           i + 1, opts->chi[i]), NULL;
    for (size_t i = 0; i < opts->neps; i++)
        if (!(opts->eps[i] >= 0) || !isfinite(opts->eps[i]))
            return gv_fail(e, GV_EINVAL, "%s: eps[%zu] must be a finite number >= 0, got %g", W,
                           i + 1, opts->eps[i]), NULL;
    for (size_t i = 0; i < opts->ntw; i++)
        if (opts->tw[i] >= ((uint64_t)1 << 62))
            return gv_fail(e, GV_EINVAL, "%s: tw[%zu] must be below 2^62", W, i + 1), NULL;
    if (gv_sched_last(opts->lags) >= ((uint64_t)1 << 62))
        return gv_fail(e, GV_EINVAL, "%s: lags must be below 2^62", W), NULL;
    if (opts->histogram) {
        const gv_obs_hist *h = &opts->hist;
        if (h->bins < 1 || h->bins > GV_OBS_MAX_BINS)
            return gv_fail(e, GV_EINVAL, "%s: histogram 'bins' must be in 1..%d, got %zu", W,
                           GV_OBS_MAX_BINS, h->bins), NULL;
        if (!isfinite(h->lo) || !isfinite(h->hi) || !(h->lo < h->hi))
            return gv_fail(e, GV_EINVAL, "%s: histogram needs finite min < max (log10 |Δw|), "
                                         "got min=%g max=%g", W, h->lo, h->hi), NULL;
    }

    gv_two_time *o = calloc(1, sizeof *o);
    if (!o) return gv_fail(e, GV_ENOMEM, "%s: out of memory", W), NULL;
    o->ntw = opts->ntw;
    o->nc = opts->nchi + opts->neps;
    o->tw = alloc_array(o->ntw, sizeof *o->tw);
    o->chi = alloc_array(o->nc, sizeof *o->chi);
    o->eps = alloc_array(o->nc, sizeof *o->eps);
    o->lags = gv_sched_copy(opts->lags, e);
    o->version = OBS_FORMAT;
    if (!o->tw || !o->chi || !o->eps || !o->lags) goto nomem;
    if (opts->overlap_layers && opts->noverlap_layers) {
        if (!(o->ovl = alloc_array(opts->noverlap_layers, sizeof *o->ovl))) goto nomem;
        memcpy(o->ovl, opts->overlap_layers, opts->noverlap_layers * sizeof *o->ovl);
        qsort(o->ovl, opts->noverlap_layers, sizeof *o->ovl, cmp_size);
        for (size_t i = 0; i < opts->noverlap_layers; i++) {
            if (o->ovl[i] == 0 || (o->novl && o->ovl[i] == o->ovl[o->novl - 1])) {
                size_t bad = o->ovl[i];
                gv_two_time_free(o);
                return gv_fail(e, GV_EINVAL, "%s: overlap layers must be distinct layer numbers "
                                             ">= 1 (layer 1 = the input side), got %zu%s", W,
                               bad, bad ? " twice" : ""), NULL;
            }
            o->ovl[o->novl++] = o->ovl[i];
        }
    }
    memcpy(o->tw, opts->tw, o->ntw * sizeof *o->tw);
    qsort(o->tw, o->ntw, sizeof *o->tw, cmp_u64);
    size_t k = 1;
    for (size_t i = 1; i < o->ntw; i++)
        if (o->tw[i] != o->tw[k - 1]) o->tw[k++] = o->tw[i];
    o->ntw = k;
    for (size_t c = 0; c < o->nc; c++) {
        o->chi[c] = c < opts->nchi ? opts->chi[c] : NAN;
        o->eps[c] = c < opts->nchi ? NAN : opts->eps[c - opts->nchi];
    }
    o->nl = gv_sched_count(o->lags);
    o->lag = gv_sched_steps(o->lags);
    o->histogram = opts->histogram;
    o->hist = opts->hist;
    o->per_layer = opts->per_layer;
    o->hslot = alloc_array(o->nl, sizeof *o->hslot);
    o->ref_taken = alloc_array(o->ntw, 1);
    o->cursor = alloc_array(o->ntw, sizeof *o->cursor);
    o->measured = alloc_array(o->ntw * o->nl, 1);
    o->ref = alloc_array(o->ntw, sizeof *o->ref);
    o->epsr = alloc_array(o->nc, sizeof *o->epsr);
    if (!o->hslot || !o->ref_taken || !o->cursor || !o->measured || !o->ref || !o->epsr)
        goto nomem;
    for (size_t l = 0; l < o->nl; l++) {
        int on = o->histogram && (!opts->hist_lags || gv_sched_contains(opts->hist_lags, o->lag[l]));
        o->hslot[l] = on ? (long)o->nhl++ : -1;
    }
    if (o->histogram && opts->hist_lags)
        for (size_t i = 0; i < gv_sched_count(opts->hist_lags); i++) {
            uint64_t hl = gv_sched_at(opts->hist_lags, i);
            if (!gv_sched_contains(o->lags, hl)) {
                gv_two_time_free(o);
                return gv_fail(e, GV_EINVAL, "%s: histogram lag %llu is not one of the lags "
                                             "(%s); histogram lags must be a subset of 'lags'",
                               W, (unsigned long long)hl, gv_sched_describe(opts->lags)), NULL;
            }
        }
    snprintf(o->desc, sizeof o->desc,
             "two-time observer: %zu t_w (%llu..%llu), lags %s, %zu cutoff%s%s%s", o->ntw,
             (unsigned long long)o->tw[0], (unsigned long long)o->tw[o->ntw - 1],
             gv_sched_describe(o->lags), o->nc, o->nc == 1 ? "" : "s",
             o->histogram ? ", histogram" : "", o->per_layer ? ", per layer" : "");
    if (o->novl) {
        size_t used = strlen(o->desc);
        used += (size_t)snprintf(o->desc + used, sizeof o->desc - used, ", overlap layers");
        for (size_t i = 0; i < o->novl && used < sizeof o->desc; i++)
            used += (size_t)snprintf(o->desc + used, sizeof o->desc - used, "%s%zu",
                                     i ? "," : " ", o->ovl[i]);
    }
    return o;
nomem:
    gv_two_time_free(o);
    if (!e || e->status != GV_ENOMEM) gv_fail(e, GV_ENOMEM, "%s: out of memory", W);
    return NULL;
}

const char *gv_two_time_describe(const gv_two_time *o) { return o->desc; }

static uint64_t tt_pending(const gv_two_time *o, size_t t)
{
    if (!o->ref_taken[t]) return o->tw[t];
    if (o->cursor[t] < o->nl) return o->tw[t] + o->lag[o->cursor[t]];
    return GV_NO_EVENT;
}

uint64_t gv_two_time_next(const gv_two_time *o)
{
    uint64_t m = GV_NO_EVENT;
    for (size_t t = 0; t < o->ntw; t++) {
        uint64_t p = tt_pending(o, t);
        if (p < m) m = p;
    }
    return m;
}

size_t gv_two_time_ref_bytes(const gv_two_time *o)
{
    size_t b = 0;
    if (o->bound)
        for (size_t t = 0; t < o->ntw; t++)
            if (o->ref[t]) b += o->R * o->N * sizeof(double);
    return b;
}

/* Weight group l (from 1) of a frame. */
static void layer_range(const gv_obs_frame *f, size_t l, size_t N, size_t *off, size_t *cnt)
{
    *off = f->group_offset ? f->group_offset[l - 1] : 0;
    *cnt = f->group_count ? f->group_count[l - 1] : N;
}

/* Take the shape from the first frame and allocate the accumulators. */
static gv_status tt_bind(gv_two_time *o, const gv_obs_frame *f, gv_err *e)
{
    const char *W = "two-time observer";
    size_t ng = f->ngroups ? f->ngroups : 1;
    if (f->R == 0 || f->N == 0)
        return gv_fail(e, GV_EINVAL, "%s: the ensemble has %zu replicas of %zu weights", W,
                       f->R, f->N);
    o->R = f->R;
    o->N = f->N;
    o->ngroups = ng;
    o->G = 1 + (o->per_layer ? ng : 0);
    o->S = o->G * (o->nc + 2);
    o->goff = alloc_array(o->G, sizeof *o->goff);
    o->gcnt = alloc_array(o->G, sizeof *o->gcnt);
    o->sigma = alloc_array(o->ntw * o->R, sizeof *o->sigma);
    o->basin = alloc_array(o->R, sizeof *o->basin);
    if (!o->basin) return gv_fail(e, GV_ENOMEM, "%s: out of memory", W);
    for (size_t r = 0; r < o->R; r++) o->basin[r] = f->basin ? f->basin[r] : OWN_BASIN | r;
    size_t nv, hs = o->histogram ? o->hist.bins + 3 : 0;
    if (gv_mul_size(o->ntw * o->nl, o->R, &nv) || gv_mul_size(nv, o->S, &nv))
        return gv_fail(e, GV_ENOMEM, "%s: accumulator size overflows", W);
    o->vals = alloc_array(nv, sizeof *o->vals);
    if (o->histogram) {
        size_t nh;
        if (gv_mul_size(o->ntw * o->nhl * o->R, o->G * hs, &nh))
            return gv_fail(e, GV_ENOMEM, "%s: histogram size overflows", W);
        o->hcounts = alloc_array(nh, sizeof *o->hcounts);
        o->hscratch = alloc_array(o->G * hs, sizeof *o->hscratch);
    }
    if (!o->goff || !o->gcnt || !o->sigma || !o->vals ||
        (o->histogram && (!o->hcounts || !o->hscratch)))
        return gv_fail(e, GV_ENOMEM, "%s: cannot allocate accumulators for %zu replicas, "
                                     "%zu waiting times, %zu lags", W, o->R, o->ntw, o->nl);
    for (size_t i = 0; i < o->ntw * o->R; i++) o->sigma[i] = NAN;
    for (size_t i = 0; i < nv; i++) o->vals[i] = NAN;
    o->goff[0] = 0;
    o->gcnt[0] = o->N;
    for (size_t g = 1; g < o->G; g++) {
        size_t off = f->group_offset ? f->group_offset[g - 1] : 0;
        size_t cnt = f->group_count ? f->group_count[g - 1] : o->N;
        if (off > o->N || cnt > o->N - off || cnt == 0)
            return gv_fail(e, GV_EINVAL, "%s: weight group %zu (offset %zu, %zu weights) lies "
                                         "outside the %zu weights", W, g, off, cnt, o->N);
        o->goff[g] = off;
        o->gcnt[g] = cnt;
    }
    o->nq = o->N;
    if (o->novl) {
        o->nq = 0;
        o->qoff = alloc_array(o->novl, sizeof *o->qoff);
        o->qcnt = alloc_array(o->novl, sizeof *o->qcnt);
        if (!o->qoff || !o->qcnt) return gv_fail(e, GV_ENOMEM, "%s: out of memory", W);
        for (size_t i = 0; i < o->novl; i++) {
            size_t l = o->ovl[i];
            if (l > ng)
                return gv_fail(e, GV_EINVAL, "%s: overlap layer %zu does not exist: the network "
                                             "has %zu weight groups (layers 1..%zu)", W, l, ng, ng);
            layer_range(f, l, o->N, &o->qoff[i], &o->qcnt[i]);
            if (o->qoff[i] > o->N || o->qcnt[i] > o->N - o->qoff[i])
                return gv_fail(e, GV_EINVAL, "%s: layer %zu lies outside the %zu weights", W, l,
                               o->N);
            o->nq += o->qcnt[i];
        }
    }
    o->bound = 1;
    return GV_OK;
}

static int frame_lost(const gv_obs_frame *f, size_t r) { return f->lost && f->lost[r]; }

/* Population standard deviation of the weights in the ranges (two passes). */
static double stddev_ranges(const double *x, const size_t *off, const size_t *cnt, size_t n)
{
    size_t m = 0;
    double mean = 0, v = 0;
    for (size_t k = 0; k < n; k++)
        for (size_t i = off[k]; i < off[k] + cnt[k]; i++) mean += x[i], m++;
    if (m == 0) return NAN;
    mean /= (double)m;
    for (size_t k = 0; k < n; k++)
        for (size_t i = off[k]; i < off[k] + cnt[k]; i++) v += (x[i] - mean) * (x[i] - mean);
    return sqrt(v / (double)m);
}

static gv_status tt_reference(gv_two_time *o, size_t t, const gv_obs_frame *f, gv_err *e)
{
    size_t bytes;
    if (gv_mul_size(o->R * o->N, sizeof(double), &bytes) || !(o->ref[t] = malloc(bytes)))
        return gv_fail(e, GV_ENOMEM, "two-time observer: cannot allocate the reference "
                                     "weights at t_w=%llu (%zu replicas × %zu weights)",
                       (unsigned long long)o->tw[t], o->R, o->N);
    for (size_t r = 0; r < o->R; r++) {
        double *dst = o->ref[t] + r * o->N;
        if (frame_lost(f, r)) {
            o->sigma[t * o->R + r] = NAN; /* never measured */
            continue;
        }
        memcpy(dst, f->w[r], o->N * sizeof *dst);
        double s = o->novl ? stddev_ranges(dst, o->qoff, o->qcnt, o->novl) : gv_obs_stddev(dst, o->N);
        o->sigma[t * o->R + r] = isfinite(s) ? s : NAN;
    }
    o->ref_taken[t] = 1;
    return GV_OK;
}

static void tt_measure(gv_two_time *o, size_t t, size_t l, const gv_obs_frame *f)
{
    size_t hs = o->hist.bins + 3, K = o->nc + 2;
    long slot = o->hslot[l];
    const gv_obs_hist *h = slot >= 0 ? &o->hist : NULL;
    for (size_t r = 0; r < o->R; r++) {
        double *v = o->vals + ((t * o->nl + l) * o->R + r) * o->S;
        double sigma = o->sigma[t * o->R + r];
        if (isnan(sigma) || frame_lost(f, r)) continue; /* stays NaN: excluded */
        for (size_t c = 0; c < o->nc; c++)
            o->epsr[c] = isnan(o->chi[c]) ? o->eps[c] : sigma / o->chi[c];
        if (h) memset(o->hscratch, 0, o->G * hs * sizeof *o->hscratch);
        const double *w = f->w[r], *ref = o->ref[t] + r * o->N;
        for (size_t g = 0; g < o->G; g++) {
            size_t off = o->goff[g];
            double *vg = v + g * K;
            gv_obs_displacement(w + off, ref + off, o->gcnt[g], o->epsr, o->nc, vg, vg + o->nc,
                                vg + o->nc + 1, h, h ? o->hscratch + g * hs : NULL);
        }
        if (o->novl) { /* Q of the whole network over the overlap layers only */
            double within[GV_OBS_MAX_CUTOFFS] = {0}, qk[GV_OBS_MAX_CUTOFFS], m2, m4;
            for (size_t k = 0; k < o->novl; k++) {
                size_t off = o->qoff[k];
                gv_obs_displacement(w + off, ref + off, o->qcnt[k], o->epsr, o->nc, qk, &m2, &m4,
                                    NULL, NULL);
                for (size_t c = 0; c < o->nc; c++) within[c] += round(qk[c] * (double)o->qcnt[k]);
            }
            for (size_t c = 0; c < o->nc; c++) v[c] = within[c] / (double)o->nq;
        }
        if (!isfinite(v[o->nc]) || !isfinite(v[o->nc + 1])) {
            /* Non-finite weights the ensemble has not flagged yet: excluded
             * like a lost replica, never averaged. */
            for (size_t k = 0; k < o->S; k++) v[k] = NAN;
            continue;
        }
        if (h) {
            uint64_t *dst = o->hcounts + ((t * o->nhl + (size_t)slot) * o->R + r) * o->G * hs;
            memcpy(dst, o->hscratch, o->G * hs * sizeof *dst);
        }
    }
    o->measured[t * o->nl + l] = 1;
}

gv_status gv_two_time_observe(gv_two_time *o, const gv_obs_frame *f, gv_err *e)
{
    const char *W = "two-time observer";
    if (!o->bound) {
        gv_status st = tt_bind(o, f, e);
        if (st != GV_OK) return st;
    } else if (f->R != o->R || f->N != o->N ||
               (o->per_layer && (f->ngroups ? f->ngroups : 1) != o->ngroups)) {
        return gv_fail(e, GV_EDIM, "%s: first used with %zu replicas of %zu weights, now %zu of "
                                   "%zu; use a new observer for each ensemble", W, o->R, o->N,
                       f->R, f->N);
    }
    uint64_t step = f->step;
    for (size_t t = 0; t < o->ntw; t++) {
        uint64_t p = tt_pending(o, t);
        if (p < step)
            return gv_fail(e, GV_EINVAL, "%s: the event at step %llu (t_w=%llu) was missed: the "
                                         "ensemble is already at step %llu; attach the observer "
                                         "to a run that starts at or before step %llu", W,
                           (unsigned long long)p, (unsigned long long)o->tw[t],
                           (unsigned long long)step, (unsigned long long)p);
    }
    /* References first, so that a lag of 0 is measured in the same call. */
    for (size_t t = 0; t < o->ntw; t++)
        if (!o->ref_taken[t] && o->tw[t] == step) {
            gv_status st = tt_reference(o, t, f, e);
            if (st != GV_OK) return st;
        }
    for (size_t t = 0; t < o->ntw; t++) {
        if (!o->ref_taken[t] || o->cursor[t] >= o->nl) continue;
        if (o->tw[t] + o->lag[o->cursor[t]] != step) continue;
        tt_measure(o, t, o->cursor[t], f);
        if (++o->cursor[t] == o->nl) { /* last lag: the reference is no longer needed */
            free(o->ref[t]);
            o->ref[t] = NULL;
        }
    }
    return GV_OK;
}

/* ---- the run loop's view ---------------------------------------------- */

static uint64_t tt_hook_next(void *self) { return gv_two_time_next(self); }

static gv_status tt_hook_fire(void *self, gv_ensemble *ens, gv_err *e)
{
    gv_two_time *o = self;
    size_t R = gv_ensemble_size(ens), ng = gv_ensemble_ngroups(ens);
    if (R > o->fR) {
        free(o->wp);
        free(o->lostp);
        o->wp = alloc_array(R, sizeof *o->wp);
        o->lostp = alloc_array(R, 1);
        o->fR = (o->wp && o->lostp) ? R : 0;
        if (!o->fR) return gv_fail(e, GV_ENOMEM, "two-time observer: out of memory");
    }
    if (ng > o->fng) {
        free(o->fgoff);
        free(o->fgcnt);
        o->fgoff = alloc_array(ng, sizeof *o->fgoff);
        o->fgcnt = alloc_array(ng, sizeof *o->fgcnt);
        o->fng = (o->fgoff && o->fgcnt) ? ng : 0;
        if (!o->fng) return gv_fail(e, GV_ENOMEM, "two-time observer: out of memory");
    }
    for (size_t r = 0; r < R; r++) {
        o->lostp[r] = gv_ensemble_lost(ens, r) != 0;
        o->wp[r] = gv_ensemble_weights(ens, r);
    }
    for (size_t g = 0; g < ng; g++) gv_ensemble_group(ens, g, &o->fgoff[g], &o->fgcnt[g]);
    gv_obs_frame f = {gv_ensemble_step(ens), R, gv_ensemble_nweights(ens),
                      (const double *const *)o->wp, o->lostp, ng, o->fgoff, o->fgcnt,
                      gv_ensemble_basins(ens)};
    return gv_two_time_observe(o, &f, e);
}

void gv_two_time_hook(gv_two_time *o, gv_hook *h)
{
    h->self = o;
    h->name = "two-time observer";
    h->next = tt_hook_next;
    h->fire = tt_hook_fire;
}

static double basin_number(const gv_two_time *o, size_t r);
static double alpha2_of(double msd, double dw4);

/* ---- per-replica curves ---------------------------------------------------- */

size_t gv_two_time_ntw(const gv_two_time *o) { return o->ntw; }
size_t gv_two_time_nq(const gv_two_time *o) { return o->bound ? o->nq : 0; }
uint64_t gv_two_time_tw(const gv_two_time *o, size_t i) { return o->tw[i]; }
size_t gv_two_time_ncutoffs(const gv_two_time *o) { return o->nc; }

void gv_two_time_cutoff(const gv_two_time *o, size_t c, double *chi, double *eps)
{
    *chi = o->chi[c];
    *eps = o->eps[c];
}

gv_status gv_two_time_curves(const gv_two_time *o, size_t tw, size_t c, int which, double *out,
                             size_t *R, size_t *nl, const uint64_t **lags, uint64_t *basins,
                             gv_err *e)
{
    if (tw >= o->ntw || c >= o->nc || which < 0 || which > 3)
        return gv_fail(e, GV_EINVAL, "two-time observer: curves of t_w %zu, cutoff %zu, "
                                     "quantity %d do not exist", tw + 1, c + 1, which);
    *R = o->bound ? o->R : 0;
    *nl = o->nl;
    *lags = o->lag;
    if (!out || !o->bound) return GV_OK;
    for (size_t r = 0; r < o->R; r++) {
        if (basins) basins[r] = (uint64_t)basin_number(o, r);
        for (size_t l = 0; l < o->nl; l++) {
            const double *v = o->vals + ((tw * o->nl + l) * o->R + r) * o->S;
            double x = NAN;
            if (o->measured[tw * o->nl + l] && !isnan(v[o->nc]))
                x = which == 0 ? v[c] : which == 1 ? v[o->nc] : which == 2 ? v[o->nc + 1]
                  : alpha2_of(v[o->nc], v[o->nc + 1]);
            out[r * o->nl + l] = x;
        }
    }
    return GV_OK;
}

/* ---- two-time tables ----------------------------------------------------- */

/* Replicas in basin order: ord[0..R) sorted by (label, replica); a basin is
 * a run of equal labels. */
static size_t *basin_order(const gv_two_time *o)
{
    uint64_t *pairs = alloc_array(2 * o->R, sizeof *pairs);
    size_t *ord = alloc_array(o->R, sizeof *ord);
    if (!pairs || !ord) {
        free(pairs), free(ord);
        return NULL;
    }
    for (size_t r = 0; r < o->R; r++) pairs[2 * r] = o->basin[r], pairs[2 * r + 1] = r;
    qsort(pairs, o->R, 2 * sizeof *pairs, cmp_u64_pair);
    for (size_t r = 0; r < o->R; r++) ord[r] = (size_t)pairs[2 * r + 1];
    free(pairs);
    return ord;
}

/* The per-replica α₂ (NaN where the replica did not move: 0/0). */
static double alpha2_of(double msd, double dw4)
{
    return msd > 0 ? dw4 / (3 * msd * msd) - 1 : NAN;
}

/* One reduction row: the columns shared by the summary and layer tables.
 * ord: the replicas in basin order (basin_order). */
static void tt_reduce_row(const gv_two_time *o, const size_t *ord, size_t t, size_t l, size_t c,
                          size_t g, double *row)
{
    size_t K = o->nc + 2;
    const double *v = o->vals + (t * o->nl + l) * o->R * o->S + g * K;
    gv_obs_stats q = gv_obs_reduce(v + c, o->R, o->S);
    gv_obs_stats m2 = gv_obs_reduce(v + o->nc, o->R, o->S);
    gv_obs_stats m4 = gv_obs_reduce(v + o->nc + 1, o->R, o->S);
    double a2s = 0, a2ss = 0, sig = 0;
    size_t na = 0, ns = 0;
    for (size_t r = 0; r < o->R; r++) {
        double msd = v[r * o->S + o->nc], dw4 = v[r * o->S + o->nc + 1];
        if (isnan(msd)) continue;
        sig += o->sigma[t * o->R + r];
        ns++;
        double a = alpha2_of(msd, dw4);
        if (!isnan(a)) a2s += a, a2ss += a * a, na++;
    }
    double sigma_mean = ns ? sig / (double)ns : NAN;
    double a2m = na ? a2s / (double)na : NAN;
    double a2sem = na > 1 ? sqrt(fmax(0, (a2ss - a2s * a2m) / (double)(na - 1)) / (double)na) : NAN;
    double eps = isnan(o->chi[c]) ? o->eps[c] : sigma_mean / o->chi[c];
    /* Pooled α₂ and its jackknife over replicas: leave replica r out of
     * the moment sums, recompute, SE² = (n−1)/n Σ (θ_(r) − θ̄)². */
    double pooled = m2.mean > 0 ? m4.mean / (3 * m2.mean * m2.mean) - 1 : NAN, pooled_se = NAN;
    if (m2.n > 1 && !isnan(pooled)) {
        double S2 = m2.mean * (double)m2.n, S4 = m4.mean * (double)m2.n, dn = (double)(m2.n - 1);
        double th[2] = {0, 0}; /* pass 0: sum of θ_(r); pass 1: Σ (θ_(r) − θ̄)² */
        for (int pass = 0; pass < 2; pass++)
            for (size_t r = 0; r < o->R; r++) {
                double msd = v[r * o->S + o->nc], dw4 = v[r * o->S + o->nc + 1];
                if (isnan(msd)) continue;
                double x = alpha2_of((S2 - msd) / dn, (S4 - dw4) / dn);
                if (pass == 0) th[0] += x;
                else th[1] += (x - th[0] / (double)m2.n) * (x - th[0] / (double)m2.n);
            }
        pooled_se = sqrt(dn / (double)m2.n * th[1]);
    }
    /* Law of total variance over basins (population normalisation, weights
     * n_b/n): within = N (1/n) Σ_b Σ_k (Q_bk − m_b)², between = N (1/n) Σ_b
     * n_b (m_b − Q̄)², total = within + between = N (1/n) Σ (Q − Q̄)².  And
     * α₂ within basins: the basin-pooled α₂ averaged with weights n_b/n. */
    double within = 0, between = 0, a2w = 0;
    size_t nb = 0, nlive = 0, na2w = 0;
    for (size_t i = 0; i < o->R;) {
        size_t j = i;
        double s2 = 0, s4 = 0;
        size_t nbk = 0;
        for (; j < o->R && o->basin[ord[j]] == o->basin[ord[i]]; j++) {
            const double *vr = v + ord[j] * o->S;
            if (isnan(vr[c]) || isnan(vr[o->nc])) continue;
            s2 += vr[o->nc], s4 += vr[o->nc + 1], nbk++;
        }
        if (nbk) {
            /* The mean as the first member plus the mean offset: exact when
             * every member is equal (T = 0), so that within is exactly 0. */
            double q0 = NAN, off = 0;
            for (size_t k = i; k < j; k++) {
                const double *vr = v + ord[k] * o->S;
                if (isnan(vr[c]) || isnan(vr[o->nc])) continue;
                if (isnan(q0)) q0 = vr[c];
                off += vr[c] - q0;
            }
            double mb = q0 + off / (double)nbk, ssw = 0;
            for (size_t k = i; k < j; k++) {
                const double *vr = v + ord[k] * o->S;
                if (isnan(vr[c]) || isnan(vr[o->nc])) continue;
                ssw += (vr[c] - mb) * (vr[c] - mb);
            }
            within += ssw;
            between += (double)nbk * (mb - q.mean) * (mb - q.mean);
            double ab = alpha2_of(s2 / (double)nbk, s4 / (double)nbk);
            if (!isnan(ab)) a2w += (double)nbk * ab, na2w += nbk;
            nb++;
            nlive += nbk;
        }
        i = j;
    }
    double Ng = (double)(g == 0 ? o->nq : o->gcnt[g]);
    double chi4w = nlive ? Ng * within / (double)nlive : NAN;
    double chi4b = nlive ? Ng * between / (double)nlive : NAN;
    size_t i = 0;
    row[i++] = (double)o->tw[t];
    row[i++] = (double)o->lag[l];
    row[i++] = o->chi[c];
    row[i++] = eps;
    row[i++] = sigma_mean;
    row[i++] = (double)q.n;
    row[i++] = (double)(o->R - q.n);
    row[i++] = q.mean;
    row[i++] = q.sem;
    row[i++] = Ng * q.var; /* χ₄ = N·Var(Q), sample variance */
    row[i++] = chi4w + chi4b;
    row[i++] = chi4w;
    row[i++] = chi4b;
    row[i++] = (double)nb;
    row[i++] = m2.mean;
    row[i++] = m2.sem;
    row[i++] = m4.mean;
    row[i++] = m4.sem;
    row[i++] = a2m;
    row[i++] = a2sem;
    row[i++] = pooled;
    row[i++] = pooled_se;
    row[i++] = na2w ? a2w / (double)na2w : NAN;
}

#define TT_NREDUCE 23
static const char *const tt_reduce_names[TT_NREDUCE] = {
    "tw", "t", "chi", "eps", "sigma_mean", "n", "n_lost", "Q_mean", "Q_sem", "chi4",
    "chi4_total", "chi4_within", "chi4_between", "n_basins",
    "msd_mean", "msd_sem", "dw4_mean", "dw4_sem", "alpha2", "alpha2_sem", "alpha2_pooled",
    "alpha2_pooled_se", "alpha2_within"};

#define TT_NOTE                                                                             \
    "chi4_total = chi4_within + chi4_between (law of total variance over basins, population "    \
    "normalisation 1/n with basin weights n_b/n: within = N mean_b Var_k Q_bk, between = N "      \
    "Var_b mean_k Q_bk); alpha2 = mean over replicas of <dw^4>/(3<dw^2>^2)-1 (the authors'), "     \
    "alpha2_sem its sem; alpha2_pooled from replica-averaged moments, alpha2_pooled_se "         \
    "jackknife over replicas; alpha2_within = basin-pooled alpha2 averaged over basins"

static gv_status tt_table_reduced(const gv_two_time *o, int layers, gv_table **out, gv_err *e)
{
    const char *names[TT_NREDUCE + 2];
    size_t nn = 0;
    for (size_t i = 0; i < TT_NREDUCE; i++) {
        names[nn++] = tt_reduce_names[i];
        if (layers && i == 1) { /* after t: which layer */
            names[nn++] = "layer";
            names[nn++] = "n_weights";
        }
    }
    gv_table *tab = new_table(names, nn,
                              layers ? "two-time observer per layer: Q, MSD, alpha2, chi4 by weight "
                                       "group (layer 1 = first); sem = sample sd (n-1)/sqrt(n); "
                                       "chi4 = n_weights*Var(Q) (n-1); " TT_NOTE
                                     : "two-time observer: Q, MSD, alpha2, chi4 over live replicas; "
                                       "sem = sample sd (n-1)/sqrt(n); chi4 = N*Var(Q) (n-1); "
                                       TT_NOTE,
                              e);
    if (!tab) return e ? e->status : GV_ENOMEM;
    size_t *ord = o->bound ? basin_order(o) : NULL;
    if (o->bound && !ord) {
        gv_table_free(tab);
        return gv_fail(e, GV_ENOMEM, "two-time observer: out of memory");
    }
    if (o->bound)
        for (size_t t = 0; t < o->ntw; t++)
            for (size_t l = 0; l < o->nl; l++) {
                if (!o->measured[t * o->nl + l]) continue;
                for (size_t c = 0; c < o->nc; c++)
                    for (size_t g = layers ? 1 : 0; g < (layers ? o->G : 1); g++) {
                        double r[TT_NREDUCE], row[TT_NREDUCE + 2];
                        tt_reduce_row(o, ord, t, l, c, g, r);
                        size_t k = 0;
                        for (size_t i = 0; i < TT_NREDUCE; i++) {
                            row[k++] = r[i];
                            if (layers && i == 1) {
                                row[k++] = (double)g;
                                row[k++] = (double)o->gcnt[g];
                            }
                        }
                        gv_status st = gv_table_add_row(tab, row, e);
                        if (st != GV_OK) { gv_table_free(tab); free(ord); return st; }
                    }
            }
    free(ord);
    *out = tab;
    return GV_OK;
}

/* A replica's basin label as a table number (the replica's index when it
 * is its own basin). */
static double basin_number(const gv_two_time *o, size_t r)
{
    return o->basin[r] & OWN_BASIN ? (double)r : (double)o->basin[r];
}

static gv_status tt_table_replicas(const gv_two_time *o, gv_table **out, gv_err *e)
{
    static const char *const names[] = {"tw", "t", "replica", "basin", "chi", "eps", "sigma",
                                        "Q", "msd", "dw4", "alpha2"};
    gv_table *tab = new_table(names, 11, "two-time observer, one row per live replica "
                                         "(replica = index in the ensemble, from 0; basin = its "
                                         "basin label, replicas with one label started from the "
                                         "same weights)", e);
    if (!tab) return e ? e->status : GV_ENOMEM;
    if (o->bound)
        for (size_t t = 0; t < o->ntw; t++)
            for (size_t l = 0; l < o->nl; l++) {
                if (!o->measured[t * o->nl + l]) continue;
                for (size_t c = 0; c < o->nc; c++)
                    for (size_t r = 0; r < o->R; r++) {
                        const double *v = o->vals + ((t * o->nl + l) * o->R + r) * o->S;
                        if (isnan(v[o->nc])) continue;
                        double sg = o->sigma[t * o->R + r];
                        double msd = v[o->nc], dw4 = v[o->nc + 1];
                        double row[11] = {(double)o->tw[t], (double)o->lag[l], (double)r,
                                          basin_number(o, r), o->chi[c], isnan(o->chi[c]) ? o->eps[c] : sg / o->chi[c],
                                          sg, v[c], msd, dw4,
                                          alpha2_of(msd, dw4)};
                        gv_status st = gv_table_add_row(tab, row, e);
                        if (st != GV_OK) { gv_table_free(tab); return st; }
                    }
            }
    *out = tab;
    return GV_OK;
}

/* Counts of weight group g at (t_w, histogram slot), summed over the
 * replicas ord[from..to) (all replicas: 0..R in any order). */
static void hist_sum(const gv_two_time *o, size_t t, size_t slot, size_t g, const size_t *ord,
                     size_t from, size_t to, uint64_t *c)
{
    size_t hs = o->hist.bins + 3;
    memset(c, 0, hs * sizeof *c);
    for (size_t k = from; k < to; k++) {
        size_t r = ord ? ord[k] : k;
        const uint64_t *src = o->hcounts + ((t * o->nhl + slot) * o->R + r) * o->G * hs + g * hs;
        for (size_t b = 0; b < hs; b++) c[b] += src[b];
    }
}

/* which: 0 histogram, 1 totals, 2 per basin. */
static gv_status tt_table_hist(const gv_two_time *o, int which, gv_table **out, gv_err *e)
{
    static const char *const hnames[] = {"tw", "t", "layer", "bin", "bin_lo", "bin_hi",
                                         "count", "fraction"};
    static const char *const snames[] = {"tw", "t", "layer", "n", "n_lost", "total",
                                         "in_range", "zeros", "under", "over"};
    static const char *const bnames[] = {"tw", "t", "basin", "n", "layer", "bin", "bin_lo",
                                         "bin_hi", "count", "fraction"};
    if (which == 2 && o->hist_pooled)
        return gv_fail(e, GV_EINVAL, "two-time observer: restored from a format-1 checkpoint, "
                                     "which kept the histogram summed over replicas: no "
                                     "per-basin histogram (the pooled one is complete)");
    gv_table *tab = which == 1
        ? new_table(snames, 10, "histogram totals: total = n_weights*n = in_range+zeros+under+over; "
                                "layer 0 = all weights", e)
        : which == 0
        ? new_table(hnames, 8, "histogram of log10|dw| pooled over weights and live replicas: "
                               "bins [bin_lo, bin_hi); fraction = count/total (zeros, under, over "
                               "in the totals table); layer 0 = all weights", e)
        : new_table(bnames, 10, "histogram of log10|dw| within each basin (its n live noise "
                                "replicas pooled): fraction = count/(n_weights*n); basin = the "
                                "basin label; layer 0 = all weights", e);
    if (!tab) return e ? e->status : GV_ENOMEM;
    size_t B = o->hist.bins, hs = B + 3;
    double width = (o->hist.hi - o->hist.lo) / (double)B;
    size_t *ord = o->bound ? basin_order(o) : NULL;
    uint64_t *c = alloc_array(hs, sizeof *c);
    gv_status st = GV_OK;
    if (o->bound && (!ord || !c)) st = gv_fail(e, GV_ENOMEM, "two-time observer: out of memory");
    if (o->bound)
        for (size_t t = 0; t < o->ntw && st == GV_OK; t++)
            for (size_t l = 0; l < o->nl && st == GV_OK; l++) {
                long slot = o->hslot[l];
                if (slot < 0 || !o->measured[t * o->nl + l]) continue;
                const double *v = o->vals + (t * o->nl + l) * o->R * o->S;
                /* Units: all replicas (which 0, 1) or one basin at a time. */
                for (size_t i = 0; i < o->R && st == GV_OK;) {
                    size_t j = o->R;
                    if (which == 2)
                        for (j = i; j < o->R && o->basin[ord[j]] == o->basin[ord[i]]; j++) {}
                    size_t n = 0; /* live replicas, from the per-replica values of group 0 */
                    for (size_t k = i; k < j; k++) n += !isnan(v[ord[k] * o->S + o->nc]);
                    for (size_t g = 0; g < o->G && st == GV_OK && (which != 2 || n); g++) {
                        hist_sum(o, t, (size_t)slot, g, ord, i, j, c);
                        uint64_t inr = 0;
                        for (size_t b = 0; b < B; b++) inr += c[b];
                        uint64_t total = inr + c[B] + c[B + 1] + c[B + 2];
                        if (which == 1) {
                            double row[10] = {(double)o->tw[t], (double)o->lag[l], (double)g,
                                              (double)n, (double)(o->R - n), (double)total,
                                              (double)inr, (double)c[B], (double)c[B + 1],
                                              (double)c[B + 2]};
                            st = gv_table_add_row(tab, row, e);
                            continue;
                        }
                        for (size_t b = 0; b < B && st == GV_OK; b++) {
                            double lo = o->hist.lo + (double)b * width;
                            double hi = b + 1 == B ? o->hist.hi : o->hist.lo + (double)(b + 1) * width;
                            double f = total ? (double)c[b] / (double)total : NAN;
                            if (which == 0) {
                                double row[8] = {(double)o->tw[t], (double)o->lag[l], (double)g,
                                                 (double)b, lo, hi, (double)c[b], f};
                                st = gv_table_add_row(tab, row, e);
                            } else {
                                double row[10] = {(double)o->tw[t], (double)o->lag[l],
                                                  basin_number(o, ord[i]), (double)n, (double)g,
                                                  (double)b, lo, hi, (double)c[b], f};
                                st = gv_table_add_row(tab, row, e);
                            }
                        }
                    }
                    i = j;
                }
            }
    free(ord);
    free(c);
    if (st != GV_OK) {
        gv_table_free(tab);
        return st;
    }
    *out = tab;
    return GV_OK;
}

gv_status gv_two_time_table_make(const gv_two_time *o, gv_two_time_table which, gv_table **out,
                                 gv_err *e)
{
    *out = NULL;
    switch (which) {
    case GV_TT_SUMMARY: return tt_table_reduced(o, 0, out, e);
    case GV_TT_LAYERS:
        if (!o->per_layer)
            return gv_fail(e, GV_EINVAL, "two-time observer: per-layer results need per_layer=true");
        return tt_table_reduced(o, 1, out, e);
    case GV_TT_REPLICAS: return tt_table_replicas(o, out, e);
    case GV_TT_HISTOGRAM:
    case GV_TT_HIST_TOTALS:
    case GV_TT_HIST_BASINS:
        if (!o->histogram)
            return gv_fail(e, GV_EINVAL, "two-time observer: no histogram was requested "
                                         "(histogram={bins=, min=, max=})");
        return tt_table_hist(o, which == GV_TT_HISTOGRAM ? 0 : which == GV_TT_HIST_TOTALS ? 1 : 2,
                             out, e);
    }
    return gv_fail(e, GV_EINVAL, "two-time observer: unknown table %d", (int)which);
}

/* ---- scalar observer ------------------------------------------------------ */

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

void gv_scalar_free(gv_scalar *o)
{
    if (!o) return;
    gv_sched_free(o->at);
    free(o->vals);
    free(o->measured);
    free(o);
}

gv_scalar *gv_scalar_alloc(const gv_scalar_opts *opts, gv_err *e)
{
    if (!opts->at) return gv_fail(e, GV_EINVAL, "scalar observer: 'at' (a schedule) is required"), NULL;
    if (!isfinite(opts->lambda) || opts->lambda < 0)
        return gv_fail(e, GV_EINVAL, "scalar observer: 'lambda' must be a finite number >= 0, got %g",
                       opts->lambda), NULL;
    gv_scalar *o = calloc(1, sizeof *o);
    if (!o) return gv_fail(e, GV_ENOMEM, "scalar observer: out of memory"), NULL;
    o->at = gv_sched_copy(opts->at, e);
    o->measured = o->at ? alloc_array(gv_sched_count(o->at), 1) : NULL;
    if (!o->at || !o->measured) {
        gv_scalar_free(o);
        return gv_fail(e, GV_ENOMEM, "scalar observer: out of memory"), NULL;
    }
    o->lambda = opts->lambda;
    snprintf(o->desc, sizeof o->desc, "scalar observer: %s, lambda=%g", gv_sched_describe(o->at),
             o->lambda);
    return o;
}

const char *gv_scalar_describe(const gv_scalar *o) { return o->desc; }

uint64_t gv_scalar_next(const gv_scalar *o)
{
    return o->cursor < gv_sched_count(o->at) ? gv_sched_at(o->at, o->cursor) : GV_NO_EVENT;
}

gv_status gv_scalar_fire(gv_scalar *o, gv_ensemble *ens, gv_err *e)
{
    uint64_t step = gv_ensemble_step(ens), p = gv_scalar_next(o);
    size_t R = gv_ensemble_size(ens), N = gv_ensemble_nweights(ens);
    if (p < step)
        return gv_fail(e, GV_EINVAL, "scalar observer: the event at step %llu was missed: the "
                                     "ensemble is already at step %llu", (unsigned long long)p,
                       (unsigned long long)step);
    if (p != step) return GV_OK;
    if (!o->vals) {
        size_t n;
        if (gv_mul_size(gv_sched_count(o->at), R * SC_K, &n) ||
            !(o->vals = alloc_array(n, sizeof *o->vals)))
            return gv_fail(e, GV_ENOMEM, "scalar observer: cannot allocate %zu steps × %zu replicas",
                           gv_sched_count(o->at), R);
        o->R = R;
        for (size_t i = 0; i < n; i++) o->vals[i] = NAN;
    } else if (R != o->R) {
        return gv_fail(e, GV_EDIM, "scalar observer: first used with %zu replicas, now %zu; use "
                                   "a new observer for each ensemble", o->R, R);
    }
    for (size_t r = 0; r < R; r++) {
        if (gv_ensemble_lost(ens, r)) continue;
        gv_eval ev;
        gv_status st = gv_ensemble_eval(ens, r, o->lambda, &ev, e);
        if (st != GV_OK)
            return gv_fail_prefix(e, "scalar observer at step %llu, replica %zu: ",
                                  (unsigned long long)step, r);
        const double *w = gv_ensemble_weights(ens, r);
        double w2 = 0;
        for (size_t i = 0; i < N; i++) w2 += w[i] * w[i];
        double *v = o->vals + (o->cursor * R + r) * SC_K;
        v[0] = ev.loss;
        v[1] = ev.data_loss;
        v[2] = ev.accuracy;
        v[3] = ev.unsat;
        v[4] = N ? w2 / (double)N : NAN;
        if (!isfinite(v[0]) || !isfinite(v[4])) /* about to be lost: not averaged */
            for (int k = 0; k < SC_K; k++) v[k] = NAN;
    }
    o->measured[o->cursor++] = 1;
    return GV_OK;
}

static uint64_t sc_hook_next(void *self) { return gv_scalar_next(self); }
static gv_status sc_hook_fire(void *self, gv_ensemble *ens, gv_err *e)
{
    return gv_scalar_fire(self, ens, e);
}

void gv_scalar_hook(gv_scalar *o, gv_hook *h)
{
    h->self = o;
    h->name = "scalar observer";
    h->next = sc_hook_next;
    h->fire = sc_hook_fire;
}

gv_status gv_scalar_table_make(const gv_scalar *o, gv_scalar_table which, gv_table **out,
                               gv_err *e)
{
    static const char *const snames[] = {
        "step", "n", "n_lost", "loss_mean", "loss_sem", "data_loss_mean", "data_loss_sem",
        "accuracy_mean", "accuracy_sem", "unsat_mean", "unsat_sem", "w2_mean", "w2_sem"};
    static const char *const rnames[] = {"step", "replica", "loss", "data_loss", "accuracy",
                                         "unsat", "w2"};
    *out = NULL;
    int per = which == GV_SC_REPLICAS;
    char note[120];
    snprintf(note, sizeof note, "scalar observer: loss with lambda=%g; w2 = |w|^2/N; "
                                "sem = sample sd (n-1)/sqrt(n)", o->lambda);
    gv_table *tab = per ? new_table(rnames, 7, note, e) : new_table(snames, 13, note, e);
    if (!tab) return e ? e->status : GV_ENOMEM;
    size_t R = o->R;
    for (size_t i = 0; o->vals && i < gv_sched_count(o->at); i++) {
        if (!o->measured[i]) continue;
        const double *v = o->vals + i * R * SC_K;
        double step = (double)gv_sched_at(o->at, i);
        gv_status st = GV_OK;
        if (per) {
            for (size_t r = 0; r < R && st == GV_OK; r++) {
                const double *x = v + r * SC_K;
                if (isnan(x[0])) continue;
                double row[7] = {step, (double)r, x[0], x[1], x[2], x[3], x[4]};
                st = gv_table_add_row(tab, row, e);
            }
        } else {
            double row[13];
            row[0] = step;
            for (int k = 0; k < SC_K; k++) {
                gv_obs_stats s = gv_obs_reduce(v + k, R, SC_K);
                if (k == 0) {
                    row[1] = (double)s.n;
                    row[2] = (double)(R - s.n);
                }
                row[3 + 2 * k] = s.mean;
                row[4 + 2 * k] = s.sem;
            }
            st = gv_table_add_row(tab, row, e);
        }
        if (st != GV_OK) { gv_table_free(tab); return st; }
    }
    *out = tab;
    return GV_OK;
}

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

gv_two_time *gv_two_time_from_hook(const gv_hook *h)
{
    return h && h->fire == tt_hook_fire ? h->self : NULL;
}

gv_scalar *gv_scalar_from_hook(const gv_hook *h)
{
    return h && h->fire == sc_hook_fire ? h->self : NULL;
}

static gv_status out_status(const gv_wbuf *out, const char *what, gv_err *e)
{
    return out->oom ? gv_fail(e, GV_ENOMEM, "%s: out of memory while serialising", what) : GV_OK;
}

/* A block of an observer's replicas for the writers below: replicas
 * [first, first + count) of o. */
typedef struct obs_part {
    const void *o; /* gv_two_time or gv_scalar */
    size_t first, count;
} obs_part;

/* Write the two-time bytes of the concatenation of the parts' replicas.  The
 * configuration and event positions are part 0's (callers check that all
 * agree); serialising one observer is the case of one part holding all. */
static void tt_write(const obs_part *p, size_t n, gv_wbuf *out)
{
    const gv_two_time *o = p[0].o;
    gv_wbuf_bytes(out, TT_MAGIC, 4);
    gv_wbuf_u32(out, OBS_FORMAT);
    gv_wbuf_u64(out, o->ntw);
    gv_wbuf_u64s(out, o->tw, o->ntw);
    gv_wbuf_u64(out, o->nl);
    gv_wbuf_u64s(out, o->lag, o->nl);
    gv_wbuf_u64(out, o->nc);
    gv_wbuf_f64s(out, o->chi, o->nc);
    gv_wbuf_f64s(out, o->eps, o->nc);
    gv_wbuf_u8(out, (uint8_t)(o->histogram != 0));
    gv_wbuf_u8(out, (uint8_t)(o->per_layer != 0));
    gv_wbuf_u64(out, o->histogram ? o->hist.bins : 0);
    gv_wbuf_f64(out, o->histogram ? o->hist.lo : 0);
    gv_wbuf_f64(out, o->histogram ? o->hist.hi : 0);
    for (size_t l = 0; l < o->nl; l++) gv_wbuf_u8(out, (uint8_t)(o->hslot[l] >= 0));
    gv_wbuf_u64(out, o->novl);
    for (size_t i = 0; i < o->novl; i++) gv_wbuf_u64(out, o->ovl[i]);
    gv_wbuf_bytes(out, o->ref_taken, o->ntw);
    for (size_t t = 0; t < o->ntw; t++) gv_wbuf_u64(out, o->cursor[t]);
    gv_wbuf_bytes(out, o->measured, o->ntw * o->nl);
    gv_wbuf_u8(out, (uint8_t)(o->bound != 0));
    if (!o->bound) return;
    size_t R = 0;
    for (size_t k = 0; k < n; k++) R += p[k].count;
    gv_wbuf_u64(out, R);
    gv_wbuf_u64(out, o->N);
    gv_wbuf_u64(out, o->ngroups);
    for (size_t g = 0; g < o->G; g++) gv_wbuf_u64(out, o->goff[g]);
    for (size_t g = 0; g < o->G; g++) gv_wbuf_u64(out, o->gcnt[g]);
    for (size_t t = 0; t < o->ntw; t++)
        for (size_t k = 0; k < n; k++) {
            const gv_two_time *q = p[k].o;
            gv_wbuf_f64s(out, q->sigma + t * q->R + p[k].first, p[k].count);
        }
    /* Basin labels; a replica that is its own basin is numbered by its
     * position in the whole, so that the blocks' replicas stay distinct. */
    for (size_t k = 0, pos = 0; k < n; k++) {
        const gv_two_time *q = p[k].o;
        for (size_t r = p[k].first; r < p[k].first + p[k].count; r++, pos++)
            gv_wbuf_u64(out, q->basin[r] & OWN_BASIN ? OWN_BASIN | pos : q->basin[r]);
    }
    for (size_t i = 0; i < o->novl; i++) gv_wbuf_u64(out, o->qoff[i]), gv_wbuf_u64(out, o->qcnt[i]);
    int pooled = 0;
    for (size_t k = 0; k < n; k++) pooled |= ((const gv_two_time *)p[k].o)->hist_pooled;
    gv_wbuf_u8(out, (uint8_t)pooled);
    for (size_t tl = 0; tl < o->ntw * o->nl; tl++)
        for (size_t k = 0; k < n; k++) {
            const gv_two_time *q = p[k].o;
            gv_wbuf_f64s(out, q->vals + (tl * q->R + p[k].first) * q->S, p[k].count * q->S);
        }
    if (o->histogram) /* per replica, like the values */
        for (size_t ts = 0; ts < o->ntw * o->nhl; ts++)
            for (size_t k = 0; k < n; k++) {
                const gv_two_time *q = p[k].o;
                size_t per = q->G * (q->hist.bins + 3);
                gv_wbuf_u64s(out, q->hcounts + (ts * q->R + p[k].first) * per, p[k].count * per);
            }
    for (size_t t = 0; t < o->ntw; t++) {
        gv_wbuf_u8(out, (uint8_t)(o->ref[t] != NULL));
        if (!o->ref[t]) continue;
        for (size_t k = 0; k < n; k++) {
            const gv_two_time *q = p[k].o;
            for (size_t r = p[k].first; r < p[k].first + p[k].count; r++) {
                if (isnan(q->sigma[t * q->R + r])) {
                    for (size_t i = 0; i < q->N; i++) gv_wbuf_u64(out, 0);
                } else {
                    gv_wbuf_f64s(out, q->ref[t] + r * q->N, q->N);
                }
            }
        }
    }
}

gv_status gv_two_time_serialize(const gv_two_time *o, gv_wbuf *out, gv_err *e)
{
    obs_part all = {o, 0, o->bound ? o->R : 0};
    tt_write(&all, 1, out);
    return out_status(out, "two-time observer", e);
}

/* A list of steps for messages: "{100, 1000, 10000}" or "{1, 2, ... 5000} (40)". */
static void steps_text(const uint64_t *v, size_t n, char *buf, size_t cap)
{
    size_t used = 0;
    used += (size_t)snprintf(buf, cap, "{");
    for (size_t i = 0; i < n && used < cap; i++) {
        if (n > 6 && i == 3) {
            used += (size_t)snprintf(buf + used, cap - used, ", ...");
            i = n - 2;
            continue;
        }
        used += (size_t)snprintf(buf + used, cap - used, "%s%llu", i ? ", " : "",
                                 (unsigned long long)v[i]);
    }
    if (used < cap) snprintf(buf + used, cap - used, n > 6 ? "} (%zu values)" : "}", n);
}

static void cutoffs_text(const double *chi, const double *eps, size_t nc, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t c = 0; c < nc && used < cap; c++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s=%g", c ? ", " : "",
                                 isnan(chi[c]) ? "eps" : "chi", isnan(chi[c]) ? eps[c] : chi[c]);
}

/* Bitwise equality of doubles (NaN markers included). */
static int same_f64s(const double *a, const double *b, size_t n)
{
    return n == 0 || memcmp(a, b, n * sizeof *a) == 0;
}

#define TT_DIFFERS "configuration differs from the checkpoint's"
#define TT_FIX "build the observer with the options of the run that wrote the checkpoint"

/* Read a saved list of steps (waiting times or lags: `what`) and compare it
 * with the observer's own `mine` (n of them). */
static gv_status tt_check_steps(gv_rbuf *r, const uint64_t *mine, size_t n, const char *what,
                                const char *src, gv_err *e)
{
    uint64_t ns = gv_rbuf_u64(r);
    if (ns == 0 || ns > gv_rbuf_left(r) / 8)
        return gv_fail(e, GV_EFORMAT, "%s: corrupt two-time observer (%llu %s)", src,
                       (unsigned long long)ns, what);
    uint64_t *saved = malloc(ns * 8);
    if (!saved) return gv_fail(e, GV_ENOMEM, "%s: out of memory", src);
    gv_rbuf_u64s(r, saved, ns);
    char a[160], b[160];
    int same = ns == n && memcmp(saved, mine, ns * 8) == 0;
    if (!same) {
        steps_text(saved, ns, a, sizeof a);
        steps_text(mine, n, b, sizeof b);
    }
    free(saved);
    if (!same)
        return gv_fail(e, GV_EINVAL, "%s: two-time observer " TT_DIFFERS ": %s: checkpoint %s, "
                                     "this observer %s; " TT_FIX, src, what, a, b);
    return GV_OK;
}

/* Read the saved configuration and compare it with o's; the first
 * difference is the message. */
static gv_status tt_check_config(const gv_two_time *o, gv_rbuf *r, uint32_t version,
                                 const char *src, gv_err *e)
{
    const char *W = TT_DIFFERS, *fix = TT_FIX;
    char a[160], b[160];
    if (tt_check_steps(r, o->tw, o->ntw, "waiting times tw", src, e) != GV_OK ||
        tt_check_steps(r, o->lag, o->nl, "lags", src, e) != GV_OK)
        return e->status;
    uint64_t nc = gv_rbuf_u64(r);
    if (nc == 0 || nc > GV_OBS_MAX_CUTOFFS)
        return gv_fail(e, GV_EFORMAT, "%s: corrupt two-time observer (%llu cutoffs)", src,
                       (unsigned long long)nc);
    double chi[GV_OBS_MAX_CUTOFFS], eps[GV_OBS_MAX_CUTOFFS];
    gv_rbuf_f64s(r, chi, nc);
    gv_rbuf_f64s(r, eps, nc);
    if (r->bad) return gv_fail(e, GV_EFORMAT, "%s: truncated two-time observer", src);
    if (nc != o->nc || !same_f64s(chi, o->chi, nc) || !same_f64s(eps, o->eps, nc)) {
        cutoffs_text(chi, eps, nc, a, sizeof a);
        cutoffs_text(o->chi, o->eps, o->nc, b, sizeof b);
        return gv_fail(e, GV_EINVAL, "%s: two-time observer %s: cutoffs: checkpoint {%s}, this "
                                     "observer {%s}; %s", src, W, a, b, fix);
    }
    int histogram = gv_rbuf_u8(r), per_layer = gv_rbuf_u8(r);
    uint64_t bins = gv_rbuf_u64(r);
    double lo = gv_rbuf_f64(r), hi = gv_rbuf_f64(r);
    if (r->bad) return gv_fail(e, GV_EFORMAT, "%s: truncated two-time observer", src);
    if (histogram != (o->histogram != 0))
        return gv_fail(e, GV_EINVAL, "%s: two-time observer %s: the checkpoint's %s a histogram, "
                                     "this one %s; %s", src, W, histogram ? "has" : "has no",
                       o->histogram ? "has" : "has none", fix);
    if (per_layer != (o->per_layer != 0))
        return gv_fail(e, GV_EINVAL, "%s: two-time observer %s: per_layer is %s in the checkpoint, "
                                     "%s here; %s", src, W, per_layer ? "true" : "false",
                       o->per_layer ? "true" : "false", fix);
    if (histogram && (bins != o->hist.bins || !same_f64s(&lo, &o->hist.lo, 1) ||
                      !same_f64s(&hi, &o->hist.hi, 1)))
        return gv_fail(e, GV_EINVAL, "%s: two-time observer %s: histogram: checkpoint bins=%llu "
                                     "min=%g max=%g, this observer bins=%zu min=%g max=%g; %s",
                       src, W, (unsigned long long)bins, lo, hi, o->hist.bins, o->hist.lo,
                       o->hist.hi, fix);
    for (size_t l = 0; l < o->nl; l++)
        if (gv_rbuf_u8(r) != (o->hslot[l] >= 0) && !r->bad)
            return gv_fail(e, GV_EINVAL, "%s: two-time observer %s: the histogram lags differ "
                                         "(at lag %llu); %s", src, W,
                           (unsigned long long)o->lag[l], fix);
    uint64_t novl = version >= 2 ? gv_rbuf_u64(r) : 0;
    int same = !r->bad && novl == o->novl;
    for (size_t i = 0; i < novl && !r->bad && i < GV_OBS_MAX_LAYERS; i++)
        same = gv_rbuf_u64(r) == (i < o->novl ? o->ovl[i] : 0) && same;
    if (!r->bad && novl > GV_OBS_MAX_LAYERS)
        return gv_fail(e, GV_EFORMAT, "%s: corrupt two-time observer (%llu overlap layers)", src,
                       (unsigned long long)novl);
    if (!r->bad && !same)
        return gv_fail(e, GV_EINVAL, "%s: two-time observer %s: the overlap layers differ "
                                     "(%llu in the checkpoint, %zu here); %s", src, W,
                       (unsigned long long)novl, o->novl, fix);
    return r->bad ? gv_fail(e, GV_EFORMAT, "%s: truncated two-time observer", src) : GV_OK;
}

/* Everything restore allocates, committed to the observer only at the end. */
typedef struct tt_state {
    unsigned char *ref_taken, *measured;
    size_t *cursor;
    size_t R, N, ngroups, G, S;
    size_t *goff, *gcnt;
    double *sigma, *vals, **ref;
    uint64_t *hcounts, *hscratch;
    uint64_t *basin;
    size_t *qoff, *qcnt;
    int hist_pooled;
} tt_state;

static void tt_state_free(tt_state *s, size_t ntw)
{
    free(s->ref_taken);
    free(s->measured);
    free(s->cursor);
    free(s->goff);
    free(s->gcnt);
    free(s->sigma);
    free(s->vals);
    free(s->hcounts);
    free(s->hscratch);
    free(s->basin);
    free(s->qoff);
    free(s->qcnt);
    if (s->ref)
        for (size_t t = 0; t < ntw; t++) free(s->ref[t]);
    free(s->ref);
}

/* n values of `size` bytes each must still be in r (checked before
 * anything is allocated for them). */
static int have(const gv_rbuf *r, size_t n, size_t size)
{
    size_t bytes;
    return !gv_mul_size(n, size, &bytes) && bytes <= gv_rbuf_left(r);
}

static gv_status tt_read_state(const gv_two_time *o, gv_rbuf *r, uint32_t version, tt_state *s,
                               const char *src, gv_err *e)
{
    size_t ntw = o->ntw, nl = o->nl;
    const char *bad = "corrupt two-time observer state";
    s->ref_taken = alloc_array(ntw, 1);
    s->cursor = alloc_array(ntw, sizeof *s->cursor);
    s->measured = alloc_array(ntw * nl, 1);
    s->ref = alloc_array(ntw, sizeof *s->ref);
    if (!s->ref_taken || !s->cursor || !s->measured || !s->ref)
        return gv_fail(e, GV_ENOMEM, "%s: out of memory", src);
    const unsigned char *p = gv_rbuf_bytes(r, ntw);
    if (p) memcpy(s->ref_taken, p, ntw);
    for (size_t t = 0; t < ntw; t++) {
        uint64_t c = gv_rbuf_u64(r);
        if (c > nl || s->ref_taken[t] > 1 || (c > 0 && !s->ref_taken[t]))
            return gv_fail(e, GV_EFORMAT, "%s: %s (event position of t_w %zu)", src, bad, t + 1);
        s->cursor[t] = (size_t)c;
    }
    p = gv_rbuf_bytes(r, ntw * nl);
    if (p) memcpy(s->measured, p, ntw * nl);
    int bound = gv_rbuf_u8(r);
    if (r->bad || bound > 1) return gv_fail(e, GV_EFORMAT, "%s: %s (truncated)", src, bad);
    if (!bound) return GV_OK;
    uint64_t R = gv_rbuf_u64(r), N = gv_rbuf_u64(r), ng = gv_rbuf_u64(r);
    size_t RN;
    if (R == 0 || N == 0 || ng == 0 || gv_mul_size((size_t)R, (size_t)N, &RN) ||
        ng > (uint64_t)N || !have(r, (size_t)R, 8))
        return gv_fail(e, GV_EFORMAT, "%s: %s (%llu replicas, %llu weights, %llu groups)", src,
                       bad, (unsigned long long)R, (unsigned long long)N, (unsigned long long)ng);
    s->R = (size_t)R;
    s->N = (size_t)N;
    s->ngroups = (size_t)ng;
    s->G = 1 + (o->per_layer ? s->ngroups : 0);
    s->S = s->G * (o->nc + 2);
    size_t hs = o->histogram ? o->hist.bins + 3 : 0, nv, nh = 0, nhs = 0;
    /* nh: the counts held (per replica); nhs: the counts saved (format 1:
     * summed over replicas) */
    if (gv_mul_size(ntw * nl, s->R, &nv) || gv_mul_size(nv, s->S, &nv) ||
        (o->histogram && (gv_mul_size(ntw * o->nhl, s->G, &nhs) || gv_mul_size(nhs, hs, &nhs) ||
                          gv_mul_size(nhs, s->R, &nh))) ||
        !have(r, 2 * s->G, 8) || !have(r, ntw * s->R, 8) || !have(r, nv, 8) ||
        !have(r, version >= 2 ? nh : nhs, 8))
        return gv_fail(e, GV_EFORMAT, "%s: %s: %zu bytes cannot hold the accumulators of %zu "
                                      "replicas", src, bad, gv_rbuf_left(r), s->R);
    s->goff = alloc_array(s->G, sizeof *s->goff);
    s->gcnt = alloc_array(s->G, sizeof *s->gcnt);
    s->sigma = alloc_array(ntw * s->R, sizeof *s->sigma);
    s->vals = alloc_array(nv, sizeof *s->vals);
    if (o->histogram) {
        s->hcounts = alloc_array(nh, sizeof *s->hcounts);
        s->hscratch = alloc_array(s->G * hs, sizeof *s->hscratch);
    }
    if (!s->goff || !s->gcnt || !s->sigma || !s->vals ||
        (o->histogram && (!s->hcounts || !s->hscratch)))
        return gv_fail(e, GV_ENOMEM, "%s: cannot allocate the observer's accumulators", src);
    for (size_t g = 0; g < s->G; g++) s->goff[g] = (size_t)gv_rbuf_u64(r);
    for (size_t g = 0; g < s->G; g++) {
        uint64_t c = gv_rbuf_u64(r);
        if (s->goff[g] > s->N || c > s->N - s->goff[g] || c == 0 || (g == 0 && c != s->N))
            return gv_fail(e, GV_EFORMAT, "%s: %s (weight group %zu)", src, bad, g);
        s->gcnt[g] = (size_t)c;
    }
    gv_rbuf_f64s(r, s->sigma, ntw * s->R);
    s->basin = alloc_array(s->R, sizeof *s->basin);
    if (o->novl) {
        s->qoff = alloc_array(o->novl, sizeof *s->qoff);
        s->qcnt = alloc_array(o->novl, sizeof *s->qcnt);
    }
    if (!s->basin || (o->novl && (!s->qoff || !s->qcnt)))
        return gv_fail(e, GV_ENOMEM, "%s: cannot allocate the observer's accumulators", src);
    if (version >= 2) {
        if (!have(r, s->R + 2 * o->novl, 8))
            return gv_fail(e, GV_EFORMAT, "%s: %s (basin labels cut off)", src, bad);
        gv_rbuf_u64s(r, s->basin, s->R);
        for (size_t i = 0; i < o->novl; i++) {
            s->qoff[i] = (size_t)gv_rbuf_u64(r);
            s->qcnt[i] = (size_t)gv_rbuf_u64(r);
            if (s->qoff[i] > s->N || s->qcnt[i] > s->N - s->qoff[i])
                return gv_fail(e, GV_EFORMAT, "%s: %s (overlap layer %zu)", src, bad, i + 1);
        }
        s->hist_pooled = gv_rbuf_u8(r);
        if (s->hist_pooled > 1) return gv_fail(e, GV_EFORMAT, "%s: %s (histogram flag)", src, bad);
    } else {
        for (size_t k = 0; k < s->R; k++) s->basin[k] = OWN_BASIN | k;
        s->hist_pooled = o->histogram;
    }
    gv_rbuf_f64s(r, s->vals, nv);
    if (o->histogram && version >= 2) {
        gv_rbuf_u64s(r, s->hcounts, nh);
    } else if (o->histogram) { /* the sums go to replica 0 of every (t_w, slot) */
        size_t per = s->G * hs;
        for (size_t ts = 0; ts < ntw * o->nhl; ts++)
            gv_rbuf_u64s(r, s->hcounts + ts * s->R * per, per);
    }
    for (size_t t = 0; t < ntw; t++) {
        int has = gv_rbuf_u8(r);
        int want = s->ref_taken[t] && s->cursor[t] < nl;
        if (r->bad || has != want)
            return gv_fail(e, GV_EFORMAT, "%s: %s (reference weights of t_w %zu)", src, bad, t + 1);
        if (!has) continue;
        if (!have(r, RN, 8))
            return gv_fail(e, GV_EFORMAT, "%s: %s (reference weights of t_w %zu cut off)", src,
                           bad, t + 1);
        if (!(s->ref[t] = alloc_array(RN, sizeof(double))))
            return gv_fail(e, GV_ENOMEM, "%s: cannot allocate the reference weights", src);
        gv_rbuf_f64s(r, s->ref[t], RN);
    }
    return r->bad ? gv_fail(e, GV_EFORMAT, "%s: %s (truncated)", src, bad) : GV_OK;
}

gv_status gv_two_time_restore(gv_two_time *o, const unsigned char *bytes, size_t len,
                              const char *src, gv_err *e)
{
    gv_rbuf r = gv_rbuf_init(bytes, len);
    const unsigned char *m = gv_rbuf_bytes(&r, 4);
    if (!m || memcmp(m, TT_MAGIC, 4) != 0)
        return gv_fail(e, GV_EFORMAT, "%s: not a two-time observer's state%s", src,
                       m && memcmp(m, SC_MAGIC, 4) == 0 ? " (it is a scalar observer's)" : "");
    uint32_t v = gv_rbuf_u32(&r);
    if (v < 1 || v > OBS_FORMAT)
        return gv_fail(e, GV_EFORMAT, "%s: two-time observer state format %u; this glassvm reads "
                                      "1..%u", src, v, OBS_FORMAT);
    int fresh = !o->bound;
    for (size_t t = 0; t < o->ntw; t++) fresh = fresh && !o->ref_taken[t];
    if (!fresh)
        return gv_fail(e, GV_EINVAL, "%s: restore needs a freshly built observer; this one has "
                                     "already taken measurements", src);
    gv_status st = tt_check_config(o, &r, v, src, e);
    if (st != GV_OK) return st;
    tt_state s;
    memset(&s, 0, sizeof s);
    st = tt_read_state(o, &r, v, &s, src, e);
    if (st == GV_OK && gv_rbuf_left(&r) != 0)
        st = gv_fail(e, GV_EFORMAT, "%s: %zu unexpected bytes after the two-time observer's state",
                     src, gv_rbuf_left(&r));
    if (st != GV_OK) {
        tt_state_free(&s, o->ntw);
        return st;
    }
    /* Commit: swap the new arrays in, free the fresh observer's. */
    tt_state old = {o->ref_taken, o->measured, o->cursor, 0,       0,          0,
                    0,            0,           o->goff,   o->gcnt, o->sigma,   o->vals,
                    o->ref,       o->hcounts,  o->hscratch, o->basin, o->qoff, o->qcnt, 0};
    o->version = v;
    o->ref_taken = s.ref_taken;
    o->measured = s.measured;
    o->cursor = s.cursor;
    o->ref = s.ref;
    if (s.R) {
        o->bound = 1;
        o->R = s.R;
        o->N = s.N;
        o->ngroups = s.ngroups;
        o->G = s.G;
        o->S = s.S;
        o->goff = s.goff;
        o->gcnt = s.gcnt;
        o->sigma = s.sigma;
        o->vals = s.vals;
        o->hcounts = s.hcounts;
        o->hscratch = s.hscratch;
        o->basin = s.basin;
        o->qoff = s.qoff;
        o->qcnt = s.qcnt;
        o->hist_pooled = s.hist_pooled;
        o->nq = o->N;
        if (o->novl) {
            o->nq = 0;
            for (size_t i = 0; i < o->novl; i++) o->nq += o->qcnt[i];
        }
    } else {
        old.goff = s.goff, old.gcnt = s.gcnt, old.sigma = s.sigma, old.vals = s.vals;
        old.hcounts = s.hcounts, old.hscratch = s.hscratch;
        old.basin = s.basin, old.qoff = s.qoff, old.qcnt = s.qcnt;
        o->basin = NULL, o->qoff = NULL, o->qcnt = NULL;
    }
    tt_state_free(&old, o->ntw);
    return GV_OK;
}

/* As tt_write, for scalar observers. */
static void sc_write(const obs_part *p, size_t n, gv_wbuf *out)
{
    const gv_scalar *o = p[0].o;
    size_t ns = gv_sched_count(o->at), R = 0;
    for (size_t k = 0; k < n; k++) R += p[k].count;
    gv_wbuf_bytes(out, SC_MAGIC, 4);
    gv_wbuf_u32(out, OBS_FORMAT);
    gv_wbuf_u64(out, ns);
    gv_wbuf_u64s(out, gv_sched_steps(o->at), ns);
    gv_wbuf_f64(out, o->lambda);
    gv_wbuf_u64(out, o->cursor);
    gv_wbuf_bytes(out, o->measured, ns);
    gv_wbuf_u64(out, o->vals ? R : 0);
    if (!o->vals) return;
    for (size_t i = 0; i < ns; i++)
        for (size_t k = 0; k < n; k++) {
            const gv_scalar *q = p[k].o;
            gv_wbuf_f64s(out, q->vals + (i * q->R + p[k].first) * SC_K, p[k].count * SC_K);
        }
}

gv_status gv_scalar_serialize(const gv_scalar *o, gv_wbuf *out, gv_err *e)
{
    obs_part all = {o, 0, o->R};
    sc_write(&all, 1, out);
    return out_status(out, "scalar observer", e);
}

gv_status gv_scalar_restore(gv_scalar *o, const unsigned char *bytes, size_t len, const char *src,
                            gv_err *e)
{
    const char *fix = "build the observer with the options of the run that wrote the checkpoint";
    gv_rbuf r = gv_rbuf_init(bytes, len);
    const unsigned char *m = gv_rbuf_bytes(&r, 4);
    if (!m || memcmp(m, SC_MAGIC, 4) != 0)
        return gv_fail(e, GV_EFORMAT, "%s: not a scalar observer's state%s", src,
                       m && memcmp(m, TT_MAGIC, 4) == 0 ? " (it is a two-time observer's)" : "");
    uint32_t v = gv_rbuf_u32(&r);
    if (v < 1 || v > OBS_FORMAT)
        return gv_fail(e, GV_EFORMAT, "%s: scalar observer state format %u; this glassvm reads "
                                      "1..%u", src, v, OBS_FORMAT);
    if (o->vals || o->cursor)
        return gv_fail(e, GV_EINVAL, "%s: restore needs a freshly built observer; this one has "
                                     "already taken measurements", src);
    size_t n = gv_sched_count(o->at);
    uint64_t cnt = gv_rbuf_u64(&r);
    if (r.bad || cnt == 0 || cnt > gv_rbuf_left(&r) / 8)
        return gv_fail(e, GV_EFORMAT, "%s: corrupt scalar observer (%llu steps)", src,
                       (unsigned long long)cnt);
    const unsigned char *steps = gv_rbuf_bytes(&r, (size_t)cnt * 8);
    uint64_t *mine = alloc_array(n, 8);
    if (!mine) return gv_fail(e, GV_ENOMEM, "%s: out of memory", src);
    gv_wbuf mb = {(unsigned char *)mine, 0, n * 8, 0}; /* our steps in the file's byte order */
    gv_wbuf_u64s(&mb, gv_sched_steps(o->at), n);
    int same = cnt == n && memcmp(steps, mine, n * 8) == 0;
    free(mine);
    double lambda = gv_rbuf_f64(&r);
    if (r.bad) return gv_fail(e, GV_EFORMAT, "%s: truncated scalar observer", src);
    if (!same)
        return gv_fail(e, GV_EINVAL, "%s: scalar observer configuration differs from the "
                                     "checkpoint's: the checkpoint measures at %llu steps, this "
                                     "observer at %s; %s", src, (unsigned long long)cnt,
                       gv_sched_describe(o->at), fix);
    if (!same_f64s(&lambda, &o->lambda, 1))
        return gv_fail(e, GV_EINVAL, "%s: scalar observer configuration differs from the "
                                     "checkpoint's: lambda %g in the checkpoint, %g here; %s",
                       src, lambda, o->lambda, fix);
    uint64_t cursor = gv_rbuf_u64(&r);
    const unsigned char *meas = gv_rbuf_bytes(&r, n);
    uint64_t R = gv_rbuf_u64(&r);
    size_t nv = 0;
    if (r.bad || cursor > n || (R == 0) != (cursor == 0) || R > SIZE_MAX ||
        gv_mul_size(n * SC_K, (size_t)R, &nv) || !have(&r, nv, 8) || gv_rbuf_left(&r) != nv * 8)
        return gv_fail(e, GV_EFORMAT, "%s: corrupt scalar observer state (position %llu of %zu, "
                                      "%llu replicas, %zu bytes)", src, (unsigned long long)cursor,
                       n, (unsigned long long)R, gv_rbuf_left(&r));
    double *vals = NULL;
    if (R) {
        if (!(vals = alloc_array(nv, sizeof *vals)))
            return gv_fail(e, GV_ENOMEM, "%s: cannot allocate %zu values", src, nv);
        gv_rbuf_f64s(&r, vals, nv);
    }
    memcpy(o->measured, meas, n);
    o->cursor = (size_t)cursor;
    o->R = (size_t)R;
    o->vals = vals;
    return GV_OK;
}

gv_status gv_obs_serialize(const gv_hook *h, gv_wbuf *out, gv_ckpt_kind *kind, gv_err *e)
{
    gv_two_time *tt = gv_two_time_from_hook(h);
    gv_scalar *sc = gv_scalar_from_hook(h);
    if (tt) {
        *kind = GV_CKPT_TWO_TIME;
        return gv_two_time_serialize(tt, out, e);
    }
    if (sc) {
        *kind = GV_CKPT_SCALAR;
        return gv_scalar_serialize(sc, out, e);
    }
    return gv_fail(e, GV_EINVAL, "checkpoint: %s is not a two-time or scalar observer (or it was "
                                 "closed)", h && h->name ? h->name : "the hook");
}

gv_status gv_obs_restore(gv_hook *h, const unsigned char *bytes, size_t len, const char *src,
                         gv_err *e)
{
    gv_two_time *tt = gv_two_time_from_hook(h);
    gv_scalar *sc = gv_scalar_from_hook(h);
    if (tt) return gv_two_time_restore(tt, bytes, len, src, e);
    if (sc) return gv_scalar_restore(sc, bytes, len, src, e);
    return gv_fail(e, GV_EINVAL, "%s: can only be restored into a two-time or scalar observer "
                                 "(this one is %s)", src, h && h->name ? h->name : "unknown");
}

/* ---- blocks of replicas (MPI ranks) ---------------------------------------
 * An observer run on one rank's block of replicas holds the per-replica
 * values of that block; the configuration and event positions are the same
 * on every rank (every rank runs the same steps).  Concatenating the blocks'
 * values in rank order gives exactly the state one observer over all
 * replicas would have had, so its tables (reduced with the same code, in
 * the same order) and its checkpoint bytes are those of a single-rank run. */

/* Bytes of the configuration at the start of a two-time state. */
static size_t tt_config_bytes(const gv_two_time *o)
{
    return 4 + 4 + 8 + 8 * o->ntw + 8 + 8 * o->nl + 8 + 16 * o->nc + 1 + 1 + 8 + 8 + 8 + o->nl +
           (o->version >= 2 ? 8 + 8 * o->novl : 0);
}

/* A new two-time observer configured and filled from state bytes. */
static gv_two_time *tt_from_bytes(const unsigned char *b, size_t len, const char *src, gv_err *e)
{
    gv_rbuf r = gv_rbuf_init(b, len);
    gv_rbuf_bytes(&r, 4); /* magic and version: checked by the restore below */
    uint32_t version = gv_rbuf_u32(&r);
    uint64_t ntw = gv_rbuf_u64(&r);
    const char *bad = "corrupt two-time observer";
    if (r.bad || ntw == 0 || ntw > gv_rbuf_left(&r) / 8)
        return gv_fail(e, GV_EFORMAT, "%s: %s (%llu waiting times)", src, bad,
                       (unsigned long long)ntw), NULL;
    uint64_t *tw = malloc(ntw * 8);
    if (!tw) return gv_fail(e, GV_ENOMEM, "%s: out of memory", src), NULL;
    gv_rbuf_u64s(&r, tw, ntw);
    uint64_t nl = gv_rbuf_u64(&r);
    uint64_t *lag = nl && nl <= gv_rbuf_left(&r) / 8 ? malloc(nl * 16) : NULL;
    gv_two_time *o = NULL;
    gv_sched *lags = NULL, *hlags = NULL;
    if (!lag) {
        gv_fail(e, nl && nl <= gv_rbuf_left(&r) / 8 ? GV_ENOMEM : GV_EFORMAT,
                "%s: %s (%llu lags)", src, bad, (unsigned long long)nl);
        goto done;
    }
    gv_rbuf_u64s(&r, lag, nl);
    uint64_t nc = gv_rbuf_u64(&r);
    if (nc == 0 || nc > GV_OBS_MAX_CUTOFFS) {
        gv_fail(e, GV_EFORMAT, "%s: %s (%llu cutoffs)", src, bad, (unsigned long long)nc);
        goto done;
    }
    double chi[GV_OBS_MAX_CUTOFFS], eps[GV_OBS_MAX_CUTOFFS], c_chi[GV_OBS_MAX_CUTOFFS],
        c_eps[GV_OBS_MAX_CUTOFFS];
    gv_rbuf_f64s(&r, chi, nc);
    gv_rbuf_f64s(&r, eps, nc);
    gv_two_time_opts opts = {0};
    opts.tw = tw;
    opts.ntw = ntw;
    opts.chi = c_chi;
    opts.eps = c_eps;
    for (size_t c = 0; c < nc; c++) {
        if (!isnan(chi[c])) c_chi[opts.nchi++] = chi[c];
        else c_eps[opts.neps++] = eps[c];
    }
    opts.histogram = gv_rbuf_u8(&r);
    opts.per_layer = gv_rbuf_u8(&r);
    opts.hist.bins = (size_t)gv_rbuf_u64(&r);
    opts.hist.lo = gv_rbuf_f64(&r);
    opts.hist.hi = gv_rbuf_f64(&r);
    uint64_t *hl = lag + nl, nhl = 0; /* the lags with a histogram */
    for (size_t l = 0; l < nl; l++)
        if (gv_rbuf_u8(&r)) hl[nhl++] = lag[l];
    size_t ovl[GV_OBS_MAX_LAYERS];
    uint64_t novl = version >= 2 ? gv_rbuf_u64(&r) : 0;
    if (novl > GV_OBS_MAX_LAYERS) {
        gv_fail(e, GV_EFORMAT, "%s: %s (%llu overlap layers)", src, bad, (unsigned long long)novl);
        goto done;
    }
    for (size_t i = 0; i < novl; i++) ovl[i] = (size_t)gv_rbuf_u64(&r);
    opts.overlap_layers = ovl;
    opts.noverlap_layers = (size_t)novl;
    if (r.bad) {
        gv_fail(e, GV_EFORMAT, "%s: truncated two-time observer", src);
        goto done;
    }
    if (!(lags = gv_sched_list(lag, nl, e))) goto done;
    if (opts.histogram && nhl > 0 && !(hlags = gv_sched_list(hl, nhl, e))) goto done;
    opts.lags = lags;
    opts.hist_lags = hlags;
    if (!(o = gv_two_time_alloc(&opts, e))) goto done;
    if (gv_two_time_restore(o, b, len, src, e) != GV_OK) {
        gv_two_time_free(o);
        o = NULL;
    }
done:
    free(tw);
    free(lag);
    gv_sched_free(lags);
    gv_sched_free(hlags);
    return o;
}

/* A new scalar observer configured and filled from state bytes. */
static gv_scalar *sc_from_bytes(const unsigned char *b, size_t len, const char *src, gv_err *e)
{
    gv_rbuf r = gv_rbuf_init(b, len);
    gv_rbuf_bytes(&r, 8);
    uint64_t n = gv_rbuf_u64(&r);
    if (r.bad || n == 0 || n > gv_rbuf_left(&r) / 8)
        return gv_fail(e, GV_EFORMAT, "%s: corrupt scalar observer (%llu steps)", src,
                       (unsigned long long)n), NULL;
    uint64_t *steps = malloc(n * 8);
    if (!steps) return gv_fail(e, GV_ENOMEM, "%s: out of memory", src), NULL;
    gv_rbuf_u64s(&r, steps, n);
    gv_scalar_opts opts = {NULL, gv_rbuf_f64(&r)};
    gv_sched *at = gv_sched_list(steps, n, e);
    free(steps);
    if (!at) return NULL;
    opts.at = at;
    gv_scalar *o = gv_scalar_alloc(&opts, e);
    gv_sched_free(at);
    if (o && gv_scalar_restore(o, b, len, src, e) != GV_OK) {
        gv_scalar_free(o);
        o = NULL;
    }
    return o;
}

/* The observer kind of state bytes (GV_CKPT_TWO_TIME, GV_CKPT_SCALAR), or 0. */
static int obs_kind_of(const unsigned char *b, size_t len)
{
    if (len >= 4 && memcmp(b, TT_MAGIC, 4) == 0) return GV_CKPT_TWO_TIME;
    if (len >= 4 && memcmp(b, SC_MAGIC, 4) == 0) return GV_CKPT_SCALAR;
    return 0;
}

static void *obs_from_bytes(int kind, const unsigned char *b, size_t len, const char *src,
                            gv_err *e)
{
    if (kind == GV_CKPT_TWO_TIME) return tt_from_bytes(b, len, src, e);
    return sc_from_bytes(b, len, src, e);
}

static void obs_free(int kind, void *o)
{
    if (kind == GV_CKPT_TWO_TIME) gv_two_time_free(o);
    else gv_scalar_free(o);
}

/* Do rank k's observer q and rank k0's observer z agree on everything but
 * their replicas (configuration, events handled, shape)? */
static gv_status same_but_replicas(int kind, const void *z, const void *q,
                                   const unsigned char *zb, const unsigned char *qb, size_t k0,
                                   size_t k, const char *src, gv_err *e)
{
    const char *why = NULL;
    if (kind == GV_CKPT_TWO_TIME) {
        const gv_two_time *a = z, *b = q;
        if (tt_config_bytes(a) != tt_config_bytes(b) || memcmp(zb, qb, tt_config_bytes(a)) != 0)
            why = "is configured differently";
        else if (memcmp(a->ref_taken, b->ref_taken, a->ntw) != 0 ||
                 memcmp(a->cursor, b->cursor, a->ntw * sizeof *a->cursor) != 0 ||
                 memcmp(a->measured, b->measured, a->ntw * a->nl) != 0 || a->bound != b->bound)
            why = "has handled other events (steps)";
        else if (a->bound && (a->N != b->N || a->ngroups != b->ngroups ||
                              memcmp(a->goff, b->goff, a->G * sizeof *a->goff) != 0 ||
                              memcmp(a->gcnt, b->gcnt, a->G * sizeof *a->gcnt) != 0))
            why = "observes networks of another shape";
    } else {
        const gv_scalar *a = z, *b = q;
        size_t n = gv_sched_count(a->at);
        if (n != gv_sched_count(b->at) || memcmp(zb, qb, 16 + 8 * n + 8) != 0)
            why = "is configured differently";
        else if (a->cursor != b->cursor || memcmp(a->measured, b->measured, n) != 0 ||
                 (a->vals == NULL) != (b->vals == NULL))
            why = "has handled other events (steps)";
    }
    if (!why) return GV_OK;
    return gv_fail(e, GV_EINVAL, "%s: rank %zu's observer %s than rank %zu's; every rank must "
                                 "build the same observers and run the same steps", src, k, why, k0);
}

static size_t obs_replicas(int kind, const void *o)
{
    if (kind == GV_CKPT_TWO_TIME) {
        const gv_two_time *t = o;
        return t->bound ? t->R : 0;
    }
    return ((const gv_scalar *)o)->R;
}

gv_status gv_obs_concat(const unsigned char *const *parts, const size_t *lens, size_t n,
                        const char *src, gv_wbuf *out, gv_err *e)
{
    void **obs = calloc(n ? n : 1, sizeof *obs);
    obs_part *p = calloc(n ? n : 1, sizeof *p);
    if (!obs || !p) {
        free(obs);
        free(p);
        return gv_fail(e, GV_ENOMEM, "%s: out of memory", src);
    }
    gv_status s = GV_OK;
    int kind = 0;
    size_t np = 0, k0 = 0;
    char name[GV_ERR_MAX / 2];
    for (size_t k = 0; k < n && s == GV_OK; k++) {
        if (lens[k] == 0) continue;
        snprintf(name, sizeof name, "%s (rank %zu)", src, k);
        int kk = obs_kind_of(parts[k], lens[k]);
        if (!kk) {
            s = gv_fail(e, GV_EFORMAT, "%s: not an observer's state", name);
        } else if (kind && kk != kind) {
            s = gv_fail(e, GV_EINVAL, "%s: rank %zu holds a %s, rank %zu a %s", src, k,
                        gv_ckpt_kind_name((gv_ckpt_kind)kk), k0,
                        gv_ckpt_kind_name((gv_ckpt_kind)kind));
        } else if (!(obs[k] = obs_from_bytes(kk, parts[k], lens[k], name, e))) {
            s = e ? e->status : GV_EFORMAT;
        } else if (kind) {
            s = same_but_replicas(kind, obs[k0], obs[k], parts[k0], parts[k], k0, k, src, e);
        } else {
            kind = kk;
            k0 = k;
        }
        if (s == GV_OK) p[np++] = (obs_part){obs[k], 0, obs_replicas(kk, obs[k])};
    }
    if (s == GV_OK && np == 0) s = gv_fail(e, GV_EINVAL, "%s: no rank holds an observer", src);
    if (s == GV_OK) {
        if (kind == GV_CKPT_TWO_TIME) tt_write(p, np, out);
        else sc_write(p, np, out);
        s = out_status(out, src, e);
    }
    for (size_t k = 0; k < n; k++)
        if (obs[k]) obs_free(obs_kind_of(parts[k], lens[k]), obs[k]);
    free(obs);
    free(p);
    return s;
}

gv_status gv_obs_slice(const unsigned char *bytes, size_t len, size_t first, size_t count,
                       const char *src, gv_wbuf *out, gv_err *e)
{
    int kind = obs_kind_of(bytes, len);
    if (!kind) return gv_fail(e, GV_EFORMAT, "%s: not an observer's state", src);
    void *o = obs_from_bytes(kind, bytes, len, src, e);
    if (!o) return e ? e->status : GV_EFORMAT;
    size_t R = obs_replicas(kind, o);
    gv_status s = GV_OK;
    if (R > 0 && (count == 0 || first > R || count > R - first)) {
        s = gv_fail(e, GV_EINVAL, "%s: replicas %zu..%zu asked for, the observer holds %zu (from "
                                  "0)", src, first, first + count - 1, R);
    } else {
        obs_part part = {o, R ? first : 0, R ? count : 0};
        if (kind == GV_CKPT_TWO_TIME) tt_write(&part, 1, out);
        else sc_write(&part, 1, out);
        s = out_status(out, src, e);
    }
    obs_free(kind, o);
    return s;
}
