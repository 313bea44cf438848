/* dist.h — spreading a plan's work items over MPI ranks (mpirun -np K c5sim ...).
 *
 * Rank 0 hands out chunks of the item list on request (dynamic balancing; chunks shrink as the
 * list runs out), runs chunks itself on its OpenMP threads, and writes every item in list order
 * with the single writer, so the file is the same bits as a single process's. The other ranks
 * run the chunks they are given and send each item's result to rank 0; they never touch the
 * output. Built without MPI, not started by an MPI launcher, or on one rank, dist_execute() is
 * runner_execute_items() in this process alone.
 */
#ifndef C5SIM_DIST_H
#define C5SIM_DIST_H

#include <stddef.h>

#include "runner.h"

/* Start MPI if this process was started by an MPI launcher (mpirun, mpiexec, srun). Returns 0,
 * or -1 with a message in err. Without a launcher, or built without MPI, does nothing. */
int dist_start(int *argc, char ***argv, char *err, size_t errlen);

/* End MPI if dist_start() started it. */
void dist_finish(void);

int dist_rank(void); /* 0 without MPI */
int dist_size(void); /* 1 without MPI */

/* Collective: 1 if every rank passes ok != 0, else 0 (each rank learns whether any failed in a
 * step that only some ranks do, e.g. rank 0 creating the output file). */
int dist_all_ok(int ok);

/* Collective: every rank receives rank 0's `bytes` bytes at `data` (a no-op in one process).
 * For commands whose next plan depends on the last one's results (equilibrium). Returns 0 or -1. */
int dist_broadcast(void *data, size_t bytes);

/* Run the listed items over every rank. On rank 0 (or alone): as runner_execute_items() without
 * hooks: 0 all done, 1 stopped (the items written are a prefix of the list), -1 failed with err
 * (a failure on another rank reads "rank R: reason"). On other ranks: 0 when the work is over
 * (also when rank 0 ended it), 1 when this rank's stop flag ended it, -1 on this rank's own
 * failure (err; rank 0 was told). `out` and `results` are used on rank 0 only. */
int dist_execute(struct runner *runner, const struct runner_options *options, const long *items,
                 long n_items, struct h5out *out, struct runner_results *results, char *err,
                 size_t errlen);

#endif
