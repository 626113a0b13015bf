/*
 * The ca-certificates-bundle component. Debian's ca-certificates package
 * ships one PEM file per authority under /usr/share/ca-certificates, and its
 * maintainer script concatenates them into /etc/ssl/certs/ca-certificates.crt
 * at install time. whittle never runs maintainer scripts, so it builds the
 * same bundle here: every shipped .crt file in byte order of its path, each
 * ending in a newline. Byte order (not the locale's collation) keeps the
 * bundle identical on every machine.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/digest.h"
#include "../core/fs.h"
#include "seed.h"

#define SOURCE_COMPONENT "ca-certificates"
#define BUNDLE_COMPONENT "ca-certificates-bundle"
#define BUNDLE_PATH "/etc/ssl/certs/ca-certificates.crt"
#define CERTIFICATE_PREFIX "/usr/share/ca-certificates/"
#define CERTIFICATE_MAX_SIZE (1 << 20)

static int is_certificate(const whc_file *file)
{
    size_t length = strlen(file->path);
    return file->type == WH_FILE_REGULAR &&
           strncmp(file->path, CERTIFICATE_PREFIX, strlen(CERTIFICATE_PREFIX)) == 0 &&
           length > 4 && strcmp(file->path + length - 4, ".crt") == 0;
}

/* Reads one certificate from the store, checking it against its recorded digest. */
static wh_status append_certificate(whc_catalog *catalog, const whc_file *file,
                                    whc_blob_writer *writer, wh_sha256 *bundle_hash,
                                    wh_error *err)
{
    char *blob = whc_blob_path(catalog, file->sha256);
    if (blob == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory");

    char *content = NULL;
    size_t size = 0;
    wh_status result = wh_read_file(blob, CERTIFICATE_MAX_SIZE, &content, &size, err);
    if (result != WH_OK)
        goto out;

    char digest[WH_SHA256_HEX_LEN + 1];
    wh_sha256_buffer_hex(content, size, digest);
    if (strcmp(digest, file->sha256) != 0) {
        result = wh_error_set(err, WH_ERR_DIGEST,
                              "%s (the store copy of %s) has sha256 %s, expected %s; "
                              "re-import ca-certificates",
                              blob, file->path, digest, file->sha256);
        goto out;
    }

    if ((result = whc_blob_write(writer, content, size, err)) != WH_OK)
        goto out;
    wh_sha256_update(bundle_hash, content, size);
    if (size > 0 && content[size - 1] != '\n') {
        if ((result = whc_blob_write(writer, "\n", 1, err)) != WH_OK)
            goto out;
        wh_sha256_update(bundle_hash, "\n", 1);
    }

out:
    free(content);
    free(blob);
    return result;
}

static wh_status add_directory(whc_import *import, const char *path, wh_error *err)
{
    whc_file_record record = {
        .path = path,
        .type = WH_FILE_DIRECTORY,
        .mode = S_IFDIR | 0755,
    };
    return whc_import_file(import, &record, err);
}

wh_status whc_seed_ca_bundle(whc_catalog *catalog, whc_import *import, wh_error *err)
{
    wh_status result = WH_OK;
    whc_component source = { 0 };
    whc_file *files = NULL;
    size_t file_count = 0, certificate_count = 0;
    whc_blob_writer *writer = NULL;
    wh_sha256 *bundle_hash = NULL;
    char digest[WH_SHA256_HEX_LEN + 1], bundle_digest[WH_SHA256_HEX_LEN + 1];

    if ((result = whc_find_component(catalog, SOURCE_COMPONENT, NULL, &source, err)) != WH_OK)
        goto out;
    if ((result = whc_component_files(catalog, source.id, &files, &file_count, err)) != WH_OK)
        goto out;

    bundle_hash = wh_sha256_new();
    if (bundle_hash == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory");
        goto out;
    }
    if ((result = whc_blob_begin(catalog, import, &writer, err)) != WH_OK)
        goto out;

    /* whc_component_files returns files sorted by path in byte order. */
    for (size_t i = 0; i < file_count; i++) {
        if (!is_certificate(&files[i]))
            continue;
        result = append_certificate(catalog, &files[i], writer, bundle_hash, err);
        if (result != WH_OK)
            goto out;
        certificate_count++;
    }
    if (certificate_count == 0) {
        result = wh_error_set(err, WH_ERR_NOT_FOUND,
                              "component %s %s ships no certificates under %s",
                              source.name, source.version, CERTIFICATE_PREFIX);
        goto out;
    }

    wh_sha256_final_hex(bundle_hash, bundle_digest);
    result = whc_blob_commit(writer, digest, err);
    writer = NULL;
    if (result != WH_OK)
        goto out;
    if (strcmp(digest, bundle_digest) != 0) {
        result = wh_error_set(err, WH_ERR_DIGEST, "the bundle blob %s does not match its "
                              "content digest %s", digest, bundle_digest);
        goto out;
    }

    /* The bundle's own digest is its origin: a new ca-certificates makes a new bundle. */
    char summary[256];
    snprintf(summary, sizeof(summary),
             "CA certificate bundle generated from %s %s (%zu certificates)", source.name,
             source.version, certificate_count);
    whc_component_info info = {
        .name = BUNDLE_COMPONENT,
        .version = source.version,
        .architecture = "all",
        .kind = WH_KIND_DATA,
        .license = source.license,
        .summary = summary,
        .origin_path = source.origin_path,
        .origin_sha256 = digest,
        .origin_format = "generated",
    };
    if ((result = whc_import_component(import, &info, err)) != WH_OK)
        goto out;

    static const char *const directories[] = { "/etc", "/etc/ssl", "/etc/ssl/certs" };
    for (size_t i = 0; i < sizeof(directories) / sizeof(directories[0]); i++) {
        if ((result = add_directory(import, directories[i], err)) != WH_OK)
            goto out;
    }

    if ((result = whc_blob_settle(catalog, err)) != WH_OK)
        goto out;
    struct stat blob_info;
    char *blob = whc_blob_path(catalog, digest);
    int stat_failed = blob == NULL || stat(blob, &blob_info) != 0;
    free(blob);
    if (stat_failed) {
        result = wh_error_set(err, WH_ERR_IO, "the bundle blob %s is missing from the store",
                              digest);
        goto out;
    }
    whc_file_record bundle = {
        .path = BUNDLE_PATH,
        .type = WH_FILE_REGULAR,
        .mode = S_IFREG | 0644,
        .size = blob_info.st_size,
        .sha256 = digest,
    };
    result = whc_import_file(import, &bundle, err);

out:
    whc_blob_abort(writer);
    wh_sha256_free(bundle_hash);
    whc_files_free(files, file_count);
    whc_component_clear(&source);
    return result;
}
