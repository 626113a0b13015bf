/* Validation and normalisation of one layer's entries into a sorted plan. */
#include "layer.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "digest.h"
#include "strmap.h"

/* Mode of a directory added as a missing parent when no lower layer has it. */
#define ADDED_PARENT_MODE (S_IFDIR | 0755)

typedef struct builder {
    const wh_layer_input *layers;
    size_t index;
    wh_layer_plan *plan;
    size_t capacity;
    wh_strmap names; /* tar name -> item index */
} builder;

static wh_status no_memory(wh_error *err)
{
    return wh_error_set(err, WH_ERR_NOMEM, "out of memory normalising a layer");
}

/* Checks an absolute path: no empty, "." or ".." components, no trailing '/'. */
static int path_canonical(const char *path)
{
    if (path == NULL || path[0] != '/')
        return 0;
    if (path[1] == '\0')
        return 1;
    const char *component = path + 1;
    for (;;) {
        const char *slash = strchr(component, '/');
        size_t length = slash != NULL ? (size_t)(slash - component) : strlen(component);
        if (length == 0 || (length == 1 && component[0] == '.') ||
            (length == 2 && component[0] == '.' && component[1] == '.'))
            return 0;
        if (slash == NULL)
            return 1;
        component = slash + 1;
    }
}

static mode_t type_format(wh_file_type type, mode_t mode)
{
    switch (type) {
    case WH_FILE_REGULAR:
    case WH_FILE_HARDLINK:
        return S_IFREG;
    case WH_FILE_DIRECTORY:
        return S_IFDIR;
    case WH_FILE_SYMLINK:
        return S_IFLNK;
    case WH_FILE_DEVICE:
        return (mode & S_IFMT) == S_IFBLK ? S_IFBLK : S_IFCHR;
    case WH_FILE_FIFO:
        return S_IFIFO;
    case WH_FILE_TYPE_COUNT:
        break;
    }
    return 0;
}

static wh_status check_entry(const wh_layer_entry *entry, wh_error *err)
{
    if (!path_canonical(entry->path))
        return wh_error_set(err, WH_ERR_INVALID,
                            "invalid image path \"%s\": use an absolute path without empty, "
                            "\".\" or \"..\" components and without a trailing '/'",
                            entry->path != NULL ? entry->path : "(null)");
    if ((unsigned)entry->type >= WH_FILE_TYPE_COUNT)
        return wh_error_set(err, WH_ERR_INVALID, "%s has an unknown file type %d", entry->path,
                            (int)entry->type);

    mode_t format = entry->mode & S_IFMT;
    if (format != 0 && format != type_format(entry->type, entry->mode))
        return wh_error_set(err, WH_ERR_INVALID,
                            "%s is a %s but its mode 0%o has a different file type",
                            entry->path, wh_file_type_name(entry->type), (unsigned)entry->mode);

    if (entry->type == WH_FILE_REGULAR) {
        if (!wh_sha256_hex_valid(entry->sha256))
            return wh_error_set(err, WH_ERR_INVALID,
                                "%s has no valid sha256 (expected 64 lowercase hex digits)",
                                entry->path);
        if (entry->content_path == NULL || entry->content_path[0] == '\0')
            return wh_error_set(err, WH_ERR_INVALID, "%s has no content path to read from",
                                entry->path);
    }
    if ((entry->type == WH_FILE_SYMLINK || entry->type == WH_FILE_HARDLINK) &&
        (entry->link_target == NULL || entry->link_target[0] == '\0'))
        return wh_error_set(err, WH_ERR_INVALID, "%s is a %s without a target", entry->path,
                            wh_file_type_name(entry->type));
    if (entry->type == WH_FILE_HARDLINK && !path_canonical(entry->link_target))
        return wh_error_set(err, WH_ERR_INVALID,
                            "hardlink %s has target \"%s\": use the absolute image path of "
                            "a regular file in the same layer", entry->path, entry->link_target);
    for (size_t i = 0; i < entry->xattr_count; i++) {
        if (entry->xattrs[i].name == NULL || entry->xattrs[i].name[0] == '\0' ||
            (entry->xattrs[i].value == NULL && entry->xattrs[i].size > 0))
            return wh_error_set(err, WH_ERR_INVALID, "%s has an extended attribute without a "
                                "name or value", entry->path);
    }
    return WH_OK;
}

