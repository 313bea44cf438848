/* replay.c — feed every file of the fuzz corpus to a libFuzzer target, without libFuzzer.
 *
 * Built with the normal compiler in the normal and sanitizer builds and run by `meson test`, so
 * every committed corpus input and every past crash (tests/fuzz/regressions/) is replayed on
 * each test run. Arguments are files or folders (one level, sorted by name). Exit status 0 when
 * every input ran; a crash, a sanitizer report or a leak fails the test.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Largest input replayed: above libFuzzer's default -max_len for any committed corpus. */
#define REPLAY_MAX_INPUT ((size_t)1 << 20)

static int replay_file(const char *path) {
    FILE *stream = fopen(path, "rb");
    if (!stream) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    /* An exact-size heap copy, as libFuzzer does, so AddressSanitizer sees reads past the end. */
    uint8_t *buffer = malloc(REPLAY_MAX_INPUT);
    if (!buffer) {
        fclose(stream);
        fprintf(stderr, "replay: out of memory\n");
        return -1;
    }
    size_t size = fread(buffer, 1, REPLAY_MAX_INPUT, stream);
    int failed = ferror(stream) || !feof(stream);
    fclose(stream);
    if (failed) {
        free(buffer);
        fprintf(stderr, "replay: %s: unreadable or larger than %zu bytes\n", path,
                REPLAY_MAX_INPUT);
        return -1;
    }
    uint8_t *input = malloc(size ? size : 1);
    if (!input) {
        free(buffer);
        fprintf(stderr, "replay: out of memory\n");
        return -1;
    }
    memcpy(input, buffer, size);
    free(buffer);
    LLVMFuzzerTestOneInput(input, size);
    free(input);
    return 0;
}

static int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay every regular file in `folder`; returns the count, or -1 on an error. */
static long replay_folder(const char *folder) {
    DIR *dir = opendir(folder);
    if (!dir) {
        fprintf(stderr, "replay: %s: %s\n", folder, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t count = 0, capacity = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.') continue;
        if (count == capacity) {
            capacity = capacity ? 2 * capacity : 64;
            char **grown = realloc(names, capacity * sizeof *names);
            if (!grown) break;
            names = grown;
        }
        names[count] = strdup(entry->d_name);
        if (names[count]) count++;
    }
    closedir(dir);
    if (count > 0) qsort(names, count, sizeof *names, compare_names);
    long replayed = 0;
    for (size_t i = 0; i < count; i++) {
        char path[4096];
        struct stat info;
        snprintf(path, sizeof path, "%s/%s", folder, names[i]);
        if (stat(path, &info) == 0 && S_ISREG(info.st_mode)) {
            if (replay_file(path) != 0) replayed = -1;
            if (replayed >= 0) replayed++;
        }
        free(names[i]);
    }
    free(names);
    return replayed;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE-OR-FOLDER...\n", argv[0]);
        return 2;
    }
    long total = 0;
    for (int i = 1; i < argc; i++) {
        struct stat info;
        if (stat(argv[i], &info) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 1;
        }
        long replayed =
            S_ISDIR(info.st_mode) ? replay_folder(argv[i]) : (replay_file(argv[i]) == 0 ? 1 : -1);
        if (replayed < 0) return 1;
        total += replayed;
    }
    /* An empty corpus would make the test pass without testing anything. */
    if (total == 0) {
        fprintf(stderr, "replay: no input found\n");
        return 1;
    }
    printf("replayed %ld inputs without a crash\n", total);
    return 0;
}
