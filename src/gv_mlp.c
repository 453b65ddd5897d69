/* gv_mlp.c: the bias-free ReLU network, its quadratic hinge loss and the
 * full-batch gradient, the hot path of every run (6·N·P flops per step).
 *
 * Kernel layout (docs/network.md, "Kernel"):
 *  - rows are cut into nparts(nrows) partitions (a function of nrows only)
 *    and each partition into chunks of m->chunk rows (a function of the
 *    architecture only), small enough that one chunk's activations for all
 *    layers stay in L2;
 *  - per chunk: forward through every layer (float32 GEMMs, ReLU applied in
 *    place), hinge derivative in double, drop satisfied rows (their
 *    derivative is exactly 0), backward, accumulate the weight gradient
 *    into the partition's float accumulator (GEMM beta = 1);
 *  - each partition is converted to double and the partitions are summed in
 *    index order, so the result is bit-identical for any thread count.
 * OpenBLAS runs single-threaded inside our OpenMP threads (gv_threads_set).
 * On AVX-512 and AVX2 builds, products at most 96 wide (a layer's forward
 * product, the deltas into it, its weight gradient) run in glassvm's own
 * kernel (gv_chain.c) at the row counts where it gives OpenBLAS's bits exactly,
 * which a check on test data establishes (gv_chain_use). */
#include "gv_mlp.h"
#include "gv_chain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __AVX512F__
#include <immintrin.h>
#endif

#include <cblas.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "gv_rng.h"

/* ---- profile (cmake -DGV_PROFILE=ON; docs/performance.md) ----------------
 * PROF(c): add the time since this thread's previous mark to category c
 * (CPU seconds summed over threads); PROF_START: set the mark.  Without
 * GV_PROFILE both are nothing. */
#ifdef GV_PROFILE
#include <time.h>
static double prof_sum[GV_PROF_N];
static _Thread_local double prof_last;
static double prof_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
void gv_profile_mark(int c)
{
    double t = prof_now();
    if (c >= 0) {
        double dt = t - prof_last;
#pragma omp atomic
        prof_sum[c] += dt;
    }
    prof_last = t;
}
int gv_profile_read(double *t, int reset)
{
    for (int c = 0; c < GV_PROF_N; c++) {
        t[c] = prof_sum[c];
        if (reset) prof_sum[c] = 0;
    }
    return 1;
}
#define PROF(c) gv_profile_mark(c)
#else
int gv_profile_read(double *t, int reset)
{
    (void)reset;
    for (int c = 0; c < GV_PROF_N; c++) t[c] = 0;
    return 0;
}
#define PROF(c) ((void)0)
#endif
#define PROF_START PROF(-1)

/* Rows per partition below which a partition is not split further; at most
 * GV_MLP_MAX_PARTS partitions.  Changing either changes results in the last
 * bits (the order of the float sums), so they are fixed constants. */
#define PART_MIN_ROWS 1024
#define GV_MLP_MAX_PARTS 16
/* Bytes of L2 the chunk's activations and float weights may use. */
#define CHUNK_BUDGET (768u * 1024u)
#define CHUNK_MIN 16
#define CHUNK_MAX 512
_Static_assert(CHUNK_MAX <= GV_CHAIN_MAX_ROWS, "a chunk's rows must fit the kernel's table");

struct gv_mlp {
    size_t d, nlayers, nw, maxw, sumh, chunk;
    size_t in[GV_MLP_MAX_LAYERS], out[GV_MLP_MAX_LAYERS], off[GV_MLP_MAX_LAYERS];
};

/* Per-thread scratch: one chunk's activations for every layer. */
typedef struct thr_buf {
    float *x;      /* gathered input rows (row subsets only), chunk × d */
    float *h;      /* hidden activations, layer after layer, chunk × h_l each */
    float *g0, *g1; /* back-propagated deltas, chunk × maxw */
    float *f, *df; /* outputs and dL/df (×n) of the chunk */
    float *gw;     /* the partition's gradient accumulator, nw floats */
} thr_buf;

struct gv_mlp_work {
    const gv_mlp *m;
    int nthreads;
    int loss_check;    /* out->loss only needs to be finite iff the exact one is */
    size_t parts_cap;  /* partitions the accumulators below can hold */
    float *wf;         /* the weights in float32 */
    float *wt;         /* weights transposed (in × out at off[l]) for gv_chain() */
    /* Layer l's products that may run in glassvm's kernel (gv_chain_use says at
     * which row counts), NULL where never: the forward product, the deltas
     * through layer l, the weight gradient. */
    gv_chain_shape *fw[GV_MLP_MAX_LAYERS], *dl[GV_MLP_MAX_LAYERS], *wg[GV_MLP_MAX_LAYERS];
    double *acc;       /* parts_cap × nw: per-partition gradients */
    double *stats;     /* parts_cap × 4: loss sum, correct, unsat, and whether
                        * the partition had an unsatisfied row (run_partition) */
    thr_buf *thr;
    void *block;       /* one allocation behind all thread buffers */
};

