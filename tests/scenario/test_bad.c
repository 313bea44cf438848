/* test_bad.c — every bad scenario under tests/bad/ fails with its exact line, column and path. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/leak_check.h"
#include "scenario.h"

struct bad_case {
    const char *file;     /* under tests/bad/ */
    const char *where;    /* "LINE:COLUMN: error: KEY.PATH: " of the first error */
    const char *fragment; /* part of what is wrong */
};

static const struct bad_case bad_cases[] = {
    /* types */
    {"type_ticks_text", "2:14: error: run.ticks: ", "'ten' is not a number"},
    {"type_map_for_number", "3:10: error: run.ticks: ", "got a mapping"},
    {"type_states_scalar", "3:9: error: states: ", "got a single value"},
    {"type_quoted_number", "4:15: error: states.AAA.leak: ", "is quoted text"},
    {"type_bool", "16:15: error: threats.t1.adaptive: ", "not a truth value"},
    {"type_float_for_integer", "16:12: error: threats.t1.dwell: ", "2.5 is not a whole number"},
    {"top_level_list", "1:1: error: document: ", "got a list"},
    /* ranges */
    {"range_probability", "5:13: error: states.AAA.detect: ", "1.5 is out of range"},
    {"range_negative_rate", "16:25: error: threats.t1.origins.x.rate: ", "-0.1 is out of range"},
    {"range_ticks_zero", "2:14: error: run.ticks: ", "0 is out of range"},
    {"range_latitude", "8:32: error: regions.b.lat: ", "91 is out of range"},
    {"range_latency", "2:35: error: sharing.latency: ", "5000 is out of range"},
    /* required keys, reported at the parent mapping */
    {"required_name", "1:1: error: name: ", "missing required key"},
    {"required_owner", "7:6: error: regions.a.owner: ", "missing required key"},
    {"required_rate", "17:10: error: threats.t1.origins.x.rate: ", "missing required key"},
    {"required_severity", "15:5: error: threats.t1.severity: ", "missing required key"},
    {"required_ticks", "2:6: error: run.ticks: ", "missing required key"},
    /* unknown keys, with a suggestion */
    {"unknown_top_key", "19:1: error: stats: ", "did you mean 'states'?"},
    {"unknown_state_key", "5:5: error: states.AAA.detetc: ", "did you mean 'detect'?"},
    {"unknown_domain", "5:24: error: states.AAA.detect.cyberr: ", "did you mean 'cyber'?"},
    {"unknown_policy", "3:11: error: sharing.policy: ", "did you mean 'full'?"},
    {"unknown_threat_key", "16:5: error: threats.t1.stelth: ", "did you mean 'stealth'?"},
    /* references */
    {"ref_owner", "8:14: error: regions.b.owner: ", "no state named BBC (did you mean BBB?)"},
    {"ref_route_end", "12:9: error: routes[1].to: ", "no region named bb (did you mean b?)"},
    {"ref_origin", "16:15: error: threats.t1.origins.y: ", "no region named y"},
    {"ref_target", "17:21: error: threats.t1.targets.c: ", "no region named c"},
    {"ref_domain", "15:13: error: threats.t1.domain: ", "did you mean 'military'?"},
    {"ref_partner_member", "20:38: error: partners.un.members[1]: ", "no state named CCC"},
    {"ref_agreement", "5:58: error: states.AAA.sharing.agreements.ZZZ: ", "no state named ZZZ"},
    {"ref_external_target", "17:21: error: threats.t1.targets.x: ", "external region"},
    {"ref_measure_path", "24:7: measure drill: error: states.CCC: ", "no state named CCC"},
    {"ref_hub_member", "5:3: error: states.BBB.sharing.policy: ", "not a hub member"},
    {"agreement_self", "5:28: error: states.AAA.sharing.agreements.AAA: ", "with itself"},
    /* states that choose (docs/model.md §5.15-§5.16) */
    {"adapt_unknown_rule", "4:17: error: sharing.adapt.rule: ", "did you mean 'imitation'?"},
    {"adapt_no_period", "4:10: error: sharing.adapt: ", "'tit_for_tat' without a period"},
    {"adapt_step_range", "4:49: error: sharing.adapt.step: ", "0 is out of range"},
    {"exploit_unknown_key", "4:28: error: states.AAA.exploit.exclusion: ", "unknown key"},
    {"exploit_negative_gain", "4:25: error: states.AAA.exploit.gain: ", "-1 is out of range"},
    {"exploit_scalar", "4:18: error: states.AAA.exploit: ", "got a single value"},
    {"monitoring_range", "4:21: error: states.AAA.monitoring: ", "1.5 is out of range"},
    /* reachability */
    {"reach_unreachable", "18:21: error: threats.t1.targets.island: ", "unreachable from origin x"},
    /* duplicates */
    {"dup_key", "9:3: error: regions.a: ", "duplicate key (first given at line 7, column 3"},
    {"dup_flow_key", "8:27: error: regions.b.lon: ", "duplicate key"},
    {"dup_route", "13:5: error: routes[2]: ", "a - b is joined twice"},
    {"dup_member", "19:27: error: hub.members[2]: ", "AAA is listed twice"},
    {"dup_domain", "2:28: error: domains[2]: ", "military is listed twice"},
    /* size limits and the memory estimate */
    {"size_states", "3:9: error: states: ", "65 states (expected at most 64)"},
    {"size_domains", "2:10: error: domains: ", "17 domains (expected at most 16)"},
    {"size_memory", "16:25: error: threats.t1.origins.x.rate: ", "above the memory limit"},
    /* YAML syntax, with libyaml's position */
    {"syntax_missing_colon", "4:7: error: run: ", "mapping values are not allowed"},
    {"syntax_bad_indent", "9:4: error: regions: ", "did not find expected key"},
    {"syntax_tab", "4:1: error: states: ", "cannot start any token"},
    {"two_documents", "19:1: error: document: ", "a second document"},
    /* hostile input */
    {"alias_billion_laughs", "2:8: error: b[0]: ", "aliases are not supported"},
    {"alias_in_scenario", "6:8: error: states.CCC: ", "aliases are not supported"},
    {"deep_nesting", "2:69: error: run[0]", "nested too deep (expected at most 64 levels)"},
    {"empty", "1:1: error: document: ", "the file is empty"},
    {"comments_only", "1:1: error: document: ", "the file is empty"},
    {"binary_garbage", "1:1: error: document: ", "control characters are not allowed"},
    {"truncated", "9:1: error: regions.b: ", "did not find expected node content"},
    /* numbers */
    {"number_1e400", "16:25: error: threats.t1.origins.x.rate: ", "1e400 is too large"},
    {"number_nan", "5:13: error: states.AAA.detect: ", ".nan is not a finite number"},
    {"number_inf", "16:25: error: threats.t1.origins.x.rate: ", ".inf is not a finite number"},
    {"number_negative_zero_period", "17:55: error: threats.t1.origins.x.season.period: ",
     "-0 is out of range (expected a period in ticks > 0)"},
    {"number_huge_integer", "2:24: error: run.seed: ", "99999999999999999999 is too large"},
    {"number_text", "5:23: error: states.AAA.response.units: ", "'3x' is not a number"},
    /* names and shapes */
    {"name_bad_code", "5:3: error: states.bbb: ", "is not a state code"},
    {"route_to_itself", "13:5: error: routes[2]: ", "a route from b to itself"},
    {"route_shape", "12:5: error: routes[1]: ", "a list without 3 items"},
    {"severity_both_forms", "18:15: error: threats.t1.severity: ", "expected one form"},
    {"weights_zero", "17:14: error: threats.t1.targets: ", "the weights sum to 0"},
    /* the channels of intelligence */
    {"network_both_forms",
     "19:36: error: threats.t1.network.campaigns: ", "both count and campaigns given"},
    {"network_count_range", "19:22: error: threats.t1.network.count: ", "5000 is out of range"},
    {"network_unknown_key",
     "19:38: error: threats.t1.network.campaigns.lifetim: ", "did you mean 'lifetime'?"},
    {"network_no_form", "19:14: error: threats.t1.network: ", "missing count or campaigns"},
    {"collection_owned_region",
     "4:22: error: states.AAA.collection.a: ", "expected an external region"},
    {"collection_unknown_region",
     "4:22: error: states.AAA.collection.xx: ", "no region named xx (did you mean x?)"},
    {"mitigation_unknown_domain",
     "4:22: error: states.AAA.mitigation.militery: ", "did you mean 'military'?"},
    {"network_gain_range", "4:23: error: states.AAA.network_gain: ", "1.2 is out of range"},
    {"channels_unknown", "19:24: error: channels.netwrk: ", "did you mean 'network'?"},
    {"partner_region_owned",
     "20:18: error: partners.un.regions.b: ", "expected an external region"},
    {"hub_fusion_bool", "19:15: error: hub.fusion: ", "not a truth value"},
    /* routing */
    {"route_checkpoint_not_crossing",
     "14:44: error: routes[2].checkpoint: ", "b - c is not a border crossing"},
    {"routing_ties_unknown", "19:17: error: routing.ties: ", "did you mean 'regional'?"},
    /* the uncertainty: block (decode_uncertainty.c), extremes checked at load */
    {"uncertainty_bad_path", "20:3: error: uncertainty.states..detect: ", "not a parameter path"},
    {"uncertainty_choice_bad_value",
     "20:3: uncertainty sharing.policy=fullx (one of its values): error: sharing.policy: ",
     "no sharing policy named 'fullx'"},
    {"uncertainty_choice_scale_text",
     "20:18: error: uncertainty.sharing.level: ", "'high' is not a number, so it cannot scale"},
    {"uncertainty_extreme_invalid",
     "20:3: uncertainty threats.t1.origins.x.rate=-1 (its low end): error: "
     "threats.t1.origins.x.rate: ",
     "-1 is out of range"},
    {"uncertainty_high_below_low",
     "20:68: error: uncertainty.threats.t1.origins.x.rate.high: ", "0.5 is below low 1"},
    {"uncertainty_key_not_taken", "20:62: error: uncertainty.threats.t1.origins.x.rate.mode: ",
     "not a parameter of a uniform distribution"},
    {"uncertainty_missing_high",
     "20:30: error: uncertainty.threats.t1.origins.x.rate.high: ", "missing required key"},
    {"uncertainty_scale_inherited",
     "20:3: uncertainty states.*.detect*=0.8 (its low end): error: states.AAA.detect: ",
     "no value written in the file there to scale"},
    {"uncertainty_unknown_distribution",
     "20:45: error: uncertainty.threats.t1.origins.x.rate.distribution: ",
     "no distribution named 'gaussian'"},
    {"uncertainty_weights_length",
     "20:77: error: uncertainty.sharing.policy.weights: ", "expected a list of 2 numbers > 0"},
};

