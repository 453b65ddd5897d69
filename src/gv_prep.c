/* gv_prep.c: the paper's preprocessing of MNIST-like IDX data (or CIFAR-10
 * batches, its appendix's second dataset) in one call
 * (arXiv:2405.13098, Sec. II; the authors' code, mkerrwinter/
 * glass_net_publication): load the train set (and the test set), draw P
 * train rows if asked, standardise (z-score) the train set, fit PCA to k
 * components on it (not whitened), project, and binarise.  The test set is
 * standardised with its own statistics, as the authors' code does
 * (test_train_stats: with the train statistics instead), then projected
 * with the train PCA.  Everything here is a composition of the loaders and
 * transforms of gv_data.h, in a fixed order, so the result is the same bits
 * on any machine and thread count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gv_data.h"

void gv_prep_release(gv_prep *p)
{
    gv_data_free(p->train);
    gv_data_free(p->test);
    if (p->test_scaler != p->scaler) gv_scaler_free(p->test_scaler);
    gv_scaler_free(p->scaler);
    gv_pca_free(p->pca);
    memset(p, 0, sizeof *p);
}

/* What to do about corrupt labels: glassvm fetches MNIST-like IDX files,
 * not CIFAR-10. */
static const char *refetch(const gv_prep_opts *o)
{
    return o->cifar[0] ? "corrupt batches; download and unpack CIFAR-10's binary version "
                         "again (docs/datasets.md)"
                       : "a corrupt labels file; fetch it again: bash data/fetch.sh (or "
                         "./run.sh data) in the source tree checks the files against the "
                         "checksums of data/README.md and puts them in its data/ (copy them "
                         "from there into a directory of your own)";
}

/* The IDX loader takes any integer classes (a user's own files); the data
 * sets prepared here all have the classes 0 to GV_PREP_NCLASSES - 1.  A
 * labels file with a valid header and other values is corrupt (CIFAR-10's
 * loader refuses such a class byte itself). */
static gv_status check_classes(const gv_prep_opts *o, const gv_data *d, const char *file,
                               gv_err *e)
{
    size_t bad = 0, first = 0;
    for (size_t i = d->P; i-- > 0;)
        if (d->cls[i] < 0 || d->cls[i] >= GV_PREP_NCLASSES) bad++, first = i;
    if (bad == 0) return GV_OK;
    return gv_fail(e, GV_EFORMAT,
                   "%s: row %zu has class %ld, but %s's classes are 0-%d (rows outside them: "
                   "%zu of %zu): %s",
                   file, first + 1, (long)d->cls[first], o->title, GV_PREP_NCLASSES - 1, bad,
                   d->P, refetch(o));
}

/* CIFAR-10's batches all hold the same number of rows (10000 in the official
 * set): one with fewer was cut short, at a row boundary, where the length
 * check of each file cannot see it (o->equal_batches). */
static gv_status check_batches(const gv_prep_opts *o, int test, const size_t *rows, gv_err *e)
{
    const char *const *paths = o->cifar[test];
    for (size_t i = 1; i < o->ncifar[test]; i++)
        if (rows[i] != rows[0]) {
            size_t s = rows[i] < rows[0] ? i : 0, l = s ? 0 : i;
            return gv_fail(e, GV_EFORMAT,
                           "%s: %zu rows, but %s has %zu: CIFAR-10's batches all hold the same "
                           "number (10000 in the official set), so this one was cut short; %s",
                           paths[s], rows[s], paths[l], rows[l], refetch(o));
        }
    return GV_OK;
}

/* Load one part, named "<title> <part>". */
static gv_status load(const gv_prep_opts *o, int test, gv_data **out, gv_err *e)
{
    gv_status s;
    if (o->cifar[0]) {
        size_t n = o->ncifar[test], *rows = malloc(n * sizeof *rows);
        if (!rows) return gv_fail(e, GV_ENOMEM, "%s: out of memory", o->title);
        s = gv_cifar_load_rows(o->cifar[test], n, rows, out, e);
        if (!s && o->equal_batches && (s = check_batches(o, test, rows, e))) {
            gv_data_free(*out);
            *out = NULL;
        }
        free(rows);
    } else {
        s = gv_idx_load(o->images[test], o->labels[test], out, e);
    }
    if (s) return s;
    if (!o->cifar[0] && (s = check_classes(o, *out, o->labels[test], e))) return s;
    char name[sizeof((*out)->name)];
    snprintf(name, sizeof name, "%s %s", o->title, test ? "test" : "train");
    gv_data_set_name(*out, name);
    return GV_OK;
}

