/* test_world.c — the compiled world: dense arrays, inheritance, sharing table, paths, limits. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/leak_check.h"
#include "scenario.h"

static struct world *compile_text(const char *text, struct scenario **out) {
    struct scenario_errors errors = {0};
    struct scenario *scenario = scenario_load_text("inline.yaml", text, strlen(text), &errors);
    scenario_errors_print(&errors, stderr);
    cr_assert_not_null(scenario);
    struct world *world = scenario_compile(scenario, 0, &errors);
    cr_assert_not_null(world);
    if (out)
        *out = scenario;
    else
        scenario_free(scenario);
    return world;
}

static int region(const struct world *w, const char *id) {
    for (int g = 0; g < w->n_regions; g++)
        if (strcmp(w->regions[g].id, id) == 0) return g;
    cr_assert_fail("no region %s", id);
    return -1;
}

static const struct world_path *path_of(const struct world *w, int k, int origin, int target) {
    return &w->paths[w->type_first_path[k] + origin * w->types[k].n_targets + target];
}

Test(world, minimal_yaml_compiles_to_the_expected_arrays) {
    char file[1024];
    snprintf(file, sizeof file, "%s/scenarios/minimal.yaml", getenv("C5SIM_SOURCE_ROOT"));
    struct scenario_errors errors = {0};
    struct scenario *scenario = scenario_load_file(file, &errors);
    cr_assert_not_null(scenario);
    struct world *w = scenario_compile(scenario, (size_t)1 << 30, &errors);
    cr_assert_not_null(w);
    cr_expect_str_eq(w->name, "Minimal tutorial");
    cr_expect_eq(w->ticks, 365);
    cr_expect_eq(w->seed, 20240501u);
    cr_expect_eq(w->replicates, 200);
    cr_assert_eq(w->n_states, 1);
    cr_assert_eq(w->n_domains, 2);
    cr_expect_str_eq(w->domain_names[0], "trafficking");
    cr_expect_str_eq(w->states[0].code, "TJK");
    cr_expect_eq(w->states[0].units, 2); /* from defaults */
    cr_expect_float_eq(w->states[0].interdiction, 0.6, 1e-12);
    cr_expect_float_eq(w->detect[world_sd(w, 0, 0)], 0.12, 1e-12); /* trafficking */
    cr_expect_float_eq(w->detect[world_sd(w, 0, 1)], 0.05, 1e-12); /* terrorism: all */
    cr_expect_float_eq(w->border_bonus[world_sd(w, 0, 0)], 0.25, 1e-12);
    cr_expect_float_eq(w->border_bonus[world_sd(w, 0, 1)], 0.0, 1e-12);
    const struct world_sharing *sharing = &w->sharing[world_sd(w, 0, 1)];
    cr_expect_eq(sharing->policy, POLICY_LEVEL);
    cr_expect_eq(sharing->scope, SCOPE_ALL);
    cr_expect_float_eq(sharing->level, 0.5, 1e-12);
    cr_expect_eq(sharing->latency, 1);
    cr_expect_eq(w->neighbours[0], 0u); /* a lone state has no neighbour */
    /* Regions, routes and adjacency rows. */
    cr_assert_eq(w->n_regions, 3);
    int kunduz = region(w, "afg_kunduz"), khatlon = region(w, "tjk_khatlon"),
        dushanbe = region(w, "tjk_dushanbe");
    cr_expect_eq(w->regions[kunduz].owner, -1);
    cr_expect_eq(w->regions[dushanbe].owner, 0);
    cr_expect_float_eq(w->regions[khatlon].lat, 37.83, 1e-12);
    cr_assert_eq(w->n_routes, 2);
    cr_expect_eq(w->adj_first[khatlon + 1] - w->adj_first[khatlon], 2);
    /* Threat types, origins, targets (weights normalised) and paths. */
    cr_assert_eq(w->n_types, 2);
    const struct world_threat_type *convoy = &w->types[0];
    cr_expect_str_eq(convoy->id, "drug_convoy");
    cr_expect_eq(convoy->dwell, 2);
    cr_expect_float_eq(
        exp(convoy->severity_mu + convoy->severity_sigma * convoy->severity_sigma / 2), 5.0, 1e-9);
    cr_assert_eq(convoy->n_origins, 1);
    cr_expect_float_eq(w->origins[convoy->first_origin].rate, 0.2, 1e-12);
    cr_expect_float_eq(w->origins[convoy->first_origin].season_period, 365, 1e-12);
    cr_assert_eq(convoy->n_targets, 2);
    cr_expect_eq(w->targets[convoy->first_target], dushanbe);
    cr_expect_float_eq(w->target_weights[convoy->first_target], 0.75, 1e-12);
    const struct world_path *p = path_of(w, 0, 0, 0);
    cr_assert_eq(p->length, 3);
    cr_expect_eq(w->path_regions[p->first], kunduz);
    cr_expect_eq(w->path_regions[p->first + 1], khatlon);
    cr_expect_eq(w->path_regions[p->first + 2], dushanbe);
    cr_expect_eq(w->path_enter[p->first], 0);
    cr_expect_eq(w->path_enter[p->first + 1], 2);
    cr_expect_eq(w->path_enter[p->first + 2], 3);
    cr_expect_eq(w->types[1].adaptive, 1);
    cr_expect_float_eq(w->types[1].escalation_boost, 0.5, 1e-12);
    /* Cooperation. */
    cr_assert_eq(w->n_partners, 1);
    cr_expect_eq(w->partners[0].members, 1u);
    cr_expect_float_eq(w->partners[0].coverage[0], 0.3, 1e-12);
    cr_expect_float_eq(w->partners[0].coverage[1], 0.0, 1e-12);
    cr_expect_eq(w->hub_latency, 1);
    cr_expect_eq(w->states[0].hub_member, 1);
    cr_expect_float_eq(w->trust.initial, 0.5, 1e-12);
    cr_expect_eq(w->burn_ticks, 30);
    cr_assert_eq(w->n_measures, 2);
    cr_expect_float_eq(w->measures[0].cost, 20, 1e-12);
    cr_expect_eq(w->active_measure, -1);
    cr_expect_gt(w->max_active_threats, 64u);
    world_free(w);
    scenario_free(scenario);
    expect_no_leaks();
}

