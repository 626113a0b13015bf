/*
 * Read-back check of one layer tar: wh_layer_reader reads the file back,
 * hashing it and inflating its gzip members (so the diff_id is checked on
 * the exact uncompressed bytes), and libarchive parses the tar from that
 * stream.
 */
#include "image_internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct source {
    wh_layer_reader *reader;
    wh_status status; /* the reader's first failure */
    wh_error error;
} source;

static la_ssize_t read_callback(struct archive *archive, void *context, const void **buffer)
{
    source *input = context;
    (void)archive;
    size_t size = 0;
    *buffer = NULL;
    if (input->status != WH_OK)
        return -1;
    input->status = wh_layer_reader_next(input->reader, buffer, &size, &input->error);
    if (input->status != WH_OK)
        return -1;
    return (la_ssize_t)size;
}

/* Reads the next header; ARCHIVE_WARN only means a name kept as raw bytes. */
static int next_header(struct archive *archive, struct archive_entry **entry, int *status)
{
    *status = archive_read_next_header(archive, entry);
    return *status == ARCHIVE_OK || *status == ARCHIVE_WARN;
}

static wh_status entry_mismatch(const char *path, const char *name, const char *problem,
                                wh_error *err)
{
    return wh_error_set(err, WH_ERR_DIGEST, "%s: /%s %s; the written layer is not what was "
                        "planned", path, name, problem);
}

static int same_text(const char *left, const char *right)
{
    if (left == NULL || left[0] == '\0')
        return right == NULL || right[0] == '\0';
    return right != NULL && strcmp(left, right) == 0;
}

static wh_status check_xattrs(struct archive_entry *entry, const wh_layer_item *item,
                              const char *path, wh_error *err)
{
    if ((size_t)archive_entry_xattr_reset(entry) != item->xattr_count)
        return entry_mismatch(path, item->name, "has a different number of xattrs", err);
    const char *name;
    const void *value;
    size_t size;
    while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
        int found = 0;
        for (size_t i = 0; i < item->xattr_count && !found; i++) {
            const wh_xattr *expected = &item->xattrs[i];
            found = strcmp(expected->name, name) == 0 && expected->size == size &&
                    (size == 0 || memcmp(expected->value, value, size) == 0);
        }
        if (!found)
            return entry_mismatch(path, item->name, "has an unexpected xattr value", err);
    }
    return WH_OK;
}

/* Compares one tar header with the planned item. */
static wh_status check_header(struct archive_entry *entry, const wh_layer_item *item,
                              int64_t epoch, const char *path, wh_error *err)
{
    char name[4096];
    snprintf(name, sizeof(name), "%s", archive_entry_pathname(entry));
    size_t length = strlen(name);
    if (length > 1 && name[length - 1] == '/')
        name[length - 1] = '\0';
    if (strcmp(name, item->name) != 0)
        return wh_error_set(err, WH_ERR_DIGEST,
                            "%s: found /%s where /%s was planned; the written layer is not "
                            "what was planned", path, name, item->name);

    const char *hardlink = archive_entry_hardlink(entry);
    if (item->type == WH_FILE_HARDLINK) {
        if (hardlink == NULL || strcmp(hardlink, item->link_target) != 0)
            return entry_mismatch(path, item->name, "is not a hardlink to the planned file", err);
    } else if (hardlink != NULL) {
        return entry_mismatch(path, item->name, "is an unexpected hardlink", err);
    }
    if (item->type != WH_FILE_HARDLINK &&
        (mode_t)archive_entry_filetype(entry) != (item->mode & S_IFMT))
        return entry_mismatch(path, item->name, "has the wrong file type", err);
    if ((archive_entry_perm(entry) & 07777) != (item->mode & 07777))
        return entry_mismatch(path, item->name, "has the wrong permissions", err);
    if (archive_entry_uid(entry) != (la_int64_t)item->uid ||
        archive_entry_gid(entry) != (la_int64_t)item->gid)
        return entry_mismatch(path, item->name, "has the wrong owner", err);
    if (!same_text(item->uname, archive_entry_uname(entry)) ||
        !same_text(item->gname, archive_entry_gname(entry)))
        return entry_mismatch(path, item->name, "has the wrong owner names", err);
    if (archive_entry_mtime(entry) != (time_t)epoch || archive_entry_mtime_nsec(entry) != 0 ||
        archive_entry_atime_is_set(entry) || archive_entry_ctime_is_set(entry) ||
        archive_entry_birthtime_is_set(entry))
        return entry_mismatch(path, item->name, "has times other than mtime at the epoch", err);
    if (item->type == WH_FILE_SYMLINK && !same_text(item->link_target,
                                                    archive_entry_symlink(entry)))
        return entry_mismatch(path, item->name, "has the wrong symlink target", err);
    if (item->type == WH_FILE_DEVICE && archive_entry_rdev(entry) != item->rdev)
        return entry_mismatch(path, item->name, "has the wrong device number", err);
    if ((uint64_t)archive_entry_size(entry) != item->size)
        return entry_mismatch(path, item->name, "has the wrong size", err);
    return check_xattrs(entry, item, path, err);
}

