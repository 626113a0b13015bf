/*
 * `whittle inspect REF`: a reviewer's read-only view of any image. The image
 * is imported into a private catalog in a temporary folder, so the same
 * flattening, package split, classification and policy evaluation apply as
 * for an import, and the user's catalog is never opened.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../catalog/graph_load.h"
#include "../catalog/image_source.h"
#include "../catalog/import_image.h"
#include "../core/compose.h"
#include "../core/fs.h"
#include "../core/policy.h"
#include "../core/policy_report.h"
#include "catalog_view.h"
#include "cli.h"
#include "image_options.h"

static void print_help(FILE *out)
{
    fputs("Usage: whittle inspect REFERENCE [--policy NAME|FILE] [--json] [OPTIONS]\n"
          "Show what an image contains without changing the catalog: size and wasted\n"
          "bytes per layer (file versions that later layers overwrote or deleted), one\n"
          "component per installed package plus the files no package owns, the\n"
          "classification of every file (shells, multi-call binaries, package managers,\n"
          "setuid, capabilities, linking) and the policy findings.\n"
          "REFERENCE is any form `whittle catalog import-image` accepts.\n"
          "\n"
          "Options:\n"
          "  --policy NAME|FILE     a built-in profile (strict, baseline, none) or a policy\n"
          "                         file (default: baseline)\n"
          "  --json                 print one JSON object instead of text\n"
          IMAGE_REGISTRY_HELP
          "  -h, --help             show this help\n"
          "\n"
          "Exit codes: 0 no policy errors, 1 policy errors, 2 invalid input or failure.\n",
          out);
}

/* Everything inspect reads back from its private catalog. */
typedef struct inspection {
    whc_image_summary summary;
    whc_component *components;
    size_t component_count;
    whc_file **files;        /* per component */
    size_t *file_counts;
    char *run_as;            /* the config's User, or NULL */
    wh_policy_user *users;   /* from the image's /etc/passwd */
    size_t user_count;
    char **user_names;
    wh_findings findings;
    wh_policy *policy;
} inspection;

static void inspection_clear(inspection *in)
{
    whc_image_summary_clear(&in->summary);
    for (size_t i = 0; in->files && i < in->component_count; i++)
        whc_files_free(in->files[i], in->file_counts[i]);
    free(in->files);
    free(in->file_counts);
    whc_components_free(in->components, in->component_count);
    free(in->run_as);
    for (size_t i = 0; i < in->user_count; i++)
        free(in->user_names[i]);
    free(in->user_names);
    free(in->users);
    wh_findings_clear(&in->findings);
    wh_policy_free(in->policy);
}

/* Reads a JSON blob of the private catalog by "sha256:<hex>" digest. */
static json_t *read_blob_json(whc_catalog *catalog, const char *digest)
{
    if (digest == NULL || strncmp(digest, "sha256:", 7) != 0)
        return NULL;
    char *path = whc_blob_path(catalog, digest + 7);
    char *data = NULL;
    size_t size = 0;
    json_t *json = NULL;
    if (path != NULL && wh_read_file(path, WHC_IMAGE_JSON_MAX, &data, &size, NULL) == WH_OK)
        json = json_loadb(data, size, 0, NULL);
    free(path);
    free(data);
    return json;
}

static void read_run_as(whc_catalog *catalog, inspection *in)
{
    json_t *record = read_blob_json(catalog, in->summary.record_digest);
    json_t *config = read_blob_json(catalog, json_string_value(json_object_get(record,
                                                                               "config_digest")));
    const char *user = json_string_value(json_object_get(json_object_get(config, "config"),
                                                         "User"));
    if (user != NULL && user[0] != '\0')
        in->run_as = strdup(user);
    json_decref(record);
    json_decref(config);
}

