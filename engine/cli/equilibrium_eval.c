/* equilibrium_eval.c — `c5sim equilibrium`'s evaluator: a batch of profiles becomes one plan
 * (one variant per profile, all on the plan's seed and replicate indices, so every deviation is
 * paired), run through the runner on threads (and MPI ranks via dist_execute); each evaluated
 * profile is appended to the journal that --resume reads back. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../run/dist.h"
#include "equilibrium_cli.h"

/* ---- profiles as overrides ------------------------------------------------------------------- */

static int push(struct scenario_override *list, int *count, const char *path, const char *value) {
    struct scenario_override *o = &list[(*count)++];
    o->path = strdup(path);
    o->value = strdup(value);
    o->origin = strdup("equilibrium");
    return o->path && o->value && o->origin ? 0 : -1;
}

void eq_overrides_free(struct scenario_override *overrides, int count) {
    for (int i = 0; overrides && i < count; i++) scenario_override_free(&overrides[i]);
    free(overrides);
}

int eq_profile_overrides(const struct eq_game *game, const int *levels, int excluded,
                         struct scenario_override **overrides) {
    int n = game->n_states;
    struct scenario_override *list = calloc((size_t)(2 + n * (n + 3)), sizeof *list);
    if (!list) return -1;
    int count = 0, status = 0;
    char path[192], value[64];
    if (!game->domain) {
        /* the strategy holds in every domain: no per-domain rule may override it (issue 17, B1) */
        status |= push(list, &count, "sharing.by_domain", "~");
        status |= push(list, &count, "defaults.sharing.by_domain", "~");
    }
    for (int i = 0; i < n; i++) {
        const char *code = game->codes[i];
        char prefix[96];
        if (game->domain)
            snprintf(prefix, sizeof prefix, "states.%s.sharing.by_domain.%s", code, game->domain);
        else
            snprintf(prefix, sizeof prefix, "states.%s.sharing", code);
        if (!game->domain) {
            snprintf(path, sizeof path, "states.%s.sharing.by_domain", code);
            status |= push(list, &count, path, "~");
        }
        snprintf(path, sizeof path, "%s.policy", prefix);
        if (game->by_policy) {
            status |= push(list, &count, path, game->policies[levels[i]]);
            continue;
        }
        snprintf(value, sizeof value, "%.12g", game->values[levels[i]]);
        if (excluded < 0 || i == excluded) {
            status |= push(list, &count, path, "level");
            snprintf(path, sizeof path, "%s.level", prefix);
            status |= push(list, &count, path, value);
            continue;
        }
        /* the others cut `excluded` off: the same draw u < level to each partner (policy_shares
         * compares one uniform with `level` or with the agreement), 0 to the excluded state */
        status |= push(list, &count, path, "agreements");
        for (int j = 0; j < n; j++) {
            if (j == i) continue;
            snprintf(path, sizeof path, "%s.agreements.%s", prefix, game->codes[j]);
            status |= push(list, &count, path, j == excluded ? "0" : value);
        }
    }
    if (status != 0) {
        eq_overrides_free(list, count);
        return -1;
    }
    *overrides = list;
    return count;
}

void eq_profile_label(const struct eq_game *game, const int *levels, int excluded, char *buf,
                      size_t size) {
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < game->n_states && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s=%s", i ? " " : "", game->codes[i],
                                 game->texts[levels[i]]);
    if (excluded >= 0 && used < size)
        snprintf(buf + used, size - used, " | %s cut off", game->codes[excluded]);
}

/* ---- the journal ----------------------------------------------------------------------------- */

static const char journal_magic[] = "c5sim equilibrium journal 1\n";
enum { RECORD_MAGIC = 0x31515145u /* "EQQ1" */ };

static uint64_t fnv1a(uint64_t hash, const void *data, size_t size) {
    const unsigned char *bytes = data;
    for (size_t k = 0; k < size; k++) hash = (hash ^ bytes[k]) * 0x100000001b3ull;
    return hash;
}

FILE *eq_journal_create(const char *path, const char *fingerprint, char *err, size_t errlen) {
    FILE *journal = fopen(path, "wb");
    if (!journal) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return NULL;
    }
    uint64_t length = strlen(fingerprint);
    if (fwrite(journal_magic, 1, sizeof journal_magic - 1, journal) != sizeof journal_magic - 1 ||
        fwrite(&length, sizeof length, 1, journal) != 1 ||
        fwrite(fingerprint, 1, length, journal) != length || fflush(journal) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        fclose(journal);
        return NULL;
    }
    return journal;
}

