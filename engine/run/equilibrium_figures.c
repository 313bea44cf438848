/* equilibrium_figures.c — what the search found, in figures: the equilibria under the Holm rule,
 * the price of anarchy with its bootstrap interval, grim trigger, transfers, label stability. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "equilibrium.h"

/* Bootstrap work is bounded: the stability of "is an equilibrium" is measured for at most this
 * many equilibria (the first in the reported order). */
enum { EQUILIBRIUM_STABILITY_MAX = 100 };

void equilibrium_result_free(struct equilibrium_result *result) {
    if (!result) return;
    free(result->walkers), free(result->equilibria);
    free(result->margin), free(result->loss_opt), free(result->loss_dev), free(result->loss_pun);
    free(result->dev_level), free(result->pun_level), free(result->gain), free(result->transfer);
    memset(result, 0, sizeof *result);
}

/* The verdict from the margins' intervals (enum in equilibrium.h). */
static int verdict(const struct equilibrium_interval *margin, int n) {
    int all_above = 1, some_below = 0;
    for (int i = 0; i < n; i++) {
        const struct equilibrium_interval *m = &margin[i];
        int exact = m->low == m->high; /* no spread: the mean is the margin */
        if (exact ? m->mean < 0 : m->high < 0) some_below = 1;
        if (exact ? m->mean < 0 : !(m->low > 0)) all_above = 0;
    }
    return some_below  ? EQUILIBRIUM_NOT_SUSTAINED
           : all_above ? EQUILIBRIUM_SUSTAINED
                       : EQUILIBRIUM_UNDECIDED;
}

