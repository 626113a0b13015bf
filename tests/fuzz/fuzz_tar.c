/*
 * Fuzz target: the entry loop shared by every archive importer
 * (whc_archive_collect), on a tar stream in memory with any compression
 * libarchive reads, as the .deb reader opens data.tar, followed by the
 * checks the importer runs on the collected list.
 */
#include <archive.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../catalog/archive_entries.h"
#include "fuzz.h"
#include "fuzz_catalog.h"

FUZZ_ENTRY(tar)
{
    wh_error err = { 0 };
    whc_import *import = NULL;
    if (whc_import_begin(fuzz_catalog(), &import, &err) != WH_OK) {
        fprintf(stderr, "fuzz: cannot begin an import: %s\n", err.message);
        abort();
    }

    struct archive *archive = archive_read_new();
    if (archive == NULL)
        abort();
    archive_read_support_filter_all(archive);
    archive_read_support_format_tar(archive);
    archive_read_set_format_option(archive, "tar", "read_concatenated_archives", "1");

    whc_file_list files = { 0 };
    whc_archive_source source = { "fuzz.tar", "data.tar", NULL, NULL, NULL };
    if (archive_read_open_memory(archive, data, size) == ARCHIVE_OK &&
        whc_archive_collect(import, archive, &source, &files, &err) == WH_OK &&
        whc_file_list_sort(&files, &err) == WH_OK)
        (void)whc_file_list_check_parents(&files, &err);

    whc_file_list_free(&files);
    archive_read_free(archive);
    whc_import_abort(import);
    fuzz_check_blobs_empty();
    return 0;
}
