/* override.c — applying one override to a parsed tree: absolute (`PATH=VALUE`), relative
 * (`PATH*=K` multiplies, `PATH+=D` adds) and over wildcards (`states.*.detect.military*=1.2`),
 * as docs/scenario-format.md describes. Every form ends as an absolute value set on the tree, so
 * it gets the checks and messages of a value written in the file.
 *
 * A wildcard segment `*` stands for every key the file has at that place (in file order); a
 * relative override needs the value written in the file at its path (an inherited value has no
 * path to scale): a number is scaled, a mapping of numbers (a per-domain value) has each entry
 * scaled.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "report.h"

enum { OP_SET = 0, OP_MUL = '*', OP_ADD = '+' };

/* Split the operator off the path ("a.b*" -> "a.b", '*'); returns OP_SET for a plain path. */
static int split_op(const char *path, char *bare, size_t size) {
    size_t n = strlen(path);
    int op = n > 0 && (path[n - 1] == '*' || path[n - 1] == '+') && (n < 2 || path[n - 2] != '.')
                 ? path[n - 1]
                 : OP_SET;
    snprintf(bare, size, "%.*s", (int)(op == OP_SET ? n : n - 1), path);
    return op;
}

static int has_wildcard(const char *path) {
    for (const char *s = path; (s = strchr(s, '*')); s++)
        if ((s == path || s[-1] == '.') && (s[1] == '.' || s[1] == '\0')) return 1;
    return 0;
}

/* The node at a concrete path, or NULL. */
static const struct tree *node_at(const struct tree *root, const char *path) {
    char key[WORLD_NAME_MAX];
    const struct tree *node = root;
    for (const char *s = path; node;) {
        const char *dot = strchr(s, '.');
        size_t length = dot ? (size_t)(dot - s) : strlen(s);
        if (length >= sizeof key || node->kind != TREE_MAP) return NULL;
        memcpy(key, s, length);
        key[length] = '\0';
        node = tree_get(node, key, NULL);
        if (!dot) return node;
        s = dot + 1;
    }
    return NULL;
}

static int push(char ***paths, int *count, int *capacity, char *path) {
    if (*count == *capacity) {
        int grown_capacity = *capacity ? 2 * *capacity : 16;
        char **grown = realloc(*paths, (size_t)grown_capacity * sizeof *grown);
        if (!grown) {
            free(path);
            return -1;
        }
        *paths = grown;
        *capacity = grown_capacity;
    }
    (*paths)[(*count)++] = path;
    return 0;
}

static char *joined(const char *prefix, const char *name) {
    size_t size = strlen(prefix) + strlen(name) + 2;
    char *path = malloc(size);
    if (path) snprintf(path, size, "%s%s%s", prefix, *prefix ? "." : "", name);
    return path;
}

/* Expand the wildcards of `rest` under `node` (reached by `prefix`): every concrete path, in
 * file order. A named segment the file does not have stays in the path (absolute overrides may
 * create keys the format knows; tree_set_path checks them). */
static int expand(const struct tree *node, const char *prefix, const char *rest, char ***paths,
                  int *count, int *capacity) {
    const char *dot = strchr(rest, '.');
    size_t length = dot ? (size_t)(dot - rest) : strlen(rest);
    char key[WORLD_NAME_MAX];
    if (length >= sizeof key) return 0;
    memcpy(key, rest, length);
    key[length] = '\0';
    if (strcmp(key, "*") != 0) {
        char *path = joined(prefix, key);
        if (!path) return -1;
        if (!dot) return push(paths, count, capacity, path);
        const struct tree *next = node && node->kind == TREE_MAP ? tree_get(node, key, NULL) : NULL;
        int status = expand(next, path, dot + 1, paths, count, capacity);
        free(path);
        return status;
    }
    for (int i = 0; node && node->kind == TREE_MAP && i < node->count; i++) {
        char *path = joined(prefix, node->keys[i]->text);
        if (!path) return -1;
        int status = dot ? expand(node->items[i], path, dot + 1, paths, count, capacity)
                         : push(paths, count, capacity, path);
        if (dot) free(path);
        if (status != 0) return -1;
    }
    return 0;
}

static int read_number(const char *text, double *out) {
    char *end = NULL;
    double value = strtod(text, &end);
    if (!text[0] || !end || *end || !isfinite(value)) return -1;
    *out = value;
    return 0;
}

/* A number as the shortest text that reads back to the same double. */
static void number_text(char *out, size_t size, double value) {
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(out, size, "%.*g", digits, value);
        if (strtod(out, NULL) == value) return;
    }
}

