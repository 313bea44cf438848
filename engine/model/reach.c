/* reach.c — can cooperation act on a threat type at all? (docs/model.md §5.14)
 *
 * Works on the world's precomputed routes (an adaptive type may take others at run time; the
 * check then speaks of its shortest routes). A report can matter when a state that can detect a
 * threat somewhere on its route (in its own territory, or upstream by collection) can pass it,
 * by its rule for the domain (policy not `withhold`, scope, latency and the hub's), to another
 * state that can act on it in time: a cue while the threat is still in the receiver's territory
 * (with units to engage it, or as its victim with mitigation), or a warning to the victim before
 * the impact. Network intelligence can matter when one state can detect threats of a networked
 * type and another can use it (network gain where the type's threats pass, or mitigation as a
 * victim) and the first's rule reaches the second.
 */
#include <stdio.h>
#include <string.h>

#include "reach.h"

/* `post`: the checkpoint bonus of the route it crosses by (0 when not crossing). */
static int can_detect(const struct world *w, int s, int d, double stealth, int crossing,
                      double post) {
    int sd = world_sd(w, s, d);
    return (w->detect[sd] + (crossing ? w->border_bonus[sd] + post : 0)) * stealth > 0;
}

static int can_engage(const struct world *w, int s) {
    return w->states[s].units > 0 && w->states[s].interdiction > 0;
}

static double mitigation(const struct world *w, int s, int d) {
    return w->mitigation ? w->mitigation[world_sd(w, s, d)] : 0;
}

static double network_gain(const struct world *w, int s, int d) {
    return w->network_gain ? w->network_gain[world_sd(w, s, d)] : 0;
}

/* Does s's rule in domain d let a report reach r? `route_owners`: owners of the threat's
 * remaining route (scope `route`). */
static int rule_reaches(const struct world *w, int s, int d, int r, uint64_t route_owners) {
    const struct world_sharing *rule = &w->sharing[world_sd(w, s, d)];
    if (rule->policy == POLICY_WITHHOLD || r == s) return 0;
    if (rule->policy == POLICY_HUB) return w->states[s].hub_member && w->states[r].hub_member;
    if (rule->scope == SCOPE_NEIGHBOURS) return (int)(w->neighbours[s] >> r & 1);
    if (rule->scope == SCOPE_ROUTE) return (int)(route_owners >> r & 1);
    return 1;
}

static int rule_latency(const struct world *w, int s, int d) {
    const struct world_sharing *rule = &w->sharing[world_sd(w, s, d)];
    return rule->latency + (rule->policy == POLICY_HUB ? w->hub_latency : 0);
}

/* One route of type k: can a report on its threats reach someone who can use it in time?
 * Sets *other_sees when a state other than the victim can detect its threats. */
static int path_reach(const struct world *w, int k, const struct world_path *path,
                      int *other_sees) {
    const struct world_threat_type *tt = &w->types[k];
    int d = tt->domain, m = path->length - 1;
    const int *regions = w->path_regions + path->first, *enter = w->path_enter + path->first;
    int victim = w->regions[regions[m]].owner;
    int impact = enter[m] + tt->dwell - 1;
    for (int i = 0; i <= m; i++) {
        int g = regions[i], owner = w->regions[g].owner;
        int previous = i > 0 ? w->regions[regions[i - 1]].owner : -2;
        int crossing = i > 0 && owner >= 0 && previous != owner;
        /* who can detect the threat here: the owner, or the external area's collectors */
        int watchers[WORLD_MAX_STATES], n = 0;
        if (owner >= 0) {
            double post = crossing ? world_checkpoint(w, regions[i - 1], g) : 0;
            if (can_detect(w, owner, d, tt->stealth, crossing, post)) watchers[n++] = owner;
        } else if (w->collect_first) {
            for (int e = w->collect_first[g]; e < w->collect_first[g + 1]; e++) {
                int who = w->collect_who[e];
                double coverage = w->collect_coverage[(size_t)e * (size_t)w->n_domains + d];
                if (who >= 0 && coverage * tt->stealth > 0) watchers[n++] = who;
            }
        }
        uint64_t route_owners = 0;
        for (int j = i; j <= m; j++)
            if (w->regions[regions[j]].owner >= 0)
                route_owners |= UINT64_C(1) << w->regions[regions[j]].owner;
        for (int a = 0; a < n; a++) {
            int s = watchers[a];
            if (s != victim) *other_sees = 1;
            int delivered = enter[i] + 1 + rule_latency(w, s, d);
            for (int r = 0; r < w->n_states; r++) {
                if (!rule_reaches(w, s, d, r, route_owners)) continue;
                if (r == victim && mitigation(w, r, d) > 0 && delivered <= impact) return 1;
                if (!(w->cue_gain[world_sd(w, r, d)] * tt->stealth > 0)) continue;
                if (!can_engage(w, r) && !(r == victim && mitigation(w, r, d) > 0)) continue;
                for (int j = i; j <= m; j++) {
                    if (w->regions[regions[j]].owner != r) continue;
                    int last = j < m ? enter[j + 1] - 1 : impact;
                    if (last >= delivered) return 1;
                }
            }
        }
    }
    return 0;
}

