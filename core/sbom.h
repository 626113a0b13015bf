/*
 * SPDX 2.3 JSON software bill of materials for a written image, built from
 * plain data. The document is deterministic: components are sorted by name
 * and version and files by path whatever the input order, documentNamespace
 * is derived from the image digest, and creationInfo.created is the epoch.
 *
 * Layout of the document: one package for the image (primaryPackagePurpose
 * CONTAINER), one package per component, one file entry per file, and the
 * relationships DOCUMENT DESCRIBES image, image CONTAINS component,
 * component CONTAINS file.
 */
#ifndef WH_SBOM_H
#define WH_SBOM_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct wh_sbom_file {
    const char *path;         /* absolute image path */
    const char *sha256;       /* 64 hex */
    const char *content_path; /* optional: file to compute the SHA1 from (see below) */
} wh_sbom_file;

typedef struct wh_sbom_component {
    const char *name;
    const char *version;       /* NULL: "NOASSERTION" */
    const char *license;       /* SPDX license expression; NULL: "NOASSERTION" */
    const char *origin_sha256; /* sha256 hex of the file the component was imported from, or NULL */
    const wh_sbom_file *files;
    size_t file_count;
} wh_sbom_component;

typedef struct wh_sbom_input {
    const char *image_name;   /* document and image package name, such as "registry/app" */
    const char *image_digest; /* manifest digest, "sha256:<64 hex>" */
    int64_t created;          /* seconds since 1970 */
    const wh_sbom_component *components;
    size_t component_count;
} wh_sbom_input;

/*
 * Serialises the SBOM as canonical JSON (sorted keys, no whitespace). SPDX
 * 2.3 requires a SHA1 checksum on every file. It is computed from
 * content_path when one is given, and the same read checks sha256
 * (WH_ERR_DIGEST on a mismatch). Files without content_path carry only
 * SHA256. The caller frees *text.
 */
wh_status wh_sbom_build(const wh_sbom_input *input, char **text, size_t *size, wh_error *err);

/*
 * Writes the SBOM to path through a temporary file beside it and a rename,
 * with mode 0644 whatever the umask. An existing file at path is replaced.
 */
wh_status wh_sbom_write(const wh_sbom_input *input, const char *path, wh_error *err);

#endif
