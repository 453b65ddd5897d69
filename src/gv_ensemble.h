/* gv_ensemble.h: R replicas of one landscape advanced together.
 *
 * CONTRACT (relied on by gv_obs and the bindings; keep these signatures):
 * the read-only accessors below and gv_ensemble_run's hook semantics
 * (gv_hook.h).  Everything else in this header belongs to the ensemble
 * module and may grow. */
#ifndef GV_ENSEMBLE_H
#define GV_ENSEMBLE_H

#include "gv_core.h"
#include "gv_hook.h"
#include "gv_mlp.h"

typedef struct gv_ensemble gv_ensemble;
typedef struct gv_landscape gv_landscape;

size_t gv_ensemble_size(const gv_ensemble *ens);      /* R */
size_t gv_ensemble_nweights(const gv_ensemble *ens);  /* N */
uint64_t gv_ensemble_step(const gv_ensemble *ens);    /* common step count */
/* A number no other ensemble of this process has (a clone, a same-basin
 * ensemble or a loaded one gets its own): an observer checks with it that
 * it measures one ensemble. */
uint64_t gv_ensemble_id(const gv_ensemble *ens);
uint64_t gv_ensemble_seed(const gv_ensemble *ens);
const double *gv_ensemble_weights(const gv_ensemble *ens, size_t r);
/* Nonzero once replica r is lost (non-finite loss or weights); it is then
 * frozen, excluded from integration and from every average. */
int gv_ensemble_lost(const gv_ensemble *ens, size_t r);
size_t gv_ensemble_nlost(const gv_ensemble *ens);
/* Groups of weights for per-layer observables (one group for null models). */
size_t gv_ensemble_ngroups(const gv_ensemble *ens);
void gv_ensemble_group(const gv_ensemble *ens, size_t g, size_t *offset, size_t *count);
/* Loss, data loss, accuracy, unsatisfied fraction of replica r on the whole
 * landscape (full batch), with the landscape's λ given explicitly. */
gv_status gv_ensemble_eval(gv_ensemble *ens, size_t r, double lambda, gv_eval *out, gv_err *e);

/* ---- the ensemble module (everything below may grow) ------------------- */

struct gv_integ;

/* R >= 1 replicas of landscape `land` (borrowed: it must outlive the
 * ensemble).  Replica r uses RNG replica id first_replica + r for its
 * initial weights (gv_landscape_init), its Langevin noise and its SGD
 * shuffles, so replica k of any ensemble equals replica 0 of an ensemble with
 * first_replica = k.  All replicas start at step 0, running. */
gv_ensemble *gv_ensemble_alloc(const gv_landscape *land, size_t R, uint64_t seed,
                               uint32_t first_replica, gv_err *e);
void gv_ensemble_free(gv_ensemble *ens);
/* A deep copy (weights, statuses, step, seed) on the same landscape. */
gv_ensemble *gv_ensemble_clone(const gv_ensemble *ens, gv_err *e);

/* Change the seed that keys later Langevin noise and SGD shuffles (the
 * weights already drawn are untouched): ens:clone{seed=} gives each sweep
 * point its own noise stream from one set of quenched weights. */
void gv_ensemble_set_seed(gv_ensemble *ens, uint64_t seed);

const gv_landscape *gv_ensemble_landscape(const gv_ensemble *ens);
uint32_t gv_ensemble_first_replica(const gv_ensemble *ens);
/* For a lost replica: the step whose update failed and why. */
uint64_t gv_ensemble_lost_step(const gv_ensemble *ens, size_t r);
const char *gv_ensemble_lost_reason(const gv_ensemble *ens, size_t r);

/* Replace replica r's weights (N finite values); a lost replica given new
 * weights runs again. */
gv_status gv_ensemble_set_weights(gv_ensemble *ens, size_t r, const double *w, gv_err *e);
/* Set the common step counter (it selects SGD batches and Langevin noise,
 * see gv_integ.h); step < 2^48. */
gv_status gv_ensemble_set_step(gv_ensemble *ens, uint64_t step, gv_err *e);

