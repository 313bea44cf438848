/* record.c — phases 7 and 8: trust changes applied once, and the tick's record. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "rng.h"
#include "tick.h"

/* ---------------------------------------------------------------- 7. trust, 8. record */

void phase_trust(struct sim_workspace *ws) {
    size_t S = (size_t)ws->n_states;
    for (size_t c = 0; c < S * S; c++) {
        if (ws->trust_delta[c] == 0.0) continue;
        double value = ws->trust[c] + ws->trust_delta[c];
        ws->trust[c] = value < 0.0 ? 0.0 : value > 1.0 ? 1.0 : value;
        ws->trust_delta[c] = 0.0;
        ws->result->trust_changed = 1;
    }
}

void phase_record(struct sim_workspace *ws) {
    const struct world *w = ws->world;
    struct sim_result *r = ws->result;
    size_t S = (size_t)ws->n_states;
    if (r->trust)
        for (size_t c = 0; c < S * S; c++)
            r->trust[(size_t)ws->tick * S * S + c] = (float)ws->trust[c];
    /* the measure's cost, spread equally over states, ticks and threat types */
    if (w->measure_cost > 0 && w->n_types > 0) {
        double share = w->measure_cost / ((double)S * w->ticks * w->n_types);
        for (int s = 0; s < (int)S; s++)
            for (int k = 0; k < w->n_types; k++) metric_add(ws, METRIC_LOSS, s, k, share);
    }
    for (int k = 0; k < w->n_types; k++) {
        const struct world_threat_type *tt = &w->types[k];
        ws->escalation[k] =
            tt->escalation_decay * ws->escalation[k] + tt->escalation_boost * ws->impacts_now[k];
        ws->impacts_now[k] = 0;
    }
    struct sim_spawn *swap = ws->spawns;
    ws->spawns = ws->spawns_next;
    ws->spawns_next = swap;
    ws->n_spawns = ws->n_spawns_next;
    ws->n_spawns_next = 0;
    emit(ws, EVENT_TICK, -1, -1, -1, -1, -1, (double)pool_active(&ws->pool));
}
