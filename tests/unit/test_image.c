/*
 * Unit tests of wh_image_write. Run with arguments, the binary is also the
 * writer that tests/e2e/test_image_writer.sh drives:
 *
 *   test_image --write DEST DIR [--threads N] [--epoch SECONDS] [--split]
 *              [--delay-ms MS]
 *
 * writes the folder DIR (owned by root in the image) to the transport
 * reference DEST and prints the manifest digest, then one line per layer:
 * "layer DIGEST DIFF_ID SIZE". --split makes one layer per top-level entry.
 * --delay-ms sleeps after each progress report, so a test can signal a write
 * in progress. SIGINT and SIGTERM cancel the write.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <libdeflate.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../core/digest.h"
#include "../../core/gzip.h"
#include "../../core/image.h"
#include "../../core/image_internal.h"
#include "support_binaries.h"
#include "support_image_tree.h"

static const char *const test_cmd[] = {"/usr/bin/app", "--serve"};
static const char *const test_env[] = {"PATH=/usr/bin", "LANG=C.UTF-8"};
static const char *const test_ports[] = {"8080/tcp"};
static const wh_label test_labels[] = {{"org.opencontainers.image.title", "demo"},
                                       {"a.first", "1"}};

static wh_image_config test_config(void)
{
    return (wh_image_config){
        .architecture = "amd64",
        .os = "linux",
        .user = "1000:1000",
        .entrypoint = test_cmd,
        .entrypoint_count = 1,
        .cmd = test_cmd + 1,
        .cmd_count = 1,
        .env = test_env,
        .env_count = 2,
        .workdir = "/",
        .labels = test_labels,
        .label_count = 2,
        .exposed_ports = test_ports,
        .exposed_port_count = 1,
        .stop_signal = "SIGTERM",
        .created = 0,
    };
}

/* --- command-line mode for the end-to-end script --- */

static void sleep_after_progress(void *context, size_t layer, uint64_t done, uint64_t total)
{
    (void)layer;
    (void)done;
    (void)total;
    long milliseconds = *(const long *)context;
    struct timespec pause = {milliseconds / 1000, (milliseconds % 1000) * 1000000L};
    nanosleep(&pause, NULL);
}

static int run_writer(int argc, char **argv)
{
    static const char usage[] =
        "usage: test_image --write DEST DIR [--threads N] [--epoch SECONDS] [--split] "
        "[--delay-ms MS]\n";
    if (argc < 4) {
        fputs(usage, stderr);
        return 2;
    }
    wh_image_options options = {.epoch = 0};
    int split = 0;
    long delay_ms = 0;
    for (int i = 4; i < argc; i++) {
        if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            options.threads = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--epoch") == 0 && i + 1 < argc)
            options.epoch = strtoll(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--split") == 0)
            split = 1;
        else if (strcmp(argv[i], "--delay-ms") == 0 && i + 1 < argc)
            delay_ms = strtol(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "unknown option %s\n%s", argv[i], usage);
            return 2;
        }
    }

    if (delay_ms > 0) {
        options.progress = sleep_after_progress;
        options.progress_context = &delay_ms;
    }
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = wh_image_cancel_signal_handler;
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);

    image_tree tree;
    if (image_tree_load(argv[3], 1, &tree) != 0)
        return 1;

    /* --split: one layer per top-level name, entries grouped by their first component. */
    wh_layer_input layers[64];
    size_t layer_count = 0;
    wh_layer_entry *sorted = calloc(tree.count ? tree.count : 1, sizeof(*sorted));
    size_t used = 0;
    if (!split) {
        layers[layer_count++] = (wh_layer_input){tree.entries, tree.count, "whittle test tree"};
    } else {
        for (size_t i = 0; i < tree.count && layer_count < 64; i++) {
            const char *path = tree.entries[i].path;
            if (strchr(path + 1, '/') != NULL)
                continue;
            size_t prefix = strlen(path);
            layers[layer_count] = (wh_layer_input){sorted + used, 0, path};
            for (size_t j = 0; j < tree.count; j++) {
                const char *other = tree.entries[j].path;
                if (strncmp(other, path, prefix) == 0 && (other[prefix] == '\0' ||
                                                          other[prefix] == '/'))
                    sorted[used++] = tree.entries[j];
            }
            layers[layer_count].count = (size_t)(sorted + used - layers[layer_count].entries);
            layer_count++;
        }
    }

    wh_image_config config = test_config();
    config.created = options.epoch;
    wh_image_result result;
    wh_error err = {0};
    int status = 0;
    if (wh_image_write(argv[2], layers, layer_count, &config, &options, &result, &err) != WH_OK) {
        fprintf(stderr, "%s\n", err.message);
        status = 1;
    } else {
        printf("%s\n", result.manifest_digest);
        for (size_t i = 0; i < result.layer_count; i++)
            printf("layer %s %s %llu\n", result.layers[i].digest, result.layers[i].diff_id,
                   (unsigned long long)result.layers[i].size);
        wh_image_result_free(&result);
    }
    free(sorted);
    image_tree_free(&tree);
    return status;
}

