/* decode_measures.c — preventive measures: their override sets, checked at load on a copy. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoder.h"
#include "report.h"

void decode_measures(struct decoder *d, const struct tree *root) {
    struct world *w = d->w;
    struct scenario *s = d->s;
    struct tree *measures = tree_get(root, "measures", NULL);
    if (!measures || tree_is_null(measures)) return;
    if (!decode_is_map(d, measures, "measures", "a mapping from measure id to {cost, set}")) return;
    if (measures->count > MAX_MEASURES) {
        decode_fail(d, measures, "measures", "%d measures (expected at most %d)", measures->count,
                    MAX_MEASURES);
        return;
    }
    size_t total = 1;
    for (int i = 0; i < measures->count; i++) {
        struct tree *set = tree_get(measures->items[i], "set", NULL);
        if (set && set->kind == TREE_MAP) total += (size_t)set->count;
    }
    w->measures = calloc((size_t)measures->count + 1, sizeof *w->measures);
    s->measure_first = calloc((size_t)measures->count + 1, sizeof *s->measure_first);
    s->measure_count = calloc((size_t)measures->count + 1, sizeof *s->measure_count);
    s->measure_overrides = calloc(total, sizeof *s->measure_overrides);
    if (!w->measures || !s->measure_first || !s->measure_count || !s->measure_overrides) return;
    static const char *const keys[] = {"name",  "description", "cost",        "set",
                                       "start", "end",         "cost_sharing"};
    static const char *const rules[] = {"equal", "gdp", "population", "benefit"};
    for (int i = 0; i < measures->count; i++) {
        const struct tree *key = measures->keys[i], *node = measures->items[i];
        char path[512], where[512], inner[512];
        decode_join(path, sizeof path, "measures", key->text);
        if (decode_entity_created(d, key, path, "measure", measures)) continue;
        if (!decode_id_ok(key->text, 0, WORLD_NAME_MAX - 1)) {
            decode_fail(d, key, path,
                        "'%s' is not a measure id (expected lowercase letters, digits, _)",
                        key->text);
            continue;
        }
        if (!decode_is_map(d, node, path, "a measure mapping (name, cost, set)")) continue;
        decode_check_keys(d, node, path, keys, 7);
        int m = w->n_measures++;
        struct world_measure *measure = &w->measures[m];
        snprintf(measure->id, sizeof measure->id, "%s", key->text);
        snprintf(measure->name, sizeof measure->name, "%s", key->text);
        struct tree *value;
        if ((value = tree_get(node, "name", NULL)))
            decode_text(d, value, decode_join(where, sizeof where, path, "name"), measure->name,
                        sizeof measure->name);
        if ((value = tree_get(node, "description", NULL)) && value->kind != TREE_SCALAR)
            decode_fail(d, value, decode_join(where, sizeof where, path, "description"),
                        "got %s (expected text)", decode_kind_name(value));
        if ((value = decode_require(d, node, path, "cost", "harm units >= 0")))
            decode_nonnegative(d, value, decode_join(where, sizeof where, path, "cost"),
                               &measure->cost);
        /* time-phased measures (docs/model.md §14.4): the window [start, end) of ticks */
        measure->start = 0;
        measure->end = w->ticks;
        long long tick;
        if ((value = tree_get(node, "start", NULL)) &&
            decode_integer(d, value, decode_join(where, sizeof where, path, "start"), 0,
                           w->ticks > 0 ? w->ticks - 1 : 0, &tick) == 0)
            measure->start = (int)tick;
        if ((value = tree_get(node, "end", NULL)) &&
            decode_integer(d, value, decode_join(where, sizeof where, path, "end"),
                           measure->start + 1, w->ticks > 0 ? w->ticks : 1, &tick) == 0)
            measure->end = (int)tick;
        measure->cost_sharing = COST_SHARING_EQUAL;
        if ((value = tree_get(node, "cost_sharing", NULL))) {
            decode_join(where, sizeof where, path, "cost_sharing");
            int rule = decode_choice(d, value, where, rules, 4, "cost-sharing rule");
            if (rule >= 0) measure->cost_sharing = rule;
            for (int st = 0; rule >= 0 && st < w->n_states; st++) {
                double weight = rule == COST_SHARING_GDP          ? w->states[st].gdp
                                : rule == COST_SHARING_POPULATION ? w->states[st].population
                                                                  : 1.0;
                if (!(weight > 0)) {
                    decode_fail(d, value, where,
                                "'%s' needs states.%s.%s > 0 (expected equal or benefit, or a "
                                "%s for every state)",
                                rules[rule], w->states[st].code, rules[rule], rules[rule]);
                    break;
                }
            }
        }
        s->measure_first[m] = s->n_measure_overrides;
        struct tree *set =
            decode_require(d, node, path, "set", "a mapping from parameter path to value");
        decode_join(where, sizeof where, path, "set");
        if (!set || !decode_is_map(d, set, where, "a mapping from parameter path to value"))
            continue;
        if (set->count == 0)
            decode_fail(d, set, where, "no overrides (expected at least one PATH: VALUE)");
        char origin[WORLD_NAME_MAX + 16];
        snprintf(origin, sizeof origin, "measure %s", measure->id);
        for (int j = 0; j < set->count; j++) {
            const struct tree *path_key = set->keys[j];
            decode_join(inner, sizeof inner, where, path_key->text);
            if (strncmp(path_key->text, "measures", 8) == 0 &&
                (path_key->text[8] == '\0' || path_key->text[8] == '.')) {
                decode_fail(d, path_key, inner,
                            "a measure cannot change measures (expected a path to "
                            "a model parameter)");
                continue;
            }
            struct scenario_override *override = &s->measure_overrides[s->n_measure_overrides];
            override->path = strdup(path_key->text);
            override->value = tree_to_text(set->items[j]);
            override->origin = strdup(origin);
            s->n_measure_overrides++;
            s->measure_count[m]++;
            if (!override->path || !override->value || !override->origin)
                decode_fail(d, path_key, inner, "out of memory");
        }
    }
}

/* ---- the whole scenario --------------------------------------------------------------------- */

/* Apply each measure's overrides to a copy of the tree and decode it, so a measure naming a
 * missing state or a bad value is reported at load with its position in the file. */
void decode_check_measures(struct decoder *d, struct scenario *s) {
    const struct tree *measures = tree_get(s->tree, "measures", NULL);
    for (int m = 0; m < s->world->n_measures; m++) {
        struct tree *copy = tree_clone(s->tree);
        if (!copy) return;
        const struct tree *set =
            tree_get(tree_get(measures, s->world->measures[m].id, NULL), "set", NULL);
        int ok = 1;
        for (int j = 0; j < s->measure_count[m] && ok; j++) {
            const struct scenario_override *o = &s->measure_overrides[s->measure_first[m] + j];
            struct tree *key = NULL;
            tree_get(set, o->path, &key);
            char label[1024];
            /* The error names the measure: a path such as states.TJK.detect alone does not
             * say that it failed inside a measure's set block. */
            snprintf(label, sizeof label, "%s:%d:%d: measure %s", d->filename, key ? key->line : 1,
                     key ? key->column : 1, s->world->measures[m].id);
            if (override_apply(copy, d->filename, o->path, o->value, label, d->errors, NULL,
                               NULL) != 0) {
                d->failures++;
                ok = 0;
            }
        }
        if (ok) {
            struct scenario *variant =
                scenario_decode(d->filename, copy, s->source, s->source_length, 0, d->errors);
            copy = NULL;
            if (!variant) d->failures++;
            scenario_free(variant);
        }
        tree_free(copy);
    }
}
