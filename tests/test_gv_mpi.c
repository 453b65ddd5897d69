/* test_gv_mpi.c: what distributed runs rest on (gv_mpi.h, and the replica
 * blocks of gv_ensemble.h and gv_obs.h), tested in one process: an ensemble
 * cut into blocks (as over 1, 2, 3, ... ranks), each block run alone with
 * its own observers, joins back into exactly the bytes of the whole run;
 * slices of a saved run, continued on their own and joined, end where the
 * whole run ends (a checkpoint resumed on another number of ranks).  The
 * collectives themselves are exercised under mpirun by tests/sh/test_mpi.sh;
 * here gv_mpi is checked to be the single-rank version when no MPI launcher
 * started the process. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gv_ckpt.h"
#include "gv_ensemble.h"
#include "gv_integ.h"
#include "gv_landscape.h"
#include "gv_mpi.h"
#include "gv_obs.h"
#include "gv_sched.h"
#include "gv_test.h"

#define R_ALL 6
#define LOSE 4      /* this replica is lost ... */
#define LOSE_AT 12  /* ... at this step */
#define SAVE 37
#define END 120

/* ---- gv_mpi without a launcher ---------------------------------------------------- */

static void test_single_rank(void)
{
    gv_err e;
    CHECK_OK(gv_mpi_init(&e), e);
#ifdef GV_MPI
    CHECK(gv_mpi_built());
#else
    CHECK(!gv_mpi_built());
#endif
    CHECK(!gv_mpi_active()); /* no mpirun: MPI is not started */
    CHECK(gv_mpi_rank() == 0 && gv_mpi_size() == 1 && gv_mpi_local_size() == 1);
    CHECK_OK(gv_mpi_barrier(&e), e);
    int64_t iv[2] = {3, -4};
    double dv[1] = {2.5};
    CHECK_OK(gv_mpi_allreduce_i64(iv, 2, GV_MPI_SUM, &e), e);
    CHECK_OK(gv_mpi_allreduce_f64(dv, 1, GV_MPI_MAX, &e), e);
    CHECK(iv[0] == 3 && iv[1] == -4 && dv[0] == 2.5);
    unsigned char *all;
    size_t *lens;
    CHECK_OK(gv_mpi_gather_bytes("abc", 3, &all, &lens, &e), e);
    CHECK(all && lens && lens[0] == 3 && memcmp(all, "abc", 3) == 0);
    free(all);
    free(lens);
    unsigned char *p = (unsigned char *)"xy";
    size_t n = 2;
    CHECK_OK(gv_mpi_bcast_bytes(&p, &n, &e), e);
    CHECK(n == 2 && memcmp(p, "xy", 2) == 0);
}

/* ---- a run, whole or as one block ------------------------------------------------- */

typedef struct block {
    gv_ensemble *ens;
    gv_two_time *tt;
    gv_scalar *sc;
    gv_hook hooks[2];
} block;

static void observers(block *b)
{
    gv_err e;
    uint64_t tw[] = {4, 15};
    double chi[] = {1, 2}, eps[] = {1e-3};
    gv_sched *lags = gv_sched_log(1, 100, 5, 1, &e);
    uint64_t hl[] = {1, 10, 40};
    gv_sched *hlags = gv_sched_list(hl, 3, &e);
    gv_two_time_opts o = {tw, 2, lags, chi, 2, eps, 1, 1, {10, -8, 1}, hlags, 1, NULL, 0};
    b->tt = gv_two_time_alloc(&o, &e);
    uint64_t at[] = {0, 5, 30, 31, 77, END};
    gv_sched *as = gv_sched_list(at, 6, &e);
    gv_scalar_opts so = {as, 1e-2};
    b->sc = gv_scalar_alloc(&so, &e);
    gv_two_time_hook(b->tt, &b->hooks[0]);
    gv_scalar_hook(b->sc, &b->hooks[1]);
    gv_sched_free(lags);
    gv_sched_free(hlags);
    gv_sched_free(as);
}

static void block_free(block *b)
{
    gv_ensemble_free(b->ens);
    gv_two_time_free(b->tt);
    gv_scalar_free(b->sc);
}

