#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "../../core/layer.h"
#include "support_binaries.h"
#include "support_image_tree.h"

typedef struct buffer {
    unsigned char *data;
    size_t size;
} buffer;

static wh_status append(void *context, const void *data, size_t size, wh_error *err)
{
    (void)err;
    buffer *out = context;
    out->data = realloc(out->data, out->size + size);
    assert_non_null(out->data);
    memcpy(out->data + out->size, data, size);
    out->size += size;
    return WH_OK;
}

typedef struct fixture {
    char *dir;
    char *hello;
    char *other;
    char hello_hex[65];
    char other_hex[65];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->dir = test_support_make_temp_dir();
    f->hello = test_write_text(f->dir, "hello", "hello, layer\n");
    f->other = test_write_text(f->dir, "other", "other content\n");
    *state = f;
    return f->dir != NULL && f->hello != NULL && f->other != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    test_support_remove_tree(f->dir);
    free(f->dir);
    free(f->hello);
    free(f->other);
    free(f);
    wh_image_cancel_reset();
    return 0;
}

static wh_layer_plan *plan_of(wh_layer_entry *entries, size_t count)
{
    wh_layer_input input = {.entries = entries, .count = count};
    wh_layer_plan *plan = NULL;
    wh_error err = {0};
    if (wh_layer_plan_new(&input, 0, &plan, &err) != WH_OK)
        fail_msg("plan failed: %s", err.message);
    return plan;
}

static void plan_fails(wh_layer_entry *entries, size_t count, const char *message_part)
{
    wh_layer_input input = {.entries = entries, .count = count};
    wh_layer_plan *plan = NULL;
    wh_error err = {0};
    assert_int_equal(wh_layer_plan_new(&input, 0, &plan, &err), WH_ERR_INVALID);
    assert_null(plan);
    if (strstr(err.message, message_part) == NULL)
        fail_msg("error lacks \"%s\": %s", message_part, err.message);
}

static buffer write_plan(const wh_layer_plan *plan, int64_t epoch)
{
    buffer out = {0};
    wh_error err = {0};
    wh_layer_write_options options = {.epoch = epoch};
    if (wh_layer_write(plan, &options, append, &out, &err) != WH_OK)
        fail_msg("layer write failed: %s", err.message);
    return out;
}

static int contains_bytes(const buffer *haystack, const char *needle)
{
    size_t length = strlen(needle);
    for (size_t i = 0; i + length <= haystack->size; i++) {
        if (memcmp(haystack->data + i, needle, length) == 0)
            return 1;
    }
    return 0;
}

