#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../../core/gzip.h"

typedef struct buffer {
    unsigned char *data;
    size_t size;
    size_t capacity;
    int calls;
    int fail_after; /* output fails on this call number when > 0 */
} buffer;

static wh_status append(void *context, const void *data, size_t size, wh_error *err)
{
    buffer *out = context;
    out->calls++;
    if (out->fail_after > 0 && out->calls >= out->fail_after)
        return wh_error_set(err, WH_ERR_IO, "test output refused call %d", out->calls);
    if (out->size + size > out->capacity) {
        out->capacity = (out->size + size) * 2;
        out->data = realloc(out->data, out->capacity);
        assert_non_null(out->data);
    }
    memcpy(out->data + out->size, data, size);
    out->size += size;
    return WH_OK;
}

/* Fills data with text-like bytes that compress, from a fixed generator. */
static unsigned char *make_input(size_t size)
{
    unsigned char *data = malloc(size + 1);
    assert_non_null(data);
    uint32_t state = 12345;
    for (size_t i = 0; i < size; i++) {
        state = state * 1103515245u + 12345u;
        data[i] = (unsigned char)("abcdefgh \n"[(state >> 16) % 10]);
    }
    return data;
}

/* Compresses input in uneven pieces, as a tar writer would hand it over. */
static buffer gzip_all(const unsigned char *input, size_t size, unsigned threads)
{
    buffer out = {0};
    wh_gzip_writer *writer = NULL;
    wh_error err = {0};
    assert_int_equal(wh_gzip_writer_new(WH_GZIP_DEFAULT_LEVEL, threads, append, &out, &writer,
                                        &err), WH_OK);
    size_t offset = 0;
    size_t piece = 1;
    while (offset < size) {
        size_t count = size - offset < piece ? size - offset : piece;
        assert_int_equal(wh_gzip_writer_write(writer, input + offset, count, &err), WH_OK);
        offset += count;
        piece = piece * 3 + 7;
    }
    assert_int_equal(wh_gzip_writer_finish(writer, &err), WH_OK);
    assert_int_equal(wh_gzip_writer_output_size(writer), out.size);
    wh_gzip_writer_free(writer);
    return out;
}

/* Inflates every member; returns the member count and the joined output. */
static int inflate_members(const buffer *compressed, unsigned char **out, size_t *out_size)
{
    size_t capacity = compressed->size * 8 + 64;
    *out = malloc(capacity);
    assert_non_null(*out);
    z_stream stream;
    memset(&stream, 0, sizeof(stream));
    assert_int_equal(inflateInit2(&stream, 15 + 16), Z_OK);
    stream.next_in = compressed->data;
    stream.avail_in = (uInt)compressed->size;
    stream.next_out = *out;
    stream.avail_out = (uInt)capacity;
    int members = 0;
    while (stream.avail_in > 0) {
        int status = inflate(&stream, Z_NO_FLUSH);
        assert_int_equal(status, Z_STREAM_END);
        members++;
        assert_int_equal(inflateReset(&stream), Z_OK);
    }
    *out_size = capacity - stream.avail_out;
    inflateEnd(&stream);
    return members;
}

static void test_output_same_for_any_thread_count(void **state)
{
    (void)state;
    size_t size = 3 * WH_GZIP_CHUNK_SIZE + 12345;
    unsigned char *input = make_input(size);

    buffer single = gzip_all(input, size, 1);
    unsigned counts[] = {2, 3, 8, 0};
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        buffer other = gzip_all(input, size, counts[i]);
        if (other.size != single.size || memcmp(other.data, single.data, single.size) != 0)
            fail_msg("%u threads gave different bytes than 1 thread", counts[i]);
        free(other.data);
    }

    free(single.data);
    free(input);
}

static void test_members_decompress_to_input(void **state)
{
    (void)state;
    size_t size = 2 * WH_GZIP_CHUNK_SIZE + 1;
    unsigned char *input = make_input(size);
    buffer compressed = gzip_all(input, size, 2);

    unsigned char *plain = NULL;
    size_t plain_size = 0;
    assert_int_equal(inflate_members(&compressed, &plain, &plain_size), 3);
    assert_int_equal(plain_size, size);
    assert_memory_equal(plain, input, size);

    free(plain);
    free(compressed.data);
    free(input);
}

static void test_header_has_no_name_or_time(void **state)
{
    (void)state;
    unsigned char input[] = "hello";
    buffer compressed = gzip_all(input, 5, 1);

    assert_true(compressed.size > 18);
    assert_int_equal(compressed.data[0], 0x1f);
    assert_int_equal(compressed.data[1], 0x8b);
    assert_int_equal(compressed.data[2], 8);          /* deflate */
    assert_int_equal(compressed.data[3], 0);          /* no FNAME, FCOMMENT, FEXTRA */
    for (int i = 4; i < 8; i++)
        assert_int_equal(compressed.data[i], 0);      /* MTIME */
    assert_int_equal(compressed.data[9], 255);        /* OS unknown */

    free(compressed.data);
}

static void test_empty_input_is_valid_gzip(void **state)
{
    (void)state;
    buffer compressed = gzip_all(NULL, 0, 2);
    unsigned char *plain = NULL;
    size_t plain_size = 0;
    assert_int_equal(inflate_members(&compressed, &plain, &plain_size), 1);
    assert_int_equal(plain_size, 0);
    free(plain);
    free(compressed.data);
}

static void test_exact_chunk_multiple(void **state)
{
    (void)state;
    size_t size = 2 * WH_GZIP_CHUNK_SIZE;
    unsigned char *input = make_input(size);
    buffer compressed = gzip_all(input, size, 3);
    unsigned char *plain = NULL;
    size_t plain_size = 0;
    assert_int_equal(inflate_members(&compressed, &plain, &plain_size), 2);
    assert_int_equal(plain_size, size);
    free(plain);
    free(compressed.data);
    free(input);
}

static void test_output_error_propagates(void **state)
{
    (void)state;
    size_t size = 4 * WH_GZIP_CHUNK_SIZE;
    unsigned char *input = make_input(size);
    unsigned counts[] = {1, 2};
    for (size_t i = 0; i < 2; i++) {
        buffer out = {.fail_after = 2};
        wh_gzip_writer *writer = NULL;
        wh_error err = {0};
        assert_int_equal(wh_gzip_writer_new(6, counts[i], append, &out, &writer, &err), WH_OK);
        wh_status status = wh_gzip_writer_write(writer, input, size, &err);
        if (status == WH_OK)
            status = wh_gzip_writer_finish(writer, &err);
        assert_int_equal(status, WH_ERR_IO);
        assert_non_null(strstr(err.message, "test output refused"));
        wh_gzip_writer_free(writer);
        free(out.data);
    }
    free(input);
}

static void test_invalid_level_rejected(void **state)
{
    (void)state;
    wh_gzip_writer *writer = NULL;
    wh_error err = {0};
    assert_int_equal(wh_gzip_writer_new(0, 1, append, NULL, &writer, &err), WH_ERR_INVALID);
    assert_null(writer);
    assert_non_null(strstr(err.message, "gzip level 0"));
    wh_gzip_writer_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_output_same_for_any_thread_count),
        cmocka_unit_test(test_members_decompress_to_input),
        cmocka_unit_test(test_header_has_no_name_or_time),
        cmocka_unit_test(test_empty_input_is_valid_gzip),
        cmocka_unit_test(test_exact_chunk_multiple),
        cmocka_unit_test(test_output_error_propagates),
        cmocka_unit_test(test_invalid_level_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
