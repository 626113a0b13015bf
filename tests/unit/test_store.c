/*
 * The catalog store: opening and migrating, imports and their rollback,
 * the content store, concurrent readers, and reading records back.
 */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "../../catalog/catalog.h"
#include "../../core/digest.h"
#include "support_binaries.h"

typedef struct fixture {
    char dir[64];
    char db_path[128];
    whc_catalog *catalog;
} fixture;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    strcpy(f->dir, "/tmp/whittle-store-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db_path, sizeof(f->db_path), "%s/data/catalog.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    whc_close(f->catalog);
    nftw(f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static whc_catalog *open_catalog(fixture *f)
{
    wh_error err = { 0 };
    whc_catalog *catalog = NULL;
    if (whc_open(f->db_path, &catalog, &err) != WH_OK)
        fail_msg("whc_open failed: %s", err.message);
    return catalog;
}

/* Writes data as a blob, tied to import when it is non-NULL. */
static void store_blob(whc_catalog *catalog, whc_import *import, const char *data,
                       char hex[65])
{
    wh_error err = { 0 };
    whc_blob_writer *writer = NULL;
    assert_int_equal(whc_blob_begin(catalog, import, &writer, &err), WH_OK);
    assert_int_equal(whc_blob_write(writer, data, strlen(data), &err), WH_OK);
    if (whc_blob_commit(writer, hex, &err) != WH_OK)
        fail_msg("whc_blob_commit failed: %s", err.message);
}

static whc_component_info component_info(const char *name, const char *version,
                                         const char *origin_seed)
{
    static char origins[8][65];
    static int next;
    char *origin = origins[next++ % 8];
    wh_sha256_buffer_hex(origin_seed, strlen(origin_seed), origin);
    whc_component_info info = {
        .name = name,
        .version = version,
        .architecture = "amd64",
        .kind = WH_KIND_UTILITY,
        .license = "MIT",
        .summary = "test component",
        .origin_path = "/srv/packages/test.deb",
        .origin_sha256 = origin,
        .origin_format = "deb",
    };
    return info;
}

/* Imports one component holding a single regular file with the given content. */
static void import_simple(whc_catalog *catalog, const char *name, const char *version,
                          const char *path, const char *content)
{
    wh_error err = { 0 };
    whc_import *import = NULL;
    char hex[65];
    assert_int_equal(whc_import_begin(catalog, &import, &err), WH_OK);
    char seed[256];
    snprintf(seed, sizeof(seed), "%s %s", name, version);
    whc_component_info info = component_info(name, version, seed);
    if (whc_import_component(import, &info, &err) != WH_OK)
        fail_msg("whc_import_component failed: %s", err.message);

    store_blob(catalog, import, content, hex);
    whc_file_record file = {
        .path = path, .type = WH_FILE_REGULAR, .mode = S_IFREG | 0755,
        .size = (int64_t)strlen(content), .sha256 = hex,
    };
    if (whc_import_file(import, &file, &err) != WH_OK)
        fail_msg("whc_import_file failed: %s", err.message);
    assert_int_equal(whc_import_commit(import, &err), WH_OK);
}

/* Appends every row of every catalog table to one string, like sqlite3 .dump. */
static int append_row(void *context, int columns, char **values, char **names)
{
    (void)names;
    FILE *stream = context;
    for (int i = 0; i < columns; i++)
        fprintf(stream, "%s|", values[i] ? values[i] : "NULL");
    fputc('\n', stream);
    return 0;
}

static char *dump_database(const char *db_path)
{
    static const char *const tables[] = { "components", "files", "needed", "xattrs",
                                          "relations" };
    sqlite3 *db = NULL;
    char *text = NULL;
    size_t size = 0;
    FILE *stream = open_memstream(&text, &size);
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        char sql[128];
        fprintf(stream, "[%s]\n", tables[i]);
        snprintf(sql, sizeof(sql), "SELECT * FROM %s", tables[i]);
        assert_int_equal(sqlite3_exec(db, sql, append_row, stream, NULL), SQLITE_OK);
    }
    sqlite3_close(db);
    fclose(stream);
    return text;
}

/* Lists the names in DIR/data/blobs and DIR/data/blobs/sha256, sorted. */
/* Lists the store of the fixture's catalog (DIR/data). */
static char *list_blobs(fixture *f)
{
    char data_dir[128];
    snprintf(data_dir, sizeof(data_dir), "%s/data", f->dir);
    char *text = test_support_list_store(data_dir);
    assert_non_null(text);
    return text;
}

static int64_t component_count(whc_catalog *catalog)
{
    wh_error err = { 0 };
    int64_t count = -1;
    assert_int_equal(whc_component_count(catalog, &count, &err), WH_OK);
    return count;
}

static int sql_int(const char *db_path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *statement = NULL;
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &statement, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
    int value = sqlite3_column_int(statement, 0);
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return value;
}

/* ---- Opening ---------------------------------------------------------- */

static void open_creates_catalog(void **state)
{
    fixture *f = *state;
    f->catalog = open_catalog(f);

    char path[256];
    struct stat st;
    snprintf(path, sizeof(path), "%s/data/blobs/sha256", f->dir);
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_string_equal(whc_db_path(f->catalog), f->db_path);
    assert_int_equal(component_count(f->catalog), 0);

    whc_close(f->catalog);
    f->catalog = NULL;
    assert_int_equal(sql_int(f->db_path, "PRAGMA user_version"), WHC_SCHEMA_VERSION);
    assert_int_equal(sql_int(f->db_path, "SELECT count(*) FROM pragma_journal_mode "
                                         "WHERE journal_mode = 'wal'"), 1);
}

static void open_migrates_foreign_version_0(void **state)
{
    fixture *f = *state;
    char folder[128];
    snprintf(folder, sizeof(folder), "%s/data", f->dir);
    assert_int_equal(mkdir(folder, 0755), 0);

    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->db_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE notes (text TEXT);"
                                      "INSERT INTO notes VALUES ('kept');", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);

    f->catalog = open_catalog(f);
    whc_close(f->catalog);
    f->catalog = NULL;

    assert_int_equal(sql_int(f->db_path, "PRAGMA user_version"), WHC_SCHEMA_VERSION);
    assert_int_equal(sql_int(f->db_path, "SELECT count(*) FROM notes WHERE text = 'kept'"), 1);
    assert_int_equal(sql_int(f->db_path, "SELECT count(*) FROM sqlite_schema "
                                         "WHERE name IN ('components', 'files', 'needed',"
                                         " 'xattrs', 'relations')"), 5);
}

