/* test_sensitivity.c — the sensitivity estimators against analytic indices: Sobol' first-order
 * and total indices on the Ishigami function and on a linear model, Morris mu* and sigma on a
 * linear model, bootstrap intervals covering the truth, and the factor-value mapping. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sensitivity.h"

/* Ishigami with a = 7, b = 0.1 on [-pi, pi]^3; indices from Saltelli et al. (2008), sec. 4.6. */
static double ishigami(const double *u) {
    double x1 = -M_PI + 2 * M_PI * u[0], x2 = -M_PI + 2 * M_PI * u[1], x3 = -M_PI + 2 * M_PI * u[2];
    return sin(x1) + 7 * sin(x2) * sin(x2) + 0.1 * pow(x3, 4) * sin(x1);
}

static const double ISHIGAMI_S1[3] = {0.3139, 0.4424, 0.0};
static const double ISHIGAMI_ST[3] = {0.5576, 0.4424, 0.2437};

/* The outputs of f at every point of a Saltelli design (caller frees both). */
static double *evaluate_saltelli(int k, int n, double (*f)(const double *), double **u_out) {
    long points = sensitivity_sobol_points(n, k);
    double *u = malloc((size_t)points * (size_t)k * sizeof *u);
    double *y = malloc((size_t)points * sizeof *y);
    cr_assert(u && y);
    cr_assert_eq(sensitivity_saltelli_design(k, n, u), 0);
    for (long p = 0; p < points; p++) y[p] = f(u + p * k);
    if (u_out)
        *u_out = u;
    else
        free(u);
    return y;
}

Test(sensitivity, saltelli_design_layout) {
    int k = 3, n = 16;
    double *u = NULL;
    double *y = evaluate_saltelli(k, n, ishigami, &u);
    for (int r = 0; r < n; r++) {
        const double *a = u + (size_t)r * (k + 2) * k, *b = a + k;
        for (int i = 0; i < k; i++) {
            const double *ab = a + (size_t)(2 + i) * k;
            for (int j = 0; j < k; j++) {
                cr_assert(a[j] >= 0 && a[j] < 1 && b[j] >= 0 && b[j] < 1);
                cr_assert_eq(ab[j], j == i ? b[j] : a[j], "row %d AB_%d column %d", r, i, j);
            }
        }
        /* A and B are different halves of one Sobol' point: never the same point */
        cr_assert(a[0] != b[0] || a[1] != b[1] || a[2] != b[2], "row %d", r);
    }
    /* GSL's first point (0.5, ..., 0.5), whose halves coincide, was skipped */
    cr_assert_float_eq(u[0], 0.75, 1e-15);
    cr_assert_float_eq(u[1], 0.25, 1e-15);
    cr_assert_eq(sensitivity_saltelli_design(SENSITIVITY_MAX_SOBOL_FACTORS + 1, 4, u), -1);
    cr_assert_eq(sensitivity_saltelli_design(2, 0, u), -1);
    free(u);
    free(y);
}

Test(sensitivity, ishigami_indices) {
    int k = 3, n = 8192;
    double *y = evaluate_saltelli(k, n, ishigami, NULL);
    struct sensitivity_sobol sobol;
    cr_assert_eq(sensitivity_sobol_alloc(&sobol, y, k, n, 200, 0.95, 42), 0);
    /* V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2 */
    double variance = 49.0 / 8 + 0.1 * pow(M_PI, 4) / 5 + 0.01 * pow(M_PI, 8) / 18 + 0.5;
    cr_assert(fabs(sobol.variance - variance) < 0.02 * variance, "V %g, expected %g",
              sobol.variance, variance);
    for (int i = 0; i < k; i++) {
        cr_assert(fabs(sobol.first[i].value - ISHIGAMI_S1[i]) < 0.02, "S%d = %g, expected %g",
                  i + 1, sobol.first[i].value, ISHIGAMI_S1[i]);
        cr_assert(fabs(sobol.total[i].value - ISHIGAMI_ST[i]) < 0.02, "ST%d = %g, expected %g",
                  i + 1, sobol.total[i].value, ISHIGAMI_ST[i]);
        /* within 4 bootstrap standard errors of the analytic value, and the interval around the
         * estimate */
        cr_assert(fabs(sobol.first[i].value - ISHIGAMI_S1[i]) < 4 * sobol.first[i].se + 1e-3);
        cr_assert(fabs(sobol.total[i].value - ISHIGAMI_ST[i]) < 4 * sobol.total[i].se + 1e-3);
        cr_assert(sobol.first[i].low <= sobol.first[i].value &&
                  sobol.first[i].value <= sobol.first[i].high);
        cr_assert(sobol.total[i].se > 0 && sobol.total[i].se < 0.05);
    }
    sensitivity_sobol_free(&sobol);
    free(y);
}

