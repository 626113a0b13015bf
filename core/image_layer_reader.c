/*
 * Reads a written layer file back for the read-back check: produces its tar
 * stream in blocks and computes the sha256 of the file and of the tar
 * stream on the way. An uncompressed file is the tar stream, so it is
 * hashed once.
 *
 * A compressed layer is a series of gzip members as wh_gzip_writer makes
 * them, each inflating to at most WH_GZIP_CHUNK_SIZE bytes. libdeflate
 * inflates one whole member per block, which checks its CRC-32 and length.
 *
 * With two or more threads, a producer thread reads, hashes the file and
 * inflates, a hasher thread hashes the tar stream, and the caller parses
 * the blocks. A ring of RING_SIZE blocks lies between them, and a block is
 * refilled only after both the caller and the hasher are done with it.
 * With one thread, all of this runs on the caller's thread.
 */
#include "image_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libdeflate.h>

#include "fs.h"
#include "gzip.h"

#define RING_SIZE 4
#define BLOCK_SIZE WH_GZIP_CHUNK_SIZE

typedef struct block {
    unsigned char *data; /* BLOCK_SIZE bytes */
    size_t size;
    uint64_t sequence;
    int filled; /* holds block `sequence` until both consumers release it */
    int parsed; /* the caller has moved past it */
    int hashed; /* the tar hash covers it */
} block;

struct wh_layer_reader {
    int fd;
    const char *path;
    int compressed;

    /* Producer state, touched only by the producer (or the caller with one thread). */
    struct libdeflate_decompressor *decompressor;
    unsigned char *input; /* compressed bytes read but not inflated yet */
    size_t input_capacity;
    size_t input_start;
    size_t input_end;
    size_t member_bound; /* upper bound on the size of a member wh_gzip_writer writes */
    int input_eof;
    uint64_t member_count;
    uint64_t file_offset; /* offset of input[input_start] in the file */
    wh_sha256 *file_hash;

    wh_sha256 *tar_hash; /* touched only by the hasher (or the caller with one thread) */
    block ring[RING_SIZE];
    block *current; /* the block the caller holds */

    /* Shared state, under lock when threaded. */
    uint64_t next_fill;
    uint64_t next_parse;
    uint64_t next_hash;
    uint64_t block_count; /* set when produced_all is */
    int produced_all;
    int stopping;
    wh_status status; /* the producer's failure */
    wh_error error;

    int threaded;
    int sync_ready;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    pthread_t producer;
    pthread_t hasher;
    int producer_started;
    int hasher_started;
};

static wh_status read_error(const wh_layer_reader *reader, wh_error *err)
{
    return wh_error_set(err, WH_ERR_IO, "cannot read %s: %s", reader->path, strerror(errno));
}

/* Keeps at least one whole member in the input window unless the file ends first. */
static wh_status refill_input(wh_layer_reader *reader, wh_error *err)
{
    size_t available = reader->input_end - reader->input_start;
    if (available >= reader->member_bound || reader->input_eof)
        return WH_OK;

    memmove(reader->input, reader->input + reader->input_start, available);
    reader->input_start = 0;
    reader->input_end = available;
    size_t room = reader->input_capacity - available;
    ssize_t got = wh_read_full(reader->fd, reader->input + available, room);
    if (got < 0)
        return read_error(reader, err);
    wh_sha256_update(reader->file_hash, reader->input + available, (size_t)got);
    reader->input_end += (size_t)got;
    if ((size_t)got < room)
        reader->input_eof = 1;
    return WH_OK;
}