/* Collects NAME:x:UID lines of the image's /etc/passwd for the non-root-user rule. */
static void read_users(whc_catalog *catalog, const whc_file *file, inspection *in)
{
    char *path = whc_blob_path(catalog, file->sha256);
    char *data = NULL;
    size_t size = 0;
    if (path == NULL || wh_read_file(path, 1u << 20, &data, &size, NULL) != WH_OK) {
        free(path);
        return;
    }
    for (char *line = strtok(data, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        char *first = strchr(line, ':');
        char *second = first ? strchr(first + 1, ':') : NULL;
        if (second == NULL)
            continue;
        wh_policy_user *users = realloc(in->users, (in->user_count + 1) * sizeof(*users));
        char **names = realloc(in->user_names, (in->user_count + 1) * sizeof(*names));
        if (users == NULL || names == NULL) {
            in->users = users ? users : in->users;
            in->user_names = names ? names : in->user_names;
            break;
        }
        in->users = users;
        in->user_names = names;
        names[in->user_count] = strndup(line, (size_t)(first - line));
        users[in->user_count] = (wh_policy_user){ names[in->user_count],
                                                  strtoll(second + 1, NULL, 10) };
        in->user_count++;
    }
    free(path);
    free(data);
}

static wh_status read_back(whc_catalog *catalog, inspection *in, wh_error *err)
{
    wh_status result = whc_list_components(catalog, -1, &in->components, &in->component_count,
                                           err);
    if (result != WH_OK)
        return result;
    in->files = calloc(in->component_count + 1, sizeof(*in->files));
    in->file_counts = calloc(in->component_count + 1, sizeof(*in->file_counts));
    if (in->files == NULL || in->file_counts == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading the image");
    for (size_t i = 0; result == WH_OK && i < in->component_count; i++) {
        result = whc_component_files(catalog, in->components[i].id, &in->files[i],
                                     &in->file_counts[i], err);
        for (size_t j = 0; result == WH_OK && j < in->file_counts[i]; j++) {
            const whc_file *file = &in->files[i][j];
            if (strcmp(file->path, "/etc/passwd") == 0 && file->type == WH_FILE_REGULAR)
                read_users(catalog, file, in);
        }
    }
    read_run_as(catalog, in);
    return result;
}

/* Evaluates the policy over a composition with every component of the image as its base. */
static wh_status evaluate(whc_catalog *catalog, const char *policy_name, inspection *in,
                          wh_error *err)
{
    wh_graph *graph = NULL;
    wh_composition *composition = NULL;
    wh_status result = wh_policy_is_profile(policy_name)
                           ? wh_policy_profile(policy_name, &in->policy, err)
                           : wh_policy_load(policy_name, &in->policy, err);
    if (result == WH_OK)
        result = wh_graph_new(&graph, err);
    if (result == WH_OK)
        result = whc_graph_load(catalog, graph, err);
    if (result == WH_OK)
        result = wh_graph_finish(graph, err);
    if (result == WH_OK)
        result = wh_composition_new(graph, &composition, err);
    if (result == WH_OK) {
        for (uint32_t id = 0; id < wh_graph_component_count(graph); id++)
            wh_composition_set_root(composition, id, WH_ROOT_BASE);
        result = wh_composition_resolve(composition, err);
    }
    if (result == WH_OK) {
        wh_policy_context context = {
            .run_as = in->run_as,
            .users = in->users,
            .user_count = in->user_count,
        };
        result = wh_policy_evaluate(in->policy, composition, &context, &in->findings, err);
    }
    wh_composition_free(composition);
    wh_graph_free(graph);
    return result;
}

static void print_flags(FILE *out, unsigned flags)
{
    int printed = 0;
    for (unsigned bit = 0; bit < WH_FLAG_COUNT_; bit++) {
        if (flags & (1u << bit))
            fprintf(out, "%s%s", printed++ ? "," : "", wh_flag_name(1u << bit));
    }
}

static void print_text(const char *reference, const inspection *in)
{
    char a[32], b[32], c[32];
    const whc_image_summary *s = &in->summary;

    printf("image %s\n", reference);
    if (s->manifest_digest)
        printf("  manifest %s\n", s->manifest_digest);
    printf("  %lld files, %s of content, %s wasted, run as %s\n", (long long)s->file_count,
           view_format_size(s->total_size, a), view_format_size(s->wasted_bytes, b),
           in->run_as ? in->run_as : "root");

    printf("\nlayers:\n  %-3s %-71s %10s %8s %10s %10s\n", "#", "DIGEST", "SIZE", "ENTRIES",
           "CONTENT", "WASTED");
    for (size_t i = 0; i < s->layer_count; i++) {
        const whc_image_layer_summary *layer = &s->layers[i];
        printf("  %-3zu %-71s %10s %8lld %10s %10s\n", i + 1, layer->digest ? layer->digest : "-",
               view_format_size(layer->size, a), (long long)layer->entries,
               view_format_size(layer->content_bytes, b),
               view_format_size(layer->wasted_bytes, c));
    }

    if (s->package_format != NULL)
        printf("\ncomponents (%zu packages from %s):\n", s->package_count, s->package_format);
    else
        printf("\ncomponents (no package database):\n");
    for (size_t i = 0; i < in->component_count; i++) {
        const whc_component *component = &in->components[i];
        printf("  %-40s %-24s %7lld files %10s\n", component->name, component->version,
               (long long)component->file_count, view_format_size(component->total_size, a));
    }

    printf("\nclassified files (all files with --json):\n");
    for (size_t i = 0; i < in->component_count; i++) {
        for (size_t j = 0; j < in->file_counts[i]; j++) {
            const whc_file *file = &in->files[i][j];
            if (file->classification.flags == 0)
                continue;
            printf("  %-48s %-30s ", file->path, in->components[i].name);
            print_flags(stdout, file->classification.flags);
            putchar('\n');
        }
    }

    printf("\npolicy %s:\n", wh_policy_name(in->policy));
    for (size_t i = 0; i < in->findings.count; i++) {
        const wh_finding *f = &in->findings.items[i];
        printf("  %-7s %-24s %s%s%s%s%s\n", wh_severity_name(f->severity), f->rule, f->path,
               f->path[0] ? " (" : "", f->component, f->path[0] ? "): " : "", f->message);
    }
    size_t warnings = in->findings.count - in->findings.errors;
    printf("  %zu error%s, %zu warning%s: %s\n", in->findings.errors,
           cli_plural(in->findings.errors), warnings, cli_plural(warnings),
           in->findings.errors ? "failed" : "passed");
}

static json_t *file_json(const whc_file *file, const char *component)
{
    json_t *flags = json_array();
    for (unsigned bit = 0; bit < WH_FLAG_COUNT_; bit++) {
        if (file->classification.flags & (1u << bit))
            json_array_append_new(flags, json_string(wh_flag_name(1u << bit)));
    }
    char mode[16];
    snprintf(mode, sizeof(mode), "%04o", file->mode & 07777);
    json_t *item = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:o}", "path", file->path,
                             "component", component, "type", wh_file_type_name(file->type),
                             "mode", mode, "uid", (json_int_t)file->uid, "gid",
                             (json_int_t)file->gid, "size", (json_int_t)file->size, "flags",
                             flags);
    if (file->sha256)
        json_object_set_new(item, "sha256", json_string(file->sha256));
    if (file->target)
        json_object_set_new(item, "target", json_string(file->target));
    if (file->classification.interpreter)
        json_object_set_new(item, "interpreter", json_string(file->classification.interpreter));
    if (file->classification.multicall)
        json_object_set_new(item, "multicall", json_string(file->classification.multicall));
    return item;
}