Test(sensitivity, ishigami_interval_covers_truth) {
    int k = 3, n = 1024;
    double *y = evaluate_saltelli(k, n, ishigami, NULL);
    struct sensitivity_sobol sobol;
    cr_assert_eq(sensitivity_sobol_alloc(&sobol, y, k, n, 1000, 0.95, 7), 0);
    for (int i = 0; i < k; i++) {
        cr_assert(sobol.first[i].low <= ISHIGAMI_S1[i] && ISHIGAMI_S1[i] <= sobol.first[i].high,
                  "S%d [%g, %g] misses %g", i + 1, sobol.first[i].low, sobol.first[i].high,
                  ISHIGAMI_S1[i]);
        cr_assert(sobol.total[i].low <= ISHIGAMI_ST[i] && ISHIGAMI_ST[i] <= sobol.total[i].high,
                  "ST%d [%g, %g] misses %g", i + 1, sobol.total[i].low, sobol.total[i].high,
                  ISHIGAMI_ST[i]);
        /* narrower than the whole scale: the intervals say something */
        cr_assert(sobol.first[i].high - sobol.first[i].low < 0.3);
    }
    /* the same seed gives the same intervals; another seed other ones */
    struct sensitivity_sobol again, other;
    cr_assert_eq(sensitivity_sobol_alloc(&again, y, k, n, 1000, 0.95, 7), 0);
    cr_assert_eq(sensitivity_sobol_alloc(&other, y, k, n, 1000, 0.95, 8), 0);
    cr_assert_eq(again.first[0].low, sobol.first[0].low);
    cr_assert_neq(other.first[0].low, sobol.first[0].low);
    cr_assert_eq(other.first[0].value, sobol.first[0].value);
    sensitivity_sobol_free(&sobol);
    sensitivity_sobol_free(&again);
    sensitivity_sobol_free(&other);
    free(y);
}

/* Linear model y = 1 x1 + 2 x2 - 3 x3 + 0 x4 on the unit cube: S_i = ST_i = c_i^2 / sum c^2. */
static const double LINEAR_C[4] = {1, 2, -3, 0};
static double linear(const double *u) {
    return LINEAR_C[0] * u[0] + LINEAR_C[1] * u[1] + LINEAR_C[2] * u[2] + LINEAR_C[3] * u[3];
}

Test(sensitivity, linear_indices) {
    int k = 4, n = 4096;
    double *y = evaluate_saltelli(k, n, linear, NULL);
    struct sensitivity_sobol sobol;
    cr_assert_eq(sensitivity_sobol_alloc(&sobol, y, k, n, 200, 0.95, 1), 0);
    double sum = 14;
    cr_assert(fabs(sobol.variance - sum / 12) < 0.01 * sum / 12);
    for (int i = 0; i < k; i++) {
        double truth = LINEAR_C[i] * LINEAR_C[i] / sum;
        cr_assert(fabs(sobol.first[i].value - truth) < 0.01, "S%d = %g, expected %g", i + 1,
                  sobol.first[i].value, truth);
        cr_assert(fabs(sobol.total[i].value - truth) < 0.01, "ST%d = %g, expected %g", i + 1,
                  sobol.total[i].value, truth);
    }
    /* a factor without effect has exactly zero total index (f(A) = f(AB_4) at every row) */
    cr_assert_eq(sobol.total[3].value, 0.0);
    sensitivity_sobol_free(&sobol);
    free(y);
}

