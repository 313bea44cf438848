/* detection.c — phase 3: detection of the active threats, with the bookkeeping of each detection.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "rng.h"
#include "tick.h"

/* ---------------------------------------------------------------- 3. detection */

enum { CHANNEL_OWN, CHANNEL_BORDER, CHANNEL_CUE, CHANNEL_NETWORK };

/* Detection works in hazards: a channel that detects with probability p in a tick has hazard
 * -log(1 - p), and a tick's hazard is the sum over the channels that apply, so that
 * 1 - exp(-sum) = 1 - prod(1 - p) (§5.3). The hazards of every (state, type) and channel are
 * tabled once per tick; a border post's comes with the crossing. */
static inline double hazard(double p) {
    return -log1p(-p);
}

/* The tables (ws->hazards, channel by channel) for this tick: all of them when the world is new
 * to the workspace (a run starts, a time-phased measure switches the world), else the own
 * channel's entries of the (state, domain) pairs whose sources were burned or cleared since the
 * last tick. Either way every threat is looked at this tick: a sleeping threat's hazard assumed
 * the old tables. */
static void hazard_tables(struct sim_workspace *ws) {
    const struct world *w = ws->world;
    size_t K = (size_t)w->n_types, SK = (size_t)ws->n_states * K;
    double *own = ws->hazards, *border = own + SK, *cue = border + SK, *net = cue + SK;
    int fresh = ws->tables_world != w;
    for (int s = 0; s < ws->n_states; s++)
        for (int d = 0; d < w->n_domains; d++) {
            int sd = world_sd(w, s, d);
            uint8_t burned = ws->tick < ws->burn_until[sd];
            if (!fresh && burned == ws->burned[sd]) continue;
            ws->burned[sd] = burned;
            ws->wake_all = 1;
            for (size_t k = 0; k < K; k++) {
                const struct world_threat_type *tt = &w->types[k];
                if (tt->domain != d) continue;
                size_t at = (size_t)s * K + k;
                own[at] = hazard(w->detect[sd] * tt->stealth * (burned ? w->burn_factor : 1.0));
                if (!fresh) continue;
                border[at] = hazard(w->border_bonus[sd] * tt->stealth);
                cue[at] = hazard(w->cue_gain[sd] * tt->stealth);
                net[at] = hazard(ws->network_gain[sd] * tt->stealth);
            }
        }
    ws->tables_world = w;
}

/* State s's detection hazard on threat i in its own territory at tick t: the channels in the
 * order own, border, cue, network; `partial[c]` (if not NULL) gets the sum up to and including
 * channel c, formed in the same order, so that the detection test and the channel attribution
 * agree to the bit. */
static inline double hazard_of(const struct sim_workspace *ws, size_t i, int s, int t,
                               double *partial) {
    const struct world *w = ws->world;
    const struct sim_pool *pool = &ws->pool;
    int k = pool->type[i];
    size_t SK = (size_t)ws->n_states * (size_t)w->n_types;
    size_t at = (size_t)s * (size_t)w->n_types + (size_t)k;
    const double *table = ws->hazards;
    double sum = table[at];
    if (partial) partial[CHANNEL_OWN] = sum;
    if (pool->crossed[i]) {
        sum += table[SK + at];
        /* a border post on the route it crossed by (docs/model.md §4), counted as border */
        float post = ws->paths.checkpoint[ws->paths.first[pool->path[i]] + pool->pos[i]];
        if (post > 0) sum += hazard(post * w->types[k].stealth);
    }
    if (partial) partial[CHANNEL_BORDER] = sum;
    if (pool->intel[i] >> s & 1) sum += table[2 * SK + at];
    if (partial) partial[CHANNEL_CUE] = sum;
    if (network_holds_at(ws, i, s, t)) sum += table[3 * SK + at];
    if (partial) partial[CHANNEL_NETWORK] = sum;
    return sum;
}

double detection_hazard(const struct sim_workspace *ws, size_t i, int s, int t) {
    return hazard_of(ws, i, s, t, NULL);
}

