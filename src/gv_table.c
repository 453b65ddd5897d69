/* gv_table.c: named numeric columns, written and read as CSV through libcsv.
 *
 * Storage is one row-major array of doubles that doubles its capacity as rows
 * are appended.  The CSV dialect (docs/file-formats.md):
 *   # comment lines ("# " + text), first
 *   one header row (names quoted by libcsv only when they need it)
 *   one row per point, numbers in the shortest of %.15g/%.16g/%.17g that
 *   reads back to the same double (exact round trip),
 *   NaN as an empty field.
 * Writing goes to "<path>.tmp.<pid>", checked at every step (fprintf, fflush,
 * fsync, fclose), then renamed over <path>: a reader sees either the old file
 * or the complete new one, never a torn one. */
#define _POSIX_C_SOURCE 200809L

#include "gv_table.h"

#include "gv_bytes.h" /* gv_open_regular */

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct gv_table {
    size_t ncols, nrows, cap; /* cap: rows allocated */
    char **names;
    double *data;             /* nrows * ncols, row-major */
    size_t ncomments, comcap;
    char **comments;
    /* Text columns: texts[j] (NULL for a numeric column) lists the
     * ntexts[j] distinct texts; a cell holds an index into it. */
    char ***texts;
    size_t *ntexts;
    unsigned char *numeric; /* a number was stored in column j (so it cannot turn text) */
};

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

gv_table *gv_table_alloc(size_t ncols, const char *const *names, gv_err *e)
{
    if (ncols == 0) {
        gv_fail(e, GV_EINVAL, "table: needs at least one column");
        return NULL;
    }
    for (size_t j = 0; j < ncols; j++) {
        if (!names || !names[j] || !names[j][0]) {
            gv_fail(e, GV_EINVAL, "table: column %zu has an empty name", j + 1);
            return NULL;
        }
        /* Columns are looked up by name, so names must be unique. */
        for (size_t i = 0; i < j; i++)
            if (strcmp(names[i], names[j]) == 0) {
                gv_fail(e, GV_EINVAL, "table: column name '%s' appears twice (columns %zu and %zu)",
                        names[j], i + 1, j + 1);
                return NULL;
            }
    }
    gv_table *t = calloc(1, sizeof *t);
    if (!t) goto nomem;
    t->ncols = ncols;
    t->names = calloc(ncols, sizeof *t->names);
    t->texts = calloc(ncols, sizeof *t->texts);
    t->ntexts = calloc(ncols, sizeof *t->ntexts);
    t->numeric = calloc(ncols, 1);
    if (!t->names || !t->texts || !t->ntexts || !t->numeric) goto nomem;
    for (size_t j = 0; j < ncols; j++)
        if (!(t->names[j] = dupstr(names[j]))) goto nomem;
    return t;
nomem:
    gv_table_free(t);
    gv_fail(e, GV_ENOMEM, "table: out of memory for %zu columns", ncols);
    return NULL;
}

void gv_table_free(gv_table *t)
{
    if (!t) return;
    if (t->names)
        for (size_t j = 0; j < t->ncols; j++) free(t->names[j]);
    for (size_t i = 0; i < t->ncomments; i++) free(t->comments[i]);
    if (t->texts)
        for (size_t j = 0; j < t->ncols; j++) {
            for (size_t k = 0; k < t->ntexts[j]; k++) free(t->texts[j][k]);
            free(t->texts[j]);
        }
    free(t->texts);
    free(t->ntexts);
    free(t->numeric);
    free(t->names);
    free(t->comments);
    free(t->data);
    free(t);
}

size_t gv_table_ncols(const gv_table *t) { return t->ncols; }
size_t gv_table_nrows(const gv_table *t) { return t->nrows; }

const char *gv_table_name(const gv_table *t, size_t col)
{
    return col < t->ncols ? t->names[col] : NULL;
}

long gv_table_find(const gv_table *t, const char *name)
{
    for (size_t j = 0; j < t->ncols; j++)
        if (strcmp(t->names[j], name) == 0) return (long)j;
    return -1;
}

