/* sim.c — workspaces and results: allocation, the pool of threats, and sim_run's setup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "sim_internal.h"
#include "tick.h"

static void pool_free(struct sim_pool *pool) {
    free(pool->serial);
    free(pool->uid);
    free(pool->type);
    free(pool->path);
    free(pool->pos);
    free(pool->depart);
    free(pool->region);
    free(pool->at_target);
    free(pool->victim);
    free(pool->severity);
    free(pool->known);
    free(pool->intel);
    free(pool->engaged);
    free(pool->told);
    free(pool->crossed);
    free(pool->queued);
    free(pool->flag);
    free(pool->wake);
    free(pool->seen);
    free(pool->budget);
    free(pool->hazard);
    free(pool->estimate);
    free(pool->first_reporter);
    free(pool->network);
    free(pool->net_key);
    free(pool->watched);
    free(pool->fused_log);
    free(pool->fused_prec);
    free(pool->centre_w);
    free(pool->centre_m);
    free(pool->centre_from);
}

#define POOL_GROW(field, n)                                                                        \
    do {                                                                                           \
        void *grown = realloc(pool->field, (n) * sizeof *pool->field);                             \
        if (!grown) return -1;                                                                     \
        pool->field = grown;                                                                       \
    } while (0)

/* Grow every array of the pool to `capacity` threats (geometric growth is the caller's). */
int sim_pool_reserve(struct sim_workspace *ws, size_t capacity) {
    struct sim_pool *pool = &ws->pool;
    if (capacity <= pool->capacity) return 0;
    size_t states = (size_t)ws->n_states;
    POOL_GROW(serial, capacity);
    POOL_GROW(uid, capacity);
    POOL_GROW(type, capacity);
    POOL_GROW(path, capacity);
    POOL_GROW(pos, capacity);
    POOL_GROW(depart, capacity);
    POOL_GROW(region, capacity);
    POOL_GROW(at_target, capacity);
    POOL_GROW(victim, capacity);
    POOL_GROW(severity, capacity);
    POOL_GROW(known, capacity);
    POOL_GROW(intel, capacity);
    POOL_GROW(engaged, capacity);
    POOL_GROW(told, capacity);
    POOL_GROW(crossed, capacity);
    POOL_GROW(queued, capacity);
    POOL_GROW(flag, capacity);
    POOL_GROW(wake, capacity);
    POOL_GROW(seen, capacity);
    POOL_GROW(budget, capacity);
    POOL_GROW(hazard, capacity);
    POOL_GROW(estimate, capacity * states);
    POOL_GROW(first_reporter, capacity * states);
    /* the channels' arrays, only for a world that uses them (sim_channels_prepare) */
    if (ws->has_networks) {
        POOL_GROW(network, capacity);
        POOL_GROW(net_key, capacity);
    }
    if (ws->has_watchers) POOL_GROW(watched, capacity);
    if (ws->has_fusion) {
        POOL_GROW(fused_log, capacity * states);
        POOL_GROW(fused_prec, capacity * states);
        POOL_GROW(centre_w, capacity);
        POOL_GROW(centre_m, capacity);
        POOL_GROW(centre_from, capacity);
    }
    /* the detection lists and the response's interdictions hold one entry per threat */
    size_t *removed = realloc(ws->removed, capacity * sizeof *removed);
    if (!removed) return -1;
    ws->removed = removed;
    size_t *detected = realloc(ws->detected, capacity * sizeof *detected);
    if (!detected) return -1;
    ws->detected = detected;
    size_t *candidates = realloc(ws->candidates, capacity * sizeof *candidates);
    if (!candidates) return -1;
    ws->candidates = candidates;
    size_t *looked = realloc(ws->looked, capacity * sizeof *looked);
    if (!looked) return -1;
    ws->looked = looked;
    pool->capacity = capacity;
    return 0;
}