/* ---- shape --------------------------------------------------------------- */

gv_mlp *gv_mlp_alloc(size_t d, size_t nhidden, const size_t *widths, gv_err *e)
{
    if (d == 0) {
        gv_fail(e, GV_EINVAL, "mlp: input dimension d must be at least 1");
        return NULL;
    }
    if (nhidden + 1 > GV_MLP_MAX_LAYERS) {
        gv_fail(e, GV_EINVAL, "mlp: %zu hidden layers, at most %d are supported", nhidden,
                GV_MLP_MAX_LAYERS - 1);
        return NULL;
    }
    for (size_t l = 0; l < nhidden; l++)
        if (widths[l] == 0 || widths[l] > (1u << 20)) {
            gv_fail(e, GV_EINVAL, "mlp: hidden layer %zu has width %zu; widths must be 1 .. 2^20",
                    l + 1, widths[l]);
            return NULL;
        }
    gv_mlp *m = calloc(1, sizeof *m);
    if (!m) {
        gv_fail(e, GV_ENOMEM, "mlp: out of memory");
        return NULL;
    }
    m->d = d;
    m->nlayers = nhidden + 1;
    size_t in = d, off = 0;
    for (size_t l = 0; l < m->nlayers; l++) {
        size_t out = l < nhidden ? widths[l] : 1, n;
        if (gv_mul_size(in, out, &n) || off + n < off) {
            free(m);
            gv_fail(e, GV_EINVAL, "mlp: too many weights");
            return NULL;
        }
        m->in[l] = in;
        m->out[l] = out;
        m->off[l] = off;
        off += n;
        if (l < nhidden) {
            m->sumh += out;
            if (out > m->maxw) m->maxw = out;
        }
        in = out;
    }
    m->nw = off;
    if (m->maxw < d) m->maxw = d; /* g buffers also hold chunk × d in general */
    /* Chunk rows: activations (d + Σh), two delta buffers, f and df per row,
     * plus the float weights and gradient, within CHUNK_BUDGET. */
    size_t per_row = 4 * (d + m->sumh + 2 * m->maxw + 2);
    size_t fixed = 8 * m->nw;
    size_t c = fixed < CHUNK_BUDGET / 2 ? (CHUNK_BUDGET - fixed) / per_row
                                        : (CHUNK_BUDGET / 2) / per_row;
    c = c / CHUNK_MIN * CHUNK_MIN;
    if (c < CHUNK_MIN) c = CHUNK_MIN;
    if (c > CHUNK_MAX) c = CHUNK_MAX;
    m->chunk = c;
    return m;
}

void gv_mlp_free(gv_mlp *m) { free(m); }

size_t gv_mlp_input_dim(const gv_mlp *m) { return m->d; }
size_t gv_mlp_nweights(const gv_mlp *m) { return m->nw; }
size_t gv_mlp_nlayers(const gv_mlp *m) { return m->nlayers; }
size_t gv_mlp_chunk_rows(const gv_mlp *m) { return m->chunk; }

void gv_mlp_layer(const gv_mlp *m, size_t l, size_t *offset, size_t *out, size_t *in)
{
    if (offset) *offset = m->off[l];
    if (out) *out = m->out[l];
    if (in) *in = m->in[l];
}

void gv_mlp_describe(const gv_mlp *m, char *buf, size_t n)
{
    size_t L = m->nlayers - 1, used = 0;
    int equal = L > 1;
    for (size_t l = 1; l < L; l++) equal = equal && m->out[l] == m->out[0];
    if (n == 0) return;
    buf[0] = '\0';
#define ADD(...)                                                                   \
    do {                                                                           \
        int k_ = snprintf(buf + used, n - used, __VA_ARGS__);                      \
        if (k_ < 0 || (size_t)k_ >= n - used) { /* no partial layer: cut before */ \
            buf[used] = '\0';                                                      \
            return;                                                                \
        }                                                                          \
        used += (size_t)k_;                                                        \
    } while (0)
    ADD("%zu", m->d);
    if (equal)
        ADD("-%zux%zu", m->out[0], L);
    else
        for (size_t l = 0; l < L; l++) ADD("-%zu", m->out[l]);
    ADD("-1");
#undef ADD
}

void gv_mlp_init_weights(const gv_mlp *m, uint64_t seed, uint32_t replica, double *w)
{
    /* One uniform stream for the whole vector: weight k is value k, so the
     * init does not depend on how layers are traversed. */
    gv_rng_uniform(seed, replica, GV_RNG_INIT, 0, 0, m->nw, w);
    for (size_t l = 0; l < m->nlayers; l++) {
        double b = 1.0 / sqrt((double)m->in[l]);
        double *p = w + m->off[l];
        for (size_t k = 0; k < m->in[l] * m->out[l]; k++) p[k] = b * (2.0 * p[k] - 1.0);
    }
}

