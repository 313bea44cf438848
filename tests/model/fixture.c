/* fixture.c — hand-built worlds for the model's tests. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "fixture.h"

static void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size);
    cr_assert_not_null(p);
    return p;
}

static void *xrealloc(void *p, size_t size) {
    void *q = realloc(p, size);
    cr_assert_not_null(q);
    return q;
}

struct world *fixture_world(int states, int domains, int regions, int ticks, uint64_t seed) {
    struct world *w = xcalloc(1, sizeof *w);
    snprintf(w->name, sizeof w->name, "fixture");
    w->ticks = ticks;
    w->seed = seed;
    w->replicates = 1;
    w->n_domains = domains;
    for (int d = 0; d < domains; d++) snprintf(w->domain_names[d], 32, "d%d", d);
    w->n_states = states;
    w->states = xcalloc((size_t)states, sizeof *w->states);
    size_t sd = (size_t)states * (size_t)domains;
    w->detect = xcalloc(sd, sizeof(double));
    w->border_bonus = xcalloc(sd, sizeof(double));
    w->cue_gain = xcalloc(sd, sizeof(double));
    w->network_gain = xcalloc(sd, sizeof(double));
    w->mitigation = xcalloc(sd, sizeof(double));
    w->sharing = xcalloc(sd, sizeof *w->sharing);
    w->agreement = xcalloc((size_t)states * (size_t)states, sizeof(double));
    w->neighbours = xcalloc((size_t)states, sizeof(uint64_t));
    for (int s = 0; s < states; s++) {
        struct world_state *st = &w->states[s];
        snprintf(st->code, sizeof st->code, "S%d", s % WORLD_MAX_STATES);
        snprintf(st->name, sizeof st->name, "state %d", s % WORLD_MAX_STATES);
        st->units = 0;
        st->interdiction = 1.0;
        st->busy_ticks = 1;
    }
    w->n_regions = regions;
    w->regions = xcalloc((size_t)regions, sizeof *w->regions);
    for (int g = 0; g < regions; g++) {
        snprintf(w->regions[g].id, WORLD_NAME_MAX, "r%d", g);
        snprintf(w->regions[g].name, WORLD_NAME_MAX, "region %d", g);
        w->regions[g].owner = -1;
    }
    w->active_measure = -1;
    w->hub_latency = 1;
    w->burn_factor = 1.0;
    w->burn_ticks = 0;
    w->assistance_units = 1;
    w->trust = (struct world_trust){0.5, 0.05, 0.2, 0.1, 0.3};
    w->network_intel = 1;
    return w;
}

void fixture_region(struct world *w, int region, int owner) {
    w->regions[region].owner = owner;
}

void fixture_route(struct world *w, int from, int to, int ticks) {
    w->routes = xrealloc(w->routes, (size_t)(w->n_routes + 1) * sizeof *w->routes);
    w->routes[w->n_routes++] = (struct world_route){from, to, ticks, -1, 0.0};
}

int fixture_type(struct world *w, int domain, int dwell, double mu, double sigma) {
    w->types = xrealloc(w->types, (size_t)(w->n_types + 1) * sizeof *w->types);
    struct world_threat_type *tt = &w->types[w->n_types];
    memset(tt, 0, sizeof *tt);
    snprintf(tt->id, WORLD_NAME_MAX, "t%d", w->n_types);
    snprintf(tt->name, WORLD_NAME_MAX, "type %d", w->n_types);
    tt->domain = domain;
    tt->stealth = 1.0;
    tt->dwell = dwell;
    tt->severity_mu = mu;
    tt->severity_sigma = sigma;
    tt->first_origin = w->n_origins;
    tt->first_target = w->n_targets;
    return w->n_types++;
}

void fixture_origin(struct world *w, int type, int region, double rate) {
    w->origins = xrealloc(w->origins, (size_t)(w->n_origins + 1) * sizeof *w->origins);
    w->origins[w->n_origins++] = (struct world_origin){region, rate, 0.0, 0.0, 1.0};
    w->types[type].n_origins++;
}

void fixture_target(struct world *w, int type, int region, double weight) {
    w->targets = xrealloc(w->targets, (size_t)(w->n_targets + 1) * sizeof *w->targets);
    w->target_weights =
        xrealloc(w->target_weights, (size_t)(w->n_targets + 1) * sizeof *w->target_weights);
    w->targets[w->n_targets] = region;
    w->target_weights[w->n_targets++] = weight;
    w->types[type].n_targets++;
}

int fixture_partner(struct world *w, double coverage, uint64_t members, double level, int latency) {
    w->partners = xrealloc(w->partners, (size_t)(w->n_partners + 1) * sizeof *w->partners);
    struct world_partner *p = &w->partners[w->n_partners];
    memset(p, 0, sizeof *p);
    snprintf(p->id, WORLD_NAME_MAX, "p%d", w->n_partners);
    for (int d = 0; d < WORLD_MAX_DOMAINS; d++) p->coverage[d] = coverage;
    p->members = members;
    p->share_level = level;
    p->latency = latency;
    return w->n_partners++;
}

void fixture_detect(struct world *w, int s, int d, double p, double b, double q) {
    int sd = world_sd(w, s, d);
    w->detect[sd] = p;
    w->border_bonus[sd] = b;
    w->cue_gain[sd] = q;
}

void fixture_sharing(struct world *w, int s, int d, int policy, int scope, double level,
                     int latency) {
    w->sharing[world_sd(w, s, d)] = (struct world_sharing){policy, scope, level, 0.0, latency};
}

void fixture_network(struct world *w, int type, int kind, int networks, double campaign_rate,
                     int lifetime, int intel_ticks, double rotation) {
    struct world_threat_type *tt = &w->types[type];
    tt->network_kind = kind;
    tt->networks = networks;
    tt->campaign_rate = campaign_rate;
    tt->campaign_lifetime = lifetime;
    tt->intel_ticks = intel_ticks;
    tt->rotation = rotation;
}

void fixture_gains(struct world *w, int s, int d, double network_gain, double mitigation) {
    w->network_gain[world_sd(w, s, d)] = network_gain;
    w->mitigation[world_sd(w, s, d)] = mitigation;
}

/* Entries stay grouped by region, states before partners, each group in call order. */
void fixture_collect(struct world *w, int region, int who, double coverage) {
    size_t D = (size_t)w->n_domains;
    if (!w->collect_first) w->collect_first = xcalloc((size_t)w->n_regions + 1, sizeof(int));
    int at = w->collect_first[region + 1];
    if (who < 0) { /* partners after every state of the region */
    } else {
        at = w->collect_first[region];
        while (at < w->collect_first[region + 1] && w->collect_who[at] >= 0) at++;
    }
    w->collect_who = xrealloc(w->collect_who, (size_t)(w->n_collect + 1) * sizeof(int));
    w->collect_coverage =
        xrealloc(w->collect_coverage, (size_t)(w->n_collect + 1) * D * sizeof(double));
    memmove(w->collect_who + at + 1, w->collect_who + at,
            (size_t)(w->n_collect - at) * sizeof(int));
    memmove(w->collect_coverage + (size_t)(at + 1) * D, w->collect_coverage + (size_t)at * D,
            (size_t)(w->n_collect - at) * D * sizeof(double));
    w->collect_who[at] = who;
    for (size_t d = 0; d < D; d++) w->collect_coverage[(size_t)at * D + d] = coverage;
    w->n_collect++;
    for (int g = region + 1; g <= w->n_regions; g++) w->collect_first[g]++;
}

