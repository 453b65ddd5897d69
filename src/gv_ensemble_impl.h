/* gv_ensemble_impl.h: the ensemble's representation, shared by the run
 * loop and life cycle (gv_ensemble.c) and the file format with its replica
 * blocks (gv_ensemble_file.c).  Private to those two files. */
#ifndef GV_ENSEMBLE_IMPL_H
#define GV_ENSEMBLE_IMPL_H

#include "gv_device.h"
#include "gv_ensemble.h"
#include "gv_landscape.h"
#include "gv_rng.h"

#define REASON_MAX 112            /* bytes of a lost replica's reason, NUL included */
#define STEP_LIMIT ((uint64_t)1 << GV_RNG_STEP_BITS) /* the RNG's step range */

struct gv_ensemble {
    const gv_landscape *land;
    size_t R, N;
    uint64_t seed, step;
    uint32_t first;
    double *w;                    /* R × N, replica r at w + r·N */
    unsigned char *lost;          /* R flags */
    uint64_t *lost_step;          /* R */
    char (*reason)[REASON_MAX];   /* R */
    size_t nlost;
    gv_landscape_work *evalws;    /* full-batch workspace for gv_ensemble_eval */
    int eval_threads;
    int partial;                  /* one rank's block: losing every replica is no error */
    const gv_device_ops *dev_ops; /* NULL: the CPU path */
    gv_device_ctx *dev;           /* opened at the first run on the device */
    uint64_t *basin;              /* R group labels (same-basin ensembles); default first + r */
    uint64_t id;                  /* unique in the process (gv_ensemble_id) */
};

/* A new ensemble of R replicas (weights zero, none lost, default basin labels). */
gv_ensemble *gv_ensemble_new_(const gv_landscape *land, size_t R, uint64_t seed, uint32_t first,
                              gv_err *e);

#endif
