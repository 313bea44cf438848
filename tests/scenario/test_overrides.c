/* test_overrides.c — PATH=VALUE overrides: values change, bad paths and values are reported. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/leak_check.h"
#include "scenario.h"

static struct scenario *load_minimal(void) {
    char path[1024];
    snprintf(path, sizeof path, "%s/scenarios/minimal.yaml", getenv("C5SIM_SOURCE_ROOT"));
    struct scenario_errors errors = {0};
    struct scenario *scenario = scenario_load_file(path, &errors);
    if (!scenario) scenario_errors_print(&errors, stderr);
    cr_assert_not_null(scenario, "minimal.yaml does not load");
    scenario_errors_clear(&errors);
    return scenario;
}

/* Apply `texts` (each PATH=VALUE, origin --set). Returns the variant or NULL with errors. */
static struct scenario *apply(const struct scenario *base, const char **texts, int count,
                              struct scenario_errors *errors) {
    struct scenario_override overrides[16];
    for (int i = 0; i < count; i++)
        cr_assert_eq(scenario_override_parse(texts[i], "--set", &overrides[i], errors), 0);
    struct scenario *variant = scenario_with_overrides(base, overrides, count, errors);
    for (int i = 0; i < count; i++) scenario_override_free(&overrides[i]);
    return variant;
}

static struct world *compile(const struct scenario *scenario) {
    struct scenario_errors errors = {0};
    struct world *world = scenario_compile(scenario, 0, &errors);
    cr_assert_not_null(world);
    return world;
}

/* Index of a domain by name in a world. */
static int domain(const struct world *w, const char *name) {
    for (int k = 0; k < w->n_domains; k++)
        if (strcmp(w->domain_names[k], name) == 0) return k;
    cr_assert_fail("no domain %s", name);
    return -1;
}

/* The first error must be exactly `expected`. */
static void expect_error(const char *text, const char *expected) {
    struct scenario *base = load_minimal();
    struct scenario_errors errors = {0};
    struct scenario *variant = apply(base, &text, 1, &errors);
    cr_expect_null(variant, "%s was accepted", text);
    cr_assert_geq(errors.count, 1, "%s: no message", text);
    cr_expect_str_eq(errors.messages[0], expected);
    scenario_free(variant);
    scenario_errors_clear(&errors);
    scenario_free(base);
}

Test(overrides, per_domain_value_changes_one_domain) {
    struct scenario *base = load_minimal();
    struct scenario_errors errors = {0};
    const char *texts[] = {"states.TJK.detect.trafficking=0.3"};
    struct scenario *variant = apply(base, texts, 1, &errors);
    cr_assert_not_null(variant);
    struct world *w = compile(variant), *before = compile(base);
    int trafficking = domain(w, "trafficking"), terrorism = domain(w, "terrorism");
    cr_expect_float_eq(w->detect[world_sd(w, 0, trafficking)], 0.3, 1e-12);
    cr_expect_float_eq(w->detect[world_sd(w, 0, terrorism)], 0.05, 1e-12);
    cr_expect_float_eq(before->detect[world_sd(before, 0, trafficking)], 0.12, 1e-12,
                       "the base scenario changed");
    world_free(w);
    world_free(before);
    scenario_free(variant);
    scenario_free(base);
    expect_no_leaks();
}

Test(overrides, number_under_per_domain_key_becomes_all_plus_domain) {
    struct scenario *base = load_minimal(); /* cue_gain: 0.2 (a plain number) */
    struct scenario_errors errors = {0};
    const char *texts[] = {"states.TJK.cue_gain.trafficking=0.5"};
    struct scenario *variant = apply(base, texts, 1, &errors);
    cr_assert_not_null(variant);
    struct world *w = compile(variant);
    cr_expect_float_eq(w->cue_gain[world_sd(w, 0, domain(w, "trafficking"))], 0.5, 1e-12);
    cr_expect_float_eq(w->cue_gain[world_sd(w, 0, domain(w, "terrorism"))], 0.2, 1e-12);
    world_free(w);
    scenario_free(variant);
    scenario_free(base);
    expect_no_leaks();
}

