/* cmd_robust.c — `c5sim robust`: the baseline and every measure at every point of an
 * uncertainty design (common random numbers); robust rankings and PRIM scenario discovery. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "run_options.h"
#include "../run/robust_report.h"

enum { ROBUST_DEFAULT_BOOTSTRAP = 200, ROBUST_MAX_RULES = 16 };

void cmd_robust_help(FILE *stream) {
    fprintf(
        stream,
        "usage: c5sim robust SCENARIO --lhs N [--range PATH=SPEC ... | --uncertainty FILE]\n"
        "                    [--fails MEASURE:METRIC<T ...] [robust options] [common options]\n\n"
        "Evaluate the baseline and each measure under `measures:` at the scenario's own values\n"
        "(point 0, the nominal point) and at N points of a Latin hypercube over the declared\n"
        "factors (the --range declarations, else the --uncertainty design file, else the\n"
        "scenario's uncertainty: block; as `sweep --lhs`), every variant with the same seed\n"
        "and replicate indices, so each measure's harm averted is paired at each point. Variant\n"
        "layout, point-major: variant = point * (measures + 1) + slot, slot 0 the baseline and\n"
        "slot m + 1 measure m. A design value is applied before the measure's overrides, so a\n"
        "relative measure (PATH+=D, PATH*=K) acts on the design's value; a measure that sets a\n"
        "designed path absolutely is refused.\n\n"
        "Prints, by harm averted per unit cost and by harm averted, each measure's probability\n"
        "of being best over the design points, its regret (the best measure's value at a point\n"
        "minus its own: mean, 90th percentile, maximum), its mean rank, and the Kendall tau of\n"
        "each point's ranking against the nominal ranking, with 95%% bootstrap intervals over\n"
        "replicates. Then, for each --fails rule, the design points that fail it and the PRIM\n"
        "box (peeling, then pasting) in which failures concentrate. Without --fails, the rule\n"
        "is that the nominal best measure (by per-unit cost) is not ranked first:\n"
        "'BEST:rank>1'. Everything is written to /robust (docs/output-format.md).\n\n"
        "Robust options:\n"
        "      --lhs N            design points (besides the nominal point 0)\n"
        "      --range SPEC       PATH=A:B, PATH=A:B:int, PATH=loguniform:A:B,\n"
        "                         PATH=triangular:A:MODE:B, PATH=normal:MEAN:SD:A:B,\n"
        "                         PATH=choice:V1,V2[:W1,W2] (repeatable)\n"
        "      --uncertainty FILE the factors of a design file (docs/scenario-format.md,\n"
        "                         \"Uncertainty\"; e.g. scenarios/designs/c5-uncertainty.yaml)\n"
        "      --fails RULE       'MEASURE:METRIC<T' or 'MEASURE:METRIC>T' (quoted for the shell;\n"
        "                         repeatable, up to %d);\n"
        "                         METRIC: averted, per_cost, harm, rank, rank_averted, regret,\n"
        "                         regret_averted; MEASURE may be `baseline` (metric harm)\n"
        "      --bootstrap B      bootstrap draws over replicates (default %d; 0: none)\n"
        "      --peel-alpha A     PRIM's peeling share per step (default 0.05)\n"
        "      --min-support S    PRIM stops before a box with fewer than this share of points\n"
        "                         (default 0.05)\n"
        "      --min-coverage C   the chosen box is the densest with coverage >= C (default "
        "0.5)\n\n",
        ROBUST_MAX_RULES, ROBUST_DEFAULT_BOOTSTRAP);
    run_options_help(stream, 0);
    fprintf(stream, "\nExamples:\n"
                    "  c5sim robust scenarios/c5-baseline.yaml --lhs 40 -r 50 -t 2 \\\n"
                    "      --range defaults.leak=0:0.2 --range sharing.level=0:1 \\\n"
                    "      --fails 'fusion_centre:averted<0' -o robust.h5\n");
}

/* The command's own options, taken out of argv before the common parser sees the rest. */
static struct {
    int points;
    const char *ranges[RUN_OPTIONS_MAX_LIST];
    int n_ranges;
    const char *uncertainty; /* --uncertainty FILE, a design file of factors */
    const char *rules[ROBUST_MAX_RULES];
    int n_rules;
    int bootstrap;
    struct prim_options prim;
    struct plan_design design;
    struct robust_rule parsed[ROBUST_MAX_RULES];
    const char **measure_ids;
    char *command_line; /* the full command line, robust options included */
} robust;

