/* The theme parser, the shipped theme files and theme lookup. */
/* The module is included whole, before cmocka.h, whose fail() macro would clash. */
#include "../../tui/theme.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static const char *const shipped_dirs[] = {"themes", NULL};

static void test_default_theme_has_every_role(void **state)
{
    (void)state;
    tui_theme theme;
    tui_theme_default(&theme);
    assert_string_equal(theme.name, "dark");
    assert_int_equal(theme.monochrome, 0);
    assert_int_equal(theme.styles[TUI_ROLE_POLICY_FAIL].foreground, 1);
    assert_int_equal(theme.styles[TUI_ROLE_POLICY_FAIL].attributes, TUI_ATTR_BOLD);
    assert_int_equal(theme.styles[TUI_ROLE_NORMAL].foreground, TUI_COLOR_DEFAULT);
}

static void test_role_names_round_trip(void **state)
{
    (void)state;
    for (int role = 0; role < TUI_ROLE_COUNT; role++) {
        const char *name = tui_role_name((tui_role)role);
        assert_non_null(name);
        assert_int_equal(tui_role_parse(name), role);
    }
    assert_null(tui_role_name(TUI_ROLE_COUNT));
    assert_int_equal(tui_role_parse("no-such-role"), -1);
}

static void test_parse_colors_and_attributes(void **state)
{
    (void)state;
    tui_theme theme;
    tui_theme_default(&theme);
    tui_theme_error error = {0};
    const char *text = "# comment line\n"
                       "\n"
                       "  selection = bright-white 236 bold underline  # trailing comment\n"
                       "status=default magenta\n";
    assert_int_equal(tui_theme_parse(&theme, text, &error), 0);
    assert_int_equal(theme.styles[TUI_ROLE_SELECTION].foreground, 15);
    assert_int_equal(theme.styles[TUI_ROLE_SELECTION].background, 236);
    assert_int_equal(theme.styles[TUI_ROLE_SELECTION].attributes,
                     TUI_ATTR_BOLD | TUI_ATTR_UNDERLINE);
    assert_int_equal(theme.styles[TUI_ROLE_STATUS].foreground, TUI_COLOR_DEFAULT);
    assert_int_equal(theme.styles[TUI_ROLE_STATUS].background, 5);
    assert_int_equal(theme.styles[TUI_ROLE_STATUS].attributes, 0);
}

static void test_parse_monochrome_switch(void **state)
{
    (void)state;
    tui_theme theme;
    tui_theme_default(&theme);
    assert_int_equal(tui_theme_parse(&theme, "monochrome = yes\n", NULL), 0);
    assert_int_equal(theme.monochrome, 1);
    assert_int_equal(tui_theme_parse(&theme, "monochrome = no", NULL), 0);
    assert_int_equal(theme.monochrome, 0);
}

/* Each invalid line with the line number and a word of the expected message. */
static const struct {
    const char *text;
    int line;
    const char *message;
} invalid_cases[] = {
    {"normal default default\n", 1, "expected 'role = "},
    {"\nnope = red blue\n", 2, "unknown role 'nope'"},
    {"normal = red\n", 1, "needs a foreground and a background"},
    {"normal = purple default\n", 1, "invalid colour 'purple'"},
    {"normal = red 256\n", 1, "invalid colour '256'"},
    {"normal = bright-8 default\n", 1, "invalid colour 'bright-8'"},
    {"normal = red blue blink\n", 1, "unknown attribute 'blink'"},
    {"normal title = red blue\n", 1, "one role name"},
    {"monochrome = maybe\n", 1, "monochrome must be"},
    {"# ok\n\nnormal = red blue bold dim underline reverse standout bold\n", 3,
     "too many attributes"},
};

