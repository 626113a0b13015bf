/*
 * Link resolution inside one component: the symlinks and hardlinks that lead
 * to a given file, such as the applet links of a BusyBox binary. Paths
 * resolve inside the component only, as they would in an image made of it alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_view.h"

/* Linux gives up after 40 symlinks in one lookup; so does this resolver. */
#define MAX_SYMLINK_HOPS 40

static void *checked(void *pointer)
{
    if (pointer == NULL) {
        fputs("whittle: out of memory\n", stderr);
        abort();
    }
    return pointer;
}

static int compare_path(const void *key, const void *element)
{
    return strcmp(key, ((const whc_file *)element)->path);
}

static const whc_file *find_file(const whc_file *files, size_t count, const char *path)
{
    return bsearch(path, files, count, sizeof(*files), compare_path);
}

/*
 * Resolves an absolute path against the component's symlinks, folder by
 * folder, applying "." and "..". Returns a new string, or NULL for a loop.
 */
static char *resolve_path(const whc_file *files, size_t count, const char *path)
{
    char *pending = checked(strdup(path));
    int hops = 0;

restart:;
    char *resolved = checked(malloc(strlen(pending) + 2));
    size_t length = 0;
    resolved[0] = '\0';
    const char *cursor = pending;

    while (*cursor != '\0') {
        while (*cursor == '/')
            cursor++;
        if (*cursor == '\0')
            break;
        const char *slash = strchr(cursor, '/');
        size_t part = slash ? (size_t)(slash - cursor) : strlen(cursor);

        if (part == 1 && cursor[0] == '.') {
            cursor += part;
            continue;
        }
        if (part == 2 && cursor[0] == '.' && cursor[1] == '.') {
            char *parent = strrchr(resolved, '/');
            length = parent ? (size_t)(parent - resolved) : 0;
            resolved[length] = '\0';
            cursor += part;
            continue;
        }

        resolved[length++] = '/';
        memcpy(resolved + length, cursor, part);
        length += part;
        resolved[length] = '\0';
        cursor += part;

        const whc_file *file = find_file(files, count, resolved);
        if (file == NULL || file->type != WH_FILE_SYMLINK || file->target == NULL)
            continue;
        if (++hops > MAX_SYMLINK_HOPS) {
            free(resolved);
            free(pending);
            return NULL;
        }

        /* Replace the symlink by its target and start over on the new path. */
        *strrchr(resolved, '/') = '\0';
        char *next = NULL;
        const char *base = file->target[0] == '/' ? "" : resolved;
        if (asprintf(&next, "%s/%s%s", base, file->target, cursor) < 0)
            checked(NULL);
        free(resolved);
        free(pending);
        pending = next;
        goto restart;
    }

    free(pending);
    if (length == 0)
        strcpy(resolved, "/");
    return resolved;
}

size_t *view_file_links(const whc_file *files, size_t count, size_t target, size_t *link_count)
{
    size_t *links = NULL;
    *link_count = 0;
    char *wanted = resolve_path(files, count, files[target].path);
    if (wanted == NULL)
        return NULL;

    for (size_t i = 0; i < count; i++) {
        const whc_file *file = &files[i];
        char *resolved = NULL;
        if (i == target)
            continue;

        if (file->type == WH_FILE_SYMLINK) {
            resolved = resolve_path(files, count, file->path);
        } else if (file->type == WH_FILE_HARDLINK && file->target != NULL) {
            /* A hardlink's target is a path in the archive: rooted, maybe without '/'. */
            char *rooted = NULL;
            if (asprintf(&rooted, "/%s", file->target) < 0)
                checked(NULL);
            resolved = resolve_path(files, count, rooted);
            free(rooted);
        }

        if (resolved != NULL && strcmp(resolved, wanted) == 0) {
            links = checked(realloc(links, (*link_count + 1) * sizeof(*links)));
            links[(*link_count)++] = i;
        }
        free(resolved);
    }
    free(wanted);
    return links;
}
