/* lgv_data.c: glass.data (loaders, the data directories) and the types
 * glass.Dataset, glass.Standardizer and glass.PCA.
 *
 * Transforms change a dataset in place (datasets are large) and return
 * their fitted parameters as a userdata, which applies the same transform
 * to another dataset:  local sc = train:standardize(); test:standardize(sc).
 * Every userdata is a box holding one engine pointer, NULL once closed. */
#define _XOPEN_SOURCE 700 /* access, readlink, realpath */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gv_data.h"
#include "lgv.h"
#include "lgv_data.h"


/* ---------------------------------------------------------------------------
 * Boxes: created closed (p = NULL) before the engine call, so a raised error
 * leaks nothing; __gc, __close and :close() share one idempotent function.
 * ------------------------------------------------------------------------- */

data_box *gvL_data_new(lua_State *L) { return gvL_box_new(L, DATASET, sizeof(data_box), 0); }
scaler_box *gvL_scaler_new(lua_State *L) { return gvL_box_new(L, SCALER, sizeof(scaler_box), 0); }
pca_box *gvL_pca_new(lua_State *L) { return gvL_box_new(L, PCA, sizeof(pca_box), 0); }

struct gv_data *gvL_check_data(lua_State *L, int idx) { return gvL_box_check(L, idx, DATASET, NULL); }
gv_scaler *gvL_check_scaler(lua_State *L, int idx) { return gvL_box_check(L, idx, SCALER, NULL); }
static gv_pca *check_pca(lua_State *L, int idx) { return gvL_box_check(L, idx, PCA, NULL); }

static void free_data(void *p) { gv_data_free(p); }
static void free_scaler(void *p) { gv_scaler_free(p); }
static void free_pca(void *p) { gv_pca_free(p); }
/* The value at idx for a message, without running a __tostring (which could
 * close the dataset the message goes on to name): a number's text, else its
 * type.  Pushes a number's text. */
static const char *entry_text(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TNUMBER) return gvL_typename(L, idx);
    lua_pushvalue(L, idx);
    return lua_tostring(L, -1);
}

static int data_close(lua_State *L) { return gvL_box_close(L, 1, DATASET, free_data); }
static int scaler_close(lua_State *L) { return gvL_box_close(L, 1, SCALER, free_scaler); }
static int pca_close(lua_State *L) { return gvL_box_close(L, 1, PCA, free_pca); }

/* A table {v[0], ..., v[n-1]}. */

/* A 1-based index argument checked against 1..n; returns it 0-based. */
static size_t check_index(lua_State *L, int arg, size_t n, const char *what)
{
    lua_Integer i = luaL_checkinteger(L, arg);
    if (i < 1 || (lua_Unsigned)i > n)
        luaL_error(L, "%s %I out of range 1..%I", what, i, (lua_Integer)n);
    return (size_t)(i - 1);
}

/* ---------------------------------------------------------------------------
 * Loaders
 * ------------------------------------------------------------------------- */

/* Rename a freshly loaded dataset when the option table has name=. */
static void opt_name(lua_State *L, int idx, const char *what, gv_data *d)
{
    const char *name = gvL_opt_string(L, idx, what, "name", NULL);
    if (name) gv_data_set_name(d, name);
}

/* glass.data.idx{images=, labels=, name=} */
static int data_idx(lua_State *L)
{
    static const char *const keys[] = {"images", "labels", "name", NULL};
    const char *what = "glass.data.idx";
    gvL_check_options(L, 1, what, keys);
    const char *images = gvL_opt_string(L, 1, what, "images", NULL);
    const char *labels = gvL_opt_string(L, 1, what, "labels", NULL);
    if (!images || !labels)
        luaL_error(L, "%s: options 'images' and 'labels' (paths of IDX files) are required", what);
    gvL_opt_string(L, 1, what, "name", NULL);
    data_box *b = gvL_data_new(L);
    gv_err e = {0};
    if (gv_idx_load(images, labels, &b->p, &e)) return gvL_raise(L, &e);
    opt_name(L, 1, what, b->p);
    return 1;
}

