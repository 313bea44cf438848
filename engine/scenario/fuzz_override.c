/* fuzz_override.c — libFuzzer target for the override parser (meson -Dfuzz=true).
 *
 * Each line of the input is one --set PATH=VALUE, applied in order to a shipped scenario (the
 * first byte picks scenarios/c5-baseline.yaml or scenarios/minimal.yaml, loaded once). Whatever
 * the text, parsing and applying must end in a new scenario or in error messages; a scenario that
 * takes the overrides must compile and describe without crashing or leaking.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c5sim_config.h"
#include "scenario.h"

/* More lines than the CLI would ever get in practice, few enough to keep each run fast. */
#define FUZZ_MAX_OVERRIDES 16
#define FUZZ_MAX_LINE      512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The base scenarios live for the whole process (loading them per input would dominate). */
static struct scenario *load_base(const char *relative) {
    char path[4096];
    const char *root = getenv("C5SIM_SOURCE_ROOT");
    snprintf(path, sizeof path, "%s/%s", root ? root : C5SIM_SOURCE_ROOT, relative);
    struct scenario_errors errors = {0};
    struct scenario *scenario = scenario_load_file(path, &errors);
    if (!scenario) {
        /* Without its base the target would test nothing: stop loudly. */
        scenario_errors_print(&errors, stderr);
        abort();
    }
    scenario_errors_clear(&errors);
    return scenario;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static struct scenario *bases[2];
    if (!bases[0]) {
        bases[0] = load_base("scenarios/c5-baseline.yaml");
        bases[1] = load_base("scenarios/minimal.yaml");
    }
    if (size == 0) return 0;
    const struct scenario *base = bases[data[0] & 1];
    const char *text = (const char *)data + 1;
    size_t remaining = size - 1;

    struct scenario_override overrides[FUZZ_MAX_OVERRIDES];
    int count = 0;
    struct scenario_errors errors = {0};
    while (remaining > 0 && count < FUZZ_MAX_OVERRIDES) {
        const char *newline = memchr(text, '\n', remaining);
        size_t length = newline ? (size_t)(newline - text) : remaining;
        char line[FUZZ_MAX_LINE];
        /* The CLI gets NUL-terminated argv strings: a NUL inside a line ends it there. */
        size_t used = length < sizeof line - 1 ? length : sizeof line - 1;
        memcpy(line, text, used);
        line[used] = '\0';
        if (scenario_override_parse(line, "--set", &overrides[count], &errors) == 0) count++;
        text += newline ? length + 1 : length;
        remaining -= newline ? length + 1 : length;
    }
    struct scenario *variant = scenario_with_overrides(base, overrides, count, &errors);
    if (variant) {
        struct world *world = scenario_compile(variant, (size_t)1 << 28, &errors);
        world_free(world);
        FILE *sink = fopen("/dev/null", "w");
        if (sink) {
            scenario_describe(variant, sink);
            fclose(sink);
        }
        scenario_free(variant);
    }
    for (int i = 0; i < count; i++) scenario_override_free(&overrides[i]);
    scenario_errors_clear(&errors);
    return 0;
}
