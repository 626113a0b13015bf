/* Resolution over a component graph built in code: closure, reasons, trimming, sizes, impact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/compose.h"
#include "support_graph.h"

static const char *const needs_libc[] = { "libc.so.6", NULL };
static const char *const needs_foo[] = { "libfoo.so.1", "libc.so.6", NULL };
static const char *const needs_bar[] = { "libbar.so", NULL };
static const char *const needs_missing[] = { "libmissing.so.9", NULL };

#define LD "/lib64/ld-linux-x86-64.so.2"

static wh_graph *build_graph(void)
{
    wh_graph *graph = NULL;
    wh_error err = { 0 };
    assert_int_equal(wh_graph_new(&graph, &err), WH_OK);

    tg_component(graph, "libc6", WH_KIND_LIBRARY);
    tg_dir(graph, "/lib");
    tg_dir(graph, "/lib/x86_64-linux-gnu");
    tg_elf(graph, "/lib/x86_64-linux-gnu/libc.so.6", 2000000, LD, NULL, NULL, "libc.so.6",
           WH_FLAG_DYNAMIC | WH_FLAG_SHARED_LIBRARY);
    tg_elf(graph, "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", 200000, NULL, NULL, NULL,
           "ld-linux-x86-64.so.2", WH_FLAG_SHARED_LIBRARY);
    tg_dir(graph, "/lib64");
    tg_symlink(graph, LD, "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
    tg_file(graph, "/usr/share/doc/libc6/copyright", 0644, 5000, 0, "libc6 copyright");

    tg_component(graph, "caddy", WH_KIND_UTILITY);
    tg_elf(graph, "/usr/bin/caddy", 40000000, LD, needs_libc, NULL, NULL, WH_FLAG_DYNAMIC);
    tg_file(graph, "/usr/share/doc/caddy/README", 0644, 3000, 0, "caddy readme");

    tg_component(graph, "tini", WH_KIND_UTILITY);
    tg_elf(graph, "/usr/bin/tini", 30000, LD, needs_libc, NULL, NULL, WH_FLAG_DYNAMIC);
    tg_elf(graph, "/usr/bin/tini-static", 800000, NULL, NULL, NULL, NULL, WH_FLAG_STATIC);

    /* Two components ship libfoo.so.1: the one first by name wins unless the other is in. */
    tg_component(graph, "libfoo1", WH_KIND_LIBRARY);
    tg_elf(graph, "/usr/lib/libfoo.so.1", 1000, NULL, needs_libc, NULL, "libfoo.so.1",
           WH_FLAG_DYNAMIC | WH_FLAG_SHARED_LIBRARY);
    tg_component(graph, "libfoo1-alt", WH_KIND_LIBRARY);
    tg_elf(graph, "/usr/lib/x86_64-linux-gnu/libfoo.so.1", 1100, NULL, needs_libc, NULL,
           "libfoo.so.1", WH_FLAG_DYNAMIC | WH_FLAG_SHARED_LIBRARY);
    tg_component(graph, "footool", WH_KIND_UTILITY);
    tg_elf(graph, "/usr/bin/footool", 500, LD, needs_foo, NULL, NULL, WH_FLAG_DYNAMIC);

    /* RUNPATH with $ORIGIN. */
    tg_component(graph, "app", WH_KIND_APPLICATION);
    tg_elf(graph, "/opt/app/bin/app", 700, NULL, needs_bar, "$ORIGIN/../lib", NULL,
           WH_FLAG_DYNAMIC);
    tg_component(graph, "app-libs", WH_KIND_LIBRARY);
    tg_elf(graph, "/opt/app/lib/libbar.so", 300, NULL, NULL, NULL, "libbar.so",
           WH_FLAG_DYNAMIC | WH_FLAG_SHARED_LIBRARY);

    /* Scripts: a direct interpreter and /usr/bin/env. */
    tg_component(graph, "hello", WH_KIND_UTILITY);
    tg_script(graph, "/usr/bin/hello", "/usr/bin/env", "python3");
    tg_component(graph, "coreutils", WH_KIND_UTILITY);
    tg_elf(graph, "/usr/bin/env", 40000, NULL, NULL, NULL, NULL, WH_FLAG_STATIC);
    tg_component(graph, "python3", WH_KIND_UTILITY);
    tg_elf(graph, "/usr/bin/python3", 6000, NULL, NULL, NULL, NULL, WH_FLAG_STATIC);

    /* Unsatisfied soname and dangling symlink. */
    tg_component(graph, "broken", WH_KIND_UTILITY);
    tg_elf(graph, "/usr/bin/broken", 10, NULL, needs_missing, NULL, NULL, WH_FLAG_DYNAMIC);
    tg_symlink(graph, "/usr/bin/dangling", "../lib/nowhere");

    /* A symlink into another component pulls it in. */
    tg_component(graph, "linker", WH_KIND_DATA);
    tg_symlink(graph, "/etc/localtime", "/usr/share/zoneinfo/UTC");
    tg_component(graph, "tzdata", WH_KIND_DATA);
    tg_file(graph, "/usr/share/zoneinfo/UTC", 0644, 118, 0, "utc");

    /* Same path: same content in one pair, different content in another. */
    tg_component(graph, "conf-a", WH_KIND_DATA);
    tg_file(graph, "/etc/shared.conf", 0644, 100, 0, "same");
    tg_component(graph, "conf-b", WH_KIND_DATA);
    tg_file(graph, "/etc/shared.conf", 0644, 100, 0, "same");
    tg_component(graph, "conf-c", WH_KIND_DATA);
    tg_file(graph, "/etc/shared.conf", 0644, 90, 0, "different");

    /* Hardlinks count their content once. */
    tg_component(graph, "linked", WH_KIND_UTILITY);
    tg_elf(graph, "/usr/bin/gzip", 1000, NULL, NULL, NULL, NULL, WH_FLAG_STATIC);
    tg_hardlink(graph, "/usr/bin/gunzip", "/usr/bin/gzip");

    /* Declared relations: alternatives, versions and a virtual package. */
    tg_component(graph, "declarer", WH_KIND_UTILITY);
    tg_file(graph, "/usr/share/declarer", 0644, 10, 0, "declarer");
    tg_relation(graph, WH_REL_DEPENDS, 0, 0, "tzdata", ">=", "2.0");
    tg_relation(graph, WH_REL_DEPENDS, 0, 1, "python3", NULL, NULL);
    tg_relation(graph, WH_REL_DEPENDS, 1, 0, "awk-virtual", NULL, NULL);
    tg_component(graph, "mawk", WH_KIND_UTILITY);
    tg_file(graph, "/usr/bin/mawk", 0755, 10, WH_FLAG_STATIC, "mawk");
    tg_relation(graph, WH_REL_PROVIDES, 0, 0, "awk-virtual", NULL, NULL);

    tg_finish(graph);
    return graph;
}

