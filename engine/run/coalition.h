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
 * is the empty coalition: nobody shares). Members share fully among themselves (policy
 * agreements, probability 1) and withhold from everyone else; per-domain sharing overrides are
 * removed so that the coalition rule holds in every domain. Returns 0, or -1 with err. */
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

#endif
