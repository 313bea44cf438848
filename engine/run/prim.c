/* prim.c — PRIM peeling trajectory, the chosen box and its pasting (prim.h has the rules). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>

#include "prim.h"

struct prim_options prim_default_options(void) {
    return (struct prim_options){
        .alpha = 0.05, .paste_alpha = 0.05, .min_support = 0.05, .min_coverage = 0.5};
}

static int inside_box(const double *row, int n_dims, const double *low, const double *high) {
    for (int j = 0; j < n_dims; j++)
        if (row[j] < low[j] || row[j] > high[j]) return 0;
    return 1;
}

struct prim_box_figures prim_box_measure(const double *x, const int *fails, int n_points,
                                         int n_dims, const double *low, const double *high,
                                         int fails_total) {
    struct prim_box_figures f = {0};
    for (int p = 0; p < n_points; p++)
        if (inside_box(x + (size_t)p * (size_t)n_dims, n_dims, low, high)) {
            f.inside++;
            f.fails_inside += fails[p] != 0;
        }
    f.support = n_points > 0 ? (double)f.inside / n_points : NAN;
    f.density = f.inside > 0 ? (double)f.fails_inside / f.inside : 0.0;
    f.coverage = fails_total > 0 ? (double)f.fails_inside / fails_total : NAN;
    return f;
}

/* a/b > c/d for counts (b, d > 0), exactly. */
static int denser(long a, long b, long c, long d) {
    return a * d > c * b;
}
static int as_dense(long a, long b, long c, long d) {
    return a * d >= c * b;
}

void prim_result_free(struct prim_result *result) {
    if (!result) return;
    free(result->steps);
    free(result->step_low);
    free(result->step_high);
    free(result->box_low);
    free(result->box_high);
    free(result->restricted);
    free(result->range_low);
    free(result->range_high);
    memset(result, 0, sizeof *result);
}

/* Append the box (low, high) to the trajectory. Returns 0 or -1 (memory). */
static int push_step(struct prim_result *r, int *capacity, const double *low, const double *high,
                     struct prim_box_figures figures) {
    size_t d = (size_t)r->n_dims;
    if (r->n_steps == *capacity) {
        int grown = *capacity ? 2 * *capacity : 64;
        struct prim_box_figures *steps = realloc(r->steps, (size_t)grown * sizeof *steps);
        if (steps) r->steps = steps;
        double *sl = realloc(r->step_low, (size_t)grown * d * sizeof *sl);
        if (sl) r->step_low = sl;
        double *sh = realloc(r->step_high, (size_t)grown * d * sizeof *sh);
        if (sh) r->step_high = sh;
        if (!steps || !sl || !sh) return -1;
        *capacity = grown;
    }
    memcpy(r->step_low + (size_t)r->n_steps * d, low, d * sizeof *low);
    memcpy(r->step_high + (size_t)r->n_steps * d, high, d * sizeof *high);
    r->steps[r->n_steps++] = figures;
    return 0;
}

/* One peel: the best of the 2 n_dims candidates from (low, high), written into (low, high).
 * Returns 1 when a peel was made, 0 when none is allowed. */
