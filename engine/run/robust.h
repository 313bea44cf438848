/* robust.h — robust rankings of measures across an uncertainty design: probability of being best,
 * regret and rank stability (Kendall tau against the nominal ranking), with paired bootstrap
 * intervals over replicates. Pure functions over arrays (definitions: docs/model.md).
 *
 * Layout shared by every function: `values[p * n_measures + m]` is the criterion value of
 * measure m at design point p (higher is better: harm averted, or harm averted per unit cost).
 * Point 0 is the nominal point (the scenario's own values); points 1 .. n_points-1 are the
 * sampled design, over which the probabilities, regrets and tau summaries are taken. With a
 * single point (no design) the figures are taken over point 0 alone.
 */
#ifndef C5SIM_ROBUST_H
#define C5SIM_ROBUST_H

#include <stddef.h>

/* The two criteria a ranking is made by (both: higher is better). */
enum robust_criterion { ROBUST_PER_COST = 0, ROBUST_AVERTED = 1, ROBUST_CRITERIA = 2 };
extern const char *const robust_criterion_names[ROBUST_CRITERIA]; /* "per_cost", "averted" */

/* Ranks of n values, 1 = the highest; tied values share the mean of their ranks. */
void robust_ranks(const double *values, int n, double *ranks);

/* Kendall's tau-b between two rankings (or any two score vectors) of n items: concordant minus
 * discordant pairs over sqrt((n0 - ties in x)(n0 - ties in y)), n0 = n(n-1)/2. 1 = the same
 * order, -1 = reversed. NaN when n < 2 or either vector is constant. */
double robust_kendall_tau(const double *x, const double *y, int n);

/* Per-measure figures over the sampled points. */
struct robust_measure_figures {
    double p_best;         /* share of points where it is best (a tie of k splits 1/k each) */
    double regret_mean;    /* regret at a point = best value there minus this measure's */
    double regret_q90;     /* 90th percentile (GSL's interpolated quantile) */
    double regret_max;     /* largest regret */
    double rank_mean;      /* mean rank (1 = best) */
    double nominal_rank;   /* rank at point 0 */
    double p_nominal_rank; /* share of points where its rank equals its nominal rank */
};

/* Rank stability: tau[p] = Kendall tau-b of point p's ranking against point 0's. */
struct robust_stability {
    double tau_mean, tau_median, tau_min;
    double p_identical; /* share of points whose full ranking equals the nominal one */
    double p_same_best; /* share of points whose best measure is the nominal best */
};

/* Figures of one criterion. figures[n_measures]; tau[n_points] (tau[0] = 1) may be NULL.
 * Returns 0, or -1 when n_points < 1, n_measures < 1 or memory runs out. */
int robust_figures(const double *values, int n_points, int n_measures,
                   struct robust_measure_figures *figures, struct robust_stability *stability,
                   double *tau);

/* Criterion values from per-replicate harm averted, averted[(p * n_measures + m) * replicates +
 * r] (baseline minus measure at point p, replicate r: paired). `resample[replicates]` lists the
 * replicates to average (a bootstrap draw), or NULL for all of them in order. per_cost divides
 * by cost (cost <= 0: +inf when harm is averted, -inf when added, 0 when neither). Either output
 * may be NULL. */
void robust_values(const double *averted, const double *cost, int n_points, int n_measures,
                   int replicates, const int *resample, double *per_cost, double *mean_averted);

/* Percentile bootstrap over replicates: B draws of `replicates` indices with replacement, the
 * same draw for every point and measure (replicate r is the same random numbers everywhere, so
 * pairing holds across measures and points). Draw b uses the Philox stream (seed, b,
 * ROBUST_BOOTSTRAP_PURPOSE). For each criterion, low/high [n_measures] of each figure, and the
 * stability bounds. */
enum { ROBUST_BOOTSTRAP_PURPOSE = 0x524f42 /* "ROB": outside the model's purposes */ };
enum { ROBUST_MAX_BOOTSTRAP = 10000 }; /* draws are kept: B x (7 M + 5) doubles per criterion */

struct robust_interval {
    struct robust_measure_figures *low, *high; /* [n_measures] each */
    struct robust_stability stability_low, stability_high;
};

/* Everything the robust command reports, for both criteria. */
struct robust_result {
    int n_points, n_measures, replicates, bootstrap;
    double *values[ROBUST_CRITERIA]; /* [n_points * n_measures] point estimates */
    double *tau[ROBUST_CRITERIA];    /* [n_points] */
    struct robust_measure_figures *figures[ROBUST_CRITERIA]; /* [n_measures] */
    struct robust_stability stability[ROBUST_CRITERIA];
    struct robust_interval interval[ROBUST_CRITERIA]; /* NaN when bootstrap == 0 */
};

/* Compute every figure and (bootstrap > 0) their 95% percentile intervals. Returns 0, or -1
 * with a message in err (memory, sizes). */
int robust_compute(const double *averted, const double *cost, int n_points, int n_measures,
                   int replicates, int bootstrap, unsigned long long seed,
                   struct robust_result *result, char *err, size_t errlen);
void robust_result_free(struct robust_result *result);

/* A failure threshold for scenario discovery: "MEASURE:METRIC<T" or "MEASURE:METRIC>T", where
 * MEASURE is a measure id (or `baseline`, whose only metric is harm) and METRIC one of
 *   averted        regional harm averted (baseline minus measure, mean over replicates)
 *   per_cost       averted per unit cost
 *   harm           regional harm under the measure (or the baseline)
 *   rank           rank by per_cost (1 = best; a tie shares the mean rank)
 *   rank_averted   rank by averted
 *   regret         regret by per_cost (best per_cost at the point minus this one's)
 *   regret_averted regret by averted
 * A point fails when its value satisfies the comparison. */
enum robust_metric {
    ROBUST_METRIC_AVERTED = 0,
    ROBUST_METRIC_PER_COST,
    ROBUST_METRIC_HARM,
    ROBUST_METRIC_RANK,
    ROBUST_METRIC_RANK_AVERTED,
    ROBUST_METRIC_REGRET,
    ROBUST_METRIC_REGRET_AVERTED,
    ROBUST_METRICS
};
extern const char *const robust_metric_names[ROBUST_METRICS];

struct robust_rule {
    char text[256]; /* as given, for messages and the output */
    int measure;    /* index, or -1 for the baseline */
    int metric;     /* enum robust_metric */
    int greater;    /* 1: fails when value > threshold; 0: when value < threshold */
    double threshold;
};

/* Parse a rule against the measure ids. Returns 0, or -1 with a message naming the part. */
int robust_rule_parse(const char *text, const char *const *measure_ids, int n_measures,
                      struct robust_rule *rule, char *err, size_t errlen);

/* The rule's metric at point p; baseline_harm[n_points] is the baseline's mean regional harm. */
double robust_rule_value(const struct robust_rule *rule, const struct robust_result *result,
                         const double *baseline_harm, int point);
int robust_rule_fails(const struct robust_rule *rule, double value);

#endif
