/*
 * Trimming and per-component summaries: which files of a component remain
 * after the exclude globs and keep lists, and what those files weigh,
 * require and are flagged with.
 */
#include "compose_internal.h"

#include <stdlib.h>
#include <string.h>

#include "glob.h"

/* Compressed/raw ratios by class, documented in docs/spec.md under "Sizes". */
#define RATIO_ELF 0.40
#define RATIO_TEXT 0.30
#define RATIO_ENCODED 0.60 /* base64 text such as PEM certificates */
#define RATIO_COMPRESSED 1.00
#define RATIO_OTHER 0.50
#define HEADER_COMPRESSED 64 /* a 512-byte tar header, mostly zeros, after gzip */

static const char *const compressed_suffixes[] = {
    ".gz", ".xz", ".bz2", ".zst", ".lz4", ".lzma", ".br", ".zip", ".jar", ".png",
    ".jpg", ".jpeg", ".gif", ".webp", ".woff", ".woff2", ".mo", ".deb", ".apk",
};

static const char *const encoded_suffixes[] = { ".crt", ".pem" };

static const char *const text_suffixes[] = {
    ".txt", ".conf", ".cfg", ".json", ".xml", ".html", ".css", ".js",
    ".py", ".pl", ".pm", ".sh", ".md", ".yaml", ".yml", ".ini", ".list", ".csv",
};

static int has_suffix(const char *path, const char *const *suffixes, size_t count)
{
    size_t length = strlen(path);
    for (size_t i = 0; i < count; i++) {
        size_t suffix = strlen(suffixes[i]);
        if (length > suffix && strcmp(path + length - suffix, suffixes[i]) == 0)
            return 1;
    }
    return 0;
}

uint64_t wh_estimate_compressed(const wh_graph_file *file)
{
    double ratio = RATIO_OTHER;
    uint32_t elf = WH_FLAG_STATIC | WH_FLAG_STATIC_PIE | WH_FLAG_DYNAMIC | WH_FLAG_SHARED_LIBRARY;

    if (file->flags & elf)
        ratio = RATIO_ELF;
    else if (has_suffix(file->path, compressed_suffixes,
                        sizeof(compressed_suffixes) / sizeof(compressed_suffixes[0])))
        ratio = RATIO_COMPRESSED;
    else if (has_suffix(file->path, encoded_suffixes,
                        sizeof(encoded_suffixes) / sizeof(encoded_suffixes[0])))
        ratio = RATIO_ENCODED;
    else if ((file->flags & WH_FLAG_SCRIPT)
             || has_suffix(file->path, text_suffixes, sizeof(text_suffixes) / sizeof(text_suffixes[0])))
        ratio = RATIO_TEXT;

    return HEADER_COMPRESSED + (uint64_t)((double)file->size * ratio + 0.5);
}

static int matches_any(char *const *globs, size_t count, const char *path)
{
    for (size_t i = 0; i < count; i++) {
        if (wh_glob_match(globs[i], path))
            return 1;
    }
    return 0;
}

/* With a keep list, a directory remains when a remaining file lies below it. */
static void keep_parent_directories(wh_composition *composition, const wh_graph_component *component)
{
    const wh_graph *graph = composition->graph;
    for (uint32_t i = 0; i < component->file_count; i++) {
        uint32_t d = component->first_file + i;
        const wh_graph_file *dir = wh_graph_file_at(graph, d);
        if (dir->type != WH_FILE_DIRECTORY || composition->kept[d])
            continue;
        size_t length = strlen(dir->path);
        for (uint32_t j = 0; j < component->file_count; j++) {
            uint32_t f = component->first_file + j;
            const wh_graph_file *file = wh_graph_file_at(graph, f);
            if (composition->kept[f] && file->type != WH_FILE_DIRECTORY
                && strncmp(file->path, dir->path, length) == 0 && file->path[length] == '/') {
                composition->kept[d] = 1;
                break;
            }
        }
    }
}

static void compute_kept(wh_composition *composition, uint32_t id)
{
    const wh_graph_component *component = wh_graph_component_at(composition->graph, id);
    const trim *t = &composition->trims[id];

    for (uint32_t i = 0; i < component->file_count; i++) {
        uint32_t f = component->first_file + i;
        const char *path = wh_graph_file_at(composition->graph, f)->path;
        int kept = 1;
        if (t->keep_count > 0)
            kept = matches_any(t->keep, t->keep_count, path);
        if (kept && (matches_any(composition->exclude_paths, composition->exclude_path_count, path)
                     || matches_any(t->exclude, t->exclude_count, path)))
            kept = 0;
        composition->kept[f] = (uint8_t)kept;
    }

    if (t->keep_count > 0)
        keep_parent_directories(composition, component);
}

/* Size of a hardlink whose first name was trimmed away: it now carries the content. */
static int64_t orphan_hardlink_size(const wh_composition *composition, const wh_graph_file *link)
{
    const wh_graph *graph = composition->graph;
    if (link->target == NULL)
        return 0;
    for (uint32_t f = wh_graph_lookup(graph, link->target); f != WH_NONE;
         f = wh_graph_file_at(graph, f)->same_path_next) {
        const wh_graph_file *first = wh_graph_file_at(graph, f);
        if (first->component == link->component)
            return composition->kept[f] ? 0 : first->size;
    }
    return 0;
}

/* Sonames first: "needs libc.so.6" explains a library better than its interpreter path does. */
static int kind_rank(uint8_t kind)
{
    switch (kind) {
    case WH_REQ_SONAME: return 0;
    case WH_REQ_INTERPRETER: return 1;
    case WH_REQ_SCRIPT: return 2;
    default: return 3;
    }
}

