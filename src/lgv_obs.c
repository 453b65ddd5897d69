/* lgv_obs.c: glass.schedule.* (type glass.Schedule) and glass.observer.*
 * (type glass.Observer).
 *
 * An observer userdata begins with a gv_hook and its metatable has
 * __gv_hook = true, so that ens:run{observers = {...}} (lgv_dynamics.c) finds
 * it through gvL_tohook.  Results come back as glass.Table objects
 * (lgv_analysis.c, gvL_push_table).  docs/observables.md lists the columns. */
#include "lgv.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gv_mpi.h"
#include "gv_obs.h"
#include "gv_sched.h"
#include "gv_table.h"

#define SCHED_T "glass.Schedule"
#define OBS_T "glass.Observer"

/* ---- glass.Schedule ------------------------------------------------------- */

typedef struct lsched {
    gv_sched *s; /* NULL once closed */
} lsched;

static lsched *sched_new_udata(lua_State *L) { return gvL_box_new(L, SCHED_T, sizeof(lsched), 0); }

struct gv_sched *gvL_check_sched(lua_State *L, int idx)
{
    return gvL_box_check(L, idx, SCHED_T, "glass.Schedule: the schedule is closed");
}

/* A step from a Lua number: a non-negative integer (1e5 is accepted). */
static uint64_t check_step(lua_State *L, int idx, const char *what, const char *field,
                           lua_Integer min)
{
    int isint;
    lua_Integer v = lua_tointegerx(L, idx, &isint);
    if (!isint || lua_type(L, idx) != LUA_TNUMBER)
    {
        double x = lua_type(L, idx) == LUA_TNUMBER ? lua_tonumber(L, idx) : NAN;
        if (x == floor(x) && isfinite(x)) /* 2^63: whole, past what a step holds */
            luaL_error(L, "%s: %s = %f is too large: steps are below 2^63", what, field, x);
        if (lua_type(L, idx) == LUA_TNUMBER)
            luaL_error(L, "%s: %s must be a whole number of steps, got %f", what, field,
                       gv_plain_nan(x));
        luaL_error(L, "%s: %s must be a whole number of steps, got %s", what, field,
                   gvL_typename(L, idx));
    }
    if (v < min)
        luaL_error(L, "%s: %s must be >= %I, got %I", what, field, (LUAI_UACINT)min,
                   (LUAI_UACINT)v);
    return (uint64_t)v;
}

static uint64_t opt_step(lua_State *L, int idx, const char *what, const char *key, uint64_t def,
                         int required, lua_Integer min)
{
    if (gvL_field(L, idx, key) == LUA_TNIL) {
        if (required) luaL_error(L, "%s: option '%s' is required", what, key);
        lua_pop(L, 1);
        return def;
    }
    char field[64];
    snprintf(field, sizeof field, "option '%s'", key);
    uint64_t v = check_step(L, -1, what, field, min);
    lua_pop(L, 1);
    return v;
}

/* Push a new Schedule owning s, or raise e's message if s is NULL (the
 * engine's "schedule.log: x" as the Lua name, "glass.schedule.log: x"). */
static gv_sched *push_sched(lua_State *L, lsched *u, gv_sched *s, const gv_err *e)
{
    if (!s) {
        gv_err named = *e;
        if (strncmp(named.msg, "schedule", 8) == 0) gv_fail_prefix(&named, "glass.");
        gvL_raise(L, &named);
    }
    u->s = s;
    return s;
}

/* A Lua array of steps as a (pushed) list schedule. */
static gv_sched *array_sched(lua_State *L, int idx, const char *what)
{
    idx = lua_absindex(L, idx);
    size_t n = gvL_list_len(L, idx, what);
    if (n == 0) luaL_error(L, "%s: the list of steps is empty", what);
    uint64_t *v = lua_newuserdatauv(L, n * sizeof *v, 0); /* GC-owned scratch */
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, idx, (lua_Integer)i + 1);
        char field[48];
        snprintf(field, sizeof field, "entry %zu", i + 1);
        v[i] = check_step(L, -1, what, field, 0);
        lua_pop(L, 1);
    }
    lsched *u = sched_new_udata(L);
    gv_err e = {0};
    gv_sched *s = push_sched(L, u, gv_sched_list(v, n, &e), &e);
    lua_remove(L, -2); /* the scratch */
    return s;
}

