/* paths.c — threat routes: shortest travel time, least detection (adaptive), the route arena. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "sim_internal.h"

int paths_reset(struct sim_workspace *ws) {
    ws->paths.count = 0;
    ws->paths.entries = 0;
    for (size_t i = 0; i < ws->cache_capacity; i++) ws->cache_key[i] = 0;
    ws->cache_count = 0;
    return 0;
}

static int paths_grow(struct sim_paths *paths, int add_entries) {
    if (paths->count == paths->capacity) {
        int capacity = paths->capacity ? 2 * paths->capacity : 64;
        int *first = realloc(paths->first, (size_t)capacity * sizeof *first);
        if (!first) return -1;
        paths->first = first;
        int *length = realloc(paths->length, (size_t)capacity * sizeof *length);
        if (!length) return -1;
        paths->length = length;
        paths->capacity = capacity;
    }
    if (paths->entries + add_entries > paths->entry_capacity) {
        int capacity = paths->entry_capacity ? paths->entry_capacity : 256;
        while (capacity < paths->entries + add_entries) capacity *= 2;
        int *region = realloc(paths->region, (size_t)capacity * sizeof *region);
        if (!region) return -1;
        paths->region = region;
        int *enter = realloc(paths->enter, (size_t)capacity * sizeof *enter);
        if (!enter) return -1;
        paths->enter = enter;
        uint64_t *suffix = realloc(paths->owner_suffix, (size_t)capacity * sizeof *suffix);
        if (!suffix) return -1;
        paths->owner_suffix = suffix;
        uint8_t *crossing = realloc(paths->crossing, (size_t)capacity * sizeof *crossing);
        if (!crossing) return -1;
        paths->crossing = crossing;
        float *checkpoint = realloc(paths->checkpoint, (size_t)capacity * sizeof *checkpoint);
        if (!checkpoint) return -1;
        paths->checkpoint = checkpoint;
        paths->entry_capacity = capacity;
    }
    return 0;
}

/* Append a path given as region and entry-offset sequences; derive owners and crossings. */
static int paths_append(struct sim_workspace *ws, const int *regions, const int *enter,
                        int length) {
    const struct world *w = ws->world;
    struct sim_paths *paths = &ws->paths;
    if (length < 1 || paths_grow(paths, length) != 0) return -1;
    int first = paths->entries;
    for (int i = 0; i < length; i++) {
        int owner = w->regions[regions[i]].owner;
        int previous = i > 0 ? w->regions[regions[i - 1]].owner : owner;
        paths->region[first + i] = regions[i];
        paths->enter[first + i] = enter[i];
        paths->crossing[first + i] = (uint8_t)(i > 0 && owner >= 0 && owner != previous);
        paths->checkpoint[first + i] =
            paths->crossing[first + i] ? (float)world_checkpoint(w, regions[i - 1], regions[i]) : 0;
    }
    uint64_t suffix = 0;
    for (int i = length - 1; i >= 0; i--) {
        int owner = w->regions[regions[i]].owner;
        if (owner >= 0) suffix |= 1ull << owner;
        paths->owner_suffix[first + i] = suffix;
    }
    paths->first[paths->count] = first;
    paths->length[paths->count] = length;
    paths->entries += length;
    return paths->count++;
}

int paths_copy_world(struct sim_workspace *ws, const struct world_path *path) {
    const struct world *w = ws->world;
    return paths_append(ws, w->path_regions + path->first, w->path_enter + path->first,
                        path->length);
}

/* Detection hazard per tick in region g for type k, given current burns: -log(1 - p); in an
 * external area, that of its upstream watchers (docs/model.md §5.11), each independent. */
static double paths_hazard(const struct sim_workspace *ws, int g, int type) {
    const struct world *w = ws->world;
    int owner = w->regions[g].owner;
    const struct world_threat_type *tt = &w->types[type];
    if (owner < 0) {
        double hazard = 0.0;
        for (int e = w->collect_first ? w->collect_first[g] : 0;
             w->collect_first && e < w->collect_first[g + 1]; e++) {
            int who = w->collect_who[e];
            double p = w->collect_coverage[(size_t)e * (size_t)w->n_domains + (size_t)tt->domain] *
                       tt->stealth;
            if (who >= 0 && ws->tick < ws->burn_until[world_sd(w, who, tt->domain)])
                p *= w->burn_factor;
            if (p > 1.0 - 1e-12) p = 1.0 - 1e-12;
            hazard -= log1p(-p);
        }
        return hazard;
    }
    int sd = world_sd(w, owner, tt->domain);
    double p = w->detect[sd] * tt->stealth;
    if (ws->tick < ws->burn_until[sd]) p *= w->burn_factor;
    if (p > 1.0 - 1e-12) p = 1.0 - 1e-12;
    return -log1p(-p);
}

