/* gv_bytes.c: byte buffers, CRC-32, atomic file writes, opening regular
 * files, whole-file reads (gv_bytes.h). */
#define _POSIX_C_SOURCE 200809L /* fsync, fileno, link, open */

#include "gv_bytes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

/* ---- write buffer --------------------------------------------------------- */

void gv_wbuf_free(gv_wbuf *b)
{
    if (!b) return;
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

int gv_wbuf_reserve(gv_wbuf *b, size_t n)
{
    if (b->oom) return 0;
    if (n <= b->cap - b->len) return 1;
    if (n > SIZE_MAX / 2 - b->len) {
        b->oom = 1;
        return 0;
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < n) cap *= 2;
    unsigned char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return 0;
    }
    b->p = p;
    b->cap = cap;
    return 1;
}

void gv_wbuf_bytes(gv_wbuf *b, const void *data, size_t n)
{
    if (n == 0 || !gv_wbuf_reserve(b, n)) return;
    memcpy(b->p + b->len, data, n);
    b->len += n;
}


/* Little-endian hosts copy arrays as they are; others convert per value. */
static int host_is_le(void)
{
    const uint16_t one = 1;
    unsigned char c;
    memcpy(&c, &one, 1);
    return c == 1;
}

void gv_wbuf_u8(gv_wbuf *b, uint8_t v) { gv_wbuf_bytes(b, &v, 1); }

void gv_wbuf_u32(gv_wbuf *b, uint32_t v)
{
    unsigned char c[4];
    gv_put32(c, v);
    gv_wbuf_bytes(b, c, 4);
}

void gv_wbuf_u64(gv_wbuf *b, uint64_t v)
{
    unsigned char c[8];
    gv_put64(c, v);
    gv_wbuf_bytes(b, c, 8);
}

void gv_wbuf_f64(gv_wbuf *b, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, 8);
    gv_wbuf_u64(b, bits);
}

/* n 8-byte words (uint64 or double: they share size and, on every
 * supported host, byte order), little-endian. */
static void put_words(gv_wbuf *b, const void *x, size_t n)
{
    if (n > SIZE_MAX / 8) {
        b->oom = 1;
        return;
    }
    if (!gv_wbuf_reserve(b, 8 * n)) return;
    if (host_is_le()) memcpy(b->p + b->len, x, 8 * n);
    else
        for (size_t i = 0; i < n; i++) {
            uint64_t w;
            memcpy(&w, (const unsigned char *)x + 8 * i, 8);
            gv_put64(b->p + b->len + 8 * i, w);
        }
    b->len += 8 * n;
}

void gv_wbuf_u64s(gv_wbuf *b, const uint64_t *x, size_t n) { put_words(b, x, n); }
void gv_wbuf_f64s(gv_wbuf *b, const double *x, size_t n) { put_words(b, x, n); }

/* ---- reader --------------------------------------------------------------- */

gv_rbuf gv_rbuf_init(const void *p, size_t len)
{
    gv_rbuf r = {p, len, 0, 0};
    return r;
}

size_t gv_rbuf_left(const gv_rbuf *r) { return r->bad ? 0 : r->len - r->pos; }

const unsigned char *gv_rbuf_bytes(gv_rbuf *r, size_t n)
{
    if (r->bad || n > r->len - r->pos) {
        r->bad = 1;
        return NULL;
    }
    const unsigned char *p = r->p + r->pos;
    r->pos += n;
    return p;
}

uint8_t gv_rbuf_u8(gv_rbuf *r)
{
    const unsigned char *p = gv_rbuf_bytes(r, 1);
    return p ? p[0] : 0;
}

uint32_t gv_rbuf_u32(gv_rbuf *r)
{
    const unsigned char *p = gv_rbuf_bytes(r, 4);
    return p ? gv_get32(p) : 0;
}

uint64_t gv_rbuf_u64(gv_rbuf *r)
{
    const unsigned char *p = gv_rbuf_bytes(r, 8);
    return p ? gv_get64(p) : 0;
}

double gv_rbuf_f64(gv_rbuf *r)
{
    uint64_t bits = gv_rbuf_u64(r);
    double v;
    memcpy(&v, &bits, 8);
    return v;
}

/* The reverse of put_words. */
static void get_words(gv_rbuf *r, void *x, size_t n)
{
    const unsigned char *p = n <= SIZE_MAX / 8 ? gv_rbuf_bytes(r, 8 * n) : NULL;
    if (!p) {
        r->bad = 1;
        return;
    }
    if (host_is_le()) memcpy(x, p, 8 * n);
    else
        for (size_t i = 0; i < n; i++) {
            uint64_t w = gv_get64(p + 8 * i);
            memcpy((unsigned char *)x + 8 * i, &w, 8);
        }
}

void gv_rbuf_f64s(gv_rbuf *r, double *x, size_t n) { get_words(r, x, n); }
void gv_rbuf_u64s(gv_rbuf *r, uint64_t *x, size_t n) { get_words(r, x, n); }

/* ---- files ---------------------------------------------------------------- */

