/* apk installed database reading on real databases from other projects' test suites. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../catalog/pkgdb.h"
#include "support_pkgdb.h"

#define FIXTURES "../shared/fixtures/"

static wh_status read_fixture(const char *host_path, const char *data, whc_pkgdb *db,
                              wh_error *err)
{
    mapped_file file = { "/lib/apk/db/installed", host_path, data };
    mapped_image image = { &file, 1 };
    whc_pkgdb_reader reader;
    test_pkgdb_reader(&image, &reader);
    return whc_pkgdb_read_apk(&reader, db, err);
}

static void apk_alpine_sixteen_packages(void **state)
{
    (void)state;
    whc_pkgdb db;
    wh_error err = { 0 };
    assert_int_equal(read_fixture(FIXTURES "trivy/apk-installed-alpine", NULL, &db, &err), WH_OK);
    assert_string_equal(db.format, "apk");
    assert_int_equal(db.count, 16);

    const whc_pkg *musl = test_pkgdb_find(&db, "musl");
    assert_non_null(musl);
    assert_string_equal(musl->version, "1.1.14-r10");
    assert_true(musl->path_count > 0);
    const whc_pkg *unversioned = test_pkgdb_find(&db, "invalidPackageWithoutAVersion");
    assert_non_null(unversioned);
    assert_string_equal(unversioned->version, "");
    whc_pkgdb_free(&db);
}

static void apk_corrupt_first_line_kept_valid(void **state)
{
    (void)state;
    whc_pkgdb db;
    assert_int_equal(read_fixture(FIXTURES "syft/apk-installed-corrupt", NULL, &db, NULL), WH_OK);
    assert_int_equal(db.count, 1);
    assert_string_equal(db.packages[0].name, "alpine-baselayout-data");
    assert_int_equal(db.warning_count, 1);
    assert_non_null(strstr(db.warnings[0], "line 1"));
    whc_pkgdb_free(&db);
}

static void apk_files_and_folders(void **state)
{
    (void)state;
    whc_pkgdb db;
    const char *text = "P:demo\nV:1-r0\nA:x86_64\nL:MIT\nT:a demo\n"
                       "D:so:libc.musl-x86_64.so.1 musl>=1.2 !busybox\np:cmd:demo=1-r0\n"
                       "F:usr\nF:usr/bin\nR:demo\na:0:0:755\nZ:Q1abc=\nF:etc\nR:demo.conf\n";
    assert_int_equal(read_fixture(NULL, text, &db, NULL), WH_OK);
    assert_int_equal(db.count, 1);
    const whc_pkg *demo = &db.packages[0];
    assert_string_equal(demo->license, "MIT");
    assert_string_equal(demo->summary, "a demo");
    assert_int_equal(demo->path_count, 5);
    assert_string_equal(demo->paths[0], "/usr");
    assert_string_equal(demo->paths[2], "/usr/bin/demo");
    assert_string_equal(demo->paths[4], "/etc/demo.conf");

    assert_int_equal(demo->relations.count, 4);
    assert_string_equal(demo->relations.records[1].name, "musl");
    assert_string_equal(demo->relations.records[1].op, ">=");
    assert_string_equal(demo->relations.records[1].version, "1.2");
    assert_int_equal(demo->relations.records[2].kind, WHC_REL_CONFLICTS);
    assert_string_equal(demo->relations.records[2].name, "busybox");
    assert_int_equal(demo->relations.records[3].kind, WHC_REL_PROVIDES);
    whc_pkgdb_free(&db);
}

static void apk_empty_folder_is_root_record(void **state)
{
    (void)state;
    whc_pkgdb db;
    assert_int_equal(
        read_fixture(FIXTURES "apko/apk-installed-bad-top-level-perms", NULL, &db, NULL), WH_OK);
    assert_int_equal(db.count, 1);
    for (size_t i = 0; i < db.packages[0].path_count; i++)
        assert_string_not_equal(db.packages[0].paths[i], "/");
    whc_pkgdb_free(&db);
}

static void apk_real_databases_read(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        size_t packages;
    } cases[] = {
        { FIXTURES "apko/apk-installed-root", 14 },
        { FIXTURES "apko/apk-installed-wolfi-base", 15 },
        { FIXTURES "syft/apk-installed-multiple-1", 4 },
        { FIXTURES "syft/apk-installed-multiple-2", 14 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        whc_pkgdb db;
        wh_error err = { 0 };
        if (read_fixture(cases[i].file, NULL, &db, &err) != WH_OK)
            fail_msg("%s: %s", cases[i].file, err.message);
        if (db.count != cases[i].packages)
            fail_msg("%s: %zu packages, expected %zu", cases[i].file, db.count,
                     cases[i].packages);
        whc_pkgdb_free(&db);
    }
}

static void apk_missing_database(void **state)
{
    (void)state;
    mapped_image image = { NULL, 0 };
    whc_pkgdb_reader reader;
    whc_pkgdb db;
    wh_error err = { 0 };
    test_pkgdb_reader(&image, &reader);
    assert_int_equal(whc_pkgdb_read_apk(&reader, &db, &err), WH_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "/lib/apk/db/installed"));
    whc_pkgdb_free(&db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(apk_alpine_sixteen_packages),
        cmocka_unit_test(apk_corrupt_first_line_kept_valid),
        cmocka_unit_test(apk_files_and_folders),
        cmocka_unit_test(apk_empty_folder_is_root_record),
        cmocka_unit_test(apk_real_databases_read),
        cmocka_unit_test(apk_missing_database),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
