/* main_run.c: how the glassvm command runs Lua code: the one signal handler
 * (with its hook that stops Lua code), protected calls with a traceback,
 * error messages and the exit status a script's error asks for (main.h). */
#define _XOPEN_SOURCE 700 /* sigaction */
#include <cblas.h> /* openblas_get_config, openblas_get_corename */
#include <ctype.h>
#include <errno.h>
#include <lauxlib.h>
#include <lua.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gv_core.h"
#include "lgv.h"
#include "main.h"

/* Program name in error messages; NULL inside the REPL, where lua.c too
 * prints bare "stdin:1: ..." messages. */
const char *progname = PROGNAME;

/* ---------------------------------------------------------------------------
 * Signals.  While Lua code runs (`running`), SIGINT and SIGTERM set the
 * engine's interrupt flag, which C loops poll, and a count hook that raises
 * "interrupted" at the next Lua instruction (as lua.c's laction).  A second
 * signal before the first was handled means the program is stuck somewhere
 * that polls neither: the default action then ends it.  While waiting for
 * input, a signal only makes the read return (no SA_RESTART), so the REPL
 * can give a fresh prompt.
 * ------------------------------------------------------------------------- */

lua_State *volatile globalL;
static volatile sig_atomic_t running;       /* inside docall */
volatile sig_atomic_t run_signal;    /* signal that interrupted the run */
volatile sig_atomic_t prompt_signal; /* signal received while reading */
pthread_t main_thread;

/* Only the main thread takes SIGINT and SIGTERM.  Threads inherit the mask
 * of the thread that creates them; OpenBLAS starts its thread pool in its
 * library constructor, before main, so the signals are blocked before any
 * constructor runs (an executable's preinit functions run before the
 * shared libraries' initialisers) and main unblocks them in its own thread
 * first thing; libgomp's workers block them themselves (gv_worker_enter).
 * A process-directed signal then goes to the main thread, or waits for it
 * while it blocks them a moment (posix_spawn in system() and io.popen, the
 * end of a deferral), instead of landing on a worker that would have to
 * hand it on, late under load. */
static sigset_t startup_mask; /* the mask the program was started with */

static void block_run_signals(int argc, char **argv, char **envp)
{
    (void)argc, (void)argv, (void)envp;
    gv_block_run_signals(&startup_mask);
}
__attribute__((section(".preinit_array"), used)) static void (*const preinit_block)(
    int, char **, char **) = block_run_signals;

void unblock_run_signals(void)
{
    pthread_sigmask(SIG_SETMASK, &startup_mask, NULL);
}

void set_signal(int sig, void (*handler)(int))
{
    struct sigaction sa;
    sa.sa_handler = handler;
    sa.sa_flags = 0; /* no SA_RESTART: a blocked read returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

/* Count hook set by the signal handler: stop the Lua code. */
static void lstop(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    luaL_where(L, 0); /* level 0: the interrupted function, so "file:line: " */
    if (run_signal == SIGTERM || run_signal == SIGHUP)
        lua_pushfstring(L, "interrupted (%s)", gvL_signal_name(run_signal));
    else
        lua_pushliteral(L, "interrupted");
    lua_concat(L, 2);
    gvL_push_error(L, "EINTR", lua_tostring(L, -1), run_signal);
    lua_error(L);
}

/* gvL_interrupt_raised: an engine call raised the signal as its error.  The
 * handler set the hook on the main thread (globalL), also when the call ran
 * in a coroutine (L), whose error a pcall there may catch: clear it there. */
void stop_delivered(lua_State *L)
{
    (void)L;
    if (globalL && lua_gethook(globalL) == lstop) lua_sethook(globalL, NULL, 0, 0);
}

/* A second signal before the first was acted on ends the process at once:
 * say so first (write(2) is safe in a handler), since nothing else will. */
static void give_up(int sig)
{
    static const char msg[] = "\nglassvm: a second signal before the first was acted on: "
                              "ending now, without a checkpoint\n";
    ssize_t n = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)n;
    set_signal(sig, SIG_DFL);
    raise(sig);
}

