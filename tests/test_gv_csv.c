/* test_gv_csv.c: the CSV loader (libcsv) on the fixtures in tests/data:
 * header detection, label column choice, quoting and CRLF, gzip, a UTF-8
 * byte-order mark, and one test per kind of bad file (a FIFO included). */
#define _POSIX_C_SOURCE 200809L /* mkfifo, mkdtemp */

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gv_data.h"
#include "gv_table.h"
#include "gv_test.h"

static const char *F(const char *name)
{
    static char buf[4][1024];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof buf[i], "%s/%s", GV_TEST_DATA, name);
    return buf[i];
}

/* The rows of every tiny*.csv: class, then three features. */
static const float tiny_x[4][3] = {{0, 0.5f, 255}, {1, 2, 3}, {-1.5f, 100, 7}, {9, 8, 7}};
static const int32_t tiny_cls[4] = {1, 0, 4, 7};

static void check_tiny(const char *file, int label_column)
{
    gv_err e = {0};
    gv_data *d = NULL;
    CHECK_OK(gv_csv_load(F(file), label_column, &d, &e), e);
    if (!d) return;
    CHECK_MSG(d->P == 4 && d->d == 3, "%s: %zu x %zu", file, d->P, d->d);
    int same = d->P == 4 && d->d == 3;
    for (size_t i = 0; same && i < 4; i++) {
        if (d->cls[i] != tiny_cls[i]) same = 0;
        for (size_t j = 0; j < 3; j++)
            if (d->X[i * 3 + j] != tiny_x[i][j]) same = 0;
    }
    CHECK_MSG(same, "%s: values differ", file);
    CHECK(strcmp(d->name, file) == 0);
    gv_data_free(d);
}

static void test_layouts(void)
{
    check_tiny("tiny.csv", 1);          /* header row detected and skipped */
    check_tiny("tiny-noheader.csv", 1); /* first row is data */
    check_tiny("tiny.csv.gz", 1);       /* gzip */
    check_tiny("tiny-lastcol.csv", -1); /* class last; quotes, blanks, CRLF */
    check_tiny("tiny-lastcol.csv", 4);  /* the same, by number */
    check_tiny("tiny-bom.csv", 1);      /* a byte-order mark, then a data row: 4 rows, not 3 */
    check_tiny("tiny-bom-header.csv", 1); /* a byte-order mark, then the header */
}

static void bad(const char *file, int label_column, gv_status want, const char *needle)
{
    gv_err e = {0};
    gv_data *d = (gv_data *)&e;
    CHECK_FAILS(gv_csv_load(F(file), label_column, &d, &e), want, e, needle);
    CHECK(d == NULL);
    CHECK_MSG(strstr(e.msg, file) != NULL, "message lacks the file name: %s", e.msg);
}

static void test_bad_files(void)
{
    bad("bad-ragged.csv", 1, GV_EFORMAT, "line 3 has 2 fields, the first row has 3");
    bad("bad-nonnumeric.csv", 1, GV_EFORMAT, "line 3, column 2: 'abc' is not a number");
    bad("bad-label.csv", 1, GV_EFORMAT, "line 2, column 1: '1.5' is not an integer class");
    bad("bad-nan.csv", 1, GV_EFORMAT, "'nan' is not a finite number");
    /* 1e39 is a finite double, inf as the float32 it is stored as */
    bad("bad-f32-range.csv", 1, GV_EFORMAT, "line 2, column 3: '1e39' is out of float32 range");
    bad("bad-headeronly.csv", 1, GV_EFORMAT, "no data rows");
    bad("bad-quote.csv", 1, GV_EFORMAT, "malformed CSV");
    /* "5\0junk": strtod alone would read 5 */
    bad("bad-nul.csv", 1, GV_EFORMAT, "line 2, column 2: NUL byte at character 2 of the field");
    /* Errors name the line in the file, blank lines included, as an editor
     * numbers them (LF or CRLF); a quoted field over two lines, where it ends. */
    bad("bad-blanklines.csv", 1, GV_EFORMAT, "line 5, column 2: 'x' is not a number");
    bad("bad-blanklines-crlf.csv", 1, GV_EFORMAT, "line 4 has 3 fields, the first row has 2");
    bad("bad-multiline.csv", 1, GV_EFORMAT, "line 3, column 2: '2\n3' is not a number");
    /* Hexadecimal is not read (strtod would take 0x1F as 31). */
    bad("bad-hex.csv", 1, GV_EFORMAT, "line 3, column 2: '0x1F' is not a number");
    /* Another separator than the comma is named. */
    bad("bad-semicolon.csv", 1, GV_EFORMAT, "rows have 1 field; need a class column and at least "
        "one feature (this file seems to separate its fields with ';'");
    bad("bad-tabs.csv", 1, GV_EFORMAT, "(this file seems to separate its fields with tabs");
    bad("bad-onecolumn.csv", 1, GV_EFORMAT, "need a class column");
    /* Kaggle's test.csv has no label column: pixel0 is no class. */
    bad("bad-kaggle-test.csv", 1, GV_EFORMAT, "is headed \"pixel0\", a feature: this file has no labels");
    bad("empty.csv", 1, GV_EFORMAT, "empty file");
    bad("no-such.csv", 1, GV_EIO, "cannot open");
    bad("bad-corrupt.idx3.gz", 1, GV_EFORMAT, "corrupt gzip");
    /* A label column the rows do not have, or an impossible one. */
    bad("tiny.csv", 5, GV_EINVAL, "label column 5, but rows have 4 fields");
    bad("tiny.csv", 0, GV_EINVAL, "label column must be");
    /* Column 2 of tiny.csv holds 0, 1, -1.5, 9: not all classes. */
    bad("tiny.csv", 2, GV_EFORMAT, "line 4, column 2: '-1.5' is not an integer class");
}

/* A FIFO (or a directory) is refused at once, never waited on: opening a
 * FIFO for reading would block until a writer appears (none does here, so
 * a regression hangs this test until ctest's timeout). */
static void test_not_regular(void)
{
    char dir[] = "/tmp/gvcsvXXXXXX", fifo[64];
    if (!mkdtemp(dir)) { CHECK(0); return; }
    snprintf(fifo, sizeof fifo, "%s/pipe.csv", dir);
    CHECK(mkfifo(fifo, 0600) == 0);
    gv_err e = {0};
    gv_data *d = NULL;
    CHECK_FAILS(gv_csv_load(fifo, 1, &d, &e), GV_EIO, e, "is a FIFO (named pipe), not a regular file");
    CHECK(d == NULL && strstr(e.msg, fifo) == e.msg);
    CHECK_FAILS(gv_csv_load(dir, 1, &d, &e), GV_EIO, e, "is a directory, not a regular file");
    CHECK(gv_table_read_csv(fifo, &e) == NULL);
    CHECK_MSG(strstr(e.msg, "is a FIFO (named pipe)") && strstr(e.msg, fifo), "table: %s", e.msg);
    remove(fifo);
    rmdir(dir);
}

int main(void)
{
    GV_RUN(test_layouts);
    GV_RUN(test_bad_files);
    GV_RUN(test_not_regular);
    return GV_TEST_END();
}
