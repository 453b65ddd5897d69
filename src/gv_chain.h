/* gv_chain.h: glassvm's kernel (AVX-512, or AVX2 in OpenBLAS's AVX2
 * orders) for the network's products at most 96 wide, and the check that it
 * gives OpenBLAS's bits (docs/network.md, "Kernel", item 5).  Internal to
 * the engine: gv_mlp.c runs a product here at the row counts gv_chain_use
 * admits, and OpenBLAS (through the helpers below, which the check compares
 * against) everywhere else. */
#ifndef GV_CHAIN_H
#define GV_CHAIN_H

#include <stddef.h>

#include <cblas.h>

/* Rows a product may have (a chunk's at most). */
#define GV_CHAIN_MAX_ROWS 512

/* Floats rounded up to a multiple of 16 (64-byte aligned allocations). */
static inline size_t gv_align16(size_t nfloats) { return (nfloats + 15) & ~(size_t)15; }

/* The OpenBLAS path of a product, as the network runs it.
 * gv_sgemm0: C = A·op(B) into a zeroed C through beta = 1.
 * gv_relu: h > 0 ? h : 0.  gv_relu_mask: g ⊙ (a > 0). */
void gv_sgemm0(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, size_t M, size_t N, size_t K, const float *A,
               size_t lda, const float *B, size_t ldb, float *C, size_t ldc);
void gv_relu(float *restrict h, size_t n);
void gv_relu_mask(float *restrict g, const float *restrict a, size_t n);

/* The products (which): the forward product (gv_sgemm0 with B transposed,
 * then gv_relu), the deltas' (gv_sgemm0, then gv_relu_mask), the weight
 * gradient's (cblas_sgemm Tᵀ·N added into the accumulator). */
enum { GV_CHAIN_FORWARD, GV_CHAIN_DELTAS, GV_CHAIN_WGRAD };
/* How B rows of a product run (gv_chain_use): in the kernel (gv_chain or
 * gv_chain_tn), the weight gradient in OpenBLAS's blocks of rows
 * (gv_chain_tn with blocks), the deltas with the dot-product tail
 * (gv_chain_dot), or OpenBLAS. */
enum { GV_CHAIN_UNKNOWN, GV_CHAIN_YES, GV_CHAIN_BLOCKS, GV_CHAIN_DOT, GV_CHAIN_NO };

/* A product's shape in the process's table (K, n, which), or NULL where the
 * kernel never runs it (n > 96, neither AVX-512 nor AVX2, table full). */
typedef struct gv_chain_shape gv_chain_shape;
gv_chain_shape *gv_chain_shape_of(size_t K, size_t n, int which);
/* How B rows of the shape's product run; checked on test data the first
 * time a row count comes, once per process.  NULL: GV_CHAIN_NO. */
int gv_chain_use(gv_chain_shape *s, size_t B);

/* Which kernel this build has: 0 none (OpenBLAS everywhere), 1 the AVX-512
 * one (each output one FMA chain), 2 the AVX2 one (gv_chain_hsw). */
int gv_chain_kernel(void);

/* The kernels.  Each returns 0 (and does nothing) where it is not compiled
 * in (builds without AVX-512 or AVX2; gv_chain_dot: without AVX-512) or the
 * shape is not its case.  On AVX2 builds gv_chain and gv_chain_tn sum as
 * gv_chain_hsw and gv_chain_hsw_tn (below; gv_chain_tn's blocks ignored).
 * gv_chain: h (B × n) = act(a (B × K) · b (K × n)), n <= 96, each output one
 * FMA chain over k from 0; act the ReLU (sel == NULL: h > 0 ? h : 0) or the
 * ReLU derivative's mask (sel[i][j] > 0 ? h : 0). */
int gv_chain(const float *a, size_t B, size_t K, const float *b, size_t n, const float *sel,
             float *h);
/* c (m × n) += gᵀ a for g (K × m), a (K × n), n <= 96: each element one FMA
 * chain, then added; blocks != 0: the chain over k cut into OpenBLAS's
 * level-3 blocks (320 while 640 or more remain, then the rest in two halves
 * rounded up to 16), each added in turn. */
int gv_chain_tn(const float *g, size_t K, size_t m, const float *a, size_t n, float *c, int blocks);
/* The deltas' product as OpenBLAS's AVX-512 small-matrix kernel computes
 * it: the columns in whole vectors of 16 as gv_chain with a mask, the last
 * 1–8 as 16-lane dot products added in a fixed tree (docs/network.md).  Its
 * case: n % 16 in 1..8, 32 <= K <= 256, n <= 96. */
int gv_chain_dot(const float *a, size_t B, size_t K, const float *b, size_t n, const float *sel,
                 float *h);

/* The kernel on AVX2 builds without AVX-512 (gv_chain_hsw.c): gv_chain's
 * and gv_chain_tn's products in the orders of OpenBLAS's Haswell and Zen
 * cores (their inner-dimension blocks included), instead of one chain. */
void gv_chain_hsw(const float *a, size_t B, size_t K, const float *b, size_t n, const float *sel,
                  float *h);
void gv_chain_hsw_tn(const float *g, size_t K, size_t m, const float *a, size_t n, float *c);
/* dst (nc × nr, rows ldd apart) = the transpose of src (nr × nc, rows lds
 * apart): 8 × 8 blocks in registers, edges element by element. */
void gv_chain_hsw_transpose(const float *src, size_t lds, size_t nr, size_t nc, float *dst,
                            size_t ldd);
/* The widest weight gradient gv_chain_hsw_tn runs in chunks of its inner
 * dimension (wider ones run their blocks whole, below OpenBLAS's speed at
 * n mod 8 = 1 or 2: gv_chain_shape_of leaves those to OpenBLAS). */
#define GV_CHAIN_HSW_CHUNK_MAX_N 64

/* dst (in × out) = the transpose of src (out × in), in 16 × 16 tiles (in
 * registers where whole, on AVX-512 builds; in 8 × 8 tiles on AVX2 builds). */
void gv_chain_transpose(const float *src, size_t out, size_t in, float *dst);

#endif
