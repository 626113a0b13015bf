/* Parsing policies and profiles, and evaluating them. */
#include "policy_internal.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"
#include "glob.h"
#include "graph_internal.h"

#define POLICY_MAX_SIZE (1024 * 1024)

/* Default size budget of the strict profile: 100 MiB of file content. */
static const char strict_profile[] =
    "{\"name\": \"strict\", \"rules\": ["
    "{\"id\": \"no-multicall\", \"severity\": \"error\"},"
    "{\"id\": \"no-shell\", \"severity\": \"error\"},"
    "{\"id\": \"no-package-manager\", \"severity\": \"error\"},"
    "{\"id\": \"no-setuid\", \"severity\": \"error\"},"
    "{\"id\": \"no-capabilities\", \"severity\": \"error\"},"
    "{\"id\": \"static-only\", \"severity\": \"error\"},"
    "{\"id\": \"allow-executables\", \"severity\": \"error\", \"parameters\": {\"paths\": []}},"
    "{\"id\": \"no-world-writable\", \"severity\": \"error\"},"
    "{\"id\": \"no-package-manager-leftovers\", \"severity\": \"error\"},"
    "{\"id\": \"non-root-user\", \"severity\": \"error\"},"
    "{\"id\": \"size-budget\", \"severity\": \"error\", \"parameters\": {\"bytes\": 104857600}},"
    "{\"id\": \"requirements-satisfied\", \"severity\": \"error\"},"
    "{\"id\": \"no-conflicts\", \"severity\": \"error\"},"
    "{\"id\": \"no-declared-conflicts\", \"severity\": \"error\"}]}";

static const char baseline_profile[] =
    "{\"name\": \"baseline\", \"rules\": ["
    "{\"id\": \"no-setuid\", \"severity\": \"error\"},"
    "{\"id\": \"no-package-manager-leftovers\", \"severity\": \"error\"},"
    "{\"id\": \"non-root-user\", \"severity\": \"error\"},"
    "{\"id\": \"requirements-satisfied\", \"severity\": \"error\"},"
    "{\"id\": \"no-conflicts\", \"severity\": \"error\"},"
    "{\"id\": \"no-declared-conflicts\", \"severity\": \"warning\"}]}";

static const char none_profile[] = "{\"name\": \"none\", \"rules\": []}";

static const struct {
    const char *name;
    const char *json;
} profiles[] = {
    { "strict", strict_profile },
    { "baseline", baseline_profile },
    { "none", none_profile },
};

#define PROFILE_COUNT (sizeof(profiles) / sizeof(profiles[0]))

int wh_policy_is_profile(const char *name)
{
    for (size_t i = 0; i < PROFILE_COUNT; i++) {
        if (strcmp(profiles[i].name, name) == 0)
            return 1;
    }
    return 0;
}

void wh_policy_free(wh_policy *policy)
{
    if (policy == NULL)
        return;
    for (size_t i = 0; i < policy->rule_count; i++) {
        for (size_t j = 0; j < policy->rules[i].path_count; j++)
            free(policy->rules[i].paths[j]);
        free(policy->rules[i].paths);
        free(policy->rules[i].literal_lengths);
    }
    free(policy->rules);
    free(policy->name);
    free(policy);
}

const char *wh_policy_name(const wh_policy *policy)
{
    return policy->name;
}

const char *wh_severity_name(wh_severity severity)
{
    return severity == WH_SEVERITY_ERROR ? "error" : "warning";
}

/* ---- Parsing ------------------------------------------------------------ */

static const rule_def *find_rule(const char *id)
{
    for (size_t i = 0; i < wh_rule_def_count; i++) {
        if (strcmp(wh_rule_defs[i].id, id) == 0)
            return &wh_rule_defs[i];
    }
    return NULL;
}

static wh_status invalid(wh_error *err, const char *source, const char *path, const char *format,
                         ...) __attribute__((format(printf, 4, 5)));

