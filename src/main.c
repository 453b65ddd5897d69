/* main.c: the glassvm command.  Runs a script, -e strings or the REPL with
 * the `glass` library loaded; shaped like Lua 5.4's own lua.c (same `arg`
 * table, same option order, same "<eof>" test for incomplete statements),
 * with libedit line editing and history, and interruption (SIGINT, SIGTERM)
 * that reaches both Lua code and the engine's C loops. */
#define _XOPEN_SOURCE 700 /* sigaction, getline, realpath, readlink */

#include <cblas.h> /* openblas_get_config, openblas_get_corename */
#include <dirent.h>
#include <errno.h>
#include <lauxlib.h>
#include <limits.h>
#include <locale.h>
#include <lua.h>
#include <lualib.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gv_core.h"
#include "gv_mpi.h"
#include "lgv.h"
#include "main.h"

#ifndef GV_SOURCE_LUA_DIR
#define GV_SOURCE_LUA_DIR "lua"
#endif
#ifndef GV_GIT_COMMIT
#define GV_GIT_COMMIT "" /* not built from a git checkout */
#endif
#ifndef GV_INSTALL_DATADIR
#define GV_INSTALL_DATADIR "/usr/local/share/glassvm"
#endif

#define MAX_THREADS 4096 /* same bound as glass.threads() */
#define EXIT_USAGE 2


/* The command line, parsed before any Lua state exists. */
static struct {
    int script;  /* argv index of the script; 0 when there is none */
    int has_e;   /* some -e */
    int has_i;   /* -i */
    int has_v;   /* -v / --version */
    int threads; /* --threads N; 0 keeps the default */
} opt;

static void print_usage(FILE *f)
{
    fprintf(f,
        "usage: %s [options] [script | protocol [args]]\n"
        "Runs a Lua 5.4 script with the glass library loaded, or starts the REPL.\n"
        "\n"
        "Options:\n"
        "  -e CODE        execute the Lua string CODE (repeatable, run in order)\n"
        "  -i             enter the REPL after running the script and -e strings\n"
        "  -v, --version  print the versions of glassvm, Lua and OpenBLAS\n"
        "  -h, --help     print this help and exit\n"
        "  --threads N    use N threads in the engine's parallel loops\n"
        "                 (0 or unset: OMP_NUM_THREADS, else one per core)\n"
        "  --             stop handling options\n"
        "  -              stop handling options and read the script from stdin\n"
        "\n"
        "The script gets its arguments as `...` and in the global table `arg`, as\n"
        "with `lua`: arg[0] is the script, arg[1], arg[2], ... follow it, and the\n"
        "interpreter and its options have negative indices.  The global `glass` is\n"
        "the glass library; glass.paths gives the directories glassvm uses.\n"
        "A protocol is named without its directory and .lua: `%s ageing --T=1e-5`\n"
        "runs protocols/ageing.lua from glass.paths.protocols (a file of that name\n"
        "in the current directory comes first); an unknown name lists them.\n"
        "Without a script, -e or -v, glassvm starts the REPL.\n"
        "\n"
        "REPL: type a statement or an expression (its values are printed); an\n"
        "incomplete statement continues on a '>>' line.  On a terminal, libedit\n"
        "gives line editing (emacs keys; ~/.editrc), Tab completion of names and\n"
        "history, kept in $HOME/" HISTORY_NAME ".  Ctrl-C interrupts the running\n"
        "command (twice: quits a command stuck in C code), Ctrl-D quits.  When\n"
        "stdin is not a terminal, lines are read without prompts, errors name the\n"
        "line of the input (stdin:N) and the exit status is 1 if any of them failed.\n"
        "\n"
        "Environment:\n"
        "  GLASSVM_PATH     directory containing glass/init.lua, used instead of\n"
        "                   the installed (or source-tree) Lua library\n"
        "  GLASSVM_DATA     directory of the datasets (docs/datasets.md)\n"
        "  OMP_NUM_THREADS  default number of engine threads\n"
        "  GLASSVM_MPI      in a build with MPI: 1 starts MPI without a launcher,\n"
        "                   0 never starts it (docs/cluster.md)\n"
        "  OMP_WAIT_POLICY  how idle engine threads wait; glassvm sets passive (sleep\n"
        "                   at once, best on a busy machine) unless this or\n"
        "                   GOMP_SPINCOUNT is set\n"
        "  LUA_PATH_5_4, LUA_PATH  more Lua module paths (after glassvm's own)\n"
        "  HOME             where the REPL history is kept\n"
        "\n"
        "Exit status: 0 success, 1 error (message with file and line on stderr),\n"
        "2 bad command line, 75 a protocol run stopped by a STOP file in its output\n"
        "directory (the same command continues it), 128+N killed by signal N\n"
        "(130: SIGINT, 143: SIGTERM, 129: SIGHUP; the same command resumes a protocol\n"
        "run).\n"
        "Documentation: guide.md in glass.paths.docs (docs/ of the source tree,\n"
        "<prefix>/share/glassvm/docs installed); help() in the REPL.\n",
        PROGNAME, PROGNAME);
}

