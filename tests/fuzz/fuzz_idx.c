/* fuzz_idx.c: the IDX reader on raw bytes (plain files, and gzip streams
 * when the input starts with gzip's magic: the seeds include both).
 *
 * Each input goes through the three ways the format is read: as one IDX
 * array (gv_idx_read), as images and labels at once (a 1-D integer file is
 * valid as both), and as the labels of a fixed, valid 6-image file. */
#include "fuzz_common.h"
#include "gv_data.h"

/* tiny-images.idx3 of tests/data: 6 images of 2x3 unsigned bytes. */
static const char *fixed_images(void)
{
    static const char *path;
    if (!path) {
        unsigned char b[16 + 36] = {0, 0, 8, 3, 0, 0, 0, 6, 0, 0, 0, 2, 0, 0, 0, 3};
        for (int i = 0; i < 36; i++) b[16 + i] = (unsigned char)i;
        path = fz_write(1, b, sizeof b);
    }
    return path;
}

/* Shared with fuzz_idx_gz.c: run every IDX entry point on the file at path. */
static void idx_all(const char *path)
{
    const char *images = fixed_images();
    gv_err e = {0};
    gv_idx idx;
    gv_status s = gv_idx_read(path, &idx, &e);
    fz_check_err(s, &e, "gv_idx_read");
    if (s == GV_OK) {
        /* Touch every value so ASan sees the whole array. */
        volatile double sum = 0;
        for (size_t i = 0; i < idx.count; i++) sum += idx.v[i];
        (void)sum;
    }
    gv_idx_release(&idx);

    gv_data *d = NULL;
    gv_err e2 = {0};
    s = gv_idx_load(path, path, &d, &e2);
    fz_check_err(s, &e2, "gv_idx_load(input, input)");
    if (s == GV_OK && (!d || d->P == 0 || d->d == 0)) abort();
    gv_data_free(d);

    gv_err e3 = {0};
    s = gv_idx_load(images, path, &d, &e3);
    fz_check_err(s, &e3, "gv_idx_load(fixed, input)");
    if (s == GV_OK && (!d || d->P != 6 || d->d != 6)) abort();
    gv_data_free(d);
}

#ifndef FUZZ_IDX_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    idx_all(fz_write(0, data, size));
    return 0;
}
#endif
