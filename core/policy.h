/*
 * Policy: rules as data, evaluated against a resolved composition.
 *
 * A policy is a JSON document (reference in docs/policy.md):
 *
 *     {"name": "strict",
 *      "rules": [{"id": "no-shell", "severity": "error"},
 *                {"id": "size-budget", "severity": "warning",
 *                 "parameters": {"bytes": 104857600}}]}
 *
 * The built-in profiles "strict", "baseline" and "none" are such documents
 * compiled into the program and read by the same parser.
 */
#ifndef WH_POLICY_H
#define WH_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "compose.h"
#include "error.h"

typedef struct wh_policy wh_policy;

typedef enum wh_severity {
    WH_SEVERITY_ERROR = 0,
    WH_SEVERITY_WARNING,
} wh_severity;

/* One rule broken by one path (or by the image as a whole, with path ""). */
typedef struct wh_finding {
    const char *rule;      /* rule id, static */
    wh_severity severity;
    char *path;            /* "" for findings about the whole image */
    char *component;       /* "" when no component owns it */
    char *message;
} wh_finding;

typedef struct wh_findings {
    wh_finding *items;
    size_t count, capacity;
    size_t errors;         /* findings with WH_SEVERITY_ERROR */
} wh_findings;

/* An account the policy can resolve a user name against. */
typedef struct wh_policy_user {
    const char *name;
    int64_t uid;
} wh_policy_user;

/* What the policy needs to know about the image beyond its files. */
typedef struct wh_policy_context {
    const char *run_as;                 /* user name or "uid[:gid]"; NULL: root */
    const wh_policy_user *users;
    size_t user_count;
    const char *const *writable_paths;  /* the spec's declared writable paths */
    size_t writable_path_count;
} wh_policy_context;

/* Returns 1 when name is a built-in profile. */
int wh_policy_is_profile(const char *name);

/* Loads a built-in profile. Free with wh_policy_free. */
wh_status wh_policy_profile(const char *name, wh_policy **out, wh_error *err);

/* Parses policy JSON; source names it in messages. Free with wh_policy_free. */
wh_status wh_policy_parse(const char *text, size_t size, const char *source, wh_policy **out,
                          wh_error *err);

/* Reads and parses a policy file. */
wh_status wh_policy_load(const char *path, wh_policy **out, wh_error *err);

/* Frees a policy; accepts NULL. */
void wh_policy_free(wh_policy *policy);

const char *wh_policy_name(const wh_policy *policy);

/* Adds executable path globs to every allow-executables rule of the policy (copied). */
wh_status wh_policy_allow_executables(wh_policy *policy, const char *const *globs, size_t count,
                                      wh_error *err);

/* Sets the byte limit of every size-budget rule of the policy. */
void wh_policy_set_size_budget(wh_policy *policy, int64_t bytes);

/* Number of rules, and each rule's id, severity and one-line description. */
size_t wh_policy_rule_count(const wh_policy *policy);
const char *wh_policy_rule_id(const wh_policy *policy, size_t index);
wh_severity wh_policy_rule_severity(const wh_policy *policy, size_t index);
const char *wh_policy_rule_description(const char *rule_id);

/*
 * Evaluates the policy against the composition's last resolution. Findings
 * come in rule order, then component name, then path. The caller frees out
 * with wh_findings_clear.
 */
wh_status wh_policy_evaluate(const wh_policy *policy, wh_composition *composition,
                             const wh_policy_context *context, wh_findings *out, wh_error *err);

/* Frees the findings' contents; accepts NULL. */
void wh_findings_clear(wh_findings *findings);

const char *wh_severity_name(wh_severity severity);

#endif
