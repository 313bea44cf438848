/* cmd_sensitivity.c — `c5sim sensitivity`: global sensitivity of an outcome to the declared
 * uncertain factors: Sobol' indices on a Saltelli design or Morris screening, each design point a
 * plan variant run with the same replicate seeds (common random numbers), bootstrap intervals on
 * every index, /sensitivity in the output. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../run/sensitivity.h"
#include "cli.h"
#include "run_options.h"

enum { METHOD_SOBOL = 0, METHOD_MORRIS = 1 };
enum { PAIRED_NONE = 0, PAIRED_MEASURE = 1, PAIRED_EFFECT = 2 };
enum { DEFAULT_BASE_SAMPLES = 64, DEFAULT_TRAJECTORIES = 20, DEFAULT_LEVELS = 4 };
enum { DEFAULT_BOOTSTRAP = 1000, DEFAULT_POINT_REPLICATES = 10, MAX_EFFECT_OVERRIDES = 64 };
#define CONFIDENCE 0.95

void cmd_sensitivity_help(FILE *stream) {
    fprintf(
        stream,
        "usage: c5sim sensitivity SCENARIO [--method sobol|morris] [--outcome OUTCOME]\n"
        "                         [--base-samples N | --trajectories R --grid-levels P]\n"
        "                         [--range SPEC ... | --uncertainty FILE] [common options]\n\n"
        "Which uncertain parameters does an outcome hinge on? The factors are the --range\n"
        "declarations, else the uncertainty: block of --uncertainty FILE, else the scenario's\n"
        "own uncertainty: block (docs/scenario-format.md, \"Uncertainty\"). Every design point\n"
        "is a variant run with the same replicate seeds (common random numbers); the outcome at\n"
        "a point is its mean over the replicates.\n\n"
        "Sobol' (default): a Saltelli design of N base rows from GSL's quasi-random Sobol'\n"
        "sequence (2k dimensions, at most %d factors), N (k + 2) points, mapped through each\n"
        "factor's inverse CDF; first-order indices S_i (Saltelli et al. 2010) and total indices\n"
        "ST_i (Jansen). Morris: R trajectories of k + 1 points on a grid of P levels; mu* (mean\n"
        "absolute elementary effect, in units of the outcome per whole range of the factor's\n"
        "probability scale), mu and sigma. Every index has a %.0f%% percentile bootstrap\n"
        "interval over the base rows (Sobol') or trajectories (Morris), seeded from the run\n"
        "seed. Prints the indices and names the factors the outcome hinges on.\n\n"
        "Sensitivity options:\n"
        "      --method M         sobol (default) or morris\n"
        "      --outcome O        harm (regional, default), loss, STATE:harm or STATE:loss\n"
        "                         (e.g. KAZ:harm), measure:ID (regional harm the measure averts,\n"
        "                         paired against the same point without it) or\n"
        "                         effect:PATH=V[;PATH=V...] (harm those overrides avert, paired)\n"
        "      --base-samples N   Saltelli base rows (default %d): N (k + 2) points\n"
        "      --trajectories R   Morris trajectories (default %d)\n"
        "      --grid-levels P    Morris grid levels, even (default %d)\n"
        "      --range SPEC       a factor, as for sweep --lhs: PATH=A:B, PATH=A:B:int,\n"
        "                         PATH=loguniform:A:B, PATH=triangular:A:MODE:B,\n"
        "                         PATH=normal:MEAN:SD:A:B, PATH=choice:V1,V2,...[:W1,...];\n"
        "                         PATH*=... scales, PATH+=... shifts (repeatable)\n"
        "      --uncertainty FILE the factors of FILE's uncertainty: block\n"
        "      --bootstrap B      bootstrap resamples (default %d; 0: no intervals)\n"
        "      --keep-variants    keep every design point's /variants/k group in the file, so\n"
        "                         that an interrupted run can be resumed (--resume); without\n"
        "                         it the file holds /sensitivity, /world and the provenance\n"
        "                         only (thousands of variant groups take gigabytes)\n"
        "  -r, --replicates N     replicates per design point (default %d, not run.replicates)\n\n",
        SENSITIVITY_MAX_SOBOL_FACTORS, 100 * CONFIDENCE, DEFAULT_BASE_SAMPLES, DEFAULT_TRAJECTORIES,
        DEFAULT_LEVELS, DEFAULT_BOOTSTRAP, DEFAULT_POINT_REPLICATES);
    run_options_help(stream, 0);
    fprintf(stream,
            "\nExamples:\n"
            "  c5sim sensitivity scenarios/c5-baseline.yaml --base-samples 256 -o sobol.h5\n"
            "  c5sim sensitivity scenarios/c5-baseline.yaml --method morris --trajectories 40 \\\n"
            "      --outcome measure:tjk_capacity_building -o morris.h5\n"
            "  c5sim sensitivity S.yaml --range defaults.leak=0:0.2 \\\n"
            "      --range 'states.*.detect.all*=0.8:1.2' --outcome KAZ:harm\n");
}

/* The command's own options and what build_plan makes of them, for report. */
static struct {
    int method, base_samples, trajectories, levels, bootstrap, keep_variants, force;
    const char *outcome, *uncertainty, *output;
    const char *ranges[RUN_OPTIONS_MAX_LIST];
    int n_ranges;
    int metric, state, paired, measure;
    struct scenario_override effect[MAX_EFFECT_OVERRIDES];
    int n_effect;
    /* built */
    int k;
    long points;
    double *u;  /* [points][k] probabilities */
    int *order; /* Morris: the factor moved at each step */
    struct plan_design design;
    char **distributions; /* [k] "uniform(0, 0.2)", for the file */
    char *command_line;
} study;

