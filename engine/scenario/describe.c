/* describe.c — a scenario as readable tables (`c5sim describe`) and its one-line summary.
 *
 * Every value of the format is printed exactly once, with %.6g, so that describing a scenario
 * before and after `--set PATH=VALUE` shows that change and nothing else.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "reach.h"

static const char *const policy_names[] = {"withhold",   "full",       "level",
                                           "agreements", "reciprocal", "hub"};
static const char *const scope_names[] = {"all", "neighbours", "route"};

static void print_members(FILE *out, const struct world *w, uint64_t members) {
    int first = 1;
    for (int s = 0; s < w->n_states; s++)
        if (members & (UINT64_C(1) << s)) {
            fprintf(out, "%s%s", first ? "" : ",", w->states[s].code);
            first = 0;
        }
    if (first) fprintf(out, "(none)");
}

static void describe_states(const struct world *w, FILE *out) {
    fprintf(out, "\nStates (%d)\n", w->n_states);
    fprintf(out, "  %-7s %-24s %6s %12s %5s %8s %8s %8s %8s %4s %6s\n", "code", "name", "units",
            "interdiction", "busy", "leak", "cost/rep", "cost/net", "sev.noise", "hub", "assist");
    for (int s = 0; s < w->n_states; s++) {
        const struct world_state *st = &w->states[s];
        fprintf(out, "  %-7s %-24s %6d %12.6g %5d %8.6g %8.6g %8.6g %8.6g %4s %6s\n", st->code,
                st->name, st->units, st->interdiction, st->busy_ticks, st->leak,
                st->cost_per_report, st->cost_per_network_report, st->severity_noise,
                st->hub_member ? "yes" : "no", st->mutual_assistance ? "yes" : "no");
    }
    fprintf(out, "\nPer state and domain: detection and sharing\n");
    fprintf(out, "  %-7s %-15s %8s %8s %8s  %-10s %-10s %8s %9s %7s\n", "state", "domain", "detect",
            "border", "cue", "policy", "scope", "level", "threshold", "latency");
    for (int s = 0; s < w->n_states; s++)
        for (int k = 0; k < w->n_domains; k++) {
            int i = world_sd(w, s, k);
            const struct world_sharing *sh = &w->sharing[i];
            fprintf(out, "  %-7s %-15s %8.6g %8.6g %8.6g  %-10s %-10s %8.6g %9.6g %7d\n",
                    w->states[s].code, w->domain_names[k], w->detect[i], w->border_bonus[i],
                    w->cue_gain[i], policy_names[sh->policy], scope_names[sh->scope], sh->level,
                    sh->threshold, sh->latency);
        }
    fprintf(out, "\nPer state and domain: network gain and mitigation (docs/model.md 5.9, 5.10)\n");
    fprintf(out, "  %-7s %-15s %12s %10s\n", "state", "domain", "network_gain", "mitigation");
    for (int s = 0; s < w->n_states; s++)
        for (int k = 0; k < w->n_domains; k++) {
            int i = world_sd(w, s, k);
            fprintf(out, "  %-7s %-15s %12.6g %10.6g\n", w->states[s].code, w->domain_names[k],
                    w->network_gain[i], w->mitigation[i]);
        }
    fprintf(out, "\nAgreements (probability that the row state shares with the column state)\n");
    fprintf(out, "  %-7s", "");
    for (int j = 0; j < w->n_states; j++) fprintf(out, " %8s", w->states[j].code);
    fprintf(out, "\n");
    for (int s = 0; s < w->n_states; s++) {
        fprintf(out, "  %-7s", w->states[s].code);
        for (int j = 0; j < w->n_states; j++) {
            if (j == s)
                fprintf(out, " %8s", "-");
            else
                fprintf(out, " %8.6g", w->agreement[s * w->n_states + j]);
        }
        fprintf(out, "\n");
    }
    /* only for a scenario with states that choose (docs/model.md 5.15, 5.16) */
    int chooses = world_adapt_periods(w) > 0 || world_has_exploit(w);
    for (int s = 0; s < w->n_states; s++) chooses |= w->states[s].monitoring > 0;
    if (chooses) {
        static const char *const rules[] = {"none", "reinforcement", "tit_for_tat", "imitation"};
        fprintf(out, "\nStates that choose (docs/model.md 5.15, 5.16)\n");
        fprintf(out, "  %-7s %-14s %7s %6s %8s %8s %8s %10s %11s\n", "state", "adapt", "period",
                "step", "initial", "gain", "value", "exclusion", "monitoring");
        for (int s = 0; s < w->n_states; s++) {
            const struct world_state *st = &w->states[s];
            const struct world_adapt *a = &st->adapt;
            char initial[32] = "declared", value[32] = "= gain";
            if (a->initial >= 0) snprintf(initial, sizeof initial, "%.6g", a->initial);
            if (st->exploit_value >= 0) snprintf(value, sizeof value, "%.6g", st->exploit_value);
            fprintf(out, "  %-7s %-14s %7d %6.6g %8s %8.6g %8s %10d %11.6g\n", st->code,
                    rules[a->rule], a->period, a->step, initial, st->exploit_gain, value,
                    st->exclusion_ticks, st->monitoring);
        }
    }
    fprintf(out, "\nNeighbours (states joined by a route)\n");
    for (int s = 0; s < w->n_states; s++) {
        fprintf(out, "  %-7s ", w->states[s].code);
        print_members(out, w, w->neighbours[s]);
        fprintf(out, "\n");
    }
}

