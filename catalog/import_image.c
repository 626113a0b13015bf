/*
 * Image import: open the reference, flatten its layers, read its package
 * database, keep the image's metadata, then split it into components.
 */
#include "import_image.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/digest.h"
#include "import_image_internal.h"
#include "internal.h"

/* A sha256 over the flattened tree's metadata and contents: the image's identity. */
static wh_status hash_tree(const wh_flatten *flat, char hex[65], wh_error *err)
{
    wh_sha256 *hash = wh_sha256_new();
    if (hash == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory hashing the image");
    for (size_t i = 0; i < wh_flatten_count(flat); i++) {
        const wh_flat_file *file = wh_flatten_file_at(flat, i);
        const char *content = "";
        if (file->type == WH_FILE_REGULAR)
            content = wh_flatten_source_at(flat, file->source)->sha256;
        else if (file->target != NULL)
            content = file->target;
        char line[160];
        int length = snprintf(line, sizeof(line), "\t%d\t%o\t%lld\t%lld\t%llu\t",
                              (int)file->type, file->mode, (long long)file->uid,
                              (long long)file->gid, (unsigned long long)file->rdev);
        wh_sha256_update(hash, file->path, strlen(file->path) + 1);
        wh_sha256_update(hash, line, (size_t)length);
        wh_sha256_update(hash, content, strlen(content) + 1);
    }
    wh_sha256_final_hex(hash, hex);
    wh_sha256_free(hash);
    return WH_OK;
}

static wh_status store_blob(whc_import *import, const void *data, size_t size, char hex[65],
                            wh_error *err)
{
    whc_blob_writer *writer = NULL;
    wh_status result = whc_blob_begin(import->catalog, import, &writer, err);
    if (result == WH_OK)
        result = whc_blob_write(writer, data, size, err);
    if (result != WH_OK) {
        whc_blob_abort(writer);
        return result;
    }
    return whc_blob_commit(writer, hex, err);
}

static json_t *string_or_null(const char *text)
{
    return text ? json_string(text) : json_null();
}

/* Stores the config and a JSON record of the image; *record_hex receives its digest. */
static wh_status store_record(whc_import *import, const whc_image_source *source,
                              const wh_flatten *flat, char record_hex[65], wh_error *err)
{
    char config_hex[65];
    wh_status result = WH_OK;
    if (source->config_json != NULL) {
        result = store_blob(import, source->config_json, source->config_size, config_hex, err);
        if (result != WH_OK)
            return result;
    }

    json_t *record = json_object();
    json_t *layers = json_array();
    if (record == NULL || layers == NULL) {
        json_decref(record);
        json_decref(layers);
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory recording %s", source->reference);
    }
    json_object_set_new(record, "reference", json_string(source->reference));
    json_object_set_new(record, "manifest_digest", string_or_null(source->manifest_digest));
    json_object_set_new(record, "config_digest", string_or_null(source->config_digest));
    json_object_set_new(record, "wasted_bytes", json_integer(wh_flatten_wasted_bytes(flat)));
    for (uint32_t i = 0; i < wh_flatten_layer_count(flat); i++) {
        const wh_flat_layer *totals = wh_flatten_layer_at(flat, i);
        const whc_image_layer *layer = i < source->layer_count ? &source->layers[i] : NULL;
        json_t *item = json_object();
        json_object_set_new(item, "digest", string_or_null(layer ? layer->digest : NULL));
        json_object_set_new(item, "diff_id", string_or_null(layer ? layer->diff_id : NULL));
        json_object_set_new(item, "media_type",
                            string_or_null(layer ? layer->media_type : NULL));
        json_object_set_new(item, "size", json_integer(layer ? layer->size : 0));
        json_object_set_new(item, "entries", json_integer(totals->entries));
        json_object_set_new(item, "content_bytes", json_integer(totals->content_bytes));
        json_object_set_new(item, "wasted_bytes", json_integer(totals->wasted_bytes));
        json_array_append_new(layers, item);
    }
    json_object_set_new(record, "layers", layers);

    char *text = json_dumps(record, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(record);
    if (text == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory recording %s", source->reference);
    result = store_blob(import, text, strlen(text), record_hex, err);
    free(text);
    return result;
}

/* Reads the dpkg database, else the apk one; *found is 0 when the image has neither. */
static wh_status read_packages(whc_import *import, const wh_flatten *flat, whc_pkgdb *db,
                               int *found, wh_error *err)
{
    whc_flat_reader context = { import->catalog, flat };
    whc_pkgdb_reader reader;
    whc_flat_reader_init(&context, &reader);

    *found = 0;
    wh_status result = whc_pkgdb_read_dpkg(&reader, db, err);
    if (result == WH_ERR_NOT_FOUND) {
        whc_pkgdb_free(db);
        result = whc_pkgdb_read_apk(&reader, db, err);
    }
    if (result == WH_ERR_NOT_FOUND) {
        whc_pkgdb_free(db);
        wh_error_clear(err);
        return WH_OK;
    }
    *found = result == WH_OK;
    return result;
}

static wh_status fill_summary(whc_image_summary *summary, const whc_image_source *source,
                              const wh_flatten *flat, const char *name, const char *version,
                              const char *record_hex, const whc_pkgdb *db, int found,
                              wh_error *err)
{
    *summary = (whc_image_summary){ 0 };
    summary->name = strdup(name);
    summary->version = strdup(version);
    summary->manifest_digest = source->manifest_digest ? strdup(source->manifest_digest) : NULL;
    if (asprintf(&summary->record_digest, "sha256:%s", record_hex) < 0)
        summary->record_digest = NULL;
    summary->package_format = found ? db->format : NULL;
    summary->package_count = found ? db->count : 0;
    summary->file_count = (int64_t)wh_flatten_count(flat);
    summary->wasted_bytes = wh_flatten_wasted_bytes(flat);
    /* Each needed source is one regular file's content, so hardlinks count once. */
    for (uint32_t s = 0; wh_flatten_source_at(flat, s) != NULL; s++) {
        const wh_flat_source *content = wh_flatten_source_at(flat, s);
        if (content->needed)
            summary->total_size += content->size;
    }

    summary->layer_count = wh_flatten_layer_count(flat);
    summary->layers = calloc(summary->layer_count ? summary->layer_count : 1,
                             sizeof(*summary->layers));
    if (!summary->name || !summary->version || !summary->record_digest || !summary->layers
        || (source->manifest_digest && !summary->manifest_digest))
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory summarising the import");
    for (size_t i = 0; i < summary->layer_count; i++) {
        const wh_flat_layer *totals = wh_flatten_layer_at(flat, (uint32_t)i);
        whc_image_layer_summary *layer = &summary->layers[i];
        if (i < source->layer_count) {
            layer->digest = source->layers[i].digest ? strdup(source->layers[i].digest) : NULL;
            layer->size = source->layers[i].size;
        }
        layer->entries = totals->entries;
        layer->whiteouts = totals->whiteouts;
        layer->content_bytes = totals->content_bytes;
        layer->wasted_bytes = totals->wasted_bytes;
    }
    return WH_OK;
}

wh_status whc_import_image(whc_import *import, const char *reference,
                           const whc_image_import_options *options, whc_image_summary *summary,
                           wh_error *err)
{
    whc_image_source source = { 0 };
    wh_flatten *flat = NULL;
    whc_pkgdb db = { 0 };
    char *version = NULL;
    char *component_summary = NULL;
    char image_id[65];
    char record_hex[65];
    int found = 0;

    wh_status result = whc_image_source_open(reference, options ? options->open : NULL,
                                             &source, err);
    if (result == WH_OK)
        result = wh_flatten_new(&flat, err);
    if (result == WH_OK)
        result = whc_image_flatten(import, &source, flat, err);
    if (result == WH_OK)
        result = hash_tree(flat, image_id, err);
    if (result == WH_OK)
        result = read_packages(import, flat, &db, &found, err);
    if (result != WH_OK)
        goto out;
    for (size_t i = 0; options && options->warn && i < db.warning_count; i++)
        options->warn(options->warn_context, db.warnings[i]);

    result = store_record(import, &source, flat, record_hex, err);
    if (result != WH_OK)
        goto out;

    const char *name = options && options->name ? options->name : source.default_name;
    if (source.tag != NULL)
        version = strdup(source.tag);
    else
        version = strndup(image_id, 12);
    if (version == NULL
        || asprintf(&component_summary, "base image %s, %u layer%s; record sha256:%s",
                    reference, wh_flatten_layer_count(flat),
                    wh_flatten_layer_count(flat) == 1 ? "" : "s", record_hex) < 0) {
        component_summary = NULL;
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory importing %s", reference);
        goto out;
    }

    whc_split_input input = {
        .name = name,
        .version = version,
        .reference = reference,
        .image_id = image_id,
        .summary = component_summary,
        .packages = found ? &db : NULL,
    };
    result = whc_image_split(import, flat, &input, err);
    if (result == WH_OK) {
        whc_image_record record = {
            .reference = reference,
            .manifest_digest = source.manifest_digest,
            .config_digest = source.config_digest,
            .record_sha256 = record_hex,
        };
        result = whc_import_image_record(import, name, version, &record, err);
    }
    if (result == WH_OK && summary != NULL)
        result = fill_summary(summary, &source, flat, name, version, record_hex, &db, found,
                              err);

out:
    free(version);
    free(component_summary);
    whc_pkgdb_free(&db);
    wh_flatten_free(flat);
    whc_image_source_clear(&source);
    return result;
}

void whc_image_summary_clear(whc_image_summary *summary)
{
    if (summary == NULL)
        return;
    free(summary->name);
    free(summary->version);
    free(summary->manifest_digest);
    free(summary->record_digest);
    for (size_t i = 0; summary->layers && i < summary->layer_count; i++)
        free(summary->layers[i].digest);
    free(summary->layers);
    *summary = (whc_image_summary){ 0 };
}
