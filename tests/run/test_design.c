/* test_design.c — sampled sweep designs: Latin hypercube stratification, seeding, integer ranges,
 * range parsing, the variants a design adds, and /design in the output of `c5sim sweep --lhs`. */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>

#include "plan.h"

static struct plan_range make_range(const char *text) {
    struct plan_range range;
    char err[256];
    cr_assert_eq(plan_range_parse(text, &range, err, sizeof err), 0, "%s: %s", text, err);
    return range;
}

static void sample(struct plan_design *design, const char *const *texts, int n, int points,
                   unsigned long long seed) {
    struct plan_range ranges[8];
    char err[256];
    for (int j = 0; j < n; j++) ranges[j] = make_range(texts[j]);
    cr_assert_eq(plan_design_lhs(design, ranges, n, points, seed, err, sizeof err), 0, "%s", err);
    for (int j = 0; j < n; j++) plan_range_free(&ranges[j]);
}

static double at(const struct plan_design *design, int point, int parameter) {
    return design->values[(size_t)point * (size_t)design->n_parameters + (size_t)parameter];
}

Test(design, range_parsing) {
    struct plan_range range = make_range("sharing.level=0.1:0.9");
    cr_assert_str_eq(range.path, "sharing.level");
    cr_assert_float_eq(range.low, 0.1, 1e-15);
    cr_assert_float_eq(range.high, 0.9, 1e-15);
    cr_assert_eq(range.integer, 0);
    plan_range_free(&range);
    range = make_range("states.TJK.response.units=1:4:int");
    cr_assert_eq(range.integer, 1);
    cr_assert_eq(range.low, 1.0);
    cr_assert_eq(range.high, 4.0);
    plan_range_free(&range);
    const char *bad[] = {"sharing.level", "=0:1",        "x=0",  "x=1:0", "x=a:1",  "x=0:1:float",
                         "x=0.5:2:int",   "x=0:1:int:3", "x=:1", "x=0:",  "x=0:inf"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        cr_assert_eq(plan_range_parse(bad[i], &range, err, sizeof err), -1, "accepted '%s'",
                     bad[i]);
        cr_assert(strstr(err, "--range") != NULL, "message for '%s': %s", bad[i], err);
    }
}

/* The defining property: in every column, each of the N strata holds exactly one point. */
Test(design, one_point_per_stratum) {
    const char *texts[] = {"a=0:1", "b=-5:15", "c=0.25:0.5"};
    for (int points = 1; points <= 200; points += 37) {
        struct plan_design design;
        sample(&design, texts, 3, points, 20260101);
        cr_assert_eq(design.n_points, points);
        cr_assert_eq(design.n_parameters, 3);
        double lows[] = {0, -5, 0.25}, highs[] = {1, 15, 0.5};
        for (int j = 0; j < 3; j++) {
            int *seen = calloc((size_t)points, sizeof *seen);
            for (int p = 0; p < points; p++) {
                double value = at(&design, p, j);
                cr_assert(value >= lows[j] && value <= highs[j]);
                /* Values carry 10 significant digits; a point that close to a stratum
                 * boundary would show as a double count below (it does not happen here). */
                int stratum = (int)floor((value - lows[j]) / (highs[j] - lows[j]) * points);
                if (stratum == points) stratum--;
                seen[stratum]++;
            }
            for (int s = 0; s < points; s++)
                cr_assert_eq(seen[s], 1, "column %d, %d points: stratum %d holds %d", j, points, s,
                             seen[s]);
            free(seen);
        }
        cr_assert_str_eq(design.names[1], "b");
        plan_design_free(&design);
    }
}

Test(design, seeded_and_reproducible) {
    const char *texts[] = {"a=0:1", "b=0:1"};
    struct plan_design first, again, other, wider;
    sample(&first, texts, 2, 50, 7);
    sample(&again, texts, 2, 50, 7);
    sample(&other, texts, 2, 50, 8);
    const char *more[] = {"a=0:1", "b=0:1", "c=3:4"};
    sample(&wider, more, 3, 50, 7);
    int differ = 0;
    for (int p = 0; p < 50; p++)
        for (int j = 0; j < 2; j++) {
            cr_assert_eq(at(&first, p, j), at(&again, p, j));
            /* Each parameter has its own stream: adding a range keeps the earlier columns. */
            cr_assert_eq(at(&first, p, j), at(&wider, p, j));
            differ += at(&first, p, j) != at(&other, p, j);
        }
    cr_assert_gt(differ, 90, "another seed should give another design (%d of 100 differ)", differ);
    plan_design_free(&first), plan_design_free(&again), plan_design_free(&other);
    plan_design_free(&wider);
}

