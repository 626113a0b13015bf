/*
 * One resolution: the walk from the roots along requirement edges, then the
 * totals with shared paths counted once, and the conflicts between them.
 */
#include "compose_internal.h"

#include <stdlib.h>
#include <string.h>

#include "graph_internal.h"
#include "version.h"

wh_status wh_closure_init(closure *c, uint32_t component_count)
{
    memset(c, 0, sizeof(*c));
    c->included = calloc(component_count ? component_count : 1, sizeof(*c->included));
    c->reasons = calloc(component_count ? component_count : 1, sizeof(*c->reasons));
    c->members = malloc((component_count ? component_count : 1) * sizeof(*c->members));
    if (c->included == NULL || c->reasons == NULL || c->members == NULL)
        return WH_ERR_NOMEM;
    return WH_OK;
}

void wh_closure_release(closure *c)
{
    free(c->included);
    free(c->reasons);
    free(c->members);
    free(c->links);
    free(c->unsatisfied);
    free(c->conflicts);
    memset(c, 0, sizeof(*c));
}

/* Clears what the previous resolution into c set, touching only its members. */
static void reset(closure *c)
{
    for (uint32_t i = 0; i < c->member_count; i++) {
        c->included[c->members[i]] = 0;
        memset(&c->reasons[c->members[i]], 0, sizeof(wh_reason));
    }
    c->member_count = 0;
    c->link_count = 0;
    c->unsatisfied_count = 0;
    c->conflict_count = 0;
    memset(&c->totals, 0, sizeof(c->totals));
}

static void include(closure *c, uint32_t id, const wh_reason *reason)
{
    c->included[id] = 1;
    c->reasons[id] = *reason;
    c->members[c->member_count++] = id;
}

static int add_link(closure *c, const wh_choice *choice)
{
    if (wh_grow_array((void **)&c->links, &c->link_capacity, c->link_count + 1,
                      sizeof(wh_choice)) != 0)
        return -1;
    c->links[c->link_count++] = *choice;
    return 0;
}

static int add_unsatisfied(closure *c, uint32_t component, uint32_t file, uint8_t requirement,
                           const char *name)
{
    if (wh_grow_array((void **)&c->unsatisfied, &c->unsatisfied_capacity, c->unsatisfied_count + 1,
                      sizeof(wh_unsatisfied)) != 0)
        return -1;
    wh_unsatisfied *u = &c->unsatisfied[c->unsatisfied_count++];
    u->component = component;
    u->file = file;
    u->requirement = requirement;
    u->warning = requirement == WH_REQ_SYMLINK;
    u->name = name;
    return 0;
}

/*
 * Picks the provider file for one requirement of component self: a file of
 * self itself, else one of an included component, else the first by name.
 * Returns WH_NONE when no remaining file of an includable component fits.
 */
static uint32_t choose_provider(wh_composition *composition, const closure *c, uint32_t self,
                                const wh_providers *providers, int *pending_nomem)
{
    const wh_graph *graph = composition->graph;
    uint32_t included = WH_NONE, first = WH_NONE;

    for (uint32_t i = 0; i < providers->count; i++) {
        uint32_t f = providers->files[i];
        uint32_t component = wh_graph_file_at(graph, f)->component;
        if (composition->excluded[component])
            continue;
        if (wh_aggregate(composition, component) == NULL) {
            *pending_nomem = 1;
            return WH_NONE;
        }
        if (!composition->kept[f])
            continue;
        if (component == self)
            return f;
        if (included == WH_NONE && c->included[component])
            included = f;
        if (first == WH_NONE)
            first = f;
    }
    return included != WH_NONE ? included : first;
}