uint32_t gv_crc32(uint32_t crc, const void *p, size_t n)
{
    const unsigned char *b = p;
    uLong c = crc;
    while (n > 0) { /* zlib takes uInt lengths */
        uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
        c = crc32(c, b, k);
        b += k;
        n -= k;
    }
    return (uint32_t)c;
}

char *gv_path_with(const char *path, const char *suffix)
{
    size_t a = strlen(path), b = strlen(suffix);
    char *s = malloc(a + b + 1);
    if (s) {
        memcpy(s, path, a);
        memcpy(s + a, suffix, b + 1);
    }
    return s;
}

/* fsync the directory holding path, so that a rename survives a crash.
 * Best effort: some file systems refuse to sync a directory. */
static void sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = NULL;
    if (!slash) dir = gv_path_with(".", "");
    else if (slash == path) dir = gv_path_with("/", "");
    else {
        dir = malloc((size_t)(slash - path) + 1);
        if (dir) {
            memcpy(dir, path, (size_t)(slash - path));
            dir[slash - path] = '\0';
        }
    }
    if (!dir) return;
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

gv_status gv_write_atomic(const char *path, const void *const *parts, const size_t *sizes,
                               size_t nparts, int keep_previous, gv_err *e)
{
    if (!*path) return gv_fail(e, GV_EINVAL, "the file name is empty; give a path to write");
    char *tmp = gv_path_with(path, ".tmp"), *prev = gv_path_with(path, ".prev");
    gv_status s = GV_OK;
    if (!tmp || !prev) {
        s = gv_fail(e, GV_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        s = gv_fail(e, GV_EIO, "%s: cannot create the temporary file %s (%s); the previous "
                               "file, if any, is unchanged", path, tmp, strerror(errno));
        goto done;
    }
    int ok = 1, err = 0;
    for (size_t i = 0; i < nparts && ok; i++)
        if (sizes[i] && fwrite(parts[i], 1, sizes[i], f) != sizes[i]) ok = 0, err = errno;
    if (ok && fflush(f) != 0) ok = 0, err = errno;
    if (ok && fsync(fileno(f)) != 0) ok = 0, err = errno;
    if (fclose(f) != 0 && ok) ok = 0, err = errno;
    if (!ok) {
        remove(tmp);
        s = gv_fail(e, GV_EIO, "%s: cannot write (%s); the previous file, if any, is unchanged",
                    path, strerror(err ? err : EIO));
        goto done;
    }
    /* The new file is complete on disk: only now touch the old one. */
    if (keep_previous && access(path, F_OK) == 0) {
        /* Best effort: where .prev cannot be replaced (or the file system
         * has no hard links) there is no .prev, and nothing else is lost. */
        (void)remove(prev);
        (void)link(path, prev);
    }
    if (rename(tmp, path) != 0) {
        s = gv_fail(e, GV_EIO, "%s: cannot rename %s into place (%s); the previous file, if any, "
                               "is unchanged", path, tmp, strerror(errno));
        remove(tmp);
        goto done;
    }
    sync_dir(path);
done:
    free(tmp);
    free(prev);
    return s;
}

static const char *file_kind(mode_t m)
{
    if (S_ISFIFO(m)) return "a FIFO (named pipe)";
    if (S_ISDIR(m)) return "a directory";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISSOCK(m)) return "a socket";
    return "not a regular file";
}

int gv_open_regular(const char *path, gv_err *e)
{
    /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        gv_fail(e, GV_EIO, "%s: cannot open (%s)", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        gv_fail(e, GV_EIO, "%s: cannot open (%s)", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        gv_fail(e, GV_EIO, "%s: is %s, not a regular file; glassvm reads data from files", path,
                file_kind(st.st_mode));
        close(fd);
        return -1;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    return fd;
}

gv_status gv_read_whole(const char *path, size_t max, unsigned char **buf, size_t *len,
                             gv_err *e)
{
    *buf = NULL;
    *len = 0;
    int fd = gv_open_regular(path, e); /* a FIFO is refused, never waited on */
    if (fd < 0) return e ? e->status : GV_EIO;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        gv_status s = gv_fail(e, GV_EIO, "%s: cannot open (%s)", path, strerror(errno));
        close(fd);
        return s;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        fclose(f);
        return gv_fail(e, GV_EIO, "%s: cannot open (%s)", path, strerror(errno));
    }
    if ((uint64_t)st.st_size > (uint64_t)max) {
        fclose(f);
        return gv_fail(e, GV_EFORMAT, "%s: %lld bytes is more than the %zu this reader accepts",
                       path, (long long)st.st_size, max);
    }
    size_t n = (size_t)st.st_size;
    unsigned char *b = malloc(n ? n : 1);
    if (!b) {
        fclose(f);
        return gv_fail(e, GV_ENOMEM, "%s: cannot allocate %zu bytes to read it", path, n);
    }
    size_t got = fread(b, 1, n, f);
    int more = fgetc(f) != EOF; /* grew while we read */
    int bad = ferror(f);
    fclose(f);
    if (got != n || more || bad) {
        free(b);
        return gv_fail(e, GV_EIO, "%s: read error (expected %zu bytes, got %zu%s)", path, n, got,
                       more ? " and more" : "");
    }
    *buf = b;
    *len = n;
    return GV_OK;
}
