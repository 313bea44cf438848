/* coalition_core.c — least core, nucleolus, superadditivity and coalition structures
 * (coalition_core.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/lp.h"
#include "coalition_core.h"

static double value_scale(const double *value, int n) {
    double scale = 1.0;
    for (unsigned mask = 0; mask < (1u << n); mask++)
        if (fabs(value[mask]) > scale) scale = fabs(value[mask]);
    return scale;
}

int coalition_least_core(const double *value, int n, double *epsilon, double *x) {
    if (n < 2 || n > COALITION_MAX_STATES) return -1;
    unsigned grand = (1u << n) - 1u;
    int vars = n + 1, rows = (int)grand; /* x(N) = v(N), then the 2^n - 2 proper coalitions */
    double *a = calloc((size_t)rows * (size_t)vars, sizeof *a);
    double *b = malloc((size_t)rows * sizeof *b), *c = calloc((size_t)vars, sizeof *c);
    double *solution = malloc((size_t)vars * sizeof *solution);
    int *sense = malloc((size_t)rows * sizeof *sense),
        *is_free = malloc((size_t)vars * sizeof(int));
    int status = -1;
    if (a && b && c && solution && sense && is_free) {
        for (int j = 0; j < vars; j++) is_free[j] = 1;
        c[n] = 1.0; /* minimise epsilon */
        for (int r = 0; r < rows; r++) {
            unsigned mask = r == 0 ? grand : (unsigned)r; /* rows 1 .. 2^n - 2: S = r */
            for (int i = 0; i < n; i++) a[(size_t)r * (size_t)vars + (size_t)i] = mask >> i & 1u;
            a[(size_t)r * (size_t)vars + (size_t)n] = r == 0 ? 0.0 : 1.0;
            b[r] = value[mask];
            sense[r] = r == 0 ? LP_EQ : LP_GE;
        }
        struct lp_problem p = {.n_vars = vars,
                               .n_rows = rows,
                               .c = c,
                               .a = a,
                               .b = b,
                               .sense = sense,
                               .is_free = is_free};
        double z;
        if (lp_solve(&p, solution, &z) == LP_OPTIMAL) {
            *epsilon = solution[n];
            memcpy(x, solution, (size_t)n * sizeof *x);
            status = 0;
        }
    }
    free(a), free(b), free(c), free(solution), free(sense), free(is_free);
    return status;
}

/* Rank of the 0/1 incidence vectors of `masks` (Gaussian elimination; exact enough for 0/1
 * rows of at most 10 columns). count <= COALITION_MAX_STATES + 1. */
static int incidence_rank(const unsigned *masks, int count, int n) {
    double m[COALITION_MAX_STATES + 1][COALITION_MAX_STATES];
    if (count > COALITION_MAX_STATES + 1) count = COALITION_MAX_STATES + 1;
    for (int r = 0; r < count; r++)
        for (int i = 0; i < n; i++) m[r][i] = masks[r] >> i & 1u;
    int rank = 0;
    for (int col = 0; col < n && rank < count; col++) {
        int pivot = -1;
        for (int r = rank; r < count; r++)
            if (fabs(m[r][col]) > 1e-9 && (pivot < 0 || fabs(m[r][col]) > fabs(m[pivot][col])))
                pivot = r;
        if (pivot < 0) continue;
        for (int i = 0; i < n; i++) {
            double t = m[rank][i];
            m[rank][i] = m[pivot][i];
            m[pivot][i] = t;
        }
        for (int r = rank + 1; r < count; r++) {
            double f = m[r][col] / m[rank][col];
            for (int i = 0; i < n; i++) m[r][i] -= f * m[rank][i];
        }
        rank++;
    }
    return rank;
}

/* One LP of the nucleolus rounds. With t_fixed NaN: variables x and t, minimise t subject to
 * the free coalitions' excess <= t. Otherwise: variables x, t = t_fixed, maximise x(target).
 * Fixed coalitions: x(S) = v(S) - excess_S; x(N) = v(N); x_i >= 0 when `imputations`. */
