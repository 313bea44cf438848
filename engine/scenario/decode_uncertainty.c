/* decode_uncertainty.c — the `uncertainty:` block (in a scenario or a design file of its own):
 * one factor per path or wildcard group, its distribution, and whether it sets, scales or
 * shifts the value; every factor's extremes are applied to the scenario and validated at load,
 * so a design can only reach valid scenarios (docs/scenario-format.md, "Uncertainty"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoder.h"
#include "report.h"

static const char *const DISTRIBUTIONS[] = {"uniform",    "integer", "loguniform",
                                            "triangular", "normal",  "choice"};
static const char *const APPLY[] = {"set", "scale", "shift"};
enum { APPLY_SET, APPLY_SCALE, APPLY_SHIFT };

void scenario_factors_free(struct scenario_factor *factors, int count) {
    for (int i = 0; factors && i < count; i++) {
        free(factors[i].path);
        for (int c = 0; factors[i].choices && c < factors[i].n_choices; c++)
            free(factors[i].choices[c]);
        free(factors[i].choices);
        free(factors[i].weights);
    }
    free(factors);
}

int scenario_uncertainty(const struct scenario *s, const struct scenario_factor **factors) {
    *factors = s->factors;
    return s->n_factors;
}

/* A path of names and `*` segments: what an override may name. */
static int path_ok(const char *path) {
    if (!*path || strlen(path) > 900) return 0;
    for (const char *s = path; *s;) {
        size_t n = strcspn(s, ".");
        if (n == 0) return 0;
        if (!(n == 1 && *s == '*'))
            for (size_t i = 0; i < n; i++) {
                char c = s[i];
                if (!(c == '_' || c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                      (c >= 'A' && c <= 'Z')))
                    return 0;
            }
        s += n;
        if (*s == '.') {
            s++;
            if (!*s) return 0;
        }
    }
    return 1;
}

static int number(struct decoder *d, const struct tree *entry, const char *path, const char *key,
                  double *out) {
    char where[1024];
    decode_join(where, sizeof where, path, key);
    const struct tree *node = decode_require(d, entry, path, key, "a number");
    return node ? decode_real(d, node, where, -HUGE_VAL, HUGE_VAL, 0, "a number", out) : -1;
}

/* values: [a, b, ...] and weights: [w, ...] of a choice. */
static int decode_values(struct decoder *d, const struct tree *entry, const char *path,
                         struct scenario_factor *f) {
    char where[1024];
    decode_join(where, sizeof where, path, "values");
    const struct tree *values = decode_require(d, entry, path, "values", "a list of values");
    if (!values) return -1;
    if (values->kind != TREE_SEQ || values->count < 1 || values->count > 1000) {
        decode_fail(d, values, where,
                    "got %s (expected a list of 1 to 1000 values, numbers or names)",
                    decode_kind_name(values));
        return -1;
    }
    f->choices = calloc((size_t)values->count, sizeof *f->choices);
    if (!f->choices) {
        decode_fail(d, values, where, "out of memory");
        return -1;
    }
    f->n_choices = values->count;
    int failed = 0;
    for (int i = 0; i < values->count; i++) {
        const struct tree *item = values->items[i];
        char at[1100];
        snprintf(at, sizeof at, "%s[%d]", where, i);
        if (item->kind != TREE_SCALAR || tree_is_null(item) || strlen(item->text) >= 64 ||
            strchr(item->text, ',')) {
            decode_fail(
                d, item, at,
                "got %s (expected a number or a name of at most 63 characters, without commas)",
                decode_kind_name(item));
            failed = 1;
            continue;
        }
        for (int j = 0; j < i; j++)
            if (f->choices[j] && strcmp(f->choices[j], item->text) == 0) {
                decode_fail(d, item, at, "'%s' is listed twice (expected distinct values)",
                            item->text);
                failed = 1;
            }
        if (!(f->choices[i] = strdup(item->text))) failed = 1;
    }
    const struct tree *weights = tree_get(entry, "weights", NULL);
    if (weights && !failed) {
        decode_join(where, sizeof where, path, "weights");
        if (weights->kind != TREE_SEQ || weights->count != values->count) {
            decode_fail(
                d, weights, where, "got %s (expected a list of %d numbers > 0, one per value)",
                weights->kind == TREE_SEQ ? "a list of another length" : decode_kind_name(weights),
                values->count);
            return -1;
        }
        if (!(f->weights = malloc((size_t)values->count * sizeof *f->weights))) return -1;
        for (int i = 0; i < weights->count; i++) {
            char at[1100];
            snprintf(at, sizeof at, "%s[%d]", where, i);
            if (decode_real(d, weights->items[i], at, 0, HUGE_VAL, 1, "a weight > 0",
                            &f->weights[i]) != 0)
                failed = 1;
        }
    }
    f->low = 0;
    f->high = f->n_choices - 1;
    return failed ? -1 : 0;
}

