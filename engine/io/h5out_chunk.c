/* h5out_chunk.c — chunks filtered outside HDF5 (shuffle + deflate exactly as HDF5's filters
 * define them) and stored with H5Dwrite_chunk: compression can then run on any thread, and the
 * writer only stores bytes, skipping HDF5's selection and conversion machinery. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "h5out_internal.h"

/* Chunks are stored as the host's bytes; the file types are little-endian. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "direct chunk writes store native bytes as little-endian file types");

static int reserve(unsigned char **buffer, size_t *capacity, size_t bytes) {
    if (*capacity >= bytes) return 0;
    unsigned char *grown = realloc(*buffer, bytes);
    if (!grown) return -1;
    *buffer = grown;
    *capacity = bytes;
    return 0;
}

int h5out_chunk_encode(struct h5out_chunk *chunk, const void *data, size_t bytes,
                       size_t element_size, int shuffle, enum h5out_codec codec) {
    const unsigned char *source = data;
    if (shuffle && element_size > 1) {
        /* HDF5's shuffle: byte j of element i goes to j * n + i (n elements; no remainder here,
         * as every chunk holds whole elements). */
        if (reserve(&chunk->scratch, &chunk->scratch_capacity, bytes) < 0) return -1;
        size_t n = bytes / element_size;
        unsigned char *lanes = chunk->scratch;
        if (element_size == 8) {
            /* One pass over the input (the common case: int64 counts). */
            for (size_t i = 0; i < n; i++) {
                const unsigned char *element = source + 8 * i;
                lanes[i] = element[0];
                lanes[n + i] = element[1];
                lanes[2 * n + i] = element[2];
                lanes[3 * n + i] = element[3];
                lanes[4 * n + i] = element[4];
                lanes[5 * n + i] = element[5];
                lanes[6 * n + i] = element[6];
                lanes[7 * n + i] = element[7];
            }
        } else {
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < element_size; j++)
                    lanes[j * n + i] = source[i * element_size + j];
        }
        source = chunk->scratch;
    }
    /* What compress2() does, with the codec's level and strategy (h5out_internal.h). */
    int runs = codec == H5OUT_CODEC_RUNS;
    z_stream local, *stream = &local;
    if (chunk->stream && chunk->stream_codec == codec) {
        /* Reused: no 256 KiB of deflate state to allocate, clear and free per chunk. */
        stream = chunk->stream;
        if (deflateReset(stream) != Z_OK) return -1;
    } else {
        if (chunk->stream) {
            deflateEnd(chunk->stream);
            free(chunk->stream);
            chunk->stream = NULL;
        }
        if (chunk->keep_stream && !(stream = malloc(sizeof *stream))) return -1;
        memset(stream, 0, sizeof *stream);
        if (deflateInit2(stream, runs ? 1 : 4, Z_DEFLATED, 15, 8,
                         runs ? Z_RLE : Z_DEFAULT_STRATEGY) != Z_OK) {
            if (stream != &local) free(stream);
            return -1;
        }
        if (stream != &local) {
            chunk->stream = stream;
            chunk->stream_codec = codec;
        }
    }
    int status = Z_STREAM_ERROR;
    uLong bound = deflateBound(stream, (uLong)bytes);
    if (reserve(&chunk->bytes, &chunk->capacity, bound) == 0) {
        stream->next_in = (Bytef *)(uintptr_t)source;
        stream->avail_in = (uInt)bytes;
        stream->next_out = chunk->bytes;
        stream->avail_out = (uInt)bound;
        status = deflate(stream, Z_FINISH);
        chunk->size = stream->total_out;
    }
    if (stream == &local) deflateEnd(stream);
    return status == Z_STREAM_END ? 0 : -1;
}

int h5out_chunk_write(hid_t dataset, const hsize_t *offset, const struct h5out_chunk *chunk) {
    /* Filter mask 0: every filter of the dataset's pipeline was applied. */
    return H5Dwrite_chunk(dataset, H5P_DEFAULT, 0, offset, chunk->size, chunk->bytes) < 0 ? -1 : 0;
}

void h5out_chunk_release(struct h5out_chunk *chunk) {
    if (chunk->stream) deflateEnd(chunk->stream);
    free(chunk->stream);
    free(chunk->bytes);
    free(chunk->scratch);
    memset(chunk, 0, sizeof *chunk);
}

/* ---- per-tick datasets of one replicate -------------------------------------------------- */

hsize_t h5out_series_chunk_ticks(int ticks, int n_states) {
    size_t row = (size_t)n_states * sizeof(double);
    hsize_t rows = row ? (hsize_t)(H5OUT_LARGE_CHUNK_BYTES / row) : 1;
    if (rows < 1) rows = 1;
    return rows < (hsize_t)ticks ? rows : (hsize_t)ticks;
}

