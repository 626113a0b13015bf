/*
 * The policy rules: one function each. File rules see every remaining file
 * of every included component whose flags intersect the rule's mask; image
 * rules see the composition as a whole.
 */
#include "policy_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glob.h"
#include "graph_internal.h"
#include "version.h"

static const char *component_name(const evaluation *e, const wh_graph_file *file)
{
    return wh_graph_component_at(e->graph, file->component)->name;
}

/* The literal prefix rules out most paths before the glob matcher runs. */
int wh_rule_matches(const rule_instance *rule, const char *path)
{
    for (size_t i = 0; i < rule->path_count; i++) {
        if (strncmp(path, rule->paths[i], rule->literal_lengths[i]) == 0
            && wh_glob_match(rule->paths[i], path))
            return 1;
    }
    return 0;
}

static int file_finding(evaluation *e, const rule_instance *rule, const wh_graph_file *file,
                        const char *message)
{
    return wh_finding_add(e, rule, rule->severity, file->path, component_name(e, file), "%s",
                          message);
}

/* ---- File rules --------------------------------------------------------- */

static int check_multicall(const rule_instance *rule, evaluation *e, const wh_graph_file *file)
{
    return wh_finding_add(e, rule, rule->severity, file->path, component_name(e, file),
                          "multi-call binary (%s): one executable that acts as many commands; "
                          "use single-purpose executables instead",
                          file->multicall ? file->multicall : "busybox-style");
}

static int check_shell(const rule_instance *rule, evaluation *e, const wh_graph_file *file)
{
    return file_finding(e, rule, file,
                        "command shell: code execution in the container becomes an interactive "
                        "shell; exclude the path or the component");
}

static int check_package_manager(const rule_instance *rule, evaluation *e, const wh_graph_file *file)
{
    return file_finding(e, rule, file,
                        "package manager: lets software be installed at run time; exclude the "
                        "path or the component");
}

static int check_setuid(const rule_instance *rule, evaluation *e, const wh_graph_file *file)
{
    int setuid = (file->flags & WH_FLAG_SETUID) != 0;
    int setgid = (file->flags & WH_FLAG_SETGID) != 0;
    const char *bits = "setgid";
    const char *privileges = "its group's";
    if (setuid && setgid) {
        bits = "setuid and setgid";
        privileges = "its owner's and group's";
    } else if (setuid) {
        bits = "setuid";
        privileges = "its owner's";
    }
    return wh_finding_add(e, rule, rule->severity, file->path, component_name(e, file),
                          "%s file (mode %04o): runs with %s privileges; exclude it", bits,
                          file->mode & 07777, privileges);
}

static int check_capabilities(const rule_instance *rule, evaluation *e, const wh_graph_file *file)
{
    return file_finding(e, rule, file,
                        "file capabilities (security.capability): grants privileges on exec; "
                        "exclude the path");
}

static int check_static(const rule_instance *rule, evaluation *e, const wh_graph_file *file)
{
    if (file->flags & WH_FLAG_DYNAMIC)
        return file_finding(e, rule, file,
                            "dynamically linked executable: only statically linked executables "
                            "are allowed");
    if ((file->flags & WH_FLAG_SCRIPT) && !rule->allow_scripts)
        return file_finding(e, rule, file,
                            "script: only statically linked executables are allowed; set "
                            "\"allow-scripts\" to permit scripts");
    return 0;
}

static int check_allowed(const rule_instance *rule, evaluation *e, const wh_graph_file *file)
{
    if (wh_rule_matches(rule, file->path))
        return 0;
    return file_finding(e, rule, file,
                        "executable not on the allow list: add it to \"allow-executables\" in "
                        "the spec's policy, or exclude it");
}

static int under_declared(const evaluation *e, const rule_instance *rule, const char *path)
{
    const wh_policy_context *context = e->context;
    for (size_t i = 0; context && i < context->writable_path_count; i++) {
        const char *declared = context->writable_paths[i];
        size_t length = strlen(declared);
        if (strncmp(path, declared, length) == 0 && (path[length] == '\0' || path[length] == '/'))
            return 1;
    }
    return wh_rule_matches(rule, path);
}

static int check_world_writable(const rule_instance *rule, evaluation *e, const wh_graph_file *file)
{
    if (file->type == WH_FILE_SYMLINK || under_declared(e, rule, file->path))
        return 0;
    return wh_finding_add(e, rule, rule->severity, file->path, component_name(e, file),
                          "world-writable %s (mode %04o) outside the declared writable paths: "
                          "declare it under \"paths\" in the spec or exclude it",
                          file->type == WH_FILE_DIRECTORY ? "directory" : "file",
                          file->mode & 07777);
}

