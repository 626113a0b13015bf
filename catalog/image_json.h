/* Private to the image readers: media types and small jansson helpers. */
#ifndef WHC_IMAGE_JSON_H
#define WHC_IMAGE_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "../core/error.h"

#define WHC_MEDIA_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define WHC_MEDIA_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define WHC_MEDIA_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define WHC_MEDIA_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define WHC_MEDIA_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define WHC_MEDIA_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"

/*
 * Parses size bytes of JSON; a syntax error names source with the line and
 * column. The caller releases *out with json_decref.
 */
wh_status whc_json_parse(const char *data, size_t size, const char *source, json_t **out,
                         wh_error *err);

/* Returns object[key] when it is a string (object itself when key is NULL), else NULL. */
const char *whc_json_string(json_t *object, const char *key);

/* Returns DIR/blobs/sha256/HEX for a valid digest; the caller frees it. */
char *whc_blob_file(const char *dir, const char *digest);

/*
 * Reads the blob digest of the layout in dir, checks its sha256 and parses
 * it. *raw (when raw is non-NULL) receives the bytes, which the caller frees.
 */
wh_status whc_layout_blob_json(const char *dir, const char *digest, json_t **out, char **raw,
                               size_t *raw_size, wh_error *err);

#endif
