/* world.h — the compiled world: dense, immutable arrays that the model reads and never writes.
 *
 * A struct world is produced by scenario_compile() (engine/scenario/) from a validated scenario
 * with its variant overrides already applied. The model sees nothing but this struct: no names
 * are needed to simulate, but they are kept for printing and output. Every array is owned by the
 * world and released by world_free(). Index conventions: s = state, d = domain, g = region,
 * k = threat type, p = partner. Per-domain arrays are laid out [s * n_domains + d].
 */
#ifndef C5SIM_WORLD_H
#define C5SIM_WORLD_H

#include <stddef.h>
#include <stdint.h>

enum { WORLD_MAX_STATES = 64, WORLD_MAX_DOMAINS = 16, WORLD_NAME_MAX = 64 };

/* Limits of the channels of docs/model.md §5.9-§5.12, checked by the scenario before memory is
 * taken: networks (fixed ones, or campaign slots) per threat type and in all, partners that
 * watch regions (each has a bit in a threat's `watched` mask). */
enum { WORLD_MAX_NETWORKS = 4096, WORLD_MAX_NETWORK_SLOTS = 1 << 20, WORLD_MAX_WATCHERS = 64 };

/* How a threat type is organised (docs/model.md §5.9). */
enum world_network_kind {
    NETWORK_NONE = 0,     /* lone threats: no network intelligence */
    NETWORK_FIXED = 1,    /* `count` standing networks; each threat belongs to one, uniformly */
    NETWORK_CAMPAIGNS = 2 /* campaigns start as a Poisson process, each generating threats at the
                             origins' rates for its lifetime */
};

/* How a sender chooses to pass one report to one partner (per sender and domain). */
enum world_policy {
    POLICY_WITHHOLD = 0,   /* never share */
    POLICY_FULL = 1,       /* always share */
    POLICY_LEVEL = 2,      /* share with probability `level`, independently per partner */
    POLICY_AGREEMENTS = 3, /* share with probability agreement[sender][partner] */
    POLICY_RECIPROCAL = 4, /* share with probability equal to current trust in the partner */
    POLICY_HUB = 5,        /* send to the regional fusion centre, which forwards to its members */
};

/* Which partners a report is offered to. */
enum world_scope {
    SCOPE_ALL = 0,        /* every other state */
    SCOPE_NEIGHBOURS = 1, /* states sharing a border (a route between their regions) */
    SCOPE_ROUTE = 2,      /* states owning a region on the threat's remaining route */
};

/* One state's sharing rule for one domain. */
struct world_sharing {
    int policy;       /* enum world_policy */
    int scope;        /* enum world_scope */
    double level;     /* POLICY_LEVEL probability, [0, 1] */
    double threshold; /* share only reports whose estimated severity >= threshold (0 = all) */
    int latency;      /* L >= 0 ticks: shared at t, delivered at t + 1 + L */
};

/* How an adaptive state revises its sharing level every `period` ticks (docs/model.md §5.15). */
enum world_adapt_rule {
    ADAPT_NONE = 0,          /* the level stays as declared */
    ADAPT_REINFORCEMENT = 1, /* a step of `step`, reversed when its own loss rose */
    ADAPT_TIT_FOR_TAT = 2,   /* to each partner, the share of reports that partner sent it */
    ADAPT_IMITATION = 3      /* the level of the land neighbour with the lowest loss, if lower */
};

struct world_adapt {
    int rule;       /* enum world_adapt_rule */
    int period;     /* K >= 1 ticks between revisions */
    double step;    /* reinforcement: the change of level per revision, (0, 1] */
    double initial; /* the level at tick 0, [0, 1]; < 0: that of its first `level` rule */
};

