/*
 * Registry push and pull against Debian's docker-registry, started by this
 * test on 127.0.0.1 (tests/tools/registry.sh), with skopeo as the
 * independent reader. Runs from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../core/digest.h"
#include "../../core/registry.h"

#define LAYOUT "../shared/fixtures/trivy/layout-test.oci"

typedef struct registry_fixture {
    char dir[64];
    unsigned port, auth_port;
    char log[8192]; /* the client's log lines of the current test */
} registry_fixture;

static void capture_log(void *context, const char *message)
{
    registry_fixture *fixture = context;
    size_t used = strlen(fixture->log);
    snprintf(fixture->log + used, sizeof(fixture->log) - used, "%s\n", message);
}

static char *command_output(const char *command)
{
    FILE *pipe = popen(command, "r");
    if (pipe == NULL)
        return NULL;
    size_t capacity = 1 << 16, used = 0;
    char *out = malloc(capacity);
    size_t got;
    while (out && (got = fread(out + used, 1, capacity - used - 1, pipe)) > 0)
        used += got;
    int status = pclose(pipe);
    if (out == NULL || status != 0) {
        free(out);
        return NULL;
    }
    out[used] = '\0';
    return out;
}

static unsigned start_registry(const char *dir, const char *credentials)
{
    char command[512];
    snprintf(command, sizeof(command), "sh tests/tools/registry.sh start %s %s", dir,
             credentials ? credentials : "");
    char *port = command_output(command);
    if (port == NULL)
        return 0;
    unsigned value = (unsigned)strtoul(port, NULL, 10);
    free(port);
    return value;
}

static int setup(void **state)
{
    registry_fixture *fixture = calloc(1, sizeof(*fixture));
    snprintf(fixture->dir, sizeof(fixture->dir), "/tmp/whittle-registry-test.XXXXXX");
    if (mkdtemp(fixture->dir) == NULL)
        return -1;
    char path[128];
    snprintf(path, sizeof(path), "%s/open", fixture->dir);
    fixture->port = start_registry(path, NULL);
    snprintf(path, sizeof(path), "%s/auth", fixture->dir);
    fixture->auth_port = start_registry(path, "alice s3cret-pass");
    if (fixture->port == 0 || fixture->auth_port == 0) {
        fprintf(stderr, "docker-registry could not be started (is it installed?)\n");
        return -1;
    }
    *state = fixture;
    return 0;
}

static int teardown(void **state)
{
    registry_fixture *fixture = *state;
    char command[512];
    snprintf(command, sizeof(command),
             "sh tests/tools/registry.sh stop %s/open; sh tests/tools/registry.sh stop %s/auth; "
             "sh tests/tools/registry.sh stop %s/broken; rm -rf %s", fixture->dir, fixture->dir,
             fixture->dir, fixture->dir);
    if (system(command) != 0)
        fprintf(stderr, "cleaning up %s failed\n", fixture->dir);
    free(fixture);
    return 0;
}

static wh_registry_options options_for(registry_fixture *fixture)
{
    fixture->log[0] = '\0';
    return (wh_registry_options){ .tls_verify = 0, .log = capture_log,
                                  .log_context = fixture };
}

static void push(registry_fixture *fixture, unsigned port, const char *repository,
                 const wh_registry_options *options, char **digest)
{
    char text[256];
    snprintf(text, sizeof(text), "docker://127.0.0.1:%u/%s", port, repository);
    wh_transport reference = { 0 };
    wh_error err = { 0 };
    assert_int_equal(wh_transport_parse(text, &reference, &err), WH_OK);
    wh_status status = wh_registry_push_layout(LAYOUT, NULL, &reference, options, digest, &err);
    wh_transport_free(&reference);
    if (status != WH_OK)
        fail_msg("pushing to %s: %s\nlog:\n%s", text, err.message, fixture->log);
}

/* Returns the sha256 of the manifest skopeo reads back. */
static char *skopeo_manifest_digest(unsigned port, const char *repository, const char *creds)
{
    char command[512];
    snprintf(command, sizeof(command),
             "skopeo inspect --raw --tls-verify=false %s%s docker://127.0.0.1:%u/%s",
             creds ? "--creds " : "", creds ? creds : "", port, repository);
    char *raw = command_output(command);
    if (raw == NULL)
        return NULL;
    char hex[65];
    wh_sha256_buffer_hex(raw, strlen(raw), hex);
    free(raw);
    char *digest = NULL;
    if (asprintf(&digest, "sha256:%s", hex) < 0)
        return NULL;
    return digest;
}

