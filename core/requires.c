/*
 * Finishing the component graph: the path index, the provides index, and
 * every file's requirements resolved to the files that can satisfy them.
 * Done once at load, so a toggle never rescans files.
 */
#include "graph_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"

/* Searched for every DT_NEEDED soname after RPATH and RUNPATH, as ld.so does by default. */
static const char *const library_dirs[] = {
    "/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib",
    "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
    "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
    "/lib/i386-linux-gnu", "/usr/lib/i386-linux-gnu",
    "/lib/arm-linux-gnueabihf", "/usr/lib/arm-linux-gnueabihf",
    "/lib/riscv64-linux-gnu", "/usr/lib/riscv64-linux-gnu",
    "/lib/powerpc64le-linux-gnu", "/usr/lib/powerpc64le-linux-gnu",
    "/lib/s390x-linux-gnu", "/usr/lib/s390x-linux-gnu",
};

/* The PATH that `/usr/bin/env NAME` searches in a container without an explicit PATH. */
static const char *const command_dirs[] = {
    "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin",
};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

static const wh_providers no_providers = { NULL, 0 };

/* ---- Provider sets ------------------------------------------------------ */

static int compare_versions(const wh_graph_component *a, const wh_graph_component *b)
{
    if (a->scheme == WH_SCHEME_APK)
        return wh_version_compare_apk(a->version, b->version);
    return wh_version_compare_debian(a->version, b->version);
}

/* By component name, the highest version of a name first, then by path. */
static int compare_provider(const void *a, const void *b, void *context)
{
    const wh_graph *graph = context;
    const wh_graph_file *fa = &graph->files[*(const uint32_t *)a];
    const wh_graph_file *fb = &graph->files[*(const uint32_t *)b];
    const wh_graph_component *ca = &graph->components[fa->component];
    const wh_graph_component *cb = &graph->components[fb->component];
    int order = strcmp(ca->name, cb->name);
    if (order == 0 && ca != cb)
        order = -compare_versions(ca, cb);
    if (order == 0)
        order = strcmp(fa->path, fb->path);
    if (order == 0)
        order = (fa->component > fb->component) - (fa->component < fb->component);
    return order;
}

/* The index that the search cache stores for the empty provider set, which provider_list lacks. */
#define EMPTY_SET_INDEX (WH_NONE - 1)

static const wh_providers *provider_set_at(const wh_graph *graph, uint32_t index)
{
    return index == EMPTY_SET_INDEX ? &no_providers : graph->provider_list[index];
}

/*
 * Sorts and deduplicates files[0..count) and returns the index of the
 * shared provider set with those files, or WH_NONE when out of memory.
 */
static uint32_t intern_providers(wh_graph *graph, uint32_t *files, uint32_t count)
{
    if (count == 0)
        return EMPTY_SET_INDEX;

    qsort_r(files, count, sizeof(*files), compare_provider, graph);
    uint32_t unique = 1;
    for (uint32_t i = 1; i < count; i++) {
        if (files[i] != files[unique - 1])
            files[unique++] = files[i];
    }

    size_t key_length = unique * sizeof(uint32_t);
    uint32_t index = wh_strmap_get(&graph->provider_sets, (const char *)files, key_length);
    if (index != WH_NONE)
        return index;

    uint32_t *stored = wh_arena_alloc(&graph->arena, key_length);
    wh_providers *set = wh_arena_alloc(&graph->arena, sizeof(*set));
    if (stored == NULL || set == NULL)
        return WH_NONE;
    memcpy(stored, files, key_length);
    set->files = stored;
    set->count = unique;

    uint32_t existing;
    if (graph->provider_list_count >= EMPTY_SET_INDEX
        || wh_grow_array((void **)&graph->provider_list, &graph->provider_list_capacity,
                         graph->provider_list_count + 1, sizeof(wh_providers *)) != 0
        || wh_strmap_put(&graph->provider_sets, (const char *)stored, key_length,
                         graph->provider_list_count, &existing) != 0)
        return WH_NONE;
    graph->provider_list[graph->provider_list_count] = set;
    return graph->provider_list_count++;
}

/*
 * Joins a kind byte and parts, each followed by a NUL, into key: the search
 * cache's key for one search. Returns the key's length, or 0 when it does
 * not fit.
 */
