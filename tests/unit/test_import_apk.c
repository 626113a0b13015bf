/*
 * The Alpine package importer on the real apko test packages and on
 * packages written by the test with libarchive: .PKGINFO parsing, the
 * dependency syntax, unsafe entry names and truncated copies.
 */
#include <archive.h>
#include <archive_entry.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "support_binaries.h"
#include "support_import.h"

#define BASELAYOUT "../shared/fixtures/apko/alpine-baselayout-3.2.0-r23.apk"
#define HELLO "../shared/fixtures/apko/hello-0.1.0-r0.apk"

static const whc_import_options package_options = { .kind = -1 };

static void import_ok(const char *db_path, const char *path)
{
    wh_error err = { 0 };
    if (test_import_run(db_path, path, &package_options, NULL, &err) != WH_OK)
        fail_msg("import %s: %s", path, err.message);
}

/* Returns a number computed by awk over `tar -tvzf` of the package, metadata excluded. */
static long long tar_contents(const char *apk, const char *awk_program)
{
    char command[1024];
    snprintf(command, sizeof(command),
             "tar -tvzf '%s' 2>/dev/null | awk '$6 !~ /^\\./ %s'", apk, awk_program);
    char *output = test_import_command_output(command);
    assert_non_null(output);
    long long value = atoll(output);
    free(output);
    return value;
}

static const whc_relation *find_relation(const test_component *loaded, whc_relation_kind kind,
                                         const char *name)
{
    for (size_t i = 0; i < loaded->relation_count; i++) {
        if (loaded->relations[i].kind == kind && strcmp(loaded->relations[i].name, name) == 0)
            return &loaded->relations[i];
    }
    return NULL;
}

static void apk_baselayout_fixture(void **state)
{
    test_catalog *catalog = *state;
    import_ok(catalog->db_path, BASELAYOUT);

    test_component base;
    test_import_load(catalog->db_path, "alpine-baselayout", &base);
    assert_string_equal(base.component.version, "3.2.0-r23");
    assert_string_equal(base.component.architecture, "aarch64");
    assert_string_equal(base.component.license, "GPL-2.0-only");
    assert_string_equal(base.component.summary, "Alpine base dir structure and init scripts");
    assert_string_equal(base.component.origin_format, "apk");
    assert_int_equal(base.component.kind, WH_KIND_UTILITY);

    assert_int_equal(base.component.file_count, tar_contents(BASELAYOUT, "{n++} END {print n+0}"));
    assert_int_equal(base.component.total_size,
                     tar_contents(BASELAYOUT, "&& $1 ~ /^-/ {s+=$3} END {print s+0}"));

    /* Signature, .PKGINFO and install scripts are metadata, not files. */
    for (size_t i = 0; i < base.file_count; i++)
        assert_false(base.files[i].path[1] == '.');

    const whc_file *run = test_import_file(&base, "/var/run");
    assert_non_null(run);
    assert_int_equal(run->type, WH_FILE_SYMLINK);
    assert_string_equal(run->target, "/run");
    const whc_file *crontab = test_import_file(&base, "/etc/crontabs/root");
    assert_non_null(crontab);
    assert_int_equal(crontab->mode, S_IFREG | 0600);
    const whc_file *tmp = test_import_file(&base, "/tmp");
    assert_non_null(tmp);
    assert_int_equal(tmp->mode, S_IFDIR | 01777);

    const whc_relation *data = find_relation(&base, WHC_REL_DEPENDS, "alpine-baselayout-data");
    assert_non_null(data);
    assert_string_equal(data->op, "=");
    assert_string_equal(data->version, "3.2.0-r23");
    assert_non_null(find_relation(&base, WHC_REL_DEPENDS, "/bin/sh"));
    const whc_relation *musl = find_relation(&base, WHC_REL_DEPENDS, "so:libc.musl-aarch64.so.1");
    assert_non_null(musl);
    assert_null(musl->op);
    const whc_relation *command = find_relation(&base, WHC_REL_PROVIDES, "cmd:mkmntdirs");
    assert_non_null(command);
    assert_string_equal(command->version, "3.2.0-r23");
    assert_int_equal(base.relation_count, 4);

    test_import_unload(&base);
}

