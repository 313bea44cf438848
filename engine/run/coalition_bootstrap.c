/* coalition_bootstrap.c — the coalition figures of the mean game and their paired bootstrap over
 * replicates (coalition_bootstrap.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "../util/rng.h"
#include "coalition_bootstrap.h"

const char *const coalition_bootstrap_fields[BOOT_FIELDS] = {"estimate", "ci_low", "ci_high"};

int coalition_label_depends_on_seed(double share) {
    return share >= COALITION_LABEL_LOW && share <= COALITION_LABEL_HIGH;
}

/* Offsets in the flat figure vector of one game. */
enum { F_EPSILON = 0, F_WORST = 1, F_PER_STATE = 2 };
enum {
    S_NUCLEOLUS,
    S_SHAPLEY,
    S_SIDE,
    S_LEAVE,
    S_RIDE,
    S_EXCLUSION,
    S_INTERNAL,
    S_EXTERNAL,
    S_COUNT
};

struct workspace {
    int n, rows, n_figures, n_labels, best;
    int with_lp; /* 0: skip the least core and the nucleolus (NaN) */
    const struct coalition_structures *cs;
    double *value; /* 2^n */
    double *phi;   /* n */
    int *stable;   /* [p]: every block stable, in the game last computed */
    int best_here; /* the structure of greatest value in the game last computed */
    int kind;      /* nucleolus kind of the game last computed */
    int superadd;  /* violations in the game last computed */
};

static double *state_figure(double *f, int n, int which) {
    return f + F_PER_STATE + which * n;
}

/* Figures and labels of the game whose mean losses are `loss` ([row][state]). */
static int game_figures(struct workspace *w, const double *loss, double *f, int *label) {
    int n = w->n;
    unsigned grand = (1u << n) - 1u;
    coalition_values(loss, n, w->value);
    coalition_shapley(w->value, n, w->phi);
    memcpy(state_figure(f, n, S_SHAPLEY), w->phi, (size_t)n * sizeof *f);
    coalition_side_payments(loss, w->phi, n, state_figure(f, n, S_SIDE));
    coalition_leave_gain(loss, n, state_figure(f, n, S_LEAVE));
    coalition_free_ride_gain(loss, n, state_figure(f, n, S_RIDE));
    coalition_exclusion_cost(loss, n, state_figure(f, n, S_EXCLUSION));
    double x[COALITION_MAX_STATES], scale = 1.0;
    for (unsigned mask = 0; mask <= grand; mask++)
        if (fabs(w->value[mask]) > scale) scale = fabs(w->value[mask]);
    if (!w->with_lp) {
        f[F_EPSILON] = NAN;
        for (int i = 0; i < n; i++) state_figure(f, n, S_NUCLEOLUS)[i] = NAN;
        w->kind = 0;
    } else if (n >= 2) {
        if (coalition_least_core(w->value, n, &f[F_EPSILON], x) != 0) return -1;
        w->kind = coalition_nucleolus(w->value, n, state_figure(f, n, S_NUCLEOLUS));
        if (w->kind < 0) return -1;
    } else {
        f[F_EPSILON] = 0.0;
        state_figure(f, n, S_NUCLEOLUS)[0] = w->value[1];
        w->kind = 0;
    }
    w->superadd = coalition_superadditivity(w->value, n, &f[F_WORST]);
    double *internal = state_figure(f, n, S_INTERNAL), *external = state_figure(f, n, S_EXTERNAL);
    for (int b = 0; b < n; b++) internal[b] = external[b] = NAN;
    double *structure = f + F_PER_STATE + S_COUNT * n;
    w->best_here = -1;
    if (w->cs) {
        for (int p = 0; p < w->cs->count; p++) {
            structure[p] = coalition_structure_value(w->cs, p, loss);
            if (w->best_here < 0 || structure[p] > structure[w->best_here]) w->best_here = p;
            int stable = 1;
            for (int b = 0; b < w->cs->n_blocks[p]; b++) {
                double in, out;
                coalition_structure_stability(w->cs, p, b, loss, &in, &out);
                stable &= in <= 0 && out <= 0;
                if (p == w->best) {
                    internal[b] = isinf(in) ? NAN : in;
                    external[b] = isinf(out) ? NAN : out;
                }
            }
            w->stable[p] = stable;
        }
    }
    if (!label) return 0;
    /* the labels, in the order coalition_bootstrap_compute names them */
    int k = 0, grand_stable = 1;
    for (int i = 0; i < n; i++) grand_stable &= state_figure(f, n, S_LEAVE)[i] <= 0;
    label[k++] = f[F_EPSILON] <= 1e-9 * scale;
    label[k++] = w->superadd == 0;
    label[k++] = w->value[grand] >= 0;
    label[k++] = grand_stable;
    for (int i = 0; i < n; i++) {
        label[k++] = state_figure(f, n, S_LEAVE)[i] > 0;
        label[k++] = state_figure(f, n, S_RIDE)[i] > 0;
        label[k++] = state_figure(f, n, S_EXCLUSION)[i] < 0;
    }
    if (w->cs && w->best >= 0) {
        label[k++] = w->best_here == w->best;
        label[k++] = w->stable[w->best];
        for (int b = 0; b < w->cs->n_blocks[w->best]; b++) {
            label[k++] = !(internal[b] > 0);
            label[k++] = !(external[b] > 0);
        }
    }
    return 0;
}