/* State s's detection of threat i this tick (§5.3): the tick's hazard is spent from the threat's
 * budget, and the threat is detected on the tick the budget runs out. Over ticks with misses
 * m_1, m_2, ... (m = exp(-hazard)) the chance to be detected first at tick n is
 * m_1...m_(n-1) (1 - m_n), as with one uniform per tick, because an Exp(1) budget left after a
 * tick is again Exp(1) (memorylessness). A detected threat keeps the budget it had for
 * channel_of; the bookkeeping draws it a new one. */
static inline uint8_t detect_one(struct sim_workspace *ws, size_t i, int s) {
    struct sim_pool *pool = &ws->pool;
    if (s < 0) return ws->has_collection && upstream_any(ws, i) ? FLAG_DETECTED : FLAG_NONE;
    if (pool->known[i] >> s & 1) return FLAG_NONE;
    double spent = hazard_of(ws, i, s, ws->tick, NULL);
    if (pool->budget[i] < spent) return FLAG_DETECTED;
    pool->budget[i] -= spent;
    return FLAG_NONE;
}

/* The channel a detection in own territory counts for: the first that, with the ones before it,
 * would alone have made it (the same budget decides: the first whose cumulative hazard passes
 * it). */
static int channel_of(const struct sim_workspace *ws, size_t i, int s) {
    double partial[4];
    hazard_of(ws, i, s, ws->tick, partial);
    double budget = ws->pool.budget[i];
    for (int c = CHANNEL_OWN; c < CHANNEL_NETWORK; c++)
        if (budget < partial[c]) return c;
    return CHANNEL_NETWORK;
}

/* Is sleeping threat i's network holding, in the territory it is in, changed for this pass? */
static inline int net_woken(const struct sim_workspace *ws, size_t i) {
    int32_t key = ws->pool.net_key[i];
    return key >= 0 && ws->net_dirty[key];
}

/* The detection pass over one chunk: only the threats due to be looked at this tick (their wake
 * tick has come, or a change woke them); a sleeping threat costs one compare. The slots looked
 * at go to ws->looked (the movement pass takes them from there), the detected ones to
 * ws->detected, from the chunk's first slot, and the response's candidates to
 * ws->candidates: a live threat in the territory of a state that knows it (before this tick or by
 * this detection, which detection_record will enter in `known`) and has not engaged it in this
 * region. Such a threat is always awake (wake.c), and nothing between this pass and the response
 * changes what decides that (`known` is set only by detection_record, `engaged` and the region
 * only by the response and movement, no threat dies or arrives in between), so the list is the
 * one a scan at the response phase would make. */
static void detect_chunk(struct sim_workspace *ws, size_t c, size_t chunks) {
    struct sim_pool *pool = &ws->pool;
    size_t begin = chunk_begin(pool, c, chunks), end = chunk_begin(pool, c + 1, chunks), found = 0;
    size_t candidates = 0;
    size_t looked = 0;
    int t = ws->tick, all = ws->wake_all || ws->options.look_every_tick,
        dirty = ws->net_dirty_any && ws->has_networks;
    const int32_t *wake = pool->wake;
    for (size_t i = begin; i < end; i++) {
        if (!all) {
            if (!dirty) { /* the common case: a tight scan to the next threat due */
                while (i < end && wake[i] > t) i++;
                if (i == end) break;
            } else if (wake[i] > t && !net_woken(ws, i)) {
                continue;
            }
        }
        if (pool->flag[i] == FLAG_DEAD) continue;
        ws->looked[begin + looked++] = i;
        wake_catch_up(pool, i, t);
        int s = ws->region_owner[pool->region[i]];
        uint8_t flag = detect_one(ws, i, s);
        pool->flag[i] = flag;
        if (flag == FLAG_DETECTED) ws->detected[begin + found++] = i;
        if (s >= 0 && !(pool->engaged[i] >> s & 1) &&
            (flag == FLAG_DETECTED || pool->known[i] >> s & 1) && pool->queued[i] != s)
            ws->candidates[begin + candidates++] = i;
    }
    ws->chunk_count[c] = found;
    ws->chunk_cand[c] = candidates;
    ws->chunk_looked[c] = looked;
}

