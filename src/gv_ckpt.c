/* gv_ckpt.c: byte buffers, CRC-32, atomic file writes and the checkpoint
 * container (gv_ckpt.h). */
#define _POSIX_C_SOURCE 200809L /* fsync, fileno, link, open */

#include "gv_ckpt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "gv_ensemble.h"
#include "gv_obs.h"

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

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static uint32_t get32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v |= (uint32_t)p[i] << (8 * i);
    return v;
}
static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
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
    put32(c, v);
    gv_wbuf_bytes(b, c, 4);
}

void gv_wbuf_u64(gv_wbuf *b, uint64_t v)
{
    unsigned char c[8];
    put64(c, v);
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
            put64(b->p + b->len + 8 * i, w);
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
    return p ? get32(p) : 0;
}

uint64_t gv_rbuf_u64(gv_rbuf *r)
{
    const unsigned char *p = gv_rbuf_bytes(r, 8);
    return p ? get64(p) : 0;
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
            uint64_t w = get64(p + 8 * i);
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

static char *path_with(const char *path, const char *suffix)
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
    if (!slash) dir = path_with(".", "");
    else if (slash == path) dir = path_with("/", "");
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

gv_status gv_ckpt_write_atomic(const char *path, const void *const *parts, const size_t *sizes,
                               size_t nparts, int keep_previous, gv_err *e)
{
    char *tmp = path_with(path, ".tmp"), *prev = path_with(path, ".prev");
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

gv_status gv_ckpt_read_whole(const char *path, size_t max, unsigned char **buf, size_t *len,
                             gv_err *e)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return gv_fail(e, GV_EIO, "%s: cannot open (%s)", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return gv_fail(e, GV_EIO, "%s: not a regular file", path);
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

/* ---- the container -------------------------------------------------------- */

#define MAGIC "GVCKPT\0\0"
#define HEADER 32
#define SEC_HEADER 16
#define READ_MAX ((size_t)1 << 40) /* 1 TiB: anything larger is not ours */

typedef struct section {
    gv_ckpt_kind kind;
    char name[GV_CKPT_NAME_MAX + 1];
    unsigned char *data; /* owned when `own`, else inside c->payload */
    size_t len;
    int own;
} section;

struct gv_ckpt {
    section *s;
    size_t n, cap;
    unsigned char *payload; /* a read checkpoint's bytes */
    char *src;
};

const char *gv_ckpt_kind_name(gv_ckpt_kind kind)
{
    switch (kind) {
    case GV_CKPT_ENSEMBLE: return "ensemble";
    case GV_CKPT_TWO_TIME: return "two-time observer";
    case GV_CKPT_SCALAR: return "scalar observer";
    case GV_CKPT_BLOB: return "blob";
    }
    return "unknown";
}

static int kind_known(uint32_t k) { return k >= GV_CKPT_ENSEMBLE && k <= GV_CKPT_BLOB; }

gv_ckpt *gv_ckpt_alloc(gv_err *e)
{
    gv_ckpt *c = calloc(1, sizeof *c);
    if (c) c->src = path_with("", "");
    if (!c || !c->src) {
        gv_ckpt_free(c);
        gv_fail(e, GV_ENOMEM, "checkpoint: out of memory");
        return NULL;
    }
    return c;
}

void gv_ckpt_free(gv_ckpt *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n; i++)
        if (c->s[i].own) free(c->s[i].data);
    free(c->s);
    free(c->payload);
    free(c->src);
    free(c);
}

const char *gv_ckpt_source(const gv_ckpt *c) { return c->src; }
size_t gv_ckpt_count(const gv_ckpt *c) { return c->n; }
gv_ckpt_kind gv_ckpt_kind_at(const gv_ckpt *c, size_t i) { return c->s[i].kind; }
const char *gv_ckpt_name_at(const gv_ckpt *c, size_t i) { return c->s[i].name; }

const unsigned char *gv_ckpt_data_at(const gv_ckpt *c, size_t i, size_t *len)
{
    *len = c->s[i].len;
    return c->s[i].data;
}

long gv_ckpt_find(const gv_ckpt *c, gv_ckpt_kind kind, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->s[i].kind == kind && strcmp(c->s[i].name, name) == 0) return (long)i;
    return -1;
}

/* Append a section record (data not copied; own as given). */
static gv_status push_section(gv_ckpt *c, gv_ckpt_kind kind, const char *name, size_t nlen,
                              unsigned char *data, size_t len, int own, gv_err *e)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 8;
        section *s = realloc(c->s, cap * sizeof *s);
        if (!s) return gv_fail(e, GV_ENOMEM, "checkpoint: out of memory");
        c->s = s;
        c->cap = cap;
    }
    section *s = &c->s[c->n++];
    s->kind = kind;
    memcpy(s->name, name, nlen);
    s->name[nlen] = '\0';
    s->data = data;
    s->len = len;
    s->own = own;
    return GV_OK;
}

