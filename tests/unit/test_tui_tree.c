/* The image tree model: building, sizes, sorting, expansion and paths. */
#include "../../tui/tree.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* /bin/sh (10), /usr/bin/a (100), /usr/bin/b (5), /usr/share/doc/x (1000, excluded) */
static tui_tree *sample(void)
{
    tui_tree *tree = tui_tree_new();
    tui_tree_add(tree, "/usr/bin/b", 5, 0, 3, 30, 0, 0);
    tui_tree_add(tree, "/bin/sh", 10, 0, 1, 10, 0x10, 0);
    tui_tree_add(tree, "/usr/share/doc/x", 1000, 0, 4, 40, 0, 1);
    tui_tree_add(tree, "/usr/bin/a", 100, 0, 2, 20, 0x20, 0);
    tui_tree_finish(tree, TUI_TREE_SORT_NAME);
    return tree;
}

static const char *row_name(const tui_tree *tree, size_t row)
{
    return tree->nodes[tree->rows[row]].name;
}

static void test_top_level_rows_sorted_by_name(void **state)
{
    (void)state;
    tui_tree *tree = sample();
    assert_int_equal(tree->row_count, 2);
    assert_string_equal(row_name(tree, 0), "bin");
    assert_string_equal(row_name(tree, 1), "usr");
    tui_tree_free(tree);
}

static void test_sizes_sum_kept_entries(void **state)
{
    (void)state;
    tui_tree *tree = sample();
    const tui_tree_node *usr = &tree->nodes[tui_tree_find(tree, "/usr")];
    assert_int_equal(usr->size, 105);
    /* bin, a, b, share, doc: the excluded x is not counted. */
    assert_int_equal(usr->file_count, 5);
    assert_int_equal(usr->descendant_flags, 0x20);
    assert_int_equal(tree->nodes[0].size, 115);

    const tui_tree_node *doc = &tree->nodes[tui_tree_find(tree, "/usr/share/doc")];
    assert_int_equal(doc->size, 0);
    assert_false(doc->excluded);
    assert_true(tree->nodes[tui_tree_find(tree, "/usr/share/doc/x")].excluded);
    tui_tree_free(tree);
}

static void test_excluded_folder_excludes_contents(void **state)
{
    (void)state;
    tui_tree *tree = tui_tree_new();
    tui_tree_add(tree, "/opt", 0, 1, 0, 0, 0, 1);
    tui_tree_add(tree, "/opt/big", 500, 0, 1, 0, 0, 0);
    tui_tree_add(tree, "/etc/x", 7, 0, 2, 0, 0, 0);
    tui_tree_finish(tree, TUI_TREE_SORT_NAME);
    assert_true(tree->nodes[tui_tree_find(tree, "/opt/big")].excluded);
    assert_int_equal(tree->nodes[0].size, 7);
    tui_tree_free(tree);
}

static void test_expand_shows_children_in_order(void **state)
{
    (void)state;
    tui_tree *tree = sample();
    uint32_t usr = tui_tree_find(tree, "/usr");
    tui_tree_set_expanded(tree, usr, 1);
    assert_int_equal(tree->row_count, 4);
    assert_string_equal(row_name(tree, 1), "usr");
    assert_string_equal(row_name(tree, 2), "bin");
    assert_string_equal(row_name(tree, 3), "share");

    tui_tree_set_expanded(tree, tui_tree_find(tree, "/usr/bin"), 1);
    assert_int_equal(tree->row_count, 6);
    assert_string_equal(row_name(tree, 3), "a");
    assert_string_equal(row_name(tree, 4), "b");
    assert_string_equal(row_name(tree, 5), "share");

    tui_tree_set_expanded(tree, usr, 0);
    assert_int_equal(tree->row_count, 2);
    tui_tree_free(tree);
}

static void test_sort_by_size(void **state)
{
    (void)state;
    tui_tree *tree = sample();
    tui_tree_set_expanded(tree, tui_tree_find(tree, "/usr/bin"), 1);
    tui_tree_set_expanded(tree, tui_tree_find(tree, "/usr"), 1);
    tui_tree_set_sort(tree, TUI_TREE_SORT_SIZE);
    assert_string_equal(row_name(tree, 0), "usr");
    assert_string_equal(row_name(tree, 1), "bin");
    assert_string_equal(row_name(tree, 2), "a");
    assert_string_equal(row_name(tree, 3), "b");
    tui_tree_free(tree);
}

