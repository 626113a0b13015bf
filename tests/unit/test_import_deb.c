/*
 * The Debian package importer on real packages (tini, busybox-static from
 * the Debian mirror through apt-get), checked against dpkg-deb, and on
 * corrupt copies of them, which must fail and leave the catalog unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "../../catalog/control.h"
#include "support_binaries.h"
#include "support_import.h"

static const whc_import_options package_options = { .kind = -1 };

static char *fetch_or_skip(const char *package)
{
    char *path = test_import_fetch_deb(package);
    if (path == NULL) {
        print_message("cannot download %s with apt-get; skipping\n", package);
        skip();
    }
    return path;
}

/* Returns one control field as dpkg-deb -f prints it, without the newline. */
static char *dpkg_field(const char *deb, const char *field)
{
    char command[1024];
    snprintf(command, sizeof(command), "dpkg-deb -f '%s' %s", deb, field);
    char *value = test_import_command_output(command);
    assert_non_null(value);
    value[strcspn(value, "\n")] = '\0';
    return value;
}

/* Returns a number computed by awk over the lines of dpkg-deb -c. */
static long long dpkg_contents(const char *deb, const char *awk_program)
{
    char command[1024];
    snprintf(command, sizeof(command), "dpkg-deb -c '%s' | awk '%s'", deb, awk_program);
    char *output = test_import_command_output(command);
    assert_non_null(output);
    long long value = atoll(output);
    free(output);
    return value;
}

/* Checks the component against dpkg-deb's view of the same package. */
static void check_against_dpkg(const char *db_path, const char *deb, test_component *loaded)
{
    char *package = dpkg_field(deb, "Package");
    char *version = dpkg_field(deb, "Version");
    char *architecture = dpkg_field(deb, "Architecture");
    char *description = dpkg_field(deb, "Description");

    test_import_load(db_path, package, loaded);
    assert_string_equal(loaded->component.name, package);
    assert_string_equal(loaded->component.version, version);
    assert_string_equal(loaded->component.architecture, architecture);
    assert_string_equal(loaded->component.summary, description);
    assert_string_equal(loaded->component.origin_format, "deb");

    /* Every entry but the "./" root, and the bytes of the regular files. */
    long long entries = dpkg_contents(deb, "$6 != \"./\" {n++} END {print n+0}");
    long long bytes = dpkg_contents(deb, "$1 ~ /^-/ {s+=$3} END {print s+0}");
    assert_int_equal(loaded->component.file_count, entries);
    assert_int_equal(loaded->component.total_size, bytes);
    assert_int_equal((long long)loaded->file_count, entries);

    free(package);
    free(version);
    free(architecture);
    free(description);
}

static void deb_tini_matches_dpkg(void **state)
{
    test_catalog *catalog = *state;
    char *deb = fetch_or_skip("tini");
    whc_import_summary summary;
    wh_error err = { 0 };

    if (test_import_run(catalog->db_path, deb, &package_options, &summary, &err) != WH_OK)
        fail_msg("import %s: %s", deb, err.message);
    assert_string_equal(summary.name, "tini");
    assert_string_equal(summary.format, "deb");
    assert_int_equal(summary.kind, WH_KIND_UTILITY);

    test_component tini;
    check_against_dpkg(catalog->db_path, deb, &tini);
    assert_int_equal(summary.file_count, tini.component.file_count);
    assert_int_equal(summary.total_size, tini.component.total_size);
    assert_int_equal(tini.component.kind, WH_KIND_UTILITY);
    assert_string_equal(tini.component.license, "Expat"); /* from its DEP-5 copyright */

    const whc_file *tini_static = test_import_file(&tini, "/usr/bin/tini-static");
    assert_non_null(tini_static);
    assert_int_equal(tini_static->type, WH_FILE_REGULAR);
    assert_int_equal(tini_static->mode, S_IFREG | 0755);
    assert_true(tini_static->classification.flags & WH_FLAG_STATIC);
    assert_non_null(test_import_file(&tini, "/usr/bin"));
    assert_null(test_import_file(&tini, "/"));

    /* Depends: libc6 (>= 2.34), as dpkg-deb prints it. */
    char *depends = dpkg_field(deb, "Depends");
    whc_relation_list expected = { 0 };
    assert_int_equal(whc_relations_parse_debian(depends, WHC_REL_DEPENDS, "Depends", &expected,
                                                &err), WH_OK);
    assert_int_equal(tini.relation_count, expected.count);
    assert_int_equal(tini.relations[0].kind, WHC_REL_DEPENDS);
    assert_string_equal(tini.relations[0].name, "libc6");
    assert_string_equal(tini.relations[0].op, ">=");
    assert_string_equal(tini.relations[0].version, expected.records[0].version);

    whc_relation_list_free(&expected);
    free(depends);
    test_import_unload(&tini);
    whc_import_summary_clear(&summary);
    free(deb);
}

