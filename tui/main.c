/*
 * The whittle program: global options, then one command. With no command it
 * opens the composer on the catalog.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_command commands[] = {
    { "catalog", cmd_catalog, "import packages and files, list and show components" },
    { "resolve", cmd_resolve, "resolve a spec: components, reasons, totals, toggle impact" },
    { "why", cmd_why, "show the chain of requirements that pulls a component in" },
    { "check", cmd_check, "evaluate a spec's policy; text, JSON or SARIF findings" },
    { "lock", cmd_lock, "record resolved versions and digests in a spec's lock" },
    { "build", cmd_build, "build a spec's image reproducibly: OCI, docker-archive, rootfs" },
    { "push", cmd_push, "push an OCI layout or oci-archive to a registry, without a build" },
    { "inspect", cmd_inspect, "show an image's layers, components, files and policy findings" },
    { "compose", cmd_compose, "open the interactive composer (the default command)" },
};

static void print_help(FILE *out)
{
    fputs("Usage: whittle [--catalog PATH] COMMAND [ARGS...]\n"
          "Compose minimal container images from a catalog of components.\n"
          "\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "Options:\n"
          "  --catalog PATH  catalog database to use (default: $WHITTLE_CATALOG,\n"
          "                  else $XDG_DATA_HOME/whittle/catalog.db, else\n"
          "                  ~/.local/share/whittle/catalog.db)\n"
          "  -h, --help      show this help, or a command's help after its name\n"
          "  -V, --version   show the version\n"
          "\n"
          "Exit codes: 0 success, 1 policy violations, 2 invalid input or failure.\n"
          "Run 'whittle COMMAND --help' for the options of one command.\n",
          out);
}

int main(int argc, char **argv)
{
    cli_globals globals = { 0 };
    int index = 1;

    /*
     * A closed pipe (`whittle inspect REF | head`) makes writes fail with
     * EPIPE instead of killing the process, so commands still remove their
     * temporary catalogs and files on the way out.
     */
    signal(SIGPIPE, SIG_IGN);

    /* Global options come before the command; commands accept --catalog too. */
    while (index < argc && argv[index][0] == '-') {
        const char *arg = argv[index];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            print_help(stdout);
            return CLI_EXIT_OK;
        }
        if (strcmp(arg, "--version") == 0 || strcmp(arg, "-V") == 0) {
            printf("whittle %s\n", WHITTLE_VERSION);
            return CLI_EXIT_OK;
        }
        if (strcmp(arg, "--catalog") == 0) {
            if (index + 1 >= argc) {
                cli_error("option '--catalog' requires a path");
                return CLI_EXIT_INVALID;
            }
            globals.catalog_path = argv[index + 1];
            index += 2;
            continue;
        }
        if (strncmp(arg, "--catalog=", 10) == 0) {
            globals.catalog_path = arg + 10;
            index++;
            continue;
        }
        cli_error("unknown option '%s'", arg);
        fputs("Try 'whittle --help'.\n", stderr);
        return CLI_EXIT_INVALID;
    }

    if (index >= argc) {
        char *compose_argv[] = { "compose", NULL };
        cli_reset_getopt();
        return cmd_compose(1, compose_argv, &globals);
    }

    const char *name = argv[index];
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(commands[i].name, name) == 0) {
            cli_reset_getopt();
            return commands[i].run(argc - index, argv + index, &globals);
        }
    }

    cli_error("unknown command '%s'", name);
    fputs("Try 'whittle --help' for the list of commands.\n", stderr);
    return CLI_EXIT_INVALID;
}
