/*
 * The steps of whc_build, shared by catalog/build*.c and the unit tests:
 * a session (spec, graph, resolved composition, policy context) and a plan
 * (layer entries, image config and SBOM data) made from it.
 */
#ifndef WHC_BUILD_INTERNAL_H
#define WHC_BUILD_INTERNAL_H

#include "../core/arena.h"
#include "../core/compose.h"
#include "../core/digest.h"
#include "../core/sbom.h"
#include "build.h"

/* Largest local file the build reads into memory to classify it, in bytes. */
#define WHC_BUILD_LOCAL_FILE_MAX ((size_t)1 << 30)

/* Shell written into /etc/passwd for a user whose spec gives none. */
#define WHC_BUILD_DEFAULT_SHELL "/usr/sbin/nologin"

/* A spec local file as the build found it: resolved source path and digest. */
typedef struct whc_build_local_file {
    char *source;                       /* the spec's source, resolved against the spec's folder */
    char sha256[WH_SHA256_HEX_LEN + 1];
    uint64_t size;
} whc_build_local_file;

/* The spec resolved over the catalog: what the policy and the plan read. */
typedef struct whc_build_session {
    whc_catalog *catalog;               /* borrowed */
    const wh_spec *spec;                /* borrowed */
    const wh_spec_view *view;
    wh_graph *graph;
    wh_composition *composition;
    uint32_t local_component;           /* graph id of "local-files", or WH_NONE */
    whc_build_local_file *local_files;  /* view->file_count items */
    wh_policy_user *users;
    const char **writable_paths;
    wh_policy_context context;
} whc_build_session;

/*
 * Loads the catalog into a graph, adds the spec's local files (each read
 * once, classified and hashed), applies the spec and resolves. The caller
 * frees *out with whc_build_session_close, which also accepts a session
 * left half-made by a failure.
 */
wh_status whc_build_session_open(whc_catalog *catalog, const wh_spec *spec,
                                 whc_build_session **out, wh_error *err);
void whc_build_session_close(whc_build_session *session);

/*
 * Compares the spec's lock, when it has entries, with the resolution: the
 * same components with the same version, origin and content digests.
 * Fails with WH_ERR_INVALID naming the first difference.
 */
wh_status whc_build_check_lock(whc_build_session *session, wh_error *err);

/*
 * Loads override (a profile name or policy file) or else the spec's policy,
 * with the spec's allow-executables and size-budget added, as `whittle
 * check` does. The caller frees *out with wh_policy_free.
 */
wh_status whc_build_load_policy(const whc_build_session *session, const char *override,
                                wh_policy **out, wh_error *err);

/*
 * Writes the text of /etc/passwd (users sorted by uid, then name) and
 * /etc/group (groups sorted by gid, then name) from the spec's accounts
 * into newly allocated strings the caller frees.
 */
wh_status whc_build_account_files(const wh_spec_view *view, char **passwd, char **group,
                                  wh_error *err);

/*
 * Writes the SPDX license expression for a license as a package declares
 * it ("GPL-2+ or LGPL-3+" becomes "GPL-2.0-or-later OR LGPL-3.0-or-later")
 * into out. Returns 1 on success, and 0 when some name has no SPDX
 * identifier whittle knows, so the SBOM writes NOASSERTION instead.
 */
int whc_build_spdx_license(const char *declared, char *out, size_t size);

/* One layer of the plan, with the component it comes from. */
typedef struct whc_build_layer {
    wh_layer_entry *entries;
    size_t count, capacity;
    uint32_t component;      /* graph id, or WH_NONE for a layer of generated files */
} whc_build_layer;

/* Everything wh_image_write and wh_sbom_write need, owned by the plan. */
typedef struct whc_build_plan {
    whc_build_layer *layers;
    size_t layer_count;
    wh_layer_input *inputs;  /* layer_count items pointing into layers */
    wh_image_config config;
    wh_sbom_component *sbom; /* one per included component, files sorted by path */
    size_t sbom_count;
    char *generated_dir;     /* private folder holding generated file contents, or NULL */
    uint64_t file_count;
    wh_arena arena;          /* strings and small arrays of the plan */
} whc_build_plan;

/*
 * Makes the layer entries, config and SBOM data for a resolved session.
 * note (may be NULL) receives one line per decision a reader could miss,
 * such as a component file replaced by a generated one. The caller frees
 * *out with whc_build_plan_free, which also removes generated_dir.
 */
wh_status whc_build_plan_new(whc_build_session *session, whc_layering layering, int64_t epoch,
                             whc_build_note_fn note, void *note_context, whc_build_plan **out,
                             wh_error *err);
void whc_build_plan_free(whc_build_plan *plan);

/* Fills plan->config from the spec: platform, user, entrypoint, ..., created. */
wh_status whc_build_config(const whc_build_session *session, int64_t epoch, whc_build_plan *plan,
                           wh_error *err);

#endif
