/* Unit tests for gv_table: building, CSV round trip (exact), NaN as empty,
 * comments, atomic writes and every reading error path. */
#define _POSIX_C_SOURCE 200809L

#include "gv_table.h"
#include "gv_test.h"

#include <float.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[256];

static void path_in(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", dir, name);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static void write_bytes(const char *path, const char *bytes, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(bytes, 1, n, f);
    fclose(f);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_build_and_access(void)
{
    gv_err e = {0};
    const char *names[] = {"t", "Q"};
    gv_table *t = gv_table_alloc(2, names, &e);
    CHECK(t != NULL);
    CHECK(gv_table_ncols(t) == 2 && gv_table_nrows(t) == 0);
    CHECK(gv_table_find(t, "Q") == 1 && gv_table_find(t, "q") == -1);
    CHECK(strcmp(gv_table_name(t, 0), "t") == 0 && gv_table_name(t, 2) == NULL);
    /* Enough rows to force several reallocations. */
    for (int i = 0; i < 1000; i++) {
        double r[2] = {i, 1.0 / (i + 1)};
        CHECK_OK(gv_table_add_row(t, r, &e), e);
    }
    CHECK(gv_table_nrows(t) == 1000);
    CHECK(gv_table_get(t, 999, 0) == 999 && gv_table_get(t, 3, 1) == 0.25);
    gv_table_set(t, 3, 1, -2);
    CHECK(gv_table_get(t, 3, 1) == -2);
    CHECK(isnan(gv_table_get(t, 1000, 0)) && isnan(gv_table_get(t, 0, 2)));
    CHECK_OK(gv_table_add_comment(t, "two\nlines", &e), e);
    CHECK(gv_table_ncomments(t) == 2 && strcmp(gv_table_comment(t, 1), "lines") == 0);
    gv_table_free(t);
    gv_table_free(NULL);
}

static void test_alloc_errors(void)
{
    gv_err e = {0};
    const char *dup[] = {"t", "Q", "t"};
    CHECK(gv_table_alloc(3, dup, &e) == NULL);
    CHECK(e.status == GV_EINVAL && strstr(e.msg, "'t' appears twice"));
    const char *empty[] = {"t", ""};
    CHECK(gv_table_alloc(2, empty, &e) == NULL && strstr(e.msg, "column 2 has an empty name"));
    CHECK(gv_table_alloc(0, empty, &e) == NULL && strstr(e.msg, "at least one column"));
}

/* Values chosen to break a lossy printer: tiny, huge, denormal, negative
 * zero, thirds, infinities and NaN. */
static void test_round_trip_exact(void)
{
    gv_err e = {0};
    const char *names[] = {"t", "Q mean", "a,b \"quoted\"", "#x"};
    gv_table *t = gv_table_alloc(4, names, &e);
    double vals[][4] = {
        {0, 1, -0.0, 1.0 / 3},
        {1e-300, DBL_MAX, DBL_MIN / 3, 0.1 + 0.2},
        {3, NAN, INFINITY, -INFINITY},
        {NAN, NAN, NAN, NAN},
        {123456789012345678.0, -2.5e-7, 6.02214076e23, 3.141592653589793},
    };
    size_t nr = sizeof vals / sizeof *vals;
    for (size_t i = 0; i < nr; i++) CHECK_OK(gv_table_add_row(t, vals[i], &e), e);
    CHECK_OK(gv_table_add_comment(t, "glassvm 0.1.0", &e), e);
    CHECK_OK(gv_table_add_comment(t, "T=1e-06 seed=7", &e), e);
    char path[512];
    path_in(path, sizeof path, "rt.csv");
    const char *extra[] = {"protocol: test"};
    CHECK_OK(gv_table_write_csv_with(t, path, extra, 1, &e), e);
    gv_table *u = gv_table_read_csv(path, &e);
    CHECK_MSG(u != NULL, "%s", e.msg);
    if (u) {
        CHECK(gv_table_ncols(u) == 4 && gv_table_nrows(u) == nr);
        for (size_t j = 0; j < 4; j++) CHECK(strcmp(gv_table_name(u, j), names[j]) == 0);
        int exact = 1;
        for (size_t i = 0; i < nr; i++)
            for (size_t j = 0; j < 4; j++) {
                double a = vals[i][j], b = gv_table_get(u, i, j);
                /* memcmp: equal bits, so -0 stays -0 and values are exact */
                if (isnan(a) ? !isnan(b) : memcmp(&a, &b, sizeof a) != 0) exact = 0;
            }
        CHECK(exact);
        CHECK(gv_table_ncomments(u) == 3);
        CHECK(strcmp(gv_table_comment(u, 0), "protocol: test") == 0);
        CHECK(strcmp(gv_table_comment(u, 2), "T=1e-06 seed=7") == 0);
    }
    /* The file as text: comments first, then a header, NaN as empty. */
    char *txt = read_text(path);
    CHECK(txt && strncmp(txt, "# protocol: test\n# glassvm 0.1.0\n", 33) == 0);
    CHECK(txt && strstr(txt, "\nt,Q mean,\"a,b \"\"quoted\"\"\",\"#x\"\n"));
    CHECK(txt && strstr(txt, "\n,,,\n"));
    CHECK(txt && strstr(txt, "\n3,,inf,-inf\n"));
    /* No temporary file is left behind. */
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    CHECK(access(tmp, F_OK) != 0);
    gv_table_free(t);
    gv_table_free(u);
}

/* 20000 doubles with random bit patterns (every exponent, denormals): the
 * printed text must read back bit for bit. */
static void test_round_trip_random_bits(void)
{
    gv_err e = {0};
    const char *names[] = {"a", "b"};
    gv_table *t = gv_table_alloc(2, names, &e);
    uint64_t s = 42;
    for (int i = 0; i < 10000; i++) {
        double r[2];
        for (int k = 0; k < 2; k++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            uint64_t bits = s ^ (s >> 29);
            memcpy(&r[k], &bits, sizeof r[k]);
            if (isnan(r[k])) r[k] = i; /* NaN payloads are not kept, by design */
        }
        gv_table_add_row(t, r, &e);
    }
    char path[512];
    path_in(path, sizeof path, "bits.csv");
    CHECK_OK(gv_table_write_csv(t, path, &e), e);
    gv_table *u = gv_table_read_csv(path, &e);
    CHECK_MSG(u != NULL, "%s", e.msg);
    size_t bad = 0;
    for (size_t i = 0; u && i < gv_table_nrows(t); i++)
        for (size_t j = 0; j < 2; j++) {
            double a = gv_table_get(t, i, j), b = gv_table_get(u, i, j);
            if (memcmp(&a, &b, sizeof a) != 0) bad++;
        }
    CHECK_MSG(u && gv_table_nrows(u) == 10000 && bad == 0, "%zu cells differ", bad);
    gv_table_free(t);
    gv_table_free(u);
}

/* With one column, a NaN row would be an empty line (skipped by readers). */
static void test_single_column_nan(void)
{
    gv_err e = {0};
    const char *names[] = {"x"};
    gv_table *t = gv_table_alloc(1, names, &e);
    double r1 = NAN, r2 = 2;
    gv_table_add_row(t, &r1, &e);
    gv_table_add_row(t, &r2, &e);
    char path[512];
    path_in(path, sizeof path, "one.csv");
    CHECK_OK(gv_table_write_csv(t, path, &e), e);
    gv_table *u = gv_table_read_csv(path, &e);
    CHECK(u && gv_table_nrows(u) == 2 && isnan(gv_table_get(u, 0, 0)) && gv_table_get(u, 1, 0) == 2);
    gv_table_free(t);
    gv_table_free(u);
}

static void test_write_errors(void)
{
    gv_err e = {0};
    const char *names[] = {"t"};
    gv_table *t = gv_table_alloc(1, names, &e);
    double r = 1;
    gv_table_add_row(t, &r, &e);
    char path[512];
    path_in(path, sizeof path, "no/such/dir/x.csv");
    CHECK_FAILS(gv_table_write_csv(t, path, &e), GV_EIO, e, "does the directory exist");
    CHECK(strstr(e.msg, path) != NULL);
    CHECK_FAILS(gv_table_write_csv(t, "/proc/glassvm-test.csv", &e), GV_EIO, e,
                "/proc/glassvm-test.csv");
    /* A full disk: /dev/full fails every flushed write with ENOSPC. */
    FILE *f = fopen("/dev/full", "w");
    if (f) {
        CHECK_FAILS(gv_table_write_stream(t, f, NULL, 0, "/dev/full", &e), GV_EIO, e,
                    "writing /dev/full");
        fclose(f);
    }
    gv_table_free(t);
}

/* Every malformed file fails with the file, the line and the column. */
static void test_read_errors(void)
{
    gv_err e = {0};
    char path[512];
    path_in(path, sizeof path, "bad.csv");

    write_text(path, "# c\nt,Q\n1,0.5\n2,abc\n");
    CHECK(gv_table_read_csv(path, &e) == NULL);
    CHECK_MSG(e.status == GV_EFORMAT && strstr(e.msg, "bad.csv:4:") &&
              strstr(e.msg, "column 2 (Q)") && strstr(e.msg, "'abc'"), "%s", e.msg);

    write_text(path, "t,Q\n1,0.5\n2,0.4,7\n");
    CHECK(gv_table_read_csv(path, &e) == NULL);
    CHECK_MSG(strstr(e.msg, "bad.csv:3:") && strstr(e.msg, "3 fields") &&
              strstr(e.msg, "2 columns"), "%s", e.msg);

    write_text(path, "t,Q\n1\n");
    CHECK(gv_table_read_csv(path, &e) == NULL);
    CHECK_MSG(strstr(e.msg, "bad.csv:2:") && strstr(e.msg, "1 fields"), "%s", e.msg);

    write_text(path, "t,Q\n1,0.3\n2,0.5x\n"); /* text below numbers */
    CHECK(gv_table_read_csv(path, &e) == NULL && strstr(e.msg, "'0.5x'") &&
          strstr(e.msg, "bad.csv:3:"));

    write_text(path, "# only comments\n");
    CHECK(gv_table_read_csv(path, &e) == NULL && strstr(e.msg, "no header row"));

    write_text(path, "");
    CHECK(gv_table_read_csv(path, &e) == NULL && strstr(e.msg, "no header row"));

    write_text(path, "t,t\n1,2\n");
    CHECK(gv_table_read_csv(path, &e) == NULL && strstr(e.msg, "appears twice"));

    write_text(path, "t,Q\n1,\"0.5\n");
    CHECK(gv_table_read_csv(path, &e) == NULL && strstr(e.msg, "malformed CSV"));

    path_in(path, sizeof path, "missing.csv");
    CHECK(gv_table_read_csv(path, &e) == NULL);
    CHECK(e.status == GV_EIO && strstr(e.msg, "missing.csv"));
}

/* A NUL byte anywhere (a cell, a column name, a comment, a quoted field
 * spanning lines) is refused with the file and the line: the reader would
 * otherwise cut the text at the NUL ("2\0junk" read as 2). */
static void test_read_nul(void)
{
#define BYTES(s) s, sizeof s - 1 /* a literal with its NULs, without the final one */
    static const struct { const char *bytes; size_t n; const char *where; } cases[] = {
        {BYTES("t,Q\n1,2\0junk\n"), "nul.csv:2:"},          /* a cell */
        {BYTES("t,Q\0x\n1,2\n"), "nul.csv:1:"},             /* a column name */
        {BYTES("# a\0b\nt,Q\n1,2\n"), "nul.csv:1:"},         /* a comment */
        {BYTES("t,Q\n# late\0\n1,2\n"), "nul.csv:2:"},      /* a comment after the header */
        {BYTES("\"t\n\0\",Q\n1,2\n"), "nul.csv:2:"},        /* a quoted field's second line */
        {BYTES("\0"), "nul.csv:1:"},                          /* a lone NUL */
    };
#undef BYTES
    gv_err e = {0};
    char path[512];
    path_in(path, sizeof path, "nul.csv");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_bytes(path, cases[i].bytes, cases[i].n);
        gv_table *t = gv_table_read_csv(path, &e);
        CHECK_MSG(t == NULL, "case %zu: a file with a NUL byte was read", i + 1);
        gv_table_free(t);
        CHECK_MSG(e.status == GV_EFORMAT && strstr(e.msg, cases[i].where) &&
                  strstr(e.msg, "NUL byte"), "case %zu: %s", i + 1, e.msg);
    }
}

