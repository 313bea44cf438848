/* robust.c — probability of being best, regret, Kendall tau rank stability and their bootstrap. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "../util/rng.h"
#include "robust.h"

const char *const robust_criterion_names[ROBUST_CRITERIA] = {"per_cost", "averted"};

void robust_ranks(const double *values, int n, double *ranks) {
    /* O(n^2): n is the number of measures (a handful), and it needs no sort or scratch. */
    for (int i = 0; i < n; i++) {
        int above = 0, equal = 0;
        for (int j = 0; j < n; j++) {
            if (values[j] > values[i])
                above++;
            else if (values[j] == values[i])
                equal++;
        }
        ranks[i] = above + (equal + 1) / 2.0; /* mean of ranks above+1 .. above+equal */
    }
}

double robust_kendall_tau(const double *x, const double *y, int n) {
    if (n < 2) return NAN;
    long concordant = 0, discordant = 0, ties_x = 0, ties_y = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double dx = x[i] - x[j], dy = y[i] - y[j];
            if (dx == 0) ties_x++;
            if (dy == 0) ties_y++;
            if (dx == 0 || dy == 0) continue;
            if ((dx > 0) == (dy > 0))
                concordant++;
            else
                discordant++;
        }
    long pairs = (long)n * (n - 1) / 2;
    double denominator = sqrt((double)(pairs - ties_x) * (double)(pairs - ties_y));
    if (denominator == 0) return NAN;
    return (double)(concordant - discordant) / denominator;
}

/* best minus value, with the infinities of free measures: equal infinities regret nothing. */
static double regret_of(double best, double value) {
    if (best == value) return 0.0;
    return best - value;
}

int robust_figures(const double *values, int n_points, int n_measures,
                   struct robust_measure_figures *figures, struct robust_stability *stability,
                   double *tau) {
    if (n_points < 1 || n_measures < 1) return -1;
    int first = n_points > 1 ? 1 : 0, n = n_points - first;
    size_t m_count = (size_t)n_measures;
    double *ranks = malloc((size_t)n_points * m_count * sizeof *ranks);
    double *regret = malloc((size_t)n * m_count * sizeof *regret); /* [measure][point] */
    double *taus = malloc((size_t)n_points * sizeof *taus);
    if (!ranks || !regret || !taus) {
        free(ranks), free(regret), free(taus);
        return -1;
    }
    for (int m = 0; m < n_measures; m++) figures[m] = (struct robust_measure_figures){0};
    for (int p = 0; p < n_points; p++)
        robust_ranks(values + p * m_count, n_measures, ranks + p * m_count);
    double identical = 0, same_best = 0;
    int nominal_best = 0;
    for (int m = 1; m < n_measures; m++)
        if (values[m] > values[nominal_best]) nominal_best = m;
    for (int p = 0; p < n_points; p++) {
        const double *row = values + (size_t)p * m_count, *rank = ranks + (size_t)p * m_count;
        taus[p] = n_measures > 1 ? robust_kendall_tau(rank, ranks, n_measures) : 1.0;
        if (p < first) continue;
        double best = row[0];
        int tied = 0, same = 1;
        for (int m = 1; m < n_measures; m++)
            if (row[m] > best) best = row[m];
        for (int m = 0; m < n_measures; m++) {
            if (row[m] == best) tied++;
            if (rank[m] != ranks[m]) same = 0;
        }
        identical += same;
        same_best += row[nominal_best] == best ? 1.0 / tied : 0.0;
        for (int m = 0; m < n_measures; m++) {
            struct robust_measure_figures *f = &figures[m];
            if (row[m] == best) f->p_best += 1.0 / tied;
            double r = regret_of(best, row[m]);
            regret[(size_t)m * (size_t)n + (size_t)(p - first)] = r;
            f->regret_mean += r;
            if (p == first || r > f->regret_max) f->regret_max = r;
            f->rank_mean += rank[m];
            if (rank[m] == ranks[m]) f->p_nominal_rank += 1;
        }
    }
    for (int m = 0; m < n_measures; m++) {
        struct robust_measure_figures *f = &figures[m];
        f->p_best /= n;
        f->regret_mean /= n;
        f->rank_mean /= n;
        f->p_nominal_rank /= n;
        f->nominal_rank = ranks[m];
        double *column = regret + (size_t)m * (size_t)n;
        gsl_sort(column, 1, (size_t)n);
        f->regret_q90 = gsl_stats_quantile_from_sorted_data(column, 1, (size_t)n, 0.9);
    }
    if (stability) {
        /* tau is NaN at a point whose values are all equal: left out of the summaries */
        double *sorted = regret; /* reuse: n <= n * n_measures */
        int kept = 0;
        double sum = 0;
        for (int p = first; p < n_points; p++)
            if (!isnan(taus[p])) sorted[kept++] = taus[p], sum += taus[p];
        gsl_sort(sorted, 1, (size_t)kept);
        stability->tau_mean = kept ? sum / kept : NAN;
        stability->tau_median =
            kept ? gsl_stats_quantile_from_sorted_data(sorted, 1, (size_t)kept, 0.5) : NAN;
        stability->tau_min = kept ? sorted[0] : NAN;
        stability->p_identical = identical / n;
        stability->p_same_best = same_best / n;
    }
    if (tau) memcpy(tau, taus, (size_t)n_points * sizeof *tau);
    free(ranks), free(regret), free(taus);
    return 0;
}

