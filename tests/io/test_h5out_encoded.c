/* test_h5out_encoded.c — per-tick datasets compressed on other threads (h5out_encode_replicate)
 * give the same file as the writer compressing them itself; chunks split along long tick axes;
 * an encoding of another layout is refused. */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_fixture.h"
#include "../common/leak_check.h"

enum { REPLICATES = 4 };

static char directory[256];

static void setup(void) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    fixture_tempdir(directory, sizeof directory);
}

static void teardown(void) {
    fixture_remove_tree(directory);
}

TestSuite(h5out_encoded, .init = setup, .fini = teardown);

struct encode_job {
    const struct sim_result *result;
    struct h5out_encoded *encoded;
    int status;
};

static void *encode_on_thread(void *argument) {
    struct encode_job *job = argument;
    job->status = h5out_encode_replicate(job->encoded, job->result, 1, 1);
    return NULL;
}

/* One variant with series and trust; replicates out of order. With `threaded`, each replicate's
 * per-tick datasets are encoded on a thread of its own, all at once, then written in order. */
static void write_file(const char *path, struct world *world, int threaded) {
    char err[512] = "";
    struct h5out_provenance provenance = fixture_provenance(REPLICATES);
    provenance.ticks = world->ticks;
    struct h5out *out = h5out_create(path, 0, &provenance, err, sizeof err);
    cr_assert_not_null(out, "create: %s", err);
    struct h5out_variant_spec spec = {
        .label = "encoded", .replicates = REPLICATES, .keep_series = 1, .keep_trust = 1};
    cr_assert_eq(h5out_variant_begin(out, 0, &spec, world), 0, "%s", h5out_error(out));
    static const int order[REPLICATES] = {3, 1, 0, 2};
    struct sim_result *results[REPLICATES];
    struct encode_job jobs[REPLICATES];
    pthread_t threads[REPLICATES];
    for (int i = 0; i < REPLICATES; i++) {
        results[i] = fixture_result(world, order[i], 1, 1);
        jobs[i] = (struct encode_job){results[i], h5out_encoded_alloc(), -1};
        cr_assert_not_null(jobs[i].encoded);
        if (threaded)
            cr_assert_eq(pthread_create(&threads[i], NULL, encode_on_thread, &jobs[i]), 0);
    }
    for (int i = 0; i < REPLICATES; i++) {
        if (threaded) {
            cr_assert_eq(pthread_join(threads[i], NULL), 0);
            cr_assert_eq(jobs[i].status, 0);
        }
        cr_assert_eq(h5out_variant_write_encoded(out, 0, order[i], results[i],
                                                 threaded ? jobs[i].encoded : NULL),
                     0, "%s", h5out_error(out));
        h5out_encoded_free(jobs[i].encoded);
        fixture_result_free(results[i]);
    }
    cr_assert_eq(h5out_finish(out, err, sizeof err), 0, "finish: %s", err);
}

static void expect_same_variants(struct world *world) {
    char inline_path[300], threaded_path[300];
    snprintf(inline_path, sizeof inline_path, "%s/inline.h5", directory);
    snprintf(threaded_path, sizeof threaded_path, "%s/threaded.h5", directory);
    write_file(inline_path, world, 0);
    write_file(threaded_path, world, 1);
    struct fixture_bytes a = fixture_collect(inline_path, "/variants"),
                         b = fixture_collect(threaded_path, "/variants");
    cr_assert_gt(a.size, 1000);
    cr_assert_eq(a.size, b.size);
    cr_expect_eq(memcmp(a.bytes, b.bytes, a.size), 0, "encoding on threads changed the values");
    free(a.bytes);
    free(b.bytes);
}

Test(h5out_encoded, threads_give_the_same_values) {
    struct world *world = fixture_world();
    expect_same_variants(world);
    world_free(world);
    expect_no_leaks();
}

/* Series chunks hold at most ~1 MiB of ticks: with 3 states, 43690 ticks. 50 000 ticks make two
 * chunks per replicate along the tick axis, the second one short (padded, never read). */
