/*
 * Reading the catalog: components, their files with classification and
 * xattrs, and their declared relations. Each function copies what it reads
 * into structures that the caller owns.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define COMPONENT_COLUMNS                                                                     \
    "SELECT c.id, c.name, c.version, c.architecture, c.kind, c.license, c.summary,"          \
    " c.origin_path, c.origin_sha256, c.origin_format,"                                      \
    " (SELECT count(*) FROM files f WHERE f.component_id = c.id),"                           \
    " (SELECT coalesce(sum(f.size), 0) FROM files f"                                         \
    "   WHERE f.component_id = c.id AND f.type = 'regular')"                                  \
    " FROM components c"

/* Copies column index of the current row, keeping SQL NULL as NULL. */
static char *column_text(sqlite3_stmt *statement, int index, int *failed)
{
    return whc_strdup_or_null((const char *)sqlite3_column_text(statement, index), failed);
}

static wh_status read_component(whc_catalog *catalog, sqlite3_stmt *row, whc_component *out,
                                wh_error *err)
{
    int failed = 0;
    memset(out, 0, sizeof(*out));
    out->id = sqlite3_column_int64(row, 0);
    out->name = column_text(row, 1, &failed);
    out->version = column_text(row, 2, &failed);
    out->architecture = column_text(row, 3, &failed);

    wh_kind kind = WH_KIND_UTILITY;
    const char *kind_name = (const char *)sqlite3_column_text(row, 4);
    if (kind_name == NULL || wh_kind_parse(kind_name, &kind) != 0) {
        whc_component_clear(out);
        return wh_error_set(err, WH_ERR_DATABASE,
                            "catalog %s: component %lld has unknown kind '%s'",
                            catalog->db_path, (long long)sqlite3_column_int64(row, 0),
                            kind_name ? kind_name : "(null)");
    }
    out->kind = kind;

    out->license = column_text(row, 5, &failed);
    out->summary = column_text(row, 6, &failed);
    out->origin_path = column_text(row, 7, &failed);
    out->origin_sha256 = column_text(row, 8, &failed);
    out->origin_format = column_text(row, 9, &failed);
    out->file_count = sqlite3_column_int64(row, 10);
    out->total_size = sqlite3_column_int64(row, 11);
    if (failed) {
        whc_component_clear(out);
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading catalog %s",
                            catalog->db_path);
    }
    return WH_OK;
}

wh_status whc_list_components(whc_catalog *catalog, int kind, whc_component **out,
                              size_t *count, wh_error *err)
{
    wh_status result = WH_OK;
    sqlite3_stmt *statement = NULL;
    whc_component *components = NULL;
    size_t used = 0, capacity = 0;
    *out = NULL;
    *count = 0;

    if (kind >= 0 && wh_kind_name((wh_kind)kind) == NULL)
        return wh_error_set(err, WH_ERR_INVALID, "component kind %d is invalid", kind);

    const char *sql = COMPONENT_COLUMNS " WHERE ?1 IS NULL OR c.kind = ?1"
                      " ORDER BY c.name, c.version COLLATE whc_version, c.architecture";
    if (sqlite3_prepare_v2(catalog->db, sql, -1, &statement, NULL) != SQLITE_OK) {
        result = whc_db_error(catalog, err, WH_ERR_DATABASE, "listing components");
        goto out;
    }
    if (kind >= 0)
        sqlite3_bind_text(statement, 1, wh_kind_name((wh_kind)kind), -1, SQLITE_STATIC);

    int code;
    while ((code = sqlite3_step(statement)) == SQLITE_ROW) {
        if (used == capacity) {
            capacity = capacity ? capacity * 2 : 32;
            whc_component *grown = realloc(components, capacity * sizeof(*grown));
            if (grown == NULL) {
                result = wh_error_set(err, WH_ERR_NOMEM, "out of memory listing components");
                goto out;
            }
            components = grown;
        }
        result = read_component(catalog, statement, &components[used], err);
        if (result != WH_OK)
            goto out;
        used++;
    }
    if (code != SQLITE_DONE)
        result = whc_db_error(catalog, err, WH_ERR_DATABASE, "listing components");

out:
    sqlite3_finalize(statement);
    if (result != WH_OK) {
        whc_components_free(components, used);
        return result;
    }
    *out = components;
    *count = used;
    return WH_OK;
}

wh_status whc_find_component(whc_catalog *catalog, const char *name, const char *version,
                             whc_component *out, wh_error *err)
{
    wh_status result = WH_OK;
    sqlite3_stmt *statement = NULL;
    memset(out, 0, sizeof(*out));

    const char *sql = COMPONENT_COLUMNS " WHERE c.name = ?1 AND (?2 IS NULL OR c.version = ?2)"
                      " ORDER BY c.version COLLATE whc_version DESC, c.architecture LIMIT 1";
    if (sqlite3_prepare_v2(catalog->db, sql, -1, &statement, NULL) != SQLITE_OK) {
        result = whc_db_error(catalog, err, WH_ERR_DATABASE, "finding a component");
        goto out;
    }
    sqlite3_bind_text(statement, 1, name, -1, SQLITE_STATIC);
    if (version != NULL)
        sqlite3_bind_text(statement, 2, version, -1, SQLITE_STATIC);

    int code = sqlite3_step(statement);
    if (code == SQLITE_ROW)
        result = read_component(catalog, statement, out, err);
    else if (code == SQLITE_DONE && version != NULL)
        result = wh_error_set(err, WH_ERR_NOT_FOUND,
                              "component '%s@%s' not found in catalog %s", name, version,
                              catalog->db_path);
    else if (code == SQLITE_DONE)
        result = wh_error_set(err, WH_ERR_NOT_FOUND, "component '%s' not found in catalog %s",
                              name, catalog->db_path);
    else
        result = whc_db_error(catalog, err, WH_ERR_DATABASE, "finding a component");

out:
    sqlite3_finalize(statement);
    return result;
}

