/* lgv_data_paper.c: the paper's datasets in one call (docs/datasets.md):
 * glass.data.mnist{}, glass.data.fashion_mnist{} and glass.data.cifar10{}
 * find the files (IDX; CIFAR-10's binary batches) in the data directories
 * (gvL_data_find, lgv_data.c) and prepare them as the paper's code does
 * (gv_prep_run, src/gv_prep.c: z-score, PCA to k = 10 components fitted on
 * train, parity labels: for CIFAR-10 the appendix's airplane, bird, deer,
 * frog, ship = +1); this file turns the options into a gv_prep_opts and the
 * result into datasets and an info table. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "lgv_data.h"

#include "gv_bytes.h" /* gv_open_regular */

#define FETCH "run `bash data/fetch.sh` in the glassvm source tree (or ./run.sh data), which " \
              "puts them in its data/"
static const gvL_data_files MNIST_SET = {
    "MNIST", "glass.data.mnist", "mnist",
    {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
     "t10k-labels-idx1-ubyte"},
    4, NULL, FETCH};
static const gvL_data_files FASHION_SET = {
    "Fashion-MNIST", "glass.data.fashion_mnist", "fashion-mnist",
    {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
     "t10k-labels-idx1-ubyte"},
    4, "/usr/share/datasets/fashion-mnist", FETCH};
/* The "binary version" archive of https://www.cs.toronto.edu/~kriz/cifar.html unpacks
 * to cifar-10-batches-bin/: five train batches of 10000 rows, one test batch. */
static const gvL_data_files CIFAR_SET = {
    "CIFAR-10", "glass.data.cifar10", "cifar-10-batches-bin",
    {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
     "data_batch_5.bin", "test_batch.bin"},
    6, NULL,
    "glassvm cannot fetch CIFAR-10: unpack the binary version (cifar-10-binary.tar.gz, "
    "https://www.cs.toronto.edu/~kriz/cifar.html) in a data directory (data/ of the source tree)"};

/* The first ten labels of the official files: MNIST's and Fashion-MNIST's
 * have the same names and sizes, so a directory of the one given for the
 * other loads without complaint.  A labels file (plain or gzip) that starts
 * as the other data set's is refused; one that matches neither (a user's
 * own IDX files) is left alone. */
