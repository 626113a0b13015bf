/* The curses side of the composer. See draw.h. */
#include "draw.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

#include "keymap.h"

static const tui_glyphs utf8_glyphs = {
    .horizontal = "\u2500",
    .vertical = "\u2502",
    .top_left = "\u250c",
    .top_right = "\u2510",
    .bottom_left = "\u2514",
    .bottom_right = "\u2518",
    .tree_branch = "\u251c\u2500",
    .tree_last = "\u2514\u2500",
    .tree_pipe = "\u2502 ",
    .expanded = "\u25be",
    .collapsed = "\u25b8",
    .bar_full = "\u2588",
    .bar_empty = "\u2591",
    .ellipsis = "\u2026",
    .arrow = "\u2192",
};

static const tui_glyphs ascii_glyphs = {
    .horizontal = "-",
    .vertical = "|",
    .top_left = "+",
    .top_right = "+",
    .bottom_left = "+",
    .bottom_right = "+",
    .tree_branch = "|-",
    .tree_last = "`-",
    .tree_pipe = "| ",
    .expanded = "v",
    .collapsed = ">",
    .bar_full = "#",
    .bar_empty = ".",
    .ellipsis = "~",
    .arrow = "->",
};

/* What curses needs while the screen is open. One screen per process. */
static struct {
    int open;
    const tui_glyphs *glyphs;
    attr_t attributes[TUI_ROLE_COUNT];
} screen = {.glyphs = &ascii_glyphs};

static attr_t curses_attributes(unsigned bits)
{
    attr_t result = A_NORMAL;
    if (bits & TUI_ATTR_BOLD)
        result |= A_BOLD;
    if (bits & TUI_ATTR_DIM)
        result |= A_DIM;
    if (bits & TUI_ATTR_UNDERLINE)
        result |= A_UNDERLINE;
    if (bits & TUI_ATTR_REVERSE)
        result |= A_REVERSE;
    if (bits & TUI_ATTR_STANDOUT)
        result |= A_STANDOUT;
    return result;
}

/* Maps a theme colour to one the terminal has: bright colours fall back to plain ones. */
static short terminal_color(short color)
{
    if (color < 0 || color < COLORS)
        return color;
    if (color == 8)
        return -1;
    if (color < 16)
        return (short)(color - 8);
    return -1;
}

void tui_draw_set_theme(const tui_theme *theme)
{
    int colors = !theme->monochrome && has_colors();

    if (colors) {
        start_color();
        use_default_colors();
    }
    for (int role = 0; role < TUI_ROLE_COUNT; role++) {
        const tui_style *style = &theme->styles[role];
        attr_t attributes = curses_attributes(style->attributes);
        if (colors && role + 1 < COLOR_PAIRS) {
            init_pair((short)(role + 1), terminal_color(style->foreground),
                      terminal_color(style->background));
            attributes |= COLOR_PAIR(role + 1);
        } else if (role == TUI_ROLE_SELECTION || role == TUI_ROLE_STATUS ||
                   role == TUI_ROLE_TITLE) {
            /* Without colour these rows must still stand out. */
            attributes |= A_REVERSE;
        }
        screen.attributes[role] = attributes;
    }
}

static int locale_is_utf8(void)
{
    const char *charset = nl_langinfo(CODESET);
    return charset && (strcmp(charset, "UTF-8") == 0 || strcmp(charset, "utf8") == 0);
}

/*
 * Turns off XON/XOFF flow control so Ctrl-S and Ctrl-Q reach the composer
 * instead of freezing the terminal, and records the mode as curses'
 * program mode so it survives suspend and resize. endwin restores the
 * shell's mode, flow control included.
 */
static void allow_control_keys(void)
{
    struct termios mode;
    if (tcgetattr(STDIN_FILENO, &mode) != 0)
        return;
    mode.c_iflag &= ~(tcflag_t)(IXON | IXOFF);
    if (tcsetattr(STDIN_FILENO, TCSANOW, &mode) == 0)
        def_prog_mode();
}

/*
 * Gives the terminal back before an abort() ends the process, such as an
 * allocation failure in the pure modules, which cannot call tui_fatal.
 * endwin is not async-signal-safe, but the process is ending anyway and a
 * terminal left in curses mode is the worse outcome.
 */
static void restore_on_abort(int signal_number)
{
    if (screen.open)
        endwin();
    signal(signal_number, SIG_DFL);
    raise(signal_number);
}

