/* gv_table.h: a table of named numeric columns, the unit of output.
 *
 * Observers and analyses produce tables; tables are written as CSV (libcsv)
 * with `#` comment lines (glassvm version, protocol, parameters, seed), one
 * header row, then one row per point.  NaN cells are written as empty fields
 * (pandas reads them as NaN, gnuplot as missing).  Readable back with
 * gv_table_read_csv.  Writes go to a temporary file that is renamed into
 * place, so a half-written CSV never passes for a result. */
#ifndef GV_TABLE_H
#define GV_TABLE_H

#include <stdio.h>

#include "gv_core.h"

typedef struct gv_table gv_table;

gv_table *gv_table_alloc(size_t ncols, const char *const *names, gv_err *e);
void gv_table_free(gv_table *t);

size_t gv_table_ncols(const gv_table *t);
size_t gv_table_nrows(const gv_table *t);
const char *gv_table_name(const gv_table *t, size_t col);
/* Column index by name, or -1. */
long gv_table_find(const gv_table *t, const char *name);
double gv_table_get(const gv_table *t, size_t row, size_t col);
void gv_table_set(gv_table *t, size_t row, size_t col, double v);
/* Append one row of ncols values. */
gv_status gv_table_add_row(gv_table *t, const double *row, gv_err *e);

/* Append a column `name` (new) holding values[i] in row i (values NULL:
 * every cell empty, e.g. to fill with text codes).  A failure leaves the
 * table unchanged. */
gv_status gv_table_add_column(gv_table *t, const char *name, const double *values, gv_err *e);

/* Text columns (a status word, a method name).  A column becomes a text
 * column when its first text value is stored: a cell then holds the index
 * of its text in the column's list of distinct texts (NaN: empty), and the
 * CSV holds the text.  gv_table_text_code returns that index for `text`
 * (adding it when new; GV_EINVAL if the column already holds numbers);
 * gv_table_text the text of a cell, or NULL (a numeric column or an empty
 * cell).  The reader makes a column text when a field is not a number and
 * the column holds no number yet. */
gv_status gv_table_text_code(gv_table *t, size_t col, const char *text, double *code, gv_err *e);
const char *gv_table_text(const gv_table *t, size_t row, size_t col);

/* The one number formatter of glassvm's text outputs (CSV cells, provenance
 * comments, params.lua, messages; Lua: glass.format_number): the shortest
 * of %.15g, %.16g, %.17g that reads back as the same double -- exact like
 * %.17g, but 0.1 stays "0.1" instead of "0.10000000000000001".  Writes into
 * buf (n >= 32) and returns it. */
const char *gv_format_double(char *buf, size_t n, double x);
int gv_table_is_text(const gv_table *t, size_t col);

/* Comment lines written before the header, without the leading "# ". */
gv_status gv_table_add_comment(gv_table *t, const char *line, gv_err *e);
size_t gv_table_ncomments(const gv_table *t);
const char *gv_table_comment(const gv_table *t, size_t i);

gv_status gv_table_write_csv(const gv_table *t, const char *path, gv_err *e);
/* Reads what gv_table_write_csv writes (and CSV from other tools: CRLF, blank
 * lines, comments after the header).  A malformed file fails with
 * "path:line: problem"; a NUL byte anywhere is refused (tables are text). */
gv_table *gv_table_read_csv(const char *path, gv_err *e);

/* Additions (gv_table.c).  Write with `nextra` extra comment lines first
 * (the standard run comments: version, protocol, parameters, seed), then the
 * table's own comments, header and rows.  Same atomic tmp+rename as above. */
gv_status gv_table_write_csv_with(const gv_table *t, const char *path, const char *const *extra,
                                  size_t nextra, gv_err *e);
/* The CSV text to an open stream (no rename, no fsync); `name` is used in
 * messages.  Checks every write and the final fflush. */
gv_status gv_table_write_stream(const gv_table *t, FILE *f, const char *const *extra,
                                size_t nextra, const char *name, gv_err *e);

#endif
