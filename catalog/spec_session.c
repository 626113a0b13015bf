/* A spec resolved over the catalog, its lock check and its policy; see spec_session.h. */
#include "spec_session.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/classify.h"
#include "../core/fs.h"
#include "../core/platform.h"
#include "../core/spec_apply.h"
#include "build.h"
#include "graph_load.h"

/* Resolves a path named in the spec against the spec's folder, as `whittle check` does. */
static char *spec_relative(const wh_spec *spec, const char *path)
{
    if (path[0] == '/')
        return strdup(path);
    char *copy = strdup(wh_spec_source(spec));
    char *joined = NULL;
    if (copy != NULL && asprintf(&joined, "%s/%s", dirname(copy), path) < 0)
        joined = NULL;
    free(copy);
    return joined;
}

static wh_status add_local_file(whc_spec_session *session, size_t index, wh_error *err)
{
    const wh_spec_file *file = &session->view->files[index];
    whc_spec_local_file *local = &session->local_files[index];
    wh_classification classification = { 0 };
    char *data = NULL;
    size_t size = 0;
    uid_t uid;
    gid_t gid;
    char where[64];

    snprintf(where, sizeof(where), "$.files[%zu].owner", index);
    wh_status result = whc_build_owner(session->view, file->owner, where, &uid, &gid, err);
    if (result != WH_OK)
        goto out;

    local->source = spec_relative(session->spec, file->source);
    if (local->source == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory reading local files");
        goto out;
    }
    result = wh_read_file(local->source, WHC_SPEC_LOCAL_FILE_MAX, &data, &size, err);
    if (result != WH_OK) {
        wh_error_prefix(err, "$.files[%zu].source", index);
        goto out;
    }
    wh_sha256_buffer_hex(data, size, local->sha256);
    local->size = size;

    wh_file_meta meta = { file->path, WH_FILE_REGULAR, S_IFREG | file->mode, 0 };
    result = wh_classify(&meta, (const unsigned char *)data, size, &classification, err);
    if (result != WH_OK)
        goto out;

    wh_file_input input = { .path = file->path, .type = WH_FILE_REGULAR,
                            .mode = S_IFREG | file->mode, .uid = uid, .gid = gid,
                            .size = (int64_t)size, .sha256 = local->sha256,
                            .classification = &classification };
    result = wh_graph_add_file(session->graph, &input, err);

out:
    wh_classification_free(&classification);
    free(data);
    return result;
}