int tui_draw_open(const tui_theme *theme, int ascii, char *message, size_t size)
{
    setlocale(LC_ALL, "");
    screen.glyphs = (!ascii && locale_is_utf8()) ? &utf8_glyphs : &ascii_glyphs;

    /* newterm reports a bad TERM as NULL where initscr would exit. */
    if (newterm(NULL, stdout, stdin) == NULL) {
        const char *term = getenv("TERM");
        snprintf(message, size, "cannot initialise the terminal '%s'; set TERM to a known type",
                 term ? term : "(unset)");
        return -1;
    }
    screen.open = 1;
    signal(SIGABRT, restore_on_abort);

    set_escdelay(25);
    cbreak();
    noecho();
    nonl();
    allow_control_keys();
    keypad(stdscr, TRUE);
    curs_set(0);
    mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED |
                  BUTTON5_PRESSED,
              NULL);
    mouseinterval(200);
    tui_draw_set_theme(theme);
    return 0;
}

void tui_draw_close(void)
{
    if (!screen.open)
        return;
    screen.open = 0;
    signal(SIGABRT, SIG_DFL);
    curs_set(1);
    endwin();
}

const tui_glyphs *tui_draw_glyphs(void)
{
    return screen.glyphs;
}

void tui_draw_size(int *rows, int *columns)
{
    getmaxyx(stdscr, *rows, *columns);
}

void tui_draw_erase(void)
{
    erase();
}

int tui_text_width(const char *text)
{
    mbstate_t state;
    memset(&state, 0, sizeof(state));
    int width = 0;
    size_t length = strlen(text);

    while (length > 0) {
        wchar_t wide;
        size_t used = mbrtowc(&wide, text, length, &state);
        if (used == (size_t)-1 || used == (size_t)-2) {
            /* Invalid UTF-8 is drawn as one '?' per byte. */
            memset(&state, 0, sizeof(state));
            used = 1;
            width++;
        } else {
            int cells = wcwidth(wide);
            width += cells > 0 ? cells : 0;
        }
        if (used == 0)
            break;
        text += used;
        length -= used;
    }
    return width;
}

int tui_draw_text(int row, int column, int width, tui_role role, const char *text)
{
    if (width <= 0 || !text)
        return 0;

    mbstate_t state;
    memset(&state, 0, sizeof(state));
    size_t length = strlen(text);
    int used_cells = 0;

    attrset(screen.attributes[role]);
    move(row, column);
    while (length > 0) {
        wchar_t wide;
        size_t used = mbrtowc(&wide, text, length, &state);
        int cells;
        if (used == (size_t)-1 || used == (size_t)-2 || used == 0) {
            memset(&state, 0, sizeof(state));
            wide = L'?';
            used = 1;
        }
        if (wide < L' ' || wide == 0x7f)
            wide = L'?';
        cells = wcwidth(wide);
        if (cells < 0)
            cells = 1;
        if (used_cells + cells > width)
            break;
        wchar_t pair[2] = {wide, L'\0'};
        addwstr(pair);
        used_cells += cells;
        text += used;
        length -= used;
    }
    attrset(A_NORMAL);
    return used_cells;
}

int tui_draw_format(int row, int column, int width, tui_role role, const char *format, ...)
{
    char text[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof(text), format, args);
    va_end(args);
    return tui_draw_text(row, column, width, role, text);
}

void tui_draw_fill(int row, int column, int width, tui_role role)
{
    if (width <= 0)
        return;
    attrset(screen.attributes[role]);
    mvhline(row, column, ' ', width);
    attrset(A_NORMAL);
}

void tui_draw_line(int row, int column, int width, tui_role role, const char *text)
{
    int used = tui_draw_text(row, column, width, role, text);
    tui_draw_fill(row, column + used, width - used, role);
}

static void repeat_glyph(int row, int column, int count, tui_role role, const char *glyph)
{
    attrset(screen.attributes[role]);
    move(row, column);
    for (int i = 0; i < count; i++)
        addstr(glyph);
    attrset(A_NORMAL);
}

void tui_draw_hline(int row, int column, int width, tui_role role)
{
    repeat_glyph(row, column, width, role, screen.glyphs->horizontal);
}

