/* ensemble.h — statistics of an executed plan: per-variant summaries, paired comparisons against
 * the reference, the risk catalog, measure rankings and coalition figures; written to the output
 * file (layout: docs/output-format.md) and printed as tables on a given stream.
 */
#ifndef C5SIM_ENSEMBLE_H
#define C5SIM_ENSEMBLE_H

#include <stdio.h>

#include "../io/h5out.h"
#include "../util/stats.h"
#include "plan.h"
#include "runner.h"

/* /variants/k/summary/<metric> [7, states + 1] for every variant and metric, and, when the plan
 * has more than one variant, /comparison/<k>/<metric> [6, states + 1]. Returns 0 or -1. */
int ensemble_write_summaries(struct h5out *out, const struct plan *plan,
                             const struct runner_results *results, const struct world *world,
                             char *err, size_t errlen);

/* `run`: one table of mean harm, loss and detections with 95% intervals per state and region. */
void ensemble_print_run(FILE *stream, const struct runner_results *results,
                        const struct world *world, int variant);

/* `sweep`: per variant, regional harm and loss with intervals and the paired difference in
 * harm against the reference, with its paired and unpaired intervals. */
void ensemble_print_sweep(FILE *stream, const struct plan *plan,
                          const struct runner_results *results);

/* Threat types ranked by expected regional harm in `variant` (the baseline). */
struct ensemble_risk {
    int type;
    struct stats_summary harm;
    double share; /* of the regional harm from all types */
};
/* Fills risks[n_types] ranked (highest mean first). Returns 0 or -1. */
int ensemble_risk_catalog(const struct runner_results *results, int variant,
                          struct ensemble_risk *risks);
int ensemble_write_risk_catalog(struct h5out *out, const struct ensemble_risk *risks,
                                const struct world *world, char *err, size_t errlen);
void ensemble_print_risk_catalog(FILE *stream, const struct ensemble_risk *risks,
                                 const struct world *world);

/* One measure against the baseline: harm averted (baseline minus measure, paired), and per
 * unit of cost (the interval scales with it; infinite when the cost is 0 and harm is averted). */
struct ensemble_measure {
    int variant;
    int measure;
    double cost;
    struct stats_difference averted;      /* regional harm averted */
    struct stats_difference loss_averted; /* regional loss averted (includes the cost share) */
    double per_cost, per_cost_low, per_cost_high;
};
/* Fills rows[n_measures] (plan variants 1.., baseline = variant 0), ranked by per_cost. */
void ensemble_measures(const struct plan *plan, const struct runner_results *results,
                       const struct world *base, struct ensemble_measure *rows);
int ensemble_write_measures(struct h5out *out, const struct ensemble_measure *rows, int count,
                            const struct world *base, char *err, size_t errlen);
void ensemble_print_measures(FILE *stream, const struct ensemble_measure *rows, int count,
                             const struct world *base);

/* Coalitions: plan variants are the 2^n masks in order (coalition_add_variants). */
struct coalition_bootstrap;
struct ensemble_coalitions {
    int n_states;
    int n_masks;
    struct stats_summary *value;           /* [mask]: v(S) over replicates */
    struct stats_summary *shapley;         /* [state] */
    struct stats_summary *leave_gain;      /* [state] */
    struct stats_summary *free_ride_gain;  /* [state]: the other deviation (coalition.h) */
    struct stats_summary *exclusion_cost;  /* [state]: the others' cost of cutting it off */
    struct stats_summary *side_payment;    /* [state]: Shapley value minus actual gain */
    double shapley_sum_error;              /* |sum phi - v(grand)| of the means */
    struct coalition_bootstrap *bootstrap; /* least core, nucleolus, structures, labels with
                                              bootstrap intervals (coalition_bootstrap.h) */
};
int ensemble_coalitions_compute(const struct runner_results *results, const struct world *world,
                                struct ensemble_coalitions *coalitions);
void ensemble_coalitions_free(struct ensemble_coalitions *coalitions);
int ensemble_write_coalitions(struct h5out *out, const struct ensemble_coalitions *coalitions,
                              const struct world *world, char *err, size_t errlen);
void ensemble_print_coalitions(FILE *stream, const struct ensemble_coalitions *coalitions,
                               const struct plan *plan, const struct world *world);
/* The bootstrap figures (ensemble_coalitions_core.c); called by the two above. */
int ensemble_write_coalition_core(struct h5out *out, const struct coalition_bootstrap *bootstrap,
                                  const struct world *world, char *err, size_t errlen);
void ensemble_print_coalition_core(FILE *stream, const struct coalition_bootstrap *bootstrap,
                                   const struct world *world);

#endif