static void describe_geography(const struct world *w, FILE *out) {
    int external = 0;
    for (int g = 0; g < w->n_regions; g++) external += w->regions[g].owner < 0;
    fprintf(out, "\nRegions (%d, %d external)\n", w->n_regions, external);
    fprintf(out, "  %-24s %-28s %-7s %10s %10s\n", "id", "name", "owner", "lon", "lat");
    for (int g = 0; g < w->n_regions; g++) {
        const struct world_region *r = &w->regions[g];
        fprintf(out, "  %-24s %-28s %-7s %10.6g %10.6g\n", r->id, r->name,
                r->owner >= 0 ? w->states[r->owner].code : "none", r->lon, r->lat);
    }
    fprintf(out, "\nRoutes (%d)\n", w->n_routes);
    fprintf(out, "  %-24s %-24s %6s %s\n", "from", "to", "ticks", "");
    for (int r = 0; r < w->n_routes; r++) {
        const struct world_route *route = &w->routes[r];
        int a = w->regions[route->from].owner, b = w->regions[route->to].owner;
        fprintf(out, "  %-24s %-24s %6d %s\n", w->regions[route->from].id, w->regions[route->to].id,
                route->ticks, a != b ? "border crossing" : "");
    }
}

static void describe_threats(const struct scenario *s, FILE *out) {
    const struct world *w = s->world;
    fprintf(out, "\nThreat catalog (%d types)\n", w->n_types);
    for (int k = 0; k < w->n_types; k++) {
        const struct world_threat_type *t = &w->types[k];
        double mean = exp(t->severity_mu + t->severity_sigma * t->severity_sigma / 2);
        fprintf(out, "  %s (%s): domain %s\n", t->id, t->name, w->domain_names[t->domain]);
        fprintf(out, "    stealth %.6g, dwell %d, harm/tick %.6g, adaptive %s, contagion %.6g\n",
                t->stealth, t->dwell, t->harm_per_tick, t->adaptive ? "yes" : "no", t->contagion);
        fprintf(out, "    severity lognormal mu %.6g sigma %.6g (mean %.6g)\n", t->severity_mu,
                t->severity_sigma, mean);
        fprintf(out, "    escalation boost %.6g decay %.6g\n", t->escalation_boost,
                t->escalation_decay);
        if (t->network_kind == NETWORK_FIXED)
            fprintf(out, "    networks: %d standing, intel_ticks %d, rotation %.6g\n", t->networks,
                    t->intel_ticks, t->rotation);
        else if (t->network_kind == NETWORK_CAMPAIGNS)
            fprintf(out,
                    "    networks: campaigns rate %.6g/tick, lifetime %d, max_campaigns %d, "
                    "intel_ticks %d, rotation %.6g\n",
                    t->campaign_rate, t->campaign_lifetime, t->networks, t->intel_ticks,
                    t->rotation);
        for (int i = 0; i < t->n_origins; i++) {
            const struct world_origin *o = &w->origins[t->first_origin + i];
            fprintf(out, "    origin %s: rate %.6g/tick", w->regions[o->region].id, o->rate);
            if (o->season_amplitude > 0 || o->season_peak != 0 || o->season_period != 1)
                fprintf(out, ", season amplitude %.6g peak %.6g period %.6g", o->season_amplitude,
                        o->season_peak, o->season_period);
            fprintf(out, "\n");
        }
        fprintf(out, "    targets (weight, share):");
        for (int j = 0; j < t->n_targets; j++)
            fprintf(out, " %s %.6g (%.6g)", w->regions[w->targets[t->first_target + j]].id,
                    s->target_weights_given[t->first_target + j],
                    w->target_weights[t->first_target + j]);
        fprintf(out, "\n");
        for (int i = 0; i < t->n_origins; i++)
            for (int j = 0; j < t->n_targets; j++) {
                const struct world_path *p =
                    &w->paths[w->type_first_path[k] + i * t->n_targets + j];
                fprintf(out, "    path %s -> %s (%d ticks):",
                        w->regions[w->origins[t->first_origin + i].region].id,
                        w->regions[w->targets[t->first_target + j]].id,
                        w->path_enter[p->first + p->length - 1]);
                for (int e = 0; e < p->length; e++)
                    fprintf(out, " %s", w->regions[w->path_regions[p->first + e]].id);
                fprintf(out, "\n");
            }
    }
}

