/*
 * Spec loading, validation messages, canonical saving and applying a spec
 * to a composition. Case folders: every .json file in tests/data/spec/valid
 * must load and save back byte for byte. Every X.json in
 * tests/data/spec/invalid must fail with a message containing the text of
 * X.expected.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../core/fs.h"
#include "../../core/spec.h"
#include "../../core/spec_apply.h"
#include "support_graph.h"

#define VALID_DIR "tests/data/spec/valid"
#define INVALID_DIR "tests/data/spec/invalid"

static char *read_text(const char *path, size_t *size)
{
    char *text = NULL;
    wh_error err = { 0 };
    if (wh_read_file(path, 1 << 20, &text, size, &err) != WH_OK)
        fail_msg("cannot read %s: %s", path, err.message);
    return text;
}

static int has_suffix(const char *name, const char *suffix)
{
    size_t length = strlen(name), suffix_length = strlen(suffix);
    return length > suffix_length && strcmp(name + length - suffix_length, suffix) == 0;
}

static void test_valid_cases_round_trip(void **state)
{
    (void)state;
    DIR *dir = opendir(VALID_DIR);
    assert_non_null(dir);
    int cases = 0;
    for (struct dirent *entry; (entry = readdir(dir)) != NULL;) {
        if (!has_suffix(entry->d_name, ".json"))
            continue;
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", VALID_DIR, entry->d_name);
        size_t size = 0;
        char *text = read_text(path, &size);

        wh_spec *spec = NULL;
        wh_error err = { 0 };
        if (wh_spec_parse(text, size, path, &spec, &err) != WH_OK)
            fail_msg("%s should be valid: %s", path, err.message);
        char *saved = NULL;
        size_t saved_size = 0;
        assert_int_equal(wh_spec_serialize(spec, &saved, &saved_size, &err), WH_OK);
        if (saved_size != size || memcmp(saved, text, size) != 0)
            fail_msg("%s does not round-trip; saved:\n%s", path, saved);

        free(saved);
        wh_spec_free(spec);
        free(text);
        cases++;
    }
    closedir(dir);
    assert_true(cases >= 3);
}

static void test_invalid_cases_name_path(void **state)
{
    (void)state;
    DIR *dir = opendir(INVALID_DIR);
    assert_non_null(dir);
    int cases = 0;
    for (struct dirent *entry; (entry = readdir(dir)) != NULL;) {
        if (!has_suffix(entry->d_name, ".json"))
            continue;
        char path[512], expected_path[512];
        snprintf(path, sizeof(path), "%s/%s", INVALID_DIR, entry->d_name);
        snprintf(expected_path, sizeof(expected_path), "%s/%.*s.expected", INVALID_DIR,
                 (int)(strlen(entry->d_name) - 5), entry->d_name);
        size_t size = 0, expected_size = 0;
        char *text = read_text(path, &size);
        char *expected = read_text(expected_path, &expected_size);
        expected[strcspn(expected, "\n")] = '\0';

        wh_spec *spec = NULL;
        wh_error err = { 0 };
        if (wh_spec_parse(text, size, path, &spec, &err) == WH_OK)
            fail_msg("%s should be invalid", path);
        assert_null(spec);
        assert_int_equal(err.status, WH_ERR_INVALID);
        if (strstr(err.message, expected) == NULL)
            fail_msg("%s: expected '%s' in the message, got '%s'", path, expected, err.message);
        if (strncmp(err.message, path, strlen(path)) != 0)
            fail_msg("%s: the message should start with the file name: '%s'", path, err.message);

        free(expected);
        free(text);
        cases++;
    }
    closedir(dir);
    assert_true(cases >= 20);
}

static void test_canonical_order_and_indent(void **state)
{
    (void)state;
    const char *text = "{\"policy\": \"strict\",   \"components\":[\"b\",\"a\"],"
                       " \"config\": {\"env\": {\"Z\": \"1\", \"A\": \"2\"}, \"cmd\": [\"x\"]}}";
    const char *expected = "{\n"
                           "  \"components\": [\n"
                           "    \"b\",\n"
                           "    \"a\"\n"
                           "  ],\n"
                           "  \"config\": {\n"
                           "    \"cmd\": [\n"
                           "      \"x\"\n"
                           "    ],\n"
                           "    \"env\": {\n"
                           "      \"A\": \"2\",\n"
                           "      \"Z\": \"1\"\n"
                           "    }\n"
                           "  },\n"
                           "  \"policy\": \"strict\"\n"
                           "}\n";
    wh_spec *spec = NULL;
    wh_error err = { 0 };
    assert_int_equal(wh_spec_parse(text, strlen(text), "inline", &spec, &err), WH_OK);
    char *saved = NULL;
    assert_int_equal(wh_spec_serialize(spec, &saved, NULL, &err), WH_OK);
    assert_string_equal(saved, expected);
    free(saved);
    wh_spec_free(spec);
}

static void test_defaults_for_names_only(void **state)
{
    (void)state;
    const char *text = "{\"components\": [\"caddy\"]}";
    wh_spec *spec = NULL;
    wh_error err = { 0 };
    assert_int_equal(wh_spec_parse(text, strlen(text), "inline", &spec, &err), WH_OK);
    const wh_spec_view *view = wh_spec_get(spec);
    assert_null(view->base);
    assert_string_equal(view->policy_profile, "baseline");
    assert_null(view->policy_file);
    assert_int_equal(view->component_count, 1);
    assert_string_equal(view->components[0].name, "caddy");
    assert_int_equal(view->components[0].follow_declared, -1);
    assert_int_equal(view->source_date_epoch, -1);
    assert_int_equal(view->compression_level, 0);
    assert_int_equal(view->size_budget, -1);
    assert_null(view->entrypoint);
    assert_null(view->cmd);
    assert_int_equal(view->env_count, 0);
    assert_null(view->workdir);
    wh_spec_free(spec);
}

static void test_view_reads_every_section(void **state)
{
    (void)state;
    wh_spec *spec = NULL;
    wh_error err = { 0 };
    assert_int_equal(wh_spec_load(VALID_DIR "/full.json", &spec, &err), WH_OK);
    const wh_spec_view *view = wh_spec_get(spec);
    assert_string_equal(view->base, "debian-bookworm-minbase");
    assert_int_equal(view->source_date_epoch, 1700000000);
    assert_int_equal(view->compression_level, 6);
    assert_int_equal(view->components[1].keep_count, 1);
    assert_string_equal(view->components[1].keep[0], "/usr/bin/tini-static");
    assert_int_equal(view->components[2].follow_declared, 0);
    assert_int_equal(view->exclude_count, 2);
    assert_int_equal(view->exclude_path_count, 2);
    assert_int_equal(view->files[0].mode, 0755);
    assert_string_equal(view->run_as, "app");
    assert_int_equal(view->users[0].uid, 65532);
    assert_int_equal(view->paths[0].mode, 01777);
    assert_string_equal(view->policy_profile, "strict");
    assert_int_equal(view->allow_executable_count, 2);
    assert_int_equal(view->size_budget, 52428800);
    assert_int_equal(view->lock_count, 1);
    assert_string_equal(view->lock[0].version, "2.6.2-5");

    assert_int_equal(view->entrypoint_count, 2);
    assert_string_equal(view->entrypoint[1], "--");
    assert_int_equal(view->cmd_count, 2);
    assert_string_equal(view->cmd[1], "--listen=:8080");
    assert_int_equal(view->env_count, 2);
    assert_string_equal(view->env[0].key, "PATH");
    assert_string_equal(view->env[1].value, "UTC");
    assert_int_equal(view->label_count, 2);
    assert_string_equal(view->labels[1].key, "org.opencontainers.image.title");
    assert_string_equal(view->workdir, "/var/lib/app");
    assert_int_equal(view->exposed_port_count, 1);
    assert_string_equal(view->exposed_ports[0], "8080/tcp");
    assert_string_equal(view->stop_signal, "SIGTERM");
    wh_spec_free(spec);
}

static void test_save_is_atomic_and_keeps_mode(void **state)
{
    (void)state;
    char dir[] = "/tmp/whittle-spec-test.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/spec.json", dir);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs("{\"components\":[\"caddy\"]}", file);
    fclose(file);
    assert_int_equal(chmod(path, 0600), 0);

    wh_spec *spec = NULL;
    wh_error err = { 0 };
    assert_int_equal(wh_spec_load(path, &spec, &err), WH_OK);
    assert_int_equal(wh_spec_save(spec, path, &err), WH_OK);
    wh_spec_free(spec);

    size_t size = 0;
    char *text = read_text(path, &size);
    assert_string_equal(text, "{\n  \"components\": [\n    \"caddy\"\n  ]\n}\n");
    free(text);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* Nothing but the spec is left in the folder. */
    DIR *listing = opendir(dir);
    int entries = 0;
    for (struct dirent *entry; (entry = readdir(listing)) != NULL;)
        entries += entry->d_name[0] != '.';
    closedir(listing);
    assert_int_equal(entries, 1);
    unlink(path);
    rmdir(dir);
}

