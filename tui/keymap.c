#include "keymap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The bindings. A key bound twice resolves to the first row whose views
 * include the current one, so view-specific rows come before general ones.
 */
static const tui_binding bindings[] = {
    /* Moving */
    {TUI_KEY_UP, TUI_ACTION_MOVE_UP, TUI_IN_ALL, "move up one row"},
    {'k', TUI_ACTION_MOVE_UP, TUI_IN_ALL, "move up one row"},
    {TUI_KEY_DOWN, TUI_ACTION_MOVE_DOWN, TUI_IN_ALL, "move down one row"},
    {'j', TUI_ACTION_MOVE_DOWN, TUI_IN_ALL, "move down one row"},
    {TUI_KEY_PAGE_UP, TUI_ACTION_PAGE_UP, TUI_IN_ALL, "move up one page"},
    {TUI_KEY_CTRL('b'), TUI_ACTION_PAGE_UP, TUI_IN_ALL, "move up one page"},
    {TUI_KEY_PAGE_DOWN, TUI_ACTION_PAGE_DOWN, TUI_IN_ALL, "move down one page"},
    {TUI_KEY_CTRL('f'), TUI_ACTION_PAGE_DOWN, TUI_IN_ALL, "move down one page"},
    {TUI_KEY_HOME, TUI_ACTION_MOVE_HOME, TUI_IN_ALL, "go to the first row"},
    {'g', TUI_ACTION_MOVE_HOME, TUI_IN_ALL, "go to the first row"},
    {TUI_KEY_END, TUI_ACTION_MOVE_END, TUI_IN_ALL, "go to the last row"},
    {'G', TUI_ACTION_MOVE_END, TUI_IN_ALL, "go to the last row"},

    /* Views */
    {TUI_KEY_TAB, TUI_ACTION_NEXT_VIEW, TUI_IN_ALL, "next view"},
    {TUI_KEY_BACKTAB, TUI_ACTION_PREVIOUS_VIEW, TUI_IN_ALL, "previous view"},
    {'1', TUI_ACTION_SHOW_CATALOG, TUI_IN_ALL, "catalog view"},
    {'2', TUI_ACTION_SHOW_DETAILS, TUI_IN_ALL, "details of the selected component"},
    {'3', TUI_ACTION_SHOW_TREE, TUI_IN_ALL, "image tree view"},
    {'4', TUI_ACTION_SHOW_POLICY, TUI_IN_ALL, "policy view"},

    /* Catalog */
    {TUI_KEY_ENTER, TUI_ACTION_OPEN, TUI_IN_CATALOG, "show the component's details"},
    {' ', TUI_ACTION_TOGGLE, TUI_IN_CATALOG | TUI_IN_DETAILS, "select or deselect the component"},
    {'f', TUI_ACTION_FILTER_KIND, TUI_IN_CATALOG, "filter by kind (cycles through kinds)"},
    {'S', TUI_ACTION_FILTER_STATIC, TUI_IN_CATALOG, "show only statically linked components"},
    {'F', TUI_ACTION_FILTER_FAILING, TUI_IN_CATALOG, "show only components with policy findings"},
    {'a', TUI_ACTION_FILTER_SELECTED, TUI_IN_CATALOG, "show only components in the image"},
    {'c', TUI_ACTION_CLEAR_FILTERS, TUI_IN_CATALOG, "clear search and filters"},

    /* Image tree */
    {TUI_KEY_ENTER, TUI_ACTION_OPEN, TUI_IN_TREE, "expand or collapse the folder"},
    {TUI_KEY_RIGHT, TUI_ACTION_EXPAND, TUI_IN_TREE, "expand the folder"},
    {'l', TUI_ACTION_EXPAND, TUI_IN_TREE, "expand the folder"},
    {TUI_KEY_LEFT, TUI_ACTION_COLLAPSE, TUI_IN_TREE, "collapse, or go to the parent folder"},
    {'h', TUI_ACTION_COLLAPSE, TUI_IN_TREE, "collapse, or go to the parent folder"},
    {'o', TUI_ACTION_SORT, TUI_IN_TREE, "sort by name or by size"},
    {'x', TUI_ACTION_EXCLUDE_PATH, TUI_IN_TREE, "exclude the file or folder, or include it again"},

    /* Policy */
    {TUI_KEY_ENTER, TUI_ACTION_OPEN, TUI_IN_POLICY, "show the finding's file in the image tree"},

    /* Searching */
    {'/', TUI_ACTION_SEARCH, TUI_IN_ALL,
     "search as you type (the catalog filters, other views jump)"},
    {'n', TUI_ACTION_SEARCH_NEXT, TUI_IN_ALL, "next match of the search"},

    /* The composition */
    {'u', TUI_ACTION_UNDO, TUI_IN_ALL, "undo the last change"},
    {TUI_KEY_CTRL('r'), TUI_ACTION_REDO, TUI_IN_ALL, "redo the change undone last"},
    {'C', TUI_ACTION_CONFIGURE, TUI_IN_ALL, "image settings: entrypoint, user, env, paths"},
    {'s', TUI_ACTION_SAVE, TUI_IN_ALL, "save the spec"},
    {'e', TUI_ACTION_EXPORT, TUI_IN_ALL, "build the image to a destination"},

    /* Program */
    {'?', TUI_ACTION_HELP, TUI_IN_ALL, "this help"},
    {TUI_KEY_CTRL('l'), TUI_ACTION_REPAINT, TUI_IN_ALL, "repaint the screen"},
    {'q', TUI_ACTION_QUIT, TUI_IN_ALL, "quit (asks when changes are unsaved)"},
};

