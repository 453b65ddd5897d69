/* gv_transform.c: transforms fitted on one dataset and applied to any:
 * standardisation, PCA, binarisation; and row selection (subset, split).
 *
 * Fits accumulate in double over the float32 data.  The PCA covariance is
 * summed with dsyrk over chunks of rows converted to double and centred,
 * in a fixed number of row partitions reduced in a fixed order, so the
 * result does not depend on the number of threads. */
#include "gv_data.h"
#include "gv_rng.h"

#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* LAPACK's symmetric eigensolver (MRRR), exported by OpenBLAS.  Declared
 * here rather than through lapacke.h to need no other package; the trailing
 * size_t arguments are the hidden lengths gfortran passes for strings. */
extern void dsyevr_(const char *jobz, const char *range, const char *uplo, const int *n,
                    double *a, const int *lda, const double *vl, const double *vu, const int *il,
                    const int *iu, const double *abstol, int *m, double *w, double *z,
                    const int *ldz, int *isuppz, double *work, const int *lwork, int *iwork,
                    const int *liwork, int *info, size_t ljobz, size_t lrange, size_t luplo);

enum { CHUNK = 256 }; /* rows converted to double at a time (784 features: 1.6 MB) */

/* ---- standardisation --------------------------------------------------- */

gv_scaler *gv_scaler_alloc(size_t d, gv_err *e)
{
    gv_scaler *s = calloc(1, sizeof *s);
    if (s) {
        s->d = d;
        s->mean = calloc(d ? d : 1, sizeof *s->mean);
        s->scale = calloc(d ? d : 1, sizeof *s->scale);
    }
    if (!s || !s->mean || !s->scale) {
        gv_scaler_free(s);
        gv_fail(e, GV_ENOMEM, "standardize: cannot allocate %zu features", d);
        return NULL;
    }
    return s;
}

void gv_scaler_free(gv_scaler *s)
{
    if (!s) return;
    free(s->mean);
    free(s->scale);
    free(s);
}

gv_status gv_scaler_fit(const gv_data *data, gv_scaler **out, gv_err *e)
{
    *out = NULL;
    size_t P = data->P, d = data->d;
    if (P < 1) return gv_fail(e, GV_EINVAL, "standardize: %s has no rows", data->name);
    gv_scaler *s = gv_scaler_alloc(d, e);
    if (!s) return GV_ENOMEM;
    double *var = calloc(d ? d : 1, sizeof *var);
    if (!var) {
        gv_scaler_free(s);
        return gv_fail(e, GV_ENOMEM, "standardize: out of memory");
    }
    /* Two passes (mean, then squared deviations): exact 0 for a constant
     * feature, no cancellation for large means. */
    for (size_t i = 0; i < P; i++) {
        const float *x = data->X + i * d;
        for (size_t j = 0; j < d; j++) s->mean[j] += x[j];
    }
    for (size_t j = 0; j < d; j++) s->mean[j] /= (double)P;
    for (size_t i = 0; i < P; i++) {
        const float *x = data->X + i * d;
        for (size_t j = 0; j < d; j++) {
            double t = x[j] - s->mean[j];
            var[j] += t * t;
        }
    }
    for (size_t j = 0; j < d; j++) {
        var[j] /= (double)P;
        /* Constant up to rounding (sklearn's test): scale 1, so the
         * feature becomes 0 rather than 0/0. */
        double bound = (double)P * DBL_EPSILON * s->mean[j];
        s->scale[j] = var[j] <= bound * bound ? 1.0 : sqrt(var[j]);
        s->nconstant += var[j] <= bound * bound;
    }
    s->P = P;
    free(var);
    *out = s;
    return GV_OK;
}

