/* portfolio.c — packages of measures: costs, paired effects, budgets, frontier, interactions,
 * the search beyond the exhaustive limit and cost shares (pure functions; portfolio.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "portfolio.h"

const char *const portfolio_rule_names[PORTFOLIO_RULES] = {"equal", "gdp", "population", "benefit"};

int portfolio_rule_parse(const char *name) {
    for (int r = 0; r < PORTFOLIO_RULES; r++)
        if (strcmp(name, portfolio_rule_names[r]) == 0) return r;
    return -1;
}

long portfolio_package_masks(int n, uint64_t *masks) {
    if (n < 1 || n > PORTFOLIO_MAX_MEASURES) return -1;
    if (n <= PORTFOLIO_MAX_EXHAUSTIVE) {
        long count = 1L << n;
        if (masks)
            for (long i = 0; i < count; i++) masks[i] = (uint64_t)i;
        return count;
    }
    long count = 0;
    if (masks) masks[count] = 0;
    count++;
    for (int i = 0; i < n; i++) {
        if (masks) masks[count] = 1ull << i;
        count++;
    }
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            if (masks) masks[count] = 1ull << i | 1ull << j;
            count++;
        }
    return count;
}

double portfolio_cost(const double *costs, int n, uint64_t mask) {
    double total = 0;
    for (int m = 0; m < n; m++)
        if (mask >> m & 1) total += costs[m];
    return total;
}

int portfolio_size(uint64_t mask) {
    int size = 0;
    for (; mask; mask &= mask - 1) size++;
    return size;
}

int portfolio_find(const uint64_t *masks, int count, uint64_t mask) {
    if (mask < (uint64_t)count && masks[mask] == mask) return (int)mask; /* exhaustive order */
    for (int i = 0; i < count; i++)
        if (masks[i] == mask) return i;
    return -1;
}

static void difference_nan(struct stats_difference *d, size_t count) {
    d->count = count;
    d->mean = d->sd = d->ci_low = d->ci_high = d->unpaired_low = d->unpaired_high = NAN;
}

int portfolio_evaluate(const uint64_t *masks, int count, const double *costs, int n_measures,
                       const double *harm, int replicates, struct portfolio_package *out) {
    if (count < 1 || masks[0] != 0) return -1;
    size_t R = (size_t)replicates;
    double *sample = malloc((R ? R : 1) * sizeof *sample);
    double *zeros = calloc(R ? R : 1, sizeof *zeros);
    int *single = malloc((size_t)(n_measures > 0 ? n_measures : 1) * sizeof *single);
    if (!sample || !zeros || !single) {
        free(sample), free(zeros), free(single);
        return -1;
    }
    for (int m = 0; m < n_measures; m++) single[m] = portfolio_find(masks, count, 1ull << m);
    const double *base = harm;
    for (int i = 0; i < count; i++) {
        struct portfolio_package *p = &out[i];
        p->mask = masks[i];
        p->size = portfolio_size(masks[i]);
        p->cost = portfolio_cost(costs, n_measures, masks[i]);
        p->on_frontier = 0;
        const double *own = harm + (size_t)i * R;
        stats_paired_difference(base, own, 1, R, &p->averted);
        int known = p->size >= 2;
        for (int m = 0; known && m < n_measures; m++)
            if (masks[i] >> m & 1 && single[m] < 0) known = 0;
        if (!known) {
            difference_nan(&p->interaction, R);
            continue;
        }
        /* per replicate: (base - package) - sum over its measures of (base - measure alone) */
        for (size_t r = 0; r < R; r++) {
            double value = base[r] - own[r], scale = fabs(value);
            for (int m = 0; m < n_measures; m++)
                if (masks[i] >> m & 1) {
                    double alone = base[r] - harm[(size_t)single[m] * R + r];
                    value -= alone;
                    scale += fabs(alone);
                }
            /* what is left of exactly additive effects is the rounding of the sums: zero */
            sample[r] = fabs(value) <= 1e-12 * scale ? 0.0 : value;
        }
        stats_paired_difference(sample, zeros, 1, R, &p->interaction);
    }
    free(sample), free(zeros), free(single);
    return 0;
}

/* a better than b under a budget: more averted, then cheaper, then earlier */
static int better(const struct portfolio_package *packages, int a, int b) {
    if (b < 0) return 1;
    double ma = packages[a].averted.mean, mb = packages[b].averted.mean;
    if (ma != mb) return ma > mb;
    if (packages[a].cost != packages[b].cost) return packages[a].cost < packages[b].cost;
    return a < b;
}

