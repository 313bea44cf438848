/* run_options.c — common options and the shared life cycle of run, sweep, measures, coalitions:
 * parse, load, plan, run on threads, write, summarise, print, exit code. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../io/outlock.h"
#include "../run/dist.h"
#include "../util/memory.h"
#include "../util/names.h"
#include "cli.h"
#include "run_options.h"
#include "run_output.h"

static volatile sig_atomic_t stop_requested = 0;

static void on_stop_signal(int signal_number) {
    (void)signal_number;
    stop_requested = 1;
}

static void install_stop_handlers(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    /* One-shot: a second Ctrl-C falls back to the default and ends the process at once. */
    action.sa_flags = (int)SA_RESETHAND;
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
}

void run_options_help(FILE *stream, int series_by_default) {
    fprintf(stream,
            "Common options:\n"
            "  -r, --replicates N   replicates per variant (default: run.replicates of the "
            "scenario)\n"
            "  -s, --seed SEED      base seed (sets run.seed); every variant uses the same seed\n"
            "                       and replicate indices (common random numbers)\n"
            "  -t, --threads N      OpenMP threads (default: every core); output is identical\n"
            "                       for any N\n"
            "      --set PATH=VALUE override a scenario value (repeatable), e.g.\n"
            "                       --set run.ticks=90 --set states.TJK.detect.military=0.3\n"
            "  -o, --output OUT.h5  write the HDF5 output (docs/output-format.md); without -o\n"
            "                       no file is written, only the printed summary\n"
            "      --force          overwrite an existing OUT.h5 (and an interrupted run's\n"
            "                       .partial and .journal); never a running process's output\n"
            "      --resume OUT.h5.partial\n"
            "                       continue an interrupted or killed run: the same command,\n"
            "                       scenario, --set, seed and replicates; finished items are\n"
            "                       kept (rebuilt from OUT.h5.journal)\n"
            "  -q, --quiet          no progress bar (it is drawn only when stderr is a terminal)\n"
            "      --series         keep per-tick series in the file%s\n"
            "      --no-series      drop per-tick series from the file%s\n"
            "      --events         also write the event log, one row per event (needs -o)\n"
            "      --max-memory B   refuse a scenario whose replicate workspaces (one per\n"
            "                       thread) need more than B bytes (suffixes K, M, G, T;\n"
            "                       default: half of physical memory; 0 = no limit)\n"
            "  -h, --help           this help\n",
            series_by_default ? "" : " (default: off)",
            series_by_default ? " (default: kept)" : "");
    fprintf(stream,
            "\nExit codes: 0 success; 1 runtime failure (I/O, memory, a failed run); 2 usage or\n"
            "scenario error; 130 interrupted by SIGINT/SIGTERM (completed work items are kept in\n"
            "OUT.h5.partial with complete=0; continue with --resume).\n"
            "Under mpirun, work items are spread over the ranks (docs/cluster.md).\n");
}

static int parse_int(const char *text, long low, long high, long *value) {
    char *end;
    errno = 0;
    long parsed = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || parsed < low || parsed > high) return -1;
    *value = parsed;
    return 0;
}

/* Match option `name` (short or long) with its value either attached ("--set=X") or next. */
static int take_value(int argc, char **argv, int *i, const char *short_name, const char *long_name,
                      const char **value, int *missing) {
    const char *arg = argv[*i];
    size_t long_length = strlen(long_name);
    if ((short_name && strcmp(arg, short_name) == 0) || strcmp(arg, long_name) == 0) {
        if (*i + 1 >= argc) {
            *missing = 1;
            return 1;
        }
        *value = argv[++*i];
        return 1;
    }
    if (strncmp(arg, long_name, long_length) == 0 && arg[long_length] == '=') {
        *value = arg + long_length + 1;
        return 1;
    }
    return 0;
}

enum { RUN_FEW_REPLICATES = 30 }; /* as analysis/c5analysis/findings.py FEW_REPLICATES */

/* An option no branch of parse_options took: a sweep option outside `sweep` points there; a
 * typo gets the closest known option ("--event": did you mean '--events'?). */
