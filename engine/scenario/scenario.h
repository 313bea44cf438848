/* scenario.h — load a YAML scenario, apply overrides by parameter path, validate, compile.
 *
 * Data flows one way: text --scenario_parse--> tree --overrides--> scenario_load (typed,
 * validated, immutable) --scenario_compile--> struct world (dense, routes precomputed).
 * Overrides (`--set PATH=VALUE`, measures, sweep points, coalitions) are applied to the parsed tree
 * before validation, so every override gets the same checks and the same quality of error as the
 * file itself. All errors of a file are collected (up to a cap), each formatted as
 *   FILE:LINE:COLUMN: error: KEY.PATH: what is wrong (what was expected)
 */
#ifndef C5SIM_SCENARIO_H
#define C5SIM_SCENARIO_H

#include <stddef.h>
#include <stdio.h>
#include "../model/world.h"

enum { SCENARIO_MAX_ERRORS = 50 };

/* A list of error messages, each a full line without the trailing newline. */
struct scenario_errors {
    int count;   /* messages kept (<= SCENARIO_MAX_ERRORS) */
    int dropped; /* messages beyond the cap */
    char *messages[SCENARIO_MAX_ERRORS];
};
void scenario_errors_clear(struct scenario_errors *errors);
void scenario_errors_print(const struct scenario_errors *errors, FILE *stream);

/* One override: PATH=VALUE, e.g. "states.TJK.detect.military=0.3". `origin` names where it came
 * from in messages ("--set", "measure afghan_patrols", "sweep"). */
struct scenario_override {
    char *path;
    char *value;
    char *origin;
};

/* Parse "PATH=VALUE" into an override (strings are copied). Returns 0 or -1 with a message. */
int scenario_override_parse(const char *text, const char *origin, struct scenario_override *out,
                            struct scenario_errors *errors);
void scenario_override_free(struct scenario_override *override);

/* The loaded scenario: source text, the tree, and typed values. Opaque to other rooms. */
struct scenario;

/* Load from a file / from memory (`name` is used in messages). Returns NULL with errors filled
 * on any failure (I/O, YAML syntax, validation). */
struct scenario *scenario_load_file(const char *path, struct scenario_errors *errors);
struct scenario *scenario_load_text(const char *name, const char *text, size_t length,
                                    struct scenario_errors *errors);
void scenario_free(struct scenario *scenario);

/* A new scenario = `base` with overrides applied (in order) and validated again.
 * NULL with errors on a bad path or value. `base` is not changed. */
struct scenario *scenario_with_overrides(const struct scenario *base,
                                         const struct scenario_override *overrides, int count,
                                         struct scenario_errors *errors);

/* Source text exactly as read, and its length (for provenance in the output file). */
const char *scenario_source(const struct scenario *scenario, size_t *length);
const char *scenario_filename(const struct scenario *scenario);

/* Names, for CLIs and plans. */
int scenario_state_count(const struct scenario *scenario);
const char *scenario_state_code(const struct scenario *scenario, int index);
int scenario_measure_count(const struct scenario *scenario);
const char *scenario_measure_id(const struct scenario *scenario, int index);
/* Overrides making up measure `index` (owned by the scenario). */
int scenario_measure_overrides(const struct scenario *scenario, int index,
                               const struct scenario_override **overrides);

/* One uncertain factor of an `uncertainty:` block (docs/scenario-format.md, "Uncertainty"): a
 * path or wildcard group and the distribution of its value. `kind` numbers the distributions as
 * enum plan_distribution does (engine/run/plan.h: plan_range_from_factor converts). */
enum scenario_factor_kind {
    SCENARIO_FACTOR_UNIFORM = 0,
    SCENARIO_FACTOR_INTEGER = 1,
    SCENARIO_FACTOR_LOGUNIFORM = 2,
    SCENARIO_FACTOR_TRIANGULAR = 3,
    SCENARIO_FACTOR_NORMAL = 4,
    SCENARIO_FACTOR_CHOICE = 5
};
enum { SCENARIO_MAX_FACTORS = 1000 };

struct scenario_factor {
    char *path; /* as an override writes it: "defaults.leak", "states.*.detect.all*" (scale),
                   "sharing.level+" (shift) */
    int kind;   /* enum scenario_factor_kind */
    double low, high, mode, mean, sd;
    int n_choices;
    char **choices;   /* CHOICE: the values as text */
    double *weights;  /* CHOICE: [n_choices] > 0, or NULL (equal) */
    int line, column; /* where the factor is declared */
};

/* The factors of the scenario's own `uncertainty:` block (owned by the scenario; 0 if none). */
int scenario_uncertainty(const struct scenario *scenario, const struct scenario_factor **factors);

/* The `uncertainty:` block of a separate design file (--uncertainty FILE), decoded and each
 * factor's extremes checked against `scenario` as the scenario's own block is. Returns the
 * factors (free with scenario_factors_free) and their count, or NULL with errors. */
struct scenario_factor *scenario_uncertainty_load(const struct scenario *scenario, const char *path,
                                                  int *count, struct scenario_errors *errors);
void scenario_factors_free(struct scenario_factor *factors, int count);

/* Is `path` a design file (a mapping with `uncertainty`, no `states`, no `variant`)? 1 with
 * *base the scenario it names under `base:` (relative to the file; NULL when it names none;
 * caller frees), 0 when it is not one, -1 with errors for a bad `base:`. */
int scenario_design_file(const char *path, char **base, struct scenario_errors *errors);

/* Compile into a dense world. NULL with errors if something cannot be compiled (unreachable
 * target, memory estimate above max_memory_bytes; 0 means no limit). */
struct world *scenario_compile(const struct scenario *scenario, size_t max_memory_bytes,
                               struct scenario_errors *errors);

/* Estimated bytes one replicate workspace needs (what the memory limit is checked against),
 * and a phrase naming the parameter that drives it. */
size_t scenario_memory_estimate(const struct scenario *scenario, const char **driver);

/* Print a readable description (world, catalog, policies, measures) to `stream`. */
void scenario_describe(const struct scenario *scenario, FILE *stream);

/* Print one warning per threat type whose harm no sharing can change (docs/model.md §5.14),
 * as FILE:LINE:COL: warning: threats.ID: ...; returns how many. */
int scenario_warnings(const struct scenario *scenario, FILE *stream);

/* One-line summary: "FILE: ok: 5 states, 28 regions, 40 routes, 8 threat types, 5 measures". */
void scenario_summary(const struct scenario *scenario, FILE *stream);

#endif