gv_status gv_ckpt_add(gv_ckpt *c, gv_ckpt_kind kind, const char *name, void *data, size_t len,
                      int take, gv_err *e)
{
    gv_status s = GV_OK;
    size_t nlen = name ? strlen(name) : 0;
    if (!kind_known((uint32_t)kind))
        s = gv_fail(e, GV_EINVAL, "checkpoint: unknown section kind %d", (int)kind);
    else if (nlen == 0 || nlen > GV_CKPT_NAME_MAX)
        s = gv_fail(e, GV_EINVAL, "checkpoint: a section name must have 1 to %d bytes, got %zu",
                    GV_CKPT_NAME_MAX, nlen);
    else if (gv_ckpt_find(c, kind, name) >= 0)
        s = gv_fail(e, GV_EINVAL, "checkpoint: two %ss named '%s'", gv_ckpt_kind_name(kind), name);
    if (s != GV_OK) {
        if (take) free(data);
        return s;
    }
    unsigned char *d = data;
    if (!take) {
        d = malloc(len ? len : 1);
        if (!d) return gv_fail(e, GV_ENOMEM, "checkpoint: cannot copy %zu bytes of '%s'", len, name);
        if (len) memcpy(d, data, len);
    }
    s = push_section(c, kind, name, nlen, d, len, 1, e);
    if (s != GV_OK) free(d);
    return s;
}

gv_status gv_ckpt_add_ensemble(gv_ckpt *c, const char *name, const gv_ensemble *ens, gv_err *e)
{
    gv_wbuf b = {0};
    gv_status s = gv_ensemble_serialize(ens, &b, e);
    if (s != GV_OK) {
        gv_wbuf_free(&b);
        return gv_fail_prefix(e, "checkpoint, ensemble '%s': ", name);
    }
    return gv_ckpt_add(c, GV_CKPT_ENSEMBLE, name, b.p, b.len, 1, e);
}

gv_status gv_ckpt_add_observer(gv_ckpt *c, const char *name, const gv_hook *obs, gv_err *e)
{
    gv_wbuf b = {0};
    gv_ckpt_kind kind;
    gv_status s = gv_obs_serialize(obs, &b, &kind, e);
    if (s != GV_OK) {
        gv_wbuf_free(&b);
        return gv_fail_prefix(e, "checkpoint, observer '%s': ", name);
    }
    return gv_ckpt_add(c, kind, name, b.p, b.len, 1, e);
}

