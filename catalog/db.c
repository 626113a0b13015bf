/*
 * Opening the catalog: the default path, the folder and blob store, SQLite
 * settings, and schema migrations keyed on PRAGMA user_version.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/version.h"
#include "internal.h"

/* How long a connection waits for another process's write lock, in ms. */
#define BUSY_TIMEOUT_MS 5000

char *whc_strdup_or_null(const char *s, int *failed)
{
    if (s == NULL)
        return NULL;
    char *copy = strdup(s);
    if (copy == NULL)
        *failed = 1;
    return copy;
}

wh_status whc_db_error(whc_catalog *catalog, wh_error *err, wh_status status, const char *doing)
{
    int code = sqlite3_errcode(catalog->db) & 0xff; /* primary code of an extended one */
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
        return wh_error_set(err, status,
                            "catalog %s: %s failed: the database is locked by another "
                            "process (waited %d s); retry when the other import finishes",
                            catalog->db_path, doing, BUSY_TIMEOUT_MS / 1000);
    }
    return wh_error_set(err, status, "catalog %s: %s failed: %s", catalog->db_path, doing,
                        sqlite3_errmsg(catalog->db));
}

wh_status whc_exec(whc_catalog *catalog, const char *sql, const char *doing, wh_error *err)
{
    if (sqlite3_exec(catalog->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return whc_db_error(catalog, err, WH_ERR_DATABASE, doing);
    return WH_OK;
}

static wh_status join_path(const char *a, const char *b, char **out, wh_error *err)
{
    if (asprintf(out, "%s/%s", a, b) < 0) {
        *out = NULL;
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory building path %s/%s", a, b);
    }
    return WH_OK;
}

wh_status whc_default_path(const char *explicit_path, char **out, wh_error *err)
{
    *out = NULL;
    if (explicit_path != NULL && explicit_path[0] != '\0')
        goto copy_explicit;

    const char *env = getenv("WHITTLE_CATALOG");
    if (env != NULL && env[0] != '\0') {
        explicit_path = env;
        goto copy_explicit;
    }

    /* The XDG Base Directory specification requires ignoring a relative value. */
    const char *data_home = getenv("XDG_DATA_HOME");
    if (data_home != NULL && data_home[0] == '/')
        return join_path(data_home, "whittle/catalog.db", out, err);

    const char *home = getenv("HOME");
    if (home == NULL || home[0] == '\0') {
        return wh_error_set(err, WH_ERR_INVALID,
                            "cannot choose a catalog path: HOME is not set; pass --catalog "
                            "PATH or set WHITTLE_CATALOG");
    }
    return join_path(home, ".local/share/whittle/catalog.db", out, err);

copy_explicit:
    *out = strdup(explicit_path);
    if (*out == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory copying path %s", explicit_path);
    return WH_OK;
}

/* Creates path and its missing parents, like mkdir -p. */
static wh_status make_directories(const char *path, wh_error *err)
{
    wh_status result = WH_OK;
    char *copy = strdup(path);
    if (copy == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory creating %s", path);

    for (char *p = copy + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(copy, 0755) != 0 && errno != EEXIST) {
            result = wh_error_set(err, WH_ERR_IO, "cannot create folder %s: %s", copy,
                                  strerror(errno));
            goto out;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }

    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        result = wh_error_set(err, WH_ERR_IO, "cannot use %s as a folder: it is not a folder",
                              path);
    }

out:
    free(copy);
    return result;
}

static int version_collation(void *unused, int a_size, const void *a, int b_size, const void *b)
{
    (void)unused;
    char *a_text = strndup(a, (size_t)a_size);
    char *b_text = strndup(b, (size_t)b_size);
    int order = 0;
    if (a_text != NULL && b_text != NULL)
        order = wh_version_compare_debian(a_text, b_text);
    free(a_text);
    free(b_text);
    return order;
}

static wh_status read_user_version(whc_catalog *catalog, int *out, wh_error *err)
{
    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v2(catalog->db, "PRAGMA user_version", -1, &statement, NULL) != SQLITE_OK
        || sqlite3_step(statement) != SQLITE_ROW) {
        sqlite3_finalize(statement);
        return whc_db_error(catalog, err, WH_ERR_DATABASE, "reading the schema version");
    }
    *out = sqlite3_column_int(statement, 0);
    sqlite3_finalize(statement);
    return WH_OK;
}

/*
 * Runs the schema steps the database is missing. The version is read again
 * inside the write transaction, so two processes opening a new catalog at
 * once migrate it only once.
 */
static wh_status migrate(whc_catalog *catalog, wh_error *err)
{
    int version = 0;
    wh_status result = read_user_version(catalog, &version, err);
    if (result != WH_OK || version == WHC_SCHEMA_VERSION)
        goto check;

    result = whc_exec(catalog, "BEGIN IMMEDIATE", "starting the schema migration", err);
    if (result != WH_OK)
        return result;
    result = read_user_version(catalog, &version, err);
    if (result != WH_OK)
        goto rollback;

    for (int step = version; step >= 0 && step < whc_schema_step_count; step++) {
        char doing[64];
        snprintf(doing, sizeof(doing), "migrating the schema to version %d", step + 1);
        result = whc_exec(catalog, whc_schema_steps[step], doing, err);
        if (result != WH_OK)
            goto rollback;
    }
    if (version < whc_schema_step_count) {
        char sql[64];
        snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", whc_schema_step_count);
        result = whc_exec(catalog, sql, "recording the schema version", err);
        if (result != WH_OK)
            goto rollback;
        version = whc_schema_step_count;
    }
    result = whc_exec(catalog, "COMMIT", "committing the schema migration", err);
    if (result != WH_OK)
        goto rollback;

check:
    if (result == WH_OK && version > WHC_SCHEMA_VERSION) {
        result = wh_error_set(err, WH_ERR_DATABASE,
                              "catalog %s has schema version %d, but this whittle supports "
                              "up to version %d; upgrade whittle or use another catalog",
                              catalog->db_path, version, WHC_SCHEMA_VERSION);
    }
    return result;

rollback:
    sqlite3_exec(catalog->db, "ROLLBACK", NULL, NULL, NULL);
    return result;
}

static wh_status configure(whc_catalog *catalog, wh_error *err)
{
    sqlite3_busy_timeout(catalog->db, BUSY_TIMEOUT_MS);

    wh_status result = whc_exec(catalog, "PRAGMA foreign_keys = ON",
                                "enabling foreign keys", err);
    if (result != WH_OK)
        return result;
    result = whc_exec(catalog, "PRAGMA journal_mode = WAL", "enabling WAL mode", err);
    if (result != WH_OK)
        return result;

    if (sqlite3_create_collation(catalog->db, "whc_version", SQLITE_UTF8, NULL,
                                 version_collation) != SQLITE_OK) {
        return whc_db_error(catalog, err, WH_ERR_DATABASE, "registering the version collation");
    }
    return WH_OK;
}

static wh_status prepare_folders(whc_catalog *catalog, const char *db_path, wh_error *err)
{
    wh_status result = WH_OK;
    char *folder = strdup(db_path);
    if (folder == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory opening %s", db_path);

    char *slash = strrchr(folder, '/');
    if (slash == NULL)
        strcpy(folder, ".");
    else if (slash == folder)
        slash[1] = '\0';
    else
        *slash = '\0';

    result = make_directories(folder, err);
    if (result != WH_OK)
        goto out;
    result = join_path(folder, "blobs", &catalog->blob_dir, err);
    if (result != WH_OK)
        goto out;
    result = join_path(catalog->blob_dir, "sha256", &catalog->blob_sha_dir, err);
    if (result != WH_OK)
        goto out;
    result = make_directories(catalog->blob_sha_dir, err);

out:
    free(folder);
    return result;
}

wh_status whc_open(const char *db_path, whc_catalog **out, wh_error *err)
{
    wh_status result = WH_OK;
    *out = NULL;

    whc_catalog *catalog = calloc(1, sizeof(*catalog));
    if (catalog == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory opening %s", db_path);
    catalog->db_path = strdup(db_path);
    if (catalog->db_path == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory opening %s", db_path);
        goto out;
    }

    struct stat st;
    if (stat(db_path, &st) == 0 && S_ISDIR(st.st_mode)) {
        result = wh_error_set(err, WH_ERR_INVALID,
                              "catalog path %s is a folder; pass the database file, "
                              "e.g. %s/catalog.db", db_path, db_path);
        goto out;
    }

    result = prepare_folders(catalog, db_path, err);
    if (result != WH_OK)
        goto out;

    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(db_path, &catalog->db, flags, NULL) != SQLITE_OK) {
        result = wh_error_set(err, WH_ERR_DATABASE, "cannot open catalog %s: %s", db_path,
                              catalog->db ? sqlite3_errmsg(catalog->db) : "out of memory");
        goto out;
    }
    sqlite3_extended_result_codes(catalog->db, 1);

    result = configure(catalog, err);
    if (result != WH_OK)
        goto out;
    result = migrate(catalog, err);
    if (result == WH_OK)
        whc_blob_sweep_temporary(catalog); /* left by a writer that was killed */

out:
    if (result != WH_OK) {
        whc_close(catalog);
        return result;
    }
    *out = catalog;
    return WH_OK;
}

void whc_close(whc_catalog *catalog)
{
    if (catalog == NULL)
        return;
    if (catalog->import != NULL)
        whc_import_abort(catalog->import);
    sqlite3_close_v2(catalog->db);
    free(catalog->db_path);
    free(catalog->blob_dir);
    free(catalog->blob_sha_dir);
    free(catalog);
}

const char *whc_db_path(const whc_catalog *catalog)
{
    return catalog->db_path;
}
