/* cmd_measures.c — `c5sim measures`: placeholder until its room lands (owner replaces this file). */
#include <stdio.h>

#include "cli.h"

void cmd_measures_help(FILE *stream) {
    fprintf(stream, "usage: c5sim measures ...\n");
}

int cmd_measures(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "c5sim measures: error: not built yet\n");
    return EXIT_RUNTIME;
}