/* glass.schedule.log{first=1, last=, per_decade=10, zero=false} */
static gv_sched *log_from_options(lua_State *L, int idx, const char *what)
{
    static const char *const keys[] = {"first", "last", "per_decade", "zero", NULL};
    idx = lua_absindex(L, idx);
    gvL_check_options(L, idx, what, keys);
    uint64_t first = opt_step(L, idx, what, "first", 1, 0, 0);
    uint64_t last = opt_step(L, idx, what, "last", 0, 1, 0);
    double pd = gvL_opt_number(L, idx, what, "per_decade", 10);
    int zero = gvL_opt_boolean(L, idx, what, "zero", 0);
    lsched *u = sched_new_udata(L);
    gv_err e = {0};
    return push_sched(L, u, gv_sched_log(first, last, pd, zero, &e), &e);
}

static int sched_log(lua_State *L)
{
    log_from_options(L, 1, "glass.schedule.log");
    return 1;
}

/* glass.schedule.linear{first=0, last=, every=} */
static int sched_linear(lua_State *L)
{
    static const char *const keys[] = {"first", "last", "every", NULL};
    const char *what = "glass.schedule.linear";
    gvL_check_options(L, 1, what, keys);
    uint64_t first = opt_step(L, 1, what, "first", 0, 0, 0);
    uint64_t last = opt_step(L, 1, what, "last", 0, 1, 0);
    uint64_t every = opt_step(L, 1, what, "every", 0, 1, 1);
    lsched *u = sched_new_udata(L);
    gv_err e = {0};
    push_sched(L, u, gv_sched_linear(first, last, every, &e), &e);
    return 1;
}

/* glass.schedule.list{10, 100, 1000} */
static int sched_list(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    gvL_check_plain(L, 1, "glass.schedule.list", "a list given");
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1)
            luaL_error(L, "glass.schedule.list: expected an array of steps {10, 100, ...}; "
                          "found key '%s'", lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
    }
    array_sched(L, 1, "glass.schedule.list");
    return 1;
}

/* A schedule from a value: a glass.Schedule, an array of steps, or (if
 * allow_log) a log option table {first=, last=, per_decade=}.  Anything built
 * here is pushed (owned by the GC); a Schedule given is pushed again, so the
 * stack always grows by one. */
static gv_sched *to_sched(lua_State *L, int idx, const char *what, int allow_log)
{
    idx = lua_absindex(L, idx);
    if (luaL_testudata(L, idx, SCHED_T)) {
        gv_sched *s = gvL_check_sched(L, idx);
        lua_pushvalue(L, idx);
        return s;
    }
    if (lua_type(L, idx) == LUA_TNUMBER) {
        lua_createtable(L, 1, 0);
        lua_pushvalue(L, idx);
        lua_rawseti(L, -2, 1);
        gv_sched *s = array_sched(L, -1, what);
        lua_remove(L, -2);
        return s;
    }
    if (lua_type(L, idx) == LUA_TTABLE) {
        gvL_check_plain(L, idx, what, "a table given");
        lua_rawgeti(L, idx, 1);
        int is_array = !lua_isnil(L, -1);
        lua_pop(L, 1);
        if (is_array) return array_sched(L, idx, what);
        lua_pushnil(L);
        if (!lua_next(L, idx))
            luaL_error(L, "%s: the list of steps is empty; a schedule has at least one step%s",
                       what, allow_log ? " (or give log options {last = ..., per_decade = ...})"
                                       : " (leave an empty part out)");
        lua_pop(L, 2);
        if (allow_log) return log_from_options(L, idx, what);
    }
    luaL_error(L, "%s: expected a glass.Schedule or an array of steps%s, got %s", what,
               allow_log ? " or log options {first=, last=, per_decade=}" : "",
               gvL_typename(L, idx));
    return NULL;
}

/* glass.schedule.union{a, b, ...} or glass.schedule.union(a, b, ...)
 *
 * Any number of parts: each is turned into a glass.Schedule and kept in a
 * table (not on the Lua stack, which holds some thousands of values); the
 * pointers are taken after every part is built, as building one allocates,
 * and a collection may then run a finalizer (Lua code) that closes another. */
