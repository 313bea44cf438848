/* h5out_internal.h — the writer's state and the HDF5 helpers shared by the h5out_*.c files. */
#ifndef C5SIM_H5OUT_INTERNAL_H
#define C5SIM_H5OUT_INTERNAL_H

#include <hdf5.h>
#include <limits.h>

#include "h5out.h"

/* Room for two paths and a reason. */
enum { H5OUT_ERROR_MAX = 2 * PATH_MAX + 1024 };

/* A small per-replicate table of a variant ([replicates, ...], a few values per replicate). Its
 * rows are gathered in memory into whole chunks (blocks of block_rows replicates) and each chunk
 * is written once: writing compressed chunks a row at a time would rewrite them over and over. */
struct h5out_table {
    char name[128];  /* path inside the variant group, e.g. "totals/harm" */
    int is_count;    /* int64 (else float64) */
    size_t row_size; /* values per replicate */
    double fill;     /* value of rows not (yet) written */
};

/* The rows of one block of replicates for every table, while some are still missing. */
struct h5out_block {
    hsize_t index;          /* block number: replicates index*block_rows ... */
    hsize_t rows;           /* replicates in this block (the last one may be short) */
    hsize_t present;        /* how many have arrived */
    unsigned char *arrived; /* [rows] */
    void **buffers;         /* [table]: rows * row_size int64 or double */
};

/* What the writer remembers of a begun variant. */
struct h5out_variant {
    int begun;
    hid_t group;
    int replicates, n_states, n_types, n_regions, ticks;
    int keep_series, keep_trust, keep_events;
    int resumed;            /* reopened from an interrupted run's file */
    unsigned char *written; /* [replicate] 1 once written */
    hid_t events;           /* /variants/k/events or H5I_INVALID_HID */
    hsize_t event_rows;
    hsize_t block_rows;
    int n_tables;
    struct h5out_table *tables;
    int n_blocks;
    struct h5out_block **blocks; /* blocks in flight */
};

/* Row blocks (h5out_rows.c). Put one replicate's row of table `table` (converted to int64 for
 * counts); after all its tables, h5out_rows_done() writes the block once it is whole. */
int h5out_rows_put(struct h5out *out, struct h5out_variant *variant, int replicate, int table,
                   const double *values);
int h5out_rows_done(struct h5out *out, struct h5out_variant *variant, int replicate);
/* Write every block still in flight (missing rows hold the fill value); blocks stay in memory. */
int h5out_rows_write_pending(struct h5out *out, struct h5out_variant *variant);
void h5out_rows_free(struct h5out_variant *variant);

struct h5out {
    hid_t file;
    char final_path[PATH_MAX];
    char partial_path[PATH_MAX];
    char error[H5OUT_ERROR_MAX];
    int replicates, ticks;
    int n_variants; /* size of `variants` (grown on demand) */
    /* Set after a failed write to the file (e.g. disk full): HDF5 1.10 cannot be trusted to
     * flush or close such a file cleanly, so every later call refuses and the file is left as
     * it is, never marked complete. */
    int broken;
    int resumed;      /* opened by h5out_resume(): existing objects are reopened, not created */
    char reason[256]; /* HDF5's innermost message, kept from the moment of a failure */
    struct h5out_variant *variants;
};

/* Record an error message (printf-style) with the innermost HDF5 error, if any; returns -1. */
int h5out_fail(struct h5out *out, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* Keep HDF5's innermost error message now, before later calls clear the error stack. */
void h5out_note_reason(struct h5out *out);

/* h5out_fail for a failed write to the file: also marks the writer broken. */
int h5out_io_fail(struct h5out *out, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* -1 with the earlier message if the writer is broken, else 0. */
int h5out_check_usable(struct h5out *out);

/* Filters of chunked datasets, chosen by measurement (docs/output-format.md, "Compression"):
 * shuffle + deflate for integers and trust, deflate alone for float64 figures. */
enum h5out_filter { H5OUT_FILTER_NONE = 0, H5OUT_FILTER_DEFLATE, H5OUT_FILTER_SHUFFLE_DEFLATE };

/* File access: strong close, no raw-data chunk cache (see h5out.c). */
hid_t h5out_file_access_plist(void);

/* Reading attributes back (resume): 0, or -1 if missing or of another kind. */
int h5out_read_attr_int(hid_t object, const char *name, long long *value);
int h5out_read_attr_string(hid_t object, const char *name, char *value, size_t size);

/* Reopen an existing /variants/<k> of a resumed file (h5out_variant.c). */
int h5out_variant_reopen(struct h5out *out, int index, const struct h5out_variant_spec *spec,
                         const struct world *world);

/* Creation property lists without object timestamps, so that two runs give the same bytes. */
hid_t h5out_group_plist(void);
hid_t h5out_dataset_plist(int rank, const hsize_t *chunk, enum h5out_filter filter);

/* Attributes on an object id (replaced if they exist). */
int h5out_attr_string_id(hid_t object, const char *name, const char *value);
int h5out_attr_int_id(hid_t object, const char *name, long long value);
int h5out_attr_double_id(hid_t object, const char *name, double value);
int h5out_attr_strings_id(hid_t object, const char *name, int count, const char *const *values);

/* unit, description and dims on a dataset. */
int h5out_describe(hid_t dataset, const char *unit, const char *description, const char *dims);

/* Fixed-length string type of `size` bytes (NUL-padded, UTF-8); caller closes it. */
hid_t h5out_fixed_string(size_t size);

#endif
