/* gv_data.h: datasets (P rows of d float32 features, a class and a ±1 label
 * per row), their loaders and the transforms fitted on a training set.
 *
 * Loaders (gv_idx.c, gv_csv.c, gv_cifar.c) check every size against what the
 * file really holds before trusting a header: a plain file's length is known
 * from stat(); a gzip stream is decompressed incrementally into a buffer that
 * grows only as real bytes arrive, so a header promising 10^12 rows costs
 * nothing before it is found to lie.  Transforms (gv_transform.c) modify a
 * dataset in place and return their fitted parameters, so that the same
 * transform can be applied to a test set. */
#ifndef GV_DATA_H
#define GV_DATA_H

#include "gv_core.h"

typedef struct gv_data {
    size_t P;        /* rows (samples) */
    size_t d;        /* features per row */
    float *X;        /* P*d, row-major */
    int32_t *cls;    /* original class of each row (e.g. digit 0-9) */
    int8_t *y;       /* ±1 labels; NULL until the dataset is binarised */
    char name[256];  /* where it came from, for messages and __tostring */
} gv_data;

/* Allocate a P×d dataset (X and cls zeroed, y NULL).  Refuses sizes whose
 * byte count overflows.  gv_data_free(NULL) is a no-op. */
gv_data *gv_data_alloc(size_t P, size_t d, const char *name, gv_err *e);
void gv_data_free(gv_data *data);

/* A deep copy (labels included) named `name` (NULL keeps the name). */
gv_data *gv_data_copy(const gv_data *src, const char *name, gv_err *e);
void gv_data_set_name(gv_data *data, const char *name);

/* Counts: distinct classes (sorted ascending into classes[0..n-1] when
 * classes is not NULL; at most max are written), and ±1 labels. */
size_t gv_data_classes(const gv_data *data, int32_t *classes, size_t max);
void gv_data_label_counts(const gv_data *data, size_t *pos, size_t *neg);

/* ---- loaders ------------------------------------------------------------ */

/* IDX (the MNIST format), plain or gzip: images as P×d (d = the product of
 * all dimensions after the first; every element type of the format is
 * accepted and converted to float, so pixel values stay 0..255) and labels
 * as a one-dimensional integer IDX file with P entries. */
gv_status gv_idx_load(const char *images, const char *labels, gv_data **out, gv_err *e);

/* One IDX file as an array of doubles (for tests and small files). */
#define GV_IDX_MAXDIM 8
typedef struct gv_idx {
    int type;                      /* 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64 */
    int ndim;
    size_t dims[GV_IDX_MAXDIM];
    size_t count;                  /* product of dims */
    double *v;                     /* count values, in file order */
} gv_idx;
gv_status gv_idx_read(const char *path, gv_idx *out, gv_err *e);
void gv_idx_release(gv_idx *idx); /* frees idx->v; safe on a zeroed gv_idx */

/* CSV through libcsv (plain or gzip), e.g. the Kaggle MNIST layout: one row
 * per sample, the class in column label_column (1-based; -1 = the last
 * column), every other column a feature.  A first row with a field that is
 * not a number is taken as a header.  Classes must be integers. */
gv_status gv_csv_load(const char *path, int label_column, gv_data **out, gv_err *e);

/* CIFAR-10 binary batches: rows of 1 class byte (0-9) + 3072 pixel bytes
 * (1024 red, 1024 green, 1024 blue, each 32×32 row-major).  Several batches
 * are concatenated in the given order. */
#define GV_CIFAR_ROW 3073
gv_status gv_cifar_load(const char *const *paths, size_t npaths, gv_data **out, gv_err *e);
/* The same, with each batch's row count in rows[0..npaths) (rows may be NULL). */
gv_status gv_cifar_load_rows(const char *const *paths, size_t npaths, size_t *rows,
                             gv_data **out, gv_err *e);

/* ---- transforms (gv_transform.c) ----------------------------------------- */

/* Per-feature standardisation x -> (x - mean) / scale, scale the population
 * standard deviation (ddof 0), or 1 for a constant feature (as sklearn's
 * StandardScaler).  Statistics are accumulated in double. */
typedef struct gv_scaler {
    size_t d;
    double *mean;  /* d */
    double *scale; /* d */
    size_t nconstant; /* features found constant (scale 1) */
    size_t P;         /* rows it was fitted on */
} gv_scaler;
gv_status gv_scaler_fit(const gv_data *data, gv_scaler **out, gv_err *e);
gv_status gv_scaler_apply(const gv_scaler *s, gv_data *data, gv_err *e); /* in place */
gv_scaler *gv_scaler_alloc(size_t d, gv_err *e);
void gv_scaler_free(gv_scaler *s);

/* PCA to k components: the covariance (1/(P-1)) Σ (x - mean)(x - mean)^T is
 * accumulated in double (dsyrk over row chunks), then the k largest
 * eigenpairs come from LAPACK's dsyevr.  Components are sorted by decreasing
 * variance; each is signed so that its entry of largest magnitude (the first
 * such entry on a tie) is positive.  Not whitened: a projected row is
 * z_c = components[c] · (x - mean). */