static int parse_count(const char *option, const char *value, long low, long high, int *out) {
    char *end;
    errno = 0;
    long number = strtol(value, &end, 10);
    if (end == value || *end || errno || number < low || number > high)
        return cli_usage_error("sensitivity", "%s: '%s' is not a count in %ld..%ld", option, value,
                               low, high);
    *out = (int)number;
    return 0;
}

/* Take the command's own options out of argv (the rest goes to the common parser); -o and
 * --output are taken too unless --keep-variants (the command then writes its file itself). */
static int take_options(int argc, char **argv, int *rest_argc, char **rest) {
    static const char *const own[] = {"--method",       "--outcome",     "--base-samples",
                                      "--trajectories", "--grid-levels", "--range",
                                      "--uncertainty",  "--bootstrap",   "-o",
                                      "--output"};
    enum { N_OWN = sizeof own / sizeof own[0] };
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--keep-variants") == 0) study.keep_variants = 1;
    int n = 0;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i], *value = NULL;
        if (strcmp(arg, "--") == 0) {
            while (i < argc) rest[n++] = argv[i++];
            break;
        }
        if (strcmp(arg, "--keep-variants") == 0) continue;
        if (strcmp(arg, "--force") == 0) study.force = 1;
        int which = -1;
        for (int j = 0; j < N_OWN && which < 0; j++) {
            size_t length = strlen(own[j]);
            if (strcmp(arg, own[j]) == 0 ||
                (strncmp(arg, own[j], length) == 0 && arg[length] == '=' && own[j][1] == '-'))
                which = j;
        }
        if (which >= 8 && study.keep_variants) which = -1; /* -o goes to the common parser */
        if (which < 0) {
            rest[n++] = argv[i];
            continue;
        }
        const char *equals = strchr(arg, '=');
        if (equals && strncmp(arg, own[which], strlen(own[which])) == 0 &&
            arg[strlen(own[which])] == '=')
            value = equals + 1;
        else if (i + 1 < argc)
            value = argv[++i];
        else
            return cli_usage_error("sensitivity", "%s needs a value", own[which]);
        int code = 0;
        switch (which) {
            case 0:
                if (strcmp(value, "sobol") == 0)
                    study.method = METHOD_SOBOL;
                else if (strcmp(value, "morris") == 0)
                    study.method = METHOD_MORRIS;
                else
                    code = cli_usage_error("sensitivity", "--method: '%s' is not sobol or morris",
                                           value);
                break;
            case 1:
                study.outcome = value;
                break;
            case 2:
                code = parse_count("--base-samples", value, 2, SENSITIVITY_MAX_BASE_SAMPLES,
                                   &study.base_samples);
                break;
            case 3:
                code = parse_count("--trajectories", value, 2, SENSITIVITY_MAX_TRAJECTORIES,
                                   &study.trajectories);
                break;
            case 4:
                code =
                    parse_count("--grid-levels", value, 2, SENSITIVITY_MAX_LEVELS, &study.levels);
                if (code == 0 && study.levels % 2 != 0)
                    code = cli_usage_error("sensitivity",
                                           "--grid-levels: %d is odd (Morris needs an even "
                                           "number of levels, e.g. 4)",
                                           study.levels);
                break;
            case 5:
                if (study.n_ranges == RUN_OPTIONS_MAX_LIST)
                    code = cli_usage_error("sensitivity", "more than %d --range options",
                                           RUN_OPTIONS_MAX_LIST);
                else
                    study.ranges[study.n_ranges++] = value;
                break;
            case 6:
                study.uncertainty = value;
                break;
            case 7:
                code = parse_count("--bootstrap", value, 0, SENSITIVITY_MAX_BOOTSTRAP,
                                   &study.bootstrap);
                break;
            default:
                study.output = value;
                break;
        }
        if (code != 0) return code;
    }
    *rest_argc = n;
    rest[n] = NULL;
    return 0;
}

