/* plan.c — variants, sweep axes, their grid and sampled (Latin hypercube) designs: bookkeeping
 * only, no scenario or model calls. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "../util/rng.h"
#include "plan.h"

struct plan *plan_alloc(int replicates) {
    struct plan *plan = calloc(1, sizeof *plan);
    if (!plan) return NULL;
    plan->replicates = replicates;
    return plan;
}

static void variant_clear(struct plan_variant *variant) {
    free(variant->label);
    for (int i = 0; i < variant->n_overrides; i++) {
        free(variant->overrides[i].path);
        free(variant->overrides[i].value);
        free(variant->overrides[i].origin);
        free(variant->override_texts[i]);
    }
    free(variant->overrides);
    free(variant->override_texts);
}

void plan_free(struct plan *plan) {
    if (!plan) return;
    for (int v = 0; v < plan->n_variants; v++) variant_clear(&plan->variants[v]);
    free(plan->variants);
    free(plan);
}

static char *copy_string(const char *text) {
    return strdup(text ? text : "");
}

int plan_add_variant(struct plan *plan, const char *label,
                     const struct scenario_override *overrides, int n_overrides) {
    if (plan->n_variants == plan->capacity) {
        int capacity = plan->capacity ? 2 * plan->capacity : 8;
        struct plan_variant *grown = realloc(plan->variants, (size_t)capacity * sizeof *grown);
        if (!grown) return -1;
        plan->variants = grown;
        plan->capacity = capacity;
    }
    struct plan_variant *variant = &plan->variants[plan->n_variants];
    memset(variant, 0, sizeof *variant);
    variant->measure = -1;
    variant->label = copy_string(label);
    variant->overrides =
        calloc((size_t)(n_overrides > 0 ? n_overrides : 1), sizeof *variant->overrides);
    variant->override_texts = calloc((size_t)(n_overrides > 0 ? n_overrides : 1), sizeof(char *));
    int ok = variant->label && variant->overrides && variant->override_texts;
    for (int i = 0; ok && i < n_overrides; i++) {
        struct scenario_override *copy = &variant->overrides[i];
        copy->path = copy_string(overrides[i].path);
        copy->value = copy_string(overrides[i].value);
        copy->origin = copy_string(overrides[i].origin);
        size_t length =
            strlen(copy->path ? copy->path : "") + strlen(copy->value ? copy->value : "") + 2;
        variant->override_texts[i] = malloc(length);
        variant->n_overrides = i + 1;
        ok = copy->path && copy->value && copy->origin && variant->override_texts[i];
        if (ok) snprintf(variant->override_texts[i], length, "%s=%s", copy->path, copy->value);
    }
    if (!ok) {
        variant_clear(variant);
        return -1;
    }
    return plan->n_variants++;
}

int plan_find_variant(const struct plan *plan, const char *label) {
    for (int v = 0; v < plan->n_variants; v++)
        if (strcmp(plan->variants[v].label, label) == 0) return v;
    return -1;
}

void plan_axis_free(struct plan_axis *axis) {
    if (!axis) return;
    free(axis->path);
    for (int i = 0; i < axis->n_values; i++) free(axis->values[i]);
    free(axis->values);
    memset(axis, 0, sizeof *axis);
}

static int parse_number(const char *text, double *value) {
    char *end;
    errno = 0;
    *value = strtod(text, &end);
    return end != text && *end == '\0' && errno == 0 && isfinite(*value);
}

static int append_value(struct plan_axis *axis, const char *text, size_t length) {
    if (axis->n_values >= PLAN_MAX_AXIS_VALUES) return -1;
    char **grown = realloc(axis->values, (size_t)(axis->n_values + 1) * sizeof *grown);
    if (!grown) return -1;
    axis->values = grown;
    char *copy = malloc(length + 1);
    if (!copy) return -1;
    memcpy(copy, text, length);
    copy[length] = '\0';
    axis->values[axis->n_values++] = copy;
    return 0;
}

/* A:B:STEP, all numbers. Returns 1 if `spec` is a range (parsed into axis), 0 if it is not a
 * range, -1 on an invalid range (message in err), -2 for A:B with no step (no message). */
