/* h5out_variant.c — /variants/<k>: per-replicate totals, per-type figures, optional series,
 * trust and event log, written one replicate at a time in whatever order the runner delivers. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5out_internal.h"

/* Chunks of the small [replicate, ...] tables hold several replicates (about this many bytes in
 * the widest table): every chunk costs HDF5 bookkeeping and a deflate call, so fewer, larger ones
 * write faster (measured in docs/output-format.md); a block of rows waits in memory until whole.
 * Per-tick datasets are chunked one replicate at a time (H5OUT_LARGE_CHUNK_BYTES). */
enum { SMALL_CHUNK_BYTES = 65536, EVENT_CHUNK_ROWS = 4096 };

static hsize_t clamp_rows(size_t row_bytes, size_t target_bytes, hsize_t limit) {
    hsize_t rows = row_bytes ? (hsize_t)(target_bytes / row_bytes) : 1;
    if (rows < 1) rows = 1;
    return rows < limit ? rows : limit;
}

/* Create a [rank]-dimensional chunked dataset with the filter measured best for its type;
 * unwritten cells read as the fill value (int_fill, normally -1, or NaN). */
static hid_t create_dataset(hid_t group, const char *name, int rank, const hsize_t *dims,
                            const hsize_t *chunk, hid_t file_type, const char *unit,
                            const char *description, const char *dims_text, long long int_fill) {
    int empty = 0;
    for (int i = 0; i < rank; i++) empty |= dims[i] == 0;
    enum h5out_filter filter = H5Tequal(file_type, H5T_IEEE_F64LE) > 0
                                   ? H5OUT_FILTER_DEFLATE
                                   : H5OUT_FILTER_SHUFFLE_DEFLATE;
    hid_t plist = h5out_dataset_plist(rank, empty ? NULL : chunk, filter);
    if (H5Tequal(file_type, H5T_STD_I64LE) > 0) {
        H5Pset_fill_value(plist, H5T_NATIVE_LLONG, &int_fill);
    } else if (H5Tequal(file_type, H5T_IEEE_F64LE) > 0) {
        double fill = NAN;
        H5Pset_fill_value(plist, H5T_NATIVE_DOUBLE, &fill);
    } else if (H5Tequal(file_type, H5T_IEEE_F32LE) > 0) {
        float fill = NAN;
        H5Pset_fill_value(plist, H5T_NATIVE_FLOAT, &fill);
    }
    /* Allocate chunks only when written, so that a .partial shows fill for what is missing. */
    H5Pset_fill_time(plist, H5D_FILL_TIME_IFSET);
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t dataset = H5Dcreate2(group, name, file_type, space, H5P_DEFAULT, plist, H5P_DEFAULT);
    H5Sclose(space);
    H5Pclose(plist);
    if (dataset < 0) return dataset;
    if (h5out_describe(dataset, unit, description, dims_text) < 0) {
        H5Dclose(dataset);
        return H5I_INVALID_HID;
    }
    return dataset;
}

static int create_subgroup(hid_t parent, const char *name, const char *description) {
    hid_t plist = h5out_group_plist();
    hid_t group = H5Gcreate2(parent, name, H5P_DEFAULT, plist, H5P_DEFAULT);
    H5Pclose(plist);
    if (group < 0) return -1;
    int status = h5out_attr_string_id(group, "description", description);
    H5Gclose(group);
    return status;
}

static struct h5out_variant *grow_variants(struct h5out *out, int index) {
    if (index >= out->n_variants) {
        int count = index + 1;
        struct h5out_variant *grown = realloc(out->variants, (size_t)count * sizeof *grown);
        if (!grown) return NULL;
        for (int v = out->n_variants; v < count; v++) {
            memset(&grown[v], 0, sizeof grown[v]);
            grown[v].group = H5I_INVALID_HID;
            grown[v].events = H5I_INVALID_HID;
            grown[v].trust = H5I_INVALID_HID;
            for (int m = 0; m < METRIC_COUNT; m++) grown[v].series[m] = H5I_INVALID_HID;
        }
        out->variants = grown;
        out->n_variants = count;
    }
    return &out->variants[index];
}

/* The enum stored in the kind column of the event log. */
static const char *const event_kind_names[] = {
    "arrival",       "detection", "report",   "leak", "engagement",
    "interdiction",  "impact",    "delivery", "tick", "network_report",
    "network_intel", "rotation",  "exploit"};
