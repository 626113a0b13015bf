/* `whittle catalog gc`: remove blobs that no component or image references. */
#include <stdio.h>

#include "../catalog/gc.h"
#include "cli.h"
#include "format.h"

static void print_help(FILE *out)
{
    fputs("Usage: whittle catalog gc [--dry-run] [--catalog PATH]\n"
          "Remove the blobs of the content store that no component or image of the\n"
          "catalog references, such as those left by an import that was killed before\n"
          "it committed, and the temporary files of killed writers. Runs as one write\n"
          "to the catalog, so it waits for a running import to finish.\n"
          "\n"
          "Options:\n"
          "  -n, --dry-run    list the unreferenced blobs without removing them\n"
          "  --catalog PATH   catalog database to clean\n"
          "  -h, --help       show this help\n",
          out);
}

static void print_blob(void *context, const char *sha256_hex, uint64_t size)
{
    (void)context;
    char text[32];
    printf("unreferenced blobs/sha256/%s (%s)\n", sha256_hex,
           tui_format_size((int64_t)size, text));
}

int cmd_catalog_gc(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {
        { "dry-run", no_argument, NULL, 'n' },
        CLI_CATALOG_OPTION,
        CLI_HELP_OPTION,
        { 0 },
    };
    whc_gc_options gc_options = { 0 };
    int option;

    while ((option = getopt_long(argc, argv, "hn", options, NULL)) != -1) {
        switch (option) {
        case 'n': gc_options.dry_run = 1; break;
        case CLI_OPTION_CATALOG: globals->catalog_path = optarg; break;
        case 'h': print_help(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("catalog gc", "invalid option");
        }
    }
    if (optind < argc)
        return cli_usage_error("catalog gc", "unexpected argument '%s'", argv[optind]);
    if (gc_options.dry_run)
        gc_options.on_blob = print_blob;

    whc_catalog *catalog = NULL;
    int code = cli_open_catalog(globals, &catalog);
    if (code != CLI_EXIT_OK)
        return code;

    wh_error err = { 0 };
    whc_gc_result result = { 0 };
    if (whc_gc(catalog, &gc_options, &result, &err) != WH_OK) {
        code = cli_report(&err);
        goto out;
    }
    char size[32];
    printf("%s %llu unreferenced blob%s (%s) from %s; kept %llu\n",
           gc_options.dry_run ? "would remove" : "removed",
           (unsigned long long)result.removed_count, cli_plural(result.removed_count),
           tui_format_size((int64_t)result.removed_bytes, size), whc_db_path(catalog),
           (unsigned long long)result.kept_count);

out:
    whc_close(catalog);
    return code;
}
