/* h5out_journal.c — the crash-safe record of finished work items: OUT.h5.journal, an append-only
 * file of checksummed records beside the .partial, from which --resume rebuilds the .partial.
 *
 * Why a journal and not the HDF5 file itself: HDF5 1.10 updates its metadata (B-trees, object
 * headers, the superblock) in place and in no crash-safe order, so a process killed between two
 * flushes leaves a file that does not open or holds corrupt chunks (docs/reliability.md). A
 * journal is only ever appended to: a kill leaves every whole record intact and at most one torn
 * record at the end, which its checksum exposes. Each record holds exactly what the writer was
 * given for one item (the result's per-replicate figures, the encoded per-tick chunks, the
 * events), so replaying the records through the same writer calls gives the same datasets.
 *
 * Layout: records of [magic u32, kind u32, payload length u64, crc32(payload) u32, crc32 of the
 * 20 bytes before u32] + payload, padded to 8 bytes. The first record (kind FINGERPRINT) holds the
 * text that identifies the run (command, seed, overrides, scenario hash, variants, layout); every
 * further one (kind ITEM) one work item. Integers are the machine's own: a journal is read back
 * by the same build on the same machine (the fingerprint names the layout).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "h5out_internal.h"

enum { RECORD_MAGIC = 0x524a3543u, KIND_FINGERPRINT = 1, KIND_ITEM = 2, HEADER_BYTES = 24 };
/* A record larger than this is damage, not data (a replicate's chunks are a few MiB). */
static const uint64_t RECORD_MAX = (uint64_t)1 << 34;

int h5out_journal_name(const char *output, char *path, size_t size) {
    return (size_t)snprintf(path, size, "%s.journal", output) < size ? 0 : -1;
}

const char *h5out_journal_path(const struct h5out *out) {
    return out->journal_path;
}

long h5out_journal_items(const struct h5out *out) {
    return out->journal_items;
}

/* ---- building a record in out->pending ------------------------------------------------------ */

static int pending_reserve(struct h5out *out, size_t more) {
    size_t need = out->pending_size + more + 8;
    if (need <= out->pending_capacity) return 0;
    size_t capacity = out->pending_capacity ? out->pending_capacity : 4096;
    while (capacity < need) capacity *= 2;
    unsigned char *grown = realloc(out->pending, capacity);
    if (!grown) return -1;
    out->pending = grown;
    out->pending_capacity = capacity;
    return 0;
}

/* Append bytes, then zero padding to a multiple of 8, so that every field read back in place
 * is aligned. */
static int put(struct h5out *out, const void *data, size_t size) {
    size_t padded = (size + 7) & ~(size_t)7;
    if (pending_reserve(out, padded) < 0) return -1;
    if (size) memcpy(out->pending + out->pending_size, data, size);
    memset(out->pending + out->pending_size + size, 0, padded - size);
    out->pending_size += padded;
    return 0;
}

static int put_i64(struct h5out *out, int64_t value) {
    return put(out, &value, sizeof value);
}

static void record_begin(struct h5out *out) {
    out->pending_size = 0;
    pending_reserve(out, HEADER_BYTES);
    out->pending_size = HEADER_BYTES; /* filled by record_emit() */
}

static int write_all(int fd, const unsigned char *bytes, size_t size) {
    while (size > 0) {
        ssize_t done = write(fd, bytes, size);
        if (done < 0 && errno == EINTR) continue;
        if (done <= 0) {
            if (done == 0) errno = EIO;
            return -1;
        }
        bytes += done;
        size -= (size_t)done;
    }
    return 0;
}

/* Finish the header and append the whole record with one write(2): after that it survives a
 * kill of the process (it is in the kernel's page cache); h5out_journal_sync() makes it survive
 * a power loss too. */
static int record_emit(struct h5out *out, uint32_t kind) {
    unsigned char *header = out->pending;
    uint64_t length = out->pending_size - HEADER_BYTES;
    uint32_t magic = RECORD_MAGIC;
    uint32_t payload_crc = (uint32_t)crc32(0L, out->pending + HEADER_BYTES, (uInt)0);
    /* crc32 takes uInt lengths: feed large payloads in pieces. */
    for (uint64_t done = 0; done < length;) {
        uInt piece = length - done > (1u << 30) ? (1u << 30) : (uInt)(length - done);
        payload_crc = (uint32_t)crc32(payload_crc, out->pending + HEADER_BYTES + done, piece);
        done += piece;
    }
    memcpy(header, &magic, 4);
    memcpy(header + 4, &kind, 4);
    memcpy(header + 8, &length, 8);
    memcpy(header + 16, &payload_crc, 4);
    uint32_t header_crc = (uint32_t)crc32(0L, header, 20);
    memcpy(header + 20, &header_crc, 4);
    out->pending_kind = 0;
    if (write_all(out->journal_fd, out->pending, out->pending_size) < 0)
        return h5out_io_fail(out, "cannot append to %s: %s", out->journal_path, strerror(errno));
    out->journal_end += (long long)out->pending_size;
    if (kind == KIND_ITEM) out->journal_items++;
    return 0;
}

