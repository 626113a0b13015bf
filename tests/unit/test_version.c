/* Version ordering for Debian and apk, and version constraints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "../../core/version.h"

typedef struct version_case {
    const char *a;
    const char *b;
    int expected; /* -1: a sorts before b, 0: equal, 1: after */
} version_case;

static int sign(int value)
{
    return (value > 0) - (value < 0);
}

static void check_cases(int (*compare)(const char *, const char *), const version_case *cases,
                        size_t count)
{
    for (size_t i = 0; i < count; i++) {
        int order = sign(compare(cases[i].a, cases[i].b));
        int reverse = sign(compare(cases[i].b, cases[i].a));
        if (order != cases[i].expected || reverse != -cases[i].expected) {
            fail_msg("compare(\"%s\", \"%s\") = %d and reversed %d; expected %d",
                     cases[i].a, cases[i].b, order, reverse, cases[i].expected);
        }
    }
}

static void debian_ordering(void **state)
{
    (void)state;
    static const version_case cases[] = {
        { "1.0", "1.0", 0 },
        { "1.0~rc1", "1.0", -1 },
        { "1.0~rc1", "1.0~rc2", -1 },
        { "1.0~~", "1.0~", -1 },
        { "1.0~", "1.0", -1 },
        { "1.0", "1.0a", -1 },
        { "1.0a", "1.0+", -1 },       /* letters before other characters */
        { "1.0+", "1.0.1", -1 },      /* both non-letters, so ASCII decides: '+' < '.' */
        { "1:0.1", "2.0", 1 },        /* the epoch decides first */
        { "0:2.0", "2.0", 0 },        /* a missing epoch is 0 */
        { "1.0-1", "1.0", 1 },
        { "1.0-0", "1.0", 0 },        /* a missing revision equals "0" */
        { "1.0-1", "1.0-2", -1 },
        { "1.0-1ubuntu1", "1.0-1", 1 },
        { "1.0-1~bpo1", "1.0-1", -1 },
        { "1.10", "1.9", 1 },         /* digits compare numerically */
        { "1.010", "1.10", 0 },       /* leading zeros do not count */
        { "1.0a", "1.01", -1 },       /* the digit runs 0 and 01 decide first */
        { "2.30-2", "2.30-10", -1 },
        { "1.2.3-4-5", "1.2.3-4-4", 1 }, /* the revision starts after the last '-' */
        { "1:1.0-1", "1:1.0-1", 0 },
        { "123456789012345678901234567890", "123456789012345678901234567891", -1 },
        { "", "0", 0 },
    };
    check_cases(wh_version_compare_debian, cases, sizeof(cases) / sizeof(cases[0]));
}

static void apk_ordering(void **state)
{
    (void)state;
    static const version_case cases[] = {
        { "1.2.3", "1.2.3", 0 },
        { "1.2.3_rc1", "1.2.3", -1 },
        { "1.2.3_alpha", "1.2.3_beta", -1 },
        { "1.2.3_beta2", "1.2.3_pre1", -1 },
        { "1.2.3_pre1", "1.2.3_rc1", -1 },
        { "1.2.3_rc1", "1.2.3_rc2", -1 },
        { "1.2.3_p1", "1.2.3", 1 },
        { "1.2.3_git20240101", "1.2.3_p1", -1 },
        { "1.2.3-r1", "1.2.3", 1 },
        { "1.2.3-r1", "1.2.3-r10", -1 },
        { "1.2.3-r9", "1.2.4", -1 },
        { "1.2a", "1.2", 1 },
        { "1.2a", "1.2b", -1 },
        { "1.2a", "1.2.1", -1 },      /* more numbers win before the letter counts */
        { "1.10", "1.9", 1 },
        { "1.2", "1.2.0", -1 },
        { "2.0", "1.99.99", 1 },
        { "1.2.3", "not-a-version", -1 }, /* invalid strings sort after valid ones */
    };
    check_cases(wh_version_compare_apk, cases, sizeof(cases) / sizeof(cases[0]));
}

typedef struct constraint_case {
    const char *version;
    const char *op;
    const char *wanted;
    int expected;
} constraint_case;

static void debian_constraints(void **state)
{
    (void)state;
    static const constraint_case cases[] = {
        { "2.36-9", ">=", "2.34", 1 },
        { "2.34", ">=", "2.34", 1 },
        { "2.33", ">=", "2.34", 0 },
        { "2.34", ">>", "2.34", 0 },
        { "2.35", ">>", "2.34", 1 },
        { "2.34", "<<", "2.34", 0 },
        { "2.33", "<<", "2.34", 1 },
        { "2.34", "<=", "2.34", 1 },
        { "2.34", "=", "2.34", 1 },
        { "2.34-1", "=", "2.34", 0 },
        { "2.34", "<", "2.34", 1 },   /* deprecated "<" means "<=" */
        { "2.34", ">", "2.34", 1 },   /* deprecated ">" means ">=" */
        { "2.35", "<", "2.34", 0 },
        { "1.0", "!=", "1.0", -1 },   /* unknown operator */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int satisfied = wh_version_satisfies(wh_version_compare_debian, cases[i].version,
                                             cases[i].op, cases[i].wanted);
        if (satisfied != cases[i].expected)
            fail_msg("\"%s %s %s\" returned %d; expected %d", cases[i].version, cases[i].op,
                     cases[i].wanted, satisfied, cases[i].expected);
    }
}

static void apk_fuzzy_constraint(void **state)
{
    (void)state;
    assert_int_equal(wh_version_satisfies(wh_version_compare_apk, "1.2.5", "~", "1.2"), 1);
    assert_int_equal(wh_version_satisfies(wh_version_compare_apk, "1.2", "~", "1.2"), 1);
    assert_int_equal(wh_version_satisfies(wh_version_compare_apk, "1.2_rc1", "~", "1.2"), 1);
    assert_int_equal(wh_version_satisfies(wh_version_compare_apk, "1.20", "~", "1.2"), 0);
    assert_int_equal(wh_version_satisfies(wh_version_compare_apk, "1.3", "~", "1.2"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(debian_ordering),
        cmocka_unit_test(apk_ordering),
        cmocka_unit_test(debian_constraints),
        cmocka_unit_test(apk_fuzzy_constraint),
    };
    return cmocka_run_group_tests_name("version", tests, NULL, NULL);
}
