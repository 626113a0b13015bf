/*
 * Private to the importers: the loop that turns the entries of a tar stream
 * read by libarchive into file records, with regular file contents stored
 * as blobs and classified.
 */
#ifndef WHC_ARCHIVE_ENTRIES_H
#define WHC_ARCHIVE_ENTRIES_H

#include <archive.h>
#include <archive_entry.h>

#include "import_internal.h"

/* Result of a claim callback. */
enum { WHC_ENTRY_KEEP = 0, WHC_ENTRY_CLAIMED = 1 };

typedef struct whc_archive_source {
    const char *artifact; /* path of the package, first in every message */
    const char *member;   /* what is being read: "data.tar.xz", "package contents" */

    /*
     * Optional. Called with each normalised path before the entry is
     * stored. Returns WHC_ENTRY_CLAIMED when it took the entry, which is
     * then not stored, and may read its data with archive_read_data.
     * Returns WHC_ENTRY_KEEP otherwise, or a negative value after setting err.
     */
    int (*claim)(const char *path, struct archive *archive, void *context, wh_error *err);

    /* Optional. Sees the whole content of every stored regular file. */
    void (*inspect)(const char *path, const unsigned char *data, size_t size, void *context);

    void *context;
} whc_archive_source;

/*
 * Sets *out to the file type of a libarchive entry; a hardlink entry is
 * WH_FILE_HARDLINK whatever its mode says. Sockets and unknown types fail
 * with WH_ERR_FORMAT, with label ("FILE: MEMBER") and path in the message.
 */
wh_status whc_archive_entry_type(struct archive_entry *entry, const char *label,
                                 const char *path, wh_file_type *out, wh_error *err);

/*
 * Normalises an archive entry name to an absolute image path: "./usr//bin/"
 * becomes "/usr/bin". Sets *out to NULL for the root itself. Rejects empty
 * names, ".." components and paths longer than WHC_IMAGE_PATH_MAX bytes;
 * other bytes, including non-UTF-8 ones, are kept as they are. The caller
 * frees *out.
 */
wh_status whc_normalize_path(const char *name, char **out, wh_error *err);

/*
 * Default of the largest ratio of unpacked file content to compressed bytes
 * read that an archive may reach once it has unpacked 128 MiB. See
 * docs/limits.md for the reasons behind both numbers.
 */
#define WHC_DEFAULT_MAX_EXPANSION 200

/*
 * Sets *out to the expansion limit: WHITTLE_MAX_EXPANSION when set (0 means
 * no limit), else WHC_DEFAULT_MAX_EXPANSION. Fails with WH_ERR_INVALID
 * naming the variable when its value is not a whole number.
 */
wh_status whc_max_expansion(int64_t *out, wh_error *err);

/*
 * Fails with WH_ERR_LIMIT, naming path, once archive has unpacked more than
 * 128 MiB and more than max_ratio times the compressed bytes it has read.
 * The unpacked count is the larger of the tar stream read so far and
 * content, the file bytes the caller produced (sparse holes included).
 * libarchive reads ahead, so the compressed count errs towards accepting.
 */
wh_status whc_archive_check_expansion(struct archive *archive, int64_t content,
                                      int64_t max_ratio, const whc_archive_source *source,
                                      const char *path, wh_error *err);

/*
 * Reads every entry of archive, which is open and before its first header,
 * into files. Regular files go to the blob store tied to import. Any read
 * error fails with "ARTIFACT: truncated or corrupt MEMBER: <libarchive
 * message>", and content past the expansion limit with WH_ERR_LIMIT; the
 * caller then aborts the import.
 */
wh_status whc_archive_collect(whc_import *import, struct archive *archive,
                              const whc_archive_source *source, whc_file_list *files,
                              wh_error *err);

/* Sets err to the "truncated or corrupt" message for archive's last error. */
wh_status whc_archive_error(struct archive *archive, const whc_archive_source *source,
                            wh_error *err);

#endif