/* ---- the writer's side: called by h5out_variant.c for every item written ----------------------
 */

int h5out_journal_item(struct h5out *out, int index, int replicate, const struct sim_result *result,
                       const struct h5out_encoded *encoded, int events_follow) {
    if (!out->journal_open || out->replaying) return 0;
    if (out->pending_kind && h5out_journal_emit_pending(out) < 0) return -1;
    size_t S = (size_t)result->n_states, K = (size_t)result->n_types;
    size_t G = (size_t)result->n_regions;
    record_begin(out);
    int status = 0;
    status |= put_i64(out, index);
    status |= put_i64(out, replicate);
    status |= put_i64(out, result->n_states);
    status |= put_i64(out, result->n_types);
    status |= put_i64(out, result->n_regions);
    status |= put_i64(out, result->ticks);
    status |= put_i64(out, result->trust_changed);
    status |= put_i64(out, result->threat_ticks);
    status |= put_i64(out, result->peak_active);
    status |= put(out, result->by_type, (size_t)METRIC_COUNT * S * K * sizeof(double));
    status |= put(out, result->region_arrivals, G * sizeof(double));
    status |= put(out, result->region_detections, G * sizeof(double));
    status |= put(out, result->region_impacts, G * sizeof(double));
    status |= put(out, result->region_harm, G * sizeof(double));
    /* adaptation periods only for a variant that records them (older journals have none) */
    if (result->n_periods > 0 && result->sharing_periods)
        status |= put(out, result->sharing_periods, (size_t)result->n_periods * S * sizeof(double));
    int chunks = encoded ? encoded->series_chunks * METRIC_COUNT * (encoded->keep_series != 0) +
                               encoded->trust_chunks * (encoded->keep_trust != 0)
                         : 0;
    status |= put_i64(out, encoded ? 1 : 0);
    if (encoded) {
        status |= put_i64(out, encoded->ticks);
        status |= put_i64(out, encoded->n_states);
        status |= put_i64(out, encoded->keep_series);
        status |= put_i64(out, encoded->keep_trust);
        status |= put_i64(out, encoded->series_chunks);
        status |= put_i64(out, encoded->trust_chunks);
        status |= put_i64(out, chunks);
        for (int c = 0; c < chunks; c++) {
            status |= put_i64(out, (int64_t)encoded->chunks[c].size);
            status |= put(out, encoded->chunks[c].bytes, encoded->chunks[c].size);
        }
    }
    if (status) return h5out_fail(out, "out of memory journaling an item");
    out->pending_kind = KIND_ITEM;
    out->pending_has_events = 0;
    if (events_follow) return 0; /* completed by h5out_journal_events() */
    if (put_i64(out, 0) < 0) return h5out_fail(out, "out of memory journaling an item");
    return record_emit(out, KIND_ITEM);
}

int h5out_journal_events(struct h5out *out, const struct sim_event *events, size_t count) {
    if (!out->journal_open || out->replaying) return 0;
    if (out->pending_kind != KIND_ITEM)
        return h5out_fail(out, "events journaled without their item");
    int status = put_i64(out, 1);
    status |= put_i64(out, (int64_t)count);
    status |= put(out, events, count * sizeof *events);
    if (status) return h5out_fail(out, "out of memory journaling %zu events", count);
    return record_emit(out, KIND_ITEM);
}

int h5out_journal_emit_pending(struct h5out *out) {
    if (!out->journal_open || !out->pending_kind) return 0;
    if (put_i64(out, 0) < 0) return h5out_fail(out, "out of memory journaling an item");
    return record_emit(out, KIND_ITEM);
}

int h5out_journal_sync(struct h5out *out) {
    if (!out->journal_open) return 0;
    if (h5out_journal_emit_pending(out) < 0) return -1;
    if (fdatasync(out->journal_fd) != 0)
        return h5out_io_fail(out, "cannot sync %s: %s", out->journal_path, strerror(errno));
    return 0;
}

