/* `whittle lock SPEC`: record resolved versions and content digests in the spec's lock. */
#include <stdlib.h>

#include "../core/spec_apply.h"
#include "compose_cli.h"

static void print_help(FILE *out)
{
    fputs("Usage: whittle lock SPEC [--catalog PATH]\n"
          "Resolve the spec and write the name, version, architecture, origin digest and\n"
          "content digest of every component in the image into the spec's \"lock\",\n"
          "replacing the old one. The spec is rewritten atomically in canonical form.\n"
          "\n"
          "Options:\n"
          "  --catalog PATH  catalog database to use\n"
          "  -h, --help      show this help\n"
          "\n"
          "Exit status: 0 written, 2 invalid spec, unknown component or failure.\n",
          out);
}

int cmd_lock(int argc, char **argv, cli_globals *globals)
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
        default: return cli_usage_error("lock", "invalid option");
        }
    }
    if (optind + 1 != argc)
        return cli_usage_error("lock", optind >= argc ? "missing SPEC" : "too many arguments");

    const char *path = argv[optind];
    cli_composition c;
    wh_spec_lock_entry *entries = NULL;
    char *storage = NULL;
    size_t count = 0;
    wh_error err = { 0 };
    int code = cli_composition_open(globals, path, &c);
    if (code != CLI_EXIT_OK)
        goto out;

    if (wh_composition_lock(c.composition, &entries, &count, &storage, &err) != WH_OK
        || wh_spec_set_lock(c.spec, entries, count, &err) != WH_OK
        || wh_spec_save(c.spec, path, &err) != WH_OK) {
        code = cli_report(&err);
        goto out;
    }
    printf("locked %zu components in %s\n", count, path);

out:
    free(entries);
    free(storage);
    cli_composition_close(&c);
    return code;
}
