/* delivery.c — phase 2: delivery of the reports due this tick; leaks, burns and trust losses. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "rng.h"
#include "tick.h"

/* ---------------------------------------------------------------- 2. delivery */

void phase_delivery(struct sim_workspace *ws) {
    const struct world *w = ws->world;
    int t = ws->tick;
    size_t S = (size_t)ws->n_states, kept = 0;
    struct sim_pool *pool = &ws->pool;
    for (size_t r = 0; r < ws->n_reports; r++) {
        struct sim_report report = ws->reports[r];
        if (report.deliver > t) {
            ws->reports[kept++] = report;
            continue;
        }
        int receiver = report.receiver, sender = report.sender;
        if (sender >= 0) {
            const struct world_threat_type *tt = &w->types[report.type];
            emit(ws, EVENT_DELIVERY, (long long)report.uid, report.type, sender, receiver, -1, 0.0);
            double leak = w->states[receiver].leak;
            if (leak > 0) {
                uint32_t b = ((uint32_t)t << 12) | ((uint32_t)receiver << 6) | (uint32_t)sender;
                rng_stream_set(ws->rng, ws->key[RNG_LEAK], report.uid, b);
                if (gsl_rng_uniform(ws->rng) < leak) {
                    metric_add(ws, METRIC_LEAKS, sender, report.type, 1.0);
                    emit(ws, EVENT_LEAK, (long long)report.uid, report.type, sender, receiver, -1,
                         0.0);
                    int sd = world_sd(w, sender, tt->domain);
                    if (w->burn_ticks > 0 && w->burn_factor < 1.0) {
                        if (ws->burn_until[sd] <= t) ws->routes_dirty |= 1ull << tt->domain;
                        ws->burn_until[sd] = t + w->burn_ticks;
                    }
                    /* the sender blames the leaker when it can tell who it was */
                    int attributed =
                        !report.via_hub || gsl_rng_uniform(ws->rng) < w->hub_monitoring;
                    if (attributed)
                        ws->trust_delta[(size_t)sender * S + (size_t)receiver] -=
                            w->trust.loss_leak;
                }
            }
        }
        long i = pool_find(ws, report.serial);
        if (i < 0) continue; /* the threat is gone: the report informs nothing */
        pool->intel[i] |= 1ull << receiver;
        int8_t *first = &pool->first_reporter[(size_t)i * S + (size_t)receiver];
        if (*first == -1) *first = (int8_t)(sender >= 0 ? sender : -2);
    }
    ws->n_reports = kept;
}
