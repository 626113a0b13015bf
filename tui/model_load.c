/* Loading the component graph of a catalog for the composer. */
#include "model_internal.h"

#include "../catalog/graph_load.h"

wh_status tui_model_load_graph(whc_catalog *catalog, wh_graph **out, wh_error *err)
{
    wh_graph *graph = NULL;
    wh_status result = wh_graph_new(&graph, err);
    if (result == WH_OK)
        result = whc_graph_load(catalog, graph, err);
    if (result == WH_OK)
        result = wh_graph_finish(graph, err);
    if (result != WH_OK) {
        wh_graph_free(graph);
        return result;
    }
    *out = graph;
    return WH_OK;
}