static int sched_union(lua_State *L)
{
    int top = lua_gettop(L);
    int packed = top == 1 && lua_type(L, 1) == LUA_TTABLE && !luaL_testudata(L, 1, SCHED_T);
    lua_Integer n = packed ? (lua_Integer)gvL_list_len(L, 1, "glass.schedule.union") : top;
    if (n <= 0) return luaL_error(L, "glass.schedule.union: give at least one schedule");
    if ((lua_Unsigned)n > (lua_Unsigned)INT_MAX)
        return luaL_error(L, "glass.schedule.union: %I parts; at most %d", (LUAI_UACINT)n,
                          INT_MAX);
    lua_createtable(L, (int)n, 0); /* the parts as glass.Schedules */
    int keep = lua_gettop(L);
    for (lua_Integer i = 1; i <= n; i++) {
        char what[64];
        snprintf(what, sizeof what, "glass.schedule.union: part %d", (int)i);
        if (packed) lua_rawgeti(L, 1, i);
        to_sched(L, packed ? -1 : (int)i, what, 0); /* pushes the schedule */
        lua_rawseti(L, keep, i);
        lua_settop(L, keep);
    }
    const gv_sched **parts = lua_newuserdatauv(L, (size_t)n * sizeof *parts, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, keep, i);
        parts[i - 1] = gvL_check_sched(L, -1);
        lua_pop(L, 1);
    }
    lsched *u = sched_new_udata(L);
    gv_err e = {0};
    push_sched(L, u, gv_sched_union(parts, (size_t)n, &e), &e);
    return 1;
}

static int sched_count(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)gv_sched_count(gvL_check_sched(L, 1)));
    return 1;
}

static int sched_at(lua_State *L)
{
    gv_sched *s = gvL_check_sched(L, 1);
    lua_Integer i = luaL_checkinteger(L, 2);
    if (i < 1 || (size_t)i > gv_sched_count(s))
        return luaL_error(L, "glass.Schedule:at: index %I out of range 1..%I", (LUAI_UACINT)i,
                          (LUAI_UACINT)gv_sched_count(s));
    lua_pushinteger(L, (lua_Integer)gv_sched_at(s, (size_t)i - 1));
    return 1;
}