static int build_plan(struct run_session *session) {
    const struct world *world = session->base_world;
    int n_measures = world->n_measures;
    if (robust.points == 0) return cli_usage_error("robust", "--lhs N is needed (design points)");
    if (n_measures == 0)
        return cli_usage_error("robust", "%s declares no measures: nothing to rank",
                               scenario_filename(session->base));
    if ((long)(robust.points + 1) * (n_measures + 1) > PLAN_MAX_VARIANTS)
        return cli_usage_error("robust",
                               "--lhs %d: (%d + 1) points x (%d measures + the baseline) is more "
                               "than %d variants",
                               robust.points, robust.points, n_measures, PLAN_MAX_VARIANTS);
    robust.measure_ids = malloc((size_t)n_measures * sizeof *robust.measure_ids);
    if (!robust.measure_ids) goto out_of_memory;
    for (int m = 0; m < n_measures; m++) robust.measure_ids[m] = world->measures[m].id;
    char err[512];
    for (int k = 0; k < robust.n_rules; k++)
        if (robust_rule_parse(robust.rules[k], robust.measure_ids, n_measures, &robust.parsed[k],
                              err, sizeof err) != 0)
            return cli_usage_error("robust", "--fails %s", err);
    /* the factors: --range, else --uncertainty FILE, else the scenario's uncertainty: block */
    struct plan_range *ranges = NULL;
    int n_ranges = 0;
    int code = run_options_declared_ranges("robust", session->base, robust.uncertainty,
                                           robust.ranges, robust.n_ranges, &ranges, &n_ranges);
    if (code == 0 && n_ranges == 0)
        code = cli_usage_error("robust", "--lhs needs at least one --range PATH=A:B, an "
                                         "--uncertainty FILE or the scenario's uncertainty: block");
    if (code == 0 && plan_design_lhs(&robust.design, ranges, n_ranges, robust.points, world->seed,
                                     err, sizeof err) != 0)
        code = cli_usage_error("robust", "%s", err);
    for (int i = 0; i < n_ranges; i++) plan_range_free(&ranges[i]);
    free(ranges);
    if (code != 0) return code;
    /* Point p's variants: a scratch plan of one design point gives its overrides and label. */
    const struct plan_design *design = &robust.design;
    int k = design->n_parameters;
    for (int p = 0; p <= design->n_points; p++) {
        struct plan *scratch = plan_alloc(1);
        if (!scratch) goto out_of_memory;
        struct plan_design one = {.n_points = 1,
                                  .n_parameters = k,
                                  .names = design->names,
                                  .values = design->values + (size_t)(p > 0 ? p - 1 : 0) * k};
        if (p > 0 && plan_add_design(scratch, &one, err, sizeof err) < 0) {
            plan_free(scratch);
            goto out_of_memory;
        }
        const struct plan_variant *point = p > 0 ? &scratch->variants[0] : NULL;
        int n_point = point ? point->n_overrides : 0;
        for (int slot = 0; slot <= n_measures; slot++) {
            const struct scenario_override *measure = NULL;
            int n_measure =
                slot > 0 ? scenario_measure_overrides(session->base, slot - 1, &measure) : 0;
            struct scenario_override *both =
                calloc((size_t)(n_point + n_measure + 1), sizeof *both);
            char label[128];
            if (!both) {
                plan_free(scratch);
                goto out_of_memory;
            }
            /* the design's values first: a relative measure then scales or shifts them */
            for (int i = 0; i < n_point; i++) both[i] = point->overrides[i];
            for (int i = 0; i < n_measure; i++) both[n_point + i] = measure[i];
            snprintf(label, sizeof label, "p%d:%s", p,
                     slot == 0 ? "baseline" : robust.measure_ids[slot - 1]);
            int v = plan_add_variant(session->plan, label, both, n_point + n_measure);
            free(both);
            if (v < 0) {
                plan_free(scratch);
                goto out_of_memory;
            }
            session->plan->variants[v].measure = slot - 1;
        }
        plan_free(scratch);
    }
    return 0;
out_of_memory:
    fprintf(stderr, "c5sim robust: error: out of memory\n");
    return EXIT_RUNTIME;
}

static int report(struct run_session *session) {
    const struct world *world = session->base_world;
    struct robust_rule rules[ROBUST_MAX_RULES];
    int n_rules = robust.n_rules;
    memcpy(rules, robust.parsed, sizeof rules);
    struct robust_report robust_report;
    char err[512];
    if (robust_report_compute(&robust_report, &session->results, world, &robust.design, NULL, 0,
                              &robust.prim, robust.bootstrap, world->seed, err, sizeof err) != 0) {
        fprintf(stderr, "c5sim robust: error: %s\n", err);
        return EXIT_RUNTIME;
    }
    if (n_rules == 0) {
        /* the default question: where does the nominal winner (by per-unit cost) lose first? */
        const double *nominal = robust_report.result.values[ROBUST_PER_COST];
        int best = 0;
        for (int m = 1; m < world->n_measures; m++)
            if (nominal[m] > nominal[best]) best = m;
        char text[160];
        snprintf(text, sizeof text, "%s:rank>1", robust.measure_ids[best]);
        if (robust_rule_parse(text, robust.measure_ids, world->n_measures, &rules[0], err,
                              sizeof err) == 0)
            n_rules = 1;
    }
    robust_report_free(&robust_report);
    if (robust_report_compute(&robust_report, &session->results, world, &robust.design, rules,
                              n_rules, &robust.prim, robust.bootstrap, world->seed, err,
                              sizeof err) != 0) {
        fprintf(stderr, "c5sim robust: error: %s\n", err);
        return EXIT_RUNTIME;
    }
    robust_report.measure_ids = robust.measure_ids;
    int code = 0;
    if (session->out && robust.command_line &&
        h5out_set_attr_string(session->out, "/", "command_line", robust.command_line) != 0) {
        fprintf(stderr, "c5sim robust: error: %s\n", h5out_error(session->out));
        code = EXIT_RUNTIME;
    }
    if (code == 0 && session->out &&
        robust_report_write(session->out, &robust_report, err, sizeof err) != 0) {
        fprintf(stderr, "c5sim robust: error: %s\n", err);
        code = EXIT_RUNTIME;
    }
    if (code == 0) {
        printf("%s\n", world->name);
        robust_report_print(stdout, &robust_report);
    }
    robust_report_free(&robust_report);
    return code;
}