static int setup(void **state)
{
    *state = build_graph();
    return 0;
}

static int teardown(void **state)
{
    wh_graph_free(*state);
    return 0;
}

static wh_composition *compose(const wh_graph *graph, const char *const *names)
{
    wh_composition *c = NULL;
    wh_error err = { 0 };
    assert_int_equal(wh_composition_new(graph, &c, &err), WH_OK);
    for (size_t i = 0; names[i] != NULL; i++) {
        uint32_t id = wh_graph_find(graph, names[i]);
        assert_int_not_equal(id, WH_NONE);
        wh_composition_set_root(c, id, WH_ROOT_SELECTED);
    }
    assert_int_equal(wh_composition_resolve(c, &err), WH_OK);
    return c;
}

static int included(const wh_composition *c, const char *name)
{
    return wh_composition_included(c, wh_graph_find(wh_composition_graph(c), name));
}

static void test_soname_pulls_in_libc(void **state)
{
    const wh_graph *graph = *state;
    wh_composition *c = compose(graph, (const char *const[]){ "caddy", NULL });

    assert_true(included(c, "caddy"));
    assert_true(included(c, "libc6"));
    const wh_reason *reason = wh_composition_reason(c, wh_graph_find(graph, "libc6"));
    assert_int_equal(reason->kind, WH_REASON_REQUIRED);
    assert_int_equal(reason->by, wh_graph_find(graph, "caddy"));
    assert_string_equal(wh_graph_file_at(graph, reason->file)->path, "/usr/bin/caddy");
    assert_string_equal(reason->name, "libc.so.6");
    assert_int_equal(reason->requirement, WH_REQ_SONAME);

    wh_totals totals = wh_composition_totals(c);
    assert_int_equal(totals.components, 2);
    assert_int_equal(totals.bytes, 2000000 + 200000 + 5000 + 40000000 + 3000);

    /* Both of caddy's requirements are recorded with the provider file chosen. */
    uint32_t count = 0;
    const wh_choice *choices = wh_composition_choices(c, &count);
    assert_int_equal(count, 2);
    assert_string_equal(choices[0].name, "libc.so.6");
    assert_string_equal(wh_graph_file_at(graph, choices[0].provider_file)->path,
                        "/lib/x86_64-linux-gnu/libc.so.6");
    assert_string_equal(choices[1].name, LD);
    assert_string_equal(wh_graph_file_at(graph, choices[1].provider_file)->path, LD);
    assert_int_equal(choices[1].requirement, WH_REQ_INTERPRETER);
    wh_composition_free(c);
}

