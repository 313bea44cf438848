/* main.c — c5sim entry point: dispatches to one command from a single table. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "c5sim_config.h"
#include "cli.h"
#include "omp_wait.h"
#include "../util/names.h"

static int cmd_help(int argc, char **argv);
static void cmd_help_help(FILE *stream);

const struct cli_command cli_commands[] = {
    {"validate", "check scenario files and print a one-line summary of each", cmd_validate,
     cmd_validate_help},
    {"describe", "print a readable table of a scenario's world and threat catalog", cmd_describe,
     cmd_describe_help},
    {"run", "run replicates of one scenario (one variant)", cmd_run, cmd_run_help},
    {"sweep", "run a grid of variants over parameter paths, paired against a reference", cmd_sweep,
     cmd_sweep_help},
    {"measures", "run the baseline and each preventive measure; rank risks and measures",
     cmd_measures, cmd_measures_help},
    {"robust", "rank measures across an uncertainty design; PRIM scenario discovery", cmd_robust,
     cmd_robust_help},
    {"coalitions", "run every coalition of states; Shapley values and gains from leaving",
     cmd_coalitions, cmd_coalitions_help},
    {"sensitivity", "Sobol' or Morris sensitivity of an outcome to the declared uncertainty",
     cmd_sensitivity, cmd_sensitivity_help},
    {"portfolio", "run every package of measures; best package per budget, frontier, interactions",
     cmd_portfolio, cmd_portfolio_help},
    {"equilibrium", "the sharing game: equilibria, optimum, price of anarchy, transfers",
     cmd_equilibrium, cmd_equilibrium_help},
    {"report", "write figures and a report from an output file (Python analysis tools)", cmd_report,
     cmd_report_help},
    {"study", "run a shipped experiment: its runs, figures and verdict (analysis/c5study)",
     cmd_study, cmd_study_help},
    {"help", "show help for a command", cmd_help, cmd_help_help},
};
const int cli_command_count = (int)(sizeof cli_commands / sizeof cli_commands[0]);

static void print_version(FILE *stream) {
    fprintf(stream, "c5sim %s (MPI: %s)\n", C5SIM_VERSION, C5SIM_HAVE_MPI ? "yes" : "no");
    fprintf(stream, "OpenMP waiting: %s\n", omp_wait_describe());
}

static void print_usage(FILE *stream) {
    fprintf(stream, "usage: c5sim COMMAND [OPTIONS] [ARGS]\n"
                    "       c5sim --help | --version | help COMMAND\n\n"
                    "Threat-simulation engine for regional security research: states share or\n"
                    "withhold defence information; scenario files set up the world and its\n"
                    "threats; results go to HDF5 for analysis.\n\n"
                    "Commands:\n");
    for (int i = 0; i < cli_command_count; i++)
        fprintf(stream, "  %-11s %s\n", cli_commands[i].name, cli_commands[i].summary);
    fprintf(stream,
            "\nExit codes:\n"
            "  0    success\n"
            "  1    runtime failure (I/O, memory, a failed run)\n"
            "  2    usage or scenario error\n"
            "  130  interrupted (completed work saved to OUT.h5.partial)\n\n"
            "Run 'c5sim help COMMAND' or 'c5sim COMMAND --help' for a command's options.\n"
            "Documentation: docs/cli.md, docs/scenario-format.md, docs/output-format.md.\n");
}

static const struct cli_command *find_command(const char *name) {
    for (int i = 0; i < cli_command_count; i++)
        if (strcmp(cli_commands[i].name, name) == 0) return &cli_commands[i];
    return NULL;
}

/* Closest command name, for "did you mean". */
static const char *closest_command(const char *name) {
    const char *names[sizeof cli_commands / sizeof cli_commands[0]];
    for (int i = 0; i < cli_command_count; i++) names[i] = cli_commands[i].name;
    return closest_name(name, names, cli_command_count);
}

int cli_usage_error(const char *command, const char *fmt, ...) {
    va_list args;
    fprintf(stderr, "c5sim%s%s: error: ", command ? " " : "", command ? command : "");
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fprintf(stderr, "\nTry 'c5sim %s%s--help'.\n", command ? command : "", command ? " " : "");
    return EXIT_USAGE;
}

int cli_wants_help(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) return 1;
    }
    return 0;
}

static void cmd_help_help(FILE *stream) {
    fprintf(stream, "usage: c5sim help [COMMAND]\n\nShow the list of commands, or one command's "
                    "full help.\n");
}

static int cmd_help(int argc, char **argv) {
    if (argc < 2) {
        print_usage(stdout);
        return EXIT_OK;
    }
    const struct cli_command *command = find_command(argv[1]);
    if (!command) {
        const char *guess = closest_command(argv[1]);
        return cli_usage_error("help", "unknown command '%s'%s%s%s", argv[1],
                               guess ? " (did you mean '" : "", guess ? guess : "",
                               guess ? "'?)" : "");
    }
    command->help(stdout);
    return EXIT_OK;
}

const char *cli_program = "c5sim";

int main(int argc, char **argv) {
    omp_wait_default(argv); /* threads sleep while they wait, unless OMP_WAIT_POLICY says */
    if (argc > 0 && argv[0] && argv[0][0]) cli_program = argv[0];
    if (argc < 2) {
        print_usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        print_usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        print_version(stdout);
        return EXIT_OK;
    }
    if (name[0] == '-') {
        static const char *const options[] = {"--help", "--version"};
        const char *guess = closest_name(name, options, 2);
        if (guess)
            return cli_usage_error(NULL, "unknown option '%s' (did you mean '%s'?)", name, guess);
        return cli_usage_error(NULL, "unknown option '%s'", name);
    }
    const struct cli_command *command = find_command(name);
    if (!command) {
        const char *guess = closest_command(name);
        if (guess)
            return cli_usage_error(NULL, "unknown command '%s' (did you mean '%s'?)", name, guess);
        return cli_usage_error(NULL, "unknown command '%s'", name);
    }
    if (cli_wants_help(argc - 1, argv + 1)) {
        command->help(stdout);
        return EXIT_OK;
    }
    return command->main(argc - 1, argv + 1);
}
