/* lgv_ckpt.c: glass.core.checkpoint.save / load and the type glass.Checkpoint
 * (glass.checkpoint is lua/glass/checkpoint.lua, which holds both functions:
 * load as it is, save with a state table encoded first).
 *
 *   glass.checkpoint.save(path, {ensembles = {main = ens, ...},
 *                                observers = {ageing = obs, ...},
 *                                state = "...", keep_previous = true})
 *   local ck = glass.checkpoint.load(path)
 *   local ens = ck:ensemble("main", landscape)   -- a new glass.Ensemble
 *   ck:restore_ensemble("main", ens)              -- into an existing one
 *   ck:restore_observer("ageing", obs)            -- a freshly built observer
 *   ck:restore_observer("ageing", obs, {replace = true})  -- or a used one
 *   ck:state()                                    -- the string, or nil
 *
 * Sections are written in name order, so the same objects give the same
 * bytes.  lua/glass/checkpoint.lua adds the Lua side: serialising the
 * protocol's state table, comparing parameters on resume. */
#include "lgv.h"

#include <stdlib.h>
#include <string.h>

#include "gv_ckpt.h"
#include "gv_ensemble.h"
#include "gv_obs.h"

#define CKPT_T "glass.Checkpoint"
#define ENS_T "glass.Ensemble"
#define OBS_T "glass.Observer"
#define LAND_T "glass.Landscape"
#define CORE_KEY "glass.checkpoint: core" /* registry: the glass.core table */

typedef struct lckpt {
    gv_ckpt *c; /* NULL once closed */
} lckpt;

static lckpt *ckpt_push(lua_State *L) { return gvL_box_new(L, CKPT_T, sizeof(lckpt), 0); }

