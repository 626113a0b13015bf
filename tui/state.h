/*
 * What the user has decided about the image, as a value: the selected and
 * excluded components, the excluded paths and the image settings. The undo
 * history stores copies of it. The composition is recomputed from it.
 *
 * Component ids are indexes into the component graph the composer loaded.
 * Nothing here calls curses or the core, so tests/unit/test_undo.c covers it.
 */
#ifndef TUI_STATE_H
#define TUI_STATE_H

#include <stddef.h>
#include <stdint.h>

/* Image settings edited in the configuration form, with their labels. */
#define TUI_SETTING_LIST(X)                                                                        \
    X(ENTRYPOINT, "Entrypoint", "command and arguments, separated by spaces")                      \
    X(CMD, "Cmd", "default arguments, separated by spaces")                                        \
    X(ENV, "Env", "NAME=value pairs, separated by spaces")                                         \
    X(WORKDIR, "Workdir", "absolute working directory")                                            \
    X(USER, "User", "user name or uid[:gid] the process runs as")                                  \
    X(ACCOUNTS, "Accounts", "name:uid:gid entries for /etc/passwd, by spaces")                     \
    X(WRITABLE, "Writable paths", "paths the process may write, separated by spaces")              \
    X(POLICY, "Policy profile", "built-in profile name or policy file path")                       \
    X(EXCLUDE, "Excluded paths", "globs removed from every component, by spaces")

#define TUI_SETTING_ENUM(id, label, help) TUI_SETTING_##id,
typedef enum tui_setting { TUI_SETTING_LIST(TUI_SETTING_ENUM) TUI_SETTING_COUNT } tui_setting;
#undef TUI_SETTING_ENUM

typedef struct tui_state {
    uint32_t *roots; /* selected components, sorted ascending */
    size_t root_count;
    uint32_t *excluded; /* components never to include, sorted ascending */
    size_t excluded_count;
    char *settings[TUI_SETTING_COUNT]; /* each may be NULL for "not set" */
} tui_state;

const char *tui_setting_label(tui_setting setting);
const char *tui_setting_help(tui_setting setting);

/* Frees what state owns and zeroes it. Accepts an already cleared state. */
void tui_state_clear(tui_state *state);

/* Makes destination an independent copy of source, clearing it first. */
void tui_state_copy(tui_state *destination, const tui_state *source);

int tui_state_equal(const tui_state *a, const tui_state *b);

int tui_state_has_root(const tui_state *state, uint32_t id);
void tui_state_set_root(tui_state *state, uint32_t id, int on);
int tui_state_is_excluded(const tui_state *state, uint32_t id);
void tui_state_set_excluded(tui_state *state, uint32_t id, int on);

/* Replaces a setting's text. NULL or "" unsets it. */
void tui_state_set_setting(tui_state *state, tui_setting setting, const char *text);

/*
 * Adds glob to the space-separated excluded paths when absent, or removes
 * it when present. Returns 1 when it was added, 0 when removed.
 */
int tui_state_toggle_exclude(tui_state *state, const char *glob);

/* Whether glob is one of the space-separated excluded paths. */
int tui_state_has_exclude(const tui_state *state, const char *glob);

/*
 * Splits a space-separated setting into words. Returns a malloc'ed array of
 * malloc'ed strings, ending with NULL. Free it with tui_words_free.
 */
char **tui_words_split(const char *text, size_t *count);
void tui_words_free(char **words);

/* ---- Undo history ------------------------------------------------------ */

typedef struct tui_undo_entry {
    tui_state state;
    char label[96]; /* the change that produced this state, e.g. "select caddy" */
} tui_undo_entry;

/*
 * A linear history of states. entries[position] is the current one. Undo
 * moves back, redo forward, and recording after an undo drops the states
 * that could have been redone.
 */
typedef struct tui_undo {
    tui_undo_entry *entries;
    size_t count, position, capacity;
} tui_undo;

/* Maximum states kept. The oldest are dropped beyond it. */
#define TUI_UNDO_MAX 500

/* Starts the history with the initial state (copied). */
void tui_undo_init(tui_undo *undo, const tui_state *initial);
void tui_undo_free(tui_undo *undo);

/* Records state (copied) as the new current state, reached by the change label. */
void tui_undo_record(tui_undo *undo, const tui_state *state, const char *label);

/*
 * Steps back. Returns the state to restore, or NULL when at the start, and
 * *label receives the change that was undone.
 */
const tui_state *tui_undo_back(tui_undo *undo, const char **label);

/* Steps forward. Returns the state to restore, or NULL at the end, and sets *label as above. */
const tui_state *tui_undo_forward(tui_undo *undo, const char **label);

#endif
