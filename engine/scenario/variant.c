/* variant.c — variant files: a named set of overrides on a base scenario, accepted wherever a
 * scenario file is (`c5sim validate|describe|run|sweep ... scenarios/variants/X.yaml`).
 *
 *   variant: Pre-ban narcotics            # marks the file as a variant, and names it
 *   description: ...                      # optional
 *   base: ../c5-baseline.yaml             # relative to the variant file
 *   set: {PATH: VALUE, ...}               # the same paths and values as --set
 *
 * The overrides are applied to the base's parsed tree and checked like any value, with the
 * variant file's line and column in every message. The scenario's recorded source is the variant
 * file followed by its base, so that the output's provenance (and --resume's check) covers both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "report.h"

/* A base that is itself a variant is refused: one level keeps provenance simple. */
static _Thread_local int loading_variant;

int variant_is(const struct tree *root) {
    return root && root->kind == TREE_MAP && tree_get(root, "variant", NULL) != NULL;
}

char *scenario_relative_path(const char *variant_path, const char *base) {
    if (base[0] == '/') return strdup(base);
    const char *slash = strrchr(variant_path, '/');
    size_t directory = slash ? (size_t)(slash - variant_path) + 1 : 0;
    char *path = malloc(directory + strlen(base) + 1);
    if (!path) return NULL;
    memcpy(path, variant_path, directory);
    strcpy(path + directory, base);
    return path;
}

static void fail_at(struct scenario_errors *errors, const char *name, const struct tree *node,
                    const char *path, const char *message) {
    errors_add(errors, "%s:%d:%d: error: %s: %s", name, node ? node->line : 1,
               node ? node->column : 1, path, message);
}

struct scenario *variant_load(const char *name, struct tree *root, const char *text, size_t length,
                              struct scenario_errors *errors) {
    struct scenario *result = NULL, *base = NULL;
    struct tree *copy = NULL;
    char *path = NULL, *source = NULL;
    int failed = 0;
    static const char *const keys[] = {"variant", "description", "base", "set"};
    for (int i = 0; i < root->count; i++) {
        int known = 0;
        for (int k = 0; k < 4; k++) known |= strcmp(root->keys[i]->text, keys[k]) == 0;
        if (!known) {
            char message[256];
            const char *guess = closest_name(root->keys[i]->text, keys, 4);
            snprintf(message, sizeof message, "unknown key in a variant file (%s%s%s)",
                     guess ? "did you mean '" : "expected variant, description, base, set",
                     guess ? guess : "", guess ? "'?" : "");
            fail_at(errors, name, root->keys[i], root->keys[i]->text, message);
            failed = 1;
        }
    }
    const struct tree *label = tree_get(root, "variant", NULL);
    const struct tree *base_node = tree_get(root, "base", NULL);
    const struct tree *set = tree_get(root, "set", NULL);
    if (label->kind != TREE_SCALAR || tree_is_null(label)) {
        fail_at(errors, name, label, "variant", "expected the variant's name (text)");
        failed = 1;
    }
    if (!base_node || base_node->kind != TREE_SCALAR || tree_is_null(base_node)) {
        fail_at(errors, name, base_node ? base_node : root, "base",
                base_node ? "expected the base scenario's file name"
                          : "missing required key (expected the base scenario's file name)");
        failed = 1;
    }
    if (!set || set->kind != TREE_MAP || set->count == 0) {
        fail_at(errors, name, set ? set : root, "set",
                set ? "expected a mapping from parameter path to value, with at least one entry"
                    : "missing required key (expected a mapping from parameter path to value)");
        failed = 1;
    }
    if (failed) goto done;
    if (loading_variant) {
        fail_at(errors, name, base_node, "base",
                "the base of a variant is itself a variant (expected a scenario file)");
        goto done;
    }
    path = scenario_relative_path(name, base_node->text);
    if (!path) goto nomem;
    loading_variant = 1;
    base = scenario_load_file(path, errors);
    loading_variant = 0;
    if (!base) {
        fail_at(errors, name, base_node, "base", "the base scenario did not load (see above)");
        goto done;
    }
    copy = tree_clone(base->tree);
    if (!copy) goto nomem;
    for (int j = 0; j < set->count; j++) {
        const struct tree *key = set->keys[j];
        char where[1024];
        snprintf(where, sizeof where, "%s:%d:%d", name, key->line, key->column);
        char *value_text = tree_to_text(set->items[j]);
        if (!value_text) goto nomem;
        if (override_apply(copy, name, key->text, value_text, where, errors, NULL, NULL) != 0)
            failed = 1;
        free(value_text);
    }
    if (failed) goto done;
    /* the recorded source: the variant file, then its base */
    size_t base_length = 0;
    const char *base_text = scenario_source(base, &base_length);
    size_t size = length + base_length + strlen(name) + strlen(path) + 64;
    source = malloc(size);
    if (!source) goto nomem;
    int head = snprintf(source, size, "# c5sim variant file %s\n", name);
    memcpy(source + head, text, length);
    size_t used = (size_t)head + length;
    used += (size_t)snprintf(source + used, size - used, "\n# base scenario %s\n", path);
    memcpy(source + used, base_text, base_length);
    used += base_length;
    result = scenario_decode(base->filename, copy, source, used, 1, errors);
    copy = NULL; /* consumed */
    if (result) {
        char *filename = strdup(name);
        if (!filename) {
            scenario_free(result);
            result = NULL;
            goto nomem;
        }
        free(result->filename);
        result->filename = filename;
    }
    goto done;
nomem:
    errors_add(errors, "%s: error: out of memory reading the variant", name);
done:
    tree_free(copy);
    tree_free(root);
    scenario_free(base);
    free(path);
    free(source);
    return result;
}
