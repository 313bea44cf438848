/* report.h — error collection and "did you mean" suggestions shared by the scenario loader. */
#ifndef C5SIM_SCENARIO_REPORT_H
#define C5SIM_SCENARIO_REPORT_H

#include <stddef.h>

#include "scenario.h"

/* Append one formatted message (a full line) to `errors`, or count it as dropped past the cap. */
void errors_add(struct scenario_errors *errors, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Case-insensitive edit distance between two short names (long names compare as far apart). */
size_t name_distance(const char *a, const char *b);

/* The candidate closest to `name` if it is close enough to be a likely typo, else NULL. */
const char *closest_name(const char *name, const char *const *candidates, int count);

#endif
