#include "policy_report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#ifdef WHITTLE_VERSION
#define WHITTLE_VERSION_TEXT WHITTLE_VERSION
#else
#define WHITTLE_VERSION_TEXT "0.0.0"
#endif

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"

/* Dumps root with a trailing newline into *out and drops the reference. */
static wh_status finish(json_t *root, char **out, wh_error *err)
{
    char *text = root ? json_dumps(root, JSON_INDENT(2)) : NULL;
    json_decref(root);
    *out = NULL;
    if (text == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory writing findings");

    size_t length = strlen(text);
    char *grown = realloc(text, length + 2);
    if (grown == NULL) {
        free(text);
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory writing findings");
    }
    grown[length] = '\n';
    grown[length + 1] = '\0';
    *out = grown;
    return WH_OK;
}

wh_status wh_findings_json(const wh_policy *policy, const wh_findings *findings, char **out,
                           wh_error *err)
{
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < findings->count; i++) {
        const wh_finding *f = &findings->items[i];
        json_t *item = json_pack("{s:s, s:s, s:s, s:s, s:s}", "rule", f->rule, "severity",
                                 wh_severity_name(f->severity), "path", f->path, "component",
                                 f->component, "message", f->message);
        if (item == NULL || json_array_append_new(list, item) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    json_t *root = list ? json_pack("{s:s, s:b, s:o}", "policy", wh_policy_name(policy), "passed",
                                    findings->errors == 0, "findings", list)
                        : NULL;
    return finish(root, out, err);
}

static json_t *sarif_rules(const wh_policy *policy)
{
    json_t *rules = json_array();
    for (size_t i = 0; rules != NULL && i < wh_policy_rule_count(policy); i++) {
        const char *id = wh_policy_rule_id(policy, i);
        json_t *rule = json_pack("{s:s, s:{s:s}, s:{s:s}}", "id", id, "shortDescription", "text",
                                 wh_policy_rule_description(id), "defaultConfiguration", "level",
                                 wh_severity_name(wh_policy_rule_severity(policy, i)));
        if (rule == NULL || json_array_append_new(rules, rule) != 0) {
            json_decref(rules);
            return NULL;
        }
    }
    return rules;
}

static json_t *sarif_result(const wh_finding *f, const char *spec_uri)
{
    json_t *location;
    if (f->path[0] != '\0')
        location = json_pack("{s:{s:{s:s, s:s}}}", "physicalLocation", "artifactLocation", "uri",
                             f->path + 1, "uriBaseId", "IMAGEROOT");
    else
        location = json_pack("{s:{s:{s:s}}}", "physicalLocation", "artifactLocation", "uri",
                             spec_uri);
    if (location == NULL)
        return NULL;
    return json_pack("{s:s, s:s, s:{s:s}, s:[o], s:{s:s}}", "ruleId", f->rule, "level",
                     wh_severity_name(f->severity), "message", "text", f->message, "locations",
                     location, "properties", "component", f->component);
}

wh_status wh_findings_sarif(const wh_policy *policy, const wh_findings *findings,
                            const char *spec_uri, char **out, wh_error *err)
{
    json_t *results = json_array();
    for (size_t i = 0; results != NULL && i < findings->count; i++) {
        json_t *result = sarif_result(&findings->items[i], spec_uri);
        if (result == NULL || json_array_append_new(results, result) != 0) {
            json_decref(results);
            results = NULL;
        }
    }
    json_t *rules = sarif_rules(policy);
    json_t *root = NULL;
    if (results != NULL && rules != NULL) {
        root = json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:o}}, s:{s:{s:s}}, s:o}]}",
                         "$schema", SARIF_SCHEMA, "version", "2.1.0", "runs", "tool", "driver",
                         "name", "whittle", "version", WHITTLE_VERSION_TEXT, "rules", rules,
                         "originalUriBaseIds", "IMAGEROOT", "uri", "file:///", "results", results);
        rules = results = NULL;
    }
    json_decref(rules);
    json_decref(results);
    return finish(root, out, err);
}