static void open_rolls_back_clashing_table(void **state)
{
    fixture *f = *state;
    char folder[128];
    snprintf(folder, sizeof(folder), "%s/data", f->dir);
    assert_int_equal(mkdir(folder, 0755), 0);

    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->db_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE files (name TEXT)", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);

    wh_error err = { 0 };
    whc_catalog *catalog = NULL;
    assert_int_equal(whc_open(f->db_path, &catalog, &err), WH_ERR_DATABASE);
    assert_null(catalog);
    assert_non_null(strstr(err.message, "migrating the schema to version 1"));
    assert_int_equal(sql_int(f->db_path, "PRAGMA user_version"), 0);
    assert_int_equal(sql_int(f->db_path, "SELECT count(*) FROM sqlite_schema "
                                         "WHERE name = 'components'"), 0);
}

static void open_rejects_newer_schema(void **state)
{
    fixture *f = *state;
    f->catalog = open_catalog(f);
    whc_close(f->catalog);
    f->catalog = NULL;

    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->db_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    wh_error err = { 0 };
    whc_catalog *catalog = NULL;
    assert_int_equal(whc_open(f->db_path, &catalog, &err), WH_ERR_DATABASE);
    assert_null(catalog);
    assert_non_null(strstr(err.message, "schema version 99"));
}

