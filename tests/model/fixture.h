/* fixture.h — build small worlds by hand for the model's tests (no YAML involved). */
#ifndef C5SIM_TEST_FIXTURE_H
#define C5SIM_TEST_FIXTURE_H

#include "sim.h"
#include "world.h"

/* A world with `states` states (codes S0, S1, ...), `domains` domains, `regions` regions (all
 * external until fixture_region sets an owner), no routes or threats yet, and neutral defaults:
 * no detection, no units, interdiction 1, busy 1, withhold, no leak, trust 0.5, no burn. */
struct world *fixture_world(int states, int domains, int regions, int ticks, uint64_t seed);
void fixture_region(struct world *w, int region, int owner);
void fixture_route(struct world *w, int from, int to, int ticks);
/* A threat type (returns its index); then its origins and targets, added right after it. */
int fixture_type(struct world *w, int domain, int dwell, double mu, double sigma);
void fixture_origin(struct world *w, int type, int region, double rate);
void fixture_target(struct world *w, int type, int region, double weight);
int fixture_partner(struct world *w, double coverage, uint64_t members, double level, int latency);
/* Set detection p / border bonus b / cue q of state s in domain d. */
void fixture_detect(struct world *w, int s, int d, double p, double b, double q);
void fixture_sharing(struct world *w, int s, int d, int policy, int scope, double level,
                     int latency);
/* Networks of a type (kind NETWORK_FIXED with `networks`, or NETWORK_CAMPAIGNS with that many
 * slots, starts per tick and lifetime), network gain and mitigation of state s in domain d, and
 * an upstream watcher of an external region (`who` a state, or -1 - partner) with one coverage
 * for every domain. */
void fixture_network(struct world *w, int type, int kind, int networks, double campaign_rate,
                     int lifetime, int intel_ticks, double rotation);
void fixture_gains(struct world *w, int s, int d, double network_gain, double mitigation);
void fixture_collect(struct world *w, int region, int who, double coverage);
/* Adjacency rows, state neighbours, normalised target weights: call before sim_alloc. */
void fixture_finish(struct world *w);

/* Run replicate `replicate` into a freshly allocated result (caller frees); aborts the test on
 * an error. */
struct sim_result *fixture_run(const struct world *w, long replicate,
                               const struct sim_options *options);

#endif
