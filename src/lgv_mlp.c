/* lgv_mlp.c: Lua bindings of the network (glass.mlp, type glass.MLP) and of
 * the counter-based generator (glass.rng).
 *
 * Weight vectors cross the boundary as plain Lua arrays of numbers (1-based;
 * element k+1 is engine weight k).  That is meant for exploration and tests;
 * runs keep their weights in C (ensembles).  Scratch memory of a call is Lua
 * userdata, so an error raised half-way leaks nothing. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gv_data.h"
#include "gv_mlp.h"
#include "gv_rng.h"
#include "lgv.h"

#define MLP_T "glass.MLP"

typedef struct mlp_box {
    gv_mlp *m; /* NULL once closed */
} mlp_box;

struct gv_mlp *gvL_check_mlp(lua_State *L, int idx)
{
    return gvL_box_check(L, idx, MLP_T, "glass.MLP: the network has been closed");
}

/* Scratch memory owned by the Lua stack (collected even if we raise). */
static void *scratch(lua_State *L, size_t n)
{
    return lua_newuserdatauv(L, n ? n : 1, 0);
}

/* Push and return the text of the value at idx for a message: as tostring
 * would write it, except that a NaN reads "nan" (never "-nan"). */
static const char *value_text(lua_State *L, int idx)
{
    if (lua_type(L, idx) == LUA_TNUMBER && !lua_isinteger(L, idx))
        return lua_pushfstring(L, "%f", gv_plain_nan(lua_tonumber(L, idx)));
    return luaL_tolstring(L, idx, NULL);
}

/* ---- constructor ----------------------------------------------------------- */

static int mlp_new(lua_State *L)
{
    static const char *const keys[] = {"d", "widths", "width", "depth", NULL};
    gvL_check_options(L, 1, "glass.mlp", keys);
    lua_Integer d = gvL_req_integer(L, 1, "glass.mlp", "d");
    if (d < 1) luaL_error(L, "glass.mlp: option 'd' must be at least 1, got %I", d);
    size_t widths[GV_MLP_MAX_LAYERS], nh = 0;
    int has_w = gvL_has(L, 1, "widths"), has_wd = gvL_has(L, 1, "width") || gvL_has(L, 1, "depth");
    if (has_w && has_wd)
        luaL_error(L, "glass.mlp: give either 'widths' or 'width' and 'depth', not both");
    if (has_w) {
        gvL_field(L, 1, "widths");
        if (!lua_istable(L, -1))
            luaL_error(L, "glass.mlp: option 'widths' must be a list of integers, got %s",
                       gvL_typename(L, -1));
        lua_Integer n = (lua_Integer)gvL_list_len(L, -1, "glass.mlp");
        /* No hidden layer would be a linear model (d -> 1), not the system
         * glassvm studies (docs/network.md): refused, as depth = 0 is. */
        if (n < 1)
            luaL_error(L, "glass.mlp: option 'widths' must list at least one hidden layer width, "
                       "got an empty list");
        if (n > GV_MLP_MAX_LAYERS - 1)
            luaL_error(L, "glass.mlp: %I hidden layers, at most %d", n, GV_MLP_MAX_LAYERS - 1);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, -1, i);
            int isint;
            lua_Integer v = lua_tointegerx(L, -1, &isint);
            if (!isint || v < 1 || v > GV_MLP_MAX_WIDTH)
                luaL_error(L, "glass.mlp: widths[%I] must be an integer in 1..%d, got %s", i,
                           GV_MLP_MAX_WIDTH, value_text(L, -1));
            widths[nh++] = (size_t)v;
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    } else if (has_wd) {
        lua_Integer w = gvL_req_integer(L, 1, "glass.mlp", "width");
        lua_Integer depth = gvL_req_integer(L, 1, "glass.mlp", "depth");
        if (w < 1 || w > GV_MLP_MAX_WIDTH)
            luaL_error(L, "glass.mlp: option 'width' must be an integer in 1..%d, got %I", GV_MLP_MAX_WIDTH,
                       w);
        if (depth < 1 || depth > GV_MLP_MAX_LAYERS - 1)
            luaL_error(L, "glass.mlp: option 'depth' (hidden layers) must be an integer in 1..%d, "
                       "got %I", GV_MLP_MAX_LAYERS - 1, depth);
        for (lua_Integer i = 0; i < depth; i++) widths[nh++] = (size_t)w;
    } else {
        luaL_error(L, "glass.mlp: give the hidden layers as widths={...} or width=, depth=");
    }
    mlp_box *b = gvL_box_new(L, MLP_T, sizeof *b, 0);
    gv_err e;
    b->m = gv_mlp_alloc((size_t)d, nh, widths, &e);
    if (!b->m) return gvL_raise(L, &e);
    return 1;
}