static void test_set_lock_sorts_entries(void **state)
{
    (void)state;
    const char *text = "{\"components\": [\"b\", \"a\"]}";
    const char *digest = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    wh_spec_lock_entry entries[] = {
        { "b", "2.0", "amd64", NULL, digest },
        { "a", "1.0", "", digest, digest },
    };
    wh_spec *spec = NULL;
    wh_error err = { 0 };
    assert_int_equal(wh_spec_parse(text, strlen(text), "inline", &spec, &err), WH_OK);
    assert_int_equal(wh_spec_set_lock(spec, entries, 2, &err), WH_OK);
    const wh_spec_view *view = wh_spec_get(spec);
    assert_int_equal(view->lock_count, 2);
    assert_string_equal(view->lock[0].name, "a");
    assert_null(view->lock[0].architecture);
    assert_string_equal(view->lock[1].architecture, "amd64");
    assert_null(view->lock[1].origin);
    wh_spec_free(spec);
}

static void test_apply_unknown_component(void **state)
{
    (void)state;
    wh_graph *graph = NULL;
    wh_error err = { 0 };
    assert_int_equal(wh_graph_new(&graph, &err), WH_OK);
    tg_component(graph, "caddy", WH_KIND_UTILITY);
    tg_file(graph, "/usr/bin/caddy", 0755, 10, WH_FLAG_STATIC, "caddy");
    tg_finish(graph);

    const char *text = "{\"components\": [\"caddy\", \"nope\"]}";
    wh_spec *spec = NULL;
    wh_composition *c = NULL;
    assert_int_equal(wh_spec_parse(text, strlen(text), "inline", &spec, &err), WH_OK);
    assert_int_equal(wh_composition_new(graph, &c, &err), WH_OK);
    assert_int_equal(wh_spec_apply(spec, c, &err), WH_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "$.components[1]: unknown component 'nope'"));

    wh_composition_free(c);
    wh_spec_free(spec);
    wh_graph_free(graph);
}