gv_status gv_ckpt_write(const gv_ckpt *c, const char *path, int keep_previous, gv_err *e)
{
    /* Section headers and names go into one buffer; the data are written
     * from where they are. */
    gv_wbuf h = {0};
    uint64_t payload = 0;
    for (size_t i = 0; i < c->n; i++) payload += SEC_HEADER + strlen(c->s[i].name) + c->s[i].len;
    gv_wbuf_bytes(&h, MAGIC, 8);
    gv_wbuf_u32(&h, GV_CKPT_VERSION);
    gv_wbuf_u32(&h, (uint32_t)c->n);
    gv_wbuf_u64(&h, payload);
    gv_wbuf_u64(&h, 0);
    size_t *hoff = malloc((c->n + 1) * sizeof *hoff);
    const void **parts = malloc((2 * c->n + 2) * sizeof *parts);
    size_t *sizes = malloc((2 * c->n + 2) * sizeof *sizes);
    for (size_t i = 0; i < c->n && hoff; i++) {
        size_t nlen = strlen(c->s[i].name);
        hoff[i] = h.len;
        gv_wbuf_u32(&h, (uint32_t)c->s[i].kind);
        gv_wbuf_u32(&h, (uint32_t)nlen);
        gv_wbuf_u64(&h, c->s[i].len);
        gv_wbuf_bytes(&h, c->s[i].name, nlen);
    }
    if (h.oom || !hoff || !parts || !sizes) {
        free(hoff);
        free(parts);
        free(sizes);
        gv_wbuf_free(&h);
        return gv_fail(e, GV_ENOMEM, "%s: out of memory preparing the checkpoint", path);
    }
    hoff[c->n] = h.len;
    /* Parts: header, then per section (its header + name, its data), CRC. */
    size_t np = 0;
    parts[np] = h.p;
    sizes[np++] = c->n ? hoff[0] : h.len;
    for (size_t i = 0; i < c->n; i++) {
        parts[np] = h.p + hoff[i];
        sizes[np++] = hoff[i + 1] - hoff[i];
        parts[np] = c->s[i].data;
        sizes[np++] = c->s[i].len;
    }
    uint32_t crc = gv_crc32(0, NULL, 0);
    for (size_t i = 0; i < np; i++) crc = gv_crc32(crc, parts[i], sizes[i]);
    unsigned char c4[4];
    put32(c4, crc);
    parts[np] = c4;
    sizes[np++] = 4;
    gv_status s = gv_ckpt_write_atomic(path, parts, sizes, np, keep_previous, e);
    free(hoff);
    free(parts);
    free(sizes);
    gv_wbuf_free(&h);
    return s;
}

/* What a file that is not a checkpoint seems to be, for the message. */
static void describe_foreign(const unsigned char *b, size_t n, char *out, size_t cap)
{
    if (n >= 5 && memcmp(b, "GVENS", 5) == 0) {
        snprintf(out, cap, "it is an ensemble file (ens:save); load it with glass.load_ensemble");
        return;
    }
    size_t k = n < 24 ? n : 24, printable = 0;
    for (size_t i = 0; i < k; i++) printable += (b[i] >= 32 && b[i] < 127) || b[i] == '\n' ||
                                                b[i] == '\r' || b[i] == '\t';
    if (k > 0 && printable == k) {
        char head[25];
        size_t m = 0;
        for (size_t i = 0; i < k && b[i] != '\n' && b[i] != '\r'; i++) head[m++] = (char)b[i];
        head[m] = '\0';
        snprintf(out, cap, "it starts with the text \"%s\" (a CSV, log or script?)", head);
        return;
    }
    snprintf(out, cap, "it does not start with \"GVCKPT\"");
}

/* The checks that need only the first bytes (hn of them, up to HEADER) and
 * the total size: magic, version, payload length.  Run on a file before
 * its contents are read, so a foreign or damaged file costs no allocation. */
static gv_status check_header(const unsigned char *b, size_t hn, uint64_t size, const char *src,
                              gv_err *e)
{
    if (hn < 8 || memcmp(b, MAGIC, 8) != 0) {
        if (hn >= 6 && memcmp(b, MAGIC, 6) == 0)
            return gv_fail(e, GV_EFORMAT, "%s: corrupt checkpoint header (bad magic bytes)", src);
        if (size == 0) return gv_fail(e, GV_EFORMAT, "%s: not a glassvm checkpoint: the file is empty", src);
        char why[96];
        describe_foreign(b, hn, why, sizeof why);
        return gv_fail(e, GV_EFORMAT, "%s: not a glassvm checkpoint: %s", src, why);
    }
    if (size < HEADER + 4)
        return gv_fail(e, GV_EFORMAT, "%s: truncated checkpoint: %llu bytes, the header alone "
                                      "needs %d", src, (unsigned long long)size, HEADER + 4);
    uint32_t version = get32(b + 8);
    uint64_t payload = get64(b + 16);
    if (version != GV_CKPT_VERSION)
        return gv_fail(e, GV_EFORMAT, "%s: checkpoint format version %u; this glassvm (%s) reads "
                                      "version %u: resume with the glassvm that wrote it", src,
                       version, GV_VERSION, GV_CKPT_VERSION);
    if (payload != size - HEADER - 4) {
        uint64_t want = payload <= UINT64_MAX - HEADER - 4 ? payload + HEADER + 4 : UINT64_MAX;
        return gv_fail(e, GV_EFORMAT, "%s: %s: %llu bytes, but its header promises %llu (a write "
                                      "that did not finish, or a damaged copy)", src,
                       size < want ? "truncated checkpoint" : "trailing bytes after the checkpoint",
                       (unsigned long long)size, (unsigned long long)want);
    }
    return GV_OK;
}

