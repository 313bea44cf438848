/* h5out.c — the writer's life cycle (create .partial, finish by atomic rename), provenance, the
 * generic datasets and attributes that the commands add, and the shared HDF5 helpers. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "c5sim_config.h"
#include "h5out_internal.h"
#include "sha256.h"

/* ---- errors ------------------------------------------------------------------------------- */

/* The innermost entry of HDF5's error stack says what really failed (e.g. the write(2) errno);
 * the outer ones only name the API call. A failed write's entry is long (time, buffer address):
 * keep its "error message = '...'" part, which is the operating system's reason. */
static herr_t h5out_innermost_error(unsigned depth, const H5E_error2_t *entry, void *data) {
    enum { REASON_SIZE = sizeof((struct h5out *)0)->reason };
    if (depth != 0 || !entry->desc) return 0;
    const char *system_reason = strstr(entry->desc, "error message = '");
    if (system_reason) {
        system_reason += strlen("error message = '");
        int length = (int)strcspn(system_reason, "'");
        snprintf(data, REASON_SIZE, "%.*s", length, system_reason);
    } else {
        snprintf(data, REASON_SIZE, "%s", entry->desc);
    }
    return 0;
}

void h5out_note_reason(struct h5out *out) {
    if (!out->reason[0]) H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, h5out_innermost_error, out->reason);
}

static void h5out_vfail(struct h5out *out, const char *format, va_list args) {
    h5out_note_reason(out);
    int used = vsnprintf(out->error, sizeof out->error, format, args);
    if (out->reason[0] && used >= 0 && (size_t)used < sizeof out->error)
        snprintf(out->error + used, sizeof out->error - (size_t)used, " (HDF5: %s)", out->reason);
    out->reason[0] = '\0';
    H5Eclear2(H5E_DEFAULT);
}

int h5out_fail(struct h5out *out, const char *format, ...) {
    va_list args;
    va_start(args, format);
    h5out_vfail(out, format, args);
    va_end(args);
    return -1;
}

int h5out_io_fail(struct h5out *out, const char *format, ...) {
    if (out->broken) return -1; /* keep the first failure's message: it says what went wrong */
    va_list args;
    va_start(args, format);
    h5out_vfail(out, format, args);
    va_end(args);
    out->broken = 1;
    return -1;
}

int h5out_check_usable(struct h5out *out) {
    return out->broken ? -1 : 0;
}

const char *h5out_error(const struct h5out *out) {
    return out ? out->error : "no writer";
}

const char *h5out_partial_path(const struct h5out *out) {
    return out->partial_path;
}

const char *h5out_final_path(const struct h5out *out) {
    return out->final_path;
}

/* ---- property lists and attributes --------------------------------------------------------- */

hid_t h5out_group_plist(void) {
    hid_t plist = H5Pcreate(H5P_GROUP_CREATE);
    if (plist >= 0) H5Pset_obj_track_times(plist, 0);
    return plist;
}

hid_t h5out_dataset_plist(int rank, const hsize_t *chunk, enum h5out_filter filter) {
    hid_t plist = H5Pcreate(H5P_DATASET_CREATE);
    if (plist < 0) return plist;
    H5Pset_obj_track_times(plist, 0);
    if (chunk) {
        if (H5Pset_chunk(plist, rank, chunk) < 0) {
            H5Pclose(plist);
            return H5I_INVALID_HID;
        }
        /* Shuffle groups the bytes of equal significance: counts are small integers whose high
         * bytes are all zero, which deflate then squeezes well. On the model's doubles shuffle
         * made deflate worse (figures in the doc), so they get deflate alone. */
        if (filter == H5OUT_FILTER_SHUFFLE_DEFLATE) H5Pset_shuffle(plist);
        if (filter != H5OUT_FILTER_NONE) H5Pset_deflate(plist, H5OUT_DEFLATE_LEVEL);
    }
    return plist;
}

hid_t h5out_fixed_string(size_t size) {
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, size ? size : 1);
    H5Tset_strpad(type, H5T_STR_NULLPAD);
    H5Tset_cset(type, H5T_CSET_UTF8);
    return type;
}

static hid_t h5out_variable_string(void) {
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    return type;
}

