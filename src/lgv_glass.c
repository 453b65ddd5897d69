/* lgv_glass.c: the `glass.core` module: version, threads, and the list of
 * binding modules.  lua/glass/init.lua builds `glass` on top of it. */
#include "lgv.h"

static int core_threads(lua_State *L)
{
    if (!lua_isnoneornil(L, 1)) {
        lua_Integer n = luaL_checkinteger(L, 1);
        luaL_argcheck(L, n >= 1 && n <= 4096, 1, "thread count must be between 1 and 4096");
        gv_threads_set((int)n);
    }
    lua_pushinteger(L, gv_threads());
    return 1;
}

void gvL_open_core(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"threads", core_threads},
        {NULL, NULL}};
    luaL_setfuncs(L, fns, 0);
    lua_pushliteral(L, GV_VERSION);
    lua_setfield(L, -2, "version");
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
