/* ensemble_coalitions.c — v(S), Shapley values and gains from leaving, with paired intervals:
 * each figure is computed per replicate (all coalitions share the replicate's random numbers),
 * then summarised over replicates; then the bootstrap of every figure (coalition_bootstrap.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "coalition.h"
#include "coalition_bootstrap.h"
#include "ensemble.h"

void ensemble_coalitions_free(struct ensemble_coalitions *coalitions) {
    if (!coalitions) return;
    free(coalitions->value);
    free(coalitions->shapley);
    free(coalitions->leave_gain);
    free(coalitions->free_ride_gain);
    free(coalitions->exclusion_cost);
    free(coalitions->side_payment);
    coalition_bootstrap_free(coalitions->bootstrap);
    free(coalitions->bootstrap);
    memset(coalitions, 0, sizeof *coalitions);
}

int ensemble_coalitions_compute(const struct runner_results *results, const struct world *world,
                                struct ensemble_coalitions *coalitions) {
    memset(coalitions, 0, sizeof *coalitions);
    int n = results->n_states, masks = 1 << n;
    size_t replicates = (size_t)results->replicates;
    if (n > COALITION_MAX_STATES) return -1;
    int multi = 0;
    if (n <= COALITION_MAX_PARTITION_STATES) {
        struct coalition_structures *structures = coalition_structures_alloc(n);
        if (!structures) return -1;
        multi = structures->n_multi;
        coalition_structures_free(structures);
    }
    if (results->n_variants != masks + n + multi) return -1;
    coalitions->n_states = n;
    coalitions->n_masks = masks;
    size_t rows = (size_t)masks + (size_t)n; /* the coalitions, then the free-riders */
    double *loss = malloc(rows * (size_t)n * sizeof *loss);
    double *value = malloc((size_t)masks * sizeof *value);
    double *phi = malloc((size_t)n * sizeof *phi);
    double *gain = malloc((size_t)n * sizeof *gain);
    /* Per-replicate figures, laid out [figure][replicate] for the summaries. */
    double *value_r = malloc((size_t)masks * replicates * sizeof *value_r);
    double *phi_r = malloc((size_t)n * replicates * sizeof *phi_r);
    double *gain_r = malloc((size_t)n * replicates * sizeof *gain_r);
    double *ride_r = malloc((size_t)n * replicates * sizeof *ride_r);
    double *cost_r = malloc((size_t)n * replicates * sizeof *cost_r);
    double *pay_r = malloc((size_t)n * replicates * sizeof *pay_r);
    double *extra = malloc(3 * (size_t)n * sizeof *extra);
    coalitions->free_ride_gain = calloc((size_t)n, sizeof *coalitions->free_ride_gain);
    coalitions->exclusion_cost = calloc((size_t)n, sizeof *coalitions->exclusion_cost);
    coalitions->side_payment = calloc((size_t)n, sizeof *coalitions->side_payment);
    coalitions->value = calloc((size_t)masks, sizeof *coalitions->value);
    coalitions->shapley = calloc((size_t)n, sizeof *coalitions->shapley);
    coalitions->leave_gain = calloc((size_t)n, sizeof *coalitions->leave_gain);
    int status = loss && value && phi && gain && value_r && phi_r && gain_r && ride_r && cost_r &&
                         pay_r && extra && coalitions->value && coalitions->shapley &&
                         coalitions->leave_gain && coalitions->free_ride_gain &&
                         coalitions->exclusion_cost && coalitions->side_payment
                     ? 0
                     : -1;
    for (size_t r = 0; status == 0 && r < replicates; r++) {
        for (size_t row = 0; row < rows; row++) {
            const double *item =
                runner_results_item(results, (int)row, (int)r) + (size_t)METRIC_LOSS * (size_t)n;
            memcpy(loss + row * (size_t)n, item, (size_t)n * sizeof *loss);
        }
        coalition_values(loss, n, value);
        coalition_shapley(value, n, phi);
        coalition_leave_gain(loss, n, gain);
        coalition_free_ride_gain(loss, n, extra);
        coalition_exclusion_cost(loss, n, extra + n);
        coalition_side_payments(loss, phi, n, extra + 2 * n);
        for (int i = 0; i < n; i++) {
            ride_r[(size_t)i * replicates + r] = extra[i];
            cost_r[(size_t)i * replicates + r] = extra[n + i];
            pay_r[(size_t)i * replicates + r] = extra[2 * n + i];
        }
        for (int mask = 0; mask < masks; mask++)
            value_r[(size_t)mask * replicates + r] = value[mask];
        for (int i = 0; i < n; i++) {
            phi_r[(size_t)i * replicates + r] = phi[i];
            gain_r[(size_t)i * replicates + r] = gain[i];
        }
    }
    for (int mask = 0; status == 0 && mask < masks; mask++)
        status = stats_summarise(value_r + (size_t)mask * replicates, 1, replicates,
                                 &coalitions->value[mask]);
    double sum = 0.0;
    for (int i = 0; status == 0 && i < n; i++) {
        status =
            stats_summarise(phi_r + (size_t)i * replicates, 1, replicates, &coalitions->shapley[i]);
        if (status == 0)
            status = stats_summarise(gain_r + (size_t)i * replicates, 1, replicates,
                                     &coalitions->leave_gain[i]);
        if (status == 0)
            status = stats_summarise(ride_r + (size_t)i * replicates, 1, replicates,
                                     &coalitions->free_ride_gain[i]);
        if (status == 0)
            status = stats_summarise(cost_r + (size_t)i * replicates, 1, replicates,
                                     &coalitions->exclusion_cost[i]);
        if (status == 0)
            status = stats_summarise(pay_r + (size_t)i * replicates, 1, replicates,
                                     &coalitions->side_payment[i]);
        sum += coalitions->shapley[i].value[STATS_MEAN];
    }
    if (status == 0)
        coalitions->shapley_sum_error = fabs(sum - coalitions->value[masks - 1].value[STATS_MEAN]);
    /* The bootstrap over replicates needs every variant's losses, replicate-major. */
    size_t all_rows = rows + (size_t)multi;
    double *table = status == 0 ? malloc(replicates * all_rows * (size_t)n * sizeof *table) : NULL;
    coalitions->bootstrap = status == 0 ? calloc(1, sizeof *coalitions->bootstrap) : NULL;
    if (!table || !coalitions->bootstrap) status = -1;
    for (size_t r = 0; status == 0 && r < replicates; r++)
        for (size_t row = 0; row < all_rows; row++)
            memcpy(table + (r * all_rows + row) * (size_t)n,
                   runner_results_item(results, (int)row, (int)r) + (size_t)METRIC_LOSS * (size_t)n,
                   (size_t)n * sizeof *table);
    if (status == 0) {
        const char *codes[COALITION_MAX_STATES];
        for (int i = 0; i < n; i++) codes[i] = world->states[i].code;
        status = coalition_bootstrap_compute(table, (int)replicates, (int)all_rows, n, codes,
                                             COALITION_BOOTSTRAP_DRAWS, coalitions->bootstrap);
    }
    free(table);
    free(loss), free(value), free(phi), free(gain), free(value_r), free(phi_r), free(gain_r);
    free(ride_r), free(cost_r), free(pay_r), free(extra);
    if (status != 0) ensemble_coalitions_free(coalitions);
    return status;
}

