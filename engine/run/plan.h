/* plan.h — a plan: variants (a label and overrides each) x replicates = the work items of a run.
 *
 * Plans are built by the commands (run, sweep, measures, coalitions) and executed by runner.h.
 * Every variant shares the seed and replicate indices of the plan, so variants are paired
 * (common random numbers). Work item i is (variant i / replicates, replicate i % replicates).
 */
#ifndef C5SIM_PLAN_H
#define C5SIM_PLAN_H

#include <stddef.h>

#include "../scenario/scenario.h"

struct plan_variant {
    char *label; /* e.g. "sharing.level=0.4" */
    int n_overrides;
    struct scenario_override *overrides; /* owned copies (path, value, origin) */
    char **override_texts;               /* "PATH=VALUE", for the output file */
    int measure;                         /* measure index for `measures` variants, else -1 */
    unsigned long long members;          /* coalition bitmask for `coalitions` variants */
    int package; /* 1 for a `portfolio` package: it carries the cost of its overrides' measures */
};

struct plan {
    int n_variants;
    int capacity;
    struct plan_variant *variants;
    int replicates;
    int reference; /* variant the comparisons are paired against */
};

struct plan *plan_alloc(int replicates);
void plan_free(struct plan *plan);

/* Append a variant (label and overrides copied). Returns its index, or -1 when out of memory. */
int plan_add_variant(struct plan *plan, const char *label,
                     const struct scenario_override *overrides, int n_overrides);

/* Find a variant by label; -1 when absent. */
int plan_find_variant(const struct plan *plan, const char *label);

static inline long plan_item_count(const struct plan *plan) {
    return (long)plan->n_variants * plan->replicates;
}

/* One sweep axis: a path and its values, as text (passed to the scenario as overrides). */
struct plan_axis {
    char *path;
    int n_values;
    char **values;
};

enum { PLAN_MAX_AXIS_VALUES = 100000, PLAN_MAX_VARIANTS = 100000 };

/* Parse "PATH=A:B:STEP" (inclusive range; B included when within 1e-9 of a step; values
 * rounded to 12 significant digits so 0.1 steps print as 0.3, not 0.30000000000000004) or
 * "PATH=V1,V2,...". Returns 0, or -1 with a message in err. */
int plan_axis_parse(const char *text, struct plan_axis *axis, char *err, size_t errlen);
void plan_axis_free(struct plan_axis *axis);

/* Append the grid of every combination of the axes' values (first axis varies slowest), each
 * labelled "PATH=VALUE, PATH=VALUE". Returns the number of variants added, or -1 with err. */
int plan_add_grid(struct plan *plan, const struct plan_axis *axes, int n_axes, char *err,
                  size_t errlen);

/* One declared range of a sampled design, its distribution as a Latin hypercube samples it:
 *   PATH=A:B                    uniform on [A, B]
 *   PATH=A:B:int                the integers A..B, each equally likely (counts: response.units)
 *   PATH=loguniform:A:B         log-uniform on [A, B], 0 < A (rates, factors of ten apart)
 *   PATH=triangular:A:MODE:B    triangular on [A, B] with its peak at MODE
 *   PATH=normal:MEAN:SD:A:B     normal, truncated to [A, B] (a valid range)
 *   PATH=choice:V1,V2,...[:W1,W2,...]  one of the values (numbers or names), with the weights
 *                               given (default equal); the design holds the value's position
 * The hypercube's uniform position in each stratum is mapped through the inverse CDF. A path
 * ending in `*` or `+` (`states.*.detect.all*=0.8:1.2`) makes the factor relative: each value
 * is applied as PATH*=V (a factor) or PATH+=V (an increment) to every path it matches. */
enum plan_distribution {
    PLAN_UNIFORM = 0,
    PLAN_INTEGER = 1,
    PLAN_LOGUNIFORM = 2,
    PLAN_TRIANGULAR = 3,
    PLAN_NORMAL = 4,
    PLAN_CHOICE = 5
};

