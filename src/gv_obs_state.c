/* gv_obs_state.c: observers' state bytes: save and restore, the table of
 * observer types, and the join and split of blocks of replicas (MPI ranks).
 * The format is described in gv_obs_impl.h. */
#include "gv_obs_impl.h"


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

/* Read the magic and version of a `what` state (magic; the other kind:
 * other_magic, other) into *v, or fail saying what the bytes are. */
static gv_status read_header(gv_rbuf *r, const char *magic, const char *what,
                             const char *other_magic, const char *other, uint32_t *v,
                             const char *src, gv_err *e)
{
    const unsigned char *m = gv_rbuf_bytes(r, 4);
    if (!m || memcmp(m, magic, 4) != 0)
        return gv_fail(e, GV_EFORMAT, "%s: not a %s's state%s%s%s", src, what,
                       m && memcmp(m, other_magic, 4) == 0 ? " (it is a " : "",
                       m && memcmp(m, other_magic, 4) == 0 ? other : "",
                       m && memcmp(m, other_magic, 4) == 0 ? "'s)" : "");
    *v = gv_rbuf_u32(r);
    if (*v < 1 || *v > OBS_FORMAT)
        return gv_fail(e, GV_EFORMAT, "%s: %s state format %u; this glassvm reads 1..%u", src,
                       what, *v, OBS_FORMAT);
    return GV_OK;
}

/* Restore two-time state bytes into o.  replace: o may have measured
 * already (what it holds is replaced); else it must be freshly built. */
static gv_status tt_restore(gv_two_time *o, const unsigned char *bytes, size_t len, int replace,
                            const char *src, gv_err *e)
{
    gv_rbuf r = gv_rbuf_init(bytes, len);
    uint32_t v;
    gv_status hs = read_header(&r, TT_MAGIC, "two-time observer", SC_MAGIC, "scalar observer", &v,
                               src, e);
    if (hs != GV_OK) return hs;
    int fresh = !o->bound;
    for (size_t t = 0; t < o->ntw; t++) fresh = fresh && !o->ref_taken[t];
    if (!fresh && !replace)
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
    /* Commit: swap the new arrays in, free the observer's old ones. */
    tt_state old = {o->ref_taken, o->measured, o->cursor, 0,       0,          0,
                    0,            0,           o->goff,   o->gcnt, o->sigma,   o->vals,
                    o->ref,       o->hcounts,  o->hscratch, o->basin, o->qoff, o->qcnt, 0};
    o->version = v;
    o->ref_taken = s.ref_taken;
    o->measured = s.measured;
    o->cursor = s.cursor;
    o->ref = s.ref;
    o->bound = s.R != 0; /* unbound: R, N, ... 0 and the arrays NULL, as when freshly built */
    o->source = 0;       /* whichever ensemble it is restored for: bound at its next frame */
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
        for (size_t i = 0; i < o->novl && o->bound; i++) o->nq += o->qcnt[i];
    }
    tt_state_free(&old, o->ntw);
    return GV_OK;
}

