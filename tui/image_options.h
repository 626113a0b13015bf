/*
 * Registry options shared by the commands that read images
 * (`catalog import-image`, `inspect`): --creds, --authfile, --tls-verify.
 */
#ifndef WH_TUI_IMAGE_OPTIONS_H
#define WH_TUI_IMAGE_OPTIONS_H

#include <getopt.h>

#include "../core/registry.h"

#define IMAGE_OPTION_CREDS 0x2001
#define IMAGE_OPTION_AUTHFILE 0x2002
#define IMAGE_OPTION_TLS_VERIFY 0x2003

#define IMAGE_REGISTRY_OPTIONS                                                   \
    { "creds", required_argument, NULL, IMAGE_OPTION_CREDS },                    \
    { "authfile", required_argument, NULL, IMAGE_OPTION_AUTHFILE },              \
    { "tls-verify", required_argument, NULL, IMAGE_OPTION_TLS_VERIFY }

#define IMAGE_REGISTRY_HELP                                                       \
    "  --creds USER:PASSWORD  registry credentials (never printed or logged)\n"   \
    "  --authfile FILE        auth file to use instead of $REGISTRY_AUTH_FILE and\n" \
    "                         the standard containers and Docker auth files\n"   \
    "  --tls-verify=BOOL      verify the registry's TLS certificate (default true);\n" \
    "                         false also allows plain HTTP\n"

/*
 * Applies one getopt result to options. Returns 1 when option was a
 * registry option, 0 when it was not, and -1 after printing a usage error.
 */
int image_registry_option(const char *command, int option, const char *value,
                          wh_registry_options *options);

/* Prints registry progress lines to stderr. */
void image_registry_log(void *context, const char *message);

#endif
