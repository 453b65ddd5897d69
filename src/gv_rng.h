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
    GV_RNG_TEST = 99
};

/* The 4×32 raw bits of block `block` of stream (seed, replica, purpose, step). */
void gv_rng_block(uint64_t seed, uint32_t replica, uint32_t purpose,
                  uint64_t step, uint64_t block, uint32_t out[4]);

/* Values index start .. start+n-1 of a stream.  The value at an index does not
 * depend on start or n (chunking a stream never changes it). */
void gv_rng_uniform(uint64_t seed, uint32_t replica, uint32_t purpose,
                    uint64_t step, uint64_t start, size_t n, double *out); /* [0,1) */
void gv_rng_normal(uint64_t seed, uint32_t replica, uint32_t purpose,
                   uint64_t step, uint64_t start, size_t n, double *out);  /* N(0,1) */

/* A uniform random permutation of 0..n-1 (Fisher–Yates driven by the stream). */
void gv_rng_permutation(uint64_t seed, uint32_t replica, uint32_t purpose,
                        uint64_t step, size_t n, uint32_t *perm);

#endif
