/*
 * Splitting a flattened image into components: each installed package gets
 * the files its database lists, the base component gets the rest.
 *
 * A database path is resolved through the tree's symlinked folders first,
 * so "/bin/bash" from a package list finds /usr/bin/bash in a merged-/usr
 * image. A non-directory belongs to the first package that lists it. A
 * directory belongs to every package that lists it, so each package
 * component carries the folders it needs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fs.h"
#include "import_image_internal.h"
#include "import_internal.h"
#include "internal.h"

/* Largest package database file read, in bytes. */
#define PKGDB_FILE_MAX (256u * 1024 * 1024)

#define UNOWNED UINT32_MAX

static wh_status flat_read(void *context, const char *path, char **data, size_t *size,
                           wh_error *err)
{
    const whc_flat_reader *reader = context;
    char *resolved = NULL;
    wh_status result = wh_flatten_resolve(reader->flat, path, 1, &resolved, err);
    if (result != WH_OK)
        return result;
    uint32_t index = wh_flatten_lookup(reader->flat, resolved);
    free(resolved);

    const wh_flat_file *file = index == WH_FLATTEN_NONE
                                   ? NULL
                                   : wh_flatten_file_at(reader->flat, index);
    if (file == NULL || file->type != WH_FILE_REGULAR)
        return wh_error_set(err, WH_ERR_NOT_FOUND, "%s is not a file in the image", path);

    const wh_flat_source *source = wh_flatten_source_at(reader->flat, file->source);
    result = whc_blob_settle(reader->catalog, err);
    if (result != WH_OK)
        return result;
    char *blob = whc_blob_path(reader->catalog, source->sha256);
    if (blob == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", path);
    result = wh_read_file(blob, PKGDB_FILE_MAX, data, size, err);
    free(blob);
    if (result != WH_OK)
        wh_error_prefix(err, "reading %s of the image", path);
    return result;
}

static wh_status flat_list(void *context, const char *dir, char ***names, size_t *count,
                           wh_error *err)
{
    const whc_flat_reader *reader = context;
    char *resolved = NULL;
    *names = NULL;
    *count = 0;
    wh_status result = wh_flatten_resolve(reader->flat, dir, 1, &resolved, err);
    if (result != WH_OK)
        return result;

    size_t prefix = strcmp(resolved, "/") == 0 ? 0 : strlen(resolved);
    size_t total = wh_flatten_count(reader->flat);
    for (size_t i = 0; result == WH_OK && i < total; i++) {
        const char *path = wh_flatten_file_at(reader->flat, i)->path;
        if (strncmp(path, resolved, prefix) != 0 || path[prefix] != '/'
            || strchr(path + prefix + 1, '/') != NULL)
            continue;
        char **grown = realloc(*names, (*count + 1) * sizeof(*grown));
        char *name = strdup(path + prefix + 1);
        if (grown == NULL || name == NULL) {
            free(name);
            if (grown != NULL)
                *names = grown;
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory listing %s", dir);
            break;
        }
        *names = grown;
        (*names)[(*count)++] = name;
    }
    free(resolved);
    return result;
}

void whc_flat_reader_init(whc_flat_reader *context, whc_pkgdb_reader *reader)
{
    reader->read = flat_read;
    reader->list = flat_list;
    reader->context = context;
}

/* Per file: the owning package, and per package the directories it lists. */
typedef struct ownership {
    uint32_t *owner;         /* file index -> package index, or UNOWNED */
    uint8_t *in_a_package;   /* file index -> 1 when some package lists it */
    uint32_t **directories;  /* package -> file indexes of its directories */
    size_t *directory_counts;
    size_t package_count;
} ownership;

static void ownership_free(ownership *owners)
{
    free(owners->owner);
    free(owners->in_a_package);
    for (size_t i = 0; owners->directories && i < owners->package_count; i++)
        free(owners->directories[i]);
    free(owners->directories);
    free(owners->directory_counts);
}

static wh_status assign_owners(const wh_flatten *flat, const whc_pkgdb *packages,
                               ownership *owners, wh_error *err)
{
    size_t total = wh_flatten_count(flat);
    size_t count = packages ? packages->count : 0;
    *owners = (ownership){ .package_count = count };
    owners->owner = malloc((total ? total : 1) * sizeof(*owners->owner));
    owners->in_a_package = calloc(total ? total : 1, 1);
    owners->directories = calloc(count ? count : 1, sizeof(*owners->directories));
    owners->directory_counts = calloc(count ? count : 1, sizeof(*owners->directory_counts));
    if (!owners->owner || !owners->in_a_package || !owners->directories
        || !owners->directory_counts)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory splitting %zu files", total);
    for (size_t i = 0; i < total; i++)
        owners->owner[i] = UNOWNED;

    for (size_t p = 0; p < count; p++) {
        const whc_pkg *pkg = &packages->packages[p];
        for (size_t j = 0; j < pkg->path_count; j++) {
            char *resolved = NULL;
            wh_status result = wh_flatten_resolve(flat, pkg->paths[j], 0, &resolved, err);
            if (result == WH_ERR_NOMEM)
                return result;
            uint32_t index = result == WH_OK ? wh_flatten_lookup(flat, resolved)
                                             : WH_FLATTEN_NONE;
            free(resolved);
            if (index == WH_FLATTEN_NONE)
                continue; /* listed but removed, as by a later layer or dpkg --path-exclude */

            owners->in_a_package[index] = 1;
            if (wh_flatten_file_at(flat, index)->type != WH_FILE_DIRECTORY) {
                if (owners->owner[index] == UNOWNED)
                    owners->owner[index] = (uint32_t)p;
                continue;
            }
            uint32_t *grown = realloc(owners->directories[p],
                                      (owners->directory_counts[p] + 1) * sizeof(*grown));
            if (grown == NULL)
                return wh_error_set(err, WH_ERR_NOMEM, "out of memory splitting %s",
                                    pkg->name);
            owners->directories[p] = grown;
            grown[owners->directory_counts[p]++] = index;
        }
    }
    return WH_OK;
}

static int compare_indexes(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a;
    uint32_t y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Writes one file; first_path maps a source to the first name written in this component. */
static wh_status write_file(whc_import *import, const wh_flatten *flat, uint32_t index,
                            const char **first_path, wh_error *err)
{
    const wh_flat_file *file = wh_flatten_file_at(flat, index);
    whc_xattr xattrs[64];
    size_t xattr_count = file->xattr_count;
    int has_capabilities = 0;
    if (xattr_count > sizeof(xattrs) / sizeof(xattrs[0]))
        return wh_error_set(err, WH_ERR_LIMIT, "%s has %zu xattrs; the limit is %zu",
                            file->path, xattr_count, sizeof(xattrs) / sizeof(xattrs[0]));
    for (size_t i = 0; i < xattr_count; i++) {
        xattrs[i] = (whc_xattr){ file->xattrs[i].name, file->xattrs[i].value,
                                 file->xattrs[i].size };
        has_capabilities |= strcmp(file->xattrs[i].name, "security.capability") == 0;
    }

    whc_file_record record = {
        .path = file->path,
        .type = file->type,
        .mode = file->mode,
        .uid = file->uid,
        .gid = file->gid,
        .target = file->target,
        .rdev = file->rdev,
        .xattrs = xattrs,
        .xattr_count = xattr_count,
    };
    const wh_flat_source *source = NULL;
    if (file->type == WH_FILE_REGULAR) {
        source = wh_flatten_source_at(flat, file->source);
        if (first_path[file->source] != NULL) {
            record.type = WH_FILE_HARDLINK;
            record.target = first_path[file->source];
        } else {
            record.size = file->size;
            record.sha256 = source->sha256;
            first_path[file->source] = file->path;
        }
    }

    const unsigned char *data = NULL;
    size_t size = source ? (size_t)source->size : 0;
    wh_classification classification = { 0 };
    wh_status result = WH_OK;
    if (size > 0)
        result = whc_blob_map(import->catalog, source->sha256, size, &data, err);
    if (result == WH_OK) {
        wh_file_meta meta = { file->path, file->type, file->mode, has_capabilities };
        result = wh_classify(&meta, data, size, &classification, err);
    }
    whc_blob_unmap(data, size);
    if (result == WH_OK) {
        record.classification = &classification;
        result = whc_import_file(import, &record, err);
    }
    wh_classification_free(&classification);
    return result;
}

/*
 * Makes NAME/PACKAGE provide PACKAGE at its version, so the package
 * relations of the image ("libc6 (>= 2.36)") find the image's own packages.
 */
static wh_status add_package_provides(whc_import *import, const whc_pkg *pkg, wh_error *err)
{
    int group = 0;
    for (size_t i = 0; i < pkg->relations.count; i++) {
        const whc_relation_record *r = &pkg->relations.records[i];
        if (r->kind == WHC_REL_PROVIDES && r->group >= group)
            group = r->group + 1;
    }
    int versioned = pkg->version[0] != '\0';
    whc_relation_record provides = {
        .kind = WHC_REL_PROVIDES,
        .group = group,
        .name = pkg->name,
        .op = versioned ? "=" : NULL,
        .version = versioned ? pkg->version : NULL,
    };
    return whc_import_relation(import, &provides, err);
}

/*
 * Makes the base component depend on each NAME/PACKAGE. Resolution always
 * follows a base's declared relations, so selecting the base brings in its
 * packages, and a spec's exclude list removes some of them.
 */
static wh_status add_base_depends(whc_import *import, const whc_split_input *input,
                                  wh_error *err)
{
    wh_status result = WH_OK;
    size_t count = input->packages ? input->packages->count : 0;
    for (size_t i = 0; result == WH_OK && i < count; i++) {
        char *name = NULL;
        if (asprintf(&name, "%s/%s", input->name, input->packages->packages[i].name) < 0)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory naming a component");
        whc_relation_record depends = { .kind = WHC_REL_DEPENDS, .group = (int)i, .name = name };
        result = whc_import_relation(import, &depends, err);
        free(name);
    }
    return result;
}

static wh_status write_component(whc_import *import, const wh_flatten *flat,
                                 const whc_split_input *input, const whc_pkg *pkg,
                                 uint32_t *files, size_t file_count, const char **first_path,
                                 wh_error *err)
{
    char *name = NULL;
    char origin[65];
    char *origin_text = NULL;
    wh_status result = WH_OK;

    if (pkg != NULL ? asprintf(&name, "%s/%s", input->name, pkg->name) < 0
                    : (name = strdup(input->name)) == NULL) {
        name = NULL;
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory naming a component");
    }
    /* Each component needs its own origin digest: the image's, salted with the name. */
    if (asprintf(&origin_text, "%s\n%s", input->image_id, name) < 0) {
        free(name);
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory naming a component");
    }
    wh_sha256_buffer_hex(origin_text, strlen(origin_text), origin);
    free(origin_text);

    whc_component_info info = {
        .name = name,
        .version = pkg ? pkg->version : input->version,
        .architecture = pkg ? pkg->architecture : "",
        .kind = WH_KIND_BASE,
        .license = pkg ? pkg->license : NULL,
        .summary = pkg ? pkg->summary : input->summary,
        .origin_path = input->reference,
        .origin_sha256 = origin,
        .origin_format = "image",
    };
    result = whc_import_component(import, &info, err);

    qsort(files, file_count, sizeof(*files), compare_indexes);
    for (size_t i = 0; result == WH_OK && i < file_count; i++) {
        if (i > 0 && files[i] == files[i - 1])
            continue;
        result = write_file(import, flat, files[i], first_path, err);
    }
    for (size_t i = 0; pkg && result == WH_OK && i < pkg->relations.count; i++)
        result = whc_import_relation(import, &pkg->relations.records[i], err);
    if (result == WH_OK)
        result = pkg ? add_package_provides(import, pkg, err)
                     : add_base_depends(import, input, err);

    /* Reset the hardlink map for the next component. */
    for (size_t i = 0; i < file_count; i++) {
        const wh_flat_file *file = wh_flatten_file_at(flat, files[i]);
        if (file->type == WH_FILE_REGULAR)
            first_path[file->source] = NULL;
    }
    free(name);
    return result;
}

wh_status whc_image_split(whc_import *import, const wh_flatten *flat,
                          const whc_split_input *input, wh_error *err)
{
    ownership owners;
    size_t total = wh_flatten_count(flat);
    size_t sources = 0;
    uint32_t *files = malloc((total ? total : 1) * sizeof(*files));
    const char **first_path = NULL;

    wh_status result = assign_owners(flat, input->packages, &owners, err);
    if (result != WH_OK)
        goto out;
    for (size_t i = 0; i < total; i++) {
        uint32_t source = wh_flatten_file_at(flat, i)->source;
        if (source != WH_FLATTEN_NONE && source + 1 > sources)
            sources = source + 1;
    }
    first_path = calloc(sources ? sources : 1, sizeof(*first_path));
    if (files == NULL || first_path == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory splitting %zu files", total);
        goto out;
    }

    /* The base component first, so an image imported twice stops at once. */
    size_t count = 0;
    for (size_t i = 0; i < total; i++) {
        if (owners.owner[i] == UNOWNED && !owners.in_a_package[i])
            files[count++] = (uint32_t)i;
    }
    result = write_component(import, flat, input, NULL, files, count, first_path, err);

    for (size_t p = 0; result == WH_OK && p < owners.package_count; p++) {
        count = 0;
        for (size_t i = 0; i < total; i++) {
            if (owners.owner[i] == p)
                files[count++] = (uint32_t)i;
        }
        for (size_t j = 0; j < owners.directory_counts[p]; j++)
            files[count++] = owners.directories[p][j];
        result = write_component(import, flat, input, &input->packages->packages[p], files,
                                 count, first_path, err);
    }

out:
    ownership_free(&owners);
    free(files);
    free(first_path);
    return result;
}
