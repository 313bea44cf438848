/* io_fixture.c — the hand-made world and results shared by the writer's tests. */
/* nftw() is an XSI function. */
#define _XOPEN_SOURCE 700
#include "io_fixture.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char fixture_scenario[] = "# fixture scenario — Қазақстан, Oʻzbekiston\n"
                                "name: fixture\nticks: 6\n\n\n";

static void *checked_calloc(size_t count, size_t size) {
    void *memory = calloc(count ? count : 1, size);
    cr_assert_not_null(memory);
    return memory;
}

struct world *fixture_world(void) {
    struct world *world = checked_calloc(1, sizeof *world);
    snprintf(world->name, sizeof world->name, "fixture");
    world->ticks = FIXTURE_TICKS;
    world->seed = 12345678901234567ULL;
    world->replicates = 3;
    world->n_domains = FIXTURE_DOMAINS;
    snprintf(world->domain_names[0], 32, "land");
    snprintf(world->domain_names[1], 32, "cyber");

    world->n_states = FIXTURE_STATES;
    world->states = checked_calloc(FIXTURE_STATES, sizeof *world->states);
    static const char *codes[] = {"KAZ", "KGZ", "TJK"};
    static const char *names[] = {"Kazakhstan", "Kyrgyzstan", "Tajikistan"};
    for (int s = 0; s < FIXTURE_STATES; s++) {
        struct world_state *state = &world->states[s];
        snprintf(state->code, sizeof state->code, "%s", codes[s]);
        snprintf(state->name, sizeof state->name, "%s", names[s]);
        state->units = 2 + s;
        state->interdiction = 0.5 + 0.1 * s;
        state->busy_ticks = 1 + s;
        state->leak = 0.01 * s;
        state->cost_per_report = 0.25 * s;
        state->hub_member = s != 2;
    }
    size_t cells = FIXTURE_STATES * FIXTURE_DOMAINS;
    world->detect = checked_calloc(cells, sizeof(double));
    world->border_bonus = checked_calloc(cells, sizeof(double));
    world->cue_gain = checked_calloc(cells, sizeof(double));
    world->sharing = checked_calloc(cells, sizeof *world->sharing);
    for (size_t i = 0; i < cells; i++) {
        world->detect[i] = 0.01 * (double)(i + 1);
        world->border_bonus[i] = 0.1;
        world->cue_gain[i] = 0.2 + 0.01 * (double)i;
        world->sharing[i].policy = (int)(i % 6);
        world->sharing[i].level = 0.5;
        world->sharing[i].latency = 1;
    }
    world->agreement = checked_calloc(FIXTURE_STATES * FIXTURE_STATES, sizeof(double));
    world->agreement[1] = 0.75;

    world->n_regions = FIXTURE_REGIONS;
    world->regions = checked_calloc(FIXTURE_REGIONS, sizeof *world->regions);
    for (int g = 0; g < FIXTURE_REGIONS; g++) {
        snprintf(world->regions[g].id, WORLD_NAME_MAX, "r%d", g);
        snprintf(world->regions[g].name, WORLD_NAME_MAX, "Region %d", g);
        world->regions[g].owner = g < FIXTURE_STATES ? g : -1;
        world->regions[g].lon = 60 + g;
        world->regions[g].lat = 40 + g;
    }
    world->n_routes = 3;
    world->routes = checked_calloc(3, sizeof *world->routes);
    for (int i = 0; i < 3; i++) world->routes[i] = (struct world_route){i, i + 1, 2 + i, -1, 0.0};

    world->n_types = FIXTURE_TYPES;
    world->types = checked_calloc(FIXTURE_TYPES, sizeof *world->types);
    world->n_origins = 2;
    world->origins = checked_calloc(2, sizeof *world->origins);
    world->n_targets = 3;
    world->targets = checked_calloc(3, sizeof(int));
    world->target_weights = checked_calloc(3, sizeof(double));
    for (int k = 0; k < FIXTURE_TYPES; k++) {
        struct world_threat_type *type = &world->types[k];
        snprintf(type->id, WORLD_NAME_MAX, "type%d", k);
        snprintf(type->name, WORLD_NAME_MAX, "Threat type %d", k);
        type->domain = k;
        type->stealth = 0.9;
        type->dwell = 2;
        type->severity_mu = 1.5;
        type->first_origin = k;
        type->n_origins = 1;
        type->first_target = k == 0 ? 0 : 2;
        type->n_targets = k == 0 ? 2 : 1;
        world->origins[k] = (struct world_origin){3, 0.5 + k, 0, 0, 365};
    }
    world->targets[0] = 0;
    world->targets[1] = 1;
    world->targets[2] = 2;
    world->target_weights[0] = 0.25;
    world->target_weights[1] = 0.75;
    world->target_weights[2] = 1;

