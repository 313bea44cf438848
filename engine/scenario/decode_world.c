/* decode_world.c — the run settings, domains, regions and routes. */
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

/* ---- sections ------------------------------------------------------------------------------- */

void decode_run(struct decoder *d, const struct tree *root) {
    struct tree *run = decode_require(d, root, "", "run", "a mapping with ticks, seed, replicates");
    d->w->ticks = 1;
    d->w->seed = 1;
    d->w->replicates = 100;
    snprintf(d->s->tick_unit, sizeof d->s->tick_unit, "day");
    if (!run || !decode_is_map(d, run, "run", "a mapping with ticks, seed, replicates")) return;
    static const char *const keys[] = {"ticks", "tick_unit", "seed", "replicates"};
    decode_check_keys(d, run, "run", keys, 4);
    struct tree *ticks =
        decode_require(d, run, "run", "ticks", "a whole number of ticks in 1..100000");
    long long value;
    if (ticks && decode_integer(d, ticks, "run.ticks", 1, MAX_TICKS, &value) == 0)
        d->w->ticks = (int)value;
    d->s->ticks_node = ticks;
    struct tree *node;
    if ((node = tree_get(run, "tick_unit", NULL)))
        decode_text(d, node, "run.tick_unit", d->s->tick_unit, sizeof d->s->tick_unit);
    if ((node = tree_get(run, "seed", NULL)) &&
        decode_integer(d, node, "run.seed", 0, INT64_MAX, &value) == 0)
        d->w->seed = (uint64_t)value;
    decode_opt_integer(d, run, "run", "replicates", 1, 1000000, &d->w->replicates);
}

void decode_domains(struct decoder *d, const struct tree *root) {
    static const char *const standard[] = {"military", "terrorism", "trafficking",
                                           "cyber",    "hybrid",    "infrastructure"};
    struct tree *domains = tree_get(root, "domains", NULL);
    struct world *w = d->w;
    if (!domains) {
        w->n_domains = 6;
        for (int k = 0; k < 6; k++)
            snprintf(w->domain_names[k], sizeof w->domain_names[k], "%s", standard[k]);
    } else if (domains->kind != TREE_SEQ || domains->count < 1) {
        decode_fail(d, domains, "domains", "got %s (expected a list of 1 to %d domain names)",
                    domains->kind == TREE_SEQ ? "an empty list" : decode_kind_name(domains),
                    WORLD_MAX_DOMAINS);
    } else if (domains->count > WORLD_MAX_DOMAINS) {
        decode_fail(d, domains, "domains", "%d domains (expected at most %d)", domains->count,
                    WORLD_MAX_DOMAINS);
    } else {
        for (int i = 0; i < domains->count; i++) {
            const struct tree *item = domains->items[i];
            char where[64];
            snprintf(where, sizeof where, "domains[%d]", i);
            if (item->kind != TREE_SCALAR || !decode_id_ok(item->text, 0, 31) ||
                strcmp(item->text, "all") == 0) {
                decode_fail(
                    d, item, where,
                    "'%s' is not a domain name (expected lowercase letters, digits and _, at "
                    "most 31, not 'all')",
                    item->kind == TREE_SCALAR ? item->text : "");
                continue;
            }
            int duplicate = 0;
            for (int k = 0; k < w->n_domains; k++)
                duplicate |= strcmp(w->domain_names[k], item->text) == 0;
            if (duplicate) {
                decode_fail(d, item, where, "%s is listed twice (expected each domain once)",
                            item->text);
                continue;
            }
            snprintf(w->domain_names[w->n_domains++], sizeof w->domain_names[0], "%s", item->text);
        }
    }
    if (w->n_domains == 0) { /* keep decoding the rest against something */
        w->n_domains = 1;
        snprintf(w->domain_names[0], sizeof w->domain_names[0], "%s", standard[0]);
    }
    for (int k = 0; k < w->n_domains; k++) d->domain_names[k] = w->domain_names[k];
}

/* States: codes first (everything else refers to them), then parameters in layers. */

