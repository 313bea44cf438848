/* cmd_equilibrium.c — `c5sim equilibrium`: the sharing game's pure-strategy equilibria, regional
 * optimum, price of anarchy, grim trigger and transfers (docs/model.md §16, docs/cli.md). */
#include <errno.h>
#include <stdint.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../io/outlock.h"
#include "../io/sha256.h"
#include "../run/dist.h"
#include "../util/memory.h"
#include "cli.h"
#include "equilibrium_cli.h"
#include "run_options.h"

static volatile sig_atomic_t stop_requested = 0;

static void on_stop(int signal_number) {
    (void)signal_number;
    stop_requested = 1;
}

struct eq_options {
    const char *scenario_path, *seed, *output, *resume, *levels, *policies, *domain;
    const char *sets[EQ_MAX_SETS];
    int n_sets, replicates, threads, force, quiet;
    size_t max_memory;
    struct equilibrium_config config;
};

void cmd_equilibrium_help(FILE *stream) {
    fprintf(
        stream,
        "usage: c5sim equilibrium SCENARIO [options]\n\n"
        "The sharing game: each state's strategy is its sharing level on a grid (policy\n"
        "`level` with that level, in every domain or in one), or a policy from a list; its\n"
        "payoff is its own mean loss (harm + costs) over the replicates. Every profile runs on\n"
        "the same seed and replicate indices, so every deviation is paired.\n\n"
        "Search: every profile when the grid has at most --exhaustive-limit profiles; else\n"
        "best-response iteration (each state in turn takes the strategy minimising its own\n"
        "mean loss, the others fixed) from all-lowest, all-highest, the scenario's own profile\n"
        "and --starts seeded random starts, plus coordinate descent on the regional loss from\n"
        "the first three. Each round's profiles run as one plan; no profile runs twice.\n\n"
        "A profile is an equilibrium when no unilateral deviation lowers the deviator's loss\n"
        "significantly: paired t-test per deviation, Holm over the N x (L-1) deviations at\n"
        "--alpha. Reported: the equilibria, the regional optimum (exact when exhaustive, else\n"
        "the best evaluated profile), the price of anarchy (worst equilibrium / optimum) with a\n"
        "bootstrap interval, whether grim trigger sustains the optimum, and the transfers that\n"
        "make it acceptable to every state (docs/model.md section 16).\n\n"
        "Game options:\n"
        "  --levels A:B:STEP | V1,V2,...  the sharing levels (default 0:1:0.1, 11 levels)\n"
        "  --policies P1,P2,...   strategies are policies instead (withhold, full, level,\n"
        "                         reciprocal, hub); no grim trigger\n"
        "  --domain D             the strategy applies in domain D only (the rest of the\n"
        "                         scenario's sharing is kept); no grim trigger\n"
        "  --starts K             seeded random best-response starts (default 3)\n"
        "  --exhaustive-limit N   evaluate every profile when L^N <= N (default 1500)\n"
        "  --max-passes N         a search that has not converged after N passes over the\n"
        "                         states stops (default 20)\n"
        "  --alpha A              family-wise level of the Holm rule (default 0.05)\n"
        "  --discount D           grim trigger's discount factor in [0, 1) (default 0.9)\n"
        "  --bootstrap B          bootstrap draws for intervals and label stability\n"
        "                         (default 200; 0 = none)\n\n"
        "Common options:\n"
        "  -r, --replicates N     replicates per profile, >= 2 (default: the scenario's)\n"
        "  -s, --seed SEED        base seed (run.seed)\n"
        "  -t, --threads N        OpenMP threads (default: every core); identical output\n"
        "      --set PATH=VALUE   override a scenario value (repeatable)\n"
        "  -o, --output OUT.h5    write /equilibrium (docs/output-format.md)\n"
        "      --force            overwrite OUT.h5, OUT.h5.partial and OUT.h5.journal\n"
        "      --resume OUT.h5.partial  continue an interrupted run (same command): the\n"
        "                         profiles in OUT.h5.journal are not run again\n"
        "  -q, --quiet            no progress (drawn only when stderr is a terminal)\n"
        "      --max-memory B     memory limit for the replicate workspaces\n"
        "  -h, --help             this help\n\n"
        "Exit codes: 0 success; 1 runtime failure; 2 usage or scenario error; 130 interrupted\n"
        "(evaluated profiles kept in OUT.h5.journal; continue with --resume).\n\n"
        "Examples:\n"
        "  c5sim equilibrium scenarios/c5-baseline.yaml -r 100 -t 2 -o eq.h5\n"
        "  c5sim equilibrium scenarios/c5-baseline.yaml --levels 0,0.5,1 --domain cyber\n");
}

