/*
 * The import's writer thread: queued blobs land under their digest, an
 * abort leaves the store as it was, a failed rename reaches the caller,
 * and WHITTLE_IMPORT_THREADS=1 writes every blob inline.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../catalog/catalog.h"
#include "../../core/digest.h"
#include "support_binaries.h"

typedef struct fixture {
    char *dir;
    char *db_path;
    whc_catalog *catalog;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->dir = test_support_make_temp_dir();
    assert_non_null(f->dir);
    f->db_path = test_support_path(f->dir, "catalog.db");
    wh_error err = { 0 };
    if (whc_open(f->db_path, &f->catalog, &err) != WH_OK)
        fail_msg("whc_open failed: %s", err.message);
    unsetenv("WHITTLE_IMPORT_THREADS");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    unsetenv("WHITTLE_IMPORT_THREADS");
    whc_close(f->catalog);
    test_support_remove_tree(f->dir);
    free(f->db_path);
    free(f->dir);
    free(f);
    return 0;
}

/* Writes data in pieces of at most piece bytes and finishes the blob. */
static wh_status store(whc_catalog *catalog, whc_import *import, const char *data, size_t piece,
                       char hex[65], wh_error *err)
{
    whc_blob_writer *writer = NULL;
    wh_status result = whc_blob_begin(catalog, import, &writer, err);
    size_t length = strlen(data);
    for (size_t done = 0; result == WH_OK && done < length; done += piece) {
        size_t size = length - done < piece ? length - done : piece;
        result = whc_blob_write(writer, data + done, size, err);
    }
    if (result != WH_OK) {
        whc_blob_abort(writer);
        return result;
    }
    return whc_blob_commit(writer, hex, err);
}

/* Fails unless the blob hex exists, read-only, with exactly data. */
static void assert_blob(const fixture *f, const char *hex, const char *data)
{
    char *path = whc_blob_path(f->catalog, hex);
    assert_non_null(path);
    struct stat st;
    if (stat(path, &st) != 0)
        fail_msg("blob %s is missing", path);
    assert_int_equal(st.st_mode & 0777, 0444);

    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    char content[256] = "";
    size_t got = fread(content, 1, sizeof(content) - 1, file);
    fclose(file);
    assert_int_equal(got, strlen(data));
    assert_memory_equal(content, data, got);

    char expected[65];
    wh_sha256_buffer_hex(data, strlen(data), expected);
    assert_string_equal(hex, expected);
    free(path);
}