static int nucleolus_lp(const double *value, int n, const int *fixed, const double *excess,
                        int imputations, double t_fixed, unsigned target, double *solution,
                        double *buffer_a, double *buffer_b, int *buffer_sense) {
    unsigned grand = (1u << n) - 1u;
    int with_t = isnan(t_fixed), vars = n + with_t, rows = 0;
    int is_free[COALITION_MAX_STATES + 1];
    double c[COALITION_MAX_STATES + 1] = {0};
    for (int j = 0; j < vars; j++) is_free[j] = !imputations || j == n;
    if (with_t)
        c[n] = 1.0;
    else
        for (int i = 0; i < n; i++) c[i] = -(double)(target >> i & 1u);
    for (unsigned mask = 1; mask <= grand; mask++) {
        double *row = buffer_a + (size_t)rows * (size_t)vars;
        for (int i = 0; i < n; i++) row[i] = mask >> i & 1u;
        if (mask == grand) {
            buffer_b[rows] = value[mask];
            buffer_sense[rows] = LP_EQ;
            if (with_t) row[n] = 0.0;
        } else if (fixed[mask]) {
            buffer_b[rows] = value[mask] - excess[mask];
            buffer_sense[rows] = LP_EQ;
            if (with_t) row[n] = 0.0;
        } else {
            /* excess <= t: x(S) + t >= v(S) */
            buffer_sense[rows] = LP_GE;
            if (with_t) {
                row[n] = 1.0;
                buffer_b[rows] = value[mask];
            } else {
                buffer_b[rows] = value[mask] - t_fixed;
            }
        }
        rows++;
    }
    struct lp_problem p = {.n_vars = vars,
                           .n_rows = rows,
                           .c = c,
                           .a = buffer_a,
                           .b = buffer_b,
                           .sense = buffer_sense,
                           .is_free = is_free};
    double z;
    return lp_solve(&p, solution, &z);
}

int coalition_nucleolus(const double *value, int n, double *x) {
    if (n < 1 || n > COALITION_MAX_STATES) return -1;
    unsigned grand = (1u << n) - 1u;
    if (n == 1) {
        x[0] = value[1];
        return 0;
    }
    double scale = value_scale(value, n), tol = 1e-7 * scale;
    int imputations = value[grand] >= -tol;
    int *fixed = calloc((size_t)grand + 1, sizeof *fixed);
    double *excess = calloc((size_t)grand + 1, sizeof *excess);
    unsigned *span = malloc(((size_t)grand + 1) * sizeof *span);
    double *a = malloc((size_t)grand * (size_t)(n + 1) * sizeof *a);
    double *b = malloc((size_t)grand * sizeof *b);
    int *sense = malloc((size_t)grand * sizeof *sense);
    int status = fixed && excess && span && a && b && sense ? 0 : -1;
    double solution[COALITION_MAX_STATES + 1], test[COALITION_MAX_STATES + 1];
    /* span: a basis of the fixed coalitions' incidence vectors (N first); once it has n
     * vectors, x is determined and the rounds stop */
    int n_span = 0, free_left = (int)grand - 1, done = 0;
    if (status == 0) span[n_span++] = grand;
    for (int round = 0; status == 0 && !done; round++) {
        if (round > (int)grand || nucleolus_lp(value, n, fixed, excess, imputations, NAN, 0,
                                               solution, a, b, sense) != LP_OPTIMAL) {
            status = -1;
            break;
        }
        double t = solution[n];
        int newly = 0;
        memcpy(x, solution, (size_t)n * sizeof *x);
        for (unsigned mask = 1; mask < grand && !done; mask++) {
            if (fixed[mask]) continue;
            double xs = 0.0;
            for (int i = 0; i < n; i++) xs += (mask >> i & 1u) ? solution[i] : 0.0;
            if (value[mask] - xs < t - tol) continue; /* slack here: not tight at every optimum */
            /* Tight here. In the span of the fixed ones, x(S) is the same at every optimum, so
             * it is tight at every one; else maximise x(S) at excess bound t to find out. */
            span[n_span] = mask;
            int independent = incidence_rank(span, n_span + 1, n) > n_span;
            if (independent) {
                int lp =
                    nucleolus_lp(value, n, fixed, excess, imputations, t, mask, test, a, b, sense);
                double best = 0.0;
                for (int i = 0; i < n; i++) best += (mask >> i & 1u) ? test[i] : 0.0;
                if (lp == LP_OPTIMAL && best > value[mask] - t + tol) continue;
                n_span++;
            }
            fixed[mask] = 1, excess[mask] = t, newly++, free_left--;
            done = n_span == n || free_left <= 0;
        }
        if (newly == 0) { /* numerically impossible in theory; fix the tightest to progress */
            unsigned tightest = 0;
            double most = -INFINITY;
            for (unsigned mask = 1; mask < grand; mask++) {
                if (fixed[mask]) continue;
                double xs = 0.0;
                for (int i = 0; i < n; i++) xs += (mask >> i & 1u) ? solution[i] : 0.0;
                if (value[mask] - xs > most) most = value[mask] - xs, tightest = mask;
            }
            if (!tightest) break;
            fixed[tightest] = 1, excess[tightest] = t, free_left--;
            span[n_span] = tightest;
            if (incidence_rank(span, n_span + 1, n) > n_span) n_span++;
        }
        done = done || n_span == n || free_left <= 0;
    }
    /* round-off of the pivots (1e-15 of the scale) printed as -7e-15 reads as a finding */
    for (int i = 0; status == 0 && i < n; i++)
        if (fabs(x[i]) < 1e-12 * scale) x[i] = 0.0;
    free(fixed), free(excess), free(span), free(a), free(b), free(sense);
    return status < 0 ? -1 : imputations ? 0 : 1;
}

