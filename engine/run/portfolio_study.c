/* portfolio_study.c — the figures of `c5sim portfolio` from a run, /portfolio and its tables. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "portfolio_study.h"

void portfolio_study_free(struct portfolio_study *study) {
    free(study->costs);
    free(study->masks);
    free(study->packages);
    free(study->harm);
    free(study->frontier);
    free(study->choices);
    free(study->net_gain);
    memset(study, 0, sizeof *study);
}

void portfolio_study_label(const struct portfolio_study *study, const struct world *world,
                           uint64_t mask, char *buffer, size_t size) {
    if (mask == 0) {
        snprintf(buffer, size, "baseline");
        return;
    }
    size_t used = (size_t)snprintf(buffer, size, "{");
    for (int m = 0; m < study->n_measures && used < size; m++)
        if (mask >> m & 1)
            used += (size_t)snprintf(buffer + used, size - used, "%s%s", used > 1 ? ", " : "",
                                     world->measures[study->measures[m]].id);
    if (used < size) snprintf(buffer + used, size - used, "}");
}

static double *net_row(const struct portfolio_study *study, int package, int rule) {
    return study->net_gain +
           ((size_t)package * PORTFOLIO_NET_RULES + (size_t)rule) * (size_t)(study->n_states + 1);
}

/* Per-state net gains of every package: loss averted (the model charges the cost in equal
 * shares) with the equal share given back and the rule's share charged instead. */
static int net_gains(struct portfolio_study *study, const struct world *world,
                     const struct runner_results *results) {
    int S = study->n_states;
    size_t R = (size_t)study->replicates;
    double *base = malloc(R * sizeof *base), *own = malloc(R * sizeof *own);
    double *loss = malloc((size_t)S * sizeof *loss), *benefit = malloc((size_t)S * sizeof *benefit);
    double *weights = malloc((size_t)S * sizeof *weights),
           *charge = malloc((size_t)S * sizeof *charge);
    double *gdp = malloc((size_t)S * sizeof *gdp), *population = malloc((size_t)S * sizeof *gdp);
    int ok = base && own && loss && benefit && weights && charge && gdp && population;
    for (int s = 0; ok && s < S; s++) {
        gdp[s] = world->states[s].gdp;
        population[s] = world->states[s].population;
    }
    for (int p = 0; ok && p < study->n_packages; p++) {
        double region = 0;
        for (int s = 0; s < S; s++) {
            struct stats_difference d;
            runner_results_sample(results, 0, METRIC_LOSS, s, base);
            runner_results_sample(results, p, METRIC_LOSS, s, own);
            stats_paired_difference(base, own, 1, R, &d);
            loss[s] = d.mean;
            region += d.mean;
            runner_results_sample(results, 0, METRIC_HARM, s, base);
            runner_results_sample(results, p, METRIC_HARM, s, own);
            stats_paired_difference(base, own, 1, R, &d);
            benefit[s] = d.mean;
        }
        double cost = study->packages[p].cost;
        for (int rule = 0; rule < PORTFOLIO_NET_RULES; rule++) {
            int applicable = 1;
            for (int s = 0; s < S; s++) charge[s] = 0;
            if (rule < PORTFOLIO_RULES) {
                applicable = portfolio_shares(rule, S, gdp, population, benefit, weights) == 0;
                for (int s = 0; applicable && s < S; s++) charge[s] = cost * weights[s];
            } else {
                for (int m = 0; applicable && m < study->n_measures; m++) {
                    if (!(study->masks[p] >> m & 1)) continue;
                    int own_rule = world->measures[study->measures[m]].cost_sharing;
                    applicable =
                        portfolio_shares(own_rule, S, gdp, population, benefit, weights) == 0;
                    for (int s = 0; applicable && s < S; s++)
                        charge[s] += study->costs[m] * weights[s];
                }
            }
            double *row = net_row(study, p, rule);
            for (int s = 0; s < S; s++) row[s] = applicable ? loss[s] + cost / S - charge[s] : NAN;
            row[S] = region;
        }
    }
    free(base), free(own), free(loss), free(benefit), free(weights), free(charge), free(gdp);
    free(population);
    return ok ? 0 : -1;
}