/* ---- workspace ----------------------------------------------------------- */

/* Partitions of nrows rows: a power of two (so that 2, 4, 8 threads share
 * them evenly), each of at least PART_MIN_ROWS rows, at most
 * GV_MLP_MAX_PARTS.  Depends on nrows only: never on the thread count. */
static size_t nparts(size_t nrows)
{
    size_t p = 1;
    while (p * 2 <= GV_MLP_MAX_PARTS && nrows / (p * 2) >= PART_MIN_ROWS) p *= 2;
    return p;
}

size_t gv_mlp_partitions(size_t nrows) { return nparts(nrows); }


static gv_status reserve_parts(gv_mlp_work *ws, size_t parts, gv_err *e)
{
    if (parts <= ws->parts_cap) return GV_OK;
    size_t nw = ws->m->nw;
    double *acc = realloc(ws->acc, parts * nw * sizeof *acc);
    if (!acc) return gv_fail(e, GV_ENOMEM, "mlp: cannot allocate %zu gradient partitions of %zu weights",
                             parts, nw);
    ws->acc = acc;
    double *st = realloc(ws->stats, parts * 4 * sizeof *st);
    if (!st) return gv_fail(e, GV_ENOMEM, "mlp: out of memory for partition sums");
    ws->stats = st;
    ws->parts_cap = parts;
    return GV_OK;
}

gv_mlp_work *gv_mlp_work_alloc(const gv_mlp *m, size_t max_rows, int nthreads, gv_err *e)
{
    if (nthreads < 1) nthreads = 1;
    /* OpenBLAS on one thread from here on (gv_threads_set), before the
     * kernel's checks compare with it: its threads sum large products in
     * other orders on some cores. */
    (void)gv_threads();
    gv_mlp_work *ws = calloc(1, sizeof *ws);
    if (!ws) goto oom;
    ws->m = m;
    ws->nthreads = nthreads;
    size_t C = m->chunk, nw = m->nw;
    size_t per = gv_align16(C * m->d) + gv_align16(C * m->sumh) + 2 * gv_align16(C * m->maxw) +
                 2 * gv_align16(C) + gv_align16(nw);
    ws->wf = aligned_alloc(64, gv_align16(nw) * sizeof(float));
    ws->thr = calloc((size_t)nthreads, sizeof *ws->thr);
    ws->block = aligned_alloc(64, per * (size_t)nthreads * sizeof(float));
    if (!ws->wf || !ws->thr || !ws->block) goto oom;
    float *p = ws->block;
    for (int t = 0; t < nthreads; t++) {
        thr_buf *b = &ws->thr[t];
        b->x = p;  p += gv_align16(C * m->d);
        b->h = p;  p += gv_align16(C * m->sumh);
        b->g0 = p; p += gv_align16(C * m->maxw);
        b->g1 = p; p += gv_align16(C * m->maxw);
        b->f = p;  p += gv_align16(C);
        b->df = p; p += gv_align16(C);
        b->gw = p; p += gv_align16(nw);
    }
    if (reserve_parts(ws, nparts(max_rows), e) != GV_OK) {
        gv_mlp_work_free(ws);
        return NULL;
    }
    /* The hidden layers' products (the output layer's are matrix–vector
     * products); deltas into layer l - 1's outputs, so none through layer 0. */
    /* A forward product runs in the kernel only if it does for a chunk (or
     * all rows, if fewer): else it would cost a transpose of the layer's
     * weights at every evaluation for nothing (OpenBLAS's AVX2 cores). */
    int any_fw = 0;
    size_t typical = max_rows < C ? max_rows : C;
    for (size_t l = 0; l + 1 < m->nlayers; l++) {
        ws->fw[l] = gv_chain_shape_of(m->in[l], m->out[l], GV_CHAIN_FORWARD);
        if (gv_chain_use(ws->fw[l], typical) != GV_CHAIN_YES) ws->fw[l] = NULL;
        ws->dl[l] = l > 0 ? gv_chain_shape_of(m->out[l], m->in[l], GV_CHAIN_DELTAS) : NULL;
        ws->wg[l] = gv_chain_shape_of(m->out[l], m->in[l], GV_CHAIN_WGRAD);
        any_fw |= ws->fw[l] != NULL;
    }
    if (any_fw) {
        ws->wt = aligned_alloc(64, gv_align16(nw) * sizeof(float));
        if (!ws->wt) goto oom;
    }
    return ws;
oom:
    gv_mlp_work_free(ws);
    gv_fail(e, GV_ENOMEM, "mlp: cannot allocate the workspace for %d threads", nthreads);
    return NULL;
}

