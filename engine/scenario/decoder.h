/* decoder.h — what the scenario decoder's files share (decode*.c): the decoder's state, its
 * limits, and the helpers and section decoders, one file per section of the format. */
#ifndef C5SIM_DECODER_H
#define C5SIM_DECODER_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

enum {
    MAX_REGIONS = 100000,
    MAX_ROUTES = 1000000,
    MAX_TYPES = 100000,
    MAX_TARGETS = 1000000,
    MAX_PARTNERS = 1000,
    MAX_MEASURES = 10000,
    MAX_TICKS = 100000,
};
/* A region whose owner could not be read: already reported, so not "external" either. */
enum { OWNER_UNKNOWN = -2 };
#define MAX_PATH_ENTRIES ((size_t)64 << 20)

struct decoder {
    const char *filename;
    struct scenario_errors *errors;
    int failures; /* errors found (including any past the cap) */
    struct world *w;
    struct scenario *s;
    const char *domain_names[WORLD_MAX_DOMAINS];
    const char *state_codes[WORLD_MAX_STATES];
    int *region_order; /* region indices sorted by id, for lookups */
    const char **region_ids;
    /* Nodes kept for messages after decoding: the key of each target, origin per slot. */
    const struct tree **target_keys;
    const struct tree **origin_keys;
};

struct per_domain {
    unsigned has; /* bit d: domain d given in this layer */
    double value[WORLD_MAX_DOMAINS];
};

/* decode_strategy.c: adaptive states (`sharing.adapt`) and strategic leakers (`exploit`,
 * `monitoring`), one layer at a time */
enum { ADAPT_HAS_RULE = 1, ADAPT_HAS_PERIOD = 2, ADAPT_HAS_STEP = 4, ADAPT_HAS_INITIAL = 8 };
struct adapt_fields {
    unsigned has;
    struct world_adapt value;
    const struct tree *node; /* the `adapt` mapping, for messages */
    char path[160];          /* and its path */
};
enum {
    EXPLOIT_HAS_GAIN = 1,
    EXPLOIT_HAS_VALUE = 2,
    EXPLOIT_HAS_EXCLUSION = 4,
    EXPLOIT_HAS_MONITORING = 8
};
struct exploit_fields {
    unsigned has;
    double gain, value, monitoring;
    int exclusion_ticks;
};
void decode_adapt(struct decoder *d, const struct tree *node, const char *path,
                  struct adapt_fields *out);
void decode_adapt_apply(const struct adapt_fields *layer, struct world_adapt *value,
                        const struct adapt_fields **from);
void decode_adapt_check(struct decoder *d, int s, const struct adapt_fields *from);
/* Reads `exploit` and `monitoring` of one state mapping (or `defaults`). */
void decode_exploit(struct decoder *d, const struct tree *state, const char *path,
                    struct exploit_fields *out);
void decode_exploit_apply(const struct exploit_fields *layer, struct world_state *state);

/* decode_values.c: messages, scalars, lookups, per-domain values */
void decode_fail(struct decoder *d, const struct tree *node, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
const char *decode_join(char *buffer, size_t size, const char *parent, const char *key);
const char *decode_kind_name(const struct tree *node);
int decode_is_map(struct decoder *d, const struct tree *node, const char *path,
                  const char *expected);
struct tree *decode_require(struct decoder *d, const struct tree *map, const char *path,
                            const char *key, const char *expected);
void decode_check_keys(struct decoder *d, const struct tree *map, const char *path,
                       const char *const *allowed, int count);
int decode_real(struct decoder *d, const struct tree *node, const char *path, double lo, double hi,
                int lo_open, const char *expected, double *out);
int decode_probability(struct decoder *d, const struct tree *node, const char *path, double *out);
int decode_nonnegative(struct decoder *d, const struct tree *node, const char *path, double *out);
int decode_integer(struct decoder *d, const struct tree *node, const char *path, long long lo,
                   long long hi, long long *out);
void decode_opt_probability(struct decoder *d, const struct tree *map, const char *path,
                            const char *key, double *out);
void decode_opt_nonnegative(struct decoder *d, const struct tree *map, const char *path,
                            const char *key, double *out);
void decode_opt_integer(struct decoder *d, const struct tree *map, const char *path,
                        const char *key, long long lo, long long hi, int *out);
int decode_text(struct decoder *d, const struct tree *node, const char *path, char *out,
                size_t size);
int decode_bool(struct decoder *d, const struct tree *node, const char *path, int *out);
int decode_choice(struct decoder *d, const struct tree *node, const char *path,
                  const char *const *names, int count, const char *what);
int decode_id_ok(const char *s, int code, size_t longest);
int decode_state_index(const struct decoder *d, const char *code);
int decode_region_index(const struct decoder *d, const char *id);
void decode_fail_no_state(struct decoder *d, const struct tree *node, const char *path,
                          const char *code);
void decode_fail_no_region(struct decoder *d, const struct tree *node, const char *path,
                           const char *id);
int decode_region(struct decoder *d, const struct tree *node, const char *path);
int decode_state_set(struct decoder *d, const struct tree *node, const char *path, uint64_t *out);
int decode_entity_created(struct decoder *d, const struct tree *key, const char *path,
                          const char *what, const struct tree *map);
void decode_per_domain(struct decoder *d, const struct tree *node, const char *path,
                       struct per_domain *out);
void decode_apply_per_domain(const struct per_domain *layer, double *values, int n);
void decode_sort_regions(struct decoder *d, int n);

/* the sections, in the order scenario_decode runs them */
void decode_run(struct decoder *d, const struct tree *root);
void decode_domains(struct decoder *d, const struct tree *root);
void decode_states(struct decoder *d, const struct tree *root);
void decode_regions(struct decoder *d, const struct tree *root);
void decode_routes(struct decoder *d, const struct tree *root);
void decode_threats(struct decoder *d, const struct tree *root);
void decode_partners(struct decoder *d, const struct tree *root);
void decode_hub_trust_burn(struct decoder *d, const struct tree *root);
void decode_check_hub(struct decoder *d, const struct tree *root);
void decode_measures(struct decoder *d, const struct tree *root);
/* decode_channels.c */
void decode_network(struct decoder *d, const struct tree *node, const char *path,
                    struct world_threat_type *type);
void decode_collection(struct decoder *d, const struct tree *root);
void decode_channel_switches(struct decoder *d, const struct tree *root);
void decode_network_slots(struct decoder *d, const struct tree *root);
void decode_check_measures(struct decoder *d, struct scenario *s);
/* decode_uncertainty.c: the `uncertainty:` block into s->factors; its factors' extremes checked */
void decode_uncertainty(struct decoder *d, const struct tree *root);
void decode_check_uncertainty(struct decoder *d, struct scenario *s);

#endif
