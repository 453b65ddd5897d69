/* lgv_util.c: the one error type (glass.Error, glass.error,
 * glass.interrupted), argument and option-table checking shared by the
 * bindings, glass.lock_file (gv_lock.h), the lock of a run's output
 * directory, and glass.core.fs, the file-system calls the Lua library needs
 * (made here, not through a shell: no process per call, no quoting, and a
 * signal is never lost while system() ignores it). */
#define _XOPEN_SOURCE 700 /* stat, nftw */

#include "lgv.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gv_lock.h"

volatile int gvL_signals_flag_only;
volatile sig_atomic_t gvL_signals_deferred, gvL_deferred_signal;
void (*gvL_redeliver_signal)(int sig);
void (*gvL_interrupt_raised)(lua_State *L);

const char *gvL_signal_name(int sig)
{
    return sig == 0 ? NULL : sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT"
         : sig == SIGHUP ? "SIGHUP" : "a signal";
}

const char *gvL_typename(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) == LUA_TUSERDATA) {
        int t = luaL_getmetafield(L, idx, "__name"); /* pushes nothing when absent */
        const char *name = t == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        if (t != LUA_TNIL) lua_pop(L, 1); /* the string stays in the metatable */
        if (name) return name;
    }
    return luaL_typename(L, idx);
}

/* ---- glass.Error ------------------------------------------------------------ */

/* err:find(...), err:match(...): the string library on the message, so code
 * written for string errors keeps working. */
