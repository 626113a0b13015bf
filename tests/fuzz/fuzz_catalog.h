/*
 * A private catalog for the fuzz targets that import: created at first
 * use in a temporary folder (under /dev/shm when it exists, because every
 * blob is fsynced) and removed at exit. Every input is imported in its own
 * import, which is always aborted, so the catalog stays empty.
 */
#ifndef WH_FUZZ_CATALOG_H
#define WH_FUZZ_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "../../catalog/catalog.h"

/* Returns the open catalog, creating it on the first call; aborts on failure. */
whc_catalog *fuzz_catalog(void);

/*
 * Writes data to a file in the catalog's folder, imports that file with
 * whc_import_artifact and aborts the import. Then checks that the abort
 * left no blob and no temporary file behind, and aborts the process if it
 * did, so libFuzzer reports the input.
 */
void fuzz_import_bytes(const uint8_t *data, size_t size);

/* Aborts the process when the blob store contains any file; called after each abort. */
void fuzz_check_blobs_empty(void);

#endif