void decode_regions(struct decoder *d, const struct tree *root) {
    struct world *w = d->w;
    struct tree *regions =
        decode_require(d, root, "", "regions", "a mapping from region id to region");
    if (!regions || !decode_is_map(d, regions, "regions", "a mapping from region id to region"))
        return;
    if (regions->count > MAX_REGIONS) {
        decode_fail(d, regions, "regions", "%d regions (expected at most %d)", regions->count,
                    MAX_REGIONS);
        return;
    }
    w->regions = calloc((size_t)regions->count + 1, sizeof *w->regions);
    d->region_ids = calloc((size_t)regions->count + 1, sizeof *d->region_ids);
    d->region_order = calloc((size_t)regions->count + 1, sizeof *d->region_order);
    if (!w->regions || !d->region_ids || !d->region_order) return;
    static const char *const keys[] = {"name", "owner", "lon", "lat"};
    int n = 0;
    for (int i = 0; i < regions->count; i++) {
        const struct tree *key = regions->keys[i], *node = regions->items[i];
        char path[512], where[512];
        decode_join(path, sizeof path, "regions", key->text);
        if (decode_entity_created(d, key, path, "region", regions)) continue;
        if (!decode_id_ok(key->text, 0, WORLD_NAME_MAX - 1)) {
            decode_fail(
                d, key, path,
                "'%s' is not a region id (expected lowercase letters, digits and _, starting "
                "with a letter)",
                key->text);
            continue;
        }
        struct world_region *region = &w->regions[n];
        snprintf(region->id, sizeof region->id, "%s", key->text);
        snprintf(region->name, sizeof region->name, "%s", key->text);
        region->owner = -1;
        d->region_ids[n] = region->id;
        d->region_order[n] = n;
        n++;
        if (!decode_is_map(d, node, path, "a region mapping with owner, lon, lat")) continue;
        decode_check_keys(d, node, path, keys, 4);
        struct tree *value;
        if ((value = tree_get(node, "name", NULL)))
            decode_text(d, value, decode_join(where, sizeof where, path, "name"), region->name,
                        sizeof region->name);
        if ((value = decode_require(d, node, path, "owner", "a state code, or none"))) {
            decode_join(where, sizeof where, path, "owner");
            region->owner = OWNER_UNKNOWN;
            if (value->kind != TREE_SCALAR) {
                decode_fail(d, value, where, "got %s (expected a state code, or none)",
                            decode_kind_name(value));
            } else if (strcmp(value->text, "none") == 0) {
                region->owner = -1;
            } else if ((region->owner = decode_state_index(d, value->text)) < 0) {
                region->owner = OWNER_UNKNOWN;
                decode_fail_no_state(d, value, where, value->text);
            }
        } else {
            region->owner = OWNER_UNKNOWN;
        }
        if ((value = decode_require(d, node, path, "lon", "a longitude in degrees, [-180, 180]")))
            decode_real(d, value, decode_join(where, sizeof where, path, "lon"), -180, 180, 0,
                        "a longitude in degrees, [-180, 180]", &region->lon);
        if ((value = decode_require(d, node, path, "lat", "a latitude in degrees, [-90, 90]")))
            decode_real(d, value, decode_join(where, sizeof where, path, "lat"), -90, 90, 0,
                        "a latitude in degrees, [-90, 90]", &region->lat);
    }
    w->n_regions = n;
    if (n == 0 && d->failures == 0)
        decode_fail(d, regions, "regions", "no regions (expected at least one)");
    decode_sort_regions(d, n);
}

struct route_key {
    int low, high, index;
};

