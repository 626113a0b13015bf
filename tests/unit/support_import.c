#include "support_import.h"

#include <dirent.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <glob.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "../../core/digest.h"

static char *cache_dir(void)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    char *dir = NULL;
    int length;

    if (xdg != NULL && xdg[0] == '/')
        length = asprintf(&dir, "%s/whittle/debs", xdg);
    else
        length = asprintf(&dir, "%s/.cache/whittle/debs", home ? home : "/tmp");
    return length < 0 ? NULL : dir;
}

static char *find_cached(const char *dir, const char *package)
{
    char *pattern = NULL;
    char *found = NULL;
    glob_t matches;

    if (asprintf(&pattern, "%s/%s_*.deb", dir, package) < 0)
        return NULL;
    if (glob(pattern, 0, NULL, &matches) == 0) {
        found = strdup(matches.gl_pathv[matches.gl_pathc - 1]);
        globfree(&matches);
    }
    free(pattern);
    return found;
}

char *test_import_fetch_deb(const char *package)
{
    char *dir = cache_dir();
    char *command = NULL;
    char *path = NULL;

    if (dir == NULL)
        return NULL;
    path = find_cached(dir, package);
    if (path != NULL)
        goto out;

    if (asprintf(&command, "mkdir -p '%s' && cd '%s' && apt-get download -q '%s' >/dev/null 2>&1",
                 dir, dir, package) < 0) {
        command = NULL;
        goto out;
    }
    if (system(command) == 0)
        path = find_cached(dir, package);

out:
    free(command);
    free(dir);
    return path;
}

static void hash_blob_tree(wh_sha256 *hash, const char *dir)
{
    struct dirent **names = NULL;
    int count = scandir(dir, &names, NULL, alphasort);
    for (int i = 0; i < count; i++) {
        const char *name = names[i]->d_name;
        char *child = NULL;
        struct stat st;
        if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
            asprintf(&child, "%s/%s", dir, name) >= 0 && lstat(child, &st) == 0) {
            char line[600];
            int length = snprintf(line, sizeof(line), "%s %lld\n", child, (long long)st.st_size);
            wh_sha256_update(hash, line, (size_t)length);
            if (S_ISDIR(st.st_mode))
                hash_blob_tree(hash, child);
        }
        free(child);
        free(names[i]);
    }
    free(names);
}

char *test_import_catalog_fingerprint(const char *db_path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *tables = NULL;
    wh_sha256 *hash = wh_sha256_new();
    char *result = NULL;

    if (hash == NULL || sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        goto out;
    if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
                           -1, &tables, NULL) != SQLITE_OK)
        goto out;

    while (sqlite3_step(tables) == SQLITE_ROW) {
        const char *table = (const char *)sqlite3_column_text(tables, 0);
        char *sql = sqlite3_mprintf("SELECT * FROM \"%w\" ORDER BY 1", table);
        sqlite3_stmt *rows = NULL;
        wh_sha256_update(hash, table, strlen(table) + 1);
        if (sql != NULL && sqlite3_prepare_v2(db, sql, -1, &rows, NULL) == SQLITE_OK) {
            while (sqlite3_step(rows) == SQLITE_ROW) {
                for (int c = 0; c < sqlite3_column_count(rows); c++) {
                    const void *value = sqlite3_column_blob(rows, c);
                    wh_sha256_update(hash, value ? value : "", (size_t)sqlite3_column_bytes(rows, c));
                    wh_sha256_update(hash, "\t", 1);
                }
                wh_sha256_update(hash, "\n", 1);
            }
        }
        sqlite3_finalize(rows);
        sqlite3_free(sql);
    }

    char *copy = strdup(db_path);
    char *blobs = NULL;
    if (copy != NULL && asprintf(&blobs, "%s/blobs", dirname(copy)) >= 0) {
        hash_blob_tree(hash, blobs);
        free(blobs);
    }
    free(copy);

    result = malloc(WH_SHA256_HEX_LEN + 1);
    if (result != NULL)
        wh_sha256_final_hex(hash, result);

out:
    sqlite3_finalize(tables);
    sqlite3_close(db);
    wh_sha256_free(hash);
    return result;
}

