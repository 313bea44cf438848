/* collection.c — upstream collection (docs/model.md §5.11): states and partners that watch
 * external regions detect threats there, before they cross into anyone's territory.
 *
 * A threat in external region g meets every watcher of g (world.collect_*): each state that does
 * not know it yet detects it with probability coverage x stealth (x burn factor while that
 * state's sources in the domain are burned), each partner that has not yet detected it with
 * coverage x stealth; one uniform per (threat, tick, watcher) from its own stream, so watchers
 * are independent and the detection pass can run in parallel chunks. A state's upstream detection
 * is a detection like any other (it knows the threat, estimates it, learns about its network,
 * shares it under its policy) but it cannot respond there; a partner passes what it detects to
 * its members as it does at arrival.
 */
#include <stdio.h>

#include <gsl/gsl_rng.h>

#include "rng.h"
#include "tick.h"

static inline uint32_t state_stream(int tick, int s) {
    return (uint32_t)tick << 6 | (uint32_t)s;
}

static inline uint32_t partner_stream(int tick, int p) {
    return (uint32_t)tick << 10 | (uint32_t)p;
}

/* Probability that watcher entry e detects threat i now, or 0 if it cannot (it already did). */
static inline double chance(const struct sim_workspace *ws, int e, size_t i) {
    const struct world *w = ws->world;
    const struct sim_pool *pool = &ws->pool;
    const struct world_threat_type *tt = &w->types[pool->type[i]];
    int who = w->collect_who[e];
    double coverage = w->collect_coverage[(size_t)e * (size_t)w->n_domains + (size_t)tt->domain];
    if (!(coverage > 0)) return 0.0;
    if (who >= 0) {
        if (pool->known[i] >> who & 1) return 0.0;
        double p = coverage * tt->stealth;
        if (ws->tick < ws->burn_until[world_sd(w, who, tt->domain)]) p *= w->burn_factor;
        return p;
    }
    if (pool->watched[i] >> ws->watch_bit[-1 - who] & 1) return 0.0;
    return coverage * tt->stealth;
}

static inline double draw(const struct sim_workspace *ws, int e, size_t i) {
    int who = ws->world->collect_who[e];
    return who >= 0
               ? rng_uniform_at(ws->key[RNG_COLLECT], ws->pool.uid[i], state_stream(ws->tick, who))
               : rng_uniform_at(ws->key[RNG_WATCH], ws->pool.uid[i],
                                partner_stream(ws->tick, -1 - who));
}

/* Does any watcher of threat i's (external) region detect it this tick? Pure: the parallel pass. */
int upstream_any(const struct sim_workspace *ws, size_t i) {
    const struct world *w = ws->world;
    int g = ws->pool.region[i];
    for (int e = w->collect_first[g]; e < w->collect_first[g + 1]; e++) {
        double p = chance(ws, e, i);
        if (p > 0 && draw(ws, e, i) < p) return 1;
    }
    return 0;
}

/* The detections of threat i by the watchers of its region, in entry order (states, then
 * partners): serial, in threat order. */
int upstream_detect(struct sim_workspace *ws, size_t i, char *err, size_t errlen) {
    const struct world *w = ws->world;
    struct sim_pool *pool = &ws->pool;
    int g = pool->region[i], k = pool->type[i];
    for (int e = w->collect_first[g]; e < w->collect_first[g + 1]; e++) {
        double p = chance(ws, e, i);
        if (!(p > 0) || draw(ws, e, i) >= p) continue;
        int who = w->collect_who[e];
        if (who >= 0) {
            if (detection_record(ws, i, who, 4) != 0) return -1;
            continue;
        }
        int partner_index = -1 - who;
        const struct world_partner *partner = &w->partners[partner_index];
        pool->watched[i] |= 1ull << ws->watch_bit[partner_index];
        /* the detection uniform was the stream's first; its passing draws follow */
        rng_stream_set(ws->rng, ws->key[RNG_WATCH], pool->uid[i],
                       partner_stream(ws->tick, partner_index));
        gsl_rng_uniform(ws->rng);
        for (uint64_t members = partner->members & ws->all_mask; members; members &= members - 1) {
            int s = lowest_bit(members);
            if (gsl_rng_uniform(ws->rng) >= partner->share_level) continue;
            struct sim_report report =
                report_tactical(pool->serial[i], pool->uid[i], ws->tick + 1 + partner->latency,
                                (-1 - partner_index), s, k, 0);
            if (report_push(ws, &report) != 0) {
                snprintf(err, errlen, "out of memory queueing reports");
                return -1;
            }
        }
    }
    return 0;
}