static int parse_long(const char *text, long low, long high, long *value) {
    char *end;
    errno = 0;
    long parsed = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || parsed < low || parsed > high) return -1;
    *value = parsed;
    return 0;
}

static int parse_double(const char *text, double *value) {
    char *end;
    errno = 0;
    double parsed = strtod(text, &end);
    if (end == text || *end != '\0' || errno != 0 || !isfinite(parsed)) return -1;
    *value = parsed;
    return 0;
}

static int take(int argc, char **argv, int *i, const char *short_name, const char *long_name,
                const char **value, int *missing) {
    const char *arg = argv[*i];
    size_t length = strlen(long_name);
    if ((short_name && strcmp(arg, short_name) == 0) || strcmp(arg, long_name) == 0) {
        if (*i + 1 >= argc)
            *missing = 1;
        else
            *value = argv[++*i];
        return 1;
    }
    if (strncmp(arg, long_name, length) == 0 && arg[length] == '=') {
        *value = arg + length + 1;
        return 1;
    }
    return 0;
}

#define USAGE(...) cli_usage_error("equilibrium", __VA_ARGS__)

static int parse_options(int argc, char **argv, struct eq_options *o) {
    memset(o, 0, sizeof *o);
    o->max_memory = memory_default_limit();
    o->config = (struct equilibrium_config){.exhaustive_limit = 1500,
                                            .random_starts = 3,
                                            .max_passes = 20,
                                            .alpha = 0.05,
                                            .discount = 0.9,
                                            .bootstrap = 200,
                                            .batch_limit = 512};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v = NULL;
        int missing = 0;
        long number;
        double real;
        if (arg[0] != '-') {
            if (o->scenario_path)
                return USAGE("one scenario file expected, got '%s' and '%s'", o->scenario_path,
                             arg);
            o->scenario_path = arg;
        } else if (take(argc, argv, &i, "-r", "--replicates", &v, &missing)) {
            if (missing || parse_long(v, 2, 100000000, &number) != 0)
                return USAGE("--replicates needs a count >= 2 (paired intervals)");
            o->replicates = (int)number;
        } else if (take(argc, argv, &i, "-s", "--seed", &v, &missing)) {
            if (missing) return USAGE("--seed needs a number");
            o->seed = v;
        } else if (take(argc, argv, &i, "-t", "--threads", &v, &missing)) {
            if (missing || parse_long(v, 1, 4096, &number) != 0)
                return USAGE("--threads needs a count in 1..4096");
            o->threads = (int)number;
        } else if (take(argc, argv, &i, NULL, "--set", &v, &missing)) {
            if (missing) return USAGE("--set needs PATH=VALUE");
            if (o->n_sets == EQ_MAX_SETS) return USAGE("more than %d --set options", EQ_MAX_SETS);
            o->sets[o->n_sets++] = v;
        } else if (take(argc, argv, &i, "-o", "--output", &v, &missing)) {
            if (missing) return USAGE("%s needs a file name", arg);
            o->output = v;
        } else if (take(argc, argv, &i, NULL, "--resume", &v, &missing)) {
            if (missing) return USAGE("--resume needs OUT.h5.partial");
            o->resume = v;
        } else if (take(argc, argv, &i, NULL, "--max-memory", &v, &missing)) {
            if (missing || memory_parse_size(v, &o->max_memory) != 0)
                return USAGE("--max-memory needs a size such as 2G");
        } else if (take(argc, argv, &i, NULL, "--levels", &v, &missing)) {
            if (missing) return USAGE("--levels needs A:B:STEP or V1,V2,...");
            o->levels = v;
        } else if (take(argc, argv, &i, NULL, "--policies", &v, &missing)) {
            if (missing) return USAGE("--policies needs P1,P2,...");
            o->policies = v;
        } else if (take(argc, argv, &i, NULL, "--domain", &v, &missing)) {
            if (missing) return USAGE("--domain needs a domain name");
            o->domain = v;
        } else if (take(argc, argv, &i, NULL, "--starts", &v, &missing)) {
            if (missing || parse_long(v, 0, 1000, &number) != 0)
                return USAGE("--starts needs a count in 0..1000");
            o->config.random_starts = (int)number;
        } else if (take(argc, argv, &i, NULL, "--exhaustive-limit", &v, &missing)) {
            if (missing || parse_long(v, 0, 100000000, &number) != 0)
                return USAGE("--exhaustive-limit needs a profile count in 0..100000000");
            o->config.exhaustive_limit = number;
        } else if (take(argc, argv, &i, NULL, "--max-passes", &v, &missing)) {
            if (missing || parse_long(v, 1, 10000, &number) != 0)
                return USAGE("--max-passes needs a count in 1..10000");
            o->config.max_passes = (int)number;
        } else if (take(argc, argv, &i, NULL, "--alpha", &v, &missing)) {
            if (missing || parse_double(v, &real) != 0 || !(real > 0 && real < 1))
                return USAGE("--alpha needs a level in (0, 1)");
            o->config.alpha = real;
        } else if (take(argc, argv, &i, NULL, "--discount", &v, &missing)) {
            if (missing || parse_double(v, &real) != 0 || !(real >= 0 && real < 1))
                return USAGE("--discount needs a factor in [0, 1)");
            o->config.discount = real;
        } else if (take(argc, argv, &i, NULL, "--bootstrap", &v, &missing)) {
            if (missing || parse_long(v, 0, 100000, &number) != 0)
                return USAGE("--bootstrap needs a count in 0..100000");
            o->config.bootstrap = (int)number;
        } else if (strcmp(arg, "--force") == 0) {
            o->force = 1;
        } else if (strcmp(arg, "-q") == 0 || strcmp(arg, "--quiet") == 0) {
            o->quiet = 1;
        } else {
            return USAGE("unknown option '%s'", arg);
        }
    }
    if (!o->scenario_path) return USAGE("no scenario file given");
    if (o->levels && o->policies) return USAGE("--levels and --policies exclude each other");
    if (o->resume) {
        static char derived[PATH_MAX];
        size_t length = strlen(o->resume), suffix = strlen(".partial");
        if (length <= suffix || strcmp(o->resume + length - suffix, ".partial") != 0 ||
            length - suffix >= sizeof derived)
            return USAGE("--resume expects OUT.h5.partial, got '%s'", o->resume);
        snprintf(derived, sizeof derived, "%.*s", (int)(length - suffix), o->resume);
        if (o->output && strcmp(o->output, derived) != 0)
            return USAGE("-o %s does not match --resume %s", o->output, o->resume);
        o->output = derived;
    }
    return 0;
}