static int error_string_method(lua_State *L)
{
    if (lua_istable(L, 1)) {
        lua_getfield(L, 1, "message");
        lua_replace(L, 1);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static int error_index(lua_State *L)
{
    if (lua_type(L, 2) != LUA_TSTRING) return 0;
    lua_getglobal(L, "string");
    if (!lua_istable(L, -1) || lua_getfield(L, -1, lua_tostring(L, 2)) != LUA_TFUNCTION) return 0;
    lua_pushcclosure(L, error_string_method, 1);
    return 1;
}

static int error_tostring(lua_State *L)
{
    lua_getfield(L, 1, "message");
    if (!lua_isstring(L, -1)) lua_pushliteral(L, "(glass.Error without a message)");
    return 1;
}

static int error_concat(lua_State *L)
{
    luaL_tolstring(L, 1, NULL);
    luaL_tolstring(L, 2, NULL);
    lua_concat(L, 2);
    return 1;
}

/* The metatable, created on first use (main_run.c may raise before glass.core
 * is opened). */
static void push_error_meta(lua_State *L)
{
    if (luaL_newmetatable(L, GVL_ERROR_T)) {
        static const luaL_Reg meta[] = {{"__tostring", error_tostring},
                                        {"__concat", error_concat},
                                        {"__index", error_index},
                                        {NULL, NULL}};
        luaL_setfuncs(L, meta, 0);
    }
}

void gvL_push_error(lua_State *L, const char *status, const char *msg, int sig)
{
    lua_createtable(L, 0, 3);
    lua_pushstring(L, status);
    lua_setfield(L, -2, "status");
    lua_pushstring(L, msg);
    lua_setfield(L, -2, "message");
    if (sig) {
        lua_pushstring(L, gvL_signal_name(sig));
        lua_setfield(L, -2, "signal");
    }
    /* The glassvm command prints a traceback with it, except for an
     * interruption (the user asked for it, and file:line says where) and for
     * the conditions of a run and its files whose message says what happened
     * and what to do: lost replicas (ENAN), a file that cannot be read or
     * written (EIO: a full disk, a missing file) or is not what it claims
     * (EFORMAT), and memory run out (ENOMEM, said with what to do).  A
     * traceback there would only show the library's frames. */
    lua_pushboolean(L, strcmp(status, "EINTR") != 0 && strcmp(status, "ENAN") != 0 &&
                           strcmp(status, "EIO") != 0 && strcmp(status, "EFORMAT") != 0 &&
                           strcmp(status, "ENOMEM") != 0);
    lua_setfield(L, -2, "trace");
    push_error_meta(L);
    lua_setmetatable(L, -2);
}

const char *gvL_error_status(lua_State *L, int idx)
{
    if (!lua_istable(L, idx) || !lua_getmetatable(L, idx)) return NULL;
    luaL_getmetatable(L, GVL_ERROR_T);
    int is = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    if (!is) return NULL;
    lua_getfield(L, idx, "status");
    const char *s = lua_tostring(L, -1); /* kept alive by the table */
    lua_pop(L, 1);
    return s ? s : "";
}

/* The caller's "file:line: " and msg, raised with status. */
static int raise_where(lua_State *L, gv_status status, const char *msg)
{
    luaL_where(L, 1);
    lua_pushstring(L, msg);
    /* (memory run out: what to do, as the message cannot know the options) */
    lua_pushstring(L, status == GV_ENOMEM ? " (out of memory: fewer replicas, a smaller network "
                                            "or fewer rows need less; or a machine with more)"
                                          : "");
    lua_concat(L, 3);
    int sig = status == GV_EINTR ? gv_interrupt_signal() : 0;
    gvL_push_error(L, gv_status_name(status), lua_tostring(L, -1), sig);
    if (status == GV_EINTR && gvL_interrupt_raised) gvL_interrupt_raised(L);
    return lua_error(L);
}

void gvL_reprefix(gv_err *e, const char *engine, const char *what)
{
    size_t n = strlen(engine);
    if (strncmp(e->msg, engine, n) == 0 && strncmp(e->msg + n, ": ", 2) == 0)
        memmove(e->msg, e->msg + n + 2, strlen(e->msg + n + 2) + 1);
    gv_fail_prefix(e, "%s: ", what);
}

int gvL_raise(lua_State *L, const gv_err *e)
{
    return raise_where(L, e->status, e->msg);
}

int gvL_raisef(lua_State *L, gv_status status, int sig, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    luaL_where(L, 1);
    lua_insert(L, -2);
    lua_concat(L, 2);
    gvL_push_error(L, gv_status_name(status), lua_tostring(L, -1), sig);
    return lua_error(L);
}

/* glass.error{message=, status=, signal=, exit=, printed=} -> the table as a
 * glass.Error (raise it with error(e, 0)).  status defaults to "ERROR". */
static int l_error(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    if (lua_getfield(L, 1, "message") != LUA_TSTRING)
        luaL_error(L, "glass.error: expected {message = string, ...}");
    if (lua_getfield(L, 1, "status") == LUA_TNIL) {
        lua_pushliteral(L, "ERROR");
        lua_setfield(L, 1, "status");
    }
    lua_settop(L, 1);
    push_error_meta(L);
    lua_setmetatable(L, 1);
    return 1;
}

/* glass.interrupted(err) -> true when err is an interruption (SIGINT,
 * SIGTERM, glass.mpi's agreed stop): a glass.Error of status "EINTR". */
static int l_interrupted(lua_State *L)
{
    const char *s = gvL_error_status(L, 1);
    lua_pushboolean(L, s && strcmp(s, "EINTR") == 0);
    return 1;
}

/* glass.interruption([err]) -> the interruption that err stands for, or nil
 * (gvL_interruption(L, idx): pushes it and returns 1, or returns 0):
 * err itself when it is one (glass.interrupted(err)); otherwise, while the
 * engine's interrupt flag is set, a new glass.Error of status "EINTR" naming
 * its signal.  The signal's hook raises its error once, at whatever Lua
 * instruction comes next, and a pcall on the way that makes a message of its
 * own from it (a library's, a script's) leaves a plain error; the flag stays
 * set until the command ends.  Not under MPI with several ranks: there a
 * signal only sets the flag, the ranks stop together through glass.mpi.run
 * with an EINTR error, and one rank's flag alone must not make that rank
 * read another error otherwise than the others. */
int gvL_interruption(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    const char *s = gvL_error_status(L, idx);
    if (s && strcmp(s, "EINTR") == 0) {
        lua_pushvalue(L, idx);
        return 1;
    }
    if (gvL_signals_flag_only || !gv_interrupt_pending()) return 0;
    int sig = gv_interrupt_signal();
    if (sig == SIGTERM || sig == SIGHUP)
        lua_pushfstring(L, "interrupted (%s)", gvL_signal_name(sig));
    else
        lua_pushliteral(L, "interrupted");
    if (!lua_isnoneornil(L, idx)) { /* its first line (a traceback may follow) */
        size_t n;
        const char *m = luaL_tolstring(L, idx, &n);
        const char *nl = memchr(m, '\n', n);
        lua_pushliteral(L, ", seen as: ");
        lua_pushlstring(L, m, nl ? (size_t)(nl - m) : n);
        lua_remove(L, -3);
        lua_concat(L, 3);
    }
    gvL_push_error(L, "EINTR", lua_tostring(L, -1), sig ? sig : SIGINT);
    lua_remove(L, -2);
    return 1;
}

static int l_interruption(lua_State *L)
{
    lua_settop(L, 1);
    if (!gvL_interruption(L, 1)) lua_pushnil(L);
    return 1;
}

/* glass.is_error(v) -> v's status when v is a glass.Error, else nil. */
static int l_is_error(lua_State *L)
{
    const char *s = gvL_error_status(L, 1);
    if (!s) return 0;
    lua_pushstring(L, s);
    return 1;
}

static void check_options(lua_State *L, int idx, const char *what, const char *const keys[],
                          int plain);

/* glass.check_options(t, what, {key, ...} [, level]): gvL_check_options for
 * the Lua library, so that its option tables are refused in the same words.
 * The error names the line of the function `level` calls up (1: the caller
 * of check_options, the library's line; 2, usual: that function's caller,
 * the user's); without level, the library's. */
static int check_options_body(lua_State *L)
{
    const char *what = luaL_checkstring(L, 2);
    luaL_checktype(L, 3, LUA_TTABLE);
    size_t n = (size_t)lua_rawlen(L, 3);
    const char **keys = lua_newuserdatauv(L, (n + 1) * sizeof *keys, 0);
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, 3, (lua_Integer)i + 1);
        keys[i] = luaL_checkstring(L, -1); /* alive: referenced by the key list */
        lua_pop(L, 1);
    }
    keys[n] = NULL;
    check_options(L, 1, what, keys, 0);
    return 0;
}

