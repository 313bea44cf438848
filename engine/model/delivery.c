/* delivery.c — phase 2: delivery of the reports due this tick; leaks, burns and trust losses. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "rng.h"
#include "tick.h"

/* A delivered report from state `sender` leaks at its receiver with the receiver's leak
 * probability (one stream per purpose): the sender's sources in the domain are burned, and the
 * sender blames the leaker when it can tell who it was. Returns 1 if it leaked. */
static int leak(struct sim_workspace *ws, const struct sim_report *report, int purpose,
                int metric) {
    const struct world *w = ws->world;
    int t = ws->tick, receiver = report->receiver, sender = report->sender;
    size_t S = (size_t)ws->n_states;
    double probability = w->states[receiver].leak;
    if (!(probability > 0)) return 0;
    uint32_t b = ((uint32_t)t << 12) | ((uint32_t)receiver << 6) | (uint32_t)sender;
    rng_stream_set(ws->rng, ws->key[purpose], report->uid, b);
    if (gsl_rng_uniform(ws->rng) >= probability) return 0;
    const struct world_threat_type *tt = &w->types[report->type];
    metric_add(ws, metric, sender, report->type, 1.0);
    emit(ws, EVENT_LEAK, (long long)report->uid, report->type, sender, receiver, -1, 0.0);
    int sd = world_sd(w, sender, tt->domain);
    if (w->burn_ticks > 0 && w->burn_factor < 1.0) {
        if (ws->burn_until[sd] <= t) ws->routes_dirty |= 1ull << tt->domain;
        ws->burn_until[sd] = t + w->burn_ticks;
    }
    int attributed = !report->via_hub || gsl_rng_uniform(ws->rng) < w->hub_monitoring;
    if (attributed) ws->trust_delta[(size_t)sender * S + (size_t)receiver] -= w->trust.loss_leak;
    return 1;
}

int phase_delivery(struct sim_workspace *ws, char *err, size_t errlen) {
    int t = ws->tick;
    size_t S = (size_t)ws->n_states, kept = 0;
    struct sim_pool *pool = &ws->pool;
    network_rotate(ws);
    /* a fusing centre queues its relays while this loop runs: they join the end of the queue
     * (and are delivered in this same pass when the centre's latency is 0) */
    for (size_t r = 0; r < ws->n_reports; r++) {
        struct sim_report report = ws->reports[r];
        if (report.deliver > t) {
            ws->reports[kept++] = report;
            continue;
        }
        int receiver = report.receiver, sender = report.sender;
        if (report.kind == REPORT_CENTRE) {
            if (fusion_centre(ws, &report, pool_find(ws, report.serial)) != 0) {
                snprintf(err, errlen, "out of memory queueing the fusion centre's relays");
                return -1;
            }
            continue;
        }
        if (report.kind == REPORT_NETWORK) {
            emit(ws, EVENT_DELIVERY, (long long)report.uid, report.type, sender, receiver, -1,
                 (double)report.until);
            leak(ws, &report, RNG_NETWORK_LEAK, METRIC_NETWORK_LEAKED);
            network_deliver(ws, &report);
            continue;
        }
        if (sender >= 0) {
            emit(ws, EVENT_DELIVERY, (long long)report.uid, report.type, sender, receiver, -1,
                 report.pool_w > 0 ? exp((double)report.pool_m / report.pool_w) : 0.0);
            leak(ws, &report, RNG_LEAK, METRIC_LEAKS);
            if (ws->has_exploit) exploit_consider(ws, &report);
        }
        long i = pool_find(ws, report.serial);
        if (i < 0) continue; /* the threat is gone: the report informs nothing */
        /* a report to the owner of the region the threat is in changes its detection hazard:
         * a sleeping threat is looked at in this tick's pass */
        if (!(pool->intel[i] >> receiver & 1) && ws->region_owner[pool->region[i]] == receiver &&
            pool->wake[i] > ws->detect_next)
            pool->wake[i] = ws->detect_next;
        pool->intel[i] |= 1ull << receiver;
        int8_t *first = &pool->first_reporter[(size_t)i * S + (size_t)receiver];
        if (*first == -1) *first = (int8_t)(sender >= 0 ? sender : -2);
        if (report.pool_w > 0) fusion_relay(ws, &report, i);
    }
    ws->n_reports = kept;
    return 0;
}
