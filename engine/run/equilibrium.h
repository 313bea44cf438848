/* equilibrium.h — the sharing game as a finite game on a grid: a cache of evaluated profiles,
 * best-response and coordinate searches run in batches, the Holm equilibrium rule, the regional
 * optimum, the price of anarchy, grim trigger and transfers (docs/model.md §16).
 *
 * Pure: the payoffs come from the caller's `evaluate` callback, which fills the per-replicate
 * loss of every player for a batch of profiles (c5sim runs them as one plan; the tests use
 * synthetic payoff functions). The whole search is a deterministic function of the cache's
 * contents, so a resumed run that preloads the cache reaches the identical result.
 *
 * A profile gives each of the n players a strategy index 0..L-1; its key is the mixed-radix code
 * sum a_i L^i. An exclusion profile (the other players cut player x off: they keep their levels
 * of the base profile among themselves and give x nothing; x plays a_x) has the key
 * (x + 1) L^n + code.
 */
#ifndef C5SIM_EQUILIBRIUM_H
#define C5SIM_EQUILIBRIUM_H

#include <stddef.h>
#include <stdint.h>

enum {
    EQUILIBRIUM_MAX_PLAYERS = 16,
    EQUILIBRIUM_MAX_LEVELS = 101,
    EQUILIBRIUM_MAX_KEY_BITS = 58, /* (n + 1) L^n must fit in a key */
};

/* ---- the cache of evaluated profiles -------------------------------------------------------- */
struct equilibrium_cache {
    int n_players, n_levels, replicates;
    long count, capacity;
    uint64_t *keys;       /* [count], in the order the search first asked for them */
    double *loss;         /* [count][replicates][n_players] */
    unsigned char *ready; /* [count]: 1 once evaluated */
    long *slots;          /* open-addressing table of row indices, -1 empty */
    size_t n_slots;
};

int equilibrium_cache_init(struct equilibrium_cache *cache, int n_players, int n_levels,
                           int replicates);
void equilibrium_cache_free(struct equilibrium_cache *cache);
long equilibrium_cache_find(const struct equilibrium_cache *cache, uint64_t key); /* -1 absent */
/* The row of `key`, added (not ready) when absent; -1 when out of memory. */
long equilibrium_cache_add(struct equilibrium_cache *cache, uint64_t key);
static inline double *equilibrium_cache_row(const struct equilibrium_cache *cache, long row) {
    return cache->loss + (size_t)row * (size_t)cache->replicates * (size_t)cache->n_players;
}

/* Keys. `levels` has n entries; `excluded` -1 for an ordinary profile. */
uint64_t equilibrium_key(int n_players, int n_levels, const int *levels, int excluded);
/* Decode a key: levels[n] and the excluded player (-1 for an ordinary profile). */
void equilibrium_decode(int n_players, int n_levels, uint64_t key, int *levels, int *excluded);
/* 1 when L^n (n + 1) fits in EQUILIBRIUM_MAX_KEY_BITS bits. */
int equilibrium_grid_fits(int n_players, int n_levels);

/* ---- the statistical rule -------------------------------------------------------------------- */
/* A paired interval: mean and 95% t-interval over replicates. */
struct equilibrium_interval {
    double mean, low, high;
};

/* The test of one profile: every unilateral deviation (i to b != a_i) with paired differences
 * D_r = loss_i(b, a_-i) - loss_i(a); two-sided t p-values; Holm's step-down at level alpha over
 * the m = n (L - 1) deviations. The profile is an equilibrium when no deviation is rejected
 * with a negative mean (none lowers its deviator's loss significantly). */
struct equilibrium_test {
    int complete;    /* every deviation was in the cache */
    int equilibrium; /* 1: no deviation significantly lowers the deviator's loss */
    int point_nash;  /* 1: no deviation has a lower mean loss at all */
    int rejected;    /* deviations that significantly lower the deviator's loss */
    int best_player; /* the deviation with the largest mean gain */
    int best_level;
    struct equilibrium_interval gain; /* its gain loss_i(a) - loss_i(dev): > 0 helps deviator */
    double holm_p;                    /* its Holm-adjusted p-value */
};

/* Mean and 95% t-interval of x[r * stride] over replicates, replicate r counted weights[r] times
 * (NULL: once each); *sd (may be NULL) gets the sample sd. */
struct equilibrium_interval equilibrium_interval_of(const double *x, size_t stride, int replicates,
                                                    const unsigned *weights, double *sd);

/* `weights` (NULL = each replicate once) counts how often a replicate is drawn (bootstrap). */
void equilibrium_test_profile(const struct equilibrium_cache *cache, const int *levels,
                              double alpha, const unsigned *weights, struct equilibrium_test *test);

/* Holm's step-down on m p-values: adjusted[k] = max over j <= rank(k) of min(1, (m - j) p_(j)),
 * reject[k] = adjusted[k] <= alpha. Returns the number rejected, or -1 when out of memory. */