struct world_state {
    char code[8];
    char name[WORLD_NAME_MAX];
    int units;              /* response units c >= 0 */
    double interdiction;    /* probability an engagement neutralises, [0, 1] */
    int busy_ticks;         /* ticks a unit is busy per engagement, >= 1 */
    double leak;            /* probability a report this state receives leaks, [0, 1] */
    double cost_per_report; /* cost to the sender of each report shared, >= 0 (harm units) */
    double severity_noise;  /* sd of the log-severity estimate a detection gives, >= 0 */
    double cost_per_network_report; /* cost to the sender of each network report, >= 0 */
    int hub_member;                 /* 1 if this state belongs to the fusion centre */
    int mutual_assistance;          /* 1 if this state lends free units to neighbours that ask */
    double gdp;               /* US$ billion, a stated year (0: not given); for burden analysis */
    double population;        /* million people, a stated year (0: not given) */
    struct world_adapt adapt; /* how it revises its sharing level (rule 0: it does not) */
    /* strategic exploitation of the reports it receives (docs/model.md §5.16) */
    double exploit_gain;  /* G: gain of exploiting one report, harm units (0: never exploits) */
    double exploit_value; /* V: value it puts on one report it would forgo (< 0: V = G) */
    int exclusion_ticks;  /* E: ticks a sender withholds from it after catching it */
    double monitoring;    /* probability that this state, as sender, catches an exploitation of
                             a direct report (a report through the hub: hub.monitoring) */
};

struct world_region {
    char id[WORLD_NAME_MAX];
    char name[WORLD_NAME_MAX];
    int owner; /* state index, or -1 for external areas (no state) */
    double lon, lat;
};

struct world_route {
    int from, to;       /* region indices; routes are undirected */
    int ticks;          /* travel time >= 1 */
    int crossing_ticks; /* extra ticks when it crosses a border (-1: world.crossing_ticks) */
    double checkpoint;  /* detection bonus on entering across it (a border post), [0, 1] */
};

/* How shortest routes choose between ways of equal travel time (docs/model.md §4). */
enum world_route_ties {
    ROUTE_TIES_REGIONAL = 0, /* fewer border crossings, then less time abroad, then region order */
    ROUTE_TIES_INDEX = 1     /* the lower-numbered predecessor (c5sim before 0.2; kept for old
                                files' results) */
};

/* A threat's path from one origin to one target: regions visited in order, with the tick offset
 * (from departure) at which the threat enters each. regions[0] is the origin at offset 0; the last
 * is the target. Paths are stored flat in world.path_regions / path_enter. */
struct world_path {
    int first;  /* index into path_regions / path_enter */
    int length; /* number of regions, >= 1 */
};

struct world_origin {
    int region;
    double rate; /* Poisson arrivals per tick, >= 0 */
    double
        season_amplitude; /* rate(t) = rate * (1 + A cos(2 pi (t - peak) / period)), A in [0,1] */
    double season_peak;   /* tick of the seasonal maximum */
    double season_period; /* ticks, > 0; amplitude 0 disables seasonality */
};

struct world_threat_type {
    char id[WORLD_NAME_MAX];
    char name[WORLD_NAME_MAX];
    int domain;              /* index into world.domain_names */
    double stealth;          /* multiplies every detection probability, [0, 1] */
    int dwell;               /* D >= 1 ticks at the target before impact */
    double severity_mu;      /* severity ~ lognormal(mu, sigma), harm units */
    double severity_sigma;   /* >= 0 */
    double harm_per_tick;    /* harm to the owner of each region it is in, each tick, >= 0 */
    int adaptive;            /* 1: route minimises detection given current capabilities */
    double time_weight;      /* adaptive: cost of a tick of travel, in -log(survival) units */
    double escalation_boost; /* self-excitation: each impact adds boost to the rate multiplier */
    double escalation_decay; /* multiplier excess decays by this factor per tick, [0, 1] */
    double contagion;        /* probability an impact spawns a copy aimed at a neighbour state */
    /* networks and campaigns (docs/model.md §5.9) */
    int network_kind;      /* enum world_network_kind */
    int networks;          /* FIXED: networks; CAMPAIGNS: slots (most campaigns in use at once) */
    double campaign_rate;  /* CAMPAIGNS: campaign starts per tick (Poisson) */
    int campaign_lifetime; /* CAMPAIGNS: ticks a campaign generates threats, >= 1 */
    int intel_ticks;       /* tau: network intelligence obtained at t is valid through t + tau */
    double rotation;       /* probability per tick that the network rotates its indicators */
    int first_origin, n_origins; /* slice of world.origins */
    int first_target, n_targets; /* slice of world.targets / target_weights */
};

