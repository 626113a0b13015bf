#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../../core/transport.h"

static void parse_ok(const char *text, wh_transport *out)
{
    wh_error err = {0};
    wh_status status = wh_transport_parse(text, out, &err);
    if (status != WH_OK)
        fail_msg("parsing %s failed: %s", text, err.message);
}

static void parse_fails(const char *text, const char *message_part)
{
    wh_transport transport;
    wh_error err = {0};
    assert_int_equal(wh_transport_parse(text, &transport, &err), WH_ERR_INVALID);
    if (strstr(err.message, message_part) == NULL)
        fail_msg("error for %s lacks \"%s\": %s", text, message_part, err.message);
    assert_null(transport.path);
    assert_null(transport.tag);
}

static void test_oci_with_and_without_tag(void **state)
{
    (void)state;
    wh_transport t;

    parse_ok("oci:/tmp/out", &t);
    assert_int_equal(t.kind, WH_TRANSPORT_OCI);
    assert_string_equal(t.path, "/tmp/out");
    assert_null(t.tag);
    wh_transport_free(&t);

    parse_ok("oci:relative/dir:v1.2-rc.1", &t);
    assert_string_equal(t.path, "relative/dir");
    assert_string_equal(t.tag, "v1.2-rc.1");
    wh_transport_free(&t);

    parse_ok("oci-archive:img.tar:example.com/app:1", &t);
    assert_int_equal(t.kind, WH_TRANSPORT_OCI_ARCHIVE);
    assert_string_equal(t.path, "img.tar");
    assert_string_equal(t.tag, "example.com/app:1");
    wh_transport_free(&t);
}

static void test_docker_archive_names(void **state)
{
    (void)state;
    wh_transport t;

    parse_ok("docker-archive:out.tar", &t);
    assert_int_equal(t.kind, WH_TRANSPORT_DOCKER_ARCHIVE);
    assert_string_equal(t.path, "out.tar");
    assert_null(t.repository);
    assert_null(t.tag);
    wh_transport_free(&t);

    parse_ok("docker-archive:out.tar:app:1.0", &t);
    assert_string_equal(t.repository, "app");
    assert_string_equal(t.tag, "1.0");
    wh_transport_free(&t);

    parse_ok("docker-archive:out.tar:example.org/team/app", &t);
    assert_string_equal(t.repository, "example.org/team/app");
    assert_string_equal(t.tag, "latest");
    wh_transport_free(&t);

    parse_ok("docker-archive:out.tar:localhost:5000/app:x", &t);
    assert_string_equal(t.repository, "localhost:5000/app");
    assert_string_equal(t.tag, "x");
    wh_transport_free(&t);
}

static void test_registry_references(void **state)
{
    (void)state;
    wh_transport t;

    parse_ok("docker://registry.example.com/team/app:2", &t);
    assert_int_equal(t.kind, WH_TRANSPORT_DOCKER);
    assert_null(t.path);
    assert_string_equal(t.host, "registry.example.com");
    assert_int_equal(t.port, 0);
    assert_string_equal(t.repository, "team/app");
    assert_string_equal(t.tag, "2");
    assert_null(t.digest);
    wh_transport_free(&t);

    parse_ok("docker://127.0.0.1:5000/app", &t);
    assert_string_equal(t.host, "127.0.0.1");
    assert_int_equal(t.port, 5000);
    assert_string_equal(t.tag, "latest");
    wh_transport_free(&t);

    parse_ok("docker://[::1]:5000/app@sha256:"
             "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", &t);
    assert_string_equal(t.host, "[::1]");
    assert_int_equal(t.port, 5000);
    assert_null(t.tag);
    assert_string_equal(t.digest, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef"
                                  "0123456789abcdef");
    wh_transport_free(&t);
}

static void test_rootfs_paths(void **state)
{
    (void)state;
    wh_transport t;

    parse_ok("rootfs:/srv/tree", &t);
    assert_int_equal(t.kind, WH_TRANSPORT_ROOTFS);
    assert_string_equal(t.path, "/srv/tree");
    wh_transport_free(&t);

    parse_ok("rootfs-archive:tree.tar", &t);
    assert_int_equal(t.kind, WH_TRANSPORT_ROOTFS_ARCHIVE);
    assert_string_equal(t.path, "tree.tar");
    wh_transport_free(&t);
}

static void test_malformed_references(void **state)
{
    (void)state;
    parse_fails("", "missing image reference");
    parse_fails("/tmp/out", "no transport name");
    parse_fails("tar:/tmp/out", "unknown transport \"tar\"");
    parse_fails("oci:", "path is empty");
    parse_fails("oci::tag", "path is empty");
    parse_fails("oci:dir:bad tag", "not a valid OCI reference name");
    parse_fails("oci:dir:", "not a valid OCI reference name");
    parse_fails("oci:dir:-x", "not a valid OCI reference name");
    parse_fails("docker-archive:f.tar:App:1", "not a valid image name");
    parse_fails("docker-archive:f.tar:app:bad/tag!", "not a valid");
    parse_fails("docker-archive:f.tar:app:", "not a valid tag");
    parse_fails("docker:registry/app", "starts with docker://");
    parse_fails("docker://app", "expected docker://HOST");
    parse_fails("docker://host:0/app", "port must be a number");
    parse_fails("docker://host:99999/app", "port must be a number");
    parse_fails("docker://ho_st/app", "not a valid registry host");
    parse_fails("docker://host/App", "not a valid repository");
    parse_fails("docker://host/app:1@sha256:00", "not both");
    parse_fails("docker://host/app@sha256:abc", "64 lowercase hex");
    parse_fails("docker://host/app:.bad", "not a valid tag");
    parse_fails("rootfs:/a:b", "path only");
}

static void test_ref_name_grammar(void **state)
{
    (void)state;
    assert_true(wh_transport_ref_name_valid("latest"));
    assert_true(wh_transport_ref_name_valid("a--b"));
    assert_true(wh_transport_ref_name_valid("example.com/app:1.0+build"));
    assert_false(wh_transport_ref_name_valid("a---b"));
    assert_false(wh_transport_ref_name_valid("a//b"));
    assert_false(wh_transport_ref_name_valid("a/"));
    assert_false(wh_transport_ref_name_valid("_a"));
}

static void test_kind_names(void **state)
{
    (void)state;
    assert_string_equal(wh_transport_kind_name(WH_TRANSPORT_DOCKER_ARCHIVE), "docker-archive");
    assert_null(wh_transport_kind_name(WH_TRANSPORT_COUNT));
    wh_transport_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oci_with_and_without_tag),
        cmocka_unit_test(test_docker_archive_names),
        cmocka_unit_test(test_registry_references),
        cmocka_unit_test(test_rootfs_paths),
        cmocka_unit_test(test_malformed_references),
        cmocka_unit_test(test_ref_name_grammar),
        cmocka_unit_test(test_kind_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
