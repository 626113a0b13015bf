/*
 * rootfs:DIR output: the layer tars extracted in order with libarchive's
 * disk writer, then the tree compared with the planned entries.
 *
 * Owners, device nodes and security.* xattrs need root. Run as another user,
 * files belong to that user: the check then skips owners, and a layer with
 * devices or file capabilities fails with the libarchive error.
 */
#include "image_internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "strmap.h"

static wh_status extract_failure(struct archive *archive, const char *path, const char *name,
                                 wh_error *err)
{
    const char *reason = archive_error_string(archive);
    return wh_error_set(err, WH_ERR_IO, "cannot extract /%s from %s: %s%s", name, path,
                        reason != NULL ? reason : "unknown libarchive error",
                        geteuid() != 0 ? " (owners, devices and file capabilities need root)"
                                       : "");
}

/* Reads the next header; ARCHIVE_WARN only means a name kept as raw bytes. */
static int next_header(struct archive *archive, struct archive_entry **entry, int *status)
{
    *status = archive_read_next_header(archive, entry);
    return *status == ARCHIVE_OK || *status == ARCHIVE_WARN;
}

static wh_status copy_entry_data(struct archive *in, struct archive *out, const char *path,
                                 const char *name, wh_error *err)
{
    const void *block;
    size_t size;
    la_int64_t offset;
    int status;
    while ((status = archive_read_data_block(in, &block, &size, &offset)) == ARCHIVE_OK) {
        if (archive_write_data_block(out, block, size, offset) != ARCHIVE_OK)
            return extract_failure(out, path, name, err);
    }
    if (status != ARCHIVE_EOF)
        return extract_failure(in, path, name, err);
    return WH_OK;
}

/* Rewrites an entry's names to absolute paths under root. */
static wh_status place_under(struct archive_entry *entry, const char *root, char **buffer,
                             wh_error *err)
{
    const char *hardlink = archive_entry_hardlink(entry);
    char *target = hardlink != NULL ? wh_image_join(root, hardlink) : NULL;
    *buffer = wh_image_join(root, archive_entry_pathname(entry));
    if (*buffer == NULL || (hardlink != NULL && target == NULL)) {
        free(target);
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory extracting into %s", root);
    }
    archive_entry_copy_pathname(entry, *buffer);
    if (target != NULL)
        archive_entry_copy_hardlink(entry, target);
    free(target);
    return WH_OK;
}

static wh_status extract_layer(const char *root, const char *path, wh_error *err)
{
    wh_status result = WH_OK;
    struct archive *in = archive_read_new();
    struct archive *out = archive_write_disk_new();
    if (in == NULL || out == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory extracting %s", path);
        goto out;
    }

    /* No user lookup is installed, so numeric ids are used as written. */
    int flags = ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR |
                ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                ARCHIVE_EXTRACT_UNLINK;
    if (geteuid() == 0)
        flags |= ARCHIVE_EXTRACT_OWNER;
    archive_write_disk_set_options(out, flags);
    archive_read_support_format_tar(in);
    if (archive_read_open_filename(in, path, 1 << 16) != ARCHIVE_OK) {
        result = extract_failure(in, path, "", err);
        goto out;
    }

    struct archive_entry *entry;
    int status;
    while (result == WH_OK && next_header(in, &entry, &status)) {
        char name[4096];
        snprintf(name, sizeof(name), "%s", archive_entry_pathname(entry));
        char *placed = NULL;
        result = wh_image_cancelled() ? wh_error_set(err, WH_ERR_INVALID, "cancelled")
                                      : place_under(entry, root, &placed, err);
        if (result == WH_OK && archive_write_header(out, entry) != ARCHIVE_OK)
            result = extract_failure(out, path, name, err);
        if (result == WH_OK)
            result = copy_entry_data(in, out, path, name, err);
        if (result == WH_OK && archive_write_finish_entry(out) != ARCHIVE_OK)
            result = extract_failure(out, path, name, err);
        free(placed);
    }
    if (result == WH_OK && status != ARCHIVE_EOF)
        result = extract_failure(in, path, "(next entry)", err);
    /* Closing applies the deferred directory modes and times. */
    if (result == WH_OK && archive_write_close(out) != ARCHIVE_OK)
        result = extract_failure(out, path, "(directory modes and times)", err);

out:
    archive_read_free(in);
    archive_write_free(out);
    return result;
}

