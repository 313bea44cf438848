/* h5out_rows.c — gathers the small per-replicate tables of a variant into whole chunks, so that
 * each compressed chunk is written once instead of once per replicate (see docs/output-format.md
 * for the figures that made this necessary). Replicates may arrive in any order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "h5out_internal.h"

static void block_free(struct h5out_block *block, int n_tables) {
    if (!block) return;
    for (int t = 0; t < n_tables; t++) free(block->buffers[t]);
    free(block->buffers);
    free(block->arrived);
    free(block);
}

/* The block's select: its replicates, every other axis whole. */
static hid_t block_space(hid_t dataset, const struct h5out_variant *variant,
                         const struct h5out_block *block) {
    hid_t file_space = H5Dget_space(dataset);
    int rank = H5Sget_simple_extent_ndims(file_space);
    hsize_t dims[H5S_MAX_RANK], start[H5S_MAX_RANK] = {0}, count[H5S_MAX_RANK];
    H5Sget_simple_extent_dims(file_space, dims, NULL);
    for (int i = 0; i < rank; i++) count[i] = dims[i];
    start[0] = block->index * variant->block_rows;
    count[0] = block->rows;
    if (H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, NULL, count, NULL) < 0) {
        H5Sclose(file_space);
        return H5I_INVALID_HID;
    }
    return file_space;
}

/* Resuming: start from the rows already in the file, so that writing the block back keeps the
 * replicates the interrupted run finished. */
static int block_read(const struct h5out_variant *variant, struct h5out_block *block) {
    hsize_t first = block->index * variant->block_rows;
    for (hsize_t row = 0; row < block->rows; row++)
        if (variant->written[first + row]) {
            block->arrived[row] = 1;
            block->present++;
        }
    for (int t = 0; t < variant->n_tables; t++) {
        const struct h5out_table *table = &variant->tables[t];
        if (table->row_size == 0) continue;
        hid_t dataset = table->dataset;
        hid_t file_space = block_space(dataset, variant, block);
        hsize_t values = block->rows * table->row_size;
        hid_t memory_space = H5Screate_simple(1, &values, NULL);
        herr_t status =
            file_space < 0
                ? -1
                : H5Dread(dataset, table->is_count ? H5T_NATIVE_LLONG : H5T_NATIVE_DOUBLE,
                          memory_space, file_space, H5P_DEFAULT, block->buffers[t]);
        H5Sclose(memory_space);
        if (file_space >= 0) H5Sclose(file_space);
        if (status < 0) return -1;
    }
    return 0;
}

static struct h5out_block *block_alloc(const struct h5out_variant *variant, hsize_t index) {
    struct h5out_block *block = calloc(1, sizeof *block);
    if (!block) return NULL;
    block->index = index;
    hsize_t first = index * variant->block_rows;
    hsize_t rest = (hsize_t)variant->replicates - first;
    block->rows = rest < variant->block_rows ? rest : variant->block_rows;
    block->arrived = calloc(block->rows, 1);
    block->buffers = calloc((size_t)variant->n_tables, sizeof *block->buffers);
    if (!block->arrived || !block->buffers) {
        free(block->arrived);
        free(block->buffers);
        free(block);
        return NULL;
    }
    for (int t = 0; t < variant->n_tables; t++) {
        const struct h5out_table *table = &variant->tables[t];
        /* A whole chunk even for the last, short block: chunks are stored whole (the rows past
         * the end hold the fill value and are never read). */
        size_t values = (size_t)variant->block_rows * table->row_size;
        /* Missing rows hold the fill value, as they would read in the file. */
        if (table->is_count) {
            long long *buffer = malloc((values + 1) * sizeof *buffer);
            for (size_t i = 0; buffer && i < values; i++) buffer[i] = (long long)table->fill;
            block->buffers[t] = buffer;
        } else {
            double *buffer = malloc((values + 1) * sizeof *buffer);
            for (size_t i = 0; buffer && i < values; i++) buffer[i] = table->fill;
            block->buffers[t] = buffer;
        }
        if (!block->buffers[t]) {
            block_free(block, variant->n_tables);
            return NULL;
        }
    }
    if (variant->resumed && block_read(variant, block) < 0) {
        block_free(block, variant->n_tables);
        return NULL;
    }
    block->stored = block->present; /* what the file already holds */
    return block;
}

