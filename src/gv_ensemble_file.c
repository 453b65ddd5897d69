/* gv_ensemble_file.c: the ensemble file format (save, load, restore) and
 * the joins and slices of replica blocks (MPI ranks) done on its bytes. */
#define _POSIX_C_SOURCE 200809L /* strnlen */

#include "gv_ensemble_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gv_bytes.h"

/* ---- files ---------------------------------------------------------------
 * Little-endian throughout:
 *   0  magic "GVENS\0\0\0" (8 bytes)     8  u32 version (3; 1 and 2 are read)
 *   12 u32 first_replica                 16 u64 N
 *   24 u64 R                             32 u64 step
 *   40 u64 seed                          48 char[16] landscape kind
 *   version 3: 64 u32 flags (bit 0: basin labels follow the weights; the
 *      other bits 0), 68 u32 0, 72 char[120] the network's architecture
 *      ("10-30x6-1", NUL-padded; empty for flat and harmonic landscapes),
 *      192 char[48] its dataset's name, 240 u64 the landscape's rows P,
 *      248 u32 CRC-32 of the dataset's float inputs (P·d, as stored) then
 *      its P int8 labels (0 without a dataset), 252 u32 0
 *   H = 256 (version 3) or 64 (1, 2): R records of 128 bytes: u8 lost,
 *      7 zero bytes, u64 lost step, char[112] reason (NUL-terminated)
 *   then R·N doubles (IEEE-754 binary64), replica after replica
 *   with labels (version 2, or the flag): then R u64 basin labels (replicas
 *      with one label are noise replicas of one basin,
 *      gv_ensemble_same_basin); without, every replica is its own basin
 *      (label first_replica + r)
 *   then u32 CRC-32 (zlib) of every byte before it.
 * The same bytes are an ensemble's section in a checkpoint (gv_ckpt.h):
 * save and load are serialise/deserialise plus an atomic write/whole read. */

#define FILE_MAGIC "GVENS\0\0\0"
#define FILE_VERSION 3u /* the one written; 1 and 2 are read too */
#define HEADER_V2 64     /* versions 1 and 2 */
#define HEADER_BYTES 256 /* version 3 */
#define ARCH_BYTES 120
#define DATA_BYTES 48
#define FLAG_LABELS 1u
#define RECORD_BYTES 128

/* Write the header of an ensemble file (CRC excluded). */
static void write_header(gv_wbuf *out, const gv_ensemble_info *info, uint32_t first, uint64_t R,
                         int labels)
{
    char kind[16] = {0}, arch[ARCH_BYTES] = {0}, data[DATA_BYTES] = {0};
    memcpy(kind, info->kind, strnlen(info->kind, sizeof kind));
    memcpy(arch, info->arch, strnlen(info->arch, sizeof arch - 1));
    memcpy(data, info->data, strnlen(info->data, sizeof data - 1));
    gv_wbuf_bytes(out, FILE_MAGIC, 8);
    gv_wbuf_u32(out, FILE_VERSION);
    gv_wbuf_u32(out, first);
    gv_wbuf_u64(out, info->N);
    gv_wbuf_u64(out, R);
    gv_wbuf_u64(out, info->step);
    gv_wbuf_u64(out, info->seed);
    gv_wbuf_bytes(out, kind, sizeof kind);
    gv_wbuf_u32(out, labels ? FLAG_LABELS : 0);
    gv_wbuf_u32(out, 0);
    gv_wbuf_bytes(out, arch, sizeof arch);
    gv_wbuf_bytes(out, data, sizeof data);
    gv_wbuf_u64(out, info->rows);
    gv_wbuf_u32(out, info->data_crc);
    gv_wbuf_u32(out, 0);
}

/* The architecture of land's network into buf (ARCH_BYTES + 1), "" for a
 * landscape without one. */
static void land_arch(const gv_landscape *land, char *buf)
{
    const gv_mlp *m = gv_landscape_mlp(land);
    buf[0] = '\0';
    if (m) gv_mlp_describe(m, buf, ARCH_BYTES);
}

