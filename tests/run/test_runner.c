/* test_runner.c — the runner through the C API (no output file): every work item runs once, the
 * kept totals do not depend on the thread count, and a stop flag ends the run with a prefix. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "ensemble.h"
#include "plan.h"
#include "runner.h"
#include "scenario.h"
#include "../common/leak_check.h"

static struct scenario *load(const char *relative) {
    const char *root = getenv("C5SIM_SOURCE_ROOT");
    cr_assert(root, "C5SIM_SOURCE_ROOT is not set (run through meson test)");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root, relative);
    struct scenario_errors errors = {0};
    struct scenario *scenario = scenario_load_file(path, &errors);
    if (!scenario) scenario_errors_print(&errors, stderr);
    scenario_errors_clear(&errors);
    cr_assert(scenario);
    return scenario;
}

static struct plan *level_plan(int replicates) {
    struct plan *plan = plan_alloc(replicates);
    struct plan_axis axis;
    char err[256];
    cr_assert_eq(plan_axis_parse("sharing.level=0:1:0.25", &axis, err, sizeof err), 0);
    cr_assert_eq(plan_add_grid(plan, &axis, 1, err, sizeof err), 5);
    plan_axis_free(&axis);
    return plan;
}

static void execute(struct runner *runner, int threads, volatile sig_atomic_t *stop,
                    struct runner_results *results, int expected) {
    struct runner_options options = {.threads = threads, .stop = stop};
    char err[512] = "";
    int status = runner_execute(runner, &options, NULL, results, err, sizeof err);
    cr_assert_eq(status, expected, "status %d: %s", status, err);
}

Test(runner, totals_are_the_same_for_one_two_and_three_threads) {
    struct scenario *scenario = load("tests/run/sweep-small.yaml");
    struct plan *plan = level_plan(7);
    struct scenario_errors errors = {0};
    struct runner *runner = runner_alloc(scenario, plan, 0, &errors);
    cr_assert(runner);
    struct runner_results one, many;
    execute(runner, 1, NULL, &one, 0);
    cr_assert_eq(one.items_written, 35);
    cr_assert_eq(one.interrupted, 0);
    size_t values = (size_t)one.items_total * METRIC_COUNT * (size_t)one.n_states;
    for (int threads = 2; threads <= 3; threads++) {
        execute(runner, threads, NULL, &many, 0);
        cr_assert_eq(many.items_written, 35);
        cr_assert_eq(memcmp(one.totals, many.totals, values * sizeof(double)), 0,
                     "totals differ with %d threads", threads);
        cr_assert_eq(memcmp(one.type_harm, many.type_harm,
                            (size_t)one.items_total * (size_t)one.n_types * sizeof(double)),
                     0);
        runner_results_free(&many);
    }
    /* Every item ran: arrivals are positive in every (variant, replicate). */
    for (int v = 0; v < 5; v++)
        for (int r = 0; r < 7; r++) {
            const double *item = runner_results_item(&one, v, r);
            cr_assert(item[METRIC_ARRIVALS * one.n_states + 1] > 0, "item (%d, %d) empty", v, r);
        }
    /* Common random numbers: the arrivals of replicate r are the same in every variant. */
    for (int v = 1; v < 5; v++)
        for (int r = 0; r < 7; r++)
            cr_assert_eq(runner_results_item(&one, v, r)[METRIC_ARRIVALS * one.n_states + 1],
                         runner_results_item(&one, 0, r)[METRIC_ARRIVALS * one.n_states + 1]);
    runner_results_free(&one);
    runner_free(runner);
    plan_free(plan);
    scenario_free(scenario);
    expect_no_leaks();
}

Test(runner, stop_flag_ends_the_run_with_a_prefix) {
    struct scenario *scenario = load("tests/run/sweep-small.yaml");
    struct plan *plan = level_plan(4);
    struct scenario_errors errors = {0};
    struct runner *runner = runner_alloc(scenario, plan, 0, &errors);
    cr_assert(runner);
    volatile sig_atomic_t stop = 1;
    struct runner_results results;
    execute(runner, 2, &stop, &results, 1);
    cr_assert_eq(results.interrupted, 1);
    cr_assert_eq(results.items_written, 0);
    cr_assert_eq(results.items_total, 20);
    runner_results_free(&results);
    runner_free(runner);
    plan_free(plan);
    scenario_free(scenario);
    expect_no_leaks();
}

Test(runner, invalid_variant_is_named_in_the_errors) {
    struct scenario *scenario = load("tests/run/sweep-small.yaml");
    struct plan *plan = plan_alloc(2);
    struct plan_axis axis;
    char err[256];
    cr_assert_eq(plan_axis_parse("sharing.level=0.5,7", &axis, err, sizeof err), 0);
    cr_assert_eq(plan_add_grid(plan, &axis, 1, err, sizeof err), 2);
    plan_axis_free(&axis);
    struct scenario_errors errors = {0};
    struct runner *runner = runner_alloc(scenario, plan, 0, &errors);
    cr_assert_null(runner);
    cr_assert(errors.count >= 1);
    /* The message names the variant's override once: its origin already reads
     * "sweep sharing.level=7", so no "variant ...:" copy is put in front. */
    const char *named = strstr(errors.messages[0], "sharing.level=7");
    cr_assert(named != NULL, "%s", errors.messages[0]);
    cr_assert(strstr(named + 1, "sharing.level=7") == NULL, "%s", errors.messages[0]);
    scenario_errors_clear(&errors);
    plan_free(plan);
    scenario_free(scenario);
    expect_no_leaks();
}

Test(runner, measure_variant_carries_its_cost) {
    struct scenario *scenario = load("tests/run/coalition-dummy.yaml");
    struct plan *plan = plan_alloc(1);
    cr_assert_eq(plan_add_variant(plan, "baseline", NULL, 0), 0);
    const struct scenario_override *overrides;
    int n = scenario_measure_overrides(scenario, 1, &overrides);
    int v = plan_add_variant(plan, scenario_measure_id(scenario, 1), overrides, n);
    cr_assert_eq(v, 1);
    plan->variants[v].measure = 1;
    struct scenario_errors errors = {0};
    struct runner *runner = runner_alloc(scenario, plan, 0, &errors);
    cr_assert(runner);
    cr_assert_eq(runner_world(runner, 0)->active_measure, -1);
    cr_assert_eq(runner_world(runner, 1)->active_measure, 1);
    cr_assert_float_eq(runner_world(runner, 1)->measure_cost, 5.0, 0);
    runner_free(runner);
    plan_free(plan);
    scenario_free(scenario);
    expect_no_leaks();
}