static void fill_table(const struct stats_summary *rows, int count, double *table) {
    for (int i = 0; i < count; i++)
        for (int f = 0; f < STATS_FIELD_COUNT; f++)
            table[(size_t)i * STATS_FIELD_COUNT + (size_t)f] = rows[i].value[f];
}

int ensemble_write_coalitions(struct h5out *out, const struct ensemble_coalitions *coalitions,
                              const struct world *world, char *err, size_t errlen) {
    int n = coalitions->n_states, masks = coalitions->n_masks;
    double *table = malloc((size_t)masks * STATS_FIELD_COUNT * sizeof *table);
    double *members = malloc((size_t)masks * sizeof *members);
    const char **codes = malloc((size_t)n * sizeof *codes);
    if (!table || !members || !codes) {
        free(table), free(members), free(codes);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int mask = 0; mask < masks; mask++) members[mask] = mask;
    for (int i = 0; i < n; i++) codes[i] = world->states[i].code;
    int status = 0;
    size_t mask_shape[1] = {(size_t)masks};
    if (h5out_write_doubles(out, "/coalitions/members", 1, mask_shape, members, "bitmask",
                            "coalition membership: bit i set when state i (in /world/states "
                            "order) is a member; row k is variant k",
                            "coalition") != 0 ||
        h5out_write_strings(out, "/coalitions/state", n, codes,
                            "state codes: bit i of a membership mask, row i of shapley and "
                            "leave_gain") != 0 ||
        h5out_write_strings(out, "/coalitions/statistic", STATS_FIELD_COUNT, stats_field_names,
                            "column names of value, shapley and leave_gain") != 0)
        status = -1;
    fill_table(coalitions->value, masks, table);
    size_t value_shape[2] = {(size_t)masks, STATS_FIELD_COUNT};
    if (status == 0 &&
        h5out_write_doubles(out, "/coalitions/value", 2, value_shape, table, "harm",
                            "v(S) = sum over members i of loss_i(nobody shares) - loss_i(S), per "
                            "run, over replicates (paired)",
                            "coalition,statistic") != 0)
        status = -1;
    size_t state_shape[2] = {(size_t)n, STATS_FIELD_COUNT};
    fill_table(coalitions->shapley, n, table);
    if (status == 0 &&
        h5out_write_doubles(out, "/coalitions/shapley", 2, state_shape, table, "harm",
                            "Shapley value of each state in the game v, computed per replicate "
                            "then summarised (sums to v(grand coalition))",
                            "state,statistic") != 0)
        status = -1;
    fill_table(coalitions->leave_gain, n, table);
    if (status == 0 &&
        h5out_write_doubles(out, "/coalitions/leave_gain", 2, state_shape, table, "harm",
                            "loss_i(grand coalition) - loss_i(grand coalition without i): "
                            "positive means state i lowers its loss by leaving (the agreement "
                            "is not self-enforcing for i)",
                            "state,statistic") != 0)
        status = -1;
    const struct {
        const char *path;
        const struct stats_summary *rows;
        const char *description;
    } more[] = {
        {"/coalitions/free_ride_gain", coalitions->free_ride_gain,
         "loss_i(grand coalition) - loss_i(i withholds while the others keep sharing with it): "
         "positive means free-riding lowers i's loss"},
        {"/coalitions/exclusion_cost", coalitions->exclusion_cost,
         "the others' loss when they cut i off (coalition N - i) minus their loss when they keep "
         "sharing with a free-riding i: below 0, the threat of exclusion is credible"},
        {"/coalitions/side_payment", coalitions->side_payment,
         "Shapley value minus actual gain in the grand coalition (loss_i(nobody shares) - "
         "loss_i(grand)): what i would receive (positive) or pay (negative)"},
    };
    for (size_t m = 0; status == 0 && m < sizeof more / sizeof more[0]; m++) {
        fill_table(more[m].rows, n, table);
        if (h5out_write_doubles(out, more[m].path, 2, state_shape, table, "harm",
                                more[m].description, "state,statistic") != 0)
            status = -1;
    }
    free(table), free(members), free(codes);
    if (status != 0) {
        snprintf(err, errlen, "%s", h5out_error(out));
        return status;
    }
    return coalitions->bootstrap
               ? ensemble_write_coalition_core(out, coalitions->bootstrap, world, err, errlen)
               : 0;
}