/* --outcome into metric, state and the paired comparison. */
static int parse_outcome(const struct run_session *session) {
    const char *text = study.outcome ? study.outcome : "harm";
    const struct world *world = session->base_world;
    study.metric = METRIC_HARM, study.state = -1, study.paired = PAIRED_NONE;
    if (strncmp(text, "measure:", 8) == 0) {
        const char *id = text + 8;
        for (int m = 0; m < scenario_measure_count(session->base); m++)
            if (strcmp(scenario_measure_id(session->base, m), id) == 0) study.measure = m;
        if (scenario_measure_count(session->base) == 0 ||
            strcmp(scenario_measure_id(session->base, study.measure), id) != 0)
            return cli_usage_error("sensitivity",
                                   "--outcome %s: the scenario has no measure '%s' (see c5sim "
                                   "describe)",
                                   text, id);
        study.paired = PAIRED_MEASURE;
        return 0;
    }
    if (strncmp(text, "effect:", 7) == 0) {
        char *copy = strdup(text + 7);
        if (!copy) return EXIT_RUNTIME;
        struct scenario_errors errors = {0};
        int code = 0;
        for (char *part = strtok(copy, ";"); part && code == 0; part = strtok(NULL, ";")) {
            if (study.n_effect == MAX_EFFECT_OVERRIDES)
                code = cli_usage_error("sensitivity", "--outcome effect: more than %d overrides",
                                       MAX_EFFECT_OVERRIDES);
            else if (scenario_override_parse(part, "effect", &study.effect[study.n_effect],
                                             &errors) != 0)
                code = cli_usage_error("sensitivity",
                                       "--outcome effect:%s: expected effect:PATH=VALUE[;PATH="
                                       "VALUE...]",
                                       part);
            else
                study.n_effect++;
        }
        free(copy);
        scenario_errors_clear(&errors);
        if (code == 0 && study.n_effect == 0)
            code = cli_usage_error("sensitivity", "--outcome effect: needs PATH=VALUE");
        study.paired = PAIRED_EFFECT;
        return code;
    }
    const char *colon = strchr(text, ':');
    const char *metric = colon ? colon + 1 : text;
    if (colon) {
        study.state = -2;
        for (int s = 0; s < world->n_states; s++)
            if (strlen(world->states[s].code) == (size_t)(colon - text) &&
                strncmp(world->states[s].code, text, (size_t)(colon - text)) == 0)
                study.state = s;
        if (study.state == -2)
            return cli_usage_error("sensitivity", "--outcome %s: no state '%.*s' in the scenario",
                                   text, (int)(colon - text), text);
    }
    if (strcmp(metric, "harm") == 0)
        study.metric = METRIC_HARM;
    else if (strcmp(metric, "loss") == 0)
        study.metric = METRIC_LOSS;
    else
        return cli_usage_error("sensitivity",
                               "--outcome '%s': expected harm, loss, STATE:harm, STATE:loss, "
                               "measure:ID or effect:PATH=VALUE",
                               text);
    return 0;
}

/* "uniform(0, 0.2)", "scale x choice(...)": a factor's distribution in words, for the file. */
static char *describe_range(const struct plan_range *r) {
    static const char *const names[] = {"uniform",    "integer", "loguniform",
                                        "triangular", "normal",  "choice"};
    char text[1024];
    size_t used = 0;
    if (r->kind == PLAN_CHOICE) {
        used = (size_t)snprintf(text, sizeof text, "choice(");
        for (int i = 0; i < r->n_choices && used < sizeof text; i++)
            used += (size_t)snprintf(text + used, sizeof text - used, "%s%s", i ? ", " : "",
                                     r->choices[i]);
        if (used < sizeof text) snprintf(text + used, sizeof text - used, ")");
    } else if (r->kind == PLAN_TRIANGULAR) {
        snprintf(text, sizeof text, "triangular(%g, %g, %g)", r->low, r->mode, r->high);
    } else if (r->kind == PLAN_NORMAL) {
        snprintf(text, sizeof text, "normal(%g, %g) on [%g, %g]", r->mean, r->sd, r->low, r->high);
    } else {
        snprintf(text, sizeof text, "%s(%g, %g)", names[r->kind], r->low, r->high);
    }
    return strdup(text);
}

static double rounded(double value) {
    char text[64];
    snprintf(text, sizeof text, "%.10g", value);
    return strtod(text, NULL);
}