/* --- unit tests --- */

typedef struct fixture {
    char *dir;
    char *content[3];
    char hex[3][65];
    wh_layer_entry entries[7];
    wh_layer_input layers[2];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->dir = test_support_make_temp_dir();
    f->content[0] = test_write_text(f->dir, "app", "#!/bin/false\nbinary stand-in\n");
    f->content[1] = test_write_text(f->dir, "conf", "key = value\n");
    f->content[2] = test_write_text(f->dir, "zone", "UTC0\n");

    test_regular_entry(&f->entries[0], "/usr/bin/app", f->content[0], f->hex[0]);
    f->entries[0].mode = S_IFREG | 0755;
    f->entries[1] = (wh_layer_entry){.path = "/usr/bin/app-link", .type = WH_FILE_HARDLINK,
                                     .link_target = "/usr/bin/app"};
    f->entries[2] = (wh_layer_entry){.path = "/tmp", .type = WH_FILE_DIRECTORY,
                                     .mode = S_IFDIR | 01777};
    test_regular_entry(&f->entries[3], "/etc/app.conf", f->content[1], f->hex[1]);
    f->entries[4] = (wh_layer_entry){.path = "/etc/localtime", .type = WH_FILE_SYMLINK,
                                     .mode = S_IFLNK | 0777, .link_target = "zoneinfo/UTC"};
    test_regular_entry(&f->entries[5], "/etc/zoneinfo/UTC", f->content[2], f->hex[2]);
    /* A UTF-8 name and one that is not valid UTF-8. */
    f->entries[6] = (wh_layer_entry){.path = "/etc/caf\xc3\xa9-\xff", .type = WH_FILE_SYMLINK,
                                     .mode = S_IFLNK | 0777, .link_target = "zoneinfo/UTC"};

    f->layers[0] = (wh_layer_input){f->entries, 3, "application"};
    f->layers[1] = (wh_layer_input){f->entries + 3, 4, "configuration"};
    *state = f;
    return f->dir != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    test_support_remove_tree(f->dir);
    free(f->dir);
    for (int i = 0; i < 3; i++)
        free(f->content[i]);
    free(f);
    wh_image_cancel_reset();
    return 0;
}

static char *out_path(const fixture *f, const char *name)
{
    return test_support_path(f->dir, name);
}

static wh_status write_to(fixture *f, const char *reference, unsigned threads,
                          wh_image_result *result, wh_error *err)
{
    wh_image_config config = test_config();
    wh_image_options options = {.epoch = 0, .threads = threads};
    return wh_image_write(reference, f->layers, 2, &config, &options, result, err);
}

