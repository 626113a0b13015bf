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
} evaluation;

struct rule_def {
    const char *id;
    const char *description;
    const char *const *parameters; /* names allowed in "parameters", NULL-terminated */
    uint32_t mask;                 /* per-file rules: flags worth looking at; 0: image rule */
    int (*check_file)(const rule_instance *rule, evaluation *e, const wh_graph_file *file);
    int (*check_image)(const rule_instance *rule, evaluation *e);
};

extern const rule_def wh_rule_defs[];
extern const size_t wh_rule_def_count;

/* Appends a finding; returns -1 when out of memory. */
int wh_finding_add(evaluation *e, const rule_instance *rule, wh_severity severity,
                   const char *path, const char *component, const char *format, ...)
    __attribute__((format(printf, 6, 7)));

#endif
