/*
 * Read-back checks of a written OCI layout or docker-archive folder: parse
 * the documents from disk, re-hash every blob, and compare the folder's
 * listing and each layer's entries with what was planned.
 */
#include "image_internal.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"

/* Documents are small; anything bigger than this is not one we wrote. */
#define DOCUMENT_MAX ((size_t)16 << 20)

static wh_status mismatch(const char *path, const char *problem, wh_error *err)
{
    return wh_error_set(err, WH_ERR_FORMAT, "%s %s; the written image is not what was planned",
                        path, problem);
}

/* Reads dir/name, checks its sha256 against hex and parses it as JSON. */
static wh_status load_json(const char *dir, const char *name, const char *hex, json_t **out,
                           wh_error *err)
{
    wh_status result = WH_OK;
    char *text = NULL;
    size_t size = 0;
    char *path = wh_image_join(dir, name);
    *out = NULL;
    if (path == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory verifying %s", dir);

    result = wh_read_file(path, DOCUMENT_MAX, &text, &size, err);
    if (result != WH_OK)
        goto out;
    if (hex != NULL) {
        char actual[WH_SHA256_HEX_LEN + 1];
        wh_sha256_buffer_hex(text, size, actual);
        if (strcmp(actual, hex) != 0) {
            result = wh_error_set(err, WH_ERR_DIGEST, "%s has sha256 %s, expected %s", path,
                                  actual, hex);
            goto out;
        }
    }
    json_error_t parse_error;
    *out = json_loadb(text, size, 0, &parse_error);
    if (*out == NULL)
        result = wh_error_set(err, WH_ERR_FORMAT, "%s is not valid JSON: %s (line %d)", path,
                              parse_error.text, parse_error.line);

out:
    free(text);
    free(path);
    return result;
}

static int compare_names(const void *left, const void *right)
{
    return strcmp(*(char *const *)left, *(char *const *)right);
}

/* Checks that dir contains exactly the names given (in any order) and nothing else. */
static wh_status check_listing(const char *dir, const char **names, size_t count, wh_error *err)
{
    wh_status result = WH_OK;
    DIR *folder = opendir(dir);
    if (folder == NULL)
        return wh_error_set(err, WH_ERR_IO, "cannot list %s", dir);

    qsort(names, count, sizeof(*names), compare_names);
    size_t found = 0;
    struct dirent *item;
    while ((item = readdir(folder)) != NULL) {
        if (strcmp(item->d_name, ".") == 0 || strcmp(item->d_name, "..") == 0)
            continue;
        const char *key = item->d_name;
        if (bsearch(&key, names, count, sizeof(*names), compare_names) == NULL) {
            result = wh_error_set(err, WH_ERR_FORMAT, "%s contains unexpected %s", dir, key);
            goto out;
        }
        found++;
    }
    if (found != count)
        result = wh_error_set(err, WH_ERR_FORMAT, "%s lacks files the image needs", dir);

out:
    closedir(folder);
    return result;
}

/* Removes repeated names from a sorted array; returns the new count. */
static size_t unique_names(const char **names, size_t count)
{
    qsort(names, count, sizeof(*names), compare_names);
    size_t unique = 0;
    for (size_t i = 0; i < count; i++) {
        if (unique == 0 || strcmp(names[unique - 1], names[i]) != 0)
            names[unique++] = names[i];
    }
    return unique;
}

static int descriptor_matches(json_t *descriptor, const char *media_type, const char *digest,
                              uint64_t size)
{
    const char *actual_type = json_string_value(json_object_get(descriptor, "mediaType"));
    const char *actual_digest = json_string_value(json_object_get(descriptor, "digest"));
    json_t *actual_size = json_object_get(descriptor, "size");
    return actual_type != NULL && strcmp(actual_type, media_type) == 0 &&
           actual_digest != NULL && strcmp(actual_digest, digest) == 0 &&
           json_is_integer(actual_size) && (uint64_t)json_integer_value(actual_size) == size;
}

static wh_status check_index(const char *dir, const char *tag, const wh_image_expected *expected,
                             wh_error *err)
{
    json_t *layout = NULL;
    json_t *index = NULL;
    wh_status result = load_json(dir, "oci-layout", NULL, &layout, err);
    if (result != WH_OK)
        goto out;
    const char *version = json_string_value(json_object_get(layout, "imageLayoutVersion"));
    if (version == NULL || strcmp(version, "1.0.0") != 0) {
        result = mismatch(dir, "has an oci-layout without imageLayoutVersion 1.0.0", err);
        goto out;
    }

    result = load_json(dir, "index.json", NULL, &index, err);
    if (result != WH_OK)
        goto out;
    char digest[WH_DIGEST_TEXT_MAX];
    snprintf(digest, sizeof(digest), "sha256:%s", expected->documents->manifest_hex);
    json_t *manifests = json_object_get(index, "manifests");
    json_t *entry = json_array_get(manifests, 0);
    if (json_integer_value(json_object_get(index, "schemaVersion")) != 2 ||
        json_array_size(manifests) != 1 ||
        !descriptor_matches(entry, WH_MEDIA_TYPE_MANIFEST, digest,
                            expected->documents->manifest_size)) {
        result = mismatch(dir, "has an index.json that does not list the manifest", err);
        goto out;
    }
    const char *name = json_string_value(
        json_object_get(json_object_get(entry, "annotations"), WH_OCI_REF_NAME));
    if ((tag == NULL) != (name == NULL) || (tag != NULL && strcmp(tag, name) != 0))
        result = mismatch(dir, "has an index.json with the wrong reference name", err);

out:
    json_decref(layout);
    json_decref(index);
    return result;
}

static wh_status check_manifest(const char *blobs, const wh_image_expected *expected,
                                wh_error *err)
{
    json_t *manifest = NULL;
    json_t *config = NULL;
    const wh_image_documents *documents = expected->documents;
    wh_status result = load_json(blobs, documents->manifest_hex, documents->manifest_hex,
                                 &manifest, err);
    if (result == WH_OK)
        result = load_json(blobs, documents->config_hex, documents->config_hex, &config, err);
    if (result != WH_OK)
        goto out;

    char digest[WH_DIGEST_TEXT_MAX];
    snprintf(digest, sizeof(digest), "sha256:%s", documents->config_hex);
    json_t *layers = json_object_get(manifest, "layers");
    json_t *diff_ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
    if (!descriptor_matches(json_object_get(manifest, "config"), WH_MEDIA_TYPE_CONFIG, digest,
                            documents->config_size) ||
        json_array_size(layers) != expected->layer_count ||
        json_array_size(diff_ids) != expected->layer_count) {
        result = mismatch(blobs, "has a manifest or config that does not match the layers", err);
        goto out;
    }
    for (size_t i = 0; i < expected->layer_count; i++) {
        const wh_layer_result *layer = &expected->results[i];
        const char *diff_id = json_string_value(json_array_get(diff_ids, i));
        if (!descriptor_matches(json_array_get(layers, i), WH_MEDIA_TYPE_LAYER_GZIP,
                                layer->digest, layer->size) ||
            diff_id == NULL || strcmp(diff_id, layer->diff_id) != 0) {
            result = mismatch(blobs, "has a manifest or config with a wrong layer digest", err);
            goto out;
        }
    }

out:
    json_decref(manifest);
    json_decref(config);
    return result;
}

wh_status wh_image_verify_oci(const char *dir, const char *tag, const wh_image_expected *expected,
                              wh_error *err)
{
    wh_status result = WH_OK;
    char *blobs = wh_image_join(dir, "blobs");
    char *sha256 = blobs != NULL ? wh_image_join(blobs, "sha256") : NULL;
    const char **names = calloc(expected->layer_count + 2, sizeof(*names));
    if (sha256 == NULL || names == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory verifying %s", dir);
        goto out;
    }

    const char *top[] = {"blobs", "index.json", "oci-layout"};
    const char *blob_folders[] = {"sha256"};
    result = check_listing(dir, top, 3, err);
    if (result == WH_OK)
        result = check_listing(blobs, blob_folders, 1, err);
    if (result == WH_OK)
        result = check_index(dir, tag, expected, err);
    if (result == WH_OK)
        result = check_manifest(sha256, expected, err);
    if (result != WH_OK)
        goto out;

    names[0] = expected->documents->manifest_hex;
    names[1] = expected->documents->config_hex;
    for (size_t i = 0; i < expected->layer_count; i++) {
        const wh_layer_result *layer = &expected->results[i];
        names[i + 2] = layer->digest + 7;
        char *path = wh_image_join(sha256, layer->digest + 7);
        if (path == NULL) {
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory verifying %s", dir);
            goto out;
        }
        result = wh_image_verify_layer_file(path, 1, expected->plans[i], expected->epoch,
                                            layer->digest + 7, layer->diff_id + 7,
                                            expected->threads, err);
        free(path);
        if (result != WH_OK)
            goto out;
    }
    result = check_listing(sha256, names, unique_names(names, expected->layer_count + 2), err);

out:
    free(names);
    free(sha256);
    free(blobs);
    return result;
}

static wh_status check_docker_manifest(const char *dir, const char *repository, const char *tag,
                                       const wh_image_expected *expected, wh_error *err)
{
    json_t *list = NULL;
    wh_status result = load_json(dir, "manifest.json", NULL, &list, err);
    if (result != WH_OK)
        return result;

    json_t *image = json_array_get(list, 0);
    json_t *tags = json_object_get(image, "RepoTags");
    json_t *layers = json_object_get(image, "Layers");
    const char *config = json_string_value(json_object_get(image, "Config"));
    char expected_config[WH_SHA256_HEX_LEN + 8];
    snprintf(expected_config, sizeof(expected_config), "%s.json",
             expected->documents->config_hex);
    if (json_array_size(list) != 1 || config == NULL || strcmp(config, expected_config) != 0 ||
        json_array_size(layers) != expected->layer_count) {
        result = mismatch(dir, "has a manifest.json that does not match the image", err);
        goto out;
    }

    const char *repo_tag = json_string_value(json_array_get(tags, 0));
    char expected_tag[1024];
    snprintf(expected_tag, sizeof(expected_tag), "%s:%s", repository ? repository : "",
             tag ? tag : "");
    if (json_array_size(tags) != (repository != NULL ? 1u : 0u) ||
        (repository != NULL && (repo_tag == NULL || strcmp(repo_tag, expected_tag) != 0))) {
        result = mismatch(dir, "has a manifest.json with the wrong RepoTags", err);
        goto out;
    }
    for (size_t i = 0; i < expected->layer_count; i++) {
        const char *name = json_string_value(json_array_get(layers, i));
        char expected_name[WH_SHA256_HEX_LEN + 8];
        snprintf(expected_name, sizeof(expected_name), "%s.tar",
                 expected->results[i].diff_id + 7);
        if (name == NULL || strcmp(name, expected_name) != 0) {
            result = mismatch(dir, "has a manifest.json with a wrong layer name", err);
            goto out;
        }
    }

out:
    json_decref(list);
    return result;
}

wh_status wh_image_verify_docker(const char *dir, const char *repository, const char *tag,
                                 const wh_image_expected *expected, wh_error *err)
{
    wh_status result = WH_OK;
    size_t slots = expected->layer_count + 2;
    const char **names = calloc(slots, sizeof(*names));
    char *storage = calloc(slots, WH_SHA256_HEX_LEN + 8);
    json_t *config = NULL;
    if (names == NULL || storage == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory verifying %s", dir);
        goto out;
    }

    result = check_docker_manifest(dir, repository, tag, expected, err);
    if (result != WH_OK)
        goto out;

    names[0] = "manifest.json";
    names[1] = storage;
    snprintf(storage, WH_SHA256_HEX_LEN + 8, "%s.json", expected->documents->config_hex);
    result = load_json(dir, storage, expected->documents->config_hex, &config, err);
    for (size_t i = 0; result == WH_OK && i < expected->layer_count; i++) {
        char *name = storage + (i + 2) * (WH_SHA256_HEX_LEN + 8);
        snprintf(name, WH_SHA256_HEX_LEN + 8, "%s.tar", expected->results[i].diff_id + 7);
        names[i + 2] = name;
        char *path = wh_image_join(dir, name);
        if (path == NULL) {
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory verifying %s", dir);
            break;
        }
        const char *diff_hex = expected->results[i].diff_id + 7;
        result = wh_image_verify_layer_file(path, 0, expected->plans[i], expected->epoch,
                                            diff_hex, diff_hex, expected->threads, err);
        free(path);
    }
    if (result == WH_OK)
        result = check_listing(dir, names, unique_names(names, slots), err);

out:
    json_decref(config);
    free(names);
    free(storage);
    return result;
}
