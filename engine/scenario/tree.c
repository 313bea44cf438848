/* tree.c — YAML text to a bounded tree with positions (libyaml events), and edits by path. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "report.h"
#include "tree.h"

/* ---- nodes ---------------------------------------------------------------------------------- */

/* Give a scalar its text (a copy of `length` bytes): inside the node when it fits. */
static int node_set_text(struct tree *node, const char *text, size_t length) {
    char *place = length < sizeof node->inline_text ? node->inline_text : malloc(length + 1);
    if (!place) return -1;
    memcpy(place, text, length);
    place[length] = '\0';
    node->text = place;
    return 0;
}

static struct tree *node_new(int kind, int line, int column, const char *origin) {
    struct tree *node = calloc(1, sizeof *node);
    if (!node) return NULL;
    node->kind = (unsigned char)kind;
    node->line = line;
    node->column = column;
    if (origin && !(node->origin = strdup(origin))) {
        free(node);
        return NULL;
    }
    return node;
}

void tree_free(struct tree *node) {
    if (!node) return;
    for (int i = 0; i < node->count; i++) {
        if (node->keys) tree_free(node->keys[i]);
        tree_free(node->items[i]);
    }
    free(node->keys);
    free(node->items);
    if (node->text != node->inline_text) free(node->text);
    free(node->origin);
    free(node);
}

/* Append a child (and its key, for maps). Returns 0 or -1 when out of memory. */
static int node_append(struct tree *parent, struct tree *key, struct tree *value) {
    if (parent->count == parent->capacity) {
        int capacity = parent->capacity ? parent->capacity * 2 : 4;
        struct tree **items = realloc(parent->items, (size_t)capacity * sizeof *items);
        if (!items) return -1;
        parent->items = items;
        if (parent->kind == TREE_MAP) {
            struct tree **keys = realloc(parent->keys, (size_t)capacity * sizeof *keys);
            if (!keys) return -1;
            parent->keys = keys;
        }
        parent->capacity = capacity;
    }
    if (parent->kind == TREE_MAP) parent->keys[parent->count] = key;
    parent->items[parent->count++] = value;
    return 0;
}

struct tree *tree_clone(const struct tree *node) {
    if (!node) return NULL;
    struct tree *copy = node_new(node->kind, node->line, node->column, node->origin);
    if (!copy) return NULL;
    copy->created = node->created;
    copy->quoted = node->quoted;
    if (node->text && node_set_text(copy, node->text, strlen(node->text)) != 0) goto fail;
    for (int i = 0; i < node->count; i++) {
        struct tree *key = node->kind == TREE_MAP ? tree_clone(node->keys[i]) : NULL;
        struct tree *value = tree_clone(node->items[i]);
        if ((node->kind == TREE_MAP && !key) || !value || node_append(copy, key, value) != 0) {
            tree_free(key);
            tree_free(value);
            goto fail;
        }
    }
    return copy;
fail:
    tree_free(copy);
    return NULL;
}

struct tree *tree_get(const struct tree *map, const char *key, struct tree **key_out) {
    if (key_out) *key_out = NULL;
    if (!map || map->kind != TREE_MAP) return NULL;
    for (int i = 0; i < map->count; i++)
        if (strcmp(map->keys[i]->text, key) == 0) {
            if (key_out) *key_out = map->keys[i];
            return map->items[i];
        }
    return NULL;
}

int tree_is_null(const struct tree *node) {
    if (!node || node->kind != TREE_SCALAR || node->quoted) return 0;
    const char *t = node->text;
    return t[0] == '\0' || strcmp(t, "~") == 0 || strcmp(t, "null") == 0 ||
           strcmp(t, "Null") == 0 || strcmp(t, "NULL") == 0;
}

/* ---- parsing -------------------------------------------------------------------------------- */

struct frame {
    struct tree *node;
    struct tree *pending_key; /* map: key read, value not yet */
};

struct builder {
    const char *name, *label, *base_path;
    const char *text;
    size_t length;
    struct scenario_errors *errors;
    struct frame stack[TREE_MAX_DEPTH + 1];
    int depth;
    long nodes;
    size_t bytes, budget; /* memory the tree takes (counted before it is taken), its bound */
    struct tree *root;
};