void sim_free(struct sim_workspace *ws) {
    if (!ws) return;
    pool_free(&ws->pool);
    free(ws->paths.first);
    free(ws->paths.length);
    free(ws->paths.region);
    free(ws->paths.enter);
    free(ws->paths.owner_suffix);
    free(ws->paths.crossing);
    free(ws->paths.checkpoint);
    free(ws->route);
    free(ws->type_first_pair);
    free(ws->cache_key);
    free(ws->cache_path);
    free(ws->reports);
    free(ws->spawns);
    free(ws->spawns_next);
    free(ws->trust);
    free(ws->trust_delta);
    free(ws->share_p);
    free(ws->adapt_next);
    free(ws->adapt_mark);
    free(ws->adapt_prev_loss);
    free(ws->adapt_dir);
    free(ws->tft_offered);
    free(ws->tft_sent);
    free(ws->excluded_until);
    free(ws->received);
    free(ws->excluded_ticks);
    free(ws->free_units);
    free(ws->release);
    free(ws->burn_until);
    free(ws->hazards);
    free(ws->burned);
    free(ws->escalation);
    free(ws->impacts_now);
    free(ws->state_region_first);
    free(ws->state_regions);
    free(ws->region_owner);
    free(ws->removed);
    for (int s = 0; ws->queues && s < ws->n_states; s++) free(ws->queues[s].items);
    free(ws->queues);
    free(ws->skipped.items);
    free(ws->detected);
    free(ws->candidates);
    free(ws->looked);
    free(ws->chunk_cand);
    free(ws->chunk_looked);
    free(ws->chunk_count);
    free(ws->chunk_dead);
    free(ws->chunk_moves);
    free(ws->dist);
    free(ws->dist_ticks);
    free(ws->dist_cross);
    free(ws->dist_abroad);
    free(ws->prev);
    free(ws->heap);
    free(ws->heap_pos);
    free(ws->scratch_path);
    free(ws->found);
    free(ws->type_first_network);
    free(ws->net_until);
    free(ws->net_dirty);
    free(ws->net_rotated);
    free(ws->net_campaign);
    free(ws->net_end);
    free(ws->net_alive);
    free(ws->net_state);
    free(ws->camp_queue);
    free(ws->camp_head);
    free(ws->camp_count);
    free(ws->camp_next);
    free(ws->type_reach);
    free(ws->watch_bit);
    free(ws->zeros);
    if (ws->rng) gsl_rng_free(ws->rng);
    for (size_t c = 0; ws->chunk_rng && c < (size_t)ws->options.threads * SIM_CHUNKS_PER_THREAD;
         c++)
        if (ws->chunk_rng[c]) gsl_rng_free(ws->chunk_rng[c]);
    free(ws->chunk_rng);
    free(ws->arrivals);
    free(ws);
}

static int release_length(const struct world *world) {
    int longest = 1;
    for (int s = 0; s < world->n_states; s++)
        if (world->states[s].busy_ticks > longest) longest = world->states[s].busy_ticks;
    return longest + 1;
}

#define GROW(pointer, count)                                                                       \
    do {                                                                                           \
        void *grown = realloc(pointer, (count) * sizeof *(pointer) + 1);                           \
        if (!grown) goto nomem;                                                                    \
        pointer = grown;                                                                           \
    } while (0)

/* Size the workspace for the channels `world` uses (docs/model.md §5.9-§5.12): network slots,
 * partners' watch bits, and the pool's optional arrays. A workspace serves every variant of a
 * world shape, and variants may switch channels on or change the number of networks, so this
 * runs again at the start of every sim_run; it only ever grows what it holds. */
