/* test_h5out_resume.c — continuing an interrupted run's .partial: the finished file must equal an
 * uninterrupted run's in /variants, and a .partial from another run must be refused. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_fixture.h"
#include "../common/leak_check.h"

enum { REPLICATES = 5 };

static char directory[256];

static void setup(void) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    fixture_tempdir(directory, sizeof directory);
}

static void teardown(void) {
    fixture_remove_tree(directory);
}

TestSuite(resume, .init = setup, .fini = teardown);

static const char *const overrides[] = {"states.KAZ.units=4"};

static struct h5out_variant_spec spec_of(int variant) {
    if (variant == 0)
        return (struct h5out_variant_spec){.label = "baseline",
                                           .replicates = REPLICATES,
                                           .keep_series = 1,
                                           .keep_trust = 1,
                                           .keep_events = 1};
    return (struct h5out_variant_spec){
        .label = "more units", .overrides = overrides, .n_overrides = 1, .replicates = REPLICATES};
}

/* Events of a replicate: a known function of it, so both runs append the same rows. */
static void write_events(struct h5out *out, int replicate) {
    struct sim_event events[3] = {
        {EVENT_ARRIVAL, 0, replicate, 0, -1, -1, 3, 0},
        {EVENT_DETECTION, 2, replicate, 0, 1, -1, 1, 4.5},
        {EVENT_TICK, 2, -1, -1, -1, -1, -1, (double)replicate},
    };
    cr_assert_eq(h5out_variant_write_events(out, 0, replicate, events, 3), 0, "%s",
                 h5out_error(out));
}

static void write_replicate(struct h5out *out, const struct world *world, int variant,
                            int replicate) {
    struct sim_result *result = fixture_result(world, replicate + 7 * variant, 1, 1);
    cr_assert_eq(h5out_variant_write_replicate(out, variant, replicate, result), 0, "%s",
                 h5out_error(out));
    fixture_result_free(result);
    if (variant == 0) write_events(out, replicate);
}

static void write_summaries(struct h5out *out) {
    double summary[3] = {1, 2, 3};
    size_t shape[1] = {3};
    cr_assert_eq(h5out_write_doubles(out, "/variants/0/summary/harm", 1, shape, summary, "harm",
                                     "summary", "state"),
                 0, "%s", h5out_error(out));
}

static struct h5out *begin(const char *path, const struct world *world) {
    char err[512];
    struct h5out_provenance provenance = fixture_provenance(REPLICATES);
    struct h5out *out = h5out_create(path, 0, &provenance, err, sizeof err);
    cr_assert_not_null(out, "%s", err);
    cr_assert_eq(h5out_write_world(out, world), 0, "%s", h5out_error(out));
    for (int v = 0; v < 2; v++) {
        struct h5out_variant_spec spec = spec_of(v);
        cr_assert_eq(h5out_variant_begin(out, v, &spec, world), 0, "%s", h5out_error(out));
    }
    return out;
}

static void write_uninterrupted(const char *path, const struct world *world) {
    char err[512];
    struct h5out *out = begin(path, world);
    for (int v = 0; v < 2; v++)
        for (int r = 0; r < REPLICATES; r++) write_replicate(out, world, v, r);
    write_summaries(out);
    cr_assert_eq(h5out_finish(out, err, sizeof err), 0, "%s", err);
}

/* An interrupted run: variant 0 got replicates 0, 1 and 3 (3 out of order, its events after a
 * gap), variant 1 got all but 4; a summary was already written. */
static void write_interrupted(const char *path, const struct world *world) {
    struct h5out *out = begin(path, world);
    static const int first[] = {0, 1, 3};
    for (int i = 0; i < 3; i++) write_replicate(out, world, 0, first[i]);
    for (int r = 0; r < REPLICATES - 1; r++) write_replicate(out, world, 1, r);
    write_summaries(out);
    h5out_abort(out);
}

static struct h5out *resume(const char *path, struct h5out_provenance provenance, char *err,
                            size_t errlen) {
    return h5out_resume(path, &provenance, err, errlen);
}

