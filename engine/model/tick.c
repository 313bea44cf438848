/* tick.c — one tick of the model, phase by phase, in the documented order (docs/model.md). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "rng.h"
#include "sim_internal.h"

/* Per-threat flags written by one phase and read by the next; FLAG_DEAD marks the slot of a
 * removed threat until the pool is compacted (it survives every phase). */
enum {
    FLAG_NONE = 0,
    FLAG_DETECTED = 1,
    FLAG_MOVED = 2,
    FLAG_IMPACT = 3,
    FLAG_REMOVED = 4,
    FLAG_DEAD = 5
};

/* The pool is compacted once more than 1 / POOL_COMPACT_SHARE of its slots are dead, or when it
 * is full. As the oldest threats die first, most dead slots form a prefix, which the loops skip
 * at no cost (pool->live_from); compacting rarely spares copying every survivor every tick. */
enum { POOL_COMPACT_SHARE = 2 };

static inline void metric_add(struct sim_workspace *ws, int metric, int state, int type,
                              double value) {
    struct sim_result *r = ws->result;
    r->by_type[((size_t)metric * (size_t)r->n_states + (size_t)state) * (size_t)r->n_types +
               (size_t)type] += value;
    if (r->series)
        r->series[((size_t)metric * (size_t)r->ticks + (size_t)ws->tick) * (size_t)r->n_states +
                  (size_t)state] += value;
}

static void emit(struct sim_workspace *ws, int kind, long long threat, int type, int state,
                 int other, int region, double value) {
    if (!ws->options.on_event) return;
    struct sim_event event = {kind, ws->tick, threat, type, state, other, region, value};
    ws->options.on_event(ws->options.event_ctx, &event);
}

static inline int lowest_bit(uint64_t mask) {
    return __builtin_ctzll(mask);
}

/* ---------------------------------------------------------------- pool and queues */

static inline size_t pool_active(const struct sim_pool *pool) {
    return pool->count - pool->dead;
}

/* Drop the dead slots, keeping the survivors in order: runs of survivors move as blocks, each
 * array on its own (with threads, the arrays are shared out among them: moving one array touches
 * no other, so the result is the same). */
static void pool_compact(struct sim_workspace *ws) {
    struct sim_pool *pool = &ws->pool;
    size_t n = pool->count, S = (size_t)ws->n_states, i = 0, kept = 0;
    /* runs of survivors that move, as (first slot, length) pairs in ws->detected (free scratch
     * whenever the pool is compacted); a run is preceded by a dead slot, so they fit in n */
    size_t *runs = ws->detected, n_runs = 0;
    while (i < n && pool->flag[i] != FLAG_DEAD) i++;
    size_t in_place = i;
    while (i < n) {
        while (i < n && pool->flag[i] == FLAG_DEAD) i++;
        size_t run = i;
        while (i < n && pool->flag[i] != FLAG_DEAD) i++;
        if (i == run) break;
        runs[2 * n_runs] = run;
        runs[2 * n_runs + 1] = i - run;
        n_runs++;
        kept += i - run;
    }
    /* widest first, so that a dynamic share-out of the arrays balances */
    struct {
        void *base;
        size_t width;
    } arrays[] = {
        {pool->estimate, S * sizeof *pool->estimate},
        {pool->serial, sizeof *pool->serial},
        {pool->uid, sizeof *pool->uid},
        {pool->severity, sizeof *pool->severity},
        {pool->known, sizeof *pool->known},
        {pool->intel, sizeof *pool->intel},
        {pool->engaged, sizeof *pool->engaged},
        {pool->told, sizeof *pool->told},
        {pool->first_reporter, S * sizeof *pool->first_reporter},
        {pool->type, sizeof *pool->type},
        {pool->path, sizeof *pool->path},
        {pool->pos, sizeof *pool->pos},
        {pool->depart, sizeof *pool->depart},
        {pool->region, sizeof *pool->region},
        {pool->at_target, sizeof *pool->at_target},
        {pool->victim, sizeof *pool->victim},
        {pool->crossed, sizeof *pool->crossed},
        {pool->flag, sizeof *pool->flag},
    };
    long n_arrays = (long)(sizeof arrays / sizeof arrays[0]);
#pragma omp parallel for num_threads(ws->options.threads)                                          \
    schedule(dynamic) if (ws->options.threads > 1 && n > SIM_PARALLEL_MIN)
    for (long a = 0; a < n_arrays; a++) {
        char *base = arrays[a].base;
        size_t width = arrays[a].width, to = in_place;
        for (size_t r = 0; r < n_runs; r++) {
            size_t from = runs[2 * r], length = runs[2 * r + 1];
            memmove(base + to * width, base + from * width, length * width);
            to += length;
        }
    }
    pool->count = in_place + kept;
    pool->dead = 0;
    pool->live_from = 0;
}

/* The per-threat loops split the slots from the first live one on into contiguous chunks,
 * SIM_CHUNKS_PER_THREAD per thread when the pool is large enough (dealt out round robin: young
 * threats, at the end of the pool, are the ones still travelling and cost more); chunk c covers
 * [chunk_begin(c), chunk_begin(c + 1)). What a chunk finds is put in a list from the chunk's
 * first slot on, and the chunks' lists are joined in chunk order, so that the list is the one a
 * single pass in slot order makes, for any number of threads. */