/* The overrides of design point p (texts in `texts`). */
static void point_overrides(int p, struct scenario_override *overrides, char (*texts)[64]) {
    const struct plan_design *design = &study.design;
    int k = design->n_parameters;
    for (int j = 0; j < k; j++) {
        double value = design->values[(size_t)p * (size_t)k + (size_t)j];
        if (design->levels && design->levels[j]) {
            const char *s = design->levels[j];
            for (int i = (int)value; i > 0 && s; i--)
                if ((s = strchr(s, ','))) s++;
            snprintf(texts[j], 64, "%.*s", s ? (int)strcspn(s, ",") : 0, s ? s : "");
        } else {
            snprintf(texts[j], 64, "%.10g", value);
            if (strcmp(texts[j], "-0") == 0) strcpy(texts[j], "0");
        }
        overrides[j].path = design->names[j];
        overrides[j].value = texts[j];
        overrides[j].origin = (char *)"design";
    }
}

static int out_of_memory(void) {
    fprintf(stderr, "c5sim sensitivity: error: out of memory\n");
    return EXIT_RUNTIME;
}

static int build_plan(struct run_session *session) {
    const struct run_options *options = session->options;
    if (!study.keep_variants && options->resume)
        return cli_usage_error("sensitivity", "--resume needs --keep-variants (only a file with "
                                              "every design point's variant can be resumed)");
    if (!study.keep_variants && options->events)
        return cli_usage_error("sensitivity", "--events needs --keep-variants -o OUT.h5");
    if (study.output && !study.force) {
        struct stat info;
        if (stat(study.output, &info) == 0)
            return cli_usage_error("sensitivity",
                                   "%s exists (use --force to overwrite it, or another -o)",
                                   study.output);
    }
    int code = parse_outcome(session);
    if (code != 0) return code;
    if (study.method == METHOD_SOBOL && (study.trajectories || study.levels))
        return cli_usage_error("sensitivity",
                               "--trajectories and --grid-levels are Morris options: add "
                               "--method morris");
    if (study.method == METHOD_MORRIS && study.base_samples)
        return cli_usage_error("sensitivity", "--base-samples is a Sobol' option (Morris takes "
                                              "--trajectories and --grid-levels)");
    if (!study.base_samples) study.base_samples = DEFAULT_BASE_SAMPLES;
    if (!study.trajectories) study.trajectories = DEFAULT_TRAJECTORIES;
    if (!study.levels) study.levels = DEFAULT_LEVELS;
    if (options->replicates == 0) session->plan->replicates = DEFAULT_POINT_REPLICATES;

    struct plan_range *ranges = NULL;
    int k = 0;
    code = run_options_declared_ranges("sensitivity", session->base, study.uncertainty,
                                       study.ranges, study.n_ranges, &ranges, &k);
    if (code != 0) return code;
    /* Limits before any design memory is taken. */
    int max_factors = study.method == METHOD_SOBOL ? SENSITIVITY_MAX_SOBOL_FACTORS
                                                   : SENSITIVITY_MAX_MORRIS_FACTORS;
    long points = 0;
    if (k == 0)
        code = cli_usage_error("sensitivity",
                               "no factors: give --range PATH=A:B, --uncertainty FILE, or an "
                               "uncertainty: block in the scenario");
    else if (k > max_factors)
        code = cli_usage_error("sensitivity", "%d factors: %s takes at most %d", k,
                               study.method == METHOD_SOBOL ? "Sobol' (GSL's sequence has 40 "
                                                              "dimensions, 2 per factor)"
                                                            : "Morris",
                               max_factors);
    for (int j = 0; code == 0 && j < k; j++)
        for (int i = 0; i < j; i++)
            if (strcmp(ranges[i].path, ranges[j].path) == 0)
                code =
                    cli_usage_error("sensitivity", "factor %s is declared twice", ranges[j].path);
    if (code == 0) {
        points = study.method == METHOD_SOBOL ? sensitivity_sobol_points(study.base_samples, k)
                                              : sensitivity_morris_points(study.trajectories, k);
        long variants = points * (study.paired ? 2 : 1);
        if (variants > PLAN_MAX_VARIANTS)
            code = cli_usage_error(
                "sensitivity",
                "the design has %ld points (%ld variants with the paired runs), above %d: use "
                "fewer %s or factors",
                points, variants, PLAN_MAX_VARIANTS,
                study.method == METHOD_SOBOL ? "--base-samples" : "--trajectories");
    }
    if (code == 0) {
        study.k = k;
        study.points = points;
        study.u = malloc((size_t)points * (size_t)k * sizeof *study.u);
        study.order = malloc((size_t)study.trajectories * (size_t)k * sizeof *study.order);
        study.distributions = calloc((size_t)k, sizeof *study.distributions);
        study.design.names = calloc((size_t)k, sizeof *study.design.names);
        study.design.values = malloc((size_t)points * (size_t)k * sizeof *study.design.values);
        study.design.n_parameters = k;
        study.design.n_points = (int)points;
        if (!study.u || !study.order || !study.distributions || !study.design.names ||
            !study.design.values)
            code = out_of_memory();
    }
    for (int j = 0; code == 0 && j < k; j++) {
        if (!(study.design.names[j] = strdup(ranges[j].path)) ||
            !(study.distributions[j] = describe_range(&ranges[j])) ||
            (ranges[j].kind == PLAN_CHOICE &&
             plan_design_set_levels(&study.design, j, &ranges[j]) != 0))
            code = out_of_memory();
    }
    if (code == 0) {
        int status =
            study.method == METHOD_SOBOL
                ? sensitivity_saltelli_design(k, study.base_samples, study.u)
                : sensitivity_morris_design(k, study.trajectories, study.levels,
                                            session->base_world->seed, study.u, study.order);
        if (status != 0) code = out_of_memory();
    }
    for (long p = 0; code == 0 && p < points; p++)
        for (int j = 0; j < k; j++) {
            size_t at = (size_t)p * (size_t)k + (size_t)j;
            study.design.values[at] = rounded(sensitivity_value(&ranges[j], study.u[at]));
        }
    for (int j = 0; j < k; j++) plan_range_free(&ranges[j]);
    free(ranges);
    if (code != 0) return code;

    /* The variants: point p alone (variant p, or 2p when paired) and, paired, point p with the
     * measure or the effect's overrides (2p + 1). */
    const struct scenario_override *extra = study.effect;
    int n_extra = study.n_effect;
    if (study.paired == PAIRED_MEASURE)
        n_extra = scenario_measure_overrides(session->base, study.measure, &extra);
    struct scenario_override *overrides = calloc((size_t)(k + n_extra), sizeof *overrides);
    char(*texts)[64] = calloc((size_t)k, sizeof *texts);
    if (!overrides || !texts) code = out_of_memory();
    for (long p = 0; code == 0 && p < points; p++) {
        char label[64];
        point_overrides((int)p, overrides, texts);
        snprintf(label, sizeof label, "point %ld", p);
        if (plan_add_variant(session->plan, label, overrides, k) < 0) code = out_of_memory();
        if (code != 0 || !study.paired) continue;
        for (int i = 0; i < n_extra; i++) overrides[k + i] = extra[i];
        snprintf(label, sizeof label, "point %ld + %s", p,
                 study.paired == PAIRED_MEASURE ? scenario_measure_id(session->base, study.measure)
                                                : "effect");
        int v = plan_add_variant(session->plan, label, overrides, k + n_extra);
        if (v < 0) code = out_of_memory();
        if (v >= 0 && study.paired == PAIRED_MEASURE)
            session->plan->variants[v].measure = study.measure;
    }
    free(overrides);
    free(texts);
    return code;
}

