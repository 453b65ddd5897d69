/* test_gv_ckpt.c: byte buffers, CRC, atomic writes, the checkpoint
 * container, and ensemble/observer serialisation (gv_ckpt.h, gv_obs.h,
 * gv_ensemble.h): a run checkpointed mid-way and resumed in fresh objects
 * ends bit for bit where the uninterrupted run ends; damaged bytes are
 * refused, never half-read. */
#define _POSIX_C_SOURCE 200809L /* symlink, mkdtemp */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gv_ckpt.h"
#include "gv_ensemble.h"
#include "gv_integ.h"
#include "gv_landscape.h"
#include "gv_obs.h"
#include "gv_sched.h"
#include "gv_test.h"

static char dir[64];

static const char *in_dir(const char *name)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static unsigned char *read_file(const char *path, size_t *n)
{
    unsigned char *b = NULL;
    gv_err e;
    if (gv_read_whole(path, (size_t)1 << 30, &b, n, &e) != GV_OK) return NULL;
    return b;
}

/* ---- buffers, CRC ------------------------------------------------------------ */

static void test_buffers(void)
{
    gv_wbuf b = {0};
    gv_wbuf_u32(&b, 0x01020304u);
    gv_wbuf_u64(&b, 0x1122334455667788ull);
    gv_wbuf_f64(&b, -0.0);
    double x[3] = {1.5, NAN, -INFINITY};
    gv_wbuf_f64s(&b, x, 3);
    uint64_t u[2] = {7, UINT64_MAX};
    gv_wbuf_u64s(&b, u, 2);
    CHECK(!b.oom && b.len == 4 + 8 + 8 + 24 + 16);
    /* Little-endian on every host. */
    CHECK(b.p[0] == 4 && b.p[3] == 1 && b.p[4] == 0x88 && b.p[11] == 0x11);
    gv_rbuf r = gv_rbuf_init(b.p, b.len);
    CHECK(gv_rbuf_u32(&r) == 0x01020304u);
    CHECK(gv_rbuf_u64(&r) == 0x1122334455667788ull);
    double z = gv_rbuf_f64(&r);
    CHECK(z == 0 && signbit(z));
    double y[3];
    gv_rbuf_f64s(&r, y, 3);
    CHECK(y[0] == 1.5 && isnan(y[1]) && y[2] == -INFINITY);
    uint64_t v[2];
    gv_rbuf_u64s(&r, v, 2);
    CHECK(v[0] == 7 && v[1] == UINT64_MAX && !r.bad && gv_rbuf_left(&r) == 0);
    /* Past the end: zeros and the bad flag, never a read out of bounds. */
    CHECK(gv_rbuf_u32(&r) == 0 && r.bad && gv_rbuf_bytes(&r, 1) == NULL);
    gv_rbuf r2 = gv_rbuf_init(b.p, 10);
    gv_rbuf_f64s(&r2, y, 2);
    CHECK(r2.bad);
    gv_wbuf_free(&b);
    /* The standard CRC-32 check value. */
    CHECK(gv_crc32(gv_crc32(0, NULL, 0), "123456789", 9) == 0xCBF43926u);
}

/* ---- atomic files -------------------------------------------------------------- */

