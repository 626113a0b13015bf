/* The in-memory image of the package database fuzz targets; see fuzz_pkgdb.h. */
#include "fuzz_pkgdb.h"

#include <stdlib.h>
#include <string.h>

void fuzz_pkgdb_split(const uint8_t *data, size_t size, const char *database_path,
                      fuzz_pkgdb_image *image)
{
    const uint8_t *nul = memchr(data, '\0', size);
    image->database_path = database_path;
    image->database = (const char *)data;
    image->database_size = nul ? (size_t)(nul - data) : size;
    image->other = nul ? (const char *)nul + 1 : "";
    image->other_size = nul ? size - image->database_size - 1 : 0;
}

static wh_status fuzz_pkgdb_read(void *context, const char *path, char **data, size_t *size,
                                 wh_error *err)
{
    fuzz_pkgdb_image *image = context;
    int is_database = strcmp(path, image->database_path) == 0;
    const char *content = is_database ? image->database : image->other;
    size_t length = is_database ? image->database_size : image->other_size;

    *data = NULL;
    *size = 0;
    if (!is_database && image->other_size == 0)
        return wh_error_set(err, WH_ERR_NOT_FOUND, "%s: not found", path);
    char *copy = malloc(length + 1);
    if (copy == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", path);
    if (length > 0)
        memcpy(copy, content, length);
    copy[length] = '\0';
    *data = copy;
    *size = length;
    return WH_OK;
}

static wh_status fuzz_pkgdb_list(void *context, const char *dir, char ***names, size_t *count,
                                 wh_error *err)
{
    (void)context;
    (void)dir;
    (void)err;
    *names = NULL;
    *count = 0;
    return WH_OK;
}

whc_pkgdb_reader fuzz_pkgdb_reader(fuzz_pkgdb_image *image)
{
    return (whc_pkgdb_reader){ fuzz_pkgdb_read, fuzz_pkgdb_list, image };
}
