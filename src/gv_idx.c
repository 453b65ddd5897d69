/* gv_idx.c: the IDX format of MNIST and Fashion-MNIST, plain or gzip.
 *
 * An IDX file is a 4-byte magic (0, 0, element type, number of dimensions),
 * one big-endian uint32 per dimension, then the elements, big-endian, in
 * row-major order.  The header is checked against what the file really holds
 * before anything of its promised size is allocated: a plain file by its
 * length, a gzip file by decompressing into a buffer that grows only as
 * bytes arrive and is capped at the promised size. */
#include "gv_data.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct idx_header {
    int type, ndim;
    size_t dims[GV_IDX_MAXDIM];
    size_t count; /* elements */
    size_t esize; /* bytes per element */
} idx_header;

static size_t type_size(int type)
{
    switch (type) {
    case 0x08: case 0x09: return 1;
    case 0x0B: return 2;
    case 0x0C: case 0x0D: return 4;
    case 0x0E: return 8;
    }
    return 0;
}

static const char *type_name(int type)
{
    switch (type) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "int16";
    case 0x0C: return "int32";
    case 0x0D: return "float32";
    case 0x0E: return "float64";
    }
    return "?";
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Element i of a big-endian payload as a double. */
static double element(const unsigned char *raw, int type, size_t i)
{
    const unsigned char *p;
    switch (type) {
    case 0x08: return raw[i];
    case 0x09: return (int8_t)raw[i];
    case 0x0B: p = raw + 2 * i; return (int16_t)((uint16_t)(p[0] << 8 | p[1]));
    case 0x0C: return (int32_t)be32(raw + 4 * i);
    case 0x0D: {
        uint32_t u = be32(raw + 4 * i);
        float f;
        memcpy(&f, &u, sizeof f);
        return f;
    }
    case 0x0E: {
        uint64_t u = (uint64_t)be32(raw + 8 * i) << 32 | be32(raw + 8 * i + 4);
        double x;
        memcpy(&x, &u, sizeof x);
        return x;
    }
    }
    return 0;
}

/* Open path, check its header against its length and return the raw
 * payload (*raw, malloc'ed, h->count * h->esize bytes). */
static gv_status idx_payload(const char *path, idx_header *h, unsigned char **raw, gv_err *e)
{
    *raw = NULL;
    memset(h, 0, sizeof *h);
    gv_file *f = gv_file_open(path, e);
    if (!f) return e ? e->status : GV_EIO;
    gv_status s;
    unsigned char magic[4], dimb[4 * GV_IDX_MAXDIM];
    size_t got;
    if ((s = gv_file_read(f, magic, 4, &got, e))) goto done;
    if (got == 0) {
        s = gv_fail(e, GV_EFORMAT, "%s: empty file (expected IDX data); fetch it again", path);
        goto done;
    }
    if (got < 4 || magic[0] != 0 || magic[1] != 0 || !type_size(magic[2]) || magic[3] < 1 ||
        magic[3] > GV_IDX_MAXDIM) {
        s = gv_fail(e, GV_EFORMAT,
                    "%s: not an IDX file (magic number %02x %02x %02x %02x; expected 00 00 "
                    "then a type code 08-0e and 1-%d dimensions)",
                    path, magic[0], got > 1 ? magic[1] : 0, got > 2 ? magic[2] : 0,
                    got > 3 ? magic[3] : 0, GV_IDX_MAXDIM);
        goto done;
    }
    h->type = magic[2];
    h->ndim = magic[3];
    h->esize = type_size(h->type);
    size_t hbytes = 4 + 4 * (size_t)h->ndim;
    if ((s = gv_file_read(f, dimb, 4 * (size_t)h->ndim, &got, e))) goto done;
    if (got < 4 * (size_t)h->ndim) {
        s = gv_fail(e, GV_EFORMAT, "%s: truncated IDX header (%zu of %zu bytes)", path, 4 + got,
                    hbytes);
        goto done;
    }
    size_t count = 1, bytes;
    int overflow = 0;
    for (int i = 0; i < h->ndim; i++) {
        h->dims[i] = be32(dimb + 4 * i);
        if (gv_mul_size(count, h->dims[i], &count)) overflow = 1;
    }
    if (overflow || gv_mul_size(count, h->esize, &bytes)) {
        s = gv_fail(e, GV_EFORMAT, "%s: the IDX header's dimensions (%d of them, first %zu) "
                    "multiply past the size of memory: not a valid IDX file", path, h->ndim,
                    h->dims[0]);
        goto done;
    }
    h->count = count;
    /* A plain file's length must match the header exactly. */
    if (!gv_file_compressed(f)) {
        uint64_t have = gv_file_disk_size(f) - hbytes;
        if (have != bytes) {
            s = gv_fail(e, GV_EFORMAT,
                        "%s: %llu bytes of data, the IDX header (%d dimensions, first %zu) "
                        "promises %zu%s",
                        path, (unsigned long long)have, h->ndim, h->dims[0], bytes,
                        have < bytes ? " (truncated file?); fetch it again"
                                     : " (extra bytes at the end)");
            goto done;
        }
    }
    size_t len;
    if ((s = gv_file_read_all(f, bytes, "the IDX header promises", raw, &len, e))) goto done;
    if (len != bytes) {
        free(*raw);
        *raw = NULL;
        s = gv_fail(e, GV_EFORMAT,
                    "%s: %zu bytes of data after decompression, the IDX header (%d dimensions, "
                    "first %zu) promises %zu (truncated file?); fetch it again",
                    path, len, h->ndim, h->dims[0], bytes);
        goto done;
    }
done:
    gv_file_close(f);
    return s;
}

