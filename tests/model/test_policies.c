/* test_policies.c — sharing policies and mechanisms on hand-built worlds; common random numbers;
 * determinism across seeds and thread counts; the pool bound. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "fixture.h"
#include "../common/leak_check.h"

static double series_at(const struct sim_result *r, int metric, int tick, int state) {
    return r->series[((size_t)metric * (size_t)r->ticks + (size_t)tick) * (size_t)r->n_states +
                     (size_t)state];
}

static double region_total(const struct sim_result *r, int metric) {
    double total = 0;
    for (int s = 0; s < r->n_states; s++) total += sim_result_total(r, metric, s);
    return total;
}

/* Three states in a row behind an external origin: E -> A (0) -> B (1) -> C (2), with targets
 * in B and C; limited units; detection helped by cues. */
static struct world *corridor(int ticks, uint64_t seed, int policy) {
    struct world *w = fixture_world(3, 1, 4, ticks, seed);
    for (int s = 0; s < 3; s++) fixture_region(w, 1 + s, s);
    fixture_route(w, 0, 1, 1);
    fixture_route(w, 1, 2, 2);
    fixture_route(w, 2, 3, 2);
    int k = fixture_type(w, 0, 2, 1.0, 0.8);
    fixture_origin(w, k, 0, 1.2);
    fixture_target(w, k, 2, 1.0);
    fixture_target(w, k, 3, 2.0);
    for (int s = 0; s < 3; s++) {
        fixture_detect(w, s, 0, 0.15, 0.1, 0.6);
        fixture_sharing(w, s, 0, policy, SCOPE_ALL, 1.0, 0);
        w->states[s].units = 1;
        w->states[s].busy_ticks = 2;
        w->states[s].interdiction = 0.7;
        w->states[s].severity_noise = 0.3;
    }
    fixture_finish(w);
    return w;
}

/* Paired over replicates (common random numbers): regional harm under full sharing minus under
 * withholding. With zero cost and zero leak the mean difference must not be positive (5 SE),
 * and on this world sharing's cues help measurably (the difference is below zero by 5 SE). */
Test(policies, full_sharing_never_worse_than_withholding) {
    enum { R = 200, T = 200 };
    struct world *withhold = corridor(T, 7, POLICY_WITHHOLD);
    struct world *full = corridor(T, 7, POLICY_FULL);
    char err[256];
    struct sim_workspace *ws = sim_alloc(full, NULL, err, sizeof err);
    struct sim_result *a = sim_result_alloc(full, NULL), *b = sim_result_alloc(full, NULL);
    double sum = 0, sumsq = 0;
    for (int rep = 0; rep < R; rep++) {
        cr_assert_eq(sim_run(ws, full, rep, a, err, sizeof err), 0, "%s", err);
        cr_assert_eq(sim_run(ws, withhold, rep, b, err, sizeof err), 0, "%s", err);
        double d = region_total(a, METRIC_HARM) - region_total(b, METRIC_HARM);
        sum += d;
        sumsq += d * d;
        cr_assert_eq(region_total(a, METRIC_ARRIVALS), region_total(b, METRIC_ARRIVALS));
        cr_assert_eq(region_total(b, METRIC_REPORTS_SHARED), 0);
        cr_assert_gt(region_total(b, METRIC_REPORTS_WITHHELD) + (rep > 0), 0);
    }
    double mean = sum / R, se = sqrt((sumsq - R * mean * mean) / (R - 1) / R);
    cr_assert_leq(mean, 5 * se, "full sharing worse: %g (se %g)", mean, se);
    cr_assert_lt(mean, -5 * se, "sharing should help here: %g (se %g)", mean, se);
    sim_result_free(a);
    sim_result_free(b);
    sim_free(ws);
    world_free(withhold);
    world_free(full);
    expect_no_leaks();
}

static struct sim_result *run_with(const struct world *w, long replicate, int threads) {
    struct sim_options options = {1, 1, threads, NULL, NULL, NULL, 0};
    return fixture_run(w, replicate, &options);
}

