/*
 * `whittle catalog seed`: the demo catalog from real Debian packages.
 *
 * Packages are fetched with `apt-get download` into a cache folder and are
 * reused from there, so a second seed needs no network. Downloads land in a
 * private partial folder first and are renamed into the cache when apt-get
 * succeeds, so an interrupted download never leaves a truncated .deb that a
 * later run would take for a good one.
 */
#include "seed.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/fs.h"
#include "../core/version.h"
#include "importer.h"

#define LIST_MAX_SIZE (1 << 20)

typedef struct package_list {
    char **names;
    size_t count;
} package_list;

static void package_list_free(package_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->names[i]);
    free(list->names);
    list->names = NULL;
    list->count = 0;
}

/* Debian package names: lowercase letters, digits, '+', '-', '.'; at least two characters. */
static int valid_package_name(const char *name)
{
    if (strlen(name) < 2)
        return 0;
    for (const char *p = name; *p; p++) {
        int ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '+' ||
                 *p == '-' || *p == '.';
        if (!ok)
            return 0;
    }
    return 1;
}

static wh_status read_package_list(const char *path, package_list *list, wh_error *err)
{
    char *text = NULL;
    wh_status result = wh_read_file(path, LIST_MAX_SIZE, &text, NULL, err);
    if (result != WH_OK)
        return result;

    int line_number = 0;
    char *saveptr = NULL;
    for (char *line = strtok_r(text, "\n", &saveptr); line != NULL;
         line = strtok_r(NULL, "\n", &saveptr)) {
        line_number++;
        char *comment = strchr(line, '#');
        if (comment != NULL)
            *comment = '\0';

        char *name = line + strspn(line, " \t\r");
        name[strcspn(name, " \t\r")] = '\0';
        if (name[0] == '\0')
            continue;
        if (!valid_package_name(name)) {
            result = wh_error_set(err, WH_ERR_INVALID,
                                  "%s: '%s' is not a valid Debian package name; use one "
                                  "lowercase name per line",
                                  path, name);
            goto out;
        }

        char **grown = realloc(list->names, (list->count + 1) * sizeof(*grown));
        if (grown == NULL || (grown[list->count] = strdup(name)) == NULL) {
            if (grown != NULL)
                list->names = grown;
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", path);
            goto out;
        }
        list->names = grown;
        list->count++;
    }
    if (list->count == 0)
        result = wh_error_set(err, WH_ERR_INVALID, "%s names no packages", path);

out:
    free(text);
    if (result != WH_OK)
        package_list_free(list);
    return result;
}

/*
 * Extracts the version from a cached file name "NAME_VERSION_ARCH.deb",
 * decoding the "%3a" that apt-get writes for an epoch's colon. Returns a
 * malloc'd string, or NULL when file does not belong to package.
 */
static char *cached_version(const char *file, const char *package)
{
    size_t name_length = strlen(package);
    size_t file_length = strlen(file);
    if (strncmp(file, package, name_length) != 0 || file[name_length] != '_')
        return NULL;
    if (file_length < 4 || strcmp(file + file_length - 4, ".deb") != 0)
        return NULL;

    const char *start = file + name_length + 1;
    const char *end = strrchr(file, '_');
    if (end <= start)
        return NULL;

    char *version = malloc((size_t)(end - start) + 1);
    if (version == NULL)
        return NULL;
    size_t used = 0;
    for (const char *p = start; p < end; p++) {
        if (strncmp(p, "%3a", 3) == 0 || strncmp(p, "%3A", 3) == 0) {
            version[used++] = ':';
            p += 2;
        } else {
            version[used++] = *p;
        }
    }
    version[used] = '\0';
    return version;
}

/*
 * Finds the newest cached .deb of package in cache_dir. Returns a malloc'd
 * path, NULL when there is none (or on allocation failure, which the
 * caller then reports as a missing package and downloads again).
 */
static char *find_cached(const char *cache_dir, const char *package)
{
    DIR *dir = opendir(cache_dir);
    if (dir == NULL)
        return NULL;

    char *best_file = NULL, *best_version = NULL;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        char *version = cached_version(entry->d_name, package);
        if (version == NULL)
            continue;
        if (best_version == NULL || wh_version_compare_debian(version, best_version) > 0) {
            char *file = strdup(entry->d_name);
            if (file == NULL) {
                free(version);
                continue;
            }
            free(best_file);
            free(best_version);
            best_file = file;
            best_version = version;
        } else {
            free(version);
        }
    }
    closedir(dir);
    free(best_version);

    char *path = NULL;
    if (best_file != NULL && asprintf(&path, "%s/%s", cache_dir, best_file) < 0)
        path = NULL;
    free(best_file);
    return path;
}

