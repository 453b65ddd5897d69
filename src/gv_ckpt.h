/* gv_ckpt.h: checkpoints, the container above ensembles and observers (the
 * byte-level tools every glassvm file format shares are gv_bytes.h).
 *
 * A checkpoint is a list of named sections, each the serialised state of one
 * object: an ensemble (the ensemble file format, gv_ensemble_serialize), a
 * two-time or scalar observer (gv_obs_serialize) or an opaque blob (the
 * protocol's phase and parameters, serialised by lua/glass/codec.lua).
 * File layout (little-endian; docs/reliability.md):
 *
 *   0   magic "GVCKPT\0\0" (8 bytes)    8   u32 format version (1)
 *   12  u32 number of sections         16  u64 payload bytes
 *   24  u64 zero (reserved)
 *   32  payload: per section u32 kind, u32 name bytes (1..255), u64 data
 *       bytes, the name (no NUL), the data
 *   then u32 CRC-32 (zlib) of every byte before it.
 *
 * Writing goes to "<path>.tmp" in the same directory, is fsync'd and then
 * renamed over path, so path always holds a complete checkpoint: the old one
 * until the new one is on disk.  With keep_previous the old one also stays
 * as "<path>.prev".  Reading checks, in this order and before trusting any
 * length: magic, version, the payload length against the file size, the CRC,
 * then every section's kind and lengths; each failure says which file and
 * what is wrong. */
#ifndef GV_CKPT_H
#define GV_CKPT_H

#include "gv_bytes.h"
#include "gv_core.h"
#include "gv_hook.h"

struct gv_ensemble;
struct gv_landscape;

/* ---- checkpoints ---------------------------------------------------------- */

#define GV_CKPT_VERSION 1u
#define GV_CKPT_NAME_MAX 255
/* The blob section holding a protocol's state string (glass.checkpoint, glass.mpi). */
#define GV_CKPT_STATE_NAME "state"

typedef enum gv_ckpt_kind {
    GV_CKPT_ENSEMBLE = 1, /* gv_ensemble_serialize */
    GV_CKPT_TWO_TIME = 2, /* gv_obs_serialize of a two-time observer */
    GV_CKPT_SCALAR = 3,   /* gv_obs_serialize of a scalar observer */
    GV_CKPT_BLOB = 4      /* opaque bytes (the protocol's state) */
} gv_ckpt_kind;

const char *gv_ckpt_kind_name(gv_ckpt_kind kind); /* "ensemble", "two-time observer", ... */

typedef struct gv_ckpt gv_ckpt;

/* An empty checkpoint to fill with gv_ckpt_add* and write. */
gv_ckpt *gv_ckpt_alloc(gv_err *e);
void gv_ckpt_free(gv_ckpt *c);

/* Add a section.  take != 0 hands `data` (malloc'd) to the checkpoint,
 * else it is copied.  (kind, name) pairs must be unique; names are 1..255
 * bytes without NUL. */
gv_status gv_ckpt_add(gv_ckpt *c, gv_ckpt_kind kind, const char *name, void *data, size_t len,
                      int take, gv_err *e);
/* Serialise and add an ensemble / an observer (the gv_hook of a two-time or
 * scalar observer). */
gv_status gv_ckpt_add_ensemble(gv_ckpt *c, const char *name, const struct gv_ensemble *ens,
                               gv_err *e);
gv_status gv_ckpt_add_observer(gv_ckpt *c, const char *name, const gv_hook *obs, gv_err *e);

gv_status gv_ckpt_write(const gv_ckpt *c, const char *path, int keep_previous, gv_err *e);

/* Save objects and a state string in one checkpoint at path: the one save
 * both bindings call (glass.checkpoint.save, glass.mpi.checkpoint_save).
 * items: an ensemble (ens) or an observer (obs) each, in section order.
 * Without join (one process): every section as this process holds it; a
 * failure stops at once.  With join (several MPI ranks, collective): each
 * section's bytes go through join, which gathers every rank's and gives the
 * writing rank (writer) the whole; every rank takes part in every join
 * whatever failed before, and only the writer writes.  *local (may be NULL)
 * is set when the failure is this process's own (out of memory while
 * serialising), not one the ranks must agree on. */
typedef struct gv_ckpt_item {
    const char *name;
    const struct gv_ensemble *ens;
    const gv_hook *obs;
} gv_ckpt_item;
typedef gv_status (*gv_ckpt_join)(const unsigned char *mine, size_t len, int is_ensemble,
                                  const char *src, gv_wbuf *out, gv_err *e);
gv_status gv_ckpt_save(const char *path, const gv_ckpt_item *items, size_t n, const void *state,
                       size_t state_len, int keep_previous, gv_ckpt_join join, int writer,
                       int *local, gv_err *e);

/* Read and validate a checkpoint file, or the same bytes from memory (src
 * names them in messages; the bytes are copied). */
gv_ckpt *gv_ckpt_read(const char *path, gv_err *e);
gv_ckpt *gv_ckpt_parse(const void *bytes, size_t len, const char *src, gv_err *e);

/* Where the checkpoint was read from ("" for one being built). */
const char *gv_ckpt_source(const gv_ckpt *c);
size_t gv_ckpt_count(const gv_ckpt *c);
gv_ckpt_kind gv_ckpt_kind_at(const gv_ckpt *c, size_t i);
const char *gv_ckpt_name_at(const gv_ckpt *c, size_t i);
const unsigned char *gv_ckpt_data_at(const gv_ckpt *c, size_t i, size_t *len);
/* Index of the section (kind, name), or -1. */
long gv_ckpt_find(const gv_ckpt *c, gv_ckpt_kind kind, const char *name);

/* Restore a section into an existing object: an ensemble with the same
 * landscape shape, replicas, seed and first replica (gv_ensemble_restore),
 * or an observer with the same configuration, freshly built (mode
 * GV_OBS_FRESH, gv_obs_restore) or one whose measurements are replaced
 * (GV_OBS_REPLACE).  Fails, naming the section and the checkpoint, if it is
 * missing. */
gv_status gv_ckpt_restore_ensemble(const gv_ckpt *c, const char *name, struct gv_ensemble *ens,
                                   gv_err *e);
gv_status gv_ckpt_restore_observer(const gv_ckpt *c, const char *name, gv_hook *obs, gv_err *e);
gv_status gv_ckpt_restore_observer_as(const gv_ckpt *c, const char *name, gv_hook *obs, int mode,
                                      gv_err *e);
/* Restore replicas [first, first + count) of section `name` into ens or (if
 * ens is NULL) the observer obs (mode as above): one rank's block of a
 * checkpoint written by any number of ranks (glass.mpi.checkpoint_restore). */
gv_status gv_ckpt_restore_block(const gv_ckpt *c, const char *name, struct gv_ensemble *ens,
                                gv_hook *obs, size_t first, size_t count, int mode, gv_err *e);

#endif