gv_status gv_two_time_restore(gv_two_time *o, const unsigned char *bytes, size_t len,
                              const char *src, gv_err *e)
{
    return tt_restore(o, bytes, len, 0, src, e);
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

/* As tt_restore, for scalar observers. */
static gv_status sc_restore(gv_scalar *o, const unsigned char *bytes, size_t len, int replace,
                            const char *src, gv_err *e)
{
    const char *fix = "build the observer with the options of the run that wrote the checkpoint";
    gv_rbuf r = gv_rbuf_init(bytes, len);
    uint32_t v;
    gv_status hs = read_header(&r, SC_MAGIC, "scalar observer", TT_MAGIC, "two-time observer", &v,
                               src, e);
    if (hs != GV_OK) return hs;
    if ((o->vals || o->cursor) && !replace)
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
    free(o->vals);
    o->vals = vals;
    return GV_OK;
}

gv_status gv_scalar_restore(gv_scalar *o, const unsigned char *bytes, size_t len, const char *src,
                            gv_err *e)
{
    return sc_restore(o, bytes, len, 0, src, e);
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

/* A new two-time observer with the configuration of state bytes (the state
 * itself is not read: it has measured nothing). */
static gv_two_time *tt_empty(const unsigned char *b, size_t len, const char *src, gv_err *e)
{
    gv_rbuf r = gv_rbuf_init(b, len);
    uint32_t version;
    if (read_header(&r, TT_MAGIC, "two-time observer", SC_MAGIC, "scalar observer", &version, src,
                    e) != GV_OK)
        return NULL;
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
    o = gv_two_time_alloc(&opts, e);
done:
    free(tw);
    free(lag);
    gv_sched_free(lags);
    gv_sched_free(hlags);
    return o;
}

/* As tt_empty, for scalar observers. */
static gv_scalar *sc_empty(const unsigned char *b, size_t len, const char *src, gv_err *e)
{
    gv_rbuf r = gv_rbuf_init(b, len);
    uint32_t version;
    if (read_header(&r, SC_MAGIC, "scalar observer", TT_MAGIC, "two-time observer", &version, src,
                    e) != GV_OK)
        return NULL;
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
    return o;
}

/* Why rank k's observer q differs from rank k0's z in more than their
 * replicas (configuration, events handled, shape), or NULL. */
static const char *tt_differs(const void *z, const void *q, const unsigned char *zb,
                              const unsigned char *qb)
{
    const gv_two_time *a = z, *b = q;
    if (tt_config_bytes(a) != tt_config_bytes(b) || memcmp(zb, qb, tt_config_bytes(a)) != 0)
        return "is configured differently";
    if (memcmp(a->ref_taken, b->ref_taken, a->ntw) != 0 ||
        memcmp(a->cursor, b->cursor, a->ntw * sizeof *a->cursor) != 0 ||
        memcmp(a->measured, b->measured, a->ntw * a->nl) != 0 || a->bound != b->bound)
        return "has handled other events (steps)";
    if (a->bound && (a->N != b->N || a->ngroups != b->ngroups ||
                     memcmp(a->goff, b->goff, a->G * sizeof *a->goff) != 0 ||
                     memcmp(a->gcnt, b->gcnt, a->G * sizeof *a->gcnt) != 0))
        return "observes networks of another shape";
    return NULL;
}

static const char *sc_differs(const void *z, const void *q, const unsigned char *zb,
                              const unsigned char *qb)
{
    const gv_scalar *a = z, *b = q;
    size_t n = gv_sched_count(a->at);
    if (n != gv_sched_count(b->at) || memcmp(zb, qb, 16 + 8 * n + 8) != 0)
        return "is configured differently";
    if (a->cursor != b->cursor || memcmp(a->measured, b->measured, n) != 0 ||
        (a->vals == NULL) != (b->vals == NULL))
        return "has handled other events (steps)";
    return NULL;
}

static size_t tt_replicas(const void *o)
{
    const gv_two_time *t = o;
    return t->bound ? t->R : 0;
}

static size_t sc_replicas(const void *o) { return ((const gv_scalar *)o)->R; }

/* ---- the table of observer types ---------------------------------------------
 * Everything the checkpoint and MPI code does with an observer goes through
 * its row: a new observer type is its own functions and one row here. */
typedef struct obs_type {
    const char *name;  /* for messages */
    const char *magic; /* the first 4 bytes of its state */
    gv_ckpt_kind kind; /* its checkpoint section kind */
    void *(*from_hook)(const gv_hook *h);
    void (*hook)(void *o, gv_hook *h); /* fill h for o */
    gv_status (*serialize)(const void *o, gv_wbuf *out, gv_err *e);
    /* Restore state bytes; replace: o may have measured (else it must be fresh). */
    gv_status (*restore)(void *o, const unsigned char *b, size_t len, int replace, const char *src,
                         gv_err *e);
    /* A new observer with the configuration of state bytes, that has measured nothing. */
    void *(*empty)(const unsigned char *b, size_t len, const char *src, gv_err *e);
    void (*write)(const obs_part *p, size_t n, gv_wbuf *out); /* parts of replicas, joined */
    size_t (*replicas)(const void *o);
    const char *(*differs)(const void *z, const void *q, const unsigned char *zb,
                           const unsigned char *qb);
    const char *(*describe)(const void *o);
    void (*set_description)(void *o, const char *text);
    void (*free)(void *o);
} obs_type;

static void *tt_hook(const gv_hook *h) { return gv_two_time_from_hook(h); }
static void *sc_hook(const gv_hook *h) { return gv_scalar_from_hook(h); }
static void tt_fill(void *o, gv_hook *h) { gv_two_time_hook(o, h); }
static void sc_fill(void *o, gv_hook *h) { gv_scalar_hook(o, h); }
static gv_status tt_ser(const void *o, gv_wbuf *out, gv_err *e)
{
    return gv_two_time_serialize(o, out, e);
}
static gv_status sc_ser(const void *o, gv_wbuf *out, gv_err *e)
{
    return gv_scalar_serialize(o, out, e);
}
static gv_status tt_res(void *o, const unsigned char *b, size_t len, int replace, const char *src,
                        gv_err *e)
{
    return tt_restore(o, b, len, replace, src, e);
}
static gv_status sc_res(void *o, const unsigned char *b, size_t len, int replace, const char *src,
                        gv_err *e)
{
    return sc_restore(o, b, len, replace, src, e);
}
static void *tt_new(const unsigned char *b, size_t len, const char *src, gv_err *e)
{
    return tt_empty(b, len, src, e);
}
static void *sc_new(const unsigned char *b, size_t len, const char *src, gv_err *e)
{
    return sc_empty(b, len, src, e);
}
static const char *tt_desc(const void *o) { return gv_two_time_describe(o); }
static const char *sc_desc(const void *o) { return gv_scalar_describe(o); }
static void tt_set_desc(void *o, const char *t)
{
    gv_two_time *q = o;
    snprintf(q->desc, sizeof q->desc, "%s", t);
}
static void sc_set_desc(void *o, const char *t)
{
    gv_scalar *q = o;
    snprintf(q->desc, sizeof q->desc, "%s", t);
}
static void tt_free(void *o) { gv_two_time_free(o); }
static void sc_free(void *o) { gv_scalar_free(o); }

static const obs_type OBS_TYPES[] = {
    {"two-time observer", TT_MAGIC, GV_CKPT_TWO_TIME, tt_hook, tt_fill, tt_ser, tt_res, tt_new,
     tt_write, tt_replicas, tt_differs, tt_desc, tt_set_desc, tt_free},
    {"scalar observer", SC_MAGIC, GV_CKPT_SCALAR, sc_hook, sc_fill, sc_ser, sc_res, sc_new,
     sc_write, sc_replicas, sc_differs, sc_desc, sc_set_desc, sc_free},
};
#define N_OBS_TYPES (sizeof OBS_TYPES / sizeof *OBS_TYPES)

/* The type of an observer hook (and the observer, in *o), or NULL. */
static const obs_type *type_of_hook(const gv_hook *h, void **o)
{
    for (size_t i = 0; i < N_OBS_TYPES; i++)
        if (h && (*o = OBS_TYPES[i].from_hook(h))) return &OBS_TYPES[i];
    return NULL;
}

/* The type of state bytes (by their magic), or NULL. */
static const obs_type *type_of_bytes(const unsigned char *b, size_t len)
{
    for (size_t i = 0; i < N_OBS_TYPES; i++)
        if (len >= 4 && memcmp(b, OBS_TYPES[i].magic, 4) == 0) return &OBS_TYPES[i];
    return NULL;
}

/* A new observer of the type of the state bytes, configured and filled from
 * them (NULL on failure). */
static void *from_bytes(const obs_type *t, const unsigned char *b, size_t len, const char *src,
                        gv_err *e)
{
    void *o = t->empty(b, len, src, e);
    if (o && t->restore(o, b, len, 0, src, e) != GV_OK) {
        t->free(o);
        o = NULL;
    }
    return o;
}

gv_status gv_obs_new_empty(const unsigned char *bytes, size_t len, const char *src, gv_hook *h,
                           gv_err *e)
{
    const obs_type *t = type_of_bytes(bytes, len);
    if (!t)
        return gv_fail(e, GV_EFORMAT, "%s: not an observer's state (it starts with neither %s nor "
                                      "%s)", src, TT_MAGIC, SC_MAGIC);
    void *o = t->empty(bytes, len, src, e);
    if (!o) return e ? e->status : GV_EFORMAT;
    t->hook(o, h);
    return GV_OK;
}

gv_status gv_obs_empty_like(const gv_hook *src_h, gv_hook *h, gv_err *e)
{
    void *src;
    const obs_type *t = type_of_hook(src_h, &src);
    if (!t)
        return gv_fail(e, GV_EINVAL, "observer: %s is not a two-time or scalar observer (or it "
                                     "was closed)", src_h && src_h->name ? src_h->name : "the hook");
    gv_wbuf b = {0};
    gv_status s = t->serialize(src, &b, e);
    if (s == GV_OK) s = gv_obs_new_empty(b.p, b.len, t->name, h, e);
    gv_wbuf_free(&b);
    /* The same steps; a schedule rebuilt from its steps would describe itself as a list. */
    if (s == GV_OK) t->set_description(h->self, t->describe(src));
    return s;
}

gv_ckpt_kind gv_obs_kind(const gv_hook *h)
{
    void *o;
    const obs_type *t = type_of_hook(h, &o);
    return t ? t->kind : GV_CKPT_BLOB;
}

gv_status gv_obs_serialize(const gv_hook *h, gv_wbuf *out, gv_ckpt_kind *kind, gv_err *e)
{
    void *o;
    const obs_type *t = type_of_hook(h, &o);
    if (!t)
        return gv_fail(e, GV_EINVAL, "checkpoint: %s is not a two-time or scalar observer (or it "
                                     "was closed)", h && h->name ? h->name : "the hook");
    *kind = t->kind;
    return t->serialize(o, out, e);
}

gv_status gv_obs_restore_as(gv_hook *h, const unsigned char *bytes, size_t len, int mode,
                            const char *src, gv_err *e)
{
    void *o;
    const obs_type *t = type_of_hook(h, &o);
    if (!t)
        return gv_fail(e, GV_EINVAL, "%s: can only be restored into a two-time or scalar observer "
                                     "(this one is %s)", src, h && h->name ? h->name : "unknown");
    return t->restore(o, bytes, len, mode == GV_OBS_REPLACE, src, e);
}

gv_status gv_obs_restore(gv_hook *h, const unsigned char *bytes, size_t len, const char *src,
                         gv_err *e)
{
    return gv_obs_restore_as(h, bytes, len, GV_OBS_FRESH, src, e);
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
    const obs_type *type = NULL;
    size_t np = 0, k0 = 0;
    char name[GV_ERR_MAX / 2];
    for (size_t k = 0; k < n && s == GV_OK; k++) {
        if (lens[k] == 0) continue;
        snprintf(name, sizeof name, "%s (rank %zu)", src, k);
        const obs_type *tk = type_of_bytes(parts[k], lens[k]);
        const char *why;
        if (!tk) {
            s = gv_fail(e, GV_EFORMAT, "%s: not an observer's state", name);
        } else if (type && tk != type) {
            s = gv_fail(e, GV_EINVAL, "%s: rank %zu holds a %s, rank %zu a %s", src, k,
                        tk->name, k0, type->name);
        } else if (!(obs[k] = from_bytes(tk, parts[k], lens[k], name, e))) {
            s = e ? e->status : GV_EFORMAT;
        } else if (type) {
            if ((why = type->differs(obs[k0], obs[k], parts[k0], parts[k])))
                s = gv_fail(e, GV_EINVAL, "%s: rank %zu's observer %s than rank %zu's; every rank "
                                          "must build the same observers and run the same steps",
                            src, k, why, k0);
        } else {
            type = tk;
            k0 = k;
        }
        if (s == GV_OK) p[np++] = (obs_part){obs[k], 0, tk->replicas(obs[k])};
    }
    if (s == GV_OK && np == 0) s = gv_fail(e, GV_EINVAL, "%s: no rank holds an observer", src);
    if (s == GV_OK) {
        type->write(p, np, out);
        s = out_status(out, src, e);
    }
    for (size_t k = 0; k < n; k++)
        if (obs[k]) type_of_bytes(parts[k], lens[k])->free(obs[k]);
    free(obs);
    free(p);
    return s;
}

gv_status gv_obs_slice(const unsigned char *bytes, size_t len, size_t first, size_t count,
                       const char *src, gv_wbuf *out, gv_err *e)
{
    const obs_type *type = type_of_bytes(bytes, len);
    if (!type) return gv_fail(e, GV_EFORMAT, "%s: not an observer's state", src);
    void *o = from_bytes(type, bytes, len, src, e);
    if (!o) return e ? e->status : GV_EFORMAT;
    size_t R = type->replicas(o);
    gv_status s = GV_OK;
    if (R > 0 && (count == 0 || first > R || count > R - first)) {
        s = gv_fail(e, GV_EINVAL, "%s: replicas %zu..%zu asked for, the observer holds %zu (from "
                                  "0)", src, first, first + count - 1, R);
    } else {
        obs_part part = {o, R ? first : 0, R ? count : 0};
        type->write(&part, 1, out);
        s = out_status(out, src, e);
    }
    type->free(o);
    return s;
}
