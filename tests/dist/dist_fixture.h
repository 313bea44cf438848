/* dist_fixture.h — helpers of the distribution and resume tests: a scratch directory, running
 * the c5sim binary (alone or under mpirun) with extra environment, comparing and reading files. */
#ifndef C5SIM_DIST_FIXTURE_H
#define C5SIM_DIST_FIXTURE_H

#include <stddef.h>
#include <sys/types.h>

extern char dist_workdir[256];

void dist_make_workdir(void);
void dist_remove_workdir(void);
const char *dist_source_path(const char *relative, char *buffer, size_t size);

/* Run `ENV $C5SIM ARGS` in the work directory (ENV: "NAME=VALUE ..." or ""), stdout and stderr
 * captured into out; returns the exit code (-1 if killed by a signal). */
int dist_c5sim(char *out, size_t size, const char *env, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The same under `$MPIRUN --allow-run-as-root --oversubscribe -np RANKS`. */
int dist_mpirun(char *out, size_t size, const char *env, int ranks, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Start `$C5SIM ARGS` (ARGS may redirect) in the work directory; returns its pid. */
pid_t dist_spawn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* h5diff of one object in two files of the work directory: 0 when equal. */
int dist_h5diff(const char *a, const char *b, const char *object);

int dist_exists(const char *name);
void dist_remove(const char *name);

/* An integer root attribute of a file in the work directory (e.g. `complete`). */
long long dist_root_int(const char *file, const char *name);

double dist_now(void);

#endif
