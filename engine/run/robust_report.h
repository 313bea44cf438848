/* robust_report.h — the robust ranking and scenario discovery of a run: computed from its
 * results, printed as tables and written to /robust (layout: docs/output-format.md). */
#ifndef C5SIM_ROBUST_REPORT_H
#define C5SIM_ROBUST_REPORT_H

#include <stdio.h>

#include "../io/h5out.h"
#include "plan.h"
#include "prim.h"
#include "robust.h"
#include "runner.h"

/* Variant layout of a robust plan, point-major: variant = point * (n_measures + 1) + slot, slot 0
 * the baseline at that point and slot m + 1 measure m. Point 0 is the nominal point (no design
 * overrides); point p >= 1 is design row p - 1. */
static inline int robust_variant(int n_measures, int point, int slot) {
    return point * (n_measures + 1) + slot;
}

/* Fewer failing design points than this: the printed box carries a caution. */
enum { ROBUST_FEW_FAILS = 5 };

/* One scenario-discovery question: its rule, which design points fail it, and PRIM's answer. */
struct robust_discovery {
    struct robust_rule rule;
    double *value; /* [design points]: the rule's metric at points 1 .. */
    int *fails;    /* [design points] */
    int n_fails;
    struct prim_result prim;
};

struct robust_report {
    const char *const *measure_ids; /* [n_measures] */
    double *cost;                   /* [n_measures] */
    double *baseline_harm;          /* [n_points]: mean regional harm of the baseline */
    const struct plan_design *design;
    struct robust_result result;
    int n_discoveries;
    struct robust_discovery *discoveries;
    struct prim_options prim_options;
};

/* From the results of a robust plan (layout above): harm averted per replicate, the robust
 * figures with `bootstrap` draws seeded by `seed`, and a PRIM box per rule over the design.
 * Returns 0, or -1 with err. */
int robust_report_compute(struct robust_report *report, const struct runner_results *results,
                          const struct world *base, const struct plan_design *design,
                          const struct robust_rule *rules, int n_rules,
                          const struct prim_options *prim_options, int bootstrap,
                          unsigned long long seed, char *err, size_t errlen);
void robust_report_free(struct robust_report *report);

void robust_report_print(FILE *stream, const struct robust_report *report);
int robust_report_write(struct h5out *out, const struct robust_report *report, char *err,
                        size_t errlen);

#endif
