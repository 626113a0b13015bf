/* The composition handle: configuration, toggles, impact and results. */
#include "compose_internal.h"

#include <stdlib.h>
#include <string.h>

#include "glob.h"
#include "graph_internal.h"

static int compare_names(const void *a, const void *b, void *context)
{
    const wh_graph *graph = context;
    const char *na = wh_graph_component_at(graph, *(const uint32_t *)a)->name;
    const char *nb = wh_graph_component_at(graph, *(const uint32_t *)b)->name;
    int order = strcmp(na, nb);
    if (order != 0)
        return order;
    return (*(const uint32_t *)a > *(const uint32_t *)b) - (*(const uint32_t *)a < *(const uint32_t *)b);
}

wh_status wh_composition_new(const wh_graph *graph, wh_composition **out, wh_error *err)
{
    wh_status result = WH_ERR_NOMEM;
    uint32_t n = wh_graph_component_count(graph);
    size_t slots = n ? n : 1;
    wh_composition *c = calloc(1, sizeof(*c));

    *out = NULL;
    if (c == NULL)
        goto out;
    c->graph = graph;
    c->component_count = n;
    c->roots = calloc(slots, 1);
    c->excluded = calloc(slots, 1);
    c->follow = malloc(slots);
    c->rank = malloc(slots * sizeof(*c->rank));
    c->by_name = malloc(slots * sizeof(*c->by_name));
    c->trims = calloc(slots, sizeof(*c->trims));
    c->aggregates = calloc(slots, sizeof(*c->aggregates));
    c->kept = calloc(wh_graph_file_count(graph) ? wh_graph_file_count(graph) : 1, 1);
    if (!c->roots || !c->excluded || !c->follow || !c->rank || !c->by_name || !c->trims
        || !c->aggregates || !c->kept)
        goto out;
    if (wh_closure_init(&c->current, n) != WH_OK || wh_closure_init(&c->scratch, n) != WH_OK)
        goto out;

    memset(c->follow, -1, slots);
    for (uint32_t i = 0; i < n; i++)
        c->by_name[i] = i;
    qsort_r(c->by_name, n, sizeof(uint32_t), compare_names, (void *)graph);
    for (uint32_t i = 0; i < n; i++)
        c->rank[c->by_name[i]] = i;

    *out = c;
    c = NULL;
    result = WH_OK;

out:
    wh_composition_free(c);
    if (result != WH_OK)
        wh_error_set(err, result, "out of memory creating a composition");
    return result;
}

static void free_strings(char **strings, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(strings[i]);
    free(strings);
}

void wh_composition_free(wh_composition *c)
{
    if (c == NULL)
        return;
    if (c->aggregates != NULL)
        wh_aggregate_free_all(c);
    if (c->trims != NULL) {
        for (uint32_t i = 0; i < c->component_count; i++) {
            free_strings(c->trims[i].keep, c->trims[i].keep_count);
            free_strings(c->trims[i].exclude, c->trims[i].exclude_count);
        }
    }
    free_strings(c->exclude_paths, c->exclude_path_count);
    wh_closure_release(&c->current);
    wh_closure_release(&c->scratch);
    free(c->roots);
    free(c->excluded);
    free(c->follow);
    free(c->rank);
    free(c->by_name);
    free(c->trims);
    free(c->aggregates);
    free(c->kept);
    free(c);
}

const wh_graph *wh_composition_graph(const wh_composition *c)
{
    return c->graph;
}

/* Copies and validates globs into *out; leaves *out unchanged on failure. */
static wh_status copy_globs(const char *const *globs, size_t count, char ***out, size_t *out_count,
                            wh_error *err)
{
    for (size_t i = 0; i < count; i++) {
        wh_status status = wh_glob_validate(globs[i], err);
        if (status != WH_OK)
            return status;
    }

    char **copy = count ? calloc(count, sizeof(*copy)) : NULL;
    if (count && copy == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory copying path patterns");
    for (size_t i = 0; i < count; i++) {
        copy[i] = strdup(globs[i]);
        if (copy[i] == NULL) {
            free_strings(copy, i);
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory copying path patterns");
        }
    }

    free_strings(*out, *out_count);
    *out = copy;
    *out_count = count;
    return WH_OK;
}

wh_status wh_composition_set_exclude_paths(wh_composition *c, const char *const *globs,
                                           size_t count, wh_error *err)
{
    wh_status result = copy_globs(globs, count, &c->exclude_paths, &c->exclude_path_count, err);
    if (result == WH_OK)
        wh_aggregate_invalidate(c, WH_NONE);
    return result;
}

wh_status wh_composition_set_trim(wh_composition *c, uint32_t id, const char *const *keep,
                                  size_t keep_count, const char *const *exclude,
                                  size_t exclude_count, wh_error *err)
{
    if (id >= c->component_count)
        return wh_error_set(err, WH_ERR_INVALID, "component index %u is out of range", id);

    trim *t = &c->trims[id];
    wh_status result = copy_globs(keep, keep_count, &t->keep, &t->keep_count, err);
    if (result == WH_OK)
        result = copy_globs(exclude, exclude_count, &t->exclude, &t->exclude_count, err);
    wh_aggregate_invalidate(c, id);
    return result;
}

void wh_composition_set_follow_declared(wh_composition *c, int follow)
{
    c->follow_all = follow != 0;
}

void wh_composition_set_component_follow_declared(wh_composition *c, uint32_t id, int follow)
{
    if (id < c->component_count)
        c->follow[id] = (int8_t)(follow != 0);
}

void wh_composition_set_excluded(wh_composition *c, uint32_t id, int excluded)
{
    if (id < c->component_count)
        c->excluded[id] = excluded != 0;
}

void wh_composition_set_root(wh_composition *c, uint32_t id, wh_root_kind kind)
{
    if (id < c->component_count)
        c->roots[id] = (uint8_t)kind;
}

wh_root_kind wh_composition_root(const wh_composition *c, uint32_t id)
{
    return id < c->component_count ? (wh_root_kind)c->roots[id] : WH_ROOT_NONE;
}

/* Makes the scratch closure the current one. */
static void commit_scratch(wh_composition *c)
{
    closure swap = c->current;
    c->current = c->scratch;
    c->scratch = swap;
}

wh_status wh_composition_resolve(wh_composition *c, wh_error *err)
{
    wh_status result = wh_closure_compute(c, &c->scratch, WH_NONE, 0, err);
    if (result == WH_OK)
        commit_scratch(c);
    return result;
}
