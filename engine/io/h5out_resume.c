/* h5out_resume.c — reopening an interrupted run's OUT.h5.partial to continue it (--resume), after
 * checking that it was made by the same command, scenario text, seed and sizes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "h5out_internal.h"
#include "sha256.h"

int h5out_read_attr_int(hid_t object, const char *name, long long *value) {
    if (H5Aexists(object, name) <= 0) return -1;
    hid_t attr = H5Aopen(object, name, H5P_DEFAULT);
    hid_t type = H5Aget_type(attr);
    int status =
        H5Tget_class(type) == H5T_INTEGER && H5Aread(attr, H5T_NATIVE_LLONG, value) >= 0 ? 0 : -1;
    H5Tclose(type);
    H5Aclose(attr);
    return status;
}

int h5out_read_attr_string(hid_t object, const char *name, char *value, size_t size) {
    if (H5Aexists(object, name) <= 0) return -1;
    hid_t attr = H5Aopen(object, name, H5P_DEFAULT);
    hid_t type = H5Aget_type(attr);
    int status = -1;
    if (H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) > 0) {
        char *text = NULL;
        if (H5Aread(attr, type, &text) >= 0 && text) {
            snprintf(value, size, "%s", text);
            status = 0;
        }
        H5free_memory(text);
    }
    H5Tclose(type);
    H5Aclose(attr);
    return status;
}

/* The .partial must come from the same command, scenario text, seed and sizes. */
static int check_same_run(struct h5out *out, const struct h5out_provenance *provenance) {
    hid_t root = H5Gopen2(out->file, "/", H5P_DEFAULT);
    char text[256] = "";
    long long format_version = -1, complete = -1, replicates = -1, ticks = -1;
    unsigned long long seed = 0;
    int readable = h5out_read_attr_string(root, "format", text, sizeof text) == 0 &&
                   strcmp(text, "c5sim") == 0 &&
                   h5out_read_attr_int(root, "format_version", &format_version) == 0 &&
                   h5out_read_attr_int(root, "complete", &complete) == 0 &&
                   h5out_read_attr_int(root, "replicates", &replicates) == 0 &&
                   h5out_read_attr_int(root, "ticks", &ticks) == 0;
    if (readable && H5Aexists(root, "seed") > 0) {
        hid_t attr = H5Aopen(root, "seed", H5P_DEFAULT);
        readable = H5Aread(attr, H5T_NATIVE_ULLONG, &seed) >= 0;
        H5Aclose(attr);
    }
    char command[64] = "";
    if (readable) h5out_read_attr_string(root, "command", command, sizeof command);
    H5Gclose(root);
    if (!readable) return h5out_fail(out, "%s is not a c5sim output file", out->partial_path);
    if (format_version != H5OUT_FORMAT_VERSION)
        return h5out_fail(out, "%s has format_version %lld; this c5sim writes %d",
                          out->partial_path, format_version, H5OUT_FORMAT_VERSION);
    if (complete != 0)
        return h5out_fail(out, "%s is already complete; rename it to %s", out->partial_path,
                          out->final_path);
    const char *wanted_command = provenance->command ? provenance->command : "";
    if (strcmp(command, wanted_command) != 0)
        return h5out_fail(out, "%s was written by `c5sim %s`, not `c5sim %s`", out->partial_path,
                          command, wanted_command);
    if (seed != provenance->seed)
        return h5out_fail(out, "%s was run with seed %llu, not %llu", out->partial_path, seed,
                          (unsigned long long)provenance->seed);
    if (replicates != provenance->replicates || ticks != provenance->ticks)
        return h5out_fail(out, "%s has %lld replicates of %lld ticks, not %d of %d",
                          out->partial_path, replicates, ticks, provenance->replicates,
                          provenance->ticks);

    hid_t scenario = H5Gopen2(out->file, "/scenario", H5P_DEFAULT);
    char stored_hash[SHA256_HEX_CHARS + 8] = "";
    int has_hash = scenario >= 0 &&
                   h5out_read_attr_string(scenario, "sha256", stored_hash, sizeof stored_hash) == 0;
    if (scenario >= 0) H5Gclose(scenario);
    char hash[SHA256_HEX_CHARS];
    const char *source = provenance->scenario_source ? provenance->scenario_source : "";
    sha256_hex(source, provenance->scenario_source ? provenance->scenario_length : 0, hash);
    if (!has_hash || strcmp(hash, stored_hash) != 0)
        return h5out_fail(out, "%s was run on another scenario text (sha256 %s, now %s)",
                          out->partial_path, has_hash ? stored_hash : "missing", hash);
    return 0;
}

