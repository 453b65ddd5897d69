/* lgv_data.h: what the dataset binding files (lgv_data.c: loaders and the
 * glass.Dataset, glass.Standardizer and glass.PCA types; lgv_data_paper.c:
 * the paper's datasets) share.  Not for other modules: they use lgv.h. */
#ifndef LGV_DATA_H
#define LGV_DATA_H

#include "gv_data.h"
#include "lgv.h"

#define DATASET "glass.Dataset"
#define SCALER "glass.Standardizer"
#define PCA "glass.PCA"

/* Userdata boxes: one engine pointer, NULL while closed. */
typedef struct { gv_data *p; } data_box;
typedef struct { gv_scaler *p; } scaler_box;
typedef struct { gv_pca *p; } pca_box;

/* Push a new closed box (the engine call fills p). */
data_box *gvL_data_new(lua_State *L);
scaler_box *gvL_scaler_new(lua_State *L);
pca_box *gvL_pca_new(lua_State *L);
gv_scaler *gvL_check_scaler(lua_State *L, int idx);

/* A table {v[0], ..., v[n-1]}. */
/* Binarise d by the rule at stack index arg ("parity" or a class list). */
void gvL_binarize_rule(lua_State *L, gv_data *d, int arg);
/* pca:ratio() */
int gvL_pca_ratio(lua_State *L);

/* lgv_data_paper.c: glass.data.dirs(), .mnist{}, .fashion_mnist{} */
/* lgv_data_paper.c adds glass.data.mnist, .fashion_mnist and .dirs
 * (gvL_open_data_paper, lgv.h). */

#endif