/* Network intelligence: some state that detects threats of type k somewhere passes it to
 * another that can use it. */
static int network_reach(const struct world *w, int k) {
    const struct world_threat_type *tt = &w->types[k];
    int d = tt->domain;
    uint64_t sources = 0, users = 0, owners = 0;
    for (int p = w->type_first_path[k]; p < w->type_first_path[k + 1]; p++) {
        const struct world_path *path = &w->paths[p];
        const int *regions = w->path_regions + path->first;
        int victim = w->regions[regions[path->length - 1]].owner;
        if (victim >= 0 && mitigation(w, victim, d) > 0) users |= UINT64_C(1) << victim;
        for (int i = 0; i < path->length; i++) {
            int g = regions[i], owner = w->regions[g].owner;
            int previous = i > 0 ? w->regions[regions[i - 1]].owner : -2;
            if (owner >= 0) {
                owners |= UINT64_C(1) << owner;
                int crossing = i > 0 && previous != owner;
                double post = crossing ? world_checkpoint(w, regions[i - 1], g) : 0;
                if (can_detect(w, owner, d, tt->stealth, crossing, post))
                    sources |= UINT64_C(1) << owner;
                if (network_gain(w, owner, d) * tt->stealth > 0 &&
                    (can_engage(w, owner) || (owner == victim && mitigation(w, owner, d) > 0)))
                    users |= UINT64_C(1) << owner;
            } else if (w->collect_first) {
                for (int e = w->collect_first[g]; e < w->collect_first[g + 1]; e++)
                    if (w->collect_who[e] >= 0 &&
                        w->collect_coverage[(size_t)e * (size_t)w->n_domains + d] * tt->stealth > 0)
                        sources |= UINT64_C(1) << w->collect_who[e];
            }
        }
    }
    for (int s = 0; s < w->n_states; s++) {
        if (!(sources >> s & 1)) continue;
        for (int u = 0; u < w->n_states; u++)
            if ((users >> u & 1) && rule_reaches(w, s, d, u, owners)) return 1;
    }
    return 0;
}

int reach_type(const struct world *w, int k, char *why, size_t size) {
    const struct world_threat_type *tt = &w->types[k];
    if (!(tt->stealth > 0)) {
        snprintf(why, size, "its stealth is 0, so nobody ever detects it");
        return 0;
    }
    int other_sees = 0;
    for (int p = w->type_first_path[k]; p < w->type_first_path[k + 1]; p++)
        if (path_reach(w, k, &w->paths[p], &other_sees)) return 1;
    int networked = tt->network_kind != NETWORK_NONE;
    if (networked && w->network_intel && network_reach(w, k)) return 1;
    const char *tactical =
        other_sees ? "the states that can see its threats before their victims cannot pass it in "
                     "time to anyone who can act on it (sharing rules and latency, or no cue "
                     "gain, units or mitigation where it arrives)"
                   : "only a threat's own victim can ever detect it (its routes cross no other "
                     "state's territory where that state detects, and nobody collects upstream "
                     "on them)";
    const char *network = !networked ? "it has no networks (threats.ID.network)"
                          : !w->network_intel
                              ? "the network channel is switched off"
                              : "no state can use another's intelligence on its networks "
                                "(network_gain or mitigation, and the sharing rules)";
    snprintf(why, size, "%s, and %s", tactical, network);
    return 0;
}
