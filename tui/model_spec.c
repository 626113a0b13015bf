/*
 * Reading and writing the spec. The composer edits only some keys of a
 * spec. Saving starts from the JSON it read, so a spec it opened keeps every
 * other key (files, labels, trimming of single components, the base, the
 * platform...) when saved again.
 */
#include "model_internal.h"

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

/* ---- Settings to JSON -------------------------------------------------- */

static json_t *words_array(const char *text)
{
    json_t *array = checked(json_array());
    char **words = tui_words_split(text, NULL);
    for (char **word = words; *word; word++)
        json_array_append_new(array, json_string(*word));
    tui_words_free(words);
    return array;
}

/* Env "A=1 B=2" becomes {"A": "1", "B": "2"}. A word without '=' maps to "". */
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

/* Returns the object in array whose key equals value, or NULL. */
static json_t *find_entry(json_t *array, const char *key, const char *value)
{
    size_t index;
    json_t *item;
    json_array_foreach(array, index, item)
    {
        const char *text = json_is_string(item) ? json_string_value(item)
                                                : json_string_value(json_object_get(item, key));
        if (text && strcmp(text, value) == 0)
            return item;
    }
    return NULL;
}

/* Sets key to value (taking the reference), or deletes key when value is NULL. */
static void set_or_delete(json_t *object, const char *key, json_t *value)
{
    if (value)
        json_object_set_new(object, key, value);
    else
        json_object_del(object, key);
}

/* Returns object[key] as an object, creating it when missing. */
static json_t *child_object(json_t *object, const char *key)
{
    json_t *child = json_object_get(object, key);
    if (!json_is_object(child)) {
        child = checked(json_object());
        json_object_set_new(object, key, child);
    }
    return child;
}

static const wh_graph *sorting_graph;

static int by_name(const void *a, const void *b)
{
    return strcmp(wh_graph_component_at(sorting_graph, *(const uint32_t *)a)->name,
                  wh_graph_component_at(sorting_graph, *(const uint32_t *)b)->name);
}

/*
 * Components in name order, so saved specs diff well, keeping the object
 * form (with trimming) of the ones the spec had.
 */
static void set_components(const tui_model *model, json_t *root)
{
    const tui_state *state = &model->state;
    json_t *old = json_object_get(root, "components");
    json_t *components = checked(json_array());

    uint32_t *roots = checked(calloc(state->root_count + 1, sizeof(*roots)));
    if (state->root_count)
        memcpy(roots, state->roots, state->root_count * sizeof(*roots));
    sorting_graph = model->graph;
    qsort(roots, state->root_count, sizeof(*roots), by_name);
    sorting_graph = NULL;

    for (size_t i = 0; i < state->root_count; i++) {
        const char *name = wh_graph_component_at(model->graph, roots[i])->name;
        json_t *entry = json_is_array(old) ? find_entry(old, "name", name) : NULL;
        if (entry)
            json_array_append(components, entry);
        else
            json_array_append_new(components, json_string(name));
    }
    free(roots);
    json_object_set_new(root, "components", components);

    json_t *excluded = NULL;
    if (state->excluded_count) {
        excluded = checked(json_array());
        for (size_t i = 0; i < state->excluded_count; i++)
            json_array_append_new(
                excluded,
                json_string(wh_graph_component_at(model->graph, state->excluded[i])->name));
    }
    set_or_delete(root, "exclude", excluded);

    const char *globs = state->settings[TUI_SETTING_EXCLUDE];
    set_or_delete(root, "exclude-paths", globs ? words_array(globs) : NULL);
}

/* Accounts "app:1000:1000" become a user and a group of that name, keeping other fields of a user
 * the spec had. */
static void set_accounts(const tui_state *state, json_t *root)
{
    const char *accounts_text = state->settings[TUI_SETTING_ACCOUNTS];
    const char *user = state->settings[TUI_SETTING_USER];
    if (!accounts_text && !user) {
        json_object_del(root, "accounts");
        return;
    }

    json_t *accounts = child_object(root, "accounts");
    json_t *old_users = json_object_get(accounts, "users");
    json_t *groups = json_object_get(accounts, "groups");
    json_t *users = checked(json_array());
    if (!json_is_array(groups))
        groups = NULL;

    char **words = tui_words_split(accounts_text, NULL);
    for (char **word = words; *word; word++) {
        char name[128];
        long long uid = 0, gid = 0;
        if (sscanf(*word, "%127[^:]:%lld:%lld", name, &uid, &gid) != 3)
            continue;
        json_t *entry = json_is_array(old_users) ? find_entry(old_users, "name", name) : NULL;
        entry = entry ? json_deep_copy(entry) : checked(json_object());
        json_object_set_new(entry, "name", json_string(name));
        json_object_set_new(entry, "uid", json_integer(uid));
        json_object_set_new(entry, "gid", json_integer(gid));
        json_array_append_new(users, entry);

        if (!groups) {
            groups = checked(json_array());
            json_object_set_new(accounts, "groups", groups);
        }
        if (!find_entry(groups, "name", name))
            json_array_append_new(groups,
                                  json_pack("{s:s, s:I}", "name", name, "gid", (json_int_t)gid));
    }
    tui_words_free(words);

    set_or_delete(accounts, "users", json_array_size(users) ? users : NULL);
    if (!json_array_size(users))
        json_decref(users);
    set_or_delete(accounts, "run-as", user ? json_string(user) : NULL);
}