struct h5out *h5out_resume(const char *path, const struct h5out_provenance *provenance, char *err,
                           size_t errlen) {
    H5dont_atexit(); /* see h5out_create() */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (!path || !*path || !provenance) {
        snprintf(err, errlen, "no file to resume");
        return NULL;
    }
    size_t length = strlen(path);
    static const char suffix[] = ".partial";
    size_t suffix_length = sizeof suffix - 1;
    if (length + sizeof suffix > PATH_MAX) {
        snprintf(err, errlen, "path too long: %s", path);
        return NULL;
    }
    struct h5out *out = calloc(1, sizeof *out);
    if (!out) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* Accept OUT.h5.partial (what the interrupted run printed) or OUT.h5. */
    if (length > suffix_length && strcmp(path + length - suffix_length, suffix) == 0) {
        snprintf(out->partial_path, sizeof out->partial_path, "%s", path);
        snprintf(out->final_path, sizeof out->final_path, "%.*s", (int)(length - suffix_length),
                 path);
    } else {
        snprintf(out->final_path, sizeof out->final_path, "%s", path);
        snprintf(out->partial_path, sizeof out->partial_path, "%s%s", path, suffix);
    }
    out->replicates = provenance->replicates;
    out->ticks = provenance->ticks;
    out->resumed = 1;
    struct stat info;
    if (stat(out->final_path, &info) == 0) {
        snprintf(err, errlen, "%s exists: that run is already complete", out->final_path);
        free(out);
        return NULL;
    }
    if (stat(out->partial_path, &info) != 0) {
        snprintf(err, errlen, "cannot resume %s: %s", out->partial_path, strerror(errno));
        free(out);
        return NULL;
    }
    if (!S_ISREG(info.st_mode)) {
        snprintf(err, errlen, "%s is %s, not a regular file", out->partial_path,
                 h5out_file_kind(info.st_mode));
        free(out);
        return NULL;
    }
    if (H5Fis_hdf5(out->partial_path) <= 0) {
        snprintf(err, errlen,
                 "%s is not a readable HDF5 file (a run killed before its first flush leaves "
                 "none): start again with --force",
                 out->partial_path);
        H5Eclear2(H5E_DEFAULT);
        free(out);
        return NULL;
    }
    hid_t access_plist = h5out_file_access_plist();
    out->file = H5Fopen(out->partial_path, H5F_ACC_RDWR, access_plist);
    H5Pclose(access_plist);
    if (out->file < 0) {
        snprintf(err, errlen, "cannot open %s for writing: start again with --force",
                 out->partial_path);
        H5Eclear2(H5E_DEFAULT);
        free(out);
        return NULL;
    }
    if (check_same_run(out, provenance) < 0) {
        snprintf(err, errlen, "%s", out->error);
        H5Fclose(out->file);
        free(out);
        return NULL;
    }
    /* Say in the file that it was continued, outside /variants (which must not differ). */
    hid_t root = H5Gopen2(out->file, "/", H5P_DEFAULT);
    long long resumed = 0;
    h5out_read_attr_int(root, "resumed", &resumed);
    int status = h5out_attr_int_id(root, "resumed", resumed + 1);
    H5Gclose(root);
    if (status < 0) {
        snprintf(err, errlen, "cannot write to %s", out->partial_path);
        H5Fclose(out->file);
        free(out);
        return NULL;
    }
    return out;
}