static wh_status tree_mismatch(const char *root, const wh_layer_item *item, const char *problem,
                               wh_error *err)
{
    return wh_error_set(err, WH_ERR_DIGEST, "%s/%s %s; the unpacked tree is not what was planned",
                        root, item->name, problem);
}

static wh_status check_file_content(const char *path, const wh_layer_item *item,
                                    const char *root, wh_error *err)
{
    char hex[WH_SHA256_HEX_LEN + 1];
    wh_status result = wh_sha256_file_hex(path, hex, err);
    if (result == WH_OK && strcmp(hex, item->sha256) != 0)
        result = tree_mismatch(root, item, "has content with the wrong sha256", err);
    return result;
}

static wh_status check_xattrs(const char *path, const wh_layer_item *item, const char *root,
                              wh_error *err)
{
    for (size_t i = 0; i < item->xattr_count; i++) {
        const wh_xattr *expected = &item->xattrs[i];
        unsigned char value[4096];
        ssize_t size = lgetxattr(path, expected->name, value, sizeof(value));
        if (size < 0 || (size_t)size != expected->size ||
            memcmp(value, expected->value, expected->size) != 0)
            return tree_mismatch(root, item, "lacks an xattr or has a different value", err);
    }
    return WH_OK;
}

/* Compares one path of the tree with its planned item. */
static wh_status check_item(const char *root, const wh_layer_item *item,
                            const wh_image_expected *expected, wh_error *err)
{
    char *path = wh_image_join(root, item->name);
    if (path == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory verifying %s", root);

    wh_status result = WH_OK;
    struct stat info;
    if (lstat(path, &info) != 0) {
        result = tree_mismatch(root, item, "is missing", err);
        goto out;
    }
    mode_t format = item->type == WH_FILE_HARDLINK ? S_IFREG : (item->mode & S_IFMT);
    if ((info.st_mode & S_IFMT) != format)
        result = tree_mismatch(root, item, "has the wrong file type", err);
    else if (format != S_IFLNK && (info.st_mode & 07777) != (item->mode & 07777))
        result = tree_mismatch(root, item, "has the wrong permissions", err);
    else if (geteuid() == 0 && (info.st_uid != item->uid || info.st_gid != item->gid))
        result = tree_mismatch(root, item, "has the wrong owner", err);
    else if (format != S_IFLNK && info.st_mtime != (time_t)expected->epoch)
        result = tree_mismatch(root, item, "has an mtime other than the epoch", err);
    if (result != WH_OK)
        goto out;

    if (item->type == WH_FILE_SYMLINK) {
        char target[4096];
        ssize_t length = readlink(path, target, sizeof(target) - 1);
        target[length > 0 ? length : 0] = '\0';
        if (length < 0 || strcmp(target, item->link_target) != 0)
            result = tree_mismatch(root, item, "has the wrong symlink target", err);
    } else if (item->type == WH_FILE_HARDLINK) {
        char *first = wh_image_join(root, item->link_target);
        struct stat first_info;
        if (first == NULL || lstat(first, &first_info) != 0 || first_info.st_ino != info.st_ino ||
            first_info.st_dev != info.st_dev)
            result = tree_mismatch(root, item, "is not a hardlink to its group's first name", err);
        free(first);
    } else if (item->type == WH_FILE_REGULAR) {
        if ((uint64_t)info.st_size != item->size)
            result = tree_mismatch(root, item, "has the wrong size", err);
        else
            result = check_file_content(path, item, root, err);
    } else if (item->type == WH_FILE_DEVICE && info.st_rdev != item->rdev) {
        result = tree_mismatch(root, item, "has the wrong device number", err);
    }
    if (result == WH_OK && geteuid() == 0)
        result = check_xattrs(path, item, root, err);

out:
    free(path);
    return result;
}

/* Counts the entries below path, not counting path itself. */
static wh_status count_tree(const char *path, size_t *count, wh_error *err)
{
    DIR *folder = opendir(path);
    if (folder == NULL)
        return wh_error_set(err, WH_ERR_IO, "cannot list %s: %s", path, strerror(errno));
    wh_status result = WH_OK;
    struct dirent *item;
    while (result == WH_OK && (item = readdir(folder)) != NULL) {
        if (strcmp(item->d_name, ".") == 0 || strcmp(item->d_name, "..") == 0)
            continue;
        (*count)++;
        char *child = wh_image_join(path, item->d_name);
        struct stat info;
        if (child == NULL)
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory listing %s", path);
        else if (lstat(child, &info) == 0 && S_ISDIR(info.st_mode))
            result = count_tree(child, count, err);
        free(child);
    }
    closedir(folder);
    return result;
}

/* Checks the tree: the last layer that names a path decides what it must be. */
static wh_status check_tree(const char *root, const wh_image_expected *expected, wh_error *err)
{
    wh_status result = WH_OK;
    wh_strmap seen = {0};
    for (size_t layer = expected->layer_count; result == WH_OK && layer-- > 0;) {
        const wh_layer_plan *plan = expected->plans[layer];
        for (size_t i = 0; result == WH_OK && i < plan->count; i++) {
            const wh_layer_item *item = &plan->items[i];
            uint32_t existing;
            if (wh_strmap_put(&seen, item->name, strlen(item->name), 0, &existing) != 0)
                result = wh_error_set(err, WH_ERR_NOMEM, "out of memory verifying %s", root);
            else if (existing == UINT32_MAX)
                result = check_item(root, item, expected, err);
        }
    }

    size_t found = 0;
    if (result == WH_OK)
        result = count_tree(root, &found, err);
    if (result == WH_OK && found != seen.count)
        result = wh_error_set(err, WH_ERR_DIGEST,
                              "%s holds %zu entries but the image has %zu; the unpacked tree is "
                              "not what was planned", root, found, seen.count);
    wh_strmap_release(&seen);
    return result;
}

/*
 * libarchive defers the times of the directories it creates to the close of
 * each layer, but sets them at once on a directory that already exists.
 * Files that a later layer adds below such a directory then change its
 * mtime, so every planned directory gets the epoch again at the end.
 */
static wh_status reset_directory_times(const char *root, const wh_image_expected *expected,
                                       wh_error *err)
{
    struct timespec times[2] = { { expected->epoch, 0 }, { expected->epoch, 0 } };
    for (size_t i = 0; i < expected->layer_count; i++) {
        const wh_layer_plan *plan = expected->plans[i];
        for (size_t j = 0; j < plan->count; j++) {
            if (plan->items[j].type != WH_FILE_DIRECTORY)
                continue;
            char *path = wh_image_join(root, plan->items[j].name);
            if (path == NULL)
                return wh_error_set(err, WH_ERR_NOMEM, "out of memory extracting into %s", root);
            int failed = utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW) != 0;
            int saved = errno;
            free(path);
            if (failed)
                return wh_error_set(err, WH_ERR_IO, "cannot set the time of %s/%s: %s", root,
                                    plan->items[j].name, strerror(saved));
        }
    }
    return WH_OK;
}