/* Files written by other tools: CRLF, blank lines, no final newline, spaces,
 * a '#' inside a quoted multi-line header field, comments after the header. */
static void test_read_foreign(void)
{
    gv_err e = {0};
    char path[512];
    path_in(path, sizeof path, "foreign.csv");
    write_text(path, "#no space\r\n\"a\n#b\",c\r\n\r\n 1 , 2\r\n  \t \n# late\n3,\n4,1e3");
    gv_table *t = gv_table_read_csv(path, &e);
    CHECK_MSG(t != NULL, "%s", e.msg);
    if (!t) return;
    CHECK(gv_table_nrows(t) == 3 && strcmp(gv_table_name(t, 0), "a\n#b") == 0);
    CHECK(gv_table_get(t, 0, 0) == 1 && gv_table_get(t, 0, 1) == 2);
    CHECK(isnan(gv_table_get(t, 1, 1)) && gv_table_get(t, 2, 1) == 1000);
    CHECK(gv_table_ncomments(t) == 2 && strcmp(gv_table_comment(t, 0), "no space") == 0 &&
          strcmp(gv_table_comment(t, 1), "late") == 0);
    gv_table_free(t);
}

/* A UTF-8 byte-order mark (as spreadsheets save "CSV UTF-8") is skipped,
 * before a header or before a leading comment; only at the file's start. */
