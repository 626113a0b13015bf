/*
 * The details view: one component's summary, license, origin and digest,
 * what it requires and what requires it, its declared relations, and its
 * files with their flags. Built as text lines when the component changes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "format.h"
#include "view_common.h"

typedef struct details_line {
    char *text;
    tui_role role;
} details_line;

typedef struct details_view {
    details_line *lines;
    size_t count, capacity;
} details_view;

static void create(tui_app *app, void **data)
{
    (void)app;
    *data = tui_checked(calloc(1, sizeof(details_view)));
}

static void clear(details_view *view)
{
    for (size_t i = 0; i < view->count; i++)
        free(view->lines[i].text);
    view->count = 0;
}

static void destroy(void *data)
{
    details_view *view = data;
    if (!view)
        return;
    clear(view);
    free(view->lines);
    free(view);
}

static void add(details_view *view, tui_role role, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void add(details_view *view, tui_role role, const char *format, ...)
{
    if (view->count == view->capacity) {
        view->capacity = view->capacity ? view->capacity * 2 : 64;
        view->lines = tui_checked(realloc(view->lines, view->capacity * sizeof(*view->lines)));
    }
    va_list args;
    va_start(args, format);
    char *text = NULL;
    if (vasprintf(&text, format, args) < 0)
        tui_fatal("out of memory");
    va_end(args);
    view->lines[view->count++] = (details_line){text, role};
}

/* Lists the components that provide the requirements of id's kept files. */
static void add_requirements(details_view *view, tui_app *app, uint32_t id)
{
    const wh_graph *graph = tui_model_graph(app->model);
    const wh_graph_component *component = wh_graph_component_at(graph, id);
    uint32_t count = wh_graph_component_count(graph);
    unsigned char *seen = tui_checked(calloc(count, 1));
    size_t listed = 0;

    add(view, TUI_ROLE_HEADER, "Requires (from its files)");
    for (uint32_t f = component->first_file; f < component->first_file + component->file_count;
         f++) {
        const wh_graph_file *file = wh_graph_file_at(graph, f);
        for (uint32_t r = 0; r < file->requirement_count; r++) {
            const wh_requirement *requirement = &file->requirements[r];
            uint32_t provider =
                requirement->providers->count
                    ? wh_graph_file_at(graph, requirement->providers->files[0])->component
                    : WH_NONE;
            if (provider == id)
                continue;
            if (provider == WH_NONE) {
                add(view, TUI_ROLE_POLICY_FAIL, "  %s %s: not provided by any component",
                    wh_requirement_kind_name(requirement->kind), requirement->name);
                continue;
            }
            if (seen[provider])
                continue;
            seen[provider] = 1;
            listed++;
            add(view, TUI_ROLE_NORMAL, "  %-24s for %s %s",
                wh_graph_component_at(graph, provider)->name,
                wh_requirement_kind_name(requirement->kind), requirement->name);
        }
    }
    if (!listed)
        add(view, TUI_ROLE_DIM, "  nothing from other components");
    free(seen);
}

/* Lists the shared libraries among id's files, which other components' sonames resolve to. */
static void add_provides(details_view *view, tui_app *app, uint32_t id)
{
    const wh_graph *graph = tui_model_graph(app->model);
    const wh_graph_component *component = wh_graph_component_at(graph, id);
    size_t listed = 0;

    add(view, TUI_ROLE_HEADER, "Provides (shared libraries)");
    for (uint32_t f = component->first_file; f < component->first_file + component->file_count;
         f++) {
        const wh_graph_file *file = wh_graph_file_at(graph, f);
        if (!(file->flags & WH_FLAG_SHARED_LIBRARY))
            continue;
        const char *name = strrchr(file->path, '/');
        add(view, TUI_ROLE_NORMAL, "  %-32s %s", name ? name + 1 : file->path, file->path);
        listed++;
    }
    if (!listed)
        add(view, TUI_ROLE_DIM, "  none");
}

static void add_needers(details_view *view, tui_app *app, uint32_t id)
{
    const wh_graph *graph = tui_model_graph(app->model);
    uint32_t *needers = NULL, count = 0;

    add(view, TUI_ROLE_HEADER, "Required by (in this image)");
    if (wh_composition_needers(tui_model_composition(app->model), id, &needers, &count, NULL) !=
            WH_OK ||
        count == 0)
        add(view, TUI_ROLE_DIM, "  nothing");
    for (uint32_t i = 0; i < count; i++)
        add(view, TUI_ROLE_NORMAL, "  %s", wh_graph_component_at(graph, needers[i])->name);
    free(needers);
}

static void add_relations(details_view *view, tui_app *app, uint32_t id)
{
    const wh_graph *graph = tui_model_graph(app->model);
    const wh_graph_component *component = wh_graph_component_at(graph, id);

    add(view, TUI_ROLE_HEADER, "Declared relations (shown, followed only on request)");
    if (component->relation_count == 0)
        add(view, TUI_ROLE_DIM, "  none");
    for (uint32_t i = 0; i < component->relation_count; i++) {
        const wh_graph_relation *relation =
            wh_graph_relation_at(graph, component->first_relation + i);
        const char *kind = wh_relation_kind_name(relation->kind);
        const char *alternative = relation->alternative ? "| " : "";
        if (relation->op)
            add(view, TUI_ROLE_NORMAL, "  %-11s %s%s (%s %s)", kind, alternative, relation->name,
                relation->op, relation->version ? relation->version : "");
        else
            add(view, TUI_ROLE_NORMAL, "  %-11s %s%s", kind, alternative, relation->name);
    }
}