static void reopen_keeps_components(void **state)
{
    fixture *f = *state;
    f->catalog = open_catalog(f);
    import_simple(f->catalog, "tini", "0.19.0-1", "/usr/bin/tini", "tini binary");
    whc_close(f->catalog);

    f->catalog = open_catalog(f);
    assert_int_equal(component_count(f->catalog), 1);
}

static void default_path_precedence(void **state)
{
    (void)state;
    wh_error err = { 0 };
    char *path = NULL;

    setenv("WHITTLE_CATALOG", "/env/catalog.db", 1);
    setenv("XDG_DATA_HOME", "/xdg", 1);
    assert_int_equal(whc_default_path("/explicit.db", &path, &err), WH_OK);
    assert_string_equal(path, "/explicit.db");
    free(path);

    assert_int_equal(whc_default_path(NULL, &path, &err), WH_OK);
    assert_string_equal(path, "/env/catalog.db");
    free(path);

    unsetenv("WHITTLE_CATALOG");
    assert_int_equal(whc_default_path("", &path, &err), WH_OK);
    assert_string_equal(path, "/xdg/whittle/catalog.db");
    free(path);

    setenv("XDG_DATA_HOME", "relative", 1);
    setenv("HOME", "/home/user", 1);
    assert_int_equal(whc_default_path(NULL, &path, &err), WH_OK);
    assert_string_equal(path, "/home/user/.local/share/whittle/catalog.db");
    free(path);
    unsetenv("XDG_DATA_HOME");
}

/* ---- Importing -------------------------------------------------------- */

static void import_abort_restores_everything(void **state)
{
    fixture *f = *state;
    f->catalog = open_catalog(f);
    import_simple(f->catalog, "tini", "0.19.0-1", "/usr/bin/tini", "tini binary");
    char *dump_before = dump_database(f->db_path);
    char *blobs_before = list_blobs(f);

    wh_error err = { 0 };
    whc_import *import = NULL;
    char new_hex[65], shared_hex[65];
    assert_int_equal(whc_import_begin(f->catalog, &import, &err), WH_OK);
    whc_component_info info = component_info("dash", "0.5.12-2", "dash origin");
    assert_int_equal(whc_import_component(import, &info, &err), WH_OK);
    store_blob(f->catalog, import, "dash binary", new_hex);
    store_blob(f->catalog, import, "tini binary", shared_hex); /* already stored */
    whc_file_record file = {
        .path = "/usr/bin/dash", .type = WH_FILE_REGULAR, .mode = S_IFREG | 0755,
        .size = 11, .sha256 = new_hex,
    };
    assert_int_equal(whc_import_file(import, &file, &err), WH_OK);
    whc_relation_record relation = { .kind = WHC_REL_DEPENDS, .name = "libc6" };
    assert_int_equal(whc_import_relation(import, &relation, &err), WH_OK);
    whc_import_abort(import);

    char *dump_after = dump_database(f->db_path);
    char *blobs_after = list_blobs(f);
    assert_string_equal(dump_after, dump_before);
    assert_string_equal(blobs_after, blobs_before);
    free(dump_before);
    free(dump_after);
    free(blobs_before);
    free(blobs_after);
}

static void import_duplicate_origin_exists(void **state)
{
    fixture *f = *state;
    f->catalog = open_catalog(f);
    wh_error err = { 0 };
    whc_import *import = NULL;

    assert_int_equal(whc_import_begin(f->catalog, &import, &err), WH_OK);
    whc_component_info info = component_info("tini", "0.19.0-1", "same origin");
    assert_int_equal(whc_import_component(import, &info, &err), WH_OK);
    assert_int_equal(whc_import_commit(import, &err), WH_OK);

    assert_int_equal(whc_import_begin(f->catalog, &import, &err), WH_OK);
    whc_component_info again = component_info("tini-renamed", "1", "same origin");
    assert_int_equal(whc_import_component(import, &again, &err), WH_ERR_EXISTS);
    assert_non_null(strstr(err.message, "tini 0.19.0-1"));
    whc_import_abort(import);
}

