#include "compose_image.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "../catalog/image_source.h"
#include "../catalog/import_image.h"
#include "cli.h"

/* Writes the review spec: the image as base, judged by the baseline profile as inspect does. */
static wh_status write_spec(const char *path, const char *base, wh_error *err)
{
    json_t *spec = json_pack("{s:s, s:s}", "base", base, "policy", "baseline");
    if (!spec || json_dump_file(spec, path, JSON_INDENT(2)) != 0) {
        json_decref(spec);
        return wh_error_set(err, WH_ERR_IO, "cannot write the review spec %s", path);
    }
    json_decref(spec);
    return WH_OK;
}

int tui_image_open(const char *reference, const wh_registry_options *registry,
                   tui_image_session *out)
{
    wh_error err = {0};
    whc_import *import = NULL;
    whc_image_summary summary = {0};
    char *db_path = NULL;
    const char *tmp = getenv("TMPDIR");

    if (asprintf(&out->dir, "%s/whittle-review.XXXXXX", tmp && tmp[0] ? tmp : "/tmp") < 0 ||
        mkdtemp(out->dir) == NULL || asprintf(&db_path, "%s/catalog.db", out->dir) < 0 ||
        asprintf(&out->spec_path, "%s/review.spec.json", out->dir) < 0) {
        cli_error("cannot create a temporary folder to review '%s'; set TMPDIR to a writable "
                  "folder",
                  reference);
        free(db_path);
        return CLI_EXIT_INVALID;
    }

    whc_image_open_options open = {.registry = registry};
    whc_image_import_options options = {.open = &open};
    wh_status status = whc_open(db_path, &out->catalog, &err);
    if (status == WH_OK)
        status = whc_import_begin(out->catalog, &import, &err);
    if (status == WH_OK)
        status = whc_import_image(import, reference, &options, &summary, &err);
    if (status == WH_OK) {
        whc_import *finishing = import;
        import = NULL;
        status = whc_import_commit(finishing, &err);
    }
    if (status == WH_OK)
        status = write_spec(out->spec_path, summary.name, &err);

    whc_import_abort(import);
    whc_image_summary_clear(&summary);
    free(db_path);
    return status == WH_OK ? CLI_EXIT_OK : cli_report(&err);
}

void tui_image_close(tui_image_session *session)
{
    whc_close(session->catalog);
    if (session->dir)
        whc_remove_tree(session->dir);
    free(session->dir);
    free(session->spec_path);
    session->catalog = NULL;
    session->dir = session->spec_path = NULL;
}