/* Replicas [first, first + count) run from step 0 to `to`; replica LOSE
 * diverges at LOSE_AT wherever it runs. */
static void run_block(block *b, const gv_landscape *land, const gv_integ *it, size_t first,
                      size_t count, uint64_t to)
{
    gv_err e;
    b->ens = gv_ensemble_alloc(land, count, 77, (uint32_t)first, &e);
    gv_ensemble_set_partial(b->ens, count < R_ALL);
    observers(b);
    CHECK_OK(gv_ensemble_run(b->ens, it, LOSE_AT, b->hooks, 2, &e), e);
    if (LOSE >= first && LOSE < first + count) {
        size_t N = gv_ensemble_nweights(b->ens);
        double *w = malloc(N * sizeof *w);
        for (size_t i = 0; i < N; i++) w[i] = 1e200;
        CHECK_OK(gv_ensemble_set_weights(b->ens, LOSE - first, w, &e), e);
        free(w);
    }
    CHECK_OK(gv_ensemble_run(b->ens, it, to, b->hooks, 2, &e), e);
    CHECK(gv_ensemble_step(b->ens) == to);
}

/* The bytes of b's three objects: 0 ensemble, 1 two-time, 2 scalar. */
static void block_bytes(const block *b, gv_wbuf out[3])
{
    gv_err e;
    gv_ckpt_kind k;
    memset(out, 0, 3 * sizeof *out);
    CHECK_OK(gv_ensemble_serialize(b->ens, &out[0], &e), e);
    CHECK_OK(gv_obs_serialize(&b->hooks[0], &out[1], &k, &e), e);
    CHECK_OK(gv_obs_serialize(&b->hooks[1], &out[2], &k, &e), e);
}

/* Join object `what` of nb blocks' bytes (bytes[k][what]). */
static gv_status join(gv_wbuf (*bytes)[3], size_t nb, int what, gv_wbuf *out, gv_err *e)
{
    const unsigned char *parts[8];
    size_t lens[8];
    for (size_t k = 0; k < nb; k++) {
        parts[k] = bytes[k][what].p;
        lens[k] = bytes[k][what].len;
    }
    memset(out, 0, sizeof *out);
    return what == 0 ? gv_ensemble_concat(parts, lens, nb, "test", out, e)
                     : gv_obs_concat(parts, lens, nb, "test", out, e);
}

