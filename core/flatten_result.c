/* The final tree, layer totals and content sources of a flattener. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flatten_internal.h"

static int compare_files(const void *a, const void *b)
{
    return strcmp(((const wh_flat_file *)a)->path, ((const wh_flat_file *)b)->path);
}

wh_status wh_flatten_finish(wh_flatten *flat, wh_error *err)
{
    if (flat->finished)
        return WH_OK;

    size_t live = 0;
    for (size_t i = 1; i < flat->node_count; i++)
        live += flat->nodes[i].live ? 1 : 0;

    flat->files = calloc(live ? live : 1, sizeof(*flat->files));
    if (flat->files == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory listing %zu files", live);

    size_t used = 0;
    for (size_t i = 1; i < flat->node_count; i++) {
        const wh_flat_node *node = &flat->nodes[i];
        if (!node->live)
            continue;
        flat->files[used++] = (wh_flat_file){
            .path = node->path,
            .type = node->type,
            .mode = node->mode,
            .uid = node->uid,
            .gid = node->gid,
            .size = node->size,
            .target = node->target,
            .rdev = node->rdev,
            .xattrs = node->xattrs,
            .xattr_count = node->xattr_count,
            .layer = node->layer,
            .source = node->source,
            .implicit = node->implicit,
        };
    }
    qsort(flat->files, used, sizeof(*flat->files), compare_files);
    flat->file_count = used;

    for (size_t i = 0; i < used; i++) {
        uint32_t node = wh_strmap_get(&flat->index, flat->files[i].path,
                                      strlen(flat->files[i].path));
        flat->nodes[node].file_index = (uint32_t)i;
    }
    flat->finished = 1;
    return WH_OK;
}

size_t wh_flatten_count(const wh_flatten *flat)
{
    return flat->file_count;
}

const wh_flat_file *wh_flatten_file_at(const wh_flatten *flat, size_t index)
{
    return index < flat->file_count ? &flat->files[index] : NULL;
}

uint32_t wh_flatten_lookup(const wh_flatten *flat, const char *path)
{
    if (!flat->finished)
        return WH_FLATTEN_NONE;
    const wh_flat_node *node = wh_flatten_node_get(flat, path, strlen(path));
    if (node == NULL || node == flat->nodes)
        return WH_FLATTEN_NONE;
    return node->file_index;
}

uint32_t wh_flatten_layer_count(const wh_flatten *flat)
{
    return flat->layer_count;
}

const wh_flat_layer *wh_flatten_layer_at(const wh_flatten *flat, uint32_t layer)
{
    return layer < flat->layer_count ? &flat->layers[layer] : NULL;
}

int64_t wh_flatten_wasted_bytes(const wh_flatten *flat)
{
    return flat->wasted;
}

uint32_t wh_flatten_source_find(const wh_flatten *flat, uint32_t layer, uint32_t position)
{
    /* Sources are created in (layer, position) order, so binary search works. */
    size_t low = 0;
    size_t high = flat->source_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        const wh_flat_source *s = &flat->sources[middle];
        if (s->layer < layer || (s->layer == layer && s->position < position))
            low = middle + 1;
        else
            high = middle;
    }
    if (low < flat->source_count && flat->sources[low].layer == layer
        && flat->sources[low].position == position)
        return (uint32_t)low;
    return WH_FLATTEN_NONE;
}

const wh_flat_source *wh_flatten_source_at(const wh_flatten *flat, uint32_t source)
{
    return source < flat->source_count ? &flat->sources[source] : NULL;
}

size_t wh_flatten_needed_in_layer(const wh_flatten *flat, uint32_t layer)
{
    size_t count = 0;
    for (size_t i = 0; i < flat->source_count; i++)
        count += flat->sources[i].layer == layer && flat->sources[i].needed ? 1 : 0;
    return count;
}

void wh_flatten_set_content(wh_flatten *flat, uint32_t source, const char *sha256_hex)
{
    if (source >= flat->source_count)
        return;
    snprintf(flat->sources[source].sha256, sizeof(flat->sources[source].sha256), "%s",
             sha256_hex);
}
