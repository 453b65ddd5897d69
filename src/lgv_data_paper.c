/* lgv_data_paper.c: the paper's datasets in one call (docs/datasets.md; the
 * preprocessing of the authors' code, mkerrwinter/glass_net_publication):
 * glass.data.mnist{} and glass.data.fashion_mnist{} load the IDX files from
 * the data directory, standardise (z-score) the train set, fit PCA to k = 10
 * components on it (not whitened), and binarise by parity.  The test set is
 * standardised with its own statistics, as the authors' code does (option
 * test_stats = "train" uses the train statistics instead), then projected
 * with the train PCA. */
#define _POSIX_C_SOURCE 200809L /* access */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lgv_data.h"

#ifndef GV_SOURCE_DIR
#define GV_SOURCE_DIR "."
#endif
#ifndef GV_INSTALL_DATADIR
#define GV_INSTALL_DATADIR "/usr/local/share/glassvm"
#endif

typedef struct paper_set {
    const char *title; /* "MNIST" */
    const char *fn;    /* "glass.data.mnist" */
    const char *sub;   /* directory under the data dir */
    const char *files[4]; /* train images, train labels, test images, test labels */
    const char *system;   /* a system-wide copy, or NULL */
} paper_set;

static const paper_set MNIST_SET = {
    "MNIST", "glass.data.mnist", "mnist",
    {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
     "t10k-labels-idx1-ubyte"},
    NULL};
static const paper_set FASHION_SET = {
    "Fashion-MNIST", "glass.data.fashion_mnist", "fashion-mnist",
    {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
     "t10k-labels-idx1-ubyte"},
    "/usr/share/datasets/fashion-mnist"};

/* Push the data directories to search, in order, as a list: $GLASSVM_DATA
 * when set, else the source tree's data/ and the installed share dir. */
static void push_dirs(lua_State *L)
{
    lua_newtable(L);
    const char *env = getenv("GLASSVM_DATA");
    if (env && *env) {
        lua_pushstring(L, env);
        lua_rawseti(L, -2, 1);
        return;
    }
    lua_pushliteral(L, GV_SOURCE_DIR "/data");
    lua_rawseti(L, -2, 1);
    lua_pushliteral(L, GV_INSTALL_DATADIR "/data");
    lua_rawseti(L, -2, 2);
}

/* glass.data.dirs() -> the data directories searched when no dir= is given */
int gvL_data_dirs(lua_State *L)
{
    push_dirs(L);
    return 1;
}

/* Find file `name` (or name.gz) in dir; pushes its path and returns 1, or
 * returns 0 and pushes nothing. */
static int find_file(lua_State *L, const char *dir, const char *name)
{
    lua_pushfstring(L, "%s/%s", dir, name);
    if (access(lua_tostring(L, -1), R_OK) == 0) return 1;
    lua_pop(L, 1);
    lua_pushfstring(L, "%s/%s.gz", dir, name);
    if (access(lua_tostring(L, -1), R_OK) == 0) return 1;
    lua_pop(L, 1);
    return 0;
}

/* Push the 4 file paths of set s (train images/labels, test images/labels)
 * from the first directory that holds all of them, else raise saying where
 * it looked and what to do. */
static void find_set(lua_State *L, const paper_set *s, const char *dir_opt)
{
    int top = lua_gettop(L);
    luaL_Buffer looked;
    /* Candidate directories: dir (or dir/sub) when given, else the list. */
    lua_newtable(L);
    int cand = lua_gettop(L), nc = 0;
    if (dir_opt) {
        lua_pushfstring(L, "%s/%s", dir_opt, s->sub);
        lua_rawseti(L, cand, ++nc);
        lua_pushstring(L, dir_opt);
        lua_rawseti(L, cand, ++nc);
    } else {
        push_dirs(L);
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) == LUA_TSTRING; i++) {
            lua_pushfstring(L, "%s/%s", lua_tostring(L, -1), s->sub);
            lua_rawseti(L, cand, ++nc);
            lua_pop(L, 1);
        }
        lua_pop(L, 2);
        if (s->system && !getenv("GLASSVM_DATA")) {
            lua_pushstring(L, s->system);
            lua_rawseti(L, cand, ++nc);
        }
    }
    for (int c = 1; c <= nc; c++) {
        lua_rawgeti(L, cand, c);
        const char *dir = lua_tostring(L, -1);
        int found = 0;
        for (int f = 0; f < 4; f++) found += find_file(L, dir, s->files[f]);
        if (found == 4) {
            /* Keep the four paths, drop the candidates and the dir. */
            for (int f = 0; f < 4; f++) lua_copy(L, -4 + f, top + 1 + f);
            lua_settop(L, top + 4);
            return;
        }
        lua_pop(L, found + 1);
    }
    luaL_buffinit(L, &looked);
    for (int c = 1; c <= nc; c++) {
        lua_rawgeti(L, cand, c);
        if (c > 1) luaL_addstring(&looked, ", ");
        luaL_addvalue(&looked);
    }
    luaL_pushresult(&looked);
    luaL_error(L, "%s: the %s files (%s, ... plain or .gz) are not in %s; run `bash data/fetch.sh` "
               "in the glassvm source tree (or ./run.sh data), or point dir= or GLASSVM_DATA at "
               "a directory holding %s/", s->fn, s->title, s->files[0], lua_tostring(L, -1), s->sub);
}

