/* gv_csv.c: numeric CSV datasets through libcsv (plain or gzip).
 *
 * One row per sample: the class in one column (the first by default, as in
 * Kaggle's MNIST train.csv), features in all the others.  A first row with
 * any field that does not parse as a number is a header.  Rows must all have
 * the first row's number of fields; every field must be a finite number, and
 * classes integers.  A NUL byte anywhere is refused (a binary file: strtod
 * would stop at it and read "2\0junk" as 2).  A UTF-8 byte-order mark at the
 * start of the file (spreadsheets write one) is skipped, so that it does not
 * turn a headerless first row into a "header".  Memory grows with the values
 * actually parsed, so it is bounded by the file's (decompressed) size.
 *
 * Errors name the line of the file (blank lines count, as in an editor):
 * libcsv is fed one line at a time, so every callback knows its line.  A
 * quoted field that spans lines is reported at the line where it ends. */
#include "gv_data.h"

#include <csv.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct csv_state {
    const char *path;
    int label_column; /* as given: 1-based, -1 = last */
    size_t lab;       /* resolved 0-based label column */
    size_t line;      /* the line of the file being parsed (1-based) */
    size_t col;       /* fields in the current row */
    size_t ncols;     /* fields per row; 0 until the first row is complete */
    int first_done;   /* the first row has been classified */
    /* The first row is kept as text until it is known to be data or header. */
    char **first;
    size_t nfirst, capfirst;
    /* Parsed values. */
    float *X;
    int32_t *cls;
    size_t P, capP;   /* rows stored, capacity in rows */
    float *cur;       /* features of the row being parsed (ncols - 1) */
    double curlab;
    gv_status status;
    gv_err *e;
} csv_state;

/* strtod of a whole field (leading/trailing blanks allowed).  Not C's
 * hexadecimal floats ("0x10" would read as 16): a data set's numbers are
 * decimal, and a cell in hex means a file of another kind. */
static int parse_number(const char *s, double *out)
{
    while (*s == ' ' || *s == '\t') s++;
    if (!*s) return 0;
    const char *digits = s + (*s == '+' || *s == '-');
    if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) return 0;
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    while (*end == ' ' || *end == '\t' || *end == '\r') end++;
    if (*end || end == s) return 0;
    *out = x;
    return 1;
}

/* A hint for text that holds another separator than the comma. */
static const char *separator_hint(const char *text)
{
    if (strchr(text, ';'))
        return " (this file seems to separate its fields with ';': glassvm reads comma-separated "
               "files; convert it, decimal commas included)";
    if (strchr(text, '\t'))
        return " (this file seems to separate its fields with tabs: glassvm reads "
               "comma-separated files; convert it)";
    return "";
}

static void fail_field(csv_state *st, const char *field, const char *problem)
{
    char shown[40];
    size_t n = strlen(field);
    snprintf(shown, sizeof shown, "%.32s%s", field, n > 32 ? "..." : "");
    st->status = gv_fail(st->e, GV_EFORMAT, "%s: line %zu, column %zu: '%s' %s%s", st->path,
                         st->line, st->col + 1, shown, problem, separator_hint(field));
}

/* Store one field of a data row (col known, ncols known). */
static void take_value(csv_state *st, const char *field, size_t col)
{
    double x;
    if (!parse_number(field, &x)) { fail_field(st, field, "is not a number"); return; }
    if (!isfinite(x)) { fail_field(st, field, "is not a finite number"); return; }
    if (col == st->lab) {
        if (x != floor(x) || x < INT32_MIN || x > INT32_MAX) {
            fail_field(st, field, "is not an integer class");
            return;
        }
        st->curlab = x;
    } else {
        /* Stored as float32: a finite double past its range would be inf. */
        if (fabs(x) > FLT_MAX) {
            fail_field(st, field, "is out of float32 range (|x| <= 3.4e38; the features are "
                                  "stored as float32)");
            return;
        }
        st->cur[col < st->lab ? col : col - 1] = (float)x;
    }
}

