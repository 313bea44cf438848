/* test_invariants.c — invariants checked on every tick of randomised small worlds that switch
 * on every mechanism (all policies and scopes, hub, partners, leaks and burns, trust, mutual
 * assistance, adaptive routes, contagion, escalation, seasonality, harm per tick, and the
 * channels: networks and campaigns, network gain, mitigation, upstream collection, fusion). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <gsl/gsl_rng.h>

#include "fixture.h"
#include "../common/leak_check.h"

struct tally {
    const struct world *world;
    int tick;
    long long arrivals, interdictions, impacts, events;
    long long shared[WORLD_MAX_STATES], delivered[WORLD_MAX_STATES];
    long long detections[WORLD_MAX_STATES], leaks[WORLD_MAX_STATES];
    long long network_sent[WORLD_MAX_STATES], network_events, upstream;
    long long ticks_seen;
};

/* May state s detect in region g: it owns it, or it collects there (an external region)? */
static int may_detect(const struct world *w, int s, int g) {
    if (w->regions[g].owner >= 0) return w->regions[g].owner == s;
    if (!w->collect_first) return 0;
    for (int e = w->collect_first[g]; e < w->collect_first[g + 1]; e++)
        if (w->collect_who[e] == s) return 1;
    return 0;
}

static void on_event(void *ctx, const struct sim_event *e) {
    struct tally *tally = ctx;
    const struct world *w = tally->world;
    cr_assert_geq(e->tick, tally->tick, "events come in tick order");
    tally->tick = e->tick;
    tally->events++;
    switch (e->kind) {
        case EVENT_ARRIVAL:
            tally->arrivals++;
            break;
        case EVENT_INTERDICTION:
            tally->interdictions++;
            cr_assert_eq(w->regions[e->region].owner, e->other, "engaged in the territory's state");
            break;
        case EVENT_IMPACT:
            tally->impacts++;
            cr_assert_eq(w->regions[e->region].owner, e->state, "impacts hit the region's owner");
            break;
        case EVENT_DETECTION:
            cr_assert(may_detect(w, e->state, e->region),
                      "state %d detected in region %d it neither owns nor watches", e->state,
                      e->region);
            tally->detections[e->state]++;
            tally->upstream += w->regions[e->region].owner < 0;
            break;
        case EVENT_NETWORK_REPORT:
            cr_assert_neq(e->state, e->other);
            tally->network_sent[e->state]++;
            tally->shared[e->state]++; /* their deliveries are counted with the reports' */
            tally->network_events++;
            break;
        case EVENT_NETWORK_INTEL:
        case EVENT_ROTATION:
            tally->network_events++;
            break;
        case EVENT_REPORT:
            cr_assert_neq(e->state, e->other);
            tally->shared[e->state]++;
            break;
        case EVENT_DELIVERY:
            tally->delivered[e->state]++;
            cr_assert_leq(tally->delivered[e->state], tally->shared[e->state],
                          "state %d: more reports delivered than shared", e->state);
            break;
        case EVENT_LEAK:
            tally->leaks[e->state]++;
            break;
        case EVENT_TICK:
            cr_assert_eq(tally->arrivals - tally->interdictions - tally->impacts,
                         (long long)e->value, "tick %d: arrivals %lld != %lld + %lld + %g", e->tick,
                         tally->arrivals, tally->interdictions, tally->impacts, e->value);
            tally->ticks_seen++;
            break;
        default:
            break;
    }
}

static double uniform(gsl_rng *g, double low, double high) {
    return low + (high - low) * gsl_rng_uniform(g);
}

