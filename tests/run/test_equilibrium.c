/* test_equilibrium.c — the sharing game's search and rules on synthetic games whose answers are
 * known: a prisoner's dilemma, a coordination game with two equilibria, matching pennies (no
 * pure equilibrium), exhaustive against best-response search, the Holm rule, the price of
 * anarchy, grim trigger, transfers, the cache and resuming from a preloaded cache. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "equilibrium.h"
#include "rng.h"
#include "../common/leak_check.h"

/* A synthetic game: the mean loss of player i at a profile (excluded: the player cut off), plus
 * noise. `common` noise is the same at every profile (common random numbers: differences are
 * exact); `own` noise differs by profile (sd sigma). */
struct game {
    double (*loss)(const int *a, int excluded, int i);
    double common, sigma;
    long calls, evaluated, stop_after;
    long *seen; /* times each key was evaluated (keys < 4096) */
};

static double unit_noise(uint64_t key, int r, int i) {
    uint64_t h = rng_mix(key * 0x9e3779b97f4a7c15ull + (uint64_t)r * 131 + (uint64_t)i + 1);
    return ((double)(h >> 11) / 9007199254740992.0 - 0.5) * sqrt(12.0);
}

static int evaluate(void *context, struct equilibrium_cache *cache, const long *rows, long n) {
    struct game *g = context;
    g->calls++;
    int N = cache->n_players, R = cache->replicates;
    for (long k = 0; k < n; k++) {
        if (g->stop_after > 0 && g->evaluated >= g->stop_after) return 1;
        int a[EQUILIBRIUM_MAX_PLAYERS], excluded;
        uint64_t key = cache->keys[rows[k]];
        equilibrium_decode(N, cache->n_levels, key, a, &excluded);
        double *loss = equilibrium_cache_row(cache, rows[k]);
        for (int r = 0; r < R; r++)
            for (int i = 0; i < N; i++) {
                /* the common noise has mean exactly 0 over replicates (pairs of +-) */
                double c = g->common * (r % 2 ? -1.0 : 1.0) * (1 + r / 2);
                if (R % 2 && r == R - 1) c = 0;
                loss[(size_t)r * (size_t)N + (size_t)i] =
                    g->loss(a, excluded, i) + c + g->sigma * unit_noise(key, r, i);
            }
        cache->ready[rows[k]] = 1;
        if (g->seen && key < 4096) g->seen[key]++;
        g->evaluated++;
    }
    return 0;
}

static struct equilibrium_config config_of(long exhaustive_limit) {
    return (struct equilibrium_config){.exhaustive_limit = exhaustive_limit,
                                       .random_starts = 2,
                                       .max_passes = 10,
                                       .alpha = 0.05,
                                       .discount = 0.9,
                                       .bootstrap = 50,
                                       .seed = 7,
                                       .batch_limit = 1000,
                                       .exclusion = 1};
}

static void levels_of(const struct equilibrium_cache *cache, long row, int *a) {
    int excluded;
    equilibrium_decode(cache->n_players, cache->n_levels, cache->keys[row], a, &excluded);
}

/* Prisoner's dilemma: sharing (1) costs the sharer 1 and saves the other 2. When i is cut off
 * the other gives it nothing. */
static double dilemma(const int *a, int excluded, int i) {
    int j = 1 - i;
    int gets = excluded == i ? 0 : a[j];
    return 5.0 - 2.0 * gets + a[i];
}

