/* test_channels.c — the channels of docs/model.md §5.9-§5.12 against what can be computed
 * exactly: detection with and without network intelligence (obtained, received, rotated away),
 * the harm of warned impacts, upstream detection before the crossing (by a state and by a
 * partner), the variance of the fusion centre's pooled estimate, the arrival rate of campaigns.
 * Tolerances are 4 standard errors, as in test_closed_forms.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "fixture.h"
#include "../common/leak_check.h"

/* ---- an event log ---------------------------------------------------------------------------- */

struct log {
    struct sim_event *events;
    size_t count, capacity;
};

static void log_event(void *ctx, const struct sim_event *e) {
    struct log *log = ctx;
    if (log->count == log->capacity) {
        log->capacity = log->capacity ? 2 * log->capacity : 4096;
        log->events = realloc(log->events, log->capacity * sizeof *log->events);
        cr_assert_not_null(log->events);
    }
    log->events[log->count++] = *e;
}

static struct sim_result *run_logged(const struct world *w, long replicate, struct log *log) {
    struct sim_options options = {1, 0, 1, log_event, log, NULL, 0};
    return fixture_run(w, replicate, &options);
}

static double total(const struct sim_result *r, int metric, int state) {
    return sim_result_total(r, metric, state);
}

/* |observed - expected| within 4 binomial standard errors of n trials. */
static void expect_share(double hits, double trials, double p, const char *what) {
    cr_assert_gt(trials, 100, "%s: only %g trials", what, trials);
    double se = sqrt(p * (1 - p) / trials);
    cr_assert_leq(fabs(hits / trials - p), 4 * se + 1e-12, "%s: %g of %g = %g, expected %g (se %g)",
                  what, hits, trials, hits / trials, p, se);
}

/* ---- network intelligence -------------------------------------------------------------------- */

/* Two states, each a region where its threats arrive; a threat aimed at the other state's region
 * never gets there (the route takes longer than the run), so it stays in its origin: every tick
 * until its detection is one detection chance for the origin's owner. One network: from the tick
 * after a state first detects one of its threats (or receives a network report), and until the
 * network rotates, that state detects with 1 - (1 - p)(1 - r) instead of p. */
