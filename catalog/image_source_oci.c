/*
 * OCI image layouts: index.json, nested indexes and Docker manifest lists,
 * image manifests and configs, each blob checked against its digest.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/digest.h"
#include "../core/fs.h"
#include "image_json.h"
#include "image_source.h"

/* Nested indexes followed before giving up, against an index that names itself. */
#define INDEX_DEPTH_MAX 8

static const char ref_name_key[] = "org.opencontainers.image.ref.name";
static const char estargz_key[] = "containerd.io/snapshot/stargz/toc.digest";

static int media_type_is_index(const char *type)
{
    return type != NULL
        && (strcmp(type, WHC_MEDIA_OCI_INDEX) == 0 || strcmp(type, WHC_MEDIA_DOCKER_LIST) == 0);
}

static int media_type_is_manifest(const char *type)
{
    return type != NULL
        && (strcmp(type, WHC_MEDIA_OCI_MANIFEST) == 0
            || strcmp(type, WHC_MEDIA_DOCKER_MANIFEST) == 0);
}

static int media_type_is_layer(const char *type)
{
    static const char *const accepted[] = {
        "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd",
        "application/vnd.oci.image.layer.nondistributable.v1.tar",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    };
    for (size_t i = 0; type != NULL && i < sizeof(accepted) / sizeof(accepted[0]); i++) {
        if (strcmp(type, accepted[i]) == 0)
            return 1;
    }
    return 0;
}

char *whc_blob_file(const char *dir, const char *digest)
{
    char *path = NULL;
    if (asprintf(&path, "%s/blobs/sha256/%s", dir, digest + 7) < 0)
        return NULL;
    return path;
}

