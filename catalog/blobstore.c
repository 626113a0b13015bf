/*
 * The content-addressed store: DIR/blobs/sha256/<hex>, one read-only file
 * per distinct content. A blob is written to a temporary file in DIR/blobs,
 * hashed on the way and renamed into place, so a reader never sees a
 * partial blob under its final name.
 *
 * A blob written without an import is flushed to disk before the rename. A
 * blob written for an import is not: whc_import_commit flushes the whole
 * store before COMMIT. One flush per import costs far less than one per
 * file, and a committed row still never points at content that a crash
 * could lose.
 *
 * On a machine with more than one CPU, an import's blobs are hashed on the
 * calling thread and written to disk by the import's writer thread
 * (blob_queue.h), so reading the next file overlaps writing the last one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/fs.h"
#include "blob_queue.h"
#include "internal.h"

char *whc_blob_path(const whc_catalog *catalog, const char *sha256_hex)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s", catalog->blob_sha_dir, sha256_hex) < 0)
        return NULL;
    return path;
}

/* Decides once per import whether its blobs go through a writer thread. */
static int use_writer_thread(void)
{
    const char *threads = getenv("WHITTLE_IMPORT_THREADS");
    if (threads != NULL && strcmp(threads, "1") == 0)
        return 0;
    return sysconf(_SC_NPROCESSORS_ONLN) > 1;
}

/*
 * Returns the import's writer thread, starting it on first use, or NULL
 * when this blob is written inline: on one CPU, or while another writer of
 * the import is still open, because the thread writes one blob at a time.
 */
static wh_status import_queue(whc_catalog *catalog, whc_import *import,
                              whc_blob_queue **queue, wh_error *err)
{
    *queue = NULL;
    if (import == NULL || import->blob_queue_off || import->queued_writer_open)
        return WH_OK;
    if (import->blob_queue == NULL) {
        if (!use_writer_thread()) {
            import->blob_queue_off = 1;
            return WH_OK;
        }
        wh_status result = whc_blob_queue_start(catalog->blob_dir, &import->blob_queue, err);
        if (result != WH_OK)
            return result;
    }
    *queue = import->blob_queue;
    return WH_OK;
}

wh_status whc_blob_settle(whc_catalog *catalog, wh_error *err)
{
    if (catalog->import == NULL || catalog->import->blob_queue == NULL)
        return WH_OK;
    return whc_blob_queue_settle(catalog->import->blob_queue, 0, err);
}

