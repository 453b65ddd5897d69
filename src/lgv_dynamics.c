/* lgv_dynamics.c: Lua bindings of landscapes (glass.landscape.*, type
 * glass.Landscape), integrators (glass.sgd/gd/langevin, glass.Integrator) and
 * ensembles (glass.ensemble, glass.load_ensemble, glass.Ensemble).
 *
 * Ownership: a Landscape keeps its network and dataset userdata as user
 * values, an Ensemble keeps its Landscape; the C objects only borrow.  Every
 * method re-checks that chain, so closing a network under a landscape gives
 * an error, not a dangling pointer.  Replica indices are 1-based in Lua. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gv_data.h"
#include "gv_ensemble.h"
#include "gv_integ.h"
#include "gv_landscape.h"
#include "gv_mlp.h"
#include "gv_rng.h"
#include "lgv.h"

#define LAND_T "glass.Landscape"
#define INTEG_T "glass.Integrator"
#define ENS_T "glass.Ensemble"
#define MAX_OBSERVERS 64

typedef struct land_box {
    gv_landscape *l; /* NULL once closed */
} land_box;

typedef struct integ_box {
    gv_integ *it;
} integ_box;

typedef struct ens_box {
    gv_ensemble *ens;
} ens_box;

/* Scratch memory owned by the Lua stack (collected even if we raise). */
static void *scratch(lua_State *L, size_t n)
{
    return lua_newuserdatauv(L, n ? n : 1, 0);
}

/* ---- landscapes ------------------------------------------------------------ */

/* The landscape at idx, checked alive together with what it borrows. */
static gv_landscape *land_check(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    gv_landscape *l = gvL_box_check(L, idx, LAND_T, "glass.Landscape: the landscape has been closed");
    if (gv_landscape_mlp(l)) {
        lua_getiuservalue(L, idx, 1);
        if (gvL_check_mlp(L, -1) != gv_landscape_mlp(l))
            luaL_error(L, "glass.Landscape: its network changed (internal error)");
        lua_getiuservalue(L, idx, 2);
        if (gvL_check_data(L, -1) != gv_landscape_data(l))
            luaL_error(L, "glass.Landscape: its dataset changed (internal error)");
        lua_pop(L, 2);
    }
    return l;
}

/* A new closed Landscape userdata on the stack (user values: its network
 * and dataset). */
static land_box *land_push(lua_State *L) { return gvL_box_new(L, LAND_T, sizeof(land_box), 2); }

static int land_network(lua_State *L)
{
    static const char *const keys[] = {"net", "data", NULL};
    const char *what = "glass.landscape.network";
    gvL_check_options(L, 1, what, keys);
    gvL_field(L, 1, "net");   /* 2 */
    gvL_field(L, 1, "data");  /* 3 */
    if (!luaL_testudata(L, 2, "glass.MLP"))
        luaL_error(L, "%s: option 'net' must be a glass.MLP (from glass.mlp{...}), got %s", what,
                   gvL_typename(L, 2));
    if (!luaL_testudata(L, 3, "glass.Dataset"))
        luaL_error(L, "%s: option 'data' must be a glass.Dataset (e.g. glass.data.mnist{}), got %s",
                   what, gvL_typename(L, 3));
    gv_mlp *m = gvL_check_mlp(L, 2);
    gv_data *data = gvL_check_data(L, 3);
    land_box *b = land_push(L);
    lua_pushvalue(L, 2);
    lua_setiuservalue(L, -2, 1);
    lua_pushvalue(L, 3);
    lua_setiuservalue(L, -2, 2);
    gv_err e;
    b->l = gv_landscape_network(m, data, &e);
    if (!b->l) return gvL_raise(L, &e);
    return 1;
}

/* N (integer >= 1) and P (integer >= 1) of a null model's option table. */
static void null_sizes(lua_State *L, const char *what, size_t *N, size_t *P, double *w0)
{
    lua_Integer n = gvL_req_integer(L, 1, what, "N");
    lua_Integer p = gvL_req_integer(L, 1, what, "P");
    if (n < 1) luaL_error(L, "%s: option 'N' (number of weights) must be at least 1, got %I", what, n);
    if (p < 1 || p > (lua_Integer)UINT32_MAX)
        luaL_error(L, "%s: option 'P' (effective number of samples) must be an integer in "
                   "1..%I, got %I", what, (lua_Integer)UINT32_MAX, p);
    *w0 = gvL_opt_number(L, 1, what, "w0", 0.0);
    if (!isfinite(*w0)) luaL_error(L, "%s: option 'w0' must be finite, got %f", what, *w0);
    *N = (size_t)n;
    *P = (size_t)p;
}