Test(resume, finished_file_equals_uninterrupted_run) {
    char whole[300], path[300], partial[320], err[512] = "";
    snprintf(whole, sizeof whole, "%s/whole.h5", directory);
    snprintf(path, sizeof path, "%s/out.h5", directory);
    snprintf(partial, sizeof partial, "%s.partial", path);
    struct world *world = fixture_world();
    write_uninterrupted(whole, world);
    write_interrupted(path, world);
    cr_assert(fixture_exists(partial));
    cr_assert_not(fixture_exists(path));

    struct h5out *out = resume(partial, fixture_provenance(REPLICATES), err, sizeof err);
    cr_assert_not_null(out, "%s", err);
    cr_assert_eq(h5out_write_world(out, world), 0, "%s", h5out_error(out));
    for (int v = 0; v < 2; v++) {
        struct h5out_variant_spec spec = spec_of(v);
        cr_assert_eq(h5out_variant_begin(out, v, &spec, world), 0, "%s", h5out_error(out));
    }
    /* Variant 0 keeps an event log: only the replicates before the first gap survive. */
    cr_expect(h5out_variant_has_replicate(out, 0, 0));
    cr_expect(h5out_variant_has_replicate(out, 0, 1));
    cr_expect_not(h5out_variant_has_replicate(out, 0, 2));
    cr_expect_not(h5out_variant_has_replicate(out, 0, 3), "after the gap: redone for the log");
    for (int r = 0; r < REPLICATES - 1; r++) cr_expect(h5out_variant_has_replicate(out, 1, r));
    cr_expect_not(h5out_variant_has_replicate(out, 1, REPLICATES - 1));
    for (int v = 0; v < 2; v++)
        for (int r = 0; r < REPLICATES; r++)
            if (!h5out_variant_has_replicate(out, v, r)) write_replicate(out, world, v, r);
    write_summaries(out);
    cr_assert_eq(h5out_finish(out, err, sizeof err), 0, "%s", err);
    cr_assert(fixture_exists(path));
    cr_expect_not(fixture_exists(partial));

    struct fixture_bytes a = fixture_collect(whole, "/variants");
    struct fixture_bytes b = fixture_collect(path, "/variants");
    cr_assert_gt(a.size, 1000);
    cr_assert_eq(a.size, b.size);
    cr_expect_eq(memcmp(a.bytes, b.bytes, a.size), 0, "the resumed file differs in /variants");
    free(a.bytes);
    free(b.bytes);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t root = H5Gopen2(file, "/", H5P_DEFAULT);
    cr_expect_eq(fixture_read_attr_int(root, "complete"), 1);
    cr_expect_eq(fixture_read_attr_int(root, "resumed"), 1);
    H5Gclose(root);
    H5Fclose(file);
    world_free(world);
    expect_no_leaks();
}

Test(resume, another_run_is_refused) {
    char path[300], partial[320], err[512] = "";
    snprintf(path, sizeof path, "%s/out.h5", directory);
    snprintf(partial, sizeof partial, "%s.partial", path);
    struct world *world = fixture_world();
    write_interrupted(path, world);

    struct h5out_provenance other = fixture_provenance(REPLICATES);
    other.seed++;
    cr_expect_null(resume(path, other, err, sizeof err));
    cr_expect_neq(strstr(err, "seed"), NULL, "%s", err);

    other = fixture_provenance(REPLICATES);
    other.scenario_source = "name: another\n";
    other.scenario_length = strlen(other.scenario_source);
    cr_expect_null(resume(path, other, err, sizeof err));
    cr_expect_neq(strstr(err, "scenario"), NULL, "%s", err);

    other = fixture_provenance(REPLICATES + 1);
    cr_expect_null(resume(path, other, err, sizeof err));
    cr_expect_neq(strstr(err, "replicates"), NULL, "%s", err);

    other = fixture_provenance(REPLICATES);
    other.command = "sweep";
    cr_expect_null(resume(path, other, err, sizeof err));
    cr_expect_neq(strstr(err, "sweep"), NULL, "%s", err);

    /* The right run, but a variant with other choices. */
    struct h5out *out = resume(path, fixture_provenance(REPLICATES), err, sizeof err);
    cr_assert_not_null(out, "%s", err);
    struct h5out_variant_spec spec = spec_of(0);
    spec.label = "renamed";
    cr_expect_eq(h5out_variant_begin(out, 0, &spec, world), -1);
    cr_expect_neq(strstr(h5out_error(out), "renamed"), NULL, "%s", h5out_error(out));
    spec = spec_of(1);
    spec.n_overrides = 0;
    cr_expect_eq(h5out_variant_begin(out, 1, &spec, world), -1);
    cr_expect_neq(strstr(h5out_error(out), "overrides"), NULL, "%s", h5out_error(out));
    spec = spec_of(1);
    spec.keep_series = 1;
    cr_expect_eq(h5out_variant_begin(out, 1, &spec, world), -1);
    cr_expect_neq(strstr(h5out_error(out), "series"), NULL, "%s", h5out_error(out));
    h5out_abort(out);
    cr_expect(fixture_exists(partial), "a refused resume leaves the .partial alone");
    world_free(world);
    expect_no_leaks();
}

Test(resume, missing_complete_or_unreadable_files_are_refused) {
    char path[300], partial[320], err[512] = "";
    snprintf(path, sizeof path, "%s/out.h5", directory);
    snprintf(partial, sizeof partial, "%s.partial", path);
    cr_expect_null(resume(path, fixture_provenance(REPLICATES), err, sizeof err));
    cr_expect_neq(strstr(err, "No such file"), NULL, "%s", err);

    FILE *stream = fopen(partial, "w");
    fputs("killed before its first flush", stream);
    fclose(stream);
    cr_expect_null(resume(partial, fixture_provenance(REPLICATES), err, sizeof err));
    cr_expect_neq(strstr(err, "--force"), NULL, "%s", err);
    remove(partial);

    struct world *world = fixture_world();
    write_uninterrupted(path, world);
    cr_expect_null(resume(path, fixture_provenance(REPLICATES), err, sizeof err));
    cr_expect_neq(strstr(err, "already complete"), NULL, "%s", err);
    world_free(world);
    expect_no_leaks();
}
