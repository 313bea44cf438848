/* robust_rule.c — failure thresholds of scenario discovery ("MEASURE:METRIC<T"), evaluated per
 * design point on the robust figures' point estimates. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "robust.h"

const char *const robust_metric_names[ROBUST_METRICS] = {
    "averted", "per_cost", "harm", "rank", "rank_averted", "regret", "regret_averted"};

int robust_rule_parse(const char *text, const char *const *measure_ids, int n_measures,
                      struct robust_rule *rule, char *err, size_t errlen) {
    memset(rule, 0, sizeof *rule);
    size_t length = strlen(text);
    if (length >= sizeof rule->text) {
        snprintf(err, errlen, "'%.40s...': longer than %zu characters", text,
                 sizeof rule->text - 1);
        return -1;
    }
    memcpy(rule->text, text, length + 1);
    const char *colon = strchr(text, ':');
    const char *op = colon ? strpbrk(colon + 1, "<>") : NULL;
    if (!colon || !op) {
        snprintf(err, errlen,
                 "'%s': expected MEASURE:METRIC<T or MEASURE:METRIC>T, e.g. "
                 "fusion_centre:averted<0",
                 text);
        return -1;
    }
    size_t id_length = (size_t)(colon - text), metric_length = (size_t)(op - colon - 1);
    rule->measure = -2;
    if (id_length == 8 && strncmp(text, "baseline", 8) == 0) rule->measure = -1;
    for (int m = 0; m < n_measures && rule->measure == -2; m++)
        if (strlen(measure_ids[m]) == id_length && strncmp(text, measure_ids[m], id_length) == 0)
            rule->measure = m;
    if (rule->measure == -2) {
        int shown = 0;
        size_t used = 0;
        char list[512] = "";
        for (int m = 0; m < n_measures && used + 1 < sizeof list; m++, shown++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", m ? ", " : "",
                                     measure_ids[m]);
        snprintf(err, errlen,
                 "'%s': '%.*s' is not a measure of the scenario (measures: %s; or "
                 "baseline)",
                 text, (int)id_length, text, shown ? list : "none");
        return -1;
    }
    rule->metric = -1;
    for (int k = 0; k < ROBUST_METRICS; k++)
        if (strlen(robust_metric_names[k]) == metric_length &&
            strncmp(colon + 1, robust_metric_names[k], metric_length) == 0)
            rule->metric = k;
    if (rule->metric < 0) {
        snprintf(err, errlen,
                 "'%s': '%.*s' is not a metric (averted, per_cost, harm, rank, "
                 "rank_averted, regret, regret_averted)",
                 text, (int)metric_length, colon + 1);
        return -1;
    }
    if (rule->measure == -1 && rule->metric != ROBUST_METRIC_HARM) {
        snprintf(err, errlen, "'%s': the baseline has only the metric harm", text);
        return -1;
    }
    rule->greater = *op == '>';
    char *end;
    errno = 0;
    rule->threshold = strtod(op + 1, &end);
    if (end == op + 1 || *end != '\0' || errno != 0 || !isfinite(rule->threshold)) {
        snprintf(err, errlen, "'%s': '%s' is not a finite number", text, op + 1);
        return -1;
    }
    return 0;
}

double robust_rule_value(const struct robust_rule *rule, const struct robust_result *result,
                         const double *baseline_harm, int point) {
    int n = result->n_measures, m = rule->measure;
    if (m < 0) return baseline_harm[point];
    int by_averted =
        rule->metric == ROBUST_METRIC_AVERTED || rule->metric == ROBUST_METRIC_RANK_AVERTED ||
        rule->metric == ROBUST_METRIC_REGRET_AVERTED || rule->metric == ROBUST_METRIC_HARM;
    const double *row =
        result->values[by_averted ? ROBUST_AVERTED : ROBUST_PER_COST] + (size_t)point * (size_t)n;
    switch (rule->metric) {
        case ROBUST_METRIC_AVERTED:
        case ROBUST_METRIC_PER_COST:
            return row[m];
        case ROBUST_METRIC_HARM:
            return baseline_harm[point] - row[m];
        case ROBUST_METRIC_RANK:
        case ROBUST_METRIC_RANK_AVERTED: {
            int above = 0, equal = 0;
            for (int k = 0; k < n; k++) above += row[k] > row[m], equal += row[k] == row[m];
            return above + (equal + 1) / 2.0;
        }
        default: {
            double best = row[0];
            for (int k = 1; k < n; k++)
                if (row[k] > best) best = row[k];
            return best == row[m] ? 0.0 : best - row[m];
        }
    }
}

int robust_rule_fails(const struct robust_rule *rule, double value) {
    return rule->greater ? value > rule->threshold : value < rule->threshold;
}
