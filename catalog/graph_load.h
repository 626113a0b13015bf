/*
 * Loading the whole catalog into a core component graph, in four bulk
 * queries (components, files, DT_NEEDED lists, relations) merged in order.
 */
#ifndef WHC_GRAPH_LOAD_H
#define WHC_GRAPH_LOAD_H

#include "../core/graph.h"
#include "catalog.h"

/*
 * Adds every component of the catalog, with its files and relations, to an
 * unfinished graph. The caller may add more components (local files) and
 * then calls wh_graph_finish.
 */
wh_status whc_graph_load(whc_catalog *catalog, wh_graph *graph, wh_error *err);

#endif