static void write_ok(fixture *f, const char *reference, unsigned threads,
                     wh_image_result *result)
{
    wh_error err = {0};
    if (write_to(f, reference, threads, result, &err) != WH_OK)
        fail_msg("writing %s failed: %s", reference, err.message);
}

/* Fails unless the folder holds only the names given, with no temporary leftovers. */
static void assert_only_names(const char *dir, const char *const *names, size_t count)
{
    DIR *folder = opendir(dir);
    assert_non_null(folder);
    struct dirent *item;
    size_t found = 0;
    while ((item = readdir(folder)) != NULL) {
        if (item->d_name[0] == '.')
            continue;
        int known = 0;
        for (size_t i = 0; i < count; i++)
            known |= strcmp(names[i], item->d_name) == 0;
        if (!known)
            fail_msg("unexpected %s in %s", item->d_name, dir);
        found++;
    }
    closedir(folder);
    assert_int_equal(found, count);
}

static const char *const fixture_files[] = {"app", "conf", "zone"};

static json_t *load_blob(const char *layout, const char *digest)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/blobs/sha256/%s", layout, digest + 7);
    size_t size = 0;
    unsigned char *text = test_support_read_file(path, &size);
    assert_non_null(text);
    char hex[65];
    wh_sha256_buffer_hex(text, size, hex);
    assert_string_equal(hex, digest + 7);

    /* Canonical: parsing and dumping again with sorted keys gives the same bytes. */
    json_t *value = json_loadb((const char *)text, size, 0, NULL);
    assert_non_null(value);
    char *again = json_dumps(value, JSON_SORT_KEYS | JSON_COMPACT);
    assert_int_equal(strlen(again), size);
    assert_memory_equal(again, text, size);
    free(again);
    free(text);
    return value;
}

static void test_oci_layout_contents(void **state)
{
    fixture *f = *state;
    char *layout = out_path(f, "layout");
    char reference[4200];
    snprintf(reference, sizeof(reference), "oci:%s:v1", layout);
    wh_image_result result;
    write_ok(f, reference, 2, &result);

    const char *const top[] = {"blobs", "index.json", "oci-layout"};
    assert_only_names(layout, top, 3);

    char path[4200];
    snprintf(path, sizeof(path), "%s/index.json", layout);
    size_t size = 0;
    char *index_text = (char *)test_support_read_file(path, &size);
    json_t *index = json_loadb(index_text, size, 0, NULL);
    json_t *entry = json_array_get(json_object_get(index, "manifests"), 0);
    assert_string_equal(json_string_value(json_object_get(entry, "digest")),
                        result.manifest_digest);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(entry, "annotations"),
                            "org.opencontainers.image.ref.name")), "v1");

    json_t *manifest = load_blob(layout, result.manifest_digest);
    assert_string_equal(json_string_value(json_object_get(manifest, "mediaType")),
                        "application/vnd.oci.image.manifest.v1+json");
    json_t *layers = json_object_get(manifest, "layers");
    assert_int_equal(json_array_size(layers), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(layers, 1), "mediaType")),
                        "application/vnd.oci.image.layer.v1.tar+gzip");

    json_t *config = load_blob(layout, result.config_digest);
    assert_string_equal(json_string_value(json_object_get(config, "created")),
                        "1970-01-01T00:00:00Z");
    json_t *history = json_object_get(config, "history");
    assert_int_equal(json_array_size(history), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(history, 1),
                                                          "created_by")), "configuration");
    json_t *diff_ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
    assert_string_equal(json_string_value(json_array_get(diff_ids, 0)), result.layers[0].diff_id);
    json_t *run = json_object_get(config, "config");
    assert_string_equal(json_string_value(json_object_get(run, "User")), "1000:1000");
    assert_non_null(json_object_get(json_object_get(run, "ExposedPorts"), "8080/tcp"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(run, "Labels"),
                                                          "a.first")), "1");

    json_decref(index);
    json_decref(manifest);
    json_decref(config);
    free(index_text);
    wh_image_result_free(&result);
    free(layout);
}

