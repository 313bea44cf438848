/* sim_internal.h — the workspace of one replicate: threat pools, route arena, queues, scratch.
 * Shared by the model's own files (sim.c, paths.c, tick.c); nothing outside engine/model uses it.
 */
#ifndef C5SIM_SIM_INTERNAL_H
#define C5SIM_SIM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "rng.h"
#include "sim.h"
#include "world.h"

/* Above this many active threats the per-threat phases split over OpenMP threads. */
enum { SIM_PARALLEL_MIN = 4096 };
/* Chunks per thread of the per-threat loops (tick.c): small enough for locality, enough that a
 * round-robin deal balances the cheaper old threats against the travelling young ones. */
enum { SIM_CHUNKS_PER_THREAD = 8 };

/* Threats in struct-of-arrays form, kept in serial (creation) order. A removed threat's slot is
 * marked FLAG_DEAD (tick.c) and left in place; the per-threat loops skip such slots, and the pool
 * is compacted (stably) only once they exceed a fraction of it, so that survivors are not copied
 * forward every tick. Active threats = count - dead. */
struct sim_pool {
    size_t count, capacity;
    size_t dead;      /* slots in [0, count) holding removed threats */
    size_t live_from; /* every slot before this one is dead */
    uint64_t *serial; /* creation order: pool order, report lookup */
    uint64_t *uid;    /* hash of (tick, origin, k): names the threat's random streams */
    int32_t *type;
    int32_t *path;      /* index into the route arena */
    int32_t *pos;       /* index of the current region on the path */
    int32_t *depart;    /* tick it arrived at its origin (path offsets count from here) */
    int32_t *region;    /* current region (cached path entry) */
    int32_t *at_target; /* ticks spent at the target so far */
    int32_t *victim;    /* owner of the target region */
    double *severity;
    uint64_t *known;   /* bit s: state s detected it */
    uint64_t *intel;   /* bit s: state s received a report on it */
    uint64_t *engaged; /* bit s: state s engaged it in its current region */
    uint64_t *told;    /* bit s: state s's report reached the victim */
    uint8_t *crossed;  /* 1 on the tick it entered an owned region across a border */
    int8_t *queued;    /* the state whose response queue holds it (response.c), -1 none */
    uint8_t *flag;     /* per-phase per-threat output (detected / moved / impact / removed), asleep
                          (not looked at this tick), or dead */
    /* The next-event tick (docs/model.md §5.3, §11): a threat is looked at only at the ticks
     * where something can happen to it; in between it sleeps and costs one compare. */
    int32_t *wake;   /* next tick it must be looked at (INT32_MAX once dead) */
    int32_t *seen;   /* last tick it was looked at */
    double *budget;  /* detection budget left after tick `seen`: a detection happens on the
                        tick the cumulative hazard passes it (an Exp(1) threshold) */
    double *hazard;  /* detection hazard per tick while it sleeps (-log of its miss probability) */
    float *estimate; /* [i * n_states + s] state s's severity estimate */
    int8_t *first_reporter; /* [i * n_states + s]: state whose report first reached s; -1 none,
                               -2 a partner */
    /* Only allocated when the world uses the channel (NULL otherwise): */
    int32_t *network;      /* network slot of the threat (§5.9), -1 none */
    int32_t *net_key;      /* while it sleeps: network * S + owner of its region, -1 none (the
                              holding whose change wakes it, wake.c) */
    uint64_t *watched;     /* bit b: the partner with watch bit b detected it upstream (§5.11) */
    float *fused_log;      /* [i * n_states + s] fused log-estimate last relayed to s (§5.12) */
    float *fused_prec;     /* [i * n_states + s] its precision (0: none received) */
    double *centre_w;      /* the centre's pool on the threat: sum of precisions, */
    double *centre_m;      /* sum of precision-weighted log-estimates, */
    uint64_t *centre_from; /* and the members whose reports it holds */
};

/* Routes: region sequences with entry offsets, appended to an arena per replicate. */
struct sim_paths {
    int count, capacity;
    int *first, *length;
    int entries, entry_capacity;
    int *region;
    int *enter;             /* tick offset (from departure) of entering the region */
    uint64_t *owner_suffix; /* owners of this and every later region on the path */
    uint8_t *crossing;      /* entering this region crosses into another owned territory */
    float *checkpoint;      /* the detection bonus of the border post it crosses there, or 0 */
};

/* What a queued report carries. */
enum {
    REPORT_TACTICAL = 0, /* a report on one threat (§5.4) */
    REPORT_NETWORK = 1,  /* network intelligence (§5.9) */
    REPORT_CENTRE = 2    /* a member's report on its way to the fusion centre (§5.12) */
};