Test(sensitivity, constant_output_is_refused) {
    int k = 2, n = 8;
    double y[32] = {0};
    struct sensitivity_sobol sobol;
    cr_assert_eq(sensitivity_sobol_alloc(&sobol, y, k, n, 10, 0.95, 1), -1);
    cr_assert_null(sobol.first);
}

/* Coverage: y = linear + N(0, 0.5^2) noise, the noise drawn afresh 200 times; the 90% interval
 * of S1 should cover the true S1 = c1^2/12 / (sum c^2/12 + 0.25) in about 90% of them (more is
 * allowed: resampling a quasi-random design's rows overstates its error). */
Test(sensitivity, bootstrap_coverage_with_noise) {
    int k = 4, n = 256, trials = 200, covered = 0;
    double *clean = evaluate_saltelli(k, n, linear, NULL);
    long points = sensitivity_sobol_points(n, k);
    double *y = malloc((size_t)points * sizeof *y);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    double truth = (4.0 / 12) / (14.0 / 12 + 0.25); /* S2 */
    for (int t = 0; t < trials; t++) {
        gsl_rng_set(rng, (unsigned long)t + 1);
        for (long p = 0; p < points; p++) y[p] = clean[p] + gsl_ran_gaussian(rng, 0.5);
        struct sensitivity_sobol sobol;
        cr_assert_eq(sensitivity_sobol_alloc(&sobol, y, k, n, 300, 0.90, (unsigned long long)t), 0);
        covered += sobol.first[1].low <= truth && truth <= sobol.first[1].high;
        sensitivity_sobol_free(&sobol);
    }
    double rate = (double)covered / trials;
    /* 4 sigma below 0.9 over 200 trials is 0.815 */
    cr_assert(rate >= 0.815 && rate <= 1.0, "coverage %g", rate);
    gsl_rng_free(rng);
    free(y);
    free(clean);
}

Test(sensitivity, morris_design_moves_one_factor_by_delta) {
    int k = 5, r = 20, p = 4;
    double *u = malloc((size_t)sensitivity_morris_points(r, k) * k * sizeof *u);
    int *order = malloc((size_t)r * k * sizeof *order);
    cr_assert_eq(sensitivity_morris_design(k, r, p, 3, u, order), 0);
    double delta = p / (2.0 * (p - 1));
    for (int t = 0; t < r; t++) {
        int seen[5] = {0};
        for (int s = 0; s < k; s++) {
            const double *x = u + ((size_t)t * (k + 1) + s) * k, *next = x + k;
            int j = order[t * k + s];
            seen[j]++;
            for (int i = 0; i < k; i++) {
                cr_assert(next[i] >= 0 && next[i] <= 1);
                /* on the grid of p levels */
                cr_assert_float_eq(next[i] * (p - 1), round(next[i] * (p - 1)), 1e-9);
                if (i == j)
                    cr_assert_float_eq(fabs(next[i] - x[i]), delta, 1e-12);
                else
                    cr_assert_eq(next[i], x[i]);
            }
        }
        for (int j = 0; j < k; j++) cr_assert_eq(seen[j], 1, "trajectory %d factor %d", t, j);
    }
    cr_assert_eq(sensitivity_morris_design(k, r, 3, 3, u, order), -1); /* odd levels */
    free(u);
    free(order);
}

/* Morris on y = sum c_i u_i: every elementary effect of factor i is exactly c_i, so mu* = |c_i|,
 * mu = c_i and sigma = 0; on y = u1 u2 the effects of u1 are u2 (either level), so sigma > 0. */
static double product(const double *u) {
    return u[0] * u[1];
}

