/*
 * The component graph: every component of a catalog with its files, their
 * classification, the declared package relations, and the requirements the
 * files imply (an ELF's interpreter and sonames, a script's #! interpreter,
 * a symlink's target), each resolved once to the files of other components
 * that can satisfy it.
 *
 * Build sequence (catalog/graph_load.c does this from SQLite):
 *
 *     wh_graph_new(&graph, &err);
 *     for each component:
 *         wh_graph_add_component(graph, &info, &id, &err);
 *         for each of its files:     wh_graph_add_file(graph, &file, &err);
 *         for each of its relations: wh_graph_add_relation(graph, &rel, &err);
 *     wh_graph_finish(graph, &err);   // path index and requirements
 *
 * Files and relations belong to the component added last. After
 * wh_graph_finish the graph is read-only and may be shared by several
 * compositions; before it, only the add functions may be called.
 */
#ifndef WH_GRAPH_H
#define WH_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "error.h"
#include "types.h"

#define WH_NONE UINT32_MAX

/* Internal flag bit beside the WH_FLAG_* bits: a regular file with an execute bit. */
#define WH_FLAG_EXECUTABLE (1u << 31)
/* Internal flag bit: another component ships a file at the same path. */
#define WH_FLAG_SHARED_PATH (1u << 30)

typedef struct wh_graph wh_graph;

/* Version ordering of a component's version strings and relations. */
typedef enum wh_version_scheme {
    WH_SCHEME_DEBIAN = 0,
    WH_SCHEME_APK,
} wh_version_scheme;

typedef struct wh_component_input {
    const char *name;
    const char *version;
    const char *architecture;  /* may be NULL */
    wh_kind kind;
    const char *origin_sha256; /* may be NULL */
    wh_version_scheme scheme;
} wh_component_input;

typedef struct wh_file_input {
    const char *path;          /* absolute and normalised */
    wh_file_type type;
    unsigned mode;             /* full st_mode */
    int64_t uid, gid, size;
    const char *sha256;        /* hex, regular files only; may be NULL */
    const char *target;        /* symlink target as written, or hardlink's first path */
    int has_capabilities;
    const wh_classification *classification; /* may be NULL */
} wh_file_input;

typedef enum wh_relation_kind {
    WH_REL_DEPENDS = 0,
    WH_REL_PRE_DEPENDS,
    WH_REL_RECOMMENDS,
    WH_REL_PROVIDES,
    WH_REL_CONFLICTS,
    WH_REL_BREAKS,
    WH_REL_REPLACES,
    WH_REL_KIND_COUNT
} wh_relation_kind;

typedef struct wh_relation_input {
    wh_relation_kind kind;
    int group, alternative;
    const char *name;
    const char *op;            /* NULL when unversioned */
    const char *version;
} wh_relation_input;

/* The kind of thing a requirement names. */
typedef enum wh_requirement_kind {
    WH_REQ_INTERPRETER = 0, /* ELF PT_INTERP path */
    WH_REQ_SONAME,          /* DT_NEEDED, searched in RPATH, RUNPATH and the standard dirs */
    WH_REQ_SCRIPT,          /* #! interpreter path, or the command after /usr/bin/env */
    WH_REQ_SYMLINK,         /* a symlink's target */
} wh_requirement_kind;

/* A set of files, in other components or the same one, that satisfies a requirement. */
typedef struct wh_providers {
    const uint32_t *files;  /* file indices by component name (highest version first), then path */
    uint32_t count;         /* 0: nothing in the catalog satisfies it */
} wh_providers;

typedef struct wh_requirement {
    uint8_t kind;           /* wh_requirement_kind */
    const char *name;       /* the soname, interpreter path or link target as written */
    const wh_providers *providers; /* shared by identical requirements */
} wh_requirement;

/* A file as the graph stores it. Read-only after wh_graph_finish. */
typedef struct wh_graph_file {
    const char *path;
    const char *target;     /* symlink target as written, hardlink's first path, or NULL */
    const char *multicall;  /* "busybox", "toybox" or NULL */
    int64_t size;
    uint32_t component;
    uint32_t flags;         /* WH_FLAG_* plus WH_FLAG_EXECUTABLE */
    uint32_t mode, uid, gid;
    uint8_t type;           /* wh_file_type */
    uint8_t has_sha256;
    uint8_t sha256[32];
    const wh_requirement *requirements;
    uint32_t requirement_count;
    uint32_t same_path_next; /* next file with the same path in another component, or WH_NONE */
} wh_graph_file;

typedef struct wh_graph_relation {
    uint8_t kind;           /* wh_relation_kind */
    int group, alternative;
    const char *name, *op, *version;
} wh_graph_relation;

typedef struct wh_graph_component {
    const char *name, *version, *architecture, *origin_sha256;
    wh_kind kind;
    wh_version_scheme scheme;
    uint32_t first_file, file_count;     /* files sorted by path */
    uint32_t first_relation, relation_count;
} wh_graph_component;

/* Creates an empty graph; free it with wh_graph_free. */
wh_status wh_graph_new(wh_graph **out, wh_error *err);
/* Frees the graph and everything it stores; accepts NULL. */
void wh_graph_free(wh_graph *graph);

/* Adds a component; *id (may be NULL) receives its index. Strings are copied. */
wh_status wh_graph_add_component(wh_graph *graph, const wh_component_input *input, uint32_t *id,
                                 wh_error *err);
/* Adds a file to the last component. Strings and classification are copied. */
wh_status wh_graph_add_file(wh_graph *graph, const wh_file_input *input, wh_error *err);
/* Adds a declared relation to the last component. */
wh_status wh_graph_add_relation(wh_graph *graph, const wh_relation_input *input, wh_error *err);

/*
 * Builds the path index and resolves every file's requirements to provider
 * files. When a name is in the catalog twice (several versions), the highest
 * version is the one wh_graph_find returns.
 */
wh_status wh_graph_finish(wh_graph *graph, wh_error *err);

uint32_t wh_graph_component_count(const wh_graph *graph);
uint32_t wh_graph_file_count(const wh_graph *graph);
const wh_graph_component *wh_graph_component_at(const wh_graph *graph, uint32_t id);
const wh_graph_file *wh_graph_file_at(const wh_graph *graph, uint32_t index);
const wh_graph_relation *wh_graph_relation_at(const wh_graph *graph, uint32_t index);

/* Returns the component with that name, or WH_NONE. */
uint32_t wh_graph_find(const wh_graph *graph, const char *name);

/*
 * Returns the first file stored at path (following symlinked parent
 * directories, as "/lib" -> "usr/lib"), or WH_NONE. Other components' files
 * at the same path follow through same_path_next.
 */
uint32_t wh_graph_lookup(const wh_graph *graph, const char *path);

/* Returns "depends", "pre-depends", "recommends", "provides", ... */
const char *wh_relation_kind_name(wh_relation_kind kind);
/* Returns "interpreter", "soname", "script", "symlink". */
const char *wh_requirement_kind_name(wh_requirement_kind kind);
/* Returns words for messages: "ELF interpreter", "soname", "script interpreter", "symlink target". */
const char *wh_requirement_kind_label(wh_requirement_kind kind);

#endif
