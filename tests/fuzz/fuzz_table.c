/* fuzz_table.c: the CSV table reader (gv_table_read_csv): comment lines,
 * header, numeric cells, empty cells as NaN, quoted fields across lines.
 *
 * A table that reads must also round-trip: written back with
 * gv_table_write_stream and read again it gives the same names, comments
 * and cells (bit for bit, NaN for NaN), as gv_table.h promises; and writing
 * that second table gives the same bytes as the first write.
 *
 * An input holding a NUL byte must be refused: the reader would cut names,
 * comments and cells at the NUL (the first finding of this target,
 * docs/reliability.md, "Fuzzing"; tests/data/bad-table-nul.csv). */
#include "fuzz_common.h"
#include "gv_table.h"

#include <math.h>

static char *write_text(const gv_table *t, size_t *n)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, n);
    if (!f) abort();
    gv_err e = {0};
    if (gv_table_write_stream(t, f, NULL, 0, "memstream", &e) != GV_OK) {
        fprintf(stderr, "write_stream failed: %s\n", e.msg);
        abort();
    }
    fclose(f);
    return buf;
}

static int same_cell(double a, double b)
{
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    return memcmp(&a, &b, sizeof a) == 0;
}

static void check_same(const gv_table *a, const gv_table *b)
{
    size_t nc = gv_table_ncols(a), nr = gv_table_nrows(a);
    if (gv_table_ncols(b) != nc || gv_table_nrows(b) != nr) {
        fprintf(stderr, "round trip: %zux%zu became %zux%zu\n", nr, nc, gv_table_nrows(b),
                gv_table_ncols(b));
        abort();
    }
    for (size_t c = 0; c < nc; c++) {
        if (strcmp(gv_table_name(a, c), gv_table_name(b, c)) != 0) {
            fprintf(stderr, "round trip: column %zu name '%s' became '%s'\n", c + 1,
                    gv_table_name(a, c), gv_table_name(b, c));
            abort();
        }
        for (size_t r = 0; r < nr; r++)
            if (!same_cell(gv_table_get(a, r, c), gv_table_get(b, r, c))) {
                fprintf(stderr, "round trip: cell (%zu,%zu) %.17g became %.17g\n", r + 1, c + 1,
                        gv_table_get(a, r, c), gv_table_get(b, r, c));
                abort();
            }
    }
    if (gv_table_ncomments(a) != gv_table_ncomments(b)) {
        fprintf(stderr, "round trip: %zu comments became %zu\n", gv_table_ncomments(a),
                gv_table_ncomments(b));
        abort();
    }
    for (size_t i = 0; i < gv_table_ncomments(a); i++)
        if (strcmp(gv_table_comment(a, i), gv_table_comment(b, i)) != 0) {
            fprintf(stderr, "round trip: comment %zu '%s' became '%s'\n", i + 1,
                    gv_table_comment(a, i), gv_table_comment(b, i));
            abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gv_err e = {0};
    gv_table *t = gv_table_read_csv(fz_write(0, data, size), &e);
    fz_check_err(t ? GV_OK : GV_EFORMAT, &e, "gv_table_read_csv");
    if (!t) return 0;
    if (memchr(data, '\0', size)) {
        fprintf(stderr, "a file holding a NUL byte was read as a table\n");
        abort();
    }
    size_t n1, n2;
    char *text1 = write_text(t, &n1);
    gv_err e2 = {0};
    gv_table *t2 = gv_table_read_csv(fz_write(1, text1, n1), &e2);
    if (!t2) {
        fprintf(stderr, "a table that read cannot be read back after writing: %s\n", e2.msg);
        abort();
    }
    check_same(t, t2);
    char *text2 = write_text(t2, &n2);
    if (n1 != n2 || memcmp(text1, text2, n1) != 0) {
        fprintf(stderr, "round trip: the second write differs from the first\n");
        abort();
    }
    free(text1);
    free(text2);
    gv_table_free(t2);
    gv_table_free(t);
    return 0;
}
