/* Policy parsing, the built-in profiles, each rule, and the JSON and SARIF reports. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/compose.h"
#include "../../core/policy.h"
#include "../../core/policy_report.h"
#include "support_graph.h"

static const char *const needs_libc[] = { "libc.so.6", NULL };

static wh_graph *build_graph(void)
{
    wh_graph *graph = NULL;
    wh_error err = { 0 };
    assert_int_equal(wh_graph_new(&graph, &err), WH_OK);

    tg_component(graph, "busybox-static", WH_KIND_UTILITY);
    tg_file(graph, "/bin/busybox", 0755, 2000000,
            WH_FLAG_STATIC | WH_FLAG_MULTICALL | WH_FLAG_SHELL, "busybox");
    tg_symlink(graph, "/bin/sh", "busybox");

    tg_component(graph, "tini", WH_KIND_UTILITY);
    tg_file(graph, "/usr/bin/tini-static", 0755, 800000, WH_FLAG_STATIC, "tini");

    tg_component(graph, "libc6", WH_KIND_LIBRARY);
    tg_elf(graph, "/lib/x86_64-linux-gnu/libc.so.6", 2000000, NULL, NULL, NULL, "libc.so.6",
           WH_FLAG_SHARED_LIBRARY);
    tg_component(graph, "caddy", WH_KIND_UTILITY);
    tg_elf(graph, "/usr/bin/caddy", 100, NULL, needs_libc, NULL, NULL, WH_FLAG_DYNAMIC);

    tg_component(graph, "login", WH_KIND_UTILITY);
    tg_file(graph, "/usr/bin/su", 04755, 50, WH_FLAG_STATIC, "su");
    tg_file(graph, "/usr/bin/ping", 0755, 50, WH_FLAG_STATIC | WH_FLAG_CAPABILITIES, "ping");

    tg_component(graph, "dpkg", WH_KIND_UTILITY);
    tg_file(graph, "/usr/bin/dpkg", 0755, 50, WH_FLAG_STATIC | WH_FLAG_PACKAGE_MANAGER, "dpkg");
    tg_file(graph, "/var/lib/dpkg/status", 0644, 50, 0, "status");

    tg_component(graph, "base-files", WH_KIND_BASE);
    tg_dir(graph, "/tmp");
    tg_file(graph, "/etc/motd", 0666, 10, 0, "motd");

    tg_component(graph, "scripts", WH_KIND_UTILITY);
    tg_script(graph, "/usr/bin/hello", "/bin/sh", NULL);

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

typedef struct evaluated {
    wh_composition *composition;
    wh_policy *policy;
    wh_findings findings;
} evaluated;

static void evaluate(const wh_graph *graph, const char *profile, const char *const *names,
                     const wh_policy_context *context, evaluated *out)
{
    wh_error err = { 0 };
    assert_int_equal(wh_composition_new(graph, &out->composition, &err), WH_OK);
    for (size_t i = 0; names[i] != NULL; i++)
        wh_composition_set_root(out->composition, wh_graph_find(graph, names[i]), WH_ROOT_SELECTED);
    assert_int_equal(wh_composition_resolve(out->composition, &err), WH_OK);
    assert_int_equal(wh_policy_profile(profile, &out->policy, &err), WH_OK);
    assert_int_equal(wh_policy_evaluate(out->policy, out->composition, context, &out->findings, &err),
                     WH_OK);
}

static void release(evaluated *e)
{
    wh_findings_clear(&e->findings);
    wh_policy_free(e->policy);
    wh_composition_free(e->composition);
}

static const wh_finding *find(const wh_findings *findings, const char *rule, const char *path)
{
    for (size_t i = 0; i < findings->count; i++) {
        if (strcmp(findings->items[i].rule, rule) == 0 && strcmp(findings->items[i].path, path) == 0)
            return &findings->items[i];
    }
    return NULL;
}

static const wh_policy_user app_user[] = { { "app", 65532 } };
static const wh_policy_context non_root = { "app", app_user, 1, NULL, 0 };

static void test_strict_flags_busybox(void **state)
{
    evaluated e = { 0 };
    evaluate(*state, "strict", (const char *const[]){ "busybox-static", NULL }, &non_root, &e);
    const wh_finding *multicall = find(&e.findings, "no-multicall", "/bin/busybox");
    assert_non_null(multicall);
    assert_string_equal(multicall->component, "busybox-static");
    assert_int_equal(multicall->severity, WH_SEVERITY_ERROR);
    assert_non_null(find(&e.findings, "no-shell", "/bin/busybox"));
    assert_non_null(find(&e.findings, "allow-executables", "/bin/busybox"));
    assert_null(find(&e.findings, "static-only", "/bin/busybox"));
    assert_true(e.findings.errors > 0);
    release(&e);
}

static void test_strict_passes_allowed_static(void **state)
{
    evaluated e = { 0 };
    evaluate(*state, "strict", (const char *const[]){ "tini", NULL }, &non_root, &e);
    assert_non_null(find(&e.findings, "allow-executables", "/usr/bin/tini-static"));

    const char *allowed[] = { "/usr/bin/tini-static" };
    wh_findings findings = { 0 };
    wh_error err = { 0 };
    assert_int_equal(wh_policy_allow_executables(e.policy, allowed, 1, &err), WH_OK);
    assert_int_equal(wh_policy_evaluate(e.policy, e.composition, &non_root, &findings, &err), WH_OK);
    assert_int_equal(findings.count, 0);
    assert_int_equal(findings.errors, 0);
    wh_findings_clear(&findings);
    release(&e);
}

static void test_strict_flags_dynamic(void **state)
{
    evaluated e = { 0 };
    evaluate(*state, "strict", (const char *const[]){ "caddy", NULL }, &non_root, &e);
    assert_non_null(find(&e.findings, "static-only", "/usr/bin/caddy"));
    /* A shared library with execute bits is not an executable. */
    assert_null(find(&e.findings, "allow-executables", "/lib/x86_64-linux-gnu/libc.so.6"));
    release(&e);
}

