/*
 * Package databases found inside an image: dpkg (the status file, the
 * per-package status.d folder distroless ships, and the info/NAME.list file lists)
 * and apk (lib/apk/db/installed). They decide how an imported base image is
 * split into one component per installed package.
 *
 * The readers see the image through a whc_pkgdb_reader, so they work on a
 * flattened layer stack, an unpacked tree or test data alike.
 */
#ifndef WHC_PKGDB_H
#define WHC_PKGDB_H

#include <stddef.h>

#include "control.h"

/* How the readers reach files of the image. */
typedef struct whc_pkgdb_reader {
    /*
     * Reads the regular file at an absolute image path into a NUL-terminated
     * buffer that the caller frees; WH_ERR_NOT_FOUND when it does not exist.
     */
    wh_status (*read)(void *context, const char *path, char **data, size_t *size,
                      wh_error *err);
    /*
     * Lists the names directly inside the image folder dir, as an array of
     * strings that the caller frees (each name and the array). An absent
     * folder gives an empty list.
     */
    wh_status (*list)(void *context, const char *dir, char ***names, size_t *count,
                      wh_error *err);
    void *context;
} whc_pkgdb_reader;

/* One installed package. */
typedef struct whc_pkg {
    char *name, *version, *architecture; /* version and architecture may be "" */
    char *license, *summary;             /* NULL when unknown */
    char **paths;                        /* absolute paths as the database lists them */
    size_t path_count, path_capacity;
    whc_relation_list relations;
} whc_pkg;

typedef struct whc_pkgdb {
    const char *format; /* "dpkg" or "apk"; static */
    whc_pkg *packages;  /* installed packages in database order */
    size_t count, capacity;
    char **warnings;    /* records skipped, each with the file and line */
    size_t warning_count;
} whc_pkgdb;

/*
 * Reads the dpkg database of an image. Only installed packages count: a
 * package whose Status is not-installed or config-files is skipped. A
 * paragraph with an empty Package field is skipped with a warning. Returns
 * WH_ERR_NOT_FOUND when the image has no dpkg database, and WH_ERR_FORMAT
 * naming the file and line when the status file cannot be parsed or a
 * paragraph has no Package field. The caller frees out with whc_pkgdb_free,
 * also after a failure.
 */
wh_status whc_pkgdb_read_dpkg(const whc_pkgdb_reader *reader, whc_pkgdb *out, wh_error *err);

/*
 * Reads lib/apk/db/installed. A record without a P: line is skipped with a
 * warning naming its line; a package without V: gets version "". Returns
 * WH_ERR_NOT_FOUND when the file does not exist.
 */
wh_status whc_pkgdb_read_apk(const whc_pkgdb_reader *reader, whc_pkgdb *out, wh_error *err);

/* Frees everything in db and zeroes it; accepts NULL. */
void whc_pkgdb_free(whc_pkgdb *db);

/* ---- Shared by pkgdb_*.c ---- */

/* Appends an empty package named name and returns it, or NULL when out of memory. */
whc_pkg *whc_pkgdb_add(whc_pkgdb *db, const char *name);
/* Appends a copy of path (prefixed with '/' when relative) to pkg. */
wh_status whc_pkg_add_path(whc_pkg *pkg, const char *path, size_t length, wh_error *err);
/* Records a warning; on allocation failure the warning is dropped. */
void whc_pkgdb_warn(whc_pkgdb *db, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

#endif