/* ---------------------------------------------------------------------------
 * The command line.
 * ------------------------------------------------------------------------- */

/* Parse --threads' value: a whole number from 0 (the default, as a
 * protocol's --threads=0) to MAX_THREADS; -1 if it is not one. */
static int parse_threads(const char *s)
{
    char *end;
    errno = 0;
    long n = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno || n < 0 || n > MAX_THREADS) return -1;
    return (int)n;
}

static int usage_error(const char *fmt, const char *what)
{
    fprintf(stderr, "%s: ", PROGNAME);
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\nTry '%s --help' for the options.\n", PROGNAME);
    return 0;
}

/* A protocol's name (ageing, quench_anneal) or a Lua file. */
static int looks_like_script(const char *s)
{
    size_t n = strlen(s);
    if (n > 4 && strcmp(s + n - 4, ".lua") == 0) return 1;
    if (!(s[0] >= 'a' && s[0] <= 'z')) return 0;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_')) return 0;
    return 1;
}

/* Fill `opt` from argv; returns 0 (after printing why) on a bad command
 * line, -1 when --help was handled, 1 otherwise. */
static int collect_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == '\0') { /* the script, or "-" for stdin */
            opt.script = i;
            return 1;
        }
        if (strcmp(a, "--") == 0) {
            opt.script = i + 1 < argc ? i + 1 : 0;
            return 1;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            print_usage(stdout);
            return -1;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0)
            opt.has_v = 1;
        else if (strcmp(a, "-i") == 0)
            opt.has_i = 1;
        else if (strncmp(a, "-e", 2) == 0) { /* "-e CODE" or "-eCODE" */
            if (a[2] == '\0' && ++i >= argc) return usage_error("'%s' needs an argument (Lua code)", a);
            opt.has_e = 1;
        } else if (strcmp(a, "--threads") == 0 || strncmp(a, "--threads=", 10) == 0) {
            const char *v = a[9] == '=' ? a + 10 : (++i < argc ? argv[i] : NULL);
            if (v == NULL) return usage_error("'%s' needs an argument (a number of threads)", a);
            opt.threads = parse_threads(v);
            if (opt.threads < 0)
                return usage_error("--threads needs a whole number from 0 (the default) to 4096, "
                                   "not '%s'", v);
        } else {
            /* A protocol's option before the protocol (glassvm --T=1e-5 ageing):
             * say where it goes.  Only for --name=value followed by a protocol's
             * name or a .lua file, not for a misspelt glassvm option. */
            const char *next = i + 1 < argc ? argv[i + 1] : NULL;
            if (a[1] == '-' && strchr(a, '=') && next && looks_like_script(next)) {
                fprintf(stderr, "%s: unrecognized option '%s'; a protocol's options go after its "
                        "name: %s %s %s\n", PROGNAME, a, PROGNAME, next, a);
                return 0;
            }
            return usage_error("unrecognized option '%s'", a);
        }
    }
    opt.script = 0;
    return 1;
}

/* The global `arg`: argv[script] at index 0 (argv[0] without a script),
 * what follows at 1, 2, ..., what precedes at -1, -2, ... (as lua.c). */