enum { PLAN_MAX_CHOICES = 1000 };

struct plan_range {
    char *path;
    double low, high;
    int integer;           /* kind == PLAN_INTEGER (kept for the callers that test it) */
    int kind;              /* enum plan_distribution */
    double mode, mean, sd; /* triangular: mode; normal: mean and sd */
    int n_choices;         /* PLAN_CHOICE: values (low = 0, high = n_choices - 1) */
    char **choices;        /* their texts, as the override writes them */
    double *weights;       /* [n_choices], > 0 (not normalised); NULL: equal */
};

/* The position of a choice range's value at probability u in [0, 1]: the first value whose
 * cumulative weight (normalised) exceeds u. */
int plan_range_choice_index(const struct plan_range *range, double u);

/* The range of a declared uncertain factor (scenario_uncertainty, scenario_uncertainty_load):
 * its path keeps the factor's operator (`*` scale, `+` shift). 0, or -1 when out of memory. */
int plan_range_from_factor(struct plan_range *range, const struct scenario_factor *factor);

/* The factors of a sampled design, in this order of precedence: the --range texts when there
 * are any, else the `uncertainty:` block of `file` (when not NULL), else the scenario's own
 * block (none: *n = 0). Returns 0 with *ranges (free each range, then the array); -1 with a
 * message in err (a bad --range text, --range with a file, out of memory); -2 with the design
 * file's messages in `errors`. */
int plan_declared_ranges(const struct scenario *scenario, const char *file,
                         const char *const *texts, int n_texts, struct plan_range **ranges, int *n,
                         struct scenario_errors *errors, char *err, size_t errlen);

/* A deep copy (0, or -1 when out of memory; `copy` is then empty). */
int plan_range_copy(struct plan_range *copy, const struct plan_range *range);

/* The value at probability u in (0, 1) of a range's distribution (its inverse CDF). */
double plan_range_quantile(const struct plan_range *range, double u);

int plan_range_parse(const char *text, struct plan_range *range, char *err, size_t errlen);
void plan_range_free(struct plan_range *range);

/* A sampled design: n_points x n_parameters values, row-major (point p, parameter j at
 * values[p * n_parameters + j]), parameter j named names[j]. Values are exactly what the
 * variants apply: each is rounded to the 10 significant digits its override text carries. */
struct plan_design {
    int n_points;
    int n_parameters;
    char **names;
    double *values;
    char **levels; /* NULL, or per parameter NULL or the choice texts comma-joined: the
                      parameter's value is then a position in them (a choice range) */
};

enum { PLAN_MAX_DESIGN_POINTS = 100000 };

/* Latin hypercube sample of n_points over the ranges, a pure function of `seed` (the run seed):
 * each range is cut into n_points equal strata, every stratum holds exactly one point at a
 * uniform position inside it, and the strata are matched across parameters by an independent
 * random permutation per parameter (gsl_ran_shuffle on a Philox stream of its own, so the
 * design never shares random numbers with the model). An integer range of K values gives
 * stratum s the value A + floor(s K / n_points), so each value is taken floor(n_points / K) or
 * ceil(n_points / K) times. Returns 0, or -1
 * with a message (design left empty). */
int plan_design_lhs(struct plan_design *design, const struct plan_range *ranges, int n_ranges,
                    int n_points, unsigned long long seed, char *err, size_t errlen);
void plan_design_free(struct plan_design *design);

/* Mark parameter j of a design as the choice `range`: its values are positions in the range's
 * texts (design->levels[j]). 0, or -1 when out of memory. */
int plan_design_set_levels(struct plan_design *design, int j, const struct plan_range *range);

/* Append one variant per design point, in point order, labelled "PATH=VALUE, PATH=VALUE" like a
 * grid point, its overrides the point's values. Returns the number of variants added, or -1 with
 * err. */
int plan_add_design(struct plan *plan, const struct plan_design *design, char *err, size_t errlen);

#endif
