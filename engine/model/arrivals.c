/* arrivals.c — phase 1: arrivals (Poisson per type and origin), each new threat's target and
 * severity, partners' coverage at arrival.
 *
 * In three steps, so that the per-threat work can run on the run's threads with the results of
 * one serial pass: the Poisson counts, uids and routes of this tick's arrivals (and last tick's
 * contagion copies) are listed in order (serial: they draw from per-(origin, tick) streams and
 * the shared route cache); each listed threat is then set up in its slot (its target and
 * severity come from its own streams, drawn by a generator of its chunk); what adds to shared
 * figures or queues reports follows in arrival order (serial).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "rng.h"
#include "tick.h"

/* ---------------------------------------------------------------- 1. arrivals */

static int list_push(struct sim_workspace *ws, uint64_t uid, int type, int origin_slot, int path,
                     int network) {
    if (ws->n_arrivals == ws->arrival_capacity) {
        size_t capacity = ws->arrival_capacity ? 2 * ws->arrival_capacity : 256;
        struct sim_arrival *grown = realloc(ws->arrivals, capacity * sizeof *grown);
        if (!grown) return -1;
        ws->arrivals = grown;
        ws->arrival_capacity = capacity;
    }
    ws->arrivals[ws->n_arrivals++] = (struct sim_arrival){uid, type, origin_slot, path, network};
    return 0;
}

/* The path of a fresh arrival: its target drawn from its own stream (the first uniform of
 * (TARGET, uid, 0), as gsl_rng_uniform after a seek gives it). */
static int arrival_path(const struct sim_workspace *ws, const struct sim_arrival *a) {
    if (a->path >= 0) return a->path; /* a contagion copy: its route is known */
    const struct world *w = ws->world;
    const struct world_threat_type *tt = &w->types[a->type];
    int slot = 0;
    if (tt->n_targets > 1) {
        double u = rng_uniform_at(ws->key[RNG_TARGET], a->uid, 0), cumulative = 0.0;
        const double *weights = w->target_weights + tt->first_target;
        for (slot = 0; slot < tt->n_targets - 1; slot++) {
            cumulative += weights[slot];
            if (u < cumulative) break;
        }
    }
    return ws->route[ws->type_first_pair[a->type] + a->origin_slot * tt->n_targets + slot];
}

/* Listed arrival m in slot i: everything that is the threat's own (rng: its chunk's generator). */
static void arrive_slot(struct sim_workspace *ws, const struct sim_arrival *a, size_t i,
                        uint64_t serial, gsl_rng *rng) {
    const struct world_threat_type *tt = &ws->world->types[a->type];
    struct sim_pool *pool = &ws->pool;
    size_t S = (size_t)ws->n_states;
    int path = arrival_path(ws, a);
    int first = ws->paths.first[path], length = ws->paths.length[path];
    double severity = exp(tt->severity_mu);
    if (tt->severity_sigma > 0) {
        rng_stream_set(rng, ws->key[RNG_SEVERITY], a->uid, 0);
        severity = gsl_ran_lognormal(rng, tt->severity_mu, tt->severity_sigma);
    }
    pool->serial[i] = serial;
    pool->uid[i] = a->uid;
    pool->type[i] = a->type;
    pool->path[i] = path;
    pool->pos[i] = 0;
    pool->depart[i] = ws->tick;
    pool->region[i] = ws->paths.region[first];
    pool->at_target[i] = 0;
    pool->victim[i] = ws->region_owner[ws->paths.region[first + length - 1]];
    pool->severity[i] = severity;
    pool->known[i] = pool->intel[i] = pool->engaged[i] = pool->told[i] = 0;
    pool->crossed[i] = 0;
    pool->queued[i] = -1;
    pool->flag[i] = FLAG_NONE;
    /* looked at from its first tick; its detection budget, an Exp(1) threshold (§5.3) */
    pool->wake[i] = ws->tick;
    pool->seen[i] = ws->tick - 1;
    pool->budget[i] = detect_budget(ws, a->uid, 0);
    pool->hazard[i] = 0.0;
    for (size_t s = 0; s < S; s++) {
        pool->estimate[i * S + s] = 0.0f;
        pool->first_reporter[i * S + s] = -1;
    }
    if (ws->has_networks) {
        pool->network[i] = network_of(ws, a->type, a->uid, a->network);
        pool->net_key[i] = -1;
    }
    if (ws->has_watchers) pool->watched[i] = 0;
    if (ws->has_fusion) {
        pool->centre_w[i] = pool->centre_m[i] = 0.0;
        pool->centre_from[i] = 0;
        for (size_t s = 0; s < S; s++)
            pool->fused_log[i * S + s] = pool->fused_prec[i * S + s] = 0.0f;
    }
}

/* What new threat i adds to shared figures and queues, in arrival order: its count, its event,
 * its campaign's count of threats, and partners that learn of it now with their coverage and
 * pass it on to members. */