static void test_atomic(void)
{
    gv_err e;
    char path[256];
    snprintf(path, sizeof path, "%s", in_dir("atomic.bin"));
    const void *p1[1] = {"first"};
    size_t s1[1] = {5};
    CHECK_OK(gv_write_atomic(path, p1, s1, 1, 1, &e), e);
    const void *p2[2] = {"sec", "ond"};
    size_t s2[2] = {3, 3};
    CHECK_OK(gv_write_atomic(path, p2, s2, 2, 1, &e), e);
    size_t n;
    unsigned char *b = read_file(path, &n);
    CHECK(b && n == 6 && memcmp(b, "second", 6) == 0);
    free(b);
    b = read_file(in_dir("atomic.bin.prev"), &n);
    CHECK(b && n == 5 && memcmp(b, "first", 5) == 0);
    free(b);
    CHECK(access(in_dir("atomic.bin.tmp"), F_OK) != 0);
    /* Cannot create the temporary file: nothing changes. */
    CHECK(mkdir(in_dir("atomic.bin.tmp"), 0700) == 0);
    CHECK_FAILS(gv_write_atomic(path, p1, s1, 1, 1, &e), GV_EIO, e, "cannot create the temporary file");
    rmdir(in_dir("atomic.bin.tmp"));
    b = read_file(path, &n);
    CHECK(b && n == 6 && memcmp(b, "second", 6) == 0);
    free(b);
    /* Disk full in the middle of the write (/dev/full). */
    if (access("/dev/full", W_OK) == 0 && symlink("/dev/full", in_dir("atomic.bin.tmp")) == 0) {
        CHECK_FAILS(gv_write_atomic(path, p1, s1, 1, 1, &e), GV_EIO, e, "No space left");
        CHECK(access(in_dir("atomic.bin.tmp"), F_OK) != 0);
        b = read_file(path, &n);
        CHECK(b && n == 6 && memcmp(b, "second", 6) == 0);
        free(b);
    }
    CHECK_FAILS(gv_write_atomic("no/such/dir/x", p1, s1, 1, 0, &e), GV_EIO, e, "cannot create");
    CHECK_FAILS(gv_read_whole(dir, 100, &b, &n, &e), GV_EIO, e, "is a directory, not a regular file");
    CHECK_FAILS(gv_read_whole(path, 3, &b, &n, &e), GV_EFORMAT, e, "more than the 3");
    /* A FIFO is refused at once (it was opened first and waited for a
     * writer: a regression hangs here until ctest's timeout). */
    const char *fifo = in_dir("pipe.gvckpt");
    CHECK(mkfifo(fifo, 0600) == 0);
    CHECK_FAILS(gv_read_whole(fifo, 100, &b, &n, &e), GV_EIO, e, "is a FIFO (named pipe)");
    CHECK(gv_ckpt_read(fifo, &e) == NULL);
    CHECK_MSG(strstr(e.msg, "is a FIFO (named pipe)") && strstr(e.msg, "pipe.gvckpt"), "%s", e.msg);
    remove(fifo);
}

/* ---- the container ---------------------------------------------------------------- */

/* A small checkpoint's bytes. */
static unsigned char *small_ckpt(size_t *n)
{
    gv_err e;
    gv_ckpt *c = gv_ckpt_alloc(&e);
    CHECK_OK(gv_ckpt_add(c, GV_CKPT_BLOB, "state", "hello", 5, 0, &e), e);
    char *d = malloc(300);
    for (int i = 0; i < 300; i++) d[i] = (char)(i * 7);
    CHECK_OK(gv_ckpt_add(c, GV_CKPT_BLOB, "other", d, 300, 1, &e), e);
    CHECK_OK(gv_ckpt_add(c, GV_CKPT_SCALAR, "state", "", 0, 0, &e), e); /* same name, other kind */
    CHECK_FAILS(gv_ckpt_add(c, GV_CKPT_BLOB, "state", "x", 1, 0, &e), GV_EINVAL, e, "two blobs named 'state'");
    CHECK_FAILS(gv_ckpt_add(c, GV_CKPT_BLOB, "", "x", 1, 0, &e), GV_EINVAL, e, "1 to 255 bytes");
    CHECK_FAILS(gv_ckpt_add(c, (gv_ckpt_kind)9, "x", "x", 1, 0, &e), GV_EINVAL, e, "unknown section kind");
    const char *path = in_dir("small.gvckpt");
    CHECK_OK(gv_ckpt_write(c, path, 0, &e), e);
    gv_ckpt_free(c);
    return read_file(path, n);
}

/* Bytes with a fresh CRC (to reach the checks behind it). */
static void recrc(unsigned char *b, size_t n)
{
    uint32_t c = gv_crc32(gv_crc32(0, NULL, 0), b, n - 4);
    for (int i = 0; i < 4; i++) b[n - 4 + i] = (unsigned char)(c >> (8 * i));
}

