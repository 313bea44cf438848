/* tree.h — a small YAML document tree with source positions, built with libyaml's event API.
 *
 * The loader never trusts its input: anchors and aliases are refused (they are how small files
 * blow up memory), and depth, node count and scalar length are bounded, so any byte string gives
 * either a tree or an error with a position. Overrides are grafted onto this tree before
 * decoding; each node remembers whether it came from the file or from an override.
 */
#ifndef C5SIM_SCENARIO_TREE_H
#define C5SIM_SCENARIO_TREE_H

#include <stddef.h>

#include "scenario.h"

enum tree_kind { TREE_SCALAR, TREE_MAP, TREE_SEQ };

/* Bounds on what one document may hold (each checked while parsing, before the memory for the
 * node that would cross it is taken). TREE_MAX_ENTRIES is the largest list the scenario accepts
 * (routes, targets): a longer one is refused at its first extra entry, not after the whole file.
 * The tree may take at most TREE_MEMORY_PER_BYTE bytes per byte of YAML plus TREE_MEMORY_BASE
 * (docs/reliability.md, "Bounded loading"): a file of many tiny values is refused as soon as it
 * crosses that, rather than at TREE_MAX_NODES. 24 leaves room for the densest real worlds (flow
 * style, two-character ids: about 20). */
enum {
    TREE_MAX_DEPTH = 64,
    TREE_MAX_NODES = 8000000,
    TREE_MAX_SCALAR = 1 << 20,
    TREE_MAX_ENTRIES = 1000000,
    TREE_MEMORY_PER_BYTE = 24,
};
#define TREE_MEMORY_BASE ((size_t)16 << 20)
#define TREE_MAX_SOURCE  ((size_t)256 << 20)

/* Scalar texts up to this long (most ids and numbers) live inside the node: the node is then
 * 72 bytes in an 80-byte allocation instead of a node plus a separate text allocation, which is
 * what sets the loader's memory per byte of YAML (docs/reliability.md, "Bounded loading"). */
enum { TREE_INLINE_TEXT = 21 };

struct tree {
    int line, column;      /* 1-based position of the node in its source */
    unsigned char kind;    /* enum tree_kind */
    unsigned char created; /* 1: a map key that an override path created (it named no key) */
    unsigned char quoted;  /* scalar written in quotes: a string, never a number, bool or null */
    char inline_text[TREE_INLINE_TEXT]; /* `text` of a short scalar (see tree_set_text) */
    char *origin; /* NULL: from the file; else the label of the override that made it */
    char *text;   /* scalar text, NUL-terminated: inline_text, or its own allocation */
    int count, capacity;
    struct tree **keys;  /* map: key scalars, in source order */
    struct tree **items; /* map: values; seq: items */
};

/* Parse one YAML document. Errors are formatted
 *   NAME:LINE:COLUMN: error: KEY.PATH: problem (expected ...)      when label is NULL, or
 *   LABEL: error: BASE_PATH: problem (expected ...)                 when label is set (an override
 * value; every node then gets origin = label). Returns NULL on any error. */
struct tree *tree_parse(const char *name, const char *text, size_t length, const char *label,
                        const char *base_path, struct scenario_errors *errors);

void tree_free(struct tree *node);
struct tree *tree_clone(const struct tree *node);

/* Value of `key` in a map (NULL if absent or not a map); with its key node through key_out. */
struct tree *tree_get(const struct tree *map, const char *key, struct tree **key_out);

/* 1 for a plain `~`, `null`, `Null`, `NULL` or empty scalar. */
int tree_is_null(const struct tree *node);

/* Apply `PATH=VALUE` to the tree rooted at `root` (a map): missing intermediate maps are
 * created, a null value removes the key, a number under a per-domain key becomes
 * {all: number, DOMAIN: value}. `value` is consumed. Errors use `label` as their prefix. */
int tree_set_path(struct tree *root, const char *path, struct tree *value, const char *label,
                  struct scenario_errors *errors);

/* The node as YAML flow text ("0.3", "[KAZ, KGZ]", "{a: 1}"), malloc'd. */
char *tree_to_text(const struct tree *node);

#endif