static wh_status check_content(struct archive *archive, const wh_layer_item *item,
                               const char *path, wh_error *err)
{
    wh_sha256 *hash = wh_sha256_new();
    if (hash == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory verifying %s", path);
    const void *block;
    size_t size;
    la_int64_t offset;
    int status;
    while ((status = archive_read_data_block(archive, &block, &size, &offset)) == ARCHIVE_OK)
        wh_sha256_update(hash, block, size);
    char hex[WH_SHA256_HEX_LEN + 1];
    wh_sha256_final_hex(hash, hex);
    wh_sha256_free(hash);

    if (status != ARCHIVE_EOF)
        return wh_error_set(err, WH_ERR_FORMAT, "%s: cannot read /%s: %s", path, item->name,
                            archive_error_string(archive));
    if (item->type == WH_FILE_REGULAR && strcmp(hex, item->sha256) != 0)
        return entry_mismatch(path, item->name, "has content with the wrong sha256", err);
    return WH_OK;
}

static wh_status source_failure(const source *input, wh_error *err)
{
    if (err != NULL)
        *err = input->error;
    return input->status;
}

static wh_status check_entries(struct archive *archive, source *input,
                               const wh_layer_plan *plan, int64_t epoch, const char *path,
                               wh_error *err)
{
    struct archive_entry *entry;
    size_t index = 0;
    int status;
    while (next_header(archive, &entry, &status)) {
        if (index == plan->count)
            return wh_error_set(err, WH_ERR_DIGEST, "%s: unexpected extra entry %s", path,
                                archive_entry_pathname(entry));
        const wh_layer_item *item = &plan->items[index++];
        wh_status result = check_header(entry, item, epoch, path, err);
        if (result == WH_OK)
            result = check_content(archive, item, path, err);
        if (result != WH_OK)
            return result;
    }
    if (status != ARCHIVE_EOF) {
        if (input->status != WH_OK)
            return source_failure(input, err);
        return wh_error_set(err, WH_ERR_FORMAT, "%s is not a valid tar: %s", path,
                            archive_error_string(archive));
    }
    if (index != plan->count)
        return wh_error_set(err, WH_ERR_DIGEST, "%s: /%s is missing from the layer", path,
                            plan->items[index].name);

    /* Read what libarchive left (end-of-archive padding) so the hashes cover the file. */
    if (input->status != WH_OK)
        return source_failure(input, err);
    const void *block;
    size_t size;
    do {
        wh_status result = wh_layer_reader_next(input->reader, &block, &size, err);
        if (result != WH_OK)
            return result;
    } while (size > 0);
    return WH_OK;
}

wh_status wh_image_verify_layer_file(const char *path, int compressed, const wh_layer_plan *plan,
                                     int64_t epoch, const char *digest_hex, const char *diff_hex,
                                     unsigned threads, wh_error *err)
{
    source input = {0};
    struct archive *archive = NULL;
    wh_status result = wh_layer_reader_open(path, compressed, threads, &input.reader, err);
    if (result != WH_OK)
        return result;

    archive = archive_read_new();
    if (archive == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory verifying %s", path);
        goto out;
    }
    archive_read_support_format_tar(archive);
    if (archive_read_open(archive, &input, NULL, read_callback, NULL) != ARCHIVE_OK) {
        result = input.status != WH_OK
                     ? source_failure(&input, err)
                     : wh_error_set(err, WH_ERR_FORMAT, "%s is not a valid tar: %s", path,
                                    archive_error_string(archive));
        goto out;
    }
    result = check_entries(archive, &input, plan, epoch, path, err);
    if (result != WH_OK)
        goto out;

    char file_hex[WH_SHA256_HEX_LEN + 1];
    char tar_hex[WH_SHA256_HEX_LEN + 1];
    result = wh_layer_reader_finish(input.reader, file_hex, tar_hex, err);
    if (result != WH_OK)
        goto out;
    if (strcmp(file_hex, digest_hex) != 0) {
        result = wh_error_set(err, WH_ERR_DIGEST, "%s has sha256 %s, expected %s", path,
                              file_hex, digest_hex);
        goto out;
    }
    if (strcmp(tar_hex, diff_hex) != 0)
        result = wh_error_set(err, WH_ERR_DIGEST,
                              "%s holds a tar with sha256 %s, expected diff_id %s", path,
                              tar_hex, diff_hex);

out:
    if (archive != NULL)
        archive_read_free(archive);
    wh_layer_reader_free(input.reader);
    return result;
}