/* Load train or test (paths at stack indices img, lab) into a new box named
 * "<title> <part>"; the box is left on the stack. */
static gv_data *load_part(lua_State *L, int img, int lab, const paper_set *s, const char *part)
{
    data_box *b = gvL_data_new(L);
    gv_err e = {0};
    if (gv_idx_load(lua_tostring(L, img), lua_tostring(L, lab), &b->p, &e)) {
        gv_fail_prefix(&e, "%s: ", s->fn);
        gvL_raise(L, &e);
    }
    char name[64];
    snprintf(name, sizeof name, "%s %s", s->title, part);
    gv_data_set_name(b->p, name);
    return b->p;
}

static int info_tostring(lua_State *L)
{
    lua_getfield(L, 1, "summary");
    return 1;
}

/* glass.data.mnist{dir=, k=10, P=, seed=0, test=true, test_stats="own",
 *   standardize=true, binarize="parity"} -> train, test, info */
static int paper(lua_State *L, const paper_set *s)
{
    static const char *const keys[] = {"dir", "k", "P", "seed", "test", "test_stats",
                                       "standardize", "binarize", NULL};
    const char *what = s->fn;
    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    }
    gvL_check_options(L, 1, what, keys);
    const char *dir = gvL_opt_string(L, 1, what, "dir", NULL);
    lua_Integer k = gvL_opt_integer(L, 1, what, "k", 10);
    lua_Integer P = gvL_opt_integer(L, 1, what, "P", 0);
    uint64_t seed = gvL_opt_seed(L, 1, what, "seed", 0);
    int want_test = gvL_opt_boolean(L, 1, what, "test", 1);
    const char *stats = gvL_opt_string(L, 1, what, "test_stats", "own");
    int standardize = gvL_opt_boolean(L, 1, what, "standardize", 1);
    int t = lua_getfield(L, 1, "binarize");
    int rule = 0;
    if (t == LUA_TTABLE || (t == LUA_TSTRING && strcmp(lua_tostring(L, -1), "parity") != 0))
        rule = lua_gettop(L);
    else if (t == LUA_TBOOLEAN)
        rule = lua_toboolean(L, -1) ? 0 : -1; /* true: parity; false: classes only */
    else if (t != LUA_TNIL && t != LUA_TSTRING)
        luaL_error(L, "%s: option 'binarize' must be \"parity\", a list of classes mapped to +1, "
                   "or false, got %s", what, luaL_typename(L, -1));
    if (rule == 0) lua_pop(L, 1);
    if (k < 0) luaL_error(L, "%s: option 'k' must be a number of components (0 = no PCA), got %I",
                          what, k);
    if (P < 0) luaL_error(L, "%s: option 'P' must be a positive number of rows, got %I", what, P);
    if (strcmp(stats, "own") != 0 && strcmp(stats, "train") != 0)
        luaL_error(L, "%s: option 'test_stats' must be \"own\" (standardise the test set with its "
                   "own statistics, as the paper's code) or \"train\", got \"%s\"", what, stats);
    int own = strcmp(stats, "own") == 0;

    int base = lua_gettop(L);
    find_set(L, s, dir); /* base+1 .. base+4: the four paths */
    gv_err e = {0};
    gv_data *train = load_part(L, base + 1, base + 2, s, "train"); /* base+5 */
    int itrain = lua_gettop(L);
    size_t d0 = train->d; /* pixels, before PCA */
    if (P > 0) {
        if ((lua_Unsigned)P > train->P)
            luaL_error(L, "%s: P = %I rows requested, the %s train set has %I", what, P, s->title,
                       (lua_Integer)train->P);
        if ((size_t)P < train->P) {
            data_box *b = gvL_data_new(L);
            if (gv_data_subset(train, (size_t)P, seed, &b->p, &e)) return gvL_raise(L, &e);
            gv_data_set_name(b->p, train->name);
            /* Free the full set now rather than at the next collection. */
            data_box *full = lua_touserdata(L, itrain);
            gv_data_free(full->p);
            full->p = NULL;
            lua_replace(L, itrain);
            train = b->p;
        }
    }
    gv_data *test = NULL;
    int itest = 0;
    if (want_test) {
        test = load_part(L, base + 3, base + 4, s, "test");
        itest = lua_gettop(L);
    }
    /* info: what was done, with the fitted parameters. */
    lua_newtable(L);
    int info = lua_gettop(L);
    lua_pushvalue(L, base + 1);
    lua_setfield(L, info, "train_images");
    lua_pushvalue(L, base + 3);
    lua_setfield(L, info, "test_images");
    lua_pushinteger(L, (lua_Integer)train->P);
    lua_setfield(L, info, "P");
    lua_pushinteger(L, (lua_Integer)seed);
    lua_setfield(L, info, "seed");
    lua_pushstring(L, stats);
    lua_setfield(L, info, "test_stats");
    if (standardize) {
        scaler_box *sb = gvL_scaler_new(L);
        if (gv_scaler_fit(train, &sb->p, &e) || gv_scaler_apply(sb->p, train, &e))
            return gvL_raise(L, &e);
        lua_setfield(L, info, "standardize");
        if (test) {
            if (own) {
                scaler_box *tb = gvL_scaler_new(L);
                if (gv_scaler_fit(test, &tb->p, &e) || gv_scaler_apply(tb->p, test, &e))
                    return gvL_raise(L, &e);
            } else {
                lua_getfield(L, info, "standardize");
                if (gv_scaler_apply(gvL_check_scaler(L, -1), test, &e)) return gvL_raise(L, &e);
            }
            lua_setfield(L, info, "test_standardize");
        }
    }
    if (k > 0) {
        if ((lua_Unsigned)k > train->d)
            luaL_error(L, "%s: k = %I components requested, but %s images have d = %I pixels",
                       what, k, s->title, (lua_Integer)train->d);
        pca_box *pb = gvL_pca_new(L);
        if (gv_pca_fit(train, (size_t)k, &pb->p, &e) || gv_pca_apply(pb->p, train, &e) ||
            (test && gv_pca_apply(pb->p, test, &e)))
            return gvL_raise(L, &e);
        gvL_push_doubles(L, pb->p->variance, pb->p->k);
        lua_setfield(L, info, "explained_variance");
        lua_pushcfunction(L, gvL_pca_ratio);
        lua_pushvalue(L, -2);
        lua_call(L, 1, 1);
        lua_setfield(L, info, "explained_variance_ratio");
        lua_setfield(L, info, "pca");
    }
    lua_pushinteger(L, (lua_Integer)train->d);
    lua_setfield(L, info, "d");
    if (rule >= 0) {
        if (rule) lua_pushvalue(L, rule);
        else lua_pushliteral(L, "parity");
        gvL_binarize_rule(L, train, lua_gettop(L));
        if (test) gvL_binarize_rule(L, test, lua_gettop(L));
        lua_setfield(L, info, "binarize");
    }
    /* A one-line summary, also what print(info) shows. */
    char ratio[32] = "";
    if (k > 0) {
        lua_getfield(L, info, "explained_variance_ratio");
        double sum = 0;
        for (lua_Integer c = 1; c <= k; c++) {
            lua_rawgeti(L, -1, c);
            sum += lua_tonumber(L, -1);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
        snprintf(ratio, sizeof ratio, "%.4f", sum);
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_pushfstring(L, "%s: train %I x %I", s->title, (lua_Integer)train->P, (lua_Integer)train->d);
    luaL_addvalue(&b);
    if (test) {
        lua_pushfstring(L, ", test %I x %I", (lua_Integer)test->P, (lua_Integer)test->d);
        luaL_addvalue(&b);
    }
    if (standardize) {
        lua_pushfstring(L, "; z-score%s", !test ? "" : own ? " (test: its own statistics)"
                                                               : " (test: train statistics)");
        luaL_addvalue(&b);
    }
    if (k > 0) {
        lua_pushfstring(L, "; PCA %I -> %I fitted on train (explained variance ratio %s)",
                        (lua_Integer)d0, k, ratio);
        luaL_addvalue(&b);
    }
    if (rule >= 0) luaL_addstring(&b, rule ? "; labels +1 for the listed classes" : "; parity labels");
    luaL_pushresult(&b);
    lua_setfield(L, info, "summary");
    luaL_newmetatable(L, "glass.data.info");
    lua_pushcfunction(L, info_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_setmetatable(L, info);

    lua_pushvalue(L, itrain);
    if (test) lua_pushvalue(L, itest);
    else lua_pushnil(L);
    lua_pushvalue(L, info);
    return 3;
}

int gvL_data_mnist(lua_State *L) { return paper(L, &MNIST_SET); }
int gvL_data_fashion_mnist(lua_State *L) { return paper(L, &FASHION_SET); }

