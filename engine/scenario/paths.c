/* paths.c — route graph of a world: adjacency rows, neighbour states, shortest-time paths. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int paths_build_adjacency(struct world *w) {
    int n = w->n_regions;
    w->adj_first = calloc((size_t)n + 1, sizeof *w->adj_first);
    w->adj_region = malloc(((size_t)w->n_routes * 2 + 1) * sizeof *w->adj_region);
    w->adj_ticks = malloc(((size_t)w->n_routes * 2 + 1) * sizeof *w->adj_ticks);
    w->adj_crossing = malloc(((size_t)w->n_routes * 2 + 1) * sizeof *w->adj_crossing);
    w->adj_checkpoint = malloc(((size_t)w->n_routes * 2 + 1) * sizeof *w->adj_checkpoint);
    int *fill = calloc((size_t)n + 1, sizeof *fill);
    if (!w->adj_first || !w->adj_region || !w->adj_ticks || !w->adj_crossing ||
        !w->adj_checkpoint || !fill) {
        free(fill);
        return -1;
    }
    for (int r = 0; r < w->n_routes; r++) {
        w->adj_first[w->routes[r].from + 1]++;
        w->adj_first[w->routes[r].to + 1]++;
    }
    for (int g = 0; g < n; g++) w->adj_first[g + 1] += w->adj_first[g];
    /* Rows in route order: deterministic, and the same order the file lists them in. */
    for (int r = 0; r < w->n_routes; r++) {
        const struct world_route *route = &w->routes[r];
        int owner_from = w->regions[route->from].owner, owner_to = w->regions[route->to].owner;
        /* a border crossing joins two owners (an external area counts as one): it costs its
         * extra ticks both ways */
        uint8_t crossing = owner_from != owner_to;
        int extra = !crossing                    ? 0
                    : route->crossing_ticks >= 0 ? route->crossing_ticks
                                                 : w->crossing_ticks;
        int a = w->adj_first[route->from] + fill[route->from]++;
        w->adj_region[a] = route->to;
        w->adj_ticks[a] = route->ticks + extra;
        w->adj_crossing[a] = crossing;
        w->adj_checkpoint[a] = route->checkpoint;
        int b = w->adj_first[route->to] + fill[route->to]++;
        w->adj_region[b] = route->from;
        w->adj_ticks[b] = route->ticks + extra;
        w->adj_crossing[b] = crossing;
        w->adj_checkpoint[b] = route->checkpoint;
        if (owner_from >= 0 && owner_to >= 0 && owner_from != owner_to) {
            w->neighbours[owner_from] |= UINT64_C(1) << owner_to;
            w->neighbours[owner_to] |= UINT64_C(1) << owner_from;
        }
    }
    free(fill);
    return 0;
}

/* A way in to a region, compared lexicographically: travel ticks, then (with regional ties)
 * border crossings, then ticks spent in external areas; a heap entry adds the region. */
struct way {
    long long ticks;
    int crossings;
    long long abroad;
};

static int way_compare(const struct way *a, const struct way *b) {
    if (a->ticks != b->ticks) return a->ticks < b->ticks ? -1 : 1;
    if (a->crossings != b->crossings) return a->crossings < b->crossings ? -1 : 1;
    if (a->abroad != b->abroad) return a->abroad < b->abroad ? -1 : 1;
    return 0;
}

/* A binary min-heap of (way, region); ties go to the lower region index. */
struct heap_entry {
    struct way way;
    int region;
};

static int heap_less(const struct heap_entry *a, const struct heap_entry *b) {
    int order = way_compare(&a->way, &b->way);
    return order != 0 ? order < 0 : a->region < b->region;
}

static void heap_push(struct heap_entry *heap, size_t *size, struct heap_entry entry) {
    size_t i = (*size)++;
    heap[i] = entry;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!heap_less(&heap[i], &heap[parent])) break;
        struct heap_entry t = heap[i];
        heap[i] = heap[parent];
        heap[parent] = t;
        i = parent;
    }
}

static struct heap_entry heap_pop(struct heap_entry *heap, size_t *size) {
    struct heap_entry top = heap[0];
    heap[0] = heap[--*size];
    size_t i = 0;
    for (;;) {
        size_t left = 2 * i + 1, right = left + 1, best = i;
        if (left < *size && heap_less(&heap[left], &heap[best])) best = left;
        if (right < *size && heap_less(&heap[right], &heap[best])) best = right;
        if (best == i) break;
        struct heap_entry t = heap[i];
        heap[i] = heap[best];
        heap[best] = t;
        i = best;
    }
    return top;
}

/* Dijkstra from `source`: way[g] (ticks -1: unreachable) and previous[g] on a best path. Ways
 * compare by travel ticks, then (ROUTE_TIES_REGIONAL) fewer border crossings, then less time in
 * external areas, so that a tie never sends a threat on a foreign detour; among equal ways in,
 * the predecessor with the lower region index is kept. With ROUTE_TIES_INDEX only the ticks
 * count. */