/* Append the current row's values. */
static void push_row(csv_state *st)
{
    size_t d = st->ncols - 1;
    if (st->P == st->capP) {
        size_t ncap = st->capP ? 2 * st->capP : 1024, bytes;
        if (gv_mul_size(ncap, d * sizeof(float), &bytes)) {
            st->status = gv_fail(st->e, GV_ENOMEM, "%s: too many rows", st->path);
            return;
        }
        float *nx = realloc(st->X, bytes);
        if (nx) st->X = nx;
        int32_t *nc = realloc(st->cls, ncap * sizeof *nc);
        if (nc) st->cls = nc;
        if (!nx || !nc) {
            st->status = gv_fail(st->e, GV_ENOMEM, "%s: out of memory at line %zu", st->path,
                                 st->line);
            return;
        }
        st->capP = ncap;
    }
    memcpy(st->X + st->P * d, st->cur, d * sizeof(float));
    st->cls[st->P] = (int32_t)st->curlab;
    st->P++;
}

/* Fix the column count from the first row and resolve the label column. */
static int set_columns(csv_state *st, size_t ncols)
{
    st->ncols = ncols;
    if (ncols < 2) {
        st->status = gv_fail(st->e, GV_EFORMAT,
                             "%s: rows have %zu field; need a class column and at least one "
                             "feature%s", st->path, ncols,
                             ncols == 1 ? separator_hint(st->first[0]) : "");
        return 0;
    }
    size_t lab = st->label_column < 0 ? ncols - 1 : (size_t)st->label_column - 1;
    if (lab >= ncols) {
        st->status = gv_fail(st->e, GV_EINVAL, "%s: label column %d, but rows have %zu fields",
                             st->path, st->label_column, ncols);
        return 0;
    }
    st->lab = lab;
    st->cur = malloc((ncols - 1) * sizeof *st->cur);
    if (!st->cur) {
        st->status = gv_fail(st->e, GV_ENOMEM, "%s: out of memory", st->path);
        return 0;
    }
    return 1;
}

static void on_field(void *field, size_t len, void *data)
{
    csv_state *st = data;
    if (st->status) return;
    const char *s = field ? field : ""; /* CSV_APPEND_NULL: s is terminated */
    const char *nul = field ? memchr(field, '\0', len) : NULL;
    if (nul) {
        st->status = gv_fail(st->e, GV_EFORMAT, "%s: line %zu, column %zu: NUL byte at character "
                             "%zu of the field (a binary file? CSV datasets are text)", st->path,
                             st->line, st->col + 1, (size_t)(nul - s) + 1);
        return;
    }
    if (!st->first_done) { /* keep the first row as text */
        if (st->nfirst == st->capfirst) {
            size_t ncap = st->capfirst ? 2 * st->capfirst : 64;
            char **nf = realloc(st->first, ncap * sizeof *nf);
            if (!nf) { st->status = gv_fail(st->e, GV_ENOMEM, "%s: out of memory", st->path); return; }
            st->first = nf;
            st->capfirst = ncap;
        }
        char *copy = malloc(strlen(s) + 1);
        if (!copy) { st->status = gv_fail(st->e, GV_ENOMEM, "%s: out of memory", st->path); return; }
        strcpy(copy, s);
        st->first[st->nfirst++] = copy;
        return;
    }
    if (st->col >= st->ncols) { /* reported at the end of the row */
        st->col++;
        return;
    }
    take_value(st, s, st->col);
    st->col++;
}

static void on_row(int c, void *data)
{
    csv_state *st = data;
    (void)c;
    if (st->status) return;
    if (!st->first_done) {
        st->first_done = 1;
        if (!set_columns(st, st->nfirst)) return;
        /* A header if any field is not a number. */
        int header = 0;
        double x;
        for (size_t i = 0; i < st->nfirst; i++)
            if (!parse_number(st->first[i], &x)) header = 1;
        if (!header) {
            for (st->col = 0; st->col < st->ncols && !st->status; st->col++)
                take_value(st, st->first[st->col], st->col);
            if (!st->status) push_row(st);
        } else if (st->label_column == 1 && strncasecmp(st->first[0], "pixel", 5) == 0) {
            /* Kaggle's MNIST test.csv has no label column: its first
             * column, pixel0, would be read as the class.  (Only for the
             * first column: another one was chosen on purpose.) */
            st->status = gv_fail(st->e, GV_EFORMAT, "%s: the label column (column %zu) is headed "
                                 "\"%s\", a feature: this file has no labels (as Kaggle's MNIST "
                                 "test.csv: use train.csv, whose first column is \"label\"), or "
                                 "give label_column=", st->path, st->lab + 1, st->first[0]);
            return;
        }
        st->col = 0;
        return;
    }
    if (st->col != st->ncols) {
        st->status = gv_fail(st->e, GV_EFORMAT, "%s: line %zu has %zu fields, the first row has "
                             "%zu (ragged CSV)", st->path, st->line, st->col, st->ncols);
        return;
    }
    push_row(st);
    st->col = 0;
}

