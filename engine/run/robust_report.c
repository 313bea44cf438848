/* robust_report.c — robust ranking and PRIM boxes of a robust plan's results: tables and /robust.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "robust_report.h"

void robust_report_free(struct robust_report *report) {
    if (!report) return;
    free(report->cost);
    free(report->baseline_harm);
    robust_result_free(&report->result);
    for (int k = 0; k < report->n_discoveries; k++) {
        free(report->discoveries[k].value);
        free(report->discoveries[k].fails);
        prim_result_free(&report->discoveries[k].prim);
    }
    free(report->discoveries);
    memset(report, 0, sizeof *report);
}

int robust_report_compute(struct robust_report *report, const struct runner_results *results,
                          const struct world *base, const struct plan_design *design,
                          const struct robust_rule *rules, int n_rules,
                          const struct prim_options *prim_options, int bootstrap,
                          unsigned long long seed, char *err, size_t errlen) {
    memset(report, 0, sizeof *report);
    int n_measures = base->n_measures, n_points = design->n_points + 1;
    int replicates = results->replicates;
    size_t reps = (size_t)replicates;
    report->design = design;
    report->prim_options = *prim_options;
    report->cost = malloc((size_t)n_measures * sizeof *report->cost);
    report->baseline_harm = malloc((size_t)n_points * sizeof *report->baseline_harm);
    double *averted = malloc((size_t)n_points * (size_t)n_measures * reps * sizeof *averted);
    double *baseline = malloc(reps * sizeof *baseline), *sample = malloc(reps * sizeof *sample);
    if (!report->cost || !report->baseline_harm || !averted || !baseline || !sample) {
        free(averted), free(baseline), free(sample);
        robust_report_free(report);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int m = 0; m < n_measures; m++) report->cost[m] = base->measures[m].cost;
    for (int p = 0; p < n_points; p++) {
        runner_results_sample(results, robust_variant(n_measures, p, 0), METRIC_HARM, -1, baseline);
        double sum = 0;
        for (size_t r = 0; r < reps; r++) sum += baseline[r];
        report->baseline_harm[p] = sum / replicates;
        for (int m = 0; m < n_measures; m++) {
            runner_results_sample(results, robust_variant(n_measures, p, m + 1), METRIC_HARM, -1,
                                  sample);
            double *cell = averted + ((size_t)p * (size_t)n_measures + (size_t)m) * reps;
            for (size_t r = 0; r < reps; r++) cell[r] = baseline[r] - sample[r];
        }
    }
    free(baseline), free(sample);
    int status = robust_compute(averted, report->cost, n_points, n_measures, replicates, bootstrap,
                                seed, &report->result, err, errlen);
    free(averted);
    if (status != 0) {
        robust_report_free(report);
        return -1;
    }
    int n = design->n_points;
    report->discoveries = calloc((size_t)(n_rules > 0 ? n_rules : 1), sizeof *report->discoveries);
    if (!report->discoveries) status = -1;
    for (int k = 0; status == 0 && k < n_rules; k++) {
        struct robust_discovery *d = &report->discoveries[k];
        report->n_discoveries = k + 1;
        d->rule = rules[k];
        d->value = malloc((size_t)n * sizeof *d->value);
        d->fails = malloc((size_t)n * sizeof *d->fails);
        if (!d->value || !d->fails) {
            status = -1;
            break;
        }
        for (int i = 0; i < n; i++) {
            d->value[i] =
                robust_rule_value(&d->rule, &report->result, report->baseline_harm, i + 1);
            d->fails[i] = robust_rule_fails(&d->rule, d->value[i]);
            d->n_fails += d->fails[i];
        }
        if (prim_run(design->values, d->fails, n, design->n_parameters, prim_options, &d->prim, err,
                     errlen) != 0) {
            robust_report_free(report);
            return -1;
        }
    }
    if (status != 0) {
        robust_report_free(report);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static void interval_cell(char *buffer, size_t size, double value, double low, double high) {
    if (isnan(low))
        snprintf(buffer, size, "%.3g", value);
    else
        snprintf(buffer, size, "%.3g [%.3g, %.3g]", value, low, high);
}

/* Measures in order of P(best), then mean regret: the most robust first. */
static const struct robust_measure_figures *sort_figures;
static int compare_robust(const void *a, const void *b) {
    const struct robust_measure_figures *x = &sort_figures[*(const int *)a],
                                        *y = &sort_figures[*(const int *)b];
    if (x->p_best != y->p_best) return x->p_best > y->p_best ? -1 : 1;
    if (x->regret_mean != y->regret_mean) return x->regret_mean < y->regret_mean ? -1 : 1;
    return *(const int *)a - *(const int *)b;
}

