/* lgv_table.c: the glass.Table type (rows, columns, filter, group_by,
 * add_column, add_rows, CSV; its methods are also glass.Table, which the
 * Lua library extends), glass.read_csv and glass.format_number.
 *
 * Tables own a gv_table; other bindings hand theirs over with
 * gvL_push_table.  docs/analysis.md and docs/file-formats.md describe the
 * behaviour. */
#include "lgv.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gv_table.h"

#define TABLE_T "glass.Table"

typedef struct ltable {
    gv_table *t; /* NULL once closed */
} ltable;

/* glass.format_number(x) -> the shortest "%.Ng" text that reads back as x
 * (gv_format_double); an integer as "%d". */
static int format_number(lua_State *L)
{
    luaL_checknumber(L, 1);
    if (lua_isinteger(L, 1)) {
        lua_pushfstring(L, "%I", lua_tointeger(L, 1));
        return 1;
    }
    char num[40];
    lua_pushstring(L, gv_format_double(num, sizeof num, gv_plain_nan(lua_tonumber(L, 1))));
    return 1;
}

/* ---- glass.Table --------------------------------------------------------- */

static gv_table *check_table(lua_State *L, int idx)
{
    return gvL_box_check(L, idx, TABLE_T, "glass.Table: the table is closed");
}

void gvL_push_table(lua_State *L, struct gv_table *t)
{
    /* If this allocation raises (out of memory) t leaks; nothing else can. */
    ltable *u = gvL_box_new(L, TABLE_T, sizeof *u, 0);
    u->t = t;
}

/* Column index from a name or a 1-based number. */
static size_t check_column(lua_State *L, gv_table *t, int idx, const char *what)
{
    size_t nc = gv_table_ncols(t);
    if (lua_type(L, idx) == LUA_TNUMBER) {
        lua_Integer j = luaL_checkinteger(L, idx);
        if (j < 1 || (size_t)j > nc)
            luaL_error(L, "%s: column %d out of range (the table has %d columns)", what, (int)j,
                       (int)nc);
        return (size_t)j - 1;
    }
    const char *name = luaL_checkstring(L, idx);
    long j = gv_table_find(t, name);
    if (j < 0) {
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (size_t k = 0; k < nc; k++) {
            if (k) luaL_addstring(&b, ", ");
            luaL_addstring(&b, gv_table_name(t, k));
        }
        luaL_pushresult(&b);
        luaL_error(L, "%s: no column '%s'; the columns are: %s", what, name, lua_tostring(L, -1));
    }
    return (size_t)j;
}

/* glass.table{columns = {"t", "Q"}, comments = {...}} */
static int table_new(lua_State *L)
{
    static const char *const keys[] = {"columns", "comments", NULL};
    gvL_check_options(L, 1, "glass.table", keys);
    if (gvL_field(L, 1, "columns") != LUA_TTABLE)
        return luaL_error(L, "glass.table: option 'columns' must be an array of names, e.g. "
                             "columns = {\"t\", \"Q\"}");
    size_t nc = gvL_list_len(L, -1, "glass.table");
    const char **names = lua_newuserdatauv(L, (nc ? nc : 1) * sizeof *names, 0);
    for (size_t j = 0; j < nc; j++) {
        /* The strings stay referenced by the columns array. */
        if (lua_rawgeti(L, -2, (lua_Integer)j + 1) != LUA_TSTRING)
            return luaL_error(L, "glass.table: columns[%d] must be a string, got %s", (int)j + 1,
                              gvL_typename(L, -1));
        names[j] = lua_tostring(L, -1);
        lua_pop(L, 1);
    }
    int has_comments = gvL_field(L, 1, "comments") != LUA_TNIL;
    if (has_comments && lua_type(L, -1) != LUA_TTABLE && lua_type(L, -1) != LUA_TSTRING)
        return luaL_error(L, "glass.table: option 'comments' must be a string or an array of "
                             "strings");
    int cidx = lua_gettop(L);
    ltable *u = gvL_box_new(L, TABLE_T, sizeof *u, 0);
    gv_err e = {0};
    if (!(u->t = gv_table_alloc(nc, names, &e))) {
        gvL_reprefix(&e, "table", "glass.table");
        return gvL_raise(L, &e);
    }
    if (has_comments) {
        if (lua_type(L, cidx) == LUA_TSTRING) {
            if (gv_table_add_comment(u->t, lua_tostring(L, cidx), &e)) return gvL_raise(L, &e);
        } else {
            lua_Integer n = (lua_Integer)gvL_list_len(L, cidx, "glass.table");
            for (lua_Integer i = 1; i <= n; i++) {
                if (lua_rawgeti(L, cidx, i) != LUA_TSTRING)
                    return luaL_error(L, "glass.table: comments[%d] must be a string", (int)i);
                if (gv_table_add_comment(u->t, lua_tostring(L, -1), &e)) return gvL_raise(L, &e);
                lua_pop(L, 1);
            }
        }
    }
    return 1;
}

