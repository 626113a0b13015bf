/* Writing a layer plan as a deterministic PAX tar stream. */
#include "layer.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"

#define READ_BLOCK_SIZE ((size_t)1 << 16)

/* Inside a large file, progress is reported after every this many bytes. */
#define PROGRESS_STEP ((uint64_t)1 << 20)

typedef struct stream_state {
    wh_layer_output_fn output;
    void *context;
    wh_status status; /* first error from output */
    wh_error error;
    const wh_layer_write_options *options;
    uint64_t done;  /* content bytes written so far */
    uint64_t total; /* content bytes of the layer */
} stream_state;

static void report_progress(const stream_state *state)
{
    const wh_layer_write_options *options = state->options;
    if (options->progress != NULL)
        options->progress(options->progress_context, options->layer_index, state->done,
                          state->total);
}

struct archive *wh_layer_tar_writer_new(void)
{
    struct archive *archive = archive_write_new();
    if (archive == NULL)
        return NULL;

    /*
     * Restricted PAX writes a plain ustar header unless a field needs an
     * extended header (long or non-ASCII names, large ids, xattrs). Its
     * extended header names are "DIR/PaxHeader/NAME" with no process id
     * (libarchive 3.6). xattrheader=SCHILY writes each xattr once, as
     * SCHILY.xattr.NAME, the form Docker, containerd and Go read.
     */
    if (archive_write_set_format_pax_restricted(archive) != ARCHIVE_OK ||
        archive_write_set_format_option(archive, "pax", "xattrheader", "SCHILY") != ARCHIVE_OK ||
        archive_write_add_filter_none(archive) != ARCHIVE_OK) {
        archive_write_free(archive);
        return NULL;
    }
    return archive;
}

wh_status wh_layer_locale_enter(wh_layer_locale *saved, wh_error *err)
{
    locale_t fixed = newlocale(LC_ALL_MASK, "C.UTF-8", (locale_t)0);
    if (fixed == (locale_t)0)
        return wh_error_set(err, WH_ERR_INVALID,
                            "the C.UTF-8 locale is missing; reproducible tar names need it "
                            "(glibc 2.35 and later have it built in)");
    saved->fixed = fixed;
    saved->previous = uselocale(fixed);
    return WH_OK;
}

void wh_layer_locale_leave(wh_layer_locale *saved)
{
    if (saved->fixed == NULL)
        return;
    uselocale((locale_t)saved->previous);
    freelocale((locale_t)saved->fixed);
    saved->fixed = NULL;
}

static la_ssize_t write_callback(struct archive *archive, void *context, const void *data,
                                 size_t size)
{
    stream_state *state = context;
    (void)archive;

    /*
     * Never report a failure to libarchive: a fatal archive cannot be closed,
     * and libarchive 3.6 then leaks its block buffer. After the first error
     * the bytes are dropped, and the writer checks state->status itself.
     */
    if (state->status == WH_OK)
        state->status = state->output(state->context, data, size, &state->error);
    return (la_ssize_t)size;
}

/* Turns a libarchive failure into a status, preferring the output's own error. */
static wh_status archive_failure(struct archive *archive, stream_state *state, const char *name,
                                 wh_error *err)
{
    if (state->status != WH_OK) {
        if (err != NULL)
            *err = state->error;
        return state->status;
    }
    if (wh_image_cancelled())
        return wh_error_set(err, WH_ERR_INVALID, "cancelled");
    return wh_error_set(err, WH_ERR_FORMAT, "cannot write /%s to the layer tar: %s", name,
                        archive_error_string(archive) != NULL ? archive_error_string(archive)
                                                              : "unknown libarchive error");
}

static unsigned archive_file_type(const wh_layer_item *item)
{
    switch (item->mode & S_IFMT) {
    case S_IFDIR: return AE_IFDIR;
    case S_IFLNK: return AE_IFLNK;
    case S_IFCHR: return AE_IFCHR;
    case S_IFBLK: return AE_IFBLK;
    case S_IFIFO: return AE_IFIFO;
    default: return AE_IFREG;
    }
}

/* Fills entry from item with every time but mtime left unset. */
static void fill_entry(struct archive_entry *entry, const wh_layer_item *item, int64_t epoch)
{
    archive_entry_clear(entry);
    archive_entry_copy_pathname(entry, item->name);
    archive_entry_set_filetype(entry, archive_file_type(item));
    archive_entry_set_perm(entry, item->mode & 07777);
    archive_entry_set_uid(entry, item->uid);
    archive_entry_set_gid(entry, item->gid);
    if (item->uname != NULL)
        archive_entry_copy_uname(entry, item->uname);
    if (item->gname != NULL)
        archive_entry_copy_gname(entry, item->gname);
    archive_entry_set_mtime(entry, (time_t)epoch, 0);
    archive_entry_set_size(entry, (la_int64_t)item->size);

    if (item->type == WH_FILE_SYMLINK)
        archive_entry_copy_symlink(entry, item->link_target);
    if (item->type == WH_FILE_HARDLINK) {
        archive_entry_copy_hardlink(entry, item->link_target);
        archive_entry_set_size(entry, 0);
    }
    if (item->type == WH_FILE_DEVICE)
        archive_entry_set_rdev(entry, item->rdev);
    for (size_t i = 0; i < item->xattr_count; i++)
        archive_entry_xattr_add_entry(entry, item->xattrs[i].name, item->xattrs[i].value,
                                      item->xattrs[i].size);
}

