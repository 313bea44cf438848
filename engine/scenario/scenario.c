/* scenario.c — the scenario API: load, overrides by path, accessors, memory estimate, compile. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../model/metrics.h"
#include "../util/memory.h"
#include "internal.h"
#include "report.h"

/* ---- overrides ------------------------------------------------------------------------------ */

int scenario_override_parse(const char *text, const char *origin, struct scenario_override *out,
                            struct scenario_errors *errors) {
    memset(out, 0, sizeof *out);
    const char *equals = strchr(text, '=');
    if (!equals || equals == text) {
        errors_add(errors,
                   "%s %s: error: expected PATH=VALUE (e.g. states.TJK.detect.military=0.3)",
                   origin, text);
        return -1;
    }
    out->path = strndup(text, (size_t)(equals - text));
    out->value = strdup(equals + 1);
    out->origin = strdup(origin);
    if (!out->path || !out->value || !out->origin) {
        scenario_override_free(out);
        errors_add(errors, "%s %s: error: out of memory", origin, text);
        return -1;
    }
    return 0;
}

void scenario_override_free(struct scenario_override *override) {
    if (!override) return;
    free(override->path);
    free(override->value);
    free(override->origin);
    override->path = override->value = override->origin = NULL;
}

/* ---- loading -------------------------------------------------------------------------------- */

struct scenario *scenario_load_text(const char *name, const char *text, size_t length,
                                    struct scenario_errors *errors) {
    struct tree *tree = tree_parse(name, text, length, NULL, NULL, errors);
    if (!tree) return NULL;
    if (variant_is(tree)) return variant_load(name, tree, text, length, errors);
    return scenario_decode(name, tree, text, length, 1, errors);
}

/* What kind of file is not a regular one, for the refusal. */
static const char *file_kind(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

/* Only a regular file is read (scenarios, variants' bases, design files), and only if its size is
 * within the limit: a FIFO would block for
 * ever, a device (/dev/zero) never ends, and a huge file would be read to the limit first. The
 * open is non-blocking so that a FIFO without a writer cannot hang it; fstat() then refuses it
 * before any read. */
char *scenario_read_file(const char *path, size_t *length, struct scenario_errors *errors) {
    *length = 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        errors_add(errors, "%s: error: cannot open the file (%s)", path, strerror(errno));
        return NULL;
    }
    struct stat info;
    if (fstat(fd, &info) != 0) {
        errors_add(errors, "%s: error: cannot read the file (%s)", path, strerror(errno));
        close(fd);
        return NULL;
    }
    if (!S_ISREG(info.st_mode)) {
        errors_add(errors, "%s: error: %s, not a scenario file (expected a regular file)", path,
                   file_kind(info.st_mode));
        close(fd);
        return NULL;
    }
    if ((uint64_t)info.st_size > (uint64_t)TREE_MAX_SOURCE) {
        errors_add(errors, "%s:1:1: error: file too large (%lld bytes; expected at most %zu MiB)",
                   path, (long long)info.st_size, TREE_MAX_SOURCE >> 20);
        close(fd);
        return NULL;
    }
    /* One byte more than the size says: a file that grows meanwhile is still caught at the
     * limit (tree_parse refuses it), never read without bound. */
    size_t capacity = (size_t)info.st_size + 1, used = 0;
    char *text = malloc(capacity);
    int read_failed = 0;
    while (text && used < capacity) {
        ssize_t got = read(fd, text + used, capacity - used);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) read_failed = errno ? errno : EIO;
        if (got <= 0) break;
        used += (size_t)got;
        if (used == capacity && capacity <= TREE_MAX_SOURCE) {
            size_t more = capacity * 2 > TREE_MAX_SOURCE + 1 ? TREE_MAX_SOURCE + 1 : capacity * 2;
            if (more <= capacity) break;
            char *bigger = realloc(text, more);
            if (!bigger) {
                free(text);
                text = NULL;
                break;
            }
            text = bigger;
            capacity = more;
        }
    }
    close(fd);
    if (!text || read_failed) {
        errors_add(errors, "%s: error: cannot read the file (%s)", path,
                   text ? strerror(read_failed) : "out of memory");
        free(text);
        return NULL;
    }
    *length = used;
    return text;
}