/* What one node costs: the node and the allocator's 8-byte header, its slots in the parent's
 * arrays (a value and, in a map, a key; arrays grow by doubling) and a text too long to live in
 * the node with its own header. A little above what the tree really takes (measured: 90 bytes
 * per short scalar against 96 counted), so the bound holds. */
static size_t node_cost(int kind, size_t text_length) {
    size_t cost = sizeof(struct tree) + 8 + 2 * sizeof(struct tree *);
    if (kind == TREE_SCALAR && text_length >= TREE_INLINE_TEXT) cost += text_length + 1 + 16;
    return cost;
}

/* The key path of the innermost open node, e.g. "states.TJK.detect" or "routes[3]". */
static void builder_path(const struct builder *b, char *out, size_t size) {
    size_t used = 0;
    out[0] = '\0';
    if (b->base_path) used = (size_t)snprintf(out, size, "%s", b->base_path);
    for (int i = 0; i < b->depth && used < size; i++) {
        const struct tree *node = b->stack[i].node;
        if (node->kind == TREE_MAP && b->stack[i].pending_key)
            used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "." : "",
                                     b->stack[i].pending_key->text);
        else if (node->kind == TREE_SEQ)
            used += (size_t)snprintf(out + used, size - used, "[%d]", node->count);
    }
    if (out[0] == '\0') snprintf(out, size, "document");
}

