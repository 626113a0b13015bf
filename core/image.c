/*
 * wh_image_write: stages the image in a temporary folder beside the
 * destination, verifies it, and renames it into place as the last step.
 */
#include "image_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "transport.h"

static volatile sig_atomic_t cancel_requested;

void wh_image_cancel(void)
{
    cancel_requested = 1;
}

void wh_image_cancel_signal_handler(int signal_number)
{
    (void)signal_number;
    cancel_requested = 1;
}

int wh_image_cancelled(void)
{
    return cancel_requested != 0;
}

void wh_image_cancel_reset(void)
{
    cancel_requested = 0;
}

void wh_image_result_free(wh_image_result *result)
{
    if (result == NULL)
        return;
    free(result->layers);
    memset(result, 0, sizeof(*result));
}

/* State of one write, shared by the per-destination steps. */
typedef struct job {
    const wh_layer_input *layers;
    size_t layer_count;
    const wh_image_config *config;
    const wh_image_options *options;
    wh_layer_plan **plans;
    wh_layer_result *results;
    wh_image_documents documents;
    wh_image_expected expected;
} job;

static wh_status check_cancel(wh_error *err)
{
    if (wh_image_cancelled())
        return wh_error_set(err, WH_ERR_INVALID, "cancelled");
    return WH_OK;
}

static wh_status write_layers(job *work, const char *blob_dir, const char *tar_dir,
                              wh_error *err)
{
    for (size_t i = 0; i < work->layer_count; i++) {
        wh_status result = check_cancel(err);
        if (result == WH_OK)
            result = wh_image_write_layer(work->plans[i], i, work->options, blob_dir, tar_dir,
                                          &work->results[i], err);
        if (result != WH_OK)
            return result;
    }
    wh_status result = wh_image_documents_build(work->config, work->layers, work->results,
                                                work->layer_count, work->options,
                                                &work->documents, err);
    work->expected.documents = &work->documents;
    return result;
}

/* Writes blobs/, index.json and oci-layout into dir, which exists and is empty. */
static wh_status write_oci_layout(job *work, const char *dir, const char *tag, wh_error *err)
{
    wh_status result = WH_OK;
    char *blobs = wh_image_join(dir, "blobs");
    char *sha256 = blobs != NULL ? wh_image_join(blobs, "sha256") : NULL;
    char *index = NULL;
    size_t index_size = 0;
    static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";

    if (sha256 == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory writing %s", dir);
        goto out;
    }
    result = wh_image_make_dir(blobs, err);
    if (result == WH_OK)
        result = wh_image_make_dir(sha256, err);
    if (result == WH_OK)
        result = write_layers(work, sha256, NULL, err);
    if (result == WH_OK)
        result = wh_image_write_file(sha256, work->documents.config_hex, work->documents.config,
                                     work->documents.config_size, err);
    if (result == WH_OK)
        result = wh_image_write_file(sha256, work->documents.manifest_hex,
                                     work->documents.manifest, work->documents.manifest_size,
                                     err);
    if (result == WH_OK)
        result = wh_image_index_build(&work->documents, work->config, tag, &index, &index_size,
                                      err);
    if (result == WH_OK)
        result = wh_image_write_file(dir, "index.json", index, index_size, err);
    if (result == WH_OK)
        result = wh_image_write_file(dir, "oci-layout", layout, sizeof(layout) - 1, err);
    if (result == WH_OK)
        result = check_cancel(err);
    if (result == WH_OK)
        result = wh_image_verify_oci(dir, tag, &work->expected, err);

out:
    free(index);
    free(sha256);
    free(blobs);
    return result;
}

static wh_status write_docker_folder(job *work, const char *dir, const wh_transport *target,
                                     wh_error *err)
{
    wh_status result = write_layers(work, NULL, dir, err);
    if (result == WH_OK)
        result = wh_docker_archive_write_metadata(dir, &work->documents, work->results,
                                                  work->layer_count, target->repository,
                                                  target->tag, err);
    if (result == WH_OK)
        result = check_cancel(err);
    if (result == WH_OK)
        result = wh_image_verify_docker(dir, target->repository, target->tag, &work->expected,
                                        err);
    return result;
}

