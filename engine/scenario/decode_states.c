/* decode_states.c — states: sharing rules and state parameters in layers (built-in defaults,
 * `defaults:`, the state; sharing: top-level, `defaults.sharing`, the state's own, each layer's
 * `by_domain` above all base keys). */
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

/* ---- sharing -------------------------------------------------------------------------------- */

enum { HAS_POLICY = 1, HAS_SCOPE = 2, HAS_LEVEL = 4, HAS_THRESHOLD = 8, HAS_LATENCY = 16 };

static const char *const policy_names[] = {"withhold",   "full",       "level",
                                           "agreements", "reciprocal", "hub"};
static const char *const scope_names[] = {"all", "neighbours", "route"};

struct sharing_fields {
    unsigned has;
    struct world_sharing value;
};

struct sharing_layer {
    struct sharing_fields base;
    struct sharing_fields domain[WORLD_MAX_DOMAINS];
    uint64_t agreement_has;
    double agreement[WORLD_MAX_STATES];
    struct adapt_fields adapt; /* `adapt` (decode_strategy.c) */
};

static void decode_sharing_fields(struct decoder *d, const struct tree *map, const char *path,
                                  struct sharing_fields *out) {
    char where[512];
    struct tree *node;
    if ((node = tree_get(map, "policy", NULL))) {
        int policy = decode_choice(d, node, decode_join(where, sizeof where, path, "policy"),
                                   policy_names, 6, "sharing policy");
        if (policy >= 0) out->value.policy = policy, out->has |= HAS_POLICY;
    }
    if ((node = tree_get(map, "scope", NULL))) {
        int scope = decode_choice(d, node, decode_join(where, sizeof where, path, "scope"),
                                  scope_names, 3, "sharing scope");
        if (scope >= 0) out->value.scope = scope, out->has |= HAS_SCOPE;
    }
    if ((node = tree_get(map, "level", NULL)) &&
        decode_probability(d, node, decode_join(where, sizeof where, path, "level"),
                           &out->value.level) == 0)
        out->has |= HAS_LEVEL;
    if ((node = tree_get(map, "threshold", NULL)) &&
        decode_nonnegative(d, node, decode_join(where, sizeof where, path, "threshold"),
                           &out->value.threshold) == 0)
        out->has |= HAS_THRESHOLD;
    long long latency;
    if ((node = tree_get(map, "latency", NULL)) &&
        decode_integer(d, node, decode_join(where, sizeof where, path, "latency"), 0, 1000,
                       &latency) == 0) {
        out->value.latency = (int)latency;
        out->has |= HAS_LATENCY;
    }
}

/* `self`: the state this sharing belongs to (an agreement with itself is an error), or -1. */
static void decode_sharing(struct decoder *d, const struct tree *node, const char *path, int self,
                           struct sharing_layer *out) {
    memset(out, 0, sizeof *out);
    if (!decode_is_map(d, node, path, "a sharing mapping (policy, level, agreements, ...)")) return;
    static const char *const keys[] = {"policy", "level",   "agreements", "threshold",
                                       "scope",  "latency", "by_domain",  "adapt"};
    decode_check_keys(d, node, path, keys, 8);
    decode_sharing_fields(d, node, path, &out->base);
    char where[512], inner[512];
    struct tree *adapt = tree_get(node, "adapt", NULL);
    if (adapt) decode_adapt(d, adapt, decode_join(where, sizeof where, path, "adapt"), &out->adapt);
    struct tree *agreements = tree_get(node, "agreements", NULL);
    decode_join(where, sizeof where, path, "agreements");
    if (agreements &&
        decode_is_map(d, agreements, where, "a mapping from state code to probability")) {
        for (int i = 0; i < agreements->count; i++) {
            const struct tree *key = agreements->keys[i];
            decode_join(inner, sizeof inner, where, key->text);
            int s = decode_state_index(d, key->text);
            if (s < 0) {
                decode_fail_no_state(d, key, inner, key->text);
                continue;
            }
            if (s == self) {
                decode_fail(d, key, inner, "an agreement of %s with itself (expected other states)",
                            key->text);
                continue;
            }
            if (decode_probability(d, agreements->items[i], inner, &out->agreement[s]) == 0)
                out->agreement_has |= UINT64_C(1) << s;
        }
    }
    struct tree *by_domain = tree_get(node, "by_domain", NULL);
    decode_join(where, sizeof where, path, "by_domain");
    if (by_domain && !tree_is_null(by_domain) &&
        decode_is_map(d, by_domain, where, "a mapping from domain to sharing keys")) {
        decode_check_keys(d, by_domain, where, d->domain_names, d->w->n_domains);
        static const char *const domain_keys[] = {"policy", "level", "threshold", "scope",
                                                  "latency"};
        for (int k = 0; k < d->w->n_domains; k++) {
            struct tree *one = tree_get(by_domain, d->domain_names[k], NULL);
            if (!one) continue;
            decode_join(inner, sizeof inner, where, d->domain_names[k]);
            if (!decode_is_map(d, one, inner, "a mapping of sharing keys (policy, level, ...)"))
                continue;
            decode_check_keys(d, one, inner, domain_keys, 5);
            decode_sharing_fields(d, one, inner, &out->domain[k]);
        }
    }
}