void tui_draw_box(int row, int column, int height, int width, tui_role frame, tui_role inside,
                  const char *title)
{
    const tui_glyphs *g = screen.glyphs;
    if (height < 2 || width < 2)
        return;

    repeat_glyph(row, column, 1, frame, g->top_left);
    repeat_glyph(row, column + 1, width - 2, frame, g->horizontal);
    repeat_glyph(row, column + width - 1, 1, frame, g->top_right);
    for (int i = 1; i < height - 1; i++) {
        repeat_glyph(row + i, column, 1, frame, g->vertical);
        tui_draw_fill(row + i, column + 1, width - 2, inside);
        repeat_glyph(row + i, column + width - 1, 1, frame, g->vertical);
    }
    repeat_glyph(row + height - 1, column, 1, frame, g->bottom_left);
    repeat_glyph(row + height - 1, column + 1, width - 2, frame, g->horizontal);
    repeat_glyph(row + height - 1, column + width - 1, 1, frame, g->bottom_right);

    if (title && title[0]) {
        char padded[256];
        snprintf(padded, sizeof(padded), " %s ", title);
        tui_draw_text(row, column + 2, width - 4, TUI_ROLE_DIALOG_TITLE, padded);
    }
}

void tui_draw_bar(int row, int column, int width, double fraction, tui_role role)
{
    if (fraction < 0)
        fraction = 0;
    if (fraction > 1)
        fraction = 1;
    int filled = (int)(fraction * width + 0.5);
    repeat_glyph(row, column, filled, role, screen.glyphs->bar_full);
    repeat_glyph(row, column + filled, width - filled, TUI_ROLE_DIALOG, screen.glyphs->bar_empty);
}

void tui_draw_cursor(int row, int column)
{
    if (row < 0) {
        curs_set(0);
        return;
    }
    move(row, column);
    curs_set(1);
}

void tui_draw_invalidate(void)
{
    clearok(curscr, TRUE);
}

void tui_draw_flush(void)
{
    refresh();
}

static int translate_key(int code)
{
    switch (code) {
    case KEY_UP:
        return TUI_KEY_UP;
    case KEY_DOWN:
        return TUI_KEY_DOWN;
    case KEY_LEFT:
        return TUI_KEY_LEFT;
    case KEY_RIGHT:
        return TUI_KEY_RIGHT;
    case KEY_PPAGE:
        return TUI_KEY_PAGE_UP;
    case KEY_NPAGE:
        return TUI_KEY_PAGE_DOWN;
    case KEY_HOME:
        return TUI_KEY_HOME;
    case KEY_END:
        return TUI_KEY_END;
    case KEY_BTAB:
        return TUI_KEY_BACKTAB;
    case KEY_BACKSPACE:
        return TUI_KEY_BACKSPACE;
    case KEY_DC:
        return TUI_KEY_DELETE;
    case KEY_ENTER:
        return TUI_KEY_ENTER;
    case KEY_RESIZE:
        return TUI_KEY_RESIZE;
    case KEY_MOUSE:
        return TUI_KEY_MOUSE;
    default:
        return TUI_KEY_NONE;
    }
}

static int read_mouse(tui_mouse *mouse)
{
    MEVENT event;
    if (getmouse(&event) != OK)
        return TUI_KEY_NONE;
    if (mouse) {
        memset(mouse, 0, sizeof(*mouse));
        mouse->row = event.y;
        mouse->column = event.x;
        mouse->clicked = (event.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)) != 0;
        mouse->double_clicked = (event.bstate & BUTTON1_DOUBLE_CLICKED) != 0;
        if (event.bstate & BUTTON4_PRESSED)
            mouse->wheel = -1;
        else if (event.bstate & BUTTON5_PRESSED)
            mouse->wheel = 1;
    }
    return TUI_KEY_MOUSE;
}

int tui_draw_read_key(int timeout_ms, tui_mouse *mouse)
{
    wint_t key;
    timeout(timeout_ms);
    int kind = get_wch(&key);

    if (kind == ERR)
        return TUI_KEY_NONE;
    if (kind == KEY_CODE_YES) {
        if ((int)key == KEY_MOUSE)
            return read_mouse(mouse);
        return translate_key((int)key);
    }

    /* With nonl(), Enter arrives as '\r'. Terminals send DEL or ^H for Backspace. */
    if (key == '\r')
        return TUI_KEY_ENTER;
    if (key == 0x7f || key == 0x08)
        return TUI_KEY_BACKSPACE;
    return (int)key;
}

_Noreturn void tui_fatal(const char *format, ...)
{
    tui_draw_close();
    va_list args;
    va_start(args, format);
    fputs("whittle: ", stderr);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    exit(2);
}
