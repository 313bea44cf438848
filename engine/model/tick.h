/* tick.h — what the phase files of one tick share: per-threat flags, metric and event helpers,
 * the chunking of the per-threat loops, the pool and queue operations, and the phases. Internal to
 * engine/model (tick.c conducts the phases in the documented order).
 */
#ifndef C5SIM_TICK_H
#define C5SIM_TICK_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_internal.h"

/* Per-threat flags written by one phase and read by the next; FLAG_DEAD marks the slot of a
 * removed threat until the pool is compacted (it survives every phase). */
enum {
    FLAG_NONE = 0,
    FLAG_DETECTED = 1,
    FLAG_MOVED = 2,
    FLAG_IMPACT = 3,
    FLAG_REMOVED = 4,
    FLAG_DEAD = 5,
    FLAG_ASLEEP = 6 /* live, not looked at this tick (its wake tick is later, §11) */
};

/* The pool is compacted once more than 1 / POOL_COMPACT_SHARE of its slots are dead, or when it
 * is full. As the oldest threats die first, most dead slots form a prefix, which the loops skip
 * at no cost (pool->live_from); compacting rarely spares copying every survivor every tick. */
enum { POOL_COMPACT_SHARE = 2 };

static inline void metric_add(struct sim_workspace *ws, int metric, int state, int type,
                              double value) {
    struct sim_result *r = ws->result;
    r->by_type[((size_t)metric * (size_t)r->n_states + (size_t)state) * (size_t)r->n_types +
               (size_t)type] += value;
    if (r->series)
        r->series[((size_t)metric * (size_t)r->ticks + (size_t)ws->tick) * (size_t)r->n_states +
                  (size_t)state] += value;
}

static inline void emit(struct sim_workspace *ws, int kind, long long threat, int type, int state,
                        int other, int region, double value) {
    if (!ws->options.on_event) return;
    struct sim_event event = {kind, ws->tick, threat, type, state, other, region, value};
    ws->options.on_event(ws->options.event_ctx, &event);
}

static inline int lowest_bit(uint64_t mask) {
    return __builtin_ctzll(mask);
}

static inline size_t pool_active(const struct sim_pool *pool) {
    return pool->count - pool->dead;
}

/* The per-threat loops split the slots from the first live one on into contiguous chunks,
 * SIM_CHUNKS_PER_THREAD per thread when the pool is large enough (dealt out round robin: young
 * threats, at the end of the pool, are the ones still travelling and cost more); chunk c covers
 * [chunk_begin(c), chunk_begin(c + 1)). What a chunk finds is put in a list from the chunk's
 * first slot on, and the chunks' lists are joined in chunk order, so that the list is the one a
 * single pass in slot order makes, for any number of threads. */
static inline size_t chunk_total(const struct sim_workspace *ws) {
    size_t n = ws->pool.count - ws->pool.live_from;
    return ws->options.threads > 1 && n > SIM_PARALLEL_MIN
               ? (size_t)ws->options.threads * SIM_CHUNKS_PER_THREAD
               : 1;
}

static inline size_t chunk_begin(const struct sim_pool *pool, size_t c, size_t chunks) {
    size_t n = pool->count - pool->live_from;
    return pool->live_from + n / chunks * c + n % chunks * c / chunks;
}

/* Does sender s's rule pass one report to receiver j, given the uniform u drawn for them?
 * (docs/model.md §5.4; network reports follow the same rule, §5.9.) */
static inline int policy_shares(const struct sim_workspace *ws, const struct world_sharing *rule,
                                int s, int j, double u) {
    size_t S = (size_t)ws->n_states;
    switch (rule->policy) {
        case POLICY_LEVEL: /* an adaptive state's level is its own to revise (§5.15) */
            return u <
                   (ws->adapt_mask >> s & 1 ? ws->share_p[(size_t)s * S + (size_t)j] : rule->level);
        case POLICY_AGREEMENTS:
            return u < ws->world->agreement[(size_t)s * S + (size_t)j];
        case POLICY_RECIPROCAL:
            return u < ws->trust[(size_t)s * S + (size_t)j];
        default:
            return 1; /* full, hub */
    }
}