static void sharing_apply(const struct sharing_fields *layer, struct world_sharing *value) {
    if (layer->has & HAS_POLICY) value->policy = layer->value.policy;
    if (layer->has & HAS_SCOPE) value->scope = layer->value.scope;
    if (layer->has & HAS_LEVEL) value->level = layer->value.level;
    if (layer->has & HAS_THRESHOLD) value->threshold = layer->value.threshold;
    if (layer->has & HAS_LATENCY) value->latency = layer->value.latency;
}

/* ---- states --------------------------------------------------------------------------------- */

enum {
    HAS_UNITS = 1,
    HAS_INTERDICTION = 2,
    HAS_BUSY = 4,
    HAS_LEAK = 8,
    HAS_COST = 16,
    HAS_NOISE = 32,
    HAS_NETWORK_COST = 64,
};

struct state_layer {
    struct per_domain detect, border, cue, network, mitigation;
    unsigned has;
    struct world_state value;
    int has_sharing;
    struct sharing_layer sharing;
    struct exploit_fields exploit;
};

static void decode_state_layer(struct decoder *d, const struct tree *node, const char *path,
                               int self, struct state_layer *out) {
    memset(out, 0, sizeof *out);
    static const char *const keys[] = {"name",
                                       "detect",
                                       "border_bonus",
                                       "cue_gain",
                                       "network_gain",
                                       "mitigation",
                                       "response",
                                       "leak",
                                       "cost_per_report",
                                       "cost_per_network_report",
                                       "severity_noise",
                                       "sharing",
                                       "collection",
                                       "exploit",
                                       "monitoring",
                                       "gdp",
                                       "population"};
    /* `defaults` (self < 0) takes every state key but the name, the GDP and the population (the
     * facts of one state); `collection` is read with the channels once the regions are known
     * (decode_channels.c). */
    enum { N_KEYS = sizeof keys / sizeof keys[0] };
    decode_check_keys(d, node, path, self >= 0 ? keys : keys + 1, self >= 0 ? N_KEYS : N_KEYS - 3);
    char where[512], inner[512];
    struct tree *value;
    if ((value = tree_get(node, "detect", NULL)))
        decode_per_domain(d, value, decode_join(where, sizeof where, path, "detect"), &out->detect);
    if ((value = tree_get(node, "border_bonus", NULL)))
        decode_per_domain(d, value, decode_join(where, sizeof where, path, "border_bonus"),
                          &out->border);
    if ((value = tree_get(node, "cue_gain", NULL)))
        decode_per_domain(d, value, decode_join(where, sizeof where, path, "cue_gain"), &out->cue);
    if ((value = tree_get(node, "network_gain", NULL)))
        decode_per_domain(d, value, decode_join(where, sizeof where, path, "network_gain"),
                          &out->network);
    if ((value = tree_get(node, "mitigation", NULL)))
        decode_per_domain(d, value, decode_join(where, sizeof where, path, "mitigation"),
                          &out->mitigation);
    if ((value = tree_get(node, "cost_per_network_report", NULL)) &&
        decode_nonnegative(d, value,
                           decode_join(where, sizeof where, path, "cost_per_network_report"),
                           &out->value.cost_per_network_report) == 0)
        out->has |= HAS_NETWORK_COST;
    struct tree *response = tree_get(node, "response", NULL);
    decode_join(where, sizeof where, path, "response");
    if (response &&
        decode_is_map(d, response, where, "a mapping with units, interdiction, busy_ticks")) {
        static const char *const response_keys[] = {"units", "interdiction", "busy_ticks"};
        decode_check_keys(d, response, where, response_keys, 3);
        long long integer;
        struct tree *one;
        if ((one = tree_get(response, "units", NULL)) &&
            decode_integer(d, one, decode_join(inner, sizeof inner, where, "units"), 0, 10000,
                           &integer) == 0)
            out->value.units = (int)integer, out->has |= HAS_UNITS;
        if ((one = tree_get(response, "interdiction", NULL)) &&
            decode_probability(d, one, decode_join(inner, sizeof inner, where, "interdiction"),
                               &out->value.interdiction) == 0)
            out->has |= HAS_INTERDICTION;
        if ((one = tree_get(response, "busy_ticks", NULL)) &&
            decode_integer(d, one, decode_join(inner, sizeof inner, where, "busy_ticks"), 1, 10000,
                           &integer) == 0)
            out->value.busy_ticks = (int)integer, out->has |= HAS_BUSY;
    }
    if ((value = tree_get(node, "leak", NULL)) &&
        decode_probability(d, value, decode_join(where, sizeof where, path, "leak"),
                           &out->value.leak) == 0)
        out->has |= HAS_LEAK;
    if ((value = tree_get(node, "cost_per_report", NULL)) &&
        decode_nonnegative(d, value, decode_join(where, sizeof where, path, "cost_per_report"),
                           &out->value.cost_per_report) == 0)
        out->has |= HAS_COST;
    if ((value = tree_get(node, "severity_noise", NULL)) &&
        decode_nonnegative(d, value, decode_join(where, sizeof where, path, "severity_noise"),
                           &out->value.severity_noise) == 0)
        out->has |= HAS_NOISE;
    if ((value = tree_get(node, "sharing", NULL))) {
        decode_sharing(d, value, decode_join(where, sizeof where, path, "sharing"), self,
                       &out->sharing);
        out->has_sharing = 1;
    }
    decode_exploit(d, node, path, &out->exploit);
}

