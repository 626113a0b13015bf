#include "spec_apply.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "glob.h"

static wh_status unknown_component(wh_error *err, const char *path, const char *name)
{
    return wh_error_set(err, WH_ERR_NOT_FOUND,
                        "%s: unknown component '%s': import it first, or run "
                        "'whittle catalog list' for the names in the catalog",
                        path, name);
}

/*
 * Rejects a keep glob that matches no file of the component: it would
 * silently leave the component empty, and is almost always a typo.
 */
static wh_status check_keep_globs(const wh_graph *graph, uint32_t id,
                                  const wh_spec_component *entry, const char *path,
                                  wh_error *err)
{
    const wh_graph_component *component = wh_graph_component_at(graph, id);
    for (size_t k = 0; k < entry->keep_count; k++) {
        int matched = 0;
        for (uint32_t i = 0; i < component->file_count && !matched; i++) {
            const wh_graph_file *file = wh_graph_file_at(graph, component->first_file + i);
            matched = wh_glob_match(entry->keep[k], file->path);
        }
        if (!matched)
            return wh_error_set(err, WH_ERR_INVALID,
                                "%s.keep[%zu]: '%s' matches no file of %s; run 'whittle "
                                "catalog show %s' for its paths",
                                path, k, entry->keep[k], component->name, component->name);
    }
    return WH_OK;
}

static wh_status apply_component(const wh_spec_component *entry, size_t index,
                                 wh_composition *composition, wh_error *err)
{
    const wh_graph *graph = wh_composition_graph(composition);
    char path[64];
    snprintf(path, sizeof(path), "$.components[%zu]", index);

    uint32_t id = wh_graph_find(graph, entry->name);
    if (id == WH_NONE)
        return unknown_component(err, path, entry->name);

    wh_composition_set_root(composition, id, WH_ROOT_SELECTED);
    if (entry->follow_declared >= 0)
        wh_composition_set_component_follow_declared(composition, id, entry->follow_declared);
    if (entry->keep_count == 0 && entry->exclude_path_count == 0)
        return WH_OK;

    wh_status result = check_keep_globs(graph, id, entry, path, err);
    if (result != WH_OK)
        return result;
    result = wh_composition_set_trim(composition, id, (const char *const *)entry->keep,
                                     entry->keep_count, entry->exclude_paths,
                                     entry->exclude_path_count, err);
    if (result != WH_OK)
        wh_error_prefix(err, "%s", path);
    return result;
}

wh_status wh_spec_apply(const wh_spec *spec, wh_composition *composition, wh_error *err)
{
    const wh_spec_view *view = wh_spec_get(spec);
    const wh_graph *graph = wh_composition_graph(composition);
    wh_status result;

    if (view->base != NULL && strcmp(view->base, "scratch") != 0) {
        uint32_t id = wh_graph_find(graph, view->base);
        if (id == WH_NONE)
            return unknown_component(err, "$.base", view->base);
        const wh_graph_component *base = wh_graph_component_at(graph, id);
        if (base->kind != WH_KIND_BASE)
            return wh_error_set(err, WH_ERR_INVALID,
                                "$.base: component '%s' is of kind %s, not a base image; "
                                "import an image with 'whittle catalog import-image', or list "
                                "'%s' under \"components\"",
                                base->name, wh_kind_name(base->kind), base->name);
        wh_composition_set_root(composition, id, WH_ROOT_BASE);
    }

    for (size_t i = 0; i < view->component_count; i++) {
        if ((result = apply_component(&view->components[i], i, composition, err)) != WH_OK)
            return result;
    }

    for (size_t i = 0; i < view->exclude_count; i++) {
        uint32_t id = wh_graph_find(graph, view->exclude[i]);
        if (id == WH_NONE) {
            char path[64];
            snprintf(path, sizeof(path), "$.exclude[%zu]", i);
            return unknown_component(err, path, view->exclude[i]);
        }
        wh_composition_set_excluded(composition, id, 1);
    }

    uint32_t local = wh_graph_find(graph, WH_LOCAL_FILES_COMPONENT);
    if (local != WH_NONE && view->file_count > 0)
        wh_composition_set_root(composition, local, WH_ROOT_SELECTED);

    wh_composition_set_follow_declared(composition, view->follow_declared);
    result = wh_composition_set_exclude_paths(composition, view->exclude_paths,
                                              view->exclude_path_count, err);
    if (result != WH_OK) {
        wh_error_prefix(err, "$.exclude-paths");
        return result;
    }
    return wh_composition_resolve(composition, err);
}

void wh_component_content_digest(wh_composition *composition, uint32_t id, char hex[65])
{
    const wh_graph *graph = wh_composition_graph(composition);
    const wh_graph_component *component = wh_graph_component_at(graph, id);
    wh_sha256 *ctx = wh_sha256_new();

    hex[0] = '\0';
    if (ctx == NULL)
        return;
    wh_composition_component_flags(composition, id); /* computes which files remain */

    for (uint32_t i = 0; i < component->file_count; i++) {
        uint32_t f = component->first_file + i;
        if (!wh_composition_file_kept(composition, f))
            continue;
        const wh_graph_file *file = wh_graph_file_at(graph, f);
        char line[256];
        int length = snprintf(line, sizeof(line), "%s\t%o\t%" PRIu32 ":%" PRIu32 "\t",
                              wh_file_type_name((wh_file_type)file->type), file->mode, file->uid,
                              file->gid);
        wh_sha256_update(ctx, file->path, strlen(file->path));
        wh_sha256_update(ctx, "\t", 1);
        wh_sha256_update(ctx, line, (size_t)length);
        if (file->has_sha256) {
            wh_sha256_update(ctx, file->sha256, sizeof(file->sha256));
        } else if (file->target != NULL) {
            wh_sha256_update(ctx, file->target, strlen(file->target));
        }
        wh_sha256_update(ctx, "\n", 1);
    }
    wh_sha256_final_hex(ctx, hex);
    wh_sha256_free(ctx);
}

wh_status wh_composition_lock(wh_composition *composition, wh_spec_lock_entry **entries,
                              size_t *count, char **storage, wh_error *err)
{
    const wh_graph *graph = wh_composition_graph(composition);
    uint32_t member_count = 0;
    const uint32_t *members = wh_composition_members(composition, &member_count);

    *entries = calloc(member_count ? member_count : 1, sizeof(**entries));
    *storage = malloc((member_count ? member_count : 1) * 65);
    *count = 0;
    if (*entries == NULL || *storage == NULL) {
        free(*entries);
        free(*storage);
        *entries = NULL;
        *storage = NULL;
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory computing the lock");
    }

    for (uint32_t i = 0; i < member_count; i++) {
        const wh_graph_component *component = wh_graph_component_at(graph, members[i]);
        char *hex = *storage + (size_t)i * 65;
        wh_component_content_digest(composition, members[i], hex);
        (*entries)[i] = (wh_spec_lock_entry){ component->name, component->version,
                                              component->architecture, component->origin_sha256,
                                              hex };
    }
    *count = member_count;
    return WH_OK;
}