static size_t chunk_total(const struct sim_workspace *ws) {
    size_t n = ws->pool.count - ws->pool.live_from;
    return ws->options.threads > 1 && n > SIM_PARALLEL_MIN
               ? (size_t)ws->options.threads * SIM_CHUNKS_PER_THREAD
               : 1;
}

static inline size_t chunk_begin(const struct sim_pool *pool, size_t c, size_t chunks) {
    size_t n = pool->count - pool->live_from;
    return pool->live_from + n / chunks * c + n % chunks * c / chunks;
}

/* Join the chunks' segments of `list` (ws->chunk_count[c] entries from chunk c's first slot)
 * into one list; returns its length. */
static size_t chunk_join(const struct sim_workspace *ws, size_t *list, size_t chunks) {
    size_t total = 0;
    for (size_t c = 0; c < chunks; c++) {
        size_t begin = chunk_begin(&ws->pool, c, chunks), count = ws->chunk_count[c];
        if (begin != total) memmove(list + total, list + begin, count * sizeof *list);
        total += count;
    }
    return total;
}

static int pool_push(struct sim_workspace *ws, char *err, size_t errlen) {
    struct sim_pool *pool = &ws->pool;
    size_t bound = ws->world->max_active_threats;
    if (bound && pool_active(pool) >= bound) {
        snprintf(err, errlen,
                 "more than %zu active threats at tick %d (max_active_threats, derived from the "
                 "memory limit): raise the limit or lower the arrival rates",
                 bound, ws->tick);
        return -1;
    }
    /* reuse dead slots before growing: the pool grows exactly when the active threats fill it */
    if (pool->count == pool->capacity && pool->dead) pool_compact(ws);
    if (pool->count == pool->capacity) {
        size_t capacity = 2 * pool->capacity;
        if (bound && capacity > bound) capacity = bound;
        if (sim_pool_reserve(ws, capacity) != 0) {
            snprintf(err, errlen, "out of memory growing the threat pool to %zu", capacity);
            return -1;
        }
    }
    pool->count++;
    return 0;
}

static int report_push(struct sim_workspace *ws, const struct sim_report *report) {
    if (ws->n_reports == ws->report_capacity) {
        size_t capacity = ws->report_capacity ? 2 * ws->report_capacity : 256;
        struct sim_report *grown = realloc(ws->reports, capacity * sizeof *grown);
        if (!grown) return -1;
        ws->reports = grown;
        ws->report_capacity = capacity;
    }
    ws->reports[ws->n_reports++] = *report;
    return 0;
}

static int spawn_push(struct sim_workspace *ws, const struct sim_spawn *spawn) {
    if (ws->n_spawns_next == ws->spawn_capacity) {
        size_t capacity = ws->spawn_capacity ? 2 * ws->spawn_capacity : 64;
        struct sim_spawn *a = realloc(ws->spawns, capacity * sizeof *a);
        if (!a) return -1;
        ws->spawns = a;
        struct sim_spawn *b = realloc(ws->spawns_next, capacity * sizeof *b);
        if (!b) return -1;
        ws->spawns_next = b;
        ws->spawn_capacity = capacity;
    }
    ws->spawns_next[ws->n_spawns_next++] = *spawn;
    return 0;
}

/* Slot of the active threat with this serial, or -1 (the pool, dead slots included, is sorted by
 * serial). */
static long pool_find(const struct sim_workspace *ws, uint64_t serial) {
    long low = 0, high = (long)ws->pool.count - 1;
    while (low <= high) {
        long mid = low + (high - low) / 2;
        uint64_t s = ws->pool.serial[mid];
        if (s == serial) return ws->pool.flag[mid] == FLAG_DEAD ? -1 : mid;
        if (s < serial)
            low = mid + 1;
        else
            high = mid - 1;
    }
    return -1;
}

/* ---------------------------------------------------------------- 1. arrivals */