static void create_arg_table(lua_State *L, char **argv, int argc, int script)
{
    lua_createtable(L, argc - (script + 1), script + 1);
    for (int i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - script);
    }
    lua_setglobal(L, "arg");
}

/* Run the -e strings in order; 0 if one fails. */
static int run_e_args(lua_State *L, char **argv, int n)
{
    for (int i = 1; i < n; i++) {
        if (strcmp(argv[i], "--threads") == 0) {
            i++;
            continue;
        }
        if (strncmp(argv[i], "-e", 2) != 0) continue;
        const char *code = argv[i][2] ? argv[i] + 2 : argv[++i];
        if (dostring(L, code, "=(command line)") != LUA_OK) return 0;
    }
    return 1;
}

/* Push arg[1..#arg]: the script's varargs (from `arg`, which -e code may
 * have changed, as in lua.c). */
static int push_args(lua_State *L)
{
    if (lua_getglobal(L, "arg") != LUA_TTABLE) luaL_error(L, "'arg' is not a table");
    int n = (int)luaL_len(L, -1);
    luaL_checkstack(L, n + 3, "too many arguments to script");
    int i;
    for (i = 1; i <= n; i++) lua_rawgeti(L, -i, i);
    lua_remove(L, -i);
    return n;
}

/* ---------------------------------------------------------------------------
 * Protocols by name: `glassvm ageing --T=1e-5` runs <protocols>/ageing.lua,
 * where <protocols> is glass.paths.protocols (the source tree's protocols/
 * for a build-tree glassvm, <prefix>/share/glassvm/protocols installed).  A
 * script argument is a name when it is not an existing file (a directory does
 * not count: it may be a run's output of the same name) and is made of
 * letters, digits, '_' and '-' only (so "ageing.lua" or "./ageing" stay
 * file names, with the usual "cannot open" error).
 * ------------------------------------------------------------------------- */

static int is_protocol_name(const char *s)
{
    if (*s == '\0' || *s == '-') return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return 0;
    return 1;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

enum { MAX_SCRIPTS = 256 };

/* Push the set {name = true} of the .lua files in dir (names without
 * ".lua"; at most MAX_SCRIPTS; empty when dir cannot be read) and return
 * how many. */
static int push_script_set(lua_State *L, const char *dir)
{
    int n = 0;
    lua_newtable(L);
    DIR *d = dir ? opendir(dir) : NULL;
    struct dirent *e;
    while (d && n < MAX_SCRIPTS && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".lua") == 0 && e->d_name[0] != '.') {
            lua_pushlstring(L, e->d_name, len - 4);
            lua_pushboolean(L, 1);
            lua_rawset(L, -3);
            n++;
        }
    }
    if (d) closedir(d);
    return n;
}

/* Push "a, b, c" (the protocols in dir, sorted), or "none". */
static void push_protocol_list(lua_State *L, const char *dir)
{
    const char *names[MAX_SCRIPTS];
    int n = 0;
    push_script_set(L, dir);
    int set = lua_gettop(L);
    for (lua_pushnil(L); lua_next(L, set); lua_pop(L, 1))
        names[n++] = lua_tostring(L, -2); /* kept alive by the set */
    qsort(names, (size_t)n, sizeof names[0], by_name);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 0; i < n; i++) {
        if (i > 0) luaL_addstring(&b, ", ");
        luaL_addstring(&b, names[i]);
    }
    if (n == 0) luaL_addstring(&b, "none");
    luaL_pushresult(&b);
    lua_remove(L, set);
}

/* Push the path of protocol `name` in dir and return it, or return NULL
 * (pushing nothing) when there is no such protocol. */
static const char *push_protocol_path(lua_State *L, const char *dir, const char *name)
{
    if (!dir || !is_protocol_name(name)) return NULL;
    const char *path = lua_pushfstring(L, "%s/%s.lua", dir, name);
    if (access(path, R_OK) == 0) return path;
    lua_pop(L, 1);
    return NULL;
}

/* If argv[0] names a protocol rather than a file, replace it (and arg[0])
 * with the protocol's path.  Returns 0 after reporting a name that is
 * neither a file nor a protocol. */
