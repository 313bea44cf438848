/* cmd_sweep.c — `c5sim sweep`: a grid of variants over parameter paths, or a Latin hypercube
 * sample over declared ranges (stored as /design), paired comparisons. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "run_options.h"

void cmd_sweep_help(FILE *stream) {
    fprintf(stream,
            "usage: c5sim sweep SCENARIO --vary PATH=A:B:STEP|PATH=V1,V2,... [--vary ...]\n"
            "                   [--reference LABEL] [common options]\n"
            "       c5sim sweep SCENARIO --lhs N --range PATH=A:B[:int] [--range ...]\n"
            "                   [--reference LABEL] [common options]\n"
            "       c5sim sweep SCENARIO --lhs N [--uncertainty FILE] [common options]\n\n"
            "Run the grid of every combination of the --vary values (the first axis varies\n"
            "slowest), each variant with the same seed and replicate indices, so differences\n"
            "between variants are paired (common random numbers). A:B:STEP is inclusive of B;\n"
            "values are A + i*STEP rounded to 12 significant digits. Variant labels read\n"
            "'PATH=VALUE, PATH=VALUE'. The first variant is the reference unless --reference\n"
            "names another label. Prints, per variant, regional harm and loss with 95%% CIs and\n"
            "the paired difference in harm against the reference, with the unpaired interval\n"
            "for contrast. The grid's points are stored as /design (method 'grid'): one\n"
            "numeric column per --vary path, a text value as its position in levels_<j>.\n\n"
            "Instead of a grid, --lhs N samples N points of a Latin hypercube over the --range\n"
            "declarations (each range cut into N equal strata, one point per stratum, strata\n"
            "matched across parameters at random), seeded from the run seed (-s): the same seed\n"
            "gives the same design. Every point is a variant (its overrides are the point) and\n"
            "the whole design is stored in the output as /design [point, parameter] with the\n"
            "parameter names in /design_parameter. Without --range, the factors are those of\n"
            "--uncertainty FILE or else of the scenario's uncertainty: block\n"
            "(docs/scenario-format.md, \"Uncertainty\"); a choice factor's value is stored as\n"
            "its position in the attribute levels_<j>.\n\n"
            "Sweep options:\n"
            "      --vary SPEC      PATH=A:B:STEP (numbers) or PATH=V1,V2,... (repeatable)\n"
            "      --lhs N          Latin hypercube of N points over the --range declarations\n"
            "      --range SPEC     PATH=A:B (uniform on [A, B]), PATH=A:B:int (integers A..B),\n"
            "                       PATH=loguniform:A:B, PATH=triangular:A:MODE:B or\n"
            "                       PATH=normal:MEAN:SD:A:B (truncated to [A, B]) or\n"
            "                       PATH=choice:V1,V2,...[:W1,W2,...] (weighted values);\n"
            "                       PATH*=... scales, PATH+=... shifts the file's value;\n"
            "                       repeatable; only with --lhs, not with --vary\n"
            "      --uncertainty FILE  the factors of FILE's uncertainty: block (with --lhs)\n"
            "      --reference L    label of the reference variant, e.g. 'sharing.level=0'\n\n");
    run_options_help(stream, 0);
    fprintf(
        stream,
        "\nExamples:\n"
        "  c5sim sweep scenarios/c5-baseline.yaml --vary sharing.level=0:1:0.1 -r 100 \\\n"
        "      --set sharing.policy=level -o level.h5\n"
        "  c5sim sweep scenarios/c5-baseline.yaml --vary sharing.policy=withhold,full \\\n"
        "      --vary sharing.latency=0,2,7 --reference 'sharing.policy=withhold, "
        "sharing.latency=0'\n"
        "  c5sim sweep scenarios/c5-baseline.yaml --lhs 40 --range sharing.level=0:1 \\\n"
        "      --range defaults.leak=0:0.2 --range states.TJK.response.units=1:4:int -o lhs.h5\n");
}

/* --lhs and --range are the sweep's own: cmd_sweep takes them out of argv before the common
 * option parser sees the rest, and keeps them here for build_plan and report. */
static struct {
    int points; /* 0: no --lhs */
    const char *ranges[RUN_OPTIONS_MAX_LIST];
    int n_ranges;
    struct plan_design design;
    char *command_line; /* the full command line, --lhs and --range included */
    int grid;           /* design holds the --vary grid (method "grid"), not a sample */
    char *levels[RUN_OPTIONS_MAX_LIST]; /* text axes: their values, comma-joined; else NULL */
    const char *uncertainty;            /* --uncertainty FILE */
} sweep_design;

/* A sampled design's choice factors: their values as levels_<j>, as for a grid's text axes. */
static void record_choice_levels(void) {
    const struct plan_design *design = &sweep_design.design;
    for (int j = 0; design->levels && j < design->n_parameters && j < RUN_OPTIONS_MAX_LIST; j++)
        if (design->levels[j]) sweep_design.levels[j] = strdup(design->levels[j]);
}

