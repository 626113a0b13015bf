#include "transport.h"

#include <stdlib.h>
#include <string.h>

#include "digest.h"

static const char *const kind_names[WH_TRANSPORT_COUNT] = {
    "oci", "oci-archive", "docker-archive", "docker", "rootfs", "rootfs-archive",
};

static const char *const syntax_help =
    "expected oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:NAME[:TAG]], "
    "docker://HOST[:PORT]/REPO[:TAG|@sha256:HEX], rootfs:DIR or rootfs-archive:FILE";

const char *wh_transport_kind_name(wh_transport_kind kind)
{
    if ((unsigned)kind >= WH_TRANSPORT_COUNT)
        return NULL;
    return kind_names[kind];
}

void wh_transport_free(wh_transport *transport)
{
    if (transport == NULL)
        return;
    free(transport->path);
    free(transport->tag);
    free(transport->repository);
    free(transport->host);
    free(transport->digest);
    memset(transport, 0, sizeof(*transport));
}

static int is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int wh_transport_ref_name_valid(const char *text)
{
    /* Walks the grammar: alnum runs joined by one separator (or "--"), '/' between components. */
    const char *p = text;
    if (p == NULL || !is_alnum(*p))
        return 0;
    while (*p) {
        while (is_alnum(*p))
            p++;
        if (*p == '\0')
            return 1;
        if (p[0] == '-' && p[1] == '-')
            p += 2;
        else if (strchr("-._:@+/", *p) != NULL)
            p++;
        else
            return 0;
        if (!is_alnum(*p))
            return 0;
    }
    return 1;
}

/* A Docker tag: a word character, then up to 127 of word characters, '.' and '-'. */
static int docker_tag_valid(const char *tag)
{
    size_t length = strlen(tag);
    if (length == 0 || length > 128 || !(is_alnum(tag[0]) || tag[0] == '_'))
        return 0;
    for (size_t i = 1; i < length; i++) {
        if (!(is_alnum(tag[i]) || tag[i] == '_' || tag[i] == '.' || tag[i] == '-'))
            return 0;
    }
    return 1;
}

/*
 * A Docker repository path: components of lowercase letters and digits joined
 * by '.', '_', "__" or runs of '-', separated by '/'.
 */
static int docker_repository_valid(const char *repository)
{
    const char *p = repository;
    if (!is_lower_alnum(*p))
        return 0;
    while (*p) {
        while (is_lower_alnum(*p))
            p++;
        if (*p == '\0')
            return 1;
        if (p[0] == '_' && p[1] == '_')
            p += 2;
        else if (*p == '-')
            while (*p == '-')
                p++;
        else if (*p == '.' || *p == '_' || *p == '/')
            p++;
        else
            return 0;
        if (!is_lower_alnum(*p))
            return 0;
    }
    return 1;
}

/* A registry host: letters, digits, '-' and '.', or a bracketed IPv6 address. */
static int host_valid(const char *host)
{
    size_t length = strlen(host);
    if (length == 0)
        return 0;
    if (host[0] == '[')
        return length > 2 && host[length - 1] == ']' &&
               strspn(host + 1, "0123456789abcdefABCDEF:.") == length - 2;
    if (!is_alnum(host[0]) || !is_alnum(host[length - 1]))
        return 0;
    for (size_t i = 0; i < length; i++) {
        if (!(is_alnum(host[i]) || host[i] == '-' || host[i] == '.'))
            return 0;
    }
    return 1;
}

/* Parses a decimal port 1..65535; returns 0 when invalid. */
static unsigned parse_port(const char *text)
{
    unsigned long value = 0;
    if (*text == '\0' || strlen(text) > 5)
        return 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        value = value * 10 + (unsigned long)(*p - '0');
    }
    return value >= 1 && value <= 65535 ? (unsigned)value : 0;
}

