/* test_lp.c — the dense simplex (engine/util/lp.h) on textbook LPs whose answers are known:
 * optimal, infeasible, unbounded, degenerate (a cycling example), free variables, equalities. */
#include <criterion/criterion.h>
#include <math.h>

#include "lp.h"
#include "../common/leak_check.h"

static int solve(int n, int m, const double *c, const double *a, const double *b, const int *sense,
                 const int *is_free, double *x, double *z) {
    struct lp_problem p = {
        .n_vars = n, .n_rows = m, .c = c, .a = a, .b = b, .sense = sense, .is_free = is_free};
    return lp_solve(&p, x, z);
}

Test(lp, wyndor_glass_optimum) {
    /* Hillier & Lieberman: max 3x + 5y s.t. x <= 4, 2y <= 12, 3x + 2y <= 18: (2, 6), 36. */
    double c[] = {-3, -5}, a[] = {1, 0, 0, 2, 3, 2}, b[] = {4, 12, 18}, x[2], z = 0;
    int sense[] = {LP_LE, LP_LE, LP_LE};
    cr_assert_eq(solve(2, 3, c, a, b, sense, NULL, x, &z), LP_OPTIMAL);
    cr_assert(fabs(x[0] - 2) < 1e-12 && fabs(x[1] - 6) < 1e-12, "x = %g %g", x[0], x[1]);
    cr_assert(fabs(z + 36) < 1e-12, "z = %g", z);
    expect_no_leaks();
}

Test(lp, diet_problem_with_ge_rows) {
    /* min 0.6x + y s.t. 10x + 4y >= 20, 5x + 5y >= 20, 2x + 6y >= 12: (3, 1), 2.8 (a vertex
     * reached only through phase 1). */
    double c[] = {0.6, 1}, a[] = {10, 4, 5, 5, 2, 6}, b[] = {20, 20, 12}, x[2], z = 0;
    int sense[] = {LP_GE, LP_GE, LP_GE};
    cr_assert_eq(solve(2, 3, c, a, b, sense, NULL, x, &z), LP_OPTIMAL);
    cr_assert(fabs(x[0] - 3) < 1e-12 && fabs(x[1] - 1) < 1e-12, "x = %g %g", x[0], x[1]);
    cr_assert(fabs(z - 2.8) < 1e-12, "z = %g", z);
    expect_no_leaks();
}

Test(lp, infeasible) {
    double c[] = {1, 1}, a[] = {1, 1, 1, 1}, b[] = {1, 2}, x[2] = {7, 7}, z = 7;
    int sense[] = {LP_LE, LP_GE};
    cr_assert_eq(solve(2, 2, c, a, b, sense, NULL, x, &z), LP_INFEASIBLE);
    cr_assert(x[0] == 7 && z == 7); /* untouched */
    expect_no_leaks();
}

Test(lp, unbounded) {
    /* max x + y s.t. x - y <= 1 */
    double c[] = {-1, -1}, a[] = {1, -1}, b[] = {1}, x[2], z;
    int sense[] = {LP_LE};
    cr_assert_eq(solve(2, 1, c, a, b, sense, NULL, x, &z), LP_UNBOUNDED);
    /* a free variable with a cost and no row */
    int is_free[] = {1, 0};
    double c2[] = {1, 0};
    cr_assert_eq(solve(2, 0, c2, NULL, NULL, NULL, is_free, x, &z), LP_UNBOUNDED);
    expect_no_leaks();
}

Test(lp, degenerate_cycling_example_terminates) {
    /* Chvatal's cycling example (Linear Programming, 1983, ch. 3): the largest-coefficient
     * rule cycles; Bland's rule reaches max 10x1 - 57x2 - 9x3 - 24x4 = 1 at (1, 0, 1, 0). */
    double c[] = {-10, 57, 9, 24};
    double a[] = {0.5, -5.5, -2.5, 9, 0.5, -1.5, -0.5, 1, 1, 0, 0, 0};
    double b[] = {0, 0, 1}, x[4], z;
    int sense[] = {LP_LE, LP_LE, LP_LE};
    cr_assert_eq(solve(4, 3, c, a, b, sense, NULL, x, &z), LP_OPTIMAL);
    cr_assert(fabs(z + 1) < 1e-12, "z = %g", z);
    cr_assert(fabs(x[0] - 1) < 1e-12 && fabs(x[2] - 1) < 1e-12 && fabs(x[1]) < 1e-12 &&
                  fabs(x[3]) < 1e-12,
              "x = %g %g %g %g", x[0], x[1], x[2], x[3]);
    expect_no_leaks();
}

Test(lp, beale_degenerate_example) {
    /* Beale (1955): min -3/4 x4 + 150 x5 - 1/50 x6 + 6 x7, optimum -1/20 at x4 = 1/25, x6 = 1. */
    double c[] = {-0.75, 150, -0.02, 6};
    double a[] = {0.25, -60, -0.04, 9, 0.5, -90, -0.02, 3, 0, 0, 1, 0};
    double b[] = {0, 0, 1}, x[4], z;
    int sense[] = {LP_LE, LP_LE, LP_LE};
    cr_assert_eq(solve(4, 3, c, a, b, sense, NULL, x, &z), LP_OPTIMAL);
    cr_assert(fabs(z + 0.05) < 1e-12, "z = %g", z);
    cr_assert(fabs(x[0] - 0.04) < 1e-12 && fabs(x[2] - 1) < 1e-12, "x = %g %g", x[0], x[2]);
    expect_no_leaks();
}

Test(lp, free_variables_negative_right_hand_sides_and_equalities) {
    /* min x s.t. x >= -3 with x free: -3 (a row flipped to b >= 0) */
    double c[] = {1}, a[] = {1}, b[] = {-3}, x[2], z;
    int sense[] = {LP_GE}, is_free[] = {1, 1};
    cr_assert_eq(solve(1, 1, c, a, b, sense, is_free, x, &z), LP_OPTIMAL);
    cr_assert(fabs(x[0] + 3) < 1e-12 && fabs(z + 3) < 1e-12, "x = %g", x[0]);
    /* min x - y s.t. x + y = 1, 2x + 2y = 2 (redundant), x - y >= -5, both free: (-2, 3), -5 */
    double c2[] = {1, -1}, a2[] = {1, 1, 2, 2, 1, -1}, b2[] = {1, 2, -5};
    int sense2[] = {LP_EQ, LP_EQ, LP_GE};
    cr_assert_eq(solve(2, 3, c2, a2, b2, sense2, is_free, x, &z), LP_OPTIMAL);
    cr_assert(fabs(x[0] + 2) < 1e-12 && fabs(x[1] - 3) < 1e-12, "x = %g %g", x[0], x[1]);
    cr_assert(fabs(z + 5) < 1e-12, "z = %g", z);
    expect_no_leaks();
}

Test(lp, bad_arguments_are_errors) {
    double c[] = {1}, x[1], z;
    cr_assert_eq(solve(0, 0, c, NULL, NULL, NULL, NULL, x, &z), LP_ERROR);
    cr_assert_eq(solve(LP_MAX_VARS + 1, 0, c, NULL, NULL, NULL, NULL, x, &z), LP_ERROR);
    cr_assert_str_eq(lp_status_name(LP_UNBOUNDED), "unbounded");
    expect_no_leaks();
}