/* The grid: --levels (plan_axis_parse's rounding) or --policies. */
static int build_game(const struct eq_options *o, const struct world *world, struct eq_game *game) {
    memset(game, 0, sizeof *game);
    game->n_states = world->n_states;
    if (world->n_states < 1 || world->n_states > EQUILIBRIUM_MAX_PLAYERS)
        return USAGE("the scenario has %d states; equilibrium supports 1 to %d", world->n_states,
                     EQUILIBRIUM_MAX_PLAYERS);
    for (int s = 0; s < world->n_states; s++) game->codes[s] = world->states[s].code;
    if (o->domain) {
        int found = 0;
        for (int d = 0; d < world->n_domains; d++)
            found |= strcmp(world->domain_names[d], o->domain) == 0;
        if (!found) return USAGE("--domain: '%s' is not a domain of the scenario", o->domain);
        game->domain = o->domain;
    }
    if (o->policies) {
        static const char *const known[] = {"withhold", "full", "level", "reciprocal", "hub"};
        game->by_policy = 1;
        char copy[1024];
        snprintf(copy, sizeof copy, "%s", o->policies);
        for (char *save = NULL, *name = strtok_r(copy, ",", &save); name;
             name = strtok_r(NULL, ",", &save)) {
            int ok = 0;
            for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
                ok |= strcmp(name, known[k]) == 0;
            if (!ok)
                return USAGE(
                    "--policies: '%s' is not one of withhold, full, level, reciprocal, hub", name);
            if (game->n_levels == EQUILIBRIUM_MAX_LEVELS) return USAGE("--policies: too many");
            snprintf(game->policies[game->n_levels], sizeof game->policies[0], "%s", name);
            snprintf(game->texts[game->n_levels], sizeof game->texts[0], "%s", name);
            game->n_levels++;
        }
    } else {
        char text[1100], err[512];
        snprintf(text, sizeof text, "level=%s", o->levels ? o->levels : "0:1:0.1");
        struct plan_axis axis;
        if (plan_axis_parse(text, &axis, err, sizeof err) != 0) return USAGE("--levels: %s", err);
        if (axis.n_values > EQUILIBRIUM_MAX_LEVELS) {
            plan_axis_free(&axis);
            return USAGE("--levels: at most %d levels", EQUILIBRIUM_MAX_LEVELS);
        }
        for (int b = 0; b < axis.n_values; b++) {
            double value;
            if (parse_double(axis.values[b], &value) != 0 || value < 0 || value > 1) {
                int code = USAGE("--levels: '%s' is not a sharing level in [0, 1]", axis.values[b]);
                plan_axis_free(&axis);
                return code;
            }
            for (int k = 0; k < b; k++)
                if (game->values[k] == value) {
                    plan_axis_free(&axis);
                    return USAGE("--levels: %g appears twice", value);
                }
            game->values[b] = value;
            snprintf(game->texts[b], sizeof game->texts[0], "%s", axis.values[b]);
        }
        game->n_levels = axis.n_values;
        plan_axis_free(&axis);
        /* ascending, so that "all-lowest" and "all-highest" starts mean what they say */
        for (int b = 1; b < game->n_levels; b++)
            for (int k = b; k > 0 && game->values[k] < game->values[k - 1]; k--) {
                double value = game->values[k];
                char text[sizeof game->texts[0]];
                memcpy(text, game->texts[k], sizeof text);
                game->values[k] = game->values[k - 1];
                memcpy(game->texts[k], game->texts[k - 1], sizeof text);
                game->values[k - 1] = value;
                memcpy(game->texts[k - 1], text, sizeof text);
            }
    }
    if (game->n_levels < 2) return USAGE("the grid needs at least 2 strategies");
    if (!equilibrium_grid_fits(game->n_states, game->n_levels))
        return USAGE("%d states x %d strategies: too many profiles to index", game->n_states,
                     game->n_levels);
    return 0;
}

