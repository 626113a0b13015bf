/* Policy results for the composer: the core's findings grouped by rule. */
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

/* Loads the policy named by the settings when it changed since the last evaluation. */
static int load_policy(tui_model *model)
{
    const char *name = tui_model_policy_name(model);
    if (model->policy && strcmp(model->policy_loaded, name) == 0)
        return 0;

    wh_policy_free(model->policy);
    model->policy = NULL;
    model->policy_error[0] = '\0';
    snprintf(model->policy_loaded, sizeof(model->policy_loaded), "%s", name);

    wh_error err = {0};
    wh_status status;
    if (wh_policy_is_profile(name)) {
        status = wh_policy_profile(name, &model->policy, &err);
    } else {
        /* A relative policy file is found next to the spec, as `whittle build` finds it. */
        char path[4096];
        const char *slash = model->spec_path ? strrchr(model->spec_path, '/') : NULL;
        if (name[0] != '/' && slash)
            snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - model->spec_path),
                     model->spec_path, name);
        else
            snprintf(path, sizeof(path), "%s", name);
        status = wh_policy_load(path, &model->policy, &err);
    }
    if (status == WH_OK && model->allow_executables) {
        size_t count = 0;
        while (model->allow_executables[count])
            count++;
        status = wh_policy_allow_executables(
            model->policy, (const char *const *)model->allow_executables, count, &err);
    }
    if (status != WH_OK) {
        snprintf(model->policy_error, sizeof(model->policy_error), "policy %s: %s", name,
                 err.message);
        wh_policy_free(model->policy);
        model->policy = NULL;
        return -1;
    }
    if (model->size_budget >= 0)
        wh_policy_set_size_budget(model->policy, model->size_budget);
    return 0;
}

/* Builds the policy context from the image settings. Frees nothing the caller keeps. */
typedef struct context_storage {
    char **writable;
    char **accounts;
    wh_policy_user *users;
    char (*names)[128];
} context_storage;

static void build_context(const tui_state *state, wh_policy_context *context,
                          context_storage *storage)
{
    size_t writable_count = 0, account_count = 0;
    storage->writable = tui_words_split(state->settings[TUI_SETTING_WRITABLE], &writable_count);
    storage->accounts = tui_words_split(state->settings[TUI_SETTING_ACCOUNTS], &account_count);
    storage->users = checked(calloc(account_count + 1, sizeof(*storage->users)));
    storage->names = checked(calloc(account_count + 1, sizeof(*storage->names)));

    size_t users = 0;
    for (size_t i = 0; i < account_count; i++) {
        long long uid = 0;
        if (sscanf(storage->accounts[i], "%127[^:]:%lld", storage->names[users], &uid) == 2) {
            storage->users[users].name = storage->names[users];
            storage->users[users].uid = uid;
            users++;
        }
    }
    context->run_as = state->settings[TUI_SETTING_USER];
    context->users = storage->users;
    context->user_count = users;
    context->writable_paths = (const char *const *)storage->writable;
    context->writable_path_count = writable_count;
}

static void free_context(context_storage *storage)
{
    tui_words_free(storage->writable);
    tui_words_free(storage->accounts);
    free(storage->users);
    free(storage->names);
}

/* Groups the findings by rule, in the policy's rule order. */
static void group_findings(tui_model *model)
{
    size_t rule_count = wh_policy_rule_count(model->policy);
    model->rules = checked(calloc(rule_count + 1, sizeof(*model->rules)));
    model->finding_rows = checked(calloc(model->findings.count + 1, sizeof(*model->finding_rows)));
    model->rule_count = rule_count;

    size_t used = 0;
    for (size_t r = 0; r < rule_count; r++) {
        tui_rule_result *rule = &model->rules[r];
        rule->id = wh_policy_rule_id(model->policy, r);
        rule->description = wh_policy_rule_description(rule->id);
        rule->error = wh_policy_rule_severity(model->policy, r) == WH_SEVERITY_ERROR;
        rule->findings = &model->finding_rows[used];

        for (size_t f = 0; f < model->findings.count; f++) {
            const wh_finding *finding = &model->findings.items[f];
            if (strcmp(finding->rule, rule->id) != 0)
                continue;
            tui_finding *row = &model->finding_rows[used++];
            row->path = finding->path[0] ? finding->path : NULL;
            row->component =
                finding->component[0] ? wh_graph_find(model->graph, finding->component) : WH_NONE;
            row->message = finding->message;
            rule->finding_count++;
            if (row->component != WH_NONE)
                model->component_findings[row->component]++;
        }
        rule->passed = rule->finding_count == 0;
    }
}

void tui_model_evaluate_policy(tui_model *model)
{
    tui_model_policy_free(model);
    memset(model->component_findings, 0,
           (wh_graph_component_count(model->graph) + 1) * sizeof(*model->component_findings));
    if (load_policy(model) != 0)
        return;

    wh_policy_context context = {0};
    context_storage storage = {0};
    build_context(&model->state_for_policy, &context, &storage);
    wh_error err = {0};
    wh_status status =
        wh_policy_evaluate(model->policy, model->composition, &context, &model->findings, &err);
    free_context(&storage);
    if (status != WH_OK) {
        snprintf(model->policy_error, sizeof(model->policy_error), "policy evaluation failed: %s",
                 err.message);
        return;
    }
    group_findings(model);
}

void tui_model_policy_free(tui_model *model)
{
    free(model->rules);
    free(model->finding_rows);
    wh_findings_clear(&model->findings);
    memset(&model->findings, 0, sizeof(model->findings));
    model->rules = NULL;
    model->finding_rows = NULL;
    model->rule_count = 0;
}

const tui_rule_result *tui_model_policy(const tui_model *model, size_t *count)
{
    *count = model->rule_count;
    return model->rules;
}

const char *tui_model_policy_name(const tui_model *model)
{
    const char *setting = model->state_for_policy.settings[TUI_SETTING_POLICY];
    return setting ? setting : "strict";
}

void tui_model_policy_counts(const tui_model *model, size_t *errors, size_t *warnings)
{
    *errors = *warnings = 0;
    for (size_t i = 0; i < model->rule_count; i++) {
        if (model->rules[i].passed)
            continue;
        if (model->rules[i].error)
            (*errors)++;
        else
            (*warnings)++;
    }
}

size_t tui_model_component_findings(const tui_model *model, uint32_t id)
{
    if (id >= wh_graph_component_count(model->graph))
        return 0;
    return model->component_findings[id];
}

const char *tui_model_policy_unavailable(const tui_model *model)
{
    return model->policy_error[0] ? model->policy_error : NULL;
}