struct world_partner {
    char id[WORLD_NAME_MAX];
    char name[WORLD_NAME_MAX];
    double coverage[WORLD_MAX_DOMAINS]; /* probability it learns of a new threat at arrival */
    uint64_t members;                   /* bit s set: state s receives its reports */
    double share_level;                 /* probability it passes a report to each member */
    int latency;                        /* its delivery latency L */
};

/* How a measure's cost is split among the states in the per-state figures of `portfolio`
 * (docs/model.md §14.3); the model's loss always charges equal shares. */
enum world_cost_sharing {
    COST_SHARING_EQUAL = 0,
    COST_SHARING_GDP = 1,
    COST_SHARING_POPULATION = 2,
    COST_SHARING_BENEFIT = 3
};

struct world_measure {
    char id[WORLD_NAME_MAX];
    char name[WORLD_NAME_MAX];
    double cost;      /* harm units over the whole run, charged to the region */
    int start, end;   /* its overrides hold from tick start to end - 1 (0 and ticks: always) */
    int cost_sharing; /* enum world_cost_sharing */
};

struct world_trust {
    double initial;         /* initial trust in every partner, [0, 1] */
    double gain_used;       /* rise when a partner's report is used (cue or interdiction) */
    double loss_leak;       /* fall when a report to that partner leaks */
    double loss_hidden;     /* fall when a threat the partner detected but withheld impacts us */
    double discover_hidden; /* probability such withholding is discovered */
};

struct world {
    char name[WORLD_NAME_MAX * 2];
    int ticks; /* T >= 1 */
    uint64_t seed;
    int replicates; /* default replicate count from the scenario */

    int n_domains;
    char domain_names[WORLD_MAX_DOMAINS][32];

    int n_states;
    struct world_state *states;
    double *detect;       /* [s * n_domains + d] p per tick in own territory */
    double *border_bonus; /* [s * n_domains + d] b on the tick it crosses in */
    double *cue_gain;     /* [s * n_domains + d] q when holding intel on the threat */
    double *network_gain; /* [s * n_domains + d] r when holding intel on the threat's network */
    double *mitigation;   /* [s * n_domains + d] m: share of an impact's harm averted when warned */
    struct world_sharing *sharing; /* [s * n_domains + d] */
    double *agreement;    /* [s * n_states + j] probability s shares with j under AGREEMENTS */
    uint64_t *neighbours; /* [s] bit j set when s and j share a border */

    int n_regions;
    struct world_region *regions;
    int n_routes;
    struct world_route *routes;
    /* Adjacency in compressed rows: the neighbours of region g are adj_region[adj_first[g] ..
     * adj_first[g + 1] - 1], each reached in adj_ticks[...] ticks. */
    int *adj_first;         /* [n_regions + 1] */
    int *adj_region;        /* [2 * n_routes] */
    int *adj_ticks;         /* [2 * n_routes] travel ticks, a crossing's extra ticks included */
    uint8_t *adj_crossing;  /* [2 * n_routes] 1 if the route joins regions of different owners */
    double *adj_checkpoint; /* [2 * n_routes] its checkpoint's detection bonus */
    int crossing_ticks;     /* default extra ticks per border crossing (routing.crossing_ticks) */
    int route_ties;         /* enum world_route_ties */

    int n_types;
    struct world_threat_type *types;
    int n_origins;
    struct world_origin *origins;
    int n_targets;
    int *targets;           /* region index of each target */
    double *target_weights; /* normalised to sum 1 within a type */
    /* Shortest-travel-time paths: path of type k from its i-th origin to its j-th target is
     * paths[k_pair_index] with k_pair_index = origin_slot * n_targets_of_type + target_slot,
     * offset by type_first_path[k]. */
    int *type_first_path; /* [k] */
    int n_paths;
    struct world_path *paths;
    int *path_regions; /* flat */
    int *path_enter;   /* flat: tick offset of entering each region */
    int n_path_entries;