static void test_keep_list_drops_requirements(void **state)
{
    const wh_graph *graph = *state;
    wh_error err = { 0 };
    wh_composition *c = compose(graph, (const char *const[]){ "tini", NULL });
    assert_true(included(c, "libc6"));

    const char *keep[] = { "/usr/bin/tini-static" };
    assert_int_equal(wh_composition_set_trim(c, wh_graph_find(graph, "tini"), keep, 1, NULL, 0,
                                             &err), WH_OK);
    assert_int_equal(wh_composition_resolve(c, &err), WH_OK);
    assert_false(included(c, "libc6"));
    wh_totals totals = wh_composition_totals(c);
    assert_int_equal(totals.files, 1);
    assert_int_equal(totals.bytes, 800000);
    wh_composition_free(c);
}

static void test_exclude_paths_shrink_size(void **state)
{
    const wh_graph *graph = *state;
    wh_error err = { 0 };
    wh_composition *c = compose(graph, (const char *const[]){ "caddy", NULL });
    const char *globs[] = { "/usr/share/doc/**" };
    assert_int_equal(wh_composition_set_exclude_paths(c, globs, 1, &err), WH_OK);
    assert_int_equal(wh_composition_resolve(c, &err), WH_OK);
    assert_int_equal(wh_composition_totals(c).bytes, 2000000 + 200000 + 40000000);
    wh_composition_free(c);
}

static void test_provider_choice_by_name(void **state)
{
    const wh_graph *graph = *state;
    wh_composition *c = compose(graph, (const char *const[]){ "footool", NULL });
    assert_true(included(c, "libfoo1"));
    assert_false(included(c, "libfoo1-alt"));
    wh_composition_free(c);

    c = compose(graph, (const char *const[]){ "footool", "libfoo1-alt", NULL });
    assert_true(included(c, "libfoo1-alt"));
    assert_false(included(c, "libfoo1"));
    wh_composition_free(c);
}

static void test_runpath_origin(void **state)
{
    wh_composition *c = compose(*state, (const char *const[]){ "app", NULL });
    assert_true(included(c, "app-libs"));
    uint32_t count = 0;
    wh_composition_unsatisfied(c, &count);
    assert_int_equal(count, 0);
    wh_composition_free(c);
}

static void test_env_script_needs_command(void **state)
{
    wh_composition *c = compose(*state, (const char *const[]){ "hello", NULL });
    assert_true(included(c, "coreutils"));
    assert_true(included(c, "python3"));
    wh_composition_free(c);
}

static void test_unsatisfied_names_file(void **state)
{
    const wh_graph *graph = *state;
    wh_composition *c = compose(graph, (const char *const[]){ "broken", NULL });
    uint32_t count = 0;
    const wh_unsatisfied *list = wh_composition_unsatisfied(c, &count);
    assert_int_equal(count, 2);

    int soname = list[0].requirement == WH_REQ_SONAME ? 0 : 1;
    assert_string_equal(list[soname].name, "libmissing.so.9");
    assert_string_equal(wh_graph_file_at(graph, list[soname].file)->path, "/usr/bin/broken");
    assert_false(list[soname].warning);
    assert_string_equal(wh_graph_file_at(graph, list[1 - soname].file)->path, "/usr/bin/dangling");
    assert_true(list[1 - soname].warning);
    wh_composition_free(c);
}

static void test_symlink_target_pulls_in(void **state)
{
    wh_composition *c = compose(*state, (const char *const[]){ "linker", NULL });
    assert_true(included(c, "tzdata"));
    wh_composition_free(c);
}

static void test_shared_path_counts_once(void **state)
{
    wh_composition *c = compose(*state, (const char *const[]){ "conf-a", "conf-b", NULL });
    wh_totals totals = wh_composition_totals(c);
    assert_int_equal(totals.files, 1);
    assert_int_equal(totals.bytes, 100);
    uint32_t count = 0;
    wh_composition_conflicts(c, &count);
    assert_int_equal(count, 0);
    wh_composition_free(c);
}