/* Create (replacing any previous one) attribute `name` of `type` and `space` with `data`. */
static int h5out_attr_write(hid_t object, const char *name, hid_t file_type, hid_t memory_type,
                            hid_t space, const void *data) {
    if (H5Aexists(object, name) > 0 && H5Adelete(object, name) < 0) return -1;
    hid_t attr = H5Acreate2(object, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr < 0) return -1;
    herr_t status = H5Awrite(attr, memory_type, data);
    H5Aclose(attr);
    return status < 0 ? -1 : 0;
}

int h5out_attr_string_id(hid_t object, const char *name, const char *value) {
    hid_t type = h5out_variable_string();
    hid_t space = H5Screate(H5S_SCALAR);
    const char *text = value ? value : "";
    int status = h5out_attr_write(object, name, type, type, space, &text);
    H5Sclose(space);
    H5Tclose(type);
    return status;
}

int h5out_attr_strings_id(hid_t object, const char *name, int count, const char *const *values) {
    hid_t type = h5out_variable_string();
    hsize_t dims[1] = {(hsize_t)count};
    hid_t space = H5Screate_simple(1, dims, NULL);
    const char **texts = calloc((size_t)(count > 0 ? count : 1), sizeof *texts);
    int status = -1;
    if (texts) {
        for (int i = 0; i < count; i++) texts[i] = values[i] ? values[i] : "";
        status = h5out_attr_write(object, name, type, type, space, texts);
        free(texts);
    }
    H5Sclose(space);
    H5Tclose(type);
    return status;
}

int h5out_attr_int_id(hid_t object, const char *name, long long value) {
    hid_t space = H5Screate(H5S_SCALAR);
    int status = h5out_attr_write(object, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, space, &value);
    H5Sclose(space);
    return status;
}

int h5out_attr_double_id(hid_t object, const char *name, double value) {
    hid_t space = H5Screate(H5S_SCALAR);
    int status = h5out_attr_write(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, space, &value);
    H5Sclose(space);
    return status;
}

static int h5out_attr_uint64_id(hid_t object, const char *name, uint64_t value) {
    hid_t space = H5Screate(H5S_SCALAR);
    int status = h5out_attr_write(object, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, space, &value);
    H5Sclose(space);
    return status;
}

int h5out_describe(hid_t dataset, const char *unit, const char *description, const char *dims) {
    if (h5out_attr_string_id(dataset, "unit", unit) < 0) return -1;
    if (h5out_attr_string_id(dataset, "description", description) < 0) return -1;
    return h5out_attr_string_id(dataset, "dims", dims);
}

hid_t h5out_file_access_plist(void) {
    hid_t plist = H5Pcreate(H5P_FILE_ACCESS);
    /* Closing the file closes every object still open in it, so an abort never leaks ids. */
    H5Pset_fclose_degree(plist, H5F_CLOSE_STRONG);
    /* No raw-data chunk cache: every H5Dwrite reaches the file at once. HDF5 1.10's cache, when
     * a deferred chunk write fails (disk full), later reads freed memory and crashes; without it
     * a failure surfaces in the call that caused it, and nothing is left dirty to flush. */
    H5Pset_cache(plist, 0, 0, 0, 0.75);
    return plist;
}

/* ---- create ------------------------------------------------------------------------------- */

const char *h5out_file_kind(unsigned mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISLNK(mode)) return "a symbolic link";
    return "not a regular file";
}

/* Check that `path` can become the output: not a directory, not an existing file unless force,
 * in a directory that exists and can be written. Messages name the path and what to do. */
static int h5out_check_destination(const char *path, int force, char *err, size_t errlen) {
    struct stat info;
    if (stat(path, &info) == 0) {
        if (S_ISDIR(info.st_mode)) {
            snprintf(err, errlen, "%s is a directory; give a file name such as %s/out.h5", path,
                     path);
            return -1;
        }
        /* A device, FIFO or socket is never replaced, --force or not: the rename at the end
         * would put a regular file in its place (as root, over /dev/null). */
        if (!S_ISREG(info.st_mode)) {
            snprintf(err, errlen, "%s is %s, not a regular file; refusing to replace it", path,
                     h5out_file_kind(info.st_mode));
            return -1;
        }
        if (!force) {
            snprintf(err, errlen, "%s exists; pass --force to overwrite it", path);
            return -1;
        }
    }
    char copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", path);
    const char *directory = dirname(copy);
    if (stat(directory, &info) != 0) {
        snprintf(err, errlen, "cannot write %s: directory %s: %s", path, directory,
                 strerror(errno));
        return -1;
    }
    if (!S_ISDIR(info.st_mode)) {
        snprintf(err, errlen, "cannot write %s: %s is not a directory", path, directory);
        return -1;
    }
    if (access(directory, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "cannot write %s: directory %s is not writable: %s", path, directory,
                 strerror(errno));
        return -1;
    }
    return 0;
}