void robust_report_print(FILE *stream, const struct robust_report *report) {
    const struct robust_result *r = &report->result;
    int n_measures = r->n_measures;
    int *order = malloc((size_t)n_measures * sizeof *order);
    if (!order) return;
    static const char *const titles[ROBUST_CRITERIA] = {"harm averted per unit cost",
                                                        "harm averted"};
    fprintf(stream,
            "Robust ranking over %d design points (point 0 = nominal values, not counted), %d "
            "replicates each, common random numbers; [95%% bootstrap interval over replicates, "
            "%d draws: replicate noise given the design]\n",
            r->n_points - 1, r->replicates, r->bootstrap);
    for (int c = 0; c < ROBUST_CRITERIA; c++) {
        const struct robust_measure_figures *f = r->figures[c];
        const struct robust_interval *in = &r->interval[c];
        fprintf(stream, "\nBy %s (regret in %s)\n", titles[c],
                c == ROBUST_PER_COST ? "harm averted per unit cost" : "harm units");
        fprintf(stream, "%-24s %-7s %-22s %-25s %-25s %-25s %s\n", "measure", "nominal", "P(best)",
                "regret mean", "regret q90", "regret max", "mean rank");
        for (int m = 0; m < n_measures; m++) order[m] = m;
        sort_figures = f;
        qsort(order, (size_t)n_measures, sizeof *order, compare_robust);
        for (int i = 0; i < n_measures; i++) {
            int m = order[i];
            char cells[5][64];
            interval_cell(cells[0], sizeof cells[0], f[m].p_best, in->low[m].p_best,
                          in->high[m].p_best);
            interval_cell(cells[1], sizeof cells[1], f[m].regret_mean, in->low[m].regret_mean,
                          in->high[m].regret_mean);
            interval_cell(cells[2], sizeof cells[2], f[m].regret_q90, in->low[m].regret_q90,
                          in->high[m].regret_q90);
            interval_cell(cells[3], sizeof cells[3], f[m].regret_max, in->low[m].regret_max,
                          in->high[m].regret_max);
            interval_cell(cells[4], sizeof cells[4], f[m].rank_mean, in->low[m].rank_mean,
                          in->high[m].rank_mean);
            fprintf(stream, "%-24s %-7g %-22s %-25s %-25s %-25s %s\n", report->measure_ids[m],
                    f[m].nominal_rank, cells[0], cells[1], cells[2], cells[3], cells[4]);
        }
        const struct robust_stability *s = &r->stability[c];
        char tau[64];
        interval_cell(tau, sizeof tau, s->tau_mean, in->stability_low.tau_mean,
                      in->stability_high.tau_mean);
        fprintf(stream,
                "Rank stability: Kendall tau against the nominal ranking, mean %s, median %.3g, "
                "min %.3g; the full ranking is the nominal one at %.0f%% of points, the nominal "
                "best is best at %.0f%%\n",
                tau, s->tau_median, s->tau_min, 100 * s->p_identical, 100 * s->p_same_best);
    }
    const struct plan_design *design = report->design;
    for (int k = 0; k < report->n_discoveries; k++) {
        const struct robust_discovery *d = &report->discoveries[k];
        const struct prim_result *p = &d->prim;
        fprintf(stream, "\nScenario discovery: '%s' fails at %d of %d design points\n",
                d->rule.text, d->n_fails, design->n_points);
        if (d->n_fails == 0) continue;
        fprintf(stream,
                "PRIM box (peeled %d steps, alpha %.3g, chosen step %d, then pasted): coverage "
                "%.3g, density %.3g, support %.3g (%d points, %d failing)\n",
                p->n_steps - 1, report->prim_options.alpha, p->chosen, p->box.coverage,
                p->box.density, p->box.support, p->box.inside, p->box.fails_inside);
        if (d->n_fails < ROBUST_FEW_FAILS)
            fprintf(stream,
                    "  (only %d failing point%s: read the box as an anecdote, not a "
                    "region; a larger --lhs says more)\n",
                    d->n_fails, d->n_fails == 1 ? "" : "s");
        int restricted = 0;
        for (int j = 0; j < p->n_dims; j++) {
            if (!p->restricted[j]) continue;
            restricted++;
            double width = p->range_high[j] - p->range_low[j];
            fprintf(stream,
                    "  %-40s in [%.4g, %.4g]   (design range [%.4g, %.4g]; keeps %.0f%% of it)\n",
                    design->names[j], p->box_low[j], p->box_high[j], p->range_low[j],
                    p->range_high[j],
                    width > 0 ? 100 * (p->box_high[j] - p->box_low[j]) / width : 100.0);
        }
        if (restricted == 0)
            fprintf(stream, "  (no parameter restricted: the failures are spread "
                            "over the whole design)\n");
    }
    free(order);
}

