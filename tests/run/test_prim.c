/* test_prim.c — PRIM on cases with a known answer: a hand-computed one-dimensional trajectory,
 * and a failing box hidden in uniform points in three dimensions (found within a tolerance). */
#include <criterion/criterion.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>

#include "prim.h"

/* x = 0 .. 19, the last five fail; each peel (alpha 0.05 of 20 points: one point) takes the
 * lowest point, so step s is [s, 19] with density 5 / (20 - s) until s = 15. */
Test(prim, one_dimension_by_hand) {
    double x[20];
    int fails[20];
    for (int i = 0; i < 20; i++) x[i] = i, fails[i] = i >= 15;
    struct prim_options o = prim_default_options();
    struct prim_result r;
    char err[256];
    cr_assert_eq(prim_run(x, fails, 20, 1, &o, &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(r.fails_total, 5);
    cr_assert(r.n_steps >= 16);
    for (int s = 0; s <= 15; s++) {
        cr_assert_eq(r.steps[s].inside, 20 - s, "step %d", s);
        cr_assert_float_eq(r.steps[s].density, 5.0 / (20 - s), 1e-12);
        cr_assert_float_eq(r.steps[s].coverage, 1.0, 1e-12);
        cr_assert_float_eq(r.step_low[s], (double)s, 0);
    }
    cr_assert_eq(r.chosen, 15); /* the first box of density 1, with coverage 1 */
    cr_assert_float_eq(r.box_low[0], 15.0, 0);
    cr_assert_float_eq(r.box_high[0], 19.0, 0);
    cr_assert_float_eq(r.box.density, 1.0, 1e-12);
    cr_assert_eq(r.restricted[0], 1);
    prim_result_free(&r);
}

/* 500 uniform points in [0, 1]^3 fail where x0 > 0.6 and x1 < 0.3 (x2 does not matter). */
Test(prim, finds_a_known_box) {
    enum { N = 500, D = 3 };
    double *x = malloc(N * D * sizeof *x);
    int *fails = malloc(N * sizeof *fails);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 2024);
    for (int p = 0; p < N; p++) {
        for (int j = 0; j < D; j++) x[p * D + j] = gsl_rng_uniform(rng);
        fails[p] = x[p * D] > 0.6 && x[p * D + 1] < 0.3;
    }
    struct prim_options o = prim_default_options();
    struct prim_result r;
    char err[256];
    cr_assert_eq(prim_run(x, fails, N, D, &o, &r, err, sizeof err), 0, "%s", err);
    cr_assert_float_eq(r.steps[0].coverage, 1.0, 1e-12);
    for (int s = 1; s < r.n_steps; s++) {
        cr_assert(r.steps[s].coverage <= r.steps[s - 1].coverage + 1e-12);
        cr_assert(r.steps[s].inside < r.steps[s - 1].inside);
        cr_assert(r.steps[s].support >= o.min_support - 1e-12);
    }
    cr_assert(r.box.coverage > 0.95, "coverage %g", r.box.coverage);
    cr_assert(r.box.density > 0.95, "density %g", r.box.density);
    cr_assert(fabs(r.box_low[0] - 0.6) < 0.05, "x0 low edge %g", r.box_low[0]);
    cr_assert(fabs(r.box_high[1] - 0.3) < 0.05, "x1 high edge %g", r.box_high[1]);
    cr_assert_eq(r.restricted[0], 1);
    cr_assert_eq(r.restricted[1], 1);
    cr_assert_eq(r.restricted[2], 0, "x2 restricted to [%g, %g]", r.box_low[2], r.box_high[2]);
    prim_result_free(&r);
    gsl_rng_free(rng);
    free(x);
    free(fails);
}

Test(prim, no_failure_leaves_the_range) {
    double x[4] = {0, 1, 2, 3};
    int fails[4] = {0, 0, 0, 0};
    struct prim_options o = prim_default_options();
    struct prim_result r;
    char err[256];
    cr_assert_eq(prim_run(x, fails, 4, 1, &o, &r, err, sizeof err), 0);
    cr_assert_eq(r.n_steps, 1);
    cr_assert(isnan(r.box.coverage));
    cr_assert_eq(r.restricted[0], 0);
    prim_result_free(&r);
}

Test(prim, refuses_bad_options) {
    double x[2] = {0, 1};
    int fails[2] = {0, 1};
    struct prim_options o = prim_default_options();
    struct prim_result r;
    char err[256];
    o.alpha = 0.7;
    cr_assert_eq(prim_run(x, fails, 2, 1, &o, &r, err, sizeof err), -1);
    o = prim_default_options();
    cr_assert_eq(prim_run(x, fails, 0, 1, &o, &r, err, sizeof err), -1);
}