static int print_json(const char *reference, const inspection *in)
{
    const whc_image_summary *s = &in->summary;
    json_t *root = json_pack("{s:s, s:s?, s:s?, s:I, s:I, s:I, s:s?}", "reference", reference,
                             "manifest_digest", s->manifest_digest, "package_format",
                             s->package_format, "files", (json_int_t)s->file_count, "bytes",
                             (json_int_t)s->total_size, "wasted_bytes",
                             (json_int_t)s->wasted_bytes, "user", in->run_as);
    json_t *layers = json_array(), *components = json_array(), *files = json_array();
    for (size_t i = 0; i < s->layer_count; i++) {
        const whc_image_layer_summary *l = &s->layers[i];
        json_array_append_new(layers, json_pack("{s:s?, s:I, s:I, s:I, s:I, s:I}", "digest",
                                                l->digest, "size", (json_int_t)l->size,
                                                "entries", (json_int_t)l->entries, "whiteouts",
                                                (json_int_t)l->whiteouts, "content_bytes",
                                                (json_int_t)l->content_bytes, "wasted_bytes",
                                                (json_int_t)l->wasted_bytes));
    }
    for (size_t i = 0; i < in->component_count; i++) {
        const whc_component *c = &in->components[i];
        json_array_append_new(components,
                              json_pack("{s:s, s:s, s:s, s:I, s:I}", "name", c->name, "version",
                                        c->version, "architecture", c->architecture, "files",
                                        (json_int_t)c->file_count, "bytes",
                                        (json_int_t)c->total_size));
        for (size_t j = 0; j < in->file_counts[i]; j++)
            json_array_append_new(files, file_json(&in->files[i][j], c->name));
    }
    json_object_set_new(root, "layers", layers);
    json_object_set_new(root, "components", components);
    json_object_set_new(root, "file_list", files);

    char *findings_text = NULL;
    wh_error err = { 0 };
    if (wh_findings_json(in->policy, &in->findings, &findings_text, &err) != WH_OK) {
        json_decref(root);
        return cli_report(&err);
    }
    json_object_set_new(root, "policy", json_loads(findings_text, 0, NULL));
    free(findings_text);

    char *text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(root);
    if (text == NULL) {
        cli_error("out of memory printing JSON");
        return CLI_EXIT_INVALID;
    }
    puts(text);
    free(text);
    return CLI_EXIT_OK;
}

