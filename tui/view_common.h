/*
 * What several views share: a component's state in the composition and how
 * it shows, flag markers, the toggle with its "others need it" question,
 * and the impact line.
 */
#ifndef TUI_VIEW_COMMON_H
#define TUI_VIEW_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "app.h"

typedef enum tui_component_state {
    TUI_STATE_NONE = 0, /* not in the image */
    TUI_STATE_CHOSEN,   /* selected by the user */
    TUI_STATE_PULLED,   /* pulled in by another component */
    TUI_STATE_BASE,     /* part of the base image */
    TUI_STATE_EXCLUDED, /* excluded: never included */
} tui_component_state;

tui_component_state tui_component_state_of(tui_model *model, uint32_t id);
/* "[x]", "[+]", "[b]", "[-]" or "[ ]". */
const char *tui_component_state_marker(tui_component_state state);
tui_role tui_component_state_role(tui_component_state state);

/* "static", "dyn", "script" or "-" for a component's (or file's) flags. */
const char *tui_linkage_name(uint32_t flags);

/* Writes short markers for risky flags ("sh multi suid pkg") and a finding count. */
void tui_format_flags(uint32_t flags, size_t findings, char *buffer, size_t size);

/* Fills line with the component's state and what toggling it would change. */
void tui_describe_toggle(tui_app *app, uint32_t id, char *line, size_t size);

/*
 * Toggles a component, asking first when others need it, and reports the
 * result on the info line. Returns TUI_CHANGED_* bits.
 */
unsigned tui_toggle_component(tui_app *app, uint32_t id);

/* The component under the catalog view's cursor, or WH_NONE. */
uint32_t tui_catalog_cursor(tui_app *app);

/* Jumps to path in the image tree view. Returns 0, or -1 when it is not in the tree. */
int tui_tree_jump(tui_app *app, const char *path);

/* Aborts when pointer is NULL: the composer does not run on without memory. */
void *tui_checked(void *pointer);

#endif
