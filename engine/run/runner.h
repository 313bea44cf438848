/* runner.h — execute a plan: compile each variant's world, run the work items on OpenMP threads
 * (dynamic scheduling, one sim workspace per thread), keep the per-replicate totals that the
 * statistics need, and hand every item's full result to a single writer in plan order, so that
 * the output is the same bits for any thread count.
 */
#ifndef C5SIM_RUNNER_H
#define C5SIM_RUNNER_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "../io/h5out.h"
#include "../model/metrics.h"
#include "../model/world.h"
#include "../scenario/scenario.h"
#include "plan.h"

struct runner_options {
    int threads;                 /* OpenMP threads; <= 0: every core */
    int keep_series;             /* per-tick series in the result (and the file) */
    int keep_trust;              /* trust matrix per tick */
    int keep_events;             /* event log (/variants/k/events), written in plan order */
    size_t max_memory;           /* bytes per replicate workspace; 0 = no limit */
    int progress;                /* draw a progress bar on `progress_stream` */
    FILE *progress_stream;       /* usually stderr */
    volatile sig_atomic_t *stop; /* set (by a signal handler) to stop: between items, and inside
                                    an item between ticks (the item is dropped, redone on resume) */
    long stop_after_items;       /* testing (tests/dist): act as if stopped once exactly this
                                    many items of one execution are written; 0 = never */
};

/* Hooks through which dist.c spreads items over MPI ranks. Both are called on the writer thread
 * (the thread that called runner_execute_items), which is the only one that may talk to MPI. */
struct runner_hooks {
    void *context;
    /* Instead of writing to `out` and keeping totals: receives every finished item, in list
     * order; `index` is the item's position in the list. Returns 0, or -1 with err. */
    int (*on_result)(void *context, long index, long item, const struct sim_result *result,
                     const struct sim_event *events, size_t n_events, char *err, size_t errlen);
    /* Called often (between items and while waiting). Returns 0, or -1 with err to stop. */
    int (*poll)(void *context, char *err, size_t errlen);
};

/* Per-replicate figures kept in memory for the statistics (small: metrics x states). */
struct runner_results {
    int n_variants, replicates, n_states, n_types;
    double *totals;    /* [variant][replicate][metric][state], metric < METRIC_COUNT */
    double *type_harm; /* [variant][replicate][type]: harm summed over states */
    long items_total;
    long items_written; /* items done, in plan order: always the prefix 0 .. items_written-1 */
    int interrupted;    /* 1 when the stop flag ended the run early */
    double seconds;     /* wall time of the execution */
};

struct runner;

/* Compile every variant: base + its overrides, validated and compiled with the memory limit.
 * Returns NULL with errors (prefixed by the variant's label) when a variant is invalid. */
struct runner *runner_alloc(const struct scenario *base, const struct plan *plan, size_t max_memory,
                            struct scenario_errors *errors);
/* The same, compiling the variants on `threads` OpenMP threads (<= 0: every core): the same
 * worlds and, for an invalid plan, the same messages (it then redoes the one-thread pass). */
struct runner *runner_alloc_threads(const struct scenario *base, const struct plan *plan,
                                    size_t max_memory, int threads, struct scenario_errors *errors);
void runner_free(struct runner *runner);

/* The largest estimated replicate workspace of the plan's variants (what one thread holds while
 * it runs an item of that variant), and which variant it is. */
size_t runner_workspace_bytes(const struct runner *runner, int *variant);

/* How many workspaces are live at once when `n_items` items run with these options: one per
 * thread that runs items (the memory limit must cover them all). */
int runner_workspaces(const struct runner_options *options, long n_items);

const struct world *runner_world(const struct runner *runner, int variant);

/* Create /variants/k in `out` for every variant (labels, overrides, sizes). */
int runner_begin_output(struct runner *runner, struct h5out *out,
                        const struct runner_options *options, char *err, size_t errlen);

/* Run every work item. `out` may be NULL (nothing written). Returns 0 when all items ran,
 * 1 when stopped by the flag (results hold the completed prefix), -1 on failure with err. */
int runner_execute(struct runner *runner, const struct runner_options *options, struct h5out *out,
                   struct runner_results *results, char *err, size_t errlen);

/* Size `results` for the plan (every figure zero, nothing written yet). Returns 0 or -1. */
int runner_results_alloc(const struct runner *runner, struct runner_results *results, char *err,
                         size_t errlen);

/* Read back the figures of the items an interrupted run left in `partial_path` (--resume) into
 * `results` (allocated for the same plan); done[item] = 1 for each item found. Returns 0 or -1. */
int runner_results_restore(struct runner_results *results, const char *partial_path,
                           unsigned char *done, char *err, size_t errlen);

/* Keep one item's totals in `results` (what the runner does for each item it runs). */
void runner_results_keep(struct runner_results *results, int variant, int replicate,
                         const struct sim_result *result);

/* Run only the listed plan items (`items`: plan item indices, each once; written in list order,
 * which should be increasing for a file in plan order). Without hooks (NULL), each item is
 * written to `out` (may be NULL) and kept in `results` (allocated by runner_results_alloc;
 * items not listed are left as they are, e.g. read back from a .partial), and
 * results->items_written grows by the items done. With hooks->on_result, items go there instead
 * and `results` may be NULL. Returns 0 when every listed item ran, 1 when stopped by the flag
 * (the items done are a prefix of the list), -1 on failure with err. */
int runner_execute_items(struct runner *runner, const struct runner_options *options,
                         const long *items, long n_items, struct h5out *out,
                         struct runner_results *results, const struct runner_hooks *hooks,
                         char *err, size_t errlen);

void runner_results_free(struct runner_results *results);

/* Pointer to the totals of one (variant, replicate). */
static inline const double *runner_results_item(const struct runner_results *results, int variant,
                                                int replicate) {
    return results->totals + ((size_t)variant * (size_t)results->replicates + (size_t)replicate) *
                                 (size_t)METRIC_COUNT * (size_t)results->n_states;
}

/* The sample of one metric over replicates: for a state, or the region total (state = -1,
 * summed over states in index order). `out` has `replicates` entries. */
void runner_results_sample(const struct runner_results *results, int variant, int metric, int state,
                           double *out);

#endif
