/*
 * The core library under allocation failure: builds a graph, resolves,
 * computes an impact, deselects, evaluates the strict policy, writes JSON
 * and SARIF reports and round-trips a spec, failing the Nth allocation for
 * N = 0, 1, 2, ... until a run needs no more than N allocations. Each run
 * must end with WH_OK or an out-of-memory error, and must not crash.
 *
 * The test replaces malloc, calloc, realloc and free for the whole program
 * (glibc supports that), so it is skipped under AddressSanitizer, which
 * replaces them too.
 */
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
#include "../../core/spec.h"

#if defined(__SANITIZE_ADDRESS__)
#define REPLACE_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REPLACE_MALLOC 0
#endif
#endif
#ifndef REPLACE_MALLOC
#define REPLACE_MALLOC 1
#endif

static long countdown = -1; /* allocations left before the failing one; -1: none fails */
static int injected;        /* the failing allocation happened in this run */

#if REPLACE_MALLOC
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void __libc_free(void *pointer);

static int fail_now(void)
{
    if (countdown < 0)
        return 0;
    if (countdown-- == 0) {
        injected = 1;
        return 1;
    }
    return 0;
}

void *malloc(size_t size)
{
    return fail_now() ? NULL : __libc_malloc(size);
}

void *calloc(size_t count, size_t size)
{
    return fail_now() ? NULL : __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size)
{
    return fail_now() ? NULL : __libc_realloc(pointer, size);
}

void free(void *pointer)
{
    __libc_free(pointer);
}
#endif

static const char *const needs_libc[] = { "libc.so.6", NULL };

static wh_status add_file(wh_graph *graph, const char *path, wh_file_type type, unsigned mode,
                          const char *target, unsigned flags, const char *interpreter,
                          const char *const *needed, wh_error *err)
{
    size_t needed_count = 0;
    while (needed != NULL && needed[needed_count] != NULL)
        needed_count++;
    wh_classification c = { .flags = flags, .interpreter = (char *)interpreter,
                            .needed = (char **)needed, .needed_count = needed_count };
    wh_file_input input = { .path = path, .type = type, .mode = mode, .size = 1000,
                            .sha256 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                            .target = target, .classification = &c };
    return wh_graph_add_file(graph, &input, err);
}

static wh_status build_graph(wh_graph *graph, wh_error *err)
{
    wh_component_input libc = { "libc6", "2.36", "amd64", WH_KIND_LIBRARY, NULL, WH_SCHEME_DEBIAN };
    wh_component_input caddy = { "caddy", "2.6", "amd64", WH_KIND_UTILITY, NULL, WH_SCHEME_DEBIAN };
    wh_component_input busybox = { "busybox", "1.35", "amd64", WH_KIND_UTILITY, NULL,
                                   WH_SCHEME_DEBIAN };
    wh_relation_input depends = { WH_REL_DEPENDS, 0, 0, "libc6", ">=", "2.30" };
    wh_status status;

    if ((status = wh_graph_add_component(graph, &libc, NULL, err)) != WH_OK
        || (status = add_file(graph, "/lib/x86_64-linux-gnu/libc.so.6", WH_FILE_REGULAR, 0100755,
                              NULL, WH_FLAG_SHARED_LIBRARY, NULL, NULL, err)) != WH_OK
        || (status = add_file(graph, "/lib64/ld-linux-x86-64.so.2", WH_FILE_SYMLINK, 0120777,
                              "/lib/x86_64-linux-gnu/ld.so", 0, NULL, NULL, err)) != WH_OK
        || (status = wh_graph_add_component(graph, &caddy, NULL, err)) != WH_OK
        || (status = add_file(graph, "/usr/bin/caddy", WH_FILE_REGULAR, 0100755, NULL,
                              WH_FLAG_DYNAMIC, "/lib64/ld-linux-x86-64.so.2", needs_libc, err)) != WH_OK
        || (status = add_file(graph, "/usr/share/doc/caddy/README", WH_FILE_REGULAR, 0100644, NULL,
                              0, NULL, NULL, err)) != WH_OK
        || (status = wh_graph_add_relation(graph, &depends, err)) != WH_OK
        || (status = wh_graph_add_component(graph, &busybox, NULL, err)) != WH_OK
        || (status = add_file(graph, "/bin/busybox", WH_FILE_REGULAR, 0104755, NULL,
                              WH_FLAG_STATIC | WH_FLAG_MULTICALL | WH_FLAG_SHELL, NULL, NULL, err)) != WH_OK
        || (status = add_file(graph, "/bin/sh", WH_FILE_SYMLINK, 0120777, "busybox", 0, NULL, NULL,
                              err)) != WH_OK)
        return status;
    return wh_graph_finish(graph, err);
}