Test(channels, network_intelligence_raises_detection_until_rotation) {
    enum { T = 1500, STATES = 2 };
    const double p = 0.04, r = 0.35, rotation = 0.01;
    struct world *w = fixture_world(STATES, 1, 2, T, 41);
    fixture_region(w, 0, 0);
    fixture_region(w, 1, 1);
    fixture_route(w, 0, 1, 100000);
    int k = fixture_type(w, 0, 4, 0.0, 0.0);
    fixture_origin(w, k, 0, 1.0);
    fixture_origin(w, k, 1, 1.0);
    fixture_target(w, k, 0, 1);
    fixture_target(w, k, 1, 1);
    fixture_network(w, k, NETWORK_FIXED, 1, 0, 0, 100000, rotation);
    for (int s = 0; s < STATES; s++) {
        fixture_detect(w, s, 0, p, 0, 0);
        fixture_gains(w, s, 0, r, 0);
    }
    fixture_sharing(w, 0, 0, POLICY_FULL, SCOPE_ALL, 1, 0); /* state 1 withholds */
    w->max_active_threats = 100000;
    fixture_finish(w);

    double trials[STATES][2] = {{0}}, hits[STATES][2] = {{0}};
    long rotations = 0, received = 0;
    for (long replicate = 0; replicate < 6; replicate++) {
        struct log events = {0};
        struct sim_result *result = run_logged(w, replicate, &events);
        /* per threat: arrival tick, origin owner, whether it dies at its arrival + dwell - 1, and
         * its detection tick */
        enum { MAX = 8000 };
        static long long uid[MAX];
        static int arrived[MAX], owner[MAX], last[MAX], detected[MAX];
        int n = 0;
        for (size_t e = 0; e < events.count; e++) {
            const struct sim_event *ev = &events.events[e];
            if (ev->kind == EVENT_ARRIVAL) {
                cr_assert_lt(n, MAX);
                uid[n] = ev->threat;
                arrived[n] = ev->tick;
                owner[n] = w->regions[ev->region].owner;
                last[n] = ev->state == owner[n] ? ev->tick + 3 : T - 1; /* dwell 4 at home */
                detected[n] = -1;
                n++;
            } else if (ev->kind == EVENT_DETECTION) {
                for (int i = n - 1; i >= 0; i--)
                    if (uid[i] == ev->threat) {
                        detected[i] = ev->tick;
                        break;
                    }
            }
        }
        /* replay intelligence tick by tick: rotations and receptions come before the tick's
         * detections, what a detection teaches counts from the next tick */
        int until[STATES] = {0, 0};
        size_t e = 0;
        static unsigned char holds[T][STATES];
        for (int t = 0; t < T; t++) {
            size_t start = e;
            while (e < events.count && events.events[e].tick == t) {
                const struct sim_event *ev = &events.events[e++];
                if (ev->kind == EVENT_ROTATION) {
                    until[0] = until[1] = 0;
                    rotations++;
                } else if (ev->kind == EVENT_NETWORK_INTEL && ev->other >= 0) {
                    if ((int)ev->value > until[ev->state]) until[ev->state] = (int)ev->value;
                    received++;
                } else if (ev->kind == EVENT_DETECTION) {
                    break;
                }
            }
            for (int s = 0; s < STATES; s++) holds[t][s] = t < until[s];
            e = start;
            while (e < events.count && events.events[e].tick == t) {
                const struct sim_event *ev = &events.events[e++];
                if (ev->kind == EVENT_NETWORK_INTEL && ev->other < 0 &&
                    (int)ev->value > until[ev->state])
                    until[ev->state] = (int)ev->value;
            }
        }
        for (int i = 0; i < n; i++) {
            int end = detected[i] >= 0 ? detected[i] : last[i];
            for (int t = arrived[i]; t <= end && t < T; t++) {
                int h = holds[t][owner[i]];
                trials[owner[i]][h] += 1;
                hits[owner[i]][h] += t == detected[i];
            }
        }
        cr_assert_eq(total(result, METRIC_DETECTIONS, 0) + total(result, METRIC_DETECTIONS, 1),
                     total(result, METRIC_DETECT_OWN, 0) + total(result, METRIC_DETECT_OWN, 1) +
                         total(result, METRIC_DETECT_NETWORK, 0) +
                         total(result, METRIC_DETECT_NETWORK, 1));
        free(events.events);
        sim_result_free(result);
    }
    const double with = 1 - (1 - p) * (1 - r);
    for (int s = 0; s < STATES; s++) {
        expect_share(hits[s][0], trials[s][0], p, "detection without network intelligence");
        expect_share(hits[s][1], trials[s][1], with, "detection with network intelligence");
    }
    cr_assert_gt(received, 0, "state 1 receives state 0's network reports");
    /* one network rotating with probability 0.01 per tick over 6 x 1500 ticks */
    double mean = 6.0 * T * rotation, sd = sqrt(mean * (1 - rotation));
    cr_assert_leq(fabs((double)rotations - mean), 4 * sd, "%ld rotations, expected %g", rotations,
                  mean);
    world_free(w);
    expect_no_leaks();
}

/* ---- warning and mitigation -------------------------------------------------------------------
 */

/* One region, dwell 1, no units: a threat is detected on its only tick with probability p and
 * then impacts warned, with harm e^mu (1 - m) instead of e^mu. */
