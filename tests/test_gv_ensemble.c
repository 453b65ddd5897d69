/* test_gv_ensemble.c: reproducibility (threads, replica alone or inside an
 * ensemble), the run loop's hook events, interruption, lost replicas,
 * clone, save and load. */
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gv_bytes.h"
#include "gv_ckpt.h"
#include "gv_ensemble.h"
#include "gv_integ.h"
#include "gv_landscape.h"
#include "gv_rng.h"
#include "gv_test.h"

/* A small network on random data, big enough that a full-batch evaluation
 * splits into 2 partitions (P = 2048) so that the data-parallel path runs. */
typedef struct netfix {
    gv_mlp *m;
    gv_data *data;
    gv_landscape *l;
} netfix;

static void netfix_init(netfix *f)
{
    gv_err e;
    size_t P = 2048, d = 10, widths[] = {12, 12};
    f->data = gv_data_alloc(P, d, "random-2048", &e);
    double *v = malloc(P * d * sizeof *v);
    gv_rng_normal(5, 0, GV_RNG_TEST, 0, 0, P * d, v);
    for (size_t i = 0; i < P * d; i++) f->data->X[i] = (float)v[i];
    f->data->y = malloc(P);
    /* A learnable rule plus 10% label noise: the loss falls but not to 0. */
    for (size_t i = 0; i < P; i++) {
        const float *x = f->data->X + i * d;
        int y = x[0] * x[1] + 0.5f * x[2] > 0 ? 1 : -1;
        f->data->y[i] = (int8_t)((i % 10 == 0) ? -y : y);
    }
    free(v);
    f->m = gv_mlp_alloc(d, 2, widths, &e);
    f->l = gv_landscape_network(f->m, f->data, &e);
}

static void netfix_free(netfix *f)
{
    gv_landscape_free(f->l);
    gv_mlp_free(f->m);
    gv_data_free(f->data);
}

/* Run a fresh ensemble (R, first) with `threads` threads to `steps`. */
static gv_ensemble *run_fresh(const gv_landscape *l, const gv_integ *it, size_t R, uint32_t first,
                              int threads, uint64_t steps)
{
    gv_err e;
    gv_threads_set(threads);
    gv_ensemble *ens = gv_ensemble_alloc(l, R, 2024, first, &e);
    CHECK_OK(gv_ensemble_run(ens, it, steps, NULL, 0, &e), e);
    gv_threads_set(0);
    return ens;
}

static int same_replica(const gv_ensemble *a, size_t ra, const gv_ensemble *b, size_t rb)
{
    size_t N = gv_ensemble_nweights(a);
    return memcmp(gv_ensemble_weights(a, ra), gv_ensemble_weights(b, rb), N * sizeof(double)) == 0;
}

/* Bit-identical weights: 1 vs 2 threads (parallel over replicas), 3
 * replicas on 2 threads (short steps: parallel over replicas, in slices), a
 * replica alone (R = 1, first_replica = 2: one replica, data split over 2
 * threads) vs replica 2 inside an ensemble of 4. */
static void check_reproducible(const gv_landscape *l, const gv_integ *it, uint64_t steps)
{
    gv_ensemble *a = run_fresh(l, it, 4, 0, 1, steps);
    gv_ensemble *b = run_fresh(l, it, 4, 0, 2, steps);
    gv_ensemble *c = run_fresh(l, it, 1, 2, 2, steps);
    gv_ensemble *d = run_fresh(l, it, 3, 0, 2, steps);
    int all = 1;
    for (size_t r = 0; r < 4; r++) all &= same_replica(a, r, b, r);
    CHECK_MSG(all, "%s: 1 vs 2 threads differ", gv_integ_name(it));
    all = 1;
    for (size_t r = 0; r < 3; r++) all &= same_replica(a, r, d, r);
    CHECK_MSG(all, "%s: 3 replicas on 2 threads differ", gv_integ_name(it));
    CHECK_MSG(same_replica(a, 2, c, 0), "%s: replica alone (2 threads) differs", gv_integ_name(it));
    /* ... and the replicas did move, differently. */
    gv_ensemble *z = gv_ensemble_alloc(l, 4, 2024, 0, NULL);
    CHECK(!same_replica(a, 0, z, 0) && !same_replica(a, 0, a, 1));
    CHECK(gv_ensemble_step(a) == steps && gv_ensemble_nlost(a) == 0);
    gv_ensemble_free(a);
    gv_ensemble_free(b);
    gv_ensemble_free(c);
    gv_ensemble_free(d);
    gv_ensemble_free(z);
}

