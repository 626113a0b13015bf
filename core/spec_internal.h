/* The spec's structure as data, shared by spec.c and spec_schema.c only. */
#ifndef WH_SPEC_INTERNAL_H
#define WH_SPEC_INTERNAL_H

#include <jansson.h>

#include "spec.h"

typedef enum node_kind {
    NODE_STRING,
    NODE_INTEGER,
    NODE_BOOLEAN,
    NODE_ARRAY,
    NODE_OBJECT,
    NODE_MAP,              /* an object with free keys and string values, written sorted */
    NODE_STRING_OR_OBJECT, /* a bare string, or the object in `object` */
} node_kind;

typedef struct spec_node spec_node;

/* Checks a value that already has the node's type; path is its JSON path. */
typedef wh_status (*value_check)(const json_t *value, const char *path, wh_error *err);

typedef struct spec_field {
    const char *key;
    const spec_node *node;
    int required;
} spec_field;

struct spec_node {
    node_kind kind;
    const spec_field *fields;  /* NODE_OBJECT: in canonical order, ended by a NULL key */
    const spec_node *items;    /* NODE_ARRAY items, NODE_MAP values, NODE_STRING_OR_OBJECT string */
    const spec_node *object;   /* NODE_STRING_OR_OBJECT */
    value_check check;
    int64_t minimum, maximum;  /* NODE_INTEGER */
};

extern const spec_node wh_spec_root_node;

/* Validates value against node; err names the JSON path and the offending value. */
wh_status wh_spec_validate(const json_t *value, const spec_node *node, const char *path,
                           wh_error *err);

/* Returns a new reference: value with object keys in canonical order, or NULL when out of memory. */
json_t *wh_spec_canonical(json_t *value, const spec_node *node);

/* Formats "PATH: message (value: VALUE)" into err. */
wh_status wh_spec_error(wh_error *err, const json_t *value, const char *path, const char *format,
                        ...) __attribute__((format(printf, 4, 5)));

#endif