static int parse_number(const char *option, const char *value, double low, double high,
                        double *out) {
    char *end;
    errno = 0;
    double v = strtod(value, &end);
    if (end == value || *end != '\0' || errno != 0 || !(v >= low && v <= high))
        return cli_usage_error("robust", "%s: '%s' is not a number in [%g, %g]", option, value, low,
                               high);
    *out = v;
    return 0;
}

/* Take the robust options (separate or attached with '=') out of argv. */
static int take_options(int argc, char **argv, int *rest_argc, char **rest) {
    static const char *const names[] = {"--lhs",          "--range",      "--fails",
                                        "--bootstrap",    "--peel-alpha", "--min-support",
                                        "--min-coverage", "--uncertainty"};
    int n = 0;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i], *value = NULL;
        if (strcmp(arg, "--") == 0) {
            while (i < argc) rest[n++] = argv[i++];
            break;
        }
        int which = -1;
        for (int k = 0; k < 8 && which < 0; k++) {
            size_t length = strlen(names[k]);
            if (strncmp(arg, names[k], length) == 0 && (arg[length] == '\0' || arg[length] == '='))
                which = k;
        }
        if (which < 0) {
            rest[n++] = argv[i];
            continue;
        }
        const char *equals = strchr(arg, '=');
        if (equals)
            value = equals + 1;
        else if (i + 1 < argc)
            value = argv[++i];
        else
            return cli_usage_error("robust", "%s needs a value", names[which]);
        double number = 0;
        int code = 0;
        switch (which) {
            case 0:
                code = parse_number("--lhs", value, 1, PLAN_MAX_DESIGN_POINTS, &number);
                if (code == 0 && number != floor(number))
                    code = cli_usage_error("robust", "--lhs: '%s' is not a count", value);
                robust.points = (int)number;
                break;
            case 1:
                if (robust.n_ranges == RUN_OPTIONS_MAX_LIST)
                    return cli_usage_error("robust", "more than %d --range options",
                                           RUN_OPTIONS_MAX_LIST);
                robust.ranges[robust.n_ranges++] = value;
                break;
            case 2:
                if (robust.n_rules == ROBUST_MAX_RULES)
                    return cli_usage_error("robust", "more than %d --fails rules",
                                           ROBUST_MAX_RULES);
                robust.rules[robust.n_rules++] = value;
                break;
            case 3:
                code = parse_number("--bootstrap", value, 0, ROBUST_MAX_BOOTSTRAP, &number);
                if (code == 0 && number != floor(number))
                    code = cli_usage_error("robust", "--bootstrap: '%s' is not a count", value);
                robust.bootstrap = (int)number;
                break;
            case 4:
                code = parse_number("--peel-alpha", value, 0.001, 0.49, &robust.prim.alpha);
                break;
            case 5:
                code = parse_number("--min-support", value, 0, 1, &robust.prim.min_support);
                break;
            case 6:
                code = parse_number("--min-coverage", value, 0, 1, &robust.prim.min_coverage);
                break;
            default:
                robust.uncertainty = value;
        }
        if (code != 0) return code;
    }
    *rest_argc = n;
    rest[n] = NULL;
    return 0;
}

int cmd_robust(int argc, char **argv) {
    /* the resume hint and the file's command_line show the whole command, robust options too */
    const struct run_command command = {.name = "robust",
                                        .series_by_default = 0,
                                        .build_plan = build_plan,
                                        .report = report,
                                        .hint_argc = argc,
                                        .hint_argv = argv};
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest) {
        fprintf(stderr, "c5sim robust: error: out of memory\n");
        return EXIT_RUNTIME;
    }
    memset(&robust, 0, sizeof robust);
    robust.bootstrap = ROBUST_DEFAULT_BOOTSTRAP;
    robust.prim = prim_default_options();
    int rest_argc = 0;
    int code = take_options(argc, argv, &rest_argc, rest);
    if (code == 0 && !(robust.command_line = run_options_command_line(argc, argv))) {
        fprintf(stderr, "c5sim robust: error: out of memory\n");
        code = EXIT_RUNTIME;
    }
    if (code == 0) code = run_command_main(&command, rest_argc, rest);
    free(robust.command_line);
    plan_design_free(&robust.design);
    free(robust.measure_ids);
    memset(&robust, 0, sizeof robust);
    free(rest);
    return code;
}