static wh_status write_rootfs(job *work, const char *staging, const char *root, wh_error *err)
{
    char *tars = wh_image_join(staging, "layers");
    if (tars == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory writing %s", root);

    wh_status result = wh_image_make_dir(tars, err);
    if (result == WH_OK)
        result = write_layers(work, NULL, tars, err);
    if (result == WH_OK)
        result = wh_image_rootfs_extract(root, tars, &work->expected, err);
    free(tars);
    return result;
}

/* Writes the image into staging and moves the finished result to path. */
static wh_status write_staged(job *work, const wh_transport *target, const char *staging,
                              const char *path, wh_error *err)
{
    wh_status result = WH_OK;
    char *inner = wh_image_join(staging, target->kind == WH_TRANSPORT_ROOTFS ? "root" : "layout");
    char *archive = wh_image_join(staging, "archive.tar");
    if (inner == NULL || archive == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory writing %s", path);
        goto out;
    }

    switch (target->kind) {
    case WH_TRANSPORT_OCI:
        result = write_oci_layout(work, staging, target->tag, err);
        if (result == WH_OK)
            result = wh_image_rename_new(staging, path, err);
        break;
    case WH_TRANSPORT_OCI_ARCHIVE:
    case WH_TRANSPORT_DOCKER_ARCHIVE:
        result = wh_image_make_dir(inner, err);
        if (result == WH_OK && target->kind == WH_TRANSPORT_OCI_ARCHIVE)
            result = write_oci_layout(work, inner, target->tag, err);
        else if (result == WH_OK)
            result = write_docker_folder(work, inner, target, err);
        if (result == WH_OK)
            result = check_cancel(err);
        if (result == WH_OK)
            result = wh_image_tar_directory(inner, archive, work->options->epoch, err);
        if (result == WH_OK)
            result = wh_image_rename_new(archive, path, err);
        break;
    case WH_TRANSPORT_ROOTFS:
        result = write_rootfs(work, staging, inner, err);
        if (result == WH_OK)
            result = wh_image_rename_new(inner, path, err);
        break;
    default:
        result = wh_error_set(err, WH_ERR_INVALID, "cannot write images to %s: references",
                              wh_transport_kind_name(target->kind));
        break;
    }

out:
    free(inner);
    free(archive);
    return result;
}

static wh_status check_request(const wh_transport *target, const wh_layer_input *layers,
                               size_t layer_count, const wh_image_config *config,
                               const wh_image_options *options, wh_error *err)
{
    if (target->kind != WH_TRANSPORT_OCI && target->kind != WH_TRANSPORT_OCI_ARCHIVE &&
        target->kind != WH_TRANSPORT_DOCKER_ARCHIVE && target->kind != WH_TRANSPORT_ROOTFS)
        return wh_error_set(err, WH_ERR_INVALID,
                            "the image writer cannot write to %s: references; use oci:, "
                            "oci-archive:, docker-archive: or rootfs:",
                            wh_transport_kind_name(target->kind));
    if (layers == NULL || layer_count == 0)
        return wh_error_set(err, WH_ERR_INVALID, "an image needs at least one layer");
    if (config == NULL || options == NULL)
        return wh_error_set(err, WH_ERR_INVALID, "the image config and options are required");
    if (options->epoch < 0)
        return wh_error_set(err, WH_ERR_INVALID,
                            "invalid epoch %lld: file times must be 0 or later",
                            (long long)options->epoch);

    struct stat info;
    if (lstat(target->path, &info) == 0)
        return wh_error_set(err, WH_ERR_EXISTS,
                            "%s already exists; remove it or choose another destination",
                            target->path);
    return WH_OK;
}

/* Creates PATH.tmp-XXXXXX beside path; the caller frees the name. */
static wh_status make_staging(const char *path, char **out, wh_error *err)
{
    size_t length = strlen(path) + sizeof(".tmp-XXXXXX");
    char *staging = malloc(length);
    if (staging == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory writing %s", path);
    snprintf(staging, length, "%s.tmp-XXXXXX", path);
    if (mkdtemp(staging) == NULL) {
        wh_status result = wh_error_set(err, WH_ERR_IO, "cannot create a temporary folder "
                                        "beside %s: %s", path, strerror(errno));
        free(staging);
        return result;
    }
    *out = staging;
    return wh_image_make_dir(staging, err);
}

wh_status wh_image_write(const char *destination, const wh_layer_input *layers,
                         size_t layer_count, const wh_image_config *config,
                         const wh_image_options *options, wh_image_result *result_out,
                         wh_error *err)
{
    wh_status result = WH_OK;
    wh_transport target;
    job work = {.layers = layers, .layer_count = layer_count, .config = config,
                .options = options};
    char *staging = NULL;
    wh_layer_locale locale = {0};
    memset(result_out, 0, sizeof(*result_out));

    result = wh_transport_parse(destination, &target, err);
    if (result != WH_OK)
        return result;

    /* Every libarchive call below runs on this thread, under C.UTF-8 (see layer.h). */
    result = wh_layer_locale_enter(&locale, err);
    if (result != WH_OK)
        goto out;

    /* "out/" and "out" name the same destination; the temporary name goes beside it. */
    size_t length = target.path != NULL ? strlen(target.path) : 0;
    while (length > 1 && target.path[length - 1] == '/')
        target.path[--length] = '\0';

    result = check_request(&target, layers, layer_count, config, options, err);
    if (result != WH_OK)
        goto out;

    work.plans = calloc(layer_count, sizeof(*work.plans));
    work.results = calloc(layer_count, sizeof(*work.results));
    if (work.plans == NULL || work.results == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory writing %s", destination);
        goto out;
    }
    for (size_t i = 0; i < layer_count; i++) {
        result = wh_layer_plan_new(layers, i, &work.plans[i], err);
        if (result != WH_OK)
            goto out;
    }
    work.expected = (wh_image_expected){
        .plans = (const wh_layer_plan *const *)work.plans,
        .results = work.results,
        .layer_count = layer_count,
        .epoch = options->epoch,
        .threads = options->threads,
    };

    result = make_staging(target.path, &staging, err);
    if (result == WH_OK)
        result = write_staged(&work, &target, staging, target.path, err);
    if (result != WH_OK)
        goto out;

    snprintf(result_out->manifest_digest, sizeof(result_out->manifest_digest), "sha256:%s",
             work.documents.manifest_hex);
    snprintf(result_out->config_digest, sizeof(result_out->config_digest), "sha256:%s",
             work.documents.config_hex);
    result_out->manifest_size = work.documents.manifest_size;
    result_out->layers = work.results;
    result_out->layer_count = layer_count;
    work.results = NULL;

out:
    wh_image_remove_tree(staging);
    free(staging);
    for (size_t i = 0; work.plans != NULL && i < layer_count; i++)
        wh_layer_plan_free(work.plans[i]);
    free(work.plans);
    free(work.results);
    wh_image_documents_release(&work.documents);
    wh_layer_locale_leave(&locale);
    if (result != WH_OK)
        wh_error_prefix(err, "cannot write %s", destination);
    wh_transport_free(&target);
    return result;
}
