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
    int keep_events; /* /variants/k/events: one row per event (--events); see
                        h5out_variant_write_events() */
};

/* Version of the layout written; bumped whenever anything is renamed or changes meaning. */
enum { H5OUT_FORMAT_VERSION = 1 };

struct h5out;

/* Check the destination and create PATH.partial. Refuses (returns NULL with a message in err) an
 * existing PATH unless force, a PATH that is a directory, a directory that cannot be written. */
struct h5out *h5out_create(const char *path, int force, const struct h5out_provenance *provenance,
                           char *err, size_t errlen);

/* Reopen an interrupted run's PATH.partial (PATH may name either file) to continue it (--resume).
 * Refuses (NULL, message in err) a missing or unreadable .partial, an existing PATH, a complete
 * file, or one written by another command, scenario text (sha256), seed, replicate count or tick
 * count. Then call h5out_write_world() (a no-op) and h5out_variant_begin() for every variant as
 * for a new file: existing variants are reopened (refused if label, overrides, replicates or
 * keep_* differ) and h5out_variant_has_replicate() says which replicates to skip. Summaries and
 * other h5out_write_doubles()/h5out_write_strings() datasets already present are replaced. With
 * an event log, replicates after the first missing one are redone (the log is cut there), so
 * append events in replicate order. The finished file equals an uninterrupted run's in /variants.
 */
struct h5out *h5out_resume(const char *path, const struct h5out_provenance *provenance, char *err,
                           size_t errlen);

/* 1 if the replicate is already in the file (after h5out_resume and h5out_variant_begin). */
int h5out_variant_has_replicate(const struct h5out *out, int index, int replicate);

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

/* A replicate's per-tick datasets (series, trust) compressed ahead of writing, so that the
 * threads that run replicates do the compression and the one writer only stores bytes.
 * h5out_encode_replicate() makes no HDF5 call and touches no writer: any thread may call it, on
 * its own h5out_encoded. Returns 0, or -1 (out of memory, or the result lacks what is kept). */
struct h5out_encoded;
struct h5out_encoded *h5out_encoded_alloc(void);
void h5out_encoded_free(struct h5out_encoded *encoded);
int h5out_encode_replicate(struct h5out_encoded *encoded, const struct sim_result *result,
                           int keep_series, int keep_trust);

/* h5out_variant_write_replicate() with the per-tick datasets taken from `encoded` (made by
 * h5out_encode_replicate() from the same result, with the variant's keep_series/keep_trust);
 * encoded may be NULL (then the writer encodes them itself). Same file either way. */
int h5out_variant_write_encoded(struct h5out *out, int index, int replicate,
                                const struct sim_result *result,
                                const struct h5out_encoded *encoded);

/* Append one replicate's events (in the model's order) to /variants/<index>/events; the variant
 * must have been begun with keep_events. Rows are tagged with the replicate. For a file that does
 * not depend on thread timing, append replicates in replicate order. */
int h5out_variant_write_events(struct h5out *out, int index, int replicate,
                               const struct sim_event *events, size_t count);

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

/* ---- the journal: crash-safe progress (h5out_journal.c, docs/reliability.md) ----
 * OUT.h5.journal holds one checksummed record per written item, appended as it is written and
 * synced at every h5out_flush(); whatever kills the process, every item journaled before it can
 * be replayed into a new .partial. `fingerprint` is text naming the run (command, seed, ...): a
 * journal is only replayed by a command with the same one. */

/* OUT.h5.journal for output OUT.h5; 0, or -1 if too long. */
int h5out_journal_name(const char *output, char *path, size_t size);

/* Start OUT.h5.journal beside a new .partial (after h5out_create). An existing journal is
 * refused unless `replace` (--force). */
int h5out_journal_start(struct h5out *out, const char *fingerprint, int replace);

/* Where a replayed journal's intact part ends, to continue it. */
struct h5out_journal_state {
    long items;          /* items replayed */
    long long valid_end; /* bytes of intact records (a torn tail after them is cut) */
};

/* Replay the journal at `path` into `out`, a new .partial whose variants are begun
 * (h5out_create, h5out_write_world, h5out_variant_begin), through the same calls the run made:
 * the datasets come out as they were. Records after a torn or damaged one are ignored. -1 with
 * err if the journal is missing, of another run (its fingerprint: err names the first line that
 * differs), or not replayable; h5out_journal_check() tells the fingerprint apart beforehand. */
int h5out_journal_replay(struct h5out *out, const char *path, const char *fingerprint,
                         struct h5out_journal_state *state, char *err, size_t errlen);

/* 0 if the journal at `path` is this run's (its first record matches `fingerprint`), else -1
 * with err naming the difference; reads only that record, changes nothing. */
int h5out_journal_check(const char *path, const char *fingerprint, char *err, size_t errlen);

/* Append to the journal replayed earlier (after h5out_resume of the rebuilt .partial). */
int h5out_journal_continue(struct h5out *out, const struct h5out_journal_state *state);

/* Items in the journal (0 without one), its path ("" without one). */
long h5out_journal_items(const struct h5out *out);
const char *h5out_journal_path(const struct h5out *out);

/* Flush what is written so far (the .partial stays valid with complete = 0). */
int h5out_flush(struct h5out *out);

/* Set complete = 1, close, rename PATH.partial to PATH. Frees the writer. */
int h5out_finish(struct h5out *out, char *err, size_t errlen);

/* Close, leaving PATH.partial with complete = 0 (after an interruption or failure). Frees it. */
void h5out_abort(struct h5out *out);

#endif