static gv_status binarize(const gv_prep_opts *o, gv_data *d, gv_err *e)
{
    if (o->binarize == GV_PREP_PARITY) return gv_data_binarize_parity(d, e);
    if (o->binarize == GV_PREP_CLASSES) return gv_data_binarize(d, o->positive, o->npositive, e);
    return GV_OK;
}

/* A training set whose labels are all +1 (or all -1) has no hinge task to
 * learn: refuse it, saying why it happened.  full_classes: the number of
 * distinct classes of the whole train set, before a subset was drawn. */
static gv_status check_both_labels(const gv_prep_opts *o, const gv_data *d, int subset,
                                   size_t full_classes, gv_err *e)
{
    size_t pos, neg;
    gv_data_label_counts(d, &pos, &neg);
    if (pos > 0 && neg > 0) return GV_OK;
    int32_t cls;
    size_t ncls = gv_data_classes(d, &cls, 1);
    char what[64];
    if (ncls == 1) snprintf(what, sizeof what, "every row has class %ld", (long)cls);
    else snprintf(what, sizeof what, "%zu classes", ncls);
    const char *todo = full_classes == 1 ? refetch(o)
                     : o->binarize == GV_PREP_CLASSES && pos && o->npositive >= full_classes
                         ? "list classes for +1 that leave some for -1"
                     : subset ? "draw more rows (a larger P) or another seed"
                              : refetch(o);
    return gv_fail(e, GV_EINVAL,
                   "%s set: all %zu rows are labelled %s (%s), so there is nothing to learn; %s",
                   d->name, d->P, pos ? "+1" : "-1", what, todo);
}

static gv_status run(const gv_prep_opts *o, gv_prep *p, gv_err *e)
{
    if (load(o, 0, &p->train, e)) return e->status;
    if (o->P > p->train->P)
        return gv_fail(e, GV_EINVAL, "P = %zu rows requested, the %s train set has %zu", o->P,
                       o->title, p->train->P);
    size_t full_classes = gv_data_classes(p->train, NULL, 0);
    int subset = o->P > 0 && o->P < p->train->P;
    if (subset) {
        gv_data *sub;
        if (gv_data_subset(p->train, o->P, o->seed, &sub, e)) return e->status;
        gv_data_set_name(sub, p->train->name);
        gv_data_free(p->train); /* the full set goes at once: it is the large one */
        p->train = sub;
    }
    int want_test = o->cifar[0] ? o->cifar[1] != NULL : o->images[1] != NULL;
    if (want_test && load(o, 1, &p->test, e)) return e->status;
    p->d0 = p->train->d;
    if (o->standardize) {
        if (gv_scaler_fit(p->train, &p->scaler, e) || gv_scaler_apply(p->scaler, p->train, e))
            return e->status;
        if (p->test) {
            if (o->test_train_stats) p->test_scaler = p->scaler;
            else if (gv_scaler_fit(p->test, &p->test_scaler, e)) return e->status;
            if (gv_scaler_apply(p->test_scaler, p->test, e)) return e->status;
        }
    }
    if (o->k > 0) {
        if (o->k > p->train->d)
            return gv_fail(e, GV_EINVAL, "k = %zu components requested, but %s images have d = "
                           "%zu pixels", o->k, o->title, p->train->d);
        if (gv_pca_fit(p->train, o->k, &p->pca, e) || gv_pca_apply(p->pca, p->train, e) ||
            (p->test && gv_pca_apply(p->pca, p->test, e)))
            return e->status;
    }
    if (binarize(o, p->train, e) ||
        (o->binarize && check_both_labels(o, p->train, subset, full_classes, e)) ||
        (p->test && binarize(o, p->test, e)))
        return e->status;
    return GV_OK;
}

gv_status gv_prep_run(const gv_prep_opts *o, gv_prep *out, gv_err *e)
{
    memset(out, 0, sizeof *out);
    if (run(o, out, e) == GV_OK) return GV_OK;
    gv_prep_release(out);
    return e->status;
}