/* Out-of-range cells read as NaN and ignore writes (callers check sizes). */
double gv_table_get(const gv_table *t, size_t row, size_t col)
{
    if (row >= t->nrows || col >= t->ncols) return NAN;
    return t->data[row * t->ncols + col];
}

void gv_table_set(gv_table *t, size_t row, size_t col, double v)
{
    if (row < t->nrows && col < t->ncols) t->data[row * t->ncols + col] = v;
}

gv_status gv_table_add_row(gv_table *t, const double *row, gv_err *e)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16, bytes;
        if (cap < t->cap || gv_mul_size(cap, t->ncols * sizeof(double), &bytes))
            return gv_fail(e, GV_ENOMEM, "table: too many rows (%zu)", t->nrows);
        double *d = realloc(t->data, bytes);
        if (!d) return gv_fail(e, GV_ENOMEM, "table: out of memory growing to %zu rows", cap);
        t->data = d;
        t->cap = cap;
    }
    memcpy(t->data + t->nrows * t->ncols, row, t->ncols * sizeof(double));
    for (size_t j = 0; j < t->ncols; j++) {
        if (isnan(row[j])) continue;
        if (!t->texts[j]) {
            t->numeric[j] = 1;
        } else if (!(row[j] >= 0 && row[j] < (double)t->ntexts[j] && row[j] == floor(row[j]))) {
            return gv_fail(e, GV_EINVAL, "table: column '%s' holds text; %g is not one of its "
                                         "%zu text codes", t->names[j], row[j], t->ntexts[j]);
        }
    }
    t->nrows++;
    return GV_OK;
}

gv_status gv_table_add_column(gv_table *t, const char *name, const double *values, gv_err *e)
{
    if (!name || !name[0]) return gv_fail(e, GV_EINVAL, "table: a new column needs a name");
    if (gv_table_find(t, name) >= 0)
        return gv_fail(e, GV_EINVAL, "table: the table already has a column '%s'", name);
    size_t nc = t->ncols + 1, cap = t->cap ? t->cap : 1, bytes;
    if (gv_mul_size(cap, nc * sizeof(double), &bytes))
        return gv_fail(e, GV_ENOMEM, "table: too many cells for another column");
    /* Everything new is allocated before anything changes: a failure
     * leaves the table as it was. */
    double *d = malloc(bytes);
    char **names = malloc(nc * sizeof *names), ***texts = malloc(nc * sizeof *texts);
    size_t *ntexts = malloc(nc * sizeof *ntexts);
    unsigned char *numeric = malloc(nc);
    char *copy = dupstr(name);
    if (!d || !names || !texts || !ntexts || !numeric || !copy) {
        free(d), free(names), free(texts), free(ntexts), free(numeric), free(copy);
        return gv_fail(e, GV_ENOMEM, "table: out of memory adding column '%s'", name);
    }
    int any = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        if (t->ncols) memcpy(d + i * nc, t->data + i * t->ncols, t->ncols * sizeof(double));
        d[i * nc + t->ncols] = values ? values[i] : NAN;
        if (values && !isnan(values[i])) any = 1;
    }
    memcpy(names, t->names, t->ncols * sizeof *names);
    memcpy(texts, t->texts, t->ncols * sizeof *texts);
    memcpy(ntexts, t->ntexts, t->ncols * sizeof *ntexts);
    memcpy(numeric, t->numeric, t->ncols);
    names[t->ncols] = copy, texts[t->ncols] = NULL, ntexts[t->ncols] = 0;
    numeric[t->ncols] = (unsigned char)any;
    free(t->data), free(t->names), free(t->texts), free(t->ntexts), free(t->numeric);
    t->data = d, t->names = names, t->texts = texts, t->ntexts = ntexts, t->numeric = numeric;
    t->cap = cap;
    t->ncols = nc;
    return GV_OK;
}

