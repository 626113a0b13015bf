/*
 * docker-archive tarballs as `docker save` writes them: manifest.json lists
 * each image's config file, tags and layer files, and the config's
 * rootfs.diff_ids name the layers in the same order.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/digest.h"
#include "../core/fs.h"
#include "archive_entries.h"
#include "image_json.h"
#include "image_source.h"

wh_status whc_json_parse(const char *data, size_t size, const char *source, json_t **out,
                         wh_error *err)
{
    json_error_t error;
    *out = json_loadb(data, size, JSON_DECODE_ANY, &error);
    if (*out == NULL)
        return wh_error_set(err, WH_ERR_FORMAT, "%s is not valid JSON: %s at line %d, column %d",
                            source, error.text, error.line, error.column);
    return WH_OK;
}

const char *whc_json_string(json_t *object, const char *key)
{
    json_t *value = key ? json_object_get(object, key) : object;
    return json_is_string(value) ? json_string_value(value) : NULL;
}

/* Returns dir + the cleaned member name, or NULL with err set. */
static char *member_path(const char *dir, const char *archive, const char *name, wh_error *err)
{
    char *cleaned = NULL;
    if (whc_normalize_path(name, &cleaned, err) != WH_OK) {
        wh_error_prefix(err, "%s: manifest.json", archive);
        return NULL;
    }
    if (cleaned == NULL) {
        wh_error_set(err, WH_ERR_FORMAT, "%s: manifest.json names the archive root as a file",
                     archive);
        return NULL;
    }
    char *path = NULL;
    if (asprintf(&path, "%s%s", dir, cleaned) < 0) {
        path = NULL;
        wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", archive);
    }
    free(cleaned);
    return path;
}

static wh_status load_json_file(const char *path, const char *label, json_t **out, char **raw,
                                size_t *raw_size, wh_error *err)
{
    char *data = NULL;
    size_t size = 0;
    wh_status result = wh_read_file(path, WHC_IMAGE_JSON_MAX, &data, &size, err);
    if (result != WH_OK)
        return result;
    result = whc_json_parse(data, size, label, out, err);
    if (result == WH_OK && raw != NULL) {
        *raw = data;
        *raw_size = size;
        return WH_OK;
    }
    free(data);
    return result;
}

/* True when one of the image's RepoTags is name:tag, with or without docker.io/library/. */
static int tags_match(json_t *image, const char *name, const char *tag)
{
    json_t *tags = json_object_get(image, "RepoTags");
    for (size_t i = 0; i < json_array_size(tags); i++) {
        const char *text = whc_json_string(json_array_get(tags, i), NULL);
        if (text == NULL)
            continue;
        const char *colon = strrchr(text, ':');
        size_t name_length = colon ? (size_t)(colon - text) : strlen(text);
        const char *text_tag = colon ? colon + 1 : "latest";
        const char *short_name = text;
        if (strncmp(text, "docker.io/library/", 18) == 0)
            short_name = text + 18;
        name_length -= (size_t)(short_name - text);
        if (strlen(name) == name_length && strncmp(short_name, name, name_length) == 0
            && strcmp(text_tag, tag ? tag : "latest") == 0)
            return 1;
    }
    return 0;
}

static wh_status pick_image(json_t *manifest, const char *archive, const char *name,
                            const char *tag, json_t **out, wh_error *err)
{
    size_t count = json_array_size(manifest);
    if (name == NULL) {
        if (count == 1) {
            *out = json_array_get(manifest, 0);
            return WH_OK;
        }
        return wh_error_set(err, WH_ERR_INVALID,
                            "%s holds %zu images; choose one with docker-archive:%s:NAME:TAG",
                            archive, count, archive);
    }
    for (size_t i = 0; i < count; i++) {
        if (tags_match(json_array_get(manifest, i), name, tag)) {
            *out = json_array_get(manifest, i);
            return WH_OK;
        }
    }
    return wh_error_set(err, WH_ERR_NOT_FOUND, "%s has no image tagged %s:%s", archive, name,
                        tag ? tag : "latest");
}