static int arrive(struct sim_workspace *ws, uint64_t uid, int type, int path, char *err,
                  size_t errlen) {
    const struct world *w = ws->world;
    const struct world_threat_type *tt = &w->types[type];
    struct sim_pool *pool = &ws->pool;
    if (pool_push(ws, err, errlen) != 0) return -1;
    size_t i = pool->count - 1, S = (size_t)ws->n_states;
    int first = ws->paths.first[path], length = ws->paths.length[path];
    int origin = ws->paths.region[first];
    int target = ws->paths.region[first + length - 1];
    double severity = exp(tt->severity_mu);
    if (tt->severity_sigma > 0) {
        rng_stream_set(ws->rng, ws->key[RNG_SEVERITY], uid, 0);
        severity = gsl_ran_lognormal(ws->rng, tt->severity_mu, tt->severity_sigma);
    }
    pool->serial[i] = ws->next_serial++;
    pool->uid[i] = uid;
    pool->type[i] = type;
    pool->path[i] = path;
    pool->pos[i] = 0;
    pool->depart[i] = ws->tick;
    pool->region[i] = origin;
    pool->at_target[i] = 0;
    pool->victim[i] = ws->region_owner[target];
    pool->severity[i] = severity;
    pool->known[i] = pool->intel[i] = pool->engaged[i] = pool->told[i] = 0;
    pool->crossed[i] = 0;
    pool->flag[i] = FLAG_NONE;
    for (size_t s = 0; s < S; s++) {
        pool->estimate[i * S + s] = 0.0f;
        pool->first_reporter[i * S + s] = -1;
    }
    int victim = pool->victim[i];
    metric_add(ws, METRIC_ARRIVALS, victim, type, 1.0);
    ws->result->region_arrivals[origin] += 1.0;
    emit(ws, EVENT_ARRIVAL, (long long)uid, type, victim, -1, origin, severity);

    /* Partners learn of it now with their coverage and pass it on to members. */
    for (int p = 0; p < w->n_partners; p++) {
        const struct world_partner *partner = &w->partners[p];
        if (partner->coverage[tt->domain] <= 0) continue;
        rng_stream_set(ws->rng, ws->key[RNG_PARTNER], uid, (uint32_t)p);
        if (gsl_rng_uniform(ws->rng) >= partner->coverage[tt->domain]) continue;
        for (uint64_t members = partner->members & ws->all_mask; members; members &= members - 1) {
            int s = lowest_bit(members);
            if (gsl_rng_uniform(ws->rng) >= partner->share_level) continue;
            struct sim_report report = {pool->serial[i],
                                        uid,
                                        ws->tick + 1 + partner->latency,
                                        (int16_t)(-1 - p),
                                        (int16_t)s,
                                        (int16_t)type,
                                        0};
            if (report_push(ws, &report) != 0) {
                snprintf(err, errlen, "out of memory queueing reports");
                return -1;
            }
        }
    }
    return 0;
}

static int phase_arrivals(struct sim_workspace *ws, char *err, size_t errlen) {
    const struct world *w = ws->world;
    int t = ws->tick;
    for (int k = 0; k < w->n_types; k++) {
        const struct world_threat_type *tt = &w->types[k];
        double excitation = 1.0 + ws->escalation[k];
        for (int i = 0; i < tt->n_origins; i++) {
            int o = tt->first_origin + i;
            const struct world_origin *origin = &w->origins[o];
            double rate = origin->rate * excitation;
            if (origin->season_amplitude > 0 && origin->season_period > 0)
                rate *=
                    1.0 + origin->season_amplitude *
                              cos(2.0 * M_PI * (t - origin->season_peak) / origin->season_period);
            if (!(rate > 0)) continue;
            rng_stream_set(ws->rng, ws->key[RNG_ARRIVAL], (uint64_t)o, (uint32_t)t);
            unsigned n = gsl_ran_poisson(ws->rng, rate);
            for (unsigned j = 0; j < n; j++) {
                uint64_t uid = rng_mix(rng_mix(rng_mix((uint64_t)t) ^ (uint64_t)o) ^ j);
                int slot = 0;
                if (tt->n_targets > 1) {
                    rng_stream_set(ws->rng, ws->key[RNG_TARGET], uid, 0);
                    double u = gsl_rng_uniform(ws->rng), cumulative = 0.0;
                    const double *weights = w->target_weights + tt->first_target;
                    for (slot = 0; slot < tt->n_targets - 1; slot++) {
                        cumulative += weights[slot];
                        if (u < cumulative) break;
                    }
                }
                int path = ws->route[ws->type_first_pair[k] + i * tt->n_targets + slot];
                if (arrive(ws, uid, k, path, err, errlen) != 0) return -1;
            }
        }
    }
    /* contagion copies spawned by last tick's impacts */
    for (size_t c = 0; c < ws->n_spawns; c++) {
        const struct sim_spawn *spawn = &ws->spawns[c];
        int path = paths_cached(ws, spawn->from_region, spawn->target_region);
        if (path < 0) continue; /* no route to that neighbour's region: the copy fizzles */
        if (arrive(ws, spawn->uid, spawn->type, path, err, errlen) != 0) return -1;
    }
    ws->n_spawns = 0;
    return 0;
}

/* ---------------------------------------------------------------- 2. delivery */

static void phase_delivery(struct sim_workspace *ws) {
    const struct world *w = ws->world;
    int t = ws->tick;
    size_t S = (size_t)ws->n_states, kept = 0;
    struct sim_pool *pool = &ws->pool;
    for (size_t r = 0; r < ws->n_reports; r++) {
        struct sim_report report = ws->reports[r];
        if (report.deliver > t) {
            ws->reports[kept++] = report;
            continue;
        }
        int receiver = report.receiver, sender = report.sender;
        if (sender >= 0) {
            const struct world_threat_type *tt = &w->types[report.type];
            emit(ws, EVENT_DELIVERY, (long long)report.uid, report.type, sender, receiver, -1, 0.0);
            double leak = w->states[receiver].leak;
            if (leak > 0) {
                uint32_t b = ((uint32_t)t << 12) | ((uint32_t)receiver << 6) | (uint32_t)sender;
                rng_stream_set(ws->rng, ws->key[RNG_LEAK], report.uid, b);
                if (gsl_rng_uniform(ws->rng) < leak) {
                    metric_add(ws, METRIC_LEAKS, sender, report.type, 1.0);
                    emit(ws, EVENT_LEAK, (long long)report.uid, report.type, sender, receiver, -1,
                         0.0);
                    int sd = world_sd(w, sender, tt->domain);
                    if (w->burn_ticks > 0 && w->burn_factor < 1.0) {
                        if (ws->burn_until[sd] <= t) ws->routes_dirty |= 1ull << tt->domain;
                        ws->burn_until[sd] = t + w->burn_ticks;
                    }
                    /* the sender blames the leaker when it can tell who it was */
                    int attributed =
                        !report.via_hub || gsl_rng_uniform(ws->rng) < w->hub_monitoring;
                    if (attributed)
                        ws->trust_delta[(size_t)sender * S + (size_t)receiver] -=
                            w->trust.loss_leak;
                }
            }
        }
        long i = pool_find(ws, report.serial);
        if (i < 0) continue; /* the threat is gone: the report informs nothing */
        pool->intel[i] |= 1ull << receiver;
        int8_t *first = &pool->first_reporter[(size_t)i * S + (size_t)receiver];
        if (*first == -1) *first = (int8_t)(sender >= 0 ? sender : -2);
    }
    ws->n_reports = kept;
}

