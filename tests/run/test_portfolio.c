/* test_portfolio.c — portfolio_* on payoffs whose answers are known: package masks, costs, the
 * Pareto frontier, the best package per budget, interactions with their intervals, the heuristic
 * against the exhaustive answer, and cost shares computed by hand. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "portfolio.h"
#include "../common/leak_check.h"

Test(portfolio, package_masks_exhaustive_then_pairs) {
    uint64_t masks[4096];
    cr_assert_eq(portfolio_package_masks(3, masks), 8);
    for (int i = 0; i < 8; i++) cr_assert_eq(masks[i], (uint64_t)i);
    cr_assert_eq(portfolio_package_masks(12, NULL), 4096);
    long count = portfolio_package_masks(13, NULL);
    cr_assert_eq(count, 1 + 13 + 13 * 12 / 2);
    portfolio_package_masks(13, masks);
    cr_assert_eq(masks[0], 0u);
    cr_assert_eq(masks[1], 1u);
    cr_assert_eq(masks[14], 3u); /* the first pair */
    cr_assert_eq(masks[count - 1], (1ull << 11) | (1ull << 12));
    cr_assert_eq(portfolio_package_masks(0, NULL), -1);
    cr_assert_eq(portfolio_package_masks(63, NULL), -1);
    double costs[3] = {1.5, 2, 4};
    cr_assert_float_eq(portfolio_cost(costs, 3, 5), 5.5, 1e-15);
    cr_assert_eq(portfolio_size(7), 3);
    cr_assert_eq(portfolio_find(masks, (int)count, 3), 14);
    cr_assert_eq(portfolio_find(masks, (int)count, 7), -1);
}

/* Harm of package i in replicate r: base noise shared by every package (common random numbers)
 * minus the package's effect; the effect of a mask is additive with an interaction on {0,1}. */
static double effect_of(uint64_t mask) {
    static const double single[3] = {10, 8, 3};
    double e = 0;
    for (int m = 0; m < 3; m++)
        if (mask >> m & 1) e += single[m];
    if ((mask & 3) == 3) e -= 6; /* measures 0 and 1 stop the same threats */
    return e;
}

static void toy_harm(double *harm, int replicates, double spread) {
    for (int i = 0; i < 8; i++)
        for (int r = 0; r < replicates; r++) {
            double noise = 100 + 7 * sin(1.7 * r + 0.3);        /* common to every package */
            double own = spread * cos(2.3 * r + 1.1 * i + 0.5); /* the package's own noise */
            harm[i * replicates + r] = noise - effect_of((uint64_t)i) + own;
        }
}

Test(portfolio, evaluate_frontier_budget_and_interactions) {
    enum { R = 200 };
    double harm[8 * R];
    toy_harm(harm, R, 0.5);
    uint64_t masks[8];
    portfolio_package_masks(3, masks);
    double costs[3] = {5, 4, 2};
    struct portfolio_package p[8];
    cr_assert_eq(portfolio_evaluate(masks, 8, costs, 3, harm, R, p), 0);
    for (int i = 0; i < 8; i++) {
        cr_assert_float_eq(p[i].cost, portfolio_cost(costs, 3, (uint64_t)i), 1e-12);
        /* the common noise cancels in the paired difference: the interval is narrow */
        cr_assert(fabs(p[i].averted.mean - effect_of((uint64_t)i)) < 0.2, "%d: %g", i,
                  p[i].averted.mean);
        cr_assert(p[i].averted.ci_high - p[i].averted.ci_low < 0.5);
    }
    /* interaction of {0,1} is -6, of {0,2} and {1,2} is 0; singletons have none */
    cr_assert(isnan(p[1].interaction.mean) && isnan(p[0].interaction.mean));
    cr_assert(p[3].interaction.ci_low < -6 + 0.3 && p[3].interaction.ci_high > -6 - 0.3);
    cr_assert(p[3].interaction.ci_high < 0, "the redundancy is detected");
    cr_assert(fabs(p[5].interaction.mean) < 0.2 && fabs(p[6].interaction.mean) < 0.2);
    cr_assert(fabs(p[7].interaction.mean + 6) < 0.2);

    /* effects: {}0 c0, {0}10 c5, {1}8 c4, {2}3 c2, {0,1}12 c9, {0,2}13 c7, {1,2}11 c6, all 15 c11.
     * Frontier by cost: {} (0), {2} (2), {1} (4), {0} (5), {1,2} (6), {0,2} (7), all (11);
     * {0,1} (c9, 12) is dominated by {0,2} (c7, 13). */
    int frontier[8];
    int n = portfolio_pareto(p, 8, frontier);
    int expected[] = {0, 4, 2, 1, 6, 5, 7};
    cr_assert_eq(n, 7);
    for (int i = 0; i < n; i++) cr_assert_eq(frontier[i], expected[i], "%d: %d", i, frontier[i]);
    cr_assert_eq(p[3].on_frontier, 0);

    int second;
    cr_assert_eq(portfolio_best(p, 8, 6.5, &second), 6); /* {1,2}: 11 */
    cr_assert_eq(second, 1);                             /* {0}: 10 */
    cr_assert_eq(portfolio_best(p, 8, 100, &second), 7);
    cr_assert_eq(portfolio_best(p, 8, 0, &second), 0);
    cr_assert_eq(second, -1);
    cr_assert_eq(portfolio_best(p, 8, -1, NULL), -1);
    struct stats_difference d;
    portfolio_compare(harm, R, 6, 1, &d); /* 11 - 10 = 1, well resolved with low noise */
    cr_assert(fabs(d.mean - 1) < 0.2 && d.ci_low > 0);
}

