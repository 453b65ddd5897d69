/* gv_data.c: dataset allocation. */
#include "gv_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

gv_data *gv_data_alloc(size_t P, size_t d, const char *name, gv_err *e)
{
    size_t n, bytes;
    if (gv_mul_size(P, d, &n) || gv_mul_size(n, sizeof(float), &bytes)) {
        gv_fail(e, GV_ENOMEM, "%s: %zu x %zu dataset is too large", name ? name : "dataset", P, d);
        return NULL;
    }
    gv_data *data = calloc(1, sizeof *data);
    if (!data) goto oom;
    data->P = P;
    data->d = d;
    snprintf(data->name, sizeof data->name, "%s", name ? name : "dataset");
    data->X = calloc(n ? n : 1, sizeof(float));
    data->cls = calloc(P ? P : 1, sizeof(int32_t));
    if (!data->X || !data->cls) goto oom;
    return data;
oom:
    gv_data_free(data);
    gv_fail(e, GV_ENOMEM, "%s: cannot allocate %zu x %zu floats", name ? name : "dataset", P, d);
    return NULL;
}

void gv_data_free(gv_data *data)
{
    if (!data) return;
    free(data->X);
    free(data->cls);
    free(data->y);
    free(data);
}
