/* fuzz_cifar.c: the CIFAR-10 batch reader: one batch, two batches (the
 * append path), and the input gzipped (no disk size to check first). */
#include "fuzz_common.h"
#include "gv_data.h"

static void cifar_once(const char *const *paths, size_t n)
{
    gv_data *d = NULL;
    gv_err e = {0};
    gv_status s = gv_cifar_load(paths, n, &d, &e);
    fz_check_err(s, &e, "gv_cifar_load");
    if (s == GV_OK) {
        if (!d || d->P == 0 || d->d != GV_CIFAR_ROW - 1) abort();
        volatile float sum = 0;
        for (size_t i = 0; i < d->P; i++) sum += d->X[i * d->d + d->d - 1] + (float)d->cls[i];
        (void)sum;
    }
    gv_data_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fz_write(0, data, size);
    const char *one[1] = {path}, *two[2] = {path, path};
    cifar_once(one, 1);
    cifar_once(two, 2);
    size_t n;
    unsigned char *z = fz_gzip(data, size, &n);
    const char *gz = fz_write(1, z, n);
    free(z);
    const char *mixed[2] = {gz, path};
    cifar_once(mixed, 2);
    return 0;
}
