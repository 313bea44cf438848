/* decode_partners.c — partners, the fusion centre, trust, burn and mutual assistance. */
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

void decode_partners(struct decoder *d, const struct tree *root) {
    struct world *w = d->w;
    struct tree *partners = tree_get(root, "partners", NULL);
    if (!partners || tree_is_null(partners)) return;
    if (!decode_is_map(d, partners, "partners", "a mapping from partner id to partner")) return;
    if (partners->count > MAX_PARTNERS) {
        decode_fail(d, partners, "partners", "%d partners (expected at most %d)", partners->count,
                    MAX_PARTNERS);
        return;
    }
    w->partners = calloc((size_t)partners->count + 1, sizeof *w->partners);
    if (!w->partners) return;
    /* `regions` (upstream collection) is read with the channels (decode_channels.c) */
    static const char *const keys[] = {"name",  "coverage", "members",
                                       "level", "latency",  "regions"};
    for (int i = 0; i < partners->count; i++) {
        const struct tree *key = partners->keys[i], *node = partners->items[i];
        char path[512], where[512];
        decode_join(path, sizeof path, "partners", key->text);
        if (decode_entity_created(d, key, path, "partner", partners)) continue;
        if (!decode_id_ok(key->text, 0, WORLD_NAME_MAX - 1)) {
            decode_fail(d, key, path,
                        "'%s' is not a partner id (expected lowercase letters, digits, _)",
                        key->text);
            continue;
        }
        if (!decode_is_map(d, node, path, "a partner mapping (coverage, members, level, latency)"))
            continue;
        decode_check_keys(d, node, path, keys, 6);
        struct world_partner *partner = &w->partners[w->n_partners++];
        snprintf(partner->id, sizeof partner->id, "%s", key->text);
        snprintf(partner->name, sizeof partner->name, "%s", key->text);
        partner->members = w->n_states >= 64 ? UINT64_MAX : (UINT64_C(1) << w->n_states) - 1;
        partner->share_level = 1;
        struct tree *value;
        if ((value = tree_get(node, "name", NULL)))
            decode_text(d, value, decode_join(where, sizeof where, path, "name"), partner->name,
                        sizeof partner->name);
        if ((value = tree_get(node, "coverage", NULL))) {
            struct per_domain coverage;
            decode_per_domain(d, value, decode_join(where, sizeof where, path, "coverage"),
                              &coverage);
            decode_apply_per_domain(&coverage, partner->coverage, w->n_domains);
        }
        if ((value = tree_get(node, "members", NULL)))
            decode_state_set(d, value, decode_join(where, sizeof where, path, "members"),
                             &partner->members);
        decode_opt_probability(d, node, path, "level", &partner->share_level);
        decode_opt_integer(d, node, path, "latency", 0, 1000, &partner->latency);
    }
}

void decode_hub_trust_burn(struct decoder *d, const struct tree *root) {
    struct world *w = d->w;
    char where[512];
    w->hub_latency = 1;
    for (int s = 0; s < w->n_states; s++) w->states[s].hub_member = 1;
    struct tree *hub = tree_get(root, "hub", NULL), *value;
    if (hub && decode_is_map(d, hub, "hub", "a mapping {members, latency, monitoring, fusion}")) {
        static const char *const keys[] = {"members", "latency", "monitoring", "fusion"};
        decode_check_keys(d, hub, "hub", keys, 4);
        if ((value = tree_get(hub, "fusion", NULL)))
            decode_bool(d, value, "hub.fusion", &w->hub_fusion);
        uint64_t members;
        if ((value = tree_get(hub, "members", NULL)) &&
            decode_state_set(d, value, "hub.members", &members) == 0)
            for (int s = 0; s < w->n_states; s++) w->states[s].hub_member = (members >> s) & 1;
        decode_opt_integer(d, hub, "hub", "latency", 0, 1000, &w->hub_latency);
        decode_opt_probability(d, hub, "hub", "monitoring", &w->hub_monitoring);
    }
    w->trust = (struct world_trust){0.5, 0.05, 0.2, 0.1, 0.3};
    struct tree *trust = tree_get(root, "trust", NULL);
    if (trust && decode_is_map(d, trust, "trust", "a mapping of trust dynamics")) {
        static const char *const keys[] = {"initial", "gain_used", "loss_leak", "loss_hidden",
                                           "discover_hidden"};
        decode_check_keys(d, trust, "trust", keys, 5);
        decode_opt_probability(d, trust, "trust", "initial", &w->trust.initial);
        decode_opt_probability(d, trust, "trust", "gain_used", &w->trust.gain_used);
        decode_opt_probability(d, trust, "trust", "loss_leak", &w->trust.loss_leak);
        decode_opt_probability(d, trust, "trust", "loss_hidden", &w->trust.loss_hidden);
        decode_opt_probability(d, trust, "trust", "discover_hidden", &w->trust.discover_hidden);
    }
    w->burn_factor = 0.5;
    w->burn_ticks = 30;
    struct tree *burn = tree_get(root, "burn", NULL);
    if (burn && decode_is_map(d, burn, "burn", "a mapping {factor, ticks}")) {
        static const char *const keys[] = {"factor", "ticks"};
        decode_check_keys(d, burn, "burn", keys, 2);
        decode_opt_probability(d, burn, "burn", "factor", &w->burn_factor);
        decode_opt_integer(d, burn, "burn", "ticks", 0, MAX_TICKS, &w->burn_ticks);
    }
    w->assistance_units = 1;
    struct tree *assistance = tree_get(root, "mutual_assistance", NULL);
    if (assistance &&
        decode_is_map(d, assistance, "mutual_assistance", "a mapping {members, units}")) {
        static const char *const keys[] = {"members", "units"};
        decode_check_keys(d, assistance, "mutual_assistance", keys, 2);
        uint64_t members;
        if ((value = tree_get(assistance, "members", NULL)) &&
            decode_state_set(d, value,
                             decode_join(where, sizeof where, "mutual_assistance", "members"),
                             &members) == 0)
            for (int s = 0; s < w->n_states; s++)
                w->states[s].mutual_assistance = (members >> s) & 1;
        decode_opt_integer(d, assistance, "mutual_assistance", "units", 0, 10000,
                           &w->assistance_units);
    }
}

/* A state whose policy is `hub` must belong to the centre. Reported once per state. */
void decode_check_hub(struct decoder *d, const struct tree *root) {
    struct world *w = d->w;
    for (int s = 0; s < w->n_states; s++) {
        if (w->states[s].hub_member) continue;
        for (int k = 0; k < w->n_domains; k++) {
            if (w->sharing[world_sd(w, s, k)].policy != POLICY_HUB) continue;
            char path[512];
            snprintf(path, sizeof path, "states.%s.sharing.policy", w->states[s].code);
            struct tree *states = tree_get(root, "states", NULL);
            struct tree *key = NULL;
            tree_get(states, w->states[s].code, &key);
            decode_fail(d, key, path,
                        "%s shares through the hub in %s but is not a hub member (expected %s in "
                        "hub.members, or another policy)",
                        w->states[s].code, w->domain_names[k], w->states[s].code);
            break;
        }
    }
}
