/*
 * Exporting the composition as an image through whc_build, the call behind
 * `whittle build`, given the same spec the composer saves. An export and a
 * build of the saved spec are therefore the same image.
 */
#include "model_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "../catalog/build.h"

typedef struct progress_relay {
    tui_export_progress progress;
    void *context;
    pthread_t thread; /* the composer's thread, the only one that may draw */
    int percent;      /* last percentage drawn, or -1 */
    size_t layer;
} progress_relay;

static void relay_progress(void *context, size_t layer_index, uint64_t bytes_done,
                           uint64_t bytes_total)
{
    progress_relay *relay = context;
    if (!relay->progress || !pthread_equal(pthread_self(), relay->thread))
        return;

    /* Draw only when the whole percentage or the layer changes. */
    double fraction = bytes_total ? (double)bytes_done / (double)bytes_total : 1.0;
    int percent = (int)(fraction * 100);
    if (percent == relay->percent && layer_index == relay->layer)
        return;
    relay->percent = percent;
    relay->layer = layer_index;

    char text[128];
    snprintf(text, sizeof(text), "writing layer %zu: %llu of %llu bytes", layer_index + 1,
             (unsigned long long)bytes_done, (unsigned long long)bytes_total);
    relay->progress(relay->context, fraction, text);
}

wh_status tui_model_export(tui_model *model, const char *destination, tui_export_progress progress,
                           void *context, char *digest, size_t digest_size, wh_error *err)
{
    wh_spec *spec = NULL;
    whc_build_result result = {0};
    progress_relay relay = {progress, context, pthread_self(), -1, 0};
    whc_build_options options = {
        .progress = relay_progress,
        .progress_context = &relay,
    };

    if (digest_size)
        digest[0] = '\0';
    const char *source = model->spec_path ? model->spec_path : "composer";
    wh_status status = tui_model_spec(model, source, &spec, err);
    if (status != WH_OK)
        goto out;

    status = whc_build(model->catalog, spec, destination, &options, &result, err);
    if (status != WH_OK)
        goto out;
    snprintf(digest, digest_size, "%s", result.manifest_digest);

out:
    whc_build_result_free(&result);
    wh_spec_free(spec);
    return status;
}
