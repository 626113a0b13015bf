/*
 * Outer archives (oci-archive, docker-archive): a staged folder written as
 * one deterministic tar and read back member by member.
 */
#include "image_internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define COPY_BLOCK_SIZE ((size_t)1 << 16)

typedef struct member {
    char *name; /* relative to the staged folder */
    int is_dir;
    char hex[WH_SHA256_HEX_LEN + 1];
} member;

typedef struct member_list {
    member *items;
    size_t count;
    size_t capacity;
} member_list;

static wh_status add_member(member_list *list, const char *name, int is_dir, wh_error *err)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 32;
        member *items = realloc(list->items, capacity * sizeof(*items));
        if (items == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory listing files to archive");
        list->items = items;
        list->capacity = capacity;
    }
    member *item = &list->items[list->count];
    memset(item, 0, sizeof(*item));
    item->name = strdup(name);
    item->is_dir = is_dir;
    if (item->name == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory listing files to archive");
    list->count++;
    return WH_OK;
}

/* Adds every file and folder under root/relative (relative is "" at the top). */
static wh_status collect(const char *root, const char *relative, member_list *list,
                         wh_error *err)
{
    wh_status result = WH_OK;
    char *path = relative[0] != '\0' ? wh_image_join(root, relative) : strdup(root);
    DIR *folder = path != NULL ? opendir(path) : NULL;
    if (folder == NULL) {
        result = wh_error_set(err, path == NULL ? WH_ERR_NOMEM : WH_ERR_IO,
                              "cannot list %s for archiving", path != NULL ? path : root);
        goto out;
    }

    struct dirent *item;
    while (result == WH_OK && (item = readdir(folder)) != NULL) {
        if (strcmp(item->d_name, ".") == 0 || strcmp(item->d_name, "..") == 0)
            continue;
        char *name = relative[0] != '\0' ? wh_image_join(relative, item->d_name)
                                          : strdup(item->d_name);
        char *full = name != NULL ? wh_image_join(root, name) : NULL;
        struct stat info;
        if (full == NULL)
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory listing %s", path);
        else if (lstat(full, &info) != 0 || !(S_ISDIR(info.st_mode) || S_ISREG(info.st_mode)))
            result = wh_error_set(err, WH_ERR_IO, "cannot archive %s: not a regular file or "
                                  "folder", full);
        else
            result = add_member(list, name, S_ISDIR(info.st_mode), err);
        if (result == WH_OK && S_ISDIR(info.st_mode))
            result = collect(root, name, list, err);
        free(full);
        free(name);
    }

out:
    if (folder != NULL)
        closedir(folder);
    free(path);
    return result;
}

static int compare_members(const void *left, const void *right)
{
    return strcmp(((const member *)left)->name, ((const member *)right)->name);
}

static void release_members(member_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i].name);
    free(list->items);
}

static wh_status write_member(struct archive *archive, struct archive_entry *entry,
                              const char *dir, member *item, int64_t epoch,
                              unsigned char *buffer, wh_error *err)
{
    wh_status result = WH_OK;
    char *path = wh_image_join(dir, item->name);
    wh_sha256 *hash = wh_sha256_new();
    int fd = -1;
    if (path == NULL || hash == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory archiving %s", dir);
        goto out;
    }

    struct stat info;
    if (!item->is_dir) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &info) != 0) {
            result = wh_error_set(err, WH_ERR_IO, "cannot open %s: %s", path, strerror(errno));
            goto out;
        }
    }

    archive_entry_clear(entry);
    archive_entry_copy_pathname(entry, item->name);
    archive_entry_set_filetype(entry, item->is_dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(entry, item->is_dir ? WH_IMAGE_DIR_MODE : WH_IMAGE_FILE_MODE);
    archive_entry_set_mtime(entry, (time_t)epoch, 0);
    archive_entry_set_size(entry, item->is_dir ? 0 : (la_int64_t)info.st_size);
    if (archive_write_header(archive, entry) != ARCHIVE_OK) {
        result = wh_error_set(err, WH_ERR_IO, "cannot archive %s: %s", path,
                              archive_error_string(archive));
        goto out;
    }

    ssize_t got = 0;
    while (fd >= 0 && (got = read(fd, buffer, COPY_BLOCK_SIZE)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 || archive_write_data(archive, buffer, (size_t)got) != got) {
            result = wh_error_set(err, WH_ERR_IO, "cannot archive %s: %s", path,
                                  got < 0 ? strerror(errno) : archive_error_string(archive));
            goto out;
        }
        wh_sha256_update(hash, buffer, (size_t)got);
    }
    wh_sha256_final_hex(hash, item->hex);

out:
    if (fd >= 0)
        close(fd);
    wh_sha256_free(hash);
    free(path);
    return result;
}

