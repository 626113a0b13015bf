/* Deselecting with the components that need it, and the impact of a toggle. */
#include "compose_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare_rank(const void *a, const void *b, void *context)
{
    const wh_composition *composition = context;
    uint32_t ra = composition->rank[*(const uint32_t *)a];
    uint32_t rb = composition->rank[*(const uint32_t *)b];
    return (ra > rb) - (ra < rb);
}

/* Collects the distinct `from` of links to id in c, sorted by name. */
static wh_status needers_in(const wh_composition *composition, const closure *c, uint32_t id,
                            uint32_t **out, uint32_t *count)
{
    uint32_t *list = malloc((c->link_count ? c->link_count : 1) * sizeof(*list));
    if (list == NULL)
        return WH_ERR_NOMEM;

    uint32_t n = 0;
    for (uint32_t i = 0; i < c->link_count; i++) {
        if (c->links[i].to == id)
            list[n++] = c->links[i].from;
    }
    qsort_r(list, n, sizeof(*list), compare_rank, (void *)composition);
    uint32_t unique = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (unique == 0 || list[unique - 1] != list[i])
            list[unique++] = list[i];
    }

    *out = list;
    *count = unique;
    return WH_OK;
}

wh_status wh_composition_needers(const wh_composition *composition, uint32_t id, uint32_t **out,
                                 uint32_t *count, wh_error *err)
{
    if (needers_in(composition, &composition->current, id, out, count) != WH_OK)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory listing who needs a component");
    return WH_OK;
}

/*
 * Marks in `reach` every member of c from which id can be reached along
 * links (id included). Returns -1 when out of memory.
 */
static int reverse_reach(const wh_composition *composition, const closure *c, uint32_t id,
                         uint8_t *reach)
{
    uint32_t *queue = malloc((composition->component_count + 1) * sizeof(*queue));
    if (queue == NULL)
        return -1;
    uint32_t head = 0, tail = 0;
    reach[id] = 1;
    queue[tail++] = id;
    while (head < tail) {
        uint32_t target = queue[head++];
        for (uint32_t i = 0; i < c->link_count; i++) {
            if (c->links[i].to == target && !reach[c->links[i].from]) {
                reach[c->links[i].from] = 1;
                queue[tail++] = c->links[i].from;
            }
        }
    }
    free(queue);
    return 0;
}

/*
 * Clears the root of every component that reaches id in the current
 * closure; saved[] receives the previous root kinds so they can be restored.
 */
static int clear_roots_reaching(wh_composition *composition, uint32_t id, uint8_t *saved)
{
    uint8_t *reach = calloc(composition->component_count, 1);
    if (reach == NULL || reverse_reach(composition, &composition->current, id, reach) != 0) {
        free(reach);
        return -1;
    }
    memcpy(saved, composition->roots, composition->component_count);
    for (uint32_t i = 0; i < composition->component_count; i++) {
        if (reach[i])
            composition->roots[i] = WH_ROOT_NONE;
    }
    free(reach);
    return 0;
}

static void name_needers(const wh_composition *composition, const uint32_t *needers,
                         uint32_t count, char *out, size_t out_size)
{
    size_t used = 0;
    out[0] = '\0';
    for (uint32_t i = 0; i < count && used < out_size; i++) {
        const char *name = wh_graph_component_at(composition->graph, needers[i])->name;
        used += (size_t)snprintf(out + used, out_size - used, "%s%s", i ? ", " : "", name);
    }
}

wh_status wh_composition_deselect(wh_composition *composition, uint32_t id, int cascade,
                                  uint32_t **needers, uint32_t *needer_count, wh_error *err)
{
    wh_status result = WH_OK;
    uint32_t *list = NULL;
    uint32_t count = 0;
    uint8_t *saved = NULL;

    if (id >= composition->component_count)
        return wh_error_set(err, WH_ERR_INVALID, "component index %u is out of range", id);
    if (needers != NULL)
        *needers = NULL;
    if (needer_count != NULL)
        *needer_count = 0;

    if (needers_in(composition, &composition->current, id, &list, &count) != WH_OK) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory deselecting a component");
        goto out;
    }

    if (count > 0 && !cascade) {
        char names[512];
        name_needers(composition, list, count, names, sizeof(names));
        result = wh_error_set(err, WH_ERR_INVALID,
                              "'%s' is still needed by %s: deselect those too, or keep it",
                              wh_graph_component_at(composition->graph, id)->name, names);
        goto out;
    }

    saved = malloc(composition->component_count ? composition->component_count : 1);
    if (saved == NULL || clear_roots_reaching(composition, id, saved) != 0) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory deselecting a component");
        goto out;
    }
    result = wh_composition_resolve(composition, err);
    if (result != WH_OK)
        memcpy(composition->roots, saved, composition->component_count);

