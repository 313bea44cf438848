/* runner.c — the parallel runner: work items on OpenMP threads, one writer in plan order. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <omp.h>

#include "../io/h5in.h"
#include "phases.h"
#include "runner.h"

struct runner {
    const struct plan *plan;
    struct world **worlds;   /* one per variant */
    size_t *workspace_bytes; /* one per variant: scenario_memory_estimate() of its scenario */
};

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void pause_briefly(void) {
    struct timespec t = {0, 100000}; /* 0.1 ms: waiting for a slot or for the writer */
    nanosleep(&t, NULL);
}

/* One variant's world (base + its overrides, validated, compiled) into runner->worlds[v], or
 * NULL with errors. */
static void compile_variant(struct runner *runner, const struct scenario *base, int v,
                            size_t max_memory, struct scenario_errors *errors) {
    const struct plan_variant *variant = &runner->plan->variants[v];
    struct scenario *scenario =
        scenario_with_overrides(base, variant->overrides, variant->n_overrides, errors);
    if (scenario) {
        runner->workspace_bytes[v] = scenario_memory_estimate(scenario, NULL);
        runner->worlds[v] = scenario_compile(scenario, max_memory, errors);
        scenario_free(scenario);
    }
    if (runner->worlds[v] && variant->measure >= 0 &&
        variant->measure < runner->worlds[v]->n_measures) {
        /* A measure variant carries the measure's cost, which the model charges in the loss;
         * the compiled world cannot know it was built for a measure. */
        runner->worlds[v]->active_measure = variant->measure;
        runner->worlds[v]->measure_cost = runner->worlds[v]->measures[variant->measure].cost;
    }
    if (runner->worlds[v] && variant->package)
        runner->worlds[v]->measure_cost = phases_package_cost(runner->worlds[v], variant);
    /* time-phased measures: the world of tick 0, with the later phases' worlds attached */
    if (runner->worlds[v] &&
        phases_attach(base, variant, &runner->worlds[v], max_memory, errors) != 0) {
        world_free(runner->worlds[v]);
        runner->worlds[v] = NULL;
    }
}

struct runner *runner_alloc(const struct scenario *base, const struct plan *plan, size_t max_memory,
                            struct scenario_errors *errors) {
    struct runner *runner = calloc(1, sizeof *runner);
    if (!runner) return NULL;
    runner->plan = plan;
    size_t variants = (size_t)(plan->n_variants > 0 ? plan->n_variants : 1);
    runner->worlds = calloc(variants, sizeof *runner->worlds);
    runner->workspace_bytes = calloc(variants, sizeof *runner->workspace_bytes);
    if (!runner->worlds || !runner->workspace_bytes) {
        free(runner->worlds);
        free(runner->workspace_bytes);
        free(runner);
        return NULL;
    }
    for (int v = 0; v < plan->n_variants; v++) {
        const struct plan_variant *variant = &plan->variants[v];
        compile_variant(runner, base, v, max_memory, errors);
        if (!runner->worlds[v]) {
            /* Say which variant failed: its label goes in front of the scenario's messages. */
            for (int e = 0; e < errors->count; e++) {
                const char *old = errors->messages[e];
                /* A message that already names the override (its origin, "sweep PATH=V")
                 * needs no second copy of the label in front of it. */
                if (strstr(old, variant->label)) continue;
                size_t length = strlen(old) + strlen(variant->label) + 16;
                char *prefixed = malloc(length);
                if (!prefixed) break;
                snprintf(prefixed, length, "variant %s: %s", variant->label, old);
                free(errors->messages[e]);
                errors->messages[e] = prefixed;
            }
            runner_free(runner);
            return NULL;
        }
    }
    return runner;
}

