/*
 * The layer pipeline: tar bytes from the layer writer are hashed (diff_id),
 * optionally kept as an uncompressed tar, and compressed by the parallel gzip
 * writer, whose output is hashed (digest) and optionally kept as the blob.
 * No step keeps a whole layer in memory.
 */
#include "image_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "gzip.h"

#define TEMP_BLOB "blob.partial"
#define TEMP_TAR "tar.partial"

typedef struct pipeline {
    wh_sha256 *diff_hash;
    wh_sha256 *blob_hash;
    uint64_t tar_size;
    uint64_t blob_size;
    int tar_fd;
    int blob_fd;
    const char *tar_path;
    const char *blob_path;
    wh_gzip_writer *gzip;
} pipeline;

static wh_status write_all(int fd, const void *data, size_t size, const char *path,
                           wh_error *err)
{
    if (wh_write_full(fd, data, size) != 0)
        return wh_error_set(err, WH_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    return WH_OK;
}

static wh_status on_compressed(void *context, const void *data, size_t size, wh_error *err)
{
    pipeline *line = context;
    wh_sha256_update(line->blob_hash, data, size);
    line->blob_size += size;
    if (line->blob_fd < 0)
        return WH_OK;
    return write_all(line->blob_fd, data, size, line->blob_path, err);
}

static wh_status on_tar(void *context, const void *data, size_t size, wh_error *err)
{
    pipeline *line = context;
    wh_sha256_update(line->diff_hash, data, size);
    line->tar_size += size;
    if (line->tar_fd >= 0) {
        wh_status result = write_all(line->tar_fd, data, size, line->tar_path, err);
        if (result != WH_OK)
            return result;
    }
    return wh_gzip_writer_write(line->gzip, data, size, err);
}

static wh_status open_output(const char *path, int *fd, wh_error *err)
{
    *fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, WH_IMAGE_FILE_MODE);
    if (*fd < 0)
        return wh_error_set(err, WH_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    if (fchmod(*fd, WH_IMAGE_FILE_MODE) != 0)
        return wh_error_set(err, WH_ERR_IO, "cannot set the mode of %s: %s", path,
                            strerror(errno));
    return WH_OK;
}

static wh_status close_output(int *fd, const char *path, wh_error *err)
{
    int status = *fd >= 0 ? close(*fd) : 0;
    *fd = -1;
    if (status != 0)
        return wh_error_set(err, WH_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    return WH_OK;
}

/* Moves a finished temporary file to dir/name; an identical layer may already be there. */
static wh_status publish(const char *temp, const char *dir, const char *name, wh_error *err)
{
    char *final = wh_image_join(dir, name);
    if (final == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory naming %s", name);

    wh_status result = WH_OK;
    struct stat info;
    if (lstat(final, &info) == 0)
        unlink(temp);
    else if (rename(temp, final) != 0)
        result = wh_error_set(err, WH_ERR_IO, "cannot rename %s to %s: %s", temp, final,
                              strerror(errno));
    free(final);
    return result;
}

wh_status wh_image_write_layer(const wh_layer_plan *plan, size_t index,
                               const wh_image_options *options, const char *blob_dir,
                               const char *tar_dir, wh_layer_result *out, wh_error *err)
{
    wh_status result = WH_OK;
    pipeline line = {.tar_fd = -1, .blob_fd = -1};
    char *blob_temp = blob_dir != NULL ? wh_image_join(blob_dir, TEMP_BLOB) : NULL;
    char *tar_temp = tar_dir != NULL ? wh_image_join(tar_dir, TEMP_TAR) : NULL;
    memset(out, 0, sizeof(*out));

    line.diff_hash = wh_sha256_new();
    line.blob_hash = wh_sha256_new();
    if (line.diff_hash == NULL || line.blob_hash == NULL || (blob_dir != NULL && !blob_temp) ||
        (tar_dir != NULL && !tar_temp)) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory writing layer %zu", index + 1);
        goto out;
    }
    line.blob_path = blob_temp;
    line.tar_path = tar_temp;
    if (blob_temp != NULL && (result = open_output(blob_temp, &line.blob_fd, err)) != WH_OK)
        goto out;
    if (tar_temp != NULL && (result = open_output(tar_temp, &line.tar_fd, err)) != WH_OK)
        goto out;

    int level = options->gzip_level != 0 ? options->gzip_level : WH_GZIP_DEFAULT_LEVEL;
    result = wh_gzip_writer_new(level, options->threads, on_compressed, &line, &line.gzip, err);
    if (result != WH_OK)
        goto out;

    wh_layer_write_options write_options = {
        .epoch = options->epoch,
        .layer_index = index,
        .progress = options->progress,
        .progress_context = options->progress_context,
    };
    result = wh_layer_write(plan, &write_options, on_tar, &line, err);
    if (result == WH_OK)
        result = wh_gzip_writer_finish(line.gzip, err);
    if (result == WH_OK)
        result = close_output(&line.blob_fd, blob_temp, err);
    if (result == WH_OK)
        result = close_output(&line.tar_fd, tar_temp, err);
    if (result != WH_OK) {
        wh_error_prefix(err, "layer %zu", index + 1);
        goto out;
    }

    char hex[WH_SHA256_HEX_LEN + 1];
    wh_sha256_final_hex(line.blob_hash, hex);
    snprintf(out->digest, sizeof(out->digest), "sha256:%s", hex);
    out->size = line.blob_size;
    if (blob_temp != NULL && (result = publish(blob_temp, blob_dir, hex, err)) != WH_OK)
        goto out;

    wh_sha256_final_hex(line.diff_hash, hex);
    snprintf(out->diff_id, sizeof(out->diff_id), "sha256:%s", hex);
    out->uncompressed_size = line.tar_size;
    if (tar_temp != NULL) {
        char name[WH_SHA256_HEX_LEN + 8];
        snprintf(name, sizeof(name), "%s.tar", hex);
        result = publish(tar_temp, tar_dir, name, err);
    }

out:
    wh_gzip_writer_free(line.gzip);
    close_output(&line.blob_fd, blob_temp, NULL);
    close_output(&line.tar_fd, tar_temp, NULL);
    if (result != WH_OK) {
        if (blob_temp != NULL)
            unlink(blob_temp);
        if (tar_temp != NULL)
            unlink(tar_temp);
    }
    wh_sha256_free(line.diff_hash);
    wh_sha256_free(line.blob_hash);
    free(blob_temp);
    free(tar_temp);
    return result;
}