static void test_container(void)
{
    gv_err e;
    size_t n;
    unsigned char *b = small_ckpt(&n);
    CHECK(b && n == 32 + (16 + 5 + 5) + (16 + 5 + 300) + (16 + 5 + 0) + 4);
    if (!b) return;
    gv_ckpt *c = gv_ckpt_read(in_dir("small.gvckpt"), &e);
    CHECK_MSG(c != NULL, "%s", e.msg);
    if (c) {
        CHECK(gv_ckpt_count(c) == 3);
        CHECK(strcmp(gv_ckpt_name_at(c, 1), "other") == 0 && gv_ckpt_kind_at(c, 1) == GV_CKPT_BLOB);
        size_t len;
        const unsigned char *d = gv_ckpt_data_at(c, 1, &len);
        CHECK(len == 300 && d[299] == (unsigned char)(299 * 7));
        CHECK(gv_ckpt_find(c, GV_CKPT_BLOB, "state") == 0 && gv_ckpt_find(c, GV_CKPT_SCALAR, "state") == 2);
        CHECK(gv_ckpt_find(c, GV_CKPT_ENSEMBLE, "state") == -1);
        CHECK(strstr(gv_ckpt_source(c), "small.gvckpt") != NULL);
        gv_ckpt_free(c);
    }
    /* Every single-byte change and every truncation is refused. */
    unsigned char *d = malloc(n);
    int refused = 1;
    for (size_t i = 0; i < n; i++)
        for (int x = 1; x < 256; x <<= 1) {
            memcpy(d, b, n);
            d[i] ^= (unsigned char)x;
            gv_ckpt *bad = gv_ckpt_parse(d, n, "flip", &e);
            if (bad) refused = 0;
            gv_ckpt_free(bad);
        }
    CHECK(refused);
    for (size_t k = 0; k < n; k++) {
        gv_ckpt *bad = gv_ckpt_parse(b, k, "cut", &e);
        if (bad) refused = 0;
        gv_ckpt_free(bad);
    }
    CHECK(refused);
    CHECK(!gv_ckpt_parse(b, n - 3, "cut.gvckpt", &e) && strstr(e.msg, "cut.gvckpt: truncated checkpoint"));
    CHECK(!gv_ckpt_parse(b, 0, "empty", &e) && strstr(e.msg, "the file is empty"));
    memcpy(d, b, n);
    d[n / 2] ^= 1;
    CHECK(!gv_ckpt_parse(d, n, "x", &e) && strstr(e.msg, "CRC mismatch"));
    /* Behind a valid CRC: unknown kind, section lengths, section count. */
    memcpy(d, b, n);
    d[32] = 9;
    recrc(d, n);
    CHECK_MSG(!gv_ckpt_parse(d, n, "x", &e) && strstr(e.msg, "unknown kind 9"), "%s", e.msg);
    memcpy(d, b, n);
    d[32 + 8 + 5] = 0x7f; /* data length of section 1 */
    recrc(d, n);
    CHECK_MSG(!gv_ckpt_parse(d, n, "x", &e) && strstr(e.msg, "only"), "%s", e.msg);
    memcpy(d, b, n);
    d[12] = 0xff, d[13] = 0xff;
    recrc(d, n);
    CHECK_MSG(!gv_ckpt_parse(d, n, "x", &e) && strstr(e.msg, "cannot fit"), "%s", e.msg);
    memcpy(d, b, n);
    d[32 + 4] = 0; /* name length 0 */
    recrc(d, n);
    CHECK_MSG(!gv_ckpt_parse(d, n, "x", &e) && strstr(e.msg, "a name of 0 bytes"), "%s", e.msg);
    memcpy(d, b, n);
    d[8] = 2;
    CHECK_MSG(!gv_ckpt_parse(d, n, "x", &e) && strstr(e.msg, "format version 2"), "%s", e.msg);
    CHECK(!gv_ckpt_parse("GVENS\0\0\0xxxx", 12, "e", &e) && strstr(e.msg, "ensemble file"));
    CHECK(!gv_ckpt_parse("step,loss\n1,2\n", 14, "c", &e) && strstr(e.msg, "\"step,loss\""));
    CHECK(!gv_ckpt_parse("\x89PNG\r\n\x1a\n", 8, "p", &e) && strstr(e.msg, "does not start with \"GVCKPT\""));
    CHECK(!gv_ckpt_read(in_dir("missing"), &e) && strstr(e.msg, "cannot open"));
    free(d);
    free(b);
}