static void h5out_iso8601_now(char *text, size_t size) {
    time_t now = time(NULL);
    struct tm utc;
    gmtime_r(&now, &utc);
    strftime(text, size, "%Y-%m-%dT%H:%M:%SZ", &utc);
}

/* Root attributes and /scenario (the scenario text byte for byte, its hash and file name). */
static int h5out_write_provenance(struct h5out *out, const struct h5out_provenance *provenance) {
    hid_t root = H5Gopen2(out->file, "/", H5P_DEFAULT);
    if (root < 0) return h5out_fail(out, "cannot open the root group of %s", out->partial_path);
    char created[32];
    h5out_iso8601_now(created, sizeof created);
    int status = 0;
    status |= h5out_attr_string_id(root, "format", "c5sim");
    status |= h5out_attr_int_id(root, "format_version", H5OUT_FORMAT_VERSION);
    status |= h5out_attr_string_id(root, "c5sim_version", C5SIM_VERSION);
    status |= h5out_attr_string_id(root, "created", created);
    status |= h5out_attr_string_id(root, "command", provenance->command);
    status |= h5out_attr_string_id(root, "command_line", provenance->command_line);
    status |= h5out_attr_uint64_id(root, "seed", provenance->seed);
    status |= h5out_attr_int_id(root, "replicates", provenance->replicates);
    status |= h5out_attr_int_id(root, "ticks", provenance->ticks);
    status |= h5out_attr_int_id(root, "complete", 0);
    H5Gclose(root);
    if (status) return h5out_fail(out, "cannot write the root attributes of %s", out->partial_path);

    hid_t plist = h5out_group_plist();
    hid_t scenario = H5Gcreate2(out->file, "/scenario", H5P_DEFAULT, plist, H5P_DEFAULT);
    H5Pclose(plist);
    if (scenario < 0) return h5out_fail(out, "cannot create /scenario in %s", out->partial_path);
    const char *source = provenance->scenario_source ? provenance->scenario_source : "";
    size_t length = provenance->scenario_source ? provenance->scenario_length : 0;
    char hash[SHA256_HEX_CHARS];
    sha256_hex(source, length, hash);
    status |= h5out_attr_string_id(scenario, "sha256", hash);
    status |= h5out_attr_string_id(scenario, "filename", provenance->scenario_filename);

    /* One fixed-length string exactly as long as the file, NUL-padded: h5py's [()] gives the
     * bytes back unchanged (newlines, UTF-8 and all); an empty file is stored as one NUL byte,
     * which numpy strips to b"". */
    hid_t type = h5out_fixed_string(length);
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t dplist = h5out_dataset_plist(0, NULL, H5OUT_FILTER_NONE);
    hid_t dataset = H5Dcreate2(scenario, "source", type, space, H5P_DEFAULT, dplist, H5P_DEFAULT);
    if (dataset >= 0) {
        char empty[1] = {0};
        status |=
            H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, length ? source : empty) < 0;
        status |= h5out_describe(dataset, "-", "the scenario file's text, byte for byte", "");
        status |= h5out_attr_int_id(dataset, "length", (long long)length);
        H5Dclose(dataset);
    } else {
        status = -1;
    }
    H5Pclose(dplist);
    H5Sclose(space);
    H5Tclose(type);
    H5Gclose(scenario);
    if (status) return h5out_fail(out, "cannot write /scenario in %s", out->partial_path);
    return 0;
}

