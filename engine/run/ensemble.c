/* ensemble.c — summaries, paired comparisons, risk catalog and measure ranking of a plan. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ensemble.h"

/* Comparison rows stored in /comparison/<k>/<metric>. */
static const char *const comparison_fields[] = {"mean", "ci_low",       "ci_high",
                                                "sd",   "unpaired_low", "unpaired_high"};
enum { COMPARISON_FIELDS = 6 };

static int write_failed(struct h5out *out, char *err, size_t errlen) {
    snprintf(err, errlen, "%s", h5out_error(out));
    return -1;
}

static const char **state_axis(const struct world *world) {
    const char **names = malloc((size_t)(world->n_states + 1) * sizeof *names);
    if (!names) return NULL;
    for (int s = 0; s < world->n_states; s++) names[s] = world->states[s].code;
    names[world->n_states] = "region";
    return names;
}

int ensemble_write_summaries(struct h5out *out, const struct plan *plan,
                             const struct runner_results *results, const struct world *world,
                             char *err, size_t errlen) {
    int columns = results->n_states + 1;
    size_t replicates = (size_t)results->replicates;
    double *sample = malloc(replicates * sizeof *sample);
    double *reference = malloc(replicates * sizeof *reference);
    double *table = malloc((size_t)STATS_FIELD_COUNT * (size_t)columns * sizeof *table);
    const char **states = state_axis(world);
    char path[256];
    int status = 0;
    if (!sample || !reference || !table || !states) {
        snprintf(err, errlen, "out of memory");
        status = -1;
    }
    for (int v = 0; status == 0 && v < plan->n_variants; v++) {
        snprintf(path, sizeof path, "/variants/%d/summary/statistic", v);
        if (h5out_write_strings(out, path, STATS_FIELD_COUNT, stats_field_names,
                                "row names of every summary dataset in this group") != 0)
            status = write_failed(out, err, errlen);
        snprintf(path, sizeof path, "/variants/%d/summary/state", v);
        if (status == 0 && h5out_write_strings(out, path, columns, states,
                                               "column names: state codes, then the region "
                                               "total") != 0)
            status = write_failed(out, err, errlen);
        for (int m = 0; status == 0 && m < METRIC_COUNT; m++) {
            for (int c = 0; c < columns; c++) {
                struct stats_summary summary;
                runner_results_sample(results, v, m, c < results->n_states ? c : -1, sample);
                if (stats_summarise(sample, 1, replicates, &summary) != 0) status = -1;
                for (int f = 0; f < STATS_FIELD_COUNT; f++)
                    table[(size_t)f * (size_t)columns + (size_t)c] = summary.value[f];
            }
            size_t shape[2] = {STATS_FIELD_COUNT, (size_t)columns};
            char description[256];
            snprintf(description, sizeof description,
                     "%s over replicates: mean, sd, 95%% t-interval of the mean, quantiles "
                     "0.05/0.5/0.95; last column is the region total",
                     metric_table[m].name);
            snprintf(path, sizeof path, "/variants/%d/summary/%s", v, metric_table[m].name);
            if (status == 0 && h5out_write_doubles(out, path, 2, shape, table, metric_table[m].unit,
                                                   description, "statistic,state") != 0)
                status = write_failed(out, err, errlen);
        }
    }
    if (status == 0 && plan->n_variants > 1) {
        if (h5out_write_strings(out, "/comparison/statistic", COMPARISON_FIELDS, comparison_fields,
                                "row names of every comparison dataset: paired mean difference "
                                "(variant minus reference), its 95% t-interval and sd, and the "
                                "unpaired (Welch) interval for contrast") != 0 ||
            h5out_write_strings(out, "/comparison/state", columns, states,
                                "column names: state codes, then the region total") != 0 ||
            h5out_set_attr_int(out, "/comparison", "reference", plan->reference) != 0 ||
            h5out_set_attr_string(out, "/comparison", "reference_label",
                                  plan->variants[plan->reference].label) != 0)
            status = write_failed(out, err, errlen);
        for (int v = 0; status == 0 && v < plan->n_variants; v++) {
            for (int m = 0; status == 0 && m < METRIC_COUNT; m++) {
                for (int c = 0; c < columns; c++) {
                    int state = c < results->n_states ? c : -1;
                    struct stats_difference d;
                    runner_results_sample(results, v, m, state, sample);
                    runner_results_sample(results, plan->reference, m, state, reference);
                    stats_paired_difference(sample, reference, 1, replicates, &d);
                    double row[COMPARISON_FIELDS] = {d.mean, d.ci_low,       d.ci_high,
                                                     d.sd,   d.unpaired_low, d.unpaired_high};
                    for (int f = 0; f < COMPARISON_FIELDS; f++)
                        table[(size_t)f * (size_t)columns + (size_t)c] = row[f];
                }
                size_t shape[2] = {COMPARISON_FIELDS, (size_t)columns};
                char description[256];
                snprintf(description, sizeof description,
                         "%s of this variant minus the reference variant, paired by replicate "
                         "(common random numbers); last column is the region total",
                         metric_table[m].name);
                snprintf(path, sizeof path, "/comparison/%d/%s", v, metric_table[m].name);
                if (h5out_write_doubles(out, path, 2, shape, table, metric_table[m].unit,
                                        description, "statistic,state") != 0)
                    status = write_failed(out, err, errlen);
            }
            snprintf(path, sizeof path, "/comparison/%d", v);
            if (status == 0 &&
                h5out_set_attr_string(out, path, "label", plan->variants[v].label) != 0)
                status = write_failed(out, err, errlen);
        }
    }
    free(sample);
    free(reference);
    free(table);
    free(states);
    return status;
}

