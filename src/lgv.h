/* lgv.h: helpers shared by the Lua bindings (src/lgv_*.c).
 *
 * Binding functions follow one order (as Lua's own liolib.c): check every
 * argument, create the userdata in a closed state, call the engine, then push
 * the result or raise.  Errors are raised with gvL_raise / luaL_error(L, "%s",
 * ...) so the message carries the script's file and line. */
#ifndef LGV_H
#define LGV_H

#include <signal.h>

#include <lauxlib.h>
#include <lua.h>

#include "gv_core.h"

/* Errors.  Every error the engine or a binding raises on purpose is one
 * type, glass.Error: a table {status=, message=, signal=} whose __tostring
 * is the message (status: gv_status_name's "EINTR", "EIO", ...; signal:
 * "SIGINT" or "SIGTERM" for an interruption by one).  Lua code builds the
 * same with glass.error{...} and tells an interruption by
 * glass.interrupted(err).  Optional fields: exit (the glassvm command ends
 * with this status) and printed (already told to the user: not printed
 * again); trace (set by the C side: the glassvm command prints a Lua
 * traceback with the message).  gvL_raise raises e with the caller's "file:line: " in front of
 * its message (never returns); gvL_raisef formats the message itself. */
#define GVL_ERROR_T "glass.Error"
int gvL_raise(lua_State *L, const gv_err *e);
int gvL_raisef(lua_State *L, gv_status status, int sig, const char *fmt, ...);
/* The engine's "<engine>: x" as "<what>: x", for the name a Lua user called
 * (a message without the engine's prefix just gets what's). */
void gvL_reprefix(gv_err *e, const char *engine, const char *what);
/* Push a glass.Error (msg taken as is). */
void gvL_push_error(lua_State *L, const char *status, const char *msg, int sig);
/* Is the value at idx a glass.Error?  Its status when it is, else NULL. */
const char *gvL_error_status(lua_State *L, int idx);
/* Pushes the interruption the value at idx stands for (glass.interruption:
 * itself when it is one, else a new one while the engine's interrupt flag is
 * set, alone, not under MPI) and returns 1; else returns 0. */
int gvL_interruption(lua_State *L, int idx);
/* "SIGINT", "SIGTERM", "a signal" (other), NULL (0). */
const char *gvL_signal_name(int sig);
/* The type of the value at idx, for messages: a userdata's metatable name
 * ("glass.MLP") where it has one, else luaL_typename's ("userdata", "nil"). */
const char *gvL_typename(lua_State *L, int idx);
/* Set by glass.mpi with more than one rank: the glassvm command's signal
 * handler then only sets the engine's interrupt flag (every rank must stop
 * at the same collective, see lgv_mpi.c), never raises in Lua code. */
extern volatile int gvL_signals_flag_only;
/* glass.defer_signals: while gvL_signals_deferred, the command's handler
 * records a signal in gvL_deferred_signal instead of acting on it; ending the
 * deferral calls gvL_redeliver_signal (the command's handler) with it. */
extern volatile sig_atomic_t gvL_signals_deferred, gvL_deferred_signal;
extern void (*gvL_redeliver_signal)(int sig);
/* Called (when set: the command sets it) as an engine call raises its EINTR
 * error: the signal has reached Lua as that error, so the command's handler
 * must not raise it a second time at the next Lua instruction (which a
 * script's pcall around the call would not catch). */
extern void (*gvL_interrupt_raised)(lua_State *L);
/* Ends every deferral (the command calls it after each chunk: a chunk that
 * failed inside one must not leave the signals held). */
void gvL_end_deferral(void);

/* Option tables and lists are read raw: no metamethod runs.  A binding holds
 * pointers into glassvm objects (an ensemble, a dataset) while it reads its
 * arguments, and an __index or __len could close or free them (a use after
 * free); raw reads also read exactly the keys gvL_check_options checked.  A
 * table whose metatable has __index or __len is refused (gvL_check_plain),
 * so that what such a proxy would supply is never ignored silently.
 *
 * gvL_check_options(L, idx, "langevin", keys) raises if the value at idx is
 * not a plain table or has a key outside the NULL-terminated list `keys`,
 * naming the unknown key, the closest valid one and the full list. */
void gvL_check_plain(lua_State *L, int idx, const char *what, const char *name);
void gvL_check_options(lua_State *L, int idx, const char *what, const char *const keys[]);
/* The length of the list (a table: the caller checks) at idx, raw, after
 * gvL_check_plain; read its entries with lua_rawgeti. */
size_t gvL_list_len(lua_State *L, int idx, const char *what);
/* Fields of an option table; `what` names the table in messages.  gvL_field
 * pushes the raw field of a table (as lua_getfield for a non-table, to
 * raise Lua's error) and returns its type.  The *_opt_* forms return def
 * when the field is nil; the *_req_* forms raise. */
