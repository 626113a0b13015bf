/* HTTP for the registry client: one libcurl handle, retries and authentication. */
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "registry_internal.h"

/*
 * libcurl's upload buffer for request bodies, in bytes, instead of its
 * default of 64 KiB: fewer read callbacks and larger writes to the socket.
 */
#define UPLOAD_BUFFER_SIZE (1024L * 1024)

/* Request state shared with the curl callbacks. */
typedef struct transfer {
    const http_request *request;
    http_response *response;
    size_t body_capacity;
    int64_t uploaded;
    int too_large;
    int write_failed;
} transfer;

void http_response_clear(http_response *response)
{
    if (response == NULL)
        return;
    free(response->location);
    free(response->content_type);
    free(response->digest);
    free(response->www_authenticate);
    free(response->body);
    *response = (http_response){ 0 };
}

void registry_log(const registry_client *client, const char *format, ...)
{
    if (client->options == NULL || client->options->log == NULL)
        return;
    char message[512];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof(message), format, args);
    va_end(args);

    /* Blob uploads run on several threads; one line reaches the callback at a time. */
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&lock);
    client->options->log(client->options->log_context, message);
    pthread_mutex_unlock(&lock);
}

static size_t on_body(char *data, size_t size, size_t count, void *context)
{
    transfer *t = context;
    size_t bytes = size * count;
    response_sink *sink = t->request->sink;

    if (sink != NULL && t->response->status >= 200 && t->response->status < 300) {
        if (fwrite(data, 1, bytes, sink->file) != bytes) {
            t->write_failed = 1;
            return 0;
        }
        wh_sha256_update(sink->hash, data, bytes);
        sink->written += (int64_t)bytes;
        return bytes;
    }

    /* Error bodies and documents are kept in memory, up to a limit. */
    http_response *r = t->response;
    if (r->body_size + bytes > WH_REGISTRY_DOCUMENT_MAX) {
        t->too_large = 1;
        return 0;
    }
    if (r->body_size + bytes + 1 > t->body_capacity) {
        size_t capacity = (r->body_size + bytes + 1) * 2;
        char *grown = realloc(r->body, capacity);
        if (grown == NULL)
            return 0;
        r->body = grown;
        t->body_capacity = capacity;
    }
    memcpy(r->body + r->body_size, data, bytes);
    r->body_size += bytes;
    r->body[r->body_size] = '\0';
    return bytes;
}