static wh_status mismatch(const wh_layer_item *item, const char *problem, wh_error *err)
{
    return wh_error_set(err, WH_ERR_DIGEST,
                        "/%s: its content file %s %s; re-import the component that provides it",
                        item->name, item->content_path, problem);
}

/* Streams one regular file's content into the archive, hashing it on the way. */
static wh_status copy_content(struct archive *archive, stream_state *state,
                              const wh_layer_item *item, unsigned char *buffer, wh_error *err)
{
    wh_status result = WH_OK;
    wh_sha256 *hash = NULL;
    int fd = open(item->content_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return wh_error_set(err, errno == ENOENT ? WH_ERR_NOT_FOUND : WH_ERR_IO,
                            "cannot open %s, the content of /%s: %s", item->content_path,
                            item->name, strerror(errno));

    /* Only advice: a larger read-ahead for a file read once from start to end. */
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

    hash = wh_sha256_new();
    if (hash == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory hashing %s", item->content_path);
        goto out;
    }

    uint64_t remaining = item->size;
    while (remaining > 0) {
        if (wh_image_cancelled()) {
            result = wh_error_set(err, WH_ERR_INVALID, "cancelled");
            goto out;
        }
        size_t want = remaining < READ_BLOCK_SIZE ? (size_t)remaining : READ_BLOCK_SIZE;
        ssize_t got = read(fd, buffer, want);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            result = wh_error_set(err, WH_ERR_IO, "cannot read %s, the content of /%s: %s",
                                  item->content_path, item->name, strerror(errno));
            goto out;
        }
        if (got == 0) {
            result = mismatch(item, "is shorter than the recorded size", err);
            goto out;
        }
        wh_sha256_update(hash, buffer, (size_t)got);
        if (archive_write_data(archive, buffer, (size_t)got) != got || state->status != WH_OK) {
            result = archive_failure(archive, state, item->name, err);
            goto out;
        }
        remaining -= (uint64_t)got;

        uint64_t before = state->done;
        state->done += (uint64_t)got;
        if (remaining > 0 && before / PROGRESS_STEP != state->done / PROGRESS_STEP)
            report_progress(state);
    }

    /* One more byte means the file grew past the recorded size. */
    ssize_t extra;
    do {
        extra = read(fd, buffer, 1);
    } while (extra < 0 && errno == EINTR);
    if (extra != 0) {
        result = extra > 0 ? mismatch(item, "is longer than the recorded size", err)
                           : wh_error_set(err, WH_ERR_IO, "cannot read %s: %s",
                                          item->content_path, strerror(errno));
        goto out;
    }

    char hex[WH_SHA256_HEX_LEN + 1];
    wh_sha256_final_hex(hash, hex);
    if (strcmp(hex, item->sha256) != 0) {
        char problem[200];
        snprintf(problem, sizeof(problem), "has sha256 %s, expected %s", hex, item->sha256);
        result = mismatch(item, problem, err);
    }

out:
    wh_sha256_free(hash);
    close(fd);
    return result;
}

wh_status wh_layer_write(const wh_layer_plan *plan, const wh_layer_write_options *options,
                         wh_layer_output_fn output, void *context, wh_error *err)
{
    wh_layer_locale locale = {0};
    wh_status result = wh_layer_locale_enter(&locale, err);
    if (result != WH_OK)
        return result;

    stream_state state = {.output = output, .context = context, .options = options,
                          .total = plan->content_bytes};
    struct archive_entry *entry = archive_entry_new();
    unsigned char *buffer = malloc(READ_BLOCK_SIZE);
    struct archive *archive = wh_layer_tar_writer_new();
    int opened = 0;

    if (options->epoch < 0) {
        result = wh_error_set(err, WH_ERR_INVALID,
                              "invalid epoch %lld: file times must be 0 or later",
                              (long long)options->epoch);
        goto out;
    }
    if (entry == NULL || buffer == NULL || archive == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory writing a layer");
        goto out;
    }
    if (archive_write_open2(archive, &state, NULL, write_callback, NULL, NULL) != ARCHIVE_OK) {
        result = archive_failure(archive, &state, "", err);
        goto out;
    }
    opened = 1;

    for (size_t i = 0; i < plan->count; i++) {
        const wh_layer_item *item = &plan->items[i];
        if (wh_image_cancelled()) {
            result = wh_error_set(err, WH_ERR_INVALID, "cancelled");
            goto out;
        }

        /*
         * ARCHIVE_WARN means a name is not valid UTF-8: libarchive then
         * stores it as raw bytes with hdrcharset=BINARY, which is what we want.
         */
        fill_entry(entry, item, options->epoch);
        int status = archive_write_header(archive, entry);
        if ((status != ARCHIVE_OK && status != ARCHIVE_WARN) || state.status != WH_OK) {
            result = archive_failure(archive, &state, item->name, err);
            goto out;
        }
        if (item->type == WH_FILE_REGULAR) {
            result = copy_content(archive, &state, item, buffer, err);
            if (result != WH_OK)
                goto out;
        }
        report_progress(&state);
    }

    opened = 0;
    if (archive_write_close(archive) != ARCHIVE_OK || state.status != WH_OK)
        result = archive_failure(archive, &state, "(end of archive)", err);

out:
    if (opened) {
        /* Close into the void so libarchive frees its buffers; the stream is abandoned. */
        state.status = state.status == WH_OK ? WH_ERR_INVALID : state.status;
        archive_write_close(archive);
    }
    if (archive != NULL)
        archive_write_free(archive);
    archive_entry_free(entry);
    free(buffer);
    wh_layer_locale_leave(&locale);
    return result;
}