void on_signal(int sig)
{
    int saved_errno = errno;
    /* Under MPI with several ranks (glass.mpi sets the flag and SA_RESTART):
     * only the engine's flag, which glass.mpi.run polls collectively; a
     * second signal ends the process. */
    if (gvL_signals_flag_only) {
        static volatile sig_atomic_t flagged;
        if (flagged++) give_up(sig);
        gv_interrupt_by(sig); /* atomic stores: safe from any thread */
        errno = saved_errno;
        return;
    }
    /* A thread that does not block it (one started by a library after main
     * began, other than libgomp's workers) may receive it; the Lua state
     * belongs to the main thread, so hand it over. */
    if (!pthread_equal(pthread_self(), main_thread)) {
        pthread_kill(main_thread, sig);
        errno = saved_errno;
        return;
    }
    if (running && gvL_signals_deferred) { /* glass.core.defer_signals: hold it */
        if (gvL_deferred_signal) give_up(sig); /* a second one: the user insists */
        gvL_deferred_signal = sig;
        errno = saved_errno;
        return;
    }
    if (running) {
        if (run_signal) give_up(sig); /* the first one was not heard */
        run_signal = sig;
        gv_interrupt_by(sig);
        /* Only LUA_MASKCOUNT: a call hook would also fire inside the message
         * handler and turn the error into "error in error handling". */
        lua_sethook(globalL, lstop, LUA_MASKCOUNT, 1);
    } else
        prompt_signal = sig;
    errno = saved_errno;
}

/* Exit as the signal would have, so that a calling shell sees it (a loop in
 * a shell script stops on Ctrl-C). */
int die_by_signal(int sig)
{
    fflush(NULL);
    set_signal(sig, SIG_DFL);
    raise(sig);
    return 128 + sig; /* if the signal is blocked or ignored */
}

/* ---------------------------------------------------------------------------
 * Running chunks and reporting errors (as lua.c).
 * ------------------------------------------------------------------------- */

void l_message(const char *pname, const char *msg)
{
    fflush(stdout); /* keep the order of output and error on one terminal */
    if (pname) fprintf(stderr, "%s: ", pname);
    fprintf(stderr, "%s\n", msg);
    fflush(stderr);
}

/* A glass.Error's message for people without a leading position in the
 * library (glass.paths.lua): a binding names the Lua line that called it,
 * and when that line is the library's (glass.drive running an ensemble,
 * the data loader) it says nothing to whoever ran the protocol.  Pushes
 * onto the stack (report resets it). */
static const char *without_library_position(lua_State *L, const char *msg)
{
    const char *lib = glass_path(L, "lua");
    size_t n = lib ? strlen(lib) : 0;
    const char *p = strstr(msg, ".lua:"), *nl = strchr(msg, '\n');
    if (!n || !p || (nl && nl < p)) return msg;
    if (strncmp(msg, lib, n) == 0 && msg[n] == '/') {
        /* lib/glass/x.lua:N: */
    } else if (strncmp(msg, "...", 3) == 0) {
        /* Lua shortens a long file name to "..." and its tail: the part before
         * "/glass/" must then end lib. */
        const char *g = NULL;
        for (const char *q = strstr(msg, "/glass/"); q && q < p; q = strstr(q + 1, "/glass/")) g = q;
        size_t k = g ? (size_t)(g - msg - 3) : 0;
        if (!k || k > n || strncmp(msg + 3, lib + n - k, k) != 0) return msg;
    } else
        return msg;
    p += strlen(".lua:");
    if (!isdigit((unsigned char)*p)) return msg;
    while (isdigit((unsigned char)*p)) p++;
    return p[0] == ':' && p[1] == ' ' ? p + 2 : msg;
}

/* Print the error message on top of the stack, if status is an error.  A
 * glass.Error prints its traceback (kept by msghandler), or nothing when it
 * was already told (printed = true), without a library position in front. */
