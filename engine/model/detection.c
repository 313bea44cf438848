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

/* The miss probability of state s on threat i in its own territory, one factor per channel in
 * the order own, border, cue, network; `partial[c]` (if not NULL) gets the product up to and
 * including channel c. The product is formed in the same order whatever is asked, so the
 * detection test and the channel attribution agree to the bit. */
static inline double own_miss_of(const struct sim_workspace *ws, int s, int k) {
    const struct world *w = ws->world;
    const struct world_threat_type *tt = &w->types[k];
    int sd = world_sd(w, s, tt->domain);
    double p = w->detect[sd] * tt->stealth;
    if (ws->tick < ws->burn_until[sd]) p *= w->burn_factor;
    return 1.0 - p;
}

/* The own channel's miss of every (state, type) this tick, into ws->own_miss: the same value
 * own_miss_of gives (the same operations), looked up per threat instead of recomputed. */
static void own_miss_table(struct sim_workspace *ws) {
    int K = ws->world->n_types;
    for (int s = 0; s < ws->n_states; s++)
        for (int k = 0; k < K; k++)
            ws->own_miss[(size_t)s * (size_t)K + (size_t)k] = own_miss_of(ws, s, k);
}

static inline double miss_of(const struct sim_workspace *ws, size_t i, int s, double *partial) {
    const struct world *w = ws->world;
    const struct sim_pool *pool = &ws->pool;
    int k = pool->type[i];
    const struct world_threat_type *tt = &w->types[k];
    int sd = world_sd(w, s, tt->domain);
    double miss = ws->own_miss[(size_t)s * (size_t)w->n_types + (size_t)k];
    if (partial) partial[CHANNEL_OWN] = miss;
    if (pool->crossed[i]) {
        miss *= 1.0 - w->border_bonus[sd] * tt->stealth;
        /* a border post on the route it crossed by (docs/model.md §4), counted as border */
        float post = ws->paths.checkpoint[ws->paths.first[pool->path[i]] + pool->pos[i]];
        if (post > 0) miss *= 1.0 - post * tt->stealth;
    }
    if (partial) partial[CHANNEL_BORDER] = miss;
    if (pool->intel[i] >> s & 1) miss *= 1.0 - w->cue_gain[sd] * tt->stealth;
    if (partial) partial[CHANNEL_CUE] = miss;
    if (network_holds(ws, i, s)) miss *= 1.0 - ws->network_gain[sd] * tt->stealth;
    if (partial) partial[CHANNEL_NETWORK] = miss;
    return miss;
}

/* `bits`: the threat's detection uniform of this tick as a 53-bit integer (rng_bits_batch), so
 * u < 1 - miss is bits < (1 - miss) * 2^53: both sides scaled exactly, the same outcome. */
static inline uint8_t detect_one(const struct sim_workspace *ws, size_t i, int s, uint64_t bits) {
    const struct sim_pool *pool = &ws->pool;
    if (s < 0) return ws->has_collection && upstream_any(ws, i) ? FLAG_DETECTED : FLAG_NONE;
    if (pool->known[i] >> s & 1) return FLAG_NONE;
    double miss = miss_of(ws, i, s, NULL);
    return (double)bits < (1.0 - miss) * 0x1.0p53 ? FLAG_DETECTED : FLAG_NONE;
}

/* The channel a detection in own territory counts for: the first that, with the ones before it,
 * would alone have made it (the same uniform decides). */
static int channel_of(const struct sim_workspace *ws, size_t i, int s) {
    double partial[4];
    miss_of(ws, i, s, partial);
    double u = rng_uniform_at(ws->key[RNG_DETECT], ws->pool.uid[i], (uint32_t)ws->tick);
    for (int c = CHANNEL_OWN; c < CHANNEL_NETWORK; c++)
        if (u < 1.0 - partial[c]) return c;
    return CHANNEL_NETWORK;
}

enum { DETECT_BLOCK = 256 }; /* draws made ahead, in one batch (2 KiB of stack) */

/* The detection draws of one chunk; the detected slots go to ws->detected from its first slot,
 * and the response's candidates to ws->candidates: a live threat in the territory of a state that
 * knows it (before this tick or by this detection, which detection_record will enter in
 * `known`) and has not engaged it in this region. Nothing between this pass and the response
 * changes what decides that (`known` is set only by detection_record, `engaged` and the region
 * only by the response and movement, no threat dies or arrives in between), so the list is the
 * one a scan at the response phase would make.
 * The draws of a block of slots are made together (rng_bits_batch: eight streams at a time where
 * the CPU has AVX2), dead and known threats' too: a draw is a pure function of its stream, so
 * drawing one that is not used changes nothing. */
static void detect_chunk(struct sim_workspace *ws, size_t c, size_t chunks) {
    struct sim_pool *pool = &ws->pool;
    size_t begin = chunk_begin(pool, c, chunks), end = chunk_begin(pool, c + 1, chunks), found = 0;
    size_t candidates = 0;
    uint64_t bits[DETECT_BLOCK];
    for (size_t block = begin; block < end; block += DETECT_BLOCK) {
        size_t stop = end - block < DETECT_BLOCK ? end : block + DETECT_BLOCK;
        rng_bits_batch(ws->key[RNG_DETECT], pool->uid + block, (uint32_t)ws->tick, stop - block,
                       bits);
        for (size_t i = block; i < stop; i++) {
            if (pool->flag[i] == FLAG_DEAD) continue;
            int s = ws->region_owner[pool->region[i]];
            uint8_t flag = detect_one(ws, i, s, bits[i - block]);
            pool->flag[i] = flag;
            if (flag == FLAG_DETECTED) ws->detected[begin + found++] = i;
            if (s >= 0 && !(pool->engaged[i] >> s & 1) &&
                (flag == FLAG_DETECTED || pool->known[i] >> s & 1))
                ws->candidates[begin + candidates++] = i;
        }
    }
    ws->chunk_count[c] = found;
    ws->chunk_cand[c] = candidates;
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
    own_miss_table(ws);
    if (chunks > 1) {
#pragma omp parallel for num_threads(ws->options.threads) schedule(static, 1)
        for (long c = 0; c < (long)chunks; c++) detect_chunk(ws, (size_t)c, chunks);
    } else {
        detect_chunk(ws, 0, 1);
    }
    /* the bookkeeping draws from the shared generator and adds to the metrics: serial, in
     * threat order */
    ws->n_detected = chunk_join(ws, ws->detected, chunks);
    ws->n_found = 0;
    for (size_t d = 0; d < ws->n_detected; d++) {
        size_t i = ws->detected[d];
        int s = ws->region_owner[pool->region[i]];
        int status = s >= 0 ? detection_record(ws, i, s, channel_of(ws, i, s))
                            : upstream_detect(ws, i, err, errlen);
        if (status != 0) {
            snprintf(err, errlen, "out of memory listing detections");
            return -1;
        }
    }
    return 0;
}
