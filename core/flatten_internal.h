/* Private to flatten*.c: the tree nodes and the path helpers. */
#ifndef WH_FLATTEN_INTERNAL_H
#define WH_FLATTEN_INTERNAL_H

#include "flatten.h"
#include "strmap.h"

/*
 * A path ever seen. Removing a path marks its node dead and keeps it,
 * because the path index cannot delete keys. Adding the path again revives
 * the same node.
 */
typedef struct wh_flat_node {
    char *path; /* "" for the root, "/usr" below it; the index's key */
    uint32_t parent, first_child, next_sibling, previous_sibling;
    uint32_t file_index; /* position in the final tree after wh_flatten_finish */
    int live, implicit;
    wh_file_type type;
    unsigned mode;
    int64_t uid, gid, size;
    char *target;
    uint64_t rdev;
    wh_flat_xattr *xattrs;
    size_t xattr_count;
    uint32_t layer, source;
} wh_flat_node;

struct wh_flatten {
    wh_flat_node *nodes;
    size_t node_count, node_capacity;
    wh_strmap index; /* path -> node */

    wh_flat_source *sources;
    uint32_t *source_references; /* live files using each source */
    size_t source_count, source_capacity;

    wh_flat_layer *layers;
    uint32_t layer_count, layer_capacity;
    uint32_t position; /* position of the next entry in the current layer */
    int64_t wasted;

    wh_flat_file *files; /* the final tree, after finish */
    size_t file_count;
    int finished;
};

/* Returns the live node at path (length bytes), or NULL. */
const wh_flat_node *wh_flatten_node_get(const wh_flatten *flat, const char *path,
                                        size_t length);

/*
 * Cleans an entry name lexically into "/a/b" ("" for the root), with ".."
 * stopping at the root. The caller frees *out.
 */
wh_status wh_flatten_clean(const char *name, char **out, wh_error *err);

/* Resolves a cleaned path against the tree; "" stands for the root. */
wh_status wh_flatten_resolve_node_path(const wh_flatten *flat, const char *path,
                                       int follow_last, char **out, wh_error *err);

#endif
