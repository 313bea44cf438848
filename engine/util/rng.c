/* rng.c — counter-based random streams keyed by (seed, replicate, purpose, ...) (owner: model). */
#include <Random123/philox.h>

#include "rng.h"

struct rng_philox_state {
    philox4x32_key_t key;
    philox4x32_ctr_t ctr; /* v[0] = block index, v[1] = b, v[2..3] = a */
    philox4x32_ctr_t out; /* the current block's four words */
    int used;             /* words of `out` already returned (4 = none left) */
};

static inline double rng_words_to_double(uint32_t hi, uint32_t lo) {
    /* 27 + 26 bits = 53: every double is k / 2^53, in [0, 1). */
    return ((double)(hi >> 5) * 67108864.0 + (double)(lo >> 6)) * (1.0 / 9007199254740992.0);
}

static void rng_philox_set(void *vstate, unsigned long seed) {
    struct rng_philox_state *state = vstate;
    uint64_t key = rng_mix((uint64_t)seed);
    state->key.v[0] = (uint32_t)key;
    state->key.v[1] = (uint32_t)(key >> 32);
    state->ctr.v[0] = state->ctr.v[1] = state->ctr.v[2] = state->ctr.v[3] = 0;
    state->used = 4;
}

static inline uint32_t rng_philox_next(struct rng_philox_state *state) {
    if (state->used == 4) {
        state->out = philox4x32(state->ctr, state->key);
        state->ctr.v[0]++;
        state->used = 0;
    }
    return state->out.v[state->used++];
}

static unsigned long rng_philox_get(void *vstate) {
    return rng_philox_next(vstate);
}

static double rng_philox_get_double(void *vstate) {
    struct rng_philox_state *state = vstate;
    uint32_t hi = rng_philox_next(state);
    uint32_t lo = rng_philox_next(state);
    return rng_words_to_double(hi, lo);
}

static const gsl_rng_type rng_philox_type = {
    "philox4x32-10", 0xffffffffUL,         0, sizeof(struct rng_philox_state), rng_philox_set,
    rng_philox_get,  rng_philox_get_double};

const gsl_rng_type *rng_philox = &rng_philox_type;

uint64_t rng_key(uint64_t seed, uint64_t replicate, unsigned purpose) {
    return rng_mix(rng_mix(rng_mix(seed) ^ replicate) ^ ((uint64_t)purpose << 40));
}

void rng_stream_set(gsl_rng *rng, uint64_t key, uint64_t a, uint32_t b) {
    struct rng_philox_state *state = rng->state;
    state->key.v[0] = (uint32_t)key;
    state->key.v[1] = (uint32_t)(key >> 32);
    state->ctr.v[0] = 0;
    state->ctr.v[1] = b;
    state->ctr.v[2] = (uint32_t)a;
    state->ctr.v[3] = (uint32_t)(a >> 32);
    state->used = 4;
}

void rng_stream_seek(gsl_rng *rng, uint64_t seed, uint64_t replicate, unsigned purpose, uint64_t a,
                     uint32_t b) {
    rng_stream_set(rng, rng_key(seed, replicate, purpose), a, b);
}

double rng_uniform_at(uint64_t key, uint64_t a, uint32_t b) {
    philox4x32_key_t k = {{(uint32_t)key, (uint32_t)(key >> 32)}};
    philox4x32_ctr_t c = {{0, b, (uint32_t)a, (uint32_t)(a >> 32)}};
    philox4x32_ctr_t out = philox4x32(c, k);
    return rng_words_to_double(out.v[0], out.v[1]);
}
