/* test_mechanisms.c — one mechanism at a time: sharing level, scope and threshold, trust gains
 * and losses, measure cost, world-provided routes, workspace reuse across shapes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "fixture.h"
#include "../common/leak_check.h"

/* Three states: threats arrive in state 0's region (detected surely) and go to state 2 through
 * state 1: A (0) - B (1) - C (2). State 0 borders 1 only. */
static struct world *line(int ticks, int policy, int scope, double level) {
    struct world *w = fixture_world(3, 1, 3, ticks, 31);
    for (int s = 0; s < 3; s++) fixture_region(w, s, s);
    fixture_route(w, 0, 1, 1);
    fixture_route(w, 1, 2, 1);
    int k = fixture_type(w, 0, 1, 0.0, 0.0);
    fixture_origin(w, k, 0, 2.0);
    fixture_target(w, k, 2, 1.0);
    fixture_detect(w, 0, 0, 1.0, 0.0, 0.0);
    fixture_sharing(w, 0, 0, policy, scope, level, 0);
    fixture_finish(w);
    return w;
}

struct receivers {
    long long to[WORLD_MAX_STATES];
};

static void count_receivers(void *ctx, const struct sim_event *e) {
    struct receivers *r = ctx;
    if (e->kind == EVENT_REPORT) r->to[e->other]++;
}

