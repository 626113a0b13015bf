/* `whittle resolve SPEC`: the closure with reasons and totals, or the impact of one toggle. */
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "compose_cli.h"

static void print_help(FILE *out)
{
    fputs("Usage: whittle resolve SPEC [--json] [--toggle NAME] [--catalog PATH]\n"
          "Resolve a spec against the catalog: every component in the image with the\n"
          "reason it is there, requirements nothing satisfies, conflicting paths, and\n"
          "the totals (files, bytes of file content, estimated compressed layer bytes).\n"
          "\n"
          "Options:\n"
          "  --toggle NAME   show what toggling component NAME would change instead:\n"
          "                  selecting it when it is not in the image, else removing it\n"
          "                  with the selected components that need it\n"
          "  --json          write JSON instead of text\n"
          "  --catalog PATH  catalog database to use\n"
          "  -h, --help      show this help\n"
          "\n"
          "Exit status: 0 resolved, 2 invalid spec, unknown component or failure.\n",
          out);
}

static const char *reason_kind_name(wh_reason_kind kind)
{
    switch (kind) {
    case WH_REASON_SELECTED: return "selected";
    case WH_REASON_BASE: return "base";
    case WH_REASON_REQUIRED: return "required";
    case WH_REASON_DECLARED: return "declared";
    default: return "none";
    }
}

static json_t *reason_json(const cli_composition *c, uint32_t id)
{
    const wh_reason *reason = wh_composition_reason(c->composition, id);
    json_t *object = json_pack("{s:s}", "kind", reason_kind_name(reason->kind));
    if (object == NULL || reason->by == WH_NONE)
        return object;

    json_object_set_new(object, "by", json_string(wh_graph_component_at(c->graph, reason->by)->name));
    if (reason->file != WH_NONE)
        json_object_set_new(object, "file", json_string(wh_graph_file_at(c->graph, reason->file)->path));
    if (reason->kind == WH_REASON_REQUIRED)
        json_object_set_new(object, "requirement",
                            json_string(wh_requirement_kind_name((wh_requirement_kind)reason->requirement)));
    json_object_set_new(object, "needs", json_string(reason->name));
    return object;
}

/* Declared relations as Debian writes them: "libc6 (>= 2.34) | libc6.1". */
static json_t *declared_json(const cli_composition *c, uint32_t id)
{
    const wh_graph_component *component = wh_graph_component_at(c->graph, id);
    json_t *list = json_array();
    for (uint32_t r = 0; list != NULL && r < component->relation_count; r++) {
        const wh_graph_relation *relation = wh_graph_relation_at(c->graph, component->first_relation + r);
        char text[512];
        if (relation->op != NULL)
            snprintf(text, sizeof(text), "%s %s (%s %s)",
                     wh_relation_kind_name((wh_relation_kind)relation->kind), relation->name,
                     relation->op, relation->version ? relation->version : "");
        else
            snprintf(text, sizeof(text), "%s %s",
                     wh_relation_kind_name((wh_relation_kind)relation->kind), relation->name);
        if (relation->alternative > 0) {
            /* Join alternatives onto the previous entry of the same clause. */
            json_t *last = json_array_get(list, json_array_size(list) - 1);
            char joined[1100];
            const char *alternative = strchr(text, ' ') + 1;
            snprintf(joined, sizeof(joined), "%s | %s", json_string_value(last), alternative);
            json_string_set(last, joined);
            continue;
        }
        json_array_append_new(list, json_string(text));
    }
    return list;
}

/* The requirements of one component and the provider chosen for each. */
static json_t *requires_json(const cli_composition *c, uint32_t id)
{
    uint32_t count = 0;
    const wh_choice *choices = wh_composition_choices(c->composition, &count);
    json_t *list = json_array();
    for (uint32_t i = 0; list != NULL && i < count; i++) {
        const wh_choice *choice = &choices[i];
        if (choice->from != id)
            continue;
        int declared = choice->file == WH_NONE;
        json_t *item = json_pack(
            "{s:s, s:s, s:s, s:s}", "file", declared ? "" : wh_graph_file_at(c->graph, choice->file)->path,
            "requirement",
            declared ? "declared" : wh_requirement_kind_name((wh_requirement_kind)choice->requirement),
            "name", choice->name, "provider", wh_graph_component_at(c->graph, choice->to)->name);
        if (item != NULL && !declared)
            json_object_set_new(item, "provider-file",
                                json_string(wh_graph_file_at(c->graph, choice->provider_file)->path));
        json_array_append_new(list, item);
    }
    return list;
}