static void push_monolithic_read_by_skopeo(void **state)
{
    registry_fixture *fixture = *state;
    wh_registry_options options = options_for(fixture);
    char *digest = NULL;
    push(fixture, fixture->port, "push/mono:v1", &options, &digest);
    assert_non_null(strstr(fixture->log, "pushing blob"));

    char *read_back = skopeo_manifest_digest(fixture->port, "push/mono:v1", NULL);
    assert_non_null(read_back);
    assert_string_equal(read_back, digest);

    /* skopeo copies every blob back and checks each digest itself. */
    char command[512];
    snprintf(command, sizeof(command),
             "skopeo copy -q --src-tls-verify=false docker://127.0.0.1:%u/push/mono:v1 "
             "oci:%s/copied:v1 >/dev/null", fixture->port, fixture->dir);
    assert_int_equal(system(command), 0);
    free(read_back);
    free(digest);
}

static void push_again_skips_existing_blobs(void **state)
{
    registry_fixture *fixture = *state;
    wh_registry_options options = options_for(fixture);
    push(fixture, fixture->port, "push/again:v1", &options, NULL);
    options = options_for(fixture);
    push(fixture, fixture->port, "push/again:v2", &options, NULL);
    assert_non_null(strstr(fixture->log, "already exists"));
    assert_null(strstr(fixture->log, "pushing blob"));
}

static void push_chunked(void **state)
{
    registry_fixture *fixture = *state;
    wh_registry_options options = options_for(fixture);
    options.chunk_size = 1000;
    char *digest = NULL;
    push(fixture, fixture->port, "push/chunked:v1", &options, &digest);
    assert_non_null(strstr(fixture->log, "in chunks of 1000 bytes"));
    char *read_back = skopeo_manifest_digest(fixture->port, "push/chunked:v1", NULL);
    assert_non_null(read_back);
    assert_string_equal(read_back, digest);

    char command[512];
    snprintf(command, sizeof(command),
             "skopeo copy -q --src-tls-verify=false docker://127.0.0.1:%u/push/chunked:v1 "
             "oci:%s/chunked:v1 >/dev/null", fixture->port, fixture->dir);
    assert_int_equal(system(command), 0);
    free(read_back);
    free(digest);
}

/* Writes data as a blob of the layout and stores its "sha256:<hex>" in digest. */
static void write_blob(const char *layout, const char *data, char digest[72])
{
    char hex[65], path[256];
    wh_sha256_buffer_hex(data, strlen(data), hex);
    snprintf(digest, 72, "sha256:%s", hex);
    snprintf(path, sizeof(path), "%s/blobs/sha256/%s", layout, hex);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    assert_int_equal(fputs(data, file) >= 0, 1);
    assert_int_equal(fclose(file), 0);
}

/*
 * Writes an OCI layout with one image, tagged v1, of LAYER_COUNT small
 * layers; layers[i] receives the digest of layer i. The registry does not
 * read layer contents, so the layers are short texts, not tars.
 */
#define LAYER_COUNT 4
static void write_layered_layout(const char *layout, char layers[LAYER_COUNT][72])
{
    char command[256], config[72], manifest_digest[72];
    snprintf(command, sizeof(command), "mkdir -p %s/blobs/sha256", layout);
    assert_int_equal(system(command), 0);

    static const char config_json[] = "{\"architecture\":\"amd64\",\"os\":\"linux\","
                                      "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
    write_blob(layout, config_json, config);
    char manifest[2048];
    int used = snprintf(manifest, sizeof(manifest),
                        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image."
                        "manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci."
                        "image.config.v1+json\",\"digest\":\"%s\",\"size\":%zu},\"layers\":[",
                        config, strlen(config_json));
    for (int i = 0; i < LAYER_COUNT; i++) {
        char data[64];
        snprintf(data, sizeof(data), "layer %d of a test image\n", i);
        write_blob(layout, data, layers[i]);
        used += snprintf(manifest + used, sizeof(manifest) - (size_t)used,
                         "%s{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
                         "\"digest\":\"%s\",\"size\":%zu}", i ? "," : "", layers[i],
                         strlen(data));
    }
    snprintf(manifest + used, sizeof(manifest) - (size_t)used, "]}");
    write_blob(layout, manifest, manifest_digest);

    char path[256];
    snprintf(path, sizeof(path), "%s/index.json", layout);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fprintf(file, "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci."
            "image.manifest.v1+json\",\"digest\":\"%s\",\"size\":%zu,\"annotations\":{"
            "\"org.opencontainers.image.ref.name\":\"v1\"}}]}", manifest_digest,
            strlen(manifest));
    assert_int_equal(fclose(file), 0);
}

