/*
 * The image tree view: the files of the included components as a folder
 * tree with sizes, owners and flags, sorted by name or size, with folders
 * expanded and collapsed in place and paths excluded from here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "format.h"
#include "tree.h"
#include "view_common.h"

typedef struct tree_view {
    tui_tree *tree;
    tui_tree_sort sort;
} tree_view;

static void create(tui_app *app, void **data)
{
    (void)app;
    *data = tui_checked(calloc(1, sizeof(tree_view)));
}

static void destroy(void *data)
{
    tree_view *view = data;
    if (view)
        tui_tree_free(view->tree);
    free(view);
}

static void refresh(tui_app *app, void *data)
{
    tree_view *view = data;
    const wh_graph *graph = tui_model_graph(app->model);
    wh_composition *composition = tui_model_composition(app->model);
    uint32_t member_count = 0;
    const uint32_t *members = wh_composition_members(composition, &member_count);
    tui_tree *tree = tui_tree_new();

    for (uint32_t m = 0; m < member_count; m++) {
        const wh_graph_component *component = wh_graph_component_at(graph, members[m]);
        for (uint32_t f = component->first_file; f < component->first_file + component->file_count;
             f++) {
            const wh_graph_file *file = wh_graph_file_at(graph, f);
            int64_t size = file->type == WH_FILE_REGULAR ? file->size : 0;
            int directory = file->type == WH_FILE_DIRECTORY;
            /* Folders are shared by many components, so they show no owner. */
            tui_tree_add(tree, file->path, size, directory, f,
                         directory ? TUI_TREE_NONE : members[m], file->flags,
                         !wh_composition_file_kept(composition, f));
        }
    }
    tui_tree_finish(tree, view->sort);
    if (view->tree) {
        tui_tree_copy_expansion(tree, view->tree);

        /* Keep the cursor on the same path when it is still there. */
        size_t row = app->cursors[TUI_VIEW_TREE].row;
        if (row < view->tree->row_count) {
            char path[4096];
            tui_tree_path(view->tree, view->tree->rows[row], path, sizeof(path));
            long at = tui_tree_row_of(tree, tui_tree_find(tree, path));
            if (at >= 0)
                app->cursors[TUI_VIEW_TREE].row = (size_t)at;
        }
    }
    tui_tree_free(view->tree);
    view->tree = tree;
}

static size_t row_count(tui_app *app, void *data)
{
    (void)app;
    tree_view *view = data;
    return view->tree ? view->tree->row_count : 0;
}

/* Writes the indentation and branch glyphs for node into buffer. */
static void branch_prefix(const tui_tree *tree, uint32_t node, char *buffer, size_t size)
{
    const tui_glyphs *glyphs = tui_draw_glyphs();
    uint32_t chain[64];
    size_t depth = 0;
    for (uint32_t n = node; n != 0 && n != TUI_TREE_NONE && depth < 64; n = tree->nodes[n].parent)
        chain[depth++] = n;

    buffer[0] = '\0';
    size_t used = 0;
    /* Each ancestor adds a pipe when more siblings follow it, and the node adds a branch. */
    for (size_t i = depth; i-- > 1 && used < size;) {
        int more = tree->nodes[chain[i]].next_sibling != TUI_TREE_NONE;
        used += (size_t)snprintf(buffer + used, size - used, "%s", more ? glyphs->tree_pipe : "  ");
    }
    if (used < size)
        snprintf(buffer + used, size - used, "%s",
                 tree->nodes[node].next_sibling != TUI_TREE_NONE ? glyphs->tree_branch
                                                                 : glyphs->tree_last);
}