enum { EVENT_KIND_COUNT = sizeof event_kind_names / sizeof event_kind_names[0] };
_Static_assert(EVENT_KIND_COUNT == EVENT_EXPLOIT + 1, "name every enum sim_event_kind value");

struct event_row {
    int32_t replicate;
    int8_t kind;
    int32_t tick;
    int64_t threat;
    int32_t type, state, other, region;
    double value;
};

static hid_t event_memory_type(void) {
    hid_t kind = H5Tenum_create(H5T_NATIVE_INT8);
    for (int i = 0; i < EVENT_KIND_COUNT; i++) {
        int8_t value = (int8_t)i;
        H5Tenum_insert(kind, event_kind_names[i], &value);
    }
    hid_t type = H5Tcreate(H5T_COMPOUND, sizeof(struct event_row));
    H5Tinsert(type, "replicate", HOFFSET(struct event_row, replicate), H5T_NATIVE_INT32);
    H5Tinsert(type, "kind", HOFFSET(struct event_row, kind), kind);
    H5Tinsert(type, "tick", HOFFSET(struct event_row, tick), H5T_NATIVE_INT32);
    H5Tinsert(type, "threat", HOFFSET(struct event_row, threat), H5T_NATIVE_INT64);
    H5Tinsert(type, "type", HOFFSET(struct event_row, type), H5T_NATIVE_INT32);
    H5Tinsert(type, "state", HOFFSET(struct event_row, state), H5T_NATIVE_INT32);
    H5Tinsert(type, "other", HOFFSET(struct event_row, other), H5T_NATIVE_INT32);
    H5Tinsert(type, "region", HOFFSET(struct event_row, region), H5T_NATIVE_INT32);
    H5Tinsert(type, "value", HOFFSET(struct event_row, value), H5T_NATIVE_DOUBLE);
    H5Tclose(kind);
    return type;
}

static hid_t create_event_log(hid_t group) {
    hid_t memory_type = event_memory_type();
    hid_t file_type = H5Tcopy(memory_type);
    H5Tpack(file_type);
    hsize_t dims[1] = {0}, max_dims[1] = {H5S_UNLIMITED}, chunk[1] = {EVENT_CHUNK_ROWS};
    hid_t space = H5Screate_simple(1, dims, max_dims);
    hid_t plist = h5out_dataset_plist(1, chunk, H5OUT_FILTER_SHUFFLE_DEFLATE);
    hid_t dataset = H5Dcreate2(group, "events", file_type, space, H5P_DEFAULT, plist, H5P_DEFAULT);
    H5Pclose(plist);
    H5Sclose(space);
    H5Tclose(file_type);
    H5Tclose(memory_type);
    if (dataset < 0) return dataset;
    int status = h5out_describe(dataset, "-",
                                "one row per model event, in the model's order within a "
                                "replicate; -1 where a column does not apply",
                                "event");
    status |= h5out_attr_strings_id(dataset, "kind_names", EVENT_KIND_COUNT, event_kind_names);
    status |= h5out_attr_string_id(
        dataset, "column_units",
        "replicate=index,kind=enum (kind_names),tick=tick,threat=id within the replicate,"
        "type=index,state=index (detector, sender, engager or victim),other=index (receiver or "
        "leaker),region=index,value=harm (severity, estimate or harm; for tick rows the count of "
        "threats still active)");
    if (status) {
        H5Dclose(dataset);
        return H5I_INVALID_HID;
    }
    return dataset;
}

/* Create a small [replicates, row...] table and remember it for the row blocks. */
static int add_table(struct h5out_variant *variant, const char *name, int is_count, int rank,
                     const hsize_t *row_dims, const char *unit, const char *description,
                     const char *dims_text, double fill) {
    hsize_t dims[H5S_MAX_RANK], chunk[H5S_MAX_RANK];
    dims[0] = (hsize_t)variant->replicates;
    chunk[0] = variant->block_rows;
    size_t row_size = 1;
    for (int i = 1; i < rank; i++) {
        dims[i] = chunk[i] = row_dims[i - 1];
        row_size *= (size_t)row_dims[i - 1];
    }
    hid_t dataset;
    if (variant->resumed) {
        /* Reopened: the dataset must be there already (same shape, checked by use). */
        if (H5Lexists(variant->group, name, H5P_DEFAULT) <= 0) return -1;
        dataset = H5Dopen2(variant->group, name, H5P_DEFAULT);
    } else {
        dataset = create_dataset(variant->group, name, rank, dims, chunk,
                                 is_count ? H5T_STD_I64LE : H5T_IEEE_F64LE, unit, description,
                                 dims_text, (long long)fill);
    }
    if (dataset < 0) return -1;
    struct h5out_table *table = &variant->tables[variant->n_tables++];
    snprintf(table->name, sizeof table->name, "%s", name);
    table->is_count = is_count;
    table->row_size = row_size;
    table->fill = is_count ? fill : NAN;
    /* Kept open: every block of the variant writes to it (an open per block cost ~1% of a
     * sweep's time). */
    table->dataset = dataset;
    return 0;
}