struct h5out *h5out_create(const char *path, int force, const struct h5out_provenance *provenance,
                           char *err, size_t errlen) {
    /* No library clean-up at exit: after a failed write (disk full) HDF5 1.10 crashes when it
     * closes the damaged file at exit; the writer abandons such a file instead (see broken).
     * Effective only if this is the process's first HDF5 call, which it is in c5sim. */
    H5dont_atexit();
    /* Library code reports, never prints: silence HDF5's own stack dumps for the process. */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (!path || !*path) {
        snprintf(err, errlen, "no output file given");
        return NULL;
    }
    if (strlen(path) + sizeof ".partial" > PATH_MAX) {
        snprintf(err, errlen, "output path too long: %s", path);
        return NULL;
    }
    if (!provenance) {
        snprintf(err, errlen, "no provenance given for %s", path);
        return NULL;
    }
    if (h5out_check_destination(path, force, err, errlen) < 0) return NULL;

    struct h5out *out = calloc(1, sizeof *out);
    if (!out) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(out->final_path, sizeof out->final_path, "%s", path);
    snprintf(out->partial_path, sizeof out->partial_path, "%s.partial", path);
    out->replicates = provenance->replicates;
    out->ticks = provenance->ticks;

    struct stat info;
    if (stat(out->partial_path, &info) == 0) {
        if (!force) {
            snprintf(err, errlen,
                     "%s exists: an interrupted run left it; continue it with --resume or "
                     "start again with --force",
                     out->partial_path);
            free(out);
            return NULL;
        }
        if (!S_ISREG(info.st_mode)) {
            snprintf(err, errlen, "%s is %s, not a regular file; refusing to remove it",
                     out->partial_path, h5out_file_kind(info.st_mode));
            free(out);
            return NULL;
        }
        if (unlink(out->partial_path) != 0) {
            snprintf(err, errlen, "cannot remove the stale %s: %s", out->partial_path,
                     strerror(errno));
            free(out);
            return NULL;
        }
    }

    hid_t create_plist = H5Pcreate(H5P_FILE_CREATE);
    H5Pset_obj_track_times(create_plist, 0);
    hid_t access_plist = h5out_file_access_plist();
    errno = 0;
    out->file = H5Fcreate(out->partial_path, H5F_ACC_EXCL, create_plist, access_plist);
    int saved_errno = errno;
    H5Pclose(create_plist);
    H5Pclose(access_plist);
    if (out->file < 0) {
        snprintf(err, errlen, "cannot create %s: %s", out->partial_path,
                 saved_errno ? strerror(saved_errno) : "HDF5 refused to create it");
        H5Eclear2(H5E_DEFAULT);
        free(out);
        return NULL;
    }
    if (h5out_write_provenance(out, provenance) < 0) {
        snprintf(err, errlen, "%s", out->error);
        H5Fclose(out->file);
        unlink(out->partial_path);
        free(out);
        return NULL;
    }
    return out;
}

/* ---- generic datasets and attributes -------------------------------------------------------- */

/* A dataset that exists is an error, except when resuming: the summaries of an interrupted
 * run are recomputed from all replicates and replace the old ones. */
static int h5out_replace_on_resume(struct h5out *out, const char *path) {
    if (H5Lexists(out->file, path, H5P_DEFAULT) <= 0) return 0;
    if (!out->resumed) return h5out_fail(out, "%s is already written", path);
    if (H5Ldelete(out->file, path, H5P_DEFAULT) < 0)
        return h5out_io_fail(out, "cannot replace %s", path);
    return 0;
}

/* Create every missing group above `path` (an absolute dataset path), without timestamps. */
static int h5out_make_parents(struct h5out *out, const char *path) {
    char prefix[PATH_MAX];
    size_t length = strlen(path);
    if (path[0] != '/' || length >= sizeof prefix)
        return h5out_fail(out, "dataset path must be absolute and short: %s", path);
    for (size_t i = 1; i < length; i++) {
        if (path[i] != '/') continue;
        memcpy(prefix, path, i);
        prefix[i] = '\0';
        htri_t exists = H5Lexists(out->file, prefix, H5P_DEFAULT);
        if (exists > 0) continue;
        hid_t plist = h5out_group_plist();
        hid_t group = H5Gcreate2(out->file, prefix, H5P_DEFAULT, plist, H5P_DEFAULT);
        H5Pclose(plist);
        if (group < 0) return h5out_fail(out, "cannot create group %s", prefix);
        H5Gclose(group);
    }
    return 0;
}