static int sim_channels_prepare(struct sim_workspace *ws, const struct world *world, char *err,
                                size_t errlen) {
    size_t S = (size_t)world->n_states;
    int slots = 0, networks = 0;
    for (int k = 0; k < world->n_types; k++) {
        ws->type_first_network[k] = slots;
        if (world->types[k].network_kind != NETWORK_NONE) {
            slots += world->types[k].networks;
            networks = 1;
        }
    }
    ws->type_first_network[world->n_types] = slots;
    if (slots > WORLD_MAX_NETWORK_SLOTS) {
        if (err)
            snprintf(err, errlen, "sim_alloc: %d network slots (at most %d)", slots,
                     WORLD_MAX_NETWORK_SLOTS);
        return -1;
    }
    size_t n = (size_t)slots;
    GROW(ws->net_until, n * S);
    GROW(ws->net_dirty, n * S);
    GROW(ws->net_rotated, n);
    GROW(ws->net_campaign, n);
    GROW(ws->net_end, n);
    GROW(ws->net_alive, n);
    GROW(ws->net_state, n);
    GROW(ws->camp_queue, n);
    int watchers = 0;
    for (int p = 0; p < world->n_partners; p++) ws->watch_bit[p] = -1;
    if (world->collect_first)
        for (int e = 0; e < world->n_collect; e++) {
            int who = world->collect_who[e];
            if (who < 0 && ws->watch_bit[-1 - who] < 0) {
                if (watchers == WORLD_MAX_WATCHERS) {
                    if (err)
                        snprintf(err, errlen, "sim_alloc: more than %d partners watch regions",
                                 WORLD_MAX_WATCHERS);
                    return -1;
                }
                ws->watch_bit[-1 - who] = watchers++;
            }
        }
    int had_networks = ws->has_networks, had_watchers = ws->has_watchers;
    int had_fusion = ws->has_fusion;
    ws->has_networks = networks;
    ws->has_collection = world->collect_first && world->n_collect > 0;
    ws->has_watchers = watchers > 0;
    ws->has_fusion = world->hub_fusion != 0;
    /* arrays the pool did not hold yet: as large as the pool's capacity */
    size_t capacity = ws->pool.capacity;
    struct sim_pool *pool = &ws->pool;
    if (capacity && ((ws->has_networks && !had_networks && !pool->network) ||
                     (ws->has_watchers && !had_watchers && !pool->watched) ||
                     (ws->has_fusion && !had_fusion && !pool->centre_w))) {
        ws->pool.capacity = 0; /* sim_pool_reserve grows every array to `capacity` again */
        if (sim_pool_reserve(ws, capacity) != 0) goto nomem;
    }
    return 0;
nomem:
    if (err) snprintf(err, errlen, "sim_alloc: out of memory");
    return -1;
}

