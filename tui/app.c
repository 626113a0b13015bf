/* The main loop and the screen frame: tabs, info line and status line. */
#include "app.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialog.h"
#include "format.h"

static void vmessage(tui_app *app, int error, const char *format, va_list args)
{
    vsnprintf(app->message, sizeof(app->message), format, args);
    app->message_is_error = error;
}

void tui_app_message(tui_app *app, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vmessage(app, 0, format, args);
    va_end(args);
}

void tui_app_error(tui_app *app, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vmessage(app, 1, format, args);
    va_end(args);
}

static tui_area view_area(const tui_app *app)
{
    tui_area area = {.top = 1, .height = app->rows - 3, .width = app->columns};
    if (area.height < 1)
        area.height = 1;
    return area;
}

void tui_app_move_to(tui_app *app, int view, size_t row)
{
    tui_cursor *cursor = &app->cursors[view];
    size_t count = app->views[view]->row_count(app, app->view_data[view]);
    /* The view's own header takes one row of its area. */
    size_t page = app->page_rows > 1 ? (size_t)app->page_rows - 1 : 1;

    if (count == 0) {
        cursor->row = cursor->top = 0;
        return;
    }
    if (row >= count)
        row = count - 1;
    cursor->row = row;
    if (cursor->row < cursor->top)
        cursor->top = cursor->row;
    if (cursor->row >= cursor->top + page)
        cursor->top = cursor->row - page + 1;
    if (cursor->top + page > count)
        cursor->top = count > page ? count - page : 0;
}

void tui_app_show(tui_app *app, int view)
{
    app->current = view;
    tui_app_move_to(app, view, app->cursors[view].row);
}

void tui_app_refresh(tui_app *app)
{
    for (int i = 0; i < TUI_VIEW_COUNT; i++) {
        app->views[i]->refresh(app, app->view_data[i]);
        tui_app_move_to(app, i, app->cursors[i].row);
    }
}

/* ---- Painting ------------------------------------------------------------ */

static void paint_tabs(tui_app *app)
{
    tui_draw_fill(0, 0, app->columns, TUI_ROLE_TITLE);
    int column = tui_draw_text(0, 0, app->columns, TUI_ROLE_TITLE, " whittle ");

    for (int i = 0; i < TUI_VIEW_COUNT; i++) {
        char tab[32];
        snprintf(tab, sizeof(tab), " %d %s ", i + 1, app->views[i]->title);
        tui_role role = i == app->current ? TUI_ROLE_TAB_ACTIVE : TUI_ROLE_TITLE;
        column += tui_draw_text(0, column, app->columns - column, role, tab);
    }

    /* The spec's file name and the unsaved mark, or the image under review, right-aligned. */
    const char *path = tui_model_spec_path(app->model);
    const char *base = path ? strrchr(path, '/') : NULL;
    char right[160];
    if (app->review_reference)
        snprintf(right, sizeof(right), "review %s (read-only) ", app->review_reference);
    else
        snprintf(right, sizeof(right), "%s%s ", base ? base + 1 : (path ? path : "new spec"),
                 tui_model_unsaved(app->model) ? " [+]" : "");
    int width = tui_text_width(right);
    if (app->review_reference && column + width + 1 > app->columns) {
        snprintf(right, sizeof(right), "review (read-only) ");
        width = tui_text_width(right);
    }
    if (column + width + 1 <= app->columns)
        tui_draw_text(0, app->columns - width, width, TUI_ROLE_TITLE, right);
}

static void paint_info(tui_app *app)
{
    int row = app->rows - 2;
    char line[512] = "";

    if (app->searching) {
        tui_draw_fill(row, 0, app->columns, TUI_ROLE_NORMAL);
        int used = tui_draw_text(row, 0, app->columns, TUI_ROLE_HELP_KEY, "Search: ");
        used += tui_draw_text(row, used, app->columns - used, TUI_ROLE_INPUT, app->search);
        tui_draw_text(row, used, app->columns - used, TUI_ROLE_INPUT, " ");
        tui_draw_cursor(row, used);
        return;
    }
    tui_draw_cursor(-1, 0);

    if (app->message[0]) {
        tui_draw_line(row, 0, app->columns,
                      app->message_is_error ? TUI_ROLE_STATUS_ERROR : TUI_ROLE_NORMAL,
                      app->message);
        return;
    }
    const tui_view_ops *view = app->views[app->current];
    if (view->describe)
        view->describe(app, app->view_data[app->current], line, sizeof(line));
    tui_draw_line(row, 0, app->columns, TUI_ROLE_NORMAL, line);
}

