/*
 * The dpkg database: var/lib/dpkg/status (deb822 paragraphs) with one
 * info/NAME.list or info/NAME:ARCH.list file list per package, and the
 * status.d/NAME paragraphs with status.d/NAME.md5sums lists that distroless
 * images carry instead.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkgdb.h"

static const char status_path[] = "/var/lib/dpkg/status";
static const char status_dir[] = "/var/lib/dpkg/status.d";
static const char info_dir[] = "/var/lib/dpkg/info";

static const struct {
    const char *field;
    whc_relation_kind kind;
} relation_fields[] = {
    { "Depends", WHC_REL_DEPENDS },       { "Pre-Depends", WHC_REL_PRE_DEPENDS },
    { "Recommends", WHC_REL_RECOMMENDS }, { "Provides", WHC_REL_PROVIDES },
    { "Conflicts", WHC_REL_CONFLICTS },   { "Breaks", WHC_REL_BREAKS },
    { "Replaces", WHC_REL_REPLACES },
};

whc_pkg *whc_pkgdb_add(whc_pkgdb *db, const char *name)
{
    if (db->count == db->capacity) {
        size_t capacity = db->capacity ? db->capacity * 2 : 64;
        whc_pkg *grown = realloc(db->packages, capacity * sizeof(*grown));
        if (grown == NULL)
            return NULL;
        db->packages = grown;
        db->capacity = capacity;
    }
    whc_pkg *pkg = &db->packages[db->count];
    *pkg = (whc_pkg){ 0 };
    pkg->name = strdup(name);
    pkg->version = strdup("");
    pkg->architecture = strdup("");
    if (pkg->name == NULL || pkg->version == NULL || pkg->architecture == NULL) {
        free(pkg->name);
        free(pkg->version);
        free(pkg->architecture);
        return NULL;
    }
    db->count++;
    return pkg;
}

wh_status whc_pkg_add_path(whc_pkg *pkg, const char *path, size_t length, wh_error *err)
{
    if (pkg->path_count == pkg->path_capacity) {
        size_t capacity = pkg->path_capacity ? pkg->path_capacity * 2 : 64;
        char **grown = realloc(pkg->paths, capacity * sizeof(*grown));
        if (grown == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory listing %s", pkg->name);
        pkg->paths = grown;
        pkg->path_capacity = capacity;
    }
    int relative = length == 0 || path[0] != '/';
    char *copy = malloc(length + 2);
    if (copy == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory listing %s", pkg->name);
    copy[0] = '/';
    memcpy(copy + relative, path, length);
    copy[length + relative] = '\0';
    pkg->paths[pkg->path_count++] = copy;
    return WH_OK;
}

void whc_pkgdb_warn(whc_pkgdb *db, const char *format, ...)
{
    char *message = NULL;
    va_list args;
    va_start(args, format);
    int length = vasprintf(&message, format, args);
    va_end(args);
    if (length < 0)
        return;
    char **grown = realloc(db->warnings, (db->warning_count + 1) * sizeof(*grown));
    if (grown == NULL) {
        free(message);
        return;
    }
    db->warnings = grown;
    db->warnings[db->warning_count++] = message;
}

void whc_pkgdb_free(whc_pkgdb *db)
{
    if (db == NULL)
        return;
    for (size_t i = 0; i < db->count; i++) {
        whc_pkg *pkg = &db->packages[i];
        free(pkg->name);
        free(pkg->version);
        free(pkg->architecture);
        free(pkg->license);
        free(pkg->summary);
        for (size_t j = 0; j < pkg->path_count; j++)
            free(pkg->paths[j]);
        free(pkg->paths);
        whc_relation_list_free(&pkg->relations);
    }
    free(db->packages);
    for (size_t i = 0; i < db->warning_count; i++)
        free(db->warnings[i]);
    free(db->warnings);
    *db = (whc_pkgdb){ 0 };
}

/* True for the Status states whose files are on disk. */
static int status_installed(const char *status)
{
    if (status == NULL)
        return 1; /* status.d paragraphs have no Status field */
    const char *state = strrchr(status, ' ');
    state = state ? state + 1 : status;
    return strcmp(state, "not-installed") != 0 && strcmp(state, "config-files") != 0;
}

/* Adds each line of a file list; md5sums lines carry a digest and two spaces first. */
static wh_status add_list(whc_pkg *pkg, const char *text, int md5sums, wh_error *err)
{
    const char *line = text;
    while (*line) {
        size_t length = strcspn(line, "\n");
        const char *path = line;
        size_t path_length = length;
        if (md5sums) {
            const char *gap = memchr(line, ' ', length);
            path = gap ? gap : line + length;
            while (path < line + length && *path == ' ')
                path++;
            path_length = (size_t)(line + length - path);
        }
        /* "/." stands for the root in dpkg lists; the root is never a component's file. */
        if (path_length > 0 && !(path_length == 2 && path[0] == '/' && path[1] == '.')) {
            wh_status result = whc_pkg_add_path(pkg, path, path_length, err);
            if (result != WH_OK)
                return result;
        }
        line += length;
        if (*line == '\n')
            line++;
    }
    return WH_OK;
}

