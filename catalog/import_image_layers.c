/*
 * Reading layers for an image import: tar streams through libarchive (gzip,
 * zstd or none, detected from the data) or, for rootfs:DIR, the tree on disk.
 * Two passes, so that only content present in the final tree is stored.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/digest.h"
#include "archive_entries.h"
#include "import_image_internal.h"
#include "internal.h"

#define COPY_BUFFER_SIZE (64 * 1024)

/* One open layer: a tar stream or a disk walk. */
typedef struct layer_reader {
    struct archive *archive;
    struct archive_entry_linkresolver *links; /* disk walks only */
    struct archive_entry *pending;            /* a deferred entry from the resolver */
    const char *label;                        /* layer file or folder, for messages */
    const char *root;                         /* rootfs folder, or NULL */
    size_t root_length;
    int estargz;
} layer_reader;

static wh_status open_layer(layer_reader *reader, const whc_image_source *source, size_t index,
                            wh_error *err)
{
    *reader = (layer_reader){ 0 };
    if (source->rootfs_dir != NULL) {
        reader->label = source->rootfs_dir;
        reader->root = source->rootfs_dir;
        reader->root_length = strlen(source->rootfs_dir);
        while (reader->root_length > 1 && source->rootfs_dir[reader->root_length - 1] == '/')
            reader->root_length--;
        reader->archive = archive_read_disk_new();
        reader->links = archive_entry_linkresolver_new();
        if (reader->archive == NULL || reader->links == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", reader->label);
        archive_entry_linkresolver_set_strategy(reader->links, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
        archive_read_disk_set_symlink_physical(reader->archive);
        if (archive_read_disk_open(reader->archive, source->rootfs_dir) != ARCHIVE_OK)
            return wh_error_set(err, WH_ERR_IO, "cannot read %s: %s", reader->label,
                                archive_error_string(reader->archive));
        return WH_OK;
    }

    const whc_image_layer *layer = &source->layers[index];
    reader->label = layer->path;
    reader->estargz = layer->estargz;
    reader->archive = archive_read_new();
    if (reader->archive == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", reader->label);
    archive_read_support_filter_all(reader->archive);
    archive_read_support_format_tar(reader->archive);
    if (archive_read_open_filename(reader->archive, layer->path, COPY_BUFFER_SIZE)
        != ARCHIVE_OK)
        return wh_error_set(err, WH_ERR_FORMAT, "layer %s (%s) is not a readable tar: %s",
                            layer->digest ? layer->digest : "", layer->path,
                            archive_error_string(reader->archive));
    return WH_OK;
}

static void close_layer(layer_reader *reader)
{
    if (reader->archive != NULL)
        archive_read_free(reader->archive);
    if (reader->links != NULL)
        archive_entry_linkresolver_free(reader->links);
    *reader = (layer_reader){ 0 };
}

/* Entries eStargz adds for its own index; they are not part of the image. */
static int estargz_entry(const char *name)
{
    while (name[0] == '.' && name[1] == '/')
        name += 2;
    return strcmp(name, "stargz.index.json") == 0 || strcmp(name, ".prefetch.landmark") == 0
        || strcmp(name, ".no.prefetch.landmark") == 0;
}

/*
 * Returns the next entry in *out, or NULL at the end. Disk entries have the
 * root folder removed from their names and hardlinks resolved.
 */
static wh_status next_entry(layer_reader *reader, struct archive_entry **out, wh_error *err)
{
    *out = NULL;
    for (;;) {
        struct archive_entry *entry = NULL;
        int status = archive_read_next_header(reader->archive, &entry);
        if (status == ARCHIVE_EOF)
            return WH_OK;
        /* ARCHIVE_RETRY (a damaged header, as with a bad checksum) is an error too. */
        if (status != ARCHIVE_OK && status != ARCHIVE_WARN)
            return wh_error_set(err, WH_ERR_FORMAT, "%s: truncated or corrupt layer: %s",
                                reader->label, archive_error_string(reader->archive));
        if (reader->root == NULL) {
            if (reader->estargz && estargz_entry(archive_entry_pathname(entry)))
                continue;
            *out = entry;
            return WH_OK;
        }

        archive_read_disk_descend(reader->archive);
        const char *path = archive_entry_pathname(entry);
        const char *name = path + reader->root_length;
        archive_entry_copy_pathname(entry, name[0] != '\0' ? name : "/");
        struct archive_entry *spare = NULL;
        /* The tar strategy never defers an entry, so spare stays NULL. */
        archive_entry_linkify(reader->links, &entry, &spare);
        if (entry == NULL)
            continue;
        *out = entry;
        return WH_OK;
    }
}

static wh_status add_entry(wh_flatten *flat, struct archive_entry *entry, const char *label,
                           wh_error *err)
{
    wh_flat_xattr xattrs[64];
    size_t xattr_count = 0;
    wh_flat_entry flat_entry = {
        .name = archive_entry_pathname(entry),
        .mode = (unsigned)archive_entry_mode(entry),
        .uid = archive_entry_uid(entry),
        .gid = archive_entry_gid(entry),
        .size = archive_entry_size(entry),
        .rdev = (uint64_t)archive_entry_rdev(entry),
    };
    wh_status result = whc_archive_entry_type(entry, label, archive_entry_pathname(entry),
                                              &flat_entry.type, err);
    if (result != WH_OK)
        return result;
    if (flat_entry.type == WH_FILE_HARDLINK)
        flat_entry.target = archive_entry_hardlink(entry);
    else if (flat_entry.type == WH_FILE_SYMLINK)
        flat_entry.target = archive_entry_symlink(entry);
    if (flat_entry.name == NULL)
        flat_entry.name = "";

    archive_entry_xattr_reset(entry);
    const char *name;
    const void *value;
    size_t size;
    while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
        /* pax headers may carry one xattr twice (SCHILY.xattr and LIBARCHIVE.xattr). */
        size_t same = 0;
        while (same < xattr_count && strcmp(xattrs[same].name, name) != 0)
            same++;
        if (same < xattr_count) {
            xattrs[same] = (wh_flat_xattr){ (char *)name, (unsigned char *)value, size };
            continue;
        }
        if (xattr_count == sizeof(xattrs) / sizeof(xattrs[0]))
            return wh_error_set(err, WH_ERR_LIMIT, "%s: %s has more than %zu xattrs", label,
                                flat_entry.name, sizeof(xattrs) / sizeof(xattrs[0]));
        xattrs[xattr_count++] = (wh_flat_xattr){ (char *)name, (unsigned char *)value, size };
    }
    flat_entry.xattrs = xattrs;
    flat_entry.xattr_count = xattr_count;

    result = wh_flatten_add(flat, &flat_entry, err);
    if (result != WH_OK)
        wh_error_prefix(err, "%s", label);
    return result;
}

/* True when the file starts like gzip or zstd data. */
static int compressed(const char *path)
{
    unsigned char magic[4] = { 0 };
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return 0;
    size_t got = fread(magic, 1, sizeof(magic), file);
    fclose(file);
    return got >= 2
        && ((magic[0] == 0x1f && magic[1] == 0x8b)
            || (got == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f
                && magic[3] == 0xfd));
}

/*
 * Checks the layer file against its digest and, for an uncompressed layer,
 * against the config's diff_id, which is then the same sha256.
 */
static wh_status verify_layer(const whc_image_layer *layer, wh_error *err)
{
    char hex[65];
    if (layer->digest == NULL)
        return WH_OK;
    if (layer->hashed) {
        memcpy(hex, layer->digest + 7, sizeof(hex));
    } else {
        wh_status result = wh_sha256_file_hex(layer->path, hex, err);
        if (result != WH_OK)
            return result;
    }
    if (strcmp(hex, layer->digest + 7) != 0)
        return wh_error_set(err, WH_ERR_DIGEST,
                            "layer %s (%s) has content with sha256:%s; the image is corrupt "
                            "or incomplete", layer->digest, layer->path, hex);
    if (layer->diff_id != NULL && strncmp(layer->diff_id, "sha256:", 7) == 0
        && strcmp(hex, layer->diff_id + 7) != 0 && !compressed(layer->path))
        return wh_error_set(err, WH_ERR_DIGEST,
                            "layer %s (%s) is uncompressed, so its sha256 should equal the "
                            "config's diff_id %s; the image is corrupt", layer->digest,
                            layer->path, layer->diff_id);
    return WH_OK;
}

/*
 * True when the file's first 512 bytes, decompressed, are not all zero. A
 * tar that yields no entries must start with the zero end-of-archive block;
 * anything else is a header libarchive skipped as unreadable.
 */
static int starts_with_data(const char *path)
{
    struct archive *archive = archive_read_new();
    struct archive_entry *entry;
    unsigned char block[512];
    int found = 0;

    if (archive == NULL)
        return 0;
    archive_read_support_filter_all(archive);
    archive_read_support_format_raw(archive);
    if (archive_read_open_filename(archive, path, COPY_BUFFER_SIZE) == ARCHIVE_OK
        && archive_read_next_header(archive, &entry) == ARCHIVE_OK) {
        la_ssize_t got = archive_read_data(archive, block, sizeof(block));
        for (la_ssize_t i = 0; i < got && !found; i++)
            found = block[i] != 0;
    }
    archive_read_free(archive);
    return found;
}

static wh_status first_pass(const whc_image_source *source, size_t count, wh_flatten *flat,
                            wh_error *err)
{
    wh_status result = WH_OK;
    for (size_t i = 0; result == WH_OK && i < count; i++) {
        layer_reader reader = { 0 };
        if (source->rootfs_dir == NULL)
            result = verify_layer(&source->layers[i], err);
        if (result == WH_OK)
            result = wh_flatten_begin_layer(flat, err);
        if (result == WH_OK)
            result = open_layer(&reader, source, i, err);
        size_t entries = 0;
        while (result == WH_OK) {
            struct archive_entry *entry;
            result = next_entry(&reader, &entry, err);
            if (result != WH_OK || entry == NULL)
                break;
            entries++;
            result = add_entry(flat, entry, reader.label, err);
        }
        if (result == WH_OK && entries == 0 && source->rootfs_dir == NULL
            && starts_with_data(reader.label))
            result = wh_error_set(err, WH_ERR_FORMAT,
                                  "%s: truncated or corrupt layer: no entry could be read, but "
                                  "the data does not start with an end-of-archive block",
                                  reader.label);
        close_layer(&reader);
    }
    return result;
}

/* Streams the current entry's data into a blob and records its digest. */
static wh_status store_source(whc_import *import, layer_reader *reader, wh_flatten *flat,
                              uint32_t source, const char *name, wh_error *err)
{
    wh_status result = WH_OK;
    whc_blob_writer *writer = NULL;
    unsigned char *buffer = malloc(COPY_BUFFER_SIZE);
    int64_t copied = 0;
    char hex[65];

    if (buffer == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", name);
        goto out;
    }
    result = whc_blob_begin(import->catalog, import, &writer, err);
    if (result != WH_OK)
        goto out;
    for (;;) {
        la_ssize_t got = archive_read_data(reader->archive, buffer, COPY_BUFFER_SIZE);
        if (got < 0) {
            result = wh_error_set(err, WH_ERR_FORMAT, "%s: truncated or corrupt layer at %s: %s",
                                  reader->label, name, archive_error_string(reader->archive));
            goto out;
        }
        if (got == 0)
            break;
        copied += got;
        result = whc_blob_write(writer, buffer, (size_t)got, err);
        if (result != WH_OK)
            goto out;
    }
    int64_t expected = wh_flatten_source_at(flat, source)->size;
    if (copied != expected) {
        result = wh_error_set(err, WH_ERR_FORMAT,
                              "%s: truncated or corrupt layer: %s has %lld bytes of its %lld",
                              reader->label, name, (long long)copied, (long long)expected);
        goto out;
    }
    whc_blob_writer *finishing = writer;
    writer = NULL;
    result = whc_blob_commit(finishing, hex, err);
    if (result == WH_OK)
        wh_flatten_set_content(flat, source, hex);

out:
    whc_blob_abort(writer);
    free(buffer);
    return result;
}

static wh_status second_pass(whc_import *import, const whc_image_source *source, size_t count,
                             wh_flatten *flat, wh_error *err)
{
    wh_status result = WH_OK;
    for (size_t i = 0; result == WH_OK && i < count; i++) {
        if (wh_flatten_needed_in_layer(flat, (uint32_t)i) == 0)
            continue;
        layer_reader reader = { 0 };
        result = open_layer(&reader, source, i, err);
        for (uint32_t position = 0; result == WH_OK; position++) {
            struct archive_entry *entry;
            result = next_entry(&reader, &entry, err);
            if (result != WH_OK || entry == NULL)
                break;
            uint32_t found = wh_flatten_source_find(flat, (uint32_t)i, position);
            if (found == WH_FLATTEN_NONE)
                continue;
            const wh_flat_source *content = wh_flatten_source_at(flat, found);
            if (!content->needed)
                continue;
            if (archive_entry_size(entry) != content->size) {
                result = wh_error_set(err, WH_ERR_IO, "%s: %s changed while it was read",
                                      reader.label, archive_entry_pathname(entry));
                break;
            }
            result = store_source(import, &reader, flat, found, archive_entry_pathname(entry),
                                  err);
        }
        close_layer(&reader);
    }
    return result;
}

wh_status whc_image_flatten(whc_import *import, const whc_image_source *source,
                            wh_flatten *flat, wh_error *err)
{
    size_t count = source->rootfs_dir != NULL ? 1 : source->layer_count;
    wh_status result = first_pass(source, count, flat, err);
    if (result == WH_OK)
        result = wh_flatten_finish(flat, err);
    if (result == WH_OK)
        result = second_pass(import, source, count, flat, err);
    return result;
}
