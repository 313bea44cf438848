/* decode_threats.c — the threat catalog: origins, targets, severities, dynamics. */
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

static void decode_severity(struct decoder *d, const struct tree *node, const char *path,
                            struct world_threat_type *type) {
    if (!decode_is_map(d, node, path, "a mapping {mu, sigma} or {mean, sd}")) return;
    static const char *const keys[] = {"mu", "sigma", "mean", "sd"};
    decode_check_keys(d, node, path, keys, 4);
    char where[512];
    struct tree *mu = tree_get(node, "mu", NULL), *sigma = tree_get(node, "sigma", NULL);
    struct tree *mean = tree_get(node, "mean", NULL), *sd = tree_get(node, "sd", NULL);
    if ((mu || sigma) && (mean || sd)) {
        decode_fail(d, node, path, "both {mu, sigma} and {mean, sd} given (expected one form)");
        return;
    }
    if (mean || sd) {
        double m = 1, s = 0;
        if (!mean) {
            decode_fail(d, node, decode_join(where, sizeof where, path, "mean"),
                        "missing required key (expected a mean harm > 0)");
            return;
        }
        if (decode_real(d, mean, decode_join(where, sizeof where, path, "mean"), 0, HUGE_VAL, 1,
                        "a mean harm > 0", &m) != 0)
            return;
        if (sd && decode_nonnegative(d, sd, decode_join(where, sizeof where, path, "sd"), &s) != 0)
            return;
        /* Lognormal with this mean and sd: sigma^2 = ln(1 + sd^2/mean^2). */
        double ratio = s / m;
        type->severity_sigma = sqrt(log1p(ratio * ratio));
        type->severity_mu = log(m) - type->severity_sigma * type->severity_sigma / 2;
        return;
    }
    if (!mu) {
        decode_fail(d, node, decode_join(where, sizeof where, path, "mu"),
                    "missing required key (expected the log-scale mean, or give {mean, sd})");
        return;
    }
    decode_real(d, mu, decode_join(where, sizeof where, path, "mu"), -700, 700, 0,
                "a log-scale mean in [-700, 700]", &type->severity_mu);
    if (sigma)
        decode_real(d, sigma, decode_join(where, sizeof where, path, "sigma"), 0, 100, 0,
                    "a log-scale sd in [0, 100]", &type->severity_sigma);
}

