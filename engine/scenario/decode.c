/* decode.c — a parsed scenario tree to typed, validated values in a world, collecting every error.
 *
 * One function per section, helpers per kind of value (probability, integer in range, name,
 * per-domain value). Every helper reports FILE:LINE:COLUMN: error: KEY.PATH: problem (expected)
 * and carries on, so one pass shows all that is wrong. Inheritance is resolved in layers:
 * built-in defaults, then `defaults:`, then the state; sharing: top-level `sharing`, then
 * `defaults.sharing`, then the state's own, each layer's `by_domain` above all base keys.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "report.h"

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

/* ---- messages ------------------------------------------------------------------------------- */

static void fail(struct decoder *d, const struct tree *node, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail(struct decoder *d, const struct tree *node, const char *path, const char *fmt,
                 ...) {
    char message[1024];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    d->failures++;
    if (node && node->origin)
        errors_add(d->errors, "%s: error: %s: %s", node->origin, path, message);
    else
        errors_add(d->errors, "%s:%d:%d: error: %s: %s", d->filename, node ? node->line : 1,
                   node ? node->column : 1, path, message);
}

/* parent.key into buffer (or key alone at the top). */
static const char *join(char *buffer, size_t size, const char *parent, const char *key) {
    size_t used = 0;
    /* Copied by hand: a path too long for the buffer is cut, never overflowed. */
    for (const char *part = parent && *parent ? parent : ""; *part && used + 1 < size; part++)
        buffer[used++] = *part;
    if (parent && *parent && used + 1 < size) buffer[used++] = '.';
    for (const char *part = key; *part && used + 1 < size; part++) buffer[used++] = *part;
    buffer[used] = '\0';
    return buffer;
}

static const char *kind_name(const struct tree *node) {
    if (node->kind == TREE_MAP) return "a mapping";
    if (node->kind == TREE_SEQ) return "a list";
    return tree_is_null(node) ? "nothing" : "a single value";
}

static int is_map(struct decoder *d, const struct tree *node, const char *path,
                  const char *expected) {
    if (node && node->kind == TREE_MAP) return 1;
    fail(d, node, path, "got %s (expected %s)", kind_name(node), expected);
    return 0;
}

/* Report keys of `map` not in `allowed`, suggesting the closest allowed key. */
static void check_keys(struct decoder *d, const struct tree *map, const char *path,
                       const char *const *allowed, int count) {
    for (int i = 0; i < map->count; i++) {
        const char *key = map->keys[i]->text;
        int known = 0;
        for (int j = 0; j < count && !known; j++) known = strcmp(key, allowed[j]) == 0;
        if (known) continue;
        char where[512];
        join(where, sizeof where, path, key);
        const char *guess = closest_name(key, allowed, count);
        if (strpbrk(key, " ()")) {
            /* `{name: Osh (Irkeshtam, Kara-Suu), ...}`: the comma ended the text early. */
            fail(d, map->keys[i], where,
                 "unknown key (expected one of the keys of %s; if this is the rest of a text "
                 "value, quote that text: a comma inside {...} ends a value)",
                 path && *path ? path : "the document");
        } else if (guess) {
            fail(d, map->keys[i], where, "unknown key (did you mean '%s'?)", guess);
        } else {
            char list[512] = "";
            size_t used = 0;
            for (int j = 0; j < count && used < sizeof list; j++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "",
                                         allowed[j]);
            fail(d, map->keys[i], where, "unknown key (expected one of: %s)", list);
        }
    }
}

/* The value of a required key, or NULL after reporting it missing at the parent's position. */
static struct tree *require(struct decoder *d, const struct tree *map, const char *path,
                            const char *key, const char *expected) {
    struct tree *value = tree_get(map, key, NULL);
    if (value && !tree_is_null(value)) return value;
    char where[512];
    fail(d, value ? value : map, join(where, sizeof where, path, key),
         "missing required key (expected %s)", expected);
    return NULL;
}

/* ---- scalars -------------------------------------------------------------------------------- */

/* Decimal syntax only: [+-]digits[.digits][e[+-]digits] (also .5 and 5.). */
static int decimal_syntax(const char *s, int *is_integer) {
    const char *p = s;
    int digits = 0;
    *is_integer = 1;
    if (*p == '+' || *p == '-') p++;
    while (isdigit((unsigned char)*p)) p++, digits++;
    if (*p == '.') {
        *is_integer = 0;
        p++;
        while (isdigit((unsigned char)*p)) p++, digits++;
    }
    if (!digits) return 0;
    if (*p == 'e' || *p == 'E') {
        *is_integer = 0;
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!isdigit((unsigned char)*p)) return 0;
        while (isdigit((unsigned char)*p)) p++;
    }
    return *p == '\0';
}

static int looks_non_finite(const char *s) {
    if (*s == '+' || *s == '-') s++;
    if (*s == '.') s++;
    char lower[16];
    size_t n = 0;
    for (; s[n] && n < sizeof lower - 1; n++) lower[n] = (char)tolower((unsigned char)s[n]);
    lower[n] = '\0';
    return strcmp(lower, "nan") == 0 || strcmp(lower, "inf") == 0 || strcmp(lower, "infinity") == 0;
}

/* A scalar as a number: 0 ok; else reported (what was expected is in `expected`). */
static int scalar_number(struct decoder *d, const struct tree *node, const char *path,
                         const char *expected, int want_integer, double *real, long long *integer) {
    if (!node || node->kind != TREE_SCALAR || tree_is_null(node)) {
        fail(d, node, path, "got %s (expected %s)", node ? kind_name(node) : "nothing", expected);
        return -1;
    }
    const char *text = node->text;
    if (node->quoted) {
        fail(d, node, path, "\"%s\" is quoted text (expected %s, written without quotes)", text,
             expected);
        return -1;
    }
    int is_integer;
    if (!decimal_syntax(text, &is_integer)) {
        if (looks_non_finite(text))
            fail(d, node, path, "%s is not a finite number (expected %s)", text, expected);
        else
            fail(d, node, path, "'%s' is not a number (expected %s)", text, expected);
        return -1;
    }
    if (want_integer) {
        if (!is_integer) {
            fail(d, node, path, "%s is not a whole number (expected %s)", text, expected);
            return -1;
        }
        errno = 0;
        long long value = strtoll(text, NULL, 10);
        if (errno == ERANGE) {
            fail(d, node, path, "%s is too large (expected %s)", text, expected);
            return -1;
        }
        *integer = value;
        return 0;
    }
    errno = 0;
    double value = strtod(text, NULL);
    if (errno == ERANGE && fabs(value) > 1.0) {
        fail(d, node, path, "%s is too large to represent (expected %s)", text, expected);
        return -1;
    }
    if (!isfinite(value)) {
        fail(d, node, path, "%s is not a finite number (expected %s)", text, expected);
        return -1;
    }
    if (value == 0.0) value = 0.0; /* -0 and underflow read as plain zero */
    *real = value;
    return 0;
}

/* A real number in [lo, hi] (lo excluded when lo_open). */
static int get_real(struct decoder *d, const struct tree *node, const char *path, double lo,
                    double hi, int lo_open, const char *expected, double *out) {
    double value;
    if (scalar_number(d, node, path, expected, 0, &value, NULL) != 0) return -1;
    if (value < lo || value > hi || (lo_open && value == lo)) {
        fail(d, node, path, "%s is out of range (expected %s)", node->text, expected);
        return -1;
    }
    *out = value;
    return 0;
}

static int get_probability(struct decoder *d, const struct tree *node, const char *path,
                           double *out) {
    return get_real(d, node, path, 0, 1, 0, "a probability in [0, 1]", out);
}

static int get_nonnegative(struct decoder *d, const struct tree *node, const char *path,
                           double *out) {
    return get_real(d, node, path, 0, HUGE_VAL, 0, "a number >= 0", out);
}

static int get_integer(struct decoder *d, const struct tree *node, const char *path, long long lo,
                       long long hi, long long *out) {
    char expected[96];
    snprintf(expected, sizeof expected, "a whole number in %lld..%lld", lo, hi);
    long long value;
    if (scalar_number(d, node, path, expected, 1, NULL, &value) != 0) return -1;
    if (value < lo || value > hi) {
        fail(d, node, path, "%s is out of range (expected %s)", node->text, expected);
        return -1;
    }
    *out = value;
    return 0;
}

/* Optional keys: decode when present, keep `out` as is when absent. */
static void opt_probability(struct decoder *d, const struct tree *map, const char *path,
                            const char *key, double *out) {
    char where[512];
    struct tree *node = tree_get(map, key, NULL);
    if (node) get_probability(d, node, join(where, sizeof where, path, key), out);
}

static void opt_nonnegative(struct decoder *d, const struct tree *map, const char *path,
                            const char *key, double *out) {
    char where[512];
    struct tree *node = tree_get(map, key, NULL);
    if (node) get_nonnegative(d, node, join(where, sizeof where, path, key), out);
}