/* Runs `apt-get download NAMES...` inside folder and waits for it. */
static wh_status run_apt_download(const char *folder, char **names, size_t count, int quiet,
                                  wh_error *err)
{
    char **argv = calloc(count + 6, sizeof(*argv));
    if (argv == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory");
    size_t used = 0;
    argv[used++] = "apt-get";
    argv[used++] = "download";
    argv[used++] = "-q";
    /*
     * As root, apt downloads as the _apt user, which cannot write into our
     * private folder and prints a warning. The folder is the user's own
     * cache, so root downloads into it directly.
     */
    if (geteuid() == 0) {
        argv[used++] = "-o";
        argv[used++] = "APT::Sandbox::User=root";
    }
    memcpy(argv + used, names, count * sizeof(*names));

    fflush(NULL);
    pid_t child = fork();
    if (child < 0) {
        free(argv);
        return wh_error_set(err, WH_ERR_EXTERNAL, "cannot start apt-get: %s", strerror(errno));
    }
    if (child == 0) {
        /* apt-get's progress goes to stderr, so our stdout stays machine-readable. */
        int sink = quiet ? open("/dev/null", O_WRONLY) : STDERR_FILENO;
        if (sink >= 0) {
            dup2(sink, STDOUT_FILENO);
            if (quiet)
                dup2(sink, STDERR_FILENO);
        }
        if (chdir(folder) != 0)
            _exit(126);
        execvp(argv[0], argv);
        _exit(127);
    }
    free(argv);

    int status = 0;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR)
            return wh_error_set(err, WH_ERR_EXTERNAL, "waiting for apt-get failed: %s",
                                strerror(errno));
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return wh_error_set(err, WH_ERR_EXTERNAL,
                            "apt-get was not found; the seed downloads Debian packages with "
                            "apt-get, so run it on Debian or Ubuntu, or fill the cache "
                            "folder %s by hand and use --offline",
                            folder);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return wh_error_set(err, WH_ERR_EXTERNAL,
                            "apt-get download failed (status %d); if it reported packages "
                            "it cannot locate, run 'apt-get update' as root and seed again",
                            WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return WH_OK;
}

/* Removes every file in folder, then folder itself. */
static void remove_folder(const char *folder)
{
    DIR *dir = opendir(folder);
    if (dir != NULL) {
        struct dirent *entry;
        while ((entry = readdir(dir)) != NULL) {
            if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
                continue;
            char *path = NULL;
            if (asprintf(&path, "%s/%s", folder, entry->d_name) >= 0) {
                unlink(path);
                free(path);
            }
        }
        closedir(dir);
    }
    rmdir(folder);
}

/* Moves every .deb from the partial folder into the cache folder. */
static wh_status adopt_downloads(const char *partial, const char *cache_dir, size_t *moved,
                                 wh_error *err)
{
    DIR *dir = opendir(partial);
    if (dir == NULL)
        return wh_error_set(err, WH_ERR_IO, "cannot read %s: %s", partial, strerror(errno));

    wh_status result = WH_OK;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        size_t length = strlen(entry->d_name);
        if (length < 5 || strcmp(entry->d_name + length - 4, ".deb") != 0)
            continue;
        char *from = NULL, *to = NULL;
        if (asprintf(&from, "%s/%s", partial, entry->d_name) < 0 ||
            asprintf(&to, "%s/%s", cache_dir, entry->d_name) < 0) {
            free(from);
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory");
            break;
        }
        if (rename(from, to) != 0)
            result = wh_error_set(err, WH_ERR_IO, "cannot move %s to %s: %s", from, to,
                                  strerror(errno));
        else
            (*moved)++;
        free(from);
        free(to);
        if (result != WH_OK)
            break;
    }
    closedir(dir);
    return result;
}

