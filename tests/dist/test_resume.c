/* test_resume.c — interruption and --resume through the c5sim binary: a sweep stopped at several
 * points (and by a real SIGINT) and resumed gives the same /variants and /comparison as an
 * uninterrupted run; a .partial made with another seed, --set override, scenario text or sweep
 * axis is refused and left as it was. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dist_fixture.h"

TestSuite(resume, .init = dist_make_workdir, .fini = dist_remove_workdir, .timeout = 240);

/* A small sweep: 3 variants x 24 replicates = 72 work items. */
#define SWEEP "sweep '%s' --vary sharing.level=0,0.5,1 -r 24 -q"
/* The same, long enough (a second; ten under ASan) for a signal to land in the middle. */
#define LONG_SWEEP "sweep '%s' --vary sharing.level=0,0.5,1 -r 24 -q --set run.ticks=60000"

static void uninterrupted(const char *scenario, const char *file) {
    char out[8192];
    int code = dist_c5sim(out, sizeof out, "", SWEEP " -t 2 -o %s", scenario, file);
    cr_assert_eq(code, 0, "uninterrupted sweep failed (%d):\n%s", code, out);
}

Test(resume, stopped_at_several_points_then_resumed_is_identical) {
    char scenario[512], out[8192];
    dist_source_path("tests/run/sweep-small.yaml", scenario, sizeof scenario);
    uninterrupted(scenario, "full.h5");
    static const long stops[] = {1, 9, 30, 50, 70};
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) {
        char env[64];
        snprintf(env, sizeof env, "C5SIM_TEST_STOP_AFTER=%ld", stops[i]);
        dist_remove("part.h5");
        dist_remove("part.h5.partial");
        int code = dist_c5sim(out, sizeof out, env, SWEEP " -t 2 -o part.h5", scenario);
        cr_assert_eq(code, 130, "stop after %ld: exit %d, expected 130:\n%s", stops[i], code, out);
        char saved[128];
        snprintf(saved, sizeof saved, "%ld of 72 work items completed and saved in part.h5.partial",
                 stops[i]);
        cr_assert(strstr(out, saved), "expected '%s' in:\n%s", saved, out);
        cr_assert(strstr(out, "--resume part.h5.partial"), "no resume hint:\n%s", out);
        cr_assert(!dist_exists("part.h5"), "a complete-looking file after an interruption");
        cr_assert_eq(dist_root_int("part.h5.partial", "complete"), 0);
        /* Resume with another thread count: the output must not depend on it. */
        code = dist_c5sim(out, sizeof out, "", SWEEP " -t 1 --resume part.h5.partial", scenario);
        cr_assert_eq(code, 0, "resume after %ld items: exit %d:\n%s", stops[i], code, out);
        cr_assert(strstr(out, "already done"), "%s", out);
        cr_assert(dist_exists("part.h5") && !dist_exists("part.h5.partial"));
        cr_assert_eq(dist_root_int("part.h5", "complete"), 1);
        cr_assert_eq(dist_h5diff("full.h5", "part.h5", "/variants"), 0,
                     "/variants differ after a stop at %ld", stops[i]);
        cr_assert_eq(dist_h5diff("full.h5", "part.h5", "/comparison"), 0,
                     "/comparison differs after a stop at %ld", stops[i]);
    }
}

Test(resume, interrupted_twice_then_resumed_is_identical) {
    char scenario[512], out[8192];
    dist_source_path("tests/run/sweep-small.yaml", scenario, sizeof scenario);
    uninterrupted(scenario, "full.h5");
    int code = dist_c5sim(out, sizeof out, "C5SIM_TEST_STOP_AFTER=10", SWEEP " -t 2 -o twice.h5",
                          scenario);
    cr_assert_eq(code, 130, "%s", out);
    /* The resumed run is itself interrupted (20 more items), then resumed again. */
    code = dist_c5sim(out, sizeof out, "C5SIM_TEST_STOP_AFTER=20",
                      SWEEP " -t 2 --resume twice.h5.partial", scenario);
    cr_assert_eq(code, 130, "%s", out);
    code = dist_c5sim(out, sizeof out, "", SWEEP " -t 2 -o twice.h5 --resume twice.h5.partial",
                      scenario);
    cr_assert_eq(code, 0, "%s", out);
    cr_assert_eq(dist_h5diff("full.h5", "twice.h5", "/variants"), 0);
    cr_assert_eq(dist_h5diff("full.h5", "twice.h5", "/comparison"), 0);
}

