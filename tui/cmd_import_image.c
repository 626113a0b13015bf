/* `whittle catalog import-image`: import a container image as a base. */
#include <stdlib.h>
#include <string.h>

#include "../catalog/import_image.h"
#include "catalog_view.h"
#include "cli.h"
#include "image_options.h"

static void print_help(FILE *out)
{
    fputs("Usage: whittle catalog import-image REFERENCE [--name NAME] [OPTIONS]\n"
          "Import a container image as a base: its layers are flattened as a container\n"
          "runtime would (whiteouts, opaque folders, later layers over earlier ones,\n"
          "every path kept inside the image root), then split by its package database\n"
          "(dpkg or apk) into one component NAME/PACKAGE per installed package, plus the\n"
          "component NAME with every file no package owns.\n"
          "\n"
          "REFERENCE is one of:\n"
          "  oci:DIR[:TAG]                      OCI image layout\n"
          "  oci-archive:FILE[:TAG]             tar of an OCI image layout\n"
          "  docker-archive:FILE[:NAME[:TAG]]   `docker save` tarball\n"
          "  docker://HOST[:PORT]/REPO[:TAG|@DIGEST]   registry\n"
          "  rootfs:DIR                         unpacked tree\n"
          "  rootfs-archive:FILE                tar of an unpacked tree\n"
          "Layers may be gzip, zstd or uncompressed.\n"
          "\n"
          "Options:\n"
          "  --name NAME            base name (default: from the reference, such as\n"
          "                         'debian' for docker://host/library/debian:12)\n"
          IMAGE_REGISTRY_HELP
          "  --catalog PATH         catalog database to import into\n"
          "  -h, --help             show this help\n"
          "\n"
          "An image whose content was imported before is reported and skipped, which is\n"
          "not an error. On any other failure nothing is added; the exit status is 2.\n",
          out);
}

int image_registry_option(const char *command, int option, const char *value,
                          wh_registry_options *options)
{
    switch (option) {
    case IMAGE_OPTION_CREDS:
        if (strchr(value, ':') == NULL) {
            cli_usage_error(command, "--creds expects USER:PASSWORD");
            return -1;
        }
        options->credentials = value;
        return 1;
    case IMAGE_OPTION_AUTHFILE:
        options->auth_file = value;
        return 1;
    case IMAGE_OPTION_TLS_VERIFY:
        if (strcmp(value, "true") == 0) {
            options->tls_verify = 1;
        } else if (strcmp(value, "false") == 0) {
            options->tls_verify = 0;
        } else {
            cli_usage_error(command, "--tls-verify expects true or false, not '%s'", value);
            return -1;
        }
        return 1;
    default:
        return 0;
    }
}

void image_registry_log(void *context, const char *message)
{
    (void)context;
    fprintf(stderr, "whittle: %s\n", message);
}

static void print_warning(void *context, const char *message)
{
    (void)context;
    fprintf(stderr, "whittle: warning: %s\n", message);
}

static void print_imported(const whc_image_summary *summary)
{
    char size[32], wasted[32];
    printf("imported %s %s (%zu %s from %s, %lld files, %s, %zu %s, %s wasted)\n",
           summary->name, summary->version, summary->package_count,
           summary->package_count == 1 ? "package" : "packages",
           summary->package_format ? summary->package_format : "no package database",
           (long long)summary->file_count, view_format_size(summary->total_size, size),
           summary->layer_count, summary->layer_count == 1 ? "layer" : "layers",
           view_format_size(summary->wasted_bytes, wasted));
}

static int import_image(whc_catalog *catalog, const char *reference,
                        const whc_image_import_options *options)
{
    wh_error err = { 0 };
    whc_import *import = NULL;
    whc_image_summary summary = { 0 };
    int exit_code = CLI_EXIT_OK;

    if (whc_import_begin(catalog, &import, &err) != WH_OK)
        return cli_report(&err);

    wh_status status = whc_import_image(import, reference, options, &summary, &err);
    if (status == WH_ERR_EXISTS) {
        printf("%s\n", err.message);
        goto out;
    }
    if (status != WH_OK) {
        exit_code = cli_report(&err);
        cli_error("nothing was imported");
        goto out;
    }
    whc_import *finishing = import;
    import = NULL;
    if (whc_import_commit(finishing, &err) != WH_OK) {
        exit_code = cli_report(&err);
        goto out;
    }
    print_imported(&summary);

out:
    whc_import_abort(import);
    whc_image_summary_clear(&summary);
    return exit_code;
}

int cmd_catalog_import_image(int argc, char **argv, cli_globals *globals)
{
    static const struct option long_options[] = {
        { "name", required_argument, NULL, 'n' },
        IMAGE_REGISTRY_OPTIONS,
        CLI_CATALOG_OPTION,
        CLI_HELP_OPTION,
        { 0 },
    };
    wh_registry_options registry = { .tls_verify = 1, .log = image_registry_log };
    whc_image_open_options open = { .registry = &registry };
    whc_image_import_options options = { .open = &open, .warn = print_warning };
    whc_catalog *catalog = NULL;
    int option;

    while ((option = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
        int handled = image_registry_option("catalog import-image", option, optarg, &registry);
        if (handled < 0)
            return CLI_EXIT_INVALID;
        if (handled > 0)
            continue;
        switch (option) {
        case 'n': options.name = optarg; break;
        case CLI_OPTION_CATALOG: globals->catalog_path = optarg; break;
        case CLI_OPTION_HELP: print_help(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("catalog import-image", "invalid option");
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("catalog import-image",
                               argc - optind < 1 ? "missing REFERENCE to import"
                                                 : "import one REFERENCE at a time");
    if (options.name != NULL && (options.name[0] == '\0' || strchr(options.name, '/')))
        return cli_usage_error("catalog import-image",
                               "--name '%s' must be non-empty and contain no '/'",
                               options.name);

    int exit_code = cli_open_catalog(globals, &catalog);
    if (exit_code != CLI_EXIT_OK)
        return exit_code;
    exit_code = import_image(catalog, argv[optind], &options);
    whc_close(catalog);
    return exit_code;
}
