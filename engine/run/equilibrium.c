/* equilibrium.c — the sharing game's cache, keys, Holm rule and the batched searches. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>

#include "../util/rng.h"
#include "../util/stats.h"
#include "equilibrium.h"

/* The search's own random purpose (random starts, bootstrap draws): outside the model's
 * rng_purpose values, so it never reuses a stream the simulation draws from. */
enum { EQUILIBRIUM_PURPOSE = 0x455142 /* "EQB" */ };

/* ---- keys ------------------------------------------------------------------------------------ */

int equilibrium_grid_fits(int n_players, int n_levels) {
    if (n_players < 1 || n_players > EQUILIBRIUM_MAX_PLAYERS || n_levels < 2 ||
        n_levels > EQUILIBRIUM_MAX_LEVELS)
        return 0;
    double bits = n_players * log2((double)n_levels) + log2((double)n_players + 1.0);
    return bits <= EQUILIBRIUM_MAX_KEY_BITS;
}

uint64_t equilibrium_key(int n_players, int n_levels, const int *levels, int excluded) {
    uint64_t key = 0, radix = 1;
    for (int i = 0; i < n_players; i++) {
        key += (uint64_t)levels[i] * radix;
        radix *= (uint64_t)n_levels;
    }
    return key + (uint64_t)(excluded + 1) * radix;
}

void equilibrium_decode(int n_players, int n_levels, uint64_t key, int *levels, int *excluded) {
    for (int i = 0; i < n_players; i++) {
        levels[i] = (int)(key % (uint64_t)n_levels);
        key /= (uint64_t)n_levels;
    }
    *excluded = (int)key - 1;
}

/* ---- the cache ------------------------------------------------------------------------------- */

static size_t slot_of(uint64_t key, size_t n_slots) {
    return (size_t)(rng_mix(key ^ 0x9e3779b97f4a7c15ull) & (n_slots - 1));
}

int equilibrium_cache_init(struct equilibrium_cache *cache, int n_players, int n_levels,
                           int replicates) {
    memset(cache, 0, sizeof *cache);
    cache->n_players = n_players;
    cache->n_levels = n_levels;
    cache->replicates = replicates;
    cache->n_slots = 1024;
    cache->slots = malloc(cache->n_slots * sizeof *cache->slots);
    if (!cache->slots) return -1;
    for (size_t s = 0; s < cache->n_slots; s++) cache->slots[s] = -1;
    return 0;
}

void equilibrium_cache_free(struct equilibrium_cache *cache) {
    if (!cache) return;
    free(cache->keys), free(cache->loss), free(cache->ready), free(cache->slots);
    memset(cache, 0, sizeof *cache);
}

long equilibrium_cache_find(const struct equilibrium_cache *cache, uint64_t key) {
    for (size_t s = slot_of(key, cache->n_slots);; s = (s + 1) & (cache->n_slots - 1)) {
        long row = cache->slots[s];
        if (row < 0) return -1;
        if (cache->keys[row] == key) return row;
    }
}

static int rehash(struct equilibrium_cache *cache, size_t n_slots) {
    long *slots = malloc(n_slots * sizeof *slots);
    if (!slots) return -1;
    for (size_t s = 0; s < n_slots; s++) slots[s] = -1;
    for (long row = 0; row < cache->count; row++) {
        size_t s = slot_of(cache->keys[row], n_slots);
        while (slots[s] >= 0) s = (s + 1) & (n_slots - 1);
        slots[s] = row;
    }
    free(cache->slots);
    cache->slots = slots;
    cache->n_slots = n_slots;
    return 0;
}

