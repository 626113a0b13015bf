/* Reading and writing the spec, and exporting the image. */
#include "model_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/spec.h"
#include "../core/spec_apply.h"

static void *checked(void *pointer)
{
    if (!pointer)
        abort();
    return pointer;
}

static json_t *words_array(const char *text)
{
    json_t *array = checked(json_array());
    char **words = tui_words_split(text, NULL);
    for (char **word = words; *word; word++)
        json_array_append_new(array, json_string(*word));
    tui_words_free(words);
    return array;
}

/* Env "A=1 B=2" becomes {"A": "1", "B": "2"}; a word without '=' maps to "". */
static json_t *env_object(const char *text)
{
    json_t *object = checked(json_object());
    char **words = tui_words_split(text, NULL);
    for (char **word = words; *word; word++) {
        char *equals = strchr(*word, '=');
        if (equals)
            *equals = '\0';
        json_object_set_new(object, *word, json_string(equals ? equals + 1 : ""));
    }
    tui_words_free(words);
    return object;
}

/* Accounts "app:1000:1000" become users with the same group. */
static json_t *accounts_object(const tui_state *state)
{
    json_t *accounts = checked(json_object());
    const char *accounts_text = state->settings[TUI_SETTING_ACCOUNTS];
    if (accounts_text) {
        json_t *users = checked(json_array());
        json_t *groups = checked(json_array());
        char **words = tui_words_split(accounts_text, NULL);
        for (char **word = words; *word; word++) {
            char name[128];
            long long uid = 0, gid = 0;
            if (sscanf(*word, "%127[^:]:%lld:%lld", name, &uid, &gid) != 3)
                continue;
            json_array_append_new(users, json_pack("{s:s, s:I, s:I}", "name", name, "uid",
                                                   (json_int_t)uid, "gid", (json_int_t)gid));
            json_array_append_new(groups, json_pack("{s:s, s:I}", "name", name, "gid",
                                                    (json_int_t)gid));
        }
        tui_words_free(words);
        json_object_set_new(accounts, "groups", groups);
        json_object_set_new(accounts, "users", users);
    }
    if (state->settings[TUI_SETTING_USER])
        json_object_set_new(accounts, "run-as", json_string(state->settings[TUI_SETTING_USER]));
    return accounts;
}

/* The spec as JSON, in the keys core/spec_schema.c validates. */
static json_t *spec_json(const tui_model *model)
{
    const tui_state *state = &model->state;
    json_t *root = checked(json_object());

    json_t *components = checked(json_array());
    for (size_t i = 0; i < state->root_count; i++)
        json_array_append_new(components,
                              json_string(wh_graph_component_at(model->graph, state->roots[i])->name));
    json_object_set_new(root, "components", components);

    if (state->excluded_count) {
        json_t *excluded = checked(json_array());
        for (size_t i = 0; i < state->excluded_count; i++)
            json_array_append_new(
                excluded, json_string(wh_graph_component_at(model->graph, state->excluded[i])->name));
        json_object_set_new(root, "exclude", excluded);
    }
    if (state->settings[TUI_SETTING_EXCLUDE])
        json_object_set_new(root, "exclude-paths", words_array(state->settings[TUI_SETTING_EXCLUDE]));

    if (state->settings[TUI_SETTING_ACCOUNTS] || state->settings[TUI_SETTING_USER])
        json_object_set_new(root, "accounts", accounts_object(state));

    if (state->settings[TUI_SETTING_WRITABLE]) {
        json_t *paths = checked(json_array());
        char **words = tui_words_split(state->settings[TUI_SETTING_WRITABLE], NULL);
        for (char **word = words; *word; word++)
            json_array_append_new(paths, json_pack("{s:s, s:s}", "path", *word, "mode", "1777"));
        tui_words_free(words);
        json_object_set_new(root, "paths", paths);
    }

    json_t *config = checked(json_object());
    if (state->settings[TUI_SETTING_ENTRYPOINT])
        json_object_set_new(config, "entrypoint", words_array(state->settings[TUI_SETTING_ENTRYPOINT]));
    if (state->settings[TUI_SETTING_CMD])
        json_object_set_new(config, "cmd", words_array(state->settings[TUI_SETTING_CMD]));
    if (state->settings[TUI_SETTING_ENV])
        json_object_set_new(config, "env", env_object(state->settings[TUI_SETTING_ENV]));
    if (state->settings[TUI_SETTING_WORKDIR])
        json_object_set_new(config, "workdir", json_string(state->settings[TUI_SETTING_WORKDIR]));
    if (json_object_size(config))
        json_object_set_new(root, "config", config);
    else
        json_decref(config);

    json_object_set_new(root, "policy", json_string(tui_model_policy_name(model)));
    return root;
}