static wh_status follow_requirements(wh_composition *composition, closure *c, uint32_t id,
                                     const aggregate *a)
{
    const wh_graph *graph = composition->graph;
    for (uint32_t e = 0; e < a->edge_count; e++) {
        const wh_requirement *requirement = a->edges[e].requirement;
        int nomem = 0;
        uint32_t f = choose_provider(composition, c, id, requirement->providers, &nomem);
        if (nomem)
            return WH_ERR_NOMEM;

        if (f == WH_NONE) {
            if (add_unsatisfied(c, id, a->edges[e].file, requirement->kind, requirement->name) != 0)
                return WH_ERR_NOMEM;
            continue;
        }

        uint32_t provider = wh_graph_file_at(graph, f)->component;
        if (provider == id)
            continue;
        if (!c->included[provider]) {
            wh_reason reason = { WH_REASON_REQUIRED, id, a->edges[e].file, f, requirement->kind,
                                 requirement->name };
            include(c, provider, &reason);
        }
        wh_choice choice = { id, provider, a->edges[e].file, f, requirement->kind, requirement->name };
        if (add_link(c, &choice) != 0)
            return WH_ERR_NOMEM;
    }
    return WH_OK;
}

/* Returns a component that provides name satisfying op/version, preferring included ones. */
static uint32_t declared_provider(wh_composition *composition, const closure *c, uint32_t self,
                                  const wh_graph_relation *relation)
{
    const wh_graph *graph = composition->graph;
    const wh_graph_component *depender = wh_graph_component_at(graph, self);
    int (*compare)(const char *, const char *) =
        depender->scheme == WH_SCHEME_APK ? wh_version_compare_apk : wh_version_compare_debian;
    uint32_t included = WH_NONE, first = WH_NONE;

    for (uint32_t p = wh_graph_first_provider(graph, relation->name); p != WH_NONE;) {
        const provide_entry *entry = wh_graph_provide_at(graph, p);
        p = entry->next;
        if (composition->excluded[entry->component])
            continue;
        if (relation->op != NULL) {
            if (entry->version == NULL
                || wh_version_satisfies(compare, entry->version, relation->op, relation->version) != 1)
                continue;
        }
        if (entry->component == self || c->included[entry->component]) {
            if (included == WH_NONE
                || composition->rank[entry->component] < composition->rank[included])
                included = entry->component;
        } else if (first == WH_NONE || composition->rank[entry->component] < composition->rank[first]) {
            first = entry->component;
        }
    }
    return included != WH_NONE ? included : first;
}

static int follows_declared(const wh_composition *composition, uint32_t id)
{
    if (wh_graph_component_at(composition->graph, id)->kind == WH_KIND_BASE)
        return 1;
    if (composition->follow[id] >= 0)
        return composition->follow[id];
    return composition->follow_all;
}

/* Follows Depends and Pre-Depends: per clause, the first alternative that someone provides. */
static wh_status follow_declared(wh_composition *composition, closure *c, uint32_t id)
{
    const wh_graph *graph = composition->graph;
    const wh_graph_component *component = wh_graph_component_at(graph, id);
    uint32_t end = component->first_relation + component->relation_count;

    for (uint32_t r = component->first_relation; r < end;) {
        const wh_graph_relation *clause = wh_graph_relation_at(graph, r);
        uint32_t next = r;
        while (next < end && wh_graph_relation_at(graph, next)->kind == clause->kind
               && wh_graph_relation_at(graph, next)->group == clause->group)
            next++;
        if (clause->kind != WH_REL_DEPENDS && clause->kind != WH_REL_PRE_DEPENDS) {
            r = next;
            continue;
        }

        /* An alternative already satisfied by an included component wins over pulling one in. */
        uint32_t chosen = WH_NONE;
        const wh_graph_relation *chosen_relation = NULL;
        for (uint32_t a = r; a < next; a++) {
            const wh_graph_relation *alternative = wh_graph_relation_at(graph, a);
            uint32_t provider = declared_provider(composition, c, id, alternative);
            if (provider == WH_NONE)
                continue;
            if (provider == id || c->included[provider]) {
                chosen = provider;
                chosen_relation = alternative;
                break;
            }
            if (chosen == WH_NONE) {
                chosen = provider;
                chosen_relation = alternative;
            }
        }

        if (chosen == WH_NONE) {
            if (add_unsatisfied(c, id, WH_NONE, WH_REQUIREMENT_DECLARED, clause->name) != 0)
                return WH_ERR_NOMEM;
        } else if (chosen != id) {
            if (!c->included[chosen]) {
                wh_reason reason = { WH_REASON_DECLARED, id, WH_NONE, WH_NONE, WH_REQUIREMENT_DECLARED,
                                     chosen_relation->name };
                include(c, chosen, &reason);
            }
            wh_choice choice = { id, chosen, WH_NONE, WH_NONE, WH_REQUIREMENT_DECLARED,
                                 chosen_relation->name };
            if (add_link(c, &choice) != 0)
                return WH_ERR_NOMEM;
        }
        r = next;
    }
    return WH_OK;
}