static int unknown_option(const struct run_command *command, const char *arg) {
    static const char *const common[] = {
        "--replicates", "--seed",  "--threads",   "--set",    "--output",    "--resume",
        "--max-memory", "--force", "--quiet",     "--series", "--no-series", "--events",
        "--help",       "--vary",  "--reference", "--lhs",    "--range"};
    enum { N_COMMON = sizeof common / sizeof common[0], N_SWEEP = 4 };
    char bare[64];
    size_t length = strcspn(arg, "=");
    if (length >= sizeof bare) length = sizeof bare - 1;
    memcpy(bare, arg, length);
    bare[length] = '\0';
    if (!command->accepts_sweep_options) {
        for (int i = N_COMMON - N_SWEEP; i < N_COMMON; i++)
            if (strcmp(bare, common[i]) == 0)
                return cli_usage_error(command->name,
                                       "%s is an option of 'sweep', which runs one variant per "
                                       "value: c5sim sweep SCENARIO %s PATH=... (see c5sim sweep "
                                       "--help)",
                                       bare,
                                       strcmp(bare, "--range") == 0 ? "--lhs N --range" : bare);
    }
    int known = command->accepts_sweep_options ? N_COMMON : N_COMMON - N_SWEEP;
    const char *guess = closest_name(bare, common, known);
    if (guess)
        return cli_usage_error(command->name, "unknown option '%s' (did you mean '%s'?)", arg,
                               guess);
    return cli_usage_error(command->name, "unknown option '%s'", arg);
}

static int parse_options(const struct run_command *command, int argc, char **argv,
                         struct run_options *options) {
    memset(options, 0, sizeof *options);
    options->max_memory = memory_default_limit();
    options->series = -1;
    const char *name = command->name;
    int only_positional = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value = NULL;
        int missing = 0;
        long number;
        if (only_positional || arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (options->scenario_path)
                return cli_usage_error(name, "one scenario file expected, got '%s' and '%s'",
                                       options->scenario_path, arg);
            options->scenario_path = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_positional = 1;
        } else if (take_value(argc, argv, &i, "-r", "--replicates", &value, &missing)) {
            if (missing) return cli_usage_error(name, "%s needs a number", arg);
            if (parse_int(value, 1, 100000000, &number) != 0)
                return cli_usage_error(name, "replicates: '%s' is not a count >= 1", value);
            options->replicates = (int)number;
        } else if (take_value(argc, argv, &i, "-s", "--seed", &value, &missing)) {
            if (missing) return cli_usage_error(name, "%s needs a number", arg);
            options->seed = value;
        } else if (take_value(argc, argv, &i, "-t", "--threads", &value, &missing)) {
            if (missing) return cli_usage_error(name, "%s needs a number", arg);
            if (parse_int(value, 1, 4096, &number) != 0)
                return cli_usage_error(name, "threads: '%s' is not a count in 1..4096", value);
            options->threads = (int)number;
        } else if (take_value(argc, argv, &i, NULL, "--set", &value, &missing)) {
            if (missing) return cli_usage_error(name, "--set needs PATH=VALUE");
            if (options->n_sets == RUN_OPTIONS_MAX_LIST)
                return cli_usage_error(name, "more than %d --set options", RUN_OPTIONS_MAX_LIST);
            options->sets[options->n_sets++] = value;
        } else if (take_value(argc, argv, &i, "-o", "--output", &value, &missing)) {
            if (missing) return cli_usage_error(name, "%s needs a file name", arg);
            options->output = value;
        } else if (take_value(argc, argv, &i, NULL, "--resume", &value, &missing)) {
            if (missing) return cli_usage_error(name, "--resume needs OUT.h5.partial");
            options->resume = value;
        } else if (take_value(argc, argv, &i, NULL, "--max-memory", &value, &missing)) {
            if (missing) return cli_usage_error(name, "--max-memory needs a size");
            if (memory_parse_size(value, &options->max_memory) != 0)
                return cli_usage_error(name, "--max-memory: '%s' is not a size such as 2G", value);
        } else if (command->accepts_sweep_options &&
                   take_value(argc, argv, &i, NULL, "--vary", &value, &missing)) {
            if (missing) return cli_usage_error(name, "--vary needs PATH=A:B:STEP or PATH=V1,V2");
            if (options->n_varies == RUN_OPTIONS_MAX_LIST)
                return cli_usage_error(name, "more than %d --vary options", RUN_OPTIONS_MAX_LIST);
            options->varies[options->n_varies++] = value;
        } else if (command->accepts_sweep_options &&
                   take_value(argc, argv, &i, NULL, "--reference", &value, &missing)) {
            if (missing) return cli_usage_error(name, "--reference needs a variant label");
            options->reference = value;
        } else if (strcmp(arg, "--force") == 0) {
            options->force = 1;
        } else if (strcmp(arg, "-q") == 0 || strcmp(arg, "--quiet") == 0) {
            options->quiet = 1;
        } else if (strcmp(arg, "--series") == 0) {
            options->series = 1;
        } else if (strcmp(arg, "--no-series") == 0) {
            options->series = 0;
        } else if (strcmp(arg, "--events") == 0) {
            options->events = 1;
        } else {
            return unknown_option(command, arg);
        }
    }
    if (!options->scenario_path) return cli_usage_error(name, "no scenario file given");
    if (options->resume) {
        /* The output is the .partial's final name; an -o must agree with it. */
        static char derived[PATH_MAX];
        size_t length = strlen(options->resume), suffix = strlen(".partial");
        if (length <= suffix || strcmp(options->resume + length - suffix, ".partial") != 0)
            return cli_usage_error(name, "--resume expects OUT.h5.partial, got '%s'",
                                   options->resume);
        if (length - suffix >= sizeof derived)
            return cli_usage_error(name, "--resume: path too long");
        snprintf(derived, sizeof derived, "%.*s", (int)(length - suffix), options->resume);
        if (options->output && strcmp(options->output, derived) != 0)
            return cli_usage_error(name, "-o %s does not match --resume %s (it continues %s)",
                                   options->output, options->resume, derived);
        options->output = derived;
    }
    if (options->series < 0) options->series = command->series_by_default;
    return 0;
}