Test(portfolio, best_not_distinguishable_from_runner_up_under_noise) {
    enum { R = 20 };
    double harm[8 * R];
    toy_harm(harm, R, 30); /* package noise dwarfs the 1-unit gap between {1,2} and {0} */
    uint64_t masks[8];
    portfolio_package_masks(3, masks);
    double costs[3] = {5, 4, 2};
    struct portfolio_package p[8];
    cr_assert_eq(portfolio_evaluate(masks, 8, costs, 3, harm, R, p), 0);
    int second, best = portfolio_best(p, 8, 6.5, &second);
    cr_assert(best >= 0 && second >= 0);
    struct stats_difference d;
    portfolio_compare(harm, R, best, second, &d);
    cr_assert(d.ci_low < 0 && d.ci_high > 0, "[%g, %g]", d.ci_low, d.ci_high);
}

/* Synthetic additive-plus-interaction payoff over n measures, for the heuristic. */
struct payoff {
    int n;
    double single[16];
    double pair[16][16];
    double triple; /* on measures 0, 1, 2 together */
};

static double payoff_value(void *context, uint64_t mask) {
    const struct payoff *p = context;
    double v = 0;
    for (int i = 0; i < p->n; i++) {
        if (!(mask >> i & 1)) continue;
        v += p->single[i];
        for (int j = i + 1; j < p->n; j++)
            if (mask >> j & 1) v += p->pair[i][j];
    }
    if ((mask & 7) == 7) v += p->triple;
    return v;
}

Test(portfolio, heuristic_matches_exhaustive_on_small_cases) {
    /* a fixed pseudo-random family of payoffs (a linear congruential generator: reproducible) */
    unsigned long long state = 12345;
#define NEXT()    ((state = state * 6364136223846793005ull + 1442695040888963407ull) >> 11)
#define UNIFORM() ((double)NEXT() / 9007199254740992.0)
    int agree = 0, cases = 0;
    double worst = 1;
    for (int c = 0; c < 40; c++) {
        struct payoff p = {.n = 8};
        double costs[16];
        for (int i = 0; i < p.n; i++) {
            p.single[i] = 5 + 20 * UNIFORM();
            costs[i] = 1 + 9 * UNIFORM();
            for (int j = i + 1; j < p.n; j++)
                p.pair[i][j] = UNIFORM() < 0.3 ? -0.5 * fmin(p.single[i], 25) * UNIFORM() : 0;
        }
        p.triple = 3 * UNIFORM();
        double total = portfolio_cost(costs, p.n, (1ull << p.n) - 1);
        for (int b = 1; b <= 3; b++) {
            double budget = total * b / 4.0;
            uint64_t exact = portfolio_search_exhaustive(p.n, costs, budget, payoff_value, &p);
            uint64_t found = portfolio_search_heuristic(p.n, costs, budget, payoff_value, &p);
            cr_assert(portfolio_cost(costs, p.n, found) <= budget,
                      "the heuristic keeps the budget");
            double ve = payoff_value(&p, exact), vf = payoff_value(&p, found);
            cr_assert(vf <= ve + 1e-9, "the exhaustive answer is the optimum");
            cases++;
            agree += fabs(vf - ve) < 1e-9;
            if (vf / ve < worst) worst = vf / ve;
        }
    }
    /* not a guarantee (knapsack is hard), but on these payoffs the local search should nearly
     * always reach the optimum and never fall far short of it */
    cr_assert(agree >= cases * 9 / 10, "%d of %d", agree, cases);
    cr_assert(worst > 0.9, "worst ratio %g", worst);
    cr_log_info("heuristic = exhaustive in %d of %d cases, worst ratio %.4f", agree, cases, worst);
#undef NEXT
#undef UNIFORM
}