static void import_same_name_other_origin_invalid(void **state)
{
    fixture *f = *state;
    f->catalog = open_catalog(f);
    wh_error err = { 0 };
    whc_import *import = NULL;

    assert_int_equal(whc_import_begin(f->catalog, &import, &err), WH_OK);
    whc_component_info info = component_info("tini", "0.19.0-1", "first origin");
    assert_int_equal(whc_import_component(import, &info, &err), WH_OK);
    whc_component_info other = component_info("tini", "0.19.0-1", "second origin");
    assert_int_equal(whc_import_component(import, &other, &err), WH_ERR_INVALID);
    assert_non_null(strstr(err.message, "tini 0.19.0-1"));
    whc_import_abort(import);
    assert_int_equal(component_count(f->catalog), 0);
}

static void import_file_checks_content(void **state)
{
    fixture *f = *state;
    f->catalog = open_catalog(f);
    wh_error err = { 0 };
    whc_import *import = NULL;
    char hex[65];
    char missing[65];
    wh_sha256_buffer_hex("never stored", 12, missing);

    assert_int_equal(whc_import_begin(f->catalog, &import, &err), WH_OK);
    whc_file_record orphan = { .path = "/a", .type = WH_FILE_DIRECTORY, .mode = S_IFDIR | 0755 };
    assert_int_equal(whc_import_file(import, &orphan, &err), WH_ERR_INVALID);

    whc_component_info info = component_info("tini", "1", "checks");
    assert_int_equal(whc_import_component(import, &info, &err), WH_OK);
    store_blob(f->catalog, import, "12345", hex);

    whc_file_record file = { .path = "/bin/a", .type = WH_FILE_REGULAR,
                             .mode = S_IFREG | 0644, .size = 5, .sha256 = missing };
    assert_int_equal(whc_import_file(import, &file, &err), WH_ERR_NOT_FOUND);
    file.sha256 = hex;
    file.size = 6;
    assert_int_equal(whc_import_file(import, &file, &err), WH_ERR_DIGEST);
    file.size = 5;
    file.path = "bin/a";
    assert_int_equal(whc_import_file(import, &file, &err), WH_ERR_INVALID);
    file.path = "/bin/a";
    assert_int_equal(whc_import_file(import, &file, &err), WH_OK);
    assert_int_equal(whc_import_file(import, &file, &err), WH_ERR_INVALID);
    assert_non_null(strstr(err.message, "/bin/a"));

    whc_file_record link = { .path = "/bin/b", .type = WH_FILE_SYMLINK,
                             .mode = S_IFLNK | 0777 };
    assert_int_equal(whc_import_file(import, &link, &err), WH_ERR_INVALID);
    whc_relation_record relation = { .kind = WHC_REL_DEPENDS, .name = "libc6", .op = "=>",
                                     .version = "1" };
    assert_int_equal(whc_import_relation(import, &relation, &err), WH_ERR_INVALID);
    whc_import_abort(import);
}

/* ---- Content store ---------------------------------------------------- */

static void blob_dedup_across_components(void **state)
{
    fixture *f = *state;
    f->catalog = open_catalog(f);
    import_simple(f->catalog, "one", "1", "/usr/share/a", "shared content");

    char hex[65];
    wh_sha256_buffer_hex("shared content", 14, hex);
    char *path = whc_blob_path(f->catalog, hex);
    struct stat first, second;
    assert_int_equal(stat(path, &first), 0);
    assert_int_equal(first.st_mode & 07777, 0444);

    import_simple(f->catalog, "two", "1", "/usr/share/b", "shared content");
    assert_int_equal(stat(path, &second), 0);
    assert_int_equal(second.st_ino, first.st_ino);

    char *blobs = list_blobs(f);
    char expected[256];
    snprintf(expected, sizeof(expected), "blobs/.\nblobs/..\nblobs/sha256\n"
             "blobs/sha256/.\nblobs/sha256/..\nblobs/sha256/%s\n", hex);
    assert_string_equal(blobs, expected);
    free(blobs);

    FILE *file = fopen(path, "r");
    char content[64] = { 0 };
    assert_non_null(file);
    assert_int_equal(fread(content, 1, sizeof(content) - 1, file), 14);
    fclose(file);
    assert_string_equal(content, "shared content");
    free(path);
}

