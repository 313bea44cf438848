/* io_fixture.h — a tiny hand-made world and deterministic results for the writer's tests. */
#ifndef C5SIM_TESTS_IO_FIXTURE_H
#define C5SIM_TESTS_IO_FIXTURE_H

#include <hdf5.h>

#include "io/h5out.h"
#include "model/sim.h"
#include "model/world.h"

enum {
    FIXTURE_STATES = 3,
    FIXTURE_DOMAINS = 2,
    FIXTURE_TYPES = 2,
    FIXTURE_REGIONS = 4,
    FIXTURE_TICKS = 6
};

extern const char fixture_scenario[]; /* with UTF-8 and trailing newlines */

/* A world of 3 states, 2 domains, 2 threat types, 4 regions, 1 partner, 2 measures. */
struct world *fixture_world(void);

/* A result whose every value is a known function of (replicate, metric, state, type, tick). */
struct sim_result *fixture_result(const struct world *world, int replicate, int with_series,
                                  int with_trust);
void fixture_result_free(struct sim_result *result);

/* The by_type value the fixture stores (integral for count metrics). */
double fixture_value(int replicate, int metric, int state, int type);
double fixture_series_value(int replicate, int metric, int tick, int state);
float fixture_trust_value(int replicate, int tick, int truster, int trusted);

/* Provenance for the fixture's scenario text. */
struct h5out_provenance fixture_provenance(int replicates);

/* A fresh empty directory under /tmp (caller removes it with fixture_remove_tree). */
void fixture_tempdir(char *path, size_t size);
void fixture_remove_tree(const char *path);

int fixture_exists(const char *path);

/* Read helpers (the test fails through Criterion on error). */
long long fixture_read_attr_int(hid_t object, const char *name);
void fixture_read_attr_string(hid_t object, const char *name, char *value, size_t size);
void fixture_dataset_shape(hid_t file, const char *path, int *rank, hsize_t *dims);

/* Every dataset under group_path read as native bytes (strings as their text), concatenated in
 * name order: equal bytes mean equal values, as h5diff would judge. Caller frees bytes. */
struct fixture_bytes {
    unsigned char *bytes;
    size_t size;
};
struct fixture_bytes fixture_collect(const char *path, const char *group_path);

#endif
