#include "catalog_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static void *checked(void *pointer)
{
    if (pointer == NULL) {
        fputs("whittle: out of memory\n", stderr);
        abort();
    }
    return pointer;
}

const char *view_format_size(int64_t bytes, char buffer[32])
{
    static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
    if (bytes < 1024) {
        snprintf(buffer, 32, "%lld B", (long long)bytes);
        return buffer;
    }
    double value = (double)bytes / 1024.0;
    size_t unit = 0;
    while (value >= 1024.0 && unit + 1 < sizeof(units) / sizeof(units[0])) {
        value /= 1024.0;
        unit++;
    }
    snprintf(buffer, 32, "%.1f %s", value, units[unit]);
    return buffer;
}

const char *view_format_mode(unsigned mode, wh_file_type type, char buffer[11])
{
    static const char type_letters[WH_FILE_TYPE_COUNT] = { '-', 'd', 'l', '-', 'c', 'p' };
    buffer[0] = (unsigned)type < WH_FILE_TYPE_COUNT ? type_letters[type] : '?';
    if (type == WH_FILE_DEVICE && S_ISBLK(mode))
        buffer[0] = 'b';

    static const char letters[] = "rwxrwxrwx";
    for (int i = 0; i < 9; i++)
        buffer[1 + i] = (mode & (0400u >> i)) ? letters[i] : '-';
    if (mode & S_ISUID)
        buffer[3] = (mode & S_IXUSR) ? 's' : 'S';
    if (mode & S_ISGID)
        buffer[6] = (mode & S_IXGRP) ? 's' : 'S';
    if (mode & S_ISVTX)
        buffer[9] = (mode & S_IXOTH) ? 't' : 'T';
    buffer[10] = '\0';
    return buffer;
}

char *view_clause_text(const whc_relation *relations, size_t first, size_t count)
{
    char *text = NULL;
    size_t size = 0;
    FILE *stream = checked(open_memstream(&text, &size));

    for (size_t i = first; i < first + count; i++) {
        const whc_relation *relation = &relations[i];
        if (i > first)
            fputs(" | ", stream);
        fputs(relation->name, stream);
        if (relation->arch_qualifier != NULL)
            fputs(relation->arch_qualifier, stream);
        if (relation->op != NULL)
            fprintf(stream, " (%s %s)", relation->op, relation->version);
    }
    if (fclose(stream) != 0)
        checked(NULL);
    return text;
}

static json_t *alternative_json(const whc_relation *relation)
{
    json_t *object = json_pack("{s:s}", "name", relation->name);
    if (relation->op != NULL) {
        json_object_set_new(object, "op", json_string(relation->op));
        json_object_set_new(object, "version", json_string(relation->version));
    }
    if (relation->arch_qualifier != NULL)
        json_object_set_new(object, "arch_qualifier", json_string(relation->arch_qualifier));
    return object;
}

json_t *view_relations_json(const whc_relation *relations, size_t count, unsigned kinds)
{
    json_t *clauses = checked(json_array());

    /* Relations come sorted by kind, group and alternative, so a clause is one run. */
    size_t first = 0;
    while (first < count) {
        size_t end = first + 1;
        while (end < count && relations[end].kind == relations[first].kind
               && relations[end].group == relations[first].group)
            end++;

        if (kinds & (1u << relations[first].kind)) {
            json_t *alternatives = checked(json_array());
            for (size_t i = first; i < end; i++)
                json_array_append_new(alternatives, alternative_json(&relations[i]));
            char *text = view_clause_text(relations, first, end - first);
            json_array_append_new(
                clauses, checked(json_pack("{s:s, s:s, s:o}", "kind",
                                           whc_relation_kind_name(relations[first].kind),
                                           "text", text, "alternatives", alternatives)));
            free(text);
        }
        first = end;
    }
    return clauses;
}

json_t *view_component_summary_json(const whc_component *component)
{
    char size[32];
    json_t *object = json_pack(
        "{s:s, s:s, s:s, s:s, s:s?, s:I, s:I, s:s}", "name", component->name, "version",
        component->version, "kind", wh_kind_name(component->kind), "architecture",
        component->architecture ? component->architecture : "", "license", component->license,
        "files", (json_int_t)component->file_count, "size", (json_int_t)component->total_size,
        "size_human", view_format_size(component->total_size, size));
    return checked(object);
}

static char *base64_encode(const unsigned char *data, size_t size)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *text = checked(malloc((size + 2) / 3 * 4 + 1));
    char *out = text;

    for (size_t i = 0; i < size; i += 3) {
        unsigned chunk = (unsigned)data[i] << 16;
        if (i + 1 < size)
            chunk |= (unsigned)data[i + 1] << 8;
        if (i + 2 < size)
            chunk |= data[i + 2];
        *out++ = alphabet[(chunk >> 18) & 63];
        *out++ = alphabet[(chunk >> 12) & 63];
        *out++ = i + 1 < size ? alphabet[(chunk >> 6) & 63] : '=';
        *out++ = i + 2 < size ? alphabet[chunk & 63] : '=';
    }
    *out = '\0';
    return text;
}