static void name_labels(struct coalition_bootstrap *bs, const char *const *codes) {
    int k = 0, n = bs->n;
#define NAME(...) snprintf(bs->label[k++], COALITION_LABEL_NAME, __VA_ARGS__)
    NAME("core non-empty");
    NAME("v superadditive");
    NAME("v(N) >= 0 (imputations exist)");
    NAME("grand coalition internally stable (nobody gains by leaving)");
    for (int i = 0; i < n; i++) {
        NAME("%s: leaving (exclusion) pays", codes[i]);
        NAME("%s: free-riding pays", codes[i]);
        NAME("%s: exclusion credible", codes[i]);
    }
    if (bs->structures && bs->best >= 0) {
        char text[96], block[96];
        coalition_structure_label(bs->structures, bs->best, codes, text, sizeof text);
        NAME("best structure is %s", text);
        NAME("%s stable (every block)", text);
        const struct coalition_structures *cs = bs->structures;
        for (int b = 0; b < cs->n_blocks[bs->best]; b++) {
            unsigned m = cs->block_mask[(size_t)bs->best * (size_t)n + (size_t)b];
            size_t used = 0;
            block[0] = '\0';
            for (int i = 0; i < n; i++)
                if (m >> i & 1u)
                    used += (size_t)snprintf(block + used, sizeof block - used, "%s%s",
                                             used ? "," : "", codes[i]);
            NAME("block {%s} internally stable", block);
            NAME("block {%s} externally stable", block);
        }
    }
#undef NAME
    bs->n_labels = k;
}

void coalition_bootstrap_free(struct coalition_bootstrap *bs) {
    if (!bs) return;
    coalition_structures_free(bs->structures);
    free(bs->structure_value), free(bs->structure_best), free(bs->structure_stable);
    free(bs->label), free(bs->label_estimate), free(bs->label_share);
    memset(bs, 0, sizeof *bs);
}

/* Mean loss per (row, state) with replicate r counted weight[r] times, over `total` draws. */
static void mean_loss(const double *loss, const int *weight, int replicates, size_t cells,
                      double total, double *mean) {
    for (size_t c = 0; c < cells; c++) mean[c] = 0.0;
    for (int r = 0; r < replicates; r++) {
        if (!weight[r]) continue;
        const double *item = loss + (size_t)r * cells;
        for (size_t c = 0; c < cells; c++) mean[c] += weight[r] * item[c];
    }
    for (size_t c = 0; c < cells; c++) mean[c] /= total;
}