static wh_status read_image_layers(const char *dir, const char *archive, json_t *image,
                                   json_t *config, whc_image_source *out, wh_error *err)
{
    json_t *layers = json_object_get(image, "Layers");
    json_t *diff_ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
    if (!json_is_array(layers))
        return wh_error_set(err, WH_ERR_FORMAT, "%s: manifest.json has no Layers list", archive);
    if (json_is_array(diff_ids) && json_array_size(diff_ids) != json_array_size(layers))
        return wh_error_set(err, WH_ERR_FORMAT,
                            "%s: manifest.json lists %zu layers but the config has %zu "
                            "diff_ids", archive, json_array_size(layers),
                            json_array_size(diff_ids));

    for (size_t i = 0; i < json_array_size(layers); i++) {
        const char *name = whc_json_string(json_array_get(layers, i), NULL);
        if (name == NULL)
            return wh_error_set(err, WH_ERR_FORMAT, "%s: manifest.json layer %zu is not a "
                                "file name", archive, i + 1);
        char *path = member_path(dir, archive, name, err);
        if (path == NULL)
            return err ? err->status : WH_ERR_FORMAT;

        struct stat st;
        char hex[65];
        char digest[72];
        wh_status result = WH_OK;
        if (stat(path, &st) != 0)
            result = wh_error_set(err, WH_ERR_NOT_FOUND, "%s: layer %s is missing", archive,
                                  name);
        else
            result = wh_sha256_file_hex(path, hex, err);
        if (result == WH_OK) {
            snprintf(digest, sizeof(digest), "sha256:%s", hex);
            whc_image_layer layer = {
                .path = path,
                .digest = digest,
                .diff_id = (char *)whc_json_string(json_array_get(diff_ids, i), NULL),
                .size = st.st_size,
                .hashed = 1,
            };
            result = whc_image_add_layer(out, &layer, err);
        }
        free(path);
        if (result != WH_OK)
            return result;
    }
    return WH_OK;
}

wh_status whc_image_read_docker_archive(const char *dir, const char *archive, const char *name,
                                        const char *tag, whc_image_source *out, wh_error *err)
{
    wh_status result = WH_OK;
    char *manifest_path = NULL;
    char *config_path = NULL;
    json_t *manifest = NULL;
    json_t *config = NULL;
    char label[1024];
    struct stat st;

    if (asprintf(&manifest_path, "%s/manifest.json", dir) < 0) {
        manifest_path = NULL;
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", archive);
    }
    if (stat(manifest_path, &st) != 0) {
        char *legacy = NULL;
        int has_legacy = asprintf(&legacy, "%s/repositories", dir) >= 0
                      && stat(legacy, &st) == 0;
        free(legacy);
        result = wh_error_set(err, WH_ERR_FORMAT,
                              has_legacy
                                  ? "%s has no manifest.json, only the 'repositories' file of "
                                    "Docker before 1.10; save the image again with a current "
                                    "docker or skopeo"
                                  : "%s is not a docker-archive: manifest.json is missing",
                              archive);
        goto out;
    }

    snprintf(label, sizeof(label), "%s: manifest.json", archive);
    result = load_json_file(manifest_path, label, &manifest, NULL, NULL, err);
    if (result != WH_OK)
        goto out;
    if (!json_is_array(manifest) || json_array_size(manifest) == 0) {
        result = wh_error_set(err, WH_ERR_FORMAT,
                              "%s: manifest.json is %s; expected a list of images", archive,
                              json_is_null(manifest) ? "null"
                              : json_is_array(manifest) ? "an empty list" : "not a list");
        goto out;
    }

    json_t *image = NULL;
    result = pick_image(manifest, archive, name, tag, &image, err);
    if (result != WH_OK)
        goto out;

    const char *config_name = whc_json_string(image, "Config");
    if (config_name == NULL) {
        result = wh_error_set(err, WH_ERR_FORMAT, "%s: manifest.json names no Config file",
                              archive);
        goto out;
    }
    config_path = member_path(dir, archive, config_name, err);
    if (config_path == NULL) {
        result = err ? err->status : WH_ERR_FORMAT;
        goto out;
    }
    snprintf(label, sizeof(label), "%s: %s", archive, config_name);
    result = load_json_file(config_path, label, &config, &out->config_json, &out->config_size,
                            err);
    if (result != WH_OK)
        goto out;

    char hex[65];
    wh_sha256_buffer_hex(out->config_json, out->config_size, hex);
    if (asprintf(&out->config_digest, "sha256:%s", hex) < 0) {
        out->config_digest = NULL;
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", archive);
        goto out;
    }
    result = read_image_layers(dir, archive, image, config, out, err);

out:
    json_decref(manifest);
    json_decref(config);
    free(manifest_path);
    free(config_path);
    return result;
}