static void describe_cooperation(const struct scenario *s, FILE *out) {
    const struct world *w = s->world;
    fprintf(out, "\nPartners (%d)\n", w->n_partners);
    for (int p = 0; p < w->n_partners; p++) {
        const struct world_partner *partner = &w->partners[p];
        fprintf(out, "  %s (%s): level %.6g, latency %d, members ", partner->id, partner->name,
                partner->share_level, partner->latency);
        print_members(out, w, partner->members);
        fprintf(out, "\n    coverage:");
        for (int k = 0; k < w->n_domains; k++)
            fprintf(out, " %s %.6g", w->domain_names[k], partner->coverage[k]);
        fprintf(out, "\n");
    }
    uint64_t hub = 0, assistance = 0;
    for (int st = 0; st < w->n_states; st++) {
        if (w->states[st].hub_member) hub |= UINT64_C(1) << st;
        if (w->states[st].mutual_assistance) assistance |= UINT64_C(1) << st;
    }
    fprintf(out, "\nUpstream collection (coverage per tick, by domain)\n");
    int any = 0;
    for (int g = 0; w->collect_first && g < w->n_regions; g++)
        for (int e = w->collect_first[g]; e < w->collect_first[g + 1]; e++) {
            int who = w->collect_who[e];
            fprintf(out, "  %-24s %-12s", w->regions[g].id,
                    who >= 0 ? w->states[who].code : w->partners[-1 - who].id);
            for (int k = 0; k < w->n_domains; k++)
                fprintf(out, " %s %.6g", w->domain_names[k],
                        w->collect_coverage[(size_t)e * (size_t)w->n_domains + (size_t)k]);
            fprintf(out, "\n");
            any = 1;
        }
    if (!any) fprintf(out, "  (none)\n");
    fprintf(out, "\nHub: latency %d, monitoring %.6g, fusion %s, members ", w->hub_latency,
            w->hub_monitoring, w->hub_fusion ? "yes" : "no");
    print_members(out, w, hub);
    fprintf(out, "\nNetwork channel: %s", w->network_intel ? "on" : "off (channels.network)");
    fprintf(out,
            "\nTrust: initial %.6g, gain_used %.6g, loss_leak %.6g, loss_hidden %.6g, "
            "discover_hidden %.6g\n",
            w->trust.initial, w->trust.gain_used, w->trust.loss_leak, w->trust.loss_hidden,
            w->trust.discover_hidden);
    fprintf(out, "Burn: factor %.6g for %d ticks\n", w->burn_factor, w->burn_ticks);
    fprintf(out, "Mutual assistance: up to %d units, members ", w->assistance_units);
    print_members(out, w, assistance);
    fprintf(out, "\n\nMeasures (%d)\n", w->n_measures);
    for (int m = 0; m < w->n_measures; m++) {
        const struct world_measure *measure = &w->measures[m];
        static const char *const rules[] = {"equal", "gdp", "population", "benefit"};
        fprintf(out, "  %s (%s): cost %.6g", measure->id, measure->name, measure->cost);
        /* the keys' defaults print nothing, so older files describe as before */
        if (measure->cost_sharing != COST_SHARING_EQUAL)
            fprintf(out, ", shared by %s", rules[measure->cost_sharing]);
        if (measure->start > 0 || measure->end < w->ticks)
            fprintf(out, ", from tick %d to %d", measure->start, measure->end - 1);
        fputc('\n', out);
        for (int j = 0; j < s->measure_count[m]; j++) {
            const struct scenario_override *o = &s->measure_overrides[s->measure_first[m] + j];
            fprintf(out, "    set %s=%s\n", o->path, o->value);
        }
    }
}