static void blob_abort_removes_temporary(void **state)
{
    fixture *f = *state;
    f->catalog = open_catalog(f);
    char *blobs_before = list_blobs(f);

    wh_error err = { 0 };
    whc_blob_writer *writer = NULL;
    assert_int_equal(whc_blob_begin(f->catalog, NULL, &writer, &err), WH_OK);
    assert_int_equal(whc_blob_write(writer, "partial", 7, &err), WH_OK);
    whc_blob_abort(writer);
    whc_blob_abort(NULL);

    char *blobs_after = list_blobs(f);
    assert_string_equal(blobs_after, blobs_before);
    free(blobs_before);
    free(blobs_after);
}

static void blob_without_import_survives_abort(void **state)
{
    fixture *f = *state;
    f->catalog = open_catalog(f);
    wh_error err = { 0 };
    whc_import *import = NULL;
    char hex[65];

    assert_int_equal(whc_import_begin(f->catalog, &import, &err), WH_OK);
    store_blob(f->catalog, NULL, "untracked", hex);
    whc_import_abort(import);

    char *path = whc_blob_path(f->catalog, hex);
    assert_int_equal(access(path, F_OK), 0);
    free(path);
}

/* ---- Concurrency ------------------------------------------------------ */

static void reader_sees_committed_state(void **state)
{
    fixture *f = *state;
    f->catalog = open_catalog(f);
    whc_catalog *reader = open_catalog(f);
    wh_error err = { 0 };
    whc_import *import = NULL;

    assert_int_equal(whc_import_begin(f->catalog, &import, &err), WH_OK);
    whc_component_info info = component_info("tini", "1", "concurrent");
    assert_int_equal(whc_import_component(import, &info, &err), WH_OK);

    /* In WAL mode the reader neither waits for the open import nor reads its rows. */
    assert_int_equal(component_count(reader), 0);
    assert_int_equal(component_count(f->catalog), 1);

    whc_import *second = NULL;
    assert_int_equal(whc_import_begin(f->catalog, &second, &err), WH_ERR_INVALID);

    assert_int_equal(whc_import_commit(import, &err), WH_OK);
    assert_int_equal(component_count(reader), 1);
    whc_close(reader);
}

/* ---- Reading ---------------------------------------------------------- */

