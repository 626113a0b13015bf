/*
 * Layer entries for a build: the kept files of every included component,
 * read from the content store, then the files the build generates from the
 * spec (accounts and writable paths), split into one layer or one layer
 * per component.
 *
 * Each path appears once in the image. Components are walked in reverse
 * name order and a path keeps the entry of the last component (by name)
 * that ships it, which is also what stacking one layer per component in
 * name order would show. Paths the build generates replace component files.
 */
#include "build_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/strmap.h"

/* Map value of a path the build generates; component files use their graph file index. */
#define GENERATED_PATH (UINT32_MAX - 1)

typedef struct planner {
    whc_spec_session *session;
    whc_build_plan *plan;
    whc_layering layering;
    whc_build_note_fn note;
    void *note_context;
    wh_strmap claimed;               /* image path -> graph file index or GENERATED_PATH */
    whc_build_layer *component_layers; /* one per member, in member order */
} planner;

static void note(planner *p, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void note(planner *p, const char *format, ...)
{
    if (p->note == NULL)
        return;
    char message[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof(message), format, args);
    va_end(args);
    p->note(p->note_context, message);
}

static wh_status append_entry(whc_build_layer *layer, const wh_layer_entry *entry, wh_error *err)
{
    if (layer->count == layer->capacity) {
        size_t capacity = layer->capacity ? layer->capacity * 2 : 64;
        wh_layer_entry *grown = realloc(layer->entries, capacity * sizeof(*grown));
        if (grown == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory planning the image layers");
        layer->entries = grown;
        layer->capacity = capacity;
    }
    layer->entries[layer->count++] = *entry;
    return WH_OK;
}

/* Finds a component's graph file by path; the graph keeps each component's files sorted. */
static uint32_t find_graph_file(const wh_graph *graph, const wh_graph_component *component,
                                const char *path)
{
    uint32_t low = component->first_file, high = component->first_file + component->file_count;
    while (low < high) {
        uint32_t middle = low + (high - low) / 2;
        int order = strcmp(wh_graph_file_at(graph, middle)->path, path);
        if (order == 0)
            return middle;
        if (order < 0)
            low = middle + 1;
        else
            high = middle;
    }
    return WH_NONE;
}

static const char *component_label(const planner *p, uint32_t component)
{
    return wh_graph_component_at(p->session->graph, component)->name;
}

/*
 * Decides whether the entry of graph file `index` goes into the image:
 * returns 1 to keep it, 0 when a generated path or a component later in
 * name order has the path, and -1 when out of memory.
 */
static int claim_path(planner *p, const char *path, uint32_t index)
{
    const wh_graph *graph = p->session->graph;
    const wh_graph_file *file = wh_graph_file_at(graph, index);
    uint32_t existing = wh_strmap_get(&p->claimed, path, strlen(path));

    if (existing == UINT32_MAX)
        return wh_strmap_put(&p->claimed, path, strlen(path), index, &existing) == 0 ? 1 : -1;

    if (existing == GENERATED_PATH) {
        note(p, "%s from %s is replaced by the one the spec generates", path,
             component_label(p, file->component));
        return 0;
    }

    /* Each layer of a per-component image lists its own directories. */
    const wh_graph_file *later = wh_graph_file_at(graph, existing);
    if (file->type == WH_FILE_DIRECTORY && later->type == WH_FILE_DIRECTORY)
        return p->layering == WHC_LAYERS_PER_COMPONENT;

    int same = file->type == later->type && file->has_sha256 == later->has_sha256
               && memcmp(file->sha256, later->sha256, sizeof(file->sha256)) == 0
               && (file->target == NULL) == (later->target == NULL)
               && (file->target == NULL || strcmp(file->target, later->target) == 0);
    if (!same)
        note(p, "%s from %s is replaced by the one from %s", path,
             component_label(p, file->component), component_label(p, later->component));
    return 0;
}

static wh_status copy_xattrs(planner *p, const whc_file *file, wh_layer_entry *entry,
                             wh_error *err)
{
    if (file->xattr_count == 0)
        return WH_OK;
    wh_arena *arena = &p->plan->arena;
    wh_xattr *xattrs = wh_arena_alloc(arena, file->xattr_count * sizeof(*xattrs));
    if (xattrs == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory planning the image layers");
    for (size_t i = 0; i < file->xattr_count; i++) {
        void *value = wh_arena_alloc(arena, file->xattr_sizes[i] + 1);
        xattrs[i].name = wh_arena_strdup(arena, file->xattr_names[i]);
        if (value == NULL || xattrs[i].name == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory planning the image layers");
        memcpy(value, file->xattr_values[i], file->xattr_sizes[i]);
        xattrs[i].value = value;
        xattrs[i].size = file->xattr_sizes[i];
    }
    entry->xattrs = xattrs;
    entry->xattr_count = file->xattr_count;
    return WH_OK;
}

/* Makes the entry of one catalog file at path (a copy in the plan); ownership becomes root's. */
static wh_status catalog_entry(planner *p, const whc_file *file, const char *path,
                               wh_layer_entry *entry, wh_error *err)
{
    wh_arena *arena = &p->plan->arena;
    *entry = (wh_layer_entry){ .path = path, .type = file->type, .mode = file->mode,
                               .rdev = (dev_t)file->rdev };
    entry->link_target = wh_arena_strdup(arena, file->target);
    if (file->target != NULL && entry->link_target == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory planning the image layers");

    if (file->type == WH_FILE_REGULAR) {
        char *blob = whc_blob_path(p->session->catalog, file->sha256);
        entry->content_path = wh_arena_strdup(arena, blob);
        entry->sha256 = wh_arena_strdup(arena, file->sha256);
        entry->size = (uint64_t)file->size;
        free(blob);
        if (entry->content_path == NULL || entry->sha256 == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory planning the image layers");
    }
    return copy_xattrs(p, file, entry, err);
}

/* NOTE: a hardlink whose first name another component replaces makes the writer reject the layer. */
static wh_status plan_catalog_component(planner *p, uint32_t id, whc_build_layer *layer,
                                        wh_error *err)
{
    const wh_graph *graph = p->session->graph;
    const wh_graph_component *component = wh_graph_component_at(graph, id);
    whc_component record = { 0 };
    whc_file *files = NULL;
    size_t count = 0;

    wh_status result = whc_find_component(p->session->catalog, component->name,
                                          component->version, &record, err);
    if (result == WH_OK)
        result = whc_component_files(p->session->catalog, record.id, &files, &count, err);

    for (size_t i = count; result == WH_OK && i-- > 0;) {
        uint32_t index = find_graph_file(graph, component, files[i].path);
        if (index == WH_NONE) {
            result = wh_error_set(err, WH_ERR_DATABASE,
                                  "%s of component %s is in the catalog but not in its graph; "
                                  "the catalog changed during the build, so run it again",
                                  files[i].path, component->name);
            break;
        }
        if (!wh_composition_file_kept(p->session->composition, index))
            continue;

        /* The claimed-path map keeps its keys, so they live in the plan's arena. */
        const char *path = wh_arena_strdup(&p->plan->arena, files[i].path);
        int keep = path == NULL ? -1 : claim_path(p, path, index);
        if (keep < 0) {
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory planning the image layers");
            break;
        }
        wh_layer_entry entry;
        if (keep && (result = catalog_entry(p, &files[i], path, &entry, err)) == WH_OK)
            result = append_entry(layer, &entry, err);
    }

    whc_files_free(files, count);
    whc_component_clear(&record);
    return result;
}

static wh_status plan_local_files(planner *p, whc_build_layer *layer, wh_error *err)
{
    const wh_spec_view *view = p->session->view;
    const wh_graph_component *component =
        wh_graph_component_at(p->session->graph, p->session->local_component);
    wh_status result = WH_OK;

    for (size_t i = view->file_count; result == WH_OK && i-- > 0;) {
        const wh_spec_file *file = &view->files[i];
        const whc_spec_local_file *local = &p->session->local_files[i];
        uint32_t index = find_graph_file(p->session->graph, component, file->path);
        int keep = index == WH_NONE ? 0 : claim_path(p, file->path, index);
        if (keep < 0)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory planning the image layers");
        if (!keep)
            continue;

        wh_layer_entry entry = { .path = file->path, .type = WH_FILE_REGULAR,
                                 .mode = S_IFREG | file->mode, .size = local->size,
                                 .sha256 = local->sha256, .content_path = local->source };
        char where[64];
        snprintf(where, sizeof(where), "$.files[%zu].owner", i);
        result = whc_build_owner(view, file->owner, where, &entry.uid, &entry.gid, err);
        if (result == WH_OK)
            result = append_entry(layer, &entry, err);
    }
    return result;
}

/* Writes a generated file's content into the plan's private folder. */
static wh_status write_generated(planner *p, const char *name, const char *text,
                                 wh_layer_entry *entry, wh_error *err)
{
    whc_build_plan *plan = p->plan;
    if (plan->generated_dir == NULL) {
        const char *tmp = getenv("TMPDIR");
        char *dir = NULL;
        if (asprintf(&dir, "%s/whittle-build.XXXXXX", tmp && tmp[0] ? tmp : "/tmp") < 0)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory planning the image layers");
        if (mkdtemp(dir) == NULL) {
            wh_status result = wh_error_set(err, WH_ERR_IO, "cannot create %s: %m; set TMPDIR "
                                            "to a writable folder", dir);
            free(dir);
            return result;
        }
        plan->generated_dir = dir;
    }

    char *path = NULL;
    if (asprintf(&path, "%s/%s", plan->generated_dir, name) < 0)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory planning the image layers");
    FILE *out = fopen(path, "wx");
    size_t length = strlen(text);
    int failed = out == NULL || fwrite(text, 1, length, out) != length;
    if (out != NULL && fclose(out) != 0)
        failed = 1;
    if (failed) {
        wh_status result = wh_error_set(err, WH_ERR_IO, "cannot write %s: %m", path);
        free(path);
        return result;
    }

    char *hex = wh_arena_alloc(&plan->arena, WH_SHA256_HEX_LEN + 1);
    entry->content_path = wh_arena_strdup(&plan->arena, path);
    free(path);
    if (hex == NULL || entry->content_path == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory planning the image layers");
    wh_sha256_buffer_hex(text, length, hex);
    entry->sha256 = hex;
    entry->size = length;
    return WH_OK;
}

/* Claims the generated paths first, so component files at those paths are dropped. */
static wh_status plan_generated(planner *p, whc_build_layer *layer, wh_error *err)
{
    const wh_spec_view *view = p->session->view;
    uint32_t existing;
    wh_status result = WH_OK;

    if (view->user_count + view->group_count > 0) {
        char *passwd = NULL, *group = NULL;
        result = whc_build_account_files(view, &passwd, &group, err);
        wh_layer_entry passwd_entry = { .path = "/etc/passwd", .type = WH_FILE_REGULAR,
                                        .mode = S_IFREG | 0644 };
        wh_layer_entry group_entry = { .path = "/etc/group", .type = WH_FILE_REGULAR,
                                       .mode = S_IFREG | 0644 };
        if (result == WH_OK)
            result = write_generated(p, "passwd", passwd, &passwd_entry, err);
        if (result == WH_OK)
            result = write_generated(p, "group", group, &group_entry, err);
        if (result == WH_OK)
            result = append_entry(layer, &passwd_entry, err);
        if (result == WH_OK)
            result = append_entry(layer, &group_entry, err);
        if (result == WH_OK
            && (wh_strmap_put(&p->claimed, "/etc/passwd", 11, GENERATED_PATH, &existing) != 0
                || wh_strmap_put(&p->claimed, "/etc/group", 10, GENERATED_PATH, &existing) != 0))
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory planning the image layers");
        free(passwd);
        free(group);
    }

    for (size_t i = 0; result == WH_OK && i < view->path_count; i++) {
        const wh_spec_path *path = &view->paths[i];
        wh_layer_entry entry = { .path = path->path, .type = WH_FILE_DIRECTORY,
                                 .mode = S_IFDIR | path->mode };
        char where[64];
        snprintf(where, sizeof(where), "$.paths[%zu].owner", i);
        result = whc_build_owner(view, path->owner, where, &entry.uid, &entry.gid, err);
        if (result == WH_OK)
            result = append_entry(layer, &entry, err);
        if (result == WH_OK
            && wh_strmap_put(&p->claimed, path->path, strlen(path->path), GENERATED_PATH,
                             &existing) != 0)
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory planning the image layers");
    }
    return result;
}

static wh_status add_sbom_component(planner *p, uint32_t id, const whc_build_layer *layer,
                                    wh_error *err)
{
    const wh_graph_component *component = wh_graph_component_at(p->session->graph, id);
    whc_build_plan *plan = p->plan;
    wh_sbom_component *sbom = &plan->sbom[plan->sbom_count++];
    size_t regular = 0;

    *sbom = (wh_sbom_component){ .name = component->name };
    if (component->version != NULL && component->version[0] != '\0')
        sbom->version = component->version;
    if (component->origin_sha256 != NULL && component->origin_sha256[0] != '\0')
        sbom->origin_sha256 = component->origin_sha256;
    if (id != p->session->local_component) {
        whc_component record = { 0 };
        if (whc_find_component(p->session->catalog, component->name, component->version, &record,
                               err) != WH_OK)
            return err->status;
        char license[256];
        if (whc_build_spdx_license(record.license, license, sizeof(license))
            && (sbom->license = wh_arena_strdup(&plan->arena, license)) == NULL) {
            whc_component_clear(&record);
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory listing the SBOM files");
        }
        whc_component_clear(&record);
    }

    for (size_t i = 0; i < layer->count; i++)
        regular += layer->entries[i].type == WH_FILE_REGULAR;
    wh_sbom_file *files = wh_arena_alloc(&plan->arena, (regular + 1) * sizeof(*files));
    if (files == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory listing the SBOM files");
    for (size_t i = 0; i < layer->count; i++) {
        const wh_layer_entry *entry = &layer->entries[i];
        if (entry->type == WH_FILE_REGULAR)
            files[sbom->file_count++] = (wh_sbom_file){ entry->path, entry->sha256,
                                                        entry->content_path };
    }
    sbom->files = files;
    return WH_OK;
}

/* Moves the per-component lists into the plan's layers. */
static wh_status assemble_layers(planner *p, uint32_t member_count, whc_build_layer *generated,
                                 wh_error *err)
{
    whc_build_plan *plan = p->plan;
    plan->layers = calloc((size_t)member_count + 2, sizeof(*plan->layers));
    plan->inputs = calloc((size_t)member_count + 2, sizeof(*plan->inputs));
    if (plan->layers == NULL || plan->inputs == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory planning the image layers");

    whc_build_layer *single = NULL;
    if (p->layering != WHC_LAYERS_PER_COMPONENT) {
        single = &plan->layers[plan->layer_count++];
        single->component = WH_NONE;
    }
    for (uint32_t i = 0; i < member_count; i++) {
        whc_build_layer *source = &p->component_layers[i];
        if (single == NULL) {
            if (source->count == 0)
                continue;
            plan->layers[plan->layer_count++] = *source;
            *source = (whc_build_layer){ 0 };
            continue;
        }
        for (size_t j = 0; j < source->count; j++) {
            if (append_entry(single, &source->entries[j], err) != WH_OK)
                return err->status;
        }
    }
    if (single == NULL && generated->count > 0) {
        plan->layers[plan->layer_count++] = *generated;
        *generated = (whc_build_layer){ .component = WH_NONE };
    } else if (single != NULL) {
        for (size_t j = 0; j < generated->count; j++) {
            if (append_entry(single, &generated->entries[j], err) != WH_OK)
                return err->status;
        }
    }

    for (size_t i = 0; i < plan->layer_count; i++) {
        whc_build_layer *layer = &plan->layers[i];
        const char *comment = "whittle build: accounts and writable paths";
        if (single != NULL) {
            comment = "whittle build";
        } else if (layer->component != WH_NONE) {
            const wh_graph_component *c = wh_graph_component_at(p->session->graph, layer->component);
            char *text = NULL;
            if (asprintf(&text, "whittle build: %s %s", c->name, c->version) < 0)
                return wh_error_set(err, WH_ERR_NOMEM, "out of memory planning the image layers");
            comment = wh_arena_strdup(&plan->arena, text);
            free(text);
            if (comment == NULL)
                return wh_error_set(err, WH_ERR_NOMEM, "out of memory planning the image layers");
        }
        plan->inputs[i] = (wh_layer_input){ layer->entries, layer->count, comment };
        plan->file_count += layer->count;
    }
    return WH_OK;
}

wh_status whc_build_plan_new(whc_spec_session *session, whc_layering layering, int64_t epoch,
                             whc_build_note_fn note_fn, void *note_context, whc_build_plan **out,
                             wh_error *err)
{
    uint32_t member_count = 0;
    const uint32_t *members = wh_composition_members(session->composition, &member_count);
    whc_build_layer generated = { .component = WH_NONE };
    planner p = { session, NULL, layering, note_fn, note_context, { 0 }, NULL };
    wh_status result = WH_OK;

    *out = p.plan = calloc(1, sizeof(*p.plan));
    p.component_layers = calloc((size_t)member_count + 1, sizeof(*p.component_layers));
    if (p.plan == NULL || p.component_layers == NULL
        || (p.plan->sbom = calloc((size_t)member_count + 1, sizeof(*p.plan->sbom))) == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory planning the image layers");
        goto out;
    }

    result = plan_generated(&p, &generated, err);
    for (uint32_t i = member_count; result == WH_OK && i-- > 0;) {
        whc_build_layer *layer = &p.component_layers[i];
        layer->component = members[i];
        if (members[i] == session->local_component)
            result = plan_local_files(&p, layer, err);
        else
            result = plan_catalog_component(&p, members[i], layer, err);
    }
    for (uint32_t i = 0; result == WH_OK && i < member_count; i++)
        result = add_sbom_component(&p, members[i], &p.component_layers[i], err);
    if (result == WH_OK)
        result = assemble_layers(&p, member_count, &generated, err);
    if (result == WH_OK)
        result = whc_build_config(session, epoch, p.plan, err);

out:
    for (uint32_t i = 0; p.component_layers != NULL && i < member_count; i++)
        free(p.component_layers[i].entries);
    free(p.component_layers);
    free(generated.entries);
    wh_strmap_release(&p.claimed);
    return result;
}

void whc_build_plan_free(whc_build_plan *plan)
{
    if (plan == NULL)
        return;
    for (size_t i = 0; i < plan->layer_count; i++)
        free(plan->layers[i].entries);
    free(plan->layers);
    free(plan->inputs);
    free(plan->sbom);
    if (plan->generated_dir != NULL) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/passwd", plan->generated_dir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/group", plan->generated_dir);
        unlink(path);
        rmdir(plan->generated_dir);
        free(plan->generated_dir);
    }
    wh_arena_release(&plan->arena);
    free(plan);
}
