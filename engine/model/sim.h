/* sim.h — one replicate of the model: allocate a workspace once, run it, read its result.
 *
 * The model is a pure function of (world, replicate, streams, state): sim_run() draws every random
 * number from streams keyed by (world seed, replicate, purpose, ...), so the same replicate gives
 * the same arrivals, targets and severities under every variant (common random numbers) and the
 * same bits whatever the thread count. The model never touches files or globals; a workspace is
 * used by one thread at a time.
 */
#ifndef C5SIM_SIM_H
#define C5SIM_SIM_H

#include <signal.h>
#include <stddef.h>
#include "world.h"
#include "metrics.h"

/* What one replicate produces. Arrays are owned by the result (sim_result_alloc/free). */
struct sim_result {
    int n_states, n_types, ticks;
    double *by_type;   /* [metric][state][type]: index (m * n_states + s) * n_types + k */
    double *series;    /* [metric][tick][state] or NULL when series are off */
    float *trust;      /* [tick][truster][trusted] or NULL when trust is not recorded */
    int trust_changed; /* 1 if trust ever left its initial value */
    /* Threat-flow figures for maps: per region, summed over the run. */
    int n_regions;
    double *region_arrivals;   /* threats that entered the region */
    double *region_detections; /* detections made in the region */
    double *region_impacts;    /* impacts in the region */
    double *region_harm;       /* harm suffered in the region */
    long long threat_ticks;    /* active threat-ticks processed (for benchmarks) */
    long long peak_active;     /* largest active pool seen */
    /* Adaptive states (docs/model.md §5.15): the sharing level of each state in each recorded
     * period (the shortest adaptation period K of the world), NULL when no state adapts. */
    int n_periods;
    double *sharing_periods; /* [period][state]: mean level over its partners; NaN when the
                                state follows no `level` rule */
};

enum sim_event_kind {
    EVENT_ARRIVAL,
    EVENT_DETECTION,
    EVENT_REPORT,
    EVENT_LEAK,
    EVENT_ENGAGEMENT,
    EVENT_INTERDICTION,
    EVENT_IMPACT,
    EVENT_DELIVERY, /* a state's report reached `other` (state = sender; partners' are not sent) */
    EVENT_TICK,     /* end of a tick: value = threats still active (state, threat = -1) */
    EVENT_NETWORK_REPORT, /* network intelligence sent to `other`; value = tick it expires */
    EVENT_NETWORK_INTEL,  /* `state` now holds intelligence on the threat's network (obtained:
                             other = -1; received from `other`); value = tick it expires */
    EVENT_ROTATION,       /* a network of `type` rotated (threat = -1); value = its index */
    EVENT_EXPLOIT         /* receiver `state` exploited a report from `other`; value = 1 if the
                             sender caught it, else 0 (docs/model.md §5.16) */
};

struct sim_event {
    int kind; /* enum sim_event_kind */
    int tick;
    long long threat; /* threat uid within the replicate */
    int type;         /* threat type */
    int state;        /* acting state (detector, sender, engager, victim), or -1 */
    int other;        /* receiver of a report / leaker, or -1 */
    int region;       /* where it happened, or -1 */
    double value;     /* severity, estimate or harm, where meaningful */
};

struct sim_options {
    int keep_series; /* record per-tick series */
    int keep_trust;  /* record the trust matrix each tick */
    int threads;     /* >1: split per-threat phases over OpenMP threads (bit-identical) */
    /* Optional event log: called for each event in deterministic order; NULL disables. */
    void (*on_event)(void *ctx, const struct sim_event *event);
    void *event_ctx;
    /* Optional stop flag, read between ticks: once it is non-zero sim_run() gives up the
     * replicate and returns SIM_STOPPED, so that a signal (whose handler, in the run layer,
     * sets it) ends even a long replicate within one tick. NULL: never stops. */
    const volatile sig_atomic_t *stop;
    /* For tests: look at every threat every tick (the next-event tick off, docs/model.md §11).
     * The results are the same; only the cost differs. */
    int look_every_tick;
};

/* sim_run() returned early because options.stop was set; the result is incomplete. */
enum { SIM_STOPPED = 1 };

struct sim_workspace;

/* Allocate a workspace sized for `world` (pools start small and grow geometrically, bounded by
 * world->max_active_threats). Returns NULL and fills err (if non-NULL) on failure. */
struct sim_workspace *sim_alloc(const struct world *world, const struct sim_options *options,
                                char *err, size_t errlen);
void sim_free(struct sim_workspace *ws);

struct sim_result *sim_result_alloc(const struct world *world, const struct sim_options *options);
void sim_result_free(struct sim_result *result);
void sim_result_clear(struct sim_result *result);

/* Run replicate `replicate` (0-based) of `world` to the end, filling `result`.
 * Returns 0, SIM_STOPPED when options.stop was set (result incomplete), or -1 with a message in
 * err (e.g. the pool bound was exceeded). */
int sim_run(struct sim_workspace *ws, const struct world *world, long replicate,
            struct sim_result *result, char *err, size_t errlen);

/* Totals over ticks of one metric for one state (sum over types). */
double sim_result_total(const struct sim_result *result, int metric, int state);

#endif