/* glass.data.csv{path=, label_column=1, name=} */
static int data_csv(lua_State *L)
{
    static const char *const keys[] = {"path", "label_column", "name", NULL};
    const char *what = "glass.data.csv";
    gvL_check_options(L, 1, what, keys);
    const char *path = gvL_opt_string(L, 1, what, "path", NULL);
    if (!path) luaL_error(L, "%s: option 'path' (a CSV file) is required", what);
    lua_Integer col = gvL_opt_integer(L, 1, what, "label_column", 1);
    if (col == 0 || col < -1 || col > INT_MAX)
        luaL_error(L, "%s: option 'label_column' must be 1, 2, ... or -1 (the last column), got %I",
                   what, col);
    gvL_opt_string(L, 1, what, "name", NULL);
    data_box *b = gvL_data_new(L);
    gv_err e = {0};
    if (gv_csv_load(path, (int)col, &b->p, &e)) return gvL_raise(L, &e);
    opt_name(L, 1, what, b->p);
    return 1;
}

/* glass.data.cifar{paths={...} | path=, name=} */
static int data_cifar(lua_State *L)
{
    static const char *const keys[] = {"paths", "path", "name", NULL};
    const char *what = "glass.data.cifar";
    gvL_check_options(L, 1, what, keys);
    const char *one = gvL_opt_string(L, 1, what, "path", NULL);
    int t = gvL_field(L, 1, "paths");
    if ((t == LUA_TNIL) == (one == NULL))
        luaL_error(L, "%s: give either 'path' (one batch file) or 'paths' (a list of them)", what);
    size_t n = 1;
    const char **paths = NULL;
    if (t != LUA_TNIL) {
        if (t != LUA_TTABLE) luaL_error(L, "%s: option 'paths' must be a list of file names", what);
        n = gvL_list_len(L, -1, what);
        if (n == 0) luaL_error(L, "%s: option 'paths' is empty", what);
        paths = lua_newuserdatauv(L, n * sizeof *paths, 0); /* freed by the GC */
        for (size_t i = 0; i < n; i++) {
            if (lua_rawgeti(L, -2, (lua_Integer)i + 1) != LUA_TSTRING)
                luaL_error(L, "%s: paths[%I] must be a file name", what, (lua_Integer)i + 1);
            paths[i] = lua_tostring(L, -1); /* kept alive by the paths table */
            lua_pop(L, 1);
        }
    } else {
        paths = &one;
    }
    gvL_opt_string(L, 1, what, "name", NULL);
    data_box *b = gvL_data_new(L);
    gv_err e = {0};
    if (gv_cifar_load(paths, n, &b->p, &e)) return gvL_raise(L, &e);
    opt_name(L, 1, what, b->p);
    return 1;
}

/* ---------------------------------------------------------------------------
 * The data directories: the one search every reader uses (glass.data.dirs,
 * the paper's datasets, glass.paths.data)
 * ------------------------------------------------------------------------- */

#ifndef GV_SOURCE_DIR
#define GV_SOURCE_DIR "."
#endif
#ifndef GV_INSTALL_DATADIR
#define GV_INSTALL_DATADIR "/usr/local/share/glassvm"
#endif

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Append dir to the list at index list (n entries so far) unless it is
 * already there; an existing directory is written canonical, so the same
 * directory reached two ways is listed once. */
static void add_dir(lua_State *L, int list, int *n, const char *dir)
{
    char full[PATH_MAX];
    if (is_dir(dir) && realpath(dir, full)) dir = full;
    for (int i = 1; i <= *n; i++) {
        lua_rawgeti(L, list, i);
        int same = strcmp(lua_tostring(L, -1), dir) == 0;
        lua_pop(L, 1);
        if (same) return;
    }
    lua_pushstring(L, dir);
    lua_rawseti(L, list, ++*n);
}