int report(lua_State *L, int status)
{
    if (status != LUA_OK) {
        int top = lua_gettop(L);
        const char *msg = lua_tostring(L, -1);
        if (gvL_error_status(L, -1)) {
            lua_getfield(L, -1, "printed");
            int printed = lua_toboolean(L, -1);
            lua_pop(L, 1);
            if (lua_getfield(L, -1, "traceback") != LUA_TSTRING) lua_pop(L, 1);
            msg = printed ? NULL : without_library_position(L, luaL_tolstring(L, -1, NULL));
        } else if (msg == NULL)
            msg = "(error object is not a string)";
        if (msg) l_message(progname, msg);
        lua_settop(L, top - 1);
    }
    return status;
}

/* The exit status a failed chunk's glass.Error asks for (its `exit`), or -1. */
int error_exit(lua_State *L)
{
    if (!gvL_error_status(L, -1)) return -1;
    lua_getfield(L, -1, "exit");
    int isnum;
    lua_Integer code = lua_tointegerx(L, -1, &isnum);
    lua_pop(L, 1);
    return isnum && code >= 0 && code <= 255 ? (int)code : -1;
}

const char *glass_path(lua_State *L, const char *which)
{
    if (lua_getglobal(L, "glass") == LUA_TTABLE && lua_getfield(L, -1, "paths") == LUA_TTABLE &&
        lua_getfield(L, -1, which) == LUA_TSTRING)
        return lua_tostring(L, -1);
    return NULL;
}

/* How many frames, from level 1, a traceback may leave out: the library's
 * (glass.paths.lua, by their full source, which a traceback shortens) that
 * raised an error naming the line of the first frame outside it ("file:line:"
 * at the start of msg: a wrong argument, error(..., 2)), with the call of
 * error() itself.  0 for anything else: an error raised inside the library,
 * or with no position, keeps every frame.  *nlib_frames: the library's. */
static int library_frames(lua_State *L, const char *msg, const char *lib, int *nlib_frames)
{
    size_t nlib = strlen(lib);
    lua_Debug ar;
    int level = 1, n = 0;
    for (; lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "S", &ar);
        if (level == 1 && strcmp(ar.what, "C") == 0) continue; /* error() */
        if (!(ar.source[0] == '@' && strncmp(ar.source + 1, lib, nlib) == 0 &&
              ar.source[1 + nlib] == '/'))
            break;
        n++;
    }
    if (n == 0 || !lua_getstack(L, level, &ar) || !lua_getinfo(L, "Sl", &ar) ||
        ar.currentline <= 0)
        return 0;
    char pos[LUA_IDSIZE + 32];
    snprintf(pos, sizeof pos, "%s:%d:", ar.short_src, ar.currentline);
    if (strncmp(msg, pos, strlen(pos)) != 0) return 0;
    *nlib_frames = n;
    return level - 1;
}

/* The traceback on the stack top without the library's frames above a
 * caller that its message names (library_frames), and one line saying how
 * many were left out. */
static void trim_traceback(lua_State *L, const char *msg)
{
    int top = lua_gettop(L), nlib = 0, drop = 0;
    const char *lib = msg ? glass_path(L, "lua") : NULL;
    if (lib) drop = library_frames(L, msg, lib, &nlib);
    const char *tb = lua_tostring(L, top);
    const char *frames = strstr(tb, "\nstack traceback:\n");
    /* luaL_traceback shows the first 10 levels one per line */
    if (drop == 0 || drop > 10 || !frames) {
        lua_settop(L, top);
        return;
    }
    frames += strlen("\nstack traceback:\n");
    const char *rest = frames;
    for (int i = 0; i < drop && rest; i++) {
        rest = strchr(rest, '\n');
        if (rest) rest++;
    }
    if (!rest) {
        lua_settop(L, top);
        return;
    }
    lua_pushfstring(L, "%s\t(%d frame%s in glassvm's library %s left out)\n%s",
                    lua_pushlstring(L, tb, (size_t)(frames - tb)), nlib, nlib == 1 ? "" : "s",
                    lib, rest);
    lua_replace(L, top);
    lua_settop(L, top);
}

