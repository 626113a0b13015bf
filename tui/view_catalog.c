/*
 * The catalog view: every component by kind and name, with its state in the
 * composition, size, linkage and risk markers, filtered by the search text
 * and the filter keys. The info line shows what toggling the cursor row
 * would change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "format.h"
#include "view_common.h"

typedef struct catalog_view {
    uint32_t *rows; /* component ids in display order */
    size_t row_count;
    int kind_filter; /* a wh_kind, or -1 for every kind */
    int static_only, failing_only, included_only;
} catalog_view;

static void create(tui_app *app, void **data)
{
    (void)app;
    catalog_view *view = tui_checked(calloc(1, sizeof(*view)));
    view->kind_filter = -1;
    *data = view;
}

static void destroy(void *data)
{
    catalog_view *view = data;
    if (view)
        free(view->rows);
    free(view);
}

static const wh_graph *sorting_graph;

static int by_kind_then_name(const void *a, const void *b)
{
    const wh_graph_component *x = wh_graph_component_at(sorting_graph, *(const uint32_t *)a);
    const wh_graph_component *y = wh_graph_component_at(sorting_graph, *(const uint32_t *)b);
    if (x->kind != y->kind)
        return (int)x->kind - (int)y->kind;
    int names = strcmp(x->name, y->name);
    return names ? names : strcmp(x->version, y->version);
}

static int keep_row(tui_app *app, catalog_view *view, uint32_t id)
{
    const wh_graph *graph = tui_model_graph(app->model);
    wh_composition *composition = tui_model_composition(app->model);
    const wh_graph_component *component = wh_graph_component_at(graph, id);

    if (view->kind_filter >= 0 && (int)component->kind != view->kind_filter)
        return 0;
    if (view->included_only && !wh_composition_included(composition, id))
        return 0;
    if (view->failing_only && tui_model_component_findings(app->model, id) == 0)
        return 0;
    if (view->static_only) {
        uint32_t flags = wh_composition_component_flags(composition, id);
        if ((flags & WH_FLAG_DYNAMIC) || !(flags & (WH_FLAG_STATIC | WH_FLAG_STATIC_PIE)))
            return 0;
    }
    return tui_contains_text(component->name, app->search);
}

static void refresh(tui_app *app, void *data)
{
    catalog_view *view = data;
    const wh_graph *graph = tui_model_graph(app->model);
    uint32_t count = wh_graph_component_count(graph);

    view->rows = tui_checked(realloc(view->rows, (count + 1) * sizeof(*view->rows)));
    view->row_count = 0;
    for (uint32_t id = 0; id < count; id++)
        if (keep_row(app, view, id))
            view->rows[view->row_count++] = id;

    sorting_graph = graph;
    qsort(view->rows, view->row_count, sizeof(*view->rows), by_kind_then_name);
    sorting_graph = NULL;
}

static size_t row_count(tui_app *app, void *data)
{
    (void)app;
    return ((catalog_view *)data)->row_count;
}

/* Returns the component under the cursor, or WH_NONE. */
static uint32_t cursor_component(tui_app *app, catalog_view *view)
{
    size_t row = app->cursors[TUI_VIEW_CATALOG].row;
    return row < view->row_count ? view->rows[row] : WH_NONE;
}

