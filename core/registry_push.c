/*
 * Pushing an OCI layout: each blob is checked with HEAD, mounted from
 * options->mount_from or uploaded (in one PUT below the chunk size, else in
 * PATCH chunks), then the manifest is put under its tag.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs.h"
#include "registry_internal.h"

/* Nested indexes followed before giving up, against an index that names itself. */
#define INDEX_DEPTH_MAX 4

typedef struct push_state {
    registry_client *client;
    const char *layout;
} push_state;

static int digest_valid(const char *digest)
{
    return digest != NULL && strncmp(digest, "sha256:", 7) == 0
        && wh_sha256_hex_valid(digest + 7);
}

/* Appends "digest=D" to an upload URL, which may already have a query. */
static char *with_digest(const char *location, const char *digest)
{
    char *url = NULL;
    if (asprintf(&url, "%s%sdigest=%s", location, strchr(location, '?') ? "&" : "?", digest) < 0)
        return NULL;
    return url;
}

/* Returns 1 when the registry already has the blob. */
static wh_status blob_exists(push_state *state, const char *digest, int *exists, wh_error *err)
{
    char *suffix = NULL, *url = NULL;
    http_response response = { 0 };
    *exists = 0;
    if (asprintf(&suffix, "blobs/%s", digest) < 0 || (url = registry_url(state->client, suffix)) == NULL) {
        free(suffix);
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory pushing %s", digest);
    }
    http_request request = { .method = "HEAD", .url = url };
    wh_status result = registry_send(state->client, &request, &response, err);
    if (result == WH_OK)
        *exists = response.status == 200;
    http_response_clear(&response);
    free(suffix);
    free(url);
    return result;
}

/* Starts an upload, or mounts the blob; *location is NULL when the mount succeeded. */
static wh_status start_upload(push_state *state, const char *digest, char **location,
                              wh_error *err)
{
    registry_client *client = state->client;
    const char *from = client->options->mount_from;
    char *suffix = NULL, *url = NULL;
    http_response response = { 0 };
    wh_status result = WH_OK;

    *location = NULL;
    int mounted = from != NULL
                  ? asprintf(&suffix, "blobs/uploads/?mount=%s&from=%s", digest, from)
                  : asprintf(&suffix, "blobs/uploads/");
    if (mounted < 0 || (url = registry_url(client, suffix)) == NULL) {
        free(suffix);
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory pushing %s", digest);
    }
    http_request request = { .method = "POST", .url = url, .body = "", .body_size = 0 };
    result = registry_send(client, &request, &response, err);
    if (result != WH_OK)
        goto out;
    if (from != NULL && response.status == 201) {
        registry_log(client, "mounted blob %.19s from %s", digest, from);
        goto out;
    }
    if (response.status != 202 || response.location == NULL) {
        result = registry_status_error(client, "starting a blob upload", &response, err);
        goto out;
    }
    if (from != NULL)
        registry_log(client, "blob %.19s could not be mounted from %s; uploading it", digest,
                     from);
    *location = strdup(response.location);
    if (*location == NULL)
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory pushing %s", digest);

out:
    http_response_clear(&response);
    free(suffix);
    free(url);
    return result;
}

static wh_status upload_chunks(push_state *state, FILE *file, int64_t size, char **location,
                               long *status, wh_error *err)
{
    registry_client *client = state->client;
    size_t chunk = client->options->chunk_size ? client->options->chunk_size
                                               : WH_REGISTRY_CHUNK_SIZE;
    wh_status result = WH_OK;
    for (int64_t offset = 0; result == WH_OK && offset < size; offset += (int64_t)chunk) {
        int64_t length = size - offset < (int64_t)chunk ? size - offset : (int64_t)chunk;
        char range[64];
        snprintf(range, sizeof(range), "%lld-%lld", (long long)offset,
                 (long long)(offset + length - 1));
        http_response response = { 0 };
        http_request request = {
            .method = "PATCH", .url = *location, .content_type = "application/octet-stream",
            .upload = file, .upload_offset = offset, .upload_size = length,
            .content_range = range, .single_attempt = 1,
        };
        result = registry_send(client, &request, &response, err);
        *status = response.status;
        if (result == WH_OK && (response.status != 202 || response.location == NULL))
            result = registry_status_error(client, "uploading a chunk", &response, err);
        if (result == WH_OK) {
            free(*location);
            *location = response.location;
            response.location = NULL;
        }
        http_response_clear(&response);
    }
    return result;
}