static void test_setuid_and_capabilities(void **state)
{
    evaluated e = { 0 };
    evaluate(*state, "strict", (const char *const[]){ "login", NULL }, &non_root, &e);
    const wh_finding *setuid = find(&e.findings, "no-setuid", "/usr/bin/su");
    assert_non_null(setuid);
    assert_non_null(strstr(setuid->message, "4755"));
    assert_non_null(find(&e.findings, "no-capabilities", "/usr/bin/ping"));
    release(&e);
}

static void test_package_manager_and_leftovers(void **state)
{
    evaluated e = { 0 };
    evaluate(*state, "baseline", (const char *const[]){ "dpkg", NULL }, &non_root, &e);
    assert_null(find(&e.findings, "no-package-manager", "/usr/bin/dpkg"));
    assert_non_null(find(&e.findings, "no-package-manager-leftovers", "/var/lib/dpkg/status"));
    release(&e);

    evaluate(*state, "strict", (const char *const[]){ "dpkg", NULL }, &non_root, &e);
    assert_non_null(find(&e.findings, "no-package-manager", "/usr/bin/dpkg"));
    release(&e);
}

static void test_overlapping_path_globs(void **state)
{
    const char *json = "{\"name\": \"team\", \"rules\": [{\"id\": \"no-package-manager-leftovers\","
                       " \"severity\": \"error\", \"parameters\": {\"paths\": [\"/var/lib/**\","
                       " \"/var/lib/dpkg/*\", \"/usr/bin/d*\"]}}]}";
    wh_policy *policy = NULL;
    wh_composition *c = NULL;
    wh_findings findings = { 0 };
    wh_error err = { 0 };
    assert_int_equal(wh_policy_parse(json, strlen(json), "team.json", &policy, &err), WH_OK);
    assert_int_equal(wh_composition_new(*state, &c, &err), WH_OK);
    wh_composition_set_root(c, wh_graph_find(*state, "dpkg"), WH_ROOT_SELECTED);
    assert_int_equal(wh_composition_resolve(c, &err), WH_OK);
    assert_int_equal(wh_policy_evaluate(policy, c, NULL, &findings, &err), WH_OK);

    /* Each file once, in path order, whichever globs match it. */
    assert_int_equal(findings.count, 2);
    assert_string_equal(findings.items[0].path, "/usr/bin/dpkg");
    assert_string_equal(findings.items[1].path, "/var/lib/dpkg/status");
    wh_findings_clear(&findings);
    wh_composition_free(c);
    wh_policy_free(policy);
}