static void paint_status(tui_app *app)
{
    int row = app->rows - 1;
    wh_totals totals = wh_composition_totals(tui_model_composition(app->model));
    char bytes[32], compressed[32], line[256], verdict[64];

    size_t errors = 0, warnings = 0;
    tui_model_policy_counts(app->model, &errors, &warnings);
    if (tui_model_policy_unavailable(app->model))
        snprintf(verdict, sizeof(verdict), "policy: n/a");
    else if (errors)
        snprintf(verdict, sizeof(verdict), "policy: FAIL (%zu)", errors);
    else if (warnings)
        snprintf(verdict, sizeof(verdict), "policy: pass, %zu warn", warnings);
    else
        snprintf(verdict, sizeof(verdict), "policy: pass");

    snprintf(line, sizeof(line), " %u component%s  %llu file%s  %s  ~%s gz  ", totals.components,
             totals.components == 1 ? "" : "s", (unsigned long long)totals.files,
             totals.files == 1 ? "" : "s", tui_format_size((int64_t)totals.bytes, bytes),
             tui_format_size((int64_t)totals.compressed, compressed));
    tui_draw_fill(row, 0, app->columns, TUI_ROLE_STATUS);
    int used = tui_draw_text(row, 0, app->columns, TUI_ROLE_STATUS, line);
    used += tui_draw_text(row, used, app->columns - used,
                          errors ? TUI_ROLE_STATUS_ERROR : TUI_ROLE_STATUS, verdict);
    if (tui_model_unsaved(app->model))
        used += tui_draw_text(row, used, app->columns - used, TUI_ROLE_STATUS, "  *unsaved");
    if (app->columns - used > 10)
        tui_draw_text(row, app->columns - 8, 8, TUI_ROLE_STATUS, "? help ");
}

void tui_app_paint(tui_app *app)
{
    tui_draw_size(&app->rows, &app->columns);
    tui_draw_erase();

    tui_area area = view_area(app);
    app->page_rows = area.height;
    tui_app_move_to(app, app->current, app->cursors[app->current].row);

    paint_tabs(app);
    app->views[app->current]->draw(app, app->view_data[app->current], area);
    paint_status(app);
    paint_info(app);
    tui_draw_flush();
}

/* ---- Input --------------------------------------------------------------- */

/*
 * Moves to the first row at or after start that matches the search,
 * wrapping. With hidden set, a view with a find operation also looks inside
 * collapsed folders and opens the one with the match. Typing searches only
 * the visible rows, so each key press does not open folders along the way.
 */
static void find_match(tui_app *app, size_t start, int hidden)
{
    const tui_view_ops *view = app->views[app->current];
    void *data = app->view_data[app->current];
    size_t count = view->row_count(app, data);
    if (!app->search[0])
        return;
    if (hidden && view->find) {
        long found = view->find(app, data, start, app->search);
        if (found >= 0)
            tui_app_move_to(app, app->current, (size_t)found);
        else
            tui_app_message(app, "no match for '%s'", app->search);
        return;
    }
    if (!view->matches || count == 0)
        return;

    for (size_t i = 0; i < count; i++) {
        size_t row = (start + i) % count;
        if (view->matches(app, data, row, app->search)) {
            tui_app_move_to(app, app->current, row);
            return;
        }
    }
    tui_app_message(app, "no match for '%s'", app->search);
}

static unsigned edit_search(tui_app *app, int key)
{
    size_t length = strlen(app->search);

    if (key == TUI_KEY_ENTER) {
        app->searching = 0;
        const tui_view_ops *view = app->views[app->current];
        void *data = app->view_data[app->current];
        size_t row = app->cursors[app->current].row;
        if (view->find && !(view->matches && view->matches(app, data, row, app->search))) {
            app->message[0] = '\0';
            find_match(app, row, 1);
        }
        return TUI_CHANGED_SCREEN;
    }
    if (key == TUI_KEY_ESCAPE) {
        app->searching = 0;
        app->search[0] = '\0';
        return TUI_CHANGED_VIEW_DATA;
    }
    if (key == TUI_KEY_BACKSPACE) {
        if (length > 0)
            app->search[length - 1] = '\0';
    } else if (key >= ' ' && key < 0x7f && length + 1 < sizeof(app->search)) {
        app->search[length] = (char)key;
        app->search[length + 1] = '\0';
    } else {
        return TUI_CHANGED_NOTHING;
    }

    /* The catalog filters by the search. Other views jump to the first match. */
    app->message[0] = '\0';
    app->views[app->current]->refresh(app, app->view_data[app->current]);
    if (app->current == TUI_VIEW_CATALOG)
        tui_app_move_to(app, app->current, 0);
    else
        find_match(app, 0, 0);
    return TUI_CHANGED_SCREEN;
}

/* Whether action would change a composition under review, in which case it sets a message. */
static int blocked_in_review(tui_app *app, tui_action action)
{
    switch (action) {
    case TUI_ACTION_TOGGLE:
    case TUI_ACTION_EXCLUDE_PATH:
    case TUI_ACTION_UNDO:
    case TUI_ACTION_REDO:
    case TUI_ACTION_CONFIGURE:
    case TUI_ACTION_SAVE:
    case TUI_ACTION_EXPORT:
        break;
    default:
        return 0;
    }
    if (!app->review_reference)
        return 0;
    tui_app_message(app, "read-only: an image under review cannot be changed, saved or exported");
    return 1;
}

