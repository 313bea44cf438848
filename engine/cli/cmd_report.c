/* cmd_report.c — `c5sim report`: hands an output file to the Python analysis tools. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "c5sim_config.h"
#include "cli.h"

void cmd_report_help(FILE *stream) {
    fprintf(stream,
            "usage: c5sim report OUT.h5 [-o DIR] [--svg]\n\n"
            "Write figures (PNG, SVG with --svg) and report.md / report.html for a c5sim output\n"
            "file. This runs the Python analysis tools (analysis/c5report) with Debian's Python;\n"
            "all options are passed through. See analysis/README.md.\n");
}

/* The analysis tools live in the source tree; C5SIM_ANALYSIS overrides where to look. */
static const char *analysis_script(char *buffer, size_t size) {
    const char *dir = getenv("C5SIM_ANALYSIS");
    snprintf(buffer, size, "%s/c5report", dir ? dir : C5SIM_SOURCE_ROOT "/analysis");
    return buffer;
}

int cmd_report(int argc, char **argv) {
    char script[4096];
    analysis_script(script, sizeof script);
    if (access(script, R_OK) != 0)
        return cli_usage_error("report", "the analysis tools are not present (%s: %s)", script,
                               strerror(errno));
    if (argc < 2) return cli_usage_error("report", "missing OUT.h5");
    char **child = calloc((size_t)argc + 2, sizeof *child);
    if (!child) {
        fprintf(stderr, "c5sim report: error: out of memory\n");
        return EXIT_RUNTIME;
    }
    child[0] = "/usr/bin/python3";
    child[1] = script;
    for (int i = 1; i < argc; i++) child[i + 1] = argv[i];
    execv(child[0], child);
    fprintf(stderr, "c5sim report: error: cannot start %s: %s\n", child[0], strerror(errno));
    free(child);
    return EXIT_RUNTIME;
}
