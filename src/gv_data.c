/* gv_data.c: dataset allocation, copies, counts, and the file reader the
 * loaders share (plain or gzip through zlib, with bounded growth). */
#define _POSIX_C_SOURCE 200809L /* fstat, open */

#include "gv_data.h"
#include "gv_bytes.h" /* gv_open_regular */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

gv_data *gv_data_alloc(size_t P, size_t d, const char *name, gv_err *e)
{
    size_t n, bytes;
    if (gv_mul_size(P, d, &n) || gv_mul_size(n, sizeof(float), &bytes)) {
        gv_fail(e, GV_ENOMEM, "%s: %zu x %zu dataset is too large", name ? name : "dataset", P, d);
        return NULL;
    }
    gv_data *data = calloc(1, sizeof *data);
    if (!data) goto oom;
    data->P = P;
    data->d = d;
    snprintf(data->name, sizeof data->name, "%s", name ? name : "dataset");
    data->X = calloc(n ? n : 1, sizeof(float));
    data->cls = calloc(P ? P : 1, sizeof(int32_t));
    if (!data->X || !data->cls) goto oom;
    return data;
oom:
    gv_data_free(data);
    gv_fail(e, GV_ENOMEM, "%s: cannot allocate %zu x %zu floats", name ? name : "dataset", P, d);
    return NULL;
}

void gv_data_free(gv_data *data)
{
    if (!data) return;
    free(data->X);
    free(data->cls);
    free(data->y);
    free(data);
}

void gv_data_set_name(gv_data *data, const char *name)
{
    /* snprintf from an overlapping source is undefined: go through a copy. */
    char tmp[sizeof data->name];
    snprintf(tmp, sizeof tmp, "%s", name ? name : "dataset");
    memcpy(data->name, tmp, sizeof tmp);
}

gv_data *gv_data_copy(const gv_data *src, const char *name, gv_err *e)
{
    gv_data *c = gv_data_alloc(src->P, src->d, name ? name : src->name, e);
    if (!c) return NULL;
    memcpy(c->X, src->X, src->P * src->d * sizeof(float));
    memcpy(c->cls, src->cls, src->P * sizeof(int32_t));
    if (src->y) {
        c->y = malloc(src->P ? src->P : 1);
        if (!c->y) {
            gv_data_free(c);
            gv_fail(e, GV_ENOMEM, "%s: cannot allocate labels", src->name);
            return NULL;
        }
        memcpy(c->y, src->y, src->P);
    }
    return c;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

size_t gv_data_classes(const gv_data *data, int32_t *classes, size_t max)
{
    /* Few distinct classes in practice: a sorted small set, grown by
     * insertion, falls back to counting only once it exceeds 1024. */
    enum { CAP = 1024 };
    int32_t set[CAP];
    size_t n = 0;
    for (size_t i = 0; i < data->P; i++) {
        int32_t c = data->cls[i];
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (set[mid] < c) lo = mid + 1; else hi = mid;
        }
        if (lo < n && set[lo] == c) continue;
        if (n == CAP) { /* many classes: sort a copy and count runs */
            int32_t *tmp = malloc(data->P * sizeof *tmp);
            if (!tmp) return n; /* a lower bound; only for messages */
            memcpy(tmp, data->cls, data->P * sizeof *tmp);
            qsort(tmp, data->P, sizeof *tmp, cmp_i32);
            size_t m = 0;
            for (size_t j = 0; j < data->P; j++) {
                if (j > 0 && tmp[j] == tmp[j - 1]) continue;
                if (classes && m < max) classes[m] = tmp[j];
                m++;
            }
            free(tmp);
            return m;
        }
        memmove(set + lo + 1, set + lo, (n - lo) * sizeof *set);
        set[lo] = c;
        n++;
    }
    if (classes) memcpy(classes, set, (n < max ? n : max) * sizeof *set);
    return n;
}

void gv_data_label_counts(const gv_data *data, size_t *pos, size_t *neg)
{
    size_t p = 0, m = 0;
    if (data->y)
        for (size_t i = 0; i < data->P; i++) {
            if (data->y[i] > 0) p++;
            else if (data->y[i] < 0) m++;
        }
    *pos = p;
    *neg = m;
}

/* ---------------------------------------------------------------------------
 * Data files.  zlib's gz* functions read gzip and plain files alike; the
 * on-disk size (fstat) bounds a plain file exactly, and read_all grows its
 * buffer only as decompressed bytes arrive.
 * ------------------------------------------------------------------------- */

struct gv_file {
    gzFile gz;
    int compressed;
    uint64_t disk_size;
    char path[1024];
};