/* ---------------------------------------------------------------- 3. detection */

static inline uint8_t detect_one(const struct sim_workspace *ws, size_t i) {
    const struct world *w = ws->world;
    const struct sim_pool *pool = &ws->pool;
    int s = ws->region_owner[pool->region[i]];
    if (s < 0 || (pool->known[i] >> s & 1)) return FLAG_NONE;
    const struct world_threat_type *tt = &w->types[pool->type[i]];
    int sd = world_sd(w, s, tt->domain);
    double p = w->detect[sd] * tt->stealth;
    if (ws->tick < ws->burn_until[sd]) p *= w->burn_factor;
    double miss = 1.0 - p;
    if (pool->crossed[i]) miss *= 1.0 - w->border_bonus[sd] * tt->stealth;
    if (pool->intel[i] >> s & 1) miss *= 1.0 - w->cue_gain[sd] * tt->stealth;
    double u = rng_uniform_at(ws->key[RNG_DETECT], pool->uid[i], (uint32_t)ws->tick);
    return u < 1.0 - miss ? FLAG_DETECTED : FLAG_NONE;
}

/* The detection draws of one chunk; the detected slots go to ws->detected from its first slot. */
static void detect_chunk(struct sim_workspace *ws, size_t c, size_t chunks) {
    struct sim_pool *pool = &ws->pool;
    size_t begin = chunk_begin(pool, c, chunks), end = chunk_begin(pool, c + 1, chunks), found = 0;
    for (size_t i = begin; i < end; i++) {
        if (pool->flag[i] == FLAG_DEAD) continue;
        uint8_t flag = detect_one(ws, i);
        pool->flag[i] = flag;
        if (flag == FLAG_DETECTED) ws->detected[begin + found++] = i;
    }
    ws->chunk_count[c] = found;
}

static void phase_detection(struct sim_workspace *ws) {
    const struct world *w = ws->world;
    struct sim_pool *pool = &ws->pool;
    size_t S = (size_t)ws->n_states, chunks = chunk_total(ws);
    if (chunks > 1) {
#pragma omp parallel for num_threads(ws->options.threads) schedule(static, 1)
        for (long c = 0; c < (long)chunks; c++) detect_chunk(ws, (size_t)c, chunks);
    } else {
        detect_chunk(ws, 0, 1);
    }
    /* the bookkeeping draws from the shared generator and adds to the metrics: serial, in
     * threat order */
    ws->n_detected = chunk_join(ws, ws->detected, chunks);
    for (size_t d = 0; d < ws->n_detected; d++) {
        size_t i = ws->detected[d];
        int g = pool->region[i], s = ws->region_owner[g], k = pool->type[i];
        pool->known[i] |= 1ull << s;
        double estimate = pool->severity[i];
        double noise = w->states[s].severity_noise;
        if (noise > 0) {
            rng_stream_set(ws->rng, ws->key[RNG_ESTIMATE], pool->uid[i], (uint32_t)s);
            estimate *= exp(noise * gsl_ran_gaussian_ziggurat(ws->rng, 1.0));
        }
        pool->estimate[(size_t)i * S + (size_t)s] = (float)estimate;
        metric_add(ws, METRIC_DETECTIONS, s, k, 1.0);
        ws->result->region_detections[g] += 1.0;
        int first = -1;
        if (pool->intel[i] >> s & 1) {
            metric_add(ws, METRIC_CUED_DETECTIONS, s, k, 1.0);
            first = pool->first_reporter[(size_t)i * S + (size_t)s];
            if (first >= 0) ws->trust_delta[(size_t)s * S + (size_t)first] += w->trust.gain_used;
        }
        emit(ws, EVENT_DETECTION, (long long)pool->uid[i], k, s, first, g, estimate);
    }
}

/* ---------------------------------------------------------------- 4. sharing */

