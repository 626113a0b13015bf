#include "gzip.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libdeflate.h>

/* gzip OS byte for "unknown": names no build machine. */
#define OS_UNKNOWN 255

typedef enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_BUSY, SLOT_DONE } slot_state;

/* One chunk on its way through compression. */
typedef struct slot {
    unsigned char *input;
    size_t input_size;
    unsigned char *output;
    size_t output_capacity;
    size_t output_size;
    uint64_t sequence;
    slot_state state;
    int failed;      /* 1 when libdeflate could not compress this chunk */
} slot;

struct wh_gzip_writer {
    int level;
    unsigned threads;
    wh_gzip_output_fn output;
    void *context;
    uint64_t output_total;

    slot *slots;
    size_t slot_count;
    uint64_t next_sequence; /* sequence of the chunk being filled */
    uint64_t next_take;     /* next sequence a worker compresses */
    int finished;

    struct libdeflate_compressor *inline_compressor; /* used when threads == 1 */

    pthread_t *workers;
    unsigned worker_count;
    pthread_mutex_t lock;
    pthread_cond_t work_ready; /* a slot was queued or the writer stops */
    pthread_cond_t work_done;  /* a slot became SLOT_DONE */
    int stopping;
    int sync_ready;
};

unsigned wh_gzip_default_threads(void)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    if (online < 1)
        return 1;
    return online > WH_GZIP_MAX_THREADS ? WH_GZIP_MAX_THREADS : (unsigned)online;
}

/*
 * Compresses one chunk into one complete gzip member. libdeflate writes the
 * header with no flags, MTIME 0 and OS 255 ("unknown"); compressor NULL
 * means its allocation failed.
 */
static void compress_slot(struct libdeflate_compressor *compressor, slot *chunk)
{
    chunk->output_size = 0;
    if (compressor != NULL)
        chunk->output_size = libdeflate_gzip_compress(compressor, chunk->input, chunk->input_size,
                                                      chunk->output, chunk->output_capacity);
    chunk->failed = chunk->output_size == 0;
}

static void *worker_main(void *argument)
{
    wh_gzip_writer *writer = argument;
    struct libdeflate_compressor *compressor = libdeflate_alloc_compressor(writer->level);

    pthread_mutex_lock(&writer->lock);
    for (;;) {
        slot *chunk = &writer->slots[writer->next_take % writer->slot_count];
        while (!writer->stopping &&
               !(chunk->state == SLOT_QUEUED && chunk->sequence == writer->next_take)) {
            pthread_cond_wait(&writer->work_ready, &writer->lock);
            chunk = &writer->slots[writer->next_take % writer->slot_count];
        }
        if (writer->stopping)
            break;

        chunk->state = SLOT_BUSY;
        writer->next_take++;
        pthread_mutex_unlock(&writer->lock);

        compress_slot(compressor, chunk);

        pthread_mutex_lock(&writer->lock);
        chunk->state = SLOT_DONE;
        pthread_cond_broadcast(&writer->work_done);
        /* Another queued chunk may be waiting for a worker. */
        pthread_cond_broadcast(&writer->work_ready);
    }
    pthread_mutex_unlock(&writer->lock);

    libdeflate_free_compressor(compressor);
    return NULL;
}

/* The output buffers hold libdeflate's bound, so a failed chunk means its compressor is missing. */
static wh_status compress_error(wh_error *err)
{
    return wh_error_set(err, WH_ERR_NOMEM, "out of memory compressing a layer");
}

/*
 * Waits until a submitted chunk is compressed, passes its member to output
 * and frees the slot. A free slot (possibly half filled) is left alone.
 */
static wh_status drain_slot(wh_gzip_writer *writer, slot *chunk, wh_error *err)
{
    int submitted;
    if (writer->worker_count > 0) {
        pthread_mutex_lock(&writer->lock);
        submitted = chunk->state != SLOT_FREE;
        while (chunk->state != SLOT_DONE && chunk->state != SLOT_FREE)
            pthread_cond_wait(&writer->work_done, &writer->lock);
        chunk->state = SLOT_FREE;
        pthread_mutex_unlock(&writer->lock);
    } else {
        submitted = chunk->state != SLOT_FREE;
        chunk->state = SLOT_FREE;
    }
    if (!submitted)
        return WH_OK;
    chunk->input_size = 0;

    if (chunk->failed)
        return compress_error(err);
    writer->output_total += chunk->output_size;
    return writer->output(writer->context, chunk->output, chunk->output_size, err);
}