void gv_mlp_work_free(gv_mlp_work *ws)
{
    if (!ws) return;
    free(ws->wf);
    free(ws->wt);
    free(ws->acc);
    free(ws->stats);
    free(ws->thr);
    free(ws->block);
    free(ws);
}

/* ---- the kernel ---------------------------------------------------------- */

/* Forward pass of B rows starting at x (B × d): the hidden activations go to
 * b->h, the outputs to b->f. */
static void forward_chunk(const gv_mlp *m, const gv_mlp_work *ws, const float *x, size_t B,
                          thr_buf *b)
{
    const float *a = x, *wf = ws->wf;
    float *h = b->h;
    size_t L = m->nlayers - 1;
    for (size_t l = 0; l < L; l++) {
        size_t out = m->out[l], in = m->in[l];
        if (gv_chain_use(ws->fw[l], B) == GV_CHAIN_YES) {
            gv_chain(a, B, in, ws->wt + m->off[l], out, NULL, h); /* ReLU included */
            PROF(GV_PROF_FORWARD);
        } else {
            gv_sgemm0(CblasNoTrans, CblasTrans, B, out, in, a, in, wf + m->off[l], in, h, out);
            PROF(GV_PROF_FORWARD);
            gv_relu(h, B * out);
            PROF(GV_PROF_OWN);
        }
        a = h;
        h += B * out;
    }
    cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)B, (int)m->in[L], 1.0f, a, (int)m->in[L],
                wf + m->off[L], 1, 0.0f, b->f, 1);
    PROF(GV_PROF_FORWARD);
}

/* One row of n floats: the input rows (n = d, 10 after the paper's PCA)
 * in one masked move rather than a call to memcpy per row. */
static inline void copy_row(float *restrict dst, const float *restrict src, size_t n)
{
#ifdef __AVX512F__
    if (n <= 16) {
        __mmask16 k = (__mmask16)((1u << n) - 1);
        _mm512_mask_storeu_ps(dst, k, _mm512_maskz_loadu_ps(k, src));
        return;
    }
#endif
    memcpy(dst, src, n * sizeof *dst);
}

/* Move the rows listed in keep[0..nk) (increasing) to the front of a B × n
 * row-major block (in place: keep[j] >= j). */
static void compact_rows(float *a, size_t n, const uint32_t *keep, size_t nk)
{
    for (size_t j = 0; j < nk; j++)
        if (keep[j] != j) copy_row(a + j * n, a + (size_t)keep[j] * n, n);
}

/* Backward pass of the nk rows left in b after compaction, df in b->df:
 * accumulates into b->gw (beta = 0 for the first chunk of a partition). */
static void backward_chunk(const gv_mlp *m, const gv_mlp_work *ws, const float *x, size_t B,
                           size_t nk, float beta, thr_buf *b)
{
    const float *wf = ws->wf;
    size_t L = m->nlayers - 1;
    /* Start of each hidden layer's activations in b->h (laid out for B rows,
     * the kept rows compacted to the front of each layer). */
    float *hl[GV_MLP_MAX_LAYERS];
    float *h = b->h;
    for (size_t l = 0; l < L; l++) { hl[l] = h; h += B * m->out[l]; }
    const float *aL = L > 0 ? hl[L - 1] : x;
    size_t inL = m->in[L];
    /* Output layer: grad += a^T df; delta_{L-1} = df w ⊙ (a > 0). */
    PROF_START;
    cblas_sgemv(CblasRowMajor, CblasTrans, (int)nk, (int)inL, 1.0f, aL, (int)inL, b->df, 1, beta,
                b->gw + m->off[L], 1);
    PROF(GV_PROF_WGRAD);
    if (L == 0) return;
    const float *wo = wf + m->off[L];
    float *g = b->g0, *gn = b->g1;
    /* df_i w, then the mask in one vectorised pass (a select of df_i w_j
     * inside this loop compiles to a branch per element: 3 % of a step). */
    for (size_t i = 0; i < nk; i++) {
        float di = b->df[i];
        float *restrict gi = g + i * inL;
#pragma omp simd
        for (size_t j = 0; j < inL; j++) gi[j] = di * wo[j];
    }
    gv_relu_mask(g, aL, nk * inL);
    PROF(GV_PROF_DELTA);
    if (beta == 0.0f) memset(b->gw, 0, m->off[L] * sizeof *b->gw); /* as gv_sgemm0 */
    for (size_t l = L; l-- > 0;) {
        size_t out = m->out[l], in = m->in[l];
        const float *a = l > 0 ? hl[l - 1] : x;
        int use = gv_chain_use(ws->wg[l], nk);
        if (use == GV_CHAIN_YES || use == GV_CHAIN_BLOCKS)
            gv_chain_tn(g, nk, out, a, in, b->gw + m->off[l], use == GV_CHAIN_BLOCKS);
        else
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)out, (int)in, (int)nk, 1.0f, g,
                        (int)out, a, (int)in, 1.0f, b->gw + m->off[l], (int)in);
        PROF(GV_PROF_WGRAD);
        if (l == 0) break;
        use = gv_chain_use(ws->dl[l], nk);
        if (use == GV_CHAIN_YES) {
            gv_chain(g, nk, out, wf + m->off[l], in, a, gn); /* the mask included */
        } else if (use == GV_CHAIN_DOT) {
            gv_chain_dot(g, nk, out, wf + m->off[l], in, a, gn);
        } else {
            gv_sgemm0(CblasNoTrans, CblasNoTrans, nk, in, out, g, out, wf + m->off[l], in, gn, in);
            gv_relu_mask(gn, a, nk * in);
        }
        PROF(GV_PROF_DELTA);
        float *t = g; g = gn; gn = t;
    }
}