/* The first line in which two fingerprints differ, for the refusal. */
static void first_difference(const char *a, const char *b, char *out, size_t size) {
    while (*a && *b) {
        size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
        if (la != lb || strncmp(a, b, la) != 0) {
            snprintf(out, size, "journal has '%.*s', this command '%.*s'", (int)la, a, (int)lb, b);
            return;
        }
        a += la + (a[la] == '\n'), b += lb + (b[lb] == '\n');
    }
    snprintf(out, size, "the journal's run and this command differ in length");
}

FILE *eq_journal_resume(const char *path, const char *fingerprint, struct equilibrium_cache *cache,
                        long *restored, char *err, size_t errlen) {
    *restored = 0;
    FILE *journal = fopen(path, "r+b");
    if (!journal) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    char magic[sizeof journal_magic];
    uint64_t length = 0;
    if (fread(magic, 1, sizeof journal_magic - 1, journal) != sizeof journal_magic - 1 ||
        memcmp(magic, journal_magic, sizeof journal_magic - 1) != 0 ||
        fread(&length, sizeof length, 1, journal) != 1 || length > (1u << 26)) {
        snprintf(err, errlen, "%s is not an equilibrium journal", path);
        fclose(journal);
        return NULL;
    }
    char *stored = malloc(length + 1);
    if (!stored || fread(stored, 1, length, journal) != length) {
        snprintf(err, errlen, "%s: %s", path, stored ? "truncated header" : "out of memory");
        free(stored);
        fclose(journal);
        return NULL;
    }
    stored[length] = '\0';
    if (strcmp(stored, fingerprint) != 0) {
        char what[512];
        first_difference(stored, fingerprint, what, sizeof what);
        snprintf(err, errlen, "%s belongs to another run: %s", path, what);
        free(stored);
        fclose(journal);
        return NULL;
    }
    free(stored);
    size_t per_row = (size_t)cache->replicates * (size_t)cache->n_players;
    double *data = malloc(per_row * sizeof *data);
    if (!data) {
        snprintf(err, errlen, "out of memory");
        fclose(journal);
        return NULL;
    }
    long good = ftell(journal);
    for (;;) {
        uint32_t record;
        uint64_t key, check;
        if (fread(&record, sizeof record, 1, journal) != 1 || record != RECORD_MAGIC ||
            fread(&key, sizeof key, 1, journal) != 1 ||
            fread(data, sizeof *data, per_row, journal) != per_row ||
            fread(&check, sizeof check, 1, journal) != 1)
            break; /* the end, or a torn last record: ignored, redone */
        uint64_t hash =
            fnv1a(fnv1a(0xcbf29ce484222325ull, &key, sizeof key), data, per_row * sizeof *data);
        if (hash != check) break;
        long row = equilibrium_cache_add(cache, key);
        if (row < 0) {
            snprintf(err, errlen, "out of memory");
            free(data);
            fclose(journal);
            return NULL;
        }
        memcpy(equilibrium_cache_row(cache, row), data, per_row * sizeof *data);
        cache->ready[row] = 1;
        (*restored)++;
        good = ftell(journal);
    }
    free(data);
    if (fflush(journal) != 0 || ftruncate(fileno(journal), good) != 0 ||
        fseek(journal, good, SEEK_SET) != 0) {
        snprintf(err, errlen, "cannot reopen %s for appending: %s", path, strerror(errno));
        fclose(journal);
        return NULL;
    }
    return journal;
}

static int journal_append(FILE *journal, const struct equilibrium_cache *cache, long row) {
    size_t per_row = (size_t)cache->replicates * (size_t)cache->n_players;
    uint32_t record = RECORD_MAGIC;
    uint64_t key = cache->keys[row];
    const double *data = equilibrium_cache_row(cache, row);
    uint64_t check =
        fnv1a(fnv1a(0xcbf29ce484222325ull, &key, sizeof key), data, per_row * sizeof *data);
    return fwrite(&record, sizeof record, 1, journal) == 1 &&
                   fwrite(&key, sizeof key, 1, journal) == 1 &&
                   fwrite(data, sizeof *data, per_row, journal) == per_row &&
                   fwrite(&check, sizeof check, 1, journal) == 1
               ? 0
               : -1;
}

/* ---- the evaluator --------------------------------------------------------------------------- */