static void opt_integer(struct decoder *d, const struct tree *map, const char *path,
                        const char *key, long long lo, long long hi, int *out) {
    char where[512];
    long long value;
    struct tree *node = tree_get(map, key, NULL);
    if (node && get_integer(d, node, join(where, sizeof where, path, key), lo, hi, &value) == 0)
        *out = (int)value;
}

/* Text of at most `size - 1` bytes. */
static int get_text(struct decoder *d, const struct tree *node, const char *path, char *out,
                    size_t size) {
    if (!node || node->kind != TREE_SCALAR || tree_is_null(node)) {
        fail(d, node, path, "got %s (expected text)", node ? kind_name(node) : "nothing");
        return -1;
    }
    if (strlen(node->text) >= size) {
        fail(d, node, path, "too long (expected at most %zu characters)", size - 1);
        return -1;
    }
    snprintf(out, size, "%s", node->text);
    return 0;
}

static int get_bool(struct decoder *d, const struct tree *node, const char *path, int *out) {
    if (node && node->kind == TREE_SCALAR && !node->quoted) {
        if (strcmp(node->text, "true") == 0 || strcmp(node->text, "True") == 0) {
            *out = 1;
            return 0;
        }
        if (strcmp(node->text, "false") == 0 || strcmp(node->text, "False") == 0) {
            *out = 0;
            return 0;
        }
    }
    fail(d, node, path, "'%s' is not a truth value (expected true or false)",
         node && node->text ? node->text : "");
    return -1;
}

/* One of `names`; reports with a suggestion otherwise. Returns the index or -1. */
static int get_choice(struct decoder *d, const struct tree *node, const char *path,
                      const char *const *names, int count, const char *what) {
    if (!node || node->kind != TREE_SCALAR || tree_is_null(node)) {
        fail(d, node, path, "got %s (expected %s)", node ? kind_name(node) : "nothing", what);
        return -1;
    }
    for (int i = 0; i < count; i++)
        if (strcmp(node->text, names[i]) == 0) return i;
    const char *guess = closest_name(node->text, names, count);
    char list[512] = "";
    size_t used = 0;
    for (int i = 0; i < count && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", names[i]);
    if (guess)
        fail(d, node, path, "no %s named '%s' (did you mean '%s'?)", what, node->text, guess);
    else
        fail(d, node, path, "no %s named '%s' (expected one of: %s)", what, node->text, list);
    return -1;
}

/* Identifier syntax: lowercase ids (regions, threats, partners, measures, domains) or state
 * codes (2-7 uppercase letters or digits, starting with a letter). */
static int id_ok(const char *s, int code, size_t longest) {
    size_t n = strlen(s);
    if (code) {
        if (n < 2 || n > 7 || !isupper((unsigned char)s[0])) return 0;
        for (size_t i = 0; i < n; i++)
            if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i])) return 0;
        return 1;
    }
    if (n < 1 || n > longest || !islower((unsigned char)s[0])) return 0;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_') return 0;
    return 1;
}

/* ---- lookups -------------------------------------------------------------------------------- */

static int state_index(const struct decoder *d, const char *code) {
    for (int s = 0; s < d->w->n_states; s++)
        if (strcmp(d->w->states[s].code, code) == 0) return s;
    return -1;
}

/* qsort has no context argument; per thread, since variants may be decoded in parallel. */
static _Thread_local const struct decoder *sort_decoder;

static int compare_region_ids(const void *a, const void *b) {
    return strcmp(sort_decoder->region_ids[*(const int *)a],
                  sort_decoder->region_ids[*(const int *)b]);
}