void gvL_data_dirs(lua_State *L)
{
    lua_newtable(L);
    int list = lua_gettop(L), n = 0;
    const char *env = getenv("GLASSVM_DATA");
    if (env && *env) {
        lua_pushstring(L, env); /* as given */
        lua_rawseti(L, list, 1);
        return;
    }
    /* An installed glassvm's own data/, wherever the installation was
     * moved: <bin>/../share/glassvm/data (listed only if it exists). */
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = len > 0 ? (exe[len] = '\0', strrchr(exe, '/')) : NULL;
    if (slash) {
        *slash = '\0';
        lua_pushfstring(L, "%s/../share/glassvm/data", exe);
        if (is_dir(lua_tostring(L, -1))) add_dir(L, list, &n, lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    add_dir(L, list, &n, GV_SOURCE_DIR "/data");
    add_dir(L, list, &n, GV_INSTALL_DATADIR "/data");
}

void gvL_data_dir(lua_State *L)
{
    const char *env = getenv("GLASSVM_DATA");
    if (env && *env) {
        lua_pushstring(L, env);
        return;
    }
    gvL_data_dirs(L);
    for (lua_Integer i = 1; lua_rawgeti(L, -1, i) == LUA_TSTRING; i++) {
        if (is_dir(lua_tostring(L, -1))) {
            lua_remove(L, -2);
            return;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 2);
    lua_pushnil(L);
}

/* glass.data.dirs() -> the data directories searched when no dir= is given */
static int data_dirs(lua_State *L)
{
    gvL_data_dirs(L);
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

/* Why dir, which holds some of s's files (plain or .gz) but not all readable,
 * does not serve: pushes "train-labels-idx1-ubyte is missing, ..." (each file
 * missing or unreadable, with the system's reason) and returns 1; returns 0
 * and pushes nothing when dir holds none of them. */
static int data_dir_problem(lua_State *L, const char *dir, const gvL_data_files *s)
{
    luaL_Buffer b;
    int present = 0, told = 0;
    luaL_buffinit(L, &b);
    for (int f = 0; f < s->nfiles; f++) {
        enum { MISSING, GOOD, IS_DIR, UNREADABLE } state = MISSING;
        int err = 0;
        char path[4096];
        for (int gz = 0; gz < 2 && state == MISSING; gz++) {
            snprintf(path, sizeof path, "%s/%s%s", dir, s->files[f], gz ? ".gz" : "");
            struct stat st;
            if (stat(path, &st) != 0) continue;
            present++;
            if (S_ISDIR(st.st_mode)) state = IS_DIR;
            else if (access(path, R_OK) != 0) state = UNREADABLE, err = errno;
            else state = GOOD;
        }
        if (state == GOOD) continue;
        if (told++) luaL_addstring(&b, "; ");
        if (state == MISSING) {
            luaL_addstring(&b, s->files[f]);
            luaL_addstring(&b, " (or .gz) is missing");
            continue;
        }
        luaL_addstring(&b, path);
        luaL_addstring(&b, state == IS_DIR ? " is a directory" : ": cannot read it (");
        if (state == UNREADABLE) {
            luaL_addstring(&b, strerror(err));
            luaL_addchar(&b, ')');
        }
    }
    if (!present) {
        luaL_pushresult(&b);
        lua_pop(L, 1);
        return 0;
    }
    luaL_pushresult(&b);
    return 1;
}

void gvL_data_find(lua_State *L, const gvL_data_files *s, const char *dir_opt)
{
    int top = lua_gettop(L);
    /* Candidate directories: dir (or dir/sub) when given, else the list. */
    lua_newtable(L);
    int cand = lua_gettop(L), nc = 0;
    if (dir_opt) {
        lua_pushfstring(L, "%s/%s", dir_opt, s->sub);
        lua_rawseti(L, cand, ++nc);
        lua_pushstring(L, dir_opt);
        lua_rawseti(L, cand, ++nc);
    } else {
        gvL_data_dirs(L);
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
        int n = s->nfiles;
        for (int f = 0; f < n; f++) found += find_file(L, dir, s->files[f]);
        if (found == n) {
            /* Keep the n paths, drop the candidates and the dir. */
            for (int f = 0; f < n; f++) lua_copy(L, -n + f, top + 1 + f);
            lua_settop(L, top + n);
            return;
        }
        lua_pop(L, found + 1);
    }
    /* The first directory that holds some of them: what is wrong there. */
    for (int c = 1; c <= nc; c++) {
        lua_rawgeti(L, cand, c);
        const char *dir = lua_tostring(L, -1);
        if (data_dir_problem(L, dir, s))
            luaL_error(L, "%s: the %s files in %s are incomplete: %s. Make every file there "
                       "readable and whole (%s)", s->fn, s->title, dir, lua_tostring(L, -1),
                       s->get);
        lua_pop(L, 1);
    }
    luaL_Buffer looked;
    luaL_buffinit(L, &looked);
    for (int c = 1; c <= nc; c++) {
        lua_rawgeti(L, cand, c);
        if (c > 1) luaL_addstring(&looked, ", ");
        luaL_addvalue(&looked);
    }
    luaL_pushresult(&looked);
    const char *env = getenv("GLASSVM_DATA");
    struct stat est;
    if (!dir_opt && env && *env && stat(env, &est) == 0 && !S_ISDIR(est.st_mode))
        luaL_error(L, "%s: GLASSVM_DATA=%s is a file, not a directory: point it at the directory "
                   "that holds %s/, or unset it to search the usual places", s->fn, env, s->sub);
    if (!dir_opt && env && *env)
        /* The variable replaced the usual places, fetch.sh's data/ among them. */
        luaL_error(L, "%s: the %s files (%s, ... plain or .gz) are not in %s: GLASSVM_DATA=%s "
                   "is where glassvm looks; put %s/ there, or unset GLASSVM_DATA to search the "
                   "usual places (the source tree's data/ among them). %s", s->fn, s->title,
                   s->files[0], lua_tostring(L, -1), env, s->sub, s->get);
    luaL_error(L, "%s: the %s files (%s, ... plain or .gz) are not in %s; %s, or point dir= or "
               "GLASSVM_DATA at a directory holding %s/", s->fn, s->title, s->files[0],
               lua_tostring(L, -1), s->get, s->sub);
}

/* ---------------------------------------------------------------------------
 * glass.Dataset methods
 * ------------------------------------------------------------------------- */

/* ds:size() -> P, d */
static int ds_size(lua_State *L)
{
    gv_data *d = gvL_check_data(L, 1);
    lua_pushinteger(L, (lua_Integer)d->P);
    lua_pushinteger(L, (lua_Integer)d->d);
    return 2;
}

static int ds_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)gvL_check_data(L, 1)->P);
    return 1;
}

/* ds:name([new]) -> name */
static int ds_name(lua_State *L)
{
    gv_data *d = gvL_check_data(L, 1);
    if (!lua_isnoneornil(L, 2)) gv_data_set_name(d, luaL_checkstring(L, 2));
    lua_pushstring(L, d->name);
    return 1;
}

/* ds:get(i, j) -> feature j of row i */
static int ds_get(lua_State *L)
{
    gv_data *d = gvL_check_data(L, 1);
    size_t i = check_index(L, 2, d->P, "row");
    size_t j = check_index(L, 3, d->d, "feature");
    lua_pushnumber(L, d->X[i * d->d + j]);
    return 1;
}

/* ds:row(i) -> {x1, ..., xd} */
static int ds_row(lua_State *L)
{
    gv_data *d = gvL_check_data(L, 1);
    size_t i = check_index(L, 2, d->P, "row");
    lua_createtable(L, (int)d->d, 0);
    for (size_t j = 0; j < d->d; j++) {
        lua_pushnumber(L, d->X[i * d->d + j]);
        lua_rawseti(L, -2, (lua_Integer)j + 1);
    }
    return 1;
}

/* ds:column(j) -> {x_1j, ..., x_Pj} */
static int ds_column(lua_State *L)
{
    gv_data *d = gvL_check_data(L, 1);
    size_t j = check_index(L, 2, d->d, "feature");
    lua_createtable(L, (int)d->P, 0);
    for (size_t i = 0; i < d->P; i++) {
        lua_pushnumber(L, d->X[i * d->d + j]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* ds:class(i) -> original class of row i */
static int ds_class(lua_State *L)
{
    gv_data *d = gvL_check_data(L, 1);
    lua_pushinteger(L, d->cls[check_index(L, 2, d->P, "row")]);
    return 1;
}

/* ds:label(i) -> +1 / -1, or nil before binarisation */
static int ds_label(lua_State *L)
{
    gv_data *d = gvL_check_data(L, 1);
    size_t i = check_index(L, 2, d->P, "row");
    if (d->y) lua_pushinteger(L, d->y[i]);
    else lua_pushnil(L);
    return 1;
}

/* ds:labels() -> {±1, ...} (one per row) */
static int ds_labels(lua_State *L)
{
    gv_data *d = gvL_check_data(L, 1);
    if (!d->y)
        luaL_error(L, "%s has no ±1 labels yet: call ds:binarize(\"parity\") or ds:binarize{classes...}",
                   d->name);
    lua_createtable(L, (int)d->P, 0);
    for (size_t i = 0; i < d->P; i++) {
        lua_pushinteger(L, d->y[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* ds:binarized() -> boolean */
static int ds_binarized(lua_State *L)
{
    lua_pushboolean(L, gvL_check_data(L, 1)->y != NULL);
    return 1;
}

/* Distinct classes into a buffer on the Lua stack (popped by the caller). */
static int32_t *classes_of(lua_State *L, const gv_data *d, size_t *n)
{
    *n = gv_data_classes(d, NULL, 0);
    int32_t *c = lua_newuserdatauv(L, (*n ? *n : 1) * sizeof *c, 0);
    *n = gv_data_classes(d, c, *n);
    return c;
}

/* ds:classes() -> sorted list of the distinct classes */
static int ds_classes(lua_State *L)
{
    gv_data *d = gvL_check_data(L, 1);
    size_t n;
    int32_t *c = classes_of(L, d, &n);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushinteger(L, c[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* ds:class_counts() -> {[class] = rows} */
static int ds_class_counts(lua_State *L)
{
    gv_data *d = gvL_check_data(L, 1);
    lua_newtable(L);
    for (size_t i = 0; i < d->P; i++) {
        lua_Integer c = d->cls[i];
        lua_rawgeti(L, -1, c);
        lua_Integer n = lua_tointeger(L, -1);
        lua_pop(L, 1);
        lua_pushinteger(L, n + 1);
        lua_rawseti(L, -2, c);
    }
    return 1;
}

/* ds:label_counts() -> {[1] = rows labelled +1, [-1] = rows labelled -1}, or nil */
static int ds_label_counts(lua_State *L)
{
    gv_data *d = gvL_check_data(L, 1);
    if (!d->y) return lua_pushnil(L), 1;
    size_t pos, neg;
    gv_data_label_counts(d, &pos, &neg);
    lua_createtable(L, 0, 2);
    lua_pushinteger(L, (lua_Integer)pos);
    lua_rawseti(L, -2, 1);
    lua_pushinteger(L, (lua_Integer)neg);
    lua_rawseti(L, -2, -1);
    return 1;
}

/* ds:copy([name]) -> a new dataset */
static int ds_copy(lua_State *L)
{
    gv_data *d = gvL_check_data(L, 1);
    const char *name = luaL_optstring(L, 2, NULL);
    data_box *b = gvL_data_new(L);
    gv_err e = {0};
    if (!(b->p = gv_data_copy(d, name, &e))) return gvL_raise(L, &e);
    return 1;
}

/* ds:standardize([params]) -> params (a glass.Standardizer): fitted on ds
 * unless given; applied to ds in place. */
static int ds_standardize(lua_State *L)
{
    gv_data *d = gvL_check_data(L, 1);
    gv_err e = {0};
    if (!lua_isnoneornil(L, 2)) {
        gv_scaler *s = gvL_check_scaler(L, 2);
        if (gv_scaler_apply(s, d, &e)) return gvL_raise(L, &e);
        lua_settop(L, 2);
        return 1;
    }
    scaler_box *b = gvL_scaler_new(L);
    if (gv_scaler_fit(d, &b->p, &e) || gv_scaler_apply(b->p, d, &e)) return gvL_raise(L, &e);
    return 1;
}

/* ds:pca(k | params) -> params (a glass.PCA): fitted on ds when k is given;
 * ds becomes its projection (P×k) in place. */
static int ds_pca(lua_State *L)
{
    gv_data *d = gvL_check_data(L, 1);
    gv_err e = {0};
    if (lua_type(L, 2) == LUA_TUSERDATA) {
        gv_pca *p = check_pca(L, 2);
        if (gv_pca_apply(p, d, &e)) return gvL_raise(L, &e);
        lua_settop(L, 2);
        return 1;
    }
    lua_Integer k = luaL_checkinteger(L, 2);
    if (k < 1 || (lua_Unsigned)k > d->d)
        luaL_error(L, "pca: k = %I components requested, but %s has d = %I features (k must be "
                   "1..%I)", k, d->name, (lua_Integer)d->d, (lua_Integer)d->d);
    pca_box *b = gvL_pca_new(L);
    if (gv_pca_fit(d, (size_t)k, &b->p, &e) || gv_pca_apply(b->p, d, &e)) return gvL_raise(L, &e);
    return 1;
}

int32_t *gvL_binarize_classes(lua_State *L, int arg, size_t *np)
{
    if (lua_type(L, arg) == LUA_TSTRING) {
        const char *rule = lua_tostring(L, arg);
        if (strcmp(rule, "parity") != 0)
            luaL_error(L, "binarize: unknown rule '%s'; use \"parity\" (even -> +1, odd -> -1) "
                       "or a list of the classes that map to +1", rule);
        lua_pushnil(L);
        return NULL;
    }
    if (lua_type(L, arg) != LUA_TTABLE)
        luaL_error(L, "binarize: expected \"parity\" or a list of classes, got %s",
                   gvL_typename(L, arg));
    size_t n = gvL_list_len(L, arg, "binarize");
    if (n == 0) luaL_error(L, "binarize: the list of classes that map to +1 is empty");
    int32_t *pos = lua_newuserdatauv(L, n * sizeof *pos, 0);
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, arg, (lua_Integer)i + 1);
        int isint;
        lua_Integer c = lua_tointegerx(L, -1, &isint);
        if (!isint || lua_type(L, -1) != LUA_TNUMBER || c < INT32_MIN || c > INT32_MAX)
            luaL_error(L, "binarize: classes[%I] must be an integer class, got %s",
                       (lua_Integer)i + 1, entry_text(L, -1));
        pos[i] = (int32_t)c;
        lua_pop(L, 1);
    }
    *np = n;
    return pos;
}

/* ds:binarize("parity" | {classes mapped to +1}) -> ds */
static int ds_binarize(lua_State *L)
{
    gv_data *d = gvL_check_data(L, 1);
    luaL_checkany(L, 2);
    gv_err e = {0};
    size_t n = 0;
    int32_t *pos = gvL_binarize_classes(L, 2, &n);
    if (pos ? gv_data_binarize(d, pos, n, &e) : gv_data_binarize_parity(d, &e)) gvL_raise(L, &e);
    lua_settop(L, 1);
    return 1;
}

/* ds:subset{n=, seed=0} -> n random rows (in their original order) */
static int ds_subset(lua_State *L)
{
    static const char *const keys[] = {"n", "seed", NULL};
    const char *what = "subset";
    gv_data *d = gvL_check_data(L, 1);
    gvL_check_options(L, 2, what, keys);
    lua_Integer n = gvL_req_integer(L, 2, what, "n");
    uint64_t seed = gvL_opt_seed(L, 2, what, "seed", 0);
    if (n < 1) luaL_error(L, "subset: n (the rows to draw) must be at least 1, got %I", n);
    if ((lua_Unsigned)n > d->P)
        luaL_error(L, "subset: n = %I rows requested from %s, which has %I", n, d->name,
                   (lua_Integer)d->P);
    data_box *b = gvL_data_new(L);
    gv_err e = {0};
    if (gv_data_subset(d, (size_t)n, seed, &b->p, &e)) return gvL_raise(L, &e);
    return 1;
}

/* ds:rows{i1, i2, ...} -> those rows (1-based, any order, repeats allowed) */
static int ds_rows(lua_State *L)
{
    gv_data *d = gvL_check_data(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    size_t n = gvL_list_len(L, 2, "rows");
    if (n == 0) luaL_error(L, "rows: the list of rows is empty");
    size_t *rows = lua_newuserdatauv(L, (n ? n : 1) * sizeof *rows, 0);
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, 2, (lua_Integer)i + 1);
        int isint;
        lua_Integer r = lua_tointegerx(L, -1, &isint);
        if (!isint || r < 1 || (lua_Unsigned)r > d->P)
            luaL_error(L, "rows: rows[%I] = %s is not a row of %s (1..%I)", (lua_Integer)i + 1,
                       entry_text(L, -1), d->name, (lua_Integer)d->P);
        rows[i] = (size_t)(r - 1);
        lua_pop(L, 1);
    }
    data_box *b = gvL_data_new(L);
    gv_err e = {0};
    if (gv_data_rows(d, rows, n, d->name, &b->p, &e)) return gvL_raise(L, &e);
    return 1;
}

/* ds:split{test = rows or fraction, seed=0} -> train, test */
static int ds_split(lua_State *L)
{
    static const char *const keys[] = {"test", "seed", NULL};
    const char *what = "split";
    gv_data *d = gvL_check_data(L, 1);
    gvL_check_options(L, 2, what, keys);
    lua_Number t = gvL_req_number(L, 2, what, "test");
    uint64_t seed = gvL_opt_seed(L, 2, what, "seed", 0);
    size_t ntest;
    if (t > 0 && t < 1) {
        ntest = (size_t)(t * (double)d->P + 0.5);
    } else if (t >= 1 && t == (lua_Number)(lua_Integer)t) {
        ntest = (size_t)t;
    } else {
        return luaL_error(L, "split: option 'test' must be a row count (1, 2, ...) or a fraction "
                          "in (0, 1), got %f", gv_plain_nan(t));
    }
    if (ntest < 1 || ntest >= d->P)
        luaL_error(L, "split: %I test rows from %s, which has %I (need 1..%I)", (lua_Integer)ntest,
                   d->name, (lua_Integer)d->P, (lua_Integer)(d->P > 1 ? d->P - 1 : 0));
    data_box *tr = gvL_data_new(L), *te = gvL_data_new(L);
    gv_err e = {0};
    if (gv_data_split(d, ntest, seed, &tr->p, &te->p, &e)) return gvL_raise(L, &e);
    return 2;
}

/* "glass.Dataset MNIST train: 60000 x 10, labels +1: 29492, -1: 30508" */
static int ds_tostring(lua_State *L)
{
    gv_data *d = gvL_box_tostring(L, DATASET);
    if (!d) return 1;
    if (d->y) {
        size_t pos, neg;
        gv_data_label_counts(d, &pos, &neg);
        lua_pushfstring(L, DATASET " %s: %I x %I, labels +1: %I, -1: %I", d->name,
                        (lua_Integer)d->P, (lua_Integer)d->d, (lua_Integer)pos, (lua_Integer)neg);
        return 1;
    }
    size_t n;
    int32_t *c = classes_of(L, d, &n);
    if (n > 0 && (size_t)((int64_t)c[n - 1] - c[0]) == n - 1)
        lua_pushfstring(L, DATASET " %s: %I x %I, %I classes (%I-%I)", d->name, (lua_Integer)d->P,
                        (lua_Integer)d->d, (lua_Integer)n, (lua_Integer)c[0],
                        (lua_Integer)c[n - 1]);
    else
        lua_pushfstring(L, DATASET " %s: %I x %I, %I classes", d->name, (lua_Integer)d->P,
                        (lua_Integer)d->d, (lua_Integer)n);
    return 1;
}

/* ---------------------------------------------------------------------------
 * glass.Standardizer and glass.PCA: fitted parameters
 * ------------------------------------------------------------------------- */

static int sc_d(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)gvL_check_scaler(L, 1)->d);
    return 1;
}

static int sc_mean(lua_State *L)
{
    gv_scaler *s = gvL_check_scaler(L, 1);
    gvL_push_doubles(L, s->mean, s->d);
    return 1;
}

static int sc_scale(lua_State *L)
{
    gv_scaler *s = gvL_check_scaler(L, 1);
    gvL_push_doubles(L, s->scale, s->d);
    return 1;
}

/* params:apply(ds) -> ds, transformed in place */
static int sc_apply(lua_State *L)
{
    gv_scaler *s = gvL_check_scaler(L, 1);
    gv_data *d = gvL_check_data(L, 2);
    gv_err e = {0};
    if (gv_scaler_apply(s, d, &e)) return gvL_raise(L, &e);
    lua_settop(L, 2);
    return 1;
}

static int sc_tostring(lua_State *L)
{
    gv_scaler *sc = gvL_box_tostring(L, SCALER);
    if (!sc) return 1;
    lua_pushfstring(L, SCALER " %I features (%I constant), fitted on %I rows",
                    (lua_Integer)sc->d, (lua_Integer)sc->nconstant, (lua_Integer)sc->P);
    return 1;
}

static int pca_k(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)check_pca(L, 1)->k);
    return 1;
}

static int pca_d(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)check_pca(L, 1)->d);
    return 1;
}

/* pca:variance() -> explained variance of each component (eigenvalues) */
static int pca_variance(lua_State *L)
{
    gv_pca *p = check_pca(L, 1);
    gvL_push_doubles(L, p->variance, p->k);
    return 1;
}

/* pca:ratio() -> explained variance ratio of each component */
int gvL_pca_ratio(lua_State *L)
{
    gv_pca *p = check_pca(L, 1);
    lua_createtable(L, (int)p->k, 0);
    for (size_t c = 0; c < p->k; c++) {
        lua_pushnumber(L, p->total > 0 ? p->variance[c] / p->total : 0);
        lua_rawseti(L, -2, (lua_Integer)c + 1);
    }
    return 1;
}

static int pca_total(lua_State *L)
{
    lua_pushnumber(L, check_pca(L, 1)->total);
    return 1;
}

static int pca_mean(lua_State *L)
{
    gv_pca *p = check_pca(L, 1);
    gvL_push_doubles(L, p->mean, p->d);
    return 1;
}

/* pca:component(c) -> {d numbers} (unit vector) */
static int pca_component(lua_State *L)
{
    gv_pca *p = check_pca(L, 1);
    size_t c = check_index(L, 2, p->k, "component");
    gvL_push_doubles(L, p->components + c * p->d, p->d);
    return 1;
}

/* pca:components() -> {{...}, ...} (k unit vectors) */
static int pca_components(lua_State *L)
{
    gv_pca *p = check_pca(L, 1);
    lua_createtable(L, (int)p->k, 0);
    for (size_t c = 0; c < p->k; c++) {
        gvL_push_doubles(L, p->components + c * p->d, p->d);
        lua_rawseti(L, -2, (lua_Integer)c + 1);
    }
    return 1;
}

/* pca:apply(ds) -> ds, projected in place */
static int pca_apply(lua_State *L)
{
    gv_pca *p = check_pca(L, 1);
    gv_data *d = gvL_check_data(L, 2);
    gv_err e = {0};
    if (gv_pca_apply(p, d, &e)) return gvL_raise(L, &e);
    lua_settop(L, 2);
    return 1;
}

static int pca_tostring(lua_State *L)
{
    gv_pca *p = gvL_box_tostring(L, PCA);
    if (!p) return 1;
    double sum = 0;
    for (size_t c = 0; c < p->k; c++) sum += p->variance[c];
    char ratio[32];
    snprintf(ratio, sizeof ratio, "%.4f", p->total > 0 ? sum / p->total : 0);
    lua_pushfstring(L, PCA " %I -> %I components, explained variance ratio %s (fitted on %I rows)",
                    (lua_Integer)p->d, (lua_Integer)p->k, ratio, (lua_Integer)p->P);
    return 1;
}

/* ---------------------------------------------------------------------------
 * Registration
 * ------------------------------------------------------------------------- */

void gvL_open_data(lua_State *L)
{
    static const luaL_Reg ds_methods[] = {
        {"size", ds_size}, {"name", ds_name}, {"get", ds_get}, {"row", ds_row},
        {"column", ds_column}, {"class", ds_class}, {"label", ds_label},
        {"labels", ds_labels}, {"binarized", ds_binarized}, {"classes", ds_classes},
        {"class_counts", ds_class_counts}, {"label_counts", ds_label_counts},
        {"copy", ds_copy}, {"standardize", ds_standardize}, {"pca", ds_pca},
        {"binarize", ds_binarize}, {"subset", ds_subset}, {"rows", ds_rows},
        {"split", ds_split}, {"close", data_close}, {NULL, NULL}};
    static const luaL_Reg ds_meta[] = {
        {"__gc", data_close}, {"__close", data_close}, {"__tostring", ds_tostring},
        {"__len", ds_len}, {NULL, NULL}};
    static const luaL_Reg sc_methods[] = {
        {"d", sc_d}, {"mean", sc_mean}, {"scale", sc_scale}, {"apply", sc_apply},
        {"close", scaler_close}, {NULL, NULL}};
    static const luaL_Reg sc_meta[] = {
        {"__gc", scaler_close}, {"__close", scaler_close}, {"__tostring", sc_tostring},
        {NULL, NULL}};
    static const luaL_Reg pca_methods[] = {
        {"k", pca_k}, {"d", pca_d}, {"variance", pca_variance}, {"ratio", gvL_pca_ratio},
        {"total", pca_total}, {"mean", pca_mean}, {"component", pca_component},
        {"components", pca_components}, {"apply", pca_apply}, {"close", pca_close},
        {NULL, NULL}};
    static const luaL_Reg pca_meta[] = {
        {"__gc", pca_close}, {"__close", pca_close}, {"__tostring", pca_tostring},
        {NULL, NULL}};
    static const luaL_Reg fns[] = {
        {"idx", data_idx}, {"csv", data_csv}, {"cifar", data_cifar}, {"dirs", data_dirs},
        {NULL, NULL}};
    gvL_newtype(L, DATASET, ds_methods, ds_meta);
    gvL_newtype(L, SCALER, sc_methods, sc_meta);
    gvL_newtype(L, PCA, pca_methods, pca_meta);
    gvL_subtable(L, "data", fns);
}