static void test_read_bom(void)
{
    gv_err e = {0};
    char path[512];
    path_in(path, sizeof path, "bom.csv");
    write_text(path, "\xEF\xBB\xBFT,Q\n0.5,2\n");
    gv_table *t = gv_table_read_csv(path, &e);
    CHECK_MSG(t != NULL, "%s", e.msg);
    if (t) {
        CHECK(gv_table_find(t, "T") == 0 && strcmp(gv_table_name(t, 0), "T") == 0);
        CHECK(gv_table_nrows(t) == 1 && gv_table_get(t, 0, 0) == 0.5);
    }
    gv_table_free(t);
    write_text(path, "\xEF\xBB\xBF# made by hand\nT,Q\n1,2\n");
    t = gv_table_read_csv(path, &e);
    CHECK_MSG(t != NULL, "%s", e.msg);
    if (t) CHECK(gv_table_ncomments(t) == 1 && strcmp(gv_table_comment(t, 0), "made by hand") == 0 &&
                 gv_table_find(t, "T") == 0);
    gv_table_free(t);
    /* Not at the start: the bytes are data (here, part of a column name). */
    write_text(path, "T,\xEF\xBB\xBFQ\n1,2\n");
    t = gv_table_read_csv(path, &e);
    CHECK_MSG(t != NULL, "%s", e.msg);
    if (t) CHECK(gv_table_find(t, "Q") < 0 && gv_table_find(t, "\xEF\xBB\xBFQ") == 1);
    gv_table_free(t);
    /* A first column whose name starts with those bytes is written quoted,
     * so it reads back as itself (found by fuzz_table). */
    const char *names[] = {"\xEF\xBB\xBFx", "y"};
    t = gv_table_alloc(2, names, &e);
    double row[] = {1, 2};
    CHECK_OK(gv_table_add_row(t, row, &e), e);
    CHECK_OK(gv_table_write_csv(t, path, &e), e);
    gv_table_free(t);
    t = gv_table_read_csv(path, &e);
    CHECK_MSG(t != NULL, "%s", e.msg);
    if (t) CHECK(gv_table_find(t, "\xEF\xBB\xBFx") == 0 && gv_table_get(t, 0, 1) == 2);
    gv_table_free(t);
}

