/*
 * A composition: which components of a graph are in an image, why, what the
 * image weighs and which paths conflict.
 *
 * Roots are the selected components and the base. Resolution walks from the
 * roots along the requirements of the files that remain after trimming (and
 * along declared Depends where asked), picking one provider per requirement:
 * a provider that is already included first, then the first by component
 * name. Excluded components are never included.
 *
 *     wh_composition_new(graph, &composition, &err);
 *     wh_composition_set_exclude_paths(composition, globs, n, &err);
 *     wh_composition_select(composition, id, WH_ROOT_SELECTED);
 *     wh_composition_resolve(composition, &err);
 *     ... wh_composition_reason(), wh_composition_totals(), ...
 *
 * The graph must outlive the composition.
 */
#ifndef WH_COMPOSE_H
#define WH_COMPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "graph.h"

typedef struct wh_composition wh_composition;

typedef enum wh_root_kind {
    WH_ROOT_NONE = 0,
    WH_ROOT_SELECTED, /* named by the user or the spec */
    WH_ROOT_BASE,     /* the spec's base image */
} wh_root_kind;

typedef enum wh_reason_kind {
    WH_REASON_NONE = 0, /* not included */
    WH_REASON_SELECTED,
    WH_REASON_BASE,
    WH_REASON_REQUIRED, /* a file of another component needs one of its files */
    WH_REASON_DECLARED, /* another component's declared Depends names it */
} wh_reason_kind;

/* Why a component is in the composition. */
typedef struct wh_reason {
    wh_reason_kind kind;
    uint32_t by;            /* component that pulled it in, or WH_NONE */
    uint32_t file;          /* file of `by` with the requirement, or WH_NONE */
    uint32_t provider_file; /* file of this component that satisfies it, or WH_NONE */
    uint8_t requirement;    /* wh_requirement_kind, for WH_REASON_REQUIRED */
    const char *name;       /* soname, path or declared package name */
} wh_reason;

/* What the image weighs; each hardlinked inode and each shared path counts once. */
typedef struct wh_totals {
    uint32_t components;
    uint64_t files;      /* entries of every type */
    uint64_t bytes;      /* content of regular files */
    uint64_t compressed; /* estimated gzip layer size, see wh_estimate_compressed */
} wh_totals;

/* wh_unsatisfied.requirement of a declared relation that nothing satisfies. */
#define WH_REQUIREMENT_DECLARED 255

/* A requirement that nothing included or includable satisfies. */
typedef struct wh_unsatisfied {
    uint32_t component;
    uint32_t file;       /* the file that needs it, or WH_NONE for a declared relation */
    uint8_t requirement; /* wh_requirement_kind, or WH_REQUIREMENT_DECLARED */
    int warning;         /* dangling symlinks are warnings, the rest errors */
    const char *name;
} wh_unsatisfied;

/*
 * One requirement between two included components, with the provider the
 * resolution chose: a file requirement (file and provider_file set) or a
 * declared relation (both WH_NONE).
 */
typedef struct wh_choice {
    uint32_t from, to;      /* the component with the requirement, and its provider */
    uint32_t file;          /* file of `from` that needs it, or WH_NONE */
    uint32_t provider_file; /* file of `to` that satisfies it, or WH_NONE */
    uint8_t requirement;    /* wh_requirement_kind, or WH_REQUIREMENT_DECLARED */
    const char *name;       /* soname, path or declared package name */
} wh_choice;

/* Two included components ship the same path with different content. */
typedef struct wh_conflict {
    uint32_t first_file, second_file;
} wh_conflict;

/* The change that toggling one component would make. */
typedef struct wh_impact {
    int selecting;          /* 1: the toggle selects it, 0: it removes it */
    int64_t components;     /* change in the number of included components */
    int64_t files, bytes, compressed;
    uint32_t needed_by;     /* included components that need it (removal only) */
    uint32_t *added, *removed; /* component ids, sorted by name; free with wh_impact_clear */
    uint32_t added_count, removed_count;
} wh_impact;

/* Creates an empty composition over a finished graph; free with wh_composition_free. */
wh_status wh_composition_new(const wh_graph *graph, wh_composition **out, wh_error *err);
/* Frees the composition; accepts NULL. */
void wh_composition_free(wh_composition *composition);

