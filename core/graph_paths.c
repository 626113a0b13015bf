/*
 * The component graph's path index: from a path to the files at it, and
 * lookups that follow symlinked parent directories.
 */
#include "graph_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SYMLINK_HOPS 40

/* Whether the NUL-terminated stored path equals the first length bytes of path. */
static int same_path(const char *stored, const char *path, size_t length)
{
    return strncmp(stored, path, length) == 0 && stored[length] == '\0';
}

static uint32_t lookup_exact(const wh_graph *graph, const char *path, size_t length)
{
    const path_index *index = &graph->paths;
    if (index->slots == NULL)
        return WH_NONE;

    uint64_t hash = wh_hash_bytes(path, length);
    uint32_t hash_high = (uint32_t)(hash >> 32);
    for (uint32_t i = (uint32_t)hash & index->mask;; i = (i + 1) & index->mask) {
        const path_slot *slot = &index->slots[i];
        if (slot->file == WH_NONE)
            return WH_NONE;
        if (slot->hash_high == hash_high && same_path(graph->files[slot->file].path, path, length))
            return slot->file;
    }
}

wh_status wh_graph_index_paths(wh_graph *graph, wh_error *err)
{
    /* At most three quarters of the slots are used, because no more paths than files exist. */
    uint64_t capacity = 16;
    while (capacity * 3 < (uint64_t)graph->file_count * 4)
        capacity *= 2;
    if (capacity > UINT32_MAX)
        return wh_error_set(err, WH_ERR_INVALID, "too many files (%u) to index their paths",
                            graph->file_count);

    path_index *index = &graph->paths;
    free(index->slots);
    index->slots = malloc((size_t)capacity * sizeof(path_slot));
    if (index->slots == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory indexing file paths");
    /* Every byte 0xff makes every slot's file WH_NONE, so the table starts empty. */
    memset(index->slots, 0xff, (size_t)capacity * sizeof(path_slot));
    index->mask = (uint32_t)(capacity - 1);

    /* A later file with the same path becomes the chain's head and links to the earlier one. */
    for (uint32_t f = 0; f < graph->file_count; f++) {
        wh_graph_file *file = &graph->files[f];
        file->same_path_next = WH_NONE;
        size_t length = strlen(file->path);
        uint64_t hash = wh_hash_bytes(file->path, length);
        uint32_t hash_high = (uint32_t)(hash >> 32);
        uint32_t i = (uint32_t)hash & index->mask;
        while (index->slots[i].file != WH_NONE
               && !(index->slots[i].hash_high == hash_high
                    && same_path(graph->files[index->slots[i].file].path, file->path, length)))
            i = (i + 1) & index->mask;

        path_slot *slot = &index->slots[i];
        if (slot->file != WH_NONE) {
            file->same_path_next = slot->file;
            file->flags |= WH_FLAG_SHARED_PATH;
            graph->files[slot->file].flags |= WH_FLAG_SHARED_PATH;
        }
        slot->hash_high = hash_high;
        slot->file = f;
    }
    return WH_OK;
}

uint32_t wh_graph_lookup(const wh_graph *graph, const char *path)
{
    uint32_t found = lookup_exact(graph, path, strlen(path));
    if (found != WH_NONE)
        return found;

    /* Replace the first parent directory that is a symlink, and try again. */
    char current[4096];
    if (snprintf(current, sizeof(current), "%s", path) >= (int)sizeof(current))
        return WH_NONE;

    for (int hop = 0; hop < MAX_SYMLINK_HOPS; hop++) {
        int replaced = 0;
        for (char *slash = strchr(current + 1, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
            uint32_t parent = lookup_exact(graph, current, (size_t)(slash - current));
            if (parent == WH_NONE || graph->files[parent].type != WH_FILE_SYMLINK)
                continue;

            char dir[4096];
            char joined[4096];
            char *last = slash;
            while (last > current && *--last != '/') {
            }
            snprintf(dir, sizeof(dir), "%.*s", (int)(last - current), current);
            if (dir[0] == '\0')
                strcpy(dir, "/");
            if (snprintf(joined, sizeof(joined), "%s/%s", graph->files[parent].target, slash + 1)
                    >= (int)sizeof(joined)
                || wh_path_resolve(dir, joined, current, sizeof(current)) != 0)
                return WH_NONE;
            replaced = 1;
            break;
        }
        if (!replaced)
            return WH_NONE;

        found = lookup_exact(graph, current, strlen(current));
        if (found != WH_NONE)
            return found;
    }
    return WH_NONE;
}
