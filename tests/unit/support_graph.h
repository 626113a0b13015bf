/*
 * Helpers for unit tests that build component graphs in code: short calls
 * for a component, a file with its classification, and a relation. They
 * fail the running cmocka test on any error.
 */
#ifndef WH_SUPPORT_GRAPH_H
#define WH_SUPPORT_GRAPH_H

#include <stdint.h>

#include "../../core/graph.h"

/* Starts a component of kind library (or kind) with version "1.0". */
uint32_t tg_component(wh_graph *graph, const char *name, wh_kind kind);

/* A directory with mode 0755. */
void tg_dir(wh_graph *graph, const char *path);

/* A regular file of size bytes, mode, flags; sha256 derived from content_tag. */
void tg_file(wh_graph *graph, const char *path, unsigned mode, int64_t size, unsigned flags,
             const char *content_tag);

/*
 * A dynamic ELF file (mode 0755): interpreter may be NULL, needed is a
 * NULL-terminated list, runpath and soname may be NULL.
 */
void tg_elf(wh_graph *graph, const char *path, int64_t size, const char *interpreter,
            const char *const *needed, const char *runpath, const char *soname, unsigned flags);

/* A script (mode 0755) with a #! interpreter and optional argument. */
void tg_script(wh_graph *graph, const char *path, const char *interpreter, const char *arg);

void tg_symlink(wh_graph *graph, const char *path, const char *target);
void tg_hardlink(wh_graph *graph, const char *path, const char *first);

void tg_relation(wh_graph *graph, wh_relation_kind kind, int group, int alternative,
                 const char *name, const char *op, const char *version);

void tg_finish(wh_graph *graph);

#endif