/* A deviation helps the deviator when the whole interval is above zero. */
static const char *verdict_of(const double *g) {
    return g[STATS_CI_LOW] > 0                             ? "no (deviating helps)"
           : g[STATS_CI_HIGH] < 0                          ? "yes"
           : g[STATS_CI_LOW] == 0 && g[STATS_CI_HIGH] == 0 ? "indifferent"
                                                           : "undecided";
}

void ensemble_print_coalitions(FILE *stream, const struct ensemble_coalitions *coalitions,
                               const struct plan *plan, const struct world *world) {
    int n = coalitions->n_states, masks = coalitions->n_masks;
    char cell[96], other[96];
    fprintf(stream,
            "Coalitions: %d states, %d coalitions x %d replicates; mean [95%% CI], "
            "paired by replicate\n",
            n, masks, plan->replicates);
    fprintf(stream, "%-8s %-28s %-28s %-28s %s\n", "state", "Shapley value", "gain from leaving",
            "gain from free-riding", "self-enforcing (exclusion / free-riding)");
    for (int i = 0; i < n; i++) {
        const double *s = coalitions->shapley[i].value, *g = coalitions->leave_gain[i].value;
        const double *f = coalitions->free_ride_gain[i].value;
        char third[96];
        snprintf(cell, sizeof cell, "%.4g [%.4g, %.4g]", s[STATS_MEAN], s[STATS_CI_LOW],
                 s[STATS_CI_HIGH]);
        snprintf(other, sizeof other, "%.4g [%.4g, %.4g]", g[STATS_MEAN], g[STATS_CI_LOW],
                 g[STATS_CI_HIGH]);
        snprintf(third, sizeof third, "%.4g [%.4g, %.4g]", f[STATS_MEAN], f[STATS_CI_LOW],
                 f[STATS_CI_HIGH]);
        fprintf(stream, "%-8s %-28s %-28s %-28s %s / %s\n", world->states[i].code, cell, other,
                third, verdict_of(g), verdict_of(f));
    }
    const double *grand = coalitions->value[masks - 1].value;
    fprintf(stream,
            "v(grand coalition) = %.4g [%.4g, %.4g]; sum of Shapley values differs by "
            "%.2g\n",
            grand[STATS_MEAN], grand[STATS_CI_LOW], grand[STATS_CI_HIGH],
            coalitions->shapley_sum_error);
    fprintf(stream,
            "\nSide payments the Shapley values imply (Shapley value minus actual gain in the "
            "grand coalition;\npositive: receives) and whether excluding a free-rider is "
            "credible (the others' cost of cutting it off;\nbelow 0: they gain by it):\n");
    fprintf(stream, "%-8s %-28s %-28s %s\n", "state", "side payment", "cost of exclusion",
            "exclusion credible");
    for (int i = 0; i < n; i++) {
        const double *p = coalitions->side_payment[i].value;
        const double *c = coalitions->exclusion_cost[i].value;
        snprintf(cell, sizeof cell, "%.4g [%.4g, %.4g]", p[STATS_MEAN], p[STATS_CI_LOW],
                 p[STATS_CI_HIGH]);
        snprintf(other, sizeof other, "%.4g [%.4g, %.4g]", c[STATS_MEAN], c[STATS_CI_LOW],
                 c[STATS_CI_HIGH]);
        const char *credible = c[STATS_CI_HIGH] < 0  ? "yes"
                               : c[STATS_CI_LOW] > 0 ? "no (cutting it off costs the others)"
                                                     : "undecided";
        fprintf(stream, "%-8s %-28s %-28s %s\n", world->states[i].code, cell, other, credible);
    }
    /* The most valuable coalitions of each size, so the table stays short for 10 states. */
    fprintf(stream, "\nBest coalition of each size (v(S), loss avoided by the members):\n");
    for (int size = 1; size <= n; size++) {
        int best = -1;
        for (int mask = 0; mask < masks; mask++)
            if (__builtin_popcount((unsigned)mask) == size &&
                (best < 0 || coalitions->value[mask].value[STATS_MEAN] >
                                 coalitions->value[best].value[STATS_MEAN]))
                best = mask;
        const double *v = coalitions->value[best].value;
        snprintf(cell, sizeof cell, "%.4g [%.4g, %.4g]", v[STATS_MEAN], v[STATS_CI_LOW],
                 v[STATS_CI_HIGH]);
        fprintf(stream, "  size %-2d %-40s %s\n", size, plan->variants[best].label, cell);
    }
    if (coalitions->bootstrap) ensemble_print_coalition_core(stream, coalitions->bootstrap, world);
}