static wh_status compose_and_check(wh_graph *graph, wh_error *err)
{
    wh_composition *c = NULL;
    wh_policy *policy = NULL;
    wh_findings findings = { 0 };
    wh_impact impact = { 0 };
    char *text = NULL;
    const char *globs[] = { "/usr/share/doc/**" };
    const char *keep[] = { "/bin/*" };
    wh_status status;

    if ((status = wh_composition_new(graph, &c, err)) != WH_OK)
        goto out;
    wh_composition_set_root(c, wh_graph_find(graph, "caddy"), WH_ROOT_SELECTED);
    wh_composition_set_root(c, wh_graph_find(graph, "busybox"), WH_ROOT_SELECTED);
    wh_composition_set_component_follow_declared(c, wh_graph_find(graph, "caddy"), 1);
    if ((status = wh_composition_set_exclude_paths(c, globs, 1, err)) != WH_OK
        || (status = wh_composition_set_trim(c, wh_graph_find(graph, "busybox"), keep, 1, NULL, 0,
                                             err)) != WH_OK
        || (status = wh_composition_resolve(c, err)) != WH_OK
        || (status = wh_composition_impact(c, wh_graph_find(graph, "libc6"), &impact, err)) != WH_OK)
        goto out;
    wh_impact_clear(&impact);

    if ((status = wh_policy_profile("strict", &policy, err)) != WH_OK
        || (status = wh_policy_allow_executables(policy, keep, 1, err)) != WH_OK
        || (status = wh_policy_evaluate(policy, c, NULL, &findings, err)) != WH_OK
        || (status = wh_findings_json(policy, &findings, &text, err)) != WH_OK)
        goto out;
    free(text);
    text = NULL;
    if ((status = wh_findings_sarif(policy, &findings, "spec.json", &text, err)) != WH_OK
        || (status = wh_composition_deselect(c, wh_graph_find(graph, "libc6"), 1, NULL, NULL, err))
               != WH_OK)
        goto out;

out:
    free(text);
    wh_impact_clear(&impact);
    wh_findings_clear(&findings);
    wh_policy_free(policy);
    wh_composition_free(c);
    return status;
}

static wh_status spec_round_trip(wh_error *err)
{
    const char *text = "{\"components\": [\"caddy\", {\"name\": \"tini\", \"keep\": [\"/usr/bin/*\"]}],"
                       " \"config\": {\"env\": {\"B\": \"1\", \"A\": \"2\"}},"
                       " \"policy\": {\"profile\": \"strict\", \"allow-executables\": [\"/x\"]}}";
    const char *digest = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    wh_spec_lock_entry entry = { "caddy", "2.6", "amd64", digest, digest };
    wh_spec *spec = NULL;
    char *saved = NULL;

    wh_status status = wh_spec_parse(text, strlen(text), "spec.json", &spec, err);
    /* NOTE: jansson 2.14 reports some allocation failures in its lexer as syntax errors. */
    if (status == WH_ERR_INVALID && injected)
        status = wh_error_set(err, WH_ERR_NOMEM, "out of memory while parsing the spec");
    if (status == WH_OK)
        status = wh_spec_set_lock(spec, &entry, 1, err);
    if (status == WH_OK)
        status = wh_spec_serialize(spec, &saved, NULL, err);
    free(saved);
    wh_spec_free(spec);
    return status;
}

static wh_status scenario(wh_error *err)
{
    wh_graph *graph = NULL;
    wh_status status = wh_graph_new(&graph, err);
    if (status == WH_OK)
        status = build_graph(graph, err);
    if (status == WH_OK)
        status = compose_and_check(graph, err);
    wh_graph_free(graph);
    if (status == WH_OK)
        status = spec_round_trip(err);
    return status;
}

static void test_every_allocation_fails_cleanly(void **state)
{
    (void)state;
    if (!REPLACE_MALLOC)
        skip();

    long runs = 0;
    for (long n = 0;; n++) {
        wh_error err = { 0 };
        injected = 0;
        countdown = n;
        wh_status status = scenario(&err);
        countdown = -1;
        runs++;

        if (!injected) {
            assert_int_equal(status, WH_OK);
            break;
        }
        if (status != WH_OK && status != WH_ERR_NOMEM)
            fail_msg("allocation %ld failed: expected an out-of-memory error, got %d: %s", n,
                     (int)status, err.message);
    }
    assert_true(runs > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
