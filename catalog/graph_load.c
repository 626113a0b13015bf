#include "graph_load.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char components_sql[] =
    "SELECT id, name, version, architecture, kind, origin_sha256, origin_format"
    " FROM components ORDER BY id";
static const char files_sql[] =
    "SELECT component_id, path, type, mode, uid, gid, size, sha256, target, flags,"
    " interpreter, interpreter_arg, soname, runpath, rpath, multicall"
    " FROM files ORDER BY component_id, path";
static const char needed_sql[] =
    "SELECT component_id, path, soname FROM needed ORDER BY component_id, path, position";
static const char relations_sql[] =
    "SELECT component_id, kind, group_index, alternative, name, op, version"
    " FROM relations ORDER BY component_id, kind, group_index, alternative";

/* A query and whether its cursor still has a row. */
typedef struct cursor {
    sqlite3_stmt *statement;
    int has_row;
} cursor;

typedef struct loader {
    whc_catalog *catalog;
    wh_graph *graph;
    cursor components, files, needed, relations;

    /* The current file's DT_NEEDED sonames, NUL-terminated one after another in needed_text. */
    char *needed_text;
    size_t needed_text_used, needed_text_capacity;
    size_t *needed_offsets;
    char **needed_list;
    size_t needed_count, needed_capacity;
} loader;

static const char *text(sqlite3_stmt *statement, int column)
{
    return (const char *)sqlite3_column_text(statement, column);
}

static wh_status step(loader *l, cursor *c, wh_error *err)
{
    int rc = sqlite3_step(c->statement);
    c->has_row = rc == SQLITE_ROW;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return whc_db_error(l->catalog, err, WH_ERR_DATABASE, "loading the component graph");
    return WH_OK;
}

static wh_status open_cursor(loader *l, cursor *c, const char *sql, wh_error *err)
{
    if (sqlite3_prepare_v2(l->catalog->db, sql, -1, &c->statement, NULL) != SQLITE_OK)
        return whc_db_error(l->catalog, err, WH_ERR_DATABASE, "preparing the component graph query");
    return step(l, c, err);
}

static wh_status out_of_memory(wh_error *err)
{
    return wh_error_set(err, WH_ERR_NOMEM, "out of memory loading the catalog");
}

/* Appends one soname to the current file's list, reusing the buffers from file to file. */
static wh_status append_needed(loader *l, const char *soname, size_t length, wh_error *err)
{
    if (l->needed_count == l->needed_capacity) {
        size_t capacity = l->needed_capacity ? l->needed_capacity * 2 : 8;
        size_t *offsets = realloc(l->needed_offsets, capacity * sizeof(*offsets));
        if (offsets == NULL)
            return out_of_memory(err);
        l->needed_offsets = offsets;
        char **list = realloc(l->needed_list, capacity * sizeof(*list));
        if (list == NULL)
            return out_of_memory(err);
        l->needed_list = list;
        l->needed_capacity = capacity;
    }
    if (l->needed_text_capacity - l->needed_text_used < length + 1) {
        size_t capacity = l->needed_text_capacity ? l->needed_text_capacity : 256;
        while (capacity - l->needed_text_used < length + 1)
            capacity *= 2;
        char *text = realloc(l->needed_text, capacity);
        if (text == NULL)
            return out_of_memory(err);
        l->needed_text = text;
        l->needed_text_capacity = capacity;
    }

    memcpy(l->needed_text + l->needed_text_used, soname, length);
    l->needed_text[l->needed_text_used + length] = '\0';
    l->needed_offsets[l->needed_count++] = l->needed_text_used;
    l->needed_text_used += length + 1;
    return WH_OK;
}

/* Collects the DT_NEEDED sonames of (component, path); the cursor is sorted the same way. */
static wh_status collect_needed(loader *l, int64_t component, const char *path, wh_error *err)
{
    l->needed_count = 0;
    l->needed_text_used = 0;
    cursor *c = &l->needed;
    while (c->has_row) {
        int64_t row_component = sqlite3_column_int64(c->statement, 0);
        int order = row_component < component ? -1
                    : row_component > component ? 1 : strcmp(text(c->statement, 1), path);
        if (order > 0)
            break;
        if (order == 0) {
            const char *soname = text(c->statement, 2);
            size_t length = (size_t)sqlite3_column_bytes(c->statement, 2);
            wh_status status = append_needed(l, soname ? soname : "", length, err);
            if (status != WH_OK)
                return status;
        }
        wh_status status = step(l, c, err);
        if (status != WH_OK)
            return status;
    }

    /* The text buffer may have moved while growing, so the pointers are set only now. */
    for (size_t i = 0; i < l->needed_count; i++)
        l->needed_list[i] = l->needed_text + l->needed_offsets[i];
    return WH_OK;
}