/* Parse bytes that are owned by c (c->payload = the whole file). */
static gv_status parse_owned(gv_ckpt *c, size_t len, gv_err *e)
{
    const unsigned char *b = c->payload;
    const char *src = c->src;
    gv_status s = check_header(b, len < HEADER ? len : HEADER, len, src, e);
    if (s != GV_OK) return s;
    uint32_t nsec = get32(b + 12);
    uint64_t payload = get64(b + 16);
    uint32_t stored = get32(b + len - 4), crc = gv_crc32(gv_crc32(0, NULL, 0), b, len - 4);
    if (stored != crc)
        return gv_fail(e, GV_EFORMAT, "%s: CRC mismatch (stored %08x, computed %08x): the "
                                      "checkpoint is corrupt", src, stored, crc);
    if (get64(b + 24) != 0) return gv_fail(e, GV_EFORMAT, "%s: corrupt checkpoint header", src);
    if ((uint64_t)nsec > payload / SEC_HEADER)
        return gv_fail(e, GV_EFORMAT, "%s: corrupt checkpoint: %u sections cannot fit in %llu "
                                      "bytes", src, nsec, (unsigned long long)payload);
    gv_rbuf r = gv_rbuf_init(b + HEADER, (size_t)payload);
    for (uint32_t i = 0; i < nsec; i++) {
        uint32_t kind = gv_rbuf_u32(&r), nlen = gv_rbuf_u32(&r);
        uint64_t dlen = gv_rbuf_u64(&r);
        if (r.bad) return gv_fail(e, GV_EFORMAT, "%s: corrupt checkpoint: section %u is cut off", src, i + 1);
        if (nlen == 0 || nlen > GV_CKPT_NAME_MAX || nlen > gv_rbuf_left(&r))
            return gv_fail(e, GV_EFORMAT, "%s: corrupt checkpoint: section %u has a name of %u "
                                          "bytes", src, i + 1, nlen);
        const unsigned char *name = gv_rbuf_bytes(&r, nlen);
        if (memchr(name, '\0', nlen))
            return gv_fail(e, GV_EFORMAT, "%s: corrupt checkpoint: section %u's name holds a NUL",
                           src, i + 1);
        char nm[GV_CKPT_NAME_MAX + 1];
        memcpy(nm, name, nlen);
        nm[nlen] = '\0';
        if (!kind_known(kind))
            return gv_fail(e, GV_EFORMAT, "%s: section %u ('%s') has unknown kind %u (written by a "
                                          "newer glassvm?)", src, i + 1, nm, kind);
        if (dlen > gv_rbuf_left(&r))
            return gv_fail(e, GV_EFORMAT, "%s: corrupt checkpoint: section '%s' claims %llu bytes, "
                                          "only %zu remain", src, nm, (unsigned long long)dlen,
                           gv_rbuf_left(&r));
        if (gv_ckpt_find(c, (gv_ckpt_kind)kind, nm) >= 0)
            return gv_fail(e, GV_EFORMAT, "%s: corrupt checkpoint: two %ss named '%s'", src,
                           gv_ckpt_kind_name((gv_ckpt_kind)kind), nm);
        unsigned char *data = (unsigned char *)gv_rbuf_bytes(&r, (size_t)dlen);
        if ((s = push_section(c, (gv_ckpt_kind)kind, nm, nlen, data, (size_t)dlen, 0, e)) != GV_OK)
            return s;
    }
    if (gv_rbuf_left(&r) != 0)
        return gv_fail(e, GV_EFORMAT, "%s: corrupt checkpoint: %zu bytes after the last section",
                       src, gv_rbuf_left(&r));
    return GV_OK;
}