Test(equilibrium, prisoners_dilemma) {
    struct equilibrium_cache cache;
    struct equilibrium_result result;
    struct game g = {.loss = dilemma, .common = 0.7};
    struct equilibrium_config config = config_of(1000);
    cr_assert_eq(equilibrium_cache_init(&cache, 2, 2, 20), 0);
    cr_assert_eq(equilibrium_solve(&config, &cache, evaluate, &g, &result), 0);
    cr_assert(result.exhaustive);
    cr_assert_eq(result.n_equilibria, 1);
    int a[2];
    levels_of(&cache, result.equilibria[0].row, a);
    cr_assert(a[0] == 0 && a[1] == 0, "equilibrium (%d, %d)", a[0], a[1]);
    cr_assert(result.equilibria[0].test.point_nash);
    cr_assert_float_eq(result.equilibria[0].test.gain.mean, -1.0, 1e-9);
    levels_of(&cache, result.optimum, a);
    cr_assert(a[0] == 1 && a[1] == 1);
    /* regional loss 10 at (0, 0), 8 at (1, 1) */
    cr_assert_float_eq(result.poa.mean, 10.0 / 8.0, 1e-9);
    cr_assert(result.poa.low <= result.poa.mean && result.poa.mean <= result.poa.high);
    /* grim trigger: L_opt 4, best deviation 3, cut off 5: margin (1-d) 3 + 5 d - 4 = 2d - 1 */
    for (int i = 0; i < 2; i++) {
        cr_assert_float_eq(result.margin[i].mean, 2 * 0.9 - 1, 1e-9);
        cr_assert_eq(result.dev_level[i], 0);
        cr_assert_eq(result.pun_level[i], 0);
    }
    cr_assert_eq(result.sustained, EQUILIBRIUM_SUSTAINED);
    /* both gain 1 at the optimum: no state needs compensating, so no transfer */
    for (int i = 0; i < 2; i++) {
        cr_assert_float_eq(result.gain[i].mean, 1.0, 1e-9);
        cr_assert_float_eq(result.transfer[i].mean, 0.0, 1e-9);
    }
    cr_assert_float_eq(result.surplus.mean, 2.0, 1e-9);
    equilibrium_result_free(&result);
    equilibrium_cache_free(&cache);
    /* a low discount: the one-shot gain outweighs the punishment */
    config.discount = 0.3;
    g.calls = g.evaluated = 0;
    cr_assert_eq(equilibrium_cache_init(&cache, 2, 2, 20), 0);
    cr_assert_eq(equilibrium_solve(&config, &cache, evaluate, &g, &result), 0);
    cr_assert_eq(result.sustained, EQUILIBRIUM_NOT_SUSTAINED);
    cr_assert_float_eq(result.margin[0].mean, 2 * 0.3 - 1, 1e-9);
    equilibrium_result_free(&result);
    equilibrium_cache_free(&cache);
    /* at d = 1/2 the margin is 0: with noise its interval spans 0 and the verdict is open */
    config.discount = 0.5;
    g.sigma = 0.3;
    cr_assert_eq(equilibrium_cache_init(&cache, 2, 2, 20), 0);
    cr_assert_eq(equilibrium_solve(&config, &cache, evaluate, &g, &result), 0);
    cr_assert_eq(result.sustained, EQUILIBRIUM_UNDECIDED);
    for (int i = 0; i < 2; i++) cr_assert(result.margin[i].low < 0 && result.margin[i].high > 0);
    equilibrium_result_free(&result);
    equilibrium_cache_free(&cache);
    expect_no_leaks();
}

/* Coordination: both at 1 is best (loss 0.5 each), both at 0 is an equilibrium too (1 each),
 * mismatching costs 3. */
static double coordination(const int *a, int excluded, int i) {
    (void)excluded, (void)i;
    return a[0] != a[1] ? 3.0 : a[0] == 1 ? 0.5 : 1.0;
}

static void coordination_check(long exhaustive_limit) {
    struct equilibrium_cache cache;
    struct equilibrium_result result;
    struct game g = {.loss = coordination, .common = 0.3};
    struct equilibrium_config config = config_of(exhaustive_limit);
    cr_assert_eq(equilibrium_cache_init(&cache, 2, 2, 10), 0);
    cr_assert_eq(equilibrium_solve(&config, &cache, evaluate, &g, &result), 0);
    cr_assert_eq(result.exhaustive, exhaustive_limit >= 4);
    cr_assert_eq(result.n_equilibria, 2);
    int found = 0, a[2];
    for (int e = 0; e < 2; e++) {
        levels_of(&cache, result.equilibria[e].row, a);
        cr_assert_eq(a[0], a[1]);
        found |= 1 << a[0];
    }
    cr_assert_eq(found, 3);
    levels_of(&cache, result.worst, a);
    cr_assert_eq(a[0], 0);
    levels_of(&cache, result.best, a);
    cr_assert_eq(a[0], 1);
    cr_assert_float_eq(result.poa.mean, 2.0, 1e-9);
    equilibrium_result_free(&result);
    equilibrium_cache_free(&cache);
}

