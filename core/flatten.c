/* Layer flattening over a tree of path nodes; rules in flatten.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "flatten_internal.h"

#define ROOT 0u

static const char whiteout_prefix[] = ".wh.";
static const char opaque_name[] = ".wh..wh..opq";

static wh_flat_node *node_at(wh_flatten *flat, uint32_t index)
{
    return &flat->nodes[index];
}

const wh_flat_node *wh_flatten_node_get(const wh_flatten *flat, const char *path,
                                        size_t length)
{
    uint32_t index = wh_strmap_get(&flat->index, path, length);
    if (index == UINT32_MAX || !flat->nodes[index].live)
        return NULL;
    return &flat->nodes[index];
}

static uint32_t lookup_node(const wh_flatten *flat, const char *path)
{
    return wh_strmap_get(&flat->index, path, strlen(path));
}

/* Returns the node for path, reviving or creating it (dead and unlinked). */
static wh_status node_for_path(wh_flatten *flat, const char *path, uint32_t *out, wh_error *err)
{
    uint32_t index = lookup_node(flat, path);
    if (index != UINT32_MAX) {
        *out = index;
        return WH_OK;
    }

    if (flat->node_count == flat->node_capacity) {
        size_t capacity = flat->node_capacity ? flat->node_capacity * 2 : 256;
        wh_flat_node *grown = realloc(flat->nodes, capacity * sizeof(*grown));
        if (grown == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory adding %s", path);
        flat->nodes = grown;
        flat->node_capacity = capacity;
    }
    char *copy = strdup(path);
    if (copy == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory adding %s", path);

    index = (uint32_t)flat->node_count;
    uint32_t existing;
    if (wh_strmap_put(&flat->index, copy, strlen(copy), index, &existing) != 0) {
        free(copy);
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory adding %s", path);
    }
    flat->nodes[index] = (wh_flat_node){
        .path = copy,
        .parent = WH_FLATTEN_NONE,
        .first_child = WH_FLATTEN_NONE,
        .next_sibling = WH_FLATTEN_NONE,
        .previous_sibling = WH_FLATTEN_NONE,
        .source = WH_FLATTEN_NONE,
    };
    flat->node_count++;
    *out = index;
    return WH_OK;
}

static void link_child(wh_flatten *flat, uint32_t parent, uint32_t child)
{
    wh_flat_node *node = node_at(flat, child);
    node->parent = parent;
    node->previous_sibling = WH_FLATTEN_NONE;
    node->next_sibling = node_at(flat, parent)->first_child;
    if (node->next_sibling != WH_FLATTEN_NONE)
        node_at(flat, node->next_sibling)->previous_sibling = child;
    node_at(flat, parent)->first_child = child;
}

static void unlink_child(wh_flatten *flat, uint32_t child)
{
    wh_flat_node *node = node_at(flat, child);
    if (node->previous_sibling != WH_FLATTEN_NONE)
        node_at(flat, node->previous_sibling)->next_sibling = node->next_sibling;
    else if (node->parent != WH_FLATTEN_NONE)
        node_at(flat, node->parent)->first_child = node->next_sibling;
    if (node->next_sibling != WH_FLATTEN_NONE)
        node_at(flat, node->next_sibling)->previous_sibling = node->previous_sibling;
    node->next_sibling = node->previous_sibling = WH_FLATTEN_NONE;
}

static void free_xattrs(wh_flat_xattr *xattrs, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(xattrs[i].name);
        free(xattrs[i].value);
    }
    free(xattrs);
}

static wh_status copy_xattrs(const wh_flat_xattr *xattrs, size_t count, wh_flat_xattr **out,
                             wh_error *err)
{
    *out = NULL;
    if (count == 0)
        return WH_OK;
    wh_flat_xattr *copy = calloc(count, sizeof(*copy));
    if (copy == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory copying xattrs");
    for (size_t i = 0; i < count; i++) {
        copy[i].name = strdup(xattrs[i].name);
        copy[i].value = malloc(xattrs[i].size ? xattrs[i].size : 1);
        copy[i].size = xattrs[i].size;
        if (copy[i].name == NULL || copy[i].value == NULL) {
            free_xattrs(copy, i + 1);
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory copying xattrs");
        }
        memcpy(copy[i].value, xattrs[i].value, xattrs[i].size);
    }
    *out = copy;
    return WH_OK;
}

/* Drops one reference to a source; content no file uses any more counts as wasted. */
static void release_source(wh_flatten *flat, uint32_t source)
{
    if (source == WH_FLATTEN_NONE || flat->source_references[source] == 0)
        return;
    if (--flat->source_references[source] > 0)
        return;
    wh_flat_source *s = &flat->sources[source];
    s->needed = 0;
    flat->wasted += s->size;
    flat->layers[s->layer].wasted_bytes += s->size;
}

/* Marks a node and everything below it dead. */
static void remove_subtree(wh_flatten *flat, uint32_t index)
{
    while (node_at(flat, index)->first_child != WH_FLATTEN_NONE)
        remove_subtree(flat, node_at(flat, index)->first_child);

    wh_flat_node *node = node_at(flat, index);
    release_source(flat, node->source);
    node->source = WH_FLATTEN_NONE;
    free(node->target);
    node->target = NULL;
    free_xattrs(node->xattrs, node->xattr_count);
    node->xattrs = NULL;
    node->xattr_count = 0;
    node->live = 0;
    unlink_child(flat, index);
}

/* True when index or anything below it was written by layer. */
static int subtree_has_layer(wh_flatten *flat, uint32_t index, uint32_t layer)
{
    if (node_at(flat, index)->layer == layer)
        return 1;
    for (uint32_t child = node_at(flat, index)->first_child; child != WH_FLATTEN_NONE;
         child = node_at(flat, child)->next_sibling) {
        if (subtree_has_layer(flat, child, layer))
            return 1;
    }
    return 0;
}

/*
 * Removes every entry below directory index that a lower layer added. A
 * lower directory that contains entries of this layer stays, because this
 * layer wrote into it, and is cleared of its lower entries instead.
 */
static void hide_lower(wh_flatten *flat, uint32_t index, uint32_t layer)
{
    uint32_t child = node_at(flat, index)->first_child;
    while (child != WH_FLATTEN_NONE) {
        uint32_t next = node_at(flat, child)->next_sibling;
        int directory = node_at(flat, child)->type == WH_FILE_DIRECTORY;
        if (directory && subtree_has_layer(flat, child, layer))
            hide_lower(flat, child, layer);
        else if (node_at(flat, child)->layer < layer)
            remove_subtree(flat, child);
        child = next;
    }
}

/* Makes every directory of parent_path exist, creating implicit ones. */
static wh_status ensure_parents(wh_flatten *flat, char *parent_path, uint32_t *parent,
                                wh_error *err)
{
    uint32_t current = ROOT;
    size_t length = strlen(parent_path);

    for (size_t end = 1; end <= length; end++) {
        if (end < length && parent_path[end] != '/')
            continue;
        char saved = parent_path[end];
        parent_path[end] = '\0';

        uint32_t index;
        wh_status result = node_for_path(flat, parent_path, &index, err);
        if (result != WH_OK) {
            parent_path[end] = saved;
            return result;
        }
        wh_flat_node *node = node_at(flat, index);
        if (node->live && node->type != WH_FILE_DIRECTORY) {
            result = wh_error_set(err, WH_ERR_FORMAT,
                                  "the parent %s is a %s, not a directory", parent_path,
                                  wh_file_type_name(node->type));
            parent_path[end] = saved;
            return result;
        }
        if (!node->live) {
            node->live = 1;
            node->implicit = 1;
            node->type = WH_FILE_DIRECTORY;
            node->mode = S_IFDIR | 0755;
            node->uid = node->gid = 0;
            node->layer = flat->layer_count - 1;
            link_child(flat, current, index);
        }
        parent_path[end] = saved;
        current = index;
    }
    *parent = current;
    return WH_OK;
}

static wh_status new_source(wh_flatten *flat, int64_t size, uint32_t *out, wh_error *err)
{
    if (flat->source_count == flat->source_capacity) {
        size_t capacity = flat->source_capacity ? flat->source_capacity * 2 : 256;
        wh_flat_source *sources = realloc(flat->sources, capacity * sizeof(*sources));
        if (sources == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory recording a file");
        flat->sources = sources;
        uint32_t *references = realloc(flat->source_references, capacity * sizeof(*references));
        if (references == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory recording a file");
        flat->source_references = references;
        flat->source_capacity = capacity;
    }
    uint32_t layer = flat->layer_count - 1;
    flat->sources[flat->source_count] = (wh_flat_source){
        .layer = layer, .position = flat->position, .size = size, .needed = 1,
    };
    flat->source_references[flat->source_count] = 0;
    flat->layers[layer].content_bytes += size;
    *out = (uint32_t)flat->source_count++;
    return WH_OK;
}

static wh_status apply_whiteout(wh_flatten *flat, const char *parent_path, const char *base,
                                wh_error *err)
{
    uint32_t layer = flat->layer_count - 1;
    flat->layers[layer].whiteouts++;

    uint32_t parent = lookup_node(flat, parent_path);
    if (parent == UINT32_MAX || !node_at(flat, parent)->live)
        return WH_OK; /* nothing below to hide */

    if (strcmp(base, opaque_name) == 0) {
        if (node_at(flat, parent)->type == WH_FILE_DIRECTORY)
            hide_lower(flat, parent, layer);
        return WH_OK;
    }
    if (strncmp(base, ".wh..wh.", 8) == 0)
        return WH_OK; /* AUFS bookkeeping such as .wh..wh.plnk, not a whiteout */

    char *victim_path = NULL;
    if (asprintf(&victim_path, "%s/%s", parent_path, base + strlen(whiteout_prefix)) < 0)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory applying a whiteout");
    uint32_t victim = lookup_node(flat, victim_path);
    free(victim_path);
    if (victim != UINT32_MAX && node_at(flat, victim)->live
        && node_at(flat, victim)->layer < layer)
        remove_subtree(flat, victim);
    return WH_OK;
}

/* Finds the regular file a hardlink entry names. */
static wh_status hardlink_target(wh_flatten *flat, const wh_flat_entry *entry,
                                 const char *path, uint32_t *out, wh_error *err)
{
    char *cleaned = NULL;
    char *resolved = NULL;
    wh_status result = WH_OK;

    if (entry->target == NULL || entry->target[0] == '\0') {
        result = wh_error_set(err, WH_ERR_FORMAT, "the hardlink %s has an empty target", path);
        goto out;
    }
    result = wh_flatten_clean(entry->target, &cleaned, err);
    if (result != WH_OK)
        goto out;
    result = wh_flatten_resolve_node_path(flat, cleaned, 0, &resolved, err);
    if (result != WH_OK)
        goto out;

    const wh_flat_node *target = wh_flatten_node_get(flat, resolved, strlen(resolved));
    if (target == NULL || target->type != WH_FILE_REGULAR) {
        result = wh_error_set(err, WH_ERR_FORMAT,
                              "the hardlink %s points to '%s', which is %s", path,
                              entry->target,
                              target == NULL ? "not in the image"
                                             : "not a regular file");
        goto out;
    }
    *out = (uint32_t)(target - flat->nodes);

out:
    free(cleaned);
    free(resolved);
    return result;
}

/* Fills a node from an entry; a hardlink copies its target. */
static wh_status fill_node(wh_flatten *flat, uint32_t index, const wh_flat_entry *entry,
                           uint32_t link, wh_error *err)
{
    wh_flat_node *node = node_at(flat, index);
    const wh_flat_node *from = link != WH_FLATTEN_NONE ? node_at(flat, link) : NULL;
    const wh_flat_xattr *xattrs = from ? from->xattrs : entry->xattrs;
    size_t xattr_count = from ? from->xattr_count : entry->xattr_count;

    wh_status result = copy_xattrs(xattrs, xattr_count, &node->xattrs, err);
    if (result != WH_OK)
        return result;
    node->xattr_count = xattr_count;

    if (entry->type == WH_FILE_SYMLINK) {
        node->target = strdup(entry->target ? entry->target : "");
        if (node->target == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory adding %s", node->path);
    }
    node->type = from ? WH_FILE_REGULAR : entry->type;
    node->mode = from ? from->mode : entry->mode;
    node->uid = from ? from->uid : entry->uid;
    node->gid = from ? from->gid : entry->gid;
    node->size = from ? from->size : (entry->type == WH_FILE_REGULAR ? entry->size : 0);
    node->rdev = entry->rdev;
    node->layer = flat->layer_count - 1;
    node->implicit = 0;
    node->live = 1;
    return WH_OK;
}

static wh_status validate_entry(const wh_flat_entry *entry, const char *path, wh_error *err)
{
    if (entry->type == WH_FILE_SYMLINK && (entry->target == NULL || entry->target[0] == '\0'))
        return wh_error_set(err, WH_ERR_FORMAT, "the symlink %s has an empty target", path);
    if (entry->type == WH_FILE_REGULAR && entry->size < 0)
        return wh_error_set(err, WH_ERR_FORMAT, "the file %s has a negative size %lld", path,
                            (long long)entry->size);
    if (wh_file_type_name(entry->type) == NULL)
        return wh_error_set(err, WH_ERR_FORMAT, "the entry %s has an invalid type %d", path,
                            (int)entry->type);
    return WH_OK;
}

static wh_status add_resolved(wh_flatten *flat, const wh_flat_entry *entry, char *path,
                              wh_error *err)
{
    char *slash = strrchr(path, '/');
    const char *base = slash + 1;
    *slash = '\0'; /* path is now the parent's path */

    if (strstr(path, "/.wh.") != NULL) {
        *slash = '/';
        return wh_error_set(err, WH_ERR_FORMAT,
                            "the entry %s is inside a folder whose name starts with '.wh.', "
                            "which layers reserve for whiteouts", path);
    }
    if (strncmp(base, whiteout_prefix, strlen(whiteout_prefix)) == 0)
        return apply_whiteout(flat, path, base, err);

    uint32_t parent = 0;
    wh_status result = ensure_parents(flat, path, &parent, err);
    *slash = '/';
    if (result != WH_OK)
        return result;
    result = validate_entry(entry, path, err);
    if (result != WH_OK)
        return result;

    uint32_t link = WH_FLATTEN_NONE;
    if (entry->type == WH_FILE_HARDLINK) {
        result = hardlink_target(flat, entry, path, &link, err);
        if (result != WH_OK)
            return result;
    }

    /* Take the new content reference before the old node can release it. */
    uint32_t source = WH_FLATTEN_NONE;
    if (link != WH_FLATTEN_NONE)
        source = node_at(flat, link)->source;
    else if (entry->type == WH_FILE_REGULAR)
        result = new_source(flat, entry->size, &source, err);
    if (result != WH_OK)
        return result;
    if (source != WH_FLATTEN_NONE)
        flat->source_references[source]++;

    uint32_t index;
    result = node_for_path(flat, path, &index, err);
    if (result != WH_OK)
        goto fail;

    wh_flat_node *existing = node_at(flat, index);
    if (existing->live && existing->type == WH_FILE_DIRECTORY
        && entry->type == WH_FILE_DIRECTORY) {
        free_xattrs(existing->xattrs, existing->xattr_count);
        existing->xattrs = NULL;
        existing->xattr_count = 0;
        return fill_node(flat, index, entry, WH_FLATTEN_NONE, err);
    }

    /* fill_node may read the link target, which may be the node being replaced. */
    wh_flat_node saved_link;
    if (link == index) {
        saved_link = *node_at(flat, link);
        result = copy_xattrs(saved_link.xattrs, saved_link.xattr_count, &saved_link.xattrs, err);
        if (result != WH_OK)
            goto fail;
    }
    if (existing->live)
        remove_subtree(flat, index);
    link_child(flat, parent, index);

    if (link == index) {
        wh_flat_node *node = node_at(flat, index);
        node->type = WH_FILE_REGULAR;
        node->mode = saved_link.mode;
        node->uid = saved_link.uid;
        node->gid = saved_link.gid;
        node->size = saved_link.size;
        node->xattrs = saved_link.xattrs;
        node->xattr_count = saved_link.xattr_count;
        node->layer = flat->layer_count - 1;
        node->implicit = 0;
        node->live = 1;
    } else {
        result = fill_node(flat, index, entry, link, err);
    }
    node_at(flat, index)->source = source;
    return result;

fail:
    release_source(flat, source);
    return result;
}

wh_status wh_flatten_add(wh_flatten *flat, const wh_flat_entry *entry, wh_error *err)
{
    wh_status result = WH_OK;
    char *cleaned = NULL;
    char *resolved = NULL;
    uint32_t layer = flat->layer_count - 1;

    if (flat->layer_count == 0 || flat->finished)
        return wh_error_set(err, WH_ERR_INVALID,
                            "wh_flatten_add called outside a layer; call "
                            "wh_flatten_begin_layer first");
    flat->layers[layer].entries++;

    result = wh_flatten_clean(entry->name, &cleaned, err);
    if (result != WH_OK)
        goto out;
    if (cleaned[0] == '\0')
        goto out; /* the root directory: its metadata is not kept */

    result = wh_flatten_resolve_node_path(flat, cleaned, 0, &resolved, err);
    if (result != WH_OK)
        goto out;
    if (resolved[0] == '\0')
        goto out; /* a name that resolves to the root, such as "a/.." */

    result = add_resolved(flat, entry, resolved, err);

out:
    if (result != WH_OK)
        wh_error_prefix(err, "layer %u, entry %u", layer + 1, flat->position + 1);
    flat->position++;
    free(cleaned);
    free(resolved);
    return result;
}

wh_status wh_flatten_new(wh_flatten **out, wh_error *err)
{
    *out = NULL;
    wh_flatten *flat = calloc(1, sizeof(*flat));
    if (flat == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory creating a flattener");

    uint32_t root;
    wh_status result = node_for_path(flat, "", &root, err);
    if (result != WH_OK) {
        wh_flatten_free(flat);
        return result;
    }
    flat->nodes[root].live = 1;
    flat->nodes[root].type = WH_FILE_DIRECTORY;
    flat->nodes[root].mode = S_IFDIR | 0755;
    *out = flat;
    return WH_OK;
}

void wh_flatten_free(wh_flatten *flat)
{
    if (flat == NULL)
        return;
    for (size_t i = 0; i < flat->node_count; i++) {
        free(flat->nodes[i].path);
        free(flat->nodes[i].target);
        free_xattrs(flat->nodes[i].xattrs, flat->nodes[i].xattr_count);
    }
    free(flat->nodes);
    wh_strmap_release(&flat->index);
    free(flat->sources);
    free(flat->source_references);
    free(flat->layers);
    free(flat->files);
    free(flat);
}

wh_status wh_flatten_begin_layer(wh_flatten *flat, wh_error *err)
{
    if (flat->finished)
        return wh_error_set(err, WH_ERR_INVALID, "the flattener is already finished");
    if (flat->layer_count == flat->layer_capacity) {
        uint32_t capacity = flat->layer_capacity ? flat->layer_capacity * 2 : 16;
        wh_flat_layer *layers = realloc(flat->layers, capacity * sizeof(*layers));
        if (layers == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory adding a layer");
        flat->layers = layers;
        flat->layer_capacity = capacity;
    }
    flat->layers[flat->layer_count++] = (wh_flat_layer){ 0 };
    flat->position = 0;
    return WH_OK;
}