/* The scenario's own profile on the grid: each state's rule in the game's domain (the first
 * domain when the game spans all): its policy if policies are the strategies, else the grid
 * level nearest to its level (withhold = 0, full and hub = 1). */
static void own_profile(const struct eq_game *game, const struct world *world, int *own) {
    int d = 0;
    for (int k = 0; game->domain && k < world->n_domains; k++)
        if (strcmp(world->domain_names[k], game->domain) == 0) d = k;
    static const char *const names[] = {"withhold",   "full",       "level",
                                        "agreements", "reciprocal", "hub"};
    for (int s = 0; s < game->n_states; s++) {
        const struct world_sharing *rule = &world->sharing[world_sd(world, s, d)];
        own[s] = 0;
        if (game->by_policy) {
            for (int b = 0; b < game->n_levels; b++)
                if (rule->policy >= 0 && rule->policy < 6 &&
                    strcmp(game->policies[b], names[rule->policy]) == 0)
                    own[s] = b;
            continue;
        }
        double target = rule->policy == POLICY_WITHHOLD                             ? 0.0
                        : rule->policy == POLICY_FULL || rule->policy == POLICY_HUB ? 1.0
                                                                                    : rule->level;
        for (int b = 1; b < game->n_levels; b++)
            if (fabs(game->values[b] - target) < fabs(game->values[own[s]] - target)) own[s] = b;
    }
}

