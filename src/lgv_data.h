/* lgv_data.h: what the dataset binding files (lgv_data.c: loaders and the
 * glass.Dataset, glass.Standardizer and glass.PCA types, the data
 * directories; lgv_data_paper.c: the paper's datasets) share.  Not for
 * other modules: they use lgv.h. */
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

/* A binarisation rule at stack index arg: "parity" (returns NULL) or a list
 * of the classes mapped to +1 (returns them, *n set, in a scratch array);
 * pushes one value either way; raises on anything else. */
int32_t *gvL_binarize_classes(lua_State *L, int arg, size_t *n);
/* pca:ratio() */
int gvL_pca_ratio(lua_State *L);

/* A dataset's files in the data directories (the search of lgv_data.c). */
enum { GVL_DATA_MAXFILES = 6 };
typedef struct gvL_data_files {
    const char *title;    /* "MNIST", for messages */
    const char *fn;       /* "glass.data.mnist": messages begin with it */
    const char *sub;      /* its directory in a data directory: "mnist" */
    const char *files[GVL_DATA_MAXFILES]; /* the file names (each also found as name.gz) */
    int nfiles;           /* how many: IDX sets 4 (train images, labels, test ...), CIFAR-10 6 */
    const char *system;   /* a system-wide copy searched last, or NULL */
    const char *get;      /* how to get the files, for the message when none are found */
} gvL_data_files;
/* Push the paths of s's nfiles files from the first directory that holds
 * them all: dir/sub or dir when dir is given; else sub in each data
 * directory (gvL_data_dirs, lgv.h), then s->system unless $GLASSVM_DATA is
 * set.  Raises, saying where it looked and what to do, when none does. */
void gvL_data_find(lua_State *L, const gvL_data_files *s, const char *dir);

/* lgv_data_paper.c adds glass.data.mnist and .fashion_mnist
 * (gvL_open_data_paper, lgv.h). */

#endif
