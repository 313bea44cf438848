/* test_coalition_core.c — least core, nucleolus, superadditivity and coalition structures on
 * games whose answers are known from the literature or by hand. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "coalition_core.h"
#include "../common/leak_check.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

Test(coalition_core, glove_game_core_is_one_point) {
    /* One left glove (0), two right (1, 2): core = nucleolus = (1, 0, 0), least core eps 0. */
    double v[8] = {0}, x[3], eps;
    v[3] = v[5] = v[7] = 1.0;
    cr_assert_eq(coalition_least_core(v, 3, &eps, x), 0);
    cr_assert(NEAR(eps, 0.0), "eps %g", eps);
    cr_assert_eq(coalition_nucleolus(v, 3, x), 0);
    cr_assert(NEAR(x[0], 1) && NEAR(x[1], 0) && NEAR(x[2], 0), "%g %g %g", x[0], x[1], x[2]);
    expect_no_leaks();
}

/* Bankruptcy game: v(S) = max(0, E - claims of the others). */
static void bankruptcy(double estate, const double *claim, double *v) {
    for (unsigned mask = 0; mask < 8; mask++) {
        double others = 0;
        for (int i = 0; i < 3; i++) others += (mask >> i & 1u) ? 0 : claim[i];
        v[mask] = mask ? fmax(0.0, estate - others) : 0.0;
    }
}

Test(coalition_core, talmud_estates_are_the_nucleolus) {
    /* Aumann & Maschler (1985): claims 100, 200, 300; the Talmud's divisions of estates 100,
     * 200 and 300 are the nucleoli of the bankruptcy games. */
    const double claim[3] = {100, 200, 300};
    const double estate[3] = {100, 200, 300};
    const double expected[3][3] = {{100 / 3.0, 100 / 3.0, 100 / 3.0}, {50, 75, 75}, {50, 100, 150}};
    for (int k = 0; k < 3; k++) {
        double v[8], x[3];
        bankruptcy(estate[k], claim, v);
        cr_assert_eq(coalition_nucleolus(v, 3, x), 0);
        for (int i = 0; i < 3; i++)
            cr_assert(fabs(x[i] - expected[k][i]) < 1e-7, "E %g: x[%d] = %.12g, expected %g",
                      estate[k], i, x[i], expected[k][i]);
    }
    expect_no_leaks();
}

Test(coalition_core, majority_game_has_an_empty_core) {
    /* v(S) = 1 for |S| >= 2: the core is empty, the least core's eps is 1/3, the nucleolus is
     * the equal split. */
    double v[8] = {0, 0, 0, 1, 0, 1, 1, 1}, x[3], eps;
    cr_assert_eq(coalition_least_core(v, 3, &eps, x), 0);
    cr_assert(NEAR(eps, 1.0 / 3.0), "eps %g", eps);
    cr_assert_eq(coalition_nucleolus(v, 3, x), 0);
    for (int i = 0; i < 3; i++) cr_assert(NEAR(x[i], 1.0 / 3.0), "x[%d] = %g", i, x[i]);
    expect_no_leaks();
}

Test(coalition_core, convex_game_nucleolus_lies_in_the_core) {
    /* v(S) = (sum of w over S)^2 - sum of w^2 over S with w = (1, 2, 3) is convex: v(12) = 4,
     * v(13) = 6, v(23) = 12, v(N) = 22. By hand: least core eps = -5 (x1 pinned to 5 by
     * x1 >= 5 and x2 + x3 >= 17), then eps = -8 pins x2 = 8: nucleolus (5, 8, 9). */
    double v[8] = {0, 0, 0, 4, 0, 6, 12, 22}, x[3], eps;
    cr_assert_eq(coalition_least_core(v, 3, &eps, x), 0);
    cr_assert(NEAR(eps, -5.0), "eps %g", eps);
    cr_assert_eq(coalition_nucleolus(v, 3, x), 0);
    cr_assert(NEAR(x[0], 5) && NEAR(x[1], 8) && NEAR(x[2], 9), "%g %g %g", x[0], x[1], x[2]);
    for (unsigned mask = 1; mask < 8; mask++) {
        double xs = 0;
        for (int i = 0; i < 3; i++) xs += (mask >> i & 1u) ? x[i] : 0;
        cr_assert(xs >= v[mask] - 1e-9, "x(%u) = %g < v = %g", mask, xs, v[mask]);
    }
    expect_no_leaks();
}

