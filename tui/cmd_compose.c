/* `whittle compose` and plain `whittle`: open the composer on the catalog. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../catalog/seed.h"
#include "app.h"
#include "cli.h"
#include "compose_image.h"
#include "dialog.h"
#include "image_options.h"
#include "view_common.h"

static void print_help(FILE *out)
{
    fputs("Usage: whittle compose [SPEC] [--theme NAME] [--ascii] [--image REF]\n"
          "Open the composer: toggle catalog components, see what each change adds or\n"
          "removes and what the policy says, then save the spec or export the image.\n"
          "Running 'whittle' with no command does the same. With an empty catalog the\n"
          "composer offers to seed it with the demo packages.\n"
          "\n"
          "Options:\n"
          "  --theme NAME           colour theme: dark (default), light, monochrome, or\n"
          "                         a path to a .theme file; NO_COLOR set in the\n"
          "                         environment forces monochrome\n"
          "  --ascii                draw lines and markers with ASCII characters only\n"
          "                         (also used when the locale is not UTF-8)\n"
          "  --image REF            review an image read-only: any reference 'whittle\n"
          "                         catalog import-image' accepts; the catalog is not\n"
          "                         opened\n" IMAGE_REGISTRY_HELP
          "  --catalog PATH         catalog database to use\n"
          "  -h, --help             show this help\n"
          "\n"
          "Press ? inside the composer for the keys.\n",
          out);
}

typedef struct compose_options {
    const char *spec_path;
    const char *theme_name;
    const char *image;
    int ascii;
    wh_registry_options registry; /* for an --image on a registry */
} compose_options;

