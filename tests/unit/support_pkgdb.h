/*
 * A whc_pkgdb_reader over a table of image paths, each served from a host
 * file or from a string, for the package database tests.
 */
#ifndef WH_TEST_SUPPORT_PKGDB_H
#define WH_TEST_SUPPORT_PKGDB_H

#include <stddef.h>

#include "../../catalog/pkgdb.h"

typedef struct mapped_file {
    const char *image_path;
    const char *host_path; /* read when data is NULL */
    const char *data;
} mapped_file;

typedef struct mapped_image {
    const mapped_file *files;
    size_t count;
} mapped_image;

/* Fills reader so that it reads from image, which must outlive it. */
void test_pkgdb_reader(mapped_image *image, whc_pkgdb_reader *reader);

/* Returns the package named name, or NULL. */
const whc_pkg *test_pkgdb_find(const whc_pkgdb *db, const char *name);

#endif