/* Every dataset of one variant (the group is open and empty). The order of the tables is the
 * order rows are put in h5out_variant_write_replicate(), `written` last. */
static int create_variant_datasets(struct h5out_variant *variant) {
    hid_t group = variant->group;
    hsize_t R = (hsize_t)variant->replicates, S = (hsize_t)variant->n_states;
    hsize_t K = (hsize_t)variant->n_types, T = (hsize_t)variant->ticks;
    hsize_t G = (hsize_t)variant->n_regions;
    if (!variant->resumed &&
        (create_subgroup(group, "totals", "per replicate and state, summed over ticks and types") ||
         create_subgroup(group, "by_type", "per replicate, state and threat type, over ticks") ||
         create_subgroup(group, "regions", "threat flow per replicate and region, over ticks") ||
         create_subgroup(group, "diagnostics", "work done per replicate (for benchmarks)")))
        return -1;
    if (variant->keep_series && !variant->resumed &&
        create_subgroup(group, "series", "per replicate, tick and state, summed over types"))
        return -1;
    variant->tables = calloc(2 * METRIC_COUNT + 10, sizeof *variant->tables);
    if (!variant->tables) return -1;
    for (int m = 0; m < METRIC_COUNT; m++) {
        const struct metric_info *info = &metric_table[m];
        char path[128];
        hsize_t state_row[1] = {S}, type_row[2] = {S, K};
        snprintf(path, sizeof path, "totals/%s", info->name);
        if (add_table(variant, path, info->is_count, 2, state_row, info->unit, info->description,
                      "replicate,state", -1))
            return -1;
        snprintf(path, sizeof path, "by_type/%s", info->name);
        if (add_table(variant, path, info->is_count, 3, type_row, info->unit, info->description,
                      "replicate,state,threat_type", -1))
            return -1;
    }
    hsize_t region_row[1] = {G}, one[1] = {1};
    if (add_table(variant, "regions/arrivals", 1, 2, region_row, "count",
                  "threats that entered the region", "replicate,region", -1) ||
        add_table(variant, "regions/detections", 1, 2, region_row, "count",
                  "detections made in the region", "replicate,region", -1) ||
        add_table(variant, "regions/impacts", 1, 2, region_row, "count", "impacts in the region",
                  "replicate,region", -1) ||
        add_table(variant, "regions/harm", 0, 2, region_row, "harm", "harm suffered in the region",
                  "replicate,region", -1) ||
        add_table(variant, "diagnostics/threat_ticks", 1, 1, one, "threat*tick",
                  "active threat-ticks processed", "replicate", -1) ||
        add_table(variant, "diagnostics/peak_active", 1, 1, one, "count",
                  "largest number of threats active at once", "replicate", -1))
        return -1;
    if (variant->keep_trust &&
        add_table(variant, "trust_changed", 1, 1, one, "0/1",
                  "1 if trust ever left its initial value in the replicate", "replicate", -1))
        return -1;
    hsize_t period_row[2] = {(hsize_t)variant->n_periods, S};
    if (variant->n_periods > 0 &&
        add_table(variant, "sharing_periods", 0, 3, period_row, "probability",
                  "sharing level of each state in each adaptation period (mean over its partners; "
                  "NaN: no level rule)",
                  "replicate,period,state", -1))
        return -1;
    if (add_table(variant, "written", 1, 1, one, "0/1",
                  "1 once the replicate is in the file (for --resume)", "replicate", 0))
        return -1;

    /* Per-tick datasets: one replicate per chunk (or a few, along the ticks), stored whole
     * when the replicate arrives; kept open, as every replicate writes to each. */
    for (int m = 0; m < METRIC_COUNT && variant->keep_series; m++) {
        const struct metric_info *info = &metric_table[m];
        char path[128];
        hsize_t dims[3] = {R, T, S};
        hsize_t chunk[3] = {1, h5out_series_chunk_ticks(variant->ticks, variant->n_states), S};
        snprintf(path, sizeof path, "series/%s", info->name);
        hid_t dataset =
            variant->resumed
                ? H5Dopen2(group, path, H5P_DEFAULT)
                : create_dataset(group, path, 3, dims, chunk,
                                 info->is_count ? H5T_STD_I64LE : H5T_IEEE_F64LE, info->unit,
                                 info->description, "replicate,tick,state", -1);
        if (dataset < 0) return -1;
        variant->series[m] = dataset;
    }
    if (variant->keep_trust) {
        hsize_t dims[4] = {R, T, S, S};
        hsize_t chunk[4] = {1, h5out_trust_chunk_ticks(variant->ticks, variant->n_states), S, S};
        hid_t dataset =
            variant->resumed
                ? H5Dopen2(group, "trust", H5P_DEFAULT)
                : create_dataset(group, "trust", 4, dims, chunk, H5T_IEEE_F32LE, "probability",
                                 "trust of the truster state in the trusted state at the end of "
                                 "each tick",
                                 "replicate,tick,truster,trusted", -1);
        if (dataset < 0) return -1;
        variant->trust = dataset;
    }
    return 0;
}

