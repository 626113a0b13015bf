/* Layer flattening: overrides, whiteouts, hardlinks and root confinement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "../../core/flatten.h"

static wh_flat_entry file_entry(const char *name, int64_t size)
{
    return (wh_flat_entry){ .name = name, .type = WH_FILE_REGULAR, .mode = S_IFREG | 0644,
                             .size = size };
}

static wh_flat_entry dir_entry(const char *name)
{
    return (wh_flat_entry){ .name = name, .type = WH_FILE_DIRECTORY, .mode = S_IFDIR | 0755 };
}

static wh_flat_entry link_entry(const char *name, wh_file_type type, const char *target)
{
    return (wh_flat_entry){ .name = name, .type = type, .mode = S_IFLNK | 0777,
                             .target = target };
}

static void add(wh_flatten *flat, wh_flat_entry entry)
{
    wh_error err = { 0 };
    wh_status status = wh_flatten_add(flat, &entry, &err);
    if (status != WH_OK)
        fail_msg("adding %s: %s", entry.name, err.message);
}

static wh_status add_status(wh_flatten *flat, wh_flat_entry entry, wh_error *err)
{
    return wh_flatten_add(flat, &entry, err);
}

static wh_flatten *new_flat(void)
{
    wh_flatten *flat = NULL;
    assert_int_equal(wh_flatten_new(&flat, NULL), WH_OK);
    return flat;
}

static void next_layer(wh_flatten *flat)
{
    assert_int_equal(wh_flatten_begin_layer(flat, NULL), WH_OK);
}

static const wh_flat_file *find(wh_flatten *flat, const char *path)
{
    uint32_t index = wh_flatten_lookup(flat, path);
    return index == WH_FLATTEN_NONE ? NULL : wh_flatten_file_at(flat, index);
}

static void later_layer_overrides(void **state)
{
    (void)state;
    wh_flatten *flat = new_flat();
    next_layer(flat);
    add(flat, file_entry("./etc/motd", 10));
    next_layer(flat);
    add(flat, file_entry("etc/motd", 3));
    assert_int_equal(wh_flatten_finish(flat, NULL), WH_OK);

    const wh_flat_file *motd = find(flat, "/etc/motd");
    assert_non_null(motd);
    assert_int_equal(motd->size, 3);
    assert_int_equal(motd->layer, 1);
    const wh_flat_file *etc = find(flat, "/etc");
    assert_non_null(etc);
    assert_true(etc->implicit);
    assert_int_equal(wh_flatten_wasted_bytes(flat), 10);
    assert_int_equal(wh_flatten_layer_at(flat, 0)->wasted_bytes, 10);
    assert_int_equal(wh_flatten_needed_in_layer(flat, 0), 0);
    assert_int_equal(wh_flatten_needed_in_layer(flat, 1), 1);
    wh_flatten_free(flat);
}

static void whiteout_removes_lower_file(void **state)
{
    (void)state;
    wh_flatten *flat = new_flat();
    next_layer(flat);
    add(flat, file_entry("a/b", 5));
    add(flat, file_entry("a/c", 1));
    next_layer(flat);
    add(flat, file_entry("a/.wh.b", 0));
    assert_int_equal(wh_flatten_finish(flat, NULL), WH_OK);

    assert_null(find(flat, "/a/b"));
    assert_null(find(flat, "/a/.wh.b"));
    assert_non_null(find(flat, "/a/c"));
    assert_int_equal(wh_flatten_wasted_bytes(flat), 5);
    assert_int_equal(wh_flatten_layer_at(flat, 1)->whiteouts, 1);
    wh_flatten_free(flat);
}

static void whiteout_spares_same_layer(void **state)
{
    (void)state;
    wh_flatten *flat = new_flat();
    next_layer(flat);
    add(flat, file_entry("x", 1));
    add(flat, file_entry(".wh.x", 0));
    assert_int_equal(wh_flatten_finish(flat, NULL), WH_OK);
    assert_non_null(find(flat, "/x"));
    wh_flatten_free(flat);
}

static void directory_whiteout_then_recreate(void **state)
{
    (void)state;
    wh_flatten *flat = new_flat();
    next_layer(flat);
    add(flat, dir_entry("d/"));
    add(flat, file_entry("d/old", 4));
    add(flat, file_entry("d/sub/deep", 6));
    next_layer(flat);
    add(flat, file_entry(".wh.d", 0));
    next_layer(flat);
    add(flat, dir_entry("d"));
    add(flat, file_entry("d/new", 2));
    assert_int_equal(wh_flatten_finish(flat, NULL), WH_OK);

    assert_non_null(find(flat, "/d"));
    assert_non_null(find(flat, "/d/new"));
    assert_null(find(flat, "/d/old"));
    assert_null(find(flat, "/d/sub"));
    assert_null(find(flat, "/d/sub/deep"));
    assert_int_equal(wh_flatten_wasted_bytes(flat), 10);
    wh_flatten_free(flat);
}

static void opaque_directory_hides_lower(void **state)
{
    (void)state;
    wh_flatten *flat = new_flat();
    next_layer(flat);
    add(flat, file_entry("d/lower", 1));
    add(flat, file_entry("d/sub/lower", 1));
    next_layer(flat);
    add(flat, file_entry("d/upper", 1));
    add(flat, file_entry("d/.wh..wh..opq", 0));
    assert_int_equal(wh_flatten_finish(flat, NULL), WH_OK);

    assert_non_null(find(flat, "/d"));
    assert_non_null(find(flat, "/d/upper"));
    assert_null(find(flat, "/d/lower"));
    assert_null(find(flat, "/d/sub"));
    assert_null(find(flat, "/d/.wh..wh..opq"));
    wh_flatten_free(flat);
}

static void opaque_keeps_same_layer_below_lower_directory(void **state)
{
    (void)state;
    wh_flatten *flat = new_flat();
    next_layer(flat);
    add(flat, file_entry("d/sub/old", 1));
    next_layer(flat);
    add(flat, file_entry("d/sub/new", 1));
    add(flat, file_entry("d/.wh..wh..opq", 0));
    assert_int_equal(wh_flatten_finish(flat, NULL), WH_OK);

    assert_non_null(find(flat, "/d/sub"));
    assert_non_null(find(flat, "/d/sub/new"));
    assert_null(find(flat, "/d/sub/old"));
    wh_flatten_free(flat);
}

static void hardlink_keeps_content_after_target_replaced(void **state)
{
    (void)state;
    wh_flatten *flat = new_flat();
    next_layer(flat);
    add(flat, file_entry("bin/busybox", 100));
    next_layer(flat);
    add(flat, link_entry("bin/sh", WH_FILE_HARDLINK, "bin/busybox"));
    add(flat, link_entry("bin/ls", WH_FILE_HARDLINK, "./bin/busybox"));
    next_layer(flat);
    add(flat, file_entry("bin/busybox", 7));
    assert_int_equal(wh_flatten_finish(flat, NULL), WH_OK);

    const wh_flat_file *sh = find(flat, "/bin/sh");
    const wh_flat_file *ls = find(flat, "/bin/ls");
    const wh_flat_file *busybox = find(flat, "/bin/busybox");
    assert_non_null(sh);
    assert_non_null(ls);
    assert_non_null(busybox);
    assert_int_equal(sh->type, WH_FILE_REGULAR);
    assert_int_equal(sh->size, 100);
    assert_int_equal(sh->source, ls->source);
    assert_int_not_equal(sh->source, busybox->source);
    assert_int_equal(busybox->size, 7);

    const wh_flat_source *first = wh_flatten_source_at(flat, sh->source);
    assert_int_equal(first->layer, 0);
    assert_int_equal(first->position, 0);
    assert_true(first->needed);
    assert_int_equal(wh_flatten_wasted_bytes(flat), 0);
    assert_int_equal(wh_flatten_source_find(flat, 0, 0), sh->source);
    assert_int_equal(wh_flatten_source_find(flat, 1, 0), WH_FLATTEN_NONE);
    wh_flatten_free(flat);
}

static void hardlink_to_self_replacement(void **state)
{
    (void)state;
    wh_flatten *flat = new_flat();
    next_layer(flat);
    add(flat, file_entry("a", 9));
    next_layer(flat);
    add(flat, link_entry("a", WH_FILE_HARDLINK, "a"));
    assert_int_equal(wh_flatten_finish(flat, NULL), WH_OK);
    const wh_flat_file *a = find(flat, "/a");
    assert_non_null(a);
    assert_int_equal(a->size, 9);
    assert_int_equal(wh_flatten_wasted_bytes(flat), 0);
    wh_flatten_free(flat);
}

static void dotdot_stays_in_root(void **state)
{
    (void)state;
    wh_flatten *flat = new_flat();
    next_layer(flat);
    add(flat, file_entry("../../etc/passwd", 1));
    add(flat, file_entry("/usr/../../tmp/x", 1));
    assert_int_equal(wh_flatten_finish(flat, NULL), WH_OK);
    assert_non_null(find(flat, "/etc/passwd"));
    assert_non_null(find(flat, "/tmp/x"));
    assert_int_equal(wh_flatten_count(flat), 4);
    wh_flatten_free(flat);
}

static void write_through_absolute_symlink_stays_in_root(void **state)
{
    (void)state;
    wh_flatten *flat = new_flat();
    next_layer(flat);
    add(flat, link_entry("escape", WH_FILE_SYMLINK, "/etc"));
    add(flat, link_entry("up", WH_FILE_SYMLINK, "../../../.."));
    next_layer(flat);
    add(flat, file_entry("escape/shadow", 1));
    add(flat, file_entry("up/tmp/y", 1));
    add(flat, link_entry("escape", WH_FILE_SYMLINK, "/var"));
    assert_int_equal(wh_flatten_finish(flat, NULL), WH_OK);

    assert_non_null(find(flat, "/etc/shadow"));
    assert_non_null(find(flat, "/tmp/y"));
    const wh_flat_file *escape = find(flat, "/escape");
    assert_non_null(escape);
    assert_int_equal(escape->type, WH_FILE_SYMLINK);
    assert_string_equal(escape->target, "/var");

    char *resolved = NULL;
    assert_int_equal(wh_flatten_resolve(flat, "/up/up/bin", 0, &resolved, NULL), WH_OK);
    assert_string_equal(resolved, "/bin");
    free(resolved);
    wh_flatten_free(flat);
}

static void resolve_merged_usr(void **state)
{
    (void)state;
    wh_flatten *flat = new_flat();
    next_layer(flat);
    add(flat, file_entry("usr/bin/bash", 1));
    add(flat, link_entry("bin", WH_FILE_SYMLINK, "usr/bin"));
    add(flat, link_entry("usr/bin/sh", WH_FILE_SYMLINK, "bash"));
    assert_int_equal(wh_flatten_finish(flat, NULL), WH_OK);

    char *resolved = NULL;
    assert_int_equal(wh_flatten_resolve(flat, "/bin/bash", 0, &resolved, NULL), WH_OK);
    assert_string_equal(resolved, "/usr/bin/bash");
    free(resolved);
    assert_int_equal(wh_flatten_resolve(flat, "/bin/sh", 1, &resolved, NULL), WH_OK);
    assert_string_equal(resolved, "/usr/bin/bash");
    free(resolved);
    wh_flatten_free(flat);
}

static void symlink_loop_fails(void **state)
{
    (void)state;
    wh_flatten *flat = new_flat();
    wh_error err = { 0 };
    next_layer(flat);
    add(flat, link_entry("a", WH_FILE_SYMLINK, "b"));
    add(flat, link_entry("b", WH_FILE_SYMLINK, "a"));
    assert_int_equal(add_status(flat, file_entry("a/x", 1), &err), WH_ERR_FORMAT);
    assert_non_null(strstr(err.message, "symlink loop"));
    wh_flatten_free(flat);
}

static void parent_not_directory_fails(void **state)
{
    (void)state;
    wh_flatten *flat = new_flat();
    wh_error err = { 0 };
    next_layer(flat);
    add(flat, file_entry("f", 1));
    assert_int_equal(add_status(flat, file_entry("f/x", 1), &err), WH_ERR_FORMAT);
    assert_non_null(strstr(err.message, "not a directory"));
    wh_flatten_free(flat);
}

static void bad_entries_fail(void **state)
{
    (void)state;
    wh_flatten *flat = new_flat();
    wh_error err = { 0 };
    next_layer(flat);
    assert_int_equal(add_status(flat, file_entry("", 1), &err), WH_ERR_FORMAT);
    assert_non_null(strstr(err.message, "empty name"));
    assert_int_equal(add_status(flat, link_entry("h", WH_FILE_HARDLINK, ""), &err),
                     WH_ERR_FORMAT);
    assert_non_null(strstr(err.message, "empty target"));
    assert_int_equal(add_status(flat, link_entry("h", WH_FILE_HARDLINK, "missing"), &err),
                     WH_ERR_FORMAT);
    assert_non_null(strstr(err.message, "not in the image"));
    assert_int_equal(add_status(flat, file_entry("d/.wh.x/y", 1), &err), WH_ERR_FORMAT);
    assert_non_null(strstr(err.message, "reserve for whiteouts"));

    size_t length = 100000;
    char *long_name = malloc(length + 1);
    assert_non_null(long_name);
    for (size_t i = 0; i < length; i++)
        long_name[i] = i % 2 ? '/' : 'a';
    long_name[length] = '\0';
    assert_int_equal(add_status(flat, file_entry(long_name, 1), &err), WH_ERR_LIMIT);
    free(long_name);
    wh_flatten_free(flat);
}

static void root_entries_ignored(void **state)
{
    (void)state;
    wh_flatten *flat = new_flat();
    next_layer(flat);
    add(flat, dir_entry("./"));
    add(flat, dir_entry("/"));
    add(flat, dir_entry("a/.."));
    assert_int_equal(wh_flatten_finish(flat, NULL), WH_OK);
    assert_int_equal(wh_flatten_count(flat), 0);
    wh_flatten_free(flat);
}

/*
 * Random layers over a few names, with symlinks that point up, out and in
 * loops: whatever fails, every path of the result stays clean and inside
 * the root, and every parent is a directory of the tree.
 */
