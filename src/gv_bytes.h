/* gv_bytes.h: the byte layer every glassvm file format shares: little-endian
 * write and read buffers, CRC-32, atomic file writes, opening a regular file
 * (never waiting on a FIFO), whole-file reads.  It sits at the bottom:
 * ensemble files (gv_ensemble.c), observer states (gv_obs_state.c),
 * checkpoints (gv_ckpt.c), datasets (gv_data.c) and tables (gv_table.c) use
 * it; it calls none of them. */
#ifndef GV_BYTES_H
#define GV_BYTES_H

#include <stddef.h>
#include <stdint.h>

#include "gv_core.h"

/* ---- little-endian write buffer ------------------------------------------ */

/* A growing byte buffer.  Appends never fail visibly: on allocation failure
 * `oom` is set and later appends do nothing; check it once at the end. */
typedef struct gv_wbuf {
    unsigned char *p;
    size_t len, cap;
    int oom;
} gv_wbuf;

void gv_wbuf_free(gv_wbuf *b);
/* Make room for n more bytes (returns 0 and sets oom on failure). */
int gv_wbuf_reserve(gv_wbuf *b, size_t n);
void gv_wbuf_bytes(gv_wbuf *b, const void *data, size_t n);
void gv_wbuf_u8(gv_wbuf *b, uint8_t v);
void gv_wbuf_u32(gv_wbuf *b, uint32_t v);
void gv_wbuf_u64(gv_wbuf *b, uint64_t v);
void gv_wbuf_f64(gv_wbuf *b, double v);           /* the exact bits, NaN payloads included */
void gv_wbuf_f64s(gv_wbuf *b, const double *x, size_t n);
void gv_wbuf_u64s(gv_wbuf *b, const uint64_t *x, size_t n);

/* ---- little-endian reader ------------------------------------------------- */

/* Reads past the end return zeros and set `bad`, so a parser may read a
 * record and test `bad` once; lengths that decide an allocation must be
 * checked with gv_rbuf_left first. */
typedef struct gv_rbuf {
    const unsigned char *p;
    size_t len, pos;
    int bad;
} gv_rbuf;

gv_rbuf gv_rbuf_init(const void *p, size_t len);
size_t gv_rbuf_left(const gv_rbuf *r);
const unsigned char *gv_rbuf_bytes(gv_rbuf *r, size_t n); /* NULL (and bad) if short */
uint8_t gv_rbuf_u8(gv_rbuf *r);
uint32_t gv_rbuf_u32(gv_rbuf *r);
uint64_t gv_rbuf_u64(gv_rbuf *r);
double gv_rbuf_f64(gv_rbuf *r);
void gv_rbuf_f64s(gv_rbuf *r, double *x, size_t n);
void gv_rbuf_u64s(gv_rbuf *r, uint64_t *x, size_t n);

/* ---- files ---------------------------------------------------------------- */

/* zlib's CRC-32 of n bytes (any n: fed to zlib in chunks). */
uint32_t gv_crc32(uint32_t crc, const void *p, size_t n);

/* Write the concatenation of nparts byte ranges to path atomically: into
 * "<path>.tmp", flushed and fsync'd, then renamed over path (and the
 * directory fsync'd).  On any failure path is untouched and the temporary
 * removed.  keep_previous: an existing path is first hard-linked as
 * "<path>.prev" (replacing an older one), so the last two generations stay. */
gv_status gv_write_atomic(const char *path, const void *const *parts, const size_t *sizes,
                               size_t nparts, int keep_previous, gv_err *e);
/* Open path for reading (close-on-exec) and return the descriptor, or -1
 * with an EIO failure in e: "PATH: cannot open (...)", or, for anything but
 * a regular file, "PATH: is a FIFO (named pipe), not a regular file ...".
 * A FIFO is opened without waiting for a writer, so this never blocks. */
int gv_open_regular(const char *path, gv_err *e);
/* The whole file in a new buffer (free() it); files over max bytes are
 * refused before anything is allocated.  A FIFO or a directory is refused
 * (gv_open_regular), never waited on. */
gv_status gv_read_whole(const char *path, size_t max, unsigned char **buf, size_t *len,
                             gv_err *e);

/* Little-endian integers at p. */
static inline void gv_put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static inline void gv_put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static inline uint32_t gv_get32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v |= (uint32_t)p[i] << (8 * i);
    return v;
}
static inline uint64_t gv_get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* path followed by suffix, in a new string (free() it); NULL if out of memory. */
char *gv_path_with(const char *path, const char *suffix);

#endif