int coalition_superadditivity(const double *value, int n, double *worst) {
    unsigned grand = (1u << n) - 1u;
    double tol = 1e-9 * value_scale(value, n), most = 0.0;
    int count = 0;
    for (unsigned s = 1; s < grand; s++) {
        unsigned rest = grand & ~s;
        /* every nonempty T inside the complement with T > S, so each pair is counted once */
        for (unsigned t = rest; t; t = (t - 1) & rest) {
            if (t < s) continue;
            double shortfall = value[s] + value[t] - value[s | t];
            if (shortfall > tol) {
                count++;
                if (shortfall > most) most = shortfall;
            }
        }
    }
    *worst = most;
    return count;
}

/* ---- coalition structures ---- */

static int bell(int n) {
    /* Bell triangle */
    int row[COALITION_MAX_PARTITION_STATES + 1] = {1}, next[COALITION_MAX_PARTITION_STATES + 1];
    for (int k = 1; k <= n; k++) {
        next[0] = row[k - 1];
        for (int j = 1; j <= k; j++) next[j] = next[j - 1] + row[j - 1];
        memcpy(row, next, sizeof row);
    }
    return row[0];
}

/* Canonical restricted growth string of an assignment of blocks (ids renumbered in order of
 * first appearance), as a base-n code for lookups. */
static long canonical_code(const unsigned char *assign, int n) {
    int map[COALITION_MAX_PARTITION_STATES * 2 + 2];
    for (int k = 0; k < n * 2 + 2; k++) map[k] = -1;
    int next = 0;
    long code = 0, weight = 1;
    for (int i = 0; i < n; i++) {
        if (map[assign[i]] < 0) map[assign[i]] = next++;
        code += map[assign[i]] * weight;
        weight *= n;
    }
    return code;
}

static int find_code(const long *codes, int count, long code) {
    for (int p = 0; p < count; p++)
        if (codes[p] == code) return p;
    return -1;
}

void coalition_structures_free(struct coalition_structures *cs) {
    if (!cs) return;
    free(cs->block), free(cs->n_blocks), free(cs->block_mask), free(cs->row), free(cs->alone);
    free(cs->joined);
    free(cs);
}