static int resolve_protocol(lua_State *L, char **argv)
{
    const char *name = argv[0];
    struct stat st;
    /* A file of that name comes first; a directory (say, a run's --out) does not. */
    if (!is_protocol_name(name) || (stat(name, &st) == 0 && !S_ISDIR(st.st_mode))) return 1;
    int top = lua_gettop(L);
    const char *dir = glass_path(L, "protocols");
    const char *path = push_protocol_path(L, dir, name);
    if (path) {
        lua_getglobal(L, "arg");
        lua_pushvalue(L, -2);
        lua_rawseti(L, -2, 0);
        lua_pop(L, 1);
        argv[0] = (char *)path; /* a string kept alive by arg[0] */
        lua_settop(L, top);
        return 1;
    }
    push_protocol_list(L, dir);
    l_message(progname, lua_pushfstring(L,
        "'%s' is neither a file nor a protocol; the protocols (in %s) are: %s",
        name, dir ? dir : "no protocols directory", lua_tostring(L, -1)));
    lua_settop(L, top);
    return 0;
}

/* The .lua file of directory `dir` whose name (without ".lua") is closest to
 * `name` (glass.names.closest): pushes its name and returns 1, or returns 0. */
static int push_nearest_script(lua_State *L, const char *dir, const char *name)
{
    int top = lua_gettop(L);
    if (push_script_set(L, dir) == 0) {
        lua_settop(L, top);
        return 0;
    }
    lua_getglobal(L, "require");
    lua_pushliteral(L, "glass.names");
    if (lua_pcall(L, 1, 1, 0) != LUA_OK || lua_getfield(L, -1, "closest") != LUA_TFUNCTION) {
        lua_settop(L, top);
        return 0;
    }
    lua_pushstring(L, name);
    lua_pushvalue(L, top + 1);
    if (lua_pcall(L, 2, 1, 0) != LUA_OK || lua_type(L, -1) != LUA_TSTRING) {
        lua_settop(L, top);
        return 0;
    }
    lua_replace(L, top + 1);
    lua_settop(L, top + 1);
    return 1;
}

/* A script file that does not exist, whose name without directories and
 * ".lua" names a shipped protocol (`glassvm protocols/ageing.lua` run
 * outside the source tree): the error message (on the stack top) says how
 * to run the protocol by name; else, a .lua file of that directory with a
 * name close to it (a typo: protocols/agein.lua) is offered. */
static void hint_protocol(lua_State *L, const char *fname)
{
    struct stat st;
    if (!fname || stat(fname, &st) == 0 || errno != ENOENT || !lua_isstring(L, -1)) return;
    int top = lua_gettop(L);
    const char *base = strrchr(fname, '/');
    base = base ? base + 1 : fname;
    size_t len = strlen(base);
    if (len > 4 && strcmp(base + len - 4, ".lua") == 0) len -= 4;
    const char *name = lua_pushlstring(L, base, len);
    if (push_protocol_path(L, glass_path(L, "protocols"), name)) {
        lua_pushfstring(L, "%s (the protocol '%s' ships with glassvm: run 'glassvm %s ...')",
                        lua_tostring(L, top), name, name);
        lua_replace(L, top);
    } else {
        const char *dir = base == fname ? "." : lua_pushlstring(L, fname, (size_t)(base - fname));
        if (push_nearest_script(L, dir, name)) {
            lua_pushfstring(L, "%s (did you mean %s%s.lua?)", lua_tostring(L, top),
                            base == fname ? "" : dir, lua_tostring(L, -1));
            lua_replace(L, top);
        }
    }
    lua_settop(L, top);
}