/* The block holding `replicate`, created if new; NULL when out of memory. */
static struct h5out_block *block_of(struct h5out_variant *variant, int replicate) {
    hsize_t index = (hsize_t)replicate / variant->block_rows;
    for (int b = 0; b < variant->n_blocks; b++)
        if (variant->blocks[b]->index == index) return variant->blocks[b];
    struct h5out_block **grown =
        realloc(variant->blocks, (size_t)(variant->n_blocks + 1) * sizeof *grown);
    if (!grown) return NULL;
    variant->blocks = grown;
    struct h5out_block *block = block_alloc(variant, index);
    if (!block) return NULL;
    variant->blocks[variant->n_blocks++] = block;
    return block;
}

int h5out_rows_put(struct h5out *out, struct h5out_variant *variant, int replicate, int table,
                   const double *values) {
    struct h5out_block *block = block_of(variant, replicate);
    if (!block)
        return h5out_io_fail(out,
                             "cannot buffer replicate %d (memory, or reading the "
                             "resumed file)",
                             replicate);
    const struct h5out_table *info = &variant->tables[table];
    size_t offset =
        (size_t)((hsize_t)replicate - block->index * variant->block_rows) * info->row_size;
    if (info->is_count) {
        /* Counts are exact in the model's doubles; stored as integers. */
        long long *buffer = (long long *)block->buffers[table] + offset;
        for (size_t i = 0; i < info->row_size; i++) buffer[i] = h5out_count(values[i]);
    } else {
        memcpy((double *)block->buffers[table] + offset, values, info->row_size * sizeof(double));
    }
    return 0;
}

/* Write a block's rows of every table: one chunk per table, filtered here and stored whole. The
 * tables go in creation order, `written` last, so a replicate marked written is in the file. */
static int block_write(struct h5out *out, struct h5out_variant *variant,
                       const struct h5out_block *block) {
    hsize_t offset[H5S_MAX_RANK] = {0};
    offset[0] = block->index * variant->block_rows;
    for (int t = 0; t < variant->n_tables; t++) {
        const struct h5out_table *table = &variant->tables[t];
        if (table->row_size == 0) continue;
        size_t bytes = (size_t)variant->block_rows * table->row_size * sizeof(double);
        /* Counts: shuffle + deflate; float64 figures: deflate alone (create_dataset's choice). */
        variant->chunk.keep_stream = 1; /* one chunk after another, all with one codec */
        if (h5out_chunk_encode(&variant->chunk, block->buffers[t], bytes, sizeof(double),
                               table->is_count, H5OUT_CODEC_RUNS) < 0)
            return h5out_io_fail(out, "out of memory compressing %s", table->name);
        if (h5out_chunk_write(table->dataset, offset, &variant->chunk) < 0) {
            h5out_note_reason(out);
            return h5out_io_fail(out, "cannot write %s", table->name);
        }
    }
    return 0;
}

int h5out_rows_done(struct h5out *out, struct h5out_variant *variant, int replicate) {
    struct h5out_block *block = block_of(variant, replicate);
    if (!block)
        return h5out_io_fail(out,
                             "cannot buffer replicate %d (memory, or reading the "
                             "resumed file)",
                             replicate);
    hsize_t row = (hsize_t)replicate - block->index * variant->block_rows;
    if (!block->arrived[row]) {
        block->arrived[row] = 1;
        block->present++;
    }
    if (block->present < block->rows) return 0;
    int status = block_write(out, variant, block);
    for (int b = 0; b < variant->n_blocks; b++)
        if (variant->blocks[b] == block) {
            variant->blocks[b] = variant->blocks[--variant->n_blocks];
            break;
        }
    block_free(block, variant->n_tables);
    return status;
}

int h5out_rows_write_pending(struct h5out *out, struct h5out_variant *variant) {
    for (int b = 0; b < variant->n_blocks; b++) {
        struct h5out_block *block = variant->blocks[b];
        /* A periodic flush need not compress again what the file already holds. */
        if (block->present == block->stored) continue;
        if (block_write(out, variant, block) < 0) return -1;
        block->stored = block->present;
    }
    return 0;
}

void h5out_rows_free(struct h5out_variant *variant) {
    for (int b = 0; b < variant->n_blocks; b++) block_free(variant->blocks[b], variant->n_tables);
    free(variant->blocks);
    variant->blocks = NULL;
    variant->n_blocks = 0;
    free(variant->tables);
    variant->tables = NULL;
    variant->n_tables = 0;
    h5out_chunk_release(&variant->chunk);
}
