/* c5bench.c — benchmark driver: times sim_run on one scenario, and the per-threat-tick floor. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <omp.h>

#include "omp_wait.h"
#include "rng.h"
#include "scenario.h"
#include "sim.h"
#include "world.h"

enum { MAX_REPEATS = 100 };

struct bench_options {
    const char *scenario_path;
    int ticks;   /* 0: the scenario's own */
    int threads; /* sim_options.threads */
    int repeats; /* timed runs after one untimed warm-up run */
    int floor;   /* also time the floor loop */
};

struct timed_run {
    double seconds;
    double cpu_seconds; /* process CPU time: what load from other programs does not inflate */
    long long threat_ticks;
    long long peak_active;
};

static double clock_seconds(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double now_seconds(void) {
    return clock_seconds(CLOCK_MONOTONIC);
}

static double cpu_seconds(void) {
    return clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
}

/* A "VmRSS:" or "VmHWM:" line of /proc/self/status in bytes; 0 where unavailable. Falls back to
 * getrusage's peak for VmHWM so the figure exists on systems without procfs. */
static long long status_bytes(const char *field) {
    FILE *status = fopen("/proc/self/status", "r");
    char line[256];
    long long kib = -1;
    size_t length = strlen(field);
    if (status) {
        while (fgets(line, sizeof line, status)) {
            if (strncmp(line, field, length) == 0) {
                kib = strtoll(line + length, NULL, 10);
                break;
            }
        }
        fclose(status);
    }
    if (kib < 0 && strcmp(field, "VmHWM:") == 0) {
        struct rusage usage;
        if (getrusage(RUSAGE_SELF, &usage) == 0) kib = usage.ru_maxrss;
    }
    return kib < 0 ? 0 : kib * 1024;
}

/* The floor's pool has the per-threat arrays of the model's pool (struct sim_pool in
 * engine/model/sim_internal.h), same element sizes, same struct-of-arrays form: whatever the
 * engine does per threat-tick, it must at least stream these arrays once and draw one uniform
 * from the per-(threat, tick) detection stream. The model's per-(threat, state) arrays (severity
 * estimates, first reporters) are left out: a threat-tick touches them only on a detection. */
struct floor_pool {
    size_t count;
    uint64_t *serial, *uid;
    int32_t *type, *path, *pos, *depart, *region, *at_target, *victim;
    double *severity;
    uint64_t *known, *intel, *engaged, *told;
    uint8_t *crossed, *flag;
};

enum { FLOOR_ARRAYS = 16 };

/* The arrays in one list, so allocation and release need no per-field code. */
static void floor_pool_arrays(struct floor_pool *pool, void ***arrays, size_t *sizes) {
    void **list[FLOOR_ARRAYS] = {
        (void **)&pool->serial,   (void **)&pool->uid,       (void **)&pool->type,
        (void **)&pool->path,     (void **)&pool->pos,       (void **)&pool->depart,
        (void **)&pool->region,   (void **)&pool->at_target, (void **)&pool->victim,
        (void **)&pool->severity, (void **)&pool->known,     (void **)&pool->intel,
        (void **)&pool->engaged,  (void **)&pool->told,      (void **)&pool->crossed,
        (void **)&pool->flag};
    size_t bytes[FLOOR_ARRAYS] = {8, 8, 4, 4, 4, 4, 4, 4, 4, 8, 8, 8, 8, 8, 1, 1};
    memcpy(arrays, list, sizeof list);
    memcpy(sizes, bytes, sizeof bytes);
}

/* The floors' pools are lists of arrays of given element sizes: freed, sized and allocated the
 * same way whichever pool they make up. */
static void arrays_free(void ***arrays, int n) {
    for (int f = 0; f < n; f++) {
        free(*arrays[f]);
        *arrays[f] = NULL;
    }
}

static size_t arrays_bytes(const size_t *sizes, int n) {
    size_t total = 0;
    for (int f = 0; f < n; f++) total += sizes[f];
    return total;
}

/* calloc: every page is touched by the caller anyway, and zeros are valid values. */
static int arrays_calloc(void ***arrays, const size_t *sizes, int n, size_t count) {
    for (int f = 0; f < n; f++) {
        *arrays[f] = calloc(count, sizes[f]);
        if (!*arrays[f]) {
            arrays_free(arrays, n);
            return -1;
        }
    }
    return 0;
}

static void floor_pool_free(struct floor_pool *pool) {
    void **arrays[FLOOR_ARRAYS];
    size_t sizes[FLOOR_ARRAYS];
    floor_pool_arrays(pool, arrays, sizes);
    arrays_free(arrays, FLOOR_ARRAYS);
}

/* Bytes per threat of the floor's pool (what the engine's pool needs at least). */
static size_t floor_bytes_per_threat(void) {
    struct floor_pool pool;
    void **arrays[FLOOR_ARRAYS];
    size_t sizes[FLOOR_ARRAYS];
    floor_pool_arrays(&pool, arrays, sizes);
    return arrays_bytes(sizes, FLOOR_ARRAYS);
}

static int floor_pool_alloc(struct floor_pool *pool, size_t count, int n_types, int n_regions) {
    void **arrays[FLOOR_ARRAYS];
    size_t sizes[FLOOR_ARRAYS];
    memset(pool, 0, sizeof *pool);
    pool->count = count;
    floor_pool_arrays(pool, arrays, sizes);
    if (arrays_calloc(arrays, sizes, FLOOR_ARRAYS, count) != 0) return -1;
    for (size_t i = 0; i < count; i++) {
        pool->serial[i] = i;
        pool->uid[i] = rng_mix(i);
        pool->type[i] = (int32_t)(i % (size_t)n_types);
        pool->path[i] = (int32_t)(i % 251);
        pool->region[i] = (int32_t)(pool->uid[i] % (uint64_t)n_regions);
        pool->victim[i] = pool->region[i] & 7;
        pool->severity[i] = 1.0;
    }
    return 0;
}

/* The irreducible work of `ticks` ticks on a pool of pool->count threats: per threat and tick,
 * one uniform from the same Philox stream the model's detection uses, one read of every array
 * and one write of the per-threat flag. The checksum keeps the compiler from dropping work. */
static struct timed_run floor_run(struct floor_pool *pool, uint64_t key, int ticks,
                                  double probability, uint64_t *checksum) {
    double start = now_seconds(), cpu_start = cpu_seconds();
    uint64_t sum = 0;
    for (int tick = 0; tick < ticks; tick++) {
        for (size_t i = 0; i < pool->count; i++) {
            double u = rng_uniform_at(key, pool->uid[i], (uint32_t)tick);
            uint8_t hit = u < probability * pool->severity[i];
            pool->flag[i] = hit;
            sum += (pool->serial[i] ^ pool->known[i] ^ pool->intel[i] ^ pool->engaged[i] ^
                    pool->told[i]) +
                   (uint64_t)(pool->type[i] + pool->path[i] + pool->pos[i] + pool->depart[i] +
                              pool->region[i] + pool->at_target[i] + pool->victim[i] +
                              pool->crossed[i]) +
                   hit;
        }
    }
    *checksum += sum;
    return (struct timed_run){now_seconds() - start, cpu_seconds() - cpu_start,
                              (long long)pool->count * ticks, (long long)pool->count};
}

/* The problem floor: what any engine of this model must do per threat-tick, whatever its design.
 * One uniform from the cheapest counter-based draw that passes the streams' statistical tests
 * (rng_hash_uniform_at, two splitmix64 finalisers: tests/model/test_rng.c) and one pass over the
 * bytes a tick must touch for every threat: the draw's counter (uid), what decides the detection
 * probability and the movement (type, path, position, region, at-target, victim, severity), what
 * is known of the threat (known, intel, crossed) and the per-threat flag: 58 bytes. The design
 * floor's other four arrays (serial, departure, engaged, told: 28 bytes) are read by the model
 * only at events (compaction, arrival, engagement, delivery), so a next-event design need not
 * stream them every tick. */
struct problem_pool {
    size_t count;
    uint64_t *uid;
    int32_t *type, *path, *pos, *region, *at_target, *victim;
    double *severity;
    uint64_t *known, *intel;
    uint8_t *crossed, *flag;
};

enum { PROBLEM_ARRAYS = 12 };

static void problem_pool_arrays(struct problem_pool *pool, void ***arrays, size_t *sizes) {
    void **list[PROBLEM_ARRAYS] = {
        (void **)&pool->uid,    (void **)&pool->type,     (void **)&pool->path,
        (void **)&pool->pos,    (void **)&pool->region,   (void **)&pool->at_target,
        (void **)&pool->victim, (void **)&pool->severity, (void **)&pool->known,
        (void **)&pool->intel,  (void **)&pool->crossed,  (void **)&pool->flag};
    size_t bytes[PROBLEM_ARRAYS] = {8, 4, 4, 4, 4, 4, 4, 8, 8, 8, 1, 1};
    memcpy(arrays, list, sizeof list);
    memcpy(sizes, bytes, sizeof bytes);
}

static void problem_pool_free(struct problem_pool *pool) {
    void **arrays[PROBLEM_ARRAYS];
    size_t sizes[PROBLEM_ARRAYS];
    problem_pool_arrays(pool, arrays, sizes);
    arrays_free(arrays, PROBLEM_ARRAYS);
}

static size_t problem_bytes_per_threat(void) {
    struct problem_pool pool;
    void **arrays[PROBLEM_ARRAYS];
    size_t sizes[PROBLEM_ARRAYS];
    problem_pool_arrays(&pool, arrays, sizes);
    return arrays_bytes(sizes, PROBLEM_ARRAYS);
}

static int problem_pool_alloc(struct problem_pool *pool, size_t count, int n_types, int n_regions) {
    void **arrays[PROBLEM_ARRAYS];
    size_t sizes[PROBLEM_ARRAYS];
    memset(pool, 0, sizeof *pool);
    pool->count = count;
    problem_pool_arrays(pool, arrays, sizes);
    if (arrays_calloc(arrays, sizes, PROBLEM_ARRAYS, count) != 0) return -1;
    for (size_t i = 0; i < count; i++) {
        pool->uid[i] = rng_mix(i);
        pool->type[i] = (int32_t)(i % (size_t)n_types);
        pool->path[i] = (int32_t)(i % 251);
        pool->region[i] = (int32_t)(pool->uid[i] % (uint64_t)n_regions);
        pool->victim[i] = pool->region[i] & 7;
        pool->severity[i] = 1.0;
    }
    return 0;
}

static struct timed_run problem_floor_run(struct problem_pool *pool, uint64_t key, int ticks,
                                          double probability, uint64_t *checksum) {
    double start = now_seconds(), cpu_start = cpu_seconds();
    uint64_t sum = 0;
    for (int tick = 0; tick < ticks; tick++) {
        for (size_t i = 0; i < pool->count; i++) {
            double u = rng_hash_uniform_at(key, pool->uid[i], (uint32_t)tick);
            uint8_t hit = u < probability * pool->severity[i];
            pool->flag[i] = hit;
            sum += (pool->known[i] ^ pool->intel[i]) +
                   (uint64_t)(pool->type[i] + pool->path[i] + pool->pos[i] + pool->region[i] +
                              pool->at_target[i] + pool->victim[i] + pool->crossed[i]) +
                   hit;
        }
    }
    *checksum += sum;
    return (struct timed_run){now_seconds() - start, cpu_seconds() - cpu_start,
                              (long long)pool->count * ticks, (long long)pool->count};
}

/* A JSON string: quotes and backslashes escaped, control characters dropped. */
static void print_json_string(const char *text) {
    putchar('"');
    for (const char *c = text; *c; c++) {
        if (*c == '"' || *c == '\\') putchar('\\');
        if ((unsigned char)*c >= 0x20) putchar(*c);
    }
    putchar('"');
}

/* Single-thread read bandwidth from main memory: the best of a few passes summing an array far
 * larger than any cache. Streaming a pool of B bytes per threat cannot beat B / bandwidth per
 * threat-tick once the pool no longer fits in cache. Prints a JSON object; returns 0 or 1. */
static int measure_bandwidth(void) {
    size_t count = (size_t)32 << 20; /* 256 MiB of uint64 */
    uint64_t *array = malloc(count * sizeof *array);
    if (!array) {
        fprintf(stderr, "c5bench: out of memory for the bandwidth array\n");
        return 1;
    }
    for (size_t i = 0; i < count; i++) array[i] = i;
    double best = 0;
    uint64_t sum = 0;
    for (int pass = 0; pass < 4; pass++) {
        double start = now_seconds();
        for (size_t i = 0; i < count; i++) sum += array[i];
        double seconds = now_seconds() - start;
        if (pass == 0 || seconds < best) best = seconds;
    }
    printf("{\"array_bytes\": %zu, \"read_bytes_per_s\": %.6g, \"checksum\": %" PRIu64 "}\n",
           count * sizeof *array, (double)(count * sizeof *array) / best, sum);
    free(array);
    return 0;
}

static void usage(FILE *stream) {
    fprintf(stream,
            "usage: c5bench SCENARIO [--ticks T] [--threads N] [--repeats K] [--no-floor]\n"
            "       c5bench --bandwidth   (single-thread memory read bandwidth)\n"
            "Runs replicate 0 untimed (warm-up: pools grow, pages fault in), then times K more\n"
            "replicates of sim_run and, single-threaded, the floor loop on a pool of the mean\n"
            "active size; prints one JSON object on stdout.\n");
}

static int parse_int(const char *text, int low, int high, int *out) {
    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno || end == text || *end || value < low || value > high) return -1;
    *out = (int)value;
    return 0;
}