void h5out_variant_release(struct h5out_variant *variant, int close_objects) {
    for (int t = 0; t < variant->n_tables; t++) {
        if (close_objects && variant->tables[t].dataset >= 0) H5Dclose(variant->tables[t].dataset);
        variant->tables[t].dataset = H5I_INVALID_HID;
    }
    for (int m = 0; m < METRIC_COUNT; m++) {
        if (close_objects && variant->series[m] >= 0) H5Dclose(variant->series[m]);
        variant->series[m] = H5I_INVALID_HID;
    }
    if (close_objects && variant->trust >= 0) H5Dclose(variant->trust);
    variant->trust = H5I_INVALID_HID;
    h5out_encoded_free(variant->encoded);
    variant->encoded = NULL;
}

/* One block size for every small table of the variant, from its widest row. */
static hsize_t block_rows_for(const struct world *world, int replicates) {
    size_t widest = (size_t)world->n_states * (size_t)world->n_types;
    if ((size_t)world->n_regions > widest) widest = (size_t)world->n_regions;
    if ((size_t)world->n_states > widest) widest = (size_t)world->n_states;
    size_t periods = (size_t)world_adapt_periods(world) * (size_t)world->n_states;
    if (periods > widest) widest = periods; /* sharing_periods (0 unless some state adapts) */
    return clamp_rows(widest * 8, SMALL_CHUNK_BYTES, (hsize_t)replicates);
}

/* The variant's choices must be those of the interrupted run, or the result would mix two. */
/* What a variant's datasets are shaped by, for a new variant and a resumed one alike; `written`
 * is left NULL when out of memory (the callers check it). */
static void variant_set_shape(struct h5out_variant *variant, const struct h5out_variant_spec *spec,
                              const struct world *world) {
    variant->replicates = spec->replicates;
    variant->n_states = world->n_states;
    variant->n_types = world->n_types;
    variant->n_regions = world->n_regions;
    variant->ticks = world->ticks;
    variant->n_periods = world_adapt_periods(world);
    variant->keep_series = spec->keep_series;
    variant->keep_trust = spec->keep_trust;
    variant->keep_events = spec->keep_events;
    variant->block_rows = block_rows_for(world, spec->replicates);
    variant->written = calloc((size_t)spec->replicates, 1);
}