/* Runs action in the current view, or in the common code when the view leaves it. */
static unsigned dispatch(tui_app *app, tui_action action)
{
    if (blocked_in_review(app, action))
        return TUI_CHANGED_SCREEN;
    const tui_view_ops *view = app->views[app->current];
    unsigned changes =
        view->act ? view->act(app, app->view_data[app->current], action) : TUI_NOT_HANDLED;
    if (changes & TUI_NOT_HANDLED)
        changes = tui_actions_run(app, action);
    return changes;
}

/* A click on a tab switches views. A click on a row moves there. A double click toggles. */
static unsigned handle_mouse(tui_app *app, const tui_mouse *mouse)
{
    tui_area area = view_area(app);

    if (mouse->wheel) {
        tui_action action = mouse->wheel < 0 ? TUI_ACTION_MOVE_UP : TUI_ACTION_MOVE_DOWN;
        return tui_actions_run(app, action);
    }
    if (mouse->row == 0 && (mouse->clicked || mouse->double_clicked)) {
        /* Tabs start after " whittle " and are " N Title " wide. */
        int column = 9;
        for (int i = 0; i < TUI_VIEW_COUNT; i++) {
            int width = (int)strlen(app->views[i]->title) + 4;
            if (mouse->column >= column && mouse->column < column + width) {
                tui_app_show(app, i);
                return TUI_CHANGED_SCREEN;
            }
            column += width;
        }
        return TUI_CHANGED_NOTHING;
    }

    /* The view's first row is its column header. */
    int first = area.top + 1;
    if (mouse->row < first || mouse->row >= area.top + area.height)
        return TUI_CHANGED_NOTHING;
    size_t row = app->cursors[app->current].top + (size_t)(mouse->row - first);
    size_t count = app->views[app->current]->row_count(app, app->view_data[app->current]);
    if (row >= count)
        return TUI_CHANGED_NOTHING;

    tui_app_move_to(app, app->current, row);
    /* A double click, or a click on the state column, toggles the row. */
    if (mouse->double_clicked || (mouse->clicked && mouse->column < 4)) {
        tui_action action = app->current == TUI_VIEW_TREE ? TUI_ACTION_OPEN : TUI_ACTION_TOGGLE;
        return dispatch(app, action);
    }
    return TUI_CHANGED_SCREEN;
}

static unsigned handle_key(tui_app *app, int key, const tui_mouse *mouse)
{
    if (key == TUI_KEY_NONE)
        return TUI_CHANGED_NOTHING;
    if (key == TUI_KEY_RESIZE)
        return TUI_CHANGED_SCREEN;
    if (app->searching)
        return edit_search(app, key);

    app->message[0] = '\0';
    if (key == TUI_KEY_MOUSE)
        return handle_mouse(app, mouse);
    if (key == TUI_KEY_ESCAPE && app->search[0]) {
        app->search[0] = '\0';
        return TUI_CHANGED_VIEW_DATA;
    }

    const tui_view_ops *view = app->views[app->current];
    tui_action action = tui_keymap_lookup(key, view->bit);
    if (action == TUI_ACTION_NONE) {
        char name[24];
        tui_app_message(app, "key %s does nothing here; press ? for help",
                        tui_key_name(key, name, sizeof(name)));
        return TUI_CHANGED_SCREEN;
    }
    if (action == TUI_ACTION_SEARCH_NEXT) {
        find_match(app, app->cursors[app->current].row + 1, 1);
        return TUI_CHANGED_SCREEN;
    }

    return dispatch(app, action);
}

int tui_app_run(tui_app *app)
{
    unsigned changes = TUI_CHANGED_COMPOSITION;
    tui_draw_size(&app->rows, &app->columns);
    app->page_rows = view_area(app).height;

    /* For benchmarks: cmd_compose.c prints the time to the first frame after this returns. */
    const char *first_frame_only = getenv("WHITTLE_EXIT_AFTER_FIRST_FRAME");
    int exit_after_paint = first_frame_only != NULL && strcmp(first_frame_only, "1") == 0;

    while (!(changes & TUI_CHANGED_QUIT)) {
        if (changes & (TUI_CHANGED_COMPOSITION | TUI_CHANGED_VIEW_DATA))
            tui_app_refresh(app);
        if (changes != TUI_CHANGED_NOTHING) {
            tui_app_paint(app);
            if (exit_after_paint)
                return 0;
        }

        tui_mouse mouse = {0};
        int key = tui_draw_read_key(-1, &mouse);
        changes = handle_key(app, key, &mouse);
    }
    return 0;
}