/* ---- resuming a run ---------------------------------------------------------------- */

#define END 120
#define SAVE 33

typedef struct rig {
    gv_ensemble *ens;
    gv_two_time *tt;
    gv_scalar *sc;
    gv_hook hooks[2];
} rig;

static void rig_observers(rig *g)
{
    gv_err e;
    uint64_t tw[] = {4, 15};
    double chi[] = {1, 2}, eps[] = {1e-3};
    gv_sched *lags = gv_sched_log(1, 100, 5, 1, &e);
    gv_two_time_opts o = {tw, 2, lags, chi, 2, eps, 1, 1, {10, -8, 1}, NULL, 1, NULL, 0};
    g->tt = gv_two_time_alloc(&o, &e);
    uint64_t at[] = {0, 5, 30, 31, 77, END};
    gv_sched *as = gv_sched_list(at, 6, &e);
    gv_scalar_opts so = {as, 1e-2};
    g->sc = gv_scalar_alloc(&so, &e);
    gv_two_time_hook(g->tt, &g->hooks[0]);
    gv_scalar_hook(g->sc, &g->hooks[1]);
    gv_sched_free(lags);
    gv_sched_free(as);
}

static void rig_free(rig *g)
{
    gv_ensemble_free(g->ens);
    gv_two_time_free(g->tt);
    gv_scalar_free(g->sc);
}

/* Every value of every table, and the weights, bitwise equal. */
static int same_tables(const gv_table *a, const gv_table *b)
{
    if (gv_table_nrows(a) != gv_table_nrows(b) || gv_table_ncols(a) != gv_table_ncols(b)) return 0;
    for (size_t r = 0; r < gv_table_nrows(a); r++)
        for (size_t c = 0; c < gv_table_ncols(a); c++) {
            double x = gv_table_get(a, r, c), y = gv_table_get(b, r, c);
            if (memcmp(&x, &y, sizeof x) != 0) return 0;
        }
    return 1;
}

static int same_results(const rig *a, const rig *b)
{
    gv_err e;
    int same = gv_ensemble_step(a->ens) == gv_ensemble_step(b->ens) &&
               gv_ensemble_nlost(a->ens) == gv_ensemble_nlost(b->ens);
    size_t R = gv_ensemble_size(a->ens), N = gv_ensemble_nweights(a->ens);
    for (size_t r = 0; r < R && same; r++)
        same = memcmp(gv_ensemble_weights(a->ens, r), gv_ensemble_weights(b->ens, r), N * 8) == 0;
    gv_two_time_table tts[] = {GV_TT_SUMMARY, GV_TT_LAYERS, GV_TT_REPLICAS, GV_TT_HISTOGRAM,
                               GV_TT_HIST_TOTALS};
    for (size_t i = 0; i < 5 && same; i++) {
        gv_table *x, *y;
        CHECK_OK(gv_two_time_table_make(a->tt, tts[i], &x, &e), e);
        CHECK_OK(gv_two_time_table_make(b->tt, tts[i], &y, &e), e);
        same = x && y && gv_table_nrows(x) > 0 && same_tables(x, y);
        gv_table_free(x);
        gv_table_free(y);
    }
    for (int i = 0; i < 2 && same; i++) {
        gv_table *x, *y;
        CHECK_OK(gv_scalar_table_make(a->sc, i ? GV_SC_REPLICAS : GV_SC_SUMMARY, &x, &e), e);
        CHECK_OK(gv_scalar_table_make(b->sc, i ? GV_SC_REPLICAS : GV_SC_SUMMARY, &y, &e), e);
        same = x && y && gv_table_nrows(x) == (i ? 6 * R : 6) && same_tables(x, y);
        gv_table_free(x);
        gv_table_free(y);
    }
    return same;
}

