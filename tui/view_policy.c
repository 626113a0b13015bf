/*
 * The policy view: every rule of the active profile with pass or fail, and
 * below a failing rule its findings. Enter on a finding jumps to its file
 * in the image tree.
 */
#include <stdio.h>
#include <stdlib.h>

#include "app.h"
#include "format.h"
#include "view_common.h"

typedef struct policy_row {
    size_t rule;
    long finding; /* -1 for the rule's own row */
} policy_row;

typedef struct policy_view {
    policy_row *rows;
    size_t count;
} policy_view;

static void create(tui_app *app, void **data)
{
    (void)app;
    *data = tui_checked(calloc(1, sizeof(policy_view)));
}

static void destroy(void *data)
{
    policy_view *view = data;
    if (view)
        free(view->rows);
    free(view);
}

static void refresh(tui_app *app, void *data)
{
    policy_view *view = data;
    size_t rule_count = 0, total = 0;
    const tui_rule_result *rules = tui_model_policy(app->model, &rule_count);

    for (size_t i = 0; i < rule_count; i++)
        total += 1 + rules[i].finding_count;
    view->rows = tui_checked(realloc(view->rows, (total + 1) * sizeof(*view->rows)));
    view->count = 0;
    for (size_t i = 0; i < rule_count; i++) {
        view->rows[view->count++] = (policy_row){i, -1};
        for (size_t f = 0; f < rules[i].finding_count; f++)
            view->rows[view->count++] = (policy_row){i, (long)f};
    }
}

static size_t row_count(tui_app *app, void *data)
{
    (void)app;
    return ((policy_view *)data)->count;
}

static void draw(tui_app *app, void *data, tui_area area)
{
    policy_view *view = data;
    size_t rule_count = 0;
    const tui_rule_result *rules = tui_model_policy(app->model, &rule_count);
    const wh_graph *graph = tui_model_graph(app->model);
    tui_cursor *cursor = &app->cursors[TUI_VIEW_POLICY];

    char heading[160];
    snprintf(heading, sizeof(heading), " POLICY %s", tui_model_policy_name(app->model));
    tui_draw_line(area.top, 0, area.width, TUI_ROLE_HEADER, heading);
    const char *unavailable = tui_model_policy_unavailable(app->model);
    if (unavailable) {
        tui_draw_text(area.top + 2, 4, area.width - 4, TUI_ROLE_DIM, unavailable);
        return;
    }

    for (int line = 1; line < area.height; line++) {
        size_t row = cursor->top + (size_t)(line - 1);
        if (row >= view->count)
            break;
        const tui_rule_result *rule = &rules[view->rows[row].rule];
        char text[1024];
        tui_role role;
        if (view->rows[row].finding < 0) {
            snprintf(text, sizeof(text), " %-4s %-24s %-7s %s", rule->passed ? "pass" : "FAIL",
                     rule->id, rule->error ? "error" : "warning", rule->description);
            role = rule->passed  ? TUI_ROLE_POLICY_PASS
                   : rule->error ? TUI_ROLE_POLICY_FAIL
                                 : TUI_ROLE_POLICY_WARN;
        } else {
            const tui_finding *finding = &rule->findings[view->rows[row].finding];
            snprintf(text, sizeof(text), "        %s%s%s%s  %s",
                     finding->path ? finding->path : "(image)",
                     finding->component != WH_NONE ? " (" : "",
                     finding->component != WH_NONE
                         ? wh_graph_component_at(graph, finding->component)->name
                         : "",
                     finding->component != WH_NONE ? ")" : "",
                     finding->message ? finding->message : "");
            role = TUI_ROLE_NORMAL;
        }
        tui_draw_line(area.top + line, 0, area.width,
                      row == cursor->row ? TUI_ROLE_SELECTION : role, text);
    }
}

static const tui_finding *cursor_finding(tui_app *app, policy_view *view)
{
    size_t row = app->cursors[TUI_VIEW_POLICY].row, rule_count = 0;
    const tui_rule_result *rules = tui_model_policy(app->model, &rule_count);
    if (row >= view->count || view->rows[row].finding < 0)
        return NULL;
    return &rules[view->rows[row].rule].findings[view->rows[row].finding];
}

static void describe(tui_app *app, void *data, char *line, size_t size)
{
    const tui_finding *finding = cursor_finding(app, data);
    /* The row is often cut at 80 columns, so the info line repeats the whole finding. */
    if (finding && finding->path)
        snprintf(line, size, "Enter: show in tree | %s: %s", finding->path,
                 finding->message ? finding->message : "");
    else if (finding)
        snprintf(line, size, "%s", finding->message ? finding->message : "");
    else
        snprintf(line, size, " ");
}

static unsigned act(tui_app *app, void *data, tui_action action)
{
    if (action != TUI_ACTION_OPEN)
        return TUI_NOT_HANDLED;
    const tui_finding *finding = cursor_finding(app, data);
    if (!finding || !finding->path)
        return TUI_CHANGED_NOTHING;
    if (tui_tree_jump(app, finding->path) != 0)
        tui_app_error(app, "%s is not in the image tree", finding->path);
    return TUI_CHANGED_SCREEN;
}

static int matches(tui_app *app, void *data, size_t row, const char *text)
{
    policy_view *view = data;
    size_t rule_count = 0;
    const tui_rule_result *rules = tui_model_policy(app->model, &rule_count);
    if (row >= view->count)
        return 0;
    const tui_rule_result *rule = &rules[view->rows[row].rule];
    if (view->rows[row].finding < 0)
        return tui_contains_text(rule->id, text);
    const tui_finding *finding = &rule->findings[view->rows[row].finding];
    return tui_contains_text(finding->path, text);
}

const tui_view_ops tui_view_policy = {
    .title = "Policy",
    .bit = TUI_IN_POLICY,
    .create = create,
    .destroy = destroy,
    .refresh = refresh,
    .row_count = row_count,
    .draw = draw,
    .describe = describe,
    .act = act,
    .matches = matches,
};
