/* cli_harness.h — run the built c5sim binary from a test, with limits, and inspect what it left. */
#ifndef C5SIM_TEST_CLI_HARNESS_H
#define C5SIM_TEST_CLI_HARNESS_H

#include <stddef.h>
#include <sys/types.h>

/* Limits applied in the child only. */
struct harness_limits {
    /* RLIMIT_FSIZE in bytes (0: none); SIGXFSZ is ignored so write(2) fails with EFBIG. */
    size_t max_file_size;
};

/* Run `c5sim ARGS...` (argv without the program; NULL-terminated), with the binary named by
 * $C5SIM. Standard output is discarded; standard error is captured into err (truncated, always
 * NUL-terminated). Returns the exit status, 128 + N when killed by signal N, -1 if it could not
 * be started. */
int harness_run(const char *const *args, const struct harness_limits *limits, char *err,
                size_t errlen);

/* Absolute path of a file under the source tree ($C5SIM_SOURCE_ROOT). */
const char *harness_source_path(const char *relative, char *out, size_t size);

/* A fresh private folder under /tmp (asserts on failure); removed with harness_remove_tree. */
void harness_tempdir(char *out, size_t size);
void harness_remove_tree(const char *path);

/* Whether `path` exists (any kind of file). */
int harness_exists(const char *path);

/* 1 when `path` looks like a finished c5sim output: HDF5 opens it and its root attribute
 * `complete` is 1. 0 for a missing, unreadable or incomplete file. */
int harness_looks_complete(const char *path);

/* Mount a tmpfs of `size_kib` KiB on `folder` (read-only when readonly is set). Returns 0, or -1
 * with errno when the process may not mount. */
int harness_mount_tmpfs(const char *folder, size_t size_kib, int readonly);
void harness_unmount(const char *folder);

#endif