/* t:add_row{1, 0.5} | t:add_row{t = 1, Q = 0.5} (missing names are NaN) |
 * t:add_row(1, 0.5) */
static int table_add_row(lua_State *L)
{
    size_t npos = lua_type(L, 2) == LUA_TTABLE ? gvL_list_len(L, 2, "add_row") : 0;
    gv_table *t = check_table(L, 1);
    size_t nc = gv_table_ncols(t);
    double *row = gvL_new_doubles(L, nc);
    int top = lua_gettop(L) - 1; /* arguments, without the buffer */
    if (lua_type(L, 2) == LUA_TNUMBER) {
        if ((size_t)(top - 1) != nc)
            return luaL_error(L, "add_row: %d values for %d columns", top - 1, (int)nc);
        for (size_t j = 0; j < nc; j++) row[j] = luaL_checknumber(L, (int)j + 2);
    } else if (lua_type(L, 2) != LUA_TTABLE) {
        return luaL_error(L, "add_row: give a table {t = 1, Q = 0.5} (text cells by name: "
                             "{method = \"interp\", ...}) or the numbers as arguments, got %s",
                          gvL_typename(L, 2));
    } else {
        if (top > 2) return luaL_error(L, "add_row: pass one table or the values as arguments");
        size_t nnamed = 0, nkeys = 0;
        for (size_t j = 0; j < nc; j++) row[j] = NAN;
        lua_pushnil(L);
        while (lua_next(L, 2)) {
            nkeys++;
            if (lua_type(L, -2) == LUA_TSTRING) {
                const char *k = lua_tostring(L, -2);
                long j = gv_table_find(t, k);
                if (j < 0) {
                    lua_pushvalue(L, -2);
                    check_column(L, t, -1, "add_row"); /* raises with the list of columns */
                }
                if (lua_type(L, -1) == LUA_TSTRING) { /* a text column */
                    gv_err e = {0};
                    if (gv_table_text_code(t, (size_t)j, lua_tostring(L, -1), &row[j], &e))
                        return gvL_raise(L, &e);
                } else if (lua_type(L, -1) != LUA_TNUMBER) {
                    return luaL_error(L, "add_row: value of '%s' must be a number or a string, "
                                         "got %s", k, gvL_typename(L, -1));
                } else {
                    row[j] = lua_tonumber(L, -1);
                    /* A number is never a text's code: a text column takes its text. */
                    if (gv_table_is_text(t, (size_t)j) && !isnan(row[j]))
                        return luaL_error(L, "add_row: column '%s' holds text; it cannot take the "
                                             "number %s (give its text, or nothing for an empty "
                                             "cell)", k, lua_tostring(L, -1));
                }
                nnamed++;
            }
            lua_pop(L, 1);
        }
        if (nnamed && npos)
            return luaL_error(L, "add_row: give values by position {1, 0.5} or by name "
                                 "{t = 1, Q = 0.5}, not both");
        if (!nnamed) {
            if (npos != nc || nkeys != nc) {
                /* {[1] = 1, [3] = 3}: as many values as columns, not at 1..n */
                for (size_t j = 0; j < nc && nkeys == nc; j++) {
                    int type = lua_rawgeti(L, 2, (lua_Integer)j + 1);
                    lua_pop(L, 1);
                    if (type == LUA_TNIL)
                        return luaL_error(L, "add_row: value %d (column '%s') is missing: give "
                                             "the %d values at positions 1..%d", (int)j + 1,
                                          gv_table_name(t, j), (int)nc, (int)nc);
                }
                return luaL_error(L, "add_row: %d values for %d columns", (int)nkeys, (int)nc);
            }
            for (size_t j = 0; j < nc; j++) {
                if (lua_rawgeti(L, 2, (lua_Integer)j + 1) != LUA_TNUMBER)
                    return luaL_error(L, "add_row: value %d (column '%s') must be a number, got %s",
                                      (int)j + 1, gv_table_name(t, j), gvL_typename(L, -1));
                row[j] = lua_tonumber(L, -1);
                lua_pop(L, 1);
            }
        }
    }
    /* Values by position are numbers: a text column cannot take them (a
     * number would be read as the code of one of its texts). */
    if (lua_type(L, 2) == LUA_TNUMBER || npos > 0)
        for (size_t j = 0; j < nc; j++)
            if (gv_table_is_text(t, j) && !isnan(row[j]))
                return luaL_error(L, "add_row: column '%s' holds text; give the row by name "
                                     "with its text ({%s = \"...\", ...})", gv_table_name(t, j),
                                  gv_table_name(t, j));
    gv_err e = {0};
    if (gv_table_add_row(t, row, &e)) return gvL_raise(L, &e);
    lua_settop(L, 1);
    return 1; /* the table, for chaining */
}

