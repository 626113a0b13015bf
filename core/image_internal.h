/*
 * Pieces of the image writer shared between its files: JSON documents,
 * the layer pipeline, staging directories and read-back verification.
 * Not part of the public API.
 */
#ifndef WH_IMAGE_INTERNAL_H
#define WH_IMAGE_INTERNAL_H

#include <jansson.h>
#include <stdint.h>

#include "digest.h"
#include "image.h"
#include "layer.h"

#define WH_MEDIA_TYPE_INDEX "application/vnd.oci.image.index.v1+json"
#define WH_MEDIA_TYPE_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define WH_MEDIA_TYPE_CONFIG "application/vnd.oci.image.config.v1+json"
#define WH_MEDIA_TYPE_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define WH_OCI_REF_NAME "org.opencontainers.image.ref.name"

/* Files and folders the writer creates, whatever the umask. */
#define WH_IMAGE_FILE_MODE 0644
#define WH_IMAGE_DIR_MODE 0755

/* Everything the writer produced for one image, in memory. */
typedef struct wh_image_documents {
    char *config;   /* canonical JSON text, NUL-terminated */
    size_t config_size;
    char config_hex[WH_SHA256_HEX_LEN + 1];
    char *manifest;
    size_t manifest_size;
    char manifest_hex[WH_SHA256_HEX_LEN + 1];
} wh_image_documents;

/* --- image_json.c --- */

/* Formats seconds since 1970 as "YYYY-MM-DDTHH:MM:SSZ" in UTC. */
wh_status wh_image_rfc3339(int64_t seconds, char out[32], wh_error *err);

/*
 * Serialises value as canonical JSON: keys sorted by byte value, no
 * whitespace, no trailing newline. The caller frees *text. Takes no
 * reference from value.
 */
wh_status wh_image_json_dump(const json_t *value, char **text, size_t *size, wh_error *err);

/* Builds the config and manifest documents from the layer results. */
wh_status wh_image_documents_build(const wh_image_config *config, const wh_layer_input *layers,
                                   const wh_layer_result *results, size_t layer_count,
                                   const wh_image_options *options, wh_image_documents *out,
                                   wh_error *err);
void wh_image_documents_release(wh_image_documents *documents);

/* Builds index.json text for one manifest, with the ref name when tag is not NULL. */
wh_status wh_image_index_build(const wh_image_documents *documents,
                               const wh_image_config *config, const char *tag, char **text,
                               size_t *size, wh_error *err);

/* --- image_layers.c --- */

/*
 * Writes one layer: always computes digest and diff_id; stores the gzip blob
 * in blob_dir as <hex> when blob_dir is not NULL, and the uncompressed tar
 * in tar_dir as <diff hex>.tar when tar_dir is not NULL.
 */
wh_status wh_image_write_layer(const wh_layer_plan *plan, size_t index,
                               const wh_image_options *options, const char *blob_dir,
                               const char *tar_dir, wh_layer_result *out, wh_error *err);

/* --- image_files.c --- */

/* Writes data to dir/name with WH_IMAGE_FILE_MODE, failing if it exists. */
wh_status wh_image_write_file(const char *dir, const char *name, const void *data, size_t size,
                              wh_error *err);

/* Creates dir with WH_IMAGE_DIR_MODE whatever the umask. */
wh_status wh_image_make_dir(const char *dir, wh_error *err);

/* Removes a tree, making read-only folders writable first; accepts a missing path. */
void wh_image_remove_tree(const char *path);

/* Renames from to to, failing with WH_ERR_EXISTS when to exists. */
wh_status wh_image_rename_new(const char *from, const char *to, wh_error *err);

/* Returns a malloc'ed "left/right", or NULL when out of memory. */
char *wh_image_join(const char *left, const char *right);

/* --- oci_archive.c --- */

/*
 * Writes the regular files and folders under dir as a deterministic tar at
 * archive_path: sorted names, mtime epoch, root-owned, 0644 and 0755. Then
 * reads the archive back and checks that every member matches the file it
 * came from and that the archive contains nothing else.
 */
wh_status wh_image_tar_directory(const char *dir, const char *archive_path, int64_t epoch,
                                 wh_error *err);

/* --- docker_archive.c --- */

/* Writes manifest.json and the config into a docker-archive staging folder. */
wh_status wh_docker_archive_write_metadata(const char *dir, const wh_image_documents *documents,
                                           const wh_layer_result *results, size_t layer_count,
                                           const char *repository, const char *tag,
                                           wh_error *err);

/* --- image_verify.c --- */

typedef struct wh_image_expected {
    const wh_layer_plan *const *plans;
    const wh_layer_result *results;
    size_t layer_count;
    const wh_image_documents *documents;
    int64_t epoch;
    unsigned threads; /* for reading layers back, as in wh_image_options */
} wh_image_expected;

/* Re-reads an OCI layout and checks it against what was written. */
wh_status wh_image_verify_oci(const char *dir, const char *tag, const wh_image_expected *expected,
                              wh_error *err);

/* Re-reads a docker-archive staging folder and checks it. */
wh_status wh_image_verify_docker(const char *dir, const char *repository, const char *tag,
                                 const wh_image_expected *expected, wh_error *err);

/*
 * Reads a layer tar (gzip-compressed when compressed is set) from path and
 * checks that its entries equal the plan, its digest equals digest_hex and
 * its uncompressed digest equals diff_hex. threads works as in
 * wh_image_options: more than one reads, inflates and hashes on helper
 * threads while this thread parses.
 */
wh_status wh_image_verify_layer_file(const char *path, int compressed, const wh_layer_plan *plan,
                                     int64_t epoch, const char *digest_hex, const char *diff_hex,
                                     unsigned threads, wh_error *err);

/* --- image_layer_reader.c --- */

/*
 * Reads a layer file back as its tar stream, in blocks of at most
 * WH_GZIP_CHUNK_SIZE bytes, and computes the sha256 of the file and of the
 * tar stream. With compressed set, the file must be gzip members of at
 * most WH_GZIP_CHUNK_SIZE uncompressed bytes each, as wh_gzip_writer
 * writes them; anything else fails with WH_ERR_FORMAT. threads works as in
 * wh_image_options. path must stay valid until wh_layer_reader_free.
 */
typedef struct wh_layer_reader wh_layer_reader;

wh_status wh_layer_reader_open(const char *path, int compressed, unsigned threads,
                               wh_layer_reader **out, wh_error *err);

/*
 * Stores the next block in *data and *size, or size 0 at the end of the
 * file. The block stays valid until the next call.
 */
wh_status wh_layer_reader_next(wh_layer_reader *reader, const void **data, size_t *size,
                               wh_error *err);

/*
 * Writes the sha256 of the file and of the tar stream in hex. Call it after
 * wh_layer_reader_next has reported the end, because it fails with
 * WH_ERR_INVALID when blocks remain.
 */
wh_status wh_layer_reader_finish(wh_layer_reader *reader, char file_hex[WH_SHA256_HEX_LEN + 1],
                                 char tar_hex[WH_SHA256_HEX_LEN + 1], wh_error *err);

/* Stops the helper threads and frees the reader. Accepts NULL. */
void wh_layer_reader_free(wh_layer_reader *reader);

/* --- image_rootfs.c --- */

/* Extracts the layer tars under tar_dir into root, then checks the tree. */
wh_status wh_image_rootfs_extract(const char *root, const char *tar_dir,
                                  const wh_image_expected *expected, wh_error *err);

#endif
