/*
 * The OCI config, manifest and index documents, serialised canonically:
 * jansson with JSON_SORT_KEYS | JSON_COMPACT, so keys are in byte order,
 * there is no whitespace and no trailing newline, and strings are UTF-8
 * with only '"', '\\' and control characters escaped.
 */
#include "image_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static wh_status no_memory(wh_error *err)
{
    return wh_error_set(err, WH_ERR_NOMEM, "out of memory building image JSON");
}

wh_status wh_image_rfc3339(int64_t seconds, char out[32], wh_error *err)
{
    /* Year 9999 ends at 253402300799; later times do not fit RFC 3339. */
    if (seconds < 0 || seconds > 253402300799LL)
        return wh_error_set(err, WH_ERR_INVALID,
                            "invalid time %lld: use seconds from 0 (1970) to 253402300799 (9999)",
                            (long long)seconds);
    time_t time = (time_t)seconds;
    struct tm fields;
    if (gmtime_r(&time, &fields) == NULL ||
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &fields) == 0)
        return wh_error_set(err, WH_ERR_INVALID, "cannot format time %lld", (long long)seconds);
    return WH_OK;
}

wh_status wh_image_json_dump(const json_t *value, char **text, size_t *size, wh_error *err)
{
    *text = json_dumps(value, JSON_SORT_KEYS | JSON_COMPACT);
    if (*text == NULL)
        return no_memory(err);
    *size = strlen(*text);
    return WH_OK;
}

/* Sets key to a new string; invalid UTF-8 is an input error naming the field. */
static wh_status set_string(json_t *object, const char *key, const char *value, wh_error *err)
{
    json_t *string = json_string(value);
    if (string == NULL)
        return wh_error_set(err, WH_ERR_INVALID,
                            "image config field %s is not valid UTF-8; JSON text must be UTF-8",
                            key);
    if (json_object_set_new(object, key, string) != 0)
        return no_memory(err);
    return WH_OK;
}

static wh_status set_optional(json_t *object, const char *key, const char *value, wh_error *err)
{
    if (value == NULL || value[0] == '\0')
        return WH_OK;
    return set_string(object, key, value, err);
}

static wh_status set_array(json_t *object, const char *key, const char *const *values,
                           size_t count, wh_error *err)
{
    if (count == 0)
        return WH_OK;
    json_t *array = json_array();
    if (array == NULL || json_object_set_new(object, key, array) != 0)
        return no_memory(err);
    for (size_t i = 0; i < count; i++) {
        json_t *string = values[i] != NULL ? json_string(values[i]) : NULL;
        if (string == NULL)
            return wh_error_set(err, WH_ERR_INVALID,
                                "image config %s item %zu is missing or not valid UTF-8", key, i);
        if (json_array_append_new(array, string) != 0)
            return no_memory(err);
    }
    return WH_OK;
}

static wh_status build_run_config(const wh_image_config *config, json_t *run, wh_error *err)
{
    wh_status result = set_optional(run, "User", config->user, err);
    if (result == WH_OK)
        result = set_array(run, "Entrypoint", config->entrypoint, config->entrypoint_count, err);
    if (result == WH_OK)
        result = set_array(run, "Cmd", config->cmd, config->cmd_count, err);
    if (result == WH_OK)
        result = set_array(run, "Env", config->env, config->env_count, err);
    if (result == WH_OK)
        result = set_optional(run, "WorkingDir", config->workdir, err);
    if (result == WH_OK)
        result = set_optional(run, "StopSignal", config->stop_signal, err);
    if (result != WH_OK)
        return result;

    if (config->label_count > 0) {
        json_t *labels = json_object();
        if (labels == NULL || json_object_set_new(run, "Labels", labels) != 0)
            return no_memory(err);
        for (size_t i = 0; i < config->label_count; i++) {
            const wh_label *label = &config->labels[i];
            if (label->key == NULL || label->value == NULL ||
                json_object_get(labels, label->key) != NULL)
                return wh_error_set(err, WH_ERR_INVALID,
                                    "image label %zu (%s) is missing a key or value, or repeats "
                                    "a key", i, label->key != NULL ? label->key : "no key");
            result = set_string(labels, label->key, label->value, err);
            if (result != WH_OK)
                return result;
        }
    }

    if (config->exposed_port_count > 0) {
        json_t *ports = json_object();
        if (ports == NULL || json_object_set_new(run, "ExposedPorts", ports) != 0)
            return no_memory(err);
        for (size_t i = 0; i < config->exposed_port_count; i++) {
            const char *port = config->exposed_ports[i];
            if (port == NULL || port[0] == '\0')
                return wh_error_set(err, WH_ERR_INVALID, "exposed port %zu is empty; use "
                                    "PORT/tcp or PORT/udp", i);
            if (json_object_set_new(ports, port, json_object()) != 0)
                return no_memory(err);
        }
    }
    return WH_OK;
}