/* A cell: its text in a text column, else the number (NaN when empty). */
static void push_cell(lua_State *L, const gv_table *t, size_t i, size_t j)
{
    const char *txt = gv_table_text(t, i, j);
    if (txt) lua_pushstring(L, txt);
    else lua_pushnumber(L, gv_table_get(t, i, j));
}

static int table_column(lua_State *L)
{
    gv_table *t = check_table(L, 1);
    size_t j = check_column(L, t, 2, "column"), n = gv_table_nrows(t);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        push_cell(L, t, i, j);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* Row i (from 0) as {name = value, ...}. */
static void push_row(lua_State *L, const gv_table *t, size_t i)
{
    size_t nc = gv_table_ncols(t);
    lua_createtable(L, 0, (int)nc);
    for (size_t j = 0; j < nc; j++) {
        push_cell(L, t, i, j);
        lua_setfield(L, -2, gv_table_name(t, j));
    }
}

/* t:row(i) -> {name = value, ...} */
static int table_row(lua_State *L)
{
    gv_table *t = check_table(L, 1);
    lua_Integer i = luaL_checkinteger(L, 2);
    size_t n = gv_table_nrows(t);
    if (i < 1 || (size_t)i > n)
        return luaL_error(L, "row: row %d out of range (the table has %d rows)", (int)i, (int)n);
    push_row(L, t, (size_t)i - 1);
    return 1;
}

/* ---- new tables from a table: filter, group_by, add_column, add_rows ------- */

/* Push a new empty glass.Table with t's columns and comments. */
static gv_table *push_like(lua_State *L, const gv_table *t)
{
    size_t nc = gv_table_ncols(t);
    ltable *u = gvL_box_new(L, TABLE_T, sizeof *u, 0);
    const char **names = lua_newuserdatauv(L, nc * sizeof *names, 0);
    for (size_t j = 0; j < nc; j++) names[j] = gv_table_name(t, j);
    gv_err e = {0};
    u->t = gv_table_alloc(nc, names, &e); /* copies the names */
    lua_pop(L, 1);
    if (!u->t) gvL_raise(L, &e);
    for (size_t i = 0; i < gv_table_ncomments(t); i++)
        if (gv_table_add_comment(u->t, gv_table_comment(t, i), &e)) gvL_raise(L, &e);
    return u->t;
}

/* Cell (i, j) of src into row[j] for dst of the same columns (texts recoded). */
static void copy_cell(lua_State *L, gv_table *dst, const gv_table *src, size_t i, size_t j,
                      double *row)
{
    const char *txt = gv_table_text(src, i, j);
    gv_err e = {0};
    if (!txt) row[j] = gv_table_get(src, i, j);
    else if (gv_table_text_code(dst, j, txt, &row[j], &e)) gvL_raise(L, &e);
}

/* Append row i of src to dst, which has src's columns. */
static void append_row(lua_State *L, gv_table *dst, const gv_table *src, size_t i, double *row)
{
    for (size_t j = 0; j < gv_table_ncols(src); j++) copy_cell(L, dst, src, i, j, row);
    gv_err e = {0};
    if (gv_table_add_row(dst, row, &e)) gvL_raise(L, &e);
}

/* The value at the top of the stack (a number, a text, or nil/NaN: empty)
 * as cell j of dst, in row[j]; pops it.  what: for messages. */
static void take_value(lua_State *L, gv_table *dst, size_t j, double *row, const char *what)
{
    gv_err e = {0};
    int ty = lua_type(L, -1);
    if (ty == LUA_TNUMBER) {
        row[j] = lua_tonumber(L, -1);
        if (gv_table_is_text(dst, j) && !isnan(row[j]))
            luaL_error(L, "%s: column '%s' holds text; it cannot take the number %f", what,
                       gv_table_name(dst, j), row[j]);
    } else if (ty == LUA_TNIL)
        row[j] = NAN;
    else if (ty == LUA_TSTRING) {
        if (gv_table_text_code(dst, j, lua_tostring(L, -1), &row[j], &e)) {
            gvL_reprefix(&e, "table", what);
            gvL_raise(L, &e);
        }
    } else
        luaL_error(L, "%s: a value for column '%s' must be a number, a string or nil, got %s",
                   what, gv_table_name(dst, j), gvL_typename(L, -1));
    lua_pop(L, 1);
}

/* After Lua code returns (the function(row, i) of filter, add_column or
 * add_rows): C holds the table at idx (its pointer, sizes and
 * buffers sized by them) across the call, so the code must have left it open
 * with its nc columns and n rows.  who: the code, which: the table, for the
 * message.  Returns the table. */
static gv_table *check_unchanged(lua_State *L, int idx, size_t nc, size_t n, const char *what,
                                 const char *who, const char *which)
{
    gv_table *t = *(gv_table **)luaL_checkudata(L, idx, TABLE_T);
    if (!t || gv_table_ncols(t) != nc || gv_table_nrows(t) != n)
        luaL_error(L, "%s: %s changed %s (%s); change it after the call returns, or work on "
                      "a copy (t:filter{})", what, who, which,
                   !t ? "closed it" : gv_table_ncols(t) != nc ? "added a column" : "added rows");
    return t;
}

/* One criterion of t:filter{column = value}. */
typedef struct crit {
    size_t col;
    double v;        /* a number... */
    const char *txt; /* ...or a text (alive in the criteria table) */
} crit;

static int row_matches(const gv_table *t, size_t i, const crit *c, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        const char *txt = gv_table_text(t, i, c[k].col);
        if (c[k].txt ? !(txt && strcmp(txt, c[k].txt) == 0)
                     : (txt || !(gv_table_get(t, i, c[k].col) == c[k].v)))
            return 0;
    }
    return 1;
}