struct runner *runner_alloc_threads(const struct scenario *base, const struct plan *plan,
                                    size_t max_memory, int threads,
                                    struct scenario_errors *errors) {
    if (threads <= 0) threads = omp_get_num_procs();
    if (threads > plan->n_variants) threads = plan->n_variants;
    if (threads <= 1) return runner_alloc(base, plan, max_memory, errors);
    struct runner *runner = calloc(1, sizeof *runner);
    if (!runner) return NULL;
    runner->plan = plan;
    runner->worlds = calloc((size_t)plan->n_variants, sizeof *runner->worlds);
    runner->workspace_bytes = calloc((size_t)plan->n_variants, sizeof *runner->workspace_bytes);
    if (!runner->worlds || !runner->workspace_bytes) {
        free(runner->worlds);
        free(runner->workspace_bytes);
        free(runner);
        return NULL;
    }
    /* Each variant is compiled on its own (the base is only read), so the worlds are the same
     * for any thread count. A failure anywhere falls back to the one-thread pass, which stops
     * at the first invalid variant and reports it exactly as before. */
    atomic_int failed = 0;
#pragma omp parallel for schedule(dynamic, 4) num_threads(threads)
    for (int v = 0; v < plan->n_variants; v++) {
        if (atomic_load(&failed)) continue;
        struct scenario_errors local = {0};
        compile_variant(runner, base, v, max_memory, &local);
        if (!runner->worlds[v]) atomic_store(&failed, 1);
        scenario_errors_clear(&local);
    }
    if (!atomic_load(&failed)) return runner;
    runner_free(runner);
    return runner_alloc(base, plan, max_memory, errors);
}

void runner_free(struct runner *runner) {
    if (!runner) return;
    for (int v = 0; v < runner->plan->n_variants; v++) world_free(runner->worlds[v]);
    free(runner->worlds);
    free(runner->workspace_bytes);
    free(runner);
}

size_t runner_workspace_bytes(const struct runner *runner, int *variant) {
    size_t most = 0;
    if (variant) *variant = 0;
    for (int v = 0; v < runner->plan->n_variants; v++)
        if (runner->workspace_bytes[v] > most) {
            most = runner->workspace_bytes[v];
            if (variant) *variant = v;
        }
    return most;
}

int runner_workspaces(const struct runner_options *options, long n_items) {
    int threads = options->threads > 0 ? options->threads : omp_get_num_procs();
    /* With fewer items than threads the spare threads share the items' workspaces. */
    return n_items > 0 && (long)threads > n_items ? (int)n_items : threads;
}

const struct world *runner_world(const struct runner *runner, int variant) {
    return runner->worlds[variant];
}

int runner_begin_output(struct runner *runner, struct h5out *out,
                        const struct runner_options *options, char *err, size_t errlen) {
    const struct plan *plan = runner->plan;
    for (int v = 0; v < plan->n_variants; v++) {
        const struct plan_variant *variant = &plan->variants[v];
        struct h5out_variant_spec spec = {
            .label = variant->label,
            .overrides = (const char *const *)variant->override_texts,
            .n_overrides = variant->n_overrides,
            .replicates = plan->replicates,
            .keep_series = options->keep_series,
            .keep_trust = options->keep_trust,
            .keep_events = options->keep_events,
        };
        if (h5out_variant_begin(out, v, &spec, runner->worlds[v]) != 0) {
            snprintf(err, errlen, "%s", h5out_error(out));
            return -1;
        }
    }
    return 0;
}

void runner_results_free(struct runner_results *results) {
    if (!results) return;
    free(results->totals);
    free(results->type_harm);
    memset(results, 0, sizeof *results);
}

void runner_results_sample(const struct runner_results *results, int variant, int metric, int state,
                           double *out) {
    for (int r = 0; r < results->replicates; r++) {
        const double *item =
            runner_results_item(results, variant, r) + (size_t)metric * (size_t)results->n_states;
        if (state >= 0) {
            out[r] = item[state];
        } else {
            double sum = 0.0;
            for (int s = 0; s < results->n_states; s++) sum += item[s];
            out[r] = sum;
        }
    }
}

/* A replicate's event log, filled by the model's callback on the thread that runs it. */
struct event_log {
    struct sim_event *events;
    size_t count, capacity;
    int out_of_memory;
};

static void log_event(void *context, const struct sim_event *event) {
    struct event_log *log = context;
    if (log->count == log->capacity) {
        size_t capacity = log->capacity ? 2 * log->capacity : 1024;
        struct sim_event *grown = realloc(log->events, capacity * sizeof *grown);
        if (!grown) {
            log->out_of_memory = 1;
            return;
        }
        log->events = grown;
        log->capacity = capacity;
    }
    log->events[log->count++] = *event;
}

/* One slot of the reorder buffer between the workers and the writer. */
struct slot {
    struct sim_result *result;
    struct event_log events;       /* swapped in from the worker's log when --events */
    struct h5out_encoded *encoded; /* its per-tick datasets compressed by the worker, or NULL */
    int variant;                   /* variant the result was sized for, or -1 */
    atomic_long ready; /* item index + 1 when the result waits for the writer; 0 when free */
};