struct sim_workspace *sim_alloc(const struct world *world, const struct sim_options *options,
                                char *err, size_t errlen) {
    if (!world || world->n_states < 1 || world->n_states > WORLD_MAX_STATES ||
        world->n_regions < 1 || world->n_domains < 1 || world->n_domains > WORLD_MAX_DOMAINS) {
        if (err) snprintf(err, errlen, "sim_alloc: world has no states, regions or domains");
        return NULL;
    }
    struct sim_workspace *ws = calloc(1, sizeof *ws);
    if (!ws) goto nomem;
    if (options) ws->options = *options;
    if (ws->options.threads < 1) ws->options.threads = 1;
    ws->n_states = world->n_states;
    ws->n_regions = world->n_regions;
    ws->n_types = world->n_types;
    ws->n_domains = world->n_domains;
    ws->n_partners = world->n_partners;
    ws->n_origins = world->n_origins;
    ws->n_targets = world->n_targets;
    size_t S = (size_t)world->n_states, R = (size_t)world->n_regions;
    size_t K = (size_t)(world->n_types > 0 ? world->n_types : 1);

    ws->type_first_pair = calloc(K + 1, sizeof *ws->type_first_pair);
    if (!ws->type_first_pair) goto nomem;
    int pairs = 0;
    for (int k = 0; k < world->n_types; k++) {
        ws->type_first_pair[k] = pairs;
        pairs += world->types[k].n_origins * world->types[k].n_targets;
    }
    ws->type_first_pair[world->n_types] = pairs;
    ws->n_pairs = pairs;
    ws->route = calloc((size_t)(pairs > 0 ? pairs : 1), sizeof *ws->route);
    ws->trust = calloc(S * S, sizeof *ws->trust);
    ws->trust_delta = calloc(S * S, sizeof *ws->trust_delta);
    ws->free_units = calloc(S, sizeof *ws->free_units);
    ws->share_p = calloc(S * S, sizeof *ws->share_p);
    ws->adapt_next = calloc(S * S, sizeof *ws->adapt_next);
    ws->adapt_mark = calloc(S * S, sizeof *ws->adapt_mark);
    ws->adapt_prev_loss = calloc(S, sizeof *ws->adapt_prev_loss);
    ws->adapt_dir = calloc(S, sizeof *ws->adapt_dir);
    ws->tft_offered = calloc(S * S, sizeof *ws->tft_offered);
    ws->tft_sent = calloc(S * S, sizeof *ws->tft_sent);
    ws->excluded_until = calloc(S * S, sizeof *ws->excluded_until);
    ws->received = calloc(S * S, sizeof *ws->received);
    ws->excluded_ticks = calloc(S * S, sizeof *ws->excluded_ticks);
    ws->release_len = release_length(world);
    ws->release = calloc(S * (size_t)ws->release_len, sizeof *ws->release);
    ws->burn_until = calloc(S * (size_t)world->n_domains, sizeof *ws->burn_until);
    ws->hazards = calloc(4 * S * K, sizeof *ws->hazards);
    ws->burned = calloc(S * (size_t)world->n_domains, sizeof *ws->burned);
    ws->escalation = calloc(K, sizeof *ws->escalation);
    ws->impacts_now = calloc(K, sizeof *ws->impacts_now);
    ws->state_region_first = calloc(S + 1, sizeof *ws->state_region_first);
    ws->state_regions = calloc(R, sizeof *ws->state_regions);
    ws->queues = calloc(S, sizeof *ws->queues);
    size_t chunks = (size_t)ws->options.threads * SIM_CHUNKS_PER_THREAD;
    ws->chunk_count = calloc(chunks, sizeof *ws->chunk_count);
    ws->chunk_cand = calloc(chunks, sizeof *ws->chunk_cand);
    ws->chunk_looked = calloc(chunks, sizeof *ws->chunk_looked);
    ws->chunk_dead = calloc(chunks, sizeof *ws->chunk_dead);
    ws->chunk_moves = calloc(chunks * R, sizeof *ws->chunk_moves);
    ws->dist = calloc(R + 1, sizeof *ws->dist);
    ws->dist_ticks = calloc(R + 1, sizeof *ws->dist_ticks);
    ws->dist_cross = calloc(R + 1, sizeof *ws->dist_cross);
    ws->dist_abroad = calloc(R + 1, sizeof *ws->dist_abroad);
    ws->prev = calloc(R, sizeof *ws->prev);
    ws->heap = calloc(R, sizeof *ws->heap);
    ws->heap_pos = calloc(R, sizeof *ws->heap_pos);
    ws->scratch_path = calloc(R, sizeof *ws->scratch_path);
    ws->region_owner = calloc(R, sizeof *ws->region_owner);
    ws->type_reach = calloc(K, sizeof *ws->type_reach);
    ws->type_first_network = calloc(K + 1, sizeof *ws->type_first_network);
    ws->camp_head = calloc(K, sizeof *ws->camp_head);
    ws->camp_count = calloc(K, sizeof *ws->camp_count);
    ws->camp_next = calloc(K, sizeof *ws->camp_next);
    ws->watch_bit =
        calloc((size_t)(world->n_partners > 0 ? world->n_partners : 1), sizeof *ws->watch_bit);
    ws->zeros = calloc(S * (size_t)world->n_domains, sizeof *ws->zeros);
    ws->rng = gsl_rng_alloc(rng_philox);
    ws->chunk_rng = calloc(chunks, sizeof *ws->chunk_rng);
    int chunk_rngs = ws->chunk_rng != NULL;
    for (size_t c = 0; chunk_rngs && c < chunks; c++)
        chunk_rngs = (ws->chunk_rng[c] = gsl_rng_alloc(rng_philox)) != NULL;
    if (!ws->route || !ws->trust || !ws->trust_delta || !ws->free_units || !ws->release ||
        !ws->burn_until || !ws->hazards || !ws->burned || !ws->escalation || !ws->impacts_now ||
        !ws->state_region_first || !ws->state_regions || !ws->queues || !ws->dist ||
        !ws->dist_ticks || !ws->dist_cross || !ws->dist_abroad || !ws->prev || !ws->heap ||
        !ws->heap_pos || !ws->scratch_path || !ws->region_owner || !ws->rng || !chunk_rngs ||
        !ws->chunk_count || !ws->chunk_cand || !ws->chunk_looked || !ws->chunk_dead ||
        !ws->chunk_moves || !ws->type_reach || !ws->type_first_network || !ws->camp_head ||
        !ws->camp_count || !ws->camp_next || !ws->watch_bit || !ws->zeros || !ws->share_p ||
        !ws->adapt_next || !ws->adapt_mark || !ws->adapt_prev_loss || !ws->adapt_dir ||
        !ws->tft_offered || !ws->tft_sent || !ws->excluded_until || !ws->received ||
        !ws->excluded_ticks)
        goto nomem;
    /* regions owned by each state, in region order (contagion picks among them) */
    for (size_t g = 0; g < R; g++)
        if (world->regions[g].owner >= 0) ws->state_region_first[world->regions[g].owner + 1]++;
    for (size_t s = 0; s < S; s++) ws->state_region_first[s + 1] += ws->state_region_first[s];
    for (size_t s = 0, at = 0; s < S; s++)
        for (size_t g = 0; g < R; g++)
            if (world->regions[g].owner == (int)s) ws->state_regions[at++] = (int)g;
    if (sim_channels_prepare(ws, world, err, errlen) != 0) {
        sim_free(ws);
        return NULL;
    }
    size_t initial = 1024;
    if (world->max_active_threats && world->max_active_threats < initial)
        initial = world->max_active_threats;
    if (sim_pool_reserve(ws, initial) != 0) goto nomem;
    return ws;
nomem:
    if (err) snprintf(err, errlen, "sim_alloc: out of memory");
    sim_free(ws);
    return NULL;
}