Test(portfolio, heuristic_escapes_the_greedy_trap) {
    /* greedy by ratio takes the cheap measure 0 first and then cannot afford 1, which alone is
     * the best; the single-measure check and the swaps find it */
    struct payoff p = {.n = 3, .single = {2, 9, 1}};
    double costs[3] = {1, 10, 1};
    uint64_t found = portfolio_search_heuristic(3, costs, 10, payoff_value, &p);
    cr_assert_eq(found, 2u);
    cr_assert_eq(portfolio_search_exhaustive(3, costs, 10, payoff_value, &p), 2u);
}

Test(portfolio, surrogate_is_exact_for_pairwise_payoffs) {
    /* packages of a 13-measure plan (singletons and pairs) from a pairwise payoff: the surrogate
     * reproduces the payoff on every mask */
    struct payoff p = {.n = 13};
    for (int i = 0; i < 13; i++) {
        p.single[i] = i + 1;
        for (int j = i + 1; j < 13; j++) p.pair[i][j] = (i + j) % 3 == 0 ? -0.5 : 0;
    }
    long count = portfolio_package_masks(13, NULL);
    uint64_t *masks = malloc((size_t)count * sizeof *masks);
    struct portfolio_package *packages = calloc((size_t)count, sizeof *packages);
    portfolio_package_masks(13, masks);
    for (long i = 0; i < count; i++) {
        packages[i].mask = masks[i];
        packages[i].size = portfolio_size(masks[i]);
        packages[i].averted.mean = payoff_value(&p, masks[i]);
    }
    struct portfolio_surrogate s;
    cr_assert_eq(portfolio_surrogate_alloc(&s, 13, packages, (int)count), 0);
    for (uint64_t mask = 0; mask < 1u << 13; mask += 37)
        cr_assert_float_eq(portfolio_surrogate_value(&s, mask), payoff_value(&p, mask), 1e-9);
    portfolio_surrogate_free(&s);
    /* a plan without the pairs cannot give a surrogate */
    cr_assert_eq(portfolio_surrogate_alloc(&s, 13, packages, 14), -1);
    free(masks);
    free(packages);
    expect_no_leaks();
}

Test(portfolio, cost_shares_by_hand) {
    double gdp[3] = {10, 30, 60}, population[3] = {5, 5, 10}, w[3];
    cr_assert_eq(portfolio_shares(PORTFOLIO_EQUAL, 3, NULL, NULL, NULL, w), 0);
    cr_assert_float_eq(w[1], 1.0 / 3, 1e-15);
    cr_assert_eq(portfolio_shares(PORTFOLIO_GDP, 3, gdp, population, NULL, w), 0);
    cr_assert_float_eq(w[0], 0.1, 1e-15);
    cr_assert_float_eq(w[2], 0.6, 1e-15);
    cr_assert_eq(portfolio_shares(PORTFOLIO_POPULATION, 3, gdp, population, NULL, w), 0);
    cr_assert_float_eq(w[0], 0.25, 1e-15);
    cr_assert_float_eq(w[2], 0.5, 1e-15);
    double benefit[3] = {6, -4, 2};
    cr_assert_eq(portfolio_shares(PORTFOLIO_BENEFIT, 3, NULL, NULL, benefit, w), 0);
    cr_assert_float_eq(w[0], 0.75, 1e-15); /* the harmed state pays nothing */
    cr_assert_float_eq(w[1], 0.0, 1e-15);
    cr_assert_float_eq(w[2], 0.25, 1e-15);
    double nobody[3] = {0, -1, -2};
    cr_assert_eq(portfolio_shares(PORTFOLIO_BENEFIT, 3, NULL, NULL, nobody, w), 0);
    cr_assert_float_eq(w[2], 1.0 / 3, 1e-15);
    double missing[3] = {10, 0, 60};
    cr_assert_eq(portfolio_shares(PORTFOLIO_GDP, 3, missing, population, NULL, w), -1);
    cr_assert_eq(portfolio_rule_parse("population"), PORTFOLIO_POPULATION);
    cr_assert_eq(portfolio_rule_parse("gpd"), -1);
}
