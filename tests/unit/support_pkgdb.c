/* A package database reader over a table of files, for tests. */
#include "support_pkgdb.h"

#include <stdlib.h>
#include <string.h>

#include "../../core/fs.h"

static wh_status mapped_read(void *context, const char *path, char **data, size_t *size,
                             wh_error *err)
{
    const mapped_image *image = context;
    for (size_t i = 0; i < image->count; i++) {
        const mapped_file *file = &image->files[i];
        if (strcmp(file->image_path, path) != 0)
            continue;
        if (file->data == NULL)
            return wh_read_file(file->host_path, 1u << 26, data, size, err);
        *data = strdup(file->data);
        *size = strlen(file->data);
        return *data ? WH_OK : WH_ERR_NOMEM;
    }
    return wh_error_set(err, WH_ERR_NOT_FOUND, "%s not mapped", path);
}

static wh_status mapped_list(void *context, const char *dir, char ***names, size_t *count,
                             wh_error *err)
{
    (void)err;
    const mapped_image *image = context;
    size_t length = strlen(dir);
    *names = calloc(image->count + 1, sizeof(**names));
    *count = 0;
    for (size_t i = 0; i < image->count; i++) {
        const char *path = image->files[i].image_path;
        if (strncmp(path, dir, length) == 0 && path[length] == '/'
            && strchr(path + length + 1, '/') == NULL)
            (*names)[(*count)++] = strdup(path + length + 1);
    }
    return WH_OK;
}

void test_pkgdb_reader(mapped_image *image, whc_pkgdb_reader *reader)
{
    reader->read = mapped_read;
    reader->list = mapped_list;
    reader->context = image;
}

const whc_pkg *test_pkgdb_find(const whc_pkgdb *db, const char *name)
{
    for (size_t i = 0; i < db->count; i++) {
        if (strcmp(db->packages[i].name, name) == 0)
            return &db->packages[i];
    }
    return NULL;
}