static void test_plan_sorts_and_adds_parents(void **state)
{
    fixture *f = *state;
    wh_layer_entry entries[3];
    test_regular_entry(&entries[0], "/usr/bin/b", f->hello, f->hello_hex);
    test_regular_entry(&entries[1], "/usr/bin.d", f->other, f->other_hex);
    test_regular_entry(&entries[2], "/etc/x", f->other, f->other_hex);

    wh_layer_plan *plan = plan_of(entries, 3);
    const char *expected[] = {"etc", "etc/x", "usr", "usr/bin", "usr/bin.d", "usr/bin/b"};
    assert_int_equal(plan->count, 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(plan->items[i].name, expected[i]);
    assert_true(plan->items[0].added_parent);
    assert_int_equal(plan->items[0].mode, S_IFDIR | 0755);
    assert_int_equal(plan->items[0].uid, 0);
    assert_false(plan->items[1].added_parent);
    wh_layer_plan_free(plan);
}

static void test_plan_parent_from_lower_layer(void **state)
{
    fixture *f = *state;
    wh_layer_entry lower[1] = {{.path = "/tmp", .type = WH_FILE_DIRECTORY,
                                .mode = S_IFDIR | 01777, .uid = 0, .gid = 0}};
    wh_layer_entry upper[1];
    test_regular_entry(&upper[0], "/tmp/x", f->hello, f->hello_hex);
    wh_layer_input layers[2] = {{.entries = lower, .count = 1}, {.entries = upper, .count = 1}};

    wh_layer_plan *plan = NULL;
    wh_error err = {0};
    assert_int_equal(wh_layer_plan_new(layers, 1, &plan, &err), WH_OK);
    assert_int_equal(plan->count, 2);
    assert_string_equal(plan->items[0].name, "tmp");
    assert_int_equal(plan->items[0].mode, S_IFDIR | 01777);
    assert_true(plan->items[0].added_parent);
    wh_layer_plan_free(plan);
}

static void test_plan_hardlink_first_name_carries_content(void **state)
{
    fixture *f = *state;
    wh_layer_entry entries[3];
    test_regular_entry(&entries[0], "/z/real", f->hello, f->hello_hex);
    entries[0].mode = S_IFREG | 0755;
    entries[1] = (wh_layer_entry){.path = "/a/link", .type = WH_FILE_HARDLINK,
                                  .link_target = "/z/real"};
    entries[2] = (wh_layer_entry){.path = "/m/link2", .type = WH_FILE_HARDLINK,
                                  .link_target = "/a/link"};

    wh_layer_plan *plan = plan_of(entries, 3);
    /* a, a/link, m, m/link2, z, z/real */
    assert_int_equal(plan->count, 6);
    assert_string_equal(plan->items[1].name, "a/link");
    assert_int_equal(plan->items[1].type, WH_FILE_REGULAR);
    assert_int_equal(plan->items[1].mode, S_IFREG | 0755);
    assert_string_equal(plan->items[1].sha256, f->hello_hex);
    assert_int_equal(plan->items[3].type, WH_FILE_HARDLINK);
    assert_string_equal(plan->items[3].link_target, "a/link");
    assert_int_equal(plan->items[5].type, WH_FILE_HARDLINK);
    assert_string_equal(plan->items[5].link_target, "a/link");
    assert_int_equal(plan->items[5].size, 0);
    assert_int_equal(plan->content_bytes, strlen("hello, layer\n"));
    wh_layer_plan_free(plan);
}

static void test_plan_rejects_bad_entries(void **state)
{
    fixture *f = *state;
    wh_layer_entry entry[2];

    test_regular_entry(&entry[0], "usr/x", f->hello, f->hello_hex);
    plan_fails(entry, 1, "invalid image path \"usr/x\"");
    test_regular_entry(&entry[0], "/usr/../x", f->hello, f->hello_hex);
    plan_fails(entry, 1, "invalid image path");
    test_regular_entry(&entry[0], "/usr//x", f->hello, f->hello_hex);
    plan_fails(entry, 1, "invalid image path");
    test_regular_entry(&entry[0], "/usr/x/", f->hello, f->hello_hex);
    plan_fails(entry, 1, "invalid image path");

    test_regular_entry(&entry[0], "/x", f->hello, f->hello_hex);
    test_regular_entry(&entry[1], "/x", f->other, f->other_hex);
    plan_fails(entry, 2, "/x appears twice");

    test_regular_entry(&entry[0], "/x", f->hello, f->hello_hex);
    entry[0].mode = S_IFDIR | 0755;
    plan_fails(entry, 1, "has a different file type");

    test_regular_entry(&entry[0], "/x", f->hello, f->hello_hex);
    entry[0].sha256 = "abc";
    plan_fails(entry, 1, "no valid sha256");

    entry[0] = (wh_layer_entry){.path = "/l", .type = WH_FILE_HARDLINK, .link_target = "/none"};
    plan_fails(entry, 1, "not a regular file in layer 1");

    entry[0] = (wh_layer_entry){.path = "/lib", .type = WH_FILE_SYMLINK, .link_target = "usr/lib"};
    test_regular_entry(&entry[1], "/lib/x", f->hello, f->hello_hex);
    plan_fails(entry, 2, "which is a symlink, not a directory");

    entry[0] = (wh_layer_entry){.path = "/s", .type = WH_FILE_SYMLINK};
    plan_fails(entry, 1, "symlink without a target");
}

static void test_plan_drops_root_entry(void **state)
{
    (void)state;
    wh_layer_entry entries[2] = {
        {.path = "/", .type = WH_FILE_DIRECTORY, .mode = S_IFDIR | 0755},
        {.path = "/d", .type = WH_FILE_DIRECTORY, .mode = 0700},
    };
    wh_layer_plan *plan = plan_of(entries, 2);
    assert_int_equal(plan->count, 1);
    assert_string_equal(plan->items[0].name, "d");
    assert_int_equal(plan->items[0].mode, S_IFDIR | 0700);
    wh_layer_plan_free(plan);
}

/* Builds every entry type the writer supports. */
static wh_layer_plan *all_types_plan(fixture *f)
{
    static const unsigned char capability[] = {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0,
                                               0, 0, 0, 0, 0, 0};
    static wh_xattr xattrs[1];
    static wh_layer_entry entries[7];
    xattrs[0] = (wh_xattr){"security.capability", capability, sizeof(capability)};

    test_regular_entry(&entries[0], "/usr/bin/ping", f->hello, f->hello_hex);
    entries[0].mode = S_IFREG | 04755;
    entries[0].xattrs = xattrs;
    entries[0].xattr_count = 1;
    entries[1] = (wh_layer_entry){.path = "/usr/bin/ping6", .type = WH_FILE_HARDLINK,
                                  .link_target = "/usr/bin/ping"};
    entries[2] = (wh_layer_entry){.path = "/bin", .type = WH_FILE_SYMLINK,
                                  .mode = S_IFLNK | 0777, .link_target = "usr/bin"};
    entries[3] = (wh_layer_entry){.path = "/dev/null", .type = WH_FILE_DEVICE,
                                  .mode = S_IFCHR | 0666, .rdev = makedev(1, 3)};
    entries[4] = (wh_layer_entry){.path = "/run/fifo", .type = WH_FILE_FIFO, .mode = 0600,
                                  .uid = 1000, .gid = 1000, .uname = "app", .gname = "app"};
    entries[5] = (wh_layer_entry){.path = "/home/app", .type = WH_FILE_DIRECTORY,
                                  .mode = S_IFDIR | 0750, .uid = 1000, .gid = 1000};
    test_regular_entry(&entries[6], "/caf\xc3\xa9/\xff-name", f->other, f->other_hex);
    return plan_of(entries, 7);
}

static void test_write_entries_read_back(void **state)
{
    fixture *f = *state;
    wh_layer_plan *plan = all_types_plan(f);
    buffer tar = write_plan(plan, 1700000000);

    wh_layer_locale locale = {0};
    assert_int_equal(wh_layer_locale_enter(&locale, NULL), WH_OK);
    struct archive *archive = archive_read_new();
    archive_read_support_format_tar(archive);
    assert_int_equal(archive_read_open_memory(archive, tar.data, tar.size), ARCHIVE_OK);
    struct archive_entry *entry;
    size_t index = 0;
    int status;
    while ((status = archive_read_next_header(archive, &entry)) == ARCHIVE_OK ||
           status == ARCHIVE_WARN) {
        const wh_layer_item *item = &plan->items[index++];
        char name[512];
        snprintf(name, sizeof(name), "%s", archive_entry_pathname(entry));
        if (name[strlen(name) - 1] == '/')
            name[strlen(name) - 1] = '\0';
        assert_string_equal(name, item->name);
        assert_int_equal(archive_entry_mtime(entry), 1700000000);
        assert_false(archive_entry_atime_is_set(entry));
        assert_false(archive_entry_ctime_is_set(entry));
        assert_int_equal(archive_entry_uid(entry), item->uid);
        assert_int_equal(archive_entry_perm(entry), item->mode & 07777);
        if (strcmp(item->name, "run/fifo") == 0) {
            assert_string_equal(archive_entry_uname(entry), "app");
            assert_int_equal(archive_entry_filetype(entry), AE_IFIFO);
        } else {
            const char *uname = archive_entry_uname(entry);
            assert_true(uname == NULL || uname[0] == '\0');
        }
        if (strcmp(item->name, "dev/null") == 0) {
            assert_int_equal(archive_entry_filetype(entry), AE_IFCHR);
            assert_int_equal(archive_entry_rdevmajor(entry), 1);
            assert_int_equal(archive_entry_rdevminor(entry), 3);
        }
        if (strcmp(item->name, "usr/bin/ping6") == 0)
            assert_string_equal(archive_entry_hardlink(entry), "usr/bin/ping");
        if (strcmp(item->name, "bin") == 0)
            assert_string_equal(archive_entry_symlink(entry), "usr/bin");
        if (strcmp(item->name, "usr/bin/ping") == 0)
            assert_int_equal(archive_entry_xattr_count(entry), 1);
    }
    assert_int_equal(status, ARCHIVE_EOF);
    assert_int_equal(index, plan->count);
    archive_read_free(archive);
    wh_layer_locale_leave(&locale);

    /* Raw checks: the xattr only as SCHILY.xattr, no times but mtime, no pid in names. */
    assert_true(contains_bytes(&tar, "SCHILY.xattr.security.capability="));
    assert_false(contains_bytes(&tar, "LIBARCHIVE.xattr"));
    assert_false(contains_bytes(&tar, " atime="));
    assert_false(contains_bytes(&tar, " ctime="));
    assert_true(contains_bytes(&tar, "usr/bin/PaxHeader/ping"));
    assert_true(contains_bytes(&tar, "hdrcharset=BINARY"));
    assert_true(contains_bytes(&tar, "path=caf\xc3\xa9/\xff-name"));
    assert_int_equal(tar.size % 512, 0);

    free(tar.data);
    wh_layer_plan_free(plan);
}

static void test_write_is_deterministic_across_locales(void **state)
{
    fixture *f = *state;
    wh_layer_plan *plan = all_types_plan(f);

    setlocale(LC_ALL, "C");
    buffer first = write_plan(plan, 0);
    if (setlocale(LC_ALL, "C.UTF-8") == NULL)
        skip();
    buffer second = write_plan(plan, 0);
    setlocale(LC_ALL, "C");

    assert_int_equal(first.size, second.size);
    assert_memory_equal(first.data, second.data, first.size);
    free(first.data);
    free(second.data);
    wh_layer_plan_free(plan);
}

static void test_write_rejects_changed_content(void **state)
{
    fixture *f = *state;
    wh_layer_entry entry;
    test_regular_entry(&entry, "/etc/data", f->hello, f->hello_hex);
    wh_layer_plan *plan = plan_of(&entry, 1);

    /* Same size, different bytes: a digest mismatch. */
    free(test_write_text(f->dir, "hello", "hello, LAYER\n"));
    buffer out = {0};
    wh_error err = {0};
    wh_layer_write_options options = {.epoch = 0};
    assert_int_equal(wh_layer_write(plan, &options, append, &out, &err), WH_ERR_DIGEST);
    assert_non_null(strstr(err.message, "/etc/data"));
    assert_non_null(strstr(err.message, f->hello));
    assert_non_null(strstr(err.message, f->hello_hex));

    /* Longer than recorded. */
    free(test_write_text(f->dir, "hello", "hello, layer, longer\n"));
    assert_int_equal(wh_layer_write(plan, &options, append, &out, &err), WH_ERR_DIGEST);
    assert_non_null(strstr(err.message, "longer than the recorded size"));

    /* Missing content file. */
    remove(f->hello);
    assert_int_equal(wh_layer_write(plan, &options, append, &out, &err), WH_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, f->hello));

    free(out.data);
    wh_layer_plan_free(plan);
}