static const char layered[] =
    "name: layers\n"
    "run: {ticks: 5}\n"
    "domains: [military, cyber]\n"
    "sharing: {policy: level, level: 0.3, by_domain: {cyber: {policy: full}}}\n"
    "defaults: {detect: {all: 0.1, cyber: 0.02}, sharing: {latency: 2}}\n"
    "states:\n"
    "  AAA: {detect: 0.2}\n"
    "  BBB: {detect: {military: 0.3}, sharing: {policy: agreements, agreements: {AAA: 0.7}}}\n"
    "  CCC: {sharing: {by_domain: {military: {policy: withhold}}}}\n"
    "regions:\n"
    "  a: {owner: AAA, lon: 0, lat: 0}\n"
    "  b: {owner: BBB, lon: 0, lat: 0}\n"
    "  c: {owner: CCC, lon: 0, lat: 0}\n"
    "  m: {owner: none, lon: 0, lat: 0}\n"
    "routes: [[a, m, 1], [m, c, 1], [a, b, 1], [b, c, 1]]\n"
    "threats:\n"
    "  t: {domain: military, origins: {a: {rate: 1}}, targets: {c: 1}, severity: {mu: 0}}\n";

Test(world, inheritance_layers_resolve_as_documented) {
    struct world *w = compile_text(layered, NULL);
    enum { A, B, C };
    enum { MIL, CYB };
    /* detect: a state's number covers every domain; a mapping inherits the others. */
    cr_expect_float_eq(w->detect[world_sd(w, A, MIL)], 0.2, 1e-12);
    cr_expect_float_eq(w->detect[world_sd(w, A, CYB)], 0.2, 1e-12);
    cr_expect_float_eq(w->detect[world_sd(w, B, MIL)], 0.3, 1e-12);
    cr_expect_float_eq(w->detect[world_sd(w, B, CYB)], 0.02, 1e-12);
    cr_expect_float_eq(w->detect[world_sd(w, C, MIL)], 0.1, 1e-12);
    /* sharing: base keys of every layer, then by_domain of every layer above them. */
    cr_expect_eq(w->sharing[world_sd(w, A, MIL)].policy, POLICY_LEVEL);
    cr_expect_float_eq(w->sharing[world_sd(w, A, MIL)].level, 0.3, 1e-12);
    cr_expect_eq(w->sharing[world_sd(w, A, MIL)].latency, 2);
    cr_expect_eq(w->sharing[world_sd(w, A, CYB)].policy, POLICY_FULL);
    cr_expect_eq(w->sharing[world_sd(w, B, MIL)].policy, POLICY_AGREEMENTS);
    cr_expect_eq(w->sharing[world_sd(w, B, CYB)].policy, POLICY_FULL);
    cr_expect_eq(w->sharing[world_sd(w, C, MIL)].policy, POLICY_WITHHOLD);
    cr_expect_eq(w->sharing[world_sd(w, C, CYB)].policy, POLICY_FULL);
    cr_expect_float_eq(w->agreement[B * 3 + A], 0.7, 1e-12);
    cr_expect_float_eq(w->agreement[A * 3 + B], 0.0, 1e-12);
    /* Neighbours: joined by a route between their regions, not through an external one. */
    cr_expect_eq(w->neighbours[A], 1u << B);
    cr_expect_eq(w->neighbours[B], (1u << A) | (1u << C));
    cr_expect_eq(w->neighbours[C], 1u << B);
    /* a -> c: a-m-c and a-b-c both take 2 ticks; the tie goes to the lower region index (b). */
    const struct world_path *p = path_of(w, 0, 0, 0);
    cr_assert_eq(p->length, 3);
    cr_expect_eq(w->path_regions[p->first + 1], region(w, "b"));
    cr_expect_eq(w->path_enter[p->first + 2], 2);
    world_free(w);
    expect_no_leaks();
}