long equilibrium_cache_add(struct equilibrium_cache *cache, uint64_t key) {
    long found = equilibrium_cache_find(cache, key);
    if (found >= 0) return found;
    if (cache->count == cache->capacity) {
        long capacity = cache->capacity ? 2 * cache->capacity : 256;
        size_t per_row = (size_t)cache->replicates * (size_t)cache->n_players;
        uint64_t *keys = realloc(cache->keys, (size_t)capacity * sizeof *keys);
        if (keys) cache->keys = keys;
        double *loss =
            keys ? realloc(cache->loss, (size_t)capacity * per_row * sizeof *loss) : NULL;
        if (loss) cache->loss = loss;
        unsigned char *ready = loss ? realloc(cache->ready, (size_t)capacity) : NULL;
        if (!ready) return -1;
        cache->ready = ready;
        cache->capacity = capacity;
    }
    if ((size_t)(cache->count + 1) * 2 > cache->n_slots && rehash(cache, cache->n_slots * 2) != 0)
        return -1;
    long row = cache->count++;
    cache->keys[row] = key;
    cache->ready[row] = 0;
    memset(equilibrium_cache_row(cache, row), 0,
           (size_t)cache->replicates * (size_t)cache->n_players * sizeof(double));
    size_t s = slot_of(key, cache->n_slots);
    while (cache->slots[s] >= 0) s = (s + 1) & (cache->n_slots - 1);
    cache->slots[s] = row;
    return row;
}

/* ---- weighted samples ------------------------------------------------------------------------ */

/* Mean and 95% interval of x[r * stride] over replicates, each counted weights[r] times. */
struct equilibrium_interval equilibrium_interval_of(const double *x, size_t stride, int replicates,
                                                    const unsigned *weights, double *sd) {
    double n = 0, sum = 0;
    for (int r = 0; r < replicates; r++) {
        double w = weights ? weights[r] : 1.0;
        n += w;
        sum += w * x[(size_t)r * stride];
    }
    struct equilibrium_interval out = {sum / n, NAN, NAN};
    double ss = 0;
    for (int r = 0; r < replicates; r++) {
        double w = weights ? weights[r] : 1.0, d = x[(size_t)r * stride] - out.mean;
        ss += w * d * d;
    }
    double spread = n >= 2 ? sqrt(ss / (n - 1)) : NAN;
    if (n >= 2) stats_t_interval(out.mean, spread, (size_t)n, &out.low, &out.high);
    if (sd) *sd = spread;
    return out;
}

struct equilibrium_interval equilibrium_regional(const struct equilibrium_cache *cache, long row,
                                                 const unsigned *weights) {
    int R = cache->replicates, n = cache->n_players;
    double *total = malloc((size_t)R * sizeof *total);
    struct equilibrium_interval out = {NAN, NAN, NAN};
    if (!total) return out;
    const double *loss = equilibrium_cache_row(cache, row);
    for (int r = 0; r < R; r++) {
        double sum = 0; /* in player order: the same bits for any caller */
        for (int i = 0; i < n; i++) sum += loss[(size_t)r * (size_t)n + (size_t)i];
        total[r] = sum;
    }
    out = equilibrium_interval_of(total, 1, R, weights, NULL);
    free(total);
    return out;
}

/* Mean loss of player i (i < 0: the regional total) in a row. */
static double mean_loss(const struct equilibrium_cache *cache, long row, int i) {
    int R = cache->replicates, n = cache->n_players;
    const double *loss = equilibrium_cache_row(cache, row);
    double sum = 0;
    for (int r = 0; r < R; r++) {
        if (i >= 0) {
            sum += loss[(size_t)r * (size_t)n + (size_t)i];
        } else {
            double total = 0;
            for (int j = 0; j < n; j++) total += loss[(size_t)r * (size_t)n + (size_t)j];
            sum += total;
        }
    }
    return sum / R;
}

/* ---- the Holm rule --------------------------------------------------------------------------- */

struct ranked {
    double p;
    int index;
};

static int by_p(const void *a, const void *b) {
    const struct ranked *x = a, *y = b;
    if (x->p != y->p) return x->p < y->p ? -1 : 1;
    return x->index - y->index; /* ties in index order: deterministic */
}

