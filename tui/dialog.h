/*
 * Modal dialogs drawn over the composer: a question, a message, a text
 * field, a progress bar and the image settings form. Each runs its own key
 * loop until answered and repaints the composer underneath on resize, so a
 * dialog is one function call for the action that needs it.
 */
#ifndef TUI_DIALOG_H
#define TUI_DIALOG_H

#include <stddef.h>

#include "app.h"

/*
 * Shows lines and a yes/no question. Returns 1 for yes (y or Enter), 0 for
 * no (n, q or Esc).
 */
int tui_dialog_confirm(tui_app *app, const char *title, const char *const *lines, size_t count,
                       const char *question);

/* Shows lines until any key is pressed. */
void tui_dialog_message(tui_app *app, const char *title, const char *const *lines, size_t count);

/*
 * Edits text (a NUL-terminated string in a buffer of size bytes) in a
 * one-line field under prompt. Returns 1 when confirmed with Enter, 0 when
 * cancelled with Esc. The text buffer changes only on Enter.
 */
int tui_dialog_input(tui_app *app, const char *title, const char *prompt, char *text, size_t size);

/* Draws the progress dialog: title, a bar filled to fraction (none when negative), and a line of
 * text. */
void tui_dialog_progress(tui_app *app, const char *title, double fraction, const char *text);

/*
 * Edits the image settings of state in a form, one field per setting.
 * Returns 1 when the user saved with Enter on the last field or Ctrl-S
 * (state then holds the new values), 0 when cancelled with Esc.
 */
struct tui_state;
int tui_dialog_settings(tui_app *app, struct tui_state *state);

/* ---- Shared by the dialog files ------------------------------------------ */

typedef struct tui_box {
    int row, column, height, width;
} tui_box;

/* Repaints the composer and a centred box of height inner rows and width columns. */
tui_box tui_dialog_frame(tui_app *app, const char *title, int height, int width);

/*
 * Applies an editing key to a text field: printable characters insert at
 * *cursor, Backspace and Delete remove, Left, Right, Home and End move.
 * Returns 1 when the key was an editing key.
 */
int tui_field_edit(char *text, size_t size, size_t *cursor, int key);

/* Draws a field of width cells with text scrolled so the cursor shows. Places the cursor. */
void tui_field_draw(int row, int column, int width, const char *text, size_t cursor, int focused);

#endif