Test(world, memory_limit_refuses_before_allocating) {
    struct scenario *scenario;
    struct world *w = compile_text(layered, &scenario);
    const char *driver = NULL;
    size_t bytes = scenario_memory_estimate(scenario, &driver);
    cr_assert_gt(bytes, 0u);
    cr_expect_str_eq(driver, "threats.t.origins.a.rate");
    struct scenario_errors errors = {0};
    cr_expect_null(scenario_compile(scenario, bytes - 1, &errors));
    cr_assert_eq(errors.count, 1);
    cr_expect(strstr(errors.messages[0], "inline.yaml:17:45: error: threats.t.origins.a.rate: a "
                                         "replicate would need about") != NULL,
              "%s", errors.messages[0]);
    scenario_errors_clear(&errors);
    struct world *fits = scenario_compile(scenario, bytes, &errors);
    cr_expect_not_null(fits);
    world_free(fits);
    world_free(w);
    scenario_free(scenario);
    expect_no_leaks();
}

Test(world, pool_bound_grows_with_the_arrival_rate) {
    struct scenario *scenario;
    struct world *slow = compile_text(layered, &scenario);
    struct scenario_override override;
    struct scenario_errors errors = {0};
    cr_assert_eq(
        scenario_override_parse("threats.t.origins.a.rate=1000", "test", &override, &errors), 0);
    struct scenario *busy = scenario_with_overrides(scenario, &override, 1, &errors);
    cr_assert_not_null(busy);
    const char *driver;
    scenario_memory_estimate(busy, &driver);
    cr_expect_str_eq(driver, "threats.t.origins.a.rate");
    struct world *fast = scenario_compile(busy, 0, &errors);
    /* 1000 a tick living 2 + 1 ticks: about 3000 active, and the bound must cover that. */
    cr_expect_gt(fast->max_active_threats, 3000u);
    cr_expect_gt(fast->max_active_threats, slow->max_active_threats);
    /* A long run with few threats: the per-tick series drive the estimate instead. */
    struct scenario_override long_run[2];
    cr_assert_eq(scenario_override_parse("run.ticks=100000", "test", &long_run[0], &errors), 0);
    cr_assert_eq(
        scenario_override_parse("threats.t.origins.a.rate=0.001", "test", &long_run[1], &errors),
        0);
    struct scenario *quiet = scenario_with_overrides(scenario, long_run, 2, &errors);
    cr_assert_not_null(quiet);
    size_t bytes = scenario_memory_estimate(quiet, &driver);
    cr_expect_str_eq(driver, "run.ticks");
    cr_expect_gt(bytes, (size_t)100000 * 3 * 8);
    scenario_free(quiet);
    scenario_override_free(&long_run[0]);
    scenario_override_free(&long_run[1]);
    world_free(fast);
    world_free(slow);
    scenario_free(busy);
    scenario_free(scenario);
    scenario_override_free(&override);
    expect_no_leaks();
}

