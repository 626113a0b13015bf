/*
 * Imports: one BEGIN IMMEDIATE transaction per import, so a second writer
 * waits (up to the busy timeout) instead of failing halfway, and readers
 * keep seeing the last committed catalog until COMMIT.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob_queue.h"
#include "internal.h"

static const char *const statement_sql[STMT_COUNT] = {
    [STMT_FIND_ORIGIN] =
        "SELECT name, version FROM components WHERE origin_sha256 = ?1",
    [STMT_FIND_NAME_VERSION] =
        "SELECT origin_path FROM components"
        " WHERE name = ?1 AND version = ?2 AND architecture = ?3",
    [STMT_INSERT_COMPONENT] =
        "INSERT INTO components (name, version, architecture, kind, license, summary,"
        " origin_path, origin_sha256, origin_format)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [STMT_INSERT_FILE] =
        "INSERT INTO files (component_id, path, type, mode, uid, gid, size, sha256, target,"
        " rdev, flags, interpreter, interpreter_arg, soname, runpath, rpath, multicall)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    [STMT_INSERT_NEEDED] =
        "INSERT INTO needed (component_id, path, position, soname) VALUES (?1, ?2, ?3, ?4)",
    [STMT_INSERT_XATTR] =
        "INSERT INTO xattrs (component_id, path, name, value) VALUES (?1, ?2, ?3, ?4)",
    [STMT_INSERT_RELATION] =
        "INSERT INTO relations (component_id, kind, group_index, alternative, name, op,"
        " version, arch_qualifier) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
};

static const char *const relation_kind_names[WHC_REL_KIND_COUNT] = {
    "depends", "pre-depends", "recommends", "provides", "conflicts", "breaks", "replaces",
};

static const char *const relation_ops[] = { "<<", "<=", "=", ">=", ">>", "<", ">", "~" };

const char *whc_relation_kind_name(whc_relation_kind kind)
{
    if ((unsigned)kind >= WHC_REL_KIND_COUNT)
        return NULL;
    return relation_kind_names[kind];
}

int whc_relation_kind_parse(const char *name, whc_relation_kind *out)
{
    for (int i = 0; i < WHC_REL_KIND_COUNT; i++) {
        if (strcmp(relation_kind_names[i], name) == 0) {
            *out = (whc_relation_kind)i;
            return 0;
        }
    }
    return -1;
}

/* Binds a string, or NULL for a NULL pointer; SQLite copies it. */
static void bind_text(sqlite3_stmt *statement, int index, const char *text)
{
    if (text == NULL)
        sqlite3_bind_null(statement, index);
    else
        sqlite3_bind_text(statement, index, text, -1, SQLITE_TRANSIENT);
}

/* Steps a statement that returns no rows, then resets it for reuse. */
static int step_done(sqlite3_stmt *statement)
{
    int code = sqlite3_step(statement);
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
    return code;
}

