/* equilibrium_output.c — `c5sim equilibrium`'s /equilibrium group and its printed report. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "equilibrium_cli.h"

/* Below this share of bootstrap draws a label is said to depend on the seed. */
#define EQ_STABLE_SHARE 0.95

static int write_table(struct h5out *out, const char *path, size_t rows, size_t cols,
                       const double *data, const char *unit, const char *description,
                       const char *dims) {
    size_t shape[2] = {rows, cols};
    return h5out_write_doubles(out, path, cols ? 2 : 1, shape, data, unit, description, dims);
}

static void put3(double *to, struct equilibrium_interval x) {
    to[0] = x.mean, to[1] = x.low, to[2] = x.high;
}

int eq_write_output(struct h5out *out, const struct eq_game *game,
                    const struct equilibrium_cache *cache, const struct equilibrium_config *config,
                    const struct equilibrium_result *result) {
    int n = game->n_states, L = game->n_levels, R = cache->replicates;
    size_t P = (size_t)cache->count, E = (size_t)result->n_equilibria,
           W = (size_t)result->n_walkers;
    size_t big = P * (size_t)(n + 1);
    if (E * 14 > big) big = E * 14;
    if (W * (size_t)(3 + 2 * n) > big) big = W * (size_t)(3 + 2 * n);
    if ((size_t)n * 17 > big) big = (size_t)n * 17;
    double *table = malloc((big + 16) * sizeof *table);
    if (!table) return -1;
    int status = 0;
    const char *texts[EQUILIBRIUM_MAX_LEVELS];
    for (int b = 0; b < L; b++) texts[b] = game->texts[b];
    status |= h5out_write_strings(out, "/equilibrium/strategies", L, texts,
                                  "the grid: strategy index b is this sharing level (or policy)");
    status |=
        h5out_write_strings(out, "/equilibrium/states", n, game->codes,
                            "the players: column i of levels and loss, row i of grim/transfers");
    /* every evaluated profile, in the order the search first asked for it */
    int levels[EQUILIBRIUM_MAX_PLAYERS], excluded;
    for (size_t p = 0; p < P; p++) {
        equilibrium_decode(n, L, cache->keys[p], levels, &excluded);
        for (int i = 0; i < n; i++) table[p * (size_t)n + (size_t)i] = levels[i];
    }
    status |= write_table(out, "/equilibrium/profiles/levels", P, (size_t)n, table, "index",
                          "strategy index of each state in each evaluated profile (into "
                          "/equilibrium/strategies)",
                          "profile,state");
    for (size_t p = 0; p < P; p++) {
        equilibrium_decode(n, L, cache->keys[p], levels, &excluded);
        table[p] = excluded;
    }
    status |=
        write_table(out, "/equilibrium/profiles/excluded", P, 0, table, "index",
                    "-1, or the state the others cut off (grim trigger's punishment)", "profile");
    size_t shape[3] = {P, (size_t)R, (size_t)n};
    status |= h5out_write_doubles(out, "/equilibrium/profiles/loss", 3, shape, cache->loss, "harm",
                                  "each state's loss (harm + costs) per replicate; replicate r "
                                  "of every profile uses the same random numbers",
                                  "profile,replicate,state");
    /* equilibria */
    for (size_t e = 0; e < E; e++) {
        const struct equilibrium_found *f = &result->equilibria[e];
        double *row = table + e * 12;
        row[0] = (double)f->row;
        row[1] = f->test.point_nash;
        put3(row + 2, f->test.gain);
        row[5] = f->test.best_player;
        row[6] = f->test.best_level;
        row[7] = f->test.holm_p;
        put3(row + 8, f->regional);
        row[11] = f->stable_share;
    }
    status |= write_table(out, "/equilibrium/equilibria", E, 12, table, "mixed",
                          "columns: profile row, point_nash (no deviation lowers the mean), "
                          "largest deviation gain mean/low/high, its deviator and strategy index, "
                          "its Holm-adjusted p, regional loss mean/low/high, share of bootstrap "
                          "draws in which it stays an equilibrium",
                          "equilibrium,column");
    double opt[8] = {(double)result->optimum, result->exhaustive, 0, 0, 0, 0, 0, 0};
    put3(opt + 2, result->optimum_regional);
    status |= write_table(out, "/equilibrium/optimum", 5, 0, opt, "mixed",
                          "profile row of the regional optimum, exact (1: exhaustive; 0: best "
                          "evaluated, a local optimum), regional loss mean/low/high",
                          "column");
    double poa[6] = {result->poa.mean,      result->poa.low,
                     result->poa.high,      result->poa_above_one_share,
                     (double)result->worst, (double)result->best};
    status |= write_table(out, "/equilibrium/price_of_anarchy", 6, 0, poa, "mixed",
                          "regional loss at the worst equilibrium / at the optimum, its 2.5% and "
                          "97.5% bootstrap quantiles, share of draws above 1, rows of the worst "
                          "and best equilibrium (-1: none)",
                          "column");
    for (int i = 0; i < n; i++) {
        double *row = table + (size_t)i * 14;
        int on = result->sustained >= 0;
        struct equilibrium_interval none = {NAN, NAN, NAN};
        put3(row, on ? result->loss_opt[i] : none);
        put3(row + 3, on ? result->loss_dev[i] : none);
        row[6] = on ? result->dev_level[i] : NAN;
        put3(row + 7, on ? result->loss_pun[i] : none);
        row[10] = on ? result->pun_level[i] : NAN;
        put3(row + 11, on ? result->margin[i] : none);
    }
    status |= write_table(out, "/equilibrium/grim_trigger", (size_t)n, 14, table, "mixed",
                          "per state: loss at the optimum, best deviation's loss and strategy, "
                          "loss when the others cut it off and it best-responds, and strategy, "
                          "margin (1-d) L_dev + d L_cut - L_opt (>= 0 sustains): mean/low/high "
                          "each",
                          "state,column");
    for (int i = 0; i < n; i++) {
        double *row = table + (size_t)i * 6;
        put3(row, result->gain[i]);
        put3(row + 3, result->transfer[i]);
    }
    status |= write_table(out, "/equilibrium/transfers", (size_t)n, 6, table, "harm",
                          "per state: gain loss(best equilibrium) - loss(optimum) and the "
                          "transfer received (> 0) or paid (< 0): mean/low/high each",
                          "state,column");
    for (size_t w = 0; w < W; w++) {
        const struct equilibrium_walker *walker = &result->walkers[w];
        double *row = table + w * (size_t)(3 + 2 * n);
        row[0] = walker->mode, row[1] = walker->converged, row[2] = walker->passes;
        for (int i = 0; i < n; i++) row[3 + i] = walker->start[i], row[3 + n + i] = walker->end[i];
    }
    status |= write_table(out, "/equilibrium/walkers", W, (size_t)(3 + 2 * n), table, "index",
                          "searches: mode (0 best response, 1 regional), converged, passes, "
                          "start strategy indices, end strategy indices",
                          "walker,column");
    free(table);
    if (status != 0) return -1;
    if (h5out_set_attr_double(out, "/equilibrium/grim_trigger", "discount", config->discount) !=
            0 ||
        h5out_set_attr_int(out, "/equilibrium/grim_trigger", "sustained", result->sustained) != 0 ||
        h5out_set_attr_double(out, "/equilibrium/grim_trigger", "sustained_share",
                              result->sustained_share) != 0 ||
        h5out_set_attr_double(out, "/equilibrium/equilibria", "alpha", config->alpha) != 0 ||
        h5out_set_attr_int(out, "/equilibrium/equilibria", "tested", result->tested) != 0 ||
        h5out_set_attr_int(out, "/equilibrium/equilibria", "bootstrap", config->bootstrap) != 0 ||
        h5out_set_attr_int(out, "/equilibrium/transfers", "has_transfers", result->has_transfers) !=
            0)
        return -1;
    return 0;
}

