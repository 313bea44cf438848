/* test_memory_limit.c — limits checked before memory is taken: --max-memory in run, sweep and
 * validate refuses a scenario whose estimate is above it, naming the estimate and the value that
 * drives it, with exit status 2 and no output file; and the size parser / physical-memory helper
 * (engine/util/memory.h) behind validate's default of half the physical memory. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../common/leak_check.h"
#include "cli_harness.h"
#include "memory.h"

/* The one origin of minimal.yaml's drug convoy: its rate drives the pool of active threats. */
#define RATE_PATH "threats.drug_convoy.origins.afg_kunduz.rate"

static char workdir[256];
static char scenario[1024];

static void setup(void) {
    harness_tempdir(workdir, sizeof workdir);
    harness_source_path("scenarios/minimal.yaml", scenario, sizeof scenario);
}

static void teardown(void) {
    harness_remove_tree(workdir);
}

TestSuite(memory_limit, .init = setup, .fini = teardown, .timeout = 120);

static void expect_refused(const char *const *args, const char *out, const char *driver,
                           const char *limit_text) {
    char err[8192];
    int status = harness_run(args, NULL, err, sizeof err);
    cr_expect_eq(status, 2, "exit %d: %s", status, err);
    cr_expect_neq(strstr(err, "a replicate would need about"), NULL, "no estimate in: %s", err);
    char phrase[128];
    snprintf(phrase, sizeof phrase, "%s: a replicate", driver);
    cr_expect_neq(strstr(err, phrase), NULL, "the driver %s is not named in: %s", driver, err);
    snprintf(phrase, sizeof phrase, "above the memory limit of %s", limit_text);
    cr_expect_neq(strstr(err, phrase), NULL, "expected '%s' in: %s", phrase, err);
    if (out) {
        char partial[600];
        snprintf(partial, sizeof partial, "%s.partial", out);
        cr_expect(!harness_exists(out) && !harness_exists(partial),
                  "a refused scenario must not create %s or its .partial", out);
    }
}

Test(memory_limit, run_refuses_above_the_limit) {
    /* minimal.yaml needs some 50 KiB, mostly its 365-tick series: run.ticks drives it. */
    char out[400];
    snprintf(out, sizeof out, "%s/out.h5", workdir);
    const char *args[] = {"run", scenario, "-r", "2", "-q", "--max-memory", "1K", "-o", out, NULL};
    expect_refused(args, out, "run.ticks", "1.0 KiB");
    expect_no_leaks();
}

Test(memory_limit, sweep_refuses_the_variant_that_needs_too_much) {
    /* The reference variant fits; the second multiplies the arrival rate by 5 million. */
    char out[400];
    snprintf(out, sizeof out, "%s/out.h5", workdir);
    const char *args[] = {"sweep", scenario, "--vary", RATE_PATH "=0.2,1000000",
                          "-r",    "2",      "-q",     "--max-memory",
                          "256M",  "-o",     out,      NULL};
    expect_refused(args, out, RATE_PATH, "256.0 MiB");
    expect_no_leaks();
}

Test(memory_limit, run_refuses_a_set_that_needs_too_much) {
    char out[400];
    snprintf(out, sizeof out, "%s/out.h5", workdir);
    const char *args[] = {"run",  scenario, "--set", RATE_PATH "=1000000",
                          "-r",   "2",      "-q",    "--max-memory",
                          "512M", "-o",     out,     NULL};
    expect_refused(args, out, RATE_PATH, "512.0 MiB");
    expect_no_leaks();
}

Test(memory_limit, validate_refuses_above_half_of_physical_memory_by_default) {
    /* 1e9 arrivals per tick (the largest rate allowed) needs about a terabyte per replicate. */
    char limit_text[64];
    memory_format_size(memory_default_limit(), limit_text, sizeof limit_text);
    const char *args[] = {"validate", "--set", RATE_PATH "=1e9", scenario, NULL};
    expect_refused(args, NULL, RATE_PATH, limit_text);
    /* The estimate alone refuses it: with the limit lifted (0) the same scenario is valid. */
    char err[8192];
    const char *unlimited[] = {"validate",       "--max-memory", "0", "--set",
                               RATE_PATH "=1e9", scenario,       NULL};
    cr_expect_eq(harness_run(unlimited, NULL, err, sizeof err), 0, "%s", err);
    expect_no_leaks();
}