static int parse_options(int argc, char **argv, struct bench_options *options) {
    *options = (struct bench_options){NULL, 0, 1, 3, 1};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int *target = NULL, low = 1, high = 1;
        if (strcmp(arg, "--ticks") == 0) {
            target = &options->ticks, high = 100000;
        } else if (strcmp(arg, "--threads") == 0) {
            target = &options->threads, high = 1024;
        } else if (strcmp(arg, "--repeats") == 0) {
            target = &options->repeats, high = MAX_REPEATS;
        } else if (strcmp(arg, "--no-floor") == 0) {
            options->floor = 0;
            continue;
        } else if (strcmp(arg, "--bandwidth") == 0) {
            exit(measure_bandwidth());
        } else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            usage(stdout);
            exit(0);
        } else if (arg[0] == '-') {
            fprintf(stderr, "c5bench: unknown option %s\n", arg);
            return -1;
        } else if (!options->scenario_path) {
            options->scenario_path = arg;
            continue;
        } else {
            fprintf(stderr, "c5bench: one scenario only\n");
            return -1;
        }
        if (i + 1 >= argc || parse_int(argv[i + 1], low, high, target) != 0) {
            fprintf(stderr, "c5bench: %s needs an integer in %d..%d\n", arg, low, high);
            return -1;
        }
        i++;
    }
    if (!options->scenario_path) {
        usage(stderr);
        return -1;
    }
    return 0;
}

