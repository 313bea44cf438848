/* fuzz_scenario.c — libFuzzer target for the loader and the override parser (meson -Dfuzz=true).
 *
 * The input's first line, when it contains '=', is an override PATH=VALUE; the rest is the
 * scenario. Whatever the bytes, loading must end in a scenario or in error messages, and a loaded
 * scenario must take the override, compile and describe without crashing or leaking.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    const char *newline = memchr(text, '\n', size);
    char override_text[256] = "";
    if (newline && (size_t)(newline - text) < sizeof override_text &&
        memchr(text, '=', (size_t)(newline - text)) && !memchr(text, '\0', size)) {
        memcpy(override_text, text, (size_t)(newline - text));
        override_text[newline - text] = '\0';
    }
    struct scenario_errors errors = {0};
    struct scenario *scenario = scenario_load_text("fuzz.yaml", text, size, &errors);
    if (scenario) {
        struct scenario_override override;
        struct scenario *variant = NULL;
        if (override_text[0] &&
            scenario_override_parse(override_text, "--set", &override, &errors) == 0) {
            variant = scenario_with_overrides(scenario, &override, 1, &errors);
            scenario_override_free(&override);
        }
        const struct scenario *use = variant ? variant : scenario;
        struct world *world = scenario_compile(use, (size_t)1 << 28, &errors);
        world_free(world);
        FILE *sink = fopen("/dev/null", "w");
        if (sink) {
            scenario_describe(use, sink);
            fclose(sink);
        }
        scenario_free(variant);
        scenario_free(scenario);
    }
    scenario_errors_clear(&errors);
    return 0;
}
