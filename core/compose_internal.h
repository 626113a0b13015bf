/* Parts of the composition shared by compose.c, closure.c and trim.c only. */
#ifndef WH_COMPOSE_INTERNAL_H
#define WH_COMPOSE_INTERNAL_H

#include "compose.h"

/* One distinct requirement of a component's remaining files. */
typedef struct edge {
    const wh_requirement *requirement;
    uint32_t file; /* the first remaining file with it */
} edge;

/* A component's remaining files, summarised once per trim setting. */
typedef struct aggregate {
    int valid;
    uint32_t flags;
    wh_totals totals;
    edge *edges;
    uint32_t edge_count;
    uint32_t *shared; /* remaining files whose path another component also ships */
    uint32_t shared_count;
} aggregate;

typedef struct trim {
    char **keep;
    size_t keep_count;
    char **exclude;
    size_t exclude_count;
} trim;

/* The result of one resolution. */
typedef struct closure {
    uint8_t *included;
    wh_reason *reasons;
    uint32_t *members;
    uint32_t member_count;
    wh_choice *links;
    uint32_t link_count, link_capacity;
    wh_unsatisfied *unsatisfied;
    uint32_t unsatisfied_count, unsatisfied_capacity;
    wh_conflict *conflicts;
    uint32_t conflict_count, conflict_capacity;
    wh_totals totals;
} closure;

struct wh_composition {
    const wh_graph *graph;
    uint32_t component_count;

    uint8_t *roots;     /* wh_root_kind per component */
    uint8_t *excluded;
    int8_t *follow;     /* -1 unset, 0 or 1 per component */
    int follow_all;
    uint32_t *rank;     /* position of each component in name order */
    uint32_t *by_name;  /* component ids in name order */

    char **exclude_paths;
    size_t exclude_path_count;
    trim *trims;
    uint8_t *kept;      /* per file; valid for components whose aggregate is valid */
    aggregate *aggregates;

    closure current, scratch;
};

/* Computes (once per trim setting) which files of id remain and their summary. */
const aggregate *wh_aggregate(wh_composition *composition, uint32_t id);
/* Drops the summary of one component, or of all with WH_NONE. */
void wh_aggregate_invalidate(wh_composition *composition, uint32_t id);
void wh_aggregate_free_all(wh_composition *composition);

/*
 * Resolves into out from the composition's roots, with override_id (unless
 * WH_NONE) taking the root kind override_root.
 */
wh_status wh_closure_compute(wh_composition *composition, closure *out, uint32_t override_id,
                             uint8_t override_root, wh_error *err);
wh_status wh_closure_init(closure *c, uint32_t component_count);
void wh_closure_release(closure *c);

/* True when two files at the same path have the same content. */
int wh_same_content(const wh_graph_file *a, const wh_graph_file *b);

#endif
