/* test_h5out.c — the writer on a hand-made world: layout, values and attributes read back with
 * the HDF5 API, generic datasets, misuse that must be refused, and reproducibility. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_fixture.h"
#include "../common/leak_check.h"

enum { REPLICATES = 3 };

static char directory[256];

static void setup(void) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    fixture_tempdir(directory, sizeof directory);
}

static void teardown(void) {
    fixture_remove_tree(directory);
}

TestSuite(h5out, .init = setup, .fini = teardown);

static const char *const overrides[] = {"states.KAZ.units=4", "sharing.level=0.5"};

/* Write the fixture: variant 0 keeps series, trust and events; variant 1 keeps neither.
 * Replicates arrive out of order, as a parallel runner may deliver them. */
static void write_fixture(const char *path, struct world *world) {
    char err[512] = "";
    struct h5out_provenance provenance = fixture_provenance(REPLICATES);
    struct h5out *out = h5out_create(path, 0, &provenance, err, sizeof err);
    cr_assert_not_null(out, "create: %s", err);
    cr_assert_eq(h5out_write_world(out, world), 0, "%s", h5out_error(out));
    struct h5out_variant_spec full = {.label = "baseline",
                                      .overrides = NULL,
                                      .n_overrides = 0,
                                      .replicates = REPLICATES,
                                      .keep_series = 1,
                                      .keep_trust = 1,
                                      .keep_events = 1};
    struct h5out_variant_spec lean = {
        .label = "more units", .overrides = overrides, .n_overrides = 2, .replicates = REPLICATES};
    cr_assert_eq(h5out_variant_begin(out, 0, &full, world), 0, "%s", h5out_error(out));
    cr_assert_eq(h5out_variant_begin(out, 1, &lean, world), 0, "%s", h5out_error(out));
    static const int order[REPLICATES] = {2, 0, 1};
    for (int i = 0; i < REPLICATES; i++) {
        int r = order[i];
        struct sim_result *result = fixture_result(world, r, 1, 1);
        cr_assert_eq(h5out_variant_write_replicate(out, 0, r, result), 0, "%s", h5out_error(out));
        cr_assert_eq(h5out_variant_write_replicate(out, 1, r, result), 0, "%s", h5out_error(out));
        fixture_result_free(result);
    }
    for (int r = 0; r < REPLICATES; r++) {
        struct sim_event events[2] = {
            {EVENT_ARRIVAL, 0, 10 * r, 1, -1, -1, 3, 0},
            {EVENT_IMPACT, 4, 10 * r, 1, 2, -1, 2, 3.5 + r},
        };
        cr_assert_eq(h5out_variant_write_events(out, 0, r, events, 2), 0, "%s", h5out_error(out));
    }
    double summary[2 * FIXTURE_STATES] = {1, 2, 3, 4, 5, 6};
    size_t shape[2] = {2, FIXTURE_STATES};
    cr_assert_eq(h5out_write_doubles(out, "/variants/0/summary/harm", 2, shape, summary, "harm",
                                     "summary of harm", "statistic,state"),
                 0, "%s", h5out_error(out));
    const char *statistics[] = {"mean", "sd"};
    cr_assert_eq(h5out_write_strings(out, "/variants/0/summary/statistic", 2, statistics,
                                     "names of the statistics"),
                 0, "%s", h5out_error(out));
    double scalar = 2.5;
    cr_assert_eq(
        h5out_write_doubles(out, "/comparison/one", 0, NULL, &scalar, "harm", "one value", ""), 0,
        "%s", h5out_error(out));
    cr_assert_eq(h5out_set_attr_string(out, "/comparison", "reference", "baseline"), 0);
    cr_assert_eq(h5out_set_attr_int(out, "/comparison", "reference_variant", 0), 0);
    cr_assert_eq(h5out_set_attr_double(out, "/comparison/one", "level", 0.95), 0);
    cr_assert_eq(h5out_set_attr_int(out, "/", "threads", 2), 0);
    cr_assert_eq(h5out_flush(out), 0);
    cr_assert_eq(h5out_finish(out, err, sizeof err), 0, "finish: %s", err);
}

