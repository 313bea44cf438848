/* test_output_faults.c — `c5sim run/sweep -o PATH` where PATH cannot take the output: each fault
 * gets exit status 1, a message naming the cause, and leaves no OUT.h5 and nothing that looks
 * complete (a .partial, if any, is unreadable or says complete = 0).
 *
 * Complements tests/io/test_h5out_destination.c (the writer in C) and
 * tests/python/test_output_layout.py (/dev/null/x, a directory, a missing folder, RLIMIT_FSIZE on
 * `run`): here read-only mounts, /proc, a really full file system, and `sweep`.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/leak_check.h"
#include "cli_harness.h"

static char workdir[256];
static char mounted[300];
static char scenario[1024];

static void setup(void) {
    harness_tempdir(workdir, sizeof workdir);
    mounted[0] = '\0';
    harness_source_path("scenarios/minimal.yaml", scenario, sizeof scenario);
}

static void teardown(void) {
    if (mounted[0]) harness_unmount(mounted);
    harness_remove_tree(workdir);
}

TestSuite(output_faults, .init = setup, .fini = teardown, .timeout = 120);

enum command_kind { RUN, SWEEP };

/* c5sim run|sweep minimal.yaml ... -o OUT [extra]; returns the exit status, stderr in err. */
static int run_to(enum command_kind kind, const char *out, const char *extra,
                  const struct harness_limits *limits, char *err, size_t errlen) {
    const char *args[24];
    int n = 0;
    args[n++] = kind == RUN ? "run" : "sweep";
    args[n++] = scenario;
    if (kind == SWEEP) {
        args[n++] = "--vary";
        args[n++] = "sharing.level=0.2,0.8";
    }
    const char *common[] = {"-r", "2", "-s", "7", "-t", "1", "-q", "-o", out};
    for (size_t i = 0; i < sizeof common / sizeof *common; i++) args[n++] = common[i];
    if (extra) args[n++] = extra;
    args[n] = NULL;
    return harness_run(args, limits, err, errlen);
}

/* Nothing at `out`, and nothing next to it that a reader could take for a result. */
static void expect_no_result(const char *out) {
    char partial[600];
    snprintf(partial, sizeof partial, "%s.partial", out);
    struct stat info;
    int exists = stat(out, &info) == 0;
    cr_expect(!exists || S_ISDIR(info.st_mode), "%s must not be written", out);
    cr_expect(!harness_looks_complete(partial), "%s looks complete", partial);
}

static void expect_fault(enum command_kind kind, const char *out, const char *extra,
                         const struct harness_limits *limits, const char *cause) {
    char err[8192];
    int status = run_to(kind, out, extra, limits, err, sizeof err);
    cr_expect_eq(status, 1, "%s -o %s: exit %d, stderr: %s", kind == RUN ? "run" : "sweep", out,
                 status, err);
    cr_expect_neq(strstr(err, cause), NULL, "expected '%s' in: %s", cause, err);
    /* The message names the path the user gave (or its .partial), so they know what failed. */
    cr_expect_neq(strstr(err, out), NULL, "the message should name %s: %s", out, err);
    cr_expect_eq(strstr(err, "AddressSanitizer"), NULL, "%s", err);
    expect_no_result(out);
}

Test(output_faults, folder_that_is_a_regular_file) {
    char file[300], out[400];
    snprintf(file, sizeof file, "%s/plain-file", workdir);
    FILE *stream = fopen(file, "w");
    cr_assert_not_null(stream);
    fclose(stream);
    snprintf(out, sizeof out, "%s/out.h5", file);
    expect_fault(RUN, out, NULL, NULL, "is not a directory");
    expect_fault(SWEEP, out, NULL, NULL, "is not a directory");
    expect_no_leaks();
}

Test(output_faults, folder_in_proc) {
    /* /proc takes no new files, not even from root; the refusal comes from the kernel. */
    const char *out = "/proc/c5sim-reliability-out.h5";
    expect_fault(RUN, out, NULL, NULL, "cannot create");
    expect_fault(SWEEP, out, "--force", NULL, "cannot create");
    expect_no_leaks();
}

/* A folder nobody may write to: a read-only tmpfs (root), else mode 0555 (others). */
static void make_unwritable(const char *folder, const char **cause) {
    cr_assert_eq(mkdir(folder, 0755), 0);
    if (geteuid() != 0) {
        cr_assert_eq(chmod(folder, 0555), 0);
        *cause = "Permission denied";
        return;
    }
    cr_assert_eq(harness_mount_tmpfs(folder, 1024, 1), 0,
                 "mount a read-only tmpfs (root needs CAP_SYS_ADMIN): %s", strerror(errno));
    snprintf(mounted, sizeof mounted, "%s", folder);
    *cause = "Read-only file system";
}