struct scenario *scenario_load_file(const char *path, struct scenario_errors *errors) {
    size_t length = 0;
    char *text = scenario_read_file(path, &length, errors);
    if (!text) return NULL;
    struct scenario *scenario = scenario_load_text(path, text, length, errors);
    free(text);
    return scenario;
}

void scenario_free(struct scenario *s) {
    if (!s) return;
    free(s->filename);
    free(s->tree_file);
    free(s->source);
    tree_free(s->tree);
    world_free(s->world);
    free(s->description);
    for (int i = 0; i < s->n_measure_overrides; i++)
        scenario_override_free(&s->measure_overrides[i]);
    free(s->measure_overrides);
    free(s->measure_first);
    free(s->measure_count);
    free(s->rate_nodes);
    free(s->target_weights_given);
    for (int i = 0; i < s->n_set; i++) {
        free(s->set_paths[i]);
        free(s->set_labels[i]);
        free(s->set_origins[i]);
    }
    free(s->set_paths);
    free(s->set_labels);
    free(s->set_origins);
    scenario_factors_free(s->factors, s->n_factors);
    free(s);
}

/* What scenario_with_overrides remembers of each path it sets absolutely. */
struct settings {
    char **paths, **labels, **origins;
    int count, capacity;
    const char *origin; /* of the override being applied */
    struct scenario_errors *errors;
};

static int settings_add(struct settings *list, const char *path, const char *label,
                        const char *origin) {
    if (list->count == list->capacity) {
        int capacity = list->capacity ? 2 * list->capacity : 16;
        char **paths = realloc(list->paths, (size_t)capacity * sizeof *paths);
        if (paths) list->paths = paths;
        char **labels = realloc(list->labels, (size_t)capacity * sizeof *labels);
        if (labels) list->labels = labels;
        char **origins = realloc(list->origins, (size_t)capacity * sizeof *origins);
        if (origins) list->origins = origins;
        if (!paths || !labels || !origins) return -1;
        list->capacity = capacity;
    }
    list->paths[list->count] = strdup(path);
    list->labels[list->count] = strdup(label);
    list->origins[list->count] = strdup(origin);
    list->count++;
    return list->paths[list->count - 1] && list->labels[list->count - 1] &&
                   list->origins[list->count - 1]
               ? 0
               : -1;
}

static void settings_free(struct settings *list) {
    for (int i = 0; i < list->count; i++) {
        free(list->paths[i]);
        free(list->labels[i]);
        free(list->origins[i]);
    }
    free(list->paths);
    free(list->labels);
    free(list->origins);
}

/* Two absolute overrides of one path from different origins: the later would silently win. */
static int check_collision(void *context, const char *path, int relative, const char *label) {
    struct settings *list = context;
    if (relative) return 0;
    for (int i = 0; i < list->count; i++)
        if (strcmp(list->paths[i], path) == 0 && strcmp(list->origins[i], list->origin) != 0) {
            errors_add(list->errors,
                       "%s: error: %s: also set by %s, which this would silently replace (write "
                       "one of them relative, PATH*=K or PATH+=D, or drop one)",
                       label, path, list->labels[i]);
            return -1;
        }
    return settings_add(list, path, label, list->origin);
}

struct scenario *scenario_with_overrides(const struct scenario *base,
                                         const struct scenario_override *overrides, int count,
                                         struct scenario_errors *errors) {
    struct tree *copy = tree_clone(base->tree);
    if (!copy) {
        errors_add(errors, "%s: error: out of memory", base->filename);
        return NULL;
    }
    struct settings list = {.errors = errors};
    int failed = 0;
    for (int i = 0; i < base->n_set && !failed; i++)
        failed = settings_add(&list, base->set_paths[i], base->set_labels[i], base->set_origins[i]);
    /* Every override is tried, so one run of the command shows every bad one. */
    for (int i = 0; i < count; i++) {
        const struct scenario_override *o = &overrides[i];
        size_t size = strlen(o->origin) + strlen(o->path) + strlen(o->value) + 3;
        char *label = malloc(size);
        if (!label) {
            failed = 1;
            break;
        }
        snprintf(label, size, "%s %s=%s", o->origin, o->path, o->value);
        list.origin = o->origin;
        if (override_apply(copy, base->tree_file, o->path, o->value, label, errors, check_collision,
                           &list) != 0)
            failed = 1;
        free(label);
    }
    if (failed) {
        tree_free(copy);
        settings_free(&list);
        return NULL;
    }
    /* positions in the tree refer to tree_file (a variant's base); the scenario keeps its name */
    struct scenario *variant =
        scenario_decode(base->tree_file, copy, base->source, base->source_length, 0, errors);
    if (variant) {
        variant->set_paths = list.paths;
        variant->set_labels = list.labels;
        variant->set_origins = list.origins;
        variant->n_set = list.count;
        variant->set_capacity = list.capacity;
        list = (struct settings){0};
    }
    settings_free(&list);
    if (variant && strcmp(base->filename, base->tree_file) != 0) {
        char *filename = strdup(base->filename);
        if (!filename) {
            scenario_free(variant);
            errors_add(errors, "%s: error: out of memory", base->filename);
            return NULL;
        }
        free(variant->filename);
        variant->filename = filename;
    }
    return variant;
}