struct progress {
    FILE *stream;
    int enabled;
    double start, last_draw;
};

static void progress_draw(struct progress *progress, long done, long total, int final) {
    if (!progress->enabled) return;
    double now = now_seconds();
    if (!final && now - progress->last_draw < 0.2) return;
    progress->last_draw = now;
    double elapsed = now - progress->start;
    double rate = elapsed > 0 ? (double)done / elapsed : 0.0;
    double remaining = rate > 0 ? (double)(total - done) / rate : 0.0;
    int width = 30, filled = total > 0 ? (int)((double)width * (double)done / (double)total) : 0;
    char bar[64];
    for (int i = 0; i < width; i++) bar[i] = i < filled ? '#' : '.';
    bar[width] = '\0';
    fprintf(progress->stream, "\r[%s] %ld/%ld items  %.1f items/s  ETA %d:%02d:%02d ", bar, done,
            total, rate, (int)(remaining / 3600), (int)(remaining / 60) % 60, (int)remaining % 60);
    if (final) fputc('\n', progress->stream);
    fflush(progress->stream);
}

struct execution {
    struct runner *runner;
    const struct runner_options *options;
    struct sim_options sim_options;
    struct h5out *out;
    struct runner_results *results;   /* NULL with hooks->on_result */
    const struct runner_hooks *hooks; /* NULL when the runner writes and keeps items itself */
    const long *items;                /* the plan items to run, in the order they are written */
    long n_items;
    int replicates;
    long progress_base, progress_total; /* items done before this execution, items in all */
    struct slot *slots;
    long window;
    atomic_long next_item;
    atomic_long written;
    atomic_int failed;
    atomic_int workers_left;
    char *err;
    size_t errlen;
    struct progress progress;
    double last_flush;
};

static void fail(struct execution *execution, const char *message) {
    int expected = 0;
    if (atomic_compare_exchange_strong(&execution->failed, &expected, 1))
        snprintf(execution->err, execution->errlen, "%s", message);
}

static int stopping(const struct execution *execution) {
    long stop_after = execution->options->stop_after_items;
    return atomic_load(&execution->failed) ||
           (execution->options->stop && *execution->options->stop) ||
           (stop_after > 0 && atomic_load(&execution->written) >= stop_after);
}

/* Writer side (master thread only): write every ready item that comes next in plan order. */
static void drain(struct execution *execution) {
    long replicates = execution->replicates;
    const struct runner_hooks *hooks = execution->hooks;
    if (hooks && hooks->poll && !atomic_load(&execution->failed)) {
        char message[512] = "";
        if (hooks->poll(hooks->context, message, sizeof message) != 0) fail(execution, message);
    }
    long stop_after = execution->options->stop_after_items;
    for (;;) {
        long position = atomic_load(&execution->written);
        if (position >= execution->n_items) break;
        if (stop_after > 0 && position >= stop_after) break; /* testing: exactly that many */
        struct slot *slot = &execution->slots[position % execution->window];
        if (atomic_load(&slot->ready) != position + 1) break;
        long item = execution->items[position];
        if (hooks && hooks->on_result && !atomic_load(&execution->failed)) {
            char message[512] = "";
            if (hooks->on_result(hooks->context, position, item, slot->result, slot->events.events,
                                 slot->events.count, message, sizeof message) != 0)
                fail(execution, message);
        } else if (execution->out && !atomic_load(&execution->failed)) {
            int variant = (int)(item / replicates), replicate = (int)(item % replicates);
            if (h5out_variant_write_encoded(execution->out, variant, replicate, slot->result,
                                            slot->encoded) != 0 ||
                (execution->options->keep_events &&
                 h5out_variant_write_events(execution->out, variant, replicate, slot->events.events,
                                            slot->events.count) != 0))
                fail(execution, h5out_error(execution->out));
        }
        slot->events.count = 0;
        atomic_store(&slot->ready, 0);
        if (atomic_load(&execution->failed)) break;
        atomic_store(&execution->written, position + 1);
    }
    long written = atomic_load(&execution->written);
    progress_draw(&execution->progress, execution->progress_base + written,
                  execution->progress_total, 0);
    double now = now_seconds();
    if (execution->out && now - execution->last_flush > 5.0) {
        /* Keep the .partial useful if the process dies: flush every few seconds. */
        execution->last_flush = now;
        if (h5out_flush(execution->out) != 0) fail(execution, h5out_error(execution->out));
    }
}

