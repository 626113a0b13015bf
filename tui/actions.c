/* Actions shared by every view: moving, switching views, undo, save, export, quit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "dialog.h"
#include "view_common.h"

static unsigned move_cursor(tui_app *app, tui_action action)
{
    const tui_view_ops *view = app->views[app->current];
    size_t count = view->row_count(app, app->view_data[app->current]);
    size_t row = app->cursors[app->current].row;
    size_t page = app->page_rows > 2 ? (size_t)app->page_rows - 2 : 1;

    switch (action) {
    case TUI_ACTION_MOVE_UP:
        row = row > 0 ? row - 1 : 0;
        break;
    case TUI_ACTION_MOVE_DOWN:
        row = row + 1;
        break;
    case TUI_ACTION_PAGE_UP:
        row = row > page ? row - page : 0;
        break;
    case TUI_ACTION_PAGE_DOWN:
        row = row + page;
        break;
    case TUI_ACTION_MOVE_HOME:
        row = 0;
        break;
    case TUI_ACTION_MOVE_END:
        row = count ? count - 1 : 0;
        break;
    default:
        break;
    }
    tui_app_move_to(app, app->current, row);
    return TUI_CHANGED_SCREEN;
}

static unsigned undo(tui_app *app, int forward)
{
    const char *label = NULL;
    wh_error err = {0};
    int result = forward ? tui_model_redo(app->model, &label, &err)
                         : tui_model_undo(app->model, &label, &err);
    if (result != 0) {
        if (err.status != WH_OK)
            tui_app_error(app, "%s", err.message);
        else
            tui_app_message(app, "nothing to %s", forward ? "redo" : "undo");
        return TUI_CHANGED_SCREEN;
    }
    tui_app_message(app, "%s: %s", forward ? "redid" : "undid", label);
    return TUI_CHANGED_COMPOSITION;
}

/* Asks for a path when the spec has none yet. Returns 0 after a save. */
static int save(tui_app *app)
{
    char path[1024];
    const char *current = tui_model_spec_path(app->model);
    snprintf(path, sizeof(path), "%s", current ? current : "whittle.spec.json");
    if (!tui_dialog_input(app, "Save spec", "Save the spec to this file:", path, sizeof(path)))
        return -1;
    if (!path[0]) {
        tui_app_error(app, "not saved: the file name is empty");
        return -1;
    }

    wh_error err = {0};
    if (tui_model_save(app->model, path, &err) != WH_OK) {
        tui_app_error(app, "saving %s failed: %s", path, err.message);
        return -1;
    }
    tui_app_message(app, "saved %s", path);
    return 0;
}

typedef struct export_context {
    tui_app *app;
    const char *destination;
} export_context;

static void show_export_progress(void *context, double fraction, const char *text)
{
    export_context *export = context;
    tui_dialog_progress(export->app, "Exporting image", fraction, text);
}

static unsigned export_image(tui_app *app)
{
    size_t errors = 0, warnings = 0;
    tui_model_policy_counts(app->model, &errors, &warnings);
    if (errors) {
        tui_app_error(app,
                      "export blocked: %zu policy rule%s with error severity fail; see the "
                      "policy view (4)",
                      errors, errors == 1 ? "" : "s");
        return TUI_CHANGED_SCREEN;
    }

    char destination[1024] = "oci:image:latest";
    if (!tui_dialog_input(app, "Export image",
                          "Destination (oci:DIR[:TAG], oci-archive:FILE, docker-archive:FILE, "
                          "rootfs:DIR):",
                          destination, sizeof(destination)))
        return TUI_CHANGED_SCREEN;

    export_context context = {app, destination};
    char digest[128] = "";
    wh_error err = {0};
    show_export_progress(&context, 0, "resolving files");
    if (tui_model_export(app->model, destination, show_export_progress, &context, digest,
                         sizeof(digest), &err) != WH_OK) {
        tui_app_error(app, "export failed: %s", err.message);
        return TUI_CHANGED_SCREEN;
    }

    /* The digest gets a line of its own so that all 71 characters fit at 80 columns. */
    const char *lines[] = {"Wrote the image to", destination, "", "Manifest digest:", digest};
    tui_dialog_message(app, "Export finished", lines, 5);
    tui_app_message(app, "exported %s %s", destination, digest);
    return TUI_CHANGED_SCREEN;
}