static gv_ckpt *ckpt_check(lua_State *L, int idx)
{
    return gvL_box_check(L, idx, CKPT_T, "glass.Checkpoint: the checkpoint has been closed");
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The string keys of the table field `field` of the options at opts, sorted
 * (the order of a checkpoint's sections), in a scratch array pushed on the
 * stack (the strings stay alive as keys of the options).  Values are checked
 * to be userdata of type tname.  *n = 0 and NULL if the field is absent. */
static const char **sorted_names(lua_State *L, int opts, const char *what, const char *field,
                                 const char *tname, const char *example, size_t *n)
{
    *n = 0;
    int t = gvL_field(L, opts, field);
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        lua_newuserdatauv(L, 1, 0);
        return NULL;
    }
    if (t != LUA_TTABLE)
        luaL_error(L, "%s: option '%s' must be a table of named objects {name = object, ...}, "
                      "got %s", what, field, gvL_typename(L, -1));
    int tab = lua_gettop(L);
    gvL_check_plain(L, tab, what, lua_pushfstring(L, "option '%s'", field));
    lua_pop(L, 1);
    size_t count = 0;
    lua_pushnil(L);
    while (lua_next(L, tab)) {
        if (lua_type(L, -2) != LUA_TSTRING)
            luaL_error(L, "%s: %s must be named, as in %s = {%s}; found a %s key", what, field,
                       field, example, gvL_typename(L, -2));
        size_t len;
        const char *name = lua_tolstring(L, -2, &len);
        if (len == 0 || len > GV_CKPT_NAME_MAX || strlen(name) != len)
            luaL_error(L, "%s: %s: names must have 1 to %d bytes and no NUL", what, field,
                       GV_CKPT_NAME_MAX);
        if (!luaL_testudata(L, -1, tname))
            luaL_error(L, "%s: %s.%s must be a %s, got %s", what, field, name, tname,
                       gvL_typename(L, -1));
        count++;
        lua_pop(L, 1);
    }
    const char **names = lua_newuserdatauv(L, (count ? count : 1) * sizeof *names, 0);
    lua_pushnil(L);
    while (lua_next(L, tab)) {
        names[(*n)++] = lua_tostring(L, -2);
        lua_pop(L, 1);
    }
    qsort(names, *n, sizeof *names, name_cmp);
    lua_remove(L, tab); /* the table stays referenced by the options */
    return names;
}

void gvL_ckpt_objects(lua_State *L, int opts, const char *what, gvL_ckpt_names *o)
{
    opts = lua_absindex(L, opts);
    o->ens = sorted_names(L, opts, what, "ensembles", ENS_T, "main = ens", &o->ne);
    o->obs = sorted_names(L, opts, what, "observers", OBS_T, "ageing = obs", &o->no);
    /* Every object alive before anything is built or sent. */
    for (size_t i = 0; i < o->ne + o->no; i++) {
        gvL_ckpt_push_object(L, opts, o, i);
        if (i < o->ne) {
            gvL_check_ensemble(L, -1);
        } else {
            gv_hook *h = gvL_tohook(L, -1);
            if (!h || !h->self)
                luaL_error(L, "%s: observers.%s has been closed", what, o->obs[i - o->ne]);
        }
        lua_pop(L, 1);
    }
}

const char *gvL_ckpt_name(const gvL_ckpt_names *o, size_t i)
{
    return i < o->ne ? o->ens[i] : o->obs[i - o->ne];
}

void gvL_ckpt_push_object(lua_State *L, int opts, const gvL_ckpt_names *o, size_t i)
{
    gvL_field(L, opts, i < o->ne ? "ensembles" : "observers");
    gvL_field(L, -1, gvL_ckpt_name(o, i));
    lua_remove(L, -2);
}

gv_ckpt_item *gvL_ckpt_items(lua_State *L, int opts, const gvL_ckpt_names *o)
{
    opts = lua_absindex(L, opts);
    size_t n = o->ne + o->no;
    gv_ckpt_item *items = lua_newuserdatauv(L, (n ? n : 1) * sizeof *items, 0);
    for (size_t i = 0; i < n; i++) {
        gvL_ckpt_push_object(L, opts, o, i);
        items[i].name = gvL_ckpt_name(o, i);
        items[i].ens = i < o->ne ? gvL_check_ensemble(L, -1) : NULL;
        items[i].obs = i < o->ne ? NULL : gvL_tohook(L, -1);
        lua_pop(L, 1);
    }
    return items;
}

const char *gvL_ckpt_state(lua_State *L, int opts, const char *what, size_t *len)
{
    *len = 0;
    int t = gvL_field(L, opts, "state");
    const char *state = t == LUA_TSTRING ? lua_tolstring(L, -1, len) : NULL;
    if (t != LUA_TSTRING && t != LUA_TNIL)
        luaL_error(L, "%s: option 'state' must be a string (serialise tables with "
                      "require('glass.checkpoint').encode), got %s", what, gvL_typename(L, -1));
    lua_pop(L, 1); /* the string stays referenced by the options */
    return state;
}

/* glass.checkpoint.save(path, {ensembles=, observers=, state=, keep_previous=true}) */
static int ckpt_save(lua_State *L)
{
    static const char *const keys[] = {"ensembles", "observers", "state", "keep_previous", NULL};
    const char *what = "glass.checkpoint.save";
    const char *path = luaL_checkstring(L, 1);
    gvL_check_options(L, 2, what, keys);
    int keep = gvL_opt_boolean(L, 2, what, "keep_previous", 1);
    size_t slen;
    const char *state = gvL_ckpt_state(L, 2, what, &slen);
    gvL_ckpt_names o;
    gvL_ckpt_objects(L, 2, what, &o);
    if (o.ne + o.no == 0 && !state)
        luaL_error(L, "%s: nothing to save: give ensembles, observers or state", what);
    gv_ckpt_item *items = gvL_ckpt_items(L, 2, &o);
    gv_err e;
    if (gv_ckpt_save(path, items, o.ne + o.no, state, slen, keep, NULL, 1, NULL, &e) != GV_OK)
        return gvL_raise(L, &e);
    return 0;
}

/* glass.checkpoint.load(path) -> glass.Checkpoint */
static int ckpt_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    lckpt *u = ckpt_push(L);
    gv_err e;
    if (!(u->c = gv_ckpt_read(path, &e))) return gvL_raise(L, &e);
    return 1;
}