static int land_flat(lua_State *L)
{
    static const char *const keys[] = {"N", "P", "w0", NULL};
    const char *what = "glass.landscape.flat";
    gvL_check_options(L, 1, what, keys);
    size_t N, P;
    double w0;
    null_sizes(L, what, &N, &P, &w0);
    land_box *b = land_push(L);
    gv_err e;
    b->l = gv_landscape_flat(N, P, w0, &e);
    if (!b->l) return gvL_raise(L, &e);
    return 1;
}

static int land_harmonic(lua_State *L)
{
    static const char *const keys[] = {"N", "P", "k", "w0", NULL};
    const char *what = "glass.landscape.harmonic";
    gvL_check_options(L, 1, what, keys);
    size_t N, P;
    double w0;
    null_sizes(L, what, &N, &P, &w0);
    double k = gvL_req_number(L, 1, what, "k");
    if (!(isfinite(k) && k > 0)) luaL_error(L, "%s: option 'k' must be a finite number > 0, got %f", what, k);
    land_box *b = land_push(L);
    gv_err e;
    b->l = gv_landscape_harmonic(N, k, P, w0, &e);
    if (!b->l) return gvL_raise(L, &e);
    return 1;
}

static void free_land(void *p) { gv_landscape_free(p); }
static int land_close(lua_State *L) { return gvL_box_close(L, 1, LAND_T, free_land); }

/* Describe the open landscape of the box at idx into buf, or say which of
 * its network and dataset has been closed (describing it would read them). */
static void land_describe(lua_State *L, int idx, const gv_landscape *l, char *buf, size_t n)
{
    if (gv_landscape_mlp(l)) {
        const char *gone[2] = {"network", "dataset"};
        int closed[2];
        for (int i = 0; i < 2; i++) {
            lua_getiuservalue(L, idx, i + 1);
            void **box = lua_touserdata(L, -1);
            closed[i] = !box || !*box;
            lua_pop(L, 1);
        }
        if (closed[0] || closed[1]) {
            snprintf(buf, n, "network (its %s %s been closed)",
                     closed[0] && closed[1] ? "network and dataset" : gone[closed[1]],
                     closed[0] && closed[1] ? "have" : "has");
            return;
        }
    }
    gv_landscape_describe(l, buf, n);
}

static int land_tostring(lua_State *L)
{
    gv_landscape *l = gvL_box_tostring(L, LAND_T);
    if (!l) return 1;
    char buf[512];
    land_describe(L, 1, l, buf, sizeof buf);
    lua_pushfstring(L, "glass.Landscape %s", buf);
    return 1;
}

static int land_nweights(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)gv_landscape_nweights(land_check(L, 1)));
    return 1;
}

static int land_P(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)gv_landscape_P(land_check(L, 1)));
    return 1;
}

static int land_kind(lua_State *L)
{
    lua_pushstring(L, gv_landscape_kind(land_check(L, 1)));
    return 1;
}

/* land:dataset() -> {name=, rows=, crc=} of a network landscape's data (crc:
 * gv_landscape_data_crc, what ensemble files record), nil for null models. */
static int land_dataset(lua_State *L)
{
    const gv_landscape *l = land_check(L, 1);
    const gv_data *d = gv_landscape_data(l);
    if (!d) return 0;
    lua_createtable(L, 0, 3);
    lua_pushstring(L, d->name);
    lua_setfield(L, -2, "name");
    lua_pushinteger(L, (lua_Integer)gv_landscape_P(l));
    lua_setfield(L, -2, "rows");
    lua_pushinteger(L, (lua_Integer)gv_landscape_data_crc(l));
    lua_setfield(L, -2, "crc");
    return 1;
}

/* {{first=, count=}, ...}: 1-based first weight of each group (layer). */
static int land_groups(lua_State *L)
{
    gv_landscape *l = land_check(L, 1);
    size_t ng = gv_landscape_ngroups(l);
    lua_createtable(L, (int)ng, 0);
    for (size_t g = 0; g < ng; g++) {
        size_t off, cnt;
        gv_landscape_group(l, g, &off, &cnt);
        lua_createtable(L, 0, 2);
        lua_pushinteger(L, (lua_Integer)off + 1);
        lua_setfield(L, -2, "first");
        lua_pushinteger(L, (lua_Integer)cnt);
        lua_setfield(L, -2, "count");
        lua_rawseti(L, -2, (lua_Integer)g + 1);
    }
    return 1;
}

/* ---- integrators ----------------------------------------------------------- */

static gv_integ *integ_check(lua_State *L, int idx)
{
    return gvL_box_check(L, idx, INTEG_T, "glass.Integrator: the integrator has been closed");
}

/* lr (required, > 0) and lambda (default 0, >= 0), checked here so the
 * message names the Lua option. */
