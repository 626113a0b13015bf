/*
 * Pushing an OCI layout: the blobs of each manifest are pushed on up to
 * WH_REGISTRY_UPLOAD_WORKERS connections at once (core/registry_upload.c),
 * then the manifest is put under its tag.
 */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
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

/* One blob a manifest names: the strings belong to the manifest's JSON. */
typedef struct blob_entry {
    const char *digest;
    int64_t size;
} blob_entry;

/* Blobs shared by the upload threads; each takes the next one until none is left. */
typedef struct upload_pool {
    const char *layout;
    const blob_entry *blobs;
    size_t count;
    size_t next;         /* index of the next blob to take, under lock */
    int failed;          /* set after a failure, so no thread takes another blob */
    wh_status *results;  /* per blob, WH_OK until its upload fails */
    wh_error *errors;    /* per blob */
    pthread_mutex_t lock;
} upload_pool;

typedef struct upload_worker {
    upload_pool *pool;
    registry_client client;
} upload_worker;

static void upload_from_pool(upload_pool *pool, registry_client *client)
{
    for (;;) {
        pthread_mutex_lock(&pool->lock);
        size_t index = pool->next;
        int done = pool->failed || index >= pool->count;
        if (!done)
            pool->next++;
        pthread_mutex_unlock(&pool->lock);
        if (done)
            return;

        const blob_entry *blob = &pool->blobs[index];
        wh_status result = registry_push_blob(client, pool->layout, blob->digest, blob->size,
                                              &pool->errors[index]);
        pool->results[index] = result;
        if (result != WH_OK) {
            pthread_mutex_lock(&pool->lock);
            pool->failed = 1;
            pthread_mutex_unlock(&pool->lock);
        }
    }
}

static void *run_upload_worker(void *context)
{
    upload_worker *worker = context;
    upload_from_pool(worker->pool, &worker->client);
    return NULL;
}

/*
 * Pushes blobs on up to WH_REGISTRY_UPLOAD_WORKERS connections: the calling
 * thread with client, and helper threads with clones of it. When uploads
 * fail, err receives the error of the first failed blob in manifest order,
 * so the message does not depend on which thread finished first.
 */
static wh_status push_blobs(push_state *state, const blob_entry *blobs, size_t count,
                            wh_error *err)
{
    upload_pool pool = { .layout = state->layout, .blobs = blobs, .count = count };
    upload_worker helpers[WH_REGISTRY_UPLOAD_WORKERS - 1];
    pthread_t threads[WH_REGISTRY_UPLOAD_WORKERS - 1];
    size_t started = 0;
    wh_status result = WH_OK;

    pool.results = calloc(count ? count : 1, sizeof(*pool.results));
    pool.errors = calloc(count ? count : 1, sizeof(*pool.errors));
    if (pool.results == NULL || pool.errors == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory pushing %s", state->layout);
        goto out;
    }
    pthread_mutex_init(&pool.lock, NULL);

    /* A helper that cannot be set up is only a lost speed-up: the calling thread does its share. */
    size_t helper_count = count < WH_REGISTRY_UPLOAD_WORKERS ? (count ? count - 1 : 0)
                                                             : WH_REGISTRY_UPLOAD_WORKERS - 1;
    for (size_t i = 0; i < helper_count; i++) {
        wh_error ignored = { 0 };
        helpers[started].pool = &pool;
        if (registry_clone(&helpers[started].client, state->client, &ignored) != WH_OK)
            break;
        if (pthread_create(&threads[started], NULL, run_upload_worker, &helpers[started]) != 0) {
            registry_close(&helpers[started].client);
            break;
        }
        started++;
    }
    upload_from_pool(&pool, state->client);
    for (size_t i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
        registry_close(&helpers[i].client);
    }
    pthread_mutex_destroy(&pool.lock);

    for (size_t i = 0; i < count && result == WH_OK; i++) {
        if (pool.results[i] != WH_OK) {
            *err = pool.errors[i];
            result = pool.results[i];
        }
    }

out:
    free(pool.results);
    free(pool.errors);
    return result;
}

/*
 * Collects the config and layers of manifest into *out, each digest once.
 * Returns the number of entries, or -1 when out of memory.
 */
static long collect_blobs(json_t *manifest, blob_entry **out)
{
    json_t *layers = json_object_get(manifest, "layers");
    size_t capacity = json_array_size(layers) + 1, count = 0;
    blob_entry *blobs = calloc(capacity, sizeof(*blobs));
    if (blobs == NULL)
        return -1;
    for (size_t i = 0; i < capacity; i++) {
        json_t *descriptor = i == 0 ? json_object_get(manifest, "config")
                                    : json_array_get(layers, i - 1);
        blob_entry entry = {
            json_string_value(json_object_get(descriptor, "digest")),
            json_integer_value(json_object_get(descriptor, "size")),
        };
        int seen = 0;
        for (size_t j = 0; j < count && !seen && entry.digest != NULL; j++)
            seen = blobs[j].digest != NULL && strcmp(blobs[j].digest, entry.digest) == 0;
        if (!seen)
            blobs[count++] = entry;
    }
    *out = blobs;
    return (long)count;
}

/* Reads a blob of the layout and checks its digest. */
static wh_status read_blob(push_state *state, const char *digest, char **data, size_t *size,
                           wh_error *err)
{
    char *path = NULL;
    char hex[65];
    if (!registry_digest_valid(digest))
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
        blob_entry *blobs = NULL;
        long count = collect_blobs(json, &blobs);
        if (count < 0)
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory pushing %s", digest);
        else
            result = push_blobs(state, blobs, (size_t)count, err);
        free(blobs);
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
