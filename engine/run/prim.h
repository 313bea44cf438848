/* prim.h — scenario discovery by PRIM (Friedman & Fisher 1999, the Patient Rule Induction
 * Method): the box of parameter space in which a failure is concentrated, found by peeling and
 * then pasting. Pure functions over arrays (definitions: docs/model.md).
 *
 * Points are rows of x [n_points * n_dims] (row-major), fails[p] = 1 when point p fails the
 * user's threshold. A box is low[j] <= x_j <= high[j] for every j. Of a box:
 *   coverage = fails inside / fails in all,  density = fails inside / points inside,
 *   support = points inside / n_points.
 * Peeling starts from the box of the data's range, and at each step takes off, on one side of
 * one dimension, the alpha share of the box's points (at least one) with the lowest or highest
 * values there: of the 2 n_dims candidates, the one leaving the highest density (a tie: the one
 * that leaves more points, then the lower dimension, low side first). It stops before a box of
 * support below min_support, or when no candidate takes off a point. The chosen box is the
 * trajectory's box of the highest density among those with coverage >= min_coverage (a tie:
 * the larger coverage). Pasting then widens the chosen box, on one side of one dimension at a
 * time, by the paste_alpha share of its points (at least one) of the nearest ones outside that
 * side only, as long as the density does not fall (the widening of the highest density is taken;
 * a tie: the one adding more points).
 */
#ifndef C5SIM_PRIM_H
#define C5SIM_PRIM_H

#include <stddef.h>

struct prim_options {
    double alpha;        /* peeling share, e.g. 0.05 */
    double paste_alpha;  /* pasting share, e.g. 0.05 */
    double min_support;  /* smallest support of a peeled box, e.g. 0.05 */
    double min_coverage; /* smallest coverage of the chosen box, e.g. 0.5 */
};

/* The defaults: 0.05, 0.05, 0.05, 0.5. */
struct prim_options prim_default_options(void);

struct prim_box_figures {
    double coverage, density, support;
    int inside, fails_inside;
};

struct prim_result {
    int n_points, n_dims, fails_total;
    int n_steps;                    /* trajectory length; step 0 is the data's range */
    struct prim_box_figures *steps; /* [n_steps] */
    double *step_low, *step_high;   /* [n_steps * n_dims] */
    int chosen;                     /* step chosen before pasting */
    double *box_low, *box_high;     /* [n_dims]: the chosen box after pasting */
    struct prim_box_figures box;    /* of the pasted box */
    int *restricted;                /* [n_dims]: 1 where the box is narrower than the data */
    double *range_low, *range_high; /* [n_dims]: the data's range (step 0) */
};

enum { PRIM_MAX_POINTS = 10000000, PRIM_MAX_DIMS = 256 };

/* Run PRIM. With no failing point, the result has one step (the data's range), density 0 and
 * coverage NaN. Returns 0, or -1 with a message in err (sizes, options, memory). */
int prim_run(const double *x, const int *fails, int n_points, int n_dims,
             const struct prim_options *options, struct prim_result *result, char *err,
             size_t errlen);
void prim_result_free(struct prim_result *result);

/* Coverage, density and support of a box over the points. */
struct prim_box_figures prim_box_measure(const double *x, const int *fails, int n_points,
                                         int n_dims, const double *low, const double *high,
                                         int fails_total);

#endif