out:
    if (needers != NULL) {
        *needers = list;
        list = NULL;
    }
    if (needer_count != NULL)
        *needer_count = count;
    free(list);
    free(saved);
    return result;
}

static wh_status list_difference(const closure *a, const closure *b, uint32_t **out,
                                 uint32_t *count)
{
    uint32_t n = 0;
    *out = malloc((a->member_count ? a->member_count : 1) * sizeof(**out));
    if (*out == NULL)
        return WH_ERR_NOMEM;
    for (uint32_t i = 0; i < a->member_count; i++) {
        if (!b->included[a->members[i]])
            (*out)[n++] = a->members[i];
    }
    *count = n;
    return WH_OK;
}

wh_status wh_composition_impact(wh_composition *composition, uint32_t id, wh_impact *out,
                                wh_error *err)
{
    wh_status result = WH_OK;
    uint8_t *saved = NULL;
    closure *now = &composition->current;
    closure *then = &composition->scratch;

    memset(out, 0, sizeof(*out));
    if (id >= composition->component_count)
        return wh_error_set(err, WH_ERR_INVALID, "component index %u is out of range", id);

    out->selecting = !now->included[id];
    if (out->selecting) {
        result = wh_closure_compute(composition, then, id, WH_ROOT_SELECTED, err);
    } else {
        uint32_t *list = NULL;
        saved = malloc(composition->component_count);
        if (saved == NULL || needers_in(composition, now, id, &list, &out->needed_by) != WH_OK
            || clear_roots_reaching(composition, id, saved) != 0) {
            free(list);
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory computing an impact");
            goto out;
        }
        free(list);
        result = wh_closure_compute(composition, then, WH_NONE, 0, err);
        memcpy(composition->roots, saved, composition->component_count);
    }
    if (result != WH_OK)
        goto out;

    out->components = (int64_t)then->totals.components - (int64_t)now->totals.components;
    out->files = (int64_t)then->totals.files - (int64_t)now->totals.files;
    out->bytes = (int64_t)then->totals.bytes - (int64_t)now->totals.bytes;
    out->compressed = (int64_t)then->totals.compressed - (int64_t)now->totals.compressed;
    if (list_difference(then, now, &out->added, &out->added_count) != WH_OK
        || list_difference(now, then, &out->removed, &out->removed_count) != WH_OK) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory computing an impact");
        goto out;
    }

out:
    free(saved);
    if (result != WH_OK)
        wh_impact_clear(out);
    return result;
}

void wh_impact_clear(wh_impact *impact)
{
    if (impact == NULL)
        return;
    free(impact->added);
    free(impact->removed);
    memset(impact, 0, sizeof(*impact));
}

/* ---- Results ------------------------------------------------------------ */

int wh_composition_included(const wh_composition *c, uint32_t id)
{
    return id < c->component_count && c->current.included[id];
}

const wh_reason *wh_composition_reason(const wh_composition *c, uint32_t id)
{
    return id < c->component_count ? &c->current.reasons[id] : NULL;
}

const uint32_t *wh_composition_members(const wh_composition *c, uint32_t *count)
{
    *count = c->current.member_count;
    return c->current.members;
}

wh_totals wh_composition_totals(const wh_composition *c)
{
    return c->current.totals;
}

const wh_unsatisfied *wh_composition_unsatisfied(const wh_composition *c, uint32_t *count)
{
    *count = c->current.unsatisfied_count;
    return c->current.unsatisfied;
}

const wh_conflict *wh_composition_conflicts(const wh_composition *c, uint32_t *count)
{
    *count = c->current.conflict_count;
    return c->current.conflicts;
}

const wh_choice *wh_composition_choices(const wh_composition *c, uint32_t *count)
{
    *count = c->current.link_count;
    return c->current.links;
}

int wh_composition_file_kept(const wh_composition *c, uint32_t file)
{
    return file < wh_graph_file_count(c->graph) && c->kept[file];
}

uint32_t wh_composition_component_flags(wh_composition *c, uint32_t id)
{
    const aggregate *a = id < c->component_count ? wh_aggregate(c, id) : NULL;
    return a ? a->flags : 0;
}

wh_totals wh_composition_component_totals(wh_composition *c, uint32_t id)
{
    wh_totals none = { 0 };
    const aggregate *a = id < c->component_count ? wh_aggregate(c, id) : NULL;
    return a ? a->totals : none;
}