static int l_check_options(lua_State *L)
{
    if (lua_isnoneornil(L, 4)) return check_options_body(L);
    int level = (int)luaL_checkinteger(L, 4);
    lua_settop(L, 3);
    lua_pushcfunction(L, check_options_body);
    lua_insert(L, 1);
    if (lua_pcall(L, 3, 0, 0) == LUA_OK) return 0;
    luaL_where(L, level); /* the body's message carries no position (its caller is C) */
    lua_insert(L, -2);
    lua_concat(L, 2);
    return lua_error(L);
}

struct gv_hook *gvL_tohook(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TUSERDATA) return NULL;
    if (luaL_getmetafield(L, idx, "__gv_hook") == LUA_TNIL) return NULL;
    int is_hook = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return is_hook ? lua_touserdata(L, idx) : NULL;
}

void gvL_push_doubles(lua_State *L, const double *v, size_t n)
{
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushnumber(L, v[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

double *gvL_new_doubles(lua_State *L, size_t n)
{
    size_t bytes;
    if (gv_mul_size(n ? n : 1, sizeof(double), &bytes)) luaL_error(L, "array too large");
    return lua_newuserdatauv(L, bytes, 0);
}

void *gvL_box_new(lua_State *L, const char *tname, size_t size, int nuv)
{
    void **b = lua_newuserdatauv(L, size, nuv);
    memset(b, 0, size);
    luaL_setmetatable(L, tname);
    return b;
}

void *gvL_box_check(lua_State *L, int idx, const char *tname, const char *closed)
{
    /* obj.method{...} passes the options table where the object goes */
    if (idx == 1 && lua_type(L, 1) == LUA_TTABLE)
        luaL_argerror(L, 1, lua_pushfstring(L, "%s expected, got table: call methods with ':' "
                                               "(obj:method{...}), not '.'", tname));
    void **b = luaL_checkudata(L, idx, tname);
    if (!*b) {
        if (closed) luaL_error(L, "%s", closed);
        luaL_error(L, "attempt to use a closed %s", tname);
    }
    return *b;
}

int gvL_box_close(lua_State *L, int idx, const char *tname, void (*free_fn)(void *))
{
    void **b = luaL_checkudata(L, idx, tname);
    void *p = *b;
    *b = NULL;
    if (p) free_fn(p);
    return 0;
}

void *gvL_box_tostring(lua_State *L, const char *tname)
{
    void **b = luaL_checkudata(L, 1, tname);
    if (!*b) lua_pushfstring(L, "%s (closed)", tname);
    return *b;
}

/* Edit distance counting a swap of two neighbours as one edit (optimal
 * string alignment), to suggest the option a typo meant: "widht" is one
 * edit from "width". */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63) return 64;
    size_t d[64][64];
    for (size_t i = 0; i <= la; i++) d[i][0] = i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
            size_t m = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < m)
                m = d[i - 2][j - 2] + 1;
            d[i][j] = m;
        }
    return d[la][lb];
}

