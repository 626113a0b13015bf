/*
 * The spec's keys, types and value checks, in canonical key order. The
 * JSON Schema in docs/spec.schema.json describes the same structure for
 * editors; this table is what whittle enforces.
 */
#include "spec_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glob.h"
#include "platform.h"

#define ID_MAX 4294967294LL /* 2^32 - 2: the largest uid or gid that is not (uid_t)-1 */

wh_status wh_spec_error(wh_error *err, const json_t *value, const char *path, const char *format,
                        ...)
{
    char message[512];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof(message), format, args);
    va_end(args);

    char *text = value ? json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    if (text != NULL && strlen(text) > 80)
        strcpy(text + 77, "...");
    wh_status result = wh_error_set(err, WH_ERR_INVALID, "%s: %s%s%s%s", path, message,
                                    text ? " (value: " : "", text ? text : "", text ? ")" : "");
    free(text);
    return result;
}

/* ---- Value checks ------------------------------------------------------- */

static wh_status check_name(const json_t *value, const char *path, wh_error *err)
{
    const char *text = json_string_value(value);
    if (text[0] == '\0')
        return wh_spec_error(err, value, path, "empty component name");
    for (const char *p = text; *p != '\0'; p++) {
        if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
            return wh_spec_error(err, value, path,
                                 "component name contains whitespace or a control character");
    }
    return WH_OK;
}

/* True when an absolute path has no ".", "..", repeated or trailing slashes. */
static int path_normalised(const char *text)
{
    size_t length = strlen(text);
    return !(strstr(text, "//") || strstr(text, "/./") || strstr(text, "/../")
             || (length > 1 && text[length - 1] == '/')
             || (length >= 3 && strcmp(text + length - 3, "/..") == 0)
             || (length >= 2 && strcmp(text + length - 2, "/.") == 0));
}

/*
 * Globs match normalised image paths, so a glob written with a trailing or
 * repeated slash would silently match nothing: reject it instead.
 */
static wh_status check_glob(const json_t *value, const char *path, wh_error *err)
{
    wh_error inner = { 0 };
    if (wh_glob_validate(json_string_value(value), &inner) != WH_OK)
        return wh_spec_error(err, NULL, path, "%s", inner.message);
    if (!path_normalised(json_string_value(value)))
        return wh_spec_error(err, value, path,
                             "glob is not normalised, so it would match no path: write it "
                             "without '.', '..', repeated or trailing slashes, as in "
                             "\"/usr/share/doc/**\"");
    return WH_OK;
}

static wh_status check_absolute(const json_t *value, const char *path, wh_error *err)
{
    const char *text = json_string_value(value);
    if (text[0] != '/')
        return wh_spec_error(err, value, path, "path is not absolute: start it with '/'");
    if (!path_normalised(text))
        return wh_spec_error(err, value, path,
                             "path is not normalised: write it without '.', '..', repeated or "
                             "trailing slashes");
    return WH_OK;
}

static wh_status check_nonempty(const json_t *value, const char *path, wh_error *err)
{
    if (json_string_length(value) == 0)
        return wh_spec_error(err, value, path, "empty string");
    return WH_OK;
}

static wh_status check_mode(const json_t *value, const char *path, wh_error *err)
{
    const char *text = json_string_value(value);
    size_t length = strlen(text);
    if ((length != 3 && length != 4) || strspn(text, "01234567") != length)
        return wh_spec_error(err, value, path,
                             "invalid mode: write 3 or 4 octal digits as a string, as in \"0755\"");
    return WH_OK;
}

static int is_account_word(const char *text, size_t length)
{
    if (length == 0)
        return 0;
    for (size_t i = 0; i < length; i++) {
        if (!isalnum((unsigned char)text[i]) && strchr("_.-", text[i]) == NULL)
            return 0;
    }
    return 1;
}