/* Inflates members into target, skipping empty ones, or sets *done at the end of the file. */
static wh_status inflate_block(wh_layer_reader *reader, block *target, int *done, wh_error *err)
{
    for (;;) {
        wh_status result = refill_input(reader, err);
        if (result != WH_OK)
            return result;
        if (reader->input_start == reader->input_end) {
            if (reader->member_count == 0)
                return wh_error_set(err, WH_ERR_FORMAT, "%s is empty, expected gzip",
                                    reader->path);
            *done = 1;
            return WH_OK;
        }

        size_t used = 0;
        size_t produced = 0;
        enum libdeflate_result status = libdeflate_gzip_decompress_ex(
            reader->decompressor, reader->input + reader->input_start,
            reader->input_end - reader->input_start, target->data, BLOCK_SIZE, &used, &produced);
        /*
         * A member cut short can also end this way, since libdeflate takes
         * a few zero bytes past the end of its input before it gives up.
         * So at the end of the file the message names both causes.
         */
        if (status == LIBDEFLATE_INSUFFICIENT_SPACE)
            return wh_error_set(err, WH_ERR_FORMAT,
                                "%s: gzip member %llu (at byte %llu) %sinflates to more than "
                                "%zu bytes, which the layer writer never writes",
                                reader->path, (unsigned long long)reader->member_count + 1,
                                (unsigned long long)reader->file_offset,
                                reader->input_eof ? "is truncated or corrupt, or " : "",
                                BLOCK_SIZE);
        if (status != LIBDEFLATE_SUCCESS)
            return wh_error_set(err, WH_ERR_FORMAT,
                                "%s is not valid gzip: member %llu (at byte %llu) is corrupt "
                                "or truncated", reader->path,
                                (unsigned long long)reader->member_count + 1,
                                (unsigned long long)reader->file_offset);

        reader->member_count++;
        reader->input_start += used;
        reader->file_offset += used;
        if (produced > 0) {
            target->size = produced;
            return WH_OK;
        }
    }
}

/* Stores the next block of the tar stream in target, or sets *done at the end. */
static wh_status fill_block(wh_layer_reader *reader, block *target, int *done, wh_error *err)
{
    *done = 0;
    if (reader->compressed)
        return inflate_block(reader, target, done, err);

    ssize_t got = wh_read_full(reader->fd, target->data, BLOCK_SIZE);
    if (got < 0)
        return read_error(reader, err);
    if (got == 0)
        *done = 1;
    target->size = (size_t)got;
    return WH_OK;
}

/* Frees a block once the caller and the hasher are both done with it. Call under lock. */
static void release_if_done(wh_layer_reader *reader, block *target)
{
    if (target->parsed && target->hashed) {
        target->filled = 0;
        pthread_cond_broadcast(&reader->changed);
    }
}

static void *producer_main(void *argument)
{
    wh_layer_reader *reader = argument;
    pthread_mutex_lock(&reader->lock);
    for (;;) {
        block *target = &reader->ring[reader->next_fill % RING_SIZE];
        while (!reader->stopping && target->filled)
            pthread_cond_wait(&reader->changed, &reader->lock);
        if (reader->stopping)
            break;
        pthread_mutex_unlock(&reader->lock);

        wh_error error = {0};
        int done = 0;
        wh_status result = fill_block(reader, target, &done, &error);

        pthread_mutex_lock(&reader->lock);
        if (result != WH_OK) {
            reader->status = result;
            reader->error = error;
        } else if (!done) {
            target->sequence = reader->next_fill++;
            target->parsed = 0;
            target->hashed = 0;
            target->filled = 1;
        } else {
            reader->block_count = reader->next_fill;
            reader->produced_all = 1;
        }
        pthread_cond_broadcast(&reader->changed);
        if (result != WH_OK || done)
            break;
    }
    pthread_mutex_unlock(&reader->lock);
    return NULL;
}

/*
 * Waits for block `sequence` and returns it, or NULL at the end of the file, after a
 * failure or when stopping. Call under lock.
 */
static block *wait_for_block(wh_layer_reader *reader, uint64_t sequence)
{
    block *target = &reader->ring[sequence % RING_SIZE];
    for (;;) {
        if (reader->stopping || reader->status != WH_OK)
            return NULL;
        if (target->filled && target->sequence == sequence)
            return target;
        if (reader->produced_all && sequence == reader->block_count)
            return NULL;
        pthread_cond_wait(&reader->changed, &reader->lock);
    }
}