int gvL_field(lua_State *L, int idx, const char *key);
int gvL_has(lua_State *L, int idx, const char *key);
lua_Number gvL_opt_number(lua_State *L, int idx, const char *what, const char *key, lua_Number def);
lua_Number gvL_req_number(lua_State *L, int idx, const char *what, const char *key);
lua_Integer gvL_opt_integer(lua_State *L, int idx, const char *what, const char *key, lua_Integer def);
lua_Integer gvL_req_integer(lua_State *L, int idx, const char *what, const char *key);
int gvL_opt_boolean(lua_State *L, int idx, const char *what, const char *key, int def);
const char *gvL_opt_string(lua_State *L, int idx, const char *what, const char *key, const char *def);
/* A 64-bit seed from a field: an integer in [0, 2^63). */
uint64_t gvL_opt_seed(lua_State *L, int idx, const char *what, const char *key, uint64_t def);

/* Arrays of doubles: a Lua array from v[0..n) pushed on the stack; a scratch
 * array of n doubles owned by a userdata pushed on the stack (collected by
 * the GC, so a raised error leaks nothing). */
void gvL_push_doubles(lua_State *L, const double *v, size_t n);
double *gvL_new_doubles(lua_State *L, size_t n);

/* Boxes: a userdata of type tname holding one engine object, NULL once
 * closed (every binding type is one; its struct's first member is the
 * pointer), with nuv user values (what the object borrows: a landscape's
 * network, an ensemble's landscape).  gvL_box_new pushes a closed box;
 * gvL_box_check returns the object or raises `closed` (NULL: "attempt to
 * use a closed <tname>"); gvL_box_close frees it (once) with free_fn, for
 * close, __gc and __close; gvL_box_tostring, for __tostring, returns the
 * object of the box at 1, or pushes "<tname> (closed)" and returns NULL. */
void *gvL_box_new(lua_State *L, const char *tname, size_t size, int nuv);
void *gvL_box_check(lua_State *L, int idx, const char *tname, const char *closed);
int gvL_box_close(lua_State *L, int idx, const char *tname, void (*free_fn)(void *));
void *gvL_box_tostring(lua_State *L, const char *tname);

/* Create a metatable `tname` with methods (as __index) and metamethods, then
 * pop it.  Every userdata type is registered this way. */
void gvL_newtype(lua_State *L, const char *tname, const luaL_Reg *methods, const luaL_Reg *meta);
/* Integer getters of type tname: method names[i] is the closure of fn with
 * upvalue i (fn switches on lua_upvalueindex(1)), so that one function
 * serves them all. */
void gvL_getters(lua_State *L, const char *tname, const char *const names[], lua_CFunction fn);
/* Add fns to the sub-table `name` (created if absent) of the table on top. */
void gvL_subtable(lua_State *L, const char *name, const luaL_Reg *fns);

/* Module openers: each adds its functions and types to the `glass` table on
 * top of the stack (creating its sub-table, e.g. glass.data, as needed).
 * One per binding file; listed in lgv_glass.c. */
void gvL_open_core(lua_State *L);     /* lgv_glass.c: version, threads */
void gvL_open_util(lua_State *L);     /* lgv_util.c: glass.lock_file, glass.Lock */
void gvL_open_data(lua_State *L);     /* lgv_data.c: glass.data.*, glass.Dataset */
void gvL_open_data_paper(lua_State *L); /* lgv_data_paper.c: glass.data.mnist, fashion_mnist */
void gvL_open_mlp(lua_State *L);      /* lgv_mlp.c: glass.mlp, glass.MLP, glass.rng */
void gvL_open_dynamics(lua_State *L); /* lgv_dynamics.c: landscapes, integrators, ensembles */
void gvL_open_obs(lua_State *L);      /* lgv_obs.c: glass.schedule.*, glass.observer.* */
void gvL_open_table(lua_State *L);    /* lgv_table.c: glass.Table, glass.table, read_csv, csv_comments */
void gvL_open_analysis(lua_State *L); /* lgv_analysis.c: glass.analysis.*, glass.theory.* */
void gvL_open_ckpt(lua_State *L);     /* lgv_ckpt.c: glass.checkpoint.*, glass.Checkpoint */
void gvL_open_mpi(lua_State *L);      /* lgv_mpi.c: glass.mpi.* (starts MPI in an MPI build) */

/* The data directories (lgv_data.c), the one search of every reader:
 * gvL_data_dirs pushes the list glass.data.dirs() returns ($GLASSVM_DATA
 * alone when set; else an installed glassvm's <bin>/../share/glassvm/data
 * if it exists, the source tree's data/, the installed one); gvL_data_dir
 * pushes glass.paths.data ($GLASSVM_DATA, else the first of them that
 * exists, else nil). */
void gvL_data_dirs(lua_State *L);
void gvL_data_dir(lua_State *L);

/* Observers of a distributed ensemble (glass.mpi, several ranks).
 * gvL_obs_ran(L, idx, partial): the value at idx, if an observer, is run by
 * ens:run on an ensemble that is (partial) or is not this rank's block of
 * a distributed one; gvL_obs_distributed: the observer at idx was restored
 * as such a block (glass.mpi.checkpoint_restore).  Such an observer's
 * readers (results, table, curves) gather every rank's replicas first,
 * collectively, into an observer the engine rebuilt from its own bytes
 * (obs:empty()), kept until it runs again.  gvL_mpi_allgather_observer
 * (lgv_mpi.c) is that gather: fresh (an unused observer of obs's
 * configuration) receives the whole. */