/* ---- the indices, printed and written ------------------------------------------------------- */

struct indices {
    struct sensitivity_sobol sobol;
    struct sensitivity_morris morris;
    double *f;          /* [points] outcome */
    double *replicates; /* [points][replicates] */
};

static int compute(const struct run_session *session, struct indices *ix) {
    int r = session->plan->replicates;
    long points = study.points;
    ix->f = malloc((size_t)points * sizeof *ix->f);
    ix->replicates = malloc((size_t)points * (size_t)r * sizeof *ix->replicates);
    double *with = malloc((size_t)r * sizeof *with);
    if (!ix->f || !ix->replicates || !with) {
        free(with);
        return out_of_memory();
    }
    for (long p = 0; p < points; p++) {
        double *row = ix->replicates + (size_t)p * (size_t)r;
        int v = (int)(study.paired ? 2 * p : p);
        runner_results_sample(&session->results, v, study.metric, study.state, row);
        if (study.paired) {
            runner_results_sample(&session->results, v + 1, study.metric, study.state, with);
            for (int i = 0; i < r; i++) row[i] -= with[i]; /* harm averted */
        }
        double sum = 0;
        for (int i = 0; i < r; i++) sum += row[i];
        ix->f[p] = sum / r;
    }
    free(with);
    unsigned long long seed = session->base_world->seed;
    int status =
        study.method == METHOD_SOBOL
            ? sensitivity_sobol_alloc(&ix->sobol, ix->f, study.k, study.base_samples,
                                      study.bootstrap, CONFIDENCE, seed)
            : sensitivity_morris_alloc(&ix->morris, study.u, study.order, ix->f, study.k,
                                       study.trajectories, study.bootstrap, CONFIDENCE, seed);
    if (status != 0) {
        fprintf(stderr,
                "c5sim sensitivity: error: the outcome %s does not vary over the design (its "
                "variance is 0), so no index is defined: widen the factors' ranges or choose "
                "another --outcome\n",
                study.outcome ? study.outcome : "harm");
        return EXIT_RUNTIME;
    }
    return 0;
}

