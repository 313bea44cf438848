/* equilibrium_cli.h — what the files of `c5sim equilibrium` share: the game's strategies, the
 * evaluator that runs a batch of profiles as one plan, its journal, and the output. */
#ifndef C5SIM_EQUILIBRIUM_CLI_H
#define C5SIM_EQUILIBRIUM_CLI_H

#include <signal.h>
#include <stdio.h>

#include "../io/h5out.h"
#include "../run/equilibrium.h"
#include "../run/runner.h"
#include "../scenario/scenario.h"

enum { EQ_MAX_SETS = 256 };

struct eq_game {
    int n_states, n_levels;
    const char *codes[EQUILIBRIUM_MAX_PLAYERS];
    double values[EQUILIBRIUM_MAX_LEVELS];     /* level mode: the sharing levels */
    char policies[EQUILIBRIUM_MAX_LEVELS][16]; /* policies mode: the policy names */
    char texts[EQUILIBRIUM_MAX_LEVELS][32];    /* each strategy as text ("0.3", "full") */
    int by_policy;                             /* 1: strategies are policies */
    const char *domain;                        /* NULL: every domain */
};

/* The overrides that apply profile `levels` (excluded: the state cut off, or -1). Caller frees
 * with eq_overrides_free. Returns the count, or -1 when out of memory. */
int eq_profile_overrides(const struct eq_game *game, const int *levels, int excluded,
                         struct scenario_override **overrides);
void eq_overrides_free(struct scenario_override *overrides, int count);
/* "KAZ=0.3 KGZ=0 ..." (+ " | KAZ cut off"); into buf. */
void eq_profile_label(const struct eq_game *game, const int *levels, int excluded, char *buf,
                      size_t size);

/* The evaluator's context: runs a batch as one plan through the runner (dist_execute). */
struct eq_evaluator {
    const struct eq_game *game;
    const struct scenario *base;
    int replicates;
    struct runner_options run_options;
    size_t max_memory;
    FILE *journal;           /* records appended per evaluated profile, or NULL */
    long evaluated, batches; /* profiles run in this process, batches */
    int verbose;             /* a line per batch on stderr (a terminal) */
    char err[1024];
    int usage_error; /* a variant was invalid (exit 2) */
};

int eq_evaluate(void *context, struct equilibrium_cache *cache, const long *rows, long n);

/* Journal OUT.h5.journal: the fingerprint, then one checksummed record per evaluated profile. */
FILE *eq_journal_create(const char *path, const char *fingerprint, char *err, size_t errlen);
/* Read a journal back into the cache; reopen it for appending after the last whole record.
 * Returns the stream, or NULL with err (missing, another run's, unreadable). */
FILE *eq_journal_resume(const char *path, const char *fingerprint, struct equilibrium_cache *cache,
                        long *restored, char *err, size_t errlen);

/* Write /equilibrium (docs/output-format.md). Returns 0 or -1 (h5out_error). */
int eq_write_output(struct h5out *out, const struct eq_game *game,
                    const struct equilibrium_cache *cache, const struct equilibrium_config *config,
                    const struct equilibrium_result *result);
/* The printed report on stdout. */
void eq_print(FILE *stream, const struct eq_game *game, const struct equilibrium_cache *cache,
              const struct equilibrium_config *config, const struct equilibrium_result *result);

#endif