/* A text matches no cell of a column of numbers, and a number none of a
 * column of texts (empty cells aside): refuse such a criterion (stack top:
 * its value, under it the column's name) rather than return an empty table,
 * whose cause would surface far away ("1" for 1).  A column of empty cells
 * alone says nothing of its kind: no refusal. */
static void check_criterion_type(lua_State *L, const gv_table *t, const crit *c)
{
    size_t n = gv_table_nrows(t), texts = 0, numbers = 0;
    for (size_t i = 0; i < n && !(texts && numbers); i++) {
        if (gv_table_text(t, i, c->col))
            texts++;
        else
            numbers += !isnan(gv_table_get(t, i, c->col));
    }
    if (c->txt ? texts || !numbers : numbers || !texts) return;
    const char *name = lua_tostring(L, -2), *v = lua_tostring(L, -1);
    /* The suggestion as Lua: {name = v}, or {["name"] = v} for a name that is not one. */
    int ident = !isdigit((unsigned char)name[0]);
    for (const char *q = name; *q; q++) ident &= isalnum((unsigned char)*q) || *q == '_';
    lua_pushfstring(L, ident ? "%s" : "[\"%s\"]", name);
    const char *key = lua_tostring(L, -1);
    if (c->txt && lua_stringtonumber(L, c->txt))
        luaL_error(L, "filter: column '%s' holds numbers, not texts, so the text '%s' matches no "
                      "row: give the number, filter{%s = %s}", name, c->txt, key, c->txt);
    if (c->txt)
        luaL_error(L, "filter: column '%s' holds numbers, not texts, so the text '%s' matches no "
                      "row", name, c->txt);
    luaL_error(L, "filter: column '%s' holds texts, not numbers, so the number %s matches no row: "
                  "give a text, filter{%s = \"%s\"}", name, v, key, v);
}

/* t:filter(function(row, i) ... end | {column = value, ...}) -> a new table
 * (t's columns and comments) of the rows kept, in order. */
static int table_filter(lua_State *L)
{
    gv_table *t = check_table(L, 1);
    int ty = lua_type(L, 2);
    if (ty != LUA_TFUNCTION && ty != LUA_TTABLE)
        return luaL_error(L, "filter: give a function(row, i) returning true for the rows to keep, "
                             "or a table {column = value, ...} of the values they must hold; got %s",
                          gvL_typename(L, 2));
    lua_settop(L, 2);
    size_t nc = gv_table_ncols(t), n = gv_table_nrows(t), ncrit = 0;
    crit *c = NULL;
    if (ty == LUA_TTABLE) {
        gvL_check_plain(L, 2, "filter", "the criteria table");
        lua_pushnil(L);
        while (lua_next(L, 2)) ncrit++, lua_pop(L, 1);
        c = lua_newuserdatauv(L, (ncrit ? ncrit : 1) * sizeof *c, 0); /* 3 */
        size_t k = 0;
        lua_pushnil(L);
        while (lua_next(L, 2)) {
            if (lua_type(L, -2) != LUA_TSTRING)
                return luaL_error(L, "filter: the criteria are {column = value, ...}; a key is a "
                                     "%s", gvL_typename(L, -2));
            c[k].col = check_column(L, t, -2, "filter");
            c[k].txt = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
            if (!c[k].txt && lua_type(L, -1) != LUA_TNUMBER)
                return luaL_error(L, "filter: the value for column '%s' must be a number or a "
                                     "string, got %s", lua_tostring(L, -2), gvL_typename(L, -1));
            c[k].v = c[k].txt ? NAN : lua_tonumber(L, -1);
            check_criterion_type(L, t, &c[k]);
            k++;
            lua_pop(L, 1);
        }
    }
    gv_table *out = push_like(L, t);
    int out_idx = lua_gettop(L);
    double *row = gvL_new_doubles(L, nc);
    for (size_t i = 0; i < n; i++) {
        int keep;
        if (c) {
            keep = row_matches(t, i, c, ncrit);
        } else {
            lua_pushvalue(L, 2);
            push_row(L, t, i);
            lua_pushinteger(L, (lua_Integer)i + 1);
            lua_call(L, 2, 1);
            t = check_unchanged(L, 1, nc, n, "filter", "the function", "the table it filters");
            keep = lua_toboolean(L, -1);
            lua_pop(L, 1);
        }
        if (keep) append_row(L, out, t, i, row);
    }
    lua_settop(L, out_idx);
    return 1;
}