static void test_reproducible_langevin(void)
{
    netfix f;
    netfix_init(&f);
    gv_integ *lv = gv_integ_langevin(0.01, 1e-3, 1e-3, NULL);
    check_reproducible(f.l, lv, 1000);
    gv_integ_free(lv);
    netfix_free(&f);
}

static void test_reproducible_sgd(void)
{
    netfix f;
    netfix_init(&f);
    gv_err e;
    gv_integ *sgd = gv_integ_sgd(0.05, 100, 0.0, &e); /* 20 steps per epoch */
    check_reproducible(f.l, sgd, 3 * 20);
    /* SGD lowers the training loss of this learnable rule. */
    gv_ensemble *ens = gv_ensemble_alloc(f.l, 2, 1, 0, &e);
    gv_eval before, after;
    CHECK_OK(gv_ensemble_eval(ens, 0, 0.0, &before, &e), e);
    CHECK_OK(gv_ensemble_run(ens, sgd, 20 * 20, NULL, 0, &e), e);
    CHECK_OK(gv_ensemble_eval(ens, 0, 0.0, &after, &e), e);
    CHECK_MSG(after.loss < 0.8 * before.loss, "loss %g -> %g", before.loss, after.loss);
    /* Splitting a run into pieces changes nothing (epochs count from step 0). */
    gv_ensemble *one = gv_ensemble_alloc(f.l, 2, 7, 0, &e), *two = gv_ensemble_alloc(f.l, 2, 7, 0, &e);
    CHECK_OK(gv_ensemble_run(one, sgd, 55, NULL, 0, &e), e);
    CHECK_OK(gv_ensemble_run(two, sgd, 13, NULL, 0, &e), e);
    CHECK_OK(gv_ensemble_run(two, sgd, 41, NULL, 0, &e), e);
    CHECK_OK(gv_ensemble_run(two, sgd, 55, NULL, 0, &e), e);
    CHECK(same_replica(one, 1, two, 1));
    gv_ensemble_free(one);
    gv_ensemble_free(two);
    gv_ensemble_free(ens);
    gv_integ_free(sgd);
    netfix_free(&f);
}

/* gv_ensemble_run_for: a run cut by a tiny time limit stops early, at a
 * whole step, and continued call after call ends bit-identical to one run
 * (SGD: epochs and shuffles count from step 0, whatever the cuts). */
static void test_run_for(void)
{
    netfix f;
    netfix_init(&f);
    gv_err e;
    gv_integ *sgd = gv_integ_sgd(0.05, 100, 0.0, &e);
    gv_ensemble *one = gv_ensemble_alloc(f.l, 3, 5, 0, &e), *cut = gv_ensemble_alloc(f.l, 3, 5, 0, &e);
    CHECK_OK(gv_ensemble_run(one, sgd, 70, NULL, 0, &e), e);
    int calls = 0;
    while (gv_ensemble_step(cut) < 70 && calls < 1000) {
        CHECK_OK(gv_ensemble_run_for(cut, sgd, 70, NULL, 0, 1e-9, &e), e);
        calls++;
    }
    CHECK_MSG(calls > 1, "stopped early: %d calls", calls);
    CHECK(gv_ensemble_step(cut) == 70);
    for (size_t r = 0; r < 3; r++) CHECK(same_replica(one, r, cut, r));
    CHECK(gv_ensemble_run_for(cut, sgd, 80, NULL, 0, -1, &e) == GV_EINVAL &&
          strstr(e.msg, "seconds"));
    CHECK_OK(gv_ensemble_run_for(cut, sgd, 80, NULL, 0, INFINITY, &e), e);
    CHECK(gv_ensemble_step(cut) == 80);
    gv_ensemble_free(one);
    gv_ensemble_free(cut);
    gv_integ_free(sgd);
    netfix_free(&f);
}

/* A hook firing at a fixed list of steps, recording where the ensemble was. */
typedef struct list_hook {
    const uint64_t *at;
    size_t n, pos;
    uint64_t seen[16];
    size_t nseen;
    uint64_t interrupt_at; /* request an interrupt when firing here */
    int fail_at_pos;       /* fail when firing event number pos (−1: never) */
} list_hook;

static uint64_t lh_next(void *self)
{
    list_hook *h = self;
    return h->pos < h->n ? h->at[h->pos] : GV_NO_EVENT;
}

static gv_status lh_fire(void *self, gv_ensemble *ens, gv_err *e)
{
    list_hook *h = self;
    if ((int)h->pos == h->fail_at_pos) return gv_fail(e, GV_EIO, "disk full");
    if (h->nseen < 16) h->seen[h->nseen++] = gv_ensemble_step(ens);
    if (gv_ensemble_step(ens) == h->interrupt_at) gv_interrupt_request();
    h->pos++;
    return GV_OK;
}

