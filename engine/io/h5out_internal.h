/* h5out_internal.h — the writer's state and the HDF5 helpers shared by the h5out_*.c files. */
#ifndef C5SIM_H5OUT_INTERNAL_H
#define C5SIM_H5OUT_INTERNAL_H

#include <hdf5.h>
#include <zlib.h>
#include <limits.h>

#include "../model/metrics.h"
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
    hid_t dataset;   /* kept open while the variant is (h5out_variant_release closes it) */
};

/* The rows of one block of replicates for every table, while some are still missing. */
struct h5out_block {
    hsize_t index;          /* block number: replicates index*block_rows ... */
    hsize_t rows;           /* replicates in this block (the last one may be short) */
    hsize_t present;        /* how many have arrived */
    hsize_t stored;         /* how many were there when the block was last written (or read) */
    unsigned char *arrived; /* [rows] */
    void **buffers;         /* [table]: rows * row_size int64 or double */
};

/* How a chunk is deflated (measured on the model's output, docs/output-format.md):
 * - RUNS: level 1, run-length matches only (Z_RLE). The per-replicate tables and the count series
 *   are runs of zero bytes (shuffled small counts, harm of exactly 0.0) between literals: Z_RLE
 *   finds them as well as a full match search does, at a fraction of the time.
 * - MATCHES: level 4, full match search. Trust and the float64 series repeat whole rows from tick
 *   to tick, which only a search over distances finds (Z_RLE stores trust 10x larger).
 * Either is ordinary deflate: every HDF5 reader inflates it. */
enum h5out_codec { H5OUT_CODEC_RUNS, H5OUT_CODEC_MATCHES };

/* Level of the deflate filter in every dataset's pipeline: HDF5 applies it to what it still filters
 * itself (the event log); chunks stored directly carry their codec's stream (readers need no
 * level). */
enum { H5OUT_DEFLATE_LEVEL = 4 };

/* Per-tick datasets are chunked one replicate at a time, capped near this many bytes. */
enum { H5OUT_LARGE_CHUNK_BYTES = 1 << 20 };

/* One compressed chunk, ready for H5Dwrite_chunk (h5out_chunk.c); buffers are reused. */
struct h5out_chunk {
    unsigned char *bytes; /* the filtered chunk */
    size_t size, capacity;
    unsigned char *scratch; /* shuffled bytes */
    size_t scratch_capacity;
    int keep_stream; /* set by the owner: keep the deflate state between chunks */
    enum h5out_codec stream_codec;
    z_stream *stream; /* kept state, or NULL; on the heap, as zlib's state points back to it */
};

/* Filter `bytes` of data (whole elements) through shuffle (if asked) and deflate, as HDF5's own
 * filters would. No HDF5 call: safe on any thread. 0, or -1 when out of memory. */
int h5out_chunk_encode(struct h5out_chunk *chunk, const void *data, size_t bytes,
                       size_t element_size, int shuffle, enum h5out_codec codec);
/* Store an encoded chunk at `offset` (in elements) of a chunked dataset. */
int h5out_chunk_write(hid_t dataset, const hsize_t *offset, const struct h5out_chunk *chunk);
void h5out_chunk_release(struct h5out_chunk *chunk);

/* Ticks per chunk of series/<metric> ([1, ticks, states] chunks) and of trust. */
hsize_t h5out_series_chunk_ticks(int ticks, int n_states);
hsize_t h5out_trust_chunk_ticks(int ticks, int n_states);

/* A replicate's per-tick datasets, encoded (h5out.h: h5out_encode_replicate). */
struct h5out_encoded {
    int valid; /* filled by the last h5out_encode_replicate() */
    int ticks, n_states, keep_series, keep_trust;
    int series_chunks, trust_chunks; /* per metric; chunks[] is series by metric, then trust */
    int capacity;
    struct h5out_chunk *chunks;
    unsigned char *values; /* the chunk before filtering (counts as int64, fill padding) */
    size_t values_capacity;
};

/* What the writer remembers of a begun variant. */
struct h5out_variant {
    int begun;
    hid_t group;
    int replicates, n_states, n_types, n_regions, ticks;
    int n_periods; /* recorded adaptation periods (sharing_periods), 0: none */
    int keep_series, keep_trust, keep_events;
    int resumed;                   /* reopened from an interrupted run's file */
    unsigned char *written;        /* [replicate] 1 once written */
    hid_t events;                  /* /variants/k/events or H5I_INVALID_HID */
    hid_t series[METRIC_COUNT];    /* open series/<metric> datasets, or H5I_INVALID_HID */
    hid_t trust;                   /* open trust dataset, or H5I_INVALID_HID */
    struct h5out_encoded *encoded; /* scratch for replicates given without an encoding */
    struct h5out_chunk chunk;      /* scratch for the row blocks' chunks */
    hsize_t event_rows;
    hsize_t block_rows;
    int n_tables;
    struct h5out_table *tables;
    int n_blocks;
    struct h5out_block **blocks; /* blocks in flight */
};

/* A count as stored: the model's counts are exact integers in doubles. Rounds half away from
 * zero like llround(), inline: the library call was a visible share of writing a sweep. */
static inline long long h5out_count(double value) {
    return (long long)(value + (value < 0 ? -0.5 : 0.5));
}

/* Row blocks (h5out_rows.c). Put one replicate's row of table `table` (converted to int64 for
 * counts); after all its tables, h5out_rows_done() writes the block once it is whole. */
int h5out_rows_put(struct h5out *out, struct h5out_variant *variant, int replicate, int table,
                   const double *values);
int h5out_rows_done(struct h5out *out, struct h5out_variant *variant, int replicate);
/* Write every block still in flight that gained rows since it was last written (missing rows
 * hold the fill value); blocks stay in memory. */
int h5out_rows_write_pending(struct h5out *out, struct h5out_variant *variant);
void h5out_rows_free(struct h5out_variant *variant);

/* Close the variant's open datasets (when close_objects; not in a broken file, where closing may
 * write) and free its encoding scratch (h5out_variant.c). Before h5out_rows_free(). */
void h5out_variant_release(struct h5out_variant *variant, int close_objects);

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
    /* The journal (h5out_journal.c): open from h5out_journal_start()/_continue(). */
    int journal_open, journal_fd;
    char journal_path[PATH_MAX];
    long long journal_end;  /* bytes of intact records */
    long journal_items;     /* ITEM records in it */
    int replaying;          /* replaying it: the items written are not journaled again */
    unsigned char *pending; /* the record being built (an item waiting for its events) */
    size_t pending_size, pending_capacity;
    int pending_kind, pending_has_events;
};

/* Journal hooks of the writer (h5out_journal.c); no-ops without a journal. An item is appended
 * when written; with events_follow it waits for h5out_journal_events() (one record per item). */
int h5out_journal_item(struct h5out *out, int index, int replicate, const struct sim_result *result,
                       const struct h5out_encoded *encoded, int events_follow);
int h5out_journal_events(struct h5out *out, const struct sim_event *events, size_t count);
int h5out_journal_emit_pending(struct h5out *out);
/* Checkpoint: every record so far reaches the disk (fdatasync). */
int h5out_journal_sync(struct h5out *out);
/* Close it; remove it too once the output is complete. */
void h5out_journal_close(struct h5out *out, int remove);

/* "a FIFO", "a character device", ... for a refusal naming what a path is (st_mode). */
const char *h5out_file_kind(unsigned mode);

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