wh_status tui_model_save(tui_model *model, const char *path, wh_error *err)
{
    wh_status result;
    wh_spec *spec = NULL;
    wh_spec_lock_entry *lock = NULL;
    size_t lock_count = 0;
    char *lock_storage = NULL;
    json_t *json = spec_json(model);
    char *text = json_dumps(json, JSON_INDENT(2));
    if (!text)
        abort();

    /* The core parses what the composer wrote, so a saved spec is always a valid one. */
    result = wh_spec_parse(text, strlen(text), path, &spec, err);
    if (result != WH_OK)
        goto out;

    /* The lock records each included component's version and content digest. */
    result = wh_composition_lock(model->composition, &lock, &lock_count, &lock_storage, err);
    if (result != WH_OK)
        goto out;
    result = wh_spec_set_lock(spec, lock, lock_count, err);
    if (result != WH_OK)
        goto out;
    result = wh_spec_save(spec, path, err);
    if (result != WH_OK)
        goto out;

    if (!model->spec_path || strcmp(model->spec_path, path) != 0) {
        free(model->spec_path);
        model->spec_path = checked(strdup(path));
    }
    tui_state_copy(&model->saved, &model->state);

out:
    free(lock);
    free(lock_storage);
    wh_spec_free(spec);
    free(text);
    json_decref(json);
    return result;
}

static char *join_words(const char *const *words, size_t count)
{
    size_t length = 1;
    for (size_t i = 0; i < count; i++)
        length += strlen(words[i]) + 1;
    char *text = checked(calloc(1, length));
    for (size_t i = 0; i < count; i++) {
        if (i)
            strcat(text, " ");
        strcat(text, words[i]);
    }
    return text;
}

wh_status tui_model_read_spec(const wh_graph *graph, const char *path, tui_state *state,
                              wh_error *err)
{
    wh_spec *spec = NULL;
    wh_status result = wh_spec_load(path, &spec, err);
    if (result != WH_OK)
        return result;
    const wh_spec_view *view = wh_spec_get(spec);

    for (size_t i = 0; i < view->component_count; i++) {
        uint32_t id = wh_graph_find(graph, view->components[i].name);
        if (id == WH_NONE) {
            result = wh_error_set(err, WH_ERR_NOT_FOUND,
                                  "%s: component '%s' is not in the catalog; import it or remove "
                                  "it from the spec",
                                  path, view->components[i].name);
            goto out;
        }
        tui_state_set_root(state, id, 1);
    }
    for (size_t i = 0; i < view->exclude_count; i++) {
        uint32_t id = wh_graph_find(graph, view->exclude[i]);
        if (id != WH_NONE)
            tui_state_set_excluded(state, id, 1);
    }

    char *text = join_words(view->exclude_paths, view->exclude_path_count);
    tui_state_set_setting(state, TUI_SETTING_EXCLUDE, text);
    free(text);
    tui_state_set_setting(state, TUI_SETTING_USER, view->run_as);
    tui_state_set_setting(state, TUI_SETTING_POLICY,
                          view->policy_profile ? view->policy_profile : view->policy_file);

    /* NOTE: wh_spec_view has no image config yet (entrypoint, cmd, env, workdir), so a
     * spec opened here loses those settings when saved again. */

out:
    wh_spec_free(spec);
    return result;
}

wh_status tui_model_export(tui_model *model, const char *destination,
                           tui_export_progress progress, void *context, char *digest,
                           size_t digest_size, wh_error *err)
{
    (void)model;
    (void)progress;
    (void)context;
    if (digest_size)
        digest[0] = '\0';
    /* TODO: call the core build function that `whittle build` uses, once it exists. */
    return wh_error_set(err, WH_ERR_INVALID,
                        "cannot export to %s: this build has no image builder yet; save the spec "
                        "with 's' and build it later",
                        destination);
}