static gv_hook make_hook(list_hook *lh, const uint64_t *at, size_t n)
{
    memset(lh, 0, sizeof *lh);
    lh->at = at;
    lh->n = n;
    lh->interrupt_at = UINT64_MAX;
    lh->fail_at_pos = -1;
    return (gv_hook){.self = lh, .name = "test hook", .next = lh_next, .fire = lh_fire};
}

static void test_hooks(void)
{
    gv_err e;
    gv_landscape *flat = gv_landscape_flat(10, 100, 0, &e);
    gv_integ *lv = gv_integ_langevin(0.1, 1, 0, &e);
    gv_ensemble *ens = gv_ensemble_alloc(flat, 3, 1, 0, &e);
    const uint64_t at1[] = {0, 3, 7, 10, 30}, at2[] = {3, 8};
    list_hook a, b;
    gv_hook hooks[2] = {make_hook(&a, at1, 5), make_hook(&b, at2, 2)};
    /* Events up to and including the target fire, at exactly their step. */
    CHECK_OK(gv_ensemble_run(ens, lv, 10, hooks, 2, &e), e);
    CHECK(gv_ensemble_step(ens) == 10);
    CHECK(a.nseen == 4 && a.seen[0] == 0 && a.seen[1] == 3 && a.seen[2] == 7 && a.seen[3] == 10);
    CHECK(b.nseen == 2 && b.seen[0] == 3 && b.seen[1] == 8);
    /* Continuing: the event at 10 is not fired twice. */
    CHECK_OK(gv_ensemble_run(ens, lv, 40, hooks, 2, &e), e);
    CHECK(a.nseen == 5 && a.seen[4] == 30);
    /* A hook whose event is in the past is refused before anything runs. */
    list_hook late;
    gv_hook lh = make_hook(&late, at2, 2);
    CHECK_FAILS(gv_ensemble_run(ens, lv, 50, &lh, 1, &e), GV_EINVAL, e, "due at step 3");
    CHECK(gv_ensemble_step(ens) == 40 && late.nseen == 0);
    /* A hook's failure stops the run at its step, with its name. */
    const uint64_t at3[] = {42, 45};
    list_hook bad;
    gv_hook bh = make_hook(&bad, at3, 2);
    bad.fail_at_pos = 1;
    CHECK_FAILS(gv_ensemble_run(ens, lv, 50, &bh, 1, &e), GV_EIO, e, "test hook at step 45: disk full");
    CHECK(gv_ensemble_step(ens) == 45);
    /* Targets before the current step are refused. */
    CHECK_FAILS(gv_ensemble_run(ens, lv, 44, NULL, 0, &e), GV_EINVAL, e, "before the current step 45");
    gv_ensemble_free(ens);
    gv_integ_free(lv);
    gv_landscape_free(flat);
}

static void test_interrupt(void)
{
    gv_err e;
    gv_landscape *flat = gv_landscape_flat(10, 100, 0, &e);
    gv_integ *lv = gv_integ_langevin(0.1, 1, 0, &e);
    gv_ensemble *ens = gv_ensemble_alloc(flat, 4, 1, 0, &e);
    gv_interrupt_request();
    CHECK_FAILS(gv_ensemble_run(ens, lv, 100, NULL, 0, &e), GV_EINTR, e, "interrupted at step 0");
    CHECK(gv_ensemble_step(ens) == 0);
    gv_interrupt_clear();
    /* Interrupted mid-run (by a hook at step 5): stops at a whole step that
     * the message names, in both modes, after the hooks due at it (here at 5
     * itself: the request comes while its hooks fire, and the run stops after
     * them, as a run to step 5 would; a signal mid-block stops at the block's
     * end, whose step depends on the speed). */
    for (int threads = 1; threads <= 2; threads++) {
        gv_threads_set(threads);
        gv_ensemble *x = gv_ensemble_alloc(flat, 4, 1, 0, &e);
        const uint64_t at[] = {5};
        list_hook lh;
        gv_hook h = make_hook(&lh, at, 1);
        lh.interrupt_at = 5;
        CHECK(gv_ensemble_run(x, lv, 1000000, &h, 1, &e) == GV_EINTR);
        uint64_t at_stop = gv_ensemble_step(x);
        char want[64];
        snprintf(want, sizeof want, "interrupted at step %llu ", (unsigned long long)at_stop);
        CHECK_MSG(at_stop == 5 && strstr(e.msg, want), "%s", e.msg);
        CHECK(lh.nseen == 1 && lh.seen[0] == 5); /* the hook due at 5 fired before the stop */
        gv_interrupt_clear();
        /* Resuming gives the same trajectory as never stopping. */
        CHECK_OK(gv_ensemble_run(x, lv, at_stop + 20, NULL, 0, &e), e);
        CHECK_OK(gv_ensemble_run(ens, lv, at_stop + 20, NULL, 0, &e), e);
        CHECK(same_replica(x, 3, ens, 3));
        gv_ensemble_free(x);
        gv_ensemble_free(ens);
        ens = gv_ensemble_alloc(flat, 4, 1, 0, &e);
    }
    gv_threads_set(0);
    gv_ensemble_free(ens);
    gv_integ_free(lv);
    gv_landscape_free(flat);
}

