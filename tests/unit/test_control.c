/* Debian control paragraphs and relation fields: valid tables and malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../catalog/control.h"

static void parse_ok(const char *text, whc_control_file *file)
{
    wh_error err = { 0 };
    wh_status status = whc_control_parse(text, strlen(text), "test", file, &err);
    if (status != WH_OK)
        fail_msg("parse failed: %s", err.message);
}

static void parse_fails(const char *text, size_t size, const char *expected_message)
{
    wh_error err = { 0 };
    whc_control_file file;
    wh_status status = whc_control_parse(text, size, "test", &file, &err);
    assert_int_not_equal(status, WH_OK);
    assert_int_equal(file.count, 0);
    if (strstr(err.message, expected_message) == NULL)
        fail_msg("message '%s' lacks '%s'", err.message, expected_message);
}

/* Passes the literal's length, so texts with embedded NUL bytes work too. */
#define PARSE_FAILS(text, expected) parse_fails(text, sizeof(text) - 1, expected)

static void control_single_paragraph(void **state)
{
    (void)state;
    whc_control_file file;
    parse_ok("Package: tini\n"
             "Version: 0.19.0-1+b3\n"
             "Description: tiny but valid init for containers\n"
             " Tini is the simplest init.\n"
             " .\n"
             "\tAll Tini does is spawn a child.\n",
             &file);

    assert_int_equal(file.count, 1);
    const whc_control_paragraph *paragraph = &file.paragraphs[0];
    assert_int_equal(paragraph->count, 3);
    assert_int_equal(paragraph->line, 1);
    assert_string_equal(whc_control_get(paragraph, "Package"), "tini");
    assert_string_equal(whc_control_get(paragraph, "version"), "0.19.0-1+b3");
    assert_string_equal(whc_control_get(paragraph, "DESCRIPTION"),
                        "tiny but valid init for containers\n"
                        "Tini is the simplest init.\n"
                        ".\n"
                        "All Tini does is spawn a child.");
    assert_null(whc_control_get(paragraph, "Depends"));
    assert_int_equal(paragraph->fields[2].line, 3);
    whc_control_free(&file);
}

static void control_paragraphs_and_comments(void **state)
{
    (void)state;
    whc_control_file file;
    parse_ok("# leading comment\n"
             "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\r\n"
             "\n"
             "  \t\n"
             "Files: *\n"
             "# comment inside a paragraph\n"
             "License:   Expat   \n"
             "\n\n",
             &file);

    assert_int_equal(file.count, 2);
    assert_int_equal(file.paragraphs[0].line, 2);
    assert_string_equal(whc_control_get(&file.paragraphs[0], "Format"),
                        "https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/");
    assert_int_equal(file.paragraphs[1].line, 5);
    assert_string_equal(whc_control_get(&file.paragraphs[1], "Files"), "*");
    assert_string_equal(whc_control_get(&file.paragraphs[1], "License"), "Expat");
    whc_control_free(&file);
}

static void control_empty_and_no_newline(void **state)
{
    (void)state;
    whc_control_file file;
    parse_ok("", &file);
    assert_int_equal(file.count, 0);
    whc_control_free(&file);

    parse_ok("Package: a", &file);
    assert_int_equal(file.count, 1);
    assert_string_equal(whc_control_get(&file.paragraphs[0], "Package"), "a");
    whc_control_free(&file);

    parse_ok("Empty:\n", &file);
    assert_string_equal(whc_control_get(&file.paragraphs[0], "Empty"), "");
    whc_control_free(&file);
}

static void control_malformed_input(void **state)
{
    (void)state;
    PARSE_FAILS("Package: a\nno colon here\n", "line 2: expected 'Field: value'");
    PARSE_FAILS(" starts with a space\n", "line 1: continuation line without a field");
    PARSE_FAILS("Package: a\n\n continued\n", "line 3: continuation line");
    PARSE_FAILS("Package: a\nVersion: 1\npackage: b\n", "line 3: duplicate field 'Package' (first at line 1)");
    PARSE_FAILS(": value\n", "line 1: invalid field name");
    PARSE_FAILS("-Bad: value\n", "line 1: invalid field name");
    PARSE_FAILS("Bad Name: value\n", "line 1: invalid field name");
    PARSE_FAILS("Package: a\0b\n", "NUL byte");
}

static void control_size_limit(void **state)
{
    (void)state;
    size_t size = WHC_CONTROL_MAX_SIZE + 1;
    char *text = malloc(size);
    assert_non_null(text);
    memset(text, 'a', size);
    wh_error err = { 0 };
    whc_control_file file;
    assert_int_equal(whc_control_parse(text, size, "big", &file, &err), WH_ERR_LIMIT);
    assert_non_null(strstr(err.message, "big"));
    free(text);
}

/* One expected record: "group.alternative name op version qualifier" with "-" for NULL. */
typedef struct relation_case {
    const char *input;
    const char *expected[6];
} relation_case;