static wh_status check_owner(const json_t *value, const char *path, wh_error *err)
{
    const char *text = json_string_value(value);
    const char *colon = strchr(text, ':');
    size_t first = colon ? (size_t)(colon - text) : strlen(text);
    if (!is_account_word(text, first) || (colon && !is_account_word(colon + 1, strlen(colon + 1))))
        return wh_spec_error(err, value, path,
                             "invalid owner: write \"user\", \"user:group\" or \"uid:gid\"");
    return WH_OK;
}

static wh_status check_port(const json_t *value, const char *path, wh_error *err)
{
    const char *text = json_string_value(value);
    char *end = NULL;
    long port = strtol(text, &end, 10);
    int valid = end != text && port >= 1 && port <= 65535
                && (*end == '\0' || strcmp(end, "/tcp") == 0 || strcmp(end, "/udp") == 0
                    || strcmp(end, "/sctp") == 0);
    if (!valid || !isdigit((unsigned char)text[0]))
        return wh_spec_error(err, value, path,
                             "invalid port: write a number from 1 to 65535 with an optional "
                             "\"/tcp\", \"/udp\" or \"/sctp\", as in \"8080/tcp\"");
    return WH_OK;
}

static wh_status check_signal(const json_t *value, const char *path, wh_error *err)
{
    const char *text = json_string_value(value);
    int valid = strncmp(text, "SIG", 3) == 0 && text[3] != '\0'
                && strspn(text + 3, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-") == strlen(text + 3);
    if (!valid && !(text[0] != '\0' && strspn(text, "0123456789") == strlen(text)))
        return wh_spec_error(err, value, path,
                             "invalid stop signal: write a name such as \"SIGTERM\" or a number");
    return WH_OK;
}

static wh_status check_platform(const json_t *value, const char *path, wh_error *err)
{
    const char *text = json_string_value(value);
    const char *slash = strchr(text, '/');
    if (slash == NULL || slash == text || slash[1] == '\0' || slash[1] == '/')
        return wh_spec_error(err, value, path,
                             "invalid platform: write OS/ARCH[/VARIANT], as in \"linux/amd64\"");
    if (strncmp(text, "linux/", 6) != 0)
        return wh_spec_error(err, value, path,
                             "unsupported operating system: whittle builds Linux images, so "
                             "write \"linux/ARCH\", as in \"linux/amd64\"");
    if (wh_platform_architectures(text) == NULL)
        return wh_spec_error(err, value, path,
                             "unknown architecture: use amd64, arm64, arm, 386, ppc64le, "
                             "s390x, riscv64, mips64le or loong64");
    return WH_OK;
}

static wh_status check_sha256(const json_t *value, const char *path, wh_error *err)
{
    const char *text = json_string_value(value);
    if (strlen(text) != 64 || strspn(text, "0123456789abcdef") != 64)
        return wh_spec_error(err, value, path, "invalid sha256: write 64 lowercase hex digits");
    return WH_OK;
}

static int is_profile(const char *text)
{
    return strcmp(text, "strict") == 0 || strcmp(text, "baseline") == 0
           || strcmp(text, "none") == 0;
}

static wh_status check_profile(const json_t *value, const char *path, wh_error *err)
{
    if (!is_profile(json_string_value(value)))
        return wh_spec_error(err, value, path,
                             "unknown policy profile: use \"strict\", \"baseline\" or \"none\"");
    return WH_OK;
}

static wh_status check_layers(const json_t *value, const char *path, wh_error *err)
{
    const char *text = json_string_value(value);
    if (strcmp(text, "single") != 0 && strcmp(text, "per-component") != 0)
        return wh_spec_error(err, value, path,
                             "unknown layering: use \"single\" or \"per-component\"");
    return WH_OK;
}

/* The string form of "policy": a profile name, or a file path with a slash or a .json suffix. */
static wh_status check_policy_string(const json_t *value, const char *path, wh_error *err)
{
    const char *text = json_string_value(value);
    size_t length = strlen(text);
    int file = strchr(text, '/') != NULL || (length > 5 && strcmp(text + length - 5, ".json") == 0);
    if (!is_profile(text) && !file)
        return wh_spec_error(err, value, path,
                             "unknown policy: use \"strict\", \"baseline\", \"none\" or the path "
                             "of a policy file ending in .json");
    return WH_OK;
}

static wh_status check_policy_object(const json_t *value, const char *path, wh_error *err)
{
    int profile = json_object_get(value, "profile") != NULL;
    int file = json_object_get(value, "file") != NULL;
    if (profile == file)
        return wh_spec_error(err, NULL, path,
                             "a policy object needs exactly one of \"profile\" and \"file\"");
    return WH_OK;
}

static wh_status check_env(const json_t *value, const char *path, wh_error *err)
{
    const char *key;
    json_t *item;
    json_object_foreach((json_t *)value, key, item) {
        if (key[0] == '\0' || strchr(key, '=') != NULL)
            return wh_spec_error(err, NULL, path,
                                 "invalid environment variable name '%s': use a non-empty name "
                                 "without '='", key);
    }
    return WH_OK;
}

/* ---- The structure ------------------------------------------------------ */

static const spec_node string_node = { NODE_STRING, NULL, NULL, NULL, check_nonempty, 0, 0 };
static const spec_node any_string_node = { NODE_STRING, NULL, NULL, NULL, NULL, 0, 0 };
static const spec_node name_node = { NODE_STRING, NULL, NULL, NULL, check_name, 0, 0 };
static const spec_node glob_node = { NODE_STRING, NULL, NULL, NULL, check_glob, 0, 0 };
static const spec_node absolute_node = { NODE_STRING, NULL, NULL, NULL, check_absolute, 0, 0 };
static const spec_node mode_node = { NODE_STRING, NULL, NULL, NULL, check_mode, 0, 0 };
static const spec_node owner_node = { NODE_STRING, NULL, NULL, NULL, check_owner, 0, 0 };
static const spec_node port_node = { NODE_STRING, NULL, NULL, NULL, check_port, 0, 0 };
static const spec_node signal_node = { NODE_STRING, NULL, NULL, NULL, check_signal, 0, 0 };
static const spec_node platform_node = { NODE_STRING, NULL, NULL, NULL, check_platform, 0, 0 };
static const spec_node sha256_node = { NODE_STRING, NULL, NULL, NULL, check_sha256, 0, 0 };
static const spec_node profile_node = { NODE_STRING, NULL, NULL, NULL, check_profile, 0, 0 };
static const spec_node layers_node = { NODE_STRING, NULL, NULL, NULL, check_layers, 0, 0 };
static const spec_node policy_string_node = { NODE_STRING, NULL, NULL, NULL, check_policy_string,
                                              0, 0 };
static const spec_node boolean_node = { NODE_BOOLEAN, NULL, NULL, NULL, NULL, 0, 0 };
static const spec_node id_node = { NODE_INTEGER, NULL, NULL, NULL, NULL, 0, ID_MAX };
static const spec_node epoch_node = { NODE_INTEGER, NULL, NULL, NULL, NULL, 0, INT64_MAX };
static const spec_node bytes_node = { NODE_INTEGER, NULL, NULL, NULL, NULL, 0, INT64_MAX };
static const spec_node compression_level_node = { NODE_INTEGER, NULL, NULL, NULL, NULL, 1, 9 };

static const spec_node names_node = { NODE_ARRAY, NULL, &name_node, NULL, NULL, 0, 0 };
static const spec_node globs_node = { NODE_ARRAY, NULL, &glob_node, NULL, NULL, 0, 0 };
static const spec_node strings_node = { NODE_ARRAY, NULL, &any_string_node, NULL, NULL, 0, 0 };
static const spec_node ports_node = { NODE_ARRAY, NULL, &port_node, NULL, NULL, 0, 0 };
static const spec_node string_map_node = { NODE_MAP, NULL, &any_string_node, NULL, NULL, 0, 0 };
static const spec_node env_node = { NODE_MAP, NULL, &any_string_node, NULL, check_env, 0, 0 };

static const spec_field component_fields[] = {
    { "name", &name_node, 1 },
    { "keep", &globs_node, 0 },
    { "exclude-paths", &globs_node, 0 },
    { "follow-declared", &boolean_node, 0 },
    { NULL, NULL, 0 },
};
static const spec_node component_object_node = { NODE_OBJECT, component_fields, NULL, NULL, NULL,
                                                 0, 0 };
static const spec_node component_node = { NODE_STRING_OR_OBJECT, NULL, &name_node,
                                          &component_object_node, NULL, 0, 0 };
static const spec_node components_node = { NODE_ARRAY, NULL, &component_node, NULL, NULL, 0, 0 };

static const spec_field file_fields[] = {
    { "source", &string_node, 1 },
    { "path", &absolute_node, 1 },
    { "mode", &mode_node, 0 },
    { "owner", &owner_node, 0 },
    { NULL, NULL, 0 },
};
static const spec_node file_node = { NODE_OBJECT, file_fields, NULL, NULL, NULL, 0, 0 };
static const spec_node files_node = { NODE_ARRAY, NULL, &file_node, NULL, NULL, 0, 0 };

static const spec_field group_fields[] = {
    { "name", &owner_node, 1 },
    { "gid", &id_node, 1 },
    { NULL, NULL, 0 },
};
static const spec_node group_node = { NODE_OBJECT, group_fields, NULL, NULL, NULL, 0, 0 };
static const spec_node groups_node = { NODE_ARRAY, NULL, &group_node, NULL, NULL, 0, 0 };

static const spec_field user_fields[] = {
    { "name", &owner_node, 1 },
    { "uid", &id_node, 1 },
    { "gid", &id_node, 1 },
    { "home", &absolute_node, 0 },
    { "shell", &absolute_node, 0 },
    { NULL, NULL, 0 },
};
static const spec_node user_node = { NODE_OBJECT, user_fields, NULL, NULL, NULL, 0, 0 };
static const spec_node users_node = { NODE_ARRAY, NULL, &user_node, NULL, NULL, 0, 0 };

static const spec_field account_fields[] = {
    { "groups", &groups_node, 0 },
    { "users", &users_node, 0 },
    { "run-as", &owner_node, 0 },
    { NULL, NULL, 0 },
};
static const spec_node accounts_node = { NODE_OBJECT, account_fields, NULL, NULL, NULL, 0, 0 };

static const spec_field path_fields[] = {
    { "path", &absolute_node, 1 },
    { "owner", &owner_node, 0 },
    { "mode", &mode_node, 0 },
    { NULL, NULL, 0 },
};
static const spec_node path_node = { NODE_OBJECT, path_fields, NULL, NULL, NULL, 0, 0 };
static const spec_node paths_node = { NODE_ARRAY, NULL, &path_node, NULL, NULL, 0, 0 };

static const spec_field config_fields[] = {
    { "entrypoint", &strings_node, 0 },
    { "cmd", &strings_node, 0 },
    { "env", &env_node, 0 },
    { "workdir", &absolute_node, 0 },
    { "labels", &string_map_node, 0 },
    { "exposed-ports", &ports_node, 0 },
    { "stop-signal", &signal_node, 0 },
    { NULL, NULL, 0 },
};
static const spec_node config_node = { NODE_OBJECT, config_fields, NULL, NULL, NULL, 0, 0 };

static const spec_field policy_fields[] = {
    { "profile", &profile_node, 0 },
    { "file", &string_node, 0 },
    { "allow-executables", &globs_node, 0 },
    { "size-budget", &bytes_node, 0 },
    { NULL, NULL, 0 },
};
static const spec_node policy_object_node = { NODE_OBJECT, policy_fields, NULL, NULL,
                                              check_policy_object, 0, 0 };
static const spec_node policy_node = { NODE_STRING_OR_OBJECT, NULL, &policy_string_node,
                                       &policy_object_node, NULL, 0, 0 };

static const spec_field lock_entry_fields[] = {
    { "name", &name_node, 1 },
    { "version", &any_string_node, 1 },
    { "architecture", &any_string_node, 0 },
    { "origin", &sha256_node, 0 },
    { "content", &sha256_node, 1 },
    { NULL, NULL, 0 },
};
static const spec_node lock_entry_node = { NODE_OBJECT, lock_entry_fields, NULL, NULL, NULL, 0, 0 };
static const spec_node lock_entries_node = { NODE_ARRAY, NULL, &lock_entry_node, NULL, NULL, 0, 0 };
static const spec_field lock_fields[] = {
    { "components", &lock_entries_node, 1 },
    { NULL, NULL, 0 },
};
static const spec_node lock_node = { NODE_OBJECT, lock_fields, NULL, NULL, NULL, 0, 0 };

static const spec_field root_fields[] = {
    { "base", &name_node, 0 },
    { "platform", &platform_node, 0 },
    { "source-date-epoch", &epoch_node, 0 },
    { "layers", &layers_node, 0 },
    { "compression-level", &compression_level_node, 0 },
    { "components", &components_node, 0 },
    { "exclude", &names_node, 0 },
    { "exclude-paths", &globs_node, 0 },
    { "follow-declared", &boolean_node, 0 },
    { "files", &files_node, 0 },
    { "accounts", &accounts_node, 0 },
    { "paths", &paths_node, 0 },
    { "config", &config_node, 0 },
    { "policy", &policy_node, 0 },
    { "lock", &lock_node, 0 },
    { NULL, NULL, 0 },
};
const spec_node wh_spec_root_node = { NODE_OBJECT, root_fields, NULL, NULL, NULL, 0, 0 };

/* ---- Validation --------------------------------------------------------- */

static const char *type_name(node_kind kind)
{
    switch (kind) {
    case NODE_STRING: return "a string";
    case NODE_INTEGER: return "an integer";
    case NODE_BOOLEAN: return "true or false";
    case NODE_ARRAY: return "an array";
    case NODE_OBJECT:
    case NODE_MAP: return "an object";
    case NODE_STRING_OR_OBJECT: return "a string or an object";
    }
    return "a value";
}

static int has_type(const json_t *value, node_kind kind)
{
    switch (kind) {
    case NODE_STRING: return json_is_string(value);
    case NODE_INTEGER: return json_is_integer(value);
    case NODE_BOOLEAN: return json_is_boolean(value);
    case NODE_ARRAY: return json_is_array(value);
    case NODE_OBJECT:
    case NODE_MAP: return json_is_object(value);
    case NODE_STRING_OR_OBJECT: return json_is_string(value) || json_is_object(value);
    }
    return 0;
}

static const spec_field *find_field(const spec_field *fields, const char *key)
{
    for (const spec_field *field = fields; field->key != NULL; field++) {
        if (strcmp(field->key, key) == 0)
            return field;
    }
    return NULL;
}

static wh_status validate_object(const json_t *value, const spec_node *node, const char *path,
                                 wh_error *err)
{
    char child[1024];
    const char *key;
    json_t *item;

    json_object_foreach((json_t *)value, key, item) {
        const spec_field *field = find_field(node->fields, key);
        snprintf(child, sizeof(child), "%s.%s", path, key);
        if (field == NULL) {
            char known[512] = "";
            size_t used = 0;
            for (const spec_field *f = node->fields; f->key != NULL && used < sizeof(known); f++)
                used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s",
                                         f == node->fields ? "" : ", ", f->key);
            return wh_spec_error(err, NULL, child, "unknown key; known keys here: %s", known);
        }
        wh_status status = wh_spec_validate(item, field->node, child, err);
        if (status != WH_OK)
            return status;
    }

    for (const spec_field *field = node->fields; field->key != NULL; field++) {
        if (field->required && json_object_get(value, field->key) == NULL)
            return wh_spec_error(err, NULL, path, "missing required key \"%s\"", field->key);
    }
    return WH_OK;
}