static void subtract(wh_totals *totals, const wh_graph_file *file)
{
    totals->files--;
    totals->bytes -= (uint64_t)file->size;
    totals->compressed -= wh_estimate_compressed(file);
}

static int add_conflict(closure *c, uint32_t first, uint32_t second)
{
    if (wh_grow_array((void **)&c->conflicts, &c->conflict_capacity, c->conflict_count + 1,
                      sizeof(wh_conflict)) != 0)
        return -1;
    c->conflicts[c->conflict_count].first_file = first;
    c->conflicts[c->conflict_count].second_file = second;
    c->conflict_count++;
    return 0;
}

/*
 * Sums the members' totals. A path shipped by several members is in the
 * image once, so later members (by name) drop their copy. Different content
 * at one path is a conflict.
 */
static wh_status sum_totals(wh_composition *composition, closure *c)
{
    const wh_graph *graph = composition->graph;
    for (uint32_t m = 0; m < c->member_count; m++) {
        uint32_t id = c->members[m];
        const aggregate *a = &composition->aggregates[id];
        c->totals.components++;
        c->totals.files += a->totals.files;
        c->totals.bytes += a->totals.bytes;
        c->totals.compressed += a->totals.compressed;

        for (uint32_t s = 0; s < a->shared_count; s++) {
            const wh_graph_file *file = wh_graph_file_at(graph, a->shared[s]);
            for (uint32_t g = wh_graph_lookup(graph, file->path); g != WH_NONE;
                 g = wh_graph_file_at(graph, g)->same_path_next) {
                const wh_graph_file *other = wh_graph_file_at(graph, g);
                if (g == a->shared[s] || !c->included[other->component] || !composition->kept[g]
                    || composition->rank[other->component] > composition->rank[id])
                    continue;
                subtract(&c->totals, file);
                if (!wh_same_content(other, file) && add_conflict(c, g, a->shared[s]) != 0)
                    return WH_ERR_NOMEM;
                break;
            }
        }
    }
    return WH_OK;
}

static int compare_rank(const void *a, const void *b, void *context)
{
    const wh_composition *composition = context;
    uint32_t ra = composition->rank[*(const uint32_t *)a];
    uint32_t rb = composition->rank[*(const uint32_t *)b];
    return (ra > rb) - (ra < rb);
}

wh_status wh_closure_compute(wh_composition *composition, closure *out, uint32_t override_id,
                             uint8_t override_root, wh_error *err)
{
    reset(out);

    /* Roots first, in name order, so "already included" covers every root. */
    for (uint32_t i = 0; i < composition->component_count; i++) {
        uint32_t id = composition->by_name[i];
        uint8_t root = id == override_id ? override_root : composition->roots[id];
        if (root == WH_ROOT_NONE || composition->excluded[id])
            continue;
        wh_reason reason = { root == WH_ROOT_BASE ? WH_REASON_BASE : WH_REASON_SELECTED,
                             WH_NONE, WH_NONE, WH_NONE, 0, NULL };
        include(out, id, &reason);
    }

    /* Breadth first: members[] doubles as the queue. */
    for (uint32_t next = 0; next < out->member_count; next++) {
        uint32_t id = out->members[next];
        const aggregate *a = wh_aggregate(composition, id);
        if (a == NULL || follow_requirements(composition, out, id, a) != WH_OK
            || (follows_declared(composition, id) && follow_declared(composition, out, id) != WH_OK))
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory resolving the composition");
    }

    qsort_r(out->members, out->member_count, sizeof(uint32_t), compare_rank, composition);
    if (sum_totals(composition, out) != WH_OK)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory resolving the composition");
    return WH_OK;
}
