#include "graph_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "version.h"

static const char *const relation_kind_names[WH_REL_KIND_COUNT] = {
    "depends", "pre-depends", "recommends", "provides", "conflicts", "breaks", "replaces",
};

static const char *const requirement_kind_names[] = {
    "interpreter", "soname", "script", "symlink",
};

const char *wh_relation_kind_name(wh_relation_kind kind)
{
    if ((unsigned)kind >= WH_REL_KIND_COUNT)
        return NULL;
    return relation_kind_names[kind];
}

const char *wh_requirement_kind_name(wh_requirement_kind kind)
{
    if ((unsigned)kind > WH_REQ_SYMLINK)
        return NULL;
    return requirement_kind_names[kind];
}

const char *wh_requirement_kind_label(wh_requirement_kind kind)
{
    static const char *const labels[] = {
        "ELF interpreter", "soname", "script interpreter", "symlink target",
    };
    if ((unsigned)kind > WH_REQ_SYMLINK)
        return NULL;
    return labels[kind];
}

int wh_grow_array(void **array, uint32_t *capacity, uint32_t need, size_t size)
{
    if (need <= *capacity)
        return 0;
    uint32_t next = *capacity ? *capacity : 16;
    while (next < need)
        next *= 2;
    void *grown = realloc(*array, (size_t)next * size);
    if (grown == NULL)
        return -1;
    *array = grown;
    *capacity = next;
    return 0;
}

int wh_path_resolve(const char *dir, const char *target, char *out, size_t out_size)
{
    /* dir + "/" + target, or target alone when it is absolute. */
    char joined[4096];
    size_t dir_length = target[0] == '/' ? 0 : strlen(dir);
    size_t target_length = strlen(target);
    size_t prefix = target[0] == '/' ? 0 : dir_length + 1;
    if (prefix + target_length + 1 > sizeof(joined))
        return -1;
    if (prefix > 0) {
        memcpy(joined, dir, dir_length);
        joined[dir_length] = '/';
    }
    memcpy(joined + prefix, target, target_length + 1);

    /* Copy segment by segment; ".." drops the last copied segment. */
    size_t length = 0;
    const char *p = joined;
    while (*p != '\0') {
        while (*p == '/')
            p++;
        const char *end = strchr(p, '/');
        size_t segment = end ? (size_t)(end - p) : strlen(p);
        if (segment == 0)
            break;
        if (segment == 1 && p[0] == '.') {
            /* nothing */
        } else if (segment == 2 && p[0] == '.' && p[1] == '.') {
            while (length > 0 && out[length - 1] != '/')
                length--;
            if (length > 0)
                length--;
        } else {
            if (length + 1 + segment + 1 > out_size)
                return -1;
            out[length++] = '/';
            memcpy(out + length, p, segment);
            length += segment;
        }
        p += segment;
    }

    if (length == 0) {
        if (out_size < 2)
            return -1;
        out[length++] = '/';
    }
    out[length] = '\0';
    return 0;
}

