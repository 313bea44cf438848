/* run_output.c — the output of a command that runs: lock it, create it, or for --resume check
 * the .partial, rebuild it from its journal and reopen it; and list the items still to run. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../io/h5in.h"
#include "../io/outlock.h"
#include "../io/sha256.h"
#include "cli.h"
#include "run_output.h"

/* The --set overrides of the base, one per line, in order: stored in the file, so that --resume
 * can refuse a .partial made with other overrides. */
char *run_output_joined_overrides(const struct run_options *options) {
    size_t size = 1;
    for (int i = 0; i < options->n_sets; i++) size += strlen(options->sets[i]) + 1;
    char *text = malloc(size);
    if (!text) return NULL;
    text[0] = '\0';
    for (int i = 0; i < options->n_sets; i++) {
        if (i > 0) strcat(text, "\n");
        strcat(text, options->sets[i]);
    }
    return text;
}

/* --resume, before anything is read or reopened: the .partial must come from the same command,
 * seed, replicates, ticks, --set overrides and number of variants (h5out_resume() then checks
 * the scenario text, and each variant's label and overrides as it is reopened). Prints the
 * refusal, naming what differs; returns 0 or EXIT_USAGE. */
static int check_resume_provenance(const struct run_session *session) {
    const char *name = session->command, *path = session->options->resume;
    char err[1024] = "", command[64] = "", stored[8192] = "";
    unsigned long long seed = 0, replicates = 0, ticks = 0;
    struct h5in *in = h5in_open(path, err, sizeof err);
    int readable =
        in && h5in_attr_string(in, "/", "command", command, sizeof command, err, sizeof err) == 0 &&
        h5in_attr_u64(in, "/", "seed", &seed, err, sizeof err) == 0 &&
        h5in_attr_u64(in, "/", "replicates", &replicates, err, sizeof err) == 0 &&
        h5in_attr_u64(in, "/", "ticks", &ticks, err, sizeof err) == 0;
    int has_overrides = readable ? h5in_attr_string(in, "/", "set_overrides", stored, sizeof stored,
                                                    err, sizeof err)
                                 : -1;
    long variants = readable ? h5in_group_size(in, "/variants", err, sizeof err) : -1;
    h5in_close(in);
    if (!readable || has_overrides < 0 || variants < 0) {
        fprintf(stderr, "c5sim %s: error: cannot resume: %s\n", name,
                err[0] ? err : "not a c5sim output file");
        return EXIT_USAGE;
    }
    if (has_overrides == 1) {
        fprintf(stderr, "c5sim %s: error: cannot resume: %s does not record its --set overrides\n",
                name, path);
        return EXIT_USAGE;
    }
    char *wanted = run_output_joined_overrides(session->options);
    if (!wanted) {
        fprintf(stderr, "c5sim %s: error: out of memory\n", name);
        return EXIT_RUNTIME;
    }
    for (char *c = stored; *c; c++)
        if (*c == '\n') *c = ' ';
    for (char *c = wanted; *c; c++)
        if (*c == '\n') *c = ' ';
    char differs[9000] = "";
    if (strcmp(command, name) != 0)
        snprintf(differs, sizeof differs, "it was written by `c5sim %s`", command);
    else if (seed != session->base_world->seed)
        snprintf(differs, sizeof differs, "it was run with seed %llu, this command has %llu", seed,
                 (unsigned long long)session->base_world->seed);
    else if (strcmp(stored, wanted) != 0)
        snprintf(differs, sizeof differs,
                 "it was run with --set overrides [%s], this command has [%s]", stored, wanted);
    else if (replicates != (unsigned long long)session->plan->replicates)
        snprintf(differs, sizeof differs, "it has %llu replicates, this command %d", replicates,
                 session->plan->replicates);
    else if (ticks != (unsigned long long)session->base_world->ticks)
        snprintf(differs, sizeof differs, "it has %llu ticks, this command %d", ticks,
                 session->base_world->ticks);
    else if (variants != session->plan->n_variants)
        snprintf(differs, sizeof differs, "it has %ld variants, this command %d", variants,
                 session->plan->n_variants);
    free(wanted);
    if (differs[0]) {
        fprintf(stderr, "c5sim %s: error: cannot resume %s: %s\n", name, path, differs);
        return EXIT_USAGE;
    }
    return 0;
}