static void bad_path(const char *name, char *out, size_t size) {
    const char *tests = getenv("C5SIM_TESTS");
    cr_assert(tests, "C5SIM_TESTS is not set (run through meson test)");
    snprintf(out, size, "%s/bad/%s.yaml", tests, name);
}

/* Load and compile (16 GiB limit, as `c5sim validate`); the errors of whichever step failed. */
static int load_errors(const char *path, struct scenario_errors *errors) {
    struct scenario *scenario = scenario_load_file(path, errors);
    if (!scenario) return -1;
    struct world *world = scenario_compile(scenario, (size_t)16 << 30, errors);
    int ok = world != NULL;
    world_free(world);
    scenario_free(scenario);
    return ok ? 0 : -1;
}

Test(bad, every_bad_scenario_reports_its_line_column_and_path) {
    size_t n = sizeof bad_cases / sizeof bad_cases[0];
    cr_assert_geq(n, 40);
    for (size_t i = 0; i < n; i++) {
        char path[1024], expected[1400];
        bad_path(bad_cases[i].file, path, sizeof path);
        struct scenario_errors errors = {0};
        cr_assert_eq(load_errors(path, &errors), -1, "%s loaded", bad_cases[i].file);
        cr_assert_geq(errors.count, 1, "%s: no message", bad_cases[i].file);
        snprintf(expected, sizeof expected, "%s:%s", path, bad_cases[i].where);
        cr_expect(strncmp(errors.messages[0], expected, strlen(expected)) == 0,
                  "%s: expected '%s...', got '%s'", bad_cases[i].file, expected,
                  errors.messages[0]);
        cr_expect(strstr(errors.messages[0], bad_cases[i].fragment) != NULL,
                  "%s: expected '%s' in '%s'", bad_cases[i].file, bad_cases[i].fragment,
                  errors.messages[0]);
        scenario_errors_clear(&errors);
    }
    expect_no_leaks();
}

