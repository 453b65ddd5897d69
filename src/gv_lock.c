/* gv_lock.c: exclusive file locks through flock(2) (gv_lock.h). */
#define _DEFAULT_SOURCE /* flock, gethostname */

#include "gv_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* Read the holder's text (at most n - 1 bytes, first line only). */
static void read_holder(int fd, char *buf, size_t n)
{
    ssize_t got = pread(fd, buf, n - 1, 0);
    if (got < 0) got = 0;
    buf[got] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    /* Printable bytes only: the text goes into a message. */
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) *p = '?';
}

gv_status gv_lock_take(const char *path, gv_lock_info *out, gv_err *e)
{
    memset(out, 0, sizeof *out);
    out->fd = -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        out->err = errno;
        return gv_fail(e, GV_EIO, "%s: cannot create the lock file (%s)", path, strerror(errno));
    }
    int rc;
    do rc = flock(fd, LOCK_EX | LOCK_NB);
    while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        int err = errno;
        if (err == EWOULDBLOCK) {
            out->outcome = GV_LOCK_BUSY;
            read_holder(fd, out->holder, sizeof out->holder);
            close(fd);
            return GV_OK;
        }
        close(fd);
        out->err = err;
        if (err == ENOLCK || err == EOPNOTSUPP || err == ENOSYS) {
            out->outcome = GV_LOCK_UNSUPPORTED;
            return GV_OK;
        }
        return gv_fail(e, GV_EIO, "%s: cannot lock (%s)", path, strerror(err));
    }
    /* Ours: say who holds it (best effort: the lock works without the text). */
    char host[64] = "";
    if (gethostname(host, sizeof host) != 0) host[0] = '\0';
    host[sizeof host - 1] = '\0';
    char text[96];
    int len = snprintf(text, sizeof text, "%ld %s\n", (long)getpid(), host[0] ? host : "?");
    if (ftruncate(fd, 0) == 0 && len > 0) {
        ssize_t w = pwrite(fd, text, (size_t)len, 0);
        (void)w;
    }
    out->outcome = GV_LOCK_TAKEN;
    out->fd = fd;
    return GV_OK;
}

void gv_lock_release(int fd)
{
    if (fd >= 0) close(fd); /* closing the last descriptor of the description drops the lock */
}
