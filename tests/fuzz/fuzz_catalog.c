/* The private catalog of the importing fuzz targets; see fuzz_catalog.h. */
#include "fuzz_catalog.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../catalog/import_internal.h"

static whc_catalog *fuzz_open_catalog;
static char fuzz_folder[256];
static char fuzz_input_path[300];

static void fuzz_remove_catalog(void)
{
    whc_close(fuzz_open_catalog);
    fuzz_open_catalog = NULL;
    char command[300];
    snprintf(command, sizeof(command), "rm -rf '%s'", fuzz_folder);
    if (system(command) != 0)
        fprintf(stderr, "fuzz: could not remove %s\n", fuzz_folder);
}

whc_catalog *fuzz_catalog(void)
{
    if (fuzz_open_catalog != NULL)
        return fuzz_open_catalog;

    const char *parent = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(fuzz_folder, sizeof(fuzz_folder), "%s/whittle-fuzz.XXXXXX", parent);
    if (mkdtemp(fuzz_folder) == NULL) {
        perror("fuzz: mkdtemp");
        abort();
    }
    char db_path[300];
    snprintf(db_path, sizeof(db_path), "%s/catalog.db", fuzz_folder);
    snprintf(fuzz_input_path, sizeof(fuzz_input_path), "%s/input", fuzz_folder);

    wh_error err = { 0 };
    if (whc_open(db_path, &fuzz_open_catalog, &err) != WH_OK) {
        fprintf(stderr, "fuzz: cannot open the catalog: %s\n", err.message);
        abort();
    }
    atexit(fuzz_remove_catalog);
    return fuzz_open_catalog;
}

static int fuzz_folder_has_files(const char *path, const char *prefix)
{
    DIR *dir = opendir(path);
    if (dir == NULL)
        return 0;
    int found = 0;
    struct dirent *entry;
    while (!found && (entry = readdir(dir)) != NULL)
        found = strncmp(entry->d_name, prefix, strlen(prefix)) == 0;
    closedir(dir);
    return found;
}

void fuzz_check_blobs_empty(void)
{
    char path[300];
    snprintf(path, sizeof(path), "%s/blobs/sha256", fuzz_folder);
    int leftover_blob = 0;
    DIR *dir = opendir(path);
    if (dir != NULL) {
        struct dirent *entry;
        while (!leftover_blob && (entry = readdir(dir)) != NULL)
            leftover_blob = entry->d_name[0] != '.';
        closedir(dir);
    }
    snprintf(path, sizeof(path), "%s/blobs", fuzz_folder);
    if (leftover_blob || fuzz_folder_has_files(path, "tmp-")) {
        fprintf(stderr, "fuzz: an aborted import left a %s in %s\n",
                leftover_blob ? "blob" : "temporary file", path);
        abort();
    }
}

void fuzz_import_bytes(const uint8_t *data, size_t size)
{
    whc_catalog *catalog = fuzz_catalog();

    int fd = open(fuzz_input_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
        perror("fuzz: writing the input file");
        abort();
    }
    close(fd);

    wh_error err = { 0 };
    whc_import *import = NULL;
    if (whc_import_begin(catalog, &import, &err) != WH_OK) {
        fprintf(stderr, "fuzz: cannot begin an import: %s\n", err.message);
        abort();
    }
    /* Name and version make a non-package input import as a single file. */
    whc_import_options options = { .name = "fuzzed", .version = "1", .kind = -1 };
    if (whc_probe_deb(fuzz_input_path) != 0 || whc_probe_apk(fuzz_input_path))
        options = (whc_import_options){ .kind = -1 };
    (void)whc_import_artifact(import, fuzz_input_path, &options, &err);
    whc_import_abort(import);
    fuzz_check_blobs_empty();
}