static struct world *random_world(gsl_rng *g, int ticks, uint64_t seed) {
    int S = 2 + (int)gsl_rng_uniform_int(g, 3), D = 2, R = 2 + 2 * S;
    struct world *w = fixture_world(S, D, R, ticks, seed);
    for (int s = 0; s < S; s++) {
        fixture_region(w, 2 + 2 * s, s);
        fixture_region(w, 3 + 2 * s, s);
    }
    /* a chain through every region keeps the world connected, plus a few shortcuts */
    for (int r = 0; r + 1 < R; r++) fixture_route(w, r, r + 1, 1 + (int)gsl_rng_uniform_int(g, 2));
    for (int extra = 0; extra < 3; extra++) {
        int a = (int)gsl_rng_uniform_int(g, (unsigned long)R);
        int b = (int)gsl_rng_uniform_int(g, (unsigned long)R);
        if (abs(a - b) > 1) fixture_route(w, a, b, 1 + (int)gsl_rng_uniform_int(g, 3));
    }
    for (int s = 0; s < S; s++) {
        struct world_state *st = &w->states[s];
        st->units = (int)gsl_rng_uniform_int(g, 4);
        st->interdiction = uniform(g, 0.2, 1.0);
        st->busy_ticks = 1 + (int)gsl_rng_uniform_int(g, 4);
        st->leak = uniform(g, 0, 0.3);
        st->cost_per_report = uniform(g, 0, 1);
        st->severity_noise = uniform(g, 0, 0.5);
        st->hub_member = gsl_rng_uniform(g) < 0.6;
        st->mutual_assistance = gsl_rng_uniform(g) < 0.5;
        for (int d = 0; d < D; d++) {
            fixture_detect(w, s, d, uniform(g, 0, 0.5), uniform(g, 0, 0.5), uniform(g, 0, 0.5));
            fixture_sharing(w, s, d, (int)gsl_rng_uniform_int(g, 6), (int)gsl_rng_uniform_int(g, 3),
                            gsl_rng_uniform(g), (int)gsl_rng_uniform_int(g, 3));
            w->sharing[world_sd(w, s, d)].threshold = gsl_rng_uniform(g) < 0.3 ? 1.0 : 0.0;
        }
        for (int j = 0; j < S; j++) w->agreement[s * S + j] = j == s ? 0 : gsl_rng_uniform(g);
    }
    for (int k = 0; k < 2; k++) {
        int type = fixture_type(w, k % D, 1 + (int)gsl_rng_uniform_int(g, 4), uniform(g, 0, 1),
                                uniform(g, 0, 1));
        struct world_threat_type *tt = &w->types[type];
        tt->stealth = uniform(g, 0.5, 1.0);
        tt->harm_per_tick = gsl_rng_uniform(g) < 0.5 ? uniform(g, 0, 0.2) : 0.0;
        tt->adaptive = gsl_rng_uniform(g) < 0.5;
        tt->escalation_boost = uniform(g, 0, 0.05); /* kept subcritical */
        tt->escalation_decay = uniform(g, 0.0, 0.7);
        tt->contagion = uniform(g, 0, 0.4);
        fixture_origin(w, type, 0, uniform(g, 0.2, 1.5));
        fixture_origin(w, type, 2 + (int)gsl_rng_uniform_int(g, 2 * (unsigned long)S),
                       uniform(g, 0, 0.5));
        w->origins[w->n_origins - 1].season_amplitude = gsl_rng_uniform(g);
        w->origins[w->n_origins - 1].season_period = 20;
        for (int j = 0; j < 2; j++)
            fixture_target(w, type, 2 + (int)gsl_rng_uniform_int(g, 2 * (unsigned long)S),
                           uniform(g, 0.1, 1));
    }
    fixture_partner(w, uniform(g, 0, 0.5), gsl_rng_get(g), gsl_rng_uniform(g),
                    (int)gsl_rng_uniform_int(g, 3));
    w->hub_latency = (int)gsl_rng_uniform_int(g, 3);
    w->hub_monitoring = gsl_rng_uniform(g);
    w->burn_factor = gsl_rng_uniform(g);
    w->burn_ticks = (int)gsl_rng_uniform_int(g, 15);
    w->assistance_units = 1 + (int)gsl_rng_uniform_int(g, 2);
    w->trust = (struct world_trust){gsl_rng_uniform(g), uniform(g, 0, 0.3), uniform(g, 0, 0.5),
                                    uniform(g, 0, 0.5), gsl_rng_uniform(g)};
    w->measure_cost = uniform(g, 0, 10);
    /* the channels: networks or campaigns, gains, mitigation, collection, fusion */
    for (int k = 0; k < w->n_types; k++) {
        double u = gsl_rng_uniform(g);
        int kind = u < 0.4 ? NETWORK_FIXED : u < 0.7 ? NETWORK_CAMPAIGNS : NETWORK_NONE;
        fixture_network(w, k, kind, kind == NETWORK_FIXED ? 1 + (int)gsl_rng_uniform_int(g, 3) : 64,
                        uniform(g, 0.05, 0.3), 5 + (int)gsl_rng_uniform_int(g, 20),
                        1 + (int)gsl_rng_uniform_int(g, 20), uniform(g, 0, 0.1));
    }
    for (int s = 0; s < S; s++) {
        w->states[s].cost_per_network_report = uniform(g, 0, 0.5);
        for (int d = 0; d < D; d++) fixture_gains(w, s, d, uniform(g, 0, 0.5), uniform(g, 0, 0.8));
        for (int area = 0; area < 2; area++)
            if (gsl_rng_uniform(g) < 0.4) fixture_collect(w, area, s, uniform(g, 0, 0.5));
    }
    if (gsl_rng_uniform(g) < 0.5) fixture_collect(w, 0, -1, uniform(g, 0, 0.5));
    w->hub_fusion = gsl_rng_uniform(g) < 0.5;
    w->max_active_threats = 100000;
    fixture_finish(w);
    return w;
}