/* The new value of a relative override as YAML text: a number, or a flow mapping of numbers. */
static char *relative_text(const struct tree *node, int op, double operand) {
    if (node->kind == TREE_SCALAR) {
        double old;
        if (node->quoted || read_number(node->text, &old) != 0) return NULL;
        char *text = malloc(40);
        if (text) number_text(text, 40, op == OP_MUL ? old * operand : old + operand);
        return text;
    }
    if (node->kind != TREE_MAP) return NULL;
    size_t size = 3 + (size_t)node->count * (WORLD_NAME_MAX + 40);
    char *text = malloc(size);
    if (!text) return NULL;
    size_t used = (size_t)snprintf(text, size, "{");
    for (int i = 0; i < node->count; i++) {
        double old;
        const struct tree *item = node->items[i];
        if (item->kind != TREE_SCALAR || item->quoted || read_number(item->text, &old) != 0) {
            free(text);
            return NULL;
        }
        char number[40];
        number_text(number, sizeof number, op == OP_MUL ? old * operand : old + operand);
        used += (size_t)snprintf(text + used, size - used, "%s%s: %s", i ? ", " : "",
                                 node->keys[i]->text, number);
    }
    snprintf(text + used, size - used, "}");
    return text;
}

int override_apply(struct tree *root, const char *filename, const char *path, const char *value,
                   const char *label, struct scenario_errors *errors, override_visit_fn visit,
                   void *context) {
    char bare[1024];
    if (strlen(path) >= sizeof bare) {
        errors_add(errors, "%s: error: path too long", label);
        return -1;
    }
    int op = split_op(path, bare, sizeof bare);
    double operand = 0;
    if (op != OP_SET && read_number(value, &operand) != 0) {
        errors_add(errors, "%s: error: %s: '%s' is not a number (expected %s)", label, bare, value,
                   op == OP_MUL ? "a factor, as in PATH*=1.2" : "an increment, as in PATH+=0.1");
        return -1;
    }
    char **paths = NULL;
    int count = 0, capacity = 0, failed = 0;
    if (has_wildcard(bare)) {
        if (expand(root, "", bare, &paths, &count, &capacity) != 0) {
            errors_add(errors, "%s: error: out of memory", label);
            failed = 1;
        } else if (count == 0) {
            errors_add(errors, "%s: error: %s: the wildcard matches nothing in the file", label,
                       bare);
            failed = 1;
        }
    } else {
        paths = malloc(sizeof *paths);
        if (paths && (paths[0] = strdup(bare))) count = 1;
        if (!count) failed = 1;
    }
    for (int i = 0; !failed && i < count; i++) {
        char *text = NULL;
        if (op == OP_SET) {
            text = strdup(value);
        } else {
            const struct tree *node = node_at(root, paths[i]);
            if (!node) {
                /* a domain of a per-domain value that the layer gives through `all` or a plain
                 * number: that is its value in this layer */
                char parent[1024];
                snprintf(parent, sizeof parent, "%s", paths[i]);
                char *dot = strrchr(parent, '.');
                if (dot) {
                    *dot = '\0';
                    const struct tree *holder = node_at(root, parent);
                    if (holder && holder->kind == TREE_MAP)
                        node = tree_get(holder, "all", NULL);
                    else if (holder && holder->kind == TREE_SCALAR && !tree_is_null(holder))
                        node = holder;
                }
            }
            if (!node || tree_is_null(node)) {
                errors_add(errors,
                           "%s: error: %s: no value written in the file there to scale (an "
                           "inherited value has no path: set it absolutely, or scale the layer "
                           "that writes it, e.g. defaults)",
                           label, paths[i]);
                failed = 1;
                break;
            }
            text = relative_text(node, op, operand);
            if (!text) {
                errors_add(errors,
                           "%s: error: %s: holds %s, not a number or a mapping of numbers, so it "
                           "cannot be scaled",
                           label, paths[i], node->kind == TREE_SEQ ? "a list" : "text");
                failed = 1;
                break;
            }
        }
        if (!text) {
            failed = 1;
            break;
        }
        struct tree *parsed = tree_parse(filename, text, strlen(text), label, paths[i], errors);
        free(text);
        if (!parsed || tree_set_path(root, paths[i], parsed, label, errors) != 0) failed = 1;
        if (!failed && visit && visit(context, paths[i], op != OP_SET, label) != 0) failed = 1;
    }
    for (int i = 0; i < count; i++) free(paths[i]);
    free(paths);
    return failed ? -1 : 0;
}
