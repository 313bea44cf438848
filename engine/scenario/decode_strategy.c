/* decode_strategy.c — the keys of states that choose: `sharing.adapt` (docs/model.md §5.15),
 * and a state's `exploit` and `monitoring` (§5.16), read in layers like the other state keys. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "decoder.h"

static const char *const adapt_rules[] = {"none", "reinforcement", "tit_for_tat", "imitation"};

void decode_adapt(struct decoder *d, const struct tree *node, const char *path,
                  struct adapt_fields *out) {
    memset(out, 0, sizeof *out);
    if (!decode_is_map(d, node, path, "a mapping with rule, period, step, initial")) return;
    static const char *const keys[] = {"rule", "period", "step", "initial"};
    decode_check_keys(d, node, path, keys, 4);
    out->node = node;
    snprintf(out->path, sizeof out->path, "%s", path);
    char where[512];
    struct tree *one;
    if ((one = tree_get(node, "rule", NULL))) {
        int rule = decode_choice(d, one, decode_join(where, sizeof where, path, "rule"),
                                 adapt_rules, 4, "adaptation rule");
        if (rule >= 0) out->value.rule = rule, out->has |= ADAPT_HAS_RULE;
    }
    long long period;
    if ((one = tree_get(node, "period", NULL)) &&
        decode_integer(d, one, decode_join(where, sizeof where, path, "period"), 1, MAX_TICKS,
                       &period) == 0)
        out->value.period = (int)period, out->has |= ADAPT_HAS_PERIOD;
    if ((one = tree_get(node, "step", NULL)) &&
        decode_real(d, one, decode_join(where, sizeof where, path, "step"), 0, 1, 1,
                    "a number in (0, 1]", &out->value.step) == 0)
        out->has |= ADAPT_HAS_STEP;
    if ((one = tree_get(node, "initial", NULL)) &&
        decode_probability(d, one, decode_join(where, sizeof where, path, "initial"),
                           &out->value.initial) == 0)
        out->has |= ADAPT_HAS_INITIAL;
}

void decode_adapt_apply(const struct adapt_fields *layer, struct world_adapt *value,
                        const struct adapt_fields **from) {
    if (!layer->has) return;
    if (layer->has & ADAPT_HAS_RULE) value->rule = layer->value.rule;
    if (layer->has & ADAPT_HAS_PERIOD) value->period = layer->value.period;
    if (layer->has & ADAPT_HAS_STEP) value->step = layer->value.step;
    if (layer->has & ADAPT_HAS_INITIAL) value->initial = layer->value.initial;
    *from = layer;
}

/* State s's adaptation once its layers are applied: a rule needs a period. (A state that follows
 * no `level` rule may adapt: it has no level to revise, and nothing changes, so that a measure or
 * a sweep may switch policies under an adaptive scenario.) `from`: the last layer that set it. */
void decode_adapt_check(struct decoder *d, int s, const struct adapt_fields *from) {
    const struct world *w = d->w;
    const struct world_adapt *a = &w->states[s].adapt;
    if (a->rule == ADAPT_NONE || !from || a->period >= 1) return;
    decode_fail(d, from->node, from->path,
                "%s: adaptation rule '%s' without a period (expected period: K ticks)",
                w->states[s].code, adapt_rules[a->rule]);
}

void decode_exploit(struct decoder *d, const struct tree *state, const char *path,
                    struct exploit_fields *out) {
    char where[512], inner[512];
    struct tree *node;
    if ((node = tree_get(state, "monitoring", NULL)) &&
        decode_probability(d, node, decode_join(where, sizeof where, path, "monitoring"),
                           &out->monitoring) == 0)
        out->has |= EXPLOIT_HAS_MONITORING;
    node = tree_get(state, "exploit", NULL);
    decode_join(where, sizeof where, path, "exploit");
    if (!node || !decode_is_map(d, node, where, "a mapping with gain, value, exclusion_ticks"))
        return;
    static const char *const keys[] = {"gain", "value", "exclusion_ticks"};
    decode_check_keys(d, node, where, keys, 3);
    struct tree *one;
    if ((one = tree_get(node, "gain", NULL)) &&
        decode_nonnegative(d, one, decode_join(inner, sizeof inner, where, "gain"), &out->gain) ==
            0)
        out->has |= EXPLOIT_HAS_GAIN;
    if ((one = tree_get(node, "value", NULL)) &&
        decode_nonnegative(d, one, decode_join(inner, sizeof inner, where, "value"), &out->value) ==
            0)
        out->has |= EXPLOIT_HAS_VALUE;
    long long ticks;
    if ((one = tree_get(node, "exclusion_ticks", NULL)) &&
        decode_integer(d, one, decode_join(inner, sizeof inner, where, "exclusion_ticks"), 0,
                       MAX_TICKS, &ticks) == 0)
        out->exclusion_ticks = (int)ticks, out->has |= EXPLOIT_HAS_EXCLUSION;
}

void decode_exploit_apply(const struct exploit_fields *layer, struct world_state *state) {
    if (layer->has & EXPLOIT_HAS_MONITORING) state->monitoring = layer->monitoring;
    if (layer->has & EXPLOIT_HAS_GAIN) state->exploit_gain = layer->gain;
    if (layer->has & EXPLOIT_HAS_VALUE) state->exploit_value = layer->value;
    if (layer->has & EXPLOIT_HAS_EXCLUSION) state->exclusion_ticks = layer->exclusion_ticks;
}