static int handle_script(lua_State *L, char **argv)
{
    if (!resolve_protocol(L, argv)) return LUA_ERRFILE;
    const char *fname = argv[0];
    if (strcmp(fname, "-") == 0 && strcmp(argv[-1], "--") != 0) fname = NULL; /* stdin */
    int status = luaL_loadfile(L, fname);
    if (status == LUA_ERRFILE) hint_protocol(L, fname);
    if (status == LUA_OK) {
        int n = push_args(L);
        /* While a script file runs: glass.protocol_params tells the script's
         * own call (as `return glass.protocol_params{...}`, a tail call that
         * leaves no frame to look at) from one in -e code or on standard
         * input, which cannot be re-read as --params (lua/glass/params.lua). */
        lua_pushboolean(L, fname != NULL);
        lua_setfield(L, LUA_REGISTRYINDEX, "glassvm.main_script");
        status = docall(L, n, LUA_MULTRET);
        lua_pushnil(L);
        lua_setfield(L, LUA_REGISTRYINDEX, "glassvm.main_script");
    }
    /* Kept for the finalizers that run at exit: a glass.run that did not
     * finish records in run.json whether it was interrupted or failed. */
    if (status != LUA_OK && (lua_type(L, -1) == LUA_TSTRING || gvL_error_status(L, -1))) {
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, "glassvm.error");
    }
    if (status != LUA_OK) chosen_exit = error_exit(L);
    return report(L, status);
}

/* A script that returned without finishing the glass.run it started (no
 * run:finish()): its results have no COMPLETE marker, so the command must
 * not exit 0.  glass.run.unfinished() names the run (lua/glass/run.lua);
 * returns 1 when there is none. */
static int runs_finished(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getfield(L, -1, "glass.run");
    int ok = 1;
    if (lua_istable(L, -1) && lua_getfield(L, -1, "unfinished") == LUA_TFUNCTION) {
        if (lua_pcall(L, 0, 1, 0) != LUA_OK || lua_type(L, -1) == LUA_TSTRING) {
            if (gv_mpi_rank() == 0) l_message(progname, lua_tostring(L, -1));
            ok = 0;
        }
    }
    lua_settop(L, 0);
    return ok;
}

/* ---------------------------------------------------------------------------
 * Finding the Lua library: GLASSVM_PATH, then <exe>/../share/glassvm/lua
 * (an installed glassvm), then the source tree (a build-tree glassvm), then
 * the configured install prefix.  The protocols and data directories are
 * looked for next to it (both layouts keep lua/, protocols/ side by side).
 * ------------------------------------------------------------------------- */

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* If dir/glass/init.lua exists, push dir's canonical path and return 1. */
static int push_if_lua_dir(lua_State *L, const char *dir)
{
    char full[PATH_MAX];
    if (realpath(dir, full) == NULL) return 0;
    lua_pushfstring(L, "%s/glass/init.lua", full);
    int ok = access(lua_tostring(L, -1), R_OK) == 0;
    lua_pop(L, 1);
    if (ok) lua_pushstring(L, full);
    return ok;
}

/* Push the Lua library directory; raise with the places tried if none.
 * Called by pmain outside docall: a missing library is a set-up mistake whose
 * message says what to do, and docall's handler would add a traceback of
 * two "[C]: in ?" frames to it. */
static void push_lua_dir(lua_State *L)
{
    const char *env = getenv("GLASSVM_PATH");
    if (env && *env) {
        if (push_if_lua_dir(L, env)) return;
        luaL_error(L, "GLASSVM_PATH=%s: no glass/init.lua there; point it at the "
                      "directory that holds glass/init.lua, or unset it", env);
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            lua_pushfstring(L, "%s/../share/glassvm/lua", exe);
            int ok = push_if_lua_dir(L, lua_tostring(L, -1));
            if (ok) {
                lua_remove(L, -2);
                return;
            }
            lua_pop(L, 1);
        }
    }
    if (push_if_lua_dir(L, GV_SOURCE_LUA_DIR)) return;
    if (push_if_lua_dir(L, GV_INSTALL_DATADIR "/lua")) return;
    luaL_error(L, "cannot find the glass Lua library (glass/init.lua): looked in "
                  "<executable's directory>/../share/glassvm/lua, %s and %s/lua; "
                  "set GLASSVM_PATH to the directory that holds glass/init.lua",
               GV_SOURCE_LUA_DIR, GV_INSTALL_DATADIR);
}

/* Set field `key` of the table on top to dir/../name if that directory
 * exists (canonical path). */
static void set_sibling_dir(lua_State *L, const char *lua_dir, const char *name, const char *key)
{
    char full[PATH_MAX];
    const char *cand = lua_pushfstring(L, "%s/../%s", lua_dir, name);
    if (is_dir(cand) && realpath(cand, full)) {
        lua_pushstring(L, full);
        lua_setfield(L, -3, key);
    }
    lua_pop(L, 1);
}

