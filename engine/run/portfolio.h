/* portfolio.h — packages of measures under a budget (docs/model.md §14): which packages a plan
 * holds, each package's cost and paired harm averted, the best package per budget and whether it
 * is distinguishable from the runner-up, the Pareto frontier of cost against harm averted,
 * interactions (a package's effect minus the sum of its measures' effects), the heuristic search
 * used beyond the exhaustive limit, and the cost-sharing rules. Pure functions over arrays: no
 * scenario, runner or file calls, so each can be tested on numbers whose answer is known.
 *
 * Packages are bitmasks over the chosen measures (bit m = the m-th chosen measure). In exhaustive
 * mode the plan's package i is the mask i (0 = the baseline, every combination in mask order); in
 * heuristic mode the plan holds the baseline, each measure alone, then every pair.
 */
#ifndef C5SIM_PORTFOLIO_H
#define C5SIM_PORTFOLIO_H

#include <stddef.h>
#include <stdint.h>

#include "../util/stats.h"

enum {
    PORTFOLIO_MAX_EXHAUSTIVE = 12, /* 2^12 = 4096 packages at most are enumerated */
    PORTFOLIO_MAX_MEASURES = 62,   /* bits of a mask (heuristic mode: 1 + M + M(M-1)/2 runs) */
    PORTFOLIO_MAX_BUDGETS = 256
};

/* How a measure's cost is split among the states (docs/model.md §14.3). */
enum portfolio_rule {
    PORTFOLIO_EQUAL = 0,      /* 1/S each: what the model's loss charges (the default) */
    PORTFOLIO_GDP = 1,        /* in proportion to the states' `gdp` */
    PORTFOLIO_POPULATION = 2, /* in proportion to the states' `population` */
    PORTFOLIO_BENEFIT = 3,    /* in proportion to each state's harm averted (negative counts 0) */
    PORTFOLIO_RULES = 4
};
extern const char *const portfolio_rule_names[PORTFOLIO_RULES];

/* The rule named `name` (equal, gdp, population, benefit), or -1. */
int portfolio_rule_parse(const char *name);

/* Packages the plan holds for n measures: 2^n when n <= PORTFOLIO_MAX_EXHAUSTIVE, else
 * 1 + n + n(n-1)/2. masks[count] receives them in plan order when not NULL. Returns the count,
 * or -1 when n is out of range (0 < n <= PORTFOLIO_MAX_MEASURES). */
long portfolio_package_masks(int n, uint64_t *masks);

/* Sum of the costs of the measures in the mask, added in measure order. */
double portfolio_cost(const double *costs, int n, uint64_t mask);

/* Number of measures in a package. */
int portfolio_size(uint64_t mask);

/* The plan position of `mask` among masks[count], or -1. */
int portfolio_find(const uint64_t *masks, int count, uint64_t mask);

/* The figures of one package against the baseline (package 0), paired by replicate. */
struct portfolio_package {
    uint64_t mask;
    int size;
    double cost;
    struct stats_difference averted; /* regional harm: baseline minus package */
    /* the package's effect minus the sum of its measures' effects alone, per replicate
     * (NaN for packages of fewer than two measures) */
    struct stats_difference interaction;
    int on_frontier; /* 1 when on the Pareto frontier of cost against mean harm averted */
};

/* Fill out[count] from harm[count * replicates] (regional harm of package i in replicate r at
 * harm[i * replicates + r]; masks[0] must be 0, the baseline). The interaction of a package is
 * computed when every one of its measures alone is among the masks (per replicate; a remainder
 * below 1e-12 of the effects summed is their rounding and counts as 0). Returns 0, or -1 when out
 * of memory or masks[0] is not the baseline. */
int portfolio_evaluate(const uint64_t *masks, int count, const double *costs, int n_measures,
                       const double *harm, int replicates, struct portfolio_package *out);

/* The package with the most mean harm averted whose cost is <= budget (ties: the cheaper, then
 * the earlier); -1 when none fits (the baseline, cost 0, always fits a budget >= 0). *runner_up
 * (may be NULL) receives the second best under the same budget, or -1. */
int portfolio_best(const struct portfolio_package *packages, int count, double budget,
                   int *runner_up);

/* Averted by package a minus averted by package b, paired by replicate (= harm of b minus harm
 * of a). The best is "distinguishable" from the runner-up when the interval excludes 0. */
void portfolio_compare(const double *harm, int replicates, int a, int b,
                       struct stats_difference *difference);

/* The Pareto frontier: the packages no other package dominates (no more costly and at least as
 * much mean harm averted, one of them strictly; of exact ties, the first). Their indices go to
 * frontier[] by increasing cost, and on_frontier is set. Returns how many. */
int portfolio_pareto(struct portfolio_package *packages, int count, int *frontier);

/* ---- search beyond the exhaustive limit ---------------------------------------------------- */

/* The value (mean harm averted) of a package. */
typedef double (*portfolio_value_fn)(void *context, uint64_t mask);

/* The best package by enumeration of every mask within the budget (the reference). */
uint64_t portfolio_search_exhaustive(int n, const double *costs, double budget,
                                     portfolio_value_fn value, void *context);

/* The documented heuristic (docs/model.md §14.2): greedy by marginal value per unit cost, the
 * marginal values re-evaluated after each addition (interactions change them), compared with the
 * best single measure, then a local search over adding, dropping and swapping one measure until
 * nothing improves. Evaluates value() O(n^2) times per round. */
uint64_t portfolio_search_heuristic(int n, const double *costs, double budget,
                                    portfolio_value_fn value, void *context);

/* Second-order estimate of a package's value from the heuristic plan: the sum of its measures'
 * mean effects plus the sum of the pairwise interactions of the pairs in it. */
struct portfolio_surrogate {
    int n;
    double *single; /* [n] */
    double *pair;   /* [n * n]: interaction of measures i < j at [i * n + j] */
};
/* Build it from evaluated packages (singletons and pairs must be present). Returns 0 or -1. */
int portfolio_surrogate_alloc(struct portfolio_surrogate *surrogate, int n,
                              const struct portfolio_package *packages, int count);
void portfolio_surrogate_free(struct portfolio_surrogate *surrogate);
double portfolio_surrogate_value(void *surrogate, uint64_t mask);

/* ---- cost sharing --------------------------------------------------------------------------- */

/* The shares weights[n_states] (summing to 1) of `rule`: gdp and population use those arrays
 * (every entry must be > 0, else -1), benefit uses benefit[] (each state's mean harm averted;
 * negative benefits count as 0, and when no state benefits the shares are equal). Returns 0 or
 * -1 when the rule cannot be applied. */
int portfolio_shares(int rule, int n_states, const double *gdp, const double *population,
                     const double *benefit, double *weights);

#endif