static size_t search_key(char *key, size_t size, char kind, const char *const *parts, int count)
{
    size_t length = 0;
    key[length++] = kind;
    for (int i = 0; i < count; i++) {
        size_t part = strlen(parts[i]);
        if (length + part + 1 > size)
            return 0;
        memcpy(key + length, parts[i], part + 1);
        length += part + 1;
    }
    return length;
}

/*
 * Stores the provider set index under key in the search cache. Returns the
 * key's copy in the arena, or NULL when out of memory.
 */
static const char *remember_search(wh_graph *graph, const char *key, size_t length, uint32_t index)
{
    char *stored = wh_arena_strndup(&graph->arena, key, length);
    uint32_t existing;
    if (stored == NULL || wh_strmap_put(&graph->search_cache, stored, length, index, &existing) != 0)
        return NULL;
    return stored;
}

/* Appends every file at path (in any component) to a growing array. */
static int collect_path(const wh_graph *graph, const char *path, uint32_t **files, uint32_t *count,
                        uint32_t *capacity)
{
    for (uint32_t f = wh_graph_lookup(graph, path); f != WH_NONE;
         f = graph->files[f].same_path_next) {
        if (wh_grow_array((void **)files, capacity, *count + 1, sizeof(uint32_t)) != 0)
            return -1;
        (*files)[(*count)++] = f;
    }
    return 0;
}

/* Appends the files named `name` in each directory of a colon-separated list. */
static int collect_in_dirs(const wh_graph *graph, const char *dirs, const char *origin,
                           const char *name, uint32_t **files, uint32_t *count, uint32_t *capacity)
{
    const char *p = dirs;
    while (*p != '\0') {
        const char *end = strchr(p, ':');
        size_t length = end ? (size_t)(end - p) : strlen(p);
        char dir[2048];
        char path[4096];

        /* Expand $ORIGIN and ${ORIGIN} to the directory of the file. */
        size_t out = 0;
        for (size_t i = 0; i < length && out + 1 < sizeof(dir);) {
            size_t skip = 0;
            if (strncmp(p + i, "$ORIGIN", 7) == 0)
                skip = 7;
            else if (strncmp(p + i, "${ORIGIN}", 9) == 0)
                skip = 9;
            if (skip > 0 && i + skip <= length) {
                out += (size_t)snprintf(dir + out, sizeof(dir) - out, "%s", origin);
                if (out >= sizeof(dir))
                    out = sizeof(dir) - 1;
                i += skip;
            } else {
                dir[out++] = p[i++];
            }
        }
        dir[out] = '\0';

        if (dir[0] == '/' && wh_path_resolve(dir, name, path, sizeof(path)) == 0
            && collect_path(graph, path, files, count, capacity) != 0)
            return -1;
        p += length;
        if (*p == ':')
            p++;
    }
    return 0;
}

static int collect_in_list(const wh_graph *graph, const char *const *dirs, size_t dir_count,
                           const char *name, uint32_t **files, uint32_t *count, uint32_t *capacity)
{
    for (size_t i = 0; i < dir_count; i++) {
        char path[4096];
        if (wh_path_resolve(dirs[i], name, path, sizeof(path)) == 0
            && collect_path(graph, path, files, count, capacity) != 0)
            return -1;
    }
    return 0;
}

/* ---- Requirements of one file ------------------------------------------- */

typedef struct scratch {
    uint32_t *files;
    uint32_t count, capacity;
} scratch;

/* Returns the providers of an absolute, normalised path, or NULL when out of memory. */
static const wh_providers *providers_for_path(wh_graph *graph, const char *path, scratch *s)
{
    char key[4100];
    size_t key_length = search_key(key, sizeof(key), 'P', &path, 1);
    uint32_t index = key_length ? wh_strmap_get(&graph->search_cache, key, key_length) : WH_NONE;
    if (index != WH_NONE)
        return provider_set_at(graph, index);

    s->count = 0;
    if (collect_path(graph, path, &s->files, &s->count, &s->capacity) != 0)
        return NULL;
    index = intern_providers(graph, s->files, s->count);
    if (index == WH_NONE || (key_length && remember_search(graph, key, key_length, index) == NULL))
        return NULL;
    return provider_set_at(graph, index);
}