/* A grid sweep's points as a design too, so that readers get one numeric column per swept
 * parameter instead of parsing labels: numbers at their values, a text axis (withhold,full)
 * at the position of its value, the values listed in the attribute levels_<j>. */
static int record_grid(const struct plan_axis *axes, int n_axes) {
    struct plan_design *design = &sweep_design.design;
    long points = 1;
    for (int a = 0; a < n_axes; a++) points *= axes[a].n_values;
    design->names = calloc((size_t)n_axes, sizeof *design->names);
    design->values = malloc((size_t)points * (size_t)n_axes * sizeof *design->values);
    if (!design->names || !design->values) return -1;
    design->n_points = (int)points;
    design->n_parameters = n_axes;
    for (int a = 0; a < n_axes; a++) {
        if (!(design->names[a] = strdup(axes[a].path))) return -1;
        int numeric = 1;
        size_t length = 1;
        for (int k = 0; k < axes[a].n_values; k++) {
            char *end;
            strtod(axes[a].values[k], &end);
            if (end == axes[a].values[k] || *end != '\0') numeric = 0;
            length += strlen(axes[a].values[k]) + 1;
        }
        if (numeric) continue;
        if (!(sweep_design.levels[a] = calloc(length, 1))) return -1;
        for (int k = 0; k < axes[a].n_values; k++) {
            if (k > 0) strcat(sweep_design.levels[a], ",");
            strcat(sweep_design.levels[a], axes[a].values[k]);
        }
    }
    for (long p = 0; p < points; p++) {
        long rest = p; /* the first axis varies slowest, as plan_add_grid orders them */
        for (int a = n_axes - 1; a >= 0; a--) {
            int k = (int)(rest % axes[a].n_values);
            rest /= axes[a].n_values;
            design->values[p * n_axes + a] =
                sweep_design.levels[a] ? (double)k : strtod(axes[a].values[k], NULL);
        }
    }
    sweep_design.grid = 1;
    return 0;
}

static int select_reference(struct run_session *session) {
    const char *wanted = session->options->reference;
    if (!wanted) return 0;
    int reference = plan_find_variant(session->plan, wanted);
    if (reference < 0)
        return cli_usage_error("sweep",
                               "--reference '%s' is not a variant label (the first is '%s')",
                               wanted, session->plan->variants[0].label);
    session->plan->reference = reference;
    return 0;
}

static int build_design(struct run_session *session) {
    if (session->options->n_varies > 0)
        return cli_usage_error("sweep", "--lhs samples the --range declarations; it cannot be "
                                        "combined with --vary");
    struct plan_range *ranges = NULL;
    char err[512];
    int n_ranges = 0;
    int code =
        run_options_declared_ranges("sweep", session->base, sweep_design.uncertainty,
                                    sweep_design.ranges, sweep_design.n_ranges, &ranges, &n_ranges);
    if (code == 0 && n_ranges == 0)
        code = cli_usage_error("sweep", "--lhs needs at least one --range PATH=A:B, an "
                                        "--uncertainty FILE or the scenario's uncertainty: block");
    if (code == 0 && plan_design_lhs(&sweep_design.design, ranges, n_ranges, sweep_design.points,
                                     session->base_world->seed, err, sizeof err) != 0)
        code = cli_usage_error("sweep", "%s", err);
    if (code == 0 && plan_add_design(session->plan, &sweep_design.design, err, sizeof err) < 0)
        code = cli_usage_error("sweep", "%s", err);
    for (int i = 0; i < n_ranges; i++) plan_range_free(&ranges[i]);
    free(ranges);
    if (code == 0) record_choice_levels();
    return code;
}

static int build_plan(struct run_session *session) {
    const struct run_options *options = session->options;
    if (sweep_design.points > 0) {
        int code = build_design(session);
        if (code != 0) return code;
        return select_reference(session);
    }
    if (sweep_design.n_ranges > 0 || sweep_design.uncertainty)
        return cli_usage_error("sweep", "%s declares a sampled design: add --lhs N",
                               sweep_design.n_ranges > 0 ? "--range" : "--uncertainty");
    if (options->n_varies == 0)
        return cli_usage_error("sweep", "at least one --vary PATH=... (or --lhs N with --range) "
                                        "is needed");
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
    if (code == 0 && record_grid(axes, n_axes) != 0) {
        fprintf(stderr, "c5sim sweep: error: out of memory\n");
        code = EXIT_RUNTIME;
    }
    for (int i = 0; i < n_axes; i++) plan_axis_free(&axes[i]);
    return code == 0 ? select_reference(session) : code;
}

