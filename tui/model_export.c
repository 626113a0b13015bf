/* Exporting the composition as an image. */
#include "model_internal.h"

wh_status tui_model_export(tui_model *model, const char *destination, tui_export_progress progress,
                           void *context, char *digest, size_t digest_size, wh_error *err)
{
    (void)model;
    (void)progress;
    (void)context;
    if (digest_size)
        digest[0] = '\0';

    /* TODO: call the core build function that `whittle build` uses, once it exists. */
    return wh_error_set(err, WH_ERR_INVALID,
                        "cannot export to %s: this build has no image builder yet; save the spec "
                        "with 's' and build it later",
                        destination);
}