void runner_results_keep(struct runner_results *results, int variant, int replicate,
                         const struct sim_result *result) {
    double *item = (double *)runner_results_item(results, variant, replicate);
    for (int m = 0; m < METRIC_COUNT; m++)
        for (int s = 0; s < results->n_states; s++)
            item[(size_t)m * (size_t)results->n_states + (size_t)s] =
                sim_result_total(result, m, s);
    double *type_harm =
        results->type_harm + ((size_t)variant * (size_t)results->replicates + (size_t)replicate) *
                                 (size_t)results->n_types;
    for (int k = 0; k < results->n_types; k++) {
        double sum = 0.0;
        for (int s = 0; s < results->n_states; s++)
            sum += result->by_type[((size_t)METRIC_HARM * (size_t)results->n_states + (size_t)s) *
                                       (size_t)results->n_types +
                                   (size_t)k];
        type_harm[k] = sum;
    }
}

static void work(struct execution *execution, int is_writer) {
    const struct plan *plan = execution->runner->plan;
    long total = execution->n_items;
    struct sim_workspace *workspace = NULL;
    int workspace_variant = -1;
    char message[512];
    /* This thread's options: the event callback writes into this thread's log. */
    struct event_log log = {0};
    struct sim_options sim_options = execution->sim_options;
    if (execution->options->keep_events) {
        sim_options.on_event = log_event;
        sim_options.event_ctx = &log;
    }
    while (!stopping(execution)) {
        long position = atomic_fetch_add(&execution->next_item, 1);
        if (position >= total) break;
        long item = execution->items[position];
        int variant = (int)(item / plan->replicates), replicate = (int)(item % plan->replicates);
        const struct world *world = execution->runner->worlds[variant];
        /* Wait until the slot's previous occupant (item - window) has been written. */
        while (position >= atomic_load(&execution->written) + execution->window &&
               !stopping(execution)) {
            if (is_writer)
                drain(execution);
            else
                pause_briefly();
        }
        if (stopping(execution)) break;
        if (workspace_variant != variant) {
            /* Each variant has its own world; a workspace is sized for one. */
            sim_free(workspace);
            workspace = sim_alloc(world, &sim_options, message, sizeof message);
            workspace_variant = workspace ? variant : -1;
            if (!workspace) {
                fail(execution, message);
                break;
            }
        }
        struct slot *slot = &execution->slots[position % execution->window];
        if (slot->variant != variant) {
            sim_result_free(slot->result);
            slot->result = sim_result_alloc(world, &execution->sim_options);
            slot->variant = slot->result ? variant : -1;
            if (!slot->result) {
                fail(execution, "out of memory allocating a result");
                break;
            }
        }
        sim_result_clear(slot->result);
        log.count = 0;
        int ran = sim_run(workspace, world, replicate, slot->result, message, sizeof message);
        if (ran == SIM_STOPPED) break; /* stopped inside the item: it is redone on resume */
        if (ran != 0) {
            char full[700];
            snprintf(full, sizeof full, "variant %s, replicate %d: %s",
                     plan->variants[variant].label, replicate, message);
            fail(execution, full);
            break;
        }
        if (log.out_of_memory) {
            fail(execution, "out of memory for the event log");
            break;
        }
        if (execution->results && !(execution->hooks && execution->hooks->on_result))
            runner_results_keep(execution->results, variant, replicate, slot->result);
        if (slot->encoded &&
            h5out_encode_replicate(slot->encoded, slot->result, execution->options->keep_series,
                                   execution->options->keep_trust) != 0) {
            /* Compressing here, on the worker, leaves the one writer only the storing. */
            fail(execution, "out of memory compressing a replicate's per-tick series");
            break;
        }
        if (execution->options->keep_events) {
            /* Hand the log to the slot; take the slot's empty buffer in exchange. */
            struct event_log spare = slot->events;
            slot->events = log;
            log = spare;
            log.count = 0;
        }
        atomic_store(&slot->ready, position + 1);
        if (is_writer) drain(execution);
    }
    sim_free(workspace);
    free(log.events);
}