/* What land's dataset is: its name (cut to DATA_BYTES - 1), rows and the
 * CRC of its inputs and labels; "", P and 0 for a landscape without one. */
static void land_data(const gv_landscape *land, gv_ensemble_info *info)
{
    const gv_data *d = gv_landscape_data(land);
    info->data[0] = '\0';
    info->rows = gv_landscape_P(land);
    info->data_crc = 0;
    if (!d) return;
    size_t n = strnlen(d->name, DATA_BYTES - 1);
    memcpy(info->data, d->name, n);
    info->data[n] = '\0';
    info->data_crc = gv_landscape_data_crc(land);
}

static void append_crc(gv_wbuf *out, size_t start)
{
    gv_wbuf_u32(out, gv_crc32(gv_crc32(0, NULL, 0), out->p + start, out->len - start));
}

gv_status gv_ensemble_serialize(const gv_ensemble *ens, gv_wbuf *out, gv_err *e)
{
    size_t start = out->len, wbytes, total;
    if (gv_mul_size(ens->R * ens->N, 8, &wbytes) ||
        wbytes > SIZE_MAX - HEADER_BYTES - 4 - ens->R * RECORD_BYTES)
        return gv_fail(e, GV_ENOMEM, "ensemble: %zu replicas × %zu weights is too large to save",
                       ens->R, ens->N);
    int labels = gv_ensemble_grouped(ens);
    total = HEADER_BYTES + ens->R * RECORD_BYTES + wbytes + (labels ? 8 * ens->R : 0) + 4;
    gv_wbuf_reserve(out, total); /* one allocation, not a doubling series */
    gv_ensemble_info info = {.N = ens->N, .R = ens->R, .step = ens->step, .seed = ens->seed};
    snprintf(info.kind, sizeof info.kind, "%s", gv_landscape_kind(ens->land));
    land_arch(ens->land, info.arch);
    land_data(ens->land, &info);
    write_header(out, &info, ens->first, ens->R, labels);
    static const unsigned char zeros[7] = {0};
    for (size_t r = 0; r < ens->R; r++) {
        char reason[REASON_MAX] = {0}; /* the message, then zeros (not stale bytes) */
        memcpy(reason, ens->reason[r], strnlen(ens->reason[r], REASON_MAX - 1));
        gv_wbuf_u8(out, ens->lost[r]);
        gv_wbuf_bytes(out, zeros, sizeof zeros);
        gv_wbuf_u64(out, ens->lost_step[r]);
        gv_wbuf_bytes(out, reason, sizeof reason);
    }
    gv_wbuf_f64s(out, ens->w, ens->R * ens->N);
    if (labels) gv_wbuf_u64s(out, ens->basin, ens->R);
    if (out->oom)
        return gv_fail(e, GV_ENOMEM, "ensemble: cannot allocate %zu bytes to serialise %zu "
                                     "replicas", total, ens->R);
    append_crc(out, start);
    return out->oom ? gv_fail(e, GV_ENOMEM, "ensemble: out of memory") : GV_OK;
}

gv_status gv_ensemble_save(const gv_ensemble *ens, const char *path, gv_err *e)
{
    gv_wbuf b = {0};
    gv_status s = gv_ensemble_serialize(ens, &b, e);
    if (s == GV_OK) {
        const void *parts[1] = {b.p};
        size_t sizes[1] = {b.len};
        s = gv_write_atomic(path, parts, sizes, 1, 0, e);
    } else {
        gv_fail_prefix(e, "%s: ", path);
    }
    gv_wbuf_free(&b);
    return s;
}

/* Validate ensemble bytes (magic, version, N against land unless land is
 * NULL, lengths, CRC, records, finite weights) and read the header. */