static int check_reopened(struct h5out *out, int index, const struct h5out_variant_spec *spec,
                          hid_t group) {
    char label[512];
    long long replicates = -1;
    if (h5out_read_attr_string(group, "label", label, sizeof label) < 0 ||
        h5out_read_attr_int(group, "replicates", &replicates) < 0)
        return h5out_fail(out, "variant %d of the .partial has no label or replicates", index);
    if (strcmp(label, spec->label ? spec->label : "") != 0)
        return h5out_fail(out, "variant %d is '%s' in the .partial but '%s' now", index, label,
                          spec->label ? spec->label : "");
    if (replicates != spec->replicates)
        return h5out_fail(out, "variant %d has %lld replicates in the .partial but %d now", index,
                          replicates, spec->replicates);
    hid_t attr = H5Aopen(group, "overrides", H5P_DEFAULT);
    hid_t space = attr >= 0 ? H5Aget_space(attr) : H5I_INVALID_HID;
    hssize_t count = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    int same = count == spec->n_overrides;
    if (same && count > 0) {
        char **stored = calloc((size_t)count, sizeof *stored);
        hid_t type = H5Aget_type(attr);
        if (stored && H5Aread(attr, type, stored) >= 0) {
            for (hssize_t i = 0; i < count; i++)
                same &= stored[i] && spec->overrides[i] && !strcmp(stored[i], spec->overrides[i]);
            H5Dvlen_reclaim(type, space, H5P_DEFAULT, stored);
        } else {
            same = 0;
        }
        free(stored);
        H5Tclose(type);
    }
    if (space >= 0) H5Sclose(space);
    if (attr >= 0) H5Aclose(attr);
    if (!same) return h5out_fail(out, "variant %d has other overrides in the .partial", index);
    static const struct {
        const char *name, *option;
        size_t offset;
    } kept[] = {
        {"series", "series", offsetof(struct h5out_variant_spec, keep_series)},
        {"trust", "trust", offsetof(struct h5out_variant_spec, keep_trust)},
        {"events", "--events", offsetof(struct h5out_variant_spec, keep_events)},
    };
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        int wanted = *(const int *)((const char *)spec + kept[i].offset) != 0;
        int present = H5Lexists(group, kept[i].name, H5P_DEFAULT) > 0;
        if (wanted != present)
            return h5out_fail(out, "variant %d: the .partial was written %s %s", index,
                              present ? "with" : "without", kept[i].option);
    }
    return 0;
}

/* Restore which replicates are in the file. With an event log, only the replicates before the
 * first missing one are kept (events are appended in replicate order), and the log is cut
 * there, so that the resumed log is the one an uninterrupted run writes. */
static int restore_written(struct h5out *out, int index, struct h5out_variant *variant) {
    long long *flags = calloc((size_t)variant->replicates, sizeof *flags);
    if (!flags) return h5out_fail(out, "out of memory reopening variant %d", index);
    hid_t dataset = H5Dopen2(variant->group, "written", H5P_DEFAULT);
    int status = dataset >= 0 && H5Dread(dataset, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                         flags) >= 0
                     ? 0
                     : -1;
    if (dataset >= 0) H5Dclose(dataset);
    int gap = 0;
    while (gap < variant->replicates && flags[gap] == 1) gap++;
    for (int r = 0; r < variant->replicates; r++)
        variant->written[r] = flags[r] == 1 && (!variant->keep_events || r < gap);
    free(flags);
    if (status) return h5out_fail(out, "cannot read /variants/%d/written", index);
    if (!variant->keep_events) return 0;

    variant->events = H5Dopen2(variant->group, "events", H5P_DEFAULT);
    if (variant->events < 0) return h5out_fail(out, "cannot open /variants/%d/events", index);
    hid_t space = H5Dget_space(variant->events);
    hsize_t rows = 0;
    H5Sget_simple_extent_dims(space, &rows, NULL);
    H5Sclose(space);
    int *replicates = calloc((size_t)rows + 1, sizeof *replicates);
    hid_t type = H5Tcreate(H5T_COMPOUND, sizeof(int));
    H5Tinsert(type, "replicate", 0, H5T_NATIVE_INT);
    status = replicates && (rows == 0 || H5Dread(variant->events, type, H5S_ALL, H5S_ALL,
                                                 H5P_DEFAULT, replicates) >= 0)
                 ? 0
                 : -1;
    H5Tclose(type);
    hsize_t keep = 0;
    while (status == 0 && keep < rows && replicates[keep] < gap) keep++;
    free(replicates);
    if (status == 0 && H5Dset_extent(variant->events, &keep) < 0) status = -1;
    if (status) return h5out_io_fail(out, "cannot cut the event log of variant %d", index);
    variant->event_rows = keep;
    return 0;
}

