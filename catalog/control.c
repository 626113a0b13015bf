#include "control.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- deb822 paragraphs ------------------------------------------------ */

static int is_blank_line(const char *line, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
            return 0;
    }
    return 1;
}

static size_t trim_right(const char *text, size_t length)
{
    while (length > 0 && (text[length - 1] == ' ' || text[length - 1] == '\t' ||
                          text[length - 1] == '\r'))
        length--;
    return length;
}

static char *copy_bytes(const char *text, size_t length)
{
    char *copy = malloc(length + 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, text, length);
    copy[length] = '\0';
    return copy;
}

static wh_status add_paragraph(whc_control_file *file, int line, wh_error *err)
{
    if (file->count == file->capacity) {
        size_t capacity = file->capacity ? file->capacity * 2 : 4;
        whc_control_paragraph *grown =
            realloc(file->paragraphs, capacity * sizeof(*grown));
        if (grown == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory parsing control data");
        file->paragraphs = grown;
        file->capacity = capacity;
    }
    whc_control_paragraph *paragraph = &file->paragraphs[file->count++];
    memset(paragraph, 0, sizeof(*paragraph));
    paragraph->line = line;
    return WH_OK;
}

static wh_status add_field(whc_control_paragraph *paragraph, const char *name,
                           size_t name_length, const char *value, size_t value_length,
                           int line, wh_error *err)
{
    if (paragraph->count == paragraph->capacity) {
        size_t capacity = paragraph->capacity ? paragraph->capacity * 2 : 8;
        whc_control_field *grown = realloc(paragraph->fields, capacity * sizeof(*grown));
        if (grown == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory parsing control data");
        paragraph->fields = grown;
        paragraph->capacity = capacity;
    }
    whc_control_field *field = &paragraph->fields[paragraph->count];
    field->name = copy_bytes(name, name_length);
    field->value = copy_bytes(value, value_length);
    field->line = line;
    if (field->name == NULL || field->value == NULL) {
        free(field->name);
        free(field->value);
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory parsing control data");
    }
    paragraph->count++;
    return WH_OK;
}

/* Appends "\n" and a continuation line to the last field's value. */
static wh_status extend_field(whc_control_field *field, const char *text, size_t length,
                              wh_error *err)
{
    size_t old_length = strlen(field->value);
    char *grown = realloc(field->value, old_length + 1 + length + 1);
    if (grown == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory parsing control data");
    grown[old_length] = '\n';
    memcpy(grown + old_length + 1, text, length);
    grown[old_length + 1 + length] = '\0';
    field->value = grown;
    return WH_OK;
}

static int valid_field_name(const char *name, size_t length)
{
    if (length == 0 || name[0] == '-')
        return 0;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c <= ' ' || c >= 0x7f)
            return 0;
    }
    return 1;
}

/* Parses one "Name: value" line into the current paragraph. */
static wh_status parse_field_line(whc_control_paragraph *paragraph, const char *line,
                                  size_t length, const char *source, int line_number,
                                  wh_error *err)
{
    const char *colon = memchr(line, ':', length);
    if (colon == NULL)
        return wh_error_set(err, WH_ERR_FORMAT,
                            "%s: line %d: expected 'Field: value', found '%.*s'", source,
                            line_number, (int)(length > 60 ? 60 : length), line);

    size_t name_length = (size_t)(colon - line);
    if (!valid_field_name(line, name_length))
        return wh_error_set(err, WH_ERR_FORMAT, "%s: line %d: invalid field name '%.*s'",
                            source, line_number, (int)(name_length > 60 ? 60 : name_length),
                            line);

    for (size_t i = 0; i < paragraph->count; i++) {
        const whc_control_field *field = &paragraph->fields[i];
        if (strlen(field->name) == name_length &&
            strncasecmp(field->name, line, name_length) == 0)
            return wh_error_set(err, WH_ERR_FORMAT,
                                "%s: line %d: duplicate field '%s' (first at line %d)",
                                source, line_number, field->name, field->line);
    }

    const char *value = colon + 1;
    const char *end = line + length;
    while (value < end && (*value == ' ' || *value == '\t'))
        value++;
    size_t value_length = trim_right(value, (size_t)(end - value));
    return add_field(paragraph, line, name_length, value, value_length, line_number, err);
}

wh_status whc_control_parse(const char *text, size_t size, const char *source,
                            whc_control_file *out, wh_error *err)
{
    wh_status result = WH_OK;
    whc_control_file file = { 0 };
    int in_paragraph = 0;
    int line_number = 0;

    memset(out, 0, sizeof(*out));
    if (size > WHC_CONTROL_MAX_SIZE) {
        result = wh_error_set(err, WH_ERR_LIMIT, "%s: control data is %zu bytes; the limit is %u",
                              source, size, WHC_CONTROL_MAX_SIZE);
        goto out;
    }
    if (memchr(text, '\0', size) != NULL) {
        result = wh_error_set(err, WH_ERR_FORMAT, "%s: control data contains a NUL byte",
                              source);
        goto out;
    }

    size_t position = 0;
    while (position < size) {
        const char *line = text + position;
        const char *newline = memchr(line, '\n', size - position);
        size_t length = newline ? (size_t)(newline - line) : size - position;
        position += length + (newline ? 1 : 0);
        line_number++;

        if (is_blank_line(line, length)) {
            in_paragraph = 0;
            continue;
        }
        if (line[0] == '#')
            continue;

        if (line[0] == ' ' || line[0] == '\t') {
            if (!in_paragraph) {
                result = wh_error_set(err, WH_ERR_FORMAT,
                                      "%s: line %d: continuation line without a field before it",
                                      source, line_number);
                goto out;
            }
            whc_control_paragraph *paragraph = &file.paragraphs[file.count - 1];
            result = extend_field(&paragraph->fields[paragraph->count - 1], line + 1,
                                  trim_right(line + 1, length - 1), err);
            if (result != WH_OK)
                goto out;
            continue;
        }

        if (!in_paragraph) {
            result = add_paragraph(&file, line_number, err);
            if (result != WH_OK)
                goto out;
            in_paragraph = 1;
        }
        result = parse_field_line(&file.paragraphs[file.count - 1], line, length, source,
                                  line_number, err);
        if (result != WH_OK)
            goto out;
    }

    *out = file;
    memset(&file, 0, sizeof(file));

out:
    whc_control_free(&file);
    return result;
}

void whc_control_free(whc_control_file *file)
{
    if (file == NULL)
        return;
    for (size_t i = 0; i < file->count; i++) {
        whc_control_paragraph *paragraph = &file->paragraphs[i];
        for (size_t j = 0; j < paragraph->count; j++) {
            free(paragraph->fields[j].name);
            free(paragraph->fields[j].value);
        }
        free(paragraph->fields);
    }
    free(file->paragraphs);
    memset(file, 0, sizeof(*file));
}

const char *whc_control_get(const whc_control_paragraph *paragraph, const char *name)
{
    for (size_t i = 0; i < paragraph->count; i++) {
        if (strcasecmp(paragraph->fields[i].name, name) == 0)
            return paragraph->fields[i].value;
    }
    return NULL;
}

/* ---- Relation lists --------------------------------------------------- */

wh_status whc_relation_list_add(whc_relation_list *list, const whc_relation_record *record,
                                wh_error *err)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 8;
        whc_relation_record *grown = realloc(list->records, capacity * sizeof(*grown));
        if (grown == NULL)
            return wh_error_set(err, WH_ERR_NOMEM, "out of memory storing relations");
        list->records = grown;
        list->capacity = capacity;
    }

    whc_relation_record copy = *record;
    copy.name = strdup(record->name);
    copy.op = record->op ? strdup(record->op) : NULL;
    copy.version = record->version ? strdup(record->version) : NULL;
    copy.arch_qualifier = record->arch_qualifier ? strdup(record->arch_qualifier) : NULL;
    if (copy.name == NULL || (record->op && copy.op == NULL) ||
        (record->version && copy.version == NULL) ||
        (record->arch_qualifier && copy.arch_qualifier == NULL)) {
        free((char *)copy.name);
        free((char *)copy.op);
        free((char *)copy.version);
        free((char *)copy.arch_qualifier);
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory storing relations");
    }
    list->records[list->count++] = copy;
    return WH_OK;
}

