/* Rule definitions and parsed policies, shared by the policy files only. */
#ifndef WH_POLICY_INTERNAL_H
#define WH_POLICY_INTERNAL_H

#include "policy.h"

typedef struct rule_def rule_def;

/* One rule of a parsed policy with its parameters. */
typedef struct rule_instance {
    const rule_def *def;
    wh_severity severity;
    char **paths;          /* path globs: allowed, writable or leftover paths */
    size_t *literal_lengths; /* per glob, the length of its prefix without wildcards */
    size_t path_count;
    int paths_set;         /* "paths" was given (an empty list is a valid choice) */
    int64_t bytes;         /* size-budget */
    int compressed;        /* size-budget measures the compressed estimate */
    int allow_scripts;     /* static-only */
} rule_instance;

struct wh_policy {
    char *name;
    rule_instance *rules;
    size_t rule_count;
};

/* State of one evaluation, passed to every rule. */
typedef struct evaluation {
    wh_composition *composition;
    const wh_graph *graph;
    const wh_policy_context *context;
    wh_findings *findings;
    uint32_t *matches;     /* scratch list of file indices for path rules */
    uint32_t match_count, match_capacity;
} evaluation;

/* rule_def.mask of rules that look only at the files their path globs match. */
#define RULE_BY_PATH UINT32_MAX

struct rule_def {
    const char *id;
    const char *description;
    const char *const *parameters; /* names allowed in "parameters", NULL-terminated */
    uint32_t mask;                 /* file rules: flags worth looking at, or RULE_BY_PATH */
    int (*check_file)(const rule_instance *rule, evaluation *e, const wh_graph_file *file);
    int (*check_image)(const rule_instance *rule, evaluation *e);
};

/* Package databases and caches that no-package-manager-leftovers looks for by default. */
extern const char *const wh_leftover_defaults[];

/* Returns 1 when path matches one of the rule's globs. */
int wh_rule_matches(const rule_instance *rule, const char *path);

extern const rule_def wh_rule_defs[];
extern const size_t wh_rule_def_count;

/* Appends a finding; returns -1 when out of memory. */
int wh_finding_add(evaluation *e, const rule_instance *rule, wh_severity severity,
                   const char *path, const char *component, const char *format, ...)
    __attribute__((format(printf, 6, 7)));

#endif