static wh_status set_copy(char **field, const char *text, size_t length, wh_error *err)
{
    *field = strndup(text, length);
    if (*field == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory parsing an image reference");
    return WH_OK;
}

/* Splits "PATH[:REST]" at the first ':'; *rest is NULL without a ':'. */
static wh_status parse_path(const char *text, const char *body, wh_transport *out,
                            const char **rest, wh_error *err)
{
    const char *colon = strchr(body, ':');
    size_t length = colon != NULL ? (size_t)(colon - body) : strlen(body);
    *rest = colon != NULL ? colon + 1 : NULL;

    if (length == 0)
        return wh_error_set(err, WH_ERR_INVALID, "invalid image reference \"%s\": the path is empty (%s)",
                            text, syntax_help);
    return set_copy(&out->path, body, length, err);
}

static wh_status parse_oci(const char *text, const char *body, wh_transport *out, wh_error *err)
{
    const char *tag = NULL;
    wh_status result = parse_path(text, body, out, &tag, err);
    if (result != WH_OK || tag == NULL)
        return result;

    if (!wh_transport_ref_name_valid(tag))
        return wh_error_set(err, WH_ERR_INVALID,
                            "invalid image reference \"%s\": \"%s\" is not a valid OCI "
                            "reference name (letters and digits joined by -._:@+ or '/')",
                            text, tag);
    return set_copy(&out->tag, tag, strlen(tag), err);
}

/* Checks "HOST[:PORT]/..." prefixes inside a docker-archive name. */
static int archive_name_valid(const char *name)
{
    const char *slash = strchr(name, '/');
    if (slash == NULL)
        return docker_repository_valid(name);

    /* The first component is a registry host when it has '.' or ':' or is localhost. */
    size_t first = (size_t)(slash - name);
    char head[256];
    if (first >= sizeof(head))
        return 0;
    memcpy(head, name, first);
    head[first] = '\0';
    if (strchr(head, '.') == NULL && strchr(head, ':') == NULL && strcmp(head, "localhost") != 0)
        return docker_repository_valid(name);

    char *port = strchr(head, ':');
    if (port != NULL) {
        *port = '\0';
        if (parse_port(port + 1) == 0)
            return 0;
    }
    return host_valid(head) && docker_repository_valid(slash + 1);
}

static wh_status parse_docker_archive(const char *text, const char *body, wh_transport *out,
                                      wh_error *err)
{
    const char *reference = NULL;
    wh_status result = parse_path(text, body, out, &reference, err);
    if (result != WH_OK || reference == NULL)
        return result;

    /* The tag follows the last ':' unless a '/' comes after it (then it was a port). */
    const char *colon = strrchr(reference, ':');
    const char *tag = "latest";
    size_t name_length = strlen(reference);
    if (colon != NULL && strchr(colon, '/') == NULL) {
        tag = colon + 1;
        name_length = (size_t)(colon - reference);
    }

    result = set_copy(&out->repository, reference, name_length, err);
    if (result != WH_OK)
        return result;
    if (!archive_name_valid(out->repository))
        return wh_error_set(err, WH_ERR_INVALID,
                            "invalid image reference \"%s\": \"%s\" is not a valid image name "
                            "(lowercase letters, digits, '.', '_', '-' and '/', optionally "
                            "after HOST[:PORT]/)",
                            text, out->repository);
    if (!docker_tag_valid(tag))
        return wh_error_set(err, WH_ERR_INVALID,
                            "invalid image reference \"%s\": \"%s\" is not a valid tag "
                            "(up to 128 letters, digits, '_', '.' and '-')",
                            text, tag);
    return set_copy(&out->tag, tag, strlen(tag), err);
}

static wh_status parse_host_port(const char *text, const char *start, size_t length,
                                 wh_transport *out, wh_error *err)
{
    /* A ':' after any ']' separates the port. */
    const char *bracket = memchr(start, ']', length);
    const char *search = bracket != NULL ? bracket : start;
    const char *colon = memchr(search, ':', length - (size_t)(search - start));
    size_t host_length = colon != NULL ? (size_t)(colon - start) : length;

    wh_status result = set_copy(&out->host, start, host_length, err);
    if (result != WH_OK)
        return result;
    if (!host_valid(out->host))
        return wh_error_set(err, WH_ERR_INVALID,
                            "invalid image reference \"%s\": \"%s\" is not a valid registry "
                            "host name", text, out->host);
    if (colon == NULL)
        return WH_OK;

    char port[8] = "";
    size_t port_length = length - host_length - 1;
    if (port_length < sizeof(port)) {
        memcpy(port, colon + 1, port_length);
        port[port_length] = '\0';
    }
    out->port = port_length < sizeof(port) ? parse_port(port) : 0;
    if (out->port == 0)
        return wh_error_set(err, WH_ERR_INVALID,
                            "invalid image reference \"%s\": the registry port must be a "
                            "number from 1 to 65535", text);
    return WH_OK;
}

static wh_status parse_docker(const char *text, const char *body, wh_transport *out,
                              wh_error *err)
{
    const char *slash = strchr(body, '/');
    if (slash == NULL || slash == body || slash[1] == '\0')
        return wh_error_set(err, WH_ERR_INVALID,
                            "invalid image reference \"%s\": expected "
                            "docker://HOST[:PORT]/REPO[:TAG|@sha256:HEX]", text);

    wh_status result = parse_host_port(text, body, (size_t)(slash - body), out, err);
    if (result != WH_OK)
        return result;

    /* REPO ends at '@' (digest) or at the last ':' after the last '/' (tag). */
    const char *repository = slash + 1;
    const char *at = strchr(repository, '@');
    const char *end = at != NULL ? at : repository + strlen(repository);
    const char *colon = NULL;
    for (const char *p = repository; p < end; p++) {
        if (*p == ':')
            colon = p;
    }
    if (colon != NULL && at != NULL)
        return wh_error_set(err, WH_ERR_INVALID,
                            "invalid image reference \"%s\": give a tag or a digest, not both", text);
    const char *repository_end = colon != NULL ? colon : end;

    result = set_copy(&out->repository, repository, (size_t)(repository_end - repository), err);
    if (result != WH_OK)
        return result;
    if (!docker_repository_valid(out->repository))
        return wh_error_set(err, WH_ERR_INVALID,
                            "invalid image reference \"%s\": \"%s\" is not a valid repository "
                            "(lowercase letters, digits, '.', '_', '-' and '/')",
                            text, out->repository);

    if (at != NULL) {
        if (strncmp(at + 1, "sha256:", 7) != 0 || !wh_sha256_hex_valid(at + 8))
            return wh_error_set(err, WH_ERR_INVALID,
                                "invalid image reference \"%s\": the digest must be "
                                "sha256: and 64 lowercase hex digits", text);
        return set_copy(&out->digest, at + 1, strlen(at + 1), err);
    }

    const char *tag = colon != NULL ? colon + 1 : "latest";
    if (!docker_tag_valid(tag))
        return wh_error_set(err, WH_ERR_INVALID,
                            "invalid image reference \"%s\": \"%s\" is not a valid tag "
                            "(up to 128 letters, digits, '_', '.' and '-')", text, tag);
    return set_copy(&out->tag, tag, strlen(tag), err);
}

wh_status wh_transport_parse(const char *text, wh_transport *out, wh_error *err)
{
    wh_status result = WH_OK;
    memset(out, 0, sizeof(*out));

    if (text == NULL || *text == '\0')
        return wh_error_set(err, WH_ERR_INVALID, "missing image reference (%s)", syntax_help);

    const char *colon = strchr(text, ':');
    if (colon == NULL) {
        result = wh_error_set(err, WH_ERR_INVALID,
                              "invalid image reference \"%s\": no transport name before ':' (%s)",
                              text, syntax_help);
        goto out;
    }

    size_t name_length = (size_t)(colon - text);
    int kind = -1;
    for (int i = 0; i < WH_TRANSPORT_COUNT; i++) {
        if (strlen(kind_names[i]) == name_length && memcmp(kind_names[i], text, name_length) == 0)
            kind = i;
    }
    if (kind < 0) {
        result = wh_error_set(err, WH_ERR_INVALID,
                              "invalid image reference \"%s\": unknown transport \"%.*s\" (%s)",
                              text, (int)name_length, text, syntax_help);
        goto out;
    }
    out->kind = (wh_transport_kind)kind;

    const char *body = colon + 1;
    switch (out->kind) {
    case WH_TRANSPORT_OCI:
    case WH_TRANSPORT_OCI_ARCHIVE:
        result = parse_oci(text, body, out, err);
        break;
    case WH_TRANSPORT_DOCKER_ARCHIVE:
        result = parse_docker_archive(text, body, out, err);
        break;
    case WH_TRANSPORT_DOCKER:
        if (strncmp(body, "//", 2) != 0) {
            result = wh_error_set(err, WH_ERR_INVALID,
                                  "invalid image reference \"%s\": a registry reference starts "
                                  "with docker:// (docker://HOST[:PORT]/REPO[:TAG])", text);
            break;
        }
        result = parse_docker(text, body + 2, out, err);
        break;
    case WH_TRANSPORT_ROOTFS:
    case WH_TRANSPORT_ROOTFS_ARCHIVE: {
        const char *rest = NULL;
        result = parse_path(text, body, out, &rest, err);
        if (result == WH_OK && rest != NULL)
            result = wh_error_set(err, WH_ERR_INVALID,
                                  "invalid image reference \"%s\": %s takes a path only, and "
                                  "the path cannot contain ':'", text, kind_names[out->kind]);
        break;
    }
    case WH_TRANSPORT_COUNT:
        break;
    }

out:
    if (result != WH_OK)
        wh_transport_free(out);
    return result;
}