/* Rows [r0, r1) of the evaluation (through `rows` if given) as one partition:
 * statistics into st[0..3), gradient (if want_grad) into acc[0..nw), outputs
 * (if fout) into fout[r0..r1). */
static void run_partition(const gv_mlp *m, const gv_mlp_work *ws, const gv_data *data,
                          const uint32_t *rows, size_t r0, size_t r1, int want_grad,
                          double *fout, thr_buf *b, double *st, double *acc)
{
    size_t C = m->chunk, d = m->d;
    double loss = 0, correct = 0, unsat = 0;
    int have = 0; /* the float accumulator b->gw holds this partition's sum */
    uint32_t keep[CHUNK_MAX];
    PROF_START;
    for (size_t c0 = r0; c0 < r1; c0 += C) {
        size_t B = r1 - c0 < C ? r1 - c0 : C;
        const float *x;
        if (rows) {
            for (size_t i = 0; i < B; i++)
                copy_row(b->x + i * d, data->X + (size_t)rows[c0 + i] * d, d);
            x = b->x;
        } else {
            x = data->X + c0 * d;
        }
        PROF(GV_PROF_OWN); /* the gather */
        forward_chunk(m, ws, x, B, b);
        size_t nk = 0;
        for (size_t i = 0; i < B; i++) {
            size_t r = rows ? rows[c0 + i] : c0 + i;
            double y = data->y[r], f = b->f[i];
            if (fout) fout[c0 + i] = f;
            double yf = y * f;
            correct += yf > 0;
            /* Without a branch (in a trained basin a third of the rows, at
             * random, are unsatisfied: the branch mispredicted, 2 % of a
             * step): a satisfied row adds exact zeros to the sums (the
             * same bits) and its df and keep entries are overwritten.  A
             * NaN output (the float forward pass overflowed) counts as
             * unsatisfied, so the loss is NaN and an integrator loses the
             * replica with a message, instead of the row dropping out. */
            int u = !(yf >= 1);
            double mg = 1 - yf, mu;
            uint64_t mb; /* mu = u ? mg : +0 as a mask (gcc makes a select a branch) */
            memcpy(&mb, &mg, sizeof mb);
            mb &= (uint64_t)0 - (uint64_t)u;
            memcpy(&mu, &mb, sizeof mu);
            unsat += u;
            loss += 0.5 * mu * mu;
            b->df[nk] = (float)(-y * mg);
            keep[nk] = (uint32_t)i;
            nk += (size_t)u;
        }
        if (!want_grad || nk == 0) continue;
        /* Satisfied rows contribute exact zeros: drop them before the
         * backward pass (2/3 of the flops). */
        if (nk < B) {
            if (rows) compact_rows(b->x, d, keep, nk);
            float *h = b->h;
            for (size_t l = 0; l + 1 < m->nlayers; l++) {
                compact_rows(h, m->out[l], keep, nk);
                h += B * m->out[l];
            }
            /* Unsubsetted input rows are not compacted in place (they are
             * the dataset): gather them. */
            if (!rows) {
                for (size_t j = 0; j < nk; j++)
                    copy_row(b->x + j * d, x + (size_t)keep[j] * d, d);
                x = b->x;
            }
        }
        PROF(GV_PROF_OWN); /* hinge and compaction */
        backward_chunk(m, ws, x, B, nk, have ? 1.0f : 0.0f, b);
        have = 1;
    }
    PROF(GV_PROF_OWN);
    st[0] = loss;
    st[1] = correct;
    st[2] = unsat;
    st[3] = have; /* acc == NULL: the sum stays in b->gw for reduce_grad */
    if (want_grad && acc) {
        if (have)
            for (size_t k = 0; k < m->nw; k++) acc[k] = b->gw[k];
        else
            memset(acc, 0, m->nw * sizeof *acc);
    }
}

