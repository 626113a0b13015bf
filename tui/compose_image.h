/*
 * `whittle compose --image REF`: a reviewer's read-only session. The image
 * is imported into a private catalog in a temporary folder, as `whittle
 * inspect` does, and the composer opens a spec whose base is that image.
 * The user's own catalog is never opened.
 */
#ifndef TUI_COMPOSE_IMAGE_H
#define TUI_COMPOSE_IMAGE_H

#include "../catalog/catalog.h"
#include "../core/registry.h"

typedef struct tui_image_session {
    char *dir;            /* the temporary folder, removed by tui_image_close */
    char *spec_path;      /* a spec naming the image as its base */
    whc_catalog *catalog; /* the private catalog holding only the image */
} tui_image_session;

/*
 * Imports reference before the screen is taken over, so errors and the
 * registry's progress lines print normally. registry may be NULL. Returns 0, or prints the error
 * and returns the exit code. Close the session with tui_image_close, also after a failure.
 */
int tui_image_open(const char *reference, const wh_registry_options *registry,
                   tui_image_session *out);

/* Closes the catalog and removes the temporary folder; accepts a zeroed session. */
void tui_image_close(tui_image_session *session);

#endif
