/* sensitivity.h — global sensitivity analysis as pure functions: the Saltelli design on GSL's
 * Sobol' sequence, Sobol' first-order (Saltelli 2010) and total (Jansen) indices, Morris
 * elementary-effects screening, and bootstrap intervals on every index.
 *
 * Everything here works in the unit hypercube: a design is a matrix of probabilities u in [0, 1]
 * per factor, which the caller maps to values (sensitivity_value, through a range's inverse CDF).
 * The estimators take the model's outputs at the design's points, in the design's order, and
 * know nothing of scenarios or runs (docs/model.md, "Sensitivity analysis", gives the formulas).
 */
#ifndef C5SIM_SENSITIVITY_H
#define C5SIM_SENSITIVITY_H

#include <stddef.h>

#include "plan.h"

/* gsl_qrng_sobol gives at most 40 dimensions and a Saltelli design needs 2k of them. */
enum {
    SENSITIVITY_MAX_SOBOL_FACTORS = 20,
    SENSITIVITY_MAX_MORRIS_FACTORS = 200,
    SENSITIVITY_MAX_BASE_SAMPLES = 100000,
    SENSITIVITY_MAX_TRAJECTORIES = 10000,
    SENSITIVITY_MAX_LEVELS = 1000,
    SENSITIVITY_MAX_BOOTSTRAP = 100000,
};

/* Points of a Saltelli design of N base rows over k factors: N (k + 2). */
static inline long sensitivity_sobol_points(int n_base, int k) {
    return (long)n_base * (k + 2);
}

/* The Saltelli design, u[point * k + j], points in blocks of k + 2 per base row r:
 *   point r(k+2)         A_r   (first k dimensions of the (r + 2)-th point GSL returns)
 *   point r(k+2) + 1     B_r   (last k dimensions of the same point)
 *   point r(k+2) + 2 + i AB_r^i: A_r with column i taken from B_r
 * GSL's first point, (0.5, ..., 0.5), has A = B and is skipped. u is caller-allocated (points x k).
 * Returns 0, or -1 (k or n_base out of range, or out of memory). */
int sensitivity_saltelli_design(int k, int n_base, double *u);

/* One index with its bootstrap interval. */
struct sensitivity_index {
    double value;     /* the estimate on the full sample */
    double low, high; /* percentile bootstrap interval */
    double se;        /* bootstrap standard deviation */
};

struct sensitivity_sobol {
    int k;
    double mean, variance;           /* of f over the A and B rows (2N points) */
    struct sensitivity_index *first; /* [k] S_i */
    struct sensitivity_index *total; /* [k] ST_i */
};

/* S_i = (1/N) sum_r f(B_r) (f(AB_r^i) - f(A_r)) / V       (Saltelli et al. 2010, Table 2 (b))
 * ST_i = (1/2N) sum_r (f(A_r) - f(AB_r^i))^2 / V          (Jansen 1999, Table 2 (f))
 * V the variance of the 2N values f(A), f(B) (divided by 2N). f(B) is centred by their mean m
 * first, (f(B) - m): this leaves the expectation unchanged (E f(AB^i) = E f(A)) and keeps the
 * estimator's variance from growing with the outcome's mean (harm in the thousands). f holds the
 * outputs at the design's points (sensitivity_saltelli_design's order). Intervals: `n_bootstrap`
 * resamples of the N base rows with replacement (one Philox stream from `seed`), percentile
 * interval at `level` (e.g. 0.95); n_bootstrap = 0 gives low = high = value, se = 0. Returns 0, or
 * -1 (bad sizes, out of memory, or V = 0: f does not vary, every index is undefined). */
int sensitivity_sobol_alloc(struct sensitivity_sobol *out, const double *f, int k, int n_base,
                            int n_bootstrap, double level, unsigned long long seed);
void sensitivity_sobol_free(struct sensitivity_sobol *sobol);

/* Morris design: R trajectories of k + 1 points each, on a grid of p levels {0, 1/(p-1), .., 1}
 * with the step Delta = p / (2 (p - 1)) (p even). Each trajectory starts at a random grid point
 * from which every factor can move by Delta, and moves the factors one at a time, in a random
 * order, each up or down at random (Morris 1991; Campolongo et al. 2007). u[(t (k+1) + s) k + j];
 * `order`[t k + s] is the factor moved at step s of trajectory t. Draws from one Philox stream of
 * `seed`. Returns 0, or -1 (p odd or < 2, sizes out of range). */
int sensitivity_morris_design(int k, int trajectories, int levels, unsigned long long seed,
                              double *u, int *order);

static inline long sensitivity_morris_points(int trajectories, int k) {
    return (long)trajectories * (k + 1);
}

struct sensitivity_morris {
    int k, trajectories;
    double delta;
    struct sensitivity_index *mu_star; /* [k] mean |EE| (Campolongo et al. 2007) */
    struct sensitivity_index *mu;      /* [k] mean EE */
    struct sensitivity_index *sigma;   /* [k] sd of EE (divisor R - 1; 0 when R = 1) */
    double *effects;                   /* [trajectory * k + factor] elementary effects */
};

/* Elementary effect of factor j in trajectory t: (f(after) - f(before)) / (u_j(after) -
 * u_j(before)), in units of the factor's probability scale (so mu* compares factors of any
 * unit). Intervals: bootstrap over trajectories as for Sobol'. Returns 0 or -1. */
int sensitivity_morris_alloc(struct sensitivity_morris *out, const double *u, const int *order,
                             const double *f, int k, int trajectories, int n_bootstrap,
                             double level, unsigned long long seed);
void sensitivity_morris_free(struct sensitivity_morris *morris);

/* The value of a factor's range at probability u in [0, 1]: the inverse CDF for continuous
 * ranges (plan_range_quantile), for integers A..B the (floor(u (B - A + 1)))-th value, for a
 * choice the position of the value whose cumulative weight first exceeds u (a number: the index
 * into range->choices). u = 1 gives the top of the range. */
double sensitivity_value(const struct plan_range *range, double u);

#endif
