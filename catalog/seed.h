/*
 * The demo seed: downloads the Debian packages named in a list file with
 * `apt-get download`, keeps them in a cache folder, imports them in one
 * transaction and adds the generated ca-certificates-bundle component.
 */
#ifndef WHC_SEED_H
#define WHC_SEED_H

#include <stddef.h>

#include "catalog.h"

/*
 * Progress callback: phase is "download", "import" or "bundle"; done and
 * total count packages; item names the current package or file (may be
 * NULL). Called on the importing thread.
 */
typedef void (*whc_seed_progress)(void *context, const char *phase, size_t done, size_t total,
                                  const char *item);

typedef struct whc_seed_options {
    const char *list_path;  /* package list; NULL: whc_seed_default_list() */
    const char *cache_dir;  /* .deb cache; NULL: $XDG_CACHE_HOME/whittle/debs */
    int offline;            /* nonzero: never run apt-get, use only cached .debs */
    int quiet_download;     /* nonzero: discard apt-get's output instead of sending it to stderr */
    whc_seed_progress progress;
    void *progress_context;
} whc_seed_options;

typedef struct whc_seed_result {
    size_t packages;   /* packages named in the list */
    size_t downloaded; /* .debs fetched by this run */
    size_t imported;   /* components added by this run, the bundle included */
    size_t skipped;    /* artifacts that were already in the catalog */
} whc_seed_result;

/*
 * Seeds the catalog. Everything is imported in one transaction, so a failed
 * seed leaves the catalog as it was (downloaded .debs stay in the cache).
 * result may be NULL.
 */
wh_status whc_seed(whc_catalog *catalog, const whc_seed_options *options,
                   whc_seed_result *result, wh_error *err);

/*
 * Returns the package list that ships with whittle: $WHITTLE_SEED_LIST when
 * set, else catalog/seed-packages.list next to a build tree or
 * share/whittle/seed-packages.list next to an installed binary. The caller
 * frees the result; NULL when none is found.
 */
char *whc_seed_default_list(void);

/*
 * Builds the ca-certificates-bundle component inside import from the
 * certificates that the ca-certificates component ships: every
 * /usr/share/ca-certificates/.../NAME.crt file, in byte order of its path,
 * concatenated into /etc/ssl/certs/ca-certificates.crt. Returns
 * WH_ERR_EXISTS when the same bundle is already in the catalog and
 * WH_ERR_NOT_FOUND when ca-certificates is not.
 */
wh_status whc_seed_ca_bundle(whc_catalog *catalog, whc_import *import, wh_error *err);

#endif
