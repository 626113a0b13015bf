/* Path cleaning and symlink resolution inside the image root, for flatten.c. */
#include <stdlib.h>
#include <string.h>

#include "flatten_internal.h"

wh_status wh_flatten_clean(const char *name, char **out, wh_error *err)
{
    *out = NULL;
    if (name == NULL || name[0] == '\0')
        return wh_error_set(err, WH_ERR_FORMAT, "an entry has an empty name");

    /* "./" in front and "/" behind are the only slack a valid name needs. */
    size_t length = strlen(name);
    if (length > WH_FLATTEN_PATH_MAX + 3)
        return wh_error_set(err, WH_ERR_LIMIT,
                            "the entry '%.60s...' is %zu bytes long; the limit is %d", name,
                            length, WH_FLATTEN_PATH_MAX);

    char *path = malloc(length + 2);
    if (path == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory cleaning '%.60s'", name);

    size_t used = 0;
    const char *p = name;
    while (*p) {
        while (*p == '/')
            p++;
        size_t component = strcspn(p, "/");
        if (component == 2 && p[0] == '.' && p[1] == '.') {
            /* ".." stops at the root, as it does for a process chrooted there. */
            while (used > 0 && path[used - 1] != '/')
                used--;
            if (used > 0)
                used--;
        } else if (component > 0 && !(component == 1 && p[0] == '.')) {
            path[used++] = '/';
            memcpy(path + used, p, component);
            used += component;
        }
        p += component;
    }
    path[used] = '\0';

    if (used > WH_FLATTEN_PATH_MAX) {
        free(path);
        return wh_error_set(err, WH_ERR_LIMIT,
                            "the entry '%.60s...' is %zu bytes long; the limit is %d", name,
                            used, WH_FLATTEN_PATH_MAX);
    }
    *out = path;
    return WH_OK;
}

/* Replaces *remaining with prefix + "/" + (*remaining + offset). */
static wh_status splice(char **remaining, size_t offset, const char *prefix, wh_error *err)
{
    size_t prefix_length = strlen(prefix);
    size_t rest_length = strlen(*remaining + offset);
    if (prefix_length + rest_length > 16 * WH_FLATTEN_PATH_MAX)
        return wh_error_set(err, WH_ERR_LIMIT,
                            "symlink expansion of '%.60s' grew past %d bytes", prefix,
                            16 * WH_FLATTEN_PATH_MAX);

    char *joined = malloc(prefix_length + rest_length + 2);
    if (joined == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory resolving '%.60s'", prefix);
    memcpy(joined, prefix, prefix_length);
    joined[prefix_length] = '/';
    memcpy(joined + prefix_length + 1, *remaining + offset, rest_length + 1);
    free(*remaining);
    *remaining = joined;
    return WH_OK;
}

wh_status wh_flatten_resolve_node_path(const wh_flatten *flat, const char *path,
                                       int follow_last, char **out, wh_error *err)
{
    wh_status result = WH_OK;
    char *remaining = strdup(path);
    char *resolved = malloc(WH_FLATTEN_PATH_MAX + 2);
    size_t used = 0;
    size_t position = 0;
    int links = 0;

    *out = NULL;
    if (remaining == NULL || resolved == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory resolving '%.60s'", path);
        goto out;
    }

    while (remaining[position] != '\0') {
        while (remaining[position] == '/')
            position++;
        const char *component = remaining + position;
        size_t length = strcspn(component, "/");
        if (length == 0)
            break;
        position += length;

        if (length == 1 && component[0] == '.')
            continue;
        if (length == 2 && component[0] == '.' && component[1] == '.') {
            while (used > 0 && resolved[used - 1] != '/')
                used--;
            if (used > 0)
                used--;
            continue;
        }
        if (used + 1 + length > WH_FLATTEN_PATH_MAX) {
            result = wh_error_set(err, WH_ERR_LIMIT,
                                  "'%.60s...' resolves to a path longer than %d bytes", path,
                                  WH_FLATTEN_PATH_MAX);
            goto out;
        }

        size_t parent_used = used;
        resolved[used] = '/';
        memcpy(resolved + used + 1, component, length);
        used += 1 + length;
        resolved[used] = '\0';

        size_t next = position;
        while (remaining[next] == '/')
            next++;
        int last = remaining[next] == '\0';
        const wh_flat_node *node = wh_flatten_node_get(flat, resolved, used);
        if (node == NULL || node->type != WH_FILE_SYMLINK || (last && !follow_last))
            continue;

        if (++links > WH_FLATTEN_SYMLINK_MAX) {
            result = wh_error_set(err, WH_ERR_FORMAT,
                                  "'%.60s' passes through more than %d symlinks; the image "
                                  "has a symlink loop", path, WH_FLATTEN_SYMLINK_MAX);
            goto out;
        }
        /* An absolute target starts again at the image root, never the host's. */
        used = node->target[0] == '/' ? 0 : parent_used;
        result = splice(&remaining, position, node->target, err);
        if (result != WH_OK)
            goto out;
        position = 0;
    }

    resolved[used] = '\0';
    *out = resolved;
    resolved = NULL;

out:
    free(remaining);
    free(resolved);
    return result;
}

wh_status wh_flatten_resolve(const wh_flatten *flat, const char *path, int follow_last,
                             char **out, wh_error *err)
{
    char *resolved = NULL;
    wh_status result = wh_flatten_resolve_node_path(flat, path, follow_last, &resolved, err);
    if (result != WH_OK)
        return result;
    if (resolved[0] == '\0') {
        free(resolved);
        resolved = strdup("/");
        if (resolved == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory resolving '%.60s'", path);
    }
    *out = resolved;
    return WH_OK;
}