char *run_options_command_line(int argc, char **argv) {
    size_t size = 16;
    for (int i = 0; i < argc; i++) size += 4 * strlen(argv[i]) + 3;
    char *line = malloc(size);
    if (!line) return NULL;
    size_t used = (size_t)snprintf(line, size, "c5sim");
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        int plain = arg[0] != '\0' && strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRST"
                                                  "UVWXYZ0123456789-_./=:,+@%") == strlen(arg);
        line[used++] = ' ';
        if (plain) {
            used += (size_t)sprintf(line + used, "%s", arg);
            continue;
        }
        line[used++] = '\'';
        for (const char *c = arg; *c; c++) {
            if (*c == '\'')
                used += (size_t)sprintf(line + used, "'\\''");
            else
                line[used++] = *c;
        }
        line[used++] = '\'';
        line[used] = '\0';
    }
    return line;
}

/* Base = file + -s + --set, validated once (each variant applies its own overrides on top). */
static struct scenario *load_base(const struct run_options *options, const char *name,
                                  struct scenario **file_scenario) {
    struct scenario_errors errors = {0};
    *file_scenario = scenario_load_file(options->scenario_path, &errors);
    if (!*file_scenario) {
        scenario_errors_print(&errors, stderr);
        scenario_errors_clear(&errors);
        return NULL;
    }
    int count = options->n_sets + (options->seed ? 1 : 0);
    struct scenario_override *overrides =
        calloc((size_t)(count > 0 ? count : 1), sizeof *overrides);
    int parsed = 0, status = overrides ? 0 : -1;
    if (options->seed && status == 0) {
        char text[128];
        snprintf(text, sizeof text, "run.seed=%s", options->seed);
        status = scenario_override_parse(text, "-s", &overrides[parsed], &errors);
        if (status == 0) parsed++;
    }
    for (int i = 0; status == 0 && i < options->n_sets; i++) {
        status = scenario_override_parse(options->sets[i], "--set", &overrides[parsed], &errors);
        if (status == 0) parsed++;
    }
    struct scenario *base = NULL;
    if (status == 0) base = scenario_with_overrides(*file_scenario, overrides, parsed, &errors);
    if (!base) {
        if (!overrides) fprintf(stderr, "c5sim %s: error: out of memory\n", name);
        scenario_errors_print(&errors, stderr);
    }
    for (int i = 0; i < parsed; i++) scenario_override_free(&overrides[i]);
    free(overrides);
    scenario_errors_clear(&errors);
    return base;
}

/* How to continue: the command line without -o, --force and --resume, plus --resume. */
static void print_resume_hint(int argc, char **argv, const char *partial) {
    const char *program = cli_program;
    int plain_program = strspn(program, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789-_./=:,+@%") == strlen(program);
    fprintf(stderr, plain_program ? "To continue it: %s" : "To continue it: '%s'", program);
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--force") == 0) continue;
        if (strcmp(arg, "-o") == 0 || strcmp(arg, "--output") == 0 ||
            strcmp(arg, "--resume") == 0) {
            i++;
            continue;
        }
        if (strncmp(arg, "--output=", 9) == 0 || strncmp(arg, "--resume=", 9) == 0) continue;
        int plain = arg[0] != '\0' && strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRST"
                                                  "UVWXYZ0123456789-_./=:,+@%") == strlen(arg);
        fprintf(stderr, plain ? " %s" : " '%s'", arg);
    }
    fprintf(stderr, " --resume %s\n", partial);
}