/* The text that names this run in its journal: everything a resumed run must share with it.
 * A line per item, so that a refusal can name the first that differs. Caller frees. */
static char *run_fingerprint(const struct run_session *session, const char *source,
                             size_t source_length, const struct runner_options *run_options) {
    const struct run_options *options = session->options;
    const struct plan *plan = session->plan;
    char hash[SHA256_HEX_CHARS];
    sha256_hex(source ? source : "", source ? source_length : 0, hash);
    char *overrides = run_output_joined_overrides(options);
    size_t size = 1024 + (overrides ? strlen(overrides) : 0);
    for (int v = 0; v < plan->n_variants; v++) {
        size += strlen(plan->variants[v].label) + 64;
        for (int o = 0; o < plan->variants[v].n_overrides; o++)
            size += strlen(plan->variants[v].override_texts[o]) + 1;
    }
    char *text = overrides ? malloc(size) : NULL;
    if (!text) {
        free(overrides);
        return NULL;
    }
    for (char *c = overrides; *c; c++)
        if (*c == '\n') *c = ' ';
    size_t used = (size_t)snprintf(
        text, size,
        "command %s\nseed %llu\n--set %s\nreplicates %d\nticks %d\nscenario sha256 %s\n"
        "series %d, trust %d, events %d\nvariants %d\n",
        session->command, (unsigned long long)session->base_world->seed, overrides,
        plan->replicates, session->base_world->ticks, hash, run_options->keep_series,
        run_options->keep_trust, run_options->keep_events, plan->n_variants);
    for (int v = 0; v < plan->n_variants; v++) {
        used += (size_t)snprintf(text + used, size - used, "variant %d %s:", v,
                                 plan->variants[v].label);
        for (int o = 0; o < plan->variants[v].n_overrides; o++)
            used += (size_t)snprintf(text + used, size - used, " %s",
                                     plan->variants[v].override_texts[o]);
        used += (size_t)snprintf(text + used, size - used, "\n");
    }
    free(overrides);
    return text;
}

/* A new output file at `path` (its .partial): provenance, --set overrides, /world and every
 * variant begun. Returns the writer, or NULL after printing why. */
static struct h5out *open_new(struct run_session *session, struct runner *runner, const char *path,
                              int force, const struct h5out_provenance *provenance,
                              const struct runner_options *run_options) {
    const char *name = session->command;
    char err[1024] = "";
    struct h5out *out = h5out_create(path, force, provenance, err, sizeof err);
    if (!out) {
        fprintf(stderr, "c5sim %s: error: %s\n", name, err);
        return NULL;
    }
    char *overrides = run_output_joined_overrides(session->options);
    if (!overrides || h5out_set_attr_string(out, "/", "set_overrides", overrides) != 0 ||
        h5out_write_world(out, session->base_world) != 0) {
        fprintf(stderr, "c5sim %s: error: %s\n", name,
                overrides ? h5out_error(out) : "out of memory");
        free(overrides);
        h5out_abort(out);
        return NULL;
    }
    free(overrides);
    if (runner_begin_output(runner, out, run_options, err, sizeof err) != 0) {
        fprintf(stderr, "c5sim %s: error: %s\n", name, err);
        h5out_abort(out);
        return NULL;
    }
    return out;
}

/* --resume with a journal: replay it into a new file beside the .partial, which then replaces
 * the .partial (renamed over it: the old one, perhaps damaged by a kill, stays until the new one
 * is whole). Returns 0 or an exit code after printing why. */