wh_status whc_blob_begin(whc_catalog *catalog, whc_import *import, whc_blob_writer **out,
                         wh_error *err)
{
    wh_status result = WH_OK;
    *out = NULL;

    whc_blob_writer *writer = calloc(1, sizeof(*writer));
    if (writer == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory starting a blob");
    writer->catalog = catalog;
    writer->import = import;
    writer->fd = -1;
    writer->folder_fd = -1;
    if (import != NULL) {
        import->blobs_unflushed = 1;
        import->open_writers++; /* until whc_blob_abort frees the writer */
    }

    result = import_queue(catalog, import, &writer->queue, err);
    if (result == WH_OK && writer->queue != NULL) {
        writer->hash = wh_sha256_new();
        if (writer->hash == NULL)
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory starting a blob");
        else
            result = whc_blob_queue_open(writer->queue, err);
        if (result == WH_OK)
            import->queued_writer_open = 1;
        else
            writer->queue = NULL; /* nothing to close on the thread */
    }
    if (result != WH_OK || writer->queue != NULL)
        goto out;

    /* The shared lock keeps whc_blob_sweep_temporary from deleting this temporary file. */
    writer->folder_fd = open(catalog->blob_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (writer->folder_fd < 0 || flock(writer->folder_fd, LOCK_SH) != 0) {
        result = wh_error_set(err, WH_ERR_IO, "cannot lock the blob folder %s: %s",
                              catalog->blob_dir, strerror(errno));
        goto out;
    }

    writer->hash = wh_sha256_new();
    if (writer->hash == NULL
        || asprintf(&writer->temp_path, "%s/tmp-XXXXXX", catalog->blob_dir) < 0) {
        writer->temp_path = NULL;
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory starting a blob");
        goto out;
    }

    writer->fd = mkostemp(writer->temp_path, O_CLOEXEC);
    if (writer->fd < 0) {
        result = wh_error_set(err, WH_ERR_IO, "cannot create a temporary blob in %s: %s",
                              catalog->blob_dir, strerror(errno));
        free(writer->temp_path);
        writer->temp_path = NULL;
        goto out;
    }

out:
    if (result != WH_OK) {
        whc_blob_abort(writer);
        return result;
    }
    *out = writer;
    return WH_OK;
}

wh_status whc_blob_write(whc_blob_writer *writer, const void *data, size_t size, wh_error *err)
{
    if (writer->queue != NULL) {
        wh_status result = whc_blob_queue_write(writer->queue, data, size, err);
        if (result != WH_OK)
            return result;
    } else if (wh_write_full(writer->fd, data, size) != 0) {
        return wh_error_set(err, WH_ERR_IO, "cannot write blob %s: %s", writer->temp_path,
                            strerror(errno));
    }
    wh_sha256_update(writer->hash, data, size);
    writer->size += (int64_t)size;
    return WH_OK;
}

/* Flushes the folder entry of a rename to disk. */
static void sync_folder(const char *folder)
{
    int fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/*
 * Returns 1 when a files row references the blob. A committed row's blob
 * was flushed before that row's COMMIT, and a row of the open import names
 * a blob that this import stored and flushes at its own commit. Any other
 * copy may be left over from an import that was killed before it
 * committed, so after a crash its content may be torn.
 */
static int blob_referenced(whc_catalog *catalog, const char *sha256_hex)
{
    sqlite3_stmt *statement = NULL;
    int referenced = 0;

    if (sqlite3_prepare_v2(catalog->db, "SELECT 1 FROM files WHERE sha256 = ?1 LIMIT 1", -1,
                           &statement, NULL) == SQLITE_OK) {
        sqlite3_bind_text(statement, 1, sha256_hex, -1, SQLITE_STATIC);
        referenced = sqlite3_step(statement) == SQLITE_ROW;
    }
    sqlite3_finalize(statement);
    return referenced;
}

/* Makes the temporary file read-only, flushes it when no import will, and closes it. */
static wh_status finish_file(whc_blob_writer *writer, wh_error *err)
{
    if (fchmod(writer->fd, 0444) != 0 || (writer->import == NULL && fsync(writer->fd) != 0))
        return wh_error_set(err, WH_ERR_IO, "cannot flush blob %s: %s", writer->temp_path,
                            strerror(errno));

    int fd = writer->fd;
    writer->fd = -1;
    if (close(fd) != 0)
        return wh_error_set(err, WH_ERR_IO, "cannot close blob %s: %s", writer->temp_path,
                            strerror(errno));
    return WH_OK;
}

wh_status whc_blob_commit(whc_blob_writer *writer, char sha256_hex[65], wh_error *err)
{
    wh_status result = WH_OK;
    char *final_path = NULL;

    wh_sha256_final_hex(writer->hash, sha256_hex);
    final_path = whc_blob_path(writer->catalog, sha256_hex);
    if (final_path == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory storing blob %s", sha256_hex);
        goto out;
    }

    /*
     * Identical content that a files row references is durable: keep that
     * file untouched. Any other copy is replaced, because it may be torn,
     * but not tracked: it existed before, and an abort must leave it.
     */
    struct stat st;
    int exists = stat(final_path, &st) == 0;
    int keep = !(exists && blob_referenced(writer->catalog, sha256_hex));
    if (writer->queue != NULL) {
        /*
         * A copy this import queued may not be in place yet, so exists can
         * be 0 for a second blob with the same content. Then it is tracked
         * twice and renamed over the first, which only repeats work.
         */
        if (keep && !exists)
            result = whc_import_track_blob(writer->import, sha256_hex, err);
        if (result == WH_OK)
            result = whc_blob_queue_close(writer->queue, keep, final_path, err);
        else
            whc_blob_queue_close(writer->queue, 0, NULL, NULL);
        writer->queue = NULL;
        writer->import->queued_writer_open = 0;
        goto out;
    }
    if (!keep)
        goto out;

    result = finish_file(writer, err);
    if (result != WH_OK)
        goto out;

    /* Tracked before the rename, so no failure leaves an untracked new blob. */
    if (writer->import != NULL && !exists) {
        result = whc_import_track_blob(writer->import, sha256_hex, err);
        if (result != WH_OK)
            goto out;
    }
    if (rename(writer->temp_path, final_path) != 0) {
        result = wh_error_set(err, WH_ERR_IO, "cannot move blob %s to %s: %s",
                              writer->temp_path, final_path, strerror(errno));
        goto out;
    }
    free(writer->temp_path);
    writer->temp_path = NULL;
    if (writer->import == NULL)
        sync_folder(writer->catalog->blob_sha_dir);

out:
    free(final_path);
    whc_blob_abort(writer);
    return result;
}

void whc_blob_abort(whc_blob_writer *writer)
{
    if (writer == NULL)
        return;
    if (writer->queue != NULL) {
        whc_blob_queue_close(writer->queue, 0, NULL, NULL);
        writer->import->queued_writer_open = 0;
    }
    if (writer->import != NULL)
        writer->import->open_writers--;
    if (writer->fd >= 0)
        close(writer->fd);
    if (writer->temp_path != NULL)
        unlink(writer->temp_path);
    if (writer->folder_fd >= 0)
        close(writer->folder_fd); /* releases the shared lock */
    free(writer->temp_path);
    wh_sha256_free(writer->hash);
    free(writer);
}

/* Returns nonzero when the folder contains a name starting with "tmp-". */
static int has_temporary_files(DIR *dir)
{
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (strncmp(entry->d_name, "tmp-", 4) == 0)
            return 1;
    }
    return 0;
}

void whc_blob_sweep_temporary(whc_catalog *catalog)
{
    DIR *dir = opendir(catalog->blob_dir);
    if (dir == NULL)
        return;
    if (!has_temporary_files(dir)) {
        closedir(dir);
        return;
    }

    /* An exclusive lock means no writer in any process has a temporary file open. */
    int folder_fd = dirfd(dir);
    if (flock(folder_fd, LOCK_EX | LOCK_NB) == 0) {
        rewinddir(dir);
        struct dirent *entry;
        while ((entry = readdir(dir)) != NULL) {
            if (strncmp(entry->d_name, "tmp-", 4) == 0)
                unlinkat(folder_fd, entry->d_name, 0);
        }
        flock(folder_fd, LOCK_UN);
    }
    closedir(dir);
}