/* Parses argv. Returns -1 to continue, or an exit code. */
static int parse_options(int argc, char **argv, cli_globals *globals, compose_options *options)
{
    static const struct option long_options[] = {
        {"theme", required_argument, NULL, 't'},
        {"ascii", no_argument, NULL, 'a'},
        {"image", required_argument, NULL, 'i'},
        IMAGE_REGISTRY_OPTIONS,
        CLI_CATALOG_OPTION,
        CLI_HELP_OPTION,
        {0},
    };
    int option;
    while ((option = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
        int handled = image_registry_option("compose", option, optarg, &options->registry);
        if (handled < 0)
            return CLI_EXIT_INVALID;
        if (handled > 0)
            continue;
        switch (option) {
        case 't':
            options->theme_name = optarg;
            break;
        case 'a':
            options->ascii = 1;
            break;
        case 'i':
            options->image = optarg;
            break;
        case CLI_OPTION_CATALOG:
            globals->catalog_path = optarg;
            break;
        case 'h':
            print_help(stdout);
            return CLI_EXIT_OK;
        default:
            return cli_usage_error("compose", "invalid option");
        }
    }
    if (optind < argc)
        options->spec_path = argv[optind++];
    if (optind < argc)
        return cli_usage_error("compose", "unexpected argument '%s'", argv[optind]);
    return -1;
}

typedef struct seed_context {
    tui_app *app;
} seed_context;

static void show_seed_progress(void *context, const char *phase, size_t done, size_t total,
                               const char *item)
{
    seed_context *seed = context;
    char text[256];
    snprintf(text, sizeof(text), "%s %zu/%zu %s", phase, done, total, item ? item : "");
    tui_dialog_progress(seed->app, "Seeding the demo catalog", total ? (double)done / total : 0,
                        text);
}

/* Offers the demo seed for an empty catalog. Returns 0 to go on, -1 when the user declined. */
static int offer_seed(tui_app *app, whc_catalog *catalog)
{
    int64_t count = 0;
    wh_error err = {0};
    if (whc_component_count(catalog, &count, &err) != WH_OK)
        tui_fatal("%s", err.message);
    if (count > 0)
        return 0;

    const char *lines[] = {
        "The catalog has no components yet:",
        whc_db_path(catalog),
        "",
        "The demo seed downloads about 45 Debian packages with apt-get",
        "(init systems, shells, BusyBox, caddy, curl, CA certificates, libraries).",
    };
    if (!tui_dialog_confirm(app, "Empty catalog", lines, 5, "Seed it now?"))
        return -1;

    seed_context context = {app};
    whc_seed_options options = {
        .quiet_download = 1, .progress = show_seed_progress, .progress_context = &context};
    show_seed_progress(&context, "download", 0, 0, "starting apt-get");
    if (whc_seed(catalog, &options, NULL, &err) != WH_OK)
        tui_fatal("seeding the catalog failed: %s", err.message);
    return 0;
}

static void load_theme(tui_app *app, const compose_options *options)
{
    char message[512];
    const char *name = options->theme_name ? options->theme_name : "dark";
    const char *no_color = getenv("NO_COLOR");
    if (no_color && no_color[0])
        name = "monochrome";

    if (tui_theme_load(&app->theme, name, tui_theme_dirs(), message, sizeof(message)) != 0) {
        /* A monochrome fallback keeps NO_COLOR working without any theme file. */
        if (strcmp(name, "monochrome") != 0 || options->theme_name) {
            cli_error("%s", message);
            exit(CLI_EXIT_INVALID);
        }
        tui_theme_default(&app->theme);
        app->theme.monochrome = 1;
    }
}

/*
 * Whether WHITTLE_EXIT_AFTER_FIRST_FRAME=1 is set. Then tui_app_run returns
 * after drawing the first frame, and the composer prints the time since the
 * process started on stderr. Benchmarks use this.
 */
static int first_frame_only(void)
{
    const char *value = getenv("WHITTLE_EXIT_AFTER_FIRST_FRAME");
    return value != NULL && strcmp(value, "1") == 0;
}

/*
 * Returns the milliseconds since the kernel started this process, or -1
 * when /proc/self/stat cannot be read. Its starttime field counts clock
 * ticks (usually 10 ms) since boot on CLOCK_BOOTTIME, so the result is too
 * high by less than one tick.
 */
static long process_age_ms(void)
{
    char line[1024];
    FILE *stat = fopen("/proc/self/stat", "r");
    if (stat == NULL)
        return -1;
    size_t length = fread(line, 1, sizeof(line) - 1, stat);
    fclose(stat);
    line[length] = '\0';

    /* The command name in field 2 may contain spaces and ')', so count fields after its last ')'. */
    char *p = strrchr(line, ')');
    if (p == NULL)
        return -1;
    unsigned long long start_ticks = 0;
    for (int field = 2; field < 22; field++) {
        p = strchr(p + 1, ' ');
        if (p == NULL)
            return -1;
    }
    if (sscanf(p + 1, "%llu", &start_ticks) != 1)
        return -1;

    struct timespec now;
    long ticks_per_second = sysconf(_SC_CLK_TCK);
    if (clock_gettime(CLOCK_BOOTTIME, &now) != 0 || ticks_per_second <= 0)
        return -1;
    double now_ms = (double)now.tv_sec * 1e3 + (double)now.tv_nsec / 1e6;
    return (long)(now_ms - (double)start_ticks * 1e3 / (double)ticks_per_second);
}

/* Runs the composer on catalog until the user quits; returns the exit code. */
static int run_composer(tui_app *app, whc_catalog *catalog, const char *spec_path, int ascii)
{
    char message[512];
    setlocale(LC_ALL, "");
    if (tui_draw_open(&app->theme, ascii, message, sizeof(message)) != 0) {
        cli_error("%s", message);
        return CLI_EXIT_INVALID;
    }
    /* The offer to seed an empty catalog waits for a key, so a benchmark run skips it. */
    if (!app->review_reference && !first_frame_only() && offer_seed(app, catalog) != 0) {
        tui_draw_close();
        return CLI_EXIT_OK;
    }

    tui_dialog_progress(app, "Opening", -1, "loading the component graph");
    wh_error err = {0};
    if (tui_model_open(catalog, spec_path, &app->model, &err) != WH_OK) {
        tui_draw_close();
        return cli_report(&err);
    }

    for (int i = 0; i < TUI_VIEW_COUNT; i++)
        app->views[i]->create(app, &app->view_data[i]);
    int code = tui_app_run(app);
    long first_frame_ms = first_frame_only() ? process_age_ms() : -1;
    tui_draw_close();
    if (first_frame_only()) {
        if (first_frame_ms >= 0)
            fprintf(stderr, "first frame: %ld ms\n", first_frame_ms);
        else
            cli_error("cannot read the process start time from /proc/self/stat");
    }

    for (int i = 0; i < TUI_VIEW_COUNT; i++)
        app->views[i]->destroy(app->view_data[i]);
    tui_model_free(app->model);
    app->model = NULL;
    return code;
}

int cmd_compose(int argc, char **argv, cli_globals *globals)
{
    compose_options options = {.registry = {.tls_verify = 1, .log = image_registry_log}};
    int code = parse_options(argc, argv, globals, &options);
    if (code >= 0)
        return code;
    if (options.image && options.spec_path)
        return cli_usage_error("compose", "give either a SPEC or --image, not both");

    tui_app app = {.selected_component = WH_NONE, .review_reference = options.image};
    app.views[TUI_VIEW_CATALOG] = &tui_view_catalog;
    app.views[TUI_VIEW_DETAILS] = &tui_view_details;
    app.views[TUI_VIEW_TREE] = &tui_view_tree;
    app.views[TUI_VIEW_POLICY] = &tui_view_policy;
    load_theme(&app, &options);

    if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
        cli_error("the composer needs a terminal on stdin and stdout; in scripts use "
                  "'whittle resolve', 'whittle check' and 'whittle build' on a spec");
        return CLI_EXIT_INVALID;
    }

    /* A review imports the image into a private catalog; the user's catalog stays closed. */
    if (options.image) {
        tui_image_session session = {0};
        code = tui_image_open(options.image, &options.registry, &session);
        if (code == CLI_EXIT_OK)
            code = run_composer(&app, session.catalog, session.spec_path, options.ascii);
        tui_image_close(&session);
        return code;
    }

    whc_catalog *catalog = NULL;
    code = cli_open_catalog(globals, &catalog);
    if (code != CLI_EXIT_OK)
        return code;
    code = run_composer(&app, catalog, options.spec_path, options.ascii);
    whc_close(catalog);
    return code;
}
