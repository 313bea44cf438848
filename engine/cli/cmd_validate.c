/* cmd_validate.c — `c5sim validate`: placeholder until its room lands (owner replaces this file). */
#include <stdio.h>

#include "cli.h"

void cmd_validate_help(FILE *stream) {
    fprintf(stream, "usage: c5sim validate ...\n");
}

int cmd_validate(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "c5sim validate: error: not built yet\n");
    return EXIT_RUNTIME;
}
