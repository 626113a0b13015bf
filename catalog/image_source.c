/*
 * Opening image references: dispatch by transport, unpacking archives into
 * a private folder, and the rootfs forms.
 */
#include "image_source.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/digest.h"
#include "../core/fs.h"
#include "../core/transport.h"
#include "archive_entries.h"

#define COPY_BUFFER_SIZE (64 * 1024)

int whc_digest_valid(const char *digest)
{
    return digest != NULL && strncmp(digest, "sha256:", 7) == 0
        && wh_sha256_hex_valid(digest + 7);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

void whc_remove_tree(const char *path)
{
    if (path != NULL)
        nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void whc_image_source_clear(whc_image_source *source)
{
    if (source == NULL)
        return;
    if (source->temp_dir != NULL)
        whc_remove_tree(source->temp_dir);
    for (size_t i = 0; i < source->layer_count; i++) {
        free(source->layers[i].path);
        free(source->layers[i].digest);
        free(source->layers[i].diff_id);
        free(source->layers[i].media_type);
    }
    free(source->layers);
    free(source->reference);
    free(source->default_name);
    free(source->tag);
    free(source->manifest_digest);
    free(source->config_digest);
    free(source->config_json);
    free(source->rootfs_dir);
    free(source->temp_dir);
    *source = (whc_image_source){ 0 };
}

wh_status whc_image_add_layer(whc_image_source *source, const whc_image_layer *layer,
                              wh_error *err)
{
    whc_image_layer *grown = realloc(source->layers,
                                     (source->layer_count + 1) * sizeof(*grown));
    if (grown == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory listing layers");
    source->layers = grown;

    int failed = 0;
    whc_image_layer copy = *layer;
    copy.path = layer->path ? strdup(layer->path) : NULL;
    copy.digest = layer->digest ? strdup(layer->digest) : NULL;
    copy.diff_id = layer->diff_id ? strdup(layer->diff_id) : NULL;
    copy.media_type = layer->media_type ? strdup(layer->media_type) : NULL;
    failed = (layer->path && !copy.path) || (layer->digest && !copy.digest)
          || (layer->diff_id && !copy.diff_id) || (layer->media_type && !copy.media_type);
    if (failed) {
        free(copy.path);
        free(copy.digest);
        free(copy.diff_id);
        free(copy.media_type);
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory listing layers");
    }
    source->layers[source->layer_count++] = copy;
    return WH_OK;
}

static wh_status make_temp_dir(char **out, wh_error *err)
{
    const char *base = getenv("TMPDIR");
    char *dir = NULL;
    if (asprintf(&dir, "%s/whittle-image.XXXXXX", base && base[0] ? base : "/tmp") < 0)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory creating a temporary folder");
    if (mkdtemp(dir) == NULL) {
        wh_status result = wh_error_set(err, WH_ERR_IO, "cannot create %s: %s; set TMPDIR "
                                        "to a writable folder", dir, strerror(errno));
        free(dir);
        return result;
    }
    *out = dir;
    return WH_OK;
}

/* Writes the current entry's data to dir + path, creating parent folders. */
static wh_status unpack_entry(struct archive *archive, const char *archive_path,
                              const char *dir, const char *path, wh_error *err)
{
    wh_status result = WH_OK;
    char *full = NULL;
    int fd = -1;
    unsigned char *buffer = malloc(COPY_BUFFER_SIZE);

    if (buffer == NULL || asprintf(&full, "%s%s", dir, path) < 0) {
        full = NULL;
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory unpacking %s", archive_path);
        goto out;
    }
    char *slash = strrchr(full, '/');
    *slash = '\0';
    result = wh_mkdir_parents(full, 0700, err);
    *slash = '/';
    if (result != WH_OK)
        goto out;

    unlink(full); /* a later member with the same name replaces the earlier one */
    fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        result = wh_error_set(err, WH_ERR_IO, "%s: cannot unpack %s into %s: %s",
                              archive_path, path, dir, strerror(errno));
        goto out;
    }
    for (;;) {
        la_ssize_t got = archive_read_data(archive, buffer, COPY_BUFFER_SIZE);
        if (got < 0) {
            result = wh_error_set(err, WH_ERR_FORMAT, "%s: truncated or corrupt archive at %s: %s",
                                  archive_path, path, archive_error_string(archive));
            goto out;
        }
        if (got == 0)
            break;
        if (write(fd, buffer, (size_t)got) != got) {
            result = wh_error_set(err, WH_ERR_IO, "%s: writing %s into %s failed: %s",
                                  archive_path, path, dir, strerror(errno));
            goto out;
        }
    }

out:
    if (fd >= 0)
        close(fd);
    free(full);
    free(buffer);
    return result;
}

wh_status whc_unpack_archive(const char *path, char **out_dir, wh_error *err)
{
    wh_status result = WH_OK;
    struct archive *archive = archive_read_new();
    struct archive_entry *entry;
    char *name = NULL;

    *out_dir = NULL;
    if (archive == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory opening %s", path);
    archive_read_support_filter_all(archive);
    archive_read_support_format_tar(archive);
    if (archive_read_open_filename(archive, path, COPY_BUFFER_SIZE) != ARCHIVE_OK) {
        result = wh_error_set(err, errno == ENOENT ? WH_ERR_NOT_FOUND : WH_ERR_FORMAT,
                              "cannot read %s as a tar archive: %s", path,
                              archive_error_string(archive));
        goto out;
    }
    result = make_temp_dir(out_dir, err);
    if (result != WH_OK)
        goto out;

    for (;;) {
        int status = archive_read_next_header(archive, &entry);
        if (status == ARCHIVE_EOF)
            break;
        if (status != ARCHIVE_OK && status != ARCHIVE_WARN) {
            result = wh_error_set(err, WH_ERR_FORMAT, "%s: truncated or corrupt archive: %s",
                                  path, archive_error_string(archive));
            goto out;
        }
        /* Only regular files matter: layouts and docker-archives are made of them. */
        if (archive_entry_filetype(entry) != AE_IFREG || archive_entry_hardlink(entry))
            continue;
        free(name);
        name = NULL;
        result = whc_normalize_path(archive_entry_pathname(entry), &name, err);
        if (result != WH_OK) {
            wh_error_prefix(err, "%s", path);
            goto out;
        }
        if (name == NULL)
            continue;
        result = unpack_entry(archive, path, *out_dir, name, err);
        if (result != WH_OK)
            goto out;
    }

out:
    free(name);
    archive_read_free(archive);
    return result;
}

/* "docker://host/library/debian:12" -> "debian"; "/x/y/alpine.tar" -> "alpine". */
static char *default_name(const wh_transport *transport)
{
    const char *source = transport->repository ? transport->repository : transport->path;
    if (transport->kind == WH_TRANSPORT_OCI && transport->tag != NULL && transport->path == NULL)
        source = transport->tag;
    if (source == NULL)
        return strdup("image");

    size_t length = strlen(source);
    while (length > 1 && source[length - 1] == '/')
        length--;
    const char *start = source;
    for (size_t i = 0; i < length; i++) {
        if (source[i] == '/')
            start = source + i + 1;
    }
    size_t name_length = (size_t)(source + length - start);
    char *name = strndup(start, name_length);
    if (name == NULL)
        return NULL;

    static const char *const suffixes[] = { ".tar.gz", ".tar.zst", ".tar.xz", ".tgz", ".tar" };
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        size_t suffix = strlen(suffixes[i]);
        size_t current = strlen(name);
        if (current > suffix && strcmp(name + current - suffix, suffixes[i]) == 0) {
            name[current - suffix] = '\0';
            break;
        }
    }
    return name;
}

static wh_status open_rootfs_archive(const char *path, whc_image_source *out, wh_error *err)
{
    char hex[65];
    struct stat st;
    if (stat(path, &st) != 0)
        return wh_error_set(err, errno == ENOENT ? WH_ERR_NOT_FOUND : WH_ERR_IO,
                            "cannot read %s: %s", path, strerror(errno));
    wh_status result = wh_sha256_file_hex(path, hex, err);
    if (result != WH_OK)
        return result;

    char digest[72];
    snprintf(digest, sizeof(digest), "sha256:%s", hex);
    whc_image_layer layer = { .path = (char *)path, .digest = digest, .size = st.st_size,
                              .hashed = 1 };
    return whc_image_add_layer(out, &layer, err);
}

static int docker_manifest_present(const char *dir)
{
    char *path = NULL;
    struct stat st;
    if (asprintf(&path, "%s/manifest.json", dir) < 0)
        return 0;
    int present = stat(path, &st) == 0;
    free(path);
    return present;
}

static wh_status open_transport(const wh_transport *transport,
                                const whc_image_open_options *options, whc_image_source *out,
                                wh_error *err)
{
    struct stat st;
    wh_status result;

    switch (transport->kind) {
    case WH_TRANSPORT_OCI:
        return whc_image_read_layout(transport->path, transport->tag, out, err);

    case WH_TRANSPORT_OCI_ARCHIVE:
        result = whc_unpack_archive(transport->path, &out->temp_dir, err);
        if (result != WH_OK)
            return result;
        result = whc_image_read_layout(out->temp_dir, transport->tag, out, err);
        if (result != WH_OK && docker_manifest_present(out->temp_dir))
            wh_error_prefix(err, "%s (it also has a docker-archive manifest.json: try "
                            "docker-archive:%s)", transport->path, transport->path);
        else if (result != WH_OK)
            wh_error_prefix(err, "%s", transport->path);
        return result;

    case WH_TRANSPORT_DOCKER_ARCHIVE:
        result = whc_unpack_archive(transport->path, &out->temp_dir, err);
        if (result != WH_OK)
            return result;
        return whc_image_read_docker_archive(out->temp_dir, transport->path,
                                             transport->repository, transport->tag, out, err);

    case WH_TRANSPORT_ROOTFS:
        if (stat(transport->path, &st) != 0 || !S_ISDIR(st.st_mode))
            return wh_error_set(err, WH_ERR_NOT_FOUND, "rootfs:%s is not a directory",
                                transport->path);
        out->rootfs_dir = strdup(transport->path);
        return out->rootfs_dir ? WH_OK
                               : wh_error_set(err, WH_ERR_NOMEM, "out of memory opening %s",
                                              transport->path);

    case WH_TRANSPORT_ROOTFS_ARCHIVE:
        return open_rootfs_archive(transport->path, out, err);

    case WH_TRANSPORT_DOCKER: {
        wh_registry_options defaults = { .tls_verify = 1 };
        const wh_registry_options *registry =
            options && options->registry ? options->registry : &defaults;
        result = make_temp_dir(&out->temp_dir, err);
        if (result != WH_OK)
            return result;
        char *digest = NULL;
        result = wh_registry_pull(transport, out->temp_dir, registry, &digest, err);
        free(digest);
        if (result != WH_OK)
            return result;
        return whc_image_read_layout(out->temp_dir, transport->tag ? transport->tag : "latest",
                                     out, err);
    }
    default:
        return wh_error_set(err, WH_ERR_INVALID, "unsupported transport %d",
                            (int)transport->kind);
    }
}

wh_status whc_image_source_open(const char *reference, const whc_image_open_options *options,
                                whc_image_source *out, wh_error *err)
{
    wh_transport transport = { 0 };
    *out = (whc_image_source){ 0 };

    wh_status result = wh_transport_parse(reference, &transport, err);
    if (result != WH_OK)
        return result;

    out->reference = strdup(reference);
    out->default_name = default_name(&transport);
    if (transport.tag)
        out->tag = strdup(transport.tag);
    if (out->reference == NULL || out->default_name == NULL
        || (transport.tag && out->tag == NULL)) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory opening %s", reference);
        goto out;
    }
    result = open_transport(&transport, options, out, err);

out:
    wh_transport_free(&transport);
    return result;
}