/* Load, override run.ticks when asked, and compile; NULL after printing the errors. */
static struct world *load_world(const struct bench_options *options) {
    struct scenario_errors errors = {0};
    struct scenario *scenario = scenario_load_file(options->scenario_path, &errors);
    if (scenario && options->ticks > 0) {
        char text[64];
        struct scenario_override override = {0};
        snprintf(text, sizeof text, "run.ticks=%d", options->ticks);
        if (scenario_override_parse(text, "c5bench", &override, &errors) == 0) {
            struct scenario *changed = scenario_with_overrides(scenario, &override, 1, &errors);
            scenario_override_free(&override);
            scenario_free(scenario);
            scenario = changed;
        } else {
            scenario_free(scenario);
            scenario = NULL;
        }
    }
    struct world *world = scenario ? scenario_compile(scenario, 0, &errors) : NULL;
    scenario_free(scenario);
    if (!world) scenario_errors_print(&errors, stderr);
    scenario_errors_clear(&errors);
    return world;
}

static void print_runs(const char *name, const struct timed_run *runs, int count) {
    printf("  \"%s\": [", name);
    for (int r = 0; r < count; r++) {
        printf("%s\n    {\"seconds\": %.9g, \"cpu_seconds\": %.9g, \"threat_ticks\": %lld, "
               "\"peak_active\": %lld}",
               r ? "," : "", runs[r].seconds, runs[r].cpu_seconds, runs[r].threat_ticks,
               runs[r].peak_active);
    }
    printf("\n  ]");
}

