/* movement.c — phase 6: movement along the routes, harm per tick and impacts (with their
 * consequences). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "rng.h"
#include "tick.h"

/* ---------------------------------------------------------------- 6. movement and impact */

static inline uint8_t move_one(struct sim_workspace *ws, size_t i) {
    struct sim_pool *pool = &ws->pool;
    const struct sim_paths *paths = &ws->paths;
    /* A threat that has dwelt at its target (at_target > 0: counted only there, and it never
     * leaves) skips the route lookup; it crossed no border this tick. */
    if (pool->at_target[i] > 0) {
        if (pool->crossed[i]) pool->crossed[i] = 0;
        int dwell = ws->world->types[pool->type[i]].dwell;
        return ++pool->at_target[i] >= dwell ? FLAG_IMPACT : FLAG_NONE;
    }
    int first = paths->first[pool->path[i]], last = paths->length[pool->path[i]] - 1;
    int pos = pool->pos[i];
    pool->crossed[i] = 0;
    if (pos == last) {
        int dwell = ws->world->types[pool->type[i]].dwell;
        return ++pool->at_target[i] >= dwell ? FLAG_IMPACT : FLAG_NONE;
    }
    int next = first + pos + 1;
    if (ws->tick + 1 < pool->depart[i] + paths->enter[next]) return FLAG_NONE;
    pool->pos[i] = pos + 1;
    pool->region[i] = paths->region[next];
    pool->crossed[i] = paths->crossing[next];
    pool->engaged[i] = 0; /* a new region, a new chance to be engaged */
    return FLAG_MOVED;
}

static int impact(struct sim_workspace *ws, size_t i) {
    const struct world *w = ws->world;
    struct sim_pool *pool = &ws->pool;
    size_t S = (size_t)ws->n_states;
    int k = pool->type[i], victim = pool->victim[i], g = pool->region[i];
    const struct world_threat_type *tt = &w->types[k];
    double harm = pool->severity[i];
    /* a warned victim (it holds intelligence on the threat or its network) softens the blow */
    double mitigation = ws->mitigation[world_sd(w, victim, tt->domain)];
    if (mitigation > 0 && warned(ws, i, victim)) {
        double averted = harm * mitigation;
        harm -= averted;
        metric_add(ws, METRIC_IMPACTS_MITIGATED, victim, k, 1.0);
        metric_add(ws, METRIC_HARM_MITIGATED, victim, k, averted);
    }
    metric_add(ws, METRIC_HARM, victim, k, harm);
    metric_add(ws, METRIC_LOSS, victim, k, harm);
    metric_add(ws, METRIC_IMPACTS, victim, k, 1.0);
    ws->result->region_impacts[g] += 1.0;
    ws->result->region_harm[g] += harm;
    emit(ws, EVENT_IMPACT, (long long)pool->uid[i], k, victim, -1, g, harm);
    ws->impacts_now[k]++;
    /* partners that saw it coming and kept quiet may be found out */
    uint64_t hidden = pool->known[i] & ~pool->told[i] & ~(1ull << victim);
    if (hidden && w->trust.discover_hidden > 0 && w->trust.loss_hidden > 0) {
        rng_stream_set(ws->rng, ws->key[RNG_TRUST], pool->uid[i], (uint32_t)victim);
        for (; hidden; hidden &= hidden - 1) {
            int j = lowest_bit(hidden);
            if (gsl_rng_uniform(ws->rng) < w->trust.discover_hidden)
                ws->trust_delta[(size_t)victim * S + (size_t)j] -= w->trust.loss_hidden;
        }
    }
    if (tt->contagion > 0) {
        rng_stream_set(ws->rng, ws->key[RNG_CONTAGION], pool->uid[i], 0);
        if (gsl_rng_uniform(ws->rng) < tt->contagion) {
            uint64_t near = w->neighbours[victim] & ws->all_mask & ~(1ull << victim);
            int total = 0;
            for (uint64_t m = near; m; m &= m - 1) {
                int s = lowest_bit(m);
                total += ws->state_region_first[s + 1] - ws->state_region_first[s];
            }
            if (total > 0) {
                int pick = (int)(gsl_rng_uniform(ws->rng) * total);
                int target = -1;
                for (uint64_t m = near; m && target < 0; m &= m - 1) {
                    int s = lowest_bit(m);
                    int owned = ws->state_region_first[s + 1] - ws->state_region_first[s];
                    if (pick < owned)
                        target = ws->state_regions[ws->state_region_first[s] + pick];
                    else
                        pick -= owned;
                }
                /* the copy belongs to the parent's network, and keeps its campaign's slot */
                int network = ws->has_networks ? pool->network[i] : -1;
                if (network >= 0 && tt->network_kind == NETWORK_CAMPAIGNS) ws->net_alive[network]++;
                struct sim_spawn spawn = {rng_mix(pool->uid[i] ^ 0x636f6e746167696full), k, g,
                                          target, network};
                if (spawn_push(ws, &spawn) != 0) return -1;
            }
        }
    }
    network_release(ws, i);
    return 0;
}

