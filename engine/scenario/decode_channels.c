/* decode_channels.c — the channels of intelligence (docs/model.md §5.9-§5.13) in the format:
 * a threat type's `network`, upstream `collection` of states and `regions` of partners (read
 * once regions and partners are known), the campaign slots (once paths are known), and the
 * `channels` switches that turn a channel off everywhere without editing its parameters.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoder.h"

/* ---- networks ------------------------------------------------------------------------------- */

void decode_network(struct decoder *d, const struct tree *node, const char *path,
                    struct world_threat_type *type) {
    type->intel_ticks = 30;
    if (!decode_is_map(d, node, path, "a mapping {count or campaigns, intel_ticks, rotation}"))
        return;
    static const char *const keys[] = {"count", "campaigns", "intel_ticks", "rotation"};
    decode_check_keys(d, node, path, keys, 4);
    char where[512], inner[512];
    struct tree *count = tree_get(node, "count", NULL);
    struct tree *campaigns = tree_get(node, "campaigns", NULL);
    if (count && campaigns) {
        decode_fail(d, campaigns, decode_join(where, sizeof where, path, "campaigns"),
                    "both count and campaigns given (expected one: standing networks, or "
                    "campaigns that start and end)");
    } else if (!count && !campaigns) {
        decode_fail(d, node, path,
                    "missing count or campaigns (expected count: N standing networks, or "
                    "campaigns: {rate, lifetime})");
    } else if (count) {
        long long value;
        if (decode_integer(d, count, decode_join(where, sizeof where, path, "count"), 1,
                           WORLD_MAX_NETWORKS, &value) == 0) {
            type->network_kind = NETWORK_FIXED;
            type->networks = (int)value;
        }
    } else if (decode_is_map(d, campaigns, decode_join(where, sizeof where, path, "campaigns"),
                             "a mapping {rate, lifetime, max_campaigns}")) {
        static const char *const campaign_keys[] = {"rate", "lifetime", "max_campaigns"};
        decode_check_keys(d, campaigns, where, campaign_keys, 3);
        type->network_kind = NETWORK_CAMPAIGNS;
        struct tree *value;
        if ((value = decode_require(d, campaigns, where, "rate", "campaign starts per tick >= 0")))
            decode_real(d, value, decode_join(inner, sizeof inner, where, "rate"), 0, 1000, 0,
                        "campaign starts per tick in [0, 1000]", &type->campaign_rate);
        long long integer;
        if ((value = decode_require(d, campaigns, where, "lifetime", "ticks in 1..100000")) &&
            decode_integer(d, value, decode_join(inner, sizeof inner, where, "lifetime"), 1, 100000,
                           &integer) == 0)
            type->campaign_lifetime = (int)integer;
        /* 0: computed from the rate, the lifetime and the threats' longest life */
        decode_opt_integer(d, campaigns, where, "max_campaigns", 1, WORLD_MAX_NETWORKS,
                           &type->networks);
    }
    decode_opt_integer(d, node, path, "intel_ticks", 0, 100000, &type->intel_ticks);
    decode_opt_probability(d, node, path, "rotation", &type->rotation);
}

/* Campaign slots of a type that did not say `max_campaigns`: a campaign's slot is held while it
 * runs and until its last threat is gone, so at most the campaigns started within lifetime +
 * the longest life of a threat (path plus dwell; twice that for adaptive types, whose routes may
 * be longer) are held at once; Poisson with mean m, bounded by m + 10 sqrt(m) + 8 except with
 * negligible probability (the run stops with a clear message if it happens). */