static void push_many_layers_concurrently(void **state)
{
    registry_fixture *fixture = *state;
    char layout[128], layers[LAYER_COUNT][72], text[128];
    snprintf(layout, sizeof(layout), "%s/layered", fixture->dir);
    write_layered_layout(layout, layers);

    wh_registry_options options = options_for(fixture);
    wh_transport reference = { 0 };
    wh_error err = { 0 };
    char *digest = NULL;
    snprintf(text, sizeof(text), "docker://127.0.0.1:%u/push/layered:v1", fixture->port);
    assert_int_equal(wh_transport_parse(text, &reference, &err), WH_OK);
    if (wh_registry_push_layout(layout, "v1", &reference, &options, &digest, &err) != WH_OK)
        fail_msg("pushing %s: %s\nlog:\n%s", layout, err.message, fixture->log);
    for (int i = 0; i < LAYER_COUNT; i++) {
        char logged[64];
        snprintf(logged, sizeof(logged), "pushing blob %.19s", layers[i]);
        if (strstr(fixture->log, logged) == NULL)
            fail_msg("layer %d was not pushed; log:\n%s", i, fixture->log);
    }

    char *read_back = skopeo_manifest_digest(fixture->port, "push/layered:v1", NULL);
    assert_non_null(read_back);
    assert_string_equal(read_back, digest);
    free(read_back);
    free(digest);
    wh_transport_free(&reference);
}

/*
 * Layers are uploaded on two connections at once. With several layer files
 * missing, the error must name the first one in manifest order however the
 * uploads interleave, and the tag must not be created.
 */
static void push_reports_first_missing_blob(void **state)
{
    registry_fixture *fixture = *state;
    char layout[128], layers[LAYER_COUNT][72], path[256];
    snprintf(layout, sizeof(layout), "%s/missing-layers", fixture->dir);
    write_layered_layout(layout, layers);
    for (int i = 1; i < LAYER_COUNT; i++) {
        snprintf(path, sizeof(path), "%s/blobs/sha256/%s", layout, layers[i] + 7);
        assert_int_equal(unlink(path), 0);
    }

    for (int attempt = 0; attempt < 3; attempt++) {
        wh_registry_options options = options_for(fixture);
        char text[128], repository[64];
        wh_transport reference = { 0 };
        wh_error err = { 0 };
        snprintf(repository, sizeof(repository), "push/missing:v%d", attempt);
        snprintf(text, sizeof(text), "docker://127.0.0.1:%u/%s", fixture->port, repository);
        assert_int_equal(wh_transport_parse(text, &reference, &err), WH_OK);
        assert_int_equal(wh_registry_push_layout(layout, "v1", &reference, &options, NULL, &err),
                         WH_ERR_NOT_FOUND);
        if (strstr(err.message, layers[1]) == NULL)
            fail_msg("expected the error to name %s: %s", layers[1], err.message);
        wh_transport_free(&reference);

        assert_null(skopeo_manifest_digest(fixture->port, repository, NULL));
    }
}

static void push_mounts_from_other_repository(void **state)
{
    registry_fixture *fixture = *state;
    wh_registry_options options = options_for(fixture);
    push(fixture, fixture->port, "push/source:v1", &options, NULL);

    options = options_for(fixture);
    options.mount_from = "push/source";
    push(fixture, fixture->port, "push/mounted:v1", &options, NULL);
    assert_non_null(strstr(fixture->log, "mounted blob"));
    assert_null(strstr(fixture->log, "pushing blob"));

    /* A repository without the blobs: the registry opens an upload instead. */
    options = options_for(fixture);
    options.mount_from = "push/nothing-here";
    push(fixture, fixture->port, "push/fallback:v1", &options, NULL);
    assert_non_null(strstr(fixture->log, "could not be mounted"));
    assert_non_null(strstr(fixture->log, "pushing blob"));
}

static void pull_round_trip(void **state)
{
    registry_fixture *fixture = *state;
    wh_registry_options options = options_for(fixture);
    char *pushed = NULL, *pulled = NULL;
    push(fixture, fixture->port, "push/round:v1", &options, &pushed);

    char text[128], layout[128];
    snprintf(text, sizeof(text), "docker://127.0.0.1:%u/push/round:v1", fixture->port);
    snprintf(layout, sizeof(layout), "%s/pulled", fixture->dir);
    wh_transport reference = { 0 };
    wh_error err = { 0 };
    assert_int_equal(wh_transport_parse(text, &reference, &err), WH_OK);
    if (wh_registry_pull(&reference, layout, &options, &pulled, &err) != WH_OK)
        fail_msg("pull: %s", err.message);
    assert_string_equal(pulled, pushed);
    wh_transport_free(&reference);
    free(pushed);
    free(pulled);
}