static int same_result(const struct sim_result *a, const struct sim_result *b) {
    size_t S = (size_t)a->n_states, K = (size_t)a->n_types, T = (size_t)a->ticks;
    size_t R = (size_t)a->n_regions;
    return memcmp(a->by_type, b->by_type, METRIC_COUNT * S * K * sizeof(double)) == 0 &&
           memcmp(a->series, b->series, METRIC_COUNT * T * S * sizeof(double)) == 0 &&
           memcmp(a->trust, b->trust, T * S * S * sizeof(float)) == 0 &&
           memcmp(a->region_arrivals, b->region_arrivals, R * sizeof(double)) == 0 &&
           memcmp(a->region_detections, b->region_detections, R * sizeof(double)) == 0 &&
           memcmp(a->region_impacts, b->region_impacts, R * sizeof(double)) == 0 &&
           memcmp(a->region_harm, b->region_harm, R * sizeof(double)) == 0 &&
           a->threat_ticks == b->threat_ticks && a->peak_active == b->peak_active;
}

Test(policies, same_seed_same_result_other_seed_or_replicate_differs) {
    struct world *w = corridor(300, 21, POLICY_LEVEL);
    struct sim_result *first = run_with(w, 3, 1), *again = run_with(w, 3, 1);
    struct sim_result *other_replicate = run_with(w, 4, 1);
    cr_assert(same_result(first, again));
    cr_assert_not(same_result(first, other_replicate));
    w->seed = 22;
    struct sim_result *other_seed = run_with(w, 3, 1);
    cr_assert_not(same_result(first, other_seed));
    sim_result_free(first);
    sim_result_free(again);
    sim_result_free(other_replicate);
    sim_result_free(other_seed);
    world_free(w);
    expect_no_leaks();
}

/* A large pool (> 1e4 active threats) so that the per-threat phases really split over threads:
 * every figure is bit-identical for 1 and 2 threads. */
Test(policies, threads_one_and_two_are_bit_identical) {
    struct world *w = corridor(30, 5, POLICY_RECIPROCAL);
    w->origins[0].rate = 1500;
    w->types[0].dwell = 10;
    w->types[0].harm_per_tick = 0.01;
    for (int s = 0; s < 3; s++) w->states[s].units = 200;
    w->states[1].leak = 0.05;
    w->burn_ticks = 5;
    w->burn_factor = 0.5;
    struct sim_result *one = run_with(w, 0, 1), *two = run_with(w, 0, 2);
    cr_assert_gt(one->peak_active, 10000, "peak %lld", one->peak_active);
    cr_assert(same_result(one, two));
    sim_result_free(one);
    sim_result_free(two);
    world_free(w);
    expect_no_leaks();
}

/* The same with every channel on: networks (standing and campaigns), network gain, mitigation,
 * upstream collection by a state and a partner, a fusing hub. */
static struct world *corridor_with_channels(int policy) {
    struct world *w = corridor(30, 5, policy);
    w->origins[0].rate = 1500;
    w->types[0].dwell = 10;
    fixture_network(w, 0, NETWORK_CAMPAIGNS, 256, 2.0, 10, 5, 0.05);
    w->origins[0].rate = 150; /* per running campaign: about 20 run at once */
    for (int s = 0; s < 3; s++) {
        w->states[s].units = 200;
        w->states[s].hub_member = 1;
        fixture_gains(w, s, 0, 0.3, 0.4);
    }
    w->states[1].leak = 0.05;
    w->burn_ticks = 5;
    w->burn_factor = 0.5;
    fixture_collect(w, 0, 2, 0.2);
    int partner = fixture_partner(w, 0.0, 3, 0.5, 1);
    fixture_collect(w, 0, -1 - partner, 0.1);
    w->hub_fusion = 1;
    w->max_active_threats = 1000000;
    return w;
}