/* Hands the chunk being filled to a worker, or compresses it here with one thread. */
static wh_status submit_current(wh_gzip_writer *writer, wh_error *err)
{
    slot *chunk = &writer->slots[writer->next_sequence % writer->slot_count];
    uint64_t sequence = writer->next_sequence++;

    if (writer->worker_count == 0) {
        chunk->sequence = sequence;
        compress_slot(writer->inline_compressor, chunk);
        chunk->state = SLOT_DONE;
        return drain_slot(writer, chunk, err);
    }

    pthread_mutex_lock(&writer->lock);
    chunk->sequence = sequence;
    chunk->state = SLOT_QUEUED;
    pthread_cond_broadcast(&writer->work_ready);
    pthread_mutex_unlock(&writer->lock);
    return WH_OK;
}

/*
 * Returns the slot for the chunk being filled. Slots are reused in sequence
 * order, so draining the previous occupant keeps the output in input order.
 */
static wh_status current_slot(wh_gzip_writer *writer, slot **out, wh_error *err)
{
    slot *chunk = &writer->slots[writer->next_sequence % writer->slot_count];
    wh_status result = drain_slot(writer, chunk, err);
    if (result != WH_OK)
        return result;
    *out = chunk;
    return WH_OK;
}

wh_status wh_gzip_writer_write(wh_gzip_writer *writer, const void *data, size_t size,
                               wh_error *err)
{
    const unsigned char *bytes = data;
    if (writer->finished)
        return wh_error_set(err, WH_ERR_INVALID, "gzip writer used after finishing");

    while (size > 0) {
        slot *chunk = NULL;
        wh_status result = current_slot(writer, &chunk, err);
        if (result != WH_OK)
            return result;

        size_t room = WH_GZIP_CHUNK_SIZE - chunk->input_size;
        size_t count = size < room ? size : room;
        memcpy(chunk->input + chunk->input_size, bytes, count);
        chunk->input_size += count;
        bytes += count;
        size -= count;

        if (chunk->input_size == WH_GZIP_CHUNK_SIZE) {
            result = submit_current(writer, err);
            if (result != WH_OK)
                return result;
        }
    }
    return WH_OK;
}

wh_status wh_gzip_writer_finish(wh_gzip_writer *writer, wh_error *err)
{
    if (writer->finished)
        return wh_error_set(err, WH_ERR_INVALID, "gzip writer finished twice");
    writer->finished = 1;

    /* Submit a partial chunk, or an empty one when nothing was written at all. */
    slot *chunk = NULL;
    wh_status result = current_slot(writer, &chunk, err);
    if (result != WH_OK)
        return result;
    if (chunk->input_size > 0 || writer->next_sequence == 0) {
        result = submit_current(writer, err);
        if (result != WH_OK)
            return result;
    }

    /* Drain the rest in sequence order. */
    uint64_t first = writer->next_sequence > writer->slot_count
                         ? writer->next_sequence - writer->slot_count
                         : 0;
    for (uint64_t sequence = first; sequence < writer->next_sequence; sequence++) {
        result = drain_slot(writer, &writer->slots[sequence % writer->slot_count], err);
        if (result != WH_OK)
            return result;
    }
    return WH_OK;
}

uint64_t wh_gzip_writer_output_size(const wh_gzip_writer *writer)
{
    return writer->output_total;
}