static struct scenario *load_base(const struct eq_options *o, struct scenario **file) {
    struct scenario_errors errors = {0};
    *file = scenario_load_file(o->scenario_path, &errors);
    struct scenario *base = NULL;
    if (*file) {
        struct scenario_override overrides[EQ_MAX_SETS + 1];
        int parsed = 0, status = 0;
        if (o->seed) {
            char text[128];
            snprintf(text, sizeof text, "run.seed=%s", o->seed);
            status = scenario_override_parse(text, "-s", &overrides[parsed], &errors);
            parsed += status == 0;
        }
        for (int i = 0; status == 0 && i < o->n_sets; i++) {
            status = scenario_override_parse(o->sets[i], "--set", &overrides[parsed], &errors);
            parsed += status == 0;
        }
        if (status == 0) base = scenario_with_overrides(*file, overrides, parsed, &errors);
        for (int i = 0; i < parsed; i++) scenario_override_free(&overrides[i]);
    }
    if (!base) scenario_errors_print(&errors, stderr);
    scenario_errors_clear(&errors);
    return base;
}

/* Everything a resumed run must share with the interrupted one, a line each. */
static char *fingerprint_of(const struct eq_options *o, const struct eq_game *game,
                            const struct world *world, int replicates,
                            const struct scenario *file) {
    size_t length = 0;
    const char *source = scenario_source(file, &length);
    char hash[SHA256_HEX_CHARS];
    sha256_hex(source ? source : "", source ? length : 0, hash);
    size_t size = 4096;
    for (int i = 0; i < o->n_sets; i++) size += strlen(o->sets[i]) + 1;
    char *text = malloc(size);
    if (!text) return NULL;
    size_t used = (size_t)snprintf(
        text, size,
        "command equilibrium\nscenario sha256 %s\nseed %llu\nreplicates %d\nticks %d\n"
        "domain %s\nexhaustive-limit %ld\nstarts %d\nmax-passes %d\n--set",
        hash, (unsigned long long)world->seed, replicates, world->ticks,
        game->domain ? game->domain : "(all)", o->config.exhaustive_limit, o->config.random_starts,
        o->config.max_passes);
    for (int i = 0; i < o->n_sets; i++)
        used += (size_t)snprintf(text + used, size - used, " %s", o->sets[i]);
    used += (size_t)snprintf(text + used, size - used, "\nstrategies");
    for (int b = 0; b < game->n_levels; b++)
        used += (size_t)snprintf(text + used, size - used, " %s", game->texts[b]);
    snprintf(text + used, size - used, "\n");
    return text;
}

