/* coalition.c — coalition (and coalition-structure) overrides, v(S), exact Shapley values and
 * gains from leaving. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coalition.h"
#include "coalition_core.h"

static int add_override(struct scenario_override *list, int *count, const char *path,
                        const char *value) {
    list[*count].path = strdup(path);
    list[*count].value = strdup(value);
    list[*count].origin = strdup("coalition");
    (*count)++;
    return list[*count - 1].path && list[*count - 1].value && list[*count - 1].origin ? 0 : -1;
}

static void free_overrides(struct scenario_override *list, int count) {
    for (int i = 0; i < count; i++) {
        free(list[i].path);
        free(list[i].value);
        free(list[i].origin);
    }
}

int coalition_add_variants(struct plan *plan, const char *const *state_codes, int n_states,
                           char *err, size_t errlen) {
    if (n_states < 1 || n_states > COALITION_MAX_STATES) {
        snprintf(err, errlen,
                 "coalitions needs 1 to %d states (2^N variants); this scenario has %d",
                 COALITION_MAX_STATES, n_states);
        return -1;
    }
    /* Per state: policy, threshold, scope, by_domain removal, one agreement per other state;
     * plus the region-wide and the defaults' by_domain. */
    int capacity = 2 + n_states * (n_states + 3);
    struct scenario_override *list = calloc((size_t)capacity, sizeof *list);
    char *label = malloc((size_t)n_states * 9 + 40);
    if (!list || !label) {
        free(list), free(label);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int status = 0;
    /* Variants 0 .. 2^n - 1: the coalitions; then variant 2^n + i: everyone shares with everyone
     * except that state i withholds (it free-rides on the grand coalition); then, for n up to
     * COALITION_MAX_PARTITION_STATES, the coalition structures with two or more blocks of two
     * or more states (coalition_core.h), where members share inside their own block only. */
    unsigned coalitions = 1u << n_states;
    struct coalition_structures *structures =
        n_states <= COALITION_MAX_PARTITION_STATES ? coalition_structures_alloc(n_states) : NULL;
    if (n_states <= COALITION_MAX_PARTITION_STATES && !structures) status = -1;
    unsigned items =
        coalitions + (unsigned)n_states + (structures ? (unsigned)structures->n_multi : 0);
    int partition = 0; /* next partition to look at for a multi-block variant */
    for (unsigned item = 0; status == 0 && item < items; item++) {
        unsigned mask = item < coalitions ? item : coalitions - 1;
        int rider = item < coalitions || item >= coalitions + (unsigned)n_states
                        ? -1
                        : (int)(item - coalitions);
        int group[COALITION_MAX_STATES];
        for (int i = 0; i < n_states; i++) group[i] = mask >> i & 1u ? 0 : -1 - i;
        if (item >= coalitions + (unsigned)n_states) {
            while (structures->row[partition] < (int)(coalitions + (unsigned)n_states)) partition++;
            for (int i = 0; i < n_states; i++)
                group[i] = structures->block[(size_t)partition * (size_t)n_states + (size_t)i];
        }
        int count = 0;
        char path[128];
        /* every layer that could set sharing is overridden: per-domain rules at all three
         * layers are removed, and each state's own policy, threshold and scope (the highest
         * base layer) are set; each state's latency is kept (how fast its services vet a
         * report, not whether it shares) */
        status |= add_override(list, &count, "sharing.by_domain", "~");
        status |= add_override(list, &count, "defaults.sharing.by_domain", "~");
        for (int i = 0; i < n_states; i++) {
            snprintf(path, sizeof path, "states.%s.sharing.policy", state_codes[i]);
            status |= add_override(list, &count, path, "agreements");
            snprintf(path, sizeof path, "states.%s.sharing.threshold", state_codes[i]);
            status |= add_override(list, &count, path, "0");
            snprintf(path, sizeof path, "states.%s.sharing.scope", state_codes[i]);
            status |= add_override(list, &count, path, "all");
            snprintf(path, sizeof path, "states.%s.sharing.by_domain", state_codes[i]);
            status |= add_override(list, &count, path, "~");
            for (int j = 0; j < n_states; j++) {
                if (j == i) continue;
                int together = group[i] == group[j] && i != rider;
                snprintf(path, sizeof path, "states.%s.sharing.agreements.%s", state_codes[i],
                         state_codes[j]);
                status |= add_override(list, &count, path, together ? "1" : "0");
            }
        }
        if (item >= coalitions + (unsigned)n_states) {
            coalition_structure_label(structures, partition, state_codes, label,
                                      (size_t)n_states * 9 + 40);
            partition++;
        } else {
            size_t used = 0;
            used += (size_t)sprintf(label, "{");
            for (int i = 0, first = 1; i < n_states; i++)
                if (mask >> i & 1u) {
                    used += (size_t)sprintf(label + used, "%s%s", first ? "" : ",", state_codes[i]);
                    first = 0;
                }
            used += (size_t)sprintf(label + used, "}");
            if (rider >= 0) sprintf(label + used, " %s free-rides", state_codes[rider]);
        }
        int index = status == 0 ? plan_add_variant(plan, label, list, count) : -1;
        if (index < 0)
            status = -1;
        else
            plan->variants[index].members = item >= coalitions + (unsigned)n_states ? 0
                                            : rider >= 0 ? mask & ~(1u << rider)
                                                         : mask;
        free_overrides(list, count);
    }
    coalition_structures_free(structures);
    free(list);
    free(label);
    if (status != 0) snprintf(err, errlen, "out of memory");
    return status == 0 ? 0 : -1;
}

