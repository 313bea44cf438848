/* tick.c — one tick of the model: the phases in the documented order (docs/model.md §5). */
#include <stdio.h>

#include "tick.h"

int tick_run(struct sim_workspace *ws, char *err, size_t errlen) {
    const struct world *w = ws->world;
    char scratch[8];
    if (!err) {
        err = scratch;
        errlen = sizeof scratch;
    }
    for (int t = 0; t < w->ticks; t++) {
        if (ws->options.stop && *ws->options.stop) return SIM_STOPPED;
        ws->tick = t;
        ws->detect_next = t; /* changes before this tick's detection pass count in it */
        /* a time-phased measure starts or ends: the tick is simulated in its world, from the
         * first phase on (docs/model.md §14.4) */
        while (ws->next_phase < ws->phase_base->n_phases &&
               ws->phase_base->phases[ws->next_phase].tick == t)
            sim_phase_switch(ws);
        /* units whose busy time ended, burns that ended: capabilities at the start of tick t */
        for (int s = 0; s < ws->n_states; s++) {
            int *slot =
                &ws->release[(size_t)s * (size_t)ws->release_len + (size_t)(t % ws->release_len)];
            ws->free_units[s] += *slot;
            *slot = 0;
        }
        for (int sd = 0; sd < ws->n_states * ws->n_domains; sd++)
            if (ws->burn_until[sd] == t && t > 0) ws->routes_dirty |= 1ull << (sd % ws->n_domains);
        if (ws->routes_dirty && sim_routes_compute(ws, 1, err, errlen) != 0) return -1;

        if (phase_arrivals(ws, err, errlen) != 0) return -1;
        size_t active = pool_active(&ws->pool);
        ws->result->threat_ticks += (long long)active;
        if ((long long)active > ws->result->peak_active)
            ws->result->peak_active = (long long)active;
        if (phase_delivery(ws, err, errlen) != 0) return -1;
        if (phase_detection(ws, err, errlen) != 0) return -1;
        if (phase_sharing(ws, err, errlen) != 0) return -1;
        if (phase_response(ws) != 0) {
            snprintf(err, errlen, "out of memory queueing response candidates");
            return -1;
        }
        if (phase_movement(ws, err, errlen) != 0) return -1;
        phase_trust(ws);
        phase_record(ws);
        if (ws->adapt_mask) phase_adapt(ws);
    }
    return 0;
}