/* ---- methods --------------------------------------------------------------- */

static void free_mlp(void *p) { gv_mlp_free(p); }
static int mlp_close(lua_State *L) { return gvL_box_close(L, 1, MLP_T, free_mlp); }

static int mlp_tostring(lua_State *L)
{
    gv_mlp *m = gvL_box_tostring(L, MLP_T);
    if (!m) return 1;
    char buf[512];
    gv_mlp_describe(m, buf, sizeof buf);
    lua_pushfstring(L, "glass.MLP %s, %I weights", buf, (lua_Integer)gv_mlp_nweights(m));
    return 1;
}

static int mlp_nweights(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)gv_mlp_nweights(gvL_check_mlp(L, 1)));
    return 1;
}

static int mlp_d(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)gv_mlp_input_dim(gvL_check_mlp(L, 1)));
    return 1;
}

static int mlp_describe(lua_State *L)
{
    char buf[512];
    gv_mlp_describe(gvL_check_mlp(L, 1), buf, sizeof buf);
    lua_pushstring(L, buf);
    return 1;
}

/* {{first=, last=, out=, ["in"]=, offset=}, ...}: layer l is weights
 * w[first..last] (1-based), a row-major out×in matrix; offset is 0-based. */
static int mlp_layers(lua_State *L)
{
    gv_mlp *m = gvL_check_mlp(L, 1);
    size_t nl = gv_mlp_nlayers(m);
    lua_createtable(L, (int)nl, 0);
    for (size_t l = 0; l < nl; l++) {
        size_t off, out, in;
        gv_mlp_layer(m, l, &off, &out, &in);
        lua_createtable(L, 0, 5);
        lua_pushinteger(L, (lua_Integer)off + 1);
        lua_setfield(L, -2, "first");
        lua_pushinteger(L, (lua_Integer)(off + out * in));
        lua_setfield(L, -2, "last");
        lua_pushinteger(L, (lua_Integer)off);
        lua_setfield(L, -2, "offset");
        lua_pushinteger(L, (lua_Integer)out);
        lua_setfield(L, -2, "out");
        lua_pushinteger(L, (lua_Integer)in);
        lua_setfield(L, -2, "in");
        lua_rawseti(L, -2, (lua_Integer)l + 1);
    }
    return 1;
}