static gv_status check_bytes(const unsigned char *b, size_t n, const char *src,
                             const gv_landscape *land, gv_ensemble_info *info, gv_err *e)
{
    if (n >= 6 && memcmp(b, "GVCKPT", 6) == 0)
        return gv_fail(e, GV_EFORMAT, "%s: not a glassvm ensemble file but a run's checkpoint: a "
                                      "run goes on from its checkpoint when the same command is "
                                      "run again with the same --out; an ensemble file holds "
                                      "networks saved with ens:save", src);
    if (n < 8 || memcmp(b, FILE_MAGIC, 8) != 0)
        return gv_fail(e, GV_EFORMAT, "%s: not a glassvm ensemble file (it does not start with "
                                      "\"GVENS\")", src);
    if (n < HEADER_V2 + 4)
        return gv_fail(e, GV_EFORMAT, "%s: truncated: %zu bytes, the header alone needs %d", src,
                       n, HEADER_V2 + 4);
    gv_rbuf r = gv_rbuf_init(b + 8, HEADER_V2 - 8);
    uint32_t version = gv_rbuf_u32(&r);
    info->first = gv_rbuf_u32(&r);
    info->N = gv_rbuf_u64(&r);
    info->R = gv_rbuf_u64(&r);
    info->step = gv_rbuf_u64(&r);
    info->seed = gv_rbuf_u64(&r);
    memcpy(info->kind, b + 48, 16);
    info->kind[16] = '\0';
    if (version < 1 || version > FILE_VERSION)
        return gv_fail(e, GV_EFORMAT, "%s: ensemble file format version %u; this glassvm reads "
                                      "versions 1..%u", src, version, FILE_VERSION);
    info->version = version;
    info->labels = version == 2;
    info->header = HEADER_V2;
    info->arch[0] = info->data[0] = '\0';
    info->rows = 0;
    info->data_crc = 0;
    if (version >= 3) {
        if (n < HEADER_BYTES + 4)
            return gv_fail(e, GV_EFORMAT, "%s: truncated: %zu bytes, the header alone needs %d",
                           src, n, HEADER_BYTES + 4);
        gv_rbuf x = gv_rbuf_init(b + HEADER_V2, 8);
        uint32_t flags = gv_rbuf_u32(&x), zero = gv_rbuf_u32(&x);
        if ((flags & ~FLAG_LABELS) || zero)
            return gv_fail(e, GV_EFORMAT, "%s: corrupt header (flags %08x %08x)", src, flags,
                           zero);
        const unsigned char *arch = b + HEADER_V2 + 8, *data = arch + ARCH_BYTES;
        if (arch[ARCH_BYTES - 1] != '\0' || data[DATA_BYTES - 1] != '\0')
            return gv_fail(e, GV_EFORMAT, "%s: corrupt header (a name does not end in a NUL)", src);
        gv_rbuf y = gv_rbuf_init(data + DATA_BYTES, 16);
        info->rows = gv_rbuf_u64(&y);
        info->data_crc = gv_rbuf_u32(&y);
        if (gv_rbuf_u32(&y) != 0) return gv_fail(e, GV_EFORMAT, "%s: corrupt header", src);
        info->labels = (flags & FLAG_LABELS) != 0;
        info->header = HEADER_BYTES;
        memcpy(info->arch, arch, ARCH_BYTES);
        memcpy(info->data, data, DATA_BYTES);
    }
    const size_t H = info->header;
    uint64_t N = info->N, R = info->R;
    if (land && N != gv_landscape_nweights(land)) {
        char desc[256];
        gv_landscape_describe(land, desc, sizeof desc);
        return gv_fail(e, GV_EDIM, "%s: the file holds N = %llu weights per replica (a %s "
                                   "landscape) but the landscape %s has N = %zu; load it with the "
                                   "landscape it was saved from", src, (unsigned long long)N,
                       info->kind, desc, gv_landscape_nweights(land));
    }
    /* Believe R and N only once the length agrees with them. */
    size_t wbytes;
    if (R == 0 || R > SIZE_MAX / RECORD_BYTES || gv_mul_size((size_t)R, (size_t)N, &wbytes) ||
        gv_mul_size(wbytes, 8, &wbytes) || wbytes > SIZE_MAX - R * RECORD_BYTES - H - 4)
        return gv_fail(e, GV_EFORMAT, "%s: corrupt header: %llu replicas of %llu weights", src,
                       (unsigned long long)R, (unsigned long long)N);
    size_t want = H + (size_t)R * RECORD_BYTES + wbytes + 4;
    if (info->labels) {
        if (R > (SIZE_MAX - want) / 8)
            return gv_fail(e, GV_EFORMAT, "%s: corrupt header: %llu replicas", src,
                           (unsigned long long)R);
        want += 8 * (size_t)R;
    }
    if (n != want)
        return gv_fail(e, GV_EFORMAT, "%s: %s: %zu bytes, but %llu replicas × %llu weights need "
                                      "%zu", src, n < want ? "truncated" : "trailing bytes", n,
                       (unsigned long long)R, (unsigned long long)N, want);
    if (info->step >= STEP_LIMIT)
        return gv_fail(e, GV_EFORMAT, "%s: corrupt header: step %llu", src,
                       (unsigned long long)info->step);
    gv_rbuf tail = gv_rbuf_init(b + n - 4, 4);
    uint32_t stored = gv_rbuf_u32(&tail);
    uint32_t crc = gv_crc32(gv_crc32(0, NULL, 0), b, n - 4);
    if (stored != crc)
        return gv_fail(e, GV_EFORMAT, "%s: CRC mismatch (stored %08x, computed %08x): the file is "
                                      "corrupt", src, stored, crc);
    for (size_t k = 0; k < R; k++) {
        const unsigned char *rec = b + H + k * RECORD_BYTES;
        gv_rbuf rr = gv_rbuf_init(rec + 8, 8);
        if (rec[0] > 1 || gv_rbuf_u64(&rr) > info->step)
            return gv_fail(e, GV_EFORMAT, "%s: corrupt status record of replica %zu", src, k + 1);
    }
    gv_rbuf w = gv_rbuf_init(b + H + R * RECORD_BYTES, wbytes);
    for (size_t i = 0; i < (size_t)(R * N); i++) {
        double x = gv_rbuf_f64(&w);
        if (!isfinite(x))
            return gv_fail(e, GV_EFORMAT, "%s: weight %zu of replica %zu is not finite", src,
                           (size_t)(i % N), (size_t)(i / N) + 1);
    }
    return GV_OK;
}

