/* Private to registry*.c: the HTTP client with authentication and retries. */
#ifndef WH_REGISTRY_INTERNAL_H
#define WH_REGISTRY_INTERNAL_H

#include <curl/curl.h>
#include <stdio.h>

#include "digest.h"
#include "registry.h"

/* Largest manifest, index or token response read into memory, in bytes. */
#define WH_REGISTRY_DOCUMENT_MAX (4u * 1024 * 1024)

#define MEDIA_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MEDIA_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MEDIA_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MEDIA_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"

typedef struct registry_client {
    CURL *curl;
    const wh_registry_options *options;
    char *scheme;        /* "https", or "http" after --tls-verify=false found no TLS */
    char *host;          /* "host:port" as written, for auth files and messages */
    char *api_host;      /* host the API is on ("registry-1.docker.io" for docker.io) */
    char *repository;
    char *username;      /* NULL for anonymous */
    char *password;      /* a secret: never printed */
    char *authorization; /* "Authorization: ..." header line; a secret */
    int push;            /* request push scope for tokens */
    int unreachable;     /* the last request failed to resolve the host or to connect */
} registry_client;

/* Where a response body goes: memory (default) or a file being hashed. */
typedef struct response_sink {
    FILE *file;          /* when non-NULL, the body is written here */
    wh_sha256 *hash;     /* hashed as written, with file */
    int64_t written;
} response_sink;

typedef struct http_request {
    const char *method;   /* "GET", "HEAD", "PUT", "POST", "PATCH" */
    const char *url;      /* absolute URL */
    const char *accept;   /* Accept header value, or NULL */
    const char *content_type;
    const void *body;     /* request body from memory, or NULL */
    size_t body_size;
    FILE *upload;         /* request body from a file at upload_offset, or NULL */
    int64_t upload_offset, upload_size;
    const char *content_range; /* "START-END" for a chunk, or NULL */
    response_sink *sink;  /* NULL: keep the body in the response */
    int single_attempt;   /* no retries: an upload session may not survive a failed request */
} http_request;

typedef struct http_response {
    long status;
    char *location;        /* Location header, resolved against the request URL */
    char *content_type;
    char *digest;          /* Docker-Content-Digest header */
    char *www_authenticate;
    char *body;            /* NUL-terminated, when no sink was given */
    size_t body_size;
} http_response;

void http_response_clear(http_response *response);

/*
 * Sends a request, retrying 5xx responses and dropped connections up to
 * WH_REGISTRY_RETRIES times with backoff (unless request->single_attempt),
 * and handling a 401 once by authenticating as its challenge requests. A
 * status other than 401 is not an error here: callers check response->status.
 */
wh_status registry_send(registry_client *client, const http_request *request,
                        http_response *response, wh_error *err);

/* "SCHEME://API_HOST/v2/REPOSITORY/" + suffix; the caller frees it. */
char *registry_url(const registry_client *client, const char *suffix);

/* Connects: chooses the scheme (see wh_registry_options.tls_verify) and credentials. */
wh_status registry_open(registry_client *client, const wh_transport *reference,
                        const wh_registry_options *options, int push, wh_error *err);
void registry_close(registry_client *client);

/*
 * Opens a second client for the same repository, with its own libcurl
 * handle and connection, that starts with source's scheme, credentials and
 * authorization, so it needs no ping and no new token.
 */
wh_status registry_clone(registry_client *clone, const registry_client *source, wh_error *err);

/* True for "sha256:" and 64 lowercase hex digits, the only digests pushed. */
int registry_digest_valid(const char *digest);

/*
 * Pushes the blob digest of size bytes from the layout folder, unless the
 * repository has it (see wh_registry_push_layout). A failed upload session
 * is started again up to WH_REGISTRY_RETRIES times.
 */
wh_status registry_push_blob(registry_client *client, const char *layout, const char *digest,
                             int64_t size, wh_error *err);

/* Sleeps for a retry's backoff delay. */
void registry_sleep_ms(long milliseconds);

/* True when a request that ended with code and status is worth retrying. */
int registry_retryable(CURLcode code, long status);

/* Sends a log line through options->log when set. */
void registry_log(const registry_client *client, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Sets err for an unexpected status, naming what was done and the registry's message. */
wh_status registry_status_error(const registry_client *client, const char *doing,
                                const http_response *response, wh_error *err);

#endif
