/* cmd_run.c — `c5sim run`: placeholder until its room lands (owner replaces this file). */
#include <stdio.h>

#include "cli.h"

void cmd_run_help(FILE *stream) {
    fprintf(stream, "usage: c5sim run ...\n");
}

int cmd_run(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "c5sim run: error: not built yet\n");
    return EXIT_RUNTIME;
}
