/* stats.c — summary statistics of replicate samples: two-pass mean/sd, t-intervals, quantiles,
 * paired and Welch differences. */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "stats.h"

const char *const stats_field_names[STATS_FIELD_COUNT] = {"mean", "sd",  "ci_low", "ci_high",
                                                          "q05",  "q50", "q95"};

void stats_mean_sd(const double *values, size_t stride, size_t count, double *mean, double *sd) {
    if (count == 0) {
        *mean = NAN;
        *sd = NAN;
        return;
    }
    /* Two passes rather than one running sum: the centred second pass keeps precision when the
     * mean is large against the spread (harm totals), and index order keeps it reproducible. */
    double sum = 0.0;
    for (size_t i = 0; i < count; i++) sum += values[i * stride];
    double m = sum / (double)count;
    *mean = m;
    if (count < 2) {
        *sd = NAN;
        return;
    }
    double squares = 0.0, residual = 0.0;
    for (size_t i = 0; i < count; i++) {
        double deviation = values[i * stride] - m;
        squares += deviation * deviation;
        residual += deviation;
    }
    /* Corrected two-pass formula: subtracts the rounding error left in the mean. */
    double variance = (squares - residual * residual / (double)count) / (double)(count - 1);
    *sd = variance > 0.0 ? sqrt(variance) : 0.0;
}

static double t_quantile(double df) {
    return gsl_cdf_tdist_Pinv(0.5 + STATS_CONFIDENCE / 2.0, df);
}

void stats_t_interval(double mean, double sd, size_t count, double *low, double *high) {
    if (count < 2 || isnan(sd)) {
        *low = NAN;
        *high = NAN;
        return;
    }
    double half = t_quantile((double)(count - 1)) * sd / sqrt((double)count);
    *low = mean - half;
    *high = mean + half;
}

int stats_summarise(const double *values, size_t stride, size_t count,
                    struct stats_summary *summary) {
    summary->count = count;
    double *v = summary->value;
    stats_mean_sd(values, stride, count, &v[STATS_MEAN], &v[STATS_SD]);
    stats_t_interval(v[STATS_MEAN], v[STATS_SD], count, &v[STATS_CI_LOW], &v[STATS_CI_HIGH]);
    if (count == 0) {
        v[STATS_Q05] = v[STATS_Q50] = v[STATS_Q95] = NAN;
        return 0;
    }
    double *sorted = malloc(count * sizeof *sorted);
    if (!sorted) return -1;
    for (size_t i = 0; i < count; i++) sorted[i] = values[i * stride];
    gsl_sort(sorted, 1, count);
    v[STATS_Q05] = gsl_stats_quantile_from_sorted_data(sorted, 1, count, 0.05);
    v[STATS_Q50] = gsl_stats_quantile_from_sorted_data(sorted, 1, count, 0.50);
    v[STATS_Q95] = gsl_stats_quantile_from_sorted_data(sorted, 1, count, 0.95);
    free(sorted);
    return 0;
}

void stats_paired_difference(const double *a, const double *b, size_t stride, size_t count,
                             struct stats_difference *difference) {
    difference->count = count;
    double mean_a, sd_a, mean_b, sd_b;
    stats_mean_sd(a, stride, count, &mean_a, &sd_a);
    stats_mean_sd(b, stride, count, &mean_b, &sd_b);

    /* Paired: the sd of the per-replicate differences, same two-pass order. */
    double sum = 0.0;
    for (size_t i = 0; i < count; i++) sum += a[i * stride] - b[i * stride];
    double mean = count ? sum / (double)count : NAN;
    double squares = 0.0;
    for (size_t i = 0; i < count; i++) {
        double deviation = (a[i * stride] - b[i * stride]) - mean;
        squares += deviation * deviation;
    }
    difference->mean = mean;
    difference->sd = count >= 2 ? sqrt(squares / (double)(count - 1)) : NAN;
    stats_t_interval(mean, difference->sd, count, &difference->ci_low, &difference->ci_high);

    /* Unpaired (Welch): what the interval would be without common random numbers. */
    if (count < 2) {
        difference->unpaired_low = difference->unpaired_high = NAN;
        return;
    }
    double n = (double)count;
    double va = sd_a * sd_a / n, vb = sd_b * sd_b / n;
    double se = sqrt(va + vb);
    double half = 0.0;
    if (se > 0.0) {
        double df = (va + vb) * (va + vb) / (va * va / (n - 1.0) + vb * vb / (n - 1.0));
        half = t_quantile(df) * se;
    }
    difference->unpaired_low = mean - half;
    difference->unpaired_high = mean + half;
}