static void test_find_and_path(void **state)
{
    (void)state;
    tui_tree *tree = sample();
    char path[256];
    uint32_t node = tui_tree_find(tree, "/usr/bin/a");
    assert_int_not_equal(node, TUI_TREE_NONE);
    assert_string_equal(tui_tree_path(tree, node, path, sizeof(path)), "/usr/bin/a");
    assert_int_equal(tree->nodes[node].item, 2);
    assert_int_equal(tree->nodes[node].owner, 20);
    assert_int_equal(tree->nodes[node].depth, 2);
    assert_int_equal(tui_tree_find(tree, "/usr/bin/zz"), TUI_TREE_NONE);
    assert_int_equal(tui_tree_find(tree, "/"), 0);
    assert_string_equal(tui_tree_path(tree, 0, path, sizeof(path)), "/");
    tui_tree_free(tree);
}

static void test_reveal_expands_ancestors(void **state)
{
    (void)state;
    tui_tree *tree = sample();
    uint32_t node = tui_tree_find(tree, "/usr/bin/b");
    assert_int_equal(tui_tree_row_of(tree, node), -1);
    long row = tui_tree_reveal(tree, node);
    assert_int_equal(row, 4);
    assert_int_equal(tree->rows[row], node);
    tui_tree_free(tree);
}

static void test_expansion_carries_to_new_tree(void **state)
{
    (void)state;
    tui_tree *old_tree = sample();
    tui_tree_reveal(old_tree, tui_tree_find(old_tree, "/usr/bin/a"));
    tui_tree *new_tree = sample();
    tui_tree_copy_expansion(new_tree, old_tree);
    assert_int_equal(new_tree->row_count, old_tree->row_count);
    assert_true(new_tree->nodes[tui_tree_find(new_tree, "/usr/bin")].expanded);
    tui_tree_free(old_tree);
    tui_tree_free(new_tree);
}

static void test_adding_twice_updates(void **state)
{
    (void)state;
    tui_tree *tree = tui_tree_new();
    uint32_t first = tui_tree_add(tree, "/etc/passwd", 10, 0, 1, 1, 0, 0);
    uint32_t second = tui_tree_add(tree, "//etc//passwd", 20, 0, 2, 2, 0, 0);
    assert_int_equal(first, second);
    tui_tree_finish(tree, TUI_TREE_SORT_NAME);
    assert_int_equal(tree->nodes[0].size, 20);
    assert_int_equal(tree->nodes[first].owner, 2);
    tui_tree_free(tree);
}

static void test_next_visits_every_node(void **state)
{
    (void)state;
    tui_tree *tree = sample();
    const char *expected[] = {"bin", "sh", "usr", "bin", "a", "b", "share", "doc", "x", "bin"};
    uint32_t node = 0;
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        node = tui_tree_next(tree, node);
        assert_int_not_equal(node, TUI_TREE_NONE);
        assert_string_equal(tree->nodes[node].name, expected[i]);
    }
    tui_tree_free(tree);

    tui_tree *empty = tui_tree_new();
    tui_tree_finish(empty, TUI_TREE_SORT_NAME);
    assert_int_equal(tui_tree_next(empty, 0), TUI_TREE_NONE);
    tui_tree_free(empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_top_level_rows_sorted_by_name),
        cmocka_unit_test(test_sizes_sum_kept_entries),
        cmocka_unit_test(test_excluded_folder_excludes_contents),
        cmocka_unit_test(test_expand_shows_children_in_order),
        cmocka_unit_test(test_sort_by_size),
        cmocka_unit_test(test_find_and_path),
        cmocka_unit_test(test_reveal_expands_ancestors),
        cmocka_unit_test(test_expansion_carries_to_new_tree),
        cmocka_unit_test(test_adding_twice_updates),
        cmocka_unit_test(test_next_visits_every_node),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
