/* The composer's model: state, composition, undo. See model.h. */
#include "model_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *checked(void *pointer)
{
    if (!pointer)
        abort();
    return pointer;
}

/* Resolves the composition from state. On failure the roots may be half changed, so callers apply
 * their previous state again. */
static wh_status apply(tui_model *model, const tui_state *state, wh_error *err)
{
    wh_composition *composition = model->composition;
    uint32_t count = wh_graph_component_count(model->graph);

    for (uint32_t id = 0; id < count; id++) {
        /* A spec's base stays a root, because the composer has no setting to change it. */
        if (wh_composition_root(composition, id) == WH_ROOT_BASE)
            continue;
        wh_composition_set_root(composition, id,
                                tui_state_has_root(state, id) ? WH_ROOT_SELECTED : WH_ROOT_NONE);
        wh_composition_set_excluded(composition, id, tui_state_is_excluded(state, id));
    }

    size_t glob_count = 0;
    char **globs = tui_words_split(state->settings[TUI_SETTING_EXCLUDE], &glob_count);
    wh_status result =
        wh_composition_set_exclude_paths(composition, (const char *const *)globs, glob_count, err);
    tui_words_free(globs);
    if (result != WH_OK)
        return result;

    result = wh_composition_resolve(composition, err);
    if (result != WH_OK)
        return result;
    tui_state_copy(&model->state_for_policy, state);
    tui_model_evaluate_policy(model);
    return WH_OK;
}

wh_status tui_model_open(whc_catalog *catalog, const char *spec_path, tui_model **out,
                         wh_error *err)
{
    wh_status result;
    tui_model *model = checked(calloc(1, sizeof(*model)));
    model->catalog = catalog;
    model->size_budget = -1;

    result = tui_model_load_graph(catalog, &model->graph, err);
    if (result != WH_OK)
        goto out;
    result = wh_composition_new(model->graph, &model->composition, err);
    if (result != WH_OK)
        goto out;

    if (spec_path) {
        result = tui_model_read_spec(model, spec_path, err);
        if (result != WH_OK)
            goto out;
        model->spec_path = checked(strdup(spec_path));
    }
    model->component_findings = checked(
        calloc(wh_graph_component_count(model->graph) + 1, sizeof(*model->component_findings)));

    result = apply(model, &model->state, err);
    if (result != WH_OK)
        goto out;
    tui_state_copy(&model->saved, &model->state);
    tui_undo_init(&model->undo, &model->state);
    *out = model;
    model = NULL;

out:
    tui_model_free(model);
    return result;
}

void tui_model_free(tui_model *model)
{
    if (!model)
        return;
    tui_model_policy_free(model);
    wh_policy_free(model->policy);
    tui_state_clear(&model->state_for_policy);
    free(model->component_findings);
    wh_composition_free(model->composition);
    wh_graph_free(model->graph);
    tui_state_clear(&model->state);
    tui_state_clear(&model->saved);
    if (model->undo.entries)
        tui_undo_free(&model->undo);
    free(model->spec_path);
    json_decref(model->original_spec);
    tui_words_free(model->allow_executables);
    free(model);
}

const wh_graph *tui_model_graph(const tui_model *model)
{
    return model->graph;
}

wh_composition *tui_model_composition(tui_model *model)
{
    return model->composition;
}

whc_catalog *tui_model_catalog(tui_model *model)
{
    return model->catalog;
}

const tui_state *tui_model_state(const tui_model *model)
{
    return &model->state;
}

const char *tui_model_spec_path(const tui_model *model)
{
    return model->spec_path;
}

int tui_model_unsaved(const tui_model *model)
{
    return !tui_state_equal(&model->state, &model->saved);
}

wh_status tui_model_change(tui_model *model, const tui_state *new_state, const char *label,
                           wh_error *err)
{
    wh_status result = apply(model, new_state, err);
    if (result != WH_OK) {
        /* Put the composition back as it was, which resolved before. */
        apply(model, &model->state, NULL);
        return result;
    }
    tui_state_copy(&model->state, new_state);
    tui_undo_record(&model->undo, &model->state, label);
    return WH_OK;
}

wh_status tui_model_toggle(tui_model *model, uint32_t id, int cascade, uint32_t **needers,
                           uint32_t *needer_count, wh_error *err)
{
    const wh_graph_component *component = wh_graph_component_at(model->graph, id);
    tui_state next = {0};
    char label[96];
    wh_status result;

    tui_state_copy(&next, &model->state);
    if (!wh_composition_included(model->composition, id)) {
        tui_state_set_excluded(&next, id, 0);
        tui_state_set_root(&next, id, 1);
        snprintf(label, sizeof(label), "select %s", component->name);
        result = tui_model_change(model, &next, label, err);
        goto out;
    }

    /* Removal: the core deselects, cascading to the roots that need it when asked. */
    result = wh_composition_deselect(model->composition, id, cascade, needers, needer_count, err);
    if (result != WH_OK) {
        apply(model, &model->state, NULL);
        goto out;
    }
    uint32_t count = wh_graph_component_count(model->graph);
    for (uint32_t other = 0; other < count; other++)
        tui_state_set_root(&next, other,
                           wh_composition_root(model->composition, other) == WH_ROOT_SELECTED);
    /* A component pulled in by nothing any more is gone. One still needed is excluded. */
    if (wh_composition_included(model->composition, id))
        tui_state_set_excluded(&next, id, 1);
    snprintf(label, sizeof(label), "remove %s", component->name);
    result = tui_model_change(model, &next, label, err);

out:
    tui_state_clear(&next);
    return result;
}

static int step(tui_model *model, const tui_state *target, wh_error *err)
{
    if (!target)
        return -1;
    tui_state copy = {0};
    tui_state_copy(&copy, target);
    wh_status result = apply(model, &copy, err);
    if (result == WH_OK)
        tui_state_copy(&model->state, &copy);
    tui_state_clear(&copy);
    return result == WH_OK ? 0 : -1;
}

int tui_model_undo(tui_model *model, const char **label, wh_error *err)
{
    return step(model, tui_undo_back(&model->undo, label), err);
}

int tui_model_redo(tui_model *model, const char **label, wh_error *err)
{
    return step(model, tui_undo_forward(&model->undo, label), err);
}

wh_status tui_model_impact(tui_model *model, uint32_t id, wh_impact *out, wh_error *err)
{
    return wh_composition_impact(model->composition, id, out, err);
}