/* Labels of replicas [r0, r0 + n) of checked bytes (none saved: first + r). */
static void read_basins(const unsigned char *b, const gv_ensemble_info *info, size_t r0, size_t n,
                        uint64_t *out)
{
    size_t R = (size_t)info->R, N = (size_t)info->N;
    if (!info->labels) {
        for (size_t r = 0; r < n; r++) out[r] = (uint64_t)info->first + r0 + r;
        return;
    }
    gv_rbuf rb = gv_rbuf_init(b + info->header + R * RECORD_BYTES + R * N * 8 + r0 * 8, n * 8);
    gv_rbuf_u64s(&rb, out, n);
}

/* Copy checked bytes into ens (same R and N). */
static void fill_from(gv_ensemble *ens, const unsigned char *b, const gv_ensemble_info *info)
{
    ens->step = info->step;
    ens->nlost = 0;
    for (size_t r = 0; r < ens->R; r++) {
        const unsigned char *rec = b + info->header + r * RECORD_BYTES;
        gv_rbuf rr = gv_rbuf_init(rec + 8, 8);
        ens->lost[r] = rec[0];
        ens->lost_step[r] = gv_rbuf_u64(&rr);
        memcpy(ens->reason[r], rec + 16, REASON_MAX);
        ens->reason[r][REASON_MAX - 1] = '\0';
        ens->nlost += rec[0];
    }
    gv_rbuf w = gv_rbuf_init(b + info->header + ens->R * RECORD_BYTES, ens->R * ens->N * 8);
    gv_rbuf_f64s(&w, ens->w, ens->R * ens->N);
    read_basins(b, info, 0, ens->R, ens->basin);
}

gv_status gv_ensemble_peek(const unsigned char *bytes, size_t len, const char *src,
                           gv_ensemble_info *info, gv_err *e)
{
    return check_bytes(bytes, len, src, NULL, info, e);
}

