/* network.c — networks and campaigns (docs/model.md §5.9): which network a threat belongs to,
 * campaigns that start and end, network intelligence obtained, shared, delivered and rotated.
 *
 * Every lookup is O(1) per threat-tick: a threat carries its network slot, and a state's
 * intelligence on a network is one tick number per (slot, state), valid while the tick is below
 * it. Campaign slots are recycled once a campaign has ended and its last threat is gone; a
 * campaign serial (per type, in start order) names its random streams, so that the same campaign
 * rotates at the same ticks under every variant (common random numbers).
 */
#include <stdio.h>

#include <gsl/gsl_randist.h>

#include "rng.h"
#include "tick.h"

static inline size_t at(const struct sim_workspace *ws, int slot, int s) {
    return (size_t)slot * (size_t)ws->n_states + (size_t)s;
}

/* Set s's holding on network `slot` to `until`. Where that changes whether s holds it at the
 * next detection pass, the network's sleeping threats in s's territory are woken for that pass
 * (their detection hazard changes, docs/model.md §11); an extension changes nothing before the
 * old expiry, at which they wake anyway. */
static void holding_set(struct sim_workspace *ws, int slot, int s, int32_t until) {
    int32_t *held = &ws->net_until[at(ws, slot, s)];
    int next = ws->detect_next;
    if ((next < *held) != (next < until)) {
        ws->net_dirty[at(ws, slot, s)] = 1;
        ws->net_dirty_any = 1;
    }
    *held = until;
}

static void slot_reset(struct sim_workspace *ws, int slot) {
    for (int s = 0; s < ws->n_states; s++) holding_set(ws, slot, s, 0);
    ws->net_rotated[slot] = -1;
    ws->net_alive[slot] = 0;
}

/* End the campaigns of `type` whose lifetime is over and start this tick's new ones. */
int network_campaigns(struct sim_workspace *ws, int type, char *err, size_t errlen) {
    const struct world_threat_type *tt = &ws->world->types[type];
    if (tt->network_kind != NETWORK_CAMPAIGNS) return 0;
    int t = ws->tick, first = ws->type_first_network[type], slots = tt->networks;
    int *queue = ws->camp_queue + first;
    /* every campaign lives equally long, so they end in the order they started */
    while (ws->camp_count[type] > 0) {
        int slot = queue[ws->camp_head[type]];
        if (ws->net_end[slot] > t) break;
        ws->camp_head[type] = (ws->camp_head[type] + 1) % slots;
        ws->camp_count[type]--;
        ws->net_state[slot] = ws->net_alive[slot] > 0 ? 2 : 0;
    }
    if (!(tt->campaign_rate > 0)) return 0;
    rng_stream_set(ws->rng, ws->key[RNG_CAMPAIGN], (uint64_t)type, (uint32_t)t);
    unsigned starts = gsl_ran_poisson(ws->rng, tt->campaign_rate);
    for (unsigned c = 0; c < starts; c++) {
        int slot = -1;
        for (int n = first; n < first + slots; n++)
            if (ws->net_state[n] == 0) {
                slot = n;
                break;
            }
        if (slot < 0) {
            snprintf(err, errlen,
                     "more than %d campaigns of threat type %s in use at tick %d: raise "
                     "threats.%s.network.max_campaigns",
                     slots, tt->id, t, tt->id);
            return -1;
        }
        slot_reset(ws, slot);
        ws->net_state[slot] = 1;
        ws->net_campaign[slot] = ws->camp_next[type]++;
        ws->net_end[slot] = t + tt->campaign_lifetime;
        queue[(ws->camp_head[type] + ws->camp_count[type]) % slots] = slot;
        ws->camp_count[type]++;
    }
    return 0;
}

/* Campaigns of `type` generating threats this tick (0 for other kinds). */
int network_active(const struct sim_workspace *ws, int type) {
    return ws->world->types[type].network_kind == NETWORK_CAMPAIGNS ? ws->camp_count[type] : 0;
}

/* The network of a new threat: `inherited` (a contagion copy's parent's, already counted as
 * alive), or for a fresh arrival (inherited == -2) one drawn uniformly among the type's networks
 * or its generating campaigns. Pure (the arrivals' parallel step); network_count counts it. */
int network_of(const struct sim_workspace *ws, int type, uint64_t uid, int inherited) {
    const struct world_threat_type *tt = &ws->world->types[type];
    if (inherited != -2 || tt->network_kind == NETWORK_NONE) return inherited >= 0 ? inherited : -1;
    double u = rng_uniform_at(ws->key[RNG_NETWORK], uid, 0);
    int first = ws->type_first_network[type];
    if (tt->network_kind == NETWORK_FIXED) {
        int n = (int)(u * tt->networks);
        return first + (n < tt->networks ? n : tt->networks - 1);
    }
    int count = ws->camp_count[type]; /* >= 1: campaign types arrive only while one runs */
    int pick = (int)(u * count);
    if (pick >= count) pick = count - 1;
    return ws->camp_queue[first + (ws->camp_head[type] + pick) % tt->networks];
}

/* A fresh arrival of `type` joined network `slot`: a campaign counts its threats. */
void network_count(struct sim_workspace *ws, int type, int slot) {
    if (slot >= 0 && ws->world->types[type].network_kind == NETWORK_CAMPAIGNS)
        ws->net_alive[slot]++;
}

/* Threat i leaves the pool: its campaign slot is free once the campaign ended and this was its
 * last threat. */
void network_release(struct sim_workspace *ws, size_t i) {
    if (!ws->has_networks) return;
    network_drop(ws, ws->pool.type[i], ws->pool.network[i]);
}