Test(coalition_core, symmetric_five_player_game_splits_equally) {
    /* v(S) = |S|^2 - |S| for 5 players: symmetric, so the nucleolus is v(N) / 5 = 4 each. */
    double v[32], x[5], eps;
    for (unsigned mask = 0; mask < 32; mask++) {
        int s = __builtin_popcount(mask);
        v[mask] = s * s - s;
    }
    cr_assert_eq(coalition_nucleolus(v, 5, x), 0);
    for (int i = 0; i < 5; i++) cr_assert(NEAR(x[i], 4.0), "x[%d] = %g", i, x[i]);
    cr_assert_eq(coalition_least_core(v, 5, &eps, x), 0);
    /* the tightest: |S| = 4 gets 16, v = 12: excess -4 */
    cr_assert(NEAR(eps, -4.0), "eps %g", eps);
    expect_no_leaks();
}

Test(coalition_core, negative_grand_value_gives_the_pre_nucleolus) {
    double v[4] = {0, 0, 0, -2}, x[2];
    cr_assert_eq(coalition_nucleolus(v, 2, x), 1);
    cr_assert(NEAR(x[0], -1) && NEAR(x[1], -1), "%g %g", x[0], x[1]);
    expect_no_leaks();
}

Test(coalition_core, superadditivity_violations_are_counted) {
    double v[8] = {0, 0, 0, 4, 0, 6, 12, 22}, worst = -1;
    cr_assert_eq(coalition_superadditivity(v, 3, &worst), 0);
    cr_assert_eq(worst, 0.0);
    double w[8] = {0, 0, 0, 1, 0, 0, 0, 0.5};
    cr_assert_eq(coalition_superadditivity(w, 3, &worst), 1);
    cr_assert(NEAR(worst, 0.5));
    expect_no_leaks();
}

Test(coalition_core, partitions_are_enumerated_with_their_rows) {
    const int bell[] = {0, 1, 2, 5, 15, 52, 203}, multi[] = {0, 0, 0, 0, 3, 25, 145};
    for (int n = 1; n <= COALITION_MAX_PARTITION_STATES; n++) {
        struct coalition_structures *cs = coalition_structures_alloc(n);
        cr_assert_not_null(cs);
        cr_assert_eq(cs->count, bell[n], "n %d: %d partitions", n, cs->count);
        cr_assert_eq(cs->n_multi, multi[n], "n %d: %d multi-block", n, cs->n_multi);
        if (n >= 2) cr_assert_eq(cs->row[0], (1 << n) - 1); /* the grand coalition */
        cr_assert_eq(cs->row[cs->count - 1], 0);            /* all alone: nobody shares */
        int next_multi = (1 << n) + n;
        for (int p = 0; p < cs->count; p++) {
            unsigned all = 0;
            for (int b = 0; b < cs->n_blocks[p]; b++) {
                unsigned m = cs->block_mask[p * n + b];
                cr_assert(m && !(all & m));
                all |= m;
            }
            cr_assert_eq(all, (1u << n) - 1);
            if (cs->row[p] >= (1 << n)) cr_assert_eq(cs->row[p], next_multi++);
            for (int i = 0; i < n; i++) {
                int q = cs->alone[p * n + i];
                cr_assert_eq(__builtin_popcount(cs->block_mask[q * n + cs->block[q * n + i]]), 1);
                for (int j = 0; j < n; j++)
                    for (int k = 0; k < n; k++)
                        if (j != i && k != i)
                            cr_assert_eq(cs->block[p * n + j] == cs->block[p * n + k],
                                         cs->block[q * n + j] == cs->block[q * n + k]);
            }
        }
        coalition_structures_free(cs);
    }
    cr_assert_null(coalition_structures_alloc(COALITION_MAX_PARTITION_STATES + 1));
    struct coalition_structures *cs = coalition_structures_alloc(4);
    const char *codes[] = {"A", "B", "C", "D"};
    char text[64];
    coalition_structure_label(cs, 0, codes, text, sizeof text);
    cr_assert_str_eq(text, "{A,B,C,D}");
    coalition_structure_label(cs, 1, codes, text, sizeof text);
    cr_assert_str_eq(text, "{A,B,C}{D}");
    coalition_structure_label(cs, 2, codes, text, sizeof text);
    cr_assert_str_eq(text, "{A,B,D}{C}");
    coalition_structure_label(cs, 3, codes, text, sizeof text);
    cr_assert_str_eq(text, "{A,B}{C,D}");
    cr_assert_eq(cs->row[3], 16 + 4); /* the first partition with two pairs */
    coalition_structures_free(cs);
    expect_no_leaks();
}