int equilibrium_holm(const double *p, int m, double alpha, double *adjusted,
                     unsigned char *reject) {
    struct ranked *order = malloc((size_t)(m > 0 ? m : 1) * sizeof *order);
    if (!order) return -1;
    for (int k = 0; k < m; k++) order[k] = (struct ranked){p[k], k};
    qsort(order, (size_t)m, sizeof *order, by_p);
    double running = 0;
    int count = 0;
    for (int j = 0; j < m; j++) {
        double value = fmin(1.0, (double)(m - j) * order[j].p);
        if (value > running) running = value;
        adjusted[order[j].index] = running;
    }
    for (int k = 0; k < m; k++) {
        reject[k] = adjusted[k] <= alpha;
        count += reject[k];
    }
    free(order);
    return count;
}

void equilibrium_test_profile(const struct equilibrium_cache *cache, const int *levels,
                              double alpha, const unsigned *weights,
                              struct equilibrium_test *test) {
    int n = cache->n_players, L = cache->n_levels, R = cache->replicates, m = n * (L - 1);
    memset(test, 0, sizeof *test);
    test->best_player = -1;
    long here = equilibrium_cache_find(cache, equilibrium_key(n, L, levels, -1));
    if (here < 0 || !cache->ready[here]) return;
    double *p = malloc((size_t)m * sizeof *p), *adjusted = malloc((size_t)m * sizeof *adjusted);
    double *diff = malloc((size_t)R * sizeof *diff);
    struct equilibrium_interval *gain = malloc((size_t)m * sizeof *gain);
    unsigned char *reject = malloc((size_t)m);
    int *player = malloc((size_t)m * sizeof *player), *level = malloc((size_t)m * sizeof *level);
    int ok = p && adjusted && diff && gain && reject && player && level;
    int deviation[EQUILIBRIUM_MAX_PLAYERS];
    const double *base = equilibrium_cache_row(cache, here);
    int k = 0;
    for (int i = 0; ok && i < n; i++)
        for (int b = 0; ok && b < L; b++) {
            if (b == levels[i]) continue;
            memcpy(deviation, levels, (size_t)n * sizeof *deviation);
            deviation[i] = b;
            long row = equilibrium_cache_find(cache, equilibrium_key(n, L, deviation, -1));
            if (row < 0 || !cache->ready[row]) {
                ok = 0;
                break;
            }
            const double *dev = equilibrium_cache_row(cache, row);
            for (int r = 0; r < R; r++)
                diff[r] = dev[(size_t)r * (size_t)n + (size_t)i] -
                          base[(size_t)r * (size_t)n + (size_t)i];
            double sd;
            struct equilibrium_interval d = equilibrium_interval_of(diff, 1, R, weights, &sd);
            /* gain of the deviator: loss at the profile minus loss after deviating */
            gain[k] = (struct equilibrium_interval){-d.mean, -d.high, -d.low};
            if (d.mean == 0) {
                p[k] = 1.0;
            } else if (!(sd > 0)) {
                p[k] = 0.0; /* no spread at all (or one replicate): the difference is exact */
            } else {
                double count = 0;
                for (int r = 0; r < R; r++) count += weights ? weights[r] : 1.0;
                double t = fabs(d.mean) / (sd / sqrt(count));
                p[k] = 2.0 * gsl_cdf_tdist_Q(t, count - 1);
            }
            player[k] = i, level[k] = b;
            k++;
        }
    if (ok && equilibrium_holm(p, m, alpha, adjusted, reject) >= 0) {
        test->complete = 1;
        test->point_nash = 1;
        for (int j = 0; j < m; j++) {
            if (gain[j].mean > 0) test->point_nash = 0;
            if (reject[j] && gain[j].mean > 0) test->rejected++;
            if (test->best_player < 0 || gain[j].mean > test->gain.mean) {
                test->best_player = player[j], test->best_level = level[j];
                test->gain = gain[j];
                test->holm_p = adjusted[j];
            }
        }
        test->equilibrium = test->rejected == 0;
    }
    free(p), free(adjusted), free(diff), free(gain), free(reject), free(player), free(level);
}