/* The file's landscape kind and network architecture must be land's:
 * weights of a network on a flat or harmonic landscape, or of a 40-30x5-1
 * network on a 10-30x6-1 one (the same N), would load and mean nothing.
 * Files before version 3 carry no architecture: N alone is checked. */
static gv_status same_kind(const gv_ensemble_info *info, const gv_landscape *land,
                           const char *src, gv_err *e)
{
    const char *kind = gv_landscape_kind(land);
    if (strncmp(info->kind, kind, 15) != 0)
        return gv_fail(e, GV_EINVAL, "%s: saved from a %s landscape, the landscape given is %s; "
                                     "load it with the landscape it was saved from", src,
                       info->kind, kind);
    char arch[ARCH_BYTES + 1];
    land_arch(land, arch);
    /* No architecture recorded: before version 3, or a version 3 block cut
     * from such bytes (an MPI rank's share of an old checkpoint). */
    if (info->version < 3 || info->arch[0] == '\0' || strcmp(info->arch, arch) == 0) return GV_OK;
    return gv_fail(e, GV_EINVAL, "%s: saved from a %s network, the landscape's network is %s "
                                 "(the same N = %llu weights, other layers); load it with the "
                                 "network it was saved from", src, info->arch, arch,
                   (unsigned long long)info->N);
}

gv_ensemble *gv_ensemble_deserialize(const unsigned char *bytes, size_t len, const char *src,
                                     const gv_landscape *land, gv_err *e)
{
    gv_ensemble_info info;
    if (!land) {
        gv_fail(e, GV_EINVAL, "%s: a landscape is required", src);
        return NULL;
    }
    if (check_bytes(bytes, len, src, land, &info, e) != GV_OK || same_kind(&info, land, src, e))
        return NULL;
    gv_ensemble *ens = gv_ensemble_new_(land, (size_t)info.R, info.seed, info.first, e);
    if (!ens) {
        gv_fail_prefix(e, "%s: ", src);
        return NULL;
    }
    fill_from(ens, bytes, &info);
    return ens;
}

gv_status gv_ensemble_restore(gv_ensemble *ens, const unsigned char *bytes, size_t len,
                              const char *src, gv_err *e)
{
    gv_ensemble_info info;
    gv_status s = check_bytes(bytes, len, src, ens->land, &info, e);
    if (s != GV_OK) return s;
    if ((s = same_kind(&info, ens->land, src, e)) != GV_OK) return s;
    if (info.R != ens->R || info.seed != ens->seed || info.first != ens->first)
        return gv_fail(e, GV_EINVAL, "%s: saved with replicas=%llu, seed=%llu, first_replica=%u; "
                                     "the ensemble to restore into has replicas=%zu, seed=%llu, "
                                     "first_replica=%u", src, (unsigned long long)info.R,
                       (unsigned long long)info.seed, info.first, ens->R,
                       (unsigned long long)ens->seed, ens->first);
    fill_from(ens, bytes, &info);
    return GV_OK;
}

gv_ensemble *gv_ensemble_load(const char *path, const gv_landscape *land, gv_err *e)
{
    unsigned char *b;
    size_t n;
    if (gv_read_whole(path, SIZE_MAX, &b, &n, e) != GV_OK) return NULL;
    gv_ensemble *ens = gv_ensemble_deserialize(b, n, path, land, e);
    free(b);
    return ens;
}

/* ---- blocks of replicas (MPI ranks) ---------------------------------------
 * An ensemble split over ranks is one ensemble file cut along the replica
 * axis: block k holds replicas [first_k, first_k + R_k).  Concatenating the
 * blocks' bytes in order gives exactly the bytes of the whole ensemble, and
 * a slice of them the bytes of a block. */

/* Append replicas [r0, r0 + n) of checked bytes b (R replicas of N): their
 * status records go at rec_out, their weights at w_out (offsets in out). */