/* Per-domain arrays of one state, in the world. */
struct state_rows {
    double *detect, *border, *cue, *network, *mitigation;
};

static void state_apply(const struct state_layer *layer, struct world_state *state, int n_domains,
                        const struct state_rows *rows) {
    double *detect = rows->detect, *border = rows->border, *cue = rows->cue;
    decode_apply_per_domain(&layer->network, rows->network, n_domains);
    decode_apply_per_domain(&layer->mitigation, rows->mitigation, n_domains);
    if (layer->has & HAS_NETWORK_COST)
        state->cost_per_network_report = layer->value.cost_per_network_report;
    decode_apply_per_domain(&layer->detect, detect, n_domains);
    decode_apply_per_domain(&layer->border, border, n_domains);
    decode_apply_per_domain(&layer->cue, cue, n_domains);
    if (layer->has & HAS_UNITS) state->units = layer->value.units;
    if (layer->has & HAS_INTERDICTION) state->interdiction = layer->value.interdiction;
    if (layer->has & HAS_BUSY) state->busy_ticks = layer->value.busy_ticks;
    if (layer->has & HAS_LEAK) state->leak = layer->value.leak;
    if (layer->has & HAS_COST) state->cost_per_report = layer->value.cost_per_report;
    if (layer->has & HAS_NOISE) state->severity_noise = layer->value.severity_noise;
    decode_exploit_apply(&layer->exploit, state);
}

