/* test_journal.c — the crash-safe journal and the output lock through the C API: a journal
 * replayed into a new file gives the same /variants as the file it was written beside (series,
 * trust, events, replicates out of order), a torn tail is cut, another run's fingerprint is
 * refused; the lock refuses a second holder, names the PID, and takes over a stale file. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../engine/io/outlock.h"
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

TestSuite(journal, .init = setup, .fini = teardown);

static const char fingerprint[] = "command test\nvariants 2\n";

static struct h5out_variant_spec spec_of(int variant) {
    if (variant == 0)
        return (struct h5out_variant_spec){.label = "kept",
                                           .replicates = REPLICATES,
                                           .keep_series = 1,
                                           .keep_trust = 1,
                                           .keep_events = 1};
    return (struct h5out_variant_spec){.label = "plain", .replicates = REPLICATES};
}

static struct h5out *begin(const char *path, const struct world *world) {
    char err[512];
    struct h5out_provenance provenance = fixture_provenance(REPLICATES);
    struct h5out *out = h5out_create(path, 1, &provenance, err, sizeof err);
    cr_assert_not_null(out, "%s", err);
    cr_assert_eq(h5out_write_world(out, world), 0, "%s", h5out_error(out));
    for (int v = 0; v < 2; v++) {
        struct h5out_variant_spec spec = spec_of(v);
        cr_assert_eq(h5out_variant_begin(out, v, &spec, world), 0, "%s", h5out_error(out));
    }
    return out;
}

static void write_item(struct h5out *out, const struct world *world, int variant, int replicate) {
    struct sim_result *result = fixture_result(world, replicate + 7 * variant, 1, 1);
    cr_assert_eq(h5out_variant_write_replicate(out, variant, replicate, result), 0, "%s",
                 h5out_error(out));
    fixture_result_free(result);
    if (variant != 0) return;
    struct sim_event events[2] = {
        {EVENT_ARRIVAL, 0, replicate, 0, -1, -1, 3, 0},
        {EVENT_TICK, 2, -1, -1, -1, -1, -1, (double)replicate},
    };
    cr_assert_eq(h5out_variant_write_events(out, 0, replicate, events, replicate % 3), 0, "%s",
                 h5out_error(out));
}

/* The items a run wrote before it stopped: variant 0 in order, variant 1 with a gap. */
static const int items[][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 3}, {0, 2}, {1, 1}};
enum { N_ITEMS = sizeof items / sizeof items[0] };

/* Write the items with a journal, leave the .partial as an interrupted run does. */
static void write_journaled(const char *path, const struct world *world) {
    struct h5out *out = begin(path, world);
    cr_assert_eq(h5out_journal_start(out, fingerprint, 0), 0, "%s", h5out_error(out));
    for (int i = 0; i < N_ITEMS; i++) write_item(out, world, items[i][0], items[i][1]);
    cr_assert_eq(h5out_journal_items(out), N_ITEMS);
    h5out_abort(out);
}

static void assert_same_variants(const char *a, const char *b) {
    struct fixture_bytes x = fixture_collect(a, "/variants");
    struct fixture_bytes y = fixture_collect(b, "/variants");
    cr_assert_gt(x.size, 0);
    cr_assert_eq(x.size, y.size, "%zu vs %zu bytes", x.size, y.size);
    cr_assert_eq(memcmp(x.bytes, y.bytes, x.size), 0, "/variants of %s and %s differ", a, b);
    free(x.bytes);
    free(y.bytes);
}

