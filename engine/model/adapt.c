/* adapt.c — phase 9: states that revise their sharing level every K ticks (docs/model.md §5.15). */
#include <math.h>
#include <string.h>

#include "tick.h"

/* The level of state s's first `level` rule (domain order), or NaN when it follows none. */
static double declared_level(const struct world *w, int s) {
    for (int d = 0; d < w->n_domains; d++) {
        const struct world_sharing *rule = &w->sharing[world_sd(w, s, d)];
        if (rule->policy == POLICY_LEVEL) return rule->level;
    }
    return NAN;
}

/* The one level that stands for state s: the mean of its levels towards its partners for an
 * adaptive state (they differ only under tit-for-tat), its declared level otherwise. */
static double level_of(const struct sim_workspace *ws, int s) {
    size_t S = (size_t)ws->n_states;
    double declared = declared_level(ws->world, s);
    if (!(ws->adapt_mask >> s & 1) || isnan(declared)) return declared;
    if (S == 1) return ws->share_p[0];
    double sum = 0;
    for (size_t j = 0; j < S; j++)
        if (j != (size_t)s) sum += ws->share_p[(size_t)s * S + j];
    return sum / (double)(S - 1);
}

/* Total loss of state j so far (summed in type order, as the output's totals are). */
static double loss_so_far(const struct sim_workspace *ws, int j) {
    return sim_result_total(ws->result, METRIC_LOSS, j);
}

static void record_period(struct sim_workspace *ws, int period) {
    struct sim_result *r = ws->result;
    if (!r->sharing_periods || period >= r->n_periods) return;
    for (int s = 0; s < ws->n_states; s++)
        r->sharing_periods[(size_t)period * (size_t)ws->n_states + (size_t)s] = level_of(ws, s);
}

void adapt_reset(struct sim_workspace *ws) {
    const struct world *w = ws->world;
    size_t S = (size_t)ws->n_states;
    ws->adapt_mask = 0;
    ws->adapt_tft = 0;
    for (size_t s = 0; s < S; s++) {
        const struct world_adapt *a = &w->states[s].adapt;
        if (a->rule == ADAPT_NONE) continue;
        ws->adapt_mask |= 1ull << s;
        if (a->rule == ADAPT_TIT_FOR_TAT) ws->adapt_tft = 1;
        double start = a->initial >= 0 ? a->initial : declared_level(w, (int)s);
        if (!(start >= 0)) start = 0; /* no `level` rule: a level that no rule reads */
        for (size_t j = 0; j < S; j++) ws->share_p[s * S + j] = start;
        ws->adapt_prev_loss[s] = NAN;
        ws->adapt_dir[s] = -1.0; /* a state first tries sharing less: the cost it sees for sure */
    }
    memset(ws->adapt_mark, 0, S * S * sizeof *ws->adapt_mark);
    memset(ws->tft_offered, 0, S * S * sizeof *ws->tft_offered);
    memset(ws->tft_sent, 0, S * S * sizeof *ws->tft_sent);
    if (ws->adapt_mask) record_period(ws, 0);
}

/* Clamped to [0, 1]; a level within rounding of an end is that end (0.4 - 4 x 0.1 is 0). */
static double clamp01(double x) {
    return x < 1e-12 ? 0 : x > 1 - 1e-12 ? 1 : x;
}

/* The revised levels of state s into adapt_next[s * S ...], from the levels before any revision
 * of this tick (revisions of one tick are simultaneous). */
static void revise(struct sim_workspace *ws, int s) {
    const struct world *w = ws->world;
    const struct world_adapt *a = &w->states[s].adapt;
    size_t S = (size_t)ws->n_states;
    double *next = &ws->adapt_next[(size_t)s * S];
    const double *mark = &ws->adapt_mark[(size_t)s * S];
    memcpy(next, &ws->share_p[(size_t)s * S], S * sizeof *next);
    double own = loss_so_far(ws, s) - mark[s];
    switch (a->rule) {
        case ADAPT_REINFORCEMENT: {
            /* keep going the way that lowered its own loss; turn back when the loss rose */
            double previous = ws->adapt_prev_loss[s];
            if (!isnan(previous) && own > previous) ws->adapt_dir[s] = -ws->adapt_dir[s];
            ws->adapt_prev_loss[s] = own;
            double level = clamp01(level_of(ws, s) + a->step * ws->adapt_dir[s]);
            for (size_t j = 0; j < S; j++) next[j] = level;
            break;
        }
        case ADAPT_TIT_FOR_TAT:
            /* towards each partner, the share of its decisions on reports for s that it sent */
            for (size_t j = 0; j < S; j++) {
                if (j == (size_t)s) continue;
                double offered = ws->tft_offered[j * S + (size_t)s];
                if (offered > 0) next[j] = ws->tft_sent[j * S + (size_t)s] / offered;
            }
            break;
        case ADAPT_IMITATION: {
            /* the land neighbour with the lowest loss over s's period (ties: lower index) */
            int best = -1;
            double best_loss = 0;
            for (uint64_t m = w->neighbours[s] & ws->all_mask & ~(1ull << s); m; m &= m - 1) {
                int j = lowest_bit(m);
                double level = level_of(ws, j);
                if (isnan(level)) continue;
                double loss = loss_so_far(ws, j) - mark[j];
                if (best < 0 || loss < best_loss) best = j, best_loss = loss;
            }
            if (best >= 0 && best_loss < own) {
                double level = level_of(ws, best);
                for (size_t j = 0; j < S; j++) next[j] = level;
            }
            break;
        }
        default:
            break;
    }
}

/* ---------------------------------------------------------------- 9. adaptation */

/* After the record of tick t: every adaptive state s with (t + 1) % K_s == 0 revises its level
 * for ticks t + 1 on, then starts its next period (losses and tit-for-tat counts from here). */
void phase_adapt(struct sim_workspace *ws) {
    const struct world *w = ws->world;
    size_t S = (size_t)ws->n_states;
    int t = ws->tick;
    uint64_t due = 0;
    for (uint64_t m = ws->adapt_mask; m; m &= m - 1) {
        int s = lowest_bit(m);
        if ((t + 1) % w->states[s].adapt.period == 0) due |= 1ull << s;
    }
    if (!due) goto record;
    for (uint64_t m = due; m; m &= m - 1) revise(ws, lowest_bit(m));
    for (uint64_t m = due; m; m &= m - 1) {
        int s = lowest_bit(m);
        memcpy(&ws->share_p[(size_t)s * S], &ws->adapt_next[(size_t)s * S],
               S * sizeof *ws->share_p);
        for (size_t j = 0; j < S; j++) {
            ws->adapt_mark[(size_t)s * S + j] = loss_so_far(ws, (int)j);
            ws->tft_offered[j * S + (size_t)s] = 0;
            ws->tft_sent[j * S + (size_t)s] = 0;
        }
    }
record:;
    int k = world_adapt_period(w);
    if ((t + 1) % k == 0) record_period(ws, (t + 1) / k);
}