static json_t *totals_json(wh_totals totals)
{
    return json_pack("{s:I, s:I, s:I, s:I}", "components", (json_int_t)totals.components, "files",
                     (json_int_t)totals.files, "bytes", (json_int_t)totals.bytes,
                     "compressed-estimate", (json_int_t)totals.compressed);
}

static json_t *problems_json(const cli_composition *c, json_t **conflicts)
{
    uint32_t count = 0;
    const wh_unsatisfied *list = wh_composition_unsatisfied(c->composition, &count);
    json_t *unsatisfied = json_array();
    for (uint32_t i = 0; i < count; i++) {
        json_t *item = json_pack("{s:s, s:s, s:s, s:s, s:s}", "component",
                                 wh_graph_component_at(c->graph, list[i].component)->name, "file",
                                 list[i].file != WH_NONE ? wh_graph_file_at(c->graph, list[i].file)->path : "",
                                 "requirement",
                                 list[i].file == WH_NONE ? "declared"
                                 : wh_requirement_kind_name((wh_requirement_kind)list[i].requirement),
                                 "name", list[i].name, "severity", list[i].warning ? "warning" : "error");
        json_array_append_new(unsatisfied, item);
    }

    const wh_conflict *conflict_list = wh_composition_conflicts(c->composition, &count);
    *conflicts = json_array();
    for (uint32_t i = 0; i < count; i++) {
        const wh_graph_file *first = wh_graph_file_at(c->graph, conflict_list[i].first_file);
        const wh_graph_file *second = wh_graph_file_at(c->graph, conflict_list[i].second_file);
        json_array_append_new(*conflicts,
                              json_pack("{s:s, s:[s, s]}", "path", first->path, "components",
                                        wh_graph_component_at(c->graph, first->component)->name,
                                        wh_graph_component_at(c->graph, second->component)->name));
    }
    return unsatisfied;
}

static int print_json(json_t *root)
{
    char *text = root ? json_dumps(root, JSON_INDENT(2)) : NULL;
    json_decref(root);
    if (text == NULL) {
        cli_error("out of memory writing JSON");
        return CLI_EXIT_INVALID;
    }
    puts(text);
    free(text);
    return CLI_EXIT_OK;
}

static int resolve_json(cli_composition *c)
{
    uint32_t count = 0;
    const uint32_t *members = wh_composition_members(c->composition, &count);
    json_t *components = json_array();
    for (uint32_t i = 0; i < count; i++) {
        const wh_graph_component *component = wh_graph_component_at(c->graph, members[i]);
        wh_totals own = wh_composition_component_totals(c->composition, members[i]);
        json_array_append_new(components,
                              json_pack("{s:s, s:s, s:s, s:o, s:I, s:I, s:o, s:o}", "name",
                                        component->name, "version", component->version, "kind",
                                        wh_kind_name(component->kind), "reason",
                                        reason_json(c, members[i]), "files", (json_int_t)own.files,
                                        "bytes", (json_int_t)own.bytes, "requires",
                                        requires_json(c, members[i]), "declared",
                                        declared_json(c, members[i])));
    }
    json_t *conflicts = NULL;
    json_t *unsatisfied = problems_json(c, &conflicts);
    return print_json(json_pack("{s:o, s:o, s:o, s:o}", "components", components, "unsatisfied",
                                unsatisfied, "conflicts", conflicts, "totals",
                                totals_json(wh_composition_totals(c->composition))));
}

static void print_totals(const char *label, wh_totals totals)
{
    printf("%s: %" PRIu32 " component%s, %" PRIu64 " file%s, %" PRIu64
           " bytes (estimated compressed %" PRIu64 " bytes)\n",
           label, totals.components, cli_plural(totals.components), totals.files,
           cli_plural(totals.files), totals.bytes, totals.compressed);
}