gv_status gv_scaler_apply(const gv_scaler *s, gv_data *data, gv_err *e)
{
    if (data->d != s->d)
        return gv_fail(e, GV_EDIM, "standardize: fitted on %zu features, %s has %zu", s->d,
                       data->name, data->d);
    size_t d = data->d;
    for (size_t i = 0; i < data->P; i++) {
        float *x = data->X + i * d;
        for (size_t j = 0; j < d; j++) x[j] = (float)((x[j] - s->mean[j]) / s->scale[j]);
    }
    return GV_OK;
}

/* ---- PCA ---------------------------------------------------------------- */

gv_pca *gv_pca_alloc(size_t d, size_t k, gv_err *e)
{
    size_t dk;
    gv_pca *p = gv_mul_size(d, k, &dk) ? NULL : calloc(1, sizeof *p);
    if (p) {
        p->d = d;
        p->k = k;
        p->mean = calloc(d ? d : 1, sizeof *p->mean);
        p->components = calloc(dk ? dk : 1, sizeof *p->components);
        p->variance = calloc(k ? k : 1, sizeof *p->variance);
    }
    if (!p || !p->mean || !p->components || !p->variance) {
        gv_pca_free(p);
        gv_fail(e, GV_ENOMEM, "pca: cannot allocate %zu x %zu components", k, d);
        return NULL;
    }
    return p;
}

void gv_pca_free(gv_pca *p)
{
    if (!p) return;
    free(p->mean);
    free(p->components);
    free(p->variance);
    free(p);
}

/* Rows [r0, r1) of data, centred and in double, into buf (row-major). */
static void centred_rows(const gv_data *data, const double *mean, size_t r0, size_t r1,
                         double *buf)
{
    size_t d = data->d;
    for (size_t i = r0; i < r1; i++) {
        const float *x = data->X + i * d;
        double *b = buf + (i - r0) * d;
        for (size_t j = 0; j < d; j++) b[j] = x[j] - mean[j];
    }
}

/* Upper triangle of Σ (x - mean)(x - mean)^T into cov (d×d, zeroed). */
static gv_status scatter(const gv_data *data, const double *mean, double *cov, gv_err *e)
{
    size_t P = data->P, d = data->d, dd = d * d;
    /* Partitions: as many as fit in 256 MiB of accumulators, at most 8,
     * a function of d alone (never of the thread count). */
    size_t nparts = ((size_t)256 << 20) / (dd * sizeof(double) + 1);
    if (nparts > 8) nparts = 8;
    if (nparts > P / CHUNK) nparts = P / CHUNK;
    if (nparts < 1) nparts = 1;
    double *acc = nparts > 1 ? calloc((nparts - 1) * dd, sizeof *acc) : NULL;
    if (nparts > 1 && !acc) return gv_fail(e, GV_ENOMEM, "pca: out of memory (%zu features)", d);
    int failed = 0;
    int nthreads = gv_threads();
    if ((size_t)nthreads > nparts) nthreads = (int)nparts;
#pragma omp parallel for num_threads(nthreads) schedule(static, 1)
    for (size_t q = 0; q < nparts; q++) {
        gv_worker_enter();
        double *c = q == 0 ? cov : acc + (q - 1) * dd;
        double *buf = malloc(CHUNK * d * sizeof *buf);
        if (!buf) {
#pragma omp atomic write
            failed = 1;
            continue;
        }
        size_t r0 = P * q / nparts, r1 = P * (q + 1) / nparts;
        for (size_t r = r0; r < r1; r += CHUNK) {
            int stop;
#pragma omp atomic read
            stop = failed;
            if (stop) break;
            if (gv_interrupt_pending()) {
#pragma omp atomic write
                failed = 2;
                break;
            }
            size_t n = r1 - r < CHUNK ? r1 - r : CHUNK;
            centred_rows(data, mean, r, r + n, buf);
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)n, 1.0, buf, (int)d,
                        1.0, c, (int)d);
        }
        free(buf);
    }
    for (size_t q = 1; q < nparts && !failed; q++) {
        const double *c = acc + (q - 1) * dd;
        for (size_t i = 0; i < dd; i++) cov[i] += c[i];
    }
    free(acc);
    if (failed == 2) return gv_fail(e, GV_EINTR, "pca: interrupted");
    if (failed) return gv_fail(e, GV_ENOMEM, "pca: out of memory (%zu features)", d);
    return GV_OK;
}

