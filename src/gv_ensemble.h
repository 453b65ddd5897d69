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

#endif
