/*
 * The apk installed database (lib/apk/db/installed): one record per
 * package, records separated by blank lines, each line "K:value". F: names
 * a folder relative to the root, R: a file inside the last F: folder.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkgdb.h"

static const char installed_path[] = "/lib/apk/db/installed";

/* Splits "name>=1.2" into name, operator and version; "!name" is a conflict. */
static wh_status add_apk_relation(whc_pkg *pkg, whc_relation_kind kind, int group,
                                  const char *token, size_t length, wh_error *err)
{
    char *copy = strndup(token, length);
    if (copy == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", pkg->name);

    char *name = copy;
    if (name[0] == '!') {
        kind = WHC_REL_CONFLICTS;
        name++;
    }
    static const char *const operators[] = { ">=", "<=", "~", "=", "<", ">" };
    char *op_at = strpbrk(name, "<>=~");
    const char *op = NULL;
    char *version = NULL;
    if (op_at != NULL) {
        for (size_t i = 0; i < sizeof(operators) / sizeof(operators[0]); i++) {
            if (strncmp(op_at, operators[i], strlen(operators[i])) == 0) {
                op = operators[i];
                version = op_at + strlen(operators[i]);
                break;
            }
        }
        *op_at = '\0';
    }
    wh_status result = WH_OK;
    if (name[0] != '\0') {
        whc_relation_record record = {
            .kind = kind,
            .group = group,
            .name = name,
            .op = op && version && version[0] ? op : NULL,
            .version = op && version && version[0] ? version : NULL,
        };
        result = whc_relation_list_add(&pkg->relations, &record, err);
    }
    free(copy);
    return result;
}

static wh_status add_apk_relations(whc_pkg *pkg, whc_relation_kind kind, const char *value,
                                   size_t length, wh_error *err)
{
    /* Groups continue after those of earlier lines of the same kind. */
    int group = 0;
    for (size_t i = 0; i < pkg->relations.count; i++) {
        if (pkg->relations.records[i].kind == kind && pkg->relations.records[i].group >= group)
            group = pkg->relations.records[i].group + 1;
    }
    size_t position = 0;
    while (position < length) {
        while (position < length && value[position] == ' ')
            position++;
        size_t token = position;
        while (position < length && value[position] != ' ')
            position++;
        if (position > token) {
            wh_status result = add_apk_relation(pkg, kind, group++, value + token,
                                                position - token, err);
            if (result != WH_OK)
                return result;
        }
    }
    return WH_OK;
}

static wh_status set_string(char **slot, const char *value, size_t length, wh_error *err)
{
    char *copy = strndup(value, length);
    if (copy == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", installed_path);
    free(*slot);
    *slot = copy;
    return WH_OK;
}

/* State while reading one record. */
typedef struct apk_record {
    whc_pkg *pkg;       /* NULL until the record's P: line */
    int first_line;
    char *folder;       /* last F: value */
    int skipped;        /* lines before P: that could not be used */
} apk_record;

static wh_status apply_line(whc_pkgdb *db, apk_record *record, int line_number, char key,
                            const char *value, size_t length, wh_error *err)
{
    if (key == 'P') {
        char *name = strndup(value, length);
        if (name == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", installed_path);
        record->pkg = whc_pkgdb_add(db, name);
        free(name);
        return record->pkg ? WH_OK
                           : wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s",
                                          installed_path);
    }
    whc_pkg *pkg = record->pkg;
    if (pkg == NULL) {
        record->skipped = record->skipped ? record->skipped : line_number;
        return WH_OK;
    }

    switch (key) {
    case 'V': return set_string(&pkg->version, value, length, err);
    case 'A': return set_string(&pkg->architecture, value, length, err);
    case 'L': return set_string(&pkg->license, value, length, err);
    case 'T': return set_string(&pkg->summary, value, length, err);
    case 'D': return add_apk_relations(pkg, WHC_REL_DEPENDS, value, length, err);
    case 'p': return add_apk_relations(pkg, WHC_REL_PROVIDES, value, length, err);
    case 'r': return add_apk_relations(pkg, WHC_REL_REPLACES, value, length, err);
    case 'F': {
        wh_status result = set_string(&record->folder, value, length, err);
        /* "F:" with no name is the root's own mode record, not a folder to own. */
        if (result == WH_OK && length > 0)
            result = whc_pkg_add_path(pkg, value, length, err);
        return result;
    }
    case 'R': {
        char *path = NULL;
        const char *folder = record->folder ? record->folder : "";
        if (asprintf(&path, "%s%s%.*s", folder, folder[0] ? "/" : "", (int)length, value) < 0)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", installed_path);
        wh_status result = whc_pkg_add_path(pkg, path, strlen(path), err);
        free(path);
        return result;
    }
    default:
        return WH_OK; /* checksums, sizes, ACLs and other fields are not needed here */
    }
}

static void end_record(whc_pkgdb *db, apk_record *record)
{
    if (record->skipped && record->pkg == NULL)
        whc_pkgdb_warn(db, "%s: line %d: skipped a record without a P: (package name) line",
                       installed_path, record->skipped);
    free(record->folder);
    *record = (apk_record){ 0 };
}

wh_status whc_pkgdb_read_apk(const whc_pkgdb_reader *reader, whc_pkgdb *out, wh_error *err)
{
    char *data = NULL;
    size_t size = 0;
    apk_record record = { 0 };

    *out = (whc_pkgdb){ .format = "apk" };
    wh_status result = reader->read(reader->context, installed_path, &data, &size, err);
    if (result == WH_ERR_NOT_FOUND)
        return wh_error_set(err, WH_ERR_NOT_FOUND, "the image has no apk database (%s)",
                            installed_path);
    if (result != WH_OK)
        return result;

    const char *line = data;
    int line_number = 1;
    while (result == WH_OK && line < data + size) {
        size_t length = strcspn(line, "\n");
        if (length == 0) {
            end_record(out, &record);
        } else if (length >= 2 && line[1] == ':') {
            result = apply_line(out, &record, line_number, line[0], line + 2, length - 2, err);
        } else if (record.pkg == NULL) {
            record.skipped = record.skipped ? record.skipped : line_number;
        } else {
            whc_pkgdb_warn(out, "%s: line %d: ignored a line that is not KEY:VALUE",
                           installed_path, line_number);
        }
        line += length;
        if (line < data + size)
            line++;
        line_number++;
    }
    end_record(out, &record);
    free(data);
    return result;
}