/* One threat of `type` counted in campaign slot `slot` (or -1) is gone. */
void network_drop(struct sim_workspace *ws, int type, int slot) {
    if (slot < 0 || ws->world->types[type].network_kind != NETWORK_CAMPAIGNS) return;
    if (--ws->net_alive[slot] == 0 && ws->net_state[slot] == 2) ws->net_state[slot] = 0;
}

/* Start of the delivery phase: each network (or campaign with threats) rotates its indicators
 * with its type's probability; every state's intelligence on it, held or in flight, expires. */
void network_rotate(struct sim_workspace *ws) {
    if (!ws->has_networks) return;
    const struct world *w = ws->world;
    int t = ws->tick;
    for (int k = 0; k < w->n_types; k++) {
        const struct world_threat_type *tt = &w->types[k];
        if (tt->network_kind == NETWORK_NONE || !(tt->rotation > 0)) continue;
        int first = ws->type_first_network[k];
        for (int n = first; n < first + tt->networks; n++) {
            uint64_t name;
            if (tt->network_kind == NETWORK_FIXED)
                name = (uint64_t)k << 32 | (uint64_t)(n - first);
            else if (ws->net_state[n] != 0)
                name = (uint64_t)k << 32 | ws->net_campaign[n];
            else
                continue;
            if (rng_uniform_at(ws->key[RNG_ROTATION], name, (uint32_t)t) >= tt->rotation) continue;
            for (int s = 0; s < ws->n_states; s++) holding_set(ws, n, s, 0);
            ws->net_rotated[n] = t;
            emit(ws, EVENT_ROTATION, -1, k, -1, -1, -1, (double)(n - first));
        }
    }
}

/* State s obtains intelligence on threat i's network (a detection or an interdiction): valid
 * through tick t + tau. */
void network_acquire(struct sim_workspace *ws, size_t i, int s) {
    if (!ws->has_networks || !ws->world->network_intel) return;
    int slot = ws->pool.network[i];
    if (slot < 0) return;
    int32_t until = ws->tick + 1 + ws->world->types[ws->pool.type[i]].intel_ticks;
    if (until > ws->net_until[at(ws, slot, s)]) holding_set(ws, slot, s, until);
    emit(ws, EVENT_NETWORK_INTEL, (long long)ws->pool.uid[i], ws->pool.type[i], s, -1,
         ws->pool.region[i], (double)until);
}

/* Offer what detecting threat i taught state s about its network, under s's rule for the
 * domain: the same policies, scope and latency as reports, its own cost, no severity threshold
 * (it concerns the whole network, not this threat). */
int network_share(struct sim_workspace *ws, size_t i, int s, char *err, size_t errlen) {
    const struct world *w = ws->world;
    struct sim_pool *pool = &ws->pool;
    if (!ws->has_networks || !w->network_intel || pool->network[i] < 0) return 0;
    int k = pool->type[i], t = ws->tick, slot = pool->network[i];
    const struct world_threat_type *tt = &w->types[k];
    const struct world_sharing *rule = &w->sharing[world_sd(w, s, tt->domain)];
    if (rule->policy == POLICY_WITHHOLD) return 0;
    int hub = rule->policy == POLICY_HUB;
    /* scope `route`: whoever the network's threats can meet */
    uint64_t candidates = rule_candidates(ws, rule, s, ws->type_reach[k]);
    if (!candidates) return 0;
    rng_stream_set(ws->rng, ws->key[RNG_NETWORK_SHARE], pool->uid[i], (uint32_t)s);
    int sent = 0;
    struct sim_report report = {0};
    report.serial = pool->serial[i];
    report.uid = pool->uid[i];
    report.deliver = t + 1 + rule->latency + (hub ? w->hub_latency : 0);
    report.sender = (int16_t)s;
    report.type = (int16_t)k;
    report.via_hub = (uint8_t)hub;
    report.kind = REPORT_NETWORK;
    report.network = slot;
    report.acquired = t;
    report.until = t + 1 + tt->intel_ticks;
    report.campaign = ws->net_campaign[slot];
    for (; candidates; candidates &= candidates - 1) {
        int j = lowest_bit(candidates);
        double u = gsl_rng_uniform(ws->rng);
        int share = policy_shares(ws, rule, s, j, u);
        if (!share) continue;
        report.receiver = (int16_t)j;
        if (report_push(ws, &report) != 0) {
            snprintf(err, errlen, "out of memory queueing network reports");
            return -1;
        }
        sent++;
        emit(ws, EVENT_NETWORK_REPORT, (long long)pool->uid[i], k, s, j, pool->region[i],
             (double)report.until);
    }
    if (sent) metric_add(ws, METRIC_NETWORK_SENT, s, k, sent);
    double cost = w->states[s].cost_per_network_report * (hub ? (sent > 0) : sent);
    if (cost > 0) {
        metric_add(ws, METRIC_SHARING_COST, s, k, cost);
        metric_add(ws, METRIC_LOSS, s, k, cost);
    }
    return 0;
}

/* A network report reaches its receiver (after its leak draw, in delivery.c): it extends the
 * receiver's intelligence unless the network rotated since, the campaign's slot was recycled,
 * or the intelligence has expired on the way. */
void network_deliver(struct sim_workspace *ws, const struct sim_report *report) {
    int slot = report->network, j = report->receiver;
    if (ws->net_campaign[slot] != report->campaign || report->acquired < ws->net_rotated[slot] ||
        ws->tick >= report->until)
        return;
    if (report->until > ws->net_until[at(ws, slot, j)]) holding_set(ws, slot, j, report->until);
    metric_add(ws, METRIC_NETWORK_RECEIVED, j, report->type, 1.0);
    emit(ws, EVENT_NETWORK_INTEL, (long long)report->uid, report->type, j, report->sender, -1,
         (double)report->until);
}
