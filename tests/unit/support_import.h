/*
 * Test helpers for the importer tests: real Debian packages from the
 * shared download cache, a fingerprint of a catalog's whole state, and
 * running a command for its output. Returned strings are malloc'd and
 * freed by the caller.
 */
#ifndef WH_TEST_SUPPORT_IMPORT_H
#define WH_TEST_SUPPORT_IMPORT_H

#include <stddef.h>

#include "../../catalog/importer.h"

/*
 * Returns the path of PACKAGE_*.deb in $XDG_CACHE_HOME/whittle/debs (else
 * ~/.cache/whittle/debs), the folder `whittle catalog seed` also uses,
 * running `apt-get download PACKAGE` there first when no such file exists.
 * Returns NULL when the package cannot be found or downloaded.
 */
char *test_import_fetch_deb(const char *package);

/*
 * Returns a sha256 over every row of every table of the database at
 * db_path and over the names and sizes of all files under the blob store
 * beside it, so two equal fingerprints mean the catalog did not change.
 * Returns NULL when the database cannot be read. The catalog must be closed.
 */
char *test_import_catalog_fingerprint(const char *db_path);

/* Runs command with the shell and returns its stdout, or NULL when it fails. */
char *test_import_command_output(const char *command);

/* A private catalog in a temporary folder; the state of each test. */
typedef struct test_catalog {
    char dir[64];
    char db_path[128];
} test_catalog;

/* cmocka setup and teardown creating and removing a test_catalog. */
int test_import_setup(void **state);
int test_import_teardown(void **state);

/*
 * Opens the catalog, imports path in its own import and commits when the
 * result is WH_OK or WH_ERR_EXISTS (aborts otherwise), then closes it.
 * summary may be NULL; the caller clears it.
 */
wh_status test_import_run(const char *db_path, const char *path,
                          const whc_import_options *options, whc_import_summary *summary,
                          wh_error *err);

/*
 * Imports path, expects expected_status with expected_text in the message,
 * and checks that the catalog fingerprint did not change.
 */
void test_import_expect_failure(const char *db_path, const char *path,
                                const whc_import_options *options, wh_status expected_status,
                                const char *expected_text);

/* A component read back with its files and relations. */
typedef struct test_component {
    whc_component component;
    whc_file *files;
    size_t file_count;
    whc_relation *relations;
    size_t relation_count;
} test_component;

/* Loads the component named name (highest version); fails the test when missing. */
void test_import_load(const char *db_path, const char *name, test_component *out);
void test_import_unload(test_component *loaded);

/* Returns the file with that path, or NULL. */
const whc_file *test_import_file(const test_component *loaded, const char *path);

#endif