int h5out_variant_reopen(struct h5out *out, int index, const struct h5out_variant_spec *spec,
                         const struct world *world) {
    struct h5out_variant *variant = &out->variants[index];
    char path[64];
    snprintf(path, sizeof path, "/variants/%d", index);
    hid_t group = H5Gopen2(out->file, path, H5P_DEFAULT);
    if (group < 0) return h5out_fail(out, "cannot open %s", path);
    if (check_reopened(out, index, spec, group) < 0) {
        H5Gclose(group);
        return -1;
    }
    variant->group = group;
    variant->resumed = 1;
    variant_set_shape(variant, spec, world);
    int status = variant->written ? create_variant_datasets(variant) : -1;
    if (status < 0) h5out_fail(out, "%s of the .partial lacks datasets of this layout", path);
    if (status == 0) status = restore_written(out, index, variant);
    if (status < 0) {
        if (variant->events >= 0) H5Dclose(variant->events);
        variant->events = H5I_INVALID_HID;
        free(variant->written);
        variant->written = NULL;
        h5out_variant_release(variant, 1);
        h5out_rows_free(variant);
        H5Gclose(group);
        return -1;
    }
    variant->begun = 1;
    return 0;
}

int h5out_variant_has_replicate(const struct h5out *out, int index, int replicate) {
    if (index < 0 || index >= out->n_variants || !out->variants[index].begun) return 0;
    const struct h5out_variant *variant = &out->variants[index];
    return replicate >= 0 && replicate < variant->replicates && variant->written[replicate];
}

int h5out_variant_begin(struct h5out *out, int index, const struct h5out_variant_spec *spec,
                        const struct world *world) {
    if (h5out_check_usable(out) < 0) return -1;
    if (index < 0) return h5out_fail(out, "variant index %d is negative", index);
    if (!spec || !world) return h5out_fail(out, "variant %d: no spec or world", index);
    if (spec->replicates < 1)
        return h5out_fail(out, "variant %d: %d replicates", index, spec->replicates);
    if (index < out->n_variants && out->variants[index].begun)
        return h5out_fail(out, "variant %d is already begun", index);
    struct h5out_variant *variant = grow_variants(out, index);
    if (!variant) return h5out_fail(out, "out of memory for variant %d", index);
    char path[64];
    snprintf(path, sizeof path, "/variants/%d", index);
    if (out->resumed && H5Lexists(out->file, "/variants", H5P_DEFAULT) > 0 &&
        H5Lexists(out->file, path, H5P_DEFAULT) > 0)
        return h5out_variant_reopen(out, index, spec, world);

    if (H5Lexists(out->file, "/variants", H5P_DEFAULT) <= 0) {
        hid_t root = H5Gopen2(out->file, "/", H5P_DEFAULT);
        int status = create_subgroup(root, "variants",
                                     "one group per variant, named by its index 0, 1, ...");
        H5Gclose(root);
        if (status) return h5out_fail(out, "cannot create /variants");
    }
    hid_t plist = h5out_group_plist();
    hid_t group = H5Gcreate2(out->file, path, H5P_DEFAULT, plist, H5P_DEFAULT);
    H5Pclose(plist);
    if (group < 0) return h5out_fail(out, "cannot create %s", path);

    variant_set_shape(variant, spec, world);
    int status = variant->written ? 0 : -1;
    status |= h5out_attr_string_id(group, "label", spec->label);
    status |= h5out_attr_strings_id(group, "overrides", spec->n_overrides, spec->overrides);
    status |= h5out_attr_int_id(group, "replicates", spec->replicates);
    status |= h5out_attr_int_id(group, "index", index);
    variant->group = group;
    if (status == 0) status = create_variant_datasets(variant);
    if (status == 0 && spec->keep_events) {
        variant->events = create_event_log(group);
        if (variant->events < 0) status = -1;
    }
    if (status) {
        h5out_io_fail(out, "cannot create the datasets of %s", path);
        free(variant->written);
        variant->written = NULL;
        h5out_variant_release(variant, 1);
        h5out_rows_free(variant);
        H5Gclose(group);
        return -1;
    }
    variant->group = group;
    variant->begun = 1;
    return 0;
}

/* Store a replicate's encoded per-tick chunks: series by metric, then trust. */
static int write_encoded_chunks(struct h5out *out, const struct h5out_variant *variant,
                                int replicate, const struct h5out_encoded *encoded) {
    int next = 0;
    hsize_t series_rows = h5out_series_chunk_ticks(variant->ticks, variant->n_states);
    hsize_t trust_rows = h5out_trust_chunk_ticks(variant->ticks, variant->n_states);
    for (int m = 0; m < METRIC_COUNT && variant->keep_series; m++)
        for (int c = 0; c < encoded->series_chunks; c++) {
            hsize_t offset[3] = {(hsize_t)replicate, (hsize_t)c * series_rows, 0};
            if (h5out_chunk_write(variant->series[m], offset, &encoded->chunks[next++]) < 0) {
                h5out_note_reason(out);
                return h5out_io_fail(out, "cannot write series/%s", metric_table[m].name);
            }
        }
    for (int c = 0; c < encoded->trust_chunks && variant->keep_trust; c++) {
        hsize_t offset[4] = {(hsize_t)replicate, (hsize_t)c * trust_rows, 0, 0};
        if (h5out_chunk_write(variant->trust, offset, &encoded->chunks[next++]) < 0) {
            h5out_note_reason(out);
            return h5out_io_fail(out, "cannot write trust");
        }
    }
    return 0;
}

