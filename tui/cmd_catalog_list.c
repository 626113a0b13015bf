/*
 * `whittle catalog list` and `whittle catalog show`: the catalog's
 * components as a table or JSON array, and one component with its
 * relations and files.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_view.h"
#include "cli.h"

#define OPTION_JSON 0x1001

enum output_format { OUTPUT_TEXT, OUTPUT_JSON };

static void print_list_help(FILE *out)
{
    fputs("Usage: whittle catalog list [--kind KIND] [--json] [--catalog PATH]\n"
          "List the components in the catalog, sorted by name and version.\n"
          "\n"
          "Options:\n"
          "  --kind KIND     list only components of KIND: utility, library, data, base\n"
          "                  or application\n"
          "  --json          print a JSON array of objects (name, version, kind,\n"
          "                  architecture, license, files, size in bytes, size_human)\n"
          "  --catalog PATH  catalog database to read\n"
          "  -h, --help      show this help\n",
          out);
}

static void print_show_help(FILE *out)
{
    fputs("Usage: whittle catalog show NAME[@VERSION] [--json] [--catalog PATH]\n"
          "Show one component with its relations and files. Without @VERSION the\n"
          "highest version in the catalog is shown.\n"
          "\n"
          "Options:\n"
          "  --json          print a JSON object; modes are octal strings such as \"0755\"\n"
          "                  and xattr values are base64\n"
          "  --catalog PATH  catalog database to read\n"
          "  -h, --help      show this help\n",
          out);
}

/* Prints JSON with sorted keys and a 2-space indent, then a newline. */
static int print_json(json_t *value)
{
    int result = json_dumpf(value, stdout, JSON_SORT_KEYS | JSON_INDENT(2)) == 0 ? 0 : -1;
    fputc('\n', stdout);
    return result;
}

/* Lists the valid kind names, comma-separated, into buffer. */
static const char *kind_list(char *buffer, size_t size)
{
    buffer[0] = '\0';
    for (int kind = 0; kind < WH_KIND_COUNT; kind++) {
        if (kind > 0)
            strncat(buffer, ", ", size - strlen(buffer) - 1);
        strncat(buffer, wh_kind_name((wh_kind)kind), size - strlen(buffer) - 1);
    }
    return buffer;
}

static void print_table(const whc_component *components, size_t count)
{
    int name_width = 4, version_width = 7;
    for (size_t i = 0; i < count; i++) {
        int name = (int)strlen(components[i].name);
        int version = (int)strlen(components[i].version);
        name_width = name > name_width ? name : name_width;
        version_width = version > version_width ? version : version_width;
    }

    printf("%-*s  %-*s  %-11s  %7s  %10s  %s\n", name_width, "NAME", version_width, "VERSION",
           "KIND", "FILES", "SIZE", "LICENSE");
    for (size_t i = 0; i < count; i++) {
        const whc_component *c = &components[i];
        char size[32];
        printf("%-*s  %-*s  %-11s  %7lld  %10s  %s\n", name_width, c->name, version_width,
               c->version, wh_kind_name(c->kind), (long long)c->file_count,
               view_format_size(c->total_size, size), c->license ? c->license : "-");
    }
}