void h5out_journal_close(struct h5out *out, int remove) {
    if (out->journal_open) {
        close(out->journal_fd);
        if (remove) unlink(out->journal_path);
    }
    out->journal_open = 0;
    free(out->pending);
    out->pending = NULL;
    out->pending_size = out->pending_capacity = 0;
}

/* The folder's entry for a new file must reach the disk too, or a power loss may lose it. */
static void sync_folder(const char *path) {
    char copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    if (fsync(fd) != 0) { /* best effort: some file systems refuse fsync on folders */
    }
    close(fd);
}

/* What the run is plus how this build lays records out: a journal of another build is refused.
 * Caller frees. */
static char *fingerprint_text(const char *fingerprint, size_t *length) {
    char layout[160];
    snprintf(layout, sizeof layout, "journal layout: metrics %d, event %zu bytes, %zu-byte long\n",
             METRIC_COUNT, sizeof(struct sim_event), sizeof(long));
    size_t a = strlen(layout), b = strlen(fingerprint);
    char *text = malloc(a + b + 1);
    if (!text) return NULL;
    memcpy(text, layout, a);
    memcpy(text + a, fingerprint, b + 1);
    *length = a + b;
    return text;
}

static int put_fingerprint(struct h5out *out, const char *fingerprint) {
    size_t length = 0;
    char *text = fingerprint_text(fingerprint, &length);
    record_begin(out);
    int status = text ? put(out, text, length) : -1;
    /* put() pads to 8 bytes; the padding is not part of the text. */
    if (status == 0) out->pending_size = HEADER_BYTES + length;
    free(text);
    return status;
}

int h5out_journal_start(struct h5out *out, const char *fingerprint, int replace) {
    if (h5out_check_usable(out) < 0) return -1;
    if (h5out_journal_name(out->final_path, out->journal_path, sizeof out->journal_path) < 0)
        return h5out_fail(out, "output path too long for its journal: %s", out->final_path);
    struct stat info;
    if (lstat(out->journal_path, &info) == 0) {
        if (!S_ISREG(info.st_mode))
            return h5out_fail(out, "%s is %s, not a regular file; refusing to replace it",
                              out->journal_path, h5out_file_kind(info.st_mode));
        if (!replace)
            return h5out_fail(out,
                              "%s exists: an interrupted run left it; continue it with --resume "
                              "%s or start again with --force",
                              out->journal_path, out->partial_path);
    }
    out->journal_fd = open(out->journal_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out->journal_fd < 0)
        return h5out_io_fail(out, "cannot create %s: %s", out->journal_path, strerror(errno));
    out->journal_open = 1;
    out->journal_end = 0;
    out->journal_items = 0;
    if (put_fingerprint(out, fingerprint) < 0) return h5out_fail(out, "out of memory");
    if (record_emit(out, KIND_FINGERPRINT) < 0 || h5out_journal_sync(out) < 0) return -1;
    sync_folder(out->journal_path);
    return 0;
}

/* ---- reading it back: replay into a new .partial ----------------------------------------------
 */

struct reader {
    const unsigned char *at, *end;
    int bad;
};

static int64_t get_i64(struct reader *r) {
    int64_t value = 0;
    if (r->end - r->at < 8) {
        r->bad = 1;
        return 0;
    }
    memcpy(&value, r->at, 8);
    r->at += 8;
    return value;
}

/* A pointer to `size` bytes in place (aligned: records are built of 8-byte pieces). */
static const void *get_bytes(struct reader *r, uint64_t size) {
    uint64_t padded = (size + 7) & ~(uint64_t)7;
    if (size > RECORD_MAX || (uint64_t)(r->end - r->at) < padded) {
        r->bad = 1;
        return NULL;
    }
    const void *data = r->at;
    r->at += padded;
    return data;
}

/* Read the next whole, intact record into *buffer; 1 when there is none (end, or a torn or
 * damaged tail, which is where the journal's valid part ends). */
static int next_record(FILE *file, unsigned char **buffer, size_t *capacity, uint32_t *kind,
                       uint64_t *length) {
    unsigned char header[HEADER_BYTES];
    if (fread(header, 1, HEADER_BYTES, file) != HEADER_BYTES) return 1;
    uint32_t magic, payload_crc, header_crc;
    memcpy(&magic, header, 4);
    memcpy(kind, header + 4, 4);
    memcpy(length, header + 8, 8);
    memcpy(&payload_crc, header + 16, 4);
    memcpy(&header_crc, header + 20, 4);
    if (magic != RECORD_MAGIC || header_crc != (uint32_t)crc32(0L, header, 20) ||
        *length > RECORD_MAX)
        return 1;
    if (*length + 8 > *capacity) {
        unsigned char *grown = realloc(*buffer, (size_t)*length + 8);
        if (!grown) return -1;
        *buffer = grown;
        *capacity = (size_t)*length + 8;
    }
    if (fread(*buffer, 1, (size_t)*length, file) != *length) return 1;
    uint32_t crc = (uint32_t)crc32(0L, *buffer, 0);
    for (uint64_t done = 0; done < *length;) {
        uInt piece = *length - done > (1u << 30) ? (1u << 30) : (uInt)(*length - done);
        crc = (uint32_t)crc32(crc, *buffer + done, piece);
        done += piece;
    }
    return crc == payload_crc ? 0 : 1;
}