wh_status whc_layout_blob_json(const char *dir, const char *digest, json_t **out, char **raw,
                               size_t *raw_size, wh_error *err)
{
    wh_status result = WH_OK;
    char *path = NULL;
    char *data = NULL;
    size_t size = 0;
    char hex[65];

    *out = NULL;
    if (!whc_digest_valid(digest))
        return wh_error_set(err, WH_ERR_FORMAT,
                            "%s: digest '%s' is not sha256:<64 hex digits>; only sha256 "
                            "digests are supported", dir, digest ? digest : "(missing)");
    path = whc_blob_file(dir, digest);
    if (path == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", digest);

    struct stat st;
    if (stat(path, &st) != 0) {
        result = wh_error_set(err, WH_ERR_NOT_FOUND, "%s: blob %s is missing (no file %s)",
                              dir, digest, path);
        goto out;
    }
    result = wh_read_file(path, WHC_IMAGE_JSON_MAX, &data, &size, err);
    if (result != WH_OK)
        goto out;
    wh_sha256_buffer_hex(data, size, hex);
    if (strcmp(hex, digest + 7) != 0) {
        result = wh_error_set(err, WH_ERR_DIGEST,
                              "%s: blob %s has content with sha256:%s; the layout is corrupt",
                              dir, digest, hex);
        goto out;
    }
    result = whc_json_parse(data, size, path, out, err);
    if (result == WH_OK && raw != NULL) {
        *raw = data;
        *raw_size = size;
        data = NULL;
    }

out:
    free(path);
    free(data);
    return result;
}

/* Picks the descriptor named tag, or the only one when tag is NULL. */
static wh_status pick_by_name(const char *dir, json_t *manifests, const char *tag,
                              json_t **out, wh_error *err)
{
    size_t count = json_array_size(manifests);
    char names[512] = "";
    size_t used = 0;

    if (tag == NULL && count == 1) {
        *out = json_array_get(manifests, 0);
        return WH_OK;
    }
    for (size_t i = 0; i < count; i++) {
        json_t *descriptor = json_array_get(manifests, i);
        const char *name = whc_json_string(json_object_get(descriptor, "annotations"),
                                           ref_name_key);
        if (name != NULL && tag != NULL && strcmp(name, tag) == 0) {
            *out = descriptor;
            return WH_OK;
        }
        if (name != NULL && used < sizeof(names) - 1) {
            int written = snprintf(names + used, sizeof(names) - used, "%s%s",
                                   used ? ", " : "", name);
            if (written > 0)
                used += (size_t)written;
        }
    }
    if (tag == NULL)
        return wh_error_set(err, WH_ERR_INVALID,
                            "%s holds %zu images; choose one with oci:%s:NAME (names: %s)",
                            dir, count, dir, used ? names : "none");
    return wh_error_set(err, WH_ERR_NOT_FOUND, "%s has no image named '%s' (names: %s)", dir,
                        tag, used ? names : "none");
}

/* Picks the entry of an index for the requested platform. */
static wh_status pick_platform(const char *dir, const char *digest, json_t *manifests,
                               const char *os, const char *architecture, json_t **out,
                               wh_error *err)
{
    size_t count = json_array_size(manifests);
    json_t *only = NULL;
    size_t candidates = 0;
    char platforms[512] = "";
    size_t used = 0;

    for (size_t i = 0; i < count; i++) {
        json_t *descriptor = json_array_get(manifests, i);
        json_t *platform = json_object_get(descriptor, "platform");
        const char *entry_os = whc_json_string(platform, "os");
        const char *entry_arch = whc_json_string(platform, "architecture");
        if (entry_os && entry_arch && strcmp(entry_os, os) == 0
            && strcmp(entry_arch, architecture) == 0) {
            *out = descriptor;
            return WH_OK;
        }
        /* Attestation manifests carry the platform unknown/unknown. */
        if (entry_os == NULL || strcmp(entry_os, "unknown") != 0) {
            only = descriptor;
            candidates++;
        }
        if (entry_os && entry_arch && used < sizeof(platforms) - 1) {
            int written = snprintf(platforms + used, sizeof(platforms) - used, "%s%s/%s",
                                   used ? ", " : "", entry_os, entry_arch);
            if (written > 0)
                used += (size_t)written;
        }
    }
    if (candidates == 1) {
        *out = only;
        return WH_OK;
    }
    return wh_error_set(err, WH_ERR_NOT_FOUND,
                        "%s: index %s has no image for %s/%s (platforms: %s)", dir,
                        digest ? digest : "index.json", os, architecture,
                        used ? platforms : "none");
}

static wh_status read_layers(const char *dir, const char *manifest_digest, json_t *manifest,
                             json_t *config, whc_image_source *out, wh_error *err)
{
    json_t *layers = json_object_get(manifest, "layers");
    json_t *diff_ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");

    if (!json_is_array(layers))
        return wh_error_set(err, WH_ERR_FORMAT, "%s: manifest %s has no layers list", dir,
                            manifest_digest);
    if (json_is_array(diff_ids) && json_array_size(diff_ids) != json_array_size(layers))
        return wh_error_set(err, WH_ERR_FORMAT,
                            "%s: manifest %s lists %zu layers but its config has %zu diff_ids",
                            dir, manifest_digest, json_array_size(layers),
                            json_array_size(diff_ids));

    for (size_t i = 0; i < json_array_size(layers); i++) {
        json_t *descriptor = json_array_get(layers, i);
        const char *digest = whc_json_string(descriptor, "digest");
        const char *type = whc_json_string(descriptor, "mediaType");
        if (!media_type_is_layer(type))
            return wh_error_set(err, WH_ERR_FORMAT,
                                "%s: layer %s has media type '%s', which is not a container "
                                "image layer", dir, digest ? digest : "(no digest)",
                                type ? type : "(none)");
        if (!whc_digest_valid(digest))
            return wh_error_set(err, WH_ERR_FORMAT, "%s: layer %zu has digest '%s'; expected "
                                "sha256:<64 hex digits>", dir, i + 1, digest ? digest : "");

        char *path = whc_blob_file(dir, digest);
        if (path == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory listing layers");
        struct stat st;
        if (stat(path, &st) != 0) {
            free(path);
            return wh_error_set(err, WH_ERR_NOT_FOUND, "%s: layer blob %s is missing", dir,
                                digest);
        }
        whc_image_layer layer = {
            .path = path,
            .digest = (char *)digest,
            .diff_id = (char *)whc_json_string(json_array_get(diff_ids, i), NULL),
            .media_type = (char *)type,
            .size = st.st_size,
            .estargz = whc_json_string(json_object_get(descriptor, "annotations"),
                                       estargz_key) != NULL,
        };
        wh_status result = whc_image_add_layer(out, &layer, err);
        free(path);
        if (result != WH_OK)
            return result;
    }
    return WH_OK;
}

static wh_status read_manifest(const char *dir, const char *digest, whc_image_source *out,
                               wh_error *err)
{
    wh_status result = WH_OK;
    json_t *manifest = NULL;
    json_t *config = NULL;

    result = whc_layout_blob_json(dir, digest, &manifest, NULL, NULL, err);
    if (result != WH_OK)
        goto out;
    json_int_t schema = json_integer_value(json_object_get(manifest, "schemaVersion"));
    if (schema != 2) {
        result = wh_error_set(err, WH_ERR_FORMAT,
                              "%s: manifest %s has schemaVersion %lld; only schema 2 is "
                              "supported", dir, digest, (long long)schema);
        goto out;
    }

    json_t *config_descriptor = json_object_get(manifest, "config");
    const char *config_type = whc_json_string(config_descriptor, "mediaType");
    const char *config_digest = whc_json_string(config_descriptor, "digest");
    if (config_type == NULL || (strcmp(config_type, WHC_MEDIA_OCI_CONFIG) != 0
                                && strcmp(config_type, WHC_MEDIA_DOCKER_CONFIG) != 0)) {
        result = wh_error_set(err, WH_ERR_FORMAT,
                              "%s: manifest %s is not a container image: its config has media "
                              "type '%s'", dir, digest, config_type ? config_type : "(none)");
        goto out;
    }
    result = whc_layout_blob_json(dir, config_digest, &config, &out->config_json,
                                  &out->config_size, err);
    if (result != WH_OK)
        goto out;

    out->manifest_digest = strdup(digest);
    out->config_digest = strdup(config_digest);
    if (out->manifest_digest == NULL || out->config_digest == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", digest);
        goto out;
    }
    result = read_layers(dir, digest, manifest, config, out, err);

out:
    json_decref(manifest);
    json_decref(config);
    return result;
}

/* Follows a descriptor through indexes down to an image manifest. */
static wh_status resolve_descriptor(const char *dir, json_t *descriptor, int depth,
                                    whc_image_source *out, wh_error *err)
{
    const char *type = whc_json_string(descriptor, "mediaType");
    const char *digest = whc_json_string(descriptor, "digest");

    if (media_type_is_manifest(type))
        return read_manifest(dir, digest, out, err);
    if (!media_type_is_index(type))
        return wh_error_set(err, WH_ERR_FORMAT,
                            "%s: %s is not a container image: its media type is '%s'", dir,
                            digest ? digest : "(no digest)", type ? type : "(none)");
    if (depth >= INDEX_DEPTH_MAX)
        return wh_error_set(err, WH_ERR_FORMAT, "%s: indexes nest deeper than %d levels at %s",
                            dir, INDEX_DEPTH_MAX, digest);

    json_t *index = NULL;
    wh_status result = whc_layout_blob_json(dir, digest, &index, NULL, NULL, err);
    if (result != WH_OK)
        return result;
    json_t *picked = NULL;
    json_t *manifests = json_object_get(index, "manifests");
    if (json_array_size(manifests) == 0)
        result = wh_error_set(err, WH_ERR_FORMAT, "%s: index %s lists no manifests", dir,
                              digest);
    else
        result = pick_platform(dir, digest, manifests, "linux",
                               wh_registry_host_architecture(), &picked, err);
    if (result == WH_OK)
        result = resolve_descriptor(dir, picked, depth + 1, out, err);
    json_decref(index);
    return result;
}

wh_status whc_image_read_layout(const char *dir, const char *tag, whc_image_source *out,
                                wh_error *err)
{
    wh_status result = WH_OK;
    char *path = NULL;
    char *data = NULL;
    size_t size = 0;
    json_t *index = NULL;

    if (asprintf(&path, "%s/index.json", dir) < 0) {
        path = NULL;
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", dir);
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        result = wh_error_set(err, WH_ERR_NOT_FOUND,
                              "%s is not an OCI image layout: index.json is missing", dir);
        goto out;
    }
    result = wh_read_file(path, WHC_IMAGE_JSON_MAX, &data, &size, err);
    if (result != WH_OK)
        goto out;
    result = whc_json_parse(data, size, path, &index, err);
    if (result != WH_OK)
        goto out;

    json_t *manifests = json_object_get(index, "manifests");
    if (!json_is_array(manifests) || json_array_size(manifests) == 0) {
        result = wh_error_set(err, WH_ERR_FORMAT, "%s lists no manifests", path);
        goto out;
    }

    json_t *picked = NULL;
    result = pick_by_name(dir, manifests, tag, &picked, err);
    if (result == WH_OK)
        result = resolve_descriptor(dir, picked, 0, out, err);

out:
    json_decref(index);
    free(data);
    free(path);
    return result;
}
