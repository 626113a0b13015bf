#include "view_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialog.h"
#include "format.h"

void *tui_checked(void *pointer)
{
    if (!pointer)
        tui_fatal("out of memory");
    return pointer;
}

tui_component_state tui_component_state_of(tui_model *model, uint32_t id)
{
    wh_composition *composition = tui_model_composition(model);
    if (tui_state_is_excluded(tui_model_state(model), id))
        return TUI_STATE_EXCLUDED;
    if (!wh_composition_included(composition, id))
        return TUI_STATE_NONE;

    const wh_reason *reason = wh_composition_reason(composition, id);
    if (reason->kind == WH_REASON_SELECTED)
        return TUI_STATE_CHOSEN;
    if (reason->kind == WH_REASON_BASE)
        return TUI_STATE_BASE;
    return TUI_STATE_PULLED;
}

const char *tui_component_state_marker(tui_component_state state)
{
    static const char *const markers[] = {"[ ]", "[x]", "[+]", "[b]", "[-]"};
    return markers[state];
}

tui_role tui_component_state_role(tui_component_state state)
{
    switch (state) {
    case TUI_STATE_CHOSEN:
        return TUI_ROLE_CHOSEN;
    case TUI_STATE_PULLED:
        return TUI_ROLE_PULLED;
    case TUI_STATE_BASE:
        return TUI_ROLE_PULLED;
    case TUI_STATE_EXCLUDED:
        return TUI_ROLE_EXCLUDED;
    default:
        return TUI_ROLE_NORMAL;
    }
}

const char *tui_linkage_name(uint32_t flags)
{
    if (flags & WH_FLAG_DYNAMIC)
        return "dyn";
    if (flags & (WH_FLAG_STATIC | WH_FLAG_STATIC_PIE))
        return "static";
    if (flags & WH_FLAG_SCRIPT)
        return "script";
    return "-";
}

void tui_format_flags(uint32_t flags, size_t findings, char *buffer, size_t size)
{
    static const struct {
        uint32_t flag;
        const char *marker;
    } markers[] = {
        {WH_FLAG_SHELL, "sh"},
        {WH_FLAG_MULTICALL, "multi"},
        {WH_FLAG_PACKAGE_MANAGER, "pkg"},
        {WH_FLAG_SETUID, "suid"},
        {WH_FLAG_SETGID, "sgid"},
        {WH_FLAG_CAPABILITIES, "caps"},
        {WH_FLAG_WORLD_WRITABLE, "o+w"},
    };
    size_t used = 0;
    buffer[0] = '\0';
    for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]) && used < size; i++)
        if (flags & markers[i].flag)
            used += (size_t)snprintf(buffer + used, size - used, "%s%s", used ? " " : "",
                                     markers[i].marker);
    if (findings && used < size)
        snprintf(buffer + used, size - used, "%s!%zu", used ? " " : "", findings);
}

/* Writes prefix and the names of up to three of ids other than skip, then ", ..." for more. */
static void list_others(const wh_graph *graph, const uint32_t *ids, uint32_t count, uint32_t skip,
                        const char *prefix, char *buffer, size_t size)
{
    size_t used = (size_t)snprintf(buffer, size, "%s", prefix);
    uint32_t listed = 0, others = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (ids[i] == skip)
            continue;
        others++;
        if (listed == 3 || used >= size)
            continue;
        used += (size_t)snprintf(buffer + used, size - used, "%s%s", listed ? ", " : "",
                                 wh_graph_component_at(graph, ids[i])->name);
        listed++;
    }
    if (others > listed && used < size)
        snprintf(buffer + used, size - used, ", ...");
    if (others == 0)
        buffer[0] = '\0';
}

