/* cmd_sweep.c — `c5sim sweep`: a grid of variants over parameter paths, paired comparisons. */
#include <stdio.h>

#include "cli.h"
#include "run_options.h"

void cmd_sweep_help(FILE *stream) {
    fprintf(stream,
            "usage: c5sim sweep SCENARIO --vary PATH=A:B:STEP|PATH=V1,V2,... [--vary ...]\n"
            "                   [--reference LABEL] [common options]\n\n"
            "Run the grid of every combination of the --vary values (the first axis varies\n"
            "slowest), each variant with the same seed and replicate indices, so differences\n"
            "between variants are paired (common random numbers). A:B:STEP is inclusive of B;\n"
            "values are A + i*STEP rounded to 12 significant digits. Variant labels read\n"
            "'PATH=VALUE, PATH=VALUE'. The first variant is the reference unless --reference\n"
            "names another label. Prints, per variant, regional harm and loss with 95%% CIs and\n"
            "the paired difference in harm against the reference, with the unpaired interval\n"
            "for contrast.\n\n"
            "Sweep options:\n"
            "      --vary SPEC      PATH=A:B:STEP (numbers) or PATH=V1,V2,... (repeatable)\n"
            "      --reference L    label of the reference variant, e.g. 'sharing.level=0'\n\n");
    run_options_help(stream, 0);
    fprintf(stream,
            "\nExamples:\n"
            "  c5sim sweep scenarios/c5-baseline.yaml --vary sharing.level=0:1:0.1 -r 100 \\\n"
            "      --set sharing.policy=level -o level.h5\n"
            "  c5sim sweep scenarios/c5-baseline.yaml --vary sharing.policy=withhold,full \\\n"
            "      --vary sharing.latency=0,2,7 --reference 'sharing.policy=withhold, "
            "sharing.latency=0'\n");
}

static int build_plan(struct run_session *session) {
    const struct run_options *options = session->options;
    if (options->n_varies == 0)
        return cli_usage_error("sweep", "at least one --vary PATH=... is needed");
    struct plan_axis axes[RUN_OPTIONS_MAX_LIST] = {{0}};
    char err[512];
    int n_axes = 0, code = 0;
    for (int i = 0; i < options->n_varies && code == 0; i++) {
        if (plan_axis_parse(options->varies[i], &axes[n_axes], err, sizeof err) != 0)
            code = cli_usage_error("sweep", "%s", err);
        else
            n_axes++;
    }
    if (code == 0 && plan_add_grid(session->plan, axes, n_axes, err, sizeof err) < 0)
        code = cli_usage_error("sweep", "%s", err);
    for (int i = 0; i < n_axes; i++) plan_axis_free(&axes[i]);
    if (code == 0 && options->reference) {
        int reference = plan_find_variant(session->plan, options->reference);
        if (reference < 0)
            code = cli_usage_error("sweep",
                                   "--reference '%s' is not a variant label (the "
                                   "first is '%s')",
                                   options->reference, session->plan->variants[0].label);
        else
            session->plan->reference = reference;
    }
    return code;
}

static int report(struct run_session *session) {
    printf("%s\n", session->base_world->name);
    ensemble_print_sweep(stdout, session->plan, &session->results);
    return 0;
}

int cmd_sweep(int argc, char **argv) {
    static const struct run_command command = {.name = "sweep",
                                               .accepts_sweep_options = 1,
                                               .series_by_default = 0,
                                               .build_plan = build_plan,
                                               .report = report};
    return run_command_main(&command, argc, argv);
}