/* Columns are paired by independent permutations: the sample correlation of two columns of N
 * points has sd about 1/sqrt(N - 1) under independence; allow 5 of them. And within a stratum
 * the position is uniform: the mean offset inside the strata is 1/2 with sd sqrt(1/12/N). */
Test(design, columns_independent_positions_uniform) {
    const char *texts[] = {"a=0:1", "b=0:1"};
    int points = 2000;
    struct plan_design design;
    sample(&design, texts, 2, points, 99);
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, offset = 0;
    for (int p = 0; p < points; p++) {
        double a = at(&design, p, 0), b = at(&design, p, 1);
        sa += a, sb += b, saa += a * a, sbb += b * b, sab += a * b;
        offset += a * points - floor(a * points);
    }
    double n = points;
    double r = (sab - sa * sb / n) / sqrt((saa - sa * sa / n) * (sbb - sb * sb / n));
    cr_assert_lt(fabs(r), 5.0 / sqrt(n - 1), "correlation %g", r);
    cr_assert_lt(fabs(offset / n - 0.5), 5.0 * sqrt(1.0 / 12.0 / n), "mean offset %g", offset / n);
    plan_design_free(&design);
}

Test(design, integer_ranges_cover_every_value_evenly) {
    const char *texts[] = {"units=1:4:int", "ticks=10:10:int"};
    for (int points = 1; points <= 23; points++) {
        struct plan_design design;
        sample(&design, texts, 2, points, 3);
        int counts[4] = {0};
        for (int p = 0; p < points; p++) {
            double value = at(&design, p, 0);
            cr_assert_eq(value, floor(value));
            cr_assert(value >= 1 && value <= 4);
            counts[(int)value - 1]++;
            cr_assert_eq(at(&design, p, 1), 10.0);
        }
        for (int v = 0; v < 4; v++)
            cr_assert(counts[v] >= points / 4 && counts[v] <= (points + 3) / 4,
                      "%d points: value %d drawn %d times", points, v + 1, counts[v]);
        plan_design_free(&design);
    }
}

Test(design, refuses_bad_designs) {
    struct plan_range ranges[2] = {make_range("a=0:1"), make_range("a=0:2")};
    struct plan_design design;
    char err[256];
    cr_assert_eq(plan_design_lhs(&design, ranges, 2, 10, 1, err, sizeof err), -1);
    cr_assert(strstr(err, "twice"), "%s", err);
    cr_assert_eq(plan_design_lhs(&design, ranges, 1, 0, 1, err, sizeof err), -1);
    cr_assert_eq(plan_design_lhs(&design, ranges, 0, 10, 1, err, sizeof err), -1);
    cr_assert_eq(design.n_parameters, 0);
    plan_range_free(&ranges[0]), plan_range_free(&ranges[1]);
}

Test(design, variants_apply_exactly_the_design) {
    const char *texts[] = {"sharing.level=0:1", "states.TJK.response.units=1:3:int"};
    struct plan_design design;
    sample(&design, texts, 2, 9, 11);
    struct plan *plan = plan_alloc(5);
    char err[256];
    cr_assert_eq(plan_add_design(plan, &design, err, sizeof err), 9, "%s", err);
    cr_assert_eq(plan->n_variants, 9);
    for (int p = 0; p < 9; p++) {
        const struct plan_variant *variant = &plan->variants[p];
        cr_assert_eq(variant->n_overrides, 2);
        char label[256];
        snprintf(label, sizeof label, "%s, %s", variant->override_texts[0],
                 variant->override_texts[1]);
        cr_assert_str_eq(variant->label, label);
        for (int j = 0; j < 2; j++) {
            cr_assert_str_eq(variant->overrides[j].path, design.names[j]);
            cr_assert_eq(strtod(variant->overrides[j].value, NULL), at(&design, p, j),
                         "point %d parameter %d: '%s' vs %.17g", p, j, variant->overrides[j].value,
                         at(&design, p, j));
        }
        cr_assert(strchr(variant->overrides[1].value, '.') == NULL, "integer written as '%s'",
                  variant->overrides[1].value);
    }
    plan_free(plan);
    plan_design_free(&design);
}

/* ---- end to end: c5sim sweep --lhs writes /design and each variant's overrides ----------------
 */

static char workdir[256];

static void make_workdir(void) {
    snprintf(workdir, sizeof workdir, "/tmp/c5sim-design-test-XXXXXX");
    cr_assert(mkdtemp(workdir) != NULL);
}

static void remove_workdir(void) {
    char command[512];
    snprintf(command, sizeof command, "rm -rf '%s'", workdir);
    cr_assert_eq(system(command), 0);
}

