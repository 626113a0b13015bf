/* whc_import_artifact: detects the format, runs its reader, writes the component. */
#include "importer.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/digest.h"
#include "import_internal.h"
#include "internal.h"

typedef enum artifact_format { FORMAT_DEB, FORMAT_APK, FORMAT_FILE, FORMAT_TREE } artifact_format;

static wh_status detect_format(const char *path, artifact_format *out, wh_error *err)
{
    struct stat st;
    int deb;
    if (stat(path, &st) != 0)
        return wh_error_set(err, errno == ENOENT ? WH_ERR_NOT_FOUND : WH_ERR_IO,
                            "cannot import %s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        *out = FORMAT_TREE;
    else if (!S_ISREG(st.st_mode))
        return wh_error_set(err, WH_ERR_INVALID,
                            "cannot import %s: it is neither a regular file nor a directory",
                            path);
    else if ((deb = whc_probe_deb(path)) > 0)
        *out = FORMAT_DEB;
    else if (deb < 0)
        return wh_error_set(err, WH_ERR_FORMAT,
                            "%s: truncated or corrupt ar archive: no member header after the "
                            "magic bytes", path);
    else if (whc_probe_apk(path))
        *out = FORMAT_APK;
    else
        *out = FORMAT_FILE;
    return WH_OK;
}

/* Checks that the options fit the format: name and version for files and trees only. */
static wh_status check_options(const char *path, artifact_format format,
                               const whc_import_options *options, wh_error *err)
{
    int is_package = format == FORMAT_DEB || format == FORMAT_APK;
    const char *what = format == FORMAT_DEB ? "a Debian package" : "an Alpine package";

    if (is_package && (options->name || options->version))
        return wh_error_set(err, WH_ERR_INVALID,
                            "%s is %s, which names itself; --name and --version apply only "
                            "to files and directories", path, what);
    if (options->dest && format != FORMAT_FILE)
        return wh_error_set(err, WH_ERR_INVALID,
                            "--dest applies only to a single file, and %s is %s", path,
                            format == FORMAT_TREE ? "a directory" : what);
    if (is_package)
        return WH_OK;

    const char *kind = format == FORMAT_TREE
                           ? "a directory"
                           : "not a Debian or Alpine package, so it is imported as a single file";
    if (options->name == NULL || options->name[0] == '\0')
        return wh_error_set(err, WH_ERR_INVALID,
                            "%s is %s: give the component a name with --name", path, kind);
    if (options->version == NULL || options->version[0] == '\0')
        return wh_error_set(err, WH_ERR_INVALID,
                            "%s is %s: give the component a version with --version", path,
                            kind);
    if (strchr(options->name, '/') || strpbrk(options->name, " \t\n"))
        return wh_error_set(err, WH_ERR_INVALID,
                            "--name '%s' must not contain '/' or whitespace", options->name);
    return WH_OK;
}

/*
 * Looks for a component with this origin digest, including ones added
 * earlier in this import. Returns WH_ERR_EXISTS with the report message.
 */
static wh_status check_not_imported(whc_import *import, const char *path, const char *sha256,
                                    wh_error *err)
{
    whc_component *components = NULL;
    size_t count = 0;
    wh_status result = whc_list_components(import->catalog, -1, &components, &count, err);
    if (result != WH_OK)
        return result;

    for (size_t i = 0; i < count; i++) {
        if (components[i].origin_sha256 && strcmp(components[i].origin_sha256, sha256) == 0) {
            result = wh_error_set(err, WH_ERR_EXISTS, "%s is already in the catalog as %s %s",
                                  path, components[i].name, components[i].version);
            break;
        }
    }
    whc_components_free(components, count);
    return result;
}

static wh_status read_artifact(whc_import *import, const char *path, artifact_format format,
                               const whc_import_options *options, whc_artifact *artifact,
                               wh_error *err)
{
    wh_status result;
    switch (format) {
    case FORMAT_DEB: result = whc_read_deb(import, path, artifact, err); break;
    case FORMAT_APK: result = whc_read_apk(import, path, artifact, err); break;
    case FORMAT_FILE: result = whc_read_single_file(import, path, options, artifact, err); break;
    default: return whc_read_tree(import, path, artifact, err);
    }
    if (result == WH_OK)
        result = whc_file_list_sort(&artifact->files, err);
    if (result == WH_OK) {
        result = whc_file_list_check_parents(&artifact->files, err);
        if (result != WH_OK)
            wh_error_prefix(err, "%s", path);
    }
    return result;
}

/* Writes the component row, then its files and relations. */
static wh_status write_artifact(whc_import *import, const char *origin_path,
                                const whc_artifact *artifact, wh_kind kind, wh_error *err)
{
    const char *name = artifact->name;
    const char *version = artifact->version;
    whc_component_info info = {
        .name = name,
        .version = version,
        .architecture = artifact->architecture ? artifact->architecture : "",
        .kind = kind,
        .license = artifact->license,
        .summary = artifact->summary,
        .origin_path = origin_path,
        .origin_sha256 = artifact->origin_sha256,
        .origin_format = artifact->format,
    };
    wh_status result = whc_import_component(import, &info, err);
    for (size_t i = 0; result == WH_OK && i < artifact->files.count; i++)
        result = whc_import_file(import, &artifact->files.entries[i].record, err);
    for (size_t i = 0; result == WH_OK && i < artifact->relations.count; i++)
        result = whc_import_relation(import, &artifact->relations.records[i], err);
    return result;
}

static wh_status fill_summary(whc_import_summary *summary, const whc_artifact *artifact,
                              wh_kind kind, wh_error *err)
{
    summary->name = strdup(artifact->name);
    summary->version = strdup(artifact->version);
    summary->kind = kind;
    summary->format = artifact->format;
    summary->file_count = (int64_t)artifact->files.count;
    summary->total_size = whc_file_list_total_size(&artifact->files);
    if (summary->name == NULL || summary->version == NULL) {
        whc_import_summary_clear(summary);
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory");
    }
    return WH_OK;
}

wh_status whc_import_artifact_summary(whc_import *import, const char *path,
                                      const whc_import_options *options,
                                      whc_import_summary *summary, wh_error *err)
{
    wh_status result = WH_OK;
    whc_artifact artifact = { 0 };
    artifact_format format;
    char *origin_path = NULL;

    if (summary)
        memset(summary, 0, sizeof(*summary));
    if (options->kind < -1 || options->kind >= WH_KIND_COUNT)
        return wh_error_set(err, WH_ERR_INVALID, "invalid component kind %d", options->kind);

    result = detect_format(path, &format, err);
    if (result != WH_OK)
        goto out;
    result = check_options(path, format, options, err);
    if (result != WH_OK)
        goto out;
    origin_path = realpath(path, NULL);
    if (origin_path == NULL) {
        result = wh_error_set(err, WH_ERR_IO, "cannot resolve %s: %s", path, strerror(errno));
        goto out;
    }

    /* Archives and files are recognised by their own digest before any work. */
    if (format != FORMAT_TREE) {
        result = wh_sha256_file_hex(path, artifact.origin_sha256, err);
        if (result == WH_OK)
            result = check_not_imported(import, path, artifact.origin_sha256, err);
        if (result != WH_OK)
            goto out;
    }

    result = read_artifact(import, path, format, options, &artifact, err);
    if (result != WH_OK)
        goto out;
    if (format == FORMAT_TREE) {
        result = check_not_imported(import, path, artifact.origin_sha256, err);
        if (result != WH_OK)
            goto out;
    }
    if (format == FORMAT_FILE || format == FORMAT_TREE) {
        artifact.name = strdup(options->name);
        artifact.version = strdup(options->version);
        artifact.architecture = strdup("");
        if (!artifact.name || !artifact.version || !artifact.architecture) {
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory");
            goto out;
        }
    }

    wh_kind kind = options->kind >= 0 ? (wh_kind)options->kind : whc_infer_kind(&artifact);
    result = write_artifact(import, origin_path, &artifact, kind, err);
    if (result == WH_OK && summary)
        result = fill_summary(summary, &artifact, kind, err);

out:
    whc_artifact_free(&artifact);
    free(origin_path);
    return result;
}

wh_status whc_import_artifact(whc_import *import, const char *path,
                              const whc_import_options *options, wh_error *err)
{
    return whc_import_artifact_summary(import, path, options, NULL, err);
}

void whc_import_summary_clear(whc_import_summary *summary)
{
    if (summary == NULL)
        return;
    free(summary->name);
    free(summary->version);
    memset(summary, 0, sizeof(*summary));
}
