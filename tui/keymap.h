/*
 * The key map: one table of bindings, each with the views it applies to and
 * its help text. Key dispatch and the `?` help screen both read this table,
 * so the help never drifts from what the keys do.
 *
 * Nothing here calls curses: tui/draw.c turns curses key codes into the
 * TUI_KEY_* values below, and printable keys keep their character code.
 */
#ifndef TUI_KEYMAP_H
#define TUI_KEYMAP_H

#include <stddef.h>

/* Keys that are not characters. Above the Unicode range so they never collide. */
enum {
    TUI_KEY_UP = 0x200000,
    TUI_KEY_DOWN,
    TUI_KEY_LEFT,
    TUI_KEY_RIGHT,
    TUI_KEY_PAGE_UP,
    TUI_KEY_PAGE_DOWN,
    TUI_KEY_HOME,
    TUI_KEY_END,
    TUI_KEY_BACKTAB,
    TUI_KEY_BACKSPACE,
    TUI_KEY_DELETE,
    TUI_KEY_RESIZE,
    TUI_KEY_MOUSE,
    TUI_KEY_NONE, /* read timed out or an unknown escape sequence */
};

#define TUI_KEY_CTRL(letter) ((letter)&0x1f)
#define TUI_KEY_TAB '\t'
#define TUI_KEY_ENTER '\n'
#define TUI_KEY_ESCAPE 0x1b

/* Views as bits, for the views a binding applies to. */
enum {
    TUI_IN_CATALOG = 1u << 0,
    TUI_IN_DETAILS = 1u << 1,
    TUI_IN_TREE = 1u << 2,
    TUI_IN_POLICY = 1u << 3,
    TUI_IN_ALL = 0xfu,
};

/* Every action a key can trigger. */
#define TUI_ACTION_LIST(X)                                                                         \
    X(NONE)                                                                                        \
    X(MOVE_UP) X(MOVE_DOWN) X(PAGE_UP) X(PAGE_DOWN) X(MOVE_HOME) X(MOVE_END) X(NEXT_VIEW)          \
        X(PREVIOUS_VIEW) X(SHOW_CATALOG) X(SHOW_DETAILS) X(SHOW_TREE) X(SHOW_POLICY) X(SEARCH)     \
            X(SEARCH_NEXT) X(TOGGLE) X(OPEN) X(EXPAND) X(COLLAPSE) X(SORT) X(EXCLUDE_PATH)         \
                X(FILTER_KIND) X(FILTER_STATIC) X(FILTER_FAILING) X(FILTER_SELECTED)               \
                    X(CLEAR_FILTERS) X(UNDO) X(REDO) X(CONFIGURE) X(SAVE) X(EXPORT) X(HELP)        \
                        X(REPAINT) X(QUIT)

#define TUI_ACTION_ENUM(id) TUI_ACTION_##id,
typedef enum tui_action { TUI_ACTION_LIST(TUI_ACTION_ENUM) TUI_ACTION_COUNT } tui_action;
#undef TUI_ACTION_ENUM

typedef struct tui_binding {
    int key; /* a character or TUI_KEY_* */
    tui_action action;
    unsigned views;   /* TUI_IN_* bits */
    const char *help; /* one line for the help screen */
} tui_binding;

/* The table itself and its length. */
const tui_binding *tui_keymap_bindings(size_t *count);

/* Returns the action bound to key in view (a TUI_IN_* bit), or TUI_ACTION_NONE. */
tui_action tui_keymap_lookup(int key, unsigned view);

/*
 * Writes a key's display name ("Up", "PgDn", "Space", "Ctrl-R", "q") into
 * buffer and returns buffer.
 */
const char *tui_key_name(int key, char *buffer, size_t size);

/* One line of the generated help screen. */
typedef struct tui_help_line {
    char keys[40];    /* "Up, k". Empty for a section heading */
    const char *text; /* the help text, or the heading's title */
} tui_help_line;

/*
 * Generates the help screen from the table: a heading per group of views
 * ("Everywhere", "Catalog", ...), then one line per distinct action and help
 * text listing every key bound to it. Returns a malloc'ed array the caller
 * frees, and its length in *count. Aborts on allocation failure.
 */
tui_help_line *tui_keymap_help(size_t *count);

#endif
