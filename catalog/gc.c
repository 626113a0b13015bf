/*
 * Removing unreferenced blobs from the content store. An import killed after
 * a blob's rename but before its COMMIT leaves such a blob behind. Every
 * blob that a files row names stays, and so do an imported image's record
 * and config blobs, which its images row names.
 *
 * The collection runs inside BEGIN IMMEDIATE. Every import holds that lock
 * from before its first blob until its COMMIT, so no import can be between
 * writing a blob and writing the row that references it while blobs are
 * removed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/digest.h"
#include "gc.h"
#include "internal.h"

typedef struct digest_set {
    char (*items)[WH_SHA256_HEX_LEN + 1];
    size_t count, capacity;
} digest_set;

static int compare_digests(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Loads every blob digest that a row references, sorted for bsearch. */
static wh_status load_referenced(whc_catalog *catalog, digest_set *set, wh_error *err)
{
    static const char sql[] =
        "SELECT sha256 FROM files WHERE sha256 IS NOT NULL "
        "UNION SELECT record_sha256 FROM images "
        "UNION SELECT substr(config_digest, 8) FROM images WHERE config_digest LIKE 'sha256:%'";
    sqlite3_stmt *statement = NULL;
    wh_status result = WH_OK;

    if (sqlite3_prepare_v2(catalog->db, sql, -1, &statement, NULL) != SQLITE_OK)
        return whc_db_error(catalog, err, WH_ERR_DATABASE, "listing referenced blobs");

    int code;
    while ((code = sqlite3_step(statement)) == SQLITE_ROW) {
        const char *digest = (const char *)sqlite3_column_text(statement, 0);
        if (digest == NULL || !wh_sha256_hex_valid(digest))
            continue;
        if (set->count == set->capacity) {
            size_t capacity = set->capacity ? set->capacity * 2 : 1024;
            void *grown = realloc(set->items, capacity * sizeof(*set->items));
            if (grown == NULL) {
                result = wh_error_set(err, WH_ERR_NOMEM, "out of memory listing blobs");
                break;
            }
            set->items = grown;
            set->capacity = capacity;
        }
        memcpy(set->items[set->count++], digest, WH_SHA256_HEX_LEN + 1);
    }
    if (result == WH_OK && code != SQLITE_DONE)
        result = whc_db_error(catalog, err, WH_ERR_DATABASE, "listing referenced blobs");
    sqlite3_finalize(statement);
    if (result == WH_OK && set->count > 1)
        qsort(set->items, set->count, sizeof(*set->items), compare_digests);
    return result;
}

static int is_referenced(const digest_set *set, const char *digest)
{
    return set->count > 0
           && bsearch(digest, set->items, set->count, sizeof(*set->items), compare_digests)
                  != NULL;
}

/* Visits, and unless dry_run removes, every unreferenced blob. */
static wh_status sweep_blobs(whc_catalog *catalog, const digest_set *referenced,
                             const whc_gc_options *options, whc_gc_result *result,
                             wh_error *err)
{
    DIR *dir = opendir(catalog->blob_sha_dir);
    if (dir == NULL)
        return wh_error_set(err, WH_ERR_IO, "cannot read the blob folder %s: %s",
                            catalog->blob_sha_dir, strerror(errno));

    wh_status status = WH_OK;
    struct dirent *entry;
    while (status == WH_OK && (entry = readdir(dir)) != NULL) {
        const char *name = entry->d_name;
        if (!wh_sha256_hex_valid(name))
            continue; /* not a blob name: ".", "..", or something whittle never writes */
        if (is_referenced(referenced, name)) {
            result->kept_count++;
            continue;
        }

        struct stat st;
        if (fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (!options->dry_run && unlinkat(dirfd(dir), name, 0) != 0) {
            status = wh_error_set(err, WH_ERR_IO, "cannot remove blob %s/%s: %s",
                                  catalog->blob_sha_dir, name, strerror(errno));
            break;
        }
        result->removed_count++;
        result->removed_bytes += (uint64_t)st.st_size;
        if (options->on_blob != NULL)
            options->on_blob(options->context, name, (uint64_t)st.st_size);
    }
    closedir(dir);
    return status;
}

wh_status whc_gc(whc_catalog *catalog, const whc_gc_options *options, whc_gc_result *result,
                 wh_error *err)
{
    static const whc_gc_options defaults = { 0 };
    digest_set referenced = { 0 };

    if (options == NULL)
        options = &defaults;
    memset(result, 0, sizeof(*result));
    if (catalog->import != NULL)
        return wh_error_set(err, WH_ERR_INVALID, "catalog %s has an import in progress on "
                            "this connection; commit or abort it first", catalog->db_path);

    wh_status status = whc_exec(catalog, "BEGIN IMMEDIATE", "starting the blob collection",
                                err);
    if (status != WH_OK)
        return status;
    status = load_referenced(catalog, &referenced, err);
    if (status == WH_OK)
        status = sweep_blobs(catalog, &referenced, options, result, err);
    sqlite3_exec(catalog->db, "ROLLBACK", NULL, NULL, NULL); /* nothing was written */
    free(referenced.items);

    if (status == WH_OK && !options->dry_run)
        whc_blob_sweep_temporary(catalog);
    return status;
}
