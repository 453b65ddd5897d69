/* gv_devshare.c: what the device backends (gv_devref.c, gv_cuda.cu) share:
 * the network's geometry for the kernels, the shape of a run, SGD
 * permutations and batch positions (gv_device.h).  It calls no backend. */
#include "gv_device.h"

#include <string.h>

#include "gv_devmath.h"
#include "gv_integ.h"
#include "gv_landscape.h"
#include "gv_mlp.h"
#include "gv_rng.h"

gv_status gv_device_net(const gv_landscape *land, gv_dev_net *n, gv_err *e)
{
    const gv_mlp *m = gv_landscape_mlp(land);
    memset(n, 0, sizeof *n);
    if (!m) return GV_OK;
    size_t layers = gv_mlp_nlayers(m);
    if (layers > GV_DEV_MAX_LAYERS + 1)
        return gv_fail(e, GV_EINVAL, "device: the network has %zu hidden layers; the device kernels "
                       "take at most %d (use device=\"cpu\")", layers - 1, GV_DEV_MAX_LAYERS);
    if (gv_mlp_nweights(m) > (size_t)1 << 30 || gv_mlp_input_dim(m) > (size_t)1 << 20)
        return gv_fail(e, GV_EINVAL, "device: the network is too large for the device kernels "
                       "(use device=\"cpu\")");
    n->d = (int)gv_mlp_input_dim(m);
    n->L = (int)layers - 1;
    n->N = (int)gv_mlp_nweights(m);
    int act = 0;
    for (int l = 0; l <= n->L; l++) {
        size_t off, out, in;
        gv_mlp_layer(m, (size_t)l, &off, &out, &in);
        n->in[l] = (int)in;
        n->out[l] = (int)out;
        n->off[l] = (int)off;
        n->act[l] = act;
        act += (int)in;
        if (l < n->L) {
            n->sumh += (int)out;
            if ((int)out > n->maxh) n->maxh = (int)out;
        }
    }
    n->T = gv_dev_tile_rows(n);
    if (n->T == 0) {
        char buf[128];
        gv_mlp_describe(m, buf, sizeof buf);
        return gv_fail(e, GV_EINVAL, "device: the network %s needs %zu KB of shared memory for 16 "
                       "rows, more than the device kernels' %u KB (use device=\"cpu\")", buf,
                       gv_dev_smem(n, 16) / 1024, GV_DEV_SMEM_BUDGET / 1024);
    }
    n->S = n->T + 1;
    return GV_OK;
}

gv_status gv_device_shape_init(gv_device_shape *sh, const gv_landscape *land, size_t R, gv_err *e)
{
    sh->land = land;
    sh->data = gv_landscape_data(land);
    sh->R = R;
    sh->N = gv_landscape_nweights(land);
    sh->P = gv_landscape_P(land);
    sh->k = gv_landscape_k(land);
    return gv_device_net(land, &sh->net, e);
}

void gv_device_perms(uint64_t seed, uint32_t first, size_t R, uint64_t epoch, size_t P,
                     uint32_t *perm)
{
#pragma omp parallel num_threads(gv_threads())
    {
        gv_worker_enter(); /* on every thread, also one that gets no replica */
#pragma omp for schedule(dynamic, 1) nowait
        for (size_t r = 0; r < R; r++)
            gv_rng_permutation(seed, first + (uint32_t)r, GV_RNG_SHUFFLE, epoch, P, perm + r * P);
    }
}

void gv_device_batch(const gv_integ *it, const gv_landscape *land, uint64_t s, uint64_t *epoch,
                     size_t *offset)
{
    uint64_t spe = gv_integ_steps_per_epoch(it, land);
    *epoch = s / spe;
    *offset = (size_t)(s % spe) * gv_integ_batch(it);
}
