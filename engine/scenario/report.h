/* report.h — error collection shared by the scenario loader (suggestions: util/names.h). */
#ifndef C5SIM_SCENARIO_REPORT_H
#define C5SIM_SCENARIO_REPORT_H

#include <stddef.h>

#include "scenario.h"
#include "../util/names.h"

/* Append one formatted message (a full line) to `errors`, or count it as dropped past the cap. */
void errors_add(struct scenario_errors *errors, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