static wh_status load_file(loader *l, int64_t component, wh_error *err)
{
    sqlite3_stmt *s = l->files.statement;
    const char *path = text(s, 1);
    wh_status status = collect_needed(l, component, path, err);
    if (status != WH_OK)
        return status;

    wh_file_type type = WH_FILE_REGULAR;
    wh_file_type_parse(text(s, 2), &type);
    wh_classification c = {
        .flags = (unsigned)sqlite3_column_int64(s, 9),
        .interpreter = (char *)text(s, 10),
        .interpreter_arg = (char *)text(s, 11),
        .needed = l->needed_list,
        .needed_count = l->needed_count,
        .soname = (char *)text(s, 12),
        .runpath = (char *)text(s, 13),
        .rpath = (char *)text(s, 14),
        .multicall = (char *)text(s, 15),
    };
    wh_file_input input = {
        .path = path,
        .type = type,
        .mode = (unsigned)sqlite3_column_int64(s, 3),
        .uid = sqlite3_column_int64(s, 4),
        .gid = sqlite3_column_int64(s, 5),
        .size = sqlite3_column_int64(s, 6),
        .sha256 = text(s, 7),
        .target = text(s, 8),
        .has_capabilities = (c.flags & WH_FLAG_CAPABILITIES) != 0,
        .classification = &c,
    };
    return wh_graph_add_file(l->graph, &input, err);
}

static int parse_relation_kind(const char *name, wh_relation_kind *out)
{
    for (int kind = 0; kind < WH_REL_KIND_COUNT; kind++) {
        if (strcmp(wh_relation_kind_name((wh_relation_kind)kind), name) == 0) {
            *out = (wh_relation_kind)kind;
            return 0;
        }
    }
    return -1;
}

static wh_status load_component(loader *l, wh_error *err)
{
    sqlite3_stmt *s = l->components.statement;
    int64_t id = sqlite3_column_int64(s, 0);
    const char *format = text(s, 6);
    wh_kind kind = WH_KIND_UTILITY;
    wh_kind_parse(text(s, 4), &kind);
    wh_component_input input = { text(s, 1), text(s, 2), text(s, 3), kind, text(s, 5),
                                 format && strcmp(format, "apk") == 0 ? WH_SCHEME_APK
                                                                      : WH_SCHEME_DEBIAN };
    wh_status status = wh_graph_add_component(l->graph, &input, NULL, err);

    /* Rows of components that no longer exist cannot occur (foreign keys); skip them anyway. */
    while (status == WH_OK && l->files.has_row && sqlite3_column_int64(l->files.statement, 0) <= id) {
        if (sqlite3_column_int64(l->files.statement, 0) == id)
            status = load_file(l, id, err);
        if (status == WH_OK)
            status = step(l, &l->files, err);
    }

    while (status == WH_OK && l->relations.has_row
           && sqlite3_column_int64(l->relations.statement, 0) <= id) {
        sqlite3_stmt *r = l->relations.statement;
        wh_relation_kind relation_kind;
        if (sqlite3_column_int64(r, 0) == id && parse_relation_kind(text(r, 1), &relation_kind) == 0) {
            wh_relation_input relation = { relation_kind, sqlite3_column_int(r, 2),
                                           sqlite3_column_int(r, 3), text(r, 4), text(r, 5),
                                           text(r, 6) };
            status = wh_graph_add_relation(l->graph, &relation, err);
        }
        if (status == WH_OK)
            status = step(l, &l->relations, err);
    }
    return status;
}

wh_status whc_graph_load(whc_catalog *catalog, wh_graph *graph, wh_error *err)
{
    loader l = { .catalog = catalog, .graph = graph };
    wh_status result;

    /* One read transaction, so the four queries see the same catalog. */
    if ((result = whc_exec(catalog, "BEGIN", "starting to load the component graph", err)) != WH_OK)
        return result;

    if ((result = open_cursor(&l, &l.components, components_sql, err)) != WH_OK
        || (result = open_cursor(&l, &l.files, files_sql, err)) != WH_OK
        || (result = open_cursor(&l, &l.needed, needed_sql, err)) != WH_OK
        || (result = open_cursor(&l, &l.relations, relations_sql, err)) != WH_OK)
        goto out;

    while (l.components.has_row) {
        if ((result = load_component(&l, err)) != WH_OK
            || (result = step(&l, &l.components, err)) != WH_OK)
            goto out;
    }

out:
    sqlite3_finalize(l.components.statement);
    sqlite3_finalize(l.files.statement);
    sqlite3_finalize(l.needed.statement);
    sqlite3_finalize(l.relations.statement);
    free(l.needed_text);
    free(l.needed_offsets);
    free(l.needed_list);
    whc_exec(catalog, "COMMIT", "finishing loading the component graph", NULL);

    /* The page cache now contains pages of tables that are read once, so free it. */
    sqlite3_db_release_memory(catalog->db);
    return result;
}
