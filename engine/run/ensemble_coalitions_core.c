/* ensemble_coalitions_core.c — /coalitions datasets and the printed tables of the bootstrap
 * figures: least core, nucleolus, superadditivity, coalition structures and their stability,
 * labels and their seed warnings (coalition_bootstrap.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coalition_bootstrap.h"
#include "ensemble.h"

static int write_intervals(struct h5out *out, const char *path, int rows,
                           const double (*table)[BOOT_FIELDS], const char *description) {
    size_t shape[2] = {(size_t)rows, BOOT_FIELDS};
    return h5out_write_doubles(out, path, 2, shape, &table[0][0], "harm", description,
                               "state,bootstrap");
}

int ensemble_write_coalition_core(struct h5out *out, const struct coalition_bootstrap *bs,
                                  const struct world *world, char *err, size_t errlen) {
    int n = bs->n, status = 0;
    (void)world;
    size_t three[1] = {BOOT_FIELDS}, one[1] = {1};
    double count = bs->superadd_count;
    if (h5out_write_strings(
            out, "/coalitions/bootstrap_statistic", BOOT_FIELDS, coalition_bootstrap_fields,
            "columns of the *_bootstrap, nucleolus, least_core_epsilon, "
            "superadditivity_worst and structure_* tables: the mean game's "
            "figure, then the 2.5% and 97.5% percentiles of the bootstrap draws") != 0 ||
        h5out_set_attr_int(out, "/coalitions", "bootstrap_seed", bs->seed) != 0 ||
        h5out_set_attr_int(out, "/coalitions", "bootstrap_draws", bs->draws) != 0 ||
        h5out_write_doubles(out, "/coalitions/least_core_epsilon", 1, three, bs->epsilon, "harm",
                            "least core: min e s.t. x(S) >= v(S) - e for every proper S, x(N) = "
                            "v(N); the core is non-empty iff e <= 0",
                            "bootstrap") != 0 ||
        write_intervals(out, "/coalitions/nucleolus", n, bs->nucleolus,
                        "nucleolus of the mean game (attribute kind: nucleolus, or "
                        "pre-nucleolus when v(N) < 0 leaves no imputation)") != 0 ||
        h5out_set_attr_string(out, "/coalitions/nucleolus", "kind",
                              bs->nucleolus_kind ? "pre-nucleolus" : "nucleolus") != 0 ||
        write_intervals(out, "/coalitions/shapley_bootstrap", n, bs->shapley,
                        "Shapley values with bootstrap intervals") != 0 ||
        write_intervals(out, "/coalitions/side_payment_bootstrap", n, bs->side_payment,
                        "side payments (Shapley value minus actual gain) with bootstrap "
                        "intervals") != 0 ||
        write_intervals(out, "/coalitions/leave_gain_bootstrap", n, bs->leave_gain,
                        "gain from leaving (exclusion) with bootstrap intervals") != 0 ||
        write_intervals(out, "/coalitions/free_ride_gain_bootstrap", n, bs->free_ride_gain,
                        "gain from free-riding with bootstrap intervals") != 0 ||
        write_intervals(out, "/coalitions/exclusion_cost_bootstrap", n, bs->exclusion_cost,
                        "the others' cost of excluding i with bootstrap intervals") != 0 ||
        h5out_write_doubles(out, "/coalitions/superadditivity_violations", 1, one, &count, "count",
                            "pairs {S, T} of disjoint nonempty coalitions with v(S u T) < v(S) + "
                            "v(T) in the mean game",
                            "") != 0 ||
        h5out_write_doubles(out, "/coalitions/superadditivity_worst", 1, three, bs->superadd_worst,
                            "harm",
                            "largest v(S) + v(T) - v(S u T) over disjoint pairs (0: superadditive)",
                            "bootstrap") != 0)
        status = -1;
    const struct coalition_structures *cs = bs->structures;
    if (status == 0 && cs) {
        int count_p = cs->count;
        char(*text)[COALITION_LABEL_NAME] = calloc((size_t)count_p, sizeof *text);
        const char **names = malloc((size_t)count_p * sizeof *names);
        double *blocks = malloc((size_t)count_p * (size_t)n * sizeof *blocks);
        double *rows = malloc((size_t)count_p * sizeof *rows);
        const char *codes[COALITION_MAX_STATES];
        for (int i = 0; i < n; i++) codes[i] = world->states[i].code;
        if (!text || !names || !blocks || !rows) status = -1;
        for (int p = 0; status == 0 && p < count_p; p++) {
            coalition_structure_label(cs, p, codes, text[p], sizeof text[p]);
            names[p] = text[p];
            rows[p] = cs->row[p];
            for (int i = 0; i < n; i++)
                blocks[(size_t)p * (size_t)n + (size_t)i] =
                    cs->block[(size_t)p * (size_t)n + (size_t)i];
        }
        size_t ps[1] = {(size_t)count_p}, pn[2] = {(size_t)count_p, (size_t)n};
        size_t pv[2] = {(size_t)count_p, BOOT_FIELDS};
        double best = bs->best;
        if (status == 0 &&
            (h5out_write_strings(out, "/coalitions/structure", count_p, names,
                                 "coalition structures (partitions of the states), in the "
                                 "order of restricted growth strings") != 0 ||
             h5out_write_doubles(out, "/coalitions/structure_block", 2, pn, blocks, "index",
                                 "block of each state in each structure", "structure,state") != 0 ||
             h5out_write_doubles(out, "/coalitions/structure_variant", 1, ps, rows, "index",
                                 "variant whose runs give the structure's losses",
                                 "structure") != 0 ||
             h5out_write_doubles(out, "/coalitions/structure_value", 2, pv, bs->structure_value,
                                 "harm",
                                 "sum over all states of loss_i(nobody shares) - loss_i(structure)",
                                 "structure,bootstrap") != 0 ||
             h5out_write_doubles(out, "/coalitions/structure_best_share", 1, ps, bs->structure_best,
                                 "share",
                                 "share of bootstrap draws in which the structure has the greatest "
                                 "value",
                                 "structure") != 0 ||
             h5out_write_doubles(out, "/coalitions/structure_stable_share", 1, ps,
                                 bs->structure_stable, "share",
                                 "share of bootstrap draws in which every block of the structure "
                                 "is internally and externally stable (d'Aspremont et al.)",
                                 "structure") != 0 ||
             h5out_write_doubles(out, "/coalitions/best_structure", 1, one, &best, "index",
                                 "row of /coalitions/structure with the greatest value in the "
                                 "mean game",
                                 "") != 0 ||
             write_intervals(
                 out, "/coalitions/best_structure_internal_gain", n, bs->internal_gain,
                 "per block of the best structure (rows past its block count NaN): "
                 "the largest gain a member makes by leaving; NaN for a block of one") != 0 ||
             write_intervals(out, "/coalitions/best_structure_external_gain", n, bs->external_gain,
                             "per block of the best structure: the largest gain an outsider "
                             "makes by joining; NaN when everyone is in it") != 0))
            status = -1;
        free(text), free(names), free(blocks), free(rows);
    }
    if (status == 0) {
        const char **names = malloc((size_t)(bs->n_labels ? bs->n_labels : 1) * sizeof *names);
        double *estimate = malloc((size_t)(bs->n_labels ? bs->n_labels : 1) * sizeof *estimate);
        size_t shape[1] = {(size_t)bs->n_labels};
        if (!names || !estimate) status = -1;
        for (int k = 0; status == 0 && k < bs->n_labels; k++) {
            names[k] = bs->label[k];
            estimate[k] = bs->label_estimate[k];
        }
        if (status == 0 &&
            (h5out_write_strings(out, "/coalitions/label", bs->n_labels, names,
                                 "yes/no labels of the coalition game") != 0 ||
             h5out_write_doubles(out, "/coalitions/label_estimate", 1, shape, estimate, "flag",
                                 "1 when the label holds in the mean game", "label") != 0 ||
             h5out_write_doubles(out, "/coalitions/label_share", 1, shape, bs->label_share, "share",
                                 "share of bootstrap draws in which the label holds; between "
                                 "0.05 and 0.95 it depends on the seed at this replicate count",
                                 "label") != 0))
            status = -1;
        free(names), free(estimate);
    }
    if (status != 0) snprintf(err, errlen, "%s", h5out_error(out));
    return status;
}

static const char *interval(char *cell, size_t size, const double *v) {
    if (isnan(v[BOOT_ESTIMATE]))
        snprintf(cell, size, "-");
    else if (isnan(v[BOOT_LOW]))
        snprintf(cell, size, "%.4g [no interval]", v[BOOT_ESTIMATE]);
    else
        snprintf(cell, size, "%.4g [%.4g, %.4g]", v[BOOT_ESTIMATE], v[BOOT_LOW], v[BOOT_HIGH]);
    return cell;
}

static const char *yes_no(int flag) {
    return flag ? "yes" : "no";
}

void ensemble_print_coalition_core(FILE *stream, const struct coalition_bootstrap *bs,
                                   const struct world *world) {
    int n = bs->n;
    char a[64], b[64], c[64], d[64];
    fprintf(stream,
            "\nBootstrap over replicates (%d draws of the %d replicate indices, the same for "
            "every variant; seed %u):\nestimate = figure of the mean game [2.5%%, 97.5%% of "
            "the draws]\n",
            bs->draws, bs->replicates, bs->seed);
    fprintf(stream, "%-8s %-28s %-28s %-28s\n", "state", "Shapley value", "side payment",
            bs->nucleolus_kind ? "pre-nucleolus (v(N) < 0)" : "nucleolus");
    for (int i = 0; i < n; i++)
        fprintf(stream, "%-8s %-28s %-28s %-28s\n", world->states[i].code,
                interval(a, sizeof a, bs->shapley[i]), interval(b, sizeof b, bs->side_payment[i]),
                interval(c, sizeof c, bs->nucleolus[i]));
    fprintf(stream, "%-8s %-28s %-28s %-28s\n", "state", "gain from leaving (excl.)",
            "gain from free-riding", "cost of exclusion");
    for (int i = 0; i < n; i++)
        fprintf(stream, "%-8s %-28s %-28s %-28s\n", world->states[i].code,
                interval(a, sizeof a, bs->leave_gain[i]),
                interval(b, sizeof b, bs->free_ride_gain[i]),
                interval(d, sizeof d, bs->exclusion_cost[i]));
    /* label 0 is "core non-empty" (coalition_bootstrap.c) */
    fprintf(stream, "Least core epsilon: %s; core non-empty (epsilon <= 0): %s",
            interval(a, sizeof a, bs->epsilon), yes_no(bs->n_labels && bs->label_estimate[0]));
    if (bs->n_labels && !isnan(bs->label_share[0]))
        fprintf(stream, " (in %.0f%% of the draws)", 100 * bs->label_share[0]);
    fprintf(stream, "\n");
    fprintf(stream,
            "Superadditivity: %d violating pair%s of disjoint coalitions; worst shortfall "
            "%s\n",
            bs->superadd_count, bs->superadd_count == 1 ? "" : "s",
            interval(a, sizeof a, bs->superadd_worst));
    const struct coalition_structures *cs = bs->structures;
    const char *codes[COALITION_MAX_STATES];
    for (int i = 0; i < n; i++) codes[i] = world->states[i].code;
    if (cs && bs->best >= 0) {
        /* the five structures of greatest value in the mean game */
        int order[5], shown = 0;
        for (; shown < 5 && shown < cs->count; shown++) {
            int pick = -1;
            for (int p = 0; p < cs->count; p++) {
                int used = 0;
                for (int k = 0; k < shown; k++) used |= order[k] == p;
                if (!used && (pick < 0 || bs->structure_value[p * BOOT_FIELDS] >
                                              bs->structure_value[pick * BOOT_FIELDS]))
                    pick = p;
            }
            order[shown] = pick;
        }
        fprintf(stream,
                "\nCoalition structures (%d partitions; value = loss avoided by all states, the "
                "greatest = least regional loss):\n%-36s %-30s %-10s %s\n",
                cs->count, "structure", "value", "best in", "stable in");
        for (int k = 0; k < shown; k++) {
            int p = order[k];
            coalition_structure_label(cs, p, codes, c, sizeof c);
            fprintf(stream, "%-36s %-30s %-10.3f %.3f\n", c,
                    interval(a, sizeof a, bs->structure_value + p * BOOT_FIELDS),
                    bs->structure_best[p], bs->structure_stable[p]);
        }
        coalition_structure_label(cs, bs->best, codes, c, sizeof c);
        fprintf(stream,
                "Best structure %s; stability of its blocks (d'Aspremont et al.; gain > 0 "
                "breaks it):\n%-24s %-30s %-30s\n",
                c, "block", "largest gain from leaving", "largest gain from joining");
        for (int blk = 0; blk < cs->n_blocks[bs->best]; blk++) {
            unsigned m = cs->block_mask[(size_t)bs->best * (size_t)n + (size_t)blk];
            size_t used = 0;
            d[0] = '\0';
            for (int i = 0; i < n; i++)
                if (m >> i & 1u)
                    used += (size_t)snprintf(d + used, sizeof d - used, "%s%s", used ? "," : "",
                                             codes[i]);
            fprintf(stream, "{%-22s %-30s %-30s\n", strcat(d, "}"),
                    interval(a, sizeof a, bs->internal_gain[blk]),
                    interval(b, sizeof b, bs->external_gain[blk]));
        }
    } else {
        fprintf(stream, "\nCoalition structures: not computed above %d states (Bell(N) variants)\n",
                COALITION_MAX_PARTITION_STATES);
    }
    fprintf(stream, "\n%-64s %-10s %s\n", "label", "estimate", "share of draws");
    int warned = 0;
    for (int k = 0; k < bs->n_labels; k++)
        if (isnan(bs->label_share[k]))
            fprintf(stream, "%-64s %-10s n/a\n", bs->label[k], yes_no(bs->label_estimate[k]));
        else
            fprintf(stream, "%-64s %-10s %.3f\n", bs->label[k], yes_no(bs->label_estimate[k]),
                    bs->label_share[k]);
    for (int k = 0; k < bs->n_labels; k++)
        if (coalition_label_depends_on_seed(bs->label_share[k])) {
            fprintf(stream,
                    "WARNING: \"%s\" holds in %.0f%% of bootstrap draws: depends on the "
                    "seed at R = %d replicates\n",
                    bs->label[k], 100 * bs->label_share[k], bs->replicates);
            warned++;
        }
    if (!warned && bs->draws > 0)
        fprintf(stream, "Every label holds in fewer than 5%% or more than 95%% of the draws.\n");
}