static wh_status add_item(builder *b, const wh_layer_item *item, wh_error *err)
{
    wh_layer_plan *plan = b->plan;
    if (plan->count == b->capacity) {
        size_t capacity = b->capacity == 0 ? 64 : b->capacity * 2;
        wh_layer_item *items = realloc(plan->items, capacity * sizeof(*items));
        if (items == NULL)
            return no_memory(err);
        plan->items = items;
        b->capacity = capacity;
    }

    uint32_t existing = UINT32_MAX;
    if (wh_strmap_put(&b->names, item->name, strlen(item->name), (uint32_t)plan->count,
                      &existing) != 0)
        return no_memory(err);
    if (existing != UINT32_MAX)
        return wh_error_set(err, WH_ERR_INVALID, "/%s appears twice in layer %zu; keep one entry",
                            item->name, b->index + 1);

    plan->items[plan->count++] = *item;
    return WH_OK;
}

static wh_layer_item item_from_entry(const wh_layer_entry *entry)
{
    wh_layer_item item = {
        .name = entry->path + 1,
        .type = entry->type,
        .mode = (entry->mode & ~(mode_t)S_IFMT) | type_format(entry->type, entry->mode),
        .uid = entry->uid,
        .gid = entry->gid,
        .uname = entry->uname,
        .gname = entry->gname,
        .size = entry->type == WH_FILE_REGULAR ? entry->size : 0,
        .sha256 = entry->type == WH_FILE_REGULAR ? entry->sha256 : NULL,
        .content_path = entry->type == WH_FILE_REGULAR ? entry->content_path : NULL,
        .link_target = entry->link_target,
        .rdev = entry->type == WH_FILE_DEVICE ? entry->rdev : 0,
        .xattrs = entry->xattrs,
        .xattr_count = entry->xattr_count,
    };
    if (entry->type == WH_FILE_HARDLINK)
        item.link_target = entry->link_target + 1;
    return item;
}

/* Finds the directory named name (without '/') in the nearest lower layer. */
static const wh_layer_entry *lower_directory(const builder *b, const char *name, size_t length)
{
    for (size_t layer = b->index; layer-- > 0;) {
        const wh_layer_input *input = &b->layers[layer];
        for (size_t i = 0; i < input->count; i++) {
            const wh_layer_entry *entry = &input->entries[i];
            if (entry->type == WH_FILE_DIRECTORY && entry->path != NULL &&
                entry->path[0] == '/' && strncmp(entry->path + 1, name, length) == 0 &&
                entry->path[length + 1] == '\0')
                return entry;
        }
    }
    return NULL;
}

