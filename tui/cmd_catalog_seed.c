/* `whittle catalog seed`: fill the catalog with the demo set of Debian packages. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../catalog/seed.h"
#include "cli.h"

static void print_help(FILE *out)
{
    fputs("Usage: whittle catalog seed [--if-empty] [--offline] [--list FILE] [--cache-dir DIR]\n"
          "Download the demo set of Debian packages with 'apt-get download' and import\n"
          "them, then generate the ca-certificates-bundle component from the certificates\n"
          "that ca-certificates ships. Packages already in the catalog are skipped, so\n"
          "seeding twice is harmless. Everything is imported in one transaction: a failed\n"
          "seed leaves the catalog as it was.\n"
          "\n"
          "Options:\n"
          "  --if-empty       do nothing when the catalog already has components\n"
          "  --offline        use only .deb files already in the cache; never run apt-get\n"
          "  --list FILE      package list, one name per line (default: the\n"
          "                   seed-packages.list that ships with whittle)\n"
          "  --cache-dir DIR  where .deb files are downloaded and reused from (default:\n"
          "                   $XDG_CACHE_HOME/whittle/debs, else ~/.cache/whittle/debs)\n"
          "  --catalog PATH   catalog database to fill\n"
          "  -h, --help       show this help\n",
          out);
}

static void show_progress(void *context, const char *phase, size_t done, size_t total,
                          const char *item)
{
    (void)context;
    if (strcmp(phase, "download") == 0 && done == 0)
        fprintf(stderr, "Downloading %zu packages with apt-get...\n", total);
    else if (strcmp(phase, "import") == 0 && isatty(STDERR_FILENO))
        fprintf(stderr, "\rImporting %zu/%zu %-32s", done + 1, total, item ? item : "");
    else if (strcmp(phase, "bundle") == 0 && isatty(STDERR_FILENO))
        fprintf(stderr, "\rGenerating %-40s\n", item ? item : "");
}

int cmd_catalog_seed(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {
        { "if-empty", no_argument, NULL, 'e' },
        { "offline", no_argument, NULL, 'o' },
        { "list", required_argument, NULL, 'l' },
        { "cache-dir", required_argument, NULL, 'c' },
        CLI_CATALOG_OPTION,
        CLI_HELP_OPTION,
        { 0 },
    };
    whc_seed_options seed_options = { .progress = show_progress };
    int if_empty = 0, option;

    while ((option = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (option) {
        case 'e': if_empty = 1; break;
        case 'o': seed_options.offline = 1; break;
        case 'l': seed_options.list_path = optarg; break;
        case 'c': seed_options.cache_dir = optarg; break;
        case CLI_OPTION_CATALOG: globals->catalog_path = optarg; break;
        case 'h': print_help(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("catalog seed", "invalid option");
        }
    }
    if (optind < argc)
        return cli_usage_error("catalog seed", "unexpected argument '%s'", argv[optind]);

    whc_catalog *catalog = NULL;
    int code = cli_open_catalog(globals, &catalog);
    if (code != CLI_EXIT_OK)
        return code;

    wh_error err = { 0 };
    int64_t existing = 0;
    if (whc_component_count(catalog, &existing, &err) != WH_OK) {
        code = cli_report(&err);
        goto out;
    }
    if (if_empty && existing > 0) {
        printf("catalog %s already has %lld components; not seeding\n", whc_db_path(catalog),
               (long long)existing);
        goto out;
    }

    whc_seed_result result = { 0 };
    if (whc_seed(catalog, &seed_options, &result, &err) != WH_OK) {
        if (isatty(STDERR_FILENO))
            fputc('\n', stderr);
        code = cli_report(&err);
        goto out;
    }
    printf("seeded %s: %zu packages listed, %zu downloaded, %zu components imported, "
           "%zu already present\n",
           whc_db_path(catalog), result.packages, result.downloaded, result.imported,
           result.skipped);

out:
    whc_close(catalog);
    return code;
}
