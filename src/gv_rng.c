/* gv_rng.c: counter-based random numbers (Random123 Philox4x32-10).
 *
 * Mapping (see gv_rng.h and docs/network.md; never change it, a change
 * alters every published trajectory; tests/test_gv_rng.c pins raw outputs):
 *   key     = { seed & 0xffffffff, seed >> 32 }
 *   counter = { block bits 0..31,
 *               block bits 32..39 | purpose << 8 | step bits 0..15 << 16,
 *               step bits 16..47,
 *               replica }
 * so distinct (replica, purpose < 2^8, step < 2^48, block < 2^40) give
 * distinct counters, hence independent blocks under one key. */
#include "gv_rng.h"

#include <math.h>

#include <Random123/philox.h>

/* The counter of a block (the mapping above). */
static inline philox4x32_ctr_t counter(uint32_t replica, uint32_t purpose, uint64_t step,
                                       uint64_t block)
{
    philox4x32_ctr_t c = {{(uint32_t)block,
                           (uint32_t)((block >> 32) & 0xffu) | ((purpose & 0xffu) << 8) |
                               ((uint32_t)(step & 0xffffu) << 16),
                           (uint32_t)(step >> 16), replica}};
    return c;
}

void gv_rng_block(uint64_t seed, uint32_t replica, uint32_t purpose,
                  uint64_t step, uint64_t block, uint32_t out[4])
{
    philox4x32_key_t k = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
    philox4x32_ctr_t r = philox4x32(counter(replica, purpose, step, block), k);
    out[0] = r.v[0];
    out[1] = r.v[1];
    out[2] = r.v[2];
    out[3] = r.v[3];
}

uint64_t gv_rng_subseed(uint64_t seed, uint64_t index)
{
    uint32_t b[4];
    gv_rng_block(seed, 0, GV_RNG_SUBSEED, index, 0, b);
    return ((uint64_t)b[0] | (uint64_t)b[1] << 32) & (UINT64_MAX >> 1);
}

/* 53 random bits from two words -> a double in [0, 1) with spacing 2^-53. */
static inline double u53(uint32_t hi, uint32_t lo)
{
    uint64_t k = ((uint64_t)(hi >> 5) << 26) | (lo >> 6);
    return (double)k * 0x1.0p-53;
}

/* Uniform value j (0 or 1) of a block is built from words 2j and 2j+1. */
void gv_rng_uniform(uint64_t seed, uint32_t replica, uint32_t purpose,
                    uint64_t step, uint64_t start, size_t n, double *out)
{
    uint32_t b[4];
    uint64_t blk = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        uint64_t idx = start + i;
        if (idx / 2 != blk) {
            blk = idx / 2;
            gv_rng_block(seed, replica, purpose, step, blk, b);
        }
        unsigned j = (unsigned)(idx & 1) * 2;
        out[i] = u53(b[j], b[j + 1]);
    }
}

/* Box–Muller on one block: the pair (z0, z1) are normals 2·blk and 2·blk+1.
 * u1 = 1 − U lies in (0, 1], so the log is always finite. */
#define TWO_PI 6.283185307179586476925286766559
static inline void box_muller(const uint32_t b[4], double z[2])
{
    double u1 = 1.0 - u53(b[0], b[1]);
    double u2 = u53(b[2], b[3]);
    double r = sqrt(-2.0 * log(u1));
    double t = TWO_PI * u2;
    z[0] = r * cos(t);
    z[1] = r * sin(t);
}

/* Philox4x32-10 on LANES consecutive blocks side by side (the same rounds
 * as Random123's philox4x32, one lane per block, so the compiler can run
 * the lanes in vector registers: 32 × 32 → 64-bit products, xors):
 * out[w][j] = word w of block block0 + j. */
