/* The writer thread of an import: see blob_queue.h. */
#include "blob_queue.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/fs.h"

/* Bytes of queued writes before the importing thread waits for the writer. */
#define QUEUE_BYTES_MAX ((size_t)16 << 20)

typedef enum command_kind {
    COMMAND_OPEN,
    COMMAND_WRITE,
    COMMAND_CLOSE,
    COMMAND_FLUSH,
} command_kind;

typedef struct command {
    command_kind kind;
    int keep;              /* COMMAND_CLOSE: rename to final_path instead of deleting */
    char *final_path;      /* COMMAND_CLOSE with keep */
    size_t size;           /* COMMAND_WRITE: bytes in data */
    struct command *next;
    unsigned char data[];  /* COMMAND_WRITE */
} command;

struct whc_blob_queue {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;   /* a command was queued or finished, or the queue stops */
    command *head, *tail;
    size_t queued_bytes;
    size_t blob_commands;     /* queued or running commands other than COMMAND_FLUSH */
    int running;              /* the thread is running a command it took off the queue */
    int stopping, discard;
    wh_error failure;         /* the first failure; status WH_OK while there is none */

    /* Owned by the thread once it has started. */
    char *blob_dir;
    int folder_fd;            /* blob_dir, holding a shared flock */
    int fd;                   /* the open temporary file, or -1 */
    char *temp_path;
};

static void free_command(command *item)
{
    if (item == NULL)
        return;
    free(item->final_path);
    free(item);
}

/* Deletes the open temporary file, if any. */
static void drop_temporary(whc_blob_queue *queue)
{
    if (queue->fd >= 0)
        close(queue->fd);
    queue->fd = -1;
    if (queue->temp_path != NULL)
        unlink(queue->temp_path);
    free(queue->temp_path);
    queue->temp_path = NULL;
}

static wh_status open_temporary(whc_blob_queue *queue, wh_error *err)
{
    if (asprintf(&queue->temp_path, "%s/tmp-XXXXXX", queue->blob_dir) < 0) {
        queue->temp_path = NULL;
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory starting a blob");
    }
    queue->fd = mkostemp(queue->temp_path, O_CLOEXEC);
    if (queue->fd < 0) {
        wh_status result = wh_error_set(err, WH_ERR_IO, "cannot create a temporary blob in "
                                        "%s: %s", queue->blob_dir, strerror(errno));
        free(queue->temp_path);
        queue->temp_path = NULL;
        return result;
    }
    return WH_OK;
}

static wh_status write_temporary(whc_blob_queue *queue, const command *item, wh_error *err)
{
    if (wh_write_full(queue->fd, item->data, item->size) != 0)
        return wh_error_set(err, WH_ERR_IO, "cannot write blob %s: %s", queue->temp_path,
                            strerror(errno));
    return WH_OK;
}

/* Makes the temporary file read-only, closes it and renames it to final_path. */
static wh_status keep_temporary(whc_blob_queue *queue, const char *final_path, wh_error *err)
{
    int fd = queue->fd;
    queue->fd = -1;
    if (fchmod(fd, 0444) != 0 || close(fd) != 0) {
        wh_status result = wh_error_set(err, WH_ERR_IO, "cannot finish blob %s: %s",
                                        queue->temp_path, strerror(errno));
        close(fd);
        return result;
    }
    if (rename(queue->temp_path, final_path) != 0)
        return wh_error_set(err, WH_ERR_IO, "cannot move blob %s to %s: %s", queue->temp_path,
                            final_path, strerror(errno));
    free(queue->temp_path);
    queue->temp_path = NULL;
    return WH_OK;
}

/* Runs one command. After a failure (failed set) it only deletes. */
static wh_status run_command(whc_blob_queue *queue, const command *item, int failed,
                             wh_error *err)
{
    switch (item->kind) {
    case COMMAND_OPEN:
        drop_temporary(queue);
        return failed ? WH_OK : open_temporary(queue, err);
    case COMMAND_WRITE:
        return failed || queue->fd < 0 ? WH_OK : write_temporary(queue, item, err);
    case COMMAND_CLOSE: {
        wh_status result = WH_OK;
        if (item->keep && !failed && queue->fd >= 0)
            result = keep_temporary(queue, item->final_path, err);
        drop_temporary(queue);
        return result;
    }
    case COMMAND_FLUSH:
        if (!failed && syncfs(queue->folder_fd) != 0)
            return wh_error_set(err, WH_ERR_IO, "cannot flush the blob store %s to disk: %s",
                                queue->blob_dir, strerror(errno));
        return WH_OK;
    }
    return WH_OK;
}

static void *writer_main(void *argument)
{
    whc_blob_queue *queue = argument;

    pthread_mutex_lock(&queue->lock);
    for (;;) {
        while (queue->head == NULL && !queue->stopping)
            pthread_cond_wait(&queue->changed, &queue->lock);
        command *item = queue->head;
        if (item == NULL)
            break;
        queue->head = item->next;
        if (queue->head == NULL)
            queue->tail = NULL;
        queue->queued_bytes -= item->size;
        queue->running = 1;
        int failed = queue->failure.status != WH_OK || queue->discard;
        pthread_cond_broadcast(&queue->changed);
        pthread_mutex_unlock(&queue->lock);

        wh_error err = { 0 };
        command_kind kind = item->kind;
        wh_status result = run_command(queue, item, failed, &err);
        free_command(item);

        pthread_mutex_lock(&queue->lock);
        if (result != WH_OK && queue->failure.status == WH_OK)
            queue->failure = err;
        if (kind != COMMAND_FLUSH)
            queue->blob_commands--;
        queue->running = 0;
        pthread_cond_broadcast(&queue->changed);
    }
    pthread_mutex_unlock(&queue->lock);
    drop_temporary(queue);
    return NULL;
}