/* Keeps a copy of a header's value when name matches; the value ends at CR or LF. */
static void keep_header(const char *line, size_t length, const char *name, char **slot)
{
    size_t name_length = strlen(name);
    if (length <= name_length + 1 || strncasecmp(line, name, name_length) != 0
        || line[name_length] != ':')
        return;
    const char *value = line + name_length + 1;
    const char *end = line + length;
    while (value < end && (*value == ' ' || *value == '\t'))
        value++;
    while (end > value && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    free(*slot);
    *slot = strndup(value, (size_t)(end - value));
}

static size_t on_header(char *line, size_t size, size_t count, void *context)
{
    transfer *t = context;
    size_t length = size * count;
    http_response *r = t->response;

    /* A new status line (after a redirect or 100 Continue) starts a new header set. */
    if (length > 5 && strncmp(line, "HTTP/", 5) == 0) {
        const char *space = memchr(line, ' ', length);
        r->status = space ? strtol(space + 1, NULL, 10) : 0;
        return length;
    }
    keep_header(line, length, "Location", &r->location);
    keep_header(line, length, "Content-Type", &r->content_type);
    keep_header(line, length, "Docker-Content-Digest", &r->digest);
    keep_header(line, length, "WWW-Authenticate", &r->www_authenticate);
    return length;
}

static size_t on_upload(char *buffer, size_t size, size_t count, void *context)
{
    transfer *t = context;
    const http_request *request = t->request;
    size_t room = size * count;
    int64_t left = (request->upload ? request->upload_size : (int64_t)request->body_size)
                 - t->uploaded;
    size_t bytes = left < (int64_t)room ? (size_t)left : room;
    if (bytes == 0)
        return 0;
    if (request->upload != NULL) {
        bytes = fread(buffer, 1, bytes, request->upload);
        if (bytes == 0)
            return CURL_READFUNC_ABORT;
    } else {
        memcpy(buffer, (const char *)request->body + t->uploaded, bytes);
    }
    t->uploaded += (int64_t)bytes;
    return bytes;
}

/* Resolves a Location header against the request URL, by the rules of RFC 3986. */
static char *resolve_location(const char *base, const char *location)
{
    CURLU *url = curl_url();
    char *resolved = NULL;
    char *copy = NULL;
    if (url != NULL && curl_url_set(url, CURLUPART_URL, base, 0) == CURLUE_OK
        && curl_url_set(url, CURLUPART_URL, location, 0) == CURLUE_OK
        && curl_url_get(url, CURLUPART_URL, &resolved, 0) == CURLUE_OK)
        copy = strdup(resolved);
    curl_free(resolved);
    curl_url_cleanup(url);
    return copy;
}

/* Performs one attempt; authorization is the header line to send, or NULL. */
static CURLcode perform(registry_client *client, const http_request *request,
                        http_response *response, const char *authorization)
{
    CURL *curl = client->curl;
    transfer t = { .request = request, .response = response };
    struct curl_slist *headers = NULL;
    char line[1024];
    int verify = client->options == NULL || client->options->tls_verify;

    http_response_clear(response);
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, request->url);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "whittle/" WHITTLE_VERSION);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);

    /*
     * Blob downloads may redirect to storage. libcurl 7.58 and later send a custom
     * Authorization header only to the original host, so the token stays there.
     */
    if (strcmp(request->method, "GET") == 0 || strcmp(request->method, "HEAD") == 0) {
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
        curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, verify ? "https" : "http,https");
    }
    if (strcmp(request->method, "HEAD") == 0) {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (strcmp(request->method, "GET") != 0) {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request->method);
        curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_upload);
        curl_easy_setopt(curl, CURLOPT_READDATA, &t);
        curl_off_t size = request->upload ? request->upload_size : (curl_off_t)request->body_size;
        curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, size);
        if (request->upload != NULL) {
            curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, UPLOAD_BUFFER_SIZE);
            fseeko(request->upload, request->upload_offset, SEEK_SET);
        }
        headers = curl_slist_append(headers, "Expect:");
    }

    if (request->accept) {
        snprintf(line, sizeof(line), "Accept: %s", request->accept);
        headers = curl_slist_append(headers, line);
    }
    if (request->content_type) {
        snprintf(line, sizeof(line), "Content-Type: %s", request->content_type);
        headers = curl_slist_append(headers, line);
    }
    if (request->content_range) {
        snprintf(line, sizeof(line), "Content-Range: %s", request->content_range);
        headers = curl_slist_append(headers, line);
    }
    if (authorization != NULL)
        headers = curl_slist_append(headers, authorization);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

    CURLcode code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response->status);
    curl_slist_free_all(headers);

    if (response->location != NULL) {
        char *resolved = resolve_location(request->url, response->location);
        if (resolved != NULL) {
            free(response->location);
            response->location = resolved;
        }
    }
    if (code == CURLE_WRITE_ERROR && t.too_large)
        return CURLE_FILESIZE_EXCEEDED;
    return code;
}

int registry_retryable(CURLcode code, long status)
{
    if (code == CURLE_OK)
        return status >= 500 && status <= 599;
    return code == CURLE_COULDNT_CONNECT || code == CURLE_SEND_ERROR
        || code == CURLE_RECV_ERROR || code == CURLE_GOT_NOTHING
        || code == CURLE_PARTIAL_FILE || code == CURLE_OPERATION_TIMEDOUT;
}

/* Empties a file sink before a retry writes the body again. */
static wh_status reset_sink(response_sink *sink, wh_error *err)
{
    if (sink == NULL)
        return WH_OK;
    fflush(sink->file);
    if (ftruncate(fileno(sink->file), 0) != 0)
        return wh_error_set(err, WH_ERR_IO, "cannot truncate a download for a retry");
    rewind(sink->file);
    wh_sha256_free(sink->hash);
    sink->hash = wh_sha256_new();
    sink->written = 0;
    return sink->hash ? WH_OK : wh_error_set(err, WH_ERR_NOMEM, "out of memory retrying");
}

