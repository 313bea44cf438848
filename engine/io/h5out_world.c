/* h5out_world.c — /world: the compiled base world as compound tables (one row per entity, in
 * scenario order) and per-state x per-domain matrices, so a file explains itself without YAML. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "h5out_internal.h"

/* Compound type building: each row struct below is described field by field. */
/* Copy a name into a fixed-length field, zero-filled past its end so that readers never see
 * bytes left over in the source buffer after the terminating NUL. */
static void copy_name(char *field, const char *name, size_t size) {
    size_t length = strnlen(name, size - 1);
    memcpy(field, name, length);
    memset(field + length, 0, size - length);
}

static void add_string(hid_t type, const char *name, size_t offset, size_t size) {
    hid_t text = h5out_fixed_string(size);
    H5Tinsert(type, name, offset, text);
    H5Tclose(text);
}

#define ADD_STRING(type, row, field)                                                               \
    add_string(type, #field, offsetof(row, field), sizeof(((row *)0)->field))
#define ADD_NUMBER(type, row, field, h5type) H5Tinsert(type, #field, offsetof(row, field), h5type)

/* Write rows of a memory compound type as a 1-D dataset (packed on disk, no padding). */
static int write_table(struct h5out *out, hid_t group, const char *name, hid_t memory_type,
                       int count, const void *rows, const char *description,
                       const char *column_units) {
    hid_t file_type = H5Tcopy(memory_type);
    H5Tpack(file_type);
    hsize_t dims[1] = {(hsize_t)count};
    hid_t space = H5Screate_simple(1, dims, NULL);
    hid_t plist = h5out_dataset_plist(1, NULL, H5OUT_FILTER_NONE);
    hid_t dataset = H5Dcreate2(group, name, file_type, space, H5P_DEFAULT, plist, H5P_DEFAULT);
    int status = dataset < 0 ? -1 : 0;
    if (dataset >= 0) {
        if (count > 0 && H5Dwrite(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0)
            status = -1;
        if (h5out_describe(dataset, "-", description, name) < 0 ||
            h5out_attr_string_id(dataset, "column_units", column_units) < 0)
            status = -1;
        H5Dclose(dataset);
    }
    H5Pclose(plist);
    H5Sclose(space);
    H5Tclose(file_type);
    H5Tclose(memory_type);
    return status < 0 ? h5out_io_fail(out, "cannot write /world/%s", name) : 0;
}

/* A [rows, columns] matrix of doubles (rows * columns may be 0). */
static int write_matrix(struct h5out *out, hid_t group, const char *name, int rows, int columns,
                        const double *data, const char *unit, const char *description,
                        const char *dims_text) {
    hsize_t dims[2] = {(hsize_t)rows, (hsize_t)columns};
    hid_t space = H5Screate_simple(2, dims, NULL);
    hid_t plist = h5out_dataset_plist(2, NULL, H5OUT_FILTER_NONE);
    hid_t dataset = H5Dcreate2(group, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, plist, H5P_DEFAULT);
    int status = dataset < 0 ? -1 : 0;
    if (dataset >= 0) {
        if (rows * columns > 0 &&
            H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
            status = -1;
        if (h5out_describe(dataset, unit, description, dims_text) < 0) status = -1;
        H5Dclose(dataset);
    }
    H5Pclose(plist);
    H5Sclose(space);
    return status < 0 ? h5out_io_fail(out, "cannot write /world/%s", name) : 0;
}

struct state_row {
    char code[8];
    char name[WORLD_NAME_MAX];
    int32_t units;
    double interdiction;
    int32_t busy_ticks;
    double leak;
    double cost_per_report;
    double severity_noise;
    int32_t hub_member;
    int32_t mutual_assistance;
    double cost_per_network_report;
    double gdp;
    double population;
};

static int write_states(struct h5out *out, hid_t group, const struct world *world) {
    struct state_row *rows = calloc((size_t)world->n_states + 1, sizeof *rows);
    if (!rows) return h5out_fail(out, "out of memory writing /world/states");
    for (int s = 0; s < world->n_states; s++) {
        const struct world_state *state = &world->states[s];
        copy_name(rows[s].code, state->code, sizeof rows[s].code);
        copy_name(rows[s].name, state->name, sizeof rows[s].name);
        rows[s].units = state->units;
        rows[s].interdiction = state->interdiction;
        rows[s].busy_ticks = state->busy_ticks;
        rows[s].leak = state->leak;
        rows[s].cost_per_report = state->cost_per_report;
        rows[s].severity_noise = state->severity_noise;
        rows[s].hub_member = state->hub_member;
        rows[s].mutual_assistance = state->mutual_assistance;
        rows[s].cost_per_network_report = state->cost_per_network_report;
        rows[s].gdp = state->gdp;
        rows[s].population = state->population;
    }
    hid_t type = H5Tcreate(H5T_COMPOUND, sizeof(struct state_row));
    ADD_STRING(type, struct state_row, code);
    ADD_STRING(type, struct state_row, name);
    ADD_NUMBER(type, struct state_row, units, H5T_NATIVE_INT32);
    ADD_NUMBER(type, struct state_row, interdiction, H5T_NATIVE_DOUBLE);
    ADD_NUMBER(type, struct state_row, busy_ticks, H5T_NATIVE_INT32);
    ADD_NUMBER(type, struct state_row, leak, H5T_NATIVE_DOUBLE);
    ADD_NUMBER(type, struct state_row, cost_per_report, H5T_NATIVE_DOUBLE);
    ADD_NUMBER(type, struct state_row, severity_noise, H5T_NATIVE_DOUBLE);
    ADD_NUMBER(type, struct state_row, hub_member, H5T_NATIVE_INT32);
    ADD_NUMBER(type, struct state_row, mutual_assistance, H5T_NATIVE_INT32);
    ADD_NUMBER(type, struct state_row, cost_per_network_report, H5T_NATIVE_DOUBLE);
    ADD_NUMBER(type, struct state_row, gdp, H5T_NATIVE_DOUBLE);
    ADD_NUMBER(type, struct state_row, population, H5T_NATIVE_DOUBLE);
    int status = write_table(out, group, "states", type, world->n_states, rows,
                             "the states, one row each in scenario order",
                             "code=-,name=-,units=count,interdiction=probability,busy_ticks=tick,"
                             "leak=probability,cost_per_report=harm,severity_noise=log(harm),"
                             "hub_member=0/1,mutual_assistance=0/1,cost_per_network_report=harm,"
                             "gdp=US$ billion,population=million");
    free(rows);
    return status;
}

struct region_row {
    char id[WORLD_NAME_MAX];
    char name[WORLD_NAME_MAX];
    int32_t owner;
    char owner_code[8];
    double lon, lat;
};

static int write_regions(struct h5out *out, hid_t group, const struct world *world) {
    struct region_row *rows = calloc((size_t)world->n_regions + 1, sizeof *rows);
    if (!rows) return h5out_fail(out, "out of memory writing /world/regions");
    for (int g = 0; g < world->n_regions; g++) {
        const struct world_region *region = &world->regions[g];
        copy_name(rows[g].id, region->id, sizeof rows[g].id);
        copy_name(rows[g].name, region->name, sizeof rows[g].name);
        rows[g].owner = region->owner;
        if (region->owner >= 0 && region->owner < world->n_states)
            copy_name(rows[g].owner_code, world->states[region->owner].code,
                      sizeof rows[g].owner_code);
        rows[g].lon = region->lon;
        rows[g].lat = region->lat;
    }
    hid_t type = H5Tcreate(H5T_COMPOUND, sizeof(struct region_row));
    ADD_STRING(type, struct region_row, id);
    ADD_STRING(type, struct region_row, name);
    ADD_NUMBER(type, struct region_row, owner, H5T_NATIVE_INT32);
    ADD_STRING(type, struct region_row, owner_code);
    ADD_NUMBER(type, struct region_row, lon, H5T_NATIVE_DOUBLE);
    ADD_NUMBER(type, struct region_row, lat, H5T_NATIVE_DOUBLE);
    int status = write_table(out, group, "regions", type, world->n_regions, rows,
                             "the regions in scenario order; owner is a row of /world/states or "
                             "-1 for an external area",
                             "id=-,name=-,owner=index,owner_code=-,lon=degree,lat=degree");
    free(rows);
    return status;
}

struct route_row {
    int32_t from, to, ticks;
    char from_id[WORLD_NAME_MAX];
    char to_id[WORLD_NAME_MAX];
};

static int write_routes(struct h5out *out, hid_t group, const struct world *world) {
    struct route_row *rows = calloc((size_t)world->n_routes + 1, sizeof *rows);
    if (!rows) return h5out_fail(out, "out of memory writing /world/routes");
    for (int i = 0; i < world->n_routes; i++) {
        const struct world_route *route = &world->routes[i];
        rows[i].from = route->from;
        rows[i].to = route->to;
        rows[i].ticks = route->ticks;
        if (route->from >= 0 && route->from < world->n_regions)
            copy_name(rows[i].from_id, world->regions[route->from].id, sizeof rows[i].from_id);
        if (route->to >= 0 && route->to < world->n_regions)
            copy_name(rows[i].to_id, world->regions[route->to].id, sizeof rows[i].to_id);
    }
    hid_t type = H5Tcreate(H5T_COMPOUND, sizeof(struct route_row));
    ADD_NUMBER(type, struct route_row, from, H5T_NATIVE_INT32);
    ADD_NUMBER(type, struct route_row, to, H5T_NATIVE_INT32);
    ADD_NUMBER(type, struct route_row, ticks, H5T_NATIVE_INT32);
    ADD_STRING(type, struct route_row, from_id);
    ADD_STRING(type, struct route_row, to_id);
    int status = write_table(out, group, "routes", type, world->n_routes, rows,
                             "undirected routes between regions (rows of /world/regions) with "
                             "their travel time",
                             "from=index,to=index,ticks=tick,from_id=-,to_id=-");
    free(rows);
    return status;
}

struct type_row {
    char id[WORLD_NAME_MAX];
    char name[WORLD_NAME_MAX];
    int32_t domain;
    char domain_name[32];
    double stealth;
    int32_t dwell;
    double severity_mu, severity_sigma, harm_per_tick;
    int32_t adaptive;
    double escalation_boost, escalation_decay, contagion;
    int32_t n_origins, n_targets;
};

static int write_types(struct h5out *out, hid_t group, const struct world *world) {
    struct type_row *rows = calloc((size_t)world->n_types + 1, sizeof *rows);
    if (!rows) return h5out_fail(out, "out of memory writing /world/threat_types");
    for (int k = 0; k < world->n_types; k++) {
        const struct world_threat_type *type = &world->types[k];
        copy_name(rows[k].id, type->id, sizeof rows[k].id);
        copy_name(rows[k].name, type->name, sizeof rows[k].name);
        rows[k].domain = type->domain;
        if (type->domain >= 0 && type->domain < world->n_domains)
            copy_name(rows[k].domain_name, world->domain_names[type->domain],
                      sizeof rows[k].domain_name);
        rows[k].stealth = type->stealth;
        rows[k].dwell = type->dwell;
        rows[k].severity_mu = type->severity_mu;
        rows[k].severity_sigma = type->severity_sigma;
        rows[k].harm_per_tick = type->harm_per_tick;
        rows[k].adaptive = type->adaptive;
        rows[k].escalation_boost = type->escalation_boost;
        rows[k].escalation_decay = type->escalation_decay;
        rows[k].contagion = type->contagion;
        rows[k].n_origins = type->n_origins;
        rows[k].n_targets = type->n_targets;
    }
    hid_t type = H5Tcreate(H5T_COMPOUND, sizeof(struct type_row));
    ADD_STRING(type, struct type_row, id);
    ADD_STRING(type, struct type_row, name);
    ADD_NUMBER(type, struct type_row, domain, H5T_NATIVE_INT32);
    ADD_STRING(type, struct type_row, domain_name);
    ADD_NUMBER(type, struct type_row, stealth, H5T_NATIVE_DOUBLE);
    ADD_NUMBER(type, struct type_row, dwell, H5T_NATIVE_INT32);
    ADD_NUMBER(type, struct type_row, severity_mu, H5T_NATIVE_DOUBLE);
    ADD_NUMBER(type, struct type_row, severity_sigma, H5T_NATIVE_DOUBLE);
    ADD_NUMBER(type, struct type_row, harm_per_tick, H5T_NATIVE_DOUBLE);
    ADD_NUMBER(type, struct type_row, adaptive, H5T_NATIVE_INT32);
    ADD_NUMBER(type, struct type_row, escalation_boost, H5T_NATIVE_DOUBLE);
    ADD_NUMBER(type, struct type_row, escalation_decay, H5T_NATIVE_DOUBLE);
    ADD_NUMBER(type, struct type_row, contagion, H5T_NATIVE_DOUBLE);
    ADD_NUMBER(type, struct type_row, n_origins, H5T_NATIVE_INT32);
    ADD_NUMBER(type, struct type_row, n_targets, H5T_NATIVE_INT32);
    int status = write_table(
        out, group, "threat_types", type, world->n_types, rows,
        "the threat types in scenario order; severity ~ lognormal(severity_mu, severity_sigma)",
        "id=-,name=-,domain=index,domain_name=-,stealth=probability factor,dwell=tick,"
        "severity_mu=log(harm),severity_sigma=log(harm),harm_per_tick=harm/tick,adaptive=0/1,"
        "escalation_boost=rate multiplier,escalation_decay=1/tick,contagion=probability,"
        "n_origins=count,n_targets=count");
    free(rows);
    return status;
}

struct origin_row {
    int32_t type, region;
    char region_id[WORLD_NAME_MAX];
    double rate, season_amplitude, season_peak, season_period;
};

struct target_row {
    int32_t type, region;
    char region_id[WORLD_NAME_MAX];
    double weight;
};

/* Origins and targets of each type (a type's slices of world.origins and world.targets). */
static int write_origins_targets(struct h5out *out, hid_t group, const struct world *world) {
    struct origin_row *origins = calloc((size_t)world->n_origins + 1, sizeof *origins);
    struct target_row *targets = calloc((size_t)world->n_targets + 1, sizeof *targets);
    if (!origins || !targets) {
        free(origins);
        free(targets);
        return h5out_fail(out, "out of memory writing /world/origins");
    }
    for (int k = 0; k < world->n_types; k++) {
        const struct world_threat_type *type = &world->types[k];
        for (int i = type->first_origin; i < type->first_origin + type->n_origins; i++)
            if (i >= 0 && i < world->n_origins) origins[i].type = k;
        for (int i = type->first_target; i < type->first_target + type->n_targets; i++)
            if (i >= 0 && i < world->n_targets) targets[i].type = k;
    }
    for (int i = 0; i < world->n_origins; i++) {
        const struct world_origin *origin = &world->origins[i];
        origins[i].region = origin->region;
        if (origin->region >= 0 && origin->region < world->n_regions)
            copy_name(origins[i].region_id, world->regions[origin->region].id, WORLD_NAME_MAX);
        origins[i].rate = origin->rate;
        origins[i].season_amplitude = origin->season_amplitude;
        origins[i].season_peak = origin->season_peak;
        origins[i].season_period = origin->season_period;
    }
    for (int i = 0; i < world->n_targets; i++) {
        targets[i].region = world->targets[i];
        if (world->targets[i] >= 0 && world->targets[i] < world->n_regions)
            copy_name(targets[i].region_id, world->regions[world->targets[i]].id, WORLD_NAME_MAX);
        targets[i].weight = world->target_weights[i];
    }
    hid_t type = H5Tcreate(H5T_COMPOUND, sizeof(struct origin_row));
    ADD_NUMBER(type, struct origin_row, type, H5T_NATIVE_INT32);
    ADD_NUMBER(type, struct origin_row, region, H5T_NATIVE_INT32);
    ADD_STRING(type, struct origin_row, region_id);
    ADD_NUMBER(type, struct origin_row, rate, H5T_NATIVE_DOUBLE);
    ADD_NUMBER(type, struct origin_row, season_amplitude, H5T_NATIVE_DOUBLE);
    ADD_NUMBER(type, struct origin_row, season_peak, H5T_NATIVE_DOUBLE);
    ADD_NUMBER(type, struct origin_row, season_period, H5T_NATIVE_DOUBLE);
    int status = write_table(out, group, "origins", type, world->n_origins, origins,
                             "where each threat type arises: Poisson rate per tick, "
                             "rate(t) = rate * (1 + A cos(2 pi (t - peak) / period))",
                             "type=index,region=index,region_id=-,rate=1/tick,"
                             "season_amplitude=-,season_peak=tick,season_period=tick");
    type = H5Tcreate(H5T_COMPOUND, sizeof(struct target_row));
    ADD_NUMBER(type, struct target_row, type, H5T_NATIVE_INT32);
    ADD_NUMBER(type, struct target_row, region, H5T_NATIVE_INT32);
    ADD_STRING(type, struct target_row, region_id);
    ADD_NUMBER(type, struct target_row, weight, H5T_NATIVE_DOUBLE);
    if (status == 0)
        status = write_table(out, group, "targets", type, world->n_targets, targets,
                             "what each threat type aims at, with weights summing to 1 per type",
                             "type=index,region=index,region_id=-,weight=probability");
    else
        H5Tclose(type);
    free(origins);
    free(targets);
    return status;
}

struct partner_row {
    char id[WORLD_NAME_MAX];
    char name[WORLD_NAME_MAX];
    double share_level;
    int32_t latency;
    uint64_t members;
};

static int write_partners(struct h5out *out, hid_t group, const struct world *world) {
    size_t n = (size_t)world->n_partners;
    struct partner_row *rows = calloc(n + 1, sizeof *rows);
    double *coverage = calloc(n * (size_t)world->n_domains + 1, sizeof *coverage);
    if (!rows || !coverage) {
        free(rows);
        free(coverage);
        return h5out_fail(out, "out of memory writing /world/partners");
    }
    for (size_t p = 0; p < n; p++) {
        const struct world_partner *partner = &world->partners[p];
        copy_name(rows[p].id, partner->id, sizeof rows[p].id);
        copy_name(rows[p].name, partner->name, sizeof rows[p].name);
        rows[p].share_level = partner->share_level;
        rows[p].latency = partner->latency;
        rows[p].members = partner->members;
        for (int d = 0; d < world->n_domains; d++)
            coverage[p * (size_t)world->n_domains + (size_t)d] = partner->coverage[d];
    }
    hid_t type = H5Tcreate(H5T_COMPOUND, sizeof(struct partner_row));
    ADD_STRING(type, struct partner_row, id);
    ADD_STRING(type, struct partner_row, name);
    ADD_NUMBER(type, struct partner_row, share_level, H5T_NATIVE_DOUBLE);
    ADD_NUMBER(type, struct partner_row, latency, H5T_NATIVE_INT32);
    ADD_NUMBER(type, struct partner_row, members, H5T_NATIVE_UINT64);
    int status = write_table(out, group, "partners", type, world->n_partners, rows,
                             "external partners; bit s of members set when state s (row of "
                             "/world/states) receives the partner's reports",
                             "id=-,name=-,share_level=probability,latency=tick,members=bitmask");
    if (status == 0)
        status = write_matrix(out, group, "partner_coverage", world->n_partners, world->n_domains,
                              coverage, "probability",
                              "probability the partner learns of a new threat of the domain",
                              "partner,domain");
    free(rows);
    free(coverage);
    return status;
}

struct measure_row {
    char id[WORLD_NAME_MAX];
    char name[WORLD_NAME_MAX];
    double cost;
};

static int write_measures(struct h5out *out, hid_t group, const struct world *world) {
    struct measure_row *rows = calloc((size_t)world->n_measures + 1, sizeof *rows);
    if (!rows) return h5out_fail(out, "out of memory writing /world/measures");
    for (int i = 0; i < world->n_measures; i++) {
        copy_name(rows[i].id, world->measures[i].id, sizeof rows[i].id);
        copy_name(rows[i].name, world->measures[i].name, sizeof rows[i].name);
        rows[i].cost = world->measures[i].cost;
    }
    hid_t type = H5Tcreate(H5T_COMPOUND, sizeof(struct measure_row));
    ADD_STRING(type, struct measure_row, id);
    ADD_STRING(type, struct measure_row, name);
    ADD_NUMBER(type, struct measure_row, cost, H5T_NATIVE_DOUBLE);
    int status = write_table(out, group, "measures", type, world->n_measures, rows,
                             "candidate measures with their cost over the whole run",
                             "id=-,name=-,cost=harm");
    free(rows);
    return status;
}

struct sharing_row {
    int32_t policy, scope;
    double level, threshold;
    int32_t latency;
};

static int write_sharing(struct h5out *out, hid_t group, const struct world *world) {
    size_t cells = (size_t)world->n_states * (size_t)world->n_domains;
    struct sharing_row *rows = calloc(cells + 1, sizeof *rows);
    if (!rows) return h5out_fail(out, "out of memory writing /world/sharing");
    for (size_t i = 0; i < cells && world->sharing; i++) {
        rows[i].policy = world->sharing[i].policy;
        rows[i].scope = world->sharing[i].scope;
        rows[i].level = world->sharing[i].level;
        rows[i].threshold = world->sharing[i].threshold;
        rows[i].latency = world->sharing[i].latency;
    }
    hid_t memory_type = H5Tcreate(H5T_COMPOUND, sizeof(struct sharing_row));
    ADD_NUMBER(memory_type, struct sharing_row, policy, H5T_NATIVE_INT32);
    ADD_NUMBER(memory_type, struct sharing_row, scope, H5T_NATIVE_INT32);
    ADD_NUMBER(memory_type, struct sharing_row, level, H5T_NATIVE_DOUBLE);
    ADD_NUMBER(memory_type, struct sharing_row, threshold, H5T_NATIVE_DOUBLE);
    ADD_NUMBER(memory_type, struct sharing_row, latency, H5T_NATIVE_INT32);
    hid_t file_type = H5Tcopy(memory_type);
    H5Tpack(file_type);
    hsize_t dims[2] = {(hsize_t)world->n_states, (hsize_t)world->n_domains};
    hid_t space = H5Screate_simple(2, dims, NULL);
    hid_t plist = h5out_dataset_plist(2, NULL, H5OUT_FILTER_NONE);
    hid_t dataset = H5Dcreate2(group, "sharing", file_type, space, H5P_DEFAULT, plist, H5P_DEFAULT);
    static const char *const policies[] = {"withhold",   "full",       "level",
                                           "agreements", "reciprocal", "hub"};
    static const char *const scopes[] = {"all", "neighbours", "route"};
    int status = dataset < 0 ? -1 : 0;
    if (dataset >= 0) {
        if (cells > 0 && H5Dwrite(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0)
            status = -1;
        if (h5out_describe(dataset, "-", "each state's sharing rule for each domain",
                           "state,domain") < 0 ||
            h5out_attr_string_id(dataset, "column_units",
                                 "policy=index into policy_names,scope=index into scope_names,"
                                 "level=probability,threshold=harm,latency=tick") < 0 ||
            h5out_attr_strings_id(dataset, "policy_names", 6, policies) < 0 ||
            h5out_attr_strings_id(dataset, "scope_names", 3, scopes) < 0)
            status = -1;
        H5Dclose(dataset);
    }
    H5Pclose(plist);
    H5Sclose(space);
    H5Tclose(file_type);
    H5Tclose(memory_type);
    free(rows);
    return status < 0 ? h5out_io_fail(out, "cannot write /world/sharing") : 0;
}

/* Scalars of the world that belong to no table. */
static int write_world_attributes(hid_t group, const struct world *world) {
    int status = 0;
    status |= h5out_attr_string_id(group, "name", world->name);
    status |= h5out_attr_int_id(group, "ticks", world->ticks);
    status |= h5out_attr_int_id(group, "replicates", world->replicates);
    status |= h5out_attr_int_id(group, "hub_latency", world->hub_latency);
    status |= h5out_attr_double_id(group, "hub_monitoring", world->hub_monitoring);
    status |= h5out_attr_double_id(group, "burn_factor", world->burn_factor);
    status |= h5out_attr_int_id(group, "burn_ticks", world->burn_ticks);
    status |= h5out_attr_int_id(group, "assistance_units", world->assistance_units);
    status |= h5out_attr_double_id(group, "trust_initial", world->trust.initial);
    status |= h5out_attr_double_id(group, "trust_gain_used", world->trust.gain_used);
    status |= h5out_attr_double_id(group, "trust_loss_leak", world->trust.loss_leak);
    status |= h5out_attr_double_id(group, "trust_loss_hidden", world->trust.loss_hidden);
    status |= h5out_attr_double_id(group, "trust_discover_hidden", world->trust.discover_hidden);
    return status ? -1 : 0;
}

int h5out_write_world(struct h5out *out, const struct world *world) {
    if (h5out_check_usable(out) < 0) return -1;
    if (!world) return h5out_fail(out, "no world to write");
    /* Resuming: the world came from the same scenario text (checked by hash) and is there. */
    if (out->resumed && H5Lexists(out->file, "/world", H5P_DEFAULT) > 0) return 0;
    if (world->n_states > WORLD_MAX_STATES || world->n_domains > WORLD_MAX_DOMAINS)
        return h5out_fail(out, "world too large: %d states, %d domains", world->n_states,
                          world->n_domains);
    hid_t plist = h5out_group_plist();
    hid_t group = H5Gcreate2(out->file, "/world", H5P_DEFAULT, plist, H5P_DEFAULT);
    H5Pclose(plist);
    if (group < 0) return h5out_fail(out, "cannot create /world (written twice?)");
    if (write_world_attributes(group, world) < 0) {
        H5Gclose(group);
        return h5out_fail(out, "cannot write the attributes of /world");
    }
    size_t cells = (size_t)world->n_states * (size_t)world->n_domains;
    double *zeros =
        calloc(cells + (size_t)world->n_states * (size_t)world->n_states + 1, sizeof *zeros);
    int status = zeros ? 0 : h5out_fail(out, "out of memory writing /world");
    const char *domains[WORLD_MAX_DOMAINS];
    for (int d = 0; d < world->n_domains; d++) domains[d] = world->domain_names[d];
    /* Absent optional arrays are written as zeros so that every file has the same layout. */
    if (status == 0) status = write_states(out, group, world);
    if (status == 0) status = write_regions(out, group, world);
    if (status == 0) status = write_routes(out, group, world);
    if (status == 0) status = write_types(out, group, world);
    if (status == 0) status = write_origins_targets(out, group, world);
    if (status == 0) status = write_partners(out, group, world);
    if (status == 0) status = write_measures(out, group, world);
    if (status == 0) status = write_sharing(out, group, world);
    if (status == 0)
        status = h5out_write_strings(out, "/world/domains", world->n_domains, domains,
                                     "the intelligence domains, columns of the [state, domain] "
                                     "matrices");
    if (status == 0)
        status = write_matrix(out, group, "detect", world->n_states, world->n_domains,
                              world->detect ? world->detect : zeros, "probability/tick",
                              "probability per tick that a state detects a threat of the domain "
                              "in its own territory",
                              "state,domain");
    if (status == 0)
        status = write_matrix(out, group, "border_bonus", world->n_states, world->n_domains,
                              world->border_bonus ? world->border_bonus : zeros, "probability",
                              "added detection probability on the tick a threat crosses in",
                              "state,domain");
    if (status == 0)
        status =
            write_matrix(out, group, "cue_gain", world->n_states, world->n_domains,
                         world->cue_gain ? world->cue_gain : zeros, "probability/tick",
                         "detection probability when holding intel on the threat", "state,domain");
    if (status == 0)
        status = write_matrix(out, group, "network_gain", world->n_states, world->n_domains,
                              world->network_gain ? world->network_gain : zeros, "probability/tick",
                              "detection probability when holding intelligence on the threat's "
                              "network",
                              "state,domain");
    if (status == 0)
        status = write_matrix(out, group, "mitigation", world->n_states, world->n_domains,
                              world->mitigation ? world->mitigation : zeros, "share",
                              "share of an impact's harm a warned victim averts", "state,domain");
    if (status == 0)
        status = write_matrix(out, group, "agreement", world->n_states, world->n_states,
                              world->agreement ? world->agreement : zeros, "probability",
                              "probability that state (row) shares with state (column) under "
                              "the agreements policy",
                              "sender,receiver");
    free(zeros);
    H5Gclose(group);
    return status;
}
