/*
 * Building an image from a spec: the one entry point behind `whittle build`
 * and the composer's export, so both produce the same bytes from the same
 * spec and catalog.
 *
 * whc_build runs these steps and stops at the first failure:
 *
 *   1. Load the catalog into a component graph, add the spec's local files
 *      as the component "local-files", apply the spec and resolve.
 *   2. Check the spec's lock, when it has one, against the resolution.
 *   3. Evaluate the policy (the spec's, or options->policy). Any
 *      error-severity finding fails with WH_ERR_POLICY unless
 *      options->allow_violations is set. Unsatisfied requirements and
 *      conflicting paths are findings of the rules requirements-satisfied
 *      and no-conflicts, exactly as `whittle check` reports them.
 *   4. Turn the kept files into layer entries read from the content store,
 *      plus /etc/passwd and /etc/group generated from the spec's accounts,
 *      the declared writable paths and the local files.
 *   5. Write the image with wh_image_write, which re-hashes every input,
 *      writes atomically and reads the result back.
 *   6. Write the SBOM when options->sbom_path is set.
 *
 * docs/build.md describes the rules for ownership, times, generated files
 * and layering.
 */
#ifndef WHC_BUILD_H
#define WHC_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "../core/image.h"
#include "../core/policy.h"
#include "../core/spec.h"
#include "catalog.h"

/* How the kept files are split into layers. */
typedef enum whc_layering {
    WHC_LAYERS_FROM_SPEC = 0,   /* the spec's "layers" key, which defaults to a single layer */
    WHC_LAYERS_SINGLE,          /* every file in one layer */
    WHC_LAYERS_PER_COMPONENT,   /* one layer per component, in component name order */
} whc_layering;

/*
 * Progress of the image write: layer index, bytes of file content written
 * to that layer so far and its total. Called on the writing thread.
 */
typedef void (*whc_build_progress_fn)(void *context, size_t layer_index, uint64_t bytes_done,
                                      uint64_t bytes_total);

/* A one-line note about a decision the build made, such as a replaced file. */
typedef void (*whc_build_note_fn)(void *context, const char *message);

/* Every field may be left zero; zero means the documented default. */
typedef struct whc_build_options {
    int allow_violations;    /* write even with error-severity findings */
    const char *policy;      /* profile name or policy file used instead of the spec's, or NULL */
    const char *sbom_path;   /* SPDX 2.3 JSON output, or NULL for none */
    const char *image_name;  /* SBOM image name; NULL: the spec file's name without ".json" */
    unsigned threads;        /* gzip threads; 0: one per online CPU */
    int compression_level;   /* gzip level 1..9; 0: the spec's "compression-level", else
                                WH_GZIP_DEFAULT_LEVEL */
    whc_layering layering;
    whc_build_progress_fn progress;
    void *progress_context;
    whc_build_note_fn note;
    void *note_context;
} whc_build_options;

typedef struct whc_build_result {
    char manifest_digest[WH_DIGEST_TEXT_MAX]; /* "sha256:<hex>"; "" when nothing was written */
    char config_digest[WH_DIGEST_TEXT_MAX];
    wh_layer_result *layers;  /* layer_count items, in image order */
    size_t layer_count;
    int64_t epoch;            /* the mtime every file got */
    wh_findings findings;     /* every policy finding, also when the build was refused */
    char *policy_name;        /* the evaluated policy's name */
    uint64_t file_count;      /* entries written, over all layers */
} whc_build_result;

/*
 * Builds spec into destination, a transport reference (oci:DIR[:TAG],
 * oci-archive:FILE[:TAG], docker-archive:FILE[:NAME[:TAG]] or rootfs:DIR;
 * see core/transport.h). Neither catalog nor spec is changed, and options
 * may be NULL for the defaults.
 *
 * Returns WH_OK after the image (and SBOM) are in place. Otherwise nothing
 * is left at destination and err describes what failed. WH_ERR_POLICY means
 * error-severity findings stopped the build, and result->findings lists
 * them. WH_ERR_DIGEST names the image path and the content store blob or
 * local file that does not match its recorded sha256. WH_ERR_INVALID
 * covers a bad spec value, an unknown account, a lock mismatch or a
 * cancelled write. The caller frees result with whc_build_result_free,
 * whatever the status.
 */
wh_status whc_build(whc_catalog *catalog, const wh_spec *spec, const char *destination,
                    const whc_build_options *options, whc_build_result *result, wh_error *err);

/*
 * Resolves a spec owner ("uid:gid", "uid", "user" or "user:group") against
 * the spec's accounts, never the build machine's user database. NULL means
 * 0:0, and a user name alone takes that user's gid. An unknown name fails
 * with WH_ERR_INVALID naming it and where (a JSON path such as
 * "$.files[0].owner").
 */
wh_status whc_build_owner(const wh_spec_view *view, const char *owner, const char *where,
                          uid_t *uid, gid_t *gid, wh_error *err);

/* Frees what result owns and clears it; accepts NULL. */
void whc_build_result_free(whc_build_result *result);

/*
 * Stores in *epoch the time a build gives every file and the config:
 * $SOURCE_DATE_EPOCH when it is set and not empty, else the spec's
 * source-date-epoch, else 0. A $SOURCE_DATE_EPOCH that is not a
 * non-negative integer fails with WH_ERR_INVALID naming its value.
 */
wh_status whc_build_epoch(const wh_spec *spec, int64_t *epoch, wh_error *err);

#endif