static int inspect(const char *reference, const char *policy_name, int json,
                   const whc_image_import_options *options)
{
    wh_error err = { 0 };
    inspection in = { 0 };
    whc_catalog *catalog = NULL;
    char *dir = NULL;
    int code = CLI_EXIT_OK;

    wh_status status = whc_image_scratch_open(reference, options, &catalog, &dir, &in.summary,
                                              &err);
    if (status == WH_OK)
        status = read_back(catalog, &in, &err);
    if (status == WH_OK)
        status = evaluate(catalog, policy_name, &in, &err);
    if (status != WH_OK) {
        code = cli_report(&err);
        goto out;
    }

    if (json)
        code = print_json(reference, &in);
    else
        print_text(reference, &in);
    if (code == CLI_EXIT_OK && in.findings.errors > 0)
        code = CLI_EXIT_POLICY;

out:
    whc_image_scratch_close(catalog, dir, &in.summary);
    inspection_clear(&in);
    return code;
}

int cmd_inspect(int argc, char **argv, cli_globals *globals)
{
    static const struct option long_options[] = {
        { "policy", required_argument, NULL, 'p' },
        { "json", no_argument, NULL, 'j' },
        IMAGE_REGISTRY_OPTIONS,
        CLI_CATALOG_OPTION,
        CLI_HELP_OPTION,
        { 0 },
    };
    wh_registry_options registry = { .tls_verify = 1, .log = image_registry_log };
    whc_image_open_options open = { .registry = &registry };
    whc_image_import_options options = { .open = &open };
    const char *policy_name = "baseline";
    int json = 0;
    int option;

    while ((option = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
        int handled = image_registry_option("inspect", option, optarg, &registry);
        if (handled < 0)
            return CLI_EXIT_INVALID;
        if (handled > 0)
            continue;
        switch (option) {
        case 'p': policy_name = optarg; break;
        case 'j': json = 1; break;
        case CLI_OPTION_CATALOG: globals->catalog_path = optarg; break; /* accepted, unused */
        case CLI_OPTION_HELP: print_help(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("inspect", "invalid option");
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("inspect", argc - optind < 1 ? "missing REFERENCE to inspect"
                                                            : "inspect one REFERENCE at a time");
    return inspect(argv[optind], policy_name, json, &options);
}
