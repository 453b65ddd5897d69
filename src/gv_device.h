/* gv_device.h: where an ensemble's steps are computed.
 *
 * The default device "cpu" is the engine's own path (gv_integ_step replica by
 * replica, OpenMP threads, OpenBLAS): nothing here is used for it.  Another
 * device is a table of operations the ensemble's run loop calls instead of
 * advancing replicas itself (gv_ensemble_set_device):
 *   open      allocate the device buffers for R replicas of a landscape and
 *             upload what does not change (a network's dataset);
 *   upload    the host's R × N weights (double) before a run segment;
 *   steps     steps s0 .. s1-1 of the replicas flagged to run, then the
 *             weights back into the host's array, with each replica's outcome:
 *             a replica whose loss or new weights are not finite stops at its
 *             last finite weights, as on the CPU;
 *   close     free everything.
 * Weights stay on the device within a block of steps; the ensemble downloads
 * them after every block, so observers, checkpoints and interrupts see the
 * host state they always see.
 *
 * Devices: "cpu"; "cuda" (a build with -DGV_CUDA=ON and an NVIDIA GPU,
 * src/gv_cuda.cu); "ref", the CUDA algorithm (its tiles, its summation order,
 * its fused multiply-adds) run serially on the CPU (src/gv_devref.c): the
 * bit-level reference the GPU is tested against, and a way to test the device
 * path of the run loop without a GPU.  It is slow; it is for tests.
 *
 * Precision of the device algorithm (gv_devmath.h): master weights, the
 * update and the noise in double; the forward and backward passes in float32
 * with fused multiply-adds; sums over rows in float within a tile of rows,
 * tiles in order within a partition, partitions in double in index order;
 * no floating-point atomics, so a run is bit-identical run to run. */
#ifndef GV_DEVICE_H
#define GV_DEVICE_H

#include "gv_core.h"
#include "gv_devmath.h"

#ifdef __cplusplus
extern "C" {
#endif

struct gv_integ;
struct gv_landscape;

/* A backend's state for one ensemble (each backend casts it to its own). */
typedef struct gv_device_ctx gv_device_ctx;
struct gv_data;

/* A replica's outcome in a block of steps. */
enum { GV_DEV_RAN = 0, GV_DEV_BAD_LOSS = 1, GV_DEV_BAD_WEIGHTS = 2 };

typedef struct gv_device_block {
    const struct gv_integ *integ;
    uint64_t seed;
    uint32_t first;          /* RNG replica id of replica 0 */
    uint64_t s0, s1;         /* steps s0 .. s1-1 */
    const unsigned char *run; /* R flags: 1 = advance this replica */
    double *w;               /* R × N: receives the weights after the block */
    int *outcome;            /* R: GV_DEV_* (replicas not run: GV_DEV_RAN) */
    uint64_t *fail_step;     /* R: the step that failed */
    double *fail_loss;       /* R: the loss at that step */
} gv_device_block;

typedef struct gv_device_ops {
    const char *name;
    /* Is the device usable here?  One line saying why not. */
    gv_status (*probe)(gv_err *e);
    gv_device_ctx *(*open)(const struct gv_landscape *land, size_t R, gv_err *e);
    void (*close)(gv_device_ctx *d);
    gv_status (*upload)(gv_device_ctx *d, const double *w, gv_err *e);
    gv_status (*steps)(gv_device_ctx *d, const gv_device_block *b, gv_err *e);
} gv_device_ops;

/* The device called `name`: *ops = NULL for "cpu", else its table (probed).
 * Unknown names and devices this build lacks fail with one line ("glassvm
 * was built without CUDA (cmake -DGV_CUDA=ON)"). */
gv_status gv_device_lookup(const char *name, const gv_device_ops **ops, gv_err *e);
/* "cpu, ref" or "cpu, cuda, ref": the devices this build knows. */
const char *gv_device_names(void);

/* The process default for new ensembles ("cpu" unless set; glass.device and
 * --device set it).  Setting checks the name as gv_device_lookup does. */
const char *gv_device_default(void);
gv_status gv_device_set_default(const char *name, gv_err *e);

/* ---- for backends -------------------------------------------------------- */

/* The network of a network landscape as the device kernels see it (with its
 * tile rows; all zero for null models); one line if the device algorithm
 * cannot take it (too many layers, or a network too wide for a block's
 * shared memory). */
gv_status gv_device_net(const struct gv_landscape *land, gv_dev_net *net, gv_err *e);

/* What every backend knows of its ensemble. */
typedef struct gv_device_shape {
    const struct gv_landscape *land;
    const struct gv_data *data; /* network landscapes; NULL for null models */
    size_t R, N, P;
    double k;                   /* null models: stiffness (0: flat) */
    gv_dev_net net;
} gv_device_shape;
gv_status gv_device_shape_init(gv_device_shape *sh, const struct gv_landscape *land, size_t R,
                               gv_err *e);
/* SGD: the epoch's row permutation of every replica r into perm + r·P
 * (gv_rng_permutation, keyed as on the CPU; lost replicas too, so a
 * replica given new weights finds its own). */
void gv_device_perms(uint64_t seed, uint32_t first, size_t R, uint64_t epoch, size_t P,
                     uint32_t *perm);
/* The block's step s as an SGD batch: epoch and offset of its rows. */
void gv_device_batch(const struct gv_integ *it, const struct gv_landscape *land, uint64_t s,
                     uint64_t *epoch, size_t *offset);

#ifdef GV_CUDA
extern const gv_device_ops gv_device_cuda;
#endif
extern const gv_device_ops gv_device_ref;

#ifdef __cplusplus
}
#endif

#endif