Test(policies, threads_one_and_two_are_bit_identical_with_channels) {
    struct world *w = corridor_with_channels(POLICY_HUB);
    struct sim_result *one = run_with(w, 0, 1), *two = run_with(w, 0, 2);
    cr_assert_gt(one->peak_active, 10000, "peak %lld", one->peak_active);
    cr_assert_gt(sim_result_total(one, METRIC_DETECT_NETWORK, 1), 0);
    cr_assert_gt(sim_result_total(one, METRIC_DETECT_UPSTREAM, 2), 0);
    cr_assert_gt(sim_result_total(one, METRIC_IMPACTS_MITIGATED, 2), 0);
    cr_assert(same_result(one, two));
    sim_result_free(one);
    sim_result_free(two);
    world_free(w);
    expect_no_leaks();
}

/* States that choose (§5.15-§5.16): every adaptation rule and strategic leakers with monitoring
 * and exclusion, on a large pool, give the same bits for 1 and 2 threads. */
Test(policies, threads_one_and_two_are_bit_identical_with_adaptation_and_exploitation) {
    struct world *w = corridor(30, 5, POLICY_LEVEL);
    w->origins[0].rate = 1500;
    w->types[0].dwell = 10;
    for (int s = 0; s < 3; s++) {
        w->states[s].units = 200;
        w->states[s].cost_per_report = 0.01;
        w->sharing[world_sd(w, s, 0)].level = 0.5;
        w->states[s].adapt = (struct world_adapt){ADAPT_REINFORCEMENT + s, 4 + s, 0.2, -1.0};
    }
    w->states[1].exploit_gain = 2.0;
    w->states[1].exploit_value = 0.01;
    w->states[1].exclusion_ticks = 3;
    w->states[0].monitoring = 0.5;
    w->states[2].monitoring = 0.2;
    w->burn_ticks = 5;
    w->burn_factor = 0.5;
    struct sim_result *one = run_with(w, 0, 1), *two = run_with(w, 0, 2);
    cr_assert_gt(one->peak_active, 10000, "peak %lld", one->peak_active);
    cr_assert_gt(sim_result_total(one, METRIC_EXPLOITS, 1), 0);
    cr_assert_gt(sim_result_total(one, METRIC_REPORTS_EXCLUDED, 0), 0);
    cr_assert(same_result(one, two));
    cr_assert_eq(one->n_periods, 8);
    cr_assert(memcmp(one->sharing_periods, two->sharing_periods,
                     (size_t)one->n_periods * 3 * sizeof(double)) == 0);
    int moved = 0;
    for (int p = 1; p < one->n_periods; p++)
        for (int s = 0; s < 3; s++) moved |= one->sharing_periods[p * 3 + s] != 0.5;
    cr_assert(moved, "no state ever changed its level");
    sim_result_free(one);
    sim_result_free(two);
    world_free(w);
    expect_no_leaks();
}

/* Campaigns and every channel keep the arrivals of a replicate the same under every sharing
 * level (common random numbers). */
Test(policies, common_random_numbers_with_channels) {
    struct world *low = corridor_with_channels(POLICY_LEVEL),
                 *high = corridor_with_channels(POLICY_LEVEL);
    for (int s = 0; s < 3; s++) {
        low->sharing[world_sd(low, s, 0)].level = 0.0;
        high->sharing[world_sd(high, s, 0)].level = 1.0;
    }
    struct sim_result *a = run_with(low, 2, 1), *b = run_with(high, 2, 1);
    size_t T = (size_t)a->ticks, S = (size_t)a->n_states;
    cr_assert(memcmp(a->series + (size_t)METRIC_ARRIVALS * T * S,
                     b->series + (size_t)METRIC_ARRIVALS * T * S, T * S * sizeof(double)) == 0);
    cr_assert_neq(sim_result_total(a, METRIC_HARM, 2), sim_result_total(b, METRIC_HARM, 2));
    sim_result_free(a);
    sim_result_free(b);
    world_free(low);
    world_free(high);
    expect_no_leaks();
}

struct arrival_log {
    int count;
    double severity[4096];
    long long uid[4096];
};

static void log_arrival(void *ctx, const struct sim_event *e) {
    struct arrival_log *log = ctx;
    if (e->kind != EVENT_ARRIVAL || log->count == 4096) return;
    log->severity[log->count] = e->value;
    log->uid[log->count++] = e->threat;
}

