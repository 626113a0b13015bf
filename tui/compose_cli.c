#include "compose_cli.h"

#include <stdio.h>
#include <string.h>

int cli_composition_open(cli_globals *globals, const char *spec_path, cli_composition *out)
{
    wh_error err = { 0 };
    memset(out, 0, sizeof(*out));

    if (wh_spec_load(spec_path, &out->spec, &err) != WH_OK)
        return cli_report(&err);

    int code = cli_open_catalog(globals, &out->catalog);
    if (code != CLI_EXIT_OK)
        return code;

    if (whc_spec_session_open(out->catalog, out->spec, &out->session, &err) != WH_OK)
        return cli_report(&err);
    out->graph = out->session->graph;
    out->composition = out->session->composition;
    out->context = out->session->context;
    return CLI_EXIT_OK;
}

void cli_composition_close(cli_composition *c)
{
    whc_spec_session_close(c->session);
    whc_close(c->catalog);
    wh_spec_free(c->spec);
    memset(c, 0, sizeof(*c));
}

int cli_composition_policy(const cli_composition *c, const char *override, wh_policy **out)
{
    wh_error err = { 0 };
    if (whc_spec_session_policy(c->session, override, out, &err) != WH_OK)
        return cli_report(&err);
    return CLI_EXIT_OK;
}

uint32_t cli_find_component(const cli_composition *c, const char *name)
{
    uint32_t id = wh_graph_find(c->graph, name);
    if (id == WH_NONE)
        cli_error("unknown component '%s': run 'whittle catalog list' for the names in the catalog",
                  name);
    return id;
}

void cli_describe_reason(const cli_composition *c, uint32_t id, char *out, size_t size)
{
    const wh_reason *reason = wh_composition_reason(c->composition, id);
    const char *by = reason->by != WH_NONE ? wh_graph_component_at(c->graph, reason->by)->name : "";

    switch (reason->kind) {
    case WH_REASON_SELECTED:
        snprintf(out, size, "selected");
        break;
    case WH_REASON_BASE:
        snprintf(out, size, "base image");
        break;
    case WH_REASON_REQUIRED:
        snprintf(out, size, "required by %s: %s needs %s %s", by,
                 wh_graph_file_at(c->graph, reason->file)->path,
                 wh_requirement_kind_label((wh_requirement_kind)reason->requirement), reason->name);
        break;
    case WH_REASON_DECLARED:
        snprintf(out, size, "declared by %s: Depends on %s", by, reason->name);
        break;
    default:
        snprintf(out, size, "not included");
        break;
    }
}
