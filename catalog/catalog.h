/*
 * The catalog: one SQLite database of components, their files and relations,
 * with a content-addressed store of file contents beside it
 * (DIR/blobs/sha256/<hex> next to DIR/catalog.db).  Schema in docs/catalog.md.
 *
 * Every write goes through an import (whc_import_begin ... commit/abort),
 * which is one SQLite transaction: an aborted import leaves the database
 * as it was and removes the blobs that only it had added.
 */
#ifndef WHC_CATALOG_H
#define WHC_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "../core/classify.h"
#include "../core/error.h"
#include "../core/types.h"

typedef struct whc_catalog whc_catalog;
typedef struct whc_import whc_import;
typedef struct whc_blob_writer whc_blob_writer;

/* ---- Opening ---------------------------------------------------------- */

/*
 * Returns the catalog path to use: explicit when non-NULL and non-empty,
 * else $WHITTLE_CATALOG, else $XDG_DATA_HOME/whittle/catalog.db, else
 * $HOME/.local/share/whittle/catalog.db. The caller frees the result.
 */
wh_status whc_default_path(const char *explicit_path, char **out, wh_error *err);

/*
 * Opens or creates the catalog at db_path, creating its folder and blob
 * store, enabling WAL mode and a busy timeout, and migrating the schema to
 * the current version. Close with whc_close.
 */
wh_status whc_open(const char *db_path, whc_catalog **out, wh_error *err);

/* Closes the catalog; accepts NULL. An unfinished import must be aborted first. */
void whc_close(whc_catalog *catalog);

const char *whc_db_path(const whc_catalog *catalog);

/* Current schema version, stored in PRAGMA user_version. */
#define WHC_SCHEMA_VERSION 2

/* ---- Content store ---------------------------------------------------- */

/* Returns the path of the blob with the given hex sha256; the caller frees it. */
char *whc_blob_path(const whc_catalog *catalog, const char *sha256_hex);

/*
 * Starts writing one blob. Contents go to a temporary file inside the store
 * and are hashed as they are written. When import is non-NULL, a blob that
 * this writer adds to the store is removed again if that import aborts.
 */
wh_status whc_blob_begin(whc_catalog *catalog, whc_import *import, whc_blob_writer **out,
                         wh_error *err);
wh_status whc_blob_write(whc_blob_writer *writer, const void *data, size_t size, wh_error *err);
/*
 * Finishes the blob: writes its hex digest into sha256_hex and moves it to
 * blobs/sha256/<hex>. When a committed file row already references that
 * blob, the temporary file is dropped and the stored one is kept. An
 * unreferenced copy may be torn by a killed import, so it is replaced. A
 * blob of an import is flushed to disk when the import commits, and any
 * other blob before this returns. Frees the writer whatever the result.
 *
 * A blob of an import may still be on its way to that name when this
 * returns, because the import's writer thread moves it: see
 * whc_blob_settle.
 */
wh_status whc_blob_commit(whc_blob_writer *writer, char sha256_hex[65], wh_error *err);

/*
 * Waits until the open import's writer thread has put every blob it was
 * given in place, and returns its first failure. Call it before reading a
 * blob that the open import wrote. whc_import_file, whc_import_commit and
 * the catalog's own readers call it already.
 */
wh_status whc_blob_settle(whc_catalog *catalog, wh_error *err);
/* Drops the temporary file and frees the writer; accepts NULL. */
void whc_blob_abort(whc_blob_writer *writer);

/* ---- Records ---------------------------------------------------------- */

typedef struct whc_component_info {
    const char *name;
    const char *version;
    const char *architecture;  /* "amd64", "x86_64", "all", or "" when unknown */
    wh_kind kind;
    const char *license;       /* SPDX-style expression or NULL when unknown */
    const char *summary;
    const char *origin_path;   /* absolute path of the artifact it was imported from */
    const char *origin_sha256; /* hex sha256 of that artifact, or of a manifest for trees */
    const char *origin_format; /* "deb", "apk", "file", "directory", "generated" */
} whc_component_info;

typedef struct whc_xattr {
    const char *name;
    const unsigned char *value;
    size_t size;
} whc_xattr;

typedef struct whc_file_record {
    const char *path;   /* absolute and normalised: "/usr/bin/tini", "/" never stored */
    wh_file_type type;
    unsigned mode;      /* full st_mode including S_IFMT */
    int64_t uid, gid;
    int64_t size;       /* bytes of content for regular files, 0 otherwise */
    const char *sha256; /* hex digest of the content in the store; regular files only */
    const char *target; /* symlink target as written, or the hardlink's first path */
    uint64_t rdev;      /* device number for devices */
    const whc_xattr *xattrs;
    size_t xattr_count;
    const wh_classification *classification; /* may be NULL */
} whc_file_record;

typedef enum whc_relation_kind {
    WHC_REL_DEPENDS = 0,
    WHC_REL_PRE_DEPENDS,
    WHC_REL_RECOMMENDS,
    WHC_REL_PROVIDES,
    WHC_REL_CONFLICTS,
    WHC_REL_BREAKS,
    WHC_REL_REPLACES,
    WHC_REL_KIND_COUNT
} whc_relation_kind;

