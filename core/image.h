/*
 * The reproducible image writer: turns resolved file lists and an image
 * config into an OCI layout, an OCI archive, a docker-archive tarball or an
 * unpacked tree, byte for byte the same for the same input on any machine.
 * docs/image-format.md lists what the output guarantees.
 *
 * Everything here is plain data owned by the caller; nothing is kept after
 * wh_image_write returns except what it puts in the result.
 */
#ifndef WH_IMAGE_H
#define WH_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "types.h"

/* One extended attribute, such as security.capability; value is raw bytes. */
typedef struct wh_xattr {
    const char *name;
    const void *value;
    size_t size;
} wh_xattr;

/* One file of a layer, as it will appear in the image. */
typedef struct wh_layer_entry {
    const char *path;         /* absolute, raw bytes: "/usr/bin/tini" */
    wh_file_type type;
    mode_t mode;              /* full st_mode; the S_IFMT bits must match type */
    uid_t uid;
    gid_t gid;
    const char *uname;        /* owner name for the tar header, or NULL for none */
    const char *gname;
    uint64_t size;            /* content bytes of a regular file */
    const char *sha256;       /* a regular file's expected content sha256, 64 hex */
    const char *content_path; /* file to read a regular file's content from */
    const char *link_target;  /* symlink target, or a hardlink's target image path */
    dev_t rdev;               /* device number of a character or block device */
    const wh_xattr *xattrs;
    size_t xattr_count;
} wh_layer_entry;

typedef struct wh_layer_input {
    const wh_layer_entry *entries; /* any order; the writer sorts */
    size_t count;
    const char *comment;           /* history created_by text, or NULL */
} wh_layer_input;

typedef struct wh_label {
    const char *key;
    const char *value;
} wh_label;

/* The OCI image config fields the writer fills; NULL or 0 leaves one out. */
typedef struct wh_image_config {
    const char *architecture;  /* GOARCH name: "amd64", "arm64", ... (required) */
    const char *os;            /* "linux" (required) */
    const char *variant;       /* "v8" for arm64, ... */
    const char *user;
    const char *const *entrypoint;
    size_t entrypoint_count;
    const char *const *cmd;
    size_t cmd_count;
    const char *const *env;    /* "NAME=value" */
    size_t env_count;
    const char *workdir;
    const wh_label *labels;
    size_t label_count;
    const char *const *exposed_ports; /* "8080/tcp" */
    size_t exposed_port_count;
    const char *stop_signal;
    int64_t created;           /* seconds since 1970, written as RFC 3339 UTC */
} wh_image_config;

/*
 * Progress of one layer, in bytes of regular file content: called after
 * each entry and after every MiB of a large file, on the writing thread.
 */
typedef void (*wh_image_progress_fn)(void *context, size_t layer_index, uint64_t bytes_done,
                                     uint64_t bytes_total);

typedef struct wh_image_options {
    int64_t epoch;          /* mtime of every file, in seconds since 1970 */
    unsigned threads;       /* gzip threads; 0 = one per online CPU. Above 1, the
                               read-back check also reads and hashes on two helper
                               threads. */
    int gzip_level;         /* 1..9; 0 = WH_GZIP_DEFAULT_LEVEL */
    wh_image_progress_fn progress;
    void *progress_context;
} wh_image_options;

#define WH_DIGEST_TEXT_MAX 72 /* "sha256:" + 64 hex + NUL, rounded up */

typedef struct wh_layer_result {
    char digest[WH_DIGEST_TEXT_MAX];  /* sha256 of the gzip blob */
    char diff_id[WH_DIGEST_TEXT_MAX]; /* sha256 of the uncompressed tar */
    uint64_t size;                    /* gzip blob bytes */
    uint64_t uncompressed_size;       /* tar bytes */
} wh_layer_result;

typedef struct wh_image_result {
    char manifest_digest[WH_DIGEST_TEXT_MAX];
    char config_digest[WH_DIGEST_TEXT_MAX];
    uint64_t manifest_size;
    wh_layer_result *layers; /* layer_count items, owned by the result */
    size_t layer_count;
} wh_image_result;

/*
 * Writes an image to destination, a transport reference (see transport.h):
 * oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:NAME[:TAG]] or
 * rootfs:DIR. The destination must not exist yet (WH_ERR_EXISTS otherwise).
 *
 * The writer re-hashes every regular file as it reads it and fails with
 * WH_ERR_DIGEST on a mismatch. It then reads the written image back and
 * checks it. On any failure or cancellation nothing is left at destination
 * and no temporary file remains. The manifest digest and the layer digests are the
 * same for every destination kind, because they describe the OCI form even
 * where that form is not written (docker-archive keeps uncompressed layers,
 * rootfs keeps none). On success the caller frees result with
 * wh_image_result_free; on failure result is empty.
 */
wh_status wh_image_write(const char *destination, const wh_layer_input *layers,
                         size_t layer_count, const wh_image_config *config,
                         const wh_image_options *options, wh_image_result *result,
                         wh_error *err);

/* Frees what result owns (which may be NULL) and clears it. */
void wh_image_result_free(wh_image_result *result);

/*
 * Cancellation. wh_image_cancel only sets a volatile sig_atomic_t flag, so
 * it is safe in a signal handler. A write in progress checks the flag
 * between files and between blocks of a file. It then fails with
 * WH_ERR_INVALID and the message "cancelled", cleaning up as for any failure.
 * wh_image_cancel_signal_handler has the signature sigaction expects, so a
 * program can install it for SIGINT and SIGTERM. The flag stays set until
 * wh_image_cancel_reset, and it is process-wide: it cancels every write.
 */
void wh_image_cancel(void);
void wh_image_cancel_signal_handler(int signal_number);
int wh_image_cancelled(void);
void wh_image_cancel_reset(void);

#endif