gv_status gv_idx_read(const char *path, gv_idx *out, gv_err *e)
{
    memset(out, 0, sizeof *out);
    idx_header h;
    unsigned char *raw;
    gv_status s = idx_payload(path, &h, &raw, e);
    if (s) return s;
    double *v = malloc((h.count ? h.count : 1) * sizeof *v);
    if (!v) {
        free(raw);
        return gv_fail(e, GV_ENOMEM, "%s: cannot allocate %zu values", path, h.count);
    }
    for (size_t i = 0; i < h.count; i++) v[i] = element(raw, h.type, i);
    free(raw);
    out->type = h.type;
    out->ndim = h.ndim;
    memcpy(out->dims, h.dims, sizeof out->dims);
    out->count = h.count;
    out->v = v;
    return GV_OK;
}

void gv_idx_release(gv_idx *idx)
{
    if (!idx) return;
    free(idx->v);
    idx->v = NULL;
}

gv_status gv_idx_load(const char *images, const char *labels, gv_data **out, gv_err *e)
{
    *out = NULL;
    idx_header hi, hl;
    unsigned char *ri = NULL, *rl = NULL;
    gv_data *data = NULL;
    gv_status s = idx_payload(images, &hi, &ri, e);
    if (s) return s;
    size_t P = hi.dims[0], d = P ? hi.count / P : 0;
    if (P == 0 || d == 0) {
        s = gv_fail(e, GV_EFORMAT, "%s: the IDX file holds no images (%zu rows of %zu values)",
                    images, P, d);
        goto done;
    }
    /* Labels: a 1-dimensional (or P×1×...) integer IDX file with P entries. */
    if ((s = idx_payload(labels, &hl, &rl, e))) goto done;
    if (hl.type == 0x0D || hl.type == 0x0E) {
        s = gv_fail(e, GV_EFORMAT, "%s: labels must be integers, the IDX file holds %s values",
                    labels, type_name(hl.type));
        goto done;
    }
    if (hl.dims[0] != P) {
        s = gv_fail(e, GV_EFORMAT, "%s: %zu labels for %zu images in %s: give the labels file "
                    "of those images", labels, hl.dims[0], P, images);
        goto done;
    }
    if (hl.count != P) {
        s = gv_fail(e, GV_EFORMAT, "%s: %zu values in %d dimensions; expected one label per "
                    "image (a labels file, not an images file)", labels, hl.count, hl.ndim);
        goto done;
    }
    char name[256];
    const char *base = strrchr(images, '/');
    snprintf(name, sizeof name, "%s", base ? base + 1 : images);
    if (!(data = gv_data_alloc(P, d, name, e))) { s = e ? e->status : GV_ENOMEM; goto done; }
    if (hi.type == 0x08) { /* the MNIST case, kept fast */
        for (size_t i = 0; i < hi.count; i++) data->X[i] = ri[i];
    } else {
        for (size_t i = 0; i < hi.count; i++) {
            double x = element(ri, hi.type, i);
            if (!isfinite(x)) {
                s = gv_fail(e, GV_ENAN, "%s: image %zu, value %zu is not finite", images,
                            i / d + 1, i % d + 1);
                goto done;
            }
            if (fabs(x) > FLT_MAX) { /* a float64 file: inf as float32 */
                s = gv_fail(e, GV_ENAN, "%s: image %zu, value %zu is %g, out of float32 range "
                                        "(|x| <= 3.4e38; the features are stored as float32)",
                            images, i / d + 1, i % d + 1, x);
                goto done;
            }
            data->X[i] = (float)x;
        }
    }
    for (size_t i = 0; i < P; i++) data->cls[i] = (int32_t)element(rl, hl.type, i);
done:
    free(ri);
    free(rl);
    if (s) {
        gv_data_free(data);
        return s;
    }
    *out = data;
    return GV_OK;
}
