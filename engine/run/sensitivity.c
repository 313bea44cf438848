/* sensitivity.c — Saltelli and Morris designs, Sobol' and elementary-effect estimators, and their
 * bootstrap intervals (pure functions; formulas in sensitivity.h and docs/model.md). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_qrng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "../util/rng.h"
#include "sensitivity.h"

/* The bootstrap's and the Morris design's own random purposes, outside the model's rng_purpose
 * values (as plan.c's design purpose), so that neither shares a stream with the simulation. */
enum {
    SENSITIVITY_BOOTSTRAP_PURPOSE = 0x534f42 /* "SOB" */,
    SENSITIVITY_MORRIS_PURPOSE = 0x4d4f52
};

int sensitivity_saltelli_design(int k, int n_base, double *u) {
    if (k < 1 || k > SENSITIVITY_MAX_SOBOL_FACTORS || n_base < 1 ||
        n_base > SENSITIVITY_MAX_BASE_SAMPLES || !u)
        return -1;
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)(2 * k));
    if (!q) return -1;
    double point[2 * SENSITIVITY_MAX_SOBOL_FACTORS];
    /* GSL's sequence starts at (0.5, ..., 0.5) (it never returns the origin): a point whose halves
     * A and B coincide, which tells nothing, so it is skipped */
    gsl_qrng_get(q, point);
    for (int r = 0; r < n_base; r++) {
        gsl_qrng_get(q, point);
        double *a = u + (size_t)r * (size_t)(k + 2) * (size_t)k;
        double *b = a + k;
        memcpy(a, point, (size_t)k * sizeof *a);
        memcpy(b, point + k, (size_t)k * sizeof *b);
        for (int i = 0; i < k; i++) {
            double *ab = a + (size_t)(2 + i) * (size_t)k;
            memcpy(ab, a, (size_t)k * sizeof *ab);
            ab[i] = b[i];
        }
    }
    gsl_qrng_free(q);
    return 0;
}