/* Compares every file below two folders byte for byte. */
static void assert_same_tree(const char *left, const char *right)
{
    image_tree a;
    image_tree b;
    assert_int_equal(image_tree_load(left, 0, &a), 0);
    assert_int_equal(image_tree_load(right, 0, &b), 0);
    assert_int_equal(a.count, b.count);
    for (size_t i = 0; i < a.count; i++) {
        int matched = 0;
        for (size_t j = 0; j < b.count && !matched; j++) {
            matched = strcmp(a.entries[i].path, b.entries[j].path) == 0 &&
                      a.entries[i].type == b.entries[j].type &&
                      (a.entries[i].sha256 == NULL ||
                       strcmp(a.entries[i].sha256, b.entries[j].sha256) == 0);
        }
        if (!matched)
            fail_msg("%s differs between %s and %s", a.entries[i].path, left, right);
    }
    image_tree_free(&a);
    image_tree_free(&b);
}

static void test_same_bytes_for_threads_and_environment(void **state)
{
    fixture *f = *state;
    char *first = out_path(f, "first");
    char *second = out_path(f, "second");
    char reference[4200];
    wh_image_result first_result;
    wh_image_result second_result;

    snprintf(reference, sizeof(reference), "oci:%s", first);
    write_ok(f, reference, 1, &first_result);

    /* Another umask, time zone, locale and thread count. */
    mode_t old_umask = umask(077);
    setenv("TZ", "Asia/Kolkata", 1);
    tzset();
    setlocale(LC_ALL, "C.UTF-8");
    snprintf(reference, sizeof(reference), "oci:%s", second);
    write_ok(f, reference, 3, &second_result);
    umask(old_umask);
    unsetenv("TZ");
    tzset();
    setlocale(LC_ALL, "C");

    assert_string_equal(first_result.manifest_digest, second_result.manifest_digest);
    assert_same_tree(first, second);

    char blob[4300];
    struct stat info;
    snprintf(blob, sizeof(blob), "%s/blobs/sha256/%s", second, second_result.config_digest + 7);
    assert_int_equal(stat(blob, &info), 0);
    assert_int_equal(info.st_mode & 0777, 0644);
    assert_int_equal(stat(second, &info), 0);
    assert_int_equal(info.st_mode & 0777, 0755);

    wh_image_result_free(&first_result);
    wh_image_result_free(&second_result);
    free(first);
    free(second);
}

static void test_same_digest_for_every_destination(void **state)
{
    fixture *f = *state;
    const char *kinds[] = {"oci", "oci-archive", "docker-archive", "rootfs"};
    const char *names[] = {"o", "o.tar", "d.tar", "r"};
    char first_digest[WH_DIGEST_TEXT_MAX] = "";
    for (size_t i = 0; i < 4; i++) {
        char *path = out_path(f, names[i]);
        char reference[4200];
        snprintf(reference, sizeof(reference), "%s:%s", kinds[i], path);
        wh_image_result result;
        write_ok(f, reference, 2, &result);
        if (i == 0)
            snprintf(first_digest, sizeof(first_digest), "%s", result.manifest_digest);
        assert_string_equal(result.manifest_digest, first_digest);
        wh_image_result_free(&result);
        free(path);
    }
    const char *const expected[] = {"app", "conf", "zone", "o", "o.tar", "d.tar", "r"};
    assert_only_names(f->dir, expected, 7);

    /* The unpacked tree contains the upper layer's files and the lower layer's /tmp. */
    char path[4200];
    struct stat info;
    snprintf(path, sizeof(path), "%s/r/tmp", f->dir);
    assert_int_equal(lstat(path, &info), 0);
    assert_int_equal(info.st_mode & 07777, 01777);
    snprintf(path, sizeof(path), "%s/r/etc/localtime", f->dir);
    assert_int_equal(lstat(path, &info), 0);
    assert_true(S_ISLNK(info.st_mode));
    assert_int_equal(info.st_mtime == 0 || S_ISLNK(info.st_mode), 1);
}

