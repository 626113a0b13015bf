/*
 * The drawing layer: the only file of the composer that calls curses
 * (tui/draw.c). Views draw text in colour roles at screen positions, and
 * read keys as TUI_KEY_* values. They never see a curses type.
 *
 * Coordinates are (row, column) from the top-left corner, in screen cells.
 * Text is UTF-8 and is clipped to the given width by display width.
 */
#ifndef TUI_DRAW_H
#define TUI_DRAW_H

#include <stddef.h>

#include "theme.h"

/* Line-drawing and marker glyphs, UTF-8 or ASCII. */
typedef struct tui_glyphs {
    const char *horizontal, *vertical;
    const char *top_left, *top_right, *bottom_left, *bottom_right;
    const char *tree_branch, *tree_last, *tree_pipe; /* each two cells wide */
    const char *expanded, *collapsed;                /* folder markers, one cell */
    const char *bar_full, *bar_empty;                /* progress bar cells */
    const char *ellipsis;                            /* one cell */
    const char *arrow;                               /* "->" or a one-cell arrow */
} tui_glyphs;

typedef struct tui_mouse {
    int row, column;
    int clicked;        /* a left click or press */
    int double_clicked; /* a double click, which toggles */
    int wheel;          /* -1 up, 1 down, 0 none */
} tui_mouse;

/*
 * Takes over the terminal: curses mode, colours from theme (attributes only
 * when the theme is monochrome or the terminal has no colours), mouse
 * reporting, and UTF-8 glyphs unless ascii is nonzero or the locale's
 * character set is not UTF-8. Returns 0, or -1 with message filled and the
 * terminal left as it was.
 */
int tui_draw_open(const tui_theme *theme, int ascii, char *message, size_t size);

/* Gives the terminal back. Safe to call when it is not open, and twice. */
void tui_draw_close(void);

/* Switches to another theme while open. */
void tui_draw_set_theme(const tui_theme *theme);

const tui_glyphs *tui_draw_glyphs(void);

void tui_draw_size(int *rows, int *columns);
void tui_draw_erase(void);

/* Draws text clipped to width cells. Returns the cells used. */
int tui_draw_text(int row, int column, int width, tui_role role, const char *text);

/* printf-style tui_draw_text. */
int tui_draw_format(int row, int column, int width, tui_role role, const char *format, ...)
    __attribute__((format(printf, 5, 6)));

/* Fills width cells with spaces in role. */
void tui_draw_fill(int row, int column, int width, tui_role role);

/* Draws text, then fills the rest of width with spaces in the same role. */
void tui_draw_line(int row, int column, int width, tui_role role, const char *text);

void tui_draw_hline(int row, int column, int width, tui_role role);

/* Draws a frame with an optional title in its top edge, and clears its inside. */
void tui_draw_box(int row, int column, int height, int width, tui_role frame, tui_role inside,
                  const char *title);

/* Draws a bar of width cells filled by done/total. */
void tui_draw_bar(int row, int column, int width, double fraction, tui_role role);

/* Shows the text cursor at a position, or hides it when row < 0. */
void tui_draw_cursor(int row, int column);

/* Makes the next flush redraw every cell, for a screen garbled by another program. */
void tui_draw_invalidate(void);

/* Sends what was drawn to the terminal. */
void tui_draw_flush(void);

/*
 * Waits for one key for at most timeout_ms (negative: forever) and returns
 * a character, a TUI_KEY_* value, or TUI_KEY_NONE on timeout. For
 * TUI_KEY_MOUSE, *mouse (which may be NULL) receives the event.
 */
int tui_draw_read_key(int timeout_ms, tui_mouse *mouse);

/* Returns the display width of UTF-8 text in cells. */
int tui_text_width(const char *text);

/* Restores the terminal, prints "whittle: MESSAGE" to stderr and exits with status 2. */
_Noreturn void tui_fatal(const char *format, ...) __attribute__((format(printf, 1, 2)));

#endif