/* Package databases and download caches that only a package manager reads. */
const char *const wh_leftover_defaults[] = {
    "/var/lib/dpkg/**", "/var/lib/apt/**", "/var/cache/apt/**", "/var/log/apt/**",
    "/var/log/dpkg.log", "/var/cache/debconf/**", "/lib/apk/db/**", "/var/cache/apk/**",
    "/var/lib/rpm/**", "/var/cache/dnf/**", "/var/cache/yum/**", NULL,
};

static int check_leftovers(const rule_instance *rule, evaluation *e, const wh_graph_file *file)
{
    if (file->type == WH_FILE_DIRECTORY || !wh_rule_matches(rule, file->path))
        return 0;
    return file_finding(e, rule, file,
                        "package manager database or cache: not needed at run time; exclude it "
                        "with \"exclude-paths\"");
}

/* ---- Image rules -------------------------------------------------------- */

static int numeric_uid(const char *text, int64_t *uid)
{
    char *end = NULL;
    if (text[0] < '0' || text[0] > '9')
        return 0;
    long long value = strtoll(text, &end, 10);
    if (*end != '\0' && *end != ':')
        return 0;
    *uid = value;
    return 1;
}

static int check_non_root(const rule_instance *rule, evaluation *e)
{
    const wh_policy_context *context = e->context;
    const char *run_as = context ? context->run_as : NULL;
    if (run_as == NULL)
        return wh_finding_add(e, rule, rule->severity, "", "",
                              "the image runs as root: set \"run-as\" under \"accounts\" in the "
                              "spec to a non-root user");

    char user[256];
    snprintf(user, sizeof(user), "%.*s", (int)strcspn(run_as, ":"), run_as);
    int64_t uid = -1;
    if (!numeric_uid(run_as, &uid)) {
        for (size_t i = 0; i < context->user_count; i++) {
            if (strcmp(context->users[i].name, user) == 0)
                uid = context->users[i].uid;
        }
        if (uid < 0 && strcmp(user, "root") == 0)
            uid = 0;
        if (uid < 0)
            return wh_finding_add(e, rule, rule->severity, "", "",
                                  "run-as user '%s' is not declared: add it to \"users\" under "
                                  "\"accounts\" or give a numeric uid",
                                  user);
    }
    if (uid == 0)
        return wh_finding_add(e, rule, rule->severity, "", "",
                              "the image runs as root (run-as '%s'): use a non-root user", run_as);
    return 0;
}

static int check_size_budget(const rule_instance *rule, evaluation *e)
{
    wh_totals totals = wh_composition_totals(e->composition);
    uint64_t size = rule->compressed ? totals.compressed : totals.bytes;
    if (rule->bytes < 0 || size <= (uint64_t)rule->bytes)
        return 0;
    return wh_finding_add(e, rule, rule->severity, "", "",
                          "image %s %" PRIu64 " bytes exceed the budget of %" PRId64
                          " bytes: trim components or raise \"size-budget\"",
                          rule->compressed ? "(estimated compressed)" : "files", size, rule->bytes);
}

static int check_requirements(const rule_instance *rule, evaluation *e)
{
    uint32_t count = 0;
    const wh_unsatisfied *list = wh_composition_unsatisfied(e->composition, &count);
    for (uint32_t i = 0; i < count; i++) {
        const wh_unsatisfied *u = &list[i];
        const char *component = wh_graph_component_at(e->graph, u->component)->name;
        const char *path = u->file != WH_NONE ? wh_graph_file_at(e->graph, u->file)->path : "";
        wh_severity severity = u->warning ? WH_SEVERITY_WARNING : rule->severity;
        int failed;
        if (u->file == WH_NONE)
            failed = wh_finding_add(e, rule, severity, path, component,
                                    "declared dependency '%s' is not satisfied by any component",
                                    u->name);
        else if (u->requirement == WH_REQ_SYMLINK)
            failed = wh_finding_add(e, rule, severity, path, component,
                                    "dangling symlink: target '%s' is in no included component",
                                    u->name);
        else
            failed = wh_finding_add(e, rule, severity, path, component,
                                    "needs %s '%s', which no component provides after "
                                    "exclusions and trimming",
                                    wh_requirement_kind_label((wh_requirement_kind)u->requirement),
                                    u->name);
        if (failed)
            return -1;
    }
    return 0;
}

static int check_conflicts(const rule_instance *rule, evaluation *e)
{
    uint32_t count = 0;
    const wh_conflict *list = wh_composition_conflicts(e->composition, &count);
    for (uint32_t i = 0; i < count; i++) {
        const wh_graph_file *first = wh_graph_file_at(e->graph, list[i].first_file);
        const wh_graph_file *second = wh_graph_file_at(e->graph, list[i].second_file);
        if (wh_finding_add(e, rule, rule->severity, second->path, component_name(e, second),
                           "also shipped by '%s' with different content: exclude the path from "
                           "one of them",
                           component_name(e, first)) != 0)
            return -1;
    }
    return 0;
}