Test(resume, sigint_saves_and_resume_is_identical) {
    char scenario[512], out[8192];
    dist_source_path("tests/run/sweep-small.yaml", scenario, sizeof scenario);
    int code = dist_c5sim(out, sizeof out, "", LONG_SWEEP " -t 2 -o full.h5", scenario);
    cr_assert_eq(code, 0, "%s", out);
    pid_t pid = dist_spawn(LONG_SWEEP " -t 2 -o sig.h5 > sig.log 2>&1", scenario);
    /* Wait until the run has written its file, then interrupt it. */
    for (int i = 0; i < 400 && !dist_exists("sig.h5.partial") && !dist_exists("sig.h5"); i++)
        usleep(5000);
    usleep(100000);
    double sent = dist_now();
    kill(pid, SIGINT);
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    double took = dist_now() - sent;
    cr_assert(took < 2.0, "took %.2f s to stop after SIGINT", took);
    cr_assert(WIFEXITED(status), "killed by a signal instead of stopping");
    int exit_code = WEXITSTATUS(status);
    cr_assert_eq(exit_code, 130, "exit %d after SIGINT", exit_code);
    cr_assert(!dist_exists("sig.h5"));
    cr_assert_eq(dist_root_int("sig.h5.partial", "complete"), 0);
    code = dist_c5sim(out, sizeof out, "", LONG_SWEEP " -t 2 --resume sig.h5.partial", scenario);
    cr_assert_eq(code, 0, "%s", out);
    cr_assert_eq(dist_h5diff("full.h5", "sig.h5", "/variants"), 0);
    cr_assert_eq(dist_h5diff("full.h5", "sig.h5", "/comparison"), 0);
}

Test(resume, coalitions_resumed_is_identical) {
    char scenario[512], out[8192];
    dist_source_path("tests/run/coalition-dummy.yaml", scenario, sizeof scenario);
    int code = dist_c5sim(out, sizeof out, "", "coalitions '%s' -r 12 -q -t 2 -o c.h5", scenario);
    cr_assert_eq(code, 0, "%s", out);
    code = dist_c5sim(out, sizeof out, "C5SIM_TEST_STOP_AFTER=37",
                      "coalitions '%s' -r 12 -q -t 2 -o cp.h5", scenario);
    cr_assert_eq(code, 130, "%s", out);
    code = dist_c5sim(out, sizeof out, "", "coalitions '%s' -r 12 -q -t 2 --resume cp.h5.partial",
                      scenario);
    cr_assert_eq(code, 0, "%s", out);
    cr_assert_eq(dist_h5diff("c.h5", "cp.h5", "/variants"), 0);
    cr_assert_eq(dist_h5diff("c.h5", "cp.h5", "/comparison"), 0);
    cr_assert_eq(dist_h5diff("c.h5", "cp.h5", "/coalitions"), 0);
}

Test(resume, event_log_resumed_is_identical) {
    char scenario[512], out[8192];
    dist_source_path("tests/run/sweep-small.yaml", scenario, sizeof scenario);
    const char *events = "sweep '%s' --vary sharing.level=0,1 -r 10 -q --events";
    char args[2048];
    snprintf(args, sizeof args, events, scenario);
    int code = dist_c5sim(out, sizeof out, "", "%s -t 2 -o ev.h5", args);
    cr_assert_eq(code, 0, "%s", out);
    code = dist_c5sim(out, sizeof out, "C5SIM_TEST_STOP_AFTER=7", "%s -t 2 -o evp.h5", args);
    cr_assert_eq(code, 130, "%s", out);
    code = dist_c5sim(out, sizeof out, "", "%s -t 1 --resume evp.h5.partial", args);
    cr_assert_eq(code, 0, "%s", out);
    cr_assert_eq(dist_h5diff("ev.h5", "evp.h5", "/variants"), 0, "/variants (events) differ");
    cr_assert_eq(dist_h5diff("ev.h5", "evp.h5", "/comparison"), 0);
}

