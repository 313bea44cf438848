/* cmd_coalitions.c — `c5sim coalitions`: every coalition of states (and coalition structure);
 * Shapley values, deviations, core, nucleolus, structures and their stability. */
#include <stdio.h>

#include "../run/coalition.h"
#include "../run/coalition_bootstrap.h"
#include "cli.h"
#include "run_options.h"

void cmd_coalitions_help(FILE *stream) {
    fprintf(stream,
            "usage: c5sim coalitions SCENARIO [common options]\n\n"
            "Run every subset S of the scenario's states (2^N variants, N <= %d): members share\n"
            "fully among themselves and withhold from everyone else, in every domain (each\n"
            "state's policy becomes `agreements` with probability 1 inside S, 0 outside;\n"
            "per-domain sharing overrides are removed). All variants use the same random\n"
            "numbers, so every figure is computed per replicate and its interval is paired.\n\n"
            "  v(S)        = sum over members i of loss_i(nobody shares) - loss_i(S)\n"
            "  Shapley_i   = sum over S without i of |S|!(N-|S|-1)!/N! (v(S+i) - v(S));\n"
            "                the values sum to v(all states)\n"
            "  leave_gain_i = loss_i(all states) - loss_i(all states but i): positive means i\n"
            "                lowers its loss by leaving, so the agreement is not\n"
            "                self-enforcing for i\n\n"
            "Also: the least core (epsilon = min e s.t. x(S) >= v(S) - e, x(N) = v(N); the\n"
            "core is non-empty iff epsilon <= 0), the nucleolus, superadditivity violations,\n"
            "the best coalition structure (partition of least regional loss) and the internal\n"
            "and external stability of its blocks (d'Aspremont et al.), each with a bootstrap\n"
            "interval (%d draws resampling replicates jointly for every variant, seed %u);\n"
            "a yes/no label holding in 5%%-95%% of the draws is printed as a WARNING (it\n"
            "depends on the seed at this replicate count).\n\n"
            "Variant k < 2^N of the file is the coalition with bitmask k (bit i = i-th state),\n"
            "2^N + i the grand coalition with state i free-riding, and for N <= %d, 2^N + N + k\n"
            "the k-th coalition structure with two or more blocks of two or more states.\n\n",
            COALITION_MAX_STATES, COALITION_BOOTSTRAP_DRAWS, COALITION_BOOTSTRAP_SEED,
            COALITION_MAX_PARTITION_STATES);
    run_options_help(stream, 0);
    fprintf(stream, "\nExamples:\n"
                    "  c5sim coalitions scenarios/c5-baseline.yaml -r 100 -o coalitions.h5\n"
                    "  c5sim coalitions scenarios/c5-baseline.yaml -r 30 --set run.ticks=180\n");
}

static int build_plan(struct run_session *session) {
    const struct world *world = session->base_world;
    if (world->n_states > COALITION_MAX_STATES)
        return cli_usage_error("coalitions",
                               "the scenario has %d states; coalitions supports at most %d "
                               "(2^N variants)",
                               world->n_states, COALITION_MAX_STATES);
    const char *codes[COALITION_MAX_STATES];
    for (int s = 0; s < world->n_states; s++) codes[s] = world->states[s].code;
    char err[512];
    if (coalition_add_variants(session->plan, codes, world->n_states, err, sizeof err) != 0) {
        fprintf(stderr, "c5sim coalitions: error: %s\n", err);
        return EXIT_RUNTIME;
    }
    return 0;
}

static int report(struct run_session *session) {
    struct ensemble_coalitions coalitions;
    char err[512];
    if (ensemble_coalitions_compute(&session->results, session->base_world, &coalitions) != 0) {
        fprintf(stderr, "c5sim coalitions: error: out of memory\n");
        return EXIT_RUNTIME;
    }
    int code = 0;
    if (session->out && ensemble_write_coalitions(session->out, &coalitions, session->base_world,
                                                  err, sizeof err) != 0) {
        fprintf(stderr, "c5sim coalitions: error: %s\n", err);
        code = EXIT_RUNTIME;
    }
    if (code == 0) {
        printf("%s\n", session->base_world->name);
        ensemble_print_coalitions(stdout, &coalitions, session->plan, session->base_world);
    }
    ensemble_coalitions_free(&coalitions);
    return code;
}

int cmd_coalitions(int argc, char **argv) {
    static const struct run_command command = {
        .name = "coalitions", .series_by_default = 0, .build_plan = build_plan, .report = report};
    return run_command_main(&command, argc, argv);
}
