/* world.c — releasing a compiled world (the scenario room builds it, the model reads it), and
 * whether two worlds have the same structure (time-phased measures). */
#include <stdlib.h>
#include <string.h>

#include "world.h"

void world_free(struct world *world) {
    if (!world) return;
    free(world->states);
    free(world->detect);
    free(world->border_bonus);
    free(world->cue_gain);
    free(world->network_gain);
    free(world->mitigation);
    free(world->sharing);
    free(world->agreement);
    free(world->neighbours);
    free(world->regions);
    free(world->routes);
    free(world->adj_first);
    free(world->adj_region);
    free(world->adj_ticks);
    free(world->adj_crossing);
    free(world->adj_checkpoint);
    free(world->types);
    free(world->origins);
    free(world->targets);
    free(world->target_weights);
    free(world->type_first_path);
    free(world->paths);
    free(world->path_regions);
    free(world->path_enter);
    free(world->partners);
    free(world->collect_first);
    free(world->collect_who);
    free(world->collect_coverage);
    free(world->measures);
    for (int i = 0; i < world->n_phases; i++) world_free(world->phases[i].world);
    free(world->phases);
    free(world);
}

static int same(const void *a, const void *b, size_t bytes) {
    if (!a || !b) return a == b;
    return memcmp(a, b, bytes) == 0;
}

const char *world_phase_difference(const struct world *a, const struct world *b) {
    if (a->ticks != b->ticks || a->seed != b->seed) return "run.ticks or run.seed";
    if (a->n_domains != b->n_domains) return "the domains";
    if (a->n_states != b->n_states) return "the states";
    for (int s = 0; s < a->n_states; s++)
        if (a->states[s].units != b->states[s].units ||
            a->states[s].busy_ticks != b->states[s].busy_ticks)
            return "a state's response units or busy ticks";
    for (int s = 0; s < a->n_states; s++) {
        const struct world_adapt *x = &a->states[s].adapt, *y = &b->states[s].adapt;
        if (x->rule != y->rule || x->period != y->period || x->step != y->step ||
            x->initial != y->initial)
            return "a state's sharing adaptation (sharing.adapt)";
    }
    if (a->n_regions != b->n_regions) return "the regions";
    for (int g = 0; g < a->n_regions; g++)
        if (a->regions[g].owner != b->regions[g].owner) return "a region's owner";
    size_t adjacency = 2 * (size_t)a->n_routes;
    if (a->n_routes != b->n_routes ||
        !same(a->adj_first, b->adj_first, ((size_t)a->n_regions + 1) * sizeof(int)) ||
        !same(a->adj_region, b->adj_region, adjacency * sizeof(int)) ||
        !same(a->adj_ticks, b->adj_ticks, adjacency * sizeof(int)))
        return "the routes or their travel times";
    if (a->n_types != b->n_types || a->n_origins != b->n_origins || a->n_targets != b->n_targets)
        return "the threat types, origins or targets";
    for (int k = 0; k < a->n_types; k++) {
        const struct world_threat_type *x = &a->types[k], *y = &b->types[k];
        if (x->network_kind != y->network_kind || x->networks != y->networks ||
            x->adaptive != y->adaptive || x->first_origin != y->first_origin ||
            x->n_origins != y->n_origins || x->first_target != y->first_target ||
            x->n_targets != y->n_targets || x->domain != y->domain)
            return "a threat type's networks, adaptivity, domain, origins or targets";
    }
    for (int o = 0; o < a->n_origins; o++)
        if (a->origins[o].region != b->origins[o].region) return "an origin's region";
    if (!same(a->targets, b->targets, (size_t)a->n_targets * sizeof(int)))
        return "a target's region";
    if (a->n_paths != b->n_paths || a->n_path_entries != b->n_path_entries ||
        !same(a->path_regions, b->path_regions, (size_t)a->n_path_entries * sizeof(int)) ||
        !same(a->path_enter, b->path_enter, (size_t)a->n_path_entries * sizeof(int)))
        return "the threats' shortest paths";
    if (a->n_partners != b->n_partners) return "the partners";
    if (a->n_network_slots != b->n_network_slots) return "the networks or campaign slots";
    if ((a->collect_first == NULL) != (b->collect_first == NULL) || a->n_collect != b->n_collect ||
        !same(a->collect_who, b->collect_who, (size_t)a->n_collect * sizeof(int)))
        return "who collects upstream";
    if (a->hub_fusion != b->hub_fusion) return "hub.fusion";
    return NULL;
}