/*
 * Reports each declared Conflicts or Breaks of an included component that
 * another included component satisfies, by its name or a Provides. A
 * versioned relation never matches an unversioned Provides, as in dpkg.
 */
static int check_declared_conflicts(const rule_instance *rule, evaluation *e)
{
    const wh_graph *graph = e->graph;
    uint32_t count = wh_graph_component_count(graph);

    for (uint32_t id = 0; id < count; id++) {
        if (!wh_composition_included(e->composition, id))
            continue;
        const wh_graph_component *component = wh_graph_component_at(graph, id);
        int (*compare)(const char *, const char *) =
            component->scheme == WH_SCHEME_APK ? wh_version_compare_apk : wh_version_compare_debian;
        uint32_t end = component->first_relation + component->relation_count;

        for (uint32_t r = component->first_relation; r < end; r++) {
            const wh_graph_relation *relation = wh_graph_relation_at(graph, r);
            if (relation->kind != WH_REL_CONFLICTS && relation->kind != WH_REL_BREAKS)
                continue;
            for (uint32_t p = wh_graph_first_provider(graph, relation->name); p != WH_NONE;) {
                const provide_entry *entry = wh_graph_provide_at(graph, p);
                p = entry->next;
                if (entry->component == id || !wh_composition_included(e->composition, entry->component))
                    continue;
                if (relation->op != NULL
                    && (entry->version == NULL
                        || wh_version_satisfies(compare, entry->version, relation->op,
                                                relation->version) != 1))
                    continue;
                const wh_graph_component *other = wh_graph_component_at(graph, entry->component);
                char constraint[160] = "";
                if (relation->op != NULL)
                    snprintf(constraint, sizeof(constraint), " (%s %s)", relation->op,
                             relation->version);
                if (wh_finding_add(e, rule, rule->severity, "", component->name,
                                   "declares %s: %s%s, which '%s' %s satisfies: leave one of "
                                   "them out",
                                   relation->kind == WH_REL_CONFLICTS ? "Conflicts" : "Breaks",
                                   relation->name, constraint, other->name, other->version) != 0)
                    return -1;
            }
        }
    }
    return 0;
}

/* ---- The table ---------------------------------------------------------- */

static const char *const no_parameters[] = { NULL };
static const char *const path_parameters[] = { "paths", NULL };
static const char *const static_parameters[] = { "allow-scripts", NULL };
static const char *const budget_parameters[] = { "bytes", "measure", NULL };

const rule_def wh_rule_defs[] = {
    { "no-multicall", "no multi-call binaries such as BusyBox or toybox", no_parameters,
      WH_FLAG_MULTICALL, check_multicall, NULL },
    { "no-shell", "no command shells", no_parameters, WH_FLAG_SHELL, check_shell, NULL },
    { "no-package-manager", "no package manager executables", no_parameters,
      WH_FLAG_PACKAGE_MANAGER, check_package_manager, NULL },
    { "no-setuid", "no setuid or setgid files", no_parameters, WH_FLAG_SETUID | WH_FLAG_SETGID,
      check_setuid, NULL },
    { "no-capabilities", "no files with file capabilities", no_parameters, WH_FLAG_CAPABILITIES,
      check_capabilities, NULL },
    { "static-only", "only statically linked executables", static_parameters, WH_FLAG_EXECUTABLE,
      check_static, NULL },
    { "allow-executables", "only executables on the allow list", path_parameters,
      WH_FLAG_EXECUTABLE, check_allowed, NULL },
    { "no-world-writable", "no world-writable path outside the declared writable paths",
      path_parameters, WH_FLAG_WORLD_WRITABLE, check_world_writable, NULL },
    { "no-package-manager-leftovers", "no package manager databases or caches", path_parameters,
      RULE_BY_PATH, check_leftovers, NULL },
    { "non-root-user", "the image runs as a non-root user", no_parameters, 0, NULL,
      check_non_root },
    { "size-budget", "the image stays within a size budget", budget_parameters, 0, NULL,
      check_size_budget },
    { "requirements-satisfied", "every file's interpreter, libraries and link targets are present",
      no_parameters, 0, NULL, check_requirements },
    { "no-conflicts", "no two components ship one path with different content", no_parameters, 0,
      NULL, check_conflicts },
    { "no-declared-conflicts", "no component declares Conflicts or Breaks on another one in the "
      "image", no_parameters, 0, NULL, check_declared_conflicts },
};

const size_t wh_rule_def_count = sizeof(wh_rule_defs) / sizeof(wh_rule_defs[0]);