/* Returns "depends", "pre-depends", "recommends", "provides", "conflicts", ... */
const char *whc_relation_kind_name(whc_relation_kind kind);

/*
 * One alternative of one declared relation. "a (>= 1) | b" is two records
 * with the same group and alternatives 0 and 1.
 */
typedef struct whc_relation_record {
    whc_relation_kind kind;
    int group;          /* index of the comma-separated clause, from 0 */
    int alternative;    /* index inside the clause's "|" list, from 0 */
    const char *name;   /* package, virtual name, "so:libc.so.6", "cmd:sh" ... */
    const char *op;     /* "<<", "<=", "=", ">=", ">>", "<", ">", "~" or NULL */
    const char *version;/* NULL when op is NULL */
    const char *arch_qualifier; /* ":any", ":native" or NULL */
} whc_relation_record;

/* ---- Importing -------------------------------------------------------- */

/* Starts an import: one transaction that may add several components. */
wh_status whc_import_begin(whc_catalog *catalog, whc_import **out, wh_error *err);

/*
 * Starts a new component inside the import; following files and relations
 * belong to it. Returns WH_ERR_EXISTS, with a message saying so, when a
 * component from the same origin sha256 is already in the catalog (callers
 * report that and skip the artifact), and WH_ERR_INVALID when the same name,
 * version and architecture came from another origin.
 */
wh_status whc_import_component(whc_import *import, const whc_component_info *info,
                               wh_error *err);
wh_status whc_import_file(whc_import *import, const whc_file_record *file, wh_error *err);
wh_status whc_import_relation(whc_import *import, const whc_relation_record *relation,
                              wh_error *err);

/* The metadata of an imported image, kept with its base component. */
typedef struct whc_image_record {
    const char *reference;       /* as the user gave it: "oci:DIR:TAG", "docker://..." */
    const char *manifest_digest; /* "sha256:<hex>", or NULL for a rootfs */
    const char *config_digest;   /* "sha256:<hex>", or NULL for a rootfs */
    const char *record_sha256;   /* hex digest of the JSON record blob in the store */
} whc_image_record;

/*
 * Attaches an image record to the component name@version added earlier in
 * this import. The record blob must already be in the store.
 */
wh_status whc_import_image_record(whc_import *import, const char *name, const char *version,
                                  const whc_image_record *record, wh_error *err);

/* Commits everything and frees the import, whatever the result. */
wh_status whc_import_commit(whc_import *import, wh_error *err);
/* Rolls back, removes blobs only this import added, frees; accepts NULL. */
void whc_import_abort(whc_import *import);

/* ---- Reading ---------------------------------------------------------- */

/* A component as read back; strings owned by the struct. */
typedef struct whc_component {
    int64_t id;
    char *name, *version, *architecture;
    wh_kind kind;
    char *license, *summary;
    char *origin_path, *origin_sha256, *origin_format;
    int64_t file_count;  /* entries of every type */
    int64_t total_size;  /* sum of regular file sizes; hardlinks count once */
} whc_component;

/* A file as read back; strings owned by the struct. */
typedef struct whc_file {
    char *path;
    wh_file_type type;
    unsigned mode;
    int64_t uid, gid, size;
    char *sha256, *target;
    uint64_t rdev;
    unsigned char **xattr_values;
    char **xattr_names;
    size_t *xattr_sizes;
    size_t xattr_count;
    wh_classification classification;
} whc_file;

typedef struct whc_relation {
    whc_relation_kind kind;
    int group, alternative;
    char *name, *op, *version, *arch_qualifier;
} whc_relation;

/*
 * Lists components sorted by name, then version; kind < 0 lists all kinds.
 * The caller frees the array with whc_components_free.
 */
wh_status whc_list_components(whc_catalog *catalog, int kind, whc_component **out,
                              size_t *count, wh_error *err);

/*
 * Finds a component by name and optional version (NULL: the highest
 * version by Debian ordering when several exist). WH_ERR_NOT_FOUND names the
 * missing component. The caller frees out with whc_component_clear.
 */
wh_status whc_find_component(whc_catalog *catalog, const char *name, const char *version,
                             whc_component *out, wh_error *err);

/* Files of a component sorted by path; free with whc_files_free. */
wh_status whc_component_files(whc_catalog *catalog, int64_t component_id, whc_file **out,
                              size_t *count, wh_error *err);

/* Declared relations in group, alternative order; free with whc_relations_free. */
wh_status whc_component_relations(whc_catalog *catalog, int64_t component_id,
                                  whc_relation **out, size_t *count, wh_error *err);

void whc_component_clear(whc_component *component);
void whc_components_free(whc_component *components, size_t count);
void whc_files_free(whc_file *files, size_t count);
void whc_relations_free(whc_relation *relations, size_t count);

/* Number of components in the catalog, for "is it empty?" checks. */
wh_status whc_component_count(whc_catalog *catalog, int64_t *out, wh_error *err);

/* ---- Additions -------------------------------------------------------- */

/* Parses a relation kind name; returns 0 and sets *out, or -1 for an unknown name. */
int whc_relation_kind_parse(const char *name, whc_relation_kind *out);

#endif