/* One entry: KEY: {distribution: ..., apply: ..., low/high/mode/mean/sd/values/weights}. */
static void decode_factor(struct decoder *d, const struct tree *key, const struct tree *entry,
                          struct scenario_factor *f) {
    char path[1024];
    decode_join(path, sizeof path, "uncertainty", key->text);
    f->line = key->line;
    f->column = key->column;
    if (!path_ok(key->text)) {
        decode_fail(
            d, key, path,
            "not a parameter path (expected names and * joined by dots, e.g. "
            "states.*.detect.all; say scale or shift with apply:, not with * or + at the end)");
        return;
    }
    if (!decode_is_map(d, entry, path,
                       "a mapping such as {distribution: uniform, low: 0, high: 0.2}"))
        return;
    static const char *const keys[] = {"distribution", "apply", "low",    "high",   "mode",
                                       "mean",         "sd",    "values", "weights"};
    decode_check_keys(d, entry, path, keys, 9);
    const struct tree *node =
        decode_require(d, entry, path, "distribution",
                       "uniform, integer, loguniform, triangular, normal or choice");
    char where[1100];
    int kind = node ? decode_choice(d, node, decode_join(where, sizeof where, path, "distribution"),
                                    DISTRIBUTIONS, 6, "distribution")
                    : -1;
    int apply = APPLY_SET;
    if ((node = tree_get(entry, "apply", NULL)))
        apply = decode_choice(d, node, decode_join(where, sizeof where, path, "apply"), APPLY, 3,
                              "way to apply a value (set, scale or shift)");
    if (kind < 0 || apply < 0) return;
    f->kind = kind;
    size_t length = strlen(key->text);
    if (!(f->path = malloc(length + 2))) return;
    snprintf(f->path, length + 2, "%s%s", key->text,
             apply == APPLY_SCALE   ? "*"
             : apply == APPLY_SHIFT ? "+"
                                    : "");
    /* The keys each distribution takes; any other is refused, so that a misplaced mode or sd
     * cannot be silently ignored. */
    static const char *const takes[6] = {"low high",      "low high",         "low high",
                                         "low mode high", "mean sd low high", "values weights"};
    for (int i = 0; i < entry->count; i++) {
        const char *name = entry->keys[i]->text;
        if (strcmp(name, "distribution") == 0 || strcmp(name, "apply") == 0) continue;
        int known = 0;
        for (int j = 0; j < 9; j++) known |= strcmp(name, keys[j]) == 0;
        if (!known) continue; /* reported above */
        char padded[64];
        snprintf(padded, sizeof padded, " %s ", name);
        char list[64];
        snprintf(list, sizeof list, " %s ", takes[kind]);
        if (!strstr(list, padded))
            decode_fail(d, entry->keys[i], decode_join(where, sizeof where, path, name),
                        "not a parameter of a %s distribution (it takes: %s)", DISTRIBUTIONS[kind],
                        takes[kind]);
    }
    if (kind == SCENARIO_FACTOR_CHOICE) {
        if (decode_values(d, entry, path, f) != 0 || apply == APPLY_SET) return;
        for (int i = 0; i < f->n_choices; i++) {
            char *end;
            strtod(f->choices[i], &end);
            if (end == f->choices[i] || *end) {
                decode_fail(d, entry, path,
                            "value '%s' is not a number, so it cannot %s (expected numbers, or "
                            "apply: set)",
                            f->choices[i], APPLY[apply]);
                return;
            }
        }
        return;
    }
    int ok = number(d, entry, path, "low", &f->low) == 0;
    ok &= number(d, entry, path, "high", &f->high) == 0;
    if (kind == SCENARIO_FACTOR_TRIANGULAR) ok &= number(d, entry, path, "mode", &f->mode) == 0;
    if (kind == SCENARIO_FACTOR_NORMAL) {
        ok &= number(d, entry, path, "mean", &f->mean) == 0;
        ok &= number(d, entry, path, "sd", &f->sd) == 0;
    }
    if (!ok) return;
    const struct tree *high = tree_get(entry, "high", NULL);
    if (f->high < f->low)
        decode_fail(d, high, decode_join(where, sizeof where, path, "high"),
                    "%g is below low %g (expected low <= high)", f->high, f->low);
    else if (kind == SCENARIO_FACTOR_INTEGER &&
             (f->low != floor(f->low) || f->high != floor(f->high) || fabs(f->low) > 1e15 ||
              fabs(f->high) > 1e15))
        decode_fail(d, entry, path, "low and high must be whole numbers for an integer factor");
    else if (kind == SCENARIO_FACTOR_LOGUNIFORM && !(f->low > 0))
        decode_fail(d, tree_get(entry, "low", NULL), decode_join(where, sizeof where, path, "low"),
                    "%g is not above 0 (a log-uniform factor needs 0 < low <= high)", f->low);
    else if (kind == SCENARIO_FACTOR_TRIANGULAR && (f->mode < f->low || f->mode > f->high))
        decode_fail(d, tree_get(entry, "mode", NULL),
                    decode_join(where, sizeof where, path, "mode"),
                    "%g is outside [low, high] = [%g, %g]", f->mode, f->low, f->high);
    else if (kind == SCENARIO_FACTOR_NORMAL && !(f->sd > 0))
        decode_fail(d, tree_get(entry, "sd", NULL), decode_join(where, sizeof where, path, "sd"),
                    "%g is not above 0 (expected a standard deviation > 0)", f->sd);
    else if (kind == SCENARIO_FACTOR_NORMAL && (f->high - f->mean) / f->sd < -8 &&
             (f->low - f->mean) / f->sd < -8)
        decode_fail(d, entry, path, "the normal distribution has no mass in [low, high]");
    else if (kind == SCENARIO_FACTOR_NORMAL && (f->low - f->mean) / f->sd > 8 &&
             (f->high - f->mean) / f->sd > 8)
        decode_fail(d, entry, path, "the normal distribution has no mass in [low, high]");
}