    world->n_partners = 1;
    world->partners = checked_calloc(1, sizeof *world->partners);
    snprintf(world->partners[0].id, WORLD_NAME_MAX, "ally");
    world->partners[0].coverage[1] = 0.3;
    world->partners[0].members = 5; /* states 0 and 2 */
    world->partners[0].share_level = 0.8;
    world->partners[0].latency = 2;

    world->n_measures = 2;
    world->measures = checked_calloc(2, sizeof *world->measures);
    snprintf(world->measures[0].id, WORLD_NAME_MAX, "radar");
    world->measures[0].cost = 10;
    snprintf(world->measures[1].id, WORLD_NAME_MAX, "hub");
    world->measures[1].cost = 20.5;
    world->active_measure = -1;
    world->trust.initial = 0.5;
    return world;
}

double fixture_value(int replicate, int metric, int state, int type) {
    double base = 1000.0 * replicate + 100.0 * metric + 10.0 * state + type;
    return metric_table[metric].is_count ? base : base + 0.125;
}

double fixture_series_value(int replicate, int metric, int tick, int state) {
    double base = 10000.0 * replicate + 100.0 * metric + 10.0 * tick + state;
    return metric_table[metric].is_count ? base : base / 3.0;
}

float fixture_trust_value(int replicate, int tick, int truster, int trusted) {
    return (float)(0.5 + 0.01 * replicate + 0.001 * tick + 0.1 * truster - 0.05 * trusted);
}

struct sim_result *fixture_result(const struct world *world, int replicate, int with_series,
                                  int with_trust) {
    struct sim_result *result = checked_calloc(1, sizeof *result);
    int S = world->n_states, K = world->n_types, T = world->ticks, G = world->n_regions;
    result->n_states = S;
    result->n_types = K;
    result->ticks = T;
    result->n_regions = G;
    result->by_type = checked_calloc((size_t)METRIC_COUNT * S * K, sizeof(double));
    for (int m = 0; m < METRIC_COUNT; m++)
        for (int s = 0; s < S; s++)
            for (int k = 0; k < K; k++)
                result->by_type[((size_t)m * S + s) * K + k] = fixture_value(replicate, m, s, k);
    if (with_series) {
        result->series = checked_calloc((size_t)METRIC_COUNT * T * S, sizeof(double));
        for (int m = 0; m < METRIC_COUNT; m++)
            for (int t = 0; t < T; t++)
                for (int s = 0; s < S; s++)
                    result->series[((size_t)m * T + t) * S + s] =
                        fixture_series_value(replicate, m, t, s);
    }
    if (with_trust) {
        result->trust = checked_calloc((size_t)T * S * S, sizeof(float));
        for (int t = 0; t < T; t++)
            for (int i = 0; i < S; i++)
                for (int j = 0; j < S; j++)
                    result->trust[((size_t)t * S + i) * S + j] =
                        fixture_trust_value(replicate, t, i, j);
        result->trust_changed = replicate % 2;
    }
    result->region_arrivals = checked_calloc(G, sizeof(double));
    result->region_detections = checked_calloc(G, sizeof(double));
    result->region_impacts = checked_calloc(G, sizeof(double));
    result->region_harm = checked_calloc(G, sizeof(double));
    for (int g = 0; g < G; g++) {
        result->region_arrivals[g] = 10 * replicate + g;
        result->region_detections[g] = g;
        result->region_impacts[g] = replicate;
        result->region_harm[g] = 0.5 * g + replicate;
    }
    result->threat_ticks = 100 + replicate;
    result->peak_active = 7;
    return result;
}

void fixture_result_free(struct sim_result *result) {
    if (!result) return;
    free(result->by_type);
    free(result->series);
    free(result->trust);
    free(result->region_arrivals);
    free(result->region_detections);
    free(result->region_impacts);
    free(result->region_harm);
    free(result);
}

struct h5out_provenance fixture_provenance(int replicates) {
    return (struct h5out_provenance){
        .command = "run",
        .command_line = "c5sim run 'fixture.yaml' -o out.h5",
        .scenario_filename = "fixture.yaml",
        .scenario_source = fixture_scenario,
        .scenario_length = sizeof fixture_scenario - 1,
        .seed = 12345678901234567ULL,
        .replicates = replicates,
        .ticks = FIXTURE_TICKS,
    };
}

