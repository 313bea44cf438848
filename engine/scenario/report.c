/* report.c — collecting error messages of the scenario loader, up to a cap. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

void scenario_errors_clear(struct scenario_errors *errors) {
    if (!errors) return;
    for (int i = 0; i < errors->count; i++) free(errors->messages[i]);
    errors->count = 0;
    errors->dropped = 0;
}

void scenario_errors_print(const struct scenario_errors *errors, FILE *stream) {
    if (!errors) return;
    for (int i = 0; i < errors->count; i++) fprintf(stream, "%s\n", errors->messages[i]);
    if (errors->dropped > 0)
        fprintf(stream, "(%d more error%s not shown)\n", errors->dropped,
                errors->dropped == 1 ? "" : "s");
}

void errors_add(struct scenario_errors *errors, const char *fmt, ...) {
    if (!errors) return;
    if (errors->count >= SCENARIO_MAX_ERRORS) {
        errors->dropped++;
        return;
    }
    va_list args;
    va_start(args, fmt);
    int needed = vsnprintf(NULL, 0, fmt, args);
    va_end(args);
    if (needed < 0) return;
    char *message = malloc((size_t)needed + 1);
    if (!message) {
        errors->dropped++;
        return;
    }
    va_start(args, fmt);
    vsnprintf(message, (size_t)needed + 1, fmt, args);
    va_end(args);
    errors->messages[errors->count++] = message;
}
