/*
 * Shared plumbing for the headless commands: global options, the command
 * table, error printing and opening the catalog.
 *
 * Every command is `int run(int argc, char **argv, cli_globals *globals)`
 * where argv[0] is the command's own name, and returns the process exit
 * code: 0 success, 1 policy violations, 2 invalid input, usage or failure.
 */
#ifndef WH_CLI_H
#define WH_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "../catalog/catalog.h"
#include "../core/error.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_POLICY 1
#define CLI_EXIT_INVALID 2

typedef struct cli_globals {
    const char *catalog_path; /* --catalog; NULL means the default lookup */
} cli_globals;

typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv, cli_globals *globals);
    const char *summary; /* one line for `whittle --help` */
} cli_command;

/*
 * Option value shared by every command's getopt_long table, so
 * `--catalog PATH` works before or after the command name:
 *     { "catalog", required_argument, NULL, CLI_OPTION_CATALOG }
 */
#define CLI_OPTION_CATALOG 0x1000
#define CLI_OPTION_HELP 'h'
#define CLI_CATALOG_OPTION { "catalog", required_argument, NULL, CLI_OPTION_CATALOG }
#define CLI_HELP_OPTION { "help", no_argument, NULL, CLI_OPTION_HELP }

/* Prints "whittle: MESSAGE" and a newline to stderr. */
void cli_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Prints err's message to stderr and returns the exit code its status maps to. */
int cli_report(const wh_error *err);

/* Prints "Try 'whittle COMMAND --help'." after a usage error; returns 2. */
int cli_usage_error(const char *command, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Opens the catalog named by globals (or the default path). On failure
 * prints the error and returns its exit code; on success returns 0 and the
 * caller closes *out with whc_close.
 */
int cli_open_catalog(const cli_globals *globals, whc_catalog **out);

/* Returns "s" unless count is 1, for "%zu error%s" in messages. */
const char *cli_plural(unsigned long long count);

/* Resets getopt so each command parses its own argv from the start. */
void cli_reset_getopt(void);

/* Commands, one file each. */
int cmd_catalog(int argc, char **argv, cli_globals *globals);
int cmd_catalog_import(int argc, char **argv, cli_globals *globals);
int cmd_catalog_list(int argc, char **argv, cli_globals *globals);
int cmd_catalog_show(int argc, char **argv, cli_globals *globals);
int cmd_catalog_seed(int argc, char **argv, cli_globals *globals);
int cmd_catalog_gc(int argc, char **argv, cli_globals *globals);
int cmd_catalog_import_image(int argc, char **argv, cli_globals *globals);
int cmd_inspect(int argc, char **argv, cli_globals *globals);
int cmd_resolve(int argc, char **argv, cli_globals *globals);
int cmd_why(int argc, char **argv, cli_globals *globals);
int cmd_check(int argc, char **argv, cli_globals *globals);
int cmd_lock(int argc, char **argv, cli_globals *globals);
int cmd_build(int argc, char **argv, cli_globals *globals);
int cmd_push(int argc, char **argv, cli_globals *globals);
int cmd_compose(int argc, char **argv, cli_globals *globals);

#endif
