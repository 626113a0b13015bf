/* File helpers for the image writer: explicit modes, no-replace renames, cleanup. */
#include "image_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

char *wh_image_join(const char *left, const char *right)
{
    size_t length = strlen(left) + 1 + strlen(right) + 1;
    char *joined = malloc(length);
    if (joined != NULL)
        snprintf(joined, length, "%s/%s", left, right);
    return joined;
}

wh_status wh_image_write_file(const char *dir, const char *name, const void *data, size_t size,
                              wh_error *err)
{
    wh_status result = WH_OK;
    char *path = wh_image_join(dir, name);
    if (path == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory writing %s", name);

    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, WH_IMAGE_FILE_MODE);
    if (fd < 0) {
        result = wh_error_set(err, errno == EEXIST ? WH_ERR_EXISTS : WH_ERR_IO,
                              "cannot create %s: %s", path, strerror(errno));
        goto out;
    }
    /* The umask may have cleared bits of the requested mode. */
    if (fchmod(fd, WH_IMAGE_FILE_MODE) != 0) {
        result = wh_error_set(err, WH_ERR_IO, "cannot set the mode of %s: %s", path,
                              strerror(errno));
        goto out;
    }

    if (wh_write_full(fd, data, size) != 0)
        result = wh_error_set(err, WH_ERR_IO, "cannot write %s: %s", path, strerror(errno));

out:
    if (fd >= 0 && close(fd) != 0 && result == WH_OK)
        result = wh_error_set(err, WH_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    free(path);
    return result;
}

wh_status wh_image_make_dir(const char *dir, wh_error *err)
{
    if (mkdir(dir, WH_IMAGE_DIR_MODE) != 0 && errno != EEXIST)
        return wh_error_set(err, WH_ERR_IO, "cannot create folder %s: %s", dir, strerror(errno));
    if (chmod(dir, WH_IMAGE_DIR_MODE) != 0)
        return wh_error_set(err, WH_ERR_IO, "cannot set the mode of %s: %s", dir,
                            strerror(errno));
    return WH_OK;
}

static int make_writable(const char *path, const struct stat *info, int flag, struct FTW *walk)
{
    (void)walk;
    if (flag == FTW_D || flag == FTW_DNR)
        chmod(path, (info->st_mode & 07777) | S_IRWXU);
    return 0;
}

static int remove_entry(const char *path, const struct stat *info, int flag, struct FTW *walk)
{
    (void)info;
    (void)walk;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

void wh_image_remove_tree(const char *path)
{
    struct stat info;
    if (path == NULL || lstat(path, &info) != 0)
        return;
    if (!S_ISDIR(info.st_mode)) {
        unlink(path);
        return;
    }
    /* An unpacked rootfs may hold folders without write permission (0555 /proc). */
    nftw(path, make_writable, 16, FTW_PHYS);
    nftw(path, remove_entry, 16, FTW_PHYS | FTW_DEPTH);
}

wh_status wh_image_rename_new(const char *from, const char *to, wh_error *err)
{
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return WH_OK;
    if (errno == EEXIST)
        return wh_error_set(err, WH_ERR_EXISTS,
                            "%s already exists; remove it or choose another destination", to);

    /* Some file systems lack RENAME_NOREPLACE; check first, then rename. */
    if (errno == EINVAL || errno == ENOSYS) {
        struct stat info;
        if (lstat(to, &info) == 0)
            return wh_error_set(err, WH_ERR_EXISTS,
                                "%s already exists; remove it or choose another destination", to);
        if (rename(from, to) == 0)
            return WH_OK;
    }
    return wh_error_set(err, WH_ERR_IO, "cannot rename %s to %s: %s", from, to, strerror(errno));
}