/* The block's factors into out (*count of them). */
static void decode_block(struct decoder *d, const struct tree *block, struct scenario_factor **out,
                         int *count) {
    *out = NULL, *count = 0;
    if (!block || tree_is_null(block)) return;
    if (!decode_is_map(d, block, "uncertainty",
                       "a mapping from parameter paths to their distributions"))
        return;
    if (block->count > SCENARIO_MAX_FACTORS) {
        decode_fail(d, block, "uncertainty", "%d factors (expected at most %d)", block->count,
                    SCENARIO_MAX_FACTORS);
        return;
    }
    if (block->count == 0) return;
    *out = calloc((size_t)block->count, sizeof **out);
    if (!*out) {
        decode_fail(d, block, "uncertainty", "out of memory");
        return;
    }
    *count = block->count;
    for (int i = 0; i < block->count; i++)
        decode_factor(d, block->keys[i], block->items[i], &(*out)[i]);
}

void decode_uncertainty(struct decoder *d, const struct tree *root) {
    decode_block(d, tree_get(root, "uncertainty", NULL), &d->s->factors, &d->s->n_factors);
}

/* The texts a factor's extremes are written as: low and high, or every choice. */
static int extremes(const struct scenario_factor *f, char texts[][64], int max) {
    if (f->kind == SCENARIO_FACTOR_CHOICE) {
        int n = f->n_choices < max ? f->n_choices : max;
        for (int i = 0; i < n; i++) snprintf(texts[i], 64, "%s", f->choices[i]);
        return n;
    }
    snprintf(texts[0], 64, "%.10g", f->low);
    snprintf(texts[1], 64, "%.10g", f->high);
    return f->low == f->high ? 1 : 2;
}

/* Apply each factor at each extreme to a copy of `s`'s tree and decode it; errors name the
 * factor (at `filename`:LINE:COL, where it is declared) and the value tried. */
