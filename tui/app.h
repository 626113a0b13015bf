/*
 * The composer's UI state and main loop. Everything the screen shows lives
 * in one tui_app passed to every view and action. There are no globals.
 *
 * Actions return a mask of what changed, and the loop decides what to redo:
 * TUI_CHANGED_COMPOSITION re-resolves and refreshes every view's data before
 * the next frame, TUI_CHANGED_SCREEN only repaints.
 */
#ifndef TUI_APP_H
#define TUI_APP_H

#include <stddef.h>
#include <stdint.h>

#include "draw.h"
#include "keymap.h"
#include "model.h"
#include "theme.h"

enum {
    TUI_CHANGED_NOTHING = 0,
    TUI_CHANGED_SCREEN = 1u << 0,      /* repaint */
    TUI_CHANGED_COMPOSITION = 1u << 1, /* re-resolve, refresh views, repaint */
    TUI_CHANGED_VIEW_DATA = 1u << 2,   /* refresh the views' own lists, repaint */
    TUI_CHANGED_QUIT = 1u << 3,
    TUI_NOT_HANDLED = 1u << 4, /* a view's act: leave the action to the common code */
};

typedef struct tui_app tui_app;

/* Where a view draws: rows [top, top + height) of the screen, all columns. */
typedef struct tui_area {
    int top, height, width;
} tui_area;

/* One view: the catalog, details, image tree or policy list. */
typedef struct tui_view_ops {
    const char *title; /* tab title */
    unsigned bit;      /* TUI_IN_* for key bindings */
    /* Allocates the view's data in *data. Called once at start. */
    void (*create)(tui_app *app, void **data);
    void (*destroy)(void *data);
    /* Rebuilds the view's rows after the composition or a filter changed. */
    void (*refresh)(tui_app *app, void *data);
    size_t (*row_count)(tui_app *app, void *data);
    void (*draw)(tui_app *app, void *data, tui_area area);
    /* Fills line with what the cursor row would change, for the info line. */
    void (*describe)(tui_app *app, void *data, char *line, size_t size);
    /* Handles a view-specific action. Returns TUI_NOT_HANDLED for the common ones. */
    unsigned (*act)(tui_app *app, void *data, tui_action action);
    /* Whether row matches the search text (case-insensitive substring). */
    int (*matches)(tui_app *app, void *data, size_t row, const char *text);
    /*
     * Optional: finds the next match at or after row among rows that are
     * not visible yet (collapsed folders), makes it visible and returns its
     * row, or -1. Views without hidden rows leave it NULL.
     */
    long (*find)(tui_app *app, void *data, size_t row, const char *text);
} tui_view_ops;

enum { TUI_VIEW_CATALOG = 0, TUI_VIEW_DETAILS, TUI_VIEW_TREE, TUI_VIEW_POLICY, TUI_VIEW_COUNT };

typedef struct tui_cursor {
    size_t row; /* selected row */
    size_t top; /* first row on screen */
} tui_cursor;

struct tui_app {
    tui_model *model;
    tui_theme theme;

    const tui_view_ops *views[TUI_VIEW_COUNT];
    void *view_data[TUI_VIEW_COUNT];
    tui_cursor cursors[TUI_VIEW_COUNT];
    int current;
    int page_rows; /* rows the current view had in the last frame */

    uint32_t selected_component;  /* shown by the details view; WH_NONE for none */
    const char *review_reference; /* the image under review (read-only), or NULL */

    char message[512]; /* one-shot message for the info line, cleared by the next key */
    int message_is_error;

    char search[128]; /* the search text. Empty when none */
    int searching;    /* the info line is editing the search */

    int rows, columns;
};

/* Colours the theme roles and runs the composer until the user quits. Returns an exit code. */
int tui_app_run(tui_app *app);

/* Sets the info-line message (printf-style). */
void tui_app_message(tui_app *app, const char *format, ...) __attribute__((format(printf, 2, 3)));
void tui_app_error(tui_app *app, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* Repaints everything under a dialog: the tabs, the current view and the status line. */
void tui_app_paint(tui_app *app);

/* Switches to view, keeping its cursor. */
void tui_app_show(tui_app *app, int view);

/* Moves the current view's cursor to row, scrolling it into view. */
void tui_app_move_to(tui_app *app, int view, size_t row);

/* Recomputes after a composition change and tells every view to refresh. */
void tui_app_refresh(tui_app *app);

/* The shipped views, one file each. */
extern const tui_view_ops tui_view_catalog;
extern const tui_view_ops tui_view_details;
extern const tui_view_ops tui_view_tree;
extern const tui_view_ops tui_view_policy;

/* Fills the help screen with the generated key map and waits for a key. */
void tui_help_show(tui_app *app);

/* Actions shared by every view (tui/actions.c). Returns TUI_CHANGED_* bits. */
unsigned tui_actions_run(tui_app *app, tui_action action);

#endif
