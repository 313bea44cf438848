/* decode.c — a parsed scenario tree to typed, validated values in a world, collecting every error.
 *
 * One function per section, helpers per kind of value (probability, integer in range, name,
 * per-domain value). Every helper reports FILE:LINE:COLUMN: error: KEY.PATH: problem (expected)
 * and carries on, so one pass shows all that is wrong. Inheritance is resolved in layers:
 * built-in defaults, then `defaults:`, then the state; sharing: top-level `sharing`, then
 * `defaults.sharing`, then the state's own, each layer's `by_domain` above all base keys.
 */
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

/* ---- reachability --------------------------------------------------------------------------- */

static void report_unreachable(void *context, int k, int origin_slot, int target_slot) {
    struct decoder *d = context;
    struct world *w = d->w;
    const struct world_threat_type *type = &w->types[k];
    int origin = type->first_origin + origin_slot, target = type->first_target + target_slot;
    char path[512];
    snprintf(path, sizeof path, "threats.%s.targets.%s", type->id,
             w->regions[w->targets[target]].id);
    decode_fail(d, d->target_keys[target], path,
                "unreachable from origin %s (expected a chain of routes joining them)",
                w->regions[w->origins[origin].region].id);
}

struct scenario *scenario_decode(const char *filename, struct tree *tree, const char *source,
                                 size_t source_length, int check_measures_too,
                                 struct scenario_errors *errors) {
    struct scenario *s = calloc(1, sizeof *s);
    struct decoder d = {.filename = filename, .errors = errors, .s = s};
    if (!s || !(s->world = calloc(1, sizeof *s->world))) {
        errors_add(errors, "%s: error: out of memory", filename);
        tree_free(tree);
        scenario_free(s);
        return NULL;
    }
    s->tree = tree;
    s->filename = strdup(filename);
    s->tree_file = strdup(filename);
    s->source = malloc(source_length + 1);
    if (s->source) {
        memcpy(s->source, source, source_length);
        s->source[source_length] = '\0';
        s->source_length = source_length;
    }
    struct world *w = s->world;
    d.w = w;
    w->active_measure = -1;
    if (!s->filename || !s->tree_file || !s->source) {
        decode_fail(&d, tree, "document", "out of memory");
        goto finish;
    }
    if (tree->kind != TREE_MAP) {
        decode_fail(&d, tree, "document",
                    "got %s (expected a scenario mapping with name, run, states, regions, threats)",
                    decode_kind_name(tree));
        goto finish;
    }
    static const char *const keys[] = {"c5sim",    "name",     "description", "run",
                                       "domains",  "defaults", "sharing",     "states",
                                       "regions",  "routes",   "threats",     "partners",
                                       "hub",      "trust",    "burn",        "mutual_assistance",
                                       "measures", "channels", "routing",     "uncertainty"};
    decode_check_keys(&d, tree, "", keys, 20);
    struct tree *node;
    long long version;
    if ((node = tree_get(tree, "c5sim", NULL))) decode_integer(&d, node, "c5sim", 1, 1, &version);
    if ((node = decode_require(&d, tree, "", "name", "the scenario's title")))
        decode_text(&d, node, "name", w->name, sizeof w->name);
    if ((node = tree_get(tree, "description", NULL))) {
        if (node->kind != TREE_SCALAR)
            decode_fail(&d, node, "description", "got %s (expected text)", decode_kind_name(node));
        else
            s->description = strdup(node->text);
    }
    decode_run(&d, tree);
    decode_domains(&d, tree);
    decode_states(&d, tree);
    if (!w->states) goto finish;
    decode_regions(&d, tree);
    if (!w->regions) goto finish;
    decode_routes(&d, tree);
    decode_threats(&d, tree);
    decode_partners(&d, tree);
    decode_hub_trust_burn(&d, tree);
    decode_check_hub(&d, tree);
    decode_collection(&d, tree);
    decode_channel_switches(&d, tree);
    decode_measures(&d, tree);
    decode_uncertainty(&d, tree);
    if (d.failures > 0 || !w->types || !w->origins) goto finish;
    if (!w->routes && !(w->routes = calloc(1, sizeof *w->routes))) goto finish;
    if (paths_build_adjacency(w) != 0) {
        decode_fail(&d, tree, "routes", "out of memory");
        goto finish;
    }
    long missing = paths_build(w, MAX_PATH_ENTRIES, report_unreachable, &d);
    if (missing < 0)
        decode_fail(
            &d, tree_get(tree, "threats", NULL), "threats",
            "the paths from every origin to every target need more than %zu entries (expected "
            "fewer origins x targets, or shorter routes)",
            MAX_PATH_ENTRIES);
    if (missing == 0) decode_network_slots(&d, tree);
    if (d.failures == 0 && check_measures_too) decode_check_measures(&d, s);
    if (d.failures == 0 && check_measures_too) decode_check_uncertainty(&d, s);
finish:
    free(d.region_ids);
    free(d.region_order);
    free(d.origin_keys);
    free(d.target_keys);
    if (d.failures > 0) {
        scenario_free(s);
        return NULL;
    }
    return s;
}