static void test_world_writable_outside_declared(void **state)
{
    evaluated e = { 0 };
    evaluate(*state, "strict", (const char *const[]){ "base-files", NULL }, &non_root, &e);
    assert_non_null(find(&e.findings, "no-world-writable", "/etc/motd"));
    release(&e);

    const char *writable[] = { "/etc" };
    wh_policy_context declared = { "app", app_user, 1, writable, 1 };
    evaluate(*state, "strict", (const char *const[]){ "base-files", NULL }, &declared, &e);
    assert_null(find(&e.findings, "no-world-writable", "/etc/motd"));
    release(&e);
}

static void test_non_root_user(void **state)
{
    evaluated e = { 0 };
    evaluate(*state, "baseline", (const char *const[]){ "tini", NULL }, NULL, &e);
    const wh_finding *root = find(&e.findings, "non-root-user", "");
    assert_non_null(root);
    assert_non_null(strstr(root->message, "runs as root"));
    release(&e);

    wh_policy_context numeric_root = { "0:0", NULL, 0, NULL, 0 };
    evaluate(*state, "baseline", (const char *const[]){ "tini", NULL }, &numeric_root, &e);
    assert_non_null(find(&e.findings, "non-root-user", ""));
    release(&e);

    wh_policy_context undeclared = { "nobody-here", NULL, 0, NULL, 0 };
    evaluate(*state, "baseline", (const char *const[]){ "tini", NULL }, &undeclared, &e);
    assert_non_null(strstr(find(&e.findings, "non-root-user", "")->message, "not declared"));
    release(&e);

    wh_policy_context numeric = { "65532:65532", NULL, 0, NULL, 0 };
    evaluate(*state, "baseline", (const char *const[]){ "tini", NULL }, &numeric, &e);
    assert_int_equal(e.findings.count, 0);
    release(&e);
}

static void test_size_budget(void **state)
{
    evaluated e = { 0 };
    evaluate(*state, "strict", (const char *const[]){ "tini", NULL }, &non_root, &e);
    assert_null(find(&e.findings, "size-budget", ""));

    wh_findings findings = { 0 };
    wh_error err = { 0 };
    wh_policy_set_size_budget(e.policy, 1000);
    assert_int_equal(wh_policy_evaluate(e.policy, e.composition, &non_root, &findings, &err), WH_OK);
    const wh_finding *budget = find(&findings, "size-budget", "");
    assert_non_null(budget);
    assert_non_null(strstr(budget->message, "800000 bytes exceed the budget of 1000 bytes"));
    wh_findings_clear(&findings);
    release(&e);
}

static void test_unsatisfied_script_interpreter(void **state)
{
    evaluated e = { 0 };
    evaluate(*state, "baseline", (const char *const[]){ "scripts", NULL }, &non_root, &e);
    /* /bin/sh is in busybox-static, which the walk pulls in. */
    assert_null(find(&e.findings, "requirements-satisfied", "/usr/bin/hello"));
    assert_true(wh_composition_included(e.composition, wh_graph_find(*state, "busybox-static")));
    release(&e);
}

static void test_none_has_no_findings(void **state)
{
    evaluated e = { 0 };
    evaluate(*state, "none", (const char *const[]){ "busybox-static", "login", NULL }, NULL, &e);
    assert_int_equal(e.findings.count, 0);
    release(&e);
}

/* Counts the no-declared-conflicts findings of component. */
static size_t declared_conflicts(const wh_findings *findings, const char *component)
{
    size_t count = 0;
    for (size_t i = 0; i < findings->count; i++) {
        if (strcmp(findings->items[i].rule, "no-declared-conflicts") == 0
            && strcmp(findings->items[i].component, component) == 0)
            count++;
    }
    return count;
}