static int resolve_text(cli_composition *c)
{
    uint32_t count = 0;
    const uint32_t *members = wh_composition_members(c->composition, &count);
    for (uint32_t i = 0; i < count; i++) {
        const wh_graph_component *component = wh_graph_component_at(c->graph, members[i]);
        char reason[1024];
        cli_describe_reason(c, members[i], reason, sizeof(reason));
        printf("%-28s %-24s %s\n", component->name, component->version, reason);
    }

    const wh_unsatisfied *unsatisfied = wh_composition_unsatisfied(c->composition, &count);
    for (uint32_t i = 0; i < count; i++) {
        const wh_unsatisfied *u = &unsatisfied[i];
        const char *component = wh_graph_component_at(c->graph, u->component)->name;
        if (u->file == WH_NONE)
            printf("unsatisfied: %s declares Depends on %s\n", component, u->name);
        else
            printf("unsatisfied%s: %s (%s) needs %s %s\n", u->warning ? " (warning)" : "",
                   wh_graph_file_at(c->graph, u->file)->path, component,
                   wh_requirement_kind_label((wh_requirement_kind)u->requirement), u->name);
    }

    const wh_conflict *conflicts = wh_composition_conflicts(c->composition, &count);
    for (uint32_t i = 0; i < count; i++) {
        const wh_graph_file *first = wh_graph_file_at(c->graph, conflicts[i].first_file);
        const wh_graph_file *second = wh_graph_file_at(c->graph, conflicts[i].second_file);
        printf("conflict: %s differs between %s and %s\n", first->path,
               wh_graph_component_at(c->graph, first->component)->name,
               wh_graph_component_at(c->graph, second->component)->name);
    }

    print_totals("total", wh_composition_totals(c->composition));
    return CLI_EXIT_OK;
}

static json_t *names_json(const cli_composition *c, const uint32_t *ids, uint32_t count)
{
    json_t *list = json_array();
    for (uint32_t i = 0; i < count; i++)
        json_array_append_new(list, json_string(wh_graph_component_at(c->graph, ids[i])->name));
    return list;
}

static void print_names(const cli_composition *c, const char *label, const uint32_t *ids,
                        uint32_t count)
{
    if (count == 0)
        return;
    printf("%s:", label);
    for (uint32_t i = 0; i < count; i++)
        printf(" %s", wh_graph_component_at(c->graph, ids[i])->name);
    putchar('\n');
}

static int toggle(cli_composition *c, const char *name, int json)
{
    wh_error err = { 0 };
    uint32_t id = cli_find_component(c, name);
    if (id == WH_NONE)
        return CLI_EXIT_INVALID;

    wh_impact impact;
    if (wh_composition_impact(c->composition, id, &impact, &err) != WH_OK)
        return cli_report(&err);

    uint32_t needer_count = 0;
    uint32_t *needers = NULL;
    if (!impact.selecting
        && wh_composition_needers(c->composition, id, &needers, &needer_count, &err) != WH_OK) {
        wh_impact_clear(&impact);
        return cli_report(&err);
    }

    int code = CLI_EXIT_OK;
    if (json) {
        code = print_json(json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:o, s:o}", "toggle", name,
                                    "action", impact.selecting ? "select" : "remove", "components",
                                    (json_int_t)impact.components, "files", (json_int_t)impact.files,
                                    "bytes", (json_int_t)impact.bytes, "compressed-estimate",
                                    (json_int_t)impact.compressed, "added",
                                    names_json(c, impact.added, impact.added_count), "removed",
                                    names_json(c, impact.removed, impact.removed_count), "needed-by",
                                    names_json(c, needers, needer_count)));
    } else {
        printf("toggling %s would %s it: %+" PRId64 " components, %+" PRId64 " files, %+" PRId64
               " bytes (estimated compressed %+" PRId64 " bytes)\n",
               name, impact.selecting ? "select" : "remove", impact.components, impact.files,
               impact.bytes, impact.compressed);
        print_names(c, "needed by", needers, needer_count);
        print_names(c, "added", impact.added, impact.added_count);
        print_names(c, "removed", impact.removed, impact.removed_count);
    }
    free(needers);
    wh_impact_clear(&impact);
    return code;
}

int cmd_resolve(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {
        { "json", no_argument, NULL, 'j' },
        { "toggle", required_argument, NULL, 't' },
        CLI_CATALOG_OPTION,
        CLI_HELP_OPTION,
        { 0 },
    };
    const char *toggle_name = NULL;
    int json = 0, option;

    while ((option = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (option) {
        case 'j': json = 1; break;
        case 't': toggle_name = optarg; break;
        case CLI_OPTION_CATALOG: globals->catalog_path = optarg; break;
        case 'h': print_help(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("resolve", "invalid option");
        }
    }
    if (optind + 1 != argc)
        return cli_usage_error("resolve", optind >= argc ? "missing SPEC" : "too many arguments");

    cli_composition c;
    int code = cli_composition_open(globals, argv[optind], &c);
    if (code == CLI_EXIT_OK) {
        if (toggle_name != NULL)
            code = toggle(&c, toggle_name, json);
        else
            code = json ? resolve_json(&c) : resolve_text(&c);
    }
    cli_composition_close(&c);
    return code;
}
