/* cmd_measures.c — `c5sim measures`: baseline + each measure alone; risk catalog and ranking. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "run_options.h"

void cmd_measures_help(FILE *stream) {
    fprintf(stream,
            "usage: c5sim measures SCENARIO [common options]\n\n"
            "Run the baseline and each preventive measure declared under `measures:` alone\n"
            "(its overrides applied to the baseline), all with the same random numbers. Prints\n"
            "the risk catalog (threat types ranked by expected regional harm in the baseline,\n"
            "with 95%% CIs) and the measures ranked by regional harm averted per unit cost,\n"
            "with paired 95%% CIs. Variant 0 in the file is the baseline, variant i the i-th\n"
            "measure; /measures and /risk_catalog hold the tables.\n\n");
    run_options_help(stream, 0);
    fprintf(stream, "\nExamples:\n"
                    "  c5sim measures scenarios/c5-baseline.yaml -r 200 -o measures.h5\n"
                    "  c5sim measures scenarios/c5-baseline.yaml -r 50 --set run.ticks=180\n");
}

static int build_plan(struct run_session *session) {
    if (plan_add_variant(session->plan, "baseline", NULL, 0) < 0) goto out_of_memory;
    int count = scenario_measure_count(session->base);
    for (int m = 0; m < count; m++) {
        const struct scenario_override *overrides = NULL;
        int n = scenario_measure_overrides(session->base, m, &overrides);
        int v =
            plan_add_variant(session->plan, scenario_measure_id(session->base, m), overrides, n);
        if (v < 0) goto out_of_memory;
        session->plan->variants[v].measure = m;
    }
    return 0;
out_of_memory:
    fprintf(stderr, "c5sim measures: error: out of memory\n");
    return EXIT_RUNTIME;
}

static int report(struct run_session *session) {
    const struct world *world = session->base_world;
    char err[512];
    int n_measures = session->plan->n_variants - 1;
    struct ensemble_risk *risks = calloc((size_t)(world->n_types + 1), sizeof *risks);
    struct ensemble_measure *rows = calloc((size_t)(n_measures + 1), sizeof *rows);
    int code = 0;
    if (!risks || !rows || ensemble_risk_catalog(&session->results, 0, risks) != 0) {
        fprintf(stderr, "c5sim measures: error: out of memory\n");
        code = EXIT_RUNTIME;
    }
    if (code == 0) ensemble_measures(session->plan, &session->results, world, rows);
    if (code == 0 && session->out &&
        (ensemble_write_risk_catalog(session->out, risks, world, err, sizeof err) != 0 ||
         ensemble_write_measures(session->out, rows, n_measures, world, err, sizeof err) != 0)) {
        fprintf(stderr, "c5sim measures: error: %s\n", err);
        code = EXIT_RUNTIME;
    }
    if (code == 0) {
        printf("%s: %d replicates per variant\n\n", world->name, session->plan->replicates);
        ensemble_print_risk_catalog(stdout, risks, world);
        printf("\n");
        ensemble_print_measures(stdout, rows, n_measures, world);
    }
    free(risks);
    free(rows);
    return code;
}

int cmd_measures(int argc, char **argv) {
    static const struct run_command command = {
        .name = "measures", .series_by_default = 0, .build_plan = build_plan, .report = report};
    return run_command_main(&command, argc, argv);
}
