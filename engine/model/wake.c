/* wake.c — the next-event tick (docs/model.md §11): when a threat must next be looked at.
 *
 * Most threats, most ticks, only wait: dwelling at their target or travelling between the
 * entry ticks of their route, with a detection hazard that does not change. Such a threat sleeps
 * until the first tick something can happen to it: it moves, it impacts, its detection budget
 * runs out (§5.3), or its owner's network intelligence expires. Everything else that can change
 * its hazard wakes it where it happens: a report to its region's owner (delivery.c), a change of
 * a network holding (network.c), a fused estimate that changes a queued candidate's priority
 * (fusion.c), a burn that starts or ends, or a new world (detection.c, sim.c). Threats that are
 * looked at every tick stay awake: one that just moved (its crossing counts on its first tick in
 * the region) and one in a watched external region. A waiting response candidate sleeps in its
 * state's queue (response.c).
 */
#include "tick.h"

int32_t wake_next(struct sim_workspace *ws, size_t i, int moved) {
    const struct world *w = ws->world;
    struct sim_pool *pool = &ws->pool;
    int t = ws->tick;
    pool->hazard[i] = 0.0;
    if (moved) return t + 1;
    int g = pool->region[i], s = ws->region_owner[g];
    if (ws->has_networks)
        pool->net_key[i] =
            pool->network[i] >= 0 && s >= 0 ? pool->network[i] * ws->n_states + s : -1;
    int path = pool->path[i], pos = pool->pos[i];
    int32_t wake;
    if (pos == ws->paths.length[path] - 1) { /* at the target: the tick it impacts */
        int left = w->types[pool->type[i]].dwell - pool->at_target[i];
        wake = t + (left > 1 ? left : 1);
    } else { /* on the way: the tick movement takes it into the next region */
        wake = pool->depart[i] + ws->paths.enter[ws->paths.first[path] + pos + 1] - 1;
    }
    if (s < 0) /* external: only upstream collection, which draws every tick */
        return ws->has_collection && w->collect_first[g] < w->collect_first[g + 1] ? t + 1 : wake;
    if (pool->known[i] >> s & 1) /* known: its owner detects it no more (a waiting candidate
                                    sleeps in its owner's queue, response.c) */
        return wake;
    double hazard = detection_hazard(ws, i, s, t + 1);
    pool->hazard[i] = hazard;
    /* the first tick n >= 1 ahead whose cumulative hazard n * h reaches the budget */
    if (hazard > 0) {
        double ahead = ceil(pool->budget[i] / hazard);
        if (ahead < (double)(wake - t)) wake = t + (ahead > 1 ? (int32_t)ahead : 1);
    }
    if (ws->has_networks && pool->network[i] >= 0) {
        int32_t until = ws->net_until[(size_t)pool->network[i] * (size_t)ws->n_states + (size_t)s];
        if (t + 1 < until && until < wake) wake = until;
    }
    return wake;
}