static void format_interval(char *buffer, size_t size, double mean, double low, double high) {
    if (isnan(low))
        snprintf(buffer, size, "%.4g", mean);
    else
        snprintf(buffer, size, "%.4g [%.4g, %.4g]", mean, low, high);
}

static void summarise_column(const struct runner_results *results, int variant, int metric,
                             int state, double *sample, struct stats_summary *summary) {
    runner_results_sample(results, variant, metric, state, sample);
    if (stats_summarise(sample, 1, (size_t)results->replicates, summary) != 0)
        for (int f = 0; f < STATS_FIELD_COUNT; f++) summary->value[f] = NAN;
}

void ensemble_print_run(FILE *stream, const struct runner_results *results,
                        const struct world *world, int variant) {
    double *sample = malloc((size_t)results->replicates * sizeof *sample);
    if (!sample) return;
    static const int metrics[] = {METRIC_HARM, METRIC_LOSS, METRIC_DETECTIONS};
    fprintf(stream, "%d replicates; total per run: mean [95%% confidence interval]\n",
            results->replicates);
    fprintf(stream, "%-8s %-30s %-30s %s\n", "state", "harm", "loss", "detections");
    for (int c = 0; c <= results->n_states; c++) {
        int state = c < results->n_states ? c : -1;
        fprintf(stream, "%-8s", state >= 0 ? world->states[state].code : "region");
        for (int i = 0; i < 3; i++) {
            struct stats_summary summary;
            char cell[96];
            summarise_column(results, variant, metrics[i], state, sample, &summary);
            format_interval(cell, sizeof cell, summary.value[STATS_MEAN],
                            summary.value[STATS_CI_LOW], summary.value[STATS_CI_HIGH]);
            fprintf(stream, i < 2 ? " %-30s" : " %s", cell);
        }
        fputc('\n', stream);
    }
    free(sample);
}

void ensemble_print_sweep(FILE *stream, const struct plan *plan,
                          const struct runner_results *results) {
    size_t replicates = (size_t)results->replicates;
    double *sample = malloc(replicates * sizeof *sample);
    double *reference = malloc(replicates * sizeof *reference);
    if (!sample || !reference) {
        free(sample), free(reference);
        return;
    }
    fprintf(stream,
            "%d variants x %d replicates; regional totals, mean [95%% CI]; difference = variant "
            "minus reference '%s', paired by replicate (unpaired interval for contrast)\n",
            plan->n_variants, results->replicates, plan->variants[plan->reference].label);
    fprintf(stream, "%-28s %-30s %-30s %-30s %s\n", "variant", "harm", "loss", "harm difference",
            "unpaired");
    for (int v = 0; v < plan->n_variants; v++) {
        char cells[4][96];
        for (int i = 0; i < 2; i++) {
            struct stats_summary summary;
            summarise_column(results, v, i == 0 ? METRIC_HARM : METRIC_LOSS, -1, sample, &summary);
            format_interval(cells[i], sizeof cells[i], summary.value[STATS_MEAN],
                            summary.value[STATS_CI_LOW], summary.value[STATS_CI_HIGH]);
        }
        struct stats_difference d;
        runner_results_sample(results, v, METRIC_HARM, -1, sample);
        runner_results_sample(results, plan->reference, METRIC_HARM, -1, reference);
        stats_paired_difference(sample, reference, 1, replicates, &d);
        if (v == plan->reference) {
            snprintf(cells[2], sizeof cells[2], "(reference)");
            cells[3][0] = '\0';
        } else {
            format_interval(cells[2], sizeof cells[2], d.mean, d.ci_low, d.ci_high);
            snprintf(cells[3], sizeof cells[3], "[%.4g, %.4g]", d.unpaired_low, d.unpaired_high);
        }
        if (v == plan->reference)
            fprintf(stream, "%-28s %-30s %-30s %s\n", plan->variants[v].label, cells[0], cells[1],
                    cells[2]);
        else
            fprintf(stream, "%-28s %-30s %-30s %-30s %s\n", plan->variants[v].label, cells[0],
                    cells[1], cells[2], cells[3]);
    }
    free(sample);
    free(reference);
}

