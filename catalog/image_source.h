/*
 * Image sources: any image reference opened as a list of layer files plus
 * its config, ready for flattening.
 *
 * Archives (oci-archive:, docker-archive:) are unpacked into a private
 * temporary folder first, keeping only regular files under cleaned names, so
 * nothing in an archive can write outside that folder. Registry references
 * (docker://) are pulled into a temporary OCI layout by core/registry.h.
 * Every manifest, config and layer blob read from a layout is checked
 * against its digest before use.
 */
#ifndef WHC_IMAGE_SOURCE_H
#define WHC_IMAGE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"
#include "../core/registry.h"

/* Largest index, manifest or config accepted, in bytes. */
#define WHC_IMAGE_JSON_MAX (4u * 1024 * 1024)

typedef struct whc_image_layer {
    char *path;       /* file holding the layer, compressed or not */
    char *digest;     /* "sha256:<hex>" of that file */
    char *diff_id;    /* "sha256:<hex>" of the uncompressed tar, from the config; may be NULL */
    char *media_type; /* may be NULL for docker-archive and rootfs-archive layers */
    int64_t size;     /* bytes of the file */
    int estargz;      /* eStargz layer: its TOC entries are not image files */
    int hashed;       /* digest was computed from the file, so it needs no check */
} whc_image_layer;

typedef struct whc_image_source {
    char *reference;       /* as the user wrote it */
    char *default_name;    /* component name when --name is not given: "debian" */
    char *tag;             /* tag or ref name, or NULL */
    char *manifest_digest; /* "sha256:<hex>", or NULL for docker-archive and rootfs */
    char *config_digest;   /* "sha256:<hex>", or NULL for rootfs */
    char *config_json;     /* the image config, NUL-terminated, or NULL for rootfs */
    size_t config_size;
    whc_image_layer *layers;
    size_t layer_count;
    char *rootfs_dir;      /* rootfs:DIR: the tree to walk; layers is empty then */
    char *temp_dir;        /* unpacked archive or pulled layout; removed by clear */
} whc_image_source;

typedef struct whc_image_open_options {
    const wh_registry_options *registry; /* for docker:// references; may be NULL */
} whc_image_open_options;

/*
 * Opens reference (see core/transport.h for the syntax) into out. Errors
 * name the reference, the file or digest at fault and, where there is one,
 * the fix: "not a container image" with the config media type, "no
 * manifests" for an empty index, the JSON position of a syntax error. The
 * caller clears out with whc_image_source_clear, also after a failure.
 */
wh_status whc_image_source_open(const char *reference, const whc_image_open_options *options,
                                whc_image_source *out, wh_error *err);

/* Removes the temporary folder and frees everything; accepts NULL. */
void whc_image_source_clear(whc_image_source *source);

/* ---- Private to image_source*.c ---- */

/* Reads the OCI layout in dir, choosing the manifest named tag (may be NULL). */
wh_status whc_image_read_layout(const char *dir, const char *tag, whc_image_source *out,
                                wh_error *err);

/* Reads an unpacked docker-archive in dir; name and tag pick one image (may be NULL). */
wh_status whc_image_read_docker_archive(const char *dir, const char *archive, const char *name,
                                        const char *tag, whc_image_source *out, wh_error *err);

/*
 * Unpacks the regular files of the tar archive at path into a new folder
 * under $TMPDIR. *out_dir receives the folder, which the caller removes
 * with whc_remove_tree and frees, also after a failure.
 */
wh_status whc_unpack_archive(const char *path, char **out_dir, wh_error *err);

/* Removes a folder and everything in it, without following symlinks. */
void whc_remove_tree(const char *path);

/* Appends a layer, copying the strings. */
wh_status whc_image_add_layer(whc_image_source *source, const whc_image_layer *layer,
                              wh_error *err);

/* True when digest is "sha256:" and 64 lowercase hex digits. */
int whc_digest_valid(const char *digest);

#endif
