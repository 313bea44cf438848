/* h5out.h — the HDF5 writer: one writer, called from one thread, in a fixed order.
 *
 * The file is written to OUT.h5.partial and renamed to OUT.h5 by h5out_finish() only when every
 * work item is in it, with the root attribute `complete` set to 1 just before. Layout and every
 * dataset's meaning: docs/output-format.md. Every function returns 0 on success or -1 with a
 * message in the writer's error buffer (h5out_error()); no function exits or prints.
 */
#ifndef C5SIM_H5OUT_H
#define C5SIM_H5OUT_H

#include <stddef.h>
#include <stdint.h>

#include "../model/sim.h"
#include "../model/world.h"

/* Provenance stored as root attributes and under /scenario. */
struct h5out_provenance {
    const char *command;      /* "run", "sweep", "measures", "coalitions" */
    const char *command_line; /* the whole command line, shell-quoted */
    const char *scenario_filename;
    const char *scenario_source; /* verbatim text of the scenario file */
    size_t scenario_length;
    uint64_t seed;
    int replicates;
    int ticks;
};

/* What a variant keeps besides totals and by_type. */
struct h5out_variant_spec {
    const char *label;
    const char *const *overrides; /* "PATH=VALUE" strings */
    int n_overrides;
    int replicates;
    int keep_series; /* /variants/k/series/<metric> [replicates, ticks, states] */
    int keep_trust;  /* /variants/k/trust [replicates, ticks, states, states] */
};

struct h5out;

/* Check the destination and create PATH.partial. Refuses (returns NULL with a message in err) an
 * existing PATH unless force, a PATH that is a directory, a directory that cannot be written. */
struct h5out *h5out_create(const char *path, int force, const struct h5out_provenance *provenance,
                           char *err, size_t errlen);

const char *h5out_error(const struct h5out *out);
const char *h5out_partial_path(const struct h5out *out);
const char *h5out_final_path(const struct h5out *out);

/* /world/... compound tables of the base world (scenario order). */
int h5out_write_world(struct h5out *out, const struct world *world);

/* Create /variants/<index> and its datasets sized for spec->replicates. */
int h5out_variant_begin(struct h5out *out, int index, const struct h5out_variant_spec *spec,
                        const struct world *world);

/* Write one replicate's result into the variant's datasets (any order; each exactly once). */
int h5out_variant_write_replicate(struct h5out *out, int index, int replicate,
                                  const struct sim_result *result);

/* A generic dataset of doubles at an absolute path (groups created as needed), with `unit`,
 * `description` and `dims` (a comma-separated name per axis, e.g. "statistic,state") attributes.
 * Used for summaries, comparisons, coalition and measure tables. */
int h5out_write_doubles(struct h5out *out, const char *path, int rank, const size_t *shape,
                        const double *data, const char *unit, const char *description,
                        const char *dims);

/* A 1-D dataset of strings (labels for an axis), e.g. /variants/0/summary/statistic. */
int h5out_write_strings(struct h5out *out, const char *path, int count, const char *const *values,
                        const char *description);

/* A string / integer / double attribute on an existing group or dataset. */
int h5out_set_attr_string(struct h5out *out, const char *object, const char *name,
                          const char *value);
int h5out_set_attr_int(struct h5out *out, const char *object, const char *name, long long value);
int h5out_set_attr_double(struct h5out *out, const char *object, const char *name, double value);

/* Flush what is written so far (the .partial stays valid with complete = 0). */
int h5out_flush(struct h5out *out);

/* Set complete = 1, close, rename PATH.partial to PATH. Frees the writer. */
int h5out_finish(struct h5out *out, char *err, size_t errlen);

/* Close, leaving PATH.partial with complete = 0 (after an interruption or failure). Frees it. */
void h5out_abort(struct h5out *out);

#endif