static void set_optional_string(json_t *object, const char *key, const char *value)
{
    if (value != NULL)
        json_object_set_new(object, key, checked(json_string(value)));
}

static json_t *file_json(const whc_file *files, size_t count, size_t index)
{
    const whc_file *file = &files[index];
    const wh_classification *c = &file->classification;
    char mode[8];
    snprintf(mode, sizeof(mode), "%04o", file->mode & 07777u);

    json_t *object = checked(json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "path", file->path,
                                       "type", wh_file_type_name(file->type), "mode", mode,
                                       "uid", (json_int_t)file->uid, "gid", (json_int_t)file->gid,
                                       "size", (json_int_t)file->size));
    set_optional_string(object, "sha256", file->sha256);
    if (file->type == WH_FILE_SYMLINK || file->type == WH_FILE_HARDLINK)
        set_optional_string(object, "target", file->target);
    if (file->type == WH_FILE_DEVICE) {
        json_object_set_new(object, "device", json_string(S_ISBLK(file->mode) ? "block"
                                                                               : "character"));
        json_object_set_new(object, "major", json_integer((json_int_t)major(file->rdev)));
        json_object_set_new(object, "minor", json_integer((json_int_t)minor(file->rdev)));
    }

    json_t *flags = checked(json_array());
    for (int bit = 0; bit < WH_FLAG_COUNT_; bit++) {
        if (c->flags & (1u << bit))
            json_array_append_new(flags, json_string(wh_flag_name(1u << bit)));
    }
    json_object_set_new(object, "flags", flags);

    set_optional_string(object, "interpreter", c->interpreter);
    set_optional_string(object, "interpreter_arg", c->interpreter_arg);
    set_optional_string(object, "soname", c->soname);
    set_optional_string(object, "runpath", c->runpath);
    set_optional_string(object, "rpath", c->rpath);
    set_optional_string(object, "multicall", c->multicall);
    if (c->needed_count > 0) {
        json_t *needed = checked(json_array());
        for (size_t i = 0; i < c->needed_count; i++)
            json_array_append_new(needed, json_string(c->needed[i]));
        json_object_set_new(object, "needed", needed);
    }

    if (file->xattr_count > 0) {
        json_t *xattrs = checked(json_object());
        for (size_t i = 0; i < file->xattr_count; i++) {
            char *value = base64_encode(file->xattr_values[i], file->xattr_sizes[i]);
            json_object_set_new(xattrs, file->xattr_names[i], json_string(value));
            free(value);
        }
        json_object_set_new(object, "xattrs", xattrs);
    }

    if (c->flags & WH_FLAG_MULTICALL) {
        size_t link_count = 0;
        size_t *links = view_file_links(files, count, index, &link_count);
        json_t *paths = checked(json_array());
        for (size_t i = 0; i < link_count; i++)
            json_array_append_new(paths, json_string(files[links[i]].path));
        json_object_set_new(object, "links", paths);
        free(links);
    }
    return object;
}

json_t *view_component_json(const whc_component *component, const whc_relation *relations,
                            size_t relation_count, const whc_file *files, size_t file_count)
{
    json_t *object = view_component_summary_json(component);
    json_object_set_new(object, "summary", component->summary ? json_string(component->summary)
                                                              : json_null());
    json_object_set_new(object, "origin",
                        checked(json_pack("{s:s?, s:s?, s:s?}", "path", component->origin_path,
                                          "sha256", component->origin_sha256, "format",
                                          component->origin_format)));

    unsigned requires = 1u << WHC_REL_DEPENDS | 1u << WHC_REL_PRE_DEPENDS;
    json_object_set_new(object, "requires", view_relations_json(relations, relation_count,
                                                                requires));
    json_object_set_new(object, "recommends", view_relations_json(relations, relation_count,
                                                                  1u << WHC_REL_RECOMMENDS));
    json_object_set_new(object, "provides", view_relations_json(relations, relation_count,
                                                                1u << WHC_REL_PROVIDES));
    unsigned conflicts = 1u << WHC_REL_CONFLICTS | 1u << WHC_REL_BREAKS;
    json_object_set_new(object, "conflicts", view_relations_json(relations, relation_count,
                                                                 conflicts));
    json_object_set_new(object, "replaces", view_relations_json(relations, relation_count,
                                                                1u << WHC_REL_REPLACES));

    json_t *array = checked(json_array());
    for (size_t i = 0; i < file_count; i++)
        json_array_append_new(array, file_json(files, file_count, i));
    json_object_set_new(object, "files", array);
    return object;
}
