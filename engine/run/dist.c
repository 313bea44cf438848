/* dist.c — work items over MPI ranks: rank 0 hands out chunks, runs some, writes all in order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <omp.h>

#include "c5sim_config.h"
#include "dist.h"

#if C5SIM_HAVE_MPI
#include <mpi.h>

static int dist_started = 0; /* 1 when dist_start() called MPI_Init_thread */
static int world_rank = 0, world_size = 1;

/* Message tags. Worker -> rank 0: REQUEST (int: threads), RESULT (bytes: one item), DONE (the
 * worker's last message: a status letter and a reason). Rank 0 -> worker: CHUNK (long:
 * first position, then plan items; no items = no more work), END (int; rank 0's last message). */
enum { TAG_REQUEST = 1, TAG_CHUNK, TAG_RESULT, TAG_DONE, TAG_END };

/* DONE status letters. */
enum { DONE_OK = 'O', DONE_STOPPED = 'S', DONE_FAILED = 'F', DONE_ENDED = 'E' };

static int launched_by_mpi(void) {
    static const char *const names[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE",
                                        "MPI_LOCALNRANKS"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (getenv(names[i])) return 1;
    return 0;
}

int dist_start(int *argc, char ***argv, char *err, size_t errlen) {
    if (dist_started || !launched_by_mpi()) return 0;
    int provided = 0;
    /* Funneled: only the thread that called MPI_Init (the runner's writer thread) talks. */
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        snprintf(err, errlen, "MPI_Init_thread failed");
        return -1;
    }
    dist_started = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world_size);
    if (provided < MPI_THREAD_FUNNELED) {
        snprintf(err, errlen, "the MPI library does not support MPI_THREAD_FUNNELED");
        return -1;
    }
    return 0;
}

void dist_finish(void) {
    if (!dist_started) return;
    MPI_Finalize();
    dist_started = 0;
}

int dist_rank(void) {
    return dist_started ? world_rank : 0;
}
int dist_size(void) {
    return dist_started ? world_size : 1;
}

int dist_all_ok(int ok) {
    if (!dist_started || world_size == 1) return ok != 0;
    int mine = ok != 0, all = 0;
    MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    return all;
}