static void *hasher_main(void *argument)
{
    wh_layer_reader *reader = argument;
    pthread_mutex_lock(&reader->lock);
    for (;;) {
        block *target = wait_for_block(reader, reader->next_hash);
        if (target == NULL)
            break;
        pthread_mutex_unlock(&reader->lock);

        wh_sha256_update(reader->tar_hash, target->data, target->size);

        pthread_mutex_lock(&reader->lock);
        target->hashed = 1;
        reader->next_hash++;
        release_if_done(reader, target);
    }
    pthread_mutex_unlock(&reader->lock);
    return NULL;
}

static wh_status copy_failure(const wh_layer_reader *reader, wh_error *err)
{
    if (err != NULL)
        *err = reader->error;
    return reader->status;
}

static wh_status next_threaded(wh_layer_reader *reader, const void **data, size_t *size,
                               wh_error *err)
{
    pthread_mutex_lock(&reader->lock);
    if (reader->current != NULL) {
        reader->current->parsed = 1;
        release_if_done(reader, reader->current);
        reader->current = NULL;
    }
    block *target = wait_for_block(reader, reader->next_parse);
    if (target != NULL) {
        reader->next_parse++;
        reader->current = target;
        *data = target->data;
        *size = target->size;
    }
    wh_status result = reader->status;
    pthread_mutex_unlock(&reader->lock);
    if (result != WH_OK)
        return copy_failure(reader, err);
    return WH_OK;
}

wh_status wh_layer_reader_next(wh_layer_reader *reader, const void **data, size_t *size,
                               wh_error *err)
{
    *data = NULL;
    *size = 0;
    if (reader->threaded)
        return next_threaded(reader, data, size, err);

    if (reader->status != WH_OK || reader->produced_all)
        return reader->status != WH_OK ? copy_failure(reader, err) : WH_OK;
    block *target = &reader->ring[0];
    int done = 0;
    reader->status = fill_block(reader, target, &done, &reader->error);
    if (reader->status != WH_OK)
        return copy_failure(reader, err);
    if (done) {
        reader->produced_all = 1;
        return WH_OK;
    }
    wh_sha256_update(reader->tar_hash, target->data, target->size);
    *data = target->data;
    *size = target->size;
    return WH_OK;
}

/*
 * Joins the helper threads. With wait_for_hasher set, the hasher first hashes every
 * block the producer made, so the tar hash is final.
 */
static void stop_threads(wh_layer_reader *reader, int wait_for_hasher)
{
    if (!reader->sync_ready)
        return;
    pthread_mutex_lock(&reader->lock);
    if (reader->current != NULL) {
        reader->current->parsed = 1;
        release_if_done(reader, reader->current);
        reader->current = NULL;
    }
    if (!wait_for_hasher)
        reader->stopping = 1;
    pthread_cond_broadcast(&reader->changed);
    pthread_mutex_unlock(&reader->lock);

    if (reader->producer_started)
        pthread_join(reader->producer, NULL);
    if (reader->hasher_started)
        pthread_join(reader->hasher, NULL);
    reader->producer_started = 0;
    reader->hasher_started = 0;
}

wh_status wh_layer_reader_finish(wh_layer_reader *reader, char file_hex[WH_SHA256_HEX_LEN + 1],
                                 char tar_hex[WH_SHA256_HEX_LEN + 1], wh_error *err)
{
    const void *data;
    size_t size;
    wh_status result = wh_layer_reader_next(reader, &data, &size, err);
    if (result != WH_OK)
        return result;
    if (size != 0)
        return wh_error_set(err, WH_ERR_INVALID, "%s: the layer reader was finished before "
                            "the end of the file", reader->path);

    /* The producer has finished, so the hasher ends after the last block. */
    stop_threads(reader, 1);
    wh_sha256_final_hex(reader->tar_hash, tar_hex);
    if (reader->compressed)
        wh_sha256_final_hex(reader->file_hash, file_hex);
    else
        memcpy(file_hex, tar_hex, WH_SHA256_HEX_LEN + 1);
    return WH_OK;
}