static gv_status check_args(const gv_mlp *m, gv_mlp_work *ws, const gv_data *data,
                            const uint32_t *rows, size_t nrows, int need_y, gv_err *e)
{
    if (!m || !ws || !data) return gv_fail(e, GV_EINVAL, "mlp: network, workspace and data are required");
    if (ws->m != m) return gv_fail(e, GV_EINVAL, "mlp: workspace was built for another network");
    if (data->d != m->d)
        return gv_fail(e, GV_EDIM, "mlp: %s has %zu features per row but the network expects d = %zu",
                       data->name, data->d, m->d);
    if (need_y && !data->y)
        return gv_fail(e, GV_EINVAL, "mlp: %s has no ±1 labels; binarise it first "
                       "(dataset:binarize(\"parity\") or a class map)", data->name);
    if (rows) {
        if (nrows == 0) return gv_fail(e, GV_EINVAL, "mlp: empty row list");
        for (size_t i = 0; i < nrows; i++)
            if (rows[i] >= data->P)
                return gv_fail(e, GV_EINVAL, "mlp: row index %u (position %zu) is out of range: %s has %zu rows",
                               rows[i], i, data->name, data->P);
    } else if (data->P == 0) {
        return gv_fail(e, GV_EINVAL, "mlp: %s has no rows", data->name);
    }
    return GV_OK;
}

/* Parallel driver shared by eval and forward. */
static void run_all(const gv_mlp *m, gv_mlp_work *ws, const gv_data *data, const uint32_t *rows,
                    size_t n, size_t np, int want_grad, double *fout)
{
    int nt = ws->nthreads < (int)np ? ws->nthreads : (int)np;
    size_t nw = m->nw;
#ifdef _OPENMP
    if (nt > 1) {
#pragma omp parallel num_threads(nt)
        {
            gv_worker_enter(); /* on every thread, also one that gets no partition */
#pragma omp for schedule(dynamic, 1) nowait
            for (size_t p = 0; p < np; p++) {
                thr_buf *b = &ws->thr[omp_get_thread_num()];
                run_partition(m, ws, data, rows, p * n / np, (p + 1) * n / np, want_grad, fout,
                              b, ws->stats + 4 * p, ws->acc + p * nw);
            }
        }
        return;
    }
#endif
    /* One partition (SGD's batches): its float sum stays in the buffer and
     * reduce_grad reads it there, without a pass through ws->acc. */
    for (size_t p = 0; p < np; p++)
        run_partition(m, ws, data, rows, p * n / np, (p + 1) * n / np, want_grad, fout,
                      &ws->thr[0], ws->stats + 4 * p, np > 1 ? ws->acc + p * nw : NULL);
}

void gv_mlp_work_loss_check_only(gv_mlp_work *ws, int on) { ws->loss_check = on != 0; }
uint64_t gv_mlp_work_own_kernel(const gv_mlp_work *ws, int which)
{
    gv_chain_shape *const *s = which == GV_CHAIN_WGRAD ? ws->wg : which == GV_CHAIN_DELTAS ? ws->dl : ws->fw;
    uint64_t bits = 0;
    for (size_t l = 0; l + 1 < ws->m->nlayers; l++)
        if (gv_chain_use(s[l], ws->m->chunk) != GV_CHAIN_NO) bits |= (uint64_t)1 << l;
    return bits;
}
void gv_mlp_work_blas_only(gv_mlp_work *ws)
{
    for (size_t l = 0; l < GV_MLP_MAX_LAYERS; l++) ws->fw[l] = ws->dl[l] = ws->wg[l] = NULL;
}

/* |w|² summed in index order (the loss's bits depend on this order). */
static double sumsq_ordered(const double *w, size_t n)
{
    double s = 0;
    for (size_t k = 0; k < n; k++) s += w[k] * w[k];
    return s;
}

/* The loss data_loss + (λ/2)|w|².  In loss-check mode |w|² is the any-order
 * sum sq: every term is >= 0, so the ordered sum differs from it by a
 * relative 2·N·2⁻⁵³ at most, and when the result is far from overflow the
 * exact loss is finite too.  Otherwise, and outside that mode, the ordered
 * sum (a chain of dependent additions: 7 % of an SGD step at w = 72). */
static double loss_of(const gv_mlp_work *ws, const double *w, size_t n, double data_loss,
                      double lambda, double sq)
{
    if (ws->loss_check && isfinite(data_loss)) {
        double loss = data_loss + 0.5 * lambda * sq;
        if (loss < 1e300) return loss;
    }
    return data_loss + 0.5 * lambda * sumsq_ordered(w, n);
}

/* reduce_grad for one partition: grad = (0 + gw)·inv + λw (gw = 0 where
 * !any).  No contraction into fused multiply-adds (-std=c11), here or in
 * descend_one, which must round each coordinate as this does. */
