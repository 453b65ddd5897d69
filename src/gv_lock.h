/* gv_lock.h: an exclusive lock on a file, held until released or until the
 * process ends.
 *
 * A protocol run locks DIR/.glassvm.lock in its output directory for its whole
 * life, so that two runs never write into one directory.  The lock is
 * flock(2)'s: the kernel drops it when the process dies (kill -9 included),
 * so a crash leaves no stale lock to clean up.  The holder writes its PID and
 * host name into the file, so that a refused run can say who holds it.
 * flock belongs to the open file description (not to the process, as fcntl
 * locks do), so closing another descriptor of the same file never drops it,
 * and a second lock through a new descriptor in the same process is refused
 * like any other. */
#ifndef GV_LOCK_H
#define GV_LOCK_H

#include "gv_core.h"

enum {
    GV_LOCK_TAKEN = 0,       /* the lock is ours: fd holds it */
    GV_LOCK_BUSY = 1,        /* another open file description holds it: see holder */
    GV_LOCK_UNSUPPORTED = 2  /* the file system has no locks (ENOLCK, EOPNOTSUPP, ENOSYS) */
};

typedef struct gv_lock_info {
    int outcome;      /* GV_LOCK_* */
    int fd;           /* TAKEN: the descriptor that holds the lock; else -1 */
    int err;          /* errno of a failure (GV_EIO) or of UNSUPPORTED; else 0 */
    char holder[128]; /* BUSY: the holder's "PID HOST" text ("" if not written yet) */
} gv_lock_info;

/* Open (creating it, mode 0644, close-on-exec) and try to lock path without
 * waiting.  GV_OK and out->outcome tell what happened; GV_EIO (with out->err
 * and a message naming path) when the file cannot be created or opened.  When
 * TAKEN, the file then holds "PID HOST\n". */
gv_status gv_lock_take(const char *path, gv_lock_info *out, gv_err *e);

/* Release a lock taken by gv_lock_take (closes fd; fd < 0 is a no-op). */
void gv_lock_release(int fd);

#endif