/* States that choose (docs/model.md §5.15-§5.16): `sharing.adapt` and `exploit`/`monitoring`
 * inherit through the layers, key by key; without them nothing adapts or exploits. */
Test(world, adapt_and_exploit_keys_inherit_through_the_layers) {
    const char *text =
        "name: layers\n"
        "run: {ticks: 100}\n"
        "sharing: {policy: level, level: 0.3, adapt: {rule: reinforcement, period: 10}}\n"
        "defaults:\n"
        "  exploit: {gain: 2, exclusion_ticks: 30}\n"
        "  monitoring: 0.4\n"
        "  sharing: {adapt: {step: 0.05}}\n"
        "states:\n"
        "  AAA: {sharing: {adapt: {rule: tit_for_tat, initial: 0.9}}, exploit: {value: 0.5}}\n"
        "  BBB: {monitoring: 0.1, sharing: {adapt: {rule: none}}}\n"
        "  CCC: {}\n"
        "regions:\n"
        "  a: {owner: AAA, lon: 0, lat: 0}\n"
        "  b: {owner: BBB, lon: 1, lat: 1}\n"
        "  c: {owner: CCC, lon: 2, lat: 2}\n"
        "routes: [[a, b, 1], [b, c, 1]]\n"
        "threats:\n"
        "  t1: {domain: military, origins: {a: {rate: 0.1}}, targets: {c: 1},\n"
        "       severity: {mu: 1, sigma: 0.5}}\n";
    struct world *w = compile_text(text, NULL);
    const struct world_adapt *a = &w->states[0].adapt, *b = &w->states[1].adapt,
                             *c = &w->states[2].adapt;
    cr_expect_eq(a->rule, ADAPT_TIT_FOR_TAT);
    cr_expect_eq(a->period, 10);
    cr_expect_float_eq(a->step, 0.05, 1e-15);
    cr_expect_float_eq(a->initial, 0.9, 1e-15);
    cr_expect_eq(b->rule, ADAPT_NONE);
    cr_expect_eq(c->rule, ADAPT_REINFORCEMENT);
    cr_expect_lt(c->initial, 0, "CCC starts at its declared level");
    cr_expect_eq(world_adapt_period(w), 10);
    cr_expect_eq(world_adapt_periods(w), 10);
    cr_expect_float_eq(w->states[0].exploit_gain, 2.0, 1e-15);
    cr_expect_float_eq(w->states[0].exploit_value, 0.5, 1e-15);
    cr_expect_lt(w->states[2].exploit_value, 0, "no value: the gain");
    cr_expect_eq(w->states[1].exclusion_ticks, 30);
    cr_expect_float_eq(w->states[0].monitoring, 0.4, 1e-15);
    cr_expect_float_eq(w->states[1].monitoring, 0.1, 1e-15);
    cr_expect(world_has_exploit(w));
    world_free(w);
    w = compile_text(
        "name: plain\nrun: {ticks: 5}\nstates: {AAA: {}}\n"
        "regions: {a: {owner: AAA, lon: 0, lat: 0}, x: {owner: none, lon: 1, lat: 1}}\n"
        "routes: [[x, a, 1]]\n"
        "threats: {t1: {domain: military, origins: {x: {rate: 0.1}}, targets: {a: 1},\n"
        "           severity: {mu: 1, sigma: 0.5}}}\n",
        NULL);
    cr_expect_eq(world_adapt_periods(w), 0);
    cr_expect_not(world_has_exploit(w));
    world_free(w);
    expect_no_leaks();
}