static const char *outcome_words(void) {
    static char words[256];
    const char *text = study.outcome ? study.outcome : "harm";
    if (study.paired == PAIRED_MEASURE)
        snprintf(words, sizeof words, "regional harm averted by measure %s", text + 8);
    else if (study.paired == PAIRED_EFFECT)
        snprintf(words, sizeof words, "regional harm averted by %s", text + 7);
    else if (study.state >= 0)
        snprintf(words, sizeof words, "%s", text);
    else
        snprintf(words, sizeof words, "regional %s", text);
    return words;
}

static void print_indices(const struct run_session *session, const struct indices *ix) {
    const struct world *world = session->base_world;
    int k = study.k;
    printf("%s\n", world->name);
    printf("%s sensitivity of %s: %d factors, %ld design points x %d replicates%s\n",
           study.method == METHOD_SOBOL ? "Sobol'" : "Morris", outcome_words(), k, study.points,
           session->plan->replicates, study.paired ? " (each paired with its comparison run)" : "");
    printf("intervals: %.0f%% bootstrap over %s (%d resamples, seed %llu); they include the "
           "parameter uncertainty of the factors' ranges\n\n",
           100 * CONFIDENCE, study.method == METHOD_SOBOL ? "base rows" : "trajectories",
           study.bootstrap, (unsigned long long)world->seed);
    /* factors by decreasing total index (or mu*) */
    int order[SENSITIVITY_MAX_MORRIS_FACTORS];
    for (int j = 0; j < k; j++) order[j] = j;
    for (int a = 1; a < k; a++)
        for (int b = a; b > 0; b--) {
            const struct sensitivity_index *x =
                study.method == METHOD_SOBOL ? ix->sobol.total : ix->morris.mu_star;
            if (x[order[b]].value <= x[order[b - 1]].value) break;
            int t = order[b];
            order[b] = order[b - 1];
            order[b - 1] = t;
        }
    if (study.method == METHOD_SOBOL) {
        printf("mean %.4g, variance %.4g over the design\n", ix->sobol.mean, ix->sobol.variance);
        printf("%-44s %-26s %-26s\n", "factor", "first order S1", "total ST");
        for (int a = 0; a < k; a++) {
            int j = order[a];
            const struct sensitivity_index *s = &ix->sobol.first[j], *t = &ix->sobol.total[j];
            char one[64], all[64];
            snprintf(one, sizeof one, "%.3f [%.3f, %.3f]", s->value, s->low, s->high);
            snprintf(all, sizeof all, "%.3f [%.3f, %.3f]", t->value, t->low, t->high);
            printf("%-44s %-26s %-26s\n", study.design.names[j], one, all);
        }
    } else {
        printf("elementary effects in units of the outcome per whole range of a factor (delta "
               "%.3g)\n",
               ix->morris.delta);
        printf("%-44s %-28s %-28s\n", "factor", "mu*", "sigma");
        for (int a = 0; a < k; a++) {
            int j = order[a];
            const struct sensitivity_index *m = &ix->morris.mu_star[j], *s = &ix->morris.sigma[j];
            char one[64], two[64];
            snprintf(one, sizeof one, "%.4g [%.4g, %.4g]", m->value, m->low, m->high);
            snprintf(two, sizeof two, "%.4g [%.4g, %.4g]", s->value, s->low, s->high);
            printf("%-44s %-28s %-28s\n", study.design.names[j], one, two);
        }
    }
    /* The sentence: the factors whose index is clearly above zero, largest first. */
    printf("\n");
    int named = 0;
    for (int a = 0; a < k; a++) {
        int j = order[a];
        const struct sensitivity_index *x =
            study.method == METHOD_SOBOL ? &ix->sobol.total[j] : &ix->morris.mu_star[j];
        double share = study.method == METHOD_SOBOL ? x->value : 0;
        if (x->low <= 0 || (study.method == METHOD_SOBOL && share < 0.05)) continue;
        printf("%s %s", named ? "," : "The outcome hinges most on", study.design.names[j]);
        named++;
        if (named == 3) break;
    }
    if (named)
        printf(" (%s, interval above zero).\n",
               study.method == METHOD_SOBOL ? "total index at least 0.05" : "mu*");
    else
        printf("No factor's index is clearly above zero: more base samples or replicates may "
               "resolve them.\n");
}

