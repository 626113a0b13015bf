/*
 * Parsers for Debian control data (deb822 paragraphs, as in DEBIAN/control
 * and machine-readable debian/copyright) and for Debian relation fields
 * (Depends, Provides, ...). Both read untrusted package metadata: every read
 * is bounds-checked and errors name the source and the line.
 */
#ifndef WHC_CONTROL_H
#define WHC_CONTROL_H

#include <stddef.h>

#include "catalog.h"

/* Largest control text the parser accepts, in bytes. */
#define WHC_CONTROL_MAX_SIZE (4u * 1024 * 1024)

typedef struct whc_control_field {
    char *name;  /* as written; look fields up with whc_control_get */
    char *value; /* first line and continuation lines joined by '\n' */
    int line;    /* line of the field name, from 1 */
} whc_control_field;

typedef struct whc_control_paragraph {
    whc_control_field *fields;
    size_t count, capacity;
    int line; /* line of the first field */
} whc_control_paragraph;

typedef struct whc_control_file {
    whc_control_paragraph *paragraphs;
    size_t count, capacity;
} whc_control_file;

/*
 * Parses size bytes of deb822 text into paragraphs. Field names match
 * case-insensitively; a continuation line starts with a space or tab and
 * has that one character removed; lines starting with '#' are comments.
 * source names the text in error messages ("tini.deb: control"). On
 * failure out is left empty and err names the line. The caller frees out
 * with whc_control_free.
 */
wh_status whc_control_parse(const char *text, size_t size, const char *source,
                            whc_control_file *out, wh_error *err);

/* Frees the paragraphs of file (not file itself) and zeroes it; accepts NULL. */
void whc_control_free(whc_control_file *file);

/* Returns the value of a field (case-insensitive name) or NULL when absent. */
const char *whc_control_get(const whc_control_paragraph *paragraph, const char *name);

/* Relations parsed from one or more fields; every string is owned by the list. */
typedef struct whc_relation_list {
    whc_relation_record *records;
    size_t count, capacity;
} whc_relation_list;

/*
 * Parses a Debian relation field such as "libc6 (>= 2.34), a | b:any" and
 * appends one record per alternative, with group and alternative indexes
 * counted from 0 within this field. Architecture lists ("[amd64]") and
 * build profiles ("<!nocheck>") are checked and dropped. Empty clauses,
 * as left by a trailing comma, are skipped. On failure the list keeps the
 * records it had before the call and err quotes the field and value.
 */
wh_status whc_relations_parse_debian(const char *value, whc_relation_kind kind,
                                     const char *source, whc_relation_list *list,
                                     wh_error *err);

/*
 * Appends one record, copying every string; group and alternative are
 * taken from record as given.
 */
wh_status whc_relation_list_add(whc_relation_list *list, const whc_relation_record *record,
                                wh_error *err);

/* Frees the records and their strings and zeroes the list; accepts NULL. */
void whc_relation_list_free(whc_relation_list *list);

#endif