int equilibrium_holm(const double *p, int m, double alpha, double *adjusted, unsigned char *reject);

/* ---- the search ------------------------------------------------------------------------------ */
/* Fill rows[0..n-1] of the cache (their keys set, not ready): each row's loss for every
 * replicate and player, then ready = 1. Return 0, 1 when stopped (rows done so far are ready),
 * -1 on failure. */
typedef int (*equilibrium_evaluate_fn)(void *context, struct equilibrium_cache *cache,
                                       const long *rows, long n);

struct equilibrium_config {
    long exhaustive_limit; /* evaluate every profile when L^n is at most this */
    int random_starts;     /* seeded random starts besides all-lowest, all-highest, own */
    int max_passes;        /* a walker that has not converged after this many passes stops */
    double alpha;          /* family-wise level of the Holm rule (0.05) */
    double discount;       /* grim trigger's discount factor delta in [0, 1) */
    int bootstrap;         /* bootstrap draws over replicates for the label stability */
    uint64_t seed;         /* the run seed: random starts and bootstrap draws */
    const int *own;        /* the scenario's own profile (n entries), or NULL */
    long batch_limit;      /* at most this many profiles per evaluate call */
    int exclusion;         /* 1: evaluate the exclusion profiles and the grim trigger */
};

enum { EQUILIBRIUM_NASH = 0, EQUILIBRIUM_OPTIMUM = 1 };

/* The grim trigger's verdict: sustained when every state's margin has its interval above 0 (or
 * is exactly >= 0 with no spread), not sustained when some state's interval lies below 0,
 * undecided otherwise. */
enum { EQUILIBRIUM_NOT_SUSTAINED = 0, EQUILIBRIUM_SUSTAINED = 1, EQUILIBRIUM_UNDECIDED = 2 };

/* A walker: best-response (Nash) or coordinate descent on the regional loss (optimum). */
struct equilibrium_walker {
    int mode;
    int start[EQUILIBRIUM_MAX_PLAYERS], end[EQUILIBRIUM_MAX_PLAYERS];
    int converged, passes;
};

struct equilibrium_found {
    long row;
    struct equilibrium_test test;
    struct equilibrium_interval regional; /* regional loss */
    double stable_share; /* share of bootstrap draws in which it is still an equilibrium */
};

struct equilibrium_result {
    int n_players, n_levels, replicates;
    int exhaustive;
    int n_walkers;
    struct equilibrium_walker *walkers;
    long tested; /* profiles with every deviation evaluated */
    int n_equilibria;
    struct equilibrium_found *equilibria; /* point-Nash first, then by largest gain */
    long optimum;                         /* row of the regional optimum */
    struct equilibrium_interval optimum_regional;
    long worst, best;                /* rows of the worst/best equilibrium; -1 if none */
    struct equilibrium_interval poa; /* ratio of means; percentile bootstrap interval */
    double poa_above_one_share;      /* bootstrap draws with PoA > 1 */
    /* grim trigger, per player (arrays of n) */
    struct equilibrium_interval *margin; /* (1-d) L_dev + d L_pun - L_opt: >= 0 sustains */
    struct equilibrium_interval *loss_opt, *loss_dev, *loss_pun;
    int *dev_level, *pun_level; /* the best deviation, the best response when cut off */
    int sustained; /* EQUILIBRIUM_SUSTAINED, _NOT_SUSTAINED, _UNDECIDED or -1 (not computed) */
    double sustained_share; /* bootstrap draws that agree with `sustained` */
    /* transfers from the best equilibrium to the optimum, per player */
    struct equilibrium_interval *gain;     /* loss_i(best eq) - loss_i(opt) */
    struct equilibrium_interval *transfer; /* received (> 0) or paid (< 0) */
    struct equilibrium_interval surplus;   /* regional loss(best eq) - regional loss(opt) */
    int has_transfers;
};

/* Run the whole search and fill `result`. Returns 0, 1 when stopped by the callback, -1 on
 * failure (out of memory, or the callback failed). */
int equilibrium_solve(const struct equilibrium_config *config, struct equilibrium_cache *cache,
                      equilibrium_evaluate_fn evaluate, void *context,
                      struct equilibrium_result *result);
void equilibrium_result_free(struct equilibrium_result *result);

/* The figures of a finished search (equilibrium_solve's last step, equilibrium_figures.c): the
 * rule on every fully tested profile, PoA, grim trigger, transfers, bootstrap stability. */
int equilibrium_figures(const struct equilibrium_config *config,
                        const struct equilibrium_cache *cache, struct equilibrium_result *result);

/* Regional loss of a row as a paired interval (weights as in equilibrium_test_profile). */
struct equilibrium_interval equilibrium_regional(const struct equilibrium_cache *cache, long row,
                                                 const unsigned *weights);

/* Bootstrap draw b's weights (how often each replicate is drawn), a pure function of seed. */
void equilibrium_bootstrap_weights(uint64_t seed, int b, int replicates, unsigned *weights);

#endif
