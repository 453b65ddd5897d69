/* lgv_analysis.c: the glass.analysis.* and glass.theory.* functions (the
 * glass.Table type is lgv_table.c).
 *
 * Numeric arrays from Lua are copied into userdata buffers (collected by the
 * GC), so a raised error leaks nothing.  docs/analysis.md describes the
 * behaviour. */
#include "lgv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gv_analysis.h"
#include "gv_table.h"
#include "gv_theory.h"

/* ---- helpers ------------------------------------------------------------- */

/* The Lua array at idx as doubles (buffer pushed on the stack).  `what`
 * names the argument in messages ("tau: t"). */
static double *check_array(lua_State *L, int idx, const char *what, size_t *n)
{
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) != LUA_TTABLE)
        luaL_error(L, "%s: expected an array of numbers, got %s", what, gvL_typename(L, idx));
    size_t len = gvL_list_len(L, idx, what);
    double *a = gvL_new_doubles(L, len);
    for (size_t i = 0; i < len; i++) {
        int ty = lua_rawgeti(L, idx, (lua_Integer)i + 1);
        if (ty != LUA_TNUMBER)
            luaL_error(L, "%s[%d] must be a number, got %s", what, (int)(i + 1),
                       gvL_typename(L, -1));
        a[i] = gv_plain_nan(lua_tonumber(L, -1)); /* "nan" in messages */
        lua_pop(L, 1);
    }
    *n = len;
    return a;
}

/* ---- glass.analysis ------------------------------------------------------ */

static const char *const TAU_KIND[] = {"found", "not_reached", "before_first", "below_min_t"};

static int tau_common(lua_State *L, double threshold, int optidx, const char *what)
{
    char wt[64], wq[64];
    snprintf(wt, sizeof wt, "%s: t", what);
    snprintf(wq, sizeof wq, "%s: q", what);
    lua_settop(L, optidx); /* buffers go above the (maybe absent) options */
    size_t n, nq;
    const double *t = check_array(L, 1, wt, &n);
    const double *q = check_array(L, 2, wq, &nq);
    if (n != nq)
        return luaL_error(L, "%s: t has %d values but q has %d", what, (int)n, (int)nq);
    gv_tau_opts o = {GV_TAU_FIRST, 0};
    if (!lua_isnoneornil(L, optidx)) {
        static const char *const keys[] = {"method", "min_t", NULL};
        gvL_check_options(L, optidx, what, keys);
        const char *m = gvL_opt_string(L, optidx, what, "method", "first");
        if (strcmp(m, "first") == 0) o.method = GV_TAU_FIRST;
        else if (strcmp(m, "interp") == 0) o.method = GV_TAU_INTERP;
        else return luaL_error(L, "%s: method '%s' unknown; use \"first\" (the paper's) or "
                                  "\"interp\"", what, m);
        o.min_t = gvL_opt_number(L, optidx, what, "min_t", 0);
    }
    gv_tau r;
    gv_err e = {0};
    if (gv_analysis_tau(t, q, n, threshold, &o, &r, &e)) {
        gvL_reprefix(&e, "tau", what);
        return gvL_raise(L, &e);
    }
    if (r.outcome == GV_TAU_FOUND) {
        lua_pushnumber(L, r.tau);
        lua_pushinteger(L, (lua_Integer)r.index + 1);
        return 2;
    }
    lua_pushnil(L);
    lua_pushstring(L, r.reason);
    lua_pushstring(L, TAU_KIND[r.outcome]);
    return 3;
}

/* analysis.tau(t, q, threshold [, {method=, min_t=}]) -> tau, i | nil, reason, kind */
static int an_tau(lua_State *L)
{
    double thr = gv_plain_nan(luaL_checknumber(L, 3));
    return tau_common(L, thr, 4, "tau");
}

static int an_tau90(lua_State *L) { return tau_common(L, GV_TAU90_THRESHOLD, 3, "tau90"); }
static int an_tau_e(lua_State *L) { return tau_common(L, GV_TAUE_THRESHOLD, 3, "tau_e"); }