/* The header of ensemble section `name` (raises if missing or corrupt). */
static gv_ensemble_info ens_info(lua_State *L, gv_ckpt *c, const char *name)
{
    long i = gv_ckpt_find(c, GV_CKPT_ENSEMBLE, name);
    if (i < 0)
        luaL_error(L, "%s: the checkpoint has no ensemble named '%s'", gv_ckpt_source(c), name);
    size_t len;
    const unsigned char *b = gv_ckpt_data_at(c, (size_t)i, &len);
    char src[GV_ERR_MAX / 2];
    snprintf(src, sizeof src, "%s, ensemble '%s'", gv_ckpt_source(c), name);
    gv_ensemble_info info;
    gv_err e;
    if (gv_ensemble_peek(b, len, src, &info, &e) != GV_OK) gvL_raise(L, &e);
    return info;
}

/* ck:ensemble(name, landscape) -> a new glass.Ensemble in the saved state */
static int ck_ensemble(lua_State *L)
{
    gv_ckpt *c = ckpt_check(L, 1);
    const char *name = luaL_checkstring(L, 2);
    if (!luaL_testudata(L, 3, LAND_T))
        return luaL_error(L, "glass.Checkpoint:ensemble(name, landscape): argument 2 must be the "
                             "glass.Landscape the ensemble ran on, rebuilt as in the original "
                             "run, got %s", gvL_typename(L, 3));
    gv_ensemble_info info = ens_info(L, c, name);
    if (info.seed >= ((uint64_t)1 << 63) || info.R > UINT32_MAX) {
        char seed[24], reps[24]; /* lua_pushfstring has no %llu */
        snprintf(seed, sizeof seed, "%llu", (unsigned long long)info.seed);
        snprintf(reps, sizeof reps, "%llu", (unsigned long long)info.R);
        return luaL_error(L, "%s: ensemble '%s' (seed %s, %s replicas) cannot be rebuilt from "
                             "Lua; use ck:restore_ensemble into an ensemble built in C",
                          gv_ckpt_source(c), name, seed, reps);
    }
    /* A new ensemble through glass.ensemble (initial weights, overwritten
     * below), so that it is an ordinary glass.Ensemble holding its landscape. */
    lua_getfield(L, LUA_REGISTRYINDEX, CORE_KEY);
    lua_getfield(L, -1, "ensemble");
    lua_createtable(L, 0, 4);
    lua_pushvalue(L, 3);
    lua_setfield(L, -2, "landscape");
    lua_pushinteger(L, (lua_Integer)info.R);
    lua_setfield(L, -2, "replicas");
    lua_pushinteger(L, (lua_Integer)info.seed);
    lua_setfield(L, -2, "seed");
    lua_pushinteger(L, (lua_Integer)info.first);
    lua_setfield(L, -2, "first_replica");
    lua_call(L, 1, 1);
    /* glass.core.ensemble is Lua's to replace: c again (raises if closed). */
    c = ckpt_check(L, 1);
    gv_ensemble *ens = gvL_check_ensemble(L, -1);
    gv_err e;
    if (gv_ckpt_restore_ensemble(c, name, ens, &e) != GV_OK) return gvL_raise(L, &e);
    return 1;
}

/* ck:restore_ensemble(name, ens) */
static int ck_restore_ensemble(lua_State *L)
{
    gv_ckpt *c = ckpt_check(L, 1);
    const char *name = luaL_checkstring(L, 2);
    if (!luaL_testudata(L, 3, ENS_T))
        return luaL_error(L, "glass.Checkpoint:restore_ensemble(name, ens): argument 2 must be a "
                             "glass.Ensemble, got %s", gvL_typename(L, 3));
    gv_ensemble *ens = gvL_check_ensemble(L, 3);
    gv_err e;
    if (gv_ckpt_restore_ensemble(c, name, ens, &e) != GV_OK) return gvL_raise(L, &e);
    return 0;
}

/* ck:restore_observer(name, obs [, {replace = false}]): obs built with the
 * same options, freshly (or, with replace, used: what it measured is
 * replaced) */
