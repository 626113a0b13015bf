#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>

void cli_error(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fputs("whittle: ", stderr);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
}

int cli_report(const wh_error *err)
{
    cli_error("%s", err->message[0] ? err->message : wh_status_text(err->status));
    return wh_status_exit_code(err->status);
}

int cli_usage_error(const char *command, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fputs("whittle: ", stderr);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    fprintf(stderr, "Try 'whittle %s --help'.\n", command);
    return CLI_EXIT_INVALID;
}

int cli_open_catalog(const cli_globals *globals, whc_catalog **out)
{
    wh_error err = { 0 };
    char *path = NULL;

    if (whc_default_path(globals->catalog_path, &path, &err) != WH_OK)
        return cli_report(&err);

    wh_status status = whc_open(path, out, &err);
    free(path);
    if (status != WH_OK)
        return cli_report(&err);
    return CLI_EXIT_OK;
}

const char *cli_plural(unsigned long long count)
{
    return count == 1 ? "" : "s";
}

void cli_reset_getopt(void)
{
    optind = 0; /* glibc: 0 also resets its internal state */
    opterr = 1;
}
