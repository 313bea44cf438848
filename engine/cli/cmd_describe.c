/* cmd_describe.c — `c5sim describe`: placeholder until its room lands (owner replaces this file). */
#include <stdio.h>

#include "cli.h"

void cmd_describe_help(FILE *stream) {
    fprintf(stream, "usage: c5sim describe ...\n");
}

int cmd_describe(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "c5sim describe: error: not built yet\n");
    return EXIT_RUNTIME;
}