gv_status gv_pca_fit(const gv_data *data, size_t k, gv_pca **out, gv_err *e)
{
    *out = NULL;
    size_t P = data->P, d = data->d;
    if (k < 1 || k > d)
        return gv_fail(e, GV_EINVAL,
                       "pca: k = %zu components requested, but %s has d = %zu features "
                       "(k must be 1..%zu)", k, data->name, d, d);
    if (P < 2) return gv_fail(e, GV_EINVAL, "pca: %s has %zu row(s); need at least 2", data->name, P);
    if (d > 46340) return gv_fail(e, GV_EINVAL, "pca: %zu features is too many for a dense covariance", d);
    gv_pca *p = gv_pca_alloc(d, k, e);
    if (!p) return GV_ENOMEM;
    p->P = P;
    double *cov = calloc(d * d, sizeof *cov), *w = malloc(d * sizeof *w);
    double *z = malloc(d * k * sizeof *z), *work = NULL;
    int *isuppz = malloc(2 * k * sizeof *isuppz), *iwork = NULL;
    gv_status s = GV_OK;
    if (!cov || !w || !z || !isuppz) { s = gv_fail(e, GV_ENOMEM, "pca: out of memory"); goto done; }

    for (size_t i = 0; i < P; i++) {
        const float *x = data->X + i * d;
        for (size_t j = 0; j < d; j++) p->mean[j] += x[j];
    }
    for (size_t j = 0; j < d; j++) p->mean[j] /= (double)P;
    if ((s = scatter(data, p->mean, cov, e))) goto done;
    /* Sample covariance (divisor P - 1, as sklearn's explained_variance_). */
    double norm = 1.0 / (double)(P - 1);
    for (size_t i = 0; i < d * d; i++) cov[i] *= norm;
    p->total = 0;
    for (size_t j = 0; j < d; j++) p->total += cov[j * d + j];

    /* The upper triangle in row-major order is the lower one for Fortran. */
    int n = (int)d, lda = (int)d, il = (int)(d - k + 1), iu = (int)d, m = 0, info = 0;
    int lwork = -1, liwork = -1, iwq;
    double vl = 0, vu = 0, abstol = 0, wq;
    dsyevr_("V", "I", "L", &n, cov, &lda, &vl, &vu, &il, &iu, &abstol, &m, w, z, &lda, isuppz,
            &wq, &lwork, &iwq, &liwork, &info, 1, 1, 1);
    if (info != 0) { s = gv_fail(e, GV_EINVAL, "pca: dsyevr workspace query failed (info %d)", info); goto done; }
    lwork = (int)wq;
    liwork = iwq;
    work = malloc((size_t)lwork * sizeof *work);
    iwork = malloc((size_t)liwork * sizeof *iwork);
    if (!work || !iwork) { s = gv_fail(e, GV_ENOMEM, "pca: out of memory"); goto done; }
    dsyevr_("V", "I", "L", &n, cov, &lda, &vl, &vu, &il, &iu, &abstol, &m, w, z, &lda, isuppz,
            work, &lwork, iwork, &liwork, &info, 1, 1, 1);
    if (info != 0 || m != (int)k) {
        s = gv_fail(e, GV_EINVAL, "pca: the eigensolver dsyevr failed on %s (info %d, %d of %zu "
                    "eigenvalues)", data->name, info, m, k);
        goto done;
    }
    /* dsyevr returns ascending eigenvalues, column j of z (column-major,
     * leading dimension d) for w[j]: reverse into decreasing order. */
    for (size_t c = 0; c < k; c++) {
        size_t col = k - 1 - c;
        const double *v = z + col * d;
        double *row = p->components + c * d;
        size_t jmax = 0;
        for (size_t j = 0; j < d; j++)
            if (fabs(v[j]) > fabs(v[jmax])) jmax = j;
        double sign = v[jmax] < 0 ? -1.0 : 1.0; /* largest entry positive */
        for (size_t j = 0; j < d; j++) row[j] = sign * v[j];
        p->variance[c] = w[col];
    }
done:
    free(cov);
    free(w);
    free(z);
    free(work);
    free(isuppz);
    free(iwork);
    if (s) {
        gv_pca_free(p);
        return s;
    }
    *out = p;
    return GV_OK;
}

