/* phases.c — the compiled worlds of a variant with time-phased measures (phases.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phases.h"

static void add_error(struct scenario_errors *errors, const char *format, ...) {
    char message[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    if (errors->count < SCENARIO_MAX_ERRORS && (errors->messages[errors->count] = strdup(message)))
        errors->count++;
    else
        errors->dropped++;
}

int phases_measure_of(const struct world *world, const struct scenario_override *override) {
    const char *origin = override->origin;
    if (!origin || strncmp(origin, "measure ", 8) != 0) return -1;
    for (int m = 0; m < world->n_measures; m++)
        if (strcmp(origin + 8, world->measures[m].id) == 0) return m;
    return -1;
}

double phases_package_cost(const struct world *world, const struct plan_variant *variant) {
    double total = 0;
    for (int m = 0; m < world->n_measures; m++)
        for (int j = 0; j < variant->n_overrides; j++)
            if (phases_measure_of(world, &variant->overrides[j]) == m) {
                total += world->measures[m].cost;
                break;
            }
    return total;
}

static int phased(const struct world *world, int m) {
    return m >= 0 && (world->measures[m].start > 0 || world->measures[m].end < world->ticks);
}

/* Is override j applied at tick t? (overrides of no measure, or of an unphased one, always) */
static int applies(const struct world *world, const int *owner, int j, int t) {
    int m = owner[j];
    return !phased(world, m) || (world->measures[m].start <= t && t < world->measures[m].end);
}

/* Compile base + the overrides flagged in use[]. */
static struct world *compile_subset(const struct scenario *base, const struct plan_variant *variant,
                                    const unsigned char *use, size_t max_memory,
                                    struct scenario_errors *errors) {
    struct scenario_override *list =
        malloc((size_t)(variant->n_overrides > 0 ? variant->n_overrides : 1) * sizeof *list);
    if (!list) return NULL;
    int n = 0;
    for (int j = 0; j < variant->n_overrides; j++)
        if (use[j]) list[n++] = variant->overrides[j];
    struct scenario *scenario = scenario_with_overrides(base, list, n, errors);
    free(list);
    if (!scenario) return NULL;
    struct world *world = scenario_compile(scenario, max_memory, errors);
    scenario_free(scenario);
    return world;
}

static int compare_ints(const void *a, const void *b) {
    return *(const int *)a - *(const int *)b;
}

/* Name the override whose switch at tick t changes the structure (first found), in errors. */
static void blame(const struct scenario *base, const struct plan_variant *variant,
                  const struct world *first, const int *owner, int t, unsigned char *use,
                  size_t max_memory, struct scenario_errors *errors) {
    const struct world *w = first;
    for (int j = 0; j < variant->n_overrides; j++) {
        if (applies(w, owner, j, 0) == applies(w, owner, j, t)) continue;
        for (int i = 0; i < variant->n_overrides; i++)
            use[i] = (unsigned char)applies(w, owner, i, 0);
        use[j] = !use[j];
        struct scenario_errors ignored = {0};
        struct world *one = compile_subset(base, variant, use, max_memory, &ignored);
        scenario_errors_clear(&ignored);
        const char *what = one ? world_phase_difference(first, one) : NULL;
        world_free(one);
        if (what) {
            add_error(errors,
                      "%s: error: measure %s: %s: a time-phased measure (start/end) cannot change "
                      "%s (expected parameters that leave the world's structure as it is, e.g. "
                      "detection, sharing, rates, costs; or drop start/end)",
                      scenario_filename(base), w->measures[owner[j]].id, variant->overrides[j].path,
                      what);
            return;
        }
    }
    add_error(errors,
              "%s: error: the time-phased measures of variant %s together change the world's "
              "structure at tick %d (expected parameters that leave it as it is)",
              scenario_filename(base), variant->label, t);
}

int phases_attach(const struct scenario *base, const struct plan_variant *variant,
                  struct world **world, size_t max_memory, struct scenario_errors *errors) {
    const struct world *all = *world;
    int n = variant->n_overrides, any = 0;
    int *owner = malloc((size_t)(n > 0 ? n : 1) * sizeof *owner);
    int *ticks = malloc((size_t)(2 * n + 1) * sizeof *ticks);
    unsigned char *use = malloc((size_t)(n > 0 ? n : 1));
    if (!owner || !ticks || !use) {
        free(owner), free(ticks), free(use);
        add_error(errors, "%s: error: out of memory", scenario_filename(base));
        return -1;
    }
    int n_ticks = 0;
    for (int j = 0; j < n; j++) {
        owner[j] = phases_measure_of(all, &variant->overrides[j]);
        if (!phased(all, owner[j])) continue;
        any = 1;
        const struct world_measure *m = &all->measures[owner[j]];
        if (m->start > 0) ticks[n_ticks++] = m->start;
        if (m->end < all->ticks) ticks[n_ticks++] = m->end;
    }
    if (!any) {
        free(owner), free(ticks), free(use);
        return 0;
    }
    qsort(ticks, (size_t)n_ticks, sizeof *ticks, compare_ints);
    int unique = 0;
    for (int i = 0; i < n_ticks; i++)
        if (unique == 0 || ticks[i] != ticks[unique - 1]) ticks[unique++] = ticks[i];
    int status = 0;
    for (int j = 0; j < n; j++) use[j] = (unsigned char)applies(all, owner, j, 0);
    struct world *first = compile_subset(base, variant, use, max_memory, errors);
    struct world_phase *phases = calloc((size_t)(unique > 0 ? unique : 1), sizeof *phases);
    if (!first || !phases) status = -1;
    for (int i = 0; status == 0 && i < unique; i++) {
        for (int j = 0; j < n; j++) use[j] = (unsigned char)applies(all, owner, j, ticks[i]);
        phases[i].tick = ticks[i];
        phases[i].world = compile_subset(base, variant, use, max_memory, errors);
        if (!phases[i].world) {
            status = -1;
            break;
        }
        phases[i].world->measure_cost = all->measure_cost;
        phases[i].world->active_measure = all->active_measure;
        if (world_phase_difference(first, phases[i].world)) {
            blame(base, variant, first, owner, ticks[i], use, max_memory, errors);
            status = -1;
        }
    }
    if (status != 0) {
        for (int i = 0; i < unique; i++) world_free(phases[i].world);
        free(phases);
        world_free(first);
    } else {
        first->measure_cost = all->measure_cost;
        first->active_measure = all->active_measure;
        first->phases = phases;
        first->n_phases = unique;
        world_free(*world);
        *world = first;
    }
    free(owner), free(ticks), free(use);
    return status;
}
