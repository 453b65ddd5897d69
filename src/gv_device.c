/* gv_device.c: device names, the lookup of a backend and the process
 * default.  What the backends share (the network's geometry, SGD batches)
 * is gv_devshare.c, below them, so that no backend calls back in here. */
#include "gv_device.h"

#include <string.h>

#include "gv_devmath.h"
#include "gv_integ.h"
#include "gv_landscape.h"
#include "gv_mlp.h"
#include "gv_rng.h"

#ifdef GV_CUDA
#define NAMES "cpu, cuda, ref"
#else
#define NAMES "cpu, ref"
#endif

const char *gv_device_names(void) { return NAMES; }

gv_status gv_device_lookup(const char *name, const gv_device_ops **ops, gv_err *e)
{
    *ops = NULL;
    if (!name || strcmp(name, "cpu") == 0) return GV_OK;
    const gv_device_ops *d = NULL;
    if (strcmp(name, "ref") == 0) d = &gv_device_ref;
#ifdef GV_CUDA
    if (strcmp(name, "cuda") == 0) d = &gv_device_cuda;
#else
    if (strcmp(name, "cuda") == 0)
        return gv_fail(e, GV_EINVAL, "glassvm was built without CUDA (cmake -DGV_CUDA=ON)");
#endif
    if (!d) return gv_fail(e, GV_EINVAL, "device '%s' is unknown; devices: %s", name, NAMES);
    gv_status s = d->probe(e);
    if (s != GV_OK) return s;
    *ops = d;
    return GV_OK;
}

static char default_name[8] = "cpu";

const char *gv_device_default(void) { return default_name; }

gv_status gv_device_set_default(const char *name, gv_err *e)
{
    const gv_device_ops *ops;
    gv_status s = gv_device_lookup(name, &ops, e);
    if (s != GV_OK) return s;
    strcpy(default_name, ops ? ops->name : "cpu");
    return GV_OK;
}