Test(journal, replay_gives_the_same_variants) {
    char path[300], journal[320], partial[320], rebuilt[300], rebuilt_partial[320], err[512];
    snprintf(path, sizeof path, "%s/out.h5", directory);
    snprintf(journal, sizeof journal, "%s.journal", path);
    snprintf(partial, sizeof partial, "%s.partial", path);
    snprintf(rebuilt, sizeof rebuilt, "%s/rebuilt.h5", directory);
    snprintf(rebuilt_partial, sizeof rebuilt_partial, "%s.partial", rebuilt);
    struct world *world = fixture_world();
    write_journaled(path, world);
    cr_assert_eq(h5out_journal_check(journal, fingerprint, err, sizeof err), 0, "%s", err);

    struct h5out *out = begin(rebuilt, world);
    struct h5out_journal_state state;
    cr_assert_eq(h5out_journal_replay(out, journal, fingerprint, &state, err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(state.items, N_ITEMS);
    for (int i = 0; i < N_ITEMS; i++)
        cr_assert(h5out_variant_has_replicate(out, items[i][0], items[i][1]));
    cr_assert_not(h5out_variant_has_replicate(out, 1, 2));
    h5out_abort(out);
    assert_same_variants(partial, rebuilt_partial);
    world_free(world);
    expect_no_leaks();
}

Test(journal, torn_tail_is_cut_and_writing_goes_on_after_it) {
    char path[300], journal[320], partial[320], err[512];
    snprintf(path, sizeof path, "%s/out.h5", directory);
    snprintf(journal, sizeof journal, "%s.journal", path);
    snprintf(partial, sizeof partial, "%s.partial", path);
    struct world *world = fixture_world();
    write_journaled(path, world);
    FILE *stream = fopen(journal, "r+b");
    cr_assert_not_null(stream);
    fseek(stream, 0, SEEK_END);
    long size = ftell(stream);
    fclose(stream);
    cr_assert_eq(truncate(journal, size - 100), 0); /* the last record (variant 1, 1) torn */

    char rebuilt[300];
    snprintf(rebuilt, sizeof rebuilt, "%s/rebuilt.h5", directory);
    struct h5out *out = begin(rebuilt, world);
    struct h5out_journal_state state;
    cr_assert_eq(h5out_journal_replay(out, journal, fingerprint, &state, err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(state.items, N_ITEMS - 1);
    cr_assert_not(h5out_variant_has_replicate(out, 1, 1));
    cr_assert_lt(state.valid_end, size - 100);
    h5out_abort(out);

    /* Continue the journal of the first file: the new record follows the intact ones. */
    struct h5out_provenance provenance = fixture_provenance(REPLICATES);
    char path_partial[320];
    snprintf(path_partial, sizeof path_partial, "%s", partial);
    out = h5out_resume(path_partial, &provenance, err, sizeof err);
    cr_assert_not_null(out, "%s", err);
    for (int v = 0; v < 2; v++) {
        struct h5out_variant_spec spec = spec_of(v);
        cr_assert_eq(h5out_variant_begin(out, v, &spec, world), 0, "%s", h5out_error(out));
    }
    cr_assert_eq(h5out_journal_continue(out, &state), 0, "%s", h5out_error(out));
    write_item(out, world, 1, 4);
    cr_assert_eq(h5out_journal_items(out), N_ITEMS);
    h5out_abort(out);

    snprintf(rebuilt, sizeof rebuilt, "%s/again.h5", directory);
    out = begin(rebuilt, world);
    cr_assert_eq(h5out_journal_replay(out, journal, fingerprint, &state, err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(state.items, N_ITEMS);
    cr_assert(h5out_variant_has_replicate(out, 1, 4));
    h5out_abort(out);
    world_free(world);
    expect_no_leaks();
}

Test(journal, another_runs_journal_is_refused_naming_the_line) {
    char path[300], journal[320], err[512] = "";
    snprintf(path, sizeof path, "%s/out.h5", directory);
    snprintf(journal, sizeof journal, "%s.journal", path);
    struct world *world = fixture_world();
    write_journaled(path, world);
    cr_assert_neq(h5out_journal_check(journal, "command test\nvariants 3\n", err, sizeof err), 0);
    cr_assert(strstr(err, "it has 'variants 2', this command 'variants 3'"), "%s", err);
    /* Without --force an existing journal is not replaced. */
    struct h5out *out = begin(path, world);
    cr_assert_neq(h5out_journal_start(out, fingerprint, 0), 0);
    cr_assert(strstr(h5out_error(out), "an interrupted run left it"), "%s", h5out_error(out));
    h5out_abort(out);
    world_free(world);
    expect_no_leaks();
}

Test(journal, lock_refuses_a_second_holder_and_takes_over_a_stale_one) {
    char output[300], lock_path[320], note[512], err[512];
    snprintf(output, sizeof output, "%s/out.h5", directory);
    snprintf(lock_path, sizeof lock_path, "%s.lock", output);
    struct outlock *first = NULL, *second = NULL;
    cr_assert_eq(outlock_take(output, &first, note, sizeof note, err, sizeof err), OUTLOCK_TAKEN,
                 "%s", err);
    cr_assert_eq(note[0], '\0');
    /* flock belongs to the open file, so a second open in this process conflicts as another
     * process would. */
    cr_assert_eq(outlock_take(output, &second, note, sizeof note, err, sizeof err), OUTLOCK_BUSY);
    char pid[32];
    snprintf(pid, sizeof pid, "(PID %ld,", (long)getpid());
    cr_assert(strstr(err, pid), "%s", err);
    outlock_release(first);
    cr_assert_not(fixture_exists(lock_path));

    FILE *stale = fopen(lock_path, "w");
    cr_assert_not_null(stale);
    fprintf(stale, "999999\n");
    fclose(stale);
    cr_assert_eq(outlock_take(output, &first, note, sizeof note, err, sizeof err), OUTLOCK_TAKEN,
                 "%s", err);
    cr_assert(strstr(note, "of process 999999, which has ended"), "%s", note);
    outlock_release(first);

    char missing[320];
    snprintf(missing, sizeof missing, "%s/no/such/folder/out.h5", directory);
    cr_assert_eq(outlock_take(missing, &first, note, sizeof note, err, sizeof err),
                 OUTLOCK_NO_FOLDER);
    cr_assert_null(first);
    expect_no_leaks();
}