gv_status gv_table_text_code(gv_table *t, size_t col, const char *text, double *code, gv_err *e)
{
    if (col >= t->ncols) return gv_fail(e, GV_EINVAL, "table: no column %zu", col + 1);
    if (t->numeric[col])
        return gv_fail(e, GV_EINVAL, "table: column '%s' holds numbers; it cannot take the text "
                                     "'%.60s'", t->names[col], text);
    for (size_t k = 0; k < t->ntexts[col]; k++)
        if (strcmp(t->texts[col][k], text) == 0) {
            *code = (double)k;
            return GV_OK;
        }
    size_t n = t->ntexts[col];
    char **p = realloc(t->texts[col], (n + 1) * sizeof *p);
    if (!p) return gv_fail(e, GV_ENOMEM, "table: out of memory");
    t->texts[col] = p;
    if (!(p[n] = dupstr(text))) return gv_fail(e, GV_ENOMEM, "table: out of memory");
    t->ntexts[col] = n + 1;
    *code = (double)n;
    return GV_OK;
}

const char *gv_table_text(const gv_table *t, size_t row, size_t col)
{
    if (col >= t->ncols || !t->texts[col]) return NULL;
    double v = gv_table_get(t, row, col);
    if (!(v >= 0 && v < (double)t->ntexts[col])) return NULL;
    return t->texts[col][(size_t)v];
}

int gv_table_is_text(const gv_table *t, size_t col) { return col < t->ncols && t->texts[col]; }

/* One stored comment per line: text with newlines becomes several comments,
 * so that every line of the file still starts with '#'. */
static gv_status add_one_comment(gv_table *t, const char *s, size_t n, gv_err *e)
{
    if (n > 0 && s[n - 1] == '\r') n--;
    if (t->ncomments == t->comcap) {
        size_t cap = t->comcap ? 2 * t->comcap : 8;
        char **c = realloc(t->comments, cap * sizeof *c);
        if (!c) return gv_fail(e, GV_ENOMEM, "table: out of memory for comments");
        t->comments = c;
        t->comcap = cap;
    }
    char *p = malloc(n + 1);
    if (!p) return gv_fail(e, GV_ENOMEM, "table: out of memory for a comment");
    memcpy(p, s, n);
    p[n] = '\0';
    t->comments[t->ncomments++] = p;
    return GV_OK;
}

gv_status gv_table_add_comment(gv_table *t, const char *line, gv_err *e)
{
    for (;;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        gv_status s = add_one_comment(t, line, n, e);
        if (s != GV_OK || !nl) return s;
        line = nl + 1;
    }
}

size_t gv_table_ncomments(const gv_table *t) { return t->ncomments; }

const char *gv_table_comment(const gv_table *t, size_t i)
{
    return i < t->ncomments ? t->comments[i] : NULL;
}

/* ---- writing ------------------------------------------------------------- */

/* A header name needs CSV quoting if it holds the delimiter, a quote, a line
 * break, edge blanks (libcsv trims them), starts with '#' (it would read as
 * a comment) or with a UTF-8 byte-order mark (the reader drops one at the
 * start of a file).  Plain names stay unquoted for gnuplot's columnheader. */
static int needs_quotes(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || s[0] == '#' || s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' ||
        s[n - 1] == '\t' || strncmp(s, "\xEF\xBB\xBF", 3) == 0)
        return 1;
    return strpbrk(s, ",\"\r\n") != NULL;
}

const char *gv_format_double(char *buf, size_t n, double x)
{
    for (int prec = 15; prec < 17; prec++) {
        snprintf(buf, n, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) return buf;
    }
    snprintf(buf, n, "%.17g", x);
    return buf;
}

static gv_status write_comment(FILE *f, const char *c, const char *name, gv_err *e)
{
    /* Comments given by callers may still hold newlines (the extra lines
     * are not split on entry): keep every physical line a comment. */
    for (;;) {
        const char *nl = strchr(c, '\n');
        int n = nl ? (int)(nl - c) : (int)strlen(c);
        if (fprintf(f, "# %.*s\n", n, c) < 0) goto fail;
        if (!nl) return GV_OK;
        c = nl + 1;
    }
fail:
    return gv_fail(e, GV_EIO, "writing %s: %s", name, strerror(errno));
}

