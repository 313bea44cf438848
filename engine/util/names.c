/* names.c — "did you mean": the closest known name to a mistyped one (commands, keys, ids). */
#include <ctype.h>
#include <string.h>

#include "names.h"

size_t name_distance(const char *a, const char *b) {
    enum { LONGEST = 64 };
    size_t n = strlen(a), m = strlen(b);
    if (n > LONGEST || m > LONGEST) return (size_t)-1;
    size_t row[LONGEST + 1];
    for (size_t j = 0; j <= m; j++) row[j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t above = row[j];
            int same = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]);
            size_t best = diagonal + (same ? 0 : 1);
            if (above + 1 < best) best = above + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diagonal = above;
        }
    }
    return row[m];
}

const char *closest_name(const char *name, const char *const *candidates, int count) {
    const char *best = NULL;
    size_t length = strlen(name);
    /* A suggestion must be closer than a rewrite: about a third of the letters at most. */
    size_t best_distance = length < 4 ? 2 : length / 3 + 2;
    for (int i = 0; i < count; i++) {
        size_t distance = name_distance(name, candidates[i]);
        if (distance < best_distance) {
            best_distance = distance;
            best = candidates[i];
        }
    }
    return best;
}