int main(int argc, char **argv) {
    omp_wait_default(argv); /* as c5sim: passive OpenMP waiting unless OMP_WAIT_POLICY says */
    struct bench_options options;
    if (parse_options(argc, argv, &options) != 0) return 2;
    struct world *world = load_world(&options);
    if (!world) return 2;
    omp_set_num_threads(options.threads);

    char err[512] = "";
    struct sim_options sim_options = {0};
    sim_options.threads = options.threads;
    long long rss_before = status_bytes("VmRSS:");
    struct sim_workspace *workspace = sim_alloc(world, &sim_options, err, sizeof err);
    struct sim_result *result = workspace ? sim_result_alloc(world, &sim_options) : NULL;
    if (!workspace || !result) {
        fprintf(stderr, "c5bench: %s\n", err[0] ? err : "out of memory");
        sim_free(workspace);
        world_free(world);
        return 1;
    }

    struct timed_run engine[MAX_REPEATS + 1];
    int status = 0;
    /* Run 0 is the warm-up; runs 1..repeats are timed, each a different replicate. */
    for (int r = 0; r <= options.repeats && status == 0; r++) {
        sim_result_clear(result);
        double start = now_seconds(), cpu_start = cpu_seconds();
        status = sim_run(workspace, world, r, result, err, sizeof err);
        engine[r] = (struct timed_run){now_seconds() - start, cpu_seconds() - cpu_start,
                                       result->threat_ticks, result->peak_active};
    }
    if (status != 0) {
        fprintf(stderr, "c5bench: sim_run: %s\n", err);
        sim_result_free(result);
        sim_free(workspace);
        world_free(world);
        return 1;
    }
    long long rss_after = status_bytes("VmRSS:");
    long long peak_after_engine = status_bytes("VmHWM:");
    long long peak_active = 0, threat_ticks = 0;
    for (int r = 1; r <= options.repeats; r++) {
        if (engine[r].peak_active > peak_active) peak_active = engine[r].peak_active;
        threat_ticks += engine[r].threat_ticks;
    }
    /* The floor gets the engine's mean pool size over the whole run, for as many ticks, so it
     * does as many threat-ticks as one engine run on average. */
    size_t mean_active = (size_t)(threat_ticks / options.repeats / world->ticks);
    if (mean_active < 1) mean_active = 1;

    struct timed_run floor_runs[MAX_REPEATS], problem_runs[MAX_REPEATS];
    uint64_t checksum = 0;
    int floor_done = 0;
    if (options.floor) {
        struct floor_pool pool;
        if (floor_pool_alloc(&pool, mean_active, world->n_types, world->n_regions) != 0) {
            fprintf(stderr, "c5bench: out of memory for the floor pool\n");
            status = 1;
        } else {
            uint64_t key = rng_key(world->seed, 0, RNG_DETECT);
            floor_run(&pool, key, world->ticks < 10 ? world->ticks : 10, 0.001, &checksum);
            for (int r = 0; r < options.repeats; r++) {
                key = rng_key(world->seed, (uint64_t)r + 1, RNG_DETECT);
                floor_runs[r] = floor_run(&pool, key, world->ticks, 0.001, &checksum);
            }
            floor_pool_free(&pool);
        }
        struct problem_pool problem;
        if (status == 0 &&
            problem_pool_alloc(&problem, mean_active, world->n_types, world->n_regions) != 0) {
            fprintf(stderr, "c5bench: out of memory for the problem floor's pool\n");
            status = 1;
        } else if (status == 0) {
            uint64_t key = rng_key(world->seed, 0, RNG_DETECT);
            problem_floor_run(&problem, key, world->ticks < 10 ? world->ticks : 10, 0.001,
                              &checksum);
            for (int r = 0; r < options.repeats; r++) {
                key = rng_key(world->seed, (uint64_t)r + 1, RNG_DETECT);
                problem_runs[r] = problem_floor_run(&problem, key, world->ticks, 0.001, &checksum);
            }
            problem_pool_free(&problem);
            floor_done = 1;
        }
    }

    printf("{\n  \"scenario\": ");
    print_json_string(options.scenario_path);
    printf(",\n");
    printf("  \"ticks\": %d, \"threads\": %d, \"repeats\": %d,\n", world->ticks, options.threads,
           options.repeats);
    printf("  \"omp_wait_policy\": ");
    print_json_string(getenv("OMP_WAIT_POLICY") ? getenv("OMP_WAIT_POLICY") : "");
    printf(", \"omp_wait\": ");
    print_json_string(omp_wait_describe());
    printf(",\n");
    printf("  \"states\": %d, \"regions\": %d, \"routes\": %d, \"threat_types\": %d,\n",
           world->n_states, world->n_regions, world->n_routes, world->n_types);
    print_runs("warmup", engine, 1);
    printf(",\n");
    print_runs("engine", engine + 1, options.repeats);
    printf(",\n");
    if (floor_done) {
        printf("  \"floor_active\": %zu,\n  \"floor_bytes_per_threat\": %zu,\n"
               "  \"floor_checksum\": %" PRIu64 ",\n",
               mean_active, floor_bytes_per_threat(), checksum);
        print_runs("floor", floor_runs, options.repeats);
        printf(",\n  \"problem_floor_bytes_per_threat\": %zu,\n", problem_bytes_per_threat());
        print_runs("problem_floor", problem_runs, options.repeats);
        printf(",\n");
    }
    printf("  \"memory\": {\"rss_before_alloc_bytes\": %lld, \"rss_after_runs_bytes\": %lld, "
           "\"peak_rss_bytes\": %lld, \"peak_active\": %lld}\n}\n",
           rss_before, rss_after, peak_after_engine, peak_active);

    sim_result_free(result);
    sim_free(workspace);
    world_free(world);
    return status;
}
