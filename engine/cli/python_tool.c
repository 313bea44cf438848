/* python_tool.c — hands a command over to one of the Python tools in analysis/ (report, study).
 *
 * The tools run with Debian's /usr/bin/python3, which has h5py, numpy, pandas and matplotlib
 * (a python3 earlier on PATH may not). C5SIM_ANALYSIS overrides the folder they are taken from.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "c5sim_config.h"
#include "cli.h"

int cli_exec_python_tool(const char *command, const char *tool, const char *what, int argc,
                         char **argv) {
    const char *dir = getenv("C5SIM_ANALYSIS");
    char script[4096];
    snprintf(script, sizeof script, "%s/%s", dir ? dir : C5SIM_SOURCE_ROOT "/analysis", tool);
    if (access(script, R_OK) != 0)
        return cli_usage_error(command, "the analysis tools are not present (%s: %s)", script,
                               strerror(errno));
    if (argc < 2) return cli_usage_error(command, "missing %s", what);
    /* Tools that run the engine use the binary running now, so that they use the same build. */
    char self[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length > 0) {
        self[length] = '\0';
        setenv("C5SIM", self, 1);
    }
    char **child = calloc((size_t)argc + 2, sizeof *child);
    if (!child) {
        fprintf(stderr, "c5sim %s: error: out of memory\n", command);
        return EXIT_RUNTIME;
    }
    child[0] = "/usr/bin/python3";
    child[1] = script;
    for (int i = 1; i < argc; i++) child[i + 1] = argv[i];
    execv(child[0], child);
    fprintf(stderr, "c5sim %s: error: cannot start %s: %s\n", command, child[0], strerror(errno));
    free(child);
    return EXIT_RUNTIME;
}