static void push_vector(lua_State *L, const double *v, size_t n)
{
    lua_createtable(L, (int)n, 0);
    for (size_t k = 0; k < n; k++) {
        lua_pushnumber(L, v[k]);
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
}

/* A seed or replica argument: a non-negative integer below `lim`. */
static uint64_t check_count(lua_State *L, int idx, const char *what, uint64_t lim, uint64_t def)
{
    if (lua_isnoneornil(L, idx)) return def;
    int isint;
    lua_Integer v = lua_tointegerx(L, idx, &isint);
    if (!isint || v < 0 || (uint64_t)v >= lim)
        luaL_error(L, "%s must be an integer in 0..%I, got %s", what, (lua_Integer)(lim - 1),
                   value_text(L, idx));
    return (uint64_t)v;
}

/* net:init(seed [, replica = 0]) -> weights */
static int mlp_init(lua_State *L)
{
    lua_settop(L, 3);
    gv_mlp *m = gvL_check_mlp(L, 1);
    uint64_t seed = check_count(L, 2, "MLP:init: seed", UINT64_C(1) << 63, 0);
    if (lua_isnoneornil(L, 2)) luaL_error(L, "MLP:init(seed [, replica]): the seed is required");
    uint32_t rep = (uint32_t)check_count(L, 3, "MLP:init: replica", UINT64_C(1) << 32, 0);
    size_t nw = gv_mlp_nweights(m);
    double *w = scratch(L, nw * sizeof *w);
    gv_mlp_init_weights(m, seed, rep, w);
    push_vector(L, w, nw);
    return 1;
}

/* Weights from a Lua array of exactly nweights numbers. */
static double *check_weights(lua_State *L, int idx, const gv_mlp *m, const char *fn)
{
    size_t nw = gv_mlp_nweights(m);
    if (!lua_istable(L, idx))
        luaL_error(L, "%s: weights must be a table of %I numbers, got %s", fn, (lua_Integer)nw,
                   gvL_typename(L, idx));
    lua_Integer n = (lua_Integer)gvL_list_len(L, idx, fn);
    if (n != (lua_Integer)nw)
        luaL_error(L, "%s: weights table has %I entries, the network has %I weights", fn, n,
                   (lua_Integer)nw);
    double *w = scratch(L, nw * sizeof *w);
    for (size_t k = 0; k < nw; k++) {
        if (lua_rawgeti(L, idx, (lua_Integer)k + 1) != LUA_TNUMBER)
            luaL_error(L, "%s: weights[%I] must be a number, got %s", fn, (lua_Integer)k + 1,
                       gvL_typename(L, -1));
        w[k] = lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    return w;
}

/* A dataset: a glass.Dataset, or a table {X = {{x11, x12, ...}, ...},
 * y = {±1, ...}} for small hand-made examples.  The table form is copied
 * into scratch memory held on the Lua stack. */
static const gv_data *check_dataset(lua_State *L, int idx, gv_data *tmp, int need_y, const char *fn)
{
    if (lua_type(L, idx) == LUA_TUSERDATA) {
        return gvL_check_data(L, idx);
    }
    if (!lua_istable(L, idx))
        luaL_error(L, "%s: data must be a glass.Dataset or a table {X={{...},...}, y={...}}, got %s",
                   fn, gvL_typename(L, idx));
    idx = lua_absindex(L, idx);
    gvL_check_plain(L, idx, fn, "the data table");
    memset(tmp, 0, sizeof *tmp);
    snprintf(tmp->name, sizeof tmp->name, "data table");
    if (gvL_field(L, idx, "X") != LUA_TTABLE)
        luaL_error(L, "%s: data table needs X = {{x11, x12, ...}, ...} (rows of numbers)", fn);
    size_t P = gvL_list_len(L, -1, fn), d = 0;
    if (P == 0) luaL_error(L, "%s: data table X has no rows", fn);
    lua_rawgeti(L, -1, 1);
    if (!lua_istable(L, -1)) luaL_error(L, "%s: data X[1] must be a table of numbers", fn);
    d = gvL_list_len(L, -1, fn);
    lua_pop(L, 1);
    tmp->P = P;
    tmp->d = d;
    size_t cells, bytes; /* the lengths come from Lua tables */
    if (gv_mul_size(P, d, &cells) || gv_mul_size(cells, sizeof(float), &bytes))
        luaL_error(L, "%s: data table X of %I rows of %I values is too large", fn, (lua_Integer)P,
                   (lua_Integer)d);
    tmp->X = scratch(L, bytes);
    lua_insert(L, -2); /* keep the scratch below X */
    for (size_t i = 0; i < P; i++) {
        if (lua_rawgeti(L, -1, (lua_Integer)i + 1) != LUA_TTABLE || gvL_list_len(L, -1, fn) != d)
            luaL_error(L, "%s: data X[%I] must be a table of %I numbers (as X[1])", fn,
                       (lua_Integer)i + 1, (lua_Integer)d);
        for (size_t j = 0; j < d; j++) {
            if (lua_rawgeti(L, -1, (lua_Integer)j + 1) != LUA_TNUMBER)
                luaL_error(L, "%s: data X[%I][%I] must be a number", fn, (lua_Integer)i + 1,
                           (lua_Integer)j + 1);
            double v = lua_tonumber(L, -1);
            if (!isfinite(v) || fabs(v) > FLT_MAX)
                luaL_error(L, "%s: data X[%I][%I] = %s is not a finite float32 value (|x| up to "
                           "3.4e38)", fn, (lua_Integer)i + 1, (lua_Integer)j + 1,
                           value_text(L, -1));
            tmp->X[i * d + j] = (float)v;
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1); /* X */
    int ty = gvL_field(L, idx, "y");
    if (ty == LUA_TNIL) {
        lua_pop(L, 1);
        if (need_y) luaL_error(L, "%s: data table needs labels y = {±1, ...}", fn);
        return tmp;
    }
    if (ty != LUA_TTABLE || gvL_list_len(L, -1, fn) != P)
        luaL_error(L, "%s: data y must be a table of %I labels ±1 (one per row of X)", fn,
                   (lua_Integer)P);
    tmp->y = scratch(L, P);
    lua_insert(L, -2);
    for (size_t i = 0; i < P; i++) {
        lua_rawgeti(L, -1, (lua_Integer)i + 1);
        int isint;
        lua_Integer v = lua_tointegerx(L, -1, &isint);
        if (!isint || (v != 1 && v != -1))
            luaL_error(L, "%s: data y[%I] must be +1 or -1", fn, (lua_Integer)i + 1);
        tmp->y[i] = (int8_t)v;
        lua_pop(L, 1);
    }
    lua_pop(L, 1); /* y; the scratch buffers stay on the stack */
    return tmp;
}

/* net:eval(w, data [, lambda = 0 [, {gradient=, rows=}]]) ->
 *   {loss=, data_loss=, accuracy=, unsat=, n=, gradient={...}?}
 * rows: 1-based row indices (a minibatch). */
static int mlp_eval(lua_State *L)
{
    static const char *const keys[] = {"gradient", "rows", NULL};
    lua_settop(L, 5); /* scratch buffers go above the arguments */
    gv_mlp *m = gvL_check_mlp(L, 1);
    double *w = check_weights(L, 2, m, "MLP:eval");
    gv_data tmp;
    const gv_data *data = check_dataset(L, 3, &tmp, 1, "MLP:eval");
    size_t P = data->P;
    double lambda = gv_plain_nan(luaL_optnumber(L, 4, 0));
    if (!(lambda >= 0) || !isfinite(lambda))
        luaL_error(L, "MLP:eval: lambda must be a finite number >= 0, got %f", lambda);
    int want_grad = 0;
    uint32_t *rows = NULL;
    size_t nrows = 0;
    if (!lua_isnoneornil(L, 5)) {
        gvL_check_options(L, 5, "MLP:eval", keys);
        want_grad = gvL_opt_boolean(L, 5, "MLP:eval", "gradient", 0);
        if (gvL_field(L, 5, "rows") != LUA_TNIL) {
            if (!lua_istable(L, -1)) luaL_error(L, "MLP:eval: option 'rows' must be a list of row indices");
            nrows = gvL_list_len(L, -1, "MLP:eval");
            if (nrows == 0) luaL_error(L, "MLP:eval: option 'rows' is empty");
            rows = scratch(L, nrows * sizeof *rows);
            lua_insert(L, -2);
            for (size_t i = 0; i < nrows; i++) {
                lua_rawgeti(L, -1, (lua_Integer)i + 1);
                int isint;
                lua_Integer r = lua_tointegerx(L, -1, &isint);
                if (!isint || r < 1 || (size_t)r > P)
                    luaL_error(L, "MLP:eval: rows[%I] must be a row index in 1..%I", (lua_Integer)i + 1,
                               (lua_Integer)P);
                rows[i] = (uint32_t)(r - 1);
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 1);
    }
    size_t nw = gv_mlp_nweights(m);
    double *g = want_grad ? scratch(L, nw * sizeof *g) : NULL;
    gv_err e;
    gv_eval ev;
    size_t n = rows ? nrows : data->P;
    gv_mlp_work *ws = gv_mlp_work_alloc(m, n, gv_threads(), &e);
    if (!ws) return gvL_raise(L, &e);
    gv_status s = gv_mlp_eval(m, ws, w, data, rows, nrows, lambda, g, &ev, &e);
    gv_mlp_work_free(ws);
    if (s != GV_OK) return gvL_raise(L, &e);
    lua_createtable(L, 0, 6);
    lua_pushnumber(L, ev.loss);
    lua_setfield(L, -2, "loss");
    lua_pushnumber(L, ev.data_loss);
    lua_setfield(L, -2, "data_loss");
    lua_pushnumber(L, ev.accuracy);
    lua_setfield(L, -2, "accuracy");
    lua_pushnumber(L, ev.unsat);
    lua_setfield(L, -2, "unsat");
    lua_pushinteger(L, (lua_Integer)ev.n);
    lua_setfield(L, -2, "n");
    if (g) {
        push_vector(L, g, nw);
        lua_setfield(L, -2, "gradient");
    }
    return 1;
}

/* net:forward(w, data) -> {f1, f2, ...} (labels not needed) */
static int mlp_forward(lua_State *L)
{
    lua_settop(L, 3);
    gv_mlp *m = gvL_check_mlp(L, 1);
    double *w = check_weights(L, 2, m, "MLP:forward");
    gv_data tmp;
    const gv_data *data = check_dataset(L, 3, &tmp, 0, "MLP:forward");
    double *f = scratch(L, data->P * sizeof *f);
    gv_err e;
    gv_mlp_work *ws = gv_mlp_work_alloc(m, data->P, gv_threads(), &e);
    if (!ws) return gvL_raise(L, &e);
    gv_status s = gv_mlp_forward(m, ws, w, data, f, &e);
    gv_mlp_work_free(ws);
    if (s != GV_OK) return gvL_raise(L, &e);
    push_vector(L, f, data->P);
    return 1;
}

/* ---- glass.rng ------------------------------------------------------------- */

static const char *const purpose_names[] = {"init",    "noise",     "shuffle", "data",
                                            "user",    "subseed",   "bootstrap", NULL};

/* purpose = a name above, or an integer 0..255 (default "user"). */
static uint32_t check_purpose(lua_State *L, int idx, const char *what)
{
    int t = gvL_field(L, idx, "purpose");
    uint32_t p = GV_RNG_USER;
    if (t == LUA_TSTRING) {
        const char *s = lua_tostring(L, -1);
        int found = 0;
        for (int i = 0; purpose_names[i]; i++)
            if (strcmp(s, purpose_names[i]) == 0) { p = (uint32_t)(i + 1); found = 1; }
        if (!found)
            luaL_error(L, "%s: unknown purpose '%s' (init, noise, shuffle, data, user, subseed, "
                          "bootstrap or 0..255)", what, s);
    } else if (t != LUA_TNIL) {
        int isint;
        lua_Integer v = lua_tointegerx(L, -1, &isint);
        if (!isint || v < 0 || v > 255)
            luaL_error(L, "%s: option 'purpose' must be a name or an integer 0..255", what);
        p = (uint32_t)v;
    }
    lua_pop(L, 1);
    return p;
}

typedef struct rng_args {
    uint64_t seed, step, start;
    uint32_t replica, purpose;
    size_t n;
} rng_args;

static void check_rng_args(lua_State *L, const char *what, rng_args *a, int need_start)
{
    static const char *const keys[] = {"seed", "replica", "purpose", "step", "start", "n", NULL};
    static const char *const keys_perm[] = {"seed", "replica", "purpose", "step", "n", NULL};
    gvL_check_options(L, 1, what, need_start ? keys : keys_perm);
    if (!gvL_has(L, 1, "seed")) luaL_error(L, "%s: option 'seed' is required", what);
    a->seed = gvL_opt_seed(L, 1, what, "seed", 0);
    lua_Integer r = gvL_opt_integer(L, 1, what, "replica", 0);
    if (r < 0 || r > (lua_Integer)UINT32_MAX)
        luaL_error(L, "%s: option 'replica' must be an integer in 0..%I, got %I", what,
                   (lua_Integer)UINT32_MAX, r);
    a->replica = (uint32_t)r;
    a->purpose = check_purpose(L, 1, what);
    lua_Integer st = gvL_opt_integer(L, 1, what, "step", 0);
    if (st < 0 || st >= ((lua_Integer)1 << GV_RNG_STEP_BITS))
        luaL_error(L, "%s: option 'step' must be an integer in 0..%I (2^48 - 1), got %I", what,
                   ((lua_Integer)1 << GV_RNG_STEP_BITS) - 1, st);
    a->step = (uint64_t)st;
    lua_Integer s0 = gvL_opt_integer(L, 1, what, "start", 0);
    if (s0 < 0 || s0 >= ((lua_Integer)1 << (GV_RNG_BLOCK_BITS + 1)))
        luaL_error(L, "%s: option 'start' must be an integer in 0..%I (2^41 - 1), got %I", what,
                   ((lua_Integer)1 << (GV_RNG_BLOCK_BITS + 1)) - 1, s0);
    a->start = (uint64_t)s0;
    lua_Integer n = gvL_req_integer(L, 1, what, "n");
    if (n < 0 || n > ((lua_Integer)1 << 28))
        luaL_error(L, "%s: option 'n' must be an integer in 0..%I (2^28), got %I", what,
                   (lua_Integer)1 << 28, n);
    a->n = (size_t)n;
}

/* glass.rng.normal{seed=, replica=0, purpose="user", step=0, start=0, n=} */
static int rng_normal(lua_State *L)
{
    rng_args a;
    check_rng_args(L, "glass.rng.normal", &a, 1);
    double *v = scratch(L, a.n * sizeof *v);
    gv_rng_normal(a.seed, a.replica, a.purpose, a.step, a.start, a.n, v);
    push_vector(L, v, a.n);
    return 1;
}

static int rng_uniform(lua_State *L)
{
    rng_args a;
    check_rng_args(L, "glass.rng.uniform", &a, 1);
    double *v = scratch(L, a.n * sizeof *v);
    gv_rng_uniform(a.seed, a.replica, a.purpose, a.step, a.start, a.n, v);
    push_vector(L, v, a.n);
    return 1;
}

/* A permutation of 1..n (the engine's 0-based permutation, plus one). */
static int rng_permutation(lua_State *L)
{
    rng_args a;
    check_rng_args(L, "glass.rng.permutation", &a, 0);
    uint32_t *p = scratch(L, a.n * sizeof *p);
    gv_rng_permutation(a.seed, a.replica, a.purpose, a.step, a.n, p);
    lua_createtable(L, (int)a.n, 0);
    for (size_t i = 0; i < a.n; i++) {
        lua_pushinteger(L, (lua_Integer)p[i] + 1);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* glass.rng.subseed(seed, index) -> the seed of sweep point `index`
 * (gv_rng_subseed: Philox of (seed, purpose "subseed", step = index)). */
static int rng_subseed(lua_State *L)
{
    lua_Integer seed = luaL_checkinteger(L, 1), index = luaL_checkinteger(L, 2);
    if (seed < 0) luaL_argerror(L, 1, "the seed must be a non-negative integer");
    if (index < 0 || index >= ((lua_Integer)1 << GV_RNG_STEP_BITS))
        luaL_argerror(L, 2, "the index must be an integer in 0..2^48 - 1");
    lua_pushinteger(L, (lua_Integer)gv_rng_subseed((uint64_t)seed, (uint64_t)index));
    return 1;
}

void gvL_open_mlp(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"nweights", mlp_nweights}, {"d", mlp_d}, {"layers", mlp_layers},
        {"describe", mlp_describe}, {"init", mlp_init}, {"eval", mlp_eval},
        {"forward", mlp_forward}, {"close", mlp_close}, {NULL, NULL}};
    static const luaL_Reg meta[] = {
        {"__gc", mlp_close}, {"__close", mlp_close}, {"__tostring", mlp_tostring}, {NULL, NULL}};
    static const luaL_Reg rng[] = {
        {"normal", rng_normal}, {"uniform", rng_uniform}, {"permutation", rng_permutation},
        {"subseed", rng_subseed}, {NULL, NULL}};
    gvL_newtype(L, MLP_T, methods, meta);
    lua_pushcfunction(L, mlp_new);
    lua_setfield(L, -2, "mlp");
    luaL_newlib(L, rng);
    lua_setfield(L, -2, "rng");
}
