/* main.c: the glassvm command (minimal bootstrap; the full CLI and REPL
 * replace this). */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <string.h>

#include "lgv.h"

#ifndef GV_SOURCE_LUA_DIR
#define GV_SOURCE_LUA_DIR "lua"
#endif

static void setup_path(lua_State *L)
{
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "path");
    lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s", GV_SOURCE_LUA_DIR, GV_SOURCE_LUA_DIR,
                    lua_tostring(L, -1));
    lua_setfield(L, -3, "path");
    lua_pop(L, 1);
    lua_getfield(L, -1, "preload");
    lua_pushcfunction(L, luaopen_glass_core);
    lua_setfield(L, -2, "glass.core");
    lua_pop(L, 2);
}

static int msghandler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg) msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int main(int argc, char **argv)
{
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    setup_path(L);
    lua_pushcfunction(L, msghandler);
    int status;
    if (argc >= 3 && strcmp(argv[1], "-e") == 0)
        status = luaL_loadstring(L, "glass = require 'glass'") || lua_pcall(L, 0, 0, 1) ||
                 luaL_loadstring(L, argv[2]) || lua_pcall(L, 0, 0, 1);
    else if (argc >= 2) {
        lua_createtable(L, argc, 1);
        for (int i = 0; i < argc; i++) {
            lua_pushstring(L, argv[i]);
            lua_rawseti(L, -2, i - 1);
        }
        lua_setglobal(L, "arg");
        status = luaL_loadstring(L, "glass = require 'glass'") || lua_pcall(L, 0, 0, 1) ||
                 luaL_loadfile(L, argv[1]) || lua_pcall(L, 0, 0, 1);
    } else {
        fprintf(stderr, "usage: glassvm script.lua [args...] | glassvm -e CODE\n");
        return 2;
    }
    if (status != LUA_OK) {
        fprintf(stderr, "glassvm: %s\n", lua_tostring(L, -1));
        lua_close(L);
        return 1;
    }
    lua_close(L);
    return 0;
}