void whc_relation_list_free(whc_relation_list *list)
{
    if (list == NULL)
        return;
    /* The list allocated every string, so the const in the record is only its view. */
    for (size_t i = 0; i < list->count; i++) {
        free((char *)list->records[i].name);
        free((char *)list->records[i].op);
        free((char *)list->records[i].version);
        free((char *)list->records[i].arch_qualifier);
    }
    free(list->records);
    memset(list, 0, sizeof(*list));
}

/* ---- Debian relation syntax ------------------------------------------- */

/* Maximum length of a package name, version or qualifier inside a relation, NUL included. */
#define TOKEN_MAX 256

typedef struct relation_parser {
    const char *text;
    size_t position;
    const char *source;
} relation_parser;

static void skip_space(relation_parser *parser)
{
    while (isspace((unsigned char)parser->text[parser->position]))
        parser->position++;
}

static int is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '+' || c == '-' || c == '.' || c == '_';
}

static int is_version_char(char c)
{
    return isalnum((unsigned char)c) || c == '+' || c == '-' || c == '.' || c == '~' ||
           c == ':';
}

/* Copies the run of characters accepted by accept into token; 0 when empty or too long. */
static size_t read_token(relation_parser *parser, int (*accept)(char), char *token,
                         size_t capacity)
{
    size_t length = 0;
    while (accept(parser->text[parser->position])) {
        if (length + 1 >= capacity)
            return 0;
        token[length++] = parser->text[parser->position++];
    }
    token[length] = '\0';
    return length;
}

