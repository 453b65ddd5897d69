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

/* One line per binding file (keep the order: later modules may use earlier
 * types). */
typedef void (*opener)(lua_State *L);
static const opener openers[] = {
    gvL_open_core,
    NULL};

int luaopen_glass_core(lua_State *L)
{
    lua_newtable(L);
    for (const opener *o = openers; *o; o++) (*o)(L);
    return 1;
}