static void push_with_basic_auth(void **state)
{
    registry_fixture *fixture = *state;
    wh_registry_options options = options_for(fixture);
    char text[128];
    wh_transport reference = { 0 };
    wh_error err = { 0 };
    snprintf(text, sizeof(text), "docker://127.0.0.1:%u/push/private:v1", fixture->auth_port);
    assert_int_equal(wh_transport_parse(text, &reference, &err), WH_OK);
    setenv("HOME", "/nonexistent", 1);

    /* Without credentials: the message explains how to give them. */
    assert_int_not_equal(wh_registry_push_layout(LAYOUT, NULL, &reference, &options, NULL, &err),
                         WH_OK);
    assert_non_null(strstr(err.message, "--creds"));

    /* Wrong credentials: the password never appears, in the message or the log. */
    options.credentials = "alice:hunter2-wrong";
    assert_int_not_equal(wh_registry_push_layout(LAYOUT, NULL, &reference, &options, NULL, &err),
                         WH_OK);
    assert_null(strstr(err.message, "hunter2"));
    assert_null(strstr(fixture->log, "hunter2"));

    options.credentials = "alice:s3cret-pass";
    if (wh_registry_push_layout(LAYOUT, NULL, &reference, &options, NULL, &err) != WH_OK)
        fail_msg("push with credentials: %s", err.message);
    assert_null(strstr(fixture->log, "s3cret"));

    /* The same through an auth file. */
    char auth_file[128];
    snprintf(auth_file, sizeof(auth_file), "%s/auth.json", fixture->dir);
    FILE *file = fopen(auth_file, "w");
    assert_non_null(file);
    fprintf(file, "{\"auths\": {\"127.0.0.1:%u\": {\"auth\": \"YWxpY2U6czNjcmV0LXBhc3M=\"}}}",
            fixture->auth_port);
    fclose(file);
    options = options_for(fixture);
    options.auth_file = auth_file;
    if (wh_registry_push_layout(LAYOUT, NULL, &reference, &options, NULL, &err) != WH_OK)
        fail_msg("push with an auth file: %s", err.message);

    char *read_back = skopeo_manifest_digest(fixture->auth_port, "push/private:v1",
                                             "alice:s3cret-pass");
    assert_non_null(read_back);
    free(read_back);
    wh_transport_free(&reference);
}

static void tls_verify_rejects_plain_http(void **state)
{
    registry_fixture *fixture = *state;
    wh_registry_options options = options_for(fixture);
    options.tls_verify = 1;
    char text[128];
    wh_transport reference = { 0 };
    wh_error err = { 0 };
    snprintf(text, sizeof(text), "docker://127.0.0.1:%u/push/tls:v1", fixture->port);
    assert_int_equal(wh_transport_parse(text, &reference, &err), WH_OK);
    assert_int_not_equal(wh_registry_push_layout(LAYOUT, NULL, &reference, &options, NULL, &err),
                         WH_OK);
    assert_non_null(strstr(err.message, "--tls-verify=false"));
    wh_transport_free(&reference);
}

/* A registry whose blob store cannot be written returns 500: retried, then reported. */
static void server_errors_retried_then_reported(void **state)
{
    registry_fixture *fixture = *state;
    char dir[128], command[512];
    snprintf(dir, sizeof(dir), "%s/broken", fixture->dir);
    snprintf(command, sizeof(command),
             "mkdir -p %s/storage/docker/registry/v2 && touch %s/storage/docker/registry/v2/blobs",
             dir, dir);
    assert_int_equal(system(command), 0);
    unsigned port = start_registry(dir, NULL);
    assert_int_not_equal(port, 0);

    wh_registry_options options = options_for(fixture);
    char text[128];
    wh_transport reference = { 0 };
    wh_error err = { 0 };
    snprintf(text, sizeof(text), "docker://127.0.0.1:%u/push/broken:v1", port);
    assert_int_equal(wh_transport_parse(text, &reference, &err), WH_OK);
    assert_int_not_equal(wh_registry_push_layout(LAYOUT, NULL, &reference, &options, NULL, &err),
                         WH_OK);
    if (strstr(err.message, "HTTP 5") == NULL)
        fail_msg("unexpected error: %s\nlog:\n%s", err.message, fixture->log);
    assert_non_null(strstr(fixture->log, "retrying in 200 ms"));
    assert_non_null(strstr(fixture->log, "retrying in 1600 ms"));
    assert_null(strstr(fixture->log, "retrying in 3200 ms"));
    wh_transport_free(&reference);

    snprintf(command, sizeof(command), "sh tests/tools/registry.sh stop %s", dir);
    assert_int_equal(system(command), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(push_monolithic_read_by_skopeo),
        cmocka_unit_test(push_again_skips_existing_blobs),
        cmocka_unit_test(push_chunked),
        cmocka_unit_test(push_many_layers_concurrently),
        cmocka_unit_test(push_reports_first_missing_blob),
        cmocka_unit_test(push_mounts_from_other_repository),
        cmocka_unit_test(pull_round_trip),
        cmocka_unit_test(push_with_basic_auth),
        cmocka_unit_test(tls_verify_rejects_plain_http),
        cmocka_unit_test(server_errors_retried_then_reported),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