static wh_status syntax_error(const relation_parser *parser, const char *expected, wh_error *err)
{
    const char *at = parser->text + parser->position;
    return wh_error_set(err, WH_ERR_FORMAT,
                        "%s: invalid relation '%s': expected %s at '%.20s'", parser->source,
                        parser->text, expected, *at ? at : "end of field");
}

static const char *const debian_ops[] = { "<<", "<=", ">=", ">>", "=", "<", ">" };

/* Skips a bracketed architecture list or build profile, checking it is closed. */
static wh_status skip_restriction(relation_parser *parser, char close, wh_error *err)
{
    const char *end = strchr(parser->text + parser->position, close);
    if (end == NULL || memchr(parser->text + parser->position, ',',
                              (size_t)(end - (parser->text + parser->position))) != NULL)
        return syntax_error(parser, close == ']' ? "']'" : "'>'", err);
    parser->position = (size_t)(end - parser->text) + 1;
    return WH_OK;
}

/* Parses "name[:arch] [(op version)] [arch list] [profiles]" into record. */
static wh_status parse_alternative(relation_parser *parser, char name[TOKEN_MAX],
                                   char op[4], char version[TOKEN_MAX],
                                   char qualifier[TOKEN_MAX], whc_relation_record *record,
                                   wh_error *err)
{
    skip_space(parser);
    if (read_token(parser, is_name_char, name, TOKEN_MAX) == 0)
        return syntax_error(parser, "a package name", err);
    record->name = name;
    record->op = NULL;
    record->version = NULL;
    record->arch_qualifier = NULL;

    if (parser->text[parser->position] == ':') {
        parser->position++;
        qualifier[0] = ':';
        if (read_token(parser, is_name_char, qualifier + 1, TOKEN_MAX - 1) == 0)
            return syntax_error(parser, "an architecture qualifier after ':'", err);
        record->arch_qualifier = qualifier;
    }

    skip_space(parser);
    if (parser->text[parser->position] == '(') {
        parser->position++;
        skip_space(parser);
        const char *at = parser->text + parser->position;
        size_t i;
        for (i = 0; i < sizeof(debian_ops) / sizeof(debian_ops[0]); i++) {
            if (strncmp(at, debian_ops[i], strlen(debian_ops[i])) == 0)
                break;
        }
        if (i == sizeof(debian_ops) / sizeof(debian_ops[0]))
            return syntax_error(parser, "one of <<, <=, =, >=, >>", err);
        strcpy(op, debian_ops[i]);
        parser->position += strlen(op);
        skip_space(parser);
        if (read_token(parser, is_version_char, version, TOKEN_MAX) == 0)
            return syntax_error(parser, "a version", err);
        skip_space(parser);
        if (parser->text[parser->position] != ')')
            return syntax_error(parser, "')'", err);
        parser->position++;
        record->op = op;
        record->version = version;
    }

    for (;;) {
        skip_space(parser);
        char c = parser->text[parser->position];
        if (c != '[' && c != '<')
            break;
        wh_status status = skip_restriction(parser, c == '[' ? ']' : '>', err);
        if (status != WH_OK)
            return status;
    }
    return WH_OK;
}

wh_status whc_relations_parse_debian(const char *value, whc_relation_kind kind,
                                     const char *source, whc_relation_list *list,
                                     wh_error *err)
{
    wh_status result = WH_OK;
    relation_parser parser = { value, 0, source };
    size_t count_before = list->count;
    int group = 0;
    char name[TOKEN_MAX], version[TOKEN_MAX], qualifier[TOKEN_MAX], op[4];

    for (;;) {
        skip_space(&parser);
        char c = value[parser.position];
        if (c == '\0')
            break;
        if (c == ',') {
            parser.position++;
            continue;
        }

        for (int alternative = 0;; alternative++) {
            whc_relation_record record = { .kind = kind, .group = group,
                                           .alternative = alternative };
            result = parse_alternative(&parser, name, op, version, qualifier, &record, err);
            if (result != WH_OK)
                goto out;
            result = whc_relation_list_add(list, &record, err);
            if (result != WH_OK)
                goto out;

            skip_space(&parser);
            if (value[parser.position] != '|')
                break;
            parser.position++;
        }

        c = value[parser.position];
        if (c != ',' && c != '\0') {
            result = syntax_error(&parser, "',' or '|'", err);
            goto out;
        }
        group++;
    }

out:
    if (result != WH_OK) {
        /* Index from count_before: records is NULL while the list is empty. */
        for (size_t i = count_before; i < list->count; i++) {
            free((char *)list->records[i].name);
            free((char *)list->records[i].op);
            free((char *)list->records[i].version);
            free((char *)list->records[i].arch_qualifier);
        }
        list->count = count_before;
    }
    return result;
}