Test(memory_limit, validate_takes_an_explicit_limit) {
    const char *args[] = {"validate", "--max-memory", "10K", scenario, NULL};
    expect_refused(args, NULL, "run.ticks", "10.0 KiB");
    char err[8192];
    const char *bad[] = {"validate", "--max-memory", "10Q", scenario, NULL};
    cr_expect_eq(harness_run(bad, NULL, err, sizeof err), 2, "%s", err);
    cr_expect_neq(strstr(err, "--max-memory"), NULL, "%s", err);
    expect_no_leaks();
}

Test(memory_limit, estimate_equal_to_the_limit_in_rounding_shows_bytes) {
    /* When estimate and limit round to the same text, the message gives both in bytes rather
     * than "about 1.0 GiB, above the limit of 1.0 GiB" (a rate whose estimate is 1.03 GiB). */
    char err[8192];
    const char *args[] = {"validate",          "--max-memory", "1G", "--set",
                          RATE_PATH "=620000", scenario,       NULL};
    cr_assert_eq(harness_run(args, NULL, err, sizeof err), 2, "%s", err);
    cr_expect_neq(strstr(err, "above the memory limit of 1073741824 bytes"), NULL, "%s", err);
    expect_no_leaks();
}

/* ---- engine/util/memory.h ------------------------------------------------------------------ */

Test(memory_size, parses_numbers_with_binary_suffixes) {
    struct {
        const char *text;
        size_t bytes;
    } cases[] = {
        {"0", 0},
        {"123", 123},
        {"1K", 1024},
        {"1k", 1024},
        {"2KB", 2048},
        {"512M", (size_t)512 << 20},
        {"16G", (size_t)16 << 30},
        {"16GiB", (size_t)16 << 30},
        {"1.5G", (size_t)3 << 29},
        {"2T", (size_t)2 << 40},
        {"10b", 10},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t bytes = 7;
        cr_expect_eq(memory_parse_size(cases[i].text, &bytes), 0, "%s", cases[i].text);
        cr_expect_eq(bytes, cases[i].bytes, "%s -> %zu", cases[i].text, bytes);
    }
    expect_no_leaks();
}

Test(memory_size, refuses_anything_else) {
    const char *bad[] = {"",
                         "-1",
                         " 1G",
                         "+1G",
                         "1e3",
                         "inf",
                         "nan",
                         "0x10",
                         "1.",
                         ".5G",
                         "G",
                         "1GG",
                         "1Gi",
                         "1 G",
                         "1Q",
                         "1.5.2",
                         "18446744073709551616",
                         "99999999999T"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        size_t bytes = 7;
        cr_expect_eq(memory_parse_size(bad[i], &bytes), -1, "'%s' was accepted", bad[i]);
        cr_expect_eq(bytes, 7, "'%s' changed the result", bad[i]);
    }
    cr_expect_eq(memory_parse_size(NULL, &(size_t){0}), -1);
    expect_no_leaks();
}

Test(memory_size, default_limit_is_half_of_physical_memory) {
    /* The kernel's own figure: MemTotal in /proc/meminfo is the same page count in KiB. */
    FILE *meminfo = fopen("/proc/meminfo", "r");
    cr_assert_not_null(meminfo);
    unsigned long long total_kib = 0;
    char line[256];
    while (fgets(line, sizeof line, meminfo))
        if (sscanf(line, "MemTotal: %llu kB", &total_kib) == 1) break;
    fclose(meminfo);
    cr_assert_gt(total_kib, 0);
    size_t physical = memory_physical_bytes();
    cr_expect_eq(physical, (size_t)total_kib * 1024, "sysconf says %zu, MemTotal %llu kB", physical,
                 total_kib);
    cr_expect_eq(memory_default_limit(), (size_t)((double)physical * MEMORY_DEFAULT_SHARE));
    cr_expect_eq(MEMORY_DEFAULT_SHARE, 0.5);
    expect_no_leaks();
}

Test(memory_size, formats_in_binary_units) {
    char text[32];
    memory_format_size(100, text, sizeof text);
    cr_expect_str_eq(text, "100 bytes");
    memory_format_size(1536, text, sizeof text);
    cr_expect_str_eq(text, "1.5 KiB");
    memory_format_size((size_t)512 << 20, text, sizeof text);
    cr_expect_str_eq(text, "512.0 MiB");
    memory_format_size((size_t)3 << 39, text, sizeof text);
    cr_expect_str_eq(text, "1.5 TiB");
    expect_no_leaks();
}