static void test_digest_mismatch_leaves_nothing(void **state)
{
    fixture *f = *state;
    free(test_write_text(f->dir, "conf", "key = VALUE\n"));
    const char *kinds[] = {"oci", "oci-archive", "docker-archive", "rootfs"};
    for (size_t i = 0; i < 4; i++) {
        char *path = out_path(f, "bad");
        char reference[4200];
        snprintf(reference, sizeof(reference), "%s:%s", kinds[i], path);
        wh_image_result result;
        wh_error err = {0};
        assert_int_equal(write_to(f, reference, 2, &result, &err), WH_ERR_DIGEST);
        assert_non_null(strstr(err.message, "/etc/app.conf"));
        assert_non_null(strstr(err.message, f->content[1]));
        assert_null(result.layers);
        assert_only_names(f->dir, fixture_files, 3);
        free(path);
    }
}

static void test_existing_destination_rejected(void **state)
{
    fixture *f = *state;
    char *path = out_path(f, "exists");
    assert_int_equal(mkdir(path, 0755), 0);
    char reference[4200];
    snprintf(reference, sizeof(reference), "oci:%s", path);
    wh_image_result result;
    wh_error err = {0};
    assert_int_equal(write_to(f, reference, 1, &result, &err), WH_ERR_EXISTS);
    assert_non_null(strstr(err.message, "already exists"));
    free(path);
}

static void test_cancel_leaves_nothing(void **state)
{
    fixture *f = *state;
    char *path = out_path(f, "cancelled.tar");
    char reference[4200];
    snprintf(reference, sizeof(reference), "oci-archive:%s", path);
    wh_image_result result;
    wh_error err = {0};
    wh_image_cancel();
    assert_int_equal(write_to(f, reference, 2, &result, &err), WH_ERR_INVALID);
    assert_non_null(strstr(err.message, "cancelled"));
    assert_only_names(f->dir, fixture_files, 3);
    free(path);
}

static void test_invalid_requests_rejected(void **state)
{
    fixture *f = *state;
    wh_image_result result;
    wh_error err = {0};
    assert_int_equal(write_to(f, "docker://host/app:1", 1, &result, &err), WH_ERR_INVALID);
    assert_non_null(strstr(err.message, "cannot write to docker: references"));
    assert_int_equal(write_to(f, "oci", 1, &result, &err), WH_ERR_INVALID);

    wh_image_config config = test_config();
    config.architecture = NULL;
    wh_image_options options = {0};
    char *path = out_path(f, "noarch");
    char reference[4200];
    snprintf(reference, sizeof(reference), "oci:%s", path);
    assert_int_equal(wh_image_write(reference, f->layers, 2, &config, &options, &result, &err),
                     WH_ERR_INVALID);
    assert_non_null(strstr(err.message, "architecture"));
    assert_only_names(f->dir, fixture_files, 3);
    free(path);
}

typedef struct progress_log {
    int calls;
    uint64_t last_done[2];
    uint64_t last_total[2];
} progress_log;

static void record_progress(void *context, size_t layer, uint64_t done, uint64_t total)
{
    progress_log *log = context;
    log->calls++;
    assert_true(layer < 2);
    assert_true(done <= total);
    log->last_done[layer] = done;
    log->last_total[layer] = total;
}

static void test_progress_reaches_total(void **state)
{
    fixture *f = *state;
    char *path = out_path(f, "progress");
    char reference[4200];
    snprintf(reference, sizeof(reference), "oci:%s", path);
    progress_log log = {0};
    wh_image_config config = test_config();
    wh_image_options options = {.progress = record_progress, .progress_context = &log};
    wh_image_result result;
    wh_error err = {0};
    assert_int_equal(wh_image_write(reference, f->layers, 2, &config, &options, &result, &err),
                     WH_OK);
    assert_true(log.calls >= 6);
    for (int i = 0; i < 2; i++) {
        assert_true(log.last_total[i] > 0);
        assert_int_equal(log.last_done[i], log.last_total[i]);
    }
    wh_image_result_free(&result);
    free(path);
}