static int arrival_record(struct sim_workspace *ws, const struct sim_arrival *a, size_t i,
                          char *err, size_t errlen) {
    const struct world *w = ws->world;
    const struct world_threat_type *tt = &w->types[a->type];
    struct sim_pool *pool = &ws->pool;
    uint64_t uid = a->uid;
    int victim = pool->victim[i], origin = pool->region[i];
    if (ws->has_networks && a->network == -2) network_count(ws, a->type, pool->network[i]);
    metric_add(ws, METRIC_ARRIVALS, victim, a->type, 1.0);
    ws->result->region_arrivals[origin] += 1.0;
    emit(ws, EVENT_ARRIVAL, (long long)uid, a->type, victim, -1, origin, pool->severity[i]);
    for (int p = 0; p < w->n_partners; p++) {
        const struct world_partner *partner = &w->partners[p];
        if (partner->coverage[tt->domain] <= 0) continue;
        rng_stream_set(ws->rng, ws->key[RNG_PARTNER], uid, (uint32_t)p);
        if (gsl_rng_uniform(ws->rng) >= partner->coverage[tt->domain]) continue;
        for (uint64_t members = partner->members & ws->all_mask; members; members &= members - 1) {
            int s = lowest_bit(members);
            if (gsl_rng_uniform(ws->rng) >= partner->share_level) continue;
            struct sim_report report = report_tactical(
                pool->serial[i], uid, ws->tick + 1 + partner->latency, (-1 - p), s, a->type, 0);
            if (report_push(ws, &report) != 0) {
                snprintf(err, errlen, "out of memory queueing reports");
                return -1;
            }
        }
    }
    return 0;
}

/* This tick's arrivals in order: each type's origins' Poisson counts, then the contagion copies
 * spawned by last tick's impacts. */
static int arrivals_list(struct sim_workspace *ws, char *err, size_t errlen) {
    const struct world *w = ws->world;
    int t = ws->tick;
    ws->n_arrivals = 0;
    for (int k = 0; k < w->n_types; k++) {
        const struct world_threat_type *tt = &w->types[k];
        double excitation = 1.0 + ws->escalation[k];
        /* a campaign type's origins send threats at their rates for each running campaign */
        if (tt->network_kind == NETWORK_CAMPAIGNS) {
            if (network_campaigns(ws, k, err, errlen) != 0) return -1;
            excitation *= network_active(ws, k);
        }
        for (int i = 0; i < tt->n_origins; i++) {
            int o = tt->first_origin + i;
            const struct world_origin *origin = &w->origins[o];
            double rate = origin->rate * excitation;
            if (origin->season_amplitude > 0 && origin->season_period > 0)
                rate *=
                    1.0 + origin->season_amplitude *
                              cos(2.0 * M_PI * (t - origin->season_peak) / origin->season_period);
            if (!(rate > 0)) continue;
            rng_stream_set(ws->rng, ws->key[RNG_ARRIVAL], (uint64_t)o, (uint32_t)t);
            unsigned n = gsl_ran_poisson(ws->rng, rate);
            for (unsigned j = 0; j < n; j++) {
                uint64_t uid = rng_mix(rng_mix(rng_mix((uint64_t)t) ^ (uint64_t)o) ^ j);
                if (list_push(ws, uid, k, i, -1, -2) != 0) goto nomem;
            }
        }
    }
    for (size_t c = 0; c < ws->n_spawns; c++) {
        const struct sim_spawn *spawn = &ws->spawns[c];
        int path = paths_cached(ws, spawn->from_region, spawn->target_region);
        if (path < 0) { /* no route to that neighbour's region: the copy fizzles */
            network_drop(ws, spawn->type, spawn->network);
            continue;
        }
        if (list_push(ws, spawn->uid, spawn->type, -1, path, spawn->network) != 0) goto nomem;
    }
    ws->n_spawns = 0;
    return 0;
nomem:
    snprintf(err, errlen, "out of memory listing arrivals");
    return -1;
}

int phase_arrivals(struct sim_workspace *ws, char *err, size_t errlen) {
    if (arrivals_list(ws, err, errlen) != 0) return -1;
    size_t n = ws->n_arrivals;
    if (!n) return 0;
    if (pool_reserve_slots(ws, n, err, errlen) != 0) return -1;
    struct sim_pool *pool = &ws->pool;
    size_t base = pool->count;
    uint64_t serial = ws->next_serial;
    pool->count += n;
    ws->next_serial += n;
    size_t chunks = ws->options.threads > 1 && n > SIM_PARALLEL_MIN / 4
                        ? (size_t)ws->options.threads * SIM_CHUNKS_PER_THREAD
                        : 1;
    if (chunks > 1) {
#pragma omp parallel for num_threads(ws->options.threads) schedule(static, 1)
        for (long c = 0; c < (long)chunks; c++) {
            size_t from = n / chunks * (size_t)c + n % chunks * (size_t)c / chunks;
            size_t to = n / chunks * (size_t)(c + 1) + n % chunks * (size_t)(c + 1) / chunks;
            for (size_t m = from; m < to; m++)
                arrive_slot(ws, &ws->arrivals[m], base + m, serial + m, ws->chunk_rng[c]);
        }
    } else {
        for (size_t m = 0; m < n; m++)
            arrive_slot(ws, &ws->arrivals[m], base + m, serial + m, ws->rng);
    }
    for (size_t m = 0; m < n; m++)
        if (arrival_record(ws, &ws->arrivals[m], base + m, err, errlen) != 0) return -1;
    return 0;
}