typedef struct gv_pca {
    size_t d, k;
    double *mean;       /* d */
    double *components; /* k×d, row-major, orthonormal rows */
    double *variance;   /* k eigenvalues (explained variance), decreasing */
    double total;       /* total variance (trace of the covariance) */
    size_t P;           /* rows it was fitted on */
} gv_pca;
gv_status gv_pca_fit(const gv_data *data, size_t k, gv_pca **out, gv_err *e);
gv_status gv_pca_apply(const gv_pca *p, gv_data *data, gv_err *e); /* in place: d -> k */
gv_pca *gv_pca_alloc(size_t d, size_t k, gv_err *e);
void gv_pca_free(gv_pca *p);

/* Binarisation: y = +1 for an even class, -1 for an odd one ... */
gv_status gv_data_binarize_parity(gv_data *data, gv_err *e);
/* ... or +1 for a class in positive[0..npos-1], -1 otherwise. */
gv_status gv_data_binarize(gv_data *data, const int32_t *positive, size_t npos, gv_err *e);

/* A new dataset holding rows rows[0..n-1] (0-based, any order, repeats
 * allowed) of src, labels included. */
gv_status gv_data_rows(const gv_data *src, const size_t *rows, size_t n, const char *name,
                       gv_data **out, gv_err *e);
/* n rows drawn without replacement: the first n entries of the permutation
 * gv_rng_permutation(seed, 0, GV_RNG_DATA, 0, P), kept in their original
 * order. */
gv_status gv_data_subset(const gv_data *src, size_t n, uint64_t seed, gv_data **out, gv_err *e);
/* Split into a test set of ntest rows (the first ntest entries of the same
 * permutation) and a train set of the other P - ntest, both in original
 * order.  So the test set of split(seed, n) equals subset(seed, n). */
gv_status gv_data_split(const gv_data *src, size_t ntest, uint64_t seed, gv_data **train,
                        gv_data **test, gv_err *e);

/* ---- the paper's preprocessing (gv_prep.c) ------------------------------- */

/* MNIST-like IDX data (or CIFAR-10 batches) prepared as in the paper's code:
 * load train (and test), keep P random train rows (gv_data_subset with seed; 0 = all),
 * z-score train with its statistics and test with its own (or, with
 * test_train_stats, the train ones), fit PCA to k components on train and
 * project both (k = 0: no PCA), then binarise both.  Sets are named
 * "<title> train" and "<title> test"; messages name title.  Refused: a class
 * outside 0..GV_PREP_NCLASSES-1 (the paper's data sets all have ten; the
 * message names the labels file, the first bad row and its class), and a
 * binarised train set whose labels are all +1 or all -1. */
#define GV_PREP_NCLASSES 10
enum { GV_PREP_NONE = 0, GV_PREP_PARITY = 1, GV_PREP_CLASSES = 2 };
typedef struct gv_prep_opts {
    const char *images[2], *labels[2]; /* train, test IDX files; images[1] NULL: no test set */
    const char *const *cifar[2];       /* or CIFAR-10 batches (cifar[0] set): train's ncifar[0] */
    size_t ncifar[2];                  /* files, test's ncifar[1]; cifar[1] NULL: no test set */
    int equal_batches;                 /* refuse a train batch of another row count than the
                                        * others (CIFAR-10's official ones: 10000 each) */
    const char *title;                 /* "MNIST" */
    size_t P;
    uint64_t seed;
    int standardize, test_train_stats;
    size_t k;
    int binarize;                      /* GV_PREP_*; CLASSES: +1 for positive[0..npositive-1] */
    const int32_t *positive;
    size_t npositive;
} gv_prep_opts;
typedef struct gv_prep {
    gv_data *train, *test; /* test NULL without a test set */
    gv_scaler *scaler;     /* fitted on train; NULL without standardisation */
    gv_scaler *test_scaler; /* what standardised test: its own fit, or == scaler */
    gv_pca *pca;           /* NULL when k = 0 */
    size_t d0;             /* features before the PCA */
} gv_prep;
/* On failure nothing is left in out (all NULL) and e says why. */
gv_status gv_prep_run(const gv_prep_opts *o, gv_prep *out, gv_err *e);
/* Free what out still holds (a caller takes objects by setting them NULL). */
void gv_prep_release(gv_prep *out);

/* ---- file reading shared by the loaders (gv_data.c) ---------------------- */

/* Files are opened with gv_open_regular (gv_bytes.h): a FIFO or a
 * directory is refused, never waited on. */

/* An open data file, plain or gzip (zlib detects which). */
typedef struct gv_file gv_file;
gv_file *gv_file_open(const char *path, gv_err *e);
void gv_file_close(gv_file *f);
/* 1 if the file is gzip-compressed; its on-disk size in bytes. */
int gv_file_compressed(const gv_file *f);
uint64_t gv_file_disk_size(const gv_file *f);
/* Read up to n bytes; *got receives the count (short only at end of file).
 * A zlib error (corrupt or truncated gzip) is an EFORMAT failure. */
gv_status gv_file_read(gv_file *f, void *buf, size_t n, size_t *got, gv_err *e);
/* Read everything that is left, growing the buffer as bytes arrive, but
 * never more than max bytes: more data than that is an EFORMAT failure
 * (`what` names the limit in the message).  *buf is malloc'ed. */
gv_status gv_file_read_all(gv_file *f, uint64_t max, const char *what, unsigned char **buf,
                           size_t *len, gv_err *e);
const char *gv_file_path(const gv_file *f);

/* Upper bound on the decompressed size of a gzip file with no header to say
 * how long it is (CIFAR, CSV): 8 GiB. */
#define GV_DATA_MAX_BYTES ((uint64_t)8 << 30)

#endif