static void import_round_trip(void **state)
{
    fixture *f = *state;
    f->catalog = open_catalog(f);
    wh_error err = { 0 };
    whc_import *import = NULL;
    char hex[65];

    assert_int_equal(whc_import_begin(f->catalog, &import, &err), WH_OK);
    whc_component_info info = component_info("busybox", "1:1.36.1-9", "busybox origin");
    info.kind = WH_KIND_BASE;
    info.license = NULL;
    assert_int_equal(whc_import_component(import, &info, &err), WH_OK);
    store_blob(f->catalog, import, "busybox binary", hex);

    char *needed[] = { "libc.so.6", "libm.so.6" };
    wh_classification binary = {
        .flags = WH_FLAG_DYNAMIC | WH_FLAG_MULTICALL | WH_FLAG_SHELL | WH_FLAG_CAPABILITIES,
        .interpreter = "/lib64/ld-linux-x86-64.so.2",
        .needed = needed,
        .needed_count = 2,
        .runpath = "$ORIGIN/../lib",
        .multicall = "busybox",
    };
    static const unsigned char capability[] = { 0x01, 0x00, 0x00, 0x02, 0x00, 0xff };
    whc_xattr xattrs[] = { { "security.capability", capability, sizeof(capability) } };
    whc_file_record records[] = {
        { .path = "/bin", .type = WH_FILE_DIRECTORY, .mode = S_IFDIR | 0755 },
        { .path = "/bin/busybox", .type = WH_FILE_REGULAR, .mode = S_IFREG | 04755,
          .size = 14, .sha256 = hex, .xattrs = xattrs, .xattr_count = 1,
          .classification = &binary },
        { .path = "/bin/sh", .type = WH_FILE_SYMLINK, .mode = S_IFLNK | 0777,
          .target = "busybox" },
        { .path = "/bin/ls", .type = WH_FILE_HARDLINK, .mode = S_IFREG | 0755, .size = 0,
          .target = "/bin/busybox" },
        { .path = "/dev/null", .type = WH_FILE_DEVICE, .mode = S_IFCHR | 0666,
          .uid = 0, .gid = 5, .rdev = makedev(1, 3) },
    };
    for (size_t i = 0; i < sizeof(records) / sizeof(records[0]); i++) {
        if (whc_import_file(import, &records[i], &err) != WH_OK)
            fail_msg("importing %s failed: %s", records[i].path, err.message);
    }
    whc_relation_record relations[] = {
        { .kind = WHC_REL_DEPENDS, .group = 0, .alternative = 1, .name = "libc6.1" },
        { .kind = WHC_REL_DEPENDS, .group = 0, .alternative = 0, .name = "libc6",
          .op = ">=", .version = "2.34", .arch_qualifier = ":any" },
        { .kind = WHC_REL_PROVIDES, .group = 0, .alternative = 0, .name = "cmd:sh" },
    };
    for (size_t i = 0; i < sizeof(relations) / sizeof(relations[0]); i++)
        assert_int_equal(whc_import_relation(import, &relations[i], &err), WH_OK);
    assert_int_equal(whc_import_commit(import, &err), WH_OK);

    whc_component component;
    assert_int_equal(whc_find_component(f->catalog, "busybox", NULL, &component, &err), WH_OK);
    assert_string_equal(component.version, "1:1.36.1-9");
    assert_string_equal(component.architecture, "amd64");
    assert_int_equal(component.kind, WH_KIND_BASE);
    assert_null(component.license);
    assert_string_equal(component.origin_format, "deb");
    assert_int_equal(component.file_count, 5);
    assert_int_equal(component.total_size, 14); /* the hardlink is not counted again */

    whc_file *files = NULL;
    size_t count = 0;
    assert_int_equal(whc_component_files(f->catalog, component.id, &files, &count, &err), WH_OK);
    assert_int_equal(count, 5);
    assert_string_equal(files[0].path, "/bin");
    assert_string_equal(files[1].path, "/bin/busybox");
    assert_string_equal(files[2].path, "/bin/ls");
    assert_string_equal(files[3].path, "/bin/sh");
    assert_string_equal(files[4].path, "/dev/null");

    const whc_file *busybox = &files[1];
    assert_int_equal(busybox->mode, S_IFREG | 04755);
    assert_string_equal(busybox->sha256, hex);
    assert_int_equal(busybox->classification.flags, binary.flags);
    assert_string_equal(busybox->classification.interpreter, "/lib64/ld-linux-x86-64.so.2");
    assert_int_equal(busybox->classification.needed_count, 2);
    assert_string_equal(busybox->classification.needed[0], "libc.so.6");
    assert_string_equal(busybox->classification.needed[1], "libm.so.6");
    assert_string_equal(busybox->classification.runpath, "$ORIGIN/../lib");
    assert_null(busybox->classification.rpath);
    assert_string_equal(busybox->classification.multicall, "busybox");
    assert_int_equal(busybox->xattr_count, 1);
    assert_string_equal(busybox->xattr_names[0], "security.capability");
    assert_int_equal(busybox->xattr_sizes[0], sizeof(capability));
    assert_memory_equal(busybox->xattr_values[0], capability, sizeof(capability));

    assert_int_equal(files[2].type, WH_FILE_HARDLINK);
    assert_string_equal(files[2].target, "/bin/busybox");
    assert_null(files[2].sha256);
    assert_string_equal(files[3].target, "busybox");
    assert_int_equal(files[4].rdev, makedev(1, 3));
    assert_int_equal(files[4].gid, 5);
    whc_files_free(files, count);

    whc_relation *read = NULL;
    assert_int_equal(whc_component_relations(f->catalog, component.id, &read, &count, &err),
                     WH_OK);
    assert_int_equal(count, 3);
    assert_int_equal(read[0].kind, WHC_REL_DEPENDS);
    assert_string_equal(read[0].name, "libc6");
    assert_string_equal(read[0].op, ">=");
    assert_string_equal(read[0].version, "2.34");
    assert_string_equal(read[0].arch_qualifier, ":any");
    assert_string_equal(read[1].name, "libc6.1");
    assert_null(read[1].op);
    assert_int_equal(read[2].kind, WHC_REL_PROVIDES);
    whc_relations_free(read, count);
    whc_component_clear(&component);
}