hsize_t h5out_trust_chunk_ticks(int ticks, int n_states) {
    size_t row = (size_t)n_states * (size_t)n_states * sizeof(float);
    hsize_t rows = row ? (hsize_t)(H5OUT_LARGE_CHUNK_BYTES / row) : 1;
    if (rows < 1) rows = 1;
    return rows < (hsize_t)ticks ? rows : (hsize_t)ticks;
}

struct h5out_encoded *h5out_encoded_alloc(void) {
    return calloc(1, sizeof(struct h5out_encoded));
}

void h5out_encoded_free(struct h5out_encoded *encoded) {
    if (!encoded) return;
    for (int i = 0; i < encoded->capacity; i++) h5out_chunk_release(&encoded->chunks[i]);
    free(encoded->chunks);
    free(encoded->values);
    free(encoded);
}

static int grow_chunks(struct h5out_encoded *encoded, int count) {
    if (count <= encoded->capacity) return 0;
    struct h5out_chunk *grown = realloc(encoded->chunks, (size_t)count * sizeof *grown);
    if (!grown) return -1;
    memset(grown + encoded->capacity, 0, (size_t)(count - encoded->capacity) * sizeof *grown);
    encoded->chunks = grown;
    encoded->capacity = count;
    return 0;
}

/* A chunk of `rows` ticks (of `stored` valid ones), `row` values each, padded with the fill. */
static int encode_ticks(struct h5out_encoded *encoded, struct h5out_chunk *chunk,
                        const double *values, size_t stored, size_t rows, size_t row,
                        int is_count) {
    size_t count = rows * row, valid = stored * row;
    size_t bytes = count * sizeof(double);
    if (reserve(&encoded->values, &encoded->values_capacity, bytes) < 0) return -1;
    if (is_count) {
        long long *cells = (long long *)(void *)encoded->values;
        for (size_t i = 0; i < valid; i++) cells[i] = h5out_count(values[i]);
        for (size_t i = valid; i < count; i++) cells[i] = -1;
        return h5out_chunk_encode(chunk, cells, bytes, sizeof(long long), 1, H5OUT_CODEC_RUNS);
    }
    double *cells = (double *)(void *)encoded->values;
    memcpy(cells, values, valid * sizeof(double));
    for (size_t i = valid; i < count; i++) cells[i] = NAN;
    return h5out_chunk_encode(chunk, cells, bytes, sizeof(double), 0, H5OUT_CODEC_MATCHES);
}

int h5out_encode_replicate(struct h5out_encoded *encoded, const struct sim_result *result,
                           int keep_series, int keep_trust) {
    encoded->valid = 0;
    if (!result || (keep_series && !result->series) || (keep_trust && !result->trust)) return -1;
    size_t T = (size_t)result->ticks, S = (size_t)result->n_states;
    hsize_t series_rows = h5out_series_chunk_ticks(result->ticks, result->n_states);
    hsize_t trust_rows = h5out_trust_chunk_ticks(result->ticks, result->n_states);
    int series_chunks = keep_series && T ? (int)((T + series_rows - 1) / series_rows) : 0;
    int trust_chunks = keep_trust && T ? (int)((T + trust_rows - 1) / trust_rows) : 0;
    int count = series_chunks * METRIC_COUNT + trust_chunks;
    if (grow_chunks(encoded, count) < 0) return -1;
    int next = 0;
    for (int m = 0; m < METRIC_COUNT && series_chunks; m++) {
        const double *series = result->series + (size_t)m * T * S;
        for (int c = 0; c < series_chunks; c++) {
            size_t first = (size_t)c * series_rows;
            size_t stored = T - first < series_rows ? T - first : series_rows;
            if (encode_ticks(encoded, &encoded->chunks[next++], series + first * S, stored,
                             series_rows, S, metric_table[m].is_count) < 0)
                return -1;
        }
    }
    for (int c = 0; c < trust_chunks; c++) {
        size_t first = (size_t)c * trust_rows;
        size_t stored = T - first < trust_rows ? T - first : trust_rows;
        size_t row = S * S, bytes = trust_rows * row * sizeof(float);
        if (reserve(&encoded->values, &encoded->values_capacity, bytes) < 0) return -1;
        float *cells = (float *)(void *)encoded->values;
        memcpy(cells, result->trust + first * row, stored * row * sizeof(float));
        for (size_t i = stored * row; i < trust_rows * row; i++) cells[i] = NAN;
        if (h5out_chunk_encode(&encoded->chunks[next++], cells, bytes, sizeof(float), 1,
                               H5OUT_CODEC_MATCHES) < 0)
            return -1;
    }
    encoded->ticks = result->ticks;
    encoded->n_states = result->n_states;
    encoded->series_chunks = series_chunks;
    encoded->trust_chunks = trust_chunks;
    encoded->keep_series = keep_series;
    encoded->keep_trust = keep_trust;
    encoded->valid = 1;
    return 0;
}