/* States that choose (§5.15-§5.16) in some of the worlds (world n), without drawing from the
 * world generator (so that the other worlds stay the ones they were). */
static void states_that_choose(struct world *w, int n) {
    for (int s = 0; s < w->n_states && n % 3 == 1; s++)
        w->states[s].adapt = (struct world_adapt){1 + (n + s) % 3, 5 + 5 * s, 0.2, -1.0};
    for (int s = 0; s < w->n_states && n % 4 == 2; s++) {
        w->states[s].exploit_gain = 0.1 * s;
        w->states[s].exploit_value = -1.0;
        w->states[s].exclusion_ticks = 3 * s;
        w->states[s].monitoring = 0.25 * (s % 4);
    }
}

Test(invariants, every_tick_of_random_worlds) {
    enum { WORLDS = 100, T = 200 };
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 2024);
    long long total_events = 0, total_leaks = 0, total_shared = 0, total_impacts = 0;
    long long total_network = 0, total_upstream = 0, total_exploits = 0, adapted = 0;
    for (int n = 0; n < WORLDS; n++) {
        struct world *w = random_world(g, T, 100 + (uint64_t)n);
        states_that_choose(w, n);
        struct tally tally = {.world = w};
        struct sim_options options = {1, 1, 1, on_event, &tally, NULL, 0};
        struct sim_result *r = fixture_run(w, n, &options);
        int S = w->n_states;
        cr_assert_eq(tally.ticks_seen, T);
        for (int s = 0; s < S; s++) {
            cr_assert_eq(sim_result_total(r, METRIC_DETECTIONS, s), tally.detections[s]);
            cr_assert_eq(sim_result_total(r, METRIC_REPORTS_SHARED, s) +
                             sim_result_total(r, METRIC_NETWORK_SENT, s),
                         tally.shared[s]);
            cr_assert_eq(sim_result_total(r, METRIC_LEAKS, s) +
                             sim_result_total(r, METRIC_NETWORK_LEAKED, s),
                         tally.leaks[s]);
            cr_assert_geq(sim_result_total(r, METRIC_SHARING_COST, s), 0.0);
            cr_assert_leq(sim_result_total(r, METRIC_CUED_DETECTIONS, s),
                          sim_result_total(r, METRIC_DETECTIONS, s));
            /* every detection counts for exactly one channel */
            double channels = 0;
            for (int m = METRIC_DETECT_OWN; m <= METRIC_DETECT_UPSTREAM; m++)
                channels += sim_result_total(r, m, s);
            cr_assert_eq(channels, sim_result_total(r, METRIC_DETECTIONS, s));
            cr_assert_eq(sim_result_total(r, METRIC_NETWORK_SENT, s), tally.network_sent[s]);
            cr_assert_leq(sim_result_total(r, METRIC_IMPACTS_MITIGATED, s),
                          sim_result_total(r, METRIC_IMPACTS, s));
            cr_assert_geq(sim_result_total(r, METRIC_HARM_MITIGATED, s), 0.0);
            cr_assert_leq(sim_result_total(r, METRIC_EXPLOITS_DETECTED, s),
                          sim_result_total(r, METRIC_EXPLOITS, s));
            cr_assert_leq(sim_result_total(r, METRIC_REPORTS_EXCLUDED, s),
                          sim_result_total(r, METRIC_REPORTS_WITHHELD, s));
            total_exploits += (long long)sim_result_total(r, METRIC_EXPLOITS, s);
            total_leaks += tally.leaks[s];
            total_shared += tally.shared[s];
            for (int t = 0; t < T; t++) {
                double harm = r->series[((size_t)METRIC_HARM * T + t) * S + s];
                cr_assert_geq(harm, 0.0, "harm at tick %d is negative", t);
            }
        }
        double arrivals = 0, interdictions = 0, impacts = 0;
        for (int s = 0; s < S; s++) {
            arrivals += sim_result_total(r, METRIC_ARRIVALS, s);
            interdictions += sim_result_total(r, METRIC_INTERDICTIONS, s);
            impacts += sim_result_total(r, METRIC_IMPACTS, s);
        }
        cr_assert_eq(arrivals, tally.arrivals);
        cr_assert_eq(interdictions, tally.interdictions);
        cr_assert_eq(impacts, tally.impacts);
        for (int c = 0; r->sharing_periods && c < r->n_periods * S; c++)
            cr_assert(isnan(r->sharing_periods[c]) ||
                          (r->sharing_periods[c] >= 0 && r->sharing_periods[c] <= 1),
                      "a sharing level out of [0, 1]");
        adapted += r->sharing_periods != NULL;
        for (size_t c = 0; c < (size_t)T * S * S; c++)
            cr_assert(r->trust[c] >= 0.0f && r->trust[c] <= 1.0f, "trust out of [0, 1]");
        total_events += tally.events;
        total_network += tally.network_events;
        total_upstream += tally.upstream;
        total_impacts += tally.impacts;
        sim_result_free(r);
        world_free(w);
    }
    /* the worlds really exercised the mechanisms */
    cr_assert_gt(total_leaks, 0);
    cr_assert_gt(total_shared, 0);
    cr_assert_gt(total_impacts, 0);
    cr_assert_gt(total_events, 10000);
    cr_assert_gt(total_network, 1000);
    cr_assert_gt(total_upstream, 100);
    cr_assert_gt(total_exploits, 100);
    cr_assert_eq(adapted, 33);
    gsl_rng_free(g);
    expect_no_leaks();
}