static wh_status write_archive(const char *dir, const char *archive_path, member_list *list,
                               int64_t epoch, wh_error *err)
{
    wh_status result = WH_OK;
    struct archive *archive = wh_layer_tar_writer_new();
    struct archive_entry *entry = archive_entry_new();
    unsigned char *buffer = malloc(COPY_BLOCK_SIZE);
    int fd = open(archive_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, WH_IMAGE_FILE_MODE);
    int opened = 0;

    if (fd < 0 || fchmod(fd, WH_IMAGE_FILE_MODE) != 0) {
        result = wh_error_set(err, WH_ERR_IO, "cannot create %s: %s", archive_path,
                              strerror(errno));
        goto out;
    }
    if (archive == NULL || entry == NULL || buffer == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory archiving %s", dir);
        goto out;
    }
    if (archive_write_open_fd(archive, fd) != ARCHIVE_OK) {
        result = wh_error_set(err, WH_ERR_IO, "cannot write %s: %s", archive_path,
                              archive_error_string(archive));
        goto out;
    }
    opened = 1;

    for (size_t i = 0; i < list->count && result == WH_OK; i++) {
        if (wh_image_cancelled())
            result = wh_error_set(err, WH_ERR_INVALID, "cancelled");
        else
            result = write_member(archive, entry, dir, &list->items[i], epoch, buffer, err);
    }
    if (result == WH_OK) {
        opened = 0;
        if (archive_write_close(archive) != ARCHIVE_OK)
            result = wh_error_set(err, WH_ERR_IO, "cannot write %s: %s", archive_path,
                                  archive_error_string(archive));
    }

out:
    /* Closing frees libarchive's buffers; the partial file is removed by the caller. */
    if (opened)
        archive_write_close(archive);
    if (archive != NULL)
        archive_write_free(archive);
    archive_entry_free(entry);
    free(buffer);
    if (fd >= 0 && close(fd) != 0 && result == WH_OK)
        result = wh_error_set(err, WH_ERR_IO, "cannot write %s: %s", archive_path,
                              strerror(errno));
    return result;
}

/* Reads the archive back and checks names, types and content hashes in order. */
static wh_status check_archive(const char *archive_path, const member_list *list, wh_error *err)
{
    wh_status result = WH_OK;
    struct archive *archive = archive_read_new();
    if (archive == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory verifying %s", archive_path);
    archive_read_support_format_tar(archive);
    if (archive_read_open_filename(archive, archive_path, COPY_BLOCK_SIZE) != ARCHIVE_OK) {
        result = wh_error_set(err, WH_ERR_FORMAT, "cannot read %s back: %s", archive_path,
                              archive_error_string(archive));
        goto out;
    }

    struct archive_entry *entry;
    size_t index = 0;
    int status;
    while ((status = archive_read_next_header(archive, &entry)) == ARCHIVE_OK) {
        const member *item = index < list->count ? &list->items[index] : NULL;
        char name[4096];
        snprintf(name, sizeof(name), "%s", archive_entry_pathname(entry));
        size_t length = strlen(name);
        if (length > 1 && name[length - 1] == '/')
            name[length - 1] = '\0';
        if (item == NULL || strcmp(name, item->name) != 0 ||
            (archive_entry_filetype(entry) == AE_IFDIR) != item->is_dir) {
            result = wh_error_set(err, WH_ERR_FORMAT, "%s holds unexpected member %s",
                                  archive_path, name);
            goto out;
        }
        index++;

        wh_sha256 *hash = wh_sha256_new();
        if (hash == NULL) {
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory verifying %s", archive_path);
            goto out;
        }
        const void *block;
        size_t size;
        la_int64_t offset;
        while ((status = archive_read_data_block(archive, &block, &size, &offset)) == ARCHIVE_OK)
            wh_sha256_update(hash, block, size);
        char hex[WH_SHA256_HEX_LEN + 1];
        wh_sha256_final_hex(hash, hex);
        wh_sha256_free(hash);
        if (status != ARCHIVE_EOF || (!item->is_dir && strcmp(hex, item->hex) != 0)) {
            result = wh_error_set(err, WH_ERR_DIGEST, "%s: member %s differs from the file "
                                  "it was written from", archive_path, name);
            goto out;
        }
    }
    if (status != ARCHIVE_EOF || index != list->count)
        result = wh_error_set(err, WH_ERR_FORMAT, "%s is truncated or unreadable: %s",
                              archive_path, archive_error_string(archive));

out:
    archive_read_free(archive);
    return result;
}

wh_status wh_image_tar_directory(const char *dir, const char *archive_path, int64_t epoch,
                                 wh_error *err)
{
    wh_status result = WH_OK;
    member_list list = {0};

    result = collect(dir, "", &list, err);
    if (result != WH_OK)
        goto out;
    qsort(list.items, list.count, sizeof(*list.items), compare_members);

    result = write_archive(dir, archive_path, &list, epoch, err);
    if (result == WH_OK)
        result = check_archive(archive_path, &list, err);

out:
    release_members(&list);
    return result;
}
