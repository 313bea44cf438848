/* cmd_coalitions.c — `c5sim coalitions`: placeholder until its room lands (owner replaces this file). */
#include <stdio.h>

#include "cli.h"

void cmd_coalitions_help(FILE *stream) {
    fprintf(stream, "usage: c5sim coalitions ...\n");
}

int cmd_coalitions(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "c5sim coalitions: error: not built yet\n");
    return EXIT_RUNTIME;
}