/* Moves the threats of one chunk that the detection pass looked at this tick (ws->looked: the
 * others sleep, nothing moves them before their wake tick, wake.c) and schedules their next
 * look; marks interdicted and
 * impacting ones dead, lists the impacting ones (ws->detected from the chunk's first slot) and
 * counts the moves into each region (ws->chunk_moves row c; straight into the result when there is
 * one chunk). */
static void move_chunk(struct sim_workspace *ws, size_t c, size_t chunks) {
    struct sim_pool *pool = &ws->pool;
    size_t begin = chunk_begin(pool, c, chunks), end = chunk_begin(pool, c + 1, chunks);
    size_t impacts = 0, died = 0;
    int *moves = ws->chunk_moves + c * (size_t)ws->n_regions;
    double *arrivals = ws->result->region_arrivals;
    if (chunks > 1) memset(moves, 0, (size_t)ws->n_regions * sizeof *moves);
    const size_t *looked = ws->looked + begin;
    (void)end;
    for (size_t l = 0; l < ws->chunk_looked[c]; l++) {
        size_t i = looked[l];
        uint8_t flag = pool->flag[i];
        if (flag != FLAG_REMOVED) {
            flag = move_one(ws, i);
            if (flag == FLAG_MOVED) {
                if (chunks > 1)
                    moves[pool->region[i]]++;
                else
                    arrivals[pool->region[i]] += 1.0;
            } else if (flag == FLAG_IMPACT) {
                ws->detected[begin + impacts++] = i;
            }
        }
        if (flag == FLAG_REMOVED || flag == FLAG_IMPACT) {
            flag = FLAG_DEAD;
            pool->wake[i] = INT32_MAX;
            died++;
        } else {
            pool->wake[i] = wake_next(ws, i, flag == FLAG_MOVED);
            flag = FLAG_ASLEEP; /* until the detection pass looks at it again */
        }
        pool->flag[i] = flag;
    }
    ws->chunk_count[c] = impacts;
    ws->chunk_dead[c] = died;
}

int phase_movement(struct sim_workspace *ws, char *err, size_t errlen) {
    const struct world *w = ws->world;
    struct sim_pool *pool = &ws->pool;
    size_t n = pool->count, chunks = chunk_total(ws);
    /* harm per tick, to the owner of the region each survivor is in this tick */
    for (size_t i = pool->live_from; i < n && ws->any_harm_per_tick; i++) {
        if (pool->flag[i] == FLAG_REMOVED || pool->flag[i] == FLAG_DEAD) continue;
        int k = pool->type[i], g = pool->region[i], owner = ws->region_owner[g];
        double harm = w->types[k].harm_per_tick;
        if (harm <= 0 || owner < 0) continue;
        metric_add(ws, METRIC_HARM, owner, k, harm);
        metric_add(ws, METRIC_LOSS, owner, k, harm);
        ws->result->region_harm[g] += harm;
    }
    if (chunks > 1) {
#pragma omp parallel for num_threads(ws->options.threads) schedule(static, 1)
        for (long c = 0; c < (long)chunks; c++) move_chunk(ws, (size_t)c, chunks);
        /* the flows are whole numbers: adding a chunk's count at once gives the same bits as
         * adding 1.0 per move in threat order */
        size_t R = (size_t)ws->n_regions;
        for (size_t g = 0; g < R; g++) {
            long moved = 0;
            for (size_t c = 0; c < chunks; c++) moved += ws->chunk_moves[c * R + g];
            if (moved) ws->result->region_arrivals[g] += (double)moved;
        }
    } else {
        move_chunk(ws, 0, 1);
    }
    for (size_t c = 0; c < chunks; c++) pool->dead += ws->chunk_dead[c];
    /* threats interdicted while they slept (a waiting candidate sleeps in its state's queue):
     * the ones looked at this tick are dead already */
    for (size_t r = 0; r < ws->n_removed; r++) {
        size_t i = ws->removed[r];
        if (pool->flag[i] != FLAG_REMOVED) continue;
        pool->flag[i] = FLAG_DEAD;
        pool->wake[i] = INT32_MAX;
        pool->dead++;
    }
    ws->n_removed = 0;
    /* impacts draw from the shared generator and add to the metrics: serial, in threat order */
    size_t impacts = chunk_join(ws, ws->detected, chunks);
    for (size_t d = 0; d < impacts; d++) {
        if (d + 4 < impacts) pool_prefetch(pool, ws->detected[d + 4], (size_t)ws->n_states);
        if (impact(ws, ws->detected[d]) != 0) {
            snprintf(err, errlen, "out of memory queueing contagion");
            return -1;
        }
    }
    while (pool->live_from < n && pool->flag[pool->live_from] == FLAG_DEAD) pool->live_from++;
    if (pool->dead * POOL_COMPACT_SHARE > pool->count && pool_compact(ws) != 0) {
        snprintf(err, errlen, "out of memory queueing response candidates");
        return -1;
    }
    return 0;
}