/* The mark is the observer's user value GVL_OBS_UV_DISTRIBUTED (true); what
 * was gathered is GVL_OBS_UV_GATHERED.  Set here, through the Lua API, so
 * that neither lgv_dynamics.c nor lgv_mpi.c calls into lgv_obs.c (which
 * calls lgv_mpi.c): no loop among the binding files. */
#define GVL_OBS_UV_GATHERED 2
#define GVL_OBS_UV_DISTRIBUTED 3

/* Changes for a recorder (glass.checkpoint's journal checks a run:memo with
 * one, lua/glass/journal.lua): while the registry field GVL_CHANGES is a
 * table (glass.core.checkpoint.record_changes), every ensemble a binding
 * changes (ens:run, set_weights, set_step) and every observer ens:run runs
 * is a key of it (value true), and so is a copy (clone, same_basin) of an
 * ensemble that is a key (with any value). */
#define GVL_CHANGES "glass.changes"
static inline void gvL_changed(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    if (lua_getfield(L, LUA_REGISTRYINDEX, GVL_CHANGES) == LUA_TTABLE) {
        lua_pushvalue(L, idx);
        lua_pushboolean(L, 1);
        lua_rawset(L, -3);
    }
    lua_pop(L, 1);
}
static inline void gvL_changed_copy(lua_State *L, int src, int copy)
{
    src = lua_absindex(L, src);
    copy = lua_absindex(L, copy);
    if (lua_getfield(L, LUA_REGISTRYINDEX, GVL_CHANGES) == LUA_TTABLE) {
        lua_pushvalue(L, src);
        if (lua_rawget(L, -2) != LUA_TNIL) {
            lua_pushvalue(L, copy);
            lua_pushboolean(L, 1);
            lua_rawset(L, -4);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static inline void gvL_obs_ran(lua_State *L, int idx, int partial)
{
    if (!luaL_testudata(L, idx, "glass.Observer")) return;
    idx = lua_absindex(L, idx);
    gvL_changed(L, idx);
    if (partial) {
        lua_pushboolean(L, 1);
        lua_setiuservalue(L, idx, GVL_OBS_UV_DISTRIBUTED);
    }
    lua_pushnil(L); /* what was gathered is out of date */
    lua_setiuservalue(L, idx, GVL_OBS_UV_GATHERED);
}
void gvL_mpi_allgather_observer(lua_State *L, int obs_idx, int fresh_idx);

/* Typed access to other modules' userdata (raise a type error otherwise). */
struct gv_data;
struct gv_mlp;
struct gv_ensemble;
struct gv_sched;
struct gv_data *gvL_check_data(lua_State *L, int idx);         /* "glass.Dataset" */
struct gv_mlp *gvL_check_mlp(lua_State *L, int idx);           /* "glass.MLP" */
struct gv_ensemble *gvL_check_ensemble(lua_State *L, int idx); /* "glass.Ensemble" */
struct gv_sched *gvL_check_sched(lua_State *L, int idx);       /* "glass.Schedule" */
struct gv_table; void gvL_push_table(lua_State *L, struct gv_table *t); /* as "glass.Table"; Lua owns t */

/* Hooks (observers, ...) seen from the run binding: any userdata whose
 * metatable has the field __gv_hook = true begins with a gv_hook (gv_hook.h)
 * whose `self` is filled in.  Returns NULL if the value is not a hook. */
struct gv_hook *gvL_tohook(lua_State *L, int idx);

/* The objects of a checkpoint's options {ensembles = {name = ens, ...},
 * observers = {name = obs, ...}, state = "..."}, as glass.checkpoint.save
 * and glass.mpi's checkpoint functions take them (lgv_ckpt.c).  Names are
 * sorted (the order of the file's sections); index i < ne is ensemble i,
 * then the observers.  gvL_ckpt_objects checks every object is live and
 * pushes two scratch values on the stack. */
typedef struct gvL_ckpt_names {
    const char **ens, **obs;
    size_t ne, no;
} gvL_ckpt_names;
void gvL_ckpt_objects(lua_State *L, int opts, const char *what, gvL_ckpt_names *o);
const char *gvL_ckpt_name(const gvL_ckpt_names *o, size_t i);
void gvL_ckpt_push_object(lua_State *L, int opts, const gvL_ckpt_names *o, size_t i);
/* The objects as the engine's save takes them (gv_ckpt_save), in a GC-owned
 * array pushed on the stack; they stay alive in the option table. */
struct gv_ckpt_item *gvL_ckpt_items(lua_State *L, int opts, const gvL_ckpt_names *o);
/* The option 'state' (a string or absent: NULL). */
const char *gvL_ckpt_state(lua_State *L, int opts, const char *what, size_t *len);

int luaopen_glass_core(lua_State *L);

#endif