Test(overrides, top_level_sharing_and_several_at_once) {
    struct scenario *base = load_minimal();
    struct scenario_errors errors = {0};
    const char *texts[] = {"sharing.level=0.4", "run.ticks=30", "states.TJK.sharing.policy=full",
                           "mutual_assistance.members=[TJK]", "states.TJK.name='New name'"};
    struct scenario *variant = apply(base, texts, 5, &errors);
    scenario_errors_print(&errors, stderr);
    cr_assert_not_null(variant);
    struct world *w = compile(variant);
    cr_expect_float_eq(w->sharing[world_sd(w, 0, 0)].level, 0.4, 1e-12);
    cr_expect_eq(w->sharing[world_sd(w, 0, 0)].policy, POLICY_FULL);
    cr_expect_eq(w->ticks, 30);
    cr_expect_eq(w->states[0].mutual_assistance, 1);
    cr_expect_str_eq(w->states[0].name, "New name");
    world_free(w);
    scenario_free(variant);
    scenario_free(base);
    expect_no_leaks();
}

Test(overrides, null_removes_the_key_so_the_default_applies) {
    struct scenario *base = load_minimal(); /* leak: 0.02; the built-in default is 0 */
    struct scenario_errors errors = {0};
    const char *texts[] = {"states.TJK.leak=~", "states.TJK.sharing.by_domain=null"};
    struct scenario *variant = apply(base, texts, 2, &errors);
    cr_assert_not_null(variant);
    struct world *w = compile(variant);
    cr_expect_float_eq(w->states[0].leak, 0.0, 1e-12);
    world_free(w);
    scenario_free(variant);
    scenario_free(base);
    expect_no_leaks();
}

Test(overrides, measure_overrides_apply_through_the_same_mechanism) {
    struct scenario *base = load_minimal();
    cr_assert_eq(scenario_measure_count(base), 2);
    cr_expect_str_eq(scenario_measure_id(base, 0), "border_patrols");
    const struct scenario_override *overrides;
    int count = scenario_measure_overrides(base, 0, &overrides);
    cr_assert_eq(count, 2);
    cr_expect_str_eq(overrides[0].path, "states.TJK.border_bonus.trafficking");
    cr_expect_str_eq(overrides[0].value, "0.45");
    cr_expect_str_eq(overrides[0].origin, "measure border_patrols");
    struct scenario_errors errors = {0};
    struct scenario *variant = scenario_with_overrides(base, overrides, count, &errors);
    cr_assert_not_null(variant);
    struct world *w = compile(variant);
    cr_expect_float_eq(w->border_bonus[world_sd(w, 0, domain(w, "trafficking"))], 0.45, 1e-12);
    cr_expect_eq(w->states[0].units, 3);
    world_free(w);
    scenario_free(variant);
    scenario_free(base);
    expect_no_leaks();
}

Test(overrides, unknown_state_is_an_error_with_suggestion) {
    expect_error("states.TJX.detect=0.3",
                 "--set states.TJX.detect=0.3: error: states.TJX: no state named TJX (did you "
                 "mean TJK?)");
    expect_no_leaks();
}

Test(overrides, unknown_origin_is_an_error_with_suggestion) {
    expect_error("threats.drug_convoy.origins.afg_kunduzz.rate=0.2",
                 "--set threats.drug_convoy.origins.afg_kunduzz.rate=0.2: error: "
                 "threats.drug_convoy.origins.afg_kunduzz: no origin named afg_kunduzz (did you "
                 "mean afg_kunduz?)");
    expect_no_leaks();
}

Test(overrides, unknown_threat_partner_measure_region) {
    expect_error("threats.drug_convoi.stealth=0.5",
                 "--set threats.drug_convoi.stealth=0.5: error: threats.drug_convoi: no threat "
                 "named drug_convoi (did you mean drug_convoy?)");
    expect_error("partners.unodd.level=0.5", "--set partners.unodd.level=0.5: error: "
                                             "partners.unodd: no partner named unodd (did you "
                                             "mean unodc?)");
    expect_error("regions.tjk_kulob.lon=1", "--set regions.tjk_kulob.lon=1: error: "
                                            "regions.tjk_kulob: no region named tjk_kulob "
                                            "(did you mean tjk_khatlon?)");
    expect_error("measures.curfew.cost=1", "--set measures.curfew.cost=1: error: "
                                           "measures.curfew: no measure named curfew "
                                           "(overrides change values; they do not add a "
                                           "measure)");
    expect_error("threats.drug_convoy.targets.tjk_dushanb=1",
                 "--set threats.drug_convoy.targets.tjk_dushanb=1: error: "
                 "threats.drug_convoy.targets.tjk_dushanb: no target named tjk_dushanb (did you "
                 "mean tjk_dushanbe?)");
    expect_no_leaks();
}