static double paths_border_cost(const struct sim_workspace *ws, int from, int to, int type) {
    const struct world *w = ws->world;
    int owner = w->regions[to].owner;
    if (owner < 0 || owner == w->regions[from].owner) return 0.0;
    const struct world_threat_type *tt = &w->types[type];
    double b = w->border_bonus[world_sd(w, owner, tt->domain)] * tt->stealth;
    if (b > 1.0 - 1e-12) b = 1.0 - 1e-12;
    double cost = -log1p(-b);
    double checkpoint = world_checkpoint(w, from, to) * tt->stealth; /* a border post */
    if (checkpoint > 0) cost -= log1p(-(checkpoint > 1.0 - 1e-12 ? 1.0 - 1e-12 : checkpoint));
    return cost;
}

/* (cost, ticks, crossings, ticks abroad) lexicographic, costs compared with a relative
 * tolerance so that float noise does not pick between equal routes; the last two only with
 * regional ties (docs/model.md §4). */
static int paths_better(const struct sim_workspace *ws, double cost_a, int a, double cost_b,
                        int b) {
    double tolerance = 1e-12 * (fabs(cost_a) + fabs(cost_b));
    if (cost_a < cost_b - tolerance) return 1;
    if (cost_a > cost_b + tolerance) return 0;
    if (ws->dist_ticks[a] != ws->dist_ticks[b]) return ws->dist_ticks[a] < ws->dist_ticks[b];
    if (ws->world->route_ties != ROUTE_TIES_REGIONAL) return 0;
    if (ws->dist_cross[a] != ws->dist_cross[b]) return ws->dist_cross[a] < ws->dist_cross[b];
    return ws->dist_abroad[a] < ws->dist_abroad[b];
}

static int heap_less(const struct sim_workspace *ws, int a, int b) {
    if (paths_better(ws, ws->dist[a], a, ws->dist[b], b)) return 1;
    if (paths_better(ws, ws->dist[b], b, ws->dist[a], a)) return 0;
    return a < b;
}

static void heap_swap(struct sim_workspace *ws, int i, int j) {
    int a = ws->heap[i], b = ws->heap[j];
    ws->heap[i] = b;
    ws->heap[j] = a;
    ws->heap_pos[b] = i;
    ws->heap_pos[a] = j;
}

static void heap_up(struct sim_workspace *ws, int i) {
    while (i > 0) {
        int parent = (i - 1) / 2;
        if (!heap_less(ws, ws->heap[i], ws->heap[parent])) break;
        heap_swap(ws, i, parent);
        i = parent;
    }
}

static void heap_down(struct sim_workspace *ws, int i, int size) {
    for (;;) {
        int left = 2 * i + 1, right = left + 1, best = i;
        if (left < size && heap_less(ws, ws->heap[left], ws->heap[best])) best = left;
        if (right < size && heap_less(ws, ws->heap[right], ws->heap[best])) best = right;
        if (best == i) break;
        heap_swap(ws, i, best);
        i = best;
    }
}