static int region_index(const struct decoder *d, const char *id) {
    int lo = 0, hi = d->w->n_regions - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int order = strcmp(d->region_ids[d->region_order[mid]], id);
        if (order == 0) return d->region_order[mid];
        if (order < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* Report an unknown state code at `node` with a suggestion. */
static void fail_no_state(struct decoder *d, const struct tree *node, const char *path,
                          const char *code) {
    const char *guess = closest_name(code, d->state_codes, d->w->n_states);
    if (guess)
        fail(d, node, path, "no state named %s (did you mean %s?)", code, guess);
    else
        fail(d, node, path, "no state named %s (expected one of the codes under states)", code);
}

static void fail_no_region(struct decoder *d, const struct tree *node, const char *path,
                           const char *id) {
    /* Suggestions cost an edit distance per region: only for worlds of hand-written size. */
    const char *guess =
        d->w->n_regions <= 5000 ? closest_name(id, d->region_ids, d->w->n_regions) : NULL;
    if (guess)
        fail(d, node, path, "no region named %s (did you mean %s?)", id, guess);
    else
        fail(d, node, path, "no region named %s (expected an id under regions)", id);
}

/* A region reference: index or -1 after reporting. */
static int get_region(struct decoder *d, const struct tree *node, const char *path) {
    if (!node || node->kind != TREE_SCALAR || tree_is_null(node)) {
        fail(d, node, path, "got %s (expected a region id)", node ? kind_name(node) : "nothing");
        return -1;
    }
    int g = region_index(d, node->text);
    if (g < 0) fail_no_region(d, node, path, node->text);
    return g;
}

/* A set of states: a list of codes, or `all`. */
static int get_state_set(struct decoder *d, const struct tree *node, const char *path,
                         uint64_t *out) {
    if (node && node->kind == TREE_SCALAR && !node->quoted && strcmp(node->text, "all") == 0) {
        *out = d->w->n_states == 64 ? UINT64_MAX : (UINT64_C(1) << d->w->n_states) - 1;
        return 0;
    }
    if (!node || node->kind != TREE_SEQ) {
        fail(d, node, path, "got %s (expected a list of state codes, or all)",
             node ? kind_name(node) : "nothing");
        return -1;
    }
    uint64_t set = 0;
    int failed = 0;
    for (int i = 0; i < node->count; i++) {
        char where[512];
        snprintf(where, sizeof where, "%s[%d]", path, i);
        const struct tree *item = node->items[i];
        if (item->kind != TREE_SCALAR) {
            fail(d, item, where, "got %s (expected a state code)", kind_name(item));
            failed = 1;
            continue;
        }
        int s = state_index(d, item->text);
        if (s < 0) {
            fail_no_state(d, item, where, item->text);
            failed = 1;
        } else if (set & (UINT64_C(1) << s)) {
            fail(d, item, where, "%s is listed twice (expected each state once)", item->text);
            failed = 1;
        }
        if (s >= 0) set |= UINT64_C(1) << s;
    }
    *out = set;
    return failed ? -1 : 0;
}

/* Keys of an entity mapping that an override created without the file naming them. */
static int entity_created(struct decoder *d, const struct tree *key, const char *path,
                          const char *what, const struct tree *map) {
    if (!key->created) return 0;
    const char *names[256];
    int count = 0;
    for (int i = 0; i < map->count && count < 256; i++)
        if (!map->keys[i]->created) names[count++] = map->keys[i]->text;
    const char *guess = closest_name(key->text, names, count);
    if (guess)
        fail(d, key, path, "no %s named %s (did you mean %s?)", what, key->text, guess);
    else
        fail(d, key, path, "no %s named %s (overrides change values; they do not add a %s)", what,
             key->text, what);
    return 1;
}

/* ---- per-domain values ---------------------------------------------------------------------- */

struct per_domain {
    unsigned has; /* bit d: domain d given in this layer */
    double value[WORLD_MAX_DOMAINS];
};

static void decode_per_domain(struct decoder *d, const struct tree *node, const char *path,
                              struct per_domain *out) {
    int n = d->w->n_domains;
    out->has = 0;
    if (node->kind == TREE_SCALAR) {
        double value;
        if (get_probability(d, node, path, &value) != 0) return;
        for (int k = 0; k < n; k++) out->value[k] = value;
        out->has = (1u << n) - 1;
        return;
    }
    if (!is_map(d, node, path, "a probability, or a mapping from domain (or all) to probability"))
        return;
    const char *allowed[WORLD_MAX_DOMAINS + 1];
    allowed[0] = "all";
    for (int k = 0; k < n; k++) allowed[k + 1] = d->domain_names[k];
    check_keys(d, node, path, allowed, n + 1);
    char where[512];
    struct tree *all = tree_get(node, "all", NULL);
    double value;
    if (all && get_probability(d, all, join(where, sizeof where, path, "all"), &value) == 0) {
        for (int k = 0; k < n; k++) out->value[k] = value;
        out->has = (1u << n) - 1;
    }
    for (int k = 0; k < n; k++) {
        struct tree *one = tree_get(node, d->domain_names[k], NULL);
        if (one && get_probability(d, one, join(where, sizeof where, path, d->domain_names[k]),
                                   &value) == 0) {
            out->value[k] = value;
            out->has |= 1u << k;
        }
    }
}

static void per_domain_apply(const struct per_domain *layer, double *values, int n) {
    for (int k = 0; k < n; k++)
        if (layer->has & (1u << k)) values[k] = layer->value[k];
}

/* ---- sharing -------------------------------------------------------------------------------- */

enum { HAS_POLICY = 1, HAS_SCOPE = 2, HAS_LEVEL = 4, HAS_THRESHOLD = 8, HAS_LATENCY = 16 };

static const char *const policy_names[] = {"withhold",   "full",       "level",
                                           "agreements", "reciprocal", "hub"};
static const char *const scope_names[] = {"all", "neighbours", "route"};

struct sharing_fields {
    unsigned has;
    struct world_sharing value;
};

struct sharing_layer {
    struct sharing_fields base;
    struct sharing_fields domain[WORLD_MAX_DOMAINS];
    uint64_t agreement_has;
    double agreement[WORLD_MAX_STATES];
};

static void decode_sharing_fields(struct decoder *d, const struct tree *map, const char *path,
                                  struct sharing_fields *out) {
    char where[512];
    struct tree *node;
    if ((node = tree_get(map, "policy", NULL))) {
        int policy = get_choice(d, node, join(where, sizeof where, path, "policy"), policy_names, 6,
                                "sharing policy");
        if (policy >= 0) out->value.policy = policy, out->has |= HAS_POLICY;
    }
    if ((node = tree_get(map, "scope", NULL))) {
        int scope = get_choice(d, node, join(where, sizeof where, path, "scope"), scope_names, 3,
                               "sharing scope");
        if (scope >= 0) out->value.scope = scope, out->has |= HAS_SCOPE;
    }
    if ((node = tree_get(map, "level", NULL)) &&
        get_probability(d, node, join(where, sizeof where, path, "level"), &out->value.level) == 0)
        out->has |= HAS_LEVEL;
    if ((node = tree_get(map, "threshold", NULL)) &&
        get_nonnegative(d, node, join(where, sizeof where, path, "threshold"),
                        &out->value.threshold) == 0)
        out->has |= HAS_THRESHOLD;
    long long latency;
    if ((node = tree_get(map, "latency", NULL)) &&
        get_integer(d, node, join(where, sizeof where, path, "latency"), 0, 1000, &latency) == 0) {
        out->value.latency = (int)latency;
        out->has |= HAS_LATENCY;
    }
}

/* `self`: the state this sharing belongs to (an agreement with itself is an error), or -1. */
static void decode_sharing(struct decoder *d, const struct tree *node, const char *path, int self,
                           struct sharing_layer *out) {
    memset(out, 0, sizeof *out);
    if (!is_map(d, node, path, "a sharing mapping (policy, level, agreements, ...)")) return;
    static const char *const keys[] = {"policy", "level",   "agreements", "threshold",
                                       "scope",  "latency", "by_domain"};
    check_keys(d, node, path, keys, 7);
    decode_sharing_fields(d, node, path, &out->base);
    char where[512], inner[512];
    struct tree *agreements = tree_get(node, "agreements", NULL);
    join(where, sizeof where, path, "agreements");
    if (agreements && is_map(d, agreements, where, "a mapping from state code to probability")) {
        for (int i = 0; i < agreements->count; i++) {
            const struct tree *key = agreements->keys[i];
            join(inner, sizeof inner, where, key->text);
            int s = state_index(d, key->text);
            if (s < 0) {
                fail_no_state(d, key, inner, key->text);
                continue;
            }
            if (s == self) {
                fail(d, key, inner, "an agreement of %s with itself (expected other states)",
                     key->text);
                continue;
            }
            if (get_probability(d, agreements->items[i], inner, &out->agreement[s]) == 0)
                out->agreement_has |= UINT64_C(1) << s;
        }
    }
    struct tree *by_domain = tree_get(node, "by_domain", NULL);
    join(where, sizeof where, path, "by_domain");
    if (by_domain && !tree_is_null(by_domain) &&
        is_map(d, by_domain, where, "a mapping from domain to sharing keys")) {
        check_keys(d, by_domain, where, d->domain_names, d->w->n_domains);
        static const char *const domain_keys[] = {"policy", "level", "threshold", "scope",
                                                  "latency"};
        for (int k = 0; k < d->w->n_domains; k++) {
            struct tree *one = tree_get(by_domain, d->domain_names[k], NULL);
            if (!one) continue;
            join(inner, sizeof inner, where, d->domain_names[k]);
            if (!is_map(d, one, inner, "a mapping of sharing keys (policy, level, ...)")) continue;
            check_keys(d, one, inner, domain_keys, 5);
            decode_sharing_fields(d, one, inner, &out->domain[k]);
        }
    }
}

static void sharing_apply(const struct sharing_fields *layer, struct world_sharing *value) {
    if (layer->has & HAS_POLICY) value->policy = layer->value.policy;
    if (layer->has & HAS_SCOPE) value->scope = layer->value.scope;
    if (layer->has & HAS_LEVEL) value->level = layer->value.level;
    if (layer->has & HAS_THRESHOLD) value->threshold = layer->value.threshold;
    if (layer->has & HAS_LATENCY) value->latency = layer->value.latency;
}

/* ---- states --------------------------------------------------------------------------------- */

enum {
    HAS_UNITS = 1,
    HAS_INTERDICTION = 2,
    HAS_BUSY = 4,
    HAS_LEAK = 8,
    HAS_COST = 16,
    HAS_NOISE = 32,
};

struct state_layer {
    struct per_domain detect, border, cue;
    unsigned has;
    struct world_state value;
    int has_sharing;
    struct sharing_layer sharing;
};

static void decode_state_layer(struct decoder *d, const struct tree *node, const char *path,
                               int self, struct state_layer *out) {
    memset(out, 0, sizeof *out);
    static const char *const keys[] = {"name",     "detect", "border_bonus",    "cue_gain",
                                       "response", "leak",   "cost_per_report", "severity_noise",
                                       "sharing"};
    /* `defaults` (self < 0) takes every state key but the name. */
    check_keys(d, node, path, self >= 0 ? keys : keys + 1, self >= 0 ? 9 : 8);
    char where[512], inner[512];
    struct tree *value;
    if ((value = tree_get(node, "detect", NULL)))
        decode_per_domain(d, value, join(where, sizeof where, path, "detect"), &out->detect);
    if ((value = tree_get(node, "border_bonus", NULL)))
        decode_per_domain(d, value, join(where, sizeof where, path, "border_bonus"), &out->border);
    if ((value = tree_get(node, "cue_gain", NULL)))
        decode_per_domain(d, value, join(where, sizeof where, path, "cue_gain"), &out->cue);
    struct tree *response = tree_get(node, "response", NULL);
    join(where, sizeof where, path, "response");
    if (response && is_map(d, response, where, "a mapping with units, interdiction, busy_ticks")) {
        static const char *const response_keys[] = {"units", "interdiction", "busy_ticks"};
        check_keys(d, response, where, response_keys, 3);
        long long integer;
        struct tree *one;
        if ((one = tree_get(response, "units", NULL)) &&
            get_integer(d, one, join(inner, sizeof inner, where, "units"), 0, 10000, &integer) == 0)
            out->value.units = (int)integer, out->has |= HAS_UNITS;
        if ((one = tree_get(response, "interdiction", NULL)) &&
            get_probability(d, one, join(inner, sizeof inner, where, "interdiction"),
                            &out->value.interdiction) == 0)
            out->has |= HAS_INTERDICTION;
        if ((one = tree_get(response, "busy_ticks", NULL)) &&
            get_integer(d, one, join(inner, sizeof inner, where, "busy_ticks"), 1, 10000,
                        &integer) == 0)
            out->value.busy_ticks = (int)integer, out->has |= HAS_BUSY;
    }
    if ((value = tree_get(node, "leak", NULL)) &&
        get_probability(d, value, join(where, sizeof where, path, "leak"), &out->value.leak) == 0)
        out->has |= HAS_LEAK;
    if ((value = tree_get(node, "cost_per_report", NULL)) &&
        get_nonnegative(d, value, join(where, sizeof where, path, "cost_per_report"),
                        &out->value.cost_per_report) == 0)
        out->has |= HAS_COST;
    if ((value = tree_get(node, "severity_noise", NULL)) &&
        get_nonnegative(d, value, join(where, sizeof where, path, "severity_noise"),
                        &out->value.severity_noise) == 0)
        out->has |= HAS_NOISE;
    if ((value = tree_get(node, "sharing", NULL))) {
        decode_sharing(d, value, join(where, sizeof where, path, "sharing"), self, &out->sharing);
        out->has_sharing = 1;
    }
}

static void state_apply(const struct state_layer *layer, struct world_state *state, int n_domains,
                        double *detect, double *border, double *cue) {
    per_domain_apply(&layer->detect, detect, n_domains);
    per_domain_apply(&layer->border, border, n_domains);
    per_domain_apply(&layer->cue, cue, n_domains);
    if (layer->has & HAS_UNITS) state->units = layer->value.units;
    if (layer->has & HAS_INTERDICTION) state->interdiction = layer->value.interdiction;
    if (layer->has & HAS_BUSY) state->busy_ticks = layer->value.busy_ticks;
    if (layer->has & HAS_LEAK) state->leak = layer->value.leak;
    if (layer->has & HAS_COST) state->cost_per_report = layer->value.cost_per_report;
    if (layer->has & HAS_NOISE) state->severity_noise = layer->value.severity_noise;
}

/* ---- sections ------------------------------------------------------------------------------- */

static void decode_run(struct decoder *d, const struct tree *root) {
    struct tree *run = require(d, root, "", "run", "a mapping with ticks, seed, replicates");
    d->w->ticks = 1;
    d->w->seed = 1;
    d->w->replicates = 100;
    snprintf(d->s->tick_unit, sizeof d->s->tick_unit, "day");
    if (!run || !is_map(d, run, "run", "a mapping with ticks, seed, replicates")) return;
    static const char *const keys[] = {"ticks", "tick_unit", "seed", "replicates"};
    check_keys(d, run, "run", keys, 4);
    struct tree *ticks = require(d, run, "run", "ticks", "a whole number of ticks in 1..100000");
    long long value;
    if (ticks && get_integer(d, ticks, "run.ticks", 1, MAX_TICKS, &value) == 0)
        d->w->ticks = (int)value;
    d->s->ticks_node = ticks;
    struct tree *node;
    if ((node = tree_get(run, "tick_unit", NULL)))
        get_text(d, node, "run.tick_unit", d->s->tick_unit, sizeof d->s->tick_unit);
    if ((node = tree_get(run, "seed", NULL)) &&
        get_integer(d, node, "run.seed", 0, INT64_MAX, &value) == 0)
        d->w->seed = (uint64_t)value;
    opt_integer(d, run, "run", "replicates", 1, 1000000, &d->w->replicates);
}

static void decode_domains(struct decoder *d, const struct tree *root) {
    static const char *const standard[] = {"military", "terrorism", "trafficking",
                                           "cyber",    "hybrid",    "infrastructure"};
    struct tree *domains = tree_get(root, "domains", NULL);
    struct world *w = d->w;
    if (!domains) {
        w->n_domains = 6;
        for (int k = 0; k < 6; k++)
            snprintf(w->domain_names[k], sizeof w->domain_names[k], "%s", standard[k]);
    } else if (domains->kind != TREE_SEQ || domains->count < 1) {
        fail(d, domains, "domains", "got %s (expected a list of 1 to %d domain names)",
             domains->kind == TREE_SEQ ? "an empty list" : kind_name(domains), WORLD_MAX_DOMAINS);
    } else if (domains->count > WORLD_MAX_DOMAINS) {
        fail(d, domains, "domains", "%d domains (expected at most %d)", domains->count,
             WORLD_MAX_DOMAINS);
    } else {
        for (int i = 0; i < domains->count; i++) {
            const struct tree *item = domains->items[i];
            char where[64];
            snprintf(where, sizeof where, "domains[%d]", i);
            if (item->kind != TREE_SCALAR || !id_ok(item->text, 0, 31) ||
                strcmp(item->text, "all") == 0) {
                fail(d, item, where,
                     "'%s' is not a domain name (expected lowercase letters, digits and _, at "
                     "most 31, not 'all')",
                     item->kind == TREE_SCALAR ? item->text : "");
                continue;
            }
            int duplicate = 0;
            for (int k = 0; k < w->n_domains; k++)
                duplicate |= strcmp(w->domain_names[k], item->text) == 0;
            if (duplicate) {
                fail(d, item, where, "%s is listed twice (expected each domain once)", item->text);
                continue;
            }
            snprintf(w->domain_names[w->n_domains++], sizeof w->domain_names[0], "%s", item->text);
        }
    }
    if (w->n_domains == 0) { /* keep decoding the rest against something */
        w->n_domains = 1;
        snprintf(w->domain_names[0], sizeof w->domain_names[0], "%s", standard[0]);
    }
    for (int k = 0; k < w->n_domains; k++) d->domain_names[k] = w->domain_names[k];
}

/* States: codes first (everything else refers to them), then parameters in layers. */
static void decode_states(struct decoder *d, const struct tree *root) {
    struct world *w = d->w;
    struct tree *states = require(d, root, "", "states", "a mapping from state code to state");
    if (!states || !is_map(d, states, "states", "a mapping from state code to state")) return;
    if (states->count > WORLD_MAX_STATES) {
        fail(d, states, "states", "%d states (expected at most %d)", states->count,
             WORLD_MAX_STATES);
        return;
    }
    int n = 0;
    const struct tree *nodes[WORLD_MAX_STATES];
    w->states = calloc((size_t)states->count + 1, sizeof *w->states);
    if (!w->states) return;
    for (int i = 0; i < states->count; i++) {
        const struct tree *key = states->keys[i];
        char where[512];
        join(where, sizeof where, "states", key->text);
        if (entity_created(d, key, where, "state", states)) continue;
        if (!id_ok(key->text, 1, 7)) {
            fail(d, key, where,
                 "'%s' is not a state code (expected 2 to 7 uppercase letters or digits, e.g. "
                 "TJK)",
                 key->text);
            continue;
        }
        snprintf(w->states[n].code, sizeof w->states[n].code, "%s", key->text);
        snprintf(w->states[n].name, sizeof w->states[n].name, "%s", key->text);
        nodes[n++] = states->items[i];
    }
    if (n == 0 && d->failures == 0) fail(d, states, "states", "no states (expected at least one)");
    w->n_states = n;
    for (int s = 0; s < n; s++) d->state_codes[s] = w->states[s].code;
    size_t sd = (size_t)n * (size_t)w->n_domains + 1;
    w->detect = calloc(sd, sizeof *w->detect);
    w->border_bonus = calloc(sd, sizeof *w->border_bonus);
    w->cue_gain = calloc(sd, sizeof *w->cue_gain);
    w->sharing = calloc(sd, sizeof *w->sharing);
    w->agreement = calloc((size_t)n * (size_t)n + 1, sizeof *w->agreement);
    w->neighbours = calloc((size_t)n + 1, sizeof *w->neighbours);
    struct state_layer *defaults = calloc(1, sizeof *defaults);
    struct state_layer *own = calloc(1, sizeof *own);
    struct sharing_layer *top = calloc(1, sizeof *top);
    if (!w->detect || !w->border_bonus || !w->cue_gain || !w->sharing || !w->agreement ||
        !w->neighbours || !defaults || !own || !top) {
        fail(d, states, "states", "out of memory");
        goto done;
    }
    struct tree *node;
    if ((node = tree_get(root, "defaults", NULL)) &&
        is_map(d, node, "defaults", "a mapping of state keys every state inherits"))
        decode_state_layer(d, node, "defaults", -1, defaults);
    if ((node = tree_get(root, "sharing", NULL))) decode_sharing(d, node, "sharing", -1, top);
    for (int s = 0; s < n; s++) {
        char path[512];
        join(path, sizeof path, "states", w->states[s].code);
        struct world_state *state = &w->states[s];
        /* Built-in defaults (documented in docs/scenario-format.md). */
        state->units = 1;
        state->interdiction = 0.5;
        state->busy_ticks = 1;
        state->severity_noise = 0.3;
        double *detect = &w->detect[world_sd(w, s, 0)];
        for (int k = 0; k < w->n_domains; k++) detect[k] = 0.05;
        int has_own = 0;
        if (tree_is_null(nodes[s])) {
            memset(own, 0, sizeof *own);
        } else if (is_map(d, nodes[s], path, "a state mapping (name, detect, response, ...)")) {
            decode_state_layer(d, nodes[s], path, s, own);
            has_own = 1;
            struct tree *name = tree_get(nodes[s], "name", NULL);
            char where[512];
            if (name)
                get_text(d, name, join(where, sizeof where, path, "name"), state->name,
                         sizeof state->name);
        } else {
            continue;
        }
        double *border = &w->border_bonus[world_sd(w, s, 0)];
        double *cue = &w->cue_gain[world_sd(w, s, 0)];
        state_apply(defaults, state, w->n_domains, detect, border, cue);
        if (has_own) state_apply(own, state, w->n_domains, detect, border, cue);
        /* Sharing: base keys of each layer, then each layer's by_domain above them. */
        const struct sharing_layer *layers[3] = {
            top, defaults->has_sharing ? &defaults->sharing : NULL,
            has_own && own->has_sharing ? &own->sharing : NULL};
        for (int k = 0; k < w->n_domains; k++) {
            struct world_sharing value = {POLICY_WITHHOLD, SCOPE_ALL, 0.5, 0, 0};
            for (int l = 0; l < 3; l++)
                if (layers[l]) sharing_apply(&layers[l]->base, &value);
            for (int l = 0; l < 3; l++)
                if (layers[l]) sharing_apply(&layers[l]->domain[k], &value);
            w->sharing[world_sd(w, s, k)] = value;
        }
        for (int l = 0; l < 3; l++) {
            if (!layers[l]) continue;
            for (int j = 0; j < n; j++)
                if (j != s && (layers[l]->agreement_has & (UINT64_C(1) << j)))
                    w->agreement[(size_t)s * (size_t)n + (size_t)j] = layers[l]->agreement[j];
        }
    }
done:
    free(defaults);
    free(own);
    free(top);
}

static void decode_regions(struct decoder *d, const struct tree *root) {
    struct world *w = d->w;
    struct tree *regions = require(d, root, "", "regions", "a mapping from region id to region");
    if (!regions || !is_map(d, regions, "regions", "a mapping from region id to region")) return;
    if (regions->count > MAX_REGIONS) {
        fail(d, regions, "regions", "%d regions (expected at most %d)", regions->count,
             MAX_REGIONS);
        return;
    }
    w->regions = calloc((size_t)regions->count + 1, sizeof *w->regions);
    d->region_ids = calloc((size_t)regions->count + 1, sizeof *d->region_ids);
    d->region_order = calloc((size_t)regions->count + 1, sizeof *d->region_order);
    if (!w->regions || !d->region_ids || !d->region_order) return;
    static const char *const keys[] = {"name", "owner", "lon", "lat"};
    int n = 0;
    for (int i = 0; i < regions->count; i++) {
        const struct tree *key = regions->keys[i], *node = regions->items[i];
        char path[512], where[512];
        join(path, sizeof path, "regions", key->text);
        if (entity_created(d, key, path, "region", regions)) continue;
        if (!id_ok(key->text, 0, WORLD_NAME_MAX - 1)) {
            fail(d, key, path,
                 "'%s' is not a region id (expected lowercase letters, digits and _, starting "
                 "with a letter)",
                 key->text);
            continue;
        }
        struct world_region *region = &w->regions[n];
        snprintf(region->id, sizeof region->id, "%s", key->text);
        snprintf(region->name, sizeof region->name, "%s", key->text);
        region->owner = -1;
        d->region_ids[n] = region->id;
        d->region_order[n] = n;
        n++;
        if (!is_map(d, node, path, "a region mapping with owner, lon, lat")) continue;
        check_keys(d, node, path, keys, 4);
        struct tree *value;
        if ((value = tree_get(node, "name", NULL)))
            get_text(d, value, join(where, sizeof where, path, "name"), region->name,
                     sizeof region->name);
        if ((value = require(d, node, path, "owner", "a state code, or none"))) {
            join(where, sizeof where, path, "owner");
            region->owner = OWNER_UNKNOWN;
            if (value->kind != TREE_SCALAR) {
                fail(d, value, where, "got %s (expected a state code, or none)", kind_name(value));
            } else if (strcmp(value->text, "none") == 0) {
                region->owner = -1;
            } else if ((region->owner = state_index(d, value->text)) < 0) {
                region->owner = OWNER_UNKNOWN;
                fail_no_state(d, value, where, value->text);
            }
        } else {
            region->owner = OWNER_UNKNOWN;
        }
        if ((value = require(d, node, path, "lon", "a longitude in degrees, [-180, 180]")))
            get_real(d, value, join(where, sizeof where, path, "lon"), -180, 180, 0,
                     "a longitude in degrees, [-180, 180]", &region->lon);
        if ((value = require(d, node, path, "lat", "a latitude in degrees, [-90, 90]")))
            get_real(d, value, join(where, sizeof where, path, "lat"), -90, 90, 0,
                     "a latitude in degrees, [-90, 90]", &region->lat);
    }
    w->n_regions = n;
    if (n == 0 && d->failures == 0)
        fail(d, regions, "regions", "no regions (expected at least one)");
    sort_decoder = d;
    qsort(d->region_order, (size_t)n, sizeof *d->region_order, compare_region_ids);
}

struct route_key {
    int low, high, index;
};

static int compare_route_keys(const void *a, const void *b) {
    const struct route_key *x = a, *y = b;
    if (x->low != y->low) return x->low < y->low ? -1 : 1;
    if (x->high != y->high) return x->high < y->high ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

static void decode_routes(struct decoder *d, const struct tree *root) {
    struct world *w = d->w;
    struct tree *routes = tree_get(root, "routes", NULL);
    if (!routes || tree_is_null(routes)) return;
    if (routes->kind != TREE_SEQ) {
        fail(d, routes, "routes", "got %s (expected a list of [FROM, TO, TICKS])",
             kind_name(routes));
        return;
    }
    if (routes->count > MAX_ROUTES) {
        fail(d, routes, "routes", "%d routes (expected at most %d)", routes->count, MAX_ROUTES);
        return;
    }
    w->routes = calloc((size_t)routes->count + 1, sizeof *w->routes);
    const struct tree **nodes = calloc((size_t)routes->count + 1, sizeof *nodes);
    struct route_key *keys = calloc((size_t)routes->count + 1, sizeof *keys);
    int *positions = calloc((size_t)routes->count + 1, sizeof *positions); /* list index */
    if (!w->routes || !nodes || !keys || !positions) goto done;
    int n = 0;
    for (int i = 0; i < routes->count; i++) {
        const struct tree *item = routes->items[i];
        char path[64], where[96];
        snprintf(path, sizeof path, "routes[%d]", i);
        const struct tree *from, *to, *ticks;
        if (item->kind == TREE_SEQ && item->count == 3) {
            from = item->items[0];
            to = item->items[1];
            ticks = item->items[2];
        } else if (item->kind == TREE_MAP) {
            static const char *const route_keys[] = {"from", "to", "ticks"};
            check_keys(d, item, path, route_keys, 3);
            from = require(d, item, path, "from", "a region id");
            to = require(d, item, path, "to", "a region id");
            ticks = require(d, item, path, "ticks", "a whole number of ticks >= 1");
            if (!from || !to || !ticks) continue;
        } else {
            fail(d, item, path, "got %s (expected [FROM, TO, TICKS] or {from, to, ticks})",
                 item->kind == TREE_SEQ ? "a list without 3 items" : kind_name(item));
            continue;
        }
        int a = get_region(d, from, strcat(strcpy(where, path), ".from"));
        int b = get_region(d, to, strcat(strcpy(where, path), ".to"));
        long long travel;
        if (get_integer(d, ticks, strcat(strcpy(where, path), ".ticks"), 1, MAX_TICKS, &travel) !=
                0 ||
            a < 0 || b < 0)
            continue;
        if (a == b) {
            fail(d, item, path, "a route from %s to itself (expected two different regions)",
                 w->regions[a].id);
            continue;
        }
        w->routes[n] = (struct world_route){a, b, (int)travel};
        keys[n] = (struct route_key){a < b ? a : b, a < b ? b : a, n};
        positions[n] = i;
        nodes[n++] = item;
    }
    w->n_routes = n;
    qsort(keys, (size_t)n, sizeof *keys, compare_route_keys);
    for (int i = 1; i < n; i++) {
        if (keys[i].low != keys[i - 1].low || keys[i].high != keys[i - 1].high) continue;
        int later = keys[i].index, earlier = keys[i - 1].index;
        char path[64];
        /* Route indices in messages are list positions (kept as the routes were read: a search
         * per duplicate made a file of many duplicates quadratic). */
        int position = positions[later], first_position = positions[earlier];
        snprintf(path, sizeof path, "routes[%d]", position);
        fail(d, nodes[later], path,
             "%s - %s is joined twice (first at routes[%d], line %d; expected one route per "
             "pair)",
             w->regions[keys[i].low].id, w->regions[keys[i].high].id, first_position,
             nodes[earlier]->line);
    }
done:
    free(nodes);
    free(keys);
    free(positions);
}

static void decode_severity(struct decoder *d, const struct tree *node, const char *path,
                            struct world_threat_type *type) {
    if (!is_map(d, node, path, "a mapping {mu, sigma} or {mean, sd}")) return;
    static const char *const keys[] = {"mu", "sigma", "mean", "sd"};
    check_keys(d, node, path, keys, 4);
    char where[512];
    struct tree *mu = tree_get(node, "mu", NULL), *sigma = tree_get(node, "sigma", NULL);
    struct tree *mean = tree_get(node, "mean", NULL), *sd = tree_get(node, "sd", NULL);
    if ((mu || sigma) && (mean || sd)) {
        fail(d, node, path, "both {mu, sigma} and {mean, sd} given (expected one form)");
        return;
    }
    if (mean || sd) {
        double m = 1, s = 0;
        if (!mean) {
            fail(d, node, join(where, sizeof where, path, "mean"),
                 "missing required key (expected a mean harm > 0)");
            return;
        }
        if (get_real(d, mean, join(where, sizeof where, path, "mean"), 0, HUGE_VAL, 1,
                     "a mean harm > 0", &m) != 0)
            return;
        if (sd && get_nonnegative(d, sd, join(where, sizeof where, path, "sd"), &s) != 0) return;
        /* Lognormal with this mean and sd: sigma^2 = ln(1 + sd^2/mean^2). */
        double ratio = s / m;
        type->severity_sigma = sqrt(log1p(ratio * ratio));
        type->severity_mu = log(m) - type->severity_sigma * type->severity_sigma / 2;
        return;
    }
    if (!mu) {
        fail(d, node, join(where, sizeof where, path, "mu"),
             "missing required key (expected the log-scale mean, or give {mean, sd})");
        return;
    }
    get_real(d, mu, join(where, sizeof where, path, "mu"), -700, 700, 0,
             "a log-scale mean in [-700, 700]", &type->severity_mu);
    if (sigma)
        get_real(d, sigma, join(where, sizeof where, path, "sigma"), 0, 100, 0,
                 "a log-scale sd in [0, 100]", &type->severity_sigma);
}

static void decode_threats(struct decoder *d, const struct tree *root) {
    struct world *w = d->w;
    struct tree *threats = require(d, root, "", "threats", "a mapping from threat id to threat");
    if (!threats || !is_map(d, threats, "threats", "a mapping from threat id to threat")) return;
    if (threats->count > MAX_TYPES) {
        fail(d, threats, "threats", "%d threat types (expected at most %d)", threats->count,
             MAX_TYPES);
        return;
    }
    /* Capacity for origins and targets: the sizes of their mappings. */
    size_t origin_capacity = 1, target_capacity = 1;
    for (int i = 0; i < threats->count; i++) {
        struct tree *origins = tree_get(threats->items[i], "origins", NULL);
        struct tree *targets = tree_get(threats->items[i], "targets", NULL);
        if (origins && origins->kind == TREE_MAP) origin_capacity += (size_t)origins->count;
        if (targets && targets->kind == TREE_MAP) target_capacity += (size_t)targets->count;
    }
    if (origin_capacity > MAX_TARGETS || target_capacity > MAX_TARGETS) {
        fail(d, threats, "threats", "too many origins or targets in all (expected at most %d)",
             MAX_TARGETS);
        return;
    }
    w->types = calloc((size_t)threats->count + 1, sizeof *w->types);
    w->origins = calloc(origin_capacity, sizeof *w->origins);
    w->targets = calloc(target_capacity, sizeof *w->targets);
    w->target_weights = calloc(target_capacity, sizeof *w->target_weights);
    d->s->rate_nodes = calloc(origin_capacity, sizeof *d->s->rate_nodes);
    d->origin_keys = calloc(origin_capacity, sizeof *d->origin_keys);
    d->target_keys = calloc(target_capacity, sizeof *d->target_keys);
    d->s->target_weights_given = calloc(target_capacity, sizeof *d->s->target_weights_given);
    if (!d->s->target_weights_given || !w->types || !w->origins || !w->targets ||
        !w->target_weights || !d->s->rate_nodes || !d->origin_keys || !d->target_keys)
        return;
    static const char *const keys[] = {"name",     "domain",     "origins",  "targets",
                                       "stealth",  "dwell",      "severity", "harm_per_tick",
                                       "adaptive", "escalation", "contagion"};
    for (int i = 0; i < threats->count; i++) {
        const struct tree *key = threats->keys[i], *node = threats->items[i];
        char path[512], where[512], inner[512];
        join(path, sizeof path, "threats", key->text);
        if (entity_created(d, key, path, "threat", threats)) continue;
        if (!id_ok(key->text, 0, WORLD_NAME_MAX - 1)) {
            fail(d, key, path,
                 "'%s' is not a threat id (expected lowercase letters, digits and _, starting "
                 "with a letter)",
                 key->text);
            continue;
        }
        if (!is_map(d, node, path, "a threat mapping (domain, origins, targets, severity, ...)"))
            continue;
        check_keys(d, node, path, keys, 11);
        struct world_threat_type *type = &w->types[w->n_types++];
        snprintf(type->id, sizeof type->id, "%s", key->text);
        snprintf(type->name, sizeof type->name, "%s", key->text);
        type->stealth = 1;
        type->dwell = 1;
        type->first_origin = w->n_origins;
        type->first_target = w->n_targets;
        struct tree *value;
        if ((value = tree_get(node, "name", NULL)))
            get_text(d, value, join(where, sizeof where, path, "name"), type->name,
                     sizeof type->name);
        if ((value = require(d, node, path, "domain", "one of the scenario's domains")))
            type->domain = get_choice(d, value, join(where, sizeof where, path, "domain"),
                                      d->domain_names, w->n_domains, "domain");
        if (type->domain < 0) type->domain = 0;
        struct tree *origins = require(d, node, path, "origins", "a mapping region -> {rate}");
        join(where, sizeof where, path, "origins");
        if (origins && is_map(d, origins, where, "a mapping from region id to {rate, season}")) {
            if (origins->count == 0) fail(d, origins, where, "no origins (expected at least one)");
            for (int j = 0; j < origins->count; j++) {
                const struct tree *origin_key = origins->keys[j], *origin = origins->items[j];
                join(inner, sizeof inner, where, origin_key->text);
                if (entity_created(d, origin_key, inner, "origin", origins)) continue;
                int region = get_region(d, origin_key, inner);
                if (region < 0) continue;
                if (!is_map(d, origin, inner, "a mapping with rate (and optionally season)"))
                    continue;
                static const char *const origin_keys[] = {"rate", "season"};
                check_keys(d, origin, inner, origin_keys, 2);
                struct world_origin *slot = &w->origins[w->n_origins];
                *slot = (struct world_origin){region, 0, 0, 0, 1};
                char leaf[600];
                struct tree *rate = require(d, origin, inner, "rate", "arrivals per tick >= 0");
                if (rate)
                    get_real(d, rate, join(leaf, sizeof leaf, inner, "rate"), 0, 1e9, 0,
                             "arrivals per tick in [0, 1e9]", &slot->rate);
                struct tree *season = tree_get(origin, "season", NULL);
                join(leaf, sizeof leaf, inner, "season");
                if (season && is_map(d, season, leaf, "a mapping {amplitude, peak, period}")) {
                    static const char *const season_keys[] = {"amplitude", "peak", "period"};
                    check_keys(d, season, leaf, season_keys, 3);
                    char part[700];
                    struct tree *one;
                    if ((one = require(d, season, leaf, "amplitude", "a number in [0, 1]")))
                        get_probability(d, one, join(part, sizeof part, leaf, "amplitude"),
                                        &slot->season_amplitude);
                    if ((one = tree_get(season, "peak", NULL)))
                        get_real(d, one, join(part, sizeof part, leaf, "peak"), -1e9, 1e9, 0,
                                 "a tick number", &slot->season_peak);
                    if ((one = require(d, season, leaf, "period", "ticks > 0")))
                        get_real(d, one, join(part, sizeof part, leaf, "period"), 0, 1e9, 1,
                                 "a period in ticks > 0", &slot->season_period);
                }
                d->s->rate_nodes[w->n_origins] = rate;
                d->origin_keys[w->n_origins] = origin_key;
                w->n_origins++;
                type->n_origins++;
            }
        }
        struct tree *targets = require(d, node, path, "targets", "a mapping region -> weight");
        join(where, sizeof where, path, "targets");
        if (targets && is_map(d, targets, where, "a mapping from region id to weight")) {
            double sum = 0;
            for (int j = 0; j < targets->count; j++) {
                const struct tree *target_key = targets->keys[j];
                join(inner, sizeof inner, where, target_key->text);
                if (entity_created(d, target_key, inner, "target", targets)) continue;
                int region = get_region(d, target_key, inner);
                double weight;
                if (get_real(d, targets->items[j], inner, 0, 1e12, 0, "a weight >= 0", &weight) !=
                        0 ||
                    region < 0)
                    continue;
                if (w->regions[region].owner == -1) {
                    fail(d, target_key, inner,
                         "%s is an external region (expected a region owned by a state)",
                         target_key->text);
                    continue;
                }
                w->targets[w->n_targets] = region;
                w->target_weights[w->n_targets] = weight;
                d->s->target_weights_given[w->n_targets] = weight;
                d->target_keys[w->n_targets] = target_key;
                w->n_targets++;
                type->n_targets++;
                sum += weight;
            }
            if (type->n_targets > 0 && sum <= 0)
                fail(d, targets, where, "the weights sum to 0 (expected a positive weight)");
            else if (targets->count == 0)
                fail(d, targets, where, "no targets (expected at least one)");
            for (int j = 0; j < type->n_targets && sum > 0; j++)
                w->target_weights[type->first_target + j] /= sum;
        }
        opt_probability(d, node, path, "stealth", &type->stealth);
        opt_integer(d, node, path, "dwell", 1, 10000, &type->dwell);
        if ((value = require(d, node, path, "severity", "a mapping {mu, sigma} or {mean, sd}")))
            decode_severity(d, value, join(where, sizeof where, path, "severity"), type);
        opt_nonnegative(d, node, path, "harm_per_tick", &type->harm_per_tick);
        if ((value = tree_get(node, "adaptive", NULL)))
            get_bool(d, value, join(where, sizeof where, path, "adaptive"), &type->adaptive);
        struct tree *escalation = tree_get(node, "escalation", NULL);
        join(where, sizeof where, path, "escalation");
        if (escalation && is_map(d, escalation, where, "a mapping {boost, decay}")) {
            static const char *const escalation_keys[] = {"boost", "decay"};
            check_keys(d, escalation, where, escalation_keys, 2);
            if ((value = tree_get(escalation, "boost", NULL)))
                get_real(d, value, join(inner, sizeof inner, where, "boost"), 0, 1000, 0,
                         "a boost in [0, 1000]", &type->escalation_boost);
            opt_probability(d, escalation, where, "decay", &type->escalation_decay);
        }
        opt_probability(d, node, path, "contagion", &type->contagion);
    }
    if (w->n_types == 0 && d->failures == 0)
        fail(d, threats, "threats", "no threat types (expected at least one)");
}

static void decode_partners(struct decoder *d, const struct tree *root) {
    struct world *w = d->w;
    struct tree *partners = tree_get(root, "partners", NULL);
    if (!partners || tree_is_null(partners)) return;
    if (!is_map(d, partners, "partners", "a mapping from partner id to partner")) return;
    if (partners->count > MAX_PARTNERS) {
        fail(d, partners, "partners", "%d partners (expected at most %d)", partners->count,
             MAX_PARTNERS);
        return;
    }
    w->partners = calloc((size_t)partners->count + 1, sizeof *w->partners);
    if (!w->partners) return;
    static const char *const keys[] = {"name", "coverage", "members", "level", "latency"};
    for (int i = 0; i < partners->count; i++) {
        const struct tree *key = partners->keys[i], *node = partners->items[i];
        char path[512], where[512];
        join(path, sizeof path, "partners", key->text);
        if (entity_created(d, key, path, "partner", partners)) continue;
        if (!id_ok(key->text, 0, WORLD_NAME_MAX - 1)) {
            fail(d, key, path, "'%s' is not a partner id (expected lowercase letters, digits, _)",
                 key->text);
            continue;
        }
        if (!is_map(d, node, path, "a partner mapping (coverage, members, level, latency)"))
            continue;
        check_keys(d, node, path, keys, 5);
        struct world_partner *partner = &w->partners[w->n_partners++];
        snprintf(partner->id, sizeof partner->id, "%s", key->text);
        snprintf(partner->name, sizeof partner->name, "%s", key->text);
        partner->members = w->n_states >= 64 ? UINT64_MAX : (UINT64_C(1) << w->n_states) - 1;
        partner->share_level = 1;
        struct tree *value;
        if ((value = tree_get(node, "name", NULL)))
            get_text(d, value, join(where, sizeof where, path, "name"), partner->name,
                     sizeof partner->name);
        if ((value = tree_get(node, "coverage", NULL))) {
            struct per_domain coverage;
            decode_per_domain(d, value, join(where, sizeof where, path, "coverage"), &coverage);
            per_domain_apply(&coverage, partner->coverage, w->n_domains);
        }
        if ((value = tree_get(node, "members", NULL)))
            get_state_set(d, value, join(where, sizeof where, path, "members"), &partner->members);
        opt_probability(d, node, path, "level", &partner->share_level);
        opt_integer(d, node, path, "latency", 0, 1000, &partner->latency);
    }
}

static void decode_hub_trust_burn(struct decoder *d, const struct tree *root) {
    struct world *w = d->w;
    char where[512];
    w->hub_latency = 1;
    for (int s = 0; s < w->n_states; s++) w->states[s].hub_member = 1;
    struct tree *hub = tree_get(root, "hub", NULL), *value;
    if (hub && is_map(d, hub, "hub", "a mapping {members, latency, monitoring}")) {
        static const char *const keys[] = {"members", "latency", "monitoring"};
        check_keys(d, hub, "hub", keys, 3);
        uint64_t members;
        if ((value = tree_get(hub, "members", NULL)) &&
            get_state_set(d, value, "hub.members", &members) == 0)
            for (int s = 0; s < w->n_states; s++) w->states[s].hub_member = (members >> s) & 1;
        opt_integer(d, hub, "hub", "latency", 0, 1000, &w->hub_latency);
        opt_probability(d, hub, "hub", "monitoring", &w->hub_monitoring);
    }
    w->trust = (struct world_trust){0.5, 0.05, 0.2, 0.1, 0.3};
    struct tree *trust = tree_get(root, "trust", NULL);
    if (trust && is_map(d, trust, "trust", "a mapping of trust dynamics")) {
        static const char *const keys[] = {"initial", "gain_used", "loss_leak", "loss_hidden",
                                           "discover_hidden"};
        check_keys(d, trust, "trust", keys, 5);
        opt_probability(d, trust, "trust", "initial", &w->trust.initial);
        opt_probability(d, trust, "trust", "gain_used", &w->trust.gain_used);
        opt_probability(d, trust, "trust", "loss_leak", &w->trust.loss_leak);
        opt_probability(d, trust, "trust", "loss_hidden", &w->trust.loss_hidden);
        opt_probability(d, trust, "trust", "discover_hidden", &w->trust.discover_hidden);
    }
    w->burn_factor = 0.5;
    w->burn_ticks = 30;
    struct tree *burn = tree_get(root, "burn", NULL);
    if (burn && is_map(d, burn, "burn", "a mapping {factor, ticks}")) {
        static const char *const keys[] = {"factor", "ticks"};
        check_keys(d, burn, "burn", keys, 2);
        opt_probability(d, burn, "burn", "factor", &w->burn_factor);
        opt_integer(d, burn, "burn", "ticks", 0, MAX_TICKS, &w->burn_ticks);
    }
    w->assistance_units = 1;
    struct tree *assistance = tree_get(root, "mutual_assistance", NULL);
    if (assistance && is_map(d, assistance, "mutual_assistance", "a mapping {members, units}")) {
        static const char *const keys[] = {"members", "units"};
        check_keys(d, assistance, "mutual_assistance", keys, 2);
        uint64_t members;
        if ((value = tree_get(assistance, "members", NULL)) &&
            get_state_set(d, value, join(where, sizeof where, "mutual_assistance", "members"),
                          &members) == 0)
            for (int s = 0; s < w->n_states; s++)
                w->states[s].mutual_assistance = (members >> s) & 1;
        opt_integer(d, assistance, "mutual_assistance", "units", 0, 10000, &w->assistance_units);
    }
}

/* A state whose policy is `hub` must belong to the centre. Reported once per state. */
static void check_hub_policies(struct decoder *d, const struct tree *root) {
    struct world *w = d->w;
    for (int s = 0; s < w->n_states; s++) {
        if (w->states[s].hub_member) continue;
        for (int k = 0; k < w->n_domains; k++) {
            if (w->sharing[world_sd(w, s, k)].policy != POLICY_HUB) continue;
            char path[512];
            snprintf(path, sizeof path, "states.%s.sharing.policy", w->states[s].code);
            struct tree *states = tree_get(root, "states", NULL);
            struct tree *key = NULL;
            tree_get(states, w->states[s].code, &key);
            fail(d, key, path,
                 "%s shares through the hub in %s but is not a hub member (expected %s in "
                 "hub.members, or another policy)",
                 w->states[s].code, w->domain_names[k], w->states[s].code);
            break;
        }
    }
}

static void decode_measures(struct decoder *d, const struct tree *root) {
    struct world *w = d->w;
    struct scenario *s = d->s;
    struct tree *measures = tree_get(root, "measures", NULL);
    if (!measures || tree_is_null(measures)) return;
    if (!is_map(d, measures, "measures", "a mapping from measure id to {cost, set}")) return;
    if (measures->count > MAX_MEASURES) {
        fail(d, measures, "measures", "%d measures (expected at most %d)", measures->count,
             MAX_MEASURES);
        return;
    }
    size_t total = 1;
    for (int i = 0; i < measures->count; i++) {
        struct tree *set = tree_get(measures->items[i], "set", NULL);
        if (set && set->kind == TREE_MAP) total += (size_t)set->count;
    }
    w->measures = calloc((size_t)measures->count + 1, sizeof *w->measures);
    s->measure_first = calloc((size_t)measures->count + 1, sizeof *s->measure_first);
    s->measure_count = calloc((size_t)measures->count + 1, sizeof *s->measure_count);
    s->measure_overrides = calloc(total, sizeof *s->measure_overrides);
    if (!w->measures || !s->measure_first || !s->measure_count || !s->measure_overrides) return;
    static const char *const keys[] = {"name", "description", "cost", "set"};
    for (int i = 0; i < measures->count; i++) {
        const struct tree *key = measures->keys[i], *node = measures->items[i];
        char path[512], where[512], inner[512];
        join(path, sizeof path, "measures", key->text);
        if (entity_created(d, key, path, "measure", measures)) continue;
        if (!id_ok(key->text, 0, WORLD_NAME_MAX - 1)) {
            fail(d, key, path, "'%s' is not a measure id (expected lowercase letters, digits, _)",
                 key->text);
            continue;
        }
        if (!is_map(d, node, path, "a measure mapping (name, cost, set)")) continue;
        check_keys(d, node, path, keys, 4);
        int m = w->n_measures++;
        struct world_measure *measure = &w->measures[m];
        snprintf(measure->id, sizeof measure->id, "%s", key->text);
        snprintf(measure->name, sizeof measure->name, "%s", key->text);
        struct tree *value;
        if ((value = tree_get(node, "name", NULL)))
            get_text(d, value, join(where, sizeof where, path, "name"), measure->name,
                     sizeof measure->name);
        if ((value = tree_get(node, "description", NULL)) && value->kind != TREE_SCALAR)
            fail(d, value, join(where, sizeof where, path, "description"), "got %s (expected text)",
                 kind_name(value));
        if ((value = require(d, node, path, "cost", "harm units >= 0")))
            get_nonnegative(d, value, join(where, sizeof where, path, "cost"), &measure->cost);
        s->measure_first[m] = s->n_measure_overrides;
        struct tree *set = require(d, node, path, "set", "a mapping from parameter path to value");
        join(where, sizeof where, path, "set");
        if (!set || !is_map(d, set, where, "a mapping from parameter path to value")) continue;
        if (set->count == 0)
            fail(d, set, where, "no overrides (expected at least one PATH: VALUE)");
        char origin[WORLD_NAME_MAX + 16];
        snprintf(origin, sizeof origin, "measure %s", measure->id);
        for (int j = 0; j < set->count; j++) {
            const struct tree *path_key = set->keys[j];
            join(inner, sizeof inner, where, path_key->text);
            if (strncmp(path_key->text, "measures", 8) == 0 &&
                (path_key->text[8] == '\0' || path_key->text[8] == '.')) {
                fail(d, path_key, inner,
                     "a measure cannot change measures (expected a path to "
                     "a model parameter)");
                continue;
            }
            struct scenario_override *override = &s->measure_overrides[s->n_measure_overrides];
            override->path = strdup(path_key->text);
            override->value = tree_to_text(set->items[j]);
            override->origin = strdup(origin);
            s->n_measure_overrides++;
            s->measure_count[m]++;
            if (!override->path || !override->value || !override->origin)
                fail(d, path_key, inner, "out of memory");
        }
    }
}

/* ---- reachability --------------------------------------------------------------------------- */

static void report_unreachable(void *context, int k, int origin_slot, int target_slot) {
    struct decoder *d = context;
    struct world *w = d->w;
    const struct world_threat_type *type = &w->types[k];
    int origin = type->first_origin + origin_slot, target = type->first_target + target_slot;
    char path[512];
    snprintf(path, sizeof path, "threats.%s.targets.%s", type->id,
             w->regions[w->targets[target]].id);
    fail(d, d->target_keys[target], path,
         "unreachable from origin %s (expected a chain of routes joining them)",
         w->regions[w->origins[origin].region].id);
}

/* ---- the whole scenario --------------------------------------------------------------------- */

/* Apply each measure's overrides to a copy of the tree and decode it, so a measure naming a
 * missing state or a bad value is reported at load with its position in the file. */
static void check_measures(struct decoder *d, struct scenario *s) {
    const struct tree *measures = tree_get(s->tree, "measures", NULL);
    for (int m = 0; m < s->world->n_measures; m++) {
        struct tree *copy = tree_clone(s->tree);
        if (!copy) return;
        const struct tree *set =
            tree_get(tree_get(measures, s->world->measures[m].id, NULL), "set", NULL);
        int ok = 1;
        for (int j = 0; j < s->measure_count[m] && ok; j++) {
            const struct scenario_override *o = &s->measure_overrides[s->measure_first[m] + j];
            struct tree *key = NULL;
            tree_get(set, o->path, &key);
            char label[1024];
            snprintf(label, sizeof label, "%s:%d:%d", d->filename, key ? key->line : 1,
                     key ? key->column : 1);
            struct tree *value =
                tree_parse(d->filename, o->value, strlen(o->value), label, o->path, d->errors);
            if (!value || tree_set_path(copy, o->path, value, label, d->errors) != 0) {
                d->failures++;
                ok = 0;
            }
        }
        if (ok) {
            struct scenario *variant =
                scenario_decode(d->filename, copy, s->source, s->source_length, 0, d->errors);
            copy = NULL;
            if (!variant) d->failures++;
            scenario_free(variant);
        }
        tree_free(copy);
    }
}

struct scenario *scenario_decode(const char *filename, struct tree *tree, const char *source,
                                 size_t source_length, int check_measures_too,
                                 struct scenario_errors *errors) {
    struct scenario *s = calloc(1, sizeof *s);
    struct decoder d = {.filename = filename, .errors = errors, .s = s};
    if (!s || !(s->world = calloc(1, sizeof *s->world))) {
        errors_add(errors, "%s: error: out of memory", filename);
        tree_free(tree);
        scenario_free(s);
        return NULL;
    }
    s->tree = tree;
    s->filename = strdup(filename);
    s->source = malloc(source_length + 1);
    if (s->source) {
        memcpy(s->source, source, source_length);
        s->source[source_length] = '\0';
        s->source_length = source_length;
    }
    struct world *w = s->world;
    d.w = w;
    w->active_measure = -1;
    if (!s->filename || !s->source) {
        fail(&d, tree, "document", "out of memory");
        goto finish;
    }
    if (tree->kind != TREE_MAP) {
        fail(&d, tree, "document",
             "got %s (expected a scenario mapping with name, run, states, regions, threats)",
             kind_name(tree));
        goto finish;
    }
    static const char *const keys[] = {"c5sim",   "name",     "description", "run",
                                       "domains", "defaults", "sharing",     "states",
                                       "regions", "routes",   "threats",     "partners",
                                       "hub",     "trust",    "burn",        "mutual_assistance",
                                       "measures"};
    check_keys(&d, tree, "", keys, 17);
    struct tree *node;
    long long version;
    if ((node = tree_get(tree, "c5sim", NULL))) get_integer(&d, node, "c5sim", 1, 1, &version);
    if ((node = require(&d, tree, "", "name", "the scenario's title")))
        get_text(&d, node, "name", w->name, sizeof w->name);
    if ((node = tree_get(tree, "description", NULL))) {
        if (node->kind != TREE_SCALAR)
            fail(&d, node, "description", "got %s (expected text)", kind_name(node));
        else
            s->description = strdup(node->text);
    }
    decode_run(&d, tree);
    decode_domains(&d, tree);
    decode_states(&d, tree);
    if (!w->states) goto finish;
    decode_regions(&d, tree);
    if (!w->regions) goto finish;
    decode_routes(&d, tree);
    decode_threats(&d, tree);
    decode_partners(&d, tree);
    decode_hub_trust_burn(&d, tree);
    check_hub_policies(&d, tree);
    decode_measures(&d, tree);
    if (d.failures > 0 || !w->types || !w->origins) goto finish;
    if (!w->routes && !(w->routes = calloc(1, sizeof *w->routes))) goto finish;
    if (paths_build_adjacency(w) != 0) {
        fail(&d, tree, "routes", "out of memory");
        goto finish;
    }
    long missing = paths_build(w, MAX_PATH_ENTRIES, report_unreachable, &d);
    if (missing < 0)
        fail(&d, tree_get(tree, "threats", NULL), "threats",
             "the paths from every origin to every target need more than %zu entries (expected "
             "fewer origins x targets, or shorter routes)",
             MAX_PATH_ENTRIES);
    if (d.failures == 0 && check_measures_too) check_measures(&d, s);
finish:
    free(d.region_ids);
    free(d.region_order);
    free(d.origin_keys);
    free(d.target_keys);
    if (d.failures > 0) {
        scenario_free(s);
        return NULL;
    }
    return s;
}
