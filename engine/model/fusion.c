/* fusion.c — the fusion centre's pooled picture (docs/model.md §5.12).
 *
 * With `hub.fusion`, a member's report first travels to the centre; the centre pools the
 * log-estimates of every member report it holds on the threat, weighted by their precisions
 * (1 / severity_noise^2: the estimates are lognormal, so this is the maximum-likelihood estimate
 * of the log-severity, with variance 1 / sum of precisions), and relays each report to every
 * other member with the pool as it stands. A member combines the pool with its own estimate
 * (when its own is not already in the pool) the same way.
 */
#include <math.h>

#include <gsl/gsl_randist.h>

#include "rng.h"
#include "tick.h"

/* A precision for an estimate with no noise: large enough to dominate any pool. */
#define PRECISION_EXACT 1e12

static double precision(const struct sim_workspace *ws, int s) {
    double noise = ws->world->states[s].severity_noise;
    return noise > 0 ? 1.0 / (noise * noise) : PRECISION_EXACT;
}

/* State s's own estimate of threat i: the severity times its noise draw (the same draw as its
 * detection made, from the ESTIMATE stream). */
static double own_estimate(struct sim_workspace *ws, size_t i, int s) {
    double estimate = ws->pool.severity[i], noise = ws->world->states[s].severity_noise;
    if (noise > 0) {
        rng_stream_set(ws->rng, ws->key[RNG_ESTIMATE], ws->pool.uid[i], (uint32_t)s);
        estimate *= exp(noise * gsl_ran_gaussian_ziggurat(ws->rng, 1.0));
    }
    return estimate;
}

/* State s sends its report on threat i to the centre, to arrive at tick `deliver`: its own
 * estimate and precision. */
int fusion_send(struct sim_workspace *ws, size_t i, int s, int deliver, uint64_t excluded) {
    double p = precision(ws, s);
    struct sim_report report = {0};
    report.serial = ws->pool.serial[i];
    report.uid = ws->pool.uid[i];
    report.deliver = deliver;
    report.sender = (int16_t)s;
    report.receiver = -1;
    report.type = (int16_t)ws->pool.type[i];
    report.via_hub = 1;
    report.kind = REPORT_CENTRE;
    report.pool_w = (float)p;
    report.pool_m = (float)(p * log(own_estimate(ws, i, s)));
    report.pool_from = 1ull << s;
    report.excluded = excluded;
    return report_push(ws, &report);
}

/* A member's report reaches the centre: pool it, and relay it to every other member with the
 * pool as it now stands (the sender's own estimate alone if the threat is gone). */
int fusion_centre(struct sim_workspace *ws, const struct sim_report *report, long slot) {
    struct sim_report relay = *report;
    relay.kind = REPORT_TACTICAL;
    relay.via_hub = 1;
    relay.deliver = ws->tick + ws->world->hub_latency;
    if (slot >= 0) {
        ws->pool.centre_w[slot] += report->pool_w;
        ws->pool.centre_m[slot] += report->pool_m;
        ws->pool.centre_from[slot] |= 1ull << report->sender;
        relay.pool_w = (float)ws->pool.centre_w[slot];
        relay.pool_m = (float)ws->pool.centre_m[slot];
        relay.pool_from = ws->pool.centre_from[slot];
    }
    for (uint64_t members = ws->hub_mask & ~(1ull << report->sender); members;
         members &= members - 1) {
        relay.receiver = (int16_t)lowest_bit(members);
        /* nor does the centre relay to a member the sender excluded when it sent (§5.16) */
        if (report->excluded >> relay.receiver & 1) continue;
        if (report_push(ws, &relay) != 0) return -1;
    }
    return 0;
}

/* A relay with the centre's pool reaches member j = report->receiver: a member that knows the
 * threat combines the pool with its own estimate (unless its own is in the pool); one that does
 * not keeps the pool for when it detects the threat. */
void fusion_relay(struct sim_workspace *ws, const struct sim_report *report, long slot) {
    size_t S = (size_t)ws->n_states, c = (size_t)slot * S + (size_t)report->receiver;
    int j = report->receiver;
    double w = report->pool_w, m = report->pool_m;
    if (ws->pool.known[slot] >> j & 1) {
        if (!(report->pool_from >> j & 1)) {
            double own = own_estimate(ws, (size_t)slot, j), p = precision(ws, j);
            m += p * log(own);
            w += p;
        }
        ws->pool.estimate[c] = (float)exp(m / w);
        /* a new priority: a queued candidate is listed (and queued) again by this tick's pass */
        if (ws->pool.queued[slot] == j) {
            ws->pool.queued[slot] = -1;
            if (ws->pool.wake[slot] > ws->detect_next) ws->pool.wake[slot] = ws->detect_next;
        }
    } else {
        ws->pool.fused_log[c] = (float)(m / w);
        ws->pool.fused_prec[c] = (float)w;
    }
}

/* State s detects threat i with its own estimate `own`: its working estimate combines `own` with
 * the last pool relayed to it, if any. */
double fusion_estimate(const struct sim_workspace *ws, size_t i, int s, double own) {
    if (!ws->has_fusion) return own;
    size_t c = i * (size_t)ws->n_states + (size_t)s;
    double w = ws->pool.fused_prec[c];
    if (!(w > 0)) return own;
    double p = precision(ws, s);
    return exp((w * ws->pool.fused_log[c] + p * log(own)) / (w + p));
}
