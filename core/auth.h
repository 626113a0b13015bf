/*
 * Registry credentials: the container auth files and WWW-Authenticate
 * challenges. Credentials read here are never put into error messages.
 *
 * Auth files are looked up in this order, the first existing one winning:
 *   1. the file given by the caller (--authfile);
 *   2. $REGISTRY_AUTH_FILE;
 *   3. $XDG_RUNTIME_DIR/containers/auth.json;
 *   4. $HOME/.config/containers/auth.json;
 *   5. $DOCKER_CONFIG/config.json, else $HOME/.docker/config.json.
 * Each contains {"auths": {"KEY": {"auth": base64("USER:PASSWORD")}}} where KEY
 * is "host[:port]", optionally followed by "/repository/path" (the most
 * specific key matches first) or written as an "https://" URL.
 * Credential helpers (credHelpers, credsStore) are not supported.
 */
#ifndef WH_AUTH_H
#define WH_AUTH_H

#include <stddef.h>

#include "error.h"

/*
 * Finds credentials for registry ("host[:port]") and repository. Returns
 * WH_ERR_NOT_FOUND when no auth file has an entry; a malformed file fails
 * with WH_ERR_FORMAT naming the file but not its contents. On success the
 * caller frees *username and *password (wiping the password first is its
 * choice; wh_auth_free_secret does both).
 */
wh_status wh_auth_lookup(const char *registry, const char *repository, const char *auth_file,
                         char **username, char **password, wh_error *err);

/* Splits "USER:PASSWORD" at the first ':'. The caller frees both. */
wh_status wh_auth_split(const char *credentials, char **username, char **password,
                        wh_error *err);

/* Zeroes and frees a secret; accepts NULL. */
void wh_auth_free_secret(char *secret);

/* Base64 of size bytes (standard alphabet, padded); NULL when out of memory. */
char *wh_base64_encode(const void *data, size_t size);

/* A parsed WWW-Authenticate challenge. */
typedef struct wh_auth_challenge {
    char scheme[16]; /* "basic" or "bearer", lower case; "" when unparsable */
    char *realm;
    char *service;
    char *scope;
} wh_auth_challenge;

/* Parses one WWW-Authenticate value such as `Bearer realm="...",service="..."`. */
wh_status wh_auth_parse_challenge(const char *header, wh_auth_challenge *out, wh_error *err);

/* Frees the strings of a challenge and zeroes it; accepts NULL. */
void wh_auth_challenge_clear(wh_auth_challenge *challenge);

#endif
