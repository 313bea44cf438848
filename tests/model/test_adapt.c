/* test_adapt.c — states that choose (docs/model.md §5.15-§5.16): each adaptation rule against an
 * exactly computable case, and strategic leakers' deterrence threshold, detection rate and
 * exclusion time. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "fixture.h"
#include "../common/leak_check.h"

static double level_at(const struct sim_result *r, int period, int s) {
    cr_assert_not_null(r->sharing_periods);
    cr_assert_lt(period, r->n_periods);
    return r->sharing_periods[(size_t)period * (size_t)r->n_states + (size_t)s];
}

static double series_at(const struct sim_result *r, int metric, int tick, int state) {
    return r->series[((size_t)metric * (size_t)r->ticks + (size_t)tick) * (size_t)r->n_states +
                     (size_t)state];
}

static void adapt(struct world *w, int s, int rule, int period, double step, double initial) {
    w->states[s].adapt = (struct world_adapt){rule, period, step, initial};
}

/* Two states, A (0) and B (1), each owning one region, joined by a one-tick road. Threats of
 * type 0 arrive in A's region and go to B's, those of type 1 (rate `back`) the other way; both
 * states see every threat in their own region (p = 1) and share it with the other at a level. */
static struct world *pair(int ticks, double rate, double back, double level_a, double level_b) {
    struct world *w = fixture_world(2, 1, 2, ticks, 77);
    fixture_region(w, 0, 0);
    fixture_region(w, 1, 1);
    fixture_route(w, 0, 1, 1);
    int k = fixture_type(w, 0, 1, 0.0, 0.0);
    fixture_origin(w, k, 0, rate);
    fixture_target(w, k, 1, 1.0);
    if (back > 0) {
        int k1 = fixture_type(w, 0, 1, 0.0, 0.0);
        fixture_origin(w, k1, 1, back);
        fixture_target(w, k1, 0, 1.0);
    }
    fixture_detect(w, 0, 0, 1.0, 0.0, 0.0);
    fixture_detect(w, 1, 0, 1.0, 0.0, 0.0);
    fixture_sharing(w, 0, 0, POLICY_LEVEL, SCOPE_ALL, level_a, 0);
    fixture_sharing(w, 1, 0, POLICY_LEVEL, SCOPE_ALL, level_b, 0);
    return w;
}

/* Reinforcement where sharing only costs (A is never the victim; no response, cue gain 0): A's
 * loss is its reports' cost, so every step down lowers it and the level falls by one step a period,
 * to 0 after initial / step periods, and stays there (a loss of 0 is never worse than 0). Each step
 * lowers the expected loss by 250 reports against a standard deviation of about 40: a reversal
 * has probability below 1e-9. */