struct coalition_structures *coalition_structures_alloc(int n) {
    if (n < 1 || n > COALITION_MAX_PARTITION_STATES) return NULL;
    struct coalition_structures *cs = calloc(1, sizeof *cs);
    if (!cs) return NULL;
    cs->n = n;
    cs->count = bell(n);
    size_t pn = (size_t)cs->count * (size_t)n;
    cs->block = malloc(pn);
    cs->n_blocks = malloc((size_t)cs->count * sizeof *cs->n_blocks);
    cs->block_mask = calloc(pn, sizeof *cs->block_mask);
    cs->row = malloc((size_t)cs->count * sizeof *cs->row);
    cs->alone = malloc(pn * sizeof *cs->alone);
    cs->joined = malloc(pn * (size_t)n * sizeof *cs->joined);
    long *codes = malloc((size_t)cs->count * sizeof *codes);
    if (!cs->block || !cs->n_blocks || !cs->block_mask || !cs->row || !cs->alone || !cs->joined ||
        !codes) {
        free(codes);
        coalition_structures_free(cs);
        return NULL;
    }
    /* Enumerate restricted growth strings in lexicographic order. */
    unsigned char rgs[COALITION_MAX_PARTITION_STATES] = {0};
    for (int p = 0; p < cs->count; p++) {
        memcpy(cs->block + (size_t)p * (size_t)n, rgs, (size_t)n);
        codes[p] = canonical_code(rgs, n);
        int blocks = 0;
        for (int i = 0; i < n; i++) {
            if (rgs[i] + 1 > blocks) blocks = rgs[i] + 1;
            cs->block_mask[(size_t)p * (size_t)n + rgs[i]] |= 1u << i;
        }
        cs->n_blocks[p] = blocks;
        /* next string: the rightmost position that can grow grows, the later ones reset */
        for (int i = n - 1; i > 0; i--) {
            int most = 0;
            for (int k = 0; k < i; k++)
                if (rgs[k] > most) most = rgs[k];
            if (rgs[i] <= most) {
                rgs[i]++;
                for (int k = i + 1; k < n; k++) rgs[k] = 0;
                break;
            }
        }
    }
    int multi = 0;
    for (int p = 0; p < cs->count; p++) {
        int big = 0;
        unsigned only = 0;
        for (int b = 0; b < cs->n_blocks[p]; b++) {
            unsigned m = cs->block_mask[(size_t)p * (size_t)n + (size_t)b];
            if (__builtin_popcount(m) >= 2) big++, only = m;
        }
        cs->row[p] = big >= 2 ? (1 << n) + n + multi++ : (int)only;
    }
    cs->n_multi = multi;
    for (int p = 0; p < cs->count; p++) {
        const unsigned char *own = cs->block + (size_t)p * (size_t)n;
        for (int i = 0; i < n; i++) {
            unsigned char moved[COALITION_MAX_PARTITION_STATES];
            memcpy(moved, own, (size_t)n);
            int size = __builtin_popcount(cs->block_mask[(size_t)p * (size_t)n + own[i]]);
            moved[i] = (unsigned char)cs->n_blocks[p]; /* a new block of its own */
            cs->alone[(size_t)p * (size_t)n + (size_t)i] =
                size == 1 ? p : find_code(codes, cs->count, canonical_code(moved, n));
            for (int b = 0; b < n; b++) {
                int *slot =
                    &cs->joined[((size_t)p * (size_t)n + (size_t)i) * (size_t)n + (size_t)b];
                if (b >= cs->n_blocks[p] || b == own[i]) {
                    *slot = -1;
                    continue;
                }
                moved[i] = (unsigned char)b;
                *slot = find_code(codes, cs->count, canonical_code(moved, n));
            }
        }
    }
    free(codes);
    return cs;
}

void coalition_structure_label(const struct coalition_structures *cs, int p,
                               const char *const *codes, char *text, size_t size) {
    size_t used = 0;
    text[0] = '\0';
    for (int b = 0; b < cs->n_blocks[p]; b++) {
        unsigned m = cs->block_mask[(size_t)p * (size_t)cs->n + (size_t)b];
        int first = 1;
        used += (size_t)snprintf(text + used, used < size ? size - used : 0, "{");
        for (int i = 0; i < cs->n; i++)
            if (m >> i & 1u) {
                used += (size_t)snprintf(text + used, used < size ? size - used : 0, "%s%s",
                                         first ? "" : ",", codes[i]);
                first = 0;
            }
        used += (size_t)snprintf(text + used, used < size ? size - used : 0, "}");
    }
}

double coalition_structure_value(const struct coalition_structures *cs, int p, const double *loss) {
    size_t n = (size_t)cs->n, row = (size_t)cs->row[p];
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) sum += loss[i] - loss[row * n + i];
    return sum;
}

void coalition_structure_stability(const struct coalition_structures *cs, int p, int b,
                                   const double *loss, double *internal, double *external) {
    size_t n = (size_t)cs->n, row = (size_t)cs->row[p];
    unsigned members = cs->block_mask[(size_t)p * n + (size_t)b];
    double in = -INFINITY, out = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double own = loss[row * n + i];
        if (members >> i & 1u) {
            if (__builtin_popcount(members) < 2) continue;
            size_t q = (size_t)cs->row[cs->alone[(size_t)p * n + i]];
            double gain = own - loss[q * n + i];
            if (gain > in) in = gain;
        } else {
            size_t q = (size_t)cs->row[cs->joined[((size_t)p * n + i) * n + (size_t)b]];
            double gain = own - loss[q * n + i];
            if (gain > out) out = gain;
        }
    }
    *internal = in;
    *external = out;
}