/* The read-back check itself: a layer that differs from its plan is rejected. */
static void test_verify_detects_differences(void **state)
{
    fixture *f = *state;
    char *layout = out_path(f, "verified");
    char reference[4200];
    snprintf(reference, sizeof(reference), "oci:%s", layout);
    wh_image_result result;
    write_ok(f, reference, 1, &result);

    wh_layer_plan *plan = NULL;
    wh_error err = {0};
    assert_int_equal(wh_layer_plan_new(f->layers, 1, &plan, &err), WH_OK);
    const wh_layer_result *layer = &result.layers[1];
    char blob[4300];
    snprintf(blob, sizeof(blob), "%s/blobs/sha256/%s", layout, layer->digest + 7);
    wh_layer_locale locale = {0};
    assert_int_equal(wh_layer_locale_enter(&locale, NULL), WH_OK);

    assert_int_equal(wh_image_verify_layer_file(blob, 1, plan, 0, layer->digest + 7,
                                                layer->diff_id + 7, 1, &err), WH_OK);

    /* A planned mode the tar does not have. */
    mode_t saved_mode = plan->items[1].mode;
    plan->items[1].mode ^= 0100;
    assert_int_equal(wh_image_verify_layer_file(blob, 1, plan, 0, layer->digest + 7,
                                                layer->diff_id + 7, 1, &err), WH_ERR_DIGEST);
    assert_non_null(strstr(err.message, "wrong permissions"));
    plan->items[1].mode = saved_mode;

    /* An entry the plan does not list. */
    plan->count--;
    assert_int_equal(wh_image_verify_layer_file(blob, 1, plan, 0, layer->digest + 7,
                                                layer->diff_id + 7, 1, &err), WH_ERR_DIGEST);
    assert_non_null(strstr(err.message, "unexpected extra entry"));
    plan->count++;

    /* Another epoch than the one written. */
    assert_int_equal(wh_image_verify_layer_file(blob, 1, plan, 1, layer->digest + 7,
                                                layer->diff_id + 7, 1, &err), WH_ERR_DIGEST);
    assert_non_null(strstr(err.message, "times other than mtime"));

    /* A flipped byte in the compressed blob. */
    size_t size = 0;
    unsigned char *bytes = test_support_read_file(blob, &size);
    assert_non_null(bytes);
    bytes[size / 2] ^= 0xff;
    chmod(blob, 0644);
    FILE *file = fopen(blob, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(bytes, 1, size, file), size);
    fclose(file);
    wh_status status = wh_image_verify_layer_file(blob, 1, plan, 0, layer->digest + 7,
                                                  layer->diff_id + 7, 1, &err);
    assert_true(status == WH_ERR_FORMAT || status == WH_ERR_DIGEST);

    wh_layer_locale_leave(&locale);
    free(bytes);
    wh_layer_plan_free(plan);
    wh_image_result_free(&result);
    free(layout);
}

/* --- the layer reader used by the read-back check --- */

typedef struct byte_buffer {
    unsigned char *data;
    size_t size;
} byte_buffer;

static wh_status collect_bytes(void *context, const void *data, size_t size, wh_error *err)
{
    (void)err;
    byte_buffer *out = context;
    out->data = realloc(out->data, out->size + size);
    assert_non_null(out->data);
    memcpy(out->data + out->size, data, size);
    out->size += size;
    return WH_OK;
}

/* Fills size bytes of text-like data that compresses, from a fixed generator. */
static unsigned char *make_stream(size_t size)
{
    unsigned char *data = malloc(size);
    assert_non_null(data);
    uint32_t state = 777;
    for (size_t i = 0; i < size; i++) {
        state = state * 1103515245u + 12345u;
        data[i] = (unsigned char)("tar header \n0"[(state >> 16) % 13]);
    }
    return data;
}

