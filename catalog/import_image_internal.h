/* Private to import_image*.c: the steps of an image import. */
#ifndef WHC_IMPORT_IMAGE_INTERNAL_H
#define WHC_IMPORT_IMAGE_INTERNAL_H

#include "../core/flatten.h"
#include "import_image.h"
#include "pkgdb.h"

/*
 * Reads every layer of source into flat (first pass: metadata only), then
 * reads again the layers that still hold needed content and stores that
 * content in the blob store tied to import (second pass). Layer files are
 * checked against their digests first. Errors name the layer file.
 */
wh_status whc_image_flatten(whc_import *import, const whc_image_source *source,
                            wh_flatten *flat, wh_error *err);

/* A reader over the flattened tree whose contents are in the blob store. */
typedef struct whc_flat_reader {
    whc_catalog *catalog;
    const wh_flatten *flat;
} whc_flat_reader;

/* Fills reader with callbacks that read files of the flattened tree. */
void whc_flat_reader_init(whc_flat_reader *context, whc_pkgdb_reader *reader);

/* What the split needs besides the tree. */
typedef struct whc_split_input {
    const char *name;         /* base name; packages become NAME/PACKAGE */
    const char *version;      /* the base component's version */
    const char *reference;    /* origin path of every component */
    const char *image_id;     /* hex sha256 identifying the image content */
    const char *summary;      /* the base component's summary */
    const whc_pkgdb *packages;/* may be NULL: everything goes to the base component */
} whc_split_input;

/* Writes the components and their files, classified, into import. */
wh_status whc_image_split(whc_import *import, const wh_flatten *flat,
                          const whc_split_input *input, wh_error *err);

#endif
