/* test_stats.c — engine/util/stats: mean/sd, t-intervals, quantiles, paired differences, against
 * values computed by hand or by closed forms. */
#include <criterion/criterion.h>
#include <math.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "stats.h"
#include "../common/leak_check.h"

Test(stats, mean_sd_by_hand) {
    const double x[] = {2, 4, 4, 4, 5, 5, 7, 9};
    double mean, sd;
    stats_mean_sd(x, 1, 8, &mean, &sd);
    cr_assert_float_eq(mean, 5.0, 1e-15);
    /* sum of squares 32, n - 1 = 7 */
    cr_assert_float_eq(sd, sqrt(32.0 / 7.0), 1e-14);
    expect_no_leaks();
}

Test(stats, strided_sample_reads_every_stride_th_value) {
    const double x[] = {1, 100, 3, 100, 5, 100};
    double mean, sd;
    stats_mean_sd(x, 2, 3, &mean, &sd);
    cr_assert_float_eq(mean, 3.0, 1e-15);
    cr_assert_float_eq(sd, 2.0, 1e-15);
    expect_no_leaks();
}

Test(stats, large_offset_keeps_precision) {
    /* Naive sum-of-squares would lose everything at 1e9 + small spread. */
    const double x[] = {1e9 + 1, 1e9 + 2, 1e9 + 3};
    double mean, sd;
    stats_mean_sd(x, 1, 3, &mean, &sd);
    cr_assert_float_eq(mean, 1e9 + 2, 1e-6);
    cr_assert_float_eq(sd, 1.0, 1e-9);
    expect_no_leaks();
}

Test(stats, interval_uses_student_t) {
    /* n = 10, sd = 2: half width = t(0.975, 9) * 2 / sqrt(10); t = 2.2621571627982 */
    double low, high;
    stats_t_interval(1.0, 2.0, 10, &low, &high);
    double half = 2.2621571627982 * 2.0 / sqrt(10.0);
    cr_assert_float_eq(low, 1.0 - half, 1e-10);
    cr_assert_float_eq(high, 1.0 + half, 1e-10);
    expect_no_leaks();
}

Test(stats, single_value_has_undefined_spread) {
    const double x[] = {3.5};
    struct stats_summary summary;
    cr_assert_eq(stats_summarise(x, 1, 1, &summary), 0);
    cr_assert_float_eq(summary.value[STATS_MEAN], 3.5, 0);
    cr_assert(isnan(summary.value[STATS_SD]));
    cr_assert(isnan(summary.value[STATS_CI_LOW]) && isnan(summary.value[STATS_CI_HIGH]));
    cr_assert_float_eq(summary.value[STATS_Q50], 3.5, 0);
    expect_no_leaks();
}

Test(stats, quantiles_interpolate_sorted_data) {
    /* 0..100 shuffled: q05 = 5, q50 = 50, q95 = 95 exactly (GSL: (n-1) f interpolation). */
    double x[101];
    for (int i = 0; i <= 100; i++) x[i] = (double)((i * 37) % 101);
    struct stats_summary summary;
    cr_assert_eq(stats_summarise(x, 1, 101, &summary), 0);
    cr_assert_float_eq(summary.value[STATS_Q05], 5.0, 1e-12);
    cr_assert_float_eq(summary.value[STATS_Q50], 50.0, 1e-12);
    cr_assert_float_eq(summary.value[STATS_Q95], 95.0, 1e-12);
    cr_assert_float_eq(x[1], 37.0, 0, "the input must not be sorted in place");
    expect_no_leaks();
}

Test(stats, paired_difference_removes_common_noise) {
    /* a = noise + 1 + small, b = noise: the paired interval is tight around 1 and the unpaired
     * one is wide, because the shared noise cancels only when pairing. */
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    enum { N = 400 };
    double a[N], b[N];
    for (int i = 0; i < N; i++) {
        double common = gsl_ran_gaussian(rng, 10.0);
        b[i] = common;
        a[i] = common + 1.0 + gsl_ran_gaussian(rng, 0.1);
    }
    gsl_rng_free(rng);
    struct stats_difference d;
    stats_paired_difference(a, b, 1, N, &d);
    /* sd of the differences is 0.1: 5 standard errors = 5 * 0.1 / sqrt(400) = 0.025 */
    cr_assert(fabs(d.mean - 1.0) < 0.025, "mean %g", d.mean);
    cr_assert(fabs(d.sd - 0.1) < 0.1 * 5 / sqrt(2.0 * N), "sd %g", d.sd);
    cr_assert(d.ci_low < d.mean && d.mean < d.ci_high);
    double paired = d.ci_high - d.ci_low, unpaired = d.unpaired_high - d.unpaired_low;
    cr_assert(unpaired > 20 * paired, "paired %g unpaired %g", paired, unpaired);
    expect_no_leaks();
}

Test(stats, paired_difference_of_identical_samples_is_zero) {
    const double a[] = {1, 5, 2, 8};
    struct stats_difference d;
    stats_paired_difference(a, a, 1, 4, &d);
    cr_assert_eq(d.mean, 0.0);
    cr_assert_eq(d.ci_low, 0.0);
    cr_assert_eq(d.ci_high, 0.0);
    expect_no_leaks();
}

Test(stats, interval_covers_the_true_mean_about_95_percent) {
    /* 2000 samples of n = 10 from N(3, 2): coverage is Binomial(2000, 0.95), sd 0.0049; accept
     * within 4.5 sd. */
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 11);
    int covered = 0, trials = 2000;
    for (int t = 0; t < trials; t++) {
        double x[10];
        for (int i = 0; i < 10; i++) x[i] = 3.0 + gsl_ran_gaussian(rng, 2.0);
        struct stats_summary s;
        cr_assert_eq(stats_summarise(x, 1, 10, &s), 0);
        covered += s.value[STATS_CI_LOW] <= 3.0 && 3.0 <= s.value[STATS_CI_HIGH];
    }
    gsl_rng_free(rng);
    double rate = (double)covered / trials, sd = sqrt(0.95 * 0.05 / trials);
    cr_assert(fabs(rate - 0.95) < 4.5 * sd, "coverage %g", rate);
    expect_no_leaks();
}