/* Text columns: a status word per cell, written as text, read back as text. */
static void test_text_columns(void)
{
    gv_err e = {0};
    const char *names[] = {"T", "tau", "status"};
    gv_table *t = gv_table_alloc(3, names, &e);
    double ok, nr, row[3];
    CHECK_OK(gv_table_text_code(t, 2, "ok", &ok, &e), e);
    CHECK_OK(gv_table_text_code(t, 2, "not_reached", &nr, &e), e);
    CHECK(ok == 0 && nr == 1);
    row[0] = 1, row[1] = 12.5, row[2] = ok;
    CHECK_OK(gv_table_add_row(t, row, &e), e);
    row[0] = 2, row[1] = NAN, row[2] = nr;
    CHECK_OK(gv_table_add_row(t, row, &e), e);
    CHECK(strcmp(gv_table_text(t, 1, 2), "not_reached") == 0 && !gv_table_text(t, 1, 1));
    /* A numeric column refuses text; a text column refuses a non-code. */
    CHECK(gv_table_text_code(t, 0, "x", &ok, &e) == GV_EINVAL && strstr(e.msg, "holds numbers"));
    row[2] = 7;
    CHECK(gv_table_add_row(t, row, &e) == GV_EINVAL && strstr(e.msg, "text codes"));
    char path[512];
    path_in(path, sizeof path, "text.csv");
    CHECK_OK(gv_table_write_csv(t, path, &e), e);
    gv_table *u = gv_table_read_csv(path, &e);
    CHECK_MSG(u != NULL, "%s", e.msg);
    if (u) {
        CHECK(gv_table_nrows(u) == 2 && gv_table_is_text(u, 2) && !gv_table_is_text(u, 1));
        CHECK(strcmp(gv_table_text(u, 0, 2), "ok") == 0 && isnan(gv_table_get(u, 1, 1)));
        CHECK(gv_table_get(u, 0, 1) == 12.5);
    }
    gv_table_free(u);
    gv_table_free(t);
}