static void apk_hello_fixture(void **state)
{
    test_catalog *catalog = *state;
    whc_import_summary summary;
    wh_error err = { 0 };
    assert_int_equal(test_import_run(catalog->db_path, HELLO, &package_options, &summary, &err),
                     WH_OK);
    assert_string_equal(summary.format, "apk");
    assert_int_equal(summary.file_count, 1);
    assert_int_equal(summary.total_size, 21);
    whc_import_summary_clear(&summary);

    test_component hello;
    test_import_load(catalog->db_path, "hello", &hello);
    assert_string_equal(hello.component.version, "0.1.0-r0");
    assert_string_equal(hello.component.architecture, "x86_64");
    assert_string_equal(hello.component.license, "Apache-2.0");
    assert_int_equal(hello.file_count, 1);
    assert_string_equal(hello.files[0].path, "/hello");
    assert_int_equal(hello.files[0].mode, S_IFREG | 0755);
    assert_non_null(find_relation(&hello, WHC_REL_DEPENDS, "busybox"));
    test_import_unload(&hello);

    test_import_expect_failure(catalog->db_path, HELLO, &package_options, WH_ERR_EXISTS,
                               "is already in the catalog as hello 0.1.0-r0");
}

static void apk_truncated_copies_fail(void **state)
{
    test_catalog *catalog = *state;
    import_ok(catalog->db_path, HELLO);

    size_t size;
    unsigned char *bytes = test_support_read_file(BASELAYOUT, &size);
    assert_non_null(bytes);
    const size_t lengths[] = { 100, 700, size / 2, size - 30, size - 1 };
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        char name[64];
        snprintf(name, sizeof(name), "baselayout-%zu.apk", lengths[i]);
        char *path = test_support_path(catalog->dir, name);
        assert_int_equal(test_support_write_file(path, bytes, lengths[i]), 0);
        print_message("length %zu\n", lengths[i]);
        test_import_expect_failure(catalog->db_path, path, &package_options, WH_ERR_FORMAT,
                                   "truncated or corrupt package contents");
        free(path);
    }
    free(bytes);
}

/* One entry of a package written by the test. */
typedef struct apk_entry {
    const char *name;
    const char *content;  /* NULL for a directory or hardlink */
    const char *hardlink; /* earlier name this entry links to, or NULL */
} apk_entry;

/* Writes a gzip-compressed tar with the given entries, .PKGINFO first. */
static char *write_apk(const char *dir, const char *file_name, const char *pkginfo,
                       const apk_entry *entries, size_t count)
{
    char *path = test_support_path(dir, file_name);
    struct archive *archive = archive_write_new();
    assert_non_null(archive);
    archive_write_add_filter_gzip(archive);
    archive_write_set_format_pax_restricted(archive);
    assert_int_equal(archive_write_open_filename(archive, path), ARCHIVE_OK);

    for (size_t i = 0; i <= count; i++) {
        const char *name = i == 0 ? ".PKGINFO" : entries[i - 1].name;
        const char *content = i == 0 ? pkginfo : entries[i - 1].content;
        const char *hardlink = i == 0 ? NULL : entries[i - 1].hardlink;
        struct archive_entry *entry = archive_entry_new();
        archive_entry_set_pathname(entry, name);
        archive_entry_set_filetype(entry, content || hardlink ? AE_IFREG : AE_IFDIR);
        archive_entry_set_perm(entry, content ? 0644 : 0755);
        archive_entry_set_size(entry, content ? (la_int64_t)strlen(content) : 0);
        if (hardlink)
            archive_entry_set_hardlink(entry, hardlink);
        assert_int_equal(archive_write_header(archive, entry), ARCHIVE_OK);
        if (content)
            archive_write_data(archive, content, strlen(content));
        archive_entry_free(entry);
    }
    assert_int_equal(archive_write_close(archive), ARCHIVE_OK);
    archive_write_free(archive);
    return path;
}

static void apk_dependency_syntax(void **state)
{
    test_catalog *catalog = *state;
    const apk_entry files[] = { { "usr/", NULL, NULL }, { "usr/share/", NULL, NULL },
                                { "usr/share/note.txt", "hello\n", NULL } };
    char *path = write_apk(catalog->dir, "deps.apk",
                           "# comment\n"
                           "pkgname = deps\n"
                           "pkgver = 1.0-r0\n"
                           "depend = so:libc.musl-x86_64.so.1\n"
                           "depend = cmd:sh\n"
                           "depend = zlib>=1.2.13\n"
                           "depend = !old-deps\n"
                           "depend = fuzzy~1.4\n"
                           "provides = deps-virtual=1.0-r0 cmd:deps\n"
                           "replaces = older\n"
                           "install_if = deps-base busybox\n",
                           files, 3);
    import_ok(catalog->db_path, path);

    test_component deps;
    test_import_load(catalog->db_path, "deps", &deps);
    assert_int_equal(deps.component.kind, WH_KIND_DATA);
    assert_string_equal(deps.component.architecture, "");
    assert_null(deps.component.license);
    assert_int_equal(deps.file_count, 3);

    const whc_relation *zlib = find_relation(&deps, WHC_REL_DEPENDS, "zlib");
    assert_non_null(zlib);
    assert_string_equal(zlib->op, ">=");
    assert_string_equal(zlib->version, "1.2.13");
    assert_non_null(find_relation(&deps, WHC_REL_DEPENDS, "cmd:sh"));
    assert_non_null(find_relation(&deps, WHC_REL_CONFLICTS, "old-deps"));
    assert_null(find_relation(&deps, WHC_REL_DEPENDS, "old-deps"));
    const whc_relation *fuzzy = find_relation(&deps, WHC_REL_DEPENDS, "fuzzy");
    assert_non_null(fuzzy);
    assert_string_equal(fuzzy->op, "~");
    assert_non_null(find_relation(&deps, WHC_REL_PROVIDES, "deps-virtual"));
    assert_non_null(find_relation(&deps, WHC_REL_PROVIDES, "cmd:deps"));
    assert_non_null(find_relation(&deps, WHC_REL_REPLACES, "older"));
    /* install_if is checked but has no relation kind in the catalog. */
    assert_null(find_relation(&deps, WHC_REL_DEPENDS, "deps-base"));
    assert_int_equal(deps.relation_count, 8);
    test_import_unload(&deps);
    free(path);
}