void registry_sleep_ms(long milliseconds)
{
    struct timespec delay = { milliseconds / 1000, (milliseconds % 1000) * 1000000L };
    nanosleep(&delay, NULL);
}

/* Performs a request with retries; a 401 is returned to the caller. */
static wh_status send_with_retries(registry_client *client, const http_request *request,
                                   http_response *response, const char *authorization,
                                   wh_error *err)
{
    long delay = WH_REGISTRY_BACKOFF_MS;
    for (int attempt = 0;; attempt++) {
        CURLcode code = perform(client, request, response, authorization);
        if (!registry_retryable(code, response->status) || attempt == WH_REGISTRY_RETRIES
            || request->single_attempt) {
            client->unreachable = code == CURLE_COULDNT_CONNECT
                                  || code == CURLE_COULDNT_RESOLVE_HOST;
            if (code == CURLE_OK)
                return WH_OK;
            if (code == CURLE_FILESIZE_EXCEEDED)
                return wh_error_set(err, WH_ERR_LIMIT, "%s %s: the response is larger than "
                                    "%u bytes", request->method, request->url,
                                    WH_REGISTRY_DOCUMENT_MAX);
            return wh_error_set(err, WH_ERR_IO, "%s %s failed%s: %s", request->method,
                                request->url, attempt ? " after retries" : "",
                                curl_easy_strerror(code));
        }
        registry_log(client, "%s %s: %s; retrying in %ld ms", request->method, request->url,
                     code == CURLE_OK ? "server error" : curl_easy_strerror(code), delay);
        registry_sleep_ms(delay);
        delay *= 2;
        wh_status result = reset_sink(request->sink, err);
        if (result != WH_OK)
            return result;
    }
}

static wh_status fetch_token(registry_client *client, const wh_auth_challenge *challenge,
                             wh_error *err)
{
    wh_status result = WH_OK;
    char *basic = NULL, *url = NULL, *scope = NULL;
    http_response response = { 0 };
    json_t *json = NULL;

    if (challenge->scope == NULL
        && asprintf(&scope, "repository:%s:%s", client->repository,
                    client->push ? "pull,push" : "pull") < 0)
        scope = NULL;
    char *service = curl_easy_escape(client->curl, challenge->service ? challenge->service : "",
                                     0);
    char *escaped_scope = curl_easy_escape(client->curl, challenge->scope ? challenge->scope
                                                         : scope ? scope : "", 0);
    if (service == NULL || escaped_scope == NULL
        || asprintf(&url, "%s%sservice=%s&scope=%s", challenge->realm,
                    strchr(challenge->realm, '?') ? "&" : "?", service, escaped_scope) < 0) {
        url = NULL;
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory requesting a token");
        goto out;
    }
    if (client->username != NULL) {
        char *pair = NULL;
        if (asprintf(&pair, "%s:%s", client->username, client->password) >= 0) {
            char *encoded = wh_base64_encode(pair, strlen(pair));
            if (encoded && asprintf(&basic, "Authorization: Basic %s", encoded) < 0)
                basic = NULL;
            wh_auth_free_secret(encoded);
            wh_auth_free_secret(pair);
        }
    }

    http_request request = { .method = "GET", .url = url };
    result = send_with_retries(client, &request, &response, basic, err);
    if (result != WH_OK)
        goto out;
    if (response.status != 200) {
        result = wh_error_set(err, response.status == 401 ? WH_ERR_INVALID : WH_ERR_IO,
                              "the token service %s refused access to %s (HTTP %ld)%s",
                              challenge->realm, client->repository, response.status,
                              client->username ? "; check the credentials"
                                               : "; give credentials with --creds or an auth "
                                                 "file");
        goto out;
    }
    json = json_loadb(response.body ? response.body : "", response.body_size, 0, NULL);
    const char *token = json_string_value(json_object_get(json, "token"));
    if (token == NULL)
        token = json_string_value(json_object_get(json, "access_token"));
    if (token == NULL) {
        result = wh_error_set(err, WH_ERR_FORMAT, "the token service %s sent no token",
                              challenge->realm);
        goto out;
    }
    wh_auth_free_secret(client->authorization);
    if (asprintf(&client->authorization, "Authorization: Bearer %s", token) < 0)
        client->authorization = NULL;

out:
    curl_free(service);
    curl_free(escaped_scope);
    free(scope);
    free(url);
    wh_auth_free_secret(basic);
    if (response.body)
        memset(response.body, 0, response.body_size);
    http_response_clear(&response);
    json_decref(json);
    return result;
}