static int compare_route_keys(const void *a, const void *b) {
    const struct route_key *x = a, *y = b;
    if (x->low != y->low) return x->low < y->low ? -1 : 1;
    if (x->high != y->high) return x->high < y->high ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

/* `routing`: the default extra time of a border crossing and the tie rule (docs/model.md §4). */
static void decode_routing(struct decoder *d, const struct tree *root) {
    struct world *w = d->w;
    w->crossing_ticks = 0;
    w->route_ties = ROUTE_TIES_REGIONAL;
    struct tree *routing = tree_get(root, "routing", NULL);
    if (!routing || tree_is_null(routing) ||
        !decode_is_map(d, routing, "routing", "a mapping {crossing_ticks, ties}"))
        return;
    static const char *const keys[] = {"crossing_ticks", "ties"};
    decode_check_keys(d, routing, "routing", keys, 2);
    decode_opt_integer(d, routing, "routing", "crossing_ticks", 0, MAX_TICKS, &w->crossing_ticks);
    struct tree *ties = tree_get(routing, "ties", NULL);
    static const char *const tie_names[] = {"regional", "index"};
    if (ties) {
        int choice = decode_choice(d, ties, "routing.ties", tie_names, 2, "tie rule");
        if (choice >= 0) w->route_ties = choice;
    }
}

void decode_routes(struct decoder *d, const struct tree *root) {
    struct world *w = d->w;
    decode_routing(d, root);
    struct tree *routes = tree_get(root, "routes", NULL);
    if (!routes || tree_is_null(routes)) return;
    if (routes->kind != TREE_SEQ) {
        decode_fail(d, routes, "routes", "got %s (expected a list of [FROM, TO, TICKS])",
                    decode_kind_name(routes));
        return;
    }
    if (routes->count > MAX_ROUTES) {
        decode_fail(d, routes, "routes", "%d routes (expected at most %d)", routes->count,
                    MAX_ROUTES);
        return;
    }
    w->routes = calloc((size_t)routes->count + 1, sizeof *w->routes);
    const struct tree **nodes = calloc((size_t)routes->count + 1, sizeof *nodes);
    struct route_key *keys = calloc((size_t)routes->count + 1, sizeof *keys);
    int *positions = calloc((size_t)routes->count + 1, sizeof *positions); /* list index */
    if (!w->routes || !nodes || !keys || !positions) goto done;
    int n = 0;
    for (int i = 0; i < routes->count; i++) {
        const struct tree *item = routes->items[i];
        char path[64], where[96];
        snprintf(path, sizeof path, "routes[%d]", i);
        const struct tree *from, *to, *ticks, *extra = NULL, *checkpoint = NULL;
        if (item->kind == TREE_SEQ && item->count == 3) {
            from = item->items[0];
            to = item->items[1];
            ticks = item->items[2];
        } else if (item->kind == TREE_MAP) {
            static const char *const route_keys[] = {"from", "to", "ticks", "crossing_ticks",
                                                     "checkpoint"};
            decode_check_keys(d, item, path, route_keys, 5);
            extra = tree_get(item, "crossing_ticks", NULL);
            checkpoint = tree_get(item, "checkpoint", NULL);
            from = decode_require(d, item, path, "from", "a region id");
            to = decode_require(d, item, path, "to", "a region id");
            ticks = decode_require(d, item, path, "ticks", "a whole number of ticks >= 1");
            if (!from || !to || !ticks) continue;
        } else {
            decode_fail(d, item, path, "got %s (expected [FROM, TO, TICKS] or {from, to, ticks})",
                        item->kind == TREE_SEQ ? "a list without 3 items" : decode_kind_name(item));
            continue;
        }
        int a = decode_region(d, from, strcat(strcpy(where, path), ".from"));
        int b = decode_region(d, to, strcat(strcpy(where, path), ".to"));
        long long travel;
        if (decode_integer(d, ticks, strcat(strcpy(where, path), ".ticks"), 1, MAX_TICKS,
                           &travel) != 0 ||
            a < 0 || b < 0)
            continue;
        if (a == b) {
            decode_fail(d, item, path, "a route from %s to itself (expected two different regions)",
                        w->regions[a].id);
            continue;
        }
        long long crossing_ticks = -1;
        double bonus = 0;
        if (extra && decode_integer(d, extra, strcat(strcpy(where, path), ".crossing_ticks"), 0,
                                    MAX_TICKS, &crossing_ticks) != 0)
            continue;
        if (checkpoint &&
            decode_probability(d, checkpoint, strcat(strcpy(where, path), ".checkpoint"), &bonus) !=
                0)
            continue;
        if ((extra || checkpoint) && w->regions[a].owner == w->regions[b].owner) {
            decode_fail(d, extra ? extra : checkpoint,
                        strcat(strcpy(where, path), extra ? ".crossing_ticks" : ".checkpoint"),
                        "%s - %s is not a border crossing (expected crossing_ticks and checkpoint "
                        "only on routes between different owners)",
                        w->regions[a].id, w->regions[b].id);
            continue;
        }
        w->routes[n] = (struct world_route){a, b, (int)travel, (int)crossing_ticks, bonus};
        keys[n] = (struct route_key){a < b ? a : b, a < b ? b : a, n};
        positions[n] = i;
        nodes[n++] = item;
    }
    w->n_routes = n;
    qsort(keys, (size_t)n, sizeof *keys, compare_route_keys);
    for (int i = 1; i < n; i++) {
        if (keys[i].low != keys[i - 1].low || keys[i].high != keys[i - 1].high) continue;
        int later = keys[i].index, earlier = keys[i - 1].index;
        char path[64];
        /* Route indices in messages are list positions (kept as the routes were read: a search
         * per duplicate made a file of many duplicates quadratic). */
        int position = positions[later], first_position = positions[earlier];
        snprintf(path, sizeof path, "routes[%d]", position);
        decode_fail(d, nodes[later], path,
                    "%s - %s is joined twice (first at routes[%d], line %d; expected one route per "
                    "pair)",
                    w->regions[keys[i].low].id, w->regions[keys[i].high].id, first_position,
                    nodes[earlier]->line);
    }
done:
    free(nodes);
    free(keys);
    free(positions);
}