/* Reads the first list file of candidates that exists; a package may have none. */
static wh_status read_list(const whc_pkgdb_reader *reader, whc_pkg *pkg,
                           const char *const *candidates, size_t count, int md5sums,
                           wh_error *err)
{
    for (size_t i = 0; i < count; i++) {
        char *data = NULL;
        size_t size = 0;
        wh_status result = reader->read(reader->context, candidates[i], &data, &size, err);
        if (result == WH_ERR_NOT_FOUND)
            continue;
        if (result != WH_OK)
            return result;
        result = add_list(pkg, data, md5sums, err);
        free(data);
        return result;
    }
    return WH_OK;
}

static wh_status set_field(char **slot, const char *value, const char *name, wh_error *err)
{
    char *copy = strdup(value);
    if (copy == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", name);
    free(*slot);
    *slot = copy;
    return WH_OK;
}

static wh_status add_paragraph(const whc_pkgdb_reader *reader, whc_pkgdb *db,
                               const whc_control_paragraph *paragraph, const char *source,
                               int from_status_d, const char *status_d_name, wh_error *err)
{
    const char *name = whc_control_get(paragraph, "Package");
    if (name == NULL)
        return wh_error_set(err, WH_ERR_FORMAT,
                            "%s: the paragraph at line %d has no Package field; the dpkg "
                            "database is corrupt", source, paragraph->line);
    if (name[0] == '\0') {
        whc_pkgdb_warn(db, "%s: line %d: skipped a paragraph with an empty Package field",
                       source, paragraph->line);
        return WH_OK;
    }
    if (!status_installed(whc_control_get(paragraph, "Status")))
        return WH_OK;

    whc_pkg *pkg = whc_pkgdb_add(db, name);
    if (pkg == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", source);

    const char *version = whc_control_get(paragraph, "Version");
    const char *architecture = whc_control_get(paragraph, "Architecture");
    const char *description = whc_control_get(paragraph, "Description");
    wh_status result = WH_OK;
    if (version)
        result = set_field(&pkg->version, version, source, err);
    if (result == WH_OK && architecture)
        result = set_field(&pkg->architecture, architecture, source, err);
    if (result == WH_OK && description) {
        pkg->summary = strndup(description, strcspn(description, "\n"));
        if (pkg->summary == NULL)
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", source);
    }
    for (size_t i = 0; result == WH_OK && i < sizeof(relation_fields) / sizeof(relation_fields[0]);
         i++) {
        const char *value = whc_control_get(paragraph, relation_fields[i].field);
        if (value != NULL)
            result = whc_relations_parse_debian(value, relation_fields[i].kind, source,
                                                &pkg->relations, err);
    }
    if (result != WH_OK)
        return result;

    char first[512], second[512];
    if (from_status_d) {
        snprintf(first, sizeof(first), "%s/%s.md5sums", status_dir, status_d_name);
        const char *const candidates[] = { first };
        return read_list(reader, pkg, candidates, 1, 1, err);
    }
    snprintf(first, sizeof(first), "%s/%s:%s.list", info_dir, name, pkg->architecture);
    snprintf(second, sizeof(second), "%s/%s.list", info_dir, name);
    const char *const candidates[] = { first, second };
    return read_list(reader, pkg, candidates, 2, 0, err);
}

static wh_status read_control_file(const whc_pkgdb_reader *reader, whc_pkgdb *db,
                                   const char *path, int from_status_d, const char *name,
                                   wh_error *err)
{
    char *data = NULL;
    size_t size = 0;
    whc_control_file control = { 0 };

    wh_status result = reader->read(reader->context, path, &data, &size, err);
    if (result != WH_OK)
        return result;
    result = whc_control_parse(data, size, path, &control, err);
    for (size_t i = 0; result == WH_OK && i < control.count; i++)
        result = add_paragraph(reader, db, &control.paragraphs[i], path, from_status_d, name,
                               err);
    whc_control_free(&control);
    free(data);
    return result;
}

static int ends_with(const char *text, const char *suffix)
{
    size_t length = strlen(text);
    size_t suffix_length = strlen(suffix);
    return length >= suffix_length && strcmp(text + length - suffix_length, suffix) == 0;
}

wh_status whc_pkgdb_read_dpkg(const whc_pkgdb_reader *reader, whc_pkgdb *out, wh_error *err)
{
    char **names = NULL;
    size_t name_count = 0;
    int found = 0;

    *out = (whc_pkgdb){ .format = "dpkg" };
    wh_status result = read_control_file(reader, out, status_path, 0, NULL, err);
    if (result == WH_OK)
        found = 1;
    else if (result != WH_ERR_NOT_FOUND)
        return result;

    result = reader->list(reader->context, status_dir, &names, &name_count, err);
    if (result != WH_OK)
        return result;
    for (size_t i = 0; result == WH_OK && i < name_count; i++) {
        if (ends_with(names[i], ".md5sums") || ends_with(names[i], ".list")
            || names[i][0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", status_dir, names[i]);
        result = read_control_file(reader, out, path, 1, names[i], err);
        if (result == WH_ERR_NOT_FOUND)
            result = WH_OK; /* a folder or special file in status.d */
        else if (result == WH_OK)
            found = 1;
    }
    for (size_t i = 0; i < name_count; i++)
        free(names[i]);
    free(names);

    if (result == WH_OK && !found)
        return wh_error_set(err, WH_ERR_NOT_FOUND, "the image has no dpkg database (%s)",
                            status_path);
    return result;
}