TestSuite(design_output, .init = make_workdir, .fini = remove_workdir, .timeout = 120);

static int c5sim(const char *fmt, ...) {
    const char *exe = getenv("C5SIM"), *root = getenv("C5SIM_SOURCE_ROOT");
    cr_assert(exe && root, "C5SIM and C5SIM_SOURCE_ROOT are set by meson test");
    char args[2048], command[4096];
    va_list list;
    va_start(list, fmt);
    vsnprintf(args, sizeof args, fmt, list);
    va_end(list);
    snprintf(command, sizeof command,
             "cd '%s' && '%s' sweep '%s/tests/run/sweep-small.yaml' %s "
             "> out.txt 2>&1",
             workdir, exe, root, args);
    int status = system(command);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *read_string_attribute(hid_t object, const char *name) {
    hid_t attribute = H5Aopen(object, name, H5P_DEFAULT);
    cr_assert(attribute >= 0, "no attribute %s", name);
    hid_t type = H5Aget_type(attribute);
    char *value = NULL;
    cr_assert(H5Tis_variable_str(type) > 0);
    cr_assert(H5Aread(attribute, type, &value) >= 0);
    char *copy = strdup(value);
    H5free_memory(value);
    H5Tclose(type);
    H5Aclose(attribute);
    return copy;
}

Test(design_output, lhs_sweep_stores_every_point) {
    cr_assert_eq(c5sim("--lhs 7 --range sharing.level=0:1 --range=run.ticks=5:9:int -r 3 -s 42 "
                       "-q -t 1 -o lhs.h5"),
                 0);
    char path[512];
    snprintf(path, sizeof path, "%s/lhs.h5", workdir);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert(file >= 0);
    hid_t dataset = H5Dopen2(file, "/design", H5P_DEFAULT);
    cr_assert(dataset >= 0);
    hid_t space = H5Dget_space(dataset);
    hsize_t dims[2];
    cr_assert_eq(H5Sget_simple_extent_ndims(space), 2);
    H5Sget_simple_extent_dims(space, dims, NULL);
    cr_assert(dims[0] == 7 && dims[1] == 2);
    double values[14];
    cr_assert(H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) >= 0);
    char *method = read_string_attribute(dataset, "method");
    cr_assert_str_eq(method, "latin_hypercube");
    free(method);
    char *line = read_string_attribute(file, "command_line");
    cr_assert(strstr(line, "--lhs 7") && strstr(line, "--range=run.ticks=5:9:int"), "%s", line);
    free(line);
    H5Sclose(space);
    H5Dclose(dataset);

    /* The design is the one plan_design_lhs gives for the run seed. */
    const char *texts[] = {"sharing.level=0:1", "run.ticks=5:9:int"};
    struct plan_design expected;
    sample(&expected, texts, 2, 7, 42);
    for (int p = 0; p < 7; p++) {
        for (int j = 0; j < 2; j++) cr_assert_eq(values[p * 2 + j], at(&expected, p, j));
        /* ... and each variant applied it: its overrides are the point. */
        char group[64];
        snprintf(group, sizeof group, "/variants/%d", p);
        hid_t variant = H5Gopen2(file, group, H5P_DEFAULT);
        hid_t attribute = H5Aopen(variant, "overrides", H5P_DEFAULT);
        hid_t type = H5Aget_type(attribute);
        char *overrides[2] = {NULL, NULL};
        cr_assert(H5Aread(attribute, type, overrides) >= 0);
        cr_assert_eq(strncmp(overrides[0], "sharing.level=", 14), 0);
        cr_assert_eq(strtod(overrides[0] + 14, NULL), values[p * 2]);
        cr_assert_eq(strtod(overrides[1] + 10, NULL), values[p * 2 + 1], "%s", overrides[1]);
        H5free_memory(overrides[0]), H5free_memory(overrides[1]);
        H5Tclose(type), H5Aclose(attribute), H5Gclose(variant);
    }
    /* One variant per point, nothing else. */
    hsize_t n_variants = 0;
    hid_t variants = H5Gopen2(file, "/variants", H5P_DEFAULT);
    H5Gget_num_objs(variants, &n_variants);
    cr_assert_eq(n_variants, 7);
    H5Gclose(variants);
    H5Fclose(file);
    plan_design_free(&expected);
}