/* t:group_by(column) -> groups, keys: groups[v] a new table (t's columns
 * and comments) of the rows whose cell is v, in order; keys the distinct
 * values in order of first appearance. */
static int table_group_by(lua_State *L)
{
    gv_table *t = check_table(L, 1);
    size_t j = check_column(L, t, 2, "group_by"), n = gv_table_nrows(t);
    lua_settop(L, 2);
    lua_newtable(L); /* 3: groups */
    lua_newtable(L); /* 4: keys */
    double *row = gvL_new_doubles(L, gv_table_ncols(t));
    lua_Integer nkeys = 0;
    for (size_t i = 0; i < n; i++) {
        push_cell(L, t, i, j); /* the key */
        if (lua_type(L, -1) == LUA_TNUMBER && isnan(lua_tonumber(L, -1)))
            return luaL_error(L, "group_by: row %d has no value in column '%s' (an empty cell); "
                                 "leave such rows out first (t:filter)", (int)i + 1,
                              gv_table_name(t, j));
        lua_pushvalue(L, -1);
        if (lua_rawget(L, 3) == LUA_TNIL) {
            lua_pop(L, 1);
            push_like(L, t);
            lua_pushvalue(L, -2);
            lua_pushvalue(L, -2);
            lua_rawset(L, 3);
            lua_pushvalue(L, -2);
            lua_rawseti(L, 4, ++nkeys);
        }
        append_row(L, check_table(L, -1), t, i, row);
        lua_pop(L, 2);
    }
    lua_pushvalue(L, 3);
    lua_pushvalue(L, 4);
    return 2;
}

/* t:add_column(name, values) -> t, the column appended last: values is a
 * number or a string (every row), an array of one value per row, or a
 * function(row, i) -> value; a value is a number, a string (a text column)
 * or nil (empty). */
static int table_add_column(lua_State *L)
{
    gv_table *t = check_table(L, 1);
    const char *name = luaL_checkstring(L, 2);
    size_t n = gv_table_nrows(t), nc = gv_table_ncols(t);
    if (gv_table_find(t, name) >= 0)
        return luaL_error(L, "add_column: the table already has a column '%s'", name);
    int ty = lua_type(L, 3);
    if (ty != LUA_TNUMBER && ty != LUA_TSTRING && ty != LUA_TTABLE && ty != LUA_TFUNCTION)
        return luaL_error(L, "add_column: values must be a number or a string (every row), an "
                             "array of %d values or a function(row, i); got %s", (int)n,
                          gvL_typename(L, 3));
    if (ty == LUA_TTABLE && gvL_list_len(L, 3, "add_column") != n)
        return luaL_error(L, "add_column: %d values for a table of %d rows", (int)lua_rawlen(L, 3),
                          (int)n);
    lua_settop(L, 3);
    /* Every value first (a function may raise): then the column, whole. */
    lua_createtable(L, (int)n, 0); /* 4 */
    int ntext = 0, nnum = 0;
    for (size_t i = 0; i < n; i++) {
        if (ty == LUA_TTABLE) {
            lua_rawgeti(L, 3, (lua_Integer)i + 1);
        } else if (ty == LUA_TFUNCTION) {
            lua_pushvalue(L, 3);
            push_row(L, t, i);
            lua_pushinteger(L, (lua_Integer)i + 1);
            lua_call(L, 2, 1);
        } else {
            lua_pushvalue(L, 3);
        }
        if (ty == LUA_TFUNCTION) /* it may have changed t */
            t = check_unchanged(L, 1, nc, n, "add_column", "the function", "the table it adds to");
        int vt = lua_type(L, -1);
        if (vt == LUA_TSTRING) ntext++;
        else if (vt == LUA_TNUMBER) nnum += !isnan(lua_tonumber(L, -1));
        else if (vt != LUA_TNIL)
            return luaL_error(L, "add_column: value %d must be a number, a string or nil, got %s",
                              (int)i + 1, gvL_typename(L, -1));
        lua_rawseti(L, 4, (lua_Integer)i + 1);
    }
    if (ntext && nnum)
        return luaL_error(L, "add_column: the values mix numbers and strings; a column holds "
                             "one or the other");
    double *v = gvL_new_doubles(L, n);
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, 4, (lua_Integer)i + 1);
        v[i] = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : NAN;
        lua_pop(L, 1);
    }
    gv_err e = {0};
    if (gv_table_add_column(t, name, ntext ? NULL : v, &e)) return gvL_raise(L, &e);
    size_t j = gv_table_ncols(t) - 1;
    for (size_t i = 0; i < n && ntext; i++) {
        if (lua_rawgeti(L, 4, (lua_Integer)i + 1) == LUA_TSTRING) {
            double code;
            if (gv_table_text_code(t, j, lua_tostring(L, -1), &code, &e)) return gvL_raise(L, &e);
            gv_table_set(t, i, j, code);
        }
        lua_pop(L, 1);
    }
    lua_settop(L, 1);
    return 1;
}