/* A cartel game in the manner of d'Aspremont et al.: with one coalition of size k and
 * singletons, members lose L_in(k), outsiders L_out(k). Size 3 is the only stable size:
 * internal L_in(3) = 7 <= L_out(2) = 9, external L_out(3) = 6.5 <= L_in(4) = 7.5; size 2 is
 * not externally stable (L_out(2) = 9 > L_in(3)), size 4 not internally (7.5 > 6.5). */
static const double L_in[5] = {10, 10, 8, 7, 7.5}, L_out[5] = {10, 10, 9, 6.5, 0};

Test(coalition_core, cartel_stability_in_the_sense_of_d_aspremont) {
    enum { N = 4 };
    struct coalition_structures *cs = coalition_structures_alloc(N);
    int rows = (1 << N) + N + cs->n_multi;
    double loss[(16 + 4 + 3) * N];
    for (int r = 0; r < rows; r++)
        for (int i = 0; i < N; i++) {
            unsigned mask = (unsigned)r;
            int k = r < 16 ? __builtin_popcount(mask) : 0;
            loss[r * N + i] = r >= 16 ? 99.0 : (mask >> i & 1u) ? L_in[k] : L_out[k];
        }
    /* partition 1 = {A,B,C}{D}: block 0 internally and externally stable */
    double in, out;
    coalition_structure_stability(cs, 1, 0, loss, &in, &out);
    cr_assert(NEAR(in, 7 - 9.0) && NEAR(out, 6.5 - 7.5), "in %g out %g", in, out);
    /* the grand coalition: leaving pays 1, nobody is outside */
    coalition_structure_stability(cs, 0, 0, loss, &in, &out);
    cr_assert(NEAR(in, 1.0) && out == -INFINITY, "in %g out %g", in, out);
    /* {A,B}{C}{D} is the partition with blocks AB, C, D: find it by its rows */
    int pair = -1;
    for (int p = 0; p < cs->count; p++)
        if (cs->row[p] == 3) pair = p;
    cr_assert(pair >= 0);
    coalition_structure_stability(cs, pair, 0, loss, &in, &out);
    cr_assert(NEAR(in, 8 - 10.0) && NEAR(out, 9 - 7.0), "in %g out %g", in, out);
    /* a singleton block: nobody can leave it; an outsider joining it forms a pair */
    coalition_structure_stability(cs, cs->count - 1, 0, loss, &in, &out);
    cr_assert(in == -INFINITY && NEAR(out, 10 - 8.0), "in %g out %g", in, out);
    cr_assert(NEAR(coalition_structure_value(cs, 0, loss), 4 * (10 - 7.5)));
    cr_assert_eq(coalition_structure_value(cs, cs->count - 1, loss), 0.0);
    coalition_structures_free(cs);
    expect_no_leaks();
}

/* ---- the bootstrap (coalition_bootstrap.h) on synthetic loss tables ---- */
#include "coalition_bootstrap.h"

enum { R = 50, ROWS2 = 6 };

/* Two states: rows 0..3 the coalitions, 4 and 5 the free-riders. A shock common to every
 * variant of a replicate cancels in every paired figure; `noisy` adds +-1 to state 0's loss in
 * the grand coalition, so that its gain from leaving has mean 0. */
static void two_state_table(double *loss, int noisy) {
    static const double base[ROWS2][2] = {{10, 10}, {10, 10},   {10, 10},
                                          {8, 9},   {7.5, 9.5}, {8.2, 8.8}};
    for (int r = 0; r < R; r++)
        for (int row = 0; row < ROWS2; row++)
            for (int i = 0; i < 2; i++) {
                double shock = 100 * sin(r + 1.0);
                double extra = noisy && row == 3 && i == 0 ? 2.0 + (r % 2 ? 1.0 : -1.0) : 0.0;
                loss[(r * ROWS2 + row) * 2 + i] = shock + base[row][i] + extra;
            }
}