static void random_layers_keep_tree_consistent(void **state)
{
    (void)state;
    static const char *const parts[] = { "a", "b", "..", ".", "c", ".wh.a", ".wh..wh..opq" };
    static const char *const targets[] = { "/", "..", "../../..", "a", "/a/b", "b/../..", "c" };
    unsigned seed = 12345;

    for (int round = 0; round < 50; round++) {
        wh_flatten *flat = new_flat();
        for (int layer = 0; layer < 4; layer++) {
            next_layer(flat);
            for (int i = 0; i < 60; i++) {
                char name[64] = "";
                int depth = 1 + (int)(rand_r(&seed) % 4);
                for (int d = 0; d < depth; d++) {
                    strcat(name, d ? "/" : "");
                    strcat(name, parts[rand_r(&seed) % (sizeof(parts) / sizeof(parts[0]))]);
                }
                wh_flat_entry entry = file_entry(name, rand_r(&seed) % 10);
                switch (rand_r(&seed) % 4) {
                case 1: entry = dir_entry(name); break;
                case 2:
                    entry = link_entry(name, WH_FILE_SYMLINK,
                                       targets[rand_r(&seed) % (sizeof(targets) / sizeof(targets[0]))]);
                    break;
                case 3: entry = link_entry(name, WH_FILE_HARDLINK, "a/b"); break;
                default: break;
                }
                wh_error err = { 0 };
                (void)wh_flatten_add(flat, &entry, &err);
            }
        }
        assert_int_equal(wh_flatten_finish(flat, NULL), WH_OK);

        for (size_t i = 0; i < wh_flatten_count(flat); i++) {
            const wh_flat_file *file = wh_flatten_file_at(flat, i);
            assert_int_equal(file->path[0], '/');
            assert_null(strstr(file->path, "/../"));
            assert_null(strstr(file->path, "/./"));
            assert_null(strstr(file->path, "//"));
            assert_null(strstr(file->path, "/.wh."));
            size_t length = strlen(file->path);
            assert_false(length >= 3 && strcmp(file->path + length - 3, "/..") == 0);

            char parent[64];
            snprintf(parent, sizeof(parent), "%s", file->path);
            *strrchr(parent, '/') = '\0';
            if (parent[0] != '\0') {
                const wh_flat_file *up = find(flat, parent);
                assert_non_null(up);
                assert_int_equal(up->type, WH_FILE_DIRECTORY);
            }
            if (file->type == WH_FILE_REGULAR)
                assert_true(wh_flatten_source_at(flat, file->source)->needed);
        }
        wh_flatten_free(flat);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(later_layer_overrides),
        cmocka_unit_test(whiteout_removes_lower_file),
        cmocka_unit_test(whiteout_spares_same_layer),
        cmocka_unit_test(directory_whiteout_then_recreate),
        cmocka_unit_test(opaque_directory_hides_lower),
        cmocka_unit_test(opaque_keeps_same_layer_below_lower_directory),
        cmocka_unit_test(hardlink_keeps_content_after_target_replaced),
        cmocka_unit_test(hardlink_to_self_replacement),
        cmocka_unit_test(dotdot_stays_in_root),
        cmocka_unit_test(write_through_absolute_symlink_stays_in_root),
        cmocka_unit_test(resolve_merged_usr),
        cmocka_unit_test(symlink_loop_fails),
        cmocka_unit_test(parent_not_directory_fails),
        cmocka_unit_test(bad_entries_fail),
        cmocka_unit_test(root_entries_ignored),
        cmocka_unit_test(random_layers_keep_tree_consistent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
