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

/* Each state keeps its response candidates (a live threat in its territory that it knows and
 * has not engaged in its current region) in a queue that lasts from tick to tick: a binary heap
 * by priority, higher estimate first, then lower serial (older threat). A candidate enters its
 * state's queue once, when it becomes one (the detection pass lists it, detection.c), and so can
 * sleep while it waits (wake.c). Entries are not removed when a threat stops being a candidate
 * (it moves on, dies, or its estimate changes): such an entry is stale, recognised when it comes
 * to the top (still_candidate) and dropped. The order is total (the serial breaks ties) and an
 * entry carries the estimate it was queued with, so the candidates come off the queue in exactly
 * the order a full sort of the current candidates would give them. */
static inline int queue_before(const struct sim_candidate *a, const struct sim_candidate *b) {
    if (a->estimate != b->estimate) return a->estimate > b->estimate;
    return a->serial < b->serial;
}

static void queue_down(struct sim_candidate *items, size_t n, size_t p) {
    struct sim_candidate item = items[p];
    for (;;) {
        size_t child = 2 * p + 1;
        if (child >= n) break;
        if (child + 1 < n && queue_before(&items[child + 1], &items[child])) child++;
        if (!queue_before(&items[child], &item)) break;
        items[p] = items[child];
        p = child;
    }
    items[p] = item;
}

/* Append without ordering (the caller restores the heap). */
static int queue_append(struct sim_queue *q, struct sim_candidate item) {
    if (q->n == q->capacity) {
        size_t capacity = q->capacity ? 2 * q->capacity : 64;
        struct sim_candidate *grown = realloc(q->items, capacity * sizeof *grown);
        if (!grown) return -1;
        q->items = grown;
        q->capacity = capacity;
    }
    q->items[q->n++] = item;
    return 0;
}

static int queue_push(struct sim_queue *q, struct sim_candidate item) {
    if (queue_append(q, item) != 0) return -1;
    size_t p = q->n - 1;
    while (p > 0 && queue_before(&item, &q->items[(p - 1) / 2])) {
        q->items[p] = q->items[(p - 1) / 2];
        p = (p - 1) / 2;
    }
    q->items[p] = item;
    return 0;
}

static struct sim_candidate queue_pop(struct sim_queue *q) {
    struct sim_candidate top = q->items[0];
    q->items[0] = q->items[--q->n];
    if (q->n > 1) queue_down(q->items, q->n, 0);
    return top;
}

static inline struct sim_candidate candidate_of(const struct sim_workspace *ws, size_t i, int s) {
    struct sim_candidate item = {ws->pool.estimate[i * (size_t)ws->n_states + (size_t)s], 0,
                                 ws->pool.serial[i], i};
    return item;
}

/* Is threat i a response candidate of state s now? */
static inline int is_candidate(const struct sim_workspace *ws, size_t i, int s) {
    const struct sim_pool *pool = &ws->pool;
    return pool->flag[i] != FLAG_DEAD && pool->flag[i] != FLAG_REMOVED &&
           ws->region_owner[pool->region[i]] == s && (pool->known[i] >> s & 1) &&
           !(pool->engaged[i] >> s & 1);
}

/* Does the entry still stand for a candidate of s, with the estimate it was queued with? */
static inline int still_candidate(const struct sim_workspace *ws, int s,
                                  const struct sim_candidate *e) {
    size_t i = e->slot;
    return ws->pool.queued[i] == s && is_candidate(ws, i, s) &&
           ws->pool.estimate[i * (size_t)ws->n_states + (size_t)s] == e->estimate;
}

/* After a compaction the slots have moved: every queue is made again from the threats that are
 * queued and still candidates (one entry each, the stale ones gone). */
int response_requeue(struct sim_workspace *ws) {
    struct sim_pool *pool = &ws->pool;
    for (int s = 0; s < ws->n_states; s++) ws->queues[s].n = 0;
    for (size_t i = 0; i < pool->count; i++) {
        int s = pool->queued[i];
        if (s < 0) continue;
        if (!is_candidate(ws, i, s)) {
            pool->queued[i] = -1;
            continue;
        }
        if (queue_append(&ws->queues[s], candidate_of(ws, i, s)) != 0) return -1;
    }
    for (int s = 0; s < ws->n_states; s++)
        for (size_t p = ws->queues[s].n / 2; p-- > 0;)
            queue_down(ws->queues[s].items, ws->queues[s].n, p);
    return 0;
}

static int lender_available(const struct sim_workspace *ws, int s) {
    if (ws->world->assistance_units <= 0) return 0;
    for (uint64_t m = ws->world->neighbours[s] & ws->assist_mask & ~(1ull << s); m; m &= m - 1)
        if (ws->free_units[lowest_bit(m)] > 0) return 1;
    return 0;
}

int phase_response(struct sim_workspace *ws) {
    const struct world *w = ws->world;
    struct sim_pool *pool = &ws->pool;
    size_t S = (size_t)ws->n_states, chunks = chunk_total(ws);
    int t = ws->tick;
    /* this tick's new candidates (listed by the detection pass, in threat order) join their
     * states' queues */
    size_t *found = ws->candidates;
    size_t total = chunk_join_counts(ws, found, ws->chunk_cand, chunks);
    for (size_t c = 0; c < total; c++) {
        size_t i = found[c];
        int s = ws->region_owner[pool->region[i]];
        if (queue_push(&ws->queues[s], candidate_of(ws, i, s)) != 0) return -1;
        pool->queued[i] = (int8_t)s;
    }
    ws->n_removed = 0;
    for (int s = 0; s < (int)S; s++) {
        struct sim_queue *q = &ws->queues[s];
        if (!q->n) continue;
        if (ws->free_units[s] == 0 && !lender_available(ws, s)) continue;
        size_t last = (size_t)-1;
        ws->skipped.n = 0;
        while (q->n) {
            struct sim_candidate top = queue_pop(q);
            /* a stale entry, or a second entry of the same threat (queued again after it had
             * moved away and back): they come off right after each other */
            if (top.slot == last || !still_candidate(ws, s, &top)) continue;
            size_t i = last = top.slot;
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
            if (engager < 0) { /* it stays a candidate: back into the queue after the loop */
                if (queue_append(&ws->skipped, top) != 0) return -1;
                if (!lender_available(ws, s)) break;
                continue;
            }
            pool->queued[i] = -1;
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
                ws->removed[ws->n_removed++] = i; /* movement lays it to rest (it may sleep) */
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
        for (size_t c = 0; c < ws->skipped.n; c++)
            if (queue_push(q, ws->skipped.items[c]) != 0) return -1;
    }
    return 0;
}
