/* dpkg database reading on real status files from other projects' test suites. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../catalog/pkgdb.h"
#include "../../core/fs.h"
#include "support_pkgdb.h"

#define FIXTURES "../shared/fixtures/"

static wh_status read_db(const mapped_file *files, size_t count, whc_pkgdb *db, wh_error *err)
{
    mapped_image image = { files, count };
    whc_pkgdb_reader reader;
    test_pkgdb_reader(&image, &reader);
    return whc_pkgdb_read_dpkg(&reader, db, err);
}

/* Writes the status file inside a txtar wrapper (after its "-- path --" line) to a temp file. */
static char *unwrap_txtar(const char *path)
{
    char *data = NULL;
    size_t size = 0;
    assert_int_equal(wh_read_file(path, 1u << 24, &data, &size, NULL), WH_OK);
    const char *marker = strstr(data, "-- var/lib/dpkg/status --\n");
    assert_non_null(marker);
    const char *body = marker + strlen("-- var/lib/dpkg/status --\n");

    char *temp = strdup("/tmp/whittle-test-status.XXXXXX");
    int fd = mkstemp(temp);
    assert_true(fd >= 0);
    FILE *out = fdopen(fd, "w");
    fputs(body, out);
    fclose(out);
    free(data);
    return temp;
}

static void dpkg_real_status_counts_installed(void **state)
{
    (void)state;
    char *status = unwrap_txtar(FIXTURES "trivy/dpkg-valid.txtar");
    mapped_file files[] = { { "/var/lib/dpkg/status", status, NULL } };
    whc_pkgdb db;
    wh_error err = { 0 };

    assert_int_equal(read_db(files, 1, &db, &err), WH_OK);
    assert_string_equal(db.format, "dpkg");
    assert_int_equal(db.count, 90); /* 91 paragraphs, one deinstall ok config-files */
    const whc_pkg *bash = test_pkgdb_find(&db, "bash");
    assert_non_null(bash);
    assert_true(bash->version[0] != '\0');
    assert_true(bash->relations.count > 0);
    whc_pkgdb_free(&db);
    unlink(status);
    free(status);
}

static void dpkg_deinstalled_not_counted(void **state)
{
    (void)state;
    mapped_file files[] = {
        { "/var/lib/dpkg/status", FIXTURES "syft/dpkg-status-deinstall", NULL },
    };
    whc_pkgdb db;
    assert_int_equal(read_db(files, 1, &db, NULL), WH_OK);
    assert_int_equal(db.count, 1);
    whc_pkgdb_free(&db);
}

static void dpkg_empty_package_warns(void **state)
{
    (void)state;
    mapped_file files[] = {
        { "/var/lib/dpkg/status", FIXTURES "syft/dpkg-status-multiple", NULL },
    };
    whc_pkgdb db;
    assert_int_equal(read_db(files, 1, &db, NULL), WH_OK);
    assert_int_equal(db.warning_count, 1);
    assert_non_null(strstr(db.warnings[0], "empty Package"));
    const whc_pkg *no_version = test_pkgdb_find(&db, "no-version");
    assert_non_null(no_version);
    assert_string_equal(no_version->version, "");
    assert_non_null(test_pkgdb_find(&db, "tzdata"));
    assert_non_null(test_pkgdb_find(&db, "util-linux"));
    whc_pkgdb_free(&db);
}

static void dpkg_corrupt_status_fails(void **state)
{
    (void)state;
    mapped_file files[] = {
        { "/var/lib/dpkg/status", FIXTURES "syft/dpkg-status-corrupt", NULL },
    };
    whc_pkgdb db;
    wh_error err = { 0 };
    assert_int_equal(read_db(files, 1, &db, &err), WH_ERR_FORMAT);
    assert_non_null(strstr(err.message, "/var/lib/dpkg/status"));
    assert_non_null(strstr(err.message, "line"));
    whc_pkgdb_free(&db);
}

static void dpkg_long_relations_parsed(void **state)
{
    (void)state;
    mapped_file files[] = {
        { "/var/lib/dpkg/status", FIXTURES "syft/dpkg-status-coreutils-relationships", NULL },
    };
    whc_pkgdb db;
    wh_error err = { 0 };
    assert_int_equal(read_db(files, 1, &db, &err), WH_OK);
    const whc_pkg *coreutils = test_pkgdb_find(&db, "coreutils");
    assert_non_null(coreutils);
    int pre_depends = 0;
    for (size_t i = 0; i < coreutils->relations.count; i++)
        pre_depends += coreutils->relations.records[i].kind == WHC_REL_PRE_DEPENDS;
    assert_true(pre_depends > 0);
    whc_pkgdb_free(&db);
}

static void dpkg_status_d_distroless(void **state)
{
    (void)state;
    mapped_file files[] = {
        { "/var/lib/dpkg/status.d/libsqlite3-0",
          FIXTURES "syft/dpkg-status.d-distroless-libsqlite3-0", NULL },
        { "/var/lib/dpkg/status.d/libsqlite3-0.md5sums", NULL,
          "0123456789abcdef0123456789abcdef  usr/lib/aarch64-linux-gnu/libsqlite3.so.0\n" },
    };
    whc_pkgdb db;
    wh_error err = { 0 };
    assert_int_equal(read_db(files, 2, &db, &err), WH_OK);
    assert_int_equal(db.count, 1);
    assert_string_equal(db.packages[0].name, "libsqlite3-0");
    assert_string_equal(db.packages[0].version, "3.34.1-3");
    assert_string_equal(db.packages[0].architecture, "arm64");
    assert_int_equal(db.packages[0].path_count, 1);
    assert_string_equal(db.packages[0].paths[0], "/usr/lib/aarch64-linux-gnu/libsqlite3.so.0");
    whc_pkgdb_free(&db);
}

static void dpkg_multiarch_list_preferred(void **state)
{
    (void)state;
    mapped_file files[] = {
        { "/var/lib/dpkg/status", NULL,
          "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\n"
          "Multi-Arch: same\nVersion: 2.36-9\n" },
        { "/var/lib/dpkg/info/libc6:amd64.list", NULL, "/.\n/lib\n/lib/ld.so\n" },
        { "/var/lib/dpkg/info/libc6.list", NULL, "/wrong\n" },
    };
    whc_pkgdb db;
    assert_int_equal(read_db(files, 3, &db, NULL), WH_OK);
    assert_int_equal(db.count, 1);
    assert_int_equal(db.packages[0].path_count, 2);
    assert_string_equal(db.packages[0].paths[0], "/lib");
    assert_string_equal(db.packages[0].paths[1], "/lib/ld.so");
    whc_pkgdb_free(&db);
}

static void dpkg_missing_database(void **state)
{
    (void)state;
    whc_pkgdb db;
    wh_error err = { 0 };
    assert_int_equal(read_db(NULL, 0, &db, &err), WH_ERR_NOT_FOUND);
    whc_pkgdb_free(&db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dpkg_real_status_counts_installed),
        cmocka_unit_test(dpkg_deinstalled_not_counted),
        cmocka_unit_test(dpkg_empty_package_warns),
        cmocka_unit_test(dpkg_corrupt_status_fails),
        cmocka_unit_test(dpkg_long_relations_parsed),
        cmocka_unit_test(dpkg_status_d_distroless),
        cmocka_unit_test(dpkg_multiarch_list_preferred),
        cmocka_unit_test(dpkg_missing_database),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
