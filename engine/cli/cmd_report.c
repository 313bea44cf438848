/* cmd_report.c — `c5sim report`: hands an output file to the Python analysis tools. */
#include <stdio.h>

#include "cli.h"

void cmd_report_help(FILE *stream) {
    fprintf(stream,
            "usage: c5sim report OUT.h5 [-o DIR] [--svg]\n\n"
            "Write figures (PNG, SVG with --svg) and report.md / report.html for a c5sim output\n"
            "file. This runs the Python analysis tools (analysis/c5report) with Debian's Python;\n"
            "all options are passed through. See analysis/README.md.\n");
}

int cmd_report(int argc, char **argv) {
    return cli_exec_python_tool("report", "c5report", "OUT.h5", argc, argv);
}
