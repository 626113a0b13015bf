/*
 * An in-memory image for the package database fuzz targets. The input is
 * split at its first NUL byte: the part before is the database file
 * (/var/lib/dpkg/status or /lib/apk/db/installed), the part after is
 * returned for every other regular file read, such as the dpkg
 * info/NAME.list files. Every folder lists as empty.
 */
#ifndef WH_FUZZ_PKGDB_H
#define WH_FUZZ_PKGDB_H

#include "../../catalog/pkgdb.h"

typedef struct fuzz_pkgdb_image {
    const char *database_path;
    const char *database;
    size_t database_size;
    const char *other;
    size_t other_size;
} fuzz_pkgdb_image;

/* Splits data into image; database_path must outlive it. */
void fuzz_pkgdb_split(const uint8_t *data, size_t size, const char *database_path,
                      fuzz_pkgdb_image *image);

/* A reader over image, which must outlive it. */
whc_pkgdb_reader fuzz_pkgdb_reader(fuzz_pkgdb_image *image);

#endif