void decode_threats(struct decoder *d, const struct tree *root) {
    struct world *w = d->w;
    struct tree *threats =
        decode_require(d, root, "", "threats", "a mapping from threat id to threat");
    if (!threats || !decode_is_map(d, threats, "threats", "a mapping from threat id to threat"))
        return;
    if (threats->count > MAX_TYPES) {
        decode_fail(d, threats, "threats", "%d threat types (expected at most %d)", threats->count,
                    MAX_TYPES);
        return;
    }
    /* Capacity for origins and targets: the sizes of their mappings. */
    size_t origin_capacity = 1, target_capacity = 1;
    for (int i = 0; i < threats->count; i++) {
        struct tree *origins = tree_get(threats->items[i], "origins", NULL);
        struct tree *targets = tree_get(threats->items[i], "targets", NULL);
        if (origins && origins->kind == TREE_MAP) origin_capacity += (size_t)origins->count;
        if (targets && targets->kind == TREE_MAP) target_capacity += (size_t)targets->count;
    }
    if (origin_capacity > MAX_TARGETS || target_capacity > MAX_TARGETS) {
        decode_fail(d, threats, "threats",
                    "too many origins or targets in all (expected at most %d)", MAX_TARGETS);
        return;
    }
    w->types = calloc((size_t)threats->count + 1, sizeof *w->types);
    w->origins = calloc(origin_capacity, sizeof *w->origins);
    w->targets = calloc(target_capacity, sizeof *w->targets);
    w->target_weights = calloc(target_capacity, sizeof *w->target_weights);
    d->s->rate_nodes = calloc(origin_capacity, sizeof *d->s->rate_nodes);
    d->origin_keys = calloc(origin_capacity, sizeof *d->origin_keys);
    d->target_keys = calloc(target_capacity, sizeof *d->target_keys);
    d->s->target_weights_given = calloc(target_capacity, sizeof *d->s->target_weights_given);
    if (!d->s->target_weights_given || !w->types || !w->origins || !w->targets ||
        !w->target_weights || !d->s->rate_nodes || !d->origin_keys || !d->target_keys)
        return;
    static const char *const keys[] = {
        "name",          "domain",   "origins",    "targets",   "stealth", "dwell",      "severity",
        "harm_per_tick", "adaptive", "escalation", "contagion", "network", "time_weight"};
    for (int i = 0; i < threats->count; i++) {
        const struct tree *key = threats->keys[i], *node = threats->items[i];
        char path[512], where[512], inner[512];
        decode_join(path, sizeof path, "threats", key->text);
        if (decode_entity_created(d, key, path, "threat", threats)) continue;
        if (!decode_id_ok(key->text, 0, WORLD_NAME_MAX - 1)) {
            decode_fail(
                d, key, path,
                "'%s' is not a threat id (expected lowercase letters, digits and _, starting "
                "with a letter)",
                key->text);
            continue;
        }
        if (!decode_is_map(d, node, path,
                           "a threat mapping (domain, origins, targets, severity, ...)"))
            continue;
        decode_check_keys(d, node, path, keys, 13);
        struct world_threat_type *type = &w->types[w->n_types++];
        snprintf(type->id, sizeof type->id, "%s", key->text);
        snprintf(type->name, sizeof type->name, "%s", key->text);
        type->stealth = 1;
        type->dwell = 1;
        type->first_origin = w->n_origins;
        type->first_target = w->n_targets;
        struct tree *value;
        if ((value = tree_get(node, "name", NULL)))
            decode_text(d, value, decode_join(where, sizeof where, path, "name"), type->name,
                        sizeof type->name);
        if ((value = decode_require(d, node, path, "domain", "one of the scenario's domains")))
            type->domain = decode_choice(d, value, decode_join(where, sizeof where, path, "domain"),
                                         d->domain_names, w->n_domains, "domain");
        if (type->domain < 0) type->domain = 0;
        struct tree *origins =
            decode_require(d, node, path, "origins", "a mapping region -> {rate}");
        decode_join(where, sizeof where, path, "origins");
        if (origins &&
            decode_is_map(d, origins, where, "a mapping from region id to {rate, season}")) {
            if (origins->count == 0)
                decode_fail(d, origins, where, "no origins (expected at least one)");
            for (int j = 0; j < origins->count; j++) {
                const struct tree *origin_key = origins->keys[j], *origin = origins->items[j];
                decode_join(inner, sizeof inner, where, origin_key->text);
                if (decode_entity_created(d, origin_key, inner, "origin", origins)) continue;
                int region = decode_region(d, origin_key, inner);
                if (region < 0) continue;
                if (!decode_is_map(d, origin, inner, "a mapping with rate (and optionally season)"))
                    continue;
                static const char *const origin_keys[] = {"rate", "season"};
                decode_check_keys(d, origin, inner, origin_keys, 2);
                struct world_origin *slot = &w->origins[w->n_origins];
                *slot = (struct world_origin){region, 0, 0, 0, 1};
                char leaf[600];
                struct tree *rate =
                    decode_require(d, origin, inner, "rate", "arrivals per tick >= 0");
                if (rate)
                    decode_real(d, rate, decode_join(leaf, sizeof leaf, inner, "rate"), 0, 1e9, 0,
                                "arrivals per tick in [0, 1e9]", &slot->rate);
                struct tree *season = tree_get(origin, "season", NULL);
                decode_join(leaf, sizeof leaf, inner, "season");
                if (season &&
                    decode_is_map(d, season, leaf, "a mapping {amplitude, peak, period}")) {
                    static const char *const season_keys[] = {"amplitude", "peak", "period"};
                    decode_check_keys(d, season, leaf, season_keys, 3);
                    char part[700];
                    struct tree *one;
                    if ((one = decode_require(d, season, leaf, "amplitude", "a number in [0, 1]")))
                        decode_probability(d, one,
                                           decode_join(part, sizeof part, leaf, "amplitude"),
                                           &slot->season_amplitude);
                    if ((one = tree_get(season, "peak", NULL)))
                        decode_real(d, one, decode_join(part, sizeof part, leaf, "peak"), -1e9, 1e9,
                                    0, "a tick number", &slot->season_peak);
                    if ((one = decode_require(d, season, leaf, "period", "ticks > 0")))
                        decode_real(d, one, decode_join(part, sizeof part, leaf, "period"), 0, 1e9,
                                    1, "a period in ticks > 0", &slot->season_period);
                }
                d->s->rate_nodes[w->n_origins] = rate;
                d->origin_keys[w->n_origins] = origin_key;
                w->n_origins++;
                type->n_origins++;
            }
        }
        struct tree *targets =
            decode_require(d, node, path, "targets", "a mapping region -> weight");
        decode_join(where, sizeof where, path, "targets");
        if (targets && decode_is_map(d, targets, where, "a mapping from region id to weight")) {
            double sum = 0;
            for (int j = 0; j < targets->count; j++) {
                const struct tree *target_key = targets->keys[j];
                decode_join(inner, sizeof inner, where, target_key->text);
                if (decode_entity_created(d, target_key, inner, "target", targets)) continue;
                int region = decode_region(d, target_key, inner);
                double weight;
                if (decode_real(d, targets->items[j], inner, 0, 1e12, 0, "a weight >= 0",
                                &weight) != 0 ||
                    region < 0)
                    continue;
                if (w->regions[region].owner == -1) {
                    decode_fail(d, target_key, inner,
                                "%s is an external region (expected a region owned by a state)",
                                target_key->text);
                    continue;
                }
                w->targets[w->n_targets] = region;
                w->target_weights[w->n_targets] = weight;
                d->s->target_weights_given[w->n_targets] = weight;
                d->target_keys[w->n_targets] = target_key;
                w->n_targets++;
                type->n_targets++;
                sum += weight;
            }
            if (type->n_targets > 0 && sum <= 0)
                decode_fail(d, targets, where, "the weights sum to 0 (expected a positive weight)");
            else if (targets->count == 0)
                decode_fail(d, targets, where, "no targets (expected at least one)");
            for (int j = 0; j < type->n_targets && sum > 0; j++)
                w->target_weights[type->first_target + j] /= sum;
        }
        decode_opt_probability(d, node, path, "stealth", &type->stealth);
        decode_opt_integer(d, node, path, "dwell", 1, 10000, &type->dwell);
        if ((value =
                 decode_require(d, node, path, "severity", "a mapping {mu, sigma} or {mean, sd}")))
            decode_severity(d, value, decode_join(where, sizeof where, path, "severity"), type);
        decode_opt_nonnegative(d, node, path, "harm_per_tick", &type->harm_per_tick);
        decode_opt_nonnegative(d, node, path, "time_weight", &type->time_weight);
        if ((value = tree_get(node, "adaptive", NULL)))
            decode_bool(d, value, decode_join(where, sizeof where, path, "adaptive"),
                        &type->adaptive);
        struct tree *escalation = tree_get(node, "escalation", NULL);
        decode_join(where, sizeof where, path, "escalation");
        if (escalation && decode_is_map(d, escalation, where, "a mapping {boost, decay}")) {
            static const char *const escalation_keys[] = {"boost", "decay"};
            decode_check_keys(d, escalation, where, escalation_keys, 2);
            if ((value = tree_get(escalation, "boost", NULL)))
                decode_real(d, value, decode_join(inner, sizeof inner, where, "boost"), 0, 1000, 0,
                            "a boost in [0, 1000]", &type->escalation_boost);
            decode_opt_probability(d, escalation, where, "decay", &type->escalation_decay);
        }
        decode_opt_probability(d, node, path, "contagion", &type->contagion);
        if ((value = tree_get(node, "network", NULL)) && !tree_is_null(value))
            decode_network(d, value, decode_join(where, sizeof where, path, "network"), type);
    }
    if (w->n_types == 0 && d->failures == 0)
        decode_fail(d, threats, "threats", "no threat types (expected at least one)");
}