int portfolio_best(const struct portfolio_package *packages, int count, double budget,
                   int *runner_up) {
    int best = -1, second = -1;
    for (int i = 0; i < count; i++) {
        if (!(packages[i].cost <= budget) || isnan(packages[i].averted.mean)) continue;
        if (better(packages, i, best)) {
            second = best;
            best = i;
        } else if (better(packages, i, second)) {
            second = i;
        }
    }
    if (runner_up) *runner_up = second;
    return best;
}

void portfolio_compare(const double *harm, int replicates, int a, int b,
                       struct stats_difference *difference) {
    size_t R = (size_t)replicates;
    stats_paired_difference(harm + (size_t)b * R, harm + (size_t)a * R, 1, R, difference);
}

int portfolio_pareto(struct portfolio_package *packages, int count, int *frontier) {
    int n = 0;
    for (int i = 0; i < count; i++) {
        packages[i].on_frontier = 0;
        double ci = packages[i].cost, mi = packages[i].averted.mean;
        if (isnan(mi)) continue;
        int dominated = 0;
        for (int j = 0; j < count && !dominated; j++) {
            if (j == i || isnan(packages[j].averted.mean)) continue;
            double cj = packages[j].cost, mj = packages[j].averted.mean;
            if (cj <= ci && mj >= mi && (cj < ci || mj > mi)) dominated = 1;
            if (cj == ci && mj == mi && j < i) dominated = 1; /* exact tie: the first stays */
        }
        if (!dominated) {
            packages[i].on_frontier = 1;
            frontier[n++] = i;
        }
    }
    /* by increasing cost (ties: plan order); insertion sort keeps it free of globals */
    for (int i = 1; i < n; i++) {
        int index = frontier[i], j = i;
        for (; j > 0 && packages[frontier[j - 1]].cost > packages[index].cost; j--)
            frontier[j] = frontier[j - 1];
        frontier[j] = index;
    }
    return n;
}

/* ---- search --------------------------------------------------------------------------------- */

uint64_t portfolio_search_exhaustive(int n, const double *costs, double budget,
                                     portfolio_value_fn value, void *context) {
    uint64_t best = 0;
    double best_value = value(context, 0), best_cost = 0;
    for (uint64_t mask = 1; mask < 1ull << n; mask++) {
        double cost = portfolio_cost(costs, n, mask);
        if (!(cost <= budget)) continue;
        double v = value(context, mask);
        if (v > best_value || (v == best_value && cost < best_cost)) {
            best = mask;
            best_value = v;
            best_cost = cost;
        }
    }
    return best;
}

/* Gain per unit cost, a free measure with a gain ranking above every paid one. */
static double ratio(double gain, double cost) {
    return cost > 0 ? gain / cost : gain > 0 ? INFINITY : 0;
}

/* Greedy completion of `chosen`: the measure of the best marginal gain per unit cost, its gain
 * re-evaluated against the current package after every addition, while one that fits gains. */
static uint64_t greedy(int n, const double *costs, double budget, portfolio_value_fn value,
                       void *context, uint64_t chosen, double *current) {
    double spent = portfolio_cost(costs, n, chosen);
    for (;;) {
        int pick = -1;
        double pick_ratio = 0, pick_value = *current;
        for (int m = 0; m < n; m++) {
            if (chosen >> m & 1 || !(spent + costs[m] <= budget)) continue;
            double v = value(context, chosen | 1ull << m);
            double r = ratio(v - *current, costs[m]);
            if (v > *current && (pick < 0 || r > pick_ratio)) {
                pick = m;
                pick_ratio = r;
                pick_value = v;
            }
        }
        if (pick < 0) return chosen;
        chosen |= 1ull << pick;
        *current = pick_value;
        spent += costs[pick];
    }
}

/* Local search: add one, drop one, or swap one in for one out, while the value rises. */
static uint64_t improve(int n, const double *costs, double budget, portfolio_value_fn value,
                        void *context, uint64_t chosen, double *current) {
    for (int round = 0; round < 64 * n; round++) {
        uint64_t next = chosen;
        double next_value = *current;
        for (int out = -1; out < n; out++) {
            if (out >= 0 && !(chosen >> out & 1)) continue;
            for (int in = -1; in < n; in++) {
                if (in == out || (in >= 0 && chosen >> in & 1) || (in < 0 && out < 0)) continue;
                uint64_t mask = chosen;
                if (out >= 0) mask &= ~(1ull << out);
                if (in >= 0) mask |= 1ull << in;
                if (!(portfolio_cost(costs, n, mask) <= budget)) continue;
                double v = value(context, mask);
                if (v > next_value + 1e-12 * fabs(next_value)) {
                    next = mask;
                    next_value = v;
                }
            }
        }
        if (next == chosen) break;
        chosen = next;
        *current = next_value;
    }
    return chosen;
}

