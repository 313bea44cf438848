/* cmd_sweep.c — `c5sim sweep`: placeholder until its room lands (owner replaces this file). */
#include <stdio.h>

#include "cli.h"

void cmd_sweep_help(FILE *stream) {
    fprintf(stream, "usage: c5sim sweep ...\n");
}

int cmd_sweep(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "c5sim sweep: error: not built yet\n");
    return EXIT_RUNTIME;
}