/* ---- accessors ------------------------------------------------------------------------------ */

const char *scenario_source(const struct scenario *s, size_t *length) {
    if (length) *length = s->source_length;
    return s->source;
}

const char *scenario_filename(const struct scenario *s) {
    return s->filename;
}

int scenario_state_count(const struct scenario *s) {
    return s->world->n_states;
}

const char *scenario_state_code(const struct scenario *s, int index) {
    if (index < 0 || index >= s->world->n_states) return NULL;
    return s->world->states[index].code;
}

int scenario_measure_count(const struct scenario *s) {
    return s->world->n_measures;
}

const char *scenario_measure_id(const struct scenario *s, int index) {
    if (index < 0 || index >= s->world->n_measures) return NULL;
    return s->world->measures[index].id;
}

int scenario_measure_overrides(const struct scenario *s, int index,
                               const struct scenario_override **overrides) {
    if (index < 0 || index >= s->world->n_measures) {
        *overrides = NULL;
        return 0;
    }
    *overrides = s->measure_overrides + s->measure_first[index];
    return s->measure_count[index];
}

/* ---- memory --------------------------------------------------------------------------------- */

/* Bytes one active threat costs a replicate: its pool slot plus what each state may hold on it
 * (knowledge flags, pending reports). A deliberate over-estimate: the limit is a guard. */
static double bytes_per_threat(const struct world *w) {
    /* the pool may hold one and a half slots per active threat (engine/model/pool.c): about
     * 153 + 5 S bytes each, with the per-threat lists of a tick */
    double bytes = 232.0 + 40.0 * w->n_states;
    int networks = 0;
    for (int k = 0; k < w->n_types; k++) networks |= w->types[k].network_kind != NETWORK_NONE;
    if (networks) bytes += 4 + 40.0 * w->n_states; /* its slot, and network reports in flight */
    if (w->n_collect > 0) bytes += 8;              /* partners that saw it */
    if (w->hub_fusion) bytes += 24 + 8.0 * w->n_states; /* the centre's pool, relayed pools */
    return bytes;
}

/* Expected active threats from (type, origin): peak arrival rate times how long a threat lives
 * (longest path plus dwell), raised for escalation and contagion. */
static double origin_load(const struct world *w, int k, int slot) {
    const struct world_threat_type *type = &w->types[k];
    const struct world_origin *origin = &w->origins[type->first_origin + slot];
    int longest = 0;
    for (int t = 0; t < type->n_targets; t++) {
        const struct world_path *path =
            &w->paths[w->type_first_path[k] + slot * type->n_targets + t];
        if (path->length > 0) {
            int ticks = w->path_enter[path->first + path->length - 1];
            if (ticks > longest) longest = ticks;
        }
    }
    double lifetime = (double)longest + type->dwell;
    double escalation = 1 + 10 * type->escalation_boost;
    double contagion = type->contagion < 0.9 ? 1 / (1 - type->contagion) : 10;
    /* a campaign type's origins send threats at their rate for each running campaign */
    double campaigns = 1;
    if (type->network_kind == NETWORK_CAMPAIGNS) {
        double running = type->campaign_rate * type->campaign_lifetime;
        campaigns = running + 10 * sqrt(running) + 1;
        if (campaigns > type->networks) campaigns = type->networks;
    }
    return origin->rate * (1 + origin->season_amplitude) * lifetime * escalation * contagion *
           campaigns;
}