Test(coalition_bootstrap, resampling_keeps_the_pairing) {
    double loss[R * ROWS2 * 2];
    two_state_table(loss, 0);
    const char *codes[] = {"AAA", "BBB"};
    struct coalition_bootstrap bs;
    cr_assert_eq(coalition_bootstrap_compute(loss, R, ROWS2, 2, codes, 200, &bs), 0);
    /* v(N) = 3 in every replicate: paired figures have intervals of zero width despite the
     * shock of sd 70 (resampling each variant on its own would give them a width of ~40) */
    const double expect_phi = 1.5, expect_leave0 = 8 - 10.0, expect_side0 = 1.5 - 2.0;
    for (int c = 0; c < BOOT_FIELDS; c++) {
        cr_assert(fabs(bs.shapley[0][c] - expect_phi) < 1e-9, "phi %d: %g", c, bs.shapley[0][c]);
        cr_assert(fabs(bs.leave_gain[0][c] - expect_leave0) < 1e-9);
        cr_assert(fabs(bs.side_payment[0][c] - expect_side0) < 1e-9);
        cr_assert(fabs(bs.nucleolus[1][c] - 1.5) < 1e-9);
        cr_assert(fabs(bs.epsilon[c] + 1.5) < 1e-9, "eps %g", bs.epsilon[c]);
        cr_assert(fabs(bs.free_ride_gain[0][c] - (8 - 7.5)) < 1e-9);
    }
    cr_assert_eq(bs.nucleolus_kind, 0);
    cr_assert_not_null(bs.structures);
    cr_assert_eq(bs.best, 0); /* the grand coalition: value 3 against 0 */
    cr_assert(fabs(bs.structure_value[0] - 3) < 1e-9 && bs.structure_best[0] == 1.0);
    /* labels: core non-empty, AAA free-riding pays, all in every draw: no warning */
    cr_assert_str_eq(bs.label[0], "core non-empty");
    cr_assert(bs.label_estimate[0] == 1 && bs.label_share[0] == 1.0);
    for (int k = 0; k < bs.n_labels; k++) {
        cr_assert(bs.label_share[k] == 0.0 || bs.label_share[k] == 1.0, "%s: %g", bs.label[k],
                  bs.label_share[k]);
        cr_assert_eq(bs.label_share[k], (double)bs.label_estimate[k], "%s", bs.label[k]);
    }
    coalition_bootstrap_free(&bs);
    expect_no_leaks();
}

Test(coalition_bootstrap, a_coin_flip_label_depends_on_the_seed) {
    double loss[R * ROWS2 * 2];
    two_state_table(loss, 1);
    const char *codes[] = {"AAA", "BBB"};
    struct coalition_bootstrap bs, again;
    cr_assert_eq(coalition_bootstrap_compute(loss, R, ROWS2, 2, codes, 1000, &bs), 0);
    int k = -1;
    for (int j = 0; j < bs.n_labels; j++)
        if (strcmp(bs.label[j], "AAA: leaving (exclusion) pays") == 0) k = j;
    cr_assert(k >= 0);
    /* AAA's gain from leaving is +-1 with mean 0: the bootstrap mean is above 0 in a bit under
     * half of the draws (ties at 0 have probability ~0.11 with 50 replicates) */
    cr_assert(bs.label_share[k] > 0.3 && bs.label_share[k] < 0.6, "share %g", bs.label_share[k]);
    cr_assert(coalition_label_depends_on_seed(bs.label_share[k]));
    cr_assert(!coalition_label_depends_on_seed(0.04) && !coalition_label_depends_on_seed(0.96));
    /* the interval of the mean of +-1 over 50: about +-1.96 / sqrt(50) = +-0.28 */
    cr_assert(bs.leave_gain[0][BOOT_LOW] < -0.2 && bs.leave_gain[0][BOOT_LOW] > -0.36, "%g",
              bs.leave_gain[0][BOOT_LOW]);
    cr_assert(bs.leave_gain[0][BOOT_HIGH] > 0.2 && bs.leave_gain[0][BOOT_HIGH] < 0.36);
    /* the fixed seed: the same table gives the same draws */
    cr_assert_eq(coalition_bootstrap_compute(loss, R, ROWS2, 2, codes, 1000, &again), 0);
    cr_assert_eq(again.label_share[k], bs.label_share[k]);
    cr_assert_eq(again.leave_gain[0][BOOT_LOW], bs.leave_gain[0][BOOT_LOW]);
    coalition_bootstrap_free(&bs);
    coalition_bootstrap_free(&again);
    /* a table of the wrong shape is refused */
    cr_assert_eq(coalition_bootstrap_compute(loss, R, ROWS2 - 1, 2, codes, 10, &bs), -1);
    expect_no_leaks();
}

