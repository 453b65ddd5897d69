/* gv_core.h: status codes, error messages, interruption and threads.
 *
 * Every engine function that can fail returns a gv_status and, when it fails,
 * fills a gv_err with a message for people: what went wrong, where (file,
 * field, replica, step) and, when there is one, what to do.  The engine never
 * exits, never longjmps and never prints; bindings turn a gv_err into a Lua
 * error.  This header is pure C11: no Lua anywhere under src/gv_*. */
#ifndef GV_CORE_H
#define GV_CORE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define GV_VERSION "0.1.0"

typedef enum gv_status {
    GV_OK = 0,
    GV_EINVAL,  /* invalid argument or option value */
    GV_ENOMEM,  /* allocation failed */
    GV_EIO,     /* file could not be opened, read or written */
    GV_EFORMAT, /* file content is not what it claims to be */
    GV_EDIM,    /* dimensions disagree */
    GV_EINTR,   /* interrupted (Ctrl-C, SIGTERM) */
    GV_ENAN     /* non-finite number where a finite one is required */
} gv_status;

#define GV_ERR_MAX 512

typedef struct gv_err {
    gv_status status;
    char msg[GV_ERR_MAX];
} gv_err;

/* Record a failure in e (which may be NULL) and return status, so that a
 * failing path reads `return gv_fail(e, GV_EIO, "%s: ...", path);`. */
gv_status gv_fail(gv_err *e, gv_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix the message already in e with more context ("loading MNIST: "). */
gv_status gv_fail_prefix(gv_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* x for a message: a NaN loses its sign bit, so that printf shows "nan" and
 * not glibc's "-nan" (Lua's 0/0 is a NaN with the sign bit set on x86).
 * Any other value is returned unchanged.  Bindings apply it to numbers as
 * they arrive from Lua, so engine messages never show "-nan" either. */
double gv_plain_nan(double x);

/* Short name of a status: "EIO", "EFORMAT", ... */
const char *gv_status_name(gv_status status);

/* Interruption.  A signal handler calls gv_interrupt_by(sig) (or
 * gv_interrupt_request(), no signal named); long engine loops poll
 * gv_interrupt_pending() (cheap: one relaxed atomic load) at least every
 * ~0.1 s and return GV_EINTR.  gv_interrupt_signal() is the signal of the
 * pending interruption (0: none named).  The caller clears both once handled. */
void gv_interrupt_request(void);
void gv_interrupt_by(int sig);
int gv_interrupt_pending(void);
int gv_interrupt_signal(void);
void gv_interrupt_clear(void);

/* Threads used by engine parallel regions (OpenMP).  OpenBLAS is always called
 * single-threaded from inside them.  n <= 0 restores the default (number of
 * cores or OMP_NUM_THREADS). */
void gv_threads_set(int n);
int gv_threads(void);

/* Blocks SIGINT and SIGTERM, the signals that stop a run, in the calling
 * thread; the mask before goes to *old unless old is NULL. */
void gv_block_run_signals(sigset_t *old);

/* Called first in every engine parallel region, by every thread of the team
 * (so in the region itself, not only in a worksharing loop's body, which a
 * thread may get no iteration of; gv_transform's loop gives each at least
 * one): a worker thread (not the team's thread 0, the one that called the
 * engine) blocks SIGINT and SIGTERM the first time it gets here, so that the
 * process's signals reach the calling thread, whose handler stops the run,
 * and never a worker.  libgomp creates its workers from the calling thread
 * and they inherit its mask, and it creates new ones when a team shrinks and
 * grows again: hence a call in each region rather than once.  Costs a
 * thread-local test. */
void gv_worker_enter(void);

/* Checked size arithmetic: returns 0 and sets *out on success, -1 on overflow. */
int gv_mul_size(size_t a, size_t b, size_t *out);

#endif
