/* names.h — "did you mean": the closest known name to a mistyped one (commands, keys, ids). */
#ifndef C5SIM_NAMES_H
#define C5SIM_NAMES_H

#include <stddef.h>

/* Case-insensitive edit distance between two short names (long names compare as far apart). */
size_t name_distance(const char *a, const char *b);

/* The candidate closest to `name` if it is close enough to be a likely typo, else NULL. */
const char *closest_name(const char *name, const char *const *candidates, int count);

#endif