/* One ITEM record through the writer's own calls, as the run made them. */
static int replay_item(struct h5out *out, const unsigned char *payload, uint64_t length,
                       long record) {
    struct reader r = {payload, payload + length, 0};
    int index = (int)get_i64(&r), replicate = (int)get_i64(&r);
    struct sim_result result = {0};
    result.n_states = (int)get_i64(&r);
    result.n_types = (int)get_i64(&r);
    result.n_regions = (int)get_i64(&r);
    result.ticks = (int)get_i64(&r);
    result.trust_changed = (int)get_i64(&r);
    result.threat_ticks = get_i64(&r);
    result.peak_active = get_i64(&r);
    uint64_t S = (uint64_t)result.n_states, K = (uint64_t)result.n_types;
    uint64_t G = (uint64_t)result.n_regions;
    if (r.bad || result.n_states < 0 || result.n_types < 0 || result.n_regions < 0 || S > 64 ||
        K > (1u << 20) || G > (1u << 24))
        return h5out_fail(out, "%s: record %ld is damaged", out->journal_path, record);
    result.by_type = (double *)get_bytes(&r, METRIC_COUNT * S * K * sizeof(double));
    result.region_arrivals = (double *)get_bytes(&r, G * sizeof(double));
    result.region_detections = (double *)get_bytes(&r, G * sizeof(double));
    result.region_impacts = (double *)get_bytes(&r, G * sizeof(double));
    result.region_harm = (double *)get_bytes(&r, G * sizeof(double));
    if (index >= 0 && index < out->n_variants && out->variants[index].n_periods > 0) {
        result.n_periods = out->variants[index].n_periods;
        result.sharing_periods =
            (double *)get_bytes(&r, (uint64_t)result.n_periods * S * sizeof(double));
    }
    struct h5out_encoded encoded = {0};
    int has_encoded = (int)get_i64(&r), status = 0;
    if (has_encoded && !r.bad) {
        encoded.ticks = (int)get_i64(&r);
        encoded.n_states = (int)get_i64(&r);
        encoded.keep_series = (int)get_i64(&r);
        encoded.keep_trust = (int)get_i64(&r);
        encoded.series_chunks = (int)get_i64(&r);
        encoded.trust_chunks = (int)get_i64(&r);
        int64_t chunks = get_i64(&r);
        if (r.bad || chunks < 0 || chunks > (1 << 24))
            return h5out_fail(out, "%s: record %ld is damaged", out->journal_path, record);
        encoded.chunks = calloc((size_t)chunks + 1, sizeof *encoded.chunks);
        if (!encoded.chunks)
            return h5out_fail(out, "out of memory replaying %s", out->journal_path);
        encoded.capacity = (int)chunks;
        for (int64_t c = 0; c < chunks && !r.bad; c++) {
            uint64_t size = (uint64_t)get_i64(&r);
            /* The bytes stay in the record buffer: only the pointers are set. */
            encoded.chunks[c].bytes = (unsigned char *)get_bytes(&r, size);
            encoded.chunks[c].size = (size_t)size;
        }
        encoded.valid = 1;
    }
    int has_events = (int)get_i64(&r);
    uint64_t count = has_events ? (uint64_t)get_i64(&r) : 0;
    const struct sim_event *events =
        has_events ? get_bytes(&r, count * sizeof(struct sim_event)) : NULL;
    if (r.bad) {
        free(encoded.chunks);
        return h5out_fail(out, "%s: record %ld is damaged", out->journal_path, record);
    }
    status =
        h5out_variant_write_encoded(out, index, replicate, &result, has_encoded ? &encoded : NULL);
    if (status == 0 && has_events)
        status = h5out_variant_write_events(out, index, replicate, events, (size_t)count);
    free(encoded.chunks);
    return status;
}

/* Read the first record and compare it with this command's fingerprint, naming the first line
 * that differs. 0 when the same, -2 when another run's or damaged, -1 out of memory. */