Test(h5out_encoded, long_series_split_into_chunks_read_back_exactly) {
    struct world *world = fixture_world();
    world->ticks = 50000;
    expect_same_variants(world);
    char path[300];
    snprintf(path, sizeof path, "%s/threaded.h5", directory);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert_geq(file, 0);
    /* Every value of one count series, one real series and trust of replicate 2. */
    hid_t dataset = H5Dopen2(file, "/variants/0/series/impacts", H5P_DEFAULT);
    hid_t real = H5Dopen2(file, "/variants/0/series/harm", H5P_DEFAULT);
    hid_t trust = H5Dopen2(file, "/variants/0/trust", H5P_DEFAULT);
    cr_assert(dataset >= 0 && real >= 0 && trust >= 0);
    size_t T = (size_t)world->ticks, S = FIXTURE_STATES;
    double *values = malloc(T * S * sizeof *values), *reals = malloc(T * S * sizeof *reals);
    float *trusts = malloc(T * S * S * sizeof *trusts);
    cr_assert(values && reals && trusts);
    hsize_t start[4] = {2, 0, 0, 0}, count[4] = {1, T, S, S};
    hid_t space = H5Dget_space(dataset);
    H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL);
    hsize_t cells = T * S, trust_cells = T * S * S;
    hid_t memory = H5Screate_simple(1, &cells, NULL),
          trust_memory = H5Screate_simple(1, &trust_cells, NULL);
    cr_assert_geq(H5Dread(dataset, H5T_NATIVE_DOUBLE, memory, space, H5P_DEFAULT, values), 0);
    cr_assert_geq(H5Dread(real, H5T_NATIVE_DOUBLE, memory, space, H5P_DEFAULT, reals), 0);
    hid_t trust_space = H5Dget_space(trust);
    H5Sselect_hyperslab(trust_space, H5S_SELECT_SET, start, NULL, count, NULL);
    cr_assert_geq(H5Dread(trust, H5T_NATIVE_FLOAT, trust_memory, trust_space, H5P_DEFAULT, trusts),
                  0);
    int wrong = 0;
    for (size_t t = 0; t < T; t++)
        for (size_t s = 0; s < S; s++) {
            wrong += values[t * S + s] != fixture_series_value(2, METRIC_IMPACTS, (int)t, (int)s);
            wrong += reals[t * S + s] != fixture_series_value(2, METRIC_HARM, (int)t, (int)s);
            for (size_t j = 0; j < S; j++)
                wrong +=
                    trusts[(t * S + s) * S + j] != fixture_trust_value(2, (int)t, (int)s, (int)j);
        }
    cr_expect_eq(wrong, 0, "%d values differ from what was written", wrong);
    H5Sclose(trust_space);
    H5Sclose(trust_memory);
    H5Sclose(memory);
    H5Sclose(space);
    H5Dclose(trust);
    H5Dclose(real);
    H5Dclose(dataset);
    H5Fclose(file);
    free(values);
    free(reals);
    free(trusts);
    world_free(world);
    expect_no_leaks();
}

Test(h5out_encoded, an_encoding_of_another_layout_is_refused) {
    struct world *world = fixture_world();
    char path[300], err[512] = "";
    snprintf(path, sizeof path, "%s/refused.h5", directory);
    struct h5out_provenance provenance = fixture_provenance(1);
    struct h5out *out = h5out_create(path, 0, &provenance, err, sizeof err);
    cr_assert_not_null(out, "create: %s", err);
    struct h5out_variant_spec spec = {
        .label = "both", .replicates = 1, .keep_series = 1, .keep_trust = 1};
    cr_assert_eq(h5out_variant_begin(out, 0, &spec, world), 0, "%s", h5out_error(out));
    struct sim_result *result = fixture_result(world, 0, 1, 1);
    struct h5out_encoded *encoded = h5out_encoded_alloc();
    /* Series only, where the variant also keeps trust. */
    cr_assert_eq(h5out_encode_replicate(encoded, result, 1, 0), 0);
    cr_expect_eq(h5out_variant_write_encoded(out, 0, 0, result, encoded), -1);
    cr_expect_not_null(strstr(h5out_error(out), "another layout"), "message: %s", h5out_error(out));
    /* A result without trust cannot be encoded with trust. */
    struct sim_result *bare = fixture_result(world, 0, 1, 0);
    cr_expect_eq(h5out_encode_replicate(encoded, bare, 1, 1), -1);
    /* The right encoding is then accepted, and the replicate is in the file. */
    cr_assert_eq(h5out_encode_replicate(encoded, result, 1, 1), 0);
    cr_expect_eq(h5out_variant_write_encoded(out, 0, 0, result, encoded), 0, "%s",
                 h5out_error(out));
    cr_expect_eq(h5out_variant_has_replicate(out, 0, 0), 1);
    cr_assert_eq(h5out_finish(out, err, sizeof err), 0, "finish: %s", err);
    h5out_encoded_free(encoded);
    fixture_result_free(bare);
    fixture_result_free(result);
    world_free(world);
    expect_no_leaks();
}
