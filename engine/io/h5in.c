/* h5in.c — the read-only side of --resume: attributes and per-replicate figures of a .partial. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/metrics.h"
#include "h5in.h"

struct h5in {
    hid_t file;
    char path[4096];
};

struct h5in *h5in_open(const char *path, char *err, size_t errlen) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (H5Fis_hdf5(path) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        snprintf(err, errlen, "%s is not a readable HDF5 file", path);
        return NULL;
    }
    struct h5in *in = calloc(1, sizeof *in);
    if (!in) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(in->path, sizeof in->path, "%s", path);
    /* Strong close: the writer reopens the same file right after, read-write. */
    hid_t access = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fclose_degree(access, H5F_CLOSE_STRONG);
    in->file = H5Fopen(path, H5F_ACC_RDONLY, access);
    H5Pclose(access);
    if (in->file < 0) {
        H5Eclear2(H5E_DEFAULT);
        snprintf(err, errlen, "cannot open %s for reading", path);
        free(in);
        return NULL;
    }
    return in;
}

void h5in_close(struct h5in *in) {
    if (!in) return;
    H5Fclose(in->file);
    free(in);
}

int h5in_attr_string(struct h5in *in, const char *object, const char *name, char *value,
                     size_t size, char *err, size_t errlen) {
    hid_t id = H5Oopen(in->file, object, H5P_DEFAULT);
    if (id < 0) {
        H5Eclear2(H5E_DEFAULT);
        snprintf(err, errlen, "%s has no %s", in->path, object);
        return -1;
    }
    if (H5Aexists(id, name) <= 0) {
        H5Oclose(id);
        return 1;
    }
    hid_t attr = H5Aopen(id, name, H5P_DEFAULT);
    hid_t type = attr >= 0 ? H5Aget_type(attr) : H5I_INVALID_HID;
    int status = -1;
    if (type >= 0 && H5Tget_class(type) == H5T_STRING) {
        if (H5Tis_variable_str(type) > 0) {
            char *text = NULL;
            if (H5Aread(attr, type, &text) >= 0 && text) {
                snprintf(value, size, "%s", text);
                status = 0;
            }
            H5free_memory(text);
        } else {
            size_t length = H5Tget_size(type);
            char *text = calloc(length + 1, 1);
            if (text && H5Aread(attr, type, text) >= 0) {
                snprintf(value, size, "%s", text);
                status = 0;
            }
            free(text);
        }
    }
    if (type >= 0) H5Tclose(type);
    if (attr >= 0) H5Aclose(attr);
    H5Oclose(id);
    if (status) {
        H5Eclear2(H5E_DEFAULT);
        snprintf(err, errlen, "cannot read attribute %s of %s in %s", name, object, in->path);
    }
    return status;
}

int h5in_attr_u64(struct h5in *in, const char *object, const char *name, unsigned long long *value,
                  char *err, size_t errlen) {
    hid_t id = H5Oopen(in->file, object, H5P_DEFAULT);
    if (id < 0) {
        H5Eclear2(H5E_DEFAULT);
        snprintf(err, errlen, "%s has no %s", in->path, object);
        return -1;
    }
    if (H5Aexists(id, name) <= 0) {
        H5Oclose(id);
        return 1;
    }
    hid_t attr = H5Aopen(id, name, H5P_DEFAULT);
    hid_t type = attr >= 0 ? H5Aget_type(attr) : H5I_INVALID_HID;
    int status = type >= 0 && H5Tget_class(type) == H5T_INTEGER &&
                         H5Aread(attr, H5T_NATIVE_ULLONG, value) >= 0
                     ? 0
                     : -1;
    if (type >= 0) H5Tclose(type);
    if (attr >= 0) H5Aclose(attr);
    H5Oclose(id);
    if (status) {
        H5Eclear2(H5E_DEFAULT);
        snprintf(err, errlen, "cannot read attribute %s of %s in %s", name, object, in->path);
    }
    return status;
}

long h5in_group_size(struct h5in *in, const char *group, char *err, size_t errlen) {
    hid_t id = H5Gopen2(in->file, group, H5P_DEFAULT);
    H5G_info_t info;
    long count = id >= 0 && H5Gget_info(id, &info) >= 0 ? (long)info.nlinks : -1;
    if (id >= 0) H5Gclose(id);
    if (count < 0) {
        H5Eclear2(H5E_DEFAULT);
        snprintf(err, errlen, "%s has no group %s", in->path, group);
    }
    return count;
}

/* Read a whole dataset as doubles (integers are converted exactly below 2^53), checking its
 * element count. */
static int read_doubles(struct h5in *in, const char *path, size_t count, double *data, char *err,
                        size_t errlen) {
    hid_t dataset = H5Dopen2(in->file, path, H5P_DEFAULT);
    if (dataset < 0) {
        H5Eclear2(H5E_DEFAULT);
        snprintf(err, errlen, "%s has no dataset %s", in->path, path);
        return -1;
    }
    hid_t space = H5Dget_space(dataset);
    hssize_t points = H5Sget_simple_extent_npoints(space);
    H5Sclose(space);
    int status = -1;
    if (points != (hssize_t)count)
        snprintf(err, errlen, "%s in %s has %lld values, expected %zu", path, in->path,
                 (long long)points, count);
    else if (H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        snprintf(err, errlen, "cannot read %s in %s", path, in->path);
    else
        status = 0;
    H5Dclose(dataset);
    H5Eclear2(H5E_DEFAULT);
    return status;
}

int h5in_variant_figures(struct h5in *in, int index, int replicates, int n_states, int n_types,
                         unsigned char *written, double *totals, double *harm_by_type, char *err,
                         size_t errlen) {
    size_t R = (size_t)replicates, S = (size_t)n_states, K = (size_t)n_types;
    size_t widest = S * K > S ? S * K : S;
    double *buffer = malloc((R * (widest > 0 ? widest : 1)) * sizeof *buffer);
    if (!buffer) {
        snprintf(err, errlen, "out of memory reading %s", in->path);
        return -1;
    }
    char path[256];
    snprintf(path, sizeof path, "/variants/%d/written", index);
    int status = read_doubles(in, path, R, buffer, err, errlen);
    for (size_t r = 0; status == 0 && r < R; r++) written[r] = buffer[r] == 1.0;
    for (int m = 0; m < METRIC_COUNT && status == 0; m++) {
        snprintf(path, sizeof path, "/variants/%d/totals/%s", index, metric_table[m].name);
        status = read_doubles(in, path, R * S, buffer, err, errlen);
        for (size_t r = 0; status == 0 && r < R; r++)
            if (written[r])
                memcpy(totals + (r * METRIC_COUNT + (size_t)m) * S, buffer + r * S,
                       S * sizeof *buffer);
    }
    if (status == 0) {
        snprintf(path, sizeof path, "/variants/%d/by_type/%s", index,
                 metric_table[METRIC_HARM].name);
        status = read_doubles(in, path, R * S * K, buffer, err, errlen);
        for (size_t r = 0; status == 0 && r < R; r++)
            if (written[r])
                memcpy(harm_by_type + r * S * K, buffer + r * S * K, S * K * sizeof *buffer);
    }
    free(buffer);
    return status;
}