static void find_picks_highest_version(void **state)
{
    fixture *f = *state;
    f->catalog = open_catalog(f);
    import_simple(f->catalog, "tool", "1.0", "/bin/tool", "a");
    import_simple(f->catalog, "tool", "1:0.1", "/bin/tool", "b");
    import_simple(f->catalog, "tool", "1.0~rc1", "/bin/tool", "c");
    import_simple(f->catalog, "other", "9", "/bin/other", "d");

    wh_error err = { 0 };
    whc_component component;
    assert_int_equal(whc_find_component(f->catalog, "tool", NULL, &component, &err), WH_OK);
    assert_string_equal(component.version, "1:0.1");
    whc_component_clear(&component);

    assert_int_equal(whc_find_component(f->catalog, "tool", "1.0~rc1", &component, &err), WH_OK);
    assert_string_equal(component.version, "1.0~rc1");
    whc_component_clear(&component);

    assert_int_equal(whc_find_component(f->catalog, "missing", NULL, &component, &err),
                     WH_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "'missing'"));
    assert_non_null(strstr(err.message, f->db_path));
    assert_int_equal(whc_find_component(f->catalog, "tool", "2.0", &component, &err),
                     WH_ERR_NOT_FOUND);
    whc_component_clear(&component);

    whc_component *list = NULL;
    size_t count = 0;
    assert_int_equal(whc_list_components(f->catalog, -1, &list, &count, &err), WH_OK);
    assert_int_equal(count, 4);
    assert_string_equal(list[0].name, "other");
    assert_string_equal(list[1].version, "1.0~rc1");
    assert_string_equal(list[2].version, "1.0");
    assert_string_equal(list[3].version, "1:0.1");
    whc_components_free(list, count);

    assert_int_equal(whc_list_components(f->catalog, WH_KIND_LIBRARY, &list, &count, &err),
                     WH_OK);
    assert_int_equal(count, 0);
    whc_components_free(list, count);
    assert_int_equal(whc_list_components(f->catalog, 99, &list, &count, &err), WH_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(open_creates_catalog, setup, teardown),
        cmocka_unit_test_setup_teardown(open_migrates_foreign_version_0, setup, teardown),
        cmocka_unit_test_setup_teardown(open_rolls_back_clashing_table, setup, teardown),
        cmocka_unit_test_setup_teardown(open_rejects_newer_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(reopen_keeps_components, setup, teardown),
        cmocka_unit_test(default_path_precedence),
        cmocka_unit_test_setup_teardown(import_abort_restores_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(import_duplicate_origin_exists, setup, teardown),
        cmocka_unit_test_setup_teardown(import_same_name_other_origin_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(import_file_checks_content, setup, teardown),
        cmocka_unit_test_setup_teardown(blob_dedup_across_components, setup, teardown),
        cmocka_unit_test_setup_teardown(blob_abort_removes_temporary, setup, teardown),
        cmocka_unit_test_setup_teardown(blob_without_import_survives_abort, setup, teardown),
        cmocka_unit_test_setup_teardown(reader_sees_committed_state, setup, teardown),
        cmocka_unit_test_setup_teardown(import_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(find_picks_highest_version, setup, teardown),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