Test(overrides, value_out_of_range) {
    expect_error("states.TJK.leak=1.5", "--set states.TJK.leak=1.5: error: states.TJK.leak: 1.5 "
                                        "is out of range (expected a probability in [0, 1])");
    expect_error("run.ticks=nan", "--set run.ticks=nan: error: run.ticks: nan is not a finite "
                                  "number (expected a whole number in 1..100000)");
    expect_error("states.TJK.sharing.policy=sharing",
                 "--set states.TJK.sharing.policy=sharing: error: states.TJK.sharing.policy: no "
                 "sharing policy named 'sharing' (expected one of: withhold, full, level, "
                 "agreements, reciprocal, hub)");
    expect_no_leaks();
}

Test(overrides, unknown_key_gets_a_suggestion) {
    expect_error("states.TJK.detekt=0.3", "--set states.TJK.detekt=0.3: error: "
                                          "states.TJK.detekt: unknown key (did you mean "
                                          "'detect'?)");
    expect_no_leaks();
}

Test(overrides, bad_paths) {
    expect_error("states..TJK=1", "--set states..TJK=1: error: states..TJK: bad path (expected "
                                  "names joined by dots, each of letters, digits, '_' or '-', "
                                  "e.g. states.TJK.detect.military)");
    expect_error("run.ticks.days=3", "--set run.ticks.days=3: error: run.ticks: holds the single "
                                     "value 365, so nothing can be set inside it (expected a "
                                     "path to a value, e.g. run.ticks=VALUE)");
    expect_error("routes.first=3", "--set routes.first=3: error: routes: is a list, whose items "
                                   "have no names (expected a path through named mappings; set "
                                   "the whole list with routes=[...])");
    expect_no_leaks();
}

Test(overrides, bad_values) {
    expect_error("run.ticks=", "--set run.ticks=: error: run.ticks: empty value (expected a "
                               "value; ~ removes the key)");
    expect_error("states.TJK.leak=[0.1", "--set states.TJK.leak=[0.1: error: states.TJK.leak[1]: "
                                         "did not find expected ',' or ']' (YAML syntax: while "
                                         "parsing a flow sequence at line 1, column 1)");
    expect_error("hub.members=[TJK, KAZ]", "--set hub.members=[TJK, KAZ]: error: "
                                           "hub.members[1]: no state named KAZ (expected one of "
                                           "the codes under states)");
    expect_no_leaks();
}

Test(overrides, text_without_equals_is_refused) {
    struct scenario_errors errors = {0};
    struct scenario_override override;
    cr_assert_eq(scenario_override_parse("states.TJK.leak", "--set", &override, &errors), -1);
    cr_assert_eq(errors.count, 1);
    cr_expect_str_eq(errors.messages[0], "--set states.TJK.leak: error: expected PATH=VALUE (e.g. "
                                         "states.TJK.detect.military=0.3)");
    scenario_errors_clear(&errors);
    expect_no_leaks();
}

Test(overrides, every_bad_override_is_reported) {
    struct scenario *base = load_minimal();
    struct scenario_errors errors = {0};
    const char *texts[] = {"states.TJK.leak=2", "states.XYZ.leak=0.1", "run.ticks=0"};
    cr_assert_null(apply(base, texts, 3, &errors));
    cr_assert_eq(errors.count, 3);
    const char *expected[] = {"run.ticks: 0 is out of range", "states.TJK.leak: 2 is out of range",
                              "states.XYZ: no state named XYZ"};
    for (int i = 0; i < 3; i++) {
        int found = 0;
        for (int j = 0; j < errors.count; j++)
            found |= strstr(errors.messages[j], expected[i]) != 0;
        cr_expect(found, "no message with '%s'", expected[i]);
    }
    scenario_errors_clear(&errors);
    scenario_free(base);
    expect_no_leaks();
}
