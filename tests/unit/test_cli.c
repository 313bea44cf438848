/* test_cli.c — the c5sim command line: help, version, exit codes for unknown commands/flags. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "../common/leak_check.h"

/* Run `$C5SIM ARGS`, capture stdout+stderr into out; returns the exit status. */
static int run_c5sim(const char *args, char *out, size_t size) {
    const char *exe = getenv("C5SIM");
    cr_assert(exe, "C5SIM is not set (run through meson test)");
    char command[4096];
    snprintf(command, sizeof command, "'%s' %s 2>&1", exe, args);
    FILE *pipe = popen(command, "r");
    cr_assert(pipe);
    size_t used = fread(out, 1, size - 1, pipe);
    out[used] = '\0';
    int status = pclose(pipe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Test(cli, version_prints_meson_version) {
    char out[4096];
    cr_assert_eq(run_c5sim("--version", out, sizeof out), 0);
    cr_assert(strstr(out, "c5sim 0.1.0") != NULL, "got: %s", out);
    cr_assert(strstr(out, "MPI:") != NULL, "got: %s", out);
    expect_no_leaks();
}

Test(cli, help_lists_every_command_and_exit_codes) {
    char out[8192];
    cr_assert_eq(run_c5sim("--help", out, sizeof out), 0);
    const char *names[] = {"validate",   "describe", "run",    "sweep",     "measures",
                           "coalitions", "report",   "robust", "portfolio", "equilibrium"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        cr_assert(strstr(out, names[i]) != NULL, "missing %s in: %s", names[i], out);
    cr_assert(strstr(out, "130") != NULL);
    expect_no_leaks();
}

Test(cli, unknown_command_is_usage_error_with_hint) {
    char out[4096];
    cr_assert_eq(run_c5sim("vaildate", out, sizeof out), 2);
    cr_assert(strstr(out, "did you mean 'validate'") != NULL, "got: %s", out);
    cr_assert(strstr(out, "--help") != NULL, "got: %s", out);
    expect_no_leaks();
}

Test(cli, unknown_flag_is_usage_error) {
    char out[4096];
    cr_assert_eq(run_c5sim("--frobnicate", out, sizeof out), 2);
    cr_assert(strstr(out, "unknown option '--frobnicate'") != NULL, "got: %s", out);
    expect_no_leaks();
}

Test(cli, help_command_and_command_help_agree) {
    char a[8192], b[8192];
    cr_assert_eq(run_c5sim("help run", a, sizeof a), 0);
    cr_assert_eq(run_c5sim("run --help", b, sizeof b), 0);
    cr_assert_str_eq(a, b);
    cr_assert(strstr(a, "usage: c5sim run") != NULL);
    expect_no_leaks();
}
