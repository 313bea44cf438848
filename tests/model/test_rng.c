/* test_rng.c — the counter-based random streams: seeking, independence, uniformity. */
#include <math.h>

#include <criterion/criterion.h>
#include <gsl/gsl_randist.h>

#include "rng.h"
#include "../common/leak_check.h"

Test(rng, uniform_at_is_the_first_draw_of_the_stream) {
    gsl_rng *rng = gsl_rng_alloc(rng_philox);
    uint64_t key = rng_key(42, 7, RNG_DETECT);
    for (uint64_t a = 0; a < 100; a++) {
        rng_stream_set(rng, key, a * 977, (uint32_t)(a * 3));
        double first = gsl_rng_uniform(rng);
        cr_assert_eq(first, rng_uniform_at(key, a * 977, (uint32_t)(a * 3)));
    }
    gsl_rng_free(rng);
    expect_no_leaks();
}

Test(rng, seeking_back_replays_the_stream) {
    gsl_rng *rng = gsl_rng_alloc(rng_philox);
    double first[50];
    rng_stream_seek(rng, 1, 2, RNG_ARRIVAL, 3, 4);
    for (int i = 0; i < 50; i++) first[i] = gsl_rng_uniform(rng);
    rng_stream_seek(rng, 1, 2, RNG_SEVERITY, 3, 4); /* elsewhere in between */
    (void)gsl_rng_uniform(rng);
    rng_stream_seek(rng, 1, 2, RNG_ARRIVAL, 3, 4);
    for (int i = 0; i < 50; i++) cr_assert_eq(gsl_rng_uniform(rng), first[i]);
    gsl_rng_free(rng);
    expect_no_leaks();
}

Test(rng, streams_differ_by_every_key_part) {
    double base = rng_uniform_at(rng_key(1, 2, RNG_DETECT), 3, 4);
    cr_assert_neq(base, rng_uniform_at(rng_key(9, 2, RNG_DETECT), 3, 4));
    cr_assert_neq(base, rng_uniform_at(rng_key(1, 9, RNG_DETECT), 3, 4));
    cr_assert_neq(base, rng_uniform_at(rng_key(1, 2, RNG_LEAK), 3, 4));
    cr_assert_neq(base, rng_uniform_at(rng_key(1, 2, RNG_DETECT), 9, 4));
    cr_assert_neq(base, rng_uniform_at(rng_key(1, 2, RNG_DETECT), 3, 9));
    cr_assert_neq(base, rng_uniform_at(rng_key(1, 2, RNG_DETECT), 3ull << 32, 4));
    expect_no_leaks();
}

/* Uniforms across many streams (one draw each, as the detection phase uses them) and within one
 * long stream have mean 1/2 and variance 1/12: tolerance 5 standard errors. */
Test(rng, uniform_moments_across_and_within_streams) {
    enum { N = 200000 };
    uint64_t key = rng_key(5, 0, RNG_DETECT);
    gsl_rng *rng = gsl_rng_alloc(rng_philox);
    rng_stream_set(rng, key, 12345, 0);
    double sum_a = 0, sumsq_a = 0, sum_b = 0, sumsq_b = 0;
    for (int i = 0; i < N; i++) {
        double a = rng_uniform_at(key, (uint64_t)i, (uint32_t)(i % 17));
        double b = gsl_rng_uniform(rng);
        cr_assert(a >= 0.0 && a < 1.0 && b >= 0.0 && b < 1.0);
        sum_a += a;
        sumsq_a += a * a;
        sum_b += b;
        sumsq_b += b * b;
    }
    double se_mean = sqrt(1.0 / 12.0 / N);
    /* Var(U^2) = 1/5 - 1/9 */
    double se_sq = sqrt((1.0 / 5.0 - 1.0 / 9.0) / N);
    cr_assert_lt(fabs(sum_a / N - 0.5), 5 * se_mean);
    cr_assert_lt(fabs(sum_b / N - 0.5), 5 * se_mean);
    cr_assert_lt(fabs(sumsq_a / N - 1.0 / 3.0), 5 * se_sq);
    cr_assert_lt(fabs(sumsq_b / N - 1.0 / 3.0), 5 * se_sq);
    gsl_rng_free(rng);
    expect_no_leaks();
}

/* The problem floor's hash draw (rng_hash_uniform_at, benchmarks/c5bench.c) passes the same
 * tests as the model's detection uniform: every key part changes it, and across many streams it
 * has mean 1/2 and variance 1/12 (5 standard errors). */
Test(rng, hash_uniform_passes_the_same_tests) {
    double base = rng_hash_uniform_at(rng_key(1, 2, RNG_DETECT), 3, 4);
    cr_assert_neq(base, rng_hash_uniform_at(rng_key(9, 2, RNG_DETECT), 3, 4));
    cr_assert_neq(base, rng_hash_uniform_at(rng_key(1, 9, RNG_DETECT), 3, 4));
    cr_assert_neq(base, rng_hash_uniform_at(rng_key(1, 2, RNG_LEAK), 3, 4));
    cr_assert_neq(base, rng_hash_uniform_at(rng_key(1, 2, RNG_DETECT), 9, 4));
    cr_assert_neq(base, rng_hash_uniform_at(rng_key(1, 2, RNG_DETECT), 3, 9));
    cr_assert_neq(base, rng_hash_uniform_at(rng_key(1, 2, RNG_DETECT), 3ull << 32, 4));
    enum { N = 200000 };
    uint64_t key = rng_key(5, 0, RNG_DETECT);
    double sum = 0, sumsq = 0;
    for (int i = 0; i < N; i++) {
        double u = rng_hash_uniform_at(key, (uint64_t)i, (uint32_t)(i % 17));
        cr_assert(u >= 0.0 && u < 1.0);
        sum += u;
        sumsq += u * u;
    }
    cr_assert_lt(fabs(sum / N - 0.5), 5 * sqrt(1.0 / 12.0 / N));
    cr_assert_lt(fabs(sumsq / N - 1.0 / 3.0), 5 * sqrt((1.0 / 5.0 - 1.0 / 9.0) / N));
    expect_no_leaks();
}

/* GSL's Poisson sampler drawing from a seeked stream: mean and variance of Poisson(4). */
Test(rng, gsl_poisson_through_the_stream) {
    enum { N = 100000 };
    const double mu = 4.0;
    gsl_rng *rng = gsl_rng_alloc(rng_philox);
    double sum = 0, sumsq = 0;
    for (int i = 0; i < N; i++) {
        rng_stream_seek(rng, 3, 0, RNG_ARRIVAL, 0, (uint32_t)i);
        double x = gsl_ran_poisson(rng, mu);
        sum += x;
        sumsq += x * x;
    }
    double mean = sum / N, var = (sumsq - N * mean * mean) / (N - 1);
    cr_assert_lt(fabs(mean - mu), 5 * sqrt(mu / N));
    cr_assert_lt(fabs(var - mu), 5 * sqrt((mu + 2 * mu * mu) / N));
    gsl_rng_free(rng);
    expect_no_leaks();
}
