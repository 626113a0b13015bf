/*
 * The writer thread of an import: it creates, fills and renames the blob
 * files while the importing thread reads, hashes and classifies the next
 * file, so an import of many files uses two CPUs. It can also flush the
 * store to disk while the importing thread inserts rows.
 *
 * The importing thread hands over commands in order: open a temporary
 * file, append bytes (copied, so the caller may reuse its buffer), then
 * move the file to its final name or delete it. The thread runs them in
 * the same order, one blob at a time. A failure is kept and returned by the
 * next call on the importing thread; from then on the queue only deletes.
 *
 * Only the importing thread calls these functions.
 */
#ifndef WHC_BLOB_QUEUE_H
#define WHC_BLOB_QUEUE_H

#include <stddef.h>

#include "../core/error.h"

typedef struct whc_blob_queue whc_blob_queue;

/*
 * Starts the thread for the store folder blob_dir, holding a shared flock
 * on it so that whc_blob_sweep_temporary leaves the temporary files alone.
 */
wh_status whc_blob_queue_start(const char *blob_dir, whc_blob_queue **out, wh_error *err);

/* Queues a new temporary file in blob_dir; the writes that follow go to it. */
wh_status whc_blob_queue_open(whc_blob_queue *queue, wh_error *err);

/* Queues a copy of size bytes for the open temporary file. */
wh_status whc_blob_queue_write(whc_blob_queue *queue, const void *data, size_t size,
                               wh_error *err);

/*
 * Queues the end of the open temporary file: made read-only and renamed to
 * final_path (copied) when keep is set, else deleted.
 */
wh_status whc_blob_queue_close(whc_blob_queue *queue, int keep, const char *final_path,
                               wh_error *err);

/*
 * Queues a syncfs of the store's file system, which makes every blob
 * queued before it durable. It runs while the importing thread goes on.
 */
wh_status whc_blob_queue_flush(whc_blob_queue *queue, wh_error *err);

/*
 * Waits until every queued blob is in place, and with include_flush set
 * also every queued flush; returns the first failure.
 */
wh_status whc_blob_queue_settle(whc_blob_queue *queue, int include_flush, wh_error *err);

/*
 * Stops the thread and frees the queue; accepts NULL. With discard set,
 * queued renames become deletions, as an aborted import needs; otherwise
 * every queued command runs first.
 */
void whc_blob_queue_stop(whc_blob_queue *queue, int discard);

#endif
