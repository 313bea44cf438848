/* phases.h — time-phased measures (docs/model.md §14.4): a variant whose measures declare `start`
 * or `end` gets one compiled world per phase, listed in the world the run starts with. */
#ifndef C5SIM_PHASES_H
#define C5SIM_PHASES_H

#include <stddef.h>

#include "../model/world.h"
#include "../scenario/scenario.h"
#include "plan.h"

/* The measure an override belongs to (its origin "measure ID"), or -1. */
int phases_measure_of(const struct world *world, const struct scenario_override *override);

/* The summed cost of the distinct measures among the variant's overrides (a package's cost). */
double phases_package_cost(const struct world *world, const struct plan_variant *variant);

/* When some measure of the variant is time-phased, replace *world (compiled with every override)
 * by the world of tick 0 with the later phases attached (each the base plus the overrides of the
 * measures whose window holds at that tick; measure_cost and active_measure copied). Leaves
 * *world alone otherwise. Returns 0, or -1 with errors naming the measure and the path when a
 * phase would change the world's structure, or a phase does not compile. */
int phases_attach(const struct scenario *base, const struct plan_variant *variant,
                  struct world **world, size_t max_memory, struct scenario_errors *errors);

#endif