static void integ_common(lua_State *L, const char *what, double *lr, double *lambda)
{
    *lr = gvL_req_number(L, 1, what, "lr");
    if (!(isfinite(*lr) && *lr > 0))
        luaL_error(L, "%s: option 'lr' (learning rate) must be a finite number > 0, got %f", what, *lr);
    *lambda = gvL_opt_number(L, 1, what, "lambda", 0.0);
    if (!(isfinite(*lambda) && *lambda >= 0))
        luaL_error(L, "%s: option 'lambda' (L2 strength) must be a finite number >= 0, got %f", what,
                   *lambda);
}

static integ_box *integ_push(lua_State *L) { return gvL_box_new(L, INTEG_T, sizeof(integ_box), 0); }

/* SGD and GD have no temperature: a T (or temperature) given to them is
 * someone wanting Langevin dynamics, so say that rather than list options. */
static void no_temperature(lua_State *L, const char *what)
{
    if (lua_type(L, 1) != LUA_TTABLE) return;
    const char *names[] = {"T", "temperature"};
    for (int i = 0; i < 2; i++)
        if (gvL_has(L, 1, names[i]))
            luaL_error(L, "%s: no option '%s': %s has no temperature; for dynamics at a temperature "
                       "use glass.langevin{lr = ..., T = ...}", what, names[i], what);
}

static int integ_sgd(lua_State *L)
{
    static const char *const keys[] = {"lr", "batch", "lambda", NULL};
    const char *what = "glass.sgd";
    no_temperature(L, what);
    gvL_check_options(L, 1, what, keys);
    double lr, lambda;
    integ_common(L, what, &lr, &lambda);
    lua_Integer batch = gvL_req_integer(L, 1, what, "batch");
    if (batch < 1 || batch > (lua_Integer)UINT32_MAX)
        luaL_error(L, "%s: option 'batch' must be an integer in 1..%I (and at most the "
                   "landscape's P), got %I", what, (lua_Integer)UINT32_MAX, batch);
    integ_box *b = integ_push(L);
    gv_err e;
    b->it = gv_integ_sgd(lr, (size_t)batch, lambda, &e);
    if (!b->it) return gvL_raise(L, &e);
    return 1;
}

static int integ_gd(lua_State *L)
{
    static const char *const keys[] = {"lr", "lambda", NULL};
    const char *what = "glass.gd";
    no_temperature(L, what);
    gvL_check_options(L, 1, what, keys);
    double lr, lambda;
    integ_common(L, what, &lr, &lambda);
    integ_box *b = integ_push(L);
    gv_err e;
    b->it = gv_integ_gd(lr, lambda, &e);
    if (!b->it) return gvL_raise(L, &e);
    return 1;
}

static int integ_langevin(lua_State *L)
{
    static const char *const keys[] = {"lr", "T", "lambda", NULL};
    const char *what = "glass.langevin";
    gvL_check_options(L, 1, what, keys);
    double lr, lambda;
    integ_common(L, what, &lr, &lambda);
    double T = gvL_req_number(L, 1, what, "T");
    if (!(isfinite(T) && T >= 0))
        luaL_error(L, "%s: option 'T' (temperature) must be a finite number >= 0, got %f", what, T);
    integ_box *b = integ_push(L);
    gv_err e;
    b->it = gv_integ_langevin(lr, T, lambda, &e);
    if (!b->it) return gvL_raise(L, &e);
    return 1;
}

static void free_integ(void *p) { gv_integ_free(p); }
static int integ_close(lua_State *L) { return gvL_box_close(L, 1, INTEG_T, free_integ); }

static int integ_tostring(lua_State *L)
{
    gv_integ *it = gvL_box_tostring(L, INTEG_T);
    if (!it) return 1;
    char buf[256];
    gv_integ_describe(it, buf, sizeof buf);
    lua_pushfstring(L, "glass.Integrator %s", buf);
    return 1;
}

static int integ_name(lua_State *L)
{
    lua_pushstring(L, gv_integ_name(integ_check(L, 1)));
    return 1;
}

/* {name=, lr=, lambda=, T= (langevin), batch= (sgd)}. */
static int integ_params(lua_State *L)
{
    gv_integ *it = integ_check(L, 1);
    lua_createtable(L, 0, 5);
    lua_pushstring(L, gv_integ_name(it));
    lua_setfield(L, -2, "name");
    lua_pushnumber(L, gv_integ_lr(it));
    lua_setfield(L, -2, "lr");
    lua_pushnumber(L, gv_integ_lambda(it));
    lua_setfield(L, -2, "lambda");
    if (strcmp(gv_integ_name(it), "langevin") == 0) {
        lua_pushnumber(L, gv_integ_T(it));
        lua_setfield(L, -2, "T");
    }
    if (gv_integ_batch(it) > 0) {
        lua_pushinteger(L, (lua_Integer)gv_integ_batch(it));
        lua_setfield(L, -2, "batch");
    }
    return 1;
}

/* ---- ensembles ------------------------------------------------------------- */