Test(bad, every_file_in_tests_bad_has_a_case) {
    /* A file added without a case would test nothing: keep the table and folder in step. */
    char command[1200];
    snprintf(command, sizeof command, "ls '%s/bad'", getenv("C5SIM_TESTS"));
    FILE *listing = popen(command, "r");
    cr_assert(listing);
    char line[512];
    int files = 0;
    while (fgets(line, sizeof line, listing)) {
        char *dot = strstr(line, ".yaml");
        if (!dot) continue;
        *dot = '\0';
        files++;
        int found = 0;
        for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++)
            found |= strcmp(bad_cases[i].file, line) == 0;
        found |= strcmp(line, "many_errors") == 0;
        cr_expect(found, "tests/bad/%s.yaml has no test case", line);
    }
    pclose(listing);
    cr_assert_geq(files, 41);
    expect_no_leaks();
}

Test(bad, all_errors_of_a_file_are_reported) {
    char path[1024];
    bad_path("many_errors", path, sizeof path);
    struct scenario_errors errors = {0};
    cr_assert_eq(load_errors(path, &errors), -1);
    const char *expected[] = {"2:14: error: run.ticks: -1 is out of range",
                              "4:9: error: states.AAA.leek: unknown key (did you mean 'leak'?)",
                              "8:32: error: regions.b.lat: 100 is out of range",
                              "16:25: error: threats.t1.origins.x.rate: 'lots' is not a number"};
    cr_assert_eq(errors.count, 4, "got %d errors", errors.count);
    for (int i = 0; i < 4; i++)
        cr_expect(strstr(errors.messages[i], expected[i]) != NULL, "message %d: %s", i,
                  errors.messages[i]);
    scenario_errors_clear(&errors);
    expect_no_leaks();
}