static void test_apply_trims_and_excludes(void **state)
{
    (void)state;
    wh_graph *graph = NULL;
    wh_error err = { 0 };
    assert_int_equal(wh_graph_new(&graph, &err), WH_OK);
    tg_component(graph, "base", WH_KIND_BASE);
    tg_relation(graph, WH_REL_DEPENDS, 0, 0, "bash", NULL, NULL);
    tg_relation(graph, WH_REL_DEPENDS, 1, 0, "tzdata", NULL, NULL);
    tg_component(graph, "bash", WH_KIND_UTILITY);
    tg_file(graph, "/bin/bash", 0755, 1000, WH_FLAG_SHELL | WH_FLAG_STATIC, "bash");
    tg_component(graph, "tzdata", WH_KIND_DATA);
    tg_file(graph, "/usr/share/zoneinfo/UTC", 0644, 100, 0, "utc");
    tg_file(graph, "/usr/share/doc/tzdata/README", 0644, 50, 0, "readme");
    tg_finish(graph);

    const char *text = "{\"base\": \"base\", \"exclude\": [\"bash\"],"
                       " \"exclude-paths\": [\"/usr/share/doc/**\"]}";
    wh_spec *spec = NULL;
    wh_composition *c = NULL;
    assert_int_equal(wh_spec_parse(text, strlen(text), "inline", &spec, &err), WH_OK);
    assert_int_equal(wh_composition_new(graph, &c, &err), WH_OK);
    assert_int_equal(wh_spec_apply(spec, c, &err), WH_OK);
    assert_true(wh_composition_included(c, wh_graph_find(graph, "tzdata")));
    assert_false(wh_composition_included(c, wh_graph_find(graph, "bash")));
    assert_int_equal(wh_composition_totals(c).bytes, 100);

    wh_composition_free(c);
    wh_spec_free(spec);
    wh_graph_free(graph);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_cases_round_trip),
        cmocka_unit_test(test_invalid_cases_name_path),
        cmocka_unit_test(test_canonical_order_and_indent),
        cmocka_unit_test(test_defaults_for_names_only),
        cmocka_unit_test(test_view_reads_every_section),
        cmocka_unit_test(test_save_is_atomic_and_keeps_mode),
        cmocka_unit_test(test_set_lock_sorts_entries),
        cmocka_unit_test(test_apply_unknown_component),
        cmocka_unit_test(test_apply_trims_and_excludes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