static void builder_error(struct builder *b, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void outline_path(const char *text, size_t length, int line, char *out, size_t size);

static void builder_error(struct builder *b, int line, int column, const char *fmt, ...) {
    char path[512], message[768];
    builder_path(b, path, sizeof path);
    if (strcmp(path, "document") == 0 && !b->label && b->text) {
        outline_path(b->text, b->length, line, path, sizeof path);
        if (!path[0]) snprintf(path, sizeof path, "document");
    }
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    if (b->label)
        errors_add(b->errors, "%s: error: %s: %s", b->label, path, message);
    else
        errors_add(b->errors, "%s:%d:%d: error: %s: %s", b->name, line, column, path, message);
}

/* Line and column (1-based) of a byte offset, for reader errors that carry only an offset. */
static void offset_position(const char *text, size_t length, size_t offset, int *line,
                            int *column) {
    *line = 1;
    *column = 1;
    if (offset > length) offset = length;
    for (size_t i = 0; i < offset; i++) {
        if (text[i] == '\n') {
            ++*line;
            *column = 1;
        } else {
            ++*column;
        }
    }
}

/* Keys are checked for duplicates by a linear scan while the map is small; a large map (a
 * benchmark world's regions) is sorted once when it ends instead, which keeps loading
 * O(n log n). */
enum { LINEAR_KEY_CHECK = 32 };

static int compare_keys(const void *a, const void *b) {
    const struct tree *x = *(const struct tree *const *)a, *y = *(const struct tree *const *)b;
    int order = strcmp(x->text, y->text);
    if (order) return order;
    return x->line != y->line ? (x->line < y->line ? -1 : 1) : (x->column - y->column);
}

static int check_large_map(struct builder *b, struct tree *map) {
    if (map->count <= LINEAR_KEY_CHECK + 1) return 0;
    struct tree **sorted = malloc((size_t)map->count * sizeof *sorted);
    if (!sorted) {
        builder_error(b, map->line, map->column, "out of memory");
        return -1;
    }
    memcpy(sorted, map->keys, (size_t)map->count * sizeof *sorted);
    qsort(sorted, (size_t)map->count, sizeof *sorted, compare_keys);
    int result = 0;
    for (int i = 1; i < map->count && result == 0; i++) {
        if (strcmp(sorted[i - 1]->text, sorted[i]->text) != 0) continue;
        b->stack[b->depth].node = map; /* reopen it so the path names the duplicate */
        b->stack[b->depth].pending_key = sorted[i];
        b->depth++;
        builder_error(b, sorted[i]->line, sorted[i]->column,
                      "duplicate key (first given at line %d, column %d; expected each key once)",
                      sorted[i - 1]->line, sorted[i - 1]->column);
        b->depth--;
        result = -1;
    }
    free(sorted);
    return result;
}

/* The key path of `line` read from indentation alone ("run" for a bad line under `run:`), for
 * syntax errors that libyaml finds before it has produced the keys around them. */
static void outline_path(const char *text, size_t length, int line, char *out, size_t size) {
    const char *starts[TREE_MAX_DEPTH + 1];
    size_t lengths[TREE_MAX_DEPTH + 1];
    int found = 0;
    /* Line starts, newest first, walking back from the error line. */
    size_t offset = 0;
    int current = 1;
    while (current < line && offset < length) {
        if (text[offset++] == '\n') current++;
    }
    size_t indent_limit = 0;
    while (offset + indent_limit < length && text[offset + indent_limit] == ' ') indent_limit++;
    size_t position = offset;
    while (position > 0 && found < TREE_MAX_DEPTH && indent_limit > 0) {
        size_t end = position - 1; /* the newline ending the previous line */
        size_t start = end;
        while (start > 0 && text[start - 1] != '\n') start--;
        position = start;
        size_t indent = 0;
        while (start + indent < end && text[start + indent] == ' ') indent++;
        const char *content = text + start + indent;
        size_t content_length = end - start - indent;
        if (content_length == 0 || content[0] == '#' || indent >= indent_limit) continue;
        if (content_length > 2 && content[0] == '-' && content[1] == ' ')
            content += 2, content_length -= 2;
        size_t key_length = 0;
        while (key_length < content_length && content[key_length] != ':' &&
               content[key_length] != ' ' && content[key_length] != '{' &&
               content[key_length] != '[')
            key_length++;
        if (key_length == 0 || key_length >= content_length || content[key_length] != ':') continue;
        starts[found] = content;
        lengths[found++] = key_length;
        indent_limit = indent;
    }
    size_t used = 0;
    out[0] = '\0';
    for (int i = found - 1; i >= 0 && used + lengths[i] + 2 < size; i--) {
        if (used) out[used++] = '.';
        memcpy(out + used, starts[i], lengths[i]);
        used += lengths[i];
        out[used] = '\0';
    }
}

/* Put a finished node where it belongs: root, map key, map value or sequence item. */
static int builder_attach(struct builder *b, struct tree *node) {
    if (b->depth == 0) {
        b->root = node;
        return 0;
    }
    struct frame *top = &b->stack[b->depth - 1];
    if (top->node->kind == TREE_SEQ) {
        if (node_append(top->node, NULL, node) == 0) return 0;
        builder_error(b, node->line, node->column, "out of memory");
        return -1;
    }
    if (!top->pending_key) {
        if (node->kind != TREE_SCALAR) {
            builder_error(b, node->line, node->column,
                          "a mapping key must be a plain name (expected NAME: VALUE)");
            return -1;
        }
        for (int i = 0; i < top->node->count && i <= LINEAR_KEY_CHECK; i++) {
            const struct tree *other = top->node->keys[i];
            if (strcmp(other->text, node->text) == 0) {
                top->pending_key = node; /* so the error path names the duplicate */
                builder_error(b, node->line, node->column,
                              "duplicate key (first given at line %d, column %d; expected each "
                              "key once)",
                              other->line, other->column);
                top->pending_key = NULL;
                return -1;
            }
        }
        top->pending_key = node;
        return 0;
    }
    if (node_append(top->node, top->pending_key, node) != 0) {
        builder_error(b, node->line, node->column, "out of memory");
        return -1;
    }
    top->pending_key = NULL;
    return 0;
}

static int event_to_node(struct builder *b, const yaml_event_t *event, struct tree **out) {
    int line = (int)event->start_mark.line + 1, column = (int)event->start_mark.column + 1;
    *out = NULL;
    /* An anchor alone is harmless (and ignored); only an alias could repeat a subtree. */
    int kind = TREE_SCALAR;
    if (event->type == YAML_MAPPING_START_EVENT) kind = TREE_MAP;
    if (event->type == YAML_SEQUENCE_START_EVENT) kind = TREE_SEQ;
    if (++b->nodes > TREE_MAX_NODES) {
        builder_error(b, line, column, "too many values (expected at most %d in one file)",
                      TREE_MAX_NODES);
        return -1;
    }
    if (b->depth > 0 && b->stack[b->depth - 1].node->count >= TREE_MAX_ENTRIES) {
        builder_error(b, line, column,
                      "more than %d entries in one list or mapping (expected at most %d)",
                      TREE_MAX_ENTRIES, TREE_MAX_ENTRIES);
        return -1;
    }
    b->bytes += node_cost(kind, kind == TREE_SCALAR ? event->data.scalar.length : 0);
    if (b->bytes > b->budget) {
        builder_error(b, line, column,
                      "too many values for a file of %zu bytes (holding them would take over "
                      "%zu MiB; expected at most %d bytes of memory per byte of YAML plus %zu MiB)",
                      b->length, b->budget >> 20, TREE_MEMORY_PER_BYTE, TREE_MEMORY_BASE >> 20);
        return -1;
    }
    struct tree *node = node_new(kind, line, column, b->label);
    if (!node) {
        builder_error(b, line, column, "out of memory");
        return -1;
    }
    if (kind == TREE_SCALAR) {
        size_t length = event->data.scalar.length;
        if (length > TREE_MAX_SCALAR) {
            builder_error(b, line, column, "value too long (expected at most %d bytes)",
                          TREE_MAX_SCALAR);
            tree_free(node);
            return -1;
        }
        if (memchr(event->data.scalar.value, '\0', length)) {
            builder_error(b, line, column, "value contains a NUL character (expected text)");
            tree_free(node);
            return -1;
        }
        if (node_set_text(node, (const char *)event->data.scalar.value, length) != 0) {
            tree_free(node);
            builder_error(b, line, column, "out of memory");
            return -1;
        }
        node->quoted = event->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
    }
    *out = node;
    return 0;
}

struct tree *tree_parse(const char *name, const char *text, size_t length, const char *label,
                        const char *base_path, struct scenario_errors *errors) {
    struct builder b = {.name = name,
                        .label = label,
                        .base_path = base_path,
                        .text = text,
                        .length = length,
                        .budget = TREE_MEMORY_PER_BYTE * length + TREE_MEMORY_BASE,
                        .errors = errors};
    if (length > TREE_MAX_SOURCE) {
        builder_error(&b, 1, 1, "file too large (expected at most %zu MiB)", TREE_MAX_SOURCE >> 20);
        return NULL;
    }
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        builder_error(&b, 1, 1, "out of memory");
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, length);
    int failed = 0, done = 0, documents = 0;
    while (!failed && !done) {
        yaml_event_t event;
        if (!yaml_parser_parse(&parser, &event)) {
            int line, column;
            if (parser.error == YAML_READER_ERROR) {
                offset_position(text, length, parser.problem_offset, &line, &column);
            } else {
                line = (int)parser.problem_mark.line + 1;
                column = (int)parser.problem_mark.column + 1;
            }
            const char *problem = parser.problem ? parser.problem : "cannot be parsed";
            if (parser.context)
                builder_error(&b, line, column, "%s (YAML syntax: %s at line %d, column %d)",
                              problem, parser.context, (int)parser.context_mark.line + 1,
                              (int)parser.context_mark.column + 1);
            else
                builder_error(&b, line, column, "%s (YAML syntax)", problem);
            failed = 1;
            break;
        }
        int line = (int)event.start_mark.line + 1, column = (int)event.start_mark.column + 1;
        struct tree *node = NULL;
        switch (event.type) {
            case YAML_DOCUMENT_START_EVENT:
                if (++documents > 1) {
                    builder_error(&b, line, column,
                                  "a second document (expected one document per file)");
                    failed = 1;
                }
                break;
            case YAML_STREAM_END_EVENT:
                done = 1;
                break;
            case YAML_ALIAS_EVENT:
                builder_error(&b, line, column,
                              "aliases are not supported (expected each value written out)");
                failed = 1;
                break;
            case YAML_SCALAR_EVENT:
                if (event_to_node(&b, &event, &node) != 0 || builder_attach(&b, node) != 0) {
                    tree_free(node);
                    failed = 1;
                }
                break;
            case YAML_MAPPING_START_EVENT:
            case YAML_SEQUENCE_START_EVENT:
                if (b.depth >= TREE_MAX_DEPTH) {
                    builder_error(&b, line, column, "nested too deep (expected at most %d levels)",
                                  TREE_MAX_DEPTH);
                    failed = 1;
                    break;
                }
                if (event_to_node(&b, &event, &node) != 0) {
                    failed = 1;
                    break;
                }
                /* Attached when it ends, so a half-built node is never reachable twice. */
                b.stack[b.depth].node = node;
                b.stack[b.depth].pending_key = NULL;
                b.depth++;
                break;
            case YAML_MAPPING_END_EVENT:
            case YAML_SEQUENCE_END_EVENT:
                node = b.stack[--b.depth].node;
                if ((node->kind == TREE_MAP && check_large_map(&b, node) != 0) ||
                    builder_attach(&b, node) != 0) {
                    tree_free(node);
                    failed = 1;
                }
                break;
            default:
                break;
        }
        yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);
    /* Release whatever was still open (partial nodes own their children and pending keys). */
    while (b.depth > 0) {
        struct frame *frame = &b.stack[--b.depth];
        tree_free(frame->pending_key);
        tree_free(frame->node);
    }
    if (failed) {
        tree_free(b.root);
        return NULL;
    }
    if (!b.root) {
        builder_error(&b, 1, 1,
                      label ? "empty value (expected a value; ~ removes the key)"
                            : "the file is empty (expected a scenario mapping)");
        return NULL;
    }
    return b.root;
}

