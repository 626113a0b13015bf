/*
 * Readers for a single file and for a directory tree on the local disk.
 *
 * A directory is a root filesystem: DIR/usr/bin/x becomes /usr/bin/x. The
 * walk uses openat with O_NOFOLLOW, so symlinks inside the tree are
 * recorded with their targets and never followed. Names of one inode are
 * recorded once as a regular file and otherwise as hardlinks. Only the
 * security.capability xattr is kept: other xattrs (SELinux labels, ACLs)
 * describe the host rather than the image.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../core/digest.h"
#include "../core/elf.h"
#include "../core/fs.h"
#include "../core/shebang.h"
#include "archive_entries.h"
#include "internal.h"

/* Files up to this size are classified from memory instead of from their mapped blob. */
#define COPY_BUFFER_SIZE (256 * 1024)
/*
 * ELF and #! files up to this size are read whole into memory and
 * classified from there. A larger one is classified from its blob, which
 * must first wait for the import's writer thread to put it in place.
 */
#define WHOLE_CONTENT_MAX ((int64_t)64 << 20)
#define CAPABILITY_XATTR "security.capability"
#define CAPABILITY_MAX_SIZE 64

typedef struct inode_link {
    dev_t dev;
    ino_t ino;
    char *path; /* first image path seen for this inode */
} inode_link;

typedef struct tree_walk {
    whc_import *import;
    whc_file_list *files;
    inode_link *links;
    size_t link_count, link_capacity;
    unsigned char *buffer; /* COPY_BUFFER_SIZE bytes, reused for every file */
} tree_walk;

/* What store_fd saw of a file's content, for classification. */
typedef struct content_head {
    int complete;      /* the buffer contains the whole content */
    int needs_content; /* ELF or #! magic, the only content that wh_classify reads */
    unsigned char *whole; /* the whole content of a larger ELF or #! file, or NULL */
} content_head;

/*
 * Reads the rest of a file whose first COPY_BUFFER_SIZE bytes are in
 * buffer into one allocation of size bytes, writing it to the blob. Stops
 * early at the end of the file; store_fd then reports the changed size.
 */
