/* decode_values.c — the decoder's helpers: messages, scalars of every kind, lookups of names,
 * per-domain values. Each reports FILE:LINE:COLUMN: error: KEY.PATH: problem (expected) and lets
 * decoding carry on, so that one pass shows all that is wrong. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoder.h"
#include "report.h"

/* ---- messages ------------------------------------------------------------------------------- */

void decode_fail(struct decoder *d, const struct tree *node, const char *path, const char *fmt,
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
const char *decode_join(char *buffer, size_t size, const char *parent, const char *key) {
    size_t used = 0;
    /* Copied by hand: a path too long for the buffer is cut, never overflowed. */
    for (const char *part = parent && *parent ? parent : ""; *part && used + 1 < size; part++)
        buffer[used++] = *part;
    if (parent && *parent && used + 1 < size) buffer[used++] = '.';
    for (const char *part = key; *part && used + 1 < size; part++) buffer[used++] = *part;
    buffer[used] = '\0';
    return buffer;
}

const char *decode_kind_name(const struct tree *node) {
    if (node->kind == TREE_MAP) return "a mapping";
    if (node->kind == TREE_SEQ) return "a list";
    return tree_is_null(node) ? "nothing" : "a single value";
}

int decode_is_map(struct decoder *d, const struct tree *node, const char *path,
                  const char *expected) {
    if (node && node->kind == TREE_MAP) return 1;
    decode_fail(d, node, path, "got %s (expected %s)", decode_kind_name(node), expected);
    return 0;
}

/* Report keys of `map` not in `allowed`, suggesting the closest allowed key. */
void decode_check_keys(struct decoder *d, const struct tree *map, const char *path,
                       const char *const *allowed, int count) {
    for (int i = 0; i < map->count; i++) {
        const char *key = map->keys[i]->text;
        int known = 0;
        for (int j = 0; j < count && !known; j++) known = strcmp(key, allowed[j]) == 0;
        if (known) continue;
        char where[512];
        decode_join(where, sizeof where, path, key);
        const char *guess = closest_name(key, allowed, count);
        if (strpbrk(key, " ()")) {
            /* `{name: Osh (Irkeshtam, Kara-Suu), ...}`: the comma ended the text early. */
            decode_fail(
                d, map->keys[i], where,
                "unknown key (expected one of the keys of %s; if this is the rest of a text "
                "value, quote that text: a comma inside {...} ends a value)",
                path && *path ? path : "the document");
        } else if (guess) {
            decode_fail(d, map->keys[i], where, "unknown key (did you mean '%s'?)", guess);
        } else {
            char list[512] = "";
            size_t used = 0;
            for (int j = 0; j < count && used < sizeof list; j++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "",
                                         allowed[j]);
            decode_fail(d, map->keys[i], where, "unknown key (expected one of: %s)", list);
        }
    }
}

/* The value of a required key, or NULL after reporting it missing at the parent's position. */
struct tree *decode_require(struct decoder *d, const struct tree *map, const char *path,
                            const char *key, const char *expected) {
    struct tree *value = tree_get(map, key, NULL);
    if (value && !tree_is_null(value)) return value;
    char where[512];
    decode_fail(d, value ? value : map, decode_join(where, sizeof where, path, key),
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
        decode_fail(d, node, path, "got %s (expected %s)",
                    node ? decode_kind_name(node) : "nothing", expected);
        return -1;
    }
    const char *text = node->text;
    if (node->quoted) {
        decode_fail(d, node, path, "\"%s\" is quoted text (expected %s, written without quotes)",
                    text, expected);
        return -1;
    }
    int is_integer;
    if (!decimal_syntax(text, &is_integer)) {
        if (looks_non_finite(text))
            decode_fail(d, node, path, "%s is not a finite number (expected %s)", text, expected);
        else
            decode_fail(d, node, path, "'%s' is not a number (expected %s)", text, expected);
        return -1;
    }
    if (want_integer) {
        if (!is_integer) {
            decode_fail(d, node, path, "%s is not a whole number (expected %s)", text, expected);
            return -1;
        }
        errno = 0;
        long long value = strtoll(text, NULL, 10);
        if (errno == ERANGE) {
            decode_fail(d, node, path, "%s is too large (expected %s)", text, expected);
            return -1;
        }
        *integer = value;
        return 0;
    }
    errno = 0;
    double value = strtod(text, NULL);
    if (errno == ERANGE && fabs(value) > 1.0) {
        decode_fail(d, node, path, "%s is too large to represent (expected %s)", text, expected);
        return -1;
    }
    if (!isfinite(value)) {
        decode_fail(d, node, path, "%s is not a finite number (expected %s)", text, expected);
        return -1;
    }
    if (value == 0.0) value = 0.0; /* -0 and underflow read as plain zero */
    *real = value;
    return 0;
}

/* A real number in [lo, hi] (lo excluded when lo_open). */
int decode_real(struct decoder *d, const struct tree *node, const char *path, double lo, double hi,
                int lo_open, const char *expected, double *out) {
    double value;
    if (scalar_number(d, node, path, expected, 0, &value, NULL) != 0) return -1;
    if (value < lo || value > hi || (lo_open && value == lo)) {
        decode_fail(d, node, path, "%s is out of range (expected %s)", node->text, expected);
        return -1;
    }
    *out = value;
    return 0;
}

int decode_probability(struct decoder *d, const struct tree *node, const char *path, double *out) {
    return decode_real(d, node, path, 0, 1, 0, "a probability in [0, 1]", out);
}

int decode_nonnegative(struct decoder *d, const struct tree *node, const char *path, double *out) {
    return decode_real(d, node, path, 0, HUGE_VAL, 0, "a number >= 0", out);
}

int decode_integer(struct decoder *d, const struct tree *node, const char *path, long long lo,
                   long long hi, long long *out) {
    char expected[96];
    snprintf(expected, sizeof expected, "a whole number in %lld..%lld", lo, hi);
    long long value;
    if (scalar_number(d, node, path, expected, 1, NULL, &value) != 0) return -1;
    if (value < lo || value > hi) {
        decode_fail(d, node, path, "%s is out of range (expected %s)", node->text, expected);
        return -1;
    }
    *out = value;
    return 0;
}

/* Optional keys: decode when present, keep `out` as is when absent. */
void decode_opt_probability(struct decoder *d, const struct tree *map, const char *path,
                            const char *key, double *out) {
    char where[512];
    struct tree *node = tree_get(map, key, NULL);
    if (node) decode_probability(d, node, decode_join(where, sizeof where, path, key), out);
}

void decode_opt_nonnegative(struct decoder *d, const struct tree *map, const char *path,
                            const char *key, double *out) {
    char where[512];
    struct tree *node = tree_get(map, key, NULL);
    if (node) decode_nonnegative(d, node, decode_join(where, sizeof where, path, key), out);
}

void decode_opt_integer(struct decoder *d, const struct tree *map, const char *path,
                        const char *key, long long lo, long long hi, int *out) {
    char where[512];
    long long value;
    struct tree *node = tree_get(map, key, NULL);
    if (node &&
        decode_integer(d, node, decode_join(where, sizeof where, path, key), lo, hi, &value) == 0)
        *out = (int)value;
}

/* Text of at most `size - 1` bytes. */
int decode_text(struct decoder *d, const struct tree *node, const char *path, char *out,
                size_t size) {
    if (!node || node->kind != TREE_SCALAR || tree_is_null(node)) {
        decode_fail(d, node, path, "got %s (expected text)",
                    node ? decode_kind_name(node) : "nothing");
        return -1;
    }
    if (strlen(node->text) >= size) {
        decode_fail(d, node, path, "too long (expected at most %zu characters)", size - 1);
        return -1;
    }
    snprintf(out, size, "%s", node->text);
    return 0;
}

int decode_bool(struct decoder *d, const struct tree *node, const char *path, int *out) {
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
    decode_fail(d, node, path, "'%s' is not a truth value (expected true or false)",
                node && node->text ? node->text : "");
    return -1;
}

/* One of `names`; reports with a suggestion otherwise. Returns the index or -1. */
int decode_choice(struct decoder *d, const struct tree *node, const char *path,
                  const char *const *names, int count, const char *what) {
    if (!node || node->kind != TREE_SCALAR || tree_is_null(node)) {
        decode_fail(d, node, path, "got %s (expected %s)",
                    node ? decode_kind_name(node) : "nothing", what);
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
        decode_fail(d, node, path, "no %s named '%s' (did you mean '%s'?)", what, node->text,
                    guess);
    else
        decode_fail(d, node, path, "no %s named '%s' (expected one of: %s)", what, node->text,
                    list);
    return -1;
}

/* Identifier syntax: lowercase ids (regions, threats, partners, measures, domains) or state
 * codes (2-7 uppercase letters or digits, starting with a letter). */
int decode_id_ok(const char *s, int code, size_t longest) {
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

int decode_state_index(const struct decoder *d, const char *code) {
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

int decode_region_index(const struct decoder *d, const char *id) {
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
void decode_fail_no_state(struct decoder *d, const struct tree *node, const char *path,
                          const char *code) {
    const char *guess = closest_name(code, d->state_codes, d->w->n_states);
    if (guess)
        decode_fail(d, node, path, "no state named %s (did you mean %s?)", code, guess);
    else
        decode_fail(d, node, path, "no state named %s (expected one of the codes under states)",
                    code);
}

void decode_fail_no_region(struct decoder *d, const struct tree *node, const char *path,
                           const char *id) {
    /* Suggestions cost an edit distance per region: only for worlds of hand-written size. */
    const char *guess =
        d->w->n_regions <= 5000 ? closest_name(id, d->region_ids, d->w->n_regions) : NULL;
    if (guess)
        decode_fail(d, node, path, "no region named %s (did you mean %s?)", id, guess);
    else
        decode_fail(d, node, path, "no region named %s (expected an id under regions)", id);
}

/* A region reference: index or -1 after reporting. */
int decode_region(struct decoder *d, const struct tree *node, const char *path) {
    if (!node || node->kind != TREE_SCALAR || tree_is_null(node)) {
        decode_fail(d, node, path, "got %s (expected a region id)",
                    node ? decode_kind_name(node) : "nothing");
        return -1;
    }
    int g = decode_region_index(d, node->text);
    if (g < 0) decode_fail_no_region(d, node, path, node->text);
    return g;
}

/* A set of states: a list of codes, or `all`. */
int decode_state_set(struct decoder *d, const struct tree *node, const char *path, uint64_t *out) {
    if (node && node->kind == TREE_SCALAR && !node->quoted && strcmp(node->text, "all") == 0) {
        *out = d->w->n_states == 64 ? UINT64_MAX : (UINT64_C(1) << d->w->n_states) - 1;
        return 0;
    }
    if (!node || node->kind != TREE_SEQ) {
        decode_fail(d, node, path, "got %s (expected a list of state codes, or all)",
                    node ? decode_kind_name(node) : "nothing");
        return -1;
    }
    uint64_t set = 0;
    int failed = 0;
    for (int i = 0; i < node->count; i++) {
        char where[512];
        snprintf(where, sizeof where, "%s[%d]", path, i);
        const struct tree *item = node->items[i];
        if (item->kind != TREE_SCALAR) {
            decode_fail(d, item, where, "got %s (expected a state code)", decode_kind_name(item));
            failed = 1;
            continue;
        }
        int s = decode_state_index(d, item->text);
        if (s < 0) {
            decode_fail_no_state(d, item, where, item->text);
            failed = 1;
        } else if (set & (UINT64_C(1) << s)) {
            decode_fail(d, item, where, "%s is listed twice (expected each state once)",
                        item->text);
            failed = 1;
        }
        if (s >= 0) set |= UINT64_C(1) << s;
    }
    *out = set;
    return failed ? -1 : 0;
}

/* Keys of an entity mapping that an override created without the file naming them. */
int decode_entity_created(struct decoder *d, const struct tree *key, const char *path,
                          const char *what, const struct tree *map) {
    if (!key->created) return 0;
    const char *names[256];
    int count = 0;
    for (int i = 0; i < map->count && count < 256; i++)
        if (!map->keys[i]->created) names[count++] = map->keys[i]->text;
    const char *guess = closest_name(key->text, names, count);
    if (guess)
        decode_fail(d, key, path, "no %s named %s (did you mean %s?)", what, key->text, guess);
    else
        decode_fail(d, key, path, "no %s named %s (overrides change values; they do not add a %s)",
                    what, key->text, what);
    return 1;
}

/* ---- per-domain values ---------------------------------------------------------------------- */

void decode_per_domain(struct decoder *d, const struct tree *node, const char *path,
                       struct per_domain *out) {
    int n = d->w->n_domains;
    out->has = 0;
    if (node->kind == TREE_SCALAR) {
        double value;
        if (decode_probability(d, node, path, &value) != 0) return;
        for (int k = 0; k < n; k++) out->value[k] = value;
        out->has = (1u << n) - 1;
        return;
    }
    if (!decode_is_map(d, node, path,
                       "a probability, or a mapping from domain (or all) to probability"))
        return;
    const char *allowed[WORLD_MAX_DOMAINS + 1];
    allowed[0] = "all";
    for (int k = 0; k < n; k++) allowed[k + 1] = d->domain_names[k];
    decode_check_keys(d, node, path, allowed, n + 1);
    char where[512];
    struct tree *all = tree_get(node, "all", NULL);
    double value;
    if (all &&
        decode_probability(d, all, decode_join(where, sizeof where, path, "all"), &value) == 0) {
        for (int k = 0; k < n; k++) out->value[k] = value;
        out->has = (1u << n) - 1;
    }
    for (int k = 0; k < n; k++) {
        struct tree *one = tree_get(node, d->domain_names[k], NULL);
        if (one &&
            decode_probability(d, one, decode_join(where, sizeof where, path, d->domain_names[k]),
                               &value) == 0) {
            out->value[k] = value;
            out->has |= 1u << k;
        }
    }
}

void decode_apply_per_domain(const struct per_domain *layer, double *values, int n) {
    for (int k = 0; k < n; k++)
        if (layer->has & (1u << k)) values[k] = layer->value[k];
}

/* Sort the region ids for decode_region_index (qsort has no context argument: a per-thread
 * pointer, since variants may be decoded in parallel). */
void decode_sort_regions(struct decoder *d, int n) {
    sort_decoder = d;
    qsort(d->region_order, (size_t)n, sizeof *d->region_order, compare_region_ids);
}