char *test_import_command_output(const char *command)
{
    FILE *pipe = popen(command, "r");
    char *text = NULL;
    size_t size = 0;

    if (pipe == NULL)
        return NULL;
    FILE *memory = open_memstream(&text, &size);
    if (memory == NULL) {
        pclose(pipe);
        return NULL;
    }
    char buffer[4096];
    size_t got;
    while ((got = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
        fwrite(buffer, 1, got, memory);
    fclose(memory);
    if (pclose(pipe) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int test_import_setup(void **state)
{
    test_catalog *catalog = calloc(1, sizeof(*catalog));
    assert_non_null(catalog);
    strcpy(catalog->dir, "/tmp/whittle-import-XXXXXX");
    assert_non_null(mkdtemp(catalog->dir));
    snprintf(catalog->db_path, sizeof(catalog->db_path), "%s/data/catalog.db", catalog->dir);

    /* Create the catalog now, so failed imports can be compared with an existing one. */
    whc_catalog *opened = NULL;
    wh_error err = { 0 };
    if (whc_open(catalog->db_path, &opened, &err) != WH_OK)
        fail_msg("whc_open %s: %s", catalog->db_path, err.message);
    whc_close(opened);
    *state = catalog;
    return 0;
}

int test_import_teardown(void **state)
{
    test_catalog *catalog = *state;
    nftw(catalog->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(catalog);
    return 0;
}

wh_status test_import_run(const char *db_path, const char *path,
                          const whc_import_options *options, whc_import_summary *summary,
                          wh_error *err)
{
    whc_catalog *catalog = NULL;
    whc_import *import = NULL;
    wh_status status = whc_open(db_path, &catalog, err);
    if (status != WH_OK)
        fail_msg("whc_open %s: %s", db_path, err->message);
    status = whc_import_begin(catalog, &import, err);
    if (status != WH_OK)
        fail_msg("whc_import_begin: %s", err->message);

    status = whc_import_artifact_summary(import, path, options, summary, err);
    if (status == WH_OK || status == WH_ERR_EXISTS) {
        wh_error commit_err = { 0 };
        if (whc_import_commit(import, &commit_err) != WH_OK)
            fail_msg("whc_import_commit: %s", commit_err.message);
    } else {
        whc_import_abort(import);
    }
    whc_close(catalog);
    return status;
}

void test_import_expect_failure(const char *db_path, const char *path,
                                const whc_import_options *options, wh_status expected_status,
                                const char *expected_text)
{
    char *before = test_import_catalog_fingerprint(db_path);
    assert_non_null(before);

    wh_error err = { 0 };
    wh_status status = test_import_run(db_path, path, options, NULL, &err);
    if (status != expected_status)
        fail_msg("%s: status %d (%s), expected %d", path, status, err.message, expected_status);
    if (strstr(err.message, expected_text) == NULL)
        fail_msg("%s: message '%s' lacks '%s'", path, err.message, expected_text);

    char *after = test_import_catalog_fingerprint(db_path);
    assert_non_null(after);
    if (strcmp(before, after) != 0)
        fail_msg("%s: the catalog changed after a failed import", path);
    free(before);
    free(after);
}

void test_import_load(const char *db_path, const char *name, test_component *out)
{
    whc_catalog *catalog = NULL;
    wh_error err = { 0 };
    memset(out, 0, sizeof(*out));
    if (whc_open(db_path, &catalog, &err) != WH_OK)
        fail_msg("whc_open: %s", err.message);
    if (whc_find_component(catalog, name, NULL, &out->component, &err) != WH_OK)
        fail_msg("%s: %s", name, err.message);
    if (whc_component_files(catalog, out->component.id, &out->files, &out->file_count, &err) !=
        WH_OK)
        fail_msg("files of %s: %s", name, err.message);
    if (whc_component_relations(catalog, out->component.id, &out->relations,
                                &out->relation_count, &err) != WH_OK)
        fail_msg("relations of %s: %s", name, err.message);
    whc_close(catalog);
}

void test_import_unload(test_component *loaded)
{
    whc_component_clear(&loaded->component);
    whc_files_free(loaded->files, loaded->file_count);
    whc_relations_free(loaded->relations, loaded->relation_count);
    memset(loaded, 0, sizeof(*loaded));
}

const whc_file *test_import_file(const test_component *loaded, const char *path)
{
    for (size_t i = 0; i < loaded->file_count; i++) {
        if (strcmp(loaded->files[i].path, path) == 0)
            return &loaded->files[i];
    }
    return NULL;
}
