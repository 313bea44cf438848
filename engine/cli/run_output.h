/* run_output.h — opening the output of run, sweep, measures, coalitions (run_output.c). */
#ifndef C5SIM_RUN_OUTPUT_H
#define C5SIM_RUN_OUTPUT_H

#include "run_options.h"

/* The --set overrides of the base, one per line, in order (the root attribute set_overrides).
 * Caller frees; NULL when out of memory. */
char *run_output_joined_overrides(const struct run_options *options);

/* Rank 0: take the output's lock, open the output (new, or the .partial to continue, rebuilt
 * from its journal) and list the items still to run in *todo (caller frees). Results are
 * allocated, with the finished items' figures read back when resuming. Prints its own errors;
 * returns 0 or an exit code. */
int run_output_prepare(struct run_session *session, struct runner *runner,
                       struct scenario *file_scenario, const char *command_line,
                       const struct runner_options *run_options, long **todo, long *n_todo);

#endif