static const wh_providers *providers_for_soname(wh_graph *graph, const char *soname,
                                                const file_pending *pending, const char *origin,
                                                scratch *s)
{
    /* A DT_NEEDED entry with a slash is a path, not searched. */
    if (strchr(soname, '/') != NULL) {
        char path[4096];
        if (wh_path_resolve(origin, soname, path, sizeof(path)) != 0)
            return &no_providers;
        return providers_for_path(graph, path, s);
    }

    /* Files without RPATH or RUNPATH share one search result per soname. */
    const char *rpath = pending->runpath == NULL ? pending->rpath : NULL;
    const char *parts[] = { soname, rpath ? rpath : "", pending->runpath ? pending->runpath : "",
                            (rpath || pending->runpath) ? origin : "" };
    char key[8192];
    size_t key_length = search_key(key, sizeof(key), 'S', parts, COUNT(parts));
    if (key_length == 0)
        return &no_providers;

    uint32_t index = wh_strmap_get(&graph->search_cache, key, key_length);
    if (index != WH_NONE)
        return provider_set_at(graph, index);

    s->count = 0;
    if ((rpath && collect_in_dirs(graph, rpath, origin, soname, &s->files, &s->count, &s->capacity))
        || (pending->runpath
            && collect_in_dirs(graph, pending->runpath, origin, soname, &s->files, &s->count,
                               &s->capacity))
        || collect_in_list(graph, library_dirs, COUNT(library_dirs), soname, &s->files, &s->count,
                           &s->capacity))
        return NULL;

    index = intern_providers(graph, s->files, s->count);
    if (index == WH_NONE || remember_search(graph, key, key_length, index) == NULL)
        return NULL;
    return provider_set_at(graph, index);
}

/*
 * Adds the requirement of a "#!/usr/bin/env COMMAND" script: COMMAND in a
 * directory of the default PATH. Returns -1 when out of memory.
 */
static int add_env_command(wh_graph *graph, const char *command, wh_requirement *list,
                           uint32_t *count, scratch *s)
{
    char key[300];
    size_t key_length = search_key(key, sizeof(key), 'E', &command, 1);
    if (key_length == 0)
        return 0;

    /* The cached key's copy, after its kind byte, is the requirement's name. */
    const char *name;
    uint32_t index = wh_strmap_get(&graph->search_cache, key, key_length);
    if (index != WH_NONE) {
        name = wh_strmap_key(&graph->search_cache, key, key_length) + 1;
    } else {
        s->count = 0;
        if (collect_in_list(graph, command_dirs, COUNT(command_dirs), command, &s->files, &s->count,
                            &s->capacity) != 0
            || (index = intern_providers(graph, s->files, s->count)) == WH_NONE)
            return -1;
        const char *stored = remember_search(graph, key, key_length, index);
        if (stored == NULL)
            return -1;
        name = stored + 1;
    }

    list[*count].kind = WH_REQ_SCRIPT;
    list[*count].name = name;
    list[*count].providers = provider_set_at(graph, index);
    (*count)++;
    return 0;
}

/* Returns the command of a "#!/usr/bin/env" line: the first word that is no option or VAR=value. */
static const char *env_command(const char *arg, char *out, size_t out_size)
{
    const char *p = arg;
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t')
            p++;
        size_t length = strcspn(p, " \t");
        int assignment = memchr(p, '=', length) != NULL;
        if (length > 0 && p[0] != '-' && !assignment) {
            snprintf(out, out_size, "%.*s", (int)length, p);
            return out;
        }
        p += length;
    }
    return NULL;
}

static int add_requirement(wh_requirement *list, uint32_t *count, wh_requirement_kind kind,
                           const char *name, const wh_providers *providers)
{
    if (providers == NULL)
        return -1;
    list[*count].kind = (uint8_t)kind;
    list[*count].name = name;
    list[*count].providers = providers;
    (*count)++;
    return 0;
}