/* level c: each (report, candidate) is shared with probability c: binomial, 5 SE. */
Test(mechanisms, level_shares_with_probability_c) {
    const double c = 0.3;
    struct world *w = line(3000, POLICY_LEVEL, SCOPE_ALL, c);
    struct sim_result *r = fixture_run(w, 0, NULL);
    double shared = sim_result_total(r, METRIC_REPORTS_SHARED, 0);
    double withheld = sim_result_total(r, METRIC_REPORTS_WITHHELD, 0);
    double n = shared + withheld;
    cr_assert_eq(n, 2 * sim_result_total(r, METRIC_DETECTIONS, 0));
    cr_assert_lt(fabs(shared / n - c), 5 * sqrt(c * (1 - c) / n), "%g", shared / n);
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

Test(mechanisms, scope_neighbours_and_route) {
    struct world *w = line(500, POLICY_FULL, SCOPE_NEIGHBOURS, 1.0);
    struct receivers seen = {{0}};
    struct sim_options options = {0, 0, 1, count_receivers, &seen, NULL, 0};
    struct sim_result *r = fixture_run(w, 0, &options);
    cr_assert_gt(seen.to[1], 0);
    cr_assert_eq(seen.to[2], 0, "state 2 is not state 0's neighbour");
    sim_result_free(r);
    /* route scope: both 1 and 2 lie on the remaining route */
    w->sharing[0].scope = SCOPE_ROUTE;
    memset(&seen, 0, sizeof seen);
    r = fixture_run(w, 0, &options);
    cr_assert_gt(seen.to[1], 0);
    cr_assert_eq(seen.to[1], seen.to[2]);
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

Test(mechanisms, threshold_withholds_small_reports) {
    struct world *w = line(300, POLICY_FULL, SCOPE_ALL, 1.0);
    w->sharing[0].threshold = 1.5; /* severity is exp(0) = 1, noise 0 */
    struct sim_result *r = fixture_run(w, 0, NULL);
    cr_assert_eq(sim_result_total(r, METRIC_REPORTS_SHARED, 0), 0);
    cr_assert_eq(sim_result_total(r, METRIC_REPORTS_WITHHELD, 0),
                 2 * sim_result_total(r, METRIC_DETECTIONS, 0));
    w->sharing[0].threshold = 0.5;
    sim_result_free(r);
    r = fixture_run(w, 0, NULL);
    cr_assert_eq(sim_result_total(r, METRIC_REPORTS_WITHHELD, 0), 0);
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

/* Cued detections raise the receiver's trust in the sender by gain_used each (clamped at 1). */
Test(mechanisms, used_reports_raise_trust) {
    struct world *w = line(40, POLICY_FULL, SCOPE_ALL, 1.0);
    fixture_detect(w, 1, 0, 0.0, 0.0, 0.5);
    w->trust.initial = 0.2;
    w->trust.gain_used = 0.01;
    struct sim_options options = {1, 1, 1, NULL, NULL, NULL, 0};
    struct sim_result *r = fixture_run(w, 0, &options);
    double cued = sim_result_total(r, METRIC_CUED_DETECTIONS, 1);
    cr_assert_gt(cued, 0);
    float trust_1_in_0 = r->trust[(size_t)(w->ticks - 1) * 9 + 1 * 3 + 0];
    double expect = fmin(1.0, 0.2 + 0.01 * cued);
    cr_assert_float_eq(trust_1_in_0, expect, 1e-5, "%g vs %g", trust_1_in_0, expect);
    cr_assert_float_eq(r->trust[(size_t)(w->ticks - 1) * 9 + 2 * 3 + 0], 0.2f, 1e-7);
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

/* A threat state 0 detected but withheld impacts state 2: discovered with probability 1, trust of
 * 2 in 0 falls by loss_hidden per impact (clamped at 0); state 1 never knew, so keeps its trust. */
Test(mechanisms, discovered_withholding_lowers_trust) {
    struct world *w = line(12, POLICY_WITHHOLD, SCOPE_ALL, 0.0);
    w->trust.initial = 0.9;
    w->trust.loss_hidden = 0.01;
    w->trust.discover_hidden = 1.0;
    struct sim_options options = {1, 1, 1, NULL, NULL, NULL, 0};
    struct sim_result *r = fixture_run(w, 0, &options);
    double impacts = sim_result_total(r, METRIC_IMPACTS, 2);
    cr_assert_gt(impacts, 0);
    size_t last = (size_t)(w->ticks - 1) * 9;
    cr_assert_float_eq(r->trust[last + 2 * 3 + 0], fmax(0.0, 0.9 - 0.01 * impacts), 1e-5);
    cr_assert_float_eq(r->trust[last + 2 * 3 + 1], 0.9f, 1e-7);
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

Test(mechanisms, measure_cost_is_shared_equally) {
    struct world *w = line(100, POLICY_FULL, SCOPE_ALL, 1.0);
    w->states[0].cost_per_report = 0.5;
    w->measure_cost = 30.0;
    struct sim_result *r = fixture_run(w, 0, NULL);
    for (int s = 0; s < 3; s++) {
        double rest = sim_result_total(r, METRIC_LOSS, s) - sim_result_total(r, METRIC_HARM, s) -
                      sim_result_total(r, METRIC_SHARING_COST, s);
        cr_assert_float_eq(rest, 10.0, 1e-9);
    }
    cr_assert_float_eq(sim_result_total(r, METRIC_SHARING_COST, 0),
                       0.5 * sim_result_total(r, METRIC_REPORTS_SHARED, 0), 1e-9);
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

/* Paths precomputed by the world (as scenario_compile makes them) are followed as given, even
 * when they are not the quickest. */
Test(mechanisms, world_paths_are_followed) {
    struct world *w = fixture_world(2, 1, 4, 200, 33);
    fixture_region(w, 1, 0);
    fixture_region(w, 2, 1);
    fixture_region(w, 3, 1);
    fixture_route(w, 0, 1, 1);
    fixture_route(w, 1, 3, 1);
    fixture_route(w, 0, 2, 3);
    fixture_route(w, 2, 3, 3);
    int k = fixture_type(w, 0, 2, 0.0, 0.0);
    fixture_origin(w, k, 0, 1.0);
    fixture_target(w, k, 3, 1.0);
    fixture_finish(w);
    struct sim_result *quick = fixture_run(w, 0, NULL);
    cr_assert_eq(quick->region_arrivals[2], 0);
    w->type_first_path = calloc(1, sizeof(int));
    w->n_paths = 1;
    w->paths = calloc(1, sizeof *w->paths);
    w->paths[0] = (struct world_path){0, 3};
    w->n_path_entries = 3;
    w->path_regions = malloc(3 * sizeof(int));
    w->path_enter = malloc(3 * sizeof(int));
    memcpy(w->path_regions, (int[]){0, 2, 3}, 3 * sizeof(int));
    memcpy(w->path_enter, (int[]){0, 3, 6}, 3 * sizeof(int));
    struct sim_options options = {1, 0, 1, NULL, NULL, NULL, 0};
    struct sim_result *given = fixture_run(w, 0, &options);
    cr_assert_eq(given->region_arrivals[1], 0);
    cr_assert_gt(given->region_arrivals[3], 100);
    /* 6 ticks to reach the target, 2 ticks there: undetected threats impact 7 ticks after they
     * arrive */
    const double *arrivals = given->series + (size_t)METRIC_ARRIVALS * 200 * 2;
    const double *impacts = given->series + (size_t)METRIC_IMPACTS * 200 * 2;
    for (int t = 0; t + 7 < 200; t++) cr_assert_eq(impacts[(t + 7) * 2 + 1], arrivals[t * 2 + 1]);
    sim_result_free(quick);
    sim_result_free(given);
    world_free(w);
    expect_no_leaks();
}

Test(mechanisms, workspace_refuses_another_world_shape) {
    struct world *a = line(50, POLICY_FULL, SCOPE_ALL, 1.0);
    struct world *b = fixture_world(2, 1, 2, 50, 1);
    fixture_finish(b);
    char err[256] = "";
    struct sim_workspace *ws = sim_alloc(a, NULL, err, sizeof err);
    struct sim_result *r = sim_result_alloc(b, NULL);
    cr_assert_eq(sim_run(ws, b, 0, r, err, sizeof err), -1);
    cr_assert(strstr(err, "another world shape") != NULL, "%s", err);
    sim_result_free(r);
    sim_free(ws);
    world_free(a);
    world_free(b);
    expect_no_leaks();
}

/* The stop flag (sim_options.stop) is read between ticks: raised during tick 5 (here by the event
 * callback, in the run layer by a signal handler), the replicate ends before tick 6 with
 * SIM_STOPPED; a workspace stopped so runs the next replicate in full, the same bits as fresh. */
struct stop_at_tick {
    volatile sig_atomic_t flag;
    int at, last_tick;
};

static void stop_at_tick(void *context, const struct sim_event *event) {
    struct stop_at_tick *stop = context;
    if (event->kind != EVENT_TICK) return;
    stop->last_tick = event->tick;
    if (event->tick == stop->at) stop->flag = 1;
}

Test(mechanisms, stop_flag_ends_a_replicate_between_ticks) {
    struct world *w = line(40, POLICY_FULL, SCOPE_ALL, 1.0);
    cr_assert_gt(w->ticks, 8);
    struct stop_at_tick stop = {.flag = 0, .at = 5, .last_tick = -1};
    struct sim_options options = {1, 0, 1, stop_at_tick, &stop, &stop.flag, 0};
    char err[256] = "";
    struct sim_workspace *ws = sim_alloc(w, &options, err, sizeof err);
    struct sim_result *result = sim_result_alloc(w, &options);
    cr_assert(ws && result, "%s", err);
    cr_assert_eq(sim_run(ws, w, 0, result, err, sizeof err), SIM_STOPPED);
    cr_assert_eq(stop.last_tick, 5, "ran on to tick %d after the flag", stop.last_tick);

    stop.flag = 0;
    stop.at = -1;
    cr_assert_eq(sim_run(ws, w, 1, result, err, sizeof err), 0, "%s", err);
    cr_assert_eq(stop.last_tick, w->ticks - 1);
    struct sim_options plain = {1, 0, 1, NULL, NULL, NULL, 0};
    struct sim_result *fresh = fixture_run(w, 1, &plain);
    size_t cells = (size_t)METRIC_COUNT * (size_t)w->ticks * (size_t)w->n_states;
    cr_assert_eq(memcmp(fresh->series, result->series, cells * sizeof(double)), 0);
    sim_result_free(fresh);
    sim_result_free(result);
    sim_free(ws);
    world_free(w);
    expect_no_leaks();
}
