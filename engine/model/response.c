/* response.c — phase 5: response: states engage the known threats in their territory with free
 * units. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "rng.h"
#include "tick.h"

/* ---------------------------------------------------------------- 5. response */

/* Priority: higher estimate first, then lower serial (older threat). */
static inline int response_before(const struct sim_workspace *ws, int s, size_t a, size_t b) {
    size_t S = (size_t)ws->n_states;
    float ea = ws->pool.estimate[a * S + (size_t)s], eb = ws->pool.estimate[b * S + (size_t)s];
    if (ea != eb) return ea > eb;
    return ws->pool.serial[a] < ws->pool.serial[b];
}

/* The candidates of a state are taken in priority order until its units (and its neighbours')
 * run out, usually after a few of many: so they are not sorted but kept as a binary heap, built
 * in linear time, and taken from its top one at a time (top-k selection). The order is total (the
 * serial breaks ties) and no estimate changes during the phase, so the candidates come off the
 * heap in exactly the order a full sort would give them, whatever the heap's layout. */
static void heap_down(const struct sim_workspace *ws, int s, size_t *items, size_t n, size_t p) {
    size_t item = items[p];
    for (;;) {
        size_t child = 2 * p + 1;
        if (child >= n) break;
        if (child + 1 < n && response_before(ws, s, items[child + 1], items[child])) child++;
        if (!response_before(ws, s, items[child], item)) break;
        items[p] = items[child];
        p = child;
    }
    items[p] = item;
}

static void response_heapify(const struct sim_workspace *ws, int s, size_t *items, size_t n) {
    for (size_t p = n / 2; p-- > 0;) heap_down(ws, s, items, n, p);
}

/* The first candidate by priority; the heap keeps the rest in items[0..*n - 1). */
static size_t response_pop(const struct sim_workspace *ws, int s, size_t *items, size_t *n) {
    size_t top = items[0];
    items[0] = items[--*n];
    if (*n > 1) heap_down(ws, s, items, *n, 0);
    return top;
}

static int lender_available(const struct sim_workspace *ws, int s) {
    if (ws->world->assistance_units <= 0) return 0;
    for (uint64_t m = ws->world->neighbours[s] & ws->assist_mask & ~(1ull << s); m; m &= m - 1)
        if (ws->free_units[lowest_bit(m)] > 0) return 1;
    return 0;
}

void phase_response(struct sim_workspace *ws) {
    const struct world *w = ws->world;
    struct sim_pool *pool = &ws->pool;
    size_t S = (size_t)ws->n_states, chunks = chunk_total(ws);
    int t = ws->tick;
    /* candidates in threat order (listed by the detection pass), then grouped by state with a
     * counting sort */
    size_t *first = ws->bucket_first, *found = ws->candidates;
    size_t total = chunk_join_counts(ws, found, ws->chunk_cand, chunks);
    if (!total) return;
    memset(first, 0, (S + 1) * sizeof *first);
    for (size_t c = 0; c < total; c++) first[ws->region_owner[pool->region[found[c]]] + 1]++;
    for (size_t s = 0; s < S; s++) first[s + 1] += first[s];
    for (size_t c = 0; c < total; c++)
        ws->bucket[first[ws->region_owner[pool->region[found[c]]]]++] = found[c];
    for (size_t s = S; s > 0; s--) first[s] = first[s - 1]; /* restore the starts */
    first[0] = 0;
    /* With threads, the buckets of the states that can engage are made heaps first, a state
     * per iteration: a heap touches only its bucket, and a state that cannot engage now cannot
     * later in the phase (units are only taken), so the serial loop below finds every bucket it
     * uses ready, and takes the candidates off it in the same order (the order is total). */
    int presorted = chunks > 1 && total > SIM_PARALLEL_MIN;
    if (presorted) {
#pragma omp parallel for num_threads(ws->options.threads) schedule(dynamic)
        for (long s = 0; s < (long)S; s++) {
            size_t count = first[s + 1] - first[s];
            if (count > 1 && (ws->free_units[s] > 0 || lender_available(ws, (int)s)))
                response_heapify(ws, (int)s, ws->bucket + first[s], count);
        }
    }
    for (int s = 0; s < (int)S; s++) {
        size_t *items = ws->bucket + first[s], count = first[s + 1] - first[s];
        if (!count) continue;
        if (ws->free_units[s] == 0 && !lender_available(ws, s)) continue;
        if (!presorted) response_heapify(ws, s, items, count);
        for (size_t c = 0, left = count; c < count; c++) {
            size_t i = response_pop(ws, s, items, &left);
            int engager = -1, units = 0;
            if (ws->free_units[s] > 0) {
                engager = s;
                units = 1;
            } else if (w->assistance_units > 0) {
                uint64_t lenders =
                    w->neighbours[s] & ws->assist_mask & pool->known[i] & ~(1ull << s);
                for (; lenders; lenders &= lenders - 1) {
                    int j = lowest_bit(lenders);
                    if (ws->free_units[j] > 0) {
                        engager = j;
                        units = ws->free_units[j] < w->assistance_units ? ws->free_units[j]
                                                                        : w->assistance_units;
                        break;
                    }
                }
            }
            if (engager < 0) {
                if (!lender_available(ws, s)) break;
                continue;
            }
            int k = pool->type[i], busy = w->states[engager].busy_ticks;
            ws->free_units[engager] -= units;
            ws->release[(size_t)engager * (size_t)ws->release_len +
                        (size_t)((t + busy) % ws->release_len)] += units;
            int counted = busy < w->ticks - t ? busy : w->ticks - t;
            metric_add(ws, METRIC_ENGAGEMENTS, engager, k, 1.0);
            metric_add(ws, METRIC_BUSY_UNIT_TICKS, engager, k, (double)units * counted);
            double success = 1.0 - pow(1.0 - w->states[engager].interdiction, units);
            pool->engaged[i] |= 1ull << s;
            emit(ws, EVENT_ENGAGEMENT, (long long)pool->uid[i], k, engager, s, pool->region[i],
                 success);
            double u = rng_uniform_at(ws->key[RNG_RESPONSE], pool->uid[i], (uint32_t)t);
            if (u < success) {
                pool->flag[i] = FLAG_REMOVED;
                metric_add(ws, METRIC_INTERDICTIONS, engager, k, 1.0);
                emit(ws, EVENT_INTERDICTION, (long long)pool->uid[i], k, engager, s,
                     pool->region[i], pool->severity[i]);
                int reporter = pool->first_reporter[i * S + (size_t)engager];
                if (reporter >= 0)
                    ws->trust_delta[(size_t)engager * S + (size_t)reporter] += w->trust.gain_used;
                /* what the engager seized tells it about the network; the threat leaves it */
                network_acquire(ws, i, engager);
                network_release(ws, i);
            }
        }
    }
}