Test(equilibrium, coordination_game_has_two_equilibria) {
    coordination_check(1000); /* exhaustive */
    coordination_check(0);    /* best response from all-low and all-high */
    expect_no_leaks();
}

/* Matching pennies: 0 wants to match, 1 to mismatch; no pure equilibrium. */
static double pennies(const int *a, int excluded, int i) {
    (void)excluded;
    int match = a[0] == a[1];
    return i == 0 ? (match ? 0.0 : 1.0) : (match ? 1.0 : 0.0);
}

Test(equilibrium, matching_pennies_has_none) {
    for (long limit = 0; limit <= 1000; limit += 1000) {
        struct equilibrium_cache cache;
        struct equilibrium_result result;
        struct game g = {.loss = pennies, .common = 0.2};
        struct equilibrium_config config = config_of(limit);
        cr_assert_eq(equilibrium_cache_init(&cache, 2, 2, 10), 0);
        cr_assert_eq(equilibrium_solve(&config, &cache, evaluate, &g, &result), 0);
        cr_assert_eq(result.n_equilibria, 0);
        cr_assert_eq(result.worst, -1);
        cr_assert(isnan(result.poa.mean));
        cr_assert_eq(result.tested, 4);
        for (int w = 0; w < result.n_walkers; w++)
            if (result.walkers[w].mode == EQUILIBRIUM_NASH) {
                cr_assert_eq(result.walkers[w].converged, 0); /* best responses cycle */
                cr_assert_eq(result.walkers[w].passes, config.max_passes);
            }
        equilibrium_result_free(&result);
        equilibrium_cache_free(&cache);
    }
    expect_no_leaks();
}

/* A 3-player, 5-level game with strategic substitutes: loss_i = (a_i - 3)^2 + 0.6 a_i S_-i
 * plus a player-specific tilt, so best responses fall as the others share more. */
static double substitutes(const int *a, int excluded, int i) {
    (void)excluded;
    double others = 0;
    for (int j = 0; j < 3; j++)
        if (j != i) others += a[j];
    return (a[i] - 3.0) * (a[i] - 3.0) + 0.6 * a[i] * others + 0.1 * i * a[i];
}

static int brute_point_nash(int *list) {
    int count = 0, a[3];
    for (int code = 0; code < 125; code++) {
        a[0] = code % 5, a[1] = code / 5 % 5, a[2] = code / 25;
        int nash = 1;
        for (int i = 0; i < 3 && nash; i++) {
            int keep = a[i];
            double here = substitutes(a, -1, i);
            for (int b = 0; b < 5; b++) {
                a[i] = b;
                if (substitutes(a, -1, i) < here - 1e-12) nash = 0;
            }
            a[i] = keep;
        }
        if (nash) list[count++] = code;
    }
    return count;
}

static int point_nash_codes(const struct equilibrium_cache *cache,
                            const struct equilibrium_result *result, int *list) {
    int count = 0;
    for (int e = 0; e < result->n_equilibria; e++)
        if (result->equilibria[e].test.point_nash)
            list[count++] = (int)cache->keys[result->equilibria[e].row];
    for (int x = 0; x < count; x++) /* sort: the brute force lists codes in order */
        for (int y = x + 1; y < count; y++)
            if (list[y] < list[x]) {
                int t = list[x];
                list[x] = list[y], list[y] = t;
            }
    return count;
}