struct sim_report {
    uint64_t serial, uid;
    int32_t deliver; /* tick it is delivered */
    int16_t sender;  /* state index, or -1 - partner index */
    int16_t receiver;
    int16_t type;
    uint8_t via_hub;
    uint8_t kind; /* REPORT_* */
    /* REPORT_NETWORK: the network slot, its campaign serial, when the intelligence was obtained
     * and the tick through which it stays valid minus one (the holder's `until`) */
    int32_t network, acquired, until;
    uint32_t campaign;
    /* REPORT_TACTICAL relayed by a fusing centre, and REPORT_CENTRE: the pool (precision sum,
     * weighted log sum, contributors) or the sender's own log-estimate and precision */
    float pool_w, pool_m;
    uint64_t pool_from;
    uint64_t excluded; /* REPORT_CENTRE: members the sender excluded when it sent it (§5.16) */
};

/* A response candidate in its state's queue, with the priority it was queued with. */
struct sim_candidate {
    float estimate;
    uint32_t unused;
    uint64_t serial;
    size_t slot;
};

struct sim_queue { /* a binary heap of candidates (response.c), or a plain list */
    struct sim_candidate *items;
    size_t n, capacity;
};

/* One detection of this tick: the slot and the detecting state (upstream collection can give a
 * threat several detectors in one tick). */
struct sim_detection {
    size_t slot;
    int state;
};

struct sim_arrival { /* a threat arriving this tick (arrivals.c) */
    uint64_t uid;
    int type;
    int origin_slot; /* a fresh arrival's origin among its type's, or -1 for a contagion copy */
    int path;        /* a copy's route, or -1 (drawn with its target) */
    int network;     /* a copy's inherited network, or -2 for a fresh arrival */
};

struct sim_spawn { /* a contagion copy arriving next tick */
    uint64_t uid;
    int type, from_region, target_region;
    int network; /* the parent's network slot (already counted as alive), or -1 */
};

struct sim_workspace {
    struct sim_options options;
    int n_states, n_regions, n_types, n_domains, n_partners, n_origins, n_targets;

    struct sim_pool pool;
    struct sim_paths paths;
    int *route;           /* [pair] current path index of (type, origin slot, target slot) */
    int *type_first_pair; /* [k] */
    int n_pairs;

    /* contagion path cache: open addressing, key (from << 32 | to) + 1, value path index */
    uint64_t *cache_key;
    int *cache_path;
    size_t cache_capacity, cache_count;

    struct sim_report *reports;
    size_t n_reports, report_capacity;
    struct sim_arrival *arrivals; /* this tick's, in order */
    size_t n_arrivals, arrival_capacity;
    struct sim_spawn *spawns, *spawns_next;
    size_t n_spawns, n_spawns_next, spawn_capacity;

    /* per-run state */
    double *trust;       /* [s * S + j] trust of s in j */
    double *trust_delta; /* changes collected during a tick, applied in the trust phase */
    int *free_units;     /* [s] */
    int *release;        /* [s * release_len + t % release_len] units freed at tick t */
    int release_len;
    int *burn_until; /* [s * D + d] burned while t < burn_until */
    double *hazards; /* [c * S * K + s * K + k] this tick's detection hazard of channel c
                        (own, border, cue, network) for state s on type k (detection.c) */
    uint8_t *burned; /* [s * D + d] burned when the tables were last made (detection.c) */
    const struct world *tables_world; /* the world they were made for (NULL: none yet) */
    int wake_all;       /* look at every threat this tick: a burn began or ended, or the
                           world changed, so no sleeping threat's hazard can be trusted */
    int detect_next;    /* the first detection pass a change made now affects: the tick
                           before this tick's pass, the next tick after it */
    uint8_t *net_dirty; /* [n * S + s] s's holding on network n changed for the next pass */
    int net_dirty_any;
    uint64_t routes_dirty; /* bit d: adaptive routes of domain d need recomputing */
    double *escalation;    /* [k] excess rate multiplier */
    int *impacts_now;      /* [k] impacts this tick */
    int *state_region_first, *state_regions; /* regions owned by state s, CSR */

    /* networks and campaigns (§5.9), n_network_slots of them, by type slice */
    int *type_first_network; /* [k + 1] */
    int32_t *net_until;      /* [n * S + s]: s holds intelligence on network n while t < until */
    int32_t *net_rotated;    /* [n] tick of its last rotation, -1 */
    uint32_t *net_campaign;  /* [n] serial of the campaign in the slot */
    int32_t *net_end;        /* [n] first tick the campaign no longer generates threats */
    int32_t *net_alive;      /* [n] threats of the slot's campaign still active */
    uint8_t *net_state;      /* [n] 0 free, 1 generating, 2 ended but with threats left */
    int *camp_queue;         /* [n] per type slice: generating campaigns' slots in start order */
    int *camp_head, *camp_count; /* [k] */
    uint32_t *camp_next;         /* [k] serial of the next campaign */
    uint64_t *type_reach;        /* [k] owners of a region on one of the type's current routes */
    int has_networks, has_collection, has_watchers, has_fusion;
    int *watch_bit; /* [partner] bit in `watched`, -1 when it watches no region */
    const double *network_gain, *mitigation; /* the world's, or `zeros` when it has none */
    double *zeros;                           /* [S * D] */

