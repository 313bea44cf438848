/* coalition_core.h — solution concepts of the coalition game (least core, nucleolus,
 * superadditivity) and coalition structures (partitions of the states, their value and the
 * internal and external stability of their blocks).
 *
 * v is a gain (loss avoided, coalition.h), so the core is {x : x(N) = v(N), x(S) >= v(S) for
 * every S}. Masks as in coalition.h: bit i = state i.
 */
#ifndef C5SIM_COALITION_CORE_H
#define C5SIM_COALITION_CORE_H

#include <stddef.h>

#include "coalition.h"

/* The least core: epsilon = min e s.t. x(S) >= v(S) - e for every proper nonempty S and
 * x(N) = v(N); x gets one least-core point. The core is non-empty iff epsilon <= 0. n >= 2.
 * Returns 0, or -1 (an LP failed: out of memory). */
int coalition_least_core(const double *value, int n, double *epsilon, double *x);

/* The nucleolus (Schmeidler 1969) by sequential LPs (Maschler, Peleg & Shapley 1979; Kohlberg
 * 1971): at round k, minimise the largest excess v(S) - x(S) over the proper coalitions not yet
 * fixed; the coalitions whose excess equals that minimum at every optimum (each tight one is
 * tested by an LP) are fixed at it; stop when the fixed coalitions and N span R^n (x is then
 * unique) or none is left. Over the imputations (x(N) = v(N), x_i >= v({i}) = 0) when they
 * exist, i.e. v(N) >= 0: returns 0. When v(N) < 0 there is no imputation; the same rounds
 * without x_i >= 0 give the pre-nucleolus: returns 1. -1: an LP failed (out of memory). */
int coalition_nucleolus(const double *value, int n, double *x);

/* Superadditivity violations: pairs {S, T} of disjoint nonempty coalitions with
 * v(S u T) < v(S) + v(T) - tol (tol = 1e-9 of the largest |v|). Returns their count; *worst
 * gets the largest shortfall v(S) + v(T) - v(S u T) (0 when there is none). */
int coalition_superadditivity(const double *value, int n, double *worst);

/* Partition variants (coalition structures with two or more blocks of two or more states) are
 * run only for N up to this bound: Bell(6) = 203 partitions, 145 of them such variants. */
enum { COALITION_MAX_PARTITION_STATES = 6 };

/* Every partition of the n states, in lexicographic order of restricted growth strings
 * (block[0] = 0, block[i] <= 1 + max of the earlier ones): partition 0 is the grand coalition
 * (all in block 0), the last is all singletons. */
struct coalition_structures {
    int n;
    int count;            /* Bell(n) */
    int n_multi;          /* partitions with >= 2 blocks of >= 2 states (their own variants) */
    unsigned char *block; /* [p * n + i]: block of state i in partition p */
    int *n_blocks;        /* [p] */
    unsigned *block_mask; /* [p * n + b]: members of block b (b < n_blocks[p]) */
    int *row;             /* [p]: row of the loss table that holds partition p (below) */
    int *alone;           /* [p * n + i]: partition p with i split off on its own */
    int *joined;          /* [(p * n + i) * n + b]: p with i moved into block b (-1: b absent
                             or already i's block) */
};

/* Rows of the loss table (variants of `coalitions`): a partition with at most one block of two
 * or more states is the coalition of that block (row = its mask; all singletons: row 0); the
 * others are rows 2^n + n + k, k counting them in the order above. NULL when out of memory or
 * n is outside 1..COALITION_MAX_PARTITION_STATES. */
struct coalition_structures *coalition_structures_alloc(int n);
void coalition_structures_free(struct coalition_structures *structures);

/* "{A,B}{C,D}{E}" (the codes in state order inside a block, blocks in order of first state). */
void coalition_structure_label(const struct coalition_structures *structures, int p,
                               const char *const *codes, char *text, size_t size);

/* Total value of partition p: sum over every state of loss_i(nobody shares) - loss_i(p); loss
 * has rows as above (loss[row * n + i]). Its maximum is the partition of least regional loss. */
double coalition_structure_value(const struct coalition_structures *structures, int p,
                                 const double *loss);

/* d'Aspremont et al. (1983) stability of block b of partition p: *internal gets the largest
 * gain a member makes by leaving the block to stand alone (loss_i(p) - loss_i(p, i alone);
 * -INFINITY for a block of one), *external the largest gain an outsider makes by moving into
 * it (loss_j(p) - loss_j(p, j in b); -INFINITY when everyone is in it). A block is internally
 * stable when *internal <= 0, externally stable when *external <= 0. */
void coalition_structure_stability(const struct coalition_structures *structures, int p, int b,
                                   const double *loss, double *internal, double *external);

#endif
