/*
 * Private structures shared by the catalog's source files. Nothing outside
 * catalog/ includes this header.
 */
#ifndef WHC_INTERNAL_H
#define WHC_INTERNAL_H

#include <sqlite3.h>
#include <stdint.h>

#include "../core/digest.h"
#include "catalog.h"

struct whc_catalog {
    sqlite3 *db;
    char *db_path;
    char *blob_dir;     /* DIR/blobs: temporary files are created here */
    char *blob_sha_dir; /* DIR/blobs/sha256: finished blobs */
    whc_import *import; /* the open import, or NULL; at most one per connection */
};

/* The statements an import prepares once and reuses for every row. */
enum import_statement {
    STMT_FIND_ORIGIN,
    STMT_FIND_NAME_VERSION,
    STMT_INSERT_COMPONENT,
    STMT_INSERT_FILE,
    STMT_INSERT_NEEDED,
    STMT_INSERT_XATTR,
    STMT_INSERT_RELATION,
    STMT_COUNT
};

struct whc_import {
    whc_catalog *catalog;
    sqlite3_stmt *statements[STMT_COUNT];
    int64_t component_id; /* the component that files and relations go to; 0 before the first */
    char *component_label; /* "name version" of that component, for messages */
    char **added_blobs;    /* hex digests of the blobs this import created */
    size_t added_count, added_capacity;
    struct whc_blob_queue *blob_queue; /* the writer thread, or NULL before the first blob */
    int blob_queue_off;    /* one CPU or WHITTLE_IMPORT_THREADS=1: blobs are written inline */
    int queued_writer_open; /* a writer that uses blob_queue has not finished yet */
    int open_writers;      /* blob writers of this import not yet committed or aborted */
    int blobs_unflushed;   /* commit must flush: no flush queued on blob_queue since the
                              import began or since its last blob began */
};

struct whc_blob_writer {
    whc_catalog *catalog;
    whc_import *import; /* NULL when the blob is not tied to an import */
    struct whc_blob_queue *queue; /* the import's writer thread writes the file, or NULL */
    char *temp_path;
    int fd;
    int folder_fd; /* DIR/blobs, holding a shared flock while the temporary file exists */
    wh_sha256 *hash;
    int64_t size;
};

/*
 * Deletes the temporary files (tmp-*) that killed writers left in
 * DIR/blobs. Every live writer holds a shared flock on that folder, so the
 * sweep runs only when an exclusive one can be taken without waiting, and
 * otherwise leaves everything for a later open. Errors are ignored, because
 * a leftover temporary file only costs space.
 */
void whc_blob_sweep_temporary(whc_catalog *catalog);

/* Records a blob that an import created, so whc_import_abort can remove it. */
wh_status whc_import_track_blob(whc_import *import, const char *sha256_hex, wh_error *err);

/*
 * Sets err from the connection's last SQLite error, naming the catalog and
 * what was being done ("inserting file /usr/bin/tini"). Returns status.
 */
wh_status whc_db_error(whc_catalog *catalog, wh_error *err, wh_status status, const char *doing);

/* Runs SQL without results; sets err on failure. */
wh_status whc_exec(whc_catalog *catalog, const char *sql, const char *doing, wh_error *err);

/* The schema steps: steps[i] migrates a database at version i to version i + 1. */
extern const char *const whc_schema_steps[];
extern const int whc_schema_step_count;

/* Copies s (NULL stays NULL); sets *failed on allocation failure. */
char *whc_strdup_or_null(const char *s, int *failed);

#endif