static inline __attribute__((always_inline)) void
grad_one(double *restrict grad, const float *restrict gw, const double *restrict w, size_t nw,
         double inv, double lambda, const int any)
{
#pragma omp simd
    for (size_t k = 0; k < nw; k++)
        grad[k] = (0.0 + (any ? (double)gw[k] : 0.0)) * inv + lambda * w[k];
}

/* grad = (Σ_p acc_p)/n + λw.  Each coordinate sums its partitions in index
 * order, starting from 0 (so -0 sums to +0 as before): any split of the
 * coordinates over threads, and vectorising over them, gives the same bits. */
static void reduce_grad(const gv_mlp_work *ws, const double *restrict w, size_t np, size_t n,
                        double lambda, double *restrict grad)
{
    size_t nw = ws->m->nw;
    const double *restrict acc = ws->acc;
    double inv = 1.0 / (double)n;
    int nt = ws->nthreads;
    (void)nt;
    if (np == 1) { /* the float sum in thread 0's buffer (run_all): as below, in one pass */
        const float *restrict gw = ws->thr[0].gw;
        if (ws->stats[3] != 0) grad_one(grad, gw, w, nw, inv, lambda, 1);
        else grad_one(grad, gw, w, nw, inv, lambda, 0); /* no unsatisfied row: a zero sum */
        return;
    }
    size_t nb = (nw + 1023) / 1024; /* blocks of 1024 coordinates */
    /* Threads only for big sums: below 2M additions (0.5 ms) a parallel
     * region costs more than it saves, much more on busy cores. */
#pragma omp parallel num_threads(nt) if (nt > 1 && nw * np > (1u << 21))
    {
        gv_worker_enter(); /* on every thread, also one that gets no block */
#pragma omp for schedule(static) nowait
        for (size_t blk = 0; blk < nb; blk++) {
            size_t k0 = blk * 1024, k1 = k0 + 1024 < nw ? k0 + 1024 : nw;
#pragma omp simd
            for (size_t k = k0; k < k1; k++) grad[k] = 0.0 + acc[k];
            for (size_t p = 1; p < np; p++) {
                const double *restrict a = acc + p * nw;
#pragma omp simd
                for (size_t k = k0; k < k1; k++) grad[k] += a[k];
            }
#pragma omp simd
            for (size_t k = k0; k < k1; k++) grad[k] = grad[k] * inv + lambda * w[k];
        }
    }
}

/* ---- the step folded into the gradient's pass ------------------------------ */

/* w ← w − lr·grad with grad formed as grad_one forms it: the bits of
 * grad_one followed by gv_integ_step's update, without the N doubles of
 * grad written and read back. */
static inline __attribute__((always_inline)) void
descend_one(double *restrict w, const float *restrict gw, size_t nw, double inv, double lambda,
            double lr, const int any)
{
#pragma omp simd
    for (size_t k = 0; k < nw; k++) {
        double g = (0.0 + (any ? (double)gw[k] : 0.0)) * inv + lambda * w[k];
        w[k] = w[k] - lr * g;
    }
}

/* The largest bit pattern of |gw_k| (NaN > inf > every finite value). */
static uint32_t abs_max_bits(const float *restrict gw, size_t nw)
{
    uint32_t m = 0;
#pragma omp simd reduction(max: m)
    for (size_t k = 0; k < nw; k++) {
        uint32_t b;
        memcpy(&b, &gw[k], sizeof b);
        b &= 0x7fffffffu;
        m = b > m ? b : m;
    }
    return m;
}

/* Whether every w_k − lr·g_k (g_k = (0 + gw_k)·inv + λ w_k, rounded as
 * descend_one rounds it) is finite, from |w|² (so |w_k| <= |w|) and max
 * |gw_k|: the bound |w| + lr(|gw_k|·inv + λ|w|), computed in double, below
 * 2^1020; the roundings of the step and of the bound itself are relative
 * 2⁻⁵⁰ at most, far inside the factor 16 left to DBL_MAX.  An infinity or
 * NaN in either (|w|² also overflows from |w_k| > 2^511) makes the bound
 * inf or NaN, and the comparison false. */
static int step_is_finite(double sq, uint32_t gwmax, int any, double inv, double lambda,
                          double lr)
{
    double wm = sqrt(sq);
    float gf;
    memcpy(&gf, &gwmax, sizeof gf);
    double gb = (any ? (double)gf : 0.0) * inv + lambda * wm;
    return wm + lr * gb < 0x1p1020;
}

/* The weights in float32 for the kernel, and the transposes gv_chain() reads
 * for the forward products.  Returns |w|² in any order (vectorised partial
 * sums), for the loss check and the step's bound. */