int runner_results_alloc(const struct runner *runner, struct runner_results *results, char *err,
                         size_t errlen) {
    const struct plan *plan = runner->plan;
    memset(results, 0, sizeof *results);
    if (plan->n_variants < 1 || plan->replicates < 1) {
        snprintf(err, errlen, "nothing to run: %d variants x %d replicates", plan->n_variants,
                 plan->replicates);
        return -1;
    }
    const struct world *first = runner->worlds[0];
    results->n_variants = plan->n_variants;
    results->replicates = plan->replicates;
    results->n_states = first->n_states;
    results->n_types = first->n_types;
    results->items_total = plan_item_count(plan);
    size_t items = (size_t)results->items_total;
    results->totals = calloc(items * METRIC_COUNT * (size_t)first->n_states, sizeof(double));
    results->type_harm =
        calloc(items * (size_t)(first->n_types > 0 ? first->n_types : 1), sizeof(double));
    if (!results->totals || !results->type_harm) {
        runner_results_free(results);
        snprintf(err, errlen, "out of memory for %ld work items", plan_item_count(plan));
        return -1;
    }
    return 0;
}

int runner_results_restore(struct runner_results *results, const char *partial_path,
                           unsigned char *done, char *err, size_t errlen) {
    struct h5in *in = h5in_open(partial_path, err, errlen);
    if (!in) return -1;
    size_t R = (size_t)results->replicates, S = (size_t)results->n_states;
    size_t K = (size_t)results->n_types;
    double *harm_by_type = malloc(R * (S * K > 0 ? S * K : 1) * sizeof *harm_by_type);
    int status = harm_by_type ? 0 : -1;
    if (status) snprintf(err, errlen, "out of memory");
    for (int v = 0; v < results->n_variants && status == 0; v++) {
        unsigned char *written = done + (size_t)v * R;
        double *totals = (double *)runner_results_item(results, v, 0);
        status = h5in_variant_figures(in, v, results->replicates, results->n_states,
                                      results->n_types, written, totals, harm_by_type, err, errlen);
        for (size_t r = 0; status == 0 && r < R; r++) {
            if (!written[r]) continue;
            /* Summed over states in index order, as runner_results_keep() does, so the
             * statistics are the same bits as an uninterrupted run's. */
            double *type_harm = results->type_harm + ((size_t)v * R + r) * K;
            for (size_t k = 0; k < K; k++) {
                double sum = 0.0;
                for (size_t s = 0; s < S; s++) sum += harm_by_type[(r * S + s) * K + k];
                type_harm[k] = sum;
            }
            results->items_written++;
        }
    }
    free(harm_by_type);
    h5in_close(in);
    return status;
}

