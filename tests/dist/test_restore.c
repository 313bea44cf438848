/* test_restore.c — the pieces of --resume and of MPI distribution through the C API: running a
 * list of items, the hooks (every item once, in list order), reading an interrupted file's
 * figures back (bit-identical to what the runner kept), and the refusal of items not in the plan.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../engine/io/h5in.h"
#include "../common/leak_check.h"
#include "plan.h"
#include "runner.h"
#include "scenario.h"

static struct scenario *load(const char *relative) {
    const char *root = getenv("C5SIM_SOURCE_ROOT");
    cr_assert(root, "C5SIM_SOURCE_ROOT is not set (run through meson test)");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root, relative);
    struct scenario_errors errors = {0};
    struct scenario *scenario = scenario_load_file(path, &errors);
    scenario_errors_clear(&errors);
    cr_assert(scenario);
    return scenario;
}

/* 3 variants (sharing.level 0, 0.5, 1) x `replicates`. */
static struct plan *level_plan(int replicates) {
    struct plan *plan = plan_alloc(replicates);
    struct plan_axis axis;
    char err[256];
    cr_assert_eq(plan_axis_parse("sharing.level=0:1:0.5", &axis, err, sizeof err), 0);
    cr_assert_eq(plan_add_grid(plan, &axis, 1, err, sizeof err), 3);
    plan_axis_free(&axis);
    return plan;
}

struct fixture {
    struct scenario *scenario;
    struct plan *plan;
    struct runner *runner;
    struct runner_results full; /* every item, one call */
};

static void setup(struct fixture *f, int replicates) {
    f->scenario = load("tests/run/sweep-small.yaml");
    f->plan = level_plan(replicates);
    struct scenario_errors errors = {0};
    f->runner = runner_alloc(f->scenario, f->plan, 0, &errors);
    cr_assert(f->runner);
    struct runner_options options = {.threads = 2};
    char err[512] = "";
    cr_assert_eq(runner_execute(f->runner, &options, NULL, &f->full, err, sizeof err), 0, "%s",
                 err);
}

static void teardown(struct fixture *f) {
    runner_results_free(&f->full);
    runner_free(f->runner);
    plan_free(f->plan);
    scenario_free(f->scenario);
}

static size_t item_values(const struct runner_results *r) {
    return (size_t)METRIC_COUNT * (size_t)r->n_states;
}

static const double *item_type_harm(const struct runner_results *r, long item) {
    return r->type_harm + (size_t)item * (size_t)r->n_types;
}

Test(restore, listed_items_only_and_the_same_bits) {
    struct fixture f;
    setup(&f, 8);
    struct runner_results part;
    char err[512] = "";
    cr_assert_eq(runner_results_alloc(f.runner, &part, err, sizeof err), 0);
    /* Every third item, on one thread. */
    long items[16];
    long n = 0;
    for (long item = 1; item < f.full.items_total; item += 3) items[n++] = item;
    struct runner_options options = {.threads = 1};
    cr_assert_eq(
        runner_execute_items(f.runner, &options, items, n, NULL, &part, NULL, err, sizeof err), 0,
        "%s", err);
    cr_assert_eq(part.items_written, n);
    for (long item = 0; item < f.full.items_total; item++) {
        int listed = item % 3 == 1;
        const double *got = part.totals + (size_t)item * item_values(&part);
        const double *want = f.full.totals + (size_t)item * item_values(&f.full);
        if (listed) {
            cr_assert_eq(memcmp(got, want, item_values(&part) * sizeof(double)), 0,
                         "item %ld differs", item);
            cr_assert_eq(memcmp(item_type_harm(&part, item), item_type_harm(&f.full, item),
                                (size_t)part.n_types * sizeof(double)),
                         0);
        } else {
            for (size_t i = 0; i < item_values(&part); i++)
                cr_assert_eq(got[i], 0.0, "item %ld was not listed but changed", item);
        }
    }
    runner_results_free(&part);
    teardown(&f);
    expect_no_leaks();
}

struct order_check {
    long calls, polls, expected_next;
    const long *items;
    int out_of_order;
};

static int check_order(void *context, long index, long item, const struct sim_result *result,
                       const struct sim_event *events, size_t n_events, char *err, size_t errlen) {
    struct order_check *check = context;
    (void)result, (void)events, (void)n_events, (void)err, (void)errlen;
    if (index != check->expected_next || item != check->items[index]) check->out_of_order = 1;
    check->expected_next = index + 1;
    check->calls++;
    return 0;
}

static int count_polls(void *context, char *err, size_t errlen) {
    (void)err, (void)errlen;
    ((struct order_check *)context)->polls++;
    return 0;
}

Test(restore, hooks_get_every_item_once_in_list_order) {
    struct fixture f;
    setup(&f, 10);
    long items[30];
    long n = 0;
    for (long item = f.full.items_total - 1; item >= 0; item -= 2) items[n++] = item;
    struct order_check check = {.items = items};
    struct runner_hooks hooks = {.context = &check, .on_result = check_order, .poll = count_polls};
    struct runner_options options = {.threads = 2};
    char err[512] = "";
    cr_assert_eq(
        runner_execute_items(f.runner, &options, items, n, NULL, NULL, &hooks, err, sizeof err), 0,
        "%s", err);
    cr_assert_eq(check.calls, n);
    cr_assert_eq(check.out_of_order, 0, "items were handed over out of list order");
    cr_assert_geq(check.polls, 1);
    teardown(&f);
    expect_no_leaks();
}