static int peel_once(const double *x, const int *fails, int n_points, int n_dims,
                     const struct prim_options *o, double *low, double *high, double *values) {
    long best_fails = -1, best_count = 0;
    int best_dim = -1, best_side = 0;
    double best_bound = 0;
    long min_count = (long)ceil(o->min_support * n_points - 1e-9);
    for (int j = 0; j < n_dims; j++) {
        int count = 0;
        for (int p = 0; p < n_points; p++) {
            const double *row = x + (size_t)p * (size_t)n_dims;
            if (inside_box(row, n_dims, low, high)) values[count++] = row[j];
        }
        if (count < 2) return 0;
        gsl_sort(values, 1, (size_t)count);
        int k = (int)floor(o->alpha * count);
        if (k < 1) k = 1;
        if (k >= count) k = count - 1;
        for (int side = 0; side < 2; side++) {
            double bound = side == 0 ? values[k] : values[count - 1 - k];
            if (side == 0 ? bound == values[0] : bound == values[count - 1]) continue;
            long left = 0, left_fails = 0;
            for (int p = 0; p < n_points; p++) {
                const double *row = x + (size_t)p * (size_t)n_dims;
                if (!inside_box(row, n_dims, low, high)) continue;
                if (side == 0 ? row[j] < bound : row[j] > bound) continue;
                left++;
                left_fails += fails[p] != 0;
            }
            if (left < min_count || left < 1) continue;
            int better = best_dim < 0 || denser(left_fails, left, best_fails, best_count) ||
                         (as_dense(left_fails, left, best_fails, best_count) && left > best_count);
            if (better) {
                best_fails = left_fails, best_count = left;
                best_dim = j, best_side = side, best_bound = bound;
            }
        }
    }
    if (best_dim < 0) return 0;
    if (best_side == 0)
        low[best_dim] = best_bound;
    else
        high[best_dim] = best_bound;
    return 1;
}

/* One paste: widen (low, high) where the density does not fall. Returns 1 when widened. */
static int paste_once(const double *x, const int *fails, int n_points, int n_dims,
                      const struct prim_options *o, double *low, double *high, double *values) {
    long inside = 0, inside_fails = 0;
    for (int p = 0; p < n_points; p++)
        if (inside_box(x + (size_t)p * (size_t)n_dims, n_dims, low, high))
            inside++, inside_fails += fails[p] != 0;
    if (inside == 0) return 0;
    long best_fails = 0, best_count = 0;
    int best_dim = -1, best_side = 0;
    double best_bound = 0;
    for (int j = 0; j < n_dims; j++)
        for (int side = 0; side < 2; side++) {
            /* the points outside this side only, nearest first */
            int count = 0;
            double keep = side == 0 ? low[j] : high[j];
            for (int p = 0; p < n_points; p++) {
                const double *row = x + (size_t)p * (size_t)n_dims;
                if (side == 0 ? row[j] >= low[j] : row[j] <= high[j]) continue;
                double saved_low = low[j], saved_high = high[j];
                low[j] = -INFINITY, high[j] = INFINITY;
                int others = inside_box(row, n_dims, low, high);
                low[j] = saved_low, high[j] = saved_high;
                if (others) values[count++] = side == 0 ? -row[j] : row[j];
            }
            if (count == 0) continue;
            gsl_sort(values, 1, (size_t)count); /* nearest first on either side */
            int k = (int)floor(o->paste_alpha * inside);
            if (k < 1) k = 1;
            if (k > count) k = count;
            double bound = side == 0 ? -values[k - 1] : values[k - 1];
            long added = 0, added_fails = 0;
            for (int p = 0; p < n_points; p++) {
                const double *row = x + (size_t)p * (size_t)n_dims;
                if (side == 0 ? (row[j] >= keep || row[j] < bound)
                              : (row[j] <= keep || row[j] > bound))
                    continue;
                double saved_low = low[j], saved_high = high[j];
                low[j] = -INFINITY, high[j] = INFINITY;
                int others = inside_box(row, n_dims, low, high);
                low[j] = saved_low, high[j] = saved_high;
                if (others) added++, added_fails += fails[p] != 0;
            }
            long f = inside_fails + added_fails, c = inside + added;
            if (!as_dense(f, c, inside_fails, inside)) continue;
            int better = best_dim < 0 || denser(f, c, best_fails, best_count) ||
                         (as_dense(f, c, best_fails, best_count) && c > best_count);
            if (better) {
                best_fails = f, best_count = c;
                best_dim = j, best_side = side, best_bound = bound;
            }
        }
    if (best_dim < 0) return 0;
    if (best_side == 0)
        low[best_dim] = best_bound;
    else
        high[best_dim] = best_bound;
    return 1;
}