static void read_doubles(hid_t file, const char *path, double *values) {
    hid_t dataset = H5Dopen2(file, path, H5P_DEFAULT);
    cr_assert_geq(dataset, 0, "%s missing", path);
    cr_assert_geq(H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values), 0);
    H5Dclose(dataset);
}

static void expect_type(hid_t file, const char *path, hid_t expected) {
    hid_t dataset = H5Dopen2(file, path, H5P_DEFAULT);
    hid_t type = H5Dget_type(dataset);
    cr_expect_gt(H5Tequal(type, expected), 0, "%s has the wrong type", path);
    H5Tclose(type);
    H5Dclose(dataset);
}

Test(h5out, root_attributes_and_scenario) {
    char path[300];
    snprintf(path, sizeof path, "%s/out.h5", directory);
    struct world *world = fixture_world();
    write_fixture(path, world);
    world_free(world);
    char partial[320];
    snprintf(partial, sizeof partial, "%s.partial", path);
    cr_expect_not(fixture_exists(partial), "the .partial must be gone after finish");

    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert_geq(file, 0);
    hid_t root = H5Gopen2(file, "/", H5P_DEFAULT);
    char text[512];
    fixture_read_attr_string(root, "format", text, sizeof text);
    cr_expect_str_eq(text, "c5sim");
    cr_expect_eq(fixture_read_attr_int(root, "format_version"), H5OUT_FORMAT_VERSION);
    cr_expect_eq(fixture_read_attr_int(root, "complete"), 1);
    cr_expect_eq(fixture_read_attr_int(root, "replicates"), REPLICATES);
    cr_expect_eq(fixture_read_attr_int(root, "ticks"), FIXTURE_TICKS);
    cr_expect_eq(fixture_read_attr_int(root, "threads"), 2);
    fixture_read_attr_string(root, "command", text, sizeof text);
    cr_expect_str_eq(text, "run");
    fixture_read_attr_string(root, "command_line", text, sizeof text);
    cr_expect_str_eq(text, "c5sim run 'fixture.yaml' -o out.h5");
    fixture_read_attr_string(root, "created", text, sizeof text);
    cr_expect_eq(strlen(text), 20, "created %s is not YYYY-MM-DDTHH:MM:SSZ", text);
    cr_expect_eq(text[10], 'T');
    cr_expect_eq(text[19], 'Z');
    unsigned long long seed = 0;
    hid_t attr = H5Aopen(root, "seed", H5P_DEFAULT);
    H5Aread(attr, H5T_NATIVE_ULLONG, &seed);
    H5Aclose(attr);
    cr_expect_eq(seed, 12345678901234567ULL);
    H5Gclose(root);

    hid_t scenario = H5Gopen2(file, "/scenario", H5P_DEFAULT);
    fixture_read_attr_string(scenario, "sha256", text, sizeof text);
    cr_expect_eq(strlen(text), 64);
    fixture_read_attr_string(scenario, "filename", text, sizeof text);
    cr_expect_str_eq(text, "fixture.yaml");
    hid_t source = H5Dopen2(scenario, "source", H5P_DEFAULT);
    hid_t type = H5Dget_type(source);
    size_t length = strlen(fixture_scenario);
    cr_assert_eq(H5Tget_size(type), length, "source must be exactly as long as the file");
    char *bytes = calloc(length + 1, 1);
    cr_assert_geq(H5Dread(source, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes), 0);
    cr_expect_eq(memcmp(bytes, fixture_scenario, length), 0);
    cr_expect_eq(fixture_read_attr_int(source, "length"), (long long)length);
    free(bytes);
    H5Tclose(type);
    H5Dclose(source);
    H5Gclose(scenario);
    H5Fclose(file);
    expect_no_leaks();
}

