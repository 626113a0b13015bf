/*
 * File classification: what a file is, derived from its metadata and bytes.
 * Shared by every importer and by the image inspector, so a file is
 * classified the same way wherever it comes from.
 */
#ifndef WH_CLASSIFY_H
#define WH_CLASSIFY_H

#include <stddef.h>

#include "error.h"
#include "types.h"

/* What the classifier needs to know about a file besides its bytes. */
typedef struct wh_file_meta {
    const char *path;     /* absolute path inside the image, e.g. "/usr/bin/tini" */
    wh_file_type type;
    unsigned mode;        /* permission bits plus S_IFMT, as in struct stat */
    int has_capabilities; /* nonzero when a security.capability xattr is present */
} wh_file_meta;

/*
 * The result of classification. Every string is owned by the structure and
 * freed by wh_classification_free; absent values are NULL.
 */
typedef struct wh_classification {
    unsigned flags;        /* WH_FLAG_* bits */
    char *interpreter;     /* ELF PT_INTERP, or the #! path of a script */
    char *interpreter_arg; /* the #! argument; for env, the command it runs ("python3"
                              in "#!/usr/bin/env -S python3 -u") */
    char **needed;         /* DT_NEEDED sonames in file order */
    size_t needed_count;
    char *soname;          /* DT_SONAME */
    char *runpath;         /* DT_RUNPATH, colon-separated, unexpanded */
    char *rpath;           /* DT_RPATH, colon-separated, unexpanded */
    char *multicall;       /* "busybox" or "toybox" for multi-call binaries */
} wh_classification;

/*
 * Classifies one file. data contains the whole content of a regular file (size
 * bytes) and may be NULL for other types. Malformed ELF or script content
 * is not an error: the file is classified by what could be read. Fails only
 * on allocation failure or a NULL meta, leaving out empty. On success the caller owns out
 * and frees it with wh_classification_free.
 */
wh_status wh_classify(const wh_file_meta *meta, const unsigned char *data, size_t size,
                      wh_classification *out, wh_error *err);

/* Frees the members of c (not c itself) and zeroes it; accepts NULL. */
void wh_classification_free(wh_classification *c);

#endif
