/* lp.c — dense two-phase simplex with Bland's rule (lp.h). */
#include <math.h>
#include <stdlib.h>

#include "lp.h"

struct tableau {
    int m, cols; /* constraint rows; columns before the right-hand side */
    int width;   /* cols + 1 */
    double *t;   /* (m + 1) x width; row m is the reduced-cost row, its last cell is -z */
    int *basis;  /* basic column of each row */
    double tol;
};

static inline double *cell(struct tableau *tb, int r, int j) {
    return tb->t + (size_t)r * (size_t)tb->width + (size_t)j;
}

static void pivot(struct tableau *tb, int r, int k) {
    double *row = cell(tb, r, 0);
    double p = row[k];
    for (int j = 0; j < tb->width; j++) row[j] /= p;
    row[k] = 1.0;
    for (int i = 0; i <= tb->m; i++) {
        if (i == r) continue;
        double *other = cell(tb, i, 0);
        double f = other[k];
        if (f == 0.0) continue;
        for (int j = 0; j < tb->width; j++) other[j] -= f * row[j];
        other[k] = 0.0;
    }
    tb->basis[r] = k;
}

/* Minimise over the columns below `allowed` (the others never enter). Bland's rule. */
static int simplex(struct tableau *tb, int allowed) {
    int rhs = tb->cols;
    for (long iteration = 0; iteration < 100000; iteration++) {
        int enter = -1;
        for (int j = 0; j < allowed && enter < 0; j++)
            if (*cell(tb, tb->m, j) < -tb->tol) enter = j;
        if (enter < 0) return LP_OPTIMAL;
        int leave = -1;
        double best = 0.0;
        for (int r = 0; r < tb->m; r++) {
            double a = *cell(tb, r, enter);
            if (a <= tb->tol) continue;
            double ratio = *cell(tb, r, rhs) / a;
            if (leave < 0 || ratio < best - tb->tol) {
                best = ratio;
                leave = r;
            } else if (ratio <= best + tb->tol && tb->basis[r] < tb->basis[leave]) {
                leave = r; /* Bland: among tied ratios, the lowest-indexed basic variable */
            }
        }
        if (leave < 0) return LP_UNBOUNDED;
        pivot(tb, leave, enter);
    }
    return LP_ERROR;
}

const char *lp_status_name(int status) {
    switch (status) {
        case LP_OPTIMAL:
            return "optimal";
        case LP_INFEASIBLE:
            return "infeasible";
        case LP_UNBOUNDED:
            return "unbounded";
        default:
            return "error";
    }
}

