/*
 * Importing directories and single files: symlinks recorded and never
 * followed, hardlinks, special files, file capabilities, the manifest
 * digest that makes re-importing a tree a no-op, and the image path rules
 * for single files.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "support_binaries.h"
#include "support_import.h"

/* A VFS_CAP_REVISION_2 value granting cap_net_bind_service (bit 10), effective. */
static const unsigned char net_bind_capability[20] = {
    0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static void write_text(const char *dir, const char *name, const char *text, mode_t mode)
{
    char *path = test_support_path(dir, name);
    assert_int_equal(test_support_write_file(path, text, strlen(text)), 0);
    assert_int_equal(chmod(path, mode), 0);
    free(path);
}

static void make_dir(const char *dir, const char *name, mode_t mode)
{
    char *path = test_support_path(dir, name);
    assert_int_equal(mkdir(path, mode), 0);
    assert_int_equal(chmod(path, mode), 0);
    free(path);
}

/*
 * Builds the tree at root with files of every kind. Returns 1 when the capability
 * xattr could be set (it needs CAP_SETFCAP), 0 otherwise.
 */
static int build_tree(const char *root)
{
    assert_int_equal(mkdir(root, 0755), 0);
    make_dir(root, "usr", 0755);
    make_dir(root, "usr/bin", 0755);
    make_dir(root, "etc", 0755);
    make_dir(root, "b", 0755);
    make_dir(root, "private", 0700);
    write_text(root, "usr/bin/app", "#!/bin/sh\necho hello\n", 0755);
    write_text(root, "etc/app.conf", "port=80\n", 0644);
    write_text(root, "b/link", "shared content\n", 0644);

    /* Walk order visits /b/link first, path order puts /b-file first. */
    char *first = test_support_path(root, "b/link");
    char *second = test_support_path(root, "b-file");
    assert_int_equal(link(first, second), 0);
    free(first);
    free(second);

    char *escape = test_support_path(root, "etc/escape");
    char *absolute = test_support_path(root, "etc/shadow-link");
    char *outside_dir = test_support_path(root, "outside");
    char *fifo = test_support_path(root, "private/fifo");
    assert_int_equal(symlink("../../../../../etc/passwd", escape), 0);
    assert_int_equal(symlink("/etc/shadow", absolute), 0);
    assert_int_equal(symlink("/", outside_dir), 0);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    free(escape);
    free(absolute);
    free(outside_dir);
    free(fifo);

    write_text(root, "usr/bin/ping", "not really ping\n", 0755);
    char *ping = test_support_path(root, "usr/bin/ping");
    int has_capability = setxattr(ping, "security.capability", net_bind_capability,
                                  sizeof(net_bind_capability), 0) == 0;
    free(ping);
    return has_capability;
}

static const whc_file *expect_file(const test_component *loaded, const char *path,
                                   wh_file_type type)
{
    const whc_file *file = test_import_file(loaded, path);
    if (file == NULL)
        fail_msg("%s is missing", path);
    if (file->type != type)
        fail_msg("%s has type %s, expected %s", path, wh_file_type_name(file->type),
                 wh_file_type_name(type));
    return file;
}

static void tree_records_every_type(void **state)
{
    test_catalog *catalog = *state;
    char *root = test_support_path(catalog->dir, "root");
    int has_capability = build_tree(root);
    whc_import_options options = { .name = "tree", .version = "1", .kind = -1 };
    whc_import_summary summary;
    wh_error err = { 0 };

    if (test_import_run(catalog->db_path, root, &options, &summary, &err) != WH_OK)
        fail_msg("import: %s", err.message);
    assert_string_equal(summary.format, "directory");
    assert_int_equal(summary.kind, WH_KIND_UTILITY);
    whc_import_summary_clear(&summary);

    test_component tree;
    test_import_load(catalog->db_path, "tree", &tree);
    assert_int_equal(tree.file_count, 14);
    assert_string_equal(tree.component.origin_format, "directory");

    const whc_file *app = expect_file(&tree, "/usr/bin/app", WH_FILE_REGULAR);
    assert_int_equal(app->mode, S_IFREG | 0755);
    assert_int_equal(app->size, 21);
    assert_true(app->classification.flags & WH_FLAG_SCRIPT);
    expect_file(&tree, "/usr/bin", WH_FILE_DIRECTORY);
    assert_int_equal(expect_file(&tree, "/private", WH_FILE_DIRECTORY)->mode, S_IFDIR | 0700);
    assert_int_equal(expect_file(&tree, "/private/fifo", WH_FILE_FIFO)->mode, S_IFIFO | 0600);

    /* Symlinks keep their targets and nothing behind them is read. */
    assert_string_equal(expect_file(&tree, "/etc/escape", WH_FILE_SYMLINK)->target,
                        "../../../../../etc/passwd");
    assert_string_equal(expect_file(&tree, "/etc/shadow-link", WH_FILE_SYMLINK)->target,
                        "/etc/shadow");
    assert_string_equal(expect_file(&tree, "/outside", WH_FILE_SYMLINK)->target, "/");
    for (size_t i = 0; i < tree.file_count; i++)
        assert_false(strncmp(tree.files[i].path, "/outside/", 9) == 0);

    /* The first name in path order is the regular file with the content. */
    const whc_file *b_file = expect_file(&tree, "/b-file", WH_FILE_REGULAR);
    assert_int_equal(b_file->size, 15);
    const whc_file *b_link = expect_file(&tree, "/b/link", WH_FILE_HARDLINK);
    assert_string_equal(b_link->target, "/b-file");
    assert_int_equal(tree.component.total_size, 21 + 8 + 15 + 16);

    const whc_file *ping = expect_file(&tree, "/usr/bin/ping", WH_FILE_REGULAR);
    if (has_capability) {
        assert_int_equal(ping->xattr_count, 1);
        assert_string_equal(ping->xattr_names[0], "security.capability");
        assert_int_equal(ping->xattr_sizes[0], sizeof(net_bind_capability));
        assert_memory_equal(ping->xattr_values[0], net_bind_capability,
                            sizeof(net_bind_capability));
        assert_true(ping->classification.flags & WH_FLAG_CAPABILITIES);
    } else {
        print_message("cannot set security.capability here; capability checks skipped\n");
    }

    test_import_unload(&tree);
    free(root);
}

static void tree_reimport_is_noop(void **state)
{
    test_catalog *catalog = *state;
    char *root = test_support_path(catalog->dir, "root");
    build_tree(root);
    whc_import_options options = { .name = "tree", .version = "1", .kind = -1 };
    wh_error err = { 0 };

    assert_int_equal(test_import_run(catalog->db_path, root, &options, NULL, &err), WH_OK);
    test_import_expect_failure(catalog->db_path, root, &options, WH_ERR_EXISTS,
                               "is already in the catalog as tree 1");
    whc_import_options renamed = { .name = "other", .version = "9", .kind = -1 };
    test_import_expect_failure(catalog->db_path, root, &renamed, WH_ERR_EXISTS,
                               "is already in the catalog as tree 1");

    /* Changing one byte gives a new manifest digest. */
    write_text(root, "etc/app.conf", "port=81\n", 0644);
    whc_import_options second = { .name = "tree", .version = "2", .kind = -1 };
    assert_int_equal(test_import_run(catalog->db_path, root, &second, NULL, &err), WH_OK);
    free(root);
}

static void tree_requires_name_and_version(void **state)
{
    test_catalog *catalog = *state;
    char *root = test_support_path(catalog->dir, "root");
    build_tree(root);

    whc_import_options no_name = { .version = "1", .kind = -1 };
    test_import_expect_failure(catalog->db_path, root, &no_name, WH_ERR_INVALID,
                               "is a directory: give the component a name with --name");
    whc_import_options no_version = { .name = "tree", .kind = -1 };
    test_import_expect_failure(catalog->db_path, root, &no_version, WH_ERR_INVALID,
                               "a version with --version");
    whc_import_options with_dest = { .name = "tree", .version = "1", .dest = "/x", .kind = -1 };
    test_import_expect_failure(catalog->db_path, root, &with_dest, WH_ERR_INVALID,
                               "--dest applies only to a single file");
    free(root);
}

static void tree_rejects_socket(void **state)
{
    test_catalog *catalog = *state;
    char *root = test_support_path(catalog->dir, "root");
    build_tree(root);

    struct sockaddr_un address = { .sun_family = AF_UNIX };
    snprintf(address.sun_path, sizeof(address.sun_path), "%s/private/socket", root);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&address, sizeof(address)), 0);

    whc_import_options options = { .name = "tree", .version = "1", .kind = -1 };
    test_import_expect_failure(catalog->db_path, root, &options, WH_ERR_INVALID,
                               "private/socket is a socket");
    close(fd);
    free(root);
}

