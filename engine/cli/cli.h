/* cli.h — the c5sim command table, exit codes and helpers shared by the command files. */
#ifndef C5SIM_CLI_H
#define C5SIM_CLI_H

#include <stdio.h>

/* Exit codes, documented in `c5sim --help` and docs/cli.md. */
enum cli_exit {
    EXIT_OK = 0,
    EXIT_RUNTIME = 1,      /* runtime failure: I/O, memory, a failed run */
    EXIT_USAGE = 2,        /* usage or scenario error */
    EXIT_INTERRUPTED = 130 /* SIGINT/SIGTERM: completed work was saved */
};

struct cli_command {
    const char *name;
    const char *summary;                /* one line for `c5sim --help` */
    int (*main)(int argc, char **argv); /* argv[0] is the command name */
    void (*help)(FILE *stream);         /* full help: usage, options, examples */
};

/* The table lives in main.c; commands find each other through it. */
extern const struct cli_command cli_commands[];
/* argv[0] as c5sim was invoked (e.g. build/engine/cli/c5sim): hints that show a command to
 * paste print it, since a bare "c5sim" is often not on PATH. */
extern const char *cli_program;
extern const int cli_command_count;

/* Print "c5sim COMMAND: error: MESSAGE" and a hint to stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* 1 if argv contains -h or --help (before a "--"). */
int cli_wants_help(int argc, char **argv);

/* Replace this process with /usr/bin/python3 analysis/TOOL ARGS (argv[1..]); `what` names the
 * required first argument in messages. Returns an exit code only if that cannot be done. */
int cli_exec_python_tool(const char *command, const char *tool, const char *what, int argc,
                         char **argv);

/* Commands, one file each. */
int cmd_validate(int argc, char **argv);
void cmd_validate_help(FILE *stream);
int cmd_describe(int argc, char **argv);
void cmd_describe_help(FILE *stream);
int cmd_run(int argc, char **argv);
void cmd_run_help(FILE *stream);
int cmd_sweep(int argc, char **argv);
void cmd_sweep_help(FILE *stream);
int cmd_measures(int argc, char **argv);
void cmd_measures_help(FILE *stream);
int cmd_robust(int argc, char **argv);
void cmd_robust_help(FILE *stream);
int cmd_coalitions(int argc, char **argv);
void cmd_coalitions_help(FILE *stream);
int cmd_sensitivity(int argc, char **argv);
void cmd_sensitivity_help(FILE *stream);
int cmd_portfolio(int argc, char **argv);
void cmd_portfolio_help(FILE *stream);
int cmd_equilibrium(int argc, char **argv);
void cmd_equilibrium_help(FILE *stream);
int cmd_report(int argc, char **argv);
void cmd_report_help(FILE *stream);
int cmd_study(int argc, char **argv);
void cmd_study_help(FILE *stream);

#endif