static int parse_range(const char *spec, struct plan_axis *axis, char *err, size_t errlen) {
    const char *first = strchr(spec, ':');
    if (!first) return 0;
    const char *second = strchr(first + 1, ':');
    if (!second) {
        /* "0:1" is a range without its step, not a text value: say how a range is written. */
        char a[64], b[64];
        double ignored;
        size_t la = (size_t)(first - spec), lb = strlen(first + 1);
        if (la == 0 || lb == 0 || la >= sizeof a || lb >= sizeof b) return 0;
        memcpy(a, spec, la);
        a[la] = '\0';
        memcpy(b, first + 1, lb + 1);
        if (!parse_number(a, &ignored) || !parse_number(b, &ignored)) return 0;
        return -2; /* the caller, which knows the path, says how to write it */
    }
    if (strchr(second + 1, ':')) return 0;
    char parts[3][64];
    size_t lengths[3] = {(size_t)(first - spec), (size_t)(second - first - 1), strlen(second + 1)};
    const char *starts[3] = {spec, first + 1, second + 1};
    double numbers[3];
    for (int i = 0; i < 3; i++) {
        if (lengths[i] == 0 || lengths[i] >= sizeof parts[i]) return 0;
        memcpy(parts[i], starts[i], lengths[i]);
        parts[i][lengths[i]] = '\0';
        if (!parse_number(parts[i], &numbers[i])) return 0;
    }
    double start = numbers[0], stop = numbers[1], step = numbers[2];
    if (step == 0.0 || (stop - start) / step < -1e-9) {
        snprintf(err, errlen, "range '%s': STEP must be non-zero and lead from A to B", spec);
        return -1;
    }
    /* Count the points with a tolerance so that B is included despite rounding (0:1:0.1). */
    double span = (stop - start) / step;
    double steps = floor(span + 1e-9);
    if (steps + 1.0 > PLAN_MAX_AXIS_VALUES) {
        snprintf(err, errlen, "range '%s' has more than %d values", spec, PLAN_MAX_AXIS_VALUES);
        return -1;
    }
    for (long i = 0; i <= (long)steps; i++) {
        /* A + i*STEP (not repeated addition, which drifts), printed with 12 significant
         * digits so that 0.1 * 3 reads 0.3. */
        double value = start + (double)i * step;
        char text[64];
        snprintf(text, sizeof text, "%.12g", value);
        if (strcmp(text, "-0") == 0) strcpy(text, "0");
        if (append_value(axis, text, strlen(text)) != 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    return 1;
}

int plan_axis_parse(const char *text, struct plan_axis *axis, char *err, size_t errlen) {
    memset(axis, 0, sizeof *axis);
    const char *equals = strchr(text, '=');
    if (!equals || equals == text) {
        snprintf(err, errlen, "--vary '%s': expected PATH=A:B:STEP or PATH=V1,V2,...", text);
        return -1;
    }
    axis->path = malloc((size_t)(equals - text) + 1);
    if (!axis->path) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(axis->path, text, (size_t)(equals - text));
    axis->path[equals - text] = '\0';
    const char *spec = equals + 1;
    if (*spec == '\0') {
        snprintf(err, errlen, "--vary '%s': no values after '='", text);
        plan_axis_free(axis);
        return -1;
    }
    int range = parse_range(spec, axis, err, errlen);
    if (range == -2) {
        const char *colon = strchr(spec, ':');
        snprintf(err, errlen,
                 "--vary %s: a range needs a step: PATH=A:B:STEP, e.g. %s=%.*s:%s:0.25 (or list "
                 "the values: %s=%.*s,%s)",
                 text, axis->path, (int)(colon - spec), spec, colon + 1, axis->path,
                 (int)(colon - spec), spec, colon + 1);
    }
    if (range < 0) {
        plan_axis_free(axis);
        return -1;
    }
    if (range == 0) {
        const char *start = spec;
        for (;;) {
            const char *comma = strchr(start, ',');
            size_t length = comma ? (size_t)(comma - start) : strlen(start);
            if (length == 0) {
                snprintf(err, errlen, "--vary '%s': empty value in the list", text);
                plan_axis_free(axis);
                return -1;
            }
            if (append_value(axis, start, length) != 0) {
                snprintf(err, errlen, "--vary '%s': too many values or out of memory", text);
                plan_axis_free(axis);
                return -1;
            }
            if (!comma) break;
            start = comma + 1;
        }
    }
    return 0;
}

int plan_add_grid(struct plan *plan, const struct plan_axis *axes, int n_axes, char *err,
                  size_t errlen) {
    long total = 1;
    for (int a = 0; a < n_axes; a++) {
        total *= axes[a].n_values;
        if (total > PLAN_MAX_VARIANTS) {
            snprintf(err, errlen, "the grid has more than %d variants", PLAN_MAX_VARIANTS);
            return -1;
        }
    }
    if (n_axes == 0) total = 0;
    struct scenario_override *overrides =
        calloc((size_t)(n_axes > 0 ? n_axes : 1), sizeof *overrides);
    int *index = calloc((size_t)(n_axes > 0 ? n_axes : 1), sizeof *index);
    size_t label_size = 64;
    for (int a = 0; a < n_axes; a++) {
        size_t longest = 0;
        for (int i = 0; i < axes[a].n_values; i++)
            if (strlen(axes[a].values[i]) > longest) longest = strlen(axes[a].values[i]);
        label_size += strlen(axes[a].path) + longest + 3;
    }
    char *label = malloc(label_size);
    if (!overrides || !index || !label) {
        free(overrides), free(index), free(label);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (long combination = 0; combination < total; combination++) {
        /* Odometer over the axes, the last axis turning fastest. */
        long rest = combination;
        for (int a = n_axes - 1; a >= 0; a--) {
            index[a] = (int)(rest % axes[a].n_values);
            rest /= axes[a].n_values;
        }
        size_t used = 0;
        label[0] = '\0';
        for (int a = 0; a < n_axes; a++) {
            overrides[a].path = axes[a].path;
            overrides[a].value = axes[a].values[index[a]];
            overrides[a].origin = (char *)"sweep";
            used += (size_t)snprintf(label + used, label_size - used, "%s%s=%s", a ? ", " : "",
                                     axes[a].path, axes[a].values[index[a]]);
        }
        if (plan_add_variant(plan, label, overrides, n_axes) < 0) {
            free(overrides), free(index), free(label);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    free(overrides), free(index), free(label);
    return (int)total;
}

/* ---- sampled designs (Latin hypercube) ------------------------------------------------------ */

/* The design's own random purpose: outside the model's rng_purpose values, so a design never
 * reuses a stream the simulation draws from. */
enum { PLAN_DESIGN_PURPOSE = 0x4c4853 /* "LHS" */ };

/* Significant digits of a design value in its override text (and hence in /design). */
enum { PLAN_DESIGN_DIGITS = 10 };

void plan_range_free(struct plan_range *range) {
    if (!range) return;
    free(range->path);
    for (int i = 0; range->choices && i < range->n_choices; i++) free(range->choices[i]);
    free(range->choices);
    free(range->weights);
    memset(range, 0, sizeof *range);
}

int plan_range_copy(struct plan_range *copy, const struct plan_range *range) {
    *copy = *range;
    copy->path = NULL, copy->choices = NULL, copy->weights = NULL;
    int ok = (copy->path = strdup(range->path ? range->path : "")) != NULL;
    if (ok && range->n_choices > 0) {
        copy->choices = calloc((size_t)range->n_choices, sizeof *copy->choices);
        ok = copy->choices != NULL;
        for (int i = 0; ok && i < range->n_choices; i++)
            ok = (copy->choices[i] = strdup(range->choices[i])) != NULL;
    }
    if (ok && range->weights) {
        copy->weights = malloc((size_t)range->n_choices * sizeof *copy->weights);
        ok = copy->weights != NULL;
        if (ok)
            memcpy(copy->weights, range->weights, (size_t)range->n_choices * sizeof *copy->weights);
    }
    if (!ok) {
        copy->n_choices = copy->choices ? range->n_choices : 0;
        plan_range_free(copy);
        return -1;
    }
    return 0;
}

_Static_assert((int)SCENARIO_FACTOR_UNIFORM == PLAN_UNIFORM &&
                   (int)SCENARIO_FACTOR_INTEGER == PLAN_INTEGER &&
                   (int)SCENARIO_FACTOR_LOGUNIFORM == PLAN_LOGUNIFORM &&
                   (int)SCENARIO_FACTOR_TRIANGULAR == PLAN_TRIANGULAR &&
                   (int)SCENARIO_FACTOR_NORMAL == PLAN_NORMAL &&
                   (int)SCENARIO_FACTOR_CHOICE == PLAN_CHOICE,
               "scenario factors and plan ranges number the distributions alike");

int plan_range_from_factor(struct plan_range *range, const struct scenario_factor *factor) {
    struct plan_range view = {
        .path = factor->path,
        .low = factor->low,
        .high = factor->high,
        .integer = factor->kind == SCENARIO_FACTOR_INTEGER,
        .kind = factor->kind, /* the two enums number the distributions alike */
        .mode = factor->mode,
        .mean = factor->mean,
        .sd = factor->sd,
        .n_choices = factor->n_choices,
        .choices = factor->choices,
        .weights = factor->weights,
    };
    return plan_range_copy(range, &view);
}

int plan_declared_ranges(const struct scenario *scenario, const char *file,
                         const char *const *texts, int n_texts, struct plan_range **ranges, int *n,
                         struct scenario_errors *errors, char *err, size_t errlen) {
    *ranges = NULL, *n = 0;
    if (n_texts > 0 && file) {
        snprintf(err, errlen, "--range and --uncertainty both declare the factors: give one");
        return -1;
    }
    const struct scenario_factor *factors = NULL;
    struct scenario_factor *loaded = NULL;
    int count = n_texts;
    if (n_texts == 0 && file) {
        loaded = scenario_uncertainty_load(scenario, file, &count, errors);
        if (!loaded && count == 0 && errors->count > 0) return -2;
        factors = loaded;
    } else if (n_texts == 0) {
        count = scenario_uncertainty(scenario, &factors);
    }
    if (count == 0) {
        scenario_factors_free(loaded, 0);
        return 0;
    }
    *ranges = calloc((size_t)count, sizeof **ranges);
    int status = *ranges ? 0 : -1;
    if (status != 0) snprintf(err, errlen, "out of memory");
    for (int i = 0; status == 0 && i < count; i++) {
        if (n_texts > 0)
            status = plan_range_parse(texts[i], &(*ranges)[i], err, errlen);
        else if ((status = plan_range_from_factor(&(*ranges)[i], &factors[i])) != 0)
            snprintf(err, errlen, "out of memory");
        if (status == 0) *n = i + 1;
    }
    scenario_factors_free(loaded, n_texts == 0 && file ? count : 0);
    if (status != 0) {
        for (int i = 0; i < *n; i++) plan_range_free(&(*ranges)[i]);
        free(*ranges);
        *ranges = NULL, *n = 0;
    }
    return status;
}

int plan_range_choice_index(const struct plan_range *range, double u) {
    double total = 0, cumulative = 0;
    for (int i = 0; i < range->n_choices; i++) total += range->weights ? range->weights[i] : 1;
    for (int i = 0; i < range->n_choices; i++) {
        cumulative += range->weights ? range->weights[i] : 1;
        if (u * total < cumulative) return i;
    }
    return range->n_choices > 0 ? range->n_choices - 1 : 0;
}

/* Split a comma-separated list into its items (each non-empty, at most PLAN_MAX_CHOICES). */
static int split_list(const char *text, size_t length, char ***items, int *count) {
    *items = NULL, *count = 0;
    const char *end = text + length;
    for (const char *s = text; s <= end;) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        size_t n = comma ? (size_t)(comma - s) : (size_t)(end - s);
        if (n == 0 || n >= 64 || *count >= PLAN_MAX_CHOICES) return -1;
        char **grown = realloc(*items, (size_t)(*count + 1) * sizeof *grown);
        if (!grown) return -1;
        *items = grown;
        if (!((*items)[*count] = strndup(s, n))) return -1;
        (*count)++;
        if (!comma) break;
        s = comma + 1;
    }
    return 0;
}

static void free_list(char **items, int count) {
    for (int i = 0; i < count; i++) free(items[i]);
    free(items);
}

/* PATH=choice:V1,V2,...[:W1,W2,...] */
static int parse_choice(const char *text, const char *spec, struct plan_range *range, char *err,
                        size_t errlen) {
    const char *values = spec + strlen("choice:");
    const char *colon = strchr(values, ':');
    size_t length = colon ? (size_t)(colon - values) : strlen(values);
    char **weights = NULL;
    int n_weights = 0, ok = 1;
    if (split_list(values, length, &range->choices, &range->n_choices) != 0) {
        snprintf(err, errlen,
                 "--range '%s': expected PATH=choice:V1,V2,... with 1..%d non-empty "
                 "values of at most 63 characters (and optionally :W1,W2,... their weights)",
                 text, PLAN_MAX_CHOICES);
        ok = 0;
    }
    if (ok && colon) {
        range->weights = malloc((size_t)range->n_choices * sizeof *range->weights);
        ok = range->weights &&
             split_list(colon + 1, strlen(colon + 1), &weights, &n_weights) == 0 &&
             n_weights == range->n_choices;
        for (int i = 0; ok && i < n_weights; i++)
            ok = parse_number(weights[i], &range->weights[i]) && range->weights[i] > 0;
        if (!ok)
            snprintf(err, errlen, "--range '%s': the weights must be %d numbers > 0, one per value",
                     text, range->n_choices);
    }
    free_list(weights, n_weights);
    range->kind = PLAN_CHOICE;
    range->low = 0;
    range->high = range->n_choices > 0 ? range->n_choices - 1 : 0;
    return ok ? 0 : -1;
}

/* Split `spec` at ':' into at most `max` fields; returns their count, or -1 if one is too long
 * or empty. */
static int split_fields(const char *spec, char fields[][64], int max) {
    int n = 0;
    for (const char *s = spec;; n++) {
        const char *colon = strchr(s, ':');
        size_t length = colon ? (size_t)(colon - s) : strlen(s);
        if (n == max || length == 0 || length >= 64) return -1;
        memcpy(fields[n], s, length);
        fields[n][length] = '\0';
        if (!colon) return n + 1;
        s = colon + 1;
    }
}

int plan_range_parse(const char *text, struct plan_range *range, char *err, size_t errlen) {
    static const char *const usage =
        "expected PATH=A:B, PATH=A:B:int, PATH=loguniform:A:B, PATH=triangular:A:MODE:B, "
        "PATH=normal:MEAN:SD:A:B or PATH=choice:V1,V2,...";
    memset(range, 0, sizeof *range);
    const char *equals = strchr(text, '=');
    if (!equals || equals == text) {
        snprintf(err, errlen, "--range '%s': %s", text, usage);
        return -1;
    }
    if (strncmp(equals + 1, "choice:", 7) == 0) {
        if (parse_choice(text, equals + 1, range, err, errlen) != 0 ||
            !(range->path = strndup(text, (size_t)(equals - text)))) {
            if (range->n_choices > 0 && !range->path && !err[0])
                snprintf(err, errlen, "out of memory");
            plan_range_free(range);
            return -1;
        }
        return 0;
    }
    char fields[6][64];
    int n = split_fields(equals + 1, fields, 6), ok = n >= 2;
    double number[5] = {0};
    int first = 0; /* the first numeric field */
    if (ok && strcmp(fields[0], "loguniform") == 0)
        range->kind = PLAN_LOGUNIFORM, first = 1, ok = n == 3;
    else if (ok && strcmp(fields[0], "triangular") == 0)
        range->kind = PLAN_TRIANGULAR, first = 1, ok = n == 4;
    else if (ok && strcmp(fields[0], "normal") == 0)
        range->kind = PLAN_NORMAL, first = 1, ok = n == 5;
    else if (ok && n == 3 && strcmp(fields[2], "int") == 0)
        range->kind = PLAN_INTEGER, n = 2;
    else
        ok = ok && n == 2;
    for (int i = first; ok && i < n; i++) ok = parse_number(fields[i], &number[i - first]);
    if (!ok) {
        snprintf(err, errlen, "--range '%s': %s, with numbers", text, usage);
        return -1;
    }
    int k = n - first; /* numbers read */
    range->low = range->kind == PLAN_NORMAL ? number[2] : number[0];
    range->high = range->kind == PLAN_NORMAL ? number[3] : number[k - 1];
    range->mode = range->kind == PLAN_TRIANGULAR ? number[1] : 0;
    range->mean = range->kind == PLAN_NORMAL ? number[0] : 0;
    range->sd = range->kind == PLAN_NORMAL ? number[1] : 0;
    range->integer = range->kind == PLAN_INTEGER;
    const char *problem = NULL;
    if (range->high < range->low)
        problem = "need A <= B";
    else if (range->integer &&
             (range->low != floor(range->low) || range->high != floor(range->high) ||
              fabs(range->low) > 1e15 || fabs(range->high) > 1e15))
        problem = "need A <= B, both integers";
    else if (range->kind == PLAN_LOGUNIFORM && !(range->low > 0))
        problem = "a log-uniform range needs 0 < A <= B";
    else if (range->kind == PLAN_TRIANGULAR &&
             (range->mode < range->low || range->mode > range->high))
        problem = "a triangular range needs A <= MODE <= B";
    else if (range->kind == PLAN_NORMAL && !(range->sd > 0))
        problem = "a normal range needs SD > 0";
    else if (range->kind == PLAN_NORMAL &&
             gsl_cdf_gaussian_P(range->high - range->mean, range->sd) -
                     gsl_cdf_gaussian_P(range->low - range->mean, range->sd) <
                 1e-12)
        problem = "the normal distribution has no mass in [A, B]";
    if (problem) {
        snprintf(err, errlen, "--range '%s': %s", text, problem);
        return -1;
    }
    range->path = malloc((size_t)(equals - text) + 1);
    if (!range->path) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(range->path, text, (size_t)(equals - text));
    range->path[equals - text] = '\0';
    return 0;
}

double plan_range_quantile(const struct plan_range *range, double u) {
    double a = range->low, b = range->high;
    switch (range->kind) {
        case PLAN_LOGUNIFORM:
            return a == b ? a : exp(log(a) + u * (log(b) - log(a)));
        case PLAN_TRIANGULAR: {
            double c = range->mode, width = b - a;
            if (width <= 0) return a;
            double split = (c - a) / width;
            return u < split ? a + sqrt(u * width * (c - a)) : b - sqrt((1 - u) * width * (b - c));
        }
        case PLAN_NORMAL: {
            double low = gsl_cdf_gaussian_P(a - range->mean, range->sd);
            double high = gsl_cdf_gaussian_P(b - range->mean, range->sd);
            double x = range->mean + gsl_cdf_gaussian_Pinv(low + u * (high - low), range->sd);
            return x < a ? a : x > b ? b : x;
        }
        case PLAN_CHOICE:
            return plan_range_choice_index(range, u);
        default:
            return a + (b - a) * u;
    }
}

void plan_design_free(struct plan_design *design) {
    if (!design) return;
    for (int j = 0; design->names && j < design->n_parameters; j++) free(design->names[j]);
    for (int j = 0; design->levels && j < design->n_parameters; j++) free(design->levels[j]);
    free(design->levels);
    free(design->names);
    free(design->values);
    memset(design, 0, sizeof *design);
}

int plan_design_set_levels(struct plan_design *design, int j, const struct plan_range *range) {
    if (!design->levels && !(design->levels = calloc((size_t)design->n_parameters, sizeof(char *))))
        return -1;
    size_t length = 1;
    for (int i = 0; i < range->n_choices; i++) length += strlen(range->choices[i]) + 1;
    free(design->levels[j]);
    if (!(design->levels[j] = calloc(length, 1))) return -1;
    for (int i = 0; i < range->n_choices; i++) {
        if (i > 0) strcat(design->levels[j], ",");
        strcat(design->levels[j], range->choices[i]);
    }
    return 0;
}

/* The i-th comma-separated item of `list` into out (empty when there is none). */
static void list_item(const char *list, int i, char *out, size_t size) {
    const char *s = list;
    for (; i > 0 && s; i--) {
        s = strchr(s, ',');
        if (s) s++;
    }
    size_t n = s ? strcspn(s, ",") : 0;
    snprintf(out, size, "%.*s", (int)n, s ? s : "");
}

/* The value as its override text reads, so that /design equals what the variants applied. */
static double design_rounded(double value) {
    char text[64];
    snprintf(text, sizeof text, "%.*g", PLAN_DESIGN_DIGITS, value);
    return strtod(text, NULL);
}

int plan_design_lhs(struct plan_design *design, const struct plan_range *ranges, int n_ranges,
                    int n_points, unsigned long long seed, char *err, size_t errlen) {
    memset(design, 0, sizeof *design);
    if (n_ranges < 1 || n_points < 1 || n_points > PLAN_MAX_DESIGN_POINTS) {
        snprintf(err, errlen, "a Latin hypercube needs at least one --range and 1..%d points",
                 PLAN_MAX_DESIGN_POINTS);
        return -1;
    }
    for (int j = 0; j < n_ranges; j++)
        for (int k = 0; k < j; k++)
            if (strcmp(ranges[j].path, ranges[k].path) == 0) {
                snprintf(err, errlen, "--range %s is declared twice", ranges[j].path);
                return -1;
            }
    design->names = calloc((size_t)n_ranges, sizeof *design->names);
    design->values = malloc((size_t)n_points * (size_t)n_ranges * sizeof *design->values);
    size_t *strata = malloc((size_t)n_points * sizeof *strata);
    gsl_rng *rng = gsl_rng_alloc(rng_philox);
    int ok = design->names && design->values && strata && rng;
    design->n_parameters = ok ? n_ranges : 0;
    design->n_points = n_points;
    for (int j = 0; ok && j < n_ranges; j++) ok = (design->names[j] = strdup(ranges[j].path)) != 0;
    for (int j = 0; ok && j < n_ranges; j++)
        if (ranges[j].kind == PLAN_CHOICE) ok = plan_design_set_levels(design, j, &ranges[j]) == 0;
    if (ok) {
        /* One stream per parameter, so adding a range leaves the earlier columns unchanged. */
        uint64_t key = rng_key(seed, 0, PLAN_DESIGN_PURPOSE);
        for (int j = 0; j < n_ranges; j++) {
            const struct plan_range *range = &ranges[j];
            rng_stream_set(rng, key, (uint64_t)j, 0);
            for (int p = 0; p < n_points; p++) strata[p] = (size_t)p;
            gsl_ran_shuffle(rng, strata, (size_t)n_points, sizeof *strata);
            /* Integers: K values, stratum s gets A + floor(s K / N), so every value is taken
             * floor(N / K) or ceil(N / K) times (a balanced design for counts). */
            double low = range->low, width = range->high - range->low;
            for (int p = 0; p < n_points; p++) {
                double value;
                if (range->integer)
                    value = low + floor((double)strata[p] * (width + 1) / n_points);
                else if (range->kind == PLAN_CHOICE)
                    value = plan_range_choice_index(
                        range, ((double)strata[p] + gsl_rng_uniform(rng)) / n_points);
                else if (range->kind == PLAN_UNIFORM) /* as before the other kinds existed */
                    value = fmin(fmax(design_rounded(
                                          low + width * ((double)strata[p] + gsl_rng_uniform(rng)) /
                                                    n_points),
                                      range->low),
                                 range->high);
                else
                    value = fmin(
                        fmax(design_rounded(plan_range_quantile(
                                 range, ((double)strata[p] + gsl_rng_uniform(rng)) / n_points)),
                             range->low),
                        range->high);
                design->values[(size_t)p * (size_t)n_ranges + (size_t)j] = value;
            }
        }
    }
    free(strata);
    if (rng) gsl_rng_free(rng);
    if (!ok) {
        plan_design_free(design);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int plan_add_design(struct plan *plan, const struct plan_design *design, char *err, size_t errlen) {
    int m = design->n_parameters;
    if (design->n_points > PLAN_MAX_VARIANTS - plan->n_variants) {
        snprintf(err, errlen, "the design has more than %d variants", PLAN_MAX_VARIANTS);
        return -1;
    }
    struct scenario_override *overrides = calloc((size_t)(m > 0 ? m : 1), sizeof *overrides);
    char(*texts)[64] = calloc((size_t)(m > 0 ? m : 1), sizeof *texts);
    size_t label_size = 16;
    for (int j = 0; j < m; j++) label_size += strlen(design->names[j]) + sizeof texts[0] + 3;
    char *label = malloc(label_size);
    int ok = overrides && texts && label;
    for (int p = 0; ok && p < design->n_points; p++) {
        size_t used = 0;
        label[0] = '\0';
        for (int j = 0; j < m; j++) {
            double value = design->values[(size_t)p * (size_t)m + (size_t)j];
            if (design->levels && design->levels[j])
                list_item(design->levels[j], (int)value, texts[j], sizeof texts[j]);
            else
                snprintf(texts[j], sizeof texts[j], "%.*g", PLAN_DESIGN_DIGITS, value);
            if (strcmp(texts[j], "-0") == 0) strcpy(texts[j], "0");
            overrides[j].path = design->names[j];
            overrides[j].value = texts[j];
            overrides[j].origin = (char *)"design";
            used += (size_t)snprintf(label + used, label_size - used, "%s%s=%s", j ? ", " : "",
                                     design->names[j], texts[j]);
        }
        ok = plan_add_variant(plan, label, overrides, m) >= 0;
    }
    free(overrides), free(texts), free(label);
    if (!ok) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return design->n_points;
}