static wh_status allocate_slots(wh_gzip_writer *writer, wh_error *err)
{
    /* Two chunks per worker keep every worker busy while the caller fills the next. */
    writer->slot_count = writer->threads == 1 ? 1 : (size_t)writer->threads * 2;
    writer->slots = calloc(writer->slot_count, sizeof(*writer->slots));
    if (writer->slots == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory for gzip buffers");

    struct libdeflate_compressor *sizing = libdeflate_alloc_compressor(writer->level);
    if (sizing == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory for gzip buffers");
    size_t capacity = libdeflate_gzip_compress_bound(sizing, WH_GZIP_CHUNK_SIZE);
    libdeflate_free_compressor(sizing);
    for (size_t i = 0; i < writer->slot_count; i++) {
        writer->slots[i].input = malloc(WH_GZIP_CHUNK_SIZE);
        writer->slots[i].output = malloc(capacity);
        writer->slots[i].output_capacity = capacity;
        if (writer->slots[i].input == NULL || writer->slots[i].output == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory for gzip buffers");
    }
    return WH_OK;
}

static wh_status start_workers(wh_gzip_writer *writer, wh_error *err)
{
    if (pthread_mutex_init(&writer->lock, NULL) != 0)
        return wh_error_set(err, WH_ERR_NOMEM, "cannot create a mutex for gzip threads");
    if (pthread_cond_init(&writer->work_ready, NULL) != 0) {
        pthread_mutex_destroy(&writer->lock);
        return wh_error_set(err, WH_ERR_NOMEM, "cannot create a condition for gzip threads");
    }
    if (pthread_cond_init(&writer->work_done, NULL) != 0) {
        pthread_cond_destroy(&writer->work_ready);
        pthread_mutex_destroy(&writer->lock);
        return wh_error_set(err, WH_ERR_NOMEM, "cannot create a condition for gzip threads");
    }
    writer->sync_ready = 1;

    writer->workers = calloc(writer->threads, sizeof(*writer->workers));
    if (writer->workers == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory for gzip threads");
    for (unsigned i = 0; i < writer->threads; i++) {
        if (pthread_create(&writer->workers[i], NULL, worker_main, writer) != 0)
            return wh_error_set(err, WH_ERR_NOMEM, "cannot start gzip thread %u of %u", i + 1,
                                writer->threads);
        writer->worker_count++;
    }
    return WH_OK;
}

wh_status wh_gzip_writer_new(int level, unsigned threads, wh_gzip_output_fn output,
                             void *context, wh_gzip_writer **out, wh_error *err)
{
    wh_status result = WH_OK;
    *out = NULL;
    if (level < 1 || level > 9)
        return wh_error_set(err, WH_ERR_INVALID, "invalid gzip level %d: use 1 to 9", level);

    wh_gzip_writer *writer = calloc(1, sizeof(*writer));
    if (writer == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory for a gzip writer");
    writer->level = level;
    writer->threads = threads == 0 ? wh_gzip_default_threads() : threads;
    if (writer->threads > WH_GZIP_MAX_THREADS)
        writer->threads = WH_GZIP_MAX_THREADS;
    writer->output = output;
    writer->context = context;

    result = allocate_slots(writer, err);
    if (result != WH_OK)
        goto out;

    if (writer->threads == 1) {
        writer->inline_compressor = libdeflate_alloc_compressor(level);
        if (writer->inline_compressor == NULL)
            result = compress_error(err);
    } else {
        result = start_workers(writer, err);
    }

out:
    if (result != WH_OK)
        wh_gzip_writer_free(writer);
    else
        *out = writer;
    return result;
}

void wh_gzip_writer_free(wh_gzip_writer *writer)
{
    if (writer == NULL)
        return;

    if (writer->sync_ready) {
        pthread_mutex_lock(&writer->lock);
        writer->stopping = 1;
        pthread_cond_broadcast(&writer->work_ready);
        pthread_mutex_unlock(&writer->lock);
        for (unsigned i = 0; i < writer->worker_count; i++)
            pthread_join(writer->workers[i], NULL);
        pthread_cond_destroy(&writer->work_done);
        pthread_cond_destroy(&writer->work_ready);
        pthread_mutex_destroy(&writer->lock);
    }
    free(writer->workers);

    libdeflate_free_compressor(writer->inline_compressor);
    for (size_t i = 0; writer->slots != NULL && i < writer->slot_count; i++) {
        free(writer->slots[i].input);
        free(writer->slots[i].output);
    }
    free(writer->slots);
    free(writer);
}