static void deb_busybox_matches_dpkg(void **state)
{
    test_catalog *catalog = *state;
    char *deb = fetch_or_skip("busybox-static");
    wh_error err = { 0 };

    if (test_import_run(catalog->db_path, deb, &package_options, NULL, &err) != WH_OK)
        fail_msg("import %s: %s", deb, err.message);

    test_component busybox;
    check_against_dpkg(catalog->db_path, deb, &busybox);
    assert_null(busybox.component.license); /* its copyright file is free-form text */

    const whc_file *binary = test_import_file(&busybox, "/bin/busybox");
    assert_non_null(binary);
    assert_true(binary->classification.flags & WH_FLAG_MULTICALL);

    int provides = 0, conflicts = 0, replaces = 0;
    for (size_t i = 0; i < busybox.relation_count; i++) {
        const whc_relation *relation = &busybox.relations[i];
        provides += relation->kind == WHC_REL_PROVIDES && strcmp(relation->name, "busybox") == 0;
        conflicts += relation->kind == WHC_REL_CONFLICTS && strcmp(relation->name, "busybox") == 0;
        replaces += relation->kind == WHC_REL_REPLACES && strcmp(relation->name, "busybox") == 0;
    }
    assert_int_equal(provides, 1);
    assert_int_equal(conflicts, 1);
    assert_int_equal(replaces, 1);

    test_import_unload(&busybox);
    free(deb);
}

static void deb_reimport_is_noop(void **state)
{
    test_catalog *catalog = *state;
    char *deb = fetch_or_skip("tini");
    wh_error err = { 0 };

    assert_int_equal(test_import_run(catalog->db_path, deb, &package_options, NULL, &err), WH_OK);
    test_import_expect_failure(catalog->db_path, deb, &package_options, WH_ERR_EXISTS,
                               "is already in the catalog as tini 0.19");

    /* A copy under another name has the same sha256. */
    char *copy = test_support_path(catalog->dir, "renamed.bin");
    size_t size;
    unsigned char *bytes = test_support_read_file(deb, &size);
    assert_non_null(bytes);
    assert_int_equal(test_support_write_file(copy, bytes, size), 0);
    test_import_expect_failure(catalog->db_path, copy, &package_options, WH_ERR_EXISTS,
                               "renamed.bin is already in the catalog as tini");
    free(bytes);
    free(copy);
    free(deb);
}

static void deb_rejects_name_option(void **state)
{
    test_catalog *catalog = *state;
    char *deb = fetch_or_skip("tini");
    whc_import_options options = { .name = "mytini", .kind = -1 };
    test_import_expect_failure(catalog->db_path, deb, &options, WH_ERR_INVALID,
                               "--name and --version apply only to files and directories");
    free(deb);
}

/* Finds the offset and size of the first ar member whose name starts with prefix. */
static int find_member(const unsigned char *bytes, size_t size, const char *prefix,
                       size_t *offset, size_t *member_size)
{
    size_t position = 8;
    while (position + 60 <= size) {
        char field[11];
        memcpy(field, bytes + position + 48, 10);
        field[10] = '\0';
        size_t length = (size_t)strtoull(field, NULL, 10);
        if (strncmp((const char *)bytes + position, prefix, strlen(prefix)) == 0) {
            *offset = position;
            *member_size = length;
            return 1;
        }
        position += 60 + length + (length & 1);
    }
    return 0;
}

typedef struct corrupt_case {
    const char *label;
    size_t length;    /* bytes of the original kept */
    long flip_offset; /* byte to invert, or -1 */
    wh_status status;
    const char *message;
} corrupt_case;

