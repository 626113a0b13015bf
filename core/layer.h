/*
 * Layer tars: the normalised entry list of one layer (the plan) and the
 * writer that turns a plan into a deterministic PAX tar stream.
 *
 * Normalisation, applied by wh_layer_plan_new:
 * - Paths lose their leading '/' and are sorted by raw bytes (strcmp order),
 *   which puts every directory before its contents.
 * - The entry "/" is dropped: a layer describes what is inside the root.
 * - A missing parent directory is added. It copies the metadata of the same
 *   directory in the nearest lower layer, so extracting the layer does not
 *   change that directory. A directory no lower layer has becomes 0755
 *   root:root.
 * - In a hardlink group, the name that sorts first carries the content and
 *   every other name links to it, because a tar hardlink must refer to an
 *   entry earlier in the archive. All names get the group's metadata: the
 *   regular file's mode, owner, xattrs and content.
 */
#ifndef WH_LAYER_H
#define WH_LAYER_H

#include <stdint.h>

#include "arena.h"
#include "error.h"
#include "image.h"

/* One normalised entry. Strings live in the plan or in the caller's input. */
typedef struct wh_layer_item {
    const char *name;         /* tar path without the leading '/': "usr/bin/tini" */
    wh_file_type type;        /* never WH_FILE_HARDLINK for a group's first name */
    mode_t mode;              /* full st_mode with S_IFMT matching type */
    uid_t uid;
    gid_t gid;
    const char *uname;
    const char *gname;
    uint64_t size;            /* 0 unless WH_FILE_REGULAR */
    const char *sha256;
    const char *content_path;
    const char *link_target;  /* symlink target as given; hardlink: the first name's tar path */
    dev_t rdev;
    const wh_xattr *xattrs;
    size_t xattr_count;
    int added_parent;         /* a directory the writer added */
} wh_layer_item;

typedef struct wh_layer_plan {
    wh_layer_item *items;     /* sorted by name */
    size_t count;
    uint64_t content_bytes;   /* sum of regular file sizes */
    wh_arena arena;
} wh_layer_plan;

/*
 * Validates and normalises layers[index], taking parent directory metadata
 * from layers[0..index-1]. Invalid input (relative or non-canonical paths,
 * duplicates, a mode that contradicts the type, a hardlink to a file not in
 * the layer, a missing digest) fails with WH_ERR_INVALID naming the path.
 * The plan points into the input, which must outlive it; the caller frees
 * *out with wh_layer_plan_free.
 */
wh_status wh_layer_plan_new(const wh_layer_input *layers, size_t index, wh_layer_plan **out,
                            wh_error *err);

/* Frees a plan; accepts NULL. */
void wh_layer_plan_free(wh_layer_plan *plan);

/* Receives tar bytes in order; returns WH_OK or a status with err filled. */
typedef wh_status (*wh_layer_output_fn)(void *context, const void *data, size_t size,
                                        wh_error *err);

typedef struct wh_layer_write_options {
    int64_t epoch;                 /* mtime of every entry */
    size_t layer_index;            /* passed to progress */
    wh_image_progress_fn progress; /* may be NULL */
    void *progress_context;
} wh_layer_write_options;

/*
 * Writes the plan as a PAX tar to output. Regular file content is read from
 * content_path and hashed as it streams. A size or sha256 mismatch fails
 * with WH_ERR_DIGEST naming the image path and the content path. The
 * cancellation flag is checked between entries and between 64 KiB blocks.
 */
wh_status wh_layer_write(const wh_layer_plan *plan, const wh_layer_write_options *options,
                         wh_layer_output_fn output, void *context, wh_error *err);

/*
 * Sets up a libarchive writer for the deterministic tar format the layers
 * and the outer archives share: restricted PAX with SCHILY.xattr attributes
 * only. Call it between wh_layer_locale_enter and wh_layer_locale_leave.
 * Returns NULL when out of memory.
 */
struct archive *wh_layer_tar_writer_new(void);

/*
 * libarchive converts names between the current locale and the UTF-8 of PAX
 * headers, so the same name could be written differently under LANG=C and
 * a UTF-8 locale. The writer and every reader of our tars therefore switch
 * the calling thread to the C.UTF-8 locale: UTF-8 names are stored as they
 * are, and names that are not valid UTF-8 get hdrcharset=BINARY.
 *
 * wh_layer_locale_enter fails with WH_ERR_INVALID when the C library has no
 * C.UTF-8 locale. On success, pass *saved to wh_layer_locale_leave.
 */
typedef struct wh_layer_locale {
    void *previous; /* locale_t, kept opaque so this header needs no <locale.h> */
    void *fixed;
} wh_layer_locale;

wh_status wh_layer_locale_enter(wh_layer_locale *saved, wh_error *err);
void wh_layer_locale_leave(wh_layer_locale *saved);

#endif
