/* gv_ckpt.c: the checkpoint container (gv_ckpt.h), above ensembles and
 * observers; its bytes go through gv_bytes.h. */
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
    if (c) c->src = gv_path_with("", "");
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

gv_status gv_ckpt_save(const char *path, const gv_ckpt_item *items, size_t n, const void *state,
                       size_t state_len, int keep_previous, gv_ckpt_join join, int writer,
                       int *local, gv_err *e)
{
    gv_ckpt *ck = NULL;
    gv_status s = GV_OK;
    if (local) *local = 0;
    if (writer && !(ck = gv_ckpt_alloc(e))) {
        s = GV_ENOMEM;
        if (!join) return s;
    }
    char src[GV_ERR_MAX / 2];
    for (size_t i = 0; i < n; i++) {
        const gv_ckpt_item *it = &items[i];
        int is_ens = it->ens != NULL;
        const char *what = is_ens ? "ensemble" : "observer";
        gv_wbuf mine = {0}, all = {0};
        gv_ckpt_kind kind = GV_CKPT_ENSEMBLE;
        gv_err le;
        gv_status ls = is_ens ? gv_ensemble_serialize(it->ens, &mine, &le)
                              : gv_obs_serialize(it->obs, &mine, &kind, &le);
        if (ls != GV_OK) { /* this process's own failure (out of memory) */
            gv_wbuf_free(&mine);
            gv_ckpt_free(ck);
            if (local) *local = 1;
            if (e) *e = le;
            return join ? ls : gv_fail_prefix(e, "checkpoint, %s '%s': ", what, it->name);
        }
        if (join) {
            snprintf(src, sizeof src, "%s, %s '%s'", path, what, it->name);
            gv_err ge;
            gv_status gs = join(mine.p, mine.len, is_ens, src, &all, &ge);
            gv_wbuf_free(&mine);
            if (s == GV_OK && gs != GV_OK) {
                s = gs;
                if (e) *e = ge;
            }
        } else {
            all = mine;
        }
        if (s == GV_OK && ck) {
            s = gv_ckpt_add(ck, kind, it->name, all.p, all.len, 1, e);
            all.p = NULL; /* the checkpoint's now (freed by it on failure too) */
        }
        gv_wbuf_free(&all);
        if (s != GV_OK && !join) break;
    }
    if (s == GV_OK && ck && state)
        s = gv_ckpt_add(ck, GV_CKPT_BLOB, GV_CKPT_STATE_NAME, (void *)state, state_len, 0, e);
    if (s == GV_OK && ck) s = gv_ckpt_write(ck, path, keep_previous, e);
    gv_ckpt_free(ck);
    return s;
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
    gv_put32(c4, crc);
    parts[np] = c4;
    sizes[np++] = 4;
    gv_status s = gv_write_atomic(path, parts, sizes, np, keep_previous, e);
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
    uint32_t version = gv_get32(b + 8);
    uint64_t payload = gv_get64(b + 16);
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
    uint32_t nsec = gv_get32(b + 12);
    uint64_t payload = gv_get64(b + 16);
    uint32_t stored = gv_get32(b + len - 4), crc = gv_crc32(gv_crc32(0, NULL, 0), b, len - 4);
    if (stored != crc)
        return gv_fail(e, GV_EFORMAT, "%s: CRC mismatch (stored %08x, computed %08x): the "
                                      "checkpoint is corrupt", src, stored, crc);
    if (gv_get64(b + 24) != 0) return gv_fail(e, GV_EFORMAT, "%s: corrupt checkpoint header", src);
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
    c->src = gv_path_with(src ? src : "checkpoint", "");
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
    int fd = gv_open_regular(path, e); /* a FIFO is refused, never waited on */
    if (fd < 0) return NULL;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        gv_fail(e, GV_EIO, "%s: cannot open (%s)", path, strerror(errno));
        close(fd);
        return NULL;
    }
    struct stat st;
    int err = fstat(fileno(f), &st) == 0 ? 0 : errno;
    unsigned char h[HEADER];
    size_t hn = err ? 0 : fread(h, 1, sizeof h, f);
    fclose(f);
    if (err) {
        gv_fail(e, GV_EIO, "%s: cannot open (%s)", path, strerror(err));
        return NULL;
    }
    if (check_header(h, hn, (uint64_t)st.st_size, path, e) != GV_OK) return NULL;
    unsigned char *b;
    size_t n;
    if (gv_read_whole(path, READ_MAX, &b, &n, e) != GV_OK) return NULL;
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

gv_status gv_ckpt_restore_observer_as(const gv_ckpt *c, const char *name, gv_hook *obs, int mode,
                                      gv_err *e)
{
    long i = need_section(c, GV_CKPT_TWO_TIME, GV_CKPT_SCALAR, "observer", name, e);
    if (i < 0) return GV_EINVAL;
    char src[GV_ERR_MAX / 2];
    snprintf(src, sizeof src, "%s, observer '%s'", c->src, name);
    return gv_obs_restore_as(obs, c->s[i].data, c->s[i].len, mode, src, e);
}

gv_status gv_ckpt_restore_observer(const gv_ckpt *c, const char *name, gv_hook *obs, gv_err *e)
{
    return gv_ckpt_restore_observer_as(c, name, obs, GV_OBS_FRESH, e);
}

/* ---- a block of replicas (glass.mpi) ---------------------------------------- */

/* A section's bytes, or a failure naming what the checkpoint holds. */
static const unsigned char *block_section(const gv_ckpt *ck, gv_ckpt_kind kind,
                                          const char *name, size_t *len, gv_err *e)
{
    long i = gv_ckpt_find(ck, kind, name);
    if (i < 0) {
        gv_fail(e, GV_EINVAL, "%s: the checkpoint has no %s named '%s'", gv_ckpt_source(ck),
                gv_ckpt_kind_name(kind), name);
        return NULL;
    }
    return gv_ckpt_data_at(ck, (size_t)i, len);
}

gv_status gv_ckpt_restore_block(const gv_ckpt *ck, const char *name, gv_ensemble *ens,
                                gv_hook *h, size_t first, size_t count, int mode, gv_err *e)
{
    int is_ens = ens != NULL;
    char src[GV_ERR_MAX / 2];
    snprintf(src, sizeof src, "%s, %s '%s'", gv_ckpt_source(ck), is_ens ? "ensemble" : "observer",
             name);
    gv_ckpt_kind kind = is_ens ? GV_CKPT_ENSEMBLE : gv_obs_kind(h);
    size_t len;
    const unsigned char *b = block_section(ck, kind, name, &len, e);
    if (!b) return GV_EINVAL;
    gv_wbuf part = {0};
    gv_status s = is_ens ? gv_ensemble_slice(b, len, src, first, count, &part, e)
                         : gv_obs_slice(b, len, first, count, src, &part, e);
    if (s == GV_OK)
        s = is_ens ? gv_ensemble_restore(ens, part.p, part.len, src, e)
                   : gv_obs_restore_as(h, part.p, part.len, mode, src, e);
    gv_wbuf_free(&part);
    return s;
}
