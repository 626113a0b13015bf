/*
 * A gzip writer that compresses on several threads and still produces the
 * same bytes for any thread count.
 *
 * The input is cut into chunks of WH_GZIP_CHUNK_SIZE bytes (the last one may
 * be shorter), and each chunk becomes an independent gzip member. RFC 1952
 * section 2.2 defines a gzip file as a series of members, and gunzip and Go's
 * compress/gzip (used by skopeo and umoci) read them as one stream. Members
 * carry no file name, mtime 0 and OS byte 255 ("unknown"), so the output
 * depends only on the input bytes and the level.
 *
 * Calls, all from one thread:
 *   wh_gzip_writer_new(level, threads, output, context, &writer, &err);
 *   wh_gzip_writer_write(writer, data, size, &err);   any number of times
 *   wh_gzip_writer_finish(writer, &err);              flushes the last member
 *   wh_gzip_writer_free(writer);
 * output is called on that same thread, with members in input order.
 */
#ifndef WH_GZIP_H
#define WH_GZIP_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Chunk size: part of the output format, so it never depends on the machine. */
#define WH_GZIP_CHUNK_SIZE ((size_t)1 << 20)

/*
 * Compression level for layers when the spec sets none: the fastest.
 * docs/image-format.md gives the size and time of every level; a spec's
 * "compression-level" trades build time for a smaller image.
 */
#define WH_GZIP_DEFAULT_LEVEL 1

/* Cap on the threads used when the caller requests 0 (one per online CPU). */
#define WH_GZIP_MAX_THREADS 64

/* Receives compressed bytes. Returns WH_OK, or a status with err filled. */
typedef wh_status (*wh_gzip_output_fn)(void *context, const void *data, size_t size,
                                       wh_error *err);

typedef struct wh_gzip_writer wh_gzip_writer;

/*
 * Creates a writer compressing at level (1..9) on threads threads; 0 threads
 * means one per online CPU. With 1 thread everything runs on the calling
 * thread. The caller frees *out with wh_gzip_writer_free.
 */
wh_status wh_gzip_writer_new(int level, unsigned threads, wh_gzip_output_fn output,
                             void *context, wh_gzip_writer **out, wh_error *err);

/* Appends data, calling output for members that are complete. */
wh_status wh_gzip_writer_write(wh_gzip_writer *writer, const void *data, size_t size,
                               wh_error *err);

/*
 * Compresses what is buffered and passes every remaining member to output.
 * Empty input still gives one empty member, so the result is valid gzip.
 * No writes are allowed afterwards.
 */
wh_status wh_gzip_writer_finish(wh_gzip_writer *writer, wh_error *err);

/* Returns the compressed bytes passed to output so far. */
uint64_t wh_gzip_writer_output_size(const wh_gzip_writer *writer);

/* Stops the threads and frees the writer. Accepts NULL. */
void wh_gzip_writer_free(wh_gzip_writer *writer);

/* Returns the thread count that 0 stands for on this machine. */
unsigned wh_gzip_default_threads(void);

#endif