    int n_partners;
    struct world_partner *partners;

    /* Upstream collection (docs/model.md §5.11): who watches each external region. Entries of
     * region g are collect_first[g] .. collect_first[g + 1] - 1, states (in index order) before
     * partners; collect_who[e] >= 0 is a state, -1 - p partner p; collect_coverage[e * n_domains +
     * d] is the probability per tick of detecting a threat of domain d there. */
    int n_collect;
    int *collect_first; /* [n_regions + 1], or NULL when nobody collects anywhere */
    int *collect_who;
    double *collect_coverage;

    int n_network_slots; /* networks and campaign slots of every type */
    int network_intel;   /* 0 when the network channel is switched off (networks still exist) */
    int hub_fusion;      /* 1: the fusion centre pools its members' severity estimates (§5.12) */

    int hub_latency;       /* fusion centre forwarding latency, ticks >= 0 */
    double hub_monitoring; /* probability the centre attributes a leak to its leaker */

    double burn_factor;   /* detection multiplier while sources are burned, [0, 1] */
    int burn_ticks;       /* how long a leak burns the sender's sources */
    int assistance_units; /* max units a neighbour lends per engagement under mutual assistance */
    struct world_trust trust;

    int n_measures;
    struct world_measure *measures;
    int active_measure;  /* measure applied in this variant, or -1 */
    double measure_cost; /* its cost, charged in the loss of states as documented */

    size_t max_active_threats; /* pool bound derived from the memory limit at load */

    /* Time-phased measures (docs/model.md §14.4): from phases[i].tick on, the run reads
     * phases[i].world instead (ticks increasing, all > 0; worlds of the same structure, see
     * world_phase_difference). Owned by this world; NULL / 0 in a world without phases. */
    int n_phases;
    struct world_phase *phases;
};

struct world_phase {
    int tick;
    struct world *world;
};

/* NULL when `b` may replace `a` in the middle of a run (the same ticks, seed, states, regions,
 * routes, threat types and their origins, targets and paths, partners, networks, collection,
 * response units and busy times, sharing adaptation), else a phrase naming the first thing that
 * differs. */
const char *world_phase_difference(const struct world *a, const struct world *b);

/* The shortest adaptation period of any state (0: no state adapts): the sharing levels are
 * recorded once per such period (docs/output-format.md). */
static inline int world_adapt_period(const struct world *w) {
    int k = 0;
    for (int s = 0; s < w->n_states; s++)
        if (w->states[s].adapt.rule != ADAPT_NONE && (k == 0 || w->states[s].adapt.period < k))
            k = w->states[s].adapt.period;
    return k;
}

/* Periods recorded: ceil(T / K) for the shortest K, or 0 when no state adapts. */
static inline int world_adapt_periods(const struct world *w) {
    int k = world_adapt_period(w);
    return k > 0 ? (w->ticks + k - 1) / k : 0;
}

/* 1 when some state would exploit a report (docs/model.md §5.16). */
static inline int world_has_exploit(const struct world *w) {
    for (int s = 0; s < w->n_states; s++)
        if (w->states[s].exploit_gain > 0) return 1;
    return 0;
}

/* Release everything a world owns (NULL is fine). */
void world_free(struct world *world);

/* The checkpoint bonus of the route from region `from` to `to` (0 when none, or no route). */
static inline double world_checkpoint(const struct world *w, int from, int to) {
    if (!w->adj_checkpoint) return 0;
    for (int a = w->adj_first[from]; a < w->adj_first[from + 1]; a++)
        if (w->adj_region[a] == to) return w->adj_checkpoint[a];
    return 0;
}

/* Index helpers: kept inline so the model's hot loops read plain arrays. */
static inline int world_sd(const struct world *w, int s, int d) {
    return s * w->n_domains + d;
}

#endif
