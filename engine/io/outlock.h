/* outlock.h — one writer per output: an exclusive lock on OUT.h5.lock held for a command's life.
 *
 * The lock is flock(2) on OUT.h5.lock, which holds the owner's PID for the message. The kernel
 * drops a flock when its process ends however it ends (SIGKILL, a crash), so a lock file left by
 * a dead process is free and simply taken over: no PID guessing, no stale-lock timeout. flock is
 * local to a machine (on NFS it may lock nothing): the output of a cluster job is written by its
 * rank 0 only, so one machine is all that must agree.
 */
#ifndef C5SIM_OUTLOCK_H
#define C5SIM_OUTLOCK_H

#include <stddef.h>

struct outlock;

enum outlock_status {
    OUTLOCK_TAKEN = 0,     /* *lock is set; release it with outlock_release() */
    OUTLOCK_BUSY = -1,     /* another live process holds it; err names its PID */
    OUTLOCK_FAILED = -2,   /* the lock file is not a regular file, or cannot be locked; err */
    OUTLOCK_NO_FOLDER = -3 /* the lock file cannot be created (no such or unwritable folder):
                              the caller's destination checks give the real reason */
};

/* Lock `output` (OUT.h5) by OUT.h5.lock. `note` receives a line when a lock of a process that
 * has ended was taken over ("" otherwise). */
enum outlock_status outlock_take(const char *output, struct outlock **lock, char *note,
                                 size_t notelen, char *err, size_t errlen);

/* Remove the lock file (while still holding it) and unlock. NULL is allowed. */
void outlock_release(struct outlock *lock);

#endif