Test(equilibrium, exhaustive_and_best_response_agree) {
    int expected[125], from_all[125], from_walk[125];
    int n_expected = brute_point_nash(expected);
    cr_assert_geq(n_expected, 1);
    long seen[4096] = {0};
    struct game g = {.loss = substitutes, .common = 0.5, .seen = seen};
    struct equilibrium_cache cache;
    struct equilibrium_result result;
    struct equilibrium_config config = config_of(1000);
    cr_assert_eq(equilibrium_cache_init(&cache, 3, 5, 12), 0);
    cr_assert_eq(equilibrium_solve(&config, &cache, evaluate, &g, &result), 0);
    cr_assert(result.exhaustive);
    int n_all = point_nash_codes(&cache, &result, from_all);
    cr_assert_eq(n_all, n_expected);
    cr_assert_arr_eq(from_all, expected, (size_t)n_all * sizeof(int));
    /* the exact optimum: the lowest regional loss of all 125 profiles */
    double best = INFINITY;
    int a[3];
    for (int code = 0; code < 125; code++) {
        a[0] = code % 5, a[1] = code / 5 % 5, a[2] = code / 25;
        double total = substitutes(a, -1, 0) + substitutes(a, -1, 1) + substitutes(a, -1, 2);
        best = fmin(best, total);
    }
    cr_assert_float_eq(result.optimum_regional.mean, best, 1e-9);
    equilibrium_result_free(&result);
    equilibrium_cache_free(&cache);

    memset(seen, 0, sizeof seen);
    g.evaluated = 0;
    config = config_of(10); /* 125 > 10: best-response search */
    cr_assert_eq(equilibrium_cache_init(&cache, 3, 5, 12), 0);
    cr_assert_eq(equilibrium_solve(&config, &cache, evaluate, &g, &result), 0);
    cr_assert_not(result.exhaustive);
    int n_walk = point_nash_codes(&cache, &result, from_walk);
    /* every equilibrium best response finds is a true one, and the unique one is found */
    cr_assert_geq(n_walk, 1);
    for (int k = 0; k < n_walk; k++) {
        int hit = 0;
        for (int x = 0; x < n_expected; x++) hit |= expected[x] == from_walk[k];
        cr_assert(hit, "profile %d is not a point equilibrium", from_walk[k]);
    }
    if (n_expected == 1) cr_assert_eq(from_walk[0], expected[0]);
    for (int w = 0; w < result.n_walkers; w++) cr_assert(result.walkers[w].converged);
    /* the cache: no profile ever evaluated twice, fewer than all evaluated */
    for (int k = 0; k < 4096; k++)
        cr_assert_leq(seen[k], 1, "key %d evaluated %ld times", k, seen[k]);
    cr_assert_eq(g.evaluated, cache.count);
    cr_assert_lt(cache.count, 125 + 3 * 5);
    equilibrium_result_free(&result);
    equilibrium_cache_free(&cache);
    expect_no_leaks();
}

Test(equilibrium, holm_step_down) {
    double p[4] = {0.01, 0.04, 0.03, 0.005}, adjusted[4];
    unsigned char reject[4];
    cr_assert_eq(equilibrium_holm(p, 4, 0.05, adjusted, reject), 2);
    /* sorted 0.005 x 4, 0.01 x 3, 0.03 x 2, 0.04 x 1, each the running maximum */
    cr_assert_float_eq(adjusted[3], 0.02, 1e-15);
    cr_assert_float_eq(adjusted[0], 0.03, 1e-15);
    cr_assert_float_eq(adjusted[2], 0.06, 1e-15);
    cr_assert_float_eq(adjusted[1], 0.06, 1e-15);
    cr_assert(reject[0] && reject[3] && !reject[1] && !reject[2]);
    /* Bonferroni would reject only p <= 0.0125; Holm also takes the second smallest */
    cr_assert_eq(equilibrium_holm(p, 4, 0.0125, adjusted, reject), 0);
    expect_no_leaks();
}

/* A small gain from deviating, buried in profile-specific noise: at few replicates the rule
 * cannot reject the profile (it counts as an equilibrium though not a point one); at many it
 * does. Player 0 gains 0.2 by moving to 1; player 1 is indifferent up to noise. */
static double small_gain(const int *a, int excluded, int i) {
    (void)excluded;
    return i == 0 ? 1.0 - 0.2 * a[0] : 1.0;
}

Test(equilibrium, rule_needs_significance) {
    int accepted[2] = {0, 0};
    int replicates[2] = {6, 4000};
    for (int k = 0; k < 2; k++) {
        struct equilibrium_cache cache;
        struct equilibrium_result result;
        struct game g = {.loss = small_gain, .sigma = 1.0};
        struct equilibrium_config config = config_of(1000);
        cr_assert_eq(equilibrium_cache_init(&cache, 2, 2, replicates[k]), 0);
        cr_assert_eq(equilibrium_solve(&config, &cache, evaluate, &g, &result), 0);
        for (int e = 0; e < result.n_equilibria; e++) {
            int a[2];
            levels_of(&cache, result.equilibria[e].row, a);
            if (a[0] == 0 && a[1] == 0) accepted[k] = 1;
        }
        equilibrium_result_free(&result);
        equilibrium_cache_free(&cache);
    }
    cr_assert_eq(accepted[0], 1, "6 replicates cannot show a 0.2 gain under noise of sd 1.4");
    cr_assert_eq(accepted[1], 0, "4000 replicates show it (standard error 0.03)");
    expect_no_leaks();
}