Test(h5out, world_tables) {
    char path[300];
    snprintf(path, sizeof path, "%s/out.h5", directory);
    struct world *world = fixture_world();
    write_fixture(path, world);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert_geq(file, 0);
    static const struct {
        const char *path;
        hsize_t rows;
    } tables[] = {{"/world/states", FIXTURE_STATES},
                  {"/world/regions", FIXTURE_REGIONS},
                  {"/world/routes", 3},
                  {"/world/threat_types", FIXTURE_TYPES},
                  {"/world/partners", 1},
                  {"/world/measures", 2},
                  {"/world/origins", 2},
                  {"/world/targets", 3}};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        int rank;
        hsize_t dims[4];
        fixture_dataset_shape(file, tables[i].path, &rank, dims);
        cr_expect_eq(rank, 1, "%s", tables[i].path);
        cr_expect_eq(dims[0], tables[i].rows, "%s rows", tables[i].path);
        hid_t dataset = H5Dopen2(file, tables[i].path, H5P_DEFAULT);
        hid_t type = H5Dget_type(dataset);
        cr_expect_eq(H5Tget_class(type), H5T_COMPOUND, "%s", tables[i].path);
        H5Tclose(type);
        H5Dclose(dataset);
    }
    /* Read back two columns of /world/states through a partial compound type. */
    struct {
        char code[8];
        int units;
        double interdiction;
    } rows[FIXTURE_STATES];
    hid_t code_type = H5Tcopy(H5T_C_S1);
    H5Tset_size(code_type, 8);
    H5Tset_cset(code_type, H5T_CSET_UTF8); /* HDF5 converts no strings between character sets */
    hid_t memory_type = H5Tcreate(H5T_COMPOUND, sizeof rows[0]);
    H5Tinsert(memory_type, "code", 0, code_type);
    H5Tinsert(memory_type, "units", 8, H5T_NATIVE_INT);
    H5Tinsert(memory_type, "interdiction", 16, H5T_NATIVE_DOUBLE);
    hid_t states = H5Dopen2(file, "/world/states", H5P_DEFAULT);
    cr_assert_geq(H5Dread(states, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows), 0);
    for (int s = 0; s < FIXTURE_STATES; s++) {
        cr_expect_eq(strncmp(rows[s].code, world->states[s].code, 8), 0);
        cr_expect_eq(rows[s].units, world->states[s].units);
        cr_expect_eq(rows[s].interdiction, world->states[s].interdiction);
    }
    H5Dclose(states);
    H5Tclose(memory_type);
    H5Tclose(code_type);

    int rank;
    hsize_t dims[4];
    fixture_dataset_shape(file, "/world/detect", &rank, dims);
    cr_expect_eq(rank, 2);
    cr_expect_eq(dims[0], FIXTURE_STATES);
    cr_expect_eq(dims[1], FIXTURE_DOMAINS);
    double detect[FIXTURE_STATES * FIXTURE_DOMAINS];
    read_doubles(file, "/world/detect", detect);
    for (int i = 0; i < FIXTURE_STATES * FIXTURE_DOMAINS; i++)
        cr_expect_eq(detect[i], world->detect[i]);
    fixture_dataset_shape(file, "/world/domains", &rank, dims);
    cr_expect_eq(dims[0], FIXTURE_DOMAINS);
    fixture_dataset_shape(file, "/world/sharing", &rank, dims);
    cr_expect_eq(rank, 2);
    fixture_dataset_shape(file, "/world/partner_coverage", &rank, dims);
    cr_expect_eq(dims[0], 1);
    cr_expect_eq(dims[1], FIXTURE_DOMAINS);
    H5Fclose(file);
    world_free(world);
    expect_no_leaks();
}