static void test_declared_conflicts(void **state)
{
    (void)state;
    wh_graph *graph = NULL;
    wh_error err = { 0 };
    assert_int_equal(wh_graph_new(&graph, &err), WH_OK);
    /* Every component of support_graph.c has version 1.0. */
    tg_component(graph, "busybox", WH_KIND_UTILITY);
    tg_component(graph, "busybox-static", WH_KIND_UTILITY);
    tg_relation(graph, WH_REL_CONFLICTS, 0, 0, "busybox", NULL, NULL);
    tg_component(graph, "old-breaker", WH_KIND_UTILITY);
    tg_relation(graph, WH_REL_BREAKS, 0, 0, "busybox", "<<", "0.9");
    tg_component(graph, "new-breaker", WH_KIND_UTILITY);
    tg_relation(graph, WH_REL_BREAKS, 0, 0, "busybox", "<<", "1.1");
    tg_component(graph, "exim", WH_KIND_UTILITY);
    tg_relation(graph, WH_REL_PROVIDES, 0, 0, "mail-transport-agent", NULL, NULL);
    tg_relation(graph, WH_REL_CONFLICTS, 1, 0, "mail-transport-agent", NULL, NULL);
    tg_component(graph, "postfix", WH_KIND_UTILITY);
    tg_relation(graph, WH_REL_PROVIDES, 0, 0, "mail-transport-agent", NULL, NULL);
    tg_relation(graph, WH_REL_CONFLICTS, 1, 0, "mail-transport-agent", NULL, NULL);
    tg_component(graph, "versioned", WH_KIND_UTILITY);
    tg_relation(graph, WH_REL_CONFLICTS, 0, 0, "mail-transport-agent", "<<", "2");
    tg_finish(graph);

    /* Unversioned, versioned that matches, and versioned that does not. */
    evaluated e = { 0 };
    evaluate(graph, "strict",
             (const char *const[]){ "busybox", "busybox-static", "old-breaker", "new-breaker",
                                    NULL },
             &non_root, &e);
    assert_int_equal(declared_conflicts(&e.findings, "busybox-static"), 1);
    assert_int_equal(declared_conflicts(&e.findings, "new-breaker"), 1);
    assert_int_equal(declared_conflicts(&e.findings, "old-breaker"), 0);
    for (size_t i = 0; i < e.findings.count; i++) {
        if (strcmp(e.findings.items[i].component, "new-breaker") == 0
            && strcmp(e.findings.items[i].rule, "no-declared-conflicts") == 0) {
            assert_string_equal(e.findings.items[i].message,
                                "declares Breaks: busybox (<< 1.1), which 'busybox' 1.0 "
                                "satisfies: leave one of them out");
            assert_int_equal(e.findings.items[i].severity, WH_SEVERITY_ERROR);
        }
    }
    release(&e);

    /* Alone, a component that provides and conflicts with one virtual name passes. */
    evaluate(graph, "baseline", (const char *const[]){ "exim", "versioned", NULL }, &non_root, &e);
    assert_int_equal(declared_conflicts(&e.findings, "exim"), 0);
    assert_int_equal(declared_conflicts(&e.findings, "versioned"), 0); /* unversioned Provides */
    release(&e);

    /* Two providers of the virtual name each conflict with the other: warnings in baseline. */
    evaluate(graph, "baseline", (const char *const[]){ "exim", "postfix", NULL }, &non_root, &e);
    assert_int_equal(declared_conflicts(&e.findings, "exim"), 1);
    assert_int_equal(declared_conflicts(&e.findings, "postfix"), 1);
    assert_int_equal(e.findings.errors, 0);
    release(&e);
    wh_graph_free(graph);
}

static void test_parse_errors_name_path(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        const char *expected;
    } cases[] = {
        { "{\"name\": \"x\", \"rules\": [{\"id\": \"no-such-rule\", \"severity\": \"error\"}]}",
          "team.json: $.rules[0]: unknown rule id \"no-such-rule\"" },
        { "{\"name\": \"x\", \"rules\": [{\"id\": \"no-shell\", \"severity\": \"fatal\"}]}",
          "$.rules[0]: \"severity\" must be \"error\" or \"warning\"" },
        { "{\"name\": \"x\", \"rules\": [{\"id\": \"no-shell\", \"severity\": \"error\","
          " \"parameters\": {\"paths\": []}}]}",
          "$.rules[0].parameters.paths: rule \"no-shell\" has no parameter \"paths\"" },
        { "{\"name\": \"x\", \"rules\": [{\"id\": \"size-budget\", \"severity\": \"error\"}]}",
          "rule \"size-budget\" needs parameters.bytes" },
        { "{\"name\": \"x\", \"rules\": [], \"extra\": 1}", "unknown key \"extra\"" },
        { "{\"name\": \"x\", \"rules\": [{\"id\": \"allow-executables\", \"severity\": \"error\","
          " \"parameters\": {\"paths\": [\"bin/*\"]}}]}",
          "$.rules[0].parameters.paths[0]: path pattern 'bin/*' is not absolute" },
        { "{\"name\": ", "invalid JSON" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        wh_policy *policy = NULL;
        wh_error err = { 0 };
        assert_int_equal(wh_policy_parse(cases[i].json, strlen(cases[i].json), "team.json", &policy,
                                         &err),
                         WH_ERR_INVALID);
        assert_null(policy);
        if (strstr(err.message, cases[i].expected) == NULL)
            fail_msg("case %zu: expected '%s' in '%s'", i, cases[i].expected, err.message);
    }
}

