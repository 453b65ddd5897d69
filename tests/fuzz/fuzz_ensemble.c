/* fuzz_ensemble.c: the ensemble file reader (gv_ensemble_load) against a
 * small flat landscape (N = 3 weights, the N of the seed files).
 *
 * A random mutation almost never keeps the trailing CRC-32 right, which
 * would stop the fuzzer at the CRC check; so each input is also loaded with
 * its last 4 bytes replaced by the CRC of the bytes before them, letting
 * mutations of the header, status records and weights reach every check
 * that follows the CRC. */
#include "fuzz_common.h"
#include "gv_ensemble.h"
#include "gv_landscape.h"

enum { FUZZ_N = 3 };

static void load_once(const gv_landscape *land, const char *path)
{
    gv_err e = {0};
    gv_ensemble *ens = gv_ensemble_load(path, land, &e);
    fz_check_err(ens ? GV_OK : GV_EFORMAT, &e, "gv_ensemble_load");
    if (ens) {
        size_t R = gv_ensemble_size(ens);
        if (R == 0 || gv_ensemble_nweights(ens) != FUZZ_N) abort();
        volatile double sum = 0;
        for (size_t r = 0; r < R; r++) {
            const double *w = gv_ensemble_weights(ens, r);
            for (size_t i = 0; i < FUZZ_N; i++) sum += w[i];
            if (gv_ensemble_lost(ens, r)) sum += (double)strlen(gv_ensemble_lost_reason(ens, r));
        }
        (void)sum;
        gv_ensemble_free(ens);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static gv_landscape *land;
    if (!land) {
        gv_err e = {0};
        land = gv_landscape_flat(FUZZ_N, 10, 0.0, &e);
        if (!land) { fprintf(stderr, "%s\n", e.msg); abort(); }
    }
    load_once(land, fz_write(0, data, size));
    if (size >= 4) {
        unsigned char *fixed = malloc(size);
        if (!fixed) abort();
        memcpy(fixed, data, size);
        uint32_t c = (uint32_t)crc32(crc32(0L, Z_NULL, 0), fixed, (uInt)(size - 4));
        for (int i = 0; i < 4; i++) fixed[size - 4 + i] = (unsigned char)(c >> (8 * i));
        load_once(land, fz_write(0, fixed, size));
        free(fixed);
    }
    return 0;
}