static void check_factors(struct decoder *d, const struct scenario *s, const char *filename,
                          const struct scenario_factor *factors, int count) {
    for (int i = 0; i < count; i++) {
        const struct scenario_factor *f = &factors[i];
        if (!f->path) continue;
        char texts[1000][64];
        int n = extremes(f, texts, 1000);
        for (int e = 0; e < n; e++) {
            struct tree *copy = tree_clone(s->tree);
            if (!copy) return;
            char label[1400];
            snprintf(label, sizeof label, "%s:%d:%d: uncertainty %s=%s (%s)", filename, f->line,
                     f->column, f->path, texts[e],
                     f->kind == SCENARIO_FACTOR_CHOICE ? "one of its values"
                     : e == 0                          ? "its low end"
                                                       : "its high end");
            int before = d->errors->count + d->errors->dropped;
            if (override_apply(copy, s->tree_file, f->path, texts[e], label, d->errors, NULL,
                               NULL) != 0) {
                d->failures++;
                tree_free(copy);
                break;
            }
            struct scenario *variant =
                scenario_decode(s->tree_file, copy, s->source, s->source_length, 0, d->errors);
            scenario_free(variant);
            if (!variant) {
                d->failures++;
                /* A message about a node the factor did not write (a cross-check) carries the
                 * file's position only: say which factor led there. */
                if (d->errors->count + d->errors->dropped == before)
                    errors_add(d->errors, "%s: error: gives an invalid scenario", label);
                break; /* one bad extreme per factor is enough to say */
            }
        }
    }
}

void decode_check_uncertainty(struct decoder *d, struct scenario *s) {
    check_factors(d, s, d->filename, s->factors, s->n_factors);
}

/* A design file's parsed tree (NULL with errors), read as a scenario file is. */
static struct tree *design_read(const char *path, struct scenario_errors *errors) {
    size_t length = 0;
    char *text = scenario_read_file(path, &length, errors);
    if (!text) return NULL;
    struct tree *tree = tree_parse(path, text, length, NULL, NULL, errors);
    free(text);
    return tree;
}

/* A design file is a mapping with `uncertainty` and neither `states` (a scenario) nor `variant`
 * (a variant file). */
static int design_is(const struct tree *root) {
    return root && root->kind == TREE_MAP && tree_get(root, "uncertainty", NULL) &&
           !tree_get(root, "states", NULL) && !tree_get(root, "variant", NULL);
}

int scenario_design_file(const char *path, char **base, struct scenario_errors *errors) {
    *base = NULL;
    struct scenario_errors ignored = {0};
    /* a file that does not parse is not a design file: the scenario loader reports it */
    struct tree *tree = design_read(path, &ignored);
    scenario_errors_clear(&ignored);
    if (!design_is(tree)) {
        tree_free(tree);
        return 0;
    }
    const struct tree *node = tree_get(tree, "base", NULL);
    int result = 1;
    if (node && (node->kind != TREE_SCALAR || tree_is_null(node))) {
        errors_add(errors,
                   "%s:%d:%d: error: base: expected the file name of the scenario the "
                   "design was written for",
                   path, node->line, node->column);
        result = -1;
    } else if (node) {
        *base = scenario_relative_path(path, node->text);
        if (!*base) {
            errors_add(errors, "%s: error: out of memory", path);
            result = -1;
        }
    }
    tree_free(tree);
    return result;
}

struct scenario_factor *scenario_uncertainty_load(const struct scenario *s, const char *path,
                                                  int *count, struct scenario_errors *errors) {
    *count = 0;
    struct tree *tree = design_read(path, errors);
    if (!tree) return NULL;
    struct decoder d = {.filename = path, .errors = errors, .s = NULL};
    struct scenario_factor *factors = NULL;
    if (decode_is_map(&d, tree, "document", "a mapping with the key uncertainty")) {
        /* base: the scenario the design was written for (what `validate` checks it against);
         * a command applies the design to the scenario it runs */
        static const char *const keys[] = {"c5sim", "base", "uncertainty"};
        decode_check_keys(&d, tree, "", keys, 3);
        const struct tree *block = decode_require(
            &d, tree, "", "uncertainty", "a mapping from parameter paths to distributions");
        if (block) decode_block(&d, block, &factors, count);
    }
    if (d.failures == 0) check_factors(&d, s, path, factors, *count);
    tree_free(tree);
    if (d.failures > 0) {
        scenario_factors_free(factors, *count);
        *count = 0;
        return NULL;
    }
    return factors;
}