wh_status wh_spec_validate(const json_t *value, const spec_node *node, const char *path,
                           wh_error *err)
{
    char child[1024];
    wh_status status = WH_OK;

    if (!has_type(value, node->kind))
        return wh_spec_error(err, value, path, "expected %s", type_name(node->kind));

    switch (node->kind) {
    case NODE_STRING_OR_OBJECT:
        return wh_spec_validate(value, json_is_string(value) ? node->items : node->object, path, err);
    case NODE_INTEGER: {
        json_int_t number = json_integer_value(value);
        if (number < node->minimum || number > node->maximum)
            return wh_spec_error(err, value, path, "out of range: use %lld to %lld",
                                 (long long)node->minimum, (long long)node->maximum);
        break;
    }
    case NODE_ARRAY:
        for (size_t i = 0; i < json_array_size(value) && status == WH_OK; i++) {
            snprintf(child, sizeof(child), "%s[%zu]", path, i);
            status = wh_spec_validate(json_array_get(value, i), node->items, child, err);
        }
        break;
    case NODE_MAP: {
        const char *key;
        json_t *item;
        json_object_foreach((json_t *)value, key, item) {
            snprintf(child, sizeof(child), "%s.%s", path, key);
            status = wh_spec_validate(item, node->items, child, err);
            if (status != WH_OK)
                break;
        }
        break;
    }
    case NODE_OBJECT:
        status = validate_object(value, node, path, err);
        break;
    default:
        break;
    }

    if (status == WH_OK && node->check != NULL)
        status = node->check(value, path, err);
    return status;
}