/* analysis.powerlaw_fit(t, y [, {t_min=, t_max=}]) -> {exponent=, ...} */
static int an_powerlaw_fit(lua_State *L)
{
    size_t n, ny;
    lua_settop(L, 3);
    const double *x = check_array(L, 1, "powerlaw_fit: t", &n);
    const double *y = check_array(L, 2, "powerlaw_fit: y", &ny);
    if (n != ny)
        return luaL_error(L, "powerlaw_fit: t has %d values but y has %d", (int)n, (int)ny);
    double lo = 0, hi = HUGE_VAL;
    lua_Integer trim = 2;
    if (!lua_isnoneornil(L, 3)) {
        static const char *const keys[] = {"t_min", "t_max", "trim", NULL};
        gvL_check_options(L, 3, "powerlaw_fit", keys);
        lo = gvL_opt_number(L, 3, "powerlaw_fit", "t_min", 0);
        hi = gvL_opt_number(L, 3, "powerlaw_fit", "t_max", HUGE_VAL);
        trim = gvL_opt_integer(L, 3, "powerlaw_fit", "trim", 2);
        if (trim < 0 || trim > 100)
            return luaL_error(L, "powerlaw_fit: option 'trim' must be in 0..100, got %I", trim);
    }
    gv_powerlaw f;
    gv_err e = {0};
    if (gv_analysis_powerlaw_fit(x, y, n, lo, hi, &f, &e)) return gvL_raise(L, &e);
    double wlo, whi;
    size_t nwin;
    if (gv_analysis_powerlaw_spread(x, y, n, lo, hi, (size_t)trim, &wlo, &whi, &nwin, &e))
        return gvL_raise(L, &e);
    lua_createtable(L, 0, 12);
    lua_pushnumber(L, wlo), lua_setfield(L, -2, "exponent_min");
    lua_pushnumber(L, whi), lua_setfield(L, -2, "exponent_max");
    lua_pushinteger(L, (lua_Integer)nwin), lua_setfield(L, -2, "windows");
    lua_pushnumber(L, f.exponent), lua_setfield(L, -2, "exponent");
    lua_pushnumber(L, f.exponent_se), lua_setfield(L, -2, "exponent_se");
    lua_pushnumber(L, f.prefactor), lua_setfield(L, -2, "prefactor");
    lua_pushnumber(L, f.log_prefactor_se), lua_setfield(L, -2, "log_prefactor_se");
    lua_pushnumber(L, f.r2), lua_setfield(L, -2, "r2");
    lua_pushinteger(L, (lua_Integer)f.n), lua_setfield(L, -2, "n");
    lua_pushnumber(L, lo), lua_setfield(L, -2, "t_min");
    lua_pushnumber(L, hi), lua_setfield(L, -2, "t_max");
    return 1;
}

/* analysis.rescale(t, tau) -> t/tau */
static int an_rescale(lua_State *L)
{
    size_t n;
    lua_settop(L, 2);
    double *t = check_array(L, 1, "rescale: t", &n);
    double tau = gv_plain_nan(luaL_checknumber(L, 2));
    gv_err e = {0};
    if (gv_analysis_rescale(t, n, tau, t, &e)) return gvL_raise(L, &e);
    gvL_push_doubles(L, t, n);
    return 1;
}

/* analysis.q_inf(q [, {last=k}]) -> mean, sd, n */
static int an_q_inf(lua_State *L)
{
    size_t n;
    lua_settop(L, 2);
    const double *q = check_array(L, 1, "q_inf: q", &n);
    lua_Integer last = 1;
    if (!lua_isnoneornil(L, 2)) {
        static const char *const keys[] = {"last", NULL};
        gvL_check_options(L, 2, "q_inf", keys);
        last = gvL_opt_integer(L, 2, "q_inf", "last", 1);
        if (last < 1) return luaL_error(L, "q_inf: option 'last' must be >= 1, got %d", (int)last);
    }
    double m, sd;
    size_t used;
    gv_err e = {0};
    if (gv_analysis_plateau(q, n, (size_t)last, &m, &sd, &used, &e)) return gvL_raise(L, &e);
    lua_pushnumber(L, m);
    lua_pushnumber(L, sd);
    lua_pushinteger(L, (lua_Integer)used);
    return 3;
}

/* ---- estimators over replicas, bootstrap ---------------------------------- */

/* Bootstrap options B, seed, level of the option table at idx (absent: defaults). */
static gv_boot_opts boot_opts(lua_State *L, int idx, const char *what)
{
    gv_boot_opts o = {1000, 1, 0.95};
    if (lua_isnoneornil(L, idx)) return o;
    lua_Integer B = gvL_opt_integer(L, idx, what, "B", 1000);
    if (B < 0 || B > 10000000)
        luaL_error(L, "%s: option 'B' (bootstrap resamples) must be in 0..10^7, got %I", what, B);
    o.B = (size_t)B;
    o.seed = gvL_opt_seed(L, idx, what, "seed", 1);
    o.level = gvL_opt_number(L, idx, what, "level", 0.95);
    if (!(o.level > 0 && o.level < 1))
        luaL_error(L, "%s: option 'level' must lie in (0, 1) (e.g. 0.95), got %f", what, o.level);
    return o;
}