int portfolio_study_compute(struct portfolio_study *study, const struct world *world,
                            const int *measures, int n_measures, const double *budgets,
                            int n_budgets, const struct runner_results *results, char *err,
                            size_t errlen) {
    memset(study, 0, sizeof *study);
    long count = portfolio_package_masks(n_measures, NULL);
    if (count < 0 || count != results->n_variants) {
        snprintf(err, errlen, "the plan does not hold the packages of %d measures", n_measures);
        return -1;
    }
    study->n_measures = n_measures;
    study->measures = measures;
    study->heuristic = n_measures > PORTFOLIO_MAX_EXHAUSTIVE;
    study->n_packages = (int)count;
    study->replicates = results->replicates;
    study->n_states = world->n_states;
    size_t P = (size_t)count, R = (size_t)results->replicates;
    study->costs = malloc((size_t)n_measures * sizeof *study->costs);
    study->masks = malloc(P * sizeof *study->masks);
    study->packages = calloc(P, sizeof *study->packages);
    study->harm = malloc(P * R * sizeof *study->harm);
    study->frontier = malloc(P * sizeof *study->frontier);
    study->n_budgets = n_budgets > 0 ? n_budgets : 1;
    study->choices = calloc((size_t)study->n_budgets, sizeof *study->choices);
    study->net_gain =
        malloc(P * PORTFOLIO_NET_RULES * (size_t)(world->n_states + 1) * sizeof *study->net_gain);
    if (!study->costs || !study->masks || !study->packages || !study->harm || !study->frontier ||
        !study->choices || !study->net_gain)
        goto nomem;
    for (int m = 0; m < n_measures; m++) study->costs[m] = world->measures[measures[m]].cost;
    portfolio_package_masks(n_measures, study->masks);
    for (size_t p = 0; p < P; p++)
        runner_results_sample(results, (int)p, METRIC_HARM, -1, study->harm + p * R);
    if (portfolio_evaluate(study->masks, (int)P, study->costs, n_measures, study->harm, (int)R,
                           study->packages) != 0)
        goto nomem;
    study->n_frontier = portfolio_pareto(study->packages, (int)P, study->frontier);
    struct portfolio_surrogate surrogate = {0};
    if (study->heuristic &&
        portfolio_surrogate_alloc(&surrogate, n_measures, study->packages, (int)P) != 0)
        goto nomem;
    for (int b = 0; b < study->n_budgets; b++) {
        struct portfolio_choice *c = &study->choices[b];
        c->budget = n_budgets > 0 ? budgets[b] : portfolio_cost(study->costs, n_measures, ~0ull);
        int second, first = portfolio_best(study->packages, (int)P, c->budget, &second);
        if (study->heuristic) {
            c->mask = portfolio_search_heuristic(n_measures, study->costs, c->budget,
                                                 portfolio_surrogate_value, &surrogate);
            c->estimate = portfolio_surrogate_value(&surrogate, c->mask);
            c->best = portfolio_find(study->masks, (int)P, c->mask);
            c->runner_up = c->best == first ? second : first;
        } else {
            c->best = first;
            c->runner_up = second;
            c->mask = first >= 0 ? study->masks[first] : 0;
            c->estimate = first >= 0 ? study->packages[first].averted.mean : NAN;
        }
        c->cost = portfolio_cost(study->costs, n_measures, c->mask);
        c->gap.mean = c->gap.ci_low = c->gap.ci_high = c->gap.sd = NAN;
        if (c->best >= 0 && c->runner_up >= 0)
            portfolio_compare(study->harm, (int)R, c->best, c->runner_up, &c->gap);
        c->distinguishable = c->gap.ci_low > 0 || c->gap.ci_high < 0;
    }
    portfolio_surrogate_free(&surrogate);
    if (net_gains(study, world, results) != 0) goto nomem;
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
    portfolio_study_free(study);
    return -1;
}

/* ---- /portfolio ------------------------------------------------------------------------------ */

static int failed(struct h5out *out, char *err, size_t errlen) {
    snprintf(err, errlen, "%s", h5out_error(out));
    return -1;
}

