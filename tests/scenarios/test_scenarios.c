/* test_scenarios.c — the shipped scenarios: real geography, a complete catalog, working measures
 * and the policy variants documented in scenarios/README.md. */
#include <criterion/criterion.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "scenario.h"
#include "world.h"
#include "../common/leak_check.h"

/* ------------------------------------------------------------------ helpers */

static const char *source_root(void) {
    const char *root = getenv("C5SIM_SOURCE_ROOT");
    cr_assert(root, "C5SIM_SOURCE_ROOT is not set (run through meson test)");
    return root;
}

static struct scenario *load_baseline(void) {
    char path[4096];
    snprintf(path, sizeof path, "%s/scenarios/c5-baseline.yaml", source_root());
    struct scenario_errors errors = {0};
    struct scenario *scenario = scenario_load_file(path, &errors);
    if (!scenario) scenario_errors_print(&errors, stderr);
    cr_assert(scenario, "c5-baseline.yaml does not load (errors above)");
    scenario_errors_clear(&errors);
    return scenario;
}

static struct world *compile_or_fail(const struct scenario *scenario, const char *what) {
    struct scenario_errors errors = {0};
    struct world *world = scenario_compile(scenario, 0, &errors);
    if (!world) scenario_errors_print(&errors, stderr);
    cr_assert(world, "%s does not compile (errors above)", what);
    scenario_errors_clear(&errors);
    return world;
}

/* The baseline with PATH=VALUE overrides applied (texts as on the command line), compiled. */
static struct world *compile_with(const struct scenario *base, const char *const *texts, int count,
                                  const char *what) {
    struct scenario_override overrides[16];
    struct scenario_errors errors = {0};
    cr_assert(count <= 16);
    for (int i = 0; i < count; i++)
        cr_assert_eq(scenario_override_parse(texts[i], "--set", &overrides[i], &errors), 0,
                     "%s: cannot parse override '%s'", what, texts[i]);
    struct scenario *variant = scenario_with_overrides(base, overrides, count, &errors);
    if (!variant) scenario_errors_print(&errors, stderr);
    cr_assert(variant, "%s: overrides rejected (errors above)", what);
    struct world *world = compile_or_fail(variant, what);
    for (int i = 0; i < count; i++) scenario_override_free(&overrides[i]);
    scenario_free(variant);
    scenario_errors_clear(&errors);
    return world;
}

static int state_index(const struct world *world, const char *code) {
    for (int s = 0; s < world->n_states; s++)
        if (strcmp(world->states[s].code, code) == 0) return s;
    return -1;
}

static int domain_index(const struct world *world, const char *name) {
    for (int d = 0; d < world->n_domains; d++)
        if (strcmp(world->domain_names[d], name) == 0) return d;
    return -1;
}

static int region_index(const struct world *world, const char *id) {
    for (int g = 0; g < world->n_regions; g++)
        if (strcmp(world->regions[g].id, id) == 0) return g;
    return -1;
}

