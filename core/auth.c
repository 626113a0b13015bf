/* Auth file lookup, base64 and WWW-Authenticate parsing; see auth.h. */
#include "auth.h"

#include <ctype.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs.h"

#define AUTH_FILE_MAX (1u << 20)

static const char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *wh_base64_encode(const void *data, size_t size)
{
    const unsigned char *in = data;
    char *out = malloc((size + 2) / 3 * 4 + 1);
    if (out == NULL)
        return NULL;
    size_t used = 0;
    for (size_t i = 0; i < size; i += 3) {
        uint32_t chunk = (uint32_t)in[i] << 16;
        if (i + 1 < size)
            chunk |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < size)
            chunk |= in[i + 2];
        out[used++] = base64_alphabet[(chunk >> 18) & 63];
        out[used++] = base64_alphabet[(chunk >> 12) & 63];
        out[used++] = i + 1 < size ? base64_alphabet[(chunk >> 6) & 63] : '=';
        out[used++] = i + 2 < size ? base64_alphabet[chunk & 63] : '=';
    }
    out[used] = '\0';
    return out;
}

/* Decodes base64 into a NUL-terminated string; NULL on invalid input or no memory. */
static char *base64_decode(const char *text)
{
    size_t length = strlen(text);
    char *out = malloc(length / 4 * 3 + 4);
    if (out == NULL)
        return NULL;
    size_t used = 0;
    uint32_t chunk = 0;
    int bits = 0;
    for (size_t i = 0; i < length; i++) {
        if (text[i] == '=' || isspace((unsigned char)text[i]))
            continue;
        const char *at = strchr(base64_alphabet, text[i]);
        if (at == NULL || text[i] == '\0') {
            free(out);
            return NULL;
        }
        chunk = (chunk << 6) | (uint32_t)(at - base64_alphabet);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[used++] = (char)((chunk >> bits) & 0xff);
        }
    }
    out[used] = '\0';
    return out;
}

void wh_auth_free_secret(char *secret)
{
    if (secret == NULL)
        return;
    volatile char *wipe = secret;
    while (*wipe)
        *wipe++ = '\0';
    free(secret);
}

wh_status wh_auth_split(const char *credentials, char **username, char **password,
                        wh_error *err)
{
    *username = *password = NULL;
    const char *colon = credentials ? strchr(credentials, ':') : NULL;
    if (colon == NULL)
        return wh_error_set(err, WH_ERR_INVALID,
                            "credentials must have the form USER:PASSWORD");
    *username = strndup(credentials, (size_t)(colon - credentials));
    *password = strdup(colon + 1);
    if (*username == NULL || *password == NULL) {
        free(*username);
        wh_auth_free_secret(*password);
        *username = *password = NULL;
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading credentials");
    }
    return WH_OK;
}

/* Returns the auth file to read, or NULL when none of the candidates exists. */
static char *find_auth_file(const char *explicit_file)
{
    const char *home = getenv("HOME");
    const char *runtime = getenv("XDG_RUNTIME_DIR");
    const char *docker = getenv("DOCKER_CONFIG");
    const char *environment = getenv("REGISTRY_AUTH_FILE");
    char *candidates[5] = { 0 };
    char *found = NULL;
    struct stat st;

    if (explicit_file && explicit_file[0])
        return strdup(explicit_file);
    if (environment && environment[0])
        return strdup(environment);
    if (runtime && runtime[0] && asprintf(&candidates[0], "%s/containers/auth.json", runtime) < 0)
        candidates[0] = NULL;
    if (home && asprintf(&candidates[1], "%s/.config/containers/auth.json", home) < 0)
        candidates[1] = NULL;
    if (docker && docker[0] && asprintf(&candidates[2], "%s/config.json", docker) < 0)
        candidates[2] = NULL;
    if (home && asprintf(&candidates[3], "%s/.docker/config.json", home) < 0)
        candidates[3] = NULL;
    for (size_t i = 0; i < 4; i++) {
        if (found == NULL && candidates[i] && stat(candidates[i], &st) == 0)
            found = candidates[i];
        else
            free(candidates[i]);
    }
    return found;
}

/* Looks key up in auths, also as an https:// URL. */
static const char *entry_auth(json_t *auths, const char *key)
{
    json_t *entry = json_object_get(auths, key);
    if (entry == NULL) {
        char *url = NULL;
        if (asprintf(&url, "https://%s", key) >= 0) {
            entry = json_object_get(auths, url);
            free(url);
        }
    }
    return json_string_value(json_object_get(entry, "auth"));
}

