/* The composition state value and its undo history. */
#include "../../tui/state.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static void test_roots_stay_sorted_and_unique(void **state)
{
    (void)state;
    tui_state s = {0};
    tui_state_set_root(&s, 7, 1);
    tui_state_set_root(&s, 2, 1);
    tui_state_set_root(&s, 5, 1);
    tui_state_set_root(&s, 2, 1);
    assert_int_equal(s.root_count, 3);
    assert_int_equal(s.roots[0], 2);
    assert_int_equal(s.roots[1], 5);
    assert_int_equal(s.roots[2], 7);
    assert_true(tui_state_has_root(&s, 5));
    assert_false(tui_state_has_root(&s, 6));

    tui_state_set_root(&s, 5, 0);
    tui_state_set_root(&s, 9, 0);
    assert_int_equal(s.root_count, 2);
    assert_false(tui_state_has_root(&s, 5));
    tui_state_clear(&s);
    assert_int_equal(s.root_count, 0);
}

static void test_copy_is_independent_and_equal(void **state)
{
    (void)state;
    tui_state a = {0}, b = {0};
    tui_state_set_root(&a, 3, 1);
    tui_state_set_excluded(&a, 4, 1);
    tui_state_set_setting(&a, TUI_SETTING_USER, "app");
    tui_state_copy(&b, &a);
    assert_true(tui_state_equal(&a, &b));

    tui_state_set_setting(&b, TUI_SETTING_USER, "root");
    assert_false(tui_state_equal(&a, &b));
    assert_string_equal(a.settings[TUI_SETTING_USER], "app");

    tui_state_set_setting(&b, TUI_SETTING_USER, "app");
    tui_state_set_excluded(&b, 4, 0);
    assert_false(tui_state_equal(&a, &b));
    tui_state_clear(&a);
    tui_state_clear(&b);
}

static void test_empty_setting_is_unset(void **state)
{
    (void)state;
    tui_state a = {0}, b = {0};
    tui_state_set_setting(&a, TUI_SETTING_CMD, "");
    assert_null(a.settings[TUI_SETTING_CMD]);
    assert_true(tui_state_equal(&a, &b));
    tui_state_clear(&a);
}

static void test_toggle_exclude_adds_and_removes(void **state)
{
    (void)state;
    tui_state s = {0};
    assert_int_equal(tui_state_toggle_exclude(&s, "/usr/share/doc/**"), 1);
    assert_int_equal(tui_state_toggle_exclude(&s, "/bin/sh"), 1);
    assert_string_equal(s.settings[TUI_SETTING_EXCLUDE], "/usr/share/doc/** /bin/sh");
    assert_int_equal(tui_state_toggle_exclude(&s, "/usr/share/doc/**"), 0);
    assert_string_equal(s.settings[TUI_SETTING_EXCLUDE], "/bin/sh");
    assert_int_equal(tui_state_toggle_exclude(&s, "/bin/sh"), 0);
    assert_null(s.settings[TUI_SETTING_EXCLUDE]);
    tui_state_clear(&s);
}

static void test_words_split(void **state)
{
    (void)state;
    size_t count = 0;
    char **words = tui_words_split("  a  bb\tccc ", &count);
    assert_int_equal(count, 3);
    assert_string_equal(words[0], "a");
    assert_string_equal(words[1], "bb");
    assert_string_equal(words[2], "ccc");
    assert_null(words[3]);
    tui_words_free(words);

    words = tui_words_split(NULL, &count);
    assert_int_equal(count, 0);
    assert_null(words[0]);
    tui_words_free(words);
}

/* A state with one root, for building histories. */
static tui_state with_root(uint32_t id)
{
    tui_state s = {0};
    tui_state_set_root(&s, id, 1);
    return s;
}

static void test_undo_and_redo_walk_the_history(void **state)
{
    (void)state;
    tui_state empty = {0}, one = with_root(1), two = with_root(2);
    tui_undo undo;
    const char *label = NULL;
    tui_undo_init(&undo, &empty);

    assert_null(tui_undo_back(&undo, &label));
    tui_undo_record(&undo, &one, "select one");
    tui_undo_record(&undo, &two, "select two");

    const tui_state *current = tui_undo_back(&undo, &label);
    assert_string_equal(label, "select two");
    assert_true(tui_state_equal(current, &one));
    current = tui_undo_back(&undo, &label);
    assert_string_equal(label, "select one");
    assert_true(tui_state_equal(current, &empty));
    assert_null(tui_undo_back(&undo, &label));

    current = tui_undo_forward(&undo, &label);
    assert_string_equal(label, "select one");
    assert_true(tui_state_equal(current, &one));
    current = tui_undo_forward(&undo, &label);
    assert_true(tui_state_equal(current, &two));
    assert_null(tui_undo_forward(&undo, &label));

    tui_undo_free(&undo);
    tui_state_clear(&one);
    tui_state_clear(&two);
}

static void test_record_after_undo_drops_redo(void **state)
{
    (void)state;
    tui_state empty = {0}, one = with_root(1), two = with_root(2), three = with_root(3);
    tui_undo undo;
    const char *label = NULL;
    tui_undo_init(&undo, &empty);
    tui_undo_record(&undo, &one, "one");
    tui_undo_record(&undo, &two, "two");
    tui_undo_back(&undo, &label);
    tui_undo_record(&undo, &three, "three");

    assert_null(tui_undo_forward(&undo, &label));
    assert_int_equal(undo.count, 3);
    const tui_state *current = tui_undo_back(&undo, &label);
    assert_string_equal(label, "three");
    assert_true(tui_state_equal(current, &one));

    tui_undo_free(&undo);
    tui_state_clear(&one);
    tui_state_clear(&two);
    tui_state_clear(&three);
}

static void test_history_is_bounded(void **state)
{
    (void)state;
    tui_state empty = {0};
    tui_undo undo;
    tui_undo_init(&undo, &empty);
    for (uint32_t i = 0; i < TUI_UNDO_MAX + 50; i++) {
        tui_state s = with_root(i);
        tui_undo_record(&undo, &s, "step");
        tui_state_clear(&s);
    }
    assert_int_equal(undo.count, TUI_UNDO_MAX);

    /* The newest state is current and the oldest kept is TUI_UNDO_MAX - 1 steps back. */
    assert_true(tui_state_has_root(&undo.entries[undo.position].state, TUI_UNDO_MAX + 49));
    size_t steps = 0;
    while (tui_undo_back(&undo, NULL))
        steps++;
    assert_int_equal(steps, TUI_UNDO_MAX - 1);
    assert_true(tui_state_has_root(&undo.entries[0].state, 50));
    tui_undo_free(&undo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roots_stay_sorted_and_unique),
        cmocka_unit_test(test_copy_is_independent_and_equal),
        cmocka_unit_test(test_empty_setting_is_unset),
        cmocka_unit_test(test_toggle_exclude_adds_and_removes),
        cmocka_unit_test(test_words_split),
        cmocka_unit_test(test_undo_and_redo_walk_the_history),
        cmocka_unit_test(test_record_after_undo_drops_redo),
        cmocka_unit_test(test_history_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
