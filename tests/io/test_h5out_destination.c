/* test_h5out_destination.c — where the writer refuses to write, and what a full disk or a killed
 * writer leaves behind: never a final file, at most a .partial with complete = 0. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io_fixture.h"
#include "../common/leak_check.h"

static char directory[256];

static void setup(void) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    fixture_tempdir(directory, sizeof directory);
}

static void teardown(void) {
    fixture_remove_tree(directory);
}

TestSuite(destination, .init = setup, .fini = teardown);

static void write_file(const char *path, const char *content) {
    FILE *stream = fopen(path, "w");
    cr_assert_not_null(stream);
    fputs(content, stream);
    fclose(stream);
}

static void read_file(const char *path, char *content, size_t size) {
    FILE *stream = fopen(path, "r");
    cr_assert_not_null(stream);
    size_t used = fread(content, 1, size - 1, stream);
    content[used] = '\0';
    fclose(stream);
}

/* Create and finish a file holding only provenance and world. */
static int create_and_finish(const char *path, int force, char *err, size_t errlen) {
    struct h5out_provenance provenance = fixture_provenance(1);
    struct h5out *out = h5out_create(path, force, &provenance, err, errlen);
    if (!out) return -1;
    struct world *world = fixture_world();
    int status = h5out_write_world(out, world);
    world_free(world);
    cr_assert_eq(status, 0, "%s", h5out_error(out));
    return h5out_finish(out, err, errlen);
}

Test(destination, existing_file_needs_force) {
    char path[300], err[512] = "", content[64];
    snprintf(path, sizeof path, "%s/out.h5", directory);
    write_file(path, "earlier result");
    cr_expect_eq(create_and_finish(path, 0, err, sizeof err), -1);
    cr_expect_neq(strstr(err, "exists"), NULL, "%s", err);
    cr_expect_neq(strstr(err, "--force"), NULL, "%s", err);
    read_file(path, content, sizeof content);
    cr_expect_str_eq(content, "earlier result", "the existing file must stay untouched");
    cr_assert_eq(create_and_finish(path, 1, err, sizeof err), 0, "%s", err);
    cr_expect_gt(H5Fis_hdf5(path), 0, "--force replaces it with the new output");
    expect_no_leaks();
}

Test(destination, directory_is_refused) {
    char err[512] = "";
    struct h5out_provenance provenance = fixture_provenance(1);
    cr_expect_null(h5out_create(directory, 1, &provenance, err, sizeof err));
    cr_expect_neq(strstr(err, "is a directory"), NULL, "%s", err);
    expect_no_leaks();
}

/* Tests run as root, who may write almost anywhere: use places that fail for root too. */
Test(destination, unwritable_places_are_refused) {
    char err[512] = "";
    struct h5out_provenance provenance = fixture_provenance(1);
    cr_expect_null(h5out_create("/dev/null/out.h5", 1, &provenance, err, sizeof err));
    cr_expect_neq(strstr(err, "not a directory"), NULL, "%s", err);
    char missing[300];
    snprintf(missing, sizeof missing, "%s/no/such/dir/out.h5", directory);
    cr_expect_null(h5out_create(missing, 1, &provenance, err, sizeof err));
    cr_expect_neq(strstr(err, "No such file"), NULL, "%s", err);
    /* /proc accepts no new files, whoever asks. */
    cr_expect_null(h5out_create("/proc/c5sim-io-test.h5", 1, &provenance, err, sizeof err));
    cr_expect_neq(strstr(err, "/proc"), NULL, "%s", err);
    cr_expect_null(h5out_create("", 1, &provenance, err, sizeof err));
    cr_expect_neq(strstr(err, "no output file"), NULL, "%s", err);
    expect_no_leaks();
}

Test(destination, stale_partial_needs_resume_or_force) {
    char path[300], partial[320], err[512] = "";
    snprintf(path, sizeof path, "%s/out.h5", directory);
    snprintf(partial, sizeof partial, "%s.partial", path);
    write_file(partial, "interrupted");
    cr_expect_eq(create_and_finish(path, 0, err, sizeof err), -1);
    cr_expect_neq(strstr(err, "--resume"), NULL, "%s", err);
    cr_expect_neq(strstr(err, "--force"), NULL, "%s", err);
    cr_expect(fixture_exists(partial), "the stale .partial must stay without --force");
    cr_assert_eq(create_and_finish(path, 1, err, sizeof err), 0, "%s", err);
    cr_expect_not(fixture_exists(partial));
    cr_expect(fixture_exists(path));
    expect_no_leaks();
}

/* Child: write a variant far larger than the file-size limit, report the writer's message
 * through the pipe and exit 0 only if some call failed. SIGXFSZ is ignored so that write(2)
 * fails with EFBIG instead of killing the process, as it would on a full disk (ENOSPC). */
