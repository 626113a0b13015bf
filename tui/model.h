/*
 * The composer's model: the catalog's component graph, the composition the
 * user is shaping, its policy results, the undo history and the spec file.
 * Views read it. Actions change it only through the functions below, each
 * of which re-resolves so every figure on screen stays current.
 *
 * Everything returned as a pointer into the model stays valid until the next
 * call that changes the composition.
 */
#ifndef TUI_MODEL_H
#define TUI_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "../catalog/catalog.h"
#include "../core/compose.h"
#include "../core/graph.h"
#include "state.h"

/* One policy finding: a rule that an included file or the image breaks. */
typedef struct tui_finding {
    const char *path;   /* offending path, or NULL for image-wide findings */
    uint32_t component; /* owning component, or WH_NONE */
    const char *message;
} tui_finding;

typedef struct tui_rule_result {
    const char *id; /* "no-shell", "static-only", ... */
    const char *description;
    int error; /* 1: severity error (blocks export), 0: warning */
    int passed;
    const tui_finding *findings;
    size_t finding_count;
} tui_rule_result;

typedef struct tui_model tui_model;

/*
 * Loads the component graph of catalog and starts an empty composition, or
 * the one spec_path describes when it is non-NULL. The catalog must outlive
 * the model. Returns WH_OK, or an error naming what failed.
 */
wh_status tui_model_open(whc_catalog *catalog, const char *spec_path, tui_model **out,
                         wh_error *err);
/* Frees the model. Accepts NULL. */
void tui_model_free(tui_model *model);

const wh_graph *tui_model_graph(const tui_model *model);
wh_composition *tui_model_composition(tui_model *model);
whc_catalog *tui_model_catalog(tui_model *model);
const tui_state *tui_model_state(const tui_model *model);

/* Where the spec is saved, or NULL before the first save of a new composition. */
const char *tui_model_spec_path(const tui_model *model);
/* Whether the state differs from the one last saved or opened. */
int tui_model_unsaved(const tui_model *model);

/* ---- Changes. Each one is recorded for undo and re-resolves --------- */

/*
 * Applies new_state (copied), records it for undo under label and resolves.
 * On failure the model keeps its previous state and err says why.
 */
wh_status tui_model_change(tui_model *model, const tui_state *new_state, const char *label,
                           wh_error *err);

/*
 * Toggles component id. Selecting it makes it a root. Removing it when other
 * included components need it does nothing unless cascade is set, and fills
 * *needers (the caller frees it) with those components so the caller can ask.
 * A component that is only pulled in is removed by excluding it.
 * Returns WH_ERR_INVALID when it is needed and cascade is 0.
 */
wh_status tui_model_toggle(tui_model *model, uint32_t id, int cascade, uint32_t **needers,
                           uint32_t *needer_count, wh_error *err);

/* Steps through the undo history. Returns 0 with *label set, or -1 at the end. */
int tui_model_undo(tui_model *model, const char **label, wh_error *err);
int tui_model_redo(tui_model *model, const char **label, wh_error *err);

/* ---- Reading -------------------------------------------------------- */

/* The impact toggling id would have. The caller frees it with wh_impact_clear. */
wh_status tui_model_impact(tui_model *model, uint32_t id, wh_impact *out, wh_error *err);

/* Policy results of the last resolve; NULL with *count 0 when no policy engine ran. */
const tui_rule_result *tui_model_policy(const tui_model *model, size_t *count);
/* The name of the active profile or policy file. */
const char *tui_model_policy_name(const tui_model *model);
/* Number of failing rules of error severity, and of warning severity. */
void tui_model_policy_counts(const tui_model *model, size_t *errors, size_t *warnings);
/* Number of findings that name a file of component id. */
size_t tui_model_component_findings(const tui_model *model, uint32_t id);
/* Why policy results are missing, or NULL when they are there. */
const char *tui_model_policy_unavailable(const tui_model *model);

/* ---- Output --------------------------------------------------------- */

/*
 * Checks the settings of state (accounts, paths, config, excluded paths,
 * policy) as a spec would be checked, without changing the model. err
 * names the JSON path of the first invalid setting.
 */
wh_status tui_model_check_settings(const tui_model *model, const tui_state *state, wh_error *err);

/* Writes the spec to path atomically, and remembers path for the next save. */
wh_status tui_model_save(tui_model *model, const char *path, wh_error *err);

/* Progress of an export: fraction from 0 to 1 and a line of text. */
typedef void (*tui_export_progress)(void *context, double fraction, const char *text);

/*
 * Builds the image to destination (a transport reference such as
 * oci:DIR:TAG) through the same core call as `whittle build`, and writes the
 * manifest digest ("sha256:...") into digest.
 */
wh_status tui_model_export(tui_model *model, const char *destination, tui_export_progress progress,
                           void *context, char *digest, size_t digest_size, wh_error *err);

#endif