static wh_status resolve_file(wh_graph *graph, uint32_t index, scratch *s)
{
    static const file_pending nothing_pending = { 0 };
    wh_graph_file *file = &graph->files[index];
    uint32_t pending_index = graph->pending_index[index];
    const file_pending *pending =
        pending_index == WH_NONE ? &nothing_pending : &graph->pending[pending_index];
    uint32_t max_requirements = pending->needed_count + 3;
    int is_script = (file->flags & WH_FLAG_SCRIPT) != 0;

    if (file->type != WH_FILE_SYMLINK && pending->interpreter == NULL && pending->needed_count == 0)
        return WH_OK;

    /* The file's directory, cut to the buffer as snprintf would. */
    char origin[4096];
    size_t origin_length = (size_t)(strrchr(file->path, '/') - file->path);
    if (origin_length >= sizeof(origin))
        origin_length = sizeof(origin) - 1;
    memcpy(origin, file->path, origin_length);
    origin[origin_length] = '\0';
    if (origin_length == 0)
        strcpy(origin, "/");

    wh_requirement *list = wh_arena_alloc(&graph->arena, max_requirements * sizeof(*list));
    if (list == NULL)
        return WH_ERR_NOMEM;
    uint32_t count = 0;
    char path[4096];

    if (file->type == WH_FILE_SYMLINK && file->target != NULL) {
        if (wh_path_resolve(origin, file->target, path, sizeof(path)) == 0
            && add_requirement(list, &count, WH_REQ_SYMLINK, file->target,
                               providers_for_path(graph, path, s)) != 0)
            return WH_ERR_NOMEM;
    }

    if (pending->interpreter != NULL && pending->interpreter[0] == '/') {
        wh_requirement_kind kind = is_script ? WH_REQ_SCRIPT : WH_REQ_INTERPRETER;
        if (wh_path_resolve("/", pending->interpreter, path, sizeof(path)) == 0
            && add_requirement(list, &count, kind, pending->interpreter,
                               providers_for_path(graph, path, s)) != 0)
            return WH_ERR_NOMEM;

        /* "#!/usr/bin/env NAME" also needs NAME somewhere on the PATH. */
        const char *base = strrchr(pending->interpreter, '/') + 1;
        char command[256];
        if (is_script && strcmp(base, "env") == 0 && pending->interpreter_arg != NULL
            && env_command(pending->interpreter_arg, command, sizeof(command)) != NULL
            && add_env_command(graph, command, list, &count, s) != 0)
            return WH_ERR_NOMEM;
    }

    for (uint32_t i = 0; i < pending->needed_count; i++) {
        if (add_requirement(list, &count, WH_REQ_SONAME, pending->needed[i],
                            providers_for_soname(graph, pending->needed[i], pending, origin, s)) != 0)
            return WH_ERR_NOMEM;
    }

    file->requirements = list;
    file->requirement_count = count;
    return WH_OK;
}

/* ---- Finishing ---------------------------------------------------------- */

static int compare_path(const void *a, const void *b, void *context)
{
    const wh_graph *graph = context;
    const wh_graph_file *fa = &graph->files[*(const uint32_t *)a];
    const wh_graph_file *fb = &graph->files[*(const uint32_t *)b];
    return strcmp(fa->path, fb->path);
}

/* Sorts one component's files (and their pending indices) by path, unless they already are. */
static wh_status sort_component_files(wh_graph *graph, const wh_graph_component *component)
{
    wh_graph_file *files = graph->files + component->first_file;
    int sorted = 1;
    for (uint32_t i = 1; i < component->file_count && sorted; i++)
        sorted = strcmp(files[i - 1].path, files[i].path) < 0;
    if (sorted)
        return WH_OK;

    wh_status result = WH_ERR_NOMEM;
    uint32_t n = component->file_count;
    uint32_t *order = malloc(n * sizeof(*order));
    wh_graph_file *file_copy = malloc(n * sizeof(*file_copy));
    uint32_t *pending_copy = malloc(n * sizeof(*pending_copy));
    if (order == NULL || file_copy == NULL || pending_copy == NULL)
        goto out;

    for (uint32_t i = 0; i < n; i++)
        order[i] = component->first_file + i;
    qsort_r(order, n, sizeof(*order), compare_path, graph);
    for (uint32_t i = 0; i < n; i++) {
        file_copy[i] = graph->files[order[i]];
        pending_copy[i] = graph->pending_index[order[i]];
    }
    memcpy(files, file_copy, n * sizeof(*file_copy));
    memcpy(graph->pending_index + component->first_file, pending_copy, n * sizeof(*pending_copy));
    result = WH_OK;

out:
    free(order);
    free(file_copy);
    free(pending_copy);
    return result;
}

static wh_status index_names(wh_graph *graph, wh_error *err)
{
    for (uint32_t id = 0; id < graph->component_count; id++) {
        const wh_graph_component *component = &graph->components[id];
        uint32_t existing;
        if (wh_strmap_put(&graph->names, component->name, strlen(component->name), id, &existing) != 0)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory indexing component names");
        if (existing != WH_NONE && compare_versions(component, &graph->components[existing]) > 0)
            wh_strmap_set(&graph->names, component->name, strlen(component->name), id);
    }
    return WH_OK;
}