static int failed(struct h5out *out, char *err, size_t errlen) {
    snprintf(err, errlen, "%s", h5out_error(out));
    return -1;
}

static const char *const figure_names[] = {"p_best",        "regret_mean", "regret_q90",
                                           "regret_max",    "rank_mean",   "nominal_rank",
                                           "p_nominal_rank"};
static const char *const stability_names[] = {"tau_mean", "tau_median", "tau_min", "p_identical",
                                              "p_same_best"};
enum { FIGURES = 7, STABILITY = 5 };

static void figure_row(const struct robust_measure_figures *f, double *v) {
    double row[FIGURES] = {f->p_best,    f->regret_mean,  f->regret_q90,    f->regret_max,
                           f->rank_mean, f->nominal_rank, f->p_nominal_rank};
    memcpy(v, row, sizeof row);
}

static void stability_row(const struct robust_stability *s, double *v) {
    double row[STABILITY] = {s->tau_mean, s->tau_median, s->tau_min, s->p_identical,
                             s->p_same_best};
    memcpy(v, row, sizeof row);
}

static int write_criterion(struct h5out *out, const struct robust_report *report, int c, char *err,
                           size_t errlen) {
    const struct robust_result *r = &report->result;
    int n_measures = r->n_measures;
    const char *name = robust_criterion_names[c];
    char path[128];
    double *table = malloc((size_t)n_measures * FIGURES * 3 * sizeof *table);
    if (!table) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int m = 0; m < n_measures; m++) {
        double v[FIGURES], lo[FIGURES], hi[FIGURES];
        figure_row(&r->figures[c][m], v);
        figure_row(&r->interval[c].low[m], lo);
        figure_row(&r->interval[c].high[m], hi);
        for (int f = 0; f < FIGURES; f++) {
            double *cell = table + ((size_t)m * FIGURES + (size_t)f) * 3;
            cell[0] = v[f], cell[1] = lo[f], cell[2] = hi[f];
        }
    }
    double stability[STABILITY * 3], v[STABILITY], lo[STABILITY], hi[STABILITY];
    stability_row(&r->stability[c], v);
    stability_row(&r->interval[c].stability_low, lo);
    stability_row(&r->interval[c].stability_high, hi);
    for (int f = 0; f < STABILITY; f++)
        stability[f * 3] = v[f], stability[f * 3 + 1] = lo[f], stability[f * 3 + 2] = hi[f];
    size_t values_shape[2] = {(size_t)r->n_points, (size_t)n_measures};
    size_t table_shape[3] = {(size_t)n_measures, FIGURES, 3};
    size_t tau_shape[1] = {(size_t)r->n_points}, stability_shape[2] = {STABILITY, 3};
    const char *unit = c == ROBUST_PER_COST ? "1/cost" : "harm";
    int status = 0;
    snprintf(path, sizeof path, "/robust/%s/value", name);
    if (h5out_write_doubles(out, path, 2, values_shape, r->values[c], unit,
                            c == ROBUST_PER_COST
                                ? "regional harm averted per unit cost of each measure at each "
                                  "point (point 0 nominal), mean over replicates"
                                : "regional harm averted per run by each measure at each point "
                                  "(point 0 nominal): baseline minus measure, paired, mean over "
                                  "replicates",
                            "point,measure") != 0)
        status = -1;
    snprintf(path, sizeof path, "/robust/%s/figures", name);
    if (status == 0 &&
        h5out_write_doubles(out, path, 3, table_shape, table, "-",
                            "per measure, each robust figure (named in /robust/figure) over the "
                            "design points 1..: estimate, 95% bootstrap low, high",
                            "measure,figure,bound") != 0)
        status = -1;
    snprintf(path, sizeof path, "/robust/%s/tau", name);
    if (status == 0 &&
        h5out_write_doubles(out, path, 1, tau_shape, r->tau[c], "-",
                            "Kendall tau-b of each point's ranking against the nominal ranking "
                            "(point 0: 1; NaN when every measure ties)",
                            "point") != 0)
        status = -1;
    snprintf(path, sizeof path, "/robust/%s/stability", name);
    if (status == 0 &&
        h5out_write_doubles(out, path, 2, stability_shape, stability, "-",
                            "rank stability over points 1.. (rows named in "
                            "/robust/stability_statistic): estimate, 95% bootstrap low, high",
                            "statistic,bound") != 0)
        status = -1;
    free(table);
    return status == 0 ? 0 : failed(out, err, errlen);
}

