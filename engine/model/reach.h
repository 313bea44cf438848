/* reach.h — can cooperation act on a threat type at all? (docs/model.md §5.14)
 *
 * A structural check on a compiled world, before anything runs: for threat type k, is there a
 * state other than a threat's victim that can ever hold intelligence on it (or on its network)
 * early enough to pass it, under the scenario's sharing rules, to someone who can use it (a cue
 * before the threat leaves the receiver's territory, a warning before the impact, network
 * intelligence for the network's later threats)? If not, no sharing level can change the type's
 * harm, and a sweep that shows "no effect" shows the rules, not a finding.
 */
#ifndef C5SIM_REACH_H
#define C5SIM_REACH_H

#include <stddef.h>

#include "world.h"

/* 1 if some channel can carry intelligence on type k from one state to another in time to be
 * used; 0 if none can, with the reason in `why` (one sentence, no trailing period). */
int reach_type(const struct world *world, int k, char *why, size_t size);

#endif