/* Interrupted after some profiles, continued on the same cache: the identical result. */
Test(equilibrium, resumed_search_is_identical) {
    struct equilibrium_config config = config_of(10);
    struct equilibrium_cache full, cut;
    struct equilibrium_result a, b;
    struct game g = {.loss = substitutes, .sigma = 0.3};
    cr_assert_eq(equilibrium_cache_init(&full, 3, 5, 8), 0);
    cr_assert_eq(equilibrium_solve(&config, &full, evaluate, &g, &a), 0);
    struct game h = {.loss = substitutes, .sigma = 0.3, .stop_after = 17};
    cr_assert_eq(equilibrium_cache_init(&cut, 3, 5, 8), 0);
    cr_assert_eq(equilibrium_solve(&config, &cut, evaluate, &h, &b), 1);
    equilibrium_result_free(&b);
    /* what a journal keeps: the evaluated rows, in order */
    struct equilibrium_cache kept;
    cr_assert_eq(equilibrium_cache_init(&kept, 3, 5, 8), 0);
    for (long row = 0; row < cut.count; row++)
        if (cut.ready[row] == 1) {
            long k = equilibrium_cache_add(&kept, cut.keys[row]);
            memcpy(equilibrium_cache_row(&kept, k), equilibrium_cache_row(&cut, row),
                   8 * 3 * sizeof(double));
            kept.ready[k] = 1;
        }
    cr_assert_eq(kept.count, 17);
    h.stop_after = 0;
    h.evaluated = 0;
    cr_assert_eq(equilibrium_solve(&config, &kept, evaluate, &h, &b), 0);
    cr_assert_eq(h.evaluated, full.count - 17, "only the missing profiles are evaluated");
    cr_assert_eq(kept.count, full.count);
    cr_assert_arr_eq(kept.keys, full.keys, (size_t)full.count * sizeof *full.keys);
    cr_assert_arr_eq(kept.loss, full.loss, (size_t)full.count * 8 * 3 * sizeof(double));
    cr_assert_eq(a.n_equilibria, b.n_equilibria);
    cr_assert_eq(a.optimum, b.optimum);
    cr_assert_eq(memcmp(&a.poa, &b.poa, sizeof a.poa), 0);
    equilibrium_result_free(&a), equilibrium_result_free(&b);
    equilibrium_cache_free(&full), equilibrium_cache_free(&cut), equilibrium_cache_free(&kept);
    expect_no_leaks();
}

Test(equilibrium, keys_round_trip_and_bootstrap_is_a_resample) {
    int a[4] = {3, 0, 10, 7}, back[4], excluded;
    uint64_t key = equilibrium_key(4, 11, a, 2);
    equilibrium_decode(4, 11, key, back, &excluded);
    cr_assert_arr_eq(a, back, sizeof a);
    cr_assert_eq(excluded, 2);
    cr_assert_neq(key, equilibrium_key(4, 11, a, -1));
    cr_assert(equilibrium_grid_fits(5, 11));
    cr_assert_not(equilibrium_grid_fits(16, 101));
    unsigned w[50], v[50];
    equilibrium_bootstrap_weights(11, 3, 50, w);
    equilibrium_bootstrap_weights(11, 3, 50, v);
    unsigned total = 0, distinct = 0;
    for (int r = 0; r < 50; r++) total += w[r], distinct += w[r] > 0;
    cr_assert_eq(total, 50);
    cr_assert_arr_eq(w, v, sizeof w); /* a pure function of the seed and the draw */
    /* a resample with replacement leaves out about 1/e of the replicates */
    cr_assert(distinct > 20 && distinct < 45, "%u distinct", distinct);
    expect_no_leaks();
}