static wh_status build_config(const wh_image_config *config, const wh_layer_input *layers,
                              const wh_layer_result *results, size_t layer_count,
                              const wh_image_options *options, json_t *root, wh_error *err)
{
    char created[32];
    char epoch[32];
    wh_status result = wh_image_rfc3339(config->created, created, err);
    if (result == WH_OK)
        result = wh_image_rfc3339(options->epoch, epoch, err);
    if (result != WH_OK)
        return result;

    if (config->architecture == NULL || config->architecture[0] == '\0' || config->os == NULL ||
        config->os[0] == '\0')
        return wh_error_set(err, WH_ERR_INVALID,
                            "the image config needs an architecture and an os, such as "
                            "amd64 and linux");
    result = set_string(root, "architecture", config->architecture, err);
    if (result == WH_OK)
        result = set_string(root, "os", config->os, err);
    if (result == WH_OK)
        result = set_optional(root, "variant", config->variant, err);
    if (result == WH_OK)
        result = set_string(root, "created", created, err);
    if (result != WH_OK)
        return result;

    json_t *run = json_object();
    if (run == NULL || json_object_set_new(root, "config", run) != 0)
        return no_memory(err);
    result = build_run_config(config, run, err);
    if (result != WH_OK)
        return result;

    json_t *diff_ids = json_array();
    json_t *history = json_array();
    json_t *rootfs = json_pack("{s:s, s:o}", "type", "layers", "diff_ids", diff_ids);
    if (rootfs == NULL || json_object_set_new(root, "rootfs", rootfs) != 0 || history == NULL ||
        json_object_set_new(root, "history", history) != 0)
        return no_memory(err);

    /* One history entry per layer, dated at the epoch like the files in it. */
    for (size_t i = 0; i < layer_count; i++) {
        json_t *step = json_object();
        if (json_array_append_new(diff_ids, json_string(results[i].diff_id)) != 0 ||
            step == NULL || json_array_append_new(history, step) != 0)
            return no_memory(err);
        result = set_string(step, "created", epoch, err);
        if (result == WH_OK)
            result = set_optional(step, "created_by", layers[i].comment, err);
        if (result != WH_OK)
            return result;
    }
    return WH_OK;
}

static json_t *descriptor(const char *media_type, const char *digest, uint64_t size)
{
    return json_pack("{s:s, s:s, s:I}", "mediaType", media_type, "digest", digest, "size",
                     (json_int_t)size);
}

wh_status wh_image_documents_build(const wh_image_config *config, const wh_layer_input *layers,
                                   const wh_layer_result *results, size_t layer_count,
                                   const wh_image_options *options, wh_image_documents *out,
                                   wh_error *err)
{
    wh_status result = WH_OK;
    json_t *config_root = json_object();
    json_t *manifest = NULL;
    memset(out, 0, sizeof(*out));

    if (config_root == NULL) {
        result = no_memory(err);
        goto out;
    }
    result = build_config(config, layers, results, layer_count, options, config_root, err);
    if (result == WH_OK)
        result = wh_image_json_dump(config_root, &out->config, &out->config_size, err);
    if (result != WH_OK)
        goto out;
    wh_sha256_buffer_hex(out->config, out->config_size, out->config_hex);

    char config_digest[WH_DIGEST_TEXT_MAX];
    snprintf(config_digest, sizeof(config_digest), "sha256:%s", out->config_hex);
    json_t *layer_list = json_array();
    manifest = json_pack("{s:i, s:s, s:o, s:o}", "schemaVersion", 2, "mediaType",
                         WH_MEDIA_TYPE_MANIFEST, "config",
                         descriptor(WH_MEDIA_TYPE_CONFIG, config_digest, out->config_size),
                         "layers", layer_list);
    if (manifest == NULL) {
        result = no_memory(err);
        goto out;
    }
    for (size_t i = 0; i < layer_count; i++) {
        json_t *layer = descriptor(WH_MEDIA_TYPE_LAYER_GZIP, results[i].digest, results[i].size);
        if (json_array_append_new(layer_list, layer) != 0) {
            result = no_memory(err);
            goto out;
        }
    }
    result = wh_image_json_dump(manifest, &out->manifest, &out->manifest_size, err);
    if (result == WH_OK)
        wh_sha256_buffer_hex(out->manifest, out->manifest_size, out->manifest_hex);

out:
    json_decref(config_root);
    json_decref(manifest);
    if (result != WH_OK)
        wh_image_documents_release(out);
    return result;
}

void wh_image_documents_release(wh_image_documents *documents)
{
    if (documents == NULL)
        return;
    free(documents->config);
    free(documents->manifest);
    memset(documents, 0, sizeof(*documents));
}

wh_status wh_image_index_build(const wh_image_documents *documents,
                               const wh_image_config *config, const char *tag, char **text,
                               size_t *size, wh_error *err)
{
    wh_status result = WH_OK;
    char digest[WH_DIGEST_TEXT_MAX];
    snprintf(digest, sizeof(digest), "sha256:%s", documents->manifest_hex);

    json_t *entry = descriptor(WH_MEDIA_TYPE_MANIFEST, digest, documents->manifest_size);
    json_t *platform = json_pack("{s:s, s:s}", "architecture", config->architecture, "os",
                                 config->os);
    json_t *index = json_pack("{s:i, s:s, s:[o]}", "schemaVersion", 2, "mediaType",
                              WH_MEDIA_TYPE_INDEX, "manifests", entry);
    if (index == NULL || platform == NULL || json_object_set(entry, "platform", platform) != 0) {
        result = no_memory(err);
        goto out;
    }
    if (config->variant != NULL && config->variant[0] != '\0' &&
        json_object_set_new(platform, "variant", json_string(config->variant)) != 0) {
        result = no_memory(err);
        goto out;
    }
    if (tag != NULL && json_object_set_new(entry, "annotations",
                                           json_pack("{s:s}", WH_OCI_REF_NAME, tag)) != 0) {
        result = no_memory(err);
        goto out;
    }
    result = wh_image_json_dump(index, text, size, err);

out:
    json_decref(platform);
    json_decref(index);
    return result;
}