static void resume_hint(int argc, char **argv, const char *partial) {
    fprintf(stderr, "To continue it: %s", cli_program);
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--force") == 0) continue;
        if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0 ||
            strcmp(argv[i], "--resume") == 0) {
            i++;
            continue;
        }
        if (strncmp(argv[i], "--output=", 9) == 0 || strncmp(argv[i], "--resume=", 9) == 0)
            continue;
        int plain = argv[i][0] != '\0' &&
                    strspn(argv[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789-_./=:,+@%") == strlen(argv[i]);
        fprintf(stderr, plain ? " %s" : " '%s'", argv[i]);
    }
    fprintf(stderr, " --resume %s\n", partial);
}

/* Rank 0's cache (read back from a journal) to every rank. */
static int share_cache(struct equilibrium_cache *cache) {
    long count = cache->count;
    if (dist_broadcast(&count, sizeof count) != 0) return -1;
    uint64_t *keys = malloc((size_t)(count > 0 ? count : 1) * sizeof *keys);
    size_t per_row = (size_t)cache->replicates * (size_t)cache->n_players;
    double *loss = malloc((size_t)(count > 0 ? count : 1) * per_row * sizeof *loss);
    int status = keys && loss ? 0 : -1;
    if (status == 0 && dist_rank() == 0) {
        memcpy(keys, cache->keys, (size_t)count * sizeof *keys);
        memcpy(loss, cache->loss, (size_t)count * per_row * sizeof *loss);
    }
    if (status == 0 && (dist_broadcast(keys, (size_t)count * sizeof *keys) != 0 ||
                        dist_broadcast(loss, (size_t)count * per_row * sizeof *loss) != 0))
        status = -1;
    for (long k = 0; status == 0 && dist_rank() != 0 && k < count; k++) {
        long row = equilibrium_cache_add(cache, keys[k]);
        if (row < 0) {
            status = -1;
            break;
        }
        memcpy(equilibrium_cache_row(cache, row), loss + (size_t)k * per_row,
               per_row * sizeof *loss);
        cache->ready[row] = 1;
    }
    free(keys), free(loss);
    return status;
}

