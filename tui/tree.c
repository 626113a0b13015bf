#include "tree.h"

#include <stdlib.h>
#include <string.h>

static void *checked(void *pointer)
{
    if (!pointer)
        abort();
    return pointer;
}

static uint32_t new_node(tui_tree *tree, const char *name, size_t length, uint32_t parent)
{
    if (tree->node_count == tree->node_capacity) {
        tree->node_capacity = tree->node_capacity ? tree->node_capacity * 2 : 64;
        tree->nodes = checked(realloc(tree->nodes, tree->node_capacity * sizeof(*tree->nodes)));
    }
    uint32_t id = (uint32_t)tree->node_count++;
    tui_tree_node *node = &tree->nodes[id];
    memset(node, 0, sizeof(*node));
    node->name = checked(strndup(name, length));
    node->parent = parent;
    node->first_child = TUI_TREE_NONE;
    node->next_sibling = TUI_TREE_NONE;
    node->item = TUI_TREE_NONE;
    node->owner = TUI_TREE_NONE;

    if (parent != TUI_TREE_NONE) {
        tui_tree_node *up = &tree->nodes[parent];
        node->depth = parent == 0 ? 0 : up->depth + 1;
        node->next_sibling = up->first_child;
        up->first_child = id;
        up->directory = 1;
    }
    return id;
}

tui_tree *tui_tree_new(void)
{
    tui_tree *tree = checked(calloc(1, sizeof(*tree)));
    uint32_t root = new_node(tree, "/", 1, TUI_TREE_NONE);
    tree->nodes[root].directory = 1;
    tree->nodes[root].expanded = 1;
    return tree;
}

void tui_tree_free(tui_tree *tree)
{
    if (!tree)
        return;
    for (size_t i = 0; i < tree->node_count; i++)
        free(tree->nodes[i].name);
    free(tree->nodes);
    free(tree->rows);
    free(tree);
}

/* Finds the child of parent called name[0..length), or TUI_TREE_NONE. */
static uint32_t find_child(const tui_tree *tree, uint32_t parent, const char *name, size_t length)
{
    for (uint32_t child = tree->nodes[parent].first_child; child != TUI_TREE_NONE;
         child = tree->nodes[child].next_sibling) {
        const char *child_name = tree->nodes[child].name;
        if (strncmp(child_name, name, length) == 0 && child_name[length] == '\0')
            return child;
    }
    return TUI_TREE_NONE;
}

/* Walks path from the root, creating missing nodes when create is set. */
static uint32_t walk(tui_tree *tree, const char *path, int create)
{
    uint32_t node = 0;
    const char *cursor = path;

    for (;;) {
        cursor += strspn(cursor, "/");
        if (!*cursor)
            return node;
        size_t length = strcspn(cursor, "/");
        uint32_t child = find_child(tree, node, cursor, length);
        if (child == TUI_TREE_NONE) {
            if (!create)
                return TUI_TREE_NONE;
            child = new_node(tree, cursor, length, node);
        }
        node = child;
        cursor += length;
    }
}

uint32_t tui_tree_add(tui_tree *tree, const char *path, int64_t size, int directory, uint32_t item,
                      uint32_t owner, uint32_t flags, int excluded)
{
    uint32_t id = walk(tree, path, 1);
    tui_tree_node *node = &tree->nodes[id];
    node->size = size;
    node->directory |= directory;
    node->item = item;
    node->owner = owner;
    node->flags = flags;
    node->excluded = excluded;
    return id;
}

uint32_t tui_tree_find(const tui_tree *tree, const char *path)
{
    return walk((tui_tree *)tree, path, 0);
}

/* Sums kept sizes and flags into folders. An excluded folder excludes its contents. */
static void sum_up(tui_tree *tree, uint32_t id, int excluded_above)
{
    tui_tree_node *node = &tree->nodes[id];
    node->excluded |= excluded_above;
    if (node->first_child == TUI_TREE_NONE) {
        node->file_count = 0;
        return;
    }

    int64_t size = 0;
    uint64_t files = 0;
    uint32_t flags = 0;
    for (uint32_t child = node->first_child; child != TUI_TREE_NONE;
         child = tree->nodes[child].next_sibling) {
        sum_up(tree, child, tree->nodes[id].excluded);
        const tui_tree_node *c = &tree->nodes[child];
        if (c->excluded)
            continue;
        size += c->size;
        files += 1 + c->file_count;
        flags |= c->flags | c->descendant_flags;
    }
    node = &tree->nodes[id];
    node->size = size;
    node->file_count = files;
    node->descendant_flags = flags;
}

static const tui_tree *sorting_tree;

static int compare_nodes(const void *a, const void *b)
{
    const tui_tree_node *x = &sorting_tree->nodes[*(const uint32_t *)a];
    const tui_tree_node *y = &sorting_tree->nodes[*(const uint32_t *)b];
    if (sorting_tree->sort == TUI_TREE_SORT_SIZE && x->size != y->size)
        return x->size > y->size ? -1 : 1;
    return strcmp(x->name, y->name);
}

