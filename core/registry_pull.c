/*
 * Pulling: manifest (through an index to the requested platform), config
 * and layers, written into an OCI layout with every digest checked.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "registry_internal.h"

#define MANIFEST_ACCEPT                                                           \
    MEDIA_OCI_MANIFEST ", " MEDIA_OCI_INDEX ", " MEDIA_DOCKER_MANIFEST ", " MEDIA_DOCKER_LIST

/* Indexes followed before giving up, against an index that points at itself. */
#define INDEX_DEPTH_MAX 4

static int digest_valid(const char *digest)
{
    return digest != NULL && strncmp(digest, "sha256:", 7) == 0
        && wh_sha256_hex_valid(digest + 7);
}

/* Fetches a manifest or index by tag or digest and checks its digest. */
static wh_status fetch_manifest(registry_client *client, const char *reference,
                                http_response *response, char digest[72], wh_error *err)
{
    char *suffix = NULL;
    char *url = NULL;
    char hex[65];
    wh_status result = WH_OK;

    if (asprintf(&suffix, "manifests/%s", reference) < 0 || (url = registry_url(client, suffix)) == NULL) {
        free(suffix);
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory fetching %s", reference);
    }
    http_request request = { .method = "GET", .url = url, .accept = MANIFEST_ACCEPT };
    result = registry_send(client, &request, response, err);
    if (result == WH_OK && response->status != 200) {
        char doing[160];
        snprintf(doing, sizeof(doing), "fetching the manifest '%s'", reference);
        result = registry_status_error(client, doing, response, err);
        if (response->status == 404)
            wh_error_prefix(err, "%s is not in the registry; check the tag or digest",
                            reference);
    }
    if (result != WH_OK)
        goto out;

    wh_sha256_buffer_hex(response->body ? response->body : "", response->body_size, hex);
    snprintf(digest, 72, "sha256:%s", hex);
    const char *expected = strncmp(reference, "sha256:", 7) == 0 ? reference : response->digest;
    if (expected != NULL && strcmp(expected, digest) != 0) {
        result = wh_error_set(err, WH_ERR_DIGEST,
                              "manifest %s from %s/%s has digest %s, not %s", reference,
                              client->host, client->repository, digest, expected);
        goto out;
    }

out:
    free(suffix);
    free(url);
    return result;
}