/* Lua's "attempt to call a nil value (field 'x')" (method, global) with the
 * library's nearest names appended (glass.params.name_hint), in place of the
 * message at index 1.  Any failure leaves the message as it was. */
static const char *with_name_hint(lua_State *L, const char *msg)
{
    if (strstr(msg, "a nil value (") == NULL) return msg;
    int top = lua_gettop(L);
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_getfield(L, -1, "glass.params") == LUA_TTABLE
        && lua_getfield(L, -1, "name_hint") == LUA_TFUNCTION) {
        lua_pushvalue(L, 1);
        if (lua_pcall(L, 1, 1, 0) == LUA_OK && lua_type(L, -1) == LUA_TSTRING) {
            lua_pushvalue(L, 1);
            lua_insert(L, -2);
            lua_concat(L, 2);
            lua_replace(L, 1);
        }
    }
    lua_settop(L, top);
    return lua_tostring(L, 1);
}

/* Message handler of every chunk: the message plus a traceback.  A
 * glass.Error stays itself: one raised by the engine or a binding (field
 * `trace`) keeps the traceback in its field `traceback`; one built in Lua
 * (glass.error: a message for people) has none, as any error object. */
static int msghandler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (gvL_error_status(L, 1)) {
        if (lua_getfield(L, 1, "trace") != LUA_TNIL && lua_toboolean(L, -1)) {
            luaL_traceback(L, L, luaL_tolstring(L, 1, NULL), 1);
            lua_setfield(L, 1, "traceback");
        }
        lua_settop(L, 1);
        return 1;
    }
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    } else {
        msg = with_name_hint(L, msg);
    }
    luaL_traceback(L, L, msg, 1);
    trim_traceback(L, msg);
    return 1;
}

/* lua_pcall with the message handler and interruption armed.  run_signal is
 * left for the caller, which decides what an interruption means. */
int docall(lua_State *L, int narg, int nres)
{
    int base = lua_gettop(L) - narg;
    lua_pushcfunction(L, msghandler);
    lua_insert(L, base);
    globalL = L;
    running = 1;
    int status = lua_pcall(L, narg, nres, base);
    running = 0;
    /* A signal whose error a pcall on the way made a message of its own (a
     * library's that wraps messages, a script's) ends the chunk as the
     * interruption it was: the run is "interrupted", not "failed".  (Not an
     * end already decided, a glass.Error with `exit`: a STOP file's.) */
    if (status != LUA_OK && error_exit(L) < 0 && gvL_interruption(L, -1)) lua_replace(L, -2);
    /* A deferral the chunk left open (it failed inside one) ends with it. */
    gvL_end_deferral();
    /* A signal whose hook never fired (the engine stopped first) must not
     * interrupt the next command. */
    if (lua_gethook(L) == lstop) lua_sethook(L, NULL, 0, 0);
    gv_interrupt_clear();
    lua_remove(L, base);
    return status;
}

/* The status a script or -e chunk chose by raising a glass.Error with
 * `exit` (a run stopped on a signal or a STOP file, --help, a refused
 * option): the command ends with it as it is.  -1: none chosen. */
int chosen_exit = -1;

static int dochunk(lua_State *L, int status)
{
    if (status == LUA_OK) status = docall(L, 0, 0);
    if (status != LUA_OK) chosen_exit = error_exit(L);
    return report(L, status);
}

int dostring(lua_State *L, const char *s, const char *name)
{
    return dochunk(L, luaL_loadbuffer(L, s, strlen(s), name));
}

void print_version(void)
{
    const char *blas = openblas_get_config();
    printf("%s %s, %s, %s%s\n", PROGNAME, GV_VERSION, LUA_RELEASE,
           strncmp(blas, "OpenBLAS", 8) == 0 ? "" : "OpenBLAS ", blas);
    fflush(stdout);
}
