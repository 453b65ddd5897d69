/* main.h: what main.c (the glassvm command), main_run.c (running Lua code,
 * signals, errors) and main_repl.c (the REPL) share; private to them.
 * Calls go main.c -> main_repl.c -> main_run.c, and main.c -> main_run.c. */
#ifndef GV_MAIN_H
#define GV_MAIN_H

#include <lua.h>
#include <signal.h>

#define PROGNAME "glassvm"
#define HISTORY_NAME ".glassvm_history"
#define HISTORY_SIZE 1000

#include <pthread.h>

/* main_run.c: signals, running chunks, errors (main.c and main_repl.c call it) */
extern const char *progname;            /* in messages; NULL inside the REPL */
extern lua_State *volatile globalL;     /* the state the signal hook stops */
extern volatile sig_atomic_t run_signal;    /* signal that interrupted the run */
extern volatile sig_atomic_t prompt_signal; /* signal received while reading */
extern pthread_t main_thread;               /* the thread that owns the Lua state */
extern int chosen_exit; /* the status a script's glass.Error asked for (exit), or -1 */
void set_signal(int sig, void (*handler)(int));
void on_signal(int sig);
void stop_delivered(lua_State *L); /* gvL_interrupt_raised */
void unblock_run_signals(void); /* main's first call: undo block_run_signals */
int die_by_signal(int sig);   /* end as the signal would have */
void l_message(const char *pname, const char *msg);
int report(lua_State *L, int status);       /* print the error on top, if any */
int error_exit(lua_State *L);               /* the exit a glass.Error on top asks for, or -1 */
int docall(lua_State *L, int narg, int nres); /* pcall with handler and interrupts */
int dostring(lua_State *L, const char *s, const char *name);
void print_version(void);
/* glass.paths[which] ("lua", "protocols"), or NULL.  Pushes up to 3 values,
 * which keep the string alive: the caller restores its stack top. */
const char *glass_path(lua_State *L, const char *which);

/* main_repl.c: the REPL; 0 after a clean end of input, else an exit status. */
int do_repl(lua_State *L);

#endif