void gvL_check_plain(lua_State *L, int idx, const char *what, const char *name)
{
    if (!lua_getmetatable(L, idx)) return;
    lua_pushliteral(L, "__index");
    int proxy = lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 1);
    lua_pushliteral(L, "__len");
    proxy |= lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 2);
    if (proxy)
        luaL_error(L, "%s: %s has a metatable with __index or __len, which glassvm does not run "
                      "(it reads the table's own fields); pass a plain table",
                   what, name);
}

size_t gvL_list_len(lua_State *L, int idx, const char *what)
{
    gvL_check_plain(L, idx, what, "a list given");
    return lua_rawlen(L, idx);
}

/* gvL_check_options; plain: refuse a proxy (the bindings read raw; the Lua
 * library's functions, which check with glass.check_options, index as Lua
 * does). */
static void check_options(lua_State *L, int idx, const char *what, const char *const keys[],
                          int plain)
{
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) != LUA_TTABLE)
        luaL_error(L, "%s: expected an option table {...}, got %s", what, gvL_typename(L, idx));
    if (plain) gvL_check_plain(L, idx, what, "the option table");
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1); /* value */
        if (lua_type(L, -1) != LUA_TSTRING) {
            lua_pop(L, 1);
            luaL_error(L, "%s: option keys must be names (key=value), found a positional value", what);
        }
        const char *k = lua_tostring(L, -1);
        int ok = 0;
        for (const char *const *p = keys; *p; p++)
            if (strcmp(*p, k) == 0) { ok = 1; break; }
        if (!ok) {
            const char *best = NULL;
            /* Suggest only close matches: at most 2 edits, and fewer than the
             * typed name has letters (T is 2 edits from lr, n 1 from k: noise);
             * or a name cut short, the start (3 letters or more) of one option
             * (grad for gradient), as glass.params.closest. */
            size_t kl = strlen(k), bd = kl < 3 ? kl : 3, nstart = 0;
            const char *start = NULL;
            luaL_Buffer b;
            luaL_buffinit(L, &b);
            for (const char *const *p = keys; *p; p++) {
                size_t dd = strcasecmp(k, *p) == 0 ? 0 : edit_distance(k, *p); /* t: T */
                if (dd < bd) { bd = dd; best = *p; }
                if (kl >= 3 && kl < strlen(*p) && strncasecmp(k, *p, kl) == 0) start = *p, nstart++;
                if (p != keys) luaL_addstring(&b, ", ");
                luaL_addstring(&b, *p);
            }
            if (nstart == 1 && (!best || bd >= 2)) best = start; /* rep: replicas, not P */
            luaL_pushresult(&b);
            if (best)
                luaL_error(L, "%s: unknown option '%s' (did you mean '%s'?); valid options: %s",
                           what, k, best, lua_tostring(L, -1));
            luaL_error(L, "%s: unknown option '%s'; valid options: %s", what, k, lua_tostring(L, -1));
        }
    }
}