int portfolio_study_write(struct h5out *out, const struct portfolio_study *study,
                          const struct world *world, char *err, size_t errlen) {
    static const char *const package_columns[] = {"mask",
                                                  "size",
                                                  "cost",
                                                  "harm_averted",
                                                  "harm_averted_ci_low",
                                                  "harm_averted_ci_high",
                                                  "interaction",
                                                  "interaction_ci_low",
                                                  "interaction_ci_high",
                                                  "on_frontier"};
    enum { PC = 10 };
    static const char *const budget_columns[] = {"budget",
                                                 "mask",
                                                 "package",
                                                 "cost",
                                                 "harm_averted",
                                                 "harm_averted_ci_low",
                                                 "harm_averted_ci_high",
                                                 "runner_up",
                                                 "gap",
                                                 "gap_ci_low",
                                                 "gap_ci_high",
                                                 "distinguishable"};
    enum { BC = 12 };
    static const char *const rules[PORTFOLIO_NET_RULES] = {"equal", "gdp", "population", "benefit",
                                                           "declared"};
    int P = study->n_packages, S = study->n_states, status = 0;
    char label[4096];
    const char **names =
        calloc((size_t)(P > S + 1 ? P : S + 1) + (size_t)study->n_measures, sizeof *names);
    double *table = malloc((size_t)P * PC * sizeof *table);
    double *budgets = malloc((size_t)study->n_budgets * BC * sizeof *budgets);
    double *frontier =
        malloc((size_t)(study->n_frontier > 0 ? study->n_frontier : 1) * sizeof *frontier);
    if (!names || !table || !budgets || !frontier) {
        free(names), free(table), free(budgets), free(frontier);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int m = 0; m < study->n_measures; m++) names[m] = world->measures[study->measures[m]].id;
    if (h5out_write_strings(out, "/portfolio/measure", study->n_measures, names,
                            "the measures combined, in scenario order: bit m of a package's mask "
                            "is measure m") != 0)
        status = failed(out, err, errlen);
    for (int p = 0; status == 0 && p < P; p++) {
        portfolio_study_label(study, world, study->masks[p], label, sizeof label);
        if (!(names[p] = strdup(label))) status = -1;
        const struct portfolio_package *k = &study->packages[p];
        double row[PC] = {(double)k->mask,       (double)k->size,       k->cost,
                          k->averted.mean,       k->averted.ci_low,     k->averted.ci_high,
                          k->interaction.mean,   k->interaction.ci_low, k->interaction.ci_high,
                          (double)k->on_frontier};
        memcpy(table + (size_t)p * PC, row, sizeof row);
    }
    size_t shape[3] = {(size_t)P, PC, 0};
    if (status == 0 &&
        (h5out_write_strings(out, "/portfolio/package", P, names,
                             "package labels; package i is plan variant i (0 = the baseline)") !=
             0 ||
         h5out_write_strings(out, "/portfolio/statistic", PC, package_columns,
                             "column names of /portfolio/table") != 0 ||
         h5out_write_doubles(out, "/portfolio/table", 2, shape, table, "harm",
                             "each package against the baseline, paired by replicate: its mask, "
                             "size and cost, regional harm averted per run with 95% interval, the "
                             "interaction (its effect minus the sum of its measures' effects "
                             "alone; NaN below two measures) with 95% interval, and 1 when on the "
                             "Pareto frontier",
                             "package,statistic") != 0))
        status = failed(out, err, errlen);
    for (int p = 0; p < P; p++) free((char *)names[p]);
    for (int i = 0; i < study->n_frontier; i++) frontier[i] = study->frontier[i];
    size_t n_frontier = (size_t)study->n_frontier;
    if (status == 0 &&
        h5out_write_doubles(out, "/portfolio/frontier", 1, &n_frontier, frontier, "index",
                            "packages on the Pareto frontier of cost against mean "
                            "harm averted, by increasing cost (indices into "
                            "/portfolio/package)",
                            "package") != 0)
        status = failed(out, err, errlen);
    for (int b = 0; b < study->n_budgets; b++) {
        const struct portfolio_choice *c = &study->choices[b];
        const struct portfolio_package *k = c->best >= 0 ? &study->packages[c->best] : NULL;
        double row[BC] = {c->budget,
                          (double)c->mask,
                          (double)c->best,
                          c->cost,
                          k ? k->averted.mean : c->estimate,
                          k ? k->averted.ci_low : NAN,
                          k ? k->averted.ci_high : NAN,
                          (double)c->runner_up,
                          c->gap.mean,
                          c->gap.ci_low,
                          c->gap.ci_high,
                          (double)c->distinguishable};
        memcpy(budgets + (size_t)b * BC, row, sizeof row);
    }
    size_t budget_shape[2] = {(size_t)study->n_budgets, BC};
    if (status == 0 &&
        (h5out_write_strings(out, "/portfolio/budget_statistic", BC, budget_columns,
                             "column names of /portfolio/budgets") != 0 ||
         h5out_write_doubles(out, "/portfolio/budgets", 2, budget_shape, budgets, "harm",
                             "per budget: the package of most mean harm averted within it (mask, "
                             "package index or -1 when the heuristic chose a package not run, "
                             "cost, harm averted with 95% interval, or the pairwise estimate), "
                             "the runner-up's index, the paired gap best minus runner-up with "
                             "95% interval, and 1 when the gap's interval excludes 0",
                             "budget,statistic") != 0))
        status = failed(out, err, errlen);
    for (int s = 0; s < S; s++) names[s] = world->states[s].code;
    names[S] = "region";
    size_t net_shape[3] = {(size_t)P, PORTFOLIO_NET_RULES, (size_t)S + 1};
    if (status == 0 &&
        (h5out_write_strings(out, "/portfolio/rule", PORTFOLIO_NET_RULES, rules,
                             "cost-sharing rules of /portfolio/net_gain; 'declared' shares each "
                             "measure's cost by its own cost_sharing key") != 0 ||
         h5out_write_strings(out, "/portfolio/state", S + 1, names,
                             "column names: state codes, then the region") != 0 ||
         h5out_write_doubles(out, "/portfolio/net_gain", 3, net_shape, study->net_gain, "harm",
                             "mean loss averted by each package for each state, the package's "
                             "cost shared among the states by the rule (NaN when the rule needs "
                             "a gdp or population the scenario lacks); the region column is the "
                             "same under every rule",
                             "package,rule,state") != 0 ||
         h5out_set_attr_string(out, "/portfolio", "mode",
                               study->heuristic ? "heuristic" : "exhaustive") != 0 ||
         h5out_set_attr_int(out, "/portfolio", "replicates", study->replicates) != 0))
        status = failed(out, err, errlen);
    free(names), free(table), free(budgets), free(frontier);
    return status;
}