Test(channels, warned_impacts_lose_the_mitigated_share) {
    const double p = 0.3, m = 0.6, mu = log(5.0);
    struct world *w = fixture_world(1, 1, 1, 5000, 43);
    fixture_region(w, 0, 0);
    int k = fixture_type(w, 0, 1, mu, 0.0);
    fixture_origin(w, k, 0, 3.0);
    fixture_target(w, k, 0, 1);
    fixture_detect(w, 0, 0, p, 0, 0);
    fixture_gains(w, 0, 0, 0, m);
    w->max_active_threats = 100000;
    fixture_finish(w);
    struct sim_result *r = fixture_run(w, 0, NULL);
    double impacts = total(r, METRIC_IMPACTS, 0), warned = total(r, METRIC_IMPACTS_MITIGATED, 0);
    double harm = total(r, METRIC_HARM, 0), averted = total(r, METRIC_HARM_MITIGATED, 0);
    expect_share(warned, impacts, p, "warned impacts");
    cr_assert_float_eq(harm, exp(mu) * (impacts - m * warned), 1e-9 * harm);
    cr_assert_float_eq(averted, exp(mu) * m * warned, 1e-9 * (averted + 1));
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

/* ---- upstream collection --------------------------------------------------------------------- */

/* External area E -> A (state 0, target, dwell 1), one tick apart. A watcher of E (state 1, or a
 * partner) detects a threat in E with coverage c on its one tick there and reports it to state 0
 * with latency 0, so state 0 holds the report when the threat enters A:
 *   P(state 0 detects) = c [1 - (1 - p)(1 - q)] + (1 - c) p,   P(warned) = c + (1 - c) p. */
static struct world *upstream_world(int partner, double c, double p, double q, double m) {
    struct world *w = fixture_world(2, 1, 3, 20000, partner ? 47 : 45);
    fixture_region(w, 1, 0);
    fixture_region(w, 2, 1);
    fixture_route(w, 0, 1, 1);
    fixture_route(w, 1, 2, 1);
    int k = fixture_type(w, 0, 1, 0.0, 0.0);
    fixture_origin(w, k, 0, 1.0);
    fixture_target(w, k, 1, 1);
    fixture_detect(w, 0, 0, p, 0, q);
    fixture_gains(w, 0, 0, 0, m);
    if (partner) {
        int index = fixture_partner(w, 0.0, 1, 1.0, 0);
        fixture_collect(w, 0, -1 - index, c);
    } else {
        fixture_collect(w, 0, 1, c);
        fixture_sharing(w, 1, 0, POLICY_FULL, SCOPE_ALL, 1, 0);
    }
    w->max_active_threats = 100000;
    fixture_finish(w);
    return w;
}

Test(channels, upstream_collection_detects_before_the_crossing) {
    const double c = 0.4, p = 0.1, q = 0.5, m = 0.5;
    for (int partner = 0; partner < 2; partner++) {
        struct world *w = upstream_world(partner, c, p, q, m);
        struct sim_result *r = fixture_run(w, 0, NULL);
        double arrivals = total(r, METRIC_ARRIVALS, 0), impacts = total(r, METRIC_IMPACTS, 0);
        if (!partner) {
            double upstream = total(r, METRIC_DETECT_UPSTREAM, 1);
            cr_assert_eq(upstream, total(r, METRIC_DETECTIONS, 1));
            expect_share(upstream, arrivals, c, "upstream detections by state 1");
        }
        expect_share(total(r, METRIC_DETECTIONS, 0), impacts,
                     c * (1 - (1 - p) * (1 - q)) + (1 - c) * p, "state 0's detections");
        expect_share(total(r, METRIC_IMPACTS_MITIGATED, 0), impacts, c + (1 - c) * p,
                     "warned impacts");
        sim_result_free(r);
        world_free(w);
    }
    expect_no_leaks();
}

/* ---- the fusion centre ------------------------------------------------------------------------
 */

/* Three collectors detect every threat on its arrival tick in E, each with a lognormal estimate
 * of noise sd s, and send it to a fusing centre; the centre relays each report with its pool as
 * it stands, so the k-th relay that reaches the fourth member (the victim, which never detects)
 * carries the mean of k independent log-estimates: log(fused) - log(severity) ~ N(0, s^2 / k). */
Test(channels, fused_estimate_has_the_pooled_variance) {
    const double noise = 0.5;
    struct world *w = fixture_world(4, 1, 5, 10000, 49);
    fixture_region(w, 1, 3);
    for (int s = 0; s < 3; s++) {
        fixture_region(w, 2 + s, s);
        fixture_route(w, 1, 2 + s, 1);
        fixture_collect(w, 0, s, 1.0);
    }
    fixture_route(w, 0, 1, 5);
    int k = fixture_type(w, 0, 5, 2.0, 1.0);
    fixture_origin(w, k, 0, 0.3);
    fixture_target(w, k, 1, 1);
    for (int s = 0; s < 4; s++) {
        w->states[s].hub_member = 1;
        w->states[s].severity_noise = noise;
        fixture_sharing(w, s, 0, POLICY_HUB, SCOPE_ALL, 1, 0);
    }
    w->hub_latency = 1;
    w->hub_fusion = 1;
    w->max_active_threats = 100000;
    fixture_finish(w);
    struct log events = {0};
    struct sim_result *r = run_logged(w, 0, &events);
    /* per threat: its severity, then the relays to state 3 in order */
    double sum[4] = {0}, squares[4] = {0};
    long n[4] = {0};
    long long current = -1;
    double severity = 0;
    int seen = 0;
    /* severities by uid, and how many relays each threat's victim has had */
    size_t arrivals = 0;
    for (size_t e = 0; e < events.count; e++) arrivals += events.events[e].kind == EVENT_ARRIVAL;
    long long *uids = calloc(arrivals + 1, sizeof *uids);
    double *severities = calloc(arrivals + 1, sizeof *severities);
    int *relays = calloc(arrivals + 1, sizeof *relays);
    size_t a = 0;
    for (size_t e = 0; e < events.count; e++)
        if (events.events[e].kind == EVENT_ARRIVAL) {
            uids[a] = events.events[e].threat;
            severities[a++] = events.events[e].value;
        }
    for (size_t e = 0; e < events.count; e++) {
        const struct sim_event *ev = &events.events[e];
        if (ev->kind != EVENT_DELIVERY || ev->other != 3) continue;
        if (ev->threat != current) {
            current = ev->threat;
            severity = 0;
            seen = 0;
            for (size_t i = 0; i < a; i++)
                if (uids[i] == current) {
                    severity = severities[i];
                    seen = relays[i];
                    break;
                }
        }
        cr_assert_gt(severity, 0);
        cr_assert_gt(ev->value, 0, "relays carry the pool");
        int pooled = ++seen;
        for (size_t i = 0; i < a; i++)
            if (uids[i] == current) relays[i] = seen;
        cr_assert_leq(pooled, 3);
        double x = log(ev->value) - log(severity);
        sum[pooled] += x;
        squares[pooled] += x * x;
        n[pooled]++;
    }
    for (int pooled = 1; pooled <= 3; pooled++) {
        double count = (double)n[pooled], mean = sum[pooled] / count;
        double variance = (squares[pooled] - count * mean * mean) / (count - 1);
        double expected = noise * noise / pooled;
        cr_assert_gt(count, 500);
        cr_assert_leq(fabs(mean), 4 * sqrt(expected / count), "pool of %d: mean %g", pooled, mean);
        cr_assert_leq(fabs(variance - expected), 4 * expected * sqrt(2 / (count - 1)),
                      "pool of %d: variance %g, expected %g", pooled, variance, expected);
    }
    free(uids);
    free(severities);
    free(relays);
    free(events.events);
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

/* ---- campaigns --------------------------------------------------------------------------------
 */

/* Campaigns start as Poisson(c) per tick and run L ticks; each sends threats at the origin's rate
 * lambda. Campaigns running at tick t started at ticks max(0, t - L + 1) .. t, so
 * E[arrivals over T ticks] = lambda c sum_t min(t + 1, L). */
Test(channels, campaigns_arrive_at_rate_times_running_campaigns) {
    enum { T = 300, REPLICATES = 300, L = 30 };
    const double c = 0.05, lambda = 0.4;
    struct world *w = fixture_world(1, 1, 1, T, 51);
    fixture_region(w, 0, 0);
    int k = fixture_type(w, 0, 1, 0.0, 0.0);
    fixture_origin(w, k, 0, lambda);
    fixture_target(w, k, 0, 1);
    fixture_network(w, k, NETWORK_CAMPAIGNS, 64, c, L, 10, 0.0);
    w->max_active_threats = 100000;
    fixture_finish(w);
    double expected = 0;
    for (int t = 0; t < T; t++) expected += lambda * c * (t + 1 < L ? t + 1 : L);
    double sum = 0, squares = 0;
    for (long replicate = 0; replicate < REPLICATES; replicate++) {
        struct sim_result *r = fixture_run(w, replicate, NULL);
        double arrivals = total(r, METRIC_ARRIVALS, 0);
        sum += arrivals;
        squares += arrivals * arrivals;
        sim_result_free(r);
    }
    double mean = sum / REPLICATES;
    double sd = sqrt((squares - REPLICATES * mean * mean) / (REPLICATES - 1));
    cr_assert_leq(fabs(mean - expected), 4 * sd / sqrt(REPLICATES), "mean %g, expected %g (sd %g)",
                  mean, expected, sd);
    world_free(w);
    expect_no_leaks();
}

/* More campaigns in use than the type's slots: the run stops and names the key to raise. */
Test(channels, campaign_slots_are_a_checked_limit) {
    struct world *w = fixture_world(1, 1, 1, 200, 53);
    fixture_region(w, 0, 0);
    int k = fixture_type(w, 0, 1, 0.0, 0.0);
    fixture_origin(w, k, 0, 1.0);
    fixture_target(w, k, 0, 1);
    fixture_network(w, k, NETWORK_CAMPAIGNS, 2, 1.0, 50, 10, 0.0);
    fixture_finish(w);
    char err[512] = "";
    struct sim_workspace *ws = sim_alloc(w, NULL, err, sizeof err);
    struct sim_result *r = sim_result_alloc(w, NULL);
    cr_assert_eq(sim_run(ws, w, 0, r, err, sizeof err), -1);
    cr_assert(strstr(err, "max_campaigns") != NULL, "%s", err);
    sim_free(ws);
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}