static int body(int argc, char **argv) {
    struct eq_options o;
    int code = parse_options(argc, argv, &o);
    if (code != 0) return code;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop;
    sigemptyset(&action.sa_mask);
    action.sa_flags = (int)SA_RESETHAND;
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);

    struct scenario *file = NULL, *base = load_base(&o, &file);
    struct world *world = NULL;
    struct scenario_errors errors = {0};
    if (base) world = scenario_compile(base, o.max_memory, &errors);
    if (!world) {
        scenario_errors_print(&errors, stderr);
        scenario_errors_clear(&errors);
        scenario_free(base), scenario_free(file);
        return EXIT_USAGE;
    }
    struct eq_game game;
    int own[EQUILIBRIUM_MAX_PLAYERS];
    struct equilibrium_cache cache = {0};
    struct equilibrium_result result = {0};
    struct outlock *lock = NULL;
    struct h5out *out = NULL;
    char *fingerprint = NULL, *command_line = NULL;
    char journal_path[PATH_MAX + 16] = "", err[1024] = "";
    struct eq_evaluator eval = {0};
    int replicates = o.replicates > 0 ? o.replicates : world->replicates;
    code = build_game(&o, world, &game);
    if (code == 0 && replicates < 2) code = USAGE("--replicates: at least 2 are needed");
    if (code != 0) goto done;
    own_profile(&game, world, own);
    o.config.own = own;
    o.config.seed = world->seed;
    o.config.exclusion = !game.by_policy && !game.domain;
    /* A batch's per-replicate totals (every metric) stay near 64 MiB, whatever R. */
    double per_profile = (double)replicates * (METRIC_COUNT * game.n_states + world->n_types) * 8.0;
    o.config.batch_limit = (long)fmax(1.0, fmin(512.0, 67108864.0 / per_profile));
    /* Limits before memory: the cache of an exhaustive run holds every profile's losses. */
    double profiles = pow((double)game.n_levels, (double)game.n_states);
    double cache_bytes = profiles * replicates * game.n_states * 8.0;
    if (profiles <= (double)o.config.exhaustive_limit && o.max_memory > 0 &&
        cache_bytes > (double)o.max_memory) {
        code = USAGE("--exhaustive-limit: all %.0f profiles x %d replicates need %.3g bytes, above "
                     "the memory limit (--max-memory); lower the limit or the replicates",
                     profiles, replicates, cache_bytes);
        goto done;
    }
    fingerprint = fingerprint_of(&o, &game, world, replicates, file);
    command_line = run_options_command_line(argc, argv);
    if (!fingerprint || !command_line ||
        equilibrium_cache_init(&cache, game.n_states, game.n_levels, replicates) != 0) {
        fprintf(stderr, "c5sim equilibrium: error: out of memory\n");
        code = EXIT_RUNTIME;
        goto done;
    }
    if (o.output && dist_rank() == 0) {
        char note[PATH_MAX + 128] = "";
        enum outlock_status locked =
            outlock_take(o.output, &lock, note, sizeof note, err, sizeof err);
        if (locked == OUTLOCK_BUSY || locked == OUTLOCK_FAILED) {
            fprintf(stderr, "c5sim equilibrium: error: %s\n", err);
            code = EXIT_RUNTIME;
            goto prepared;
        }
        snprintf(journal_path, sizeof journal_path, "%s.journal", o.output);
        struct stat info;
        if (o.resume) {
            if (stat(o.output, &info) == 0) {
                fprintf(stderr,
                        "c5sim equilibrium: error: cannot resume: %s exists: that run is "
                        "complete\n",
                        o.output);
                code = EXIT_USAGE;
                goto prepared;
            }
            long restored = 0;
            eval.journal =
                eq_journal_resume(journal_path, fingerprint, &cache, &restored, err, sizeof err);
            if (!eval.journal) {
                fprintf(stderr, "c5sim equilibrium: error: cannot resume: %s\n", err);
                code = EXIT_USAGE;
                goto prepared;
            }
            if (!o.quiet)
                fprintf(stderr, "c5sim equilibrium: resuming: %ld profiles read back from %s\n",
                        restored, journal_path);
        } else if (stat(journal_path, &info) == 0 && !o.force) {
            fprintf(stderr,
                    "c5sim equilibrium: error: %s exists: an interrupted run left it; continue it "
                    "with --resume %s.partial or start again with --force\n",
                    journal_path, o.output);
            code = EXIT_USAGE;
            goto prepared;
        }
        size_t length = 0;
        const char *source = scenario_source(file, &length);
        struct h5out_provenance provenance = {.command = "equilibrium",
                                              .command_line = command_line,
                                              .scenario_filename = scenario_filename(file),
                                              .scenario_source = source,
                                              .scenario_length = length,
                                              .seed = world->seed,
                                              .replicates = replicates,
                                              .ticks = world->ticks};
        out = h5out_create(o.output, o.force || o.resume != NULL, &provenance, err, sizeof err);
        if (!out || h5out_write_world(out, world) != 0) {
            fprintf(stderr, "c5sim equilibrium: error: %s\n", out ? h5out_error(out) : err);
            code = EXIT_RUNTIME;
            goto prepared;
        }
        if (!o.resume &&
            !(eval.journal = eq_journal_create(journal_path, fingerprint, err, sizeof err))) {
            fprintf(stderr, "c5sim equilibrium: error: %s\n", err);
            code = EXIT_RUNTIME;
            goto prepared;
        }
    }
