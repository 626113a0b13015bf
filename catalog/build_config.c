/* The image config of a build, and the epoch its files and config carry. */
#include "build_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/platform.h"

wh_status whc_build_epoch(const wh_spec *spec, int64_t *epoch, wh_error *err)
{
    const char *text = getenv("SOURCE_DATE_EPOCH");
    if (text != NULL && text[0] != '\0') {
        char *end = NULL;
        errno = 0;
        long long value = strtoll(text, &end, 10);
        if (errno != 0 || *end != '\0' || value < 0 || text[0] < '0' || text[0] > '9')
            return wh_error_set(err, WH_ERR_INVALID,
                                "invalid SOURCE_DATE_EPOCH '%s': use a number of seconds since "
                                "1970, or unset it to use the spec's source-date-epoch",
                                text);
        *epoch = value;
        return WH_OK;
    }
    int64_t from_spec = wh_spec_get(spec)->source_date_epoch;
    *epoch = from_spec >= 0 ? from_spec : 0;
    return WH_OK;
}

/* Splits "os/architecture[/variant]" into strings in the plan's arena. */
static wh_status set_platform(const wh_spec_view *view, whc_build_plan *plan, wh_error *err)
{
    const char *platform = view->platform ? view->platform : WH_PLATFORM_DEFAULT;
    const char *first = strchr(platform, '/');
    const char *second = first ? strchr(first + 1, '/') : NULL;
    if (first == NULL || first == platform || first[1] == '\0' || first[1] == '/'
        || (second != NULL && (second[1] == '\0' || strchr(second + 1, '/') != NULL)))
        return wh_error_set(err, WH_ERR_INVALID,
                            "$.platform: invalid platform '%s': use OS/ARCH[/VARIANT], such as "
                            "\"linux/amd64\"",
                            platform);

    wh_arena *arena = &plan->arena;
    size_t architecture_length = second ? (size_t)(second - first - 1) : strlen(first + 1);
    plan->config.os = wh_arena_strndup(arena, platform, (size_t)(first - platform));
    plan->config.architecture = wh_arena_strndup(arena, first + 1, architecture_length);
    plan->config.variant = second ? wh_arena_strdup(arena, second + 1) : NULL;
    if (plan->config.os == NULL || plan->config.architecture == NULL
        || (second != NULL && plan->config.variant == NULL))
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory writing the image config");
    return WH_OK;
}

/*
 * The config's user is numeric ("uid:gid") even when run-as names a user,
 * so runtimes that must prove a non-root user (Kubernetes runAsNonRoot)
 * need not read /etc/passwd.
 */
static wh_status set_user(const wh_spec_view *view, whc_build_plan *plan, wh_error *err)
{
    if (view->run_as == NULL)
        return WH_OK;
    uid_t uid;
    gid_t gid;
    wh_status result = whc_build_owner(view, view->run_as, "$.accounts.run-as", &uid, &gid, err);
    if (result != WH_OK)
        return result;

    char text[32];
    snprintf(text, sizeof(text), "%u:%u", (unsigned)uid, (unsigned)gid);
    plan->config.user = wh_arena_strdup(&plan->arena, text);
    if (plan->config.user == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory writing the image config");
    return WH_OK;
}

static wh_status set_env_and_labels(const wh_spec_view *view, whc_build_plan *plan, wh_error *err)
{
    wh_arena *arena = &plan->arena;
    const char **env = wh_arena_alloc(arena, (view->env_count + 1) * sizeof(*env));
    wh_label *labels = wh_arena_alloc(arena, (view->label_count + 1) * sizeof(*labels));
    if (env == NULL || labels == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory writing the image config");

    for (size_t i = 0; i < view->env_count; i++) {
        size_t key_length = strlen(view->env[i].key), value_length = strlen(view->env[i].value);
        char *line = wh_arena_alloc(arena, key_length + value_length + 2);
        if (line == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory writing the image config");
        memcpy(line, view->env[i].key, key_length);
        line[key_length] = '=';
        memcpy(line + key_length + 1, view->env[i].value, value_length + 1);
        env[i] = line;
    }
    for (size_t i = 0; i < view->label_count; i++)
        labels[i] = (wh_label){ view->labels[i].key, view->labels[i].value };

    plan->config.env = view->env ? env : NULL;
    plan->config.env_count = view->env_count;
    plan->config.labels = view->labels ? labels : NULL;
    plan->config.label_count = view->label_count;
    return WH_OK;
}

wh_status whc_build_config(const whc_spec_session *session, int64_t epoch, whc_build_plan *plan,
                           wh_error *err)
{
    const wh_spec_view *view = session->view;
    wh_image_config *config = &plan->config;

    wh_status result = set_platform(view, plan, err);
    if (result == WH_OK)
        result = set_user(view, plan, err);
    if (result == WH_OK)
        result = set_env_and_labels(view, plan, err);
    if (result != WH_OK)
        return result;

    config->entrypoint = view->entrypoint;
    config->entrypoint_count = view->entrypoint_count;
    config->cmd = view->cmd;
    config->cmd_count = view->cmd_count;
    config->workdir = view->workdir;
    config->exposed_ports = view->exposed_ports;
    config->exposed_port_count = view->exposed_port_count;
    config->stop_signal = view->stop_signal;
    config->created = epoch;
    return WH_OK;
}
