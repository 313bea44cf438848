/* cmd_portfolio.c — `c5sim portfolio`: packages of measures under budgets, their frontier and
 * interactions (engine/run/portfolio*.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../run/portfolio_study.h"
#include "cli.h"
#include "run_options.h"

void cmd_portfolio_help(FILE *stream) {
    fprintf(
        stream,
        "usage: c5sim portfolio SCENARIO [--measures A,B,...] [--budget B1,B2,...] [common "
        "options]\n\n"
        "Run every package (combination) of the chosen measures (default: all the scenario\n"
        "declares), all on the same random numbers, a package's overrides being those of its\n"
        "measures in scenario order (two that set one path absolutely are refused, naming\n"
        "both). Up to %d measures every one of the 2^M packages is run; beyond, the baseline,\n"
        "each measure and every pair are run and the best package per budget is searched on\n"
        "their pairwise estimate (greedy with re-evaluation, then local search; docs/model.md\n"
        "section 14). Prints the Pareto frontier of cost against harm averted, the best package\n"
        "per budget and whether it is distinguishable from the runner-up (paired interval of\n"
        "their difference), the interactions (a package's effect minus the sum of its\n"
        "measures' effects), and the per-state net gain of each best package under each\n"
        "cost-sharing rule. Variant i in the file is package i; /portfolio holds the tables.\n\n"
        "  --measures A,B,...   measure ids to combine (at most %d)\n"
        "  --budget B1,B2,...   budgets in harm units (default: the cost of all measures)\n\n",
        PORTFOLIO_MAX_EXHAUSTIVE, PORTFOLIO_MAX_MEASURES);
    run_options_help(stream, 0);
    fprintf(stream,
            "\nExamples:\n"
            "  c5sim portfolio scenarios/c5-baseline.yaml -r 100 --budget 50,100,150 -o p.h5\n"
            "  c5sim portfolio scenarios/c5-baseline.yaml --measures fusion_centre,"
            "mutual_assistance\n");
}

/* The command's own options, taken out of argv before the common ones are parsed. */
static struct {
    const char *measures;
    double budgets[PORTFOLIO_MAX_BUDGETS];
    int n_budgets;
    int chosen[PORTFOLIO_MAX_MEASURES];
    int n_chosen;
    int argc; /* the whole command line, these options included, for the file's provenance */
    char **argv;
} portfolio_options;

static int parse_budgets(const char *text) {
    const char *s = text;
    for (;;) {
        char *end;
        errno = 0;
        double value = strtod(s, &end);
        if (end == s || errno || !isfinite(value) || value < 0 || (*end && *end != ','))
            return cli_usage_error("portfolio",
                                   "--budget '%s': expected budgets >= 0 separated by commas, "
                                   "e.g. --budget 50,100",
                                   text);
        if (portfolio_options.n_budgets == PORTFOLIO_MAX_BUDGETS)
            return cli_usage_error("portfolio", "--budget: more than %d budgets",
                                   PORTFOLIO_MAX_BUDGETS);
        portfolio_options.budgets[portfolio_options.n_budgets++] = value;
        if (!*end) return 0;
        s = end + 1;
    }
}

