/* Turns the entries of a libarchive stream into file records and blobs. */
#include "archive_entries.h"

#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

#define COPY_BUFFER_SIZE (64 * 1024)
/*
 * Regular files up to this size are copied into memory while they are
 * stored, for classification. A larger one is mapped from its blob, which must
 * first wait for the import's writer thread to put it in place.
 */
#define COPIED_CONTENT_MAX ((int64_t)64 << 20)

/* Bytes that may always be unpacked, whatever the ratio; see docs/limits.md. */
#define EXPANSION_FLOOR ((int64_t)128 * 1024 * 1024)

/* How much file content an archive may unpack to, checked as it is read. */
typedef struct expansion_budget {
    int64_t max_ratio; /* unpacked bytes per compressed byte read; 0 turns the check off */
    int64_t unpacked;  /* file content produced so far, sparse holes included */
} expansion_budget;

wh_status whc_normalize_path(const char *name, char **out, wh_error *err)
{
    *out = NULL;
    if (name == NULL || name[0] == '\0')
        return wh_error_set(err, WH_ERR_FORMAT, "an entry has an empty name");

    size_t length = strlen(name);
    char *path = malloc(length + 2);
    if (path == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory normalising '%s'", name);

    /* Copy component by component, dropping empty and "." ones. */
    size_t used = 0;
    const char *p = name;
    while (*p) {
        while (*p == '/')
            p++;
        const char *end = strchr(p, '/');
        size_t component = end ? (size_t)(end - p) : strlen(p);
        if (component == 2 && p[0] == '.' && p[1] == '.') {
            free(path);
            return wh_error_set(err, WH_ERR_FORMAT,
                                "the entry '%s' has a '..' component, which could escape the "
                                "image root", name);
        }
        if (component > 0 && !(component == 1 && p[0] == '.')) {
            path[used++] = '/';
            memcpy(path + used, p, component);
            used += component;
        }
        p += component;
    }
    path[used] = '\0';

    if (used == 0) {
        free(path);
        return WH_OK;
    }
    if (used > WHC_IMAGE_PATH_MAX) {
        free(path);
        return wh_error_set(err, WH_ERR_LIMIT,
                            "the entry '%.60s...' is %zu bytes long; the limit is %d", name,
                            used, WHC_IMAGE_PATH_MAX);
    }
    *out = path;
    return WH_OK;
}

wh_status whc_archive_error(struct archive *archive, const whc_archive_source *source,
                            wh_error *err)
{
    const char *message = archive_error_string(archive);
    return wh_error_set(err, WH_ERR_FORMAT, "%s: truncated or corrupt %s: %s", source->artifact,
                        source->member, message ? message : "unexpected end of data");
}

/*
 * Returns the entry name as stored. libarchive returns NULL from
 * archive_entry_pathname when a UTF-8 pax name cannot be converted to the
 * current locale, so fall back to the UTF-8 form then.
 */
static const char *entry_name(struct archive_entry *entry)
{
    const char *name = archive_entry_pathname(entry);
    return name ? name : archive_entry_pathname_utf8(entry);
}

static const char *entry_symlink(struct archive_entry *entry)
{
    const char *target = archive_entry_symlink(entry);
    return target ? target : archive_entry_symlink_utf8(entry);
}

static const char *entry_hardlink(struct archive_entry *entry)
{
    const char *target = archive_entry_hardlink(entry);
    return target ? target : archive_entry_hardlink_utf8(entry);
}

wh_status whc_archive_entry_type(struct archive_entry *entry, const char *label,
                                 const char *path, wh_file_type *out, wh_error *err)
{
    if (entry_hardlink(entry) != NULL) {
        *out = WH_FILE_HARDLINK;
        return WH_OK;
    }
    switch (archive_entry_filetype(entry)) {
    case AE_IFREG: *out = WH_FILE_REGULAR; return WH_OK;
    case AE_IFDIR: *out = WH_FILE_DIRECTORY; return WH_OK;
    case AE_IFLNK: *out = WH_FILE_SYMLINK; return WH_OK;
    case AE_IFCHR:
    case AE_IFBLK: *out = WH_FILE_DEVICE; return WH_OK;
    case AE_IFIFO: *out = WH_FILE_FIFO; return WH_OK;
    default:
        return wh_error_set(err, WH_ERR_FORMAT,
                            "%s: the entry %s is a socket or of unknown type (mode %o), "
                            "which an image cannot contain",
                            label, path, (unsigned)archive_entry_mode(entry));
    }
}

/* Copies the entry's xattrs into a new array; *has_capabilities notes security.capability. */
static wh_status read_xattrs(struct archive_entry *entry, whc_xattr **out, size_t *count,
                             int *has_capabilities, wh_error *err)
{
    *out = NULL;
    *count = 0;
    *has_capabilities = 0;

    int total = archive_entry_xattr_reset(entry);
    if (total <= 0)
        return WH_OK;
    whc_xattr *xattrs = calloc((size_t)total, sizeof(*xattrs));
    if (xattrs == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading xattrs");

    const char *name;
    const void *value;
    size_t size;
    size_t used = 0;
    while (used < (size_t)total && archive_entry_xattr_next(entry, &name, &value, &size) ==
                                       ARCHIVE_OK) {
        if (strcmp(name, "security.capability") == 0)
            *has_capabilities = 1;

        /*
         * A pax header may give one xattr in both the SCHILY.xattr and the
         * LIBARCHIVE.xattr form, and libarchive returns both: keep the last.
         */
        size_t index = 0;
        while (index < used && strcmp(xattrs[index].name, name) != 0)
            index++;
        xattrs[index] = (whc_xattr){ name, value, size };
        if (index == used)
            used++;
    }
    *out = xattrs; /* the strings stay owned by the entry; whc_file_list_add copies them */
    *count = used;
    return WH_OK;
}

wh_status whc_max_expansion(int64_t *out, wh_error *err)
{
    const char *value = getenv("WHITTLE_MAX_EXPANSION");
    *out = WHC_DEFAULT_MAX_EXPANSION;
    if (value == NULL || value[0] == '\0')
        return WH_OK;

    char *end;
    errno = 0;
    long long ratio = strtoll(value, &end, 10);
    if (errno != 0 || *end != '\0' || ratio < 0)
        return wh_error_set(err, WH_ERR_INVALID,
                            "WHITTLE_MAX_EXPANSION='%s' is invalid: give the largest ratio of "
                            "unpacked to compressed bytes as a whole number, or 0 for no limit",
                            value);
    *out = ratio;
    return WH_OK;
}

wh_status whc_archive_check_expansion(struct archive *archive, int64_t content,
                                      int64_t max_ratio, const whc_archive_source *source,
                                      const char *path, wh_error *err)
{
    /* The tar stream counts the data of skipped entries, the content counts sparse holes. */
    int64_t stream = archive_filter_bytes(archive, 0);
    int64_t unpacked = stream > content ? stream : content;
    if (max_ratio == 0 || unpacked <= EXPANSION_FLOOR)
        return WH_OK;

    int64_t compressed = archive_filter_bytes(archive, -1);
    if (compressed > 0 && unpacked / compressed < max_ratio)
        return WH_OK;
    return wh_error_set(err, WH_ERR_LIMIT,
                        "%s: %s expands from %lld to more than %lld bytes at %s, past the "
                        "limit of %lld times its compressed size; if the package is trusted, "
                        "raise WHITTLE_MAX_EXPANSION (0 turns the check off)",
                        source->artifact, source->member, (long long)compressed,
                        (long long)unpacked, path, (long long)max_ratio);
}

/*
 * Streams the entry's data into a blob, checking the length against the
 * header. Sets *content_copy to a copy of the content when size is at most
 * COPIED_CONTENT_MAX, else to NULL.
 */
static wh_status store_content(whc_import *import, struct archive *archive, const char *path,
                               int64_t size, const whc_archive_source *source,
                               expansion_budget *budget, char sha256[65],
                               unsigned char **content_copy, wh_error *err)
{
    wh_status result = WH_OK;
    whc_blob_writer *writer = NULL;
    unsigned char *buffer = malloc(COPY_BUFFER_SIZE);
    unsigned char *content = NULL;
    int64_t copied = 0;

    *content_copy = NULL;
    if (size > 0 && size <= COPIED_CONTENT_MAX && (content = malloc((size_t)size)) == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", path);
        goto out;
    }
    if (buffer == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", path);
        goto out;
    }
    result = whc_blob_begin(import->catalog, import, &writer, err);
    if (result != WH_OK)
        goto out;

    for (;;) {
        la_ssize_t got = archive_read_data(archive, buffer, COPY_BUFFER_SIZE);
        if (got < 0) {
            result = whc_archive_error(archive, source, err);
            goto out;
        }
        if (got == 0)
            break;
        if (content != NULL && copied + got <= size)
            memcpy(content + copied, buffer, (size_t)got);
        copied += got;
        budget->unpacked += got;
        result = whc_archive_check_expansion(archive, budget->unpacked, budget->max_ratio,
                                             source, path, err);
        if (result != WH_OK)
            goto out;
        result = whc_blob_write(writer, buffer, (size_t)got, err);
        if (result != WH_OK)
            goto out;
    }
    if (copied != size) {
        result = wh_error_set(err, WH_ERR_FORMAT,
                              "%s: truncated or corrupt %s: %s has %lld bytes of its %lld",
                              source->artifact, source->member, path, (long long)copied,
                              (long long)size);
        goto out;
    }

    whc_blob_writer *finishing = writer;
    writer = NULL;
    result = whc_blob_commit(finishing, sha256, err);
    if (result == WH_OK) {
        *content_copy = content;
        content = NULL;
    }

out:
    whc_blob_abort(writer);
    free(content);
    free(buffer);
    return result;
}

/*
 * Classifies a stored file from content_copy, or else from its mapped blob,
 * and shows the content to source->inspect.
 */
static wh_status classify(whc_import *import, const whc_file_record *record,
                          const unsigned char *content_copy, int has_capabilities,
                          const whc_archive_source *source, wh_classification *out,
                          wh_error *err)
{
    const unsigned char *data = content_copy;
    const unsigned char *mapped = NULL;
    size_t size = record->type == WH_FILE_REGULAR ? (size_t)record->size : 0;

    if (size > 0 && data == NULL) {
        wh_status status = whc_blob_map(import->catalog, record->sha256, size, &mapped, err);
        if (status != WH_OK)
            return status;
        data = mapped;
    }

    wh_file_meta meta = { record->path, record->type, record->mode, has_capabilities };
    wh_status result = wh_classify(&meta, data, size, out, err);
    if (result == WH_OK && record->type == WH_FILE_REGULAR && source->inspect)
        source->inspect(record->path, data, size, source->context);

    whc_blob_unmap(mapped, size);
    return result;
}

static wh_status collect_entry(whc_import *import, struct archive *archive,
                               struct archive_entry *entry, const char *path,
                               const whc_archive_source *source, expansion_budget *budget,
                               whc_file_list *files, wh_error *err)
{
    wh_status result = WH_OK;
    whc_file_record record = { .path = path };
    wh_classification classification = { 0 };
    whc_xattr *xattrs = NULL;
    char *hardlink_target = NULL;
    char sha256[65] = "";
    unsigned char *content_copy = NULL;
    int has_capabilities = 0;

    char label[512];
    snprintf(label, sizeof(label), "%s: %s", source->artifact, source->member);
    result = whc_archive_entry_type(entry, label, path, &record.type, err);
    if (result != WH_OK)
        goto out;
    record.mode = (unsigned)archive_entry_mode(entry);
    record.uid = archive_entry_uid(entry);
    record.gid = archive_entry_gid(entry);

    switch (record.type) {
    case WH_FILE_REGULAR:
        record.size = archive_entry_size(entry); /* logical size, holes included */
        result = store_content(import, archive, path, record.size, source, budget, sha256,
                               &content_copy, err);
        if (result != WH_OK)
            goto out;
        record.sha256 = sha256;
        break;
    case WH_FILE_HARDLINK: {
        if (entry_hardlink(entry)[0] == '\0') {
            result = wh_error_set(err, WH_ERR_FORMAT, "%s: %s: the hardlink %s has an empty "
                                  "target", source->artifact, source->member, path);
            goto out;
        }
        result = whc_normalize_path(entry_hardlink(entry), &hardlink_target, err);
        if (result != WH_OK) {
            wh_error_prefix(err, "%s: %s", source->artifact, source->member);
            goto out;
        }
        const whc_file_entry *first =
            hardlink_target ? whc_file_list_find(files, hardlink_target) : NULL;

        /* A link to another link names the same file: point at the regular one. */
        if (first != NULL && first->record.type == WH_FILE_HARDLINK)
            first = whc_file_list_find(files, first->target);
        if (first == NULL || first->record.type != WH_FILE_REGULAR) {
            result = wh_error_set(err, WH_ERR_FORMAT,
                                  "%s: %s: the hardlink %s points to '%s', which is not an "
                                  "earlier regular file in the archive",
                                  source->artifact, source->member, path,
                                  entry_hardlink(entry));
            goto out;
        }
        record.target = first->path;
        record.mode = S_IFREG | (record.mode & 07777);
        break;
    }
    case WH_FILE_SYMLINK:
        record.target = entry_symlink(entry);
        if (record.target == NULL || record.target[0] == '\0') {
            result = wh_error_set(err, WH_ERR_FORMAT, "%s: %s: the symlink %s has no target",
                                  source->artifact, source->member, path);
            goto out;
        }
        break;
    case WH_FILE_DEVICE:
        record.rdev = (uint64_t)archive_entry_rdev(entry);
        break;
    default:
        break;
    }

    result = read_xattrs(entry, &xattrs, &record.xattr_count, &has_capabilities, err);
    if (result != WH_OK)
        goto out;
    record.xattrs = xattrs;

    result = classify(import, &record, content_copy, has_capabilities, source, &classification,
                      err);
    if (result != WH_OK)
        goto out;
    result = whc_file_list_add(files, &record, &classification, err);
    if (result == WH_ERR_FORMAT)
        wh_error_prefix(err, "%s: %s", source->artifact, source->member);

out:
    wh_classification_free(&classification);
    free(content_copy);
    free(hardlink_target);
    free(xattrs);
    return result;
}

wh_status whc_archive_collect(whc_import *import, struct archive *archive,
                              const whc_archive_source *source, whc_file_list *files,
                              wh_error *err)
{
    wh_status result = WH_OK;
    struct archive_entry *entry;
    char *path = NULL;
    expansion_budget budget = { 0 };

    result = whc_max_expansion(&budget.max_ratio, err);
    if (result != WH_OK)
        return result;

    for (;;) {
        int status = archive_read_next_header(archive, &entry);
        if (status == ARCHIVE_EOF)
            break;
        /* ARCHIVE_RETRY means a damaged header (a bad checksum): no entry to read. */
        if (status != ARCHIVE_OK && status != ARCHIVE_WARN) {
            result = whc_archive_error(archive, source, err);
            goto out;
        }

        free(path);
        path = NULL;
        result = whc_normalize_path(entry_name(entry), &path, err);
        if (result != WH_OK) {
            wh_error_prefix(err, "%s: %s", source->artifact, source->member);
            goto out;
        }
        if (path == NULL)
            continue; /* the root directory itself */

        /* Skipping the data of earlier entries may have unpacked a lot. */
        result = whc_archive_check_expansion(archive, budget.unpacked, budget.max_ratio, source,
                                             path, err);
        if (result != WH_OK)
            goto out;

        if (source->claim) {
            int claimed = source->claim(path, archive, source->context, err);
            if (claimed < 0) {
                result = err ? err->status : WH_ERR_FORMAT;
                goto out;
            }
            if (claimed == WHC_ENTRY_CLAIMED)
                continue;
        }

        result = collect_entry(import, archive, entry, path, source, &budget, files, err);
        if (result != WH_OK)
            goto out;
    }

out:
    free(path);
    return result;
}
