/* run_options.h — what the commands that run (run, sweep, measures, coalitions) share: their
 * common options, loading the scenario, building and executing the plan, writing the output file,
 * interruption and exit codes. Each command supplies its plan and its tables. */
#ifndef C5SIM_RUN_OPTIONS_H
#define C5SIM_RUN_OPTIONS_H

#include <signal.h>
#include <stdio.h>

#include "../io/h5out.h"
#include "../run/ensemble.h"
#include "../run/plan.h"
#include "../run/runner.h"
#include "../scenario/scenario.h"

enum { RUN_OPTIONS_MAX_LIST = 256 };

struct run_options {
    const char *scenario_path;
    int replicates;   /* -r; 0 = the scenario's run.replicates */
    const char *seed; /* -s, applied as run.seed */
    int threads;      /* -t; 0 = every core */
    const char *sets[RUN_OPTIONS_MAX_LIST];
    int n_sets;
    const char *output; /* -o (derived from --resume when absent) */
    const char *resume; /* --resume OUT.h5.partial */
    int force;
    int quiet;
    int series; /* -1 = command default, 0 = --no-series, 1 = --series */
    int events;
    size_t max_memory;
    /* sweep only */
    const char *varies[RUN_OPTIONS_MAX_LIST];
    int n_varies;
    const char *reference;
};

/* A running command: what its callbacks may read. */
struct run_session {
    const char *command;
    const struct run_options *options;
    const struct scenario *base;    /* the scenario with --set and -s applied */
    const struct world *base_world; /* compiled base: names, measures, /world */
    struct plan *plan;
    struct runner_results results;
    struct h5out *out;    /* NULL without -o */
    struct outlock *lock; /* OUT.h5.lock, held from before the output is touched to the end */
};

struct run_command {
    const char *name;
    int accepts_sweep_options; /* --vary, --reference */
    int series_by_default;
    /* The full command line for the resume hint, when the command took its own options out of
     * argv before run_command_main (NULL: the argv it was given). */
    int hint_argc;
    char **hint_argv;
    /* Add the variants to session->plan (replicates already set). Return 0, or EXIT_USAGE /
     * EXIT_RUNTIME after printing a message. */
    int (*build_plan)(struct run_session *session);
    /* Write the command's own datasets (out may be NULL) and print its tables on stdout after
     * a complete run. Return 0 or an exit code after printing a message. */
    int (*report)(struct run_session *session);
    /* 1: no warning about few replicates per variant (the command's intervals are not over
     * replicates, e.g. sensitivity's bootstrap over design points) */
    int few_replicates_ok;
};

/* The whole life of a command that runs; returns the process exit code. */
int run_command_main(const struct run_command *command, int argc, char **argv);

/* The factors of a sampled design, as every command that samples one takes them: `texts` (--range),
 * else the design file `file` (--uncertainty), else the scenario's uncertainty: block (none: *n =
 * 0). Returns 0 with *ranges (free each range, then the array), or EXIT_USAGE after printing the
 * error as `command`'s (a bad --range, --range with a file, the file's errors at FILE:LINE:COL). */
int run_options_declared_ranges(const char *command, const struct scenario *scenario,
                                const char *file, const char *const *texts, int n_texts,
                                struct plan_range **ranges, int *n);

/* Common options, for the help texts. */
void run_options_help(FILE *stream, int series_by_default);

/* "c5sim ARGS", each argument shell-quoted where it needs it (paste it to rerun): the
 * provenance string written as the root attribute `command_line`. Caller frees. */
char *run_options_command_line(int argc, char **argv);

#endif