static int write_sensitivity(struct h5out *out, const struct run_session *session,
                             const struct indices *ix) {
    int k = study.k, r = session->plan->replicates;
    size_t points = (size_t)study.points;
    const char *const statistics[] = {"estimate", "low", "high", "se"};
    int status =
        h5out_write_strings(out, "/sensitivity/factor", k, (const char *const *)study.design.names,
                            "factor paths as the overrides write them (a trailing * "
                            "scales, + shifts the file's value)");
    if (status == 0)
        status = h5out_write_strings(out, "/sensitivity/distribution", k,
                                     (const char *const *)study.distributions,
                                     "each factor's distribution");
    if (status == 0)
        status = h5out_write_strings(out, "/sensitivity/statistic", 4, statistics,
                                     "rows of the index tables: estimate, bootstrap interval, "
                                     "bootstrap standard error");
    size_t shape[2] = {points, (size_t)k};
    if (status == 0)
        status = h5out_write_doubles(out, "/sensitivity/design", 2, shape, study.design.values, "-",
                                     "the value of each factor (column) at each design point "
                                     "(row); a choice factor's value is its position in the "
                                     "attribute levels_<column>",
                                     "point,factor");
    if (status == 0)
        status = h5out_write_doubles(out, "/sensitivity/unit_design", 2, shape, study.u, "-",
                                     "the design in probabilities: each value is the factor's "
                                     "inverse CDF at this one",
                                     "point,factor");
    for (int j = 0; status == 0 && study.design.levels && j < k; j++) {
        if (!study.design.levels[j]) continue;
        char name[32];
        snprintf(name, sizeof name, "levels_%d", j);
        status = h5out_set_attr_string(out, "/sensitivity/design", name, study.design.levels[j]);
    }
    size_t one[1] = {points};
    if (status == 0)
        status = h5out_write_doubles(out, "/sensitivity/outcome", 1, one, ix->f, "harm units",
                                     "the outcome at each design point: its mean over the "
                                     "replicates",
                                     "point");
    size_t reps[2] = {points, (size_t)r};
    if (status == 0)
        status = h5out_write_doubles(out, "/sensitivity/outcome_replicates", 2, reps,
                                     ix->replicates, "harm units",
                                     "the outcome at each design point and replicate (the same "
                                     "replicate seeds at every point)",
                                     "point,replicate");
    double *table = malloc(4 * (size_t)k * sizeof *table);
    if (!table) return -1;
    size_t table_shape[2] = {4, (size_t)k};
    const struct sensitivity_index *lists[3];
    const char *names[3], *descriptions[3];
    int n_lists = 0;
    if (study.method == METHOD_SOBOL) {
        lists[0] = ix->sobol.first, names[0] = "/sensitivity/first_order";
        descriptions[0] = "Sobol' first-order index S_i (Saltelli et al. 2010): estimate, "
                          "bootstrap interval, se";
        lists[1] = ix->sobol.total, names[1] = "/sensitivity/total";
        descriptions[1] = "Sobol' total index ST_i (Jansen): estimate, bootstrap interval, se";
        n_lists = 2;
    } else {
        lists[0] = ix->morris.mu_star, names[0] = "/sensitivity/mu_star";
        descriptions[0] = "Morris mu*: mean absolute elementary effect (outcome units per whole "
                          "probability range of the factor)";
        lists[1] = ix->morris.mu, names[1] = "/sensitivity/mu";
        descriptions[1] = "Morris mu: mean elementary effect";
        lists[2] = ix->morris.sigma, names[2] = "/sensitivity/sigma";
        descriptions[2] = "Morris sigma: standard deviation of the elementary effects";
        n_lists = 3;
    }
    for (int l = 0; status == 0 && l < n_lists; l++) {
        for (int j = 0; j < k; j++) {
            table[j] = lists[l][j].value;
            table[k + j] = lists[l][j].low;
            table[2 * k + j] = lists[l][j].high;
            table[3 * k + j] = lists[l][j].se;
        }
        status = h5out_write_doubles(out, names[l], 2, table_shape, table,
                                     study.method == METHOD_SOBOL ? "-" : "harm units",
                                     descriptions[l], "statistic,factor");
    }
    free(table);
    if (status == 0 && study.method == METHOD_MORRIS) {
        size_t ee[2] = {(size_t)study.trajectories, (size_t)k};
        status = h5out_write_doubles(
            out, "/sensitivity/elementary_effects", 2, ee, ix->morris.effects, "harm units",
            "each trajectory's elementary effect of each factor", "trajectory,factor");
    }
    const char *g = "/sensitivity";
    if (status == 0)
        status = h5out_set_attr_string(out, g, "method",
                                       study.method == METHOD_SOBOL ? "sobol" : "morris");
    if (status == 0)
        status = h5out_set_attr_string(out, g, "outcome", study.outcome ? study.outcome : "harm");
    if (status == 0) status = h5out_set_attr_string(out, g, "outcome_words", outcome_words());
    if (status == 0)
        status = h5out_set_attr_int(
            out, g, study.method == METHOD_SOBOL ? "base_samples" : "trajectories",
            study.method == METHOD_SOBOL ? study.base_samples : study.trajectories);
    if (status == 0 && study.method == METHOD_MORRIS)
        status = h5out_set_attr_int(out, g, "grid_levels", study.levels);
    if (status == 0 && study.method == METHOD_MORRIS)
        status = h5out_set_attr_double(out, g, "delta", ix->morris.delta);
    if (status == 0) status = h5out_set_attr_int(out, g, "points", (long long)study.points);
    if (status == 0) status = h5out_set_attr_int(out, g, "paired", study.paired != 0);
    if (status == 0) status = h5out_set_attr_int(out, g, "bootstrap", study.bootstrap);
    if (status == 0) status = h5out_set_attr_double(out, g, "confidence", CONFIDENCE);
    if (status == 0)
        status = h5out_set_attr_int(out, g, "bootstrap_seed", (long long)session->base_world->seed);
    if (status == 0) status = h5out_set_attr_int(out, g, "variants_kept", study.keep_variants);
    if (status == 0 && study.method == METHOD_SOBOL)
        status = h5out_set_attr_double(out, g, "mean", ix->sobol.mean);
    if (status == 0 && study.method == METHOD_SOBOL)
        status = h5out_set_attr_double(out, g, "variance", ix->sobol.variance);
    if (status == 0 && study.command_line)
        status = h5out_set_attr_string(out, "/", "command_line", study.command_line);
    return status;
}