/* Common random numbers: the same replicate under two variants that differ in detection has the
 * same arrivals, the same threat uids and the same severities, and the better detector detects a
 * superset (the same budget per threat: a higher p spends it sooner). */
Test(policies, common_random_numbers_across_variants) {
    struct world *low = corridor(400, 9, POLICY_FULL), *high = corridor(400, 9, POLICY_FULL);
    for (int s = 0; s < 3; s++) fixture_detect(high, s, 0, 0.5, 0.1, 0.6);
    struct arrival_log *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    struct sim_options oa = {1, 0, 1, log_arrival, a, NULL, 0},
                       ob = {1, 0, 1, log_arrival, b, NULL, 0};
    struct sim_result *ra = fixture_run(low, 2, &oa), *rb = fixture_run(high, 2, &ob);
    cr_assert_gt(a->count, 100);
    cr_assert_eq(a->count, b->count);
    for (int i = 0; i < a->count; i++) {
        cr_assert_eq(a->uid[i], b->uid[i]);
        cr_assert_eq(a->severity[i], b->severity[i]);
    }
    for (int t = 0; t < 400; t++)
        for (int s = 0; s < 3; s++)
            cr_assert_eq(series_at(ra, METRIC_ARRIVALS, t, s),
                         series_at(rb, METRIC_ARRIVALS, t, s));
    /* the first state on the route sees every threat first: superset of detections */
    cr_assert_gt(sim_result_total(rb, METRIC_DETECTIONS, 0),
                 sim_result_total(ra, METRIC_DETECTIONS, 0));
    free(a);
    free(b);
    sim_result_free(ra);
    sim_result_free(rb);
    world_free(low);
    world_free(high);
    expect_no_leaks();
}

Test(policies, pool_bound_is_reported) {
    struct world *w = corridor(100, 1, POLICY_FULL);
    w->origins[0].rate = 50;
    w->max_active_threats = 200;
    char err[256] = "";
    struct sim_workspace *ws = sim_alloc(w, NULL, err, sizeof err);
    struct sim_result *r = sim_result_alloc(w, NULL);
    cr_assert_eq(sim_run(ws, w, 0, r, err, sizeof err), -1);
    cr_assert(strstr(err, "max_active_threats") != NULL, "%s", err);
    sim_result_free(r);
    sim_free(ws);
    world_free(w);
    expect_no_leaks();
}

struct timing_log {
    int reports, deliveries, wrong;
    int sent_at[1 << 14], sender[1 << 14];
    long long uid[1 << 14];
    int latency;
};

static void log_timing(void *ctx, const struct sim_event *e) {
    struct timing_log *log = ctx;
    if (e->kind == EVENT_REPORT && log->reports < (1 << 14)) {
        log->uid[log->reports] = e->threat;
        log->sender[log->reports] = e->state;
        log->sent_at[log->reports++] = e->tick;
    } else if (e->kind == EVENT_DELIVERY) {
        log->deliveries++;
        for (int i = log->reports - 1; i >= 0; i--)
            if (log->uid[i] == e->threat && log->sender[i] == e->state) {
                log->wrong += e->tick - log->sent_at[i] != log->latency;
                break;
            }
    }
}

/* Hub: one report to the centre, delivered to every other member at t + 1 + L + hub latency,
 * and the sender pays one report's cost per detection. */