int dist_broadcast(void *data, size_t bytes) {
    if (!dist_started || world_size == 1) return 0;
    for (size_t from = 0; from < bytes; from += (size_t)1 << 30) {
        size_t n = bytes - from < (size_t)1 << 30 ? bytes - from : (size_t)1 << 30;
        if (MPI_Bcast((char *)data + from, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
            return -1;
    }
    return 0;
}

static void pause_briefly(void) {
    /* Polling with a pause instead of a blocking receive: Open MPI's blocking calls spin, which
     * would take a core from the computing threads. */
    struct timespec t = {0, 200000};
    nanosleep(&t, NULL);
}

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* ---- one item's result on the wire ---------------------------------------------------------
 * A header, then by_type, series (if kept), trust (if kept, padded to 8 bytes), the four region
 * arrays and the events, in native byte order (the ranks run the same build). */
struct wire_header {
    long long position, item;
    int n_states, n_types, ticks, n_regions;
    int has_series, has_trust, trust_changed, n_periods;
    long long threat_ticks, peak_active, n_events;
};

struct wire_sizes {
    size_t by_type, series, trust, trust_padded, regions, periods, events, total;
};

static struct wire_sizes wire_sizes_of(int S, int K, int T, int G, int has_series, int has_trust,
                                       int n_periods, size_t n_events) {
    struct wire_sizes sizes;
    sizes.by_type = (size_t)METRIC_COUNT * (size_t)S * (size_t)K * sizeof(double);
    sizes.series = has_series ? (size_t)METRIC_COUNT * (size_t)T * (size_t)S * sizeof(double) : 0;
    sizes.trust = has_trust ? (size_t)T * (size_t)S * (size_t)S * sizeof(float) : 0;
    sizes.trust_padded = (sizes.trust + 7) / 8 * 8;
    sizes.regions = 4 * (size_t)G * sizeof(double);
    sizes.periods = (size_t)n_periods * (size_t)S * sizeof(double);
    sizes.events = n_events * sizeof(struct sim_event);
    sizes.total = sizeof(struct wire_header) + sizes.by_type + sizes.series + sizes.trust_padded +
                  sizes.regions + sizes.periods + sizes.events;
    return sizes;
}

static unsigned char *wire_pack(long position, long item, const struct sim_result *result,
                                const struct sim_event *events, size_t n_events, size_t *size) {
    int has_series = result->series != NULL, has_trust = result->trust != NULL;
    int n_periods = result->sharing_periods ? result->n_periods : 0;
    struct wire_sizes sizes =
        wire_sizes_of(result->n_states, result->n_types, result->ticks, result->n_regions,
                      has_series, has_trust, n_periods, n_events);
    unsigned char *buffer = calloc(1, sizes.total);
    if (!buffer) return NULL;
    struct wire_header header = {
        .position = position,
        .item = item,
        .n_states = result->n_states,
        .n_types = result->n_types,
        .ticks = result->ticks,
        .n_regions = result->n_regions,
        .has_series = has_series,
        .has_trust = has_trust,
        .trust_changed = result->trust_changed,
        .n_periods = n_periods,
        .threat_ticks = result->threat_ticks,
        .peak_active = result->peak_active,
        .n_events = (long long)n_events,
    };
    unsigned char *at = buffer;
    memcpy(at, &header, sizeof header), at += sizeof header;
    memcpy(at, result->by_type, sizes.by_type), at += sizes.by_type;
    if (has_series) memcpy(at, result->series, sizes.series), at += sizes.series;
    if (has_trust) memcpy(at, result->trust, sizes.trust), at += sizes.trust_padded;
    size_t region_bytes = sizes.regions / 4;
    const double *regions[4] = {result->region_arrivals, result->region_detections,
                                result->region_impacts, result->region_harm};
    for (int i = 0; i < 4; i++) memcpy(at, regions[i], region_bytes), at += region_bytes;
    if (n_periods) memcpy(at, result->sharing_periods, sizes.periods), at += sizes.periods;
    if (n_events) memcpy(at, events, sizes.events);
    *size = sizes.total;
    return buffer;
}

/* Unpack into `result` (allocated for the item's world and options); events point into the
 * buffer. Returns 0, or -1 with err when the shape is not the expected one. */
static int wire_unpack(const unsigned char *buffer, size_t size, struct sim_result *result,
                       const struct sim_event **events, size_t *n_events, char *err,
                       size_t errlen) {
    struct wire_header header;
    if (size < sizeof header) {
        snprintf(err, errlen, "a result message of %zu bytes is too short", size);
        return -1;
    }
    memcpy(&header, buffer, sizeof header);
    int has_series = result->series != NULL, has_trust = result->trust != NULL;
    if (header.n_states != result->n_states || header.n_types != result->n_types ||
        header.ticks != result->ticks || header.n_regions != result->n_regions ||
        header.has_series != has_series || header.has_trust != has_trust || header.n_events < 0 ||
        header.n_periods != (result->sharing_periods ? result->n_periods : 0)) {
        snprintf(err, errlen, "item %lld arrived with another shape than its world's", header.item);
        return -1;
    }
    struct wire_sizes sizes =
        wire_sizes_of(header.n_states, header.n_types, header.ticks, header.n_regions, has_series,
                      has_trust, header.n_periods, (size_t)header.n_events);
    if (sizes.total != size) {
        snprintf(err, errlen, "item %lld: message of %zu bytes, expected %zu", header.item, size,
                 sizes.total);
        return -1;
    }
    const unsigned char *at = buffer + sizeof header;
    memcpy(result->by_type, at, sizes.by_type), at += sizes.by_type;
    if (has_series) memcpy(result->series, at, sizes.series), at += sizes.series;
    if (has_trust) memcpy(result->trust, at, sizes.trust), at += sizes.trust_padded;
    size_t region_bytes = sizes.regions / 4;
    double *regions[4] = {result->region_arrivals, result->region_detections,
                          result->region_impacts, result->region_harm};
    for (int i = 0; i < 4; i++) memcpy(regions[i], at, region_bytes), at += region_bytes;
    if (header.n_periods) memcpy(result->sharing_periods, at, sizes.periods), at += sizes.periods;
    result->trust_changed = header.trust_changed;
    result->threat_ticks = header.threat_ticks;
    result->peak_active = header.peak_active;
    *events = header.n_events ? (const struct sim_event *)at : NULL;
    *n_events = (size_t)header.n_events;
    return 0;
}

/* ---- rank 0 ------------------------------------------------------------------------------ */

struct worker_state {
    int done;    /* its DONE arrived */
    int ended;   /* END sent */
    long *chunk; /* buffer of the last CHUNK sent (kept until the send completes) */
    MPI_Request chunk_request, end_request;
    int end_value;
};

struct coordinator {
    struct runner *runner;
    const struct runner_options *options;
    const long *items;
    long n_items;
    struct h5out *out;
    struct runner_results *results;
    long next_claim, next_write, chunk_base;
    unsigned char **store; /* [position]: packed results that arrived before their turn */
    size_t *store_size;
    struct worker_state *workers; /* [rank]; rank 0 unused */
    int workers_done;
    int failed, interrupted;
    char *err;
    size_t errlen;
    struct sim_result *scratch;
    int scratch_variant;
    double last_flush;
};

/* Record the first failure (later ones are consequences); returns -1. */
static int coordinator_fail(struct coordinator *c, const char *message) {
    if (!c->failed) {
        c->failed = 1;
        snprintf(c->err, c->errlen, "%s", message);
    }
    return -1;
}

/* A failure on another rank, named by its rank. */
static int coordinator_fail_rank(struct coordinator *c, int rank, const char *message) {
    char full[1200];
    snprintf(full, sizeof full, "rank %d: %s", rank, message);
    return coordinator_fail(c, full);
}

static int stop_requested(const struct coordinator *c) {
    long stop_after = c->options->stop_after_items;
    return (c->options->stop && *c->options->stop) ||
           (stop_after > 0 && c->next_write >= stop_after);
}

/* Next chunk for a rank with `threads` threads: shrinking with what is left (a few chunks per
 * rank remain at the end, so ranks finish together), at most 8 items per thread. */
static long claim(struct coordinator *c, int threads, long *first) {
    /* The testing stop (stop_after_items) hands out nothing past its count. */
    long limit = c->n_items, stop_after = c->options->stop_after_items;
    if (stop_after > 0 && stop_after < limit) limit = stop_after;
    long remaining = limit - c->next_claim;
    if (remaining <= 0 || c->failed || c->interrupted || stop_requested(c)) return 0;
    long count = remaining / (2L * dist_size());
    long most = 8L * (threads > 0 ? threads : 1);
    if (count > most) count = most;
    if (count < 1) count = 1;
    *first = c->next_claim;
    c->next_claim += count;
    return count;
}

/* Write one item (rank 0's or a worker's) and keep its totals. */
static int deliver(struct coordinator *c, long position, const struct sim_result *result,
                   const struct sim_event *events, size_t n_events) {
    long item = c->items[position];
    int variant = (int)(item / c->results->replicates);
    int replicate = (int)(item % c->results->replicates);
    if (c->out && (h5out_variant_write_replicate(c->out, variant, replicate, result) != 0 ||
                   (c->options->keep_events &&
                    h5out_variant_write_events(c->out, variant, replicate, events, n_events) != 0)))
        return coordinator_fail(c, h5out_error(c->out));
    runner_results_keep(c->results, variant, replicate, result);
    c->results->items_written++;
    c->next_write = position + 1;
    return 0;
}

/* Write the stored items whose turn has come. */
static int write_stored(struct coordinator *c) {
    while (!c->failed && c->next_write < c->n_items && c->store[c->next_write]) {
        long position = c->next_write;
        long item = c->items[position];
        int variant = (int)(item / c->results->replicates);
        if (c->scratch_variant != variant) {
            struct sim_options sim_options = {.keep_series = c->options->keep_series,
                                              .keep_trust = c->options->keep_trust};
            sim_result_free(c->scratch);
            c->scratch = sim_result_alloc(runner_world(c->runner, variant), &sim_options);
            c->scratch_variant = c->scratch ? variant : -1;
            if (!c->scratch) return coordinator_fail(c, "out of memory for a result");
        }
        const struct sim_event *events = NULL;
        size_t n_events = 0;
        char message[512];
        if (wire_unpack(c->store[position], c->store_size[position], c->scratch, &events, &n_events,
                        message, sizeof message) != 0)
            return coordinator_fail(c, message);
        int status = deliver(c, position, c->scratch, events, n_events);
        free(c->store[position]);
        c->store[position] = NULL;
        if (status) return -1;
    }
    double now = now_seconds();
    if (c->out && now - c->last_flush > 5.0) {
        /* As the single-process runner does: keep the .partial useful if the job dies. */
        c->last_flush = now;
        if (h5out_flush(c->out) != 0) return coordinator_fail(c, h5out_error(c->out));
    }
    return 0;
}

static void send_end(struct coordinator *c, int rank, int value) {
    struct worker_state *worker = &c->workers[rank];
    if (worker->ended) return;
    worker->ended = 1;
    worker->end_value = value;
    MPI_Isend(&worker->end_value, 1, MPI_INT, rank, TAG_END, MPI_COMM_WORLD, &worker->end_request);
}

/* Answer every message that has arrived. */
static void serve(struct coordinator *c) {
    for (;;) {
        int flag = 0;
        MPI_Status status;
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status);
        if (!flag) break;
        int rank = status.MPI_SOURCE, count = 0;
        struct worker_state *worker = &c->workers[rank];
        if (status.MPI_TAG == TAG_REQUEST) {
            int threads = 1;
            MPI_Recv(&threads, 1, MPI_INT, rank, TAG_REQUEST, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            /* A request crossing rank 0's END goes unanswered: END is rank 0's last word. */
            if (worker->ended) continue;
            long first = 0, n = claim(c, threads, &first);
            if (worker->chunk) MPI_Wait(&worker->chunk_request, MPI_STATUS_IGNORE);
            free(worker->chunk);
            worker->chunk = malloc((size_t)(n + 1) * sizeof *worker->chunk);
            if (!worker->chunk) {
                /* Cannot even say "no more work": the last resort. */
                fprintf(stderr, "c5sim: rank 0: out of memory serving rank %d\n", rank);
                MPI_Abort(MPI_COMM_WORLD, 1);
            }
            worker->chunk[0] = first;
            memcpy(worker->chunk + 1, c->items + first, (size_t)n * sizeof *worker->chunk);
            MPI_Isend(worker->chunk, (int)(n + 1), MPI_LONG, rank, TAG_CHUNK, MPI_COMM_WORLD,
                      &worker->chunk_request);
        } else if (status.MPI_TAG == TAG_RESULT) {
            MPI_Get_count(&status, MPI_BYTE, &count);
            unsigned char *buffer = malloc(count > 0 ? (size_t)count : 1);
            MPI_Recv(buffer ? buffer : (unsigned char *)&flag, buffer ? count : 0, MPI_BYTE, rank,
                     TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            struct wire_header header;
            if (!buffer) {
                coordinator_fail(c, "out of memory receiving a result");
            } else if ((size_t)count < sizeof header) {
                coordinator_fail_rank(c, rank, "sent a truncated result");
                free(buffer);
            } else {
                memcpy(&header, buffer, sizeof header);
                long position = (long)header.position;
                if (position < c->next_write || position >= c->next_claim || c->store[position] ||
                    c->items[position] != header.item) {
                    coordinator_fail_rank(c, rank, "sent a result nobody asked for");
                    free(buffer);
                } else if (c->failed) {
                    free(buffer); /* the run is over; nothing more is written */
                } else {
                    c->store[position] = buffer;
                    c->store_size[position] = (size_t)count;
                }
            }
        } else if (status.MPI_TAG == TAG_DONE) {
            MPI_Get_count(&status, MPI_CHAR, &count);
            char message[1024] = "";
            if (count > (int)sizeof message - 1) count = (int)sizeof message - 1;
            MPI_Recv(message, (int)sizeof message - 1, MPI_CHAR, rank, TAG_DONE, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
            message[count > 0 ? count : 0] = '\0';
            worker->done = 1;
            c->workers_done++;
            if (message[0] == DONE_FAILED)
                coordinator_fail_rank(c, rank, message + 1);
            else if (message[0] == DONE_STOPPED)
                c->interrupted = 1;
            send_end(c, rank, 0);
        } else {
            /* Nothing else is sent to rank 0; take it off the queue and fail. */
            MPI_Recv(NULL, 0, MPI_BYTE, rank, status.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            coordinator_fail_rank(c, rank, "sent an unknown message");
        }
    }
    write_stored(c);
}

static int coordinator_on_result(void *context, long index, long item,
                                 const struct sim_result *result, const struct sim_event *events,
                                 size_t n_events, char *err, size_t errlen) {
    struct coordinator *c = context;
    long position = c->chunk_base + index;
    (void)item;
    if (c->failed) {
        snprintf(err, errlen, "%s", c->err);
        return -1;
    }
    if (position == c->next_write) {
        if (deliver(c, position, result, events, n_events) != 0 || write_stored(c) != 0) {
            snprintf(err, errlen, "%s", c->err);
            return -1;
        }
        return 0;
    }
    /* A worker holds an earlier item: keep this one packed until its turn. */
    size_t size = 0;
    c->store[position] = wire_pack(position, c->items[position], result, events, n_events, &size);
    c->store_size[position] = size;
    if (!c->store[position]) {
        coordinator_fail(c, "out of memory keeping a result");
        snprintf(err, errlen, "%s", c->err);
        return -1;
    }
    return 0;
}

static int coordinator_poll(void *context, char *err, size_t errlen) {
    struct coordinator *c = context;
    serve(c);
    if (c->failed) {
        snprintf(err, errlen, "%s", c->err);
        return -1;
    }
    /* A worker that was interrupted stops the whole run, saved as far as it is complete. */
    if (c->interrupted && c->options->stop) *c->options->stop = 1;
    return 0;
}

static int coordinate(struct runner *runner, const struct runner_options *options,
                      const long *items, long n_items, struct h5out *out,
                      struct runner_results *results, char *err, size_t errlen) {
    struct coordinator c = {
        .runner = runner,
        .options = options,
        .items = items,
        .n_items = n_items,
        .out = out,
        .results = results,
        .err = err,
        .errlen = errlen,
        .scratch_variant = -1,
        .last_flush = now_seconds(),
    };
    c.store = calloc((size_t)(n_items > 0 ? n_items : 1), sizeof *c.store);
    c.store_size = calloc((size_t)(n_items > 0 ? n_items : 1), sizeof *c.store_size);
    c.workers = calloc((size_t)world_size, sizeof *c.workers);
    if (!c.store || !c.store_size || !c.workers) {
        fprintf(stderr, "c5sim: rank 0: out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    /* Rank 0's own chunks: no progress bar per chunk, no per-execution stop count. */
    struct runner_options own = *options;
    own.progress = 0;
    own.stop_after_items = 0;
    struct runner_hooks hooks = {
        .context = &c, .on_result = coordinator_on_result, .poll = coordinator_poll};
    int threads = options->threads > 0 ? options->threads : omp_get_num_procs();
    double start = now_seconds();
    for (;;) {
        serve(&c);
        long first = 0, n = claim(&c, threads, &first);
        if (n > 0) {
            c.chunk_base = first;
            char message[1024] = "";
            int status = runner_execute_items(runner, &own, items + first, n, NULL, NULL, &hooks,
                                              message, sizeof message);
            if (status < 0) coordinator_fail(&c, message);
            if (status == 1) c.interrupted = 1;
            continue;
        }
        if (c.failed || c.interrupted || stop_requested(&c))
            for (int rank = 1; rank < world_size; rank++)
                if (!c.workers[rank].done) send_end(&c, rank, 1);
        if (c.workers_done == world_size - 1) break;
        pause_briefly();
    }
    serve(&c);
    for (int rank = 1; rank < world_size; rank++) {
        send_end(&c, rank, 0);
        if (c.workers[rank].chunk) MPI_Wait(&c.workers[rank].chunk_request, MPI_STATUS_IGNORE);
        MPI_Wait(&c.workers[rank].end_request, MPI_STATUS_IGNORE);
        free(c.workers[rank].chunk);
    }
    for (long i = 0; i < n_items; i++) free(c.store[i]);
    free(c.store);
    free(c.store_size);
    free(c.workers);
    sim_result_free(c.scratch);
    results->seconds += now_seconds() - start;
    if (c.failed) return -1;
    if (c.next_write < n_items) {
        results->interrupted = 1;
        return 1;
    }
    return 0;
}

/* ---- ranks other than 0 -------------------------------------------------------------------- */

/* Results on their way to rank 0: sent without waiting (rank 0 receives them between its own
 * items), each buffer kept until its send completes. */
enum { OUTBOX_SIZE = 64 };

struct worker {
    long chunk_base;
    int ended; /* END arrived */
    unsigned char *outbox[OUTBOX_SIZE];
    MPI_Request sends[OUTBOX_SIZE];
};

/* Free the buffers of completed sends; with `wait`, wait for every send. */
static void outbox_reap(struct worker *worker, int wait) {
    for (int i = 0; i < OUTBOX_SIZE; i++) {
        if (!worker->outbox[i]) continue;
        int done = 0;
        if (wait)
            MPI_Wait(&worker->sends[i], MPI_STATUS_IGNORE), done = 1;
        else
            MPI_Test(&worker->sends[i], &done, MPI_STATUS_IGNORE);
        if (done) {
            free(worker->outbox[i]);
            worker->outbox[i] = NULL;
        }
    }
}

static int worker_on_result(void *context, long index, long item, const struct sim_result *result,
                            const struct sim_event *events, size_t n_events, char *err,
                            size_t errlen) {
    struct worker *worker = context;
    size_t size = 0;
    unsigned char *buffer =
        wire_pack(worker->chunk_base + index, item, result, events, n_events, &size);
    if (!buffer) {
        snprintf(err, errlen, "out of memory packing a result");
        return -1;
    }
    if (size > (size_t)0x7fffffff) {
        free(buffer);
        snprintf(err, errlen, "a result of %zu bytes is too large for one message", size);
        return -1;
    }
    int slot = -1;
    while (slot < 0) {
        outbox_reap(worker, 0);
        for (int i = 0; i < OUTBOX_SIZE && slot < 0; i++)
            if (!worker->outbox[i]) slot = i;
        if (slot < 0) pause_briefly(); /* rank 0 is behind: let it catch up */
    }
    worker->outbox[slot] = buffer;
    MPI_Isend(buffer, (int)size, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD, &worker->sends[slot]);
    return 0;
}

static int worker_poll(void *context, char *err, size_t errlen) {
    struct worker *worker = context;
    outbox_reap(worker, 0);
    int flag = 0;
    MPI_Iprobe(0, TAG_END, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
    if (!flag) return 0;
    int value = 0;
    MPI_Recv(&value, 1, MPI_INT, 0, TAG_END, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    worker->ended = 1;
    snprintf(err, errlen, "ended by rank 0");
    return -1;
}

/* Wait for rank 0's next message; returns its tag and fills status. */
static int wait_for_rank0(MPI_Status *status) {
    for (;;) {
        int flag = 0;
        MPI_Iprobe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, status);
        if (flag) return status->MPI_TAG;
        pause_briefly();
    }
}

/* Testing only (tests/dist): C5SIM_TEST_FAIL_RANK=R makes rank R (> 0) fail on its first
 * chunk, to check that a failure on another rank ends the run cleanly. */
static int fail_on_this_rank(void) {
    const char *rank = getenv("C5SIM_TEST_FAIL_RANK");
    return rank && atoi(rank) == world_rank;
}

static int work_for_rank0(struct runner *runner, const struct runner_options *options, char *err,
                          size_t errlen) {
    struct runner_options own = *options;
    own.progress = 0;
    own.stop_after_items = 0;
    int threads = options->threads > 0 ? options->threads : omp_get_num_procs();
    struct worker worker = {0};
    struct runner_hooks hooks = {
        .context = &worker, .on_result = worker_on_result, .poll = worker_poll};
    char done = DONE_OK;
    MPI_Send(&threads, 1, MPI_INT, 0, TAG_REQUEST, MPI_COMM_WORLD);
    long *chunk = NULL;
    while (done == DONE_OK) {
        MPI_Status status;
        int tag = wait_for_rank0(&status), count = 0;
        if (tag == TAG_END) {
            int value = 0;
            MPI_Recv(&value, 1, MPI_INT, 0, TAG_END, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            worker.ended = 1;
            done = DONE_ENDED;
            break;
        }
        MPI_Get_count(&status, MPI_LONG, &count);
        free(chunk);
        chunk = malloc((size_t)(count > 0 ? count : 1) * sizeof *chunk);
        if (!chunk) {
            snprintf(err, errlen, "out of memory for a chunk of %d items", count);
            done = DONE_FAILED;
            MPI_Recv(NULL, 0, MPI_LONG, 0, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            break;
        }
        MPI_Recv(chunk, count, MPI_LONG, 0, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (tag != TAG_CHUNK) {
            snprintf(err, errlen, "unexpected message (tag %d) from rank 0", tag);
            done = DONE_FAILED;
            break;
        }
        if (count <= 1) break; /* no more work */
        if (fail_on_this_rank()) {
            snprintf(err, errlen, "injected failure (C5SIM_TEST_FAIL_RANK=%d)", world_rank);
            done = DONE_FAILED;
            break;
        }
        /* Ask for the next chunk now, so that it is here when this one is done. */
        MPI_Send(&threads, 1, MPI_INT, 0, TAG_REQUEST, MPI_COMM_WORLD);
        worker.chunk_base = chunk[0];
        int status_code = runner_execute_items(runner, &own, chunk + 1, count - 1, NULL, NULL,
                                               &hooks, err, errlen);
        if (status_code < 0) done = worker.ended ? DONE_ENDED : DONE_FAILED;
        if (status_code == 1) done = DONE_STOPPED;
    }
    free(chunk);
    outbox_reap(&worker, 1); /* rank 0 keeps receiving until this rank's DONE */
    /* The last word to rank 0: how this rank ended (and why, if it failed). */
    char message[1024];
    snprintf(message, sizeof message, "%c%s", done, done == DONE_FAILED ? err : "");
    MPI_Send(message, (int)strlen(message) + 1, MPI_CHAR, 0, TAG_DONE, MPI_COMM_WORLD);
    /* Then wait for rank 0's END, taking chunks answered to requests still on their way. */
    while (!worker.ended) {
        MPI_Status status;
        int tag = wait_for_rank0(&status), count = 0;
        MPI_Get_count(&status, MPI_BYTE, &count);
        unsigned char *scratch = malloc(count > 0 ? (size_t)count : 1);
        MPI_Recv(scratch, scratch ? count : 0, MPI_BYTE, 0, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        free(scratch);
        if (tag == TAG_END) worker.ended = 1;
    }
    /* END may have overtaken (by tag) a chunk sent before it: take that too, so that rank 0's
     * send of it completes. Rank 0 sends nothing after END. */
    for (;;) {
        int flag = 0, count = 0;
        MPI_Status status;
        MPI_Iprobe(0, TAG_CHUNK, MPI_COMM_WORLD, &flag, &status);
        if (!flag) break;
        MPI_Get_count(&status, MPI_LONG, &count);
        long *scratch = malloc((size_t)(count > 0 ? count : 1) * sizeof *scratch);
        MPI_Recv(scratch, scratch ? count : 0, MPI_LONG, 0, TAG_CHUNK, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        free(scratch);
    }
    if (done == DONE_FAILED) return -1;
    return done == DONE_STOPPED ? 1 : 0;
}

int dist_execute(struct runner *runner, const struct runner_options *options, const long *items,
                 long n_items, struct h5out *out, struct runner_results *results, char *err,
                 size_t errlen) {
    if (!dist_started || world_size == 1)
        return runner_execute_items(runner, options, items, n_items, out, results, NULL, err,
                                    errlen);
    if (world_rank == 0)
        return coordinate(runner, options, items, n_items, out, results, err, errlen);
    return work_for_rank0(runner, options, err, errlen);
}

#else /* built without MPI: this process alone */

int dist_start(int *argc, char ***argv, char *err, size_t errlen) {
    (void)argc, (void)argv, (void)err, (void)errlen;
    return 0;
}
void dist_finish(void) {}
int dist_rank(void) {
    return 0;
}
int dist_size(void) {
    return 1;
}
int dist_all_ok(int ok) {
    return ok != 0;
}

int dist_broadcast(void *data, size_t bytes) {
    (void)data, (void)bytes;
    return 0;
}

int dist_execute(struct runner *runner, const struct runner_options *options, const long *items,
                 long n_items, struct h5out *out, struct runner_results *results, char *err,
                 size_t errlen) {
    return runner_execute_items(runner, options, items, n_items, out, results, NULL, err, errlen);
}

#endif