static void test_write_stops_when_cancelled(void **state)
{
    fixture *f = *state;
    wh_layer_entry entry;
    test_regular_entry(&entry, "/x", f->hello, f->hello_hex);
    wh_layer_plan *plan = plan_of(&entry, 1);

    wh_image_cancel();
    buffer out = {0};
    wh_error err = {0};
    wh_layer_write_options options = {.epoch = 0};
    assert_int_equal(wh_layer_write(plan, &options, append, &out, &err), WH_ERR_INVALID);
    assert_string_equal(err.message, "cancelled");
    wh_image_cancel_reset();
    assert_false(wh_image_cancelled());

    free(out.data);
    wh_layer_plan_free(plan);
}

typedef struct progress_log {
    int calls;
    uint64_t last_done;
    uint64_t total;
} progress_log;

static void record_progress(void *context, size_t layer, uint64_t done, uint64_t total)
{
    progress_log *log = context;
    assert_int_equal(layer, 4);
    assert_true(done >= log->last_done);
    assert_true(done <= total);
    log->calls++;
    log->last_done = done;
    log->total = total;
}

static void test_write_reports_progress_inside_files(void **state)
{
    fixture *f = *state;
    char *big = test_support_path(f->dir, "big");
    FILE *file = fopen(big, "wb");
    assert_non_null(file);
    char block[1024];
    memset(block, 'x', sizeof(block));
    for (int i = 0; i < 3 * 1024; i++)
        assert_int_equal(fwrite(block, 1, sizeof(block), file), sizeof(block));
    fclose(file);

    char hex[65];
    wh_layer_entry entries[2];
    test_regular_entry(&entries[0], "/big", big, hex);
    test_regular_entry(&entries[1], "/small", f->hello, f->hello_hex);
    wh_layer_plan *plan = plan_of(entries, 2);

    progress_log log = {0};
    buffer out = {0};
    wh_error err = {0};
    wh_layer_write_options options = {.epoch = 0, .layer_index = 4,
                                      .progress = record_progress, .progress_context = &log};
    assert_int_equal(wh_layer_write(plan, &options, append, &out, &err), WH_OK);
    /* One report per entry plus two inside the 3 MiB /big (after 1 and 2 MiB). */
    assert_int_equal(log.calls, 4);
    assert_int_equal(log.last_done, log.total);
    assert_int_equal(log.total, entries[0].size + entries[1].size);

    free(out.data);
    free(big);
    wh_layer_plan_free(plan);
}

static void test_write_rejects_negative_epoch(void **state)
{
    fixture *f = *state;
    wh_layer_entry entry;
    test_regular_entry(&entry, "/x", f->hello, f->hello_hex);
    wh_layer_plan *plan = plan_of(&entry, 1);
    buffer out = {0};
    wh_error err = {0};
    wh_layer_write_options options = {.epoch = -1};
    assert_int_equal(wh_layer_write(plan, &options, append, &out, &err), WH_ERR_INVALID);
    assert_non_null(strstr(err.message, "invalid epoch -1"));
    free(out.data);
    wh_layer_plan_free(plan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plan_sorts_and_adds_parents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_parent_from_lower_layer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_hardlink_first_name_carries_content, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_plan_rejects_bad_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_drops_root_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_entries_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_is_deterministic_across_locales, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_write_rejects_changed_content, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_stops_when_cancelled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_reports_progress_inside_files, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_write_rejects_negative_epoch, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
