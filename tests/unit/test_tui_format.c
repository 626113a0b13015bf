/* Sizes for people and case-insensitive matching. */
#include "../../tui/format.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static void test_format_size(void **state)
{
    (void)state;
    char buffer[32];
    assert_string_equal(tui_format_size(0, buffer), "0 B");
    assert_string_equal(tui_format_size(1023, buffer), "1023 B");
    assert_string_equal(tui_format_size(1024, buffer), "1.0 KiB");
    assert_string_equal(tui_format_size(1536, buffer), "1.5 KiB");
    assert_string_equal(tui_format_size(50438144, buffer), "48.1 MiB");
    assert_string_equal(tui_format_size(INT64_C(3) << 40, buffer), "3.0 TiB");
    assert_string_equal(tui_format_size(INT64_C(5000) << 40, buffer), "5000.0 TiB");
    assert_string_equal(tui_format_size(-2048, buffer), "-2.0 KiB");
    assert_string_equal(tui_format_size(INT64_MIN, buffer), "-8388608.0 TiB");
}

static void test_format_size_change(void **state)
{
    (void)state;
    char buffer[32];
    assert_string_equal(tui_format_size_change(1536, buffer), "+1.5 KiB");
    assert_string_equal(tui_format_size_change(-512, buffer), "-512 B");
    assert_string_equal(tui_format_size_change(0, buffer), "0 B");
}

static void test_contains_text(void **state)
{
    (void)state;
    assert_true(tui_contains_text("busybox-static", "BOX"));
    assert_true(tui_contains_text("caddy", ""));
    assert_true(tui_contains_text("caddy", NULL));
    assert_true(tui_contains_text("caddy", "caddy"));
    assert_false(tui_contains_text("caddy", "caddyx"));
    assert_false(tui_contains_text(NULL, "a"));
    assert_false(tui_contains_text("", "a"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_size),
        cmocka_unit_test(test_format_size_change),
        cmocka_unit_test(test_contains_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