static void test_conflict_different_content(void **state)
{
    const wh_graph *graph = *state;
    wh_composition *c = compose(graph, (const char *const[]){ "conf-a", "conf-c", NULL });
    uint32_t count = 0;
    const wh_conflict *conflicts = wh_composition_conflicts(c, &count);
    assert_int_equal(count, 1);
    assert_string_equal(wh_graph_file_at(graph, conflicts[0].first_file)->path, "/etc/shared.conf");
    assert_int_equal(wh_graph_file_at(graph, conflicts[0].first_file)->component,
                     wh_graph_find(graph, "conf-a"));
    wh_composition_free(c);
}

static void test_hardlink_counts_once(void **state)
{
    wh_composition *c = compose(*state, (const char *const[]){ "linked", NULL });
    wh_totals totals = wh_composition_totals(c);
    assert_int_equal(totals.files, 2);
    assert_int_equal(totals.bytes, 1000);
    wh_composition_free(c);
}

static void test_declared_followed_on_request(void **state)
{
    const wh_graph *graph = *state;
    wh_composition *c = compose(graph, (const char *const[]){ "declarer", NULL });
    assert_false(included(c, "python3"));
    assert_false(included(c, "mawk"));

    wh_error err = { 0 };
    wh_composition_set_component_follow_declared(c, wh_graph_find(graph, "declarer"), 1);
    assert_int_equal(wh_composition_resolve(c, &err), WH_OK);
    /* tzdata 1.0 fails ">= 2.0", so the second alternative is taken. */
    assert_false(included(c, "tzdata"));
    assert_true(included(c, "python3"));
    assert_true(included(c, "mawk"));
    const wh_reason *reason = wh_composition_reason(c, wh_graph_find(graph, "mawk"));
    assert_int_equal(reason->kind, WH_REASON_DECLARED);
    assert_string_equal(reason->name, "awk-virtual");
    wh_composition_free(c);
}

static void test_impact_matches_toggle(void **state)
{
    const wh_graph *graph = *state;
    wh_error err = { 0 };
    wh_composition *c = compose(graph, (const char *const[]){ "tini", NULL });
    wh_totals before = wh_composition_totals(c);

    uint32_t caddy = wh_graph_find(graph, "caddy");
    wh_impact impact;
    assert_int_equal(wh_composition_impact(c, caddy, &impact, &err), WH_OK);
    assert_true(impact.selecting);
    assert_int_equal(impact.components, 1);
    assert_int_equal(impact.added_count, 1);
    assert_int_equal(impact.bytes, 40003000);
    assert_int_equal(wh_composition_totals(c).bytes, before.bytes);

    wh_composition_set_root(c, caddy, WH_ROOT_SELECTED);
    assert_int_equal(wh_composition_resolve(c, &err), WH_OK);
    assert_int_equal((int64_t)wh_composition_totals(c).bytes - (int64_t)before.bytes, impact.bytes);
    wh_impact_clear(&impact);
    wh_composition_free(c);
}

static void test_deselect_needed_reports_needers(void **state)
{
    const wh_graph *graph = *state;
    wh_error err = { 0 };
    wh_composition *c = compose(graph, (const char *const[]){ "caddy", "tini", NULL });
    uint32_t libc = wh_graph_find(graph, "libc6");
    uint32_t *needers = NULL;
    uint32_t count = 0;

    assert_int_equal(wh_composition_deselect(c, libc, 0, &needers, &count, &err), WH_ERR_INVALID);
    assert_int_equal(count, 2);
    assert_string_equal(wh_graph_component_at(graph, needers[0])->name, "caddy");
    assert_string_equal(wh_graph_component_at(graph, needers[1])->name, "tini");
    assert_non_null(strstr(err.message, "caddy, tini"));
    assert_true(included(c, "caddy"));
    free(needers);

    /* The impact of removing libc6 is the cascade: caddy and tini go too. */
    wh_impact impact;
    assert_int_equal(wh_composition_impact(c, libc, &impact, &err), WH_OK);
    assert_false(impact.selecting);
    assert_int_equal(impact.needed_by, 2);
    assert_int_equal(impact.components, -3);
    wh_impact_clear(&impact);

    assert_int_equal(wh_composition_deselect(c, libc, 1, NULL, NULL, &err), WH_OK);
    assert_false(included(c, "caddy"));
    assert_false(included(c, "libc6"));
    assert_int_equal(wh_composition_totals(c).components, 0);
    wh_composition_free(c);
}

