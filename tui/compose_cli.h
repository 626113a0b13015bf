/*
 * Shared steps of the commands that work on a spec (resolve, why, check,
 * lock): load the spec and the catalog, resolve them through the same
 * spec session as `whittle build`, and print errors as commands do.
 */
#ifndef WH_COMPOSE_CLI_H
#define WH_COMPOSE_CLI_H

#include "../catalog/spec_session.h"
#include "cli.h"

typedef struct cli_composition {
    wh_spec *spec;
    whc_catalog *catalog;
    whc_spec_session *session;
    wh_graph *graph;             /* the session's, borrowed */
    wh_composition *composition; /* the session's, borrowed */
    wh_policy_context context;   /* the session's accounts and writable paths */
} cli_composition;

/*
 * Loads spec_path and the catalog and resolves. Returns 0, or prints the
 * error and returns the exit code. Free with cli_composition_close even on
 * failure.
 */
int cli_composition_open(cli_globals *globals, const char *spec_path, cli_composition *out);
void cli_composition_close(cli_composition *c);

/*
 * Loads the policy: override (a profile name or a file path) when non-NULL,
 * else the spec's, then adds the spec's allow-executables and size-budget.
 * Returns 0 or prints the error and returns the exit code.
 */
int cli_composition_policy(const cli_composition *c, const char *override, wh_policy **out);

/* Finds a component by name, or prints an error and returns WH_NONE. */
uint32_t cli_find_component(const cli_composition *c, const char *name);

/* Writes one line explaining why id is included, as "required by caddy: ..." */
void cli_describe_reason(const cli_composition *c, uint32_t id, char *out, size_t size);

#endif
