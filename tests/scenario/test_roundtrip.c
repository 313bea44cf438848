/* test_roundtrip.c — shipped scenarios validate; --set on a numeric leaf changes exactly that
 * value in `describe`; the c5sim validate/describe commands; no input crashes the loader. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "internal.h"
#include "../common/leak_check.h"
#include "scenario.h"
#include "tree.h"

static void minimal_path(char *out, size_t size) {
    snprintf(out, size, "%s/scenarios/minimal.yaml", getenv("C5SIM_SOURCE_ROOT"));
}

static struct scenario *load(const char *path) {
    struct scenario_errors errors = {0};
    struct scenario *scenario = scenario_load_file(path, &errors);
    scenario_errors_print(&errors, stderr);
    scenario_errors_clear(&errors);
    return scenario;
}

Test(roundtrip, every_shipped_scenario_validates) {
    char folder[1024];
    snprintf(folder, sizeof folder, "%s/scenarios", getenv("C5SIM_SOURCE_ROOT"));
    DIR *dir = opendir(folder);
    cr_assert_not_null(dir);
    int checked = 0;
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        size_t n = strlen(entry->d_name);
        if (n < 6 || strcmp(entry->d_name + n - 5, ".yaml") != 0) continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", folder, entry->d_name);
        struct scenario_errors errors = {0};
        struct scenario *scenario = scenario_load_file(path, &errors);
        struct world *world =
            scenario ? scenario_compile(scenario, (size_t)16 << 30, &errors) : NULL;
        cr_expect_not_null(world, "%s: %s", entry->d_name,
                           errors.count ? errors.messages[0] : "(no message)");
        world_free(world);
        scenario_free(scenario);
        scenario_errors_clear(&errors);
        checked++;
    }
    closedir(dir);
    cr_expect_geq(checked, 1);
    expect_no_leaks();
}

/* describe into a malloc'd string. */
static char *describe(const struct scenario *scenario) {
    char *text = NULL;
    size_t size = 0;
    FILE *stream = open_memstream(&text, &size);
    cr_assert_not_null(stream);
    scenario_describe(scenario, stream);
    fclose(stream);
    return text;
}

/* Lines of `after` that differ from `before` (same line count required); the changed lines are
 * concatenated into `changed`. */
static int changed_lines(const char *before, const char *after, char *changed, size_t size) {
    int count = 0;
    size_t used = 0;
    changed[0] = '\0';
    while (*before || *after) {
        const char *end_before = strchr(before, '\n'), *end_after = strchr(after, '\n');
        size_t length_before = end_before ? (size_t)(end_before - before) : strlen(before);
        size_t length_after = end_after ? (size_t)(end_after - after) : strlen(after);
        if (length_before != length_after || memcmp(before, after, length_before) != 0) {
            count++;
            used += (size_t)snprintf(changed + used, size > used ? size - used : 0, "%.*s\n",
                                     (int)length_after, after);
        }
        if (!end_before || !end_after) {
            if (end_before || end_after) return -1; /* different line counts */
            break;
        }
        before = end_before + 1;
        after = end_after + 1;
    }
    return count;
}

/* Describe with and without one override; the diff is the changed lines. */
static int diff_with(const struct scenario *base, const char *text, char *changed, size_t size,
                     struct scenario_errors *errors) {
    struct scenario_override override;
    cr_assert_eq(scenario_override_parse(text, "--set", &override, errors), 0);
    struct scenario *variant = scenario_with_overrides(base, &override, 1, errors);
    scenario_override_free(&override);
    if (!variant) return -2;
    char *before = describe(base), *after = describe(variant);
    int count = changed_lines(before, after, changed, size);
    free(before);
    free(after);
    scenario_free(variant);
    return count;
}