prepared:
    /* Every rank runs the same search; only rank 0 touches the output, and a resumed cache
     * goes from rank 0 to the others before the first batch. */
    if (!dist_all_ok(code == 0)) {
        if (code == 0) code = EXIT_RUNTIME;
        goto done;
    }
    if (dist_size() > 1 && share_cache(&cache) != 0) {
        fprintf(stderr, "c5sim equilibrium: error: cannot share the resumed cache over MPI\n");
        code = EXIT_RUNTIME;
        goto done;
    }
    int tty = !o.quiet && isatty(STDERR_FILENO) && dist_size() == 1;
    eval.game = &game;
    eval.base = base;
    eval.replicates = replicates;
    eval.max_memory = o.max_memory;
    eval.verbose = tty;
    eval.run_options = (struct runner_options){.threads = o.threads,
                                               .max_memory = o.max_memory,
                                               .progress = tty,
                                               .progress_stream = stderr,
                                               .stop = &stop_requested};
    /* Testing only (tests/python): behave as if interrupted once this many items of one batch
     * are written, as the other commands do. */
    const char *stop_after = getenv("C5SIM_TEST_STOP_AFTER");
    if (stop_after) eval.run_options.stop_after_items = atol(stop_after);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    int status = equilibrium_solve(&o.config, &cache, eq_evaluate, &eval, &result);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds =
        (double)(end.tv_sec - start.tv_sec) + 1e-9 * (double)(end.tv_nsec - start.tv_nsec);
    if (status == 1) {
        long kept = 0;
        for (long row = 0; row < cache.count; row++) kept += cache.ready[row] == 1;
        fprintf(stderr, "c5sim equilibrium: interrupted: %ld profiles evaluated", kept);
        if (out) {
            fprintf(stderr, ", kept in %s\n", journal_path);
            resume_hint(argc, argv, h5out_partial_path(out));
        } else {
            fputc('\n', stderr);
        }
        code = EXIT_INTERRUPTED;
        goto done;
    }
    if (status != 0) {
        fprintf(stderr, "c5sim equilibrium: error: %s\n", eval.err[0] ? eval.err : "out of memory");
        code = eval.usage_error ? EXIT_USAGE : EXIT_RUNTIME;
        goto done;
    }
    if (out) {
        if (eq_write_output(out, &game, &cache, &o.config, &result) != 0 ||
            h5out_set_attr_int(out, "/", "profiles_run", eval.evaluated) != 0) {
            fprintf(stderr, "c5sim equilibrium: error: %s\n", h5out_error(out));
            code = EXIT_RUNTIME;
            goto done;
        }
        struct h5out *finished = out;
        out = NULL;
        if (h5out_finish(finished, err, sizeof err) != 0) {
            fprintf(stderr, "c5sim equilibrium: error: %s\n", err);
            code = EXIT_RUNTIME;
            goto done;
        }
        fclose(eval.journal);
        eval.journal = NULL;
        unlink(journal_path);
    }
    printf("%s\n", world->name);
    eq_print(stdout, &game, &cache, &o.config, &result);
    printf("\n%ld profiles run in this process (%ld batches) in %.1f s%s%s.\n", eval.evaluated,
           eval.batches, seconds, o.output ? "; wrote " : "", o.output ? o.output : "");

done:
    if (out) h5out_abort(out);
    if (eval.journal) fclose(eval.journal);
    outlock_release(lock);
    equilibrium_result_free(&result);
    equilibrium_cache_free(&cache);
    free(fingerprint), free(command_line);
    world_free(world);
    scenario_free(base), scenario_free(file);
    return code;
}

int cmd_equilibrium(int argc, char **argv) {
    char start_error[256] = "";
    if (dist_start(&argc, &argv, start_error, sizeof start_error) != 0) {
        fprintf(stderr, "c5sim equilibrium: error: %s\n", start_error);
        dist_finish();
        return EXIT_RUNTIME;
    }
    if (dist_rank() != 0) {
        /* Every rank runs the same search; only rank 0 speaks. */
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) {
            /* Nothing to do: the rank then prints as rank 0 does. */
        }
    }
    int code = body(argc, argv);
    dist_finish();
    return code;
}