wh_status wh_graph_new(wh_graph **out, wh_error *err)
{
    *out = calloc(1, sizeof(**out));
    if (*out == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory creating a component graph");
    return WH_OK;
}

void wh_graph_free(wh_graph *graph)
{
    if (graph == NULL)
        return;
    free(graph->components);
    free(graph->files);
    free(graph->pending_index);
    free(graph->pending);
    free(graph->relations);
    free(graph->provide_entries);
    free(graph->provider_list);
    free(graph->paths.slots);
    wh_strmap_release(&graph->names);
    wh_strmap_release(&graph->provides);
    wh_strmap_release(&graph->provider_sets);
    wh_strmap_release(&graph->search_cache);
    wh_arena_release(&graph->arena);
    free(graph);
}

static wh_status out_of_memory(wh_error *err, const char *name)
{
    return wh_error_set(err, WH_ERR_NOMEM, "out of memory adding %s to the component graph", name);
}

wh_status wh_graph_add_component(wh_graph *graph, const wh_component_input *input, uint32_t *id,
                                 wh_error *err)
{
    if (graph->finished)
        return wh_error_set(err, WH_ERR_INVALID, "component graph is already finished");
    if (input->name == NULL || input->name[0] == '\0')
        return wh_error_set(err, WH_ERR_INVALID, "component without a name");
    if (wh_grow_array((void **)&graph->components, &graph->component_capacity,
                      graph->component_count + 1, sizeof(wh_graph_component)) != 0)
        return out_of_memory(err, input->name);

    wh_graph_component *component = &graph->components[graph->component_count];
    memset(component, 0, sizeof(*component));
    component->name = wh_arena_strdup(&graph->arena, input->name);
    component->version = wh_arena_strdup(&graph->arena, input->version ? input->version : "");
    component->architecture = wh_arena_strdup(&graph->arena, input->architecture);
    component->origin_sha256 = wh_arena_strdup(&graph->arena, input->origin_sha256);
    if (component->name == NULL || component->version == NULL)
        return out_of_memory(err, input->name);
    component->kind = input->kind;
    component->scheme = input->scheme;
    component->first_file = graph->file_count;
    component->first_relation = graph->relation_count;

    if (id != NULL)
        *id = graph->component_count;
    graph->component_count++;
    return WH_OK;
}

/* Flags the mode and metadata imply, whatever the classifier found. */
static uint32_t flags_from_metadata(const wh_file_input *input, const wh_classification *c)
{
    uint32_t flags = c ? c->flags : 0;

    if (input->type == WH_FILE_REGULAR || input->type == WH_FILE_HARDLINK) {
        if (input->mode & S_ISUID)
            flags |= WH_FLAG_SETUID;
        if ((input->mode & S_ISGID) && (input->mode & S_IXGRP))
            flags |= WH_FLAG_SETGID;
    }
    if (input->type != WH_FILE_SYMLINK && (input->mode & S_IWOTH))
        flags |= WH_FLAG_WORLD_WRITABLE;
    if (input->has_capabilities)
        flags |= WH_FLAG_CAPABILITIES;

    /* A shared object is a library even when its mode has execute bits (libc.so.6 does). */
    const char *base = strrchr(input->path, '/');
    int library = (flags & WH_FLAG_SHARED_LIBRARY)
                  || (c && c->soname && base && strstr(base, ".so") != NULL);
    if ((input->type == WH_FILE_REGULAR || input->type == WH_FILE_HARDLINK)
        && (input->mode & 0111) && !library)
        flags |= WH_FLAG_EXECUTABLE;
    return flags;
}

/* Each hex digit's value with bit 7 set, indexed by character. Other characters map to 0. */
static const uint8_t hex_digits[256] = {
    ['0'] = 0x80, ['1'] = 0x81, ['2'] = 0x82, ['3'] = 0x83, ['4'] = 0x84, ['5'] = 0x85,
    ['6'] = 0x86, ['7'] = 0x87, ['8'] = 0x88, ['9'] = 0x89, ['a'] = 0x8a, ['b'] = 0x8b,
    ['c'] = 0x8c, ['d'] = 0x8d, ['e'] = 0x8e, ['f'] = 0x8f, ['A'] = 0x8a, ['B'] = 0x8b,
    ['C'] = 0x8c, ['D'] = 0x8d, ['E'] = 0x8e, ['F'] = 0x8f,
};

/* Parses 64 hex digits into out. Returns -1 for NULL, another length or a non-hex character. */
static int parse_sha256(const char *hex, uint8_t out[32])
{
    if (hex == NULL || strnlen(hex, 65) != 64)
        return -1;

    /* Bit 7 stays set only when every character is a digit, so the loop needs no branch. */
    unsigned all_digits = 0x80;
    for (int i = 0; i < 32; i++) {
        unsigned high = hex_digits[(unsigned char)hex[2 * i]];
        unsigned low = hex_digits[(unsigned char)hex[2 * i + 1]];
        all_digits &= high & low;
        out[i] = (uint8_t)((high & 0xf) << 4 | (low & 0xf));
    }
    if (!(all_digits & 0x80)) {
        memset(out, 0, 32);
        return -1;
    }
    return 0;
}

/* Whether resolving requirements needs more of the classification than the file stores. */
static int needs_pending(const wh_classification *c)
{
    return c != NULL && (c->interpreter != NULL || c->needed_count > 0);
}

static wh_status copy_pending(wh_graph *graph, const wh_classification *c, file_pending *pending)
{
    memset(pending, 0, sizeof(*pending));
    wh_arena *arena = &graph->arena;
    pending->interpreter = wh_arena_strdup(arena, c->interpreter);
    pending->interpreter_arg = wh_arena_strdup(arena, c->interpreter_arg);
    pending->runpath = wh_arena_strdup(arena, c->runpath);
    pending->rpath = wh_arena_strdup(arena, c->rpath);
    if ((c->interpreter && !pending->interpreter) || (c->interpreter_arg && !pending->interpreter_arg)
        || (c->runpath && !pending->runpath) || (c->rpath && !pending->rpath))
        return WH_ERR_NOMEM;

    if (c->needed_count > 0) {
        pending->needed = wh_arena_alloc(arena, c->needed_count * sizeof(char *));
        if (pending->needed == NULL)
            return WH_ERR_NOMEM;
        for (size_t i = 0; i < c->needed_count; i++) {
            pending->needed[i] = wh_arena_strdup(arena, c->needed[i]);
            if (pending->needed[i] == NULL)
                return WH_ERR_NOMEM;
        }
        pending->needed_count = (uint32_t)c->needed_count;
    }
    return WH_OK;
}

/* Stores what resolving the requirements of file index needs, when it needs more than the file. */
static wh_status add_pending(wh_graph *graph, uint32_t index, const wh_classification *c)
{
    graph->pending_index[index] = WH_NONE;
    if (!needs_pending(c))
        return WH_OK;
    if (wh_grow_array((void **)&graph->pending, &graph->pending_capacity, graph->pending_count + 1,
                      sizeof(file_pending)) != 0
        || copy_pending(graph, c, &graph->pending[graph->pending_count]) != WH_OK)
        return WH_ERR_NOMEM;
    graph->pending_index[index] = graph->pending_count++;
    return WH_OK;
}

wh_status wh_graph_add_file(wh_graph *graph, const wh_file_input *input, wh_error *err)
{
    if (graph->finished || graph->component_count == 0)
        return wh_error_set(err, WH_ERR_INVALID,
                            "file '%s' added outside a component or after the graph was finished",
                            input->path);
    if (input->path == NULL || input->path[0] != '/')
        return wh_error_set(err, WH_ERR_INVALID, "file path '%s' is not absolute",
                            input->path ? input->path : "(null)");

    uint32_t need = graph->file_count + 1;
    if (wh_grow_array((void **)&graph->files, &graph->file_capacity, need, sizeof(wh_graph_file)) != 0
        || wh_grow_array((void **)&graph->pending_index, &graph->pending_index_capacity, need,
                         sizeof(uint32_t)) != 0)
        return out_of_memory(err, input->path);

    const wh_classification *c = input->classification;
    wh_graph_component *component = &graph->components[graph->component_count - 1];
    wh_graph_file *file = &graph->files[graph->file_count];
    memset(file, 0, sizeof(*file));
    file->path = wh_arena_strdup(&graph->arena, input->path);
    file->target = wh_arena_strdup(&graph->arena, input->target);
    file->multicall = c ? wh_arena_strdup(&graph->arena, c->multicall) : NULL;
    if (file->path == NULL || (input->target && file->target == NULL)
        || (c && c->multicall && file->multicall == NULL))
        return out_of_memory(err, input->path);
    file->size = input->type == WH_FILE_REGULAR ? input->size : 0;
    file->component = graph->component_count - 1;
    file->flags = flags_from_metadata(input, c);
    file->mode = input->mode;
    file->uid = (uint32_t)input->uid;
    file->gid = (uint32_t)input->gid;
    file->type = (uint8_t)input->type;
    file->has_sha256 = parse_sha256(input->sha256, file->sha256) == 0;
    file->same_path_next = WH_NONE;

    if (add_pending(graph, graph->file_count, c) != WH_OK)
        return out_of_memory(err, input->path);

    /* The catalog returns files in path order, so wh_graph_finish rarely has to sort. */
    if (component->file_count > 0 && strcmp(file[-1].path, file->path) >= 0)
        graph->files_unsorted = 1;

    graph->file_count++;
    component->file_count++;
    return WH_OK;
}

wh_status wh_graph_add_relation(wh_graph *graph, const wh_relation_input *input, wh_error *err)
{
    if (graph->finished || graph->component_count == 0)
        return wh_error_set(err, WH_ERR_INVALID,
                            "relation '%s' added outside a component or after the graph was finished",
                            input->name);
    if (wh_grow_array((void **)&graph->relations, &graph->relation_capacity,
                      graph->relation_count + 1, sizeof(wh_graph_relation)) != 0)
        return out_of_memory(err, input->name);

    wh_graph_relation *relation = &graph->relations[graph->relation_count];
    relation->kind = (uint8_t)input->kind;
    relation->group = input->group;
    relation->alternative = input->alternative;
    relation->name = wh_arena_strdup(&graph->arena, input->name);
    relation->op = wh_arena_strdup(&graph->arena, input->op);
    relation->version = wh_arena_strdup(&graph->arena, input->version);
    if (relation->name == NULL)
        return out_of_memory(err, input->name);

    graph->relation_count++;
    graph->components[graph->component_count - 1].relation_count++;
    return WH_OK;
}
