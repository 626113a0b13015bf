#include "support_binaries.h"

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *test_support_make_temp_dir(void)
{
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";

    char *dir = NULL;
    if (asprintf(&dir, "%s/whittle-test-XXXXXX", base) < 0)
        return NULL;
    if (mkdtemp(dir) == NULL) {
        free(dir);
        return NULL;
    }
    return dir;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void test_support_remove_tree(const char *dir)
{
    if (dir == NULL)
        return;
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

char *test_support_path(const char *dir, const char *name)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s", dir, name) < 0)
        return NULL;
    return path;
}

char *test_support_compile(const char *dir, const char *name, const char *source, const char *flags)
{
    char *output = test_support_path(dir, name);
    char *source_path = NULL;
    char *command = NULL;
    int ok = output != NULL && asprintf(&source_path, "%s.c", output) >= 0 &&
             test_support_write_file(source_path, source, strlen(source)) == 0 &&
             asprintf(&command, "gcc %s -o '%s' '%s'", flags, output, source_path) >= 0 &&
             system(command) == 0;

    free(source_path);
    free(command);
    if (!ok) {
        free(output);
        return NULL;
    }
    return output;
}

unsigned char *test_support_read_file(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return NULL;

    unsigned char *data = NULL;
    size_t length = 0, capacity = 0;
    for (;;) {
        if (length == capacity) {
            capacity = capacity == 0 ? 65536 : capacity * 2;
            unsigned char *grown = realloc(data, capacity);
            if (grown == NULL) {
                free(data);
                fclose(file);
                return NULL;
            }
            data = grown;
        }
        size_t count = fread(data + length, 1, capacity - length, file);
        length += count;
        if (count == 0)
            break;
    }

    int failed = ferror(file);
    fclose(file);
    if (failed) {
        free(data);
        return NULL;
    }
    *size = length;
    return data;
}

int test_support_write_file(const char *path, const void *data, size_t size)
{
    FILE *file = fopen(path, "wb");
    if (file == NULL)
        return -1;

    size_t written = fwrite(data, 1, size, file);
    int closed = fclose(file);
    return written == size && closed == 0 ? 0 : -1;
}

char *test_support_list_store(const char *catalog_dir)
{
    char *text = NULL;
    size_t size = 0;
    FILE *stream = open_memstream(&text, &size);
    if (stream == NULL)
        return NULL;

    const char *folders[] = { "blobs", "blobs/sha256" };
    int failed = 0;
    for (int i = 0; i < 2 && !failed; i++) {
        char path[512];
        struct dirent **entries = NULL;
        snprintf(path, sizeof(path), "%s/%s", catalog_dir, folders[i]);
        int count = scandir(path, &entries, NULL, alphasort);
        failed = count < 0;
        for (int j = 0; j < count; j++) {
            fprintf(stream, "%s/%s\n", folders[i], entries[j]->d_name);
            free(entries[j]);
        }
        free(entries);
    }
    fclose(stream);
    if (failed) {
        free(text);
        return NULL;
    }
    return text;
}
