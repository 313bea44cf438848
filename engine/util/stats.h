/* stats.h — summary statistics of replicate samples: mean, sd, 95% t-intervals, quantiles, paired
 * and unpaired differences. Pure functions over arrays, summed in a fixed order so that results do
 * not depend on thread layout. */
#ifndef C5SIM_STATS_H
#define C5SIM_STATS_H

#include <stddef.h>

/* The seven statistics of a summary, in the order they are stored (/variants/k/summary). */
enum stats_field {
    STATS_MEAN = 0,
    STATS_SD,
    STATS_CI_LOW,
    STATS_CI_HIGH,
    STATS_Q05,
    STATS_Q50,
    STATS_Q95,
    STATS_FIELD_COUNT
};
extern const char *const stats_field_names[STATS_FIELD_COUNT];

/* Confidence level of every interval c5sim reports. */
#define STATS_CONFIDENCE 0.95

struct stats_summary {
    size_t count;
    double value[STATS_FIELD_COUNT]; /* indexed by enum stats_field */
};

/* Mean and sample sd (n - 1) by two passes in index order. sd is NaN when count < 2; the mean
 * is NaN when count is 0. */
void stats_mean_sd(const double *values, size_t stride, size_t count, double *mean, double *sd);

/* Two-sided t-interval for a mean at STATS_CONFIDENCE: mean -/+ t(df) * sd / sqrt(count).
 * NaN bounds when count < 2. */
void stats_t_interval(double mean, double sd, size_t count, double *low, double *high);

/* Full summary of a sample (strided). Quantiles use a sorted copy (GSL's interpolated
 * quantiles). Returns 0, or -1 when memory runs out. */
int stats_summarise(const double *values, size_t stride, size_t count,
                    struct stats_summary *summary);

/* Difference of two samples a - b of equal count (b is the reference). */
struct stats_difference {
    size_t count;
    double mean;   /* mean(a) - mean(b) */
    double sd;     /* sd of the paired differences a_i - b_i */
    double ci_low; /* paired t-interval */
    double ci_high;
    double unpaired_low; /* Welch interval, as if the samples were independent */
    double unpaired_high;
};

/* Paired difference (same replicate index = same random numbers) and, for comparison, the
 * unpaired Welch interval. Strides apply to both arrays. */
void stats_paired_difference(const double *a, const double *b, size_t stride, size_t count,
                             struct stats_difference *difference);

#endif