static int write_discovery(struct h5out *out, const struct robust_report *report, int k, char *err,
                           size_t errlen) {
    const struct robust_discovery *d = &report->discoveries[k];
    const struct prim_result *p = &d->prim;
    int n = report->design->n_points, dims = p->n_dims;
    char path[128], group[64];
    snprintf(group, sizeof group, "/robust/prim/%d", k);
    double *fails = malloc((size_t)n * sizeof *fails);
    double *trajectory = malloc((size_t)p->n_steps * 5 * sizeof *trajectory);
    double *box = malloc((size_t)dims * 2 * sizeof *box);
    double *restricted = malloc((size_t)dims * sizeof *restricted);
    int status = fails && trajectory && box && restricted ? 0 : -1;
    if (status != 0) snprintf(err, errlen, "out of memory");
    for (int i = 0; status == 0 && i < n; i++) fails[i] = d->fails[i];
    for (int s = 0; status == 0 && s < p->n_steps; s++) {
        const struct prim_box_figures *f = &p->steps[s];
        double row[5] = {f->coverage, f->density, f->support, f->inside, f->fails_inside};
        memcpy(trajectory + (size_t)s * 5, row, sizeof row);
    }
    for (int j = 0; status == 0 && j < dims; j++) {
        box[j * 2] = p->box_low[j], box[j * 2 + 1] = p->box_high[j];
        restricted[j] = p->restricted[j];
    }
    double figures[5] = {p->box.coverage, p->box.density, p->box.support, p->box.inside,
                         p->box.fails_inside};
    size_t n_shape[1] = {(size_t)n}, t_shape[2] = {(size_t)p->n_steps, 5};
    size_t b_shape[2] = {(size_t)p->n_steps, (size_t)dims}, box_shape[2] = {(size_t)dims, 2};
    size_t d_shape[1] = {(size_t)dims}, f_shape[1] = {5};
#define WRITE(NAME, RANK, SHAPE, DATA, UNIT, WHAT, DIMS)                                           \
    do {                                                                                           \
        snprintf(path, sizeof path, "%s/%s", group, NAME);                                         \
        if (status == 0 && h5out_write_doubles(out, path, RANK, SHAPE, DATA, UNIT, WHAT, DIMS))    \
            status = failed(out, err, errlen);                                                     \
    } while (0)
    WRITE("value", 1, n_shape, d->value, "-", "the rule's metric at each design point", "point");
    WRITE("fails", 1, n_shape, fails, "-", "1 where the design point fails the rule", "point");
    WRITE("trajectory", 2, t_shape, trajectory, "-",
          "peeling trajectory: coverage, density, support, points inside, failing points inside "
          "(step 0: the design's range)",
          "step,statistic");
    WRITE("trajectory_low", 2, b_shape, p->step_low, "-", "lower edge of each step's box",
          "step,parameter");
    WRITE("trajectory_high", 2, b_shape, p->step_high, "-", "upper edge of each step's box",
          "step,parameter");
    WRITE("box", 2, box_shape, box, "-",
          "the chosen box after pasting: lower and upper edge per parameter", "parameter,bound");
    WRITE("box_figures", 1, f_shape, figures, "-",
          "the chosen box's coverage, density, support, points inside, failing points inside",
          "statistic");
    WRITE("restricted", 1, d_shape, restricted, "-",
          "1 where the box is narrower than the design's range", "parameter");
#undef WRITE
    if (status == 0 && (h5out_set_attr_string(out, group, "rule", d->rule.text) != 0 ||
                        h5out_set_attr_int(out, group, "chosen_step", p->chosen) != 0 ||
                        h5out_set_attr_int(out, group, "fails", d->n_fails) != 0))
        status = failed(out, err, errlen);
    free(fails), free(trajectory), free(box), free(restricted);
    return status;
}

