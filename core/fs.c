#include "fs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

wh_status wh_mkdir_parents(const char *path, mode_t mode, wh_error *err)
{
    char *copy = strdup(path);
    if (copy == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory creating %s", path);

    wh_status result = WH_OK;
    size_t length = strlen(copy);

    /* Create each prefix that ends at a slash, then the whole path. */
    for (size_t i = 1; i <= length; i++) {
        if (copy[i] != '/' && copy[i] != '\0')
            continue;
        char saved = copy[i];
        copy[i] = '\0';
        if (mkdir(copy, mode) != 0 && errno != EEXIST) {
            result = wh_error_set(err, WH_ERR_IO, "cannot create folder %s: %s", copy,
                                  strerror(errno));
            goto out;
        }
        copy[i] = saved;
    }

    struct stat info;
    if (stat(path, &info) != 0 || !S_ISDIR(info.st_mode))
        result = wh_error_set(err, WH_ERR_IO, "%s exists but is not a folder", path);

out:
    free(copy);
    return result;
}

wh_status wh_read_file(const char *path, size_t max_size, char **out, size_t *size,
                       wh_error *err)
{
    wh_status result = WH_OK;
    char *buffer = NULL;
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return wh_error_set(err, WH_ERR_IO, "cannot open %s: %s", path, strerror(errno));

    size_t capacity = 4096, used = 0;
    buffer = malloc(capacity);
    if (buffer == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", path);
        goto out;
    }

    for (;;) {
        if (used + 1 >= capacity) {
            if (capacity > max_size) {
                result = wh_error_set(err, WH_ERR_LIMIT, "%s is larger than %zu bytes", path,
                                      max_size);
                goto out;
            }
            char *grown = realloc(buffer, capacity * 2);
            if (grown == NULL) {
                result = wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", path);
                goto out;
            }
            buffer = grown;
            capacity *= 2;
        }
        size_t count = fread(buffer + used, 1, capacity - used - 1, file);
        used += count;
        if (count == 0)
            break;
    }
    if (ferror(file)) {
        result = wh_error_set(err, WH_ERR_IO, "cannot read %s: %s", path, strerror(errno));
        goto out;
    }
    if (used > max_size) {
        result = wh_error_set(err, WH_ERR_LIMIT, "%s is larger than %zu bytes", path, max_size);
        goto out;
    }

    buffer[used] = '\0';
    *out = buffer;
    buffer = NULL;
    if (size != NULL)
        *size = used;

out:
    free(buffer);
    fclose(file);
    return result;
}

wh_status wh_xdg_path(const char *variable, const char *fallback, const char *suffix,
                      char **out, wh_error *err)
{
    const char *base = getenv(variable);
    const char *middle = "";
    if (base == NULL || base[0] != '/') {
        base = getenv("HOME");
        middle = fallback;
        if (base == NULL || base[0] == '\0')
            return wh_error_set(err, WH_ERR_INVALID,
                                "neither $%s nor $HOME is set; set one of them or pass the "
                                "path explicitly",
                                variable);
    }

    const char *separator = middle[0] ? "/" : "";
    if (asprintf(out, "%s%s%s/%s", base, separator, middle, suffix) < 0)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory");
    return WH_OK;
}

ssize_t wh_read_full(int fd, void *buffer, size_t size)
{
    unsigned char *bytes = buffer;
    size_t total = 0;
    while (total < size) {
        ssize_t got = read(fd, bytes + total, size - total);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -1;
        if (got == 0)
            break;
        total += (size_t)got;
    }
    return (ssize_t)total;
}

int wh_write_full(int fd, const void *data, size_t size)
{
    const unsigned char *bytes = data;
    while (size > 0) {
        ssize_t written = write(fd, bytes, size);
        if (written < 0 && errno == EINTR)
            continue;
        if (written < 0)
            return -1;
        bytes += written;
        size -= (size_t)written;
    }
    return 0;
}