wh_status whc_import_begin(whc_catalog *catalog, whc_import **out, wh_error *err)
{
    wh_status result = WH_OK;
    *out = NULL;
    if (catalog->import != NULL) {
        return wh_error_set(err, WH_ERR_INVALID,
                            "catalog %s already has an import in progress on this "
                            "connection; commit or abort it first", catalog->db_path);
    }

    whc_import *import = calloc(1, sizeof(*import));
    if (import == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory starting an import");
    import->catalog = catalog;
    import->blobs_unflushed = 1; /* until a flush on the writer thread covers them */

    for (int i = 0; i < STMT_COUNT; i++) {
        if (sqlite3_prepare_v3(catalog->db, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &import->statements[i], NULL) != SQLITE_OK) {
            result = whc_db_error(catalog, err, WH_ERR_DATABASE, "preparing the import");
            goto out;
        }
    }

    result = whc_exec(catalog, "BEGIN IMMEDIATE", "starting an import", err);

out:
    if (result != WH_OK) {
        for (int i = 0; i < STMT_COUNT; i++)
            sqlite3_finalize(import->statements[i]);
        free(import);
        return result;
    }
    catalog->import = import;
    *out = import;
    return WH_OK;
}

static wh_status check_component(const whc_component_info *info, wh_error *err)
{
    if (info->name == NULL || info->name[0] == '\0')
        return wh_error_set(err, WH_ERR_INVALID, "component from %s has no name",
                            info->origin_path ? info->origin_path : "(unknown origin)");
    if (info->version == NULL)
        return wh_error_set(err, WH_ERR_INVALID, "component %s has no version", info->name);
    if (wh_kind_name(info->kind) == NULL)
        return wh_error_set(err, WH_ERR_INVALID, "component %s has invalid kind %d",
                            info->name, (int)info->kind);
    if (info->origin_path == NULL || info->origin_format == NULL)
        return wh_error_set(err, WH_ERR_INVALID, "component %s has no origin path or format",
                            info->name);
    if (!wh_sha256_hex_valid(info->origin_sha256))
        return wh_error_set(err, WH_ERR_INVALID,
                            "component %s has origin sha256 '%s'; expected 64 lowercase "
                            "hex digits", info->name,
                            info->origin_sha256 ? info->origin_sha256 : "(null)");
    return WH_OK;
}

/* Returns WH_ERR_EXISTS or WH_ERR_INVALID when info clashes with a stored component. */
static wh_status check_duplicates(whc_import *import, const whc_component_info *info,
                                  const char *architecture, wh_error *err)
{
    wh_status result = WH_OK;
    sqlite3_stmt *origin = import->statements[STMT_FIND_ORIGIN];
    bind_text(origin, 1, info->origin_sha256);
    int code = sqlite3_step(origin);
    if (code == SQLITE_ROW) {
        result = wh_error_set(err, WH_ERR_EXISTS,
                              "%s (sha256 %s) is already in catalog %s as %s %s",
                              info->origin_path, info->origin_sha256, import->catalog->db_path,
                              (const char *)sqlite3_column_text(origin, 0),
                              (const char *)sqlite3_column_text(origin, 1));
    } else if (code != SQLITE_DONE) {
        result = whc_db_error(import->catalog, err, WH_ERR_DATABASE, "looking up an origin");
    }
    sqlite3_reset(origin);
    if (result != WH_OK)
        return result;

    sqlite3_stmt *same = import->statements[STMT_FIND_NAME_VERSION];
    bind_text(same, 1, info->name);
    bind_text(same, 2, info->version);
    bind_text(same, 3, architecture);
    code = sqlite3_step(same);
    if (code == SQLITE_ROW) {
        result = wh_error_set(err, WH_ERR_INVALID,
                              "%s %s (%s) from %s is already in catalog %s, imported from "
                              "%s with different content; rename or remove one of them",
                              info->name, info->version,
                              architecture[0] ? architecture : "no architecture",
                              info->origin_path, import->catalog->db_path,
                              (const char *)sqlite3_column_text(same, 0));
    } else if (code != SQLITE_DONE) {
        result = whc_db_error(import->catalog, err, WH_ERR_DATABASE, "looking up a component");
    }
    sqlite3_reset(same);
    return result;
}

wh_status whc_import_component(whc_import *import, const whc_component_info *info,
                               wh_error *err)
{
    const char *architecture = info->architecture ? info->architecture : "";
    wh_status result = check_component(info, err);
    if (result != WH_OK)
        return result;
    result = check_duplicates(import, info, architecture, err);
    if (result != WH_OK)
        return result;

    sqlite3_stmt *insert = import->statements[STMT_INSERT_COMPONENT];
    bind_text(insert, 1, info->name);
    bind_text(insert, 2, info->version);
    bind_text(insert, 3, architecture);
    bind_text(insert, 4, wh_kind_name(info->kind));
    bind_text(insert, 5, info->license);
    bind_text(insert, 6, info->summary);
    bind_text(insert, 7, info->origin_path);
    bind_text(insert, 8, info->origin_sha256);
    bind_text(insert, 9, info->origin_format);
    if (step_done(insert) != SQLITE_DONE)
        return whc_db_error(import->catalog, err, WH_ERR_DATABASE, "inserting a component");

    import->component_id = sqlite3_last_insert_rowid(import->catalog->db);
    free(import->component_label);
    if (asprintf(&import->component_label, "%s %s", info->name, info->version) < 0) {
        import->component_label = NULL;
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory importing %s", info->name);
    }
    return WH_OK;
}

/*
 * Once the rows of an import begin, its blobs are usually all written: the
 * writer thread flushes them to disk while the rows are inserted, so that
 * whc_import_commit need not flush again unless more blobs follow. Nothing
 * is queued while a blob writer is still open, because its rename would
 * come after the flush.
 */
static wh_status start_flush(whc_import *import, wh_error *err)
{
    if (import->blob_queue == NULL || !import->blobs_unflushed || import->open_writers > 0)
        return WH_OK;
    wh_status result = whc_blob_queue_flush(import->blob_queue, err);
    if (result == WH_OK)
        import->blobs_unflushed = 0;
    return result;
}

/* Checks a file record against the rules in catalog.h before it is stored. */
static wh_status check_file(whc_import *import, const whc_file_record *file, wh_error *err)
{
    const char *label = import->component_label;
    if (import->component_id == 0)
        return wh_error_set(err, WH_ERR_INVALID,
                            "file %s has no component; call whc_import_component first",
                            file->path ? file->path : "(null)");
    if (file->path == NULL || file->path[0] != '/' || file->path[1] == '\0')
        return wh_error_set(err, WH_ERR_INVALID,
                            "%s: file path '%s' is invalid; expected an absolute path "
                            "other than /", label, file->path ? file->path : "(null)");
    if (wh_file_type_name(file->type) == NULL)
        return wh_error_set(err, WH_ERR_INVALID, "%s: file %s has invalid type %d", label,
                            file->path, (int)file->type);
    if ((file->type == WH_FILE_SYMLINK || file->type == WH_FILE_HARDLINK)
        && (file->target == NULL || file->target[0] == '\0'))
        return wh_error_set(err, WH_ERR_INVALID, "%s: link %s has no target", label,
                            file->path);
    if (file->type != WH_FILE_REGULAR)
        return WH_OK;

    /* A regular file's content must already be in the store, at its size. */
    if (!wh_sha256_hex_valid(file->sha256))
        return wh_error_set(err, WH_ERR_INVALID,
                            "%s: regular file %s has sha256 '%s'; expected 64 lowercase "
                            "hex digits", label, file->path,
                            file->sha256 ? file->sha256 : "(null)");
    wh_status result = whc_blob_settle(import->catalog, err);
    if (result == WH_OK)
        result = start_flush(import, err);
    if (result != WH_OK)
        return result;
    char *blob = whc_blob_path(import->catalog, file->sha256);
    if (blob == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory importing %s", file->path);
    struct stat st;
    if (stat(blob, &st) != 0)
        result = wh_error_set(err, WH_ERR_NOT_FOUND,
                              "%s: content of %s is not in the store (%s missing); write "
                              "it with whc_blob_* first", label, file->path, blob);
    else if ((int64_t)st.st_size != file->size)
        result = wh_error_set(err, WH_ERR_DIGEST,
                              "%s: %s has size %lld but blob %s has %lld bytes", label,
                              file->path, (long long)file->size, blob,
                              (long long)st.st_size);
    free(blob);
    return result;
}

static wh_status insert_file_details(whc_import *import, const whc_file_record *file,
                                     wh_error *err)
{
    const wh_classification *c = file->classification;
    sqlite3_stmt *needed = import->statements[STMT_INSERT_NEEDED];
    for (size_t i = 0; c != NULL && i < c->needed_count; i++) {
        sqlite3_bind_int64(needed, 1, import->component_id);
        bind_text(needed, 2, file->path);
        sqlite3_bind_int64(needed, 3, (int64_t)i);
        bind_text(needed, 4, c->needed[i]);
        if (step_done(needed) != SQLITE_DONE)
            return whc_db_error(import->catalog, err, WH_ERR_DATABASE,
                                "inserting the needed sonames");
    }

    sqlite3_stmt *xattr = import->statements[STMT_INSERT_XATTR];
    for (size_t i = 0; i < file->xattr_count; i++) {
        sqlite3_bind_int64(xattr, 1, import->component_id);
        bind_text(xattr, 2, file->path);
        bind_text(xattr, 3, file->xattrs[i].name);
        sqlite3_bind_blob64(xattr, 4, file->xattrs[i].size ? (const void *)file->xattrs[i].value : "",
                            file->xattrs[i].size, SQLITE_TRANSIENT);
        if (step_done(xattr) != SQLITE_DONE)
            return whc_db_error(import->catalog, err, WH_ERR_DATABASE, "inserting an xattr");
    }
    return WH_OK;
}

wh_status whc_import_file(whc_import *import, const whc_file_record *file, wh_error *err)
{
    wh_status result = check_file(import, file, err);
    if (result != WH_OK)
        return result;

    const wh_classification *c = file->classification;
    sqlite3_stmt *insert = import->statements[STMT_INSERT_FILE];
    sqlite3_bind_int64(insert, 1, import->component_id);
    bind_text(insert, 2, file->path);
    bind_text(insert, 3, wh_file_type_name(file->type));
    sqlite3_bind_int64(insert, 4, file->mode);
    sqlite3_bind_int64(insert, 5, file->uid);
    sqlite3_bind_int64(insert, 6, file->gid);
    sqlite3_bind_int64(insert, 7, file->size);
    bind_text(insert, 8, file->type == WH_FILE_REGULAR ? file->sha256 : NULL);
    bind_text(insert, 9, file->target);
    sqlite3_bind_int64(insert, 10, (sqlite3_int64)file->rdev);
    sqlite3_bind_int64(insert, 11, c ? c->flags : 0);
    bind_text(insert, 12, c ? c->interpreter : NULL);
    bind_text(insert, 13, c ? c->interpreter_arg : NULL);
    bind_text(insert, 14, c ? c->soname : NULL);
    bind_text(insert, 15, c ? c->runpath : NULL);
    bind_text(insert, 16, c ? c->rpath : NULL);
    bind_text(insert, 17, c ? c->multicall : NULL);

    int code = step_done(insert);
    if (code == SQLITE_CONSTRAINT_PRIMARYKEY)
        return wh_error_set(err, WH_ERR_INVALID, "%s: file %s is listed twice",
                            import->component_label, file->path);
    if (code != SQLITE_DONE) {
        char doing[512];
        snprintf(doing, sizeof(doing), "inserting file %s", file->path);
        return whc_db_error(import->catalog, err, WH_ERR_DATABASE, doing);
    }
    return insert_file_details(import, file, err);
}

static int op_valid(const char *op)
{
    for (size_t i = 0; i < sizeof(relation_ops) / sizeof(relation_ops[0]); i++) {
        if (strcmp(relation_ops[i], op) == 0)
            return 1;
    }
    return 0;
}

wh_status whc_import_relation(whc_import *import, const whc_relation_record *relation,
                              wh_error *err)
{
    const char *label = import->component_label;
    if (import->component_id == 0)
        return wh_error_set(err, WH_ERR_INVALID,
                            "relation has no component; call whc_import_component first");
    if (whc_relation_kind_name(relation->kind) == NULL)
        return wh_error_set(err, WH_ERR_INVALID, "%s: relation kind %d is invalid", label,
                            (int)relation->kind);
    if (relation->name == NULL || relation->name[0] == '\0')
        return wh_error_set(err, WH_ERR_INVALID, "%s: %s relation has no name", label,
                            whc_relation_kind_name(relation->kind));
    if (relation->op != NULL && (!op_valid(relation->op) || relation->version == NULL))
        return wh_error_set(err, WH_ERR_INVALID,
                            "%s: relation on %s has operator '%s' and version '%s'; expected "
                            "one of << <= = >= >> < > ~ with a version", label, relation->name,
                            relation->op, relation->version ? relation->version : "(null)");

    sqlite3_stmt *insert = import->statements[STMT_INSERT_RELATION];
    sqlite3_bind_int64(insert, 1, import->component_id);
    bind_text(insert, 2, whc_relation_kind_name(relation->kind));
    sqlite3_bind_int(insert, 3, relation->group);
    sqlite3_bind_int(insert, 4, relation->alternative);
    bind_text(insert, 5, relation->name);
    bind_text(insert, 6, relation->op);
    bind_text(insert, 7, relation->op ? relation->version : NULL);
    bind_text(insert, 8, relation->arch_qualifier);

    int code = step_done(insert);
    if (code == SQLITE_CONSTRAINT_PRIMARYKEY)
        return wh_error_set(err, WH_ERR_INVALID,
                            "%s: %s relation group %d alternative %d is listed twice", label,
                            whc_relation_kind_name(relation->kind), relation->group,
                            relation->alternative);
    if (code != SQLITE_DONE)
        return whc_db_error(import->catalog, err, WH_ERR_DATABASE, "inserting a relation");
    return WH_OK;
}

wh_status whc_import_track_blob(whc_import *import, const char *sha256_hex, wh_error *err)
{
    if (import->added_count == import->added_capacity) {
        size_t capacity = import->added_capacity ? import->added_capacity * 2 : 64;
        char **grown = realloc(import->added_blobs, capacity * sizeof(*grown));
        if (grown == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory tracking blob %s",
                                sha256_hex);
        import->added_blobs = grown;
        import->added_capacity = capacity;
    }
    import->added_blobs[import->added_count] = strdup(sha256_hex);
    if (import->added_blobs[import->added_count] == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory tracking blob %s", sha256_hex);
    import->added_count++;
    return WH_OK;
}

/*
 * Removes the blobs this import created, after the rollback. A blob that a
 * committed file row references stays: it arrived through another import
 * between this one's write and its abort.
 */
static void remove_added_blobs(whc_import *import)
{
    whc_catalog *catalog = import->catalog;
    sqlite3_stmt *referenced = NULL;
    if (sqlite3_prepare_v2(catalog->db, "SELECT 1 FROM files WHERE sha256 = ?1 LIMIT 1", -1,
                           &referenced, NULL) != SQLITE_OK)
        return; /* NOTE: keeping blobs is safe; an unreferenced blob only costs space */

    for (size_t i = 0; i < import->added_count; i++) {
        bind_text(referenced, 1, import->added_blobs[i]);
        int code = sqlite3_step(referenced);
        sqlite3_reset(referenced);
        if (code != SQLITE_DONE)
            continue;
        char *path = whc_blob_path(catalog, import->added_blobs[i]);
        if (path != NULL)
            unlink(path);
        free(path);
    }
    sqlite3_finalize(referenced);
}

static void free_import(whc_import *import)
{
    whc_blob_queue_stop(import->blob_queue, 1);
    for (int i = 0; i < STMT_COUNT; i++)
        sqlite3_finalize(import->statements[i]);
    for (size_t i = 0; i < import->added_count; i++)
        free(import->added_blobs[i]);
    free(import->added_blobs);
    free(import->component_label);
    import->catalog->import = NULL;
    free(import);
}

/*
 * Flushes the blob store to disk before COMMIT, because whc_blob_commit
 * leaves that to the import and a committed row must never point at content
 * that a crash could lose. Runs unless the writer thread flushed after the
 * last blob the import began, which covers the blobs it wrote over
 * unreferenced copies too. One syncfs costs one cache flush, where an fsync
 * per blob costs one each, but it also flushes the other dirty files of
 * that file system.
 */
static wh_status sync_blob_store(whc_import *import, wh_error *err)
{
    const char *folder = import->catalog->blob_sha_dir;
    int fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || syncfs(fd) != 0) {
        wh_status result = wh_error_set(err, WH_ERR_IO, "cannot flush the blob store %s to "
                                        "disk: %s; the import was rolled back", folder,
                                        strerror(errno));
        if (fd >= 0)
            close(fd);
        return result;
    }
    close(fd);
    return WH_OK;
}

wh_status whc_import_commit(whc_import *import, wh_error *err)
{
    whc_catalog *catalog = import->catalog;
    wh_status result = WH_OK;
    if (import->blob_queue != NULL)
        result = whc_blob_queue_settle(import->blob_queue, 1, err);
    if (result == WH_OK) {
        whc_blob_queue_stop(import->blob_queue, 0);
        import->blob_queue = NULL;
        if (import->blobs_unflushed)
            result = sync_blob_store(import, err);
    }
    if (result == WH_OK)
        result = whc_exec(catalog, "COMMIT", "committing the import", err);
    if (result != WH_OK) {
        whc_import_abort(import);
        return result;
    }
    free_import(import);
    return WH_OK;
}

void whc_import_abort(whc_import *import)
{
    if (import == NULL)
        return;
    /* Stopped first, so no queued rename puts a blob back after its removal. */
    whc_blob_queue_stop(import->blob_queue, 1);
    import->blob_queue = NULL;
    for (int i = 0; i < STMT_COUNT; i++)
        sqlite3_reset(import->statements[i]);
    sqlite3_exec(import->catalog->db, "ROLLBACK", NULL, NULL, NULL);
    remove_added_blobs(import);
    free_import(import);
}
