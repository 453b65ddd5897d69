/* fuzz_common.h: shared plumbing for the libFuzzer targets in tests/fuzz.
 *
 * The loaders take paths, so each input is written to an in-memory file
 * (memfd_create) that is reused across runs and reached through
 * /proc/self/fd/N: no disk I/O, and open()/fopen()/stat() see a regular file
 * exactly as they would a real one.  Helpers here also gzip an input (to
 * drive the compressed code paths with mutations of the decompressed bytes)
 * and check the engine's error contract: a failing call fills gv_err with a
 * non-empty message and a non-OK status. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "gv_core.h"

typedef struct fz_file {
    int fd;
    char path[64];
} fz_file;

/* One memfd per slot, created on first use and kept for the process. */
static inline fz_file *fz_slot(int i)
{
    static fz_file slots[4];
    fz_file *f = &slots[i];
    if (f->path[0] == '\0') {
        f->fd = memfd_create("glassvm-fuzz", 0);
        if (f->fd < 0) { perror("memfd_create"); abort(); }
        snprintf(f->path, sizeof f->path, "/proc/self/fd/%d", f->fd);
    }
    return f;
}

/* Replace slot i's content with data[0..n) and return its path. */
static inline const char *fz_write(int i, const void *data, size_t n)
{
    fz_file *f = fz_slot(i);
    if (ftruncate(f->fd, 0) != 0) { perror("ftruncate"); abort(); }
    const unsigned char *p = data;
    size_t done = 0;
    while (done < n) {
        ssize_t w = pwrite(f->fd, p + done, n - done, (off_t)done);
        if (w <= 0) { perror("pwrite"); abort(); }
        done += (size_t)w;
    }
    return f->path;
}

/* gzip data[0..n) (a real gzip member, as gzip(1) writes) into a malloc'ed
 * buffer; *out_n receives its length. */
static inline unsigned char *fz_gzip(const uint8_t *data, size_t n, size_t *out_n)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) abort();
    uLong cap = deflateBound(&z, (uLong)n) + 32;
    unsigned char *buf = malloc(cap);
    if (!buf) abort();
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)n;
    z.next_out = buf;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) abort();
    *out_n = z.total_out;
    deflateEnd(&z);
    return buf;
}

/* The error contract: a failure carries a status and a message.  A breach
 * is a bug worth a crash report, so abort (libFuzzer saves the input). */
static inline void fz_check_err(gv_status s, const gv_err *e, const char *what)
{
    if (s == GV_OK) return;
    if (e->status == GV_OK || e->msg[0] == '\0') {
        fprintf(stderr, "%s failed with status %d but left no message\n", what, (int)s);
        abort();
    }
    if (memchr(e->msg, '\0', sizeof e->msg) == NULL) {
        fprintf(stderr, "%s: unterminated error message\n", what);
        abort();
    }
}

#endif