static int compare_doubles(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* The q-quantile of sorted values, interpolating linearly between order statistics. */
static double quantile_sorted(const double *sorted, int n, double q) {
    if (n == 1) return sorted[0];
    double h = q * (n - 1);
    int lo = (int)floor(h);
    if (lo >= n - 1) return sorted[n - 1];
    return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
}

/* Fill an index's interval from its bootstrap replicates (sorted in place). */
static void set_interval(struct sensitivity_index *index, double *boot, int n, double level) {
    index->low = index->high = index->value;
    index->se = 0;
    if (n < 2) return;
    double mean = 0, m2 = 0;
    for (int b = 0; b < n; b++) mean += boot[b];
    mean /= n;
    for (int b = 0; b < n; b++) m2 += (boot[b] - mean) * (boot[b] - mean);
    index->se = sqrt(m2 / (n - 1));
    qsort(boot, (size_t)n, sizeof *boot, compare_doubles);
    index->low = quantile_sorted(boot, n, (1 - level) / 2);
    index->high = quantile_sorted(boot, n, 1 - (1 - level) / 2);
}

/* S_i and ST_i over the base rows rows[0..n-1] (indices into the design's blocks). Returns 0, or
 * -1 when the variance is 0. */
static int sobol_estimate(const double *f, int k, const int *rows, int n, double *first,
                          double *total, double *mean_out, double *variance_out) {
    size_t block = (size_t)k + 2;
    double mean = 0;
    for (int r = 0; r < n; r++) mean += f[rows[r] * block] + f[rows[r] * block + 1];
    mean /= 2.0 * n;
    double variance = 0;
    for (int r = 0; r < n; r++) {
        double a = f[rows[r] * block] - mean, b = f[rows[r] * block + 1] - mean;
        variance += a * a + b * b;
    }
    variance /= 2.0 * n;
    if (mean_out) *mean_out = mean;
    if (variance_out) *variance_out = variance;
    if (!(variance > 0)) return -1;
    for (int i = 0; i < k; i++) {
        double s = 0, t = 0;
        for (int r = 0; r < n; r++) {
            const double *row = f + rows[r] * block;
            double fa = row[0], fb = row[1] - mean, fab = row[2 + i];
            s += fb * (fab - fa);
            t += (fa - fab) * (fa - fab);
        }
        first[i] = s / n / variance;
        total[i] = t / (2.0 * n) / variance;
    }
    return 0;
}

void sensitivity_sobol_free(struct sensitivity_sobol *sobol) {
    if (!sobol) return;
    free(sobol->first);
    free(sobol->total);
    memset(sobol, 0, sizeof *sobol);
}

int sensitivity_sobol_alloc(struct sensitivity_sobol *out, const double *f, int k, int n_base,
                            int n_bootstrap, double level, unsigned long long seed) {
    memset(out, 0, sizeof *out);
    if (k < 1 || k > SENSITIVITY_MAX_SOBOL_FACTORS || n_base < 1 ||
        n_base > SENSITIVITY_MAX_BASE_SAMPLES || n_bootstrap < 0 ||
        n_bootstrap > SENSITIVITY_MAX_BOOTSTRAP || !(level > 0 && level < 1))
        return -1;
    out->k = k;
    out->first = calloc((size_t)k, sizeof *out->first);
    out->total = calloc((size_t)k, sizeof *out->total);
    int *rows = malloc((size_t)n_base * sizeof *rows);
    double *first = malloc((size_t)k * sizeof *first), *total = malloc((size_t)k * sizeof *total);
    size_t boot_size = (size_t)(n_bootstrap > 0 ? n_bootstrap : 1) * (size_t)k;
    double *boot_first = malloc(boot_size * sizeof *boot_first);
    double *boot_total = malloc(boot_size * sizeof *boot_total);
    gsl_rng *rng = gsl_rng_alloc(rng_philox);
    int status =
        out->first && out->total && rows && first && total && boot_first && boot_total && rng ? 0
                                                                                              : -1;
    if (status == 0) {
        for (int r = 0; r < n_base; r++) rows[r] = r;
        status = sobol_estimate(f, k, rows, n_base, first, total, &out->mean, &out->variance);
    }
    for (int i = 0; status == 0 && i < k; i++) {
        out->first[i].value = first[i];
        out->total[i].value = total[i];
    }
    /* Resample b draws its rows from stream b, so an interval does not depend on how many
     * resamples came before it. A resample whose variance is 0 (every row drawn the same) is
     * drawn again from the next stream. */
    uint64_t key = rng_key(seed, 0, SENSITIVITY_BOOTSTRAP_PURPOSE);
    int kept = 0;
    for (uint64_t stream = 0; status == 0 && kept < n_bootstrap; stream++) {
        if (stream > (uint64_t)n_bootstrap * 4 + 100) break;
        rng_stream_set(rng, key, stream, 0);
        for (int r = 0; r < n_base; r++)
            rows[r] = (int)gsl_rng_uniform_int(rng, (unsigned long)n_base);
        if (sobol_estimate(f, k, rows, n_base, first, total, NULL, NULL) != 0) continue;
        for (int i = 0; i < k; i++) {
            boot_first[(size_t)i * (size_t)n_bootstrap + (size_t)kept] = first[i];
            boot_total[(size_t)i * (size_t)n_bootstrap + (size_t)kept] = total[i];
        }
        kept++;
    }
    for (int i = 0; status == 0 && i < k; i++) {
        set_interval(&out->first[i], boot_first + (size_t)i * (size_t)n_bootstrap, kept, level);
        set_interval(&out->total[i], boot_total + (size_t)i * (size_t)n_bootstrap, kept, level);
    }
    free(rows), free(first), free(total), free(boot_first), free(boot_total);
    if (rng) gsl_rng_free(rng);
    if (status != 0) sensitivity_sobol_free(out);
    return status;
}

/* ---- Morris --------------------------------------------------------------------------------- */

int sensitivity_morris_design(int k, int trajectories, int levels, unsigned long long seed,
                              double *u, int *order) {
    if (k < 1 || k > SENSITIVITY_MAX_MORRIS_FACTORS || trajectories < 1 ||
        trajectories > SENSITIVITY_MAX_TRAJECTORIES || levels < 2 ||
        levels > SENSITIVITY_MAX_LEVELS || levels % 2 != 0 || !u || !order)
        return -1;
    gsl_rng *rng = gsl_rng_alloc(rng_philox);
    size_t *perm = malloc((size_t)k * sizeof *perm);
    if (!rng || !perm) {
        if (rng) gsl_rng_free(rng);
        free(perm);
        return -1;
    }
    /* Delta = p / (2 (p - 1)) is p/2 grid steps: a start among the lower p/2 levels can always
     * move up by Delta, and its partner level (start + Delta) down by it. */
    int half = levels / 2;
    double step = 1.0 / (levels - 1), delta = half * step;
    uint64_t key = rng_key(seed, 0, SENSITIVITY_MORRIS_PURPOSE);
    for (int t = 0; t < trajectories; t++) {
        rng_stream_set(rng, key, (uint64_t)t, 0);
        double *x = u + (size_t)t * (size_t)(k + 1) * (size_t)k;
        for (int j = 0; j < k; j++) {
            double low = step * (double)gsl_rng_uniform_int(rng, (unsigned long)half);
            /* up from the lower level, or down from the upper one */
            x[j] = gsl_rng_uniform(rng) < 0.5 ? low : low + delta;
        }
        for (int j = 0; j < k; j++) perm[j] = (size_t)j;
        gsl_ran_shuffle(rng, perm, (size_t)k, sizeof *perm);
        for (int s = 0; s < k; s++) {
            int j = (int)perm[s];
            order[(size_t)t * (size_t)k + (size_t)s] = j;
            double *next = x + (size_t)(s + 1) * (size_t)k;
            memcpy(next, x + (size_t)s * (size_t)k, (size_t)k * sizeof *next);
            next[j] =
                next[j] + delta <= 1 + 1e-12 && x[(size_t)s * (size_t)k + (size_t)j] < delta - 1e-12
                    ? next[j] + delta
                    : next[j] - delta;
            if (next[j] < 0) next[j] = 0;
            if (next[j] > 1) next[j] = 1;
        }
    }
    free(perm);
    gsl_rng_free(rng);
    return 0;
}

void sensitivity_morris_free(struct sensitivity_morris *morris) {
    if (!morris) return;
    free(morris->mu_star);
    free(morris->mu);
    free(morris->sigma);
    free(morris->effects);
    memset(morris, 0, sizeof *morris);
}

/* mu*, mu and sigma of factor j over the trajectories listed. */
static void morris_moments(const double *effects, int k, int j, const int *rows, int n,
                           double *mu_star, double *mu, double *sigma) {
    double sum = 0, sum_abs = 0;
    for (int r = 0; r < n; r++) {
        double e = effects[(size_t)rows[r] * (size_t)k + (size_t)j];
        sum += e;
        sum_abs += fabs(e);
    }
    *mu = sum / n;
    *mu_star = sum_abs / n;
    double m2 = 0;
    for (int r = 0; r < n; r++) {
        double d = effects[(size_t)rows[r] * (size_t)k + (size_t)j] - *mu;
        m2 += d * d;
    }
    *sigma = n > 1 ? sqrt(m2 / (n - 1)) : 0;
}

int sensitivity_morris_alloc(struct sensitivity_morris *out, const double *u, const int *order,
                             const double *f, int k, int trajectories, int n_bootstrap,
                             double level, unsigned long long seed) {
    memset(out, 0, sizeof *out);
    if (k < 1 || k > SENSITIVITY_MAX_MORRIS_FACTORS || trajectories < 1 ||
        trajectories > SENSITIVITY_MAX_TRAJECTORIES || n_bootstrap < 0 ||
        n_bootstrap > SENSITIVITY_MAX_BOOTSTRAP || !(level > 0 && level < 1))
        return -1;
    out->k = k;
    out->trajectories = trajectories;
    out->mu_star = calloc((size_t)k, sizeof *out->mu_star);
    out->mu = calloc((size_t)k, sizeof *out->mu);
    out->sigma = calloc((size_t)k, sizeof *out->sigma);
    out->effects = malloc((size_t)trajectories * (size_t)k * sizeof *out->effects);
    int *rows = malloc((size_t)trajectories * sizeof *rows);
    size_t boot_size = (size_t)(n_bootstrap > 0 ? n_bootstrap : 1);
    double *boot = malloc(3 * boot_size * sizeof *boot);
    gsl_rng *rng = gsl_rng_alloc(rng_philox);
    int status =
        out->mu_star && out->mu && out->sigma && out->effects && rows && boot && rng ? 0 : -1;
    for (int t = 0; status == 0 && t < trajectories; t++) {
        const double *x = u + (size_t)t * (size_t)(k + 1) * (size_t)k;
        const double *y = f + (size_t)t * (size_t)(k + 1);
        for (int s = 0; s < k; s++) {
            int j = order[(size_t)t * (size_t)k + (size_t)s];
            double du =
                x[(size_t)(s + 1) * (size_t)k + (size_t)j] - x[(size_t)s * (size_t)k + (size_t)j];
            if (du == 0) {
                status = -1;
                break;
            }
            out->effects[(size_t)t * (size_t)k + (size_t)j] = (y[s + 1] - y[s]) / du;
        }
    }
    if (status == 0) {
        out->delta = trajectories > 0 ? fabs(u[(size_t)k + (size_t)order[0]] - u[order[0]]) : 0;
        for (int t = 0; t < trajectories; t++) rows[t] = t;
        for (int j = 0; j < k; j++)
            morris_moments(out->effects, k, j, rows, trajectories, &out->mu_star[j].value,
                           &out->mu[j].value, &out->sigma[j].value);
    }
    uint64_t key = rng_key(seed, 0, SENSITIVITY_BOOTSTRAP_PURPOSE);
    for (int j = 0; status == 0 && j < k; j++) {
        /* The same resamples for every factor (stream b), as for Sobol'. */
        for (int b = 0; b < n_bootstrap; b++) {
            rng_stream_set(rng, key, (uint64_t)b, 0);
            for (int t = 0; t < trajectories; t++)
                rows[t] = (int)gsl_rng_uniform_int(rng, (unsigned long)trajectories);
            morris_moments(out->effects, k, j, rows, trajectories, &boot[b],
                           &boot[boot_size + (size_t)b], &boot[2 * boot_size + (size_t)b]);
        }
        set_interval(&out->mu_star[j], boot, n_bootstrap, level);
        set_interval(&out->mu[j], boot + boot_size, n_bootstrap, level);
        set_interval(&out->sigma[j], boot + 2 * boot_size, n_bootstrap, level);
    }
    free(rows), free(boot);
    if (rng) gsl_rng_free(rng);
    if (status != 0) sensitivity_morris_free(out);
    return status;
}

/* ---- factor values -------------------------------------------------------------------------- */

double sensitivity_value(const struct plan_range *range, double u) {
    if (u < 0) u = 0;
    if (u > 1) u = 1;
    if (range->kind == PLAN_INTEGER) {
        double value = range->low + floor(u * (range->high - range->low + 1));
        return value > range->high ? range->high : value;
    }
    if (range->kind == PLAN_CHOICE) {
        double total = 0, cumulative = 0;
        for (int i = 0; i < range->n_choices; i++) total += range->weights ? range->weights[i] : 1;
        for (int i = 0; i < range->n_choices; i++) {
            cumulative += range->weights ? range->weights[i] : 1;
            if (u * total < cumulative) return i;
        }
        return range->n_choices - 1;
    }
    double value = plan_range_quantile(range, u);
    return value < range->low ? range->low : value > range->high ? range->high : value;
}