static int compare_risks(const void *a, const void *b) {
    const struct ensemble_risk *x = a, *y = b;
    double mx = x->harm.value[STATS_MEAN], my = y->harm.value[STATS_MEAN];
    if (mx != my) return mx > my ? -1 : 1;
    return x->type - y->type; /* ties keep scenario order */
}

int ensemble_risk_catalog(const struct runner_results *results, int variant,
                          struct ensemble_risk *risks) {
    size_t replicates = (size_t)results->replicates, types = (size_t)results->n_types;
    const double *base = results->type_harm + (size_t)variant * replicates * types;
    double total = 0.0;
    for (int k = 0; k < results->n_types; k++) {
        risks[k].type = k;
        if (stats_summarise(base + k, types, replicates, &risks[k].harm) != 0) return -1;
        total += risks[k].harm.value[STATS_MEAN];
    }
    for (int k = 0; k < results->n_types; k++)
        risks[k].share = total > 0 ? risks[k].harm.value[STATS_MEAN] / total : 0.0;
    qsort(risks, types, sizeof *risks, compare_risks);
    return 0;
}

int ensemble_write_risk_catalog(struct h5out *out, const struct ensemble_risk *risks,
                                const struct world *world, char *err, size_t errlen) {
    int n = world->n_types;
    const char **names = malloc((size_t)(n > 0 ? n : 1) * sizeof *names);
    double *table = malloc((size_t)(n > 0 ? n : 1) * 6 * sizeof *table);
    static const char *const columns[] = {"mean", "ci_low", "ci_high", "q05", "q95", "share"};
    int status = 0;
    if (!names || !table) {
        snprintf(err, errlen, "out of memory");
        status = -1;
    }
    for (int i = 0; status == 0 && i < n; i++) {
        const double *v = risks[i].harm.value;
        names[i] = world->types[risks[i].type].id;
        double row[6] = {v[STATS_MEAN], v[STATS_CI_LOW], v[STATS_CI_HIGH],
                         v[STATS_Q05],  v[STATS_Q95],    risks[i].share};
        memcpy(table + (size_t)i * 6, row, sizeof row);
    }
    size_t shape[2] = {(size_t)n, 6};
    if (status == 0 &&
        (h5out_write_strings(out, "/risk_catalog/threat_type", n, names,
                             "threat type ids, ranked by expected regional harm (highest first)") !=
             0 ||
         h5out_write_strings(out, "/risk_catalog/statistic", 6, columns,
                             "column names of /risk_catalog/harm") != 0 ||
         h5out_write_doubles(out, "/risk_catalog/harm", 2, shape, table, "harm",
                             "regional harm per replicate from each threat type in the baseline: "
                             "mean, 95% t-interval, quantiles 0.05/0.95, share of all harm",
                             "threat_type,statistic") != 0))
        status = write_failed(out, err, errlen);
    free(names);
    free(table);
    return status;
}

void ensemble_print_risk_catalog(FILE *stream, const struct ensemble_risk *risks,
                                 const struct world *world) {
    fprintf(stream, "Risk catalog (baseline): threat types by expected regional harm per run\n");
    fprintf(stream, "%-4s %-24s %-30s %s\n", "rank", "threat type", "harm", "share");
    for (int i = 0; i < world->n_types; i++) {
        char cell[96];
        const double *v = risks[i].harm.value;
        format_interval(cell, sizeof cell, v[STATS_MEAN], v[STATS_CI_LOW], v[STATS_CI_HIGH]);
        fprintf(stream, "%-4d %-24s %-30s %5.1f%%\n", i + 1, world->types[risks[i].type].id, cell,
                100.0 * risks[i].share);
    }
}

static int compare_measures(const void *a, const void *b) {
    const struct ensemble_measure *x = a, *y = b;
    if (x->per_cost != y->per_cost) return x->per_cost > y->per_cost ? -1 : 1;
    return x->measure - y->measure;
}

static double per_cost(double averted, double cost) {
    if (cost > 0) return averted / cost;
    if (averted == 0 || isnan(averted)) return 0.0;
    return averted > 0 ? INFINITY : -INFINITY;
}

