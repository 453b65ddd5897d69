/* gv_mpi.c: MPI start/stop and the collectives glassvm uses (gv_mpi.h).
 * Compiled with GV_MPI (cmake -DGV_MPI=ON) it calls MPI; without, the same
 * functions are the single-rank versions. */
#include "gv_mpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef GV_MPI
#include <mpi.h>
#include <pthread.h>
#endif

static int initialised;    /* gv_mpi_init ran (MPI_Init_thread called) */
static int ended;          /* gv_mpi_end ran */
static int my_rank = 0, my_size = 1, my_local_size = 1;
static char library[160] = "none";

int gv_mpi_built(void)
{
#ifdef GV_MPI
    return 1;
#else
    return 0;
#endif
}

int gv_mpi_active(void) { return initialised && !ended; }
int gv_mpi_rank(void) { return my_rank; }
int gv_mpi_size(void) { return my_size; }
int gv_mpi_local_size(void) { return my_local_size; }
const char *gv_mpi_library(void) { return library; }

/* The gather of a single rank: a copy of its own bytes. */
static gv_status gather_self(const void *mine, size_t len, unsigned char **all, size_t **lens,
                             gv_err *e)
{
    *all = malloc(len ? len : 1);
    *lens = malloc(sizeof **lens);
    if (!*all || !*lens) {
        free(*all);
        free(*lens);
        *all = NULL;
        *lens = NULL;
        return gv_fail(e, GV_ENOMEM, "gather: cannot allocate %zu bytes", len);
    }
    if (len) memcpy(*all, mine, len);
    (*lens)[0] = len;
    return GV_OK;
}

#ifdef GV_MPI

/* Started by an MPI launcher?  Open MPI's mpirun, PMIx (srun --mpi=pmix),
 * PMI-1/2 (MPICH's hydra, srun --mpi=pmi2), MVAPICH each leave a mark. */
static int under_launcher(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK",
                                       "PMI_SIZE", "MV2_COMM_WORLD_SIZE", NULL};
    for (const char *const *v = vars; *v; v++)
        if (getenv(*v)) return 1;
    return 0;
}

static gv_status mpi_fail(gv_err *e, int rc, const char *what)
{
    char msg[MPI_MAX_ERROR_STRING];
    int n = 0;
    if (MPI_Error_string(rc, msg, &n) != MPI_SUCCESS) snprintf(msg, sizeof msg, "error %d", rc);
    return gv_fail(e, GV_EIO, "MPI: %s failed on rank %d: %s", what, my_rank, msg);
}

gv_status gv_mpi_init(gv_err *e)
{
    if (initialised) return GV_OK;
    const char *want = getenv("GLASSVM_MPI");
    if (want && strcmp(want, "0") == 0) return GV_OK;
    if (!(want && strcmp(want, "1") == 0) && !under_launcher()) return GV_OK;
    int already = 0;
    MPI_Initialized(&already);
    int provided = MPI_THREAD_SINGLE;
    if (!already) {
        /* MPI's own threads (progress, PMIx) inherit the caller's signal mask:
         * SIGINT and SIGTERM stay with the calling thread (gv_worker_enter). */
        sigset_t old;
        gv_block_run_signals(&old);
        int rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (rc != MPI_SUCCESS) return mpi_fail(e, rc, "MPI_Init_thread");
    } else {
        MPI_Query_thread(&provided);
    }
    initialised = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &my_size);
    MPI_Comm node;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) ==
        MPI_SUCCESS) {
        MPI_Comm_size(node, &my_local_size);
        MPI_Comm_free(&node);
    }
    char v[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    if (MPI_Get_library_version(v, &len) == MPI_SUCCESS) {
        v[strcspn(v, "\n")] = '\0';
        snprintf(library, sizeof library, "%.*s", (int)sizeof library - 1, v);
    }
    if (provided < MPI_THREAD_FUNNELED)
        return gv_fail(e, GV_EINVAL, "MPI: this MPI library gives thread level %d, glassvm needs "
                                     "MPI_THREAD_FUNNELED (OpenMP threads run inside each rank); "
                                     "use an MPI built with thread support (Debian's OpenMPI is)",
                       provided);
    return GV_OK;
}

void gv_mpi_end(int status)
{
    if (!initialised || ended) return;
    ended = 1;
    int fin = 0;
    MPI_Finalized(&fin);
    if (fin) return;
    if (status != 0 && my_size > 1) MPI_Abort(MPI_COMM_WORLD, status);
    MPI_Finalize();
}

void gv_mpi_abort(int code)
{
    if (gv_mpi_active()) MPI_Abort(MPI_COMM_WORLD, code ? code : 1);
    exit(code ? code : 1);
}

