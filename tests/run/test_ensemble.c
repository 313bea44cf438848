/* test_ensemble.c — the runner end to end through the c5sim binary: identical output for any
 * thread count, paired comparisons (common random numbers), sharing-level trend on the baseline,
 * coalition game properties, measures tables, interruption and usage errors. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_statistics_double.h>
#include "../common/leak_check.h"

static char workdir[256];

static void make_workdir(void) {
    snprintf(workdir, sizeof workdir, "/tmp/c5sim-run-test-XXXXXX");
    cr_assert(mkdtemp(workdir) != NULL);
}

static void remove_workdir(void) {
    char command[512];
    snprintf(command, sizeof command, "rm -rf '%s'", workdir);
    cr_assert_eq(system(command), 0);
}

TestSuite(ensemble, .init = make_workdir, .fini = remove_workdir, .timeout = 240);

static const char *source_path(const char *relative, char *buffer, size_t size) {
    const char *root = getenv("C5SIM_SOURCE_ROOT");
    cr_assert(root, "C5SIM_SOURCE_ROOT is not set (run through meson test)");
    snprintf(buffer, size, "%s/%s", root, relative);
    return buffer;
}

/* Run `$C5SIM ...` (printf-style arguments) with stdout+stderr captured; returns the exit code. */
static int c5sim(char *out, size_t size, const char *fmt, ...) {
    const char *exe = getenv("C5SIM");
    cr_assert(exe, "C5SIM is not set (run through meson test)");
    char args[4096], command[8192];
    va_list list;
    va_start(list, fmt);
    vsnprintf(args, sizeof args, fmt, list);
    va_end(list);
    snprintf(command, sizeof command, "cd '%s' && '%s' %s 2>&1", workdir, exe, args);
    FILE *pipe = popen(command, "r");
    cr_assert(pipe);
    size_t used = fread(out, 1, size - 1, pipe);
    out[used] = '\0';
    int status = pclose(pipe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int h5diff(const char *a, const char *b, const char *object) {
    char command[1024];
    snprintf(command, sizeof command, "cd '%s' && h5diff -q '%s' '%s' %s %s > /dev/null 2>&1",
             workdir, a, b, object, object);
    int status = system(command);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Read a dataset of doubles; returns the element count and fills dims (rank <= 4). */
static size_t read_doubles(const char *file, const char *path, double *data, size_t capacity,
                           hsize_t *dims, int *rank) {
    char full[512];
    snprintf(full, sizeof full, "%s/%s", workdir, file);
    hid_t f = H5Fopen(full, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert(f >= 0, "cannot open %s", full);
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    cr_assert(d >= 0, "no dataset %s in %s", path, file);
    hid_t space = H5Dget_space(d);
    *rank = H5Sget_simple_extent_ndims(space);
    cr_assert(*rank >= 1 && *rank <= 4);
    H5Sget_simple_extent_dims(space, dims, NULL);
    size_t count = 1;
    for (int i = 0; i < *rank; i++) count *= (size_t)dims[i];
    cr_assert(count <= capacity, "%s has %zu values", path, count);
    cr_assert(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
    H5Sclose(space);
    H5Dclose(d);
    H5Fclose(f);
    return count;
}

static int file_exists(const char *name) {
    char full[512];
    struct stat info;
    snprintf(full, sizeof full, "%s/%s", workdir, name);
    return stat(full, &info) == 0;
}

Test(ensemble, sweep_is_identical_for_one_and_two_threads) {
    char out[16384], scenario[512];
    source_path("tests/run/sweep-small.yaml", scenario, sizeof scenario);
    for (int threads = 1; threads <= 2; threads++)
        cr_assert_eq(c5sim(out, sizeof out,
                           "sweep '%s' --vary sharing.level=0:1:0.5 --vary sharing.latency=0,3 "
                           "-r 9 -t %d -q --events -o t%d.h5",
                           scenario, threads, threads),
                     0, "%s", out);
    /* /variants includes the event logs, written in plan order whatever thread ran the item. */
    cr_assert_eq(h5diff("t1.h5", "t2.h5", "/variants"), 0, "/variants differ");
    cr_assert_eq(h5diff("t1.h5", "t2.h5", "/comparison"), 0, "/comparison differ");
    /* The grid: 3 x 2 variants, the comparison against variant 0 for each. */
    double data[4096];
    hsize_t dims[4];
    int rank;
    read_doubles("t1.h5", "/comparison/5/harm", data, 4096, dims, &rank);
    cr_assert_eq(rank, 2);
    cr_assert_eq(dims[0], 6);
    cr_assert_eq(dims[1], 3); /* AAA, BBB, region */
    read_doubles("t1.h5", "/variants/5/summary/harm", data, 4096, dims, &rank);
    cr_assert_eq(dims[0], 7);
    cr_assert(strstr(out, "sharing.level=1, sharing.latency=3") != NULL, "%s", out);
    expect_no_leaks();
}

Test(ensemble, large_single_run_is_identical_for_one_and_two_threads) {
    char out[16384], scenario[512];
    source_path("tests/run/sweep-small.yaml", scenario, sizeof scenario);
    for (int threads = 1; threads <= 2; threads++)
        cr_assert_eq(c5sim(out, sizeof out,
                           "run '%s' -r 1 --set run.ticks=1500 "
                           "--set threats.convoy.origins.outside.rate=6 -t %d -q -o big%d.h5",
                           scenario, threads, threads),
                     0, "%s", out);
    cr_assert_eq(h5diff("big1.h5", "big2.h5", "/variants"), 0, "/variants differ");
    expect_no_leaks();
}

Test(ensemble, run_summary_matches_the_replicate_totals) {
    char out[16384], scenario[512];
    source_path("tests/run/sweep-small.yaml", scenario, sizeof scenario);
    cr_assert_eq(c5sim(out, sizeof out, "run '%s' -r 10 -q -o run.h5", scenario), 0, "%s", out);
    cr_assert(strstr(out, "region") && strstr(out, "AAA") && strstr(out, "BBB"), "%s", out);
    double totals[64], summary[64];
    hsize_t dims[4];
    int rank;
    read_doubles("run.h5", "/variants/0/totals/harm", totals, 64, dims, &rank);
    cr_assert_eq(dims[0], 10);
    cr_assert_eq(dims[1], 2);
    read_doubles("run.h5", "/variants/0/summary/harm", summary, 64, dims, &rank);
    cr_assert_eq(dims[0], 7);
    cr_assert_eq(dims[1], 3);
    double region[10];
    for (int r = 0; r < 10; r++) region[r] = totals[2 * r] + totals[2 * r + 1];
    for (int c = 0; c < 3; c++) {
        double sample[10];
        for (int r = 0; r < 10; r++) sample[r] = c < 2 ? totals[2 * r + c] : region[r];
        double mean = gsl_stats_mean(sample, 1, 10), sd = gsl_stats_sd(sample, 1, 10);
        cr_assert(fabs(summary[0 * 3 + c] - mean) <= 1e-9 * (1 + fabs(mean)));
        cr_assert(fabs(summary[1 * 3 + c] - sd) <= 1e-9 * (1 + sd));
        cr_assert(summary[2 * 3 + c] <= mean && mean <= summary[3 * 3 + c]);
        cr_assert(summary[4 * 3 + c] <= summary[5 * 3 + c] &&
                  summary[5 * 3 + c] <= summary[6 * 3 + c]);
    }
    cr_assert(region[0] + region[1] > 0, "no harm at all: the test scenario is too weak");
    expect_no_leaks();
}

Test(ensemble, no_output_file_without_o) {
    char out[16384], scenario[512];
    source_path("tests/run/sweep-small.yaml", scenario, sizeof scenario);
    cr_assert_eq(c5sim(out, sizeof out, "run '%s' -r 3 -q && ls", scenario), 0, "%s", out);
    cr_assert(strstr(out, ".h5") == NULL, "%s", out);
    expect_no_leaks();
}

/* On the shipped baseline with free sharing (no cost, no leaks): more sharing, less harm; and the
 * common random numbers make paired intervals much narrower than unpaired ones. */
Test(ensemble, sharing_level_sweep_on_baseline_lowers_harm_with_narrow_paired_intervals) {
    char out[16384], scenario[512];
    source_path("scenarios/c5-baseline.yaml", scenario, sizeof scenario);
    cr_assert_eq(c5sim(out, sizeof out,
                       "sweep '%s' --vary sharing.level=0:1:0.1 -r 50 "
                       "--set sharing.policy=level --set defaults.cost_per_report=0 "
                       "--set defaults.leak=0 -q -o level.h5",
                       scenario),
                 0, "%s", out);
    double data[4096];
    hsize_t dims[4];
    int rank;
    double level[11], harm[11];
    int columns = 0;
    for (int k = 0; k <= 10; k++) {
        char path[128];
        snprintf(path, sizeof path, "/variants/%d/summary/harm", k);
        read_doubles("level.h5", path, data, 4096, dims, &rank);
        columns = (int)dims[1];
        level[k] = 0.1 * k;
        harm[k] = data[columns - 1]; /* mean, region */
    }
    /* harm(1) < harm(0) with the paired interval excluding 0. */
    read_doubles("level.h5", "/comparison/10/harm", data, 4096, dims, &rank);
    double ci_high = data[2 * columns + columns - 1];
    cr_assert(ci_high < 0, "harm(1) - harm(0): mean %g, interval up to %g", data[columns - 1],
              ci_high);
    double work[22];
    double rho = gsl_stats_spearman(level, 1, harm, 1, 11, work);
    cr_assert(rho < -0.8, "rank correlation of level and harm %g", rho);
    /* CRN: the paired interval is at least twice narrower than the unpaired one. */
    for (int k = 1; k <= 10; k++) {
        char path[128];
        snprintf(path, sizeof path, "/comparison/%d/harm", k);
        read_doubles("level.h5", path, data, 4096, dims, &rank);
        int c = columns - 1;
        double paired = data[2 * columns + c] - data[1 * columns + c];
        double unpaired = data[5 * columns + c] - data[4 * columns + c];
        cr_assert(unpaired >= 2 * paired, "variant %d: paired width %g, unpaired %g", k, paired,
                  unpaired);
    }
    expect_no_leaks();
}

Test(ensemble, coalitions_shapley_sums_to_grand_value_and_dummy_gets_zero) {
    char out[16384], scenario[512];
    source_path("tests/run/coalition-dummy.yaml", scenario, sizeof scenario);
    cr_assert_eq(c5sim(out, sizeof out, "coalitions '%s' -r 16 -q -o game.h5", scenario), 0, "%s",
                 out);
    double shapley[64], value[64], gain[64], members[16];
    hsize_t dims[4];
    int rank;
    read_doubles("game.h5", "/coalitions/shapley", shapley, 64, dims, &rank);
    cr_assert_eq(dims[0], 3);
    cr_assert_eq(dims[1], 7);
    read_doubles("game.h5", "/coalitions/value", value, 64, dims, &rank);
    cr_assert_eq(dims[0], 8);
    read_doubles("game.h5", "/coalitions/leave_gain", gain, 64, dims, &rank);
    read_doubles("game.h5", "/coalitions/members", members, 16, dims, &rank);
    cr_assert_eq(members[5], 5.0);
    double grand = value[7 * 7 + 0];
    double sum = shapley[0] + shapley[7] + shapley[14];
    cr_assert(fabs(sum - grand) <= 1e-9 * (1 + fabs(grand)), "sum %.17g v(grand) %.17g", sum,
              grand);
    /* The dummy (third state) changes nobody's loss: its value is 0 in every replicate. */
    for (int f = 0; f < 7; f++)
        if (f != 1)
            cr_assert(fabs(shapley[14 + f]) < 1e-9, "dummy field %d: %g", f, shapley[14 + f]);
    cr_assert(fabs(gain[14]) < 1e-9);
    /* Sharing on the corridor is worth something: v(grand) > 0 beyond doubt. */
    cr_assert(value[7 * 7 + 2] > 0, "v(grand) interval starts at %g", value[7 * 7 + 2]);
    cr_assert(strstr(out, "Shapley") && strstr(out, "DUM"), "%s", out);
    expect_no_leaks();
}

Test(ensemble, measures_rank_by_harm_averted_per_cost) {
    char out[16384], scenario[512];
    source_path("tests/run/coalition-dummy.yaml", scenario, sizeof scenario);
    cr_assert_eq(c5sim(out, sizeof out, "measures '%s' -r 16 -q -o measures.h5", scenario), 0, "%s",
                 out);
    double table[64], risk[64];
    hsize_t dims[4];
    int rank;
    read_doubles("measures.h5", "/measures/table", table, 64, dims, &rank);
    cr_assert_eq(dims[0], 2);
    int columns = (int)dims[1];
    for (int i = 0; i < 2; i++) {
        const double *row = table + i * columns;
        cr_assert(row[0] == 20.0 || row[0] == 5.0);
        cr_assert(fabs(row[4] - row[1] / row[0]) < 1e-12);
        cr_assert(row[2] <= row[1] && row[1] <= row[3]);
    }
    cr_assert(table[4] >= table[columns + 4], "not ranked by harm averted per cost");
    read_doubles("measures.h5", "/risk_catalog/harm", risk, 64, dims, &rank);
    cr_assert_eq(dims[0], 2);
    cr_assert(risk[0] >= risk[dims[1]], "risk catalog not ranked");
    cr_assert(strstr(out, "more_units_b") && strstr(out, "better_eyes_a") && strstr(out, "raid"),
              "%s", out);
    expect_no_leaks();
}

Test(ensemble, sigint_saves_completed_items_in_partial_file) {
    char scenario[512], output[512];
    source_path("tests/run/sweep-small.yaml", scenario, sizeof scenario);
    snprintf(output, sizeof output, "%s/stopped.h5", workdir);
    pid_t child = fork();
    cr_assert(child >= 0);
    if (child == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execl(getenv("C5SIM"), "c5sim", "run", scenario, "-r", "1000000", "-t", "1", "-q", "-o",
              output, (char *)NULL);
        _exit(127);
    }
    struct timespec pause = {1, 500000000};
    nanosleep(&pause, NULL);
    kill(child, SIGINT);
    int status;
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert(WIFEXITED(status), "killed by a signal instead of stopping cleanly");
    cr_assert_eq(WEXITSTATUS(status), 130);
    cr_assert(!file_exists("stopped.h5"), "an interrupted run left a final file");
    cr_assert(file_exists("stopped.h5.partial"));
    expect_no_leaks();
}

Test(ensemble, usage_errors_exit_2) {
    char out[16384], scenario[512];
    source_path("tests/run/sweep-small.yaml", scenario, sizeof scenario);
    cr_assert_eq(c5sim(out, sizeof out, "sweep '%s' -r 2", scenario), 2, "%s", out);
    cr_assert(strstr(out, "--vary"), "%s", out);
    cr_assert_eq(c5sim(out, sizeof out, "sweep '%s' --vary sharing.level=0:1:0 -r 2", scenario), 2,
                 "%s", out);
    cr_assert_eq(c5sim(out, sizeof out,
                       "sweep '%s' --vary sharing.level=0,1 --reference nothing -r 2", scenario),
                 2, "%s", out);
    cr_assert(strstr(out, "nothing"), "%s", out);
    cr_assert_eq(c5sim(out, sizeof out, "run '%s' --bogus", scenario), 2, "%s", out);
    cr_assert_eq(c5sim(out, sizeof out, "run '%s' -r 0", scenario), 2, "%s", out);
    cr_assert_eq(c5sim(out, sizeof out, "run '%s' --set no.such.key=1 -r 2", scenario), 2, "%s",
                 out);
    cr_assert_eq(c5sim(out, sizeof out, "run"), 2, "%s", out);
    cr_assert_eq(c5sim(out, sizeof out, "coalitions --help"), 0, "%s", out);
    cr_assert(strstr(out, "Shapley") && strstr(out, "Exit codes"), "%s", out);
    expect_no_leaks();
}

Test(ensemble, existing_output_needs_force) {
    char out[16384], scenario[512];
    source_path("tests/run/sweep-small.yaml", scenario, sizeof scenario);
    cr_assert_eq(c5sim(out, sizeof out, "run '%s' -r 2 -q -o same.h5", scenario), 0, "%s", out);
    cr_assert_eq(c5sim(out, sizeof out, "run '%s' -r 2 -q -o same.h5", scenario), 1, "%s", out);
    cr_assert_eq(c5sim(out, sizeof out, "run '%s' -r 2 -q -o same.h5 --force", scenario), 0, "%s",
                 out);
    expect_no_leaks();
}

Test(ensemble, coalitions_refuse_more_than_ten_states) {
    /* Eleven states on a chain, each with one region: 2^11 variants is refused up front. */
    char path[512], out[16384];
    snprintf(path, sizeof path, "%s/eleven.yaml", workdir);
    FILE *file = fopen(path, "w");
    cr_assert(file);
    fprintf(file, "name: eleven states\nrun: {ticks: 5}\nstates:\n");
    for (int s = 0; s < 11; s++) fprintf(file, "  S%02d: {}\n", s);
    fprintf(file, "regions:\n  outside: {owner: none, lon: 0, lat: 0}\n");
    for (int s = 0; s < 11; s++)
        fprintf(file, "  r%02d: {owner: S%02d, lon: %d, lat: 0}\n", s, s, s + 1);
    fprintf(file, "routes:\n  - [outside, r00, 1]\n");
    for (int s = 1; s < 11; s++) fprintf(file, "  - [r%02d, r%02d, 1]\n", s - 1, s);
    fprintf(file, "threats:\n  t:\n    domain: military\n    origins: {outside: {rate: 0.1}}\n"
                  "    targets: {r10: 1}\n    severity: {mean: 1, sd: 0}\n");
    fclose(file);
    cr_assert_eq(c5sim(out, sizeof out, "run eleven.yaml -r 1 -q"), 0, "%s", out);
    cr_assert_eq(c5sim(out, sizeof out, "coalitions eleven.yaml -r 1 -q"), 2, "%s", out);
    cr_assert(strstr(out, "11 states") && strstr(out, "at most 10"), "%s", out);
    expect_no_leaks();
}