void ensemble_measures(const struct plan *plan, const struct runner_results *results,
                       const struct world *base, struct ensemble_measure *rows) {
    size_t replicates = (size_t)results->replicates;
    double *sample = malloc(replicates * sizeof *sample);
    double *baseline = malloc(replicates * sizeof *baseline);
    int count = 0;
    for (int v = 1; v < plan->n_variants && sample && baseline; v++) {
        struct ensemble_measure *row = &rows[count++];
        row->variant = v;
        row->measure = plan->variants[v].measure;
        row->cost = row->measure >= 0 ? base->measures[row->measure].cost : 0.0;
        /* Averted = baseline minus measure, so the reference is the measure's own sample. */
        runner_results_sample(results, v, METRIC_HARM, -1, sample);
        runner_results_sample(results, 0, METRIC_HARM, -1, baseline);
        stats_paired_difference(baseline, sample, 1, replicates, &row->averted);
        runner_results_sample(results, v, METRIC_LOSS, -1, sample);
        runner_results_sample(results, 0, METRIC_LOSS, -1, baseline);
        stats_paired_difference(baseline, sample, 1, replicates, &row->loss_averted);
        row->per_cost = per_cost(row->averted.mean, row->cost);
        row->per_cost_low = per_cost(row->averted.ci_low, row->cost);
        row->per_cost_high = per_cost(row->averted.ci_high, row->cost);
    }
    qsort(rows, (size_t)count, sizeof *rows, compare_measures);
    free(sample);
    free(baseline);
}

int ensemble_write_measures(struct h5out *out, const struct ensemble_measure *rows, int count,
                            const struct world *base, char *err, size_t errlen) {
    static const char *const columns[] = {"cost",
                                          "harm_averted",
                                          "harm_averted_ci_low",
                                          "harm_averted_ci_high",
                                          "per_cost",
                                          "per_cost_low",
                                          "per_cost_high",
                                          "loss_averted",
                                          "loss_averted_ci_low",
                                          "loss_averted_ci_high",
                                          "variant"};
    enum { COLUMNS = 11 };
    const char **names = malloc((size_t)(count > 0 ? count : 1) * sizeof *names);
    double *table = malloc((size_t)(count > 0 ? count : 1) * COLUMNS * sizeof *table);
    int status = 0;
    if (!names || !table) {
        snprintf(err, errlen, "out of memory");
        status = -1;
    }
    for (int i = 0; status == 0 && i < count; i++) {
        const struct ensemble_measure *r = &rows[i];
        names[i] = r->measure >= 0 ? base->measures[r->measure].id : "?";
        double row[COLUMNS] = {r->cost,
                               r->averted.mean,
                               r->averted.ci_low,
                               r->averted.ci_high,
                               r->per_cost,
                               r->per_cost_low,
                               r->per_cost_high,
                               r->loss_averted.mean,
                               r->loss_averted.ci_low,
                               r->loss_averted.ci_high,
                               (double)r->variant};
        memcpy(table + (size_t)i * COLUMNS, row, sizeof row);
    }
    size_t shape[2] = {(size_t)count, COLUMNS};
    if (status == 0 && count > 0 &&
        (h5out_write_strings(out, "/measures/measure", count, names,
                             "measure ids, ranked by regional harm averted per unit cost") != 0 ||
         h5out_write_strings(out, "/measures/statistic", COLUMNS, columns,
                             "column names of /measures/table") != 0 ||
         h5out_write_doubles(out, "/measures/table", 2, shape, table, "harm",
                             "each measure alone against the baseline (variant 0), paired by "
                             "replicate: cost, regional harm averted per run with 95% interval, "
                             "averted per unit cost (1/harm units; inf when free), loss averted, "
                             "and the measure's variant index",
                             "measure,statistic") != 0))
        status = write_failed(out, err, errlen);
    free(names);
    free(table);
    return status;
}

void ensemble_print_measures(FILE *stream, const struct ensemble_measure *rows, int count,
                             const struct world *base) {
    fprintf(stream, "Measures ranked by regional harm averted per unit cost (paired against the "
                    "baseline, 95%% CI)\n");
    fprintf(stream, "%-4s %-24s %-10s %-32s %s\n", "rank", "measure", "cost", "harm averted",
            "per unit cost");
    for (int i = 0; i < count; i++) {
        char cell[96], ratio[96];
        const struct ensemble_measure *r = &rows[i];
        format_interval(cell, sizeof cell, r->averted.mean, r->averted.ci_low, r->averted.ci_high);
        format_interval(ratio, sizeof ratio, r->per_cost, r->per_cost_low, r->per_cost_high);
        fprintf(stream, "%-4d %-24s %-10.4g %-32s %s\n", i + 1,
                r->measure >= 0 ? base->measures[r->measure].id : "?", r->cost, cell, ratio);
    }
    if (count == 0) fprintf(stream, "(the scenario declares no measures)\n");
}