/* World n of the next-event test: dwell long enough that threats sleep for many ticks, states
 * that choose, and in every other world a fusing centre of every state with scarce, slow units,
 * so that candidates wait in the response queues while relayed pools change their priority. */
static void stretch(struct world *w, int n) {
    for (int k = 0; k < w->n_types; k++) w->types[k].dwell *= 1 + n % 12;
    states_that_choose(w, n);
    if (n % 2) return;
    w->hub_fusion = 1;
    for (int s = 0; s < w->n_states; s++) {
        w->states[s].hub_member = 1;
        w->states[s].units = 1;
        w->states[s].busy_ticks = 6;
        w->states[s].severity_noise = 0.6;
        for (int d = 0; d < w->n_domains; d++) w->sharing[world_sd(w, s, d)].policy = POLICY_HUB;
    }
}

/* An event log folded into one number (FNV-1a over every field), and counted. */
struct fold {
    uint64_t hash;
    long long events;
};

static void fold_event(void *ctx, const struct sim_event *e) {
    struct fold *f = ctx;
    long long fields[7] = {e->kind, e->tick, e->threat, e->type, e->state, e->other, e->region};
    const unsigned char *bytes = (const unsigned char *)fields;
    for (size_t b = 0; b < sizeof fields; b++) f->hash = (f->hash ^ bytes[b]) * 0x100000001b3ull;
    uint64_t value;
    memcpy(&value, &e->value, sizeof value);
    f->hash = (f->hash ^ value) * 0x100000001b3ull;
    f->events++;
}