static int check_result_shape(struct h5out *out, int index, const struct h5out_variant *variant,
                              const struct sim_result *result, int encoded) {
    if (result->n_states != variant->n_states || result->n_types != variant->n_types ||
        result->n_regions != variant->n_regions)
        return h5out_fail(out,
                          "variant %d: result has %d states, %d types, %d regions; the variant "
                          "%d, %d, %d",
                          index, result->n_states, result->n_types, result->n_regions,
                          variant->n_states, variant->n_types, variant->n_regions);
    if ((variant->keep_series || variant->keep_trust) && result->ticks != variant->ticks)
        return h5out_fail(out, "variant %d: result has %d ticks, the variant %d", index,
                          result->ticks, variant->ticks);
    /* Given encoded, the per-tick arrays are not read (a journal replays the encoding alone). */
    if (variant->keep_series && !result->series && !encoded)
        return h5out_fail(out, "variant %d keeps series but the result has none", index);
    if (variant->keep_trust && !result->trust && !encoded)
        return h5out_fail(out, "variant %d keeps trust but the result has none", index);
    return 0;
}

int h5out_variant_write_replicate(struct h5out *out, int index, int replicate,
                                  const struct sim_result *result) {
    return h5out_variant_write_encoded(out, index, replicate, result, NULL);
}

int h5out_variant_write_encoded(struct h5out *out, int index, int replicate,
                                const struct sim_result *result,
                                const struct h5out_encoded *encoded) {
    if (h5out_check_usable(out) < 0) return -1;
    if (index < 0 || index >= out->n_variants || !out->variants[index].begun)
        return h5out_fail(out, "variant %d was not begun", index);
    struct h5out_variant *variant = &out->variants[index];
    if (replicate < 0 || replicate >= variant->replicates)
        return h5out_fail(out, "variant %d has no replicate %d (it has %d)", index, replicate,
                          variant->replicates);
    if (variant->written[replicate])
        return h5out_fail(out, "variant %d replicate %d is already written", index, replicate);
    if (!result || check_result_shape(out, index, variant, result, encoded != NULL) < 0)
        return result ? -1 : h5out_fail(out, "no result for variant %d", index);

    if (variant->keep_series || variant->keep_trust) {
        if (encoded && (!encoded->valid || encoded->ticks != variant->ticks ||
                        encoded->n_states != variant->n_states ||
                        encoded->keep_series != variant->keep_series ||
                        encoded->keep_trust != variant->keep_trust))
            return h5out_fail(out, "variant %d replicate %d: its encoding is of another layout",
                              index, replicate);
        if (!encoded) {
            if (!variant->encoded) variant->encoded = h5out_encoded_alloc();
            if (!variant->encoded ||
                h5out_encode_replicate(variant->encoded, result, variant->keep_series,
                                       variant->keep_trust) < 0)
                return h5out_fail(out, "out of memory compressing variant %d replicate %d", index,
                                  replicate);
            encoded = variant->encoded;
        }
    }
    /* Journaled before the file is touched: the journal is what a resume can rely on. */
    if (h5out_journal_item(out, index, replicate, result,
                           variant->keep_series || variant->keep_trust ? encoded : NULL,
                           variant->keep_events) < 0)
        return -1;
    if ((variant->keep_series || variant->keep_trust) &&
        write_encoded_chunks(out, variant, replicate, encoded) < 0)
        return -1;

    size_t S = (size_t)variant->n_states, K = (size_t)variant->n_types;
    double *sums = calloc(S + 1, sizeof *sums);
    int status = sums ? 0 : h5out_fail(out, "out of memory writing a replicate");
    int table = 0; /* tables in the order create_variant_datasets() made them */
    for (int m = 0; m < METRIC_COUNT && status == 0; m++) {
        const double *by_type = result->by_type + (size_t)m * S * K;
        for (size_t s = 0; s < S; s++) {
            /* Summed in type order, so totals are the same bits on every run. */
            double sum = 0;
            for (size_t k = 0; k < K; k++) sum += by_type[s * K + k];
            sums[s] = sum;
        }
        status |= h5out_rows_put(out, variant, replicate, table++, sums);
        status |= h5out_rows_put(out, variant, replicate, table++, by_type);
    }
    if (status == 0) {
        double figures[4] = {(double)result->threat_ticks, (double)result->peak_active,
                             result->trust_changed != 0, 1};
        status |= h5out_rows_put(out, variant, replicate, table++, result->region_arrivals);
        status |= h5out_rows_put(out, variant, replicate, table++, result->region_detections);
        status |= h5out_rows_put(out, variant, replicate, table++, result->region_impacts);
        status |= h5out_rows_put(out, variant, replicate, table++, result->region_harm);
        status |= h5out_rows_put(out, variant, replicate, table++, &figures[0]);
        status |= h5out_rows_put(out, variant, replicate, table++, &figures[1]);
        if (variant->keep_trust)
            status |= h5out_rows_put(out, variant, replicate, table++, &figures[2]);
        if (variant->n_periods > 0)
            status |=
                result->n_periods == variant->n_periods && result->sharing_periods
                    ? h5out_rows_put(out, variant, replicate, table++, result->sharing_periods)
                    : -1;
        status |= h5out_rows_put(out, variant, replicate, table++, &figures[3]);
    }
    free(sums);
    if (status)
        return out->broken
                   ? -1
                   : h5out_io_fail(out, "cannot write variant %d replicate %d", index, replicate);
    variant->written[replicate] = 1;
    /* The block goes to the file once all of its replicates are here. */
    return h5out_rows_done(out, variant, replicate);
}