static void add_files(details_view *view, tui_app *app, uint32_t id)
{
    const wh_graph *graph = tui_model_graph(app->model);
    wh_composition *composition = tui_model_composition(app->model);
    const wh_graph_component *component = wh_graph_component_at(graph, id);
    int included = wh_composition_included(composition, id);

    add(view, TUI_ROLE_HEADER, "Files (%u)", component->file_count);
    for (uint32_t f = component->first_file; f < component->first_file + component->file_count;
         f++) {
        const wh_graph_file *file = wh_graph_file_at(graph, f);
        char size[32], marks[64];
        tui_format_flags(file->flags, 0, marks, sizeof(marks));
        int kept = !included || wh_composition_file_kept(composition, f);
        add(view, kept ? TUI_ROLE_NORMAL : TUI_ROLE_EXCLUDED, "  %9s  %-6s %s%s%s %s%s",
            file->type == WH_FILE_REGULAR ? tui_format_size(file->size, size) : "",
            file->flags & (WH_FLAG_STATIC | WH_FLAG_STATIC_PIE | WH_FLAG_DYNAMIC | WH_FLAG_SCRIPT)
                ? tui_linkage_name(file->flags)
                : "",
            file->path, file->target ? " -> " : "", file->target ? file->target : "", marks,
            kept ? "" : " (excluded)");
    }
}

static void refresh(tui_app *app, void *data)
{
    details_view *view = data;
    clear(view);
    uint32_t id = app->selected_component;
    if (id == WH_NONE || id >= wh_graph_component_count(tui_model_graph(app->model))) {
        add(view, TUI_ROLE_DIM, "No component chosen: press Enter on a row of the catalog (1).");
        return;
    }

    const wh_graph_component *component = wh_graph_component_at(tui_model_graph(app->model), id);
    whc_component info = {0};
    int have_info = whc_find_component(tui_model_catalog(app->model), component->name,
                                       component->version, &info, NULL) == WH_OK;
    char line[512];
    tui_describe_toggle(app, id, line, sizeof(line));

    add(view, TUI_ROLE_CHOSEN, "%s %s  (%s, %s)", component->name, component->version,
        wh_kind_name(component->kind), component->architecture ? component->architecture : "any");
    add(view, TUI_ROLE_NORMAL, "  %s", line);
    if (have_info) {
        add(view, TUI_ROLE_NORMAL, "  Summary: %s", info.summary ? info.summary : "-");
        add(view, TUI_ROLE_NORMAL, "  License: %s", info.license ? info.license : "unknown");
        add(view, TUI_ROLE_NORMAL, "  Origin:  %s (%s)", info.origin_path ? info.origin_path : "-",
            info.origin_format ? info.origin_format : "-");
        add(view, TUI_ROLE_NORMAL, "  Digest:  sha256:%s",
            info.origin_sha256 ? info.origin_sha256 : "-");
        whc_component_clear(&info);
    }
    add_requirements(view, app, id);
    add_needers(view, app, id);
    add_provides(view, app, id);
    add_relations(view, app, id);
    add_files(view, app, id);
}

static size_t row_count(tui_app *app, void *data)
{
    (void)app;
    return ((details_view *)data)->count;
}

static void draw(tui_app *app, void *data, tui_area area)
{
    details_view *view = data;
    tui_cursor *cursor = &app->cursors[TUI_VIEW_DETAILS];
    tui_draw_line(area.top, 0, area.width, TUI_ROLE_HEADER, " DETAILS");
    for (int line = 1; line < area.height; line++) {
        size_t row = cursor->top + (size_t)(line - 1);
        if (row >= view->count)
            break;
        tui_role role = row == cursor->row ? TUI_ROLE_SELECTION : view->lines[row].role;
        tui_draw_line(area.top + line, 0, area.width, role, view->lines[row].text);
    }
}

static void describe(tui_app *app, void *data, char *line, size_t size)
{
    (void)data;
    if (app->selected_component == WH_NONE)
        snprintf(line, size, " ");
    else
        tui_describe_toggle(app, app->selected_component, line, size);
}

static unsigned act(tui_app *app, void *data, tui_action action)
{
    (void)data;
    if (action == TUI_ACTION_TOGGLE && app->selected_component != WH_NONE)
        return tui_toggle_component(app, app->selected_component);
    return TUI_NOT_HANDLED;
}

static int matches(tui_app *app, void *data, size_t row, const char *text)
{
    (void)app;
    details_view *view = data;
    return row < view->count && tui_contains_text(view->lines[row].text, text);
}

const tui_view_ops tui_view_details = {
    .title = "Details",
    .bit = TUI_IN_DETAILS,
    .create = create,
    .destroy = destroy,
    .refresh = refresh,
    .row_count = row_count,
    .draw = draw,
    .describe = describe,
    .act = act,
    .matches = matches,
};