static int same_bytes(const gv_wbuf *a, const gv_wbuf *b)
{
    return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/* The blocks of R replicas over `ranks` ranks, as glass.mpi.block. */
static void partition(size_t R, size_t ranks, size_t *first, size_t *count)
{
    size_t base = R / ranks, extra = R % ranks;
    for (size_t k = 0; k < ranks; k++) {
        first[k] = k * base + (k < extra ? k : extra);
        count[k] = base + (k < extra ? 1 : 0);
    }
}

/* The summary of the whole run's observer, after checking that an observer
 * restored from `state` (joined bytes) gives the same table bit for bit. */
static gv_table *restored_summary(const block *whole, const gv_wbuf *state)
{
    gv_err e;
    block one = {0};
    observers(&one);
    CHECK_OK(gv_obs_restore(&one.hooks[0], state->p, state->len, "t", &e), e);
    gv_table *x = NULL, *y = NULL;
    CHECK_OK(gv_two_time_table_make(whole->tt, GV_TT_SUMMARY, &x, &e), e);
    CHECK_OK(gv_two_time_table_make(one.tt, GV_TT_SUMMARY, &y, &e), e);
    CHECK(x && y && gv_table_nrows(x) > 10 && gv_table_nrows(x) == gv_table_nrows(y));
    for (size_t r = 0; x && y && r < gv_table_nrows(x); r++)
        for (size_t c = 0; c < gv_table_ncols(x); c++) {
            double a = gv_table_get(x, r, c), b = gv_table_get(y, r, c);
            CHECK(memcmp(&a, &b, 8) == 0);
        }
    gv_table_free(y);
    block_free(&one);
    return x;
}

/* ---- blocks join into the whole run ------------------------------------------------- */

static void check_join(const gv_landscape *land, const gv_integ *it, const gv_wbuf whole[3],
                       const size_t *first, const size_t *count, size_t nb, const char *label)
{
    gv_err e;
    block b[8];
    gv_wbuf bytes[8][3];
    memset(b, 0, sizeof b);
    for (size_t k = 0; k < nb; k++) {
        run_block(&b[k], land, it, first[k], count[k], END);
        block_bytes(&b[k], bytes[k]);
    }
    for (int what = 0; what < 3; what++) {
        gv_wbuf j;
        CHECK_OK(join(bytes, nb, what, &j, &e), e);
        CHECK_MSG(same_bytes(&j, &whole[what]), "%s: object %d joined from %zu blocks differs from "
                  "the whole run's (%zu vs %zu bytes)", label, what, nb, j.len, whole[what].len);
        gv_wbuf_free(&j);
    }
    for (size_t k = 0; k < nb; k++) {
        for (int w = 0; w < 3; w++) gv_wbuf_free(&bytes[k][w]);
        block_free(&b[k]);
    }
}

static void test_join(void)
{
    gv_err e;
    gv_landscape *land = gv_landscape_harmonic(30, 1.0, 20, 0.5, &e);
    gv_integ *it = gv_integ_langevin(0.05, 1e-2, 1e-2, &e);
    block whole = {0};
    gv_wbuf wb[3];
    run_block(&whole, land, it, 0, R_ALL, END);
    CHECK(gv_ensemble_nlost(whole.ens) == 1 && gv_ensemble_lost(whole.ens, LOSE));
    block_bytes(&whole, wb);
    size_t first[8], count[8];
    for (size_t ranks = 1; ranks <= R_ALL; ranks++) {
        char label[64];
        snprintf(label, sizeof label, "%zu ranks", ranks);
        partition(R_ALL, ranks, first, count);
        check_join(land, it, wb, first, count, ranks, label);
    }
    /* A block whose replicas are all lost runs on (partial) and joins too. */
    size_t f2[3] = {0, LOSE, LOSE + 1}, c2[3] = {LOSE, 1, R_ALL - LOSE - 1};
    check_join(land, it, wb, f2, c2, 3, "a block of lost replicas");

    /* Tables of an observer restored from the joined bytes are the whole run's. */
    gv_table *x = restored_summary(&whole, &wb[1]);
    gv_table_free(x);
    for (int w = 0; w < 3; w++) gv_wbuf_free(&wb[w]);
    block_free(&whole);
    gv_integ_free(it);
    gv_landscape_free(land);
}

/* ---- slices: a checkpoint resumed on other block sizes ---------------------------------- */

static void test_slices(void)
{
    gv_err e;
    gv_landscape *land = gv_landscape_harmonic(30, 1.0, 20, 0.5, &e);
    gv_integ *it = gv_integ_langevin(0.05, 1e-2, 1e-2, &e);
    block whole = {0}, saved = {0};
    gv_wbuf wb[3], sb[3];
    run_block(&whole, land, it, 0, R_ALL, END);
    block_bytes(&whole, wb);
    run_block(&saved, land, it, 0, R_ALL, SAVE); /* the checkpoint */
    block_bytes(&saved, sb);
    size_t first[8], count[8];
    for (size_t ranks = 1; ranks <= 4; ranks++) {
        partition(R_ALL, ranks, first, count);
        block b[8];
        gv_wbuf bytes[8][3];
        memset(b, 0, sizeof b);
        for (size_t k = 0; k < ranks; k++) {
            gv_wbuf s[3] = {{0}};
            CHECK_OK(gv_ensemble_slice(sb[0].p, sb[0].len, "t", first[k], count[k], &s[0], &e), e);
            CHECK_OK(gv_obs_slice(sb[1].p, sb[1].len, first[k], count[k], "t", &s[1], &e), e);
            CHECK_OK(gv_obs_slice(sb[2].p, sb[2].len, first[k], count[k], "t", &s[2], &e), e);
            b[k].ens = gv_ensemble_alloc(land, count[k], 77, (uint32_t)first[k], &e);
            gv_ensemble_set_partial(b[k].ens, 1);
            CHECK_OK(gv_ensemble_restore(b[k].ens, s[0].p, s[0].len, "t", &e), e);
            observers(&b[k]);
            CHECK_OK(gv_obs_restore(&b[k].hooks[0], s[1].p, s[1].len, "t", &e), e);
            CHECK_OK(gv_obs_restore(&b[k].hooks[1], s[2].p, s[2].len, "t", &e), e);
            CHECK(gv_ensemble_step(b[k].ens) == SAVE);
            CHECK_OK(gv_ensemble_run(b[k].ens, it, END, b[k].hooks, 2, &e), e);
            block_bytes(&b[k], bytes[k]);
            for (int w = 0; w < 3; w++) gv_wbuf_free(&s[w]);
        }
        for (int what = 0; what < 3; what++) {
            gv_wbuf j;
            CHECK_OK(join(bytes, ranks, what, &j, &e), e);
            CHECK_MSG(same_bytes(&j, &wb[what]), "resumed on %zu blocks: object %d differs", ranks,
                      what);
            gv_wbuf_free(&j);
        }
        /* Slicing the saved bytes and joining the slices gives them back. */
        for (int what = 0; what < 3; what++) {
            gv_wbuf s[8], j;
            const unsigned char *parts[8];
            size_t lens[8];
            for (size_t k = 0; k < ranks; k++) {
                memset(&s[k], 0, sizeof s[k]);
                if (what == 0)
                    CHECK_OK(gv_ensemble_slice(sb[0].p, sb[0].len, "t", first[k], count[k], &s[k],
                                               &e), e);
                else
                    CHECK_OK(gv_obs_slice(sb[what].p, sb[what].len, first[k], count[k], "t", &s[k],
                                          &e), e);
                parts[k] = s[k].p;
                lens[k] = s[k].len;
            }
            memset(&j, 0, sizeof j);
            CHECK_OK(what == 0 ? gv_ensemble_concat(parts, lens, ranks, "t", &j, &e)
                               : gv_obs_concat(parts, lens, ranks, "t", &j, &e), e);
            CHECK(same_bytes(&j, &sb[what]));
            gv_wbuf_free(&j);
            for (size_t k = 0; k < ranks; k++) gv_wbuf_free(&s[k]);
        }
        for (size_t k = 0; k < ranks; k++) {
            for (int w = 0; w < 3; w++) gv_wbuf_free(&bytes[k][w]);
            block_free(&b[k]);
        }
    }
    for (int w = 0; w < 3; w++) {
        gv_wbuf_free(&wb[w]);
        gv_wbuf_free(&sb[w]);
    }
    block_free(&whole);
    block_free(&saved);
    gv_integ_free(it);
    gv_landscape_free(land);
}

/* ---- what does not fit is refused ------------------------------------------------------- */

static void test_refusals(void)
{
    gv_err e;
    gv_landscape *land = gv_landscape_harmonic(30, 1.0, 20, 0.5, &e);
    gv_integ *it = gv_integ_langevin(0.05, 1e-2, 1e-2, &e);
    block a = {0}, b = {0}, c = {0};
    gv_wbuf ab[3], bb[3], cb[3], out = {0};
    run_block(&a, land, it, 0, 3, 40);
    run_block(&b, land, it, 3, 3, 60); /* further: past the event at 55 */
    run_block(&c, land, it, 4, 2, 40); /* overlaps a's successor */
    block_bytes(&a, ab);
    block_bytes(&b, bb);
    block_bytes(&c, cb);
    gv_wbuf pair[2][3];
    memcpy(pair[0], ab, sizeof ab);
    memcpy(pair[1], bb, sizeof bb);
    CHECK_FAILS(join(pair, 2, 0, &out, &e), GV_EINVAL, e, "rank 1's ensemble");
    CHECK(strstr(e.msg, "step 60") != NULL);
    CHECK_FAILS(join(pair, 2, 1, &out, &e), GV_EINVAL, e, "rank 1's observer has handled other events");
    memcpy(pair[1], cb, sizeof cb);
    CHECK_FAILS(join(pair, 2, 0, &out, &e), GV_EINVAL, e, "start at first_replica = 4");
    /* Two kinds of observer, or none at all. */
    const unsigned char *mixed[2] = {ab[1].p, ab[2].p};
    size_t mlens[2] = {ab[1].len, ab[2].len};
    CHECK_FAILS(gv_obs_concat(mixed, mlens, 2, "t", &out, &e), GV_EINVAL, e, "rank 1 holds a scalar");
    size_t zero[2] = {0, 0};
    CHECK_FAILS(gv_obs_concat(mixed, zero, 2, "t", &out, &e), GV_EINVAL, e, "no rank holds");
    CHECK_FAILS(gv_ensemble_concat(mixed, zero, 2, "t", &out, &e), GV_EINVAL, e, "no rank holds");
    /* Empty parts (ranks without replicas) are skipped. */
    const unsigned char *withgap[3] = {ab[0].p, NULL, NULL};
    size_t glens[3] = {ab[0].len, 0, 0};
    CHECK_OK(gv_ensemble_concat(withgap, glens, 3, "t", &out, &e), e);
    CHECK(same_bytes(&out, &ab[0]));
    gv_wbuf_free(&out);
    /* Slices out of range; damaged bytes. */
    CHECK_FAILS(gv_ensemble_slice(ab[0].p, ab[0].len, "t", 2, 2, &out, &e), GV_EINVAL, e,
                "replicas 2..3 asked for, the ensemble holds 3");
    CHECK_FAILS(gv_obs_slice(ab[1].p, ab[1].len, 3, 1, "t", &out, &e), GV_EINVAL, e,
                "the observer holds 3");
    ab[1].p[ab[1].len / 2] ^= 0x40;
    ab[1].len -= 3;
    e.msg[0] = '\0';
    CHECK(gv_obs_slice(ab[1].p, ab[1].len, 0, 1, "t", &out, &e) != GV_OK && e.msg[0]);
    gv_wbuf_free(&out);
    CHECK_FAILS(gv_obs_slice((const unsigned char *)"nope", 4, 0, 1, "t", &out, &e), GV_EFORMAT, e,
                "not an observer");
    for (int w = 0; w < 3; w++) {
        gv_wbuf_free(&ab[w]);
        gv_wbuf_free(&bb[w]);
        gv_wbuf_free(&cb[w]);
    }
    block_free(&a);
    block_free(&b);
    block_free(&c);
    gv_integ_free(it);
    gv_landscape_free(land);
}

/* ---- partial ensembles ------------------------------------------------------------------- */

static void test_partial(void)
{
    gv_err e;
    gv_landscape *land = gv_landscape_harmonic(10, 1.0, 20, 0.5, &e);
    gv_integ *it = gv_integ_langevin(0.05, 1e-2, 0, &e);
    gv_ensemble *ens = gv_ensemble_alloc(land, 2, 5, 0, &e);
    double w[10];
    for (int i = 0; i < 10; i++) w[i] = 1e200;
    CHECK_OK(gv_ensemble_set_weights(ens, 0, w, &e), e);
    CHECK_OK(gv_ensemble_set_weights(ens, 1, w, &e), e);
    gv_ensemble *copy = gv_ensemble_clone(ens, &e);
    CHECK(!gv_ensemble_partial(ens));
    CHECK_FAILS(gv_ensemble_run(ens, it, 50, NULL, 0, &e), GV_ENAN, e, "all 2 replicas are lost");
    CHECK(gv_ensemble_step(ens) == 1);
    gv_ensemble_set_partial(copy, 1);
    gv_ensemble *copy2 = gv_ensemble_clone(copy, &e);
    CHECK(gv_ensemble_partial(copy2));
    CHECK_OK(gv_ensemble_run(copy, it, 50, NULL, 0, &e), e);
    CHECK(gv_ensemble_step(copy) == 50 && gv_ensemble_nlost(copy) == 2);
    CHECK_OK(gv_ensemble_run(copy, it, 60, NULL, 0, &e), e); /* all lost from the start */
    CHECK(gv_ensemble_step(copy) == 60);
    gv_ensemble_free(ens);
    gv_ensemble_free(copy);
    gv_ensemble_free(copy2);
    gv_integ_free(it);
    gv_landscape_free(land);
}

/* ---- same-basin ensembles over ranks ------------------------------------------------ */

/* Source replicas [first, first + count) of 3, each copied K = 2 times at step
 * 0 (as lab.anneal does on a rank's block), then run with the observers. */
static void run_sb_block(block *b, const gv_landscape *land, const gv_integ *it, size_t first,
                         size_t count)
{
    gv_err e;
    gv_ensemble *src = gv_ensemble_alloc(land, count, 77, (uint32_t)first, &e);
    gv_ensemble_set_partial(src, count < 3);
    b->ens = gv_ensemble_same_basin(src, 2, &e);
    gv_ensemble_free(src);
    observers(b);
    CHECK_OK(gv_ensemble_run(b->ens, it, END, b->hooks, 2, &e), e);
}

/* Blocks of the source give blocks of the same-basin run that join into the
 * whole, bit for bit; slices that split a basin over two ranks join back too,
 * and the tables (χ₄ within/between) of the joined state are the whole's. */
static void test_same_basin(void)
{
    gv_err e;
    gv_landscape *land = gv_landscape_harmonic(30, 1.0, 20, 0.5, &e);
    gv_integ *it = gv_integ_langevin(0.05, 1e-2, 1e-2, &e);
    block whole = {0}, parts[3];
    memset(parts, 0, sizeof parts);
    gv_wbuf wb[3], pb[3][3];
    run_sb_block(&whole, land, it, 0, 3);
    CHECK(gv_ensemble_grouped(whole.ens) && gv_ensemble_basin(whole.ens, 5) == 4);
    block_bytes(&whole, wb);
    for (size_t k = 0; k < 3; k++) {
        run_sb_block(&parts[k], land, it, k, 1);
        block_bytes(&parts[k], pb[k]);
    }
    for (int what = 0; what < 3; what++) {
        gv_wbuf j;
        CHECK_OK(join(pb, 3, what, &j, &e), e);
        CHECK_MSG(same_bytes(&j, &wb[what]), "same-basin: object %d joined from 3 source blocks "
                  "differs from the whole run's", what);
        gv_wbuf_free(&j);
    }
    /* Slices 0..2 and 3..5 split basin 2 (replicas 2, 3) over two ranks. */
    gv_wbuf s[2][3];
    size_t first[2] = {0, 3}, count[2] = {3, 3};
    for (size_t k = 0; k < 2; k++) {
        memset(s[k], 0, sizeof s[k]);
        CHECK_OK(gv_ensemble_slice(wb[0].p, wb[0].len, "t", first[k], count[k], &s[k][0], &e), e);
        CHECK_OK(gv_obs_slice(wb[1].p, wb[1].len, first[k], count[k], "t", &s[k][1], &e), e);
        CHECK_OK(gv_obs_slice(wb[2].p, wb[2].len, first[k], count[k], "t", &s[k][2], &e), e);
    }
    for (int what = 0; what < 3; what++) {
        gv_wbuf j;
        CHECK_OK(join(s, 2, what, &j, &e), e);
        CHECK_MSG(same_bytes(&j, &wb[what]), "same-basin: object %d from split slices differs",
                  what);
        gv_wbuf_free(&j);
    }
    gv_table *x = restored_summary(&whole, &wb[1]);
    long cw = x ? gv_table_find(x, "chi4_within") : -1, nb = x ? gv_table_find(x, "n_basins") : -1;
    int some_within = 0;
    for (size_t r = 0; x && cw >= 0 && r < gv_table_nrows(x); r++) {
        CHECK(gv_table_get(x, r, (size_t)nb) == 3);
        some_within |= gv_table_get(x, r, (size_t)cw) > 0;
    }
    CHECK(some_within);
    gv_table_free(x);
    for (int w = 0; w < 3; w++) {
        gv_wbuf_free(&wb[w]);
        gv_wbuf_free(&s[0][w]), gv_wbuf_free(&s[1][w]);
        for (size_t k = 0; k < 3; k++) gv_wbuf_free(&pb[k][w]);
    }
    for (size_t k = 0; k < 3; k++) block_free(&parts[k]);
    block_free(&whole);
    gv_integ_free(it);
    gv_landscape_free(land);
}

int main(void)
{
    test_single_rank();
    test_join();
    test_slices();
    test_refusals();
    test_partial();
    test_same_basin();
    return GV_TEST_END();
}
