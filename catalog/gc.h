/*
 * Removing blobs that no catalog row references: whittle catalog gc. It
 * runs inside BEGIN IMMEDIATE, which every import holds from before its
 * first blob until its COMMIT, so it never removes an import's new blob.
 */
#ifndef WHC_GC_H
#define WHC_GC_H

#include <stdint.h>

#include "catalog.h"

/* Called for each unreferenced blob, after its removal unless dry_run is set. */
typedef void (*whc_gc_blob_fn)(void *context, const char *sha256_hex, uint64_t size);

/* Every field may be left zero. */
typedef struct whc_gc_options {
    int dry_run;            /* only report what would be removed */
    whc_gc_blob_fn on_blob;
    void *context;
} whc_gc_options;

typedef struct whc_gc_result {
    uint64_t removed_count; /* unreferenced blobs removed, or found with dry_run */
    uint64_t removed_bytes;
    uint64_t kept_count;    /* blobs that a row references */
} whc_gc_result;

/*
 * Removes every file in blobs/sha256 whose name is a digest that no files
 * or images row references (an images row names its record and its config),
 * then the temporary files of killed writers
 * when no writer is running. Waits for a running import like any other
 * write, and fails naming the lock when it does not finish in time.
 */
wh_status whc_gc(whc_catalog *catalog, const whc_gc_options *options, whc_gc_result *result,
                 wh_error *err);

#endif
