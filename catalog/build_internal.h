/*
 * The steps of whc_build, shared by catalog/build*.c and the unit tests:
 * a plan (layer entries, image config and SBOM data) made from a spec
 * session (spec_session.h).
 */
#ifndef WHC_BUILD_INTERNAL_H
#define WHC_BUILD_INTERNAL_H

#include "../core/arena.h"
#include "../core/compose.h"
#include "../core/digest.h"
#include "../core/sbom.h"
#include "build.h"
#include "spec_session.h"

/* Shell written into /etc/passwd for a user whose spec gives none. */
#define WHC_BUILD_DEFAULT_SHELL "/usr/sbin/nologin"

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
wh_status whc_build_plan_new(whc_spec_session *session, whc_layering layering, int64_t epoch,
                             whc_build_note_fn note, void *note_context, whc_build_plan **out,
                             wh_error *err);
void whc_build_plan_free(whc_build_plan *plan);

/* Fills plan->config from the spec: platform, user, entrypoint, ..., created. */
wh_status whc_build_config(const whc_spec_session *session, int64_t epoch, whc_build_plan *plan,
                           wh_error *err);

#endif