/* The ensemble at idx, checked alive together with its landscape. */
static gv_ensemble *ens_check(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    gv_ensemble *ens = gvL_box_check(L, idx, ENS_T, "glass.Ensemble: the ensemble has been closed");
    lua_getiuservalue(L, idx, 1);
    land_box *lb = luaL_testudata(L, -1, LAND_T);
    if (!lb || !lb->l) luaL_error(L, "glass.Ensemble: its landscape has been closed");
    land_check(L, -1);
    lua_pop(L, 1);
    return ens;
}

struct gv_ensemble *gvL_check_ensemble(lua_State *L, int idx)
{
    return ens_check(L, idx);
}

/* A new closed Ensemble userdata on the stack whose landscape is the
 * Landscape userdata at land_idx. */
static ens_box *ens_push(lua_State *L, int land_idx)
{
    land_idx = lua_absindex(L, land_idx);
    ens_box *b = gvL_box_new(L, ENS_T, sizeof *b, 1);
    lua_pushvalue(L, land_idx);
    lua_setiuservalue(L, -2, 1);
    return b;
}

/* Lua replica index (1-based) at arg -> engine index. */
static size_t replica_arg(lua_State *L, int arg, const gv_ensemble *ens, const char *what)
{
    lua_Integer r = luaL_checkinteger(L, arg);
    lua_Integer R = (lua_Integer)gv_ensemble_size(ens);
    if (r < 1 || r > R)
        luaL_error(L, "%s: replica %I is out of range 1..%I", what, r, R);
    return (size_t)(r - 1);
}

/* Read the N finite numbers of the table at idx into w; `what` names it. */
static void read_weights(lua_State *L, int idx, size_t N, double *w, const char *what)
{
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) != LUA_TTABLE)
        luaL_error(L, "%s: weights must be a table of %I numbers, got %s", what, (lua_Integer)N,
                   gvL_typename(L, idx));
    size_t n = gvL_list_len(L, idx, what);
    if (n != N)
        luaL_error(L, "%s: %I weights given, the landscape has N = %I", what, (lua_Integer)n,
                   (lua_Integer)N);
    for (size_t i = 0; i < N; i++) {
        lua_rawgeti(L, idx, (lua_Integer)i + 1);
        int isnum;
        double v = gv_plain_nan(lua_tonumberx(L, -1, &isnum));
        if (!isnum || lua_type(L, -1) != LUA_TNUMBER)
            luaL_error(L, "%s: weight %I is a %s; weights must be numbers", what, (lua_Integer)i + 1,
                       gvL_typename(L, -1));
        if (!isfinite(v))
            luaL_error(L, "%s: weight %I is %f; weights must be finite", what, (lua_Integer)i + 1, v);
        w[i] = v;
        lua_pop(L, 1);
    }
}

static int ens_new(lua_State *L)
{
    static const char *const keys[] = {"landscape", "replicas", "seed", "first_replica", "init",
                                       "device", NULL};
    const char *what = "glass.ensemble";
    gvL_check_options(L, 1, what, keys);
    gvL_field(L, 1, "landscape"); /* 2 */
    if (!luaL_testudata(L, 2, LAND_T))
        luaL_error(L, "%s: option 'landscape' must be a glass.Landscape (glass.landscape.network{...}, "
                   ".flat{...} or .harmonic{...}), got %s", what, gvL_typename(L, 2));
    gv_landscape *l = land_check(L, 2);
    lua_Integer R = gvL_opt_integer(L, 1, what, "replicas", 1);
    if (R < 1 || R > (lua_Integer)UINT32_MAX)
        luaL_error(L, "%s: option 'replicas' must be an integer in 1..%I, got %I", what,
                   (lua_Integer)UINT32_MAX, R);
    uint64_t seed = gvL_opt_seed(L, 1, what, "seed", 0);
    lua_Integer first = gvL_opt_integer(L, 1, what, "first_replica", 0);
    if (first < 0 || first > (lua_Integer)UINT32_MAX)
        luaL_error(L, "%s: option 'first_replica' must be an integer in 0..%I, got %I", what,
                   (lua_Integer)UINT32_MAX, first);
    /* init: N numbers for every replica, or a list of R such tables. */
    size_t N = gv_landscape_nweights(l);
    double *w0 = NULL;
    int per_replica = 0;
    gvL_field(L, 1, "init"); /* 3 */
    if (!lua_isnil(L, 3)) {
        if (lua_type(L, 3) != LUA_TTABLE)
            luaL_error(L, "%s: option 'init' must be a table of N numbers or a list of one such "
                       "table per replica, got %s", what, gvL_typename(L, 3));
        lua_rawgeti(L, 3, 1);
        per_replica = lua_type(L, -1) == LUA_TTABLE;
        lua_pop(L, 1);
        size_t nv;
        if (gv_mul_size(N, per_replica ? (size_t)R : 1, &nv) || gv_mul_size(nv, sizeof(double), &nv))
            luaL_error(L, "%s: init is too large", what);
        w0 = scratch(L, nv); /* 4 */
        if (per_replica) {
            if ((lua_Integer)gvL_list_len(L, 3, what) != R)
                luaL_error(L, "%s: option 'init' lists %I weight tables for %I replicas", what,
                           (lua_Integer)lua_rawlen(L, 3), R);
            for (lua_Integer r = 1; r <= R; r++) {
                char name[64];
                snprintf(name, sizeof name, "%s: init[%lld]", what, (long long)r);
                lua_rawgeti(L, 3, r);
                read_weights(L, -1, N, w0 + (size_t)(r - 1) * N, name);
                lua_pop(L, 1);
            }
        } else {
            read_weights(L, 3, N, w0, "glass.ensemble: init");
        }
    }
    ens_box *b = ens_push(L, 2);
    gv_err e;
    b->ens = gv_ensemble_alloc(l, (size_t)R, seed, (uint32_t)first, &e);
    if (!b->ens) return gvL_raise(L, &e);
    const char *device = gvL_opt_string(L, 1, what, "device", NULL);
    if (device && gv_ensemble_set_device(b->ens, device, &e) != GV_OK) {
        gv_fail_prefix(&e, "%s: ", what);
        return gvL_raise(L, &e);
    }
    if (w0)
        for (size_t r = 0; r < (size_t)R; r++)
            if (gv_ensemble_set_weights(b->ens, r, w0 + (per_replica ? r * N : 0), &e) != GV_OK)
                return gvL_raise(L, &e);
    return 1;
}