int prim_run(const double *x, const int *fails, int n_points, int n_dims,
             const struct prim_options *options, struct prim_result *result, char *err,
             size_t errlen) {
    memset(result, 0, sizeof *result);
    const struct prim_options *o = options;
    if (n_points < 1 || n_points > PRIM_MAX_POINTS || n_dims < 1 || n_dims > PRIM_MAX_DIMS) {
        snprintf(err, errlen, "PRIM needs 1..%d points and 1..%d parameters (got %d and %d)",
                 PRIM_MAX_POINTS, PRIM_MAX_DIMS, n_points, n_dims);
        return -1;
    }
    if (!(o->alpha > 0 && o->alpha < 0.5) || !(o->paste_alpha > 0 && o->paste_alpha < 0.5) ||
        !(o->min_support >= 0 && o->min_support <= 1) ||
        !(o->min_coverage >= 0 && o->min_coverage <= 1)) {
        snprintf(err, errlen,
                 "PRIM options: alpha and paste alpha in (0, 0.5), minimum support "
                 "and coverage in [0, 1]");
        return -1;
    }
    size_t d = (size_t)n_dims;
    result->n_points = n_points;
    result->n_dims = n_dims;
    double *low = malloc(d * sizeof *low), *high = malloc(d * sizeof *high);
    double *values = malloc((size_t)n_points * sizeof *values);
    result->box_low = malloc(d * sizeof(double));
    result->box_high = malloc(d * sizeof(double));
    result->range_low = malloc(d * sizeof(double));
    result->range_high = malloc(d * sizeof(double));
    result->restricted = calloc(d, sizeof(int));
    int capacity = 0;
    int ok = low && high && values && result->box_low && result->box_high && result->range_low &&
             result->range_high && result->restricted;
    for (int j = 0; ok && j < n_dims; j++) {
        low[j] = INFINITY, high[j] = -INFINITY;
        for (int p = 0; p < n_points; p++) {
            double v = x[(size_t)p * d + (size_t)j];
            if (isnan(v)) {
                snprintf(err, errlen, "PRIM: point %d has no value (NaN) for parameter %d", p, j);
                free(low), free(high), free(values);
                prim_result_free(result);
                return -1;
            }
            if (v < low[j]) low[j] = v;
            if (v > high[j]) high[j] = v;
        }
        result->range_low[j] = low[j], result->range_high[j] = high[j];
    }
    for (int p = 0; ok && p < n_points; p++) result->fails_total += fails[p] != 0;
    if (ok)
        ok = push_step(
                 result, &capacity, low, high,
                 prim_box_measure(x, fails, n_points, n_dims, low, high, result->fails_total)) == 0;
    /* every peel takes off at least one point, so this ends within n_points steps */
    while (ok && result->fails_total > 0 &&
           peel_once(x, fails, n_points, n_dims, o, low, high, values))
        ok = push_step(
                 result, &capacity, low, high,
                 prim_box_measure(x, fails, n_points, n_dims, low, high, result->fails_total)) == 0;
    if (ok) {
        int chosen = 0;
        for (int s = 1; s < result->n_steps && result->fails_total > 0; s++) {
            const struct prim_box_figures *f = &result->steps[s], *c = &result->steps[chosen];
            if (f->coverage < o->min_coverage - 1e-12) continue;
            if (denser(f->fails_inside, f->inside, c->fails_inside, c->inside)) chosen = s;
        }
        result->chosen = chosen;
        memcpy(result->box_low, result->step_low + (size_t)chosen * d, d * sizeof(double));
        memcpy(result->box_high, result->step_high + (size_t)chosen * d, d * sizeof(double));
        int rounds = 0;
        while (
            result->fails_total > 0 && rounds++ < n_points &&
            paste_once(x, fails, n_points, n_dims, o, result->box_low, result->box_high, values)) {
        }
        result->box = prim_box_measure(x, fails, n_points, n_dims, result->box_low,
                                       result->box_high, result->fails_total);
        for (int j = 0; j < n_dims; j++)
            result->restricted[j] = result->box_low[j] > result->range_low[j] ||
                                    result->box_high[j] < result->range_high[j];
    }
    free(low), free(high), free(values);
    if (!ok) {
        prim_result_free(result);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}