int cmd_catalog_list(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {
        { "kind", required_argument, NULL, 'k' },
        { "json", no_argument, NULL, OPTION_JSON },
        CLI_CATALOG_OPTION,
        CLI_HELP_OPTION,
        { NULL, 0, NULL, 0 },
    };
    enum output_format format = OUTPUT_TEXT;
    int kind = -1;
    char kinds[128];

    opterr = 0;
    int option;
    while ((option = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        switch (option) {
        case 'k': {
            wh_kind parsed;
            if (wh_kind_parse(optarg, &parsed) != 0)
                return cli_usage_error("catalog list", "invalid kind '%s'; valid kinds: %s",
                                       optarg, kind_list(kinds, sizeof(kinds)));
            kind = (int)parsed;
            break;
        }
        case OPTION_JSON:
            format = OUTPUT_JSON;
            break;
        case CLI_OPTION_CATALOG:
            globals->catalog_path = optarg;
            break;
        case CLI_OPTION_HELP:
            print_list_help(stdout);
            return CLI_EXIT_OK;
        case ':':
            return cli_usage_error("catalog list", "option '%s' requires a value",
                                   argv[optind - 1]);
        default:
            return cli_usage_error("catalog list", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("catalog list", "unexpected argument '%s'", argv[optind]);

    whc_catalog *catalog = NULL;
    int exit_code = cli_open_catalog(globals, &catalog);
    if (exit_code != CLI_EXIT_OK)
        return exit_code;

    whc_component *components = NULL;
    size_t count = 0;
    wh_error err = { 0 };
    if (whc_list_components(catalog, kind, &components, &count, &err) != WH_OK) {
        exit_code = cli_report(&err);
        goto out;
    }

    if (format == OUTPUT_JSON) {
        json_t *array = json_array();
        for (size_t i = 0; i < count; i++)
            json_array_append_new(array, view_component_summary_json(&components[i]));
        print_json(array);
        json_decref(array);
    } else if (count == 0 && kind >= 0) {
        printf("No components of kind %s in catalog %s.\n", wh_kind_name((wh_kind)kind),
               whc_db_path(catalog));
    } else if (count == 0) {
        printf("No components in catalog %s.\n"
               "Add some with 'whittle catalog import FILE...' or 'whittle catalog seed'.\n",
               whc_db_path(catalog));
    } else {
        print_table(components, count);
    }

out:
    whc_components_free(components, count);
    whc_close(catalog);
    return exit_code;
}

/* ---- show ------------------------------------------------------------- */

static void print_relation_line(const char *label, const whc_relation *relations, size_t count,
                                unsigned kinds)
{
    printf("  %-11s", label);
    int printed = 0;
    size_t first = 0;
    while (first < count) {
        size_t end = first + 1;
        while (end < count && relations[end].kind == relations[first].kind
               && relations[end].group == relations[first].group)
            end++;
        if (kinds & (1u << relations[first].kind)) {
            char *text = view_clause_text(relations, first, end - first);
            printf("%s%s", printed ? ", " : "", text);
            free(text);
            printed = 1;
        }
        first = end;
    }
    fputs(printed ? "\n" : "-\n", stdout);
}

static void print_file_line(const whc_file *files, size_t count, size_t index)
{
    const whc_file *file = &files[index];
    char mode[11], size[32];
    printf("  %s %5lld %5lld %10s  %s", view_format_mode(file->mode, file->type, mode),
           (long long)file->uid, (long long)file->gid, view_format_size(file->size, size),
           file->path);
    if (file->type == WH_FILE_SYMLINK)
        printf(" -> %s", file->target);
    else if (file->type == WH_FILE_HARDLINK)
        printf(" => %s", file->target);

    unsigned flags = file->classification.flags;
    if (flags != 0) {
        fputs("  [", stdout);
        int printed = 0;
        for (int bit = 0; bit < WH_FLAG_COUNT_; bit++) {
            if (flags & (1u << bit)) {
                printf("%s%s", printed ? ", " : "", wh_flag_name(1u << bit));
                printed = 1;
            }
        }
        if (flags & WH_FLAG_MULTICALL) {
            size_t link_count = 0;
            free(view_file_links(files, count, index, &link_count));
            printf("; %zu link%s", link_count, link_count == 1 ? "" : "s");
        }
        fputc(']', stdout);
    }
    fputc('\n', stdout);
}

static void print_component(const whc_component *c, const whc_relation *relations,
                            size_t relation_count, const whc_file *files, size_t file_count)
{
    char size[32];
    printf("%s %s", c->name, c->version);
    if (c->architecture != NULL && c->architecture[0] != '\0')
        printf(" (%s)", c->architecture);
    printf("\n  %-11s%s\n", "kind:", wh_kind_name(c->kind));
    printf("  %-11s%s\n", "license:", c->license ? c->license : "unknown");
    printf("  %-11s%s\n", "summary:", c->summary ? c->summary : "-");
    printf("  %-11s%s (%s)\n", "origin:", c->origin_path, c->origin_format);
    printf("  %-11ssha256 %s\n", "", c->origin_sha256);
    print_relation_line("requires:", relations, relation_count,
                        1u << WHC_REL_DEPENDS | 1u << WHC_REL_PRE_DEPENDS);
    print_relation_line("provides:", relations, relation_count, 1u << WHC_REL_PROVIDES);
    print_relation_line("conflicts:", relations, relation_count,
                        1u << WHC_REL_CONFLICTS | 1u << WHC_REL_BREAKS);
    printf("  %-11s%lld %s, %s\n", "files:", (long long)c->file_count,
           c->file_count == 1 ? "entry" : "entries", view_format_size(c->total_size, size));

    if (file_count > 0)
        fputc('\n', stdout);
    for (size_t i = 0; i < file_count; i++)
        print_file_line(files, file_count, i);
}

int cmd_catalog_show(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {
        { "json", no_argument, NULL, OPTION_JSON },
        CLI_CATALOG_OPTION,
        CLI_HELP_OPTION,
        { NULL, 0, NULL, 0 },
    };
    enum output_format format = OUTPUT_TEXT;

    opterr = 0;
    int option;
    while ((option = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        switch (option) {
        case OPTION_JSON:
            format = OUTPUT_JSON;
            break;
        case CLI_OPTION_CATALOG:
            globals->catalog_path = optarg;
            break;
        case CLI_OPTION_HELP:
            print_show_help(stdout);
            return CLI_EXIT_OK;
        case ':':
            return cli_usage_error("catalog show", "option '%s' requires a value",
                                   argv[optind - 1]);
        default:
            return cli_usage_error("catalog show", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("catalog show", "missing component name");
    if (optind + 1 < argc)
        return cli_usage_error("catalog show", "unexpected argument '%s'", argv[optind + 1]);

    /* NAME@VERSION: package names never contain '@', versions may. */
    char *name = strdup(argv[optind]);
    if (name == NULL)
        abort();
    char *at = strchr(name, '@');
    const char *version = NULL;
    if (at != NULL) {
        *at = '\0';
        version = at + 1;
    }
    if (name[0] == '\0' || (version != NULL && version[0] == '\0')) {
        free(name);
        return cli_usage_error("catalog show", "invalid component '%s'; expected NAME or "
                               "NAME@VERSION", argv[optind]);
    }

    whc_catalog *catalog = NULL;
    whc_component component = { 0 };
    whc_relation *relations = NULL;
    whc_file *files = NULL;
    size_t relation_count = 0, file_count = 0;
    wh_error err = { 0 };
    int exit_code = cli_open_catalog(globals, &catalog);
    if (exit_code != CLI_EXIT_OK)
        goto out;

    wh_status status = whc_find_component(catalog, name, version, &component, &err);
    if (status == WH_ERR_NOT_FOUND) {
        cli_error("%s; see 'whittle catalog list'", err.message);
        exit_code = CLI_EXIT_INVALID;
        goto out;
    }
    if (status == WH_OK)
        status = whc_component_relations(catalog, component.id, &relations, &relation_count,
                                         &err);
    if (status == WH_OK)
        status = whc_component_files(catalog, component.id, &files, &file_count, &err);
    if (status != WH_OK) {
        exit_code = cli_report(&err);
        goto out;
    }

    if (format == OUTPUT_JSON) {
        json_t *object = view_component_json(&component, relations, relation_count, files,
                                             file_count);
        print_json(object);
        json_decref(object);
    } else {
        print_component(&component, relations, relation_count, files, file_count);
    }

out:
    whc_files_free(files, file_count);
    whc_relations_free(relations, relation_count);
    whc_component_clear(&component);
    whc_close(catalog);
    free(name);
    return exit_code;
}
