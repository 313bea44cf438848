/* cli_harness.c — run the built c5sim binary from a test, with limits, and inspect what it left. */
#define _GNU_SOURCE
#include "cli_harness.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <hdf5.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define HARNESS_MAX_ARGS 64

int harness_run(const char *const *args, const struct harness_limits *limits, char *err,
                size_t errlen) {
    const char *binary = getenv("C5SIM");
    cr_assert_not_null(binary, "C5SIM is not set (run through meson test)");
    const char *argv[HARNESS_MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = binary;
    for (int i = 0; args[i]; i++) {
        cr_assert_lt(argc, HARNESS_MAX_ARGS, "too many arguments");
        argv[argc++] = args[i];
    }
    argv[argc] = NULL;
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return -1;
    pid_t child = fork();
    if (child < 0) return -1;
    if (child == 0) {
        int null_fd = open("/dev/null", O_WRONLY);
        dup2(null_fd, STDOUT_FILENO);
        dup2(pipe_fds[1], STDERR_FILENO);
        close(pipe_fds[0]);
        if (limits && limits->max_file_size > 0) {
            signal(SIGXFSZ, SIG_IGN);
            struct rlimit limit = {limits->max_file_size, limits->max_file_size};
            setrlimit(RLIMIT_FSIZE, &limit);
        }
        execv(binary, (char *const *)argv);
        _exit(127);
    }
    close(pipe_fds[1]);
    size_t used = 0;
    char chunk[4096];
    ssize_t got;
    while ((got = read(pipe_fds[0], chunk, sizeof chunk)) > 0 || (got < 0 && errno == EINTR)) {
        if (got < 0) continue;
        size_t take = (size_t)got;
        if (used + take > errlen - 1) take = errlen - 1 - used;
        memcpy(err + used, chunk, take);
        used += take;
    }
    err[used] = '\0';
    close(pipe_fds[0]);
    int status;
    while (waitpid(child, &status, 0) < 0)
        if (errno != EINTR) return -1;
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

const char *harness_source_path(const char *relative, char *out, size_t size) {
    const char *root = getenv("C5SIM_SOURCE_ROOT");
    cr_assert_not_null(root, "C5SIM_SOURCE_ROOT is not set (run through meson test)");
    snprintf(out, size, "%s/%s", root, relative);
    return out;
}

void harness_tempdir(char *out, size_t size) {
    snprintf(out, size, "/tmp/c5sim-reliability-XXXXXX");
    cr_assert_not_null(mkdtemp(out), "mkdtemp: %s", strerror(errno));
}

static int remove_entry(const char *path, const struct stat *info, int flag, struct FTW *ftw) {
    (void)info, (void)flag, (void)ftw;
    /* Undo a read-only mode (the fallback for non-root runs) so the tree can go. */
    chmod(path, 0700);
    return remove(path);
}

void harness_remove_tree(const char *path) {
    if (path[0]) nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

int harness_exists(const char *path) {
    struct stat info;
    return lstat(path, &info) == 0;
}

/* In the calling process: HDF5 itself leaks a few bytes when it fails to open a truncated file,
 * which the test's own leak check would blame on the test. */
static int looks_complete_here(const char *path) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) return 0;
    int complete = 0;
    if (H5Aexists(file, "complete") > 0) {
        hid_t attribute = H5Aopen(file, "complete", H5P_DEFAULT);
        long long value = 0;
        if (attribute >= 0 && H5Aread(attribute, H5T_NATIVE_LLONG, &value) >= 0)
            complete = value == 1;
        if (attribute >= 0) H5Aclose(attribute);
    }
    H5Fclose(file);
    return complete;
}

int harness_looks_complete(const char *path) {
    if (!harness_exists(path)) return 0;
    /* Ask a child, which ends with _exit (no leak report), so HDF5's own leaks stay there. */
    pid_t child = fork();
    cr_assert_geq(child, 0, "fork: %s", strerror(errno));
    if (child == 0) _exit(looks_complete_here(path) ? 0 : 1);
    int status;
    while (waitpid(child, &status, 0) < 0)
        cr_assert_eq(errno, EINTR, "waitpid: %s", strerror(errno));
    cr_assert(WIFEXITED(status), "the HDF5 check crashed on %s", path);
    return WEXITSTATUS(status) == 0;
}

int harness_mount_tmpfs(const char *folder, size_t size_kib, int readonly) {
    char options[64];
    snprintf(options, sizeof options, "size=%zuk,mode=0777", size_kib);
    return mount("tmpfs", folder, "tmpfs", readonly ? MS_RDONLY : 0, options);
}

void harness_unmount(const char *folder) {
    umount2(folder, MNT_DETACH);
}
