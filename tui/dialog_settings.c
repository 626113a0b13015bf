/* The image settings form: one text field per setting of tui_state. */
#include <stdio.h>
#include <string.h>

#include "dialog.h"
#include "draw.h"
#include "keymap.h"
#include "state.h"

#define FIELD_SIZE 512

int tui_dialog_settings(tui_app *app, tui_state *state)
{
    char values[TUI_SETTING_COUNT][FIELD_SIZE];
    size_t cursors[TUI_SETTING_COUNT];
    int focus = 0;

    for (int i = 0; i < TUI_SETTING_COUNT; i++) {
        snprintf(values[i], FIELD_SIZE, "%s", state->settings[i] ? state->settings[i] : "");
        cursors[i] = strlen(values[i]);
    }

    for (;;) {
        int width = app->columns - 6 < 90 ? app->columns - 6 : 90;
        tui_box box = tui_dialog_frame(app, "Image settings", TUI_SETTING_COUNT + 4, width);
        int label_width = box.width / 2 - 2 < 16 ? box.width / 2 - 2 : 16;
        int field_column = box.column + 2 + label_width + 1;
        int field_width = box.width - 4 - label_width - 1;

        for (int i = 0; i < TUI_SETTING_COUNT; i++) {
            int row = box.row + 1 + i;
            tui_draw_text(row, box.column + 2, label_width,
                          i == focus ? TUI_ROLE_DIALOG_TITLE : TUI_ROLE_DIALOG,
                          tui_setting_label((tui_setting)i));
            if (i != focus)
                tui_field_draw(row, field_column, field_width, values[i], cursors[i], 0);
        }
        int help_row = box.row + 2 + TUI_SETTING_COUNT;
        tui_draw_text(help_row, box.column + 2, box.width - 4, TUI_ROLE_DIM,
                      tui_setting_help((tui_setting)focus));
        tui_draw_text(
            help_row + 2, box.column + 2, box.width - 4, TUI_ROLE_DIM,
            "Up/Down/Tab: field   Ctrl-S or Enter on the last field: apply   Esc: cancel");
        /* The focused field last, so the terminal cursor stays in it. */
        tui_field_draw(box.row + 1 + focus, field_column, field_width, values[focus],
                       cursors[focus], 1);
        tui_draw_flush();

        int key = tui_draw_read_key(-1, NULL);
        if (key == TUI_KEY_ESCAPE) {
            tui_draw_cursor(-1, 0);
            return 0;
        }
        if (key == TUI_KEY_CTRL('s') || (key == TUI_KEY_ENTER && focus == TUI_SETTING_COUNT - 1))
            break;
        if (key == TUI_KEY_DOWN || key == TUI_KEY_TAB || key == TUI_KEY_ENTER)
            focus = (focus + 1) % TUI_SETTING_COUNT;
        else if (key == TUI_KEY_UP || key == TUI_KEY_BACKTAB)
            focus = (focus + TUI_SETTING_COUNT - 1) % TUI_SETTING_COUNT;
        else
            tui_field_edit(values[focus], FIELD_SIZE, &cursors[focus], key);
    }

    tui_draw_cursor(-1, 0);
    for (int i = 0; i < TUI_SETTING_COUNT; i++)
        tui_state_set_setting(state, (tui_setting)i, values[i]);
    return 1;
}