/* A column added to a table with rows: its values, the old cells kept,
 * rows added after it, refusals that leave the table unchanged. */
static void test_add_column(void)
{
    gv_err e;
    const char *names[] = {"t", "Q"};
    gv_table *t = gv_table_alloc(2, names, &e);
    for (int i = 0; i < 20; i++) { /* past the first capacity */
        double row[2] = {i, 0.5 * i};
        CHECK_OK(gv_table_add_row(t, row, &e), e);
    }
    double v[20];
    for (int i = 0; i < 20; i++) v[i] = i == 3 ? NAN : 100 + i;
    CHECK_OK(gv_table_add_column(t, "eps", v, &e), e);
    CHECK(gv_table_ncols(t) == 3 && strcmp(gv_table_name(t, 2), "eps") == 0);
    CHECK(gv_table_get(t, 19, 0) == 19 && gv_table_get(t, 19, 1) == 9.5);
    CHECK(gv_table_get(t, 19, 2) == 119 && isnan(gv_table_get(t, 3, 2)));
    double row[3] = {20, 10, 120};
    CHECK_OK(gv_table_add_row(t, row, &e), e);
    CHECK(gv_table_nrows(t) == 21 && gv_table_get(t, 20, 2) == 120);
    double code;
    CHECK(gv_table_text_code(t, 2, "x", &code, &e) == GV_EINVAL); /* it holds numbers */
    CHECK_OK(gv_table_add_column(t, "status", NULL, &e), e);       /* empty: can take text */
    CHECK_OK(gv_table_text_code(t, 3, "ok", &code, &e), e);
    gv_table_set(t, 5, 3, code);
    CHECK(strcmp(gv_table_text(t, 5, 3), "ok") == 0 && !gv_table_text(t, 4, 3));
    CHECK(gv_table_add_column(t, "Q", NULL, &e) == GV_EINVAL && strstr(e.msg, "already"));
    CHECK(gv_table_add_column(t, "", NULL, &e) == GV_EINVAL);
    CHECK(gv_table_ncols(t) == 4);
    gv_table_free(t);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/gv_test_table.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    GV_RUN(test_build_and_access);
    GV_RUN(test_alloc_errors);
    GV_RUN(test_round_trip_exact);
    GV_RUN(test_round_trip_random_bits);
    GV_RUN(test_single_column_nan);
    GV_RUN(test_write_errors);
    GV_RUN(test_read_errors);
    GV_RUN(test_text_columns);
    GV_RUN(test_add_column);
    GV_RUN(test_read_nul);
    GV_RUN(test_read_foreign);
    GV_RUN(test_read_bom);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return GV_TEST_END();
}