Test(policies, hub_forwards_after_its_latency) {
    struct world *w = corridor(200, 3, POLICY_HUB);
    for (int s = 0; s < 3; s++) {
        w->states[s].hub_member = 1;
        w->states[s].cost_per_report = 1.0;
        w->sharing[s].latency = 1;
    }
    w->hub_latency = 2;
    struct timing_log *log = calloc(1, sizeof *log);
    log->latency = 1 + 1 + 2;
    struct sim_options options = {0, 0, 1, log_timing, log, NULL, 0};
    struct sim_result *r = fixture_run(w, 0, &options);
    cr_assert_gt(log->deliveries, 50);
    cr_assert_eq(log->wrong, 0);
    for (int s = 0; s < 3; s++) {
        double detections = sim_result_total(r, METRIC_DETECTIONS, s);
        cr_assert_eq(sim_result_total(r, METRIC_REPORTS_SHARED, s), 2 * detections);
        cr_assert_eq(sim_result_total(r, METRIC_SHARING_COST, s), detections);
    }
    free(log);
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

/* Leaks burn the sender's sources, and the burn starts on delivery, before detection of the same
 * tick: with detection 1, burn factor 0 and a receiver that always leaks, the sender detects
 * only on the first tick a threat is in its territory. Its trust in the leaker falls. */
Test(policies, leak_burns_sources_from_the_delivery_tick) {
    enum { T = 50 };
    struct world *w = fixture_world(2, 1, 3, T, 4);
    fixture_region(w, 1, 0);
    fixture_region(w, 2, 1);
    fixture_route(w, 0, 1, 1);
    fixture_route(w, 1, 2, 1);
    int k = fixture_type(w, 0, 3, 0.0, 0.0);
    fixture_origin(w, k, 0, 5.0);
    fixture_target(w, k, 2, 1.0);
    fixture_detect(w, 0, 0, 1.0, 0.0, 0.0);
    fixture_sharing(w, 0, 0, POLICY_FULL, SCOPE_ALL, 1.0, 0);
    w->states[1].leak = 1.0;
    w->burn_factor = 0.0;
    w->burn_ticks = 1000;
    fixture_finish(w);
    struct sim_options options = {1, 1, 1, NULL, NULL, NULL, 0};
    struct sim_result *r = fixture_run(w, 0, &options);
    int ticks_with_detections = 0;
    for (int t = 0; t < T; t++) ticks_with_detections += series_at(r, METRIC_DETECTIONS, t, 0) > 0;
    cr_assert_eq(ticks_with_detections, 1);
    cr_assert_gt(sim_result_total(r, METRIC_LEAKS, 0), 0);
    cr_assert(r->trust_changed);
    float last = r->trust[(size_t)(T - 1) * 4 + 0 * 2 + 1];
    cr_assert_float_eq(last,
                       0.5f - 0.2f * (float)sim_result_total(r, METRIC_LEAKS, 0) < 0
                           ? 0.0f
                           : 0.5f - 0.2f * (float)sim_result_total(r, METRIC_LEAKS, 0),
                       1e-6);
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

/* Adaptive adversaries take the least-detected path: two parallel corridors to the target, the
 * better-watched one is avoided entirely; a shortest-path type takes the quicker one. */
Test(policies, adaptive_threats_avoid_the_watched_corridor) {
    struct world *w = fixture_world(3, 1, 4, 200, 8);
    fixture_region(w, 1, 0); /* A: watched, quick */
    fixture_region(w, 2, 1); /* B: weak, slow */
    fixture_region(w, 3, 2); /* target */
    fixture_route(w, 0, 1, 1);
    fixture_route(w, 1, 3, 1);
    fixture_route(w, 0, 2, 2);
    fixture_route(w, 2, 3, 2);
    int adaptive = fixture_type(w, 0, 1, 0.0, 0.0);
    w->types[adaptive].adaptive = 1;
    fixture_origin(w, adaptive, 0, 1.0);
    fixture_target(w, adaptive, 3, 1.0);
    fixture_detect(w, 0, 0, 0.5, 0.0, 0.0);
    fixture_detect(w, 1, 0, 0.05, 0.0, 0.0);
    fixture_finish(w);
    struct sim_result *r = fixture_run(w, 0, NULL);
    cr_assert_eq(r->region_arrivals[1], 0);
    cr_assert_gt(r->region_arrivals[2], 100);
    w->types[adaptive].adaptive = 0;
    struct sim_result *s = fixture_run(w, 0, NULL);
    cr_assert_eq(s->region_arrivals[2], 0);
    cr_assert_gt(s->region_arrivals[1], 100);
    sim_result_free(r);
    sim_result_free(s);
    world_free(w);
    expect_no_leaks();
}

/* Contagion 1: every impact on state 0 spawns a copy aimed at its only neighbour's region,
 * arriving the next tick (from the impact region). */
Test(policies, contagion_spawns_a_copy_at_the_neighbour) {
    enum { T = 300 };
    struct world *w = fixture_world(2, 1, 2, T, 6);
    fixture_region(w, 0, 0);
    fixture_region(w, 1, 1);
    fixture_route(w, 0, 1, 1);
    int k = fixture_type(w, 0, 1, 0.0, 0.0);
    w->types[k].contagion = 1.0;
    fixture_origin(w, k, 0, 0.7);
    fixture_target(w, k, 0, 1.0);
    fixture_finish(w);
    struct sim_options options = {1, 0, 1, NULL, NULL, NULL, 0};
    struct sim_result *r = fixture_run(w, 0, &options);
    for (int t = 1; t < T; t++)
        cr_assert_eq(series_at(r, METRIC_ARRIVALS, t, 1), series_at(r, METRIC_IMPACTS, t - 1, 0));
    /* copies impact state 1, and spawn copies back at state 0 in turn */
    cr_assert_gt(sim_result_total(r, METRIC_IMPACTS, 1), 0);
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

/* Self-excitation with decay 0 (the excess lasts one tick): rate(t + 1) = rate (1 + boost x
 * impacts(t)); with dwell 1 and no detection impacts(t) = arrivals(t). Residuals x(t+1) - rate (1 +
 * boost x(t)) have mean 0 and variance rate (1 + boost x(t)) given the past. */
Test(policies, escalation_raises_the_rate_after_impacts) {
    enum { T = 20000 };
    const double rate = 0.5, boost = 0.6;
    struct world *w = fixture_world(1, 1, 1, T, 10);
    fixture_region(w, 0, 0);
    int k = fixture_type(w, 0, 1, 0.0, 0.0);
    w->types[k].escalation_boost = boost;
    w->types[k].escalation_decay = 0.0;
    fixture_origin(w, k, 0, rate);
    fixture_target(w, k, 0, 1.0);
    fixture_finish(w);
    struct sim_options options = {1, 0, 1, NULL, NULL, NULL, 0};
    struct sim_result *r = fixture_run(w, 0, &options);
    double residual = 0, variance = 0, ignoring = 0;
    for (int t = 0; t + 1 < T; t++) {
        double x = series_at(r, METRIC_ARRIVALS, t, 0),
               next = series_at(r, METRIC_ARRIVALS, t + 1, 0);
        double lambda = rate * (1 + boost * x);
        residual += next - lambda;
        variance += lambda;
        ignoring += next - rate;
    }
    cr_assert_lt(fabs(residual), 5 * sqrt(variance));
    cr_assert_gt(ignoring, 5 * sqrt(variance), "escalation visibly raises arrivals");
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

/* Mutual assistance: state 0 has no units; its neighbour 1 (a member) knows the threats (it saw
 * them first) and lends units, so interdictions happen in state 0's region by state 1. */
Test(policies, mutual_assistance_lends_units) {
    struct world *w = fixture_world(2, 1, 3, 300, 12);
    fixture_region(w, 1, 1);
    fixture_region(w, 2, 0);
    fixture_route(w, 0, 1, 1);
    fixture_route(w, 1, 2, 1);
    int k = fixture_type(w, 0, 3, 0.0, 0.0);
    fixture_origin(w, k, 0, 0.5);
    fixture_target(w, k, 2, 1.0);
    fixture_detect(w, 0, 0, 1.0, 0.0, 0.0);
    fixture_detect(w, 1, 0, 1.0, 0.0, 0.0);
    w->states[1].units = 5;
    w->states[1].interdiction = 0.5;
    w->states[1].mutual_assistance = 1;
    fixture_finish(w);
    struct sim_result *r = fixture_run(w, 0, NULL);
    double lent = sim_result_total(r, METRIC_INTERDICTIONS, 1);
    cr_assert_eq(sim_result_total(r, METRIC_INTERDICTIONS, 0), 0);
    cr_assert_gt(r->region_arrivals[2], 0);
    /* more than state 1 could get in its own region alone: 1 - 0.5 of the entering ones */
    cr_assert_gt(lent, 0.5 * r->region_arrivals[1] + 0.1 * r->region_arrivals[2]);
    w->states[1].mutual_assistance = 0;
    struct sim_result *alone = fixture_run(w, 0, NULL);
    cr_assert_lt(sim_result_total(alone, METRIC_INTERDICTIONS, 1), lent);
    sim_result_free(r);
    sim_result_free(alone);
    world_free(w);
    expect_no_leaks();
}

/* Partners: coverage 1 and level 1 towards state 1 with latency 0 make every threat cued at
 * state 1 from the tick after its arrival. */
Test(policies, partner_reports_cue_members) {
    struct world *w = fixture_world(1, 1, 2, 500, 13);
    fixture_region(w, 1, 0);
    fixture_route(w, 0, 1, 1);
    int k = fixture_type(w, 0, 1, 0.0, 0.0);
    fixture_origin(w, k, 0, 1.0);
    fixture_target(w, k, 1, 1.0);
    fixture_detect(w, 0, 0, 0.3, 0.0, 0.0);
    fixture_partner(w, 1.0, 1, 1.0, 0);
    fixture_finish(w);
    struct sim_result *r = fixture_run(w, 0, NULL);
    cr_assert_gt(sim_result_total(r, METRIC_DETECTIONS, 0), 50);
    cr_assert_eq(sim_result_total(r, METRIC_CUED_DETECTIONS, 0),
                 sim_result_total(r, METRIC_DETECTIONS, 0));
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

/* Burned sources make a corridor attractive: adaptive threats prefer the weak corridor B until a
 * leak burns the sources of A's owner, then reroute through A while the burn lasts. The leaks
 * come from a second, shortest-path type that crosses another region of A's owner. */
Test(policies, adaptive_routes_follow_burned_sources) {
    struct world *w = fixture_world(3, 1, 6, 400, 18);
    fixture_region(w, 1, 0); /* A */
    fixture_region(w, 2, 1); /* B */
    fixture_region(w, 3, 2); /* target, owned by the leaky receiver */
    fixture_region(w, 5, 0); /* A2: where state 0 sees the other type */
    fixture_route(w, 0, 1, 1);
    fixture_route(w, 1, 3, 1);
    fixture_route(w, 0, 2, 1);
    fixture_route(w, 2, 3, 1);
    fixture_route(w, 4, 5, 1);
    fixture_route(w, 5, 3, 1);
    int adaptive = fixture_type(w, 0, 1, 0.0, 0.0);
    w->types[adaptive].adaptive = 1;
    fixture_origin(w, adaptive, 0, 1.0);
    fixture_target(w, adaptive, 3, 1.0);
    int plain = fixture_type(w, 0, 1, 0.0, 0.0);
    fixture_origin(w, plain, 4, 1.0);
    fixture_target(w, plain, 3, 1.0);
    fixture_detect(w, 0, 0, 0.5, 0.0, 0.0);
    fixture_detect(w, 1, 0, 0.3, 0.0, 0.0);
    fixture_sharing(w, 0, 0, POLICY_FULL, SCOPE_ALL, 1.0, 0);
    w->burn_factor = 0.1;
    w->burn_ticks = 5;
    fixture_finish(w);
    struct sim_result *quiet = fixture_run(w, 0, NULL);
    cr_assert_eq(quiet->region_arrivals[1], 0);
    w->states[2].leak = 0.5;
    struct sim_result *leaky = fixture_run(w, 0, NULL);
    cr_assert_gt(sim_result_total(leaky, METRIC_LEAKS, 0), 10);
    cr_assert_gt(leaky->region_arrivals[1], 10, "rerouted through A: %g",
                 leaky->region_arrivals[1]);
    cr_assert_gt(leaky->region_arrivals[2], 10, "and back to B after burns end");
    sim_result_free(quiet);
    sim_result_free(leaky);
    world_free(w);
    expect_no_leaks();
}