static int add_provide(wh_graph *graph, const char *name, uint32_t component, const char *version)
{
    if (wh_grow_array((void **)&graph->provide_entries, &graph->provide_capacity,
                      graph->provide_count + 1, sizeof(provide_entry)) != 0)
        return -1;

    uint32_t index = graph->provide_count;
    uint32_t existing;
    if (wh_strmap_put(&graph->provides, name, strlen(name), index, &existing) != 0)
        return -1;
    graph->provide_entries[index].component = component;
    graph->provide_entries[index].version = version;
    graph->provide_entries[index].next = existing;
    if (existing != WH_NONE)
        wh_strmap_set(&graph->provides, name, strlen(name), index);
    graph->provide_count++;
    return 0;
}

static wh_status index_provides(wh_graph *graph, wh_error *err)
{
    for (uint32_t id = 0; id < graph->component_count; id++) {
        const wh_graph_component *component = &graph->components[id];
        if (add_provide(graph, component->name, id, component->version) != 0)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory indexing provided names");

        for (uint32_t r = 0; r < component->relation_count; r++) {
            const wh_graph_relation *relation = &graph->relations[component->first_relation + r];
            if (relation->kind != WH_REL_PROVIDES)
                continue;
            const char *version = relation->op && strcmp(relation->op, "=") == 0
                                      ? relation->version : NULL;
            if (add_provide(graph, relation->name, id, version) != 0)
                return wh_error_set(err, WH_ERR_NOMEM, "out of memory indexing provided names");
        }
    }
    return WH_OK;
}

wh_status wh_graph_finish(wh_graph *graph, wh_error *err)
{
    wh_status result = WH_OK;
    scratch s = { 0 };

    if (graph->finished)
        return wh_error_set(err, WH_ERR_INVALID, "component graph is already finished");

    for (uint32_t id = 0; id < graph->component_count && graph->files_unsorted; id++) {
        if (sort_component_files(graph, &graph->components[id]) != WH_OK) {
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory sorting files");
            goto out;
        }
    }

    if ((result = index_names(graph, err)) != WH_OK
        || (result = wh_graph_index_paths(graph, err)) != WH_OK
        || (result = index_provides(graph, err)) != WH_OK)
        goto out;

    for (uint32_t f = 0; f < graph->file_count; f++) {
        if (resolve_file(graph, f, &s) != WH_OK) {
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory resolving the requirements of '%s'",
                                  graph->files[f].path);
            goto out;
        }
    }

    free(graph->pending_index);
    graph->pending_index = NULL;
    free(graph->pending);
    graph->pending = NULL;
    wh_strmap_release(&graph->search_cache);
    wh_strmap_release(&graph->provider_sets);
    free(graph->provider_list);
    graph->provider_list = NULL;
    graph->provider_list_count = graph->provider_list_capacity = 0;
    graph->finished = 1;

out:
    free(s.files);
    return result;
}

/* ---- Accessors ---------------------------------------------------------- */

uint32_t wh_graph_component_count(const wh_graph *graph) { return graph->component_count; }
uint32_t wh_graph_file_count(const wh_graph *graph) { return graph->file_count; }

const wh_graph_component *wh_graph_component_at(const wh_graph *graph, uint32_t id)
{
    return id < graph->component_count ? &graph->components[id] : NULL;
}

const wh_graph_file *wh_graph_file_at(const wh_graph *graph, uint32_t index)
{
    return index < graph->file_count ? &graph->files[index] : NULL;
}

const wh_graph_relation *wh_graph_relation_at(const wh_graph *graph, uint32_t index)
{
    return index < graph->relation_count ? &graph->relations[index] : NULL;
}

uint32_t wh_graph_find(const wh_graph *graph, const char *name)
{
    return wh_strmap_get(&graph->names, name, strlen(name));
}

uint32_t wh_graph_first_provider(const wh_graph *graph, const char *name)
{
    return wh_strmap_get(&graph->provides, name, strlen(name));
}

const provide_entry *wh_graph_provide_at(const wh_graph *graph, uint32_t index)
{
    return index < graph->provide_count ? &graph->provide_entries[index] : NULL;
}