/*
 * Runs one upload session for a blob: POST (or mount), PATCH chunks, PUT.
 * Session requests are not retried one by one, because a registry may drop
 * the session after a failed request; *status receives the HTTP status of a
 * failed request (0 when the connection failed) so the caller can start over.
 */
static wh_status upload_once(push_state *state, FILE *file, const char *digest, int64_t size,
                             long *status, wh_error *err)
{
    registry_client *client = state->client;
    char *location = NULL, *url = NULL;
    http_response response = { 0 };
    size_t chunk = client->options->chunk_size ? client->options->chunk_size
                                               : WH_REGISTRY_CHUNK_SIZE;

    *status = 0;
    wh_status result = start_upload(state, digest, &location, err);
    if (result != WH_OK || location == NULL)
        goto out;

    http_request request = { .method = "PUT", .content_type = "application/octet-stream",
                             .single_attempt = 1 };
    if (size >= (int64_t)chunk) {
        registry_log(client, "pushing blob %.19s in chunks of %zu bytes", digest, chunk);
        result = upload_chunks(state, file, size, &location, status, err);
        request.body = "";
    } else {
        registry_log(client, "pushing blob %.19s (%lld bytes)", digest, (long long)size);
        request.upload = file;
        request.upload_size = size;
    }
    if (result != WH_OK)
        goto out;
    url = with_digest(location, digest);
    if (url == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory pushing %s", digest);
        goto out;
    }
    request.url = url;
    result = registry_send(client, &request, &response, err);
    *status = response.status;
    if (result == WH_OK && response.status != 201)
        result = registry_status_error(client, "finishing a blob upload", &response, err);

out:
    http_response_clear(&response);
    free(location);
    free(url);
    return result;
}

static wh_status push_blob(push_state *state, const char *digest, int64_t size, wh_error *err)
{
    registry_client *client = state->client;
    char *path = NULL;
    FILE *file = NULL;
    int exists = 0;

    if (!digest_valid(digest))
        return wh_error_set(err, WH_ERR_FORMAT, "%s: a descriptor has digest '%s'; only "
                            "sha256 digests are supported", state->layout, digest ? digest : "");
    wh_status result = blob_exists(state, digest, &exists, err);
    if (result != WH_OK || exists) {
        if (exists)
            registry_log(client, "blob %.19s already exists", digest);
        return result;
    }
    if (asprintf(&path, "%s/blobs/sha256/%s", state->layout, digest + 7) < 0) {
        path = NULL;
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory pushing %s", digest);
        goto out;
    }
    file = fopen(path, "rb");
    if (file == NULL) {
        result = wh_error_set(err, WH_ERR_NOT_FOUND, "%s: blob %s is missing (%s)",
                              state->layout, digest, strerror(errno));
        goto out;
    }

    /* A failed session is started again, with the same bounds as single requests. */
    long delay = WH_REGISTRY_BACKOFF_MS;
    for (int attempt = 0;; attempt++) {
        long status = 0;
        result = upload_once(state, file, digest, size, &status, err);
        int retry = result == WH_ERR_IO && (status == 0 || status >= 500);
        if (result == WH_OK || !retry || attempt == WH_REGISTRY_RETRIES)
            break;
        registry_log(client, "upload of blob %.19s failed (%s); retrying in %ld ms", digest,
                     status ? "server error" : "connection failed", delay);
        registry_sleep_ms(delay);
        delay *= 2;
    }

out:
    if (file != NULL)
        fclose(file);
    free(path);
    return result;
}

