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

void phase_detection(struct sim_workspace *ws) {
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
