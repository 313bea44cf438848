/* internal.h — what the scenario room's files share: the scenario struct and the decode steps. */
#ifndef C5SIM_SCENARIO_INTERNAL_H
#define C5SIM_SCENARIO_INTERNAL_H

#include "scenario.h"
#include "tree.h"

struct scenario {
    char *filename;  /* the file given (a variant file for a variant) */
    char *tree_file; /* the file the tree's positions refer to (a variant's base) */
    char *source;    /* exactly as read, NUL-terminated */
    size_t source_length;
    struct tree *tree;   /* the parsed document with overrides applied */
    struct world *world; /* decoded, validated, paths computed; scenario_compile copies it */
    char *description;
    char tick_unit[32];
    /* Measures: measure m owns measure_overrides[measure_first[m] .. + measure_count[m] - 1]. */
    int *measure_first, *measure_count;
    struct scenario_override *measure_overrides;
    int n_measure_overrides;
    /* Where each origin's rate and the run length were written, for the memory-limit error. */
    const struct tree **rate_nodes; /* [world->n_origins], nodes of `tree` */
    const struct tree *ticks_node;
    double *target_weights_given; /* [world->n_targets] as written, before normalising */
    /* Paths set absolutely by overrides so far (--set, then a variant's own), with the label of
     * the override that set each: a later absolute override of the same path from another
     * origin is refused (it would silently replace the first). */
    char **set_paths, **set_labels, **set_origins;
    int n_set, set_capacity;
    /* The `uncertainty:` block (decode_uncertainty.c). */
    struct scenario_factor *factors;
    int n_factors;
};

/* Decode a parsed tree (consumed) into a scenario. `check_measures`: also apply each measure's
 * overrides to a copy and decode that, so a bad measure is reported at load. NULL on errors. */
struct scenario *scenario_decode(const char *filename, struct tree *tree, const char *source,
                                 size_t source_length, int check_measures,
                                 struct scenario_errors *errors);

/* override.c: apply one override (PATH=VALUE, PATH*=K, PATH+=D, `*` segments) to a tree; each
 * concrete path set is passed to `visit` (NULL: none) with whether it was relative. */
typedef int (*override_visit_fn)(void *context, const char *path, int relative, const char *label);
int override_apply(struct tree *root, const char *filename, const char *path, const char *value,
                   const char *label, struct scenario_errors *errors, override_visit_fn visit,
                   void *context);

/* variant.c: is this parsed document a variant file? Load one (the tree is consumed). */
/* The whole of a regular file of at most TREE_MAX_SOURCE bytes, never blocking on a FIFO or
 * reading a device (scenario.c). Caller frees; NULL with errors. */
char *scenario_read_file(const char *path, size_t *length, struct scenario_errors *errors);
int variant_is(const struct tree *root);
/* `base` as a path: itself when absolute, else relative to the directory of `file` (variant and
 * design files name their base scenario so). Caller frees; NULL when out of memory. */
char *scenario_relative_path(const char *file, const char *base);
struct scenario *variant_load(const char *name, struct tree *root, const char *text, size_t length,
                              struct scenario_errors *errors);

/* Adjacency rows and neighbour bitmasks from regions and routes. 0, or -1 when out of memory. */
int paths_build_adjacency(struct world *world);

/* Shortest-travel-time paths for every (type, origin, target). Each unreachable pair is passed
 * to `unreachable` (type, origin slot, target slot) and counted. Returns the count, or -1 when
 * out of memory or beyond `max_entries` path entries in all. */
typedef void (*paths_unreachable_fn)(void *context, int type, int origin_slot, int target_slot);
long paths_build(struct world *world, size_t max_entries, paths_unreachable_fn unreachable,
                 void *context);

/* A deep copy of a world (every array). NULL when out of memory. */
struct world *world_copy(const struct world *world);

#endif
