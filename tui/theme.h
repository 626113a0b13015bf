/*
 * Colour roles and themes. View code names a role (the selected row, a
 * pulled-in component, a failing rule) and never a colour. A theme maps every
 * role to a foreground, a background and attributes.
 *
 * Theme files are plain text, one role a line, '#' starting a comment:
 *
 *     # role          foreground  background  attributes...
 *     selection     = black       cyan        bold
 *     policy-fail   = red         default
 *     status        = default     default     reverse
 *
 * Colours are "default" (the terminal's own), the eight ANSI names (black,
 * red, green, yellow, blue, magenta, cyan, white), the same names prefixed
 * with "bright-", or a number from 0 to 255. Attributes are any of bold,
 * dim, underline, reverse, standout. A line may also read
 * `monochrome = yes`, which tells the drawing layer to use attributes only.
 * Roles a file leaves out keep the built-in dark theme's values, which are
 * compiled in and go through the same parser.
 *
 * Nothing here calls curses, and tui/draw.c turns a theme into colour pairs.
 */
#ifndef TUI_THEME_H
#define TUI_THEME_H

#include <stddef.h>

/* Every role with its name in theme files and what it colours. */
#define TUI_ROLE_LIST(X)                                                                           \
    X(NORMAL, "normal", "ordinary text")                                                           \
    X(DIM, "dim", "secondary text: versions, hints, empty states")                                 \
    X(TITLE, "title", "the top bar with the view tabs")                                            \
    X(TAB_ACTIVE, "tab-active", "the tab of the current view")                                     \
    X(HEADER, "header", "column headings")                                                         \
    X(SELECTION, "selection", "the row under the cursor")                                          \
    X(STATUS, "status", "the status line")                                                         \
    X(STATUS_ERROR, "status-error", "an error shown in the status line")                           \
    X(CHOSEN, "chosen", "a component the user selected")                                           \
    X(PULLED, "pulled", "a component pulled in by another")                                        \
    X(EXCLUDED, "excluded", "a component or path excluded from the image")                         \
    X(ADDED, "added", "bytes and components a toggle would add")                                   \
    X(REMOVED, "removed", "bytes and components a toggle would remove")                            \
    X(POLICY_PASS, "policy-pass", "a passing rule or verdict")                                     \
    X(POLICY_FAIL, "policy-fail", "a failing rule, its findings, risky flags")                     \
    X(POLICY_WARN, "policy-warn", "a rule that fails with warning severity")                       \
    X(BORDER, "border", "frames and separators")                                                   \
    X(DIALOG, "dialog", "the inside of a dialog")                                                  \
    X(DIALOG_TITLE, "dialog-title", "a dialog's title")                                            \
    X(INPUT, "input", "a text field being edited")                                                 \
    X(MATCH, "match", "text matching the search")                                                  \
    X(HELP_KEY, "help-key", "key names on the help screen")                                        \
    X(PROGRESS, "progress", "the filled part of a progress bar")

#define TUI_ROLE_ENUM(id, name, help) TUI_ROLE_##id,
typedef enum tui_role { TUI_ROLE_LIST(TUI_ROLE_ENUM) TUI_ROLE_COUNT } tui_role;
#undef TUI_ROLE_ENUM

/* Colour value for the terminal's default colour. */
#define TUI_COLOR_DEFAULT (-1)

enum {
    TUI_ATTR_BOLD = 1u << 0,
    TUI_ATTR_DIM = 1u << 1,
    TUI_ATTR_UNDERLINE = 1u << 2,
    TUI_ATTR_REVERSE = 1u << 3,
    TUI_ATTR_STANDOUT = 1u << 4,
};

typedef struct tui_style {
    short foreground; /* TUI_COLOR_DEFAULT or 0..255 */
    short background;
    unsigned attributes; /* TUI_ATTR_* bits */
} tui_style;

typedef struct tui_theme {
    char name[64];
    int monochrome; /* nonzero: draw with attributes only */
    tui_style styles[TUI_ROLE_COUNT];
} tui_theme;

/* Where a theme file failed to parse: line from 1, and what was wrong. */
typedef struct tui_theme_error {
    int line;
    char message[160];
} tui_theme_error;

/* Returns the role's name in theme files, such as "policy-fail", or NULL when out of range. */
const char *tui_role_name(tui_role role);

/* Returns the role with that name, or -1. */
int tui_role_parse(const char *name);

/* Fills theme with the compiled-in dark theme, named "dark". */
void tui_theme_default(tui_theme *theme);

/*
 * Parses theme text over the styles already in theme, so a file only needs
 * the roles it changes. Returns 0, or -1 with error filled (when non-NULL);
 * on failure the roles parsed before the bad line are already applied.
 */
int tui_theme_parse(tui_theme *theme, const char *text, tui_theme_error *error);

/*
 * Loads the theme called name: the built-in defaults, then the file
 * NAME.theme from the first folder of dirs that has it (dirs ends with NULL).
 * A name containing '/' is taken as a file path. "dark" needs no file.
 * Returns 0, or -1 with message (size bytes) naming the file and line.
 */
int tui_theme_load(tui_theme *theme, const char *name, const char *const *dirs, char *message,
                   size_t size);

/*
 * Returns the folders where themes are looked up, ending with NULL:
 * $WHITTLE_THEME_DIR when set, the build tree's themes/ beside the
 * executable's folder, and ../share/whittle/themes beside it. The strings
 * live until the next call.
 */
const char *const *tui_theme_dirs(void);

#endif
