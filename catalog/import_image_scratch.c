/* A throwaway catalog holding one imported image, for read-only views. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_image.h"

wh_status whc_image_scratch_open(const char *reference, const whc_image_import_options *options,
                                 whc_catalog **catalog, char **dir, whc_image_summary *summary,
                                 wh_error *err)
{
    const char *tmp = getenv("TMPDIR");
    char *folder = NULL, *db_path = NULL;
    whc_import *import = NULL;
    wh_status result = WH_OK;

    *catalog = NULL;
    *dir = NULL;
    *summary = (whc_image_summary){ 0 };
    if (asprintf(&folder, "%s/whittle-inspect.XXXXXX", tmp && tmp[0] ? tmp : "/tmp") < 0)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory opening %s", reference);
    if (mkdtemp(folder) == NULL) {
        result = wh_error_set(err, WH_ERR_IO, "cannot create %s: %s; set TMPDIR to a writable "
                              "folder", folder, strerror(errno));
        free(folder);
        return result;
    }
    if (asprintf(&db_path, "%s/catalog.db", folder) < 0) {
        db_path = NULL;
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory opening %s", reference);
        goto out;
    }

    result = whc_open(db_path, catalog, err);
    if (result == WH_OK)
        result = whc_import_begin(*catalog, &import, err);
    if (result == WH_OK)
        result = whc_import_image(import, reference, options, summary, err);
    if (result == WH_OK) {
        whc_import *finishing = import;
        import = NULL;
        result = whc_import_commit(finishing, err);
    }

out:
    whc_import_abort(import);
    free(db_path);
    if (result != WH_OK) {
        whc_image_scratch_close(*catalog, folder, summary);
        *catalog = NULL;
        return result;
    }
    *dir = folder;
    return WH_OK;
}

void whc_image_scratch_close(whc_catalog *catalog, char *dir, whc_image_summary *summary)
{
    whc_close(catalog);
    if (dir != NULL)
        whc_remove_tree(dir);
    free(dir);
    whc_image_summary_clear(summary);
}