/* Parse n bytes, one line at a time (st->line counts the newlines fed).
 * Returns 0, or -1 when libcsv refuses the input. */
static int parse_lines(struct csv_parser *p, const char *b, size_t n, csv_state *st)
{
    while (n > 0 && !st->status) {
        const char *nl = memchr(b, '\n', n);
        size_t k = nl ? (size_t)(nl - b) + 1 : n;
        if (csv_parse(p, b, k, on_field, on_row, st) != k) return st->status ? 0 : -1;
        if (nl) st->line++;
        b += k;
        n -= k;
    }
    return 0;
}

gv_status gv_csv_load(const char *path, int label_column, gv_data **out, gv_err *e)
{
    *out = NULL;
    if (label_column == 0 || label_column < -1)
        return gv_fail(e, GV_EINVAL, "%s: label column must be 1, 2, ... or -1 (the last), got %d",
                       path, label_column);
    gv_file *f = gv_file_open(path, e);
    if (!f) return e ? e->status : GV_EIO;
    csv_state st = {.path = path, .label_column = label_column, .line = 1, .e = e};
    struct csv_parser p;
    gv_data *data = NULL;
    enum { CHUNK = 1 << 16 };
    char *buf = malloc(CHUNK);
    if (!buf || csv_init(&p, CSV_APPEND_NULL | CSV_STRICT | CSV_STRICT_FINI) != 0) {
        free(buf);
        gv_file_close(f);
        return gv_fail(e, GV_ENOMEM, "%s: out of memory", path);
    }
    uint64_t total = 0;
    gv_status s = GV_OK;
    for (;;) {
        size_t got;
        if ((s = gv_file_read(f, buf, CHUNK, &got, e))) goto done;
        if (got == 0) break;
        size_t skip = total == 0 && got >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
        total += got;
        if (total > GV_DATA_MAX_BYTES) {
            s = gv_fail(e, GV_EFORMAT, "%s: more than %llu bytes of CSV", path,
                        (unsigned long long)GV_DATA_MAX_BYTES);
            goto done;
        }
        got -= skip; /* the byte-order mark */
        if (parse_lines(&p, buf + skip, got, &st) != 0) {
            s = gv_fail(e, GV_EFORMAT, "%s: line %zu: malformed CSV (%s)", path, st.line,
                        csv_strerror(csv_error(&p)));
            goto done;
        }
        if (st.status) { s = st.status; goto done; }
    }
    if (csv_fini(&p, on_field, on_row, &st) != 0 && !st.status) {
        s = gv_fail(e, GV_EFORMAT, "%s: malformed CSV at the end of the file (%s)", path,
                    csv_strerror(csv_error(&p)));
        goto done;
    }
    if (st.status) { s = st.status; goto done; }
    if (total == 0 || !st.first_done) {
        s = gv_fail(e, GV_EFORMAT, "%s: empty file (expected CSV rows: class, features...)", path);
        goto done;
    }
    if (st.P == 0) {
        s = gv_fail(e, GV_EFORMAT, "%s: a header row but no data rows", path);
        goto done;
    }
    const char *base = strrchr(path, '/');
    /* Hand the parsed buffers over (trimmed) rather than copy them. */
    if (!(data = gv_data_alloc(0, st.ncols - 1, base ? base + 1 : path, e))) {
        s = e ? e->status : GV_ENOMEM;
        goto done;
    }
    free(data->X);
    free(data->cls);
    float *x = realloc(st.X, st.P * (st.ncols - 1) * sizeof(float));
    int32_t *c = realloc(st.cls, st.P * sizeof(int32_t));
    data->X = x ? x : st.X;
    data->cls = c ? c : st.cls;
    data->P = st.P;
    st.X = NULL;
    st.cls = NULL;
done:
    csv_free(&p);
    free(buf);
    gv_file_close(f);
    for (size_t i = 0; i < st.nfirst; i++) free(st.first[i]);
    free(st.first);
    free(st.X);
    free(st.cls);
    free(st.cur);
    if (s) return s;
    *out = data;
    return GV_OK;
}