int h5out_write_doubles(struct h5out *out, const char *path, int rank, const size_t *shape,
                        const double *data, const char *unit, const char *description,
                        const char *dims) {
    if (h5out_check_usable(out) < 0) return -1;
    if (rank < 0 || rank > H5S_MAX_RANK) return h5out_fail(out, "bad rank %d for %s", rank, path);
    if (h5out_make_parents(out, path) < 0) return -1;
    if (h5out_replace_on_resume(out, path) < 0) return -1;
    hsize_t dims_h5[H5S_MAX_RANK];
    for (int i = 0; i < rank; i++) dims_h5[i] = shape[i];
    hid_t space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims_h5, NULL);
    hid_t plist = h5out_dataset_plist(rank, NULL, H5OUT_FILTER_NONE);
    hid_t dataset =
        H5Dcreate2(out->file, path, H5T_IEEE_F64LE, space, H5P_DEFAULT, plist, H5P_DEFAULT);
    H5Pclose(plist);
    int status = dataset < 0 ? -1 : 0;
    if (dataset >= 0) {
        if (H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0 ||
            h5out_describe(dataset, unit, description, dims) < 0) {
            h5out_note_reason(out);
            status = -1;
        }
        H5Dclose(dataset);
    }
    H5Sclose(space);
    return status < 0 ? h5out_io_fail(out, "cannot write %s", path) : 0;
}

int h5out_write_strings(struct h5out *out, const char *path, int count, const char *const *values,
                        const char *description) {
    if (h5out_check_usable(out) < 0) return -1;
    if (count < 0) return h5out_fail(out, "bad count %d for %s", count, path);
    if (h5out_make_parents(out, path) < 0) return -1;
    if (h5out_replace_on_resume(out, path) < 0) return -1;
    const char **texts = calloc((size_t)count + 1, sizeof *texts);
    if (!texts) return h5out_fail(out, "out of memory writing %s", path);
    for (int i = 0; i < count; i++) texts[i] = values[i] ? values[i] : "";
    hid_t type = h5out_variable_string();
    hsize_t dims[1] = {(hsize_t)count};
    hid_t space = H5Screate_simple(1, dims, NULL);
    hid_t plist = h5out_dataset_plist(1, NULL, H5OUT_FILTER_NONE);
    hid_t dataset = H5Dcreate2(out->file, path, type, space, H5P_DEFAULT, plist, H5P_DEFAULT);
    H5Pclose(plist);
    int status = dataset < 0 ? -1 : 0;
    if (dataset >= 0) {
        const char *name = strrchr(path, '/') + 1;
        if ((count > 0 && H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, texts) < 0) ||
            h5out_describe(dataset, "-", description, name) < 0) {
            h5out_note_reason(out);
            status = -1;
        }
        H5Dclose(dataset);
    }
    H5Sclose(space);
    H5Tclose(type);
    free(texts);
    return status < 0 ? h5out_io_fail(out, "cannot write %s", path) : 0;
}

/* Open a group or dataset by path for an attribute; -1 with a message if it does not exist. */
static hid_t h5out_open_object(struct h5out *out, const char *object) {
    if (h5out_check_usable(out) < 0) return H5I_INVALID_HID;
    if (!object || (strcmp(object, "/") != 0 && H5Lexists(out->file, object, H5P_DEFAULT) <= 0)) {
        h5out_fail(out, "no object %s to attach an attribute to", object ? object : "(null)");
        return H5I_INVALID_HID;
    }
    hid_t id = H5Oopen(out->file, object, H5P_DEFAULT);
    if (id < 0) h5out_fail(out, "cannot open %s", object);
    return id;
}

int h5out_set_attr_string(struct h5out *out, const char *object, const char *name,
                          const char *value) {
    hid_t id = h5out_open_object(out, object);
    if (id < 0) return -1;
    int status = h5out_attr_string_id(id, name, value);
    H5Oclose(id);
    return status < 0 ? h5out_io_fail(out, "cannot set %s on %s", name, object) : 0;
}

int h5out_set_attr_int(struct h5out *out, const char *object, const char *name, long long value) {
    hid_t id = h5out_open_object(out, object);
    if (id < 0) return -1;
    int status = h5out_attr_int_id(id, name, value);
    H5Oclose(id);
    return status < 0 ? h5out_io_fail(out, "cannot set %s on %s", name, object) : 0;
}

int h5out_set_attr_double(struct h5out *out, const char *object, const char *name, double value) {
    hid_t id = h5out_open_object(out, object);
    if (id < 0) return -1;
    int status = h5out_attr_double_id(id, name, value);
    H5Oclose(id);
    return status < 0 ? h5out_io_fail(out, "cannot set %s on %s", name, object) : 0;
}

/* ---- flush, finish, abort ------------------------------------------------------------------ */