static wh_status start_threads(wh_layer_reader *reader, wh_error *err)
{
    if (pthread_mutex_init(&reader->lock, NULL) != 0)
        return wh_error_set(err, WH_ERR_NOMEM, "cannot create a mutex reading %s", reader->path);
    if (pthread_cond_init(&reader->changed, NULL) != 0) {
        pthread_mutex_destroy(&reader->lock);
        return wh_error_set(err, WH_ERR_NOMEM, "cannot create a condition reading %s",
                            reader->path);
    }
    reader->sync_ready = 1;

    if (pthread_create(&reader->producer, NULL, producer_main, reader) != 0)
        return wh_error_set(err, WH_ERR_NOMEM, "cannot start a thread reading %s", reader->path);
    reader->producer_started = 1;
    if (pthread_create(&reader->hasher, NULL, hasher_main, reader) != 0)
        return wh_error_set(err, WH_ERR_NOMEM, "cannot start a thread hashing %s", reader->path);
    reader->hasher_started = 1;
    return WH_OK;
}

static wh_status allocate_buffers(wh_layer_reader *reader, wh_error *err)
{
    reader->file_hash = wh_sha256_new();
    reader->tar_hash = wh_sha256_new();
    if (reader->file_hash == NULL || reader->tar_hash == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", reader->path);

    size_t ring_size = reader->threaded ? RING_SIZE : 1;
    for (size_t i = 0; i < ring_size; i++) {
        reader->ring[i].data = malloc(BLOCK_SIZE);
        if (reader->ring[i].data == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", reader->path);
    }
    if (!reader->compressed)
        return WH_OK;

    reader->decompressor = libdeflate_alloc_decompressor();
    reader->member_bound = libdeflate_gzip_compress_bound(NULL, WH_GZIP_CHUNK_SIZE);
    reader->input_capacity = 2 * reader->member_bound;
    reader->input = malloc(reader->input_capacity);
    if (reader->decompressor == NULL || reader->input == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", reader->path);
    return WH_OK;
}

wh_status wh_layer_reader_open(const char *path, int compressed, unsigned threads,
                               wh_layer_reader **out, wh_error *err)
{
    wh_status result = WH_OK;
    *out = NULL;
    wh_layer_reader *reader = calloc(1, sizeof(*reader));
    if (reader == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", path);
    reader->fd = -1;
    reader->path = path;
    reader->compressed = compressed;
    reader->threaded = (threads == 0 ? wh_gzip_default_threads() : threads) > 1;

    reader->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (reader->fd < 0) {
        result = wh_error_set(err, WH_ERR_IO, "cannot open %s: %s", path, strerror(errno));
        goto out;
    }
    /* Only advice: reading works the same when the kernel ignores it. */
    (void)posix_fadvise(reader->fd, 0, 0, POSIX_FADV_SEQUENTIAL);

    result = allocate_buffers(reader, err);
    if (result == WH_OK && reader->threaded)
        result = start_threads(reader, err);

out:
    if (result != WH_OK)
        wh_layer_reader_free(reader);
    else
        *out = reader;
    return result;
}

void wh_layer_reader_free(wh_layer_reader *reader)
{
    if (reader == NULL)
        return;
    stop_threads(reader, 0);
    if (reader->sync_ready) {
        pthread_cond_destroy(&reader->changed);
        pthread_mutex_destroy(&reader->lock);
    }
    for (size_t i = 0; i < RING_SIZE; i++)
        free(reader->ring[i].data);
    libdeflate_free_decompressor(reader->decompressor);
    free(reader->input);
    wh_sha256_free(reader->file_hash);
    wh_sha256_free(reader->tar_hash);
    if (reader->fd >= 0)
        close(reader->fd);
    free(reader);
}
