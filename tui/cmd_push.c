/* `whittle push SRC DEST`: push an existing OCI layout or archive to a registry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../catalog/image_source.h"
#include "../core/transport.h"
#include "cli.h"
#include "image_options.h"

static void print_help(FILE *out)
{
    fputs("Usage: whittle push SRC DEST [--creds USER:PASSWORD] [--authfile FILE]\n"
          "                             [--tls-verify=BOOL]\n"
          "Push an image that is already built to a registry, without building it again,\n"
          "and print the pushed manifest digest (sha256:...) as the last line of output.\n"
          "\n"
          "SRC is one of:\n"
          "  oci:DIR[:TAG]                OCI image layout folder\n"
          "  oci-archive:FILE[:TAG]       tar of an OCI image layout\n"
          "Without TAG, the layout must contain exactly one image. An index is pushed\n"
          "with every manifest it lists.\n"
          "\n"
          "DEST is docker://HOST[:PORT]/REPO[:TAG]; the tag defaults to 'latest'.\n"
          "\n"
          "Blobs the repository already has are skipped. Layers are uploaded on up to\n"
          "two connections at once; the manifest is put last, so the tag never names\n"
          "an incomplete image.\n"
          "\n"
          "Options:\n"
          IMAGE_REGISTRY_HELP
          "  -h, --help             show this help\n"
          "\n"
          "Exit status: 0 pushed, 2 invalid input or a failed push.\n",
          out);
}

/* Parses SRC, which must be an oci: or oci-archive: reference. */
static int parse_source(const char *text, wh_transport *source)
{
    wh_error err = { 0 };
    if (wh_transport_parse(text, source, &err) != WH_OK)
        return cli_report(&err);
    if (source->kind != WH_TRANSPORT_OCI && source->kind != WH_TRANSPORT_OCI_ARCHIVE) {
        cli_usage_error("push", "invalid SRC '%s': use oci:DIR[:TAG] or "
                        "oci-archive:FILE[:TAG]", text);
        wh_transport_free(source);
        return CLI_EXIT_INVALID;
    }
    return CLI_EXIT_OK;
}

/* Parses DEST, which must be a docker:// reference with a tag, not a digest. */
static int parse_destination(const char *text, wh_transport *destination)
{
    wh_error err = { 0 };
    if (wh_transport_parse(text, destination, &err) != WH_OK)
        return cli_report(&err);
    if (destination->kind != WH_TRANSPORT_DOCKER) {
        cli_usage_error("push", "invalid DEST '%s': use docker://HOST[:PORT]/REPO[:TAG]", text);
        wh_transport_free(destination);
        return CLI_EXIT_INVALID;
    }
    if (destination->digest != NULL) {
        cli_usage_error("push", "invalid DEST '%s': a push names a tag, not a digest; use "
                        "docker://HOST[:PORT]/REPO[:TAG]", text);
        wh_transport_free(destination);
        return CLI_EXIT_INVALID;
    }
    return CLI_EXIT_OK;
}

/*
 * Pushes source to destination. An oci-archive is unpacked into a
 * temporary folder first, which is checked as an image and removed after.
 */
static wh_status push_image(const char *source_text, const wh_transport *source,
                            const wh_transport *destination,
                            const wh_registry_options *registry, char **digest, wh_error *err)
{
    if (source->kind == WH_TRANSPORT_OCI)
        return wh_registry_push_layout(source->path, source->tag, destination, registry, digest,
                                       err);

    whc_image_source unpacked = { 0 };
    wh_status result = whc_image_source_open(source_text, NULL, &unpacked, err);
    if (result == WH_OK)
        result = wh_registry_push_layout(unpacked.temp_dir, source->tag, destination, registry,
                                         digest, err);
    whc_image_source_clear(&unpacked);
    return result;
}

int cmd_push(int argc, char **argv, cli_globals *globals)
{
    static const struct option long_options[] = {
        IMAGE_REGISTRY_OPTIONS,
        CLI_CATALOG_OPTION,
        CLI_HELP_OPTION,
        { 0 },
    };
    wh_registry_options registry = { .tls_verify = 1, .log = image_registry_log };
    int option;

    /* The catalog is not used, but --catalog is accepted as by every command. */
    (void)globals;
    while ((option = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
        int handled = image_registry_option("push", option, optarg, &registry);
        if (handled < 0)
            return CLI_EXIT_INVALID;
        if (handled > 0 || option == CLI_OPTION_CATALOG)
            continue;
        if (option == CLI_OPTION_HELP) {
            print_help(stdout);
            return CLI_EXIT_OK;
        }
        return cli_usage_error("push", "invalid option");
    }
    if (argc - optind < 2)
        return cli_usage_error("push", optind >= argc ? "missing SRC and DEST"
                                                      : "missing DEST");
    if (argc - optind > 2)
        return cli_usage_error("push", "too many arguments");

    const char *source_text = argv[optind];
    const char *destination_text = argv[optind + 1];
    wh_transport source = { 0 }, destination = { 0 };
    int code = parse_source(source_text, &source);
    if (code != CLI_EXIT_OK)
        return code;
    code = parse_destination(destination_text, &destination);
    if (code != CLI_EXIT_OK) {
        wh_transport_free(&source);
        return code;
    }

    wh_error err = { 0 };
    char *digest = NULL;
    if (push_image(source_text, &source, &destination, &registry, &digest, &err) != WH_OK) {
        code = cli_report(&err);
    } else {
        fprintf(stderr, "pushed %s to %s\n", source_text, destination_text);
        printf("%s\n", digest);
    }
    free(digest);
    wh_transport_free(&source);
    wh_transport_free(&destination);
    return code;
}