static void test_lost(void)
{
    gv_err e;
    size_t N = 6;
    gv_landscape *h = gv_landscape_harmonic(N, 1.0, 10, 0.0, &e);
    gv_integ *lv = gv_integ_langevin(0.1, 1.0, 0, &e);
    for (int threads = 1; threads <= 2; threads++) {
        gv_threads_set(threads);
        gv_ensemble *ens = gv_ensemble_alloc(h, 4, 3, 0, &e);
        gv_ensemble *ref = gv_ensemble_alloc(h, 4, 3, 0, &e);
        CHECK_OK(gv_ensemble_run(ens, lv, 5, NULL, 0, &e), e);
        /* Replica 2 gets weights whose loss overflows: lost at step 5. */
        double big[6] = {1e200, 0, 0, 0, 0, 0};
        CHECK_OK(gv_ensemble_set_weights(ens, 2, big, &e), e);
        CHECK_OK(gv_ensemble_run(ens, lv, 50, NULL, 0, &e), e);
        CHECK(gv_ensemble_step(ens) == 50 && gv_ensemble_nlost(ens) == 1);
        CHECK(gv_ensemble_lost(ens, 2) && !gv_ensemble_lost(ens, 0) && !gv_ensemble_lost(ens, 3));
        CHECK(gv_ensemble_lost_step(ens, 2) == 5);
        CHECK_MSG(strstr(gv_ensemble_lost_reason(ens, 2), "non-finite loss"), "%s",
                  gv_ensemble_lost_reason(ens, 2));
        CHECK(gv_ensemble_weights(ens, 2)[0] == 1e200); /* frozen */
        /* The others went on exactly as without the accident. */
        CHECK_OK(gv_ensemble_run(ref, lv, 50, NULL, 0, &e), e);
        CHECK(same_replica(ens, 0, ref, 0) && same_replica(ens, 3, ref, 3));
        /* Non-finite weights (a huge gd step from a big w) also lose a replica. */
        gv_integ *wild = gv_integ_gd(1e300, 0, &e);
        double zero[6] = {0}, mid[6] = {1e10, 0, 0, 0, 0, 0};
        for (size_t r = 0; r < 4; r++) gv_ensemble_set_weights(ref, r, r == 1 ? mid : zero, &e);
        CHECK_OK(gv_ensemble_run(ref, wild, 53, NULL, 0, &e), e);
        CHECK(gv_ensemble_nlost(ref) == 1 && gv_ensemble_lost(ref, 1));
        CHECK(strstr(gv_ensemble_lost_reason(ref, 1), "non-finite weights after step 50"));
        /* Everyone lost: the run ends with GV_ENAN, naming a replica. */
        for (size_t r = 0; r < 4; r++) gv_ensemble_set_weights(ref, r, big, &e);
        CHECK(gv_ensemble_nlost(ref) == 0); /* new weights revive a replica */
        CHECK_FAILS(gv_ensemble_run(ref, lv, 60, NULL, 0, &e), GV_ENAN, e, "all 4 replicas are lost");
        CHECK(gv_ensemble_step(ref) == 54);
        CHECK_FAILS(gv_ensemble_run(ref, lv, 60, NULL, 0, &e), GV_ENAN, e, "replica 1 at step 53");
        gv_integ_free(wild);
        gv_ensemble_free(ens);
        gv_ensemble_free(ref);
    }
    gv_threads_set(0);
    gv_integ_free(lv);
    gv_landscape_free(h);
}