typedef struct bad_package {
    const char *label;
    const char *pkginfo;
    const char *entry_name;
    wh_status status;
    const char *message;
} bad_package;

static void apk_malformed_packages_rejected(void **state)
{
    test_catalog *catalog = *state;
    char long_name[5000];
    memset(long_name, 'x', sizeof(long_name) - 1);
    memcpy(long_name, "usr/", 4);
    long_name[sizeof(long_name) - 1] = '\0';

    const char *good = "pkgname = bad\npkgver = 1-r0\n";
    const bad_package cases[] = {
        { "no-equals", "pkgname = bad\npkgver 1\n", "a.txt", WH_ERR_FORMAT,
          ".PKGINFO line 2: expected 'key = value'" },
        { "no-name", "pkgver = 1-r0\n", "a.txt", WH_ERR_FORMAT, ".PKGINFO has no pkgname" },
        { "no-version", "pkgname = bad\n", "a.txt", WH_ERR_FORMAT, ".PKGINFO has no pkgver" },
        { "duplicate", "pkgname = bad\npkgname = again\npkgver = 1\n", "a.txt", WH_ERR_FORMAT,
          "line 2: duplicate 'pkgname'" },
        { "bad-operator", "pkgname = bad\npkgver = 1\ndepend = zlib>>1\n", "a.txt",
          WH_ERR_FORMAT, "line 3: invalid version in 'zlib>>1'" },
        { "bad-conflict", "pkgname = bad\npkgver = 1\nprovides = !x\n", "a.txt", WH_ERR_FORMAT,
          "'!' is only valid in depend" },
        { "dot-dot", good, "usr/../../etc/passwd", WH_ERR_FORMAT, "has a '..' component" },
        { "long-path", good, long_name, WH_ERR_LIMIT, "the limit is 4095" },
    };

    import_ok(catalog->db_path, HELLO);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char file_name[64];
        snprintf(file_name, sizeof(file_name), "%s.apk", cases[i].label);
        const apk_entry files[] = { { cases[i].entry_name, "content\n", NULL } };
        char *path = write_apk(catalog->dir, file_name, cases[i].pkginfo, files, 1);
        print_message("case %s\n", cases[i].label);
        test_import_expect_failure(catalog->db_path, path, &package_options, cases[i].status,
                                   cases[i].message);
        test_import_expect_failure(catalog->db_path, path, &package_options, cases[i].status,
                                   file_name);
        free(path);
    }
}

static void apk_hardlinks_resolved(void **state)
{
    test_catalog *catalog = *state;
    const apk_entry files[] = {
        { "bin/", NULL, NULL },
        { "bin/tool", "#!/bin/sh\n", NULL },
        { "bin/alias", NULL, "bin/tool" },
        { "bin/alias2", NULL, "./bin/alias" }, /* a link to a link */
    };
    char *path = write_apk(catalog->dir, "links.apk", "pkgname = links\npkgver = 1\n", files, 4);
    import_ok(catalog->db_path, path);

    /* The first name in path order becomes the regular file; the others link to it. */
    test_component links;
    test_import_load(catalog->db_path, "links", &links);
    const whc_file *alias = test_import_file(&links, "/bin/alias");
    assert_non_null(alias);
    assert_int_equal(alias->type, WH_FILE_REGULAR);
    assert_int_equal(alias->size, 10);
    const whc_file *alias2 = test_import_file(&links, "/bin/alias2");
    assert_non_null(alias2);
    assert_int_equal(alias2->type, WH_FILE_HARDLINK);
    assert_string_equal(alias2->target, "/bin/alias");
    const whc_file *tool = test_import_file(&links, "/bin/tool");
    assert_non_null(tool);
    assert_int_equal(tool->type, WH_FILE_HARDLINK);
    assert_string_equal(tool->target, "/bin/alias");
    assert_int_equal(links.component.total_size, 10);
    test_import_unload(&links);

    const apk_entry dangling[] = { { "bin/", NULL, NULL }, { "bin/alias", NULL, "bin/missing" } };
    char *bad = write_apk(catalog->dir, "dangling.apk", "pkgname = bad\npkgver = 1\n",
                          dangling, 2);
    test_import_expect_failure(catalog->db_path, bad, &package_options, WH_ERR_FORMAT,
                               "the hardlink /bin/alias points to 'bin/missing'");
    free(bad);
    free(path);
}

