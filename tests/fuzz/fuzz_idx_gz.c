/* fuzz_idx_gz.c: the IDX reader on gzip files.  The fuzzer mutates the
 * decompressed bytes; each input is gzipped before it is read, so every
 * mutation reaches the compressed code path (no disk size to check the
 * header against: the bounded, growing decompression buffer must do it).
 * Corrupt gzip streams themselves are covered by fuzz_idx's .gz seeds. */
#define FUZZ_IDX_NO_MAIN
#include "fuzz_idx.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n;
    unsigned char *z = fz_gzip(data, size, &n);
    idx_all(fz_write(0, z, n));
    free(z);
    return 0;
}
