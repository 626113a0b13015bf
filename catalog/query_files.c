/*
 * Reading a component's files with their classification, needed sonames
 * and xattrs, all inside one read snapshot.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum file_statement { FILES_ROWS, FILES_NEEDED, FILES_XATTRS, FILES_STATEMENT_COUNT };

static const char *const file_sql[FILES_STATEMENT_COUNT] = {
    [FILES_ROWS] =
        "SELECT path, type, mode, uid, gid, size, sha256, target, rdev, flags, interpreter,"
        " interpreter_arg, soname, runpath, rpath, multicall"
        " FROM files WHERE component_id = ?1 ORDER BY path",
    [FILES_NEEDED] =
        "SELECT soname FROM needed WHERE component_id = ?1 AND path = ?2 ORDER BY position",
    [FILES_XATTRS] =
        "SELECT name, value FROM xattrs WHERE component_id = ?1 AND path = ?2 ORDER BY name",
};

static char *column_text(sqlite3_stmt *statement, int index, int *failed)
{
    return whc_strdup_or_null((const char *)sqlite3_column_text(statement, index), failed);
}

/* Appends one string to a growing array; sets *failed on allocation failure. */
static void append_string(char ***array, size_t *count, char *value, int *failed)
{
    char **grown = realloc(*array, (*count + 1) * sizeof(*grown));
    if (grown == NULL || value == NULL) {
        free(value);
        *failed = 1;
        if (grown != NULL)
            *array = grown;
        return;
    }
    grown[(*count)++] = value;
    *array = grown;
}

static int read_needed(sqlite3_stmt *needed, whc_file *file, int *failed)
{
    int code;
    while ((code = sqlite3_step(needed)) == SQLITE_ROW && !*failed) {
        char *soname = column_text(needed, 0, failed);
        append_string(&file->classification.needed, &file->classification.needed_count, soname,
                      failed);
    }
    sqlite3_reset(needed);
    return code == SQLITE_ROW || code == SQLITE_DONE ? SQLITE_DONE : code;
}

static int read_xattrs(sqlite3_stmt *xattrs, whc_file *file, int *failed)
{
    int code;
    while ((code = sqlite3_step(xattrs)) == SQLITE_ROW && !*failed) {
        size_t n = file->xattr_count;
        size_t size = (size_t)sqlite3_column_bytes(xattrs, 1);
        unsigned char *value = malloc(size ? size : 1);
        char *name = column_text(xattrs, 0, failed);
        char **names = realloc(file->xattr_names, (n + 1) * sizeof(*names));
        if (names != NULL)
            file->xattr_names = names;
        unsigned char **values = realloc(file->xattr_values, (n + 1) * sizeof(*values));
        if (values != NULL)
            file->xattr_values = values;
        size_t *sizes = realloc(file->xattr_sizes, (n + 1) * sizeof(*sizes));
        if (sizes != NULL)
            file->xattr_sizes = sizes;
        if (value == NULL || name == NULL || names == NULL || values == NULL || sizes == NULL) {
            free(value);
            free(name);
            *failed = 1;
            break;
        }

        if (size > 0)
            memcpy(value, sqlite3_column_blob(xattrs, 1), size);
        names[n] = name;
        values[n] = value;
        sizes[n] = size;
        file->xattr_count = n + 1;
    }
    sqlite3_reset(xattrs);
    return code == SQLITE_ROW || code == SQLITE_DONE ? SQLITE_DONE : code;
}