static byte_buffer gzip_stream(const unsigned char *data, size_t size)
{
    byte_buffer out = {0};
    wh_gzip_writer *writer = NULL;
    wh_error err = {0};
    assert_int_equal(wh_gzip_writer_new(WH_GZIP_DEFAULT_LEVEL, 2, collect_bytes, &out, &writer,
                                        &err), WH_OK);
    assert_int_equal(wh_gzip_writer_write(writer, data, size, &err), WH_OK);
    assert_int_equal(wh_gzip_writer_finish(writer, &err), WH_OK);
    wh_gzip_writer_free(writer);
    return out;
}

/* Reads path to the end; returns the status and fills *stream with every block. */
static wh_status read_layer(const char *path, int compressed, unsigned threads,
                            byte_buffer *stream, char file_hex[65], char tar_hex[65],
                            wh_error *err)
{
    wh_layer_reader *reader = NULL;
    wh_status status = wh_layer_reader_open(path, compressed, threads, &reader, err);
    if (status != WH_OK)
        return status;
    const void *block;
    size_t size;
    while ((status = wh_layer_reader_next(reader, &block, &size, err)) == WH_OK && size > 0) {
        assert_true(size <= WH_GZIP_CHUNK_SIZE);
        collect_bytes(stream, block, size, NULL);
    }
    if (status == WH_OK)
        status = wh_layer_reader_finish(reader, file_hex, tar_hex, err);
    wh_layer_reader_free(reader);
    return status;
}

/* Seven members, more than the reader's ring holds, with one and several threads. */
static void test_layer_reader_gives_stream(void **state)
{
    fixture *f = *state;
    size_t size = 6 * WH_GZIP_CHUNK_SIZE + 12345;
    unsigned char *data = make_stream(size);
    byte_buffer blob = gzip_stream(data, size);
    char *path = out_path(f, "layer.gz");
    assert_int_equal(test_support_write_file(path, blob.data, blob.size), 0);
    char expected_file[65];
    char expected_tar[65];
    wh_sha256_buffer_hex(blob.data, blob.size, expected_file);
    wh_sha256_buffer_hex(data, size, expected_tar);

    const unsigned thread_counts[] = {1, 2, 3, 8};
    for (size_t i = 0; i < 4; i++) {
        byte_buffer stream = {0};
        char file_hex[65];
        char tar_hex[65];
        wh_error err = {0};
        assert_int_equal(read_layer(path, 1, thread_counts[i], &stream, file_hex, tar_hex, &err),
                         WH_OK);
        assert_int_equal(stream.size, size);
        assert_memory_equal(stream.data, data, size);
        assert_string_equal(file_hex, expected_file);
        assert_string_equal(tar_hex, expected_tar);
        free(stream.data);
    }

    /* Uncompressed: the file is the stream, and both digests are its sha256. */
    char *plain = out_path(f, "layer.tar");
    assert_int_equal(test_support_write_file(plain, data, size), 0);
    for (size_t i = 0; i < 4; i++) {
        byte_buffer stream = {0};
        char file_hex[65];
        char tar_hex[65];
        wh_error err = {0};
        assert_int_equal(read_layer(plain, 0, thread_counts[i], &stream, file_hex, tar_hex,
                                    &err), WH_OK);
        assert_int_equal(stream.size, size);
        assert_memory_equal(stream.data, data, size);
        assert_string_equal(file_hex, expected_tar);
        assert_string_equal(tar_hex, expected_tar);
        free(stream.data);
    }

    free(plain);
    free(path);
    free(blob.data);
    free(data);
}