Test(roundtrip, set_changes_exactly_that_value_in_describe) {
    char path[1024];
    minimal_path(path, sizeof path);
    struct scenario *base = load(path);
    cr_assert_not_null(base);
    static const struct {
        const char *set;       /* PATH=VALUE */
        int lines;             /* lines of describe that must change */
        const char *line_part; /* what the changed line now says */
    } cases[] = {
        {"states.TJK.detect.trafficking=0.33", 1, "TJK     trafficking         0.33"},
        {"states.TJK.response.units=7", 1, "Tajikistan                    7"},
        {"states.TJK.leak=0.07", 1, "0.07"},
        {"threats.drug_convoy.origins.afg_kunduz.rate=0.27", 1, "rate 0.27/tick"},
        {"threats.drug_convoy.origins.afg_kunduz.season.peak=200", 1, "peak 200 period"},
        {"threats.drug_convoy.stealth=0.65", 1, "stealth 0.65, dwell 2"},
        {"threats.cell_attack.dwell=9", 1, "stealth 1, dwell 9"},
        {"threats.cell_attack.escalation.decay=0.75", 1, "boost 0.5 decay 0.75"},
        {"regions.tjk_khatlon.lon=68.512345", 1, "68.5123"},
        {"partners.unodc.level=0.6", 1, "level 0.6, latency 2"},
        {"partners.unodc.coverage.terrorism=0.125", 1, "terrorism 0.125"},
        {"trust.initial=0.45", 1, "initial 0.45"},
        {"burn.ticks=12", 1, "for 12 ticks"},
        {"hub.latency=4", 1, "latency 4"},
        {"run.seed=7", 1, "seed 7,"},
        {"measures.unodc_liaison.cost=6.5", 1, "cost 6.5"},
        /* A region-wide value shows in each row it reaches: both of TJK's domains. */
        {"sharing.level=0.35", 2, "0.35"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char changed[4096];
        struct scenario_errors errors = {0};
        int count = diff_with(base, cases[i].set, changed, sizeof changed, &errors);
        cr_expect_eq(count, cases[i].lines, "%s: %d lines changed:\n%s%s", cases[i].set, count,
                     changed, errors.count ? errors.messages[0] : "");
        cr_expect(strstr(changed, cases[i].line_part) != NULL, "%s: changed:\n%s", cases[i].set,
                  changed);
        scenario_errors_clear(&errors);
    }
    scenario_free(base);
    expect_no_leaks();
}

/* Walk every numeric leaf of the file (outside lists and measure override sets). */
static void numeric_leaves(const struct tree *node, char *path, size_t length, char **out,
                           int *count, int capacity) {
    if (node->kind != TREE_MAP) return;
    for (int i = 0; i < node->count; i++) {
        const char *key = node->keys[i]->text;
        if (strcmp(key, "set") == 0 || strcmp(key, "c5sim") == 0) continue;
        size_t used = length ? (size_t)snprintf(path + length, 512 - length, ".%s", key)
                             : (size_t)snprintf(path, 512, "%s", key);
        const struct tree *value = node->items[i];
        if (value->kind == TREE_MAP) {
            numeric_leaves(value, path, length + used, out, count, capacity);
        } else if (value->kind == TREE_SCALAR && !value->quoted && *count < capacity) {
            char *end;
            double number = strtod(value->text, &end);
            if (*end != '\0' || end == value->text) continue;
            int integer = !strpbrk(value->text, ".eE");
            /* A new value inside every range the format has: halve, or step an integer. */
            double changed = integer ? number + 1 : (number == 0 ? 0.01 : number / 2);
            char text[700];
            snprintf(text, sizeof text, "%s=%.10g", path, changed);
            out[(*count)++] = strdup(text);
        }
        path[length] = '\0';
    }
}

Test(roundtrip, set_on_every_numeric_leaf_of_minimal_shows_in_describe) {
    char file[1024];
    minimal_path(file, sizeof file);
    struct scenario *base = load(file);
    cr_assert_not_null(base);
    char *leaves[256], path[512] = "";
    int count = 0;
    numeric_leaves(base->tree, path, 0, leaves, &count, 256);
    cr_expect_geq(count, 40, "only %d numeric leaves found", count);
    for (int i = 0; i < count; i++) {
        char changed[4096];
        struct scenario_errors errors = {0};
        int lines = diff_with(base, leaves[i], changed, sizeof changed, &errors);
        cr_expect_geq(lines, 1, "--set %s changed nothing in describe (%s)", leaves[i],
                      errors.count ? errors.messages[0] : "no error");
        /* One value is one line, except a value for every domain (a plain number under a
         * per-domain key, or region-wide sharing), which shows in each domain's row. */
        char set_path[512];
        snprintf(set_path, sizeof set_path, "%s", leaves[i]);
        *strchr(set_path, '=') = '\0';
        const char *leaf = strrchr(set_path, '.') ? strrchr(set_path, '.') + 1 : set_path;
        int every_domain = strncmp(leaves[i], "sharing.", 8) == 0 || strcmp(leaf, "detect") == 0 ||
                           strcmp(leaf, "border_bonus") == 0 || strcmp(leaf, "cue_gain") == 0;
        int limit = every_domain ? base->world->n_domains : 1;
        cr_expect_leq(lines, limit, "--set %s changed %d lines:\n%s", leaves[i], lines, changed);
        scenario_errors_clear(&errors);
        free(leaves[i]);
    }
    scenario_free(base);
    expect_no_leaks();
}

/* Run `$C5SIM ARGS`; stdout and stderr into out; returns the exit status. */
static int run_c5sim(const char *args, char *out, size_t size) {
    const char *exe = getenv("C5SIM");
    cr_assert(exe, "C5SIM is not set (run through meson test)");
    char command[4096];
    snprintf(command, sizeof command, "cd '%s' && '%s' %s 2>&1", getenv("C5SIM_SOURCE_ROOT"), exe,
             args);
    FILE *pipe = popen(command, "r");
    cr_assert(pipe);
    size_t used = fread(out, 1, size - 1, pipe);
    out[used] = '\0';
    int status = pclose(pipe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Test(cli, validate_prints_a_summary_per_valid_file) {
    char out[8192];
    cr_assert_eq(run_c5sim("validate scenarios/minimal.yaml", out, sizeof out), 0, "%s", out);
    cr_expect_str_eq(out, "scenarios/minimal.yaml: ok: 1 state, 3 regions (1 external), 2 "
                          "routes, 2 threat types, 1 partner, 2 measures\n");
    expect_no_leaks();
}

Test(cli, validate_exits_2_and_reports_each_invalid_file) {
    char out[8192];
    cr_assert_eq(run_c5sim("validate scenarios/minimal.yaml tests/bad/many_errors.yaml "
                           "tests/bad/empty.yaml",
                           out, sizeof out),
                 2);
    cr_expect(strstr(out, "scenarios/minimal.yaml: ok:") != NULL, "%s", out);
    cr_expect(strstr(out, "tests/bad/many_errors.yaml:16:25: error: threats.t1.origins.x.rate:") !=
                  NULL,
              "%s", out);
    cr_expect(strstr(out, "tests/bad/empty.yaml:1:1: error: document: the file is empty") != NULL,
              "%s", out);
    expect_no_leaks();
}

Test(cli, validate_with_bad_set_reports_the_override) {
    char out[8192];
    cr_assert_eq(
        run_c5sim("validate --set states.TJX.detect=0.3 scenarios/minimal.yaml", out, sizeof out),
        2);
    cr_expect_str_eq(out, "--set states.TJX.detect=0.3: error: states.TJX: no state named TJX "
                          "(did you mean TJK?)\n");
    cr_assert_eq(run_c5sim("validate --max-memory 1K scenarios/minimal.yaml", out, sizeof out), 2);
    cr_expect(strstr(out, "above the memory limit") != NULL, "%s", out);
    cr_assert_eq(run_c5sim("validate --frob scenarios/minimal.yaml", out, sizeof out), 2);
    cr_assert_eq(run_c5sim("validate", out, sizeof out), 2);
    cr_expect(strstr(out, "no scenario file given") != NULL, "%s", out);
    expect_no_leaks();
}

Test(cli, describe_shows_the_set_value) {
    char before[65536], after[65536];
    cr_assert_eq(run_c5sim("describe scenarios/minimal.yaml", before, sizeof before), 0);
    cr_assert_eq(run_c5sim("describe --set=states.TJK.response.busy_ticks=6 "
                           "scenarios/minimal.yaml",
                           after, sizeof after),
                 0);
    cr_expect(strstr(before, "Threat catalog (2 types)") != NULL, "%s", before);
    char changed[4096];
    cr_expect_eq(changed_lines(before, after, changed, sizeof changed), 1, "%s", changed);
    cr_expect(strstr(changed, "0.6     6") != NULL, "%s", changed);
    expect_no_leaks();
}

Test(cli, help_has_usage_options_examples_and_exit_codes) {
    const char *commands[] = {"validate", "describe"};
    for (int i = 0; i < 2; i++) {
        char out[8192], args[64];
        snprintf(args, sizeof args, "%s --help", commands[i]);
        cr_assert_eq(run_c5sim(args, out, sizeof out), 0);
        cr_expect(strstr(out, "usage: c5sim ") != NULL, "%s", out);
        cr_expect(strstr(out, "--set PATH=VALUE") != NULL, "%s", out);
        cr_expect(strstr(out, "Examples:") != NULL, "%s", out);
        cr_expect(strstr(out, "Exit codes:") != NULL, "%s", out);
    }
    expect_no_leaks();
}

/* ---- hostile input: every prefix, random bytes, random edits ----------------------------------
 */

static char *read_all(const char *path, size_t *length) {
    FILE *file = fopen(path, "rb");
    cr_assert_not_null(file);
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    cr_assert_eq(fread(text, 1, (size_t)size, file), (size_t)size);
    fclose(file);
    *length = (size_t)size;
    return text;
}

/* Load: either a scenario or at least one error, never both, never neither. */
static void load_any(const char *text, size_t length) {
    struct scenario_errors errors = {0};
    struct scenario *scenario = scenario_load_text("fuzz.yaml", text, length, &errors);
    cr_assert((scenario != NULL) != (errors.count > 0), "scenario %p with %d errors",
              (void *)scenario, errors.count);
    if (scenario) {
        struct world *world = scenario_compile(scenario, (size_t)1 << 30, &errors);
        world_free(world);
    }
    scenario_free(scenario);
    scenario_errors_clear(&errors);
}

Test(hostile, every_prefix_of_minimal_loads_or_fails_cleanly, .timeout = 120) {
    char path[1024];
    minimal_path(path, sizeof path);
    size_t length;
    char *text = read_all(path, &length);
    for (size_t cut = 0; cut <= length; cut++) load_any(text, cut);
    free(text);
    expect_no_leaks();
}

static unsigned long long xorshift(unsigned long long *state) {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

Test(hostile, random_bytes_and_random_edits, .timeout = 120) {
    char path[1024];
    minimal_path(path, sizeof path);
    size_t length;
    char *text = read_all(path, &length);
    unsigned long long state = 0x9E3779B97F4A7C15ull; /* fixed seed: reproducible */
#define NEXT() xorshift(&state)
    char garbage[512];
    for (int round = 0; round < 200; round++) {
        size_t n = NEXT() % sizeof garbage;
        for (size_t i = 0; i < n; i++) garbage[i] = (char)(NEXT() & 0xff);
        load_any(garbage, n);
    }
    static const char alphabet[] = "{}[]:,-&*!|>'\"#%@` \n\t0123456789.eE+~aZ_";
    char *edited = malloc(length + 1);
    for (int round = 0; round < 300; round++) {
        memcpy(edited, text, length);
        for (int edit = 0; edit < 3; edit++) {
            size_t at = NEXT() % length;
            edited[at] = alphabet[NEXT() % (sizeof alphabet - 1)];
        }
        load_any(edited, length);
    }
#undef NEXT
    free(edited);
    free(text);
    expect_no_leaks();
}

Test(hostile, syntax_error_at_the_last_line_reads_nothing_past_the_input) {
    /* Found by fuzz_scenario: the indentation outline of a syntax error read past the end of
     * an input that is not NUL-terminated. The buffer is exactly the input's size. */
    static const char input[] = "name: bad\nruame: bad\nrun:'{0}\n    ";
    size_t length = sizeof input - 1;
    char *exact = malloc(length);
    memcpy(exact, input, length);
    struct scenario_errors errors = {0};
    cr_expect_null(scenario_load_text("cut.yaml", exact, length, &errors));
    cr_expect_geq(errors.count, 1);
    scenario_errors_clear(&errors);
    free(exact);
    expect_no_leaks();
}

Test(hostile, huge_flat_alias_free_inputs_are_bounded) {
    /* 200000 nested flow sequences would recurse in a naive loader; here depth stops at 64. */
    size_t n = 200000;
    char *text = malloc(2 * n + 1);
    memset(text, '[', n);
    memset(text + n, ']', n);
    load_any(text, 2 * n);
    /* A scalar beyond the length bound. */
    size_t long_length = (1 << 20) + 16;
    char *long_text = malloc(long_length + 8);
    memcpy(long_text, "name: ", 6);
    memset(long_text + 6, 'x', long_length);
    struct scenario_errors errors = {0};
    cr_expect_null(scenario_load_text("long.yaml", long_text, long_length + 6, &errors));
    cr_assert_geq(errors.count, 1);
    cr_expect(strstr(errors.messages[0], "long.yaml:1:7: error: name: value too long") != NULL,
              "%s", errors.messages[0]);
    scenario_errors_clear(&errors);
    free(long_text);
    free(text);
    expect_no_leaks();
}
