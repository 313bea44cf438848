/* cmd_validate.c — `c5sim validate`: check scenario files, one summary line per valid file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "memory.h"
#include "scenario.h"

void cmd_validate_help(FILE *stream) {
    fprintf(stream,
            "usage: c5sim validate [--set PATH=VALUE]... [--max-memory SIZE] FILE...\n"
            "\n"
            "Load each scenario file, apply the overrides, check every value (types, ranges,\n"
            "required and unknown keys, references, reachability of every target from its\n"
            "origins, duplicates, size limits, each measure's overrides) and compile it.\n"
            "A valid file prints one line on standard output:\n"
            "  FILE: ok: 5 states, 28 regions (6 external), 40 routes, 8 threat types, "
            "2 partners, 5 measures\n"
            "An invalid file prints all its errors (up to 50) on standard error, each as\n"
            "  FILE:LINE:COLUMN: error: KEY.PATH: what is wrong (what was expected)\n"
            "A valid file may also print warnings on standard error (exit status 0): a threat\n"
            "type whose harm no sharing can change, because no state but its victim can hold\n"
            "intelligence on it in time (docs/model.md, section 5.14).\n"
            "A design file (a mapping with `uncertainty:`, for --uncertainty FILE) is checked\n"
            "against the scenario it names under `base:`: every factor's path and extremes\n"
            "(docs/scenario-format.md, \"Uncertainty\"); it prints\n"
            "  FILE: ok: design, 8 factors over BASE\n"
            "\n"
            "Options:\n"
            "  --set PATH=VALUE   override one value by its path before checking (repeatable),\n"
            "                     e.g. --set states.TJK.detect.military=0.3; VALUE is YAML\n"
            "                     (a number, a name, [A, B], or ~ to remove the key)\n"
            "  --max-memory SIZE  refuse scenarios whose replicate would need more than SIZE\n"
            "                     bytes (suffix K, M, G, T; 0 = no limit; default: half of\n"
            "                     physical memory)\n"
            "  -h, --help         show this help\n"
            "\n"
            "Examples:\n"
            "  c5sim validate scenarios/*.yaml\n"
            "  c5sim validate --set sharing.level=0.4 scenarios/c5-baseline.yaml\n"
            "\n"
            "Exit codes:\n"
            "  0  every file is valid\n"
            "  2  a file is invalid, or a usage error\n"
            "See docs/scenario-format.md for the format.\n");
}

/* Parse the options shared with describe. Files are collected into `files`. */
static int parse_options(int argc, char **argv, const char *command,
                         struct scenario_override *overrides, int *n_overrides, char **files,
                         int *n_files, size_t *max_memory) {
    struct scenario_errors errors = {0};
    int only_files = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = NULL;
        if (!only_files && strcmp(arg, "--") == 0) {
            only_files = 1;
        } else if (!only_files && (strcmp(arg, "--set") == 0 || strncmp(arg, "--set=", 6) == 0)) {
            value = arg[5] == '=' ? arg + 6 : (i + 1 < argc ? argv[++i] : NULL);
            if (!value) return cli_usage_error(command, "--set needs PATH=VALUE");
            if (scenario_override_parse(value, "--set", &overrides[*n_overrides], &errors) != 0) {
                scenario_errors_print(&errors, stderr);
                scenario_errors_clear(&errors);
                return EXIT_USAGE;
            }
            ++*n_overrides;
        } else if (!only_files && max_memory &&
                   (strcmp(arg, "--max-memory") == 0 || strncmp(arg, "--max-memory=", 13) == 0)) {
            value = arg[12] == '=' ? arg + 13 : (i + 1 < argc ? argv[++i] : NULL);
            if (!value || memory_parse_size(value, max_memory) != 0)
                return cli_usage_error(command, "--max-memory needs a size such as 16G or 0");
        } else if (!only_files && arg[0] == '-' && arg[1] != '\0') {
            return cli_usage_error(command, "unknown option '%s'", arg);
        } else {
            files[(*n_files)++] = argv[i];
        }
    }
    return EXIT_OK;
}

/* A design file (--uncertainty FILE): its factors checked against the scenario it names under
 * `base:`, with the --set overrides applied to that scenario, as a command would apply them.
 * Prints its summary line; returns 0, or -1 with errors. */
static int validate_design(const char *path, const char *base_path,
                           const struct scenario_override *overrides, int n_overrides,
                           struct scenario_errors *errors) {
    if (!base_path) {
        fprintf(stderr,
                "%s:1:1: error: base: missing required key (a design file names the scenario it "
                "was written for, to be validated against it, e.g. base: ../c5-baseline.yaml)\n",
                path);
        return -1;
    }
    struct scenario *base = scenario_load_file(base_path, errors);
    struct scenario *scenario = base;
    if (base && n_overrides > 0)
        scenario = scenario_with_overrides(base, overrides, n_overrides, errors);
    int count = 0;
    struct scenario_factor *factors =
        scenario ? scenario_uncertainty_load(scenario, path, &count, errors) : NULL;
    if (factors)
        printf("%s: ok: design, %d factor%s over %s\n", path, count, count == 1 ? "" : "s",
               base_path);
    scenario_factors_free(factors, count);
    if (scenario != base) scenario_free(scenario);
    scenario_free(base);
    return factors ? 0 : -1;
}

int cmd_validate(int argc, char **argv) {
    struct scenario_override *overrides = calloc((size_t)argc + 1, sizeof *overrides);
    char **files = calloc((size_t)argc + 1, sizeof *files);
    int n_overrides = 0, n_files = 0, status = EXIT_OK;
    size_t max_memory = memory_default_limit();
    if (!overrides || !files) {
        fprintf(stderr, "c5sim validate: error: out of memory\n");
        status = EXIT_RUNTIME;
        goto done;
    }
    status = parse_options(argc, argv, "validate", overrides, &n_overrides, files, &n_files,
                           &max_memory);
    if (status != EXIT_OK) goto done;
    if (n_files == 0) {
        status = cli_usage_error("validate", "no scenario file given");
        goto done;
    }
    for (int f = 0; f < n_files; f++) {
        struct scenario_errors errors = {0};
        char *design_base = NULL;
        int design = scenario_design_file(files[f], &design_base, &errors);
        if (design != 0) {
            if (validate_design(files[f], design_base, overrides, n_overrides, &errors) != 0) {
                scenario_errors_print(&errors, stderr);
                status = EXIT_USAGE;
            }
            free(design_base);
            scenario_errors_clear(&errors);
            continue;
        }
        struct scenario *base = scenario_load_file(files[f], &errors);
        struct scenario *variant = base;
        if (base && n_overrides > 0)
            variant = scenario_with_overrides(base, overrides, n_overrides, &errors);
        struct world *world = variant ? scenario_compile(variant, max_memory, &errors) : NULL;
        if (world) {
            scenario_summary(variant, stdout);
            scenario_warnings(variant, stderr);
        } else {
            scenario_errors_print(&errors, stderr);
            status = EXIT_USAGE;
        }
        world_free(world);
        if (variant != base) scenario_free(variant);
        scenario_free(base);
        scenario_errors_clear(&errors);
    }
done:
    for (int i = 0; i < n_overrides; i++) scenario_override_free(&overrides[i]);
    free(overrides);
    free(files);
    return status;
}

/* Shared with cmd_describe.c, which takes the same --set options. */
int cmd_scenario_options(int argc, char **argv, const char *command,
                         struct scenario_override *overrides, int *n_overrides, char **files,
                         int *n_files) {
    return parse_options(argc, argv, command, overrides, n_overrides, files, n_files, NULL);
}