/* Handles a 401 challenge by setting client->authorization. */
static wh_status authenticate(registry_client *client, const http_response *response,
                              wh_error *err)
{
    wh_auth_challenge challenge;
    wh_status result = wh_auth_parse_challenge(
        response->www_authenticate ? response->www_authenticate : "", &challenge, err);
    if (result != WH_OK)
        return result;

    if (strcmp(challenge.scheme, "bearer") == 0 && challenge.realm != NULL) {
        result = fetch_token(client, &challenge, err);
    } else if (strcmp(challenge.scheme, "basic") == 0) {
        if (client->username == NULL) {
            result = wh_error_set(err, WH_ERR_INVALID,
                                  "registry %s requires credentials: give them with --creds "
                                  "USER:PASSWORD, --authfile or $REGISTRY_AUTH_FILE",
                                  client->host);
        } else {
            char *pair = NULL;
            char *encoded = NULL;
            if (asprintf(&pair, "%s:%s", client->username, client->password) >= 0)
                encoded = wh_base64_encode(pair, strlen(pair));
            wh_auth_free_secret(client->authorization);
            client->authorization = NULL;
            if (encoded == NULL
                || asprintf(&client->authorization, "Authorization: Basic %s", encoded) < 0) {
                client->authorization = NULL;
                result = wh_error_set(err, WH_ERR_NOMEM, "out of memory authenticating");
            }
            wh_auth_free_secret(pair);
            wh_auth_free_secret(encoded);
        }
    } else {
        result = wh_error_set(err, WH_ERR_INVALID,
                              "registry %s asks for unsupported authentication '%s'",
                              client->host, challenge.scheme);
    }
    wh_auth_challenge_clear(&challenge);
    return result;
}

wh_status registry_send(registry_client *client, const http_request *request,
                        http_response *response, wh_error *err)
{
    wh_status result = send_with_retries(client, request, response, client->authorization, err);
    if (result != WH_OK || response->status != 401)
        return result;

    /* A token may also have expired, so authenticate again even when one is set. */
    char *used = client->authorization ? strdup(client->authorization) : NULL;
    result = authenticate(client, response, err);
    int same = used && client->authorization && strcmp(used, client->authorization) == 0;
    wh_auth_free_secret(used);
    if (result != WH_OK)
        return result;
    if (same && client->username != NULL)
        return wh_error_set(err, WH_ERR_INVALID, "registry %s rejected the credentials for "
                            "user %s", client->host, client->username);
    result = reset_sink(request->sink, err);
    if (result == WH_OK)
        result = send_with_retries(client, request, response, client->authorization, err);
    if (result == WH_OK && response->status == 401)
        return wh_error_set(err, WH_ERR_INVALID, "registry %s refused access to %s%s%s",
                            client->host, client->repository,
                            client->username ? " for user " : "; give credentials with --creds",
                            client->username ? client->username : "");
    return result;
}

wh_status registry_status_error(const registry_client *client, const char *doing,
                                const http_response *response, wh_error *err)
{
    const char *message = NULL;
    json_t *json = response->body ? json_loadb(response->body, response->body_size, 0, NULL)
                                  : NULL;
    json_t *first = json_array_get(json_object_get(json, "errors"), 0);
    message = json_string_value(json_object_get(first, "message"));
    wh_status status = response->status == 404 ? WH_ERR_NOT_FOUND : WH_ERR_IO;
    wh_error_set(err, status, "%s on %s/%s failed: HTTP %ld%s%s", doing, client->host,
                 client->repository, response->status, message ? ": " : "",
                 message ? message : "");
    json_decref(json);
    return status;
}