/* ---- Canonical form ----------------------------------------------------- */

static int compare_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static json_t *canonical_map(json_t *value, const spec_node *node)
{
    size_t count = json_object_size(value);
    const char **keys = malloc((count ? count : 1) * sizeof(*keys));
    json_t *out = json_object();
    if (keys == NULL || out == NULL)
        goto fail;

    size_t n = 0;
    const char *key;
    json_t *item;
    json_object_foreach(value, key, item)
        keys[n++] = key;
    qsort(keys, n, sizeof(*keys), compare_keys);
    for (size_t i = 0; i < n; i++) {
        json_t *child = wh_spec_canonical(json_object_get(value, keys[i]), node->items);
        if (child == NULL || json_object_set_new(out, keys[i], child) != 0)
            goto fail;
    }
    free(keys);
    return out;

fail:
    free(keys);
    json_decref(out);
    return NULL;
}

json_t *wh_spec_canonical(json_t *value, const spec_node *node)
{
    switch (node->kind) {
    case NODE_STRING_OR_OBJECT:
        return wh_spec_canonical(value, json_is_string(value) ? node->items : node->object);
    case NODE_ARRAY: {
        json_t *out = json_array();
        for (size_t i = 0; out != NULL && i < json_array_size(value); i++) {
            json_t *child = wh_spec_canonical(json_array_get(value, i), node->items);
            if (child == NULL || json_array_append_new(out, child) != 0) {
                json_decref(out);
                return NULL;
            }
        }
        return out;
    }
    case NODE_MAP:
        return canonical_map(value, node);
    case NODE_OBJECT: {
        json_t *out = json_object();
        for (const spec_field *field = node->fields; out != NULL && field->key != NULL; field++) {
            json_t *item = json_object_get(value, field->key);
            if (item == NULL)
                continue;
            json_t *child = wh_spec_canonical(item, field->node);
            if (child == NULL || json_object_set_new(out, field->key, child) != 0) {
                json_decref(out);
                return NULL;
            }
        }
        return out;
    }
    default:
        return json_incref(value);
    }
}
