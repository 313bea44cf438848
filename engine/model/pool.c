/* pool.c — the threat pool and the queues: compaction, growth, reports, contagion copies. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "rng.h"
#include "tick.h"

/* Drop the dead slots, keeping the survivors in order: runs of survivors move as blocks, each
 * array on its own (with threads, the arrays are shared out among them: moving one array touches
 * no other, so the result is the same). */
int pool_compact(struct sim_workspace *ws) {
    struct sim_pool *pool = &ws->pool;
    size_t n = pool->count, S = (size_t)ws->n_states, i = 0, kept = 0;
    /* runs of survivors that move, as (first slot, length) pairs in ws->detected (free scratch
     * whenever the pool is compacted); a run is preceded by a dead slot, so they fit in n */
    size_t *runs = ws->detected, n_runs = 0;
    while (i < n && pool->flag[i] != FLAG_DEAD) i++;
    size_t in_place = i;
    while (i < n) {
        while (i < n && pool->flag[i] == FLAG_DEAD) i++;
        size_t run = i;
        while (i < n && pool->flag[i] != FLAG_DEAD) i++;
        if (i == run) break;
        runs[2 * n_runs] = run;
        runs[2 * n_runs + 1] = i - run;
        n_runs++;
        kept += i - run;
    }
    /* widest first, so that a dynamic share-out of the arrays balances */
    struct {
        void *base;
        size_t width;
    } arrays[] = {
        {pool->estimate, S * sizeof *pool->estimate},
        {pool->serial, sizeof *pool->serial},
        {pool->uid, sizeof *pool->uid},
        {pool->severity, sizeof *pool->severity},
        {pool->budget, sizeof *pool->budget},
        {pool->hazard, sizeof *pool->hazard},
        {pool->known, sizeof *pool->known},
        {pool->intel, sizeof *pool->intel},
        {pool->engaged, sizeof *pool->engaged},
        {pool->told, sizeof *pool->told},
        {pool->first_reporter, S * sizeof *pool->first_reporter},
        {pool->type, sizeof *pool->type},
        {pool->path, sizeof *pool->path},
        {pool->pos, sizeof *pool->pos},
        {pool->depart, sizeof *pool->depart},
        {pool->region, sizeof *pool->region},
        {pool->at_target, sizeof *pool->at_target},
        {pool->victim, sizeof *pool->victim},
        {pool->crossed, sizeof *pool->crossed},
        {pool->queued, sizeof *pool->queued},
        {pool->flag, sizeof *pool->flag},
        {pool->wake, sizeof *pool->wake},
        {pool->seen, sizeof *pool->seen},
        /* the channels' optional arrays (NULL when the world does not use them: skipped) */
        {pool->fused_log, S * sizeof *pool->fused_log},
        {pool->fused_prec, S * sizeof *pool->fused_prec},
        {pool->centre_w, sizeof *pool->centre_w},
        {pool->centre_m, sizeof *pool->centre_m},
        {pool->centre_from, sizeof *pool->centre_from},
        {pool->network, sizeof *pool->network},
        {pool->net_key, sizeof *pool->net_key},
        {pool->watched, sizeof *pool->watched},
    };
    long n_arrays = (long)(sizeof arrays / sizeof arrays[0]);
#pragma omp parallel for num_threads(ws->options.threads)                                          \
    schedule(dynamic) if (ws->options.threads > 1 && n > SIM_PARALLEL_MIN)
    for (long a = 0; a < n_arrays; a++) {
        char *base = arrays[a].base;
        if (!base) continue;
        size_t width = arrays[a].width, to = in_place;
        for (size_t r = 0; r < n_runs; r++) {
            size_t from = runs[2 * r], length = runs[2 * r + 1];
            memmove(base + to * width, base + from * width, length * width);
            to += length;
        }
    }
    pool->count = in_place + kept;
    pool->dead = 0;
    pool->live_from = 0;
    return response_requeue(ws);
}

/* Join the chunks' segments of `list` (ws->chunk_count[c] entries from chunk c's first slot)
 * into one list; returns its length. */
size_t chunk_join(const struct sim_workspace *ws, size_t *list, size_t chunks) {
    return chunk_join_counts(ws, list, ws->chunk_count, chunks);
}

