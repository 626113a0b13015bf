/*
 * Uploading one blob of an OCI layout: a HEAD skips a blob the repository
 * has, a mount from options->mount_from is tried next, and otherwise the
 * blob is streamed from its file, in one PUT below the chunk size or in
 * PATCH chunks of that size, then finished with a PUT naming its digest.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "registry_internal.h"

int registry_digest_valid(const char *digest)
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
static wh_status blob_exists(registry_client *client, const char *digest, int *exists, wh_error *err)
{
    char *suffix = NULL, *url = NULL;
    http_response response = { 0 };
    *exists = 0;
    if (asprintf(&suffix, "blobs/%s", digest) < 0 || (url = registry_url(client, suffix)) == NULL) {
        free(suffix);
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory pushing %s", digest);
    }
    http_request request = { .method = "HEAD", .url = url };
    wh_status result = registry_send(client, &request, &response, err);
    if (result == WH_OK)
        *exists = response.status == 200;
    http_response_clear(&response);
    free(suffix);
    free(url);
    return result;
}

/* Starts an upload, or mounts the blob; *location is NULL when the mount succeeded. */
static wh_status start_upload(registry_client *client, const char *digest, char **location,
                              wh_error *err)
{
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

static wh_status upload_chunks(registry_client *client, FILE *file, int64_t size, char **location,
                               long *status, wh_error *err)
{
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
static wh_status upload_once(registry_client *client, FILE *file, const char *digest, int64_t size,
                             long *status, wh_error *err)
{
    char *location = NULL, *url = NULL;
    http_response response = { 0 };
    size_t chunk = client->options->chunk_size ? client->options->chunk_size
                                               : WH_REGISTRY_CHUNK_SIZE;

    *status = 0;
    wh_status result = start_upload(client, digest, &location, err);
    if (result != WH_OK || location == NULL)
        goto out;

    http_request request = { .method = "PUT", .content_type = "application/octet-stream",
                             .single_attempt = 1 };
    if (size >= (int64_t)chunk) {
        registry_log(client, "pushing blob %.19s in chunks of %zu bytes", digest, chunk);
        result = upload_chunks(client, file, size, &location, status, err);
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

wh_status registry_push_blob(registry_client *client, const char *layout, const char *digest,
                             int64_t size, wh_error *err)
{
    char *path = NULL;
    FILE *file = NULL;
    int exists = 0;

    if (!registry_digest_valid(digest))
        return wh_error_set(err, WH_ERR_FORMAT, "%s: a descriptor has digest '%s'; only "
                            "sha256 digests are supported", layout, digest ? digest : "");
    wh_status result = blob_exists(client, digest, &exists, err);
    if (result != WH_OK || exists) {
        if (exists)
            registry_log(client, "blob %.19s already exists", digest);
        return result;
    }
    if (asprintf(&path, "%s/blobs/sha256/%s", layout, digest + 7) < 0) {
        path = NULL;
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory pushing %s", digest);
        goto out;
    }
    file = fopen(path, "rb");
    if (file == NULL) {
        result = wh_error_set(err, WH_ERR_NOT_FOUND, "%s: blob %s is missing (%s)",
                              layout, digest, strerror(errno));
        goto out;
    }

    /* A failed session is started again, with the same bounds as single requests. */
    long delay = WH_REGISTRY_BACKOFF_MS;
    for (int attempt = 0;; attempt++) {
        long status = 0;
        result = upload_once(client, file, digest, size, &status, err);
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