int coalition_bootstrap_compute(const double *loss, int replicates, int rows, int n,
                                const char *const *codes, int draws,
                                struct coalition_bootstrap *bs) {
    memset(bs, 0, sizeof *bs);
    if (n < 1 || n > COALITION_MAX_STATES || replicates < 1 || draws < 0) return -1;
    bs->n = n, bs->replicates = replicates, bs->draws = draws;
    bs->seed = COALITION_BOOTSTRAP_SEED;
    bs->best = -1;
    if (n <= COALITION_MAX_PARTITION_STATES && !(bs->structures = coalition_structures_alloc(n)))
        return -1;
    int count = bs->structures ? bs->structures->count : 0;
    int expected = (1 << n) + n + (bs->structures ? bs->structures->n_multi : 0);
    if (rows != expected) {
        coalition_bootstrap_free(bs);
        return -1;
    }
    struct workspace w = {.n = n, .rows = rows, .cs = bs->structures, .best = -1, .with_lp = 1};
    w.n_figures = F_PER_STATE + S_COUNT * n + count;
    int max_labels = 4 + 3 * n + 2 + 2 * n;
    size_t cells = (size_t)rows * (size_t)n;
    double *mean = malloc(cells * sizeof *mean);
    double *f = malloc((size_t)w.n_figures * sizeof *f);
    double *all = malloc((size_t)w.n_figures * (size_t)(draws > 0 ? draws : 1) * sizeof *all);
    int *weight = malloc((size_t)replicates * sizeof *weight);
    int *label = malloc((size_t)max_labels * sizeof *label);
    int *held = calloc((size_t)max_labels, sizeof *held);
    int *best_count = calloc((size_t)(count ? count : 1), sizeof *best_count);
    int *stable_count = calloc((size_t)(count ? count : 1), sizeof *stable_count);
    w.value = malloc(((size_t)1 << n) * sizeof *w.value);
    w.phi = malloc((size_t)n * sizeof *w.phi);
    w.stable = calloc((size_t)(count ? count : 1), sizeof *w.stable);
    bs->structure_value = malloc((size_t)(count ? count : 1) * BOOT_FIELDS * sizeof(double));
    bs->structure_best = malloc((size_t)(count ? count : 1) * sizeof(double));
    bs->structure_stable = malloc((size_t)(count ? count : 1) * sizeof(double));
    bs->label = calloc((size_t)max_labels, sizeof *bs->label);
    bs->label_estimate = calloc((size_t)max_labels, sizeof *bs->label_estimate);
    bs->label_share = malloc((size_t)max_labels * sizeof *bs->label_share);
    int status = mean && f && all && weight && label && held && best_count && stable_count &&
                         w.value && w.phi && w.stable && bs->structure_value &&
                         bs->structure_best && bs->structure_stable && bs->label &&
                         bs->label_estimate && bs->label_share
                     ? 0
                     : -1;
    /* The mean game over every replicate: the estimates, and the best structure the
     * stability labels are about. */
    if (status == 0) {
        for (int r = 0; r < replicates; r++) weight[r] = 1;
        mean_loss(loss, weight, replicates, cells, replicates, mean);
        status = game_figures(&w, mean, f, NULL);
    }
    if (status == 0) {
        w.best = bs->best = w.best_here;
        name_labels(bs, codes);
        w.n_labels = bs->n_labels;
        status = game_figures(&w, mean, f, bs->label_estimate);
        bs->nucleolus_kind = w.kind;
        bs->superadd_count = w.superadd;
    }
    double *estimate = malloc((size_t)w.n_figures * sizeof *estimate);
    if (!estimate) status = -1;
    if (status == 0) memcpy(estimate, f, (size_t)w.n_figures * sizeof *f);
    uint64_t key = rng_key(bs->seed, 0, RNG_BOOTSTRAP);
    w.with_lp = n <= COALITION_BOOTSTRAP_LP_MAX_STATES;
    for (int d = 0; status == 0 && d < draws; d++) {
        memset(weight, 0, (size_t)replicates * sizeof *weight);
        for (int k = 0; k < replicates; k++) {
            int r = (int)(rng_uniform_at(key, (uint64_t)d, (uint32_t)k) * replicates);
            weight[r < replicates ? r : replicates - 1]++;
        }
        mean_loss(loss, weight, replicates, cells, replicates, mean);
        status = game_figures(&w, mean, f, label);
        for (int k = 0; status == 0 && k < w.n_labels; k++) held[k] += label[k];
        if (status == 0 && w.cs) {
            best_count[w.best_here]++;
            for (int p = 0; p < count; p++) stable_count[p] += w.stable[p];
        }
        for (int j = 0; status == 0 && j < w.n_figures; j++)
            all[(size_t)j * (size_t)draws + (size_t)d] = f[j];
    }
    /* Intervals: percentiles of each figure over the draws (NaN figures have none). */
    double *interval = malloc((size_t)w.n_figures * BOOT_FIELDS * sizeof *interval);
    if (!interval) status = -1;
    for (int j = 0; status == 0 && j < w.n_figures; j++) {
        double *row = interval + (size_t)j * BOOT_FIELDS;
        row[BOOT_ESTIMATE] = estimate[j];
        row[BOOT_LOW] = row[BOOT_HIGH] = NAN;
        double *sample = all + (size_t)j * (size_t)draws;
        int finite = draws > 0 && !isnan(estimate[j]);
        for (int d = 0; finite && d < draws; d++) finite = isfinite(sample[d]);
        if (!finite) continue;
        gsl_sort(sample, 1, (size_t)draws);
        row[BOOT_LOW] = gsl_stats_quantile_from_sorted_data(sample, 1, (size_t)draws, 0.025);
        row[BOOT_HIGH] = gsl_stats_quantile_from_sorted_data(sample, 1, (size_t)draws, 0.975);
    }
    if (status == 0) {
        memcpy(bs->epsilon, interval + F_EPSILON * BOOT_FIELDS, sizeof bs->epsilon);
        memcpy(bs->superadd_worst, interval + F_WORST * BOOT_FIELDS, sizeof bs->superadd_worst);
        double(*targets[S_COUNT])[BOOT_FIELDS] = {
            bs->nucleolus,      bs->shapley,        bs->side_payment,  bs->leave_gain,
            bs->free_ride_gain, bs->exclusion_cost, bs->internal_gain, bs->external_gain};
        for (int s = 0; s < S_COUNT; s++)
            for (int i = 0; i < n; i++)
                memcpy(targets[s][i], interval + (size_t)(F_PER_STATE + s * n + i) * BOOT_FIELDS,
                       sizeof targets[s][i]);
        for (int i = n; i < COALITION_MAX_STATES; i++)
            for (int s = 0; s < S_COUNT; s++)
                for (int c = 0; c < BOOT_FIELDS; c++) targets[s][i][c] = NAN;
        memcpy(bs->structure_value, interval + (size_t)(F_PER_STATE + S_COUNT * n) * BOOT_FIELDS,
               (size_t)count * BOOT_FIELDS * sizeof(double));
        for (int p = 0; p < count; p++) {
            bs->structure_best[p] = draws ? (double)best_count[p] / draws : NAN;
            bs->structure_stable[p] = draws ? (double)stable_count[p] / draws : NAN;
        }
        for (int k = 0; k < bs->n_labels; k++)
            bs->label_share[k] = draws ? (double)held[k] / draws : NAN;
        if (!w.with_lp) bs->label_share[0] = NAN; /* "core non-empty": not evaluated */
    }
    free(mean), free(f), free(all), free(weight), free(label), free(held), free(best_count);
    free(stable_count), free(w.value), free(w.phi), free(w.stable), free(estimate), free(interval);
    if (status != 0) coalition_bootstrap_free(bs);
    return status;
}