static int rebuild_partial(struct run_session *session, struct runner *runner, const char *journal,
                           const char *fingerprint, const struct h5out_provenance *provenance,
                           const struct runner_options *run_options,
                           struct h5out_journal_state *state) {
    const char *name = session->command, *output = session->options->output;
    char err[1024] = "", rebuild[PATH_MAX];
    struct stat info;
    if (stat(output, &info) == 0) {
        fprintf(stderr, "c5sim %s: error: cannot resume: %s exists: that run is already complete\n",
                name, output);
        return EXIT_USAGE;
    }
    if ((size_t)snprintf(rebuild, sizeof rebuild, "%s.rebuild", output) >= sizeof rebuild - 16) {
        fprintf(stderr, "c5sim %s: error: output path too long: %s\n", name, output);
        return EXIT_USAGE;
    }
    struct h5out *out = open_new(session, runner, rebuild, 1, provenance, run_options);
    if (!out) return EXIT_RUNTIME;
    if (h5out_journal_replay(out, journal, fingerprint, state, err, sizeof err) != 0) {
        fprintf(stderr, "c5sim %s: error: cannot resume from %s: %s\n", name, journal, err);
        char partial[PATH_MAX + 16];
        snprintf(partial, sizeof partial, "%s", h5out_partial_path(out));
        h5out_abort(out);
        unlink(partial);
        return EXIT_RUNTIME;
    }
    char built[PATH_MAX + 16];
    snprintf(built, sizeof built, "%s", h5out_partial_path(out));
    h5out_abort(out); /* flushed and closed with complete = 0: an interrupted run's file */
    if (rename(built, session->options->resume) != 0) {
        fprintf(stderr, "c5sim %s: error: cannot rename %s to %s: %s\n", name, built,
                session->options->resume, strerror(errno));
        unlink(built);
        return EXIT_RUNTIME;
    }
    return 0;
}

/* The checks of a resume against the .partial itself (provenance, scenario text, variants), for
 * their messages; nothing is written but the reopened file's `resumed` count, and the file is
 * closed again. 0 if it passes them all or cannot be read, else the exit code after printing
 * why. */
static int explain_refusal(struct run_session *session, struct runner *runner,
                           const struct h5out_provenance *provenance,
                           const struct runner_options *run_options) {
    const char *name = session->command;
    char err[1024] = "";
    struct h5in *probe = h5in_open(session->options->resume, err, sizeof err);
    if (!probe) return 0; /* missing or unreadable (a kill): the journal's words, then */
    h5in_close(probe);
    int code = check_resume_provenance(session);
    if (code != 0) return code;
    struct h5out *out = h5out_resume(session->options->resume, provenance, err, sizeof err);
    if (out && runner_begin_output(runner, out, run_options, err, sizeof err) == 0) {
        h5out_abort(out);
        return 0;
    }
    fprintf(stderr, "c5sim %s: error: cannot resume: %s\n", name, err);
    h5out_abort(out);
    return EXIT_USAGE;
}