gv_status gv_table_write_stream(const gv_table *t, FILE *f, const char *const *extra,
                                size_t nextra, const char *name, gv_err *e)
{
    gv_status s;
    for (size_t i = 0; i < nextra; i++)
        if ((s = write_comment(f, extra[i], name, e)) != GV_OK) return s;
    for (size_t i = 0; i < t->ncomments; i++)
        if ((s = write_comment(f, t->comments[i], name, e)) != GV_OK) return s;
    for (size_t j = 0; j < t->ncols; j++) {
        if (j > 0 && fputc(',', f) == EOF) goto fail;
        const char *nm = t->names[j];
        if (needs_quotes(nm)) {
            if (csv_fwrite(f, nm, strlen(nm)) != 0) goto fail;
        } else if (fputs(nm, f) == EOF) {
            goto fail;
        }
    }
    if (fputc('\n', f) == EOF) goto fail;
    char num[40];
    for (size_t i = 0; i < t->nrows; i++) {
        const double *r = t->data + i * t->ncols;
        for (size_t j = 0; j < t->ncols; j++) {
            if (j > 0 && fputc(',', f) == EOF) goto fail;
            const char *txt = t->texts[j] ? gv_table_text(t, i, j) : NULL;
            if (isnan(r[j])) {
                /* A lone empty field would make an empty line, which CSV
                 * readers skip: quote it so the row survives. */
                if (t->ncols == 1 && fputs("\"\"", f) == EOF) goto fail;
            } else if (txt) {
                if (needs_quotes(txt) ? csv_fwrite(f, txt, strlen(txt)) != 0 : fputs(txt, f) == EOF)
                    goto fail;
            } else if (fputs(gv_format_double(num, sizeof num, r[j]), f) == EOF) {
                goto fail;
            }
        }
        if (fputc('\n', f) == EOF) goto fail;
    }
    /* Buffered data is only known to be written once flushed (a full disk
     * shows up here, or at fclose). */
    if (fflush(f) != 0 || ferror(f)) goto fail;
    return GV_OK;
fail:
    return gv_fail(e, GV_EIO, "writing %s: %s", name, errno ? strerror(errno) : "write error");
}

gv_status gv_table_write_csv_with(const gv_table *t, const char *path, const char *const *extra,
                                  size_t nextra, gv_err *e)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp) return gv_fail(e, GV_ENOMEM, "writing %s: out of memory", path);
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        int err = errno;
        gv_fail(e, GV_EIO, "cannot write %s: creating %s failed: %s%s", path, tmp, strerror(err),
                err == ENOENT ? " (does the directory exist?)" : "");
        free(tmp);
        return GV_EIO;
    }
    gv_status s = gv_table_write_stream(t, f, extra, nextra, path, e);
    if (s == GV_OK && fsync(fileno(f)) != 0 && errno != EINVAL && errno != EROFS)
        s = gv_fail(e, GV_EIO, "writing %s: fsync failed: %s", path, strerror(errno));
    if (fclose(f) != 0 && s == GV_OK)
        s = gv_fail(e, GV_EIO, "writing %s: closing %s failed: %s", path, tmp, strerror(errno));
    if (s == GV_OK && rename(tmp, path) != 0)
        s = gv_fail(e, GV_EIO, "writing %s: renaming %s into place failed: %s", path, tmp,
                    strerror(errno));
    if (s != GV_OK) remove(tmp); /* never leave a half-written file behind */
    free(tmp);
    return s;
}

gv_status gv_table_write_csv(const gv_table *t, const char *path, gv_err *e)
{
    return gv_table_write_csv_with(t, path, NULL, 0, e);
}

/* ---- reading ------------------------------------------------------------- */

/* Parser state shared by the libcsv callbacks.  Callbacks cannot stop the
 * parser, so the first error is recorded and later callbacks do nothing. */