int h5out_variant_write_events(struct h5out *out, int index, int replicate,
                               const struct sim_event *events, size_t count) {
    if (h5out_check_usable(out) < 0) return -1;
    if (index < 0 || index >= out->n_variants || !out->variants[index].begun)
        return h5out_fail(out, "variant %d was not begun", index);
    struct h5out_variant *variant = &out->variants[index];
    if (!variant->keep_events || variant->events < 0)
        return h5out_fail(out, "variant %d keeps no event log", index);
    if (replicate < 0 || replicate >= variant->replicates)
        return h5out_fail(out, "variant %d has no replicate %d", index, replicate);
    if (count > 0 && !events) return h5out_fail(out, "variant %d: no events given", index);
    if (h5out_journal_events(out, events, count) < 0) return -1;
    if (count == 0) return 0;
    struct event_row *rows = calloc(count, sizeof *rows);
    if (!rows) return h5out_fail(out, "out of memory for %zu events", count);
    for (size_t i = 0; i < count; i++) {
        if (events[i].kind < 0 || events[i].kind >= EVENT_KIND_COUNT) {
            free(rows);
            return h5out_fail(out, "event %zu has unknown kind %d", i, events[i].kind);
        }
        rows[i].replicate = replicate;
        rows[i].kind = (int8_t)events[i].kind;
        rows[i].tick = events[i].tick;
        rows[i].threat = events[i].threat;
        rows[i].type = events[i].type;
        rows[i].state = events[i].state;
        rows[i].other = events[i].other;
        rows[i].region = events[i].region;
        rows[i].value = events[i].value;
    }
    hsize_t start[1] = {variant->event_rows}, rows_count[1] = {count};
    hsize_t extent[1] = {variant->event_rows + count};
    hid_t memory_type = event_memory_type();
    int status = H5Dset_extent(variant->events, extent) < 0 ? -1 : 0;
    if (status == 0) {
        hid_t file_space = H5Dget_space(variant->events);
        hid_t memory_space = H5Screate_simple(1, rows_count, NULL);
        if (H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, NULL, rows_count, NULL) < 0 ||
            H5Dwrite(variant->events, memory_type, memory_space, file_space, H5P_DEFAULT, rows) <
                0) {
            h5out_note_reason(out);
            status = -1;
        }
        H5Sclose(memory_space);
        H5Sclose(file_space);
    }
    H5Tclose(memory_type);
    free(rows);
    if (status) return h5out_io_fail(out, "cannot append %zu events to variant %d", count, index);
    variant->event_rows += count;
    return 0;
}