void fixture_finish(struct world *w) {
    int n = w->n_regions;
    free(w->adj_first);
    free(w->adj_region);
    free(w->adj_ticks);
    free(w->adj_crossing);
    w->adj_crossing = xcalloc(2 * (size_t)w->n_routes, sizeof(uint8_t));
    w->adj_first = xcalloc((size_t)n + 1, sizeof(int));
    w->adj_region = xcalloc(2 * (size_t)w->n_routes, sizeof(int));
    w->adj_ticks = xcalloc(2 * (size_t)w->n_routes, sizeof(int));
    for (int e = 0; e < w->n_routes; e++) {
        w->adj_first[w->routes[e].from + 1]++;
        w->adj_first[w->routes[e].to + 1]++;
    }
    for (int g = 0; g < n; g++) w->adj_first[g + 1] += w->adj_first[g];
    int *fill = xcalloc((size_t)n, sizeof(int));
    for (int e = 0; e < w->n_routes; e++) {
        int a = w->routes[e].from, b = w->routes[e].to;
        int ia = w->adj_first[a] + fill[a]++, ib = w->adj_first[b] + fill[b]++;
        w->adj_region[ia] = b;
        w->adj_ticks[ia] = w->routes[e].ticks;
        w->adj_region[ib] = a;
        w->adj_ticks[ib] = w->routes[e].ticks;
        w->adj_crossing[ia] = w->adj_crossing[ib] = w->regions[a].owner != w->regions[b].owner;
    }
    free(fill);
    for (int s = 0; s < w->n_states; s++) w->neighbours[s] = 0;
    for (int e = 0; e < w->n_routes; e++) {
        int oa = w->regions[w->routes[e].from].owner, ob = w->regions[w->routes[e].to].owner;
        if (oa >= 0 && ob >= 0 && oa != ob) {
            w->neighbours[oa] |= 1ull << ob;
            w->neighbours[ob] |= 1ull << oa;
        }
    }
    for (int k = 0; k < w->n_types; k++) {
        struct world_threat_type *tt = &w->types[k];
        double sum = 0.0;
        for (int j = 0; j < tt->n_targets; j++) sum += w->target_weights[tt->first_target + j];
        for (int j = 0; j < tt->n_targets; j++) w->target_weights[tt->first_target + j] /= sum;
    }
}

struct sim_result *fixture_run(const struct world *w, long replicate,
                               const struct sim_options *options) {
    char err[256] = "";
    struct sim_workspace *ws = sim_alloc(w, options, err, sizeof err);
    cr_assert_not_null(ws, "sim_alloc: %s", err);
    struct sim_result *result = sim_result_alloc(w, options);
    cr_assert_not_null(result);
    int rc = sim_run(ws, w, replicate, result, err, sizeof err);
    cr_assert_eq(rc, 0, "sim_run: %s", err);
    sim_free(ws);
    return result;
}