static void test_user_policy_warning(void **state)
{
    const char *json = "{\"name\": \"team\", \"rules\": [{\"id\": \"no-shell\", \"severity\": "
                       "\"warning\"}]}";
    wh_policy *policy = NULL;
    wh_composition *c = NULL;
    wh_findings findings = { 0 };
    wh_error err = { 0 };
    assert_int_equal(wh_policy_parse(json, strlen(json), "team.json", &policy, &err), WH_OK);
    assert_int_equal(wh_composition_new(*state, &c, &err), WH_OK);
    wh_composition_set_root(c, wh_graph_find(*state, "busybox-static"), WH_ROOT_SELECTED);
    assert_int_equal(wh_composition_resolve(c, &err), WH_OK);
    assert_int_equal(wh_policy_evaluate(policy, c, NULL, &findings, &err), WH_OK);
    assert_int_equal(findings.count, 1);
    assert_int_equal(findings.errors, 0);
    assert_int_equal(findings.items[0].severity, WH_SEVERITY_WARNING);

    char *text = NULL;
    assert_int_equal(wh_findings_json(policy, &findings, &text, &err), WH_OK);
    json_t *root = json_loads(text, 0, NULL);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "policy")), "team");
    assert_true(json_is_true(json_object_get(root, "passed")));
    json_t *first = json_array_get(json_object_get(root, "findings"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "rule")), "no-shell");
    assert_string_equal(json_string_value(json_object_get(first, "path")), "/bin/busybox");
    assert_string_equal(json_string_value(json_object_get(first, "component")), "busybox-static");
    json_decref(root);
    free(text);

    assert_int_equal(wh_findings_sarif(policy, &findings, "spec.json", &text, &err), WH_OK);
    root = json_loads(text, 0, NULL);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "version")), "2.1.0");
    json_t *run = json_array_get(json_object_get(root, "runs"), 0);
    json_t *result = json_array_get(json_object_get(run, "results"), 0);
    assert_string_equal(json_string_value(json_object_get(result, "ruleId")), "no-shell");
    assert_string_equal(json_string_value(json_object_get(result, "level")), "warning");
    json_t *location = json_object_get(
        json_object_get(json_array_get(json_object_get(result, "locations"), 0), "physicalLocation"),
        "artifactLocation");
    assert_string_equal(json_string_value(json_object_get(location, "uri")), "bin/busybox");
    json_decref(root);
    free(text);

    wh_findings_clear(&findings);
    wh_composition_free(c);
    wh_policy_free(policy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strict_flags_busybox),
        cmocka_unit_test(test_strict_passes_allowed_static),
        cmocka_unit_test(test_strict_flags_dynamic),
        cmocka_unit_test(test_setuid_and_capabilities),
        cmocka_unit_test(test_package_manager_and_leftovers),
        cmocka_unit_test(test_overlapping_path_globs),
        cmocka_unit_test(test_world_writable_outside_declared),
        cmocka_unit_test(test_non_root_user),
        cmocka_unit_test(test_size_budget),
        cmocka_unit_test(test_unsatisfied_script_interpreter),
        cmocka_unit_test(test_none_has_no_findings),
        cmocka_unit_test(test_declared_conflicts),
        cmocka_unit_test(test_parse_errors_name_path),
        cmocka_unit_test(test_user_policy_warning),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
