/* gv_testnet.h: a small network on random data for the device tests
 * (test_gv_device.c, test_gv_cuda.c): d = 10 inputs, `depth` hidden layers
 * of width w, P rows of Gaussian features with a learnable rule
 * (x0·x1 + x2/2 > 0) and 10% label noise, so the loss falls but not to 0. */
#ifndef GV_TESTNET_H
#define GV_TESTNET_H

#include <stdlib.h>

#include "gv_data.h"
#include "gv_landscape.h"
#include "gv_mlp.h"
#include "gv_rng.h"

typedef struct netfix {
    gv_mlp *m;
    gv_data *data;
    gv_landscape *l;
} netfix;

static void netfix_init(netfix *f, size_t P, size_t w, size_t depth)
{
    gv_err e;
    size_t d = 10, widths[GV_MLP_MAX_LAYERS];
    for (size_t l = 0; l < depth; l++) widths[l] = w;
    f->data = gv_data_alloc(P, d, "random", &e);
    double *v = malloc(P * d * sizeof *v);
    gv_rng_normal(7, 0, GV_RNG_TEST, 0, 0, P * d, v);
    for (size_t i = 0; i < P * d; i++) f->data->X[i] = (float)v[i];
    f->data->y = malloc(P);
    for (size_t i = 0; i < P; i++) {
        const float *x = f->data->X + i * d;
        int y = x[0] * x[1] + 0.5f * x[2] > 0 ? 1 : -1;
        f->data->y[i] = (int8_t)((i % 10 == 0) ? -y : y);
    }
    free(v);
    f->m = gv_mlp_alloc(d, depth, widths, &e);
    f->l = gv_landscape_network(f->m, f->data, &e);
}

static void netfix_free(netfix *f)
{
    gv_landscape_free(f->l);
    gv_mlp_free(f->m);
    gv_data_free(f->data);
}

#endif
