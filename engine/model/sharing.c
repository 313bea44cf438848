/* sharing.c — phase 4: sharing of this tick's detections under each sender's policy and scope. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "rng.h"
#include "tick.h"

/* Offer state s's report on threat i (detected this tick) under its rule for the domain. */
static int share_report(struct sim_workspace *ws, size_t i, int s, char *err, size_t errlen) {
    const struct world *w = ws->world;
    struct sim_pool *pool = &ws->pool;
    size_t S = (size_t)ws->n_states;
    int t = ws->tick, k = pool->type[i];
    const struct world_threat_type *tt = &w->types[k];
    const struct world_sharing *rule = &w->sharing[world_sd(w, s, tt->domain)];
    uint64_t self = 1ull << s;
    int hub = rule->policy == POLICY_HUB;
    uint64_t candidates = rule_candidates(
        ws, rule, s, ws->paths.owner_suffix[ws->paths.first[pool->path[i]] + pool->pos[i]]);
    if (!candidates) return 0;
    double estimate = pool->estimate[i * S + (size_t)s];
    if (rule->policy == POLICY_WITHHOLD || estimate < rule->threshold) {
        metric_add(ws, METRIC_REPORTS_WITHHELD, s, k, __builtin_popcountll(candidates));
        return 0;
    }
    /* a fusing centre gets one report and relays it itself (fusion.c) */
    int via_centre = hub && ws->has_fusion;
    uint64_t excluded = 0; /* the receivers s excludes (§5.16): the centre does not relay to them */
    for (uint64_t m = ws->has_exploit && via_centre ? candidates : 0; m; m &= m - 1)
        if (exploit_excluded(ws, s, lowest_bit(m))) excluded |= 1ull << lowest_bit(m);
    if (via_centre && fusion_send(ws, i, s, t + 1 + rule->latency, excluded) != 0) {
        snprintf(err, errlen, "out of memory queueing reports");
        return -1;
    }
    rng_stream_set(ws->rng, ws->key[RNG_SHARE], pool->uid[i], (uint32_t)s);
    int sent = 0, withheld = 0;
    int deliver = t + 1 + rule->latency + (hub ? w->hub_latency : 0);
    for (; candidates; candidates &= candidates - 1) {
        int j = lowest_bit(candidates);
        double u = gsl_rng_uniform(ws->rng);
        int share = policy_shares(ws, rule, s, j, u);
        /* an excluded receiver gets nothing (§5.16); the uniform is drawn all the same, so the
         * other receivers' draws stay those of a run without exclusion */
        if (share && exploit_excluded(ws, s, j)) {
            share = 0;
            metric_add(ws, METRIC_REPORTS_EXCLUDED, s, k, 1.0);
        }
        if (ws->adapt_tft) {
            ws->tft_offered[(size_t)s * S + (size_t)j] += 1.0;
            if (share) ws->tft_sent[(size_t)s * S + (size_t)j] += 1.0;
        }
        if (!share) {
            withheld++;
            continue;
        }
        struct sim_report report =
            report_tactical(pool->serial[i], pool->uid[i], deliver, s, j, k, hub);
        if (!via_centre && report_push(ws, &report) != 0) {
            snprintf(err, errlen, "out of memory queueing reports");
            return -1;
        }
        if (j == pool->victim[i]) pool->told[i] |= self;
        sent++;
        emit(ws, EVENT_REPORT, (long long)pool->uid[i], k, s, j, pool->region[i], estimate);
    }
    if (sent) metric_add(ws, METRIC_REPORTS_SHARED, s, k, sent);
    if (withheld) metric_add(ws, METRIC_REPORTS_WITHHELD, s, k, withheld);
    /* one report to the centre pays once; direct sharing pays per receiver */
    double cost = w->states[s].cost_per_report * (hub ? (sent > 0) : sent);
    if (cost > 0) {
        metric_add(ws, METRIC_SHARING_COST, s, k, cost);
        metric_add(ws, METRIC_LOSS, s, k, cost);
    }
    return 0;
}

/* ---------------------------------------------------------------- 4. sharing */

/* Each detection of this tick, in threat order: the report on the threat, then what it taught
 * the detector about the threat's network. */
int phase_sharing(struct sim_workspace *ws, char *err, size_t errlen) {
    for (size_t n = 0; n < ws->n_found; n++) {
        if (n + 4 < ws->n_found)
            pool_prefetch(&ws->pool, ws->found[n + 4].slot, (size_t)ws->n_states);
        size_t i = ws->found[n].slot;
        int s = ws->found[n].state;
        if (share_report(ws, i, s, err, errlen) != 0) return -1;
        if (network_share(ws, i, s, err, errlen) != 0) return -1;
    }
    return 0;
}