static void push_interval(lua_State *L, const gv_interval *ci)
{
    lua_pushnumber(L, ci->lo), lua_setfield(L, -2, "lo");
    lua_pushnumber(L, ci->hi), lua_setfield(L, -2, "hi");
    lua_pushnumber(L, ci->se), lua_setfield(L, -2, "se");
    lua_pushnumber(L, ci->level), lua_setfield(L, -2, "level");
    lua_pushinteger(L, (lua_Integer)ci->B), lua_setfield(L, -2, "B");
    lua_pushinteger(L, (lua_Integer)ci->B_ok), lua_setfield(L, -2, "B_ok");
}

/* analysis.tau_replicas(t, Q, {threshold=0.9, method="per_replica", min_t=,
 *   groups=, B=1000, seed=1, level=0.95}) -> {tau=, status=, ...} */
static int an_tau_replicas(lua_State *L)
{
    const char *W = "tau_replicas";
    lua_settop(L, 3);
    size_t nt;
    const double *t = check_array(L, 1, "tau_replicas: t", &nt);
    luaL_checktype(L, 2, LUA_TTABLE);
    size_t R = gvL_list_len(L, 2, W);
    if (R == 0) return luaL_error(L, "%s: Q must be an array of replica curves (Q[r][i]), got none", W);
    double *q = gvL_new_doubles(L, R * nt);
    for (size_t r = 0; r < R; r++) {
        if (lua_rawgeti(L, 2, (lua_Integer)r + 1) != LUA_TTABLE)
            return luaL_error(L, "%s: Q[%d] must be an array (replica %d's curve), got %s", W,
                              (int)r + 1, (int)r + 1, gvL_typename(L, -1));
        if (gvL_list_len(L, -1, W) != nt)
            return luaL_error(L, "%s: Q[%d] has %d values but t has %d", W, (int)r + 1,
                              (int)gvL_list_len(L, -1, W), (int)nt);
        for (size_t i = 0; i < nt; i++) {
            if (lua_rawgeti(L, -1, (lua_Integer)i + 1) != LUA_TNUMBER)
                return luaL_error(L, "%s: Q[%d][%d] must be a number, got %s", W, (int)r + 1,
                                  (int)i + 1, gvL_typename(L, -1));
            q[r * nt + i] = gv_plain_nan(lua_tonumber(L, -1));
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    double thr = GV_TAU90_THRESHOLD, min_t;
    gv_tau_estimator est = GV_TAU_PER_REPLICA;
    uint64_t *group = NULL;
    if (!lua_isnil(L, 3)) {
        static const char *const keys[] = {"threshold", "method", "min_t", "groups",
                                           "B", "seed", "level", NULL};
        /* tau_replicas(obs:curves{...}) passes the basin labels third */
        if (lua_istable(L, 3) && lua_rawlen(L, 3) > 0)
            return luaL_error(L, "%s: argument 3 is the options table, got an array (the basin "
                                 "labels that obs:curves returns third?); pass them as "
                                 "tau_replicas(t, Q, {groups = basins})", W);
        gvL_check_options(L, 3, W, keys);
        thr = gvL_opt_number(L, 3, W, "threshold", GV_TAU90_THRESHOLD);
        const char *m = gvL_opt_string(L, 3, W, "method", "per_replica");
        size_t k = 0;
        while (k < GV_TAU_NESTIMATORS && strcmp(m, gv_tau_estimator_name[k]) != 0) k++;
        if (k == GV_TAU_NESTIMATORS)
            return luaL_error(L, "%s: method '%s' unknown; use \"per_replica\" (the authors'), "
                                 "\"per_replica_found\", \"of_mean\" or \"interp\"", W, m);
        est = (gv_tau_estimator)k;
        if (gvL_field(L, 3, "groups") != LUA_TNIL) {
            if (!lua_istable(L, -1) || gvL_list_len(L, -1, W) != R)
                return luaL_error(L, "%s: option 'groups' must be an array of %d labels (one per "
                                     "replica curve)", W, (int)R);
            group = lua_newuserdatauv(L, R * sizeof *group, 0);
            for (size_t r = 0; r < R; r++) {
                lua_rawgeti(L, -2, (lua_Integer)r + 1);
                lua_Integer g = lua_tointeger(L, -1);
                if (!lua_isinteger(L, -1) && !(lua_isnumber(L, -1) && lua_tonumber(L, -1) == (lua_Number)g))
                    return luaL_error(L, "%s: groups[%d] must be an integer label", W, (int)r + 1);
                group[r] = (uint64_t)g;
                lua_pop(L, 1);
            }
            lua_remove(L, -2); /* the groups table; the label buffer stays on the stack */
        } else {
            lua_pop(L, 1);
        }
    }
    /* the authors drop tau90 < 4 steps */
    min_t = est == GV_TAU_PER_REPLICA || est == GV_TAU_PER_REPLICA_FOUND ? 4 : 0;
    if (!lua_isnil(L, 3)) min_t = gvL_opt_number(L, 3, W, "min_t", min_t);
    gv_boot_opts bo = boot_opts(L, 3, W);
    gv_tau_est r;
    gv_err e = {0};
    if (gv_analysis_tau_replicas(t, nt, q, R, group, thr, est, min_t, &bo, &r, &e))
        return gvL_raise(L, &e);
    lua_createtable(L, 0, 16);
    if (r.outcome == GV_TAU_FOUND) lua_pushnumber(L, r.tau);
    else lua_pushnil(L);
    lua_setfield(L, -2, "tau");
    lua_pushstring(L, gv_tau_status_name[r.outcome]), lua_setfield(L, -2, "status");
    lua_pushstring(L, r.reason), lua_setfield(L, -2, "reason");
    lua_pushstring(L, gv_tau_estimator_name[est]), lua_setfield(L, -2, "method");
    lua_pushnumber(L, thr), lua_setfield(L, -2, "threshold");
    lua_pushnumber(L, min_t), lua_setfield(L, -2, "min_t");
    /* the lags' ends: what a τ without one is bounded by (glass.analysis.tau_fields) */
    lua_pushnumber(L, t[0]), lua_setfield(L, -2, "t_first");
    lua_pushnumber(L, t[nt - 1]), lua_setfield(L, -2, "t_last");
    lua_pushinteger(L, (lua_Integer)r.n), lua_setfield(L, -2, "n");
    lua_pushinteger(L, (lua_Integer)r.n_used), lua_setfield(L, -2, "n_used");
    lua_createtable(L, 0, 3); /* per_replica*: the replicas without a tau, by reason */
    for (int k = 1; k < 4; k++) {
        lua_pushinteger(L, (lua_Integer)r.count[k]);
        lua_setfield(L, -2, gv_tau_status_name[k]);
    }
    lua_setfield(L, -2, "counts");
    push_interval(L, &r.ci);
    return 1;
}

/* The Lua statistic of analysis.bootstrap, called from the engine's loop
 * under lua_pcall (an error stops the loop and is re-raised after it). */
typedef struct lboot {
    lua_State *L;
    int fn;       /* stack index of the statistic */
    size_t nsets;
    int failed;   /* the error message is on the stack */
} lboot;

static int lboot_stat(void *ctx, const size_t *const *idx, const size_t *n, double *value)
{
    lboot *c = ctx;
    lua_State *L = c->L;
    if (!lua_checkstack(L, (int)c->nsets + 4)) {
        lua_pushstring(L, "bootstrap: too many sets (Lua stack)");
        c->failed = 1;
        return 1;
    }
    lua_pushvalue(L, c->fn);
    for (size_t k = 0; k < c->nsets; k++) {
        lua_createtable(L, (int)n[k], 0);
        for (size_t i = 0; i < n[k]; i++) {
            lua_pushinteger(L, (lua_Integer)idx[k][i] + 1);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
    }
    if (lua_pcall(L, (int)c->nsets, 1, 0) != LUA_OK) {
        c->failed = 1;
        return 1;
    }
    if (lua_isnil(L, -1)) *value = NAN; /* undefined for this resample */
    else if (lua_type(L, -1) == LUA_TNUMBER) *value = lua_tonumber(L, -1);
    else {
        lua_pushfstring(L, "bootstrap: stat must return a number or nil, got %s",
                        gvL_typename(L, -1));
        c->failed = 1;
        return 1;
    }
    lua_pop(L, 1);
    return 0;
}

/* analysis.bootstrap's units, all sets together: stat gets each resample's
 * indices as Lua arrays (and the identity buffer holds them all). */
#define BOOT_MAX_UNITS 1000000000

/* analysis.bootstrap{sizes = {n1, ...} | n = n1, stat = function(i1, ...) end,
 *   B = 1000, seed = 1, level = 0.95, values = false} -> {estimate=, lo=, hi=, ...}
 * i_k: resampled 1-based unit indices of set k (with repeats). */
static int an_bootstrap(lua_State *L)
{
    const char *W = "bootstrap";
    static const char *const keys[] = {"sizes", "n", "stat", "B", "seed", "level", "values", NULL};
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    gvL_check_options(L, 1, W, keys);
    size_t nsets;
    size_t *sizes;
    if (gvL_has(L, 1, "sizes") && gvL_has(L, 1, "n"))
        return luaL_error(L, "%s: give 'n' (one set of units) or 'sizes' (one count per set), "
                             "not both", W);
    if (gvL_field(L, 1, "sizes") == LUA_TTABLE) {
        nsets = gvL_list_len(L, -1, W);
        if (nsets == 0 || nsets > 1000)
            return luaL_error(L, "%s: 'sizes' must list 1..1000 set sizes", W);
        sizes = lua_newuserdatauv(L, nsets * sizeof *sizes, 0);
        for (size_t k = 0; k < nsets; k++) {
            lua_rawgeti(L, -2, (lua_Integer)k + 1);
            lua_Integer v = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : 0;
            if (v < 1) return luaL_error(L, "%s: sizes[%d] must be an integer >= 1", W, (int)k + 1);
            if (v > BOOT_MAX_UNITS)
                return luaL_error(L, "%s: sizes[%d] = %I units is more than 10^9", W, (int)k + 1,
                                  v);
            sizes[k] = (size_t)v;
            lua_pop(L, 1);
        }
    } else {
        if (!lua_isnil(L, -1))
            return luaL_error(L, "%s: 'sizes' must be a list of set sizes ({R1, R2, ...}), got a %s",
                              W, gvL_typename(L, -1));
        if (gvL_field(L, 1, "n") == LUA_TNIL)
            return luaL_error(L, "%s: give 'n' (the number of units to resample) or 'sizes' "
                                 "(one count per set of units)", W);
        lua_pop(L, 1);
        lua_Integer v = gvL_req_integer(L, 1, W, "n");
        if (v < 1) return luaL_error(L, "%s: 'n' (units to resample) must be >= 1, got %I", W, v);
        if (v > BOOT_MAX_UNITS)
            return luaL_error(L, "%s: 'n' = %I units is more than 10^9", W, v);
        nsets = 1;
        sizes = lua_newuserdatauv(L, sizeof *sizes, 0);
        sizes[0] = (size_t)v;
    }
    if (gvL_field(L, 1, "stat") != LUA_TFUNCTION)
        return luaL_error(L, "%s: 'stat' must be a function of the resampled indices", W);
    int fn = lua_gettop(L);
    gv_boot_opts bo = boot_opts(L, 1, W);
    int want_values = gvL_opt_boolean(L, 1, W, "values", 0);
    double *vals = gvL_new_doubles(L, bo.B);
    lboot c = {L, fn, nsets, 0};
    /* The estimate on the data itself: every unit once. */
    size_t total = 0; /* no overflow: at most 1000 sets of at most 10^9 */
    for (size_t k = 0; k < nsets; k++) total += sizes[k];
    if (total > BOOT_MAX_UNITS)
        return luaL_error(L, "%s: the sets hold %I units in all, more than 10^9", W,
                          (lua_Integer)total);
    size_t *ident = lua_newuserdatauv(L, total * sizeof *ident, 0);
    const size_t **id = lua_newuserdatauv(L, nsets * sizeof *id, 0);
    for (size_t k = 0, off = 0; k < nsets; off += sizes[k++]) {
        for (size_t i = 0; i < sizes[k]; i++) ident[off + i] = i;
        id[k] = ident + off;
    }
    double est;
    if (lboot_stat(&c, id, sizes, &est)) return lua_error(L);
    gv_interval ci;
    gv_err e = {0};
    gv_status st = gv_analysis_bootstrap(sizes, nsets, &bo, lboot_stat, &c, vals, &ci, &e);
    if (c.failed) return lua_error(L);
    if (st != GV_OK) return gvL_raise(L, &e);
    lua_createtable(L, 0, 8);
    lua_pushnumber(L, est), lua_setfield(L, -2, "estimate");
    push_interval(L, &ci);
    if (want_values) {
        gvL_push_doubles(L, vals, bo.B);
        lua_setfield(L, -2, "values");
    }
    return 1;
}

/* ---- glass.theory -------------------------------------------------------- */

/* A curve evaluated at t (a number or an array): fn(ctx, t). */
typedef double (*curve_fn)(const void *ctx, double t);

static int vectorise(lua_State *L, int tidx, const char *what, curve_fn fn, const void *ctx)
{
    if (lua_type(L, tidx) == LUA_TNUMBER) {
        double t = gv_plain_nan(lua_tonumber(L, tidx));
        if (!(t >= 0)) return luaL_error(L, "%s: t = %f must be >= 0 (steps)", what, t);
        lua_pushnumber(L, fn(ctx, t));
        return 1;
    }
    if (lua_type(L, tidx) != LUA_TTABLE)
        return luaL_error(L, "%s: t must be a number or an array of numbers, got %s", what,
                          gvL_typename(L, tidx));
    char wt[64];
    snprintf(wt, sizeof wt, "%s: t", what);
    size_t n;
    double *t = check_array(L, tidx, wt, &n);
    for (size_t i = 0; i < n; i++) {
        if (!(t[i] >= 0))
            return luaL_error(L, "%s: t[%d] = %f must be >= 0 (steps)", what, (int)i + 1, t[i]);
        t[i] = fn(ctx, t[i]);
    }
    gvL_push_doubles(L, t, n);
    return 1;
}

static double check_nonneg(lua_State *L, int idx, const char *what, const char *key)
{
    double v = gvL_req_number(L, idx, what, key);
    if (!(v >= 0) || isinf(v))
        luaL_error(L, "%s: option '%s' = %f must be finite and >= 0", what, key, v);
    return v;
}

/* D from {D=} or {lr=, T=, P=}. */
static double diffusion_opt(lua_State *L, int idx, const char *what)
{
    int hasD = gvL_has(L, idx, "D");
    int hasLTP = gvL_has(L, idx, "lr") || gvL_has(L, idx, "T") || gvL_has(L, idx, "P");
    if (hasD && hasLTP)
        luaL_error(L, "%s: give either D or lr, T, P (D = lr*T/P), not both", what);
    if (hasD) return check_nonneg(L, idx, what, "D");
    if (!hasLTP) luaL_error(L, "%s: give lr, T and P (or D = lr*T/P)", what);
    double lr = check_nonneg(L, idx, what, "lr"), T = check_nonneg(L, idx, what, "T");
    double P = gvL_req_number(L, idx, what, "P");
    if (!(P > 0)) luaL_error(L, "%s: option 'P' must be > 0", what);
    return gv_theory_diffusion(lr, T, P);
}

typedef struct free_ctx {
    double D, eps;
} free_ctx;

static double free_q_at(const void *c, double t)
{
    const free_ctx *f = c;
    return gv_theory_free_q(f->D, f->eps, t);
}

static double free_msd_at(const void *c, double t)
{
    return gv_theory_free_msd(((const free_ctx *)c)->D, t);
}

/* theory.free_q(t, {eps=, D= | lr=, T=, P=}) */
static int th_free_q(lua_State *L)
{
    static const char *const keys[] = {"eps", "D", "lr", "T", "P", NULL};
    gvL_check_options(L, 2, "free_q", keys);
    free_ctx c = {diffusion_opt(L, 2, "free_q"), check_nonneg(L, 2, "free_q", "eps")};
    return vectorise(L, 1, "free_q", free_q_at, &c);
}

/* theory.free_msd(t, {D= | lr=, T=, P=}) */
static int th_free_msd(lua_State *L)
{
    static const char *const keys[] = {"D", "lr", "T", "P", NULL};
    gvL_check_options(L, 2, "free_msd", keys);
    free_ctx c = {diffusion_opt(L, 2, "free_msd"), 0};
    return vectorise(L, 1, "free_msd", free_msd_at, &c);
}

/* theory.free_tau(q, {eps=, D= | lr=, T=, P=}): the free weight's Q(t) = q
 * at t = eps^2 / (4 D erfinv(q)^2); +inf for D = 0. */
static int th_free_tau(lua_State *L)
{
    static const char *const keys[] = {"eps", "D", "lr", "T", "P", NULL};
    double q = luaL_checknumber(L, 1);
    if (!(q > 0 && q < 1)) return luaL_error(L, "free_tau: q = %f must be in (0, 1)", q);
    gvL_check_options(L, 2, "free_tau", keys);
    double D = diffusion_opt(L, 2, "free_tau"), eps = check_nonneg(L, 2, "free_tau", "eps");
    lua_pushnumber(L, gv_theory_free_tau(D, eps, q));
    return 1;
}

/* theory.erfinv(y), -1 < y < 1 (±inf at ±1). */
static int th_erfinv(lua_State *L)
{
    double y = luaL_checknumber(L, 1);
    if (!(y >= -1 && y <= 1)) return luaL_error(L, "erfinv: y = %f must be in [-1, 1]", y);
    lua_pushnumber(L, gv_theory_erfinv(y));
    return 1;
}

/* theory.chi2_quantile(p, k): the x with P(χ²_k <= x) = p (0 <= p <= 1, k > 0);
 * theory.chi2_cdf(x, k): P(χ²_k <= x). */
static int th_chi2_quantile(lua_State *L)
{
    double p = luaL_checknumber(L, 1), k = luaL_checknumber(L, 2);
    if (!(p >= 0 && p <= 1)) return luaL_error(L, "chi2_quantile: p = %f must be in [0, 1]", p);
    if (!(k > 0) || isinf(k))
        return luaL_error(L, "chi2_quantile: k = %f degrees of freedom must be > 0 and finite", k);
    lua_pushnumber(L, gv_theory_chi2_quantile(p, k));
    return 1;
}

static int th_chi2_cdf(lua_State *L)
{
    double x = luaL_checknumber(L, 1), k = luaL_checknumber(L, 2);
    if (isnan(x)) return luaL_error(L, "chi2_cdf: x is NaN");
    if (!(k > 0) || isinf(k))
        return luaL_error(L, "chi2_cdf: k = %f degrees of freedom must be > 0 and finite", k);
    lua_pushnumber(L, gv_theory_chi2_cdf(x, k));
    return 1;
}

typedef struct harm_ctx {
    gv_harmonic h;
    const double *w0; /* NULL: equilibrium start */
    size_t nw0;
} harm_ctx;

/* Harmonic parameters from an option table; lr required when need_lr. */
static harm_ctx harmonic_opts(lua_State *L, int idx, const char *what, int need_lr, int need_eps,
                              int need_start)
{
    harm_ctx c = {{0}, NULL, 0};
    c.h.discrete = gvL_opt_boolean(L, idx, what, "discrete", 0);
    c.h.lr = (need_lr || c.h.discrete || gvL_has(L, idx, "lr")) ? gvL_req_number(L, idx, what, "lr")
                                                                 : NAN;
    c.h.T = gvL_req_number(L, idx, what, "T");
    c.h.P = gvL_req_number(L, idx, what, "P");
    c.h.k = gvL_req_number(L, idx, what, "k");
    c.h.eps = need_eps ? gvL_req_number(L, idx, what, "eps") : 0;
    gv_err e = {0};
    if (gv_theory_harmonic_check(&c.h, &e)) {
        gv_fail_prefix(&e, "%s: ", what);
        gvL_raise(L, &e);
    }
    if (!need_start) return c;
    int eq = gvL_opt_boolean(L, idx, what, "equilibrium", 0);
    int has_w0 = gvL_has(L, idx, "w0");
    if (eq == has_w0)
        luaL_error(L, "%s: give the start: w0 = number or array (fixed start) or "
                      "equilibrium = true (start drawn from equilibrium)%s", what,
                   eq ? ", not both" : "");
    if (has_w0) {
        gvL_field(L, idx, "w0");
        if (lua_type(L, -1) == LUA_TNUMBER) {
            double *w = gvL_new_doubles(L, 1);
            w[0] = gv_plain_nan(lua_tonumber(L, -2));
            c.w0 = w, c.nw0 = 1;
        } else {
            char ww[64];
            snprintf(ww, sizeof ww, "%s: w0", what);
            c.w0 = check_array(L, -1, ww, &c.nw0);
            if (c.nw0 == 0) luaL_error(L, "%s: w0 is an empty array", what);
        }
        /* the buffer stays on the stack (below the results) until return */
    }
    return c;
}

/* With an array of starts, the curve is the average over them (a network's
 * weights each start elsewhere). */
static double harm_q_at(const void *p, double t)
{
    const harm_ctx *c = p;
    if (!c->w0) return gv_theory_harmonic_q_eq(&c->h, t);
    double s = 0;
    for (size_t i = 0; i < c->nw0; i++) s += gv_theory_harmonic_q(&c->h, c->w0[i], t);
    return s / (double)c->nw0;
}

static double harm_msd_at(const void *p, double t)
{
    const harm_ctx *c = p;
    if (!c->w0) return gv_theory_harmonic_msd_eq(&c->h, t);
    double s = 0;
    for (size_t i = 0; i < c->nw0; i++) s += gv_theory_harmonic_msd(&c->h, c->w0[i], t);
    return s / (double)c->nw0;
}

static const char *const HARM_KEYS[] = {"lr", "T", "P", "k", "eps", "w0", "equilibrium",
                                        "discrete", NULL};
static const char *const HARM_KEYS_NOEPS[] = {"lr", "T", "P", "k", "w0", "equilibrium",
                                              "discrete", NULL};

/* The discrete update with lr*k > 1 flips the sign of the decay every step:
 * (1 - lr k)^t exists for whole t only (it gave NaN). */
static void check_whole_times(lua_State *L, int tidx, const char *what, const harm_ctx *c)
{
    if (!c->h.discrete || !(c->h.lr * c->h.k > 1)) return;
    int table = lua_type(L, tidx) == LUA_TTABLE;
    lua_Integer n = table ? (lua_Integer)gvL_list_len(L, tidx, what) : 1;
    for (lua_Integer i = 1; i <= n; i++) {
        if (table) lua_rawgeti(L, tidx, i); else lua_pushvalue(L, tidx);
        double t = lua_tonumber(L, -1);
        lua_pop(L, 1);
        if (isfinite(t) && t != floor(t))
            luaL_error(L, "%s: t = %f is not a whole number of steps: with discrete = true and "
                       "lr*k = %f > 1 the decay (1 - lr*k)^t changes sign every step", what, t,
                       c->h.lr * c->h.k);
    }
}

/* theory.harmonic_q(t, {lr=, T=, P=, k=, eps=, w0= | equilibrium=true, discrete=}) */
static int th_harmonic_q(lua_State *L)
{
    gvL_check_options(L, 2, "harmonic_q", HARM_KEYS);
    harm_ctx c = harmonic_opts(L, 2, "harmonic_q", 1, 1, 1);
    check_whole_times(L, 1, "harmonic_q", &c);
    return vectorise(L, 1, "harmonic_q", harm_q_at, &c);
}

/* theory.harmonic_msd(t, {lr=, T=, P=, k=, w0= | equilibrium=true, discrete=}) */
static int th_harmonic_msd(lua_State *L)
{
    gvL_check_options(L, 2, "harmonic_msd", HARM_KEYS_NOEPS);
    harm_ctx c = harmonic_opts(L, 2, "harmonic_msd", 1, 0, 1);
    check_whole_times(L, 1, "harmonic_msd", &c);
    return vectorise(L, 1, "harmonic_msd", harm_msd_at, &c);
}

/* theory.harmonic_q_inf{T=, P=, k=, eps=, w0= | equilibrium=true [, discrete=, lr=]} */
static int th_harmonic_q_inf(lua_State *L)
{
    gvL_check_options(L, 1, "harmonic_q_inf", HARM_KEYS);
    harm_ctx c = harmonic_opts(L, 1, "harmonic_q_inf", 0, 1, 1);
    /* The limit formulas need no lr (unless discrete): not harm_q_at(∞). */
    double s = 0;
    if (!c.w0) s = gv_theory_harmonic_q_inf_eq(&c.h);
    for (size_t i = 0; i < c.nw0; i++) s += gv_theory_harmonic_q_inf(&c.h, c.w0[i]) / (double)c.nw0;
    lua_pushnumber(L, s);
    return 1;
}

/* theory.harmonic_msd_inf{T=, P=, k=, w0= | equilibrium=true [, discrete=, lr=]} */
static int th_harmonic_msd_inf(lua_State *L)
{
    gvL_check_options(L, 1, "harmonic_msd_inf", HARM_KEYS_NOEPS);
    harm_ctx c = harmonic_opts(L, 1, "harmonic_msd_inf", 0, 0, 1);
    double v = gv_theory_stationary_variance(&c.h), s = 0;
    if (!c.w0) s = 2 * v; /* two independent equilibrium draws */
    for (size_t i = 0; i < c.nw0; i++) s += (c.w0[i] * c.w0[i] + v) / (double)c.nw0;
    lua_pushnumber(L, s);
    return 1;
}

/* theory.stationary_variance{T=, P=, k= [, discrete=true, lr=]} */
static int th_stationary_variance(lua_State *L)
{
    static const char *const keys[] = {"lr", "T", "P", "k", "discrete", NULL};
    gvL_check_options(L, 1, "stationary_variance", keys);
    harm_ctx c = harmonic_opts(L, 1, "stationary_variance", 0, 0, 0);
    lua_pushnumber(L, gv_theory_stationary_variance(&c.h));
    return 1;
}

/* theory.diffusion{lr=, T=, P=} -> D */
static int th_diffusion(lua_State *L)
{
    static const char *const keys[] = {"lr", "T", "P", NULL};
    gvL_check_options(L, 1, "diffusion", keys);
    lua_pushnumber(L, diffusion_opt(L, 1, "diffusion"));
    return 1;
}

/* ---- module -------------------------------------------------------------- */

void gvL_open_analysis(lua_State *L)
{
    static const luaL_Reg analysis[] = {{"tau", an_tau},
                                        {"tau90", an_tau90},
                                        {"tau_e", an_tau_e},
                                        {"powerlaw_fit", an_powerlaw_fit},
                                        {"rescale", an_rescale},
                                        {"q_inf", an_q_inf},
                                        {"tau_replicas", an_tau_replicas},
                                        {"bootstrap", an_bootstrap},
                                        {NULL, NULL}};
    gvL_subtable(L, "analysis", analysis);
    static const luaL_Reg theory[] = {{"free_q", th_free_q},
                                      {"free_msd", th_free_msd},
                                      {"free_tau", th_free_tau},
                                      {"erfinv", th_erfinv},
                                      {"chi2_quantile", th_chi2_quantile},
                                      {"chi2_cdf", th_chi2_cdf},
                                      {"harmonic_q", th_harmonic_q},
                                      {"harmonic_msd", th_harmonic_msd},
                                      {"harmonic_q_inf", th_harmonic_q_inf},
                                      {"harmonic_msd_inf", th_harmonic_msd_inf},
                                      {"stationary_variance", th_stationary_variance},
                                      {"diffusion", th_diffusion},
                                      {NULL, NULL}};
    gvL_subtable(L, "theory", theory);
}
