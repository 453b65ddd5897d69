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

/* Load one part, named "<title> <part>". */
static gv_status load(const gv_prep_opts *o, int test, gv_data **out, gv_err *e)
{
    gv_status s = o->cifar[0] ? gv_cifar_load(o->cifar[test], o->ncifar[test], out, e)
                              : gv_idx_load(o->images[test], o->labels[test], out, e);
    if (s) return s;
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

static gv_status run(const gv_prep_opts *o, gv_prep *p, gv_err *e)
{
    if (load(o, 0, &p->train, e)) return e->status;
    if (o->P > p->train->P)
        return gv_fail(e, GV_EINVAL, "P = %zu rows requested, the %s train set has %zu", o->P,
                       o->title, p->train->P);
    if (o->P > 0 && o->P < p->train->P) {
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
    if (binarize(o, p->train, e) || (p->test && binarize(o, p->test, e))) return e->status;
    return GV_OK;
}

gv_status gv_prep_run(const gv_prep_opts *o, gv_prep *out, gv_err *e)
{
    memset(out, 0, sizeof *out);
    if (run(o, out, e) == GV_OK) return GV_OK;
    gv_prep_release(out);
    return e->status;
}
