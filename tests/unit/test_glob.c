/* Path globs: segments, "**", classes, escapes and validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../core/glob.h"

typedef struct glob_case {
    const char *pattern;
    const char *path;
    int matches;
} glob_case;

static const glob_case cases[] = {
    { "/usr/bin/tini", "/usr/bin/tini", 1 },
    { "/usr/bin/tini", "/usr/bin/tini-static", 0 },
    { "/usr/bin/*", "/usr/bin/tini", 1 },
    { "/usr/bin/*", "/usr/bin/sub/tini", 0 },
    { "/usr/share/doc/**", "/usr/share/doc/caddy/README", 1 },
    { "/usr/share/doc/**", "/usr/share/doc/caddy", 1 },
    { "/usr/share/doc/**", "/usr/share/doc", 0 },
    { "/usr/share/doc/**", "/usr/share/docs/x", 0 },
    { "/usr/**/*.a", "/usr/lib/libc.a", 1 },
    { "/usr/**/*.a", "/usr/libc.a", 1 },
    { "/usr/**/*.a", "/usr/lib/x86_64-linux-gnu/libz.a", 1 },
    { "/usr/**/*.a", "/usr/lib/libc.so", 0 },
    { "/**", "/etc/passwd", 1 },
    { "/usr/lib/lib?.so", "/usr/lib/libz.so", 1 },
    { "/usr/lib/lib?.so", "/usr/lib/libzz.so", 0 },
    { "/etc/[ab]*", "/etc/alternatives", 1 },
    { "/etc/[!ab]*", "/etc/alternatives", 0 },
    { "/etc/[a-c]x", "/etc/bx", 1 },
    { "/etc/[a-c]x", "/etc/dx", 0 },
    { "/etc/\\*", "/etc/*", 1 },
    { "/etc/\\*", "/etc/x", 0 },
    { "/usr/share/locale/*/LC_MESSAGES/*.mo", "/usr/share/locale/de/LC_MESSAGES/curl.mo", 1 },
};

static void test_glob_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int matches = wh_glob_match(cases[i].pattern, cases[i].path);
        if (matches != cases[i].matches)
            fail_msg("'%s' against '%s': expected %d, got %d", cases[i].pattern, cases[i].path,
                     cases[i].matches, matches);
    }
}

static void test_glob_validation(void **state)
{
    (void)state;
    wh_error err = { 0 };
    assert_int_equal(wh_glob_validate("/usr/share/doc/**", &err), WH_OK);
    assert_int_equal(wh_glob_validate("/usr/**/*.a", &err), WH_OK);
    assert_int_equal(wh_glob_validate("usr/bin", &err), WH_ERR_INVALID);
    assert_int_equal(wh_glob_validate("/usr/doc**", &err), WH_ERR_INVALID);
    assert_int_equal(wh_glob_validate("/usr/[abc", &err), WH_ERR_INVALID);
    assert_int_equal(wh_glob_validate("/usr/[", &err), WH_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glob_cases),
        cmocka_unit_test(test_glob_validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