static void free_ens(void *p) { gv_ensemble_free(p); }
static int ens_close(lua_State *L) { return gvL_box_close(L, 1, ENS_T, free_ens); }

static int ens_tostring(lua_State *L)
{
    const gv_ensemble *ens = gvL_box_tostring(L, ENS_T);
    if (!ens) return 1;
    lua_getiuservalue(L, 1, 1);
    land_box *lb = luaL_testudata(L, -1, LAND_T);
    char land[512] = "(landscape closed)";
    if (lb && lb->l) land_describe(L, lua_gettop(L), lb->l, land, sizeof land);
    char buf[768];
    snprintf(buf, sizeof buf, "glass.Ensemble %zu replicas of %s, seed %llu, first_replica %u, "
             "step %llu, %zu lost", gv_ensemble_size(ens), land,
             (unsigned long long)gv_ensemble_seed(ens), gv_ensemble_first_replica(ens),
             (unsigned long long)gv_ensemble_step(ens), gv_ensemble_nlost(ens));
    if (gv_ensemble_grouped(ens)) { /* same-basin: count the labels (they come in runs) */
        size_t nb = 0, R = gv_ensemble_size(ens);
        for (size_t r = 0; r < R; r++)
            nb += r == 0 || gv_ensemble_basin(ens, r) != gv_ensemble_basin(ens, r - 1);
        size_t used = strlen(buf);
        snprintf(buf + used, sizeof buf - used, ", same-basin (%zu basins)", nb);
    }
    lua_pushstring(L, buf);
    return 1;
}

/* ens:size(), nweights(), step(), seed(), first_replica(), nlost(): the
 * integer getters, one function (gvL_getters gives it the getter's index). */
static const char *const ENS_GETTERS[] = {"size", "nweights", "step", "seed", "first_replica",
                                          "nlost", NULL};

static int ens_getter(lua_State *L)
{
    const gv_ensemble *ens = ens_check(L, 1);
    uint64_t v = 0;
    switch (lua_tointeger(L, lua_upvalueindex(1))) {
    case 0: v = gv_ensemble_size(ens); break;
    case 1: v = gv_ensemble_nweights(ens); break;
    case 2: v = gv_ensemble_step(ens); break;
    case 3: v = gv_ensemble_seed(ens); break;
    case 4: v = gv_ensemble_first_replica(ens); break;
    default: v = gv_ensemble_nlost(ens); break;
    }
    lua_pushinteger(L, (lua_Integer)v);
    return 1;
}

/* ens:device([name]): where its steps are computed; with a name, move it
 * there ("cpu", "cuda", "ref"). */
static int ens_device(lua_State *L)
{
    gv_ensemble *ens = ens_check(L, 1);
    if (!lua_isnoneornil(L, 2)) {
        gv_err e;
        if (gv_ensemble_set_device(ens, luaL_checkstring(L, 2), &e) != GV_OK) return gvL_raise(L, &e);
    }
    lua_pushstring(L, gv_ensemble_device(ens));
    return 1;
}

static int ens_landscape(lua_State *L)
{
    ens_check(L, 1);
    lua_getiuservalue(L, 1, 1);
    return 1;
}