/* Copies the current files row into file; sets *failed on allocation failure. */
static void read_file_row(sqlite3_stmt *row, whc_file *file, int *failed)
{
    memset(file, 0, sizeof(*file));
    file->path = column_text(row, 0, failed);

    const char *type = (const char *)sqlite3_column_text(row, 1);
    wh_file_type parsed = WH_FILE_REGULAR;
    if (type != NULL)
        wh_file_type_parse(type, &parsed); /* the schema's CHECK allows only known names */
    file->type = parsed;

    file->mode = (unsigned)sqlite3_column_int64(row, 2);
    file->uid = sqlite3_column_int64(row, 3);
    file->gid = sqlite3_column_int64(row, 4);
    file->size = sqlite3_column_int64(row, 5);
    file->sha256 = column_text(row, 6, failed);
    file->target = column_text(row, 7, failed);
    file->rdev = (uint64_t)sqlite3_column_int64(row, 8);

    wh_classification *c = &file->classification;
    c->flags = (unsigned)sqlite3_column_int64(row, 9);
    c->interpreter = column_text(row, 10, failed);
    c->interpreter_arg = column_text(row, 11, failed);
    c->soname = column_text(row, 12, failed);
    c->runpath = column_text(row, 13, failed);
    c->rpath = column_text(row, 14, failed);
    c->multicall = column_text(row, 15, failed);
}

wh_status whc_component_files(whc_catalog *catalog, int64_t component_id, whc_file **out,
                              size_t *count, wh_error *err)
{
    wh_status result = WH_OK;
    sqlite3_stmt *statements[FILES_STATEMENT_COUNT] = { 0 };
    whc_file *files = NULL;
    size_t used = 0, capacity = 0;
    int failed = 0;
    *out = NULL;
    *count = 0;

    /* A savepoint gives one snapshot and works inside an open import too. */
    result = whc_exec(catalog, "SAVEPOINT whc_read_files", "reading files", err);
    if (result != WH_OK)
        return result;

    for (int i = 0; i < FILES_STATEMENT_COUNT; i++) {
        if (sqlite3_prepare_v2(catalog->db, file_sql[i], -1, &statements[i], NULL)
            != SQLITE_OK) {
            result = whc_db_error(catalog, err, WH_ERR_DATABASE, "reading files");
            goto out;
        }
        sqlite3_bind_int64(statements[i], 1, component_id);
    }

    int code;
    sqlite3_stmt *rows = statements[FILES_ROWS];
    while ((code = sqlite3_step(rows)) == SQLITE_ROW) {
        if (used == capacity) {
            capacity = capacity ? capacity * 2 : 64;
            whc_file *grown = realloc(files, capacity * sizeof(*grown));
            if (grown == NULL) {
                failed = 1;
                break;
            }
            files = grown;
        }
        whc_file *file = &files[used++];
        read_file_row(rows, file, &failed);
        if (failed)
            break;

        /* The path is bound as static text: file->path outlives both resets. */
        sqlite3_bind_text(statements[FILES_NEEDED], 2, file->path, -1, SQLITE_STATIC);
        sqlite3_bind_text(statements[FILES_XATTRS], 2, file->path, -1, SQLITE_STATIC);
        code = read_needed(statements[FILES_NEEDED], file, &failed);
        if (code == SQLITE_DONE)
            code = read_xattrs(statements[FILES_XATTRS], file, &failed);
        if (code != SQLITE_DONE || failed)
            break;
    }
    if (failed)
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory reading files of component "
                              "%lld", (long long)component_id);
    else if (code != SQLITE_DONE)
        result = whc_db_error(catalog, err, WH_ERR_DATABASE, "reading files");

out:
    for (int i = 0; i < FILES_STATEMENT_COUNT; i++)
        sqlite3_finalize(statements[i]);
    sqlite3_exec(catalog->db, "RELEASE whc_read_files", NULL, NULL, NULL);
    if (result != WH_OK) {
        whc_files_free(files, used);
        return result;
    }
    *out = files;
    *count = used;
    return WH_OK;
}

void whc_files_free(whc_file *files, size_t count)
{
    if (files == NULL)
        return;
    for (size_t i = 0; i < count; i++) {
        whc_file *file = &files[i];
        free(file->path);
        free(file->sha256);
        free(file->target);
        for (size_t j = 0; j < file->xattr_count; j++) {
            free(file->xattr_names[j]);
            free(file->xattr_values[j]);
        }
        free(file->xattr_names);
        free(file->xattr_values);
        free(file->xattr_sizes);
        wh_classification_free(&file->classification);
    }
    free(files);
}