static void sort_children(tui_tree *tree, uint32_t id)
{
    size_t count = 0;
    for (uint32_t c = tree->nodes[id].first_child; c != TUI_TREE_NONE;
         c = tree->nodes[c].next_sibling)
        count++;
    if (count == 0)
        return;

    uint32_t *children = checked(malloc(count * sizeof(*children)));
    size_t i = 0;
    for (uint32_t c = tree->nodes[id].first_child; c != TUI_TREE_NONE;
         c = tree->nodes[c].next_sibling)
        children[i++] = c;

    /* qsort has no context argument in C11. The tree is single-threaded UI state. */
    sorting_tree = tree;
    qsort(children, count, sizeof(*children), compare_nodes);
    sorting_tree = NULL;

    tree->nodes[id].first_child = children[0];
    for (i = 0; i + 1 < count; i++)
        tree->nodes[children[i]].next_sibling = children[i + 1];
    tree->nodes[children[count - 1]].next_sibling = TUI_TREE_NONE;
    for (i = 0; i < count; i++)
        sort_children(tree, children[i]);
    free(children);
}

static void list_rows(tui_tree *tree)
{
    tree->rows = checked(realloc(tree->rows, (tree->node_count + 1) * sizeof(*tree->rows)));
    tree->row_count = 0;

    /* Depth-first through expanded folders, without recursion. */
    uint32_t node = tree->nodes[0].first_child;
    while (node != TUI_TREE_NONE) {
        tree->rows[tree->row_count++] = node;
        const tui_tree_node *n = &tree->nodes[node];
        if (n->expanded && n->first_child != TUI_TREE_NONE) {
            node = n->first_child;
            continue;
        }
        while (node != TUI_TREE_NONE && tree->nodes[node].next_sibling == TUI_TREE_NONE)
            node = tree->nodes[node].parent == 0 ? TUI_TREE_NONE : tree->nodes[node].parent;
        if (node != TUI_TREE_NONE)
            node = tree->nodes[node].next_sibling;
    }
}

void tui_tree_finish(tui_tree *tree, tui_tree_sort sort)
{
    sum_up(tree, 0, 0);
    tui_tree_set_sort(tree, sort);
}

void tui_tree_set_sort(tui_tree *tree, tui_tree_sort sort)
{
    tree->sort = sort;
    sort_children(tree, 0);
    list_rows(tree);
}

void tui_tree_set_expanded(tui_tree *tree, uint32_t node, int expanded)
{
    if (node >= tree->node_count || !tree->nodes[node].directory)
        return;
    tree->nodes[node].expanded = expanded;
    list_rows(tree);
}

long tui_tree_row_of(const tui_tree *tree, uint32_t node)
{
    for (size_t i = 0; i < tree->row_count; i++)
        if (tree->rows[i] == node)
            return (long)i;
    return -1;
}

long tui_tree_reveal(tui_tree *tree, uint32_t node)
{
    if (node >= tree->node_count)
        return -1;
    for (uint32_t up = tree->nodes[node].parent; up != TUI_TREE_NONE; up = tree->nodes[up].parent)
        tree->nodes[up].expanded = 1;
    list_rows(tree);
    return tui_tree_row_of(tree, node);
}

char *tui_tree_path(const tui_tree *tree, uint32_t node, char *buffer, size_t size)
{
    /* Collect the names from node up to the root, then write them in reverse. */
    uint32_t chain[256];
    size_t depth = 0;
    for (uint32_t n = node; n != 0 && n != TUI_TREE_NONE && depth < 256; n = tree->nodes[n].parent)
        chain[depth++] = n;

    size_t used = 0;
    buffer[0] = '\0';
    if (depth == 0 && size > 1) {
        buffer[0] = '/';
        buffer[1] = '\0';
    }
    while (depth > 0) {
        const char *name = tree->nodes[chain[--depth]].name;
        size_t length = strlen(name);
        if (used + length + 2 > size)
            break;
        buffer[used++] = '/';
        memcpy(buffer + used, name, length);
        used += length;
        buffer[used] = '\0';
    }
    return buffer;
}

uint32_t tui_tree_next(const tui_tree *tree, uint32_t node)
{
    if (tree->nodes[0].first_child == TUI_TREE_NONE)
        return TUI_TREE_NONE;
    if (node != TUI_TREE_NONE && tree->nodes[node].first_child != TUI_TREE_NONE)
        return tree->nodes[node].first_child;

    /* Climb until a node has a next sibling; past the last node, start again. */
    while (node != TUI_TREE_NONE && node != 0) {
        if (tree->nodes[node].next_sibling != TUI_TREE_NONE)
            return tree->nodes[node].next_sibling;
        node = tree->nodes[node].parent;
    }
    return tree->nodes[0].first_child;
}

void tui_tree_copy_expansion(tui_tree *destination, const tui_tree *source)
{
    char path[4096];
    for (size_t i = 1; i < source->node_count; i++) {
        if (!source->nodes[i].expanded)
            continue;
        uint32_t match =
            tui_tree_find(destination, tui_tree_path(source, (uint32_t)i, path, sizeof(path)));
        if (match != TUI_TREE_NONE)
            destination->nodes[match].expanded = 1;
    }
    list_rows(destination);
}