Test(h5out, variant_values) {
    char path[300];
    snprintf(path, sizeof path, "%s/out.h5", directory);
    struct world *world = fixture_world();
    write_fixture(path, world);
    world_free(world);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert_geq(file, 0);

    hid_t variant = H5Gopen2(file, "/variants/1", H5P_DEFAULT);
    char text[256];
    fixture_read_attr_string(variant, "label", text, sizeof text);
    cr_expect_str_eq(text, "more units");
    hid_t attr = H5Aopen(variant, "overrides", H5P_DEFAULT);
    hid_t space = H5Aget_space(attr);
    cr_expect_eq(H5Sget_simple_extent_npoints(space), 2);
    char *values[2] = {NULL, NULL};
    hid_t type = H5Aget_type(attr);
    H5Aread(attr, type, values);
    cr_expect_str_eq(values[0], overrides[0]);
    cr_expect_str_eq(values[1], overrides[1]);
    H5free_memory(values[0]);
    H5free_memory(values[1]);
    H5Tclose(type);
    H5Sclose(space);
    H5Aclose(attr);
    cr_expect_eq(H5Lexists(variant, "series", H5P_DEFAULT), 0, "variant 1 keeps no series");
    cr_expect_eq(H5Lexists(variant, "trust", H5P_DEFAULT), 0, "variant 1 keeps no trust");
    cr_expect_eq(H5Lexists(variant, "events", H5P_DEFAULT), 0, "variant 1 keeps no events");
    H5Gclose(variant);

    for (int m = 0; m < METRIC_COUNT; m++) {
        const struct metric_info *info = &metric_table[m];
        char name[128];
        int rank;
        hsize_t dims[4];
        snprintf(name, sizeof name, "/variants/0/totals/%s", info->name);
        fixture_dataset_shape(file, name, &rank, dims);
        cr_expect_eq(rank, 2);
        cr_expect_eq(dims[0], REPLICATES);
        cr_expect_eq(dims[1], FIXTURE_STATES);
        expect_type(file, name, info->is_count ? H5T_STD_I64LE : H5T_IEEE_F64LE);
        double totals[REPLICATES * FIXTURE_STATES];
        read_doubles(file, name, totals);
        for (int r = 0; r < REPLICATES; r++)
            for (int s = 0; s < FIXTURE_STATES; s++) {
                double sum = 0;
                for (int k = 0; k < FIXTURE_TYPES; k++) sum += fixture_value(r, m, s, k);
                cr_expect_eq(totals[r * FIXTURE_STATES + s], sum, "%s r%d s%d", name, r, s);
            }

        snprintf(name, sizeof name, "/variants/1/by_type/%s", info->name);
        fixture_dataset_shape(file, name, &rank, dims);
        cr_expect_eq(rank, 3);
        cr_expect_eq(dims[2], FIXTURE_TYPES);
        double by_type[REPLICATES * FIXTURE_STATES * FIXTURE_TYPES];
        read_doubles(file, name, by_type);
        for (int r = 0; r < REPLICATES; r++)
            for (int s = 0; s < FIXTURE_STATES; s++)
                for (int k = 0; k < FIXTURE_TYPES; k++)
                    cr_expect_eq(by_type[(r * FIXTURE_STATES + s) * FIXTURE_TYPES + k],
                                 fixture_value(r, m, s, k), "%s", name);

        snprintf(name, sizeof name, "/variants/0/series/%s", info->name);
        fixture_dataset_shape(file, name, &rank, dims);
        cr_expect_eq(rank, 3);
        cr_expect_eq(dims[1], FIXTURE_TICKS);
        double series[REPLICATES * FIXTURE_TICKS * FIXTURE_STATES];
        read_doubles(file, name, series);
        for (int r = 0; r < REPLICATES; r++)
            for (int t = 0; t < FIXTURE_TICKS; t++)
                for (int s = 0; s < FIXTURE_STATES; s++)
                    cr_expect_eq(series[(r * FIXTURE_TICKS + t) * FIXTURE_STATES + s],
                                 fixture_series_value(r, m, t, s), "%s", name);
    }

    int rank;
    hsize_t dims[4];
    fixture_dataset_shape(file, "/variants/0/trust", &rank, dims);
    cr_expect_eq(rank, 4);
    cr_expect_eq(dims[3], FIXTURE_STATES);
    expect_type(file, "/variants/0/trust", H5T_IEEE_F32LE);
    float trust[REPLICATES * FIXTURE_TICKS * FIXTURE_STATES * FIXTURE_STATES];
    hid_t dataset = H5Dopen2(file, "/variants/0/trust", H5P_DEFAULT);
    H5Dread(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, trust);
    H5Dclose(dataset);
    size_t i = 0;
    for (int r = 0; r < REPLICATES; r++)
        for (int t = 0; t < FIXTURE_TICKS; t++)
            for (int a = 0; a < FIXTURE_STATES; a++)
                for (int b = 0; b < FIXTURE_STATES; b++)
                    cr_expect_eq(trust[i++], fixture_trust_value(r, t, a, b));
    double changed[REPLICATES];
    read_doubles(file, "/variants/0/trust_changed", changed);
    for (int r = 0; r < REPLICATES; r++) cr_expect_eq(changed[r], r % 2);

    double regions[REPLICATES * FIXTURE_REGIONS];
    read_doubles(file, "/variants/1/regions/arrivals", regions);
    for (int r = 0; r < REPLICATES; r++)
        for (int g = 0; g < FIXTURE_REGIONS; g++)
            cr_expect_eq(regions[r * FIXTURE_REGIONS + g], 10 * r + g);
    read_doubles(file, "/variants/1/regions/harm", regions);
    for (int r = 0; r < REPLICATES; r++)
        for (int g = 0; g < FIXTURE_REGIONS; g++)
            cr_expect_eq(regions[r * FIXTURE_REGIONS + g], 0.5 * g + r);
    double written[REPLICATES], threat_ticks[REPLICATES];
    read_doubles(file, "/variants/1/written", written);
    read_doubles(file, "/variants/1/diagnostics/threat_ticks", threat_ticks);
    for (int r = 0; r < REPLICATES; r++) {
        cr_expect_eq(written[r], 1);
        cr_expect_eq(threat_ticks[r], 100 + r);
    }

    double summary[2 * FIXTURE_STATES];
    read_doubles(file, "/variants/0/summary/harm", summary);
    cr_expect_eq(summary[5], 6);
    double scalar = 0;
    read_doubles(file, "/comparison/one", &scalar);
    cr_expect_eq(scalar, 2.5);
    H5Fclose(file);
    expect_no_leaks();
}