gv_status gv_pca_apply(const gv_pca *p, gv_data *data, gv_err *e)
{
    if (data->d != p->d)
        return gv_fail(e, GV_EDIM, "pca: fitted on %zu features, %s has %zu", p->d, data->name,
                       data->d);
    size_t P = data->P, d = p->d, k = p->k, bytes;
    if (gv_mul_size(P ? P : 1, k * sizeof(float), &bytes))
        return gv_fail(e, GV_ENOMEM, "pca: %s is too large", data->name);
    float *Z = malloc(bytes);
    double *buf = malloc(CHUNK * d * sizeof *buf), *out = malloc(CHUNK * k * sizeof *out);
    if (!Z || !buf || !out) {
        free(Z);
        free(buf);
        free(out);
        return gv_fail(e, GV_ENOMEM, "pca: cannot allocate %zu x %zu projections", P, k);
    }
    for (size_t r = 0; r < P; r += CHUNK) {
        size_t n = P - r < CHUNK ? P - r : CHUNK;
        centred_rows(data, p->mean, r, r + n, buf);
        /* out (n×k) = buf (n×d) · components^T (d×k) */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)k, (int)d, 1.0, buf,
                    (int)d, p->components, (int)d, 0.0, out, (int)k);
        for (size_t i = 0; i < n * k; i++) Z[r * k + i] = (float)out[i];
    }
    free(buf);
    free(out);
    free(data->X);
    data->X = Z;
    data->d = k;
    return GV_OK;
}

/* ---- binarisation ------------------------------------------------------- */

static gv_status ensure_labels(gv_data *data, gv_err *e)
{
    if (!data->y && !(data->y = malloc(data->P ? data->P : 1)))
        return gv_fail(e, GV_ENOMEM, "binarize: cannot allocate labels for %s", data->name);
    return GV_OK;
}

gv_status gv_data_binarize_parity(gv_data *data, gv_err *e)
{
    gv_status s = ensure_labels(data, e);
    if (s) return s;
    for (size_t i = 0; i < data->P; i++) data->y[i] = data->cls[i] % 2 == 0 ? 1 : -1;
    return GV_OK;
}

gv_status gv_data_binarize(gv_data *data, const int32_t *positive, size_t npos, gv_err *e)
{
    if (npos == 0)
        return gv_fail(e, GV_EINVAL, "binarize: no classes given to map to +1");
    /* A listed class absent from the data is almost surely a typo. */
    for (size_t c = 0; c < npos; c++) {
        size_t i = 0;
        while (i < data->P && data->cls[i] != positive[c]) i++;
        if (i == data->P)
            return gv_fail(e, GV_EINVAL, "binarize: class %ld (listed for +1) does not occur in %s",
                           (long)positive[c], data->name);
    }
    gv_status s = ensure_labels(data, e);
    if (s) return s;
    for (size_t i = 0; i < data->P; i++) {
        int8_t y = -1;
        for (size_t c = 0; c < npos; c++)
            if (data->cls[i] == positive[c]) { y = 1; break; }
        data->y[i] = y;
    }
    return GV_OK;
}

/* ---- row selection ------------------------------------------------------ */

