/* `whittle build SPEC -o DEST`: build the spec's image with whc_build and print its digest. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../catalog/build.h"
#include "../catalog/image_source.h"
#include "../core/gzip.h"
#include "../core/transport.h"
#include "cli.h"
#include "image_options.h"

#define BUILD_OPTION_SBOM 0x3001
#define BUILD_OPTION_ALLOW 0x3002
#define BUILD_OPTION_THREADS 0x3003
#define BUILD_OPTION_LAYERS 0x3004
#define BUILD_OPTION_LEVEL 0x3005

/* The text of a numeric macro, for the help: TEXT_OF(WH_GZIP_DEFAULT_LEVEL) is "1". */
#define TEXT_OF(macro) TEXT_OF_VALUE(macro)
#define TEXT_OF_VALUE(value) #value

static void print_help(FILE *out)
{
    fputs("Usage: whittle build SPEC -o DEST [--sbom FILE] [--allow-violations]\n"
          "                          [--policy NAME|FILE] [--threads N]\n"
          "                          [--layers single|per-component]\n"
          "                          [--compression-level N] [--catalog PATH]\n"
          "Build the image a spec describes, byte for byte the same on every machine, and\n"
          "print its manifest digest (sha256:...) as the last line of output.\n"
          "\n"
          "Before writing, the policy runs and every input file is re-hashed against the\n"
          "catalog; after writing, the image is read back and checked. A failed or\n"
          "interrupted build (SIGINT, SIGTERM) leaves nothing at DEST.\n"
          "\n"
          "Options:\n"
          "  -o, --output DEST     where to write the image (required):\n"
          "                          oci:DIR[:TAG]                OCI image layout folder\n"
          "                          oci-archive:FILE[:TAG]       tar of an OCI layout\n"
          "                          docker-archive:FILE[:NAME:TAG]  for `docker load`\n"
          "                          rootfs:DIR                   unpacked file tree\n"
          "                          docker://HOST/REPO:TAG       push to a registry\n"
          "                        DEST must not exist yet.\n"
          "  --sbom FILE           also write an SPDX 2.3 JSON SBOM to FILE\n"
          "  --allow-violations    build even when the policy reports error findings\n"
          "  --policy NAME|FILE    a built-in profile (strict, baseline, none) or a policy\n"
          "                        file, instead of the spec's policy\n"
          "  --threads N           compression threads (default 0: one per CPU); the\n"
          "                        output is the same for every N\n"
          "  --layers MODE         single: one layer; per-component: one layer per\n"
          "                        component in name order, then one for the generated\n"
          "                        accounts and writable paths (default: the spec's\n"
          "                        \"layers\", else single)\n"
          "  --compression-level N gzip level of the layers, 1 (fastest) to 9 (smallest);\n"
          "                        default: the spec's \"compression-level\", else "
          TEXT_OF(WH_GZIP_DEFAULT_LEVEL) "\n"
          "  --catalog PATH        catalog database to use\n"
          IMAGE_REGISTRY_HELP
          "  -h, --help            show this help\n"
          "\n"
          "File times come from $SOURCE_DATE_EPOCH when set, else from the spec's\n"
          "source-date-epoch, else 0.\n"
          "\n"
          "Exit status: 0 built, 1 refused by the policy (findings printed), 2 invalid\n"
          "input, a digest mismatch, a failed verification or an interrupted build.\n",
          out);
}

typedef struct build_progress {
    int active;        /* stderr is a terminal */
    size_t layer;
    int percent;       /* last percentage drawn, or -1 */
} build_progress;

static void show_progress(void *context, size_t layer_index, uint64_t bytes_done,
                          uint64_t bytes_total)
{
    build_progress *progress = context;
    if (!progress->active)
        return;
    int percent = bytes_total ? (int)(bytes_done * 100 / bytes_total) : 100;
    if (layer_index == progress->layer && percent == progress->percent)
        return;
    progress->layer = layer_index;
    progress->percent = percent;

    char bar[31];
    int filled = percent * 30 / 100;
    memset(bar, '#', (size_t)filled);
    memset(bar + filled, ' ', (size_t)(30 - filled));
    bar[30] = '\0';
    fprintf(stderr, "\rlayer %zu [%s] %3d%% of %.1f MiB", layer_index + 1, bar, percent,
            (double)bytes_total / (1024.0 * 1024.0));
}