static const unsigned char FIRST_LABELS[2][2][10] = {
    {{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}, {7, 2, 1, 0, 4, 1, 4, 9, 5, 9}}, /* MNIST train, test */
    {{9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, {9, 2, 1, 1, 6, 1, 4, 6, 5, 7}}, /* Fashion-MNIST */
};

static void check_not_other(lua_State *L, const gvL_data_files *s, const char *labels, int test)
{
    unsigned char b[18];
    gv_err e;
    int fd = gv_open_regular(labels, &e); /* a FIFO is refused, never waited on */
    if (fd < 0) return;                   /* the loader says why */
    gzFile f = gzdopen(fd, "rb");
    if (!f) {
        close(fd);
        return;
    }
    int n = gzread(f, b, sizeof b);
    gzclose(f);
    if (n != (int)sizeof b) return;
    int fashion = s == &FASHION_SET, other = !fashion;
    if (memcmp(b + 8, FIRST_LABELS[other][test], 10) != 0) return;
    luaL_error(L, "%s: %s holds %s's labels (its first ten: %d %d %d %d %d %d %d %d %d %d), not "
               "%s's: point dir= (or GLASSVM_DATA) at the %s files", s->fn, labels,
               fashion ? "MNIST" : "Fashion-MNIST", b[8], b[9], b[10], b[11], b[12], b[13], b[14],
               b[15], b[16], b[17], s->title, s->title);
}

static int info_tostring(lua_State *L)
{
    lua_getfield(L, 1, "summary");
    return 1;
}

/* glass.data.mnist{dir=, k=10, P=, seed=0, test=true, test_stats="own",
 *   standardize=true, binarize="parity"} -> train, test, info */
static int paper(lua_State *L, const gvL_data_files *s)
{
    static const char *const keys[] = {"dir", "k", "P", "seed", "test", "test_stats",
                                       "standardize", "binarize", NULL};
    const char *what = s->fn;
    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    }
    lua_settop(L, 1);
    gvL_check_options(L, 1, what, keys);
    gv_prep_opts o;
    memset(&o, 0, sizeof o);
    const char *dir = gvL_opt_string(L, 1, what, "dir", NULL);
    lua_Integer k = gvL_opt_integer(L, 1, what, "k", 10);
    lua_Integer P = gvL_opt_integer(L, 1, what, "P", 0);
    o.seed = gvL_opt_seed(L, 1, what, "seed", 0);
    int want_test = gvL_opt_boolean(L, 1, what, "test", 1);
    const char *stats = gvL_opt_string(L, 1, what, "test_stats", "own");
    o.standardize = gvL_opt_boolean(L, 1, what, "standardize", 1);
    int t = gvL_field(L, 1, "binarize"); /* 2 */
    if (t == LUA_TBOOLEAN && !lua_toboolean(L, 2)) o.binarize = GV_PREP_NONE; /* classes only */
    else if (t == LUA_TNIL || t == LUA_TBOOLEAN) o.binarize = GV_PREP_PARITY;
    else if (t == LUA_TSTRING || t == LUA_TTABLE) {
        o.positive = gvL_binarize_classes(L, 2, &o.npositive); /* 3 */
        o.binarize = o.positive ? GV_PREP_CLASSES : GV_PREP_PARITY;
    } else
        luaL_error(L, "%s: option 'binarize' must be \"parity\", a list of classes mapped to +1, "
                   "or false, got %s", what, gvL_typename(L, 2));
    lua_settop(L, 3);
    if (k < 0) luaL_error(L, "%s: option 'k' must be a number of components (0 = no PCA), got %I",
                          what, k);
    if (P < 0) luaL_error(L, "%s: option 'P' must be a positive number of rows, got %I", what, P);
    if (strcmp(stats, "own") != 0 && strcmp(stats, "train") != 0)
        luaL_error(L, "%s: option 'test_stats' must be \"own\" (standardise the test set with its "
                   "own statistics, as the paper's code) or \"train\", got \"%s\"", what, stats);
    o.k = (size_t)k;
    o.P = (size_t)P;
    o.test_train_stats = strcmp(stats, "train") == 0;
    o.title = s->title;

    /* 4..: IDX train images, labels, test images, labels; CIFAR-10 5 train batches, test */
    gvL_data_find(L, s, dir);
    int cifar = s == &CIFAR_SET, nf = s->nfiles, box = 4 + nf; /* the boxes from box on */
    const char *batches[GVL_DATA_MAXFILES];
    for (int f = 0; f < nf; f++) batches[f] = lua_tostring(L, 4 + f);
    if (cifar) {
        o.cifar[0] = batches;
        o.ncifar[0] = (size_t)nf - 1;
        o.cifar[1] = want_test ? batches + nf - 1 : NULL;
        o.ncifar[1] = 1;
        o.equal_batches = 1;
    } else {
        check_not_other(L, s, batches[1], 0);
        if (want_test) check_not_other(L, s, batches[3], 1);
        o.images[0] = batches[0];
        o.labels[0] = batches[1];
        o.images[1] = want_test ? batches[2] : NULL;
        o.labels[1] = batches[3];
    }
    /* Closed boxes first (box..box + 4), so that nothing leaks if one raises. */
    data_box *train = gvL_data_new(L), *test = gvL_data_new(L);
    scaler_box *sc = gvL_scaler_new(L), *tsc = gvL_scaler_new(L);
    pca_box *pca = gvL_pca_new(L);
    gv_prep r;
    gv_err e = {0};
    if (gv_prep_run(&o, &r, &e)) {
        gv_fail_prefix(&e, "%s: ", what);
        return gvL_raise(L, &e);
    }
    train->p = r.train;
    test->p = r.test;
    sc->p = r.scaler;
    tsc->p = r.test_scaler != r.scaler ? r.test_scaler : NULL;
    pca->p = r.pca;

    /* info: what was done, with the fitted parameters. */
    lua_newtable(L);
    int info = lua_gettop(L);
    if (cifar) { /* the batches: train's, then test's */
        lua_createtable(L, nf - 1, 0);
        for (int f = 0; f < nf - 1; f++) {
            lua_pushvalue(L, 4 + f);
            lua_rawseti(L, -2, f + 1);
        }
        lua_setfield(L, info, "train_files");
        lua_pushvalue(L, 4 + nf - 1);
        lua_setfield(L, info, "test_file");
    } else {
        lua_pushvalue(L, 4);
        lua_setfield(L, info, "train_images");
        lua_pushvalue(L, 6);
        lua_setfield(L, info, "test_images");
    }
    lua_pushinteger(L, (lua_Integer)r.train->P);
    lua_setfield(L, info, "P");
    lua_pushinteger(L, (lua_Integer)o.seed);
    lua_setfield(L, info, "seed");
    lua_pushstring(L, stats);
    lua_setfield(L, info, "test_stats");
    if (r.scaler) {
        lua_pushvalue(L, box + 2);
        lua_setfield(L, info, "standardize");
        if (r.test) {
            lua_pushvalue(L, tsc->p ? box + 3 : box + 2);
            lua_setfield(L, info, "test_standardize");
        }
    }
    char ratio[32] = "";
    if (r.pca) {
        gvL_push_doubles(L, r.pca->variance, r.pca->k);
        lua_setfield(L, info, "explained_variance");
        lua_pushcfunction(L, gvL_pca_ratio);
        lua_pushvalue(L, box + 4);
        lua_call(L, 1, 1);
        lua_setfield(L, info, "explained_variance_ratio");
        lua_pushvalue(L, box + 4);
        lua_setfield(L, info, "pca");
        double sum = 0; /* of the ratios, as pca:ratio() gives them */
        for (size_t c = 0; c < r.pca->k; c++)
            sum += r.pca->total > 0 ? r.pca->variance[c] / r.pca->total : 0;
        snprintf(ratio, sizeof ratio, "%.4f", sum);
    }
    lua_pushinteger(L, (lua_Integer)r.train->d);
    lua_setfield(L, info, "d");
    if (o.binarize != GV_PREP_NONE) {
        if (o.positive) lua_pushvalue(L, 2);
        else lua_pushliteral(L, "parity");
        lua_setfield(L, info, "binarize");
    }
    /* A one-line summary, also what print(info) shows. */
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_pushfstring(L, "%s: train %I x %I", s->title, (lua_Integer)r.train->P,
                    (lua_Integer)r.train->d);
    luaL_addvalue(&b);
    if (r.test) {
        lua_pushfstring(L, ", test %I x %I", (lua_Integer)r.test->P, (lua_Integer)r.test->d);
        luaL_addvalue(&b);
    }
    if (r.scaler) {
        lua_pushfstring(L, "; z-score%s", !r.test               ? ""
                                          : o.test_train_stats ? " (test: train statistics)"
                                                               : " (test: its own statistics)");
        luaL_addvalue(&b);
    }
    if (r.pca) {
        lua_pushfstring(L, "; PCA %I -> %I fitted on train (explained variance ratio %s)",
                        (lua_Integer)r.d0, k, ratio);
        luaL_addvalue(&b);
    }
    if (o.binarize != GV_PREP_NONE)
        luaL_addstring(&b, o.positive ? "; labels +1 for the listed classes" : "; parity labels");
    luaL_pushresult(&b);
    lua_setfield(L, info, "summary");
    luaL_newmetatable(L, "glass.data.info");
    lua_pushcfunction(L, info_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_setmetatable(L, info);

    lua_pushvalue(L, box);
    if (r.test) lua_pushvalue(L, box + 1);
    else lua_pushnil(L);
    lua_pushvalue(L, info);
    return 3;
}

static int data_mnist(lua_State *L) { return paper(L, &MNIST_SET); }
static int data_fashion_mnist(lua_State *L) { return paper(L, &FASHION_SET); }
static int data_cifar10(lua_State *L) { return paper(L, &CIFAR_SET); }

void gvL_open_data_paper(lua_State *L)
{
    static const luaL_Reg fns[] = {{"mnist", data_mnist},
                                   {"fashion_mnist", data_fashion_mnist},
                                   {"cifar10", data_cifar10},
                                   {NULL, NULL}};
    gvL_subtable(L, "data", fns);
}