void coalition_values(const double *loss, int n, double *value) {
    for (unsigned mask = 0; mask < (1u << n); mask++) {
        double sum = 0.0;
        for (int i = 0; i < n; i++)
            if (mask >> i & 1u) sum += loss[i] - loss[(size_t)mask * (size_t)n + (size_t)i];
        value[mask] = sum;
    }
}

void coalition_shapley(const double *value, int n, double *phi) {
    /* weight[s] = s! (n - s - 1)! / n!, computed as a product to stay exact-ish for n <= 10. */
    double weight[COALITION_MAX_STATES];
    for (int s = 0; s < n; s++) {
        double w = 1.0 / n;
        /* s! (n-s-1)! / (n-1)! = 1 / C(n-1, s) */
        double binomial = 1.0;
        for (int k = 1; k <= s; k++) binomial = binomial * (double)(n - k) / (double)k;
        weight[s] = w / binomial;
    }
    for (int i = 0; i < n; i++) {
        double sum = 0.0;
        for (unsigned mask = 0; mask < (1u << n); mask++) {
            if (mask >> i & 1u) continue;
            int size = __builtin_popcount(mask);
            sum += weight[size] * (value[mask | (1u << i)] - value[mask]);
        }
        phi[i] = sum;
    }
}

void coalition_leave_gain(const double *loss, int n, double *gain) {
    unsigned grand = (1u << n) - 1u;
    for (int i = 0; i < n; i++) {
        unsigned without = grand & ~(1u << i);
        gain[i] = loss[(size_t)grand * (size_t)n + (size_t)i] -
                  loss[(size_t)without * (size_t)n + (size_t)i];
    }
}

void coalition_free_ride_gain(const double *loss, int n, double *gain) {
    unsigned grand = (1u << n) - 1u;
    for (int i = 0; i < n; i++) {
        size_t rider = (size_t)(grand + 1u) + (size_t)i;
        gain[i] = loss[(size_t)grand * (size_t)n + (size_t)i] - loss[rider * (size_t)n + (size_t)i];
    }
}

void coalition_exclusion_cost(const double *loss, int n, double *cost) {
    unsigned grand = (1u << n) - 1u;
    for (int i = 0; i < n; i++) {
        unsigned without = grand & ~(1u << i);
        size_t rider = (size_t)(grand + 1u) + (size_t)i;
        double excluded = 0, kept = 0;
        for (int j = 0; j < n; j++) {
            if (j == i) continue;
            excluded += loss[(size_t)without * (size_t)n + (size_t)j];
            kept += loss[rider * (size_t)n + (size_t)j];
        }
        cost[i] = excluded - kept;
    }
}

void coalition_side_payments(const double *loss, const double *phi, int n, double *payment) {
    unsigned grand = (1u << n) - 1u;
    for (int i = 0; i < n; i++)
        payment[i] = phi[i] - (loss[i] - loss[(size_t)grand * (size_t)n + (size_t)i]);
}