/* Writable paths: owned by the run-as user when there is one, else world-writable and sticky. */
static void set_paths(const tui_state *state, json_t *root)
{
    const char *text = state->settings[TUI_SETTING_WRITABLE];
    if (!text) {
        json_object_del(root, "paths");
        return;
    }

    json_t *old = json_object_get(root, "paths");
    json_t *paths = checked(json_array());
    const char *user = state->settings[TUI_SETTING_USER];
    char **words = tui_words_split(text, NULL);
    for (char **word = words; *word; word++) {
        json_t *entry = json_is_array(old) ? find_entry(old, "path", *word) : NULL;
        if (entry)
            json_array_append(paths, entry);
        else if (user)
            json_array_append_new(
                paths, json_pack("{s:s, s:s, s:s}", "path", *word, "owner", user, "mode", "0755"));
        else
            json_array_append_new(paths, json_pack("{s:s, s:s}", "path", *word, "mode", "1777"));
    }
    tui_words_free(words);
    json_object_set_new(root, "paths", paths);
}

static void set_config(const tui_state *state, json_t *root)
{
    json_t *config = child_object(root, "config");
    const char *const *settings = (const char *const *)state->settings;

    set_or_delete(config, "entrypoint",
                  settings[TUI_SETTING_ENTRYPOINT] ? words_array(settings[TUI_SETTING_ENTRYPOINT])
                                                   : NULL);
    set_or_delete(config, "cmd",
                  settings[TUI_SETTING_CMD] ? words_array(settings[TUI_SETTING_CMD]) : NULL);
    set_or_delete(config, "env",
                  settings[TUI_SETTING_ENV] ? env_object(settings[TUI_SETTING_ENV]) : NULL);
    set_or_delete(config, "workdir",
                  settings[TUI_SETTING_WORKDIR] ? json_string(settings[TUI_SETTING_WORKDIR])
                                                : NULL);
    if (json_object_size(config) == 0)
        json_object_del(root, "config");
}

/* The policy: a profile name or a file, kept inside an object form with its other keys. */
static void set_policy_name(json_t *root, const char *name)
{
    json_t *policy = json_object_get(root, "policy");
    if (!json_is_object(policy)) {
        json_object_set_new(root, "policy", json_string(name));
        return;
    }
    int profile = wh_policy_is_profile(name);
    json_object_del(policy, profile ? "file" : "profile");
    json_object_set_new(policy, profile ? "profile" : "file", json_string(name));
}

static void set_policy(const tui_model *model, json_t *root)
{
    set_policy_name(root, tui_model_policy_name(model));
}

/* The spec as JSON: what was read, with every key the composer edits replaced. */
static json_t *spec_json(const tui_model *model)
{
    json_t *root =
        model->original_spec ? json_deep_copy(model->original_spec) : checked(json_object());
    checked(root);
    set_components(model, root);
    set_accounts(&model->state, root);
    set_paths(&model->state, root);
    set_config(&model->state, root);
    set_policy(model, root);
    json_object_del(root, "lock");
    return root;
}

wh_status tui_model_check_settings(const tui_model *model, const tui_state *state, wh_error *err)
{
    json_t *root =
        model->original_spec ? json_deep_copy(model->original_spec) : checked(json_object());
    checked(root);

    /* Only the settings are checked, so the components need not resolve here. */
    json_object_del(root, "components");
    json_object_del(root, "exclude");
    json_object_del(root, "lock");
    set_accounts(state, root);
    set_paths(state, root);
    set_config(state, root);
    const char *globs = state->settings[TUI_SETTING_EXCLUDE];
    set_or_delete(root, "exclude-paths", globs ? words_array(globs) : NULL);
    const char *policy = state->settings[TUI_SETTING_POLICY];
    set_policy_name(root, policy && policy[0] ? policy : "strict");

    char *text = checked(json_dumps(root, JSON_INDENT(2)));
    wh_spec *spec = NULL;
    wh_status result = wh_spec_parse(text, strlen(text), "settings", &spec, err);
    wh_spec_free(spec);
    free(text);
    json_decref(root);
    return result;
}

wh_status tui_model_spec(tui_model *model, const char *source, wh_spec **out, wh_error *err)
{
    wh_status result;
    wh_spec *spec = NULL;
    wh_spec_lock_entry *lock = NULL;
    size_t lock_count = 0;
    char *lock_storage = NULL;
    json_t *json = spec_json(model);
    char *text = checked(json_dumps(json, JSON_INDENT(2)));

    /* The core parses what the composer wrote, so a saved spec is always a valid one. */
    result = wh_spec_parse(text, strlen(text), source, &spec, err);
    if (result != WH_OK)
        goto out;

    /* The lock records each included component's version and content digest. */
    result = wh_composition_lock(model->composition, &lock, &lock_count, &lock_storage, err);
    if (result != WH_OK)
        goto out;
    result = wh_spec_set_lock(spec, lock, lock_count, err);
    if (result != WH_OK)
        goto out;
    *out = spec;
    spec = NULL;

out:
    free(lock);
    free(lock_storage);
    wh_spec_free(spec);
    free(text);
    json_decref(json);
    return result;
}