int run_output_prepare(struct run_session *session, struct runner *runner,
                       struct scenario *file_scenario, const char *command_line,
                       const struct runner_options *run_options, long **todo, long *n_todo) {
    const struct run_options *options = session->options;
    const char *name = session->command;
    char err[1024] = "";
    if (runner_results_alloc(runner, &session->results, err, sizeof err) != 0) {
        fprintf(stderr, "c5sim %s: error: %s\n", name, err);
        return EXIT_RUNTIME;
    }
    long total = session->results.items_total;
    unsigned char *done = calloc((size_t)total, 1);
    *todo = malloc((size_t)total * sizeof **todo);
    size_t source_length = 0;
    const char *source = scenario_source(file_scenario, &source_length);
    char *fingerprint = run_fingerprint(session, source, source_length, run_options);
    if (!done || !*todo || !fingerprint) {
        free(done);
        free(fingerprint);
        fprintf(stderr, "c5sim %s: error: out of memory\n", name);
        return EXIT_RUNTIME;
    }
    struct h5out_provenance provenance = {
        .command = name,
        .command_line = command_line,
        .scenario_filename = scenario_filename(file_scenario),
        .scenario_source = source,
        .scenario_length = source_length,
        .seed = session->base_world->seed,
        .replicates = session->plan->replicates,
        .ticks = session->base_world->ticks,
    };
    int code = 0;
    char journal[PATH_MAX] = "";
    if (options->output) {
        /* One writer per output, before its files are read, removed or created: a second
         * process (with or without --force) is refused, naming the first. */
        char note[PATH_MAX + 128] = "";
        enum outlock_status locked =
            outlock_take(options->output, &session->lock, note, sizeof note, err, sizeof err);
        if (locked == OUTLOCK_BUSY || locked == OUTLOCK_FAILED) {
            fprintf(stderr, "c5sim %s: error: %s\n", name, err);
            code = EXIT_RUNTIME;
        }
        /* OUTLOCK_NO_FOLDER: the folder cannot take files; h5out_create() says why. */
        if (code == 0 && note[0]) fprintf(stderr, "c5sim %s: note: %s\n", name, note);
        if (h5out_journal_name(options->output, journal, sizeof journal) != 0) journal[0] = '\0';
    }
    struct h5out_journal_state journal_state = {0};
    struct stat info;
    int have_journal =
        options->resume && journal[0] && lstat(journal, &info) == 0 && S_ISREG(info.st_mode);
    if (code == 0 && options->resume) {
        if (!have_journal) {
            code = check_resume_provenance(session);
        } else if (h5out_journal_check(journal, fingerprint, err, sizeof err) == 0) {
            /* The journal is this run's: it alone says what is done, whatever the .partial
             * looks like after a kill. */
            code = rebuild_partial(session, runner, journal, fingerprint, &provenance, run_options,
                                   &journal_state);
        } else {
            /* Another run's: refuse, saying what differs in the .partial's own terms where it
             * can be read, else in the journal's. Nothing is changed. */
            code = explain_refusal(session, runner, &provenance, run_options);
            if (code == 0) fprintf(stderr, "c5sim %s: error: cannot resume: %s\n", name, err);
            code = EXIT_USAGE;
        }
        if (code == 0 && runner_results_restore(&session->results, options->resume, done, err,
                                                sizeof err) != 0) {
            fprintf(stderr, "c5sim %s: error: cannot resume: %s\n", name, err);
            code = EXIT_USAGE;
        }
    }
    if (code == 0 && options->output && !options->resume && !options->force && journal[0] &&
        lstat(journal, &info) == 0) {
        /* Checked before anything is created: a journal alone (its .partial lost) is a run
         * that can still be resumed. */
        fprintf(stderr,
                "c5sim %s: error: %s exists: an interrupted run left it; continue it with "
                "--resume %s.partial or start again with --force\n",
                name, journal, options->output);
        code = EXIT_RUNTIME;
    }
    if (code == 0 && options->output && !options->resume) {
        session->out =
            open_new(session, runner, options->output, options->force, &provenance, run_options);
        if (!session->out) code = EXIT_RUNTIME;
        if (session->out && h5out_journal_start(session->out, fingerprint, options->force) != 0) {
            fprintf(stderr, "c5sim %s: error: %s\n", name, h5out_error(session->out));
            code = EXIT_RUNTIME;
        }
    } else if (code == 0 && options->resume) {
        session->out = h5out_resume(options->resume, &provenance, err, sizeof err);
        if (!session->out) {
            fprintf(stderr, "c5sim %s: error: cannot resume: %s\n", name, err);
            code = EXIT_USAGE;
        } else if (h5out_write_world(session->out, session->base_world) != 0) {
            fprintf(stderr, "c5sim %s: error: %s\n", name, h5out_error(session->out));
            code = EXIT_RUNTIME;
        } else if (runner_begin_output(runner, session->out, run_options, err, sizeof err) != 0) {
            fprintf(stderr, "c5sim %s: error: cannot resume: %s\n", name, err);
            code = EXIT_USAGE;
        } else if (have_journal ? h5out_journal_continue(session->out, &journal_state)
                                : h5out_journal_start(session->out, fingerprint, 1)) {
            /* A .partial without a journal (an older c5sim's) gets one from here on. */
            fprintf(stderr, "c5sim %s: error: %s\n", name, h5out_error(session->out));
            code = EXIT_RUNTIME;
        }
    }
    free(fingerprint);
    /* What is left: every item not yet in the file. An item read back but not kept by the
     * writer (an event log is cut at its first gap) is run again and its figures replaced. */
    *n_todo = 0;
    int replicates = session->plan->replicates;
    for (long item = 0; code == 0 && item < total; item++) {
        int in_file = session->out && options->resume &&
                      h5out_variant_has_replicate(session->out, (int)(item / replicates),
                                                  (int)(item % replicates));
        if (in_file && !done[item]) {
            fprintf(stderr, "c5sim %s: error: cannot resume: item %ld is in %s but unreadable\n",
                    name, item, options->resume);
            code = EXIT_USAGE;
        }
        if (!in_file) (*todo)[(*n_todo)++] = item;
    }
    session->results.items_written = total - *n_todo;
    if (code == 0 && options->resume)
        fprintf(stderr, "c5sim %s: resuming %s: %ld of %ld work items already done\n", name,
                options->resume, session->results.items_written, total);
    free(done);
    return code;
}