Test(output_faults, read_only_folder) {
    char folder[300], out[400];
    const char *cause;
    snprintf(folder, sizeof folder, "%s/read-only", workdir);
    make_unwritable(folder, &cause);
    snprintf(out, sizeof out, "%s/out.h5", folder);
    expect_fault(RUN, out, NULL, NULL, cause);
    expect_fault(SWEEP, out, "--force", NULL, cause);
    expect_no_leaks();
}

Test(output_faults, full_file_system) {
    /* 64 KiB holds the first HDF5 blocks but not the world tables and replicates (a finished
     * two-replicate file of minimal.yaml is some 200 KiB): the disk fills during the run. */
    char folder[300], out[400];
    snprintf(folder, sizeof folder, "%s/small-disk", workdir);
    cr_assert_eq(mkdir(folder, 0755), 0);
    struct harness_limits limits = {0};
    const char *cause = "No space left on device";
    if (harness_mount_tmpfs(folder, 64, 0) == 0) {
        snprintf(mounted, sizeof mounted, "%s", folder);
    } else {
        /* Without mount rights, RLIMIT_FSIZE stands in for the full disk (EFBIG). */
        cr_assert_neq(geteuid(), 0, "root could not mount a tmpfs: %s", strerror(errno));
        limits.max_file_size = 64 * 1024;
        cause = "File too large";
    }
    snprintf(out, sizeof out, "%s/out.h5", folder);
    expect_fault(RUN, out, NULL, &limits, cause);
    expect_fault(SWEEP, out, "--force", &limits, cause);
    expect_no_leaks();
}

Test(output_faults, file_size_limit_during_sweep) {
    char out[400];
    snprintf(out, sizeof out, "%s/limited.h5", workdir);
    struct harness_limits limits = {.max_file_size = 100 * 1024};
    expect_fault(SWEEP, out, NULL, &limits, "File too large");
    expect_no_leaks();
}

static void write_text(const char *path, const char *text) {
    FILE *stream = fopen(path, "w");
    cr_assert_not_null(stream);
    fputs(text, stream);
    fclose(stream);
}

Test(output_faults, existing_file_without_force) {
    char out[400], partial[450], content[64] = "";
    snprintf(out, sizeof out, "%s/earlier.h5", workdir);
    snprintf(partial, sizeof partial, "%s.partial", out);
    for (int kind = RUN; kind <= SWEEP; kind++) {
        write_text(out, "an earlier result");
        char err[8192];
        int status = run_to((enum command_kind)kind, out, NULL, NULL, err, sizeof err);
        cr_expect_eq(status, 1, "exit %d: %s", status, err);
        cr_expect_neq(strstr(err, "exists"), NULL, "%s", err);
        cr_expect_neq(strstr(err, "--force"), NULL, "%s", err);
        cr_expect_neq(strstr(err, out), NULL, "%s", err);
        FILE *stream = fopen(out, "r");
        cr_assert_not_null(stream);
        cr_expect_neq(fgets(content, sizeof content, stream), NULL);
        fclose(stream);
        cr_expect_str_eq(content, "an earlier result", "the earlier file must be untouched");
        cr_expect(!harness_exists(partial), "refused before anything is written");
    }
    expect_no_leaks();
}

Test(output_faults, path_that_is_a_folder) {
    char folder[300], inside[400], partial[450];
    snprintf(folder, sizeof folder, "%s/results", workdir);
    snprintf(inside, sizeof inside, "%s/keep.txt", folder);
    snprintf(partial, sizeof partial, "%s.partial", folder);
    cr_assert_eq(mkdir(folder, 0755), 0);
    write_text(inside, "keep me");
    expect_fault(RUN, folder, NULL, NULL, "is a directory");
    /* --force overwrites files, never folders. */
    expect_fault(SWEEP, folder, "--force", NULL, "is a directory");
    cr_expect(harness_exists(inside), "the folder's contents must survive");
    cr_expect(!harness_exists(partial));
    expect_no_leaks();
}

Test(output_faults, successful_run_is_complete) {
    /* The positive control for harness_looks_complete: a good run leaves a complete file and
     * no .partial, so the checks above can tell the difference. */
    char out[400], partial[450], err[8192];
    snprintf(out, sizeof out, "%s/good.h5", workdir);
    snprintf(partial, sizeof partial, "%s.partial", out);
    cr_assert_eq(run_to(SWEEP, out, NULL, NULL, err, sizeof err), 0, "%s", err);
    cr_expect(harness_looks_complete(out));
    cr_expect(!harness_exists(partial));
    expect_no_leaks();
}
