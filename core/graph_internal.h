/* Parts of the component graph shared by graph.c, graph_paths.c and requires.c only. */
#ifndef WH_GRAPH_INTERNAL_H
#define WH_GRAPH_INTERNAL_H

#include "arena.h"
#include "graph.h"
#include "strmap.h"

/*
 * What a file with an interpreter or DT_NEEDED entries needs before its
 * requirements are resolved. Dropped by wh_graph_finish.
 */
typedef struct file_pending {
    const char *interpreter, *interpreter_arg;
    const char **needed;
    uint32_t needed_count;
    const char *runpath, *rpath;
} file_pending;

/* One name a component provides, in a chain per name. */
typedef struct provide_entry {
    uint32_t component;
    const char *version; /* NULL: unversioned Provides */
    uint32_t next;       /* next entry for the same name, or WH_NONE */
} provide_entry;

/*
 * Open-addressing hash table from a path to the last file added with that
 * path. A slot stores the upper half of the path's 64-bit hash and the file
 * index, and the path itself is read from the file. Sized once by
 * wh_graph_finish, so it never grows.
 */
typedef struct path_slot {
    uint32_t hash_high;
    uint32_t file;         /* WH_NONE: empty slot */
} path_slot;

typedef struct path_index {
    path_slot *slots;
    uint32_t mask;         /* slot count - 1, where the slot count is a power of two */
} path_index;

struct wh_graph {
    wh_arena arena;
    int finished;

    wh_graph_component *components;
    uint32_t component_count, component_capacity;
    wh_graph_file *files;
    uint32_t file_count, file_capacity;
    /* The index of each file's entry in pending, or WH_NONE. Freed by wh_graph_finish. */
    uint32_t *pending_index;
    uint32_t pending_index_capacity;
    file_pending *pending;
    uint32_t pending_count, pending_capacity;
    int files_unsorted;    /* some component's files were added out of path order */
    wh_graph_relation *relations;
    uint32_t relation_count, relation_capacity;

    wh_strmap names;    /* component name -> id (highest version) */
    path_index paths;   /* path -> first file with it */
    wh_strmap provides; /* provided name -> first provide_entry */
    provide_entry *provide_entries;
    uint32_t provide_count, provide_capacity;

    /*
     * Used while finishing only: the interned provider sets, and the result
     * of each search (path, soname or command) by a key from search_key.
     */
    wh_strmap provider_sets;
    wh_strmap search_cache;
    wh_providers **provider_list;
    uint32_t provider_list_count, provider_list_capacity;
};

/* Grows *array to hold at least need elements of size bytes; -1 when out of memory. */
int wh_grow_array(void **array, uint32_t *capacity, uint32_t need, size_t size);

/*
 * Joins target to dir (when target is relative) and removes ".", ".." and
 * repeated slashes. Returns -1 when the result does not fit in out.
 */
int wh_path_resolve(const char *dir, const char *target, char *out, size_t out_size);

/* Builds the path index and the chains of files at the same path; called by wh_graph_finish. */
wh_status wh_graph_index_paths(wh_graph *graph, wh_error *err);

/* Resolves every pending requirement; called by wh_graph_finish. */
wh_status wh_graph_resolve_requirements(wh_graph *graph, wh_error *err);

/* Returns the first provide_entry for a name, or WH_NONE. */
uint32_t wh_graph_first_provider(const wh_graph *graph, const char *name);
const provide_entry *wh_graph_provide_at(const wh_graph *graph, uint32_t index);

#endif