/* package.path and preload, then glass = require "glass", then glass.paths.
 * Runs protected (from pmain's docall), with the Lua library's directory
 * (push_lua_dir's) as its argument. */
static int load_glass(lua_State *L)
{
    const char *dir = lua_tostring(L, 1);
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "path");
    lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s", dir, dir, lua_tostring(L, -1));
    lua_setfield(L, -3, "path");
    lua_pop(L, 1);
    lua_getfield(L, -1, "preload");
    lua_pushcfunction(L, luaopen_glass_core);
    lua_setfield(L, -2, "glass.core");
    lua_pop(L, 2); /* preload, package */

    lua_getglobal(L, "require");
    lua_pushliteral(L, "glass");
    lua_call(L, 1, 1);
    if (!lua_istable(L, -1)) luaL_error(L, "%s/glass/init.lua did not return a table", dir);

    /* glass.paths = {lua = ..., protocols = ..., data = ...} */
    lua_createtable(L, 0, 3);
    lua_pushstring(L, dir);
    lua_setfield(L, -2, "lua");
    set_sibling_dir(L, dir, "protocols", "protocols");
    set_sibling_dir(L, dir, "docs", "docs"); /* absent where glassvm was installed without them */
    gvL_data_dir(L); /* the data directories' search (lgv_data.c), as glass.data.mnist's */
    lua_setfield(L, -2, "data");
    lua_setfield(L, -2, "paths");

    /* glass.build = {commit = ..., blas_core = ..., blas_config = ...}:
     * what a run's metadata (run.json) says about this binary. */
    lua_createtable(L, 0, 3);
    if (GV_GIT_COMMIT[0] != '\0') {
        lua_pushstring(L, GV_GIT_COMMIT);
        lua_setfield(L, -2, "commit");
    }
    lua_pushstring(L, openblas_get_corename());
    lua_setfield(L, -2, "blas_core");
    lua_pushstring(L, openblas_get_config());
    lua_setfield(L, -2, "blas_config");
    lua_setfield(L, -2, "build");
    lua_setglobal(L, "glass");
    return 0;
}

/* ---------------------------------------------------------------------------
 * main
 * ------------------------------------------------------------------------- */

static int exit_code = EXIT_SUCCESS; /* set by pmain */

/* Everything that touches Lua, run protected (as lua.c's pmain) so that an
 * allocation failure during set-up is reported, not fatal. */
static int pmain(lua_State *L)
{
    int argc = (int)lua_tointeger(L, 1);
    char **argv = lua_touserdata(L, 2);
    int nopts = opt.script > 0 ? opt.script : argc; /* first non-option */
    exit_code = EXIT_FAILURE;
    luaL_checkversion(L);
    luaL_openlibs(L);
    create_arg_table(L, argv, argc, opt.script);
    if (opt.threads > 0) gv_threads_set(opt.threads);

    lua_pushcfunction(L, load_glass);
    push_lua_dir(L); /* raises to main's lua_pcall: the message alone */
    if (report(L, docall(L, 1, 0)) != LUA_OK) return 0;
    static char ranked[64]; /* under MPI, a failing rank's message names it */
    if (gv_mpi_size() > 1) {
        snprintf(ranked, sizeof ranked, PROGNAME ": rank %d", gv_mpi_rank());
        progname = ranked;
    }
    if (opt.has_v) print_version();
    if (!run_e_args(L, argv, nopts)) return 0;
    if (opt.script > 0 && handle_script(L, argv + opt.script) != LUA_OK) return 0;
    if (opt.has_i || (opt.script == 0 && !opt.has_e && !opt.has_v))
        exit_code = do_repl(L);
    else
        exit_code = runs_finished(L) ? EXIT_SUCCESS : EXIT_FAILURE;
    return 0;
}