static void resume_case(const gv_landscape *land, const gv_integ *it, const char *label)
{
    gv_err e;
    char path[256];
    snprintf(path, sizeof path, "%s", in_dir("run.gvckpt"));
    rig a = {0}, b = {0}, c = {0};
    a.ens = gv_ensemble_alloc(land, 3, 21, 5, &e);
    rig_observers(&a);
    CHECK_OK(gv_ensemble_run(a.ens, it, SAVE, a.hooks, 2, &e), e);
    uint64_t next_a = gv_two_time_next(a.tt);
    CHECK(next_a > SAVE && next_a < END);
    CHECK(gv_two_time_ref_bytes(a.tt) > 0); /* references in flight */
    gv_ckpt *ck = gv_ckpt_alloc(&e);
    CHECK_OK(gv_ckpt_add_ensemble(ck, "main", a.ens, &e), e);
    CHECK_OK(gv_ckpt_add_observer(ck, "tt", &a.hooks[0], &e), e);
    CHECK_OK(gv_ckpt_add_observer(ck, "sc", &a.hooks[1], &e), e);
    CHECK_OK(gv_ckpt_write(ck, path, 1, &e), e);
    gv_ckpt_free(ck);
    CHECK_OK(gv_ensemble_run(a.ens, it, END, a.hooks, 2, &e), e);

    ck = gv_ckpt_read(path, &e);
    CHECK_MSG(ck != NULL, "%s", e.msg);
    if (!ck) return;
    b.ens = gv_ensemble_alloc(land, 3, 21, 5, &e);
    rig_observers(&b);
    CHECK_OK(gv_ckpt_restore_ensemble(ck, "main", b.ens, &e), e);
    CHECK_OK(gv_ckpt_restore_observer(ck, "tt", &b.hooks[0], &e), e);
    CHECK_OK(gv_ckpt_restore_observer(ck, "sc", &b.hooks[1], &e), e);
    CHECK(gv_ensemble_step(b.ens) == SAVE && gv_two_time_next(b.tt) == next_a);
    CHECK_OK(gv_ensemble_run(b.ens, it, END, b.hooks, 2, &e), e);
    CHECK_MSG(same_results(&a, &b), "%s: the resumed run differs", label);

    /* Control: the comparison sees one changed bit of one weight. */
    c.ens = gv_ensemble_alloc(land, 3, 21, 5, &e);
    rig_observers(&c);
    size_t N = gv_ensemble_nweights(c.ens);
    double *w = malloc(N * sizeof *w);
    memcpy(w, gv_ensemble_weights(c.ens, 1), N * sizeof *w);
    uint64_t bits;
    memcpy(&bits, &w[0], 8);
    bits ^= 1;
    memcpy(&w[0], &bits, 8);
    CHECK_OK(gv_ensemble_set_weights(c.ens, 1, w, &e), e);
    CHECK_OK(gv_ensemble_run(c.ens, it, END, c.hooks, 2, &e), e);
    CHECK_MSG(!same_results(&a, &c), "%s: the comparison is blind", label);
    free(w);

    /* Restoring into objects that differ. */
    gv_ensemble *other = gv_ensemble_alloc(land, 3, 22, 5, &e);
    CHECK_FAILS(gv_ckpt_restore_ensemble(ck, "main", other, &e), GV_EINVAL, e, "seed=21");
    gv_ensemble_free(other);
    other = gv_ensemble_alloc(land, 2, 21, 5, &e);
    CHECK_FAILS(gv_ckpt_restore_ensemble(ck, "main", other, &e), GV_EINVAL, e, "replicas=3");
    gv_ensemble_free(other);
    CHECK_FAILS(gv_ckpt_restore_observer(ck, "tt", &b.hooks[0], &e), GV_EINVAL, e, "freshly built");
    CHECK_FAILS(gv_ckpt_restore_observer(ck, "zz", &b.hooks[0], &e), GV_EINVAL, e, "no observer named 'zz'");

    /* Into b's used observers (run to END) with GV_OBS_REPLACE: what they
     * hold is replaced, and the run goes on as a's. */
    CHECK_OK(gv_ckpt_restore_ensemble(ck, "main", b.ens, &e), e);
    CHECK_OK(gv_ckpt_restore_observer_as(ck, "tt", &b.hooks[0], GV_OBS_REPLACE, &e), e);
    CHECK_OK(gv_ckpt_restore_observer_as(ck, "sc", &b.hooks[1], GV_OBS_REPLACE, &e), e);
    CHECK(gv_two_time_next(b.tt) == next_a);
    CHECK_OK(gv_ensemble_run(b.ens, it, END, b.hooks, 2, &e), e);
    CHECK_MSG(same_results(&a, &b), "%s: restored into used observers, the run differs", label);

    /* Rebuilt from the bytes alone (gv_obs_new_empty): the saved
     * configuration with nothing measured; filled, they go on as a's. */
    rig r = {0};
    r.ens = gv_ensemble_alloc(land, 3, 21, 5, &e);
    CHECK_OK(gv_ckpt_restore_ensemble(ck, "main", r.ens, &e), e);
    for (int k = 0; k < 2; k++) {
        long i = gv_ckpt_find(ck, k ? GV_CKPT_SCALAR : GV_CKPT_TWO_TIME, k ? "sc" : "tt");
        size_t len;
        const unsigned char *bytes = gv_ckpt_data_at(ck, (size_t)i, &len);
        CHECK_OK(gv_obs_new_empty(bytes, len, label, &r.hooks[k], &e), e);
        CHECK(r.hooks[k].next(r.hooks[k].self) == (k ? 0u : 4u)); /* the first events */
        CHECK_FAILS(gv_obs_new_empty(bytes, k ? 20 : 40, "cut", &r.hooks[1 - k], &e), GV_EFORMAT, e,
                    "cut: ");
        CHECK_OK(gv_obs_restore(&r.hooks[k], bytes, len, label, &e), e);
    }
    r.tt = gv_two_time_from_hook(&r.hooks[0]);
    r.sc = gv_scalar_from_hook(&r.hooks[1]);
    CHECK(r.tt && r.sc);
    CHECK_OK(gv_ensemble_run(r.ens, it, END, r.hooks, 2, &e), e);
    CHECK_MSG(same_results(&a, &r), "%s: observers rebuilt from their bytes differ", label);
    gv_hook h;
    CHECK_FAILS(gv_obs_new_empty((const unsigned char *)"GVXX\1\0\0\0", 8, "x", &h, &e), GV_EFORMAT,
                e, "x: not an observer's state");
    gv_ckpt_free(ck);
    rig_free(&a);
    rig_free(&b);
    rig_free(&c);
    rig_free(&r);
}