int robust_report_write(struct h5out *out, const struct robust_report *report, char *err,
                        size_t errlen) {
    const struct robust_result *r = &report->result;
    const struct plan_design *design = report->design;
    size_t m_shape[1] = {(size_t)r->n_measures}, p_shape[1] = {(size_t)r->n_points};
    size_t d_shape[2] = {(size_t)design->n_points, (size_t)design->n_parameters};
    if (h5out_write_strings(out, "/robust/measure", r->n_measures, report->measure_ids,
                            "measure ids: the measure axis of /robust") != 0 ||
        h5out_write_doubles(out, "/robust/cost", 1, m_shape, report->cost, "harm",
                            "cost of each measure (the base scenario's)", "measure") != 0 ||
        h5out_write_doubles(out, "/robust/baseline_harm", 1, p_shape, report->baseline_harm, "harm",
                            "mean regional harm per run of the baseline at each point "
                            "(point 0 nominal)",
                            "point") != 0 ||
        h5out_write_doubles(out, "/robust/design", 2, d_shape, design->values, "-",
                            "Latin hypercube design: row i is point i + 1 (point 0 is the "
                            "scenario's own values), columns named in /robust/design_parameter",
                            "point,parameter") != 0 ||
        h5out_write_strings(out, "/robust/design_parameter", design->n_parameters,
                            (const char *const *)design->names,
                            "parameter paths, the columns of /robust/design") != 0 ||
        h5out_write_strings(out, "/robust/figure", FIGURES, figure_names,
                            "figure axis of /robust/<criterion>/figures") != 0 ||
        h5out_write_strings(out, "/robust/stability_statistic", STABILITY, stability_names,
                            "row names of /robust/<criterion>/stability") != 0 ||
        h5out_write_strings(out, "/robust/criterion", ROBUST_CRITERIA, robust_criterion_names,
                            "the criteria a ranking is made by (groups of /robust)") != 0)
        return failed(out, err, errlen);
    if (h5out_set_attr_int(out, "/robust", "points", r->n_points) != 0 ||
        h5out_set_attr_int(out, "/robust", "replicates", r->replicates) != 0 ||
        h5out_set_attr_int(out, "/robust", "bootstrap", r->bootstrap) != 0 ||
        h5out_set_attr_string(out, "/robust", "layout",
                              "variant = point * (measures + 1) + slot; slot 0 the baseline, "
                              "slot m + 1 measure m; point 0 nominal, point p design row p - 1") !=
            0)
        return failed(out, err, errlen);
    for (int c = 0; c < ROBUST_CRITERIA; c++)
        if (write_criterion(out, report, c, err, errlen) != 0) return -1;
    for (int k = 0; k < report->n_discoveries; k++)
        if (write_discovery(out, report, k, err, errlen) != 0) return -1;
    if (report->n_discoveries > 0) {
        size_t shape[1] = {4};
        struct prim_options o = report->prim_options;
        double options[4] = {o.alpha, o.paste_alpha, o.min_support, o.min_coverage};
        if (h5out_write_doubles(out, "/robust/prim/options", 1, shape, options, "-",
                                "PRIM's alpha, paste alpha, minimum support, minimum coverage",
                                "option") != 0 ||
            h5out_set_attr_int(out, "/robust/prim", "count", report->n_discoveries) != 0)
            return failed(out, err, errlen);
    }
    return 0;
}
