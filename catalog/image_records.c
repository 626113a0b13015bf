/* The images table: metadata of imported images, one row per base component. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

wh_status whc_import_image_record(whc_import *import, const char *name, const char *version,
                                  const whc_image_record *record, wh_error *err)
{
    wh_status result = WH_OK;
    sqlite3 *db = import->catalog->db;
    sqlite3_stmt *find = NULL, *insert = NULL;
    char *blob = NULL;
    struct stat info;

    if (record->reference == NULL || !wh_sha256_hex_valid(record->record_sha256))
        return wh_error_set(err, WH_ERR_INVALID,
                            "image record for %s %s needs a reference and a sha256 digest",
                            name, version);

    result = whc_blob_settle(import->catalog, err);
    if (result != WH_OK)
        return result;
    blob = whc_blob_path(import->catalog, record->record_sha256);
    if (blob == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory");
    if (stat(blob, &info) != 0) {
        result = wh_error_set(err, WH_ERR_NOT_FOUND,
                              "image record blob %s is not in the store; store it first",
                              record->record_sha256);
        goto out;
    }

    if (sqlite3_prepare_v2(db, "SELECT id FROM components WHERE name = ? AND version = ?", -1,
                           &find, NULL) != SQLITE_OK) {
        result = whc_db_error(import->catalog, err, WH_ERR_DATABASE, "finding a component");
        goto out;
    }
    sqlite3_bind_text(find, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(find, 2, version, -1, SQLITE_STATIC);
    if (sqlite3_step(find) != SQLITE_ROW) {
        result = wh_error_set(err, WH_ERR_NOT_FOUND,
                              "component %s %s is not in this import; add it before its "
                              "image record",
                              name, version);
        goto out;
    }
    int64_t component_id = sqlite3_column_int64(find, 0);

    if (sqlite3_prepare_v2(db,
                           "INSERT INTO images (component_id, reference, manifest_digest, "
                           "config_digest, record_sha256) VALUES (?, ?, ?, ?, ?)",
                           -1, &insert, NULL) != SQLITE_OK) {
        result = whc_db_error(import->catalog, err, WH_ERR_DATABASE, "recording an image");
        goto out;
    }
    sqlite3_bind_int64(insert, 1, component_id);
    sqlite3_bind_text(insert, 2, record->reference, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 3, record->manifest_digest, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 4, record->config_digest, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 5, record->record_sha256, -1, SQLITE_STATIC);
    if (sqlite3_step(insert) != SQLITE_DONE)
        result = whc_db_error(import->catalog, err, WH_ERR_DATABASE, "recording an image");

out:
    sqlite3_finalize(find);
    sqlite3_finalize(insert);
    free(blob);
    return result;
}