static void test_resume(void)
{
    gv_err e;
    gv_landscape *flat = gv_landscape_flat(30, 20, 0.5, &e);
    gv_landscape *harm = gv_landscape_harmonic(30, 1.0, 20, 0.5, &e);
    gv_integ *lv = gv_integ_langevin(0.05, 1e-2, 1e-2, &e);
    gv_integ *sgd = gv_integ_sgd(0.05, 5, 1e-2, &e);
    resume_case(flat, lv, "flat, Langevin");
    resume_case(harm, lv, "harmonic, Langevin");
    resume_case(harm, sgd, "harmonic, SGD");
    gv_integ_free(lv);
    gv_integ_free(sgd);
    gv_landscape_free(flat);
    gv_landscape_free(harm);
}

/* ---- damaged object bytes -------------------------------------------------------------- */

/* Inside a checkpoint the CRC guards the bytes; these checks make sure the
 * object parsers themselves never read out of bounds or keep a half
 * restore, whatever they are given. */
static void test_damaged_objects(void)
{
    gv_err e;
    gv_landscape *flat = gv_landscape_flat(8, 4, 0.5, &e);
    gv_integ *lv = gv_integ_langevin(0.05, 1e-2, 0, &e);
    rig a = {0};
    a.ens = gv_ensemble_alloc(flat, 2, 3, 0, &e);
    rig_observers(&a);
    CHECK_OK(gv_ensemble_run(a.ens, lv, SAVE, a.hooks, 2, &e), e);
    gv_wbuf tb = {0}, sb = {0}, eb = {0};
    CHECK_OK(gv_two_time_serialize(a.tt, &tb, &e), e);
    CHECK_OK(gv_scalar_serialize(a.sc, &sb, &e), e);
    CHECK_OK(gv_ensemble_serialize(a.ens, &eb, &e), e);
    /* Every truncation is refused and leaves a fresh observer fresh. */
    int ok = 1;
    for (size_t k = 0; k < tb.len; k++) {
        rig f = {0};
        rig_observers(&f);
        if (gv_two_time_restore(f.tt, tb.p, k, "tt", &e) == GV_OK) ok = 0;
        if (gv_two_time_ref_bytes(f.tt) != 0 || gv_two_time_next(f.tt) != 4) ok = 0;
        rig_free(&f);
    }
    CHECK_MSG(ok, "a truncated two-time state was accepted");
    for (size_t k = 0; k < sb.len; k++) {
        rig f = {0};
        rig_observers(&f);
        if (gv_scalar_restore(f.sc, sb.p, k, "sc", &e) == GV_OK) ok = 0;
        if (gv_scalar_next(f.sc) != 0) ok = 0;
        rig_free(&f);
    }
    CHECK_MSG(ok, "a truncated scalar state was accepted");
    gv_ensemble *fresh = gv_ensemble_alloc(flat, 2, 3, 0, &e);
    for (size_t k = 0; k < eb.len; k++)
        if (gv_ensemble_restore(fresh, eb.p, k, "ens", &e) == GV_OK || gv_ensemble_step(fresh) != 0) ok = 0;
    CHECK_MSG(ok, "a truncated ensemble was accepted");
    /* Bit flips anywhere: refused or accepted, never a crash (run under
     * ASan/valgrind to see out-of-bounds reads). */
    for (size_t i = 0; i < tb.len; i++) {
        rig f = {0};
        rig_observers(&f);
        tb.p[i] ^= 0x80;
        (void)gv_two_time_restore(f.tt, tb.p, tb.len, "tt", &e);
        tb.p[i] ^= 0x80;
        rig_free(&f);
    }
    /* The right messages. */
    rig f = {0};
    rig_observers(&f);
    CHECK_FAILS(gv_two_time_restore(f.tt, sb.p, sb.len, "x", &e), GV_EFORMAT, e,
                "it is a scalar observer's");
    CHECK_FAILS(gv_scalar_restore(f.sc, tb.p, tb.len, "x", &e), GV_EFORMAT, e,
                "it is a two-time observer's");
    CHECK_FAILS(gv_ensemble_restore(fresh, tb.p, tb.len, "x", &e), GV_EFORMAT, e,
                "not a glassvm ensemble file");
    gv_hook junk = {NULL, "progress", NULL, NULL, NULL};
    gv_ckpt_kind kind;
    CHECK_FAILS(gv_obs_serialize(&junk, &sb, &kind, &e), GV_EINVAL, e, "progress is not a two-time");
    CHECK(gv_two_time_from_hook(&f.hooks[0]) == f.tt && gv_two_time_from_hook(&f.hooks[1]) == NULL);
    CHECK(gv_scalar_from_hook(&f.hooks[1]) == f.sc && gv_scalar_from_hook(&junk) == NULL);
    /* A restored observer serialises to the same bytes. */
    CHECK_OK(gv_two_time_restore(f.tt, tb.p, tb.len, "tt", &e), e);
    gv_wbuf again = {0};
    CHECK_OK(gv_two_time_serialize(f.tt, &again, &e), e);
    CHECK(again.len == tb.len && memcmp(again.p, tb.p, tb.len) == 0);
    gv_wbuf_free(&again);
    rig_free(&f);
    gv_ensemble_free(fresh);
    gv_wbuf_free(&tb);
    gv_wbuf_free(&sb);
    gv_wbuf_free(&eb);
    rig_free(&a);
    gv_integ_free(lv);
    gv_landscape_free(flat);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/test_gv_ckpt.XXXXXX");
    if (!mkdtemp(dir)) return 1;
    GV_RUN(test_buffers);
    GV_RUN(test_atomic);
    GV_RUN(test_container);
    GV_RUN(test_resume);
    GV_RUN(test_damaged_objects);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return GV_TEST_END();
}