static void test_deselect_unneeded(void **state)
{
    const wh_graph *graph = *state;
    wh_error err = { 0 };
    wh_composition *c = compose(graph, (const char *const[]){ "caddy", "tini", NULL });
    assert_int_equal(wh_composition_deselect(c, wh_graph_find(graph, "caddy"), 0, NULL, NULL, &err),
                     WH_OK);
    assert_false(included(c, "caddy"));
    assert_true(included(c, "libc6"));
    wh_composition_free(c);
}

static void test_excluded_never_included(void **state)
{
    const wh_graph *graph = *state;
    wh_error err = { 0 };
    wh_composition *c = compose(graph, (const char *const[]){ "footool", NULL });
    wh_composition_set_excluded(c, wh_graph_find(graph, "libfoo1"), 1);
    assert_int_equal(wh_composition_resolve(c, &err), WH_OK);
    assert_false(included(c, "libfoo1"));
    assert_true(included(c, "libfoo1-alt"));
    wh_composition_free(c);
}

static void test_highest_version_provides(void **state)
{
    (void)state;
    wh_graph *graph = NULL;
    wh_error err = { 0 };
    assert_int_equal(wh_graph_new(&graph, &err), WH_OK);
    wh_component_input old = { "libz", "1.2.11-1", "amd64", WH_KIND_LIBRARY, NULL, WH_SCHEME_DEBIAN };
    wh_component_input new = { "libz", "1.2.13-1", "amd64", WH_KIND_LIBRARY, NULL, WH_SCHEME_DEBIAN };
    uint32_t old_id = 0, new_id = 0;
    assert_int_equal(wh_graph_add_component(graph, &old, &old_id, &err), WH_OK);
    tg_file(graph, "/usr/lib/libz.so.1", 0644, 10, WH_FLAG_SHARED_LIBRARY, "old");
    assert_int_equal(wh_graph_add_component(graph, &new, &new_id, &err), WH_OK);
    tg_file(graph, "/usr/lib/libz.so.1", 0644, 12, WH_FLAG_SHARED_LIBRARY, "new");
    tg_component(graph, "gzip", WH_KIND_UTILITY);
    static const char *const needs_z[] = { "libz.so.1", NULL };
    tg_elf(graph, "/usr/bin/gzip", 100, NULL, needs_z, NULL, NULL, WH_FLAG_DYNAMIC);
    tg_finish(graph);

    assert_int_equal(wh_graph_find(graph, "libz"), new_id);
    wh_composition *c = compose(graph, (const char *const[]){ "gzip", NULL });
    assert_true(wh_composition_included(c, new_id));
    assert_false(wh_composition_included(c, old_id));
    wh_composition_free(c);
    wh_graph_free(graph);
}

static void test_lookup_through_directory_symlink(void **state)
{
    (void)state;
    wh_graph *graph = NULL;
    wh_error err = { 0 };
    assert_int_equal(wh_graph_new(&graph, &err), WH_OK);
    tg_component(graph, "usrmerge", WH_KIND_BASE);
    tg_symlink(graph, "/lib", "usr/lib");
    tg_file(graph, "/usr/lib/libz.so.1", 0644, 10, 0, "z");
    tg_finish(graph);

    uint32_t f = wh_graph_lookup(graph, "/lib/libz.so.1");
    assert_int_not_equal(f, WH_NONE);
    assert_string_equal(wh_graph_file_at(graph, f)->path, "/usr/lib/libz.so.1");
    assert_int_equal(wh_graph_lookup(graph, "/lib/libnone.so"), WH_NONE);
    wh_graph_free(graph);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_soname_pulls_in_libc),
        cmocka_unit_test(test_keep_list_drops_requirements),
        cmocka_unit_test(test_exclude_paths_shrink_size),
        cmocka_unit_test(test_provider_choice_by_name),
        cmocka_unit_test(test_runpath_origin),
        cmocka_unit_test(test_env_script_needs_command),
        cmocka_unit_test(test_unsatisfied_names_file),
        cmocka_unit_test(test_symlink_target_pulls_in),
        cmocka_unit_test(test_shared_path_counts_once),
        cmocka_unit_test(test_conflict_different_content),
        cmocka_unit_test(test_hardlink_counts_once),
        cmocka_unit_test(test_declared_followed_on_request),
        cmocka_unit_test(test_impact_matches_toggle),
        cmocka_unit_test(test_deselect_needed_reports_needers),
        cmocka_unit_test(test_deselect_unneeded),
        cmocka_unit_test(test_excluded_never_included),
        cmocka_unit_test(test_highest_version_provides),
        cmocka_unit_test(test_lookup_through_directory_symlink),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