static void draw(tui_app *app, void *data, tui_area area)
{
    catalog_view *view = data;
    const wh_graph *graph = tui_model_graph(app->model);
    wh_composition *composition = tui_model_composition(app->model);
    int wide = area.width >= 120;
    int name_width = wide ? 30 : 22, version_width = wide ? 28 : 14;

    /* Column headings, with the active filters at the right. */
    char heading[256], filters[256] = "";
    snprintf(heading, sizeof(heading), "    %-*s %-*s %-7s %9s %-6s %-*s%s", name_width, "NAME",
             version_width, "VERSION", "KIND", "SIZE", "LINK", wide ? 24 : 0,
             wide ? "PULLED IN BY" : "", "MARKS");
    tui_draw_line(area.top, 0, area.width, TUI_ROLE_HEADER, heading);
    if (view->kind_filter >= 0 || view->static_only || view->failing_only || view->included_only ||
        app->search[0]) {
        snprintf(filters, sizeof(filters), "[%s%s%s%s%s%s] ",
                 view->kind_filter >= 0 ? wh_kind_name((wh_kind)view->kind_filter) : "",
                 view->static_only ? " static" : "", view->failing_only ? " findings" : "",
                 view->included_only ? " in-image" : "", app->search[0] ? " /" : "", app->search);
        int width = tui_text_width(filters);
        if (width < area.width / 2)
            tui_draw_text(area.top, area.width - width, width, TUI_ROLE_HEADER, filters);
    }

    /* Component rows. */
    tui_cursor *cursor = &app->cursors[TUI_VIEW_CATALOG];
    for (int line = 1; line < area.height; line++) {
        size_t row = cursor->top + (size_t)(line - 1);
        if (row >= view->row_count)
            break;
        uint32_t id = view->rows[row];
        const wh_graph_component *component = wh_graph_component_at(graph, id);
        wh_totals totals = wh_composition_component_totals(composition, id);
        uint32_t flags = wh_composition_component_flags(composition, id);
        int selected = row == cursor->row;
        tui_component_state state = tui_component_state_of(app->model, id);

        char size[32], marks[64], text[512];
        tui_format_flags(flags, tui_model_component_findings(app->model, id), marks, sizeof(marks));

        /* Wide screens name the component that pulled each one in. */
        const char *by = "";
        if (wide && state == TUI_STATE_PULLED) {
            const wh_reason *reason = wh_composition_reason(composition, id);
            if (reason->by != WH_NONE)
                by = wh_graph_component_at(graph, reason->by)->name;
        }
        snprintf(text, sizeof(text), " %-*.*s %-*.*s %-7s %9s %-6s %-*.*s%s", name_width,
                 name_width, component->name, version_width, version_width, component->version,
                 wh_kind_name(component->kind), tui_format_size((int64_t)totals.bytes, size),
                 tui_linkage_name(flags), wide ? 24 : 0, wide ? 23 : 0, by, marks);

        int y = area.top + line;
        tui_role role = selected ? TUI_ROLE_SELECTION : tui_component_state_role(state);
        tui_draw_line(y, 0, area.width, role, "");
        int used =
            tui_draw_text(y, 0, 3, selected ? TUI_ROLE_SELECTION : tui_component_state_role(state),
                          tui_component_state_marker(state));
        tui_draw_text(y, used, area.width - used, selected ? TUI_ROLE_SELECTION : TUI_ROLE_NORMAL,
                      text);
    }
    if (view->row_count == 0)
        tui_draw_text(area.top + 2, 4, area.width - 4, TUI_ROLE_DIM,
                      "No component matches; press c to clear search and filters.");
}

static void describe(tui_app *app, void *data, char *line, size_t size)
{
    uint32_t id = cursor_component(app, data);
    if (id == WH_NONE) {
        snprintf(line, size, " ");
        return;
    }
    tui_describe_toggle(app, id, line, size);
}

static unsigned act(tui_app *app, void *data, tui_action action)
{
    catalog_view *view = data;
    uint32_t id = cursor_component(app, view);

    switch (action) {
    case TUI_ACTION_TOGGLE:
        if (id == WH_NONE)
            return TUI_CHANGED_NOTHING;
        return tui_toggle_component(app, id);
    case TUI_ACTION_OPEN:
        if (id == WH_NONE)
            return TUI_CHANGED_NOTHING;
        app->selected_component = id;
        tui_app_show(app, TUI_VIEW_DETAILS);
        return TUI_CHANGED_VIEW_DATA;
    case TUI_ACTION_FILTER_KIND:
        view->kind_filter = view->kind_filter + 1 >= WH_KIND_COUNT ? -1 : view->kind_filter + 1;
        tui_app_message(app, "showing %s",
                        view->kind_filter < 0 ? "every kind"
                                              : wh_kind_name((wh_kind)view->kind_filter));
        break;
    case TUI_ACTION_FILTER_STATIC:
        view->static_only = !view->static_only;
        break;
    case TUI_ACTION_FILTER_FAILING:
        view->failing_only = !view->failing_only;
        break;
    case TUI_ACTION_FILTER_SELECTED:
        view->included_only = !view->included_only;
        break;
    case TUI_ACTION_CLEAR_FILTERS:
        view->kind_filter = -1;
        view->static_only = view->failing_only = view->included_only = 0;
        app->search[0] = '\0';
        break;
    default:
        return TUI_NOT_HANDLED;
    }
    app->cursors[TUI_VIEW_CATALOG].row = 0;
    return TUI_CHANGED_VIEW_DATA;
}

static int matches(tui_app *app, void *data, size_t row, const char *text)
{
    catalog_view *view = data;
    if (row >= view->row_count)
        return 0;
    return tui_contains_text(
        wh_graph_component_at(tui_model_graph(app->model), view->rows[row])->name, text);
}

/* The component under the cursor, for the details view and mouse actions. */
uint32_t tui_catalog_cursor(tui_app *app)
{
    return cursor_component(app, app->view_data[TUI_VIEW_CATALOG]);
}

const tui_view_ops tui_view_catalog = {
    .title = "Catalog",
    .bit = TUI_IN_CATALOG,
    .create = create,
    .destroy = destroy,
    .refresh = refresh,
    .row_count = row_count,
    .draw = draw,
    .describe = describe,
    .act = act,
    .matches = matches,
};