static void shortest_from(const struct world *w, int source, struct way *way, int *previous,
                          struct heap_entry *heap) {
    int regional = w->route_ties == ROUTE_TIES_REGIONAL;
    for (int g = 0; g < w->n_regions; g++) way[g] = (struct way){-1, 0, 0}, previous[g] = -1;
    size_t size = 0;
    way[source] = (struct way){0, 0, 0};
    heap_push(heap, &size, (struct heap_entry){way[source], source});
    while (size > 0) {
        struct heap_entry entry = heap_pop(heap, &size);
        int u = entry.region;
        if (way_compare(&entry.way, &way[u]) != 0) continue; /* stale */
        int abroad = regional && w->regions[u].owner < 0;
        for (int a = w->adj_first[u]; a < w->adj_first[u + 1]; a++) {
            int v = w->adj_region[a];
            struct way through = {entry.way.ticks + w->adj_ticks[a],
                                  entry.way.crossings + (regional ? w->adj_crossing[a] : 0),
                                  entry.way.abroad + (abroad ? w->adj_ticks[a] : 0)};
            int order = way[v].ticks < 0 ? -1 : way_compare(&through, &way[v]);
            if (order < 0) {
                way[v] = through;
                previous[v] = u;
                heap_push(heap, &size, (struct heap_entry){through, v});
            } else if (order == 0 && u < previous[v]) {
                previous[v] = u;
            }
        }
    }
}

struct origin_job {
    int region, type, slot;
};

static int compare_jobs(const void *a, const void *b) {
    const struct origin_job *x = a, *y = b;
    if (x->region != y->region) return x->region < y->region ? -1 : 1;
    if (x->type != y->type) return x->type < y->type ? -1 : 1;
    return (x->slot > y->slot) - (x->slot < y->slot);
}

long paths_build(struct world *w, size_t max_entries, paths_unreachable_fn unreachable,
                 void *context) {
    long missing = 0;
    size_t n_paths = 0;
    w->type_first_path = malloc(((size_t)w->n_types + 1) * sizeof *w->type_first_path);
    if (!w->type_first_path) return -1;
    for (int k = 0; k < w->n_types; k++) {
        w->type_first_path[k] = (int)n_paths;
        n_paths += (size_t)w->types[k].n_origins * (size_t)w->types[k].n_targets;
        if (n_paths > max_entries) return -1;
    }
    w->type_first_path[w->n_types] = (int)n_paths;
    w->n_paths = (int)n_paths;
    w->paths = calloc(n_paths + 1, sizeof *w->paths);
    struct origin_job *jobs = malloc(((size_t)w->n_origins + 1) * sizeof *jobs);
    struct way *distance = malloc(((size_t)w->n_regions + 1) * sizeof *distance);
    int *previous = malloc(((size_t)w->n_regions + 1) * sizeof *previous);
    struct heap_entry *heap = malloc(((size_t)w->n_routes * 2 + 2) * sizeof *heap);
    size_t capacity = 1024, used = 0;
    w->path_regions = malloc(capacity * sizeof *w->path_regions);
    w->path_enter = malloc(capacity * sizeof *w->path_enter);
    long result = -1;
    if (!w->paths || !jobs || !distance || !previous || !heap || !w->path_regions || !w->path_enter)
        goto done;
    /* One Dijkstra per distinct origin region, however many types start there. */
    int n_jobs = 0;
    for (int k = 0; k < w->n_types; k++)
        for (int i = 0; i < w->types[k].n_origins; i++)
            jobs[n_jobs++] =
                (struct origin_job){w->origins[w->types[k].first_origin + i].region, k, i};
    qsort(jobs, (size_t)n_jobs, sizeof *jobs, compare_jobs);
    for (int j = 0; j < n_jobs; j++) {
        if (j == 0 || jobs[j].region != jobs[j - 1].region)
            shortest_from(w, jobs[j].region, distance, previous, heap);
        const struct world_threat_type *type = &w->types[jobs[j].type];
        for (int t = 0; t < type->n_targets; t++) {
            int target = w->targets[type->first_target + t];
            struct world_path *path =
                &w->paths[w->type_first_path[jobs[j].type] + jobs[j].slot * type->n_targets + t];
            if (distance[target].ticks < 0 || distance[target].ticks > INT32_MAX) {
                missing++;
                if (unreachable) unreachable(context, jobs[j].type, jobs[j].slot, t);
                path->first = (int)used;
                path->length = 0;
                continue;
            }
            int length = 1;
            for (int g = target; g != jobs[j].region; g = previous[g]) length++;
            if (used + (size_t)length > max_entries) goto done;
            while (used + (size_t)length > capacity) {
                capacity *= 2;
                int *regions = realloc(w->path_regions, capacity * sizeof *regions);
                if (!regions) goto done;
                w->path_regions = regions;
                int *enter = realloc(w->path_enter, capacity * sizeof *enter);
                if (!enter) goto done;
                w->path_enter = enter;
            }
            path->first = (int)used;
            path->length = length;
            int position = length - 1;
            for (int g = target;; g = previous[g]) {
                w->path_regions[used + (size_t)position] = g;
                w->path_enter[used + (size_t)position] = (int)distance[g].ticks;
                if (g == jobs[j].region) break;
                position--;
            }
            used += (size_t)length;
        }
    }
    w->n_path_entries = (int)used;
    result = missing;
done:
    free(jobs);
    free(distance);
    free(previous);
    free(heap);
    return result;
}