static void test_set_clone(void)
{
    gv_err e;
    gv_landscape *flat = gv_landscape_flat(3, 10, 0.25, &e);
    e.msg[0] = '\0';
    CHECK(!gv_ensemble_alloc(flat, 0, 1, 0, &e) && strstr(e.msg, "replicas must be at least 1"));
    CHECK(!gv_ensemble_alloc(flat, 3, 1, UINT32_MAX - 1, &e) && strstr(e.msg, "32 bits"));
    gv_ensemble *ens = gv_ensemble_alloc(flat, 2, 99, 4, &e);
    CHECK(gv_ensemble_seed(ens) == 99 && gv_ensemble_first_replica(ens) == 4);
    CHECK(gv_ensemble_weights(ens, 1)[2] == 0.25);
    double bad[3] = {1, NAN, 2}, good[3] = {1, 2, 3};
    CHECK_FAILS(gv_ensemble_set_weights(ens, 0, bad, &e), GV_ENAN, e, "weight 1 of replica 0 is nan");
    CHECK_FAILS(gv_ensemble_set_weights(ens, 2, good, &e), GV_EINVAL, e, "out of range");
    CHECK_OK(gv_ensemble_set_weights(ens, 1, good, &e), e);
    CHECK_OK(gv_ensemble_set_step(ens, 77, &e), e);
    CHECK_FAILS(gv_ensemble_set_step(ens, (uint64_t)1 << 50, &e), GV_EINVAL, e, "2^48");
    gv_ensemble *c = gv_ensemble_clone(ens, &e);
    CHECK(c && gv_ensemble_step(c) == 77 && same_replica(c, 1, ens, 1) && same_replica(c, 0, ens, 0));
    CHECK_OK(gv_ensemble_set_weights(c, 1, (double[3]){0, 0, 0}, &e), e);
    CHECK(gv_ensemble_weights(ens, 1)[2] == 3); /* independent */
    CHECK(gv_ensemble_ngroups(ens) == 1);
    gv_eval ev;
    CHECK_OK(gv_ensemble_eval(ens, 1, 2.0, &ev, &e), e);
    CHECK_NEAR(ev.loss, 14.0, 1e-14);
    gv_ensemble_free(c);
    gv_ensemble_free(ens);
    gv_ensemble_free(NULL);
    gv_landscape_free(flat);
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

/* Copy src to dst, keeping `len` bytes and xor-ing byte `flip` with 0x40. */
static void copy_damaged(const char *src, const char *dst, long len, long flip, const char *magic)
{
    FILE *f = fopen(src, "rb"), *g = fopen(dst, "wb");
    for (long i = 0; i < len; i++) {
        int ch = fgetc(f);
        if (i == flip) ch ^= 0x40;
        if (magic && i < 5) ch = magic[i];
        fputc(ch, g);
    }
    fclose(f);
    fclose(g);
}

static void test_save_load(void)
{
    gv_err e;
    netfix f;
    netfix_init(&f);
    const char *path = "test_gv_ensemble.gvens", *bad = "test_gv_ensemble.bad";
    gv_integ *lv = gv_integ_langevin(0.01, 1e-2, 0, &e);
    gv_ensemble *ens = gv_ensemble_alloc(f.l, 3, 31, 2, &e);
    CHECK_OK(gv_ensemble_run(ens, lv, 20, NULL, 0, &e), e);
    /* One lost replica must come back lost, with its reason. */
    size_t N = gv_ensemble_nweights(ens);
    double *w = malloc(N * sizeof *w);
    for (size_t i = 0; i < N; i++) w[i] = 1e10;
    CHECK_OK(gv_ensemble_set_weights(ens, 1, w, &e), e);
    CHECK_OK(gv_ensemble_run(ens, lv, 25, NULL, 0, &e), e);
    CHECK(gv_ensemble_lost(ens, 1));
    CHECK_OK(gv_ensemble_save(ens, path, &e), e);
    CHECK(file_size("test_gv_ensemble.gvens.tmp") == -1); /* renamed into place */
    gv_ensemble *back = gv_ensemble_load(path, f.l, &e);
    CHECK_MSG(back != NULL, "%s", e.msg);
    if (back) {
        CHECK(gv_ensemble_size(back) == 3 && gv_ensemble_step(back) == 25);
        CHECK(gv_ensemble_seed(back) == 31 && gv_ensemble_first_replica(back) == 2);
        CHECK(gv_ensemble_nlost(back) == 1 && gv_ensemble_lost(back, 1));
        CHECK(gv_ensemble_lost_step(back, 1) == 20);
        CHECK(strcmp(gv_ensemble_lost_reason(back, 1), gv_ensemble_lost_reason(ens, 1)) == 0);
        for (size_t r = 0; r < 3; r++) CHECK(same_replica(back, r, ens, r));
        /* Continuing from the file is continuing the run. */
        CHECK_OK(gv_ensemble_run(back, lv, 40, NULL, 0, &e), e);
        CHECK_OK(gv_ensemble_run(ens, lv, 40, NULL, 0, &e), e);
        CHECK(same_replica(back, 0, ens, 0) && same_replica(back, 2, ens, 2));
        gv_ensemble_free(back);
    }
    long n = file_size(path);
    CHECK(n == 256 + 3 * 128 + (long)(3 * N * 8) + 4);
    /* Corrupt weight byte: CRC. */
    copy_damaged(path, bad, n, n - 100, NULL);
    CHECK(!gv_ensemble_load(bad, f.l, &e) && strstr(e.msg, "CRC mismatch"));
    /* Corrupt header byte (step): CRC covers the header too. */
    copy_damaged(path, bad, n, 33, NULL);
    CHECK(!gv_ensemble_load(bad, f.l, &e) && strstr(e.msg, "CRC mismatch"));
    /* Truncated. */
    copy_damaged(path, bad, n - 9, -1, NULL);
    CHECK_MSG(!gv_ensemble_load(bad, f.l, &e) && strstr(e.msg, "truncated"), "%s", e.msg);
    copy_damaged(path, bad, 30, -1, NULL);
    CHECK_MSG(!gv_ensemble_load(bad, f.l, &e) && strstr(e.msg, "truncated"), "%s", e.msg);
    /* Wrong magic. */
    copy_damaged(path, bad, n, -1, "PK\3\4x");
    CHECK_MSG(!gv_ensemble_load(bad, f.l, &e) && strstr(e.msg, "not a glassvm ensemble file"), "%s", e.msg);
    /* Future version. */
    copy_damaged(path, bad, n, 8, NULL);
    CHECK_MSG(!gv_ensemble_load(bad, f.l, &e) && strstr(e.msg, "version 67"), "%s", e.msg);
    /* A flag this glassvm does not know. */
    copy_damaged(path, bad, n, 65, NULL);
    CHECK_MSG(!gv_ensemble_load(bad, f.l, &e) && strstr(e.msg, "corrupt header (flags"), "%s",
              e.msg);
    /* Another landscape. */
    gv_landscape *flat = gv_landscape_flat(N + 1, 10, 0, &e);
    CHECK_MSG(!gv_ensemble_load(path, flat, &e) && strstr(e.msg, "the file holds N =") &&
              strstr(e.msg, "has N ="), "%s", e.msg);
    CHECK(!gv_ensemble_load("no/such/dir/x.gvens", f.l, &e) && strstr(e.msg, "cannot open"));
    CHECK(gv_ensemble_save(ens, "no/such/dir/x.gvens", &e) == GV_EIO && strstr(e.msg, "cannot create"));
    remove(path);
    remove(bad);
    free(w);
    gv_landscape_free(flat);
    gv_ensemble_free(ens);
    gv_integ_free(lv);
    netfix_free(&f);
}

/* Same-basin ensembles: copies, labels, noise ids; bytes with labels that
 * slice and concatenate like any ensemble's (the MPI blocks), a block of
 * the source gives the block of the result, no labels saved for no groups. */
static void test_same_basin(void)
{
    gv_err e;
    gv_landscape *l = gv_landscape_flat(7, 10, 0, &e);
    gv_ensemble *src = gv_ensemble_alloc(l, 3, 5, 1, &e);
    gv_integ *lv = gv_integ_langevin(0.1, 1, 0, &e);
    CHECK_OK(gv_ensemble_run(src, lv, 3, NULL, 0, &e), e);
    gv_ensemble *sb = gv_ensemble_same_basin(src, 2, &e);
    CHECK(sb && gv_ensemble_size(sb) == 6 && gv_ensemble_first_replica(sb) == 2 &&
          gv_ensemble_step(sb) == 3 && gv_ensemble_grouped(sb) && !gv_ensemble_grouped(src));
    uint64_t want[6] = {2, 2, 4, 4, 6, 6};
    for (size_t r = 0; r < 6; r++) {
        CHECK(gv_ensemble_basin(sb, r) == want[r]);
        CHECK(same_replica(sb, r, src, r / 2));
    }
    gv_wbuf all = {0}, whole = {0}, b1 = {0}, b2 = {0}, cat = {0};
    CHECK_OK(gv_ensemble_serialize(sb, &all, &e), e);
    CHECK(all.len == 256 + 6 * 128 + 6 * 7 * 8 + 6 * 8 + 4 && all.p[8] == 3 && all.p[64] == 1);
    CHECK_OK(gv_ensemble_serialize(src, &whole, &e), e);
    CHECK(whole.p[8] == 3 && whole.p[64] == 0 && whole.len == 256 + 3 * 128 + 3 * 7 * 8 + 4);
    /* Slices of 2 and 4 replicas: the first holds one label (2, 2) ≠ (2, 3), so labels. */
    CHECK_OK(gv_ensemble_slice(all.p, all.len, "sb", 0, 2, &b1, &e), e);
    CHECK_OK(gv_ensemble_slice(all.p, all.len, "sb", 2, 4, &b2, &e), e);
    const unsigned char *parts[2] = {b1.p, b2.p};
    size_t lens[2] = {b1.len, b2.len};
    CHECK_OK(gv_ensemble_concat(parts, lens, 2, "sb", &cat, &e), e);
    CHECK(cat.len == all.len && memcmp(cat.p, all.p, all.len) == 0);
    gv_ensemble *back = gv_ensemble_deserialize(b2.p, b2.len, "b2", l, &e);
    CHECK(back && gv_ensemble_first_replica(back) == 4 && gv_ensemble_basin(back, 0) == 4 &&
          gv_ensemble_basin(back, 3) == 6);
    /* The block of the source (replicas 1..2, first_replica 2) gives that block. */
    gv_wbuf sw = {0}, sbw = {0};
    CHECK_OK(gv_ensemble_slice(whole.p, whole.len, "src", 1, 2, &sw, &e), e);
    gv_ensemble *part = gv_ensemble_deserialize(sw.p, sw.len, "part", l, &e);
    gv_ensemble *psb = part ? gv_ensemble_same_basin(part, 2, &e) : NULL;
    if (psb) CHECK_OK(gv_ensemble_serialize(psb, &sbw, &e), e);
    CHECK(psb && sbw.len == b2.len && memcmp(sbw.p, b2.p, b2.len) == 0);
    /* Distinct noise per copy; the same noise when run again. */
    CHECK_OK(gv_ensemble_run(sb, lv, 4, NULL, 0, &e), e);
    CHECK(!same_replica(sb, 0, sb, 1));
    CHECK(gv_ensemble_same_basin(src, 0, &e) == NULL && strstr(e.msg, "K"));
    gv_wbuf_free(&all), gv_wbuf_free(&whole), gv_wbuf_free(&b1), gv_wbuf_free(&b2);
    gv_wbuf_free(&cat), gv_wbuf_free(&sw), gv_wbuf_free(&sbw);
    gv_ensemble_free(back), gv_ensemble_free(part), gv_ensemble_free(psb);
    gv_ensemble_free(sb), gv_ensemble_free(src);
    gv_integ_free(lv);
    gv_landscape_free(l);
}

/* Version 3 bytes as the version 1 or 2 bytes of the same ensemble (what an
 * earlier glassvm wrote): without the flags, architecture and data, new CRC. */
static gv_wbuf as_version(const gv_wbuf *v3, uint32_t version)
{
    gv_wbuf old = {0};
    unsigned char v[4] = {(unsigned char)version, 0, 0, 0};
    gv_wbuf_bytes(&old, v3->p, 8);
    gv_wbuf_bytes(&old, v, 4);
    gv_wbuf_bytes(&old, v3->p + 12, 52);
    gv_wbuf_bytes(&old, v3->p + 256, v3->len - 256 - 4);
    gv_wbuf_u32(&old, gv_crc32(gv_crc32(0, NULL, 0), old.p, old.len));
    return old;
}

/* The file records the network's architecture: another network with the
 * same N is refused (load, restore, checkpoints); files of versions 1 and 2
 * (no architecture) still load, with the labels they hold. */
static void test_architecture(void)
{
    gv_err e;
    netfix f;
    netfix_init(&f);
    size_t widths[] = {10, 16}; /* 10·10 + 10·16 + 16 = 276 = 10·12 + 12·12 + 12 */
    gv_mlp *m2 = gv_mlp_alloc(10, 2, widths, &e);
    gv_landscape *l2 = gv_landscape_network(m2, f.data, &e);
    CHECK(gv_landscape_nweights(l2) == gv_landscape_nweights(f.l));
    gv_ensemble *ens = gv_ensemble_alloc(f.l, 2, 7, 0, &e);
    gv_wbuf b = {0};
    CHECK_OK(gv_ensemble_serialize(ens, &b, &e), e);
    CHECK(strcmp((const char *)b.p + 72, "10-12x2-1") == 0);
    gv_ensemble_info info;
    CHECK_OK(gv_ensemble_peek(b.p, b.len, "b", &info, &e), e);
    CHECK(info.version == 3 && strcmp(info.arch, "10-12x2-1") == 0 && !info.labels);
    /* The dataset: its name, rows and the CRC of its inputs and labels. */
    uint32_t crc = gv_crc32(gv_crc32(0, NULL, 0), f.data->X, 2048 * 10 * sizeof(float));
    crc = gv_crc32(crc, f.data->y, 2048);
    CHECK(strcmp(info.data, "random-2048") == 0 && info.rows == 2048 && info.data_crc == crc);
    f.data->y[0] = (int8_t)-f.data->y[0]; /* one label flipped: another CRC */
    gv_wbuf flipped = {0};
    CHECK_OK(gv_ensemble_serialize(ens, &flipped, &e), e);
    gv_ensemble_info finfo;
    CHECK_OK(gv_ensemble_peek(flipped.p, flipped.len, "f", &finfo, &e), e);
    CHECK(finfo.data_crc != crc && finfo.rows == 2048);
    f.data->y[0] = (int8_t)-f.data->y[0];
    gv_wbuf_free(&flipped);
    CHECK(!gv_ensemble_deserialize(b.p, b.len, "b", l2, &e));
    CHECK_MSG(strstr(e.msg, "b: saved from a 10-12x2-1 network, the landscape's network is "
                            "10-10-16-1 (the same N = 276 weights"), "%s", e.msg);
    gv_ensemble *other = gv_ensemble_alloc(l2, 2, 7, 0, &e);
    CHECK(gv_ensemble_restore(other, b.p, b.len, "b", &e) == GV_EINVAL &&
          strstr(e.msg, "10-12x2-1 network"));
    gv_ensemble *back = gv_ensemble_deserialize(b.p, b.len, "b", f.l, &e);
    CHECK(back && same_replica(back, 1, ens, 1));
    gv_ensemble_free(back);
    /* Version 1 bytes: no architecture, so N alone decides. */
    gv_wbuf v1 = as_version(&b, 1);
    CHECK_OK(gv_ensemble_peek(v1.p, v1.len, "v1", &info, &e), e);
    CHECK(info.version == 1 && info.arch[0] == '\0' && info.header == 64 && info.data[0] == '\0' &&
          info.rows == 0 && info.data_crc == 0);
    back = gv_ensemble_deserialize(v1.p, v1.len, "v1", f.l, &e);
    CHECK(back && same_replica(back, 0, ens, 0) && !gv_ensemble_grouped(back));
    gv_ensemble_free(back);
    back = gv_ensemble_deserialize(v1.p, v1.len, "v1", l2, &e);
    CHECK(back != NULL);
    gv_ensemble_free(back);
    /* A block cut from version 1 bytes (an MPI rank's share of an old
     * checkpoint) is written as version 3 without an architecture: it
     * still restores. */
    gv_wbuf blk = {0};
    CHECK_OK(gv_ensemble_slice(v1.p, v1.len, "v1", 1, 1, &blk, &e), e);
    back = gv_ensemble_deserialize(blk.p, blk.len, "block", f.l, &e);
    CHECK_MSG(back && gv_ensemble_first_replica(back) == 1 && same_replica(back, 0, ens, 1), "%s",
              e.msg);
    gv_ensemble_free(back);
    gv_wbuf_free(&blk);
    /* Version 2 bytes: the labels after the weights. */
    gv_ensemble *sb = gv_ensemble_same_basin(ens, 2, &e);
    gv_wbuf s3 = {0};
    CHECK_OK(gv_ensemble_serialize(sb, &s3, &e), e);
    gv_wbuf v2 = as_version(&s3, 2);
    back = gv_ensemble_deserialize(v2.p, v2.len, "v2", f.l, &e);
    CHECK_MSG(back && gv_ensemble_grouped(back) && gv_ensemble_basin(back, 1) == 0 &&
              gv_ensemble_basin(back, 2) == 2 && same_replica(back, 3, sb, 3), "%s", e.msg);
    /* Written again, it is the version 3 file of the same ensemble. */
    gv_wbuf again = {0};
    if (back) CHECK_OK(gv_ensemble_serialize(back, &again, &e), e);
    CHECK(again.len == s3.len && memcmp(again.p, s3.p, s3.len) == 0);
    gv_ensemble_free(back);
    gv_wbuf_free(&b), gv_wbuf_free(&v1), gv_wbuf_free(&v2), gv_wbuf_free(&s3);
    gv_wbuf_free(&again);
    gv_ensemble_free(sb), gv_ensemble_free(other), gv_ensemble_free(ens);
    gv_landscape_free(l2);
    gv_mlp_free(m2);
    netfix_free(&f);
}

int main(void)
{
    GV_RUN(test_reproducible_langevin);
    GV_RUN(test_reproducible_sgd);
    GV_RUN(test_run_for);
    GV_RUN(test_hooks);
    GV_RUN(test_interrupt);
    GV_RUN(test_lost);
    GV_RUN(test_set_clone);
    GV_RUN(test_save_load);
    GV_RUN(test_same_basin);
    GV_RUN(test_architecture);
    return GV_TEST_END();
}
