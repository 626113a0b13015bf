/* `whittle check SPEC`: evaluate the policy and report findings as text, JSON or SARIF. */
#include <stdlib.h>
#include <string.h>

#include "../core/policy_report.h"
#include "compose_cli.h"

static void print_help(FILE *out)
{
    fputs("Usage: whittle check SPEC [--policy NAME|FILE] [--format text|json|sarif]\n"
          "                          [--catalog PATH]\n"
          "Resolve the spec and evaluate its policy: each finding names the rule, its\n"
          "severity, the path and the component. A spec with a lock is first checked\n"
          "against the catalog as 'whittle build' checks it, so a stale lock fails here\n"
          "too.\n"
          "\n"
          "Options:\n"
          "  --policy NAME|FILE  a built-in profile (strict, baseline, none) or a policy\n"
          "                      file, instead of the spec's policy (default: baseline)\n"
          "  --format FORMAT     text (default), json, or sarif (SARIF 2.1.0 for\n"
          "                      code-scanning tools)\n"
          "  --catalog PATH      catalog database to use\n"
          "  -h, --help          show this help\n"
          "\n"
          "Exit status: 0 no error-severity finding, 1 at least one, 2 invalid input,\n"
          "a lock that does not match the catalog, or failure.\n",
          out);
}

static int print_text(const wh_policy *policy, const wh_findings *findings)
{
    for (size_t i = 0; i < findings->count; i++) {
        const wh_finding *f = &findings->items[i];
        if (f->path[0] != '\0')
            printf("%-7s %-28s %s (%s): %s\n", wh_severity_name(f->severity), f->rule, f->path,
                   f->component, f->message);
        else
            printf("%-7s %-28s %s\n", wh_severity_name(f->severity), f->rule, f->message);
    }
    size_t warnings = findings->count - findings->errors;
    printf("policy %s: %zu error%s, %zu warning%s: %s\n", wh_policy_name(policy),
           findings->errors, cli_plural(findings->errors), warnings, cli_plural(warnings),
           findings->errors ? "failed" : "passed");
    return CLI_EXIT_OK;
}

static int report(const cli_composition *c, const wh_policy *policy, const wh_findings *findings,
                  const char *format)
{
    wh_error err = { 0 };
    char *text = NULL;
    wh_status status;

    if (strcmp(format, "text") == 0)
        return print_text(policy, findings);
    if (strcmp(format, "json") == 0)
        status = wh_findings_json(policy, findings, &text, &err);
    else
        status = wh_findings_sarif(policy, findings, wh_spec_source(c->spec), &text, &err);
    if (status != WH_OK)
        return cli_report(&err);
    fputs(text, stdout);
    free(text);
    return CLI_EXIT_OK;
}

int cmd_check(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {
        { "policy", required_argument, NULL, 'p' },
        { "format", required_argument, NULL, 'f' },
        CLI_CATALOG_OPTION,
        CLI_HELP_OPTION,
        { 0 },
    };
    const char *policy_name = NULL, *format = "text";
    int option;

    while ((option = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (option) {
        case 'p': policy_name = optarg; break;
        case 'f': format = optarg; break;
        case CLI_OPTION_CATALOG: globals->catalog_path = optarg; break;
        case 'h': print_help(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("check", "invalid option");
        }
    }
    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0 && strcmp(format, "sarif") != 0)
        return cli_usage_error("check", "invalid format '%s': use text, json or sarif", format);
    if (optind + 1 != argc)
        return cli_usage_error("check", optind >= argc ? "missing SPEC" : "too many arguments");

    cli_composition c;
    wh_policy *policy = NULL;
    wh_findings findings = { 0 };
    wh_error err = { 0 };
    int code = cli_composition_open(globals, argv[optind], &c);
    if (code != CLI_EXIT_OK)
        goto out;
    if (whc_spec_session_check_lock(c.session, &err) != WH_OK) {
        code = cli_report(&err);
        goto out;
    }
    if ((code = cli_composition_policy(&c, policy_name, &policy)) != CLI_EXIT_OK)
        goto out;
    if (wh_policy_evaluate(policy, c.composition, &c.context, &findings, &err) != WH_OK) {
        code = cli_report(&err);
        goto out;
    }

    code = report(&c, policy, &findings, format);
    if (code == CLI_EXIT_OK && findings.errors > 0)
        code = CLI_EXIT_POLICY;

out:
    wh_findings_clear(&findings);
    wh_policy_free(policy);
    cli_composition_close(&c);
    return code;
}