Test(h5out, event_log) {
    char path[300];
    snprintf(path, sizeof path, "%s/out.h5", directory);
    struct world *world = fixture_world();
    write_fixture(path, world);
    world_free(world);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    int rank;
    hsize_t dims[4];
    fixture_dataset_shape(file, "/variants/0/events", &rank, dims);
    cr_assert_eq(dims[0], 2 * REPLICATES);
    struct {
        int replicate, kind, tick;
        long long threat;
        double value;
    } rows[2 * REPLICATES];
    hid_t type = H5Tcreate(H5T_COMPOUND, sizeof rows[0]);
    H5Tinsert(type, "replicate", HOFFSET(__typeof__(rows[0]), replicate), H5T_NATIVE_INT);
    H5Tinsert(type, "tick", HOFFSET(__typeof__(rows[0]), tick), H5T_NATIVE_INT);
    H5Tinsert(type, "threat", HOFFSET(__typeof__(rows[0]), threat), H5T_NATIVE_LLONG);
    H5Tinsert(type, "value", HOFFSET(__typeof__(rows[0]), value), H5T_NATIVE_DOUBLE);
    hid_t dataset = H5Dopen2(file, "/variants/0/events", H5P_DEFAULT);
    cr_assert_geq(H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows), 0);
    for (int r = 0; r < REPLICATES; r++) {
        cr_expect_eq(rows[2 * r].replicate, r);
        cr_expect_eq(rows[2 * r + 1].tick, 4);
        cr_expect_eq(rows[2 * r + 1].threat, 10 * r);
        cr_expect_eq(rows[2 * r + 1].value, 3.5 + r);
    }
    /* The kind column is an HDF5 enum whose names match the kind_names attribute. */
    hid_t file_type = H5Dget_type(dataset);
    hid_t kind = H5Tget_member_type(file_type, (unsigned)H5Tget_member_index(file_type, "kind"));
    cr_expect_eq(H5Tget_class(kind), H5T_ENUM);
    char name[32];
    signed char value = EVENT_IMPACT;
    cr_expect_geq(H5Tenum_nameof(kind, &value, name, sizeof name), 0);
    cr_expect_str_eq(name, "impact");
    H5Tclose(kind);
    H5Tclose(file_type);
    H5Dclose(dataset);
    H5Tclose(type);
    H5Fclose(file);
    expect_no_leaks();
}

/* Every dataset in the file must say what it holds. */
static herr_t check_described(hid_t object, const char *name, const H5O_info_t *info, void *count) {
    if (info->type != H5O_TYPE_DATASET) return 0;
    hid_t dataset = H5Oopen(object, name, H5P_DEFAULT);
    cr_expect_gt(H5Aexists(dataset, "unit"), 0, "%s has no unit", name);
    cr_expect_gt(H5Aexists(dataset, "description"), 0, "%s has no description", name);
    cr_expect_gt(H5Aexists(dataset, "dims"), 0, "%s has no dims", name);
    H5Oclose(dataset);
    ++*(int *)count;
    return 0;
}