static int ens_set_step(lua_State *L)
{
    gv_ensemble *ens = ens_check(L, 1);
    lua_Integer n = luaL_checkinteger(L, 2);
    if (n < 0 || n >= ((lua_Integer)1 << GV_RNG_STEP_BITS))
        luaL_error(L, "set_step: step must be an integer in 0..%I (2^48 - 1), got %I",
                   ((lua_Integer)1 << GV_RNG_STEP_BITS) - 1, n);
    gv_err e;
    gvL_changed(L, 1);
    if (gv_ensemble_set_step(ens, (uint64_t)n, &e) != GV_OK) return gvL_raise(L, &e);
    return 0;
}

static int ens_weights(lua_State *L)
{
    gv_ensemble *ens = ens_check(L, 1);
    size_t r = replica_arg(L, 2, ens, "weights");
    size_t N = gv_ensemble_nweights(ens);
    const double *w = gv_ensemble_weights(ens, r);
    lua_createtable(L, (int)N, 0);
    for (size_t i = 0; i < N; i++) {
        lua_pushnumber(L, w[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int ens_set_weights(lua_State *L)
{
    gv_ensemble *ens = ens_check(L, 1);
    size_t r = replica_arg(L, 2, ens, "set_weights");
    size_t N = gv_ensemble_nweights(ens);
    double *w = scratch(L, N * sizeof *w);
    read_weights(L, 3, N, w, "set_weights");
    gv_err e;
    gvL_changed(L, 1);
    if (gv_ensemble_set_weights(ens, r, w, &e) != GV_OK) return gvL_raise(L, &e);
    return 0;
}

/* ens:clone() keeps the seed (the copy repeats the original's noise);
 * ens:clone{seed = s} gives the copy seed s for its later noise and shuffles. */
static int ens_clone(lua_State *L)
{
    static const char *const keys[] = {"seed", NULL};
    gv_ensemble *ens = ens_check(L, 1);
    int reseed = 0;
    uint64_t seed = 0;
    if (!lua_isnoneornil(L, 2)) {
        gvL_check_options(L, 2, "clone", keys);
        reseed = gvL_has(L, 2, "seed");
        seed = gvL_opt_seed(L, 2, "clone", "seed", 0);
    }
    lua_getiuservalue(L, 1, 1); /* the landscape, shared */
    ens_box *b = ens_push(L, -1);
    gv_err e;
    b->ens = gv_ensemble_clone(ens, &e);
    if (!b->ens) return gvL_raise(L, &e);
    if (reseed) gv_ensemble_set_seed(b->ens, seed);
    gvL_changed_copy(L, 1, -1);
    return 1;
}

/* ens:same_basin{K=} -> a new ensemble of K noise replicas per replica (basin) */
static int ens_same_basin_of(lua_State *L, int src, int opts, const char *what)
{
    gv_ensemble *ens = ens_check(L, src);
    static const char *const keys[] = {"K", "landscape", NULL};
    luaL_checktype(L, opts, LUA_TTABLE);
    gvL_check_options(L, opts, what, keys);
    lua_Integer K = gvL_req_integer(L, opts, what, "K");
    if (K < 1 || K > (1 << 20))
        return luaL_error(L, "%s: K (noise replicas per basin) must be in 1..%d, got %I", what,
                          1 << 20, K);
    lua_getiuservalue(L, src, 1); /* the landscape, shared */
    ens_box *b = ens_push(L, -1);
    gv_err e;
    b->ens = gv_ensemble_same_basin(ens, (size_t)K, &e);
    if (!b->ens) return gvL_raise(L, &e);
    gvL_changed_copy(L, src, -1);
    return 1;
}

static int ens_same_basin(lua_State *L)
{
    return ens_same_basin_of(L, 1, 2, "ensemble:same_basin");
}

/* glass.same_basin(ens | path, {K=, landscape=}) */
static int same_basin(lua_State *L)
{
    const char *what = "glass.same_basin";
    lua_settop(L, 2);
    if (lua_type(L, 1) == LUA_TSTRING) {
        luaL_checktype(L, 2, LUA_TTABLE);
        gvL_check_plain(L, 2, what, "the option table");
        if (gvL_field(L, 2, "landscape") == LUA_TNIL || !luaL_testudata(L, -1, LAND_T))
            return luaL_error(L, "%s: a saved ensemble needs the option 'landscape' (the "
                                 "glass.Landscape it was saved from)", what);
        gv_landscape *l = land_check(L, 3);
        ens_box *b = ens_push(L, 3);
        gv_err e;
        b->ens = gv_ensemble_load(lua_tostring(L, 1), l, &e);
        if (!b->ens) return gvL_raise(L, &e);
        lua_replace(L, 1); /* the loaded ensemble is the source */
        lua_settop(L, 2);
    }
    return ens_same_basin_of(L, 1, 2, what);
}

/* ens:basins() -> the basin label of every replica (from 1) */
static int ens_basins(lua_State *L)
{
    gv_ensemble *ens = ens_check(L, 1);
    size_t R = gv_ensemble_size(ens);
    lua_createtable(L, (int)R, 0);
    for (size_t r = 0; r < R; r++) {
        lua_pushinteger(L, (lua_Integer)gv_ensemble_basin(ens, r));
        lua_rawseti(L, -2, (lua_Integer)r + 1);
    }
    return 1;
}

static int ens_save(lua_State *L)
{
    gv_ensemble *ens = ens_check(L, 1);
    const char *path = luaL_checkstring(L, 2);
    gv_err e;
    if (gv_ensemble_save(ens, path, &e) != GV_OK) return gvL_raise(L, &e);
    return 0;
}

static int ens_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    if (!luaL_testudata(L, 2, LAND_T))
        luaL_error(L, "glass.load_ensemble(path, landscape): argument 2 must be the glass.Landscape "
                   "the ensemble was saved from, got %s", gvL_typename(L, 2));
    gv_landscape *l = land_check(L, 2);
    ens_box *b = ens_push(L, 2);
    gv_err e;
    b->ens = gv_ensemble_load(path, l, &e);
    if (!b->ens) return gvL_raise(L, &e);
    return 1;
}

/* {{replica=, step=, reason=}, ...} for the lost replicas, by index. */
static int ens_lost(lua_State *L)
{
    gv_ensemble *ens = ens_check(L, 1);
    lua_createtable(L, (int)gv_ensemble_nlost(ens), 0);
    lua_Integer k = 0;
    for (size_t r = 0; r < gv_ensemble_size(ens); r++) {
        if (!gv_ensemble_lost(ens, r)) continue;
        lua_createtable(L, 0, 3);
        lua_pushinteger(L, (lua_Integer)r + 1);
        lua_setfield(L, -2, "replica");
        lua_pushinteger(L, (lua_Integer)gv_ensemble_lost_step(ens, r));
        lua_setfield(L, -2, "step");
        lua_pushstring(L, gv_ensemble_lost_reason(ens, r));
        lua_setfield(L, -2, "reason");
        lua_rawseti(L, -2, ++k);
    }
    return 1;
}

static int ens_eval(lua_State *L)
{
    gv_ensemble *ens = ens_check(L, 1);
    size_t r = replica_arg(L, 2, ens, "eval");
    double lambda = gv_plain_nan(luaL_optnumber(L, 3, 0.0));
    if (!(isfinite(lambda) && lambda >= 0))
        luaL_error(L, "eval: lambda must be a finite number >= 0, got %f", lambda);
    gv_err e;
    gv_eval ev;
    if (gv_ensemble_eval(ens, r, lambda, &ev, &e) != GV_OK) return gvL_raise(L, &e);
    lua_createtable(L, 0, 5);
    lua_pushnumber(L, ev.loss);
    lua_setfield(L, -2, "loss");
    /* A lost replica keeps its last finite weights: say that these are them. */
    lua_pushboolean(L, gv_ensemble_lost(ens, r));
    lua_setfield(L, -2, "lost");
    lua_pushnumber(L, ev.data_loss);
    lua_setfield(L, -2, "data_loss");
    lua_pushnumber(L, ev.accuracy);
    lua_setfield(L, -2, "accuracy");
    lua_pushnumber(L, ev.unsat);
    lua_setfield(L, -2, "unsat");
    return 1;
}

/* ens:run{integrator=, to= | steps=, observers={...}} -> the new step. */
static int ens_run(lua_State *L)
{
    static const char *const keys[] = {"integrator", "to", "steps", "observers", "seconds",
                                       NULL};
    const char *what = "run";
    gv_ensemble *ens = ens_check(L, 1);
    gvL_check_options(L, 2, what, keys);
    gvL_field(L, 2, "integrator"); /* 3 */
    if (!luaL_testudata(L, 3, INTEG_T))
        luaL_error(L, "run: option 'integrator' must be a glass.Integrator (glass.sgd{...}, "
                   "glass.gd{...} or glass.langevin{...}), got %s", gvL_typename(L, 3));
    gv_integ *it = integ_check(L, 3);
    int has_to = gvL_has(L, 2, "to"), has_steps = gvL_has(L, 2, "steps");
    if (has_to == has_steps)
        luaL_error(L, "run: give exactly one of 'to' (target step) and 'steps' (steps to take)");
    uint64_t cur = gv_ensemble_step(ens), to;
    if (has_to) {
        lua_Integer t = gvL_req_integer(L, 2, what, "to");
        if (t < 0 || (uint64_t)t < cur)
            luaL_error(L, "run: option 'to' = %I is before the ensemble's current step %I", t,
                       (lua_Integer)cur);
        to = (uint64_t)t;
    } else {
        lua_Integer n = gvL_req_integer(L, 2, what, "steps");
        if (n < 0) luaL_error(L, "run: option 'steps' must be >= 0, got %I", n);
        to = cur + (uint64_t)n;
    }
    /* Observers: hooks copied here; the userdata stay referenced by the
     * option table (argument 2) for the whole run. */
    gv_hook hooks[MAX_OBSERVERS];
    size_t nh = 0;
    gvL_field(L, 2, "observers"); /* 4 */
    if (!lua_isnil(L, 4)) {
        if (lua_type(L, 4) != LUA_TTABLE)
            luaL_error(L, "run: option 'observers' must be a list of observers, got %s",
                       gvL_typename(L, 4));
        lua_Integer n = (lua_Integer)gvL_list_len(L, 4, "run");
        if (n > MAX_OBSERVERS) luaL_error(L, "run: %I observers, at most %d", n, MAX_OBSERVERS);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, 4, i);
            gv_hook *h = gvL_tohook(L, -1);
            if (!h)
                luaL_error(L, "run: observers[%I] is not an observer (glass.observer.*), got %s", i,
                           gvL_typename(L, -1));
            if (!h->self) /* a closed observer would measure nothing, silently */
                luaL_error(L, "run: observers[%I] is closed (it would measure nothing); pass an "
                           "open observer, or leave it out", i);
            hooks[nh++] = *h;
            gvL_obs_ran(L, -1, gv_ensemble_partial(ens));
            lua_pop(L, 1);
        }
    }
    /* seconds = s: stop at the first block boundary after s seconds of wall
     * time (the returned step says where); math.huge is no limit. */
    double seconds = 0;
    if (gvL_has(L, 2, "seconds")) {
        seconds = gvL_req_number(L, 2, what, "seconds");
        if (!(seconds > 0))
            luaL_error(L, "run: option 'seconds' must be > 0 (wall seconds before stopping at "
                          "the next block boundary), got %f", seconds);
        if (isinf(seconds)) seconds = 0;
    }
    gv_err e;
    gvL_changed(L, 1);
    if (gv_ensemble_run_for(ens, it, to, hooks, nh, seconds, &e) != GV_OK) return gvL_raise(L, &e);
    lua_pushinteger(L, (lua_Integer)gv_ensemble_step(ens));
    return 1;
}

/* ---- registration ---------------------------------------------------------- */

void gvL_open_dynamics(lua_State *L)
{
    static const luaL_Reg land_methods[] = {
        {"nweights", land_nweights}, {"P", land_P}, {"kind", land_kind},
        {"groups", land_groups}, {"dataset", land_dataset}, {"close", land_close}, {NULL, NULL}};
    static const luaL_Reg land_meta[] = {
        {"__gc", land_close}, {"__close", land_close}, {"__tostring", land_tostring}, {NULL, NULL}};
    static const luaL_Reg integ_methods[] = {
        {"name", integ_name}, {"params", integ_params}, {"close", integ_close}, {NULL, NULL}};
    static const luaL_Reg integ_meta[] = {
        {"__gc", integ_close}, {"__close", integ_close}, {"__tostring", integ_tostring}, {NULL, NULL}};
    static const luaL_Reg ens_methods[] = {
        {"landscape", ens_landscape},
        {"set_step", ens_set_step}, {"weights", ens_weights}, {"set_weights", ens_set_weights},
        {"clone", ens_clone}, {"same_basin", ens_same_basin}, {"basins", ens_basins},
        {"save", ens_save}, {"lost", ens_lost}, {"eval", ens_eval},
        {"run", ens_run}, {"device", ens_device}, {"close", ens_close}, {NULL, NULL}};
    static const luaL_Reg ens_meta[] = {
        {"__gc", ens_close}, {"__close", ens_close}, {"__tostring", ens_tostring}, {NULL, NULL}};
    static const luaL_Reg land_fns[] = {
        {"network", land_network}, {"flat", land_flat}, {"harmonic", land_harmonic}, {NULL, NULL}};
    static const luaL_Reg fns[] = {
        {"sgd", integ_sgd}, {"gd", integ_gd}, {"langevin", integ_langevin},
        {"ensemble", ens_new}, {"load_ensemble", ens_load}, {"same_basin", same_basin},
        {NULL, NULL}};
    gvL_newtype(L, LAND_T, land_methods, land_meta);
    gvL_newtype(L, INTEG_T, integ_methods, integ_meta);
    gvL_newtype(L, ENS_T, ens_methods, ens_meta);
    gvL_getters(L, ENS_T, ENS_GETTERS, ens_getter);
    luaL_setfuncs(L, fns, 0);
    gvL_subtable(L, "landscape", land_fns);
}
