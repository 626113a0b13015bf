#include "compose_cli.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../catalog/build.h"
#include "../catalog/graph_load.h"
#include "../core/classify.h"
#include "../core/digest.h"
#include "../core/fs.h"
#include "../core/spec_apply.h"

#define LOCAL_FILE_MAX ((size_t)1 << 30)

/* Resolves a path named in the spec relative to the spec's folder. */
static char *spec_relative(const cli_composition *c, const char *path)
{
    if (path[0] == '/')
        return strdup(path);
    char *copy = strdup(wh_spec_source(c->spec));
    char *joined = NULL;
    if (copy != NULL && asprintf(&joined, "%s/%s", dirname(copy), path) < 0)
        joined = NULL;
    free(copy);
    return joined;
}

static wh_status add_local_file(cli_composition *c, const wh_spec_file *file, size_t index,
                                wh_error *err)
{
    wh_status result = WH_OK;
    char *source = spec_relative(c, file->source);
    char *data = NULL;
    size_t size = 0;
    wh_classification classification = { 0 };
    uid_t uid;
    gid_t gid;
    char where[64];

    /* Owners resolve as `whittle build` resolves them, so lock digests and findings match. */
    snprintf(where, sizeof(where), "$.files[%zu].owner", index);
    result = whc_build_owner(wh_spec_get(c->spec), file->owner, where, &uid, &gid, err);
    if (result != WH_OK)
        goto out;
    if (source == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory reading local files");
        goto out;
    }
    result = wh_read_file(source, LOCAL_FILE_MAX, &data, &size, err);
    if (result != WH_OK) {
        wh_error_prefix(err, "$.files[%zu].source", index);
        goto out;
    }

    wh_file_meta meta = { file->path, WH_FILE_REGULAR, S_IFREG | file->mode, 0 };
    result = wh_classify(&meta, (const unsigned char *)data, size, &classification, err);
    if (result != WH_OK)
        goto out;

    char hex[WH_SHA256_HEX_LEN + 1];
    wh_sha256_buffer_hex(data, size, hex);
    wh_file_input input = { .path = file->path, .type = WH_FILE_REGULAR,
                            .mode = S_IFREG | file->mode, .size = (int64_t)size, .sha256 = hex,
                            .uid = uid, .gid = gid, .classification = &classification };
    result = wh_graph_add_file(c->graph, &input, err);

out:
    wh_classification_free(&classification);
    free(data);
    free(source);
    return result;
}

static wh_status add_local_files(cli_composition *c, wh_error *err)
{
    const wh_spec_view *view = wh_spec_get(c->spec);
    if (view->file_count == 0)
        return WH_OK;

    wh_component_input input = { WH_LOCAL_FILES_COMPONENT, "", "", WH_KIND_APPLICATION, NULL,
                                 WH_SCHEME_DEBIAN };
    wh_status result = wh_graph_add_component(c->graph, &input, NULL, err);
    for (size_t i = 0; result == WH_OK && i < view->file_count; i++)
        result = add_local_file(c, &view->files[i], i, err);
    return result;
}

static wh_status build_context(cli_composition *c, wh_error *err)
{
    const wh_spec_view *view = wh_spec_get(c->spec);
    c->users = calloc(view->user_count + 1, sizeof(*c->users));
    c->writable_paths = calloc(view->path_count + 1, sizeof(*c->writable_paths));
    if (c->users == NULL || c->writable_paths == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory preparing the policy");

    for (size_t i = 0; i < view->user_count; i++)
        c->users[i] = (wh_policy_user){ view->users[i].name, view->users[i].uid };
    for (size_t i = 0; i < view->path_count; i++)
        c->writable_paths[i] = view->paths[i].path;
    c->context = (wh_policy_context){ view->run_as, c->users, view->user_count, c->writable_paths,
                                      view->path_count };
    return WH_OK;
}

int cli_composition_open(cli_globals *globals, const char *spec_path, cli_composition *out)
{
    wh_error err = { 0 };
    memset(out, 0, sizeof(*out));

    if (wh_spec_load(spec_path, &out->spec, &err) != WH_OK)
        return cli_report(&err);

    int code = cli_open_catalog(globals, &out->catalog);
    if (code != CLI_EXIT_OK)
        return code;

    if (wh_graph_new(&out->graph, &err) != WH_OK || whc_graph_load(out->catalog, out->graph, &err) != WH_OK)
        return cli_report(&err);
    if (add_local_files(out, &err) != WH_OK) {
        wh_error_prefix(&err, "%s", spec_path);
        return cli_report(&err);
    }
    if (wh_graph_finish(out->graph, &err) != WH_OK
        || wh_composition_new(out->graph, &out->composition, &err) != WH_OK
        || build_context(out, &err) != WH_OK)
        return cli_report(&err);

    if (wh_spec_apply(out->spec, out->composition, &err) != WH_OK) {
        wh_error_prefix(&err, "%s", spec_path);
        return cli_report(&err);
    }
    return CLI_EXIT_OK;
}

void cli_composition_close(cli_composition *c)
{
    wh_composition_free(c->composition);
    wh_graph_free(c->graph);
    whc_close(c->catalog);
    wh_spec_free(c->spec);
    free(c->users);
    free(c->writable_paths);
    memset(c, 0, sizeof(*c));
}

int cli_composition_policy(const cli_composition *c, const char *override, wh_policy **out)
{
    wh_error err = { 0 };
    const wh_spec_view *view = wh_spec_get(c->spec);
    wh_status status;

    *out = NULL;
    if (override != NULL) {
        status = wh_policy_is_profile(override) ? wh_policy_profile(override, out, &err)
                                                : wh_policy_load(override, out, &err);
    } else if (view->policy_profile != NULL) {
        status = wh_policy_profile(view->policy_profile, out, &err);
    } else {
        char *path = spec_relative(c, view->policy_file);
        status = path ? wh_policy_load(path, out, &err)
                      : wh_error_set(&err, WH_ERR_NOMEM, "out of memory loading the policy");
        free(path);
    }

    if (status == WH_OK)
        status = wh_policy_allow_executables(*out, view->allow_executables,
                                             view->allow_executable_count, &err);
    if (status == WH_OK && view->size_budget >= 0)
        wh_policy_set_size_budget(*out, view->size_budget);
    if (status != WH_OK) {
        wh_policy_free(*out);
        *out = NULL;
        return cli_report(&err);
    }
    return CLI_EXIT_OK;
}

uint32_t cli_find_component(const cli_composition *c, const char *name)
{
    uint32_t id = wh_graph_find(c->graph, name);
    if (id == WH_NONE)
        cli_error("unknown component '%s': run 'whittle catalog list' for the names in the catalog",
                  name);
    return id;
}

void cli_describe_reason(const cli_composition *c, uint32_t id, char *out, size_t size)
{
    const wh_reason *reason = wh_composition_reason(c->composition, id);
    const char *by = reason->by != WH_NONE ? wh_graph_component_at(c->graph, reason->by)->name : "";

    switch (reason->kind) {
    case WH_REASON_SELECTED:
        snprintf(out, size, "selected");
        break;
    case WH_REASON_BASE:
        snprintf(out, size, "base image");
        break;
    case WH_REASON_REQUIRED:
        snprintf(out, size, "required by %s: %s needs %s %s", by,
                 wh_graph_file_at(c->graph, reason->file)->path,
                 wh_requirement_kind_label((wh_requirement_kind)reason->requirement), reason->name);
        break;
    case WH_REASON_DECLARED:
        snprintf(out, size, "declared by %s: Depends on %s", by, reason->name);
        break;
    default:
        snprintf(out, size, "not included");
        break;
    }
}