gv_file *gv_file_open(const char *path, gv_err *e)
{
    int fd = gv_open_regular(path, e);
    if (fd < 0) return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        gv_fail(e, GV_EIO, "%s: cannot open (%s)", path, strerror(errno));
        close(fd);
        return NULL;
    }
    gv_file *f = calloc(1, sizeof *f);
    if (!f) {
        close(fd);
        gv_fail(e, GV_ENOMEM, "%s: out of memory", path);
        return NULL;
    }
    snprintf(f->path, sizeof f->path, "%s", path);
    f->disk_size = (uint64_t)st.st_size;
    f->gz = gzdopen(fd, "rb");
    if (!f->gz) {
        close(fd);
        free(f);
        gv_fail(e, GV_EIO, "%s: cannot open (zlib)", path);
        return NULL;
    }
    gzbuffer(f->gz, 1 << 17);
    /* gzdirect looks at the first bytes: 0 means a gzip stream. */
    f->compressed = st.st_size > 0 && !gzdirect(f->gz);
    return f;
}

void gv_file_close(gv_file *f)
{
    if (!f) return;
    gzclose_r(f->gz);
    free(f);
}

int gv_file_compressed(const gv_file *f) { return f->compressed; }
uint64_t gv_file_disk_size(const gv_file *f) { return f->disk_size; }
const char *gv_file_path(const gv_file *f) { return f->path; }

gv_status gv_file_read(gv_file *f, void *buf, size_t n, size_t *got, gv_err *e)
{
    unsigned char *p = buf;
    size_t done = 0;
    *got = 0;
    while (done < n) {
        size_t want = n - done;
        if (want > (1u << 30)) want = 1u << 30; /* gzread takes an int count */
        int r = gzread(f->gz, p + done, (unsigned)want);
        int zerr;
        const char *zmsg = gzerror(f->gz, &zerr);
        if (r < 0 || (zerr != Z_OK && zerr != Z_STREAM_END)) {
            /* zlib prefixes its message with "<fd:N>: " for gzdopen'ed files. */
            if (zmsg && strncmp(zmsg, "<fd:", 4) == 0 && strstr(zmsg, ": "))
                zmsg = strstr(zmsg, ": ") + 2;
            if (zerr == Z_BUF_ERROR)
                return gv_fail(e, GV_EFORMAT,
                               "%s: the gzip stream ends early (truncated file?); "
                               "fetch it again", f->path);
            if (zerr == Z_ERRNO)
                return gv_fail(e, GV_EIO, "%s: read error (%s)", f->path, strerror(errno));
            return gv_fail(e, GV_EFORMAT, "%s: corrupt gzip data (zlib: %s); fetch it again",
                           f->path, zmsg ? zmsg : "?");
        }
        if (r == 0) break; /* end of file */
        done += (size_t)r;
        if (gv_interrupt_pending()) return gv_fail(e, GV_EINTR, "%s: interrupted", f->path);
    }
    *got = done;
    return GV_OK;
}

gv_status gv_file_read_all(gv_file *f, uint64_t max, const char *what, unsigned char **buf,
                           size_t *len, gv_err *e)
{
    *buf = NULL;
    *len = 0;
    if (max > SIZE_MAX - 1) max = SIZE_MAX - 1;
    /* A plain file holds at most its disk size: allocate that (if within
     * max).  A gzip stream starts small and doubles as bytes arrive. */
    size_t cap = f->compressed ? (1u << 20) : (size_t)(f->disk_size + 1);
    if (cap > max + 1) cap = (size_t)max + 1;
    unsigned char *b = malloc(cap ? cap : 1);
    if (!b) return gv_fail(e, GV_ENOMEM, "%s: cannot allocate %zu bytes", f->path, cap);
    size_t n = 0;
    for (;;) {
        size_t got;
        gv_status s = gv_file_read(f, b + n, cap - n, &got, e);
        if (s) { free(b); return s; }
        n += got;
        if (n > max) {
            free(b);
            return gv_fail(e, GV_EFORMAT, "%s: more data than %s (%llu bytes)", f->path, what,
                           (unsigned long long)max);
        }
        if (n < cap) break; /* end of file */
        size_t ncap = cap > (SIZE_MAX - 1) / 2 ? SIZE_MAX - 1 : cap * 2;
        if (ncap > max + 1) ncap = (size_t)max + 1;
        unsigned char *nb = realloc(b, ncap);
        if (!nb) {
            free(b);
            return gv_fail(e, GV_ENOMEM, "%s: cannot allocate %zu bytes", f->path, ncap);
        }
        b = nb;
        cap = ncap;
    }
    *buf = b;
    *len = n;
    return GV_OK;
}
