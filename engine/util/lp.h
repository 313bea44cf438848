/* lp.h — a small dense linear-program solver: two-phase simplex with Bland's rule.
 *
 * Meant for the cooperative-game figures (least core, nucleolus: a few dozen rows and columns),
 * not for large problems: the tableau is dense, (rows + 1) x (columns + slacks + artificials + 1)
 * doubles. Bland's rule (the entering column is the lowest-indexed one that improves, the leaving
 * row the lowest-indexed basic variable among the tied ratios) makes cycling impossible, so
 * degenerate problems terminate.
 */
#ifndef C5SIM_LP_H
#define C5SIM_LP_H

#include <stddef.h>

enum lp_status {
    LP_OPTIMAL = 0,
    LP_INFEASIBLE = 1,
    LP_UNBOUNDED = 2,
    LP_ERROR = -1 /* out of memory, a bad argument or the pivot limit */
};

/* Row senses: a_r . x <= b_r, >= b_r, = b_r. */
enum lp_sense { LP_LE = 0, LP_GE = 1, LP_EQ = 2 };

/* minimise c . x subject to A x (sense) b, where x_j >= 0 unless is_free[j] (then x_j is any
 * real). a is row-major, n_rows x n_vars; is_free may be NULL (every x_j >= 0). */
struct lp_problem {
    int n_vars;
    int n_rows;
    const double *c;
    const double *a;
    const double *b;
    const int *sense;   /* enum lp_sense, one per row */
    const int *is_free; /* NULL or n_vars flags */
};

/* Limits checked before memory is taken: LP_ERROR beyond them. */
enum { LP_MAX_VARS = 4096, LP_MAX_ROWS = 4096 };

/* Solve. On LP_OPTIMAL, x (n_vars) holds an optimal vertex and *objective its value; x and
 * *objective are left untouched otherwise. Tolerance: 1e-9 relative to the largest |entry| of
 * A, b and c (at least 1). */
int lp_solve(const struct lp_problem *problem, double *x, double *objective);

/* "optimal", "infeasible", "unbounded" or "error". */
const char *lp_status_name(int status);

#endif