static int ck_restore_observer(lua_State *L)
{
    static const char *const keys[] = {"replace", NULL};
    const char *what = "glass.Checkpoint:restore_observer";
    gv_ckpt *c = ckpt_check(L, 1);
    const char *name = luaL_checkstring(L, 2);
    if (!luaL_testudata(L, 3, OBS_T))
        return luaL_error(L, "glass.Checkpoint:restore_observer(name, obs): argument 2 must be a "
                             "glass.Observer built with the options of the saved one, got %s",
                          gvL_typename(L, 3));
    gv_hook *h = gvL_tohook(L, 3);
    if (!h || !h->self) return luaL_error(L, "%s: the observer is closed", what);
    int mode = GV_OBS_FRESH;
    if (!lua_isnoneornil(L, 4)) {
        gvL_check_options(L, 4, what, keys);
        if (gvL_opt_boolean(L, 4, what, "replace", 0)) mode = GV_OBS_REPLACE;
    }
    gv_err e;
    if (gv_ckpt_restore_observer_as(c, name, h, mode, &e) != GV_OK) return gvL_raise(L, &e);
    return 0;
}

/* ck:state() -> the saved state string, or nil */
static int ck_state(lua_State *L)
{
    gv_ckpt *c = ckpt_check(L, 1);
    long i = gv_ckpt_find(c, GV_CKPT_BLOB, GV_CKPT_STATE_NAME);
    if (i < 0) {
        lua_pushnil(L);
        return 1;
    }
    size_t len;
    const unsigned char *b = gv_ckpt_data_at(c, (size_t)i, &len);
    lua_pushlstring(L, (const char *)b, len);
    return 1;
}