static int write_beyond_limit(const char *path, int message_fd) {
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit = {64 * 1024, 64 * 1024};
    if (setrlimit(RLIMIT_FSIZE, &limit) != 0) return 2;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    enum { REPLICATES = 200 };
    char err[1024] = "";
    struct h5out_provenance provenance = fixture_provenance(REPLICATES);
    struct h5out *out = h5out_create(path, 0, &provenance, err, sizeof err);
    if (!out) return 3;
    struct world *world = fixture_world();
    struct h5out_variant_spec spec = {
        .label = "big", .replicates = REPLICATES, .keep_series = 1, .keep_trust = 1};
    int failed = h5out_write_world(out, world) || h5out_variant_begin(out, 0, &spec, world);
    for (int r = 0; r < REPLICATES && !failed; r++) {
        struct sim_result *result = fixture_result(world, r, 1, 1);
        failed = h5out_variant_write_replicate(out, 0, r, result) != 0;
        fixture_result_free(result);
    }
    if (failed) {
        snprintf(err, sizeof err, "%s", h5out_error(out));
        h5out_abort(out);
    } else {
        failed = h5out_finish(out, err, sizeof err) != 0;
    }
    world_free(world);
    if (write(message_fd, err, strlen(err)) < 0) return 4;
    return failed ? 0 : 1;
}

Test(destination, full_disk_leaves_no_output) {
    char path[300];
    snprintf(path, sizeof path, "%s/full.h5", directory);
    int pipe_fds[2];
    cr_assert_eq(pipe(pipe_fds), 0);
    pid_t child = fork();
    cr_assert_geq(child, 0);
    if (child == 0) {
        close(pipe_fds[0]);
        _exit(write_beyond_limit(path, pipe_fds[1]));
    }
    close(pipe_fds[1]);
    char message[1024] = "";
    ssize_t used = read(pipe_fds[0], message, sizeof message - 1);
    message[used > 0 ? used : 0] = '\0';
    close(pipe_fds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    cr_assert(WIFEXITED(status), "the writer died instead of reporting");
    cr_expect_eq(WEXITSTATUS(status), 0, "exit %d: the writer did not report the failure",
                 WEXITSTATUS(status));
    /* The operating system's reason reaches the message (EFBIG here, ENOSPC on a full disk). */
    cr_expect_neq(strstr(message, "File too large"), NULL, "message: '%s'", message);
    cr_expect_not(fixture_exists(path), "a failed write must leave no final file");
    expect_no_leaks();
}

/* Child: write and flush two replicates of three, tell the parent, then wait to be killed. */
static void write_then_wait(const char *path, int ready_fd) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char err[512];
    struct h5out_provenance provenance = fixture_provenance(3);
    struct h5out *out = h5out_create(path, 0, &provenance, err, sizeof err);
    if (!out) _exit(3);
    struct world *world = fixture_world();
    struct h5out_variant_spec spec = {.label = "killed", .replicates = 3, .keep_series = 1};
    if (h5out_write_world(out, world) || h5out_variant_begin(out, 0, &spec, world)) _exit(4);
    for (int r = 0; r < 2; r++) {
        struct sim_result *result = fixture_result(world, r, 1, 0);
        if (h5out_variant_write_replicate(out, 0, r, result)) _exit(5);
        fixture_result_free(result);
    }
    if (h5out_flush(out)) _exit(6);
    if (write(ready_fd, "x", 1) != 1) _exit(7);
    for (;;) pause();
}

Test(destination, killed_writer_leaves_only_partial) {
    char path[300], partial[320];
    snprintf(path, sizeof path, "%s/killed.h5", directory);
    snprintf(partial, sizeof partial, "%s.partial", path);
    int pipe_fds[2];
    cr_assert_eq(pipe(pipe_fds), 0);
    pid_t child = fork();
    cr_assert_geq(child, 0);
    if (child == 0) {
        close(pipe_fds[0]);
        write_then_wait(path, pipe_fds[1]);
    }
    close(pipe_fds[1]);
    char ready = 0;
    cr_assert_eq(read(pipe_fds[0], &ready, 1), 1, "the writer child failed before flushing");
    close(pipe_fds[0]);
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    cr_expect_not(fixture_exists(path), "a killed writer must leave no final file");
    cr_assert(fixture_exists(partial));
    hid_t file = H5Fopen(partial, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert_geq(file, 0, "the flushed .partial must stay readable");
    hid_t root = H5Gopen2(file, "/", H5P_DEFAULT);
    cr_expect_eq(fixture_read_attr_int(root, "complete"), 0);
    H5Gclose(root);
    long long written[3];
    hid_t dataset = H5Dopen2(file, "/variants/0/written", H5P_DEFAULT);
    H5Dread(dataset, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, written);
    H5Dclose(dataset);
    cr_expect_eq(written[0], 1);
    cr_expect_eq(written[1], 1);
    cr_expect_eq(written[2], 0);
    H5Fclose(file);
    expect_no_leaks();
}