static double per_cost(double averted, double cost) {
    if (cost > 0) return averted / cost;
    if (averted == 0 || isnan(averted)) return 0.0;
    return averted > 0 ? INFINITY : -INFINITY;
}

void robust_values(const double *averted, const double *cost, int n_points, int n_measures,
                   int replicates, const int *resample, double *per_cost_out,
                   double *mean_averted) {
    for (int p = 0; p < n_points; p++)
        for (int m = 0; m < n_measures; m++) {
            size_t cell = (size_t)p * (size_t)n_measures + (size_t)m;
            const double *sample = averted + cell * (size_t)replicates;
            double sum = 0; /* in index order: the same bits for any thread count */
            for (int r = 0; r < replicates; r++) sum += sample[resample ? resample[r] : r];
            double mean = sum / replicates;
            if (mean_averted) mean_averted[cell] = mean;
            if (per_cost_out) per_cost_out[cell] = per_cost(mean, cost[m]);
        }
}

void robust_result_free(struct robust_result *result) {
    if (!result) return;
    for (int c = 0; c < ROBUST_CRITERIA; c++) {
        free(result->values[c]);
        free(result->tau[c]);
        free(result->figures[c]);
        free(result->interval[c].low);
        free(result->interval[c].high);
    }
    memset(result, 0, sizeof *result);
}

/* The figures as a flat vector, so that bootstrap draws can be stored and sorted per entry. */
enum { FIGURE_FIELDS = 7, STABILITY_FIELDS = 5 };

static void figures_flatten(const struct robust_measure_figures *f, double *out) {
    double v[FIGURE_FIELDS] = {f->p_best,    f->regret_mean,  f->regret_q90,    f->regret_max,
                               f->rank_mean, f->nominal_rank, f->p_nominal_rank};
    memcpy(out, v, sizeof v);
}

static void figures_unflatten(const double *v, struct robust_measure_figures *f) {
    *f = (struct robust_measure_figures){v[0], v[1], v[2], v[3], v[4], v[5], v[6]};
}

static void stability_flatten(const struct robust_stability *s, double *out) {
    double v[STABILITY_FIELDS] = {s->tau_mean, s->tau_median, s->tau_min, s->p_identical,
                                  s->p_same_best};
    memcpy(out, v, sizeof v);
}

static void stability_unflatten(const double *v, struct robust_stability *s) {
    *s = (struct robust_stability){v[0], v[1], v[2], v[3], v[4]};
}

/* 2.5% and 97.5% percentiles of each of `fields` entries over `draws` rows (NaNs left out). */
static void percentile_bounds(double *draws, int n_draws, int fields, double *low, double *high,
                              double *column) {
    for (int f = 0; f < fields; f++) {
        int kept = 0;
        for (int b = 0; b < n_draws; b++) {
            double v = draws[(size_t)b * (size_t)fields + (size_t)f];
            if (!isnan(v)) column[kept++] = v;
        }
        gsl_sort(column, 1, (size_t)kept);
        low[f] = kept ? gsl_stats_quantile_from_sorted_data(column, 1, (size_t)kept, 0.025) : NAN;
        high[f] = kept ? gsl_stats_quantile_from_sorted_data(column, 1, (size_t)kept, 0.975) : NAN;
    }
}