#define BINDING_COUNT (sizeof(bindings) / sizeof(bindings[0]))

const tui_binding *tui_keymap_bindings(size_t *count)
{
    *count = BINDING_COUNT;
    return bindings;
}

tui_action tui_keymap_lookup(int key, unsigned view)
{
    for (size_t i = 0; i < BINDING_COUNT; i++)
        if (bindings[i].key == key && (bindings[i].views & view))
            return bindings[i].action;
    return TUI_ACTION_NONE;
}

static const struct {
    int key;
    const char *name;
} key_names[] = {
    {TUI_KEY_UP, "Up"},
    {TUI_KEY_DOWN, "Down"},
    {TUI_KEY_LEFT, "Left"},
    {TUI_KEY_RIGHT, "Right"},
    {TUI_KEY_PAGE_UP, "PgUp"},
    {TUI_KEY_PAGE_DOWN, "PgDn"},
    {TUI_KEY_HOME, "Home"},
    {TUI_KEY_END, "End"},
    {TUI_KEY_BACKTAB, "Shift-Tab"},
    {TUI_KEY_BACKSPACE, "Backspace"},
    {TUI_KEY_DELETE, "Delete"},
    {TUI_KEY_TAB, "Tab"},
    {TUI_KEY_ENTER, "Enter"},
    {TUI_KEY_ESCAPE, "Esc"},
    {' ', "Space"},
};

const char *tui_key_name(int key, char *buffer, size_t size)
{
    for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++) {
        if (key_names[i].key == key) {
            snprintf(buffer, size, "%s", key_names[i].name);
            return buffer;
        }
    }
    if (key >= 1 && key <= 26)
        snprintf(buffer, size, "Ctrl-%c", 'A' + key - 1);
    else if (key > ' ' && key < 0x7f)
        snprintf(buffer, size, "%c", key);
    else
        snprintf(buffer, size, "key %#x", (unsigned)key);
    return buffer;
}

/* Headings of the help screen, by the exact set of views a binding names. */
static const struct {
    unsigned views;
    const char *title;
} sections[] = {
    {TUI_IN_ALL, "Everywhere"},  {TUI_IN_CATALOG | TUI_IN_DETAILS, "Catalog and details"},
    {TUI_IN_CATALOG, "Catalog"}, {TUI_IN_TREE, "Image tree"},
    {TUI_IN_POLICY, "Policy"},
};

#define SECTION_COUNT (sizeof(sections) / sizeof(sections[0]))

/* Appends key's name to the keys column of line, comma-separated. */
static void append_key(tui_help_line *line, int key)
{
    char name[24];
    tui_key_name(key, name, sizeof(name));
    size_t used = strlen(line->keys);
    snprintf(line->keys + used, sizeof(line->keys) - used, "%s%s", used ? ", " : "", name);
}

tui_help_line *tui_keymap_help(size_t *count)
{
    /* At most one heading per section and one line per binding. */
    tui_help_line *lines = calloc(SECTION_COUNT + BINDING_COUNT, sizeof(*lines));
    if (!lines)
        abort();
    size_t used = 0;

    for (size_t s = 0; s < SECTION_COUNT; s++) {
        int heading_written = 0;
        for (size_t i = 0; i < BINDING_COUNT; i++) {
            const tui_binding *binding = &bindings[i];
            if (binding->views != sections[s].views)
                continue;

            /* Skip a binding already listed with an earlier key. */
            int seen = 0;
            for (size_t j = 0; j < i && !seen; j++)
                seen = bindings[j].views == binding->views &&
                       bindings[j].action == binding->action &&
                       strcmp(bindings[j].help, binding->help) == 0;
            if (seen)
                continue;

            if (!heading_written) {
                lines[used].keys[0] = '\0';
                lines[used++].text = sections[s].title;
                heading_written = 1;
            }
            tui_help_line *line = &lines[used++];
            line->text = binding->help;
            for (size_t j = i; j < BINDING_COUNT; j++)
                if (bindings[j].views == binding->views && bindings[j].action == binding->action &&
                    strcmp(bindings[j].help, binding->help) == 0)
                    append_key(line, bindings[j].key);
        }
    }
    *count = used;
    return lines;
}
