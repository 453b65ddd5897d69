/* gv_hook.h: the event interface between the run loop and what it must stop
 * for (observers, checkpoints, progress).
 *
 * A hook is stateful: it knows which of its events it has handled.  The run
 * loop asks each hook for its next pending event step, advances the ensemble
 * to the smallest one (never past the run's target), and calls fire() on every
 * hook whose pending event equals the current step.  fire() handles that event
 * and moves the hook to its next one.  A hook whose pending event lies before
 * the ensemble's current step was attached too late: the run refuses it with a
 * message rather than silently skipping a measurement. */
#ifndef GV_HOOK_H
#define GV_HOOK_H

#include "gv_core.h"

#define GV_NO_EVENT UINT64_MAX

struct gv_ensemble;

typedef struct gv_hook {
    void *self; /* NULL: a closed hook (a closed observer), which ens:run refuses */
    const char *name; /* for messages: "two-time observer", "checkpoint" */
    /* Next pending event step, or GV_NO_EVENT when done. */
    uint64_t (*next)(void *self);
    /* Handle the pending event; the ensemble is at exactly that step. */
    gv_status (*fire)(void *self, struct gv_ensemble *ens, gv_err *e);
    /* Optional (NULL: none): whether the hook can take this ensemble at all,
     * asked before the run takes a step, so that a mistake (an observer of
     * another ensemble, a layer the network lacks) costs no work. */
    gv_status (*check)(void *self, const struct gv_ensemble *ens, gv_err *e);
} gv_hook;

#endif