void gvL_check_options(lua_State *L, int idx, const char *what, const char *const keys[])
{
    check_options(L, idx, what, keys, 1);
}

int gvL_field(lua_State *L, int idx, const char *key)
{
    if (lua_type(L, idx) != LUA_TTABLE) return lua_getfield(L, idx, key); /* Lua's error */
    idx = lua_absindex(L, idx);
    lua_pushstring(L, key);
    return lua_rawget(L, idx);
}

int gvL_has(lua_State *L, int idx, const char *key)
{
    int t = gvL_field(L, idx, key);
    lua_pop(L, 1);
    return t != LUA_TNIL;
}

lua_Number gvL_opt_number(lua_State *L, int idx, const char *what, const char *key, lua_Number def)
{
    idx = lua_absindex(L, idx);
    if (gvL_field(L, idx, key) == LUA_TNIL) { lua_pop(L, 1); return def; }
    int isnum;
    lua_Number v = lua_tonumberx(L, -1, &isnum);
    if (!isnum || lua_type(L, -1) != LUA_TNUMBER)
        luaL_error(L, "%s: option '%s' must be a number, got %s", what, key, gvL_typename(L, -1));
    lua_pop(L, 1);
    return gv_plain_nan(v); /* a NaN shows as "nan" in any later message */
}

lua_Number gvL_req_number(lua_State *L, int idx, const char *what, const char *key)
{
    if (!gvL_has(L, idx, key)) luaL_error(L, "%s: option '%s' is required", what, key);
    return gvL_opt_number(L, idx, what, key, 0);
}

lua_Integer gvL_opt_integer(lua_State *L, int idx, const char *what, const char *key, lua_Integer def)
{
    idx = lua_absindex(L, idx);
    if (gvL_field(L, idx, key) == LUA_TNIL) { lua_pop(L, 1); return def; }
    int isint;
    lua_Integer v = lua_tointegerx(L, -1, &isint);
    if (!isint || lua_type(L, -1) != LUA_TNUMBER) {
        if (lua_type(L, -1) == LUA_TNUMBER) {
            lua_Number x = lua_tonumber(L, -1);
            if (x == floor(x)) /* whole, but beyond what a Lua integer holds */
                luaL_error(L, "%s: option '%s' must be an integer below 2^63 in size, got %f",
                           what, key, x);
            luaL_error(L, "%s: option '%s' must be an integer, got %f", what, key, gv_plain_nan(x));
        }
        luaL_error(L, "%s: option '%s' must be an integer, got %s", what, key, gvL_typename(L, -1));
    }
    lua_pop(L, 1);
    return v;
}

lua_Integer gvL_req_integer(lua_State *L, int idx, const char *what, const char *key)
{
    if (!gvL_has(L, idx, key)) luaL_error(L, "%s: option '%s' is required", what, key);
    return gvL_opt_integer(L, idx, what, key, 0);
}

