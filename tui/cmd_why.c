/* `whittle why SPEC NAME`: the chain of requirements that pulls NAME into the image. */
#include <stdlib.h>

#include "compose_cli.h"

static void print_help(FILE *out)
{
    fputs("Usage: whittle why SPEC NAME [--catalog PATH]\n"
          "Show why component NAME is in the image the spec describes: the chain from a\n"
          "selected component (or the base) through each file requirement or declared\n"
          "dependency that pulled the next component in.\n"
          "\n"
          "Options:\n"
          "  --catalog PATH  catalog database to use\n"
          "  -h, --help      show this help\n"
          "\n"
          "Exit status: 0 NAME is in the image, 1 it is not, 2 invalid spec, unknown\n"
          "component or failure.\n",
          out);
}

static int explain(const cli_composition *c, uint32_t id)
{
    const char *name = wh_graph_component_at(c->graph, id)->name;
    if (!wh_composition_included(c->composition, id)) {
        printf("%s is not in the image\n", name);
        return CLI_EXIT_POLICY;
    }

    /* Walk reasons back to a root; reasons never form a cycle because each points earlier. */
    uint32_t count = wh_graph_component_count(c->graph);
    uint32_t *chain = malloc(count * sizeof(*chain));
    if (chain == NULL) {
        cli_error("out of memory");
        return CLI_EXIT_INVALID;
    }
    uint32_t length = 0;
    for (uint32_t at = id; at != WH_NONE && length < count;
         at = wh_composition_reason(c->composition, at)->by)
        chain[length++] = at;

    printf("%s is in the image:\n", name);
    for (uint32_t i = length; i-- > 0;) {
        char reason[1024];
        cli_describe_reason(c, chain[i], reason, sizeof(reason));
        printf("  %s%s: %s\n", i + 1 == length ? "" : "-> ",
               wh_graph_component_at(c->graph, chain[i])->name, reason);
    }
    free(chain);
    return CLI_EXIT_OK;
}

int cmd_why(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {
        CLI_CATALOG_OPTION,
        CLI_HELP_OPTION,
        { 0 },
    };
    int option;

    while ((option = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (option) {
        case CLI_OPTION_CATALOG: globals->catalog_path = optarg; break;
        case 'h': print_help(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("why", "invalid option");
        }
    }
    if (optind + 2 != argc)
        return cli_usage_error("why", "expected SPEC and NAME");

    cli_composition c;
    int code = cli_composition_open(globals, argv[optind], &c);
    if (code == CLI_EXIT_OK) {
        uint32_t id = cli_find_component(&c, argv[optind + 1]);
        code = id == WH_NONE ? CLI_EXIT_INVALID : explain(&c, id);
    }
    cli_composition_close(&c);
    return code;
}