wh_status wh_auth_lookup(const char *registry, const char *repository, const char *auth_file,
                         char **username, char **password, wh_error *err)
{
    wh_status result = WH_OK;
    char *path = find_auth_file(auth_file);
    char *data = NULL;
    size_t size = 0;
    json_t *root = NULL;
    char *key = NULL;
    char *decoded = NULL;

    *username = *password = NULL;
    if (path == NULL)
        return WH_ERR_NOT_FOUND;
    result = wh_read_file(path, AUTH_FILE_MAX, &data, &size, err);
    if (result != WH_OK)
        goto out;
    root = json_loadb(data, size, 0, NULL);
    if (!json_is_object(root)) {
        /* The position is left out on purpose: it could point into a secret. */
        result = wh_error_set(err, WH_ERR_FORMAT, "auth file %s is not a JSON object", path);
        goto out;
    }

    /* "host/a/b" then "host/a" then "host": the most specific key wins. */
    json_t *auths = json_object_get(root, "auths");
    if (asprintf(&key, "%s/%s", registry, repository ? repository : "") < 0) {
        key = NULL;
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", path);
        goto out;
    }
    const char *auth = NULL;
    for (;;) {
        size_t length = strlen(key);
        while (length > 0 && key[length - 1] == '/')
            key[--length] = '\0';
        auth = entry_auth(auths, key);
        char *slash = strrchr(key, '/');
        if (auth != NULL || slash == NULL)
            break;
        *slash = '\0';
    }
    if (auth == NULL && strcmp(registry, "docker.io") == 0)
        auth = json_string_value(json_object_get(
            json_object_get(auths, "https://index.docker.io/v1/"), "auth"));
    if (auth == NULL) {
        result = WH_ERR_NOT_FOUND;
        goto out;
    }

    decoded = base64_decode(auth);
    if (decoded == NULL || strchr(decoded, ':') == NULL) {
        result = wh_error_set(err, WH_ERR_FORMAT,
                              "auth file %s: the entry for %s is not base64 of USER:PASSWORD",
                              path, registry);
        goto out;
    }
    result = wh_auth_split(decoded, username, password, err);

out:
    wh_auth_free_secret(decoded);
    if (data != NULL)
        memset(data, 0, size);
    free(data);
    json_decref(root);
    free(key);
    free(path);
    return result;
}

/* Reads a token or a quoted string at *p; returns a copy or NULL. */
static char *read_value(const char **p)
{
    const char *s = *p;
    char *out = malloc(strlen(s) + 1);
    size_t used = 0;
    if (out == NULL)
        return NULL;
    if (*s == '"') {
        s++;
        while (*s && *s != '"') {
            if (*s == '\\' && s[1])
                s++;
            out[used++] = *s++;
        }
        if (*s == '"')
            s++;
    } else {
        while (*s && *s != ',' && !isspace((unsigned char)*s))
            out[used++] = *s++;
    }
    out[used] = '\0';
    *p = s;
    return out;
}

wh_status wh_auth_parse_challenge(const char *header, wh_auth_challenge *out, wh_error *err)
{
    *out = (wh_auth_challenge){ 0 };
    const char *p = header;
    while (isspace((unsigned char)*p))
        p++;
    size_t scheme_length = 0;
    while (p[scheme_length] && !isspace((unsigned char)p[scheme_length])
           && scheme_length < sizeof(out->scheme) - 1) {
        out->scheme[scheme_length] = (char)tolower((unsigned char)p[scheme_length]);
        scheme_length++;
    }
    out->scheme[scheme_length] = '\0';
    p += scheme_length;

    while (*p) {
        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        const char *name = p;
        while (*p && *p != '=' && *p != ',')
            p++;
        if (*p != '=')
            break;
        size_t name_length = (size_t)(p - name);
        p++;
        char *value = read_value(&p);
        if (value == NULL) {
            wh_auth_challenge_clear(out);
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading a challenge");
        }
        char **slot = NULL;
        if (name_length == 5 && strncasecmp(name, "realm", 5) == 0)
            slot = &out->realm;
        else if (name_length == 7 && strncasecmp(name, "service", 7) == 0)
            slot = &out->service;
        else if (name_length == 5 && strncasecmp(name, "scope", 5) == 0)
            slot = &out->scope;
        if (slot != NULL) {
            free(*slot);
            *slot = value;
        } else {
            free(value);
        }
    }
    return WH_OK;
}

void wh_auth_challenge_clear(wh_auth_challenge *challenge)
{
    if (challenge == NULL)
        return;
    free(challenge->realm);
    free(challenge->service);
    free(challenge->scope);
    *challenge = (wh_auth_challenge){ 0 };
}