void decode_network_slots(struct decoder *d, const struct tree *root) {
    struct world *w = d->w;
    long total = 0;
    for (int k = 0; k < w->n_types; k++) {
        struct world_threat_type *type = &w->types[k];
        if (type->network_kind == NETWORK_CAMPAIGNS && type->networks == 0) {
            int longest = 0;
            for (int p = w->type_first_path[k]; p < w->type_first_path[k + 1]; p++) {
                const struct world_path *path = &w->paths[p];
                int ticks = w->path_enter[path->first + path->length - 1];
                if (ticks > longest) longest = ticks;
            }
            double life = (double)(longest + type->dwell) * (type->adaptive ? 2 : 1);
            double mean = type->campaign_rate * (type->campaign_lifetime + life);
            double bound = ceil(mean + 10 * sqrt(mean) + 8);
            type->networks = bound > WORLD_MAX_NETWORKS ? WORLD_MAX_NETWORKS : (int)bound;
        }
        if (type->network_kind != NETWORK_NONE) total += type->networks;
    }
    if (total > WORLD_MAX_NETWORK_SLOTS)
        decode_fail(d, tree_get(root, "threats", NULL), "threats",
                    "%ld networks and campaign slots in all (expected at most %d)", total,
                    WORLD_MAX_NETWORK_SLOTS);
    w->n_network_slots = (int)(total > WORLD_MAX_NETWORK_SLOTS ? 0 : total);
}

/* ---- upstream collection -------------------------------------------------------------------- */

/* One watcher of one external region: `who` < n_states a state, else partner who - n_states. */
struct watch {
    int region, who, layer; /* layer: 0 `defaults`, 1 the state's own or a partner's */
    struct per_domain coverage;
};

struct watches {
    struct watch *items;
    size_t count, capacity;
    int failed;
};

static void watch_add(struct watches *list, int region, int who, int layer,
                      const struct per_domain *coverage) {
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? 2 * list->capacity : 64;
        struct watch *grown = realloc(list->items, capacity * sizeof *grown);
        if (!grown) {
            list->failed = 1;
            return;
        }
        list->items = grown;
        list->capacity = capacity;
    }
    list->items[list->count++] = (struct watch){region, who, layer, *coverage};
}

/* A mapping region -> per-domain coverage, every region external. */
static void decode_watch_map(struct decoder *d, const struct tree *node, const char *path, int who,
                             int layer, struct watches *list) {
    if (!decode_is_map(d, node, path, "a mapping from external region id to coverage")) return;
    char where[512];
    for (int i = 0; i < node->count; i++) {
        const struct tree *key = node->keys[i];
        decode_join(where, sizeof where, path, key->text);
        int g = decode_region(d, key, where);
        if (g < 0) continue;
        if (d->w->regions[g].owner != -1) {
            decode_fail(d, key, where,
                        "%s is owned by a state (expected an external region: collection "
                        "watches areas no state governs)",
                        key->text);
            continue;
        }
        struct per_domain coverage;
        decode_per_domain(d, node->items[i], where, &coverage);
        watch_add(list, g, who, layer, &coverage);
    }
}

static int compare_watches(const void *a, const void *b) {
    const struct watch *x = a, *y = b;
    if (x->region != y->region) return x->region < y->region ? -1 : 1;
    if (x->who != y->who) return x->who < y->who ? -1 : 1;
    return x->layer - y->layer;
}

/* `defaults.collection`, `states.X.collection` and `partners.P.regions` into the world's
 * per-region lists: per region, states in index order (a state's own coverage of a domain over
 * the default's), then partners in file order. */