/* Reads a blob of the layout and checks its digest. */
static wh_status read_blob(push_state *state, const char *digest, char **data, size_t *size,
                           wh_error *err)
{
    char *path = NULL;
    char hex[65];
    if (!digest_valid(digest))
        return wh_error_set(err, WH_ERR_FORMAT, "%s: digest '%s' is not sha256:<64 hex digits>",
                            state->layout, digest ? digest : "");
    if (asprintf(&path, "%s/blobs/sha256/%s", state->layout, digest + 7) < 0)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory pushing %s", digest);
    wh_status result = wh_read_file(path, WH_REGISTRY_DOCUMENT_MAX, data, size, err);
    free(path);
    if (result != WH_OK)
        return result;
    wh_sha256_buffer_hex(*data, *size, hex);
    if (strcmp(hex, digest + 7) != 0) {
        free(*data);
        *data = NULL;
        return wh_error_set(err, WH_ERR_DIGEST, "%s: blob %s has content with sha256:%s",
                            state->layout, digest, hex);
    }
    return WH_OK;
}

static wh_status put_manifest(push_state *state, const char *reference, const char *media_type,
                              const char *data, size_t size, const char *digest, wh_error *err)
{
    char *suffix = NULL, *url = NULL;
    http_response response = { 0 };
    if (asprintf(&suffix, "manifests/%s", reference) < 0
        || (url = registry_url(state->client, suffix)) == NULL) {
        free(suffix);
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory pushing %s", digest);
    }
    http_request request = { .method = "PUT", .url = url, .content_type = media_type,
                             .body = data, .body_size = size };
    wh_status result = registry_send(state->client, &request, &response, err);
    if (result == WH_OK && response.status != 201)
        result = registry_status_error(state->client, "putting the manifest", &response, err);
    if (result == WH_OK && response.digest != NULL && strcmp(response.digest, digest) != 0)
        result = wh_error_set(err, WH_ERR_DIGEST, "%s/%s stored manifest %s as %s",
                              state->client->host, state->client->repository, digest,
                              response.digest);
    http_response_clear(&response);
    free(suffix);
    free(url);
    return result;
}

/* Pushes what a descriptor names, children first, then the document under reference. */
static wh_status push_descriptor(push_state *state, json_t *descriptor, const char *reference,
                                 int depth, wh_error *err)
{
    const char *digest = json_string_value(json_object_get(descriptor, "digest"));
    char *data = NULL;
    size_t size = 0;
    json_t *json = NULL;

    wh_status result = read_blob(state, digest, &data, &size, err);
    if (result != WH_OK)
        return result;
    json = json_loadb(data, size, 0, NULL);
    const char *type = json_string_value(json_object_get(json, "mediaType"));
    if (type == NULL)
        type = json_string_value(json_object_get(descriptor, "mediaType"));

    if (type && (strcmp(type, MEDIA_OCI_INDEX) == 0 || strcmp(type, MEDIA_DOCKER_LIST) == 0)) {
        json_t *manifests = json_object_get(json, "manifests");
        if (depth >= INDEX_DEPTH_MAX)
            result = wh_error_set(err, WH_ERR_FORMAT, "%s: indexes nest deeper than %d",
                                  state->layout, INDEX_DEPTH_MAX);
        for (size_t i = 0; result == WH_OK && i < json_array_size(manifests); i++) {
            json_t *child = json_array_get(manifests, i);
            result = push_descriptor(state, child,
                                     json_string_value(json_object_get(child, "digest")),
                                     depth + 1, err);
        }
    } else if (type && (strcmp(type, MEDIA_OCI_MANIFEST) == 0
                        || strcmp(type, MEDIA_DOCKER_MANIFEST) == 0)) {
        json_t *config = json_object_get(json, "config");
        result = push_blob(state, json_string_value(json_object_get(config, "digest")),
                           json_integer_value(json_object_get(config, "size")), err);
        json_t *layers = json_object_get(json, "layers");
        for (size_t i = 0; result == WH_OK && i < json_array_size(layers); i++) {
            json_t *layer = json_array_get(layers, i);
            result = push_blob(state, json_string_value(json_object_get(layer, "digest")),
                               json_integer_value(json_object_get(layer, "size")), err);
        }
    } else {
        result = wh_error_set(err, WH_ERR_FORMAT, "%s: %s has media type '%s', which is not "
                              "an image manifest or index", state->layout, digest,
                              type ? type : "(none)");
    }
    if (result == WH_OK)
        result = put_manifest(state, reference, type, data, size, digest, err);
    json_decref(json);
    free(data);
    return result;
}