int runner_execute(struct runner *runner, const struct runner_options *options, struct h5out *out,
                   struct runner_results *results, char *err, size_t errlen) {
    if (runner_results_alloc(runner, results, err, errlen) != 0) return -1;
    long *items = malloc((size_t)results->items_total * sizeof *items);
    if (!items) {
        runner_results_free(results);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (long i = 0; i < results->items_total; i++) items[i] = i;
    int status = runner_execute_items(runner, options, items, results->items_total, out, results,
                                      NULL, err, errlen);
    free(items);
    return status;
}

/* Slots of the reorder buffer. Without output 4 per thread are plenty. With output the writer
 * (thread 0, also a worker) stores blocks of replicates in bursts; the other threads run ahead
 * meanwhile as far as the window lets them, so it is as large as ~64 MiB of results allows
 * (event logs have no size known in advance: with --events the window stays small). */
static long slot_window(const struct runner *runner, const struct runner_options *options,
                        int outer, int writing) {
    long window = 4L * outer;
    if (!writing || outer < 2 || options->keep_events) return window;
    const struct world *world = runner->worlds[0];
    size_t S = (size_t)world->n_states, T = (size_t)world->ticks;
    size_t bytes = (size_t)METRIC_COUNT * S * ((size_t)world->n_types + 1) * sizeof(double) +
                   4 * (size_t)world->n_regions * sizeof(double) + 4096;
    size_t per_tick = 0;
    if (options->keep_series) per_tick += (size_t)METRIC_COUNT * T * S * sizeof(double);
    if (options->keep_trust) per_tick += T * S * S * sizeof(float);
    /* The result's per-tick arrays, and their encoding's buffers (about twice as much). */
    bytes += 3 * per_tick;
    long fits = (long)(((size_t)64 << 20) / bytes);
    long most = 64L * outer;
    if (fits > most) fits = most;
    return fits > window ? fits : window;
}

int runner_execute_items(struct runner *runner, const struct runner_options *options,
                         const long *items, long n_items, struct h5out *out,
                         struct runner_results *results, const struct runner_hooks *hooks,
                         char *err, size_t errlen) {
    const struct plan *plan = runner->plan;
    int hooked = hooks && hooks->on_result;
    if (!hooked && !results) {
        snprintf(err, errlen, "no results to keep the items in");
        return -1;
    }
    if (n_items <= 0) return 0;
    for (long i = 0; i < n_items; i++)
        if (items[i] < 0 || items[i] >= plan_item_count(plan)) {
            snprintf(err, errlen, "work item %ld is not in the plan (%ld items)", items[i],
                     plan_item_count(plan));
            return -1;
        }

    int threads = options->threads > 0 ? options->threads : omp_get_num_procs();
    /* Fewer items than threads (a large single run): the spare threads work inside each
     * replicate, splitting its threats; the model keeps the bits the same either way. */
    int outer = threads, inner = 1;
    if ((long)threads > n_items) {
        outer = (int)n_items;
        inner = threads / outer;
    }

    struct execution execution = {
        .runner = runner,
        .options = options,
        .sim_options = {.keep_series = options->keep_series,
                        .keep_trust = options->keep_trust,
                        .threads = inner,
                        .stop = options->stop},
        .out = hooked ? NULL : out,
        .results = hooked ? NULL : results,
        .hooks = hooks,
        .items = items,
        .n_items = n_items,
        .replicates = plan->replicates,
        .progress_base = hooked ? 0 : results->items_written,
        .progress_total = hooked ? n_items : results->items_total,
        .window = slot_window(runner, options, outer, !hooked && out),
        .err = err,
        .errlen = errlen,
        .progress = {.stream = options->progress_stream ? options->progress_stream : stderr,
                     .enabled = options->progress},
    };
    atomic_init(&execution.next_item, 0);
    atomic_init(&execution.written, 0);
    atomic_init(&execution.failed, 0);
    atomic_init(&execution.workers_left, outer - 1);
    execution.slots = calloc((size_t)execution.window, sizeof *execution.slots);
    if (!execution.slots) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int encode = !hooked && out && (options->keep_series || options->keep_trust);
    for (long i = 0; i < execution.window; i++) {
        execution.slots[i].variant = -1;
        atomic_init(&execution.slots[i].ready, 0);
        if (encode && !(execution.slots[i].encoded = h5out_encoded_alloc())) {
            for (long j = 0; j < i; j++) h5out_encoded_free(execution.slots[j].encoded);
            free(execution.slots);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    double start = now_seconds();
    execution.progress.start = execution.last_flush = start;

    if (outer == 1) {
        /* No team of our own: the model's parallel regions inside the replicate are then
         * top-level and reuse OpenMP's thread pool (nested teams cost ~10x more per tick). */
        work(&execution, 1);
        drain(&execution);
    } else {
        /* Two items on four threads: each item's thread opens its own team of two. */
        if (inner > 1) omp_set_max_active_levels(2);
#pragma omp parallel num_threads(outer)
        {
            int is_writer = omp_get_thread_num() == 0;
            work(&execution, is_writer);
            if (is_writer) {
                /* The writer keeps draining until every other thread has finished its items. */
                while (atomic_load(&execution.workers_left) > 0) {
                    drain(&execution);
                    pause_briefly();
                }
                drain(&execution);
            } else {
                atomic_fetch_sub(&execution.workers_left, 1);
            }
        }
    }

    long written = atomic_load(&execution.written);
    if (!hooked) {
        results->items_written += written;
        results->seconds += now_seconds() - start;
    }
    progress_draw(&execution.progress, execution.progress_base + written, execution.progress_total,
                  1);
    for (long i = 0; i < execution.window; i++) {
        sim_result_free(execution.slots[i].result);
        h5out_encoded_free(execution.slots[i].encoded);
        free(execution.slots[i].events.events);
    }
    free(execution.slots);
    if (atomic_load(&execution.failed)) return -1;
    if (written < n_items) {
        if (!hooked) results->interrupted = 1;
        return 1;
    }
    return 0;
}