    /* adaptive states (adapt.c, §5.15): allocated for every world (S x S), used when some
     * state adapts */
    uint64_t adapt_mask;     /* states that adapt */
    int adapt_tft;           /* some state plays tit-for-tat: sharing counts decisions */
    double *share_p;         /* [s * S + j] level at which adaptive s shares with j */
    double *adapt_next;      /* [s * S + j] scratch: the revised levels */
    double *adapt_mark;      /* [s * S + j] total loss of j when s's current period began */
    double *adapt_prev_loss; /* [s] its own loss in its previous period (NaN: none yet) */
    double *adapt_dir;       /* [s] reinforcement: +1 or -1, the direction of its next step */
    double *tft_offered;     /* [s * S + j] reports s decided on for j in j's current period */
    double *tft_sent;        /* [s * S + j] of those, the ones it sent */
    /* strategic leakers (exploit.c, §5.16) */
    int has_exploit;
    int32_t *excluded_until; /* [s * S + j] s withholds its reports from j while t < until */
    double *received;        /* [s * S + j] state reports j received from s so far */
    double *excluded_ticks;  /* [s * S + j] ticks of exclusion of j by s scheduled so far */

    /* scratch */
    size_t *detected;   /* slots detected this tick, in order */
    size_t *candidates; /* new response candidates, listed by the detection pass (detection.c) */
    size_t *looked;     /* slots the detection pass looked at, for the movement pass */
    size_t n_detected;
    struct sim_detection *found; /* this tick's detections (slot, detector), in threat order */
    size_t n_found, found_capacity;
    struct sim_queue *queues; /* [S] each state's response candidates, from tick to tick */
    struct sim_queue skipped; /* candidates a state passed over this tick, to queue again */
    size_t *removed;          /* threats interdicted this tick (they may sleep) */
    size_t n_removed;
    /* per-chunk results of the chunked per-threat loops (chunk c = a contiguous slot range;
     * options.threads * SIM_CHUNKS_PER_THREAD chunks), merged in chunk order so that the result
     * is that of one serial pass */
    size_t *chunk_count;  /* [chunks] list entries found in chunk c */
    size_t *chunk_cand;   /* [chunks] response candidates found in chunk c */
    size_t *chunk_looked; /* [chunks] threats looked at in chunk c */
    size_t *chunk_dead;   /* [chunks] threats removed in chunk c */
    int *chunk_moves;     /* [chunks * n_regions] threats that moved into region g */
    double *dist;         /* Dijkstra, with one scratch entry past the regions (paths.c) */
    int *dist_ticks, *dist_cross, *dist_abroad, *prev, *heap, *heap_pos, *scratch_path;

    int *region_owner;     /* [g] cached owner (-1 external) for the hot loops */
    int any_harm_per_tick; /* some type harms per tick: the movement phase accrues it */
    uint64_t next_serial;  /* serial of the next threat created in this run */
    uint64_t hub_mask, assist_mask, all_mask; /* states in the hub / lending units / all */

    gsl_rng *rng;
    gsl_rng **chunk_rng;        /* [chunks] a generator per chunk of a parallel step (arrivals.c) */
    uint64_t key[RNG_PURPOSES]; /* per purpose, for this replicate */

    /* current run */
    const struct world *world;
    struct sim_result *result;
    int tick;
    const struct world *phase_base; /* the world sim_run was given, which lists the phases */
    int next_phase;                 /* its next phase to switch to */
};

/* sim.c */
int sim_pool_reserve(struct sim_workspace *ws, size_t capacity);
int sim_routes_compute(struct sim_workspace *ws, int only_dirty, char *err, size_t errlen);
/* Switch to the next phase's world at the start of tick ws->tick (docs/model.md §14.4). */
void sim_phase_switch(struct sim_workspace *ws);
/* tick.c */
int tick_run(struct sim_workspace *ws, char *err, size_t errlen);

/* paths.c */
int paths_reset(struct sim_workspace *ws);
/* Shortest travel time (adaptive = 0) or least detection for type k (adaptive = 1) from region
 * `from` to `to`; appends (or reuses `reuse` if equal) and returns the path index, or -1 if
 * unreachable / out of memory. */
int paths_find(struct sim_workspace *ws, int from, int to, int adaptive, int type, int reuse);
/* Path index of a world-precomputed path (copied into the arena), or -1. */
int paths_copy_world(struct sim_workspace *ws, const struct world_path *path);
/* Cached shortest path for contagion copies. */
int paths_cached(struct sim_workspace *ws, int from, int to);

#endif