static wh_status download_missing(const whc_seed_options *options, const char *cache_dir,
                                  const package_list *list, size_t *downloaded, wh_error *err)
{
    wh_status result = WH_OK;
    char *partial = NULL;
    char **missing = calloc(list->count, sizeof(*missing));
    size_t missing_count = 0;
    if (missing == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory");

    for (size_t i = 0; i < list->count; i++) {
        char *cached = find_cached(cache_dir, list->names[i]);
        if (cached == NULL)
            missing[missing_count++] = list->names[i];
        free(cached);
    }
    if (missing_count == 0)
        goto out;

    if (options->offline) {
        result = wh_error_set(err, WH_ERR_NOT_FOUND,
                              "package %s is not in the cache %s and --offline forbids "
                              "downloading it; seed once without --offline",
                              missing[0], cache_dir);
        goto out;
    }

    if (options->progress != NULL)
        options->progress(options->progress_context, "download", 0, missing_count, NULL);

    if (asprintf(&partial, "%s/partial.XXXXXX", cache_dir) < 0) {
        partial = NULL;
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (mkdtemp(partial) == NULL) {
        result = wh_error_set(err, WH_ERR_IO, "cannot create a folder in %s: %s", cache_dir,
                              strerror(errno));
        free(partial);
        partial = NULL;
        goto out;
    }

    result = run_apt_download(partial, missing, missing_count, options->quiet_download, err);
    if (result == WH_OK)
        result = adopt_downloads(partial, cache_dir, downloaded, err);

    if (result == WH_OK && options->progress != NULL)
        options->progress(options->progress_context, "download", missing_count, missing_count,
                          NULL);

out:
    if (partial != NULL)
        remove_folder(partial);
    free(partial);
    free(missing);
    return result;
}

char *whc_seed_default_list(void)
{
    const char *explicit_path = getenv("WHITTLE_SEED_LIST");
    if (explicit_path != NULL && explicit_path[0] != '\0')
        return strdup(explicit_path);

    char executable[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", executable, sizeof(executable) - 1);
    if (length <= 0)
        return NULL;
    executable[length] = '\0';

    /* build/whittle -> catalog/..., PREFIX/bin/whittle -> PREFIX/share/whittle/... */
    char *slash = strrchr(executable, '/');
    if (slash == NULL)
        return NULL;
    *slash = '\0';

    static const char *const candidates[] = {
        "%s/../catalog/seed-packages.list",
        "%s/../../catalog/seed-packages.list",
        "%s/../share/whittle/seed-packages.list",
    };
    for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
        char *path = NULL;
        if (asprintf(&path, candidates[i], executable) < 0)
            return NULL;
        if (access(path, R_OK) == 0)
            return path;
        free(path);
    }
    return NULL;
}

static wh_status import_packages(whc_import *import,
                                 const whc_seed_options *options, const char *cache_dir,
                                 const package_list *list, whc_seed_result *totals,
                                 wh_error *err)
{
    whc_import_options import_options = { .name = NULL, .version = NULL, .kind = -1 };

    for (size_t i = 0; i < list->count; i++) {
        const char *name = list->names[i];
        if (options->progress != NULL)
            options->progress(options->progress_context, "import", i, list->count, name);

        char *path = find_cached(cache_dir, name);
        if (path == NULL)
            return wh_error_set(err, WH_ERR_NOT_FOUND,
                                "apt-get did not download package %s into %s; check that "
                                "it exists for this architecture with 'apt-cache policy %s'",
                                name, cache_dir, name);

        wh_status status = whc_import_artifact(import, path, &import_options, err);
        free(path);
        if (status == WH_ERR_EXISTS) {
            totals->skipped++;
            continue;
        }
        if (status != WH_OK)
            return status;
        totals->imported++;
    }
    return WH_OK;
}

wh_status whc_seed(whc_catalog *catalog, const whc_seed_options *options,
                   whc_seed_result *result_out, wh_error *err)
{
    wh_status result = WH_OK;
    package_list list = { 0 };
    whc_seed_result totals = { 0 };
    char *list_path = NULL, *cache_dir = NULL;
    whc_import *import = NULL;

    list_path = options->list_path ? strdup(options->list_path) : whc_seed_default_list();
    if (list_path == NULL) {
        result = wh_error_set(err, WH_ERR_NOT_FOUND,
                              "the seed package list was not found; set WHITTLE_SEED_LIST "
                              "to catalog/seed-packages.list from the whittle sources");
        goto out;
    }
    if (options->cache_dir != NULL)
        cache_dir = strdup(options->cache_dir);
    else if ((result = wh_xdg_path("XDG_CACHE_HOME", ".cache", "whittle/debs", &cache_dir,
                                   err)) != WH_OK)
        goto out;
    if (cache_dir == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory");
        goto out;
    }

    if ((result = read_package_list(list_path, &list, err)) != WH_OK)
        goto out;
    totals.packages = list.count;
    if ((result = wh_mkdir_parents(cache_dir, 0755, err)) != WH_OK)
        goto out;
    if ((result = download_missing(options, cache_dir, &list, &totals.downloaded, err)) != WH_OK)
        goto out;

    if ((result = whc_import_begin(catalog, &import, err)) != WH_OK)
        goto out;
    result = import_packages(import, options, cache_dir, &list, &totals, err);
    if (result != WH_OK)
        goto out;

    if (options->progress != NULL)
        options->progress(options->progress_context, "bundle", 0, 1, "ca-certificates-bundle");
    result = whc_seed_ca_bundle(catalog, import, err);
    if (result == WH_ERR_EXISTS) {
        totals.skipped++;
        result = WH_OK;
    } else if (result == WH_OK) {
        totals.imported++;
    } else {
        goto out;
    }

    result = whc_import_commit(import, err);
    import = NULL;

out:
    whc_import_abort(import);
    if (result == WH_OK && result_out != NULL)
        *result_out = totals;
    package_list_free(&list);
    free(list_path);
    free(cache_dir);
    return result;
}