static int build_plan(struct run_session *session) {
    const struct scenario *base = session->base;
    int count = scenario_measure_count(base), n = 0;
    int *chosen = portfolio_options.chosen;
    if (portfolio_options.measures) {
        unsigned char *taken = calloc((size_t)(count > 0 ? count : 1), 1);
        if (!taken) return EXIT_RUNTIME;
        const char *s = portfolio_options.measures;
        for (;;) {
            size_t length = strcspn(s, ",");
            int found = -1;
            for (int m = 0; m < count; m++) {
                const char *id = scenario_measure_id(base, m);
                if (strlen(id) == length && strncmp(id, s, length) == 0) found = m;
            }
            if (found < 0 || taken[found] || n == PORTFOLIO_MAX_MEASURES) {
                free(taken);
                if (n == PORTFOLIO_MAX_MEASURES)
                    return cli_usage_error("portfolio", "--measures: more than %d measures",
                                           PORTFOLIO_MAX_MEASURES);
                return cli_usage_error("portfolio",
                                       found < 0 ? "--measures: the scenario declares no measure "
                                                   "'%.*s' (see c5sim describe)"
                                                 : "--measures: '%.*s' is named twice",
                                       (int)length, s);
            }
            taken[found] = 1;
            if (!s[length]) break;
            s += length + 1;
        }
        for (int m = 0; m < count; m++) /* scenario order: the documented order of overrides */
            if (taken[m]) chosen[n++] = m;
        free(taken);
    } else {
        if (count > PORTFOLIO_MAX_MEASURES)
            return cli_usage_error("portfolio",
                                   "the scenario declares %d measures (at most %d: choose them "
                                   "with --measures)",
                                   count, PORTFOLIO_MAX_MEASURES);
        for (int m = 0; m < count; m++) chosen[n++] = m;
    }
    if (n == 0)
        return cli_usage_error("portfolio", "the scenario declares no measures (expected a "
                                            "`measures:` block, docs/scenario-format.md)");
    portfolio_options.n_chosen = n;
    long packages = portfolio_package_masks(n, NULL);
    uint64_t *masks = malloc((size_t)packages * sizeof *masks);
    struct scenario_override *list = NULL;
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        const struct scenario_override *o;
        total += (size_t)scenario_measure_overrides(base, chosen[i], &o);
    }
    list = malloc((total > 0 ? total : 1) * sizeof *list);
    if (!masks || !list) {
        free(masks), free(list);
        fprintf(stderr, "c5sim portfolio: error: out of memory\n");
        return EXIT_RUNTIME;
    }
    portfolio_package_masks(n, masks);
    struct portfolio_study names = {.n_measures = n, .measures = chosen};
    char label[4096];
    int code = 0;
    for (long p = 0; p < packages && code == 0; p++) {
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (!(masks[p] >> i & 1)) continue;
            const struct scenario_override *o;
            int c = scenario_measure_overrides(base, chosen[i], &o);
            for (int j = 0; j < c; j++) list[k++] = o[j];
        }
        portfolio_study_label(&names, session->base_world, masks[p], label, sizeof label);
        int v = plan_add_variant(session->plan, label, list, k);
        if (v < 0) {
            fprintf(stderr, "c5sim portfolio: error: out of memory\n");
            code = EXIT_RUNTIME;
        } else {
            session->plan->variants[v].package = masks[p] != 0;
        }
    }
    free(masks), free(list);
    return code;
}

static int report(struct run_session *session) {
    const struct world *world = session->base_world;
    struct portfolio_study study;
    char err[512] = "";
    if (portfolio_study_compute(&study, world, portfolio_options.chosen, portfolio_options.n_chosen,
                                portfolio_options.budgets, portfolio_options.n_budgets,
                                &session->results, err, sizeof err) != 0) {
        fprintf(stderr, "c5sim portfolio: error: %s\n", err);
        return EXIT_RUNTIME;
    }
    int code = 0;
    /* the common options' parser saw argv without --measures and --budget: record them all */
    char *command_line = run_options_command_line(portfolio_options.argc, portfolio_options.argv);
    if (session->out && (portfolio_study_write(session->out, &study, world, err, sizeof err) != 0 ||
                         (command_line && h5out_set_attr_string(session->out, "/", "command_line",
                                                                command_line) != 0))) {
        fprintf(stderr, "c5sim portfolio: error: %s\n", err[0] ? err : h5out_error(session->out));
        code = EXIT_RUNTIME;
    }
    free(command_line);
    if (code == 0) {
        printf("%s: ", world->name);
        portfolio_study_print(stdout, &study, world);
    }
    portfolio_study_free(&study);
    return code;
}

int cmd_portfolio(int argc, char **argv) {
    static const struct run_command command = {
        .name = "portfolio", .series_by_default = 0, .build_plan = build_plan, .report = report};
    memset(&portfolio_options, 0, sizeof portfolio_options);
    portfolio_options.argc = argc;
    portfolio_options.argv = argv;
    char **rest = malloc((size_t)(argc + 1) * sizeof *rest);
    if (!rest) return EXIT_RUNTIME;
    int n = 0;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        int is_measures = strncmp(arg, "--measures", 10) == 0 && (!arg[10] || arg[10] == '=');
        int is_budget = strncmp(arg, "--budget", 8) == 0 && (!arg[8] || arg[8] == '=');
        if (i == 0 || strcmp(arg, "--") == 0 || (!is_measures && !is_budget)) {
            rest[n++] = argv[i];
            continue;
        }
        const char *value = strchr(arg, '=');
        if (value)
            value++;
        else if (i + 1 < argc)
            value = argv[++i];
        else {
            free(rest);
            return cli_usage_error("portfolio", "%s needs a list", arg);
        }
        int code = 0;
        if (is_measures)
            portfolio_options.measures = value;
        else
            code = parse_budgets(value);
        if (code != 0) {
            free(rest);
            return code;
        }
    }
    rest[n] = NULL;
    int code = run_command_main(&command, n, rest);
    free(rest);
    return code;
}
