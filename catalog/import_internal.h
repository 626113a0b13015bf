/*
 * Private to the importers: the component an importer reads before it is
 * written, the list of its files, and one reader per artifact format.
 *
 * A reader stores file contents in the blob store as it goes, tied to the
 * import so that an abort removes them. It collects the file records in
 * memory, because the component row must exist before its files and its
 * kind may depend on them. importer.c then writes the component, the files
 * and the relations.
 */
#ifndef WHC_IMPORT_INTERNAL_H
#define WHC_IMPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "control.h"
#include "importer.h"

/* Longest path accepted inside an image, in bytes without the NUL (Linux PATH_MAX - 1). */
#define WHC_IMAGE_PATH_MAX 4095

/* One file with the storage its record points into. */
typedef struct whc_file_entry {
    whc_file_record record; /* path, target, sha256 and xattrs point at the fields below */
    char *path;
    char *target;
    char sha256[65];
    whc_xattr *xattrs; /* names and values owned by the entry */
    size_t xattr_count;
    wh_classification classification;
} whc_file_entry;

typedef struct whc_file_list {
    whc_file_entry *entries;
    size_t count, capacity;
    size_t *slots; /* open-addressing index by path: entry index + 1, 0 when empty */
    size_t slot_count;
} whc_file_list;

/*
 * Appends a copy of record (its strings and xattrs are copied) and takes
 * over *classification, zeroing it, when non-NULL. Rejects a path that is
 * already in the list, naming it.
 */
wh_status whc_file_list_add(whc_file_list *list, const whc_file_record *record,
                            wh_classification *classification, wh_error *err);

/* Returns the entry with that path, or NULL. */
const whc_file_entry *whc_file_list_find(const whc_file_list *list, const char *path);

/*
 * Sorts the entries by path (byte order) and rebuilds the index. Within
 * each hardlink group the first path becomes the regular file.
 */
wh_status whc_file_list_sort(whc_file_list *list, wh_error *err);

/*
 * Checks that no entry lies under a path of the list that is not a
 * directory: "/a/passwd" after the symlink "/a" would be written through
 * the link by whoever unpacks the image. Fails with WH_ERR_FORMAT naming
 * both paths.
 */
wh_status whc_file_list_check_parents(const whc_file_list *list, wh_error *err);

/* Frees the entries and zeroes the list; accepts NULL. */
void whc_file_list_free(whc_file_list *list);

/* Sum of regular file sizes; hardlinks are not counted again. */
int64_t whc_file_list_total_size(const whc_file_list *list);

/*
 * Maps the blob with the given digest read-only for classification. A
 * size of 0 gives *data == NULL. Unmap with whc_blob_unmap(data, size).
 */
wh_status whc_blob_map(whc_catalog *catalog, const char *sha256_hex, size_t size,
                       const unsigned char **data, wh_error *err);
void whc_blob_unmap(const unsigned char *data, size_t size);

/* Everything a reader found in one artifact. */
typedef struct whc_artifact {
    char *name, *version, *architecture, *license, *summary;
    char *section;       /* Debian Section, for kind inference; NULL elsewhere */
    const char *format;  /* "deb", "apk", "file", "directory" */
    char origin_sha256[65];
    whc_file_list files;
    whc_relation_list relations;
} whc_artifact;

void whc_artifact_free(whc_artifact *artifact);

/*
 * Infers a component kind: library for Debian Section libs or a lib*-named
 * package with a shared library, data when no regular file has an execute
 * bit, else utility.
 */
wh_kind whc_infer_kind(const whc_artifact *artifact);

/*
 * Format probes: 1 when the file at path is that format, 0 otherwise. The
 * deb probe returns -1 for an ar archive whose first header cannot be read.
 */
int whc_probe_deb(const char *path);
int whc_probe_apk(const char *path);

/*
 * Readers. Each fills out (which the caller frees with whc_artifact_free,
 * also on failure) and names path in every error. The deb, apk and file
 * readers expect out->origin_sha256 already set; the tree reader sets it.
 */
wh_status whc_read_deb(whc_import *import, const char *path, whc_artifact *out,
                       wh_error *err);
wh_status whc_read_apk(whc_import *import, const char *path, whc_artifact *out,
                       wh_error *err);
wh_status whc_read_single_file(whc_import *import, const char *path,
                               const whc_import_options *options, whc_artifact *out,
                               wh_error *err);
wh_status whc_read_tree(whc_import *import, const char *path, whc_artifact *out,
                        wh_error *err);

#endif