gv_status gv_mpi_barrier(gv_err *e)
{
    if (!gv_mpi_active()) return GV_OK;
    int rc = MPI_Barrier(MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? GV_OK : mpi_fail(e, rc, "MPI_Barrier");
}

static MPI_Op mpi_op(gv_mpi_op op)
{
    return op == GV_MPI_SUM ? MPI_SUM : op == GV_MPI_MAX ? MPI_MAX : MPI_MIN;
}

static gv_status allreduce(void *v, size_t n, MPI_Datatype type, gv_mpi_op op, gv_err *e)
{
    if (!gv_mpi_active() || n == 0) return GV_OK;
    if (n > (size_t)INT32_MAX) return gv_fail(e, GV_EINVAL, "MPI: allreduce of %zu values", n);
    int rc = MPI_Allreduce(MPI_IN_PLACE, v, (int)n, type, mpi_op(op), MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? GV_OK : mpi_fail(e, rc, "MPI_Allreduce");
}

gv_status gv_mpi_allreduce_i64(int64_t *v, size_t n, gv_mpi_op op, gv_err *e)
{
    return allreduce(v, n, MPI_INT64_T, op, e);
}

gv_status gv_mpi_allreduce_f64(double *v, size_t n, gv_mpi_op op, gv_err *e)
{
    return allreduce(v, n, MPI_DOUBLE, op, e);
}

/* MPI counts are ints: long buffers travel in pieces of at most 1 GiB. */
#define PIECE ((size_t)1 << 30)
#define TAG_GATHER 7301

static gv_status send_bytes(const unsigned char *p, size_t len, int to, gv_err *e)
{
    for (size_t off = 0; off < len; off += PIECE) {
        size_t n = len - off < PIECE ? len - off : PIECE;
        int rc = MPI_Send(p + off, (int)n, MPI_BYTE, to, TAG_GATHER, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return mpi_fail(e, rc, "MPI_Send");
    }
    return GV_OK;
}

static gv_status recv_bytes(unsigned char *p, size_t len, int from, gv_err *e)
{
    for (size_t off = 0; off < len; off += PIECE) {
        size_t n = len - off < PIECE ? len - off : PIECE;
        int rc = MPI_Recv(p + off, (int)n, MPI_BYTE, from, TAG_GATHER, MPI_COMM_WORLD,
                          MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS) return mpi_fail(e, rc, "MPI_Recv");
    }
    return GV_OK;
}

gv_status gv_mpi_gather_bytes(const void *mine, size_t len, unsigned char **all, size_t **lens,
                              gv_err *e)
{
    *all = NULL;
    *lens = NULL;
    if (!gv_mpi_active()) return gather_self(mine, len, all, lens, e);
    uint64_t mylen = len, *got = NULL;
    /* A rank that fails to allocate returns before the collective; its
     * caller raises, and the exit handler (lgv_mpi.c) aborts the job, so the
     * other ranks do not wait forever. */
    if (my_rank == 0 && !(got = malloc((size_t)my_size * sizeof *got)))
        return gv_fail(e, GV_ENOMEM, "gather: out of memory");
    int rc = MPI_Gather(&mylen, 1, MPI_UINT64_T, got, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS) {
        free(got);
        return mpi_fail(e, rc, "MPI_Gather");
    }
    if (my_rank != 0) return send_bytes(mine, len, 0, e);
    size_t total = 0;
    for (int k = 0; k < my_size; k++) {
        if (got[k] > SIZE_MAX - total) {
            free(got);
            return gv_fail(e, GV_ENOMEM, "gather: the ranks' data exceed the address space");
        }
        total += (size_t)got[k];
    }
    unsigned char *buf = malloc(total ? total : 1);
    size_t *l = malloc((size_t)my_size * sizeof *l);
    if (!buf || !l) {
        free(buf);
        free(l);
        free(got);
        return gv_fail(e, GV_ENOMEM, "gather: cannot allocate %zu bytes on rank 0", total);
    }
    size_t off = 0;
    gv_status s = GV_OK;
    for (int k = 0; k < my_size && s == GV_OK; k++) {
        l[k] = (size_t)got[k];
        if (k == 0) {
            if (len) memcpy(buf, mine, len);
        } else {
            s = recv_bytes(buf + off, l[k], k, e);
        }
        off += l[k];
    }
    free(got);
    if (s != GV_OK) {
        free(buf);
        free(l);
        return s;
    }
    *all = buf;
    *lens = l;
    return GV_OK;
}

gv_status gv_mpi_bcast_bytes(unsigned char **buf, size_t *len, gv_err *e)
{
    if (!gv_mpi_active()) return GV_OK;
    uint64_t n = my_rank == 0 ? *len : 0;
    int rc = MPI_Bcast(&n, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS) return mpi_fail(e, rc, "MPI_Bcast");
    unsigned char *p = *buf;
    if (my_rank != 0) {
        *buf = NULL;
        *len = 0;
        if (n > SIZE_MAX || !(p = malloc(n ? (size_t)n : 1)))
            return gv_fail(e, GV_ENOMEM, "broadcast: cannot allocate %llu bytes on rank %d",
                           (unsigned long long)n, my_rank);
    }
    for (size_t off = 0; off < (size_t)n; off += PIECE) {
        size_t k = (size_t)n - off < PIECE ? (size_t)n - off : PIECE;
        rc = MPI_Bcast(p + off, (int)k, MPI_BYTE, 0, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) {
            if (my_rank != 0) free(p);
            return mpi_fail(e, rc, "MPI_Bcast");
        }
    }
    if (my_rank != 0) {
        *buf = p;
        *len = (size_t)n;
    }
    return GV_OK;
}

#else /* ---- without MPI: one rank ------------------------------------------ */

gv_status gv_mpi_init(gv_err *e) { return GV_OK; }
void gv_mpi_end(int status) { ended = 1; }
void gv_mpi_abort(int code) { exit(code ? code : 1); }
gv_status gv_mpi_barrier(gv_err *e) { return GV_OK; }
gv_status gv_mpi_allreduce_i64(int64_t *v, size_t n, gv_mpi_op op, gv_err *e) { return GV_OK; }
gv_status gv_mpi_allreduce_f64(double *v, size_t n, gv_mpi_op op, gv_err *e) { return GV_OK; }

gv_status gv_mpi_gather_bytes(const void *mine, size_t len, unsigned char **all, size_t **lens,
                              gv_err *e)
{
    return gather_self(mine, len, all, lens, e);
}

gv_status gv_mpi_bcast_bytes(unsigned char **buf, size_t *len, gv_err *e) { return GV_OK; }

#endif