static double to_float(gv_mlp_work *ws, const double *restrict w)
{
    const gv_mlp *m = ws->m;
    float *restrict f = ws->wf;
    size_t n = m->nw;
    double sq = 0;
#pragma omp simd reduction(+: sq)
    for (size_t k = 0; k < n; k++) {
        f[k] = (float)w[k];
        sq += w[k] * w[k];
    }
    for (size_t l = 0; l + 1 < m->nlayers; l++)
        if (ws->fw[l]) gv_chain_transpose(f + m->off[l], m->out[l], m->in[l], ws->wt + m->off[l]);
    return sq;
}

/* gv_mlp_eval, and with lr > 0 gv_mlp_eval_step (wstep: the weights it may
 * replace, w itself). */
static gv_status eval(const gv_mlp *m, gv_mlp_work *ws, const double *w, double *wstep,
                      const gv_data *data, const uint32_t *rows, size_t nrows, double lambda,
                      double lr, double *grad, gv_eval *out, int *stepped, gv_err *e)
{
    if (stepped) *stepped = 0;
    gv_status s = check_args(m, ws, data, rows, nrows, 1, e);
    if (s != GV_OK) return s;
    size_t n = rows ? nrows : data->P, nw = m->nw, np = nparts(n);
    if ((s = reserve_parts(ws, np, e)) != GV_OK) return s;
    PROF_START;
    double sq = to_float(ws, w);
    PROF(GV_PROF_REDUCE);
    run_all(m, ws, data, rows, n, np, grad != NULL, NULL);
    PROF_START;
    /* Fixed-order reductions. */
    double loss = 0, correct = 0, unsat = 0;
    for (size_t p = 0; p < np; p++) {
        loss += ws->stats[4 * p];
        correct += ws->stats[4 * p + 1];
        unsat += ws->stats[4 * p + 2];
    }
    gv_eval local;
    if (!out && lr > 0) out = &local; /* a step needs the loss */
    if (out) {
        out->data_loss = loss / (double)n;
        out->loss = loss_of(ws, w, nw, out->data_loss, lambda, sq); /* at w, before any step */
        out->accuracy = correct / (double)n;
        out->unsat = unsat / (double)n;
        out->n = n;
    }
    if (grad) {
        /* One partition (SGD's batches) with a finite loss: the step in the
         * gradient's pass when no new weight can overflow. */
        const float *gw = ws->thr[0].gw;
        int any = ws->stats[3] != 0;
        if (lr > 0 && np == 1 && isfinite(out->loss) &&
            step_is_finite(sq, any ? abs_max_bits(gw, nw) : 0, any, 1.0 / (double)n, lambda, lr)) {
            if (any) descend_one(wstep, gw, nw, 1.0 / (double)n, lambda, lr, 1);
            else descend_one(wstep, gw, nw, 1.0 / (double)n, lambda, lr, 0);
            *stepped = 1;
        } else {
            reduce_grad(ws, w, np, n, lambda, grad);
        }
    }
    PROF(GV_PROF_REDUCE);
    return GV_OK;
}

gv_status gv_mlp_eval(const gv_mlp *m, gv_mlp_work *ws, const double *w,
                      const gv_data *data, const uint32_t *rows, size_t nrows,
                      double lambda, double *grad, gv_eval *out, gv_err *e)
{
    return eval(m, ws, w, NULL, data, rows, nrows, lambda, 0, grad, out, NULL, e);
}

gv_status gv_mlp_eval_step(const gv_mlp *m, gv_mlp_work *ws, double *w, const gv_data *data,
                           const uint32_t *rows, size_t nrows, double lambda, double lr,
                           double *grad, gv_eval *out, int *stepped, gv_err *e)
{
    if (!(lr > 0) || !grad || !stepped)
        return gv_fail(e, GV_EINVAL, "mlp: a step needs lr > 0, a gradient buffer and a flag");
    return eval(m, ws, w, w, data, rows, nrows, lambda, lr, grad, out, stepped, e);
}

gv_status gv_mlp_forward(const gv_mlp *m, gv_mlp_work *ws, const double *w,
                         const gv_data *data, double *f, gv_err *e)
{
    gv_status s = check_args(m, ws, data, NULL, 0, 0, e);
    if (s != GV_OK) return s;
    size_t n = data->P, np = nparts(n);
    if ((s = reserve_parts(ws, np, e)) != GV_OK) return s;
    to_float(ws, w);
    /* Forward only: the labels are not needed, but run_partition reads y for
     * its statistics, so use a label-free path. */
    if (!data->y) {
        gv_data tmp = *data;
        int8_t *ones = malloc(n);
        if (!ones) return gv_fail(e, GV_ENOMEM, "mlp: out of memory");
        memset(ones, 1, n);
        tmp.y = ones;
        run_all(m, ws, &tmp, NULL, n, np, 0, f);
        free(ones);
        return GV_OK;
    }
    run_all(m, ws, data, NULL, n, np, 0, f);
    return GV_OK;
}