static wh_status add_parents(builder *b, size_t item_index, wh_error *err)
{
    const char *name = b->plan->items[item_index].name;
    for (const char *slash = strchr(name, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
        size_t length = (size_t)(slash - name);
        uint32_t found = wh_strmap_get(&b->names, name, length);
        if (found != UINT32_MAX) {
            if (b->plan->items[found].type != WH_FILE_DIRECTORY)
                return wh_error_set(err, WH_ERR_INVALID,
                                    "/%s is inside /%s, which is a %s, not a directory",
                                    name, b->plan->items[found].name,
                                    wh_file_type_name(b->plan->items[found].type));
            continue;
        }

        wh_layer_item parent = {
            .type = WH_FILE_DIRECTORY,
            .mode = ADDED_PARENT_MODE,
            .added_parent = 1,
        };
        const wh_layer_entry *lower = lower_directory(b, name, length);
        if (lower != NULL) {
            parent = item_from_entry(lower);
            parent.added_parent = 1;
        }
        parent.name = wh_arena_strndup(&b->plan->arena, name, length);
        if (parent.name == NULL)
            return no_memory(err);

        wh_status result = add_item(b, &parent, err);
        if (result != WH_OK)
            return result;
        /* add_item may have moved the items, so look the name up again. */
        name = b->plan->items[item_index].name;
        slash = name + length;
    }
    return WH_OK;
}

static int compare_items(const void *left, const void *right)
{
    const wh_layer_item *a = left;
    const wh_layer_item *b = right;
    return strcmp(a->name, b->name);
}

static wh_status rebuild_index(builder *b, wh_error *err)
{
    wh_strmap_release(&b->names);
    memset(&b->names, 0, sizeof(b->names));
    for (size_t i = 0; i < b->plan->count; i++) {
        const char *name = b->plan->items[i].name;
        uint32_t existing;
        if (wh_strmap_put(&b->names, name, strlen(name), (uint32_t)i, &existing) != 0)
            return no_memory(err);
    }
    return WH_OK;
}

/* Follows hardlink targets to the regular file of the group. */
static wh_status resolve_group_root(const builder *b, size_t index, size_t *root, wh_error *err)
{
    const wh_layer_item *items = b->plan->items;
    size_t current = index;
    for (size_t steps = 0; items[current].type == WH_FILE_HARDLINK; steps++) {
        const char *target = items[current].link_target;
        uint32_t found = wh_strmap_get(&b->names, target, strlen(target));
        if (found == UINT32_MAX || steps > b->plan->count)
            return wh_error_set(err, WH_ERR_INVALID,
                                "hardlink /%s points to /%s, which is not a regular file in "
                                "layer %zu", items[index].name, target, b->index + 1);
        current = found;
    }
    if (items[current].type != WH_FILE_REGULAR)
        return wh_error_set(err, WH_ERR_INVALID,
                            "hardlink /%s points to /%s, which is a %s, not a regular file",
                            items[index].name, items[current].name,
                            wh_file_type_name(items[current].type));
    *root = current;
    return WH_OK;
}

/*
 * Rewrites each hardlink group so that its first name in sorted order is the
 * regular file and the other names link to it.
 */
static wh_status order_hardlinks(builder *b, wh_error *err)
{
    wh_status result = WH_OK;
    size_t count = b->plan->count;
    size_t slots = count > 0 ? count : 1;
    size_t *roots = malloc(slots * sizeof(*roots));
    size_t *leaders = malloc(slots * sizeof(*leaders));
    wh_layer_item *original = malloc(slots * sizeof(*original));
    if (roots == NULL || leaders == NULL || original == NULL) {
        result = no_memory(err);
        goto out;
    }
    memcpy(original, b->plan->items, count * sizeof(*original));

    /* Each item's group root, and each root's leader: the smallest index in its group. */
    for (size_t i = 0; i < count; i++) {
        roots[i] = i;
        leaders[i] = i;
    }
    for (size_t i = 0; i < count; i++) {
        if (original[i].type != WH_FILE_HARDLINK)
            continue;
        result = resolve_group_root(b, i, &roots[i], err);
        if (result != WH_OK)
            goto out;
        if (i < leaders[roots[i]])
            leaders[roots[i]] = i;
    }

    /* Every member gets the root's metadata; only the leader keeps the content. */
    for (size_t i = 0; i < count; i++) {
        size_t root = roots[i];
        size_t leader = leaders[root];
        wh_layer_item member = original[root];
        member.name = original[i].name;
        member.added_parent = original[i].added_parent;
        if (i != leader) {
            member.type = WH_FILE_HARDLINK;
            member.link_target = original[leader].name;
            member.size = 0;
            member.sha256 = NULL;
            member.content_path = NULL;
        }
        b->plan->items[i] = member;
    }

out:
    free(roots);
    free(leaders);
    free(original);
    return result;
}

wh_status wh_layer_plan_new(const wh_layer_input *layers, size_t index, wh_layer_plan **out,
                            wh_error *err)
{
    wh_status result = WH_OK;
    builder b = {.layers = layers, .index = index};
    const wh_layer_input *input = &layers[index];
    *out = NULL;

    b.plan = calloc(1, sizeof(*b.plan));
    if (b.plan == NULL)
        return no_memory(err);

    for (size_t i = 0; i < input->count; i++) {
        const wh_layer_entry *entry = &input->entries[i];
        result = check_entry(entry, err);
        if (result != WH_OK)
            goto out;
        if (entry->path[1] == '\0')
            continue;
        wh_layer_item item = item_from_entry(entry);
        result = add_item(&b, &item, err);
        if (result != WH_OK)
            goto out;
    }

    size_t listed = b.plan->count;
    for (size_t i = 0; i < listed; i++) {
        result = add_parents(&b, i, err);
        if (result != WH_OK)
            goto out;
    }

    qsort(b.plan->items, b.plan->count, sizeof(*b.plan->items), compare_items);
    result = rebuild_index(&b, err);
    if (result == WH_OK)
        result = order_hardlinks(&b, err);
    if (result != WH_OK)
        goto out;

    for (size_t i = 0; i < b.plan->count; i++)
        b.plan->content_bytes += b.plan->items[i].size;

out:
    wh_strmap_release(&b.names);
    if (result != WH_OK)
        wh_layer_plan_free(b.plan);
    else
        *out = b.plan;
    return result;
}

void wh_layer_plan_free(wh_layer_plan *plan)
{
    if (plan == NULL)
        return;
    free(plan->items);
    wh_arena_release(&plan->arena);
    free(plan);
}
