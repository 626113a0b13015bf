/*
 * Layer flattening: the entries of an image's layers, lowest layer first,
 * turned into the one tree a container runtime would see.
 *
 * Rules, as in the OCI image layer specification and runtimes that follow it:
 *   - a later entry replaces an earlier one at the same path; a
 *     non-directory replacing a directory removes the directory's subtree,
 *     and a directory over a directory only updates its metadata;
 *   - ".wh.NAME" removes NAME from lower layers, ".wh..wh..opq" hides every
 *     lower-layer entry below its directory; neither touches entries of its
 *     own layer, and neither appears in the result;
 *   - missing parent directories are created with mode 0755, owned by root;
 *   - a hardlink takes the content and metadata of its target at the moment
 *     it is added, so a later change to the target does not change it.
 *
 * Every path stays inside the image root: entry names are cleaned lexically
 * with ".." stopping at the root, and symlinks met in the parent directories
 * of a name or a hardlink target are followed with absolute targets taken
 * relative to the root. The last component of a name is never followed, so
 * an entry replaces a symlink instead of writing through it.
 *
 * Contents are not handled here. An entry that carries content is a
 * "source", numbered by (layer, position in layer); after wh_flatten_finish
 * the caller reads the layers again, stores the content of the sources that
 * are still needed, and records each digest with wh_flatten_set_content.
 *
 *     wh_flatten_new(&flat, &err);
 *     for each layer:
 *         wh_flatten_begin_layer(flat, &err);
 *         for each tar entry: wh_flatten_add(flat, &entry, &err);
 *     wh_flatten_finish(flat, &err);
 *     for each layer and entry position: wh_flatten_source_find(...)
 */
#ifndef WH_FLATTEN_H
#define WH_FLATTEN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "types.h"

/* Longest cleaned path accepted, in bytes without the NUL (Linux PATH_MAX - 1). */
#define WH_FLATTEN_PATH_MAX 4095
/* Symlinks followed while resolving one name before it fails, as Linux's ELOOP limit. */
#define WH_FLATTEN_SYMLINK_MAX 40

#define WH_FLATTEN_NONE UINT32_MAX

typedef struct wh_flatten wh_flatten;

typedef struct wh_flat_xattr {
    char *name;
    unsigned char *value;
    size_t size;
} wh_flat_xattr;

/* One layer entry as the caller read it; nothing in it is kept after the call. */
typedef struct wh_flat_entry {
    const char *name;   /* as in the tar: "./usr/bin/x", "usr/bin/", "/etc/.wh.motd" */
    wh_file_type type;  /* WH_FILE_HARDLINK when the tar entry is a hardlink */
    unsigned mode;      /* full st_mode; for hardlinks the target's mode is used */
    int64_t uid, gid;
    int64_t size;       /* content bytes of a regular file */
    const char *target; /* symlink target as written, or the hardlink target's name */
    uint64_t rdev;
    const wh_flat_xattr *xattrs;
    size_t xattr_count;
} wh_flat_entry;

/* A file of the flattened tree. Strings belong to the flattener. */
typedef struct wh_flat_file {
    const char *path;   /* cleaned absolute path, never "/" */
    wh_file_type type;  /* never WH_FILE_HARDLINK: hardlinks share a source instead */
    unsigned mode;
    int64_t uid, gid, size;
    const char *target; /* symlink target as written */
    uint64_t rdev;
    const wh_flat_xattr *xattrs;
    size_t xattr_count;
    uint32_t layer;     /* layer that last wrote this path, from 0 */
    uint32_t source;    /* content source of a regular file; files sharing one are hardlinks */
    int implicit;       /* a parent directory no layer declared */
} wh_flat_file;

/* Per-layer totals, filled while adding and completed by wh_flatten_finish. */
typedef struct wh_flat_layer {
    int64_t entries;       /* entries read, whiteouts included */
    int64_t whiteouts;
    int64_t content_bytes; /* bytes of regular file content in the layer */
    int64_t wasted_bytes;  /* bytes of this layer's content absent from the final tree */
} wh_flat_layer;

typedef struct wh_flat_source {
    uint32_t layer;
    uint32_t position; /* index of the entry within its layer, from 0 */
    int64_t size;
    int needed;        /* still referenced by a file of the final tree */
    char sha256[65];   /* set by wh_flatten_set_content; "" before */
} wh_flat_source;

/* Creates an empty flattener; free it with wh_flatten_free. */
wh_status wh_flatten_new(wh_flatten **out, wh_error *err);
/* Frees the flattener and every string it returned; accepts NULL. */
void wh_flatten_free(wh_flatten *flat);

/* Starts the next layer; layers are numbered from 0 in call order. */
wh_status wh_flatten_begin_layer(wh_flatten *flat, wh_error *err);

/*
 * Applies one entry to the tree. Fails with WH_ERR_FORMAT for an empty
 * name, a hardlink whose target is not a regular file in the tree, a parent
 * that is not a directory, or a symlink loop. Fails with WH_ERR_LIMIT for a
 * path longer than WH_FLATTEN_PATH_MAX. Messages name the entry and the layer;
 * the caller adds the layer's file name. The tree is unchanged on failure.
 */
wh_status wh_flatten_add(wh_flatten *flat, const wh_flat_entry *entry, wh_error *err);

/* Sorts the final tree by path and completes the layer totals. */
wh_status wh_flatten_finish(wh_flatten *flat, wh_error *err);

/* The final tree after wh_flatten_finish, sorted by path in byte order. */
size_t wh_flatten_count(const wh_flatten *flat);
const wh_flat_file *wh_flatten_file_at(const wh_flatten *flat, size_t index);
/* Returns the index of path in the final tree, or WH_FLATTEN_NONE. */
uint32_t wh_flatten_lookup(const wh_flatten *flat, const char *path);

uint32_t wh_flatten_layer_count(const wh_flatten *flat);
const wh_flat_layer *wh_flatten_layer_at(const wh_flatten *flat, uint32_t layer);
/* Bytes of content that later layers overwrote or deleted, each dropped copy counted. */
int64_t wh_flatten_wasted_bytes(const wh_flatten *flat);

/* Returns the source added at (layer, position), or WH_FLATTEN_NONE. */
uint32_t wh_flatten_source_find(const wh_flatten *flat, uint32_t layer, uint32_t position);
const wh_flat_source *wh_flatten_source_at(const wh_flatten *flat, uint32_t source);
/* Number of needed sources in one layer, so a layer with none is not read again. */
size_t wh_flatten_needed_in_layer(const wh_flatten *flat, uint32_t layer);
/* Records the hex sha256 of a source's content. */
void wh_flatten_set_content(wh_flatten *flat, uint32_t source, const char *sha256_hex);

/*
 * Resolves path as the tree would: parent symlinks followed inside the
 * root, the last component followed too when follow_last is nonzero. Used
 * to map package database paths ("/bin/sh" in a merged-/usr tree) to the
 * file stored there. The caller frees *out ("/" for the root).
 */
wh_status wh_flatten_resolve(const wh_flatten *flat, const char *path, int follow_last,
                             char **out, wh_error *err);

#endif