static void single_file_default_paths(void **state)
{
    test_catalog *catalog = *state;
    write_text(catalog->dir, "server", "#!/bin/sh\nexec true\n", 0775);
    write_text(catalog->dir, "settings.json", "{}\n", 0664);
    char *server = test_support_path(catalog->dir, "server");
    char *settings = test_support_path(catalog->dir, "settings.json");
    wh_error err = { 0 };

    whc_import_options app = { .name = "server", .version = "1.0", .kind = -1 };
    assert_int_equal(test_import_run(catalog->db_path, server, &app, NULL, &err), WH_OK);
    test_component loaded;
    test_import_load(catalog->db_path, "server", &loaded);
    assert_int_equal(loaded.file_count, 1);
    assert_string_equal(loaded.files[0].path, "/usr/bin/server");
    assert_int_equal(loaded.files[0].mode, S_IFREG | 0755);
    assert_int_equal(loaded.files[0].uid, 0);
    assert_int_equal(loaded.component.kind, WH_KIND_UTILITY);
    assert_string_equal(loaded.component.origin_format, "file");
    test_import_unload(&loaded);

    whc_import_options data = { .name = "config", .version = "2", .kind = -1 };
    assert_int_equal(test_import_run(catalog->db_path, settings, &data, NULL, &err), WH_OK);
    test_import_load(catalog->db_path, "config", &loaded);
    assert_string_equal(loaded.files[0].path, "/usr/share/config/settings.json");
    assert_int_equal(loaded.files[0].mode, S_IFREG | 0644);
    assert_int_equal(loaded.component.kind, WH_KIND_DATA);
    test_import_unload(&loaded);

    test_import_expect_failure(catalog->db_path, settings, &data, WH_ERR_EXISTS,
                               "settings.json is already in the catalog as config 2");
    free(server);
    free(settings);
}

