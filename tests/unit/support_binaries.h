/*
 * Test helpers for building and reading real binaries at test time: a
 * scratch directory, a gcc wrapper, whole-file reads and writes and a
 * listing of a catalog's blob store. Every returned string and buffer is
 * malloc'd and freed by the caller.
 */
#ifndef WH_TEST_SUPPORT_BINARIES_H
#define WH_TEST_SUPPORT_BINARIES_H

#include <stddef.h>

/* Creates an empty directory under $TMPDIR (or /tmp); returns its path or NULL. */
char *test_support_make_temp_dir(void);

/* Deletes dir and everything below it; accepts NULL. */
void test_support_remove_tree(const char *dir);

/* Returns "dir/name" in a new string, or NULL when allocation fails. */
char *test_support_path(const char *dir, const char *name);

/*
 * Writes source to dir/name.c and compiles it with
 * "gcc FLAGS -o dir/name dir/name.c", where flags is passed to the shell
 * as written. Returns the output path, or NULL when gcc fails (its
 * output goes to stderr).
 */
char *test_support_compile(const char *dir, const char *name, const char *source,
                           const char *flags);

/* Reads a whole file; returns the bytes and sets *size, or NULL when it cannot be read. */
unsigned char *test_support_read_file(const char *path, size_t *size);

/* Writes size bytes to path, replacing it; returns 0 or -1. */
int test_support_write_file(const char *path, const void *data, size_t size);

/*
 * Returns the names in catalog_dir/blobs and catalog_dir/blobs/sha256 as
 * "blobs/NAME" and "blobs/sha256/NAME" lines in byte order, or NULL when
 * either folder cannot be read.
 */
char *test_support_list_store(const char *catalog_dir);

#endif