void tui_describe_toggle(tui_app *app, uint32_t id, char *line, size_t size)
{
    const wh_graph *graph = tui_model_graph(app->model);
    wh_composition *composition = tui_model_composition(app->model);
    const wh_graph_component *component = wh_graph_component_at(graph, id);
    tui_component_state state = tui_component_state_of(app->model, id);
    char where[160] = "";

    if (state == TUI_STATE_PULLED) {
        const wh_reason *reason = wh_composition_reason(composition, id);
        snprintf(where, sizeof(where), " (pulled in by %s)",
                 reason->by != WH_NONE ? wh_graph_component_at(graph, reason->by)->name : "?");
    } else if (state == TUI_STATE_EXCLUDED) {
        snprintf(where, sizeof(where), " (excluded)");
    }

    /* A review changes nothing, so there is no impact to preview. */
    if (app->review_reference) {
        wh_totals totals = wh_composition_component_totals(composition, id);
        char bytes[32];
        snprintf(line, size, "%s%s  %llu files, %s", component->name, where,
                 (unsigned long long)totals.files, tui_format_size((int64_t)totals.bytes, bytes));
        return;
    }

    wh_impact impact = {0};
    wh_error err = {0};
    if (tui_model_impact(app->model, id, &impact, &err) != WH_OK) {
        snprintf(line, size, "%s%s: %s", component->name, where, err.message);
        return;
    }

    char bytes[32], names[160] = "";
    tui_format_size_change(impact.bytes, bytes);
    if (impact.selecting)
        list_others(graph, impact.added, impact.added_count, id, " with ", names, sizeof(names));
    else
        list_others(graph, impact.removed, impact.removed_count, id, " also ", names,
                    sizeof(names));
    long long changed = (long long)impact.components;
    snprintf(line, size, "%s%s  Space: %s %+lld component%s %s%s", component->name, where,
             impact.selecting ? "add" : "remove", changed, changed == 1 || changed == -1 ? "" : "s",
             bytes, names);
    wh_impact_clear(&impact);
}

static unsigned report_toggle(tui_app *app, uint32_t id, int was_included)
{
    const wh_graph *graph = tui_model_graph(app->model);
    wh_totals totals = wh_composition_totals(tui_model_composition(app->model));
    char bytes[32];
    tui_app_message(app, "%s %s; image now %s", was_included ? "removed" : "added",
                    wh_graph_component_at(graph, id)->name,
                    tui_format_size((int64_t)totals.bytes, bytes));
    return TUI_CHANGED_COMPOSITION;
}

unsigned tui_toggle_component(tui_app *app, uint32_t id)
{
    const wh_graph *graph = tui_model_graph(app->model);
    int was_included = wh_composition_included(tui_model_composition(app->model), id);
    uint32_t *needers = NULL, needer_count = 0;
    wh_error err = {0};

    wh_status status = tui_model_toggle(app->model, id, 0, &needers, &needer_count, &err);
    if (status == WH_OK) {
        free(needers);
        return report_toggle(app, id, was_included);
    }
    if (needer_count == 0) {
        free(needers);
        tui_app_error(app, "%s", err.message);
        return TUI_CHANGED_SCREEN;
    }

    /* Others need it: list them and ask before removing them too. */
    const char **lines = tui_checked(calloc(needer_count + 1, sizeof(*lines)));
    char heading[160];
    snprintf(heading, sizeof(heading), "%s is needed by:", wh_graph_component_at(graph, id)->name);
    lines[0] = heading;
    for (uint32_t i = 0; i < needer_count; i++)
        lines[i + 1] = wh_graph_component_at(graph, needers[i])->name;
    int confirmed =
        tui_dialog_confirm(app, "Others need it", lines, needer_count + 1, "Remove them too?");
    free(lines);
    free(needers);
    if (!confirmed) {
        tui_app_message(app, "kept %s", wh_graph_component_at(graph, id)->name);
        return TUI_CHANGED_SCREEN;
    }

    status = tui_model_toggle(app->model, id, 1, NULL, NULL, &err);
    if (status != WH_OK) {
        tui_app_error(app, "%s", err.message);
        return TUI_CHANGED_SCREEN;
    }
    return report_toggle(app, id, was_included);
}