Test(adapt, reinforcement_when_sharing_only_costs_falls_to_zero_a_step_a_period) {
    enum { K = 50, PERIODS = 8 };
    struct world *w = pair(K * PERIODS, 20.0, 0, 1.0, 0.0);
    w->states[0].cost_per_report = 1.0;
    adapt(w, 0, ADAPT_REINFORCEMENT, K, 0.25, -1.0);
    fixture_finish(w);
    struct sim_result *r = fixture_run(w, 0, NULL);
    const double want[PERIODS] = {1.0, 0.75, 0.5, 0.25, 0.0, 0.0, 0.0, 0.0};
    cr_assert_eq(r->n_periods, PERIODS);
    for (int p = 0; p < PERIODS; p++)
        cr_assert_eq(level_at(r, p, 0), want[p], "period %d: %g", p, level_at(r, p, 0));
    cr_assert(isnan(level_at(r, 0, 1)) == 0 && level_at(r, 3, 1) == 0.0, "B keeps its level");
    /* and what it shared follows: nothing once at 0 */
    cr_assert_gt(sim_result_total(r, METRIC_REPORTS_SHARED, 0), 0);
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

/* Tit-for-tat between two states started at 1 and 0: each copies what the other did, so they
 * alternate 1, 0, 1, ... and 0, 1, 0, ... exactly (a level of 0 or 1 is no coin flip). */
Test(adapt, tit_for_tat_from_one_and_zero_alternates_exactly) {
    enum { K = 20, PERIODS = 10 };
    struct world *w = pair(K * PERIODS, 2.0, 2.0, 1.0, 0.0);
    adapt(w, 0, ADAPT_TIT_FOR_TAT, K, 0.1, -1.0);
    adapt(w, 1, ADAPT_TIT_FOR_TAT, K, 0.1, -1.0);
    fixture_finish(w);
    struct sim_result *r = fixture_run(w, 0, NULL);
    for (int p = 0; p < PERIODS; p++) {
        cr_assert_eq(level_at(r, p, 0), p % 2 == 0 ? 1.0 : 0.0, "A in period %d", p);
        cr_assert_eq(level_at(r, p, 1), p % 2 == 0 ? 0.0 : 1.0, "B in period %d", p);
    }
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

/* Tit-for-tat against a fixed level 0.6: after one period B's level is exactly the share of A's
 * decisions on reports for B that A sent (read from A's series), which is binomial around 0.6. */
Test(adapt, tit_for_tat_returns_the_partners_observed_share) {
    enum { K = 100 };
    struct world *w = pair(2 * K, 3.0, 0.0, 0.6, 0.5);
    adapt(w, 1, ADAPT_TIT_FOR_TAT, K, 0.1, -1.0);
    fixture_finish(w);
    struct sim_options options = {1, 0, 1, NULL, NULL, NULL, 0};
    struct sim_result *r = fixture_run(w, 0, &options);
    double shared = 0, withheld = 0;
    for (int t = 0; t < K; t++) {
        shared += series_at(r, METRIC_REPORTS_SHARED, t, 0);
        withheld += series_at(r, METRIC_REPORTS_WITHHELD, t, 0);
    }
    double n = shared + withheld;
    cr_assert_gt(n, 200);
    cr_assert_eq(level_at(r, 0, 1), 0.5);
    cr_assert_eq(level_at(r, 1, 1), shared / n, "%.17g vs %.17g", level_at(r, 1, 1), shared / n);
    cr_assert_lt(fabs(shared / n - 0.6), 4 * sqrt(0.6 * 0.4 / n));
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

/* Three states: A (0) borders B (1) and C (2), which do not border each other. Threats start in
 * B's and C's regions and strike A (A's loss is large); B and C detect them and share at 0.9 and
 * 0.2, paying cost_b and cost_c per report. */
static struct world *star(double cost_b, double cost_c) {
    enum { K = 50 };
    struct world *w = fixture_world(3, 1, 3, 2 * K, 91);
    for (int s = 0; s < 3; s++) fixture_region(w, s, s);
    fixture_route(w, 1, 0, 1);
    fixture_route(w, 2, 0, 1);
    for (int from = 1; from <= 2; from++) {
        int k = fixture_type(w, 0, 1, 0.0, 0.0);
        fixture_origin(w, k, from, 1.0);
        fixture_target(w, k, 0, 1.0);
    }
    fixture_detect(w, 1, 0, 1.0, 0.0, 0.0);
    fixture_detect(w, 2, 0, 1.0, 0.0, 0.0);
    fixture_sharing(w, 0, 0, POLICY_LEVEL, SCOPE_ALL, 0.5, 0);
    fixture_sharing(w, 1, 0, POLICY_LEVEL, SCOPE_ALL, 0.9, 0);
    fixture_sharing(w, 2, 0, POLICY_LEVEL, SCOPE_ALL, 0.2, 0);
    w->states[1].cost_per_report = cost_b;
    w->states[2].cost_per_report = cost_c;
    adapt(w, 0, ADAPT_IMITATION, K, 0.1, -1.0);
    fixture_finish(w);
    return w;
}

/* Imitation copies, in one period, the level of the neighbour with the lowest loss: C when only
 * B pays for its reports; B, the lower index, when both lose nothing (the tie rule). */
Test(adapt, imitation_copies_the_best_neighbour_in_one_period) {
    struct world *w = star(1.0, 0.0);
    struct sim_result *r = fixture_run(w, 0, NULL);
    cr_assert_gt(sim_result_total(r, METRIC_LOSS, 1), 0);
    cr_assert_eq(sim_result_total(r, METRIC_LOSS, 2), 0);
    cr_assert_gt(sim_result_total(r, METRIC_LOSS, 0), 0);
    cr_assert_eq(level_at(r, 0, 0), 0.5);
    cr_assert_eq(level_at(r, 1, 0), 0.2, "copies C");
    sim_result_free(r);
    world_free(w);
    w = star(0.0, 0.0);
    r = fixture_run(w, 0, NULL);
    cr_assert_eq(level_at(r, 1, 0), 0.9, "a tie goes to B, the lower index");
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

/* A world with every mechanism on (leaks, burns, trust, cost, response) for identity checks. */
static struct world *busy_pair(int ticks) {
    struct world *w = pair(ticks, 2.0, 1.5, 0.4, 0.4);
    for (int s = 0; s < 2; s++) {
        w->states[s].units = 2;
        w->states[s].leak = 0.1;
        w->states[s].cost_per_report = 0.3;
        fixture_detect(w, s, 0, 0.6, 0.2, 0.5);
    }
    w->types[0].dwell = 3;
    w->types[0].severity_sigma = 0.5;
    w->burn_ticks = 4;
    w->burn_factor = 0.5;
    w->trust = (struct world_trust){0.5, 0.05, 0.1, 0.1, 0.5};
    return w;
}

static int same_figures(const struct sim_result *a, const struct sim_result *b) {
    size_t S = (size_t)a->n_states, K = (size_t)a->n_types, T = (size_t)a->ticks;
    return memcmp(a->by_type, b->by_type, METRIC_COUNT * S * K * sizeof(double)) == 0 &&
           (!a->series ||
            memcmp(a->series, b->series, METRIC_COUNT * T * S * sizeof(double)) == 0) &&
           memcmp(a->region_harm, b->region_harm, (size_t)a->n_regions * sizeof(double)) == 0;
}

/* A period longer than the run: no revision ever happens, so the run is bit-identical to one
 * without adaptation (for each rule), and the one recorded period holds the declared level. */
Test(adapt, a_period_longer_than_the_run_changes_nothing) {
    enum { T = 300 };
    struct sim_options options = {1, 0, 1, NULL, NULL, NULL, 0};
    struct world *plain = busy_pair(T);
    fixture_finish(plain);
    struct sim_result *base = fixture_run(plain, 2, &options);
    cr_assert_null(base->sharing_periods);
    for (int rule = ADAPT_REINFORCEMENT; rule <= ADAPT_IMITATION; rule++) {
        struct world *w = busy_pair(T);
        adapt(w, 0, rule, T + 1, 0.2, -1.0);
        adapt(w, 1, rule, T + 1, 0.2, -1.0);
        fixture_finish(w);
        struct sim_result *r = fixture_run(w, 2, &options);
        cr_assert(same_figures(base, r), "rule %d changed the run", rule);
        cr_assert_eq(r->n_periods, 1);
        cr_assert_eq(level_at(r, 0, 0), 0.4);
        sim_result_free(r);
        /* and a period shorter than the run does change it (the test can fail) */
        w->states[0].adapt.period = 20;
        w->states[1].adapt.period = 20;
        r = fixture_run(w, 2, &options);
        if (rule != ADAPT_IMITATION) /* imitation of an equal level may keep it */
            cr_assert_not(same_figures(base, r), "rule %d with K = 20 changed nothing", rule);
        sim_result_free(r);
        world_free(w);
    }
    sim_result_free(base);
    world_free(plain);
    expect_no_leaks();
}

/* ---- strategic leakers ------------------------------------------------------------------- */

/* A (0) shares every threat it sees with B (1), latency 0; B may exploit what it receives. */
static struct world *leaky(int ticks, double rate, double gain, double value, int exclusion,
                           double monitoring) {
    struct world *w = pair(ticks, rate, 0.0, 1.0, 0.0);
    fixture_sharing(w, 0, 0, POLICY_FULL, SCOPE_ALL, 1.0, 0);
    w->states[1].exploit_gain = gain;
    w->states[1].exploit_value = value;
    w->states[1].exclusion_ticks = exclusion;
    w->states[0].monitoring = monitoring;
    w->trust.loss_leak = 0.1;
    fixture_finish(w);
    return w;
}

struct exploit_log {
    double gain, value, q;
    int exclusion;
    long long received, deliveries, exploited, caught, mismatches;
    long long until, excluded_total;       /* B excluded while tick < until; ticks so scheduled */
    int expect_exploit;                    /* for the delivery just seen */
    int pending;                           /* a delivery whose exploitation event may follow */
    int *reports, *detections, *caught_at; /* per tick: A's reports to B, A's detections */
};

static void settle(struct exploit_log *log, int exploited) {
    if (!log->pending) return;
    if (exploited != log->expect_exploit) log->mismatches++;
    log->pending = 0;
}

static void on_exploit_event(void *ctx, const struct sim_event *e) {
    struct exploit_log *log = ctx;
    if (e->kind == EVENT_EXPLOIT) {
        cr_assert_eq(e->state, 1);
        cr_assert_eq(e->other, 0);
        settle(log, 1);
        log->exploited++;
        if (e->value > 0) {
            long long end = e->tick + log->exclusion;
            if (end > log->until) {
                log->excluded_total += end - (log->until > e->tick ? log->until : e->tick);
                log->until = end;
            }
            log->caught++;
            if (log->caught_at) log->caught_at[e->tick] = 1;
        }
        return;
    }
    settle(log, 0);
    if (e->kind == EVENT_DELIVERY && e->state == 0 && e->other == 1) {
        log->received++;
        log->deliveries++;
        /* the ticks B was not excluded so far, from the exclusions the log has seen */
        long long past = log->excluded_total - (log->until > e->tick ? log->until - e->tick : 0);
        double open = (double)(e->tick + 1 - past);
        double rate = (double)log->received / (open > 1 ? open : 1);
        log->expect_exploit = log->gain > log->q * log->value * rate * log->exclusion;
        log->pending = 1;
    }
    if (log->reports && e->kind == EVENT_REPORT && e->state == 0 && e->other == 1)
        log->reports[e->tick]++;
    if (log->detections && e->kind == EVENT_DETECTION && e->state == 0) log->detections[e->tick]++;
}

static struct sim_result *run_logged(const struct world *w, struct exploit_log *log) {
    struct sim_options options = {0, 0, 1, on_exploit_event, log, NULL, 0};
    struct sim_result *r = fixture_run(w, 0, &options);
    settle(log, 0);
    return r;
}

/* Every delivery is exploited exactly when G > q V rho E (rho = reports received per tick not
 * excluded so far, replayed from the event log); far on either side of the threshold, none or
 * all are. */
Test(exploit, deterrence_threshold_in_closed_form) {
    /* at the threshold: q V E = 2.5 and G = 5, so B exploits while rho < 2, the arrival rate:
     * the estimate's noise takes it to both sides */
    struct exploit_log log = {.gain = 5, .value = 1, .q = 0.5, .exclusion = 5};
    struct world *w = leaky(400, 2.0, log.gain, log.value, log.exclusion, log.q);
    struct sim_result *r = run_logged(w, &log);
    cr_assert_eq(log.mismatches, 0, "%lld decisions off the rule", log.mismatches);
    cr_assert_gt(log.exploited, 0);
    cr_assert_lt(log.exploited, log.deliveries);
    cr_assert_eq(sim_result_total(r, METRIC_EXPLOITS, 1), (double)log.exploited);
    cr_assert_eq(sim_result_total(r, METRIC_EXPLOIT_GAIN, 1), log.gain * (double)log.exploited);
    cr_assert_eq(sim_result_total(r, METRIC_LOSS, 1) + sim_result_total(r, METRIC_EXPLOIT_GAIN, 1),
                 sim_result_total(r, METRIC_HARM, 1), "the gain comes off the loss");
    sim_result_free(r);
    world_free(w);
    /* deterred: q V rho E about 0.5 x 1 x 5 x 20 = 50 >> G = 1 */
    struct exploit_log deterred = {.gain = 1, .value = 1, .q = 0.5, .exclusion = 20};
    w = leaky(400, 5.0, deterred.gain, deterred.value, deterred.exclusion, deterred.q);
    r = run_logged(w, &deterred);
    cr_assert_eq(deterred.mismatches, 0);
    cr_assert_gt(deterred.deliveries, 1000);
    cr_assert_eq(deterred.exploited, 0);
    sim_result_free(r);
    world_free(w);
    /* unwatched (q = 0): every report is exploited */
    struct exploit_log free_ride = {.gain = 1, .value = 1, .q = 0, .exclusion = 20};
    w = leaky(400, 5.0, free_ride.gain, free_ride.value, free_ride.exclusion, free_ride.q);
    r = run_logged(w, &free_ride);
    cr_assert_eq(free_ride.exploited, free_ride.deliveries);
    cr_assert_eq(free_ride.caught, 0);
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

/* With no exclusion (E = 0) every report is exploited, and each is caught with probability q:
 * the count caught is binomial (4 sigma). */
Test(exploit, detections_are_binomial) {
    const double q = 0.3;
    struct exploit_log log = {.gain = 1, .value = 1, .q = q, .exclusion = 0};
    struct world *w = leaky(1000, 3.0, log.gain, log.value, 0, q);
    struct sim_result *r = run_logged(w, &log);
    double n = (double)log.exploited;
    cr_assert_eq(log.exploited, log.deliveries);
    cr_assert_gt(n, 2000);
    cr_assert_eq(sim_result_total(r, METRIC_EXPLOITS_DETECTED, 1), (double)log.caught);
    cr_assert_lt(fabs((double)log.caught - n * q), 4 * sqrt(n * q * (1 - q)), "%lld of %g",
                 log.caught, n);
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

/* Caught for sure (q = 1) and undeterred (V = 0): each exploitation at tick t excludes B from
 * A's sharing in ticks t ... t + E - 1, exactly: A sends B a report for every detection outside
 * those ticks and none inside, and counts those inside as excluded. */
Test(exploit, exclusion_lasts_exactly_the_declared_ticks) {
    enum { T = 600, E = 7 };
    int reports[T] = {0}, detections[T] = {0}, caught_at[T] = {0};
    struct exploit_log log = {.gain = 1, .value = 0, .q = 1, .exclusion = E};
    log.reports = reports, log.detections = detections, log.caught_at = caught_at;
    struct world *w = leaky(T, 0.5, log.gain, 0, E, 1.0);
    struct sim_result *r = run_logged(w, &log);
    long long windows = 0, excluded = 0, sent = 0;
    for (int t = 0; t < T; t++) {
        int inside = 0;
        for (int d = t - E + 1; d <= t; d++)
            if (d >= 0 && caught_at[d]) inside = 1;
        windows += caught_at[t];
        if (inside) {
            cr_assert_eq(reports[t], 0, "a report at tick %d, inside an exclusion", t);
            excluded += detections[t];
        } else {
            cr_assert_eq(reports[t], detections[t], "tick %d: %d reports for %d detections", t,
                         reports[t], detections[t]);
            sent += reports[t];
        }
    }
    cr_assert_gt(windows, 20);
    cr_assert_gt(excluded, 10);
    cr_assert_gt(sent, 20);
    cr_assert_eq(sim_result_total(r, METRIC_REPORTS_EXCLUDED, 0), (double)excluded);
    cr_assert_eq(log.caught, log.exploited);
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

/* With no state exploiting (gain 0) the keys change nothing, bit for bit. */
Test(exploit, zero_gain_changes_nothing) {
    struct sim_options options = {1, 0, 1, NULL, NULL, NULL, 0};
    struct world *plain = busy_pair(300);
    fixture_finish(plain);
    struct world *w = busy_pair(300);
    w->states[1].exploit_gain = 0;
    w->states[1].exclusion_ticks = 30;
    w->states[0].monitoring = 0.9;
    fixture_finish(w);
    struct sim_result *a = fixture_run(plain, 1, &options), *b = fixture_run(w, 1, &options);
    cr_assert(same_figures(a, b));
    sim_result_free(a);
    sim_result_free(b);
    world_free(plain);
    world_free(w);
    expect_no_leaks();
}

/* A report the hub forwarded is watched by the hub (hub.monitoring), not by its sender: with the
 * hub watching everything and the sender nothing, every exploitation is caught; the other way
 * round, none is. Fused or not, the centre withholds the relay from an excluded member. */
Test(exploit, reports_through_the_hub_are_watched_by_the_hub) {
    for (int fusion = 0; fusion <= 1; fusion++)
        for (int hub_watches = 0; hub_watches <= 1; hub_watches++) {
            struct exploit_log log = {.gain = 1, .value = 0, .q = hub_watches, .exclusion = 3};
            struct world *w = pair(300, 1.0, 0.0, 1.0, 0.0);
            fixture_sharing(w, 0, 0, POLICY_HUB, SCOPE_ALL, 1.0, 0);
            w->states[0].hub_member = w->states[1].hub_member = 1;
            w->hub_latency = 0;
            w->hub_fusion = fusion;
            w->hub_monitoring = hub_watches;
            w->states[0].monitoring = 1 - hub_watches;
            w->states[1].exploit_gain = 1;
            w->states[1].exploit_value = 0;
            w->states[1].exclusion_ticks = 3;
            fixture_finish(w);
            struct sim_result *r = run_logged(w, &log);
            cr_assert_gt(log.exploited, 50);
            cr_assert_eq(log.exploited, log.deliveries);
            cr_assert_eq(log.caught, hub_watches ? log.exploited : 0, "fusion %d, hub %d", fusion,
                         hub_watches);
            cr_assert_eq(sim_result_total(r, METRIC_REPORTS_EXCLUDED, 0) > 0, hub_watches);
            sim_result_free(r);
            world_free(w);
        }
    expect_no_leaks();
}