static const char *sustained_text(int sustained) {
    return sustained == EQUILIBRIUM_SUSTAINED       ? "sustained by exclusion"
           : sustained == EQUILIBRIUM_NOT_SUSTAINED ? "NOT sustained by exclusion"
                                                    : "undecided (a margin's interval spans 0)";
}

static void cell(char *buf, size_t size, struct equilibrium_interval x) {
    snprintf(buf, size, "%.4g [%.4g, %.4g]", x.mean, x.low, x.high);
}

static void profile_text(const struct eq_game *game, const struct equilibrium_cache *cache,
                         long row, char *buf, size_t size) {
    int levels[EQUILIBRIUM_MAX_PLAYERS], excluded;
    equilibrium_decode(game->n_states, game->n_levels, cache->keys[row], levels, &excluded);
    eq_profile_label(game, levels, excluded, buf, size);
}

void eq_print(FILE *stream, const struct eq_game *game, const struct equilibrium_cache *cache,
              const struct equilibrium_config *config, const struct equilibrium_result *result) {
    int n = game->n_states;
    char text[1024], a[96], b[96], c[96];
    fprintf(stream,
            "Sharing game: %d states x %d strategies%s%s; %ld profiles evaluated x %d replicates "
            "(%s)\n",
            n, game->n_levels, game->domain ? " in domain " : "", game->domain ? game->domain : "",
            cache->count, cache->replicates,
            result->exhaustive ? "exhaustive" : "best-response and coordinate searches");
    fprintf(stream,
            "Equilibrium rule: no unilateral deviation lowers the deviator's loss significantly "
            "(paired t, Holm over %d deviations, alpha %.3g); %ld profiles tested\n",
            n * (game->n_levels - 1), config->alpha, result->tested);
    fprintf(stream, "\nEquilibria found: %d\n", result->n_equilibria);
    int shown = result->n_equilibria < 10 ? result->n_equilibria : 10;
    for (int e = 0; e < shown; e++) {
        const struct equilibrium_found *f = &result->equilibria[e];
        profile_text(game, cache, f->row, text, sizeof text);
        cell(a, sizeof a, f->test.gain);
        cell(b, sizeof b, f->regional);
        fprintf(stream,
                "  %s%s\n    regional loss %s; largest deviation gain %s (%s to %s, "
                "Holm p %.3g)",
                text, f->test.point_nash ? "  [no deviation lowers the mean]" : "", b, a,
                game->codes[f->test.best_player], game->texts[f->test.best_level], f->test.holm_p);
        if (!isnan(f->stable_share))
            fprintf(stream, "; stable in %.0f%% of draws", 100 * f->stable_share);
        fputc('\n', stream);
    }
    if (result->n_equilibria > shown)
        fprintf(stream, "  ... and %d more (all in /equilibrium/equilibria)\n",
                result->n_equilibria - shown);
    profile_text(game, cache, result->optimum, text, sizeof text);
    cell(a, sizeof a, result->optimum_regional);
    fprintf(stream, "\nRegional optimum (%s): %s\n  regional loss %s\n",
            result->exhaustive ? "exact, every profile evaluated"
                               : "best evaluated profile: a local optimum",
            text, a);
    if (result->worst >= 0)
        fprintf(stream,
                "Price of anarchy (worst equilibrium / optimum): %.4g [%.4g, %.4g] (bootstrap "
                "over replicates)\n",
                result->poa.mean, result->poa.low, result->poa.high);
    else
        fprintf(stream, "Price of anarchy: undefined (no equilibrium found)\n");
    if (result->sustained >= 0) {
        fprintf(stream,
                "\nGrim trigger (others cut a deviator off for ever, discount %.3g): margin = "
                "(1-d) L_dev + d L_cut - L_opt, >= 0 sustains\n",
                config->discount);
        fprintf(stream, "%-6s %-30s %-30s %-30s %s\n", "state", "loss at optimum",
                "best deviation (strategy)", "cut off, best response", "margin");
        for (int i = 0; i < n; i++) {
            cell(a, sizeof a, result->loss_opt[i]);
            snprintf(b, sizeof b, "%.4g (%s)", result->loss_dev[i].mean,
                     game->texts[result->dev_level[i]]);
            snprintf(c, sizeof c, "%.4g (%s)", result->loss_pun[i].mean,
                     game->texts[result->pun_level[i]]);
            char m[96];
            cell(m, sizeof m, result->margin[i]);
            fprintf(stream, "%-6s %-30s %-30s %-30s %s\n", game->codes[i], a, b, c, m);
        }
        fprintf(stream, "The optimum is %s.\n", sustained_text(result->sustained));
    } else {
        fprintf(stream, "\nGrim trigger: not computed (exclusion needs level strategies in "
                        "every domain)\n");
    }
    if (result->best >= 0) {
        fprintf(stream,
                "\nTransfers from the best equilibrium to the optimum (losers restored to their "
                "equilibrium loss,\ngainers pay in proportion to their gains; > 0 received):\n");
        fprintf(stream, "%-6s %-30s %s\n", "state", "gain at the optimum", "transfer");
        for (int i = 0; i < n; i++) {
            cell(a, sizeof a, result->gain[i]);
            cell(b, sizeof b, result->transfer[i]);
            fprintf(stream, "%-6s %-30s %s\n", game->codes[i], a, b);
        }
        cell(a, sizeof a, result->surplus);
        fprintf(stream, "Surplus of the optimum over the best equilibrium: %s%s\n", a,
                result->has_transfers ? ""
                                      : " (none to share: no transfer makes the optimum "
                                        "acceptable to all)");
    }
    /* labels that depend on the seed at this replicate count */
    if (config->bootstrap > 0) {
        for (int e = 0; e < result->n_equilibria && e < 100; e++)
            if (result->equilibria[e].stable_share < EQ_STABLE_SHARE) {
                profile_text(game, cache, result->equilibria[e].row, text, sizeof text);
                fprintf(stderr,
                        "c5sim equilibrium: warning: '%s' is an equilibrium in only %.0f%% of "
                        "%d bootstrap draws: the label depends on the seed at %d replicates\n",
                        text, 100 * result->equilibria[e].stable_share, config->bootstrap,
                        cache->replicates);
            }
        if (result->worst >= 0 && result->poa.mean > 1 &&
            result->poa_above_one_share < EQ_STABLE_SHARE)
            fprintf(stderr,
                    "c5sim equilibrium: warning: price of anarchy > 1 in only %.0f%% of bootstrap "
                    "draws\n",
                    100 * result->poa_above_one_share);
        if (result->sustained >= 0 && result->sustained_share < EQ_STABLE_SHARE)
            fprintf(stderr,
                    "c5sim equilibrium: warning: 'the optimum is %s' holds in only %.0f%% "
                    "of bootstrap draws\n",
                    sustained_text(result->sustained), 100 * result->sustained_share);
    }
}