void equilibrium_bootstrap_weights(uint64_t seed, int b, int replicates, unsigned *weights) {
    memset(weights, 0, (size_t)replicates * sizeof *weights);
    uint64_t key = rng_key(seed, 0, EQUILIBRIUM_PURPOSE);
    for (int r = 0; r < replicates; r++)
        weights[(size_t)(rng_uniform_at(key, (uint64_t)b, 1u + (uint32_t)r) * replicates) %
                (size_t)replicates]++;
}

/* ---- the searches ---------------------------------------------------------------------------- */

struct walk {
    struct equilibrium_walker *w;
    int current[EQUILIBRIUM_MAX_PLAYERS];
    int mover, unchanged, active;
};

/* Evaluate the rows queued (ready == 2) in `batch`, at most limit per call. */
static int run_batch(struct equilibrium_cache *cache, long *batch, long count, long limit,
                     equilibrium_evaluate_fn evaluate, void *context) {
    for (long from = 0; from < count; from += limit) {
        long n = count - from < limit ? count - from : limit;
        for (long k = 0; k < n; k++) cache->ready[batch[from + k]] = 0;
        int status = evaluate(context, cache, batch + from, n);
        if (status != 0) return status;
        for (long k = 0; k < n; k++)
            if (cache->ready[batch[from + k]] != 1) return -1;
    }
    return 0;
}

/* Queue a profile for this round's batch unless it is evaluated or already queued. */
static int need(struct equilibrium_cache *cache, const int *levels, int excluded, long **batch,
                long *count, long *capacity) {
    long row = equilibrium_cache_add(
        cache, equilibrium_key(cache->n_players, cache->n_levels, levels, excluded));
    if (row < 0) return -1;
    if (cache->ready[row]) return 0; /* 1: evaluated; 2: queued this round */
    if (*count == *capacity) {
        long grown = *capacity ? 2 * *capacity : 256;
        long *more = realloc(*batch, (size_t)grown * sizeof *more);
        if (!more) return -1;
        *batch = more, *capacity = grown;
    }
    (*batch)[(*count)++] = row;
    cache->ready[row] = 2;
    return 0;
}

/* One walker's move: `mover` takes the grid value minimising its own mean loss (Nash) or the
 * regional one (optimum), keeping its current value on a tie, else the lowest. */
static void step(const struct equilibrium_cache *cache, struct walk *walk, int max_passes) {
    int n = cache->n_players, L = cache->n_levels, i = walk->mover;
    int levels[EQUILIBRIUM_MAX_PLAYERS];
    memcpy(levels, walk->current, (size_t)n * sizeof *levels);
    int target = walk->w->mode == EQUILIBRIUM_NASH ? i : -1;
    double best = INFINITY, at_current = INFINITY;
    int choice = 0;
    for (int b = 0; b < L; b++) {
        levels[i] = b;
        double value = mean_loss(
            cache, equilibrium_cache_find(cache, equilibrium_key(n, L, levels, -1)), target);
        if (value < best) best = value, choice = b;
        if (b == walk->current[i]) at_current = value;
    }
    if (at_current <= best) choice = walk->current[i];
    if (choice == walk->current[i]) {
        walk->unchanged++;
    } else {
        walk->current[i] = choice;
        walk->unchanged = 1; /* the mover itself is now at its best response */
    }
    walk->mover = (i + 1) % n;
    if (walk->mover == 0) walk->w->passes++;
    if (walk->unchanged >= n) {
        walk->w->converged = 1;
        walk->active = 0;
    } else if (walk->w->passes >= max_passes) {
        walk->active = 0;
    }
    memcpy(walk->w->end, walk->current, (size_t)n * sizeof *levels);
}

