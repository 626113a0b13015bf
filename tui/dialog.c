/* The yes/no question, the message box, the text field and the progress bar. */
#include "dialog.h"

#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "keymap.h"

tui_box tui_dialog_frame(tui_app *app, const char *title, int height, int width)
{
    /* Before the model is loaded (the seed offer) there is nothing underneath. */
    if (app->model) {
        tui_app_paint(app);
    } else {
        tui_draw_size(&app->rows, &app->columns);
        tui_draw_erase();
    }

    tui_box box;
    box.width = width + 4;
    if (box.width > app->columns)
        box.width = app->columns;
    box.height = height + 2;
    if (box.height > app->rows)
        box.height = app->rows;
    box.row = (app->rows - box.height) / 2;
    box.column = (app->columns - box.width) / 2;
    tui_draw_box(box.row, box.column, box.height, box.width, TUI_ROLE_BORDER, TUI_ROLE_DIALOG,
                 title);
    return box;
}

static int widest(const char *const *lines, size_t count, int minimum)
{
    int width = minimum;
    for (size_t i = 0; i < count; i++) {
        int line = tui_text_width(lines[i]);
        if (line > width)
            width = line;
    }
    return width;
}

static void draw_lines(const tui_box *box, const char *const *lines, size_t count, size_t max)
{
    for (size_t i = 0; i < count && i < max; i++)
        tui_draw_text(box->row + 1 + (int)i, box->column + 2, box->width - 4, TUI_ROLE_DIALOG,
                      lines[i]);
}

int tui_dialog_confirm(tui_app *app, const char *title, const char *const *lines, size_t count,
                       const char *question)
{
    for (;;) {
        /* Long lists are cut to what fits, keeping rows for the question. */
        tui_draw_size(&app->rows, &app->columns);
        size_t fits = app->rows > 8 ? (size_t)app->rows - 8 : 1;
        size_t shown = count < fits ? count : fits;
        tui_box box = tui_dialog_frame(app, title, (int)shown + 2,
                                       widest(lines, count, tui_text_width(question) + 12));
        if (shown < count) {
            draw_lines(&box, lines, count, shown - 1);
            tui_draw_format(box.row + (int)shown, box.column + 2, box.width - 4, TUI_ROLE_DIALOG,
                            "... and %zu more", count - shown + 1);
        } else {
            draw_lines(&box, lines, count, shown);
        }
        int row = box.row + (int)shown + 2;
        int used =
            tui_draw_text(row, box.column + 2, box.width - 4, TUI_ROLE_DIALOG_TITLE, question);
        tui_draw_text(row, box.column + 2 + used, box.width - 4 - used, TUI_ROLE_DIALOG, "  [y/n]");
        tui_draw_flush();

        int key = tui_draw_read_key(-1, NULL);
        if (key == 'y' || key == 'Y' || key == TUI_KEY_ENTER)
            return 1;
        if (key == 'n' || key == 'N' || key == 'q' || key == TUI_KEY_ESCAPE)
            return 0;
    }
}

void tui_dialog_message(tui_app *app, const char *title, const char *const *lines, size_t count)
{
    for (;;) {
        tui_draw_size(&app->rows, &app->columns);
        size_t fits = app->rows > 6 ? (size_t)app->rows - 6 : 1;
        size_t shown = count < fits ? count : fits;
        tui_box box = tui_dialog_frame(app, title, (int)shown + 2, widest(lines, count, 30));
        draw_lines(&box, lines, count, shown);
        tui_draw_text(box.row + (int)shown + 2, box.column + 2, box.width - 4, TUI_ROLE_DIM,
                      "press any key");
        tui_draw_flush();

        int key = tui_draw_read_key(-1, NULL);
        if (key != TUI_KEY_RESIZE && key != TUI_KEY_NONE && key != TUI_KEY_MOUSE)
            return;
    }
}

