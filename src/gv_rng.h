/* gv_rng.h: counter-based random numbers (Random123 Philox4x32-10).
 *
 * Every random number is a pure function of (seed, replica, purpose, step,
 * index): no generator state exists.  A replica's stream is therefore the same
 * whichever thread, order or MPI rank computes it, and a restart continues the
 * identical trajectory without saving anything but the step. */
#ifndef GV_RNG_H
#define GV_RNG_H

#include <stddef.h>
#include <stdint.h>

/* Purposes: independent streams for independent uses.  Never renumber (that
 * would change every published result); append new ones. */
enum gv_rng_purpose {
    GV_RNG_INIT = 1,    /* initial weights */
    GV_RNG_NOISE = 2,   /* Langevin noise */
    GV_RNG_SHUFFLE = 3, /* SGD epoch permutations (step = epoch) */
    GV_RNG_DATA = 4,    /* dataset subset / split */
    GV_RNG_USER = 5,    /* glass.rng from Lua */
    GV_RNG_SUBSEED = 6, /* gv_rng_subseed (step = point index) */
    GV_RNG_BOOTSTRAP = 7, /* replica resampling (gv_analysis.h; step = resample) */
    GV_RNG_TEST = 99
};

/* Ranges within which every (replica, purpose, step, block) has its own
 * Philox counter (no two streams ever share a block): any 64-bit seed, any
 * 32-bit replica, purpose < 2^8, step < 2^48, block < 2^40 (a block is 4
 * words = 2 doubles, so indices < 2^41).  Higher bits are dropped. */
#define GV_RNG_PURPOSE_BITS 8
#define GV_RNG_STEP_BITS 48
#define GV_RNG_BLOCK_BITS 40

/* The 4×32 raw bits of block `block` of stream (seed, replica, purpose, step). */
void gv_rng_block(uint64_t seed, uint32_t replica, uint32_t purpose,
                  uint64_t step, uint64_t block, uint32_t out[4]);

/* Values index start .. start+n-1 of a stream.  The value at an index does not
 * depend on start or n (chunking a stream never changes it). */
void gv_rng_uniform(uint64_t seed, uint32_t replica, uint32_t purpose,
                    uint64_t step, uint64_t start, size_t n, double *out); /* [0,1) */
/* Normal value i uses block i/2 (Box–Muller pairs); uniform value i uses
 * words 2(i%2), 2(i%2)+1 of block i/2, 53 bits, spacing 2^-53. */
void gv_rng_normal(uint64_t seed, uint32_t replica, uint32_t purpose,
                   uint64_t step, uint64_t start, size_t n, double *out);  /* N(0,1) */

/* The seed of sweep point `index` (< 2^48) of a run with seed `seed`: the
 * first two words of block 0 of stream (seed, replica 0, GV_RNG_SUBSEED,
 * step = index), w0 | w1 << 32, with the top bit cleared (so it is a
 * non-negative Lua integer).  Distinct indices give independent seeds. */
uint64_t gv_rng_subseed(uint64_t seed, uint64_t index);

/* A uniform random permutation of 0..n-1 (Fisher–Yates driven by the stream;
 * n < 2^32). */
void gv_rng_permutation(uint64_t seed, uint32_t replica, uint32_t purpose,
                        uint64_t step, size_t n, uint32_t *perm);

#endif
