/* rng_batch.c — the first 53 bits of many streams (key, a[i], b) at once: AVX2 or portable. */
#include <stddef.h>

#include "rng.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define RNG_BATCH_AVX2 1
#endif

/* Philox4x32-10 constants (Random123's philox.h: multipliers and Weyl key increments). */
#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

/* The first two words of Philox4x32-10 on counter (0, b, lo(a), hi(a)) under key, as the 53-bit
 * integer k with rng_uniform_at(key, a, b) == k * 2^-53 (rng.c: 27 bits of the first word, 26 of
 * the second). The round is Random123's, written out so that compilers need not inline it. */
static inline uint64_t philox_bits(uint32_t k0, uint32_t k1, uint64_t a, uint32_t b) {
    uint32_t x0 = 0, x1 = b, x2 = (uint32_t)a, x3 = (uint32_t)(a >> 32);
    for (int r = 0; r < 10; r++) {
        uint64_t p0 = (uint64_t)PHILOX_M0 * x0, p1 = (uint64_t)PHILOX_M1 * x2;
        uint32_t y0 = (uint32_t)(p1 >> 32) ^ x1 ^ k0, y2 = (uint32_t)(p0 >> 32) ^ x3 ^ k1;
        x1 = (uint32_t)p1;
        x3 = (uint32_t)p0;
        x0 = y0;
        x2 = y2;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    return (uint64_t)(x0 >> 5) << 26 | (uint64_t)(x1 >> 6);
}

static size_t bits_portable(uint64_t key, const uint64_t *a, uint32_t b, size_t n, uint64_t *out) {
    for (size_t i = 0; i < n; i++)
        out[i] = philox_bits((uint32_t)key, (uint32_t)(key >> 32), a[i], b);
    return n;
}

#ifdef RNG_BATCH_AVX2
/* The high and low 32 bits of the eight lane-wise products x * m (even and odd lanes apart, as
 * _mm256_mul_epu32 multiplies the even ones). */
__attribute__((target("avx2"))) static inline void mulhilo8(__m256i x, __m256i m, __m256i *hi,
                                                            __m256i *lo) {
    const __m256i low = _mm256_set1_epi64x(0xffffffffll);
    __m256i even = _mm256_mul_epu32(x, m), odd = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), m);
    *lo = _mm256_or_si256(_mm256_and_si256(even, low), _mm256_slli_epi64(odd, 32));
    *hi = _mm256_or_si256(_mm256_srli_epi64(even, 32), _mm256_andnot_si256(low, odd));
}

/* The counters of eight streams: low and high words of a[0..7], one stream per lane. */
__attribute__((target("avx2"))) static inline void load8(const uint64_t *a, __m256i *lo,
                                                         __m256i *hi) {
    const __m256i split = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    __m256i q0 = _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i *)a), split);
    __m256i q1 = _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i *)(a + 4)), split);
    *lo = _mm256_permute2x128_si256(q0, q1, 0x20);
    *hi = _mm256_permute2x128_si256(q0, q1, 0x31);
}

/* out[0..7] = (x0 >> 5) << 26 | x1 >> 6 per lane. */
__attribute__((target("avx2"))) static inline void store8(uint64_t *out, __m256i x0, __m256i x1) {
    __m256i h = _mm256_srli_epi32(x0, 5), l = _mm256_srli_epi32(x1, 6);
    __m256i h0 = _mm256_cvtepu32_epi64(_mm256_castsi256_si128(h));
    __m256i h1 = _mm256_cvtepu32_epi64(_mm256_extracti128_si256(h, 1));
    __m256i l0 = _mm256_cvtepu32_epi64(_mm256_castsi256_si128(l));
    __m256i l1 = _mm256_cvtepu32_epi64(_mm256_extracti128_si256(l, 1));
    _mm256_storeu_si256((__m256i *)out, _mm256_or_si256(_mm256_slli_epi64(h0, 26), l0));
    _mm256_storeu_si256((__m256i *)(out + 4), _mm256_or_si256(_mm256_slli_epi64(h1, 26), l1));
}

