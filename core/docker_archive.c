/*
 * docker-archive metadata: the format `docker save` writes and `docker load`
 * and containers/image read. The folder contains <config hex>.json, one
 * uncompressed <diff_id hex>.tar per layer and manifest.json:
 *
 *   [{"Config":"<hex>.json","Layers":["<hex>.tar",...],"RepoTags":["name:tag"]}]
 *
 * RepoTags is empty when the reference gave no name.
 */
#include "image_internal.h"

#include <stdio.h>
#include <stdlib.h>

wh_status wh_docker_archive_write_metadata(const char *dir, const wh_image_documents *documents,
                                           const wh_layer_result *results, size_t layer_count,
                                           const char *repository, const char *tag,
                                           wh_error *err)
{
    wh_status result = WH_OK;
    char config_name[WH_SHA256_HEX_LEN + 8];
    char *text = NULL;
    size_t size = 0;
    snprintf(config_name, sizeof(config_name), "%s.json", documents->config_hex);

    json_t *layers = json_array();
    json_t *tags = json_array();
    json_t *image = json_pack("{s:s, s:o, s:o}", "Config", config_name, "Layers", layers,
                              "RepoTags", tags);
    json_t *list = json_pack("[o]", image);
    if (list == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory writing %s", dir);
        goto out;
    }

    for (size_t i = 0; i < layer_count; i++) {
        char name[WH_SHA256_HEX_LEN + 8];
        snprintf(name, sizeof(name), "%s.tar", results[i].diff_id + 7);
        if (json_array_append_new(layers, json_string(name)) != 0) {
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory writing %s", dir);
            goto out;
        }
    }
    if (repository != NULL) {
        char repo_tag[1024];
        snprintf(repo_tag, sizeof(repo_tag), "%s:%s", repository, tag != NULL ? tag : "latest");
        if (json_array_append_new(tags, json_string(repo_tag)) != 0) {
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory writing %s", dir);
            goto out;
        }
    }

    result = wh_image_write_file(dir, config_name, documents->config, documents->config_size,
                                 err);
    if (result == WH_OK)
        result = wh_image_json_dump(list, &text, &size, err);
    if (result == WH_OK)
        result = wh_image_write_file(dir, "manifest.json", text, size, err);

out:
    free(text);
    json_decref(list);
    return result;
}