#include <stdio.h>
#include <stdlib.h>

#include "ensemble.h"

Test(coalition_bootstrap, printed_tables_warn_where_a_label_depends_on_the_seed) {
    double loss[R * ROWS2 * 2];
    two_state_table(loss, 1);
    const char *codes[] = {"AAA", "BBB"};
    struct coalition_bootstrap bs;
    cr_assert_eq(coalition_bootstrap_compute(loss, R, ROWS2, 2, codes, 1000, &bs), 0);
    struct world *world = calloc(1, sizeof *world);
    struct world_state states[2];
    memset(states, 0, sizeof states);
    strcpy(states[0].code, "AAA");
    strcpy(states[1].code, "BBB");
    world->n_states = 2;
    world->states = states;
    char *text = NULL;
    size_t size = 0;
    FILE *stream = open_memstream(&text, &size);
    ensemble_print_coalition_core(stream, &bs, world);
    fclose(stream);
    /* v(N) = 1 +- 1 (AAA's noise): epsilon = -v(N) / 2 */
    cr_assert(strstr(text, "Least core epsilon: -0.5 [-0.64, -0.36]"), "%s", text);
    cr_assert(strstr(text, "WARNING: \"AAA: leaving (exclusion) pays\" holds in"), "%s", text);
    cr_assert(strstr(text, "depends on the seed at R = 50 replicates"), "%s", text);
    cr_assert(strstr(text, "Best structure {AAA,BBB}"), "%s", text);
    /* the coin flip and the three labels that are the same event (the grand coalition, here
     * the only block, is internally stable iff AAA does not gain by leaving); nothing else */
    int warnings = 0;
    for (const char *p = text; (p = strstr(p, "WARNING")); p++) warnings++;
    cr_assert_eq(warnings, 4, "%s", text);
    cr_assert(strstr(text, "WARNING: \"block {AAA,BBB} internally stable\" holds in "), "%s", text);
    free(text);
    free(world);
    coalition_bootstrap_free(&bs);
    expect_no_leaks();
}

Test(coalition_bootstrap, lp_figures_of_large_games_have_no_interval, .timeout = 120) {
    /* Nine states: the least core and the nucleolus only on the mean game (the bound keeps
     * the bootstrap's LPs affordable); the other figures still get intervals. */
    enum { N = 9, RR = 4, ROWS = (1 << N) + N };
    double *loss = malloc(sizeof(double) * RR * ROWS * N);
    for (int r = 0; r < RR; r++)
        for (int row = 0; row < ROWS; row++)
            for (int i = 0; i < N; i++)
                loss[((size_t)r * ROWS + (size_t)row) * N + (size_t)i] =
                    10.0 + r - (row < (1 << N) && (row >> i & 1) ? 0.5 : 0.0);
    const char *codes[N] = {"S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9"};
    struct coalition_bootstrap bs;
    cr_assert_eq(coalition_bootstrap_compute(loss, RR, ROWS, N, codes, 5, &bs), 0);
    /* each member avoids 0.5: additive, v(S) = |S|/2, the core is {x_i = 0.5}, epsilon 0 */
    cr_assert(fabs(bs.epsilon[BOOT_ESTIMATE]) < 1e-9, "%g", bs.epsilon[BOOT_ESTIMATE]);
    cr_assert(isnan(bs.epsilon[BOOT_LOW]) && isnan(bs.nucleolus[0][BOOT_HIGH]));
    cr_assert(fabs(bs.nucleolus[8][BOOT_ESTIMATE] - 0.5) < 1e-9);
    cr_assert(fabs(bs.shapley[3][BOOT_LOW] - 0.5) < 1e-9);
    cr_assert_null(bs.structures);
    cr_assert(isnan(bs.label_share[0]) && bs.label_estimate[0] == 1);
    coalition_bootstrap_free(&bs);
    free(loss);
    expect_no_leaks();
}
