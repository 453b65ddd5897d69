/* gv_core.c: errors, interruption flag, thread count. */
#include "gv_core.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

extern void openblas_set_num_threads(int);

gv_status gv_fail(gv_err *e, gv_status status, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
        e->status = status;
    }
    return status;
}

gv_status gv_fail_prefix(gv_err *e, const char *fmt, ...)
{
    if (!e) return GV_EINVAL;
    char pre[GV_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    if (n <= 0) return e->status;
    size_t np = (size_t)n < sizeof pre ? (size_t)n : sizeof pre - 1;
    if (np >= GV_ERR_MAX - 1) np = GV_ERR_MAX - 2;
    /* Shift the old message right (truncating its tail) and put the prefix in front. */
    e->msg[GV_ERR_MAX - 1] = '\0';
    size_t nold = strlen(e->msg);
    if (np + nold > GV_ERR_MAX - 1) nold = GV_ERR_MAX - 1 - np;
    memmove(e->msg + np, e->msg, nold);
    memcpy(e->msg, pre, np);
    e->msg[np + nold] = '\0';
    return e->status;
}

double gv_plain_nan(double x)
{
    return isnan(x) ? NAN : x; /* NAN: a quiet NaN with the sign bit clear */
}

const char *gv_status_name(gv_status s)
{
    switch (s) {
    case GV_OK: return "OK";
    case GV_EINVAL: return "EINVAL";
    case GV_ENOMEM: return "ENOMEM";
    case GV_EIO: return "EIO";
    case GV_EFORMAT: return "EFORMAT";
    case GV_EDIM: return "EDIM";
    case GV_EINTR: return "EINTR";
    case GV_ENAN: return "ENAN";
    }
    return "E?";
}

static atomic_int interrupt_flag, interrupt_sig;

void gv_interrupt_request(void) { atomic_store(&interrupt_flag, 1); }
void gv_interrupt_by(int sig)
{
    atomic_store(&interrupt_sig, sig);
    atomic_store(&interrupt_flag, 1);
}
int gv_interrupt_pending(void)
{
    return atomic_load_explicit(&interrupt_flag, memory_order_relaxed);
}
int gv_interrupt_signal(void) { return atomic_load(&interrupt_sig); }
void gv_interrupt_clear(void)
{
    atomic_store(&interrupt_flag, 0);
    atomic_store(&interrupt_sig, 0);
}

/* The default honours OMP_NUM_THREADS, else the number of cores. */
static int nthreads_default(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

static int nthreads = 0; /* 0: not chosen yet */

void gv_threads_set(int n)
{
    if (n <= 0) n = nthreads_default();
    nthreads = n;
    openblas_set_num_threads(1);
}

int gv_threads(void)
{
    if (nthreads == 0) gv_threads_set(0);
    return nthreads;
}

void gv_block_run_signals(sigset_t *old)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &s, old);
}

void gv_worker_enter(void)
{
#ifdef _OPENMP
    static _Thread_local int blocked;
    if (blocked || omp_get_thread_num() == 0) return;
    blocked = 1;
    gv_block_run_signals(NULL);
#endif
}

int gv_mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a) return -1;
    *out = a * b;
    return 0;
}