/* ck:sections() -> {{kind=, name=, bytes=}, ...} in file order */
static int ck_sections(lua_State *L)
{
    gv_ckpt *c = ckpt_check(L, 1);
    size_t n = gv_ckpt_count(c);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        gv_ckpt_data_at(c, i, &len);
        lua_createtable(L, 0, 3);
        lua_pushstring(L, gv_ckpt_kind_name(gv_ckpt_kind_at(c, i)));
        lua_setfield(L, -2, "kind");
        lua_pushstring(L, gv_ckpt_name_at(c, i));
        lua_setfield(L, -2, "name");
        lua_pushinteger(L, (lua_Integer)len);
        lua_setfield(L, -2, "bytes");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* {replicas=, nweights=, step=, seed=, first_replica=, landscape=,
 * architecture=, data=, rows=, data_crc=} of an ensemble header. */
static int push_info(lua_State *L, const gv_ensemble_info *info)
{
    lua_createtable(L, 0, 10);
    lua_pushinteger(L, (lua_Integer)info->R);
    lua_setfield(L, -2, "replicas");
    lua_pushinteger(L, (lua_Integer)info->N);
    lua_setfield(L, -2, "nweights");
    lua_pushinteger(L, (lua_Integer)info->step);
    lua_setfield(L, -2, "step");
    lua_pushinteger(L, (lua_Integer)info->seed);
    lua_setfield(L, -2, "seed");
    lua_pushinteger(L, (lua_Integer)info->first);
    lua_setfield(L, -2, "first_replica");
    lua_pushstring(L, info->kind);
    lua_setfield(L, -2, "landscape");
    lua_pushstring(L, info->arch);
    lua_setfield(L, -2, "architecture");
    lua_pushstring(L, info->data);
    lua_setfield(L, -2, "data");
    lua_pushinteger(L, (lua_Integer)info->rows);
    lua_setfield(L, -2, "rows");
    lua_pushinteger(L, (lua_Integer)info->data_crc);
    lua_setfield(L, -2, "data_crc");
    return 1;
}

/* ck:ensemble_info(name) -> the header of ensemble section `name` */
static int ck_ensemble_info(lua_State *L)
{
    gv_ensemble_info info = ens_info(L, ckpt_check(L, 1), luaL_checkstring(L, 2));
    return push_info(L, &info);
}

/* glass.ensemble_info(path) -> the header of an ensemble file (ens:save),
 * after every check but N's (that needs the landscape): a protocol checks
 * its parameters against it before loading any data (--from). */
static int ensemble_file_info(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    unsigned char *b = NULL;
    size_t n = 0;
    gv_ensemble_info info;
    gv_err e;
    gv_status s = gv_read_whole(path, SIZE_MAX, &b, &n, &e);
    if (s == GV_OK) s = gv_ensemble_peek(b, n, path, &info, &e);
    free(b);
    if (s != GV_OK) return gvL_raise(L, &e);
    return push_info(L, &info);
}

static int ck_path(lua_State *L)
{
    lua_pushstring(L, gv_ckpt_source(ckpt_check(L, 1)));
    return 1;
}

static void free_ckpt(void *p) { gv_ckpt_free(p); }
static int ck_close(lua_State *L) { return gvL_box_close(L, 1, CKPT_T, free_ckpt); }

static int ck_tostring(lua_State *L)
{
    lckpt *u = luaL_checkudata(L, 1, CKPT_T);
    if (!u->c) {
        lua_pushliteral(L, "glass.Checkpoint (closed)");
        return 1;
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    size_t n = gv_ckpt_count(u->c);
    lua_pushfstring(L, "glass.Checkpoint %s (%d section%s", gv_ckpt_source(u->c), (int)n,
                    n == 1 ? "" : "s");
    luaL_addvalue(&b);
    for (size_t i = 0; i < n; i++) {
        lua_pushfstring(L, "%s %s '%s'", i ? "," : ":", gv_ckpt_kind_name(gv_ckpt_kind_at(u->c, i)),
                        gv_ckpt_name_at(u->c, i));
        luaL_addvalue(&b);
    }
    luaL_addchar(&b, ')');
    luaL_pushresult(&b);
    return 1;
}

/* glass.core.checkpoint.record_changes(t | nil) -> the previous recorder:
 * while t is set, the bindings make every ensemble or observer they change
 * a key of t (lgv.h, gvL_changed; the journal's run:memo checks). */
static int record_changes(lua_State *L)
{
    if (!lua_isnil(L, 1)) luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, GVL_CHANGES);
    lua_pushvalue(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, GVL_CHANGES);
    return 1;
}

/* glass.core.checkpoint.closed(obj) -> whether obj, a glass.Ensemble or
 * glass.Observer, has been closed (nil for anything else). */
static int object_closed(lua_State *L)
{
    if (luaL_testudata(L, 1, ENS_T)) {
        lua_pushboolean(L, *(void **)lua_touserdata(L, 1) == NULL); /* the box's object */
    } else if (luaL_testudata(L, 1, OBS_T)) {
        gv_hook *h = gvL_tohook(L, 1);
        lua_pushboolean(L, !h || !h->self);
    } else {
        lua_pushnil(L);
    }
    return 1;
}

void gvL_open_ckpt(lua_State *L)
{
    static const luaL_Reg methods[] = {{"ensemble", ck_ensemble},
                                       {"restore_ensemble", ck_restore_ensemble},
                                       {"restore_observer", ck_restore_observer},
                                       {"state", ck_state},
                                       {"sections", ck_sections},
                                       {"ensemble_info", ck_ensemble_info},
                                       {"path", ck_path},
                                       {"close", ck_close},
                                       {NULL, NULL}};
    static const luaL_Reg meta[] = {{"__gc", ck_close},
                                    {"__close", ck_close},
                                    {"__tostring", ck_tostring},
                                    {NULL, NULL}};
    static const luaL_Reg fns[] = {{"save", ckpt_save},
                                   {"load", ckpt_load},
                                   {"record_changes", record_changes},
                                   {"closed", object_closed},
                                   {NULL, NULL}};
    gvL_newtype(L, CKPT_T, methods, meta);
    lua_pushcfunction(L, ensemble_file_info);
    lua_setfield(L, -2, "ensemble_info");
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, CORE_KEY); /* ck:ensemble calls glass.ensemble */
    if (lua_getfield(L, -1, "checkpoint") != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, -3, "checkpoint");
    }
    luaL_setfuncs(L, fns, 0);
    lua_pop(L, 1);
}
