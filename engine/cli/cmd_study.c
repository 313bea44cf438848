/* cmd_study.c — `c5sim study`: runs one shipped experiment (a JSON spec in scenarios/experiments)
 * through the Python study driver, which calls this binary for the runs and writes figures and a
 * verdict.
 */
#include <stdio.h>

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

int cmd_study(int argc, char **argv) {
    return cli_exec_python_tool("study", "c5study", "STUDY.json", argc, argv);
}