int lp_solve(const struct lp_problem *p, double *x, double *objective) {
    if (!p || p->n_vars < 1 || p->n_rows < 0 || p->n_vars > LP_MAX_VARS ||
        p->n_rows > LP_MAX_ROWS || !p->c || (p->n_rows > 0 && (!p->a || !p->b || !p->sense)))
        return LP_ERROR;
    int n = p->n_vars, m = p->n_rows;
    /* Column layout: one column per variable, a second (its negative part) per free variable,
     * then a slack or surplus per inequality row, then an artificial per >= or = row (after
     * the rows are scaled so that every b_r >= 0). */
    int *column = malloc((size_t)n * sizeof *column);     /* first column of variable j */
    int *negative = malloc((size_t)n * sizeof *negative); /* its negative part, or -1 */
    int *flip = malloc((size_t)(m > 0 ? m : 1) * sizeof *flip);
    int *kind = malloc((size_t)(m > 0 ? m : 1) * sizeof *kind); /* sense after the flip */
    if (!column || !negative || !flip || !kind) {
        free(column), free(negative), free(flip), free(kind);
        return LP_ERROR;
    }
    int cols = 0;
    double scale = 1.0;
    for (int j = 0; j < n; j++) {
        column[j] = cols++;
        negative[j] = p->is_free && p->is_free[j] ? cols++ : -1;
        if (fabs(p->c[j]) > scale) scale = fabs(p->c[j]);
    }
    int structural = cols, slacks = 0, artificials = 0;
    for (int r = 0; r < m; r++) {
        flip[r] = p->b[r] < 0;
        int s = p->sense[r];
        kind[r] = s == LP_EQ ? LP_EQ : (s == LP_LE) != flip[r] ? LP_LE : LP_GE;
        slacks += kind[r] != LP_EQ;
        artificials += kind[r] != LP_LE;
        if (fabs(p->b[r]) > scale) scale = fabs(p->b[r]);
        for (int j = 0; j < n; j++)
            if (fabs(p->a[(size_t)r * (size_t)n + (size_t)j]) > scale)
                scale = fabs(p->a[(size_t)r * (size_t)n + (size_t)j]);
    }
    int art_start = structural + slacks;
    cols = art_start + artificials;
    struct tableau tb = {.m = m, .cols = cols, .width = cols + 1, .tol = 1e-9 * scale};
    tb.t = calloc((size_t)(m + 1) * (size_t)tb.width, sizeof *tb.t);
    tb.basis = malloc((size_t)(m > 0 ? m : 1) * sizeof *tb.basis);
    int status = tb.t && tb.basis ? LP_OPTIMAL : LP_ERROR;
    for (int r = 0, slack = structural, art = art_start; status == LP_OPTIMAL && r < m; r++) {
        double sign = flip[r] ? -1.0 : 1.0;
        for (int j = 0; j < n; j++) {
            double a = sign * p->a[(size_t)r * (size_t)n + (size_t)j];
            *cell(&tb, r, column[j]) = a;
            if (negative[j] >= 0) *cell(&tb, r, negative[j]) = -a;
        }
        *cell(&tb, r, cols) = sign * p->b[r];
        if (kind[r] == LP_LE) {
            *cell(&tb, r, slack) = 1.0;
            tb.basis[r] = slack++;
        } else {
            if (kind[r] == LP_GE) *cell(&tb, r, slack++) = -1.0;
            *cell(&tb, r, art) = 1.0;
            tb.basis[r] = art++;
        }
    }
    /* Phase 1: minimise the sum of the artificials; its reduced costs are minus the sum of the
     * rows they are basic in. */
    if (status == LP_OPTIMAL && artificials > 0) {
        for (int r = 0; r < m; r++)
            if (tb.basis[r] >= art_start)
                for (int j = 0; j < tb.width; j++) *cell(&tb, m, j) -= *cell(&tb, r, j);
        for (int j = art_start; j < cols; j++) *cell(&tb, m, j) = 0.0;
        status = simplex(&tb, cols);
        if (status == LP_OPTIMAL && -*cell(&tb, m, cols) > tb.tol * (1.0 + m))
            status = LP_INFEASIBLE;
        /* Drive the artificials left in the basis (at level 0) out where a real column can
         * replace them; a row where none can is redundant and stays as it is. */
        for (int r = 0; status == LP_OPTIMAL && r < m; r++) {
            if (tb.basis[r] < art_start) continue;
            for (int j = 0; j < art_start; j++)
                if (fabs(*cell(&tb, r, j)) > tb.tol) {
                    pivot(&tb, r, j);
                    break;
                }
        }
    }
    /* Phase 2: the real costs, expressed in the current basis. */
    if (status == LP_OPTIMAL) {
        double *cost = cell(&tb, m, 0);
        for (int j = 0; j < tb.width; j++) cost[j] = 0.0;
        for (int j = 0; j < n; j++) {
            cost[column[j]] = p->c[j];
            if (negative[j] >= 0) cost[negative[j]] = -p->c[j];
        }
        for (int r = 0; r < m; r++) {
            double cb = tb.basis[r] < structural ? cost[tb.basis[r]] : 0.0;
            if (cb == 0.0) continue;
            for (int j = 0; j < tb.width; j++) cost[j] -= cb * *cell(&tb, r, j);
        }
        status = simplex(&tb, art_start);
    }
    if (status == LP_OPTIMAL) {
        double *value = calloc((size_t)structural, sizeof *value);
        if (!value) {
            status = LP_ERROR;
        } else {
            for (int r = 0; r < m; r++)
                if (tb.basis[r] < structural) value[tb.basis[r]] = *cell(&tb, r, cols);
            double z = 0.0;
            for (int j = 0; j < n; j++) {
                x[j] = value[column[j]] - (negative[j] >= 0 ? value[negative[j]] : 0.0);
                z += p->c[j] * x[j];
            }
            *objective = z;
            free(value);
        }
    }
    free(tb.t), free(tb.basis), free(column), free(negative), free(flip), free(kind);
    return status;
}