/* The uncertainty: block, when there is one (docs/scenario-format.md, "Uncertainty"). */
static void describe_uncertainty(const struct scenario *s, FILE *out) {
    static const char *const kinds[] = {"uniform",    "integer", "loguniform",
                                        "triangular", "normal",  "choice"};
    if (s->n_factors == 0) return;
    fprintf(out, "\nUncertainty (%d factor%s)\n", s->n_factors, s->n_factors == 1 ? "" : "s");
    for (int i = 0; i < s->n_factors; i++) {
        const struct scenario_factor *f = &s->factors[i];
        size_t n = strlen(f->path);
        int op = n > 0 && (f->path[n - 1] == '*' || f->path[n - 1] == '+') ? f->path[n - 1] : 0;
        fprintf(out, "  %-44.*s %-6s %s", (int)(op ? n - 1 : n), f->path,
                op == '*'   ? "scale"
                : op == '+' ? "shift"
                            : "set",
                kinds[f->kind]);
        if (f->kind == SCENARIO_FACTOR_CHOICE) {
            for (int c = 0; c < f->n_choices; c++)
                fprintf(out, "%s%s", c ? ", " : " ", f->choices[c]);
        } else if (f->kind == SCENARIO_FACTOR_TRIANGULAR) {
            fprintf(out, " %.6g..%.6g, mode %.6g", f->low, f->high, f->mode);
        } else if (f->kind == SCENARIO_FACTOR_NORMAL) {
            fprintf(out, " mean %.6g, sd %.6g, on %.6g..%.6g", f->mean, f->sd, f->low, f->high);
        } else {
            fprintf(out, " %.6g..%.6g", f->low, f->high);
        }
        fprintf(out, "\n");
    }
}

void scenario_describe(const struct scenario *s, FILE *out) {
    const struct world *w = s->world;
    fprintf(out, "Scenario: %s (%s)\n", w->name, s->filename);
    if (s->description) fprintf(out, "  %s\n", s->description);
    fprintf(out, "Run: %d ticks (1 tick = 1 %s), seed %llu, %d replicates\n", w->ticks,
            s->tick_unit, (unsigned long long)w->seed, w->replicates);
    fprintf(out, "Domains:");
    for (int k = 0; k < w->n_domains; k++) fprintf(out, " %s", w->domain_names[k]);
    fprintf(out, "\n");
    describe_states(w, out);
    describe_geography(w, out);
    describe_threats(s, out);
    describe_cooperation(s, out);
    describe_uncertainty(s, out);
    fprintf(out, "\nWhere cooperation cannot act (structural check, docs/model.md §5.14)\n");
    if (scenario_warnings(s, out) == 0)
        fprintf(out, "  every threat type can be reached by some channel of sharing\n");
}

int scenario_warnings(const struct scenario *s, FILE *out) {
    const struct world *w = s->world;
    const struct tree *threats = tree_get(s->tree, "threats", NULL);
    int count = 0;
    /* with one state there is nobody to share with: nothing to warn about */
    for (int k = 0; k < w->n_types && w->n_states > 1; k++) {
        char why[512];
        if (reach_type(w, k, why, sizeof why)) continue;
        struct tree *key = NULL;
        tree_get(threats, w->types[k].id, &key);
        fprintf(out,
                "%s:%d:%d: warning: threats.%s: sharing cannot bring intelligence on this type to "
                "anyone in time, so it can change its harm only indirectly (units busy with "
                "other threats): %s (docs/model.md §5.14)\n",
                s->tree_file, key ? key->line : 1, key ? key->column : 1, w->types[k].id, why);
        count++;
    }
    return count;
}

void scenario_summary(const struct scenario *s, FILE *out) {
    const struct world *w = s->world;
    int external = 0;
    for (int g = 0; g < w->n_regions; g++) external += w->regions[g].owner < 0;
    fprintf(out,
            "%s: ok: %d state%s, %d region%s (%d external), %d route%s, %d threat type%s, "
            "%d partner%s, %d measure%s\n",
            s->filename, w->n_states, w->n_states == 1 ? "" : "s", w->n_regions,
            w->n_regions == 1 ? "" : "s", external, w->n_routes, w->n_routes == 1 ? "" : "s",
            w->n_types, w->n_types == 1 ? "" : "s", w->n_partners, w->n_partners == 1 ? "" : "s",
            w->n_measures, w->n_measures == 1 ? "" : "s");
}