void decode_states(struct decoder *d, const struct tree *root) {
    struct world *w = d->w;
    struct tree *states =
        decode_require(d, root, "", "states", "a mapping from state code to state");
    if (!states || !decode_is_map(d, states, "states", "a mapping from state code to state"))
        return;
    if (states->count > WORLD_MAX_STATES) {
        decode_fail(d, states, "states", "%d states (expected at most %d)", states->count,
                    WORLD_MAX_STATES);
        return;
    }
    int n = 0;
    const struct tree *nodes[WORLD_MAX_STATES];
    w->states = calloc((size_t)states->count + 1, sizeof *w->states);
    if (!w->states) return;
    for (int i = 0; i < states->count; i++) {
        const struct tree *key = states->keys[i];
        char where[512];
        decode_join(where, sizeof where, "states", key->text);
        if (decode_entity_created(d, key, where, "state", states)) continue;
        if (!decode_id_ok(key->text, 1, 7)) {
            decode_fail(
                d, key, where,
                "'%s' is not a state code (expected 2 to 7 uppercase letters or digits, e.g. "
                "TJK)",
                key->text);
            continue;
        }
        snprintf(w->states[n].code, sizeof w->states[n].code, "%s", key->text);
        snprintf(w->states[n].name, sizeof w->states[n].name, "%s", key->text);
        nodes[n++] = states->items[i];
    }
    if (n == 0 && d->failures == 0)
        decode_fail(d, states, "states", "no states (expected at least one)");
    w->n_states = n;
    for (int s = 0; s < n; s++) d->state_codes[s] = w->states[s].code;
    size_t sd = (size_t)n * (size_t)w->n_domains + 1;
    w->detect = calloc(sd, sizeof *w->detect);
    w->border_bonus = calloc(sd, sizeof *w->border_bonus);
    w->cue_gain = calloc(sd, sizeof *w->cue_gain);
    w->network_gain = calloc(sd, sizeof *w->network_gain);
    w->mitigation = calloc(sd, sizeof *w->mitigation);
    w->sharing = calloc(sd, sizeof *w->sharing);
    w->agreement = calloc((size_t)n * (size_t)n + 1, sizeof *w->agreement);
    w->neighbours = calloc((size_t)n + 1, sizeof *w->neighbours);
    struct state_layer *defaults = calloc(1, sizeof *defaults);
    struct state_layer *own = calloc(1, sizeof *own);
    struct sharing_layer *top = calloc(1, sizeof *top);
    if (!w->detect || !w->border_bonus || !w->cue_gain || !w->network_gain || !w->mitigation ||
        !w->sharing || !w->agreement || !w->neighbours || !defaults || !own || !top) {
        decode_fail(d, states, "states", "out of memory");
        goto done;
    }
    struct tree *node;
    if ((node = tree_get(root, "defaults", NULL)) &&
        decode_is_map(d, node, "defaults", "a mapping of state keys every state inherits"))
        decode_state_layer(d, node, "defaults", -1, defaults);
    if ((node = tree_get(root, "sharing", NULL))) decode_sharing(d, node, "sharing", -1, top);
    for (int s = 0; s < n; s++) {
        char path[512];
        decode_join(path, sizeof path, "states", w->states[s].code);
        struct world_state *state = &w->states[s];
        /* Built-in defaults (documented in docs/scenario-format.md). */
        state->units = 1;
        state->interdiction = 0.5;
        state->busy_ticks = 1;
        state->severity_noise = 0.3;
        state->adapt = (struct world_adapt){ADAPT_NONE, 0, 0.1, -1.0};
        state->exploit_value = -1.0; /* the gain, unless a value is given */
        double *detect = &w->detect[world_sd(w, s, 0)];
        for (int k = 0; k < w->n_domains; k++) detect[k] = 0.05;
        int has_own = 0;
        if (tree_is_null(nodes[s])) {
            memset(own, 0, sizeof *own);
        } else if (decode_is_map(d, nodes[s], path,
                                 "a state mapping (name, detect, response, ...)")) {
            decode_state_layer(d, nodes[s], path, s, own);
            has_own = 1;
            struct tree *name = tree_get(nodes[s], "name", NULL);
            char where[512];
            if (name)
                decode_text(d, name, decode_join(where, sizeof where, path, "name"), state->name,
                            sizeof state->name);
            decode_opt_nonnegative(d, nodes[s], path, "gdp", &state->gdp);
            decode_opt_nonnegative(d, nodes[s], path, "population", &state->population);
        } else {
            continue;
        }
        struct state_rows rows = {
            detect, &w->border_bonus[world_sd(w, s, 0)], &w->cue_gain[world_sd(w, s, 0)],
            &w->network_gain[world_sd(w, s, 0)], &w->mitigation[world_sd(w, s, 0)]};
        state_apply(defaults, state, w->n_domains, &rows);
        if (has_own) state_apply(own, state, w->n_domains, &rows);
        /* Sharing: base keys of each layer, then each layer's by_domain above them. */
        const struct sharing_layer *layers[3] = {
            top, defaults->has_sharing ? &defaults->sharing : NULL,
            has_own && own->has_sharing ? &own->sharing : NULL};
        for (int k = 0; k < w->n_domains; k++) {
            struct world_sharing value = {POLICY_WITHHOLD, SCOPE_ALL, 0.5, 0, 0};
            for (int l = 0; l < 3; l++)
                if (layers[l]) sharing_apply(&layers[l]->base, &value);
            for (int l = 0; l < 3; l++)
                if (layers[l]) sharing_apply(&layers[l]->domain[k], &value);
            w->sharing[world_sd(w, s, k)] = value;
        }
        const struct adapt_fields *adapt_from = NULL;
        for (int l = 0; l < 3; l++)
            if (layers[l]) decode_adapt_apply(&layers[l]->adapt, &state->adapt, &adapt_from);
        decode_adapt_check(d, s, adapt_from);
        for (int l = 0; l < 3; l++) {
            if (!layers[l]) continue;
            for (int j = 0; j < n; j++)
                if (j != s && (layers[l]->agreement_has & (UINT64_C(1) << j)))
                    w->agreement[(size_t)s * (size_t)n + (size_t)j] = layers[l]->agreement[j];
        }
    }
done:
    free(defaults);
    free(own);
    free(top);
}