/* Copies the kept failure into err and returns its status. Call under lock. */
static wh_status report_failure(const whc_blob_queue *queue, wh_error *err)
{
    if (queue->failure.status != WH_OK && err != NULL)
        *err = queue->failure;
    return queue->failure.status;
}

/* Appends item, waiting while QUEUE_BYTES_MAX bytes are queued; frees item on failure. */
static wh_status push(whc_blob_queue *queue, command *item, wh_error *err)
{
    pthread_mutex_lock(&queue->lock);
    while (queue->queued_bytes > 0 && queue->queued_bytes + item->size > QUEUE_BYTES_MAX
           && queue->failure.status == WH_OK)
        pthread_cond_wait(&queue->changed, &queue->lock);

    wh_status result = report_failure(queue, err);
    if (result == WH_OK || item->kind == COMMAND_CLOSE) {
        item->next = NULL;
        if (queue->tail != NULL)
            queue->tail->next = item;
        else
            queue->head = item;
        queue->tail = item;
        queue->queued_bytes += item->size;
        if (item->kind != COMMAND_FLUSH)
            queue->blob_commands++;
        pthread_cond_broadcast(&queue->changed);
        item = NULL;
    }
    pthread_mutex_unlock(&queue->lock);
    free_command(item);
    return result;
}

static command *new_command(command_kind kind, size_t size)
{
    command *item = calloc(1, sizeof(*item) + size);
    if (item != NULL) {
        item->kind = kind;
        item->size = size;
    }
    return item;
}

wh_status whc_blob_queue_start(const char *blob_dir, whc_blob_queue **out, wh_error *err)
{
    *out = NULL;
    whc_blob_queue *queue = calloc(1, sizeof(*queue));
    if (queue == NULL || (queue->blob_dir = strdup(blob_dir)) == NULL) {
        free(queue);
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory starting the blob writer");
    }
    queue->fd = -1;

    queue->folder_fd = open(blob_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (queue->folder_fd < 0 || flock(queue->folder_fd, LOCK_SH) != 0) {
        wh_status result = wh_error_set(err, WH_ERR_IO, "cannot lock the blob folder %s: %s",
                                        blob_dir, strerror(errno));
        if (queue->folder_fd >= 0)
            close(queue->folder_fd);
        free(queue->blob_dir);
        free(queue);
        return result;
    }

    pthread_mutex_init(&queue->lock, NULL);
    pthread_cond_init(&queue->changed, NULL);
    int code = pthread_create(&queue->thread, NULL, writer_main, queue);
    if (code != 0) {
        pthread_cond_destroy(&queue->changed);
        pthread_mutex_destroy(&queue->lock);
        close(queue->folder_fd);
        free(queue->blob_dir);
        free(queue);
        return wh_error_set(err, WH_ERR_IO, "cannot start the blob writer thread: %s",
                            strerror(code));
    }
    *out = queue;
    return WH_OK;
}

wh_status whc_blob_queue_open(whc_blob_queue *queue, wh_error *err)
{
    command *item = new_command(COMMAND_OPEN, 0);
    if (item == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory starting a blob");
    return push(queue, item, err);
}

wh_status whc_blob_queue_write(whc_blob_queue *queue, const void *data, size_t size,
                               wh_error *err)
{
    if (size == 0)
        return WH_OK;
    command *item = new_command(COMMAND_WRITE, size);
    if (item == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory writing a blob");
    memcpy(item->data, data, size);
    return push(queue, item, err);
}

wh_status whc_blob_queue_close(whc_blob_queue *queue, int keep, const char *final_path,
                               wh_error *err)
{
    command *item = new_command(COMMAND_CLOSE, 0);
    if (item == NULL || (keep && (item->final_path = strdup(final_path)) == NULL)) {
        free(item);
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory finishing a blob");
    }
    item->keep = keep;
    return push(queue, item, err);
}

wh_status whc_blob_queue_flush(whc_blob_queue *queue, wh_error *err)
{
    command *item = new_command(COMMAND_FLUSH, 0);
    if (item == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory flushing the blob store");
    return push(queue, item, err);
}

wh_status whc_blob_queue_settle(whc_blob_queue *queue, int include_flush, wh_error *err)
{
    pthread_mutex_lock(&queue->lock);
    while (include_flush ? queue->head != NULL || queue->running : queue->blob_commands > 0)
        pthread_cond_wait(&queue->changed, &queue->lock);
    wh_status result = report_failure(queue, err);
    pthread_mutex_unlock(&queue->lock);
    return result;
}

void whc_blob_queue_stop(whc_blob_queue *queue, int discard)
{
    if (queue == NULL)
        return;
    pthread_mutex_lock(&queue->lock);
    queue->stopping = 1;
    if (discard)
        queue->discard = 1;
    pthread_cond_broadcast(&queue->changed);
    pthread_mutex_unlock(&queue->lock);
    pthread_join(queue->thread, NULL);

    pthread_cond_destroy(&queue->changed);
    pthread_mutex_destroy(&queue->lock);
    close(queue->folder_fd); /* releases the shared lock */
    free(queue->blob_dir);
    free(queue);
}