/* A pax sparse file keeps its logical size, and its content matches GNU tar's extraction. */
static void apk_sparse_file_size(void **state)
{
    test_catalog *catalog = *state;
    char *path = test_support_path(catalog->dir, "sparse.apk");
    const char *pkginfo = "pkgname = sparse\npkgver = 1\n";
    const la_int64_t logical_size = 1 << 20;

    struct archive *archive = archive_write_new();
    assert_non_null(archive);
    archive_write_add_filter_gzip(archive);
    archive_write_set_format_pax(archive);
    assert_int_equal(archive_write_open_filename(archive, path), ARCHIVE_OK);
    struct archive_entry *entry = archive_entry_new();
    archive_entry_set_pathname(entry, ".PKGINFO");
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_size(entry, (la_int64_t)strlen(pkginfo));
    assert_int_equal(archive_write_header(archive, entry), ARCHIVE_OK);
    archive_write_data(archive, pkginfo, strlen(pkginfo));
    archive_entry_clear(entry);
    archive_entry_set_pathname(entry, "data/sparse.img");
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_size(entry, logical_size);
    archive_entry_sparse_add_entry(entry, 0, 4);
    archive_entry_sparse_add_entry(entry, logical_size - 4, 4);
    assert_int_equal(archive_write_header(archive, entry), ARCHIVE_OK);
    archive_write_data(archive, "headtail", 8);
    archive_entry_free(entry);
    assert_int_equal(archive_write_close(archive), ARCHIVE_OK);
    archive_write_free(archive);

    import_ok(catalog->db_path, path);
    test_component sparse;
    test_import_load(catalog->db_path, "sparse", &sparse);
    const whc_file *image = test_import_file(&sparse, "/data/sparse.img");
    assert_non_null(image);
    assert_int_equal(image->size, logical_size);

    char command[1024];
    snprintf(command, sizeof(command),
             "tar -xzOf '%s' data/sparse.img 2>/dev/null | sha256sum | cut -c1-64", path);
    char *expected = test_import_command_output(command);
    assert_non_null(expected);
    expected[strcspn(expected, "\n")] = '\0';
    assert_string_equal(image->sha256, expected);

    free(expected);
    test_import_unload(&sparse);
    free(path);
}

static void apk_gzip_non_package_is_file(void **state)
{
    test_catalog *catalog = *state;
    char *path = test_support_path(catalog->dir, "notes.gz");
    char command[512];
    snprintf(command, sizeof(command), "echo hello | gzip -n > '%s'", path);
    assert_int_equal(system(command), 0);

    whc_import_options options = { .name = "notes", .version = "1", .kind = -1 };
    wh_error err = { 0 };
    whc_import_summary summary;
    assert_int_equal(test_import_run(catalog->db_path, path, &options, &summary, &err), WH_OK);
    assert_string_equal(summary.format, "file");
    whc_import_summary_clear(&summary);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(apk_baselayout_fixture, test_import_setup,
                                        test_import_teardown),
        cmocka_unit_test_setup_teardown(apk_hello_fixture, test_import_setup,
                                        test_import_teardown),
        cmocka_unit_test_setup_teardown(apk_truncated_copies_fail, test_import_setup,
                                        test_import_teardown),
        cmocka_unit_test_setup_teardown(apk_dependency_syntax, test_import_setup,
                                        test_import_teardown),
        cmocka_unit_test_setup_teardown(apk_malformed_packages_rejected, test_import_setup,
                                        test_import_teardown),
        cmocka_unit_test_setup_teardown(apk_hardlinks_resolved, test_import_setup,
                                        test_import_teardown),
        cmocka_unit_test_setup_teardown(apk_sparse_file_size, test_import_setup,
                                        test_import_teardown),
        cmocka_unit_test_setup_teardown(apk_gzip_non_package_is_file, test_import_setup,
                                        test_import_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