static void draw(tui_app *app, void *data, tui_area area)
{
    tree_view *view = data;
    const wh_graph *graph = tui_model_graph(app->model);
    const tui_glyphs *glyphs = tui_draw_glyphs();
    tui_cursor *cursor = &app->cursors[TUI_VIEW_TREE];
    int owner_width = area.width >= 120 ? 28 : 16;

    char heading[160];
    snprintf(heading, sizeof(heading), " %9s  %-*s %-12s PATH (sorted by %s)", "SIZE", owner_width,
             "COMPONENT", "FLAGS", view->sort == TUI_TREE_SORT_SIZE ? "size" : "name");
    tui_draw_line(area.top, 0, area.width, TUI_ROLE_HEADER, heading);
    if (!view->tree || view->tree->row_count == 0) {
        tui_draw_text(area.top + 2, 4, area.width - 4, TUI_ROLE_DIM,
                      "The image is empty: select components in the catalog (1) with Space.");
        return;
    }

    for (int line = 1; line < area.height; line++) {
        size_t row = cursor->top + (size_t)(line - 1);
        if (row >= view->tree->row_count)
            break;
        uint32_t id = view->tree->rows[row];
        const tui_tree_node *node = &view->tree->nodes[id];
        int selected = row == cursor->row;

        char size[32], risks[64], marks[72], prefix[512], text[2048], link[600] = "";
        tui_format_flags(node->directory ? node->descendant_flags : node->flags, 0, risks,
                         sizeof(risks));
        /* A dynamic executable is marked too, because a minimal image wants static ones. */
        int dynamic = !node->directory && (node->flags & WH_FLAG_DYNAMIC) &&
                      !(node->flags & WH_FLAG_SHARED_LIBRARY);
        snprintf(marks, sizeof(marks), "%s%s%s", dynamic ? "dyn" : "",
                 dynamic && risks[0] ? " " : "", risks);

        /* Symlinks show their target, so a multi-call applet shows the binary it runs. */
        if (!node->directory && node->item != TUI_TREE_NONE) {
            const wh_graph_file *file = wh_graph_file_at(graph, node->item);
            if (file->type == WH_FILE_SYMLINK && file->target)
                snprintf(link, sizeof(link), " %s %s", glyphs->arrow, file->target);
        }
        branch_prefix(view->tree, id, prefix, sizeof(prefix));
        const char *owner =
            node->owner != TUI_TREE_NONE ? wh_graph_component_at(graph, node->owner)->name : "";
        const char *marker = !node->directory ? " "
                             : node->expanded ? glyphs->expanded
                                              : glyphs->collapsed;
        snprintf(text, sizeof(text), " %9s  %-*.*s %-12.12s %s%s %s%s%s",
                 tui_format_size(node->size, size), owner_width, owner_width, owner, marks, prefix,
                 marker, node->name, link, node->excluded ? "  (excluded)" : "");

        tui_role role = selected         ? TUI_ROLE_SELECTION
                        : node->excluded ? TUI_ROLE_EXCLUDED
                        : (node->flags & (WH_FLAG_SHELL | WH_FLAG_MULTICALL | WH_FLAG_SETUID |
                                          WH_FLAG_SETGID | WH_FLAG_WORLD_WRITABLE))
                            ? TUI_ROLE_POLICY_FAIL
                            : TUI_ROLE_NORMAL;
        tui_draw_line(area.top + line, 0, area.width, role, text);
    }
}

static uint32_t cursor_node(tui_app *app, tree_view *view)
{
    size_t row = app->cursors[TUI_VIEW_TREE].row;
    if (!view->tree || row >= view->tree->row_count)
        return TUI_TREE_NONE;
    return view->tree->rows[row];
}

static void describe(tui_app *app, void *data, char *line, size_t size)
{
    tree_view *view = data;
    uint32_t id = cursor_node(app, view);
    if (id == TUI_TREE_NONE) {
        snprintf(line, size, " ");
        return;
    }
    const tui_tree_node *node = &view->tree->nodes[id];
    char path[4096], bytes[32];
    tui_tree_path(view->tree, id, path, sizeof(path));
    if (node->directory)
        snprintf(line, size, "%s  %llu entries, %s  x: %s", path,
                 (unsigned long long)node->file_count, tui_format_size(node->size, bytes),
                 node->excluded ? "include again" : "exclude");
    else
        snprintf(line, size, "%s  %s  x: %s", path, tui_format_size(node->size, bytes),
                 node->excluded ? "include again" : "exclude");
}

/*
 * Excludes the row's path from the image, or includes it again. A folder is
 * excluded with two globs, its own path and its path followed by a slash
 * and "**", because the second one does not match the folder itself.
 */