const wh_graph *wh_composition_graph(const wh_composition *composition);

/* ---- Configuration: takes effect at the next wh_composition_resolve ----- */

/* Sets the globs excluded from every component; the strings are copied. */
wh_status wh_composition_set_exclude_paths(wh_composition *composition, const char *const *globs,
                                           size_t count, wh_error *err);

/*
 * Trims one component: when keep_count > 0 only files matching a keep glob
 * (and the directories above them) remain; files matching an exclude glob
 * are dropped. The strings are copied.
 */
wh_status wh_composition_set_trim(wh_composition *composition, uint32_t id,
                                  const char *const *keep, size_t keep_count,
                                  const char *const *exclude, size_t exclude_count, wh_error *err);

/* Follows declared Depends for every component (global) or one of them. */
void wh_composition_set_follow_declared(wh_composition *composition, int follow);
void wh_composition_set_component_follow_declared(wh_composition *composition, uint32_t id,
                                                  int follow);

/* Marks a component as never to be included (the spec's "exclude"). */
void wh_composition_set_excluded(wh_composition *composition, uint32_t id, int excluded);

/* Makes a component a root (or not, with WH_ROOT_NONE). */
void wh_composition_set_root(wh_composition *composition, uint32_t id, wh_root_kind kind);
wh_root_kind wh_composition_root(const wh_composition *composition, uint32_t id);

/* ---- Resolution --------------------------------------------------------- */

/* Recomputes the closure, reasons, totals, unsatisfied requirements and conflicts. */
wh_status wh_composition_resolve(wh_composition *composition, wh_error *err);

/*
 * Deselects a component and resolves. When other included components still
 * need it and cascade is 0, nothing changes: the result is WH_ERR_INVALID
 * naming them. With cascade, the roots that need it are deselected too.
 * *needers (may be NULL) receives the ids of the components that need it;
 * the caller frees it.
 */
wh_status wh_composition_deselect(wh_composition *composition, uint32_t id, int cascade,
                                  uint32_t **needers, uint32_t *needer_count, wh_error *err);

/*
 * Computes what toggling id would change without changing the composition:
 * selects it when it is not included, and otherwise removes it together
 * with the roots that need it. The caller frees out with wh_impact_clear.
 */
wh_status wh_composition_impact(wh_composition *composition, uint32_t id, wh_impact *out,
                                wh_error *err);
void wh_impact_clear(wh_impact *impact);

/* ---- Results of the last resolve ---------------------------------------- */

int wh_composition_included(const wh_composition *composition, uint32_t id);
const wh_reason *wh_composition_reason(const wh_composition *composition, uint32_t id);
/* Included component ids sorted by name; valid until the next resolve. */
const uint32_t *wh_composition_members(const wh_composition *composition, uint32_t *count);
wh_totals wh_composition_totals(const wh_composition *composition);
const wh_unsatisfied *wh_composition_unsatisfied(const wh_composition *composition,
                                                 uint32_t *count);
const wh_conflict *wh_composition_conflicts(const wh_composition *composition, uint32_t *count);
/*
 * Every requirement between included components and its chosen provider,
 * in resolution order, one per distinct requirement of each component.
 */
const wh_choice *wh_composition_choices(const wh_composition *composition, uint32_t *count);

/* Whether a file of an included component remains after trimming. */
int wh_composition_file_kept(const wh_composition *composition, uint32_t file);
/* Union of the flags of a component's remaining files (computed on demand). */
uint32_t wh_composition_component_flags(wh_composition *composition, uint32_t id);
/* Totals of one component's remaining files, as if it were alone. */
wh_totals wh_composition_component_totals(wh_composition *composition, uint32_t id);

/*
 * Returns the included components that need id (an edge of the last
 * resolve leads to it), sorted by name. The caller frees *out.
 */
wh_status wh_composition_needers(const wh_composition *composition, uint32_t id, uint32_t **out,
                                 uint32_t *count, wh_error *err);

/*
 * Estimated gzip-compressed bytes of one file in a tar layer: a header and
 * the content times a ratio by file class. An estimate, not a measurement.
 */
uint64_t wh_estimate_compressed(const wh_graph_file *file);

#endif
