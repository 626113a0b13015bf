#include "support_graph.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "../../core/digest.h"

static void check(wh_status status, const wh_error *err)
{
    if (status != WH_OK)
        fail_msg("graph building failed: %s", err->message);
}

uint32_t tg_component(wh_graph *graph, const char *name, wh_kind kind)
{
    wh_error err = { 0 };
    wh_component_input input = { name, "1.0", "amd64", kind, NULL, WH_SCHEME_DEBIAN };
    uint32_t id = 0;
    check(wh_graph_add_component(graph, &input, &id, &err), &err);
    return id;
}

static void add(wh_graph *graph, wh_file_input *input)
{
    wh_error err = { 0 };
    check(wh_graph_add_file(graph, input, &err), &err);
}

void tg_dir(wh_graph *graph, const char *path)
{
    wh_file_input input = { .path = path, .type = WH_FILE_DIRECTORY, .mode = S_IFDIR | 0755 };
    add(graph, &input);
}

void tg_file(wh_graph *graph, const char *path, unsigned mode, int64_t size, unsigned flags,
             const char *content_tag)
{
    char hex[WH_SHA256_HEX_LEN + 1];
    wh_sha256_buffer_hex(content_tag, strlen(content_tag), hex);
    wh_classification c = { .flags = flags };
    wh_file_input input = { .path = path, .type = WH_FILE_REGULAR, .mode = S_IFREG | mode,
                            .size = size, .sha256 = hex, .classification = &c };
    add(graph, &input);
}

void tg_elf(wh_graph *graph, const char *path, int64_t size, const char *interpreter,
            const char *const *needed, const char *runpath, const char *soname, unsigned flags)
{
    size_t count = 0;
    while (needed != NULL && needed[count] != NULL)
        count++;
    char hex[WH_SHA256_HEX_LEN + 1];
    wh_sha256_buffer_hex(path, strlen(path), hex);
    wh_classification c = { .flags = flags, .interpreter = (char *)interpreter,
                            .needed = (char **)needed, .needed_count = count,
                            .runpath = (char *)runpath, .soname = (char *)soname };
    wh_file_input input = { .path = path, .type = WH_FILE_REGULAR, .mode = S_IFREG | 0755,
                            .size = size, .sha256 = hex, .classification = &c };
    add(graph, &input);
}

void tg_script(wh_graph *graph, const char *path, const char *interpreter, const char *arg)
{
    char hex[WH_SHA256_HEX_LEN + 1];
    wh_sha256_buffer_hex(path, strlen(path), hex);
    wh_classification c = { .flags = WH_FLAG_SCRIPT, .interpreter = (char *)interpreter,
                            .interpreter_arg = (char *)arg };
    wh_file_input input = { .path = path, .type = WH_FILE_REGULAR, .mode = S_IFREG | 0755,
                            .size = 100, .sha256 = hex, .classification = &c };
    add(graph, &input);
}

void tg_symlink(wh_graph *graph, const char *path, const char *target)
{
    wh_file_input input = { .path = path, .type = WH_FILE_SYMLINK, .mode = S_IFLNK | 0777,
                            .target = target };
    add(graph, &input);
}

void tg_hardlink(wh_graph *graph, const char *path, const char *first)
{
    wh_file_input input = { .path = path, .type = WH_FILE_HARDLINK, .mode = S_IFREG | 0755,
                            .target = first };
    add(graph, &input);
}

void tg_relation(wh_graph *graph, wh_relation_kind kind, int group, int alternative,
                 const char *name, const char *op, const char *version)
{
    wh_error err = { 0 };
    wh_relation_input input = { kind, group, alternative, name, op, version };
    check(wh_graph_add_relation(graph, &input, &err), &err);
}

void tg_finish(wh_graph *graph)
{
    wh_error err = { 0 };
    check(wh_graph_finish(graph, &err), &err);
}
