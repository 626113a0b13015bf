/*
 * Importing a container image as a base: its layers flattened (core/flatten.h),
 * then split by the image's package database into one component per
 * installed package, named "NAME/PACKAGE", plus the component NAME holding
 * every file no package owns. All components have kind "base" and origin
 * format "image".
 *
 * The base component's summary names a JSON record in the content store
 * (blobs/sha256/<hex>) with the reference, the manifest and config digests,
 * and per layer its digest, diff_id, media type, size, entry count, content
 * bytes and wasted bytes; the image config is stored there under its digest.
 */
#ifndef WHC_IMPORT_IMAGE_H
#define WHC_IMPORT_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "image_source.h"

typedef struct whc_image_import_options {
    const char *name;                   /* base name; NULL derives it from the reference */
    const whc_image_open_options *open; /* registry settings for docker://; may be NULL */
    /* Called for each non-fatal problem, such as a skipped package record; may be NULL. */
    void (*warn)(void *context, const char *message);
    void *warn_context;
} whc_image_import_options;

typedef struct whc_image_layer_summary {
    char *digest;          /* "sha256:<hex>" of the layer file */
    int64_t size;          /* bytes of the layer file */
    int64_t entries;       /* tar entries, whiteouts included */
    int64_t whiteouts;
    int64_t content_bytes; /* regular file content in the layer */
    int64_t wasted_bytes;  /* content later layers overwrote or deleted */
} whc_image_layer_summary;

typedef struct whc_image_summary {
    char *name;               /* the base component's name */
    char *version;            /* the base component's version */
    char *manifest_digest;    /* NULL for docker-archive and rootfs */
    char *record_digest;      /* "sha256:<hex>" of the JSON record in the store */
    const char *package_format; /* "dpkg", "apk" or NULL when the image has neither */
    size_t package_count;     /* components made from packages */
    int64_t file_count;       /* files of the flattened tree */
    int64_t total_size;       /* bytes of regular file content, hardlinks once */
    int64_t wasted_bytes;
    whc_image_layer_summary *layers;
    size_t layer_count;
} whc_image_summary;

/*
 * Imports the image at reference into import. Returns WH_ERR_EXISTS, with
 * nothing added, when the same image content was imported before; any
 * other failure leaves the import unusable, so the caller aborts it. On
 * success summary (may be NULL) is filled; clear it with
 * whc_image_summary_clear.
 */
wh_status whc_import_image(whc_import *import, const char *reference,
                           const whc_image_import_options *options, whc_image_summary *summary,
                           wh_error *err);

/* Frees what summary owns and zeroes it; accepts NULL. */
void whc_image_summary_clear(whc_image_summary *summary);

/*
 * Imports reference into a new catalog in a temporary folder, for read-only
 * views of an image (`whittle inspect`, the composer's --image) that must not
 * change the user's catalog. On success the caller owns *catalog and
 * *summary, and releases all three with whc_image_scratch_close. On failure
 * the temporary folder is removed again.
 */
wh_status whc_image_scratch_open(const char *reference, const whc_image_import_options *options,
                                 whc_catalog **catalog, char **dir, whc_image_summary *summary,
                                 wh_error *err);

/* Closes the catalog, removes its folder and clears summary; accepts NULLs. */
void whc_image_scratch_close(whc_catalog *catalog, char *dir, whc_image_summary *summary);

#endif