wh_status whc_component_count(whc_catalog *catalog, int64_t *out, wh_error *err)
{
    sqlite3_stmt *statement = NULL;
    *out = 0;
    if (sqlite3_prepare_v2(catalog->db, "SELECT count(*) FROM components", -1, &statement,
                           NULL) != SQLITE_OK
        || sqlite3_step(statement) != SQLITE_ROW) {
        sqlite3_finalize(statement);
        return whc_db_error(catalog, err, WH_ERR_DATABASE, "counting components");
    }
    *out = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return WH_OK;
}

/* ---- Relations -------------------------------------------------------- */

static int compare_relations(const void *a, const void *b)
{
    const whc_relation *x = a, *y = b;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->group != y->group)
        return x->group < y->group ? -1 : 1;
    return (x->alternative > y->alternative) - (x->alternative < y->alternative);
}

wh_status whc_component_relations(whc_catalog *catalog, int64_t component_id,
                                  whc_relation **out, size_t *count, wh_error *err)
{
    wh_status result = WH_OK;
    sqlite3_stmt *statement = NULL;
    whc_relation *relations = NULL;
    size_t used = 0, capacity = 0;
    *out = NULL;
    *count = 0;

    const char *sql = "SELECT kind, group_index, alternative, name, op, version, arch_qualifier"
                      " FROM relations WHERE component_id = ?1";
    if (sqlite3_prepare_v2(catalog->db, sql, -1, &statement, NULL) != SQLITE_OK) {
        result = whc_db_error(catalog, err, WH_ERR_DATABASE, "reading relations");
        goto out;
    }
    sqlite3_bind_int64(statement, 1, component_id);

    int code;
    while ((code = sqlite3_step(statement)) == SQLITE_ROW) {
        if (used == capacity) {
            capacity = capacity ? capacity * 2 : 16;
            whc_relation *grown = realloc(relations, capacity * sizeof(*grown));
            if (grown == NULL) {
                result = wh_error_set(err, WH_ERR_NOMEM, "out of memory reading relations");
                goto out;
            }
            relations = grown;
        }
        whc_relation *relation = &relations[used];
        memset(relation, 0, sizeof(*relation));
        used++;

        const char *kind = (const char *)sqlite3_column_text(statement, 0);
        if (kind == NULL || whc_relation_kind_parse(kind, &relation->kind) != 0) {
            result = wh_error_set(err, WH_ERR_DATABASE,
                                  "catalog %s: component %lld has unknown relation kind '%s'",
                                  catalog->db_path, (long long)component_id,
                                  kind ? kind : "(null)");
            goto out;
        }
        int failed = 0;
        relation->group = sqlite3_column_int(statement, 1);
        relation->alternative = sqlite3_column_int(statement, 2);
        relation->name = column_text(statement, 3, &failed);
        relation->op = column_text(statement, 4, &failed);
        relation->version = column_text(statement, 5, &failed);
        relation->arch_qualifier = column_text(statement, 6, &failed);
        if (failed) {
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory reading relations");
            goto out;
        }
    }
    if (code != SQLITE_DONE)
        result = whc_db_error(catalog, err, WH_ERR_DATABASE, "reading relations");

out:
    sqlite3_finalize(statement);
    if (result != WH_OK) {
        whc_relations_free(relations, used);
        return result;
    }
    if (used > 1)
        qsort(relations, used, sizeof(*relations), compare_relations);
    *out = relations;
    *count = used;
    return WH_OK;
}

/* ---- Freeing ---------------------------------------------------------- */

void whc_component_clear(whc_component *component)
{
    if (component == NULL)
        return;
    free(component->name);
    free(component->version);
    free(component->architecture);
    free(component->license);
    free(component->summary);
    free(component->origin_path);
    free(component->origin_sha256);
    free(component->origin_format);
    memset(component, 0, sizeof(*component));
}

void whc_components_free(whc_component *components, size_t count)
{
    if (components == NULL)
        return;
    for (size_t i = 0; i < count; i++)
        whc_component_clear(&components[i]);
    free(components);
}

void whc_relations_free(whc_relation *relations, size_t count)
{
    if (relations == NULL)
        return;
    for (size_t i = 0; i < count; i++) {
        free(relations[i].name);
        free(relations[i].op);
        free(relations[i].version);
        free(relations[i].arch_qualifier);
    }
    free(relations);
}
