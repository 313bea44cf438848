/* test_coalition.c — coalition variants, v(S), Shapley values and gains from leaving on games
 * whose answers are known. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "coalition.h"
#include "../common/leak_check.h"

Test(coalition, variants_cover_every_subset_with_overrides) {
    const char *codes[] = {"AAA", "BBB", "CCC"};
    struct plan *plan = plan_alloc(1);
    char err[256];
    cr_assert_eq(coalition_add_variants(plan, codes, 3, err, sizeof err), 0);
    cr_assert_eq(plan->n_variants, 8 + 3); /* the coalitions, then one free-rider each */
    cr_assert_str_eq(plan->variants[0].label, "{}");
    cr_assert_str_eq(plan->variants[5].label, "{AAA,CCC}");
    cr_assert_str_eq(plan->variants[7].label, "{AAA,BBB,CCC}");
    cr_assert_eq(plan->variants[5].members, 5u);
    /* by_domain removed at the region-wide and defaults layers + per state (policy, threshold,
     * scope, by_domain, 2 agreements): every layer that could set sharing (B1, B2) */
    const struct plan_variant *v = &plan->variants[5];
    cr_assert_eq(v->n_overrides, 2 + 3 * 6);
    int found_inside = 0, found_outside = 0, policies = 0, defaults = 0, thresholds = 0;
    for (int i = 0; i < v->n_overrides; i++) {
        const char *text = v->override_texts[i];
        if (strcmp(text, "states.AAA.sharing.agreements.CCC=1") == 0) found_inside = 1;
        if (strcmp(text, "states.AAA.sharing.agreements.BBB=0") == 0) found_outside = 1;
        if (strstr(text, ".sharing.policy=agreements")) policies++;
        if (strcmp(text, "defaults.sharing.by_domain=~") == 0) defaults = 1;
        if (strstr(text, ".sharing.threshold=0")) thresholds++;
    }
    cr_assert(found_inside && found_outside && defaults);
    cr_assert_eq(policies, 3);
    cr_assert_eq(thresholds, 3);
    /* variant 8 + 1: BBB free-rides on the grand coalition: it gives nothing, receives all */
    const struct plan_variant *rider = &plan->variants[9];
    cr_assert_str_eq(rider->label, "{AAA,BBB,CCC} BBB free-rides");
    int gives = 0, receives = 0;
    for (int i = 0; i < rider->n_overrides; i++) {
        const char *text = rider->override_texts[i];
        gives += strncmp(text, "states.BBB.sharing.agreements.", 30) == 0 && strstr(text, "=1");
        receives += strcmp(text, "states.AAA.sharing.agreements.BBB=1") == 0 ||
                    strcmp(text, "states.CCC.sharing.agreements.BBB=1") == 0;
    }
    cr_assert_eq(gives, 0);
    cr_assert_eq(receives, 2);
    plan_free(plan);
    expect_no_leaks();
}