wh_status tui_model_save(tui_model *model, const char *path, wh_error *err)
{
    wh_spec *spec = NULL;
    wh_status result = tui_model_spec(model, path, &spec, err);
    if (result == WH_OK)
        result = wh_spec_save(spec, path, err);
    wh_spec_free(spec);
    if (result != WH_OK)
        return result;

    if (!model->spec_path || strcmp(model->spec_path, path) != 0) {
        free(model->spec_path);
        model->spec_path = checked(strdup(path));
    }
    tui_state_copy(&model->saved, &model->state);
    return WH_OK;
}

/* ---- Spec to settings -------------------------------------------------- */

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

static void set_words(tui_state *state, tui_setting setting, const char *const *words, size_t count)
{
    char *text = join_words(words, count);
    tui_state_set_setting(state, setting, text);
    free(text);
}

/* Reads the settings the form edits. Words with spaces do not survive the space-separated form. */
static void read_settings(const wh_spec_view *view, tui_state *state)
{
    set_words(state, TUI_SETTING_EXCLUDE, view->exclude_paths, view->exclude_path_count);
    set_words(state, TUI_SETTING_ENTRYPOINT, view->entrypoint, view->entrypoint_count);
    set_words(state, TUI_SETTING_CMD, view->cmd, view->cmd_count);
    tui_state_set_setting(state, TUI_SETTING_WORKDIR, view->workdir);
    tui_state_set_setting(state, TUI_SETTING_USER, view->run_as);
    /* A spec without a policy is built with the baseline profile. */
    const char *policy = view->policy_profile ? view->policy_profile : view->policy_file;
    tui_state_set_setting(state, TUI_SETTING_POLICY, policy ? policy : "baseline");

    char **env = checked(calloc(view->env_count + 1, sizeof(*env)));
    for (size_t i = 0; i < view->env_count; i++)
        if (asprintf(&env[i], "%s=%s", view->env[i].key, view->env[i].value) < 0)
            abort();
    set_words(state, TUI_SETTING_ENV, (const char *const *)env, view->env_count);
    tui_words_free(env);

    char **accounts = checked(calloc(view->user_count + 1, sizeof(*accounts)));
    for (size_t i = 0; i < view->user_count; i++)
        if (asprintf(&accounts[i], "%s:%lld:%lld", view->users[i].name,
                     (long long)view->users[i].uid, (long long)view->users[i].gid) < 0)
            abort();
    set_words(state, TUI_SETTING_ACCOUNTS, (const char *const *)accounts, view->user_count);
    tui_words_free(accounts);

    const char **paths = checked(calloc(view->path_count + 1, sizeof(*paths)));
    for (size_t i = 0; i < view->path_count; i++)
        paths[i] = view->paths[i].path;
    set_words(state, TUI_SETTING_WRITABLE, paths, view->path_count);
    free(paths);
}

wh_status tui_model_read_spec(tui_model *model, const char *path, wh_error *err)
{
    wh_spec *spec = NULL;
    wh_status result = wh_spec_load(path, &spec, err);
    if (result != WH_OK)
        return result;
    const wh_spec_view *view = wh_spec_get(spec);
    tui_state *state = &model->state;

    for (size_t i = 0; i < view->component_count; i++) {
        uint32_t id = wh_graph_find(model->graph, view->components[i].name);
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
        uint32_t id = wh_graph_find(model->graph, view->exclude[i]);
        if (id != WH_NONE)
            tui_state_set_excluded(state, id, 1);
    }
    read_settings(view, state);

    /* The spec's policy additions, applied to whichever profile the settings name. */
    model->allow_executables = checked(calloc(view->allow_executable_count + 1, sizeof(char *)));
    for (size_t i = 0; i < view->allow_executable_count; i++)
        model->allow_executables[i] = checked(strdup(view->allow_executables[i]));
    model->size_budget = view->size_budget;

    /*
     * The core sets what the composer has no form for: trimming, declared relations, the base.
     * NOTE: the spec's local "files" are not added to the composer's graph, so its sizes and
     * policy results leave them out, while an export or `whittle build` includes them.
     */
    result = wh_spec_apply(spec, model->composition, err);
    if (result != WH_OK)
        goto out;

    /* The JSON as written, so saving keeps the keys the composer does not edit. */
    json_error_t json_error;
    model->original_spec = json_load_file(path, 0, &json_error);
    if (!model->original_spec)
        result =
            wh_error_set(err, WH_ERR_FORMAT, "%s:%d: %s", path, json_error.line, json_error.text);

out:
    wh_spec_free(spec);
    return result;
}
