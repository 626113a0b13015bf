/*
 * Importers: turn one artifact on disk into one catalog component inside an
 * open import.
 *
 * The format is detected from the content, never from the file name:
 *   - an ar archive whose first member is debian-binary: a Debian package;
 *   - a gzip stream whose first tar entry is .PKGINFO or .SIGN.*: an Alpine
 *     package;
 *   - a directory: a root filesystem tree (DIR/usr/bin/x becomes /usr/bin/x);
 *   - any other regular file: a single file placed in the image.
 *
 * Typical use, with every artifact in one transaction:
 *
 *     whc_import_begin(catalog, &import, &err);
 *     status = whc_import_artifact(import, path, &options, &err);
 *     if (status == WH_ERR_EXISTS)  -> report err.message, continue
 *     else if (status != WH_OK)     -> whc_import_abort(import), stop
 *     whc_import_commit(import, &err);
 *
 * A failed importer may leave rows and blobs inside the import, so the
 * caller must abort the import after any error other than WH_ERR_EXISTS.
 */
#ifndef WHC_IMPORTER_H
#define WHC_IMPORTER_H

#include <stdint.h>

#include "catalog.h"

typedef struct whc_import_options {
    const char *name;    /* component name: required for files and directories */
    const char *version; /* component version: required for files and directories */
    int kind;            /* a wh_kind, or -1 to infer it from the metadata and files */
    const char *dest;    /* image path of a single file; NULL for the default */
} whc_import_options;

/* What an import added, for the caller's report line. */
typedef struct whc_import_summary {
    char *name;
    char *version;
    wh_kind kind;
    const char *format; /* "deb", "apk", "file" or "directory"; static string */
    int64_t file_count; /* entries of every type */
    int64_t total_size; /* bytes of regular file content; hardlinks count once */
} whc_import_summary;

/*
 * Imports the artifact at path into import as one component, with its
 * files, their contents in the blob store and its declared relations.
 *
 * Returns WH_ERR_EXISTS with the message "PATH is already in the catalog as
 * NAME VERSION" when an artifact with the same sha256 was imported before,
 * earlier in this import included, and adds nothing then. For a directory
 * the sha256 is that of its manifest. Files and directories need options->name and
 * options->version, and options->dest applies only to a single file; a
 * missing or misplaced option fails with WH_ERR_INVALID naming the flag.
 * A truncated or corrupt archive fails with WH_ERR_FORMAT naming the file
 * and the member. The import is unusable after any other error: abort it.
 */
wh_status whc_import_artifact(whc_import *import, const char *path,
                              const whc_import_options *options, wh_error *err);

/*
 * Same as whc_import_artifact and, on success, fills summary, which the
 * caller clears with whc_import_summary_clear. summary may be NULL.
 */
wh_status whc_import_artifact_summary(whc_import *import, const char *path,
                                      const whc_import_options *options,
                                      whc_import_summary *summary, wh_error *err);

/* Frees the strings of summary and zeroes it; accepts NULL. */
void whc_import_summary_clear(whc_import_summary *summary);

#endif