/* Without --keep-variants: a file of its own, /sensitivity with /world and the provenance. */
static int write_lean_file(const struct run_session *session, const struct indices *ix) {
    size_t length = 0;
    const char *source = scenario_source(session->base, &length);
    struct h5out_provenance provenance = {
        .command = "sensitivity",
        .command_line = study.command_line,
        .scenario_filename = scenario_filename(session->base),
        .scenario_source = source,
        .scenario_length = length,
        .seed = session->base_world->seed,
        .replicates = session->plan->replicates,
        .ticks = session->base_world->ticks,
    };
    char err[1024] = "";
    struct h5out *out = h5out_create(study.output, study.force, &provenance, err, sizeof err);
    if (!out) {
        fprintf(stderr, "c5sim sensitivity: error: %s\n", err);
        return EXIT_RUNTIME;
    }
    if (h5out_write_world(out, session->base_world) != 0 ||
        write_sensitivity(out, session, ix) != 0) {
        fprintf(stderr, "c5sim sensitivity: error: %s\n", h5out_error(out));
        h5out_abort(out);
        return EXIT_RUNTIME;
    }
    if (h5out_finish(out, err, sizeof err) != 0) {
        fprintf(stderr, "c5sim sensitivity: error: %s\n", err);
        return EXIT_RUNTIME;
    }
    printf("\nWrote %s (%ld work items in %.1f s).\n", study.output, session->results.items_total,
           session->results.seconds);
    return 0;
}

static int report(struct run_session *session) {
    struct indices ix = {0};
    int code = compute(session, &ix);
    if (code == 0) print_indices(session, &ix);
    if (code == 0 && session->out && write_sensitivity(session->out, session, &ix) != 0) {
        fprintf(stderr, "c5sim sensitivity: error: %s\n", h5out_error(session->out));
        code = EXIT_RUNTIME;
    }
    if (code == 0 && !study.keep_variants && study.output) code = write_lean_file(session, &ix);
    sensitivity_sobol_free(&ix.sobol);
    sensitivity_morris_free(&ix.morris);
    free(ix.f);
    free(ix.replicates);
    return code;
}

int cmd_sensitivity(int argc, char **argv) {
    static struct run_command command = {.name = "sensitivity",
                                         .accepts_sweep_options = 0,
                                         .series_by_default = 0,
                                         .build_plan = build_plan,
                                         .report = report,
                                         .few_replicates_ok = 1};
    memset(&study, 0, sizeof study);
    study.bootstrap = DEFAULT_BOOTSTRAP;
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest) return out_of_memory();
    int rest_argc = 0;
    int code = take_options(argc, argv, &rest_argc, rest);
    if (code == 0) {
        study.command_line = run_options_command_line(argc, argv);
        command.hint_argc = argc, command.hint_argv = argv;
        code = run_command_main(&command, rest_argc, rest);
    }
    free(study.u);
    free(study.order);
    for (int j = 0; study.distributions && j < study.k; j++) free(study.distributions[j]);
    free(study.distributions);
    plan_design_free(&study.design);
    for (int i = 0; i < study.n_effect; i++) scenario_override_free(&study.effect[i]);
    free(study.command_line);
    free(rest);
    return code;
}
