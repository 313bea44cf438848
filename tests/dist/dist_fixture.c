/* dist_fixture.c — helpers of the distribution and resume tests (see dist_fixture.h). */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dist_fixture.h"

char dist_workdir[256];

void dist_make_workdir(void) {
    snprintf(dist_workdir, sizeof dist_workdir, "/tmp/c5sim-dist-test-XXXXXX");
    cr_assert(mkdtemp(dist_workdir) != NULL);
}

void dist_remove_workdir(void) {
    char command[512];
    snprintf(command, sizeof command, "rm -rf '%s'", dist_workdir);
    cr_assert_eq(system(command), 0);
}

const char *dist_source_path(const char *relative, char *buffer, size_t size) {
    const char *root = getenv("C5SIM_SOURCE_ROOT");
    cr_assert(root, "C5SIM_SOURCE_ROOT is not set (run through meson test)");
    snprintf(buffer, size, "%s/%s", root, relative);
    return buffer;
}

static int run_captured(char *out, size_t size, const char *command) {
    FILE *pipe = popen(command, "r");
    cr_assert(pipe, "cannot run %s", command);
    size_t used = fread(out, 1, size - 1, pipe);
    out[used] = '\0';
    /* Read what is left so the child never blocks on a full pipe. */
    char rest[4096];
    while (fread(rest, 1, sizeof rest, pipe) > 0) {
    }
    int status = pclose(pipe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int dist_c5sim(char *out, size_t size, const char *env, const char *fmt, ...) {
    const char *exe = getenv("C5SIM");
    cr_assert(exe, "C5SIM is not set (run through meson test)");
    char args[4096], command[8192];
    va_list list;
    va_start(list, fmt);
    vsnprintf(args, sizeof args, fmt, list);
    va_end(list);
    snprintf(command, sizeof command, "cd '%s' && %s '%s' %s 2>&1", dist_workdir, env, exe, args);
    return run_captured(out, size, command);
}

int dist_mpirun(char *out, size_t size, const char *env, int ranks, const char *fmt, ...) {
    const char *exe = getenv("C5SIM"), *mpirun = getenv("MPIRUN");
    cr_assert(exe && mpirun, "C5SIM or MPIRUN is not set (run through meson test)");
    char args[4096], command[8192];
    va_list list;
    va_start(list, fmt);
    vsnprintf(args, sizeof args, fmt, list);
    va_end(list);
    snprintf(command, sizeof command,
             "cd '%s' && %s '%s' --allow-run-as-root --oversubscribe -np %d '%s' %s 2>&1",
             dist_workdir, env, mpirun, ranks, exe, args);
    return run_captured(out, size, command);
}

pid_t dist_spawn(const char *fmt, ...) {
    const char *exe = getenv("C5SIM");
    cr_assert(exe, "C5SIM is not set (run through meson test)");
    char args[4096], command[8192];
    va_list list;
    va_start(list, fmt);
    vsnprintf(args, sizeof args, fmt, list);
    va_end(list);
    snprintf(command, sizeof command, "cd '%s' && exec '%s' %s", dist_workdir, exe, args);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", command, (char *)NULL);
        _exit(127);
    }
    return pid;
}

int dist_h5diff(const char *a, const char *b, const char *object) {
    char command[1024];
    snprintf(command, sizeof command, "cd '%s' && h5diff -q '%s' '%s' %s %s > /dev/null 2>&1",
             dist_workdir, a, b, object, object);
    int status = system(command);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int dist_exists(const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dist_workdir, name);
    struct stat info;
    return stat(path, &info) == 0;
}

void dist_remove(const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dist_workdir, name);
    unlink(path);
}

long long dist_root_int(const char *file, const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dist_workdir, file);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert(f >= 0, "cannot open %s", path);
    hid_t attr = H5Aopen_by_name(f, "/", name, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(attr >= 0, "%s has no root attribute %s", path, name);
    long long value = -1;
    cr_assert(H5Aread(attr, H5T_NATIVE_LLONG, &value) >= 0);
    H5Aclose(attr);
    H5Fclose(f);
    return value;
}

double dist_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}
