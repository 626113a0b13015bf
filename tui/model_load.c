/* Loading the component graph of a catalog for the composer. */
#include "model_internal.h"

#include <stdlib.h>
#include <string.h>

static int has_capability_xattr(const whc_file *file)
{
    for (size_t i = 0; i < file->xattr_count; i++)
        if (strcmp(file->xattr_names[i], "security.capability") == 0)
            return 1;
    return 0;
}

static wh_status add_component(whc_catalog *catalog, wh_graph *graph,
                               const whc_component *component, wh_error *err)
{
    wh_status result;
    whc_file *files = NULL;
    whc_relation *relations = NULL;
    size_t file_count = 0, relation_count = 0;

    wh_component_input input = {
        .name = component->name,
        .version = component->version,
        .architecture = component->architecture,
        .kind = component->kind,
        .origin_sha256 = component->origin_sha256,
        .scheme = component->origin_format && strcmp(component->origin_format, "apk") == 0
                      ? WH_SCHEME_APK
                      : WH_SCHEME_DEBIAN,
    };
    result = wh_graph_add_component(graph, &input, NULL, err);
    if (result != WH_OK)
        goto out;

    result = whc_component_files(catalog, component->id, &files, &file_count, err);
    if (result != WH_OK)
        goto out;
    for (size_t i = 0; i < file_count; i++) {
        const whc_file *file = &files[i];
        wh_file_input file_input = {
            .path = file->path,
            .type = file->type,
            .mode = file->mode,
            .uid = file->uid,
            .gid = file->gid,
            .size = file->size,
            .sha256 = file->sha256,
            .target = file->target,
            .has_capabilities = has_capability_xattr(file),
            .classification = &file->classification,
        };
        result = wh_graph_add_file(graph, &file_input, err);
        if (result != WH_OK)
            goto out;
    }

    result = whc_component_relations(catalog, component->id, &relations, &relation_count, err);
    if (result != WH_OK)
        goto out;
    for (size_t i = 0; i < relation_count; i++) {
        wh_relation_input relation = {
            .kind = (wh_relation_kind)relations[i].kind,
            .group = relations[i].group,
            .alternative = relations[i].alternative,
            .name = relations[i].name,
            .op = relations[i].op,
            .version = relations[i].version,
        };
        result = wh_graph_add_relation(graph, &relation, err);
        if (result != WH_OK)
            goto out;
    }

out:
    whc_files_free(files, file_count);
    whc_relations_free(relations, relation_count);
    return result;
}

/*
 * NOTE: catalog/graph_load is meant to own this conversion; the composer
 * should call it instead once that API exists, so both load the same graph.
 */
wh_status tui_model_load_graph(whc_catalog *catalog, wh_graph **out, wh_error *err)
{
    wh_status result;
    wh_graph *graph = NULL;
    whc_component *components = NULL;
    size_t count = 0;

    result = wh_graph_new(&graph, err);
    if (result != WH_OK)
        goto out;
    result = whc_list_components(catalog, -1, &components, &count, err);
    if (result != WH_OK)
        goto out;
    for (size_t i = 0; i < count; i++) {
        result = add_component(catalog, graph, &components[i], err);
        if (result != WH_OK)
            goto out;
    }
    result = wh_graph_finish(graph, err);
    if (result != WH_OK)
        goto out;

    *out = graph;
    graph = NULL;

out:
    whc_components_free(components, count);
    wh_graph_free(graph);
    return result;
}