static void show_note(void *context, const char *message)
{
    (void)context;
    fprintf(stderr, "whittle: note: %s\n", message);
}

static void print_findings(const whc_build_result *result)
{
    const wh_findings *findings = &result->findings;
    for (size_t i = 0; i < findings->count; i++) {
        const wh_finding *f = &findings->items[i];
        if (f->path[0] != '\0')
            printf("%-7s %-28s %s (%s): %s\n", wh_severity_name(f->severity), f->rule, f->path,
                   f->component, f->message);
        else
            printf("%-7s %-28s %s\n", wh_severity_name(f->severity), f->rule, f->message);
    }
    if (result->policy_name != NULL && findings->count > 0)
        printf("policy %s: %zu error%s, %zu warning%s\n", result->policy_name,
               findings->errors, cli_plural(findings->errors), findings->count - findings->errors,
               cli_plural(findings->count - findings->errors));
}

static void install_cancel_handler(void)
{
    struct sigaction action = { 0 };
    action.sa_handler = wh_image_cancel_signal_handler;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
}

/* Builds into a private OCI layout under $TMPDIR, pushes it, removes it. */
static wh_status build_and_push(whc_catalog *catalog, const wh_spec *spec,
                                const wh_transport *target, const whc_build_options *options,
                                const wh_registry_options *registry, whc_build_result *result,
                                wh_error *err)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = NULL, *layout = NULL, *destination = NULL, *pushed = NULL;
    wh_status status;

    if (asprintf(&dir, "%s/whittle-push.XXXXXX", tmp && tmp[0] ? tmp : "/tmp") < 0)
        dir = NULL;
    if (dir == NULL || mkdtemp(dir) == NULL) {
        status = wh_error_set(err, WH_ERR_IO, "cannot create a folder under %s: %s; set TMPDIR "
                              "to a writable folder", tmp && tmp[0] ? tmp : "/tmp",
                              strerror(errno));
        free(dir);
        return status;
    }
    if (asprintf(&layout, "%s/layout", dir) < 0 || asprintf(&destination, "oci:%s", layout) < 0) {
        status = wh_error_set(err, WH_ERR_NOMEM, "out of memory preparing the push");
        goto out;
    }

    status = whc_build(catalog, spec, destination, options, result, err);
    if (status == WH_OK)
        status = wh_registry_push_layout(layout, NULL, target, registry, &pushed, err);
    if (status == WH_OK && strcmp(pushed, result->manifest_digest) != 0)
        status = wh_error_set(err, WH_ERR_FORMAT,
                              "the registry stored manifest %s, but the build wrote %s", pushed,
                              result->manifest_digest);

out:
    whc_remove_tree(dir);
    free(pushed);
    free(destination);
    free(layout);
    free(dir);
    return status;
}

