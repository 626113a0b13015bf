/* The in-memory list of files an importer collects, and kind inference over it. */
#include "import_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static size_t hash_path(const char *path)
{
    size_t hash = 14695981039346656037ull; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        hash ^= *p;
        hash *= 1099511628211ull;
    }
    return hash;
}

static size_t *find_slot(const whc_file_list *list, const char *path)
{
    size_t mask = list->slot_count - 1;
    size_t slot = hash_path(path) & mask;
    while (list->slots[slot] != 0) {
        if (strcmp(list->entries[list->slots[slot] - 1].path, path) == 0)
            break;
        slot = (slot + 1) & mask;
    }
    return &list->slots[slot];
}

/* Rebuilds the index with room for twice the entries, keeping the load under one half. */
static wh_status rebuild_index(whc_file_list *list, size_t minimum_entries, wh_error *err)
{
    size_t slot_count = 64;
    while (slot_count < minimum_entries * 2)
        slot_count *= 2;

    size_t *slots = calloc(slot_count, sizeof(*slots));
    if (slots == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory indexing files");
    free(list->slots);
    list->slots = slots;
    list->slot_count = slot_count;
    for (size_t i = 0; i < list->count; i++)
        *find_slot(list, list->entries[i].path) = i + 1;
    return WH_OK;
}

const whc_file_entry *whc_file_list_find(const whc_file_list *list, const char *path)
{
    if (list->slot_count == 0)
        return NULL;
    size_t index = *find_slot(list, path);
    return index ? &list->entries[index - 1] : NULL;
}

static void entry_free(whc_file_entry *entry)
{
    free(entry->path);
    free(entry->target);
    for (size_t i = 0; i < entry->xattr_count; i++) {
        free((char *)entry->xattrs[i].name);
        free((unsigned char *)entry->xattrs[i].value);
    }
    free(entry->xattrs);
    wh_classification_free(&entry->classification);
}

/* Points the record's strings at the entry's own storage. */
static void entry_link(whc_file_entry *entry)
{
    entry->record.path = entry->path;
    entry->record.target = entry->target;
    entry->record.sha256 = entry->sha256[0] ? entry->sha256 : NULL;
    entry->record.xattrs = entry->xattrs;
    entry->record.xattr_count = entry->xattr_count;
    entry->record.classification = &entry->classification;
}

static wh_status copy_xattrs(whc_file_entry *entry, const whc_file_record *record)
{
    if (record->xattr_count == 0)
        return WH_OK;
    entry->xattrs = calloc(record->xattr_count, sizeof(*entry->xattrs));
    if (entry->xattrs == NULL)
        return WH_ERR_NOMEM;
    for (size_t i = 0; i < record->xattr_count; i++) {
        const whc_xattr *from = &record->xattrs[i];
        char *name = strdup(from->name);
        unsigned char *value = malloc(from->size ? from->size : 1);
        if (name == NULL || value == NULL) {
            free(name);
            free(value);
            return WH_ERR_NOMEM;
        }
        memcpy(value, from->value, from->size);
        entry->xattrs[i] = (whc_xattr){ name, value, from->size };
        entry->xattr_count++;
    }
    return WH_OK;
}

wh_status whc_file_list_add(whc_file_list *list, const whc_file_record *record,
                            wh_classification *classification, wh_error *err)
{
    /*
     * A path that appears again replaces the earlier entry, as extracting
     * the archive would. NOTE: a hardlink made to the earlier entry then
     * names the later content, where extraction would keep the old one.
     */
    const whc_file_entry *existing = whc_file_list_find(list, record->path);
    size_t position = existing ? (size_t)(existing - list->entries) : list->count;

    if (existing == NULL && list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 64;
        whc_file_entry *grown = realloc(list->entries, capacity * sizeof(*grown));
        if (grown == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory collecting files");
        list->entries = grown;
        list->capacity = capacity;

        /* realloc may have moved the entries their records point into. */
        for (size_t i = 0; i < list->count; i++)
            entry_link(&list->entries[i]);
    }

    whc_file_entry entry = { .record = *record };
    entry.path = strdup(record->path);
    entry.target = record->target ? strdup(record->target) : NULL;
    if (record->sha256)
        memcpy(entry.sha256, record->sha256, sizeof(entry.sha256) - 1);
    if (entry.path == NULL || (record->target && entry.target == NULL) ||
        copy_xattrs(&entry, record) != WH_OK) {
        entry_free(&entry);
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory collecting files");
    }
    if (classification) {
        entry.classification = *classification;
        memset(classification, 0, sizeof(*classification));
    }

    if (existing != NULL) {
        entry_free(&list->entries[position]);
        list->entries[position] = entry;
        entry_link(&list->entries[position]);
        return WH_OK;
    }

    list->entries[list->count++] = entry;
    entry_link(&list->entries[list->count - 1]);

    if (list->count * 2 > list->slot_count)
        return rebuild_index(list, list->count, err);
    *find_slot(list, list->entries[list->count - 1].path) = list->count;
    return WH_OK;
}

static int compare_entries(const void *a, const void *b)
{
    return strcmp(((const whc_file_entry *)a)->path, ((const whc_file_entry *)b)->path);
}

/* Moves the content of regular file `from` to `to` and makes `from` a hardlink to `to`. */
static wh_status swap_link_roles(whc_file_entry *to, whc_file_entry *from)
{
    char *target = strdup(to->path);
    if (target == NULL)
        return WH_ERR_NOMEM;

    to->record.type = WH_FILE_REGULAR;
    to->record.size = from->record.size;
    memcpy(to->sha256, from->sha256, sizeof(to->sha256));
    wh_classification_free(&to->classification);
    to->classification = from->classification;
    free(to->target);
    to->target = NULL;

    from->record.type = WH_FILE_HARDLINK;
    from->record.size = 0;
    from->sha256[0] = '\0';
    memset(&from->classification, 0, sizeof(from->classification));
    free(from->target);
    from->target = target;

    entry_link(to);
    entry_link(from);
    return WH_OK;
}

/*
 * After sorting, a hardlink may come before the file it links to, which a
 * tar writer cannot express. Makes the first name of each link group in
 * path order the regular file and points the group's other names at it.
 */
static wh_status order_hardlinks(whc_file_list *list, wh_error *err)
{
    for (size_t i = 0; i < list->count; i++) {
        whc_file_entry *link = &list->entries[i];
        if (link->record.type != WH_FILE_HARDLINK)
            continue;
        if (strcmp(link->target, link->path) < 0)
            continue;

        /* The target sorts later: link takes over its content. */
        char *old_target = strdup(link->target);
        if (old_target == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory ordering hardlinks");
        const whc_file_entry *found = whc_file_list_find(list, old_target);
        whc_file_entry *first = (whc_file_entry *)found;
        wh_status status = first ? swap_link_roles(link, first) : WH_ERR_FORMAT;
        for (size_t j = 0; status == WH_OK && j < list->count; j++) {
            whc_file_entry *other = &list->entries[j];
            if (j == i || other->record.type != WH_FILE_HARDLINK ||
                strcmp(other->target, old_target) != 0 || other == first)
                continue;
            char *target = strdup(link->path);
            if (target == NULL) {
                status = WH_ERR_NOMEM;
                break;
            }
            free(other->target);
            other->target = target;
            entry_link(other);
        }
        free(old_target);
        if (status == WH_ERR_FORMAT)
            return wh_error_set(err, status, "the hardlink %s points to %s, which is not in "
                                "the list", link->path, link->target);
        if (status != WH_OK)
            return wh_error_set(err, status, "out of memory ordering hardlinks");
    }
    return WH_OK;
}

wh_status whc_file_list_sort(whc_file_list *list, wh_error *err)
{
    if (list->count == 0)
        return WH_OK;
    qsort(list->entries, list->count, sizeof(*list->entries), compare_entries);
    for (size_t i = 0; i < list->count; i++)
        entry_link(&list->entries[i]);

    wh_status status = rebuild_index(list, list->count, err);
    if (status != WH_OK)
        return status;
    return order_hardlinks(list, err);
}

/*
 * Returns the nearest ancestor of path that is in the list, or NULL. scratch
 * has room for at least strlen(path) + 1 bytes.
 */
static const whc_file_entry *nearest_listed_ancestor(const whc_file_list *list,
                                                     const char *path, char *scratch)
{
    strcpy(scratch, path);
    char *slash;
    while ((slash = strrchr(scratch, '/')) != NULL && slash != scratch) {
        *slash = '\0';
        const whc_file_entry *found = whc_file_list_find(list, scratch);
        if (found != NULL)
            return found;
    }
    return NULL;
}

wh_status whc_file_list_check_parents(const whc_file_list *list, wh_error *err)
{
    wh_status result = WH_OK;
    char *scratch = malloc(WHC_IMAGE_PATH_MAX + 1);
    if (scratch == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory checking paths");

    for (size_t i = 0; i < list->count; i++) {
        const char *path = list->entries[i].path;
        if (strlen(path) > WHC_IMAGE_PATH_MAX)
            continue; /* the readers reject such paths before this */
        const whc_file_entry *parent = nearest_listed_ancestor(list, path, scratch);
        if (parent == NULL || parent->record.type == WH_FILE_DIRECTORY)
            continue;

        if (parent->record.type == WH_FILE_SYMLINK)
            result = wh_error_set(err, WH_ERR_FORMAT,
                                  "the entry %s lies under the symlink %s (to '%s'), so "
                                  "unpacking it would write through the link",
                                  path, parent->path, parent->target ? parent->target : "");
        else
            result = wh_error_set(err, WH_ERR_FORMAT,
                                  "the entry %s lies under %s, which is a %s file, not a "
                                  "directory", path, parent->path,
                                  wh_file_type_name(parent->record.type));
        break;
    }
    free(scratch);
    return result;
}

void whc_file_list_free(whc_file_list *list)
{
    if (list == NULL)
        return;
    for (size_t i = 0; i < list->count; i++)
        entry_free(&list->entries[i]);
    free(list->entries);
    free(list->slots);
    memset(list, 0, sizeof(*list));
}

int64_t whc_file_list_total_size(const whc_file_list *list)
{
    int64_t total = 0;
    for (size_t i = 0; i < list->count; i++) {
        if (list->entries[i].record.type == WH_FILE_REGULAR)
            total += list->entries[i].record.size;
    }
    return total;
}

wh_status whc_blob_map(whc_catalog *catalog, const char *sha256_hex, size_t size,
                       const unsigned char **data, wh_error *err)
{
    wh_status result = WH_OK;
    char *path = NULL;
    int fd = -1;

    *data = NULL;
    if (size == 0)
        return WH_OK;
    result = whc_blob_settle(catalog, err);
    if (result != WH_OK)
        return result;

    path = whc_blob_path(catalog, sha256_hex);
    if (path == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory");
        goto out;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        result = wh_error_set(err, WH_ERR_IO, "cannot open blob %s: %s", path, strerror(errno));
        goto out;
    }
    void *mapped = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapped == MAP_FAILED) {
        result = wh_error_set(err, WH_ERR_IO, "cannot map blob %s: %s", path, strerror(errno));
        goto out;
    }
    *data = mapped;

out:
    if (fd >= 0)
        close(fd);
    free(path);
    return result;
}

void whc_blob_unmap(const unsigned char *data, size_t size)
{
    if (data != NULL)
        munmap((void *)data, size);
}

void whc_artifact_free(whc_artifact *artifact)
{
    if (artifact == NULL)
        return;
    free(artifact->name);
    free(artifact->version);
    free(artifact->architecture);
    free(artifact->license);
    free(artifact->summary);
    free(artifact->section);
    whc_file_list_free(&artifact->files);
    whc_relation_list_free(&artifact->relations);
    memset(artifact, 0, sizeof(*artifact));
}

static int is_library_section(const char *section)
{
    if (section == NULL)
        return 0;
    const char *slash = strrchr(section, '/'); /* "contrib/libs" */
    const char *base = slash ? slash + 1 : section;
    return strcmp(base, "libs") == 0 || strcmp(base, "oldlibs") == 0;
}

wh_kind whc_infer_kind(const whc_artifact *artifact)
{
    int has_shared_library = 0;
    int has_executable = 0;

    for (size_t i = 0; i < artifact->files.count; i++) {
        const whc_file_entry *entry = &artifact->files.entries[i];
        if (entry->record.type != WH_FILE_REGULAR)
            continue;
        if (entry->classification.flags & WH_FLAG_SHARED_LIBRARY)
            has_shared_library = 1;
        if (entry->record.mode & 0111)
            has_executable = 1;
    }

    if (is_library_section(artifact->section))
        return WH_KIND_LIBRARY;
    if (artifact->name && strncmp(artifact->name, "lib", 3) == 0 && has_shared_library)
        return WH_KIND_LIBRARY;
    if (!has_executable)
        return WH_KIND_DATA;
    return WH_KIND_UTILITY;
}