/* ---------------------------------------------------------------------------
 * OpenMP waiting.  By default libgomp's idle threads spin for a while at the
 * end of every parallel region before they sleep.  On a machine whose cores
 * are all busy (other jobs, other runs) a spinning thread holds a core that
 * the thread still working needs, and every step waits for the scheduler: a
 * full-batch step gets 1.5-2x slower, more under heavier load.  Passive
 * waiting (sleep at once) costs a futex wake per parallel region, nothing
 * measurable at steps of milliseconds (docs/performance.md).  So glassvm
 * makes it the default.  libgomp reads OMP_WAIT_POLICY when it is loaded,
 * before main(), so setting it here only takes effect in a new image: hence
 * one re-exec of the running binary, at once.  A user's own OMP_WAIT_POLICY
 * or GOMP_SPINCOUNT is kept, and then nothing is re-executed.
 * ------------------------------------------------------------------------- */

static void default_passive_wait(char **argv)
{
    if (getenv("OMP_WAIT_POLICY") || getenv("GOMP_SPINCOUNT")) return;
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return;
    self[n] = '\0';
    /* Only the very file that is running: not a binary rebuilt since it
     * started, and not under valgrind, where the running image is
     * valgrind's tool (readlink shows the program, stat follows the real
     * link) and an exec would leave valgrind. */
    struct stat image, file;
    if (stat("/proc/self/exe", &image) != 0 || stat(self, &file) != 0 ||
        image.st_dev != file.st_dev || image.st_ino != file.st_ino)
        return;
    if (setenv("OMP_WAIT_POLICY", "passive", 1) != 0) return;
    execv(self, argv);
    unsetenv("OMP_WAIT_POLICY"); /* the exec failed: libgomp's default it is */
}

int main(int argc, char **argv)
{
    unblock_run_signals(); /* before the re-exec, which keeps the mask */
    default_passive_wait(argv);
    main_thread = pthread_self();
    switch (collect_args(argc, argv)) {
    case 0: return EXIT_USAGE;
    case -1: return EXIT_SUCCESS; /* --help */
    }
    lua_State *L = luaL_newstate();
    if (L == NULL) {
        l_message(PROGNAME, "cannot create the Lua state: not enough memory");
        return EXIT_FAILURE;
    }
    set_signal(SIGINT, on_signal);
    set_signal(SIGTERM, on_signal);
    set_signal(SIGHUP, on_signal); /* a closed terminal or ssh session: stop as on SIGTERM */
    gvL_redeliver_signal = on_signal;
    gvL_interrupt_raised = stop_delivered;
    /* A reader that went away (glassvm ... | head) makes a write to the pipe
     * fail with EPIPE, which the run outlives (its results go to files),
     * instead of ending the process unheard, without a checkpoint. */
    signal(SIGPIPE, SIG_IGN);
    /* A file-size limit (ulimit -f) makes a write fail with EFBIG, which the
     * writers report like a full disk, instead of ending the process unheard. */
    signal(SIGXFSZ, SIG_IGN);
    lua_pushcfunction(L, pmain);
    lua_pushinteger(L, argc);
    lua_pushlightuserdata(L, argv);
    if (report(L, lua_pcall(L, 2, 0, 0)) != LUA_OK) exit_code = EXIT_FAILURE;
    int sig = run_signal;
    /* Nothing left to interrupt cleanly: a signal during clean-up ends it. */
    set_signal(SIGINT, SIG_DFL);
    set_signal(SIGTERM, SIG_DFL);
    set_signal(SIGHUP, SIG_DFL);
    lua_close(L);
    /* Output lost on a full disk or closed pipe is an error too. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        l_message(PROGNAME, "error writing to standard output");
        if (exit_code == EXIT_SUCCESS) exit_code = EXIT_FAILURE;
    }
    if (chosen_exit >= 0 && exit_code == EXIT_FAILURE) {
        /* A run stopped by the signal (a checkpointed stop: 130/143) ends by
         * it too, so that a shell loop around glassvm stops on Ctrl-C; under
         * mpirun the ranks exit and mpirun reports their statuses. */
        if (sig && chosen_exit == 128 + sig && gv_mpi_size() <= 1) return die_by_signal(sig);
        return chosen_exit; /* as os.exit did */
    }
    if (sig && exit_code == EXIT_FAILURE) return die_by_signal(sig);
    if (exit_code > 128) return die_by_signal(exit_code - 128);
    return exit_code;
}