gv_status gv_data_rows(const gv_data *src, const size_t *rows, size_t n, const char *name,
                       gv_data **out, gv_err *e)
{
    *out = NULL;
    for (size_t i = 0; i < n; i++)
        if (rows[i] >= src->P)
            return gv_fail(e, GV_EINVAL, "%s: row %zu out of range (the dataset has %zu rows)",
                           src->name, rows[i] + 1, src->P);
    gv_data *t = gv_data_alloc(n, src->d, name ? name : src->name, e);
    if (!t) return GV_ENOMEM;
    if (src->y && !(t->y = malloc(n ? n : 1))) {
        gv_data_free(t);
        return gv_fail(e, GV_ENOMEM, "%s: cannot allocate labels", src->name);
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(t->X + i * src->d, src->X + rows[i] * src->d, src->d * sizeof(float));
        t->cls[i] = src->cls[rows[i]];
        if (src->y) t->y[i] = src->y[rows[i]];
    }
    *out = t;
    return GV_OK;
}

/* Mark the first n entries of the data permutation of src's rows. */
static gv_status pick(const gv_data *src, size_t n, uint64_t seed, unsigned char **mark,
                      gv_err *e)
{
    *mark = NULL;
    if (src->P >= UINT32_MAX)
        return gv_fail(e, GV_EINVAL, "%s: too many rows to shuffle (%zu)", src->name, src->P);
    uint32_t *perm = malloc(src->P * sizeof *perm);
    unsigned char *m = calloc(src->P, 1);
    if (!perm || !m) {
        free(perm);
        free(m);
        return gv_fail(e, GV_ENOMEM, "%s: out of memory", src->name);
    }
    gv_rng_permutation(seed, 0, GV_RNG_DATA, 0, src->P, perm);
    for (size_t i = 0; i < n; i++) m[perm[i]] = 1;
    free(perm);
    *mark = m;
    return GV_OK;
}

/* The rows whose mark equals want, in order, as a new dataset. */
static gv_status gather(const gv_data *src, const unsigned char *mark, int want, size_t n,
                        const char *name, gv_data **out, gv_err *e)
{
    size_t *rows = malloc((n ? n : 1) * sizeof *rows), m = 0;
    if (!rows) return gv_fail(e, GV_ENOMEM, "%s: out of memory", src->name);
    for (size_t i = 0; i < src->P; i++)
        if (mark[i] == want) rows[m++] = i;
    gv_status s = gv_data_rows(src, rows, m, name, out, e);
    free(rows);
    return s;
}

gv_status gv_data_subset(const gv_data *src, size_t n, uint64_t seed, gv_data **out, gv_err *e)
{
    *out = NULL;
    if (n < 1 || n > src->P)
        return gv_fail(e, GV_EINVAL, "subset: n = %zu rows requested from %s, which has %zu",
                       n, src->name, src->P);
    unsigned char *mark;
    gv_status s = pick(src, n, seed, &mark, e);
    if (s) return s;
    s = gather(src, mark, 1, n, src->name, out, e);
    free(mark);
    return s;
}

gv_status gv_data_split(const gv_data *src, size_t ntest, uint64_t seed, gv_data **train,
                        gv_data **test, gv_err *e)
{
    *train = *test = NULL;
    if (ntest < 1 || ntest >= src->P)
        return gv_fail(e, GV_EINVAL,
                       "split: %zu test rows from %s, which has %zu (need 1..%zu)", ntest,
                       src->name, src->P, src->P > 1 ? src->P - 1 : 0);
    unsigned char *mark;
    gv_status s = pick(src, ntest, seed, &mark, e);
    if (s) return s;
    if (!(s = gather(src, mark, 0, src->P - ntest, src->name, train, e)))
        if ((s = gather(src, mark, 1, ntest, src->name, test, e))) {
            gv_data_free(*train);
            *train = NULL;
        }
    free(mark);
    return s;
}