static void copy_replicas(gv_wbuf *out, size_t rec_out, size_t w_out, const unsigned char *b,
                          const gv_ensemble_info *info, size_t r0, size_t n)
{
    size_t R = (size_t)info->R, N = (size_t)info->N;
    memcpy(out->p + rec_out, b + info->header + r0 * RECORD_BYTES, n * RECORD_BYTES);
    memcpy(out->p + w_out, b + info->header + R * RECORD_BYTES + r0 * N * 8, n * N * 8);
}

/* Grow out by the room of R status records and R·N weights (filled by the
 * caller before append_crc), keeping 4 more bytes for the CRC. */
static gv_status reserve_body(gv_wbuf *out, uint64_t R, uint64_t N, gv_err *e)
{
    size_t wbytes, room;
    if (gv_mul_size((size_t)R, (size_t)N, &wbytes) || gv_mul_size(wbytes, 8, &wbytes) ||
        wbytes > SIZE_MAX - (size_t)R * RECORD_BYTES - 4)
        return gv_fail(e, GV_ENOMEM, "ensemble: %llu replicas × %llu weights is too large",
                       (unsigned long long)R, (unsigned long long)N);
    room = (size_t)R * RECORD_BYTES + wbytes;
    if (!gv_wbuf_reserve(out, room + 4))
        return gv_fail(e, GV_ENOMEM, "ensemble: cannot allocate %zu bytes", room);
    out->len += room;
    return GV_OK;
}

/* Do labels[0..R) differ from the default first + r (so they are saved)? */
static int labels_grouped(const uint64_t *labels, size_t R, uint32_t first)
{
    for (size_t r = 0; r < R; r++)
        if (labels[r] != (uint64_t)first + r) return 1;
    return 0;
}

/* The header, then room for R records and weights (and labels when
 * grouped): returns the offset of the records in *rec. */
static gv_status begin_body(gv_wbuf *out, const gv_ensemble_info *info, uint32_t first, uint64_t R,
                            int grouped, size_t *rec, gv_err *e)
{
    write_header(out, info, first, R, grouped);
    if (out->oom) return gv_fail(e, GV_ENOMEM, "ensemble: out of memory");
    *rec = out->len;
    gv_status s = reserve_body(out, R, info->N, e);
    if (s == GV_OK && grouped) {
        if (!gv_wbuf_reserve(out, 8 * (size_t)R + 4))
            return gv_fail(e, GV_ENOMEM, "ensemble: out of memory");
    }
    return s;
}