/* Advance every running replica with `integ` to step to_step (>= the
 * current step), stopping for hooks as gv_hook.h describes: at every step
 * from the current one to to_step inclusive, each hook whose pending event
 * equals the step is fired (so events at the starting step fire too).  A
 * hook whose pending event is already in the past is refused before
 * anything runs.
 * Replicas run in parallel over replicas (one single-threaded workspace per
 * thread) when there are enough of them, else one after the other with the
 * data split over gv_threads() threads; the results are bit-identical
 * either way.  A replica whose loss or new weights are not finite is marked
 * lost and frozen at its last finite weights; the others go on.
 * Between events the replicas advance in blocks of steps sized to last
 * about 0.05 s (one barrier per block; results never depend on the block
 * lengths).  gv_interrupt_pending() is polled after every block, once the
 * hooks due at the step reached have fired (as a run to that step would): the
 * run then returns GV_EINTR ("interrupted at step N") with every replica at
 * the same whole step N, leaving the flag set for the caller to clear.  A run
 * that reaches to_step returns GV_OK even with the flag set (it is left set:
 * a caller that loops checks gv_interrupt_pending() itself).  Returns
 * GV_ENAN if no replica is left running, or a hook's failure. */
gv_status gv_ensemble_run(gv_ensemble *ens, const struct gv_integ *integ, uint64_t to_step,
                          const gv_hook *hooks, size_t nhooks, gv_err *e);
/* The same, stopping early once `seconds` of wall time have passed (0 or
 * +inf: no limit): at the end of the first block of steps that ends after
 * the deadline, once the hooks due at that step have fired -- exactly as a
 * run to that step would have stopped.  The caller reads how far it got
 * from gv_ensemble_step.  Where it stops depends on the clock; the weights
 * and observers at any step do not (the blocks never change them), so runs
 * cut by seconds and continued give the bit-identical result of one run. */
gv_status gv_ensemble_run_for(gv_ensemble *ens, const struct gv_integ *integ, uint64_t to_step,
                              const gv_hook *hooks, size_t nhooks, double seconds, gv_err *e);

/* Binary save/load (docs/dynamics.md, "Ensemble files"): header, per-replica
 * statuses, weights, CRC-32 over every preceding byte; written to
 * "<path>.tmp" and renamed, so a crash never leaves a torn file.  Loading
 * validates magic, version, N against `land`, size and CRC. */
gv_status gv_ensemble_save(const gv_ensemble *ens, const char *path, gv_err *e);
gv_ensemble *gv_ensemble_load(const char *path, const gv_landscape *land, gv_err *e);

/* The same format in memory (save and load go through these; checkpoints
 * store an ensemble as these bytes).  `src` names the bytes in messages
 * ("run/checkpoint.gvckpt, ensemble 'main'"). */
struct gv_wbuf;
/* Append the ensemble file's bytes to out. */
gv_status gv_ensemble_serialize(const gv_ensemble *ens, struct gv_wbuf *out, gv_err *e);
/* A new ensemble on `land` from checked bytes (as gv_ensemble_load). */
gv_ensemble *gv_ensemble_deserialize(const unsigned char *bytes, size_t len, const char *src,
                                     const gv_landscape *land, gv_err *e);
/* Overwrite ens's weights, step and statuses with the bytes' after the same
 * checks, refusing bytes saved from another kind of landscape or with other
 * replicas, seed or first_replica (ens is unchanged on failure). */
gv_status gv_ensemble_restore(gv_ensemble *ens, const unsigned char *bytes, size_t len,
                              const char *src, gv_err *e);
