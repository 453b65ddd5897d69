/* gv_mpi.h: distributed runs over MPI (optional at build time).
 *
 * The same script runs on every rank (SPMD).  This module is the thin layer
 * between glassvm and MPI: start and stop, rank and size, and the few
 * collectives glassvm needs, all on byte buffers or int64/double arrays so
 * that no other file includes <mpi.h>.  What is sent (serialised ensembles
 * and observer states, encoded Lua values) is decided by the callers
 * (gv_ensemble_concat, gv_obs_concat, src/lgv_mpi.c, lua/glass/mpi.lua).
 *
 * Built without MPI (the default; cmake -DGV_MPI=ON turns it on) every
 * function is the single-rank version: rank 0 of 1, collectives copy.  Built
 * with MPI but started without an MPI launcher (no mpirun/srun environment),
 * MPI is not initialised either and the process is rank 0 of 1; GLASSVM_MPI=1
 * forces initialisation (an MPI singleton), GLASSVM_MPI=0 forbids it.
 *
 * Every collective must be called by every rank, in the same order: a rank
 * that skips one leaves the others waiting.  A failing rank therefore ends
 * the whole job (gv_mpi_end with a non-zero status calls MPI_Abort) rather
 * than leaving the others in their next collective.  MPI errors themselves
 * abort the job (MPI's default handler). */
#ifndef GV_MPI_H
#define GV_MPI_H

#include "gv_core.h"

/* Nonzero if glassvm was built with MPI (GV_MPI). */
int gv_mpi_built(void);

/* Initialise MPI once (MPI_Init_thread asking for MPI_THREAD_FUNNELED: OpenMP
 * threads run inside each rank, only the main thread calls MPI), if built
 * with MPI and started by an MPI launcher (see above).  Later calls do
 * nothing.  Fails if MPI provides less than FUNNELED. */
gv_status gv_mpi_init(gv_err *e);
/* Nonzero once MPI is initialised (and not yet ended) in this process. */
int gv_mpi_active(void);
int gv_mpi_rank(void); /* 0 .. size-1; 0 without MPI */
int gv_mpi_size(void); /* 1 without MPI */
/* Ranks sharing this node (MPI_COMM_TYPE_SHARED); 1 without MPI. */
int gv_mpi_local_size(void);
/* "Open MPI v4.1.4, ..." (MPI_Get_library_version, first line) or "none". */
const char *gv_mpi_library(void);

/* At process exit: MPI_Finalize if status is 0, else MPI_Abort(status) so
 * that the other ranks stop too (with more than one rank).  Does nothing
 * without MPI or after the first call. */
void gv_mpi_end(int status);
/* End the whole job now with this exit code (MPI_Abort; exit() without MPI). */
void gv_mpi_abort(int code);

gv_status gv_mpi_barrier(gv_err *e);

typedef enum gv_mpi_op { GV_MPI_SUM, GV_MPI_MAX, GV_MPI_MIN } gv_mpi_op;
/* In place over all ranks: v[i] = op over ranks of v[i]. */
gv_status gv_mpi_allreduce_i64(int64_t *v, size_t n, gv_mpi_op op, gv_err *e);
gv_status gv_mpi_allreduce_f64(double *v, size_t n, gv_mpi_op op, gv_err *e);

/* Gather len bytes from every rank to rank 0.  On rank 0, *all receives a
 * malloc'd buffer holding rank 0's bytes, then rank 1's, ... and lens[k]
 * (an array of gv_mpi_size() entries, malloc'd into *lens) each rank's
 * length; elsewhere *all and *lens are NULL.  Any length (> 2 GiB too: sent
 * in pieces). */
gv_status gv_mpi_gather_bytes(const void *mine, size_t len, unsigned char **all, size_t **lens,
                              gv_err *e);
/* Rank 0's bytes to every rank: on rank 0, *buf and *len are read; elsewhere
 * they receive a malloc'd copy (free it; *buf may be NULL when len is 0). */
gv_status gv_mpi_bcast_bytes(unsigned char **buf, size_t *len, gv_err *e);

#endif