typedef struct reader {
    const char *path;
    size_t line;     /* current physical line (1-based) */
    int mid;         /* inside a record (a quoted field may span lines) */
    size_t field;    /* fields seen in the current record */
    /* header, collected until the first record ends */
    char **names;
    size_t nnames, namecap;
    gv_table *t;     /* created when the header ends */
    double *row;
    char **comments; /* comment lines seen before the header */
    size_t ncom, comcap;
    gv_err *e;
    int failed;
} reader;

static void rd_fail(reader *r, gv_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void rd_fail(reader *r, gv_status s, const char *fmt, ...)
{
    if (r->failed) return;
    r->failed = 1;
    char msg[GV_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    gv_fail(r->e, s, "%s:%zu: %s", r->path, r->line, msg);
}

static void rd_field(void *s, size_t len, void *data)
{
    reader *r = data;
    if (r->failed) return;
    r->mid = 1;
    size_t j = r->field++;
    if (!r->t) { /* header */
        if (r->nnames == r->namecap) {
            size_t cap = r->namecap ? 2 * r->namecap : 16;
            char **p = realloc(r->names, cap * sizeof *p);
            if (!p) { rd_fail(r, GV_ENOMEM, "out of memory reading the header"); return; }
            r->names = p;
            r->namecap = cap;
        }
        char *nm = malloc(len + 1);
        if (!nm) { rd_fail(r, GV_ENOMEM, "out of memory reading the header"); return; }
        if (len) memcpy(nm, s, len);
        nm[len] = '\0';
        r->names[r->nnames++] = nm;
        return;
    }
    if (j >= r->t->ncols) return; /* counted; reported at the end of the row */
    /* Empty field (NULL with CSV_EMPTY_IS_NULL, or a quoted "") is NaN. */
    if (!s || len == 0) { r->row[j] = NAN; return; }
    char buf[128], *end;
    if (len >= sizeof buf) {
        rd_fail(r, GV_EFORMAT, "column %zu (%s): cell is too long to be a number", j + 1,
                r->t->names[j]);
        return;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    double v = strtod(buf, &end);
    /* Underflow to a denormal or zero is fine; only text that is not a
     * number (or trailing garbage) is an error. */
    if (r->t->texts[j] || end == buf || *end != '\0') { /* text */
        if (r->t->numeric[j]) {
            rd_fail(r, GV_EFORMAT,
                    "column %zu (%s): '%.60s' is not a number, and the rows above hold numbers "
                    "(write missing values as empty fields)", j + 1, r->t->names[j], buf);
            return;
        }
        gv_err e2 = {0};
        if (gv_table_text_code(r->t, j, buf, &r->row[j], &e2) != GV_OK)
            rd_fail(r, e2.status, "%s", e2.msg);
        return;
    }
    /* An overflow (1e400) is no inf: "inf" is written as such. */
    if (errno == ERANGE && isinf(v)) {
        rd_fail(r, GV_EFORMAT, "column %zu (%s): '%.60s' is beyond a double's range (write "
                "inf for an infinite value)", j + 1, r->t->names[j], buf);
        return;
    }
    r->row[j] = v;
}

static void rd_record(int c, void *data)
{
    (void)c;
    reader *r = data;
    r->mid = 0;
    if (r->failed) return;
    size_t nf = r->field;
    r->field = 0;
    if (!r->t) {
        gv_err e2 = {0};
        r->t = gv_table_alloc(r->nnames, (const char *const *)r->names, &e2);
        if (!r->t) {
            rd_fail(r, e2.status, "bad header: %s", e2.msg);
            return;
        }
        r->row = malloc(r->t->ncols * sizeof *r->row);
        if (!r->row) { rd_fail(r, GV_ENOMEM, "out of memory"); return; }
        for (size_t i = 0; i < r->ncom; i++)
            if (gv_table_add_comment(r->t, r->comments[i], &e2) != GV_OK) {
                rd_fail(r, e2.status, "%s", e2.msg);
                return;
            }
        return;
    }
    if (nf != r->t->ncols) {
        rd_fail(r, GV_EFORMAT, "row has %zu fields but the header has %zu columns", nf,
                r->t->ncols);
        return;
    }
    gv_err e2 = {0};
    if (gv_table_add_row(r->t, r->row, &e2) != GV_OK) rd_fail(r, e2.status, "%s", e2.msg);
}

static int rd_comment(reader *r, const char *line, size_t n)
{
    /* "#" then an optional single space, as written. */
    line++, n--;
    if (n > 0 && line[0] == ' ') line++, n--;
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
    if (r->t) { /* a comment after the header: keep it too */
        gv_err e2 = {0};
        char *tmp = malloc(n + 1);
        if (!tmp) return -1;
        memcpy(tmp, line, n);
        tmp[n] = '\0';
        int bad = gv_table_add_comment(r->t, tmp, &e2) != GV_OK;
        free(tmp);
        return bad ? -1 : 0;
    }
    if (r->ncom == r->comcap) {
        size_t cap = r->comcap ? 2 * r->comcap : 8;
        char **p = realloc(r->comments, cap * sizeof *p);
        if (!p) return -1;
        r->comments = p;
        r->comcap = cap;
    }
    char *c = malloc(n + 1);
    if (!c) return -1;
    memcpy(c, line, n);
    c[n] = '\0';
    r->comments[r->ncom++] = c;
    return 0;
}

gv_table *gv_table_read_csv(const char *path, gv_err *e)
{
    int fd = gv_open_regular(path, e); /* a FIFO is refused, never waited on */
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (!f) {
        if (fd >= 0) {
            gv_fail(e, GV_EIO, "%s: cannot open (%s)", path, strerror(errno));
            close(fd);
        }
        return NULL;
    }
    reader r = {.path = path, .e = e};
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL) != 0) {
        fclose(f);
        gv_fail(e, GV_ENOMEM, "reading %s: cannot initialise the CSV parser", path);
        return NULL;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while (!r.failed && (n = getline(&line, &cap, f)) > 0) {
        r.line++;
        char *s = line;
        /* A UTF-8 byte-order mark (spreadsheets write one) is not part of the
         * first column's name. */
        if (r.line == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
            s += 3;
            n -= 3;
        }
        /* Fields and comments are used as C strings: a NUL byte would cut
         * them ("2\0junk" would read as 2), so a line holding one is refused. */
        const char *nul = memchr(s, '\0', (size_t)n);
        if (nul) {
            rd_fail(&r, GV_EFORMAT, "NUL byte at character %zu (a binary file? tables are text)",
                    (size_t)(nul - s) + 1);
            break;
        }
        /* A '#' starts a comment only between records: inside a quoted
         * field spanning lines it is data. */
        if (!r.mid && s[0] == '#') {
            if (rd_comment(&r, s, (size_t)n) != 0)
                rd_fail(&r, GV_ENOMEM, "out of memory for comments");
            continue;
        }
        if (strspn(s, " \t\r\n") < (size_t)n) r.mid = 1; /* until the record ends */
        if (csv_parse(&p, s, (size_t)n, rd_field, rd_record, &r) != (size_t)n && !r.failed)
            rd_fail(&r, GV_EFORMAT, "malformed CSV (%s)", csv_strerror(csv_error(&p)));
    }
    if (!r.failed && ferror(f))
        rd_fail(&r, GV_EIO, "read error: %s", strerror(errno));
    if (!r.failed && csv_fini(&p, rd_field, rd_record, &r) != 0)
        rd_fail(&r, GV_EFORMAT, "malformed CSV at the end of the file (%s)",
                csv_strerror(csv_error(&p)));
    if (!r.failed && !r.t) {
        r.failed = 1;
        gv_fail(e, GV_EFORMAT, "%s: no header row (the file is empty or holds only # comments)",
                path);
    }
    csv_free(&p);
    free(line);
    fclose(f);
    for (size_t i = 0; i < r.nnames; i++) free(r.names[i]);
    free(r.names);
    for (size_t i = 0; i < r.ncom; i++) free(r.comments[i]);
    free(r.comments);
    free(r.row);
    if (r.failed) {
        gv_table_free(r.t);
        return NULL;
    }
    return r.t;
}