static int run_command_body(const struct run_command *command, int argc, char **argv);

int run_command_main(const struct run_command *command, int argc, char **argv) {
    const char *name = command->name;
    char start_error[256] = "";
    if (dist_start(&argc, &argv, start_error, sizeof start_error) != 0) {
        fprintf(stderr, "c5sim %s: error: %s\n", name, start_error);
        dist_finish();
        return EXIT_RUNTIME;
    }
    if (dist_rank() != 0) {
        /* Every rank does the same checks; only rank 0 speaks (it also reports other ranks'
         * failures, which they send it). */
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) {
            /* Nothing to do: the rank then prints as rank 0 does. */
        }
    }
    int code = run_command_body(command, argc, argv);
    dist_finish();
    return code;
}

static int run_command_body(const struct run_command *command, int argc, char **argv) {
    const char *name = command->name;
    struct run_options options;
    int code = parse_options(command, argc, argv, &options);
    if (code != 0) return code;
    /* From here on a SIGINT/SIGTERM only sets the flag: loading and opening are quick, and the
     * runner stops at the next item boundary, keeping what is done. */
    install_stop_handlers();
    if (options.events && !options.output)
        return cli_usage_error(name, "--events needs -o OUT.h5 (the log goes to the file)");

    struct scenario *file_scenario = NULL;
    struct scenario *base = load_base(&options, name, &file_scenario);
    if (!base) {
        scenario_free(file_scenario);
        return EXIT_USAGE;
    }
    struct scenario_errors errors = {0};
    struct world *base_world = scenario_compile(base, options.max_memory, &errors);
    if (!base_world) {
        scenario_errors_print(&errors, stderr);
        scenario_errors_clear(&errors);
        scenario_free(base);
        scenario_free(file_scenario);
        return EXIT_USAGE;
    }
    int replicates = options.replicates > 0 ? options.replicates : base_world->replicates;
    struct run_session session = {
        .command = name,
        .options = &options,
        .base = base,
        .base_world = base_world,
        .plan = plan_alloc(replicates),
    };
    struct runner *runner = NULL;
    long *todo = NULL, n_todo = 0;
    char err[1024] = "";
    char *command_line = run_options_command_line(argc, argv);
    if (!session.plan || !command_line) {
        fprintf(stderr, "c5sim %s: error: out of memory\n", name);
        code = EXIT_RUNTIME;
        goto done;
    }
    code = command->build_plan(&session);
    if (code != 0) goto done;

    runner = runner_alloc_threads(base, session.plan, options.max_memory, options.threads, &errors);
    if (!runner) {
        scenario_errors_print(&errors, stderr);
        scenario_errors_clear(&errors);
        code = EXIT_USAGE;
        goto done;
    }
    struct runner_options run_options = {
        .threads = options.threads,
        .keep_series = options.series,
        .keep_trust = options.series,
        .keep_events = options.events,
        .max_memory = options.max_memory,
        .progress = !options.quiet && isatty(STDERR_FILENO) && dist_size() == 1,
        .progress_stream = stderr,
        .stop = &stop_requested,
    };
    /* N threads hold N workspaces at once: the limit must cover them all, not one. */
    int workspaces = runner_workspaces(&run_options, plan_item_count(session.plan));
    int heaviest = 0;
    size_t each = runner_workspace_bytes(runner, &heaviest);
    if (options.max_memory > 0 && workspaces > 1 &&
        each * (size_t)workspaces > options.max_memory) {
        char one[32], all[32], limit[32];
        memory_format_size(each, one, sizeof one);
        memory_format_size(each * (size_t)workspaces, all, sizeof all);
        memory_format_size(options.max_memory, limit, sizeof limit);
        fprintf(stderr,
                "c5sim %s: error: %d threads run %d replicates at once, each with a workspace of "
                "about %s (variant %s): %s in all, above the memory limit of %s (use fewer "
                "threads with -t, or a larger --max-memory)\n",
                name, workspaces, workspaces, one, session.plan->variants[heaviest].label, all,
                limit);
        code = EXIT_USAGE;
        goto done;
    }
    /* Testing only (tests/dist): behave as if interrupted once this many items are written. */
    const char *stop_after = getenv("C5SIM_TEST_STOP_AFTER");
    if (stop_after) run_options.stop_after_items = atol(stop_after);

    /* Only rank 0 touches the output; every rank learns whether it could. */
    if (dist_rank() == 0)
        code = run_output_prepare(&session, runner, file_scenario, command_line, &run_options,
                                  &todo, &n_todo);
    /* Rank 0 has said why it failed and exits with its code; the others exit 0, so that
     * mpirun passes rank 0's code on. */
    if (!dist_all_ok(code == 0)) goto done;

    int status = dist_execute(runner, &run_options, todo, n_todo, session.out, &session.results,
                              err, sizeof err);
    if (dist_rank() != 0) {
        /* Rank 0 reports, summarises and writes; this rank only says how it ended. */
        code = status < 0 ? EXIT_RUNTIME : status == 1 ? EXIT_INTERRUPTED : EXIT_OK;
        goto done;
    }
    if (status < 0) {
        fprintf(stderr, "c5sim %s: error: %s\n", name, err);
        /* What can be resumed is what the journal holds (the .partial may be damaged by the
         * failed write): say that, and how. */
        if (session.out && h5out_journal_items(session.out) > 0) {
            fprintf(stderr,
                    "c5sim %s: %ld of %ld work items are kept in %s and can be resumed (on a full "
                    "disk, free some space first)\n",
                    name, h5out_journal_items(session.out), session.results.items_total,
                    h5out_journal_path(session.out));
            print_resume_hint(command->hint_argv ? command->hint_argc : argc,
                              command->hint_argv ? command->hint_argv : argv,
                              h5out_partial_path(session.out));
        } else if (session.out) {
            fprintf(stderr, "c5sim %s: no work item was kept; start again with --force\n", name);
        }
        code = EXIT_RUNTIME;
        goto done;
    }
    if (status == 1) {
        fprintf(stderr, "c5sim %s: interrupted: %ld of %ld work items completed", name,
                session.results.items_written, session.results.items_total);
        if (session.out)
            fprintf(stderr, " and saved in %s (complete=0)", h5out_partial_path(session.out));
        fputc('\n', stderr);
        if (session.out)
            print_resume_hint(command->hint_argv ? command->hint_argc : argc,
                              command->hint_argv ? command->hint_argv : argv,
                              h5out_partial_path(session.out));
        code = EXIT_INTERRUPTED;
        goto done;
    }
    if (session.out && ensemble_write_summaries(session.out, session.plan, &session.results,
                                                base_world, err, sizeof err) != 0) {
        fprintf(stderr, "c5sim %s: error: %s\n", name, err);
        code = EXIT_RUNTIME;
        goto done;
    }
    code = command->report(&session);
    if (code == 0 && session.plan->replicates < RUN_FEW_REPLICATES && !options.quiet &&
        !command->few_replicates_ok)
        /* With a handful of replicates the t-intervals above are wide and symmetric, so harm
         * bounds can print below 0; say so rather than let them read as findings. */
        fprintf(stderr,
                "c5sim %s: warning: only %d replicate%s per variant: the 95%% intervals are "
                "rough (a bound below 0 means the data do not pin it down); use -r %d or more "
                "for figures to brief from\n",
                name, session.plan->replicates, session.plan->replicates == 1 ? "" : "s",
                RUN_FEW_REPLICATES);
    if (code == 0 && session.out) {
        struct h5out *out = session.out;
        session.out = NULL;
        if (h5out_finish(out, err, sizeof err) != 0) {
            fprintf(stderr, "c5sim %s: error: %s\n", name, err);
            code = EXIT_RUNTIME;
            goto done;
        }
        printf("\nWrote %s (%ld work items in %.1f s).\n", options.output,
               session.results.items_total, session.results.seconds);
    }

done:
    if (session.out) h5out_abort(session.out);
    outlock_release(session.lock);
    free(todo);
    runner_free(runner);
    runner_results_free(&session.results);
    plan_free(session.plan);
    free(command_line);
    world_free(base_world);
    scenario_free(base);
    scenario_free(file_scenario);
    return code;
}

int run_options_declared_ranges(const char *command, const struct scenario *scenario,
                                const char *file, const char *const *texts, int n_texts,
                                struct plan_range **ranges, int *n) {
    struct scenario_errors errors = {0};
    char err[512];
    int code =
        plan_declared_ranges(scenario, file, texts, n_texts, ranges, n, &errors, err, sizeof err);
    if (code == -1) code = cli_usage_error(command, "%s", err);
    if (code == -2) {
        scenario_errors_print(&errors, stderr);
        code = EXIT_USAGE;
    }
    scenario_errors_clear(&errors);
    return code;
}