static gv_ckpt *parse_buffer(unsigned char *bytes, size_t len, const char *src, gv_err *e)
{
    gv_ckpt *c = gv_ckpt_alloc(e);
    if (!c) {
        free(bytes);
        return NULL;
    }
    free(c->src);
    c->src = path_with(src ? src : "checkpoint", "");
    c->payload = bytes;
    if (!c->src) {
        gv_fail(e, GV_ENOMEM, "checkpoint: out of memory");
        gv_ckpt_free(c);
        return NULL;
    }
    if (parse_owned(c, len, e) != GV_OK) {
        gv_ckpt_free(c);
        return NULL;
    }
    return c;
}

gv_ckpt *gv_ckpt_read(const char *path, gv_err *e)
{
    /* The header and the file size first: nothing is allocated for a file
     * that is not a complete checkpoint. */
    FILE *f = fopen(path, "rb");
    if (!f) {
        gv_fail(e, GV_EIO, "%s: cannot open (%s)", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    int regular = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode);
    unsigned char h[HEADER];
    size_t hn = regular ? fread(h, 1, sizeof h, f) : 0;
    fclose(f);
    if (!regular) {
        gv_fail(e, GV_EIO, "%s: not a regular file", path);
        return NULL;
    }
    if (check_header(h, hn, (uint64_t)st.st_size, path, e) != GV_OK) return NULL;
    unsigned char *b;
    size_t n;
    if (gv_ckpt_read_whole(path, READ_MAX, &b, &n, e) != GV_OK) return NULL;
    return parse_buffer(b, n, path, e);
}

gv_ckpt *gv_ckpt_parse(const void *bytes, size_t len, const char *src, gv_err *e)
{
    unsigned char *b = malloc(len ? len : 1);
    if (!b) {
        gv_fail(e, GV_ENOMEM, "%s: cannot allocate %zu bytes", src ? src : "checkpoint", len);
        return NULL;
    }
    if (len) memcpy(b, bytes, len);
    return parse_buffer(b, len, src, e);
}

/* ---- restoring -------------------------------------------------------------- */

/* The section (kind, name) (kind2 too, if nonzero), or a message listing
 * what the checkpoint holds. */
static long need_section(const gv_ckpt *c, gv_ckpt_kind kind, gv_ckpt_kind kind2,
                         const char *what, const char *name, gv_err *e)
{
    long i = gv_ckpt_find(c, kind, name);
    if (i < 0 && kind2) i = gv_ckpt_find(c, kind2, name);
    if (i >= 0) return i;
    char list[256] = "";
    size_t used = 0;
    for (size_t k = 0; k < c->n && used + 1 < sizeof list; k++) {
        int w = snprintf(list + used, sizeof list - used, "%s %s '%s'", k ? "," : "",
                         gv_ckpt_kind_name(c->s[k].kind), c->s[k].name);
        if (w < 0) break;
        used += (size_t)w;
    }
    gv_fail(e, GV_EINVAL, "%s: the checkpoint has no %s named '%s' (it holds:%s)", c->src, what,
            name, c->n ? list : " nothing");
    return -1;
}

gv_status gv_ckpt_restore_ensemble(const gv_ckpt *c, const char *name, gv_ensemble *ens, gv_err *e)
{
    long i = need_section(c, GV_CKPT_ENSEMBLE, 0, "ensemble", name, e);
    if (i < 0) return GV_EINVAL;
    char src[GV_ERR_MAX / 2];
    snprintf(src, sizeof src, "%s, ensemble '%s'", c->src, name);
    return gv_ensemble_restore(ens, c->s[i].data, c->s[i].len, src, e);
}

gv_status gv_ckpt_restore_observer(const gv_ckpt *c, const char *name, gv_hook *obs, gv_err *e)
{
    long i = need_section(c, GV_CKPT_TWO_TIME, GV_CKPT_SCALAR, "observer", name, e);
    if (i < 0) return GV_EINVAL;
    char src[GV_ERR_MAX / 2];
    snprintf(src, sizeof src, "%s, observer '%s'", c->src, name);
    return gv_obs_restore(obs, c->s[i].data, c->s[i].len, src, e);
}