static void single_file_dest_option(void **state)
{
    test_catalog *catalog = *state;
    write_text(catalog->dir, "tool", "\x7f" "ELF not really\n", 0755);
    char *tool = test_support_path(catalog->dir, "tool");
    wh_error err = { 0 };

    whc_import_options relative = { .name = "tool", .version = "1", .dest = "opt/tool",
                                    .kind = -1 };
    test_import_expect_failure(catalog->db_path, tool, &relative, WH_ERR_INVALID,
                               "--dest 'opt/tool' must be an absolute path");
    whc_import_options root = { .name = "tool", .version = "1", .dest = "/", .kind = -1 };
    test_import_expect_failure(catalog->db_path, tool, &root, WH_ERR_INVALID,
                               "names the image root");
    whc_import_options escape = { .name = "tool", .version = "1", .dest = "/opt/../../x",
                                  .kind = -1 };
    test_import_expect_failure(catalog->db_path, tool, &escape, WH_ERR_FORMAT, "'..'");
    whc_import_options missing_version = { .name = "tool", .kind = -1 };
    test_import_expect_failure(catalog->db_path, tool, &missing_version, WH_ERR_INVALID,
                               "--version");

    whc_import_options options = { .name = "tool", .version = "1", .dest = "/opt//tool/bin/",
                                   .kind = WH_KIND_APPLICATION };
    assert_int_equal(test_import_run(catalog->db_path, tool, &options, NULL, &err), WH_OK);
    test_component loaded;
    test_import_load(catalog->db_path, "tool", &loaded);
    assert_string_equal(loaded.files[0].path, "/opt/tool/bin");
    assert_int_equal(loaded.component.kind, WH_KIND_APPLICATION);
    test_import_unload(&loaded);
    free(tool);
}

static void missing_path_reported(void **state)
{
    test_catalog *catalog = *state;
    char *missing = test_support_path(catalog->dir, "does-not-exist");
    whc_import_options options = { .kind = -1 };
    test_import_expect_failure(catalog->db_path, missing, &options, WH_ERR_NOT_FOUND,
                               "does-not-exist: No such file or directory");
    free(missing);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(tree_records_every_type, test_import_setup,
                                        test_import_teardown),
        cmocka_unit_test_setup_teardown(tree_reimport_is_noop, test_import_setup,
                                        test_import_teardown),
        cmocka_unit_test_setup_teardown(tree_requires_name_and_version, test_import_setup,
                                        test_import_teardown),
        cmocka_unit_test_setup_teardown(tree_rejects_socket, test_import_setup,
                                        test_import_teardown),
        cmocka_unit_test_setup_teardown(single_file_default_paths, test_import_setup,
                                        test_import_teardown),
        cmocka_unit_test_setup_teardown(single_file_dest_option, test_import_setup,
                                        test_import_teardown),
        cmocka_unit_test_setup_teardown(missing_path_reported, test_import_setup,
                                        test_import_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
