/* `whittle catalog SUBCOMMAND`: dispatches to the catalog subcommands. */
#include <string.h>

#include "cli.h"

static const cli_command subcommands[] = {
    { "import", cmd_catalog_import, "import .deb and .apk packages, files and directories" },
    { "list", cmd_catalog_list, "list components, optionally of one kind" },
    { "show", cmd_catalog_show, "show one component with its files and relations" },
    { "import-image", cmd_catalog_import_image, "import a container image as a base" },
    { "seed", cmd_catalog_seed, "fill the catalog with the demo set of Debian packages" },
    { "gc", cmd_catalog_gc, "remove blobs that no component or image references" },
};

static void print_help(FILE *out)
{
    fputs("Usage: whittle catalog SUBCOMMAND [ARGS...]\n"
          "Manage the component catalog.\n"
          "\n"
          "Subcommands:\n",
          out);
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
        fprintf(out, "  %-13s %s\n", subcommands[i].name, subcommands[i].summary);
    fputs("\nRun 'whittle catalog SUBCOMMAND --help' for its options.\n", out);
}

int cmd_catalog(int argc, char **argv, cli_globals *globals)
{
    if (argc < 2) {
        print_help(stderr);
        return CLI_EXIT_INVALID;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_help(stdout);
        return CLI_EXIT_OK;
    }

    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
        if (strcmp(subcommands[i].name, argv[1]) == 0) {
            cli_reset_getopt();
            return subcommands[i].run(argc - 1, argv + 1, globals);
        }
    }
    return cli_usage_error("catalog", "unknown catalog subcommand '%s'", argv[1]);
}