static int phase_sharing(struct sim_workspace *ws, char *err, size_t errlen) {
    const struct world *w = ws->world;
    struct sim_pool *pool = &ws->pool;
    size_t S = (size_t)ws->n_states;
    int t = ws->tick;
    for (size_t n = 0; n < ws->n_detected; n++) {
        size_t i = ws->detected[n];
        int s = ws->region_owner[pool->region[i]], k = pool->type[i];
        const struct world_threat_type *tt = &w->types[k];
        const struct world_sharing *rule = &w->sharing[world_sd(w, s, tt->domain)];
        uint64_t self = 1ull << s, candidates;
        int hub = rule->policy == POLICY_HUB;
        if (hub)
            candidates = ws->hub_mask & ~self;
        else if (rule->scope == SCOPE_NEIGHBOURS)
            candidates = w->neighbours[s] & ws->all_mask & ~self;
        else if (rule->scope == SCOPE_ROUTE)
            candidates =
                ws->paths.owner_suffix[ws->paths.first[pool->path[i]] + pool->pos[i]] & ~self;
        else
            candidates = ws->all_mask & ~self;
        if (!candidates) continue;
        double estimate = pool->estimate[i * S + (size_t)s];
        if (rule->policy == POLICY_WITHHOLD || estimate < rule->threshold) {
            metric_add(ws, METRIC_REPORTS_WITHHELD, s, k, __builtin_popcountll(candidates));
            continue;
        }
        rng_stream_set(ws->rng, ws->key[RNG_SHARE], pool->uid[i], (uint32_t)s);
        int sent = 0, withheld = 0;
        int deliver = t + 1 + rule->latency + (hub ? w->hub_latency : 0);
        for (; candidates; candidates &= candidates - 1) {
            int j = lowest_bit(candidates);
            double u = gsl_rng_uniform(ws->rng);
            int share;
            switch (rule->policy) {
                case POLICY_LEVEL:
                    share = u < rule->level;
                    break;
                case POLICY_AGREEMENTS:
                    share = u < w->agreement[(size_t)s * S + (size_t)j];
                    break;
                case POLICY_RECIPROCAL:
                    share = u < ws->trust[(size_t)s * S + (size_t)j];
                    break;
                default:
                    share = 1;
                    break; /* full, hub */
            }
            if (!share) {
                withheld++;
                continue;
            }
            struct sim_report report = {pool->serial[i], pool->uid[i], deliver,     (int16_t)s,
                                        (int16_t)j,      (int16_t)k,   (uint8_t)hub};
            if (report_push(ws, &report) != 0) {
                snprintf(err, errlen, "out of memory queueing reports");
                return -1;
            }
            if (j == pool->victim[i]) pool->told[i] |= self;
            sent++;
            emit(ws, EVENT_REPORT, (long long)pool->uid[i], k, s, j, pool->region[i], estimate);
        }
        if (sent) metric_add(ws, METRIC_REPORTS_SHARED, s, k, sent);
        if (withheld) metric_add(ws, METRIC_REPORTS_WITHHELD, s, k, withheld);
        /* one report to the centre pays once; direct sharing pays per receiver */
        double cost = w->states[s].cost_per_report * (hub ? (sent > 0) : sent);
        if (cost > 0) {
            metric_add(ws, METRIC_SHARING_COST, s, k, cost);
            metric_add(ws, METRIC_LOSS, s, k, cost);
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- 5. response */

/* Priority: higher estimate first, then lower serial (older threat). */
static inline int response_before(const struct sim_workspace *ws, int s, size_t a, size_t b) {
    size_t S = (size_t)ws->n_states;
    float ea = ws->pool.estimate[a * S + (size_t)s], eb = ws->pool.estimate[b * S + (size_t)s];
    if (ea != eb) return ea > eb;
    return ws->pool.serial[a] < ws->pool.serial[b];
}

/* Shell sort with the gaps of Ciura: in place, no allocation, the order is total. */
static void response_sort(const struct sim_workspace *ws, int s, size_t *items, size_t n) {
    static const size_t gaps[] = {1750, 701, 301, 132, 57, 23, 10, 4, 1};
    for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
        size_t gap = gaps[g];
        for (size_t i = gap; i < n; i++) {
            size_t item = items[i], j = i;
            while (j >= gap && response_before(ws, s, item, items[j - gap])) {
                items[j] = items[j - gap];
                j -= gap;
            }
            items[j] = item;
        }
    }
}

static int lender_available(const struct sim_workspace *ws, int s) {
    if (ws->world->assistance_units <= 0) return 0;
    for (uint64_t m = ws->world->neighbours[s] & ws->assist_mask & ~(1ull << s); m; m &= m - 1)
        if (ws->free_units[lowest_bit(m)] > 0) return 1;
    return 0;
}

/* Response candidates of one chunk (known to the territory's owner, not yet engaged by it), to
 * ws->detected from the chunk's first slot: the detection list is free scratch by now. */
static void candidates_chunk(struct sim_workspace *ws, size_t c, size_t chunks) {
    const struct sim_pool *pool = &ws->pool;
    size_t begin = chunk_begin(pool, c, chunks), end = chunk_begin(pool, c + 1, chunks), found = 0;
    for (size_t i = begin; i < end; i++) {
        if (pool->flag[i] == FLAG_DEAD) continue;
        int s = ws->region_owner[pool->region[i]];
        if (s >= 0 && ((pool->known[i] & ~pool->engaged[i]) >> s & 1))
            ws->detected[begin + found++] = i;
    }
    ws->chunk_count[c] = found;
}

static void phase_response(struct sim_workspace *ws) {
    const struct world *w = ws->world;
    struct sim_pool *pool = &ws->pool;
    size_t S = (size_t)ws->n_states, chunks = chunk_total(ws);
    int t = ws->tick;
    /* candidates in threat order, then grouped by state with a counting sort */
    if (chunks > 1) {
#pragma omp parallel for num_threads(ws->options.threads) schedule(static, 1)
        for (long c = 0; c < (long)chunks; c++) candidates_chunk(ws, (size_t)c, chunks);
    } else {
        candidates_chunk(ws, 0, 1);
    }
    size_t *first = ws->bucket_first, *found = ws->detected;
    size_t total = chunk_join(ws, found, chunks);
    if (!total) return;
    memset(first, 0, (S + 1) * sizeof *first);
    for (size_t c = 0; c < total; c++) first[ws->region_owner[pool->region[found[c]]] + 1]++;
    for (size_t s = 0; s < S; s++) first[s + 1] += first[s];
    for (size_t c = 0; c < total; c++)
        ws->bucket[first[ws->region_owner[pool->region[found[c]]]]++] = found[c];
    for (size_t s = S; s > 0; s--) first[s] = first[s - 1]; /* restore the starts */
    first[0] = 0;
    /* With threads, the buckets of the states that can engage are sorted first, a state per
     * iteration: a sort touches only its bucket and the order is total, and a state that cannot
     * engage now cannot later in the phase (units are only taken), so the serial loop below
     * finds every bucket it uses sorted as it would have sorted it. */
    int presorted = chunks > 1 && total > SIM_PARALLEL_MIN;
    if (presorted) {
#pragma omp parallel for num_threads(ws->options.threads) schedule(dynamic)
        for (long s = 0; s < (long)S; s++) {
            size_t count = first[s + 1] - first[s];
            if (count > 1 && (ws->free_units[s] > 0 || lender_available(ws, (int)s)))
                response_sort(ws, (int)s, ws->bucket + first[s], count);
        }
    }
    for (int s = 0; s < (int)S; s++) {
        size_t *items = ws->bucket + first[s], count = first[s + 1] - first[s];
        if (!count) continue;
        if (ws->free_units[s] == 0 && !lender_available(ws, s)) continue;
        if (!presorted) response_sort(ws, s, items, count);
        for (size_t c = 0; c < count; c++) {
            size_t i = items[c];
            int engager = -1, units = 0;
            if (ws->free_units[s] > 0) {
                engager = s;
                units = 1;
            } else if (w->assistance_units > 0) {
                uint64_t lenders =
                    w->neighbours[s] & ws->assist_mask & pool->known[i] & ~(1ull << s);
                for (; lenders; lenders &= lenders - 1) {
                    int j = lowest_bit(lenders);
                    if (ws->free_units[j] > 0) {
                        engager = j;
                        units = ws->free_units[j] < w->assistance_units ? ws->free_units[j]
                                                                        : w->assistance_units;
                        break;
                    }
                }
            }
            if (engager < 0) {
                if (!lender_available(ws, s)) break;
                continue;
            }
            int k = pool->type[i], busy = w->states[engager].busy_ticks;
            ws->free_units[engager] -= units;
            ws->release[(size_t)engager * (size_t)ws->release_len +
                        (size_t)((t + busy) % ws->release_len)] += units;
            int counted = busy < w->ticks - t ? busy : w->ticks - t;
            metric_add(ws, METRIC_ENGAGEMENTS, engager, k, 1.0);
            metric_add(ws, METRIC_BUSY_UNIT_TICKS, engager, k, (double)units * counted);
            double success = 1.0 - pow(1.0 - w->states[engager].interdiction, units);
            pool->engaged[i] |= 1ull << s;
            emit(ws, EVENT_ENGAGEMENT, (long long)pool->uid[i], k, engager, s, pool->region[i],
                 success);
            double u = rng_uniform_at(ws->key[RNG_RESPONSE], pool->uid[i], (uint32_t)t);
            if (u < success) {
                pool->flag[i] = FLAG_REMOVED;
                metric_add(ws, METRIC_INTERDICTIONS, engager, k, 1.0);
                emit(ws, EVENT_INTERDICTION, (long long)pool->uid[i], k, engager, s,
                     pool->region[i], pool->severity[i]);
                int reporter = pool->first_reporter[i * S + (size_t)engager];
                if (reporter >= 0)
                    ws->trust_delta[(size_t)engager * S + (size_t)reporter] += w->trust.gain_used;
            }
        }
    }
}

/* ---------------------------------------------------------------- 6. movement and impact */

static inline uint8_t move_one(struct sim_workspace *ws, size_t i) {
    struct sim_pool *pool = &ws->pool;
    const struct sim_paths *paths = &ws->paths;
    int first = paths->first[pool->path[i]], last = paths->length[pool->path[i]] - 1;
    int pos = pool->pos[i];
    pool->crossed[i] = 0;
    if (pos == last) {
        int dwell = ws->world->types[pool->type[i]].dwell;
        return ++pool->at_target[i] >= dwell ? FLAG_IMPACT : FLAG_NONE;
    }
    int next = first + pos + 1;
    if (ws->tick + 1 < pool->depart[i] + paths->enter[next]) return FLAG_NONE;
    pool->pos[i] = pos + 1;
    pool->region[i] = paths->region[next];
    pool->crossed[i] = paths->crossing[next];
    pool->engaged[i] = 0; /* a new region, a new chance to be engaged */
    return FLAG_MOVED;
}

static int impact(struct sim_workspace *ws, size_t i) {
    const struct world *w = ws->world;
    struct sim_pool *pool = &ws->pool;
    size_t S = (size_t)ws->n_states;
    int k = pool->type[i], victim = pool->victim[i], g = pool->region[i];
    const struct world_threat_type *tt = &w->types[k];
    double severity = pool->severity[i];
    metric_add(ws, METRIC_HARM, victim, k, severity);
    metric_add(ws, METRIC_LOSS, victim, k, severity);
    metric_add(ws, METRIC_IMPACTS, victim, k, 1.0);
    ws->result->region_impacts[g] += 1.0;
    ws->result->region_harm[g] += severity;
    emit(ws, EVENT_IMPACT, (long long)pool->uid[i], k, victim, -1, g, severity);
    ws->impacts_now[k]++;
    /* partners that saw it coming and kept quiet may be found out */
    uint64_t hidden = pool->known[i] & ~pool->told[i] & ~(1ull << victim);
    if (hidden && w->trust.discover_hidden > 0 && w->trust.loss_hidden > 0) {
        rng_stream_set(ws->rng, ws->key[RNG_TRUST], pool->uid[i], (uint32_t)victim);
        for (; hidden; hidden &= hidden - 1) {
            int j = lowest_bit(hidden);
            if (gsl_rng_uniform(ws->rng) < w->trust.discover_hidden)
                ws->trust_delta[(size_t)victim * S + (size_t)j] -= w->trust.loss_hidden;
        }
    }
    if (tt->contagion > 0) {
        rng_stream_set(ws->rng, ws->key[RNG_CONTAGION], pool->uid[i], 0);
        if (gsl_rng_uniform(ws->rng) < tt->contagion) {
            uint64_t near = w->neighbours[victim] & ws->all_mask & ~(1ull << victim);
            int total = 0;
            for (uint64_t m = near; m; m &= m - 1) {
                int s = lowest_bit(m);
                total += ws->state_region_first[s + 1] - ws->state_region_first[s];
            }
            if (total > 0) {
                int pick = (int)(gsl_rng_uniform(ws->rng) * total);
                int target = -1;
                for (uint64_t m = near; m && target < 0; m &= m - 1) {
                    int s = lowest_bit(m);
                    int owned = ws->state_region_first[s + 1] - ws->state_region_first[s];
                    if (pick < owned)
                        target = ws->state_regions[ws->state_region_first[s] + pick];
                    else
                        pick -= owned;
                }
                struct sim_spawn spawn = {rng_mix(pool->uid[i] ^ 0x636f6e746167696full), k, g,
                                          target};
                if (spawn_push(ws, &spawn) != 0) return -1;
            }
        }
    }
    return 0;
}

/* Moves the live threats of one chunk; marks interdicted and impacting ones dead, lists the
 * impacting ones (ws->detected from the chunk's first slot) and counts the moves into each
 * region (ws->chunk_moves row c; straight into the result when there is one chunk). */
static void move_chunk(struct sim_workspace *ws, size_t c, size_t chunks) {
    struct sim_pool *pool = &ws->pool;
    size_t begin = chunk_begin(pool, c, chunks), end = chunk_begin(pool, c + 1, chunks);
    size_t impacts = 0, died = 0;
    int *moves = ws->chunk_moves + c * (size_t)ws->n_regions;
    double *arrivals = ws->result->region_arrivals;
    if (chunks > 1) memset(moves, 0, (size_t)ws->n_regions * sizeof *moves);
    for (size_t i = begin; i < end; i++) {
        uint8_t flag = pool->flag[i];
        if (flag == FLAG_DEAD) continue;
        if (flag != FLAG_REMOVED) {
            flag = move_one(ws, i);
            if (flag == FLAG_MOVED) {
                if (chunks > 1)
                    moves[pool->region[i]]++;
                else
                    arrivals[pool->region[i]] += 1.0;
            } else if (flag == FLAG_IMPACT) {
                ws->detected[begin + impacts++] = i;
            }
        }
        if (flag == FLAG_REMOVED || flag == FLAG_IMPACT) {
            flag = FLAG_DEAD;
            died++;
        }
        pool->flag[i] = flag;
    }
    ws->chunk_count[c] = impacts;
    ws->chunk_dead[c] = died;
}

static int phase_movement(struct sim_workspace *ws, char *err, size_t errlen) {
    const struct world *w = ws->world;
    struct sim_pool *pool = &ws->pool;
    size_t n = pool->count, chunks = chunk_total(ws);
    /* harm per tick, to the owner of the region each survivor is in this tick */
    for (size_t i = pool->live_from; i < n && ws->any_harm_per_tick; i++) {
        if (pool->flag[i] == FLAG_REMOVED || pool->flag[i] == FLAG_DEAD) continue;
        int k = pool->type[i], g = pool->region[i], owner = ws->region_owner[g];
        double harm = w->types[k].harm_per_tick;
        if (harm <= 0 || owner < 0) continue;
        metric_add(ws, METRIC_HARM, owner, k, harm);
        metric_add(ws, METRIC_LOSS, owner, k, harm);
        ws->result->region_harm[g] += harm;
    }
    if (chunks > 1) {
#pragma omp parallel for num_threads(ws->options.threads) schedule(static, 1)
        for (long c = 0; c < (long)chunks; c++) move_chunk(ws, (size_t)c, chunks);
        /* the flows are whole numbers: adding a chunk's count at once gives the same bits as
         * adding 1.0 per move in threat order */
        size_t R = (size_t)ws->n_regions;
        for (size_t g = 0; g < R; g++) {
            long moved = 0;
            for (size_t c = 0; c < chunks; c++) moved += ws->chunk_moves[c * R + g];
            if (moved) ws->result->region_arrivals[g] += (double)moved;
        }
    } else {
        move_chunk(ws, 0, 1);
    }
    for (size_t c = 0; c < chunks; c++) pool->dead += ws->chunk_dead[c];
    /* impacts draw from the shared generator and add to the metrics: serial, in threat order */
    size_t impacts = chunk_join(ws, ws->detected, chunks);
    for (size_t d = 0; d < impacts; d++) {
        if (impact(ws, ws->detected[d]) != 0) {
            snprintf(err, errlen, "out of memory queueing contagion");
            return -1;
        }
    }
    while (pool->live_from < n && pool->flag[pool->live_from] == FLAG_DEAD) pool->live_from++;
    if (pool->dead * POOL_COMPACT_SHARE > pool->count) pool_compact(ws);
    return 0;
}

/* ---------------------------------------------------------------- 7. trust, 8. record */

static void phase_trust(struct sim_workspace *ws) {
    size_t S = (size_t)ws->n_states;
    for (size_t c = 0; c < S * S; c++) {
        if (ws->trust_delta[c] == 0.0) continue;
        double value = ws->trust[c] + ws->trust_delta[c];
        ws->trust[c] = value < 0.0 ? 0.0 : value > 1.0 ? 1.0 : value;
        ws->trust_delta[c] = 0.0;
        ws->result->trust_changed = 1;
    }
}

static void phase_record(struct sim_workspace *ws) {
    const struct world *w = ws->world;
    struct sim_result *r = ws->result;
    size_t S = (size_t)ws->n_states;
    if (r->trust)
        for (size_t c = 0; c < S * S; c++)
            r->trust[(size_t)ws->tick * S * S + c] = (float)ws->trust[c];
    /* the measure's cost, spread equally over states, ticks and threat types */
    if (w->measure_cost > 0 && w->n_types > 0) {
        double share = w->measure_cost / ((double)S * w->ticks * w->n_types);
        for (int s = 0; s < (int)S; s++)
            for (int k = 0; k < w->n_types; k++) metric_add(ws, METRIC_LOSS, s, k, share);
    }
    for (int k = 0; k < w->n_types; k++) {
        const struct world_threat_type *tt = &w->types[k];
        ws->escalation[k] =
            tt->escalation_decay * ws->escalation[k] + tt->escalation_boost * ws->impacts_now[k];
        ws->impacts_now[k] = 0;
    }
    struct sim_spawn *swap = ws->spawns;
    ws->spawns = ws->spawns_next;
    ws->spawns_next = swap;
    ws->n_spawns = ws->n_spawns_next;
    ws->n_spawns_next = 0;
    emit(ws, EVENT_TICK, -1, -1, -1, -1, -1, (double)pool_active(&ws->pool));
}

int tick_run(struct sim_workspace *ws, char *err, size_t errlen) {
    const struct world *w = ws->world;
    char scratch[8];
    if (!err) {
        err = scratch;
        errlen = sizeof scratch;
    }
    for (int t = 0; t < w->ticks; t++) {
        if (ws->options.stop && *ws->options.stop) return SIM_STOPPED;
        ws->tick = t;
        /* units whose busy time ended, burns that ended: capabilities at the start of tick t */
        for (int s = 0; s < ws->n_states; s++) {
            int *slot =
                &ws->release[(size_t)s * (size_t)ws->release_len + (size_t)(t % ws->release_len)];
            ws->free_units[s] += *slot;
            *slot = 0;
        }
        for (int sd = 0; sd < ws->n_states * ws->n_domains; sd++)
            if (ws->burn_until[sd] == t && t > 0) ws->routes_dirty |= 1ull << (sd % ws->n_domains);
        if (ws->routes_dirty && sim_routes_compute(ws, 1, err, errlen) != 0) return -1;

        if (phase_arrivals(ws, err, errlen) != 0) return -1;
        size_t active = pool_active(&ws->pool);
        ws->result->threat_ticks += (long long)active;
        if ((long long)active > ws->result->peak_active)
            ws->result->peak_active = (long long)active;
        phase_delivery(ws);
        phase_detection(ws);
        if (phase_sharing(ws, err, errlen) != 0) return -1;
        phase_response(ws);
        if (phase_movement(ws, err, errlen) != 0) return -1;
        phase_trust(ws);
        phase_record(ws);
    }
    return 0;
}
