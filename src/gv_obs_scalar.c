/* gv_obs_scalar.c: the scalar observer and its tables (gv_obs.h). */
#include "gv_obs_impl.h"

/* ---- scalar observer ------------------------------------------------------ */

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
            return gv_fail_prefix(e, "scalar observer: replica %zu: ", r); /* the run adds the step */
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
    *h = (gv_hook){.self = o, .name = "scalar observer", .next = sc_hook_next,
                   .fire = sc_hook_fire};
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


gv_scalar *gv_scalar_from_hook(const gv_hook *h)
{
    return h && h->fire == sc_hook_fire ? h->self : NULL;
}
