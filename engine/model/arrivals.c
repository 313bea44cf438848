/* arrivals.c — phase 1: arrivals (Poisson per type and origin), each new threat's target and
 * severity, partners' coverage at arrival. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "rng.h"
#include "tick.h"

/* ---------------------------------------------------------------- 1. arrivals */

/* A new threat: `network` is a contagion copy's inherited network, or -2 for a fresh arrival. */
static int arrive(struct sim_workspace *ws, uint64_t uid, int type, int path, int network,
                  char *err, size_t errlen) {
    const struct world *w = ws->world;
    const struct world_threat_type *tt = &w->types[type];
    struct sim_pool *pool = &ws->pool;
    if (pool_push(ws, err, errlen) != 0) return -1;
    size_t i = pool->count - 1, S = (size_t)ws->n_states;
    int first = ws->paths.first[path], length = ws->paths.length[path];
    int origin = ws->paths.region[first];
    int target = ws->paths.region[first + length - 1];
    double severity = exp(tt->severity_mu);
    if (tt->severity_sigma > 0) {
        rng_stream_set(ws->rng, ws->key[RNG_SEVERITY], uid, 0);
        severity = gsl_ran_lognormal(ws->rng, tt->severity_mu, tt->severity_sigma);
    }
    pool->serial[i] = ws->next_serial++;
    pool->uid[i] = uid;
    pool->type[i] = type;
    pool->path[i] = path;
    pool->pos[i] = 0;
    pool->depart[i] = ws->tick;
    pool->region[i] = origin;
    pool->at_target[i] = 0;
    pool->victim[i] = ws->region_owner[target];
    pool->severity[i] = severity;
    pool->known[i] = pool->intel[i] = pool->engaged[i] = pool->told[i] = 0;
    pool->crossed[i] = 0;
    pool->queued[i] = -1;
    pool->flag[i] = FLAG_NONE;
    /* looked at from its first tick; its detection budget, an Exp(1) threshold (§5.3) */
    pool->wake[i] = ws->tick;
    pool->seen[i] = ws->tick - 1;
    pool->budget[i] = detect_budget(ws, uid, 0);
    pool->hazard[i] = 0.0;
    for (size_t s = 0; s < S; s++) {
        pool->estimate[i * S + s] = 0.0f;
        pool->first_reporter[i * S + s] = -1;
    }
    network_assign(ws, i, type, uid, network);
    if (ws->has_networks) pool->net_key[i] = -1;
    if (ws->has_watchers) pool->watched[i] = 0;
    if (ws->has_fusion) {
        pool->centre_w[i] = pool->centre_m[i] = 0.0;
        pool->centre_from[i] = 0;
        for (size_t s = 0; s < S; s++)
            pool->fused_log[i * S + s] = pool->fused_prec[i * S + s] = 0.0f;
    }
    int victim = pool->victim[i];
    metric_add(ws, METRIC_ARRIVALS, victim, type, 1.0);
    ws->result->region_arrivals[origin] += 1.0;
    emit(ws, EVENT_ARRIVAL, (long long)uid, type, victim, -1, origin, severity);

    /* Partners learn of it now with their coverage and pass it on to members. */
    for (int p = 0; p < w->n_partners; p++) {
        const struct world_partner *partner = &w->partners[p];
        if (partner->coverage[tt->domain] <= 0) continue;
        rng_stream_set(ws->rng, ws->key[RNG_PARTNER], uid, (uint32_t)p);
        if (gsl_rng_uniform(ws->rng) >= partner->coverage[tt->domain]) continue;
        for (uint64_t members = partner->members & ws->all_mask; members; members &= members - 1) {
            int s = lowest_bit(members);
            if (gsl_rng_uniform(ws->rng) >= partner->share_level) continue;
            struct sim_report report = report_tactical(
                pool->serial[i], uid, ws->tick + 1 + partner->latency, (-1 - p), s, type, 0);
            if (report_push(ws, &report) != 0) {
                snprintf(err, errlen, "out of memory queueing reports");
                return -1;
            }
        }
    }
    return 0;
}

int phase_arrivals(struct sim_workspace *ws, char *err, size_t errlen) {
    const struct world *w = ws->world;
    int t = ws->tick;
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
                int slot = 0;
                if (tt->n_targets > 1) {
                    rng_stream_set(ws->rng, ws->key[RNG_TARGET], uid, 0);
                    double u = gsl_rng_uniform(ws->rng), cumulative = 0.0;
                    const double *weights = w->target_weights + tt->first_target;
                    for (slot = 0; slot < tt->n_targets - 1; slot++) {
                        cumulative += weights[slot];
                        if (u < cumulative) break;
                    }
                }
                int path = ws->route[ws->type_first_pair[k] + i * tt->n_targets + slot];
                if (arrive(ws, uid, k, path, -2, err, errlen) != 0) return -1;
            }
        }
    }
    /* contagion copies spawned by last tick's impacts */
    for (size_t c = 0; c < ws->n_spawns; c++) {
        const struct sim_spawn *spawn = &ws->spawns[c];
        int path = paths_cached(ws, spawn->from_region, spawn->target_region);
        if (path < 0) { /* no route to that neighbour's region: the copy fizzles */
            network_drop(ws, spawn->type, spawn->network);
            continue;
        }
        if (arrive(ws, spawn->uid, spawn->type, path, spawn->network, err, errlen) != 0) return -1;
    }
    ws->n_spawns = 0;
    return 0;
}