/* Run `$C5SIM ARGS`, capture stdout+stderr into out; returns the exit status. */
static int run_c5sim(const char *args, char *out, size_t size) {
    const char *exe = getenv("C5SIM");
    cr_assert(exe, "C5SIM is not set (run through meson test)");
    char command[8192];
    snprintf(command, sizeof command, "'%s' %s 2>&1", exe, args);
    FILE *pipe = popen(command, "r");
    cr_assert(pipe);
    size_t used = fread(out, 1, size - 1, pipe);
    out[used] = '\0';
    while (fgetc(pipe) != EOF) continue; /* drain so the child never blocks on a full pipe */
    int status = pclose(pipe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ------------------------------------------------------------------ geography */

/* Bounding boxes of the real countries and areas (degrees, generous by a few tenths), from public
 * maps. A region must lie inside the box of its owner, or of the area its id prefix names. */
struct box {
    const char *key; /* state code, or id prefix of an external area */
    double lon_min, lon_max, lat_min, lat_max;
};
static const struct box country_boxes[] = {
    {"KAZ", 46.4, 87.4, 40.5, 55.5},
    {"KGZ", 69.2, 80.3, 39.1, 43.3},
    {"TJK", 67.3, 75.2, 36.6, 41.1},
    {"TKM", 52.4, 66.7, 35.1, 42.8},
    {"UZB", 55.9, 73.2, 37.1, 45.6},
    {"afg_", 60.5, 75.0, 29.3, 38.5},
    {"rus_", 19.6, 180.0, 41.1, 81.9},
    {"chn_", 73.4, 135.1, 18.1, 53.6},
    {"irn_", 44.0, 63.4, 25.0, 39.8},
    {"caspian", 46.6, 54.8, 36.5, 47.1},
    /* Cyberspace has no place; it must merely be drawn inside the map of the region. */
    {"cyberspace", 46.0, 88.0, 29.0, 56.0},
};

static const struct box *box_for(const struct world *world, const struct world_region *region) {
    size_t n = sizeof country_boxes / sizeof country_boxes[0];
    for (size_t i = 0; i < n; i++) {
        const char *key = country_boxes[i].key;
        if (region->owner >= 0) {
            if (strcmp(key, world->states[region->owner].code) == 0) return &country_boxes[i];
        } else if (strncmp(region->id, key, strlen(key)) == 0) {
            return &country_boxes[i];
        }
    }
    return NULL;
}

Test(scenarios, every_region_lies_inside_its_real_country) {
    struct scenario *scenario = load_baseline();
    struct world *world = compile_or_fail(scenario, "c5-baseline");
    for (int g = 0; g < world->n_regions; g++) {
        const struct world_region *region = &world->regions[g];
        const struct box *box = box_for(world, region);
        cr_assert(box,
                  "region %s: no bounding box for its country (external ids start with afg_, "
                  "rus_, chn_, caspian or cyberspace)",
                  region->id);
        cr_expect(region->lon >= box->lon_min && region->lon <= box->lon_max &&
                      region->lat >= box->lat_min && region->lat <= box->lat_max,
                  "region %s (%.2f, %.2f) lies outside %s [%.1f..%.1f] x [%.1f..%.1f]", region->id,
                  region->lon, region->lat, box->key, box->lon_min, box->lon_max, box->lat_min,
                  box->lat_max);
    }
    world_free(world);
    scenario_free(scenario);
    expect_no_leaks();
}

Test(scenarios, five_states_with_real_codes_and_enough_regions) {
    struct scenario *scenario = load_baseline();
    struct world *world = compile_or_fail(scenario, "c5-baseline");
    const char *codes[] = {"KAZ", "KGZ", "TJK", "TKM", "UZB"};
    cr_assert_eq(world->n_states, 5);
    int owned = 0;
    for (int i = 0; i < 5; i++) {
        int s = state_index(world, codes[i]);
        cr_assert(s >= 0, "state %s missing", codes[i]);
        int regions = 0;
        for (int g = 0; g < world->n_regions; g++) regions += world->regions[g].owner == s;
        cr_expect(regions >= 4, "%s owns %d regions, want at least 4", codes[i], regions);
        owned += regions;
    }
    cr_expect(owned >= 20, "%d owned regions, want at least 20", owned);
    /* The external areas the issue names: northern Afghanistan, the Caspian, the Russian and
     * Chinese borders, cyberspace. */
    const char *external[] = {"afg_", "caspian", "rus_", "chn_", "cyberspace"};
    for (size_t i = 0; i < sizeof external / sizeof external[0]; i++) {
        int found = 0;
        for (int g = 0; g < world->n_regions; g++)
            if (world->regions[g].owner < 0 &&
                strncmp(world->regions[g].id, external[i], strlen(external[i])) == 0)
                found++;
        cr_expect(found > 0, "no external area %s*", external[i]);
    }
    world_free(world);
    scenario_free(scenario);
    expect_no_leaks();
}

static double haversine_km(double lon1, double lat1, double lon2, double lat2) {
    const double radians = M_PI / 180.0, earth_radius_km = 6371.0;
    double dlat = (lat2 - lat1) * radians, dlon = (lon2 - lon1) * radians;
    double a = sin(dlat / 2) * sin(dlat / 2) +
               cos(lat1 * radians) * cos(lat2 * radians) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * earth_radius_km * asin(sqrt(a));
}

/* Travel times are notional but must be physically plausible between the regions' centres: no
 * faster than 600 km a day (a day on a highway), no slower than 100 km a day plus two days of
 * crossing or mountain delay. Cyberspace is exempt: it has no distance. */
Test(scenarios, route_travel_times_match_distances) {
    struct scenario *scenario = load_baseline();
    struct world *world = compile_or_fail(scenario, "c5-baseline");
    for (int e = 0; e < world->n_routes; e++) {
        const struct world_region *a = &world->regions[world->routes[e].from];
        const struct world_region *b = &world->regions[world->routes[e].to];
        if (strcmp(a->id, "cyberspace") == 0 || strcmp(b->id, "cyberspace") == 0) continue;
        double km = haversine_km(a->lon, a->lat, b->lon, b->lat);
        int ticks = world->routes[e].ticks;
        cr_expect(ticks * 600.0 >= km, "route %s-%s: %d days for %.0f km is too fast", a->id, b->id,
                  ticks, km);
        cr_expect(ticks <= 2.0 + km / 100.0, "route %s-%s: %d days for %.0f km is too slow", a->id,
                  b->id, ticks, km);
    }
    world_free(world);
    scenario_free(scenario);
    expect_no_leaks();
}

/* Shortest travel time from u to v through owned regions only (crossing time included), or -1:
 * a plain Dijkstra on the world's adjacency rows. */
static long owned_only_ticks(const struct world *w, int u, int v) {
    int n = w->n_regions;
    long *distance = malloc((size_t)n * sizeof *distance);
    char *done = calloc((size_t)n, 1);
    cr_assert(distance && done);
    for (int g = 0; g < n; g++) distance[g] = -1;
    distance[u] = 0;
    for (;;) {
        int best = -1;
        for (int g = 0; g < n; g++)
            if (!done[g] && distance[g] >= 0 && (best < 0 || distance[g] < distance[best]))
                best = g;
        if (best < 0 || best == v) break;
        done[best] = 1;
        for (int a = w->adj_first[best]; a < w->adj_first[best + 1]; a++) {
            int next = w->adj_region[a];
            if (w->regions[next].owner < 0) continue;
            long through = distance[best] + w->adj_ticks[a];
            if (distance[next] < 0 || through < distance[next]) distance[next] = through;
        }
    }
    long result = distance[v];
    free(distance);
    free(done);
    return result;
}

/* A shortest route that enters Central Asia, leaves it through external areas and comes back is
 * a foreign detour; none may exist while a way through the five states from where it left to
 * its target is within 10% of its time. And the Pamir highway (Khorugh - Osh) carries traffic. */
Test(scenarios, routes_stay_in_the_region_unless_abroad_is_clearly_faster) {
    struct scenario *scenario = load_baseline();
    struct world *w = compile_or_fail(scenario, "c5-baseline");
    int pamir = 0, detours = 0;
    int gbao = region_index(w, "tjk_gbao"), osh = region_index(w, "kgz_osh");
    cr_assert(gbao >= 0 && osh >= 0);
    for (int p = 0; p < w->n_paths; p++) {
        const struct world_path *path = &w->paths[p];
        const int *regions = w->path_regions + path->first, *enter = w->path_enter + path->first;
        int last_owned = -1;
        for (int i = 0; i < path->length; i++) {
            if (i > 0 && ((regions[i - 1] == gbao && regions[i] == osh) ||
                          (regions[i - 1] == osh && regions[i] == gbao)))
                pamir = 1;
            if (w->regions[regions[i]].owner < 0) continue;
            if (last_owned >= 0 && i > last_owned + 1) {
                /* from where it left, to its target: the route against staying at home */
                int target = path->length - 1;
                detours++;
                long route = enter[target] - enter[last_owned];
                long home = owned_only_ticks(w, regions[last_owned], regions[target]);
                cr_expect(home < 0 || home > 1.1 * (double)route,
                          "%s -> %s leaves the region (%ld ticks) though a way through the five "
                          "states takes %ld",
                          w->regions[regions[last_owned]].id, w->regions[regions[target]].id, route,
                          home);
            }
            last_owned = i;
        }
    }
    cr_expect(pamir, "no route takes the Pamir highway between Khorugh and Osh");
    cr_log_info("%d excursions through external areas checked", detours);
    world_free(w);
    scenario_free(scenario);
    expect_no_leaks();
}

/* ------------------------------------------------------------------ catalog */

Test(scenarios, catalog_covers_traditional_and_emerging_domains) {
    struct scenario *scenario = load_baseline();
    struct world *world = compile_or_fail(scenario, "c5-baseline");
    cr_expect(world->n_types >= 8, "%d threat types, want at least 8", world->n_types);
    const char *domains[] = {"military", "terrorism", "trafficking",
                             "cyber",    "hybrid",    "infrastructure"};
    for (size_t i = 0; i < sizeof domains / sizeof domains[0]; i++) {
        int d = domain_index(world, domains[i]), found = 0;
        cr_assert(d >= 0, "domain %s missing", domains[i]);
        for (int k = 0; k < world->n_types; k++) found += world->types[k].domain == d;
        cr_expect(found > 0, "no threat type in domain %s", domains[i]);
    }
    /* Trafficking harms every region it passes: at least one trafficking type has harm per tick. */
    int trafficking = domain_index(world, "trafficking"), harms_on_the_way = 0;
    for (int k = 0; k < world->n_types; k++)
        harms_on_the_way +=
            world->types[k].domain == trafficking && world->types[k].harm_per_tick > 0;
    cr_expect(harms_on_the_way > 0, "no trafficking type with harm_per_tick");
    world_free(world);
    scenario_free(scenario);
    expect_no_leaks();
}

/* Every (origin, target) pair has a compiled path that starts at the origin, ends at the target and
 * moves only along routes; no physical threat takes a shortcut through cyberspace. */
Test(scenarios, every_target_reachable_from_every_origin) {
    struct scenario *scenario = load_baseline();
    struct world *world = compile_or_fail(scenario, "c5-baseline");
    int cyberspace = region_index(world, "cyberspace");
    cr_assert(cyberspace >= 0);
    for (int k = 0; k < world->n_types; k++) {
        const struct world_threat_type *type = &world->types[k];
        for (int i = 0; i < type->n_origins; i++) {
            int origin = world->origins[type->first_origin + i].region;
            for (int j = 0; j < type->n_targets; j++) {
                int target = world->targets[type->first_target + j];
                const struct world_path *path =
                    &world->paths[world->type_first_path[k] + i * type->n_targets + j];
                cr_assert(path->length >= 1);
                const int *regions = &world->path_regions[path->first];
                cr_expect_eq(regions[0], origin, "%s: path does not start at its origin", type->id);
                cr_expect_eq(regions[path->length - 1], target,
                             "%s: path from %s does not reach %s", type->id,
                             world->regions[origin].id, world->regions[target].id);
                for (int step = 1; step < path->length; step++) {
                    int from = regions[step - 1], to = regions[step], adjacent = 0;
                    for (int a = world->adj_first[from]; a < world->adj_first[from + 1]; a++)
                        adjacent |= world->adj_region[a] == to;
                    cr_expect(adjacent, "%s: path step %s -> %s is not a route", type->id,
                              world->regions[from].id, world->regions[to].id);
                    if (origin != cyberspace)
                        cr_expect_neq(to, cyberspace, "%s: path from %s to %s passes cyberspace",
                                      type->id, world->regions[origin].id,
                                      world->regions[target].id);
                }
            }
        }
    }
    world_free(world);
    scenario_free(scenario);
    expect_no_leaks();
}

Test(scenarios, every_state_is_exposed_to_some_threat) {
    struct scenario *scenario = load_baseline();
    struct world *world = compile_or_fail(scenario, "c5-baseline");
    for (int s = 0; s < world->n_states; s++) {
        int exposed = 0;
        for (int t = 0; t < world->n_targets; t++)
            exposed += world->target_weights[t] > 0 && world->regions[world->targets[t]].owner == s;
        cr_expect(exposed > 0, "no threat type targets a region of %s", world->states[s].code);
    }
    world_free(world);
    scenario_free(scenario);
    expect_no_leaks();
}

Test(scenarios, partners_include_un_and_sco_like_sources) {
    struct scenario *scenario = load_baseline();
    struct world *world = compile_or_fail(scenario, "c5-baseline");
    cr_expect(world->n_partners >= 2);
    int trafficking = domain_index(world, "trafficking"),
        terrorism = domain_index(world, "terrorism");
    int un_like = 0, sco_like = 0;
    for (int p = 0; p < world->n_partners; p++) {
        un_like |= world->partners[p].coverage[trafficking] > 0;
        sco_like |= world->partners[p].coverage[terrorism] > 0;
        cr_expect(world->partners[p].members != 0, "partner %s has no members",
                  world->partners[p].id);
    }
    cr_expect(un_like, "no partner covers trafficking");
    cr_expect(sco_like, "no partner covers terrorism");
    /* Turkmenistan is in neither the SCO nor the CSTO. */
    int tkm = state_index(world, "TKM");
    for (int p = 0; p < world->n_partners; p++)
        if (strcmp(world->partners[p].id, "sco_rats") == 0 ||
            strcmp(world->partners[p].id, "csto") == 0)
            cr_expect(!(world->partners[p].members >> tkm & 1), "TKM is a member of %s",
                      world->partners[p].id);
    world_free(world);
    scenario_free(scenario);
    expect_no_leaks();
}

/* ------------------------------------------------------------------ measures */

/* Compile the baseline with measure `id` applied. */
static struct world *compile_measure(const struct scenario *base, const char *id) {
    for (int m = 0; m < scenario_measure_count(base); m++) {
        if (strcmp(scenario_measure_id(base, m), id) != 0) continue;
        const struct scenario_override *overrides = NULL;
        int count = scenario_measure_overrides(base, m, &overrides);
        struct scenario_errors errors = {0};
        struct scenario *variant = scenario_with_overrides(base, overrides, count, &errors);
        if (!variant) scenario_errors_print(&errors, stderr);
        cr_assert(variant, "measure %s: overrides rejected (errors above)", id);
        struct world *world = compile_or_fail(variant, id);
        scenario_free(variant);
        scenario_errors_clear(&errors);
        return world;
    }
    cr_assert_fail("measure %s missing", id);
    return NULL;
}

Test(scenarios, measures_change_what_they_claim) {
    struct scenario *scenario = load_baseline();
    cr_expect(scenario_measure_count(scenario) >= 5);
    struct world *base = compile_or_fail(scenario, "c5-baseline");
    int n_domains = base->n_domains, tjk = state_index(base, "TJK"), uzb = state_index(base, "UZB"),
        tkm = state_index(base, "TKM");
    int military = domain_index(base, "military"), trafficking = domain_index(base, "trafficking"),
        cyber = domain_index(base, "cyber");
    cr_assert(tjk >= 0 && uzb >= 0 && tkm >= 0 && military >= 0 && trafficking >= 0 && cyber >= 0);

    struct world *patrols = compile_measure(scenario, "afghan_border_patrols");
    const int afghan_border_states[] = {tjk, uzb, tkm};
    for (int i = 0; i < 3; i++) {
        int s = afghan_border_states[i];
        cr_expect_gt(patrols->border_bonus[world_sd(patrols, s, military)],
                     base->border_bonus[world_sd(base, s, military)], "patrols: %s military",
                     base->states[s].code);
        cr_expect_gt(patrols->border_bonus[world_sd(patrols, s, trafficking)],
                     base->border_bonus[world_sd(base, s, trafficking)], "patrols: %s trafficking",
                     base->states[s].code);
    }
    world_free(patrols);

    struct world *fusion = compile_measure(scenario, "fusion_centre");
    for (int s = 0; s < fusion->n_states; s++) {
        cr_expect(fusion->states[s].hub_member, "fusion centre: %s not a member",
                  fusion->states[s].code);
        for (int d = 0; d < n_domains; d++)
            cr_expect_eq(fusion->sharing[world_sd(fusion, s, d)].policy, POLICY_HUB);
    }
    world_free(fusion);

    struct world *cert = compile_measure(scenario, "cyber_response_network");
    for (int s = 0; s < cert->n_states; s++)
        for (int d = 0; d < n_domains; d++)
            cr_expect_eq(cert->sharing[world_sd(cert, s, d)].policy,
                         d == cyber ? POLICY_FULL : base->sharing[world_sd(base, s, d)].policy,
                         "cyber network: %s domain %s", cert->states[s].code,
                         cert->domain_names[d]);
    world_free(cert);

    /* Capacity building goes to the weakest detector: the state with the lowest mean detection. */
    int weakest = 0;
    double weakest_mean = 2;
    for (int s = 0; s < base->n_states; s++) {
        double mean = 0;
        for (int d = 0; d < n_domains; d++) mean += base->detect[world_sd(base, s, d)] / n_domains;
        if (mean < weakest_mean) weakest_mean = mean, weakest = s;
    }
    cr_expect_eq(weakest, tjk, "the weakest detector is %s, not TJK", base->states[weakest].code);
    struct world *capacity = compile_measure(scenario, "tjk_capacity_building");
    for (int d = 0; d < n_domains; d++)
        cr_expect_gt(capacity->detect[world_sd(capacity, tjk, d)],
                     base->detect[world_sd(base, tjk, d)], "capacity building: domain %s",
                     base->domain_names[d]);
    world_free(capacity);

    struct world *assistance = compile_measure(scenario, "mutual_assistance");
    /* the baseline: the CSTO members lend one unit; the measure: all five lend two */
    cr_expect_eq(base->assistance_units, 1);
    cr_expect_eq(base->states[tjk].mutual_assistance, 1);
    cr_expect_eq(base->states[state_index(base, "TKM")].mutual_assistance, 0);
    cr_expect_gt(assistance->assistance_units, base->assistance_units);
    for (int s = 0; s < assistance->n_states; s++)
        cr_expect(assistance->states[s].mutual_assistance);
    world_free(assistance);

    world_free(base);
    scenario_free(scenario);
    expect_no_leaks();
}

/* ------------------------------------------------------------------ policy variants */

/* The README's policy variants, one per line inside the block that follows the marker
 * "<!-- policy-variants -->": `NAME: --set PATH=VALUE [--set PATH=VALUE ...]`. */
struct variant_line {
    char name[64];
    char sets[16][256];
    int count;
};

static int read_policy_variants(struct variant_line *variants, int max) {
    char path[4096];
    snprintf(path, sizeof path, "%s/scenarios/README.md", source_root());
    FILE *file = fopen(path, "r");
    cr_assert(file, "cannot open %s", path);
    char line[2048];
    int in_block = 0, seen_marker = 0, count = 0;
    while (fgets(line, sizeof line, file)) {
        if (strstr(line, "<!-- policy-variants -->")) {
            seen_marker = 1;
            continue;
        }
        if (!seen_marker) continue;
        if (strncmp(line, "```", 3) == 0) {
            if (in_block) break;
            in_block = 1;
            continue;
        }
        if (!in_block) continue;
        char *colon = strchr(line, ':');
        if (!colon) continue;
        cr_assert(count < max);
        struct variant_line *variant = &variants[count++];
        memset(variant, 0, sizeof *variant);
        snprintf(variant->name, sizeof variant->name, "%.*s", (int)(colon - line), line);
        char *save = NULL;
        for (char *word = strtok_r(colon + 1, " \t\n", &save); word;
             word = strtok_r(NULL, " \t\n", &save)) {
            if (strcmp(word, "--set") == 0) continue;
            cr_assert(variant->count < 16);
            snprintf(variant->sets[variant->count++], sizeof variant->sets[0], "%s", word);
        }
    }
    fclose(file);
    cr_assert(seen_marker, "README.md has no <!-- policy-variants --> block");
    return count;
}

/* 1 if every state uses `policy` in every domain. */
static int everyone_uses(const struct world *world, int policy) {
    for (int s = 0; s < world->n_states; s++)
        for (int d = 0; d < world->n_domains; d++)
            if (world->sharing[world_sd(world, s, d)].policy != policy) return 0;
    return 1;
}

Test(scenarios, documented_policy_variants_apply) {
    struct scenario *scenario = load_baseline();
    struct world *base = compile_or_fail(scenario, "c5-baseline");
    cr_expect(everyone_uses(base, POLICY_LEVEL), "the baseline policy is not `level` everywhere");
    struct variant_line variants[16];
    int count = read_policy_variants(variants, 16);
    const struct {
        const char *name;
        int policy;
    } expected[] = {{"withhold-all", POLICY_WITHHOLD},
                    {"full-sharing", POLICY_FULL},
                    {"bilateral-agreements", POLICY_AGREEMENTS},
                    {"reciprocal-trust", POLICY_RECIPROCAL},
                    {"fusion-centre", POLICY_HUB}};
    const int n_expected = (int)(sizeof expected / sizeof expected[0]);
    int found[sizeof expected / sizeof expected[0]] = {0};
    /* Every documented line must apply; the named ones must give every state their policy. */
    for (int v = 0; v < count; v++) {
        const char *texts[16];
        for (int i = 0; i < variants[v].count; i++) texts[i] = variants[v].sets[i];
        struct world *world;
        const char *first = variants[v].count == 1 ? variants[v].sets[0] : "";
        if (strlen(first) > 5 && strcmp(first + strlen(first) - 5, ".yaml") == 0) {
            /* a variant file (scenarios/variants/) */
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", source_root(), first);
            struct scenario_errors errors = {0};
            struct scenario *file = scenario_load_file(path, &errors);
            if (!file) scenario_errors_print(&errors, stderr);
            cr_assert(file, "%s does not load", path);
            world = compile_or_fail(file, variants[v].name);
            scenario_free(file);
            scenario_errors_clear(&errors);
        } else {
            world = compile_with(scenario, texts, variants[v].count, variants[v].name);
        }
        for (int e = 0; e < n_expected; e++) {
            if (strcmp(variants[v].name, expected[e].name) != 0) continue;
            found[e] = 1;
            cr_expect(everyone_uses(world, expected[e].policy), "%s: not every state uses it",
                      expected[e].name);
            if (expected[e].policy == POLICY_FULL)
                for (int s = 0; s < world->n_states; s++)
                    for (int d = 0; d < world->n_domains; d++)
                        cr_expect_eq(world->sharing[world_sd(world, s, d)].threshold, 0,
                                     "full sharing keeps a threshold for %s",
                                     world->states[s].code);
            if (expected[e].policy == POLICY_AGREEMENTS)
                for (int s = 0; s < world->n_states; s++)
                    for (int j = 0; j < world->n_states; j++)
                        if (j != s)
                            cr_expect_gt(world->agreement[s * world->n_states + j], 0,
                                         "no agreement %s -> %s", world->states[s].code,
                                         world->states[j].code);
        }
        world_free(world);
    }
    for (int e = 0; e < n_expected; e++)
        cr_expect(found[e], "README documents no policy variant '%s'", expected[e].name);
    world_free(base);
    scenario_free(scenario);
    expect_no_leaks();
}

/* ------------------------------------------------------------------ command line */

Test(scenarios, c5sim_validates_every_shipped_scenario) {
    char pattern[4096];
    snprintf(pattern, sizeof pattern, "%s/scenarios/*.yaml", source_root());
    glob_t files;
    cr_assert_eq(glob(pattern, 0, NULL, &files), 0, "no scenarios/*.yaml");
    for (size_t i = 0; i < files.gl_pathc; i++) {
        char args[4200], out[16384];
        snprintf(args, sizeof args, "validate '%s'", files.gl_pathv[i]);
        cr_expect_eq(run_c5sim(args, out, sizeof out), 0, "c5sim %s failed:\n%s", args, out);
        cr_expect(strstr(out, "ok") != NULL, "c5sim %s: no summary:\n%s", args, out);
    }
    globfree(&files);
    expect_no_leaks();
}

Test(scenarios, c5sim_describe_names_the_whole_baseline) {
    struct scenario *scenario = load_baseline();
    struct world *world = compile_or_fail(scenario, "c5-baseline");
    static char out[1 << 20];
    char args[4200];
    snprintf(args, sizeof args, "describe '%s/scenarios/c5-baseline.yaml'", source_root());
    cr_assert_eq(run_c5sim(args, out, sizeof out), 0, "c5sim %s failed:\n%.2000s", args, out);
    for (int s = 0; s < world->n_states; s++)
        cr_expect(strstr(out, world->states[s].code), "describe misses state %s",
                  world->states[s].code);
    for (int g = 0; g < world->n_regions; g++)
        cr_expect(strstr(out, world->regions[g].id) || strstr(out, world->regions[g].name),
                  "describe misses region %s", world->regions[g].id);
    for (int k = 0; k < world->n_types; k++)
        cr_expect(strstr(out, world->types[k].id) || strstr(out, world->types[k].name),
                  "describe misses threat type %s", world->types[k].id);
    for (int p = 0; p < world->n_partners; p++)
        cr_expect(strstr(out, world->partners[p].id) || strstr(out, world->partners[p].name),
                  "describe misses partner %s", world->partners[p].id);
    for (int m = 0; m < world->n_measures; m++)
        cr_expect(strstr(out, world->measures[m].id) || strstr(out, world->measures[m].name),
                  "describe misses measure %s", world->measures[m].id);
    world_free(world);
    scenario_free(scenario);
    expect_no_leaks();
}