static void same_doubles(const double *a, const double *b, size_t n, const char *what, int world) {
    for (size_t c = 0; c < n; c++)
        cr_assert(a[c] == b[c] || (isnan(a[c]) && isnan(b[c])),
                  "world %d: %s[%zu] %.17g looking every tick, %.17g with the next-event tick",
                  world, what, c, a[c], b[c]);
}

/* The next-event tick (docs/model.md §11) changes nothing: every random world, with every
 * channel, burns, adaptive states and strategic leakers, and dwell long enough that threats sleep
 * for many ticks, gives the same results and the same event log, event for event, as looking at
 * every threat every tick. A missed wake-up (a change of hazard that a sleeping threat did not
 * see) would change a detection tick, hence the log. */
Test(invariants, next_event_tick_changes_nothing) {
    enum { WORLDS = 100, T = 200 };
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 2025);
    long long slept = 0;
    for (int n = 0; n < WORLDS; n++) {
        gsl_rng *twin = gsl_rng_clone(g);
        struct world *w = random_world(g, T, 300 + (uint64_t)n);
        stretch(w, n);
        if (n % 4 == 3) { /* a time-phased measure: detection raised from tick 60 on (§14.4) */
            struct world *later = random_world(twin, T, 300 + (uint64_t)n);
            stretch(later, n);
            for (int c = 0; c < later->n_states * later->n_domains; c++)
                later->detect[c] = fmin(1.0, 2 * later->detect[c] + 0.05);
            cr_assert_null(world_phase_difference(w, later));
            w->n_phases = 1;
            w->phases = malloc(sizeof *w->phases);
            w->phases[0] = (struct world_phase){60, later};
        }
        gsl_rng_free(twin);
        struct fold every = {0xcbf29ce484222325ull, 0}, next = every;
        struct sim_options look = {1, 1, 1, fold_event, &every, NULL, 1};
        struct sim_options lazy = {1, 1, 1, fold_event, &next, NULL, 0};
        struct sim_result *a = fixture_run(w, n, &look), *b = fixture_run(w, n, &lazy);
        size_t S = (size_t)w->n_states, K = (size_t)w->n_types, R = (size_t)w->n_regions;
        cr_assert_eq(every.events, next.events, "world %d: %lld events against %lld", n,
                     every.events, next.events);
        cr_assert_eq(every.hash, next.hash, "world %d: the event logs differ", n);
        same_doubles(a->by_type, b->by_type, (size_t)METRIC_COUNT * S * K, "by_type", n);
        same_doubles(a->series, b->series, (size_t)METRIC_COUNT * T * S, "series", n);
        same_doubles(a->region_detections, b->region_detections, R, "region_detections", n);
        same_doubles(a->region_harm, b->region_harm, R, "region_harm", n);
        cr_assert_eq(a->threat_ticks, b->threat_ticks);
        for (size_t c = 0; c < (size_t)T * S * S; c++) cr_assert_eq(a->trust[c], b->trust[c]);
        slept += (long long)a->threat_ticks;
        sim_result_free(a);
        sim_result_free(b);
        world_free(w);
    }
    cr_assert_gt(slept, 100000); /* threat-ticks compared */
    gsl_rng_free(g);
    expect_no_leaks();
}