/* Picks the index.json entry named tag, or the only entry when tag is NULL. */
static wh_status pick_entry(const char *layout, json_t *index, const char *tag, json_t **out,
                            wh_error *err)
{
    json_t *manifests = json_object_get(index, "manifests");
    size_t count = json_array_size(manifests);
    if (tag == NULL && count == 1) {
        *out = json_array_get(manifests, 0);
        return WH_OK;
    }
    for (size_t i = 0; tag != NULL && i < count; i++) {
        json_t *entry = json_array_get(manifests, i);
        const char *name = json_string_value(json_object_get(
            json_object_get(entry, "annotations"), "org.opencontainers.image.ref.name"));
        if (name != NULL && strcmp(name, tag) == 0) {
            *out = entry;
            return WH_OK;
        }
    }
    if (count == 0)
        return wh_error_set(err, WH_ERR_FORMAT, "%s/index.json lists no manifests", layout);
    if (tag == NULL)
        return wh_error_set(err, WH_ERR_INVALID, "%s holds %zu images; name the one to push",
                            layout, count);
    return wh_error_set(err, WH_ERR_NOT_FOUND, "%s has no image named '%s'", layout, tag);
}

wh_status wh_registry_push_layout(const char *layout_dir, const char *tag,
                                  const wh_transport *reference,
                                  const wh_registry_options *options, char **manifest_digest,
                                  wh_error *err)
{
    registry_client client;
    char *path = NULL, *data = NULL;
    size_t size = 0;
    json_t *index = NULL, *entry = NULL;

    if (manifest_digest != NULL)
        *manifest_digest = NULL;
    if (asprintf(&path, "%s/index.json", layout_dir) < 0)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory pushing %s", layout_dir);
    wh_status result = wh_read_file(path, WH_REGISTRY_DOCUMENT_MAX, &data, &size, err);
    free(path);
    if (result != WH_OK)
        return result;
    json_error_t json_error;
    index = json_loadb(data, size, 0, &json_error);
    free(data);
    if (index == NULL)
        return wh_error_set(err, WH_ERR_FORMAT, "%s/index.json is not valid JSON: %s at line %d",
                            layout_dir, json_error.text, json_error.line);
    result = pick_entry(layout_dir, index, tag, &entry, err);
    if (result == WH_OK)
        result = registry_open(&client, reference, options, 1, err);
    if (result != WH_OK) {
        json_decref(index);
        return result;
    }

    push_state state = { &client, layout_dir };
    const char *target = reference->digest ? reference->digest
                       : reference->tag    ? reference->tag
                                           : "latest";
    registry_log(&client, "pushing to %s/%s:%s", client.host, client.repository, target);
    result = push_descriptor(&state, entry, target, 0, err);
    if (result == WH_OK && manifest_digest != NULL) {
        *manifest_digest = strdup(json_string_value(json_object_get(entry, "digest")));
        if (*manifest_digest == NULL)
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory pushing %s", layout_dir);
    }
    registry_close(&client);
    json_decref(index);
    return result;
}
