/* test_mpi.c — work items over MPI ranks (built with MPI only): `mpirun -np 2` and `-np 3` give
 * the same /variants and /comparison as one process for sweep, coalitions, run (with series and
 * trust) and an event log; a failure on another rank ends the run cleanly with its rank and
 * reason; an interrupted distributed run resumes to the same file. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "dist_fixture.h"

TestSuite(mpi, .init = dist_make_workdir, .fini = dist_remove_workdir, .timeout = 240);

#define SWEEP "sweep '%s' --vary sharing.level=0,0.5,1 -r 24 -q -t 1"

static void assert_same(const char *a, const char *b, const char *what) {
    cr_assert_eq(dist_h5diff(a, b, "/variants"), 0, "%s: /variants differ", what);
    cr_assert_eq(dist_h5diff(a, b, "/comparison"), 0, "%s: /comparison differs", what);
}

Test(mpi, version_says_mpi) {
    char out[1024];
    cr_assert_eq(dist_c5sim(out, sizeof out, "", "--version"), 0);
    cr_assert(strstr(out, "MPI: yes"), "%s", out);
}

Test(mpi, sweep_on_2_and_3_ranks_equals_one_process) {
    char scenario[512], out[16384];
    dist_source_path("tests/run/sweep-small.yaml", scenario, sizeof scenario);
    int code = dist_c5sim(out, sizeof out, "", SWEEP " -o one.h5", scenario);
    cr_assert_eq(code, 0, "%s", out);
    for (int ranks = 1; ranks <= 3; ranks++) {
        char file[32];
        snprintf(file, sizeof file, "np%d.h5", ranks);
        code = dist_mpirun(out, sizeof out, "", ranks, SWEEP " -o %s", scenario, file);
        cr_assert_eq(code, 0, "-np %d: exit %d:\n%s", ranks, code, out);
        /* One summary, printed by rank 0 only. */
        const char *first = strstr(out, "Wrote ");
        cr_assert(first && !strstr(first + 1, "Wrote "), "-np %d printed:\n%s", ranks, out);
        assert_same("one.h5", file, file);
    }
}

Test(mpi, coalitions_on_2_and_3_ranks_equal_one_process) {
    char scenario[512], out[16384];
    dist_source_path("tests/run/coalition-dummy.yaml", scenario, sizeof scenario);
    int code = dist_c5sim(out, sizeof out, "", "coalitions '%s' -r 12 -q -t 1 -o one.h5", scenario);
    cr_assert_eq(code, 0, "%s", out);
    for (int ranks = 2; ranks <= 3; ranks++) {
        char file[32];
        snprintf(file, sizeof file, "np%d.h5", ranks);
        code = dist_mpirun(out, sizeof out, "", ranks, "coalitions '%s' -r 12 -q -t 1 -o %s",
                           scenario, file);
        cr_assert_eq(code, 0, "-np %d: exit %d:\n%s", ranks, code, out);
        assert_same("one.h5", file, file);
        cr_assert_eq(dist_h5diff("one.h5", file, "/coalitions"), 0, "%s: /coalitions", file);
    }
}

Test(mpi, run_with_series_trust_and_events_equals_one_process) {
    char scenario[512], out[16384];
    dist_source_path("tests/run/sweep-small.yaml", scenario, sizeof scenario);
    /* `run` keeps series and trust; --events adds the log: every part of a result travels. */
    int code =
        dist_c5sim(out, sizeof out, "", "run '%s' -r 10 -q -t 1 --events -o one.h5", scenario);
    cr_assert_eq(code, 0, "%s", out);
    code =
        dist_mpirun(out, sizeof out, "", 3, "run '%s' -r 10 -q -t 1 --events -o np3.h5", scenario);
    cr_assert_eq(code, 0, "%s", out);
    cr_assert_eq(dist_h5diff("one.h5", "np3.h5", "/variants"), 0, "/variants differ");
}

Test(mpi, failure_on_another_rank_ends_cleanly) {
    char scenario[512], out[16384];
    dist_source_path("tests/run/sweep-small.yaml", scenario, sizeof scenario);
    int code =
        dist_mpirun(out, sizeof out, "C5SIM_TEST_FAIL_RANK=1", 3, SWEEP " -o fail.h5", scenario);
    cr_assert_neq(code, 0, "a failed rank must fail the run:\n%s", out);
    cr_assert(strstr(out, "rank 1: injected failure"), "no rank and reason in:\n%s", out);
    cr_assert(!dist_exists("fail.h5"), "a complete-looking file after a failure");
    cr_assert_eq(dist_root_int("fail.h5.partial", "complete"), 0);
}

Test(mpi, interrupted_distributed_run_resumes_identically) {
    char scenario[512], out[16384];
    dist_source_path("tests/run/sweep-small.yaml", scenario, sizeof scenario);
    int code = dist_c5sim(out, sizeof out, "", SWEEP " -o one.h5", scenario);
    cr_assert_eq(code, 0, "%s", out);
    code =
        dist_mpirun(out, sizeof out, "C5SIM_TEST_STOP_AFTER=20", 2, SWEEP " -o part.h5", scenario);
    cr_assert_neq(code, 0, "%s", out);
    cr_assert(strstr(out, "saved in part.h5.partial (complete=0)"), "%s", out);
    cr_assert(!dist_exists("part.h5"));
    code = dist_mpirun(out, sizeof out, "", 3, SWEEP " --resume part.h5.partial", scenario);
    cr_assert_eq(code, 0, "%s", out);
    assert_same("one.h5", "part.h5", "resumed on 3 ranks");
}
