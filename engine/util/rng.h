/* rng.h — counter-based random streams keyed by (seed, replicate, purpose, a, b).
 *
 * Every random number of the model comes from a stream named by what it is for. A stream is one
 * Philox4x32-10 key (a hash of seed, replicate and purpose) and a 128-bit counter whose upper
 * words hold two indices (a = e.g. a threat uid, b = e.g. a tick) and whose lowest word counts
 * blocks. Seeking a stream is a handful of integer operations, so the model can give every
 * (threat, tick) its own stream: results then depend neither on thread layout nor on how many
 * draws other threats made, and replicate r sees the same arrivals under every variant (common
 * random numbers). The stream is wrapped as a gsl_rng so GSL's distributions draw from it.
 */
#ifndef C5SIM_RNG_H
#define C5SIM_RNG_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

/* What a stream is for. Values are part of the output's reproducibility: append, never reorder. */
enum rng_purpose {
    RNG_ARRIVAL = 1,        /* Poisson counts per (type-origin, tick) */
    RNG_TARGET = 2,         /* target choice per threat uid */
    RNG_SEVERITY = 3,       /* severity per threat uid */
    RNG_DETECT = 4,         /* detection budget per threat uid: b = 2 tick on arrival, 2 tick + 1
                               after a detection at tick (docs/model.md §5.3) */
    RNG_ESTIMATE = 5,       /* severity estimate noise per (threat uid, detecting state) */
    RNG_PARTNER = 6,        /* partners' coverage and passing per (threat uid, partner) */
    RNG_SHARE = 7,          /* sharing decisions per (threat uid, sender) */
    RNG_LEAK = 8,           /* leak per (threat uid, tick), one uniform per delivery in order */
    RNG_RESPONSE = 9,       /* interdiction per (threat uid, tick) */
    RNG_TRUST = 10,         /* discovery of withheld reports per (threat uid, victim) */
    RNG_CONTAGION = 11,     /* contagion spawn and its target per threat uid */
    RNG_NETWORK = 12,       /* network (or campaign) of each threat per uid */
    RNG_CAMPAIGN = 13,      /* campaign starts per (type, tick) */
    RNG_ROTATION = 14,      /* rotation per (type and campaign serial, tick) */
    RNG_COLLECT = 15,       /* upstream detection per (threat uid, tick * 64 + collecting state) */
    RNG_WATCH = 16,         /* partners' upstream detection per (threat uid, tick * 1024 + partner),
                               then their passing to members */
    RNG_NETWORK_SHARE = 17, /* network reports per (threat uid, sender), a uniform per candidate */
    RNG_NETWORK_LEAK = 18,  /* leak of a network report, keyed like RNG_LEAK */
    RNG_ADAPT = 19,         /* adaptive states' probabilistic choices per (state, period); the
                               shipped rules are deterministic and draw nothing (reserved) */
    RNG_EXPLOIT = 20,       /* detection of an exploited report, keyed like RNG_LEAK */
    RNG_BOOTSTRAP = 21,     /* not the model's: replicate indices of the coalition bootstrap,
                               per (draw, position) under a fixed seed (coalition_bootstrap.h) */
    RNG_PURPOSES            /* one more than the last purpose */
};

/* The gsl_rng type: 2^32 words per seek, 53-bit doubles from two words (never 1.0). */
extern const gsl_rng_type *rng_philox;

/* The Philox key of (seed, replicate, purpose): compute once per replicate and purpose. */
uint64_t rng_key(uint64_t seed, uint64_t replicate, unsigned purpose);

/* Point `rng` (of type rng_philox) at the start of stream (key, a, b). A few ns. */
void rng_stream_set(gsl_rng *rng, uint64_t key, uint64_t a, uint32_t b);

/* Same, computing the key: rng_stream_set(rng, rng_key(seed, replicate, purpose), a, b). */
void rng_stream_seek(gsl_rng *rng, uint64_t seed, uint64_t replicate, unsigned purpose, uint64_t a,
                     uint32_t b);

/* The first uniform of stream (key, a, b), equal to gsl_rng_uniform() right after
 * rng_stream_set(rng, key, a, b), without a gsl_rng (for the per-threat-per-tick hot loops). */
double rng_uniform_at(uint64_t key, uint64_t a, uint32_t b);

/* A 64-bit mixing hash (splitmix64 finaliser): threat uids and keys. */
static inline uint64_t rng_mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* The problem floor's draw (benchmarks/c5bench.c, docs/performance.md), not used by the model:
 * the cheapest counter-based uniform that passes the streams' statistical tests
 * (tests/model/test_rng.c): two splitmix64 finalisers over (key, a, b), 53 bits, in [0, 1). */
static inline double rng_hash_uniform_at(uint64_t key, uint64_t a, uint32_t b) {
    uint64_t x = rng_mix(key ^ rng_mix(a ^ ((uint64_t)b << 40 | (uint64_t)b >> 24)));
    return (double)(x >> 11) * 0x1.0p-53;
}

#endif
