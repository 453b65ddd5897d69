/* gv_data.h: datasets (P rows of d float32 features, a class and a ±1 label
 * per row), their loaders and the transforms fitted on a training set. */
#ifndef GV_DATA_H
#define GV_DATA_H

#include "gv_core.h"

typedef struct gv_data {
    size_t P;        /* rows (samples) */
    size_t d;        /* features per row */
    float *X;        /* P*d, row-major */
    int32_t *cls;    /* original class of each row (e.g. digit 0-9) */
    int8_t *y;       /* ±1 labels; NULL until the dataset is binarised */
    char name[256];  /* where it came from, for messages and __tostring */
} gv_data;

/* Allocate a P×d dataset (X and cls zeroed, y NULL).  Refuses sizes whose
 * byte count overflows.  gv_data_free(NULL) is a no-op. */
gv_data *gv_data_alloc(size_t P, size_t d, const char *name, gv_err *e);
void gv_data_free(gv_data *data);

#endif