/* ---- edits by path ------------------------------------------------------------------------- */

/* Keys whose value may be a number for every domain or a mapping per domain. */
static int is_per_domain_key(const char *key) {
    static const char *const keys[] = {"detect",       "border_bonus", "cue_gain",
                                       "network_gain", "mitigation",   "coverage"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(key, keys[i]) == 0) return 1;
    return 0;
}

static struct tree *scalar_new(const char *text, const struct tree *at, const char *origin) {
    struct tree *node = node_new(TREE_SCALAR, at->line, at->column, origin);
    if (node && node_set_text(node, text, strlen(text)) != 0) {
        tree_free(node);
        return NULL;
    }
    return node;
}

static int path_segment_ok(const char *segment, size_t length) {
    if (length == 0 || length >= WORLD_NAME_MAX) return 0;
    for (size_t i = 0; i < length; i++) {
        char c = segment[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

int tree_set_path(struct tree *root, const char *path, struct tree *value, const char *label,
                  struct scenario_errors *errors) {
    char walked[1024] = "";
    size_t walked_length = 0;
    int result = -1;
    if (!root || root->kind != TREE_MAP) {
        errors_add(errors, "%s: error: %s: the scenario is not a mapping", label, path);
        goto done;
    }
    if (strlen(path) >= sizeof walked) {
        errors_add(errors, "%s: error: path too long (expected at most %zu characters)", label,
                   sizeof walked - 1);
        goto done;
    }
    /* Check every segment before changing anything. */
    for (const char *s = path;;) {
        const char *dot = strchr(s, '.');
        size_t length = dot ? (size_t)(dot - s) : strlen(s);
        if (!path_segment_ok(s, length)) {
            errors_add(errors,
                       "%s: error: %s: bad path (expected names joined by dots, each of letters, "
                       "digits, '_' or '-', e.g. states.TJK.detect.military)",
                       label, path);
            goto done;
        }
        if (!dot) break;
        s = dot + 1;
    }
    struct tree *map = root;
    const char *segment = path;
    for (;;) {
        const char *dot = strchr(segment, '.');
        size_t length = dot ? (size_t)(dot - segment) : strlen(segment);
        char key[WORLD_NAME_MAX];
        memcpy(key, segment, length);
        key[length] = '\0';
        walked_length += (size_t)snprintf(walked + walked_length, sizeof walked - walked_length,
                                          "%s%s", walked_length ? "." : "", key);
        int index = -1;
        for (int i = 0; i < map->count; i++)
            if (strcmp(map->keys[i]->text, key) == 0) index = i;
        if (!dot) { /* the last segment: set, replace or remove */
            if (tree_is_null(value)) {
                if (index >= 0) {
                    tree_free(map->keys[index]);
                    tree_free(map->items[index]);
                    memmove(map->keys + index, map->keys + index + 1,
                            (size_t)(map->count - index - 1) * sizeof *map->keys);
                    memmove(map->items + index, map->items + index + 1,
                            (size_t)(map->count - index - 1) * sizeof *map->items);
                    map->count--;
                }
                result = 0;
                goto done;
            }
            if (index >= 0) {
                tree_free(map->items[index]);
                map->items[index] = value;
                value = NULL;
                result = 0;
                goto done;
            }
            struct tree *key_node = scalar_new(key, value, label);
            if (!key_node || node_append(map, key_node, value) != 0) {
                tree_free(key_node);
                errors_add(errors, "%s: error: %s: out of memory", label, walked);
                goto done;
            }
            key_node->created = 1;
            value = NULL;
            result = 0;
            goto done;
        }
        struct tree *next = index >= 0 ? map->items[index] : NULL;
        if (next && next->kind == TREE_SCALAR && tree_is_null(next)) {
            /* `key:` with nothing (or ~) is an empty mapping to set into. */
            struct tree *empty = node_new(TREE_MAP, next->line, next->column, label);
            if (!empty) goto oom;
            tree_free(next);
            map->items[index] = next = empty;
        } else if (next && next->kind == TREE_SCALAR) {
            if (!is_per_domain_key(key)) {
                errors_add(errors,
                           "%s: error: %s: holds the single value %s, so nothing can be set "
                           "inside it (expected a path to a value, e.g. %s=VALUE)",
                           label, walked, next->text, walked);
                goto done;
            }
            /* detect: 0.1  ->  detect: {all: 0.1}, then the domain is set inside it. */
            struct tree *wrapped = node_new(TREE_MAP, next->line, next->column, next->origin);
            struct tree *all = wrapped ? scalar_new("all", next, next->origin) : NULL;
            if (!all || node_append(wrapped, all, next) != 0) {
                tree_free(all);
                tree_free(wrapped);
                goto oom;
            }
            map->items[index] = next = wrapped;
        } else if (next && next->kind == TREE_SEQ) {
            errors_add(errors,
                       "%s: error: %s: is a list, whose items have no names (expected a path "
                       "through named mappings; set the whole list with %s=[...])",
                       label, walked, walked);
            goto done;
        } else if (!next) {
            struct tree *key_node = scalar_new(key, value, label);
            struct tree *created = node_new(TREE_MAP, value->line, value->column, label);
            if (!key_node || !created || node_append(map, key_node, created) != 0) {
                tree_free(key_node);
                tree_free(created);
                goto oom;
            }
            key_node->created = 1;
            next = created;
        }
        map = next;
        segment = dot + 1;
    }
oom:
    errors_add(errors, "%s: error: %s: out of memory", label, walked);
done:
    tree_free(value);
    return result;
}

/* ---- back to text -------------------------------------------------------------------------- */

struct text_buffer {
    char *data;
    size_t length, capacity;
    int failed;
};

static void text_put(struct text_buffer *t, const char *s, size_t n) {
    if (t->failed) return;
    if (t->length + n + 1 > t->capacity) {
        size_t capacity = t->capacity ? t->capacity : 64;
        while (t->length + n + 1 > capacity) capacity *= 2;
        char *data = realloc(t->data, capacity);
        if (!data) {
            t->failed = 1;
            return;
        }
        t->data = data;
        t->capacity = capacity;
    }
    memcpy(t->data + t->length, s, n);
    t->length += n;
    t->data[t->length] = '\0';
}

static int plain_safe(const char *s) {
    if (!*s) return 0;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.' || c == '+' || c == '~'))
            return 0;
    }
    return 1;
}

static void text_scalar(struct text_buffer *t, const struct tree *node, int top) {
    const char *s = node->text;
    if (!node->quoted && (plain_safe(s) || (top && *s))) {
        text_put(t, s, strlen(s));
        return;
    }
    text_put(t, "\"", 1);
    for (; *s; s++) {
        char escaped[8];
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            escaped[0] = '\\';
            escaped[1] = (char)c;
            text_put(t, escaped, 2);
        } else if (c < 0x20) {
            snprintf(escaped, sizeof escaped, "\\x%02x", c);
            text_put(t, escaped, 4);
        } else {
            text_put(t, (const char *)s, 1);
        }
    }
    text_put(t, "\"", 1);
}

static void text_node(struct text_buffer *t, const struct tree *node, int top) {
    if (node->kind == TREE_SCALAR) {
        text_scalar(t, node, top);
        return;
    }
    text_put(t, node->kind == TREE_MAP ? "{" : "[", 1);
    for (int i = 0; i < node->count; i++) {
        if (i) text_put(t, ", ", 2);
        if (node->kind == TREE_MAP) {
            text_scalar(t, node->keys[i], 0);
            text_put(t, ": ", 2);
        }
        text_node(t, node->items[i], 0);
    }
    text_put(t, node->kind == TREE_MAP ? "}" : "]", 1);
}

char *tree_to_text(const struct tree *node) {
    struct text_buffer t = {0};
    text_node(&t, node, 1);
    if (t.failed) {
        free(t.data);
        return NULL;
    }
    if (!t.data) return strdup("");
    return t.data;
}
