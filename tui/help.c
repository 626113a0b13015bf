/* The `?` screen, generated from the key map table. */
#include <stdlib.h>

#include "app.h"
#include "draw.h"
#include "keymap.h"

void tui_help_show(tui_app *app)
{
    size_t count = 0;
    tui_help_line *lines = tui_keymap_help(&count);
    size_t top = 0;

    for (;;) {
        tui_draw_size(&app->rows, &app->columns);
        tui_draw_erase();
        tui_draw_line(0, 0, app->columns, TUI_ROLE_TITLE, " whittle: keys");
        int height = app->rows - 2;
        size_t max_top = count > (size_t)height ? count - (size_t)height : 0;
        if (top > max_top)
            top = max_top;

        for (int row = 0; row < height && top + (size_t)row < count; row++) {
            const tui_help_line *line = &lines[top + (size_t)row];
            if (!line->keys[0]) {
                tui_draw_text(row + 1, 1, app->columns - 1, TUI_ROLE_HEADER, line->text);
                continue;
            }
            tui_draw_text(row + 1, 3, 22, TUI_ROLE_HELP_KEY, line->keys);
            tui_draw_text(row + 1, 26, app->columns - 26, TUI_ROLE_NORMAL, line->text);
        }
        tui_draw_line(app->rows - 1, 0, app->columns, TUI_ROLE_STATUS,
                      " Up/Down, PgUp/PgDn: scroll   any other key: close");
        tui_draw_flush();

        int key = tui_draw_read_key(-1, NULL);
        if (key == TUI_KEY_RESIZE || key == TUI_KEY_NONE || key == TUI_KEY_MOUSE)
            continue;
        if (key == TUI_KEY_DOWN || key == 'j')
            top = top < max_top ? top + 1 : top;
        else if (key == TUI_KEY_UP || key == 'k')
            top = top > 0 ? top - 1 : 0;
        else if (key == TUI_KEY_PAGE_DOWN)
            top = top + (size_t)height < max_top ? top + (size_t)height : max_top;
        else if (key == TUI_KEY_PAGE_UP)
            top = top > (size_t)height ? top - (size_t)height : 0;
        else
            break;
    }
    free(lines);
}
