/* world.c — releasing a compiled world (the scenario room builds it, the model reads it). */
#include <stdlib.h>

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
    free(world);
}
