/* test_robust.c — robust rankings on hand-computed cases: ranks, Kendall tau-b, probability of
 * being best, regret, rank stability, and the paired bootstrap's determinism. */
#include <criterion/criterion.h>
#include <math.h>

#include "robust.h"

#define CLOSE(a, b) cr_assert(fabs((a) - (b)) < 1e-9, "%s = %.12g, expected %.12g", #a, (a), (b))

Test(robust, ranks_share_ties) {
    double values[5] = {3, 5, 5, 1, 3}, ranks[5];
    robust_ranks(values, 5, ranks);
    CLOSE(ranks[1], 1.5);
    CLOSE(ranks[2], 1.5);
    CLOSE(ranks[0], 3.5);
    CLOSE(ranks[4], 3.5);
    CLOSE(ranks[3], 5);
}

Test(robust, kendall_tau_by_hand) {
    double x[5] = {1, 2, 3, 4, 5}, y[5] = {3, 4, 1, 2, 5}, reversed[5] = {5, 4, 3, 2, 1};
    CLOSE(robust_kendall_tau(x, y, 5), 0.2); /* 6 concordant, 4 discordant pairs */
    CLOSE(robust_kendall_tau(x, x, 5), 1.0);
    CLOSE(robust_kendall_tau(x, reversed, 5), -1.0);
    /* tau-b with one tie in y: 2 concordant of 3 pairs, over sqrt(3 * 2) */
    double a[3] = {1, 2, 3}, b[3] = {1.5, 1.5, 3};
    CLOSE(robust_kendall_tau(a, b, 3), 2.0 / sqrt(6.0));
    double constant[3] = {2, 2, 2};
    cr_assert(isnan(robust_kendall_tau(a, constant, 3)));
    cr_assert(isnan(robust_kendall_tau(a, a, 1)));
}

/* Three measures at a nominal point and four sampled points (values: higher is better). */
static const double case_values[5 * 3] = {
    3, 2, 1, /* nominal: ranks 1 2 3 */
    3, 2, 1, /* the same ranking: tau 1 */
    1, 2, 3, /* reversed: tau -1 */
    2, 3, 1, /* ranks 2 1 3: tau 1/3 */
    5, 5, 0, /* ranks 1.5 1.5 3: tau-b 2/sqrt(6) */
};

Test(robust, figures_by_hand) {
    struct robust_measure_figures f[3];
    struct robust_stability s;
    double tau[5];
    cr_assert_eq(robust_figures(case_values, 5, 3, f, &s, tau), 0);
    CLOSE(tau[0], 1.0);
    CLOSE(tau[1], 1.0);
    CLOSE(tau[2], -1.0);
    CLOSE(tau[3], 1.0 / 3.0);
    CLOSE(tau[4], 2.0 / sqrt(6.0));
    /* best: m0, m2, m1, and m0 tied with m1 at the last point (half each) */
    CLOSE(f[0].p_best, 0.375);
    CLOSE(f[1].p_best, 0.375);
    CLOSE(f[2].p_best, 0.25);
    /* regrets: m0 0 2 1 0; m1 1 1 0 0; m2 2 0 2 5; q90 interpolates at 0.9 * 3 = 2.7 */
    CLOSE(f[0].regret_mean, 0.75);
    CLOSE(f[0].regret_max, 2.0);
    CLOSE(f[0].regret_q90, 1.7);
    CLOSE(f[1].regret_mean, 0.5);
    CLOSE(f[1].regret_max, 1.0);
    CLOSE(f[1].regret_q90, 1.0);
    CLOSE(f[2].regret_mean, 2.25);
    CLOSE(f[2].regret_max, 5.0);
    CLOSE(f[2].regret_q90, 4.1);
    CLOSE(f[0].rank_mean, 1.875);
    CLOSE(f[1].rank_mean, 1.625);
    CLOSE(f[2].rank_mean, 2.5);
    CLOSE(f[0].nominal_rank, 1.0);
    CLOSE(f[2].nominal_rank, 3.0);
    CLOSE(f[0].p_nominal_rank, 0.25);
    CLOSE(f[1].p_nominal_rank, 0.5);
    CLOSE(f[2].p_nominal_rank, 0.75);
    CLOSE(s.tau_mean, (1.0 - 1.0 + 1.0 / 3.0 + 2.0 / sqrt(6.0)) / 4.0);
    CLOSE(s.tau_median, (1.0 / 3.0 + 2.0 / sqrt(6.0)) / 2.0);
    CLOSE(s.tau_min, -1.0);
    CLOSE(s.p_identical, 0.25);
    CLOSE(s.p_same_best, 0.375);
}