static const relation_case relation_cases[] = {
    { "libc6 (>= 2.34)", { "0.0 libc6 >= 2.34 -" } },
    { "a, b", { "0.0 a - - -", "1.0 b - - -" } },
    { "a | b (<< 2:1.0~rc1-1), c:any",
      { "0.0 a - - -", "0.1 b << 2:1.0~rc1-1 -", "1.0 c - - :any" } },
    { "python3:native (= 3.11.2-1+b1)", { "0.0 python3 = 3.11.2-1+b1 :native" } },
    { "  x\n  (>=1) ,\n y ", { "0.0 x >= 1 -", "1.0 y - - -" } },
    { "a (<= 1), b (>> 2), c (< 3), d (> 4)",
      { "0.0 a <= 1 -", "1.0 b >> 2 -", "2.0 c < 3 -", "3.0 d > 4 -" } },
    { "foo [amd64 arm64] <!nocheck>, bar [!i386]", { "0.0 foo - - -", "1.0 bar - - -" } },
    { "a,, b,", { "0.0 a - - -", "1.0 b - - -" } },
    { "lib.so+c_x-1.2", { "0.0 lib.so+c_x-1.2 - - -" } },
    { "", { NULL } },
};

static void format_record(const whc_relation_record *record, char *buffer, size_t size)
{
    snprintf(buffer, size, "%d.%d %s %s %s %s", record->group, record->alternative,
             record->name, record->op ? record->op : "-",
             record->version ? record->version : "-",
             record->arch_qualifier ? record->arch_qualifier : "-");
}

static void relations_valid_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(relation_cases) / sizeof(relation_cases[0]); i++) {
        const relation_case *c = &relation_cases[i];
        whc_relation_list list = { 0 };
        wh_error err = { 0 };
        if (whc_relations_parse_debian(c->input, WHC_REL_DEPENDS, "Depends", &list, &err) !=
            WH_OK)
            fail_msg("'%s': %s", c->input, err.message);

        size_t expected_count = 0;
        while (expected_count < 6 && c->expected[expected_count])
            expected_count++;
        if (list.count != expected_count)
            fail_msg("'%s': %zu records, expected %zu", c->input, list.count, expected_count);
        for (size_t r = 0; r < list.count; r++) {
            char actual[256];
            format_record(&list.records[r], actual, sizeof(actual));
            if (strcmp(actual, c->expected[r]) != 0)
                fail_msg("'%s' record %zu: '%s', expected '%s'", c->input, r, actual,
                         c->expected[r]);
            assert_int_equal(list.records[r].kind, WHC_REL_DEPENDS);
        }
        whc_relation_list_free(&list);
    }
}

static const char *const malformed_relations[] = {
    "a (>= )",    "a (!! 1)", "a (>= 1",  "a | | b",    "a b",
    "a [amd64",   "a <!x",    "(>= 1)",   "a:",         "a (>= 1) c",
    "a | ,",      "é",        "a (= 1 2)", "a [x, y]",
};

static void relations_malformed_input(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(malformed_relations) / sizeof(malformed_relations[0]); i++) {
        whc_relation_list list = { 0 };
        wh_error err = { 0 };
        wh_status status =
            whc_relations_parse_debian(malformed_relations[i], WHC_REL_DEPENDS, "pkg: Depends",
                                       &list, &err);
        if (status != WH_ERR_FORMAT)
            fail_msg("'%s' was accepted", malformed_relations[i]);
        assert_int_equal(list.count, 0);
        assert_non_null(strstr(err.message, "pkg: Depends: invalid relation"));
        whc_relation_list_free(&list);
    }
}

static void relations_error_keeps_list(void **state)
{
    (void)state;
    whc_relation_list list = { 0 };
    wh_error err = { 0 };
    assert_int_equal(whc_relations_parse_debian("a, b", WHC_REL_PROVIDES, "p", &list, &err),
                     WH_OK);
    assert_int_equal(whc_relations_parse_debian("c, d (", WHC_REL_BREAKS, "p", &list, &err),
                     WH_ERR_FORMAT);
    assert_int_equal(list.count, 2);
    assert_string_equal(list.records[1].name, "b");
    assert_int_equal(list.records[1].kind, WHC_REL_PROVIDES);
    whc_relation_list_free(&list);
}

static void relations_long_token_rejected(void **state)
{
    (void)state;
    char name[400];
    memset(name, 'a', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    whc_relation_list list = { 0 };
    wh_error err = { 0 };
    assert_int_equal(whc_relations_parse_debian(name, WHC_REL_DEPENDS, "p", &list, &err),
                     WH_ERR_FORMAT);
    assert_int_equal(list.count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(control_single_paragraph),
        cmocka_unit_test(control_paragraphs_and_comments),
        cmocka_unit_test(control_empty_and_no_newline),
        cmocka_unit_test(control_malformed_input),
        cmocka_unit_test(control_size_limit),
        cmocka_unit_test(relations_valid_table),
        cmocka_unit_test(relations_malformed_input),
        cmocka_unit_test(relations_error_keeps_list),
        cmocka_unit_test(relations_long_token_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