int h5out_flush(struct h5out *out) {
    if (h5out_check_usable(out) < 0) return -1;
    for (int v = 0; v < out->n_variants; v++)
        if (out->variants[v].begun && h5out_rows_write_pending(out, &out->variants[v]) < 0)
            return -1;
    if (H5Fflush(out->file, H5F_SCOPE_GLOBAL) < 0)
        return h5out_io_fail(out, "cannot flush %s", out->partial_path);
    /* The checkpoint: what the journal holds now survives a power loss as well as a kill. */
    return h5out_journal_sync(out);
}

/* Close every variant's open objects (unless the file is broken: closing may flush) and free
 * the writer's memory for them. */
static void h5out_close_variants(struct h5out *out) {
    for (int v = 0; v < out->n_variants; v++) {
        struct h5out_variant *variant = &out->variants[v];
        if (!variant->begun) continue;
        h5out_variant_release(variant, !out->broken);
        if (!out->broken) {
            if (variant->events >= 0) H5Dclose(variant->events);
            H5Gclose(variant->group);
        }
        free(variant->written);
        h5out_rows_free(variant);
    }
    free(out->variants);
    out->variants = NULL;
    out->n_variants = 0;
}

/* Every begun variant must have all of its replicates before the file may say complete. */
static int h5out_check_all_written(struct h5out *out) {
    for (int v = 0; v < out->n_variants; v++) {
        const struct h5out_variant *variant = &out->variants[v];
        if (!variant->begun) continue;
        for (int r = 0; r < variant->replicates; r++)
            if (!variant->written[r])
                return h5out_fail(out, "variant %d replicate %d was never written", v, r);
    }
    return 0;
}

/* Push the closed file's bytes to the disk, so the rename never exposes a file still in cache. */
static int h5out_sync_file(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    int status = fsync(fd);
    close(fd);
    return status;
}

int h5out_finish(struct h5out *out, char *err, size_t errlen) {
    int status = 0;
    if (out->broken || h5out_check_all_written(out) < 0 || h5out_flush(out) < 0) {
        snprintf(err, errlen, "%s; %s is left incomplete", out->error, out->partial_path);
        h5out_abort(out);
        return -1;
    }
    h5out_close_variants(out);
    hid_t root = H5Gopen2(out->file, "/", H5P_DEFAULT);
    if (root < 0 || h5out_attr_int_id(root, "complete", 1) < 0) status = -1;
    if (root >= 0) H5Gclose(root);
    if (status == 0 && H5Fclose(out->file) < 0) status = -2;
    if (status == -1) {
        h5out_fail(out, "cannot mark %s complete", out->partial_path);
        H5Fclose(out->file);
    }
    if (status == -2) {
        /* The close failed after `complete` was set: the .partial may claim completeness while
         * damaged, so it must not survive to be resumed or mistaken for a result. */
        h5out_fail(out, "cannot close %s (disk full?); the damaged file was removed",
                   out->partial_path);
        unlink(out->partial_path);
    }
    if (status == 0 && h5out_sync_file(out->partial_path) < 0) {
        snprintf(out->error, sizeof out->error, "cannot sync %s: %s", out->partial_path,
                 strerror(errno));
        status = -1;
    }
    if (status == 0 && rename(out->partial_path, out->final_path) != 0) {
        snprintf(out->error, sizeof out->error, "cannot rename %s to %s: %s", out->partial_path,
                 out->final_path, strerror(errno));
        status = -1;
    }
    if (status < 0) snprintf(err, errlen, "%s", out->error);
    /* Complete under its final name: the journal has done its job (a crash before this line
     * leaves a journal beside OUT.h5, which --force removes). */
    h5out_journal_close(out, status == 0);
    free(out);
    return status < 0 ? -1 : 0;
}

void h5out_abort(struct h5out *out) {
    if (!out) return;
    /* Keep what has arrived, so that --resume need not redo it (best effort). */
    if (!out->broken) h5out_flush(out);
    h5out_close_variants(out);
    /* A broken file is abandoned open: HDF5 1.10 may crash closing it, and the .partial on disk
     * (complete = 0) is all that matters. The descriptor goes when the process ends. */
    if (!out->broken) H5Fclose(out->file);
    H5Eclear2(H5E_DEFAULT);
    h5out_journal_close(out, 0); /* kept: --resume rebuilds from it */
    free(out);
}