/* Copy `count` elements of `size` bytes; NULL source gives NULL. Sets *failed on failure. */
static void *copy_array(const void *source, size_t count, size_t size, int *failed) {
    if (!source) return NULL;
    void *copy = malloc(count * size + 1);
    if (!copy) {
        *failed = 1;
        return NULL;
    }
    memcpy(copy, source, count * size);
    return copy;
}

struct world *world_copy(const struct world *w) {
    struct world *c = malloc(sizeof *c);
    if (!c) return NULL;
    *c = *w;
    c->phases = NULL; /* phases belong to one compiled variant (engine/run/phases.c) */
    c->n_phases = 0;
    int failed = 0;
    size_t sd = (size_t)w->n_states * (size_t)w->n_domains;
    c->states = copy_array(w->states, (size_t)w->n_states, sizeof *w->states, &failed);
    c->detect = copy_array(w->detect, sd, sizeof *w->detect, &failed);
    c->border_bonus = copy_array(w->border_bonus, sd, sizeof *w->border_bonus, &failed);
    c->cue_gain = copy_array(w->cue_gain, sd, sizeof *w->cue_gain, &failed);
    c->network_gain = copy_array(w->network_gain, sd, sizeof *w->network_gain, &failed);
    c->mitigation = copy_array(w->mitigation, sd, sizeof *w->mitigation, &failed);
    c->sharing = copy_array(w->sharing, sd, sizeof *w->sharing, &failed);
    c->agreement = copy_array(w->agreement, (size_t)w->n_states * (size_t)w->n_states,
                              sizeof *w->agreement, &failed);
    c->neighbours = copy_array(w->neighbours, (size_t)w->n_states, sizeof *w->neighbours, &failed);
    c->regions = copy_array(w->regions, (size_t)w->n_regions, sizeof *w->regions, &failed);
    c->routes = copy_array(w->routes, (size_t)w->n_routes, sizeof *w->routes, &failed);
    c->adj_first =
        copy_array(w->adj_first, (size_t)w->n_regions + 1, sizeof *w->adj_first, &failed);
    c->adj_region =
        copy_array(w->adj_region, (size_t)w->n_routes * 2, sizeof *w->adj_region, &failed);
    c->adj_ticks = copy_array(w->adj_ticks, (size_t)w->n_routes * 2, sizeof *w->adj_ticks, &failed);
    c->adj_crossing =
        copy_array(w->adj_crossing, (size_t)w->n_routes * 2, sizeof *w->adj_crossing, &failed);
    c->adj_checkpoint =
        copy_array(w->adj_checkpoint, (size_t)w->n_routes * 2, sizeof *w->adj_checkpoint, &failed);
    c->types = copy_array(w->types, (size_t)w->n_types, sizeof *w->types, &failed);
    c->origins = copy_array(w->origins, (size_t)w->n_origins, sizeof *w->origins, &failed);
    c->targets = copy_array(w->targets, (size_t)w->n_targets, sizeof *w->targets, &failed);
    c->target_weights =
        copy_array(w->target_weights, (size_t)w->n_targets, sizeof *w->target_weights, &failed);
    c->type_first_path =
        copy_array(w->type_first_path, (size_t)w->n_types + 1, sizeof *w->type_first_path, &failed);
    c->paths = copy_array(w->paths, (size_t)w->n_paths, sizeof *w->paths, &failed);
    c->path_regions =
        copy_array(w->path_regions, (size_t)w->n_path_entries, sizeof *w->path_regions, &failed);
    c->path_enter =
        copy_array(w->path_enter, (size_t)w->n_path_entries, sizeof *w->path_enter, &failed);
    c->partners = copy_array(w->partners, (size_t)w->n_partners, sizeof *w->partners, &failed);
    if (w->collect_first) {
        c->collect_first = copy_array(w->collect_first, (size_t)w->n_regions + 1,
                                      sizeof *w->collect_first, &failed);
        c->collect_who =
            copy_array(w->collect_who, (size_t)w->n_collect, sizeof *w->collect_who, &failed);
        c->collect_coverage =
            copy_array(w->collect_coverage, (size_t)w->n_collect * (size_t)w->n_domains,
                       sizeof *w->collect_coverage, &failed);
    }
    c->measures = copy_array(w->measures, (size_t)w->n_measures, sizeof *w->measures, &failed);
    if (failed) {
        world_free(c);
        return NULL;
    }
    return c;
}