Test(h5out, every_dataset_is_described) {
    char path[300];
    snprintf(path, sizeof path, "%s/out.h5", directory);
    struct world *world = fixture_world();
    write_fixture(path, world);
    world_free(world);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    int count = 0;
    H5Ovisit(file, H5_INDEX_NAME, H5_ITER_NATIVE, check_described, &count);
    cr_expect_gt(count, 4 * METRIC_COUNT, "only %d datasets visited", count);
    /* dims names one axis per dimension. */
    hid_t dataset = H5Dopen2(file, "/variants/0/trust", H5P_DEFAULT);
    char dims[128];
    fixture_read_attr_string(dataset, "dims", dims, sizeof dims);
    cr_expect_str_eq(dims, "replicate,tick,truster,trusted");
    H5Dclose(dataset);
    H5Fclose(file);
    expect_no_leaks();
}

Test(h5out, same_inputs_same_values) {
    char first[300], second[300];
    snprintf(first, sizeof first, "%s/first.h5", directory);
    snprintf(second, sizeof second, "%s/second.h5", directory);
    struct world *world = fixture_world();
    write_fixture(first, world);
    write_fixture(second, world);
    world_free(world);
    struct fixture_bytes a = fixture_collect(first, "/variants"),
                         b = fixture_collect(second, "/variants");
    cr_assert_gt(a.size, 1000);
    cr_assert_eq(a.size, b.size);
    cr_expect_eq(memcmp(a.bytes, b.bytes, a.size), 0);
    free(a.bytes);
    free(b.bytes);
    expect_no_leaks();
}

