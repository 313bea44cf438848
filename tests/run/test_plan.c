/* test_plan.c — sweep axes (--vary parsing), the grid of variants and their labels. */
#include <criterion/criterion.h>
#include <string.h>

#include "plan.h"
#include "../common/leak_check.h"

Test(plan, range_includes_end_and_rounds) {
    struct plan_axis axis;
    char err[256];
    cr_assert_eq(plan_axis_parse("sharing.level=0:1:0.1", &axis, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(axis.path, "sharing.level");
    cr_assert_eq(axis.n_values, 11);
    cr_assert_str_eq(axis.values[0], "0");
    cr_assert_str_eq(axis.values[3], "0.3"); /* not 0.30000000000000004 */
    cr_assert_str_eq(axis.values[7], "0.7");
    cr_assert_str_eq(axis.values[10], "1");
    plan_axis_free(&axis);
    expect_no_leaks();
}

Test(plan, integer_range_and_descending_range) {
    struct plan_axis axis;
    char err[256];
    cr_assert_eq(plan_axis_parse("run.ticks=10:30:10", &axis, err, sizeof err), 0);
    cr_assert_eq(axis.n_values, 3);
    cr_assert_str_eq(axis.values[2], "30");
    plan_axis_free(&axis);
    cr_assert_eq(plan_axis_parse("x=1:0:-0.25", &axis, err, sizeof err), 0);
    cr_assert_eq(axis.n_values, 5);
    cr_assert_str_eq(axis.values[1], "0.75");
    cr_assert_str_eq(axis.values[4], "0");
    plan_axis_free(&axis);
    /* B not on the grid: stops below it. */
    cr_assert_eq(plan_axis_parse("x=0:1:0.3", &axis, err, sizeof err), 0);
    cr_assert_eq(axis.n_values, 4);
    cr_assert_str_eq(axis.values[3], "0.9");
    plan_axis_free(&axis);
    expect_no_leaks();
}

Test(plan, list_of_values) {
    struct plan_axis axis;
    char err[256];
    cr_assert_eq(plan_axis_parse("sharing.policy=withhold,full,level", &axis, err, sizeof err), 0);
    cr_assert_eq(axis.n_values, 3);
    cr_assert_str_eq(axis.values[1], "full");
    plan_axis_free(&axis);
    /* One value is a list of one. */
    cr_assert_eq(plan_axis_parse("a.b=0.5", &axis, err, sizeof err), 0);
    cr_assert_eq(axis.n_values, 1);
    plan_axis_free(&axis);
    expect_no_leaks();
}

Test(plan, bad_specs_are_refused_with_a_message) {
    struct plan_axis axis;
    char err[256];
    const char *bad[] = {"novalue", "=1,2", "a=", "a=1,,2", "a=0:1:0", "a=0:1:-0.1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        cr_assert_eq(plan_axis_parse(bad[i], &axis, err, sizeof err), -1, "%s accepted", bad[i]);
        cr_assert(strlen(err) > 0, "no message for %s", bad[i]);
    }
    expect_no_leaks();
}

Test(plan, grid_of_two_axes_last_turns_fastest) {
    struct plan_axis axes[2];
    char err[256];
    cr_assert_eq(plan_axis_parse("sharing.level=0:1:0.5", &axes[0], err, sizeof err), 0);
    cr_assert_eq(plan_axis_parse("sharing.latency=0,2", &axes[1], err, sizeof err), 0);
    struct plan *plan = plan_alloc(7);
    cr_assert_eq(plan_add_grid(plan, axes, 2, err, sizeof err), 6);
    cr_assert_eq(plan->n_variants, 6);
    cr_assert_eq(plan_item_count(plan), 42);
    cr_assert_str_eq(plan->variants[0].label, "sharing.level=0, sharing.latency=0");
    cr_assert_str_eq(plan->variants[1].label, "sharing.level=0, sharing.latency=2");
    cr_assert_str_eq(plan->variants[5].label, "sharing.level=1, sharing.latency=2");
    cr_assert_eq(plan->variants[3].n_overrides, 2);
    cr_assert_str_eq(plan->variants[3].overrides[0].path, "sharing.level");
    cr_assert_str_eq(plan->variants[3].overrides[0].value, "0.5");
    cr_assert_str_eq(plan->variants[3].override_texts[1], "sharing.latency=2");
    cr_assert_eq(plan_find_variant(plan, "sharing.level=0.5, sharing.latency=0"), 2);
    cr_assert_eq(plan_find_variant(plan, "nope"), -1);
    plan_free(plan);
    plan_axis_free(&axes[0]);
    plan_axis_free(&axes[1]);
    expect_no_leaks();
}