static int add_walker(struct equilibrium_result *result, int mode, const int *start) {
    int n = result->n_players;
    for (int k = 0; k < result->n_walkers; k++)
        if (result->walkers[k].mode == mode &&
            memcmp(result->walkers[k].start, start, (size_t)n * sizeof *start) == 0)
            return 0; /* the same start walks the same way */
    struct equilibrium_walker *w = &result->walkers[result->n_walkers++];
    memset(w, 0, sizeof *w);
    w->mode = mode;
    memcpy(w->start, start, (size_t)n * sizeof *start);
    memcpy(w->end, start, (size_t)n * sizeof *start);
    return 0;
}

/* Best-response and coordinate walkers in lockstep: each round evaluates, as one batch, every
 * profile the active walkers' movers need (their L values, the others fixed). */
static int walk_all(const struct equilibrium_config *config, struct equilibrium_cache *cache,
                    equilibrium_evaluate_fn evaluate, void *context,
                    struct equilibrium_result *result) {
    int n = cache->n_players, L = cache->n_levels, W = result->n_walkers;
    struct walk *walks = calloc((size_t)W, sizeof *walks);
    long *batch = NULL, count = 0, capacity = 0;
    int status = walks ? 0 : -1;
    for (int k = 0; k < W; k++) {
        walks[k].w = &result->walkers[k];
        memcpy(walks[k].current, walks[k].w->start, (size_t)n * sizeof(int));
        walks[k].active = 1;
    }
    for (int any = 1; status == 0 && any;) {
        count = 0;
        int levels[EQUILIBRIUM_MAX_PLAYERS];
        for (int k = 0; status == 0 && k < W; k++) {
            if (!walks[k].active) continue;
            memcpy(levels, walks[k].current, (size_t)n * sizeof *levels);
            for (int b = 0; status == 0 && b < L; b++) {
                levels[walks[k].mover] = b;
                status = need(cache, levels, -1, &batch, &count, &capacity);
            }
        }
        if (status == 0)
            status = run_batch(cache, batch, count, config->batch_limit, evaluate, context);
        any = 0;
        for (int k = 0; status == 0 && k < W; k++)
            if (walks[k].active) {
                step(cache, &walks[k], config->max_passes);
                any |= walks[k].active;
            }
    }
    free(walks), free(batch);
    return status;
}

/* Evaluate every unilateral deviation of each profile in `profiles` (n_profiles x n), and for
 * `excluded_base` (or NULL) every exclusion profile around it: one batch. */
static int complete(const struct equilibrium_config *config, struct equilibrium_cache *cache,
                    equilibrium_evaluate_fn evaluate, void *context, const int *profiles,
                    int n_profiles, const int *excluded_base) {
    int n = cache->n_players, L = cache->n_levels, status = 0;
    long *batch = NULL, count = 0, capacity = 0;
    int levels[EQUILIBRIUM_MAX_PLAYERS];
    for (int q = 0; status == 0 && q < n_profiles; q++)
        for (int i = 0; status == 0 && i < n; i++)
            for (int b = 0; status == 0 && b < L; b++) {
                memcpy(levels, profiles + (size_t)q * (size_t)n, (size_t)n * sizeof *levels);
                levels[i] = b;
                status = need(cache, levels, -1, &batch, &count, &capacity);
            }
    for (int x = 0; excluded_base && status == 0 && x < n; x++)
        for (int b = 0; status == 0 && b < L; b++) {
            memcpy(levels, excluded_base, (size_t)n * sizeof *levels);
            levels[x] = b;
            status = need(cache, levels, x, &batch, &count, &capacity);
        }
    if (status == 0)
        status = run_batch(cache, batch, count, config->batch_limit, evaluate, context);
    free(batch);
    return status;
}

static int exhaustive(const struct equilibrium_config *config, struct equilibrium_cache *cache,
                      equilibrium_evaluate_fn evaluate, void *context, long total) {
    int n = cache->n_players, L = cache->n_levels, status = 0;
    long *batch = NULL, count = 0, capacity = 0;
    int levels[EQUILIBRIUM_MAX_PLAYERS], excluded;
    for (long code = 0; status == 0 && code < total; code++) {
        equilibrium_decode(n, L, (uint64_t)code, levels, &excluded);
        status = need(cache, levels, -1, &batch, &count, &capacity);
    }
    if (status == 0)
        status = run_batch(cache, batch, count, config->batch_limit, evaluate, context);
    free(batch);
    return status;
}

