/* gv_cifar.c: CIFAR-10 binary batches (data_batch_1.bin ... test_batch.bin).
 *
 * A batch is a plain sequence of rows, each 1 class byte (0-9) followed by
 * 3072 pixel bytes: the 32×32 red plane, then green, then blue, each
 * row-major.  There is no header, so a file's (decompressed) length must be
 * a positive multiple of 3073.  Pixels are kept as 0..255 floats in the
 * file's order. */
#include "gv_data.h"

#include <stdlib.h>
#include <string.h>

/* Append the rows of one batch to *data (created on the first batch). */
static gv_status load_batch(const char *path, gv_data **data, gv_err *e)
{
    enum { D = GV_CIFAR_ROW - 1 };
    gv_file *f = gv_file_open(path, e);
    if (!f) return e ? e->status : GV_EIO;
    gv_status s = GV_OK;
    unsigned char *raw = NULL;
    size_t len = 0;
    if (!gv_file_compressed(f) && gv_file_disk_size(f) % GV_CIFAR_ROW != 0) {
        s = gv_fail(e, GV_EFORMAT,
                    "%s: %llu bytes is not a whole number of CIFAR-10 rows (%d bytes each: "
                    "1 class byte + 3072 pixels); truncated file?",
                    path, (unsigned long long)gv_file_disk_size(f), GV_CIFAR_ROW);
        goto done;
    }
    uint64_t max = gv_file_compressed(f) ? GV_DATA_MAX_BYTES : gv_file_disk_size(f);
    if ((s = gv_file_read_all(f, max, "a CIFAR batch may hold", &raw, &len, e))) goto done;
    if (len == 0) {
        s = gv_fail(e, GV_EFORMAT, "%s: empty file (expected CIFAR-10 rows)", path);
        goto done;
    }
    if (len % GV_CIFAR_ROW != 0) {
        s = gv_fail(e, GV_EFORMAT,
                    "%s: %zu bytes after decompression is not a whole number of CIFAR-10 rows "
                    "(%d bytes each); truncated file?", path, len, GV_CIFAR_ROW);
        goto done;
    }
    size_t n = len / GV_CIFAR_ROW;
    for (size_t i = 0; i < n; i++)
        if (raw[i * GV_CIFAR_ROW] > 9) {
            s = gv_fail(e, GV_EFORMAT,
                        "%s: row %zu has class byte %d, not 0-9 (not a CIFAR-10 batch?)", path,
                        i + 1, raw[i * GV_CIFAR_ROW]);
            goto done;
        }
    size_t P0 = *data ? (*data)->P : 0, P = P0 + n;
    if (!*data) {
        const char *base = strrchr(path, '/');
        if (!(*data = gv_data_alloc(n, D, base ? base + 1 : path, e))) {
            s = e ? e->status : GV_ENOMEM;
            goto done;
        }
    } else {
        size_t bytes;
        if (gv_mul_size(P, (size_t)D * sizeof(float), &bytes)) {
            s = gv_fail(e, GV_ENOMEM, "%s: too many rows", path);
            goto done;
        }
        float *x = realloc((*data)->X, bytes);
        if (x) (*data)->X = x;
        int32_t *c = realloc((*data)->cls, P * sizeof *c);
        if (c) (*data)->cls = c;
        if (!x || !c) {
            s = gv_fail(e, GV_ENOMEM, "%s: cannot allocate %zu rows", path, P);
            goto done;
        }
        (*data)->P = P;
    }
    for (size_t i = 0; i < n; i++) {
        const unsigned char *r = raw + i * GV_CIFAR_ROW;
        float *x = (*data)->X + (P0 + i) * D;
        (*data)->cls[P0 + i] = r[0];
        for (size_t j = 0; j < D; j++) x[j] = r[1 + j];
    }
done:
    free(raw);
    gv_file_close(f);
    return s;
}

gv_status gv_cifar_load_rows(const char *const *paths, size_t npaths, size_t *rows,
                             gv_data **out, gv_err *e)
{
    *out = NULL;
    if (npaths == 0) return gv_fail(e, GV_EINVAL, "CIFAR-10: no batch files given");
    gv_data *data = NULL;
    for (size_t i = 0; i < npaths; i++) {
        size_t before = data ? data->P : 0;
        gv_status s = load_batch(paths[i], &data, e);
        if (s) {
            gv_data_free(data);
            return s;
        }
        if (rows) rows[i] = data->P - before;
    }
    *out = data;
    return GV_OK;
}

gv_status gv_cifar_load(const char *const *paths, size_t npaths, gv_data **out, gv_err *e)
{
    return gv_cifar_load_rows(paths, npaths, NULL, out, e);
}