int cmd_build(int argc, char **argv, cli_globals *globals)
{
    static const struct option long_options[] = {
        { "output", required_argument, NULL, 'o' },
        { "sbom", required_argument, NULL, BUILD_OPTION_SBOM },
        { "allow-violations", no_argument, NULL, BUILD_OPTION_ALLOW },
        { "policy", required_argument, NULL, 'p' },
        { "threads", required_argument, NULL, BUILD_OPTION_THREADS },
        { "layers", required_argument, NULL, BUILD_OPTION_LAYERS },
        { "compression-level", required_argument, NULL, BUILD_OPTION_LEVEL },
        IMAGE_REGISTRY_OPTIONS,
        CLI_CATALOG_OPTION,
        CLI_HELP_OPTION,
        { 0 },
    };
    wh_registry_options registry = { .tls_verify = 1, .log = image_registry_log };
    build_progress progress = { isatty(STDERR_FILENO), 0, -1 };
    whc_build_options options = { .progress = show_progress, .progress_context = &progress,
                                  .note = show_note };
    const char *destination = NULL;
    int option;

    while ((option = getopt_long(argc, argv, "ho:", long_options, NULL)) != -1) {
        int handled = image_registry_option("build", option, optarg, &registry);
        if (handled < 0)
            return CLI_EXIT_INVALID;
        if (handled > 0)
            continue;
        char *end = NULL;
        switch (option) {
        case 'o': destination = optarg; break;
        case 'p': options.policy = optarg; break;
        case BUILD_OPTION_SBOM: options.sbom_path = optarg; break;
        case BUILD_OPTION_ALLOW: options.allow_violations = 1; break;
        case BUILD_OPTION_THREADS:
            errno = 0;
            unsigned long threads = strtoul(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || optarg[0] < '0' || optarg[0] > '9' || threads > 1024)
                return cli_usage_error("build", "invalid --threads '%s': use a number from 0 "
                                       "(one per CPU) to 1024", optarg);
            options.threads = (unsigned)threads;
            break;
        case BUILD_OPTION_LAYERS:
            if (strcmp(optarg, "single") == 0)
                options.layering = WHC_LAYERS_SINGLE;
            else if (strcmp(optarg, "per-component") == 0)
                options.layering = WHC_LAYERS_PER_COMPONENT;
            else
                return cli_usage_error("build", "invalid --layers '%s': use single or "
                                       "per-component", optarg);
            break;
        case BUILD_OPTION_LEVEL:
            if (optarg[0] < '1' || optarg[0] > '9' || optarg[1] != '\0')
                return cli_usage_error("build", "invalid --compression-level '%s': use a "
                                       "number from 1 (fastest) to 9 (smallest)", optarg);
            options.compression_level = optarg[0] - '0';
            break;
        case CLI_OPTION_CATALOG: globals->catalog_path = optarg; break;
        case CLI_OPTION_HELP: print_help(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("build", "invalid option");
        }
    }
    if (optind + 1 != argc)
        return cli_usage_error("build", optind >= argc ? "missing SPEC" : "too many arguments");
    if (destination == NULL)
        return cli_usage_error("build", "missing -o DEST, such as -o oci:image:latest");

    wh_error err = { 0 };
    wh_transport target = { 0 };
    if (wh_transport_parse(destination, &target, &err) != WH_OK)
        return cli_report(&err);
    if (target.kind == WH_TRANSPORT_ROOTFS_ARCHIVE) {
        wh_transport_free(&target);
        return cli_usage_error("build", "rootfs-archive: is not a build destination: use "
                               "oci:, oci-archive:, docker-archive:, rootfs: or docker://");
    }

    /* Installed before any work, so a signal during resolution also cancels the write. */
    install_cancel_handler();

    wh_spec *spec = NULL;
    whc_catalog *catalog = NULL;
    whc_build_result result = { 0 };
    int code = CLI_EXIT_OK;
    wh_status status;

    if (wh_spec_load(argv[optind], &spec, &err) != WH_OK) {
        code = cli_report(&err);
        goto out;
    }
    if ((code = cli_open_catalog(globals, &catalog)) != CLI_EXIT_OK)
        goto out;

    if (target.kind == WH_TRANSPORT_DOCKER)
        status = build_and_push(catalog, spec, &target, &options, &registry, &result, &err);
    else
        status = whc_build(catalog, spec, destination, &options, &result, &err);
    if (progress.active && progress.percent >= 0)
        fputc('\n', stderr);

    print_findings(&result);
    if (status != WH_OK) {
        code = cli_report(&err);
        goto out;
    }
    fprintf(stderr, "built %s: %zu layer%s, %llu entries, file times %lld\n", destination,
            result.layer_count, result.layer_count == 1 ? "" : "s",
            (unsigned long long)result.file_count, (long long)result.epoch);
    printf("%s\n", result.manifest_digest);

out:
    whc_build_result_free(&result);
    whc_close(catalog);
    wh_spec_free(spec);
    wh_transport_free(&target);
    return code;
}