static int compare_order(const edge *a, const edge *b)
{
    int order = kind_rank(a->requirement->kind) - kind_rank(b->requirement->kind);
    if (order != 0)
        return order;
    if (a->file != b->file)
        return a->file < b->file ? -1 : 1;
    return strcmp(a->requirement->name, b->requirement->name);
}

static int compare_for_unique(const void *a, const void *b)
{
    const wh_requirement *ra = ((const edge *)a)->requirement;
    const wh_requirement *rb = ((const edge *)b)->requirement;
    if (ra->providers != rb->providers)
        return ra->providers < rb->providers ? -1 : 1;
    if (ra->providers->count == 0) {
        int order = strcmp(ra->name, rb->name);
        if (order != 0)
            return order;
    }
    return compare_order(a, b);
}

static int compare_edges(const void *a, const void *b)
{
    return compare_order(a, b);
}

/*
 * Keeps one edge per provider set (per name when nothing provides it), the
 * first in walk order, then sorts the edges into walk order.
 */
static uint32_t unique_edges(edge *edges, uint32_t count)
{
    if (count == 0)
        return 0;
    qsort(edges, count, sizeof(*edges), compare_for_unique);
    uint32_t unique = 1;
    for (uint32_t i = 1; i < count; i++) {
        const wh_requirement *previous = edges[unique - 1].requirement;
        const wh_requirement *current = edges[i].requirement;
        int same = previous->providers == current->providers
                   && (current->providers->count > 0 || strcmp(previous->name, current->name) == 0);
        if (!same)
            edges[unique++] = edges[i];
    }
    qsort(edges, unique, sizeof(*edges), compare_edges);
    return unique;
}

static int summarise(wh_composition *composition, uint32_t id, aggregate *a)
{
    const wh_graph *graph = composition->graph;
    const wh_graph_component *component = wh_graph_component_at(graph, id);
    uint32_t edge_count = 0, shared_count = 0;

    for (uint32_t i = 0; i < component->file_count; i++) {
        uint32_t f = component->first_file + i;
        if (!composition->kept[f])
            continue;
        const wh_graph_file *file = wh_graph_file_at(graph, f);
        edge_count += file->requirement_count;
        shared_count += (file->flags & WH_FLAG_SHARED_PATH) != 0;
    }

    a->edges = edge_count ? malloc(edge_count * sizeof(*a->edges)) : NULL;
    a->shared = shared_count ? malloc(shared_count * sizeof(*a->shared)) : NULL;
    if ((edge_count && a->edges == NULL) || (shared_count && a->shared == NULL))
        return -1;

    memset(&a->totals, 0, sizeof(a->totals));
    a->totals.components = 1;
    a->flags = 0;
    a->edge_count = 0;
    a->shared_count = 0;
    for (uint32_t i = 0; i < component->file_count; i++) {
        uint32_t f = component->first_file + i;
        if (!composition->kept[f])
            continue;
        const wh_graph_file *file = wh_graph_file_at(graph, f);
        int64_t size = file->size;
        if (file->type == WH_FILE_HARDLINK)
            size = orphan_hardlink_size(composition, file);

        a->flags |= file->flags;
        a->totals.files++;
        a->totals.bytes += (uint64_t)size;
        wh_graph_file sized = *file;
        sized.size = size;
        a->totals.compressed += wh_estimate_compressed(&sized);
        for (uint32_t r = 0; r < file->requirement_count; r++) {
            a->edges[a->edge_count].requirement = &file->requirements[r];
            a->edges[a->edge_count].file = f;
            a->edge_count++;
        }
        if (file->flags & WH_FLAG_SHARED_PATH)
            a->shared[a->shared_count++] = f;
    }

    a->edge_count = unique_edges(a->edges, a->edge_count);
    return 0;
}

const aggregate *wh_aggregate(wh_composition *composition, uint32_t id)
{
    aggregate *a = &composition->aggregates[id];
    if (a->valid)
        return a;

    free(a->edges);
    free(a->shared);
    a->edges = NULL;
    a->shared = NULL;

    compute_kept(composition, id);
    if (summarise(composition, id, a) != 0)
        return NULL;
    a->valid = 1;
    return a;
}

void wh_aggregate_invalidate(wh_composition *composition, uint32_t id)
{
    if (id != WH_NONE) {
        composition->aggregates[id].valid = 0;
        return;
    }
    for (uint32_t i = 0; i < composition->component_count; i++)
        composition->aggregates[i].valid = 0;
}

void wh_aggregate_free_all(wh_composition *composition)
{
    for (uint32_t i = 0; i < composition->component_count; i++) {
        free(composition->aggregates[i].edges);
        free(composition->aggregates[i].shared);
    }
}

int wh_same_content(const wh_graph_file *a, const wh_graph_file *b)
{
    if (a->type != b->type)
        return 0;
    switch (a->type) {
    case WH_FILE_REGULAR:
        if (a->has_sha256 && b->has_sha256)
            return memcmp(a->sha256, b->sha256, sizeof(a->sha256)) == 0;
        return a->size == b->size && !a->has_sha256 && !b->has_sha256;
    case WH_FILE_SYMLINK:
    case WH_FILE_HARDLINK:
        return a->target && b->target && strcmp(a->target, b->target) == 0;
    case WH_FILE_DEVICE:
        return a->mode == b->mode;
    default:
        return 1;
    }
}