static unsigned exclude_path(tui_app *app, tree_view *view, uint32_t id)
{
    char path[4096], glob[4200];
    int directory = view->tree->nodes[id].directory;
    tui_tree_path(view->tree, id, path, sizeof(path));
    snprintf(glob, sizeof(glob), "%s%s", path, directory ? "/**" : "");

    tui_state next = {0};
    tui_state_copy(&next, tui_model_state(app->model));
    int added = tui_state_toggle_exclude(&next, glob);
    if (directory && tui_state_has_exclude(&next, path) != added)
        tui_state_toggle_exclude(&next, path);

    char label[4300];
    snprintf(label, sizeof(label), "%s %s", added ? "exclude" : "include", glob);
    wh_error err = {0};
    wh_status status = tui_model_change(app->model, &next, label, &err);
    tui_state_clear(&next);
    if (status != WH_OK) {
        tui_app_error(app, "%s failed: %s", label, err.message);
        return TUI_CHANGED_SCREEN;
    }
    if (!added && view->tree->nodes[id].excluded)
        tui_app_message(app, "%s; a wider excluded path may still cover it (C: settings)", label);
    else
        tui_app_message(app, "%s", label);
    return TUI_CHANGED_COMPOSITION;
}

static unsigned act(tui_app *app, void *data, tui_action action)
{
    tree_view *view = data;
    uint32_t id = cursor_node(app, view);
    if (id == TUI_TREE_NONE && action != TUI_ACTION_SORT)
        return TUI_NOT_HANDLED;

    switch (action) {
    case TUI_ACTION_OPEN:
        tui_tree_set_expanded(view->tree, id, !view->tree->nodes[id].expanded);
        return TUI_CHANGED_SCREEN;
    case TUI_ACTION_EXPAND:
        tui_tree_set_expanded(view->tree, id, 1);
        return TUI_CHANGED_SCREEN;
    case TUI_ACTION_COLLAPSE:
        if (view->tree->nodes[id].directory && view->tree->nodes[id].expanded) {
            tui_tree_set_expanded(view->tree, id, 0);
        } else if (view->tree->nodes[id].parent != 0) {
            long row = tui_tree_row_of(view->tree, view->tree->nodes[id].parent);
            if (row >= 0)
                tui_app_move_to(app, TUI_VIEW_TREE, (size_t)row);
        }
        return TUI_CHANGED_SCREEN;
    case TUI_ACTION_SORT:
        view->sort = view->sort == TUI_TREE_SORT_NAME ? TUI_TREE_SORT_SIZE : TUI_TREE_SORT_NAME;
        if (view->tree) {
            /* The cursor stays on the same entry. */
            tui_tree_set_sort(view->tree, view->sort);
            long row = id == TUI_TREE_NONE ? 0 : tui_tree_row_of(view->tree, id);
            tui_app_move_to(app, TUI_VIEW_TREE, row < 0 ? 0 : (size_t)row);
        }
        return TUI_CHANGED_SCREEN;
    case TUI_ACTION_EXCLUDE_PATH:
        return exclude_path(app, view, id);
    default:
        return TUI_NOT_HANDLED;
    }
}

static int matches(tui_app *app, void *data, size_t row, const char *text)
{
    (void)app;
    tree_view *view = data;
    return view->tree && row < view->tree->row_count &&
           tui_contains_text(view->tree->nodes[view->tree->rows[row]].name, text);
}

static long find(tui_app *app, void *data, size_t row, const char *text)
{
    (void)app;
    tree_view *view = data;
    if (!view->tree || view->tree->node_count < 2)
        return -1;

    /* Start from the node at row, or from the top, and visit every node once. */
    uint32_t start = row < view->tree->row_count ? view->tree->rows[row] : TUI_TREE_NONE;
    uint32_t node = start == TUI_TREE_NONE ? tui_tree_next(view->tree, 0) : start;
    for (size_t visited = 0; visited < view->tree->node_count; visited++) {
        if (tui_contains_text(view->tree->nodes[node].name, text))
            return tui_tree_reveal(view->tree, node);
        node = tui_tree_next(view->tree, node);
    }
    return -1;
}

int tui_tree_jump(tui_app *app, const char *path)
{
    tree_view *view = app->view_data[TUI_VIEW_TREE];
    if (!view->tree)
        return -1;
    uint32_t node = tui_tree_find(view->tree, path);
    long row = node == TUI_TREE_NONE ? -1 : tui_tree_reveal(view->tree, node);
    if (row < 0)
        return -1;
    tui_app_show(app, TUI_VIEW_TREE);
    tui_app_move_to(app, TUI_VIEW_TREE, (size_t)row);
    return 0;
}

const tui_view_ops tui_view_tree = {
    .title = "Tree",
    .bit = TUI_IN_TREE,
    .create = create,
    .destroy = destroy,
    .refresh = refresh,
    .row_count = row_count,
    .draw = draw,
    .describe = describe,
    .act = act,
    .matches = matches,
    .find = find,
};