static wh_status store_whole(whc_blob_writer *writer, int fd, const char *host_path,
                             int64_t size, const unsigned char *buffer, int64_t *copied,
                             unsigned char **whole, wh_error *err)
{
    unsigned char *content = malloc((size_t)size);
    if (content == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", host_path);
    memcpy(content, buffer, COPY_BUFFER_SIZE);
    ssize_t got = wh_read_full(fd, content + COPY_BUFFER_SIZE, (size_t)size - COPY_BUFFER_SIZE);
    if (got < 0) {
        free(content);
        return wh_error_set(err, WH_ERR_IO, "cannot read %s: %s", host_path, strerror(errno));
    }
    *copied = COPY_BUFFER_SIZE + got;
    unsigned char extra;
    if (read(fd, &extra, 1) > 0)
        (*copied)++; /* the file grew: store_fd reports it */

    wh_status result = WH_OK;
    size_t length = (size_t)(COPY_BUFFER_SIZE + got);
    for (size_t done = 0; done < length && result == WH_OK; done += COPY_BUFFER_SIZE) {
        size_t piece = length - done < COPY_BUFFER_SIZE ? length - done : COPY_BUFFER_SIZE;
        result = whc_blob_write(writer, content + done, piece, err);
    }
    if (result != WH_OK) {
        free(content);
        return result;
    }
    *whole = content;
    return WH_OK;
}

/*
 * Copies the open file into a blob through buffer (COPY_BUFFER_SIZE bytes);
 * the sha256 of what was read goes to sha256. Sets head from the first
 * chunk, which stays in buffer when it is the whole content.
 */
static wh_status store_fd(whc_import *import, int fd, const char *host_path, int64_t size,
                          unsigned char *buffer, content_head *head, char sha256[65],
                          wh_error *err)
{
    wh_status result = WH_OK;
    whc_blob_writer *writer = NULL;
    int64_t copied = 0;

    result = whc_blob_begin(import->catalog, import, &writer, err);
    if (result != WH_OK)
        goto out;

    ssize_t got = wh_read_full(fd, buffer, COPY_BUFFER_SIZE);
    head->needs_content = got > 0 && (wh_elf_has_magic(buffer, (size_t)got) ||
                                      wh_shebang_present(buffer, (size_t)got));
    if (head->needs_content && got == COPY_BUFFER_SIZE && size > COPY_BUFFER_SIZE
        && size <= WHOLE_CONTENT_MAX) {
        result = store_whole(writer, fd, host_path, size, buffer, &copied, &head->whole, err);
        if (result != WH_OK)
            goto out;
        got = 0; /* read to the end */
    }
    while (got > 0) {
        copied += got;
        result = whc_blob_write(writer, buffer, (size_t)got, err);
        if (result != WH_OK)
            goto out;
        if (got < COPY_BUFFER_SIZE)
            break; /* read_full stops short only at the end of the file */
        got = wh_read_full(fd, buffer, COPY_BUFFER_SIZE);
    }
    if (got < 0) {
        result = wh_error_set(err, WH_ERR_IO, "cannot read %s: %s", host_path,
                              strerror(errno));
        goto out;
    }
    head->complete = copied <= COPY_BUFFER_SIZE;
    if (copied != size) {
        result = wh_error_set(err, WH_ERR_IO, "%s changed while it was being imported "
                              "(%lld bytes read, %lld expected); try again",
                              host_path, (long long)copied, (long long)size);
        goto out;
    }
    whc_blob_writer *finishing = writer;
    writer = NULL;
    result = whc_blob_commit(finishing, sha256, err);

out:
    whc_blob_abort(writer);
    return result;
}

/* Reads security.capability without following a symlink; *size is 0 when absent. */
static wh_status read_capability(const char *host_path, unsigned char value[CAPABILITY_MAX_SIZE],
                                 size_t *size, wh_error *err)
{
    ssize_t got = lgetxattr(host_path, CAPABILITY_XATTR, value, CAPABILITY_MAX_SIZE);
    *size = 0;
    if (got >= 0) {
        *size = (size_t)got;
        return WH_OK;
    }
    if (errno == ENODATA || errno == ENOTSUP || errno == EPERM)
        return WH_OK;
    return wh_error_set(err, WH_ERR_IO, "cannot read the %s xattr of %s: %s", CAPABILITY_XATTR,
                        host_path, strerror(errno));
}

/*
 * Stores content (regular files) through buffer, classifies and appends one
 * record. A file whose content is not all in the buffer is classified from
 * memory or its mapped blob (see WHOLE_CONTENT_MAX) when it starts with ELF
 * or #! magic, and from its metadata alone otherwise.
 */
static wh_status add_record(whc_import *import, whc_file_record *record, int fd,
                            const char *host_path, unsigned char *buffer,
                            whc_file_list *files, wh_error *err)
{
    wh_status result = WH_OK;
    wh_classification classification = { 0 };
    const unsigned char *data = NULL;
    const unsigned char *mapped = NULL;
    size_t size = record->type == WH_FILE_REGULAR ? (size_t)record->size : 0;
    unsigned char capability[CAPABILITY_MAX_SIZE];
    size_t capability_size = 0;
    whc_xattr xattr;
    char sha256[65] = "";
    content_head head = { 0 };

    result = read_capability(host_path, capability, &capability_size, err);
    if (result != WH_OK)
        goto out;
    if (capability_size > 0) {
        xattr = (whc_xattr){ CAPABILITY_XATTR, capability, capability_size };
        record->xattrs = &xattr;
        record->xattr_count = 1;
    }

    if (record->type == WH_FILE_REGULAR) {
        result = store_fd(import, fd, host_path, record->size, buffer, &head, sha256, err);
        if (result != WH_OK)
            goto out;
        record->sha256 = sha256;
        if (head.complete)
            data = buffer;
        else if (head.whole != NULL)
            data = head.whole;
        else if (head.needs_content)
            result = whc_blob_map(import->catalog, sha256, size, &mapped, err);
        if (result != WH_OK)
            goto out;
        if (mapped != NULL)
            data = mapped;
    }

    wh_file_meta meta = { record->path, record->type, record->mode, capability_size > 0 };
    result = wh_classify(&meta, data, data != NULL ? size : 0, &classification, err);
    if (result == WH_OK)
        result = whc_file_list_add(files, record, &classification, err);

out:
    whc_blob_unmap(mapped, size);
    free(head.whole);
    wh_classification_free(&classification);
    record->xattrs = NULL;
    record->xattr_count = 0;
    return result;
}

/* Returns the first path recorded for this inode, or records path as the first. */
static wh_status find_link(tree_walk *walk, const struct stat *st, const char *path,
                           const char **first, wh_error *err)
{
    *first = NULL;
    for (size_t i = 0; i < walk->link_count; i++) {
        if (walk->links[i].dev == st->st_dev && walk->links[i].ino == st->st_ino) {
            *first = walk->links[i].path;
            return WH_OK;
        }
    }
    if (walk->link_count == walk->link_capacity) {
        size_t capacity = walk->link_capacity ? walk->link_capacity * 2 : 16;
        inode_link *grown = realloc(walk->links, capacity * sizeof(*grown));
        if (grown == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory");
        walk->links = grown;
        walk->link_capacity = capacity;
    }
    char *copy = strdup(path);
    if (copy == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory");
    walk->links[walk->link_count++] = (inode_link){ st->st_dev, st->st_ino, copy };
    return WH_OK;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads and sorts the names in an open directory (not "." or ".."). */
static wh_status list_directory(int dir_fd, const char *host_path, char ***names, size_t *count,
                                wh_error *err)
{
    *names = NULL;
    *count = 0;
    int fd = dup(dir_fd);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    if (dir == NULL) {
        if (fd >= 0)
            close(fd);
        return wh_error_set(err, WH_ERR_IO, "cannot read the directory %s: %s", host_path,
                            strerror(errno));
    }

    wh_status result = WH_OK;
    size_t capacity = 0;
    struct dirent *item;
    while ((item = readdir(dir)) != NULL) {
        if (strcmp(item->d_name, ".") == 0 || strcmp(item->d_name, "..") == 0)
            continue;
        if (*count == capacity) {
            capacity = capacity ? capacity * 2 : 32;
            char **grown = realloc(*names, capacity * sizeof(*grown));
            if (grown == NULL) {
                result = wh_error_set(err, WH_ERR_NOMEM, "out of memory");
                break;
            }
            *names = grown;
        }
        if (((*names)[*count] = strdup(item->d_name)) == NULL) {
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory");
            break;
        }
        (*count)++;
    }
    closedir(dir);
    if (*count > 0)
        qsort(*names, *count, sizeof(**names), compare_names);
    return result;
}

static wh_status walk_directory(tree_walk *walk, int dir_fd, const char *image_dir,
                                const char *host_dir, wh_error *err);

/* Records one directory entry and descends into subdirectories. */
static wh_status walk_entry(tree_walk *walk, int dir_fd, const char *name, const char *image_dir,
                            const char *host_dir, wh_error *err)
{
    wh_status result = WH_OK;
    char *image_path = NULL, *host_path = NULL, *target = NULL;
    int fd = -1;
    struct stat st;

    if (asprintf(&image_path, "%s/%s", image_dir, name) < 0 ||
        asprintf(&host_path, "%s/%s", host_dir, name) < 0) {
        image_path = host_path = NULL;
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (strlen(image_path) > WHC_IMAGE_PATH_MAX) {
        result = wh_error_set(err, WH_ERR_LIMIT, "%s: the image path is longer than %d bytes",
                              host_path, WHC_IMAGE_PATH_MAX);
        goto out;
    }
    if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        result = wh_error_set(err, WH_ERR_IO, "cannot stat %s: %s", host_path, strerror(errno));
        goto out;
    }

    whc_file_record record = { .path = image_path, .mode = st.st_mode, .uid = st.st_uid,
                               .gid = st.st_gid };
    if (S_ISREG(st.st_mode)) {
        const char *first = NULL;
        if (st.st_nlink > 1 && (result = find_link(walk, &st, image_path, &first, err)) != WH_OK)
            goto out;
        if (first != NULL) {
            record.type = WH_FILE_HARDLINK;
            record.target = first;
        } else {
            record.type = WH_FILE_REGULAR;
            record.size = st.st_size;
            fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0) {
                result = wh_error_set(err, WH_ERR_IO, "cannot open %s: %s", host_path,
                                      strerror(errno));
                goto out;
            }
        }
    } else if (S_ISDIR(st.st_mode)) {
        record.type = WH_FILE_DIRECTORY;
    } else if (S_ISLNK(st.st_mode)) {
        record.type = WH_FILE_SYMLINK;
        target = calloc(1, PATH_MAX + 1);
        ssize_t length = target ? readlinkat(dir_fd, name, target, PATH_MAX) : -1;
        if (length >= PATH_MAX) {
            result = wh_error_set(err, WH_ERR_LIMIT, "the symlink %s has a target longer than "
                                  "%d bytes", host_path, PATH_MAX - 1);
            goto out;
        }
        if (length <= 0) {
            result = wh_error_set(err, WH_ERR_IO, "cannot read the symlink %s: %s", host_path,
                                  target ? strerror(errno) : "out of memory");
            goto out;
        }
        record.target = target;
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        record.type = WH_FILE_DEVICE;
        record.rdev = st.st_rdev;
    } else if (S_ISFIFO(st.st_mode)) {
        record.type = WH_FILE_FIFO;
    } else {
        result = wh_error_set(err, WH_ERR_INVALID, "%s is a socket, which an image cannot "
                              "contain; remove it or import a copy of the tree without it",
                              host_path);
        goto out;
    }

    result = add_record(walk->import, &record, fd, host_path, walk->buffer, walk->files,
                        err);
    if (result != WH_OK || record.type != WH_FILE_DIRECTORY)
        goto out;

    fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        result = wh_error_set(err, WH_ERR_IO, "cannot open the directory %s: %s", host_path,
                              strerror(errno));
        goto out;
    }
    result = walk_directory(walk, fd, image_path, host_path, err);

out:
    if (fd >= 0)
        close(fd);
    free(image_path);
    free(host_path);
    free(target);
    return result;
}

static wh_status walk_directory(tree_walk *walk, int dir_fd, const char *image_dir,
                                const char *host_dir, wh_error *err)
{
    char **names = NULL;
    size_t count = 0;
    wh_status result = list_directory(dir_fd, host_dir, &names, &count, err);

    for (size_t i = 0; result == WH_OK && i < count; i++)
        result = walk_entry(walk, dir_fd, names[i], image_dir, host_dir, err);

    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
    return result;
}

/*
 * Hashes a manifest of the sorted files, one line per file with path, type,
 * mode, owner, size, content digest, target, device number and capability,
 * so the same tree gives the same origin digest on every import.
 */
static wh_status manifest_digest(const whc_file_list *files, char hex[65], wh_error *err)
{
    wh_sha256 *hash = wh_sha256_new();
    if (hash == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory");

    for (size_t i = 0; i < files->count; i++) {
        const whc_file_record *record = &files->entries[i].record;
        char fields[256];
        int length = snprintf(fields, sizeof(fields), "%s\t%o\t%lld\t%lld\t%lld\t%s\t%llu\t",
                              wh_file_type_name(record->type), record->mode,
                              (long long)record->uid, (long long)record->gid,
                              (long long)record->size, record->sha256 ? record->sha256 : "-",
                              (unsigned long long)record->rdev);
        wh_sha256_update(hash, record->path, strlen(record->path) + 1);
        wh_sha256_update(hash, fields, (size_t)length);
        if (record->target)
            wh_sha256_update(hash, record->target, strlen(record->target));
        wh_sha256_update(hash, "\0", 1);
        for (size_t x = 0; x < record->xattr_count; x++) {
            wh_sha256_update(hash, record->xattrs[x].name, strlen(record->xattrs[x].name) + 1);
            wh_sha256_update(hash, record->xattrs[x].value, record->xattrs[x].size);
        }
        wh_sha256_update(hash, "\n", 1);
    }
    wh_sha256_final_hex(hash, hex);
    wh_sha256_free(hash);
    return WH_OK;
}

wh_status whc_read_tree(whc_import *import, const char *path, whc_artifact *out,
                        wh_error *err)
{
    tree_walk walk = { .import = import, .files = &out->files };
    wh_status result = WH_OK;

    out->format = "directory";
    walk.buffer = malloc(COPY_BUFFER_SIZE);
    if (walk.buffer == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", path);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        free(walk.buffer);
        return wh_error_set(err, WH_ERR_IO, "cannot open the directory %s: %s", path,
                            strerror(errno));
    }
    result = walk_directory(&walk, fd, "", path, err);
    close(fd);
    free(walk.buffer);

    if (result == WH_OK)
        result = whc_file_list_sort(&out->files, err);
    if (result == WH_OK)
        result = manifest_digest(&out->files, out->origin_sha256, err);

    for (size_t i = 0; i < walk.link_count; i++)
        free(walk.links[i].path);
    free(walk.links);
    return result;
}

/* Returns the image path of a single file: dest, or the default for its mode. */
static wh_status single_file_path(const char *path, const whc_import_options *options,
                                  int executable, char **out, wh_error *err)
{
    if (options->dest != NULL) {
        if (options->dest[0] != '/')
            return wh_error_set(err, WH_ERR_INVALID,
                                "--dest '%s' must be an absolute path inside the image, "
                                "such as /usr/bin/app", options->dest);
        wh_status status = whc_normalize_path(options->dest, out, err);
        if (status == WH_OK && *out == NULL)
            status = wh_error_set(err, WH_ERR_INVALID, "--dest '%s' names the image root; "
                                  "give a file path such as /usr/bin/app", options->dest);
        if (status != WH_OK)
            wh_error_prefix(err, "--dest");
        return status;
    }

    char *copy = strdup(path);
    if (copy == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory");
    const char *base = basename(copy);
    int length = executable ? asprintf(out, "/usr/bin/%s", base)
                            : asprintf(out, "/usr/share/%s/%s", options->name, base);
    free(copy);
    if (length < 0) {
        *out = NULL;
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory");
    }
    return WH_OK;
}

wh_status whc_read_single_file(whc_import *import, const char *path,
                               const whc_import_options *options, whc_artifact *out,
                               wh_error *err)
{
    wh_status result = WH_OK;
    char *image_path = NULL;
    unsigned char *buffer = NULL;
    char sha256[65];
    struct stat st;

    out->format = "file";
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        result = wh_error_set(err, WH_ERR_IO, "cannot open %s: %s", path, strerror(errno));
        goto out;
    }

    /* Owner root and modes 0755 or 0644, so the umask of the build machine does not leak. */
    int executable = (st.st_mode & 0111) != 0;
    result = single_file_path(path, options, executable, &image_path, err);
    if (result != WH_OK)
        goto out;
    whc_file_record record = { .path = image_path, .type = WH_FILE_REGULAR,
                               .mode = S_IFREG | (executable ? 0755 : 0644),
                               .size = st.st_size };
    buffer = malloc(COPY_BUFFER_SIZE);
    if (buffer == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", path);
        goto out;
    }
    result = add_record(import, &record, fd, path, buffer, &out->files, err);
    if (result != WH_OK)
        goto out;

    memcpy(sha256, out->files.entries[0].sha256, sizeof(sha256));
    if (strcmp(sha256, out->origin_sha256) != 0)
        result = wh_error_set(err, WH_ERR_IO, "%s changed while it was being imported; "
                              "try again", path);

out:
    if (fd >= 0)
        close(fd);
    free(image_path);
    free(buffer);
    return result;
}