/* /design [point, parameter], /design_parameter, and the full command line for provenance. */
static int write_design(struct h5out *out) {
    const struct plan_design *design = &sweep_design.design;
    size_t shape[2] = {(size_t)design->n_points, (size_t)design->n_parameters};
    const char *what =
        sweep_design.grid
            ? "grid sweep design: the value of each swept parameter (column, named in "
              "/design_parameter) at each point (row), a text value as its position in the "
              "attribute levels_<column>; point p is variant p"
            : "Latin hypercube design: the value of each parameter (column, named in "
              "/design_parameter) at each point (row); point p is variant p";
    int status =
        h5out_write_doubles(out, "/design", 2, shape, design->values, "-", what, "point,parameter");
    if (status == 0)
        status = h5out_write_strings(out, "/design_parameter", design->n_parameters,
                                     (const char *const *)design->names,
                                     "parameter paths, the columns of /design");
    if (status == 0)
        status = h5out_set_attr_string(out, "/design", "method",
                                       sweep_design.grid ? "grid" : "latin_hypercube");
    if (status == 0) status = h5out_set_attr_int(out, "/design", "first_variant", 0);
    for (int j = 0; status == 0 && j < design->n_parameters; j++) {
        if (!sweep_design.levels[j]) continue;
        char name[32];
        snprintf(name, sizeof name, "levels_%d", j);
        status = h5out_set_attr_string(out, "/design", name, sweep_design.levels[j]);
    }
    if (status == 0 && sweep_design.command_line)
        status = h5out_set_attr_string(out, "/", "command_line", sweep_design.command_line);
    if (status != 0) fprintf(stderr, "c5sim sweep: error: %s\n", h5out_error(out));
    return status == 0 ? 0 : EXIT_RUNTIME;
}

static int report(struct run_session *session) {
    if (session->out && (sweep_design.points > 0 || sweep_design.grid)) {
        int code = write_design(session->out);
        if (code != 0) return code;
    }
    printf("%s\n", session->base_world->name);
    ensemble_print_sweep(stdout, session->plan, &session->results);
    return 0;
}

/* Take --lhs N and --range SPEC (separate or attached with '=') out of argv into sweep_design;
 * the rest goes to the common parser. Returns 0 or an exit code after a message. */
static int take_design_options(int argc, char **argv, int *rest_argc, char **rest) {
    int n = 0;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i], *value = NULL;
        int is_lhs = strcmp(arg, "--lhs") == 0 || strncmp(arg, "--lhs=", 6) == 0;
        int is_range = strcmp(arg, "--range") == 0 || strncmp(arg, "--range=", 8) == 0;
        int is_uncertainty =
            strcmp(arg, "--uncertainty") == 0 || strncmp(arg, "--uncertainty=", 14) == 0;
        if (strcmp(arg, "--") == 0) {
            while (i < argc) rest[n++] = argv[i++];
            break;
        }
        if (!is_lhs && !is_range && !is_uncertainty) {
            rest[n++] = argv[i];
            continue;
        }
        const char *equals = strchr(arg, '=');
        if (equals)
            value = equals + 1;
        else if (i + 1 < argc)
            value = argv[++i];
        else
            return cli_usage_error("sweep", "%s needs a value", arg);
        if (is_uncertainty) {
            sweep_design.uncertainty = value;
        } else if (is_lhs) {
            char *end;
            errno = 0;
            long points = strtol(value, &end, 10);
            if (end == value || *end != '\0' || errno != 0 || points < 1 ||
                points > PLAN_MAX_DESIGN_POINTS)
                return cli_usage_error("sweep", "--lhs: '%s' is not a count in 1..%d", value,
                                       PLAN_MAX_DESIGN_POINTS);
            sweep_design.points = (int)points;
        } else {
            if (sweep_design.n_ranges == RUN_OPTIONS_MAX_LIST)
                return cli_usage_error("sweep", "more than %d --range options",
                                       RUN_OPTIONS_MAX_LIST);
            sweep_design.ranges[sweep_design.n_ranges++] = value;
        }
    }
    *rest_argc = n;
    rest[n] = NULL;
    return 0;
}

int cmd_sweep(int argc, char **argv) {
    /* the resume hint shows the whole command, --lhs and --range included */
    const struct run_command command = {.name = "sweep",
                                        .accepts_sweep_options = 1,
                                        .series_by_default = 0,
                                        .build_plan = build_plan,
                                        .report = report,
                                        .hint_argc = argc,
                                        .hint_argv = argv};
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest) {
        fprintf(stderr, "c5sim sweep: error: out of memory\n");
        return EXIT_RUNTIME;
    }
    int rest_argc = 0;
    int code = take_design_options(argc, argv, &rest_argc, rest);
    if (code == 0) {
        if (sweep_design.points > 0 || sweep_design.n_ranges > 0 || sweep_design.uncertainty)
            sweep_design.command_line = run_options_command_line(argc, argv);
        code = run_command_main(&command, rest_argc, rest);
    }
    plan_design_free(&sweep_design.design);
    free(sweep_design.command_line);
    for (int j = 0; j < RUN_OPTIONS_MAX_LIST; j++) free(sweep_design.levels[j]);
    memset(&sweep_design, 0, sizeof sweep_design);
    free(rest);
    return code;
}