static wh_status invalid(wh_error *err, const char *source, const char *path, const char *format,
                         ...)
{
    char message[512];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof(message), format, args);
    va_end(args);
    return wh_error_set(err, WH_ERR_INVALID, "%s: %s: %s", source, path, message);
}

static wh_status add_paths(rule_instance *rule, const char *const *globs, size_t count,
                           wh_error *err)
{
    char **grown = realloc(rule->paths, (rule->path_count + count + 1) * sizeof(*grown));
    if (grown == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading a policy");
    rule->paths = grown;
    size_t *lengths = realloc(rule->literal_lengths,
                              (rule->path_count + count + 1) * sizeof(*lengths));
    if (lengths == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading a policy");
    rule->literal_lengths = lengths;
    for (size_t i = 0; i < count; i++) {
        wh_status status = wh_glob_validate(globs[i], err);
        if (status != WH_OK)
            return status;
        rule->paths[rule->path_count] = strdup(globs[i]);
        if (rule->paths[rule->path_count] == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading a policy");
        rule->literal_lengths[rule->path_count] = strcspn(globs[i], "*?[\\");
        rule->path_count++;
    }
    rule->paths_set = 1;
    return WH_OK;
}

static wh_status parse_parameter(rule_instance *rule, const char *key, json_t *value,
                                 const char *source, const char *path, wh_error *err)
{
    if (strcmp(key, "paths") == 0) {
        if (!json_is_array(value))
            return invalid(err, source, path, "expected an array of path globs");
        for (size_t i = 0; i < json_array_size(value); i++) {
            const char *glob = json_string_value(json_array_get(value, i));
            if (glob == NULL)
                return invalid(err, source, path, "item %zu is not a string", i);
            wh_status status = add_paths(rule, &glob, 1, err);
            if (status != WH_OK) {
                wh_error_prefix(err, "%s: %s[%zu]", source, path, i);
                return status;
            }
        }
        rule->paths_set = 1;
    } else if (strcmp(key, "bytes") == 0) {
        if (!json_is_integer(value) || json_integer_value(value) < 0)
            return invalid(err, source, path, "expected a number of bytes, 0 or more");
        rule->bytes = json_integer_value(value);
    } else if (strcmp(key, "measure") == 0) {
        const char *text = json_string_value(value);
        if (text == NULL || (strcmp(text, "bytes") != 0 && strcmp(text, "compressed") != 0))
            return invalid(err, source, path, "expected \"bytes\" or \"compressed\"");
        rule->compressed = strcmp(text, "compressed") == 0;
    } else if (strcmp(key, "allow-scripts") == 0) {
        if (!json_is_boolean(value))
            return invalid(err, source, path, "expected true or false");
        rule->allow_scripts = json_is_true(value);
    }
    return WH_OK;
}

static wh_status parse_rule(json_t *item, size_t index, const char *source, rule_instance *rule,
                            wh_error *err)
{
    char path[256];
    snprintf(path, sizeof(path), "$.rules[%zu]", index);
    if (!json_is_object(item))
        return invalid(err, source, path, "expected an object with \"id\" and \"severity\"");

    const char *key;
    json_t *value;
    json_object_foreach(item, key, value) {
        if (strcmp(key, "id") != 0 && strcmp(key, "severity") != 0 && strcmp(key, "parameters") != 0)
            return invalid(err, source, path, "unknown key \"%s\": use id, severity, parameters", key);
    }

    const char *id = json_string_value(json_object_get(item, "id"));
    if (id == NULL)
        return invalid(err, source, path, "missing \"id\"");
    rule->def = find_rule(id);
    if (rule->def == NULL) {
        char known[1024] = "";
        size_t used = 0;
        for (size_t i = 0; i < wh_rule_def_count && used < sizeof(known); i++)
            used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s", i ? ", " : "",
                                     wh_rule_defs[i].id);
        return invalid(err, source, path, "unknown rule id \"%s\"; known rules: %s", id, known);
    }

    const char *severity = json_string_value(json_object_get(item, "severity"));
    if (severity == NULL || (strcmp(severity, "error") != 0 && strcmp(severity, "warning") != 0))
        return invalid(err, source, path, "\"severity\" must be \"error\" or \"warning\"");
    rule->severity = strcmp(severity, "error") == 0 ? WH_SEVERITY_ERROR : WH_SEVERITY_WARNING;
    rule->bytes = -1;

    json_t *parameters = json_object_get(item, "parameters");
    if (parameters != NULL && !json_is_object(parameters))
        return invalid(err, source, path, "\"parameters\" must be an object");
    json_object_foreach(parameters, key, value) {
        int known = 0;
        for (const char *const *name = rule->def->parameters; *name != NULL; name++)
            known = known || strcmp(*name, key) == 0;
        char child[320];
        snprintf(child, sizeof(child), "%s.parameters.%s", path, key);
        if (!known)
            return invalid(err, source, child, "rule \"%s\" has no parameter \"%s\"", id, key);
        wh_status status = parse_parameter(rule, key, value, source, child, err);
        if (status != WH_OK)
            return status;
    }

    if (strcmp(id, "size-budget") == 0 && rule->bytes < 0)
        return invalid(err, source, path, "rule \"size-budget\" needs parameters.bytes");

    if (strcmp(id, "no-package-manager-leftovers") == 0 && !rule->paths_set) {
        size_t count = 0;
        while (wh_leftover_defaults[count] != NULL)
            count++;
        return add_paths(rule, wh_leftover_defaults, count, err);
    }
    return WH_OK;
}

wh_status wh_policy_parse(const char *text, size_t size, const char *source, wh_policy **out,
                          wh_error *err)
{
    wh_status result = WH_OK;
    json_error_t json_error;
    wh_policy *policy = calloc(1, sizeof(*policy));
    json_t *root = json_loadb(text, size, JSON_REJECT_DUPLICATES, &json_error);

    *out = NULL;
    if (policy == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory reading a policy");
        goto out;
    }
    /* jansson 2.14 leaves the error text empty when its lexer cannot allocate. */
    if (root == NULL
        && (json_error_code(&json_error) == json_error_out_of_memory || json_error.text[0] == '\0')) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory reading '%s'", source);
        goto out;
    }
    if (root == NULL) {
        result = wh_error_set(err, WH_ERR_INVALID, "%s:%d:%d: invalid JSON: %s", source,
                              json_error.line, json_error.column, json_error.text);
        goto out;
    }
    if (!json_is_object(root)) {
        result = invalid(err, source, "$", "expected an object with \"name\" and \"rules\"");
        goto out;
    }

    const char *key;
    json_t *value;
    json_object_foreach(root, key, value) {
        if (strcmp(key, "name") != 0 && strcmp(key, "description") != 0 && strcmp(key, "rules") != 0) {
            result = invalid(err, source, "$", "unknown key \"%s\": use name, description, rules", key);
            goto out;
        }
    }

    const char *name = json_string_value(json_object_get(root, "name"));
    json_t *rules = json_object_get(root, "rules");
    if (name == NULL || !json_is_array(rules)) {
        result = invalid(err, source, "$", "needs a string \"name\" and an array \"rules\"");
        goto out;
    }

    policy->name = strdup(name);
    policy->rules = calloc(json_array_size(rules) + 1, sizeof(*policy->rules));
    if (policy->name == NULL || policy->rules == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory reading a policy");
        goto out;
    }
    for (size_t i = 0; i < json_array_size(rules); i++) {
        result = parse_rule(json_array_get(rules, i), i, source, &policy->rules[i], err);
        policy->rule_count = i + 1;
        if (result != WH_OK)
            goto out;
    }

    *out = policy;
    policy = NULL;

out:
    json_decref(root);
    wh_policy_free(policy);
    return result;
}

wh_status wh_policy_profile(const char *name, wh_policy **out, wh_error *err)
{
    for (size_t i = 0; i < PROFILE_COUNT; i++) {
        if (strcmp(profiles[i].name, name) != 0)
            continue;
        /*
         * The profiles are valid (test_policy parses each one), so a failure here is an
         * allocation failure, even where jansson reports it as a syntax error.
         */
        wh_status status = wh_policy_parse(profiles[i].json, strlen(profiles[i].json), name, out,
                                           err);
        if (status != WH_OK)
            status = wh_error_set(err, WH_ERR_NOMEM, "out of memory loading policy profile '%s'",
                                  name);
        return status;
    }
    *out = NULL;
    return wh_error_set(err, WH_ERR_INVALID,
                        "unknown policy profile '%s': use strict, baseline, none or a policy file",
                        name);
}

wh_status wh_policy_load(const char *path, wh_policy **out, wh_error *err)
{
    char *text = NULL;
    size_t size = 0;
    *out = NULL;
    wh_status result = wh_read_file(path, POLICY_MAX_SIZE, &text, &size, err);
    if (result == WH_OK)
        result = wh_policy_parse(text, size, path, out, err);
    free(text);
    return result;
}

wh_status wh_policy_allow_executables(wh_policy *policy, const char *const *globs, size_t count,
                                      wh_error *err)
{
    for (size_t i = 0; i < policy->rule_count; i++) {
        if (strcmp(policy->rules[i].def->id, "allow-executables") != 0)
            continue;
        wh_status status = add_paths(&policy->rules[i], globs, count, err);
        if (status != WH_OK)
            return status;
    }
    return WH_OK;
}

void wh_policy_set_size_budget(wh_policy *policy, int64_t bytes)
{
    for (size_t i = 0; i < policy->rule_count; i++) {
        if (strcmp(policy->rules[i].def->id, "size-budget") == 0)
            policy->rules[i].bytes = bytes;
    }
}

size_t wh_policy_rule_count(const wh_policy *policy)
{
    return policy->rule_count;
}

const char *wh_policy_rule_id(const wh_policy *policy, size_t index)
{
    return index < policy->rule_count ? policy->rules[index].def->id : NULL;
}

wh_severity wh_policy_rule_severity(const wh_policy *policy, size_t index)
{
    return index < policy->rule_count ? policy->rules[index].severity : WH_SEVERITY_ERROR;
}

const char *wh_policy_rule_description(const char *rule_id)
{
    const rule_def *def = find_rule(rule_id);
    return def ? def->description : NULL;
}

/* ---- Evaluation --------------------------------------------------------- */

int wh_finding_add(evaluation *e, const rule_instance *rule, wh_severity severity,
                   const char *path, const char *component, const char *format, ...)
{
    wh_findings *findings = e->findings;
    if (findings->count == findings->capacity) {
        size_t capacity = findings->capacity ? findings->capacity * 2 : 16;
        wh_finding *grown = realloc(findings->items, capacity * sizeof(*grown));
        if (grown == NULL)
            return -1;
        findings->items = grown;
        findings->capacity = capacity;
    }

    wh_finding *finding = &findings->items[findings->count];
    va_list args;
    va_start(args, format);
    int length = vasprintf(&finding->message, format, args);
    va_end(args);
    if (length < 0)
        return -1;
    finding->path = strdup(path);
    finding->component = strdup(component);
    if (finding->path == NULL || finding->component == NULL) {
        free(finding->message);
        free(finding->path);
        free(finding->component);
        return -1;
    }
    finding->rule = rule->def->id;
    finding->severity = severity;
    findings->count++;
    if (severity == WH_SEVERITY_ERROR)
        findings->errors++;
    return 0;
}

/* Returns the first file of the component whose path, cut to length, is not below prefix. */
static uint32_t lower_bound(const wh_graph *graph, const wh_graph_component *component,
                            const char *prefix, size_t length)
{
    uint32_t low = 0, high = component->file_count;
    while (low < high) {
        uint32_t middle = low + (high - low) / 2;
        const char *path = wh_graph_file_at(graph, component->first_file + middle)->path;
        if (strncmp(path, prefix, length) < 0)
            low = middle + 1;
        else
            high = middle;
    }
    return component->first_file + low;
}

static int compare_indices(const void *a, const void *b)
{
    uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
    return (ia > ib) - (ia < ib);
}

/*
 * Runs a path rule on one component. Its files are sorted by path, so the
 * files under each glob's literal prefix form one range found by binary
 * search. Matches are reported in path order, each once.
 */
static int run_path_rule(const rule_instance *rule, evaluation *e, uint32_t id)
{
    const wh_graph_component *component = wh_graph_component_at(e->graph, id);
    uint32_t end = component->first_file + component->file_count;
    e->match_count = 0;

    for (size_t g = 0; g < rule->path_count; g++) {
        const char *prefix = rule->paths[g];
        size_t length = rule->literal_lengths[g];
        for (uint32_t f = lower_bound(e->graph, component, prefix, length);
             f < end && strncmp(wh_graph_file_at(e->graph, f)->path, prefix, length) == 0; f++) {
            if (wh_grow_array((void **)&e->matches, &e->match_capacity, e->match_count + 1,
                              sizeof(uint32_t)) != 0)
                return -1;
            e->matches[e->match_count++] = f;
        }
    }

    if (e->match_count > 1)
        qsort(e->matches, e->match_count, sizeof(uint32_t), compare_indices);
    for (uint32_t i = 0; i < e->match_count; i++) {
        uint32_t f = e->matches[i];
        if ((i > 0 && e->matches[i - 1] == f) || !wh_composition_file_kept(e->composition, f))
            continue;
        if (rule->def->check_file(rule, e, wh_graph_file_at(e->graph, f)) != 0)
            return -1;
    }
    return 0;
}

static int run_file_rule(const rule_instance *rule, evaluation *e, uint32_t id)
{
    uint32_t mask = rule->def->mask;
    if (mask == RULE_BY_PATH)
        return run_path_rule(rule, e, id);
    if (!(wh_composition_component_flags(e->composition, id) & mask))
        return 0;

    const wh_graph_component *component = wh_graph_component_at(e->graph, id);
    for (uint32_t i = 0; i < component->file_count; i++) {
        uint32_t f = component->first_file + i;
        const wh_graph_file *file = wh_graph_file_at(e->graph, f);
        if ((file->flags & mask) && wh_composition_file_kept(e->composition, f)
            && rule->def->check_file(rule, e, file) != 0)
            return -1;
    }
    return 0;
}

wh_status wh_policy_evaluate(const wh_policy *policy, wh_composition *composition,
                             const wh_policy_context *context, wh_findings *out, wh_error *err)
{
    evaluation e = { composition, wh_composition_graph(composition), context, out, NULL, 0, 0 };
    uint32_t member_count = 0;
    const uint32_t *members = wh_composition_members(composition, &member_count);

    memset(out, 0, sizeof(*out));
    for (size_t r = 0; r < policy->rule_count; r++) {
        const rule_instance *rule = &policy->rules[r];
        int failed = 0;
        if (rule->def->check_image != NULL) {
            failed = rule->def->check_image(rule, &e);
        } else {
            for (uint32_t m = 0; m < member_count && !failed; m++)
                failed = run_file_rule(rule, &e, members[m]);
        }
        if (failed) {
            free(e.matches);
            wh_findings_clear(out);
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory evaluating policy '%s'",
                                policy->name);
        }
    }
    free(e.matches);
    return WH_OK;
}

void wh_findings_clear(wh_findings *findings)
{
    if (findings == NULL)
        return;
    for (size_t i = 0; i < findings->count; i++) {
        free(findings->items[i].path);
        free(findings->items[i].component);
        free(findings->items[i].message);
    }
    free(findings->items);
    memset(findings, 0, sizeof(*findings));
}
