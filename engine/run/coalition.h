/* coalition.h — coalition variants and cooperative-game figures: v(S), Shapley values and the
 * gain from leaving the grand coalition, per replicate so that intervals can be paired.
 *
 * Players are the states 0..n-1; a coalition is a bitmask (bit i = state i is a member).
 */
#ifndef C5SIM_COALITION_H
#define C5SIM_COALITION_H

#include <stddef.h>

#include "plan.h"

enum { COALITION_MAX_STATES = 10 };

/* Add the 2^n coalition variants to `plan` in bitmask order (variant index = mask, so variant 0
 * is the empty coalition: nobody shares), then n free-riding variants (2^n + i: every state
 * shares with every other, except state i, which withholds and still receives), then, when
 * n <= COALITION_MAX_PARTITION_STATES (coalition_core.h), one variant per coalition structure
 * with two or more blocks of two or more states (2^n + n + k, in the order of
 * coalition_structures_alloc; each state shares with its own block only; members = 0). Members
 * share fully among themselves (policy agreements, probability 1, threshold 0, scope all) and
 * withhold from everyone else; per-domain sharing rules are removed at every layer so that the
 * coalition rule holds in every domain; each state's latency is kept. Returns 0, or -1. */
int coalition_add_variants(struct plan *plan, const char *const *state_codes, int n_states,
                           char *err, size_t errlen);

/* v(S) for every mask from the members' losses: loss[mask * n + i] = loss of state i under
 * coalition mask (one replicate). v(S) = sum over i in S of loss_i(empty) - loss_i(S).
 * value has 2^n entries. */
void coalition_values(const double *loss, int n, double *value);

/* Shapley values phi[i] from v (2^n entries, v[0] = 0), exact formula with weights
 * |S|! (n - |S| - 1)! / n!. The phi sum to v(grand) up to rounding. */
void coalition_shapley(const double *value, int n, double *phi);

/* Gain from leaving the grand coalition: gain[i] = loss_i(grand) - loss_i(grand without i).
 * Positive: leaving lowers i's loss, so the agreement is not self-enforcing for i. */
void coalition_leave_gain(const double *loss, int n, double *gain);

/* The other deviation: free-riding. gain[i] = loss_i(grand) - loss_i(i free-rides), loss having
 * 2^n + n rows (the free-riding variants after the coalitions). Positive: i gains by withholding
 * while the others keep sharing with it. */
void coalition_free_ride_gain(const double *loss, int n, double *gain);

/* Is exclusion credible? cost[i] = (the others' loss when they cut i off: coalition N - i) -
 * (their loss when they keep sharing with a free-riding i). Below 0: cutting i off is in the
 * others' interest, so the threat of exclusion is credible. */
void coalition_exclusion_cost(const double *loss, int n, double *cost);

/* The side payments the Shapley values imply: payment[i] = phi_i - (loss_i(nobody shares) -
 * loss_i(grand)), what i would receive (positive) or pay (negative) for the grand coalition to
 * give each state its Shapley value. */
void coalition_side_payments(const double *loss, const double *phi, int n, double *payment);

#endif