int paths_find(struct sim_workspace *ws, int from, int to, int adaptive, int type, int reuse) {
    const struct world *w = ws->world;
    int n = w->n_regions;
    for (int g = 0; g < n; g++) {
        ws->dist[g] = INFINITY;
        ws->dist_ticks[g] = 0;
        ws->dist_cross[g] = ws->dist_abroad[g] = 0;
        ws->prev[g] = -1;
        ws->heap_pos[g] = -1;
    }
    ws->dist[from] = 0.0;
    int size = 0;
    ws->heap[size] = from;
    ws->heap_pos[from] = size++;
    while (size > 0) {
        int u = ws->heap[0];
        heap_swap(ws, 0, --size);
        ws->heap_pos[u] = -2; /* settled */
        heap_down(ws, 0, size);
        if (u == to) break;
        /* an adaptive adversary weighs a tick of travel at time_weight (docs/model.md §4) */
        double hazard = adaptive ? paths_hazard(ws, u, type) + w->types[type].time_weight : 0.0;
        int abroad = w->regions[u].owner < 0;
        for (int e = w->adj_first[u]; e < w->adj_first[u + 1]; e++) {
            int v = w->adj_region[e];
            if (ws->heap_pos[v] == -2) continue;
            int ticks = ws->dist_ticks[u] + w->adj_ticks[e];
            double cost = adaptive ? ws->dist[u] + w->adj_ticks[e] * hazard +
                                         paths_border_cost(ws, u, v, type)
                                   : (double)ticks;
            /* the candidate way in, in slot `candidate` (the scratch entry n), against v's */
            int candidate = n;
            ws->dist_ticks[candidate] = ticks;
            ws->dist_cross[candidate] =
                ws->dist_cross[u] + (w->adj_crossing ? w->adj_crossing[e] : 0);
            ws->dist_abroad[candidate] = ws->dist_abroad[u] + (abroad ? w->adj_ticks[e] : 0);
            if (!isinf(ws->dist[v]) && !paths_better(ws, cost, candidate, ws->dist[v], v)) continue;
            ws->dist[v] = cost;
            ws->dist_ticks[v] = ticks;
            ws->dist_cross[v] = ws->dist_cross[candidate];
            ws->dist_abroad[v] = ws->dist_abroad[candidate];
            ws->prev[v] = u;
            if (ws->heap_pos[v] < 0) {
                ws->heap[size] = v;
                ws->heap_pos[v] = size++;
            }
            heap_up(ws, ws->heap_pos[v]);
        }
    }
    if (isinf(ws->dist[to])) return -1;
    int length = 0;
    for (int g = to; g >= 0; g = ws->prev[g]) ws->scratch_path[length++] = g;
    /* reverse into regions (scratch_path[0..length)) and offsets (heap, reused as scratch) */
    for (int i = 0; i < length / 2; i++) {
        int a = ws->scratch_path[i];
        ws->scratch_path[i] = ws->scratch_path[length - 1 - i];
        ws->scratch_path[length - 1 - i] = a;
    }
    int *enter = ws->heap;
    for (int i = 0; i < length; i++) enter[i] = ws->dist_ticks[ws->scratch_path[i]];
    if (reuse >= 0 && ws->paths.length[reuse] == length) {
        const int *old = ws->paths.region + ws->paths.first[reuse];
        if (memcmp(old, ws->scratch_path, (size_t)length * sizeof *old) == 0) return reuse;
    }
    return paths_append(ws, ws->scratch_path, enter, length);
}

int paths_cached(struct sim_workspace *ws, int from, int to) {
    uint64_t key = (((uint64_t)(uint32_t)from << 32) | (uint32_t)to) + 1;
    if (2 * (ws->cache_count + 1) > ws->cache_capacity) {
        size_t capacity = ws->cache_capacity ? 2 * ws->cache_capacity : 64;
        uint64_t *keys = calloc(capacity, sizeof *keys);
        int *values = malloc(capacity * sizeof *values);
        if (!keys || !values) {
            free(keys);
            free(values);
            return -1;
        }
        for (size_t i = 0; i < ws->cache_capacity; i++) {
            if (!ws->cache_key[i]) continue;
            size_t h = (size_t)rng_mix(ws->cache_key[i]) & (capacity - 1);
            while (keys[h]) h = (h + 1) & (capacity - 1);
            keys[h] = ws->cache_key[i];
            values[h] = ws->cache_path[i];
        }
        free(ws->cache_key);
        free(ws->cache_path);
        ws->cache_key = keys;
        ws->cache_path = values;
        ws->cache_capacity = capacity;
    }
    size_t h = (size_t)rng_mix(key) & (ws->cache_capacity - 1);
    while (ws->cache_key[h]) {
        if (ws->cache_key[h] == key) return ws->cache_path[h];
        h = (h + 1) & (ws->cache_capacity - 1);
    }
    int path = paths_find(ws, from, to, 0, 0, -1);
    if (path < 0) return -1;
    ws->cache_key[h] = key;
    ws->cache_path[h] = path;
    ws->cache_count++;
    return path;
}