/* Sixteen streams per step, one per lane of two independent groups of eight (the rounds of one
 * group are a chain of multiplications; two chains keep the multiplier busy); then eights;
 * returns how many were done (a multiple of eight). */
__attribute__((target("avx2"))) static size_t bits_avx2(uint64_t key, const uint64_t *a, uint32_t b,
                                                        size_t n, uint64_t *out) {
    const __m256i m0 = _mm256_set1_epi32((int)PHILOX_M0), m1 = _mm256_set1_epi32((int)PHILOX_M1);
    const __m256i w0 = _mm256_set1_epi32((int)PHILOX_W0), w1 = _mm256_set1_epi32((int)PHILOX_W1);
    const __m256i key0 = _mm256_set1_epi32((int)(uint32_t)key);
    const __m256i key1 = _mm256_set1_epi32((int)(uint32_t)(key >> 32));
    const __m256i block = _mm256_set1_epi32((int)b);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256i x0 = _mm256_setzero_si256(), x1 = block, x2, x3;
        __m256i y0 = _mm256_setzero_si256(), y1 = block, y2, y3;
        load8(a + i, &x2, &x3);
        load8(a + i + 8, &y2, &y3);
        __m256i k0 = key0, k1 = key1;
        for (int r = 0; r < 10; r++) {
            __m256i hi0, lo0, hi1, lo1, gi0, go0, gi1, go1;
            mulhilo8(x0, m0, &hi0, &lo0);
            mulhilo8(x2, m1, &hi1, &lo1);
            mulhilo8(y0, m0, &gi0, &go0);
            mulhilo8(y2, m1, &gi1, &go1);
            x0 = _mm256_xor_si256(_mm256_xor_si256(hi1, x1), k0);
            x2 = _mm256_xor_si256(_mm256_xor_si256(hi0, x3), k1);
            x1 = lo1;
            x3 = lo0;
            y0 = _mm256_xor_si256(_mm256_xor_si256(gi1, y1), k0);
            y2 = _mm256_xor_si256(_mm256_xor_si256(gi0, y3), k1);
            y1 = go1;
            y3 = go0;
            k0 = _mm256_add_epi32(k0, w0);
            k1 = _mm256_add_epi32(k1, w1);
        }
        store8(out + i, x0, x1);
        store8(out + i + 8, y0, y1);
    }
    for (; i + 8 <= n; i += 8) {
        __m256i x0 = _mm256_setzero_si256(), x1 = block, x2, x3;
        load8(a + i, &x2, &x3);
        __m256i k0 = key0, k1 = key1;
        for (int r = 0; r < 10; r++) {
            __m256i hi0, lo0, hi1, lo1;
            mulhilo8(x0, m0, &hi0, &lo0);
            mulhilo8(x2, m1, &hi1, &lo1);
            x0 = _mm256_xor_si256(_mm256_xor_si256(hi1, x1), k0);
            x2 = _mm256_xor_si256(_mm256_xor_si256(hi0, x3), k1);
            x1 = lo1;
            x3 = lo0;
            k0 = _mm256_add_epi32(k0, w0);
            k1 = _mm256_add_epi32(k1, w1);
        }
        store8(out + i, x0, x1);
    }
    return i;
}

static int have_avx2(void) {
    static int known = -1; /* benign race: every thread computes the same answer */
    if (known < 0) known = __builtin_cpu_supports("avx2") ? 1 : 0;
    return known;
}
#endif

void rng_bits_batch(uint64_t key, const uint64_t *a, uint32_t b, size_t n, uint64_t *out) {
    size_t done = 0;
#ifdef RNG_BATCH_AVX2
    if (have_avx2()) done = bits_avx2(key, a, b, n, out);
#endif
    bits_portable(key, a + done, b, n - done, out + done);
}

int rng_batch_uses_avx2(void) {
#ifdef RNG_BATCH_AVX2
    return have_avx2();
#else
    return 0;
#endif
}
