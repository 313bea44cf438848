/* portfolio_study.h — `c5sim portfolio` after the run: the figures of every package (portfolio.h)
 * from the runner's results, the best package per budget, per-state net gains under each
 * cost-sharing rule, written to /portfolio (docs/output-format.md) and printed as tables. */
#ifndef C5SIM_PORTFOLIO_STUDY_H
#define C5SIM_PORTFOLIO_STUDY_H

#include <stdint.h>
#include <stdio.h>

#include "../io/h5out.h"
#include "../model/world.h"
#include "portfolio.h"
#include "runner.h"

/* The best package under one budget. */
struct portfolio_choice {
    double budget;
    uint64_t mask;   /* the chosen package */
    int best;        /* its plan index, or -1 (heuristic mode: a package not run) */
    int runner_up;   /* plan index of the second best run package within the budget, or -1 */
    double estimate; /* heuristic mode: the surrogate's value of `mask` */
    double cost;     /* of `mask` */
    struct stats_difference gap; /* best minus runner-up, paired (NaN when either is missing) */
    int distinguishable;         /* 1 when the gap's interval excludes 0 */
};

enum { PORTFOLIO_NET_RULES = PORTFOLIO_RULES + 1 }; /* the four rules, then each measure's own */

struct portfolio_study {
    int n_measures;
    const int *measures; /* [n_measures] scenario measure indices, in scenario order */
    double *costs;       /* [n_measures] */
    int heuristic;       /* 1 when n_measures > PORTFOLIO_MAX_EXHAUSTIVE */
    int n_packages;
    uint64_t *masks;                    /* [n_packages], plan variant i = package i */
    struct portfolio_package *packages; /* [n_packages] */
    int replicates;
    double *harm; /* [n_packages * replicates] regional harm */
    int n_frontier;
    int *frontier; /* [n_frontier] package indices by increasing cost */
    int n_budgets;
    struct portfolio_choice *choices; /* [n_budgets] */
    int n_states;
    /* [package][rule][state + 1]: mean loss averted by the package for each state, its cost
     * shared by the rule (PORTFOLIO_RULES = each measure by its own cost_sharing); the last
     * column the region (the same under every rule). NaN when a rule cannot be applied. */
    double *net_gain;
};

/* Compute everything from the results (plan variant i = package masks[i]). budgets may be NULL
 * when n_budgets is 0 (then one budget: every measure's cost). Returns 0, or -1 with err. */
int portfolio_study_compute(struct portfolio_study *study, const struct world *world,
                            const int *measures, int n_measures, const double *budgets,
                            int n_budgets, const struct runner_results *results, char *err,
                            size_t errlen);
void portfolio_study_free(struct portfolio_study *study);

/* "{a, b}" for a package (ids of the scenario's measures), "baseline" for the empty one. */
void portfolio_study_label(const struct portfolio_study *study, const struct world *world,
                           uint64_t mask, char *buffer, size_t size);

int portfolio_study_write(struct h5out *out, const struct portfolio_study *study,
                          const struct world *world, char *err, size_t errlen);
void portfolio_study_print(FILE *stream, const struct portfolio_study *study,
                           const struct world *world);

#endif