Test(h5out, empty_tables_and_scenario) {
    char path[300], err[512];
    snprintf(path, sizeof path, "%s/empty.h5", directory);
    struct world *world = fixture_world();
    world->n_partners = 0;
    world->n_measures = 0;
    struct h5out_provenance provenance = fixture_provenance(1);
    provenance.scenario_source = "";
    provenance.scenario_length = 0;
    struct h5out *out = h5out_create(path, 0, &provenance, err, sizeof err);
    cr_assert_not_null(out, "%s", err);
    cr_assert_eq(h5out_write_world(out, world), 0, "%s", h5out_error(out));
    cr_assert_eq(h5out_finish(out, err, sizeof err), 0, "%s", err);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    int rank;
    hsize_t dims[4];
    fixture_dataset_shape(file, "/world/partners", &rank, dims);
    cr_expect_eq(dims[0], 0);
    fixture_dataset_shape(file, "/world/measures", &rank, dims);
    cr_expect_eq(dims[0], 0);
    hid_t scenario = H5Gopen2(file, "/scenario", H5P_DEFAULT);
    char hash[80];
    fixture_read_attr_string(scenario, "sha256", hash, sizeof hash);
    cr_expect_str_eq(hash, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    hid_t source = H5Dopen2(scenario, "source", H5P_DEFAULT);
    cr_expect_eq(fixture_read_attr_int(source, "length"), 0);
    H5Dclose(source);
    H5Gclose(scenario);
    H5Fclose(file);
    world_free(world);
    expect_no_leaks();
}

Test(h5out, misuse_is_refused_with_a_message) {
    char path[300], err[512];
    snprintf(path, sizeof path, "%s/misuse.h5", directory);
    struct world *world = fixture_world();
    struct h5out_provenance provenance = fixture_provenance(2);
    struct h5out *out = h5out_create(path, 0, &provenance, err, sizeof err);
    cr_assert_not_null(out, "%s", err);
    struct h5out_variant_spec spec = {.label = "v", .replicates = 2};
    struct sim_result *result = fixture_result(world, 0, 0, 0);

    cr_expect_eq(h5out_variant_write_replicate(out, 0, 0, result), -1);
    cr_expect_neq(strstr(h5out_error(out), "not begun"), NULL, "%s", h5out_error(out));
    cr_assert_eq(h5out_variant_begin(out, 0, &spec, world), 0, "%s", h5out_error(out));
    cr_expect_eq(h5out_variant_begin(out, 0, &spec, world), -1, "a variant is begun once");
    cr_expect_eq(h5out_variant_write_replicate(out, 0, 2, result), -1);
    cr_expect_neq(strstr(h5out_error(out), "no replicate 2"), NULL, "%s", h5out_error(out));
    cr_assert_eq(h5out_variant_write_replicate(out, 0, 0, result), 0, "%s", h5out_error(out));
    cr_expect_eq(h5out_variant_write_replicate(out, 0, 0, result), -1);
    cr_expect_neq(strstr(h5out_error(out), "already written"), NULL, "%s", h5out_error(out));
    cr_expect_eq(h5out_variant_write_events(out, 0, 0, NULL, 0), -1, "no event log kept");
    result->n_states = 2;
    cr_expect_eq(h5out_variant_write_replicate(out, 0, 1, result), -1);
    cr_expect_neq(strstr(h5out_error(out), "states"), NULL, "%s", h5out_error(out));
    result->n_states = FIXTURE_STATES;
    struct h5out_variant_spec series_spec = {.label = "s", .replicates = 1, .keep_series = 1};
    cr_assert_eq(h5out_variant_begin(out, 3, &series_spec, world), 0, "%s", h5out_error(out));
    cr_expect_eq(h5out_variant_write_replicate(out, 3, 0, result), -1);
    cr_expect_neq(strstr(h5out_error(out), "series"), NULL, "%s", h5out_error(out));

    struct h5out_variant_spec events_spec = {.label = "e", .replicates = 1, .keep_events = 1};
    cr_assert_eq(h5out_variant_begin(out, 4, &events_spec, world), 0, "%s", h5out_error(out));
    struct sim_event unknown = {.kind = 99};
    cr_expect_eq(h5out_variant_write_events(out, 4, 0, &unknown, 1), -1);
    cr_expect_neq(strstr(h5out_error(out), "unknown kind"), NULL, "%s", h5out_error(out));
    struct sim_event tick = {.kind = EVENT_TICK, .tick = 3, .threat = -1, .state = -1};
    cr_expect_eq(h5out_variant_write_events(out, 4, 0, &tick, 1), 0, "%s", h5out_error(out));

    double value = 1;
    size_t shape[1] = {1};
    cr_assert_eq(h5out_write_doubles(out, "/a/b", 1, shape, &value, "-", "x", "i"), 0);
    cr_expect_eq(h5out_write_doubles(out, "/a/b", 1, shape, &value, "-", "x", "i"), -1);
    cr_expect_eq(h5out_write_doubles(out, "relative", 1, shape, &value, "-", "x", "i"), -1);
    cr_expect_eq(h5out_set_attr_int(out, "/nowhere", "x", 1), -1);
    cr_expect_neq(strstr(h5out_error(out), "/nowhere"), NULL, "%s", h5out_error(out));

    /* Finishing with a replicate missing must fail and leave no final file. */
    cr_expect_eq(h5out_finish(out, err, sizeof err), -1);
    cr_expect_neq(strstr(err, "never written"), NULL, "%s", err);
    cr_expect_not(fixture_exists(path));
    char partial[320];
    snprintf(partial, sizeof partial, "%s.partial", path);
    cr_assert(fixture_exists(partial));
    hid_t file = H5Fopen(partial, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert_geq(file, 0);
    hid_t root = H5Gopen2(file, "/", H5P_DEFAULT);
    cr_expect_eq(fixture_read_attr_int(root, "complete"), 0);
    H5Gclose(root);
    /* The unwritten replicate reads as the fill value, never as a plausible count. */
    double written[2], harm[2 * FIXTURE_STATES];
    read_doubles(file, "/variants/0/written", written);
    read_doubles(file, "/variants/0/totals/harm", harm);
    cr_expect_eq(written[0], 1);
    cr_expect_eq(written[1], 0);
    cr_expect(isnan(harm[FIXTURE_STATES]));
    H5Fclose(file);
    fixture_result_free(result);
    world_free(world);
    expect_no_leaks();
}
