/* h5in.h — reading back an interrupted run's OUT.h5.partial (for --resume): root attributes and
 * the per-replicate figures that the statistics need, so a resumed run need not redo them.
 *
 * Read-only and independent of the writer: open, read, close before h5out_resume() reopens the
 * file for writing. Every function returns 0 on success or -1 with a message in err.
 */
#ifndef C5SIM_H5IN_H
#define C5SIM_H5IN_H

#include <stddef.h>

struct h5in;

struct h5in *h5in_open(const char *path, char *err, size_t errlen);
void h5in_close(struct h5in *in);

/* A string attribute of `object` ("/" for the root) into value[size]. Returns 0, 1 when the
 * attribute is absent, -1 on error. */
int h5in_attr_string(struct h5in *in, const char *object, const char *name, char *value,
                     size_t size, char *err, size_t errlen);

/* An integer attribute (signed or unsigned, up to 64 bits). Returns 0, 1 when absent, -1. */
int h5in_attr_u64(struct h5in *in, const char *object, const char *name, unsigned long long *value,
                  char *err, size_t errlen);

/* Number of links in a group (e.g. variants under /variants); -1 with err if it is missing. */
long h5in_group_size(struct h5in *in, const char *group, char *err, size_t errlen);

/* Variant `index` (sized replicates x n_states x n_types): written[r] = 1 for each replicate in
 * the file; for those, totals[(r * METRIC_COUNT + m) * n_states + s] (every metric, as stored in
 * /variants/<index>/totals) and harm_by_type[(r * n_states + s) * n_types + k]
 * (/variants/<index>/by_type/harm). Rows of replicates not in the file are left untouched. */
int h5in_variant_figures(struct h5in *in, int index, int replicates, int n_states, int n_types,
                         unsigned char *written, double *totals, double *harm_by_type, char *err,
                         size_t errlen);

#endif