static int read_fingerprint(FILE *file, const char *path, const char *fingerprint,
                            unsigned char **buffer, size_t *capacity, uint64_t *length, char *err,
                            size_t errlen) {
    uint32_t kind = 0;
    int next = next_record(file, buffer, capacity, &kind, length);
    if (next < 0) {
        snprintf(err, errlen, "out of memory reading %s", path);
        return -1;
    }
    if (next != 0 || kind != KIND_FINGERPRINT) {
        snprintf(err, errlen, "%s has no intact first record: start again with --force", path);
        return -2;
    }
    size_t mine_length = 0;
    char *mine = fingerprint_text(fingerprint, &mine_length);
    if (!mine) {
        snprintf(err, errlen, "out of memory reading %s", path);
        return -1;
    }
    const unsigned char *theirs = *buffer;
    int status = 0;
    if (mine_length != *length || memcmp(mine, theirs, mine_length) != 0) {
        size_t line = 0, i = 0;
        while (i < *length && i < mine_length && theirs[i] == (unsigned char)mine[i]) {
            if (theirs[i] == '\n') line = i + 1;
            i++;
        }
        size_t theirs_end = line, ours_end = line;
        while (theirs_end < *length && theirs[theirs_end] != '\n') theirs_end++;
        while (ours_end < mine_length && mine[ours_end] != '\n') ours_end++;
        snprintf(err, errlen, "%s is of another run: it has '%.*s', this command '%.*s'", path,
                 (int)(theirs_end - line), (const char *)theirs + line, (int)(ours_end - line),
                 mine + line);
        status = -2;
    }
    free(mine);
    return status;
}

int h5out_journal_check(const char *path, const char *fingerprint, char *err, size_t errlen) {
    FILE *file = fopen(path, "rb");
    if (!file) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    unsigned char *buffer = NULL;
    size_t capacity = 0;
    uint64_t length = 0;
    int status =
        read_fingerprint(file, path, fingerprint, &buffer, &capacity, &length, err, errlen);
    free(buffer);
    fclose(file);
    return status < 0 ? -1 : 0;
}

int h5out_journal_replay(struct h5out *out, const char *path, const char *fingerprint,
                         struct h5out_journal_state *state, char *err, size_t errlen) {
    memset(state, 0, sizeof *state);
    snprintf(out->journal_path, sizeof out->journal_path, "%s", path);
    FILE *file = fopen(path, "rb");
    if (!file) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    unsigned char *buffer = NULL;
    size_t capacity = 0;
    uint32_t kind = 0;
    uint64_t length = 0;
    int status =
        read_fingerprint(file, path, fingerprint, &buffer, &capacity, &length, err, errlen);
    long long valid_end = status == 0 ? (long long)(HEADER_BYTES + length) : 0;
    long items = 0;
    out->replaying = 1;
    while (status == 0) {
        int next = next_record(file, &buffer, &capacity, &kind, &length);
        if (next != 0 || kind != KIND_ITEM) {
            if (next < 0) {
                snprintf(err, errlen, "out of memory reading %s", path);
                status = -1;
            }
            break; /* the end, or a torn record left by a kill: what follows is not used */
        }
        if (replay_item(out, buffer, length, items + 1) < 0) {
            snprintf(err, errlen, "%s", h5out_error(out));
            status = -1;
            break;
        }
        items++;
        valid_end += (long long)(HEADER_BYTES + length);
    }
    out->replaying = 0;
    free(buffer);
    fclose(file);
    state->items = items;
    state->valid_end = valid_end;
    return status < 0 ? -1 : 0;
}

int h5out_journal_continue(struct h5out *out, const struct h5out_journal_state *state) {
    if (h5out_check_usable(out) < 0) return -1;
    if (h5out_journal_name(out->final_path, out->journal_path, sizeof out->journal_path) < 0)
        return h5out_fail(out, "output path too long for its journal: %s", out->final_path);
    out->journal_fd = open(out->journal_path, O_WRONLY | O_CLOEXEC);
    if (out->journal_fd < 0)
        return h5out_io_fail(out, "cannot reopen %s: %s", out->journal_path, strerror(errno));
    out->journal_open = 1;
    /* Cut a torn last record, so that new records follow the last intact one. */
    if (ftruncate(out->journal_fd, (off_t)state->valid_end) != 0 ||
        lseek(out->journal_fd, (off_t)state->valid_end, SEEK_SET) < 0)
        return h5out_io_fail(out, "cannot cut %s: %s", out->journal_path, strerror(errno));
    out->journal_end = state->valid_end;
    out->journal_items = state->items;
    return 0;
}
