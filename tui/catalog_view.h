/*
 * Helpers shared by `whittle catalog list` and `whittle catalog show`:
 * sizes for people, relation clauses as text, the links that resolve to a
 * file inside one component, and the JSON forms of components and files.
 */
#ifndef WH_CATALOG_VIEW_H
#define WH_CATALOG_VIEW_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../catalog/catalog.h"

/* Formats bytes as "512 B", "1.5 KiB", "12.0 MiB" into buffer. Returns buffer. */
const char *view_format_size(int64_t bytes, char buffer[32]);

/* Formats a mode as ls does, e.g. "-rwsr-xr-x" or "lrwxrwxrwx", into buffer. */
const char *view_format_mode(unsigned mode, wh_file_type type, char buffer[11]);

/*
 * Returns the indexes of the files in files[0..count) that are symlinks or
 * hardlinks resolving to files[target] inside this component, following
 * relative and absolute targets and symlinked folders. files must be sorted
 * by path, as whc_component_files returns them. The caller frees the array;
 * NULL with *link_count 0 when there are none. Aborts on allocation failure.
 */
size_t *view_file_links(const whc_file *files, size_t count, size_t target, size_t *link_count);

/*
 * Groups relations of the given kinds into clauses ("a (>= 1) | b") and
 * returns a JSON array with one object per clause: "kind", "text" and
 * "alternatives" (objects with name, and op, version, arch_qualifier when
 * set). kinds is a bit mask of (1 << whc_relation_kind).
 */
json_t *view_relations_json(const whc_relation *relations, size_t count, unsigned kinds);

/* The JSON object for one component row as `catalog list` prints it. */
json_t *view_component_summary_json(const whc_component *component);

/* The JSON object `catalog show` prints: the component, its relations and files. */
json_t *view_component_json(const whc_component *component, const whc_relation *relations,
                            size_t relation_count, const whc_file *files, size_t file_count);

/* The text of one clause, e.g. "libc6 (>= 2.34) | libc6.1"; the caller frees it. */
char *view_clause_text(const whc_relation *relations, size_t first, size_t count);

#endif