int gvL_opt_boolean(lua_State *L, int idx, const char *what, const char *key, int def)
{
    idx = lua_absindex(L, idx);
    int t = gvL_field(L, idx, key);
    if (t == LUA_TNIL) { lua_pop(L, 1); return def; }
    if (t != LUA_TBOOLEAN)
        luaL_error(L, "%s: option '%s' must be true or false, got %s", what, key, gvL_typename(L, -1));
    int v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

const char *gvL_opt_string(lua_State *L, int idx, const char *what, const char *key, const char *def)
{
    idx = lua_absindex(L, idx);
    int t = gvL_field(L, idx, key);
    if (t == LUA_TNIL) { lua_pop(L, 1); return def; }
    if (t != LUA_TSTRING)
        luaL_error(L, "%s: option '%s' must be a string, got %s", what, key, gvL_typename(L, -1));
    /* The string stays alive: the option table holds it (read raw, so no
     * metamethod made it up), and no Lua code runs in a binding meanwhile. */
    const char *s = lua_tostring(L, -1);
    lua_pop(L, 1);
    return s;
}

uint64_t gvL_opt_seed(lua_State *L, int idx, const char *what, const char *key, uint64_t def)
{
    if (!gvL_has(L, idx, key)) return def;
    lua_Integer v = gvL_opt_integer(L, idx, what, key, 0);
    if (v < 0) luaL_error(L, "%s: option '%s' must be a non-negative integer, got %I", what, key, v);
    return (uint64_t)v;
}

void gvL_newtype(lua_State *L, const char *tname, const luaL_Reg *methods, const luaL_Reg *meta)
{
    luaL_newmetatable(L, tname);
    if (meta) luaL_setfuncs(L, meta, 0);
    if (methods) {
        lua_newtable(L);
        luaL_setfuncs(L, methods, 0);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
}

void gvL_getters(lua_State *L, const char *tname, const char *const names[], lua_CFunction fn)
{
    luaL_getmetatable(L, tname);
    lua_getfield(L, -1, "__index");
    for (lua_Integer i = 0; names[i]; i++) {
        lua_pushinteger(L, i);
        lua_pushcclosure(L, fn, 1);
        lua_setfield(L, -2, names[i]);
    }
    lua_pop(L, 2);
}

void gvL_subtable(lua_State *L, const char *name, const luaL_Reg *fns)
{
    if (lua_getfield(L, -1, name) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, -3, name);
    }
    luaL_setfuncs(L, fns, 0);
    lua_pop(L, 1);
}

/* ---- glass.lock_file --------------------------------------------------------- */

#define LOCK_T "glass.Lock"
#define LOCK_HELD "glass.locks" /* registry: "dev:ino" -> the Lock holding it (weak) */

typedef struct llock {
    int fd; /* -1 once released */
} llock;

static int lock_release(lua_State *L)
{
    llock *u = luaL_checkudata(L, 1, LOCK_T);
    gv_lock_release(u->fd);
    u->fd = -1;
    return 0;
}

static int lock_held(lua_State *L)
{
    llock *u = luaL_checkudata(L, 1, LOCK_T);
    lua_pushboolean(L, u->fd >= 0);
    return 1;
}

static int lock_tostring(lua_State *L)
{
    llock *u = luaL_checkudata(L, 1, LOCK_T);
    lua_pushstring(L, u->fd >= 0 ? "glass.Lock (held)" : "glass.Lock (released)");
    return 1;
}

/* glass.lock_file(path) -> lock | nil, why, detail
 * Takes the exclusive lock of path (created if missing), without waiting.
 * why: "busy" (detail: the holder's "PID HOST", "" if not yet written),
 * "unsupported" (the file system has no locks; detail: the system's words)
 * or "error" (detail: the system's words, e.g. "Permission denied").  A path
 * this process holds already (an earlier run in the same process, left by an
 * error) gives back the same held Lock: a process never locks itself out. */
static int lock_file(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    struct stat st;
    int known = stat(path, &st) == 0;
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LOCK_HELD); /* 2 */
    if (lua_getmetatable(L, 2) == 0) {
        lua_createtable(L, 0, 1);
        lua_pushliteral(L, "v");
        lua_setfield(L, -2, "__mode");
        lua_setmetatable(L, 2);
    } else lua_pop(L, 1);
    if (known) {
        lua_pushfstring(L, "%I:%I", (lua_Integer)st.st_dev, (lua_Integer)st.st_ino);
        if (lua_rawget(L, 2) == LUA_TUSERDATA) {
            llock *held = luaL_checkudata(L, -1, LOCK_T);
            if (held->fd >= 0) return 1;
        }
        lua_pop(L, 1);
    }
    llock *u = lua_newuserdatauv(L, sizeof *u, 0); /* 3 */
    u->fd = -1;
    luaL_setmetatable(L, LOCK_T);
    gv_lock_info info;
    gv_err e;
    if (gv_lock_take(path, &info, &e) != GV_OK) {
        lua_pushnil(L);
        lua_pushliteral(L, "error");
        lua_pushstring(L, strerror(info.err));
        return 3;
    }
    if (info.outcome != GV_LOCK_TAKEN) {
        lua_pushnil(L);
        if (info.outcome == GV_LOCK_BUSY) {
            lua_pushliteral(L, "busy");
            lua_pushstring(L, info.holder);
        } else {
            lua_pushliteral(L, "unsupported");
            lua_pushstring(L, strerror(info.err));
        }
        return 3;
    }
    u->fd = info.fd;
    if (fstat(info.fd, &st) == 0) {
        lua_pushfstring(L, "%I:%I", (lua_Integer)st.st_dev, (lua_Integer)st.st_ino);
        lua_pushvalue(L, 3);
        lua_rawset(L, 2);
    }
    return 1;
}

