/* `whittle catalog import`: add packages, files and directories to the catalog. */
#include <stdlib.h>
#include <string.h>

#include "../catalog/importer.h"
#include "catalog_view.h"
#include "cli.h"

static void print_help(FILE *out)
{
    fputs("Usage: whittle catalog import PATH... [--name NAME] [--version VERSION]\n"
          "                              [--kind KIND] [--dest /IMAGE/PATH]\n"
          "Import each PATH as one component. The format is detected from the content,\n"
          "not the file name:\n"
          "  Debian package (.deb)   name, version, relations and license from its metadata\n"
          "  Alpine package (.apk)   name, version, relations and license from .PKGINFO\n"
          "  directory               a root filesystem: DIR/usr/bin/x becomes /usr/bin/x;\n"
          "                          symlinks are recorded, never followed; owners, modes,\n"
          "                          hardlinks, devices and security.capability are kept\n"
          "  any other file          one file in the image, owned by root: an executable\n"
          "                          goes to /usr/bin/FILE with mode 0755, anything else to\n"
          "                          /usr/share/NAME/FILE with mode 0644\n"
          "\n"
          "All PATHs are imported in one transaction: if any fails, nothing is added and\n"
          "the command exits with status 2. A PATH whose content (sha256) was imported\n"
          "before is reported and skipped, which is not an error.\n"
          "\n"
          "Options:\n"
          "  --name NAME        component name; required for a file or directory and\n"
          "                     rejected for packages, which name themselves\n"
          "  --version VERSION  component version; required for a file or directory\n"
          "  --kind KIND        utility, library, data, base or application (default:\n"
          "                     inferred: library for Debian section libs or lib* packages\n"
          "                     with shared libraries, data when no file is executable,\n"
          "                     else utility)\n"
          "  --dest /PATH       absolute image path of a single file, replacing the\n"
          "                     default above\n"
          "  --catalog PATH     catalog database to import into\n"
          "  -h, --help         show this help\n"
          "\n"
          "--name, --version and --dest describe one component, so they need exactly one\n"
          "PATH.\n",
          out);
}

static void print_imported(const whc_import_summary *summary)
{
    char size[32];
    printf("imported %s %s (%s, %lld %s, %s)\n", summary->name, summary->version,
           wh_kind_name(summary->kind), (long long)summary->file_count,
           summary->file_count == 1 ? "file" : "files",
           view_format_size(summary->total_size, size));
}

/*
 * Imports every path inside one import; any error other than "already in
 * the catalog" aborts them all. Report lines are printed after the commit,
 * so nothing claims an import that was rolled back.
 */
static int import_paths(whc_catalog *catalog, char **paths, int count,
                        const whc_import_options *options)
{
    wh_error err = { 0 };
    whc_import *import = NULL;
    whc_import_summary *summaries = calloc((size_t)count, sizeof(*summaries));
    char **skipped = calloc((size_t)count, sizeof(*skipped));
    int exit_code = CLI_EXIT_OK;

    if (summaries == NULL || skipped == NULL) {
        cli_error("out of memory");
        exit_code = CLI_EXIT_INVALID;
        goto out;
    }
    if (whc_import_begin(catalog, &import, &err) != WH_OK) {
        exit_code = cli_report(&err);
        goto out;
    }

    for (int i = 0; i < count; i++) {
        wh_status status = whc_import_artifact_summary(import, paths[i], options,
                                                       &summaries[i], &err);
        if (status == WH_ERR_EXISTS) {
            skipped[i] = strdup(err.message);
            if (skipped[i] == NULL) {
                cli_error("out of memory");
                exit_code = CLI_EXIT_INVALID;
                goto out;
            }
            continue;
        }
        if (status != WH_OK) {
            exit_code = cli_report(&err);
            cli_error("nothing was imported");
            goto out;
        }
    }

    whc_import *finishing = import;
    import = NULL;
    if (whc_import_commit(finishing, &err) != WH_OK) {
        exit_code = cli_report(&err);
        goto out;
    }
    for (int i = 0; i < count; i++) {
        if (skipped[i])
            printf("%s\n", skipped[i]);
        else
            print_imported(&summaries[i]);
    }

out:
    whc_import_abort(import);
    for (int i = 0; summaries && i < count; i++)
        whc_import_summary_clear(&summaries[i]);
    for (int i = 0; skipped && i < count; i++)
        free(skipped[i]);
    free(summaries);
    free(skipped);
    return exit_code;
}

int cmd_catalog_import(int argc, char **argv, cli_globals *globals)
{
    static const struct option long_options[] = {
        { "name", required_argument, NULL, 'n' },
        { "version", required_argument, NULL, 'v' },
        { "kind", required_argument, NULL, 'k' },
        { "dest", required_argument, NULL, 'd' },
        CLI_CATALOG_OPTION,
        CLI_HELP_OPTION,
        { 0 },
    };
    whc_import_options options = { .kind = -1 };
    whc_catalog *catalog = NULL;
    int option;

    while ((option = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
        switch (option) {
        case 'n': options.name = optarg; break;
        case 'v': options.version = optarg; break;
        case 'd': options.dest = optarg; break;
        case 'k': {
            wh_kind kind;
            if (wh_kind_parse(optarg, &kind) != 0)
                return cli_usage_error("catalog import",
                                       "unknown kind '%s'; use utility, library, data, "
                                       "base or application", optarg);
            options.kind = (int)kind;
            break;
        }
        case CLI_OPTION_CATALOG: globals->catalog_path = optarg; break;
        case CLI_OPTION_HELP: print_help(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("catalog import", "invalid option");
        }
    }

    int count = argc - optind;
    if (count < 1)
        return cli_usage_error("catalog import", "missing PATH to import");
    if (count > 1 && (options.name || options.version || options.dest))
        return cli_usage_error("catalog import",
                               "--name, --version and --dest describe one component; "
                               "import one PATH at a time when using them");

    int exit_code = cli_open_catalog(globals, &catalog);
    if (exit_code != CLI_EXIT_OK)
        return exit_code;
    exit_code = import_paths(catalog, argv + optind, count, &options);
    whc_close(catalog);
    return exit_code;
}
