/* cmd_study.c — `c5sim study`: runs one shipped experiment (a JSON spec in scenarios/experiments)
 * through the Python study driver, which calls this binary for the runs and writes figures and a
 * verdict.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "c5sim_config.h"
#include "cli.h"

void cmd_study_help(FILE *stream) {
    fprintf(stream,
            "usage: c5sim study STUDY.json [-o DIR] [--quick] [-t THREADS] [-q]\n\n"
            "Run one experiment that reproduces a result of the literature on sharing security\n"
            "information (scenarios/experiments/: free_riding, burden, tipping, weakest_link,\n"
            "leaks_monitoring): its runs, its figures (PNG) and its verdict (verdict.md,\n"
            "verdict.json), computed from the numbers with their 95%% intervals. This runs the\n"
            "study driver (analysis/c5study) with Debian's Python; it calls this c5sim for the\n"
            "runs. See docs/experiments.md.\n\n"
            "Options (passed to the driver):\n"
            "  -o DIR        where to write (default: study_<name>/ in the current directory)\n"
            "  --quick       the reduced version (fewer replicates and points): for tests\n"
            "  -t THREADS    threads for each run (default: every core)\n"
            "  -q            print only the verdict lines\n\n"
            "Example:\n"
            "  c5sim study scenarios/experiments/free_riding.json -o free-riding\n");
}

/* The driver lives in the source tree; C5SIM_ANALYSIS overrides where to look. */
static const char *study_script(char *buffer, size_t size) {
    const char *dir = getenv("C5SIM_ANALYSIS");
    snprintf(buffer, size, "%s/c5study", dir ? dir : C5SIM_SOURCE_ROOT "/analysis");
    return buffer;
}

int cmd_study(int argc, char **argv) {
    char script[4096];
    study_script(script, sizeof script);
    if (access(script, R_OK) != 0)
        return cli_usage_error("study", "the study driver is not present (%s: %s)", script,
                               strerror(errno));
    if (argc < 2) return cli_usage_error("study", "missing STUDY.json");
    /* The driver runs the engine: tell it which binary is running now, so that a study always
     * uses the same build as the command that started it. */
    char self[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length > 0) {
        self[length] = '\0';
        setenv("C5SIM", self, 1);
    }
    char **child = calloc((size_t)argc + 2, sizeof *child);
    if (!child) {
        fprintf(stderr, "c5sim study: error: out of memory\n");
        return EXIT_RUNTIME;
    }
    child[0] = "/usr/bin/python3";
    child[1] = script;
    for (int i = 1; i < argc; i++) child[i + 1] = argv[i];
    execv(child[0], child);
    fprintf(stderr, "c5sim study: error: cannot start %s: %s\n", child[0], strerror(errno));
    free(child);
    return EXIT_RUNTIME;
}