/* ---- glass.core.fs ----------------------------------------------------------- */

/* fs.is_dir(path): a directory, or a link to one. */
static int fs_is_dir(lua_State *L)
{
    struct stat st;
    lua_pushboolean(L, stat(luaL_checkstring(L, 1), &st) == 0 && S_ISDIR(st.st_mode));
    return 1;
}

/* fs.lexists(path): anything at path, a dangling link included. */
static int fs_lexists(lua_State *L)
{
    struct stat st;
    lua_pushboolean(L, lstat(luaL_checkstring(L, 1), &st) == 0);
    return 1;
}

/* fs.is_link(path): a symbolic link (to anything, or dangling). */
static int fs_is_link(lua_State *L)
{
    struct stat st;
    lua_pushboolean(L, lstat(luaL_checkstring(L, 1), &st) == 0 && S_ISLNK(st.st_mode));
    return 1;
}

/* nil, "cannot <what> <path>: <the system's words>" (from errno). */
static int fs_fail(lua_State *L, const char *what, const char *path, int err)
{
    lua_pushnil(L);
    lua_pushfstring(L, "cannot %s %s: %s", what, path, strerror(err));
    return 2;
}

/* fs.mkdir_p(path) -> true | nil, message: path and its missing parents
 * created (mode 0777 less the umask), as mkdir -p; the message names the
 * part that could not be made. */
static int fs_mkdir_p(lua_State *L)
{
    size_t n;
    const char *path = luaL_checklstring(L, 1, &n);
    if (n == 0) return fs_fail(L, "create the directory", "\"\"", ENOENT);
    char *p = lua_newuserdatauv(L, n + 1, 0);
    memcpy(p, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0') continue;
        if (p[i - 1] == '/') continue; /* "a//b": no empty part */
        char c = p[i];
        p[i] = '\0';
        struct stat st;
        if (mkdir(p, 0777) != 0) {
            int err = errno;
            if (stat(p, &st) != 0) return fs_fail(L, "create the directory", p, err);
            if (!S_ISDIR(st.st_mode)) return fs_fail(L, "create the directory", p, ENOTDIR);
        }
        p[i] = c;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* nftw's callback cannot take an argument: the first failure, for the one
 * walk at a time this state runs (the Lua state is used by one thread). */
static struct {
    int err;
    char path[4096];
} walk;

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    if (remove(path) != 0 && errno != ENOENT && !walk.err) {
        walk.err = errno;
        snprintf(walk.path, sizeof walk.path, "%s", path);
    }
    return 0; /* go on, as rm -rf does */
}

/* fs.remove_tree(path) -> true | nil, message: path and, for a directory,
 * everything under it (links removed, never followed), as rm -rf; a missing
 * path is not an error. */
static int fs_remove_tree(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT) return lua_pushboolean(L, 1), 1;
        return fs_fail(L, "remove", path, errno);
    }
    walk.err = 0;
    if (nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0 && !walk.err) {
        walk.err = errno;
        snprintf(walk.path, sizeof walk.path, "%s", path);
    }
    if (walk.err) return fs_fail(L, "remove", walk.path, walk.err);
    lua_pushboolean(L, 1);
    return 1;
}

/* The directory stream of fs.list, closed by its to-be-closed slot: an
 * error while the list is built (out of memory) leaves no handle open. */
#define DIR_T "glass.fs.dir"

static int dir_close(lua_State *L)
{
    DIR **d = luaL_checkudata(L, 1, DIR_T);
    if (*d) closedir(*d);
    *d = NULL;
    return 0;
}

/* fs.list(dir) -> {names} (without "." and "..", in no set order) | nil,
 * message. */
