/*
 * The image tree model: the files of a composition as folders and entries,
 * with sizes summed up the tree, an expanded flag per folder, a sort order,
 * and the list of rows currently visible. Pure data, no curses and no core
 * calls, so tests cover it directly. tui/view_tree.c fills and draws it.
 *
 *     tui_tree *tree = tui_tree_new();
 *     tui_tree_add(tree, "/usr/bin/tini", size, ...);   // folders appear as needed
 *     tui_tree_finish(tree, TUI_TREE_SORT_NAME);        // sums sizes, sorts, lists rows
 *     for (i = 0; i < tree->row_count; i++) ... tree->nodes[tree->rows[i]] ...
 *     tui_tree_free(tree);
 *
 * Node 0 is the root "/", never shown as a row. Its children are the top rows.
 */
#ifndef TUI_TREE_H
#define TUI_TREE_H

#include <stddef.h>
#include <stdint.h>

#define TUI_TREE_NONE UINT32_MAX

typedef enum tui_tree_sort { TUI_TREE_SORT_NAME = 0, TUI_TREE_SORT_SIZE } tui_tree_sort;

typedef struct tui_tree_node {
    char *name;      /* last path component; "/" for the root */
    uint32_t parent; /* TUI_TREE_NONE for the root */
    uint32_t first_child, next_sibling;
    uint32_t depth;            /* 0 for the root's children */
    uint32_t item;             /* the caller's id for this path (a graph file), or TUI_TREE_NONE */
    uint32_t owner;            /* the caller's id of the owning component, or TUI_TREE_NONE */
    uint32_t flags;            /* the caller's flag bits for this entry */
    uint32_t descendant_flags; /* flags of every kept entry below, ORed */
    int64_t size;              /* own bytes. After finish, folders hold the sum of kept entries */
    uint64_t file_count;       /* kept entries below a folder, after finish */
    int directory;             /* has children or was added as a folder */
    int excluded;              /* left out of the image: not counted in sizes */
    int expanded;
} tui_tree_node;

typedef struct tui_tree {
    tui_tree_node *nodes;
    size_t node_count, node_capacity;
    uint32_t *rows; /* visible nodes in display order */
    size_t row_count;
    tui_tree_sort sort;
} tui_tree;

/* Creates a tree holding only the root. Aborts on allocation failure. */
tui_tree *tui_tree_new(void);
/* Frees the tree. Accepts NULL. */
void tui_tree_free(tui_tree *tree);

/*
 * Adds the entry at path (absolute, '/'-separated) and any missing folders
 * above it, and returns its node. Adding a path twice updates the first
 * node, so the last add wins.
 */
uint32_t tui_tree_add(tui_tree *tree, const char *path, int64_t size, int directory, uint32_t item,
                      uint32_t owner, uint32_t flags, int excluded);

/* Sums sizes and flags up the tree, sorts every folder and lists the visible rows. */
void tui_tree_finish(tui_tree *tree, tui_tree_sort sort);

/* Sorts again and lists the visible rows. */
void tui_tree_set_sort(tui_tree *tree, tui_tree_sort sort);

/* Expands or collapses a folder and lists the visible rows again. */
void tui_tree_set_expanded(tui_tree *tree, uint32_t node, int expanded);

/* Returns the node at path, or TUI_TREE_NONE. */
uint32_t tui_tree_find(const tui_tree *tree, const char *path);

/* Expands every folder above node so it is visible. Returns its row or -1. */
long tui_tree_reveal(tui_tree *tree, uint32_t node);

/* Returns node's row among the visible rows, or -1. */
long tui_tree_row_of(const tui_tree *tree, uint32_t node);

/* Writes node's absolute path into buffer. Returns buffer. */
char *tui_tree_path(const tui_tree *tree, uint32_t node, char *buffer, size_t size);

/*
 * Returns the node after node in depth-first order over the whole tree,
 * collapsed folders included, wrapping from the last node to the first
 * child of the root. Returns TUI_TREE_NONE for a tree with no entries.
 */
uint32_t tui_tree_next(const tui_tree *tree, uint32_t node);

/* Expands in destination every folder that is expanded in source, matched by path. */
void tui_tree_copy_expansion(tui_tree *destination, const tui_tree *source);

#endif
