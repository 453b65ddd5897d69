/* bench_xcore.c: what it costs two cores of this machine to share a step's
 * data, the yardstick for splitting one replica's SGD step over two threads
 * (docs/performance.md, "Gaps").
 *
 * Two threads pinned to the first two CPUs of the process's affinity mask:
 *   handoff   one flag passed back and forth (a barrier's floor), µs per round trip;
 *   exchange  each thread writes its half of a buffer, both meet at a barrier,
 *             each reads the other's half, both meet again: the pattern of a
 *             row split, where each thread needs the rows (or weights) the
 *             other wrote in the same step.  Against one thread that writes
 *             and reads both halves itself, per round.
 * The difference over the bytes read from the other core is the cost of
 * moving them there; it does not depend on glassvm.
 *
 *   bench_xcore [rounds]          (default 20000; one line per size) */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct shared {
    _Alignas(64) atomic_long arrive[2]; /* rounds each thread has reached, one line each */
    _Alignas(64) atomic_long go;
    float *buf;
    size_t half; /* floats per thread */
    long rounds;
    int cpu[2];
    int exchange; /* 0: handoff only */
} shared;

static volatile float sink;

static void pin(int cpu)
{
    cpu_set_t c;
    CPU_ZERO(&c);
    CPU_SET(cpu, &c);
    pthread_setaffinity_np(pthread_self(), sizeof c, &c);
}

/* Spin until the other thread has reached round r. */
static void wait_for(atomic_long *a, long r)
{
    while (atomic_load_explicit(a, memory_order_acquire) < r) __builtin_ia32_pause();
}

/* Whole vectors of 16 floats (n is a multiple of 16), so that one thread's
 * passes run at its cache's speed and the difference is the crossing. */
typedef float v16f __attribute__((vector_size(64)));

static void write_half(float *restrict p, size_t n, long r)
{
    v16f v = {0};
    v += (float)r;
    for (size_t i = 0; i < n; i += 16) memcpy(p + i, &v, sizeof v);
}

static float read_half(const float *restrict p, size_t n)
{
    v16f s = {0}, x;
    for (size_t i = 0; i < n; i += 16) {
        memcpy(&x, p + i, sizeof x);
        s += x;
    }
    float t = 0;
    for (int j = 0; j < 16; j++) t += s[j];
    return t;
}

/* Thread `id`'s rounds: write its half, meet, read the other's half, meet. */
static void rounds_of(shared *sh, int id)
{
    float *mine = sh->buf + (size_t)id * sh->half, *theirs = sh->buf + (size_t)(1 - id) * sh->half;
    for (long r = 1; r <= sh->rounds; r++) {
        if (sh->exchange) write_half(mine, sh->half, r);
        atomic_store_explicit(&sh->arrive[id], 2 * r - 1, memory_order_release);
        wait_for(&sh->arrive[1 - id], 2 * r - 1);
        if (sh->exchange) sink = read_half(theirs, sh->half);
        atomic_store_explicit(&sh->arrive[id], 2 * r, memory_order_release);
        wait_for(&sh->arrive[1 - id], 2 * r);
    }
}

static void *worker(void *arg)
{
    shared *sh = arg;
    pin(sh->cpu[1]);
    rounds_of(sh, 1);
    return NULL;
}

/* µs per round: two threads (the same two meetings per round as a split
 * step), or one thread doing both threads' work. */
static double run(shared *sh, int threads)
{
    atomic_store(&sh->arrive[0], 0);
    atomic_store(&sh->arrive[1], 0);
    pin(sh->cpu[0]);
    if (threads == 2) {
        pthread_t t;
        if (pthread_create(&t, NULL, worker, sh) != 0) return -1;
        double t0 = now();
        rounds_of(sh, 0);
        double t1 = now();
        pthread_join(t, NULL);
        return (t1 - t0) / (double)sh->rounds * 1e6;
    }
    float *mine = sh->buf, *theirs = sh->buf + sh->half;
    double t0 = now();
    for (long r = 1; r <= sh->rounds; r++) {
        write_half(mine, sh->half, r);
        write_half(theirs, sh->half, r);
        sink = read_half(theirs, sh->half);
        sink = read_half(mine, sh->half);
    }
    return (now() - t0) / (double)sh->rounds * 1e6;
}

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 20000;
    if (rounds < 1) {
        fprintf(stderr, "usage: bench_xcore [rounds >= 1]\n");
        return 2;
    }
    cpu_set_t mask;
    int cpus[2], n = 0;
    if (sched_getaffinity(0, sizeof mask, &mask) != 0) return 1;
    for (int c = 0; c < CPU_SETSIZE && n < 2; c++)
        if (CPU_ISSET(c, &mask)) cpus[n++] = c;
    if (n < 2) {
        fprintf(stderr, "bench_xcore: needs two CPUs in the affinity mask, has %d\n", n);
        return 1;
    }
    static const size_t kb[] = {16, 64, 128, 224, 448};
    float *buf = aligned_alloc(64, 448 * 1024 * 2);
    if (!buf) return 1;
    memset(buf, 0, 448 * 1024 * 2);
    shared sh = {.buf = buf, .rounds = rounds, .cpu = {cpus[0], cpus[1]}};
    sh.exchange = 0;
    sh.half = 0;
    printf("CPUs %d and %d, %ld rounds\n", cpus[0], cpus[1], rounds);
    printf("handoff: %.2f us per round (two meetings of both threads)\n", run(&sh, 2));
    sh.exchange = 1;
    printf("%10s %12s %12s %12s %14s\n", "KB read", "1 thread us", "2 threads us", "extra us",
           "GB/s across");
    for (size_t i = 0; i < sizeof kb / sizeof *kb; i++) {
        sh.half = kb[i] * 1024 / sizeof(float);
        double one = run(&sh, 1), two = run(&sh, 2);
        /* Two threads do half the work each: the rest is the crossing. */
        double extra = two - one / 2;
        printf("%10zu %12.2f %12.2f %12.2f %14.2f\n", kb[i], one, two, extra,
               extra > 0 ? (double)kb[i] * 1024 / (extra * 1e3) : 0.0);
    }
    free(buf);
    return 0;
}