int tui_field_edit(char *text, size_t size, size_t *cursor, int key)
{
    size_t length = strlen(text);
    if (*cursor > length)
        *cursor = length;

    if (key >= ' ' && key < 0x7f) {
        if (length + 1 >= size)
            return 1;
        memmove(text + *cursor + 1, text + *cursor, length - *cursor + 1);
        text[(*cursor)++] = (char)key;
    } else if (key == TUI_KEY_BACKSPACE) {
        if (*cursor > 0) {
            memmove(text + *cursor - 1, text + *cursor, length - *cursor + 1);
            (*cursor)--;
        }
    } else if (key == TUI_KEY_DELETE || key == TUI_KEY_CTRL('d')) {
        if (*cursor < length)
            memmove(text + *cursor, text + *cursor + 1, length - *cursor);
    } else if (key == TUI_KEY_LEFT) {
        if (*cursor > 0)
            (*cursor)--;
    } else if (key == TUI_KEY_RIGHT) {
        if (*cursor < length)
            (*cursor)++;
    } else if (key == TUI_KEY_HOME || key == TUI_KEY_CTRL('a')) {
        *cursor = 0;
    } else if (key == TUI_KEY_END || key == TUI_KEY_CTRL('e')) {
        *cursor = length;
    } else if (key == TUI_KEY_CTRL('u')) {
        text[0] = '\0';
        *cursor = 0;
    } else {
        return 0;
    }
    return 1;
}

void tui_field_draw(int row, int column, int width, const char *text, size_t cursor, int focused)
{
    /* Field text is ASCII (the editor inserts only ASCII), so bytes are cells. */
    size_t start = cursor + 1 > (size_t)width ? cursor + 1 - (size_t)width : 0;
    tui_role role = focused ? TUI_ROLE_INPUT : TUI_ROLE_DIALOG;
    tui_draw_fill(row, column, width, role);
    tui_draw_text(row, column, width, role, text + start);
    if (focused)
        tui_draw_cursor(row, column + (int)(cursor - start));
}

int tui_dialog_input(tui_app *app, const char *title, const char *prompt, char *text, size_t size)
{
    char editing[1024];
    snprintf(editing, sizeof(editing), "%s", text);
    size_t cursor = strlen(editing);
    size_t limit = size < sizeof(editing) ? size : sizeof(editing);

    for (;;) {
        int width = app->columns - 8 < 70 ? app->columns - 8 : 70;
        tui_box box = tui_dialog_frame(app, title, 4, width);
        tui_draw_text(box.row + 1, box.column + 2, box.width - 4, TUI_ROLE_DIALOG, prompt);
        tui_draw_text(box.row + 4, box.column + 2, box.width - 4, TUI_ROLE_DIM,
                      "Enter: confirm   Esc: cancel");
        tui_field_draw(box.row + 2, box.column + 2, box.width - 4, editing, cursor, 1);
        tui_draw_flush();

        int key = tui_draw_read_key(-1, NULL);
        if (key == TUI_KEY_ENTER) {
            tui_draw_cursor(-1, 0);
            snprintf(text, limit, "%s", editing);
            return 1;
        }
        if (key == TUI_KEY_ESCAPE) {
            tui_draw_cursor(-1, 0);
            return 0;
        }
        tui_field_edit(editing, limit, &cursor, key);
    }
}

void tui_dialog_progress(tui_app *app, const char *title, double fraction, const char *text)
{
    tui_draw_size(&app->rows, &app->columns);
    int width = app->columns - 8 < 60 ? app->columns - 8 : 60;
    tui_box box = tui_dialog_frame(app, title, 3, width);
    if (fraction >= 0) {
        tui_draw_bar(box.row + 1, box.column + 2, box.width - 10, fraction, TUI_ROLE_PROGRESS);
        tui_draw_format(box.row + 1, box.column + box.width - 7, 5, TUI_ROLE_DIALOG, "%3d%%",
                        (int)(fraction * 100 + 0.5));
    }
    tui_draw_text(box.row + 3, box.column + 2, box.width - 4, TUI_ROLE_DIALOG, text ? text : "");
    tui_draw_flush();
}
