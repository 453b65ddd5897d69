/* lgv_mpi.c: the C side of glass.mpi (lua/glass/mpi.lua adds the rest).
 *
 *   glass.mpi.rank(), .size(), .local_size(), .enabled, .built, .library
 *   glass.mpi.barrier(), .allreduce(x | {x...}, "sum"|"max"|"min")
 *   glass.mpi.gather_string(s) -> {s0, s1, ...} on rank 0, nil elsewhere
 *   glass.mpi.bcast_string(s) -> rank 0's string
 *   glass.mpi.run(ens, {integrator=, to=|steps=, observers=}) -> step, seconds
 *   glass.mpi.gather_observer(obs, fresh [, all]) -> fresh holding every rank's replicas
 *                                   (on rank 0; on every rank if all)
 *   glass.mpi.save_ensemble(ens, path)            every rank's replicas in one file
 *   glass.mpi.checkpoint_save(path, {ensembles=, observers=, state=, keep_previous=})
 *   glass.mpi.checkpoint_restore(path, {ensembles=, observers=, first=, count=})
 *   glass.mpi.partial(ens [, on]), glass.mpi.abort(msg [, code])
 *
 * Functions marked collective in docs/cluster.md must be called by every
 * rank in the same order.  Their failures are decided together: rank 0's
 * verdict is broadcast and every rank raises the same error, so that no
 * rank is left waiting in the next collective.  A failure on one rank only
 * (a Lua error, a bad file) ends that rank, and its exit handler ends the
 * job with MPI_Abort (gv_mpi_end).
 *
 * Interrupts.  With more than one rank, SIGINT and SIGTERM only set the
 * engine's interrupt flag (gvL_signals_flag_only: the glassvm command's one
 * handler would otherwise also raise "interrupted" at the next Lua
 * instruction, at a different point on each rank, and the ranks would then
 * disagree on the next collective).  glass.mpi.run polls
 * the flag collectively after every run of a distributed ensemble: if any
 * rank was interrupted, all of them bring their replicas to the same step
 * and raise "interrupted (SIGTERM) at step N (all K ranks stopped there)",
 * so a protocol can checkpoint consistently.  A second signal ends the
 * process at once. */
#define _DEFAULT_SOURCE /* on_exit, sigaction, clock_gettime */

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gv_ckpt.h"
#include "gv_ensemble.h"
#include "gv_mpi.h"
#include "gv_obs.h"
#include "lgv.h"

#define OBS_T "glass.Observer"
#define ENS_T "glass.Ensemble"

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- start and stop -------------------------------------------------------- */

/* Exit statuses of stops the ranks agreed on (a usage error, a STOP file,
 * SIGINT, SIGTERM): every rank leaves with the same status after the run's
 * own message, so no rank "failed". */
static int agreed_stop(int status)
{
    return status == 2 || status == 75 || status == 130 || status == 143;
}

/* Set when this rank stops because another rank failed (mpi_run): that
 * rank names itself and takes the job down. */
static int other_failed;

/* A rank that exits with an error takes the job down (MPI_Abort), so that
 * the others do not wait for it forever; a clean exit finalises MPI.  A rank
 * that stops because another one failed waits up to 10 s for that rank's
 * abort instead of racing it: else its own abort could kill the failing
 * rank before it says so. */
static void at_exit(int status, void *arg)
{
    (void)arg;
    if (status != 0 && !agreed_stop(status) && gv_mpi_active() && gv_mpi_size() > 1) {
        fflush(stdout);
        if (other_failed) {
            fflush(stderr);
            for (int i = 0; i < 100; i++) usleep(100000);
        }
        fprintf(stderr, "glassvm: rank %d of %d failed (exit status %d); stopping the job\n",
                gv_mpi_rank(), gv_mpi_size(), status);
        fflush(stderr);
    }
    gv_mpi_end(status);
}

#ifndef __GLIBC__
static void end_clean(void) { gv_mpi_end(0); }
#endif

/* More threads per node than cores (OpenMP inside every rank) runs slower
 * than fewer: say so once, from rank 0. */
static void note_threads(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    long want = (long)gv_mpi_local_size() * gv_threads();
    if (gv_mpi_rank() == 0 && cores > 0 && want > cores && gv_threads() > 1)
        fprintf(stderr, "glassvm: note: %d ranks on this node x %d threads each = %ld threads "
                        "for %ld cores; set OMP_NUM_THREADS (or --threads) to cores per rank "
                        "(docs/cluster.md)\n", gv_mpi_local_size(), gv_threads(), want, cores);
}