/* The states sender s's rule offers a report to: the centre's other members under the hub, else
 * by scope; `route` is the owners the scope `route` means for this report. */
static inline uint64_t rule_candidates(const struct sim_workspace *ws,
                                       const struct world_sharing *rule, int s, uint64_t route) {
    uint64_t self = 1ull << s;
    if (rule->policy == POLICY_HUB) return ws->hub_mask & ~self;
    if (rule->scope == SCOPE_NEIGHBOURS) return ws->world->neighbours[s] & ws->all_mask & ~self;
    if (rule->scope == SCOPE_ROUTE) return route & ~self;
    return ws->all_mask & ~self;
}

/* A tactical report on a threat (the channels' fields zero). */
static inline struct sim_report report_tactical(uint64_t serial, uint64_t uid, int deliver,
                                                int sender, int receiver, int type, int via_hub) {
    struct sim_report report = {0};
    report.serial = serial;
    report.uid = uid;
    report.deliver = deliver;
    report.sender = (int16_t)sender;
    report.receiver = (int16_t)receiver;
    report.type = (int16_t)type;
    report.via_hub = (uint8_t)via_hub;
    report.kind = REPORT_TACTICAL;
    return report;
}

/* Does state s hold intelligence on threat i's network at tick t (§5.9)? O(1). */
static inline int network_holds_at(const struct sim_workspace *ws, size_t i, int s, int t) {
    if (!ws->has_networks) return 0;
    int32_t n = ws->pool.network[i];
    return n >= 0 && t < ws->net_until[(size_t)n * (size_t)ws->n_states + (size_t)s];
}

static inline int network_holds(const struct sim_workspace *ws, size_t i, int s) {
    return network_holds_at(ws, i, s, ws->tick);
}

/* A threat's detection budget (§5.3): an Exp(1) threshold from its DETECT stream, drawn on
 * arrival (`after` 0) and after each detection in own territory (`after` 1) at this tick. */
static inline double detect_budget(const struct sim_workspace *ws, uint64_t uid, int after) {
    uint32_t b = 2u * (uint32_t)ws->tick + (uint32_t)after;
    return -log1p(-rng_uniform_at(ws->key[RNG_DETECT], uid, b));
}

/* A threat looked at in tick t after sleeping since tick `seen`: what the slept ticks did to it
 * (each spent its sleeping hazard of the detection budget and, at the target, added a tick of
 * dwell; a threat sleeps only where neither changes, wake.c), so that it is as if it had been
 * looked at every tick. */
static inline void wake_catch_up(struct sim_pool *pool, size_t i, int t) {
    int slept = t - 1 - pool->seen[i];
    if (slept > 0) {
        pool->budget[i] -= slept * pool->hazard[i];
        if (pool->at_target[i] > 0) pool->at_target[i] += slept;
    }
    pool->seen[i] = t;
}

/* Does state s hold any intelligence on threat i: its own detection, a report, or its network? */
static inline int warned(const struct sim_workspace *ws, size_t i, int s) {
    return ((ws->pool.known[i] | ws->pool.intel[i]) >> s & 1) || network_holds(ws, i, s);
}

/* Fetch early what the serial bookkeeping of threat i reads first (the threats of a tick's
 * events are scattered over the pool): called a few events ahead. */
static inline void pool_prefetch(const struct sim_pool *pool, size_t i, size_t n_states) {
    __builtin_prefetch(&pool->severity[i]);
    __builtin_prefetch(&pool->type[i]);
    __builtin_prefetch(&pool->region[i]);
    __builtin_prefetch(&pool->known[i]);
    __builtin_prefetch(&pool->intel[i]);
    __builtin_prefetch(&pool->uid[i]);
    __builtin_prefetch(&pool->estimate[i * n_states]);
}

/* pool.c */
int pool_compact(struct sim_workspace *ws);
/* Join the chunks' segments of `list` (ws->chunk_count[c] entries from chunk c's first slot)
 * into one list; returns its length. */
