/* omp_wait.h — passive OpenMP waiting by default: the program re-executes itself once with
 * OMP_WAIT_POLICY=passive unless the user set OMP_WAIT_POLICY (which then wins). */
#ifndef C5SIM_OMP_WAIT_H
#define C5SIM_OMP_WAIT_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define OMP_WAIT_UNDER_VALGRIND() RUNNING_ON_VALGRIND
#endif
#endif
#ifndef OMP_WAIT_UNDER_VALGRIND
#define OMP_WAIT_UNDER_VALGRIND() 0
#endif

/* Marks the environment of the re-executed process, so that it can tell the policy is the
 * program's default rather than the user's. */
#define OMP_WAIT_DEFAULT_MARK "C5SIM_OMP_WAIT_DEFAULT"

/* Call first thing in main. GNU libgomp reads OMP_WAIT_POLICY once, when the library is loaded
 * (before main), and has no call to change it afterwards; so when the variable is unset the
 * program sets it and replaces itself with a fresh image of the same executable and arguments
 * (/proc/self/exe), whose runtime then reads it. Waiting threads sleep instead of spinning, so a
 * team whose partner was descheduled does not burn a core. Where the re-execution is not
 * possible (no /proc) or would escape a checker (under valgrind the new image would run outside
 * it), the program goes on with the runtime's default policy. */
static inline void omp_wait_default(char **argv) {
    if (getenv("OMP_WAIT_POLICY")) return; /* the user's choice, or set by the re-execution */
    const char *preload = getenv("LD_PRELOAD");
    if (OMP_WAIT_UNDER_VALGRIND() || (preload && strstr(preload, "vgpreload"))) return;
    char self[4096];
    ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0 || (size_t)length >= sizeof self - 1) return;
    self[length] = '\0';
    if (setenv("OMP_WAIT_POLICY", "passive", 1) != 0) return;
    setenv(OMP_WAIT_DEFAULT_MARK, "1", 1);
    execv(self, argv);
    unsetenv("OMP_WAIT_POLICY"); /* not re-executed: the runtime keeps its own default */
    unsetenv(OMP_WAIT_DEFAULT_MARK);
}

/* "passive (default)", "VALUE (OMP_WAIT_POLICY)" or "the OpenMP runtime's default". */
static inline const char *omp_wait_describe(void) {
    const char *policy = getenv("OMP_WAIT_POLICY");
    if (!policy) return "the OpenMP runtime's default";
    if (getenv(OMP_WAIT_DEFAULT_MARK) && strcmp(policy, "passive") == 0) return "passive (default)";
    return "set by OMP_WAIT_POLICY";
}

#endif