/* ---- collectives' failures --------------------------------------------------- */

/* Broadcast rank 0's verdict (e: NULL or its error) and raise it on every
 * rank if it is a failure.  Rank 0 passes its own status; the others' e is
 * ignored (their local failures raise before reaching a collective).  hold
 * (NULL or a buffer the caller still needs) is freed before any raise, so
 * that no malloc'd memory is left behind by a Lua error. */
static void verdict_holding(lua_State *L, const gv_err *e, gv_wbuf *hold)
{
    unsigned char *msg = NULL;
    size_t len = 0;
    if (gv_mpi_rank() == 0 && e) {
        msg = (unsigned char *)e->msg;
        len = strlen(e->msg);
    }
    gv_err be;
    if (gv_mpi_bcast_bytes(&msg, &len, &be) != GV_OK) {
        if (hold) gv_wbuf_free(hold);
        gvL_raise(L, &be);
    }
    if (len == 0) {
        if (gv_mpi_rank() != 0) free(msg);
        return;
    }
    if (hold) gv_wbuf_free(hold);
    lua_pushlstring(L, (const char *)msg, len);
    if (gv_mpi_rank() != 0) free(msg);
    lua_error(L);
}

static void verdict(lua_State *L, const gv_err *e) { verdict_holding(L, e, NULL); }

/* Gather mine (len bytes) to rank 0 and, there, join the parts with
 * `join` (gv_ensemble_concat or gv_obs_concat) into out.  Returns the
 * status for rank 0's verdict; every rank takes part whatever happens. */
typedef gv_status (*join_fn)(const unsigned char *const *parts, const size_t *lens, size_t n,
                             const char *src, gv_wbuf *out, gv_err *e);

static gv_status gather_join(const unsigned char *mine, size_t len, join_fn join, const char *src,
                             gv_wbuf *out, gv_err *e)
{
    unsigned char *all;
    size_t *lens;
    gv_status s = gv_mpi_gather_bytes(mine, len, &all, &lens, e);
    if (s != GV_OK || gv_mpi_rank() != 0) return s;
    size_t n = (size_t)gv_mpi_size();
    const unsigned char **parts = malloc(n * sizeof *parts);
    if (!parts) {
        s = gv_fail(e, GV_ENOMEM, "%s: out of memory", src);
    } else {
        size_t off = 0;
        for (size_t k = 0; k < n; k++) {
            parts[k] = all + off;
            off += lens[k];
        }
        s = join(parts, lens, n, src, out, e);
    }
    free(parts);
    free(all);
    free(lens);
    return s;
}

/* ---- rank, size, small collectives ------------------------------------------------ */

static int mpi_rank(lua_State *L)
{
    lua_pushinteger(L, gv_mpi_rank());
    return 1;
}

static int mpi_size(lua_State *L)
{
    lua_pushinteger(L, gv_mpi_size());
    return 1;
}

static int mpi_local_size(lua_State *L)
{
    lua_pushinteger(L, gv_mpi_local_size());
    return 1;
}

static int mpi_barrier(lua_State *L)
{
    gv_err e;
    if (gv_mpi_barrier(&e) != GV_OK) return gvL_raise(L, &e);
    return 0;
}

/* allreduce(x, op) or allreduce({x1, x2, ...}, op): the values reduced over
 * ranks as doubles; integers on every rank give integers back. */