void decode_collection(struct decoder *d, const struct tree *root) {
    struct world *w = d->w;
    struct watches list = {0};
    char where[512];
    const struct tree *defaults = tree_get(root, "defaults", NULL), *value;
    const struct tree *states = tree_get(root, "states", NULL);
    const struct tree *partners = tree_get(root, "partners", NULL);
    if (defaults && defaults->kind == TREE_MAP &&
        (value = tree_get(defaults, "collection", NULL)) && !tree_is_null(value)) {
        /* read once, then listed for every state under its own entries */
        struct watches template = {0};
        decode_watch_map(d, value, "defaults.collection", 0, 0, &template);
        for (int s = 0; s < w->n_states; s++)
            for (size_t e = 0; e < template.count; e++)
                watch_add(&list, template.items[e].region, s, 0, &template.items[e].coverage);
        list.failed |= template.failed;
        free(template.items);
    }
    for (int s = 0; s < w->n_states && states && states->kind == TREE_MAP; s++) {
        const struct tree *node = tree_get(states, w->states[s].code, NULL);
        if (node && node->kind == TREE_MAP && (value = tree_get(node, "collection", NULL)) &&
            !tree_is_null(value)) {
            snprintf(where, sizeof where, "states.%s.collection", w->states[s].code);
            decode_watch_map(d, value, where, s, 1, &list);
        }
    }
    for (int p = 0; p < w->n_partners && partners && partners->kind == TREE_MAP; p++) {
        const struct tree *node = tree_get(partners, w->partners[p].id, NULL);
        if (node && node->kind == TREE_MAP && (value = tree_get(node, "regions", NULL)) &&
            !tree_is_null(value)) {
            snprintf(where, sizeof where, "partners.%s.regions", w->partners[p].id);
            decode_watch_map(d, value, where, w->n_states + p, 1, &list);
        }
    }
    if (list.failed) decode_fail(d, root, "states", "out of memory reading collection");
    if (list.count == 0 || list.failed || d->failures > 0) {
        free(list.items);
        return;
    }
    qsort(list.items, list.count, sizeof *list.items, compare_watches);
    int watchers = 0;
    for (int p = 0; p < w->n_partners; p++) {
        int watches = 0;
        for (size_t e = 0; e < list.count && !watches; e++)
            watches = list.items[e].who == w->n_states + p;
        watchers += watches;
    }
    if (watchers > WORLD_MAX_WATCHERS) {
        decode_fail(d, partners, "partners", "%d partners watch regions (expected at most %d)",
                    watchers, WORLD_MAX_WATCHERS);
        free(list.items);
        return;
    }
    size_t D = (size_t)w->n_domains;
    w->collect_first = calloc((size_t)w->n_regions + 1, sizeof *w->collect_first);
    w->collect_who = calloc(list.count, sizeof *w->collect_who);
    w->collect_coverage = calloc(list.count * D, sizeof *w->collect_coverage);
    if (!w->collect_first || !w->collect_who || !w->collect_coverage) {
        decode_fail(d, root, "states", "out of memory reading collection");
        free(list.items);
        return;
    }
    int n = 0;
    for (size_t e = 0; e < list.count; e++) {
        const struct watch *item = &list.items[e];
        int same = n > 0 && e > 0 && list.items[e - 1].region == item->region &&
                   list.items[e - 1].who == item->who;
        if (!same) {
            w->collect_who[n] =
                item->who < w->n_states ? item->who : -1 - (item->who - w->n_states);
            w->collect_first[item->region + 1]++;
            n++;
        }
        /* layers in order: the state's own values of a domain over the defaults' */
        decode_apply_per_domain(&item->coverage, &w->collect_coverage[(size_t)(n - 1) * D],
                                w->n_domains);
    }
    for (int g = 0; g < w->n_regions; g++) w->collect_first[g + 1] += w->collect_first[g];
    w->n_collect = n;
    free(list.items);
}

/* ---- switches ------------------------------------------------------------------------------- */

/* `channels: {cue, network, mitigation, upstream, fusion}`: false turns a channel off without
 * touching its parameters (for decompositions, docs/model.md §5.13). Networks themselves stay
 * (campaigns still shape arrivals, so that switching the channel off changes nothing else). */
void decode_channel_switches(struct decoder *d, const struct tree *root) {
    struct world *w = d->w;
    w->network_intel = 1;
    const struct tree *node = tree_get(root, "channels", NULL);
    if (!node || tree_is_null(node)) return;
    if (!decode_is_map(d, node, "channels", "a mapping of channel: true or false")) return;
    static const char *const keys[] = {"cue", "network", "mitigation", "upstream", "fusion"};
    decode_check_keys(d, node, "channels", keys, 5);
    int on[5] = {1, 1, 1, 1, 1};
    char where[512];
    for (int c = 0; c < 5; c++) {
        const struct tree *value = tree_get(node, keys[c], NULL);
        if (value)
            decode_bool(d, value, decode_join(where, sizeof where, "channels", keys[c]), &on[c]);
    }
    size_t sd = (size_t)w->n_states * (size_t)w->n_domains;
    if (!on[0]) memset(w->cue_gain, 0, sd * sizeof *w->cue_gain);
    if (!on[1]) w->network_intel = 0;
    if (!on[2]) memset(w->mitigation, 0, sd * sizeof *w->mitigation);
    if (!on[3] && w->collect_coverage)
        memset(w->collect_coverage, 0,
               (size_t)w->n_collect * (size_t)w->n_domains * sizeof *w->collect_coverage);
    if (!on[4]) w->hub_fusion = 0;
}
