/* lgv_glass.c: the `glass.core` module: version, threads, device, limits,
 * and the list of binding modules.  lua/glass/init.lua builds `glass` on top
 * of it. */
#define _DEFAULT_SOURCE /* sysconf(_SC_PHYS_PAGES) */
#include "lgv.h"

#include <stdint.h>
#include <unistd.h>

#include "gv_device.h"
#include "gv_mlp.h"
#include "gv_obs.h"
#include "gv_rng.h"
#include "gv_sched.h"

#define MAX_THREADS 4096

static int core_threads(lua_State *L)
{
    if (!lua_isnoneornil(L, 1)) {
        lua_Integer n = luaL_checkinteger(L, 1);
        luaL_argcheck(L, n >= 1 && n <= MAX_THREADS, 1, "thread count must be between 1 and 4096");
        gv_threads_set((int)n);
    }
    lua_pushinteger(L, gv_threads());
    return 1;
}

/* glass.device([name]): the device new ensembles use ("cpu" by default). */
static int core_device(lua_State *L)
{
    if (!lua_isnoneornil(L, 1)) {
        gv_err e;
        if (gv_device_set_default(luaL_checkstring(L, 1), &e) != GV_OK) return gvL_raise(L, &e);
    }
    lua_pushstring(L, gv_device_default());
    return 1;
}

/* glass.limits: the largest values the engine accepts, so that a protocol
 * checks its parameters against them before loading any data. */
static void push_limits(lua_State *L)
{
    static const struct {
        const char *name;
        lua_Integer value;
    } limits[] = {
        {"depth", GV_MLP_MAX_LAYERS - 1},                        /* hidden layers */
        {"width", GV_MLP_MAX_WIDTH},                             /* units of a hidden layer */
        {"step", ((lua_Integer)1 << GV_RNG_STEP_BITS) - 1},      /* the last step a run reaches */
        {"replicas", (lua_Integer)UINT32_MAX},                   /* replicas of an ensemble */
        {"batch", (lua_Integer)UINT32_MAX},                      /* SGD batch */
        {"bins", GV_OBS_MAX_BINS},                               /* histogram bins */
        {"chi", GV_OBS_MAX_CUTOFFS},                             /* sensitivities of an observer */
        {"schedule", (lua_Integer)GV_SCHED_MAX},                 /* steps of one schedule */
        {"per_decade", GV_SCHED_MAX_PER_DECADE},                 /* points of a log schedule */
        {"threads", MAX_THREADS},
    };
    lua_createtable(L, 0, (int)(sizeof limits / sizeof *limits) + 1);
    for (size_t i = 0; i < sizeof limits / sizeof *limits; i++) {
        lua_pushinteger(L, limits[i].value);
        lua_setfield(L, -2, limits[i].name);
    }
    /* Physical memory in bytes (0 if unknown): an ensemble must fit in it. */
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    lua_pushinteger(L, pages > 0 && size > 0 ? (lua_Integer)pages * size : 0);
    lua_setfield(L, -2, "memory");
    lua_setfield(L, -2, "limits");
}

void gvL_open_core(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"threads", core_threads},
        {"device", core_device},
        {NULL, NULL}};
    luaL_setfuncs(L, fns, 0);
    lua_pushliteral(L, GV_VERSION);
    lua_setfield(L, -2, "version");
    push_limits(L);
}

struct gv_hook *gvL_tohook(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TUSERDATA) return NULL;
    if (luaL_getmetafield(L, idx, "__gv_hook") == LUA_TNIL) return NULL;
    int is_hook = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return is_hook ? lua_touserdata(L, idx) : NULL;
}

/* One line per binding file (keep the order: later modules may use earlier
 * types). */
typedef void (*opener)(lua_State *L);

int luaopen_glass_core(lua_State *L)
{
    const opener openers[] = {gvL_open_core, gvL_open_util, gvL_open_data, gvL_open_mlp,
                              gvL_open_dynamics, gvL_open_obs, gvL_open_analysis, gvL_open_ckpt,
                              gvL_open_mpi};
    lua_newtable(L);
    for (size_t i = 0; i < sizeof openers / sizeof *openers; i++) openers[i](L);
    return 1;
}