static const int channel_metric[] = {METRIC_DETECT_OWN, METRIC_DETECT_BORDER, METRIC_DETECT_CUE,
                                     METRIC_DETECT_NETWORK, METRIC_DETECT_UPSTREAM};

/* State s detects threat i (channel: CHANNEL_* or 4 for upstream): it knows the threat, makes
 * its estimate, learns about the threat's network, and the detection joins this tick's list. */
int detection_record(struct sim_workspace *ws, size_t i, int s, int channel) {
    const struct world *w = ws->world;
    struct sim_pool *pool = &ws->pool;
    size_t S = (size_t)ws->n_states;
    int g = pool->region[i], k = pool->type[i];
    pool->known[i] |= 1ull << s;
    double estimate = pool->severity[i];
    double noise = w->states[s].severity_noise;
    if (noise > 0) {
        rng_stream_set(ws->rng, ws->key[RNG_ESTIMATE], pool->uid[i], (uint32_t)s);
        estimate *= exp(noise * gsl_ran_gaussian_ziggurat(ws->rng, 1.0));
    }
    estimate = fusion_estimate(ws, i, s, estimate);
    pool->estimate[(size_t)i * S + (size_t)s] = (float)estimate;
    metric_add(ws, METRIC_DETECTIONS, s, k, 1.0);
    metric_add(ws, channel_metric[channel], s, k, 1.0);
    ws->result->region_detections[g] += 1.0;
    int first = -1;
    if (pool->intel[i] >> s & 1) {
        metric_add(ws, METRIC_CUED_DETECTIONS, s, k, 1.0);
        first = pool->first_reporter[(size_t)i * S + (size_t)s];
        if (first >= 0) ws->trust_delta[(size_t)s * S + (size_t)first] += w->trust.gain_used;
    }
    emit(ws, EVENT_DETECTION, (long long)pool->uid[i], k, s, first, g, estimate);
    network_acquire(ws, i, s);
    if (ws->n_found == ws->found_capacity) {
        size_t capacity = ws->found_capacity ? 2 * ws->found_capacity : 1024;
        struct sim_detection *grown = realloc(ws->found, capacity * sizeof *grown);
        if (!grown) return -1;
        ws->found = grown;
        ws->found_capacity = capacity;
    }
    ws->found[ws->n_found++] = (struct sim_detection){i, s};
    return 0;
}

int phase_detection(struct sim_workspace *ws, char *err, size_t errlen) {
    struct sim_pool *pool = &ws->pool;
    size_t chunks = chunk_total(ws);
    hazard_tables(ws);
    if (chunks > 1) {
#pragma omp parallel for num_threads(ws->options.threads) schedule(static, 1)
        for (long c = 0; c < (long)chunks; c++) detect_chunk(ws, (size_t)c, chunks);
    } else {
        detect_chunk(ws, 0, 1);
    }
    /* what changes from here on counts from the next tick's pass */
    ws->wake_all = 0;
    if (ws->net_dirty_any) {
        memset(ws->net_dirty, 0,
               (size_t)ws->type_first_network[ws->n_types] * (size_t)ws->n_states);
        ws->net_dirty_any = 0;
    }
    ws->detect_next = ws->tick + 1;
    /* the bookkeeping draws from the shared generator and adds to the metrics: serial, in
     * threat order */
    ws->n_detected = chunk_join(ws, ws->detected, chunks);
    ws->n_found = 0;
    for (size_t d = 0; d < ws->n_detected; d++) {
        if (d + 4 < ws->n_detected) pool_prefetch(pool, ws->detected[d + 4], (size_t)ws->n_states);
        size_t i = ws->detected[d];
        int s = ws->region_owner[pool->region[i]], status;
        if (s >= 0) {
            status = detection_record(ws, i, s, channel_of(ws, i, s));
            pool->budget[i] = detect_budget(ws, pool->uid[i], 1);
        } else {
            status = upstream_detect(ws, i, err, errlen);
        }
        if (status != 0) {
            snprintf(err, errlen, "out of memory listing detections");
            return -1;
        }
    }
    return 0;
}