/* Where a column of t:add_rows takes its values from. */
typedef struct source {
    int kind; /* 0: a column of src, 1: a constant, 2: a function (in the functions table) */
    size_t col;
    double v; /* the constant */
} source;

/* t:add_rows(src [, map]) -> t: every row of src appended; column c of t
 * takes map[c] (the name of a column of src, a number, or a function(row, i)
 * -> value, row as src:row(i) gives it), else src's column c. */
static int table_add_rows(lua_State *L)
{
    gv_table *t = check_table(L, 1);
    gv_table *src = check_table(L, 2);
    int has_map = !lua_isnoneornil(L, 3);
    if (has_map) luaL_checktype(L, 3, LUA_TTABLE);
    if (has_map) gvL_check_plain(L, 3, "add_rows", "the column map");
    lua_settop(L, 3);
    size_t nc = gv_table_ncols(t), nt = gv_table_nrows(t);
    size_t nsrc = gv_table_ncols(src), n = gv_table_nrows(src);
    if (has_map) { /* every key names a column of t (a typo must not pass) */
        lua_pushnil(L);
        while (lua_next(L, 3)) {
            lua_pop(L, 1);
            if (lua_type(L, -1) != LUA_TSTRING)
                return luaL_error(L, "add_rows: the map's keys are the table's column names; a "
                                     "key is a %s", gvL_typename(L, -1));
            check_column(L, t, -1, "add_rows: map");
        }
    }
    source *how = lua_newuserdatauv(L, (nc ? nc : 1) * sizeof *how, 0); /* 4 */
    lua_newtable(L); /* 5: map[c] of the columns given by a function, at [j + 1] (any number
                        of columns: not on the stack) */
    int any_fn = 0;
    for (size_t j = 0; j < nc; j++) {
        const char *name = gv_table_name(t, j);
        /* Raw, as the key check above: no Lua code runs between here and the
         * rows (t and src are held). */
        int ty = LUA_TNIL;
        if (has_map) {
            lua_pushstring(L, name);
            ty = lua_rawget(L, 3);
        }
        if (ty == LUA_TNIL) {
            lua_pop(L, has_map);
            long k = gv_table_find(src, name);
            if (k < 0)
                return luaL_error(L, "add_rows: the source has no column '%s'; map it: {%s = "
                                     "\"a source column\" | a number | function(row, i)}", name, name);
            how[j] = (source){0, (size_t)k, 0};
        } else if (ty == LUA_TSTRING) {
            how[j] = (source){0, check_column(L, src, -1, "add_rows: source"), 0};
            lua_pop(L, 1);
        } else if (ty == LUA_TNUMBER) {
            how[j] = (source){1, 0, lua_tonumber(L, -1)};
            lua_pop(L, 1);
        } else if (ty == LUA_TFUNCTION) {
            how[j] = (source){2, 0, 0};
            lua_rawseti(L, 5, (lua_Integer)j + 1);
            any_fn = 1;
        } else {
            return luaL_error(L, "add_rows: map.%s must be a column name, a number or a "
                                 "function(row, i), got %s", name, gvL_typename(L, -1));
        }
    }
    /* Every row first (a function may raise), then append them all. */
    size_t ncells;
    if (gv_mul_size(n, nc ? nc : 1, &ncells))
        return luaL_error(L, "add_rows: %d rows of %d columns are too many", (int)n, (int)nc);
    double *rows = gvL_new_doubles(L, ncells);
    int rows_idx = lua_gettop(L);
    for (size_t i = 0; i < n; i++) {
        double *row = rows + i * nc;
        if (any_fn) push_row(L, src, i);
        for (size_t j = 0; j < nc; j++) {
            if (how[j].kind == 0) {
                push_cell(L, src, i, how[j].col);
            } else if (how[j].kind == 1) {
                lua_pushnumber(L, how[j].v);
            } else {
                lua_rawgeti(L, 5, (lua_Integer)j + 1);
                lua_pushvalue(L, rows_idx + 1);
                lua_pushinteger(L, (lua_Integer)i + 1);
                lua_call(L, 2, 1);
                src = check_unchanged(L, 2, nsrc, n, "add_rows", "the function",
                                      "the source table");
                t = check_unchanged(L, 1, nc, nt, "add_rows", "the function",
                                    "the table it adds to");
            }
            take_value(L, t, j, row, "add_rows");
        }
        lua_settop(L, rows_idx);
    }
    gv_err e = {0};
    for (size_t i = 0; i < n; i++)
        if (gv_table_add_row(t, rows + i * nc, &e)) return gvL_raise(L, &e);
    lua_settop(L, 1);
    return 1;
}

