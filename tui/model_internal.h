/* The model's fields, shared by tui/model*.c only. */
#ifndef TUI_MODEL_INTERNAL_H
#define TUI_MODEL_INTERNAL_H

#include <jansson.h>

#include "../core/policy.h"
#include "../core/spec.h"
#include "model.h"

struct tui_model {
    whc_catalog *catalog;        /* borrowed */
    wh_graph *graph;             /* owned */
    wh_composition *composition; /* owned */
    tui_state state;             /* what the composition was resolved from */
    tui_state saved;             /* as last opened or saved */
    tui_undo undo;
    char *spec_path;
    json_t *original_spec; /* the opened spec's JSON, or NULL for a new composition */
    char **allow_executables; /* the opened spec's policy additions, ending with NULL */
    int64_t size_budget;      /* the opened spec's size budget in bytes, or -1 */

    /*
     * The state being resolved: apply() points it at the state it applies,
     * which becomes model->state only after resolving succeeded.
     */
    tui_state state_for_policy;

    wh_policy *policy;       /* loaded for policy_loaded */
    char policy_loaded[256]; /* the profile name or file the policy came from */
    char policy_error[1400]; /* why there are no results, or "" */
    wh_findings findings;    /* of the last resolve */
    tui_rule_result *rules;  /* the findings grouped by rule */
    tui_finding *finding_rows;
    size_t rule_count;
    size_t *component_findings; /* per component id */
};

/* Builds the component graph of catalog. The caller frees *out with wh_graph_free. */
wh_status tui_model_load_graph(whc_catalog *catalog, wh_graph **out, wh_error *err);

/*
 * Reads the spec at path into model->state and model->original_spec, and
 * applies its trimming to the composition, which must exist already.
 */
wh_status tui_model_read_spec(tui_model *model, const char *path, wh_error *err);

/*
 * Builds the spec the composition stands for, with its lock, as saving
 * writes it; source names it in messages. The caller frees *out with
 * wh_spec_free.
 */
wh_status tui_model_spec(tui_model *model, const char *source, wh_spec **out, wh_error *err);

/* Re-evaluates policy for the current composition (tui/model_policy.c). */
void tui_model_evaluate_policy(tui_model *model);
void tui_model_policy_free(tui_model *model);

#endif
