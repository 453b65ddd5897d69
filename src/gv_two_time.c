/* gv_two_time.c: the two-time observer and its tables (gv_obs.h). */
#include "gv_obs_impl.h"

/* ---- two-time observer --------------------------------------------------- */


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
                /* The lags on either side of it (o->lag is increasing), to pick from. */
                char near[64] = "";
                size_t l = 0;
                while (l < o->nl && o->lag[l] < hl) l++;
                if (l > 0 && l < o->nl)
                    snprintf(near, sizeof near, "; the nearest are %llu and %llu",
                             (unsigned long long)o->lag[l - 1], (unsigned long long)o->lag[l]);
                else if (o->nl > 0)
                    snprintf(near, sizeof near, "; the nearest is %llu",
                             (unsigned long long)o->lag[l > 0 ? l - 1 : 0]);
                gv_two_time_free(o);
                return gv_fail(e, GV_EINVAL, "%s: histogram lag %llu is not one of the lags "
                                             "(%s%s); histogram lags must be a subset of 'lags'",
                               W, (unsigned long long)hl, gv_sched_describe(opts->lags), near),
                       NULL;
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

size_t gv_two_time_nmeasured(const gv_two_time *o, size_t *total)
{
    size_t n = 0;
    *total = o->ntw * o->nl;
    for (size_t i = 0; i < *total; i++) n += o->measured[i] != 0;
    return n;
}

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
        /* ε = σ/χ = 0 would count no weight as close (Q = 0 at every lag). */
        if (s == 0 && o->nc > 0 && !isnan(o->chi[0])) {
            /* No reference then: a later step's try allocates it again. */
            free(o->ref[t]);
            o->ref[t] = NULL;
            return gv_fail(e, GV_EINVAL, "two-time observer: at t_w=%llu the weights of replica %zu "
                                         "are all equal (spread σ = 0), so the cutoff ε = σ/χ is 0 "
                                         "and Q would be 0 at every lag; give a fixed cutoff "
                                         "(eps = {...}) instead of chi, or a later t_w",
                           (unsigned long long)o->tw[t], r + 1);
        }
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

/* A bound observer meets the ensemble it was bound to: the same shape, and
 * (source != 0, an ensemble id) the same ensemble, not a clone whose weights
 * would be compared with the first one's references.  ng: its weight groups. */
static gv_status tt_same(const gv_two_time *o, size_t R, size_t N, size_t ng, uint64_t source,
                         gv_err *e)
{
    const char *W = "two-time observer";
    if (R != o->R || N != o->N || (o->per_layer && (ng ? ng : 1) != o->ngroups))
        return gv_fail(e, GV_EDIM, "%s: first used with %zu replicas of %zu weights, now %zu of "
                                   "%zu; use a new observer for each ensemble", W, o->R, o->N, R,
                       N);
    if (o->source && source && source != o->source)
        return gv_fail(e, GV_EINVAL, "%s: first used with another ensemble of the same shape "
                                     "(%zu replicas of %zu weights); an observer measures one "
                                     "ensemble (a clone is another): use a new observer for each",
                       W, o->R, o->N);
    return GV_OK;
}

gv_status gv_two_time_observe(gv_two_time *o, const gv_obs_frame *f, gv_err *e)
{
    const char *W = "two-time observer";
    gv_status st = o->bound ? tt_same(o, f->R, f->N, f->ngroups, f->source, e) : tt_bind(o, f, e);
    if (st != GV_OK) return st;
    if (!o->source) o->source = f->source; /* the first frame, or the first after a restore */
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
            if ((st = tt_reference(o, t, f, e)) != GV_OK) return st;
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
                      gv_ensemble_basins(ens), gv_ensemble_id(ens)};
    return gv_two_time_observe(o, &f, e);
}

/* Before a run: an observer bound to another ensemble (another shape, or
 * another one of the same shape), or overlap layers the network lacks, is
 * refused before the first step rather than at the first event. */
static gv_status tt_hook_check(void *self, const gv_ensemble *ens, gv_err *e)
{
    const gv_two_time *o = self;
    size_t ng = gv_ensemble_ngroups(ens) ? gv_ensemble_ngroups(ens) : 1;
    if (o->bound)
        return tt_same(o, gv_ensemble_size(ens), gv_ensemble_nweights(ens), ng,
                       gv_ensemble_id(ens), e);
    const char *W = "two-time observer";
    for (size_t i = 0; i < o->novl; i++)
        if (o->ovl[i] > ng)
            return gv_fail(e, GV_EINVAL, "%s: overlap layer %zu does not exist: the network has "
                                         "%zu weight groups (layers 1..%zu)", W, o->ovl[i], ng, ng);
    return GV_OK;
}

void gv_two_time_hook(gv_two_time *o, gv_hook *h)
{
    *h = (gv_hook){.self = o, .name = "two-time observer", .next = tt_hook_next,
                   .fire = tt_hook_fire, .check = tt_hook_check};
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

/* The standard error, over the live replicas ord[from..to) of a basin, of
 * each one's own fraction in bin b of weight group g: NaN for fewer than two.
 * Each live replica counts each of the group's `weights` weights once (in a
 * bin, or as zero, under or over), so its fraction is its count / weights,
 * and the basin's pooled fraction is their mean.  v: the lag's per-replica
 * values (NaN: lost, nothing counted). */
static double hist_fraction_sem(const gv_two_time *o, size_t t, size_t slot, size_t g,
                                const size_t *ord, size_t from, size_t to, const double *v,
                                size_t b, double weights)
{
    size_t hs = o->hist.bins + 3, n = 0;
    double sum = 0, ss = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t k = from; k < to; k++) {
            size_t r = ord[k];
            if (isnan(v[r * o->S + o->nc])) continue;
            const uint64_t *src = o->hcounts + ((t * o->nhl + slot) * o->R + r) * o->G * hs + g * hs;
            double x = (double)src[b] / weights;
            if (pass == 0) sum += x, n++;
            else ss += (x - sum / (double)n) * (x - sum / (double)n);
        }
    return n < 2 ? NAN : sqrt(ss / (double)(n - 1) / (double)n);
}

/* which: 0 histogram, 1 totals, 2 per basin. */
static gv_status tt_table_hist(const gv_two_time *o, int which, gv_table **out, gv_err *e)
{
    static const char *const hnames[] = {"tw", "t", "layer", "bin", "bin_lo", "bin_hi",
                                         "count", "fraction"};
    static const char *const snames[] = {"tw", "t", "layer", "n", "n_lost", "total",
                                         "in_range", "zeros", "under", "over"};
    static const char *const bnames[] = {"tw", "t", "basin", "n", "layer", "bin", "bin_lo",
                                         "bin_hi", "count", "fraction", "fraction_sem"};
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
        : new_table(bnames, 11, "histogram of log10|dw| within each basin (its n live noise "
                                "replicas pooled): fraction = count/(n_weights*n); fraction_sem: "
                                "its standard error over the n replicas' own fractions (NaN for "
                                "n = 1); basin = the basin label; layer 0 = all weights", e);
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
                                double row[11] = {
                                    (double)o->tw[t], (double)o->lag[l], basin_number(o, ord[i]),
                                    (double)n, (double)g, (double)b, lo, hi, (double)c[b], f,
                                    hist_fraction_sem(o, t, (size_t)slot, g, ord, i, j, v, b,
                                                      (double)total / (double)n)};
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


gv_two_time *gv_two_time_from_hook(const gv_hook *h)
{
    return h && h->fire == tt_hook_fire ? h->self : NULL;
}