static int fs_list(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    DIR **d = lua_newuserdatauv(L, sizeof *d, 0);
    *d = NULL;
    luaL_setmetatable(L, DIR_T);
    lua_toclose(L, -1);
    *d = opendir(path);
    if (!*d) return fs_fail(L, "read the directory", path, errno);
    lua_newtable(L);
    lua_Integer k = 0;
    struct dirent *ent;
    for (;;) {
        errno = 0;
        if ((ent = readdir(*d)) == NULL) break;
        if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, "..")) continue;
        lua_pushstring(L, ent->d_name);
        lua_rawseti(L, -2, ++k);
    }
    if (errno) return fs_fail(L, "read the directory", path, errno);
    return 1;
}

/* glass.defer_signals(true): until the matching glass.defer_signals(false),
 * SIGINT and SIGTERM are held (the glassvm command's handler records the
 * first; a second one ends the process), so that a few steps that must not be
 * cut apart (a run's completion and its clean-up) finish.  Deferrals nest:
 * the outermost defer_signals(false) delivers a held signal as if it came
 * then (through gvL_redeliver_signal, which the command sets) and returns its
 * name; an inner one, or one with nothing held, returns nil. */
static int defer_depth;

static int l_defer_signals(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TBOOLEAN);
    if (lua_toboolean(L, 1)) {
        if (defer_depth++ == 0) {
            gvL_deferred_signal = 0;
            gvL_signals_deferred = 1;
        }
        return 0;
    }
    if (defer_depth == 0) return luaL_error(L, "glass.defer_signals(false) without a "
                                               "defer_signals(true) before it");
    if (--defer_depth > 0) return 0;
    /* Read and clear with the signals blocked, so that one arriving meanwhile is
     * either held here or handled after, never lost between the two. */
    sigset_t old;
    gv_block_run_signals(&old);
    int sig = gvL_deferred_signal;
    gvL_deferred_signal = 0;
    gvL_signals_deferred = 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (sig && gvL_redeliver_signal) gvL_redeliver_signal(sig);
    lua_pushstring(L, gvL_signal_name(sig));
    return 1;
}

void gvL_end_deferral(void)
{
    defer_depth = 0;
    gvL_signals_deferred = 0;
    gvL_deferred_signal = 0;
}

/* fs.isatty(fd): is descriptor fd (0, 1 or 2: standard input, output, error)
 * a terminal? */
static int fs_isatty(lua_State *L)
{
    lua_Integer fd = luaL_checkinteger(L, 1);
    luaL_argcheck(L, fd >= 0 && fd <= 2, 1, "0, 1 or 2 (standard input, output or error)");
    lua_pushboolean(L, isatty((int)fd));
    return 1;
}

void gvL_open_util(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"release", lock_release}, {"held", lock_held}, {NULL, NULL}};
    static const luaL_Reg meta[] = {
        {"__gc", lock_release}, {"__close", lock_release}, {"__tostring", lock_tostring},
        {NULL, NULL}};
    static const luaL_Reg dir_meta[] = {{"__gc", dir_close}, {"__close", dir_close}, {NULL, NULL}};
    static const luaL_Reg fns[] = {{"lock_file", lock_file}, {"error", l_error},
                                   {"interrupted", l_interrupted}, {"interruption", l_interruption},
                                   {"is_error", l_is_error},
                                   {"defer_signals", l_defer_signals},
                                   {"check_options", l_check_options},
                                   {NULL, NULL}};
    static const luaL_Reg fs[] = {{"is_dir", fs_is_dir}, {"lexists", fs_lexists},
                                  {"is_link", fs_is_link},
                                  {"mkdir_p", fs_mkdir_p}, {"remove_tree", fs_remove_tree},
                                  {"list", fs_list}, {"isatty", fs_isatty}, {NULL, NULL}};
    push_error_meta(L);
    lua_pop(L, 1);
    gvL_newtype(L, LOCK_T, methods, meta);
    gvL_newtype(L, DIR_T, NULL, dir_meta);
    luaL_setfuncs(L, fns, 0);
    gvL_subtable(L, "fs", fs);
}