struct sim_result *sim_result_alloc(const struct world *world, const struct sim_options *options) {
    struct sim_result *result = calloc(1, sizeof *result);
    if (!result) return NULL;
    result->n_states = world->n_states;
    result->n_types = world->n_types;
    result->ticks = world->ticks;
    result->n_regions = world->n_regions;
    size_t S = (size_t)world->n_states, K = (size_t)world->n_types, T = (size_t)world->ticks;
    size_t R = (size_t)world->n_regions;
    result->by_type = calloc((size_t)METRIC_COUNT * S * (K ? K : 1), sizeof *result->by_type);
    if (options && options->keep_series)
        result->series = calloc((size_t)METRIC_COUNT * T * S, sizeof *result->series);
    if (options && options->keep_trust) result->trust = calloc(T * S * S, sizeof *result->trust);
    result->region_arrivals = calloc(R, sizeof(double));
    result->region_detections = calloc(R, sizeof(double));
    result->region_impacts = calloc(R, sizeof(double));
    result->region_harm = calloc(R, sizeof(double));
    result->n_periods = world_adapt_periods(world);
    if (result->n_periods > 0)
        result->sharing_periods = calloc((size_t)result->n_periods * S, sizeof(double));
    if ((result->n_periods > 0 && !result->sharing_periods) || !result->by_type ||
        (options && options->keep_series && !result->series) ||
        (options && options->keep_trust && !result->trust) || !result->region_arrivals ||
        !result->region_detections || !result->region_impacts || !result->region_harm) {
        sim_result_free(result);
        return NULL;
    }
    return result;
}

void sim_result_free(struct sim_result *result) {
    if (!result) return;
    free(result->by_type);
    free(result->series);
    free(result->trust);
    free(result->region_arrivals);
    free(result->region_detections);
    free(result->region_impacts);
    free(result->region_harm);
    free(result->sharing_periods);
    free(result);
}

void sim_result_clear(struct sim_result *result) {
    size_t S = (size_t)result->n_states, K = (size_t)result->n_types, T = (size_t)result->ticks;
    size_t R = (size_t)result->n_regions;
    memset(result->by_type, 0, (size_t)METRIC_COUNT * S * (K ? K : 1) * sizeof(double));
    if (result->series) memset(result->series, 0, (size_t)METRIC_COUNT * T * S * sizeof(double));
    if (result->trust) memset(result->trust, 0, T * S * S * sizeof(float));
    result->trust_changed = 0;
    memset(result->region_arrivals, 0, R * sizeof(double));
    memset(result->region_detections, 0, R * sizeof(double));
    memset(result->region_impacts, 0, R * sizeof(double));
    memset(result->region_harm, 0, R * sizeof(double));
    result->threat_ticks = 0;
    result->peak_active = 0;
    if (result->sharing_periods)
        memset(result->sharing_periods, 0, (size_t)result->n_periods * S * sizeof(double));
}