int eq_evaluate(void *context, struct equilibrium_cache *cache, const long *rows, long n) {
    struct eq_evaluator *eval = context;
    const struct eq_game *game = eval->game;
    int N = game->n_states, R = eval->replicates;
    struct plan *plan = plan_alloc(R);
    long *items = malloc((size_t)n * (size_t)R * sizeof *items);
    struct runner *runner = NULL;
    struct runner_results results = {0};
    int status = plan && items ? 0 : -1;
    if (status != 0) snprintf(eval->err, sizeof eval->err, "out of memory");
    for (long k = 0; status == 0 && k < n; k++) {
        int levels[EQUILIBRIUM_MAX_PLAYERS], excluded;
        equilibrium_decode(N, game->n_levels, cache->keys[rows[k]], levels, &excluded);
        struct scenario_override *overrides = NULL;
        int count = eq_profile_overrides(game, levels, excluded, &overrides);
        char label[1024];
        eq_profile_label(game, levels, excluded, label, sizeof label);
        if (count < 0 || plan_add_variant(plan, label, overrides, count) < 0) {
            snprintf(eval->err, sizeof eval->err, "out of memory");
            status = -1;
        }
        eq_overrides_free(overrides, count);
    }
    struct scenario_errors errors = {0};
    if (status == 0) {
        runner = runner_alloc(eval->base, plan, eval->max_memory, &errors);
        if (!runner) {
            scenario_errors_print(&errors, stderr);
            scenario_errors_clear(&errors);
            snprintf(eval->err, sizeof eval->err, "a profile's scenario is invalid");
            eval->usage_error = 1;
            status = -1;
        }
    }
    if (status == 0 && runner_results_alloc(runner, &results, eval->err, sizeof eval->err) != 0)
        status = -1;
    for (long k = 0; status == 0 && k < n * R; k++) items[k] = k;
    if (status == 0) {
        if (eval->verbose)
            fprintf(stderr,
                    "c5sim equilibrium: batch %ld: %ld new profile%s x %d replicates (%ld "
                    "asked for so far)\n",
                    eval->batches + 1, n, n == 1 ? "" : "s", R, cache->count);
        status = dist_execute(runner, &eval->run_options, items, n * R, NULL, &results, eval->err,
                              sizeof eval->err);
        eval->batches++;
    }
    /* Keep every profile whose replicates all ran (the items done are a prefix of the list). */
    long done = status == 0 ? n : status == 1 ? results.items_written / R : 0;
    size_t per_row = (size_t)R * (size_t)N;
    double *block = NULL;
    if (runner && dist_size() > 1) {
        /* Only rank 0 holds the results: every rank gets its verdict and its losses, so that
         * all ranks continue the same search (each batch is one collective). */
        long header[2] = {status, done};
        if (dist_broadcast(header, sizeof header) != 0) header[0] = -1, header[1] = 0;
        status = (int)header[0], done = header[1];
        block = malloc((size_t)(done > 0 ? done : 1) * per_row * sizeof *block);
        if (!block) {
            snprintf(eval->err, sizeof eval->err, "out of memory");
            status = -1, done = 0;
        }
        for (long k = 0; dist_rank() == 0 && k < done; k++)
            for (int r = 0; r < R; r++) {
                const double *item = runner_results_item(&results, (int)k, r);
                for (int i = 0; i < N; i++)
                    block[(size_t)k * per_row + (size_t)r * (size_t)N + (size_t)i] =
                        item[(size_t)METRIC_LOSS * N + i];
            }
        if (block && dist_broadcast(block, (size_t)done * per_row * sizeof *block) != 0) {
            snprintf(eval->err, sizeof eval->err, "MPI broadcast failed");
            status = -1, done = 0;
        }
    }
    for (long k = 0; k < done; k++) {
        double *loss = equilibrium_cache_row(cache, rows[k]);
        if (block) {
            memcpy(loss, block + (size_t)k * per_row, per_row * sizeof *loss);
        } else {
            for (int r = 0; r < R; r++) {
                const double *item = runner_results_item(&results, (int)k, r);
                for (int i = 0; i < N; i++)
                    loss[(size_t)r * (size_t)N + (size_t)i] = item[(size_t)METRIC_LOSS * N + i];
            }
        }
        cache->ready[rows[k]] = 1;
        eval->evaluated++;
        if (eval->journal && journal_append(eval->journal, cache, rows[k]) != 0) {
            snprintf(eval->err, sizeof eval->err, "cannot append to the journal: %s",
                     strerror(errno));
            status = -1;
            break;
        }
    }
    if (eval->journal && done > 0 &&
        (fflush(eval->journal) != 0 || fsync(fileno(eval->journal)) != 0) && status >= 0) {
        snprintf(eval->err, sizeof eval->err, "cannot write the journal: %s", strerror(errno));
        status = -1;
    }
    free(block);
    runner_results_free(&results);
    runner_free(runner);
    plan_free(plan);
    free(items);
    return status;
}
