/* The key map: lookup per view, key names and the generated help screen. */
#include "../../tui/keymap.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static void test_lookup_common_keys(void **state)
{
    (void)state;
    assert_int_equal(tui_keymap_lookup('q', TUI_IN_CATALOG), TUI_ACTION_QUIT);
    assert_int_equal(tui_keymap_lookup('q', TUI_IN_POLICY), TUI_ACTION_QUIT);
    assert_int_equal(tui_keymap_lookup('k', TUI_IN_TREE), TUI_ACTION_MOVE_UP);
    assert_int_equal(tui_keymap_lookup(TUI_KEY_DOWN, TUI_IN_DETAILS), TUI_ACTION_MOVE_DOWN);
    assert_int_equal(tui_keymap_lookup(TUI_KEY_CTRL('r'), TUI_IN_CATALOG), TUI_ACTION_REDO);
    assert_int_equal(tui_keymap_lookup('u', TUI_IN_TREE), TUI_ACTION_UNDO);
    assert_int_equal(tui_keymap_lookup('?', TUI_IN_POLICY), TUI_ACTION_HELP);
    assert_int_equal(tui_keymap_lookup(TUI_KEY_TAB, TUI_IN_CATALOG), TUI_ACTION_NEXT_VIEW);
}

static void test_lookup_depends_on_view(void **state)
{
    (void)state;
    assert_int_equal(tui_keymap_lookup(TUI_KEY_ENTER, TUI_IN_CATALOG), TUI_ACTION_OPEN);
    assert_int_equal(tui_keymap_lookup(TUI_KEY_ENTER, TUI_IN_TREE), TUI_ACTION_OPEN);
    assert_int_equal(tui_keymap_lookup(TUI_KEY_ENTER, TUI_IN_POLICY), TUI_ACTION_OPEN);
    assert_int_equal(tui_keymap_lookup(TUI_KEY_ENTER, TUI_IN_DETAILS), TUI_ACTION_NONE);
    assert_int_equal(tui_keymap_lookup(' ', TUI_IN_CATALOG), TUI_ACTION_TOGGLE);
    assert_int_equal(tui_keymap_lookup(' ', TUI_IN_TREE), TUI_ACTION_NONE);
    assert_int_equal(tui_keymap_lookup('x', TUI_IN_TREE), TUI_ACTION_EXCLUDE_PATH);
    assert_int_equal(tui_keymap_lookup('x', TUI_IN_CATALOG), TUI_ACTION_NONE);
    assert_int_equal(tui_keymap_lookup('Z', TUI_IN_CATALOG), TUI_ACTION_NONE);
}

static void test_issue_keys_are_bound(void **state)
{
    (void)state;
    /* The keys the composer documents for users. */
    const struct {
        int key;
        tui_action action;
    } expected[] = {
        {TUI_KEY_UP, TUI_ACTION_MOVE_UP},
        {'j', TUI_ACTION_MOVE_DOWN},
        {TUI_KEY_PAGE_UP, TUI_ACTION_PAGE_UP},
        {TUI_KEY_PAGE_DOWN, TUI_ACTION_PAGE_DOWN},
        {TUI_KEY_HOME, TUI_ACTION_MOVE_HOME},
        {TUI_KEY_END, TUI_ACTION_MOVE_END},
        {'/', TUI_ACTION_SEARCH},
        {' ', TUI_ACTION_TOGGLE},
        {'s', TUI_ACTION_SAVE},
        {'e', TUI_ACTION_EXPORT},
        {'u', TUI_ACTION_UNDO},
        {TUI_KEY_CTRL('r'), TUI_ACTION_REDO},
    };
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
        assert_int_equal(tui_keymap_lookup(expected[i].key, TUI_IN_CATALOG), expected[i].action);
}

static void test_key_names(void **state)
{
    (void)state;
    char name[24];
    assert_string_equal(tui_key_name(TUI_KEY_UP, name, sizeof(name)), "Up");
    assert_string_equal(tui_key_name(TUI_KEY_PAGE_DOWN, name, sizeof(name)), "PgDn");
    assert_string_equal(tui_key_name(' ', name, sizeof(name)), "Space");
    assert_string_equal(tui_key_name(TUI_KEY_ENTER, name, sizeof(name)), "Enter");
    assert_string_equal(tui_key_name(TUI_KEY_TAB, name, sizeof(name)), "Tab");
    assert_string_equal(tui_key_name(TUI_KEY_CTRL('r'), name, sizeof(name)), "Ctrl-R");
    assert_string_equal(tui_key_name('q', name, sizeof(name)), "q");
    assert_string_equal(tui_key_name(0x7f, name, sizeof(name)), "key 0x7f");
}

/* Every binding appears on the help screen, on a line that names its key and help. */
static void test_help_lists_every_binding(void **state)
{
    (void)state;
    size_t line_count = 0, binding_count = 0;
    tui_help_line *lines = tui_keymap_help(&line_count);
    const tui_binding *bindings = tui_keymap_bindings(&binding_count);

    for (size_t b = 0; b < binding_count; b++) {
        char name[24];
        tui_key_name(bindings[b].key, name, sizeof(name));
        int found = 0;
        for (size_t l = 0; l < line_count && !found; l++)
            found = lines[l].keys[0] && strcmp(lines[l].text, bindings[b].help) == 0 &&
                    strstr(lines[l].keys, name) != NULL;
        if (!found)
            fail_msg("binding %s (%s) is missing from the help", name, bindings[b].help);
    }
    free(lines);
}

static void test_help_groups_keys_of_one_action(void **state)
{
    (void)state;
    size_t count = 0;
    tui_help_line *lines = tui_keymap_help(&count);
    int found = 0;
    for (size_t i = 0; i < count; i++)
        if (strcmp(lines[i].text, "move up one row") == 0) {
            assert_string_equal(lines[i].keys, "Up, k");
            found++;
        }
    assert_int_equal(found, 1);

    /* The first line is a section heading. */
    assert_string_equal(lines[0].keys, "");
    assert_string_equal(lines[0].text, "Everywhere");
    free(lines);
}

static void test_help_sections_cover_all_views(void **state)
{
    (void)state;
    size_t count = 0;
    tui_help_line *lines = tui_keymap_help(&count);
    const char *headings[] = {"Everywhere", "Catalog", "Image tree", "Policy"};
    for (size_t h = 0; h < 4; h++) {
        int found = 0;
        for (size_t i = 0; i < count; i++)
            found |= !lines[i].keys[0] && strcmp(lines[i].text, headings[h]) == 0;
        if (!found)
            fail_msg("no help section '%s'", headings[h]);
    }
    free(lines);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_common_keys),
        cmocka_unit_test(test_lookup_depends_on_view),
        cmocka_unit_test(test_issue_keys_are_bound),
        cmocka_unit_test(test_key_names),
        cmocka_unit_test(test_help_lists_every_binding),
        cmocka_unit_test(test_help_groups_keys_of_one_action),
        cmocka_unit_test(test_help_sections_cover_all_views),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