static int refuse_third(void *context, long index, long item, const struct sim_result *result,
                        const struct sim_event *events, size_t n_events, char *err, size_t errlen) {
    (void)context, (void)item, (void)result, (void)events, (void)n_events;
    if (index < 2) return 0;
    snprintf(err, errlen, "the sink refused item %ld", index);
    return -1;
}

Test(restore, a_failing_hook_fails_the_run_with_its_message) {
    struct fixture f;
    setup(&f, 4);
    long items[] = {0, 1, 2, 3, 4, 5};
    struct runner_hooks hooks = {.on_result = refuse_third};
    struct runner_options options = {.threads = 2};
    char err[512] = "";
    cr_assert_eq(
        runner_execute_items(f.runner, &options, items, 6, NULL, NULL, &hooks, err, sizeof err),
        -1);
    cr_assert(strstr(err, "the sink refused item 2"), "%s", err);
    teardown(&f);
    expect_no_leaks();
}

Test(restore, items_outside_the_plan_refused) {
    struct fixture f;
    setup(&f, 2);
    struct runner_results part;
    char err[512] = "";
    cr_assert_eq(runner_results_alloc(f.runner, &part, err, sizeof err), 0);
    long items[] = {0, 6};
    struct runner_options options = {.threads = 1};
    cr_assert_eq(
        runner_execute_items(f.runner, &options, items, 2, NULL, &part, NULL, err, sizeof err), -1);
    cr_assert(strstr(err, "work item 6 is not in the plan"), "%s", err);
    runner_results_free(&part);
    teardown(&f);
    expect_no_leaks();
}

Test(restore, figures_read_back_from_an_interrupted_file_are_the_same_bits) {
    struct fixture f;
    setup(&f, 9);
    char dir[] = "/tmp/c5sim-restore-XXXXXX", path[256], err[1024] = "";
    cr_assert(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/out.h5", dir);
    size_t length = 0;
    const char *source = scenario_source(f.scenario, &length);
    struct h5out_provenance provenance = {
        .command = "sweep",
        .command_line = "test",
        .scenario_filename = "sweep-small.yaml",
        .scenario_source = source,
        .scenario_length = length,
        .seed = 4242,
        .replicates = 9,
        .ticks = runner_world(f.runner, 0)->ticks,
    };
    struct h5out *out = h5out_create(path, 0, &provenance, err, sizeof err);
    cr_assert(out, "%s", err);
    struct runner_options options = {.threads = 2, .stop_after_items = 13};
    cr_assert_eq(h5out_write_world(out, runner_world(f.runner, 0)), 0);
    cr_assert_eq(runner_begin_output(f.runner, out, &options, err, sizeof err), 0, "%s", err);
    struct runner_results stopped;
    cr_assert_eq(runner_execute(f.runner, &options, out, &stopped, err, sizeof err), 1, "%s", err);
    cr_assert_eq(stopped.items_written, 13);
    h5out_abort(out);
    runner_results_free(&stopped);

    struct runner_results back;
    cr_assert_eq(runner_results_alloc(f.runner, &back, err, sizeof err), 0);
    unsigned char done[27] = {0};
    char partial[300];
    snprintf(partial, sizeof partial, "%s.partial", path);
    cr_assert_eq(runner_results_restore(&back, partial, done, err, sizeof err), 0, "%s", err);
    cr_assert_eq(back.items_written, 13);
    for (long item = 0; item < 27; item++) {
        cr_assert_eq(done[item], item < 13, "item %ld: done = %d", item, done[item]);
        if (!done[item]) continue;
        cr_assert_eq(memcmp(back.totals + (size_t)item * item_values(&back),
                            f.full.totals + (size_t)item * item_values(&f.full),
                            item_values(&back) * sizeof(double)),
                     0, "totals of item %ld differ", item);
        cr_assert_eq(memcmp(item_type_harm(&back, item), item_type_harm(&f.full, item),
                            (size_t)back.n_types * sizeof(double)),
                     0, "type harm of item %ld differs", item);
    }
    /* The reader's own view of the file. */
    struct h5in *in = h5in_open(partial, err, sizeof err);
    cr_assert(in, "%s", err);
    char command[32];
    unsigned long long seed = 0;
    cr_assert_eq(h5in_attr_string(in, "/", "command", command, sizeof command, err, sizeof err), 0);
    cr_assert_str_eq(command, "sweep");
    cr_assert_eq(h5in_attr_u64(in, "/", "seed", &seed, err, sizeof err), 0);
    cr_assert_eq(seed, 4242);
    cr_assert_eq(h5in_attr_string(in, "/", "no_such", command, sizeof command, err, sizeof err), 1);
    cr_assert_eq(h5in_group_size(in, "/variants", err, sizeof err), 3);
    h5in_close(in);
    runner_results_free(&back);
    unlink(partial);
    rmdir(dir);
    teardown(&f);
    expect_no_leaks();
}

Test(restore, unreadable_file_refused) {
    char err[512] = "";
    cr_assert_null(h5in_open("/nonexistent/none.h5.partial", err, sizeof err));
    cr_assert(strstr(err, "not a readable HDF5 file"), "%s", err);
    expect_no_leaks();
}