int equilibrium_solve(const struct equilibrium_config *config, struct equilibrium_cache *cache,
                      equilibrium_evaluate_fn evaluate, void *context,
                      struct equilibrium_result *result) {
    int n = cache->n_players, L = cache->n_levels;
    memset(result, 0, sizeof *result);
    result->n_players = n, result->n_levels = L, result->replicates = cache->replicates;
    result->optimum = result->worst = result->best = -1;
    if (!equilibrium_grid_fits(n, L)) return -1;
    double profiles = pow((double)L, (double)n);
    result->exhaustive = profiles <= (double)config->exhaustive_limit;
    int status = 0;
    if (result->exhaustive) {
        status = exhaustive(config, cache, evaluate, context, (long)profiles);
    } else {
        int starts = 2 + (config->own ? 1 : 0);
        result->walkers =
            calloc((size_t)(2 * starts + config->random_starts), sizeof *result->walkers);
        if (!result->walkers) return -1;
        int levels[EQUILIBRIUM_MAX_PLAYERS];
        for (int mode = EQUILIBRIUM_NASH; mode <= EQUILIBRIUM_OPTIMUM; mode++) {
            for (int i = 0; i < n; i++) levels[i] = 0;
            add_walker(result, mode, levels);
            for (int i = 0; i < n; i++) levels[i] = L - 1;
            add_walker(result, mode, levels);
            if (config->own) add_walker(result, mode, config->own);
        }
        uint64_t key = rng_key(config->seed, 0, EQUILIBRIUM_PURPOSE);
        for (int k = 0; k < config->random_starts; k++) {
            for (int i = 0; i < n; i++)
                levels[i] = (int)(rng_uniform_at(key, (uint64_t)k, 0x10000u + (uint32_t)i) * L) % L;
            add_walker(result, EQUILIBRIUM_NASH, levels);
        }
        status = walk_all(config, cache, evaluate, context, result);
        /* Walkers stopped before converging: their end points get every deviation too, so
         * that the rule can be applied to them. */
        int *ends = malloc((size_t)(result->n_walkers > 0 ? result->n_walkers : 1) * (size_t)n *
                           sizeof *ends);
        int n_ends = 0;
        if (!ends) status = -1;
        for (int k = 0; status == 0 && k < result->n_walkers; k++)
            if (result->walkers[k].mode == EQUILIBRIUM_NASH && !result->walkers[k].converged)
                memcpy(ends + (size_t)(n_ends++) * (size_t)n, result->walkers[k].end,
                       (size_t)n * sizeof *ends);
        if (status == 0 && n_ends > 0)
            status = complete(config, cache, evaluate, context, ends, n_ends, NULL);
        free(ends);
    }
    if (status != 0) return status;
    /* The optimum: the lowest mean regional loss over every evaluated profile (exact when
     * exhaustive), then its deviations and the exclusion profiles (grim trigger). */
    double best = INFINITY;
    for (long row = 0; row < cache->count; row++) {
        int levels[EQUILIBRIUM_MAX_PLAYERS], excluded;
        equilibrium_decode(n, L, cache->keys[row], levels, &excluded);
        if (excluded >= 0 || cache->ready[row] != 1) continue;
        double value = mean_loss(cache, row, -1);
        if (value < best) best = value, result->optimum = row;
    }
    if (result->optimum < 0) return -1;
    int optimum[EQUILIBRIUM_MAX_PLAYERS], excluded;
    equilibrium_decode(n, L, cache->keys[result->optimum], optimum, &excluded);
    status =
        complete(config, cache, evaluate, context, optimum, 1, config->exclusion ? optimum : NULL);
    if (status != 0) return status;
    return equilibrium_figures(config, cache, result);
}
