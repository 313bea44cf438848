/* test_closed_forms.c — the model against textbook results (docs/model.md derives each one).
 * Tolerances are 5 standard errors of the estimator's sampling distribution; seeds are fixed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "fixture.h"
#include "../common/leak_check.h"

static double series_at(const struct sim_result *r, int metric, int tick, int state) {
    return r->series[((size_t)metric * (size_t)r->ticks + (size_t)tick) * (size_t)r->n_states +
                     (size_t)state];
}

static const struct sim_options keep_series = {1, 0, 1, NULL, NULL, NULL, 0};

/* A lone state whose threats arrive and dwell in its only region. */
static struct world *lone_state(double rate, int dwell, int ticks, uint64_t seed) {
    struct world *w = fixture_world(1, 1, 1, ticks, seed);
    fixture_region(w, 0, 0);
    int k = fixture_type(w, 0, dwell, 0.0, 0.0);
    fixture_origin(w, k, 0, rate);
    fixture_target(w, k, 0, 1.0);
    return w;
}

/* Arrivals per tick ~ Poisson(rate): sample mean and variance over T ticks.
 * SE(mean) = sqrt(rate / T); Var(s^2) ~ (mu4 - sigma^4) / T = (rate + 2 rate^2) / T. */
Test(closed_forms, poisson_arrival_counts) {
    const double rate = 3.0;
    const int T = 40000;
    struct world *w = lone_state(rate, 1, T, 11);
    fixture_finish(w);
    struct sim_result *r = fixture_run(w, 0, &keep_series);
    double sum = 0, sumsq = 0;
    for (int t = 0; t < T; t++) {
        double x = series_at(r, METRIC_ARRIVALS, t, 0);
        sum += x;
        sumsq += x * x;
    }
    double mean = sum / T, var = (sumsq - T * mean * mean) / (T - 1);
    cr_assert_lt(fabs(mean - rate), 5 * sqrt(rate / T), "mean %g", mean);
    cr_assert_lt(fabs(var - rate), 5 * sqrt((rate + 2 * rate * rate) / T), "variance %g", var);
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

/* Seasonal rate lambda(t) = rate (1 + A cos(2 pi (t - peak) / period)): arrivals in the ticks
 * where the cosine is positive have Poisson mean sum lambda(t) over those ticks, likewise the
 * rest. */
Test(closed_forms, seasonal_arrivals) {
    const double rate = 2.0, amplitude = 0.8, peak = 10, period = 50;
    const int T = 5000;
    struct world *w = lone_state(rate, 1, T, 12);
    w->origins[0].season_amplitude = amplitude;
    w->origins[0].season_peak = peak;
    w->origins[0].season_period = period;
    fixture_finish(w);
    struct sim_result *r = fixture_run(w, 0, &keep_series);
    double high = 0, low = 0, expect_high = 0, expect_low = 0;
    for (int t = 0; t < T; t++) {
        double c = cos(2 * M_PI * (t - peak) / period);
        double lambda = rate * (1 + amplitude * c);
        double x = series_at(r, METRIC_ARRIVALS, t, 0);
        if (c > 0) {
            high += x;
            expect_high += lambda;
        } else {
            low += x;
            expect_low += lambda;
        }
    }
    cr_assert_lt(fabs(high - expect_high), 5 * sqrt(expect_high));
    cr_assert_lt(fabs(low - expect_low), 5 * sqrt(expect_low));
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

/* Ample instant response (interdiction 1, busy 1, more units than threats): a threat is
 * interdicted on the tick it is first detected, so it impacts iff missed on all D ticks of its
 * dwell: P = (1 - p)^D. Impacts at tick t come from the arrivals of tick t - D + 1. */
Test(closed_forms, lone_state_impacts_with_probability_one_minus_p_to_the_d) {
    const double rate = 4.0, p = 0.3;
    const int D = 3, T = 20000;
    struct world *w = lone_state(rate, D, T, 13);
    fixture_detect(w, 0, 0, p, 0.0, 0.0);
    w->states[0].units = 1000;
    fixture_finish(w);
    struct sim_result *r = fixture_run(w, 0, &keep_series);
    double arrived = 0, impacted = 0;
    for (int t = 0; t <= T - D; t++) arrived += series_at(r, METRIC_ARRIVALS, t, 0);
    for (int t = D - 1; t < T; t++) impacted += series_at(r, METRIC_IMPACTS, t, 0);
    double expect = pow(1 - p, D);
    double se = sqrt(expect * (1 - expect) / arrived);
    cr_assert_lt(fabs(impacted / arrived - expect), 5 * se, "%g vs %g", impacted / arrived, expect);
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

/* The detection tick of a dwelling threat, which sleeps between the ticks it is looked at
 * (docs/model.md §11): with no units a detected threat stays, and the tick of its detection, j
 * ticks after its arrival, is geometric: P(j) = (1 - p)^j p for j < D, never with (1 - p)^D
 * (§5.3: the budget spends the same hazard each tick). Pearson's chi-square over the D + 1
 * outcomes of the threats that arrive early enough to dwell their D ticks within the run, against
 * its mean D and sd sqrt(2 D) (5 sd). */
enum { TABLE = 1 << 16 };

struct detection_ticks {
    int last_arrival; /* only threats arriving up to here are counted */
    uint64_t uid[TABLE];
    int arrived[TABLE];
    long long count[64], threats;
};

static size_t uid_slot(const struct detection_ticks *d, uint64_t uid) {
    size_t h = (size_t)(uid * 0x9e3779b97f4a7c15ull >> 48);
    while (d->uid[h] != 0 && d->uid[h] != uid) h = (h + 1) & (TABLE - 1);
    return h;
}

static void on_detection_tick(void *ctx, const struct sim_event *e) {
    struct detection_ticks *d = ctx;
    if (e->kind == EVENT_ARRIVAL && e->tick <= d->last_arrival) {
        size_t h = uid_slot(d, (uint64_t)e->threat);
        d->uid[h] = (uint64_t)e->threat;
        d->arrived[h] = e->tick;
        d->threats++;
    } else if (e->kind == EVENT_DETECTION) {
        size_t h = uid_slot(d, (uint64_t)e->threat);
        if (d->uid[h]) d->count[e->tick - d->arrived[h]]++;
    }
}

Test(closed_forms, detection_tick_of_a_sleeping_threat_is_geometric) {
    const double rate = 2.0, p = 0.06;
    const int D = 40, T = 8000;
    struct world *w = lone_state(rate, D, T, 29);
    fixture_detect(w, 0, 0, p, 0.0, 0.0);
    w->states[0].units = 0;
    fixture_finish(w);
    struct detection_ticks *d = calloc(1, sizeof *d);
    d->last_arrival = T - D;
    struct sim_options options = {0, 0, 1, on_detection_tick, d, NULL, 0};
    struct sim_result *r = fixture_run(w, 0, &options);
    cr_assert_gt(d->threats, 10000);
    double chi2 = 0, n = (double)d->threats;
    long long detected = 0;
    for (int j = 0; j < D; j++) {
        double expect = n * pow(1 - p, j) * p;
        chi2 += (d->count[j] - expect) * (d->count[j] - expect) / expect;
        detected += d->count[j];
    }
    double never = n * pow(1 - p, D);
    chi2 += ((double)(d->threats - detected) - never) * ((double)(d->threats - detected) - never) /
            never;
    cr_assert_lt(fabs(chi2 - D), 5 * sqrt(2.0 * D), "chi-square %g on %d degrees of freedom", chi2,
                 D);
    free(d);
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

/* Two states on a route: external origin E -> A (state 0, 1 tick) -> B (state 1, target, dwell
 * 1). State 0 detects in A with p0; it shares fully with zero latency, so a report sent at tick
 * t arrives at t + 1, the tick the threat crosses into B, where state 1 detects with
 * 1 - (1 - p1)(1 - b)(1 - q) when cued, 1 - (1 - p1)(1 - b) otherwise. No response units. */
Test(closed_forms, two_state_route_with_full_sharing_and_cue) {
    const double rate = 3.0, p0 = 0.4, p1 = 0.2, b = 0.15, q = 0.5;
    const int T = 20000;
    struct world *w = fixture_world(2, 1, 3, T, 14);
    fixture_region(w, 1, 0);
    fixture_region(w, 2, 1);
    fixture_route(w, 0, 1, 1);
    fixture_route(w, 1, 2, 1);
    int k = fixture_type(w, 0, 1, 0.0, 0.0);
    fixture_origin(w, k, 0, rate);
    fixture_target(w, k, 2, 1.0);
    fixture_detect(w, 0, 0, p0, 0.0, 0.0);
    fixture_detect(w, 1, 0, p1, b, q);
    fixture_sharing(w, 0, 0, POLICY_FULL, SCOPE_ALL, 1.0, 0);
    fixture_finish(w);
    struct sim_result *r = fixture_run(w, 0, &keep_series);
    /* a threat arriving at t is in E at t, A at t + 1, B at t + 2 */
    double arrived = 0, det0 = 0, det1 = 0, cued1 = 0;
    for (int t = 0; t <= T - 3; t++) arrived += series_at(r, METRIC_ARRIVALS, t, 1);
    for (int t = 1; t <= T - 2; t++) det0 += series_at(r, METRIC_DETECTIONS, t, 0);
    for (int t = 2; t <= T - 1; t++) {
        det1 += series_at(r, METRIC_DETECTIONS, t, 1);
        cued1 += series_at(r, METRIC_CUED_DETECTIONS, t, 1);
    }
    double cued = 1 - (1 - p1) * (1 - b) * (1 - q), plain = 1 - (1 - p1) * (1 - b);
    double expect0 = p0, expect1 = p0 * cued + (1 - p0) * plain, expect_cued = p0 * cued;
    double checks[3][2] = {{det0, expect0}, {det1, expect1}, {cued1, expect_cued}};
    for (int c = 0; c < 3; c++) {
        double e = checks[c][1], se = sqrt(e * (1 - e) / arrived);
        cr_assert_lt(fabs(checks[c][0] / arrived - e), 5 * se, "check %d: %g vs %g", c,
                     checks[c][0] / arrived, e);
    }
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

/* A loss system: Poisson(lambda) arrivals per tick, dwell 1 (a threat not engaged on its
 * arrival tick impacts), detection 1, one unit busy B ticks per engagement, interdiction 1.
 * With a = 1 - exp(-lambda) and r_t the unit's remaining busy ticks at the start of tick t, the
 * chain r: 0 -> B - 1 with probability a (an engagement), 0 -> 0 otherwise, r -> r - 1 for r > 0
 * gives E[interdictions at t] = a P(r_t = 0), computed exactly here by iterating the chain;
 * stationary blocking 1 - a / (lambda (1 + a (B - 1))) (docs/model.md). Compared across
 * replicates with 5 standard errors of the replicate mean. */
Test(closed_forms, single_unit_loss_system) {
    const double lambda = 0.5;
    const int B = 3, T = 400, R = 300;
    struct world *w = lone_state(lambda, 1, T, 15);
    fixture_detect(w, 0, 0, 1.0, 0.0, 0.0);
    w->states[0].units = 1;
    w->states[0].busy_ticks = B;
    fixture_finish(w);
    double a = 1 - exp(-lambda), expect = 0;
    double dist[16] = {1.0};
    for (int t = 0; t < T; t++) {
        expect += a * dist[0];
        double next[16] = {0};
        next[0] = dist[0] * (1 - a) + (B > 1 ? dist[1] : dist[0] * a);
        if (B > 1) next[B - 1] += dist[0] * a;
        for (int r = 2; r < B; r++) next[r - 1] += dist[r];
        for (int r = 0; r < B; r++) dist[r] = next[r];
    }
    /* the chain reaches the stationary engagement rate a / (1 + a (B - 1)) of docs/model.md */
    cr_assert_float_eq(a * dist[0], a / (1 + a * (B - 1)), 1e-9);
    double sum = 0, sumsq = 0;
    struct sim_options options = {0, 0, 1, NULL, NULL, NULL, 0};
    char err[256];
    struct sim_workspace *ws = sim_alloc(w, &options, err, sizeof err);
    struct sim_result *r = sim_result_alloc(w, &options);
    for (int rep = 0; rep < R; rep++) {
        cr_assert_eq(sim_run(ws, w, rep, r, err, sizeof err), 0, "%s", err);
        double x = sim_result_total(r, METRIC_INTERDICTIONS, 0);
        sum += x;
        sumsq += x * x;
        /* every threat is either interdicted on arrival or impacts on the same tick */
        cr_assert_eq(x + sim_result_total(r, METRIC_IMPACTS, 0),
                     sim_result_total(r, METRIC_ARRIVALS, 0));
    }
    double mean = sum / R, sd = sqrt((sumsq - R * mean * mean) / (R - 1));
    cr_assert_lt(fabs(mean - expect), 5 * sd / sqrt(R), "interdictions %g vs %g", mean, expect);
    sim_result_free(r);
    sim_free(ws);
    world_free(w);
    expect_no_leaks();
}

/* Undetected threats all impact: mean harm per impact is E[lognormal] = exp(mu + sigma^2 / 2),
 * SE from Var = (exp(sigma^2) - 1) exp(2 mu + sigma^2). */
Test(closed_forms, lognormal_severity_mean_harm) {
    const double mu = 1.0, sigma = 0.6;
    const int T = 20000;
    struct world *w = lone_state(2.0, 1, T, 16);
    w->types[0].severity_mu = mu;
    w->types[0].severity_sigma = sigma;
    fixture_finish(w);
    struct sim_result *r = fixture_run(w, 0, NULL);
    double impacts = sim_result_total(r, METRIC_IMPACTS, 0);
    double harm = sim_result_total(r, METRIC_HARM, 0);
    double mean = exp(mu + sigma * sigma / 2);
    double var = (exp(sigma * sigma) - 1) * exp(2 * mu + sigma * sigma);
    cr_assert_gt(impacts, 0);
    cr_assert_lt(fabs(harm / impacts - mean), 5 * sqrt(var / impacts), "%g vs %g", harm / impacts,
                 mean);
    cr_assert_float_eq(sim_result_total(r, METRIC_LOSS, 0), harm, 1e-9 * harm);
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}

/* Harm per tick: with a fixed severity (sigma 0) and every region owned, harm is exactly
 * exp(mu) per impact plus harm_per_tick per threat-tick (each active threat is in an owned
 * region every tick it is active; interdicted threats do not accrue on their last tick). */
Test(closed_forms, harm_per_tick_accounting) {
    const int T = 300;
    struct world *w = fixture_world(2, 1, 2, T, 17);
    fixture_region(w, 0, 0);
    fixture_region(w, 1, 1);
    fixture_route(w, 0, 1, 2);
    int k = fixture_type(w, 0, 3, 0.5, 0.0);
    w->types[k].harm_per_tick = 0.25;
    fixture_origin(w, k, 0, 1.5);
    fixture_target(w, k, 1, 1.0);
    fixture_finish(w);
    struct sim_result *r = fixture_run(w, 0, NULL);
    double harm = sim_result_total(r, METRIC_HARM, 0) + sim_result_total(r, METRIC_HARM, 1);
    double impacts = sim_result_total(r, METRIC_IMPACTS, 1);
    double expect = impacts * exp(0.5) + 0.25 * (double)r->threat_ticks;
    cr_assert_float_eq(harm, expect, 1e-9 * expect);
    /* state 0 suffers 2 ticks per threat that passed through (origin A for 2 ticks) */
    cr_assert_gt(sim_result_total(r, METRIC_HARM, 0), 0);
    sim_result_free(r);
    world_free(w);
    expect_no_leaks();
}