/* The header of checked bytes, without a landscape (all checks but N's). */
typedef struct gv_ensemble_info {
    uint64_t N, R, step, seed;
    uint32_t first;
    uint32_t version; /* 1: no basin labels; 2: labels; 3: architecture and labels flag */
    int labels;       /* basin labels saved (a same-basin ensemble) */
    size_t header;    /* bytes before the status records: 64, or 256 from version 3 */
    char kind[17];    /* the landscape kind, NUL-terminated */
    char arch[121];   /* the network's architecture ("10-30x6-1"), "" when unknown
                         (before version 3) or none (flat, harmonic) */
    char data[49];    /* the network's dataset name ("MNIST train"), "" as arch */
    uint64_t rows;    /* its rows P (the landscape's P); 0 before version 3 */
    uint32_t data_crc; /* CRC-32 of its float inputs, then its ±1 labels; 0 without */
} gv_ensemble_info;
gv_status gv_ensemble_peek(const unsigned char *bytes, size_t len, const char *src,
                           gv_ensemble_info *info, gv_err *e);

/* Where the steps of gv_ensemble_run are computed (gv_device.h): "cpu" (the
 * default, gv_device_default()), "cuda", "ref".  An unknown device, or one
 * this build or machine lacks, fails with one line and changes nothing.
 * Clones inherit the device; observers, checkpoints and files see the same
 * host weights whatever the device (they come back after every block). */
gv_status gv_ensemble_set_device(gv_ensemble *ens, const char *name, gv_err *e);
const char *gv_ensemble_device(const gv_ensemble *ens);
/* ---- same-basin (isoconfigurational) ensembles -------------------------
 * Every replica carries a basin label; replicas with one label started from
 * the same weights (noise replicas of one basin).  By default every replica
 * is its own basin: label first_replica + r.  Labels are saved (when any
 * differs from the default), cloned, sliced and concatenated with
 * the replicas, so observers on any number of ranks see the same groups. */
uint64_t gv_ensemble_basin(const gv_ensemble *ens, size_t r);
const uint64_t *gv_ensemble_basins(const gv_ensemble *ens); /* R labels */
/* Nonzero if any label differs from the default first_replica + r. */
int gv_ensemble_grouped(const gv_ensemble *ens);
/* Set the R labels (NULL: back to the defaults). */
void gv_ensemble_set_basins(gv_ensemble *ens, const uint64_t *labels);
/* A new ensemble of R·K replicas: replica b·K + k (k < K) has the weights,
 * status and step of src's replica b and basin label first·K + b·K, where
 * first = src's first_replica·K is its own first_replica.  Its replica ids
 * (hence its Langevin noise and SGD shuffles) are therefore distinct per
 * replica and a pure function of (seed, position); a block of src (an MPI
 * rank's) gives exactly the block of the whole result.  Same seed and
 * landscape as src. */
gv_ensemble *gv_ensemble_same_basin(const gv_ensemble *src, size_t K, gv_err *e);

/* ---- blocks of replicas (MPI ranks, gv_mpi.h) --------------------------- */

/* A partial ensemble is one rank's block of a larger one: when all of its
 * replicas are lost, gv_ensemble_run does not fail with GV_ENAN but goes on
 * (the step counter advances without computation and hooks still fire, so
 * its observers record the lost replicas as a single run over all replicas
 * would); whether any replica is left is then the caller's (collective)
 * question.  Clones inherit the flag. */
void gv_ensemble_set_partial(gv_ensemble *ens, int on);
int gv_ensemble_partial(const gv_ensemble *ens);

/* Append to out the ensemble bytes of the concatenation of n blocks, each
 * checked ensemble bytes (gv_ensemble_serialize) or empty (lens[k] == 0: a
 * rank without replicas, skipped).  Block k is "rank k" in messages.  The
 * blocks must share N, step, seed and landscape kind, and follow each other
 * (first_replica of block k = first_replica + replicas of the one before):
 * the result is then byte for byte what the whole ensemble serialises to. */
gv_status gv_ensemble_concat(const unsigned char *const *parts, const size_t *lens, size_t n,
                             const char *src, struct gv_wbuf *out, gv_err *e);
/* Append to out the ensemble bytes of replicas [first, first + count) (from 0)
 * of checked bytes: first_replica becomes the saved one + first. */
gv_status gv_ensemble_slice(const unsigned char *bytes, size_t len, const char *src, size_t first,
                            size_t count, struct gv_wbuf *out, gv_err *e);

#endif