/* ---- tables ---------------------------------------------------------------------------------- */

static void cell(char *buffer, size_t size, const struct stats_difference *d) {
    if (isnan(d->mean))
        snprintf(buffer, size, "-");
    else if (isnan(d->ci_low))
        snprintf(buffer, size, "%.4g", d->mean);
    else
        snprintf(buffer, size, "%.4g [%.4g, %.4g]", d->mean, d->ci_low, d->ci_high);
}

void portfolio_study_print(FILE *stream, const struct portfolio_study *study,
                           const struct world *world) {
    char label[4096], a[96], b[96];
    fprintf(stream,
            "%d measures, %d packages (%s), %d replicates each on common random numbers; harm "
            "averted = regional harm of the baseline minus the package's, paired, 95%% CI\n\n",
            study->n_measures, study->n_packages,
            study->heuristic ? "heuristic: the baseline, each measure and every pair"
                             : "exhaustive: every combination",
            study->replicates);
    fprintf(stream, "Pareto frontier (cost against mean harm averted)\n");
    fprintf(stream, "%-10s %-32s %s\n", "cost", "harm averted", "package");
    for (int i = 0; i < study->n_frontier; i++) {
        const struct portfolio_package *k = &study->packages[study->frontier[i]];
        cell(a, sizeof a, &k->averted);
        portfolio_study_label(study, world, k->mask, label, sizeof label);
        fprintf(stream, "%-10.4g %-32s %s\n", k->cost, a, label);
    }
    fprintf(stream, "\nBest package per budget (most mean harm averted with cost <= budget)\n");
    fprintf(stream, "%-10s %-10s %-32s %-30s %s\n", "budget", "cost", "harm averted",
            "gap to runner-up", "package");
    for (int i = 0; i < study->n_budgets; i++) {
        const struct portfolio_choice *c = &study->choices[i];
        if (c->best >= 0)
            cell(a, sizeof a, &study->packages[c->best].averted);
        else
            snprintf(a, sizeof a, "%.4g (pairwise estimate)", c->estimate);
        cell(b, sizeof b, &c->gap);
        portfolio_study_label(study, world, c->mask, label, sizeof label);
        fprintf(stream, "%-10.4g %-10.4g %-32s %-30s %s\n", c->budget, c->cost, a, b, label);
        if (c->runner_up >= 0) {
            portfolio_study_label(study, world, study->masks[c->runner_up], label, sizeof label);
            fprintf(stream, "%21s %s the runner-up %s\n", "",
                    isnan(c->gap.ci_low) ? "(no interval) against"
                    : c->distinguishable ? "distinguishable from"
                                         : "NOT distinguishable from",
                    label);
        }
    }
    fprintf(stream, "\nInteractions of pairs: joint effect minus the sum of the two alone "
                    "(< 0: they overlap, > 0: they reinforce)\n");
    fprintf(stream, "%-32s %-32s %-12s %s\n", "interaction", "joint effect", "sum alone", "pair");
    for (int p = 0; p < study->n_packages; p++) {
        const struct portfolio_package *k = &study->packages[p];
        if (k->size != 2) continue;
        cell(a, sizeof a, &k->interaction);
        cell(b, sizeof b, &k->averted);
        portfolio_study_label(study, world, k->mask, label, sizeof label);
        fprintf(stream, "%-32s %-32s %-12.4g %s%s\n", a, b, k->averted.mean - k->interaction.mean,
                label,
                k->interaction.ci_high < 0  ? "  sub-additive"
                : k->interaction.ci_low > 0 ? "  super-additive"
                                            : "");
    }
    int printed = 0;
    for (int i = 0; i < study->n_budgets; i++) {
        const struct portfolio_choice *c = &study->choices[i];
        if (c->best < 0 || study->packages[c->best].size < 3) continue;
        int seen = 0;
        for (int j = 0; j < i; j++) seen |= study->choices[j].best == c->best;
        if (seen) continue;
        if (!printed++)
            fprintf(stream, "\nInteractions of the best packages (effect minus the sum of its "
                            "measures alone)\n");
        cell(a, sizeof a, &study->packages[c->best].interaction);
        portfolio_study_label(study, world, c->mask, label, sizeof label);
        fprintf(stream, "%-32s %s\n", a, label);
    }
    static const char *const rules[PORTFOLIO_NET_RULES] = {"equal", "gdp", "population", "benefit",
                                                           "declared"};
    for (int i = 0; i < study->n_budgets; i++) {
        const struct portfolio_choice *c = &study->choices[i];
        int seen = c->best <= 0;
        for (int j = 0; j < i; j++) seen |= study->choices[j].best == c->best;
        if (seen) continue;
        portfolio_study_label(study, world, c->mask, label, sizeof label);
        fprintf(stream,
                "\nNet gain per state of %s (mean loss averted, its cost %.4g shared by "
                "each rule)\n",
                label, c->cost);
        fprintf(stream, "%-8s", "state");
        for (int r = 0; r < PORTFOLIO_NET_RULES; r++) fprintf(stream, " %11s", rules[r]);
        fputc('\n', stream);
        for (int s = 0; s <= study->n_states; s++) {
            fprintf(stream, "%-8s", s < study->n_states ? world->states[s].code : "region");
            for (int r = 0; r < PORTFOLIO_NET_RULES; r++) {
                double v = net_row(study, c->best, r)[s];
                if (isnan(v))
                    fprintf(stream, " %11s", "n/a");
                else
                    fprintf(stream, " %11.4g", v);
            }
            fputc('\n', stream);
        }
    }
}