Test(robust, values_average_the_resample_and_divide_by_cost) {
    /* 1 point, 2 measures, 3 replicates: averted [1 2 6] and [3 3 0] */
    double averted[6] = {1, 2, 6, 3, 3, 0}, cost[2] = {2, 0};
    double per_cost[2], mean[2];
    robust_values(averted, cost, 1, 2, 3, NULL, per_cost, mean);
    CLOSE(mean[0], 3.0);
    CLOSE(mean[1], 2.0);
    CLOSE(per_cost[0], 1.5);
    cr_assert(isinf(per_cost[1]) && per_cost[1] > 0); /* free and averting: +inf */
    int resample[3] = {2, 2, 0};
    robust_values(averted, cost, 1, 2, 3, resample, per_cost, mean);
    CLOSE(mean[0], 13.0 / 3.0);
    CLOSE(mean[1], 1.0);
}

/* 3 points x 2 measures x 4 replicates: measure 1 wins at points 0 and 1, measure 0 at point 2
 * in every replicate; with no replicate spread the intervals collapse on the estimates. */
Test(robust, bootstrap_is_deterministic_and_collapses_without_spread) {
    double averted[3 * 2 * 4], cost[2] = {1, 1};
    static const double means[3][2] = {{1, 2}, {1, 3}, {4, 2}};
    for (int p = 0; p < 3; p++)
        for (int m = 0; m < 2; m++)
            for (int r = 0; r < 4; r++) averted[(p * 2 + m) * 4 + r] = means[p][m];
    struct robust_result a, b;
    char err[256];
    cr_assert_eq(robust_compute(averted, cost, 3, 2, 4, 50, 7, &a, err, sizeof err), 0, "%s", err);
    for (int c = 0; c < ROBUST_CRITERIA; c++) {
        CLOSE(a.figures[c][0].p_best, 0.5);
        CLOSE(a.figures[c][1].p_best, 0.5);
        CLOSE(a.interval[c].low[0].p_best, 0.5);
        CLOSE(a.interval[c].high[0].p_best, 0.5);
        CLOSE(a.interval[c].low[1].regret_mean, 1.0);
        CLOSE(a.interval[c].high[1].regret_mean, 1.0);
        CLOSE(a.stability[c].tau_mean, 0.0); /* tau 1 at point 1, -1 at point 2 */
    }
    /* with spread: the same seed gives the same intervals, and they contain the estimate */
    for (int i = 0; i < 3 * 2 * 4; i++) averted[i] += (double)((i * 7919) % 5) - 2.0;
    robust_result_free(&a);
    cr_assert_eq(robust_compute(averted, cost, 3, 2, 4, 200, 7, &a, err, sizeof err), 0);
    cr_assert_eq(robust_compute(averted, cost, 3, 2, 4, 200, 7, &b, err, sizeof err), 0);
    for (int c = 0; c < ROBUST_CRITERIA; c++)
        for (int m = 0; m < 2; m++) {
            cr_assert_eq(a.interval[c].low[m].regret_mean, b.interval[c].low[m].regret_mean);
            cr_assert_eq(a.interval[c].high[m].regret_mean, b.interval[c].high[m].regret_mean);
            cr_assert(a.interval[c].low[m].regret_mean <= a.interval[c].high[m].regret_mean);
            cr_assert(a.interval[c].low[m].p_best <= a.figures[c][m].p_best + 1e-12);
            cr_assert(a.interval[c].high[m].p_best >= a.figures[c][m].p_best - 1e-12);
        }
    robust_result_free(&a);
    robust_result_free(&b);
}

Test(robust, refuses_empty_sizes) {
    struct robust_result r;
    char err[256];
    double averted[1] = {0}, cost[1] = {1};
    cr_assert_eq(robust_compute(averted, cost, 0, 1, 1, 0, 1, &r, err, sizeof err), -1);
    cr_assert_eq(robust_compute(averted, cost, 1, 1, 1, -1, 1, &r, err, sizeof err), -1);
}