static unsigned configure(tui_app *app)
{
    tui_state next = {0};
    tui_state_copy(&next, tui_model_state(app->model));
    unsigned changes = TUI_CHANGED_SCREEN;

    if (tui_dialog_settings(app, &next) && !tui_state_equal(&next, tui_model_state(app->model))) {
        wh_error err = {0};
        if (tui_model_check_settings(app->model, &next, &err) != WH_OK
            || tui_model_change(app->model, &next, "change image settings", &err) != WH_OK) {
            tui_app_error(app, "settings not applied: %s", err.message);
        } else {
            tui_app_message(app, "image settings changed");
            changes = TUI_CHANGED_COMPOSITION;
        }
    }
    tui_state_clear(&next);
    return changes;
}

static unsigned quit(tui_app *app)
{
    if (!tui_model_unsaved(app->model))
        return TUI_CHANGED_QUIT;

    const char *lines[] = {"The composition has changes that are not saved."};
    int choice = tui_dialog_confirm(app, "Quit", lines, 1, "Save them first?");
    if (choice && save(app) != 0)
        return TUI_CHANGED_SCREEN;
    if (!choice) {
        const char *discard[] = {"The changes will be lost."};
        if (!tui_dialog_confirm(app, "Quit", discard, 1, "Quit without saving?"))
            return TUI_CHANGED_SCREEN;
    }
    return TUI_CHANGED_QUIT;
}

unsigned tui_actions_run(tui_app *app, tui_action action)
{
    switch (action) {
    case TUI_ACTION_MOVE_UP:
    case TUI_ACTION_MOVE_DOWN:
    case TUI_ACTION_PAGE_UP:
    case TUI_ACTION_PAGE_DOWN:
    case TUI_ACTION_MOVE_HOME:
    case TUI_ACTION_MOVE_END:
        return move_cursor(app, action);
    case TUI_ACTION_NEXT_VIEW:
        tui_app_show(app, (app->current + 1) % TUI_VIEW_COUNT);
        return TUI_CHANGED_VIEW_DATA;
    case TUI_ACTION_PREVIOUS_VIEW:
        tui_app_show(app, (app->current + TUI_VIEW_COUNT - 1) % TUI_VIEW_COUNT);
        return TUI_CHANGED_VIEW_DATA;
    case TUI_ACTION_SHOW_CATALOG:
    case TUI_ACTION_SHOW_DETAILS:
    case TUI_ACTION_SHOW_TREE:
    case TUI_ACTION_SHOW_POLICY:
        if (action == TUI_ACTION_SHOW_DETAILS && app->current == TUI_VIEW_CATALOG)
            app->selected_component = tui_catalog_cursor(app);
        tui_app_show(app, TUI_VIEW_CATALOG + (int)(action - TUI_ACTION_SHOW_CATALOG));
        return TUI_CHANGED_VIEW_DATA;
    case TUI_ACTION_SEARCH:
        app->searching = 1;
        app->search[0] = '\0';
        return TUI_CHANGED_VIEW_DATA;
    case TUI_ACTION_UNDO:
        return undo(app, 0);
    case TUI_ACTION_REDO:
        return undo(app, 1);
    case TUI_ACTION_SAVE:
        save(app);
        return TUI_CHANGED_SCREEN;
    case TUI_ACTION_EXPORT:
        return export_image(app);
    case TUI_ACTION_CONFIGURE:
        return configure(app);
    case TUI_ACTION_HELP:
        tui_help_show(app);
        return TUI_CHANGED_SCREEN;
    case TUI_ACTION_REPAINT:
        tui_draw_invalidate();
        return TUI_CHANGED_SCREEN;
    case TUI_ACTION_QUIT:
        return quit(app);
    default:
        tui_app_message(app, "that key does nothing in the %s view",
                        app->views[app->current]->title);
        return TUI_CHANGED_SCREEN;
    }
}