static size_t estimate(const struct scenario *s, const char **driver, const struct tree **node,
                       char *driver_text, size_t driver_size) {
    const struct world *w = s->world;
    double mean = 0, largest = -1;
    int largest_origin = -1, largest_type = -1;
    for (int k = 0; k < w->n_types; k++)
        for (int i = 0; i < w->types[k].n_origins; i++) {
            double load = origin_load(w, k, i);
            mean += load;
            if (load > largest)
                largest = load, largest_origin = w->types[k].first_origin + i, largest_type = k;
        }
    /* A bound the pool stays under except with negligible probability. */
    double pool = mean + 10 * sqrt(mean) + 64;
    double pool_bytes = pool * bytes_per_threat(w);
    double series_bytes = (double)w->n_network_slots * (w->n_states * 4 + 24) +
                          (double)w->ticks * w->n_states * METRIC_COUNT * 8 +
                          (double)w->ticks * w->n_states * w->n_states * 4 +
                          (double)METRIC_COUNT * w->n_states * w->n_types * 8 +
                          (double)w->n_regions * 4 * 8;
    double total = pool_bytes + series_bytes;
    if (largest_origin >= 0 && pool_bytes >= series_bytes) {
        snprintf(driver_text, driver_size, "threats.%s.origins.%s.rate", w->types[largest_type].id,
                 w->regions[w->origins[largest_origin].region].id);
        if (node) *node = s->rate_nodes[largest_origin];
    } else {
        snprintf(driver_text, driver_size, "run.ticks");
        if (node) *node = s->ticks_node;
    }
    if (driver) *driver = driver_text;
    return total >= (double)SIZE_MAX ? SIZE_MAX : (size_t)total;
}

/* The pool bound itself (threats), for world->max_active_threats. */
static size_t pool_bound(const struct world *w) {
    double mean = 0;
    for (int k = 0; k < w->n_types; k++)
        for (int i = 0; i < w->types[k].n_origins; i++) mean += origin_load(w, k, i);
    double pool = mean + 10 * sqrt(mean) + 64;
    return pool >= (double)SIZE_MAX ? SIZE_MAX : (size_t)pool;
}

size_t scenario_memory_estimate(const struct scenario *s, const char **driver) {
    /* The phrase outlives the call; one buffer per thread keeps concurrent callers apart. */
    static _Thread_local char driver_text[2 * WORLD_NAME_MAX + 32];
    return estimate(s, driver, NULL, driver_text, sizeof driver_text);
}

struct world *scenario_compile(const struct scenario *s, size_t max_memory_bytes,
                               struct scenario_errors *errors) {
    char driver[2 * WORLD_NAME_MAX + 32];
    const struct tree *node = NULL;
    size_t bytes = estimate(s, NULL, &node, driver, sizeof driver);
    if (max_memory_bytes > 0 && bytes > max_memory_bytes) {
        char prefix[1024];
        if (node && node->origin)
            snprintf(prefix, sizeof prefix, "%s", node->origin);
        else
            snprintf(prefix, sizeof prefix, "%s:%d:%d", s->tree_file, node ? node->line : 1,
                     node ? node->column : 1);
        char need[32], limit[32];
        memory_format_size(bytes, need, sizeof need);
        memory_format_size(max_memory_bytes, limit, sizeof limit);
        /* "about 1.0 GiB, above the limit of 1.0 GiB" would read as a contradiction. */
        if (strcmp(need, limit) == 0) {
            snprintf(need, sizeof need, "%zu bytes", bytes);
            snprintf(limit, sizeof limit, "%zu bytes", max_memory_bytes);
        }
        errors_add(errors,
                   "%s: error: %s: a replicate would need about %s, above the memory limit of %s "
                   "(expected a smaller value here, or a larger limit)",
                   prefix, driver, need, limit);
        return NULL;
    }
    struct world *world = world_copy(s->world);
    if (!world) {
        errors_add(errors, "%s: error: out of memory compiling the world", s->filename);
        return NULL;
    }
    world->max_active_threats = pool_bound(s->world);
    world->active_measure = -1;
    world->measure_cost = 0;
    return world;
}