wh_status wh_image_rootfs_extract(const char *root, const char *tar_dir,
                                  const wh_image_expected *expected, wh_error *err)
{
    char *real_root = NULL;
    wh_status result = wh_image_make_dir(root, err);
    if (result != WH_OK)
        return result;

    /*
     * Entries are extracted by absolute path with ARCHIVE_EXTRACT_SECURE_SYMLINKS,
     * which rejects a symlink anywhere in the path, so the root itself must
     * be free of symlinks (/tmp can be one).
     */
    real_root = realpath(root, NULL);
    if (real_root == NULL)
        return wh_error_set(err, WH_ERR_IO, "cannot resolve %s: %s", root, strerror(errno));

    for (size_t i = 0; result == WH_OK && i < expected->layer_count; i++) {
        char name[WH_SHA256_HEX_LEN + 8];
        snprintf(name, sizeof(name), "%s.tar", expected->results[i].diff_id + 7);
        char *path = wh_image_join(tar_dir, name);
        if (path == NULL) {
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory extracting into %s", root);
            break;
        }
        result = wh_image_verify_layer_file(path, 0, expected->plans[i], expected->epoch,
                                            expected->results[i].diff_id + 7,
                                            expected->results[i].diff_id + 7,
                                            expected->threads, err);
        if (result == WH_OK)
            result = extract_layer(real_root, path, err);
        free(path);
    }
    if (result == WH_OK && expected->layer_count > 1)
        result = reset_directory_times(real_root, expected, err);
    if (result == WH_OK)
        result = check_tree(real_root, expected, err);
    free(real_root);
    return result;
}