static int table_nrows(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)gv_table_nrows(check_table(L, 1)));
    return 1;
}

static int table_ncols(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)gv_table_ncols(check_table(L, 1)));
    return 1;
}

static int table_columns(lua_State *L)
{
    gv_table *t = check_table(L, 1);
    size_t nc = gv_table_ncols(t);
    lua_createtable(L, (int)nc, 0);
    for (size_t j = 0; j < nc; j++) {
        lua_pushstring(L, gv_table_name(t, j));
        lua_rawseti(L, -2, (lua_Integer)j + 1);
    }
    return 1;
}

static int table_comment(lua_State *L)
{
    gv_table *t = check_table(L, 1);
    const char *s = luaL_checkstring(L, 2);
    gv_err e = {0};
    if (gv_table_add_comment(t, s, &e)) return gvL_raise(L, &e);
    lua_settop(L, 1);
    return 1;
}

static int table_comments(lua_State *L)
{
    gv_table *t = check_table(L, 1);
    size_t n = gv_table_ncomments(t);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, gv_table_comment(t, i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* t:write_csv(path [, {comments=}]): the comment lines given (a string or
 * an array of strings), then the table's own.  The standard provenance
 * lines (write_csv's protocol=, params=, seed=; glass.csv_comments) are
 * built by the Lua library (lua/glass/runinfo.lua), which passes them here
 * in front of the caller's comments. */
static int table_write_csv(lua_State *L)
{
    gv_table *t = check_table(L, 1);
    const char *path = luaL_checkstring(L, 2);
    static const char *const keys[] = {"comments", NULL};
    int has_opts = !lua_isnoneornil(L, 3);
    if (has_opts) gvL_check_options(L, 3, "write_csv", keys);
    lua_settop(L, 3);
    lua_newtable(L);
    int lines = lua_gettop(L), n = 0;
    if (has_opts) {
        int ty = gvL_field(L, 3, "comments");
        if (ty == LUA_TSTRING) {
            lua_rawseti(L, lines, ++n);
        } else if (ty == LUA_TTABLE) {
            lua_Integer m = (lua_Integer)gvL_list_len(L, -1, "write_csv");
            for (lua_Integer i = 1; i <= m; i++) {
                if (lua_rawgeti(L, -1, i) != LUA_TSTRING)
                    return luaL_error(L, "write_csv: comments[%d] must be a string", (int)i);
                lua_rawseti(L, lines, ++n);
            }
            lua_pop(L, 1);
        } else if (ty != LUA_TNIL) {
            return luaL_error(L, "write_csv: option 'comments' must be a string or an array of "
                                 "strings");
        } else {
            lua_pop(L, 1);
        }
    }
    const char **extra = lua_newuserdatauv(L, (n ? (size_t)n : 1) * sizeof *extra, 0);
    for (int i = 0; i < n; i++) {
        lua_rawgeti(L, lines, i + 1);
        extra[i] = lua_tostring(L, -1); /* alive: referenced by `lines` */
        lua_pop(L, 1);
    }
    gv_err e = {0};
    if (gv_table_write_csv_with(t, path, extra, (size_t)n, &e)) return gvL_raise(L, &e);
    return 0;
}

static int read_csv(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    ltable *u = gvL_box_new(L, TABLE_T, sizeof *u, 0);
    gv_err e = {0};
    if (!(u->t = gv_table_read_csv(path, &e))) return gvL_raise(L, &e);
    return 1;
}

static void free_table(void *p) { gv_table_free(p); }
static int table_close(lua_State *L) { return gvL_box_close(L, 1, TABLE_T, free_table); }

static int table_len(lua_State *L)
{
    return table_nrows(L);
}

/* "glass.Table 120 rows x 2 columns" and the first rows, aligned. */
static int table_tostring(lua_State *L)
{
    gv_table *t = gvL_box_tostring(L, TABLE_T);
    if (!t) return 1;
    size_t nr = gv_table_nrows(t), nc = gv_table_ncols(t), show = nr < 5 ? nr : 5;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    char cell[64];
    snprintf(cell, sizeof cell, "glass.Table %zu row%s x %zu column%s", nr, nr == 1 ? "" : "s",
             nc, nc == 1 ? "" : "s");
    luaL_addstring(&b, cell);
    size_t shown_cols = nc < 8 ? nc : 8;
    /* Each column as wide as its name, its texts shown or a number (13),
     * at most 40, and a space between columns: nothing runs together, and
     * only names or texts longer than 40 bytes are cut. */
    int width[8];
    for (size_t j = 0; j < shown_cols; j++) {
        size_t n = strlen(gv_table_name(t, j));
        for (size_t i = 0; i < show; i++) {
            const char *txt = gv_table_text(t, i, j);
            if (txt && strlen(txt) > n) n = strlen(txt);
        }
        width[j] = n > 40 ? 40 : n < 13 ? 13 : (int)n;
    }
    luaL_addchar(&b, '\n');
    for (size_t j = 0; j < shown_cols; j++) {
        snprintf(cell, sizeof cell, " %*.*s", width[j], width[j], gv_table_name(t, j));
        luaL_addstring(&b, cell);
    }
    if (shown_cols < nc) luaL_addstring(&b, "  ...");
    for (size_t i = 0; i < show; i++) {
        luaL_addchar(&b, '\n');
        for (size_t j = 0; j < shown_cols; j++) {
            double v = gv_table_get(t, i, j);
            const char *txt = gv_table_text(t, i, j);
            int w = width[j];
            if (txt) snprintf(cell, sizeof cell, " %*.*s", w, w, txt);
            else if (isnan(v)) snprintf(cell, sizeof cell, " %*s", w, "nan"); /* not "-nan" */
            else snprintf(cell, sizeof cell, " %*.6g", w, v);
            luaL_addstring(&b, cell);
        }
    }
    if (show < nr) {
        snprintf(cell, sizeof cell, "\n(%zu more row%s: tbl:row(i) reads one)", nr - show,
                 nr - show == 1 ? "" : "s");
        luaL_addstring(&b, cell);
    }
    if (shown_cols < nc) { /* name the columns not shown, so that they can be read */
        snprintf(cell, sizeof cell, "\n(%zu more column%s:", nc - shown_cols,
                 nc - shown_cols == 1 ? "" : "s");
        luaL_addstring(&b, cell);
        size_t len = 0, j = shown_cols;
        for (; j < nc && len < 160; j++) {
            luaL_addstring(&b, j > shown_cols ? ", " : " ");
            luaL_addstring(&b, gv_table_name(t, j));
            len += strlen(gv_table_name(t, j)) + 2;
        }
        if (j < nc) luaL_addstring(&b, ", ...");
        luaL_addstring(&b, "; tbl:column(name) reads one)");
    }
    luaL_pushresult(&b);
    return 1;
}

/* ---- module -------------------------------------------------------------- */

void gvL_open_table(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"add_row", table_add_row}, {"column", table_column},   {"row", table_row},
        {"nrows", table_nrows},     {"ncols", table_ncols},     {"columns", table_columns},
        {"comment", table_comment}, {"comments", table_comments}, {"write_csv", table_write_csv},
        {"filter", table_filter},   {"group_by", table_group_by}, {"add_column", table_add_column},
        {"add_rows", table_add_rows}, {"close", table_close},   {NULL, NULL}};
    static const luaL_Reg meta[] = {{"__gc", table_close},
                                    {"__close", table_close},
                                    {"__len", table_len},
                                    {"__tostring", table_tostring},
                                    {NULL, NULL}};
    gvL_newtype(L, TABLE_T, methods, meta);
    luaL_getmetatable(L, TABLE_T); /* glass.Table: the methods, which the Lua library extends */
    lua_getfield(L, -1, "__index");
    lua_setfield(L, -3, "Table");
    lua_pop(L, 1);
    static const luaL_Reg fns[] = {
        {"table", table_new}, {"read_csv", read_csv},
        {"format_number", format_number}, {NULL, NULL}};
    luaL_setfuncs(L, fns, 0);
}