Test(sensitivity, morris_linear_exact) {
    int k = 4, r = 30, p = 6;
    long points = sensitivity_morris_points(r, k);
    double *u = malloc((size_t)points * k * sizeof *u), *y = malloc((size_t)points * sizeof *y);
    int *order = malloc((size_t)r * k * sizeof *order);
    cr_assert_eq(sensitivity_morris_design(k, r, p, 11, u, order), 0);
    for (long i = 0; i < points; i++) y[i] = linear(u + i * k);
    struct sensitivity_morris morris;
    cr_assert_eq(sensitivity_morris_alloc(&morris, u, order, y, k, r, 200, 0.95, 5), 0);
    cr_assert_float_eq(morris.delta, 0.6, 1e-12);
    for (int i = 0; i < k; i++) {
        cr_assert_float_eq(morris.mu_star[i].value, fabs(LINEAR_C[i]), 1e-9);
        cr_assert_float_eq(morris.mu[i].value, LINEAR_C[i], 1e-9);
        cr_assert_float_eq(morris.sigma[i].value, 0, 1e-9);
        cr_assert_float_eq(morris.mu_star[i].low, fabs(LINEAR_C[i]), 1e-9);
        cr_assert_float_eq(morris.mu_star[i].high, fabs(LINEAR_C[i]), 1e-9);
    }
    sensitivity_morris_free(&morris);

    for (long i = 0; i < points; i++) y[i] = product(u + i * k);
    cr_assert_eq(sensitivity_morris_alloc(&morris, u, order, y, k, r, 200, 0.95, 5), 0);
    /* EE_1 = u2 at the trajectory's u2: levels 0..1, mean about 0.5 */
    cr_assert(morris.mu_star[0].value > 0.2 && morris.mu_star[0].value < 0.8);
    cr_assert(morris.sigma[0].value > 0.1);
    cr_assert(morris.mu_star[0].low < morris.mu_star[0].high);
    cr_assert_float_eq(morris.mu_star[2].value, 0, 1e-12);
    cr_assert_float_eq(morris.mu_star[3].value, 0, 1e-12);
    sensitivity_morris_free(&morris);
    free(u);
    free(y);
    free(order);
}

Test(sensitivity, factor_values) {
    struct plan_range range;
    char err[256];
    cr_assert_eq(plan_range_parse("x=1:4:int", &range, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sensitivity_value(&range, 0), 1);
    cr_assert_eq(sensitivity_value(&range, 0.2499), 1);
    cr_assert_eq(sensitivity_value(&range, 0.25), 2);
    cr_assert_eq(sensitivity_value(&range, 1), 4);
    plan_range_free(&range);
    cr_assert_eq(plan_range_parse("sharing.policy=choice:withhold,level,full:1,2,1", &range, err,
                                  sizeof err),
                 0, "%s", err);
    cr_assert_eq(range.kind, PLAN_CHOICE);
    cr_assert_eq(range.n_choices, 3);
    cr_assert_str_eq(range.choices[2], "full");
    cr_assert_eq(sensitivity_value(&range, 0.2), 0);
    cr_assert_eq(sensitivity_value(&range, 0.25), 1);
    cr_assert_eq(sensitivity_value(&range, 0.74), 1);
    cr_assert_eq(sensitivity_value(&range, 0.75), 2);
    cr_assert_eq(sensitivity_value(&range, 1), 2);
    plan_range_free(&range);
    cr_assert_eq(plan_range_parse("x=0:10", &range, err, sizeof err), 0);
    cr_assert_float_eq(sensitivity_value(&range, 0.3), 3, 1e-12);
    plan_range_free(&range);
    cr_assert_neq(plan_range_parse("x=choice:a,,b", &range, err, sizeof err), 0);
    cr_assert_neq(plan_range_parse("x=choice:a,b:1", &range, err, sizeof err), 0);
    cr_assert_neq(plan_range_parse("x=choice:a,b:1,-1", &range, err, sizeof err), 0);
}