Test(bad, errors_stop_at_the_cap_and_count_the_rest) {
    /* 80 regions each with a bad latitude: 50 kept, 30 counted. */
    size_t size = 1 << 16;
    char *text = malloc(size);
    size_t used = (size_t)snprintf(text, size,
                                   "name: cap\nrun: {ticks: 1}\nstates: {AAA: {}}\n"
                                   "regions:\n");
    for (int i = 0; i < 80; i++)
        used += (size_t)snprintf(text + used, size - used,
                                 "  r%d: {owner: AAA, lon: 0, lat: 500}\n", i);
    used += (size_t)snprintf(text + used, size - used,
                             "threats:\n  t: {domain: military, origins: {r0: {rate: 1}}, "
                             "targets: {r0: 1}, severity: {mu: 0}}\n");
    struct scenario_errors errors = {0};
    cr_assert_null(scenario_load_text("cap.yaml", text, used, &errors));
    cr_expect_eq(errors.count, SCENARIO_MAX_ERRORS);
    cr_expect_eq(errors.dropped, 30);
    cr_expect(strstr(errors.messages[0], "cap.yaml:5:33: error: regions.r0.lat:") != NULL, "%s",
              errors.messages[0]);
    scenario_errors_clear(&errors);
    free(text);
    expect_no_leaks();
}

Test(bad, duplicate_in_a_large_mapping_is_found) {
    /* Large maps are checked by sorting rather than pairwise: the duplicate is still named. */
    size_t size = 1 << 16;
    char *text = malloc(size);
    size_t used = (size_t)snprintf(text, size,
                                   "name: dup\nrun: {ticks: 1}\nstates: {AAA: {}}\n"
                                   "regions:\n");
    for (int i = 0; i < 100; i++)
        used += (size_t)snprintf(text + used, size - used, "  r%d: {owner: AAA, lon: 0, lat: 0}\n",
                                 i == 70 ? 3 : i);
    struct scenario_errors errors = {0};
    cr_assert_null(scenario_load_text("dup.yaml", text, used, &errors));
    cr_assert_eq(errors.count, 1);
    cr_expect(strstr(errors.messages[0],
                     "dup.yaml:75:3: error: regions.r3: duplicate key (first given at line 8, "
                     "column 3") != NULL,
              "%s", errors.messages[0]);
    scenario_errors_clear(&errors);
    free(text);
    expect_no_leaks();
}
