/* lgv.h: helpers shared by the Lua bindings (src/lgv_*.c).
 *
 * Binding functions follow one order (as Lua's own liolib.c): check every
 * argument, create the userdata in a closed state, call the engine, then push
 * the result or raise.  Errors are raised with gvL_raise / luaL_error(L, "%s",
 * ...) so the message carries the script's file and line. */
#ifndef LGV_H
#define LGV_H

#include <lauxlib.h>
#include <lua.h>

#include "gv_core.h"

/* Raise a Lua error from an engine failure (never returns). */
int gvL_raise(lua_State *L, const gv_err *e);

/* Option tables.  gvL_check_options(L, idx, "langevin", keys) raises if the
 * value at idx is not a table or has a key outside the NULL-terminated list
 * `keys`, naming the unknown key, the closest valid one and the full list. */
void gvL_check_options(lua_State *L, int idx, const char *what, const char *const keys[]);
/* Fields of an option table; `what` names the table in messages.  The
 * *_opt_* forms return def when the field is nil; the *_req_* forms raise. */
int gvL_has(lua_State *L, int idx, const char *key);
lua_Number gvL_opt_number(lua_State *L, int idx, const char *what, const char *key, lua_Number def);
lua_Number gvL_req_number(lua_State *L, int idx, const char *what, const char *key);
lua_Integer gvL_opt_integer(lua_State *L, int idx, const char *what, const char *key, lua_Integer def);
lua_Integer gvL_req_integer(lua_State *L, int idx, const char *what, const char *key);
int gvL_opt_boolean(lua_State *L, int idx, const char *what, const char *key, int def);
const char *gvL_opt_string(lua_State *L, int idx, const char *what, const char *key, const char *def);
/* A 64-bit seed from a field: an integer in [0, 2^63). */
uint64_t gvL_opt_seed(lua_State *L, int idx, const char *what, const char *key, uint64_t def);

/* Create a metatable `tname` with methods (as __index) and metamethods, then
 * pop it.  Every userdata type is registered this way. */
void gvL_newtype(lua_State *L, const char *tname, const luaL_Reg *methods, const luaL_Reg *meta);
/* Add fns to the sub-table `name` (created if absent) of the table on top. */
void gvL_subtable(lua_State *L, const char *name, const luaL_Reg *fns);

/* Module openers: each adds its functions and types to the `glass` table on
 * top of the stack (creating its sub-table, e.g. glass.data, as needed).
 * One per binding file; listed in lgv_glass.c. */
void gvL_open_core(lua_State *L);     /* lgv_glass.c: version, threads */
void gvL_open_util(lua_State *L);     /* lgv_util.c: glass.lock_file, glass.Lock */
void gvL_open_data(lua_State *L);     /* lgv_data.c: glass.data.*, glass.Dataset */
void gvL_open_mlp(lua_State *L);      /* lgv_mlp.c: glass.mlp, glass.MLP, glass.rng */
void gvL_open_dynamics(lua_State *L); /* lgv_dynamics.c: landscapes, integrators, ensembles */
void gvL_open_obs(lua_State *L);      /* lgv_obs.c: glass.schedule.*, glass.observer.* */
void gvL_open_analysis(lua_State *L); /* lgv_analysis.c: glass.analysis.*, glass.theory.*, glass.table */
void gvL_open_ckpt(lua_State *L);     /* lgv_ckpt.c: glass.checkpoint.*, glass.Checkpoint */
void gvL_open_mpi(lua_State *L);      /* lgv_mpi.c: glass.mpi.* (starts MPI in an MPI build) */

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
/* The option 'state' (a string or absent: NULL). */
const char *gvL_ckpt_state(lua_State *L, int opts, const char *what, size_t *len);

int luaopen_glass_core(lua_State *L);

#endif