double sim_result_total(const struct sim_result *result, int metric, int state) {
    double total = 0.0;
    const double *row =
        result->by_type +
        ((size_t)metric * (size_t)result->n_states + (size_t)state) * (size_t)result->n_types;
    for (int k = 0; k < result->n_types; k++) total += row[k];
    return total;
}

/* Compute the current route of every (type, origin, target): the world's precomputed shortest
 * path, or a least-detection path for adaptive types. */
int sim_routes_compute(struct sim_workspace *ws, int only_dirty, char *err, size_t errlen) {
    const struct world *w = ws->world;
    for (int k = 0; k < w->n_types; k++) {
        const struct world_threat_type *tt = &w->types[k];
        if (only_dirty && !(tt->adaptive && (ws->routes_dirty >> tt->domain & 1))) continue;
        for (int i = 0; i < tt->n_origins; i++) {
            for (int j = 0; j < tt->n_targets; j++) {
                int pair = ws->type_first_pair[k] + i * tt->n_targets + j;
                int from = w->origins[tt->first_origin + i].region;
                int to = w->targets[tt->first_target + j];
                int path;
                if (!tt->adaptive && w->paths && w->type_first_path)
                    path = paths_copy_world(
                        ws, &w->paths[w->type_first_path[k] + i * tt->n_targets + j]);
                else
                    path = paths_find(ws, from, to, tt->adaptive, k,
                                      only_dirty ? ws->route[pair] : -1);
                if (path < 0) {
                    if (err)
                        snprintf(err, errlen, "threat %s: no route from region %s to %s", tt->id,
                                 w->regions[from].id, w->regions[to].id);
                    return -1;
                }
                ws->route[pair] = path;
            }
        }
    }
    ws->routes_dirty = 0;
    /* who the threats of each type can meet on their current routes (network reports, scope
     * `route`) */
    for (int k = 0; k < w->n_types; k++) {
        uint64_t reach = 0;
        for (int pair = ws->type_first_pair[k]; pair < ws->type_first_pair[k + 1]; pair++)
            reach |= ws->paths.owner_suffix[ws->paths.first[ws->route[pair]]];
        ws->type_reach[k] = reach;
    }
    return 0;
}

/* What the workspace caches of the world beyond its structure, read again for a new phase; the
 * structure itself (world_phase_difference) is the same by construction. */
void sim_phase_switch(struct sim_workspace *ws) {
    const struct world *world = ws->phase_base->phases[ws->next_phase++].world;
    ws->world = world;
    size_t S = (size_t)world->n_states;
    ws->hub_mask = ws->assist_mask = 0;
    for (size_t s = 0; s < S; s++) {
        if (world->states[s].hub_member) ws->hub_mask |= 1ull << s;
        if (world->states[s].mutual_assistance) ws->assist_mask |= 1ull << s;
    }
    ws->network_gain = world->network_gain ? world->network_gain : ws->zeros;
    ws->mitigation = world->mitigation ? world->mitigation : ws->zeros;
    ws->any_harm_per_tick = 0;
    for (int k = 0; k < world->n_types; k++)
        if (world->types[k].harm_per_tick > 0) ws->any_harm_per_tick = 1;
    ws->has_exploit = world_has_exploit(world); /* what exploitation has done so far stays */
    /* detection or dwell may have changed: every threat is looked at this tick, and adaptive
     * routes of every domain are chosen again */
    ws->wake_all = 1;
    ws->routes_dirty |= world->n_domains >= 64 ? ~0ull : (1ull << world->n_domains) - 1;
}

