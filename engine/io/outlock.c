/* outlock.c — the exclusive lock of an output (OUT.h5.lock, flock + PID); see outlock.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outlock.h"

struct outlock {
    int fd;
    char path[PATH_MAX];
};

/* The PID written by the holder, or 0 if there is none (yet). */
static long read_pid(int fd) {
    char text[32] = "";
    ssize_t got = pread(fd, text, sizeof text - 1, 0);
    if (got <= 0) return 0;
    text[got] = '\0';
    char *end;
    long pid = strtol(text, &end, 10);
    return end != text && pid > 0 ? pid : 0;
}

enum outlock_status outlock_take(const char *output, struct outlock **lock, char *note,
                                 size_t notelen, char *err, size_t errlen) {
    *lock = NULL;
    if (notelen) note[0] = '\0';
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s.lock", output) >= sizeof path) {
        snprintf(err, errlen, "output path too long: %s", output);
        return OUTLOCK_FAILED;
    }
    /* The owner unlinks the file before it unlocks; a process that opened the old file and then
     * got the lock holds a lock on a file no longer in the folder, so it checks the name still
     * leads to the same inode, and tries again if not. */
    for (int attempt = 0; attempt < 100; attempt++) {
        /* Non-blocking and no symbolic link: a FIFO or a link put in its place is refused
         * below, never waited on or followed. */
        int fd = open(path, O_RDWR | O_CREAT | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0) {
            int cause = errno;
            if (cause == ENOENT || cause == ENOTDIR || cause == EACCES || cause == EROFS ||
                cause == EPERM) {
                snprintf(err, errlen, "cannot create %s: %s", path, strerror(cause));
                return OUTLOCK_NO_FOLDER;
            }
            snprintf(err, errlen, "cannot open the lock %s: %s", path,
                     cause == ELOOP ? "it is a symbolic link" : strerror(cause));
            return OUTLOCK_FAILED;
        }
        struct stat held, named;
        if (fstat(fd, &held) != 0 || !S_ISREG(held.st_mode)) {
            snprintf(err, errlen, "the lock %s is not a regular file; refusing to use it", path);
            close(fd);
            return OUTLOCK_FAILED;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int cause = errno;
            if (cause != EWOULDBLOCK) {
                snprintf(err, errlen, "cannot lock %s: %s", path, strerror(cause));
                close(fd);
                return OUTLOCK_FAILED;
            }
            long pid = read_pid(fd);
            close(fd);
            if (pid > 0)
                snprintf(err, errlen,
                         "%s is being written by another process (PID %ld, lock %s); wait for it "
                         "to end or stop it first (--force does not override a live writer)",
                         output, pid, path);
            else
                snprintf(err, errlen,
                         "%s is being written by another process (lock %s); wait for it to end "
                         "or stop it first (--force does not override a live writer)",
                         output, path);
            return OUTLOCK_BUSY;
        }
        if (stat(path, &named) != 0 || named.st_ino != held.st_ino || named.st_dev != held.st_dev) {
            close(fd); /* the owner removed it meanwhile: lock the new one */
            continue;
        }
        long previous = read_pid(fd);
        if (previous > 0 && previous != (long)getpid() && notelen)
            snprintf(note, notelen, "took over the stale lock %s of process %ld, which has ended",
                     path, previous);
        char text[32];
        int length = snprintf(text, sizeof text, "%ld\n", (long)getpid());
        if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)length, 0) != length) {
            snprintf(err, errlen, "cannot write the lock %s: %s", path, strerror(errno));
            unlink(path);
            close(fd);
            return OUTLOCK_FAILED;
        }
        struct outlock *taken = calloc(1, sizeof *taken);
        if (!taken) {
            snprintf(err, errlen, "out of memory");
            unlink(path);
            close(fd);
            return OUTLOCK_FAILED;
        }
        taken->fd = fd;
        snprintf(taken->path, sizeof taken->path, "%s", path);
        *lock = taken;
        return OUTLOCK_TAKEN;
    }
    snprintf(err, errlen, "cannot lock %s: it keeps being replaced", path);
    return OUTLOCK_FAILED;
}

void outlock_release(struct outlock *lock) {
    if (!lock) return;
    unlink(lock->path);
    close(lock->fd); /* closing the last descriptor drops the flock */
    free(lock);
}
