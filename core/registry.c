/* Registry client setup: the host, scheme and credentials of one repository. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "registry_internal.h"

const char *wh_registry_host_architecture(void)
{
#if defined(__x86_64__)
    return "amd64";
#elif defined(__aarch64__)
    return "arm64";
#elif defined(__i386__)
    return "386";
#elif defined(__arm__)
    return "arm";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return "ppc64le";
#elif defined(__s390x__)
    return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
    return "riscv64";
#else
    return "unknown";
#endif
}

char *registry_url(const registry_client *client, const char *suffix)
{
    char *url = NULL;
    if (asprintf(&url, "%s://%s/v2/%s/%s", client->scheme, client->api_host,
                 client->repository, suffix) < 0)
        return NULL;
    return url;
}

void registry_close(registry_client *client)
{
    if (client->curl != NULL)
        curl_easy_cleanup(client->curl);
    free(client->scheme);
    free(client->host);
    free(client->api_host);
    free(client->repository);
    free(client->username);
    wh_auth_free_secret(client->password);
    wh_auth_free_secret(client->authorization);
    *client = (registry_client){ 0 };
}

/* Copies source into *copy; a NULL source gives a NULL copy. Returns 0 when out of memory. */
static int copy_string(char **copy, const char *source)
{
    *copy = source ? strdup(source) : NULL;
    return source == NULL || *copy != NULL;
}

wh_status registry_clone(registry_client *clone, const registry_client *source, wh_error *err)
{
    *clone = (registry_client){ .options = source->options, .push = source->push };
    int copied = copy_string(&clone->scheme, source->scheme)
                 && copy_string(&clone->host, source->host)
                 && copy_string(&clone->api_host, source->api_host)
                 && copy_string(&clone->repository, source->repository)
                 && copy_string(&clone->username, source->username)
                 && copy_string(&clone->password, source->password)
                 && copy_string(&clone->authorization, source->authorization);
    clone->curl = copied ? curl_easy_init() : NULL;
    if (clone->curl == NULL) {
        registry_close(clone);
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory connecting to %s", source->host);
    }
    return WH_OK;
}

static wh_status load_credentials(registry_client *client, wh_error *err)
{
    const wh_registry_options *options = client->options;
    if (options->credentials != NULL)
        return wh_auth_split(options->credentials, &client->username, &client->password, err);
    wh_status result = wh_auth_lookup(client->host, client->repository, options->auth_file,
                                      &client->username, &client->password, err);
    return result == WH_ERR_NOT_FOUND ? WH_OK : result;
}

/* Sends GET /v2/ to check the scheme works; a 401 response is fine here. */
static wh_status ping(registry_client *client, const char *scheme, wh_error *err)
{
    char *url = NULL;
    http_response response = { 0 };
    if (asprintf(&url, "%s://%s/v2/", scheme, client->api_host) < 0)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory connecting to %s", client->host);
    http_request request = { .method = "GET", .url = url };
    wh_status result = registry_send(client, &request, &response, err);
    if (result == WH_OK && response.status != 200 && response.status != 401)
        result = registry_status_error(client, "checking the API version", &response, err);
    http_response_clear(&response);
    free(url);
    return result;
}

static wh_status choose_scheme(registry_client *client, wh_error *err)
{
    client->scheme = strdup("https");
    if (client->scheme == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory connecting to %s", client->host);

    wh_error first = { 0 };
    wh_status result = ping(client, "https", &first);
    if (result == WH_OK)
        return WH_OK;

    /* Plain HTTP on the same port cannot succeed where no connection could be made. */
    if (client->unreachable) {
        wh_error_set(err, first.status, "cannot connect to registry %s: %s; check that it is "
                     "running and that the host and port are right", client->host,
                     first.message);
        return first.status;
    }
    if (client->options->tls_verify) {
        wh_error_set(err, first.status, "%s; for a registry without a valid TLS certificate "
                     "or on plain HTTP, add --tls-verify=false", first.message);
        return first.status;
    }

    /* With --tls-verify=false, a registry without TLS is reached over plain HTTP. */
    free(client->scheme);
    client->scheme = strdup("http");
    if (client->scheme == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory connecting to %s", client->host);
    result = ping(client, "http", err);
    if (result == WH_OK)
        registry_log(client, "%s: no TLS, using plain HTTP as --tls-verify=false allows",
                     client->host);
    return result;
}

wh_status registry_open(registry_client *client, const wh_transport *reference,
                        const wh_registry_options *options, int push, wh_error *err)
{
    static int curl_ready;
    wh_status result = WH_OK;

    *client = (registry_client){ .options = options, .push = push };
    if (reference->kind != WH_TRANSPORT_DOCKER || reference->host == NULL
        || reference->repository == NULL)
        return wh_error_set(err, WH_ERR_INVALID,
                            "expected a registry reference docker://HOST/REPO[:TAG]");
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return wh_error_set(err, WH_ERR_IO, "libcurl could not be initialised");
        curl_ready = 1;
    }

    int docker_hub = strcmp(reference->host, "docker.io") == 0;
    char port[16] = "";
    if (reference->port != 0)
        snprintf(port, sizeof(port), ":%u", reference->port);
    if (asprintf(&client->host, "%s%s", reference->host, port) < 0)
        client->host = NULL;
    if (asprintf(&client->api_host, "%s%s", docker_hub ? "registry-1.docker.io" : reference->host,
                 port) < 0)
        client->api_host = NULL;
    int library = docker_hub && strchr(reference->repository, '/') == NULL;
    if (asprintf(&client->repository, "%s%s", library ? "library/" : "",
                 reference->repository) < 0)
        client->repository = NULL;
    client->curl = curl_easy_init();
    if (!client->host || !client->api_host || !client->repository || !client->curl) {
        registry_close(client);
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory connecting to %s",
                            reference->host);
    }

    result = load_credentials(client, err);
    if (result == WH_OK)
        result = choose_scheme(client, err);
    if (result != WH_OK)
        registry_close(client);
    return result;
}