static int by_report_order(const void *a, const void *b) {
    const struct equilibrium_found *x = a, *y = b;
    if (x->test.point_nash != y->test.point_nash) return y->test.point_nash - x->test.point_nash;
    if (x->test.gain.mean != y->test.gain.mean)
        return x->test.gain.mean < y->test.gain.mean ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

static double weighted_mean(const double *x, size_t stride, int R, const unsigned *weights) {
    double n = 0, sum = 0;
    for (int r = 0; r < R; r++) {
        double w = weights ? weights[r] : 1.0;
        n += w, sum += w * x[(size_t)r * stride];
    }
    return sum / n;
}

/* The row of `levels` with player `excluded` cut off (-1: none); -1 if not evaluated. */
static long row_of(const struct equilibrium_cache *cache, const int *levels, int excluded) {
    long row = equilibrium_cache_find(
        cache, equilibrium_key(cache->n_players, cache->n_levels, levels, excluded));
    return row >= 0 && cache->ready[row] == 1 ? row : -1;
}

/* Margins of the grim trigger per replicate for player x:
 * (1 - d) loss_x(dev) + d loss_x(punished) - loss_x(opt). */
static void margins(const struct equilibrium_cache *cache, long opt, long dev, long pun, int x,
                    double discount, double *out) {
    int R = cache->replicates, n = cache->n_players;
    const double *o = equilibrium_cache_row(cache, opt), *d = equilibrium_cache_row(cache, dev);
    const double *p = equilibrium_cache_row(cache, pun);
    for (int r = 0; r < R; r++) {
        size_t at = (size_t)r * (size_t)n + (size_t)x;
        out[r] = (1 - discount) * d[at] + discount * p[at] - o[at];
    }
}

int equilibrium_figures(const struct equilibrium_config *config,
                        const struct equilibrium_cache *cache, struct equilibrium_result *result) {
    int n = cache->n_players, L = cache->n_levels, R = cache->replicates;
    int levels[EQUILIBRIUM_MAX_PLAYERS], excluded;
    /* 1. Every evaluated profile whose deviations are all evaluated is tested. */
    long capacity = 16;
    result->equilibria = malloc((size_t)capacity * sizeof *result->equilibria);
    if (!result->equilibria) return -1;
    for (long row = 0; row < cache->count; row++) {
        equilibrium_decode(n, L, cache->keys[row], levels, &excluded);
        if (excluded >= 0 || cache->ready[row] != 1) continue;
        struct equilibrium_test test;
        equilibrium_test_profile(cache, levels, config->alpha, NULL, &test);
        if (!test.complete) continue;
        result->tested++;
        if (!test.equilibrium) continue;
        if (result->n_equilibria == capacity) {
            capacity *= 2;
            struct equilibrium_found *more =
                realloc(result->equilibria, (size_t)capacity * sizeof *more);
            if (!more) return -1;
            result->equilibria = more;
        }
        struct equilibrium_found *found = &result->equilibria[result->n_equilibria++];
        found->row = row;
        found->test = test;
        found->regional = equilibrium_regional(cache, row, NULL);
        found->stable_share = NAN;
    }
    qsort(result->equilibria, (size_t)result->n_equilibria, sizeof *result->equilibria,
          by_report_order);
    for (int e = 0; e < result->n_equilibria; e++) {
        const struct equilibrium_found *found = &result->equilibria[e];
        if (result->worst < 0 ||
            found->regional.mean > result->equilibria[result->worst].regional.mean)
            result->worst = e;
        if (result->best < 0 ||
            found->regional.mean < result->equilibria[result->best].regional.mean)
            result->best = e;
    }
    /* worst/best hold equilibrium indices until here; the result names rows */
    int worst_e = (int)result->worst, best_e = (int)result->best;
    result->worst = worst_e >= 0 ? result->equilibria[worst_e].row : -1;
    result->best = best_e >= 0 ? result->equilibria[best_e].row : -1;
    result->optimum_regional = equilibrium_regional(cache, result->optimum, NULL);

    /* 2. Grim trigger at the optimum and transfers from the best equilibrium. */
    size_t per = (size_t)n;
    result->margin = calloc(per, sizeof *result->margin);
    result->loss_opt = calloc(per, sizeof *result->loss_opt);
    result->loss_dev = calloc(per, sizeof *result->loss_dev);
    result->loss_pun = calloc(per, sizeof *result->loss_pun);
    result->gain = calloc(per, sizeof *result->gain);
    result->transfer = calloc(per, sizeof *result->transfer);
    result->dev_level = calloc(per, sizeof *result->dev_level);
    result->pun_level = calloc(per, sizeof *result->pun_level);
    long *dev_row = calloc(per, sizeof *dev_row), *pun_row = calloc(per, sizeof *pun_row);
    double *x = malloc((size_t)R * sizeof *x),
           *ratios = malloc(((size_t)config->bootstrap + 1) * sizeof *ratios);
    unsigned *weights = malloc((size_t)R * sizeof *weights);
    int status = result->margin && result->loss_opt && result->loss_dev && result->loss_pun &&
                         result->gain && result->transfer && result->dev_level &&
                         result->pun_level && dev_row && pun_row && x && ratios && weights
                     ? 0
                     : -1;
    int optimum[EQUILIBRIUM_MAX_PLAYERS];
    equilibrium_decode(n, L, cache->keys[result->optimum], optimum, &excluded);
    const double *opt_loss = equilibrium_cache_row(cache, result->optimum);
    result->sustained = -1;
    for (int i = 0; status == 0 && config->exclusion && i < n; i++) {
        memcpy(levels, optimum, (size_t)n * sizeof *levels);
        double best_dev = INFINITY, best_pun = INFINITY;
        for (int b = 0; b < L; b++) {
            levels[i] = b;
            long dev = row_of(cache, levels, -1), pun = row_of(cache, levels, i);
            if (dev < 0 || pun < 0) {
                status = -1;
                break;
            }
            double value = weighted_mean(equilibrium_cache_row(cache, dev) + i, per, R, NULL);
            if (value < best_dev) best_dev = value, dev_row[i] = dev, result->dev_level[i] = b;
            value = weighted_mean(equilibrium_cache_row(cache, pun) + i, per, R, NULL);
            if (value < best_pun) best_pun = value, pun_row[i] = pun, result->pun_level[i] = b;
        }
        if (status != 0) break;
        result->loss_opt[i] = equilibrium_interval_of(opt_loss + i, per, R, NULL, NULL);
        result->loss_dev[i] = equilibrium_interval_of(equilibrium_cache_row(cache, dev_row[i]) + i,
                                                      per, R, NULL, NULL);
        result->loss_pun[i] = equilibrium_interval_of(equilibrium_cache_row(cache, pun_row[i]) + i,
                                                      per, R, NULL, NULL);
        margins(cache, result->optimum, dev_row[i], pun_row[i], i, config->discount, x);
        result->margin[i] = equilibrium_interval_of(x, 1, R, NULL, NULL);
    }
    if (status == 0 && config->exclusion) result->sustained = verdict(result->margin, n);
    /* Transfers: losers (mean gain < 0) are brought back to their loss at the best equilibrium;
     * gainers pay in proportion to their gains (c = losers' deficit / gainers' gain, from the
     * means), so every gainer keeps the same share 1 - c of its gain. */
    double deficit = 0, gained = 0;
    if (status == 0 && result->best >= 0) {
        const double *eq = equilibrium_cache_row(cache, result->best);
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < R; r++)
                x[r] = eq[(size_t)r * per + (size_t)i] - opt_loss[(size_t)r * per + (size_t)i];
            result->gain[i] = equilibrium_interval_of(x, 1, R, NULL, NULL);
            if (result->gain[i].mean < 0)
                deficit -= result->gain[i].mean;
            else
                gained += result->gain[i].mean;
        }
        result->has_transfers = gained > deficit; /* the optimum has a surplus to share */
        double c = gained > 0 ? deficit / gained : 0;
        for (int i = 0; i < n; i++) {
            int loser = result->gain[i].mean < 0;
            for (int r = 0; r < R; r++) {
                double g = eq[(size_t)r * per + (size_t)i] - opt_loss[(size_t)r * per + (size_t)i];
                x[r] = loser ? -g : -c * g;
            }
            result->transfer[i] = equilibrium_interval_of(x, 1, R, NULL, NULL);
        }
        for (int r = 0; r < R; r++) {
            double sum = 0;
            for (int i = 0; i < n; i++)
                sum += eq[(size_t)r * per + (size_t)i] - opt_loss[(size_t)r * per + (size_t)i];
            x[r] = sum;
        }
        result->surplus = equilibrium_interval_of(x, 1, R, NULL, NULL);
    }
    /* 3. Price of anarchy and the labels' stability over bootstrap draws of the replicates. */
    result->poa = (struct equilibrium_interval){NAN, NAN, NAN};
    result->poa_above_one_share = NAN;
    int stable_count = result->n_equilibria < EQUILIBRIUM_STABILITY_MAX ? result->n_equilibria
                                                                        : EQUILIBRIUM_STABILITY_MAX;
    int *held = calloc((size_t)(stable_count > 0 ? stable_count : 1), sizeof *held);
    if (!held) status = -1;
    int poa_held = 0, sustain_held = 0, draws = config->bootstrap;
    for (int b = 0; status == 0 && b < draws; b++) {
        equilibrium_bootstrap_weights(config->seed, b, R, weights);
        for (int e = 0; e < stable_count; e++) {
            struct equilibrium_test test;
            equilibrium_decode(n, L, cache->keys[result->equilibria[e].row], levels, &excluded);
            equilibrium_test_profile(cache, levels, config->alpha, weights, &test);
            held[e] += test.equilibrium;
        }
        if (result->worst >= 0) {
            double ratio = equilibrium_regional(cache, result->worst, weights).mean /
                           equilibrium_regional(cache, result->optimum, weights).mean;
            ratios[b] = ratio;
            poa_held += ratio > 1;
        }
        int sustained = -1;
        struct equilibrium_interval drawn[EQUILIBRIUM_MAX_PLAYERS];
        for (int i = 0; config->exclusion && i < n; i++) {
            margins(cache, result->optimum, dev_row[i], pun_row[i], i, config->discount, x);
            drawn[i] = equilibrium_interval_of(x, 1, R, weights, NULL);
        }
        if (config->exclusion) sustained = verdict(drawn, n);
        sustain_held += sustained == result->sustained;
    }
    if (status == 0 && draws > 0) {
        for (int e = 0; e < stable_count; e++)
            result->equilibria[e].stable_share = (double)held[e] / draws;
        result->sustained_share = config->exclusion ? (double)sustain_held / draws : NAN;
        if (result->worst >= 0) {
            gsl_sort(ratios, 1, (size_t)draws);
            result->poa.low = gsl_stats_quantile_from_sorted_data(ratios, 1, (size_t)draws, 0.025);
            result->poa.high = gsl_stats_quantile_from_sorted_data(ratios, 1, (size_t)draws, 0.975);
            result->poa_above_one_share = (double)poa_held / draws;
        }
    } else {
        result->sustained_share = NAN;
    }
    if (status == 0 && result->worst >= 0)
        result->poa.mean =
            equilibrium_regional(cache, result->worst, NULL).mean / result->optimum_regional.mean;
    free(dev_row), free(pun_row), free(x), free(ratios), free(weights), free(held);
    return status;
}
