/*
 * Shared steps of the commands that work on a spec (resolve, why, check,
 * lock): load the spec, load the catalog into a graph with the spec's local
 * files, resolve, and pick the policy.
 */
#ifndef WH_COMPOSE_CLI_H
#define WH_COMPOSE_CLI_H

#include "../core/compose.h"
#include "../core/policy.h"
#include "../core/spec.h"
#include "cli.h"

typedef struct cli_composition {
    wh_spec *spec;
    whc_catalog *catalog;
    wh_graph *graph;
    wh_composition *composition;
    wh_policy_user *users;         /* the spec's accounts, for the policy */
    const char **writable_paths;
    wh_policy_context context;
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