static void test_parse_rejects_invalid_lines(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]); i++) {
        tui_theme theme;
        tui_theme_default(&theme);
        tui_theme_error error = {0};
        assert_int_equal(tui_theme_parse(&theme, invalid_cases[i].text, &error), -1);
        assert_int_equal(error.line, invalid_cases[i].line);
        if (!strstr(error.message, invalid_cases[i].message))
            fail_msg("case %zu: message '%s' lacks '%s'", i, error.message,
                     invalid_cases[i].message);
    }
}

static void test_dark_file_matches_builtin(void **state)
{
    (void)state;
    tui_theme builtin, loaded;
    char message[256] = "";
    tui_theme_default(&builtin);
    assert_int_equal(tui_theme_load(&loaded, "dark", shipped_dirs, message, sizeof(message)), 0);
    assert_string_equal(loaded.name, "dark");
    assert_memory_equal(loaded.styles, builtin.styles, sizeof(builtin.styles));
}

static void test_shipped_themes_load(void **state)
{
    (void)state;
    const char *names[] = {"dark", "light", "monochrome"};
    for (size_t i = 0; i < 3; i++) {
        tui_theme theme;
        char message[256] = "";
        if (tui_theme_load(&theme, names[i], shipped_dirs, message, sizeof(message)) != 0)
            fail_msg("theme %s: %s", names[i], message);
        assert_string_equal(theme.name, names[i]);
    }
}

static void test_monochrome_uses_no_colour(void **state)
{
    (void)state;
    tui_theme theme;
    char message[256] = "";
    assert_int_equal(tui_theme_load(&theme, "monochrome", shipped_dirs, message, sizeof(message)),
                     0);
    assert_int_equal(theme.monochrome, 1);
    for (int role = 0; role < TUI_ROLE_COUNT; role++) {
        assert_int_equal(theme.styles[role].foreground, TUI_COLOR_DEFAULT);
        assert_int_equal(theme.styles[role].background, TUI_COLOR_DEFAULT);
    }
    /* Without colour, the cursor row must still differ from ordinary rows. */
    assert_true(theme.styles[TUI_ROLE_SELECTION].attributes & TUI_ATTR_REVERSE);
}

static void test_load_unknown_theme(void **state)
{
    (void)state;
    tui_theme theme;
    char message[256] = "";
    assert_int_equal(tui_theme_load(&theme, "solarized", shipped_dirs, message, sizeof(message)),
                     -1);
    assert_non_null(strstr(message, "theme 'solarized' not found"));
    assert_int_equal(tui_theme_load(&theme, "../etc", shipped_dirs, message, sizeof(message)), -1);
    assert_int_equal(tui_theme_load(&theme, "bad name", shipped_dirs, message, sizeof(message)),
                     -1);
    assert_non_null(strstr(message, "invalid theme name"));
}

static void test_load_reports_file_and_line(void **state)
{
    (void)state;
    char path[] = "/tmp/whittle-theme-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "normal = red default\nselection = red\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);

    tui_theme theme;
    char message[512] = "";
    assert_int_equal(tui_theme_load(&theme, path, NULL, message, sizeof(message)), -1);
    assert_non_null(strstr(message, path));
    assert_non_null(strstr(message, ":2: "));
    unlink(path);

    assert_int_equal(tui_theme_load(&theme, "/nonexistent/x.theme", NULL, message, sizeof(message)),
                     -1);
    assert_non_null(strstr(message, "cannot read theme file /nonexistent/x.theme"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_theme_has_every_role),
        cmocka_unit_test(test_role_names_round_trip),
        cmocka_unit_test(test_parse_colors_and_attributes),
        cmocka_unit_test(test_parse_monochrome_switch),
        cmocka_unit_test(test_parse_rejects_invalid_lines),
        cmocka_unit_test(test_dark_file_matches_builtin),
        cmocka_unit_test(test_shipped_themes_load),
        cmocka_unit_test(test_monochrome_uses_no_colour),
        cmocka_unit_test(test_load_unknown_theme),
        cmocka_unit_test(test_load_reports_file_and_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