static void deb_corrupt_copies_fail_cleanly(void **state)
{
    test_catalog *catalog = *state;
    char *deb = fetch_or_skip("tini");
    char *busybox = fetch_or_skip("busybox-static");
    wh_error err = { 0 };
    size_t size;
    unsigned char *bytes = test_support_read_file(deb, &size);
    assert_non_null(bytes);

    /* A catalog with something in it, so "unchanged" is a real check. */
    assert_int_equal(test_import_run(catalog->db_path, busybox, &package_options, NULL, &err),
                     WH_OK);

    size_t control_at, control_size, data_at, data_size;
    assert_true(find_member(bytes, size, "control.tar", &control_at, &control_size));
    assert_true(find_member(bytes, size, "data.tar", &data_at, &data_size));

    const corrupt_case cases[] = {
        { "magic-only", 8, -1, WH_ERR_FORMAT, "truncated or corrupt ar archive" },
        { "in-debian-binary", 8 + 60 + 2, -1, WH_ERR_FORMAT, "truncated or corrupt" },
        { "in-control", control_at + 60 + control_size / 2, -1, WH_ERR_FORMAT,
          "truncated or corrupt control.tar" },
        { "no-data", data_at, -1, WH_ERR_FORMAT, "it has no data.tar member" },
        { "in-data-header", data_at + 30, -1, WH_ERR_FORMAT, "truncated or corrupt" },
        { "in-data", data_at + 60 + data_size / 2, -1, WH_ERR_FORMAT,
          "truncated or corrupt data.tar" },
        { "last-byte", size - 1, -1, WH_ERR_FORMAT, "truncated or corrupt data.tar" },
        { "flip-data-middle", size, (long)(data_at + 60 + data_size / 2), WH_ERR_FORMAT,
          "truncated or corrupt data.tar" },
        { "flip-data-trailer", size, (long)(data_at + 60 + data_size - 6), WH_ERR_FORMAT,
          "truncated or corrupt data.tar" },
        { "flip-debian-binary", size, 8 + 60, WH_ERR_FORMAT, "unsupported Debian package" },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char name[128];
        snprintf(name, sizeof(name), "tini-%s.deb", cases[i].label);
        char *path = test_support_path(catalog->dir, name);
        unsigned char *copy = malloc(size);
        assert_non_null(copy);
        memcpy(copy, bytes, size);
        if (cases[i].flip_offset >= 0)
            copy[cases[i].flip_offset] ^= 0xff;
        assert_int_equal(test_support_write_file(path, copy, cases[i].length), 0);

        print_message("case %s\n", cases[i].label);
        test_import_expect_failure(catalog->db_path, path, &package_options, cases[i].status,
                                   cases[i].message);
        test_import_expect_failure(catalog->db_path, path, &package_options, cases[i].status,
                                   name);
        free(copy);
        free(path);
    }

    free(bytes);
    free(busybox);
    free(deb);
}

static void deb_not_an_archive(void **state)
{
    test_catalog *catalog = *state;
    char *text = test_support_path(catalog->dir, "notes.deb");
    char *empty = test_support_path(catalog->dir, "empty.deb");
    assert_int_equal(test_support_write_file(text, "just text\n", 10), 0);
    assert_int_equal(test_support_write_file(empty, "", 0), 0);

    test_import_expect_failure(catalog->db_path, text, &package_options, WH_ERR_INVALID,
                               "not a Debian or Alpine package");
    test_import_expect_failure(catalog->db_path, empty, &package_options, WH_ERR_INVALID,
                               "give the component a name with --name");
    free(text);
    free(empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(deb_tini_matches_dpkg, test_import_setup,
                                        test_import_teardown),
        cmocka_unit_test_setup_teardown(deb_busybox_matches_dpkg, test_import_setup,
                                        test_import_teardown),
        cmocka_unit_test_setup_teardown(deb_reimport_is_noop, test_import_setup,
                                        test_import_teardown),
        cmocka_unit_test_setup_teardown(deb_rejects_name_option, test_import_setup,
                                        test_import_teardown),
        cmocka_unit_test_setup_teardown(deb_corrupt_copies_fail_cleanly, test_import_setup,
                                        test_import_teardown),
        cmocka_unit_test_setup_teardown(deb_not_an_archive, test_import_setup,
                                        test_import_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