/* Writes bytes to path and checks that reading it as gzip fails with WH_ERR_FORMAT. */
static void assert_reader_rejects(const char *path, const void *bytes, size_t size,
                                  unsigned threads, const char *message_part)
{
    assert_int_equal(test_support_write_file(path, bytes, size), 0);
    byte_buffer stream = {0};
    char file_hex[65];
    char tar_hex[65];
    wh_error err = {0};
    assert_int_equal(read_layer(path, 1, threads, &stream, file_hex, tar_hex, &err),
                     WH_ERR_FORMAT);
    if (strstr(err.message, message_part) == NULL)
        fail_msg("expected \"%s\" in: %s", message_part, err.message);
    free(stream.data);
}

static void test_layer_reader_rejects_bad_gzip(void **state)
{
    fixture *f = *state;
    size_t size = 3 * WH_GZIP_CHUNK_SIZE;
    unsigned char *data = make_stream(size);
    byte_buffer blob = gzip_stream(data, size);
    char *path = out_path(f, "bad.gz");

    for (unsigned threads = 1; threads <= 2; threads++) {
        assert_reader_rejects(path, blob.data, blob.size - 3, threads, "truncated");
        assert_reader_rejects(path, "", 0, threads, "is empty");

        /* Bytes after the last member that are not another member. */
        unsigned char *longer = malloc(blob.size + 4);
        assert_non_null(longer);
        memcpy(longer, blob.data, blob.size);
        memcpy(longer + blob.size, "junk", 4);
        assert_reader_rejects(path, longer, blob.size + 4, threads, "member 4 ");
        free(longer);

        /* One member of two chunks, which wh_gzip_writer never writes. */
        struct libdeflate_compressor *compressor = libdeflate_alloc_compressor(1);
        assert_non_null(compressor);
        size_t capacity = libdeflate_gzip_compress_bound(compressor, 2 * WH_GZIP_CHUNK_SIZE);
        unsigned char *big = malloc(capacity);
        assert_non_null(big);
        size_t big_size = libdeflate_gzip_compress(compressor, data, 2 * WH_GZIP_CHUNK_SIZE,
                                                   big, capacity);
        assert_true(big_size > 0);
        assert_reader_rejects(path, big, big_size, threads, "inflates to more than");
        free(big);
        libdeflate_free_compressor(compressor);
    }

    free(path);
    free(blob.data);
    free(data);
}

/* Freeing a reader in the middle of a file stops its threads. */
static void test_layer_reader_free_midway(void **state)
{
    fixture *f = *state;
    size_t size = 9 * WH_GZIP_CHUNK_SIZE;
    unsigned char *data = make_stream(size);
    byte_buffer blob = gzip_stream(data, size);
    char *path = out_path(f, "midway.gz");
    assert_int_equal(test_support_write_file(path, blob.data, blob.size), 0);

    for (unsigned threads = 1; threads <= 3; threads++) {
        wh_layer_reader *reader = NULL;
        wh_error err = {0};
        assert_int_equal(wh_layer_reader_open(path, 1, threads, &reader, &err), WH_OK);
        const void *block;
        size_t block_size;
        assert_int_equal(wh_layer_reader_next(reader, &block, &block_size, &err), WH_OK);
        assert_int_equal(block_size, WH_GZIP_CHUNK_SIZE);
        assert_memory_equal(block, data, block_size);

        char file_hex[65];
        char tar_hex[65];
        assert_int_equal(wh_layer_reader_finish(reader, file_hex, tar_hex, &err),
                         WH_ERR_INVALID);
        wh_layer_reader_free(reader);
    }

    free(path);
    free(blob.data);
    free(data);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--write") == 0)
        return run_writer(argc, argv);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_oci_layout_contents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_bytes_for_threads_and_environment, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_same_digest_for_every_destination, setup, teardown),
        cmocka_unit_test_setup_teardown(test_digest_mismatch_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_existing_destination_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_requests_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_progress_reaches_total, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_detects_differences, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layer_reader_gives_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layer_reader_rejects_bad_gzip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layer_reader_free_midway, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