void fixture_tempdir(char *path, size_t size) {
    snprintf(path, size, "/tmp/c5sim-io-XXXXXX");
    cr_assert_not_null(mkdtemp(path));
}

static int remove_entry(const char *path, const struct stat *info, int flag, struct FTW *ftw) {
    (void)info;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void fixture_remove_tree(const char *path) {
    nftw(path, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int fixture_exists(const char *path) {
    struct stat info;
    return stat(path, &info) == 0;
}

long long fixture_read_attr_int(hid_t object, const char *name) {
    long long value = -999;
    hid_t attr = H5Aopen(object, name, H5P_DEFAULT);
    cr_assert_geq(attr, 0, "attribute %s missing", name);
    cr_assert_geq(H5Aread(attr, H5T_NATIVE_LLONG, &value), 0);
    H5Aclose(attr);
    return value;
}

void fixture_read_attr_string(hid_t object, const char *name, char *value, size_t size) {
    hid_t attr = H5Aopen(object, name, H5P_DEFAULT);
    cr_assert_geq(attr, 0, "attribute %s missing", name);
    hid_t type = H5Aget_type(attr);
    cr_assert_eq(H5Tget_class(type), H5T_STRING, "attribute %s is not a string", name);
    cr_assert_gt(H5Tis_variable_str(type), 0, "attribute %s is not a variable string", name);
    char *text = NULL;
    cr_assert_geq(H5Aread(attr, type, &text), 0);
    snprintf(value, size, "%s", text);
    H5free_memory(text);
    H5Tclose(type);
    H5Aclose(attr);
}

void fixture_dataset_shape(hid_t file, const char *path, int *rank, hsize_t *dims) {
    hid_t dataset = H5Dopen2(file, path, H5P_DEFAULT);
    cr_assert_geq(dataset, 0, "dataset %s missing", path);
    hid_t space = H5Dget_space(dataset);
    *rank = H5Sget_simple_extent_ndims(space);
    H5Sget_simple_extent_dims(space, dims, NULL);
    H5Sclose(space);
    H5Dclose(dataset);
}

/* Every dataset under /variants read as raw bytes, concatenated in name order. */

static herr_t collect_dataset(hid_t object, const char *name, const H5O_info_t *info, void *data) {
    if (info->type != H5O_TYPE_DATASET) return 0;
    struct fixture_bytes *collected = data;
    hid_t dataset = H5Oopen(object, name, H5P_DEFAULT);
    hid_t type = H5Dget_type(dataset);
    hid_t native = H5Tget_native_type(type, H5T_DIR_ASCEND);
    hid_t space = H5Dget_space(dataset);
    size_t count = (size_t)H5Sget_simple_extent_npoints(space);
    if (H5Tis_variable_str(type) > 0) {
        /* Variable-length strings read as pointers: collect the text they point to. */
        char **texts = calloc(count + 1, sizeof *texts);
        cr_assert_not_null(texts);
        if (count) H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, texts);
        for (size_t i = 0; i < count; i++) {
            size_t length = strlen(texts[i]) + 1;
            collected->bytes = realloc(collected->bytes, collected->size + length);
            cr_assert_not_null(collected->bytes);
            memcpy(collected->bytes + collected->size, texts[i], length);
            collected->size += length;
        }
        H5Dvlen_reclaim(type, space, H5P_DEFAULT, texts);
        free(texts);
        count = 0;
    }
    size_t bytes = count * H5Tget_size(native);
    collected->bytes = realloc(collected->bytes, collected->size + bytes + 1);
    cr_assert_not_null(collected->bytes);
    /* Native compound types have padding that H5Dread leaves untouched. */
    memset(collected->bytes + collected->size, 0, bytes);
    if (bytes)
        H5Dread(dataset, native, H5S_ALL, H5S_ALL, H5P_DEFAULT, collected->bytes + collected->size);
    collected->size += bytes;
    H5Sclose(space);
    H5Tclose(native);
    H5Tclose(type);
    H5Oclose(dataset);
    return 0;
}

struct fixture_bytes fixture_collect(const char *path, const char *group_path) {
    struct fixture_bytes collected = {NULL, 0};
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert_geq(file, 0);
    hid_t variants = H5Gopen2(file, group_path, H5P_DEFAULT);
    H5Ovisit(variants, H5_INDEX_NAME, H5_ITER_INC, collect_dataset, &collected);
    H5Gclose(variants);
    H5Fclose(file);
    return collected;
}