static wh_status write_file(const char *path, const void *data, size_t size, wh_error *err)
{
    FILE *file = fopen(path, "wb");
    if (file == NULL)
        return wh_error_set(err, WH_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    size_t written = fwrite(data, 1, size, file);
    if (fclose(file) != 0 || written != size)
        return wh_error_set(err, WH_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    return WH_OK;
}

static char *blob_path(const char *layout, const char *digest)
{
    char *path = NULL;
    if (asprintf(&path, "%s/blobs/sha256/%s", layout, digest + 7) < 0)
        return NULL;
    return path;
}

/* Downloads one blob into the layout, hashing it as it arrives. */
static wh_status download_blob(registry_client *client, const char *layout, const char *digest,
                               int64_t size, wh_error *err)
{
    wh_status result = WH_OK;
    char *path = NULL, *partial = NULL, *suffix = NULL, *url = NULL;
    http_response response = { 0 };
    response_sink sink = { 0 };
    char hex[65];

    if (!digest_valid(digest))
        return wh_error_set(err, WH_ERR_FORMAT, "%s/%s: a descriptor has digest '%s'; only "
                            "sha256 digests are supported", client->host, client->repository,
                            digest ? digest : "(none)");
    path = blob_path(layout, digest);
    if (path == NULL || asprintf(&partial, "%s.partial", path) < 0
        || asprintf(&suffix, "blobs/%s", digest) < 0 || (url = registry_url(client, suffix)) == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory downloading %s", digest);
        goto out;
    }
    sink.file = fopen(partial, "wb");
    sink.hash = wh_sha256_new();
    if (sink.file == NULL || sink.hash == NULL) {
        result = wh_error_set(err, WH_ERR_IO, "cannot write %s: %s", partial, strerror(errno));
        goto out;
    }

    registry_log(client, "pulling blob %.19s (%lld bytes)", digest, (long long)size);
    http_request request = { .method = "GET", .url = url, .sink = &sink };
    result = registry_send(client, &request, &response, err);
    if (result == WH_OK && response.status != 200)
        result = registry_status_error(client, "downloading a blob", &response, err);
    if (result != WH_OK)
        goto out;
    if (fclose(sink.file) != 0) {
        sink.file = NULL;
        result = wh_error_set(err, WH_ERR_IO, "cannot write %s: %s", partial, strerror(errno));
        goto out;
    }
    sink.file = NULL;

    wh_sha256_final_hex(sink.hash, hex);
    if (strcmp(hex, digest + 7) != 0 || (size >= 0 && sink.written != size)) {
        result = wh_error_set(err, WH_ERR_DIGEST,
                              "blob %s from %s/%s arrived with sha256:%s and %lld bytes "
                              "(expected %lld); it was not kept", digest, client->host,
                              client->repository, hex, (long long)sink.written,
                              (long long)size);
        goto out;
    }
    if (rename(partial, path) != 0)
        result = wh_error_set(err, WH_ERR_IO, "cannot move %s into place: %s", partial,
                              strerror(errno));

out:
    if (sink.file != NULL)
        fclose(sink.file);
    if (result != WH_OK && partial != NULL)
        unlink(partial);
    wh_sha256_free(sink.hash);
    http_response_clear(&response);
    free(path);
    free(partial);
    free(suffix);
    free(url);
    return result;
}

static const char *media_type_of(const http_response *response, json_t *json)
{
    const char *type = json_string_value(json_object_get(json, "mediaType"));
    if (type != NULL)
        return type;
    return response->content_type;
}

static int is_index(const char *type)
{
    return type && (strncmp(type, MEDIA_OCI_INDEX, strlen(MEDIA_OCI_INDEX)) == 0
                    || strncmp(type, MEDIA_DOCKER_LIST, strlen(MEDIA_DOCKER_LIST)) == 0);
}

/* Picks the platform's manifest digest from an index. */
static wh_status pick_platform(registry_client *client, json_t *index, const char **digest,
                               wh_error *err)
{
    const char *os = client->options->os ? client->options->os : "linux";
    const char *arch = client->options->architecture ? client->options->architecture
                                                     : wh_registry_host_architecture();
    json_t *manifests = json_object_get(index, "manifests");
    for (size_t i = 0; i < json_array_size(manifests); i++) {
        json_t *platform = json_object_get(json_array_get(manifests, i), "platform");
        const char *entry_os = json_string_value(json_object_get(platform, "os"));
        const char *entry_arch = json_string_value(json_object_get(platform, "architecture"));
        if (entry_os && entry_arch && strcmp(entry_os, os) == 0 && strcmp(entry_arch, arch) == 0) {
            *digest = json_string_value(json_object_get(json_array_get(manifests, i), "digest"));
            return WH_OK;
        }
    }
    return wh_error_set(err, WH_ERR_NOT_FOUND, "%s/%s has no image for platform %s/%s",
                        client->host, client->repository, os, arch);
}

static wh_status write_layout(const char *layout, const char *media_type, const char *digest,
                              size_t size, const char *tag, wh_error *err)
{
    char *path = NULL;
    json_t *descriptor = json_pack("{s:s, s:s, s:I}", "mediaType", media_type, "digest", digest,
                                   "size", (json_int_t)size);
    if (tag != NULL)
        json_object_set_new(descriptor, "annotations",
                            json_pack("{s:s}", "org.opencontainers.image.ref.name", tag));
    json_t *index = json_pack("{s:i, s:s, s:[o]}", "schemaVersion", 2, "mediaType",
                              MEDIA_OCI_INDEX, "manifests", descriptor);
    char *text = json_dumps(index, JSON_COMPACT);
    json_decref(index);
    wh_status result = WH_OK;
    if (text == NULL || asprintf(&path, "%s/index.json", layout) < 0) {
        free(text);
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory writing %s", layout);
    }
    result = write_file(path, text, strlen(text), err);
    free(path);
    free(text);
    if (result != WH_OK || asprintf(&path, "%s/oci-layout", layout) < 0)
        return result;
    static const char layout_version[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
    result = write_file(path, layout_version, strlen(layout_version), err);
    free(path);
    return result;
}

static wh_status pull_image(registry_client *client, const char *reference, const char *layout,
                            const char *tag, char **manifest_digest, wh_error *err)
{
    wh_status result = WH_OK;
    http_response response = { 0 };
    json_t *json = NULL;
    char digest[72];
    char *current = strdup(reference);

    for (int depth = 0; current != NULL; depth++) {
        http_response_clear(&response);
        json_decref(json);
        result = fetch_manifest(client, current, &response, digest, err);
        if (result != WH_OK)
            goto out;
        json = json_loadb(response.body ? response.body : "", response.body_size, 0, NULL);
        if (json == NULL) {
            result = wh_error_set(err, WH_ERR_FORMAT, "manifest %s from %s/%s is not JSON",
                                  current, client->host, client->repository);
            goto out;
        }
        if (!is_index(media_type_of(&response, json)))
            break;
        const char *picked = NULL;
        if (depth >= INDEX_DEPTH_MAX)
            result = wh_error_set(err, WH_ERR_FORMAT, "%s/%s: indexes nest deeper than %d",
                                  client->host, client->repository, INDEX_DEPTH_MAX);
        else
            result = pick_platform(client, json, &picked, err);
        if (result != WH_OK)
            goto out;
        free(current);
        current = picked ? strdup(picked) : NULL;
    }
    if (current == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory pulling %s", reference);
        goto out;
    }

    const char *type = media_type_of(&response, json);
    if (json_integer_value(json_object_get(json, "schemaVersion")) != 2
        || (strcmp(type ? type : "", MEDIA_OCI_MANIFEST) != 0
            && strcmp(type ? type : "", MEDIA_DOCKER_MANIFEST) != 0)) {
        result = wh_error_set(err, WH_ERR_FORMAT,
                              "%s/%s:%s is not a schema 2 image manifest (media type %s)",
                              client->host, client->repository, reference,
                              type ? type : "unknown");
        goto out;
    }

    json_t *config = json_object_get(json, "config");
    result = download_blob(client, layout, json_string_value(json_object_get(config, "digest")),
                           json_integer_value(json_object_get(config, "size")), err);
    json_t *layers = json_object_get(json, "layers");
    for (size_t i = 0; result == WH_OK && i < json_array_size(layers); i++) {
        json_t *layer = json_array_get(layers, i);
        result = download_blob(client, layout, json_string_value(json_object_get(layer, "digest")),
                               json_integer_value(json_object_get(layer, "size")), err);
    }
    if (result != WH_OK)
        goto out;

    char *path = blob_path(layout, digest);
    result = path ? write_file(path, response.body, response.body_size, err)
                  : wh_error_set(err, WH_ERR_NOMEM, "out of memory pulling %s", reference);
    free(path);
    if (result == WH_OK)
        result = write_layout(layout, type, digest, response.body_size, tag, err);
    if (result == WH_OK && manifest_digest != NULL) {
        *manifest_digest = strdup(digest);
        if (*manifest_digest == NULL)
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory pulling %s", reference);
    }

out:
    free(current);
    json_decref(json);
    http_response_clear(&response);
    return result;
}

wh_status wh_registry_pull(const wh_transport *reference, const char *layout_dir,
                           const wh_registry_options *options, char **manifest_digest,
                           wh_error *err)
{
    registry_client client;
    char *blobs = NULL;

    if (manifest_digest != NULL)
        *manifest_digest = NULL;
    if (asprintf(&blobs, "%s/blobs/sha256", layout_dir) < 0)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory pulling an image");
    wh_status result = wh_mkdir_parents(blobs, 0700, err);
    free(blobs);
    if (result != WH_OK)
        return result;

    result = registry_open(&client, reference, options, 0, err);
    if (result != WH_OK)
        return result;
    const char *ref = reference->digest ? reference->digest
                    : reference->tag    ? reference->tag
                                        : "latest";
    const char *tag = reference->tag ? reference->tag : "latest";
    registry_log(&client, "pulling %s/%s%s%s", client.host, client.repository,
                 strncmp(ref, "sha256:", 7) == 0 ? "@" : ":", ref);
    result = pull_image(&client, ref, layout_dir, tag, manifest_digest, err);
    registry_close(&client);
    return result;
}