Test(coalition, too_many_states_refused) {
    const char *codes[11] = {"A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "B1", "B2"};
    struct plan *plan = plan_alloc(1);
    char err[256] = "";
    cr_assert_eq(coalition_add_variants(plan, codes, 11, err, sizeof err), -1);
    cr_assert(strstr(err, "10") != NULL, "%s", err);
    cr_assert_eq(plan->n_variants, 0);
    plan_free(plan);
    expect_no_leaks();
}

/* loss[mask * n + i] from a rule, for a game with n players. */
typedef double (*loss_rule)(unsigned mask, int i);

static void fill_loss(int n, loss_rule rule, double *loss) {
    for (unsigned mask = 0; mask < (1u << n); mask++)
        for (int i = 0; i < n; i++) loss[mask * (unsigned)n + (unsigned)i] = rule(mask, i);
}

/* Each member i avoids (i + 1) * |S| ... a symmetric-ish superadditive game with a dummy (3). */
static double network_loss(unsigned mask, int i) {
    if (i == 3) return 4.0; /* dummy: its loss never changes, and it changes nobody else's */
    unsigned others = mask & ~(1u << i) & 0x7u;
    double base = 10.0 + i;
    if (!(mask >> i & 1u)) return base;
    return base - (1.0 + 0.5 * i) * __builtin_popcount(others) + 0.3; /* joining costs 0.3 */
}

Test(coalition, shapley_is_efficient_and_gives_dummy_zero) {
    enum { N = 4 };
    double loss[(1 << N) * N], value[1 << N], phi[N];
    fill_loss(N, network_loss, loss);
    coalition_values(loss, N, value);
    cr_assert_eq(value[0], 0.0);
    coalition_shapley(value, N, phi);
    double sum = phi[0] + phi[1] + phi[2] + phi[3];
    cr_assert(fabs(sum - value[(1 << N) - 1]) < 1e-12, "sum %g v(N) %g", sum, value[15]);
    cr_assert(fabs(phi[3]) < 1e-15, "dummy got %g", phi[3]);
    /* Player 2 gains most from partners' reports: it gets the largest value. */
    cr_assert(phi[2] > phi[1] && phi[1] > phi[0]);
    expect_no_leaks();
}

static double additive_loss(unsigned mask, int i) {
    /* Member i avoids exactly a_i = i + 1 on joining, whatever the others do. */
    return 20.0 - ((mask >> i & 1u) ? (double)(i + 1) : 0.0);
}

Test(coalition, additive_game_gives_each_its_own_value) {
    enum { N = 5 };
    double loss[(1 << N) * N], value[1 << N], phi[N], gain[N];
    fill_loss(N, additive_loss, loss);
    coalition_values(loss, N, value);
    coalition_shapley(value, N, phi);
    coalition_leave_gain(loss, N, gain);
    for (int i = 0; i < N; i++) {
        cr_assert(fabs(phi[i] - (i + 1)) < 1e-12, "phi[%d] = %g", i, phi[i]);
        /* Leaving raises i's loss by a_i: the gain from leaving is -a_i. */
        cr_assert(fabs(gain[i] + (i + 1)) < 1e-12, "gain[%d] = %g", i, gain[i]);
    }
    expect_no_leaks();
}

static double free_rider_loss(unsigned mask, int i) {
    /* Player 0 pays 2 to share and gains nothing; the others gain 3 each from 0's reports. */
    int zero_in = mask & 1u;
    if (i == 0) return 10.0 + (zero_in && __builtin_popcount(mask) > 1 ? 2.0 : 0.0);
    return 10.0 - ((mask >> i & 1u) && zero_in ? 3.0 : 0.0);
}

Test(coalition, leave_gain_is_positive_for_a_state_that_only_pays) {
    enum { N = 3 };
    double loss[(1 << N) * N], gain[N];
    fill_loss(N, free_rider_loss, loss);
    coalition_leave_gain(loss, N, gain);
    cr_assert(fabs(gain[0] - 2.0) < 1e-12, "gain[0] = %g", gain[0]);
    cr_assert(fabs(gain[1] + 3.0) < 1e-12);
    expect_no_leaks();
}

Test(coalition, shapley_matches_textbook_glove_game) {
    /* Glove game with v({0,1}) = v({0,2}) = v({0,1,2}) = 1, else 0: phi = (2/3, 1/6, 1/6). */
    double value[8] = {0};
    value[3] = value[5] = value[7] = 1.0;
    double phi[3];
    coalition_shapley(value, 3, phi);
    cr_assert(fabs(phi[0] - 2.0 / 3.0) < 1e-15);
    cr_assert(fabs(phi[1] - 1.0 / 6.0) < 1e-15);
    cr_assert(fabs(phi[2] - 1.0 / 6.0) < 1e-15);
    expect_no_leaks();
}

Test(coalition, structure_variants_follow_the_free_riders) {
    /* 5 states: 32 coalitions, 5 free-riders, then the 25 partitions with two or more blocks
     * of two or more states, the first of which (restricted growth string 00011) is
     * {A,B,C}{D,E}: each state shares with its own block only. */
    const char *codes[] = {"AAA", "BBB", "CCC", "DDD", "EEE"};
    struct plan *plan = plan_alloc(1);
    char err[256];
    cr_assert_eq(coalition_add_variants(plan, codes, 5, err, sizeof err), 0);
    cr_assert_eq(plan->n_variants, 32 + 5 + 25);
    const struct plan_variant *v = &plan->variants[37];
    cr_assert_str_eq(v->label, "{AAA,BBB,CCC}{DDD,EEE}");
    cr_assert_eq(v->members, 0u);
    int checked = 0;
    for (int i = 0; i < v->n_overrides; i++) {
        const char *text = v->override_texts[i];
        if (strcmp(text, "states.AAA.sharing.agreements.CCC=1") == 0 ||
            strcmp(text, "states.EEE.sharing.agreements.DDD=1") == 0 ||
            strcmp(text, "states.AAA.sharing.agreements.DDD=0") == 0 ||
            strcmp(text, "states.DDD.sharing.agreements.BBB=0") == 0)
            checked++;
        cr_assert(strcmp(text, "states.CCC.sharing.agreements.EEE=1") != 0, "%s", text);
    }
    cr_assert_eq(checked, 4);
    cr_assert_str_eq(plan->variants[61].label, "{AAA}{BBB,EEE}{CCC,DDD}");
    plan_free(plan);
    /* 7 states: no structure variants (Bell(7) = 877) */
    const char *seven[] = {"S1", "S2", "S3", "S4", "S5", "S6", "S7"};
    plan = plan_alloc(1);
    cr_assert_eq(coalition_add_variants(plan, seven, 7, err, sizeof err), 0);
    cr_assert_eq(plan->n_variants, 128 + 7);
    plan_free(plan);
    expect_no_leaks();
}