size_t chunk_join_counts(const struct sim_workspace *ws, size_t *list, const size_t *counts,
                         size_t chunks) {
    size_t total = 0;
    for (size_t c = 0; c < chunks; c++) {
        size_t begin = chunk_begin(&ws->pool, c, chunks), count = counts[c];
        if (begin != total) memmove(list + total, list + begin, count * sizeof *list);
        total += count;
    }
    return total;
}

int pool_reserve_slots(struct sim_workspace *ws, size_t n, char *err, size_t errlen) {
    struct sim_pool *pool = &ws->pool;
    size_t bound = ws->world->max_active_threats;
    if (bound && pool_active(pool) + n > bound) {
        snprintf(err, errlen,
                 "more than %zu active threats at tick %d (max_active_threats, derived from the "
                 "memory limit): raise the limit or lower the arrival rates",
                 bound, ws->tick);
        return -1;
    }
    /* A full pool is compacted when at least a quarter of it is dead (or it cannot grow), so
     * that a compaction moves at most three survivors per slot it frees; else it grows by half.
     * Compacting a pool with few dead slots every few ticks (active threats just below the
     * capacity) would copy every survivor for a handful of slots. Dead slots count for the
     * memory, not for the bound on active threats: the slots may reach one and a half times it
     * (the scenario's memory estimate counts them, engine/scenario/scenario.c). */
    size_t slots = bound ? bound + bound / 2 : 0;
    if (pool->count + n <= pool->capacity) return 0;
    int over = slots && pool->count + n > slots; /* only a compaction keeps it within them */
    if (pool->dead && (pool->dead * 4 >= pool->count || over) && pool_compact(ws) != 0) {
        snprintf(err, errlen, "out of memory queueing response candidates");
        return -1;
    }
    if (pool->count + n > pool->capacity) {
        size_t capacity = pool->capacity + pool->capacity / 2 + 1;
        if (capacity < pool->count + n) capacity = pool->count + n;
        if (slots && capacity > slots) capacity = slots > pool->count + n ? slots : pool->count + n;
        if (sim_pool_reserve(ws, capacity) != 0) {
            snprintf(err, errlen, "out of memory growing the threat pool to %zu", capacity);
            return -1;
        }
    }
    return 0;
}

int report_push(struct sim_workspace *ws, const struct sim_report *report) {
    if (ws->n_reports == ws->report_capacity) {
        size_t capacity = ws->report_capacity ? 2 * ws->report_capacity : 256;
        struct sim_report *grown = realloc(ws->reports, capacity * sizeof *grown);
        if (!grown) return -1;
        ws->reports = grown;
        ws->report_capacity = capacity;
    }
    ws->reports[ws->n_reports++] = *report;
    return 0;
}

int spawn_push(struct sim_workspace *ws, const struct sim_spawn *spawn) {
    if (ws->n_spawns_next == ws->spawn_capacity) {
        size_t capacity = ws->spawn_capacity ? 2 * ws->spawn_capacity : 64;
        struct sim_spawn *a = realloc(ws->spawns, capacity * sizeof *a);
        if (!a) return -1;
        ws->spawns = a;
        struct sim_spawn *b = realloc(ws->spawns_next, capacity * sizeof *b);
        if (!b) return -1;
        ws->spawns_next = b;
        ws->spawn_capacity = capacity;
    }
    ws->spawns_next[ws->n_spawns_next++] = *spawn;
    return 0;
}

/* Slot of the active threat with this serial, or -1 (the pool, dead slots included, is sorted by
 * serial). Serials are consecutive but for the threats compacted away, so a slot is close to where
 * the serial falls between its neighbours' serials: interpolation finds it in a few probes, with
 * bisection as the fallback when a probe does not narrow the range (irregular gaps). */
long pool_find(const struct sim_workspace *ws, uint64_t serial) {
    const uint64_t *serials = ws->pool.serial;
    long low = 0, high = (long)ws->pool.count - 1;
    int guess = 1;
    while (low <= high) {
        uint64_t first = serials[low], last = serials[high];
        if (serial < first || serial > last) return -1;
        long mid = low + (high - low) / 2;
        if (guess && last > first)
            mid = low + (long)((double)(serial - first) / (double)(last - first) * (high - low));
        uint64_t s = serials[mid];
        if (s == serial) return ws->pool.flag[mid] == FLAG_DEAD ? -1 : mid;
        long before = high - low;
        if (s < serial)
            low = mid + 1;
        else
            high = mid - 1;
        guess = high - low < before / 2 + 8; /* it narrowed well: keep interpolating */
    }
    return -1;
}