static int sched_steps(lua_State *L)
{
    gv_sched *s = gvL_check_sched(L, 1);
    size_t n = gv_sched_count(s);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushinteger(L, (lua_Integer)gv_sched_at(s, i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* s:next(step) -> the first step > step, or nil */
static int sched_next(lua_State *L)
{
    gv_sched *s = gvL_check_sched(L, 1);
    uint64_t step = check_step(L, 2, "glass.Schedule:next", "the step", 0);
    uint64_t v = gv_sched_next_after(s, step);
    if (v == GV_SCHED_NONE) lua_pushnil(L);
    else lua_pushinteger(L, (lua_Integer)v);
    return 1;
}

static int sched_contains(lua_State *L)
{
    gv_sched *s = gvL_check_sched(L, 1);
    uint64_t step = check_step(L, 2, "glass.Schedule:contains", "the step", 0);
    lua_pushboolean(L, gv_sched_contains(s, step));
    return 1;
}

static void free_sched(void *p) { gv_sched_free(p); }
static int sched_close(lua_State *L) { return gvL_box_close(L, 1, SCHED_T, free_sched); }

static int sched_tostring(lua_State *L)
{
    gv_sched *s = gvL_box_tostring(L, SCHED_T);
    if (s) lua_pushfstring(L, "glass.Schedule %s", gv_sched_describe(s));
    return 1;
}

/* ---- glass.Observer ------------------------------------------------------- */

enum { OBS_TWO_TIME = 1, OBS_SCALAR = 2 };

typedef struct lobs {
    gv_hook hook; /* FIRST: the run binding reads it through gvL_tohook; its
                   * first member, self, makes this a box (gvL_box_*) */
    int kind;
    int per_replica, per_layer, histogram; /* which tables results() returns */
    void *o;      /* gv_two_time * or gv_scalar * (= hook.self); NULL once closed */
} lobs;

/* User values of an observer: 1 unused, 2 the gathered observer of a
 * distributed one (nil until read, and after each run), 3 true when it
 * holds this rank's block of a distributed ensemble's replicas. */
enum { UV_GATHERED = GVL_OBS_UV_GATHERED, UV_DISTRIBUTED = GVL_OBS_UV_DISTRIBUTED,
       UV_N = 3 };

/* A closed observer stays a valid hook: it has no events and refuses to fire. */
static uint64_t closed_next(void *self) { return GV_NO_EVENT; }
static gv_status closed_fire(void *self, struct gv_ensemble *ens, gv_err *e)
{
    return gv_fail(e, GV_EINVAL, "observer: it was closed");
}

static lobs *obs_new_udata(lua_State *L, int kind)
{
    lobs *u = gvL_box_new(L, OBS_T, sizeof *u, UV_N);
    u->kind = kind;
    u->hook = (gv_hook){.name = "observer (closed)", .next = closed_next, .fire = closed_fire};
    return u;
}

static lobs *check_obs(lua_State *L, int idx)
{
    gvL_box_check(L, idx, OBS_T, "glass.Observer: the observer is closed");
    return lua_touserdata(L, idx);
}

/* A number or an array of numbers into buf (at most max); returns the count. */
static size_t number_list(lua_State *L, int idx, const char *what, const char *key, double *buf,
                          size_t max)
{
    idx = lua_absindex(L, idx);
    int t = gvL_field(L, idx, key);
    size_t n = 0;
    if (t == LUA_TNIL) {
        /* absent */
    } else if (t == LUA_TNUMBER) {
        buf[n++] = gv_plain_nan(lua_tonumber(L, -1));
    } else if (t == LUA_TTABLE) {
        size_t len = gvL_list_len(L, -1, what);
        if (len > max)
            luaL_error(L, "%s: option '%s' has %d values, at most %d are allowed", what, key,
                       (int)len, (int)max);
        for (size_t i = 0; i < len; i++) {
            if (lua_rawgeti(L, -1, (lua_Integer)i + 1) != LUA_TNUMBER)
                luaL_error(L, "%s: %s[%d] must be a number, got %s", what, key, (int)i + 1,
                           gvL_typename(L, -1));
            buf[n++] = gv_plain_nan(lua_tonumber(L, -1));
            lua_pop(L, 1);
        }
        if (n == 0) luaL_error(L, "%s: option '%s' is an empty list", what, key);
    } else {
        luaL_error(L, "%s: option '%s' must be a number or an array of numbers, got %s", what, key,
                   gvL_typename(L, -1));
    }
    lua_pop(L, 1);
    return n;
}

/* glass.observer.two_time{tw=, lags=, chi=, eps=, histogram=, per_layer=, per_replica=} */
static int obs_two_time(lua_State *L)
{
    static const char *const keys[] = {"tw", "lags", "chi", "eps", "histogram",
                                       "per_layer", "per_replica", "overlap_layers", NULL};
    static const char *const hkeys[] = {"bins", "min", "max", "lags", NULL};
    const char *what = "glass.observer.two_time";
    gvL_check_options(L, 1, what, keys);
    gv_two_time_opts o;
    memset(&o, 0, sizeof o);

    /* Waiting times: a step, an array or a schedule. */
    if (gvL_field(L, 1, "tw") == LUA_TNIL)
        return luaL_error(L, "%s: option 'tw' is required (waiting times in steps, e.g. "
                             "tw={2e4} or tw=glass.schedule.list{5e3, 1e4})", what);
    gv_sched *tws = to_sched(L, -1, "glass.observer.two_time: tw", 0);
    o.tw = gv_sched_steps(tws);
    o.ntw = gv_sched_count(tws);

    if (gvL_field(L, 1, "lags") == LUA_TNIL)
        return luaL_error(L, "%s: option 'lags' is required, e.g. lags={last=1e5} (log-spaced, "
                             "10 per decade from 1) or lags=glass.schedule.log{...}", what);
    o.lags = to_sched(L, -1, "glass.observer.two_time: lags", 1);

    double chi[GV_OBS_MAX_CUTOFFS], eps[GV_OBS_MAX_CUTOFFS];
    o.chi = chi;
    o.nchi = number_list(L, 1, what, "chi", chi, GV_OBS_MAX_CUTOFFS);
    o.eps = eps;
    o.neps = number_list(L, 1, what, "eps", eps, GV_OBS_MAX_CUTOFFS);

    /* histogram = true (defaults) or {bins=100, min=-10, max=1, lags=...} */
    int ht = gvL_field(L, 1, "histogram");
    o.hist = (gv_obs_hist){100, -10, 1};
    if (ht == LUA_TBOOLEAN) {
        o.histogram = lua_toboolean(L, -1);
    } else if (ht == LUA_TTABLE) {
        const char *hw = "glass.observer.two_time: histogram";
        int h = lua_gettop(L);
        gvL_check_options(L, h, hw, hkeys);
        o.histogram = 1;
        lua_Integer bins = gvL_opt_integer(L, h, hw, "bins", 100);
        if (bins < 1) return luaL_error(L, "%s: 'bins' must be >= 1, got %I", hw, (LUAI_UACINT)bins);
        o.hist.bins = (size_t)bins;
        o.hist.lo = gvL_opt_number(L, h, hw, "min", -10);
        o.hist.hi = gvL_opt_number(L, h, hw, "max", 1);
        if (gvL_field(L, h, "lags") != LUA_TNIL)
            o.hist_lags = to_sched(L, -1, "glass.observer.two_time: histogram.lags", 0);
    } else if (ht != LUA_TNIL) {
        return luaL_error(L, "%s: option 'histogram' must be true or {bins=, min=, max=, lags=}, "
                             "got %s", what, gvL_typename(L, -1));
    }
    o.per_layer = gvL_opt_boolean(L, 1, what, "per_layer", 0);
    int per_replica = gvL_opt_boolean(L, 1, what, "per_replica", 0);
    /* overlap_layers = {1, ..., 6}: the layers whose weights enter σ and Q */
    double lv[64];
    size_t layers[64];
    o.noverlap_layers = number_list(L, 1, what, "overlap_layers", lv, 64);
    for (size_t i = 0; i < o.noverlap_layers; i++) {
        if (!(lv[i] >= 1 && lv[i] <= 1e6 && lv[i] == floor(lv[i])))
            return luaL_error(L, "%s: overlap_layers[%d] must be a layer number >= 1 (1 = the "
                                 "input side), got %f", what, (int)i + 1, lv[i]);
        layers[i] = (size_t)lv[i];
    }
    o.overlap_layers = o.noverlap_layers ? layers : NULL;

    lobs *u = obs_new_udata(L, OBS_TWO_TIME);
    gv_err e = {0};
    gv_two_time *obs = gv_two_time_alloc(&o, &e);
    if (!obs) return gvL_raise(L, &e);
    u->o = obs;
    u->per_replica = per_replica;
    u->per_layer = o.per_layer;
    u->histogram = o.histogram;
    gv_two_time_hook(obs, &u->hook);
    return 1;
}

/* glass.observer.scalar{at=, lambda=0, per_replica=false} */
static int obs_scalar(lua_State *L)
{
    static const char *const keys[] = {"at", "lambda", "per_replica", NULL};
    const char *what = "glass.observer.scalar";
    gvL_check_options(L, 1, what, keys);
    if (gvL_field(L, 1, "at") == LUA_TNIL)
        return luaL_error(L, "%s: option 'at' is required (a glass.Schedule or an array of "
                             "steps; {first=, last=, per_decade=} for a log grid)", what);
    gv_scalar_opts o;
    o.at = to_sched(L, -1, "glass.observer.scalar: at", 1);
    o.lambda = gvL_opt_number(L, 1, what, "lambda", 0);
    int per_replica = gvL_opt_boolean(L, 1, what, "per_replica", 0);
    lobs *u = obs_new_udata(L, OBS_SCALAR);
    gv_err e = {0};
    gv_scalar *obs = gv_scalar_alloc(&o, &e);
    if (!obs) return gvL_raise(L, &e);
    u->o = obs;
    u->per_replica = per_replica;
    gv_scalar_hook(obs, &u->hook);
    return 1;
}

/* Push a new observer with the configuration of the observer at idx, that
 * has measured nothing: rebuilt by the engine from idx's own state bytes
 * (gv_obs_empty_like), as building it with idx's options would. */
static void push_empty(lua_State *L, int idx)
{
    lobs *src = check_obs(L, idx);
    lobs *u = obs_new_udata(L, src->kind);
    gv_err e;
    if (gv_obs_empty_like(&src->hook, &u->hook, &e) != GV_OK) gvL_raise(L, &e);
    u->o = u->hook.self;
    u->per_replica = src->per_replica;
    u->per_layer = src->per_layer;
    u->histogram = src->histogram;
}

/* obs:empty() -> a new observer of obs's configuration, that has not run. */
static int obs_empty(lua_State *L)
{
    check_obs(L, 1);
    push_empty(L, 1);
    return 1;
}

/* Readers start here: a distributed observer (several ranks) is replaced at
 * stack index 1 by the observer of every rank's replicas, gathered once
 * (collective: every rank reads the same tables in the same order). */
static void read_whole(lua_State *L)
{
    lobs *u = luaL_checkudata(L, 1, OBS_T);
    if (!u->o || gv_mpi_size() <= 1) return;
    int distributed = lua_getiuservalue(L, 1, UV_DISTRIBUTED) == LUA_TBOOLEAN;
    lua_pop(L, 1);
    if (!distributed) return;
    if (lua_getiuservalue(L, 1, UV_GATHERED) == LUA_TNIL) {
        lua_pop(L, 1);
        push_empty(L, 1);
        gvL_mpi_allgather_observer(L, 1, -1);
        lua_pushvalue(L, -1);
        lua_setiuservalue(L, 1, UV_GATHERED);
    }
    lua_replace(L, 1);
}

/* The table names each observer can produce, in results() order. */
static const char *const TT_NAMES[] = {"summary", "layers", "replicas", "histogram",
                                       "histogram_totals", NULL};
static const char *const SC_NAMES[] = {"summary", "replicas", NULL};

static int table_enabled(const lobs *u, const char *name)
{
    if (strcmp(name, "summary") == 0) return 1;
    if (strcmp(name, "replicas") == 0) return u->per_replica;
    if (strcmp(name, "layers") == 0) return u->per_layer;
    if (strncmp(name, "histogram", 9) == 0) return u->histogram;
    return 0;
}

/* Push the named table (always built, even if not enabled for results()). */
static void push_named_table(lua_State *L, lobs *u, const char *name)
{
    gv_table *t = NULL;
    gv_err e = {0};
    gv_status st = GV_OK;
    if (u->kind == OBS_TWO_TIME) {
        gv_two_time_table which;
        if (strcmp(name, "summary") == 0) which = GV_TT_SUMMARY;
        else if (strcmp(name, "layers") == 0) which = GV_TT_LAYERS;
        else if (strcmp(name, "replicas") == 0) which = GV_TT_REPLICAS;
        else if (strcmp(name, "histogram") == 0) which = GV_TT_HISTOGRAM;
        else if (strcmp(name, "histogram_totals") == 0) which = GV_TT_HIST_TOTALS;
        else if (strcmp(name, "histogram_basins") == 0) which = GV_TT_HIST_BASINS;
        else {
            luaL_error(L, "glass.Observer:table: no table '%s'; a two-time observer has summary, "
                          "layers (per_layer=true), replicas, histogram, histogram_totals and "
                          "histogram_basins (histogram=...)", name);
            return;
        }
        st = gv_two_time_table_make(u->o, which, &t, &e);
    } else {
        gv_scalar_table which;
        if (strcmp(name, "summary") == 0) which = GV_SC_SUMMARY;
        else if (strcmp(name, "replicas") == 0) which = GV_SC_REPLICAS;
        else {
            luaL_error(L, "glass.Observer:table: no table '%s'; a scalar observer has summary "
                          "and replicas", name);
            return;
        }
        st = gv_scalar_table_make(u->o, which, &t, &e);
    }
    if (st != GV_OK) gvL_raise(L, &e);
    gvL_push_table(L, t); /* Lua owns t from here */
}

/* obs:results() -> {summary = glass.Table, ...} with the enabled tables */
static int obs_results(lua_State *L)
{
    read_whole(L);
    lobs *u = check_obs(L, 1);
    lua_newtable(L);
    for (const char *const *n = u->kind == OBS_TWO_TIME ? TT_NAMES : SC_NAMES; *n; n++) {
        if (!table_enabled(u, *n)) continue;
        push_named_table(L, u, *n);
        lua_setfield(L, -2, *n);
    }
    return 1;
}

/* obs:table(name) -> glass.Table */
static int obs_table(lua_State *L)
{
    read_whole(L);
    lobs *u = check_obs(L, 1);
    push_named_table(L, u, luaL_checkstring(L, 2));
    return 1;
}

/* obs:next() -> the next pending event step, or nil when done */
/* obs:curves{quantity = "Q" | "msd" | "dw4" | "alpha2", tw = step, chi = | eps = }
 * -> t (lags), curves (curves[r][i], replica r from 1, NaN where absent),
 *    basins (label per replica), the number of weights entering Q */
static int obs_curves(lua_State *L)
{
    const char *W = "observer:curves";
    read_whole(L);
    lobs *u = check_obs(L, 1);
    if (u->kind != OBS_TWO_TIME) return luaL_error(L, "%s: only a two-time observer has curves", W);
    gv_two_time *o = u->o;
    static const char *const keys[] = {"quantity", "tw", "chi", "eps", NULL};
    static const char *const qs[] = {"Q", "msd", "dw4", "alpha2", NULL};
    lua_settop(L, 2);
    if (lua_isnil(L, 2)) lua_newtable(L), lua_replace(L, 2);
    gvL_check_options(L, 2, W, keys);
    const char *qn = gvL_opt_string(L, 2, W, "quantity", "Q");
    int which = 0;
    while (qs[which] && strcmp(qs[which], qn) != 0) which++;
    if (!qs[which])
        return luaL_error(L, "%s: quantity '%s' unknown; use \"Q\", \"msd\", \"dw4\" or "
                             "\"alpha2\"", W, qn);
    size_t tw = 0, c = 0, ntw = gv_two_time_ntw(o), nc = gv_two_time_ncutoffs(o);
    if (gvL_has(L, 2, "tw")) {
        lua_Integer s = gvL_opt_integer(L, 2, W, "tw", 0);
        while (tw < ntw && (lua_Integer)gv_two_time_tw(o, tw) != s) tw++;
        if (tw == ntw) return luaL_error(L, "%s: tw=%I is not one of the observer's waiting times", W, s);
    }
    int by_chi = gvL_has(L, 2, "chi"), by_eps = gvL_has(L, 2, "eps");
    if (by_chi && by_eps)
        return luaL_error(L, "%s: give chi= or eps= (a cutoff either way), not both", W);
    if (by_chi || by_eps) {
        double want = gvL_opt_number(L, 2, W, by_chi ? "chi" : "eps", 0), chi, eps;
        for (c = 0; c < nc; c++) {
            gv_two_time_cutoff(o, c, &chi, &eps);
            if ((by_chi ? chi : eps) == want) break;
        }
        if (c == nc) return luaL_error(L, "%s: %s=%f is not one of the observer's cutoffs", W,
                                       by_chi ? "chi" : "eps", want);
    }
    size_t R, nl;
    const uint64_t *lags;
    gv_err e = {0};
    if (gv_two_time_curves(o, tw, c, which, NULL, &R, &nl, &lags, NULL, &e)) return gvL_raise(L, &e);
    double *v = lua_newuserdatauv(L, (R && nl ? R * nl : 1) * sizeof *v, 0);
    uint64_t *b = lua_newuserdatauv(L, (R ? R : 1) * sizeof *b, 0);
    if (gv_two_time_curves(o, tw, c, which, v, &R, &nl, &lags, b, &e)) return gvL_raise(L, &e);
    lua_createtable(L, (int)nl, 0);
    for (size_t l = 0; l < nl; l++) {
        lua_pushinteger(L, (lua_Integer)lags[l]);
        lua_rawseti(L, -2, (lua_Integer)l + 1);
    }
    lua_createtable(L, (int)R, 0);
    for (size_t r = 0; r < R; r++) {
        lua_createtable(L, (int)nl, 0);
        for (size_t l = 0; l < nl; l++) {
            lua_pushnumber(L, v[r * nl + l]);
            lua_rawseti(L, -2, (lua_Integer)l + 1);
        }
        lua_rawseti(L, -2, (lua_Integer)r + 1);
    }
    lua_createtable(L, (int)R, 0);
    for (size_t r = 0; r < R; r++) {
        lua_pushinteger(L, (lua_Integer)b[r]);
        lua_rawseti(L, -2, (lua_Integer)r + 1);
    }
    lua_pushinteger(L, (lua_Integer)gv_two_time_nq(o));
    return 4;
}

static int obs_next(lua_State *L)
{
    lobs *u = check_obs(L, 1);
    uint64_t v = u->hook.next(u->hook.self);
    if (v == GV_NO_EVENT) lua_pushnil(L);
    else lua_pushinteger(L, (lua_Integer)v);
    return 1;
}

/* obs:reference_bytes() -> memory held by two-time references */
static int obs_reference_bytes(lua_State *L)
{
    lobs *u = check_obs(L, 1);
    lua_pushinteger(L, u->kind == OBS_TWO_TIME ? (lua_Integer)gv_two_time_ref_bytes(u->o) : 0);
    return 1;
}

static int obs_kind(lua_State *L)
{
    lobs *u = luaL_checkudata(L, 1, OBS_T);
    lua_pushstring(L, u->kind == OBS_TWO_TIME ? "two_time" : "scalar");
    return 1;
}

static void free_two_time(void *p) { gv_two_time_free(p); }
static void free_scalar(void *p) { gv_scalar_free(p); }

static int obs_close(lua_State *L)
{
    lobs *u = luaL_checkudata(L, 1, OBS_T);
    gvL_box_close(L, 1, OBS_T, u->kind == OBS_TWO_TIME ? free_two_time : free_scalar);
    u->o = NULL;
    u->hook = (gv_hook){.name = "observer (closed)", .next = closed_next, .fire = closed_fire};
    return 0;
}

static int obs_tostring(lua_State *L)
{
    lobs *u = luaL_checkudata(L, 1, OBS_T);
    if (!gvL_box_tostring(L, OBS_T)) return 1;
    lua_pushfstring(L, "glass.Observer %s", u->kind == OBS_TWO_TIME ? gv_two_time_describe(u->o)
                                                                    : gv_scalar_describe(u->o));
    if (u->kind == OBS_TWO_TIME) { /* how far it got: the same text before and after a run
                                    * said nothing of what it holds */
        size_t total, n = gv_two_time_nmeasured(u->o, &total);
        uint64_t next = gv_two_time_next(u->o);
        if (n == 0 && next != GV_NO_EVENT)
            lua_pushfstring(L, "; nothing measured yet (first event at step %I)", (lua_Integer)next);
        else if (next == GV_NO_EVENT)
            lua_pushfstring(L, "; all %I points (t_w, lag) measured", (lua_Integer)total);
        else
            lua_pushfstring(L, "; %I of %I points (t_w, lag) measured, the next at step %I",
                            (lua_Integer)n, (lua_Integer)total, (lua_Integer)next);
        lua_concat(L, 2);
    }
    return 1;
}

/* ---- module ---------------------------------------------------------------- */

void gvL_open_obs(lua_State *L)
{
    static const luaL_Reg sched_methods[] = {
        {"count", sched_count}, {"at", sched_at},           {"steps", sched_steps},
        {"next", sched_next},   {"contains", sched_contains}, {"close", sched_close},
        {NULL, NULL}};
    static const luaL_Reg sched_meta[] = {{"__gc", sched_close},
                                          {"__close", sched_close},
                                          {"__len", sched_count},
                                          {"__tostring", sched_tostring},
                                          {NULL, NULL}};
    static const luaL_Reg obs_methods[] = {{"results", obs_results},
                                           {"table", obs_table},
                                           {"curves", obs_curves},
                                           {"next", obs_next},
                                           {"reference_bytes", obs_reference_bytes},
                                           {"kind", obs_kind},
                                           {"empty", obs_empty},
                                           {"close", obs_close},
                                           {NULL, NULL}};
    static const luaL_Reg obs_meta[] = {{"__gc", obs_close},
                                        {"__close", obs_close},
                                        {"__tostring", obs_tostring},
                                        {NULL, NULL}};
    static const luaL_Reg schedule_fns[] = {{"log", sched_log},
                                            {"linear", sched_linear},
                                            {"list", sched_list},
                                            {"union", sched_union},
                                            {NULL, NULL}};
    static const luaL_Reg observer_fns[] = {{"two_time", obs_two_time},
                                            {"scalar", obs_scalar},
                                            {NULL, NULL}};
    gvL_newtype(L, SCHED_T, sched_methods, sched_meta);
    gvL_newtype(L, OBS_T, obs_methods, obs_meta);
    luaL_getmetatable(L, OBS_T);
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "__gv_hook"); /* gvL_tohook: this userdata begins with a gv_hook */
    lua_pop(L, 1);
    gvL_subtable(L, "schedule", schedule_fns);
    gvL_subtable(L, "observer", observer_fns);
}
