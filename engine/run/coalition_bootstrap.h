/* coalition_bootstrap.h — every coalition figure of the mean game with a bootstrap interval over
 * replicates, and the share of bootstrap draws in which each label (core non-empty, leaving
 * pays, exclusion credible, stable structure, ...) holds.
 *
 * A draw resamples R replicate indices with replacement, jointly for every variant (the same
 * indices for all rows, so the pairing by common random numbers is kept), averages each
 * variant's per-state losses over them, and computes the figures of that mean game. The
 * estimate is the figure of the mean game over all replicates; the interval is the 2.5% and
 * 97.5% percentiles of the draws. Indices come from RNG_BOOTSTRAP streams under the fixed seed
 * COALITION_BOOTSTRAP_SEED (not the scenario's), so the same runs give the same intervals.
 * A label that holds in between 5% and 95% of draws depends on the seed at R replicates.
 */
#ifndef C5SIM_COALITION_BOOTSTRAP_H
#define C5SIM_COALITION_BOOTSTRAP_H

#include <stddef.h>

#include "coalition.h"
#include "coalition_core.h"

#define COALITION_BOOTSTRAP_SEED 17u
enum { COALITION_BOOTSTRAP_DRAWS = 1000 };
/* The least core and the nucleolus take LPs over 2^N rows, the nucleolus a few dozen of them
 * (on a random game and one shared core: 0.1 s at N = 8, 4 s at N = 9, 35 s at N = 10): above
 * this bound they are computed on the mean game only (no interval; the share of "core
 * non-empty" is NaN). */
enum { COALITION_BOOTSTRAP_LP_MAX_STATES = 8 };
#define COALITION_LABEL_LOW  0.05 /* a label holding in a share of draws in [low, high] ... */
#define COALITION_LABEL_HIGH 0.95 /* ... is reported as depending on the seed */

/* Columns of every interval: the mean game's figure, then the draws' 2.5% and 97.5%. */
enum { BOOT_ESTIMATE = 0, BOOT_LOW, BOOT_HIGH, BOOT_FIELDS };
extern const char *const coalition_bootstrap_fields[BOOT_FIELDS];

enum { COALITION_LABEL_NAME = 128 };

struct coalition_bootstrap {
    int n;                       /* states */
    int replicates;              /* R */
    int draws;                   /* bootstrap draws */
    unsigned seed;               /* COALITION_BOOTSTRAP_SEED */
    int nucleolus_kind;          /* on the mean game: 0 nucleolus, 1 pre-nucleolus (v(N) < 0) */
    int superadd_count;          /* pairs {S, T} violating superadditivity in the mean game */
    double epsilon[BOOT_FIELDS]; /* least core */
    double superadd_worst[BOOT_FIELDS]; /* largest shortfall v(S) + v(T) - v(S u T) */
    double nucleolus[COALITION_MAX_STATES][BOOT_FIELDS];
    double shapley[COALITION_MAX_STATES][BOOT_FIELDS];
    double side_payment[COALITION_MAX_STATES][BOOT_FIELDS];
    double leave_gain[COALITION_MAX_STATES][BOOT_FIELDS];
    double free_ride_gain[COALITION_MAX_STATES][BOOT_FIELDS];
    double exclusion_cost[COALITION_MAX_STATES][BOOT_FIELDS];
    /* Coalition structures (NULL / 0 when n > COALITION_MAX_PARTITION_STATES). */
    struct coalition_structures *structures;
    int best;                 /* structure of the greatest value in the mean game, or -1 */
    double *structure_value;  /* [p][BOOT_FIELDS] */
    double *structure_best;   /* [p]: share of draws in which p has the greatest value */
    double *structure_stable; /* [p]: share of draws in which every block of p is internally
                                 and externally stable */
    /* blocks of the best structure: the largest gain from leaving (internal) and from joining
     * (external); NaN where nobody can leave (a block of one) or join (everyone is in it) */
    double internal_gain[COALITION_MAX_STATES][BOOT_FIELDS];
    double external_gain[COALITION_MAX_STATES][BOOT_FIELDS];
    /* labels: name, whether it holds in the mean game, share of draws in which it holds */
    int n_labels;
    char (*label)[COALITION_LABEL_NAME];
    int *label_estimate;
    double *label_share;
};

/* loss[(r * rows + row) * n + i]: state i's loss in variant `row`, replicate r; rows are the
 * variants of coalition_add_variants (2^n + n, plus the multi-block structures when
 * n <= COALITION_MAX_PARTITION_STATES). codes name the states in the labels. draws = 0 skips the
 * bootstrap (intervals NaN, shares NaN). Returns 0, or -1 (out of memory, bad shape). */
int coalition_bootstrap_compute(const double *loss, int replicates, int rows, int n,
                                const char *const *codes, int draws,
                                struct coalition_bootstrap *bootstrap);
void coalition_bootstrap_free(struct coalition_bootstrap *bootstrap);

/* 1 when a label's share lies in [COALITION_LABEL_LOW, COALITION_LABEL_HIGH]. */
int coalition_label_depends_on_seed(double share);

#endif