static int mpi_allreduce(lua_State *L)
{
    static const char *const ops[] = {"sum", "max", "min", NULL};
    static const gv_mpi_op codes[] = {GV_MPI_SUM, GV_MPI_MAX, GV_MPI_MIN};
    int list = lua_type(L, 1) == LUA_TTABLE;
    if (!list) luaL_checknumber(L, 1);
    gv_mpi_op op = codes[luaL_checkoption(L, 2, "sum", ops)];
    size_t n = list ? gvL_list_len(L, 1, "glass.mpi.allreduce") : 1;
    double *v = lua_newuserdatauv(L, (n ? n : 1) * sizeof *v, 0);
    int64_t nonint = 0;
    for (size_t i = 0; i < n; i++) {
        if (list) lua_rawgeti(L, 1, (lua_Integer)i + 1);
        else lua_pushvalue(L, 1);
        if (lua_type(L, -1) != LUA_TNUMBER)
            return luaL_error(L, "glass.mpi.allreduce: value %d is a %s, not a number", (int)i + 1,
                              gvL_typename(L, -1));
        nonint |= !lua_isinteger(L, -1);
        v[i] = lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    gv_err e;
    if (gv_mpi_allreduce_f64(v, n, op, &e) != GV_OK ||
        gv_mpi_allreduce_i64(&nonint, 1, GV_MPI_MAX, &e) != GV_OK)
        return gvL_raise(L, &e);
    if (list) lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_Integer k;
        if (!nonint && lua_numbertointeger(v[i], &k)) lua_pushinteger(L, k);
        else lua_pushnumber(L, v[i]);
        if (list) lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* gather_string(s) -> {rank 0's s, rank 1's s, ...} on rank 0, nil elsewhere */
static int mpi_gather(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    unsigned char *all;
    size_t *lens;
    gv_err e;
    if (gv_mpi_gather_bytes(s, len, &all, &lens, &e) != GV_OK) return gvL_raise(L, &e);
    if (gv_mpi_rank() != 0) {
        lua_pushnil(L);
        return 1;
    }
    int n = gv_mpi_size();
    lua_createtable(L, n, 0);
    size_t off = 0;
    for (int k = 0; k < n; k++) {
        lua_pushlstring(L, (const char *)all + off, lens[k]);
        lua_rawseti(L, -2, k + 1);
        off += lens[k];
    }
    free(all);
    free(lens);
    return 1;
}

/* bcast_string(s) -> rank 0's s on every rank (the others' argument is ignored) */
static int mpi_bcast(lua_State *L)
{
    unsigned char *p = NULL;
    size_t len = 0;
    if (gv_mpi_rank() == 0) p = (unsigned char *)luaL_checklstring(L, 1, &len);
    gv_err e;
    if (gv_mpi_bcast_bytes(&p, &len, &e) != GV_OK) return gvL_raise(L, &e);
    lua_pushlstring(L, p ? (const char *)p : "", len);
    if (gv_mpi_rank() != 0) free(p);
    return 1;
}

/* abort(msg [, code]): "glassvm: rank K: msg" and the whole job ends. */
static int mpi_abort(lua_State *L)
{
    const char *msg = luaL_optstring(L, 1, "aborted");
    lua_Integer code = luaL_optinteger(L, 2, 1);
    fflush(stdout);
    fprintf(stderr, "glassvm: rank %d: %s\n", gv_mpi_rank(), msg);
    fflush(stderr);
    gv_mpi_abort(code > 0 && code < 256 ? (int)code : 1);
    return 0;
}

/* partial(ens [, on]) -> whether ens is one rank's block (gv_ensemble.h) */
static int mpi_partial(lua_State *L)
{
    gv_ensemble *ens = gvL_check_ensemble(L, 1);
    if (!lua_isnoneornil(L, 2)) gv_ensemble_set_partial(ens, lua_toboolean(L, 2));
    lua_pushboolean(L, gv_ensemble_partial(ens));
    return 1;
}

/* ---- running ensembles ---------------------------------------------------------- */

/* ens:run(opts) protected; on failure the message is left on the stack.
 * The method is Lua's to replace, and may close the ensemble: *ens is the
 * ensemble after the call, NULL if closed (then the call fails). */
static int call_run(lua_State *L, int ens_idx, int opts_idx, gv_ensemble **ens)
{
    lua_getfield(L, ens_idx, "run");
    lua_pushvalue(L, ens_idx);
    lua_pushvalue(L, opts_idx);
    int st = lua_pcall(L, 2, 1, 0);
    if (st == LUA_OK) lua_pop(L, 1);
    *ens = *(gv_ensemble **)luaL_checkudata(L, ens_idx, ENS_T);
    if (!*ens && st == LUA_OK) {
        luaL_where(L, 1);
        lua_pushliteral(L, "glass.mpi.run: ens:run closed the ensemble it ran; close it after "
                           "the run");
        lua_concat(L, 2);
        st = LUA_ERRRUN;
    }
    return st;
}

/* Was the failure on top of the stack an interruption? */
static int interrupted(lua_State *L)
{
    const char *status = gvL_error_status(L, -1);
    return gv_interrupt_pending() && status && strcmp(status, "EINTR") == 0;
}

/* The run of opts (argument 2: its integrator and observers) to step `at`,
 * whatever interrupts come meanwhile (their flag stays set when they came
 * after the last call started).  LUA_OK, or a failure's message on the stack. */
static int catch_up(lua_State *L, gv_ensemble **ens, uint64_t at)
{
    lua_createtable(L, 0, 3);
    gvL_field(L, 2, "integrator");
    lua_setfield(L, -2, "integrator");
    gvL_field(L, 2, "observers");
    lua_setfield(L, -2, "observers");
    lua_pushinteger(L, (lua_Integer)at);
    lua_setfield(L, -2, "to");
    int opts = lua_gettop(L), sig = 0, got = 0;
    while (gv_ensemble_step(*ens) < at) {
        if (gv_interrupt_pending()) got = 1, sig = gv_interrupt_signal();
        gv_interrupt_clear();
        if (call_run(L, 1, opts, ens) != LUA_OK && (!*ens || !interrupted(L))) return LUA_ERRRUN;
        lua_settop(L, opts);
    }
    if (got && !gv_interrupt_pending()) {
        if (sig) gv_interrupt_by(sig);
        else gv_interrupt_request();
    }
    lua_settop(L, opts - 1);
    return LUA_OK;
}

/* run(ens, opts) -> step, seconds.  For a partial ensemble (one rank's
 * block of a distributed one, glass.mpi.partial) with more than one rank:
 * ens:run(opts) on every rank, then one collective that decides together
 * whether a rank failed, was interrupted, or whether every replica of every
 * rank is lost; seconds is the slowest rank's time for the call (the same
 * on every rank, so chunk sizes derived from it agree).  With opts.seconds
 * each rank stops on its own clock, then the ranks behind run on to the
 * furthest rank's step, so all return at the same step.  Otherwise (one
 * rank, or an ensemble of this rank's own, e.g. a sweep point) it is
 * ens:run(opts) and this rank's time, with no collective. */
static int mpi_run(lua_State *L)
{
    gv_ensemble *ens = gvL_check_ensemble(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    double t0 = wall_seconds();
    if (gv_mpi_size() == 1 || !gv_ensemble_partial(ens)) {
        if (call_run(L, 1, 2, &ens) != LUA_OK) return lua_error(L);
        lua_pushinteger(L, (lua_Integer)gv_ensemble_step(ens));
        lua_pushnumber(L, wall_seconds() - t0);
        return 2;
    }
    int failed = 0, intr = 0, rank = gv_mpi_rank(), size = gv_mpi_size();
    if (call_run(L, 1, 2, &ens) != LUA_OK) { /* ens NULL: closed, a failure */
        intr = ens && interrupted(L) ? (gv_interrupt_signal() ? gv_interrupt_signal() : SIGINT)
                                     : 0;
        failed = !intr;
    }
    int64_t v[5] = {failed ? size - rank : 0, intr, ens ? (int64_t)gv_ensemble_step(ens) : 0,
                    (int64_t)llround((wall_seconds() - t0) * 1e6),
                    !ens || gv_ensemble_nlost(ens) < gv_ensemble_size(ens)};
    gv_err e;
    if (gv_mpi_allreduce_i64(v, 5, GV_MPI_MAX, &e) != GV_OK) return gvL_raise(L, &e);
    if (v[0]) { /* a rank failed: it raises its own message, the others this */
        if (failed) return lua_error(L);
        other_failed = 1;
        return luaL_error(L, "stopped: rank %d failed (its message is above)", (int)(size - v[0]));
    }
    if (v[1]) { /* interrupted somewhere: all meet at the furthest step, then stop */
        if (catch_up(L, &ens, (uint64_t)v[2]) != LUA_OK) return lua_error(L);
        gv_interrupt_clear();
        return gvL_raisef(L, GV_EINTR, (int)v[1], "interrupted (%s) at step %I (all %d ranks "
                          "stopped there)", gvL_signal_name((int)v[1]), (lua_Integer)v[2], size);
    }
    if (!v[4])
        return luaL_error(L, "ensemble run: every replica of all %d ranks is lost at step %I; "
                             "lower lr or T, or start from other weights (ens:lost() on each rank "
                             "says why)", size, (lua_Integer)v[2]);
    /* seconds = s stops each rank where its own clock says: all meet at the
     * furthest step.  A signal during that is kept for the next call, which
     * then stops every rank together. */
    if (gv_ensemble_step(ens) < (uint64_t)v[2] && catch_up(L, &ens, (uint64_t)v[2]) != LUA_OK)
        return lua_error(L);
    lua_pushinteger(L, (lua_Integer)gv_ensemble_step(ens));
    lua_pushnumber(L, (double)v[3] * 1e-6);
    return 2;
}

/* ---- gathering replicas to rank 0 ------------------------------------------------ */

/* The observer hook at idx (raises if it is not a live glass.Observer). */
static gv_hook *check_observer(lua_State *L, int idx, const char *what)
{
    gv_hook *h = luaL_testudata(L, idx, OBS_T) ? gvL_tohook(L, idx) : NULL;
    if (!h || !h->self)
        luaL_error(L, "%s: expected a live glass.Observer, got %s", what,
                   h ? "a closed one" : gvL_typename(L, idx));
    return h;
}

/* Gather obs (at obs_idx, this rank's replicas) into fresh (at fresh_idx, an
 * observer built with obs's options that has not run) on rank 0, or on
 * every rank if all: fresh then holds one observer over every rank's
 * replicas, in global replica order.  Collective.  fresh_idx is ignored
 * (0) on ranks that receive nothing. */
static void gather_observer(lua_State *L, int obs_idx, int fresh_idx, int all)
{
    const char *what = "glass.mpi.gather_observer";
    gv_hook *h = check_observer(L, obs_idx, what);
    gv_hook *fresh = all || gv_mpi_rank() == 0 ? check_observer(L, fresh_idx, what) : NULL;
    gv_wbuf mine = {0}, joined = {0};
    gv_ckpt_kind kind;
    gv_err e;
    if (gv_obs_serialize(h, &mine, &kind, &e) != GV_OK) {
        gv_wbuf_free(&mine);
        gvL_raise(L, &e); /* out of memory on this rank: the job ends */
    }
    gv_status s = gather_join(mine.p, mine.len, gv_obs_concat, what, &joined, &e);
    gv_wbuf_free(&mine);
    if (all) { /* the joined state to every rank, then restored everywhere */
        verdict_holding(L, s == GV_OK ? NULL : &e, &joined);
        unsigned char *p = joined.p;
        size_t len = joined.len;
        if (gv_mpi_bcast_bytes(&p, &len, &e) != GV_OK) {
            gv_wbuf_free(&joined);
            gvL_raise(L, &e);
        }
        s = gv_obs_restore(fresh, p, len, what, &e);
        if (p != joined.p) free(p);
        gv_wbuf_free(&joined);
        if (s != GV_OK) gvL_raise(L, &e);
        return;
    }
    if (s == GV_OK && fresh) s = gv_obs_restore(fresh, joined.p, joined.len, what, &e);
    gv_wbuf_free(&joined);
    verdict(L, s == GV_OK ? NULL : &e);
}

void gvL_mpi_allgather_observer(lua_State *L, int obs_idx, int fresh_idx)
{
    gather_observer(L, lua_absindex(L, obs_idx), lua_absindex(L, fresh_idx), 1);
}

/* gather_observer(obs, fresh [, all]) -> fresh on rank 0 (on every rank if
 * all), nil elsewhere. */
static int mpi_gather_observer(lua_State *L)
{
    int all = lua_toboolean(L, 3);
    gather_observer(L, 1, 2, all);
    if (all || gv_mpi_rank() == 0) lua_pushvalue(L, 2);
    else lua_pushnil(L);
    return 1;
}

/* Serialise ens (raising on failure: only out of memory can fail). */
static void serialize_ensemble(lua_State *L, gv_ensemble *ens, gv_wbuf *out)
{
    gv_err e;
    if (gv_ensemble_serialize(ens, out, &e) != GV_OK) {
        gv_wbuf_free(out);
        gvL_raise(L, &e);
    }
}

/* save_ensemble(ens, path): every rank's block, joined, in one ensemble
 * file written by rank 0 (as ens:save of the whole ensemble). */
static int mpi_save_ensemble(lua_State *L)
{
    gv_ensemble *ens = gvL_check_ensemble(L, 1);
    const char *path = luaL_checkstring(L, 2);
    gv_wbuf mine = {0}, all = {0};
    serialize_ensemble(L, ens, &mine);
    gv_err e;
    gv_status s = gather_join(mine.p, mine.len, gv_ensemble_concat, path, &all, &e);
    gv_wbuf_free(&mine);
    if (s == GV_OK && gv_mpi_rank() == 0) {
        const void *parts[1] = {all.p};
        size_t sizes[1] = {all.len};
        s = gv_write_atomic(path, parts, sizes, 1, 0, &e);
    }
    gv_wbuf_free(&all);
    verdict(L, s == GV_OK ? NULL : &e);
    return 0;
}

/* ---- checkpoints ------------------------------------------------------------------ */

/* What every rank is about to save, as one string: rank 0 compares them so
 * that mismatched section lists fail cleanly instead of mixing sections. */
static void push_manifest(lua_State *L, const gvL_ckpt_names *o)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (size_t i = 0; i < o->ne + o->no; i++) {
        luaL_addstring(&b, i < o->ne ? "ensemble " : "observer ");
        luaL_addstring(&b, gvL_ckpt_name(o, i));
        luaL_addchar(&b, '\n');
    }
    luaL_pushresult(&b);
}

static gv_status check_manifests(const char *mine, size_t len, const char *path, gv_err *e)
{
    unsigned char *all;
    size_t *lens;
    gv_status s = gv_mpi_gather_bytes(mine, len, &all, &lens, e);
    if (s != GV_OK || gv_mpi_rank() != 0) return s;
    size_t off = 0;
    for (int k = 0; k < gv_mpi_size() && s == GV_OK; k++) {
        if (lens[k] != len || memcmp(all + off, mine, len) != 0)
            s = gv_fail(e, GV_EINVAL, "%s: rank %d saves other ensembles or observers than rank 0 "
                                      "(rank 0: %.*s); every rank must save the same names", path,
                        k, (int)len, mine);
        off += lens[k];
    }
    free(all);
    free(lens);
    return s;
}

/* checkpoint_save(path, {ensembles=, observers=, state=, keep_previous=true}):
 * collective.  Rank 0 writes one checkpoint holding every rank's replicas,
 * byte for byte the checkpoint of a single-rank run (glass.checkpoint.save);
 * the state string is rank 0's. */
/* gv_ckpt_join for glass.mpi: every rank's bytes of one section, joined on
 * rank 0. */
static gv_status join_section(const unsigned char *mine, size_t len, int is_ensemble,
                              const char *src, gv_wbuf *out, gv_err *e)
{
    return gather_join(mine, len, is_ensemble ? gv_ensemble_concat : gv_obs_concat, src, out, e);
}

static int mpi_checkpoint_save(lua_State *L)
{
    static const char *const keys[] = {"ensembles", "observers", "state", "keep_previous", NULL};
    const char *what = "glass.mpi.checkpoint_save";
    const char *path = luaL_checkstring(L, 1);
    gvL_check_options(L, 2, what, keys);
    int keep = gvL_opt_boolean(L, 2, what, "keep_previous", 1);
    size_t slen;
    const char *state = gvL_ckpt_state(L, 2, what, &slen);
    gvL_ckpt_names o; /* every object alive before any collective */
    gvL_ckpt_objects(L, 2, what, &o);
    if (o.ne + o.no == 0 && !state)
        return luaL_error(L, "%s: nothing to save: give ensembles, observers or state", what);
    push_manifest(L, &o);
    size_t mlen;
    const char *manifest = lua_tolstring(L, -1, &mlen);
    gv_err e;
    gv_status s = check_manifests(manifest, mlen, path, &e);
    verdict(L, s == GV_OK ? NULL : &e);

    /* The engine's one save: a gather per section (every rank), rank 0
     * joins them and writes.  The items are resolved before it (what can
     * raise is done), and it calls no Lua. */
    gv_ckpt_item *items = gvL_ckpt_items(L, 2, &o);
    int local;
    s = gv_ckpt_save(path, items, o.ne + o.no, state, slen, keep, join_section,
                     gv_mpi_rank() == 0, &local, &e);
    if (s != GV_OK && local) return gvL_raise(L, &e); /* out of memory: this rank ends */
    verdict(L, s == GV_OK ? NULL : &e);
    return 0;
}

/* checkpoint_restore(path, {ensembles=, observers=, first=, count=,
 * replace=false}): not collective.  Restores replicas [first, first + count)
 * (from 0) of every named section into this rank's objects: ensembles built
 * with replicas = count and first_replica = (the saved one) + first,
 * observers built with the saved options (freshly, unless replace: then
 * what they measured is replaced). */
static int mpi_checkpoint_restore(lua_State *L)
{
    static const char *const keys[] = {"ensembles", "observers", "first", "count", "replace", NULL};
    const char *what = "glass.mpi.checkpoint_restore";
    const char *path = luaL_checkstring(L, 1);
    gvL_check_options(L, 2, what, keys);
    lua_Integer first = gvL_req_integer(L, 2, what, "first");
    lua_Integer count = gvL_req_integer(L, 2, what, "count");
    int mode = gvL_opt_boolean(L, 2, what, "replace", 0) ? GV_OBS_REPLACE : GV_OBS_FRESH;
    if (first < 0 || count < 1)
        return luaL_error(L, "%s: need first >= 0 and count >= 1 (this rank's block, as from "
                             "glass.mpi.block), got first = %I, count = %I", what, first, count);
    gvL_ckpt_names o;
    gvL_ckpt_objects(L, 2, what, &o);
    gv_ckpt_item *items = gvL_ckpt_items(L, 2, &o); /* resolved before ck is held */
    gv_err e;
    gv_ckpt *ck = gv_ckpt_read(path, &e);
    if (!ck) return gvL_raise(L, &e);
    gv_status s = GV_OK;
    for (size_t i = 0; i < o.ne + o.no && s == GV_OK; i++)
        s = gv_ckpt_restore_block(ck, items[i].name, (gv_ensemble *)items[i].ens,
                                  (gv_hook *)items[i].obs, (size_t)first, (size_t)count, mode,
                                  &e);
    gv_ckpt_free(ck);
    if (s != GV_OK) return gvL_raise(L, &e);
    for (size_t i = o.ne; i < o.ne + o.no && gv_mpi_size() > 1; i++) {
        gvL_ckpt_push_object(L, 2, &o, i); /* a rank's block: it gathers itself when read */
        lua_pushboolean(L, 1);
        lua_setiuservalue(L, -2, GVL_OBS_UV_DISTRIBUTED);
        lua_pushnil(L); /* what it gathered before (replace) is out of date */
        lua_setiuservalue(L, -2, GVL_OBS_UV_GATHERED);
        lua_pop(L, 1);
    }
    return 0;
}

/* ---- module ------------------------------------------------------------------------ */

void gvL_open_mpi(lua_State *L)
{
    static const luaL_Reg fns[] = {{"rank", mpi_rank},
                                   {"size", mpi_size},
                                   {"local_size", mpi_local_size},
                                   {"barrier", mpi_barrier},
                                   {"allreduce", mpi_allreduce},
                                   {"gather_string", mpi_gather},
                                   {"bcast_string", mpi_bcast},
                                   {"abort", mpi_abort},
                                   {"partial", mpi_partial},
                                   {"run", mpi_run},
                                   {"gather_observer", mpi_gather_observer},
                                   {"save_ensemble", mpi_save_ensemble},
                                   {"checkpoint_save", mpi_checkpoint_save},
                                   {"checkpoint_restore", mpi_checkpoint_restore},
                                   {NULL, NULL}};
    static int started;
    gv_err e;
    gv_status s = gv_mpi_init(&e);
    if (!started && gv_mpi_active()) {
        started = 1;
#ifdef __GLIBC__
        on_exit(at_exit, NULL);
#else
        atexit(end_clean); /* no exit status to tell failures by */
#endif
        if (gv_mpi_size() > 1) {
            /* The glassvm command's handler, told to only set the flag, and
             * with SA_RESTART (MPI's own waits must not fail with EINTR). */
            gvL_signals_flag_only = 1;
            const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
            for (int i = 0; i < 3; i++) {
                struct sigaction sa;
                if (sigaction(sigs[i], NULL, &sa) == 0 && sa.sa_handler != SIG_DFL &&
                    sa.sa_handler != SIG_IGN) {
                    sa.sa_flags |= SA_RESTART;
                    sigaction(sigs[i], &sa, NULL);
                }
            }
            note_threads();
        }
    }
    if (s != GV_OK) gvL_raise(L, &e);
    gvL_subtable(L, "mpi", fns);
    lua_getfield(L, -1, "mpi");
    lua_pushboolean(L, gv_mpi_active());
    lua_setfield(L, -2, "enabled");
    lua_pushboolean(L, gv_mpi_built());
    lua_setfield(L, -2, "built");
    lua_pushstring(L, gv_mpi_library());
    lua_setfield(L, -2, "library");
    lua_pop(L, 1);
}
