/* fuzz_csv.c: the CSV dataset reader (libcsv underneath), with the class in
 * the first column and in the last, on the raw input and on its gzip.
 * Beyond "no crash": a text holding a NUL byte never loads (strtod would
 * stop at the NUL and read "2\0junk" as 2). */
#include "fuzz_common.h"
#include "gv_data.h"

static void csv_once(const char *path, int label_column, int has_nul)
{
    gv_data *d = NULL;
    gv_err e = {0};
    gv_status s = gv_csv_load(path, label_column, &d, &e);
    fz_check_err(s, &e, "gv_csv_load");
    if (s == GV_OK) {
        if (!d || d->P == 0 || d->d == 0 || has_nul) abort();
        volatile float sum = 0;
        for (size_t i = 0; i < d->P * d->d; i++) sum += d->X[i];
        for (size_t i = 0; i < d->P; i++) sum += (float)d->cls[i];
        (void)sum;
    }
    gv_data_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fz_write(0, data, size);
    /* The text read is the input, or (when the input is a gzip stream) what it holds. */
    int gzipped = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    int nul = memchr(data, 0, size) != NULL;
    csv_once(path, 1, nul && !gzipped);
    csv_once(path, -1, nul && !gzipped);
    size_t n;
    unsigned char *z = fz_gzip(data, size, &n);
    csv_once(fz_write(0, z, n), 2, nul);
    free(z);
    return 0;
}