gv_status gv_ensemble_concat(const unsigned char *const *parts, const size_t *lens, size_t n,
                             const char *src, gv_wbuf *out, gv_err *e)
{
    gv_ensemble_info *info = calloc(n ? n : 1, sizeof *info);
    if (!info) return gv_fail(e, GV_ENOMEM, "%s: out of memory", src);
    uint64_t R = 0;
    size_t k0 = n; /* the first rank holding replicas */
    gv_status s = GV_OK;
    char name[GV_ERR_MAX / 2];
    for (size_t k = 0; k < n && s == GV_OK; k++) {
        if (lens[k] == 0) continue;
        snprintf(name, sizeof name, "%s (rank %zu)", src, k);
        if ((s = check_bytes(parts[k], lens[k], name, NULL, &info[k], e)) != GV_OK) break;
        const gv_ensemble_info *a = &info[k], *z = &info[k0 == n ? k : k0];
        if (k0 == n) k0 = k;
        if (a->N != z->N || a->step != z->step || a->seed != z->seed ||
            strcmp(a->kind, z->kind) || strcmp(a->arch, z->arch) || a->rows != z->rows)
            s = gv_fail(e, GV_EINVAL, "%s: rank %zu's ensemble (N = %llu, step %llu, seed %llu, %s "
                                      "landscape%s%s, P = %llu) differs from rank %zu's (N = %llu, "
                                      "step %llu, seed %llu, %s%s%s, P = %llu); every rank must "
                                      "run the same ensemble and steps on its own replicas", src,
                        k, (unsigned long long)a->N, (unsigned long long)a->step,
                        (unsigned long long)a->seed, a->kind, *a->arch ? " " : "", a->arch,
                        (unsigned long long)a->rows, k0, (unsigned long long)z->N,
                        (unsigned long long)z->step, (unsigned long long)z->seed, z->kind,
                        *z->arch ? " " : "", z->arch, (unsigned long long)z->rows);
        else if ((uint64_t)a->first != (uint64_t)z->first + R)
            s = gv_fail(e, GV_EINVAL, "%s: rank %zu's replicas start at first_replica = %u, but "
                                      "the ranks before it end at %llu; give each rank the next "
                                      "contiguous block (glass.mpi.block)", src, k, a->first,
                        (unsigned long long)z->first + R);
        R += a->R;
    }
    if (s == GV_OK && k0 == n) s = gv_fail(e, GV_EINVAL, "%s: no rank holds any replica", src);
    if (s == GV_OK && R - 1 > (uint64_t)UINT32_MAX - info[k0].first)
        s = gv_fail(e, GV_EINVAL, "%s: %llu replicas from first_replica %u overflow 32 bits", src,
                    (unsigned long long)R, info[k0].first);
    size_t start = out->len, rec = 0;
    uint64_t *labels = s == GV_OK ? malloc((size_t)R * sizeof *labels) : NULL;
    if (s == GV_OK && !labels) s = gv_fail(e, GV_ENOMEM, "%s: out of memory", src);
    int grouped = 0;
    if (s == GV_OK) {
        for (size_t k = k0, done = 0; k < n; k++) {
            if (lens[k] == 0) continue;
            read_basins(parts[k], &info[k], 0, (size_t)info[k].R, labels + done);
            done += (size_t)info[k].R;
        }
        grouped = labels_grouped(labels, (size_t)R, info[k0].first);
        if ((s = begin_body(out, &info[k0], info[k0].first, R, grouped, &rec, e)) != GV_OK)
            gv_fail_prefix(e, "%s: ", src);
    }
    if (s == GV_OK) {
        size_t w = rec + (size_t)R * RECORD_BYTES, done = 0, N = (size_t)info[k0].N;
        for (size_t k = k0; k < n; k++) {
            if (lens[k] == 0) continue;
            copy_replicas(out, rec + done * RECORD_BYTES, w + done * N * 8, parts[k], &info[k], 0,
                          (size_t)info[k].R);
            done += (size_t)info[k].R;
        }
        if (grouped) gv_wbuf_u64s(out, labels, (size_t)R);
        append_crc(out, start);
        if (out->oom) s = gv_fail(e, GV_ENOMEM, "%s: out of memory", src);
    }
    free(labels);
    free(info);
    return s;
}

gv_status gv_ensemble_slice(const unsigned char *bytes, size_t len, const char *src, size_t first,
                            size_t count, gv_wbuf *out, gv_err *e)
{
    gv_ensemble_info info;
    gv_status s = check_bytes(bytes, len, src, NULL, &info, e);
    if (s != GV_OK) return s;
    if (count == 0 || first > info.R || count > info.R - first)
        return gv_fail(e, GV_EINVAL, "%s: replicas %zu..%zu asked for, the ensemble holds %llu "
                                     "(from 0)", src, first, first + count - 1,
                       (unsigned long long)info.R);
    size_t start = out->len, rec;
    uint64_t *labels = malloc(count * sizeof *labels);
    if (!labels) return gv_fail(e, GV_ENOMEM, "%s: out of memory", src);
    read_basins(bytes, &info, first, count, labels);
    uint32_t f = info.first + (uint32_t)first;
    int grouped = labels_grouped(labels, count, f);
    if ((s = begin_body(out, &info, f, count, grouped, &rec, e)) != GV_OK) {
        free(labels);
        return gv_fail_prefix(e, "%s: ", src);
    }
    copy_replicas(out, rec, rec + count * RECORD_BYTES, bytes, &info, first, count);
    if (grouped) gv_wbuf_u64s(out, labels, count);
    free(labels);
    append_crc(out, start);
    return out->oom ? gv_fail(e, GV_ENOMEM, "%s: out of memory", src) : GV_OK;
}