uint64_t portfolio_search_heuristic(int n, const double *costs, double budget,
                                    portfolio_value_fn value, void *context) {
    /* Start from nothing and from each measure that fits alone (greedy by ratio alone can miss a
     * large item or be led astray by an interaction); complete each greedily, improve it by local
     * search, keep the best (ties: the cheaper). */
    uint64_t best = 0;
    double best_value = value(context, 0), best_cost = 0;
    for (int start = -1; start < n; start++) {
        if (start >= 0 && !(costs[start] <= budget)) continue;
        uint64_t chosen = start < 0 ? 0 : 1ull << start;
        double current = value(context, chosen);
        chosen = greedy(n, costs, budget, value, context, chosen, &current);
        chosen = improve(n, costs, budget, value, context, chosen, &current);
        double cost = portfolio_cost(costs, n, chosen);
        if (current > best_value || (current == best_value && cost < best_cost)) {
            best = chosen;
            best_value = current;
            best_cost = cost;
        }
    }
    return best;
}

int portfolio_surrogate_alloc(struct portfolio_surrogate *surrogate, int n,
                              const struct portfolio_package *packages, int count) {
    surrogate->n = n;
    surrogate->single = calloc((size_t)n, sizeof *surrogate->single);
    surrogate->pair = calloc((size_t)n * (size_t)n, sizeof *surrogate->pair);
    if (!surrogate->single || !surrogate->pair) {
        portfolio_surrogate_free(surrogate);
        return -1;
    }
    int found = 0;
    for (int i = 0; i < count; i++) {
        uint64_t mask = packages[i].mask;
        if (packages[i].size == 1) {
            for (int m = 0; m < n; m++)
                if (mask >> m & 1) surrogate->single[m] = packages[i].averted.mean;
            found++;
        }
    }
    for (int i = 0; i < count; i++) {
        if (packages[i].size != 2) continue;
        int a = -1, b = -1;
        for (int m = 0; m < n; m++)
            if (packages[i].mask >> m & 1) {
                if (a < 0)
                    a = m;
                else
                    b = m;
            }
        surrogate->pair[a * n + b] =
            packages[i].averted.mean - surrogate->single[a] - surrogate->single[b];
        found++;
    }
    if (found != n + n * (n - 1) / 2) {
        portfolio_surrogate_free(surrogate);
        return -1;
    }
    return 0;
}

void portfolio_surrogate_free(struct portfolio_surrogate *surrogate) {
    free(surrogate->single);
    free(surrogate->pair);
    surrogate->single = surrogate->pair = NULL;
}

double portfolio_surrogate_value(void *context, uint64_t mask) {
    const struct portfolio_surrogate *s = context;
    double total = 0;
    for (int i = 0; i < s->n; i++) {
        if (!(mask >> i & 1)) continue;
        total += s->single[i];
        for (int j = i + 1; j < s->n; j++)
            if (mask >> j & 1) total += s->pair[i * s->n + j];
    }
    return total;
}

/* ---- cost sharing --------------------------------------------------------------------------- */

int portfolio_shares(int rule, int n_states, const double *gdp, const double *population,
                     const double *benefit, double *weights) {
    if (n_states < 1 || rule < 0 || rule >= PORTFOLIO_RULES) return -1;
    double total = 0;
    for (int s = 0; s < n_states; s++) {
        double w = 1.0;
        if (rule == PORTFOLIO_GDP || rule == PORTFOLIO_POPULATION) {
            w = rule == PORTFOLIO_GDP ? gdp[s] : population[s];
            if (!(w > 0) || !isfinite(w)) return -1;
        } else if (rule == PORTFOLIO_BENEFIT) {
            w = benefit[s] > 0 ? benefit[s] : 0; /* a state the package harms pays nothing */
        }
        weights[s] = w;
        total += w;
    }
    if (rule == PORTFOLIO_BENEFIT && !(total > 0)) { /* nobody benefits: split equally */
        for (int s = 0; s < n_states; s++) weights[s] = 1.0;
        total = n_states;
    }
    for (int s = 0; s < n_states; s++) weights[s] /= total;
    return 0;
}