#define LANES 16
static void block_lanes(uint64_t seed, uint32_t replica, uint32_t purpose, uint64_t step,
                        uint64_t block0, uint32_t out[4][LANES])
{
    for (int j = 0; j < LANES; j++) {
        philox4x32_ctr_t c = counter(replica, purpose, step, block0 + (uint64_t)j);
        for (int w = 0; w < 4; w++) out[w][j] = c.v[w];
    }
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    for (int round = 0; round < 10; round++) {
        if (round > 0) k0 += PHILOX_W32_0, k1 += PHILOX_W32_1;
#pragma omp simd
        for (int j = 0; j < LANES; j++) {
            uint64_t p0 = (uint64_t)PHILOX_M4x32_0 * out[0][j];
            uint64_t p1 = (uint64_t)PHILOX_M4x32_1 * out[2][j];
            uint32_t n0 = (uint32_t)(p1 >> 32) ^ out[1][j] ^ k0;
            uint32_t n2 = (uint32_t)(p0 >> 32) ^ out[3][j] ^ k1;
            out[1][j] = (uint32_t)p1;
            out[3][j] = (uint32_t)p0;
            out[0][j] = n0;
            out[2][j] = n2;
        }
    }
}

void gv_rng_normal(uint64_t seed, uint32_t replica, uint32_t purpose,
                   uint64_t step, uint64_t start, size_t n, double *out)
{
    size_t i = 0;
    uint32_t b[4];
    double z[2];
    /* An odd start: the second half of its block. */
    if (n > 0 && (start & 1)) {
        gv_rng_block(seed, replica, purpose, step, start / 2, b);
        box_muller(b, z);
        out[i++] = z[1];
    }
    /* LANES whole blocks at a time: the generator and the arithmetic in
     * vectors, log, cos and sin one value at a time (libm's, as
     * box_muller's: the same expressions, so the same bits). */
    for (; i + 2 * LANES <= n; i += 2 * LANES) {
        uint32_t bl[4][LANES];
        block_lanes(seed, replica, purpose, step, (start + i) / 2, bl);
        double u1[LANES], t[LANES], r[LANES];
#pragma omp simd
        for (int j = 0; j < LANES; j++) {
            u1[j] = 1.0 - u53(bl[0][j], bl[1][j]);
            t[j] = TWO_PI * u53(bl[2][j], bl[3][j]);
        }
        for (int j = 0; j < LANES; j++) r[j] = -2.0 * log(u1[j]);
#pragma omp simd
        for (int j = 0; j < LANES; j++) r[j] = sqrt(r[j]); /* of values >= 0 */
        for (int j = 0; j < LANES; j++) {
            out[i + 2 * j] = r[j] * cos(t[j]);
            out[i + 2 * j + 1] = r[j] * sin(t[j]);
        }
    }
    /* The other whole blocks. */
    for (; i + 1 < n; i += 2) {
        gv_rng_block(seed, replica, purpose, step, (start + i) / 2, b);
        box_muller(b, z);
        out[i] = z[0];
        out[i + 1] = z[1];
    }
    /* A trailing half block. */
    if (i < n) {
        gv_rng_block(seed, replica, purpose, step, (start + i) / 2, b);
        box_muller(b, z);
        out[i] = z[0];
    }
}

/* Fisher–Yates, position i (from n−1 down) swapped with j uniform in [0, i].
 * Draw i is the 64-bit value (block i/2, words 2(i&1), 2(i&1)+1); j is
 * ⌊u·(i+1) / 2^64⌋ (Lemire's multiply), whose bias (i+1)/2^64 is far below
 * anything measurable. */
void gv_rng_permutation(uint64_t seed, uint32_t replica, uint32_t purpose,
                        uint64_t step, size_t n, uint32_t *perm)
{
    for (size_t i = 0; i < n; i++) perm[i] = (uint32_t)i;
    /* The blocks LANES at a time, [lo, lo + LANES) holding i / 2. */
    uint32_t b[4][LANES];
    uint64_t lo = UINT64_MAX;
    for (size_t i = n; i-- > 1;) {
        uint64_t blk = i / 2;
        if (blk < lo || lo == UINT64_MAX) {
            lo = blk >= LANES - 1 ? blk - (LANES - 1) : 0;
            block_lanes(seed, replica, purpose, step, lo, b);
        }
        unsigned w = (unsigned)(i & 1) * 2, l = (unsigned)(blk - lo);
        uint64_t u = ((uint64_t)b[w][l] << 32) | b[w + 1][l];
        size_t j = (size_t)(((unsigned __int128)u * (i + 1)) >> 64);
        uint32_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}
