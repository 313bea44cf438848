/* sharing.c — phase 4: sharing of this tick's detections under each sender's policy and scope. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "rng.h"
#include "tick.h"

/* ---------------------------------------------------------------- 4. sharing */

int phase_sharing(struct sim_workspace *ws, char *err, size_t errlen) {
    const struct world *w = ws->world;
    struct sim_pool *pool = &ws->pool;
    size_t S = (size_t)ws->n_states;
    int t = ws->tick;
    for (size_t n = 0; n < ws->n_detected; n++) {
        size_t i = ws->detected[n];
        int s = ws->region_owner[pool->region[i]], k = pool->type[i];
        const struct world_threat_type *tt = &w->types[k];
        const struct world_sharing *rule = &w->sharing[world_sd(w, s, tt->domain)];
        uint64_t self = 1ull << s, candidates;
        int hub = rule->policy == POLICY_HUB;
        if (hub)
            candidates = ws->hub_mask & ~self;
        else if (rule->scope == SCOPE_NEIGHBOURS)
            candidates = w->neighbours[s] & ws->all_mask & ~self;
        else if (rule->scope == SCOPE_ROUTE)
            candidates =
                ws->paths.owner_suffix[ws->paths.first[pool->path[i]] + pool->pos[i]] & ~self;
        else
            candidates = ws->all_mask & ~self;
        if (!candidates) continue;
        double estimate = pool->estimate[i * S + (size_t)s];
        if (rule->policy == POLICY_WITHHOLD || estimate < rule->threshold) {
            metric_add(ws, METRIC_REPORTS_WITHHELD, s, k, __builtin_popcountll(candidates));
            continue;
        }
        rng_stream_set(ws->rng, ws->key[RNG_SHARE], pool->uid[i], (uint32_t)s);
        int sent = 0, withheld = 0;
        int deliver = t + 1 + rule->latency + (hub ? w->hub_latency : 0);
        for (; candidates; candidates &= candidates - 1) {
            int j = lowest_bit(candidates);
            double u = gsl_rng_uniform(ws->rng);
            int share;
            switch (rule->policy) {
                case POLICY_LEVEL:
                    share = u < rule->level;
                    break;
                case POLICY_AGREEMENTS:
                    share = u < w->agreement[(size_t)s * S + (size_t)j];
                    break;
                case POLICY_RECIPROCAL:
                    share = u < ws->trust[(size_t)s * S + (size_t)j];
                    break;
                default:
                    share = 1;
                    break; /* full, hub */
            }
            if (!share) {
                withheld++;
                continue;
            }
            struct sim_report report = {pool->serial[i], pool->uid[i], deliver,     (int16_t)s,
                                        (int16_t)j,      (int16_t)k,   (uint8_t)hub};
            if (report_push(ws, &report) != 0) {
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
    }
    return 0;
}