Test(design_output, usage_errors) {
    cr_assert_eq(c5sim("--lhs 4 --range sharing.level=0:1 --vary sharing.latency=0,1 -q"), 2);
    cr_assert_eq(c5sim("--range sharing.level=0:1 -q"), 2);
    cr_assert_eq(c5sim("--lhs 4 -q"), 2);
    cr_assert_eq(c5sim("--lhs 0 --range sharing.level=0:1 -q"), 2);
    cr_assert_eq(c5sim("--lhs 3 --range sharing.level=1:0 -q"), 2);
    /* A value the scenario refuses is a scenario error naming the variant. */
    cr_assert_eq(c5sim("--lhs 3 --range sharing.level=0:2 -q"), 2);
    /* Same seed, same design: the printed tables agree. */
    cr_assert_eq(c5sim("--lhs 5 --range sharing.level=0:1 -r 2 -s 3 -q -o a.h5"), 0);
    cr_assert_eq(c5sim("--lhs 5 --range sharing.level=0:1 -r 2 -s 3 -q -t 2 -o b.h5"), 0);
    char command[1024];
    snprintf(command, sizeof command, "cd '%s' && h5diff -q a.h5 b.h5 /design /design", workdir);
    cr_assert_eq(system(command), 0);
}

/* The distributions of --range against their closed forms: the inverse CDF at known points, and
 * a hypercube's stratification through it (each stratum of probability holds one point). */
Test(design, range_distributions_follow_their_inverse_cdf) {
    struct plan_range range;
    char err[256];
    cr_assert_eq(plan_range_parse("a=loguniform:0.001:0.1", &range, err, sizeof err), 0, "%s", err);
    cr_assert_float_eq(plan_range_quantile(&range, 0.5), 0.01, 1e-15);
    cr_assert_float_eq(plan_range_quantile(&range, 0.25), pow(10, -2.5), 1e-15);
    plan_range_free(&range);
    cr_assert_eq(plan_range_parse("a=triangular:0:0.8:1", &range, err, sizeof err), 0);
    /* F(x) = x^2 / 0.8 below the mode: F(0.4) = 0.2; above: 1 - (1 - x)^2 / 0.2 */
    cr_assert_float_eq(plan_range_quantile(&range, 0.2), 0.4, 1e-12);
    cr_assert_float_eq(plan_range_quantile(&range, 0.8), 0.8, 1e-12);
    cr_assert_float_eq(plan_range_quantile(&range, 1 - 0.05), 1 - sqrt(0.05 * 0.2), 1e-12);
    plan_range_free(&range);
    cr_assert_eq(plan_range_parse("a=normal:0.5:0.2:0:1", &range, err, sizeof err), 0);
    cr_assert_float_eq(plan_range_quantile(&range, 0.5), 0.5, 1e-12); /* symmetric bounds */
    double low = gsl_cdf_gaussian_P(-0.5, 0.2), high = gsl_cdf_gaussian_P(0.5, 0.2);
    double u = 0.1, x = plan_range_quantile(&range, u);
    cr_assert_float_eq((gsl_cdf_gaussian_P(x - 0.5, 0.2) - low) / (high - low), u, 1e-9);
    plan_range_free(&range);
    /* a hypercube of 50 points puts exactly one in each 1/50 of probability */
    cr_assert_eq(plan_range_parse("a=triangular:0:0.8:1", &range, err, sizeof err), 0);
    struct plan_design design;
    cr_assert_eq(plan_design_lhs(&design, &range, 1, 50, 7, err, sizeof err), 0, "%s", err);
    int seen[50] = {0};
    for (int p = 0; p < 50; p++) {
        double v = design.values[p];
        double F = v <= 0.8 ? v * v / 0.8 : 1 - (1 - v) * (1 - v) / 0.2;
        int stratum = (int)(F * 50 - 1e-7 < 0 ? 0 : F * 50 - 1e-7);
        cr_assert(stratum >= 0 && stratum < 50);
        seen[stratum]++;
    }
    for (int s = 0; s < 50; s++) cr_assert_eq(seen[s], 1, "stratum %d holds %d points", s, seen[s]);
    plan_design_free(&design);
    plan_range_free(&range);
    /* refusals */
    cr_assert_eq(plan_range_parse("a=loguniform:0:1", &range, err, sizeof err), -1);
    cr_assert(strstr(err, "0 < A") != NULL, "%s", err);
    cr_assert_eq(plan_range_parse("a=triangular:0:2:1", &range, err, sizeof err), -1);
    cr_assert_eq(plan_range_parse("a=normal:0.5:0:0:1", &range, err, sizeof err), -1);
    cr_assert_eq(plan_range_parse("a=normal:9:0.1:0:1", &range, err, sizeof err), -1);
    cr_assert(strstr(err, "no mass") != NULL, "%s", err);
    cr_assert_eq(plan_range_parse("a=gamma:1:2", &range, err, sizeof err), -1);
}