size_t chunk_join(const struct sim_workspace *ws, size_t *list, size_t chunks);
/* The same with the counts in counts[c]. */
size_t chunk_join_counts(const struct sim_workspace *ws, size_t *list, const size_t *counts,
                         size_t chunks);
/* Room for n new threats at the end of the pool (compacting or growing it as needed). */
int pool_reserve_slots(struct sim_workspace *ws, size_t n, char *err, size_t errlen);
int report_push(struct sim_workspace *ws, const struct sim_report *report);
int spawn_push(struct sim_workspace *ws, const struct sim_spawn *spawn);
/* Slot of the active threat with this serial, or -1. */
long pool_find(const struct sim_workspace *ws, uint64_t serial);

/* the phases, one file each */
int phase_arrivals(struct sim_workspace *ws, char *err, size_t errlen);
int phase_delivery(struct sim_workspace *ws, char *err, size_t errlen);
int phase_detection(struct sim_workspace *ws, char *err, size_t errlen);
int phase_sharing(struct sim_workspace *ws, char *err, size_t errlen);
int phase_response(struct sim_workspace *ws);
int phase_movement(struct sim_workspace *ws, char *err, size_t errlen);
void phase_trust(struct sim_workspace *ws);
void phase_record(struct sim_workspace *ws);

/* network.c: networks and campaigns (§5.9) */
int network_campaigns(struct sim_workspace *ws, int type, char *err, size_t errlen);
int network_active(const struct sim_workspace *ws, int type);
int network_of(const struct sim_workspace *ws, int type, uint64_t uid, int inherited);
void network_count(struct sim_workspace *ws, int type, int slot);
void network_release(struct sim_workspace *ws, size_t i);
void network_drop(struct sim_workspace *ws, int type, int slot);
void network_rotate(struct sim_workspace *ws);
void network_acquire(struct sim_workspace *ws, size_t i, int s);
int network_share(struct sim_workspace *ws, size_t i, int s, char *err, size_t errlen);
void network_deliver(struct sim_workspace *ws, const struct sim_report *report);

/* collection.c: upstream collection by states and partners in external regions (§5.11) */
int upstream_any(const struct sim_workspace *ws, size_t i);
int upstream_detect(struct sim_workspace *ws, size_t i, char *err, size_t errlen);

/* fusion.c: the fusion centre's pooled picture (§5.12) */
int fusion_send(struct sim_workspace *ws, size_t i, int s, int deliver, uint64_t excluded);
int fusion_centre(struct sim_workspace *ws, const struct sim_report *report, long slot);
void fusion_relay(struct sim_workspace *ws, const struct sim_report *report, long slot);
double fusion_estimate(const struct sim_workspace *ws, size_t i, int s, double own);

/* adapt.c: adaptive states (§5.15); the revision follows the record phase */
void adapt_reset(struct sim_workspace *ws);
void phase_adapt(struct sim_workspace *ws);

/* exploit.c: strategic leakers (§5.16) */
void exploit_reset(struct sim_workspace *ws);
void exploit_consider(struct sim_workspace *ws, const struct sim_report *report);
/* Does sender s exclude receiver j at this tick? */
static inline int exploit_excluded(const struct sim_workspace *ws, int s, int j) {
    return ws->has_exploit &&
           ws->tick < ws->excluded_until[(size_t)s * (size_t)ws->n_states + (size_t)j];
}

/* response.c: the candidate queues made again after a compaction (the slots moved) */
int response_requeue(struct sim_workspace *ws);

/* detection.c: the bookkeeping of one detection of threat i by state s; state s's detection
 * hazard on threat i in its own territory at tick t, all channels together */
int detection_record(struct sim_workspace *ws, size_t i, int s, int channel);
double detection_hazard(const struct sim_workspace *ws, size_t i, int s, int t);

/* wake.c: the next tick threat i, looked at in this tick and alive after its movement, must be
 * looked at again; sets its sleeping hazard */
int32_t wake_next(struct sim_workspace *ws, size_t i, int moved);

#endif