/* Each refusal: exit 2, a message naming what differs, and the .partial left resumable. */
static void assert_refused(const char *args, const char *scenario, const char *expected) {
    char out[8192];
    int code = dist_c5sim(out, sizeof out, "", "%s", args);
    (void)scenario;
    cr_assert_eq(code, 2, "expected exit 2 for `%s`, got %d:\n%s", args, code, out);
    cr_assert(strstr(out, expected), "expected '%s' in:\n%s", expected, out);
    cr_assert(dist_exists("ref.h5.partial") && !dist_exists("ref.h5"));
    cr_assert_eq(dist_root_int("ref.h5.partial", "complete"), 0);
}

Test(resume, other_seed_override_scenario_or_axis_refused) {
    char scenario[512], other[1024], out[8192], args[4096];
    dist_source_path("tests/run/sweep-small.yaml", scenario, sizeof scenario);
    int code = dist_c5sim(out, sizeof out, "C5SIM_TEST_STOP_AFTER=12",
                          SWEEP " -t 2 --set sharing.latency=1 -o ref.h5", scenario);
    cr_assert_eq(code, 130, "%s", out);

    snprintf(args, sizeof args, SWEEP " --set sharing.latency=1 -s 7 --resume ref.h5.partial",
             scenario);
    assert_refused(args, scenario, "seed 4242, this command has 7");
    snprintf(args, sizeof args, SWEEP " --set sharing.latency=2 --resume ref.h5.partial", scenario);
    assert_refused(args, scenario,
                   "--set overrides [sharing.latency=1], this command has "
                   "[sharing.latency=2]");
    snprintf(args, sizeof args, SWEEP " --resume ref.h5.partial", scenario);
    assert_refused(args, scenario, "this command has []");
    snprintf(args, sizeof args,
             "sweep '%s' --vary sharing.level=0,0.4,1 -r 24 -q --set sharing.latency=1 "
             "--resume ref.h5.partial",
             scenario);
    assert_refused(args, scenario, "'sharing.level=0.5' in the .partial but 'sharing.level=0.4'");
    snprintf(args, sizeof args,
             "sweep '%s' --vary sharing.level=0,0.5,1 -r 25 -q "
             "--set sharing.latency=1 --resume ref.h5.partial",
             scenario);
    assert_refused(args, scenario, "24 replicates, this command 25");
    /* The same scenario with one more comment line: another text, another sha256. */
    snprintf(other, sizeof other, "%s/other.yaml", dist_workdir);
    char copy[4096];
    snprintf(copy, sizeof copy, "cp '%s' '%s' && echo '# edited' >> '%s'", scenario, other, other);
    cr_assert_eq(system(copy), 0);
    snprintf(args, sizeof args, SWEEP " --set sharing.latency=1 --resume ref.h5.partial", other);
    assert_refused(args, scenario, "another scenario text");
    snprintf(args, sizeof args, "run '%s' -r 24 -q --set sharing.latency=1 --resume ref.h5.partial",
             scenario);
    assert_refused(args, scenario, "written by `c5sim sweep`");
    snprintf(args, sizeof args, SWEEP " --set sharing.latency=1 -o else.h5 --resume ref.h5.partial",
             scenario);
    assert_refused(args, scenario, "does not match --resume");

    /* After every refusal the .partial still resumes. */
    code = dist_c5sim(out, sizeof out, "", SWEEP " --set sharing.latency=1 --resume ref.h5.partial",
                      scenario);
    cr_assert_eq(code, 0, "%s", out);
    cr_assert(dist_exists("ref.h5"));
}

Test(resume, missing_or_complete_file_refused) {
    char scenario[512], out[8192];
    dist_source_path("tests/run/sweep-small.yaml", scenario, sizeof scenario);
    int code = dist_c5sim(out, sizeof out, "", SWEEP " --resume none.h5.partial", scenario);
    cr_assert_eq(code, 2, "%s", out);
    cr_assert(strstr(out, "none.h5.partial"), "%s", out);
    code = dist_c5sim(out, sizeof out, "", SWEEP " --resume none.h5", scenario);
    cr_assert_eq(code, 2, "%s", out);
    cr_assert(strstr(out, "expects OUT.h5.partial"), "%s", out);
}