int sim_run(struct sim_workspace *ws, const struct world *world, long replicate,
            struct sim_result *result, char *err, size_t errlen) {
    if (!ws || !world || !result) {
        if (err) snprintf(err, errlen, "sim_run: missing workspace, world or result");
        return -1;
    }
    if (world->n_states != ws->n_states || world->n_regions != ws->n_regions ||
        world->n_types != ws->n_types || world->n_domains != ws->n_domains ||
        world->n_origins != ws->n_origins || world->n_targets != ws->n_targets ||
        world->n_partners != ws->n_partners) {
        if (err) snprintf(err, errlen, "sim_run: workspace was allocated for another world shape");
        return -1;
    }
    if (result->n_states != world->n_states || result->n_types != world->n_types ||
        result->ticks != world->ticks || result->n_regions != world->n_regions ||
        result->n_periods != world_adapt_periods(world)) {
        if (err) snprintf(err, errlen, "sim_run: result was allocated for another world shape");
        return -1;
    }
    if (release_length(world) > ws->release_len) { /* a variant with longer busy times */
        int length = release_length(world);
        int *release = calloc((size_t)ws->n_states * (size_t)length, sizeof *release);
        if (!release) {
            if (err) snprintf(err, errlen, "sim_run: out of memory");
            return -1;
        }
        free(ws->release);
        ws->release = release;
        ws->release_len = length;
    }
    ws->world = world;
    ws->result = result;
    ws->tick = 0;
    ws->phase_base = world;
    ws->next_phase = 0;
    sim_result_clear(result);
    if (sim_channels_prepare(ws, world, err, errlen) != 0) return -1;
    for (int purpose = RNG_ARRIVAL; purpose < RNG_PURPOSES; purpose++)
        ws->key[purpose] = rng_key(world->seed, (uint64_t)replicate, (unsigned)purpose);

    size_t S = (size_t)world->n_states;
    ws->pool.count = ws->pool.dead = ws->pool.live_from = 0;
    ws->n_reports = 0;
    ws->n_spawns = ws->n_spawns_next = 0;
    for (size_t i = 0; i < S * S; i++) {
        ws->trust[i] = world->trust.initial;
        ws->trust_delta[i] = 0.0;
    }
    for (size_t s = 0; s < S; s++) ws->free_units[s] = world->states[s].units;
    memset(ws->release, 0, S * (size_t)ws->release_len * sizeof *ws->release);
    memset(ws->burn_until, 0, S * (size_t)world->n_domains * sizeof *ws->burn_until);
    for (int k = 0; k < world->n_types; k++) ws->escalation[k] = 0.0;
    ws->next_serial = 0;
    ws->hub_mask = ws->assist_mask = 0;
    ws->all_mask = S == 64 ? ~0ull : (1ull << S) - 1;
    for (size_t s = 0; s < S; s++) {
        if (world->states[s].hub_member) ws->hub_mask |= 1ull << s;
        if (world->states[s].mutual_assistance) ws->assist_mask |= 1ull << s;
    }
    ws->network_gain = world->network_gain ? world->network_gain : ws->zeros;
    ws->mitigation = world->mitigation ? world->mitigation : ws->zeros;
    size_t slots = (size_t)ws->type_first_network[world->n_types];
    if (slots) {
        memset(ws->net_until, 0, slots * S * sizeof *ws->net_until);
        memset(ws->net_dirty, 0, slots * S * sizeof *ws->net_dirty);
        memset(ws->net_campaign, 0, slots * sizeof *ws->net_campaign);
        memset(ws->net_alive, 0, slots * sizeof *ws->net_alive);
        memset(ws->net_state, 0, slots * sizeof *ws->net_state);
        for (size_t n = 0; n < slots; n++) {
            ws->net_rotated[n] = -1;
            ws->net_end[n] = INT32_MAX;
        }
    }
    for (int k = 0; k < world->n_types; k++) ws->camp_head[k] = ws->camp_count[k] = 0;
    memset(ws->camp_next, 0, (size_t)world->n_types * sizeof *ws->camp_next);
    ws->n_found = 0;
    ws->wake_all = 1;
    ws->tables_world = NULL;
    ws->net_dirty_any = 0;
    for (size_t s = 0; s < S; s++) ws->queues[s].n = 0;
    ws->detect_next = 0;
    ws->any_harm_per_tick = 0;
    for (int k = 0; k < world->n_types; k++)
        if (world->types[k].harm_per_tick > 0) ws->any_harm_per_tick = 1;
    for (int g = 0; g < world->n_regions; g++) ws->region_owner[g] = world->regions[g].owner;
    paths_reset(ws);
    if (sim_routes_compute(ws, 0, err, errlen) != 0) return -1;
    adapt_reset(ws);
    exploit_reset(ws);
    return tick_run(ws, err, errlen);
}