static void queued_blobs_land_after_settle(void **state)
{
    fixture *f = *state;
    wh_error err = { 0 };
    whc_import *import = NULL;
    const char *contents[] = { "first blob", "second blob, in three-byte pieces", "first blob" };
    char hexes[3][65];

    assert_int_equal(whc_import_begin(f->catalog, &import, &err), WH_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(store(f->catalog, import, contents[i], 3, hexes[i], &err), WH_OK);
    assert_int_equal(whc_blob_settle(f->catalog, &err), WH_OK);
    for (int i = 0; i < 3; i++)
        assert_blob(f, hexes[i], contents[i]);
    assert_string_equal(hexes[0], hexes[2]);
    whc_import_abort(import);
}

static void abort_leaves_store_unchanged(void **state)
{
    fixture *f = *state;
    wh_error err = { 0 };
    whc_import *import = NULL;
    char hex[65];
    char *before = test_support_list_store(f->dir);
    assert_non_null(before);

    assert_int_equal(whc_import_begin(f->catalog, &import, &err), WH_OK);
    for (int i = 0; i < 50; i++) {
        char data[64];
        snprintf(data, sizeof(data), "blob number %d", i);
        assert_int_equal(store(f->catalog, import, data, 5, hex, &err), WH_OK);
    }
    /* One writer left open, so the abort also meets a half-written file. */
    whc_blob_writer *open_writer = NULL;
    assert_int_equal(whc_blob_begin(f->catalog, import, &open_writer, &err), WH_OK);
    assert_int_equal(whc_blob_write(open_writer, "partial", 7, &err), WH_OK);
    whc_blob_abort(open_writer);
    whc_import_abort(import);

    char *after = test_support_list_store(f->dir);
    assert_non_null(after);
    assert_string_equal(after, before);
    free(before);
    free(after);
}

static void failed_rename_reaches_caller(void **state)
{
    fixture *f = *state;
    wh_error err = { 0 };
    whc_import *import = NULL;
    char hex[65];
    char sha_dir[512];
    snprintf(sha_dir, sizeof(sha_dir), "%s/blobs/sha256", f->dir);

    assert_int_equal(whc_import_begin(f->catalog, &import, &err), WH_OK);
    assert_int_equal(rmdir(sha_dir), 0);
    wh_status result = store(f->catalog, import, "nowhere to go", 64, hex, &err);
    if (result == WH_OK)
        result = whc_blob_settle(f->catalog, &err);
    assert_int_equal(result, WH_ERR_IO);
    assert_non_null(strstr(err.message, "cannot move blob"));

    /* Later calls report the same failure instead of writing more. */
    wh_error later = { 0 };
    assert_int_not_equal(store(f->catalog, import, "after the failure", 64, hex, &later),
                         WH_OK);
    assert_int_not_equal(whc_import_commit(import, &later), WH_OK);

    char blob_dir[512];
    snprintf(blob_dir, sizeof(blob_dir), "%s/blobs", f->dir);
    DIR *dir = opendir(blob_dir);
    assert_non_null(dir);
    for (struct dirent *entry; (entry = readdir(dir)) != NULL;) {
        if (strncmp(entry->d_name, "tmp-", 4) == 0)
            fail_msg("the failed import left %s/%s", blob_dir, entry->d_name);
    }
    closedir(dir);
}

static void one_thread_writes_inline(void **state)
{
    fixture *f = *state;
    wh_error err = { 0 };
    whc_import *import = NULL;
    char hex[65];

    setenv("WHITTLE_IMPORT_THREADS", "1", 1);
    assert_int_equal(whc_import_begin(f->catalog, &import, &err), WH_OK);
    assert_int_equal(store(f->catalog, import, "written inline", 4, hex, &err), WH_OK);
    /* No settle: the blob is in place when whc_blob_commit returns. */
    assert_blob(f, hex, "written inline");
    whc_import_abort(import);
}

static void nested_writers_both_land(void **state)
{
    fixture *f = *state;
    wh_error err = { 0 };
    whc_import *import = NULL;
    whc_blob_writer *outer = NULL, *inner = NULL;
    char outer_hex[65], inner_hex[65];

    assert_int_equal(whc_import_begin(f->catalog, &import, &err), WH_OK);
    assert_int_equal(whc_blob_begin(f->catalog, import, &outer, &err), WH_OK);
    assert_int_equal(whc_blob_write(outer, "outer ", 6, &err), WH_OK);
    assert_int_equal(whc_blob_begin(f->catalog, import, &inner, &err), WH_OK);
    assert_int_equal(whc_blob_write(inner, "inner", 5, &err), WH_OK);
    assert_int_equal(whc_blob_commit(inner, inner_hex, &err), WH_OK);
    assert_int_equal(whc_blob_write(outer, "blob", 4, &err), WH_OK);
    assert_int_equal(whc_blob_commit(outer, outer_hex, &err), WH_OK);

    assert_int_equal(whc_blob_settle(f->catalog, &err), WH_OK);
    assert_blob(f, inner_hex, "inner");
    assert_blob(f, outer_hex, "outer blob");
    assert_int_equal(whc_import_commit(import, &err), WH_OK);
    assert_blob(f, outer_hex, "outer blob");
}

/* Rows that begin while a blob writer is still open leave the flush to the commit. */
static void rows_during_open_writer(void **state)
{
    fixture *f = *state;
    wh_error err = { 0 };
    whc_import *import = NULL;
    whc_blob_writer *open_writer = NULL;
    char hex[65], late_hex[65], origin[65];

    assert_int_equal(whc_import_begin(f->catalog, &import, &err), WH_OK);
    wh_sha256_buffer_hex("rows origin", 11, origin);
    whc_component_info info = { .name = "rows", .version = "1", .architecture = "amd64",
                                .kind = WH_KIND_DATA, .origin_path = "/srv/rows",
                                .origin_sha256 = origin, .origin_format = "directory" };
    assert_int_equal(whc_import_component(import, &info, &err), WH_OK);
    assert_int_equal(store(f->catalog, import, "first file", 4, hex, &err), WH_OK);
    assert_int_equal(whc_blob_begin(f->catalog, import, &open_writer, &err), WH_OK);
    assert_int_equal(whc_blob_write(open_writer, "late file", 9, &err), WH_OK);

    whc_file_record file = { .path = "/first", .type = WH_FILE_REGULAR, .mode = S_IFREG | 0644,
                             .size = 10, .sha256 = hex };
    assert_int_equal(whc_import_file(import, &file, &err), WH_OK);
    assert_int_equal(whc_blob_commit(open_writer, late_hex, &err), WH_OK);
    whc_file_record late = { .path = "/late", .type = WH_FILE_REGULAR, .mode = S_IFREG | 0644,
                             .size = 9, .sha256 = late_hex };
    assert_int_equal(whc_import_file(import, &late, &err), WH_OK);
    if (whc_import_commit(import, &err) != WH_OK)
        fail_msg("whc_import_commit failed: %s", err.message);

    assert_blob(f, hex, "first file");
    assert_blob(f, late_hex, "late file");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(queued_blobs_land_after_settle, setup, teardown),
        cmocka_unit_test_setup_teardown(abort_leaves_store_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_rename_reaches_caller, setup, teardown),
        cmocka_unit_test_setup_teardown(one_thread_writes_inline, setup, teardown),
        cmocka_unit_test_setup_teardown(nested_writers_both_land, setup, teardown),
        cmocka_unit_test_setup_teardown(rows_during_open_writer, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
