/* cmd_run.c — `c5sim run`: replicates of one scenario (one variant), with a summary table. */
#include <stdio.h>

#include "cli.h"
#include "run_options.h"

void cmd_run_help(FILE *stream) {
    fprintf(stream,
            "usage: c5sim run SCENARIO [-r N] [-s SEED] [-t THREADS] [--set PATH=VALUE]...\n"
            "                 [-o OUT.h5] [--force] [-q] [--no-series] [--events]\n"
            "                 [--max-memory BYTES]\n\n"
            "Run N replicates of one scenario and print, per state and for the region, the mean\n"
            "harm, loss and detections per run with 95%% confidence intervals. Replicates run in\n"
            "parallel; a run with fewer replicates than threads splits each replicate's threats\n"
            "across threads instead. Without -o no file is written.\n\n");
    run_options_help(stream, 1);
    fprintf(stream,
            "\nExamples:\n"
            "  c5sim run scenarios/c5-baseline.yaml -r 200 -o baseline.h5\n"
            "  c5sim run scenarios/c5-baseline.yaml -r 50 --set sharing.policy=full -t 2\n"
            "  c5sim run scenarios/minimal.yaml -r 1 --set run.ticks=3650 -o long.h5 --force\n");
}

static int build_plan(struct run_session *session) {
    if (plan_add_variant(session->plan, "base", NULL, 0) < 0) {
        fprintf(stderr, "c5sim run: error: out of memory\n");
        return EXIT_RUNTIME;
    }
    return 0;
}

static int report(struct run_session *session) {
    printf("%s\n", session->base_world->name);
    ensemble_print_run(stdout, &session->results, session->base_world, 0);
    return 0;
}

int cmd_run(int argc, char **argv) {
    static const struct run_command command = {
        .name = "run", .series_by_default = 1, .build_plan = build_plan, .report = report};
    return run_command_main(&command, argc, argv);
}