static wh_status add_local_files(whc_spec_session *session, wh_error *err)
{
    const wh_spec_view *view = session->view;
    if (view->file_count == 0)
        return WH_OK;

    session->local_files = calloc(view->file_count, sizeof(*session->local_files));
    if (session->local_files == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading local files");

    wh_component_input input = { WH_LOCAL_FILES_COMPONENT, "", "", WH_KIND_APPLICATION, NULL,
                                 WH_SCHEME_DEBIAN };
    wh_status result = wh_graph_add_component(session->graph, &input, &session->local_component,
                                              err);
    for (size_t i = 0; result == WH_OK && i < view->file_count; i++)
        result = add_local_file(session, i, err);
    return result;
}

static wh_status make_policy_context(whc_spec_session *session, wh_error *err)
{
    const wh_spec_view *view = session->view;
    session->users = calloc(view->user_count + 1, sizeof(*session->users));
    session->writable_paths = calloc(view->path_count + 1, sizeof(*session->writable_paths));
    if (session->users == NULL || session->writable_paths == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory preparing the policy");

    for (size_t i = 0; i < view->user_count; i++)
        session->users[i] = (wh_policy_user){ view->users[i].name, view->users[i].uid };
    for (size_t i = 0; i < view->path_count; i++)
        session->writable_paths[i] = view->paths[i].path;
    session->context = (wh_policy_context){ view->run_as, session->users, view->user_count,
                                            session->writable_paths, view->path_count };
    return WH_OK;
}

/*
 * Rejects a composition holding a component built for another architecture
 * than the spec's platform, because the image config would then label
 * binaries that cannot run on it.
 */
static wh_status check_architectures(const whc_spec_session *session, wh_error *err)
{
    const char *platform = session->view->platform ? session->view->platform
                                                   : WH_PLATFORM_DEFAULT;
    uint32_t count = 0;
    const uint32_t *members = wh_composition_members(session->composition, &count);

    for (uint32_t i = 0; i < count; i++) {
        const wh_graph_component *component = wh_graph_component_at(session->graph, members[i]);
        if (wh_platform_accepts(platform, component->architecture))
            continue;
        return wh_error_set(err, WH_ERR_INVALID,
                            "%s: component %s %s is built for %s, which does not run on the "
                            "platform %s; set \"platform\" to match it, or use components "
                            "built for %s",
                            wh_spec_source(session->spec), component->name, component->version,
                            component->architecture, platform, platform);
    }
    return WH_OK;
}

wh_status whc_spec_session_open(whc_catalog *catalog, const wh_spec *spec,
                                whc_spec_session **out, wh_error *err)
{
    const char *source = wh_spec_source(spec);
    whc_spec_session *session = calloc(1, sizeof(*session));
    *out = session;
    if (session == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory building %s", source);
    session->catalog = catalog;
    session->spec = spec;
    session->view = wh_spec_get(spec);
    session->local_component = WH_NONE;

    wh_status result = wh_graph_new(&session->graph, err);
    if (result == WH_OK)
        result = whc_graph_load(catalog, session->graph, err);
    if (result == WH_OK && (result = add_local_files(session, err)) != WH_OK)
        wh_error_prefix(err, "%s", source);
    if (result == WH_OK)
        result = wh_graph_finish(session->graph, err);
    if (result == WH_OK)
        result = wh_composition_new(session->graph, &session->composition, err);
    if (result == WH_OK)
        result = make_policy_context(session, err);
    if (result == WH_OK && (result = wh_spec_apply(spec, session->composition, err)) != WH_OK)
        wh_error_prefix(err, "%s", source);
    if (result == WH_OK)
        result = check_architectures(session, err);
    return result;
}

void whc_spec_session_close(whc_spec_session *session)
{
    if (session == NULL)
        return;
    if (session->local_files != NULL) {
        for (size_t i = 0; i < session->view->file_count; i++)
            free(session->local_files[i].source);
        free(session->local_files);
    }
    wh_composition_free(session->composition);
    wh_graph_free(session->graph);
    free(session->users);
    free(session->writable_paths);
    free(session);
}

static int text_differs(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") != 0;
}

static const wh_spec_lock_entry *find_locked(const wh_spec_view *view, const char *name)
{
    for (size_t i = 0; i < view->lock_count; i++) {
        if (strcmp(view->lock[i].name, name) == 0)
            return &view->lock[i];
    }
    return NULL;
}

static wh_status compare_lock_entry(const wh_spec_lock_entry *resolved,
                                    const wh_spec_lock_entry *locked, wh_error *err)
{
    const char *field = NULL, *want = NULL, *have = NULL;
    if (text_differs(resolved->version, locked->version))
        field = "version", want = locked->version, have = resolved->version;
    else if (text_differs(resolved->origin, locked->origin))
        field = "origin digest", want = locked->origin, have = resolved->origin;
    else if (text_differs(resolved->content, locked->content))
        field = "content digest", want = locked->content, have = resolved->content;
    if (field == NULL)
        return WH_OK;
    return wh_error_set(err, WH_ERR_INVALID,
                        "component '%s' does not match the lock: %s is '%s', the lock has '%s'; "
                        "run 'whittle lock' to accept the catalog's content",
                        resolved->name, field, have ? have : "", want ? want : "");
}

wh_status whc_spec_session_check_lock(whc_spec_session *session, wh_error *err)
{
    const wh_spec_view *view = session->view;
    wh_spec_lock_entry *entries = NULL;
    char *storage = NULL;
    size_t count = 0;

    if (view->lock_count == 0)
        return WH_OK;
    wh_status result = wh_composition_lock(session->composition, &entries, &count, &storage, err);
    for (size_t i = 0; result == WH_OK && i < count; i++) {
        const wh_spec_lock_entry *locked = find_locked(view, entries[i].name);
        if (locked == NULL)
            result = wh_error_set(err, WH_ERR_INVALID,
                                  "component '%s' is in the image but not in the lock; run "
                                  "'whittle lock' to record it",
                                  entries[i].name);
        else
            result = compare_lock_entry(&entries[i], locked, err);
    }
    if (result == WH_OK && count != view->lock_count) {
        for (size_t i = 0; i < view->lock_count; i++) {
            size_t j = 0;
            while (j < count && strcmp(entries[j].name, view->lock[i].name) != 0)
                j++;
            if (j == count) {
                result = wh_error_set(err, WH_ERR_INVALID,
                                      "component '%s' is in the lock but no longer in the image; "
                                      "run 'whittle lock' to update the lock",
                                      view->lock[i].name);
                break;
            }
        }
    }
    if (result != WH_OK)
        wh_error_prefix(err, "%s", wh_spec_source(session->spec));

    free(entries);
    free(storage);
    return result;
}

/* The rule the spec applies to its "policy" string: a path has a '/' or ends in .json. */
static int names_policy_file(const char *text)
{
    size_t length = strlen(text);
    return strchr(text, '/') != NULL || (length > 5 && strcmp(text + length - 5, ".json") == 0);
}

wh_status whc_spec_session_policy(const whc_spec_session *session, const char *override,
                                  wh_policy **out, wh_error *err)
{
    const wh_spec_view *view = session->view;
    wh_status result;

    *out = NULL;
    if (override != NULL && !wh_policy_is_profile(override) && !names_policy_file(override)) {
        return wh_error_set(err, WH_ERR_INVALID,
                            "unknown policy '%s': use \"strict\", \"baseline\", \"none\" or "
                            "the path of a policy file ending in .json",
                            override);
    }
    if (override != NULL) {
        result = wh_policy_is_profile(override) ? wh_policy_profile(override, out, err)
                                                : wh_policy_load(override, out, err);
    } else if (view->policy_profile != NULL) {
        result = wh_policy_profile(view->policy_profile, out, err);
    } else if (view->policy_file != NULL) {
        char *path = spec_relative(session->spec, view->policy_file);
        result = path ? wh_policy_load(path, out, err)
                      : wh_error_set(err, WH_ERR_NOMEM, "out of memory loading the policy");
        free(path);
    } else {
        result = wh_policy_profile("baseline", out, err);
    }

    if (result == WH_OK)
        result = wh_policy_allow_executables(*out, view->allow_executables,
                                             view->allow_executable_count, err);
    if (result == WH_OK && view->size_budget >= 0)
        wh_policy_set_size_budget(*out, view->size_budget);
    if (result != WH_OK) {
        wh_policy_free(*out);
        *out = NULL;
    }
    return result;
}