int robust_compute(const double *averted, const double *cost, int n_points, int n_measures,
                   int replicates, int bootstrap, unsigned long long seed,
                   struct robust_result *result, char *err, size_t errlen) {
    memset(result, 0, sizeof *result);
    if (n_points < 1 || n_measures < 1 || replicates < 1 || bootstrap < 0 ||
        bootstrap > ROBUST_MAX_BOOTSTRAP) {
        snprintf(err, errlen,
                 "robust figures need points, measures and replicates (got %d, %d, "
                 "%d) and 0..%d bootstrap draws",
                 n_points, n_measures, replicates, ROBUST_MAX_BOOTSTRAP);
        return -1;
    }
    result->n_points = n_points;
    result->n_measures = n_measures;
    result->replicates = replicates;
    result->bootstrap = bootstrap;
    size_t cells = (size_t)n_points * (size_t)n_measures, m_count = (size_t)n_measures;
    int width = n_measures * FIGURE_FIELDS + STABILITY_FIELDS; /* one bootstrap row */
    double *draws[ROBUST_CRITERIA] = {NULL, NULL};
    double *scratch = malloc(cells * 2 * sizeof *scratch);
    struct robust_measure_figures *figures = malloc(m_count * sizeof *figures);
    int *resample = malloc((size_t)replicates * sizeof *resample);
    double *column = malloc((size_t)(bootstrap > 0 ? bootstrap : 1) * sizeof *column);
    gsl_rng *rng = bootstrap > 0 ? gsl_rng_alloc(rng_philox) : NULL;
    int ok = scratch && figures && resample && column && (bootstrap == 0 || rng);
    for (int c = 0; ok && c < ROBUST_CRITERIA; c++) {
        result->values[c] = malloc(cells * sizeof(double));
        result->tau[c] = malloc((size_t)n_points * sizeof(double));
        result->figures[c] = malloc(m_count * sizeof *result->figures[c]);
        result->interval[c].low = malloc(m_count * sizeof *result->interval[c].low);
        result->interval[c].high = malloc(m_count * sizeof *result->interval[c].high);
        draws[c] = malloc((size_t)(bootstrap > 0 ? bootstrap : 1) * (size_t)width * sizeof(double));
        ok = result->values[c] && result->tau[c] && result->figures[c] && result->interval[c].low &&
             result->interval[c].high && draws[c];
    }
    if (ok) {
        robust_values(averted, cost, n_points, n_measures, replicates, NULL,
                      result->values[ROBUST_PER_COST], result->values[ROBUST_AVERTED]);
        for (int c = 0; ok && c < ROBUST_CRITERIA; c++)
            ok = robust_figures(result->values[c], n_points, n_measures, result->figures[c],
                                &result->stability[c], result->tau[c]) == 0;
    }
    uint64_t key = rng_key(seed, 0, ROBUST_BOOTSTRAP_PURPOSE);
    for (int b = 0; ok && b < bootstrap; b++) {
        rng_stream_set(rng, key, (uint64_t)b, 0);
        for (int r = 0; r < replicates; r++)
            resample[r] = (int)gsl_rng_uniform_int(rng, (unsigned long)replicates);
        robust_values(averted, cost, n_points, n_measures, replicates, resample, scratch,
                      scratch + cells);
        for (int c = 0; ok && c < ROBUST_CRITERIA; c++) {
            struct robust_stability stability;
            ok = robust_figures(scratch + (size_t)c * cells, n_points, n_measures, figures,
                                &stability, NULL) == 0;
            double *row = draws[c] + (size_t)b * (size_t)width;
            for (int m = 0; ok && m < n_measures; m++)
                figures_flatten(&figures[m], row + m * FIGURE_FIELDS);
            stability_flatten(&stability, row + n_measures * FIGURE_FIELDS);
        }
    }
    for (int c = 0; ok && c < ROBUST_CRITERIA; c++) {
        double *low = malloc((size_t)width * sizeof *low),
               *high = malloc((size_t)width * sizeof *high);
        if (!low || !high) {
            free(low), free(high);
            ok = 0;
            break;
        }
        if (bootstrap > 0)
            percentile_bounds(draws[c], bootstrap, width, low, high, column);
        else
            for (int f = 0; f < width; f++) low[f] = high[f] = NAN;
        for (int m = 0; m < n_measures; m++) {
            figures_unflatten(low + m * FIGURE_FIELDS, &result->interval[c].low[m]);
            figures_unflatten(high + m * FIGURE_FIELDS, &result->interval[c].high[m]);
        }
        stability_unflatten(low + n_measures * FIGURE_FIELDS, &result->interval[c].stability_low);
        stability_unflatten(high + n_measures * FIGURE_FIELDS, &result->interval[c].stability_high);
        free(low), free(high);
    }
    for (int c = 0; c < ROBUST_CRITERIA; c++) free(draws[c]);
    free(scratch), free(figures), free(resample), free(column);
    if (rng) gsl_rng_free(rng);
    if (!ok) {
        robust_result_free(result);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}
